#!/usr/bin/env bash
# The guest side of the benchmark (scripts/bench.sh boots the guest and runs
# this): each pair of issue 8 measured in the same boot, several runs each,
# alternating the two ways. Every measurement is a line of
# $OO_VM_RESULTS/bench.tsv (see tests/bench/lib.sh, measure); facts about the
# run go to bench.info, single values (RSS, idle CPU) to bench.values.
#
# Phases (OO_BENCH_PHASES, default all, in this order):
#   base      process start costs: /bin/true, one tc, one ovs-vsctl, ovs-offloadctl;
#             /bin/true and ovs-offloadctl again at fixed addresses (fixed_addresses)
#   converge  (1) full convergence from a clean host: apply vs tests/bench/shell-converge.sh;
#             no-op apply and plan; the no-op again at fixed addresses
#   tc        (2) N owned rules on one uplink: apply vs tc -batch (install,
#             delete by handle); no-op apply/plan vs tc -s -j filter show;
#             install and no-op apply again from the config written as JSON;
#             through ovs-offloadd: a no-op pass (with ovs-appctl's own round
#             trip, and the pass as the daemon times it) and a put-back
#   ports     (3) 1000 representors onto a bridge: apply vs one batched
#             ovs-vsctl vs one ovs-vsctl per port (sampled, extrapolated)
#   status    (4) status --json at 10 000 rules over 130 devices vs one tc -s -j
#             per device + 2 ovs-appctl, vs one tc -s -j -batch
#   daemon    (5, 6) ovs-offloadd at 10 000 rules and 256 representors: RSS,
#             idle CPU, time from a deleted rule to its repair
#
# Sizes (environment, scripts/bench.sh sets them from its options):
#   OO_BENCH_RUNS (3), OO_BENCH_CONVERGE_RULES (200), OO_BENCH_TC_SIZES
#   ("1000 10000"), OO_BENCH_PORTS (1000), OO_BENCH_PER_PORT_SAMPLE (100),
#   OO_BENCH_STATUS_RULES (10000), OO_BENCH_IDLE (30 s), OO_BENCH_REPAIRS (5),
#   OO_BENCH_MPV_PAIRS (8: MPV pairs of the convergence scenario, when
#   netdevsim has patch 0002), OO_BENCH_BASE_RUNS (10), OO_BENCH_PROFILE (0; 1: perf and callgrind
#   profiles of the big cases into $OO_VM_RESULTS)
#
# Not a test of tests/vm (CI does not run it): it checks what it measured
# (counts of ports and filters, in sync after apply) and records failures in
# bench.info, but goes on to the next phase.
set -u
HERE=$(dirname "$(readlink -f "$0")")
# shellcheck source=tests/vm/lib.sh
. "$HERE/../vm/lib.sh"
# shellcheck source=tests/bench/lib.sh
. "$HERE/lib.sh"

[[ ${OO_VM_GUEST:-} == 1 ]] || skip "runs in the guest: scripts/bench.sh"
require_cmd devlink ip tc jq ethtool ovs-vsctl ovs-appctl awk
require_module netdevsim bonding

RUNS=${OO_BENCH_RUNS:-3}
PHASES=${OO_BENCH_PHASES:-base converge tc ports status daemon}
CONVERGE_RULES=${OO_BENCH_CONVERGE_RULES:-200}
TC_SIZES=${OO_BENCH_TC_SIZES:-1000 10000}
PORTS=${OO_BENCH_PORTS:-1000}
PER_PORT_SAMPLE=${OO_BENCH_PER_PORT_SAMPLE:-100}
STATUS_RULES=${OO_BENCH_STATUS_RULES:-10000}
MPV_PAIRS=${OO_BENCH_MPV_PAIRS:-8}
IDLE=${OO_BENCH_IDLE:-30}
REPAIRS=${OO_BENCH_REPAIRS:-5}

RES=${OO_VM_RESULTS:-/tmp}
BENCH_TSV=$RES/bench.tsv
BENCH_LOG=$RES/commands.log
VALUES=$RES/bench.values
BUILD=${OO_BUILD:-build}
CTL=$BUILD/ovs-offloadctl
DAEMON=$BUILD/ovs-offloadd
TCCAP=$BUILD/tests/unit/tccapture
[[ -x $CTL ]] || fail_hard "$CTL not built"
W=$(mktemp -d /tmp/oo-bench.XXXXXX)
defer rm -rf "$W"
: >"$BENCH_TSV"
: >"${BENCH_TSV%.tsv}.info"
: >"$VALUES"
FAILED_PHASES=()

# value SECTION NAME VALUE UNIT: one figure that is not a timed command.
value() {
	printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$VALUES"
	echo "VALUE $1 $2: $3 $4"
}

# problem PHASE MSG: note a failed check or setup, go on.
problem() {
	info "problem" "$1: $2"
}

# apply_ok CFG: apply (untimed), insisting on success.
apply_ok() {
	"$CTL" -c "$1" apply >"$W/apply.out" 2>&1 || {
		tail -n 20 "$W/apply.out"
		return 1
	}
}

# in_sync CFG: the plan finds nothing to do.
in_sync() {
	"$CTL" -c "$1" plan >"$W/plan.out" 2>&1
}

# del_lines DEV: `tc -batch` lines deleting every flower filter of DEV's
# ingress by handle (from tc's text output: jq on 50 000 filters is slow).
del_lines() {
	tc filter show dev "$1" ingress | awk -v d="$1" '
		$1 == "filter" && / handle / {
			for (i = 1; i <= NF; i++) { if ($i == "pref") p = $(i + 1); if ($i == "handle") h = $(i + 1) }
			printf "filter del dev %s ingress protocol ip pref %s handle %s flower\n", d, p, h }'
}

# flower_count PLACES_FILE: filters over the places (one tc -batch dump).
flower_count() {
	tests_bench_status batch-file "$1" >"$W/count.batch"
	tc -j -batch "$W/count.batch" | jq -s '[.[][] | select(.options)] | length'
}

tests_bench_status() {
	"$HERE/shell-status.sh" "$@"
}

