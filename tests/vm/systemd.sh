#!/usr/bin/env bash
# ovs-offloadd as systemd runs it: the unit `meson install` puts in place,
# started by Debian's systemd 252 next to Debian's openvswitch-switch units,
# with the unit's whole sandbox (CAP_NET_ADMIN alone, ProtectSystem=strict,
# the @system-service syscall filter, ...).
#
# The guest's PID 1 is a shell (scripts/vm/prepare.sh), so systemd runs as PID
# 1 of a PID and mount namespace of its own, as a container manager starts it
# (container=..., a cgroup namespace), sharing the guest's network namespace and
# so its netdevsim devices. Units that would act on the whole guest are masked
# in the guest's overlay: systemd-udevd (it renames netdevs; tests/vm/udev.sh
# covers udev) and systemd-tmpfiles (it would empty /tmp, where a checkout may
# live). systemctl and journalctl run inside systemd's namespaces (nsenter):
# from outside, systemd sees them as unprivileged.
#
# What is checked, in order:
#   - no /etc/ovs-offload/config.yaml: the unit is skipped (condition), not failed;
#   - start: `systemctl start` starts Open vSwitch first, and returns once
#     the first pass converged the host
#     (Type=notify, READY=1 after it): switchdev, VFs, a VF MAC, a bridge with
#     uplink and representors, a tc rule; hw-offload turned on, and
#     ovs-vswitchd restarted for it by `systemctl restart openvswitch-switch`
#     run from inside the sandbox; the daemon runs with CAP_NET_ADMIN only,
#     no new privileges, a seccomp filter and a read-only /etc;
#   - the journal: the daemon's lines carry their priority (a warning is
#     PRIORITY 4, not 6), and nothing was refused by the sandbox; a config
#     error of ovs-offloadctl run by a unit is PRIORITY 3;
#   - drift (a VF MAC changed by hand) repaired;
#   - `systemctl reload`: a good config is applied; a broken one fails the
#     reload (file:line:col in the journal) and the old config stays enforced;
#   - --watch-config through a drop-in (README, "Installing"): a config
#     renamed over the old one is applied with no reload, inside the sandbox
#     (read-only /etc, the syscall filter);
#   - killed (SIGKILL): restarted by systemd (Restart=on-failure);
#   - a config error at start: exit 2, failed, not restarted
#     (RestartPreventExitStatus=2);
#   - stop: inactive within TimeoutStopSec, the host left as it was.
#
#   OO_BUILD=<build dir> scripts/vm/run.sh tests/vm/systemd.sh
#
# Check functions are called through tests_run (ALL_TESTS):
# shellcheck disable=SC2317
set -u

ALL_TESTS="
	no_config_skipped
	start_converges
	drift_repaired
	reload_config
	watch_config_dropin
	journal_priorities
	restart_after_crash
	config_error_not_restarted
	stop_leaves_host
"
# shellcheck source=tests/vm/lib.sh
. "$(dirname "$(readlink -f "$0")")/lib.sh"

[[ ${OO_VM_GUEST:-} == 1 ]] || skip "runs in the guest only: scripts/vm/run.sh tests/vm/systemd.sh"
require_cmd unshare nsenter meson jq devlink ip tc ovs-vsctl ovs-appctl ovs-dpctl
require_module netdevsim openvswitch
[[ -x /lib/systemd/systemd ]] || skip "systemd is not installed"
[[ -r /lib/systemd/system/openvswitch-switch.service ]] || skip "openvswitch-switch is not installed"

