#!/usr/bin/env bash
# ovs-offloadctl status against the real kernel: two netdevsim PFs with 4 VFs
# each, one switched to switchdev by hand. What status reports must match
# devlink -j port show, ip -j link and sysfs; then the same with OVS running.
ALL_TESTS="status_devlink status_text status_ovs_unreachable status_ovs doctor_guest"
. "$(dirname "$(readlink -f "$0")")/lib.sh"

CTL=${OO_BUILD:-build}/ovs-offloadctl
require_cmd jq
[[ -x $CTL ]] || fail_hard "$CTL not built: run scripts/build.sh"

setup() {
	nsim_new 10 1 && nsim_new 11 1 &&
		nsim_set_vfs 10 4 && nsim_set_vfs 11 4 &&
		nsim_eswitch_set 10 switchdev || fail_hard "netdevsim setup failed"
}

status_devlink() {
	local js dl expect got
	RET=0
	js=$("$CTL" status --json --ovsdb-timeout 300)
	check_err $? "status --json failed"

	# What the kernel says, in the shape status should report it.
	dl=$(devlink -j port show)
	expect=$(jq -c '[.port | to_entries[] | select(.value.flavour == "pcivf")
		| {dev: (.key | sub("/[0-9]+$"; "")), index: (.key | sub(".*/"; "") | tonumber),
		   netdev: .value.netdev, pfnum: .value.pfnum, vfnum: .value.vfnum}]
		| sort_by(.dev, .vfnum)' <<<"$dl")
	got=$(jq -c '[.pfs[] | .handle as $h | .representors[]
		| {dev: $h, index: .port_index, netdev, pfnum, vfnum}] | sort_by(.dev, .vfnum)' <<<"$js")
	[[ $got == "$expect" ]]
	check_err $? "representors differ from devlink -j port show: got $got, want $expect"
	[[ $(jq '[.[] | select(.dev == "netdevsim/netdevsim10")] | length' <<<"$expect") == 4 ]]
	check_err $? "netdevsim10 should have 4 representors in devlink: $expect"

	got=$(jq -r '[.pfs[] | "\(.handle) \(.eswitch.mode) \(.sriov.num_vfs)/\(.sriov.total_vfs)"] | join(",")' <<<"$js")
	[[ $got == "netdevsim/netdevsim10 switchdev 4/4,netdevsim/netdevsim11 legacy 4/4" ]]
	check_err $? "PFs, modes or VF counts wrong: $got"

	# Uplinks: the physical port's netdev, and ifindexes as ip link has them.
	for id in 10 11; do
		up=$(nsim_uplink $id)
		got=$(jq -r --arg h "netdevsim/netdevsim$id" '.pfs[] | select(.handle == $h) | "\(.uplink.netdev) \(.uplink.ifindex)"' <<<"$js")
		[[ $got == "$up $(ip -j link show dev "$up" | jq '.[0].ifindex')" ]]
		check_err $? "uplink of netdevsim$id: got '$got', want $up"
	done
	for rep in $(nsim_vf_reps 10); do
		got=$(jq --arg n "$rep" '[.pfs[].representors[] | select(.netdev == $n) | .ifindex][0]' <<<"$js")
		[[ $got == "$(ip -j link show dev "$rep" | jq '.[0].ifindex')" ]]
		check_err $? "ifindex of representor $rep: got $got"
	done
	log_test "status --json matches devlink, sysfs and ip link"
}

status_text() {
	local out
	RET=0
	out=$("$CTL" status --ovsdb-timeout 300)
	check_err $? "status failed"
	grep -q '^pf netdevsim/netdevsim10$' <<<"$out" && grep -q '^pf netdevsim/netdevsim11$' <<<"$out"
	check_err $? "text status lacks a PF: $out"
	[[ $(grep -c '^    pf0vf' <<<"$out") == 4 ]]
	check_err $? "text status should list 4 representors: $out"
	grep -q 'representors: none (not in switchdev)' <<<"$out"
	check_err $? "the legacy PF should say it has no representors: $out"
	log_test "status text output"
}

status_ovs_unreachable() {
	local js rc t0 t1
	RET=0
	t0=${EPOCHREALTIME/./}
	js=$("$CTL" status --json --db unix:/nonexistent/db.sock --ovsdb-timeout 2000)
	rc=$?
	t1=${EPOCHREALTIME/./}
	check_err $rc "status must not fail when OVSDB is unreachable (exit $rc)"
	[[ $(jq -r '"\(.ovs.reachable) \(.ovs.error)"' <<<"$js") == "false cannot connect to unix:/nonexistent/db.sock"* ]]
	check_err $? "unreachable OVSDB not reported: $(jq -c .ovs <<<"$js")"
	[[ $(jq '.pfs | length' <<<"$js") == 2 ]]
	check_err $? "PFs missing when OVSDB is unreachable"
	log_info "status with an unreachable OVSDB took $(((t1 - t0) / 1000)) ms"
	log_test "status reports an unreachable OVSDB and the rest"
}

