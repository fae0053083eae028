#!/usr/bin/env bash
# Runs Impact Tree on http://127.0.0.1:3000 with live reload, installing whatever is missing
# first. Uses $DATABASE_URL, or postgres://postgres@127.0.0.1:5432/impact_tree.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

phase "build tools" ensure_build_tools
phase "database" ensure_postgres
# A release build leaves .br/.gz copies of the bundle, which the server prefers: stale next to
# the development bundle.
if [ -d target/site ]; then
  find target/site \( -name '*.br' -o -name '*.gz' \) -delete
fi
finish
log "==> serving on http://127.0.0.1:3000 with live reload (Ctrl+C stops)"
exec cargo leptos watch --split
