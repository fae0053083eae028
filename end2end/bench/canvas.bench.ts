/*
 * Browser benchmark of the tree editor with big trees (GitHub issue #8), in Debian's Chromium.
 * Not part of the test suite: scripts/bench.sh seeds the database, starts the release server and
 * runs `cd end2end && npx playwright test -c bench/bench.config.ts` with:
 *
 *   BENCH_ORIGIN       the running server, e.g. http://127.0.0.1:3300 (must be its public origin)
 *   BENCH_EMAIL        an existing account that owns every tree below
 *   BENCH_PASSWORD     its password
 *   BENCH_TREES        JSON object: node count -> tree id, e.g. {"5000": 12, "10000": 13}; must
 *                      include "5000" (the add-node and layout figures are taken on it), and each
 *                      tree must have exactly that many nodes
 *   BENCH_OUT          where to write the JSON (made absolute against the current directory)
 *   BENCH_RUNS         optional, runs per tree, two navigations each (default 3)
 *   BENCH_ADD_SAMPLES  optional, nodes added from the keyboard on the 5,000-node tree (default 10)
 *   BENCH_TRACE        optional, a directory: one more load of each tree is recorded as a Chromium
 *                      trace (load-<nodes>.json there, for chrome://tracing or Perfetto) and the
 *                      page's main-thread time up to hydrated is summed by event ("load_trace")
 *
 * It logs in once through POST /api/log_in and reuses the session cookie. Every navigation is
 * in a fresh browser context (cold HTTP cache) and starts from the same view, saved through
 * /api/save_canvas_state before each run: 100 % zoom, vertical, the root's column centred
 * horizontally and the tree's deepest level at the bottom of the canvas (where the nodes are).
 * Each run saves it a hundredth of a pixel further right than the last, so its first load is
 * of a tree version the server has not kept (it reads the tree's rows, as on the first load
 * after any edit); its second load finds the page's tree kept ("kept" below).
 * Anything missing or unexpected throws; BENCH_OUT is written only when every figure was
 * measured.
 *
 * All times are milliseconds; "from navigation start" means performance.now() in the page
 * (its time origin is the start of the navigation). {median, samples} / {p50, samples}: the
 * median (mean of the middle two for an even count) and every sample in the order taken.
 *
 * {
 *   "schema": 1,
 *   "generated_at": ISO 8601 time,
 *   "origin": BENCH_ORIGIN,
 *   "chromium": browser version, e.g. "156.0.8078.108",
 *   "user_agent": navigator.userAgent,
 *   "viewport": {"width": 1440, "height": 900},        // the browser window
 *   "canvas": {"width": n, "height": n},               // the canvas element inside it (CSS px)
 *   "settings": {"runs", "add_samples", "pan": {"gestures", "steps_per_gesture", "px_per_step"},
 *                "zoom": {"wheel_delta_y"}, "cache": "cold"},
 *   "trees": {
 *     "5000": {                                       // one entry per BENCH_TREES key
 *       "tree_id": 12, "nodes": 5000,                 // node count read through /api/get_tree
 *       "start_view": {"zoom": 1, "pan": {"x", "y"}, "orientation": "vertical"},
 *       // (a) navigation start -> the first paint showing tree nodes. The nodes are in the
 *       // server-rendered HTML, so this is first-contentful-paint when the first
 *       // [data-testid=tree-node] was in the DOM by then ("fcp"); otherwise the end of the first
 *       // frame after that node was inserted ("raf"). "method" lists which, per sample.
 *       "first_paint_ms": {"median", "samples", "method": ["fcp", ...]},
 *       "fcp_ms": {"median", "samples"},              // first-contentful-paint as reported
 *       "ttfb_ms": {"median", "samples"},             // navigation start -> HTML responseStart
 *       "html_ms": {"median", "samples"},             // navigation start -> HTML responseEnd
 *       "html_bytes": n, "html_transfer_bytes": n,    // the page's HTML: decoded, on the wire
 *       // (b) navigation start -> body[data-hydrated="true"] set (MutationObserver in the page)
 *       "hydrated_ms": {"median", "samples"},
 *       // ... -> the end of the first frame after that (the hydrated tree drawn)
 *       "hydrated_drawn_ms": {"median", "samples"},
 *       // the figures above are of each run's first load; these of its second (the tree kept)
 *       "kept": {"first_paint_ms", "ttfb_ms", "html_ms", "hydrated_ms", "hydrated_drawn_ms"},
 *       "load_long_task_ms": {"median", "samples"},   // long tasks summed, navigation -> drawn
 *       "layout_load_ms": {"median", "samples"},      // the WASM "layout" measures during load
 *       "rendered_nodes_at_load": n,                  // tree-node elements in the DOM then
 *       "visible_nodes_at_load": n,                   // of which inside the canvas
 *       // (c) real input (Playwright mouse drag / wheel), each event followed by a wait for the
 *       // next animation frame; frame = requestAnimationFrame delta over the whole phase (idle
 *       // frames included); long tasks (main thread >= 50 ms) from a PerformanceObserver. A long
 *       // frame without a long task spent its time off the main thread (raster, compositing).
 *       "pan_100":  Frames,                           // (i) drag-pan at 100 % zoom
 *       "zoom_out": Frames & {"zoom_from", "zoom_to", "steps"},   // (ii) wheel, to the minimum
 *       "pan_zoomed_out": Frames & {"zoom", "visible_nodes", "visible_nodes_end",
 *                                   "rendered_nodes", "visible_nodes_wanted": 1000}   // (iii)
 *       // at the editor's minimum zoom, back and forth (left, right, ...) so the tree stays in
 *       // view; visible_nodes (inside the canvas at the start of the pan; visible_nodes_end at
 *       // its end) can stay below visible_nodes_wanted: the run warns but does not fail then.
 *       // In the far-zoom overview (a <canvas>) visible_nodes is the count the editor painted
 *       // in view (its data-drawn-nodes attribute) and rendered_nodes is 0.
 *     },
 *     "10000": { ... }
 *   },
 *   // (d) on the 5,000-node tree: Tab keydown (capturing listener, performance.now()) -> the end
 *   // of the frame after the new node's element appeared (MutationObserver + requestAnimationFrame)
 *   "add_node_ms": {"p50", "samples",
 *                   "dom_ms": {"p50", "samples"},     // keydown -> new element in the DOM
 *                   "request_ms": {"p50", "samples"}, // the add_node call (resource timing)
 *                   "parent": {"id", "type"}},        // the node the children were added under
 *   // (e) the WASM layout on the 5,000-node tree: User Timing measures named "layout"
 *   "layout_wasm_5000_ms": {"median", "samples",      // all samples below together
 *                           "after_load": {"median", "samples"},    // during each navigation
 *                           "after_change": {"median", "samples"}}, // after each added node
 *   "console_errors": [string]                        // distinct console errors seen, if any
 * }
 *
 * Frames = {"frames": n, "p50", "p95", "max",        // frame time, ms (nearest rank)
 *           "over_16_7ms": n,                         // frames longer than 16.7 ms + 1 ms jitter
 *           "janky": n,                               // frames longer than 25 ms (a vsync missed)
 *           "long_tasks": n, "long_task_ms": total, "longest_task_ms": max,
 *           "duration_ms": phase length}
 *
 * The nodes added in (d) are deleted again through /api/delete_node afterwards.
 */

