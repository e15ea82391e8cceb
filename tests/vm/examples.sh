#!/usr/bin/env bash
# The example configs users start from, unchanged, through the CLI: each one
# validates (`check` exits 0), and on a fresh simulated host (netdevsim10 and
# netdevsim11, one port each, legacy without VFs; Open vSwitch without
# hw-offload) `plan` exits 3 listing the expected step kinds, `apply` exits 0
# and a second `plan` exits 0. examples/mpv.yaml runs twice: with the
# esw_multiport devlink param that mlx5 has from Linux 6.3 on, and as on
# Linux 6.1, whose mlx5 has no such param (netdevsim patch 0002 models both).
# shellcheck disable=SC2317 # check functions are called through tests_run
set -u
ALL_TESTS="examples_check example_single_pf example_vf_lag example_mpv example_mpv_linux61
	example_hostconf hostconf_yaml hostconf_bond hostconf_bond_boot example_restart example_restart_no_effect"
# shellcheck source=tests/vm/lib.sh
. "$(dirname "$(readlink -f "$0")")/lib.sh"

CTL=${OO_BUILD:-build}/ovs-offloadctl
DAEMON=${OO_BUILD:-build}/ovs-offloadd
require_cmd jq devlink ip tc ovs-vsctl
[[ -x $CTL ]] || fail_hard "$CTL not built: run scripts/build.sh"
# `systemctl restart openvswitch-switch` (ovs.restart_command's default)
# restarts the private ovs-vswitchd of ovs_start.
PATH="$(dirname "$(readlink -f "$0")")/../../scripts/sim/bin:$PATH"
export PATH
modprobe -q bonding 2>/dev/null || skip "kernel module 'bonding' cannot be loaded"
modprobe netdevsim || fail_hard "cannot load netdevsim"
MP_PARAM=/sys/module/netdevsim/parameters/mlx5_esw_multiport
[[ -e $MP_PARAM ]] || skip "netdevsim without the mlx5 params patch (scripts/vm/netdevsim-patches/0002)"
OUT=$(mktemp -d /tmp/oo-examples.XXXXXX)
defer rm -rf "$OUT"
DB=

# fresh_host Y|N: the simulated host, fresh, in the current check's scope:
# netdevsim10 and netdevsim11 (with mlx5's esw_multiport param: Y, as on
# Linux 6.3+; N, as on 6.1), Open vSwitch started without other_config.
fresh_host() {
	local mp=$1
	mp_set "$mp" || return 1
	defer mp_set N
	defer del_link bond0
	nsim_new 10 1 && nsim_new 11 1 || return 1
	# shellcheck disable=SC2119 # no other_config: as on a fresh host
	ovs_start || return 1
	DB="unix:$(ovs_db_sock)"
}

# mp_set Y|N: whether netdevsim devices created from now on have esw_multiport.
mp_set() {
	echo "$1" >"$MP_PARAM"
}

del_link() {
	link_exists "$1" && ip link del "$1"
	return 0
}

# ctl ARG...: ovs-offloadctl against the test's OVSDB.
ctl() {
	"$CTL" --db "$DB" "$@"
}

# kinds_of PLAN-JSON: the distinct step kinds, sorted, space-separated.
kinds_of() {
	jq -r '[.steps[].kind] | unique | join(" ")' <<<"$1" 2>/dev/null
}

# sorted WORD...: the distinct words, sorted as jq's unique sorts them.
sorted() {
	printf '%s\n' "$@" | LC_ALL=C sort -u | paste -sd' '
}

