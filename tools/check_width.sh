#!/usr/bin/env bash
# rustfmt leaves a statement exactly as written when it cannot fit it in 100 columns (a long string
# literal, a macro it does not format), so `cargo fmt --check` passes over badly formatted blocks.
# This finds them: code lines (not comments) over 100 columns in the Rust sources git knows of (tracked or new, not ignored).
set -euo pipefail
cd "$(dirname "$0")/.."
long=$(git ls-files --cached --others --exclude-standard '*.rs' | while read -r f; do [ -f "$f" ] && echo "$f"; done | xargs awk 'length > 100 && $0 !~ /^[[:space:]]*\/\// { print FILENAME ":" FNR ": " length " columns" }')
if [ -n "$long" ]; then
  echo "Rust code lines over 100 columns (rustfmt does not format these; split the string or the macro):"
  echo "$long"
  exit 1
fi
