#!/bin/sh
# Creates the application's and the maintenance roles (docs/security.md,
# "Database roles"): LOGIN, nothing else, with the passwords of
# compose/postgres.env. docker-compose.yml mounts it into the postgres
# container's /docker-entrypoint-initdb.d, so it runs once, when an empty
# data volume is initialised; manage.py db_roles (the migrate service) then
# grants their rights. Idempotent: on a volume initialised before this
# script existed, or to change a password, run it by hand:
#
#   docker compose exec postgres /docker-entrypoint-initdb.d/10-cbm-roles.sh
set -eu

: "${CBM_APP_DB_PASSWORD:?set CBM_APP_DB_PASSWORD in compose/postgres.env}"
: "${CBM_MAINTENANCE_DB_PASSWORD:?set CBM_MAINTENANCE_DB_PASSWORD in compose/postgres.env}"

# psql quotes the values (:'name' as a literal, %I/%L through format()).
psql -v ON_ERROR_STOP=1 -q \
    --username "${POSTGRES_USER:-postgres}" --dbname "${POSTGRES_DB:-${POSTGRES_USER:-postgres}}" \
    -v app="${CBM_APP_DB_USER:-cbm_app}" -v app_password="$CBM_APP_DB_PASSWORD" \
    -v maintenance="${CBM_MAINTENANCE_DB_USER:-cbm_maintenance}" \
    -v maintenance_password="$CBM_MAINTENANCE_DB_PASSWORD" <<'SQL'
SELECT format('CREATE ROLE %I', name) FROM (VALUES (:'app'), (:'maintenance')) AS wanted (name)
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = name) \gexec
SELECT format('ALTER ROLE %I WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD %L', name, password)
  FROM (VALUES (:'app', :'app_password'), (:'maintenance', :'maintenance_password')) AS wanted (name, password) \gexec
SQL
echo "postgres-roles: ${CBM_APP_DB_USER:-cbm_app} and ${CBM_MAINTENANCE_DB_USER:-cbm_maintenance} can log in"
