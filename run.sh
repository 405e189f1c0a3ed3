#!/usr/bin/env bash
# The two commands of parex's README, on a fresh Debian/Ubuntu machine:
#   ./run.sh grade   install what is needed, build, grade the default catalog, write build/report/index.html
#   ./run.sh test    install what is needed, build, run the project's own tests (what CI runs)
set -euo pipefail
cd "$(dirname "$0")"

usage() { echo "usage: ./run.sh grade|test" >&2; exit 2; }
[ $# -ge 1 ] || usage
job=$1

packages=(build-essential cmake ninja-build pkg-config
          libfmt-dev libtomlplusplus-dev nlohmann-json3-dev libcli11-dev libre2-dev libssl-dev libdw-dev libseccomp-dev
          libgtest-dev libgmock-dev libbenchmark-dev
          libopenmpi-dev openmpi-bin
          python3 python3-jinja2)
if [ "$job" = test ]; then
  packages+=(python3-pytest python3-jsonschema llvm-14-tools hyperfine chromium clang-format)
  command -v npm >/dev/null || packages+=(nodejs npm)  # the report's browser test: playwright-core from npm
fi

install_packages() {
  local missing=()
  for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "run.sh: installing ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

install_packages
# The slurm tests' one-node cluster: slurm-wlm and munge, installed without starting their services.
if [ "$job" = test ]; then
  if [ "$(id -u)" -eq 0 ]; then tests/slurm/cluster.sh install; else sudo tests/slurm/cluster.sh install; fi
fi
# Debian's python3 has Jinja2; a python3 earlier on PATH (pyenv, venv) may not. The Python cases run with it too:
# grades then do not depend on the shell's PATH (here pyenv's python3 starts 50 ms slower, a site hook importing
# certifi, and runs the pool lesson 45% slower, a build without PGO).
python_options=(-DPAREX_PYTHON=/usr/bin/python3 -DPAREX_CASE_PYTHON=/usr/bin/python3 -DPython3_EXECUTABLE=/usr/bin/python3)
cmake --preset default "${python_options[@]}" >/dev/null
cmake --build --preset default

case "$job" in
  grade)
    status=0
    ctest --preset grade || status=$?
    echo "run.sh: report: $(pwd)/build/report/index.html"
    exit $status
    ;;
  test)
    (cd tests/report/browser && npm ci --no-audit --no-fund --loglevel=error)
    ctest --preset default
    # Again under AddressSanitizer + UBSan: the runner, its tests and the timing-free cases.
    cmake --preset asan "${python_options[@]}" >/dev/null
    cmake --build --preset asan
    ctest --preset asan
    ;;
  *) usage ;;
esac
