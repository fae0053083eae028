#!/usr/bin/env bash
# Runs every test: formatting, clippy (server and browser builds), the sqlx offline data check,
# unit and integration tests against PostgreSQL, a release build, and the Playwright suite in
# Chromium against the release server. Installs whatever is missing first.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

tools() {
  ensure_build_tools
  ensure_wasm_opt
  ensure_sqlx_cli
}

browser() {
  ensure_chromium
  ensure_e2e_packages
}

database() {
  # Integration tests make a fresh database per test from this server (sqlx::test).
  export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/impact_tree_test}"
  ensure_postgres
  # The database the sqlx offline-data check compiles against: made afresh from this
  # checkout's migrations, so no other checkout's schema can leak into the check.
  SQLX_CHECK_URL="${PG_ADMIN_URL%/postgres*}/${PG_DB}_sqlx_check"
  recreate_database "${PG_DB}_sqlx_check"
  DATABASE_URL="$SQLX_CHECK_URL" cargo sqlx migrate run --source migrations >/dev/null
  note "migrations applied to ${PG_DB}_sqlx_check"
}

fmt() { cargo fmt --all -- --check; }
clippy_ssr() { cargo clippy --features ssr --all-targets -- -D warnings; }
clippy_hydrate() { cargo clippy --features hydrate --target wasm32-unknown-unknown --lib -- -D warnings; }
sqlx_check() { DATABASE_URL="$SQLX_CHECK_URL" cargo sqlx prepare --check -- --all-targets --features ssr; }
cargo_tests() { cargo test --features ssr; }
release_build() { cargo leptos build --release --precompress; }

# The hydrate bundle's size on the wire may only shrink. The target is 200 KiB brotli
# (BENCHMARKS.md); this ceiling is where it stands now, lowered as it gets there.
WASM_BROTLI_CEILING_KIB=575
wasm_size() {
  local br="target/site/pkg/impact-tree.wasm.br" bytes
  [ -f "$br" ] || die "$br is missing (built without --precompress?)"
  bytes=$(stat -c %s "$br")
  note "impact-tree.wasm: $(( $(stat -c %s target/site/pkg/impact-tree.wasm) / 1024 )) KiB raw, $(( bytes / 1024 )) KiB brotli (ceiling ${WASM_BROTLI_CEILING_KIB} KiB, target 200 KiB)"
  [ "$bytes" -le $(( WASM_BROTLI_CEILING_KIB * 1024 )) ] ||
    die "the WASM grew past its ceiling: $(( bytes / 1024 )) KiB brotli > ${WASM_BROTLI_CEILING_KIB} KiB"
}

end2end() {
  local e2e_db="${PG_DB}_e2e"
  recreate_database "$e2e_db"
  export E2E_DATABASE_URL="${PG_ADMIN_URL%/postgres*}/${e2e_db}"
  (cd end2end && npx playwright test)
}

phase "tools" tools
phase "browser and npm packages" browser
phase "database" database
phase "cargo fmt --check" fmt
phase "clippy (ssr)" clippy_ssr
phase "clippy (hydrate, wasm32)" clippy_hydrate
phase "sqlx offline data is current" sqlx_check
phase "unit and integration tests" cargo_tests
phase "release build (cargo leptos build --release --precompress)" release_build
phase "WASM size budget" wasm_size
phase "Playwright end-to-end tests (Chromium)" end2end
finish