BUILD=${OO_BUILD:-build}
CTL=$BUILD/ovs-offloadctl
[[ -x $CTL && -x $BUILD/ovs-offloadd ]] || fail_hard "$BUILD not built: run scripts/build.sh"
CFG=/etc/ovs-offload/config.yaml
NSIM=20
WORK=$(mktemp -d /tmp/oo-systemd.XXXXXX)
defer rm -rf "$WORK"
SDPID=
UNSHARE_PID=
CGROOT=$WORK/cgroup
MASKED=(systemd-udevd.service systemd-udevd-control.socket systemd-udevd-kernel.socket
	systemd-udev-trigger.service systemd-udev-settle.service systemd-tmpfiles-setup.service
	systemd-tmpfiles-setup-dev.service systemd-tmpfiles-clean.timer getty.target
	console-getty.service)

# ---------------------------------------------------------------- systemd

# in_sd CMD...: CMD inside systemd's PID and mount namespaces, where the
# PIDs systemd reports (MainPID) are valid.
in_sd() {
	timeout 120 nsenter -t "$SDPID" -p -m -- "$@"
}

# sdctl ARG...: systemctl.
sdctl() {
	in_sd systemctl "$@"
}

# journal ARG...: journalctl of the booted systemd, no pager.
journal() {
	in_sd journalctl --no-pager -q "$@"
}

# prop UNIT PROPERTY: one property's value.
prop() {
	sdctl show -P "$2" "$1"
}

# sd_boot: systemd as PID 1 of its own PID and mount namespaces, booted to a
# target that pulls nothing in; returns once it has finished starting up.
sd_boot() {
	local u i
	mkdir -p /etc/systemd/system "$CGROOT"
	for u in "${MASKED[@]}"; do
		ln -sfn /dev/null "/etc/systemd/system/$u" || return 1
	done
	cat >/etc/systemd/system/oo-test.target <<-'U'
	[Unit]
	Description=ovs-offload guest test: nothing but what the test starts
	U
	# A cgroup of its own, which its cgroup namespace makes its root (as a
	# container gets one): systemd then moves no process of the guest and
	# enables no controller. Booted at the guest's root cgroup, it did both,
	# and one boot in ten locked both vCPUs up in the kernel (soft lockup,
	# systemd and a `sleep` spinning for the rest of the run).
	mount -t cgroup2 cgroup2 "$CGROOT" && mkdir -p "$CGROOT/oo-systemd" || return 1
	(
		echo "$BASHPID" >"$CGROOT/oo-systemd/cgroup.procs" || exit 1
		exec unshare --pid --fork --mount --mount-proc --cgroup --kill-child /bin/sh -c '
			mount -t cgroup2 cgroup2 /sys/fs/cgroup || exit 1
			exec env -i container=ovs-offload-test PATH=/usr/sbin:/usr/bin:/sbin:/bin \
				/lib/systemd/systemd --unit=oo-test.target --show-status=no'
	) >"$WORK/systemd.out" 2>&1 </dev/null &
	UNSHARE_PID=$!
	defer sd_shutdown
	for ((i = 0; i < 100; i++)); do
		SDPID=$(pgrep -P "$UNSHARE_PID" -x systemd) && break
		sleep 0.1
	done
	[[ -n $SDPID ]] || { echo "systemd did not start: $(cat "$WORK/systemd.out")"; return 1; }
	wait_for 120 sd_booted || { echo "systemd did not finish starting: $(sdctl is-system-running 2>&1)"; return 1; }
}

sd_booted() {
	[[ $(sdctl is-system-running 2>/dev/null) == @(running|degraded) ]]
}

