#!/usr/bin/env bash
# Library vs floor on PostgreSQL, in one invocation so both see the same
# server: payintent_bench --store postgres:... and pgbench running the same
# statements (bench/charge_floor.pgbench), interleaved per client count, each
# in a fresh database, S seconds each. Prints the raw lines to stderr and a
# JSON summary to stdout with, per client count, ratio = floor / library
# charges per second.
#
#   bench/compare_postgres.sh [--build DIR] [--seconds S] [--clients "1 32"] [--rounds R]
#
# The server: $PAYINTENT_BENCH_PG (a libpq conninfo whose user may create
# databases), else a throwaway cluster started here with fsync on
# (scripts/pg_cluster start --durable) and deleted afterwards. Needs jq and
# pgbench (postgresql-15).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${PAYINTENT_BUILD_DIR:-$root/build}"
seconds=5
clients="1 32"
rounds=1
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    --clients) clients="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    *) echo "usage: $0 [--build DIR] [--seconds S] [--clients \"1 32\"] [--rounds R]" >&2; exit 2 ;;
  esac
done
lib="$build/bench/payintent_bench"
[ -x "$lib" ] || { echo "missing $lib: build target payintent_bench" >&2; exit 2; }
command -v jq >/dev/null || { echo "needs jq (apt-get install jq)" >&2; exit 2; }
pg_bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
pgbench="$pg_bin/pgbench"
[ -x "$pgbench" ] || { echo "needs pgbench (apt-get install postgresql-15)" >&2; exit 2; }

server="${PAYINTENT_BENCH_PG:-}"
if [ -z "$server" ]; then
  eval "$("$root/scripts/pg_cluster" start --durable)"
  trap '"$root/scripts/pg_cluster" stop "$PAYINTENT_PG_CLUSTER"' EXIT
  server="$PAYINTENT_TEST_PG"
fi
db="payintent_bench_$$"
conninfo="$server dbname=$db"
fresh_db() {
  PGOPTIONS="-c client_min_messages=warning" "$pg_bin/psql" "$server" -qAt \
    -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null
}

runs=()
for round in $(seq 1 "$rounds"); do
  for n in $clients; do
    fresh_db
    l="$("$lib" --store "postgres:$conninfo" --threads "$n" --seconds "$seconds")"
    echo "$l" >&2
    # The floor runs against the tables the library just created (emptied).
    "$pg_bin/psql" "$conninfo" -qAt -c "TRUNCATE idempotency_keys, audit, attempts, intents" >/dev/null
    out="$("$pgbench" -n -M prepared -c "$n" -j "$n" -T "$seconds" -f "$root/bench/charge_floor.pgbench" "$conninfo" 2>&1)"
    tps="$(echo "$out" | sed -n 's/^tps = \([0-9.]*\).*/\1/p' | head -1)"
    failed="$(echo "$out" | sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' | head -1)"
    echo "{\"pgbench\":true,\"clients\":$n,\"tps\":$tps,\"failed\":${failed:-0}}" >&2
    runs+=("$(jq -n --argjson round "$round" --argjson lib "$l" --argjson tps "$tps" '{
        round: $round, clients: $lib.threads,
        library_charges_per_s: $lib.charges_per_s, floor_charges_per_s: $tps,
        ratio: ($tps / $lib.charges_per_s), library: $lib}')")
  done
done
"$pg_bin/psql" "$server" -qAt -c "DROP DATABASE IF EXISTS $db" >/dev/null
printf '%s\n' "${runs[@]}" | jq -s --argjson seconds "$seconds" '
  def median: sort | if length % 2 == 1 then .[length / 2 | floor]
                     else (.[length / 2 - 1] + .[length / 2]) / 2 end;
  {seconds: $seconds,
   summary: (group_by(.clients) | map({
     clients: .[0].clients, rounds: length,
     library_charges_per_s: (map(.library_charges_per_s) | median),
     floor_charges_per_s: (map(.floor_charges_per_s) | median),
     ratio: (map(.ratio) | median)})),
   runs: .}'
