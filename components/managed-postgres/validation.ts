/**
 * Validation of ManagedPostgres's arguments. Pure: every problem is collected, so the component throws one
 * ProblemsError before it registers anything, itself included.
 */
import { Problems } from "../../lib/problems";
import { CREDENTIAL_SLOTS, isRotation, MAX_ROTATION } from "../../lib/rotation";
import { loginName, roleName } from "./naming";
import type { ManagedPostgresArgs } from "./types";

const IDENTIFIER = /^[a-z][a-z0-9_-]{0,40}$/;

/** Every problem with the arguments, each naming the argument and the value received. */
export function managedPostgresProblems(args: ManagedPostgresArgs): Problems {
  const problems = new Problems();
  const bad = args.databases.filter((d) => !IDENTIFIER.test(d));
  if (bad.length || new Set(args.databases).size !== args.databases.length) {
    problems.report(`databases must be unique lowercase names (got ${JSON.stringify(args.databases)})`);
  } else {
    // `auth` has login `ferrum_auth_a`, which a service called `auth-a` would have as its owning role.
    const roles = args.databases.flatMap((d) => [
      roleName(d),
      ...CREDENTIAL_SLOTS.map((s) => loginName(d, s)),
    ]);
    const clash = roles.find((r, i) => roles.indexOf(r) !== i);
    if (clash) {
      problems.report(
        `two services would share the role ${clash} (got ${JSON.stringify(args.databases)}); rename one`,
      );
    }
  }
  const rotation = args.rotation ?? 0;
  if (!isRotation(rotation)) {
    problems.report(
      `rotation must be an integer from 0 to ${MAX_ROTATION} (got ${JSON.stringify(args.rotation)})`,
    );
  }
  const backend = args.backend;
  if (backend.kind === "inCluster" && backend.backups && !backend.backups.storage.credentials) {
    problems.report(
      "backups.storage must carry the backups bucket's own keys (an in-cluster object store's backups connection)",
    );
  }
  return problems;
}
