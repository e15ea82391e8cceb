#!/usr/bin/env bash
# oo_observe_host() against the real kernel, through tests/tools/observe-dump:
# two netdevsim PFs with 4 VFs each (netdevsim10 in switchdev with devlink
# rates and a rate node, netdevsim11 legacy with changed params and every VF
# setting on VF 1), a bond over both uplinks marked as ours, hw-tc-offload on
# netdevsim10's uplink. What observe-dump reports must match devlink -j,
# ip -j -d link and ethtool -k; then the hw-tc-offload setter is checked.
# vf_unbind_bind takes real PCI VFs (the guest's SR-IOV NVMe function, its
# VFs under pci-stub) through apply's unbind and bind and their journal.
ALL_TESTS="obs_devlink obs_params obs_rates obs_links obs_bond obs_vf_settings
	obs_hw_tc_offload obs_sub_failures obs_threaded hw_tc_offload_set vf_unbind_bind
	sysfs_netns_hides_netdev"
. "$(dirname "$(readlink -f "$0")")/lib.sh"

DUMP=${OO_BUILD:-build}/tests/unit/observe-dump
require_cmd devlink ip jq ethtool
[[ -x $DUMP ]] || fail_hard "$DUMP not built: build the project (tests/unit/meson.build)"
modprobe -q bonding 2>/dev/null || skip "kernel module 'bonding' cannot be loaded"

NO_DB=unix:/nonexistent/ovs-offload-test/db.sock

# dump ARG...: run observe-dump, under $OO_OBSERVE_WRAPPER when set, e.g.
# OO_OBSERVE_WRAPPER="valgrind -q --leak-check=full --error-exitcode=9".
dump() {
	# shellcheck disable=SC2086 # the wrapper is a command line
	${OO_OBSERVE_WRAPPER:-} "$DUMP" "$@"
}
OBS=                                    # the observation, JSON

setup() {
	nsim_new 10 1 && nsim_new 11 1 &&
		nsim_set_vfs 10 4 && nsim_set_vfs 11 4 &&
		nsim_eswitch_set 10 switchdev || fail_hard "netdevsim setup failed"
	UP0=$(nsim_uplink 10) UP1=$(nsim_uplink 11)
	[[ -n $UP0 && -n $UP1 ]] || fail_hard "no uplink netdevs"

	devlink dev param set netdevsim/netdevsim11 name max_macs value 16 cmode driverinit &&
		devlink dev param set netdevsim/netdevsim11 name test1 value false cmode driverinit ||
		fail_hard "devlink dev param set failed"

	devlink port function rate set netdevsim/netdevsim10/128 tx_max 100mbit tx_share 10mbit &&
		devlink port function rate add netdevsim/netdevsim10/group1 tx_share 20mbit tx_max 50mbit &&
		devlink port function rate set netdevsim/netdevsim10/130 parent group1 ||
		fail_hard "devlink rate setup failed"

	ip link add bond0 type bond mode balance-xor miimon 100 xmit_hash_policy layer3+4 ||
		fail_hard "cannot create bond0"
	defer ip link del bond0
	ip link set bond0 alias "managed by ovs-offload" &&
		ip link set "$UP0" down && ip link set "$UP0" master bond0 &&
		ip link set "$UP1" down && ip link set "$UP1" master bond0 &&
		ip link set bond0 up || fail_hard "bond setup failed"

	# Legacy: every IFLA_VF_* setting. Switchdev: mac, vlan, trust, spoofchk
	# still go through IFLA_VF_* (rates and link state are devlink's there).
	ip link set "$UP1" vf 1 mac 02:00:00:00:00:11 vlan 10 qos 3 trust on spoofchk off \
		state disable max_tx_rate 1000 min_tx_rate 100 ||
		fail_hard "VF settings on the legacy PF failed"
	ip link set "$UP0" vf 2 mac 02:00:00:00:00:22 vlan 20 trust on spoofchk on ||
		fail_hard "VF settings on the switchdev PF failed"

	ethtool -K "$UP0" hw-tc-offload on || fail_hard "ethtool -K $UP0 hw-tc-offload on failed"
	ethtool -K "$UP1" hw-tc-offload off || fail_hard "ethtool -K $UP1 hw-tc-offload off failed"

	OBS=$(dump --db "$NO_DB" --timeout 500) || fail_hard "observe-dump failed: $OBS"
}

