#!/usr/bin/env bash
# Runs every cargo-fuzz target for SECONDS each (default 60), seeding each
# corpus with the real files of its format, and keeps crashes under
# fuzz/artifacts/<target>/. Needs the nightly toolchain and cargo-fuzz.
#
#   bash fuzz/run-all.sh            # all targets, 60 s each
#   SECONDS_EACH=300 bash fuzz/run-all.sh uv_lock pnpm_lock
set -uo pipefail
cd "$(dirname "$0")/.."
each="${SECONDS_EACH:-60}"
shared="${SHARED:-../shared}"
fx=tests/fixtures
seeds() { # target -> files whose format it parses
  case "$1" in
    uv_lock) find "$shared/corpus/lockfiles" $fx -name uv.lock ;;
    poetry_lock) find "$shared/corpus/lockfiles" $fx -name poetry.lock ;;
    pdm_lock) find "$shared/corpus/lockfiles" $fx -name pdm.lock ;;
    pipfile_lock) find "$shared/corpus/lockfiles" $fx -name Pipfile.lock ;;
    pylock) find "$shared/corpus/lockfiles" $fx -name 'pylock*.toml' ;;
    pyproject|policy_file) find $fx "$shared/corpus/lockfiles" -name pyproject.toml -o -name tollgate.toml ;;
    requirements) find "$shared/corpus" $fx -name 'requirements*' -type f ;;
    conda_meta) find $fx -path '*conda-meta*' -name '*.json' ;;
    core_metadata|sdist_metadata) find $fx -name METADATA -o -name PKG-INFO ;;
    package_lock) find "$shared/corpus/lockfiles" $fx -name package-lock.json ;;
    package_json) find $fx "$shared/corpus/lockfiles" -name package.json ;;
    yarn_lock|yarn_berry) find "$shared/corpus/lockfiles" $fx -name yarn.lock ;;
    pnpm_lock) find "$shared/corpus/lockfiles" $fx -name pnpm-lock.yaml ;;
    bun_lock) find $fx -name bun.lock ;;
    osv_record|osv_database) find $fx/osv -name '*.json' 2>/dev/null | head -50 ;;
    model_*) find $fx/models -type f ! -name '*.py' ! -name '*.md' ;;
    sbom_cyclonedx) find $fx/sbom -name '*.cdx.json' ;;
    sbom_spdx) find $fx/sbom -name '*.spdx.json' ;;
    behavior_file) find $fx/behavior -type f \( -name '*.py' -o -name '*.js' -o -name '*.pth' -o -name package.json \) ;;
    *) true ;;
  esac
}
targets=("$@")
[ ${#targets[@]} -gt 0 ] || mapfile -t targets < <(ls fuzz/fuzz_targets | sed 's/\.rs$//')
status=0
for t in "${targets[@]}"; do
  mkdir -p "fuzz/corpus/$t"
  seeds "$t" | while read -r f; do [ -f "$f" ] && cp "$f" "fuzz/corpus/$t/seed-$(basename "$f")-$(cksum < "$f" | cut -d' ' -f1)"; done
  echo "== $t ($each s)"
  if ! cargo +nightly fuzz run -O "$t" -- -max_total_time="$each" -rss_limit_mb=2048 -max_len=262144 \
       > "fuzz/$t.log" 2>&1; then
    echo "   CRASH: see fuzz/$t.log and fuzz/artifacts/$t/"; status=1
  else
    grep -E "^#[0-9]+.*DONE|Done [0-9]+ runs" "fuzz/$t.log" | tail -1
  fi
done
exit $status
