#!/usr/bin/env bash
# Measures the app's speed, latency and size at realistic scale and rewrites BENCHMARKS.md:
# the layout (criterion, native), server functions and the share page over HTTP (wrk against
# the release server and a seeded database), the editor in Chromium (Playwright: first paint,
# hydration, pan/zoom frame times, add-a-node latency, layout in WASM) and the bundle sizes.
#
#   ./scripts/bench.sh            # everything, ~10-15 minutes on 2 cores
#   BENCH_ONLY="http bundle" ./scripts/bench.sh   # some parts: layout http browser bundle
#   BENCH_TRACE=target/bench/trace ./scripts/bench.sh  # also a Chromium trace of one editor load per tree
#
# Not part of the test suite: timings on a shared 2-core machine are noisy, so they are
# recorded, compared with the targets, and never asserted.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$REPO_ROOT/scripts/bench-server.sh"

BENCH_DB_URL="${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/impact_tree_bench}"
BENCH_PORT="${BENCH_PORT:-3300}"
ORIGIN="http://127.0.0.1:$BENCH_PORT"
OUT="$REPO_ROOT/target/bench"
# A detached HEAD is an older build checked out for a comparison: its results go to a folder
# of their own (starting from a copy of the current ones, for the parts it does not run), so
# they never end up in the table of the branch's own runs.
if ! git -C "$REPO_ROOT" symbolic-ref -q HEAD >/dev/null; then
  mkdir -p "$OUT"
  rm -rf "$OUT.detached"
  cp -r "$OUT" "$OUT.detached"
  OUT="$OUT.detached"
fi
ONLY="${BENCH_ONLY:-layout http browser bundle}"
DURATION="${BENCH_DURATION:-10s}"
WARMUP="${BENCH_WARMUP:-3s}"
export BENCH_LUA_DIR="$REPO_ROOT/benches/http"

wants() { [[ " $ONLY " == *" $1 "* ]]; }

tools() {
  ensure_build_tools
  ensure_wasm_opt
  if command -v wrk >/dev/null; then
    note "wrk: present"
  else
    apt_install wrk
  fi
  command -v curl >/dev/null || apt_install curl
  # callgrind counts the instructions of a share page rendered per request (the HTTP part).
  if wants http && ! command -v callgrind_control >/dev/null; then
    apt_install valgrind
  fi
  command -v node >/dev/null || die "node not found: install Node.js (Debian: nodejs npm)"
  if wants browser; then
    ensure_chromium
    ensure_e2e_packages
  fi
}

database() {
  export DATABASE_URL="$BENCH_DB_URL"
  ensure_postgres
  # The HTTP part seeds a fresh database; the browser part alone reuses the last one.
  if wants http; then
    recreate_database "$PG_DB"
  fi
}

# The commit measured is the one built: taken before the build, so files edited while a run
# is under way do not mark its table "with uncommitted changes" (benches/report.mjs).
release_build() {
  BENCH_COMMIT="$(node benches/report.mjs --commit)"
  export BENCH_COMMIT
  cargo leptos build --release --split --precompress
}

layout_bench() {
  # Criterion keeps its own history under target/criterion; the report reads the estimates.
  # Its own target dir: the bench profile would otherwise overwrite the release server's
  # artifacts (other features) and make the next release build start over.
  CARGO_TARGET_DIR="$REPO_ROOT/target/bench-build" cargo bench --bench layout -- --noplot
}

SERVER_PID=""
stop_server() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID"
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=""
}
trap stop_server EXIT

# peak_memory NAME: the running server's peak resident memory so far (VmHWM), for the table.
peak_memory() {
  local kb
  kb=$(awk '/^VmHWM:/ {print $2}' "/proc/$SERVER_PID/status" 2>/dev/null) || return 0
  [ -n "$kb" ] || return 0
  echo "{\"peak_rss_kb\": $kb}" >"$OUT/server-memory-$1.json"
  note "server peak memory ($1): $((kb / 1024)) MB"
}

