# shellcheck shell=bash
# tests/vm/lib.sh: helpers for guest-tier tests (run by scripts/vm/run.sh in
# a qemu guest with Debian's 6.1 kernel and netdevsim). In the spirit of the
# kernel selftests' net/forwarding/lib.sh:
#
#   ALL_TESTS="check_a check_b"
#   . "$(dirname "$(readlink -f "$0")")/lib.sh"
#   check_a() {
#       RET=0
#       some_command; check_err $? "some_command failed"
#       log_test "some_command works"
#   }
#   tests_run
#
# Do not `set -e` in tests: checks capture exit statuses with check_err.
# JSON from devlink/ip/tc/ovs-vsctl is read back with jq, never scraped.
#
# Results: RET is the status of the current check (first failure wins, with
# its message in RETMSG), EXIT_STATUS is non-zero once any check failed.
# A script exits 77 (reported SKIP by run.sh) through `skip`.

RET=0
RETMSG=
EXIT_STATUS=0
OO_NUM_PASS=0
OO_NUM_FAIL=0
OO_NUM_SKIP=0
OO_DEFER=()
OO_DEFER_SCOPES=()
# Guest uptime before ovs-vswitchd may start: OVS 3.1 counts no CPU while
# its monotonic clock is under 10 s, and one started then runs no upcall
# thread and drops every upcall until it reconfigures (tests/vm/boot.sh).
OO_OVS_MIN_UPTIME=${OO_OVS_MIN_UPTIME:-12}
OO_NSIM_SYSFS=/sys/bus/netdevsim
OO_NSIM_DEBUGFS=/sys/kernel/debug/netdevsim

# ---------------------------------------------------------------- results

# log_info MSG: an informational line.
log_info() {
	echo "INFO: $*"
}

# check_err STATUS MSG: record a failure when STATUS is non-zero.
check_err() {
	local err=$1 msg=${2:-}
	if ((RET == 0 && err != 0)); then
		RET=$err
		RETMSG=$msg
	fi
}

# check_fail STATUS MSG: record a failure when STATUS is zero (the command
# was expected to fail).
check_fail() {
	local err=$1 msg=${2:-}
	if ((RET == 0 && err == 0)); then
		RET=1
		RETMSG=$msg
	fi
}

# log_test DESC: print "TEST: DESC [ OK ]" or "[FAIL]" with the reason, then
# reset RET. Returns 1 on failure.
log_test() {
	local desc=$1
	if ((RET != 0)); then
		printf 'TEST: %-60s  [FAIL]\n' "$desc"
		[[ -n $RETMSG ]] && printf '\t%s\n' "$RETMSG"
		EXIT_STATUS=1
		OO_NUM_FAIL=$((OO_NUM_FAIL + 1))
		RET=0
		RETMSG=
		return 1
	fi
	printf 'TEST: %-60s  [ OK ]\n' "$desc"
	OO_NUM_PASS=$((OO_NUM_PASS + 1))
	RETMSG=
	return 0
}

# log_test_skip DESC WHY: report one check as skipped and go on.
log_test_skip() {
	printf 'TEST: %-60s  [SKIP]\n' "$1"
	[[ -n ${2:-} ]] && printf '\t%s\n' "$2"
	OO_NUM_SKIP=$((OO_NUM_SKIP + 1))
	RET=0
	RETMSG=
}

# skip WHY: skip the rest of the script (exit 77, cleanups run). After a
# check that failed, the script fails instead: a skip must not hide it.
skip() {
	echo "SKIP: $*"
	if ((EXIT_STATUS != 0 || RET != 0)); then
		[[ -n $RETMSG ]] && printf '\t%s\n' "$RETMSG"
		echo "FAIL: an earlier check failed (see above)"
		exit 1
	fi
	exit 77
}

# fail_hard MSG: abort the script as failed (setup errors; cleanups run).
fail_hard() {
	echo "FAIL: $*"
	exit 1
}

# require_cmd CMD...: skip the script unless every CMD is available.
require_cmd() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || skip "command '$c' not found"
	done
}

