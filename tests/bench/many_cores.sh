#!/bin/bash
# Many-core figures (docs/PERFORMANCE.md row 10): the timing cases graded as the catalog has them
# (the pools name `workers`) on every CPU of the machine, ROUNDS times (default 1), then, unless
# SWEEP=0, the pools without `workers` on 2..all CPUs (taskset), which shows what each core count
# does to "one worker per core" and what `workers` protects against.
#
#   tests/bench/many_cores.sh pack DIR      # here: parex, the case binaries and their libraries
#   tests/bench/many_cores.sh grade DIR OUT # there (a machine without our packages): results in OUT
#   ROUNDS=8 SWEEP=0 BUDGET_S=300 tests/bench/many_cores.sh grade DIR OUT   # the catalog's flips there
#
# The machine needs glibc >= 2.34 and a python3; everything else travels in DIR.
set -u
mode=$1 kit=$(realpath -m "$2")
src=$(cd "$(dirname "$0")/../.." && pwd)

if [ "$mode" = pack ]; then
  build=${BUILD:-$src/build}
  rm -rf "$kit" && mkdir -p "$kit/lib" "$kit/bin"
  strip -o "$kit/parex" "$build/runner/parex"
  for c in pool_map pool_bench square_cube; do cp -r "$build/parex-bin/$c" "$kit/bin/"; done
  # every library but the C library's own (the machine's loader must match it)
  ldd "$build/runner/parex" "$kit"/bin/*/* 2>/dev/null | awk '$3 ~ /^\// {print $3}' | sort -u |
    grep -Ev '/(libc|libm|libpthread|libdl|librt|ld-linux[^/]*)\.so' | xargs -I{} cp -L {} "$kit/lib/"
  du -sh "$kit"
  exit 0
fi

out=$(realpath -m "$3")
mkdir -p "$out"
# The machine's own libraries first (python3 loads libcrypto too); the kit's where it lacks one or its
# libstdc++ is too old for our binaries.
mkdir -p "$out/lib"
for lib in "$kit"/lib/*; do ldconfig -p | grep -q "$(basename "$lib") " || cp "$lib" "$out/lib/"; done
export PAREX_SUPPORT_PYTHON=$src/cases/support/python LD_LIBRARY_PATH=$out/lib
if ! "$kit/parex" --version > /dev/null 2>&1 || ! "$kit/bin/pool_map/parallel" --help > /dev/null 2>&1 < /dev/null; then
  export LD_LIBRARY_PATH=$kit/lib
fi
echo "libraries from the kit: $(ls "$LD_LIBRARY_PATH" | tr '\n' ' ')"
"$kit/parex" --version || { echo "parex cannot start here"; ldd "$kit/parex"; exit 1; }
deadline=$((SECONDS + ${BUDGET_S:-420}))
summary=$out/summary.tsv
{
  echo "nproc $(nproc); affinity $(taskset -pc $$ | sed 's/.*: //')"
  lscpu | grep -E '^(Model name|Thread|Core|Socket|CPU\(s\)|NUMA node\(s\))' || true
  ldd --version | head -1; python3 --version
  stat -fc 'cgroup fs: %T' /sys/fs/cgroup; cat /proc/loadavg
} > "$out/machine.txt" 2>&1
cat "$out/machine.txt"
printf 'phase\tcpus\tcase\tvariant\tstatus\tspeedup\tmeasured\tthreshold\tinterval\tserial_fraction\tmachine_cores\tgrade_s\tmessage\n' > "$summary"

# grade PHASE CPUS CASEDIR VARIANT: one grade, its result summarised in one line
grade() {
  local phase=$1 cpus=$2 case=$3 variant=$4 name; name=$(basename "$case")
  local res=$out/$phase/$cpus bin=$kit/bin/$name t0=$SECONDS
  [ $SECONDS -ge $deadline ] && { echo "skipped (budget): $phase $cpus $name/$variant"; return; }
  mkdir -p "$res"
  taskset -c "0-$((cpus - 1))" "$kit/parex" run "$case" --bin-dir "$bin" --variant "$variant" --results "$res" \
    --no-sandbox > "$res/$name.$variant.log" 2>&1
  python3 - "$res/$name/$variant.json" "$phase" "$cpus" "$name" "$variant" $((SECONDS - t0)) >> "$summary" <<'EOF'
import json, sys
path, phase, cpus, case, variant, secs = sys.argv[1:]
try:
    r = json.load(open(path))
except Exception as e:
    print(phase, cpus, case, variant, "no result", "", "", "", "", "", secs, str(e), sep="\t"); sys.exit()
speed = next((c for c in r["checks"] if c["kind"] in ("speedup", "benchmark_speedup")), {})
scal = next((c for c in r["checks"] if c["kind"] == "scaling"), {})
d, sd = speed.get("data", {}), scal.get("data", {})
iv = d.get("interval") or []
failed = next((c["message"] for c in r["checks"] if c["status"] != "pass"), "") or speed.get("message", "")
fmt = lambda x: f"{x:.3g}" if isinstance(x, float) else str(x)
print(phase, cpus, case, variant, f'{r["status"]} (expect {r["expect"]})', speed.get("status", ""),
      fmt(speed.get("measured", "")), fmt(speed.get("threshold", "")),
      "-".join(f"{x:.2f}" for x in iv) if iv else "", fmt(sd.get("serial_fraction", "")),
      r.get("machine", {}).get("cores", ""), secs, failed.replace("\t", " ").replace("\n", " ")[:160], sep="\t")
EOF
  tail -1 "$summary"
}

all=$(nproc)
# 1. the catalog as it is: a case naming workers = 4 runs on 4 of the machine's CPUs
for round in $(seq "${ROUNDS:-1}"); do
  for c in pool_map pool_map_py pool_bench square_cube square_cube_py; do
    for v in parallel starter; do grade catalog "$all" "$src/cases/$c" $v; done
  done
done
[ "${SWEEP:-1}" = 0 ] && { echo "done in ${SECONDS}s"; exit 0; }
# 2. without `workers`: one worker per core, on 2..all CPUs (the largest first, as they matter most)
nw=$out/.cases-without-workers
mkdir -p "$nw"
for c in pool_map pool_map_py pool_bench; do
  cp -r "$src/cases/$c" "$nw/" && sed -i '/^workers *=/d' "$nw/$c/case.toml"
done
for n in $(printf '%s\n' "$all" 8 4 2 12 6 3 10 5 14 7 | awk -v m="$all" '$1 <= m && !seen[$1]++'); do
  for c in pool_map pool_map_py pool_bench; do
    for v in parallel starter; do grade sweep "$n" "$nw/$c" $v; done
  done
done
rm -rf "$nw"
echo "done in ${SECONDS}s"