# full_places FILE: "block N" for bond0, "dev REP" for the 128 representors of
# netdevsim10/11 (the places of the convergence scenario's rules).
full_places() {
	local out=$1 id dev
	[[ $(tc qdisc show dev bond0 ingress) =~ ingress_block\ ([0-9]+) ]] || return 1
	echo "block ${BASH_REMATCH[1]}" >"$out"
	for id in 10 11; do
		nsim_rep_map "$id" | sort -n | while read -r _ dev; do echo "dev $dev"; done >>"$out"
	done
	(($(wc -l <"$out") == 129))
}

# verify_full CFG NRULES: the convergence scenario is there: bond0 with two
# members, 129 ports on br-offload, NRULES filters on bond0's block and the
# representors.
verify_full() {
	local n ports members
	read -r members <"/sys/class/net/bond0/bonding/slaves" || members=
	ports=$(ovs-vsctl list-ports br-offload 2>/dev/null | wc -l)
	full_places "$W/places" || { echo "bond0 has no shared block"; return 1; }
	n=$(flower_count "$W/places")
	[[ $(wc -w <<<"$members") == 2 && $ports == 129 && $n == "$2" ]] || {
		echo "bond members '$members', $ports ports on br-offload, $n filters (want $2)"
		return 1
	}
}

# ---------------------------------------------------------------- base

phase_base() {
	local i
	modprobe netdevsim
	nsim_up 10 64 || return 1
	fresh_ovs || return 1
	info kernel "$(uname -r)"
	info cpus "$(nproc)"
	info memory_kib "$(awk '/MemTotal/ { print $2 }' /proc/meminfo)"
	info ovs "$(ovs-vsctl --version | head -n 1)"
	info iproute2 "$(tc -V)"
	for ((i = 1; i <= ${OO_BENCH_BASE_RUNS:-10}; i++)); do
		measure base proc-start true "$i" /bin/true
		measure base tc-call tc "$i" tc qdisc show dev lo
		measure base ovs-vsctl-call ovs-vsctl "$i" ovs-vsctl get Open_vSwitch . cur_cfg
		measure base ctl-start ovs-offloadctl "$i" "$CTL" --version
	done
	for ((i = 1; i <= ${OO_BENCH_BASE_RUNS:-10}; i++)); do
		fixed_addresses measure base proc-start true-fixed-addresses "$i" /bin/true
		fixed_addresses measure base ctl-start ovs-offloadctl-fixed-addresses "$i" "$CTL" --version
	done
	clean_host
}

# fixed_addresses CMD...: CMD with the guest's address space randomization
# off (kernel.randomize_va_space = 0), put back after. Not a way to run
# ovs-offload: a measurement of the emulator. TCG translates guest code
# into host code and keeps the translations by virtual address: with
# randomization, every new process has its code at new addresses and pays
# for translating all of it again; without it, a command run before finds
# its translations. The difference is what a process start costs in this
# guest beyond the work (docs/performance.md, "Where targets are missed").
fixed_addresses() {
	local old rc
	read -r old </proc/sys/kernel/randomize_va_space || return 1
	echo 0 >/proc/sys/kernel/randomize_va_space || return 1
	"$@"
	rc=$?
	echo "$old" >/proc/sys/kernel/randomize_va_space
	return $rc
}

# perf_profile NAME PID CMD...: with OO_BENCH_PROFILE=1, run CMD once more
# under `perf record -e cpu-clock` (a software clock: it works under TCG),
# recording CMD itself, or with PID the running process PID while CMD runs,
# and keep the flat profile (user and kernel symbols) as $RES/perf-NAME.txt.
perf_profile() {
	local name=$1 pid=$2 who
	local -a sel=()
	shift 2
	[[ ${OO_BENCH_PROFILE:-0} == 1 ]] && command -v perf >/dev/null || return 0
	[[ -n $pid ]] && sel=(-p "$pid") && who=" (PID: $(cat "/proc/$pid/comm" 2>/dev/null))"
	perf record -q -e cpu-clock -F 997 "${sel[@]}" -o "$W/perf.data" -- "$@" >/dev/null 2>"$W/perf.err" || {
		problem profile "$name: $(tail -n 3 "$W/perf.err")"
		return 0
	}
	{
		echo "# perf record -e cpu-clock -F 997 ${sel[*]:+-p PID }-- $*${who:-}"
		perf report -i "$W/perf.data" --stdio --no-children --sort comm,dso 2>/dev/null | grep -v '^$' | head -n 30
		perf report -i "$W/perf.data" --stdio --no-children --sort sym 2>/dev/null | grep -v '^$' | head -n 80
	} >"$RES/perf-$name.txt"
	rm -f "$W/perf.data"
}

# profile NAME CMD...: perf_profile of CMD.
profile() {
	perf_profile "$1" "" "${@:2}"
}

# minflt PID: minor page faults of PID so far (proc(5), stat field 10).
minflt() {
	awk '{ sub(/^.*\) /, ""); print $8 }' "/proc/$1/stat"
}

# callgrind NAME CMD...: with OO_BENCH_PROFILE=1, run CMD once more under
# valgrind's callgrind (user space only: instructions per function, ours and
# the libraries'); scripts/bench.sh annotates $RES/callgrind-NAME.out.
callgrind() {
	local name=$1
	shift
	[[ ${OO_BENCH_PROFILE:-0} == 1 ]] && command -v valgrind >/dev/null || return 0
	valgrind --tool=callgrind --callgrind-out-file="$RES/callgrind-$name.out" "$@" >/dev/null 2>"$W/cg.err" ||
		problem profile "callgrind $name: $(tail -n 3 "$W/cg.err")"
}

# ---------------------------------------------------------------- (1)

# converge_setup [MPV]: the clean host of the convergence scenario; with
# MPV > 0, the MPV NIC staged for both ways (lib.sh, mpv_stage).
converge_setup() {
	clean_host
	nsim_up 10 64 && nsim_up 11 64 || return 1
	if ((${1:-0} > 0)); then
		mpv_stage "$1" || return 1
	fi
	fresh_ovs
}

# mpv_places FILE: "dev X" for the MPV NIC's uplinks and the representors of
# its first MPV_PAIRS VFs.
mpv_places() {
	local id vf dev
	: >"$1"
	for id in 12 13; do
		for dev in $(nsim_netdevs "$id"); do
			read -r vf <"/sys/class/net/$dev/phys_port_name" || continue
			if [[ $vf =~ ^p[0-9]+$ ]] || { [[ $vf =~ ^pf[0-9]+vf([0-9]+)$ ]] && ((BASH_REMATCH[1] < MPV_PAIRS)); }; then
				echo "dev $dev" >>"$1"
			fi
		done
	done
}

