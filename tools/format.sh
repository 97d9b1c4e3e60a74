#!/usr/bin/env bash
# Format our C++ (cpp/, pyext/, tests/cpp) in place with clang-format and the repository's .clang-format.
#   tools/format.sh            rewrite every file that is not formatted
#   tools/format.sh --check    change nothing; list each unformatted file and exit 1 if there is one
#   tools/format.sh [--check] FILE...   only these files
# CLANG_FORMAT picks the binary (default: clang-format; CI installs Debian's, version 14).
set -euo pipefail
cd "$(dirname "$0")/.."
check=0
if [ "${1:-}" = "--check" ]; then
  check=1
  shift
fi
clang_format="${CLANG_FORMAT:-clang-format}"
if ! command -v "$clang_format" >/dev/null 2>&1; then
  echo "format.sh: $clang_format not found (Debian/Ubuntu: apt-get install clang-format)" >&2
  exit 2
fi
if [ "$#" -gt 0 ]; then
  files=("$@")
else
  mapfile -t files < <(find cpp pyext tests/cpp -type f \( -name '*.cpp' -o -name '*.hpp' \) | sort)
fi
if [ "$check" -eq 1 ]; then
  unformatted=0
  for f in "${files[@]}"; do
    if ! "$clang_format" --style=file --dry-run --Werror "$f" >/dev/null 2>&1; then
      echo "not formatted: $("$clang_format" --style=file --dry-run "$f" 2>&1 | head -n1)"
      unformatted=$((unformatted + 1))
    fi
  done
  if [ "$unformatted" -gt 0 ]; then
    echo "format.sh: $unformatted of ${#files[@]} files need formatting: run tools/format.sh" >&2
    exit 1
  fi
  echo "format.sh: all ${#files[@]} files formatted"
else
  # Twice: clang-format 14 does not always converge in one pass (long string literals with a trailing comment).
  "$clang_format" --style=file -i "${files[@]}"
  "$clang_format" --style=file -i "${files[@]}"
fi
