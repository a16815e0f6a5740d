#!/usr/bin/env bash
# Model-scan benchmark: tollgate beside picklescan and modelscan on a 1 GiB
# numpy pickle (protocol 4) and a 1 GiB PyTorch-style zip.
#
#   bash bench/models.sh            # uses $BENCH_DIR or a temp dir; needs network once
#
# Installs numpy, picklescan and modelscan from the package index into a venv
# under the bench dir (the only network use), generates the files with
# bench/gen_models.py, then measures wall time (hyperfine when installed,
# else the best of 5 runs) and peak RSS (/usr/bin/time -v).
set -euo pipefail
cd "$(dirname "$0")/.."
BENCH_DIR="${BENCH_DIR:-$(mktemp -d /tmp/tollgate-bench.XXXXXX)}"
mkdir -p "$BENCH_DIR"
VENV="$BENCH_DIR/venv"
if [ ! -x "$VENV/bin/picklescan" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q numpy picklescan modelscan
fi
if [ ! -f "$BENCH_DIR/numpy_1g.pkl" ] || [ ! -f "$BENCH_DIR/torch_1g.pt" ]; then
  "$VENV/bin/python" bench/gen_models.py "$BENCH_DIR"
fi
cargo build --release --quiet
TG="$PWD/target/release/tollgate"

# wall seconds (mean) of a command
wall() {
  if command -v hyperfine >/dev/null; then
    hyperfine -N --warmup 1 --runs 5 --ignore-failure --export-json "$BENCH_DIR/h.json" "$1" >/dev/null 2>&1
    python3 -c "import json;print(round(json.load(open('$BENCH_DIR/h.json'))['results'][0]['mean'],4))"
  else
    local best=999999
    for _ in 1 2 3 4 5; do
      local s e
      s=$(date +%s.%N); bash -c "$1" >/dev/null 2>&1 || true; e=$(date +%s.%N)
      best=$(python3 -c "print(min($best, $e-$s))")
    done
    python3 -c "print(round($best,4))"
  fi
}

# peak RSS in MiB
rss() {
  /usr/bin/time -v bash -c "$1 >/dev/null 2>&1" 2>&1 >/dev/null \
    | awk -F: '/Maximum resident set size/ {printf "%.1f\n", $2/1024}'
}

printf "%-12s %-34s %10s %10s\n" file tool seconds "RSS MiB"
for f in numpy_1g.pkl torch_1g.pt; do
  file="$BENCH_DIR/$f"
  declare -A T=() R=()
  cmds=(
    "tollgate|$TG scan --only models --fail-on never $file"
    "tollgate+sha256|$TG scan --only models --artifact-hash --fail-on never $file"
    "picklescan|$VENV/bin/picklescan -p $file"
    "modelscan|$VENV/bin/modelscan -p $file"
  )
  for entry in "${cmds[@]}"; do
    name="${entry%%|*}"; cmd="${entry#*|}"
    T[$name]=$(wall "$cmd")
    R[$name]=$(rss "$cmd")
    printf "%-12s %-34s %10s %10s\n" "$f" "$name" "${T[$name]}" "${R[$name]}"
  done
  for other in picklescan modelscan; do
    python3 -c "print(f'  {\"$f\"}: tollgate is {${T[$other]}/${T[tollgate]}:.1f}x faster than $other (with sha256: {${T[$other]}/${T[tollgate+sha256]}:.1f}x); RSS ratio {${R[$other]}/${R[tollgate]}:.1f}x')"
  done
  unset T R
done
echo "inputs and venv in $BENCH_DIR"
