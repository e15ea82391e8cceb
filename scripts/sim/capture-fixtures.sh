#!/usr/bin/env bash
# Runs in the guest (scripts/capture-fixtures.sh boots it): puts netdevsim into
# known states and records the kernel's raw replies to the project's own
# requests with nlcapture, into $OO_VM_RESULTS/fixtures.
. "$(dirname "$(readlink -f "$0")")/../../tests/vm/lib.sh"

cap=${OO_BUILD:-build}/tests/unit/nlcapture
out=${OO_VM_RESULTS:?not in the guest}/fixtures
[[ -x $cap ]] || fail_hard "$cap not built: run scripts/build.sh"
mkdir -p "$out"

# netdevsim10: switchdev with 4 VFs; netdevsim11: legacy with 4 VFs.
nsim_new 10 1 && nsim_new 11 1 && nsim_set_vfs 10 4 && nsim_set_vfs 11 4 &&
	nsim_eswitch_set 10 switchdev || fail_hard "netdevsim setup failed"

run() { "$cap" "$out" "$@" || fail_hard "nlcapture $* failed"; }
run genl-family-devlink family
run devlink-dev-dump dev-dump
run devlink-port-dump port-dump
run devlink-eswitch-switchdev eswitch-get netdevsim/netdevsim10
run devlink-eswitch-legacy eswitch-get netdevsim/netdevsim11
run devlink-eswitch-enodev eswitch-get netdevsim/netdevsim99
# An error that carries an extended ACK: netdevsim refuses a reload on demand.
echo true >"$OO_NSIM_DEBUGFS/netdevsim11/dont_allow_reload"
run devlink-reload-extack reload netdevsim/netdevsim11
echo false >"$OO_NSIM_DEBUGFS/netdevsim11/dont_allow_reload"

# The state the fixtures above were taken in, for the tests' comments and checks.
{
	echo "# kernel $(uname -r)"
	devlink -j port show
	for r in $(nsim_vf_reps 10) $(nsim_uplink 10) $(nsim_uplink 11); do
		ip -j link show dev "$r" | jq -c '.[0] | {ifname, ifindex}'
	done
} >"$out/state.txt"

# Everything below changes the host only after the fixtures above were taken,
# so that they stay as they were (ifindexes included).

# devlink params: netdevsim has max_macs (generic, u32) and test1 (driver
# specific, bool), both driverinit only; netdevsim11's are changed from the
# defaults (32, true) so that the two instances differ.
devlink dev param set netdevsim/netdevsim11 name max_macs value 16 cmode driverinit &&
	devlink dev param set netdevsim/netdevsim11 name test1 value false cmode driverinit ||
	fail_hard "devlink dev param set failed"
run devlink-param-dump param-dump

# devlink rates: netdevsim10 (switchdev) has one leaf per VF port; VF 0's gets
# limits, a node "group1" is made and VF 1's leaf put under it.
devlink port function rate set netdevsim/netdevsim10/128 tx_max 100mbit tx_share 10mbit &&
	devlink port function rate add netdevsim/netdevsim10/group1 tx_max 50mbit &&
	devlink port function rate set netdevsim/netdevsim10/129 parent group1 ||
	fail_hard "devlink port function rate set failed"
run devlink-rate-dump rate-dump

# Links: a bond over both uplinks, marked as ours, and every VF setting on VF 1
# of the legacy PF (netdevsim11).
up0=$(nsim_uplink 10) up1=$(nsim_uplink 11)
ip link add bond0 type bond mode balance-xor miimon 100 xmit_hash_policy layer3+4 &&
	ip link set bond0 alias "managed by ovs-offload" &&
	ip link set "$up0" down && ip link set "$up0" master bond0 &&
	ip link set "$up1" down && ip link set "$up1" master bond0 &&
	ip link set bond0 up ||
	fail_hard "bond setup failed"
ip link set "$up1" vf 1 mac 02:00:00:00:00:11 vlan 10 qos 3 trust on spoofchk off state disable \
	max_tx_rate 1000 min_tx_rate 100 || fail_hard "VF settings on $up1 failed"
run link-dump link-dump

{
	echo "# after the fixtures above: devlink-param-dump, devlink-rate-dump, link-dump"
	devlink -j dev param show
	devlink -j port function rate show
	ip -j -d link show | jq -c '.[] | {ifname, ifindex, master, alias: .ifalias,
		kind: .linkinfo.info_kind, slave_kind: .linkinfo.info_slave_kind,
		bond: (.linkinfo.info_data // null | if . then {mode, miimon, xmit_hash_policy} else null end),
		num_vf, vfinfo_list} | with_entries(select(.value != null))'
} >>"$out/state.txt"
# A PF with more VFs than a 64 KiB nest holds (~330 at ~196 bytes each):
# Linux 6.1 reports IFLA_VFINFO_LIST's length modulo 64 KiB, and the link
# message itself is over 64 KiB. netdevsim12, legacy, 400 VFs; its uplink is
# in bond1, so that IFLA_LINKINFO comes after the list; VFs 0 and 399 set.
nsim_new 12 1 && nsim_set_max_vfs 12 400 && nsim_set_vfs 12 400 ||
	fail_hard "netdevsim12 with 400 VFs failed"
up2=$(nsim_uplink 12)
ip link add bond1 type bond mode active-backup miimon 100 &&
	ip link set "$up2" down && ip link set "$up2" master bond1 ||
	fail_hard "bond1 setup failed"
ip link set "$up2" vf 0 mac 02:00:00:00:04:00 &&
	ip link set "$up2" vf 399 mac 02:00:00:00:04:99 vlan 399 trust on ||
	fail_hard "VF settings on $up2 failed"
run link-dump-many-vfs link-dump
{
	echo "# after the fixtures above: link-dump-many-vfs (ip's vfinfo_list is the wrapped one)"
	ip -j -d link show dev "$up2" | jq -c '.[0] | {ifname, ifindex, master,
		slave_kind: .linkinfo.info_slave_kind, vfinfo_list_as_ip_reads_it: (.vfinfo_list | length)}'
	echo "sriov_numvfs $(nsim_num_vfs 12)"
} >>"$out/state.txt"
ls -l "$out"