status_ovs() {
	local js
	RET=0
	ovs_start hw-offload=true tc-policy=skip_sw || { check_err 1 "ovs_start failed"; log_test "status with OVS"; return; }
	ovs-vsctl add-br br-test -- add-port br-test "$(nsim_uplink 10)"
	check_err $? "ovs-vsctl add-br failed"
	js=$("$CTL" status --json)
	check_err $? "status --json failed with OVS running"
	[[ $(jq -r '.ovs | "\(.reachable) \(.hw_offload) \(.hw_offload_enabled) \(.tc_policy)"' <<<"$js") == "true true true skip_sw" ]]
	check_err $? "OVS settings wrong: $(jq -c .ovs <<<"$js")"
	[[ $(jq -c '.ovs.bridges' <<<"$js") == "[{\"name\":\"br-test\",\"ports\":[\"br-test\",\"$(nsim_uplink 10)\"]}]" ]]
	check_err $? "bridges wrong: $(jq -c .ovs.bridges <<<"$js")"
	# The kernel datapath's flow counts, as ovs-vswitchd's upcall/show has
	# them (its flow API is on: hw-offload, and the uplink can offload).
	jq -e '.ovs.datapaths | length == 1 and .[0].name == "system@ovs-system" and
		(.[0].flows | type == "number") and (.[0].offloaded_flows | type == "number")' <<<"$js" >/dev/null
	check_err $? "datapaths wrong: $(jq -c .ovs.datapaths <<<"$js")"
	# A port whose netdev is gone (a stale representor): doctor names it, and
	# the del-port that removes it; status still lists it.
	ovs-vsctl add-port br-test oo-gone0 2>/dev/null   # it says the port is in error
	js=$("$CTL" doctor --json)
	jq -e '.findings[] | select(.check == "ovs-port" and .object == "oo-gone0" and .level == "warning" and
		(.message | test("^port of br-test in error: could not open network device oo-gone0")) and
		(.fix | startswith("if oo-gone0 is gone for good: ovs-vsctl del-port br-test oo-gone0")))' \
		<<<"$js" >/dev/null
	check_err $? "doctor does not report the stale port oo-gone0: $(jq -c '.findings' <<<"$js")"
	ovs-vsctl del-port br-test oo-gone0
	js=$("$CTL" doctor --json)
	jq -e '[.findings[] | select(.check == "ovs-port")] | length == 1 and .[0].level == "ok"' <<<"$js" >/dev/null
	check_err $? "doctor after the stale port went: $(jq -c '[.findings[] | select(.check == "ovs-port")]' <<<"$js")"
	# ovs-ctl, not ovs-vswitchd, stores the version; set one and read it back.
	ovs-vsctl set Open_vSwitch . ovs_version=3.1.0-guest
	[[ $("$CTL" status --json | jq -r .ovs.ovs_version) == 3.1.0-guest ]]
	check_err $? "ovs_version not read back"
	# No --db, no -c: the default config's ovs.db, as plan and apply use it
	# (OVS_RUNDIR unset: the built-in default has no OVSDB here).
	local out
	if [[ -e /etc/ovs-offload/config.yaml ]]; then
		check_err 1 "/etc/ovs-offload/config.yaml exists in the guest: cannot test the default config"
	else
		mkdir -p /etc/ovs-offload
		defer rm -f /etc/ovs-offload/config.yaml
		printf 'version: 1\novs:\n  db: unix:%s/db.sock\n' "$OVS_RUNDIR" >/etc/ovs-offload/config.yaml
		[[ $(env -u OVS_RUNDIR "$CTL" status --json | jq -r .ovs.reachable) == true ]]
		check_err $? "status did not read OVSDB at the default config's ovs.db"
		[[ $(env -u OVS_RUNDIR "$CTL" status --prometheus | awk '$1 == "ovs_offload_ovsdb_up" { print $2 }') == 1 ]]
		check_err $? "status --prometheus did not read OVSDB at the default config's ovs.db"
		# A default config with errors: passed over, with a warning.
		echo 'version: 2' >/etc/ovs-offload/config.yaml
		out=$(env -u OVS_RUNDIR "$CTL" status --json --ovsdb-timeout 300 2>&1 >/dev/null)
		check_err $? "status failed over a default config with errors"
		grep -q "/etc/ovs-offload/config.yaml has errors" <<<"$out"
		check_err $? "no warning for the default config's errors: $out"
	fi
	log_test "status reads OVS settings and bridges from the running OVS"
}

doctor_guest() {
	local js rc up
	RET=0
	up=$(nsim_uplink 10)
	ethtool -K "$up" hw-tc-offload off
	js=$("$CTL" doctor --json --db unix:/nonexistent/db.sock)
	rc=$?
	[[ $rc == 1 ]]
	check_err $? "doctor should exit 1 when it finds problems (got $rc)"
	jq -e --arg up "$up" '.findings[] | select(.check == "hw-tc-offload" and (.fix | startswith("ethtool -K " + $up + " hw-tc-offload on")))' <<<"$js" >/dev/null
	check_err $? "doctor misses hw-tc-offload off on $up: $(jq -c .findings <<<"$js")"
	jq -e '.findings[] | select(.check == "ovs" and .level == "error")' <<<"$js" >/dev/null
	check_err $? "doctor misses the unreachable OVSDB"
	jq -e '.findings[] | select(.check == "sriov" and .object == "netdevsim/netdevsim10" and .message == "SR-IOV: 4 of 4 VFs")' <<<"$js" >/dev/null
	check_err $? "doctor's SR-IOV finding wrong: $(jq -c .findings <<<"$js")"
	ethtool -K "$up" hw-tc-offload on
	js=$("$CTL" doctor --json --db unix:/nonexistent/db.sock)
	rc=$?
	[[ $rc == 1 ]]
	check_err $? "doctor should still exit 1 (OVSDB unreachable), got $rc"
	# The findings are read (the OVSDB one is there), and none is hw-tc-offload.
	jq -e '(.findings | type == "array") and any(.findings[]; .check == "ovs") and
		all(.findings[]; .check != "hw-tc-offload")' <<<"$js" >/dev/null
	check_err $? "doctor still reports hw-tc-offload after it was turned on: $(jq -c .findings <<<"$js")"
	log_test "doctor finds hw-tc-offload off, an unreachable OVSDB, and says how to fix them"
}

setup
tests_run
