#!/bin/sh
# tests/slurm.sh - the Slurm path of netsim sweep, run for real (issue 15):
# a single-node Slurm (slurmctld + slurmd on this host, as root, with its
# own munged), configured here in the test's temporary directory, runs the
# job array that `netsim sweep --emit slurm` writes; `--collect` then gives
# the same table as a local `-j 2` sweep.
#
# Skips (exit 77) with the reason where Slurm cannot start: not root, the
# Debian packages slurm-wlm and munge not installed, or a daemon that does
# not come up.  The job is awaited with `sbatch --wait` (Slurm polls the
# job's state), bounded by timeout(1) so that a stuck cluster fails the test
# instead of hanging it.
. "$top_srcdir/tests/lib.sh"

skip() {
	echo "1..0 # SKIP $*"
	exit 77
}
[ "$(id -u)" = 0 ] || skip "Slurm's daemons need root here"
for c in munged slurmctld slurmd sbatch sinfo timeout; do
	command -v "$c" >/dev/null 2>&1 || skip "$c not found (Debian packages slurm-wlm and munge; setup.sh installs them)"
done

S="$T/slurm"
mkdir -p "$S/munge" "$S/state" "$S/spool"
chmod 700 "$S/munge"
stop() {
	for p in "$S/slurmd.pid" "$S/slurmctld.pid" "$S/munge/pid"; do
		[ -s "$p" ] && kill "$(cat "$p")" 2>/dev/null
	done
	rm -rf "$T"
}
trap stop EXIT

# munged with its own key and socket (the system's munge is left alone).
dd if=/dev/urandom of="$S/munge/key" bs=1024 count=1 2>/dev/null
chmod 600 "$S/munge/key"
munged --socket="$S/munge/sock" --key-file="$S/munge/key" --pid-file="$S/munge/pid" \
	--log-file="$S/munge/log" --seed-file="$S/munge/seed" --force ||
	skip "munged does not start: $(tail -1 "$S/munge/log" 2>/dev/null)"

host=$(hostname -s)
port=$((20000 + ($$ % 4000) * 2))
cat >"$S/slurm.conf" <<CONF
ClusterName=netsimtest
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$port
SlurmdPort=$((port + 1))
AuthType=auth/munge
AuthInfo=socket=$S/munge/sock
CredType=cred/munge
StateSaveLocation=$S/state
SlurmdSpoolDir=$S/spool
SlurmctldPidFile=$S/slurmctld.pid
SlurmdPidFile=$S/slurmd.pid
SlurmctldLogFile=$S/slurmctld.log
SlurmdLogFile=$S/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
NodeName=$host CPUs=$(nproc) State=UNKNOWN
PartitionName=test Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$S/slurm.conf"
slurmctld -f "$SLURM_CONF" || skip "slurmctld does not start: $(tail -1 "$S/slurmctld.log" 2>/dev/null)"
slurmd -f "$SLURM_CONF" || skip "slurmd does not start: $(tail -1 "$S/slurmd.log" 2>/dev/null)"
sinfo >/dev/null 2>&1 || skip "slurmctld does not answer: $(tail -1 "$S/slurmctld.log" 2>/dev/null)"

cat >"$T/tiny.ini" <<'INI'
[scenario]
title = two idle hosts
duration = 2ms
seed = 3

[host a]
[host b]
INI
sweep() { "$NETSIM" sweep "$T/tiny.ini" -j 2 --vary scenario.seed=1,2 --vary host.a.cpu.ip_rcv=1us,2us --no-plot "$@"; }

# A directory with a space and a quote: the script must quote every path.
out="$T/it's a sweep"
expect_exit 0 "emit a Slurm job array" -- sweep -o "$out" --emit slurm
expect_grep "$out/sweep.slurm" '^#SBATCH --array=1-4%2$' "four tasks, two at a time"
[ "$(grep '^#SBATCH' "$out/sweep.slurm" | grep -c /)" -eq 1 ] &&
	ok "no #SBATCH line holds a path but --output=/dev/null" ||
	not_ok "an #SBATCH line holds a path: $(grep '^#SBATCH' "$out/sweep.slurm")"
# Submitted from another directory: the script finds its sweep by itself.
expect_exit 0 "sbatch --wait runs the array (at most 60 s)" -- \
	sh -c 'cd / && timeout 60 sbatch --wait --quiet "$1"' sh "$out/sweep.slurm"
[ -s "$T/err" ] && sed 's/^/    slurm: /' "$S/slurmctld.log" | tail -5
expect_eq "$(ls "$out/runs" | grep -c '\.txt$')" 4 "every task left its result file"
expect_eq "$(ls "$out/runs" | grep -c '^slurm-.*\.out$')" 4 "every task wrote its output into runs/"
expect_exit 0 "collect the Slurm results" -- "$NETSIM" sweep --collect "$out" --no-plot
expect_grep "$T/out" '^sweep: 4 runs: 4 finished, 0 failed, 0 missing$' "collect found every run"
expect_exit 0 "the same grid with -j 2 here" -- sweep -o "$T/local" -q
expect_eq "$(md5sum <"$out/sweep.csv")" "$(md5sum <"$T/local/sweep.csv")" \
	"Slurm gives the same table as a local sweep"

done_testing
