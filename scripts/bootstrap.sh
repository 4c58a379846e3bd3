#!/bin/sh
# The first step of `npm test` and `npm run demo` on a fresh machine. It needs nothing
# from node_modules: it installs what is missing (npm ci; Debian's redis-server and
# python3-redis when root, else it prints the one command to run), then hands over.
#   sh scripts/bootstrap.sh test|test-long [node --test flags...]
#   sh scripts/bootstrap.sh tsx <script.ts> [args...]
set -e
cd "$(dirname "$0")/.."

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "bootstrap: installing node modules (npm ci)" >&2
  npm ci --no-audit --no-fund >&2
fi

need_apt=""
# Tests and the demo always start their own redis-server (the demo ignores REDIS_URL, so it
# never touches a workshop's Redis); other scripts can use yours through REDIS_URL.
if [ "$1" = test ] || [ "$1" = test-long ] || [ "$2" = scripts/demo.ts ] || [ -z "${REDIS_URL:-}" ]; then
  command -v redis-server >/dev/null 2>&1 || need_apt="redis-server"
fi
if [ "$1" = test ] && ! /usr/bin/python3 -c 'import redis' >/dev/null 2>&1; then
  need_apt="$need_apt python3-redis"
fi
# The workshop's Django variant (npm run workshop:offload -- --django, and its test) runs
# Debian's python3-django.
case " $* " in *" --django "*) wants_django=yes ;; esac
if { [ "$1" = test ] || [ -n "${wants_django:-}" ]; } && ! /usr/bin/python3 -c 'import django' >/dev/null 2>&1; then
  need_apt="$need_apt python3-django"
fi
# The monitor's browser tests drive Debian's chromium (playwright-core never downloads one).
if [ "$1" = test ] && ! command -v chromium >/dev/null 2>&1; then
  need_apt="$need_apt chromium"
fi
if [ -n "$need_apt" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "bootstrap: installing$need_apt with apt-get" >&2
    (apt-get install -y -qq $need_apt || (apt-get update -qq && apt-get install -y -qq $need_apt)) >&2
  else
    echo "hardq needs$need_apt; install it with: sudo apt-get install -y$need_apt" >&2
    exit 2
  fi
fi

# In-repo code imports hardq by its own name; the "source" export condition resolves that to
# index.ts, never to a dist/ that may be stale. NODE_OPTIONS carries it to every child
# process the tests, chaos and bench spawn with `node --import tsx`.
export NODE_OPTIONS="--conditions=source${NODE_OPTIONS:+ $NODE_OPTIONS}"

case "$1" in
  test)
    shift
    # The shell expands the glob: Node 20 does not. Two files at a time: the tests mostly
    # wait on redis-servers, workers and a browser, so on 2 cores this halves the wall time
    # (8 min 05 s at one file at a time, 4 min 13 s at two, same 492 tests, 0 failures).
    # --test-force-exit: a failing test that leaves a client reconnecting to a stopped server
    # must fail its file, not hang it until CI's limit (acl.test.ts hung 16 min that way).
    exec node --conditions=source --import tsx --test --test-force-exit --test-concurrency=2 "$@" tests/*.test.ts
    ;;
  test-long)
    shift
    # Long checks (many signal rounds, beat kill runs): npm run test:long, after npm test.
    exec node --conditions=source --import tsx --test --test-force-exit "$@" tests/long/*.test.ts
    ;;
  tsx)
    shift
    exec node --conditions=source --import tsx "$@"
    ;;
  *)
    echo "usage: sh scripts/bootstrap.sh test|test-long|tsx ..." >&2
    exit 2
    ;;
esac
