#!/bin/sh
# Builds the local Docker images assay's docker:// URLs run, from this machine's own packages:
#   postgres:15     from postgresql-15        (/usr/lib/postgresql/15, /usr/share/postgresql/15)
#   mariadb:10.11   from mariadb-server-core  (also tagged mysql:8: MariaDB stands in for MySQL)
# There is no image registry on the project's machines, so each image is a root filesystem with
# the server binaries, the shared libraries they load (found with ldd), dash and a few coreutils
# for the entrypoint, and a data directory initialised here, put into Docker with `docker import`.
#
# An image whose label dev.assay.image-hash equals the hash of its inputs (this script, its
# entrypoint, the package versions) is not rebuilt. Usage:
#   testdata/docker/build-images.sh [--force] [postgres] [mariadb]
set -eu

here=$(cd "$(dirname "$0")" && pwd)
force=0
which=""
for arg; do
    case $arg in
    --force) force=1 ;;
    postgres | mariadb) which="$which $arg" ;;
    *) echo "usage: $0 [--force] [postgres] [mariadb]" >&2; exit 2 ;;
    esac
done
[ -n "$which" ] || which="postgres mariadb"

die() { echo "build-images: $*" >&2; exit 1; }
log() { echo "build-images: $*" >&2; }

command -v docker >/dev/null || die "the docker client is not installed"
docker info >/dev/null 2>&1 || die "Docker is not running (start it with .ci/docker-setup.sh)"

root=""
cleanup() { [ -z "$root" ] || rm -rf "$root"; }
trap cleanup EXIT INT TERM

# Copies each path (file, directory or symlink) into $root at the same place, following symlinks
# so that both the link and its target land in the image. /lib, /bin, /sbin are the merged-usr
# links, so directories are resolved before copying.
add() {
    for p; do
        dir=$(realpath "$(dirname "$p")")
        f="$dir/$(basename "$p")"
        if [ -e "$root$f" ] || [ -L "$root$f" ]; then continue; fi
        mkdir -p "$root$dir"
        cp -a "$f" "$root$dir/"
        if [ -L "$f" ]; then
            t=$(readlink "$f")
            case $t in
            /*) add "$t" ;;
            *) add "$dir/$t" ;;
            esac
        fi
    done
}

# Copies the shared libraries of every ELF file under the given paths (ldd gives the closure).
add_libs() {
    find "$@" -type f \( -perm -u+x -o -name '*.so*' \) 2>/dev/null | while read -r f; do
        ldd "$f" 2>/dev/null | sed -n -e 's/.*=> \(\/[^ ]*\) .*/\1/p' -e 's/^[[:space:]]*\(\/[^ ]*\) .*/\1/p'
    done | sort -u | while read -r lib; do add "$lib"; done
}

# A root filesystem skeleton: merged-usr links, a shell, the tools the entrypoints use.
new_root() {
    root=$(mktemp -d /tmp/assay-image.XXXXXX)
    chmod 755 "$root"
    mkdir -p "$root/usr/bin" "$root/usr/sbin" "$root/usr/lib" "$root/usr/lib64" "$root/etc" \
        "$root/tmp" "$root/run" "$root/usr/local/bin" "$root/dev" "$root/proc" "$root/sys"
    chmod 1777 "$root/tmp"
    ln -s usr/bin "$root/bin"
    ln -s usr/sbin "$root/sbin"
    ln -s usr/lib "$root/lib"
    ln -s usr/lib64 "$root/lib64"
    add /usr/bin/dash
    ln -s dash "$root/usr/bin/sh"
    for tool in cat chmod chown cp env id ls mkdir rm sed sleep; do add "/usr/bin/$tool"; done
    add /usr/share/zoneinfo /usr/lib/locale/C.utf8
    echo "UTC" >"$root/etc/timezone"
    ln -s /usr/share/zoneinfo/Etc/UTC "$root/etc/localtime"
    printf 'hosts: files dns\npasswd: files\ngroup: files\n' >"$root/etc/nsswitch.conf"
}

# The passwd/group files of the image: root and the server's user, with the host's ids (the data
# directory is initialised here, as that user).
users() {
    name=$1
    uid=$(id -u "$name")
    gid=$(id -g "$name")
    printf 'root:x:0:0:root:/root:/bin/sh\n%s:x:%s:%s::/var/lib/%s:/bin/sh\n' \
        "$name" "$uid" "$gid" "$name" >"$root/etc/passwd"
    printf 'root:x:0:\n%s:x:%s:\n' "$name" "$gid" >"$root/etc/group"
}

# The hash of an image's inputs: this script, the entrypoint, the package versions.
inputs_hash() {
    { cat "$0" "$here/$1"; dpkg-query -W "$2"; } | sha256sum | cut -c1-16
}

# True when the image exists with the given input hash.
current() {
    [ "$force" = 0 ] &&
        [ "$(docker image inspect -f '{{index .Config.Labels "dev.assay.image-hash"}}' "$1" 2>/dev/null)" = "$2" ]
}

# Imports $root as an image; the remaining arguments are --change instructions.
import() {
    tag=$1
    shift
    log "importing $tag ($(du -sh "$root" | cut -f1) root filesystem)"
    tar -C "$root" --numeric-owner -cf - . | docker import "$@" - "$tag" >/dev/null
    rm -rf "$root"
    root=""
}

