#!/usr/bin/env bash
# Benchmarks of the gate on the real corpus: the hygiene analysis with a
# strict policy over the installed venv and the npm lockfile, and `diff` of
# the full real package-lock.json against a derived variant.
#
#   bash bench/policy.sh            # 10 runs each; prints the median wall time
#   RUNS=30 bash bench/policy.sh
#   TOLLGATE_SHARED=/path/to/shared bash bench/policy.sh   # when shared/ is not beside the repo
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${RUNS:-10}"
SHARED="${TOLLGATE_SHARED:-../shared}"
CORPUS="${TOLLGATE_CORPUS:-$SHARED/corpus/.cache}"
LOCKS="$SHARED/corpus/lockfiles"
OUT=bench/out
mkdir -p "$OUT"
cargo build --release --quiet
BIN="$PWD/target/release/tollgate"
export TOLLGATE_HOME="$PWD/$OUT/home" NO_COLOR=1 TOLLGATE_NOW=2026-11-22T12:00:00Z

cat > "$OUT/tollgate.toml" <<'TOML'
fail-on = "never"
require-lockfile = true
require-hashes = true
min-release-age = "7d"
registries = ["https://registry.npm.invalid/"]
indexes = ["https://pypi.invalid/simple"]
[licenses]
allow = ["MIT", "Apache-2.0", "BSD-2-Clause", "BSD-3-Clause", "ISC", "PSF-2.0", "MPL-2.0"]
TOML

mkdir -p "$OUT/head"
# HEAD for diff: the real lockfile with every fifth version bumped and one integrity changed.
python3 - "$LOCKS/npm/package-lock.json" "$OUT/head/package-lock.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for i, (k, e) in enumerate(sorted(d["packages"].items())):
    if k and i % 5 == 0 and "version" in e:
        e["version"] = e["version"] + "-bench.1"
    if k.endswith("/zod"):
        e["integrity"] = "sha512-" + "A" * 86 + "=="
json.dump(d, open(sys.argv[2], "w"), indent=2)
PY

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
bench() {
  local label="$1"; shift
  local times=()
  for _ in $(seq "$RUNS"); do
    local s e
    local rc=0
    s=$(date +%s%N); "$@" >/dev/null 2>"$OUT/stderr" || rc=$?; e=$(date +%s%N)
    # 0 and 1 are verdicts; anything else means the benchmark measured an error.
    if [ "$rc" -gt 1 ]; then echo "$label: exit $rc: $(cat "$OUT/stderr")" >&2; exit 1; fi
    times+=($(( (e - s) / 1000000 )))
  done
  printf '%-58s median %5d ms over %d runs\n' "$label" "$(printf '%s\n' "${times[@]}" | median)" "$RUNS"
}

if [ -d "$CORPUS/venv" ]; then
  bench "scan venv + npm lock, all analyses, strict policy" \
    "$BIN" scan "$CORPUS/venv" "$LOCKS/npm/package-lock.json" --policy "$OUT/tollgate.toml" -f json
  bench "inventory venv + npm lock (no analyses, for reference)" \
    "$BIN" inventory "$CORPUS/venv" "$LOCKS/npm/package-lock.json" -f json
else
  echo "skipping venv benchmarks: $CORPUS/venv missing (run ../shared/corpus/fetch.sh)" >&2
fi
bench "diff real package-lock.json (416 entries) vs variant" \
  "$BIN" diff "$LOCKS/npm/package-lock.json" "$OUT/head/package-lock.json" -f json --policy "$OUT/tollgate.toml"
bench "diff, markdown" \
  "$BIN" diff "$LOCKS/npm/package-lock.json" "$OUT/head/package-lock.json" -f markdown --policy "$OUT/tollgate.toml"