import { expect, request, test, type APIRequestContext, type Browser, type BrowserContext, type Page } from '@playwright/test';
import * as fs from 'node:fs';
import * as path from 'node:path';

// --- Settings -----------------------------------------------------------------------------

const VIEWPORT = { width: 1440, height: 900 };
const PAN = { gestures: 6, steps_per_gesture: 50, px_per_step: 16 };
const ZOOM = { wheel_delta_y: 10, max_steps: 600 };
const VISIBLE_WANTED = 1000;
/** Node types that take children (see src/model/type_rules.rs). */
const PARENT_TYPES = ['objective', 'outcome', 'opportunity', 'solution', 'assumption'];

type Tree = { key: string; size: number; id: number };
type Settings = {
  origin: string;
  email: string;
  password: string;
  trees: Tree[];
  out: string;
  runs: number;
  addSamples: number;
  traceDir: string | null;
};
type Stat = { median: number; samples: number[] };
type View = { zoom: number; pan: { x: number; y: number }; orientation: 'vertical' };

function need(name: string): string {
  const value = process.env[name];
  if (value === undefined || value.trim() === '') {
    throw new Error(`${name} is not set (see the top of end2end/bench/canvas.bench.ts)`);
  }
  return value.trim();
}

function intEnv(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name} must be an integer from ${min} to ${max}, not ${raw}`);
  return n;
}

function readSettings(): Settings {
  const origin = new URL(need('BENCH_ORIGIN')).origin;
  const email = need('BENCH_EMAIL');
  const password = need('BENCH_PASSWORD');
  let parsed: unknown;
  try {
    parsed = JSON.parse(need('BENCH_TREES'));
  } catch (err) {
    throw new Error(`BENCH_TREES is not valid JSON: ${err}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error('BENCH_TREES must be a JSON object mapping node count to tree id, e.g. {"5000": 12}');
  }
  const trees = Object.entries(parsed as Record<string, unknown>).map(([key, id]) => {
    if (!/^[1-9][0-9]*$/.test(key)) throw new Error(`BENCH_TREES: key ${JSON.stringify(key)} is not a node count`);
    if (typeof id !== 'number' || !Number.isInteger(id) || id <= 0) {
      throw new Error(`BENCH_TREES: the id for ${key} must be a positive integer, not ${JSON.stringify(id)}`);
    }
    return { key, size: Number(key), id };
  });
  trees.sort((a, b) => a.size - b.size);
  if (!trees.some((t) => t.size === 5000)) {
    throw new Error('BENCH_TREES must include "5000": the add-node and layout figures are taken on that tree');
  }
  return {
    origin,
    email,
    password,
    trees,
    out: path.resolve(need('BENCH_OUT')),
    runs: intEnv('BENCH_RUNS', 3, 1, 50),
    addSamples: intEnv('BENCH_ADD_SAMPLES', 10, 1, 100),
    traceDir: process.env.BENCH_TRACE?.trim() ? path.resolve(process.env.BENCH_TRACE.trim()) : null,
  };
}

// --- Statistics -----------------------------------------------------------------------------

const round = (x: number) => Math.round(x * 100) / 100;

function median(xs: number[]): number {
  if (xs.length === 0) throw new Error('median of no samples');
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return round(s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2);
}

/** Nearest-rank percentile. */
function percentile(xs: number[], p: number): number {
  if (xs.length === 0) throw new Error('percentile of no samples');
  const s = [...xs].sort((a, b) => a - b);
  return round(s[Math.min(s.length, Math.max(1, Math.ceil((p / 100) * s.length))) - 1]);
}

function stat(samples: number[]): Stat {
  return { median: median(samples), samples: samples.map(round) };
}

function frameStats(
  deltas: number[],
  longTasks: { start: number; duration: number }[],
  duration: number,
): Record<string, number> {
  if (deltas.length < 10) throw new Error(`only ${deltas.length} frames were recorded`);
  return {
    frames: deltas.length,
    p50: percentile(deltas, 50),
    p95: percentile(deltas, 95),
    max: round(Math.max(...deltas)),
    over_16_7ms: deltas.filter((d) => d > 17.7).length,
    janky: deltas.filter((d) => d > 25).length,
    long_tasks: longTasks.length,
    long_task_ms: round(longTasks.reduce((sum, t) => sum + t.duration, 0)),
    longest_task_ms: round(longTasks.reduce((m, t) => Math.max(m, t.duration), 0)),
    duration_ms: round(duration),
  };
}

// --- In the page ------------------------------------------------------------------------------

/**
 * Installed before any of the page's own scripts (addInitScript): timestamps taken in the page,
 * so Playwright's polling never inflates them. Self-contained: it is sent to the browser as text.
 */
