#!/bin/sh
# Cold-start baseline for bench_pg_cases: what a shell script does to get one query answered by a
# throw-away PostgreSQL without initdb: copy assay's cached pristine data dir to tmpfs, start the
# server, run one query, stop it, remove the dir. Run as root (the server runs as `postgres`).
set -e
P=$(ls -d "${ASSAY_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/assay}"/postgres/*/ | head -1)
D=/dev/shm/coldbase-$$
cp -a "$P" "$D"; chown -R postgres "$D"
su postgres -c "$(dirname "$(readlink -f "$(command -v postgres)")")/pg_ctl -D $D -s -w -o '-p 54329 -k /tmp -c fsync=off -c listen_addresses=' start" >/dev/null
psql -X -h /tmp -p 54329 -U postgres -At -c 'SELECT 1' postgres >/dev/null
su postgres -c "$(dirname "$(readlink -f "$(command -v postgres)")")/pg_ctl -D $D -s -m immediate stop" >/dev/null
rm -rf "$D"
