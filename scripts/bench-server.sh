# What scripts/bench.sh and scripts/compare-share.sh share: a release server started as the
# bench runs it, a seeded account's log-in, and server-function calls from the shell. Sourced
# after lib.sh; ORIGIN is the server that `login` and `api` talk to.

# The password `seed-demo` gives the accounts it makes (server::admin::SEED_PASSWORD).
SEED_PASSWORD="bench-impact-tree"

# launch_server BINARY PORT LOG DATABASE_URL SHARE_PAGE_CACHE: BINARY serving on PORT in the
# background as the bench runs it (production, warnings only, log-ins not rate limited, under
# $SERVER_WRAPPER if set); its pid in LAUNCHED_PID.
launch_server() {
  local origin="http://127.0.0.1:$2"
  # Anything already on the port would answer the readiness check and every case after it
  # (the logins then fail against its database, or worse, its figures are taken for ours).
  if curl -s -o /dev/null --max-time 2 "$origin/readyz"; then
    die "something already answers on $origin: stop it, or give the script another port"
  fi
  DATABASE_URL="$4" LEPTOS_SITE_ADDR="127.0.0.1:$2" LEPTOS_SITE_ROOT=target/site LEPTOS_ENV=production \
    IMPACT_TREE_PUBLIC_ORIGIN="$origin" IMPACT_TREE_COOKIE_SECURE=false IMPACT_TREE_RATE_LIMIT_LOGIN_PER_IP=1000 \
    IMPACT_TREE_SHARE_PAGE_CACHE="$5" RUST_LOG=warn ${SERVER_WRAPPER:-} "$1" serve >"$3" 2>&1 &
  LAUNCHED_PID=$!
}

# wait_ready PID PORT LOG TRIES: waits until the server answers its readiness check (TRIES
# times 0.2 s); stops the script with the server's log if it exits or never answers.
wait_ready() {
  local i
  for i in $(seq 1 "$4"); do
    kill -0 "$1" 2>/dev/null || break
    curl -fsS "http://127.0.0.1:$2/readyz" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  cat "$3" >&2
  die "the server on port $2 did not become ready"
}

# login PREFIX: prints the session cookie (name=value) of the seeded account PREFIX-1.
login() {
  local jar
  jar=$(mktemp)
  curl -fsS -o /dev/null -c "$jar" -H "Origin: $ORIGIN" -H 'Accept: application/json' \
    --data-urlencode "email=$1-1@impact-tree.test" --data-urlencode "password=$SEED_PASSWORD" "$ORIGIN/api/log_in"
  # HttpOnly cookies are written as "#HttpOnly_<domain> ..." lines.
  awk '{ sub(/^#HttpOnly_/, "") } !/^#/ && NF >= 7 {print $6 "=" $7}' "$jar" | tail -1
  rm -f "$jar"
}

# api COOKIE ENDPOINT FORM: a server-function call, its JSON on stdout.
api() {
  curl -fsS -H "Origin: $ORIGIN" -H 'Accept: application/json' -H "Cookie: $1" --data "$3" "$ORIGIN/api/$2"
}

# json EXPRESSION: the JSON on stdin given to a JavaScript function, its result printed.
json() { node -e "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>{const v=JSON.parse(s);console.log(($1)(v))})"; }
