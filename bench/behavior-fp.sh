#!/usr/bin/env bash
# False-positive check of the behaviour rules on popular real packages that
# are not in the test corpus (docs/behavior-fp-check.md records the results).
#
# Downloads pinned wheels, sdists and npm tarballs into FP_DIR (never into the
# repository), scans them all in one run (`tollgate scan --only behavior`),
# prints counts by severity and every finding at medium or above, and exits 1
# when any finding is high or critical.
#
# Nothing downloaded is installed or executed: wheels come from
# `pip download --only-binary :all:` (no build), sdists are fetched as files
# from the index's simple API (pip download of an sdist would run its build
# backend to read metadata), npm packages from `npm pack` (no scripts run).
# The index is the one pip is configured with (PIP_INDEX_URL, pip config, or
# pip's own default); the npm registry is npm's configured one.
#
# Usage: bash bench/behavior-fp.sh        Env: FP_DIR (default /tmp/tollgate-fp)
set -euo pipefail
cd "$(dirname "$0")/.."
FP_DIR="${FP_DIR:-/tmp/tollgate-fp}"
mkdir -p "$FP_DIR/pypi" "$FP_DIR/npm"

WHEELS=(
  ansible-core==2.21.5 awscli==1.46.3 azure-identity==1.27.0 black==26.10.1 celery==5.7.0
  coverage==7.17.3 django==6.1.3 docker==7.2.0 fabric==3.2.3 flask==3.1.3 gunicorn==27.0.1
  invoke==3.0.3 ipython==9.18.1 keyring==25.7.0 kubernetes==37.0.2 paramiko==5.1.0
  pip-tools==7.6.2 poetry==2.5.1 pre-commit==4.7.0 pyinstaller==6.22.3 pytest==9.2.0
  selenium==4.52.0 sentry-sdk==2.75.0 tox==4.67.15 twine==7.0.0 virtualenv==21.15.8
)
SDISTS=(setuptools==84.2.1 numpy==2.5.5 psycopg2==2.9.13)
NPM=(
  webpack@5.112.2 @sentry/node@11.12.0 puppeteer-core@24.43.1 puppeteer@24.43.1
  playwright-core@1.65.1 node-gyp@12.4.0 prebuild-install@7.1.3 husky@9.1.7 electron@41.7.1
  firebase-tools@15.34.2 nodemon@3.1.14 pm2@7.0.4 dotenv-cli@11.0.0 @vercel/ncc@0.45.0
  turbo@2.11.11 @swc/core@1.16.22 cypress@15.3.0 core-js@3.51.0 sqlite3@6.0.1 bcrypt@6.0.0
  npm@11.21.2 gh-pages@6.3.0 lerna@9.0.7 semantic-release@24.2.9 @angular/cli@21.2.28
  aws-cdk@3.0.0
)

marker="$FP_DIR/.downloaded-$(printf '%s ' "${WHEELS[@]}" "${SDISTS[@]}" "${NPM[@]}" | sha256sum | cut -c1-12)"
if [ ! -e "$marker" ]; then
  for w in "${WHEELS[@]}"; do
    # A manylinux/cp312 wheel where the project has no pure one (black, coverage, pyinstaller).
    pip download --quiet --no-deps --only-binary :all: --python-version 3.12 \
      --platform manylinux2014_x86_64 --platform manylinux_2_28_x86_64 --platform any \
      -d "$FP_DIR/pypi" "$w"
  done
  python3 - "$FP_DIR/pypi" "${SDISTS[@]}" <<'PY'
import json, os, subprocess, sys, urllib.request
dest, specs = sys.argv[1], sys.argv[2:]
index = os.environ.get("PIP_INDEX_URL") or subprocess.run(
    [sys.executable, "-m", "pip", "config", "get", "global.index-url"],
    capture_output=True, text=True).stdout.strip()
if not index:
    from pip._internal.models.index import PyPI  # pip's built-in default index
    index = PyPI.simple_url
for spec in specs:
    name, version = spec.split("==")
    req = urllib.request.Request(f"{index.rstrip('/')}/{name}/",
                                 headers={"Accept": "application/vnd.pypi.simple.v1+json"})
    files = json.load(urllib.request.urlopen(req, timeout=60))["files"]
    sdist = next(f for f in files if f["filename"].endswith(".tar.gz")
                 and f["filename"].rsplit("-", 1)[-1] == f"{version}.tar.gz")
    out = os.path.join(dest, sdist["filename"])
    if not os.path.exists(out):
        urllib.request.urlretrieve(sdist["url"], out)
    print("sdist", sdist["filename"])
PY
  (cd "$FP_DIR/npm" && for p in "${NPM[@]}"; do npm pack --silent --ignore-scripts "$p" > /dev/null; done)
  touch "$marker"
fi

cargo build --release --quiet
out="$FP_DIR/report.json"
./target/release/tollgate scan --only behavior --quiet --format json --fail-on never \
  -o "$out" "$FP_DIR"/pypi/* "$FP_DIR"/npm/*.tgz
python3 - "$out" "$FP_DIR" <<'PY'
import collections, json, sys
r = json.load(open(sys.argv[1])); base = sys.argv[2].rstrip("/") + "/"
fs = r["findings"]
order = ["critical", "high", "medium", "low", "info"]
c = collections.Counter(f["severity"] for f in fs)
d = r["tool"]["data"]["behavior"]
print(f"{d['packages']} packages, {d['files_read']} files read, {d['files_parsed']} parsed; "
      f"{len(r.get('errors', []))} errors")
print("findings by severity: " + ", ".join(f"{s} {c.get(s, 0)}" for s in order))
for f in sorted(fs, key=lambda f: (order.index(f["severity"]), f["rule_id"])):
    if f["severity"] in order[:3]:
        print(f'{f["severity"]:8} {f["rule_id"]} {f["location"]["path"].replace(base, "")} | {f["message"][:110]}')
sys.exit(1 if c.get("critical", 0) + c.get("high", 0) else 0)
PY
