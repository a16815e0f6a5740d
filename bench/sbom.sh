#!/usr/bin/env bash
# Times `tollgate sbom` on the shared corpus's installed trees (the Python venv, 169
# distributions, and node_modules, 309 npm packages) with a warm cache: CycloneDX and SPDX,
# with advisory matching against the OSV snapshots in ../shared/data/osv (imported into a
# private TOLLGATE_HOME first) and without. Issue 6's target: under 300 ms wall.
# Needs hyperfine (`apt-get install -y hyperfine`).
#
#   bash bench/sbom.sh                  # CORPUS defaults to ../shared/corpus beside the repo
#   CORPUS=/path/to/shared/corpus bash bench/sbom.sh
#   TOLLGATE_CORPUS=/path/to/.cache bash bench/sbom.sh   # the built trees elsewhere
# Results also go to bench/out/ (git-ignored) as JSON.
set -euo pipefail
cd "$(dirname "$0")/.."
CORPUS="${CORPUS:-../shared/corpus}"
CACHE="${TOLLGATE_CORPUS:-$CORPUS/.cache}"
OSV="${OSV:-$CORPUS/../data/osv}"
command -v hyperfine >/dev/null || { echo "hyperfine missing: apt-get install -y hyperfine" >&2; exit 2; }
[ -d "$CACHE/npm/node_modules" ] && [ -d "$CACHE/venv" ] || {
  echo "corpus trees missing under $CACHE: run $CORPUS/fetch.sh" >&2; exit 2; }
cargo build --release --quiet
BIN="$PWD/target/release/tollgate"
TOLLGATE_HOME="$(mktemp -d)"
export TOLLGATE_HOME
trap 'rm -rf "$TOLLGATE_HOME"' EXIT
"$BIN" db import "$OSV"/*.zip -q >/dev/null
mkdir -p bench/out
TREES="$CACHE/venv $CACHE/npm/node_modules"
hyperfine --warmup 3 --min-runs 20 -N --export-json bench/out/sbom.json \
  -n "cyclonedx-json, advisories" "$BIN sbom $TREES -q -o /dev/null" \
  -n "spdx-json, advisories" "$BIN sbom $TREES -f spdx-json -q -o /dev/null" \
  -n "cyclonedx-json, --no-advisories" "$BIN sbom $TREES --no-advisories -q -o /dev/null" \
  -n "inventory (same trees, for comparison)" "$BIN inventory $TREES -f json -q -o /dev/null"