# sd_shutdown: stop what the test started, let systemd exit, and leave the
# guest as the other test files expect it (no systemd state in /run, no
# masks, no datapath, nothing installed).
sd_shutdown() {
	local f
	if [[ -n $SDPID ]]; then
		sdctl stop ovs-offloadd.service openvswitch-switch.service ovs-vswitchd.service \
			ovsdb-server.service >/dev/null 2>&1
		sdctl --no-block exit >/dev/null 2>&1
		wait_for 30 _oo_pid_gone "$SDPID" || kill -9 "$UNSHARE_PID" 2>/dev/null
		wait "$UNSHARE_PID" 2>/dev/null
		SDPID=
	fi
	if mountpoint -q "$CGROOT"; then
		wait_for 10 cgroup_removed
		umount "$CGROOT"
	fi
	ovs-dpctl del-dp ovs-system >/dev/null 2>&1
	for f in "${MASKED[@]}" oo-test.target oo-ctl-journal.service; do
		rm -f "/etc/systemd/system/$f"
	done
	rm -rf /run/systemd /run/log/journal /etc/ovs-offload /etc/systemd/system/ovs-offloadd.service.d
	if [[ -r $WORK/installed ]]; then
		while read -r f; do
			[[ -d $f ]] || rm -f -- "$f"
		done <"$WORK/installed"
	fi
}

# cgroup_removed: systemd's cgroup tree is gone (rmdir, leaves first: its
# last processes may take a moment to leave it).
cgroup_removed() {
	find "$CGROOT/oo-systemd" -depth -type d -exec rmdir {} + 2>/dev/null
	[[ ! -d $CGROOT/oo-systemd ]]
}

# install_build: `meson install` of the build, as the README says; the files
# it installed are listed in WORK/installed.
install_build() {
	meson install -C "$BUILD" --no-rebuild --quiet >"$WORK/install.out" 2>&1 || {
		tail -n 20 "$WORK/install.out"
		return 1
	}
	grep -v '^#' "$BUILD/meson-logs/install-log.txt" >"$WORK/installed"
	UNIT=$(grep '/ovs-offloadd\.service$' "$WORK/installed") || { echo "no unit installed"; return 1; }
	# The programs, not their bash completions (installed under the same names).
	DAEMON=$(grep '/sbin/ovs-offloadd$' "$WORK/installed") || { echo "no daemon installed"; return 1; }
	ICTL=$(grep '/sbin/ovs-offloadctl$' "$WORK/installed") || { echo "no ovs-offloadctl installed"; return 1; }
	grep -qx "ExecStart=$DAEMON -c $CFG" "$UNIT" || { echo "the unit does not start $DAEMON: $(grep ExecStart= "$UNIT")"; return 1; }
}

# ---------------------------------------------------------------- helpers

write_config() {
	local mac=${1:-02:00:00:00:20:01}
	mkdir -p "${CFG%/*}"
	cat >"$CFG.tmp" <<-Y
	version: 1
	pfs:
	  - name: pf0
	    device: netdevsim/netdevsim$NSIM
	    eswitch: switchdev
	    num_vfs: 2
	    vfs:
	      - {id: 1, mac: "$mac"}
	ovs:
	  hw_offload: true
	  restart: if-needed
	bridges:
	  - {name: br-sd, uplink: pf0, representors: ["pf0/0-1"]}
	tc:
	  rules:
	    - {name: vm0-in, dev: pf0, prio: 10, actions: [{redirect: pf0/0}],
	       match: {eth_type: ipv4, dst_ip: 10.0.0.1/32}}
	Y
	mv -f "$CFG.tmp" "$CFG"
}

# vf_mac_is VF MAC: the PF's VF VF has MAC (ip link's vfinfo).
vf_mac_is() {
	[[ $(ip -j link show dev "$UPLINK" | jq -r --argjson v "$1" '.[0].vfinfo_list[] | select(.vf == $v) | .address') == "$2" ]]
}

in_sync() {
	"$CTL" -c "$CFG" plan >"$WORK/plan.out" 2>&1
}

main_pid() {
	prop ovs-offloadd.service MainPID
}

# state_is UNIT ACTIVESTATE
state_is() {
	[[ $(prop "$1" ActiveState) == "$2" ]]
}

# ---------------------------------------------------------------- checks

