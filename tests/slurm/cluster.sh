#!/usr/bin/env bash
# tests/slurm/cluster.sh -- a REAL one-node Slurm cluster on localhost, for tests.
#
#   cluster.sh install   apt-get install slurm-wlm + munge (no-op when present)
#   cluster.sh up        install, start munged + slurmctld + slurmd, wait for idle
#   cluster.sh down      cancel jobs, stop the daemons we started, remove state
#   cluster.sh status    print sinfo/squeue; exit 0 iff the node is usable
#
# Environment:
#   PAREX_SLURM_DIR        state folder (default /tmp/parex-slurm)
#   PAREX_SLURM_TIMEOUT    seconds `up` waits for the node to be idle (default 30)
#   PAREX_SLURMCTLD_PORT   default 6817
#   PAREX_SLURMD_PORT      default 6818
#   PAREX_SLURM_RTS        ReturnToService (default 1; see slurm.conf below)
#
# After `up`, a test does:   source "$PAREX_SLURM_DIR/env"
# which exports SLURM_CONF (the private slurm.conf), PAREX_SLURM_DIR and
# PAREX_SLURM_NODE (the node's name, for `scontrol update NodeName=...`).
#
# Why it looks like this:
#  * No systemd here (and no init system at all), so the Debian packages'
#    service units are useless: we start munged, slurmctld and slurmd
#    ourselves, as daemons, and stop them by their pid files.
#  * The packages' maintainer scripts would try to start those services on
#    install; a /usr/sbin/policy-rc.d that exits 101 forbids that for the
#    duration of the install (any pre-existing policy-rc.d is put back).
#  * The Slurm configuration is private: $PAREX_SLURM_DIR/slurm.conf, passed
#    to the daemons with -f and to clients with SLURM_CONF; /etc/slurm is not
#    touched. Spool, state, logs and pid files all live in the same folder,
#    so `down` leaves nothing of the cluster behind.
#  * munged is system-wide (/run/munge socket, /etc/munge/munge.key), because
#    Slurm's auth/munge plugin talks to that socket by default. If a working
#    munged is already running we use it and leave it alone on `down`.
#  * ProctrackType=proctrack/linuxproc, not proctrack/cgroup: without systemd
#    nobody delegates a cgroup subtree to slurmd, and this machine mounts a
#    cgroup v1/v2 hybrid, which Slurm's cgroup plugins handle poorly. linuxproc
#    tracks a job's processes by parent pid, which is enough for tests (a
#    process that daemonizes out of its job escapes it). No cgroup.conf needed.
#  * TaskPlugin=task/affinity binds each task to its allocated CPUs with
#    sched_setaffinity (visible with taskset / Cpus_allowed_list).
#  * SlurmUser=root: the simplest setup, no slurm user or file ownership games.
set -euo pipefail

DIR=${PAREX_SLURM_DIR:-/tmp/parex-slurm}
TIMEOUT=${PAREX_SLURM_TIMEOUT:-30}
CTLD_PORT=${PAREX_SLURMCTLD_PORT:-6817}
SLURMD_PORT=${PAREX_SLURMD_PORT:-6818}
CONF=$DIR/slurm.conf
NODE=$(hostname -s)
MUNGE_KEY=/etc/munge/munge.key
MUNGE_RUN=/run/munge
MUNGE_PID=$MUNGE_RUN/munged.pid
export PATH=$PATH:/usr/sbin:/sbin