start_server() {
  launch_server ./target/release/impact-tree "$BENCH_PORT" "$OUT/server.log" "$BENCH_DB_URL" "${SHARE_PAGE_CACHE:-true}"
  SERVER_PID=$LAUNCHED_PID
  # Under valgrind (SERVER_WRAPPER) the server takes a while longer to start.
  wait_ready "$SERVER_PID" "$BENCH_PORT" "$OUT/server.log" "${SERVER_START_TRIES:-100}"
  note "server up on $ORIGIN (pid $SERVER_PID)"
}

seed() {
  # prefix nodes trees seed: account PREFIX-1 gets TREES trees of NODES nodes. The editor's
  # account (bed) holds both the 5k and the 10k tree (another seed adds a tree).
  local prefix nodes trees seed
  while read -r prefix nodes trees seed; do
    DATABASE_URL="$BENCH_DB_URL" ./target/release/impact-tree seed-demo --users 1 --trees "$trees" \
      --nodes "$nodes" --seed "$seed" --email-prefix "$prefix" | tail -1
  done <<EOF
b1k 1000 1 1
bed 5000 1 1
bed 10000 1 2
b100k 100000 1 1
blist 20 1000 1
EOF
  # A database in use has been vacuumed and checkpointed since its rows were written; a fresh
  # seed of ~136,000 nodes has not, and autovacuum and the next checkpoint would then run
  # under the first timed cases (the edits, whose commits wait on the disk).
  psql "$BENCH_DB_URL" -Xq -c 'VACUUM (ANALYZE)' || true
  psql "$BENCH_DB_URL" -Xq -c 'CHECKPOINT' 2>/dev/null || true
}

# warm_tree COOKIE TREE: asks for the tree until its answer goes out as the kept brotli copy
# (made off the request path after the first read of each version), so the warm-up of a
# get-tree case is not spent reading and compressing a 100,000-node tree 8 times over.
warm_tree() {
  local i
  for i in $(seq 1 150); do
    [[ "$(curl -fsS -o /dev/null -D - -H "Origin: $ORIGIN" -H 'Accept: application/json' \
      -H 'Accept-Encoding: gzip, deflate, br' -H "Cookie: $1" --data "tree_id=$2" "$ORIGIN/api/get_tree")" \
      == *$'content-encoding: br\r'* ]] && return 0
    sleep 0.2
  done
  die "tree $2's answer never went out as its kept copy"
}

# CPU time (clock ticks, user + system) of the server, and of each PostgreSQL backend serving
# the bench database, as "server pid:ticks,pid:ticks". Backends are found by their process
# titles; a database on another machine (or in a container) has none here.
cpu_ticks() {
  local pid backends=""
  for pid in $(pgrep -f "^postgres: .* $PG_DB " || true); do
    backends+="$pid:$(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0),"
  done
  echo "$(awk '{print $14 + $15}' "/proc/$SERVER_PID/stat") ${backends%,}"
}

# wrk_case NAME CONNECTIONS THREADS SCRIPT PATH [env...]: warm-up, then the measured run.
wrk_case() {
  local name="$1" connections="$2" threads="$3" script="$4" path="$5"
  shift 5
  # wrk's default time-out (2 s) would count a slow answer as an error, not as a latency.
  env "$@" BENCH_OUT=/dev/null wrk -t "$threads" -c "$connections" -d "$WARMUP" --timeout 60s \
    -s "$BENCH_LUA_DIR/$script" "$ORIGIN$path" >/dev/null
  local before after
  before=$(cpu_ticks)
  env "$@" BENCH_OUT="$OUT/http-$name.json" wrk -t "$threads" -c "$connections" -d "$DURATION" --timeout 60s \
    -s "$BENCH_LUA_DIR/$script" "$ORIGIN$path" >"$OUT/http-$name.txt"
  after=$(cpu_ticks)
  # What a request costs in CPU, the server's and the database's apart: steadier than a latency
  # on a noisy host, and it says which side a change moved.
  node -e '
    const [file, hz, b, a] = process.argv.slice(1);
    const r = JSON.parse(require("fs").readFileSync(file));
    const snap = (s) => {
      const [server, backends = ""] = s.split(" ");
      return { server: Number(server), backends: new Map(backends.split(",").filter(Boolean).map((p) => p.split(":").map(Number))) };
    };
    const [before, after] = [snap(b), snap(a)];
    // Per backend: one opened during the case counts from zero; one closed during it (the
    // pool closes connections idle past its timeout, so it did no work) counts nothing.
    let postgres = 0;
    for (const [pid, ticks] of after.backends) postgres += ticks - (before.backends.get(pid) ?? 0);
    const per = (ticks) => (r.requests ? +((ticks * 1000) / hz / r.requests).toFixed(3) : null);
    r.cpu_ms_per_request = {
      server: per(after.server - before.server),
      postgres: before.backends.size || after.backends.size ? per(postgres) : null,
    };
    require("fs").writeFileSync(file, JSON.stringify(r));
  ' "$OUT/http-$name.json" "$(getconf CLK_TCK)" "$before" "$after"
  note "$name: $(cat "$OUT/http-$name.json")"
}