# converge KINDS CTL-ARG...: plan exits 3 and lists exactly the step kinds
# KINDS (a space-separated set), apply exits 0, plan then exits 0.
converge() {
	local kinds=$1 out rc got want
	shift
	out=$(ctl "$@" --json plan 2>"$OUT/plan.err")
	rc=$?
	echo "$out" >"$OUT/plan.json"
	[[ $rc == 3 ]]
	check_err $? "plan exited $rc, not 3 (changes pending): $(jq -c '.errors' <<<"$out" 2>/dev/null || echo "$out") $(cat "$OUT/plan.err")"
	got=$(kinds_of "$out")
	# shellcheck disable=SC2086 # KINDS is a word list
	want=$(sorted $kinds)
	[[ $got == "$want" ]]
	check_err $? "plan's step kinds are [$got], expected [$want]"
	ctl "$@" apply >"$OUT/apply.out" 2>&1
	rc=$?
	if ((rc != 0)); then
		check_err 1 "apply exited $rc: $(grep -m1 'error:' "$OUT/apply.out")"
		sed 's/^/\tapply: /' "$OUT/apply.out" | tail -n 40
	fi
	ctl "$@" plan >"$OUT/plan2.out" 2>&1
	rc=$?
	if ((rc != 0)); then
		check_err 1 "the second plan exited $rc, not 0 (in sync)"
		sed 's/^/\tplan: /' "$OUT/plan2.out" | tail -n 20
	fi
}

# param_value ID NAME: the runtime value of devlink param NAME of netdevsimID.
param_value() {
	devlink -j dev param show | jq -r --arg d "$(nsim_dev "$1")" --arg n "$2" \
		'.param[$d][] | select(.name == $n) | .values[] | select(.cmode == "runtime") | .value'
}

# links_down NETDEV...: those of them whose administrative state is down.
links_down() {
	local n
	for n in "$@"; do
		ip -j link show dev "$n" | jq -e '.[0].flags | index("UP")' >/dev/null || printf '%s ' "$n"
	done
}

examples_check() {
	local f out
	RET=0
	for f in examples/single-pf.yaml examples/vf-lag.yaml examples/mpv.yaml; do
		out=$("$CTL" -c "$f" check 2>&1)
		check_err $? "check $f: $out"
	done
	log_test "ovs-offloadctl check: the three YAML examples are valid"
}

example_single_pf() {
	local kinds
	RET=0
	fresh_host N || fail_hard "simulated host setup failed"
	kinds="num-vfs wait-vfs eswitch-mode hw-tc-offload vf-mac
		vf-devlink-rate ovs-set-config ovs-add-bridge ovs-add-port link-up"
	converge "$kinds" -c examples/single-pf.yaml
	[[ $(nsim_eswitch_mode 10) == switchdev && $(nsim_num_vfs 10) == 4 ]]
	check_err $? "netdevsim10: $(nsim_eswitch_mode 10) with $(nsim_num_vfs 10) VFs, not switchdev with 4"
	[[ $(ovs-vsctl list-ports br-offload 2>/dev/null | wc -l) == 5 ]]
	check_err $? "br-offload should have the uplink and 4 representors: $(ovs-vsctl list-ports br-offload 2>&1 | paste -sd' ')"
	# shellcheck disable=SC2046 # one port per word
	[[ $(links_down $(ovs-vsctl list-ports br-offload)) == "" ]]
	# shellcheck disable=SC2046
	check_err $? "br-offload's ports down after apply: $(links_down $(ovs-vsctl list-ports br-offload))"
	log_test "examples/single-pf.yaml: plan 3, apply 0, plan 0, the bridge's ports up"
}

