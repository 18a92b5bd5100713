#!/usr/bin/env bash
# Guichet — PostgreSQL first-boot initialisation.
#
# Mounted into /docker-entrypoint-initdb.d by docker-compose.yml. The official
# postgres image runs it ONCE, as the `postgres` superuser over the local Unix
# socket, and only when the data directory is empty (a brand-new volume). On
# every later start it is ignored: changing the passwords in .env afterwards
# does NOT change them in the database (see docs/operations.md, "Secrets").
#
# One cluster, two databases, each owned by its own login role:
#   guichet  — the portal (DATABASE_URL of the `portal` service)
#   unleash  — Unleash's own data (DATABASE_URL of the `unleash` service)
# Neither role is a superuser, and neither can connect to the other database.
#
# Passwords come from GUICHET_DB_PASSWORD and UNLEASH_DB_PASSWORD (passed to
# the postgres container by docker-compose.yml). They are handed to psql as
# variables and quoted by psql (:'name'), never pasted into SQL by the shell.

# No `set -u`/`exit`: if this file lost its executable bit, the entrypoint
# would source it instead of running it, and must not inherit those settings.
set -e

: "${GUICHET_DB_PASSWORD:?GUICHET_DB_PASSWORD must be set for the postgres service}"
: "${UNLEASH_DB_PASSWORD:?UNLEASH_DB_PASSWORD must be set for the postgres service}"

psql -v ON_ERROR_STOP=1 \
  --username "${POSTGRES_USER:-postgres}" \
  --dbname "${POSTGRES_DB:-postgres}" \
  --set=guichet_password="$GUICHET_DB_PASSWORD" \
  --set=unleash_password="$UNLEASH_DB_PASSWORD" <<'EOSQL'
-- Portal
CREATE ROLE guichet LOGIN PASSWORD :'guichet_password';
CREATE DATABASE guichet OWNER guichet ENCODING 'UTF8' TEMPLATE template0;
REVOKE ALL ON DATABASE guichet FROM PUBLIC;

-- Unleash (it creates and migrates its own tables at startup)
CREATE ROLE unleash LOGIN PASSWORD :'unleash_password';
CREATE DATABASE unleash OWNER unleash ENCODING 'UTF8' TEMPLATE template0;
REVOKE ALL ON DATABASE unleash FROM PUBLIC;
EOSQL

echo "init-unleash-db: created roles and databases 'guichet' and 'unleash'"