# same WHAT GOT WANT: record a failure naming WHAT when the JSON values differ.
same() {
	local what=$1 got=$2 want=$3
	if [[ $(jq -n --argjson a "$got" --argjson b "$want" '$a == $b') != true ]]; then
		check_err 1 "$what: observed $(jq -cS . <<<"$got"), the kernel says $(jq -cS . <<<"$want")"
	fi
}

obs_devlink() {
	local got want
	RET=0
	got=$(jq -c '{err: .devlink_err, pfs: [.pfs[] | {handle, eswitch, num_vfs, uplink,
		reps: [.ports[] | select(.flavour == "pcivf") | .netdev],
		vfdevs, vfdevs_err, lag_active, lag_err}]}' <<<"$OBS")
	want=$(jq -cn --arg up0 "$UP0" --arg up1 "$UP1" --argjson reps "$(nsim_vf_reps 10 | jq -R . | jq -cs .)" \
		'{err: 0, pfs: [
		  {handle: "netdevsim/netdevsim10", eswitch: "switchdev", num_vfs: 4, uplink: $up0,
		   reps: $reps, vfdevs: [], vfdevs_err: 0, lag_active: -1, lag_err: -95},
		  {handle: "netdevsim/netdevsim11", eswitch: "legacy", num_vfs: 4, uplink: $up1,
		   reps: [], vfdevs: [], vfdevs_err: 0, lag_active: -1, lag_err: -95}]}')
	same "PFs" "$got" "$want"
	log_test "devlink instances, ports; no VF devices or LAG on netdevsim"
}

obs_params() {
	local got want
	RET=0
	got=$(jq -c '[.pfs[] | {key: .handle, value: [.params[] | {name,
		type: (if .generic then "generic" else "driver-specific" end),
		values: [.values | to_entries[] | {cmode: .key, value}] | sort_by(.cmode)}]}] | from_entries' <<<"$OBS")
	want=$(devlink -j dev param show | jq -c '.param | map_values(map({name, type,
		values: [.values[] | {cmode, value: (.value | tostring)}] | sort_by(.cmode)}) | sort_by(.name))')
	same "devlink params" "$got" "$want"
	[[ $(jq -r '.pfs[1].params[] | select(.name == "max_macs") | "\(.type) \(.values.driverinit)"' <<<"$OBS") == "u32 16" ]]
	check_err $? "netdevsim11's max_macs should be u32 16 (driverinit)"
	[[ $(jq -r '.params_err' <<<"$OBS") == 0 ]]
	check_err $? "the param dump failed: $(jq -r .params_error <<<"$OBS")"
	log_test "devlink params match devlink -j dev param show"
}