# verify_mpv: 4 rules per MPV pair, all in hardware.
verify_mpv() {
	local n
	((MPV_PAIRS > 0)) || return 0
	mpv_places "$W/mpv-places"
	tests_bench_status batch-file "$W/mpv-places" >"$W/mpv.batch"
	n=$(tc -j -batch "$W/mpv.batch" | jq -s '[.[][] | select(.options.in_hw == true)] | length')
	[[ $n == $((4 * MPV_PAIRS)) ]] || { echo "$n MPV rules in hardware, want $((4 * MPV_PAIRS))"; return 1; }
}

phase_converge() {
	local cfg=$W/full.yaml run out
	gen_full_config "$cfg" "$CONVERGE_RULES" "mpv=$MPV_PAIRS"
	"$CTL" -c "$cfg" check >/dev/null || return 1
	for ((run = 1; run <= RUNS; run++)); do
		converge_setup "$MPV_PAIRS" || return 1
		MEASURE_OUT=$W/apply.out measure converge full apply "$run" "$CTL" -c "$cfg" apply ||
			{ tail -n 20 "$W/apply.out"; problem converge "apply failed"; return 1; }
		cp "$W/apply.out" "$RES/converge-apply.out"
		if ((run == 1)) && ! out=$(verify_full "$cfg" "$CONVERGE_RULES" && verify_mpv); then
			problem converge "after apply: $out"
		fi
		MEASURE_OUT=$W/noop.out measure converge noop apply "$run" "$CTL" -c "$cfg" apply
		grep -q "in sync: nothing to do" "$W/noop.out" || problem converge "second apply not a no-op: $(head -n 5 "$W/noop.out")"
		measure converge noop plan "$run" "$CTL" -c "$cfg" plan
		# The same no-op once more at fixed addresses, after one untimed run
		# so that the emulator has translated its code (fixed_addresses).
		fixed_addresses "$CTL" -c "$cfg" apply >/dev/null 2>&1
		MEASURE_OUT=$W/noop.out fixed_addresses measure converge noop apply-fixed-addresses "$run" "$CTL" -c "$cfg" apply
		grep -q "in sync: nothing to do" "$W/noop.out" || problem converge "no-op apply at fixed addresses: $(head -n 5 "$W/noop.out")"

		converge_setup "$MPV_PAIRS" || return 1
		MEASURE_OUT=$W/shell.out measure converge full shell "$run" "$HERE/shell-converge.sh" "$CONVERGE_RULES" ||
			{ tail -n 20 "$W/shell.out"; problem converge "shell-converge.sh failed"; return 1; }
		cp "$W/shell.out" "$RES/converge-shell-run$run.out"
		info "converge_shell_run$run" "$(grep -h '^shell-converge' "$W/shell.out" | sed 's/^shell-converge[-a-z]*: //' | sort | tr '\n' ';')"
		if ((run == 1)); then
			out=$(verify_full "$cfg" "$CONVERGE_RULES" && verify_mpv) || problem converge "after the shell way: $out"
		fi
	done
	if [[ ${OO_BENCH_PROFILE:-0} == 1 ]]; then
		# One command of the shell way on the converged host (260 netdevs).
		full_places "$W/places" && read -r _ out < <(sed -n 2p "$W/places") &&
			profile converge-shell-one-tc tc filter add dev "$out" ingress protocol ip prio 11 \
				flower dst_ip 192.0.2.1 action mirred egress redirect dev bond0
		profile converge-shell-one-ovs-vsctl ovs-vsctl --may-exist add-br br-offload
		converge_setup "$MPV_PAIRS" || return 1
		profile converge-apply "$CTL" -c "$cfg" apply
		profile converge-noop-apply "$CTL" -c "$cfg" apply
		callgrind converge-noop-apply "$CTL" -c "$cfg" apply
	fi
	clean_host
}

# ---------------------------------------------------------------- (2)

