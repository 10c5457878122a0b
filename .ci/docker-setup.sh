#!/bin/sh
# Makes Docker usable for assay's docker:// tests: installs docker.io (and the MariaDB server
# binaries the images are built from) when missing, starts dockerd when it is not answering, and
# builds the local images (testdata/docker/build-images.sh; there is no registry). Idempotent and
# quiet: run it as often as you like. Needs root.
set -eu

cd "$(dirname "$0")/.."
log() { echo "docker-setup: $*" >&2; }

missing=""
command -v dockerd >/dev/null || missing="$missing docker.io"
[ -x /usr/sbin/mariadbd ] || missing="$missing mariadb-server"
if [ -n "$missing" ]; then
    log "installing$missing"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
fi

if ! docker info >/dev/null 2>&1; then
    log "starting dockerd (log: /var/log/assay-dockerd.log)"
    # The defaults work on the project's machines: overlay2, bridge networking with published
    # ports on 127.0.0.1 (docker-proxy + iptables).
    setsid dockerd >/var/log/assay-dockerd.log 2>&1 </dev/null &
    i=0
    until docker info >/dev/null 2>&1; do
        i=$((i + 1))
        if [ "$i" -gt 60 ]; then
            log "dockerd did not answer within 30 s; its log ends with:"
            tail -n 20 /var/log/assay-dockerd.log >&2
            exit 1
        fi
        sleep 0.5
    done
fi

sh testdata/docker/build-images.sh
