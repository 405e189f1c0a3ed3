#!/usr/bin/env bash
# Grades a case with `parex run` as another uid (a runner that is not root: its sandbox is a user namespace of its
# own, with no cgroup, so memory is limited by RLIMIT_AS), on copies of the case and its binaries that uid owns.
#   run_as_user.sh UID PAREX CASE_DIR BIN_DIR [parex run options...]
# Exits 77 (ctest's skip) where that uid cannot run parex here.
set -euo pipefail
uid=$1 parex=$2 case_dir=$3 bin_dir=$4
shift 4
work=$(mktemp -d /tmp/parex-as-user.XXXXXX)
trap 'rm -rf "$work"' EXIT
name=$(basename "$case_dir")
mkdir -p "$work/cases" "$work/out"
cp -r "$case_dir" "$work/cases/$name"
cp -r "$bin_dir" "$work/bin"
chown -R "$uid:$uid" "$work"
chmod 755 "$work"
as_user=(setpriv "--reuid=$uid" "--regid=$uid" --clear-groups --)
if ! "${as_user[@]}" "$parex" --version >/dev/null 2>&1; then
  echo "run_as_user.sh: skipped: uid $uid cannot run $parex here"
  exit 77
fi
cd "$work"
"${as_user[@]}" "$parex" run "$work/cases/$name" --bin-dir "$work/bin" --results "$work/out" "$@"