phase_tc() {
	local id=30 dev cfg0=$W/tc0.yaml n run cfg cfgj add del out
	clean_host
	nsim_up "$id" 4 || return 1
	gen_tc_config "$cfg0" "netdevsim/netdevsim$id" 0
	apply_ok "$cfg0" || return 1
	dev=$(nsim_uplink "$id")
	[[ -n $dev ]] || return 1
	tc qdisc add dev "$dev" ingress || return 1
	info tc_device "$dev (netdevsim$id uplink, switchdev, hw-tc-offload on, ingress qdisc)"
	for n in $TC_SIZES; do
		cfg=$W/tc$n.yaml cfgj=$W/tc$n.json add=$W/add$n.batch del=$W/del$n.batch
		gen_tc_config "$cfg" "netdevsim/netdevsim$id" "$n"
		gen_tc_config_json "$cfgj" "netdevsim/netdevsim$id" "$n"
		"$TCCAP" tc-lines "$dev" "$n" >"$add" || return 1
		if ! "$CTL" -c "$cfg" check >"$W/check.out" 2>&1; then
			# e.g. the config loader's size limit: only the other way runs.
			problem tc "$n rules: the config ($(($(stat -c %s "$cfg") / 1024)) KiB) is refused: $(head -c 300 "$W/check.out")"
			for ((run = 1; run <= RUNS; run++)); do
				measure tc "install-$n" tc-batch "$run" tc -batch "$add" || return 1
				MEASURE_OUT=/dev/null measure tc "noop-$n" tc-show "$run" tc -s -j filter show dev "$dev" ingress
				del_lines "$dev" >"$del"
				measure tc "delete-$n" tc-batch "$run" tc -batch "$del" || return 1
			done
			continue
		fi
		for ((run = 1; run <= RUNS; run++)); do
			MEASURE_OUT=$W/apply.out measure tc "install-$n" apply "$run" "$CTL" -c "$cfg" apply ||
				{ tail -n 5 "$W/apply.out"; problem tc "apply of $n rules failed"; return 1; }
			cp "$W/apply.out" "$RES/tc-install-$n-apply.out"
			if ((run == 1)); then
				out=$(tc -j filter show dev "$dev" ingress | jq '[.[] | select(.options.in_hw == true)] | length')
				[[ $out == "$n" ]] || problem tc "$out of $n rules in_hw after apply"
			fi
			MEASURE_OUT=$W/noop.out measure tc "noop-$n" apply "$run" "$CTL" -c "$cfg" apply
			grep -q "in sync: nothing to do" "$W/noop.out" || problem tc "apply of $n rules again is not a no-op"
			measure tc "noop-$n" plan "$run" "$CTL" -c "$cfg" plan
			MEASURE_OUT=/dev/null measure tc "noop-$n" tc-show "$run" tc -s -j filter show dev "$dev" ingress
			MEASURE_OUT=$W/apply.out measure tc "delete-$n" apply "$run" "$CTL" -c "$cfg0" apply ||
				{ tail -n 5 "$W/apply.out"; problem tc "delete of $n rules failed"; return 1; }
			cp "$W/apply.out" "$RES/tc-delete-$n-apply.out"
			# The same rules from the same config written as JSON.
			MEASURE_OUT=$W/apply.out measure tc "install-$n" apply-json "$run" "$CTL" -c "$cfgj" apply ||
				{ tail -n 5 "$W/apply.out"; problem tc "apply of $n rules (JSON) failed"; return 1; }
			((run == 1)) && { in_sync "$cfg" || problem tc "the YAML config is not in sync after the JSON one: $(head -n 3 "$W/plan.out")"; }
			MEASURE_OUT=$W/noop.out measure tc "noop-$n" apply-json "$run" "$CTL" -c "$cfgj" apply
			grep -q "in sync: nothing to do" "$W/noop.out" || problem tc "apply of $n rules (JSON) again is not a no-op"
			"$CTL" -c "$cfg0" apply >"$W/apply.out" 2>&1 ||
				{ tail -n 5 "$W/apply.out"; problem tc "delete of $n rules failed"; return 1; }

			measure tc "install-$n" tc-batch "$run" tc -batch "$add" ||
				{ problem tc "tc -batch of $n rules failed"; return 1; }
			# The same rules, ours by their cookies: the config is in sync.
			((run == 1)) && { in_sync "$cfg" || problem tc "the config is not in sync with tc -batch's $n rules: $(head -n 3 "$W/plan.out")"; }
			del_lines "$dev" >"$del"
			measure tc "delete-$n" tc-batch "$run" tc -batch "$del" ||
				{ problem tc "tc -batch delete of $n rules failed"; return 1; }
			out=$(tc -j filter show dev "$dev" ingress | jq '[.[] | select(.options)] | length')
			[[ $out == 0 ]] || { problem tc "$out filters left after the deletes"; return 1; }
			tc_with_listener "$n" "$run" "$cfg" "$cfg0" "$add" "$dev" "$del" || return 1
		done
		if [[ ${OO_BENCH_PROFILE:-0} == 1 && $n == "${TC_SIZES%% *}" ]]; then
			"$CTL" -c "$cfg" apply >/dev/null 2>&1
			callgrind "tc-noop-$n-apply" "$CTL" -c "$cfg" apply
			callgrind "tc-noop-$n-apply-json" "$CTL" -c "$cfgj" apply
			"$CTL" -c "$cfg0" apply >/dev/null 2>&1
		fi
		if [[ ${OO_BENCH_PROFILE:-0} == 1 && $n == "${TC_SIZES##* }" ]]; then
			profile "tc-install-$n-apply" "$CTL" -c "$cfg" apply
			profile "tc-noop-$n-apply" "$CTL" -c "$cfg" apply
			"$CTL" -c "$cfg0" apply >/dev/null 2>&1
			profile "tc-install-$n-apply-json" "$CTL" -c "$cfgj" apply
			profile "tc-noop-$n-apply-json" "$CTL" -c "$cfgj" apply
			profile "tc-noop-$n-tc-show" tc -s -j filter show dev "$dev" ingress
			profile "tc-delete-$n-apply" "$CTL" -c "$cfg0" apply
			profile "tc-install-$n-tc-batch" tc -batch "$add"
			del_lines "$dev" >"$del"
			profile "tc-delete-$n-tc-batch" tc -batch "$del"
		fi
		daemon_tc "$n" "$cfg" "$dev" "$del" || problem tc "the daemon's measurements of $n rules failed"
	done
	clean_host
}

# tc_with_listener N RUN CFG CFG0 ADD DEV DEL: install and delete again, both
# ways, while something listens to RTNLGRP_TC (a `tc monitor`, stopped: its
# socket joined, never read, so it costs no CPU of its own). The kernel then
# builds a notification per filter, sized by the sendmsg that carried the
# request (tc/io.h, OO_TC_SEND_BYTES).
tc_with_listener() {
	local n=$1 run=$2 cfg=$3 cfg0=$4 add=$5 dev=$6 del=$7 mon
	tc monitor >/dev/null 2>&1 &
	mon=$!
	sleep 0.3
	kill -STOP "$mon"
	MEASURE_OUT=$W/apply.out measure tc "install-$n-listener" apply "$run" "$CTL" -c "$cfg" apply &&
		MEASURE_OUT=$W/apply.out measure tc "delete-$n-listener" apply "$run" "$CTL" -c "$cfg0" apply &&
		measure tc "install-$n-listener" tc-batch "$run" tc -batch "$add" &&
		{ del_lines "$dev" >"$del"; measure tc "delete-$n-listener" tc-batch "$run" tc -batch "$del"; }
	local r=$?
	kill -CONT "$mon"
	kill "$mon"
	wait "$mon" 2>/dev/null
	((r == 0)) || problem tc "the $n-rule runs with a tc monitor failed"
	return $r
}

# answer_ms FILE: the duration in the last answer of `ovs-appctl reconcile`
# in FILE, in ms ("... (216 ms)", "... (1.2 s)").
answer_ms() {
	tail -n 1 "$1" | sed -n 's/.*(\([0-9]*\) ms)$/\1/p; s/.*(\([0-9]*\)\.\([0-9]\) s)$/\1\200/p' | grep .
}