function installProbe() {
  const w = window as any;
  if (w.__bench) return;
  const b: any = {
    firstNodeAt: null,
    firstNodeFrameAt: null,
    firstNodePaintedAt: null,
    hydratedAt: null,
    hydratedFrameAt: null,
    hydratedPaintedAt: null,
    longTasks: [] as { start: number; duration: number }[],
    longTaskSupported: false,
    armedKey: null as string | null,
    keyAt: null as number | null,
    add: null,
    rec: null,
  };
  w.__bench = b;

  // rAF runs right before a frame's style, layout and paint; a message posted from it is
  // delivered once that frame's main-thread work is done.
  const afterNextFrame = (done: (frame: number, painted: number) => void) =>
    requestAnimationFrame(() => {
      const frame = performance.now();
      const channel = new MessageChannel();
      channel.port1.onmessage = () => done(frame, performance.now());
      channel.port2.postMessage(null);
    });
  b.afterNextFrame = afterNextFrame;

  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) b.longTasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask', buffered: true });
    b.longTaskSupported = PerformanceObserver.supportedEntryTypes.includes('longtask');
  } catch {
    b.longTaskSupported = false;
  }

  const firstNode = new MutationObserver(() => {
    if (b.firstNodeAt === null && document.querySelector('[data-testid="tree-node"]')) {
      firstNode.disconnect();
      b.firstNodeAt = performance.now();
      afterNextFrame((frame, painted) => {
        b.firstNodeFrameAt = frame;
        b.firstNodePaintedAt = painted;
      });
    }
  });
  firstNode.observe(document, { childList: true, subtree: true });

  const hydrated = new MutationObserver(() => {
    if (b.hydratedAt === null && document.body?.getAttribute('data-hydrated') === 'true') {
      hydrated.disconnect();
      b.hydratedAt = performance.now();
      afterNextFrame((frame, painted) => {
        b.hydratedFrameAt = frame;
        b.hydratedPaintedAt = painted;
        // Where a traced load ends (see traceLoad).
        performance.mark('bench:hydrated-drawn');
      });
    }
  });
  hydrated.observe(document, { attributes: true, attributeFilter: ['data-hydrated'], subtree: true });

  // Capturing, on window, registered first: runs before any of the app's key handlers.
  window.addEventListener(
    'keydown',
    (e) => {
      if (b.armedKey !== null && e.key === b.armedKey) {
        b.keyAt = performance.now();
        b.armedKey = null;
      }
    },
    true,
  );

  b.startFrames = () => {
    const rec = { deltas: [] as number[], start: performance.now(), end: null as number | null, last: null as number | null };
    b.rec = rec;
    const loop = (ts: number) => {
      if (rec.end !== null) return;
      if (rec.last !== null) rec.deltas.push(ts - rec.last);
      rec.last = ts;
      requestAnimationFrame(loop);
    };
    requestAnimationFrame(loop);
  };
  b.stopFrames = () => {
    const rec = b.rec;
    rec.end = performance.now();
    return { deltas: rec.deltas, start: rec.start, end: rec.end };
  };
  b.longTasksBetween = (start: number, end: number) =>
    b.longTasks.filter((t: { start: number }) => t.start >= start && t.start < end);

  b.canvas = () => document.querySelector('[data-testid="canvas"]') as HTMLElement;
  /**
   * Zoom and pan as the canvas transform shows them. Chromium gives the transform back with six
   * significant digits, in exponent form past a million ("translate(-1.03143e+07px, ...)", the
   * right half of a 100,000-node tree).
   */
  b.view = () => {
    const el = document.querySelector('[data-testid="canvas-content"]') as HTMLElement | null;
    const m = el?.style.transform.match(/translate\(([-+0-9.e]+)px, ?([-+0-9.e]+)px\) scale\(([-+0-9.e]+)\)/);
    return m ? { x: Number(m[1]), y: Number(m[2]), zoom: Number(m[3]) } : null;
  };
  /**
   * Node elements in the DOM, and of those inside the canvas. Zoomed out below the overview
   * zoom the editor paints the tree on a <canvas> instead and says how many nodes it painted
   * in view (data-drawn-nodes); those count as visible then.
   */
  b.countNodes = () => {
    const c = b.canvas().getBoundingClientRect();
    const overview = document.querySelector('[data-testid="overview"]');
    let rendered = 0;
    let visible = overview ? Number(overview.getAttribute('data-drawn-nodes') ?? '0') : 0;
    for (const el of document.querySelectorAll('[data-testid="tree-node"]')) {
      rendered++;
      const r = el.getBoundingClientRect();
      if (r.width > 0 && r.right > c.left && r.left < c.right && r.bottom > c.top && r.top < c.bottom) visible++;
    }
    return { rendered, visible };
  };

  /** Arms the add-node probe: the next Tab keydown, then the first new "New …" node element. */
  b.armAdd = (previous: string[]) => {
    const known = new Set<string>(previous);
    for (const el of document.querySelectorAll('[data-testid="tree-node"]')) known.add(el.getAttribute('data-node-id') ?? '');
    const add: any = { keyAt: null, seenAt: null, frameAt: null, paintedAt: null, id: null };
    b.add = add;
    b.keyAt = null;
    b.armedKey = 'Tab';
    const container = document.querySelector('[data-testid="canvas-content"]');
    if (!container) throw new Error('no canvas-content');
    const pending = new Set<Element>();
    const observer = new MutationObserver((records) => {
      for (const r of records) {
        for (const n of r.addedNodes) {
          if (!(n instanceof Element)) continue;
          const found = n.matches('[data-testid="tree-node"]') ? [n] : Array.from(n.querySelectorAll('[data-testid="tree-node"]'));
          for (const el of found) if (!known.has(el.getAttribute('data-node-id') ?? '')) pending.add(el);
        }
      }
      for (const el of pending) {
        if (!el.isConnected) {
          pending.delete(el);
          continue;
        }
        if (/^New /.test(el.querySelector('.node-title')?.textContent ?? '')) {
          observer.disconnect();
          add.seenAt = performance.now();
          add.keyAt = b.keyAt;
          add.id = el.getAttribute('data-node-id');
          afterNextFrame((frame, painted) => {
            add.frameAt = frame;
            add.paintedAt = painted;
          });
          return;
        }
      }
    });
    observer.observe(container, { childList: true, subtree: true, characterData: true });
  };
}

// --- Helpers ------------------------------------------------------------------------------------

async function logIn(s: Settings): Promise<APIRequestContext> {
  const api = await request.newContext({ baseURL: s.origin, extraHTTPHeaders: { Origin: s.origin } });
  const res = await api.post('/api/log_in', { form: { email: s.email, password: s.password }, maxRedirects: 0 });
  if (res.status() >= 400) throw new Error(`log-in as ${s.email} failed: HTTP ${res.status()} ${await res.text()}`);
  const who = await api.post('/api/current_user', { form: {} });
  const user = who.ok() ? await who.json() : null;
  if (!user) throw new Error(`log-in as ${s.email} did not give a session (current_user: HTTP ${who.status()})`);
  return api;
}

