#!/usr/bin/env bash
# Renders a report from a real ctest run (plus golden results with an error row) and checks it in
# headless Chromium, then a class page made from those results. usage: run_browser_test.sh BUILD_DIR PYTHON
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
# Golden results first (a races check's among them): the real run wins where both have a case/variant.
"$python" "$here/../../../reports/render.py" "$here/../inputs/good" "$here/../inputs/races" "$build/parex-results" \
  --out "$out" >/dev/null
node "$here/browser_test.mjs" "$out/index.html" "$out/screenshot.png"
# The class page of grade-class, on a synthetic class made from this build's results.
class="$build/report-browser-test/class"
rm -rf "$class"
"$python" "$here/../make_class.py" "$class" --learners 40 --cases 7 --results "$build/parex-results" >/dev/null
"$python" "$here/../../../reports/class_report.py" "$class" >/dev/null
node "$here/class_test.mjs" "$class/class.html" 40
