-- wrk script for one request repeated: a server-function call (POST) or a page (GET).
-- Environment: BENCH_METHOD (POST/GET), BENCH_BODY, BENCH_CONTENT_TYPE, BENCH_COOKIE,
-- BENCH_ORIGIN, BENCH_ACCEPT_ENCODING, BENCH_OUT (JSON figures are written there).
wrk.method = os.getenv("BENCH_METHOD") or "POST"
wrk.body = os.getenv("BENCH_BODY")
wrk.headers["Origin"] = os.getenv("BENCH_ORIGIN")
wrk.headers["Accept"] = (wrk.method == "GET") and "text/html" or "application/json"
if os.getenv("BENCH_CONTENT_TYPE") then wrk.headers["Content-Type"] = os.getenv("BENCH_CONTENT_TYPE") end
if os.getenv("BENCH_COOKIE") then wrk.headers["Cookie"] = os.getenv("BENCH_COOKIE") end
if os.getenv("BENCH_ACCEPT_ENCODING") then wrk.headers["Accept-Encoding"] = os.getenv("BENCH_ACCEPT_ENCODING") end

dofile(os.getenv("BENCH_LUA_DIR") .. "/report.lua")