# daemon_tc N CFG DEV DEL: the same work done by ovs-offloadd, which holds
# the config loaded (no YAML to read): a no-op pass, and a pass that puts
# back N rules flushed behind its back (with tc -batch while the daemon was
# stopped). Timed from the outside: ovs-appctl ... reconcile answers after
# a pass that started after the request, so the install figure is an upper
# bound (it may include the no-op pass that follows); the daemon's own log
# gives the install pass alone.
daemon_tc() {
	local n=$1 cfg=$2 dev=$3 del=$4 run pid log=$W/daemon-tc.log ms flt0 flt1 flt2
	[[ -x $DAEMON ]] || return 0
	fresh_ovs || return 1
	"$CTL" -c "$cfg" apply >/dev/null 2>&1 || return 1
	"$DAEMON" -c "$cfg" --metrics none --resync 600 --log-file "$log" >"$W/daemon-tc.out" 2>&1 &
	pid=$!
	wait_for 300 daemon_in_sync || { kill "$pid"; tail -n 5 "$W/daemon-tc.out"; return 1; }
	for ((run = 1; run <= RUNS; run++)); do
		# After 4 s quiet the daemon has given the last pass's heap back
		# (TRIM_QUIET_MS): this pass faults it in again; the next one,
		# right after it, reuses it.
		sleep 4
		flt0=$(minflt "$pid")
		measure tc "noop-$n" daemon-reconcile-idle "$run" ovs-appctl -T 300 -t ovs-offloadd reconcile || break
		flt1=$(minflt "$pid")
		MEASURE_OUT=$W/daemon-answer measure tc "noop-$n" daemon-reconcile "$run" \
			ovs-appctl -T 300 -t ovs-offloadd reconcile || break
		flt2=$(minflt "$pid")
		# The round trip holds ovs-appctl's own start and connection: its
		# cheapest command, and the pass as the daemon times it ("in sync:
		# nothing to do (216 ms)"), split it.
		measure tc "noop-$n" appctl-version "$run" ovs-appctl -T 30 -t ovs-offloadd version || break
		ms=$(answer_ms "$W/daemon-answer") && record tc "noop-$n" daemon-pass "$run" $((ms * 1000))
		((run == 1)) && value tc "noop-$n-daemon-faults" "$((flt1 - flt0)) after 4 s quiet, $((flt2 - flt1)) right after" \
			"minor page faults of ovs-offloadd in a no-op pass"
		kill -STOP "$pid"
		del_lines "$dev" >"$del"
		tc -batch "$del"
		kill -CONT "$pid"
		measure tc "install-$n" daemon-reconcile "$run" ovs-appctl -T 300 -t ovs-offloadd reconcile || break
		[[ $(tc -j filter show dev "$dev" ingress | jq '[.[] | select(.options.in_hw == true)] | length') == "$n" ]] ||
			problem tc "daemon: not $n rules in_hw after its pass"
	done
	if [[ $n == "${TC_SIZES##* }" ]]; then
		perf_profile "tc-noop-$n-daemon" "$pid" sh -c 'for i in 1 2 3 4 5; do ovs-appctl -T 300 -t ovs-offloadd reconcile || exit 1; done'
	fi
	# "apply: [1/1] t0: tc-sync ... ok (812 ms, +10000 ~0 -0, 0 unchanged)"
	grep -o 'tc-sync .* ok ([0-9]* ms, +'"$n"' ' "$log" | sed 's/.*ok (\([0-9]*\) ms.*/\1/' >"$W/dtc.ms"
	run=0
	while read -r ms; do
		run=$((run + 1))
		record tc "install-$n" daemon-step "$run" $((ms * 1000)) 0 0 0 0
	done <"$W/dtc.ms"
	cp "$log" "$RES/daemon-tc-$n.log"
	OVS_RUNDIR=$OVS_RUNDIR ovs-appctl -T 30 -t ovs-offloadd exit >/dev/null 2>&1
	wait_for 20 _oo_pid_gone "$pid" || kill -9 "$pid"
	[[ $n == "${TC_SIZES##* }" ]] && callgrind_daemon_pass "tc-noop-$n-daemon" "$cfg"
	return 0
}

# callgrind_daemon_pass NAME CFG: with OO_BENCH_PROFILE=1, ovs-offloadd
# under callgrind, counting only inside its passes (not the config load),
# for two no-op passes on request after its first one.
callgrind_daemon_pass() {
	local name=$1 cfg=$2 pid
	[[ ${OO_BENCH_PROFILE:-0} == 1 ]] && command -v valgrind >/dev/null || return 0
	valgrind --tool=callgrind --callgrind-out-file="$RES/callgrind-$name.out" \
		--toggle-collect=oo_reconcile_pass \
		"$DAEMON" -c "$cfg" --metrics none --resync 600 >"$W/cg-daemon.out" 2>&1 &
	pid=$!
	if wait_for 900 daemon_in_sync; then
		if ! { ovs-appctl -T 600 -t ovs-offloadd reconcile >/dev/null &&
			ovs-appctl -T 600 -t ovs-offloadd reconcile >/dev/null; }; then
			problem profile "callgrind $name: reconcile failed"
		fi
		ovs-appctl -T 60 -t ovs-offloadd exit >/dev/null 2>&1
	else
		problem profile "callgrind $name: the daemon did not get in sync: $(tail -n 3 "$W/cg-daemon.out")"
	fi
	wait_for 120 _oo_pid_gone "$pid" || kill -9 "$pid"
	wait "$pid" 2>/dev/null
}

