#!/usr/bin/env bash
# Times `tollgate inventory` on the shared corpus's installed trees (the Python venv,
# 169 distributions, and node_modules, 309 npm packages / 692 MB) with a warm cache,
# plus each npm lockfile alone. Needs hyperfine (`apt-get install -y hyperfine`).
#
#   bash bench/inventory.sh            # CORPUS defaults to ../shared/corpus beside the repo
#   CORPUS=/path/to/shared/corpus bash bench/inventory.sh
# Results also go to bench/out/ (git-ignored) as JSON.
set -euo pipefail
cd "$(dirname "$0")/.."
CORPUS="${CORPUS:-../shared/corpus}"
CACHE="${TOLLGATE_CORPUS:-$CORPUS/.cache}"
command -v hyperfine >/dev/null || { echo "hyperfine missing: apt-get install -y hyperfine" >&2; exit 2; }
[ -d "$CACHE/npm/node_modules" ] && [ -d "$CACHE/venv" ] || {
  echo "corpus trees missing under $CACHE: run $CORPUS/fetch.sh" >&2; exit 2; }
cargo build --release --quiet
BIN="$PWD/target/release/tollgate"
mkdir -p bench/out
L="$CORPUS/lockfiles/npm"
hyperfine --warmup 3 --min-runs 20 -N --export-json bench/out/inventory.json \
  -n "venv + node_modules" "$BIN inventory $CACHE/venv $CACHE/npm/node_modules -f json -q -o /dev/null" \
  -n "node_modules" "$BIN inventory $CACHE/npm/node_modules -f json -q -o /dev/null" \
  -n "venv" "$BIN inventory $CACHE/venv -f json -q -o /dev/null"
hyperfine --warmup 3 --min-runs 20 -N --export-json bench/out/npm-lockfiles.json \
  -n "package-lock.json" "$BIN inventory $L/package-lock.json -f json -q -o /dev/null" \
  -n "yarn.lock v1" "$BIN inventory $L/yarn-v1/yarn.lock -f json -q -o /dev/null" \
  -n "yarn.lock berry" "$BIN inventory $L/yarn-berry/yarn.lock -f json -q -o /dev/null" \
  -n "pnpm-lock.yaml" "$BIN inventory $L/pnpm/pnpm-lock.yaml -f json -q -o /dev/null"
