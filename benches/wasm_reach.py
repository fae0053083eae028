"""What a lazy entry of the browser bundle loads beyond the module every page loads.

Reads the unsplit release module that `cargo leptos build --release --split` leaves in
target/front/wasm32-unknown-unknown/wasm-release/impact_tree.wasm (before wasm-split and
wasm-opt; it keeps its names and relocations) and follows, from the entry's export, what
wasm-split follows: calls, functions whose address is taken in code, and data that holds
function addresses (vtables). Prints the functions only that entry reaches, largest first, by
their size before wasm-opt (raw bytes: a ranking, not the brotli figure the table counts).

    python3 benches/wasm_reach.py target/front/.../impact_tree.wasm ENTRY_REGEX [TOP [CALLERS_OF_REGEX]]

e.g. `start_plain_editor 40 'deserialize_struct'` lists the top 40 and who calls each
`deserialize_struct` (which type it decodes). BENCHMARKS.md, thirty-eighth session."""
import sys, re, collections, bisect
path, entry_pat = sys.argv[1], sys.argv[2]
top = int(sys.argv[3]) if len(sys.argv) > 3 else 50
b = open(path, 'rb').read()
def uleb(i):
    r = s = 0
    while True:
        x = b[i]; i += 1; r |= (x & 0x7f) << s; s += 7
        if x < 0x80: return r, i
def sleb(i):
    r = s = 0
    while True:
        x = b[i]; i += 1; r |= (x & 0x7f) << s; s += 7
        if x < 0x80:
            if x & 0x40: r -= 1 << s
            return r, i
secs = {}; customs = {}; order = []
i = 8
while i < len(b):
    sid = b[i]; i += 1
    size, i = uleb(i)
    if sid == 0:
        n, j = uleb(i); customs[b[j:j+n].decode()] = (j+n, i+size)
    else:
        secs[sid] = (i, i+size)
    order.append(sid)
    i += size
# imports
nimp = 0
i, end = secs[2]; n, i = uleb(i)
for _ in range(n):
    l, i = uleb(i); i += l
    l, i = uleb(i); i += l
    kind = b[i]; i += 1
    if kind == 0: _, i = uleb(i); nimp += 1
    elif kind == 1: i += 1; fl = b[i]; i += 1; _, i = uleb(i); i = uleb(i)[1] if fl & 1 else i
    elif kind == 2: fl = b[i]; i += 1; _, i = uleb(i); i = uleb(i)[1] if fl & 1 else i
    elif kind == 3: i += 2
exports = {}
i, end = secs[7]; n, i = uleb(i)
for _ in range(n):
    l, i = uleb(i); name = b[i:i+l].decode(); i += l
    kind = b[i]; i += 1; idx, i = uleb(i)
    if kind == 0: exports[name] = idx
# code bodies: (start offset rel. to section payload, end, func)
cs0, ce0 = secs[10]
i = cs0; n, i = uleb(i)
starts = []; funcs = []; sizes = {}
for k in range(n):
    size, j = uleb(i)
    starts.append(i - cs0); funcs.append(nimp + k); sizes[nimp + k] = size
    i = j + size
def func_at(off):
    k = bisect.bisect_right(starts, off) - 1
    return funcs[k]
# data segments: payload offsets
ds0, de0 = secs[11]
i = ds0; n, i = uleb(i); seg_starts = []
for k in range(n):
    flags, i = uleb(i)
    if flags == 2: _, i = uleb(i)
    if flags in (0, 2):
        while b[i] != 0x0B:
            op = b[i]; i += 1
            if op in (0x41, 0x42): _, i = sleb(i)
            elif op == 0x23: _, i = uleb(i)
        i += 1
    size, i = uleb(i)
    seg_starts.append((i - ds0, size))
    i += size
# symbols
ls0, le0 = customs['linking']
i = ls0; ver, i = uleb(i)
syms = []
while i < le0:
    st = b[i]; i += 1; plen, i = uleb(i); nxt = i + plen
    if st == 8:
        cnt, i = uleb(i)
        for _ in range(cnt):
            kind = b[i]; i += 1; flags, i = uleb(i)
            if kind in (0, 2, 4, 5):
                idx, i = uleb(i)
                if not (flags & 0x10) or (flags & 0x40):
                    l, i = uleb(i); i += l
                syms.append(('f' if kind == 0 else 'o', idx))
            elif kind == 1:
                l, i = uleb(i); nm = b[i:i+l]; i += l
                if not (flags & 0x10):
                    seg, i = uleb(i); off, i = uleb(i); sz, i = uleb(i)
                    syms.append(('d', (seg, off, sz)))
                else:
                    syms.append(('d', None))
            elif kind == 3:
                _, i = uleb(i); syms.append(('s', None))
    i = nxt
# data symbols by segment for lookup of a data offset
data_syms = collections.defaultdict(list)  # seg -> [(off, end, symidx)]
for si, (k, v) in enumerate(syms):
    if k == 'd' and v:
        seg, off, sz = v
        data_syms[seg].append((off, off + max(sz, 1), si))
