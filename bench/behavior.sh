#!/usr/bin/env bash
# Behaviour-scan benchmark on the real corpus, side by side with its baselines.
#
# 1. Throughput: the whole behaviour scan of the corpus venv + node_modules
#    against merely reading their Python/JavaScript sources
#    (find … | xargs cat > /dev/null), same run, warm cache, best of ROUNDS.
# 2. Per package against GuardDog (pip-installed into a private venv here):
#    the same wheels (and npm tarballs, built with the corpus fetch.sh
#    `npmtgz` step when BENCH_NPM=1), one process per archive for both tools.
#
# Usage: bash bench/behavior.sh            (ROUNDS=3 GD_SAMPLE=20 BENCH_NPM=0)
# Env:   TOLLGATE_CORPUS (default ../shared/corpus/.cache or ../../shared/corpus/.cache)
#        BENCH_DIR (default target/bench)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
ROUNDS="${ROUNDS:-3}"
GD_SAMPLE="${GD_SAMPLE:-20}"
BENCH_NPM="${BENCH_NPM:-0}"
BENCH_DIR="${BENCH_DIR:-$ROOT/target/bench}"
mkdir -p "$BENCH_DIR"

corpus=""
for c in "${TOLLGATE_CORPUS:-}" ../shared/corpus/.cache ../../shared/corpus/.cache; do
  if [ -n "$c" ] && [ -d "$c/venv" ]; then corpus="$(cd "$c" && pwd)"; break; fi
done
[ -n "$corpus" ] || { echo "corpus not found (set TOLLGATE_CORPUS)" >&2; exit 2; }
VENV="$corpus/venv"
NM="$corpus/npm/node_modules"
FETCH="$(cd "$corpus/.." && pwd)/fetch.sh"

cargo build --release --quiet
TG="$ROOT/target/release/tollgate"

now() { date +%s.%N; }
elapsed() { echo "$2 - $1" | bc -l; }

read_sources() {
  find "$VENV" "$NM" \( -name '*.py' -o -name '*.pth' -o -name '*.js' -o -name '*.mjs' -o -name '*.cjs' \) -type f -print0 \
    | xargs -0 cat > /dev/null
}
scan() {
  "$TG" scan --only behavior --quiet --format json --fail-on never -o "$BENCH_DIR/corpus.json" "$VENV" "$NM" || true
}

echo "== warm-up (page cache)"
read_sources; scan
best_read=999; best_scan=999
for i in $(seq "$ROUNDS"); do
  t0=$(now); read_sources; t1=$(now); scan; t2=$(now)
  r=$(elapsed "$t0" "$t1"); s=$(elapsed "$t1" "$t2")
  printf 'round %d: read %.2f s   behaviour scan %.2f s\n' "$i" "$r" "$s"
  best_read=$(echo "if ($r < $best_read) $r else $best_read" | bc -l)
  best_scan=$(echo "if ($s < $best_scan) $s else $best_scan" | bc -l)
done
python3 - "$BENCH_DIR/corpus.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))["tool"]["data"]["behavior"]
print(f"scanned {d['packages']} packages, {d['files_read']} files, {d['bytes_read']/1e6:.0f} MB; "
      f"parsed {d['files_parsed']} files, {d['bytes_parsed']/1e6:.1f} MB")
PY
printf 'THROUGHPUT: read %.2f s, scan %.2f s, scan/read = %.2fx (target <= 1.5x)\n' \
  "$best_read" "$best_scan" "$(echo "$best_scan / $best_read" | bc -l)"

echo "== GuardDog"
GD_VENV="$BENCH_DIR/guarddog-venv"
if [ ! -x "$GD_VENV/bin/guarddog" ]; then
  python3 -m venv "$GD_VENV"
  "$GD_VENV/bin/pip" install --quiet guarddog
fi
"$GD_VENV/bin/pip" show guarddog 2>/dev/null | grep -E '^Version' || true

archives=()
mapfile -t wheels < <(ls "$corpus"/wheels/*.whl | sort)
n=${#wheels[@]}
stride=$(( n / GD_SAMPLE )); [ "$stride" -ge 1 ] || stride=1
for ((i = 0; i < n && ${#archives[@]} < GD_SAMPLE; i += stride)); do archives+=("${wheels[$i]}"); done
if [ "$BENCH_NPM" = 1 ]; then
  if [ ! -d "$BENCH_DIR/npm-tarballs" ]; then STEPS=npmtgz bash "$FETCH" "$BENCH_DIR"; fi
  mapfile -t tgz < <(ls "$BENCH_DIR"/npm-tarballs/*.tgz | sort)
  m=${#tgz[@]}; stride=$(( m / GD_SAMPLE )); [ "$stride" -ge 1 ] || stride=1
  for ((i = 0; i < m; i += stride)); do archives+=("${tgz[$i]}"); done
fi

gd_total=0; tg_total=0; count=0
for a in "${archives[@]}"; do
  eco=pypi; case "$a" in *.tgz) eco=npm ;; esac
  t0=$(now)
  "$GD_VENV/bin/guarddog" "$eco" scan "$a" > /dev/null 2>&1 || true
  t1=$(now)
  "$TG" scan --only behavior --quiet --format json --fail-on never "$a" > /dev/null 2>&1 || true
  t2=$(now)
  gd=$(elapsed "$t0" "$t1"); tg=$(elapsed "$t1" "$t2")
  printf '%-70s guarddog %6.2f s  tollgate %6.3f s\n' "$(basename "$a")" "$gd" "$tg"
  gd_total=$(echo "$gd_total + $gd" | bc -l); tg_total=$(echo "$tg_total + $tg" | bc -l); count=$((count + 1))
done
printf 'PER PACKAGE, one process per archive (%d archives): guarddog %.2f s, tollgate %.3f s, guarddog/tollgate = %.0fx\n' \
  "$count" "$(echo "$gd_total / $count" | bc -l)" "$(echo "$tg_total / $count" | bc -l)" "$(echo "$gd_total / $tg_total" | bc -l)"
# tollgate's normal use: one run over every archive (GuardDog scans one target per run).
t0=$(now)
"$TG" scan --only behavior --quiet --format json --fail-on never "${archives[@]}" > /dev/null 2>&1 || true
t1=$(now)
one=$(elapsed "$t0" "$t1")
printf 'PER PACKAGE, one tollgate run over all %d archives: tollgate %.4f s/package, guarddog/tollgate = %.0fx (target >= 100x)\n' \
  "$count" "$(echo "$one / $count" | bc -l)" "$(echo "$gd_total / $one" | bc -l)"