no_config_skipped() {
	RET=0
	rm -f "$CFG"
	sdctl start ovs-offloadd.service
	check_err $? "systemctl start without a config failed"
	[[ $(prop ovs-offloadd.service ConditionResult) == no ]] && state_is ovs-offloadd.service inactive
	check_err $? "without $CFG the unit should be skipped: $(sdctl status --no-pager ovs-offloadd.service 2>&1 | head -n 5)"
	log_test "no config: the unit is skipped by its condition, not failed"
}

start_converges() {
	RET=0
	local t0 ms vs0 vs1 pid caps cursor order
	write_config
	# Open vSwitch down (the skipped start above pulled it in), so that
	# starting ovs-offloadd alone starts it first (Wants=, After=).
	sdctl stop openvswitch-switch.service ovs-vswitchd.service ovsdb-server.service
	wait_for 60 uptime_at_least "$OO_OVS_MIN_UPTIME"
	cursor=$(journal -n 0 --show-cursor | sed -n 's/^-- cursor: //p')
	t0=${EPOCHREALTIME/./}
	sdctl start ovs-offloadd.service
	check_err $? "systemctl start ovs-offloadd failed: $(journal -u ovs-offloadd.service | tail -n 20)"
	ms=$(((${EPOCHREALTIME/./} - t0) / 1000))
	# systemd's own lines since: Open vSwitch up before ours started.
	order=$(journal _PID=1 --after-cursor="$cursor" -o cat |
		grep -oE '^(Finished openvswitch-switch|Starting ovs-offloadd)\.service' | head -n 2 | tr '\n' ,)
	[[ $order == "Finished openvswitch-switch.service,Starting ovs-offloadd.service," ]]
	check_err $? "Open vSwitch was not started before ovs-offloadd (Wants=, After=): $order"
	# The ovs-vswitchd it started, which the first pass restarted.
	vs0=$(journal -u ovs-offloadd.service | sed -n 's/.*ovs-restart .* ovs-vswitchd pid \([0-9]*\) -> .*/\1/p' | tail -n 1)
	# Type=notify: start returned after the first pass, so the host is there now.
	in_sync
	check_err $? "not in sync when systemctl start returned: $(cat "$WORK/plan.out")"
	[[ $(nsim_eswitch_mode "$NSIM") == switchdev && $(nsim_num_vfs "$NSIM") == 2 ]]
	check_err $? "not switchdev with 2 VFs"
	vf_mac_is 1 02:00:00:00:20:01
	check_err $? "VF 1's MAC not set"
	[[ $(ovs-vsctl list-ports br-sd | sort | tr '\n' ' ') == "$({ echo "$UPLINK"; nsim_vf_reps "$NSIM"; } | sort | tr '\n' ' ')" ]]
	check_err $? "br-sd ports: $(ovs-vsctl list-ports br-sd | tr '\n' ' ')"
	[[ $(tc -j filter show dev "$UPLINK" ingress | jq '[.[] | select(.options)] | length') == 1 ]]
	check_err $? "the tc rule is not on $UPLINK"
	vs1=$(prop ovs-vswitchd.service MainPID)
	[[ -n $vs0 && $vs1 != "$vs0" && $vs1 != 0 ]] && state_is ovs-vswitchd.service active
	check_err $? "ovs-vswitchd was not restarted by systemd (pid $vs0, then $vs1)"
	journal -u ovs-offloadd.service |
		grep -q "ovs-restart \.\.\. ok ([0-9]* ms, ran: systemctl restart openvswitch-switch; ovs-vswitchd pid $vs0 -> $vs1)"
	check_err $? "the journal does not say what restarted ovs-vswitchd ($vs1 now): $(journal -u ovs-offloadd.service | grep ovs-restart)"
	[[ $("$CTL" status --json | jq -r '.ovs.offload_active') == true ]]
	check_err $? "flow offload is not active in ovs-vswitchd: $("$CTL" status --json | jq -c .ovs)"
	[[ $(prop ovs-offloadd.service StatusText) == "last pass: "* ]]
	check_err $? "no STATUS= from the daemon: '$(prop ovs-offloadd.service StatusText)'"
	# The sandbox, as the process has it.
	pid=$(main_pid)
	in_sd cat "/proc/$pid/status" >"$WORK/status"
	caps=$(awk '/^CapEff/ { print $2 }' "$WORK/status")
	[[ $caps == 0000000000001000 ]]
	check_err $? "effective capabilities $caps, want CAP_NET_ADMIN alone"
	[[ $(awk '/^NoNewPrivs/ { print $2 }' "$WORK/status") == 1 &&
		$(awk '/^Seccomp:/ { print $2 }' "$WORK/status") == 2 ]]
	check_err $? "no NoNewPrivs or no seccomp filter: $(grep -E '^(NoNewPrivs|Seccomp):' "$WORK/status" | tr '\n' ' ')"
	! in_sd nsenter -t "$pid" -m -- touch /etc/ovs-offload/written 2>/dev/null
	check_err $? "/etc is writable in the daemon's mount namespace (ProtectSystem=strict)"
	log_info "systemctl start returned after $ms ms, the host converged; ovs-vswitchd $vs0 -> $vs1"
	log_test "systemctl start: READY=1 after the first pass, OVS restarted through systemctl, sandboxed" ||
		journal -u ovs-offloadd.service | tail -n 30
}

