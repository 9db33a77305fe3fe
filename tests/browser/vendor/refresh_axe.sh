#!/usr/bin/env bash
# Re-vendor axe-core from the npm registry (run by hand; tests never fetch it).
#   tests/browser/vendor/refresh_axe.sh            (latest 4.x)
#   tests/browser/vendor/refresh_axe.sh 4.14.1     (an exact version)
# Writes axe.min.js, its licences, and the version + sha256 into README.md.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
spec="axe-core@${1:-4}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
tarball="$(npm pack --silent "$spec")"
tar -xzf "$tarball"
cp package/axe.min.js package/LICENSE package/LICENSE-3RD-PARTY.txt "$here/"
version="$(node -p 'require("./package/package.json").version')"
sha="$(sha256sum "$here/axe.min.js" | cut -d' ' -f1)"
sed -i -E "s/^- version: .*/- version: $version/; s/^- sha256 of axe.min.js: .*/- sha256 of axe.min.js: $sha/" \
    "$here/README.md"
echo "axe-core $version, sha256 $sha"