obs_rates() {
	local got want
	RET=0
	got=$(jq -c '[.pfs[] | .handle as $h | .rates[] |
		{key: "\($h)/\(if .type == "leaf" then .port_index else .node end)",
		 value: {type, tx_share, tx_max, parent}}] | from_entries' <<<"$OBS")
	want=$(devlink -j port function rate show | jq -c '.rate | map_values({type,
		tx_share: (.tx_share // 0), tx_max: (.tx_max // 0), parent: (.parent // "")})')
	same "devlink rates" "$got" "$want"
	# 100mbit / 10mbit in bytes per second, as the kernel keeps them.
	[[ $(jq -r '.pfs[0].rates[] | select(.port_index == 128) | "\(.tx_max) \(.tx_share)"' <<<"$OBS") == "12500000 1250000" ]]
	check_err $? "leaf 128 should have tx_max 12500000 tx_share 1250000 bytes/s"
	[[ $(jq '.pfs[0].rates | length' <<<"$OBS") == 5 && $(jq '.pfs[1].rates | length' <<<"$OBS") == 0 ]]
	check_err $? "netdevsim10 should have 4 leaves and a node, netdevsim11 none"
	log_test "devlink rates match devlink -j port function rate show"
}

# The links as both sides can say them: names for masters, strings for modes.
LINKS_OBS='(.links | map({key: (.ifindex | tostring), value: .name}) | from_entries) as $names |
	[.links[] | {name, ifindex, up,
	  master: (if .master == 0 then null else $names[.master | tostring] end),
	  alias: (if .alias == "" then null else .alias end),
	  kind: (if .kind == "" then null else .kind end),
	  slave_kind: (if .slave_kind == "" then null else .slave_kind end),
	  bond: (if .kind == "bond" then {
	    mode: (["balance-rr", "active-backup", "balance-xor", "broadcast", "802.3ad",
	            "balance-tlb", "balance-alb"][.bond.mode]),
	    miimon: .bond.miimon,
	    xmit_hash_policy: (["layer2", "layer3+4", "layer2+3", "encap2+3", "encap3+4",
	                        "vlan+srcmac"][.bond.xmit_hash_policy])} else null end),
	  vfs: [.vfs[] | {vf: .id, mac, vlan, qos, spoofchk: (.spoofchk == 1), trust: (.trust == 1),
	    state: (["auto", "enable", "disable"][.link_state]), min: .min_tx_rate, max: .max_tx_rate}]}]'
LINKS_IP='[.[] | {name: .ifname, ifindex, up: (.flags | index("UP") != null), master, alias: .ifalias,
	  kind: .linkinfo.info_kind, slave_kind: .linkinfo.info_slave_kind,
	  bond: (if .linkinfo.info_kind == "bond" then (.linkinfo.info_data | {mode, miimon, xmit_hash_policy})
	         else null end),
	  vfs: [(.vfinfo_list // [])[] | {vf, mac: .address, vlan: (.vlan_list[0].vlan // 0),
	    qos: (.vlan_list[0].qos // 0), spoofchk, trust, state: .link_state,
	    min: .rate.min_tx, max: .rate.max_tx}]}]'

obs_links() {
	local got want
	RET=0
	# In ifindex order: the kernel dumps links by ifindex hash bucket (256
	# of them), so past ifindex 255 its order is not ifindex order.
	got=$(jq -c "$LINKS_OBS | sort_by(.ifindex)" <<<"$OBS")
	want=$(ip -j -d link show | jq -c "$LINKS_IP | sort_by(.ifindex)")
	same "links" "$got" "$want"
	[[ $(jq -r '.links_err' <<<"$OBS") == 0 ]]
	check_err $? "the link dump failed: $(jq -r .links_error <<<"$OBS")"
	# VF counts of the PFs as sysfs has them.
	[[ $(jq -r --arg u "$UP0" '.links[] | select(.name == $u) | .num_vf' <<<"$OBS") == "$(nsim_num_vfs 10)" ]]
	check_err $? "num_vf of $UP0 differs from sriov_numvfs"
	log_test "links match ip -j -d link show (masters, kinds, VF settings)"
}

obs_bond() {
	local got
	RET=0
	got=$(jq -c '(.links[] | select(.name == "bond0")) as $b |
		{kind: $b.kind, alias: $b.alias, bond: $b.bond,
		 members: [.links[] | select(.master == $b.ifindex) | .name] | sort}' <<<"$OBS")
	same "bond0" "$got" "$(jq -cn --arg a "$UP0" --arg b "$UP1" '{kind: "bond",
		alias: "managed by ovs-offload",
		bond: {mode: 2, miimon: 100, xmit_hash_policy: 1, lacp_rate: 0, primary: 0, active_slave: 0},
		members: [$a, $b] | sort}')"
	log_test "bond0: balance-xor, miimon 100, layer3+4, alias, both uplinks"
}

obs_vf_settings() {
	local got
	RET=0
	got=$(jq -c --arg u "$UP1" '.links[] | select(.name == $u) | .vfs[1]' <<<"$OBS")
	same "VF 1 of the legacy PF $UP1" "$got" '{"id":1,"mac":"02:00:00:00:00:11","vlan":10,"qos":3,
		"spoofchk":0,"trust":1,"link_state":2,"min_tx_rate":100,"max_tx_rate":1000}'
	got=$(jq -c --arg u "$UP0" '.links[] | select(.name == $u) | [.vfs[0], .vfs[2]]' <<<"$OBS")
	# Switchdev: VF 2's IFLA_VF_* settings; VF 0 shows its devlink rate leaf
	# in Mbit/s (netdevsim keeps both in one place).
	same "VFs 0 and 2 of the switchdev PF $UP0" "$got" '[
		{"id":0,"mac":"00:00:00:00:00:00","vlan":0,"qos":0,"spoofchk":0,"trust":0,"link_state":0,
		 "min_tx_rate":10,"max_tx_rate":100},
		{"id":2,"mac":"02:00:00:00:00:22","vlan":20,"qos":0,"spoofchk":1,"trust":1,"link_state":0,
		 "min_tx_rate":0,"max_tx_rate":0}]'
	log_test "VF settings of both PFs"
}