type NodeRef = { id: string; parent_id: string | null; version: number };

async function treeNodes(api: APIRequestContext, id: number): Promise<NodeRef[]> {
  const res = await api.post('/api/get_tree', { form: { tree_id: String(id) } });
  if (!res.ok()) throw new Error(`get_tree ${id}: HTTP ${res.status()} ${await res.text()}`);
  const detail = await res.json();
  if (!Array.isArray(detail.nodes)) throw new Error(`get_tree ${id}: no nodes in the answer`);
  return detail.nodes;
}

async function saveView(api: APIRequestContext, id: number, state: View) {
  const res = await api.post('/api/save_canvas_state', { data: { tree_id: id, state } });
  if (!res.ok()) throw new Error(`save_canvas_state ${id}: HTTP ${res.status()} ${await res.text()}`);
}

/** One step of a scripted gesture; a browser that stops answering fails the run, not hangs it. */
const STEP_TIMEOUT_MS = 30_000;
async function step<T>(what: string, action: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer from the browser in ${STEP_TIMEOUT_MS / 1000} s`)), STEP_TIMEOUT_MS);
  });
  try {
    return await Promise.race([action, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const nextFrame = (page: Page) =>
  step('waiting for an animation frame', page.evaluate(() => new Promise<void>((r) => requestAnimationFrame(() => r()))));

/** Waits until the editor has no change in flight and a view save would have gone out. */
async function settle(page: Page, ms = 600) {
  await expect(page.getByTestId('canvas')).toHaveAttribute('aria-busy', 'false');
  await page.waitForTimeout(ms);
}

class Session {
  consoleErrors = new Set<string>();
  pageErrors = new WeakMap<Page, string[]>();
  constructor(
    readonly browser: Browser,
    readonly s: Settings,
    readonly storageState: Awaited<ReturnType<APIRequestContext['storageState']>>,
  ) {}

  /** A fresh context (cold cache) with the probe, at /trees/:id. */
  async open(tree: Tree, beforeGoto?: (page: Page) => Promise<void>): Promise<{ context: BrowserContext; page: Page }> {
    const context = await this.browser.newContext({ storageState: this.storageState, viewport: VIEWPORT });
    await context.addInitScript(installProbe);
    const page = await context.newPage();
    if (beforeGoto) await beforeGoto(page);
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(String(err)));
    page.on('console', (msg) => {
      if (msg.type() === 'error') this.consoleErrors.add(msg.text().slice(0, 300));
    });
    this.pageErrors.set(page, errors);
    const res = await page.goto(`${this.s.origin}/trees/${tree.id}`, { waitUntil: 'load' });
    if (!res || res.status() !== 200) throw new Error(`/trees/${tree.id}: HTTP ${res?.status()}`);
    if (new URL(page.url()).pathname !== `/trees/${tree.id}`) throw new Error(`/trees/${tree.id} went to ${page.url()} (not logged in?)`);
    await page
      .waitForFunction(() => (window as any).__bench?.hydratedPaintedAt != null && (window as any).__bench?.firstNodePaintedAt != null, undefined, {
        polling: 100,
        timeout: 120_000,
      })
      .catch(async (err) => {
        const state = await page.evaluate(() => JSON.stringify((window as any).__bench ?? null)).catch(() => '?');
        throw new Error(`the editor of tree ${tree.id} did not show nodes and hydrate: ${err}; probe ${state}; page errors ${errors.join(' | ')}`);
      });
    this.check(page);
    return { context, page };
  }

  check(page: Page) {
    const errors = this.pageErrors.get(page) ?? [];
    if (errors.length) throw new Error(`the page threw: ${errors.join(' | ')}`);
  }
}

/**
 * The start view: 100 %, the root's column centred horizontally and the bottom of the tree 24 px
 * above the bottom of the canvas, so the deepest levels, where the nodes are, fill the view (a
 * tree shallow enough to fit is shown from its top instead).
 */
async function findStartView(session: Session, api: APIRequestContext, tree: Tree): Promise<View> {
  await saveView(api, tree.id, { zoom: 1, pan: { x: 0, y: 0 }, orientation: 'vertical' });
  const { context, page } = await session.open(tree);
  await page.getByTestId('canvas').focus();
  await page.keyboard.press('ArrowDown'); // nothing selected: selects the (first) root and shows it
  const root = page.locator('[data-testid="tree-node"][aria-selected="true"]');
  await expect(root).toHaveAttribute('aria-level', '1');
  const found = await root.evaluate((el) => {
    const s = (el as HTMLElement).style;
    const canvas = document.querySelector('[data-testid="canvas"]') as HTMLElement;
    // The edge layer is as large as the whole layout.
    const edges = document.querySelector('[data-testid="canvas-content"] svg.edges');
    return {
      x: parseFloat(s.left),
      y: parseFloat(s.top),
      w: parseFloat(s.width),
      treeHeight: parseFloat(edges?.getAttribute('height') ?? 'NaN'),
      cw: canvas.clientWidth,
      ch: canvas.clientHeight,
    };
  });
  if (![found.x, found.y, found.w, found.treeHeight].every(Number.isFinite)) {
    throw new Error(`could not read the root's place and the tree's height: ${JSON.stringify(found)}`);
  }
  await settle(page);
  session.check(page);
  await context.close();
  return {
    zoom: 1,
    pan: {
      x: round(found.cw / 2 - (found.x + found.w / 2)),
      y: round(Math.min(24 - found.y, found.ch - 24 - found.treeHeight)),
    },
    orientation: 'vertical',
  };
}

type Load = {
  firstPaint: number;
  method: 'fcp' | 'raf';
  fcp: number;
  ttfb: number;
  html: number;
  htmlBytes: number;
  htmlTransferBytes: number;
  hydrated: number;
  hydratedDrawn: number;
  longTaskMs: number;
  layouts: number[];
  rendered: number;
  visible: number;
  canvas: { width: number; height: number };
};

async function loadFigures(page: Page, start: View): Promise<Load> {
  await page.waitForTimeout(300); // long-task entries are delivered a little late
  const r = await page.evaluate(() => {
    const b = (window as any).__bench;
    const fcp = performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null;
    const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
    const layouts = performance.getEntriesByName('layout', 'measure').map((e) => e.duration);
    const longTaskMs = b.longTasksBetween(0, b.hydratedPaintedAt).reduce((s: number, t: { duration: number }) => s + t.duration, 0);
    const canvas = b.canvas();
    return {
      fcp,
      html: nav ? nav.responseEnd : null,
      ttfb: nav ? nav.responseStart : null,
      htmlBytes: nav ? nav.decodedBodySize : null,
      htmlTransferBytes: nav ? nav.transferSize : null,
      firstNodeAt: b.firstNodeAt,
      firstNodePaintedAt: b.firstNodePaintedAt,
      hydratedAt: b.hydratedAt,
      hydratedPaintedAt: b.hydratedPaintedAt,
      longTaskSupported: b.longTaskSupported,
      longTaskMs,
      layouts,
      view: b.view(),
      counts: b.countNodes(),
      canvas: { width: canvas.clientWidth, height: canvas.clientHeight },
    };
  });
  if (r.fcp === null) throw new Error('no first-contentful-paint entry');
  if (r.html === null) throw new Error('no navigation timing entry');
  if (!r.longTaskSupported) throw new Error('this Chromium does not report long tasks');
  if (r.layouts.length === 0) {
    throw new Error('no "layout" User Timing measure: the release build predates the measure in src/ui/editor/draw.rs');
  }
  // Within a pixel, or the six digits the transform is read back with.
  const near = (read: number, want: number) => Math.abs(read - want) <= Math.max(1, Math.abs(want) * 1e-5);
  if (!r.view || Math.abs(r.view.zoom - start.zoom) > 1e-3 || !near(r.view.x, start.pan.x) || !near(r.view.y, start.pan.y)) {
    throw new Error(`the editor did not open at the start view ${JSON.stringify(start)}: ${JSON.stringify(r.view)}`);
  }
  if (r.counts.visible === 0) throw new Error('the start view shows no node');
  const fcpHasNodes = r.firstNodeAt <= r.fcp;
  return {
    firstPaint: fcpHasNodes ? r.fcp : r.firstNodePaintedAt,
    method: fcpHasNodes ? 'fcp' : 'raf',
    fcp: r.fcp,
    ttfb: r.ttfb!,
    html: r.html,
    htmlBytes: r.htmlBytes!,
    htmlTransferBytes: r.htmlTransferBytes!,
    hydrated: r.hydratedAt,
    hydratedDrawn: r.hydratedPaintedAt,
    longTaskMs: r.longTaskMs,
    layouts: r.layouts,
    rendered: r.counts.rendered,
    visible: r.counts.visible,
    canvas: r.canvas,
  };
}

async function startFrames(page: Page) {
  await page.evaluate(() => (window as any).__bench.startFrames());
}

async function stopFrames(page: Page) {
  const rec = await page.evaluate(() => (window as any).__bench.stopFrames());
  await page.waitForTimeout(300); // long-task entries are delivered a little late
  const longTasks = await page.evaluate(([s, e]) => (window as any).__bench.longTasksBetween(s, e), [rec.start, rec.end]);
  return frameStats(rec.deltas, longTasks, rec.end - rec.start);
}

async function view(page: Page): Promise<{ x: number; y: number; zoom: number }> {
  const v = await page.evaluate(() => (window as any).__bench.view());
  if (!v) throw new Error('cannot read the canvas transform');
  return v;
}

/** A point of the canvas background (not a node, not a button) with room to drag left. */
/** A point on the canvas background with `room` px free to drag towards `direction` (-1: left). */
async function backgroundPoint(page: Page, room: number, direction: -1 | 1): Promise<{ x: number; y: number }> {
  const p = await page.evaluate(([room, direction]) => {
    const canvas = (window as any).__bench.canvas() as HTMLElement;
    const c = canvas.getBoundingClientRect();
    const xs: number[] = [];
    if (direction < 0) for (let x = c.right - 30; x > c.left + 20 + room; x -= 9) xs.push(x);
    else for (let x = c.left + 30; x < c.right - 20 - room; x += 9) xs.push(x);
    for (let dy = 0; dy < c.height / 2 - 20; dy += 7) {
      for (const y of [c.top + c.height / 2 + dy, c.top + c.height / 2 - dy]) {
        for (const x of xs) {
          const el = document.elementFromPoint(x, y);
          if (el && canvas.contains(el) && !el.closest('[data-node-id], button, .empty-canvas')) return { x, y };
        }
      }
    }
    return null;
  }, [room, direction] as const);
  if (!p) throw new Error('no free background point on the canvas to start a pan from');
  return p;
}

/**
 * Drag-pans the canvas with the mouse, one move per frame; returns frame figures. "one-way"
 * pans leftwards all the time (at 100 % that leaves the rendered region, so re-renders are
 * timed too); "back-and-forth" alternates, so a tree zoomed far out stays in view.
 */
async function panPhase(page: Page, mode: 'one-way' | 'back-and-forth' = 'one-way') {
  const before = await view(page);
  const room = PAN.steps_per_gesture * PAN.px_per_step;
  let wanted = 0;
  await startFrames(page);
  for (let g = 0; g < PAN.gestures; g++) {
    const direction: -1 | 1 = mode === 'back-and-forth' && g % 2 === 1 ? 1 : -1;
    wanted -= direction * room;
    const from = await backgroundPoint(page, room, direction);
    await step('mouse move', page.mouse.move(from.x, from.y));
    await step('mouse down', page.mouse.down());
    for (let i = 1; i <= PAN.steps_per_gesture; i++) {
      await step('mouse move', page.mouse.move(from.x + direction * i * PAN.px_per_step, from.y));
      await nextFrame(page);
    }
    await step('mouse up', page.mouse.up());
  }
  await nextFrame(page);
  await nextFrame(page);
  const frames = await stopFrames(page);
  const after = await view(page);
  const moved = before.x - after.x;
  if (Math.abs(moved - wanted) > 2 || Math.abs(after.zoom - before.zoom) > 1e-6) {
    throw new Error(`the pan moved the canvas by ${moved}px instead of ${wanted}px (zoom ${before.zoom} -> ${after.zoom})`);
  }
  return { frames, before, after };
}

// --- The benchmark ------------------------------------------------------------------------------

test('canvas benchmark', async ({ browser }) => {
  test.setTimeout(20 * 60_000);
  const s = readSettings();
  const api = await logIn(s);
  const session = new Session(browser, s, await api.storageState());
  const result: any = {
    schema: 1,
    generated_at: new Date().toISOString(),
    origin: s.origin,
    chromium: browser.version(),
    user_agent: null,
    viewport: VIEWPORT,
    canvas: null,
    settings: {
      runs: s.runs,
      add_samples: s.addSamples,
      pan: PAN,
      zoom: { wheel_delta_y: ZOOM.wheel_delta_y },
      cache: 'cold',
      loads: 'each run: first after a change of the tree version, then kept',
    },
    trees: {},
  };
  const layoutAfterLoad: number[] = [];
  const layoutAfterChange: number[] = [];
  const added: Promise<{ id: string; version: number }>[] = [];
  // The 5,000-node tree's ids before the adds, to find any add the page never saw answered.
  let seeded: Set<string> | null = null;

  try {
    for (const tree of s.trees) {
      const list = await treeNodes(api, tree.id);
      const nodes = list.length;
      if (tree.size === 5000) seeded = new Set(list.map((n) => n.id));
      if (nodes !== tree.size) {
        throw new Error(`tree ${tree.id} has ${nodes} nodes, but BENCH_TREES lists it as ${tree.key} (re-seed the database)`);
      }
      console.log(`tree ${tree.id} (${nodes} nodes)`);
      const start = await findStartView(session, api, tree);
      const loads: Load[] = [];
      const keptLoads: Load[] = [];
      let last: { context: BrowserContext; page: Page } | null = null;
      for (let run = 1; run <= s.runs; run++) {
        const view = { ...start, pan: { ...start.pan, x: start.pan.x + run / 100 } };
        await saveView(api, tree.id, view);
        for (const kept of [false, true]) {
          const opened = await session.open(tree);
          const load = await loadFigures(opened.page, view);
          (kept ? keptLoads : loads).push(load);
          console.log(
            `  load ${run}${kept ? ' again (kept)' : ''}: first paint ${round(load.firstPaint)} ms (${load.method}), ` +
              `hydrated ${round(load.hydrated)} ms, drawn ${round(load.hydratedDrawn)} ms, layout ${load.layouts.map(round).join('+')} ms`,
          );
          if (tree.size === 5000) layoutAfterLoad.push(...load.layouts);
          if (run < s.runs || !kept) {
            await settle(opened.page, 100);
            await opened.context.close();
          } else {
            last = opened;
          }
        }
      }
      const loadTrace = s.traceDir ? await traceLoad(session, api, tree, start, s.traceDir) : null;
      const page = last!.page;
      result.canvas ??= loads[0].canvas;
      result.user_agent ??= await page.evaluate(() => navigator.userAgent);
      await settle(page, 500);

      // (c)(i) pan at 100 %.
      const pan100 = await panPhase(page);
      console.log(`  pan 100%: ${JSON.stringify(pan100.frames)}`);

      // (c)(ii) zoom out with the wheel, one notch per frame, until the zoom stops changing.
      const canvasBox = await page.getByTestId('canvas').boundingBox();
      if (!canvasBox) throw new Error('no canvas box');
      await page.mouse.move(canvasBox.x + canvasBox.width / 2, canvasBox.y + canvasBox.height / 2);
      const zoomFrom = (await view(page)).zoom;
      await startFrames(page);
      let steps = 0;
      let zoom = zoomFrom;
      let unchanged = 0;
      while (unchanged < 3) {
        if (++steps > ZOOM.max_steps) throw new Error(`the zoom did not stop falling after ${ZOOM.max_steps} wheel steps`);
        await step('mouse wheel', page.mouse.wheel(0, ZOOM.wheel_delta_y));
        const now = await step(
          'waiting for an animation frame',
          page.evaluate(() => new Promise<number>((r) => requestAnimationFrame(() => r((window as any).__bench.view().zoom)))),
        );
        unchanged = now === zoom ? unchanged + 1 : 0;
        zoom = now;
      }
      const zoomFrames = await stopFrames(page);
      if (!(zoom < zoomFrom / 4)) throw new Error(`the wheel zoomed from ${zoomFrom} only to ${zoom}`);
      const zoomLabel = await page.getByTestId('zoom-level').textContent();
      console.log(`  zoom out ${zoomFrom} -> ${zoom} (${zoomLabel}) in ${steps} steps: ${JSON.stringify(zoomFrames)}`);
      await settle(page, 300);

      // (c)(iii) pan while zoomed out, back and forth so the tree stays in view.
      const counts = await page.evaluate(() => (window as any).__bench.countNodes());
      const panFar = await panPhase(page, 'back-and-forth');
      const countsEnd = await page.evaluate(() => (window as any).__bench.countNodes());
      console.log(`  pan ${zoomLabel}: visible ${counts.visible} -> ${countsEnd.visible} nodes: ${JSON.stringify(panFar.frames)}`);
      if (counts.visible < VISIBLE_WANTED) {
        console.warn(`  WARNING: only ${counts.visible} nodes visible at the minimum zoom (${zoomLabel}); wanted ${VISIBLE_WANTED}`);
      }
      await settle(page);
      session.check(page);
      await last!.context.close();

      result.trees[tree.key] = {
        tree_id: tree.id,
        nodes,
        start_view: start,
        first_paint_ms: { ...stat(loads.map((l) => l.firstPaint)), method: loads.map((l) => l.method) },
        fcp_ms: stat(loads.map((l) => l.fcp)),
        ttfb_ms: stat(loads.map((l) => l.ttfb)),
        html_ms: stat(loads.map((l) => l.html)),
        html_bytes: loads[0].htmlBytes,
        html_transfer_bytes: loads[0].htmlTransferBytes,
        hydrated_ms: stat(loads.map((l) => l.hydrated)),
        hydrated_drawn_ms: stat(loads.map((l) => l.hydratedDrawn)),
        kept: {
          first_paint_ms: stat(keptLoads.map((l) => l.firstPaint)),
          ttfb_ms: stat(keptLoads.map((l) => l.ttfb)),
          html_ms: stat(keptLoads.map((l) => l.html)),
          hydrated_ms: stat(keptLoads.map((l) => l.hydrated)),
          hydrated_drawn_ms: stat(keptLoads.map((l) => l.hydratedDrawn)),
        },
        load_long_task_ms: stat(loads.map((l) => l.longTaskMs)),
        layout_load_ms: stat(loads.flatMap((l) => l.layouts)),
        ...(loadTrace ? { load_trace: loadTrace } : {}),
        rendered_nodes_at_load: loads[0].rendered,
        visible_nodes_at_load: loads[0].visible,
        pan_100: pan100.frames,
        zoom_out: { ...zoomFrames, zoom_from: zoomFrom, zoom_to: zoom, steps },
        pan_zoomed_out: {
          ...panFar.frames,
          zoom,
          visible_nodes: counts.visible,
          visible_nodes_end: countsEnd.visible,
          rendered_nodes: counts.rendered,
          visible_nodes_wanted: VISIBLE_WANTED,
        },
      };

      if (tree.size === 5000) {
        result.add_node_ms = await addNodes(session, api, tree, start, s.addSamples, added, layoutAfterChange);
      }
    }
  } finally {
    // Take the added nodes out again, so the tree keeps its size for the next run.
    const done = await Promise.allSettled(added);
    const tree5k = s.trees.find((t) => t.size === 5000)!;
    for (const d of done.reverse()) {
      if (d.status !== 'fulfilled') continue;
      const res = await api.post('/api/delete_node', { data: { tree_id: tree5k.id, node_id: d.value.id, version: d.value.version } });
      if (!res.ok()) console.error(`could not delete the added node ${d.value.id}: HTTP ${res.status()} ${await res.text()}`);
    }
    // A run that failed during an add may have left a node whose answer the page had not seen
    // (so not in `added`): the next run would refuse the tree. Those added under a seeded node
    // go, their subtrees with them.
    if (seeded) {
      const known = seeded;
      const left = (await treeNodes(api, tree5k.id)).filter(
        (n) => !known.has(n.id) && (n.parent_id === null || known.has(n.parent_id)),
      );
      for (const n of left) {
        const res = await api.post('/api/delete_node', { data: { tree_id: tree5k.id, node_id: n.id, version: n.version } });
        if (!res.ok()) console.error(`could not delete the left node ${n.id}: HTTP ${res.status()} ${await res.text()}`);
      }
    }
  }

  if (layoutAfterChange.length === 0) throw new Error('no "layout" measure after an added node');
  result.layout_wasm_5000_ms = {
    ...stat([...layoutAfterLoad, ...layoutAfterChange]),
    after_load: stat(layoutAfterLoad),
    after_change: stat(layoutAfterChange),
  };
  result.console_errors = [...session.consoleErrors];
  await api.dispose();

  fs.mkdirSync(path.dirname(s.out), { recursive: true });
  const tmp = `${s.out}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, JSON.stringify(result, null, 2) + '\n');
  fs.renameSync(tmp, s.out);
  console.log(`wrote ${s.out}`);
});

