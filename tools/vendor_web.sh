#!/usr/bin/env bash
# Regenerates crates/server/web/vendor/fluent-bundle.js from the npm registry and checks it byte for
# byte against the sha256 recorded in crates/server/web/vendor/README.md.
# Usage: tools/vendor_web.sh [--check]   (--check compares with the file in the tree, changes nothing)
set -euo pipefail
cd "$(dirname "$0")/.."
PACKAGE=@fluent/bundle@0.19.1
SHA256=08fc26d9b0d7e43c8c96eeb4757a94cc48ce2b4c36b5547ebc415dc7dc94f39c
DEST=crates/server/web/vendor/fluent-bundle.js

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "$PACKAGE" >/dev/null && tar xzf ./*.tgz)
got=$(sha256sum "$work/package/index.js" | cut -d' ' -f1)
if [ "$got" != "$SHA256" ]; then
  echo "$PACKAGE index.js has sha256 $got, expected $SHA256" >&2
  exit 1
fi
if [ "${1:-}" = "--check" ]; then
  cmp "$work/package/index.js" "$DEST" && echo "$DEST matches $PACKAGE"
else
  cp "$work/package/index.js" "$DEST"
  echo "$DEST <- $PACKAGE ($SHA256)"
fi
