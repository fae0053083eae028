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
# --split: the islands (the editor, the share canvas, the import form, the status line) are lazy,
# WebAssembly chunks of their own, so the other pages do not load their code.
release_build() { cargo leptos build --release --split --precompress; }

# The hydrate bundle's size on the wire may only shrink. The target is 200 KB brotli
# (BENCHMARKS.md); these ceilings are where it stands now, lowered as it gets there: the
# module every page loads, and each page's (that module and its lazy chunks). The share
# page's lazy chunks (folding and search, export) cut it 234 -> 174 KiB; the dashboard,
# rendered on the server with only its import form an island, 277 -> 182 KiB. The editor's
# page was the one over the target (395 KiB as an island, 370 at its smallest); its plain
# client (`ui::editor::plain`: no Leptos views or signals, server functions called through
# `ui::fetch`, what it shows rendered ahead by the server) took it to 187 KiB, and the
# island's removal took 3-10 KiB off every other page (BENCHMARKS.md, thirty-ninth session).
# The editor's ceiling is the target itself: 200 KB = 195 KiB.
WASM_BROTLI_CEILING_KIB=72
WASM_EDITOR_PAGE_BROTLI_CEILING_KIB=195
WASM_PAGE_BROTLI_CEILING_KIB=178
WASM_SHARE_PAGE_BROTLI_CEILING_KIB=166
wasm_size() {
  local pkg="target/site/pkg"
  [ -f "$pkg/impact-tree.wasm.br" ] || die "$pkg/impact-tree.wasm.br is missing (built without --precompress?)"
  [ -f "$pkg/__wasm_split_manifest.json" ] || die "$pkg/__wasm_split_manifest.json is missing (built without --split?)"
  node -e '
    const fs = require("fs"), [pkg, first, page, share, editor] = process.argv.slice(1);
    const kib = (f) => fs.statSync(`${pkg}/${f}.wasm.br`).size / 1024;
    const main = kib("impact-tree");
    let bad = main > first;
    console.log(`impact-tree.wasm: ${main.toFixed(0)} KiB brotli (ceiling ${first} KiB, target 200 KiB)`);
    for (const [route, chunks] of Object.entries(JSON.parse(fs.readFileSync(`${pkg}/__wasm_split_manifest.json`)))) {
      const total = main + chunks.reduce((a, c) => a + kib(c), 0);
      const ceiling = route.startsWith("shared_canvas_loader") ? share
        : route.startsWith("start_plain_editor") ? editor : page;
      console.log(`${route}: ${total.toFixed(0)} KiB brotli with its ${chunks.length} chunks (ceiling ${ceiling} KiB)`);
      bad ||= total > ceiling;
    }
    if (bad) { console.error("the WASM grew past its ceiling"); process.exit(1); }
  ' "$pkg" "$WASM_BROTLI_CEILING_KIB" "$WASM_PAGE_BROTLI_CEILING_KIB" "$WASM_SHARE_PAGE_BROTLI_CEILING_KIB" \
    "$WASM_EDITOR_PAGE_BROTLI_CEILING_KIB"
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
phase "release build (cargo leptos build --release --split --precompress)" release_build
phase "WASM size budget" wasm_size
phase "Playwright end-to-end tests (Chromium)" end2end
finish