# ethtool_hw_tc DEV: "on" or "off" as ethtool -k shows it.
ethtool_hw_tc() {
	ethtool -k "$1" | awk '$1 == "hw-tc-offload:" { print $2 }'
}

obs_hw_tc_offload() {
	local got want
	RET=0
	got=$(jq -c '[.pfs[] | {uplink, hw_tc_offload, hw_tc_offload_err}]' <<<"$OBS")
	want=$(jq -cn --arg a "$UP0" --arg b "$UP1" --arg ea "$(ethtool_hw_tc "$UP0")" --arg eb "$(ethtool_hw_tc "$UP1")" \
		'[{uplink: $a, hw_tc_offload: (if $ea == "on" then 1 else 0 end), hw_tc_offload_err: 0},
		  {uplink: $b, hw_tc_offload: (if $eb == "on" then 1 else 0 end), hw_tc_offload_err: 0}]')
	same "hw-tc-offload" "$got" "$want"
	[[ $(jq -c '[.pfs[].hw_tc_offload]' <<<"$OBS") == "[1,0]" ]]
	check_err $? "hw-tc-offload should be on for $UP0 and off for $UP1"
	log_test "hw-tc-offload of each uplink matches ethtool -k"
}

obs_sub_failures() {
	local out rc
	RET=0
	# OVS unreachable: recorded, and everything else still read.
	[[ $(jq -r '.ovs.reachable' <<<"$OBS") == false && -n $(jq -r '.ovs.error' <<<"$OBS") ]]
	check_err $? "an unreachable OVSDB should be recorded: $(jq -c .ovs <<<"$OBS")"
	[[ $(jq -r '.ovs.remote' <<<"$OBS") == "$NO_DB" ]]
	check_err $? "the OVSDB remote asked should be kept"
	# No OVSDB remote at all, and a sysfs root that does not exist: devlink
	# and links are still read; each failure is recorded where it belongs.
	out=$(dump --root /nonexistent --timeout 200)
	rc=$?
	check_err $rc "observe-dump failed (exit $rc) though devlink works"
	[[ $(jq -r '"\(.devlink_err) \(.links | length > 0) \(.pfs | length) \(.ovs.reachable) \(.ovs.error != "")"' <<<"$out") == "0 true 2 false true" ]]
	check_err $? "observation with no OVSDB remote and a bad root: $(jq -c '{devlink_err, ovs}' <<<"$out")"
	log_test "failing sub-observations are recorded, the rest is read"
}

# ovs-offloadctl reads the kernel and OVSDB on threads of their own while it
# loads the config: the same observation as the one-thread way.
obs_threaded() {
	local out
	RET=0
	out=$(dump --db "$NO_DB" --timeout 500 --threaded)
	check_err $? "observe-dump --threaded failed: $out"
	same "the threaded observation" "$out" "$OBS"
	out=$(dump --db "$NO_DB" --timeout 500 --threaded --cancel-first)
	check_err $? "observe-dump --threaded --cancel-first failed: $out"
	same "the threaded observation after a cancelled one" "$out" "$OBS"
	# OVSDB read first at a guessed remote that turns out wrong: read again
	# at the right one, nothing of the guess kept.
	out=$(dump --db "$NO_DB" --timeout 500 --threaded --guess unix:/nonexistent/guess/db.sock)
	check_err $? "observe-dump --threaded --guess failed: $out"
	same "the threaded observation after a wrong guess" "$out" "$OBS"
	log_test "the kernel and OVSDB read on threads: the same observation"
}

