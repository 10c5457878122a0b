#!/usr/bin/env bash
# Installs the engines assay's tests run against: PostgreSQL server binaries (preinstalled on
# the project's machines), MariaDB from Debian's packages, and Docker (a daemon plus local
# images built from the machine's packages, since there is no image registry). Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ] || need+=(mariadb-server)
if ! command -v initdb >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  need+=(postgresql)
fi
if [ ${#need[@]} -gt 0 ]; then
  echo "engines: installing ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
# assay runs PostgreSQL as this user when it runs as root (the server refuses root).
if ! id postgres >/dev/null 2>&1; then
  useradd --system --create-home --shell /bin/sh postgres
fi

# The package may start its own service; assay runs its own servers.
if command -v service >/dev/null 2>&1; then service mariadb stop >/dev/null 2>&1 || true; fi

if [ -f .ci/docker-setup.sh ]; then
  bash .ci/docker-setup.sh
fi
