// The first visitors after an edit: edits one node of a shared tree through update_node, then
// times the next GET of its share page (a cache miss: rendered, sent, and the cached copies
// made after), as a browser asks for it; with BENCH_CROWD=N, N visitors ask at once and the
// time is until the last has the whole page. Run by scripts/bench.sh:
//   BENCH_ORIGIN BENCH_COOKIE (the owner's session) BENCH_TREE BENCH_SHARE (the page's path)
//   BENCH_OUT [BENCH_ROUNDS=200] [BENCH_CROWD=1] node benches/share_miss.mjs
// Writes {rounds, crowd, p50_ms, p90_ms, p99_ms, misses}: misses counts the answers the cache
// called a miss (a render), which should be one per edit.
import fs from 'node:fs';

const origin = process.env.BENCH_ORIGIN;
const cookie = process.env.BENCH_COOKIE;
const tree = Number(process.env.BENCH_TREE);
const share = process.env.BENCH_SHARE;
const rounds = Number(process.env.BENCH_ROUNDS ?? 200);
const crowd = Number(process.env.BENCH_CROWD ?? 1);
const warmup = 10;
const api = (endpoint, body, type) =>
  fetch(`${origin}/api/${endpoint}`, {
    method: 'POST',
    headers: { Origin: origin, Cookie: cookie, Accept: 'application/json', 'Content-Type': type },
    body,
  }).then(async (r) => {
    if (!r.ok) throw new Error(`${endpoint}: ${r.status} ${await r.text()}`);
    return r.json();
  });

const whole = await api('get_tree', `tree_id=${tree}`, 'application/x-www-form-urlencoded');
let node = whole.nodes.find((n) => n.parent_id);
const times = [];
let misses = 0;
for (let i = 0; i < warmup + rounds; i++) {
  node = await api(
    'update_node',
    JSON.stringify({ tree_id: tree, node_id: node.id, version: node.version, node: { node_type: node.node_type, title: `Benchmark miss ${i}` } }),
    'application/json',
  );
  const start = performance.now();
  const pages = await Promise.all(
    Array.from({ length: crowd }, async () => {
      const page = await fetch(`${origin}${share}`, { headers: { 'Accept-Encoding': 'gzip, deflate, br, zstd' } });
      await page.arrayBuffer();
      if (page.status !== 200) throw new Error(`share page: ${page.status}`);
      return page.headers.get('x-share-cache');
    }),
  );
  const ms = performance.now() - start;
  if (i >= warmup) {
    times.push(ms);
    misses += pages.filter((outcome) => outcome === 'miss').length;
  }
}
times.sort((a, b) => a - b);
const at = (q) => times[Math.min(times.length - 1, Math.floor(q * times.length))];
const result = { rounds, crowd, p50_ms: at(0.5), p90_ms: at(0.9), p99_ms: at(0.99), misses };
fs.writeFileSync(process.env.BENCH_OUT, JSON.stringify(result));
console.log(JSON.stringify(result));
