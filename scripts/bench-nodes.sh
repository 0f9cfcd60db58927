#!/usr/bin/env bash
# Device → app routing with two nodes against one, in one run: the same
# fan-in load (QoS 0 reports from devices, s2c_noti to one app each) through
#   1. one node on PostgreSQL and NATS (devices and apps on it), and
#   2. two nodes on the same PostgreSQL and NATS (devices on the first,
#      apps on the second: every report crosses nodes through NATS),
# alternated ROUNDS times so a noisy machine hurts both alike. Prints the
# per-run lines and the medians. docs/benchmarks.md explains the figures.
#
# Needs PostgreSQL (scripts/test-postgres-setup.sh sets it up) and the
# Debian nats-server package (apt-get install nats-server). Usage:
#   scripts/bench-nodes.sh [rate] [rounds] [devices]
set -euo pipefail
rate=${1:-40000}
rounds=${2:-3}
devices=${3:-100}
cd "$(dirname "$0")/.."

command -v nats-server >/dev/null || { echo "needs nats-server (apt-get install nats-server)" >&2; exit 1; }
scripts/test-postgres-setup.sh >/dev/null
db=switchboard_bench
if [ "$(id -u)" -eq 0 ]; then psqlpg() { su postgres -c "psql -qtAc \"$1\""; }; else psqlpg() { sudo -u postgres psql -qtAc "$1"; }; fi
psqlpg "DROP DATABASE IF EXISTS $db" >/dev/null
psqlpg "CREATE DATABASE $db OWNER switchboard" >/dev/null
pg="postgres://switchboard:switchboard@127.0.0.1:5432/$db?sslmode=disable"

work=$(mktemp -d)
trap 'kill $nats_pid 2>/dev/null || true; rm -rf "$work"' EXIT
go build -o "$work/switchboard" ./cmd/switchboard
nats_port=$((20000 + RANDOM % 20000))
nats-server -a 127.0.0.1 -p "$nats_port" >"$work/nats.log" 2>&1 &
nats_pid=$!
sleep 1

run() { # nodes
  "$work/switchboard" bench --scenario fanin --devices "$devices" --apps "$devices" --rate "$rate" \
    --duration 10s --nodes "$1" --quiet --json \
    --serve-args "--store $pg --bus nats://127.0.0.1:$nats_port" |
    python3 -c 'import json,sys; r=json.load(sys.stdin); l=r["latency"]; print(r["received_per_s"], l["p50_ms"], l["p99_ms"])'
}

: >"$work/1" ; : >"$work/2"
for i in $(seq 1 "$rounds"); do
  for n in 1 2; do
    line=$(run "$n")
    echo "round $i, $n node(s): received/s p50_ms p99_ms = $line"
    echo "$line" >>"$work/$n"
  done
done
python3 - "$work/1" "$work/2" "$rate" <<'EOF'
import statistics, sys
def med(path, col):
    return statistics.median(float(l.split()[col]) for l in open(path) if l.strip())
one, two, rate = sys.argv[1], sys.argv[2], sys.argv[3]
print(f"offered {rate}/s; medians:")
for name, p in (("one node ", one), ("two nodes", two)):
    print(f"  {name}: {med(p,0):8.0f} reports/s delivered, p50 {med(p,1):.2f} ms, p99 {med(p,2):.2f} ms")
print(f"  ratio two/one: {med(two,0)/med(one,0):.2f}")
EOF
