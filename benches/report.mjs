// Rewrites the figures table of BENCHMARKS.md from what scripts/bench.sh measured:
//   node benches/report.mjs target/bench BENCHMARKS.md
// Only the part between the figures markers is replaced; the findings written by hand stay.
// A figure that was not measured in this run is shown as "not measured", never guessed.
import { execSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const sh = (cmd) => {
  try {
    return execSync(cmd, { encoding: 'utf8' }).trim();
  } catch {
    return '?';
  }
};

// scripts/bench.sh sets BENCH_COMMIT as it builds; asked only now, git would also see edits
// made during the run, which the build measured did not include.
const commitNow = () =>
  process.env.BENCH_COMMIT ||
  sh('git rev-parse --short HEAD') +
    (sh('git status --porcelain -- src benches end2end Cargo.toml Cargo.lock') ? ' (with uncommitted changes)' : '');

// The server's runtime takes its worker count from `TOKIO_WORKER_THREADS` (one per core when
// unset), and it moves the figures both ways (BENCHMARKS.md, forty-sixth session): a run with
// it set says so, for the parts that run the server.
const workers = (part) => {
  const n = process.env.TOKIO_WORKER_THREADS;
  if (!n || !['http', 'browser'].includes(part)) return '';
  return `, the server on ${n} runtime worker thread${n === '1' ? '' : 's'} (TOKIO_WORKER_THREADS)`;
};

// When, on what and at which commit: taken for each part as it is measured
// (`node benches/report.mjs --stamp DIR PART`), so a table whose parts come from different
// runs (`BENCH_ONLY`) says where each comes from.
const stampNow = (part) => {
  const pg = sh(`psql "${process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'}" -XAtqc "SHOW server_version"`).split(' ')[0];
  return {
    date: new Date().toISOString().slice(0, 10),
    commit: commitNow(),
    machine: `${os.cpus().length} cores, ${os.cpus()[0]?.model ?? '?'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB${workers(part)}`,
    postgres: pg,
  };
};
// `node benches/report.mjs --commit`: the commit as the table names it (scripts/bench.sh, as
// it builds).
if (process.argv[2] === '--commit') {
  delete process.env.BENCH_COMMIT;
  console.log(commitNow());
  process.exit(0);
}
// How fast this host runs a fixed piece of CPU work right now: SHA-256 of 128 MiB in one
// thread, the median of 5, in ms. A host here has taken ~1.5x the CPU a request for the same
// code ~50 minutes later with nothing else running (BENCHMARKS.md, thirty-seventh session);
// taken before and after each timed part, it shows whether the host changed speed under a
// part's figures.
// The median of 5 runs of `run` (each gives its time in ms, or null to give up), to 0.1 ms.
const medianOf5 = (run) => {
  const times = [];
  for (let i = 0; i < 5; i++) {
    const ms = run();
    if (ms == null) return null;
    times.push(ms);
  }
  return +times.sort((a, b) => a - b)[2].toFixed(1);
};
const referenceMs = () => {
  const block = Buffer.alloc(1 << 20, 7);
  return medianOf5(() => {
    const start = process.hrtime.bigint();
    const hash = crypto.createHash('sha256');
    for (let i = 0; i < 128; i++) hash.update(block);
    hash.digest();
    return Number(process.hrtime.bigint() - start) / 1e6;
  });
};
// How fast PostgreSQL runs a fixed query right now (500,000 rows through a function, the
// median of 5, in ms), on the database of DATABASE_URL; null without one. The SHA-256 figure
// missed a host that slowed under the HTTP part: PostgreSQL's CPU for the same statements
// rose 78 % between two runs 20 minutes apart while it moved 3 % (BENCHMARKS.md,
// forty-first session).
const databaseReferenceMs = () => {
  const url = process.env.DATABASE_URL;
  if (!url) return null;
  const query = 'SELECT sum(hashtext(i::text)) FROM generate_series(1, 500000) i';
  return medianOf5(() => {
    const ms = /Time: ([\d.]+) ms/.exec(sh(`psql "${url}" -Xq -c '\\timing on' -c "${query}"`));
    return ms ? Number(ms[1]) : null;
  });
};
// `node benches/report.mjs --reference`: both figures, taken before a part
// (scripts/bench.sh): the SHA-256 one, then PostgreSQL's (`-` without a database).
if (process.argv[2] === '--reference') {
  console.log(`${referenceMs()} ${databaseReferenceMs() ?? '-'}`);
  process.exit(0);
}
// `--stamp DIR PART`, after a part; BENCH_REFERENCE_BEFORE is what `--reference` gave before it.
if (process.argv[2] === '--stamp') {
  const [dir, part] = process.argv.slice(3);
  fs.mkdirSync(dir, { recursive: true });
  const stamp = stampNow(part);
  const [before, databaseBefore] = (process.env.BENCH_REFERENCE_BEFORE ?? '').split(' ').map(Number);
  if (before > 0) stamp.reference_ms = { before, after: referenceMs() };
  if (databaseBefore > 0) {
    const after = databaseReferenceMs();
    if (after) stamp.database_reference_ms = { before: databaseBefore, after };
  }
  fs.writeFileSync(path.join(dir, `stamp-${part}.json`), JSON.stringify(stamp));
  process.exit(0);
}

const [dir, target] = process.argv.slice(2);
const read = (file) => {
  const p = path.join(dir, file);
  return fs.existsSync(p) ? JSON.parse(fs.readFileSync(p, 'utf8')) : null;
};
const criterion = (group, id) => {
  const p = path.join('target/bench-build/criterion', 'layout', group, String(id), 'new', 'estimates.json');
  if (!fs.existsSync(p)) return null;
  const e = JSON.parse(fs.readFileSync(p, 'utf8'));
  return { median_ms: e.median.point_estimate / 1e6, mean_ms: e.mean.point_estimate / 1e6 };
};

const ms = (v) => (v == null ? null : v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : v.toFixed(0));
// KB as the targets mean it: 1,000 bytes (the test suite's ceilings are in KiB).
const kb = (bytes) => (bytes / 1000).toFixed(1) + ' KB';
const rows = [];
// The part the rows below belong to (`partNames`).
let part = 'layout';
// row(measure, figure text or null, target text, met: true/false/null)
const row = (measure, figure, targetText = '', met = null, caveat = '') =>
  rows.push({ part, measure, figure: figure ?? 'not measured', target: targetText, met: figure == null ? null : met, caveat });

// Layout, native.
for (const size of [1000, 5000, 50000]) {
  for (const o of ['vertical', 'horizontal']) {
    const c = criterion(o, size);
    const isTarget = size === 5000;
    row(
      `layout, ${size.toLocaleString('en')} nodes, ${o} (native, criterion median)`,
      c && `${ms(c.median_ms)} ms`,
      isTarget ? '≤ 5 ms' : '',
      c && isTarget ? c.median_ms <= 5 : null,
    );
  }
}

const browser = read('browser.json');
const wasmLayout = browser?.layout_wasm_5000_ms;
// The median pools two kinds of run, shown apart: the one during a load (its code compiled
// as it first runs, in V8's baseline tier, beside the rest of hydration) and the ones after
// an added node.
const apart = (l) =>
  l.after_load && l.after_change
    ? ` (during a load ${ms(l.after_load.median)} ms, after an added node ${ms(l.after_change.median)} ms)`
    : '';
row(
  'layout, 5,000 nodes, in the browser (WASM, median of every run)',
  wasmLayout && `${ms(wasmLayout.median)} ms${apart(wasmLayout)}`,
  '≤ 5 ms',
  wasmLayout && wasmLayout.median <= 5,
);

// Server functions over HTTP.
part = 'http';
const http = (name) => read(`http-${name}.json`);
// A case where nothing succeeded has no latency to show.
const failed = (h) => h && (h.errors >= h.requests || h.p50_ms === 0);
// CPU time a request cost the server and the database (scripts/bench.sh, wrk_case), when the
// run recorded it.
const cpu = (h) => {
  const c = h?.cpu_ms_per_request;
  if (!c || c.server == null) return '';
  return `; CPU a request: server ${ms(c.server)} ms${c.postgres == null ? '' : `, PostgreSQL ${ms(c.postgres)} ms`}`;
};
const latency = (h) =>
  h &&
  (failed(h)
    ? `failed: ${h.errors} of ${h.requests} requests errored`
    : `p50 ${ms(h.p50_ms)} ms, p99 ${ms(h.p99_ms)} ms (${h.rps < 10 ? h.rps.toFixed(1) : Math.round(h.rps)} req/s${h.errors ? `, ${h.errors} errors` : ''}${cpu(h)})`);
const within = (h, limit) => h && !failed(h) && h.p50_ms <= limit;
const g1 = http('get-tree-1k'), g5 = http('get-tree-5k'), g100 = http('get-tree-100k');
const g100safari = http('get-tree-100k-safari');
row('get a 1,000-node tree (8 connections, as Chromium asks)', latency(g1));
row('get a 5,000-node tree (8 connections, as Chromium asks)', latency(g5), 'p50 ≤ 15 ms', within(g5, 15));
row('get a 100,000-node tree (8 connections, as Chromium asks)', latency(g100), 'p50 ≤ 250 ms', within(g100, 250));
row('get a 100,000-node tree (8 connections, as Safari asks: gzip, deflate, br)', latency(g100safari), 'p50 ≤ 250 ms', within(g100safari, 250));
const treeCrowd = read('tree-100k-crowd.json');
row(
  `get a 100,000-node tree, ${treeCrowd?.crowd ?? 8} readers at once after each edit (until the last has it; as Chromium asks)`,
  treeCrowd && `p50 ${ms(treeCrowd.p50_ms)} ms, p90 ${ms(treeCrowd.p90_ms)} ms over ${treeCrowd.rounds} edits`,
);
const e1 = http('edit-1k'), e100 = http('edit-100k');
row('edit one node of a 1,000-node tree (4 connections)', latency(e1), 'p50 ≤ 5 ms', within(e1, 5));
row('edit one node of a 100,000-node tree (4 connections)', latency(e100), 'p50 ≤ 5 ms', within(e100, 5));
const ratio = e1 && e100 ? e100.p50_ms / e1.p50_ms : null;
row('edit p50, 100k-node tree ÷ 1k-node tree', ratio && ratio.toFixed(2), '≤ 1.5', ratio && ratio <= 1.5);
row('list the trees of a user with 1,000 trees (8 connections)', latency(http('list-trees-1000')));
row('analytics of a user with 1,000 trees (8 connections)', latency(http('analytics-1000')));
const s32 = http('share-1k-c32'), s1 = http('share-1k-c1');
row('share page of a 1,000-node tree, 32 connections', s32 && `${Math.round(s32.rps)} req/s, p50 ${ms(s32.p50_ms)} ms, p99 ${ms(s32.p99_ms)} ms${cpu(s32)}`, '≥ 3,000 req/s', s32 && s32.rps >= 3000);
row('share page of a 1,000-node tree, 1 connection, cached', s1 && `p50 ${ms(s1.p50_ms)} ms, p99 ${ms(s1.p99_ms)} ms (${Math.round(s1.rps)} req/s${cpu(s1)})`);
const su = http('share-1k-c1-uncached');
row('share page of a 1,000-node tree, 1 connection, rendered every time', su && `p50 ${ms(su.p50_ms)} ms, p99 ${ms(su.p99_ms)} ms${cpu(su)}`, 'p50 ≤ 3 ms', su && su.p50_ms <= 3);
// Counted by callgrind, so the same on a noisy host as on a quiet one: what to compare builds by.
const si = read('share-instructions.json');
row(
  'share page of a 1,000-node tree, rendered every time: instructions a request (callgrind, every thread of the server)',
  si && `${(si.instructions_per_request / 1e6).toFixed(2)}M over ${si.requests} requests`,
);
const sm = read('share-miss.json');
row(
  'share page of a 1,000-node tree, first request after each edit (a cache miss)',
  sm && `p50 ${ms(sm.p50_ms)} ms, p99 ${ms(sm.p99_ms)} ms over ${sm.rounds} edits${sm.misses === sm.rounds ? '' : ` (${sm.misses} misses)`}`,
);
const crowd = read('share-crowd.json');
row(
  `share page of a 1,000-node tree, ${crowd?.crowd ?? 16} visitors at once after each edit (until the last has the page)`,
  crowd && `p50 ${ms(crowd.p50_ms)} ms, p99 ${ms(crowd.p99_ms)} ms over ${crowd.rounds} edits; ${(crowd.misses / crowd.rounds).toFixed(2)} renders per edit`,
);
const wire = read('share-wire.json'), wireUncached = read('share-wire-uncached.json');
const pageBytes = fs.existsSync(path.join(dir, 'share-page.html')) ? fs.statSync(path.join(dir, 'share-page.html')).size : null;
row(
  'share page of a 1,000-node tree on the wire (as Chromium asks: gzip, deflate, br, zstd)',
  wire && pageBytes && `${kb(wire.bytes_on_wire)} cached (brotli), ${wireUncached ? kb(wireUncached.bytes_on_wire) : '?'} rendered per request (zstd); ${kb(pageBytes)} uncompressed`,
  'compressed',
  wire && pageBytes && wire.bytes_on_wire < pageBytes / 2 && (!wireUncached || wireUncached.bytes_on_wire < pageBytes / 2),
);

const memory = read('server-memory-http.json');
row(
  'server process, peak resident memory over the HTTP part (all of the above, caches as shipped)',
  memory && `${(memory.peak_rss_kb / 1024).toFixed(0)} MB`,
);

const big = read('editor-100k-memory.json');
row(
  'editor page of a 100,000-node tree (as Chromium asks): first load, then loads of the kept tree (median of 3)',
  big && `${ms(big.load_s[0] * 1000)} ms, then ${ms([...big.load_s.slice(1)].sort((a, b) => a - b)[1] * 1000)} ms`,
);
row(
  'server process, peak resident memory making that page (just started): one at a time / four at once',
  big && `${(big.peak_rss_kb_one / 1024).toFixed(0)} MB / ${(big.peak_rss_kb_four / 1024).toFixed(0)} MB`,
);

// The editor in Chromium.
part = 'browser';
for (const size of ['5000', '10000']) {
  const t = browser?.trees?.[size];
  const n = Number(size).toLocaleString('en');
  // The first load after a change (the server reads the tree's rows) is what the target is
  // held to; a load of a version the server kept is beside it.
  row(`editor, ${n} nodes: first paint of the tree (median, first load after a change)`, t && `${ms(t.first_paint_ms.median)} ms`);
  row(`editor, ${n} nodes: navigation to hydrated (median, first load after a change)`, t && `${ms(t.hydrated_ms.median)} ms`, '≤ 700 ms', t && t.hydrated_ms.median <= 700);
  row(
    `editor, ${n} nodes: loaded again, the tree kept (median)`,
    t?.kept && `first paint ${ms(t.kept.first_paint_ms.median)} ms, hydrated ${ms(t.kept.hydrated_ms.median)} ms`,
  );
  for (const [key, label] of [['pan_100', 'pan at 100%'], ['zoom_out', 'zoom out'], ['pan_zoomed_out', 'pan zoomed out']]) {
    const f = t?.[key];
    const visible = (v) => v.toLocaleString('en');
    const extra =
      f?.visible_nodes == null
        ? ''
        : f.visible_nodes_end == null
          ? `, ${visible(f.visible_nodes)} nodes visible`
          : `, ${visible(f.visible_nodes)} nodes visible (${visible(f.visible_nodes_end)} at the end)`;
    row(
      `editor, ${n} nodes: ${label}, frame time`,
      f && `p50 ${ms(f.p50)} ms, p95 ${ms(f.p95)} ms, max ${ms(f.max)} ms over ${f.frames} frames; ${f.long_tasks} long tasks${extra}`,
      'p95 ≤ 16.7 ms' + (key === 'pan_zoomed_out' ? ', ≥ 1,000 nodes visible' : ''),
      // requestAnimationFrame deltas of an on-time 60 Hz frame read 16.6–16.8 ms; a dropped
      // frame reads ≥ 33 ms. So "≤ 16.7" is checked as "< 17.7".
      f && f.p95 < 17.7 && (key !== 'pan_zoomed_out' || Math.min(f.visible_nodes ?? 0, f.visible_nodes_end ?? f.visible_nodes ?? 0) >= 1000),
      // A frame of a quarter second or more is a freeze a person notices, whatever the p95.
      f && f.max >= 250 ? `${ms(f.max)} ms freeze` : '',
    );
  }
}
const add = browser?.add_node_ms;
row('add a node to a 5,000-node tree: key press to drawn (p50)', add && `${ms(add.p50)} ms`, '≤ 50 ms', add && add.p50 <= 50);

// Bundle.
part = 'bundle';
const bundle = read('bundle.json');
const file = (name) => bundle?.[name];
const wasm = file('impact-tree.wasm'), js = file('impact-tree.js'), css = file('impact-tree.css');
row('hydrate WASM, the module every page loads (release, wasm-opt)', wasm && `${kb(wasm.raw)} raw, ${kb(wasm.brotli)} brotli`, '≤ 200 KB brotli', wasm && wasm.brotli <= 200 * 1000);
// Lazy islands and the editor's client are chunks of their own (cargo leptos build --split): a
// page's WASM is the first module and the chunks its entry names in the split manifest.
const manifest = bundle?.['__wasm_split_manifest.json']?.content;
for (const [label, prefix] of [['the editor page', 'start_plain_editor'], ['a share page', 'shared_canvas_loader'], ['the dashboard (its import form)', 'import_form_loader'], ['the status page', 'status_line_loader']]) {
  const key = manifest && Object.keys(manifest).find((k) => k.startsWith(prefix));
  const parts = key ? [wasm, ...manifest[key].map((c) => file(`${c}.wasm`))] : null;
  const whole = parts && parts.every(Boolean) && {
    raw: parts.reduce((a, p) => a + p.raw, 0),
    brotli: parts.reduce((a, p) => a + p.brotli, 0),
  };
  row(
    `hydrate WASM of ${label} (first module + ${key ? manifest[key].length : '?'} chunks)`,
    whole && `${kb(whole.raw)} raw, ${kb(whole.brotli)} brotli`,
    '≤ 200 KB brotli',
    whole && whole.brotli <= 200 * 1000,
  );
}
row('JS glue (and the split loader)', js && `${kb(js.raw + (bundle['__wasm_split.______________________.js']?.raw ?? 0))} raw, ${kb(js.brotli + (bundle['__wasm_split.______________________.js']?.brotli ?? 0))} brotli`);
row('CSS', css && `${kb(css.raw)} raw, ${kb(css.brotli)} brotli`);

// Parts measured in the same run share one line; a table with parts from different runs
// (`BENCH_ONLY`) says when, where and at which commit each was measured.
const partNames = { layout: 'layout', http: 'server over HTTP', browser: 'browser', bundle: 'bundle' };
let doc = fs.readFileSync(target, 'utf8');
const start = doc.indexOf('<!-- figures:start');
const end = doc.indexOf('<!-- figures:end -->');
if (start < 0 || end < 0) throw new Error(`${target} has no figures markers`);
// A part with no results here (a partial run, `BENCH_ONLY`, on a machine that has not run it:
// results live in target/, which a fresh clone lacks) keeps its rows and its line from the
// table as it was, instead of turning into "not measured".
const before = doc.slice(start, end).split('\n');
// Rows are matched by their measure, less what a run fills in (the number of chunks).
const rowKey = (measure) => measure.replace(/\(first module \+ [^)]* chunks\)/, '(first module)');
const beforeRows = new Map(before.filter((l) => l.startsWith('| ') && !l.startsWith('| measure |')).map((l) => [rowKey(l.split(' | ')[0].slice(2)), l]));
const lastRun = before.find((l) => l.startsWith('Last run: '));
const beforeSaid = (name) =>
  lastRun
    ? lastRun.slice('Last run: '.length).split('. The load tool')[0]
    : before.find((l) => l.startsWith(`- ${name}: `))?.slice(`- ${name}: `.length).replace(/^when and where not recorded$/, '');
