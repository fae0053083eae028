// The first readers after an edit: edits one node of a tree through update_node, then times the
// next read of the tree, as Chromium asks for it: its share page (BENCH_SHARE, a GET of the page:
// a cache miss, rendered, sent, and the cached copies made after) or, without BENCH_SHARE, the
// tree itself through get_tree as its owner's editor asks (a new version: read, serialized and
// sent, the kept copies made after). With BENCH_CROWD=N, N readers ask at once and the time is
// until the last has the whole answer. Run by scripts/bench.sh:
//   BENCH_ORIGIN BENCH_COOKIE (the owner's session) BENCH_TREE [BENCH_SHARE (the page's path)]
//   BENCH_OUT [BENCH_ROUNDS=200] [BENCH_WARMUP=10] [BENCH_CROWD=1] node benches/after_edit.mjs
// Writes {rounds, crowd, p50_ms, p90_ms, p99_ms, misses}: for a share page, misses counts the
// answers the cache called a miss (a render), which should be one per edit.
import fs from 'node:fs';

const origin = process.env.BENCH_ORIGIN;
const cookie = process.env.BENCH_COOKIE;
const tree = Number(process.env.BENCH_TREE);
const share = process.env.BENCH_SHARE;
const rounds = Number(process.env.BENCH_ROUNDS ?? 200);
const crowd = Number(process.env.BENCH_CROWD ?? 1);
const warmup = Number(process.env.BENCH_WARMUP ?? 10);
// What Chromium sends, on plain-HTTP localhost too.
const acceptEncoding = 'gzip, deflate, br, zstd';
const api = (endpoint, body, type) =>
  fetch(`${origin}/api/${endpoint}`, {
    method: 'POST',
    headers: { Origin: origin, Cookie: cookie, Accept: 'application/json', 'Content-Type': type },
    body,
  }).then(async (r) => {
    if (!r.ok) throw new Error(`${endpoint}: ${r.status} ${await r.text()}`);
    return r.json();
  });

// One reader's whole answer; its x-share-cache header (null for get_tree).
const read = share
  ? () => fetch(`${origin}${share}`, { headers: { 'Accept-Encoding': acceptEncoding } })
  : () =>
      fetch(`${origin}/api/get_tree`, {
        method: 'POST',
        headers: {
          Origin: origin,
          Cookie: cookie,
          Accept: 'application/json',
          'Accept-Encoding': acceptEncoding,
          'Content-Type': 'application/x-www-form-urlencoded',
        },
        body: `tree_id=${tree}`,
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
  const answers = await Promise.all(
    Array.from({ length: crowd }, async () => {
      const answer = await read();
      await answer.arrayBuffer();
      if (answer.status !== 200) throw new Error(`${share ?? 'get_tree'}: ${answer.status}`);
      return answer.headers.get('x-share-cache');
    }),
  );
  const ms = performance.now() - start;
  if (i >= warmup) {
    times.push(ms);
    misses += answers.filter((outcome) => outcome === 'miss').length;
  }
  // A tree's kept copy is made after its first reads (a second of CPU for 100,000 nodes): wait
  // for it, so the next round's readers do not share the machine with it.
  for (let tries = 0; !share; tries++) {
    if (tries === 100) throw new Error(`tree ${tree}'s kept copy was not made within 30 s`);
    const answer = await read();
    await answer.arrayBuffer();
    if (answer.headers.get('content-encoding') === 'br') break;
    // Not sooner: each ask meanwhile is answered compressed per request, beside the copy.
    await new Promise((done) => setTimeout(done, 300));
  }
}
times.sort((a, b) => a - b);
const at = (q) => times[Math.min(times.length - 1, Math.floor(q * times.length))];
const result = { rounds, crowd, p50_ms: at(0.5), p90_ms: at(0.9), p99_ms: at(0.99), misses };
fs.writeFileSync(process.env.BENCH_OUT, JSON.stringify(result));
console.log(JSON.stringify(result));