http_bench() {
  start_server
  seed
  local c1k c5k c100k clist
  c1k=$(login b1k); c5k=$(login bed); c100k=$(login b100k); clist=$(login blist)
  local t1k t5k t10k t100k
  t1k=$(api "$c1k" list_trees "" | json 'v=>v[0].id')
  t5k=$(api "$c5k" list_trees "" | json 'v=>v.find(t=>t.node_count===5000).id')
  t10k=$(api "$c5k" list_trees "" | json 'v=>v.find(t=>t.node_count===10000).id')
  t100k=$(api "$c100k" list_trees "" | json 'v=>v[0].id')
  echo "{\"5000\": $t5k, \"10000\": $t10k}" >"$OUT/trees.json"
  local call=(BENCH_ORIGIN="$ORIGIN" BENCH_CONTENT_TYPE=application/x-www-form-urlencoded)

  # A tree as the editor's browser asks for it: compressed (what it costs the server is most of
  # a big tree's answer). Chromium takes zstd, Safari does not.
  local chromium=(BENCH_ACCEPT_ENCODING="gzip, deflate, br, zstd") safari=(BENCH_ACCEPT_ENCODING="gzip, deflate, br")
  warm_tree "$c1k" "$t1k"
  warm_tree "$c5k" "$t5k"
  warm_tree "$c100k" "$t100k"
  wrk_case get-tree-1k 8 2 call.lua /api/get_tree "${call[@]}" "${chromium[@]}" BENCH_COOKIE="$c1k" BENCH_BODY="tree_id=$t1k"
  wrk_case get-tree-5k 8 2 call.lua /api/get_tree "${call[@]}" "${chromium[@]}" BENCH_COOKIE="$c5k" BENCH_BODY="tree_id=$t5k"
  wrk_case get-tree-100k 8 2 call.lua /api/get_tree "${call[@]}" "${chromium[@]}" BENCH_COOKIE="$c100k" BENCH_BODY="tree_id=$t100k"
  wrk_case get-tree-100k-safari 8 2 call.lua /api/get_tree "${call[@]}" "${safari[@]}" BENCH_COOKIE="$c100k" \
    BENCH_BODY="tree_id=$t100k"
  wrk_case list-trees-1000 8 2 call.lua /api/list_trees "${call[@]}" BENCH_COOKIE="$clist" BENCH_BODY=""
  wrk_case analytics-1000 8 2 call.lua /api/analytics "${call[@]}" BENCH_COOKIE="$clist" BENCH_BODY=""

  # Edits: four nodes of each tree (not the root), one per wrk thread, and four more for the
  # warm-up; each keeps its type.
  local n1k n100k
  n1k=$(api "$c1k" get_tree "tree_id=$t1k" | json "v=>v.nodes.filter(n=>n.parent_id).slice(0,8).map(n=>n.id+':'+n.node_type).join(',')")
  n100k=$(api "$c100k" get_tree "tree_id=$t100k" | json "v=>v.nodes.filter(n=>n.parent_id).slice(0,8).map(n=>n.id+':'+n.node_type).join(',')")
  wrk_case edit-1k 4 4 edit.lua /api/update_node BENCH_ORIGIN="$ORIGIN" BENCH_COOKIE="$c1k" BENCH_TREE="$t1k" BENCH_NODES="$n1k"
  wrk_case edit-100k 4 4 edit.lua /api/update_node BENCH_ORIGIN="$ORIGIN" BENCH_COOKIE="$c100k" BENCH_TREE="$t100k" BENCH_NODES="$n100k"

  # Readers of the big tree at once right after each edit (several tabs, or the people it is
  # shared with): the first reads it, the others wait for its answer.
  BENCH_ORIGIN="$ORIGIN" BENCH_COOKIE="$c100k" BENCH_TREE="$t100k" BENCH_CROWD=8 BENCH_ROUNDS=12 BENCH_WARMUP=2 \
    BENCH_OUT="$OUT/tree-100k-crowd.json" node "$REPO_ROOT/benches/after_edit.mjs" >/dev/null
  note "tree-100k-crowd: $(cat "$OUT/tree-100k-crowd.json")"

  # The share page of the 1,000-node tree, as a browser asks for it: the Accept-Encoding
  # Chromium sends, on plain-HTTP localhost too.
  local share accept="gzip, deflate, br, zstd"
  share=$(api "$c1k" create_share_link "tree_id=$t1k" | json 'v=>v.path')
  # The cached copies are made after the first request has been answered: ask until they are.
  local i
  for i in $(seq 1 100); do
    [[ "$(curl -fsS -o /dev/null -D - -H "Accept-Encoding: $accept" "$ORIGIN$share")" == *$'x-share-cache: hit\r'* ]] && break
    sleep 0.1
  done
  curl -fsS -o /dev/null -H "Accept-Encoding: $accept" -w '{"status":%{http_code},"bytes_on_wire":%{size_download}}' \
    "$ORIGIN$share" >"$OUT/share-wire.json"
  curl -fsS -o "$OUT/share-page.html" "$ORIGIN$share"
  note "share page: $(cat "$OUT/share-wire.json"), $(wc -c <"$OUT/share-page.html") bytes uncompressed"
  local page=(BENCH_ORIGIN="$ORIGIN" BENCH_METHOD=GET BENCH_ACCEPT_ENCODING="$accept")
  wrk_case share-1k-c32 32 2 call.lua "$share" "${page[@]}"
  wrk_case share-1k-c1 1 1 call.lua "$share" "${page[@]}"
  # The first visitor after each edit: the cache misses, the page is rendered for them.
  BENCH_ORIGIN="$ORIGIN" BENCH_COOKIE="$c1k" BENCH_TREE="$t1k" BENCH_SHARE="$share" \
    BENCH_OUT="$OUT/share-miss.json" node "$REPO_ROOT/benches/after_edit.mjs" >/dev/null
  note "share-1k-miss: $(cat "$OUT/share-miss.json")"
  # A crowd after each edit (a link posted to a channel): one render should serve them all.
  BENCH_ORIGIN="$ORIGIN" BENCH_COOKIE="$c1k" BENCH_TREE="$t1k" BENCH_SHARE="$share" BENCH_CROWD=16 BENCH_ROUNDS=100 \
    BENCH_OUT="$OUT/share-crowd.json" node "$REPO_ROOT/benches/after_edit.mjs" >/dev/null
  note "share-1k-crowd: $(cat "$OUT/share-crowd.json")"
  peak_memory http
  stop_server
  # Rendered every time: the same server with its share page cache switched off.
  SHARE_PAGE_CACHE=false start_server
  curl -fsS -o /dev/null -H "Accept-Encoding: $accept" -w '{"status":%{http_code},"bytes_on_wire":%{size_download}}' \
    "$ORIGIN$share" >"$OUT/share-wire-uncached.json"
  wrk_case share-1k-c1-uncached 1 1 call.lua "$share" "${page[@]}"
  stop_server
  share_instructions "$share" "$accept"
  # The editor page of the 100,000-node tree on a server just started: what making one costs
  # its memory (the first load reads the rows, the next ones the kept tree), one at a time and
  # then four at once.
  start_server
  big_page_memory "$c100k" "$t100k"
  stop_server
}