const stamps = Object.entries(partNames).map(([part, name]) => [part, name, read(`stamp-${part}.json`)]);
const said = (s) => `${s.date}, commit ${s.commit}; ${s.machine}; PostgreSQL ${s.postgres}`;
const chromium = (part) => (part === 'browser' && browser?.chromium ? `, Chromium ${browser.chromium}` : '');
const kept = new Set(stamps.filter(([, name, s]) => !s && beforeSaid(name)).map(([part]) => part));
// [name, where and when without Chromium, Chromium's part of it]: one line when all agree.
const provenance = stamps.map(([part, name, s]) => {
  if (s) return [name, said(s), chromium(part)];
  if (!kept.has(part)) return [name, null, ''];
  const [, where, browserVersion] = beforeSaid(name).match(/^(.*?)((?:, Chromium [^,]*)?)$/);
  return [name, where, part === 'browser' ? browserVersion : ''];
});
const distinct = new Set(provenance.map(([, where]) => where));
const load = 'The load tool (wrk) runs on the same machine as the server and the database.';
const header =
  distinct.size === 1 && !distinct.has(null)
    ? [`Last run: ${[...distinct][0]}${provenance.map(([, , c]) => c).join('')}. ${load}`]
    : [
        `The parts of this table come from different runs. ${load}`,
        '',
        ...provenance.map(([name, where, c]) => `- ${name}: ${where ? where + c : 'when and where not recorded'}`),
      ];
