# Shared by scripts/pg_cluster and scripts/pgbouncer: where PostgreSQL's
# programs are, running a server program as its owner, a free loopback port.
# Sourced, not run.

PG_BIN="${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}"

# As root (CI), server programs run as the `postgres` system user, which the
# postgresql package creates: initdb and pgbouncer refuse to run as root.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
  local port
  for _ in $(seq 1 200); do
    # Below Linux's ephemeral range (32768-60999 by default), where the
    # local ports of outgoing connections would collide with a listener.
    port=$((20000 + RANDOM % 12000))
    # Nothing answering on it: free (a race with another starter is caught by
    # the server failing to listen, and the caller may simply start again).
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return 0; fi
  done
  echo "no free port found" >&2
  return 1
}

# A fresh temporary directory named payintent-<what>.XXXXXX, owned by the
# user the servers run as.
owned_temp_dir() {
  local dir
  dir="$(mktemp -d "${TMPDIR:-/tmp}/payintent-$1.XXXXXX")"
  chmod 755 "$dir"
  if [ "$(id -u)" -eq 0 ]; then chown postgres: "$dir"; fi
  echo "$dir"
}
