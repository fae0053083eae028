# Shared set-up for scripts/dev.sh and scripts/test.sh. Every step checks before it installs,
# so a second run installs nothing and says so.
# shellcheck shell=bash

set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"

export PATH="$HOME/.cargo/bin:$PATH"
# Tools from npm live outside the clone so fresh clones (CI) reuse them.
TOOLS_DIR="${IMPACT_TREE_TOOLS_DIR:-$HOME/.cache/impact-tree/tools}"

CARGO_LEPTOS_VERSION="0.3.10"
SQLX_CLI_VERSION="0.8.6"
BINARYEN_VERSION="132"
DEFAULT_DATABASE_URL="postgres://postgres@127.0.0.1:5432/impact_tree"

SCRIPT_STARTED=$(date +%s)

log() { printf '%s\n' "$*"; }
note() { printf '    %s\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# phase NAME COMMAND...: runs one step, printing its name and how long it took.
phase() {
  local name="$1"; shift
  local started
  started=$(date +%s)
  log "==> $name"
  "$@"
  log "<== $name ($(( $(date +%s) - started ))s)"
}

finish() {
  log "all done in $(( $(date +%s) - SCRIPT_STARTED ))s"
}

is_root() { [ "$(id -u)" = "0" ]; }

APT_UPDATED=0
apt_install() {
  is_root || die "need root to install Debian packages: $*  (or install them yourself and re-run)"
  command -v apt-get >/dev/null || die "apt-get not found; install these yourself: $*"
  if [ "$APT_UPDATED" = 0 ]; then
    note "apt-get update"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    APT_UPDATED=1
  fi
  note "installing Debian packages: $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# --- Rust toolchain and cargo tools -------------------------------------------------------

ensure_rust() {
  command -v cargo >/dev/null || die "cargo not found: install Rust with rustup first"
  note "$(rustc --version)"
}

ensure_wasm_target() {
  if rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    note "wasm32-unknown-unknown target: present"
  else
    note "installing the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
}

ensure_cargo_leptos() {
  local have
  have=$(cargo leptos --version 2>/dev/null | awk '{print $2}' || true)
  if [ "$have" = "$CARGO_LEPTOS_VERSION" ]; then
    note "cargo-leptos $have: present"
  else
    note "installing cargo-leptos $CARGO_LEPTOS_VERSION (found: ${have:-none}); this takes ~13 minutes once"
    cargo install --locked "cargo-leptos@$CARGO_LEPTOS_VERSION" --features no_downloads
  fi
}

lockfile_version() {
  # The version of package $1 in Cargo.lock.
  awk -v name="$1" '
    $0 == "name = \"" name "\"" { found = 1; next }
    found && /^version = / { gsub(/"/, "", $3); print $3; exit }
  ' Cargo.lock
}

ensure_wasm_bindgen() {
  local want have
  want=$(lockfile_version wasm-bindgen)
  [ -n "$want" ] || die "wasm-bindgen not found in Cargo.lock"
  have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
  if [ "$have" = "$want" ]; then
    note "wasm-bindgen-cli $have (= Cargo.lock): present"
  else
    note "installing wasm-bindgen-cli $want to match Cargo.lock (found: ${have:-none})"
    # Without --locked: the registry lacks one of its pinned dependencies.
    cargo install --force wasm-bindgen-cli --version "$want"
  fi
}

ensure_wasm_opt() {
  if [ -x "$TOOLS_DIR/node_modules/.bin/wasm-opt" ] &&
     "$TOOLS_DIR/node_modules/.bin/wasm-opt" --version 2>/dev/null | grep -q "version $BINARYEN_VERSION"; then
    note "wasm-opt (binaryen $BINARYEN_VERSION): present"
  else
    command -v npm >/dev/null || die "npm not found: install Node.js (Debian: nodejs npm)"
    note "installing wasm-opt from npm binaryen@$BINARYEN_VERSION into $TOOLS_DIR"
    mkdir -p "$TOOLS_DIR"
    (cd "$TOOLS_DIR" && npm install --no-audit --no-fund --silent "binaryen@$BINARYEN_VERSION" >/dev/null)
  fi
  export PATH="$TOOLS_DIR/node_modules/.bin:$PATH"
}

ensure_sqlx_cli() {
  local have
  have=$(cargo sqlx --version 2>/dev/null | awk '{print $2}' || true)
  if [ "$have" = "$SQLX_CLI_VERSION" ]; then
    note "sqlx-cli $have: present"
  else
    note "installing sqlx-cli $SQLX_CLI_VERSION (found: ${have:-none})"
    cargo install --locked "sqlx-cli@$SQLX_CLI_VERSION" --no-default-features --features postgres,rustls
  fi
}

ensure_build_tools() {
  ensure_rust
  ensure_wasm_target
  ensure_cargo_leptos
  ensure_wasm_bindgen
}

# --- PostgreSQL ------------------------------------------------------------------------------

# Splits $DATABASE_URL into PG_HOST, PG_PORT, PG_DB and PG_ADMIN_URL (same server, db postgres).
parse_database_url() {
  local url="$1"
  local re='^(postgres|postgresql)://([^@/]*@)?(\[[^]]+\]|[^:/?]+)(:([0-9]+))?/([^?]+)(\?.*)?$'
  [[ "$url" =~ $re ]] || die "DATABASE_URL must look like postgres://user@host:5432/dbname, got: $url"
  PG_HOST="${BASH_REMATCH[3]}"
  PG_PORT="${BASH_REMATCH[5]:-5432}"
  PG_DB="${BASH_REMATCH[6]}"
  PG_ADMIN_URL="${BASH_REMATCH[1]}://${BASH_REMATCH[2]}${PG_HOST}:${PG_PORT}/postgres${BASH_REMATCH[7]}"
}

pg_answers() {
  pg_isready -q -h "$PG_HOST" -p "$PG_PORT" -t 2 >/dev/null 2>&1
}

is_local_host() {
  case "$1" in 127.0.0.1|localhost|::1|\[::1\]) return 0 ;; *) return 1 ;; esac
}

start_local_clusters() {
  command -v pg_lsclusters >/dev/null || return 1
  local version cluster
  while read -r version cluster _; do
    [ -n "$version" ] || continue
    note "starting PostgreSQL cluster $version/$cluster"
    if is_root; then
      pg_ctlcluster --skip-systemctl-redirect "$version" "$cluster" start || true
    else
      pg_ctlcluster "$version" "$cluster" start || true
    fi
  done < <(pg_lsclusters -h 2>/dev/null | awk '$4 != "online" {print $1, $2}')
}

install_postgres() {
  apt_install postgresql postgresql-client
  # A fresh Debian cluster asks for passwords over TCP; the app's default URL has none. Trust
  # loopback connections, as the project's machines do. Development machines only.
  local hba
  for hba in /etc/postgresql/*/main/pg_hba.conf; do
    if ! grep -q "impact-tree: trust loopback" "$hba"; then
      note "allowing trusted loopback connections in $hba"
      sed -i '1i # impact-tree: trust loopback\nhost all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
    fi
  done
}

wait_for_postgres() {
  local i
  for i in $(seq 1 30); do
    pg_answers && return 0
    sleep 1
  done
  return 1
}

# ensure_postgres: a server answers at $DATABASE_URL and its database exists.
ensure_postgres() {
  export DATABASE_URL="${DATABASE_URL:-$DEFAULT_DATABASE_URL}"
  parse_database_url "$DATABASE_URL"
  if ! command -v pg_isready >/dev/null || ! command -v psql >/dev/null; then
    if is_local_host "$PG_HOST" && ! command -v pg_lsclusters >/dev/null; then
      install_postgres
    else
      apt_install postgresql-client
    fi
  fi
  if pg_answers; then
    note "PostgreSQL at $PG_HOST:$PG_PORT: answering"
  else
    is_local_host "$PG_HOST" || die "PostgreSQL at $PG_HOST:$PG_PORT does not answer (and it is not local, so not ours to start)"
    if ! command -v pg_lsclusters >/dev/null || [ -z "$(pg_lsclusters -h 2>/dev/null)" ]; then
      install_postgres
    fi
    start_local_clusters || true
    wait_for_postgres || die "PostgreSQL at $PG_HOST:$PG_PORT did not come up"
    note "PostgreSQL at $PG_HOST:$PG_PORT: started"
  fi
  ensure_database "$PG_DB"
}

# ensure_database NAME: creates the database NAME on the server of $PG_ADMIN_URL if missing.
ensure_database() {
  local name="$1"
  if [ "$(psql "$PG_ADMIN_URL" -XAtq -c "SELECT 1 FROM pg_database WHERE datname = '$name'")" = "1" ]; then
    note "database $name: present"
  else
    note "creating database $name"
    psql "$PG_ADMIN_URL" -Xq -c "CREATE DATABASE \"$name\""
  fi
}

# recreate_database NAME: an empty database NAME (for runs that must start clean).
recreate_database() {
  local name="$1"
  psql "$PG_ADMIN_URL" -Xq -c "DROP DATABASE IF EXISTS \"$name\" WITH (FORCE)"
  psql "$PG_ADMIN_URL" -Xq -c "CREATE DATABASE \"$name\""
  note "database $name: created empty"
}

# --- Browser tests -------------------------------------------------------------------------

ensure_chromium() {
  if [ -x /usr/bin/chromium ]; then
    note "$(/usr/bin/chromium --version 2>/dev/null | head -1): present"
  else
    apt_install chromium
  fi
}

ensure_e2e_packages() {
  command -v npm >/dev/null || die "npm not found: install Node.js (Debian: nodejs npm)"
  local stamp="end2end/node_modules/.package-lock.json"
  if [ -f "$stamp" ] && cmp -s end2end/package-lock.json "end2end/node_modules/.impact-tree-lock"; then
    note "end2end npm packages: present"
  else
    note "installing end2end npm packages (npm ci)"
    # Never download a browser: we use Debian's Chromium.
    (cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --silent)
    cp end2end/package-lock.json end2end/node_modules/.impact-tree-lock
  fi
}
