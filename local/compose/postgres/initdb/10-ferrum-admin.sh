#!/bin/sh
# Ferrum: create the non-superuser admin (CREATEDB CREATEROLE) the bootstrap Job connects as.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres --set admin=ferrum_admin --set password="$FERRUM_ADMIN_PASSWORD" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN CREATEDB CREATEROLE PASSWORD %L', :'admin', :'password')
  WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'admin')\gexec
SQL
