#!/bin/bash
# Proves the guest tier works: netdevsim with VFs, devlink switchdev and VF
# representors, a bond over two uplinks, tc flower on a representor, and
# ovsdb-server + ovs-vswitchd on the kernel datapath.
#
#   scripts/vm/run.sh tests/vm/selftest.sh
#   OO_TESTS="bond_uplinks" scripts/vm/run.sh tests/vm/selftest.sh
#
# Every check leaves the devices as it found them (its own defers undo it).
# Check functions are called through tests_run (ALL_TESTS):
# shellcheck disable=SC2317,SC2119
set -u

ALL_TESTS="
	nsim_devices_with_vfs
	switchdev_representors
	bond_uplinks
	flower_on_representor
	ovs_kernel_datapath
"
# shellcheck source=tests/vm/lib.sh
. "$(dirname "$(readlink -f "$0")")/lib.sh"

NSIM_A=10
NSIM_B=11
NUM_VFS=4
BOND=oobond0
BRIDGE=br0

[[ ${OO_VM_GUEST:-} == 1 ]] || skip "runs in the guest only: scripts/vm/run.sh tests/vm/selftest.sh"
require_cmd devlink ip tc jq modprobe
require_module netdevsim

# Two single-port devices (one PF each, a dual-port NIC), NUM_VFS VFs each.
setup_prepare() {
	local id
	for id in "$NSIM_A" "$NSIM_B"; do
		nsim_new "$id" 1 || fail_hard "cannot create netdevsim$id"
		if (($(nsim_max_vfs "$id") < NUM_VFS)); then
			nsim_set_max_vfs "$id" "$NUM_VFS" || fail_hard "cannot raise max_vfs of netdevsim$id"
		fi
		nsim_set_vfs "$id" "$NUM_VFS" || fail_hard "cannot create $NUM_VFS VFs on netdevsim$id"
	done
}

nsim_devices_with_vfs() {
	local id dev uplink n devs links
	RET=0
	devs=$(devlink -j dev show)
	links=$(ip -j link)
	for id in "$NSIM_A" "$NSIM_B"; do
		dev=$(nsim_dev "$id")
		jq -e --arg d "$dev" '.dev | has($d)' <<<"$devs" >/dev/null
		check_err $? "$dev is not in devlink dev show: $devs"
		# One physical port (the uplink) whose netdev exists.
		uplink=$(nsim_ports_jq "$id" '[.[] | select(.flavour == "physical") | .netdev] |
			if length == 1 then .[0] else empty end')
		[[ -n $uplink ]]
		check_err $? "$dev does not have exactly one physical port with a netdev"
		n=$(nsim_num_vfs "$id")
		[[ $n == "$NUM_VFS" ]]
		check_err $? "$dev has $n VFs (sriov_numvfs), expected $NUM_VFS"
		# The PF netdev exists and reports its VFs (IFLA_VFINFO_LIST).
		n=$(jq -r --arg n "$uplink" '.[] | select(.ifname == $n) | .vfinfo_list | length' <<<"$links")
		[[ $n == "$NUM_VFS" ]]
		check_err $? "ip -j link shows ${n:-no netdev or no} VFs on uplink '$uplink', expected $NUM_VFS"
	done
	log_test "netdevsim$NSIM_A and netdevsim$NSIM_B exist with $NUM_VFS VFs each"
}

switchdev_representors() {
	local dev reps ok mode
	RET=0
	dev=$(nsim_dev "$NSIM_A")
	devlink dev eswitch set "$dev" mode switchdev
	check_err $? "devlink dev eswitch set $dev mode switchdev failed"
	defer nsim_eswitch_set "$NSIM_A" legacy
	mode=$(nsim_eswitch_mode "$NSIM_A")
	[[ $mode == switchdev ]]
	check_err $? "eswitch mode reads back as '$mode'"
	wait_for 10 _nsim_netdevs_ready "$NSIM_A" pcivf "$NUM_VFS"
	check_err $? "$NUM_VFS pcivf representors with netdevs did not appear"
	# shellcheck disable=SC2016 # $n is a jq variable
	ok=$(nsim_ports_jq "$NSIM_A" '[.[] | select(.flavour == "pcivf" and .pfnum == 0) | .vfnum] | sort ==
		[range(0; $n | tonumber)]' --arg n "$NUM_VFS")
	[[ $ok == true ]]
	check_err $? "the pcivf ports do not have vfnum 0..$((NUM_VFS - 1))"
	mapfile -t reps < <(nsim_vf_reps "$NSIM_A")
	ip -j link | jq -e '[.[].ifname] as $have | $ARGS.positional | length > 0 and
		all(. as $n | $have | index([$n]))' --args "${reps[@]}" >/dev/null
	check_err $? "representor netdevs '${reps[*]}' are not all in ip -j link"
	log_test "switchdev on $dev: VF representors ${reps[*]}"
}

bond_uplinks() {
	local up_a up_b members mode m
	RET=0
	up_a=$(nsim_uplink "$NSIM_A")
	up_b=$(nsim_uplink "$NSIM_B")
	ip link add "$BOND" type bond mode active-backup miimon 100
	check_err $? "cannot create bond $BOND"
	defer ip link del "$BOND"
	for m in "$up_a" "$up_b"; do
		# A member must be down to be enslaved.
		ip link set dev "$m" down && ip link set dev "$m" master "$BOND"
		check_err $? "cannot enslave $m to $BOND"
	done
	ip link set dev "$BOND" up
	check_err $? "cannot set $BOND up"
	mode=$(ip -j -d link show dev "$BOND" | jq -r '.[0].linkinfo | select(.info_kind == "bond") | .info_data.mode')
	[[ $mode == active-backup ]]
	check_err $? "$BOND mode reads back as '$mode'"
	members=$(ip -j -d link show master "$BOND" |
		jq -r --arg b "$BOND" '[.[] | select(.master == $b and .linkinfo.info_slave_kind == "bond") | .ifname] | sort | join(" ")')
	[[ $members == "$(printf '%s\n' "$up_a" "$up_b" | sort | xargs)" ]]
	check_err $? "members of $BOND are '$members', expected $up_a and $up_b"
	log_test "bond $BOND (active-backup) over uplinks $up_a and $up_b"
}

flower_on_representor() {
	local rep filters
	RET=0
	nsim_eswitch_set "$NSIM_A" switchdev
	check_err $? "cannot put netdevsim$NSIM_A in switchdev mode"
	defer nsim_eswitch_set "$NSIM_A" legacy
	rep=$(nsim_vf_reps "$NSIM_A" | head -n 1)
	[[ -n $rep ]]
	check_err $? "no VF representor on netdevsim$NSIM_A"
	tc qdisc add dev "$rep" clsact
	check_err $? "cannot add a clsact qdisc on $rep"
	defer tc qdisc del dev "$rep" clsact
	tc filter add dev "$rep" ingress protocol ip pref 10 flower \
		dst_ip 192.0.2.1 ip_proto tcp dst_port 80 action drop
	check_err $? "tc filter add ... flower ... action drop on $rep failed"
	filters=$(tc -j filter show dev "$rep" ingress)
	jq -e '[.[] | select(.kind == "flower" and .options.keys.dst_ip == "192.0.2.1"
		and .options.keys.ip_proto == "tcp" and .options.keys.dst_port == 80
		and any(.options.actions[]; .kind == "gact" and .control_action.type == "drop"))] | length == 1' \
		<<<"$filters" >/dev/null
	check_err $? "the flower filter does not read back from tc -j filter show: $filters"
	# netdevsim accepts flower in software only.
	jq -e 'any(.[]; .kind == "flower" and .options.not_in_hw == true)' <<<"$filters" >/dev/null
	check_err $? "the filter is not reported not_in_hw: $filters"
	log_test "tc flower drop rule on VF representor $rep"
}

