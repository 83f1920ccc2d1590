#!/usr/bin/env bash
# The test command: installs what the tests use, builds, runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
[ -d node_modules ] || npm ci --no-audit --no-fund
npm run build
node --test --test-concurrency=1 "$@" $(find dist/test -name '*.test.js' | sort)
