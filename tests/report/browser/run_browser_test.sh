#!/usr/bin/env bash
# Renders a report from a real ctest run (plus golden results with an error row) and checks it in
# headless Chromium. usage: run_browser_test.sh BUILD_DIR PYTHON
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$1
python=$2
if [ ! -f "$build/parex-results/square_cube/parallel.json" ]; then
  echo "run_browser_test.sh: no results of a real run in $build/parex-results: run 'ctest -L parex' first" >&2
  exit 1
fi
for tool in node /usr/bin/chromium; do
  command -v "$tool" >/dev/null || { echo "run_browser_test.sh: $tool not found: apt-get install chromium nodejs npm" >&2; exit 1; }
done
if [ ! -d "$here/node_modules/playwright-core" ]; then
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)  # the versions package-lock.json pins
fi
out="$build/report-browser-test"
# Golden results first: the real run wins where both have a case/variant.
"$python" "$here/../../../reports/render.py" "$here/../inputs/good" "$build/parex-results" --out "$out" >/dev/null
node "$here/browser_test.mjs" "$out/index.html" "$out/screenshot.png"