# share_instructions PATH ACCEPT_ENCODING: the instructions the server runs for the share page
# rendered per request, counted by callgrind over every thread (the request's and the pool's
# zstd frames): 20 requests to warm it, then 100 counted. A host here has taken 1.5x the time
# for the same code an hour later; the count moves with the code only, so it is what two
# builds are compared by (BENCHMARKS.md, forty-second session).
share_instructions() {
  if ! command -v callgrind_control >/dev/null; then
    note "valgrind not installed: the share page's instructions not counted"
    return 0
  fi
  local dir="$OUT/callgrind" i counted=100
  rm -rf "$dir" "$OUT/share-instructions.json"
  mkdir -p "$dir"
  SHARE_PAGE_CACHE=false SERVER_START_TRIES=600 \
    SERVER_WRAPPER="valgrind --tool=callgrind --callgrind-out-file=$dir/callgrind.out.%p" start_server
  for i in $(seq 1 20); do curl -fsS -o /dev/null -H "Accept-Encoding: $2" "$ORIGIN$1"; done
  callgrind_control -z "$SERVER_PID" >/dev/null 2>&1
  for i in $(seq 1 "$counted"); do curl -fsS -o /dev/null -H "Accept-Encoding: $2" "$ORIGIN$1"; done
  callgrind_control -d "$SERVER_PID" >/dev/null 2>&1
  stop_server
  # The dump asked for above is the first part (`.1`); its "totals:" line is every thread's.
  local total
  total=$(awk '/^totals:/ {print $2}' "$dir"/callgrind.out.*.1 2>/dev/null | head -1)
  if [ -z "$total" ]; then
    note "callgrind gave no count: the share page's instructions not counted"
    return 0
  fi
  echo "{\"instructions_per_request\": $((total / counted)), \"requests\": $counted}" >"$OUT/share-instructions.json"
  note "share page rendered per request: $((total / counted)) instructions a request (callgrind)"
}