example_vf_lag() {
	local kinds block
	RET=0
	fresh_host N || fail_hard "simulated host setup failed"
	# restart: if-needed, and a fresh ovs-vswitchd (no bridge, nothing
	# recorded): restarted once, which interrupts no traffic, so that what
	# it runs with is known.
	kinds="num-vfs wait-vfs eswitch-mode hw-tc-offload bond-create bond-set link-down
		bond-enslave link-up wait-lag ovs-set-config ovs-add-bridge ovs-add-port ovs-restart tc-sync"
	converge "$kinds" -c examples/vf-lag.yaml
	[[ $(ip -j -d link show dev bond0 2>/dev/null | jq -r '.[0].linkinfo.info_data.mode') == 802.3ad ]]
	check_err $? "bond0 is not an 802.3ad bond"
	[[ $(ip -j link show master bond0 | jq -r '[.[].ifname] | sort | join(" ")') == \
		"$(sorted "$(nsim_uplink 10)" "$(nsim_uplink 11)")" ]]
	check_err $? "bond0's members are not the two uplinks"
	block=$(tc -j qdisc show dev bond0 ingress | jq -r '[.[] | .ingress_block // empty] | first // empty')
	[[ -n $block && $(tc -j filter show block "$block" | jq '[.[] | select(.options)] | length') == 1 ]]
	check_err $? "the rule vm3-web is not on bond0's block (${block:-none})"
	log_test "examples/vf-lag.yaml: plan 3, apply 0, plan 0"
}

# MPV with esw_multiport (mlx5 on Linux 6.3 and later).
example_mpv() {
	local kinds
	RET=0
	fresh_host Y || fail_hard "simulated host setup failed"
	kinds="num-vfs wait-vfs eswitch-mode hw-tc-offload multiport ovs-set-config ovs-add-bridge
		ovs-add-port link-up tc-sync"
	converge "$kinds" -c examples/mpv.yaml
	[[ $(param_value 10 esw_multiport) == true && $(param_value 11 esw_multiport) == true ]]
	check_err $? "esw_multiport is not true on both PFs: $(param_value 10 esw_multiport) $(param_value 11 esw_multiport)"
	log_test "examples/mpv.yaml, mlx5 with esw_multiport (6.3+): plan 3, apply 0, plan 0"
}

# MPV on Linux 6.1's mlx5: no esw_multiport and no lag_port_select_mode
# param; the multiport eswitch comes with the first rule to an uplink.
example_mpv_linux61() {
	local kinds
	RET=0
	fresh_host N || fail_hard "simulated host setup failed"
	kinds="num-vfs wait-vfs eswitch-mode hw-tc-offload ovs-set-config ovs-add-bridge
		ovs-add-port link-up tc-sync"
	converge "$kinds" -c examples/mpv.yaml
	log_test "examples/mpv.yaml, Linux 6.1's mlx5 (no esw_multiport): plan 3, apply 0, plan 0"
}

