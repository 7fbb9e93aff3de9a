#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests: its own data directory, a
# free loopback port, trust authentication, no fsync.
#
#   server/tests/pg/cluster.sh start DIR   # prints postgres://postgres@127.0.0.1:PORT/postgres
#   server/tests/pg/cluster.sh stop DIR    # stops it (fast) and removes DIR
#
# `start` creates DIR if needed (it must hold no cluster yet), writes the
# URL to DIR/url as well as to stdout, and keeps the server log in DIR/log.
# The binaries are Debian's, /usr/lib/postgresql/<version>/bin (the highest
# version there), never whatever PATH holds. initdb and pg_ctl refuse to run
# as root, so as root they run as the `postgres` user and DIR is chowned to it.
#
# With KEYWARD_PG_TLS=1 at `start`, the server also speaks TLS: `openssl`
# makes a throwaway CA (DIR/ca.crt) and a server certificate for 127.0.0.1
# and localhost signed by it, and postgres starts with ssl=on. The printed URL
# is the same; a client verifies the server with
#   ?sslmode=verify-full&sslrootcert=DIR/ca.crt
# (plain connections are still accepted: authentication stays trust).
set -euo pipefail

me=$(basename "$0")
die() { echo "$me: $*" >&2; exit 1; }
usage() { echo "usage: $me start|stop DIR" >&2; exit 2; }

[ $# -eq 2 ] || usage
cmd=$1
[ -n "$2" ] || usage
# Marks a directory this script made a cluster in, so `stop` never removes
# anything else.
MARK=.keyward-pg-cluster

bindir() {
    local candidates best
    shopt -s nullglob
    candidates=(/usr/lib/postgresql/*/bin/initdb)
    shopt -u nullglob
    [ ${#candidates[@]} -gt 0 ] \
        || die "no PostgreSQL found: /usr/lib/postgresql/*/bin/initdb is missing (run \`make postgres\`, or apt-get install postgresql)"
    best=$(printf '%s\n' "${candidates[@]}" | sort -V | tail -n 1)
    dirname "$best"
}

# Runs a command as the owner of the cluster: `postgres` when we are root.
as_owner() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

# A CA and a server certificate for 127.0.0.1 and localhost, in DIR: ca.crt,
# server.crt and server.key (0600; the caller chowns DIR to the server's user).
make_certs() {
    local dir=$1
    command -v openssl >/dev/null || die "KEYWARD_PG_TLS=1 needs openssl"
    cat >"$dir/tls.cnf" <<'CNF'
[req]
distinguished_name = dn
prompt = no
[dn]
CN = Keyward test CA
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[server]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1, DNS:localhost
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
CNF
    (
        umask 077
        openssl req -x509 -new -nodes -config "$dir/tls.cnf" -extensions ca \
            -newkey ec -pkeyopt ec_paramgen_curve:P-256 -days 7 \
            -keyout "$dir/ca.key" -out "$dir/ca.crt" &&
        openssl req -new -nodes -config "$dir/tls.cnf" -subj /CN=127.0.0.1 \
            -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
            -keyout "$dir/server.key" -out "$dir/server.csr" &&
        openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" \
            -CAcreateserial -days 7 -extfile "$dir/tls.cnf" -extensions server \
            -out "$dir/server.crt"
    ) >"$dir/tls.log" 2>&1 \
        || { cat "$dir/tls.log" >&2; die "could not make the TLS certificates (log above)"; }
    chmod 0644 "$dir/ca.crt" "$dir/server.crt"
    chmod 0600 "$dir/server.key"
}

free_port() {
    if command -v python3 >/dev/null; then
        python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
    else
        # No python3: a random high port that nothing answers on.
        local port
        for _ in $(seq 50); do
            port=$((20000 + RANDOM % 40000))
            if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
                echo "$port"
                return
            fi
        done
        die "no free port found"
    fi
}

start() {
    local dir=$1 bin port url locale tries tls=
    bin=$(bindir)
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd -P)
    [ ! -e "$dir/data" ] || die "$dir/data already exists: stop that cluster first"
    # The server's Unix socket lives in DIR, and a socket path is at most
    # 107 bytes: DIR/.s.PGSQL.NNNNN must fit.
    [ $((${#dir} + 17)) -le 107 ] || die "$dir is too long a path for the server's Unix socket"
    touch "$dir/$MARK"
    if [ "${KEYWARD_PG_TLS:-}" = 1 ]; then
        make_certs "$dir"
        tls=" -c ssl=on -c ssl_cert_file=$dir/server.crt -c ssl_key_file=$dir/server.key"
    fi
    if [ "$(id -u)" = 0 ]; then
        id postgres >/dev/null 2>&1 || die "running as root, but there is no postgres user to run the server as"
        chown -R postgres: "$dir"
        runuser -u postgres -- test -w "$dir" \
            || die "the postgres user cannot write $dir (is a parent directory closed to it?)"
    fi
    # A UTF-8 locale that is always there and sorts bytewise, as SQLite does.
    locale=C
    if locale -a 2>/dev/null | grep -qixE 'c\.utf-?8'; then
        locale=C.UTF-8
    fi
    # Run from DIR, so that the postgres user is not left in root's home.
    cd "$dir"
    as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 \
        --locale="$locale" --no-sync >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; die "initdb failed (log above, and in $dir/initdb.log)"; }
    # Another process may take the port between choosing it and binding it:
    # then try another.
    for tries in 1 2 3 4 5; do
        port=$(free_port)
        if as_owner "$bin/pg_ctl" -w -t 60 -D "$dir/data" -l "$dir/log" start \
            -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=400$tls" \
            >/dev/null; then
            url="postgres://postgres@127.0.0.1:$port/postgres"
            echo "$url" >"$dir/url"
            echo "$url"
            return
        fi
        # pg_ctl may have given up while the postmaster still runs.
        as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
        grep -q 'could not bind\|Address already in use' "$dir/log" 2>/dev/null || break
    done
    tail -n 30 "$dir/log" >&2 2>/dev/null || true
    die "the server did not start (log above, and in $dir/log)"
}

stop() {
    local dir=$1 bin status
    [ -d "$dir" ] || return 0
    dir=$(cd "$dir" && pwd -P)
    if [ ! -e "$dir/$MARK" ]; then
        # A `start` that failed before it began leaves DIR empty.
        rmdir "$dir" 2>/dev/null && return 0
        die "$dir was not made by \`$me start\`: not touching it"
    fi
    if [ -e "$dir/data/PG_VERSION" ]; then
        bin=$(bindir)
        cd "$dir"
        status=0
        as_owner "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1 || status=$?
        # 0: running; 3: not running; anything else: no cluster to stop.
        if [ "$status" = 0 ]; then
            as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null \
                || die "could not stop the server of $dir/data (see $dir/log); $dir is kept"
        fi
        cd /
    fi
    rm -rf "$dir"
}

case $cmd in
    start) start "$2" ;;
    stop) stop "$2" ;;
    *) usage ;;
esac
