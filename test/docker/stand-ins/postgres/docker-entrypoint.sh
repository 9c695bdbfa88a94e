#!/bin/bash
# As the official postgres image's entrypoint: *_FILE variables are read (as root); the data
# directory is the postgres user's; on first start, initdb with POSTGRES_USER and its
# POSTGRES_PASSWORD, password authentication (scram-sha-256) for every TCP connection, and
# POSTGRES_DB created; then the server listens on every address.
set -e
for name in POSTGRES_USER POSTGRES_PASSWORD POSTGRES_DB; do
  file_var="${name}_FILE"
  if [ -n "${!file_var:-}" ]; then
    export "$name"="$(cat "${!file_var}")"
    unset "$file_var"
  fi
done
if [ "$1" = 'postgres' ] && [ "$(id -u)" = '0' ]; then
  mkdir -p "$PGDATA" /var/run/postgresql
  chown -R postgres:postgres "$PGDATA" /var/run/postgresql
  chmod 700 "$PGDATA"
  exec gosu postgres "$0" "$@"
fi
if [ "$1" = 'postgres' ] && [ ! -s "$PGDATA/PG_VERSION" ]; then
  : "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD is required, as the official image requires it}"
  user="${POSTGRES_USER:-postgres}"
  initdb -D "$PGDATA" --username="$user" --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") \
    --auth-local=trust --auth-host=scram-sha-256 >/dev/null
  echo 'host all all all scram-sha-256' >>"$PGDATA/pg_hba.conf"
  pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start >/dev/null
  db="${POSTGRES_DB:-$user}"
  if [ "$db" != 'postgres' ]; then
    psql -v ON_ERROR_STOP=1 --username "$user" --dbname postgres -q \
      -c "CREATE DATABASE \"$db\""
  fi
  pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
  echo 'stand-in postgres: initialised'
fi
if [ "$1" = 'postgres' ]; then
  shift
  exec postgres -D "$PGDATA" -c listen_addresses='*' "$@"
fi
exec "$@"
