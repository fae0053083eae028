#!/usr/bin/env bash
# Runs the reliability scenarios against the release server binary, one at a time so their
# figures are not disturbed by each other, including the one the test suite leaves out: a
# restart of PostgreSQL itself under load. Then rewrites the figures in RELIABILITY.md.
#
#   ./scripts/reliability.sh
#
# The restart needs control of the local PostgreSQL server: found with pg_lsclusters (Debian),
# or given as shell commands in IMPACT_TREE_PG_STOP and IMPACT_TREE_PG_START.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/impact_tree_test}"
FIGURES_DIR="target/tmp/reliability"

tools() { ensure_build_tools; ensure_wasm_opt; }

database() { ensure_postgres; }

release_build() { cargo leptos build --release --split --precompress; }

# Finds the local cluster listening on $PG_PORT and sets the stop/start commands for it.
restart_commands() {
  if [ -n "${IMPACT_TREE_PG_STOP:-}" ] && [ -n "${IMPACT_TREE_PG_START:-}" ]; then
    note "PostgreSQL restart: the given IMPACT_TREE_PG_STOP / IMPACT_TREE_PG_START"
    return 0
  fi
  is_local_host "$PG_HOST" || { note "PostgreSQL at $PG_HOST is not local: no restart scenario"; return 1; }
  command -v pg_lsclusters >/dev/null || { note "no pg_lsclusters: set IMPACT_TREE_PG_STOP/START to run the restart scenario"; return 1; }
  local version cluster
  read -r version cluster < <(pg_lsclusters -h | awk -v port="$PG_PORT" '$3 == port {print $1, $2; exit}')
  [ -n "${version:-}" ] || { note "no local cluster on port $PG_PORT"; return 1; }
  local redirect=""
  is_root && redirect="--skip-systemctl-redirect"
  export IMPACT_TREE_PG_STOP="pg_ctlcluster $redirect $version $cluster stop -m fast"
  export IMPACT_TREE_PG_START="pg_ctlcluster $redirect $version $cluster start"
  note "PostgreSQL restart: cluster $version/$cluster"
}

scenarios() {
  rm -rf "$FIGURES_DIR"
  export IMPACT_TREE_SERVER_BIN="$REPO_ROOT/target/release/impact-tree"
  [ -x "$IMPACT_TREE_SERVER_BIN" ] || die "no release binary at $IMPACT_TREE_SERVER_BIN"
  # One at a time: each scenario's load has the machine to itself.
  cargo test --features ssr --test reliability -- --test-threads=1
  if restart_commands; then
    cargo test --features ssr --test reliability -- --ignored --exact \
      a_postgresql_restart_under_load_is_503_then_recovers_losing_nothing
    wait_for_postgres || die "PostgreSQL did not come back after the restart scenario"
  else
    RESTART_SKIPPED=1
  fi
  cargo test --features ssr --test escaping --test fuzz --test backup --test two_processes --test shutdown \
    -- --test-threads=1
}

write_figures() {
  local out="RELIABILITY.md" tmp
  [ -f "$out" ] || die "$out is missing"
  tmp=$(mktemp)
  {
    echo "<!-- figures:start (written by scripts/reliability.sh; edits here are overwritten) -->"
    echo "Last run: $(date -u +%Y-%m-%d), commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src tests || echo ' (with uncommitted changes)'),"
    echo "$(nproc) cores, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo), $(psql "$PG_ADMIN_URL" -XAtq -c 'SHOW server_version' | cut -d' ' -f1) PostgreSQL."
    echo
    echo "| scenario | load held | faults injected | requests failed during the fault | time to recover | acknowledged writes | writes lost |"
    echo "| --- | --- | --- | --- | --- | --- | --- |"
    cat "$FIGURES_DIR"/*.md
    if [ "${RESTART_SKIPPED:-0}" = 1 ]; then
      echo "| PostgreSQL restarted | not run: no control of the PostgreSQL server here | | | | | |"
    fi
    echo
    if [ -f "$FIGURES_DIR/oversized-bodies.txt" ]; then
      echo "Oversized bodies: $(cat "$FIGURES_DIR/oversized-bodies.txt")"
      echo
    fi
    echo "<!-- figures:end -->"
  } >"$tmp"
  awk -v figures="$tmp" '
    /<!-- figures:start/ { while ((getline line < figures) > 0) print line; skip = 1; next }
    /<!-- figures:end -->/ { skip = 0; next }
    !skip { print }
  ' "$out" >"$out.new"
  mv "$out.new" "$out"
  rm -f "$tmp"
  note "figures written to $out"
}

phase "tools" tools
phase "database" database
phase "release build (cargo leptos build --release --split --precompress)" release_build
phase "reliability scenarios" scenarios
phase "RELIABILITY.md" write_figures
finish