journal_priorities() {
	RET=0
	local lines bad n
	journal -u ovs-offloadd.service -o json >"$WORK/journal.json"
	# The daemon's own lines (not systemd's about the unit): PRIORITY, MESSAGE.
	lines=$(jq -r 'select(.SYSLOG_IDENTIFIER == "ovs-offloadd") | "\(.PRIORITY) \(.MESSAGE)"' "$WORK/journal.json")
	# Every vlog line's priority is its level's (the rejected reload above
	# logged errors; the OVSDB connection lost in ovs-vswitchd's restart,
	# warnings).
	bad=$(awk '{ split($2, f, "|"); want = f[2] == "ERR" ? 3 : f[2] == "WARN" ? 4 : f[2] == "INFO" ? 6 : f[2] == "DBG" ? 7 : -1 }
		want < 0 || $1 != want' <<<"$lines")
	[[ -z $bad ]]
	check_err $? "lines without their level's priority: $(head -n 5 <<<"$bad")"
	n=$(grep -c '^3 ovs_offloadd|ERR|.*config reload rejected' <<<"$lines")
	((n >= 1))
	check_err $? "the rejected reload is not in the journal at priority 3 (err)"
	# `systemctl restart openvswitch-switch` restarts ovsdb-server too: the
	# daemon closes its OVSDB watch for the pass that runs it, so that
	# planned restart logs no lost connection, neither ours nor
	# libopenvswitch's (jsonrpc, reconnect) at warning level.
	bad=$(grep -E '^[34] (jsonrpc|reconnect|stream_unix|ovsdb_idl|ovsdb_cs)\||lost the OVSDB connection' <<<"$lines")
	[[ -z $bad ]]
	check_err $? "our own OVS restart logged a lost OVSDB connection: $(head -n 3 <<<"$bad")"
	n=$(grep -c '^6 ovs_offloadd|INFO|' <<<"$lines")
	((n >= 10))
	check_err $? "only $n info lines"
	# Nothing the sandbox refused (SystemCallErrorNumber=EPERM, a read-only
	# file system, a capability missing).
	bad=$(grep -E 'Operation not permitted|Permission denied|Read-only file system|Bad system call' <<<"$lines")
	[[ -z $bad ]]
	check_err $? "refused by the sandbox: $(head -n 3 <<<"$bad")"
	log_info "journal: $(wc -l <<<"$lines") lines of ovs-offloadd; by priority: $(cut -d' ' -f1 <<<"$lines" | sort | uniq -c | tr -s ' \n' ' ')"
	# ovs-offloadctl run by a unit (a host agent's oneshot): its config
	# error is an error in the journal.
	# (A unit file: systemd-run needs D-Bus, which the guest does not run.)
	printf 'version: 1\npfs: 3\n' >"$WORK/bad.yaml"
	printf '[Service]\nType=oneshot\nExecStart=%s -c %s check\n' "$ICTL" "$WORK/bad.yaml" \
		>/etc/systemd/system/oo-ctl-journal.service
	sdctl daemon-reload
	! sdctl start oo-ctl-journal.service 2>/dev/null
	check_err $? "ovs-offloadctl check of a broken config succeeded"
	lines=$(journal -u oo-ctl-journal.service -o json |
		jq -r 'select(.SYSLOG_IDENTIFIER == "ovs-offloadctl") | "\(.PRIORITY) \(.MESSAGE)"')
	grep -q "^3 $WORK/bad.yaml:2:6: pfs: " <<<"$lines"
	check_err $? "ovs-offloadctl's config error is not at priority 3: $lines"
	log_test "the journal has each line at its level's priority (ovs-offloadctl's too), no refusal by the sandbox" ||
		head -n 40 <<<"$lines"
}

drift_repaired() {
	RET=0
	local t0 ms
	t0=${EPOCHREALTIME/./}
	ip link set dev "$UPLINK" vf 1 mac 02:00:00:00:20:99
	wait_for 30 vf_mac_is 1 02:00:00:00:20:01
	check_err $? "VF 1's MAC not put back within 30 s"
	ms=$(((${EPOCHREALTIME/./} - t0) / 1000))
	log_info "VF MAC changed by hand: put back in ${ms} ms"
	log_test "drift repaired by the daemon under systemd"
}

reload_config() {
	RET=0
	local pid
	pid=$(main_pid)
	cp "$CFG" "$WORK/good.yaml"
	write_config 02:00:00:00:20:02
	sdctl reload ovs-offloadd.service
	check_err $? "systemctl reload failed: $(journal -u ovs-offloadd.service | tail -n 10)"
	wait_for 30 vf_mac_is 1 02:00:00:00:20:02
	check_err $? "the reloaded config's VF MAC was not applied"
	printf 'bridges:\n  - {name: br-sd, uplink: pf9}\n' >>"$CFG"
	! sdctl reload ovs-offloadd.service 2>"$WORK/reload.err"
	check_err $? "systemctl reload of a broken config succeeded"
	journal -u ovs-offloadd.service | grep -q "$CFG:[0-9]*:[0-9]*"
	check_err $? "the journal does not name the error's file:line:col"
	state_is ovs-offloadd.service active && [[ $(main_pid) == "$pid" ]]
	check_err $? "the daemon did not stay up after a rejected reload"
	ip link set dev "$UPLINK" vf 1 mac 02:00:00:00:20:99
	wait_for 30 vf_mac_is 1 02:00:00:00:20:02
	check_err $? "the old config is not enforced after a rejected reload"
	write_config
	sdctl reload ovs-offloadd.service
	check_err $? "systemctl reload of the first config failed"
	log_test "systemctl reload: applied, or refused with the old config kept" ||
		journal -u ovs-offloadd.service | tail -n 20
}

# The README's drop-in, with -c instead of --hostconf.
watch_config_dropin() {
	RET=0
	local dir=/etc/systemd/system/ovs-offloadd.service.d pid
	mkdir -p "$dir"
	printf '[Service]\nExecStart=\nExecStart=%s -c %s --watch-config\n' "$DAEMON" "$CFG" >"$dir/watch.conf"
	sdctl daemon-reload
	sdctl restart ovs-offloadd.service
	check_err $? "restart with the drop-in failed: $(journal -u ovs-offloadd.service | tail -n 10)"
	pid=$(main_pid)
	in_sd cat "/proc/$pid/cmdline" | tr '\0' ' ' | grep -q -- "--watch-config"
	check_err $? "the daemon does not run with --watch-config"
	write_config 02:00:00:00:20:03
	wait_for 30 vf_mac_is 1 02:00:00:00:20:03
	check_err $? "the rewritten config was not applied without a reload"
	journal -u ovs-offloadd.service | grep -q "$CFG changed: reloading it (--watch-config)"
	check_err $? "the journal does not show the watch's reload"
	journal -u ovs-offloadd.service | grep -E "cannot watch|watch on .* failed" && check_err 1 "the watch failed in the sandbox"
	[[ $(main_pid) == "$pid" ]]
	check_err $? "the daemon was restarted, not reloaded"
	rm -rf "$dir"
	sdctl daemon-reload
	write_config
	sdctl restart ovs-offloadd.service
	check_err $? "restart without the drop-in failed"
	wait_for 30 vf_mac_is 1 02:00:00:00:20:01
	check_err $? "the first config is not back"
	log_test "--watch-config under systemd (drop-in): a rewritten config applied without a reload" ||
		journal -u ovs-offloadd.service | tail -n 20
}

restart_after_crash() {
	RET=0
	local pid n0
	pid=$(main_pid)
	n0=$(prop ovs-offloadd.service NRestarts)
	in_sd kill -9 "$pid"
	# RestartSec=5s
	wait_for 60 restarted_from "$pid"
	check_err $? "not restarted after SIGKILL: $(sdctl status --no-pager ovs-offloadd.service 2>&1 | head -n 5)"
	[[ $(prop ovs-offloadd.service NRestarts) == $((n0 + 1)) ]]
	check_err $? "NRestarts $(prop ovs-offloadd.service NRestarts), want $((n0 + 1))"
	in_sync
	check_err $? "not in sync after the restart"
	log_test "killed: restarted by systemd, in sync"
}

# restarted_from PID: active again, with another main process.
restarted_from() {
	local now
	now=$(main_pid)
	[[ $now != "$1" && $now != 0 ]] && state_is ovs-offloadd.service active
}

config_error_not_restarted() {
	RET=0
	printf 'pfs: [\n' >"$CFG"
	! sdctl restart ovs-offloadd.service 2>/dev/null
	check_err $? "a start with a broken config succeeded"
	sleep 7
	[[ $(prop ovs-offloadd.service ActiveState) == failed && $(prop ovs-offloadd.service ExecMainStatus) == 2 ]]
	check_err $? "want failed with exit status 2, not restarted: $(prop ovs-offloadd.service ActiveState), status $(prop ovs-offloadd.service ExecMainStatus)"
	journal -u ovs-offloadd.service | grep -q "$CFG:[0-9]*:[0-9]*"
	check_err $? "the journal does not name the error's file:line:col"
	write_config
	sdctl reset-failed ovs-offloadd.service
	sdctl start ovs-offloadd.service
	check_err $? "did not start again with a good config"
	log_test "a config error at start: exit 2, failed, not restarted"
}

stop_leaves_host() {
	RET=0
	local t0 ms
	t0=${EPOCHREALTIME/./}
	sdctl stop ovs-offloadd.service
	check_err $? "systemctl stop failed"
	ms=$(((${EPOCHREALTIME/./} - t0) / 1000))
	state_is ovs-offloadd.service inactive
	check_err $? "after stop: $(prop ovs-offloadd.service ActiveState) (want inactive, not failed)"
	in_sync
	check_err $? "the host changed when the daemon stopped: $(cat "$WORK/plan.out")"
	log_info "stopped in $ms ms"
	log_test "systemctl stop: inactive, the host left converged"
}

nsim_new "$NSIM" 1 || fail_hard "netdevsim$NSIM"
nsim_set_max_vfs "$NSIM" 2 || fail_hard "max_vfs"
UPLINK=$(nsim_uplink "$NSIM")
install_build || fail_hard "meson install failed"
sd_boot || fail_hard "systemd did not boot"
sdctl daemon-reload
tests_run
