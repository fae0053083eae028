#!/usr/bin/env bash
# Compares two builds of the server on the share page of a 1,000-node tree rendered every time
# (the bench's row nearest its target, missed on some hosts): both servers up at once on one
# seeded database, wrk at one connection against each in turn, the order swapped every round.
#
#   scripts/compare-share.sh OLD_BINARY NEW_BINARY [ROUNDS] [SECONDS]   # 20 rounds of 3 s
#
# Why not two bench runs: a host here has run the same code at half speed for minutes at a
# time while its references before and after read as usual (BENCHMARKS.md, forty-third
# session), so two builds measured one after the other compare the host's moods. Turns a few
# seconds long, alternated, see the same moods. The binaries are release servers
# (`cargo build --release --no-default-features --features ssr --bin impact-tree`), copied out
# of target/ so the next build does not overwrite them; an older commit builds in a worktree.
# Both serve the site of target/site (the page's assets are not asked for here).

# The binaries' paths before lib.sh moves to the repository's root.
OLD="$(realpath -m "${1:-}")"
NEW="$(realpath -m "${2:-}")"
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$REPO_ROOT/scripts/bench-server.sh"

[ $# -ge 2 ] || die "usage: scripts/compare-share.sh OLD_BINARY NEW_BINARY [ROUNDS] [SECONDS]"
ROUNDS="${3:-20}"
SECONDS_EACH="${4:-3}"
[ -x "$OLD" ] && [ -x "$NEW" ] || die "both binaries must exist and be executable"
command -v wrk >/dev/null || apt_install wrk
command -v node >/dev/null || die "node not found: install Node.js (Debian: nodejs npm)"

DB_URL="${COMPARE_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/impact_tree_compare}"
PORT_OLD="${COMPARE_PORT:-3310}"
PORT_NEW=$((PORT_OLD + 1))
OUT="$REPO_ROOT/target/compare"
export BENCH_LUA_DIR="$REPO_ROOT/benches/http"
ACCEPT="gzip, deflate, br, zstd"
mkdir -p "$OUT"

PIDS=()
stop_servers() {
  local pid
  for pid in "${PIDS[@]}"; do
    kill -TERM "$pid" 2>/dev/null || continue
    wait "$pid" 2>/dev/null || true
  done
  PIDS=()
}
trap stop_servers EXIT

# serve BINARY PORT NAME: the server with its share page cache off, as the bench's
# rendered-every-time row runs it.
serve() {
  launch_server "$1" "$2" "$OUT/server-$3.log" "$DB_URL" false
  PIDS+=("$LAUNCHED_PID")
  wait_ready "$LAUNCHED_PID" "$2" "$OUT/server-$3.log" 100
}

export DATABASE_URL="$DB_URL"
ensure_postgres
recreate_database "$PG_DB"
# The newer build's migrations: the older one's are a prefix of them.
DATABASE_URL="$DB_URL" "$NEW" migrate >/dev/null
DATABASE_URL="$DB_URL" "$NEW" seed-demo --users 1 --trees 1 --nodes 1000 --seed 1 --email-prefix cmp | tail -1
psql "$DB_URL" -Xq -c 'VACUUM (ANALYZE)' || true
serve "$OLD" "$PORT_OLD" old
serve "$NEW" "$PORT_NEW" new

ORIGIN="http://127.0.0.1:$PORT_NEW"
cookie=$(login cmp)
tree=$(api "$cookie" list_trees "" | json 'v=>v[0].id')
share=$(api "$cookie" create_share_link "tree_id=$tree" | json 'v=>v.path')
# For a profiler run against the same database afterwards.
echo "$share" >"$OUT/share-path"

# turn NAME PORT ROUND [SECONDS]: one wrk run, its figures in $OUT/NAME-ROUND.json.
turn() {
  BENCH_ORIGIN="http://127.0.0.1:$2" BENCH_METHOD=GET BENCH_ACCEPT_ENCODING="$ACCEPT" BENCH_OUT="$OUT/$1-$3.json" \
    wrk -t1 -c1 -d "${4:-$SECONDS_EACH}s" --timeout 60s -s "$BENCH_LUA_DIR/call.lua" "http://127.0.0.1:$2$share" >/dev/null
}
rm -f "$OUT"/old-*.json "$OUT"/new-*.json
log "share page rendered every time, $ROUNDS rounds of ${SECONDS_EACH} s each at 1 connection: old $OLD, new $NEW"
turn old "$PORT_OLD" warm 2
turn new "$PORT_NEW" warm 2
for round in $(seq 1 "$ROUNDS"); do
  if ((round % 2)); then
    turn old "$PORT_OLD" "$round"; turn new "$PORT_NEW" "$round"
  else
    turn new "$PORT_NEW" "$round"; turn old "$PORT_OLD" "$round"
  fi
done
stop_servers

node -e '
  const fs = require("fs");
  const [dir, rounds] = [process.argv[1], Number(process.argv[2])];
  const read = (name, r) => JSON.parse(fs.readFileSync(`${dir}/${name}-${r}.json`));
  const runs = { old: [], new: [] };
  for (let r = 1; r <= rounds; r++) for (const name of ["old", "new"]) runs[name].push(read(name, r));
  const failed = [...runs.old, ...runs.new].filter((x) => x.errors || x.non_2xx).length;
  const median = (xs) => { const s = [...xs].sort((a, b) => a - b), m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const p50 = (name) => runs[name].map((x) => x.p50_ms);
  const ratios = runs.new.map((x, i) => x.p50_ms / runs.old[i].p50_ms);
  const faster = ratios.filter((x) => x < 1).length;
  const out = {};
  for (const name of ["old", "new"]) {
    out[name] = {
      p50_ms_median: +median(p50(name)).toFixed(3),
      p50_ms_mean: +mean(p50(name)).toFixed(3),
      rps_mean: +mean(runs[name].map((x) => x.rps)).toFixed(1),
      bytes_per_request: Math.round(mean(runs[name].map((x) => x.bytes / x.requests))),
    };
    console.log(`${name}: p50 median ${out[name].p50_ms_median} ms, mean ${out[name].p50_ms_mean} ms, ${out[name].rps_mean} req/s, ${out[name].bytes_per_request} bytes a response`);
  }
  out.new_faster_rounds = faster;
  out.rounds = rounds;
  out.mean_ratio_new_to_old = +mean(ratios).toFixed(3);
  console.log(`new faster in ${faster} of ${rounds} rounds; mean p50 ratio new/old ${out.mean_ratio_new_to_old}`);
  if (failed) console.log(`WARNING: ${failed} turns had errors or answers other than 2xx`);
  fs.writeFileSync(`${dir}/summary.json`, JSON.stringify(out, null, 1));
' "$OUT" "$ROUNDS"