hw_tc_offload_set() {
	local out
	RET=0
	out=$(dump hw-tc-offload "$UP1" on)
	check_err $? "setting hw-tc-offload on $UP1 failed: $out"
	[[ $out == 1 && $(ethtool_hw_tc "$UP1") == on ]]
	check_err $? "after on: observe-dump says $out, ethtool -k says $(ethtool_hw_tc "$UP1")"
	out=$(dump hw-tc-offload "$UP1" on)
	check_err $? "setting it on again (a no-op) failed: $out"
	out=$(dump hw-tc-offload "$UP0" off)
	check_err $? "setting hw-tc-offload off on $UP0 failed: $out"
	[[ $out == 0 && $(ethtool_hw_tc "$UP0") == off ]]
	check_err $? "after off: observe-dump says $out, ethtool -k says $(ethtool_hw_tc "$UP0")"
	# The observation follows.
	out=$(dump --db "$NO_DB" --timeout 200 | jq -c '[.pfs[].hw_tc_offload]')
	[[ $out == "[0,1]" ]]
	check_err $? "observed hw-tc-offload after the changes: $out, want [0,1]"
	# A device without the feature, and no device.
	out=$(dump hw-tc-offload lo on 2>&1)
	check_fail $? "setting hw-tc-offload on lo should fail"
	[[ $out == *"Operation not supported"* ]]
	check_err $? "lo: want 'Operation not supported', got: $out"
	out=$(dump hw-tc-offload oo-nonexistent 2>&1)
	check_fail $? "reading hw-tc-offload of a missing netdev should fail"
	[[ $out == *"No such device"* ]]
	check_err $? "missing netdev: want 'No such device', got: $out"
	log_test "hw-tc-offload setter (ETHTOOL_SFEATURES) verified by ethtool -k"
}