# page_load COOKIE TREE: the seconds one load of the tree's editor page took.
# big_page_memory COOKIE TREE: load times of the tree's editor page and the server's peak
# memory (VmHWM), after 4 loads one at a time and after 2 rounds of 4 at once.
page_load() {
  local out
  # The page itself (200), not a redirect to the sign-in page.
  out=$(curl -fsS -o /dev/null -w '%{http_code} %{time_total}' -H "Cookie: $1" -H 'Accept: text/html' \
    -H 'Accept-Encoding: gzip, deflate, br, zstd' "$ORIGIN/trees/$2") || return 1
  [[ "$out" == "200 "* ]] || { echo "editor page answered $out" >&2; return 1; }
  echo "${out#200 }"
}

big_page_memory() {
  local i p times=() one four loads
  for i in 1 2 3 4; do times+=("$(page_load "$1" "$2")"); done
  one=$(awk '/^VmHWM:/ {print $2}' "/proc/$SERVER_PID/status")
  for i in 1 2; do
    loads=()
    for _ in 1 2 3 4; do
      page_load "$1" "$2" >/dev/null &
      loads+=($!)
    done
    # Each by its pid: a bare `wait` would wait for the server (a job of this shell too), and
    # `wait` of several pids tells only the last one's status.
    for p in "${loads[@]}"; do wait "$p" || die "an editor page load failed"; done
  done
  four=$(awk '/^VmHWM:/ {print $2}' "/proc/$SERVER_PID/status")
  echo "{\"load_s\": [${times[0]}, ${times[1]}, ${times[2]}, ${times[3]}], \"peak_rss_kb_one\": $one, \"peak_rss_kb_four\": $four}" \
    >"$OUT/editor-100k-memory.json"
  note "editor page, 100k nodes: $(cat "$OUT/editor-100k-memory.json")"
}

