-- wrk script: each thread renames its own node again and again through update_node, carrying
-- the version the previous answer returned (as the editor does), so no write is a conflict.
-- Run with as many threads as connections (-t N -c N): one connection per thread keeps each
-- thread's requests in order. Environment: BENCH_TREE, BENCH_NODES (comma-separated
-- "id:type" pairs, two per thread: the warm-up run, BENCH_OUT=/dev/null, edits the second half,
-- so the measured run starts every node at version 1 and never meets a conflict),
-- BENCH_COOKIE, BENCH_ORIGIN, BENCH_OUT.
local next_thread = 0
local all = {}
for id in string.gmatch(os.getenv("BENCH_NODES"), "[^,]+") do table.insert(all, id) end
local half = math.floor(#all / 2)
local offset = (os.getenv("BENCH_OUT") == "/dev/null") and half or 0
local nodes = {}
for i = 1, half do nodes[i] = all[i + offset] end

function setup(thread)
  next_thread = next_thread + 1
  local id, node_type = string.match(nodes[next_thread], "([^:]+):(.+)")
  thread:set("node", id)
  thread:set("node_type", node_type)
  thread:set("tree", os.getenv("BENCH_TREE"))
end

wrk.method = "POST"
wrk.path = "/api/update_node"
wrk.headers["Origin"] = os.getenv("BENCH_ORIGIN")
wrk.headers["Cookie"] = os.getenv("BENCH_COOKIE")
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json"

version = 1
count = 0

function request()
  count = count + 1
  local body = string.format(
    '{"tree_id":%s,"node_id":"%s","version":%d,"node":{"node_type":"%s","title":"Benchmark edit %d"}}',
    tree, node, version, node_type, count)
  return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
  -- The saved node, or a conflict carrying the current one: either way, its version.
  local v = string.match(body, '"version":(%d+)')
  if v then version = tonumber(v) end
end

dofile(os.getenv("BENCH_LUA_DIR") .. "/report.lua")
