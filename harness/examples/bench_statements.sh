#!/usr/bin/env bash
# How assay's cost grows with the statements of one SQL text, side by side with the engine's
# own command-line client on the same file, in the same run.
#
# One migration file of N `INSERT`s (N = 20,000, 40,000, 80,000) is applied by
# `assay migrate apply` and by the engine's CLI in one transaction (`sqlite3` inside
# BEGIN/COMMIT, `psql -1 -f`, `mariadb` inside START TRANSACTION/COMMIT); each figure is the
# median of three runs. The servers are started here, on tmpfs, and removed at the end.
#
#   cargo build --release -p dbassay --bin assay
#   bash harness/examples/bench_statements.sh [sqlite] [postgres] [mariadb]
#
# ASSAY=path/to/assay picks another binary (default: target/release/assay).
set -euo pipefail
cd "$(dirname "$0")/../.."
ASSAY=${ASSAY:-$PWD/target/release/assay}
[ -x "$ASSAY" ] || { echo "build assay first: cargo build --release -p dbassay --bin assay" >&2; exit 2; }
engines=("$@")
[ ${#engines[@]} -gt 0 ] || engines=(sqlite postgres mariadb)

work=$(mktemp -d /dev/shm/assay-bench-statements.XXXXXX)
chmod 755 "$work"
pg_pid= ; maria_pid=
finish() {
  [ -n "$pg_pid" ] && su postgres -c "$PGBIN/pg_ctl -D $work/pg -s -m immediate stop" >/dev/null 2>&1 || true
  [ -n "$maria_pid" ] && kill "$maria_pid" 2>/dev/null && wait "$maria_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap finish EXIT

# seconds since the epoch, with nanoseconds
now() { date +%s.%N; }
# the median of three timings of "$@"
median3() {
  local t=()
  for _ in 1 2 3; do
    local a; a=$(now); "$@" >/dev/null; t+=("$(echo "$(now) - $a" | bc)")
  done
  printf '%s\n' "${t[@]}" | sort -n | sed -n 2p
}

generate() { # N DIR
  mkdir -p "$2/migrations"
  python3 - "$1" "$2/migrations/20240101000000_rows.sql" <<'PY'
import sys
n, path = int(sys.argv[1]), sys.argv[2]
with open(path, "w") as f:
    f.write("CREATE TABLE t (id integer PRIMARY KEY, v varchar(40));\n")
    for i in range(n):
        f.write(f"INSERT INTO t (id, v) VALUES ({i}, 'value {i}');\n")
PY
  "$ASSAY" migrate hash --dir "file://$2/migrations" >/dev/null
}

SIZES=(20000 40000 80000)
for n in "${SIZES[@]}"; do generate "$n" "$work/d$n"; done

# a fresh name per run (runs happen in subshells)
fresh() { date +%s%N; }
sqlite_assay() { "$ASSAY" migrate apply --url "sqlite://$work/a$(fresh).db" --dir "file://$work/d$1/migrations"; }
sqlite_cli() { { echo 'BEGIN;'; cat "$work/d$1/migrations/"*.sql; echo 'COMMIT;'; } | sqlite3 "$work/c$(fresh).db"; }

PGBIN=$(dirname "$(readlink -f "$(command -v postgres 2>/dev/null || ls /usr/lib/postgresql/*/bin/postgres | tail -1)")")
PGPORT=55433
start_postgres() {
  mkdir -p "$work/pg"; chown postgres "$work/pg"
  su postgres -c "$PGBIN/initdb -D $work/pg -A trust -U postgres" >/dev/null
  su postgres -c "$PGBIN/pg_ctl -D $work/pg -s -w -o '-p $PGPORT -k /tmp -c fsync=off -c listen_addresses=127.0.0.1' start" >/dev/null
  pg_pid=started
}
pg_db() { local db; db=b$(fresh); psql -X -q -h 127.0.0.1 -p $PGPORT -U postgres -c "CREATE DATABASE $db" postgres; echo "$db"; }
postgres_assay() { local db; db=$(pg_db); "$ASSAY" migrate apply --url "postgres://postgres@127.0.0.1:$PGPORT/$db?sslmode=disable" --dir "file://$work/d$1/migrations"; }
postgres_cli() { local db; db=$(pg_db); psql -X -q -h 127.0.0.1 -p $PGPORT -U postgres -v ON_ERROR_STOP=1 -1 -f "$work/d$1/migrations/"*.sql "$db"; }

MPORT=55434
start_mariadb() {
  mariadb-install-db --no-defaults --datadir="$work/maria" --user=root --auth-root-authentication-method=normal --skip-test-db >/dev/null 2>&1
  mariadbd --no-defaults --datadir="$work/maria" --socket="$work/maria.sock" --port=$MPORT \
    --bind-address=127.0.0.1 --user=root --skip-log-bin --innodb-flush-log-at-trx-commit=0 \
    --skip-name-resolve >"$work/maria.log" 2>&1 &
  maria_pid=$!
  for _ in $(seq 100); do mariadb -uroot -S "$work/maria.sock" -e 'SELECT 1' >/dev/null 2>&1 && return; sleep 0.2; done
  echo "mariadb did not start" >&2; exit 1
}
maria_db() { local db; db=b$(fresh); mariadb -uroot -S "$work/maria.sock" -e "CREATE DATABASE $db"; echo "$db"; }
mariadb_assay() { local db; db=$(maria_db); "$ASSAY" migrate apply --url "mysql://root@127.0.0.1:$MPORT/$db" --dir "file://$work/d$1/migrations"; }
mariadb_cli() { local db; db=$(maria_db); { echo 'START TRANSACTION;'; cat "$work/d$1/migrations/"*.sql; echo 'COMMIT;'; } | mariadb -uroot -S "$work/maria.sock" "$db"; }

echo "| engine | statements | assay migrate apply | engine CLI | assay / CLI | assay growth vs the size before |"
echo "|---|---|---|---|---|---|"
for e in "${engines[@]}"; do
  case $e in
    postgres) start_postgres ;;
    mariadb) start_mariadb ;;
  esac
  prev=
  for n in "${SIZES[@]}"; do
    a=$(median3 "${e}_assay" "$n")
    c=$(median3 "${e}_cli" "$n")
    growth=-
    [ -n "$prev" ] && growth=$(printf '%.2f×' "$(echo "$a / $prev" | bc -l)")
    printf '| %s | %s | %.3f s | %.3f s | %.2f× | %s |\n' "$e" "$n" "$a" "$c" "$(echo "$a / $c" | bc -l)" "$growth"
    prev=$a
  done
done