# The guest's SR-IOV PCI function (scripts/vm/run.sh gives it an NVMe one).
sriov_pf() {
	local d
	for d in /sys/bus/pci/devices/*; do
		[[ -e $d/sriov_totalvfs && $(cat "$d/sriov_totalvfs") -ge 2 ]] && { basename "$d"; return 0; }
	done
	return 1
}

# vf_driver ADDR: the driver bound to a PCI device, or "".
vf_driver() {
	local l
	l=$(readlink "/sys/bus/pci/devices/$1/driver" 2>/dev/null) && basename "$l"
	return 0
}

# vfs_state PF [unbind|bind]: observe-dump vfs, as "changed driver:unbound_from ...".
vfs_state() {
	dump vfs "$@" | jq -r '"\(.changed) " + ([.vfdevs[] | "\(.driver):\(.unbound_from)"] | join(" "))'
}

vf_unbind_bind() {
	local pf vf0 vf1 rec out
	RET=0
	pf=$(sriov_pf) || fail_hard "the guest has no SR-IOV PCI function (scripts/vm/run.sh adds an NVMe one)"
	modprobe pci-pf-stub && modprobe pci-stub || fail_hard "pci-pf-stub / pci-stub cannot be loaded"
	# The PF under pci-pf-stub (it enables SR-IOV and nothing else); its two
	# VFs appear unbound (autoprobe off) and go to pci-stub by driver_override.
	echo pci-pf-stub >"/sys/bus/pci/devices/$pf/driver_override" &&
		echo "$pf" >/sys/bus/pci/drivers_probe &&
		[[ $(vf_driver "$pf") == pci-pf-stub ]] || fail_hard "cannot bind $pf to pci-pf-stub"
	echo 0 >"/sys/bus/pci/devices/$pf/sriov_drivers_autoprobe" &&
		echo 2 >"/sys/bus/pci/devices/$pf/sriov_numvfs" || fail_hard "cannot create 2 VFs on $pf"
	defer sh -c "echo 0 >/sys/bus/pci/devices/$pf/sriov_numvfs; echo 1 >/sys/bus/pci/devices/$pf/sriov_drivers_autoprobe"
	vf0=$(basename "$(readlink "/sys/bus/pci/devices/$pf/virtfn0")")
	vf1=$(basename "$(readlink "/sys/bus/pci/devices/$pf/virtfn1")")
	echo pci-stub >"/sys/bus/pci/devices/$vf0/driver_override" &&
		echo pci-stub >"/sys/bus/pci/devices/$vf1/driver_override" &&
		echo "$vf0" >/sys/bus/pci/drivers_probe || fail_hard "cannot bind $vf0 to pci-stub"
	rec=/run/ovs-offload/vfs/$pf
	defer rm -rf "$rec"
	# VF 0 is bound; VF 1 is left unbound by "the admin".
	out=$(vfs_state "$pf")
	[[ $out == "0 pci-stub: :" ]]
	check_err $? "before: want '0 pci-stub: :', got '$out'"

	# A run unbinds and is stopped there: the kernel unbound VF 0, the
	# journal names its driver, VF 1 is not in it.
	out=$(vfs_state "$pf" unbind)
	[[ $out == "1 :pci-stub :" && -z $(vf_driver "$vf0") && $(cat "$rec/$vf0") == pci-stub && ! -e $rec/$vf1 ]]
	check_err $? "unbind: want '1 :pci-stub :' and $rec/$vf0 alone, got '$out' ($(ls "$rec" 2>&1 | tr '\n' ' '))"
	# The next run binds what the journal names, and only that.
	out=$(vfs_state "$pf" bind)
	[[ $out == "1 pci-stub: :" && $(vf_driver "$vf0") == pci-stub && -z $(vf_driver "$vf1") && ! -e $rec/$vf0 ]]
	check_err $? "bind: want '1 pci-stub: :' (VF 1 left alone, journal emptied), got '$out'"

	# The journaled driver is not loaded: the bus chooses (driver_override).
	vfs_state "$pf" unbind >/dev/null && echo mlx5_core >"$rec/$vf0"
	out=$(vfs_state "$pf" bind)
	[[ $out == "1 pci-stub: :" && ! -e $rec/$vf0 ]]
	check_err $? "journaled driver absent: want '1 pci-stub: :', got '$out'"
	# A loaded driver that does not match (the kernel answers ENODEV): the same.
	vfs_state "$pf" unbind >/dev/null && echo pci-pf-stub >"$rec/$vf0"
	out=$(vfs_state "$pf" bind 2>&1)
	[[ $out == "1 pci-stub: :" ]]
	check_err $? "journaled driver refusing the VF: want '1 pci-stub: :', got '$out'"
	# Records of a device that is no VF of this PF, and of a VF bound
	# since, are dropped, and nothing is bound for them.
	echo pci-stub >"$rec/0000:00:1f.0" && echo pci-stub >"$rec/$vf0"
	out=$(vfs_state "$pf" bind)
	[[ $out == "0 pci-stub: :" && ! -e $rec/0000:00:1f.0 && ! -e $rec/$vf0 ]]
	check_err $? "stale records: want them dropped with nothing bound, got '$out' ($(ls "$rec" | tr '\n' ' '))"
	# No driver takes the VF (its override cleared, the PF's autoprobe
	# off): the bind says so, naming it, and the record goes.
	vfs_state "$pf" unbind >/dev/null && echo mlx5_core >"$rec/$vf0" &&
		echo >"/sys/bus/pci/devices/$vf0/driver_override"
	out=$(dump vfs "$pf" bind 2>&1)
	[[ $? == 1 && $out == *"bind of VF $vf0: No such device"* && -z $(vf_driver "$vf0") && ! -e $rec/$vf0 ]]
	check_err $? "no driver: want exit 1 naming $vf0 with ENODEV and no record left, got: $out"
	echo pci-stub >"/sys/bus/pci/devices/$vf0/driver_override"
	log_test "VF unbind and bind on real PCI VFs, through the journal"
}

# devlink/sriov.c calls a VF whose net/ is empty "in use": sysfs lists a
# device's netdevs of the reader's network namespace only. The kernel's
# behaviour that rests on, shown on a netdevsim port (PCI VFs are alike:
# the driver core's net/ glue directory, tagged by namespace).
sysfs_netns_hides_netdev() {
	local dir=$OO_NSIM_SYSFS/devices/netdevsim12/net dev out
	RET=0
	nsim_new 12 1 || fail_hard "cannot create netdevsim12"
	dev=$(ls "$dir")
	ip netns add oo-pod && defer ip netns del oo-pod
	ip link set "$dev" netns oo-pod || fail_hard "cannot move $dev to netns oo-pod"
	out=$(ls -A "$dir" 2>&1)
	[[ -d $dir && -z $out ]]
	check_err $? "after moving $dev away, $dir should exist and be empty: '$out'"
	out=$(ip netns exec oo-pod ls "$dir")
	[[ $out == "$dev" ]]
	check_err $? "in the pod's namespace $dir should list $dev: '$out'"
	ip -n oo-pod link set "$dev" netns 1 || fail_hard "cannot move $dev back"
	[[ $(ls "$dir") == "$dev" ]]
	check_err $? "back home, $dir should list $dev again"
	log_test "sysfs hides a device's netdev moved to another namespace"
}

setup
tests_run