build_postgres() {
    hash=$(inputs_hash postgres-entrypoint.sh postgresql-15)
    if current postgres:15 "$hash"; then
        log "postgres:15 is up to date ($hash)"
        return
    fi
    [ -x /usr/lib/postgresql/15/bin/postgres ] || die "PostgreSQL 15 is not installed (apt-get install postgresql-15)"
    start=$(date +%s)
    new_root
    bin=/usr/lib/postgresql/15/bin
    for b in postgres initdb pg_ctl pg_isready psql; do add "$bin/$b"; done
    # Every module but the JIT (libLLVM alone is over 100 MB; the image runs with jit=off).
    mkdir -p "$root/usr/lib/postgresql/15/lib"
    for so in /usr/lib/postgresql/15/lib/*.so; do
        case $so in */llvmjit*) ;; *) add "$so" ;; esac
    done
    mkdir -p "$root/usr/share/postgresql/15"
    for d in /usr/share/postgresql/15/*; do
        case $d in */man) ;; *) add "$d" ;; esac
    done
    add_libs "$root/usr/lib/postgresql/15" "$root/usr/bin"
    users postgres
    install -m 755 "$here/postgres-entrypoint.sh" "$root/usr/local/bin/docker-entrypoint.sh"
    mkdir -p "$root/var/lib/postgresql/data" "$root/var/run/postgresql"
    chown -R postgres:postgres "$root/var/lib/postgresql" "$root/var/run/postgresql"

    # The cluster, initialised as the postgres user; the role's password is set at start.
    pgdata="$root/var/lib/postgresql/data"
    runuser -u postgres -- "$bin/initdb" -D "$pgdata" -U postgres --auth-local=trust \
        --auth-host=scram-sha-256 --locale=C.UTF-8 --encoding=UTF8 --no-sync >/dev/null
    cat >>"$pgdata/postgresql.conf" <<'CONF'

# assay: a throw-away test server; durability is not wanted, speed is.
listen_addresses = '*'
fsync = off
synchronous_commit = off
full_page_writes = off
jit = off
max_connections = 200
unix_socket_directories = '/var/run/postgresql'
timezone = 'UTC'
log_timezone = 'UTC'
CONF
    printf 'host all all 0.0.0.0/0 scram-sha-256\nhost all all ::/0 scram-sha-256\n' >>"$pgdata/pg_hba.conf"

    import postgres:15 \
        --change 'ENV PATH=/usr/lib/postgresql/15/bin:/usr/local/bin:/usr/bin' \
        --change 'ENV PGDATA=/var/lib/postgresql/data' \
        --change 'ENV LANG=C.UTF-8' \
        --change 'USER postgres' \
        --change 'EXPOSE 5432' \
        --change "LABEL dev.assay.image-hash=$hash" \
        --change 'ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]' \
        --change 'CMD ["postgres"]'
    log "postgres:15 built in $(($(date +%s) - start)) s, $(image_size postgres:15)"
}

build_mariadb() {
    hash=$(inputs_hash mariadb-entrypoint.sh mariadb-server-core)
    if current mariadb:10.11 "$hash"; then
        log "mariadb:10.11 is up to date ($hash)"
        docker tag mariadb:10.11 mysql:8
        return
    fi
    [ -x /usr/sbin/mariadbd ] || die "MariaDB is not installed (apt-get install mariadb-server)"
    start=$(date +%s)
    new_root
    add /usr/sbin/mariadbd /usr/share/mysql /usr/lib/mysql/plugin
    [ -d /usr/share/mariadb ] && add /usr/share/mariadb
    add_libs "$root/usr/sbin" "$root/usr/lib/mysql/plugin" "$root/usr/bin"
    users mysql
    install -m 755 "$here/mariadb-entrypoint.sh" "$root/usr/local/bin/docker-entrypoint.sh"
    mkdir -p "$root/var/lib/mysql" "$root/run/mysqld"
    chown -R mysql:mysql "$root/var/lib/mysql" "$root/run/mysqld"

    # The system tables, created by the host's installer; root's password is set at start.
    mariadb-install-db --no-defaults --datadir="$root/var/lib/mysql" --user=mysql \
        --auth-root-authentication-method=normal --skip-test-db --skip-name-resolve \
        --innodb-log-file-size=8M >/dev/null 2>&1 ||
        die "mariadb-install-db failed"

    import mariadb:10.11 \
        --change 'ENV PATH=/usr/local/bin:/usr/sbin:/usr/bin' \
        --change 'ENV LANG=C.UTF-8' \
        --change 'USER mysql' \
        --change 'EXPOSE 3306' \
        --change "LABEL dev.assay.image-hash=$hash" \
        --change 'ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]' \
        --change 'CMD ["mariadbd"]'
    docker tag mariadb:10.11 mysql:8
    log "mariadb:10.11 (and mysql:8) built in $(($(date +%s) - start)) s, $(image_size mariadb:10.11)"
}

image_size() {
    docker image inspect -f '{{.Size}}' "$1" | awk '{ printf "%.0f MB", $1 / 1000000 }'
}

for image in $which; do
    "build_$image"
done