/**
 * One more load of the tree, recorded as a Chromium trace, and where the page's main thread
 * spent its time from navigation start to the hydrated tree drawn: the self time of every
 * trace event on the renderer's main thread (an event's duration less its nested events'),
 * summed by name, and the threads' WebAssembly compile events. The measured loads above are
 * taken untraced (tracing slows the page down).
 */
async function traceLoad(
  session: Session,
  api: APIRequestContext,
  tree: Tree,
  start: View,
  dir: string,
) {
  await saveView(api, tree.id, start);
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `load-${tree.key}.json`);
  const categories = [
    'devtools.timeline',
    'disabled-by-default-devtools.timeline',
    'blink.user_timing',
    'loading',
    'v8',
    'v8.wasm',
    'disabled-by-default-v8.compile',
    'toplevel',
  ];
  const { context } = await session.open(tree, (page) => session.browser.startTracing(page, { path: file, categories }));
  const trace = JSON.parse((await session.browser.stopTracing()).toString());
  await context.close();
  const summary = summariseTrace(trace.traceEvents ?? trace, `/trees/${tree.id}`);
  console.log(`  traced load (${file}): ${JSON.stringify(summary)}`);
  return summary;
}

type TraceEvent = { name: string; ph: string; ts: number; dur?: number; pid: number; tid: number; cat?: string; args?: any };