example_hostconf() {
	local kinds up out
	RET=0
	fresh_host N || fail_hard "simulated host setup failed"
	up=$(nsim_uplink 10)
	[[ $up == eth0 ]]
	check_err $? "examples/host.conf names eth0, but netdevsim10's port is ${up:-missing}"
	out=$("$CTL" --hostconf examples/host.conf check 2>&1)
	check_err $? "check --hostconf examples/host.conf: $out"
	kinds="num-vfs wait-vfs eswitch-mode hw-tc-offload ovs-set-config ovs-add-bridge ovs-add-port link-up"
	converge "$kinds" --hostconf examples/host.conf
	[[ $(nsim_eswitch_mode 10) == switchdev && $(nsim_num_vfs 10) == "$(nsim_max_vfs 10)" ]]
	check_err $? "netdevsim10: $(nsim_eswitch_mode 10) with $(nsim_num_vfs 10) VFs, not switchdev with all $(nsim_max_vfs 10)"
	[[ $(ovs-vsctl list-ports br0 2>/dev/null | paste -sd' ') == "$up" ]]
	check_err $? "br0's ports: $(ovs-vsctl list-ports br0 2>&1 | paste -sd' '), expected $up"
	# The uplink goes up; the representors are host-agent's: left as made.
	local -a reps
	mapfile -t reps < <(nsim_vf_reps 10)
	[[ $(links_down "$up") == "" && ${#reps[@]} -gt 0 && $(links_down "${reps[@]}" | wc -w) == "${#reps[@]}" ]]
	check_err $? "uplink down: $(links_down "$up"); representors down: $(links_down "${reps[@]}" | wc -w) of ${#reps[@]}"
	log_test "examples/host.conf (--hostconf): check 0, plan 3, apply 0, plan 0, the uplink up, representors left to host-agent"
}

# converge_restart CFG: CFG (tc_policy skip_hw, restart if-needed) plans
# exactly an OVS config write and a restart, and apply restarts
# ovs-vswitchd (NEW_PID its new pid) and stores the tc-policy.
converge_restart() {
	local old
	old=$(ovs_vswitchd_pid)
	converge "ovs-set-config ovs-restart" -c "$1"
	NEW_PID=$(ovs_vswitchd_pid)
	[[ -n $NEW_PID && $NEW_PID != "$old" ]] && kill -0 "$NEW_PID" 2>/dev/null
	check_err $? "ovs-vswitchd was not restarted: pid ${old:-none} before apply, ${NEW_PID:-none} after"
	[[ $(ovs-vsctl get Open_vSwitch . other_config:tc-policy 2>&1) == skip_hw ]]
	check_err $? "other_config:tc-policy is $(ovs-vsctl get Open_vSwitch . other_config:tc-policy 2>&1), not skip_hw"
}

# A YAML config that takes its NICs from host.conf (`hostconf:`) and adds
# what host-agent never does: after --hostconf examples/host.conf, the
# YAML's tc_policy needs the running ovs-vswitchd (whose flow API is on)
# restarted, and its `restart: if-needed` lets apply do it; the host.conf
# part is in sync and the representors stay host-agent's.
hostconf_yaml() {
	local cfg=$OUT/hostconf.yaml out up
	RET=0
	fresh_host N || fail_hard "simulated host setup failed"
	out=$(ctl --hostconf examples/host.conf apply 2>&1)
	check_err $? "apply --hostconf examples/host.conf: $out"
	printf 'version: 1\nhostconf: %s\novs:\n  restart: if-needed\n  tc_policy: skip_hw\n' \
		"$(realpath examples/host.conf)" >"$cfg"
	out=$(ctl -c "$cfg" check 2>&1)
	check_err $? "check $cfg: $out"
	converge_restart "$cfg"
	# A tc rule on host.conf's offload NIC: written after OVS's restart.
	printf 'tc:\n  rules:\n  - {name: doc-drop, dev: eth0, prio: 10, match: {eth_type: ipv4, dst_ip: 192.0.2.1}, actions: [drop]}\n' \
		>>"$cfg"
	converge "tc-sync" -c "$cfg"
	tc -j filter show dev "$(nsim_uplink 10)" ingress | jq -e '[.[] | select(.options.keys.dst_ip == "192.0.2.1")] | length == 1' >/dev/null
	check_err $? "the rule on eth0 is not there: $(tc filter show dev "$(nsim_uplink 10)" ingress 2>&1 | head -n 5)"
	# A VF count other than all, given to host.conf's eth0 by name.
	sed -i 's/^tc:$/pfs: [{name: eth0, num_vfs: 2}]\ntc:/' "$cfg"
	out=$(ctl -c "$cfg" apply 2>&1)
	check_err $? "apply with pfs [{name: eth0, num_vfs: 2}]: $out"
	[[ $(nsim_num_vfs 10) == 2 ]]
	check_err $? "netdevsim10 has $(nsim_num_vfs 10) VFs, not the 2 the YAML gives eth0"
	out=$(ctl -c "$cfg" plan 2>&1)
	check_err $? "the plan after that apply is not empty: $out"
	out=$(ctl -c "$cfg" status --json 2>&1)
	jq -e '.ovs.offload_active == true and .ovs.restart_needed == false' <<<"$out" >/dev/null
	check_err $? "status: hw-offload is not active after the restart: $(jq -c '.ovs' <<<"$out" 2>/dev/null)"
	up=$(nsim_uplink 10)
	[[ $(ovs-vsctl list-ports br0 2>/dev/null | paste -sd' ') == "$up" ]]
	check_err $? "br0's ports: $(ovs-vsctl list-ports br0 2>&1 | paste -sd' '), expected $up alone"
	# Errors name their file: a host.conf NIC that is not there.
	sed 's/eth0/eth9/g' examples/host.conf >"$OUT/bad-host.conf"
	sed "s|^hostconf: .*|hostconf: $OUT/bad-host.conf|" "$cfg" >"$OUT/bad.yaml"
	out=$(ctl -c "$OUT/bad.yaml" check 2>&1)
	[[ $? == 2 && $out == *"$OUT/bad-host.conf:"*"no network interface 'eth9'"* ]]
	check_err $? "check of a YAML naming a host.conf with a missing NIC: $out"
	log_test "hostconf: in a YAML config: host.conf's NICs in sync, the YAML's tc_policy applied with its restart if-needed, its tc rule written, its VF count for eth0"
}

# examples/single-pf.yaml applied, then again with tc_policy skip_hw and
# restart if-needed: the running ovs-vswitchd read tc-policy when its flow
# API came on, so apply restarts it through ovs.restart_command's default
# (the simulated systemctl). The new ovs-vswitchd takes transparent huge
# pages as the kernel sets them: ovs-offloadctl turns them off for itself,
# and a process passes that on to what it starts.
# admin_bond UPLINK UPLINK: bond0 (active-backup) over the two, made as the
# network's service makes it at boot.
admin_bond() {
	if ! { ip link add bond0 type bond mode active-backup miimon 100 &&
		ip link set "$1" down && ip link set "$2" down &&
		ip link set "$1" master bond0 && ip link set "$2" master bond0 &&
		ip link set bond0 up && ip link set "$1" up && ip link set "$2" up; }; then
		fail_hard "cannot make the admin's bond0 over $1 and $2"
	fi
}

# host.conf naming the admin's bond (VF-LAG in host.conf mode), as after a
# boot: the network's service made bond0 over the two PFs while they were
# still legacy without VFs. apply gives each member its VFs and switchdev in
# place, as host-agent does (mlx5 takes the LAG down for the change and forms
# it again): the bond is never released from or enslaved to, keeps its
# ifindex, both members and its mode, and stays unmarked (the admin's).
hostconf_bond() {
	local kinds u0 u1 ifindex want n hc=$OUT/bond-host.conf
	RET=0
	fresh_host N || fail_hard "simulated host setup failed"
	u0=$(nsim_uplink 10)
	u1=$(nsim_uplink 11)
	admin_bond "$u0" "$u1"
	ifindex=$(cat /sys/class/net/bond0/ifindex)
	printf 'networks:\n- bond0/br1/bcast0\novs_offload_nics:\n- bond0\n' >"$hc"
	kinds="num-vfs wait-vfs eswitch-mode hw-tc-offload wait-lag ovs-set-config ovs-add-bridge ovs-add-port"
	converge "$kinds" --hostconf "$hc"
	jq -e '[.steps[] | select(.kind | test("^bond-"))] | length == 0' "$OUT/plan.json" >/dev/null
	check_err $? "the plan changes the admin's bond: $(jq -c '[.steps[] | select(.kind | test("^bond-")) | .kind]' "$OUT/plan.json")"
	for n in 10 11; do
		want=$(nsim_max_vfs "$n")
		((want > 64)) && want=64
		[[ $(nsim_eswitch_mode "$n") == switchdev && $(nsim_num_vfs "$n") == "$want" ]]
		check_err $? "netdevsim$n: $(nsim_eswitch_mode "$n") with $(nsim_num_vfs "$n") VFs, not switchdev with $want"
	done
	[[ $(cat /sys/class/net/bond0/ifindex) == "$ifindex" &&
		$(ip -j link show master bond0 | jq -r '[.[].ifname] | sort | join(" ")') == "$(sorted "$u0" "$u1")" &&
		$(ip -j -d link show dev bond0 | jq -r '.[0].linkinfo.info_data.mode') == active-backup &&
		$(ip -j link show dev bond0 | jq -r '.[0].ifalias // ""') == "" ]]
	check_err $? "bond0 changed: $(ip -j -d link show dev bond0 | jq -c '.[0] | {ifindex, ifalias, mode: .linkinfo.info_data.mode}'), members $(ip -j link show master bond0 | jq -c '[.[].ifname]')"
	[[ $(ovs-vsctl list-ports br1 2>/dev/null | paste -sd' ') == bond0 ]]
	check_err $? "br1's ports: $(ovs-vsctl list-ports br1 2>&1 | paste -sd' '), expected bond0"
	grep -q "wait-lag" "$OUT/apply.out"
	check_err $? "apply did not wait for the LAG: $(tail -n 5 "$OUT/apply.out")"
	log_info "$(grep -m1 'wait-lag' "$OUT/apply.out")"
	# A YAML config naming that host.conf gives one member 2 VFs (through
	# legacy, in place); the other keeps all of its own.
	printf 'version: 1\nhostconf: %s\npfs:\n- {name: %s, num_vfs: 2}\n' "$hc" "$u1" >"$OUT/bond.yaml"
	converge "eswitch-mode num-vfs wait-vfs wait-lag" -c "$OUT/bond.yaml"
	[[ $(nsim_num_vfs 11) == 2 && $(nsim_eswitch_mode 11) == switchdev && $(nsim_num_vfs 10) == "$want" &&
		$(ip -j link show master bond0 | jq -r '[.[].ifname] | sort | join(" ")') == "$(sorted "$u0" "$u1")" ]]
	check_err $? "after pfs gave $u1 2 VFs: netdevsim11 $(nsim_eswitch_mode 11) with $(nsim_num_vfs 11) VFs, netdevsim10 $(nsim_num_vfs 10), bond0 holds $(ip -j link show master bond0 | jq -c '[.[].ifname]')"
	log_test "host.conf naming the admin's bond over legacy PFs: the members switch in place, the bond kept as made, plan 0; a member's VF count from a hostconf: YAML"
}

# The same at boot, with the daemon: ovs-offloadd --hostconf starts before
# the network's service has made bond0, waits for it, and once bond0 is
# made over the two legacy PFs, converges with no one asking (the CLI's plan
# is then empty) and leaves the bond as made.
hostconf_bond_boot() {
	local u0 u1 ifindex dpid hc=$OUT/boot-host.conf
	RET=0
	fresh_host N || fail_hard "simulated host setup failed"
	u0=$(nsim_uplink 10)
	u1=$(nsim_uplink 11)
	printf 'networks:\n- bond0/br1/bcast0\novs_offload_nics:\n- bond0\n' >"$hc"
	"$DAEMON" --hostconf "$hc" --metrics none --resync 300 >"$OUT/d.log" 2>&1 &
	dpid=$!
	defer kill_quiet "$dpid"
	wait_for 20 grep -q "waiting up to 120 s" "$OUT/d.log"
	check_err $? "the daemon did not wait for bond0: $(tail -n 3 "$OUT/d.log")"
	admin_bond "$u0" "$u1"
	ifindex=$(cat /sys/class/net/bond0/ifindex)
	wait_for 60 ctl --hostconf "$hc" plan >/dev/null 2>&1
	check_err $? "the daemon did not converge once bond0 was made: $(ctl --hostconf "$hc" plan 2>&1 | tail -n 5)"
	[[ $(nsim_eswitch_mode 10) == switchdev && $(nsim_eswitch_mode 11) == switchdev &&
		$(cat /sys/class/net/bond0/ifindex) == "$ifindex" &&
		$(ip -j link show master bond0 | jq -r '[.[].ifname] | sort | join(" ")') == "$(sorted "$u0" "$u1")" &&
		$(ovs-vsctl list-ports br1 2>/dev/null | paste -sd' ') == bond0 ]]
	check_err $? "after the daemon's passes: netdevsim10 $(nsim_eswitch_mode 10), netdevsim11 $(nsim_eswitch_mode 11), bond0 holds $(ip -j link show master bond0 | jq -c '[.[].ifname]'), br1 has $(ovs-vsctl list-ports br1 2>&1 | paste -sd' ')"
	! grep -q "|ERR|" "$OUT/d.log"
	check_err $? "the daemon logged errors: $(grep -m3 '|ERR|' "$OUT/d.log")"
	log_info "$(grep -m1 -o 'the offload NICs are there after .*' "$OUT/d.log")"
	kill -TERM "$dpid" && wait_for 20 _oo_pid_gone "$dpid"
	check_err $? "the daemon did not exit on SIGTERM"
	log_test "at boot, ovs-offloadd --hostconf waits for the admin's bond0, then switches its legacy members in place and attaches it"
}

example_restart() {
	local cfg=$OUT/restart.yaml out
	RET=0
	fresh_host N || fail_hard "simulated host setup failed"
	sed -e 's/^  tc_policy: none /  tc_policy: skip_hw /' -e 's/^  restart: never /  restart: if-needed /' \
		examples/single-pf.yaml >"$cfg"
	if ! grep -q '^  tc_policy: skip_hw ' "$cfg" || ! grep -q '^  restart: if-needed ' "$cfg"; then
		fail_hard "examples/single-pf.yaml has no 'tc_policy: none' or 'restart: never' to change"
	fi
	out=$(ctl -c examples/single-pf.yaml apply 2>&1)
	check_err $? "apply examples/single-pf.yaml: $out"
	converge_restart "$cfg"
	grep -q '^THP_enabled:[[:space:]]*1$' "/proc/$NEW_PID/status"
	check_err $? "the restarted ovs-vswitchd: $(grep THP_enabled "/proc/$NEW_PID/status" 2>&1), not 1 (huge pages off, as ovs-offloadctl runs)"
	log_test "tc_policy changed, restart if-needed: apply restarts ovs-vswitchd, which runs with the kernel's huge page setting"
}

# The same change with a restart_command that restarts nothing (/bin/true):
# the command succeeds, but no ovs-vswitchd with the stored tc-policy comes;
# the restart step fails once waits.timeout_s is over, instead of letting the
# tc step write rules the next ovs-vswitchd would flush.
example_restart_no_effect() {
	local cfg=$OUT/restart-true.yaml out rc old
	RET=0
	fresh_host N || fail_hard "simulated host setup failed"
	sed -e 's/^  tc_policy: none /  tc_policy: skip_hw /' -e 's/^  restart: never /  restart: if-needed /' \
		-e 's/^  # restart_command: .*/  restart_command: [\/bin\/true]/' examples/single-pf.yaml >"$cfg"
	printf 'waits:\n  timeout_s: 5\n' >>"$cfg"
	grep -q '^  restart_command: \[/bin/true\]' "$cfg" || fail_hard "examples/single-pf.yaml has no restart_command line to change"
	out=$(ctl -c examples/single-pf.yaml apply 2>&1)
	check_err $? "apply examples/single-pf.yaml: $out"
	old=$(ovs_vswitchd_pid)
	out=$(ctl -c "$cfg" apply 2>&1)
	rc=$?
	[[ $rc == 1 && $out == *"ovs-restart ... FAILED"* &&
		$out == *"ovs.restart_command succeeded, but no ovs-vswitchd running with the stored settings answered"* ]]
	check_err $? "apply should fail at the restart step (exit 1, not $rc): $out"
	[[ $(ovs_vswitchd_pid) == "$old" ]]
	check_err $? "ovs-vswitchd changed: pid $old before, $(ovs_vswitchd_pid) after"
	log_test "restart_command that restarts nothing: the restart step fails, saying so"
}

tests_run
