#!/usr/bin/env bash
# Runs every Fuzz* target of the module for a while each: scripts/fuzz.sh [duration]
# duration is per target, a Go duration or plain seconds (default 30s).
# A failing input is written by go test to <package>/testdata/fuzz/<target>/
# (commit it with the fix: it becomes a regression seed that every plain
# `go test` runs). Exits 1 when any target failed, after running them all.
set -euo pipefail
cd "$(dirname "$0")/.."

fuzztime=${1:-30s}
if [[ $fuzztime =~ ^[0-9]+$ ]]; then fuzztime=${fuzztime}s; fi

# Packages that declare a Fuzz function; `go test -list` then names the
# targets the build really has (build tags, generated files).
mapfile -t dirs < <(grep -rl --include='*_test.go' '^func Fuzz' . | xargs -r -n1 dirname | sort -u)
targets=()
for dir in "${dirs[@]}"; do
  pkg=$(go list "$dir")
  while read -r name; do
    [[ $name == Fuzz* ]] && targets+=("$pkg $name")
  done < <(go test -list '^Fuzz' "$pkg")
done
echo "fuzz: ${#targets[@]} targets, $fuzztime each"

failed=()
for t in "${targets[@]}"; do
  read -r pkg name <<<"$t"
  echo "== $name ($pkg)"
  if ! go test -run '^$' -fuzz "^${name}\$" -fuzztime "$fuzztime" "$pkg"; then
    failed+=("$name ($pkg)")
  fi
done

if ((${#failed[@]})); then
  echo "fuzz: ${#failed[@]} of ${#targets[@]} targets failed:"
  printf '  %s\n' "${failed[@]}"
  echo "fuzz: failing inputs are in each package's testdata/fuzz/<target>/ (git status shows them)"
  exit 1
fi
echo "fuzz: all ${#targets[@]} targets passed"
