/**
 * The migrate initContainer's command: `python manage.py migrate` serialized by a PostgreSQL advisory lock,
 * so pods started together by a rollout or the HPA never migrate concurrently. Pure.
 *
 * The wrapper sets Django up (DJANGO_SETTINGS_MODULE, from the working directory manage.py runs in), takes a
 * session-level advisory lock through Django's own database connection, runs the wrapped command and releases
 * the lock. It imports no database driver itself: whichever one the image's Django uses (psycopg2, or psycopg 3
 * from Django 4.2 on) takes the lock, as it runs the migrations. If the pod dies, its connection closes and
 * PostgreSQL releases the lock. Advisory locks are per database, and each service has its own database, so one
 * fixed key serves every service.
 */

/** The advisory lock key, computed by the server from this text. */
export const MIGRATE_LOCK_NAME = "ferrum:migrate";

export const MIGRATE_LOCK_SCRIPT = [
  "import subprocess, sys",
  "import django",
  "django.setup()",
  "from django.db import connection",
  "cur = connection.cursor()",
  'print("migrate: waiting for the migration lock", flush=True)',
  `cur.execute("SELECT pg_advisory_lock(hashtextextended(%s, 0))", ["${MIGRATE_LOCK_NAME}"])`,
  'print("migrate: lock held, running", " ".join(sys.argv[1:]), flush=True)',
  "try:",
  "    rc = subprocess.call(sys.argv[1:])",
  "finally:",
  `    cur.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 0))", ["${MIGRATE_LOCK_NAME}"])`,
  "    connection.close()",
  "sys.exit(rc)",
].join("\n");

/** The default command the lock wraps. */
export const MIGRATE_COMMAND = ["python", "manage.py", "migrate", "--noinput"];

/** `python -c <script> <command...>`: the script runs `command` while holding the lock. */
export function migrateCommand(command: readonly string[] = MIGRATE_COMMAND, python = "python"): string[] {
  return [python, "-c", MIGRATE_LOCK_SCRIPT, ...command];
}