log() { printf 'cluster.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# ---------------------------------------------------------------- install ---

have_binaries() {
    local b
    for b in slurmctld slurmd munged sbatch; do
        command -v "$b" >/dev/null 2>&1 || return 1
    done
}

POLICY=/usr/sbin/policy-rc.d
POLICY_BAK=/usr/sbin/policy-rc.d.parex-saved

policy_forbid_services() {
    if [[ -e $POLICY ]]; then mv -f "$POLICY" "$POLICY_BAK"; fi
    printf '#!/bin/sh\n# written by parex tests/slurm/cluster.sh\nexit 101\n' >"$POLICY"
    chmod 0755 "$POLICY"
}

policy_restore() {
    rm -f "$POLICY"
    if [[ -e $POLICY_BAK ]]; then mv -f "$POLICY_BAK" "$POLICY"; fi
}

cmd_install() {
    if have_binaries; then return 0; fi
    [[ $(id -u) == 0 ]] || die "install needs root"
    log "installing slurm-wlm and munge"
    local pkgs=(slurm-wlm munge)
    local apt=(apt-get -y -q --no-install-recommends -o DPkg::Lock::Timeout=300
               install "${pkgs[@]}")
    policy_forbid_services
    trap policy_restore EXIT
    if ! DEBIAN_FRONTEND=noninteractive "${apt[@]}"; then
        log "install failed; retrying after apt-get update"
        DEBIAN_FRONTEND=noninteractive apt-get -q update
        DEBIAN_FRONTEND=noninteractive "${apt[@]}"
    fi
    policy_restore
    trap - EXIT
    have_binaries || die "slurm/munge binaries still missing after install"
}

# ------------------------------------------------------------------ munge ---

munge_works() { munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1; }

pid_alive() {   # pid_alive FILE -> true if FILE names a live process
    local pid
    [[ -s $1 ]] || return 1
    pid=$(<"$1")
    [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null
}

munge_key() {
    getent passwd munge >/dev/null || die "no munge user (is munge installed?)"
    install -d -o munge -g munge -m 0700 /etc/munge
    if [[ ! -s $MUNGE_KEY ]]; then
        log "writing $MUNGE_KEY"
        (umask 077; head -c 1024 /dev/urandom >"$MUNGE_KEY")
    fi
    chown munge:munge "$MUNGE_KEY"
    chmod 0400 "$MUNGE_KEY"
}

munge_start() {
    if munge_works; then
        log "munged already running; using it"
        return 0
    fi
    munge_key
    install -d -o munge -g munge -m 0755 "$MUNGE_RUN"
    install -d -o munge -g munge -m 0700 /var/log/munge /var/lib/munge
    # A munged that died uncleanly leaves its socket and pid file behind.
    if ! pid_alive "$MUNGE_PID"; then
        rm -f "$MUNGE_PID" "$MUNGE_RUN"/munge.socket.2 "$MUNGE_RUN"/munge.socket.2.lock
    fi
    runuser -u munge -- munged
    local i
    for ((i = 0; i < 50; i++)); do
        if munge_works; then
            echo "$(<"$MUNGE_PID")" >"$DIR/munged.pid.ours"
            return 0
        fi
        sleep 0.1
    done
    tail -n 20 /var/log/munge/munged.log >&2 || true
    die "munged did not come up"
}

# ------------------------------------------------------------------ slurm ---

# The node's topology as slurmd sees it (Boards/Sockets/Cores/Threads), so
# that the config matches the hardware; falls back to CPUs=$(nproc).
node_line() {
    local mem_mb cpus topo
    mem_mb=$(awk '/^MemTotal:/ { printf "%d", $2 / 1024 * 0.95 }' /proc/meminfo)
    cpus=$(nproc)
    topo=$(slurmd -C 2>/dev/null | head -n 1 |
           grep -oE '(CPUs|Boards|SocketsPerBoard|CoresPerSocket|ThreadsPerCore)=[0-9]+' |
           tr '\n' ' ' || true)
    [[ $topo == *CPUs=* ]] || topo="CPUs=$cpus "
    echo "NodeName=$NODE NodeAddr=127.0.0.1 ${topo}RealMemory=$mem_mb State=UNKNOWN"
}

write_conf() {
    install -d -m 0755 "$DIR" "$DIR/spool" "$DIR/state"
    cat >"$CONF" <<EOF
# Written by tests/slurm/cluster.sh: a one-node cluster for parex's tests.
ClusterName=parex
SlurmctldHost=$NODE(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
# cred_expire also delays a requeued job's restart (default 120 s).
AuthInfo=cred_expire=10
CryptoType=crypto/munge
MpiDefault=none
MailProg=/bin/true

StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/slurmctld.pid
SlurmdPidFile=$DIR/slurmd.pid
SlurmctldLogFile=$DIR/slurmctld.log
SlurmdLogFile=$DIR/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info

# No cgroups (no systemd to delegate them; v1/v2 hybrid here): see header.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/affinity

SchedulerType=sched/backfill
# Backfill every second (default 30 s): a requeued job whose begin time has
# passed is started by the backfill loop, not by an event.
SchedulerParameters=bf_interval=1
SelectType=select/cons_tres
SelectTypeParameters=CR_Core

AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none

# Batch jobs may be requeued (sbatch --requeue is then the default).
JobRequeue=1
# 1, not 2: a node set DOWN with scontrol stays DOWN until State=RESUME (with
# 2 it is back in service within milliseconds, at slurmd's next message, so a
# test cannot hold it down); a node DOWN for not responding comes back by
# itself when its slurmd registers again.
ReturnToService=${PAREX_SLURM_RTS:-1}
# Finished jobs stay visible to squeue/scontrol for 5 minutes (no sacct here).
MinJobAge=300
# Short timers: a test should not wait for Slurm.
SlurmdTimeout=30
SlurmctldTimeout=30
InactiveLimit=0
KillWait=2
Waittime=0
MessageTimeout=10

$(node_line)
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
    cat >"$DIR/env" <<EOF
# source this file to talk to the parex test cluster
export SLURM_CONF=$CONF
export PAREX_SLURM_DIR=$DIR
export PAREX_SLURM_NODE=$NODE
EOF
}

node_state() { SLURM_CONF=$CONF sinfo -h -n "$NODE" -o %T 2>/dev/null | head -n 1; }

print_logs() {
    local f
    for f in "$DIR/slurmctld.log" "$DIR/slurmd.log" /var/log/munge/munged.log; do
        [[ -e $f ]] || continue
        echo "==> $f <==" >&2
        tail -n 30 "$f" >&2
    done
}

slurm_start() {
    export SLURM_CONF=$CONF
    slurmctld -f "$CONF" || { print_logs; die "slurmctld failed to start"; }
    slurmd -f "$CONF" || { print_logs; die "slurmd failed to start"; }
    local deadline=$((SECONDS + TIMEOUT)) state=
    while ((SECONDS < deadline)); do
        state=$(node_state || true)
        [[ $state == idle ]] && return 0
        sleep 0.5
    done
    print_logs
    die "node $NODE not idle after ${TIMEOUT}s (state: ${state:-none})"
}

cluster_running() { pid_alive "$DIR/slurmctld.pid" && pid_alive "$DIR/slurmd.pid"; }

cmd_up() {
    cmd_install
    if cluster_running && cmd_status >/dev/null 2>&1; then
        log "already up ($DIR)"
        echo "$DIR/env"
        return 0
    fi
    cmd_down 2>/dev/null || true   # clear a half-started or stale cluster
    write_conf
    munge_start
    slurm_start
    log "up: node $NODE idle; source $DIR/env"
    echo "$DIR/env"
}

# ------------------------------------------------------------------- down ---

# stop_daemons PIDFILE:NAME...: SIGTERM them all at once, wait up to 10 s for
# them to exit, then SIGKILL the rest. A pid is only signalled when it is
# really the daemon named (a stale pid file may name a reused pid).
stop_daemons() {
    local arg file name pid pids=() i
    for arg in "$@"; do
        file=${arg%:*} name=${arg##*:}
        pid_alive "$file" || continue
        pid=$(<"$file")
        [[ $(cat "/proc/$pid/comm" 2>/dev/null) == "$name" ]] || continue
        kill -TERM "$pid" 2>/dev/null && pids+=("$pid")
    done
    for ((i = 0; i < 100; i++)); do
        ((${#pids[@]} > 0)) || return 0
        kill -0 "${pids[@]}" 2>/dev/null || return 0   # true while any lives
        sleep 0.1
    done
    log "killing ${pids[*]}: still alive 10 s after SIGTERM"
    kill -KILL "${pids[@]}" 2>/dev/null || true
}

# slurmstepd processes that belong to this cluster: slurmd passes them its
# environment, which holds SLURM_CONF=$CONF.
our_stepds() {
    local p
    for p in $(pgrep -x slurmstepd || true); do
        if { tr '\0' '\n' <"/proc/$p/environ"; } 2>/dev/null | grep -qxF "SLURM_CONF=$CONF"; then
            echo "$p"
        fi
    done
}

cmd_down() {
    [[ -d $DIR ]] || return 0
    export SLURM_CONF=$CONF
    if pid_alive "$DIR/slurmctld.pid" && [[ -e $CONF ]]; then
        # Cancel everything so that slurmstepd ends the jobs' processes.
        timeout 10 scancel --full --quiet --user=root 2>/dev/null || true
        local jobs
        mapfile -t jobs < <(timeout 10 squeue -h -o %A 2>/dev/null || true)
        ((${#jobs[@]} == 0)) || timeout 10 scancel --full --quiet "${jobs[@]}" 2>/dev/null || true
        local i
        for ((i = 0; i < 50; i++)); do
            [[ -z $(our_stepds) ]] && break
            sleep 0.2
        done
    fi
    stop_daemons "$DIR/slurmd.pid:slurmd" "$DIR/slurmctld.pid:slurmctld"
    local p
    for p in $(our_stepds); do kill -KILL "$p" 2>/dev/null || true; done
    if [[ -s $DIR/munged.pid.ours ]]; then
        if [[ $(cat "$MUNGE_PID" 2>/dev/null) == "$(<"$DIR/munged.pid.ours")" ]]; then
            stop_daemons "$MUNGE_PID:munged"
        fi
    fi
    rm -rf "$DIR"
}

# ----------------------------------------------------------------- status ---

cmd_status() {
    [[ -e $CONF ]] || { echo "no cluster at $DIR"; return 1; }
    export SLURM_CONF=$CONF
    sinfo || true
    squeue || true
    case $(node_state || true) in
        idle | mixed | allocated | completing) return 0 ;;
        *) return 1 ;;
    esac
}

case ${1:-} in
    install) cmd_install ;;
    up) cmd_up ;;
    down) cmd_down ;;
    status) cmd_status ;;
    *) echo "usage: $0 install|up|down|status" >&2; exit 2 ;;
esac
