#!/bin/sh
# As the official redis image's entrypoint:
# - a first argument that is an option, or a .conf file, is given to redis-server;
# - started as root, it takes /data for the redis user and drops to that user;
# - protected mode is off (the official build's default), unless a config file sets it.
set -e
case "$1" in
  -* | *.conf) set -- redis-server "$@" ;;
esac
if [ "$1" = 'redis-server' ] && [ "$(id -u)" = '0' ]; then
  find . \! -user redis -exec chown redis '{}' +
  exec gosu redis "$0" "$@"
fi
if [ "$1" = 'redis-server' ]; then
  shift
  conf=
  case "$1" in *.conf) conf="$1"; shift ;; esac
  if [ -z "$conf" ] || ! grep -q '^protected-mode' "$conf"; then
    set -- --protected-mode no "$@"
  fi
  [ -n "$conf" ] && set -- "$conf" "$@"
  set -- redis-server "$@"
fi
umask 0077
exec "$@"
