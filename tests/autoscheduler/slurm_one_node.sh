#!/bin/sh
# A one-node Slurm on this machine, for the test only: munged, slurmctld and
# slurmd run as the current user on loopback, configured in a temporary
# directory (nothing in /etc is read or written). A small search is measured
# through it (--launcher slurm: a job array of build-and-simulate tasks) and
# through the local worker pool; every measured cycle count must be equal.
# Every daemon started here is stopped on exit.
#
#   slurm_one_node.sh HALYARD_AUTOSCHEDULE WORK_DIR
# Exit 77 (skipped) when Slurm or munge is not installed, 1 under CI=true.
set -u
tool=$1
work=$2

missing=""
for p in munged slurmctld slurmd sbatch sinfo; do
    command -v "$p" >/dev/null 2>&1 || [ -x "/usr/sbin/$p" ] || missing="$missing $p"
done
if [ -n "$missing" ]; then
    echo "slurm test: not installed:$missing (Debian: slurm-wlm munge; bash .ci/setup installs them)"
    if [ "${CI:-}" = "true" ]; then exit 1; fi
    exit 77
fi
PATH=$PATH:/usr/sbin

rm -rf "$work"
mkdir -p "$work/state" "$work/spool" "$work/log" "$work/munge"
work=$(cd "$work" && pwd)
user=$(id -un)
node=$(hostname -s)
pids=""
cleanup() {
    for p in $pids; do kill "$p" 2>/dev/null; done
    sleep 1
    for p in $pids; do kill -9 "$p" 2>/dev/null; done
}
trap cleanup EXIT
trap "exit 1" INT TERM HUP PIPE

fail() {
    echo "slurm test: $*"
    for f in "$work"/log/*.log; do echo "---- $f"; tail -n 20 "$f"; done
    exit 1
}

# Free TCP ports for slurmctld and slurmd (loopback only).
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
ctld_port=$(port)
slurmd_port=$(port)

# munge: a fresh key, its own socket.
dd if=/dev/urandom of="$work/munge/munge.key" bs=1024 count=1 2>/dev/null
chmod 0600 "$work/munge/munge.key"
chmod 0755 "$work/munge"
munged --force --key-file="$work/munge/munge.key" --socket="$work/munge/munge.socket" \
    --pid-file="$work/munge/munged.pid" --log-file="$work/log/munged.log" --seed-file="$work/munge/seed" \
    || fail "munged did not start"
sleep 1
[ -f "$work/munge/munged.pid" ] && pids="$pids $(cat "$work/munge/munged.pid")"

ncpu=$(nproc)
cat > "$work/slurm.conf" <<EOF
ClusterName=halyard-test
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=$user
SlurmdUser=$user
AuthType=auth/munge
AuthInfo=socket=$work/munge/munge.socket
CredType=cred/munge
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/log/slurmctld.log
SlurmdLogFile=$work/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
ReturnToService=2
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
MinJobAge=30
NodeName=$node NodeAddr=127.0.0.1 CPUs=$ncpu State=UNKNOWN
PartitionName=test Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
# slurmd loads a cgroup plugin even when no cgroup is used (proctrack/linuxproc,
# task/none); v1 only reads the existing hierarchy.
printf 'CgroupPlugin=cgroup/v1\nCgroupAutomount=no\n' > "$work/cgroup.conf"
export SLURM_CONF="$work/slurm.conf"

slurmctld -D -i -f "$work/slurm.conf" >"$work/log/slurmctld.out" 2>&1 &
pids="$pids $!"
slurmd -D -N "$node" -f "$work/slurm.conf" >"$work/log/slurmd.out" 2>&1 &
pids="$pids $!"

# Wait for the node to come up (idle).
up=""
for i in $(seq 1 60); do
    state=$(sinfo -h -N -o %t 2>/dev/null | head -n 1)
    case "$state" in idle*|mix*|alloc*) up=1; break ;; esac
    sleep 1
done
[ -n "$up" ] || fail "the node did not come up (sinfo: $(sinfo -N 2>&1 | tail -n 2))"
echo "slurm test: one-node Slurm up ($node, ports $ctld_port/$slurmd_port)"

layer="gemm M=16 K=32 N=16 trans_b=1"
opts="--target cluster --budget 60 --measure 3 --seed 9 --no-cache"
# shellcheck disable=SC2086
"$tool" $layer $opts --launcher slurm --jobs 2 --work-dir "$work/job-slurm" --json "$work/slurm.json" \
    --out "$work/slurm.sched" || fail "the search through Slurm failed"
# shellcheck disable=SC2086
"$tool" $layer $opts --launcher local --jobs 2 --work-dir "$work/job-local" --json "$work/local.json" \
    --out "$work/local.sched" || fail "the search on the local pool failed"

python3 - "$work/slurm.json" "$work/local.json" <<'EOF' || fail "Slurm and the local pool disagree"
import json, sys
s, l = (json.load(open(p)) for p in sys.argv[1:3])
def figures(j):
    return [(c["schedule"], c.get("measured_ok"), c.get("measured_cycles")) for c in j["candidates"] if "measured_cycles" in c] \
        + [("default", j["default"]["ok"], j["default"]["measured_cycles"])]
fs, fl = figures(s), figures(l)
print("slurm test: %d schedules measured through Slurm and locally" % len(fs))
for a, b in zip(fs, fl):
    print("  slurm %s cycles, local %s cycles" % (a[2], b[2]))
assert len(fs) == len(fl) >= 4, (len(fs), len(fl))
assert all(x[1] for x in fs), "a measurement failed"
assert fs == fl
assert s["winner"] == l["winner"]
EOF
cmp -s "$work/slurm.sched" "$work/local.sched" || fail "the schedule files differ"
echo "slurm test: passed"
