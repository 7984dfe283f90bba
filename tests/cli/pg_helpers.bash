# pg_helpers.bash — a throwaway PostgreSQL 15 server for the CLI tests
# (load after helpers). pg_start makes a fresh cluster in a temporary
# directory (initdb), owned by the postgres user when the tests run as root,
# listening on a unix socket in that directory and on 127.0.0.1 at a free
# port; local socket connections are trusted, loopback ones need a password
# (scram-sha-256). pg_stop stops it and removes the directory.
#
# Sets PG_DIR, PG_PORT, PG_BIN; pg_url DB gives a socket URL for database DB;
# pg_createdb DB makes one.

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PG_PASSWORD=${PG_PASSWORD:-Pw-9fd2c1-NotForLogs}

# Run a PostgreSQL binary as the cluster's owner.
pg_as() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

# Skip the test (with the reason) when PostgreSQL 15 is not installed.
pg_require() {
	if [ ! -x "$PG_BIN/initdb" ] || [ ! -x "$PG_BIN/pg_ctl" ]; then
		skip "PostgreSQL 15 server binaries not found in $PG_BIN (Debian: apt-get install postgresql)"
	fi
	if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
		skip "running as root and there is no postgres user to own the test cluster"
	fi
}

pg_free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

pg_start() {
	[ -x "$PG_BIN/initdb" ] || return 0 # pg_require skips each test
	if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then return 0; fi
	PG_DIR=$(mktemp -d /tmp/ofs-pg.XXXXXX)
	chmod 755 "$PG_DIR"
	[ "$(id -u)" = 0 ] && chown postgres "$PG_DIR"
	local pwfile="$PG_DIR/pw"
	printf '%s\n' "$PG_PASSWORD" >"$pwfile"
	[ "$(id -u)" = 0 ] && chown postgres "$pwfile"
	pg_as "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
		--pwfile="$pwfile" -E UTF8 --no-sync >"$PG_DIR/initdb.log" 2>&1 || { cat "$PG_DIR/initdb.log" >&2; return 1; }
	rm -f "$pwfile"
	PG_PORT=$(pg_free_port)
	pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
		-o "-c listen_addresses=127.0.0.1 -p $PG_PORT -c unix_socket_directories=$PG_DIR -c fsync=off" \
		start >/dev/null || { cat "$PG_DIR/server.log" >&2; return 1; }
	export PG_DIR PG_PORT PG_BIN PG_PASSWORD
}

pg_stop() {
	[ -n "${PG_DIR:-}" ] && [ -d "$PG_DIR" ] || return 0
	pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
	rm -rf "$PG_DIR"
}

# A socket URL for database $1 as the postgres user (trusted, no password).
pg_url() {
	echo "postgresql:///$1?host=$PG_DIR&port=$PG_PORT&user=postgres"
}

pg_createdb() {
	"$PG_BIN/createdb" -h "$PG_DIR" -p "$PG_PORT" -U postgres "$1"
}

# psql DB SQL: one value.
pg_q() {
	psql -h "$PG_DIR" -p "$PG_PORT" -U postgres -d "$1" -tAc "$2"
}
