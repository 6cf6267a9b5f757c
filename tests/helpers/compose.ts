/** What the docker-compose tests expect of the rendered file. */
import { CATALOG } from "../../config/catalog";
import { djangoServiceNames } from "../../local/generator/render";

/**
 * Every compose service, in the file's order: Traefik, the data services and their one-shots, then per
 * catalog service its migrate one-shot and web service, with a worker and a beat where it runs Celery.
 */
export function expectedComposeServices(): string[] {
  return [
    "traefik",
    "postgres",
    "postgres-bootstrap",
    "redis",
    "redis-cache",
    "sentinel-0",
    "sentinel-1",
    "sentinel-2",
    "minio",
    "minio-bootstrap",
    ...CATALOG.flatMap((s) => {
      const n = djangoServiceNames(s.name);
      return s.celery ? [n.migrate, n.web, n.worker, n.beat] : [n.migrate, n.web];
    }),
  ];
}