function summariseTrace(events: TraceEvent[], pathname: string) {
  const threadNames = new Map<string, string>();
  for (const e of events) if (e.ph === 'M' && e.name === 'thread_name') threadNames.set(`${e.pid}:${e.tid}`, e.args?.name);
  // The renderer that parsed the page, and its main thread.
  const parse = events.find((e) => e.name === 'ParseHTML' && String(e.args?.beginData?.url ?? '').includes(pathname));
  if (!parse) throw new Error(`the trace has no ParseHTML of ${pathname}`);
  const main = `${parse.pid}:${parse.tid}`;
  const nav = events.find((e) => e.name === 'navigationStart' && e.pid === parse.pid && String(e.args?.data?.documentLoaderURL ?? '').includes(pathname));
  const end = events.find((e) => e.name === 'bench:hydrated-drawn' && e.pid === parse.pid);
  if (!nav || !end) throw new Error(`the trace lacks navigationStart (${!!nav}) or the bench:hydrated-drawn mark (${!!end})`);
  const t0 = nav.ts;
  const t1 = end.ts;
  const inRange = (e: TraceEvent) => e.ph === 'X' && e.ts >= t0 && e.ts < t1 && typeof e.dur === 'number';

  // Self time by name on the main thread: events nest by time on one thread.
  const own = events.filter((e) => `${e.pid}:${e.tid}` === main && inRange(e)).sort((a, b) => a.ts - b.ts || b.dur! - a.dur!);
  const self = new Map<string, number>();
  const stack: { e: TraceEvent; end: number; child: number }[] = [];
  const close = (upTo: number) => {
    while (stack.length && stack[stack.length - 1].end <= upTo) {
      const top = stack.pop()!;
      self.set(top.e.name, (self.get(top.e.name) ?? 0) + Math.max(0, top.e.dur! - top.child));
    }
  };
  let busy = 0;
  for (const e of own) {
    close(e.ts);
    if (stack.length) stack[stack.length - 1].child += e.dur!;
    else busy += e.dur!;
    stack.push({ e, end: e.ts + e.dur!, child: 0 });
  }
  close(Infinity);
  const ms = (us: number) => Math.round(us / 10) / 100;
  const byName = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 20).map(([name, us]) => ({ name, ms: ms(us) }));

  // WebAssembly compilation runs on worker threads too: every thread's wasm events, by name.
  const wasm = new Map<string, number>();
  for (const e of events) {
    if (inRange(e) && e.pid === parse.pid && /wasm/i.test(`${e.cat} ${e.name}`)) {
      const key = `${e.name} (${threadNames.get(`${e.pid}:${e.tid}`) ?? e.tid})`;
      wasm.set(key, (wasm.get(key) ?? 0) + e.dur!);
    }
  }
  return {
    window_ms: ms(t1 - t0),
    main_thread_busy_ms: ms(busy),
    main_thread_self_ms: byName,
    wasm_events_ms: [...wasm.entries()].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([name, us]) => ({ name, ms: ms(us) })),
  };
}

