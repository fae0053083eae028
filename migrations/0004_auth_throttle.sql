-- Log-in and sign-up attempt counters, one row per key ("login-ip:203.0.113.9",
-- "login-account:ada@example.com", ...) and fixed window. In PostgreSQL rather than in a
-- server's memory so that every server process behind a load balancer shares the limits.
-- UNLOGGED: counters are cheap to lose in a crash and should not cost WAL.
CREATE UNLOGGED TABLE IF NOT EXISTS auth_throttle (
  key text PRIMARY KEY,
  window_started_at timestamptz NOT NULL,
  attempts integer NOT NULL
);
CREATE INDEX IF NOT EXISTS idx_auth_throttle_window ON auth_throttle (window_started_at);
