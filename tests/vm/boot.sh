#!/usr/bin/env bash
# The first seconds after boot, against the real kernel and Debian's Open
# vSwitch 3.1. These checks need a guest that has just booted: scripts/test.sh
# runs this file first in its boot, as does `scripts/vm/run.sh tests/vm/boot.sh`
# alone; a check that finds the guest up for too long is skipped, saying so.
#
#   - ovs_upcall_threads: an ovs-vswitchd started in the first seconds of boot
#     runs no upcall thread (OVS 3.1 counts no CPU while its monotonic clock
#     is under 10 s; with the kernel's per-CPU upcall dispatch it then starts
#     no handler, and no revalidator without one): `upcall/show` lists no
#     revalidator, and every upcall is lost. doctor reports it as an error,
#     status and the Prometheus text show 0 threads; plan has an
#     ovs-reconfigure step, and apply, run before 10 s of uptime, waits for
#     them, has ovs-vswitchd reconfigure (same pid, no restart) and reads
#     its threads back; doctor is then clean for it and a second apply is a
#     no-op.
#
#   OO_BUILD=<build dir> scripts/vm/run.sh tests/vm/boot.sh
#
# Check functions are called through tests_run (ALL_TESTS):
# shellcheck disable=SC2317
set -u

ALL_TESTS="
	ovs_upcall_threads
"
# shellcheck source=tests/vm/lib.sh
. "$(dirname "$(readlink -f "$0")")/lib.sh"

[[ ${OO_VM_GUEST:-} == 1 ]] || skip "runs in the guest only: scripts/vm/run.sh tests/vm/boot.sh"
require_cmd ovs-vsctl ovs-appctl jq

BUILD=${OO_BUILD:-build}
CTL=$BUILD/ovs-offloadctl
[[ -x $CTL ]] || fail_hard "$CTL not built: run scripts/build.sh"
WORK=$(mktemp -d /tmp/oo-boot.XXXXXX)
defer rm -rf "$WORK"
# The latest uptime at which ovs-vswitchd is started for the check: OVS
# needs a moment to start, and the check must see it before 10 s.
LATEST_START=6

# revalidators: the "  N: (keys K)" lines of ovs-vswitchd's upcall/show.
revalidators() {
	ovs-appctl -t "$OVS_RUNDIR/ovs-vswitchd.$(ovs_vswitchd_pid).ctl" upcall/show | grep -c '^  [0-9]*: (keys'
}

# finding JSON CHECK OBJECT: the level of doctor's finding, "" if none.
finding() {
	jq -r --arg c "$2" --arg o "$3" '.findings[] | select(.check == $c and .object == $o) | .level' <<<"$1"
}

ovs_upcall_threads() {
	RET=0
	local up pid n out rc t0
	up=$(cut -d' ' -f1 /proc/uptime)
	if uptime_at_least "$LATEST_START"; then
		log_test_skip "ovs-vswitchd started early in boot: no upcall threads, reconfigured" \
			"the guest has been up ${up} s (run this file first in its boot)"
		return
	fi
	# hw-offload stored false: the config below sets it (a config that uses
	# OVS) and finds it so.
	OO_OVS_MIN_UPTIME=0 ovs_start hw-offload=false || {
		check_err 1 "cannot start Open vSwitch"
		log_test "ovs-vswitchd started early in boot: no upcall threads, reconfigured"
		return
	}
	# A datapath: someone else's bridge.
	ovs-vsctl add-br br-early
	pid=$(ovs_vswitchd_pid)
	n=$(revalidators)
	log_info "ovs-vswitchd (pid $pid) started at uptime ${up} s: $n revalidator threads at $(cut -d' ' -f1 /proc/uptime) s"
	if ((n != 0)); then
		log_test_skip "ovs-vswitchd started early in boot: no upcall threads, reconfigured" \
			"this Open vSwitch starts its upcall threads early in boot too: nothing to repair"
		return
	fi
	cat >"$WORK/cfg.yaml" <<-Y
	version: 1
	ovs:
	  db: unix:$(ovs_db_sock)
	  hw_offload: false
	Y

	out=$("$CTL" --db "unix:$(ovs_db_sock)" doctor -j 2>/dev/null)
	[[ $(finding "$out" ovs-upcall system@ovs-system) == error ]]
	check_err $? "doctor: no ovs-upcall error for system@ovs-system: $(jq -c '.findings[] | select(.check == "ovs-upcall")' <<<"$out")"
	out=$("$CTL" --db "unix:$(ovs_db_sock)" status -j 2>/dev/null)
	[[ $(jq -r '.ovs.datapaths[] | select(.name == "system@ovs-system") | .revalidator_threads' <<<"$out") == 0 ]]
	check_err $? "status -j: revalidator_threads is not 0: $(jq -c '.ovs.datapaths' <<<"$out")"
	"$CTL" --db "unix:$(ovs_db_sock)" status --prometheus 2>/dev/null |
		grep -qx 'ovs_offload_ovs_revalidator_threads{datapath="system@ovs-system"} 0'
	check_err $? "status --prometheus: no ovs_offload_ovs_revalidator_threads 0"

	"$CTL" -c "$WORK/cfg.yaml" plan >"$WORK/plan.out" 2>&1
	rc=$?
	((rc == 3)) && grep -q "ovs-reconfigure" "$WORK/plan.out"
	check_err $? "plan: exit $rc, want 3 with an ovs-reconfigure step: $(cat "$WORK/plan.out")"
	t0=$(cut -d' ' -f1 /proc/uptime)
	"$CTL" -c "$WORK/cfg.yaml" apply >"$WORK/apply.out" 2>&1
	check_err $? "apply: $(cat "$WORK/apply.out")"
	log_info "apply from uptime $t0 s: $(grep 'ovs-reconfigure' "$WORK/apply.out" | tail -n 1)"
	uptime_at_least 10
	check_err $? "apply returned before 10 s of uptime"
	n=$(revalidators)
	((n > 0))
	check_err $? "ovs-vswitchd still runs $n revalidator threads after the apply"
	[[ $(ovs_vswitchd_pid) == "$pid" ]]
	check_err $? "ovs-vswitchd was restarted (pid $pid -> $(ovs_vswitchd_pid)), not reconfigured"
	grep -q '^handler' /proc/"$pid"/task/*/comm
	check_err $? "no handler thread in ovs-vswitchd: $(cat /proc/"$pid"/task/*/comm | tr '\n' ' ')"
	out=$("$CTL" --db "unix:$(ovs_db_sock)" doctor -j 2>/dev/null)
	[[ $(finding "$out" ovs-upcall system@ovs-system) == ok ]]
	check_err $? "doctor after the apply: $(jq -c '.findings[] | select(.check == "ovs-upcall")' <<<"$out")"
	"$CTL" -c "$WORK/cfg.yaml" apply >"$WORK/apply2.out" 2>&1 && grep -q "in sync: nothing to do" "$WORK/apply2.out"
	check_err $? "a second apply is not a no-op: $(cat "$WORK/apply2.out")"
	log_test "ovs-vswitchd started early in boot: no upcall threads, reconfigured"
}

tests_run
