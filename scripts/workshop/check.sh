#!/bin/sh
# `npm run workshop:check`, first part: the two checks that must pass before any TypeScript
# can run (Node's version, and node_modules, which holds tsx). Then check.ts does the rest.
cd "$(dirname "$0")/../.."

if ! command -v node >/dev/null 2>&1; then
  echo "✗ Node.js          not found; fix: install Node 20.19 or later (https://nodejs.org/en/download)"
  exit 1
fi
if ! node -e 'const [major, minor] = process.versions.node.split(".").map(Number); process.exit(major > 20 || (major === 20 && minor >= 19) ? 0 : 1)'; then
  echo "✗ Node.js          $(node --version) is too old, hardq needs 20.19 or later; fix: install a newer Node (https://nodejs.org/en/download, or nvm install 22)"
  exit 1
fi
if [ ! -f node_modules/tsx/package.json ] || [ ! -f node_modules/ioredis/package.json ]; then
  echo "✓ Node.js          $(node --version)"
  echo "✗ node_modules     not installed; fix: npm ci   (then run npm run workshop:check again)"
  exit 1
fi
exec node --conditions=source --import tsx scripts/workshop/check.ts "$@"