# require_module MOD...: skip the script unless every kernel module loads.
require_module() {
	local m
	for m in "$@"; do
		modprobe -q "$m" 2>/dev/null || skip "kernel module '$m' cannot be loaded"
	done
}

# ---------------------------------------------------------------- cleanup stack

# defer CMD [ARG...]: run CMD at the end of the current scope (the current
# test function under tests_run, else the script), last deferred first.
defer() {
	local cmd
	printf -v cmd '%q ' "$@"
	OO_DEFER+=("$cmd")
}

# defer_scope_push / defer_scope_pop: open a scope; pop runs the commands
# deferred since the matching push.
defer_scope_push() {
	OO_DEFER_SCOPES+=("${#OO_DEFER[@]}")
}
defer_scope_pop() {
	local mark=0 n=${#OO_DEFER_SCOPES[@]}
	if ((n > 0)); then
		mark=${OO_DEFER_SCOPES[n - 1]}
		unset 'OO_DEFER_SCOPES[n - 1]'
	fi
	_oo_defer_run_to "$mark"
}

# defer_run: run every deferred command now (all scopes).
defer_run() {
	OO_DEFER_SCOPES=()
	_oo_defer_run_to 0
}

_oo_defer_run_to() {
	local mark=$1 i cmd
	for ((i = ${#OO_DEFER[@]} - 1; i >= mark; i--)); do
		cmd=${OO_DEFER[i]}
		unset 'OO_DEFER[i]'
		eval "$cmd" || echo "cleanup: '$cmd' failed" >&2
	done
}

_oo_exit_trap() {
	local rc=$?
	set +e
	trap - EXIT
	defer_run
	exit "$rc"
}
trap _oo_exit_trap EXIT
# Scripts end (running the cleanups) on ^C / SIGTERM; an interactive shell
# that sourced lib.sh (run.sh --shell) keeps ^C for itself.
if [[ $- != *i* ]]; then
	trap 'exit 130' INT
	trap 'exit 143' TERM
fi

# ---------------------------------------------------------------- running tests

# tests_run: run the functions named in $ALL_TESTS (or only those also named
# in $OO_TESTS), each in its own defer scope, print a summary and exit:
# 1 if a check failed, 77 if everything was skipped, else 0.
tests_run() {
	local t ran=0
	for t in ${ALL_TESTS:-}; do
		if [[ -n ${OO_TESTS:-} && " $OO_TESTS " != *" $t "* ]]; then
			continue
		fi
		if ! declare -F "$t" >/dev/null; then
			echo "tests_run: ALL_TESTS names '$t', which is no function"
			EXIT_STATUS=1
			continue
		fi
		ran=$((ran + 1))
		RET=0
		RETMSG=
		local logged=$((OO_NUM_PASS + OO_NUM_FAIL + OO_NUM_SKIP))
		defer_scope_push
		"$t"
		defer_scope_pop
		# A test that reported nothing checked nothing: that is a failure.
		if ((OO_NUM_PASS + OO_NUM_FAIL + OO_NUM_SKIP == logged)); then
			RET=1
			RETMSG="$t ended without reporting a result (no log_test)"
			log_test "$t"
		fi
	done
	((ran > 0)) || skip "no test of ALL_TESTS='${ALL_TESTS:-}' selected (OO_TESTS='${OO_TESTS:-}')"
	echo "RESULT: $OO_NUM_PASS passed, $OO_NUM_FAIL failed, $OO_NUM_SKIP skipped"
	if ((EXIT_STATUS != 0)); then
		exit 1
	elif ((OO_NUM_PASS == 0 && OO_NUM_SKIP > 0)); then
		exit 77
	fi
	exit 0
}

# ---------------------------------------------------------------- waiting

# wait_for TIMEOUT CMD [ARG...]: run CMD every 0.1 s until it succeeds
# (return 0) or TIMEOUT seconds (may be fractional) passed (return 1).
wait_for() {
	local timeout=$1 sec frac end
	shift
	sec=${timeout%%.*}
	frac=0
	[[ $timeout == *.* ]] && frac=${timeout#*.}
	frac=${frac}000000
	end=$((${EPOCHREALTIME/./} + ${sec:-0} * 1000000 + 10#${frac:0:6}))
	while true; do
		"$@" && return 0
		((${EPOCHREALTIME/./} >= end)) && return 1
		sleep 0.1
	done
}

# uptime_at_least SECONDS: true once the kernel has been up that long.
uptime_at_least() {
	awk -v min="$1" '{ exit !($1 >= min) }' /proc/uptime
}

# ---------------------------------------------------------------- netdevsim

# nsim_dev ID: the devlink handle of netdevsim device ID.
nsim_dev() {
	echo "netdevsim/netdevsim$1"
}

# nsim_ports_jq ID FILTER [JQ-ARG...]: run jq FILTER (raw output) over the
# device's ports, an object {"netdevsim/netdevsimID/N": {...}} taken from
# `devlink -j port show` (iproute2 6.1 takes no device handle for port show).
# One jq per query: jq 1.6 costs ~0.2 s to start in the TCG guest.
nsim_ports_jq() {
	local id=$1 filter=$2
	shift 2
	devlink -j port show 2>/dev/null |
		jq -r --arg dev "netdevsim/netdevsim$id/" "$@" \
			"(.port // {} | with_entries(select(.key | startswith(\$dev)))) | $filter"
}

# nsim_ports_json ID: the device's ports as {"port": {...}} (devlink -j shape).
nsim_ports_json() {
	nsim_ports_jq "$1" '{port: .}'
}

# link_exists NAME: true if netdev NAME exists.
link_exists() {
	[[ -n $1 ]] && ip link show dev "$1" >/dev/null 2>&1
}

# _nsim_netdevs_ready ID FLAVOUR COUNT: the device has exactly COUNT ports of
# FLAVOUR, each with a netdev that exists.
_nsim_netdevs_ready() {
	local id=$1 flavour=$2 count=$3 out n
	# shellcheck disable=SC2016 # $f and $n are jq variables
	out=$(nsim_ports_jq "$id" '[.[] | select(.flavour == $f) | .netdev // ""] |
		if length == ($n | tonumber) and all(. != "") then "ready", .[] else "wait" end' \
		--arg f "$flavour" --arg n "$count") || return 1
	[[ ${out%%$'\n'*} == ready ]] || return 1
	for n in ${out#ready}; do
		link_exists "$n" || return 1
	done
}

# nsim_new ID PORTS: create netdevsim device ID with PORTS physical ports,
# wait for its devlink instance and port netdevs; deleted on cleanup.
nsim_new() {
	local id=$1 ports=${2:-1}
	modprobe netdevsim || { echo "nsim_new: cannot load netdevsim"; return 1; }
	if [[ -e $OO_NSIM_SYSFS/devices/netdevsim$id ]]; then
		echo "nsim_new: netdevsim$id exists already"
		return 1
	fi
	echo "$id $ports" >"$OO_NSIM_SYSFS/new_device" || {
		echo "nsim_new: cannot create netdevsim$id"
		return 1
	}
	defer nsim_del "$id"
	wait_for 10 _nsim_netdevs_ready "$id" physical "$ports" || {
		echo "nsim_new: $(nsim_dev "$id") or its $ports port netdev(s) did not appear"
		return 1
	}
}

# nsim_del ID: delete netdevsim device ID.
nsim_del() {
	[[ -e $OO_NSIM_SYSFS/devices/netdevsim$1 ]] || return 0
	echo "$1" >"$OO_NSIM_SYSFS/del_device"
}

# nsim_max_vfs ID: the device's VF limit (debugfs).
nsim_max_vfs() {
	cat "$OO_NSIM_DEBUGFS/netdevsim$1/max_vfs"
}

# nsim_set_max_vfs ID N: raise/lower the VF limit (only while it has no VFs).
nsim_set_max_vfs() {
	echo "$2" >"$OO_NSIM_DEBUGFS/netdevsim$1/max_vfs"
}

# nsim_num_vfs ID: the current VF count.
nsim_num_vfs() {
	cat "$OO_NSIM_SYSFS/devices/netdevsim$1/sriov_numvfs"
}

# nsim_set_vfs ID N: set the VF count (sriov_numvfs); in switchdev mode wait
# for the N representors. Non-zero to non-zero fails with EBUSY: write 0
# first. Writing 0 in switchdev silently sets the mode back to legacy.
nsim_set_vfs() {
	local id=$1 n=$2
	echo "$n" >"$OO_NSIM_SYSFS/devices/netdevsim$id/sriov_numvfs" || return 1
	if [[ $(nsim_eswitch_mode "$id") == switchdev ]]; then
		wait_for 10 _nsim_netdevs_ready "$id" pcivf "$n" || {
			echo "nsim_set_vfs: $n VF representors of netdevsim$id did not appear"
			return 1
		}
	fi
}

# nsim_eswitch_mode ID: legacy or switchdev.
nsim_eswitch_mode() {
	devlink -j dev eswitch show "$(nsim_dev "$1")" | jq -r '.dev[].mode'
}

# nsim_eswitch_set ID MODE: set the eswitch mode (no-op if already so); in
# switchdev wait for one representor per VF.
nsim_eswitch_set() {
	local id=$1 mode=$2
	[[ $(nsim_eswitch_mode "$id") == "$mode" ]] && return 0
	devlink dev eswitch set "$(nsim_dev "$id")" mode "$mode" || return 1
	if [[ $mode == switchdev ]]; then
		wait_for 10 _nsim_netdevs_ready "$id" pcivf "$(nsim_num_vfs "$id")" || {
			echo "nsim_eswitch_set: VF representors of netdevsim$id did not appear"
			return 1
		}
	fi
}

# nsim_uplink ID: netdev name of the device's (first) physical port.
nsim_uplink() {
	nsim_ports_jq "$1" '[.[] | select(.flavour == "physical") | .netdev] | first // empty'
}

# nsim_vf_reps ID: netdev names of the VF representors, one per line, by VF.
nsim_vf_reps() {
	nsim_ports_jq "$1" '[.[] | select(.flavour == "pcivf")] | sort_by(.vfnum) | .[].netdev'
}

# ---------------------------------------------------------------- Open vSwitch

# ovs_start [KEY=VALUE...]: start ovsdb-server and ovs-vswitchd on the kernel
# datapath with private state under a temp dir; KEY=VALUE pairs are set in
# Open_vSwitch other_config before ovs-vswitchd starts (e.g. hw-offload=true,
# which it reads once). Exports OVS_RUNDIR, OVS_DBDIR, OVS_LOGDIR,
# OVS_SYSCONFDIR so ovs-vsctl/ovs-appctl talk to it. Stopped on cleanup.
ovs_start() {
	local schema=/usr/share/openvswitch/vswitch.ovsschema kv t0
	require_cmd ovsdb-server ovsdb-tool ovs-vswitchd ovs-vsctl ovs-appctl
	[[ -r $schema ]] || skip "$schema not found (package openvswitch-common)"
	modprobe openvswitch || { echo "ovs_start: cannot load the openvswitch module"; return 1; }
	if ! uptime_at_least "$OO_OVS_MIN_UPTIME"; then
		t0=$(cut -d' ' -f1 /proc/uptime)
		log_info "waiting for uptime ${OO_OVS_MIN_UPTIME} s before starting ovs-vswitchd (now ${t0} s)"
		wait_for 60 uptime_at_least "$OO_OVS_MIN_UPTIME" || return 1
	fi
	OO_OVS_DIR=$(mktemp -d /tmp/oo-ovs.XXXXXX) || return 1
	export OVS_RUNDIR=$OO_OVS_DIR/run OVS_DBDIR=$OO_OVS_DIR/db OVS_LOGDIR=$OO_OVS_DIR/log
	export OVS_SYSCONFDIR=$OO_OVS_DIR/etc
	mkdir -p "$OVS_RUNDIR" "$OVS_DBDIR" "$OVS_LOGDIR" "$OVS_SYSCONFDIR"
	defer ovs_stop
	ovsdb-tool create "$OVS_DBDIR/conf.db" "$schema" || return 1
	ovsdb-server "$OVS_DBDIR/conf.db" --remote="punix:$(ovs_db_sock)" \
		--pidfile --detach --no-chdir --log-file 2>"$OVS_LOGDIR/ovsdb-server.stderr" || {
		echo "ovs_start: ovsdb-server did not start:"
		tail -n 20 "$OVS_LOGDIR/ovsdb-server.stderr" "$OVS_LOGDIR/ovsdb-server.log" 2>/dev/null
		return 1
	}
	ovs-vsctl --no-wait init || return 1
	for kv in "$@"; do
		ovs-vsctl --no-wait set Open_vSwitch . "other_config:${kv%%=*}=${kv#*=}" || return 1
	done
	ovs-vswitchd "unix:$(ovs_db_sock)" --pidfile --detach --no-chdir --log-file \
		2>"$OVS_LOGDIR/ovs-vswitchd.stderr" || {
		echo "ovs_start: ovs-vswitchd did not start:"
		tail -n 20 "$OVS_LOGDIR/ovs-vswitchd.stderr" "$OVS_LOGDIR/ovs-vswitchd.log" 2>/dev/null
		return 1
	}
	# Without --no-wait, ovs-vsctl returns once ovs-vswitchd applied the change.
	ovs-vsctl --timeout=30 init || {
		echo "ovs_start: ovs-vswitchd does not apply configuration"
		return 1
	}
}

# ovs_db_sock: path of the private ovsdb-server's unix socket.
ovs_db_sock() {
	echo "$OVS_RUNDIR/db.sock"
}

# ovs_vswitchd_pid: pid of the private ovs-vswitchd.
ovs_vswitchd_pid() {
	cat "$OVS_RUNDIR/ovs-vswitchd.pid" 2>/dev/null
}

# ovs_stop: stop ovs-vswitchd (removing its datapaths) and ovsdb-server;
# shows the end of the vswitchd log when a check failed.
ovs_stop() {
	local d p args
	[[ -n ${OVS_RUNDIR:-} && -d $OVS_RUNDIR ]] || return 0
	if ((EXIT_STATUS != 0)) && [[ -r $OVS_LOGDIR/ovs-vswitchd.log ]]; then
		echo "---- last 30 lines of ovs-vswitchd.log ----"
		tail -n 30 "$OVS_LOGDIR/ovs-vswitchd.log"
		echo "----"
	fi
	for d in ovs-vswitchd ovsdb-server; do
		p=$(cat "$OVS_RUNDIR/$d.pid" 2>/dev/null) || continue
		# --cleanup makes ovs-vswitchd delete its datapaths (ovs-system).
		args=(exit)
		[[ $d == ovs-vswitchd ]] && args+=(--cleanup)
		ovs-appctl -T 10 -t "$d" "${args[@]}" >/dev/null 2>&1
		if [[ -n $p ]] && ! wait_for 5 _oo_pid_gone "$p"; then
			kill -9 "$p" 2>/dev/null
		fi
	done
	rm -rf -- "${OO_OVS_DIR:?}"
	unset OVS_RUNDIR OVS_DBDIR OVS_LOGDIR OVS_SYSCONFDIR OO_OVS_DIR
}

# fifo_release FIFO: one line to whoever reads FIFO (a process holding a lock
# until told to let go). Opened read-write, so that the write cannot block
# should the reader be gone.
fifo_release() {
	local fd
	exec {fd}<>"$1"
	echo release >&"$fd"
	exec {fd}>&-
}

# kill_quiet PID: for defer, when the process may be gone already.
kill_quiet() {
	kill "$1" 2>/dev/null
	return 0
}

_oo_pid_gone() {
	! kill -0 "$1" 2>/dev/null
}
