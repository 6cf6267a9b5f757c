/**
 * The migrate initContainer's command: `python manage.py migrate` serialized by a PostgreSQL advisory lock,
 * so pods started together by a rollout or the HPA never migrate concurrently. Pure.
 *
 * The wrapper opens its own connection from DATABASE_URL (psycopg2, which every Django-on-PostgreSQL image
 * has), takes a session-level advisory lock, runs the wrapped command and releases the lock. If the pod dies,
 * its connection closes and PostgreSQL releases the lock. Advisory locks are per database, and each service
 * has its own database, so one fixed key serves every service.
 */

/** The advisory lock key, computed by the server from this text. */
export const MIGRATE_LOCK_NAME = "ferrum:migrate";

export const MIGRATE_LOCK_SCRIPT = [
  "import os, subprocess, sys",
  "import psycopg2",
  'conn = psycopg2.connect(os.environ["DATABASE_URL"])',
  "conn.autocommit = True",
  "cur = conn.cursor()",
  'print("migrate: waiting for the migration lock", flush=True)',
  `cur.execute("SELECT pg_advisory_lock(hashtextextended(%s, 0))", ("${MIGRATE_LOCK_NAME}",))`,
  'print("migrate: lock held, running", " ".join(sys.argv[1:]), flush=True)',
  "try:",
  "    rc = subprocess.call(sys.argv[1:])",
  "finally:",
  `    cur.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 0))", ("${MIGRATE_LOCK_NAME}",))`,
  "    conn.close()",
  "sys.exit(rc)",
].join("\n");

/** The default command the lock wraps. */
export const MIGRATE_COMMAND = ["python", "manage.py", "migrate", "--noinput"];

/** `python -c <script> <command...>`: the script runs `command` while holding the lock. */
export function migrateCommand(command: readonly string[] = MIGRATE_COMMAND, python = "python"): string[] {
  return [python, "-c", MIGRATE_LOCK_SCRIPT, ...command];
}
