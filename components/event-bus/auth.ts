/**
 * NATS users, one per service, as the server's config names them. Pure.
 *
 * The passwords never appear in the release's values: each user's password is the NATS config variable
 * `$NATS_PASSWORD_<SERVICE>`, which the chart writes unquoted (its `<< ... >>` syntax) so the server reads it
 * from the container's environment, where a `secretKeyRef` puts it.
 *
 * Subjects: a service publishes its events under `events.<service>.` and may read every service's events;
 * the JetStream API, acknowledgements, flow control and reply inboxes are open to every user.
 */

export const EVENTS_SUBJECT_ROOT = "events";

/** The env var (and Secret key) holding a service's password, e.g. `NATS_PASSWORD_AUTH`. */
export const natsPasswordEnv = (service: string): string =>
  `NATS_PASSWORD_${service.replace(/-/g, "_").toUpperCase()}`;

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
        allow: [`${EVENTS_SUBJECT_ROOT}.${service}.>`, "$JS.API.>", "$JS.ACK.>", "$JS.FC.>", "_INBOX.>"],
      },
      subscribe: { allow: [`${EVENTS_SUBJECT_ROOT}.>`, "_INBOX.>"] },
    },
  };
}

/** The `authorization` block merged into nats.conf. */
export function natsAuthorization(services: readonly string[]): { users: NatsUser[] } {
  return { users: services.map(natsUser) };
}
