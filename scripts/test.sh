#!/usr/bin/env bash
# The test command (npm test): installs what the tests use (Debian packages, npm
# packages), builds, and runs every test. Mounts made by tests are cleaned up
# even if the run is interrupted.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
[ -d node_modules ] || npm ci --no-audit --no-fund
rm -rf dist
npm run build --silent

# Test mounts live under $TMPDIR/memefs-tests (each run may have its own TMPDIR).
root="${TMPDIR:-/tmp}"; root="${root%/}/memefs-tests/"
cleanup() {
  awk -v root="$root" '$3 ~ /^fuse\./ && index($2, root) == 1 {print $2}' /proc/mounts | sort -r | while read -r m; do
    umount -l "$m" 2>/dev/null || true
  done
}
trap cleanup EXIT INT TERM

# The long stress suite (dist/test/stress) runs with `npm run stress`, not here.
node --test --test-concurrency=1 "$@" $(find dist/test -path dist/test/stress -prune -o -name '*.test.js' -print | sort)
