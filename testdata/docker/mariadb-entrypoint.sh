#!/bin/sh
# Entrypoint of assay's local mariadb:10.11 image (built by build-images.sh; no registry here).
# The system tables were created when the image was built (mariadb-install-db), so a start only
# writes an init file that sets root's password and creates the database, which the server runs
# before it accepts connections. Honours MARIADB_ROOT_PASSWORD, MARIADB_DATABASE, MARIADB_USER
# and MARIADB_PASSWORD, and the MYSQL_* spellings of each.
set -eu

pw=${MARIADB_ROOT_PASSWORD:-${MYSQL_ROOT_PASSWORD:-}}
db=${MARIADB_DATABASE:-${MYSQL_DATABASE:-}}
app_user=${MARIADB_USER:-${MYSQL_USER:-}}
app_pw=${MARIADB_PASSWORD:-${MYSQL_PASSWORD:-}}
if [ -z "$pw" ]; then
    echo "assay mariadb image: MARIADB_ROOT_PASSWORD (or MYSQL_ROOT_PASSWORD) must be set" >&2
    exit 1
fi

if [ "${1:-mariadbd}" != mariadbd ] && [ "${1:-}" != mysqld ]; then
    exec "$@"
fi
[ $# -gt 0 ] && shift

# SQL string literals and identifiers, with the quotes inside escaped.
lit() { printf "'%s'" "$(printf %s "$1" | sed -e 's/\\/\\\\/g' -e "s/'/''/g")"; }
ident() { printf '`%s`' "$(printf %s "$1" | sed 's/`/``/g')"; }

init=/run/mysqld/init.sql
{
    echo "ALTER USER 'root'@'localhost' IDENTIFIED BY $(lit "$pw");"
    echo "CREATE USER IF NOT EXISTS 'root'@'%' IDENTIFIED BY $(lit "$pw");"
    echo "GRANT ALL ON *.* TO 'root'@'%' WITH GRANT OPTION;"
    if [ -n "$db" ]; then
        echo "CREATE DATABASE IF NOT EXISTS $(ident "$db");"
    fi
    if [ -n "$app_user" ] && [ -n "$app_pw" ]; then
        echo "CREATE USER IF NOT EXISTS $(lit "$app_user")@'%' IDENTIFIED BY $(lit "$app_pw");"
        if [ -n "$db" ]; then
            echo "GRANT ALL ON $(ident "$db").* TO $(lit "$app_user")@'%';"
        fi
    fi
} >"$init"

echo "assay mariadb image: starting the server" >&2
exec mariadbd --no-defaults \
    --datadir=/var/lib/mysql --socket=/run/mysqld/mysqld.sock --pid-file=/run/mysqld/mysqld.pid \
    --port=3306 --bind-address=0.0.0.0 --skip-name-resolve --skip-log-bin \
    --init-file="$init" \
    --innodb-flush-log-at-trx-commit=0 --innodb-doublewrite=0 \
    --innodb-log-file-size=8M --innodb-buffer-pool-size=64M \
    --character-set-server=utf8mb4 --collation-server=utf8mb4_general_ci \
    --performance-schema=OFF "$@"