// Only parts measured by this checkout have it (their stamps are in DIR).
const beforeAfter = (key) =>
  stamps.filter(([, , s]) => s?.[key]).map(([, name, s]) => `${name} ${s[key].before} / ${s[key].after} ms`);
const speeds = beforeAfter('reference_ms');
const databaseSpeeds = beforeAfter('database_reference_ms');
const speed = speeds.length
  ? [
      '',
      `The host's speed before / after each timed part (SHA-256 of 128 MiB in one thread, median of 5; lower is faster): ${speeds.join(', ')}.` +
        (databaseSpeeds.length
          ? ` PostgreSQL's (a fixed query of 500,000 rows, median of 5): ${databaseSpeeds.join(', ')}.`
          : ''),
    ]
  : [];
const lines = [
  '<!-- figures:start (written by scripts/bench.sh; edits here are overwritten) -->',
  ...header,
  ...speed,
  '',
  '| measure | figure | target | |',
  '| --- | --- | --- | --- |',
  ...rows.map((r) => {
    if (kept.has(r.part) && beforeRows.has(rowKey(r.measure))) return beforeRows.get(rowKey(r.measure));
    const status = r.met == null ? '' : r.met ? 'met' : '**missed**';
    const caveat = r.caveat ? `${r.met ? ', but' : ';'} **${r.caveat}**` : '';
    return `| ${r.measure} | ${r.figure} | ${r.target} | ${status}${caveat} |`;
  }),
  '<!-- figures:end -->',
];

doc = doc.slice(0, start) + lines.join('\n') + doc.slice(end + '<!-- figures:end -->'.length);
fs.writeFileSync(target, doc);
console.log(lines.join('\n'));