browser_bench() {
  [ -f "$OUT/trees.json" ] || die "the browser bench needs the seeded trees: run it with http once"
  # The HTTP part has just written thousands of edits: vacuum and checkpoint them now, not
  # under the page loads measured next (the ninth run's 5k load was 561 ms alone and 782 ms
  # right after the HTTP part). CHECKPOINT needs a superuser; without one, vacuum alone.
  psql "$BENCH_DB_URL" -Xq -c 'VACUUM (ANALYZE)' || true
  psql "$BENCH_DB_URL" -Xq -c 'CHECKPOINT' 2>/dev/null || true
  start_server
  # Relative to where the bench was started, not to end2end/.
  [ -z "${BENCH_TRACE:-}" ] || export BENCH_TRACE="$(realpath -m "$BENCH_TRACE")"
  (cd end2end && BENCH_ORIGIN="$ORIGIN" BENCH_EMAIL="bed-1@impact-tree.test" BENCH_PASSWORD="$SEED_PASSWORD" \
    BENCH_TREES="$(cat "$OUT/trees.json")" BENCH_OUT="$OUT/browser.json" \
    npx playwright test -c bench/bench.config.ts)
  stop_server
}

bundle() {
  node -e '
    const fs = require("fs"), zlib = require("zlib"), path = require("path");
    const dir = "target/site/pkg", out = {};
    for (const f of fs.readdirSync(dir)) {
      if (/\.(br|gz)$/.test(f)) continue;
      const data = fs.readFileSync(path.join(dir, f));
      const br = zlib.brotliCompressSync(data, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } });
      out[f] = { raw: data.length, brotli: br.length, gzip: zlib.gzipSync(data, { level: 9 }).length };
      if (f === "__wasm_split_manifest.json") out[f].content = JSON.parse(data);
    }
    fs.writeFileSync(process.argv[1], JSON.stringify(out, null, 1));
    console.log(JSON.stringify(out));
  ' "$OUT/bundle.json"
}

# A detached HEAD is an older build checked out for a comparison: its figures go beside the
# table (target/bench/BENCHMARKS.md), never over it.
report() {
  if git -C "$REPO_ROOT" symbolic-ref -q HEAD >/dev/null; then
    node benches/report.mjs "$OUT" BENCHMARKS.md
  else
    cp BENCHMARKS.md "$OUT/BENCHMARKS.md"
    node benches/report.mjs "$OUT" "$OUT/BENCHMARKS.md"
    note "HEAD is detached: the table is in $OUT/BENCHMARKS.md, BENCHMARKS.md is unchanged"
  fi
}

# How idle the CPUs were over two seconds (/proc/stat: idle and iowait of all time).
cpu_idle_percent() {
  local -a before after
  read -r -a before </proc/stat
  sleep 2
  read -r -a after </proc/stat
  local total=0 i
  for i in 1 2 3 4 5 6 7 8; do total=$((total + after[i] - before[i])); done
  local idle=$((after[4] - before[4] + after[5] - before[5]))
  echo $((total > 0 ? 100 * idle / total : 100))
}

# Timings taken while something else runs (a build, a neighbour) are that load's: say so.
check_idle() {
  [ -r /proc/stat ] || return 0
  local idle
  idle=$(cpu_idle_percent)
  if [ "$idle" -lt 90 ]; then
    note "WARNING: the CPUs were ${idle}% idle before this part; its timings include whatever else runs"
  else
    note "CPUs ${idle}% idle"
  fi
}

mkdir -p "$OUT"
phase "tools" tools
phase "database" database
phase "release build (cargo leptos build --release --split --precompress)" release_build
# measure PART TITLE FUNCTION: runs a part if wanted, and records when, where and at which
# commit it was measured (the table says so when its parts come from different runs).
measure() {
  wants "$1" || return 0
  rm -f "$OUT/stamp-$1.json"
  local reference=""
  if [ "$1" != bundle ]; then
    check_idle
    # The host's speed before the part; the stamp takes it again after (benches/report.mjs).
    reference=$(node benches/report.mjs --reference)
    note "host speed before: ${reference% *} ms (SHA-256 of 128 MiB), PostgreSQL ${reference#* } ms (a fixed query)"
  fi
  phase "$2" "$3"
  BENCH_REFERENCE_BEFORE="$reference" node benches/report.mjs --stamp "$OUT" "$1"
}
measure layout "layout (criterion)" layout_bench
measure http "server functions and share page over HTTP (wrk)" http_bench
measure browser "editor in Chromium (Playwright)" browser_bench
measure bundle "bundle sizes" bundle
phase "BENCHMARKS.md" report
finish
