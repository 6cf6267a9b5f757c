/**
 * NATS users, one per service, as the server's config names them. Pure.
 *
 * The passwords never appear in the release's values: each user's password is the NATS config variable
 * `$NATS_PASSWORD_<SERVICE>`, which the chart writes unquoted (its `<< ... >>` syntax) so the server reads it
 * from the container's environment, where a `secretKeyRef` puts it.
 *
 * What a service may do (everything else is refused by the server):
 * - publish its events under `events.<service>.`, and read every service's `events.>`;
 * - own one JetStream stream, `EVENTS_<SERVICE>` (create, update, inspect, purge, delete it, read and delete
 *   its messages): no service can touch another's stream;
 * - read any stream through durable consumers named after itself (create, inspect, fetch from, delete its own
 *   consumer, acknowledge what it was delivered, answer flow control), never another service's consumers;
 * - ask which stream holds a subject (`$JS.API.STREAM.NAMES`, names only) and for the account's JetStream
 *   usage (`$JS.API.INFO`, what clients check JetStream with);
 * - receive replies on its own inboxes, `_INBOX.<service>.>`: clients set their inbox prefix to
 *   `_INBOX.<NATS_USER>`, so no service reads another's replies, and none may publish to an inbox.
 */

export const EVENTS_SUBJECT_ROOT = "events";

/** The env var (and Secret key) holding a service's password, e.g. `NATS_PASSWORD_AUTH`. */
export const natsPasswordEnv = (service: string): string =>
  `NATS_PASSWORD_${service.replace(/-/g, "_").toUpperCase()}`;

/** The JetStream stream a service owns: `EVENTS_AUTH` (stream names take no `.`, `*`, `>` or `-` here). */
export const eventStream = (service: string): string => `EVENTS_${service.replace(/-/g, "_").toUpperCase()}`;

/** The prefix of a service's reply inboxes (its client's inbox prefix): `_INBOX.auth`. */
export const inboxPrefix = (service: string): string => `_INBOX.${service}`;

/** The JetStream API subjects a service may publish to (requests). */
export function jetStreamApiGrants(service: string): string[] {
  const stream = eventStream(service);
  const api = "$JS.API";
  return [
    `${api}.INFO`,
    `${api}.STREAM.NAMES`,
    // Its own stream.
    ...["CREATE", "UPDATE", "PURGE", "DELETE", "MSG.GET", "MSG.DELETE"].map(
      (op) => `${api}.STREAM.${op}.${stream}`,
    ),
    // Any stream's configuration and state, its own included (every stream here is some service's events).
    `${api}.STREAM.INFO.*`,
    // Its own durable consumer on any stream: `<stream>.<service>`.
    `${api}.CONSUMER.CREATE.*.${service}`,
    `${api}.CONSUMER.CREATE.*.${service}.>`, // with a filter subject
    `${api}.CONSUMER.DURABLE.CREATE.*.${service}`,
    `${api}.CONSUMER.INFO.*.${service}`,
    `${api}.CONSUMER.DELETE.*.${service}`,
    `${api}.CONSUMER.MSG.NEXT.*.${service}`,
  ];
}

export interface NatsUser {
  readonly user: string;
  /** `<< $NATS_PASSWORD_<SERVICE> >>`: the chart's syntax for an unquoted config variable. */
  readonly password: string;
  readonly permissions: {
    readonly publish: { readonly allow: readonly string[] };
    readonly subscribe: { readonly allow: readonly string[] };
  };
}

export function natsUser(service: string): NatsUser {
  return {
    user: service,
    password: `<< $${natsPasswordEnv(service)} >>`,
    permissions: {
      publish: {
        allow: [
          `${EVENTS_SUBJECT_ROOT}.${service}.>`,
          ...jetStreamApiGrants(service),
          // Acknowledgements and flow-control replies of its own consumers: `$JS.ACK.<stream>.<consumer>...`.
          `$JS.ACK.*.${service}.>`,
          `$JS.FC.*.${service}.>`,
        ],
      },
      subscribe: { allow: [`${EVENTS_SUBJECT_ROOT}.>`, `${inboxPrefix(service)}.>`] },
    },
  };
}

/** The `authorization` block merged into nats.conf. */
export function natsAuthorization(services: readonly string[]): { users: NatsUser[] } {
  return { users: services.map(natsUser) };
}
