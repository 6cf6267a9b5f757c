/**
 * Reading a plan's rendered Kubernetes objects in the stack tests. Objects are `any`: their shape is what
 * the tests check.
 */

const find = (objects: any[], kind: string, name: string): any =>
  objects.find((x) => x.kind === kind && x.metadata.name === name);

/** A service's web container and what it is given: its ConfigMap's data, its Secret's, its ServiceAccount. */
export function webEnv(objects: any[], service: string) {
  const web = find(objects, "Deployment", `${service}-web`).spec.template.spec.containers[0];
  return {
    config: find(objects, "ConfigMap", web.envFrom[0].configMapRef.name).data,
    secret: find(objects, "Secret", web.envFrom[1].secretRef.name).stringData,
    sa: find(objects, "ServiceAccount", service),
    image: web.image as string,
  };
}

/** `Kind/name` of every object of `kinds`, sorted, leaving out objects of the given components. */
export function kindNames(
  objects: any[],
  kinds: readonly string[],
  exceptComponents: readonly string[] = [],
) {
  return objects
    .filter((x) => kinds.includes(x.kind))
    .filter((x) => !exceptComponents.includes(x.metadata.labels?.["app.kubernetes.io/component"]))
    .map((x) => `${x.kind}/${x.metadata.name}`)
    .sort();
}