ovs_kernel_datapath() {
	local rep pid handlers ofport
	RET=0
	require_cmd ovs-vsctl ovs-appctl
	ovs_start
	check_err $? "ovsdb-server/ovs-vswitchd did not start"
	if ((RET != 0)); then
		log_test "ovs-vswitchd on the kernel datapath"
		return
	fi
	[[ -S $(ovs_db_sock) ]]
	check_err $? "no ovsdb socket at $(ovs_db_sock)"

	ovs-vsctl add-br "$BRIDGE"
	check_err $? "ovs-vsctl add-br $BRIDGE failed"
	defer ovs-vsctl --if-exists del-br "$BRIDGE"
	# Upcall handler threads start with the datapath; ovs-vswitchd started
	# too soon after boot runs none and loses every upcall.
	pid=$(ovs_vswitchd_pid)
	handlers=$(grep -l '^handler' /proc/"$pid"/task/*/comm 2>/dev/null | wc -l)
	((handlers > 0))
	check_err $? "ovs-vswitchd runs $handlers upcall handler threads"
	ip -j -d link show dev ovs-system | jq -e '.[0].linkinfo.info_kind == "openvswitch"' >/dev/null
	check_err $? "no openvswitch kernel datapath netdev ovs-system"
	ovs-appctl dpif/show | grep -q '^system@ovs-system:'
	check_err $? "ovs-appctl dpif/show does not show system@ovs-system"
	ofport=$(ovs-vsctl --format=json --columns=ofport find Interface name="$BRIDGE" | jq -r '.data[0][0]')
	[[ $ofport == 65534 ]]
	check_err $? "$BRIDGE has ofport '$ofport', expected 65534 (LOCAL)"

	# A VF representor as a bridge port on the kernel datapath.
	nsim_eswitch_set "$NSIM_A" switchdev
	check_err $? "cannot put netdevsim$NSIM_A in switchdev mode"
	defer nsim_eswitch_set "$NSIM_A" legacy
	rep=$(nsim_vf_reps "$NSIM_A" | head -n 1)
	ovs-vsctl add-port "$BRIDGE" "$rep"
	check_err $? "ovs-vsctl add-port $BRIDGE $rep failed"
	defer ovs-vsctl --if-exists del-port "$BRIDGE" "$rep"
	ofport=$(ovs-vsctl --format=json --columns=ofport find Interface name="$rep" | jq -r '.data[0][0]')
	[[ $ofport =~ ^[0-9]+$ ]] && ((ofport > 0 && ofport < 65280))
	check_err $? "port $rep has ofport '$ofport'"
	log_test "ovs-vswitchd on the kernel datapath: $BRIDGE, port $rep (ofport $ofport), $handlers handlers"
}

setup_prepare
tests_run
