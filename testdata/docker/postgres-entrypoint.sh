#!/bin/sh
# Entrypoint of assay's local postgres:15 image (built by build-images.sh; no registry here).
# The cluster was initialised when the image was built (initdb, C.UTF-8, fsync off, listening on
# all addresses, scram-sha-256 for TCP), so a start only sets the role, its password and the
# database from the environment, in single-user mode, then runs the server in the foreground.
# Honours POSTGRES_PASSWORD (required), POSTGRES_USER (default postgres) and POSTGRES_DB
# (default: the user's name), like the official image.
set -eu

PGDATA=${PGDATA:-/var/lib/postgresql/data}
user=${POSTGRES_USER:-postgres}
db=${POSTGRES_DB:-$user}
if [ -z "${POSTGRES_PASSWORD:-}" ]; then
    echo "assay postgres image: POSTGRES_PASSWORD must be set" >&2
    exit 1
fi

if [ "${1:-postgres}" != postgres ]; then
    exec "$@"
fi
[ $# -gt 0 ] && shift

# SQL literals and identifiers, with the quotes inside doubled.
lit() { printf "'%s'" "$(printf %s "$1" | sed "s/'/''/g")"; }
ident() { printf '"%s"' "$(printf %s "$1" | sed 's/"/""/g')"; }

if [ ! -e "$PGDATA/assay-configured" ]; then
    {
        if [ "$user" = postgres ]; then
            echo "ALTER ROLE postgres PASSWORD $(lit "$POSTGRES_PASSWORD");"
        else
            echo "CREATE ROLE $(ident "$user") SUPERUSER LOGIN PASSWORD $(lit "$POSTGRES_PASSWORD");"
        fi
        if [ "$db" != postgres ]; then
            # FILE_COPY: the default WAL_LOG strategy takes seconds here, this a fraction of one.
            echo "CREATE DATABASE $(ident "$db") OWNER $(ident "$user") STRATEGY FILE_COPY;"
        fi
    } | postgres --single -D "$PGDATA" -c log_min_messages=warning postgres >/dev/null
    : >"$PGDATA/assay-configured"
fi

echo "assay postgres image: starting the server" >&2
exec postgres -D "$PGDATA" "$@"