for seg in data_syms: data_syms[seg].sort()
def data_sym_at(abs_off):
    # abs_off rel. to data section payload
    for seg, (st, sz) in enumerate(seg_starts):
        if st <= abs_off < st + sz:
            rel = abs_off - st
            lst = data_syms.get(seg, [])
            k = bisect.bisect_right(lst, (rel, float('inf'), 0)) - 1
            if k >= 0 and lst[k][0] <= rel < lst[k][1]:
                return lst[k][2]
            return ('seg', seg)
    return None
ADDEND = {3, 4, 5, 8, 9, 11, 14, 15, 16, 17, 21, 22, 23, 25}
edges = collections.defaultdict(set)  # node: ('f', idx) or ('d', symidx) -> set of nodes
def target(kind_type, idx):
    k, v = syms[idx]
    if kind_type in (0, 1, 2, 18, 19, 24, 26):
        return ('f', v) if k == 'f' else None
    if kind_type in (3, 4, 5, 11, 14, 15, 16, 17, 21, 23, 25):
        return ('d', idx) if k == 'd' else None
    return None
for cname, (s0, e0) in customs.items():
    if not cname.startswith('reloc.'): continue
    i = s0; secidx, i = uleb(i); cnt, i = uleb(i)
    is_code = order[secidx] == 10
    is_data = order[secidx] == 11
    for _ in range(cnt):
        t = b[i]; i += 1; off, i = uleb(i); idx, i = uleb(i)
        if t in ADDEND: _, i = sleb(i)
        tgt = target(t, idx)
        if tgt is None: continue
        if is_code:
            src = ('f', func_at(off))
        elif is_data:
            src = data_sym_at(off)
            if src is None: continue
            src = ('d', src) if not isinstance(src, tuple) else ('seg', src[1])
        else:
            continue
        edges[src].add(tgt)
names = {}
s0, e0 = customs['name']; i = s0
while i < e0:
    sub = b[i]; i += 1; size, i = uleb(i); nxt = i + size
    if sub == 1:
        n, i = uleb(i)
        for _ in range(n):
            idx, i = uleb(i); l, i = uleb(i); names[idx] = b[i:i+l].decode('utf8', 'replace'); i += l
    i = nxt
def reach(roots):
    seen = set(); stack = list(roots)
    while stack:
        x = stack.pop()
        if x in seen: continue
        seen.add(x); stack.extend(edges.get(x, ()))
    return seen
split = [k for k in exports if k.startswith('__wasm_split')]
main_roots = [('f', v) for k, v in exports.items() if k not in split and not k.startswith('__wbindgen_describe')]
# the start function and element segments are main's too
entry_roots = [('f', v) for k, v in exports.items() if re.search(entry_pat, k)]
R_main = reach(main_roots); R_e = reach(entry_roots)
only = [x[1] for x in R_e - R_main if x[0] == 'f']
print('main funcs', sum(1 for x in R_main if x[0] == 'f'), 'bytes', sum(sizes.get(x[1], 0) for x in R_main if x[0] == 'f'))
print('entry-only funcs', len(only), 'bytes', sum(sizes.get(f, 0) for f in only))
def clean(nm):
    nm = re.sub(r'17h[0-9a-f]{16}E$', '', nm)
    nm = nm.replace('$LT$', '<').replace('$GT$', '>').replace('$u20$', ' ').replace('..', '::').replace('$RF$', '&').replace('$C$', ',').replace('$u7b$', '{').replace('$u7d$', '}').replace('$BP$','*')
    nm = re.sub(r'_ZN\d+', '', nm); nm = re.sub(r'(?<=[a-z_>])\d+(?=[a-z_<])', '::', nm)
    return nm
rows = sorted(((sizes.get(f, 0), clean(names.get(f, str(f)))) for f in only), reverse=True)
for s, nm in rows[:top]: print(s, nm[:170])
g = collections.Counter()
for f in only:
    nm = clean(names.get(f, '?'))
    key = 'impact_tree' if 'impact_tree' in nm else ('serde' if 'serde' in nm else ('core/alloc' if re.match(r'^[<&]*(core|alloc|std)', nm) else nm.split('::')[0][:30]))
    g[key] += sizes.get(f, 0)
print('--- groups'); [print(v, k) for k, v in g.most_common(15)]
if len(sys.argv) > 4:
    pat = sys.argv[4]
    rev = collections.defaultdict(set)
    for s_, ts in edges.items():
        for t in ts: rev[t].add(s_)
    for s, f in sorted(((sizes.get(f, 0), f) for f in only), reverse=True):
        nm = clean(names.get(f, ''))
        if re.search(pat, nm):
            callers = [clean(names.get(c[1], str(c))) [:110] for c in rev[('f', f)] if c[0] == 'f']
            print(s, nm[:80], '<-', callers[:4])
