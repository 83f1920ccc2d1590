#!/usr/bin/env bash
# Fetches Node 20's own fs tests (test/parallel/test-fs-*, test/common,
# test/fixtures) from Debian's nodejs 20 source package, for
# test/node/node-suite.test.ts. Nothing of it enters the repository.
#
# Debian 12 ships nodejs 18, so the source comes from the next release's
# (trixie) deb-src on the mirror this machine's apt already uses, through a
# private apt configuration: /etc/apt is left as it is.
#
# Usage: fetch-node-tests.sh DIR — prints the folder holding test/ on success.
set -euo pipefail
dest="${1:?usage: fetch-node-tests.sh DIR}"
suite="trixie"
mkdir -p "$dest"
dest="$(cd "$dest" && pwd)"
found="$(ls -d "$dest"/node-v20.*/test/parallel 2>/dev/null | head -1 || true)"
if [ -n "$found" ]; then dirname "$(dirname "$found")"; exit 0; fi

command -v apt-get >/dev/null || { echo "no apt-get on this machine" >&2; exit 2; }
# The Debian mirror apt already uses (for the main archive and the security one).
mirror="$(apt-get indextargets --format '$(REPO_URI)' 2>/dev/null | grep -v -- '-security' | sort -u | head -1)"
security="$(apt-get indextargets --format '$(REPO_URI)' 2>/dev/null | grep -- '-security' | sort -u | head -1)"
[ -n "$mirror" ] || { echo "apt has no Debian mirror configured" >&2; exit 2; }

apt="$dest/apt"
mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/src"
{
  echo "deb-src ${mirror%/} $suite main"
  [ -z "$security" ] || echo "deb-src ${security%/} $suite-security main"
} > "$apt/sources.list"
opts=(-o "Dir::Etc::SourceList=$apt/sources.list" -o "Dir::Etc::SourceParts=/dev/null"
  -o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt/cache" -o "APT::Get::List-Cleanup=0" -qq)
apt-get "${opts[@]}" update >&2 || { echo "could not read $suite's source lists from the Debian mirror" >&2; exit 2; }
version="$(apt-cache "${opts[@]}" showsrc nodejs | awk '/^Version: 20\./ {print $2; exit}')"
[ -n "$version" ] || { echo "Debian $suite has no nodejs 20 source" >&2; exit 2; }
# Only the upstream tarball is needed (apt checks its hash as it arrives); a
# mirror lacking the Debian packaging files is no reason to stop.
(cd "$apt/src" && apt-get "${opts[@]}" source --download-only "nodejs=$version" >&2) || true
orig="$(ls "$apt"/src/nodejs_*+dfsg.orig.tar.xz 2>/dev/null | head -1 || true)"
[ -n "$orig" ] || { echo "could not download the nodejs $version source" >&2; exit 2; }
top="node-v${version%%+*}"
tar -xJf "$orig" -C "$dest" --wildcards "$top/test/parallel/test-fs-*" "$top/test/common/*" "$top/test/fixtures/*"
rm -rf "$apt"
echo "$dest/$top"