# keep_ovs_logs NAME: ovs-vswitchd's and ovsdb-server's logs into the results
# (after something OVS did not do).
keep_ovs_logs() {
	[[ -n ${OVS_LOGDIR:-} ]] || return 0
	mkdir -p "$RES/ovs-logs-$1"
	cp "$OVS_LOGDIR"/* "$RES/ovs-logs-$1/" 2>/dev/null
	ovs-appctl -T 5 -t ovs-vswitchd coverage/show >"$RES/ovs-logs-$1/coverage.txt" 2>&1
	pidof ovs-vswitchd >"$RES/ovs-logs-$1/pidof.txt" 2>&1
}

# del_br: the benchmark bridge gone, by starting OVS again from an empty
# database. (ovs-vsctl del-br of 1000 netdevsim representors with
# hw-offload on did not complete within 10 minutes in this guest: tearing
# down is not what is measured, and a fresh OVS is the same start for
# every way.)
del_br() {
	ovs_stop
	ovs-dpctl del-dp ovs-system 2>/dev/null
	ovs_start hw-offload=true tc-policy=none && return 0
	problem ports "OVS did not start again after the bridge: OVS logs in ovs-logs-ports/"
	keep_ovs_logs ports
	return 1
}

# ---------------------------------------------------------------- (3)

# batch_add_ports BRIDGE FROM TO: PORT_NAMES[FROM..TO-1] added by one
# ovs-vsctl call (none when FROM >= TO).
batch_add_ports() {
	local br=$1 j args=()
	for ((j = $2; j < $3; j++)); do
		args+=(-- add-port "$br" "${PORT_NAMES[j]}")
	done
	((${#args[@]} == 0)) || ovs-vsctl --timeout=600 "${args[@]}"
}

phase_ports() {
	local npf=8 nvf first=40 i total run cfg_dev=$W/ports-dev.yaml cfg=$W/ports.yaml list=$W/ports.txt
	local k p t0 sum_us sum_u sum_s sum_o extra
	nvf=$(((PORTS + npf - 1) / npf))
	total=$((npf * nvf))
	clean_host
	for ((i = 0; i < npf; i++)); do
		nsim_up $((first + i)) "$nvf" || return 1
	done
	fresh_ovs hw-offload=true tc-policy=none || return 1
	gen_ports_config "$cfg_dev" "$first" "$npf" "$nvf"
	gen_ports_config "$cfg" "$first" "$npf" "$nvf" br-big
	t0=${EPOCHREALTIME/./}
	apply_ok "$cfg_dev" || { problem ports "cannot make $npf PFs with $nvf VFs"; return 1; }
	info ports_setup "$npf netdevsim PFs x $nvf VFs in switchdev: $total representors (apply: $(((${EPOCHREALTIME/./} - t0) / 1000)) ms)"
	: >"$list"
	for ((i = 0; i < npf; i++)); do
		nsim_rep_map $((first + i)) | sort -n | awk '{ print $2 }' >>"$list"
	done
	(($(wc -l <"$list") == total)) || { problem ports "$(wc -l <"$list") representors, want $total"; return 1; }
	info ports "$total"
	for ((run = 1; run <= RUNS; run++)); do
		: >"$W/apply.out"
		MEASURE_OUT=$W/apply.out measure ports attach apply "$run" "$CTL" -c "$cfg" apply ||
			{ tail -n 5 "$W/apply.out"; problem ports "apply failed"; return 1; }
		grep -o 'one transaction, [0-9]* ms[^)]*' "$W/apply.out" | head -n 1 >"$W/txn"
		read -r extra <"$W/txn" || extra=
		info "ports_apply_run$run" "${extra:-no transaction line}"
		cp "$W/apply.out" "$RES/ports-apply.out"
		(($(ovs-vsctl list-ports br-big | wc -l) == total)) || problem ports "apply did not attach $total ports"
		del_br || return 1

		measure ports attach vsctl-batched "$run" "$HERE/shell-ports.sh" batched br-big "$list" ||
			{ problem ports "batched ovs-vsctl failed"; return 1; }
		(($(ovs-vsctl list-ports br-big | wc -l) == total)) || problem ports "batched ovs-vsctl did not attach $total ports"
		del_br || return 1
	done

	# One call per port, sampled. The port list is cut into K blocks of
	# (nearly) equal size; the port in the middle of each block is added by
	# a call of its own, timed, and the ports between two timed ones by one
	# batched call, not timed. A call costs more the more ports the bridge
	# has (ovs-vswitchd reconfigures them all), so the middle call stands
	# for its block: the sum is add-br plus, over the blocks, the timed call
	# times the block's size. With K = the number of ports, every call is
	# timed and nothing is extrapolated.
	k=$PER_PORT_SAMPLE
	((k < 1)) && k=1
	((k > total)) && k=$total
	measure ports add-br vsctl-per-port 1 ovs-vsctl --timeout=600 add-br br-big || return 1
	mapfile -t PORT_NAMES <"$list"
	tail -n 1 "$BENCH_TSV" >"$W/addbr"
	IFS=$'\t' read -r _ _ _ _ sum_us sum_u sum_s sum_o _ <"$W/addbr"
	local b lo hi mid size next=0 q=0 q_us=0 q_n=0 q_first=0
	for ((b = 0; b < k; b++)); do
		lo=$((b * total / k)) hi=$(((b + 1) * total / k))
		mid=$(((lo + hi - 1) / 2)) size=$((hi - lo))
		batch_add_ports br-big "$next" "$mid" || return 1
		p=${PORT_NAMES[mid]}
		measure ports per-port-call "b$b" "$mid" ovs-vsctl --timeout=600 add-port br-big "$p" || return 1
		next=$((mid + 1))
		tail -n 1 "$BENCH_TSV" >"$W/last"
		local w u sy o
		IFS=$'\t' read -r _ _ _ _ w u sy o _ <"$W/last"
		sum_us=$((sum_us + w * size)) sum_u=$((sum_u + u * size))
		sum_s=$((sum_s + sy * size)) sum_o=$((sum_o + o * size))
		# What a call cost along the way: the mean of the timed calls in
		# each quarter of the port list.
		q_us=$((q_us + w)) q_n=$((q_n + 1))
		if ((b == k - 1 || (b + 1) * 4 / k != q)); then
			info "ports_per_port_q$q" "ports $q_first..$((hi - 1)): mean $((q_us / q_n / 1000)) ms per call over $q_n timed calls"
			q=$(((b + 1) * 4 / k)) q_us=0 q_n=0 q_first=$hi
		fi
	done
	batch_add_ports br-big "$next" "$total" || return 1
	(($(ovs-vsctl list-ports br-big | wc -l) == total)) || problem ports "one call per port did not attach $total ports"
	if ((k == total)); then
		record ports attach vsctl-per-port-all 1 "$sum_us" "$sum_u" "$sum_s" "$sum_o" 0
		info ports_per_port "all $total calls timed"
	else
		record ports attach vsctl-per-port-extrapolated 1 "$sum_us" "$sum_u" "$sum_s" "$sum_o" 0
		size=$((total / k))
		((total % k == 0)) || size="$size-$((size + 1))"
		info ports_per_port "sampled $k calls of $total, the middle one of each block of $size ports; the others added by batched calls between them, not timed; extrapolated"
	fi
	del_br
	clean_host
}

# ---------------------------------------------------------------- (4)

phase_status() {
	local cfg=$W/status.yaml run out
	converge_setup || return 1
	gen_full_config "$cfg" "$STATUS_RULES"
	MEASURE_OUT=$W/apply.out measure status "converge-$STATUS_RULES" apply 1 "$CTL" -c "$cfg" apply ||
		{ tail -n 20 "$W/apply.out"; problem status "apply failed"; return 1; }
	cp "$W/apply.out" "$RES/status-converge-apply.out"
	out=$(verify_full "$cfg" "$STATUS_RULES") || problem status "$out"
	full_places "$W/places" || return 1
	"$HERE/shell-status.sh" batch-file "$W/places" >"$W/status.batch"
	info status_places "$(wc -l <"$W/places") places (bond0's block + 128 representors), $STATUS_RULES rules"
	for ((run = 1; run <= 5; run++)); do
		measure status proc-start-loaded true "$run" /bin/true
		measure status tc-call-loaded tc "$run" tc qdisc show dev lo
		measure status ovs-vsctl-call-loaded ovs-vsctl "$run" ovs-vsctl get Open_vSwitch . cur_cfg
	done
	for ((run = 1; run <= RUNS; run++)); do
		MEASURE_OUT=/dev/null measure status "status-$STATUS_RULES" ctl-json "$run" "$CTL" status --json
		MEASURE_OUT=/dev/null measure status "status-$STATUS_RULES" tc-per-device "$run" \
			"$HERE/shell-status.sh" per-device "$W/places"
		MEASURE_OUT=/dev/null measure status "status-$STATUS_RULES" tc-batch "$run" tc -s -j -batch "$W/status.batch"
		MEASURE_OUT=$W/noop.out measure status "noop-$STATUS_RULES" apply "$run" "$CTL" -c "$cfg" apply
		grep -q "in sync: nothing to do" "$W/noop.out" || problem status "apply again is not a no-op: $(head -n 3 "$W/noop.out")"
	done
	profile "status-$STATUS_RULES-ctl-json" "$CTL" status --json
	callgrind "status-$STATUS_RULES-ctl-json" "$CTL" status --json
	profile "status-$STATUS_RULES-tc-batch" tc -s -j -batch "$W/status.batch"
	profile "noop-$STATUS_RULES-apply" "$CTL" -c "$cfg" apply
	"$CTL" status --json >"$RES/status.json" 2>&1
	# What a repair of one rule costs at this scale: the work of the
	# daemon's pass, here as one apply.
	if [[ ${OO_BENCH_PROFILE:-0} == 1 ]]; then
		local dev handle
		dev=$(sed -n 2p "$W/places" | awk '{ print $2 }')
		handle=$(tc -j filter show dev "$dev" ingress | jq -r '[.[] | select(.options.actions[0].cookie // "" | startswith("6f6f2d74632d7631"))] | first | "\(.pref) \(.options.handle)"')
		tc filter del dev "$dev" ingress protocol ip pref "${handle% *}" handle "${handle#* }" flower &&
			profile "repair-1-$STATUS_RULES-apply" "$CTL" -c "$cfg" apply
		"$CTL" -c "$cfg" apply >/dev/null 2>&1
		tc filter del dev "$dev" ingress protocol ip pref "${handle% *}" handle "${handle#* }" flower &&
			"$CTL" -c "$cfg" apply >"$RES/repair-1-apply.out" 2>&1
	fi
}

# ---------------------------------------------------------------- (5) (6)

daemon_metric() {
	OVS_RUNDIR=$OVS_RUNDIR ovs-appctl -T 60 -t ovs-offloadd metrics 2>/dev/null |
		awk -v k="$1" '$1 == k { print $2; exit }'
}

daemon_in_sync() {
	[[ $(daemon_metric 'ovs_offload_reconcile_last_result{result="in_sync"}') == 1 ]]
}

# has_socket PID: PID has a socket open.
has_socket() {
	local f
	for f in /proc/"$1"/fd/*; do
		[[ $(readlink "$f" 2>/dev/null) == socket:* ]] && return 0
	done
	return 1
}

# repair_once I: delete one owned rule on representor I of pf0 by hand; ms
# from the kernel's deletion event to its re-adding, both seen by tc monitor.
repair_once() {
	local i=$1 dev handle mon monpid t_del t_add line
	dev=$(sed -n "$((i + 2))p" "$W/places" | awk '{ print $2 }')
	handle=$(tc -j filter show dev "$dev" ingress | jq -r '[.[] | select(.options.actions[0].cookie // "" | startswith("6f6f2d74632d7631"))] | first | "\(.pref) \(.options.handle)"')
	[[ $handle != "null null" && -n $handle ]] || { echo "no owned rule on $dev"; return 1; }
	mon=$W/mon$i.txt
	stdbuf -oL tc -ts monitor >"$mon" 2>&1 &
	monpid=$!
	# Subscribed once its netlink socket exists (it binds to the groups
	# when it opens it); a loaded guest can take a while to get there.
	wait_for 10 has_socket "$monpid" || { kill "$monpid"; echo "tc monitor did not start"; return 1; }
	sleep 0.2
	tc filter del dev "$dev" ingress protocol ip pref "${handle% *}" handle "${handle#* }" flower || {
		kill "$monpid"
		return 1
	}
	wait_for 30 grep -q "] added filter dev $dev " "$mon"
	sleep 0.2
	kill "$monpid" 2>/dev/null
	wait "$monpid" 2>/dev/null
	# tc -ts prefixes each event with "[2024-01-01T10:00:00.123456] ".
	read -r t_del t_add < <(awk -v d="$dev" '
		/^\[/ {
			split(substr($0, 13, 15), a, ":")
			t = a[1] * 3600 + a[2] * 60 + a[3]
			line = substr($0, index($0, "] ") + 2)
			if (index(line, "deleted filter dev " d " ") == 1 && !del) del = t
			if (index(line, "added filter dev " d " ") == 1 && del && !add) add = t
		}
		END { printf "%.6f %.6f\n", del, add }' "$mon")
	cp "$mon" "$RES/repair-$i.monitor"
	awk -v a="$t_del" -v b="$t_add" 'BEGIN { if (a > 0 && b > a) printf "%d\n", (b - a) * 1e6; else exit 1 }' || {
		echo "no deletion and re-add of a rule of $dev in the tc monitor's log ($t_del, $t_add)"
		return 1
	}
}

phase_daemon() {
	local cfg=$W/daemon.yaml pid t0 i us ns0 ns1 wake0 wakes tids0 rss hwm runs0 runs1
	[[ -x $DAEMON ]] || { info daemon "not built: not measured"; return 0; }
	# The status phase left the host with 10 000 rules; two more PFs make
	# 256 representors on OVS.
	link_exists bond0 || { problem daemon "needs the host of the status phase"; return 1; }
	nsim_up 14 64 && nsim_up 15 64 || return 1
	gen_full_config "$cfg" "$STATUS_RULES" extra
	t0=${EPOCHREALTIME/./}
	apply_ok "$cfg" || { problem daemon "apply of the 256-representor config failed"; return 1; }
	info daemon_setup "apply of a third NIC (128 more representors, two bridges): $(((${EPOCHREALTIME/./} - t0) / 1000)) ms"
	in_sync "$cfg" || { problem daemon "not in sync before the daemon starts"; return 1; }
	t0=${EPOCHREALTIME/./}
	"$DAEMON" -c "$cfg" --metrics none --resync 60 --log-file "$W/daemon.log" >"$W/daemon.out" 2>&1 &
	pid=$!
	defer kill "$pid"
	wait_for 60 daemon_in_sync || {
		problem daemon "no in-sync pass within 60 s: $(tail -n 5 "$W/daemon.out")"
		cp "$W/daemon.out" "$RES/daemon.out"
		return 1
	}
	value daemon first-pass-in-sync $(((${EPOCHREALTIME/./} - t0) / 1000)) "ms from start (includes ovs-appctl polling)"
	read -r rss < <(awk '/^VmRSS/ { print $2 }' "/proc/$pid/status")
	value daemon rss-after-pass "$rss" KiB
	runs0=$(daemon_metric ovs_offload_reconcile_runs_total)
	# The window opens 4 s after that call. The daemon gives a pass's heap
	# back 3 s after the pass (TRIM_QUIET_MS, controller/daemon.c), and
	# closes its end of ovs-appctl's connection after answering: both are
	# the end of work done, not idling.
	sleep 4
	sched_totals "$pid"
	wake0=$SW tids0=$ST
	ns0=$(proc_cpu_ns "$pid")
	sleep "$IDLE"
	ns1=$(proc_cpu_ns "$pid")
	sched_totals "$pid"
	runs1=$(daemon_metric ovs_offload_reconcile_runs_total)
	wakes=$((SW - wake0))
	if [[ $ST != "$tids0" ]]; then
		wakes+=" or more (threads came or went: ids $tids0, then $ST)"
	elif ((wakes > 0)); then
		wakes+=" or more (a thread that started and ended within the window is not counted)"
	fi
	value daemon idle-wakeups "$wakes" "times its threads were scheduled in over $IDLE s idle"
	value daemon idle-cpu "$(awk -v n=$((ns1 - ns0)) 'BEGIN { printf "%.3f", n / 1e6 }')" \
		"ms of CPU in $IDLE s idle (scheduled in $wakes times, $((runs1 - runs0)) passes, resync 60 s)"
	# Steady: after the idle window (the heap of a pass is given back 3 s
	# after the last one).
	read -r rss < <(awk '/^VmRSS/ { print $2 }' "/proc/$pid/status")
	read -r hwm < <(awk '/^VmHWM/ { print $2 }' "/proc/$pid/status")
	value daemon rss "$rss" KiB
	value daemon rss-peak "$hwm" KiB
	for ((i = 1; i <= REPAIRS; i++)); do
		us=$(repair_once "$i") || { problem daemon "repair $i: $us"; continue; }
		record daemon repair daemon "$i" "$us"
		sleep 1
	done
	read -r hwm < <(awk '/^VmHWM/ { print $2 }' "/proc/$pid/status")
	value daemon rss-peak-after-repairs "$hwm" KiB
	OVS_RUNDIR=$OVS_RUNDIR ovs-appctl -T 30 -t ovs-offloadd exit >/dev/null 2>&1
	wait_for 20 _oo_pid_gone "$pid" || kill -9 "$pid"
	cp "$W/daemon.log" "$RES/daemon.log" 2>/dev/null
}

# ---------------------------------------------------------------- main

T_START=${EPOCHREALTIME/./}
info runs "$RUNS"
info converge_rules "$CONVERGE_RULES"
info tc_sizes "$TC_SIZES"
info per_port_sample "$PER_PORT_SAMPLE"
info status_rules "$STATUS_RULES"
modprobe netdevsim || fail_hard "cannot load netdevsim"
if ((MPV_PAIRS > 0)) && mpv_supported; then
	info mpv "$MPV_PAIRS MPV pairs on a second NIC (netdevsim12/13 with mlx5's esw_multiport, patch 0002) in the convergence scenario"
elif ((MPV_PAIRS > 0)); then
	info mpv "netdevsim cannot model esw_multiport (no patch 0002): MPV pairs left out"
	MPV_PAIRS=0
fi
export MPV_PAIRS
info mpv_pairs "$MPV_PAIRS"
info idle "$IDLE"
info phases "$PHASES"
for phase in $PHASES; do
	declare -F "phase_$phase" >/dev/null || fail_hard "unknown phase '$phase'"
	echo "==== phase $phase ($(((${EPOCHREALTIME/./} - T_START) / 1000000)) s)"
	if ! "phase_$phase"; then
		FAILED_PHASES+=("$phase")
		problem "$phase" "phase failed (see the log)"
	fi
done
clean_host
info guest_seconds $(((${EPOCHREALTIME/./} - T_START) / 1000000))
((${#FAILED_PHASES[@]} == 0)) || fail_hard "phases failed: ${FAILED_PHASES[*]}"
echo "bench: all phases ran"