/** (d): Tab on a selected node, timed from the keydown to the frame that shows the new node. */
async function addNodes(
  session: Session,
  api: APIRequestContext,
  tree: Tree,
  start: View,
  samples: number,
  added: Promise<{ id: string; version: number }>[],
  layouts: number[],
) {
  await saveView(api, tree.id, start);
  const { context, page } = await session.open(tree);
  page.on('response', (res) => {
    if (new URL(res.url()).pathname === '/api/add_node' && res.request().method() === 'POST') {
      added.push(
        res.json().then((n) => {
          if (typeof n?.id !== 'string' || typeof n?.version !== 'number') throw new Error(`add_node answered ${JSON.stringify(n)}`);
          return { id: n.id, version: n.version };
        }),
      );
    }
  });
  await settle(page, 300);

  // The node nearest the canvas centre that takes children and is expanded.
  const parent = await page.evaluate((types) => {
    const c = (window as any).__bench.canvas().getBoundingClientRect();
    const [cx, cy] = [c.left + c.width / 2, c.top + c.height / 2];
    let best: { id: string; type: string; d: number } | null = null;
    for (const el of document.querySelectorAll('[data-testid="tree-node"]')) {
      const type = types.find((t) => el.classList.contains(t));
      if (!type || el.getAttribute('aria-expanded') === 'false') continue;
      const r = el.getBoundingClientRect();
      if (r.left < c.left || r.right > c.right || r.top < c.top || r.bottom > c.bottom) continue;
      const d = Math.hypot(r.left + r.width / 2 - cx, r.top + r.height / 2 - cy);
      if (!best || d < best.d) best = { id: el.getAttribute('data-node-id')!, type, d };
    }
    return best;
  }, PARENT_TYPES);
  if (!parent) throw new Error('no node that takes children is fully visible in the start view');
  const selected = page.locator('[data-testid="tree-node"][aria-selected="true"]');
  await page.locator(`[data-node-id="${parent.id}"] .node-title`).click();
  await page.getByTestId('canvas').focus();
  await expect(selected).toHaveAttribute('data-node-id', parent.id);

  const total: number[] = [];
  const dom: number[] = [];
  const requests: number[] = [];
  const mine: string[] = [];
  for (let i = 0; i < samples; i++) {
    await page.evaluate((previous) => (window as any).__bench.armAdd(previous), mine);
    await page.keyboard.press('Tab');
    await page
      .waitForFunction(() => (window as any).__bench.add.paintedAt !== null, undefined, { polling: 50, timeout: 30_000 })
      .catch(async (err) => {
        const notice = await page.getByTestId('notice').textContent().catch(() => null);
        throw new Error(`no new node appeared after Tab (notice: ${notice}): ${err}`);
      });
    // The node is drawn before the server answers: its request's timing entry (made when the
    // answer ends) may come after the frame that shows it.
    await page
      .waitForFunction(
        () => {
          const add = (window as any).__bench.add;
          return performance
            .getEntriesByType('resource')
            .some((e) => new URL(e.name).pathname === '/api/add_node' && e.startTime >= add.keyAt);
        },
        undefined,
        { polling: 20, timeout: 30_000 },
      )
      .catch(() => {});
    const a = await page.evaluate(() => {
      const add = (window as any).__bench.add;
      const request = performance
        .getEntriesByType('resource')
        .filter((e) => new URL(e.name).pathname === '/api/add_node' && e.startTime >= add.keyAt)[0] as PerformanceResourceTiming | undefined;
      const layouts = performance
        .getEntriesByName('layout', 'measure')
        .filter((e) => e.startTime >= add.keyAt && e.startTime <= add.paintedAt)
        .map((e) => e.duration);
      return { ...add, request: request ? request.responseEnd - request.startTime : null, layouts };
    });
    if (a.keyAt === null) throw new Error('the Tab keydown was not seen by the probe');
    if (a.request === null) throw new Error('no add_node request in the resource timing');
    if (a.layouts.length === 0) throw new Error('no "layout" measure between the Tab and the new node');
    total.push(a.paintedAt - a.keyAt);
    dom.push(a.seenAt - a.keyAt);
    requests.push(a.request);
    layouts.push(...a.layouts);
    mine.push(a.id);
    console.log(`  add ${i + 1}: ${round(a.paintedAt - a.keyAt)} ms (request ${round(a.request)} ms, layout ${a.layouts.map(round).join('+')} ms)`);

    // The title editor opened for the new node: leave it with Escape, back to the canvas.
    await expect(page.getByTestId('node-title')).toBeFocused();
    await expect(selected).toHaveAttribute('data-node-id', a.id);
    await page.keyboard.press('Escape');
    await expect(page.getByTestId('canvas')).toBeFocused();
    await settle(page, 0);
    await page.keyboard.press('ArrowUp'); // back to the parent
    await expect(selected).toHaveAttribute('data-node-id', parent.id);
    await settle(page, 300);
  }
  session.check(page);
  await settle(page);
  await context.close();
  return {
    p50: median(total),
    samples: total.map(round),
    dom_ms: { p50: median(dom), samples: dom.map(round) },
    request_ms: { p50: median(requests), samples: requests.map(round) },
    parent: { id: parent.id, type: parent.type },
  };
}
