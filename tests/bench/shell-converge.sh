#!/usr/bin/env bash
# The other way of benchmark (1): the host of tests/bench/lib.sh's
# gen_full_config converged the way the seeds and today's agents do it, one
# command per object: sriov_numvfs, devlink eswitch, ethtool, ip link (bond,
# each member, each port set up), ovs-vsctl per setting/bridge/port, tc filter
# add per rule.
# It does, in the same order, what `ovs-offloadctl apply` does for that config
# from a clean host (two fresh netdevsim PFs, Open vSwitch without offload).
#
# usage: tests/bench/shell-converge.sh NRULES
#   env: PF_IDS ("10 11": netdevsim ids), NUM_VFS (64), BOND (bond0),
#        BRIDGE (br-offload); MPV_PAIRS (0) pairs on the NIC MPV_IDS
#        ("12 13"), which the caller staged as tests/bench/lib.sh's mpv_stage
#        does for both ways (VFs, switchdev, hw-tc-offload on representors)
#
# Netdev names are found in sysfs with shell builtins only (no process): a
# real host has udev names, so this costs the shell way nothing. No error
# handling beyond stopping at the first failure, as such scripts do.
# Prints "shell-converge: N commands" at the end, then the count and wall
# time per tool ("shell-converge-tool: TOOL N MS"; EPOCHREALTIME is a
# builtin: the accounting starts no process).
set -eu
NRULES=${1:?usage: shell-converge.sh NRULES}
read -r -a PF_IDS <<<"${PF_IDS:-10 11}"
NUM_VFS=${NUM_VFS:-64}
BOND=${BOND:-bond0}
BRIDGE=${BRIDGE:-br-offload}
NSIM=/sys/bus/netdevsim/devices
CMDS=0
declare -A TOOL_N=() TOOL_US=()

run() {
	local t0=${EPOCHREALTIME/./}
	CMDS=$((CMDS + 1))
	"$@"
	TOOL_N[$1]=$((${TOOL_N[$1]:-0} + 1))
	TOOL_US[$1]=$((${TOOL_US[$1]:-0} + ${EPOCHREALTIME/./} - t0))
}

# scan ID: the netdevs of netdevsimID by phys_port_name: SCAN_UP (uplink),
# SCAN_REP[vf] (representors).
declare -a SCAN_REP UPLINK REP
SCAN_UP=
scan() {
	local d name
	SCAN_UP=''
	SCAN_REP=()
	for d in "$NSIM/netdevsim$1/net/"*; do
		read -r name <"$d/phys_port_name" 2>/dev/null || continue
		if [[ $name =~ ^pf[0-9]+vf([0-9]+)$ ]]; then
			SCAN_REP[BASH_REMATCH[1]]=${d##*/}
		elif [[ $name =~ ^p[0-9]+$ ]]; then
			SCAN_UP=${d##*/}
		fi
	done
}

# find_netdevs PF: UPLINK[pf] and REP[pf*NUM_VFS+vf] of PF_IDS[pf].
find_netdevs() {
	local pf=$1 vf
	scan "${PF_IDS[pf]}"
	UPLINK[pf]=$SCAN_UP
	for vf in "${!SCAN_REP[@]}"; do
		REP[pf * NUM_VFS + vf]=${SCAN_REP[vf]}
	done
}

count_reps() {
	local d name n=0
	for d in "$NSIM/netdevsim$1/net/"*; do
		read -r name <"$d/phys_port_name" 2>/dev/null || continue
		[[ $name == pf*vf* ]] && n=$((n + 1))
	done
	echo "$n"
}

# 1. Per PF: VFs, switchdev, wait for the representors, hw-tc-offload.
for pf in "${!PF_IDS[@]}"; do
	id=${PF_IDS[pf]}
	echo "$NUM_VFS" >"$NSIM/netdevsim$id/sriov_numvfs"
	CMDS=$((CMDS + 1))
	run devlink dev eswitch set "netdevsim/netdevsim$id" mode switchdev
	t0=${EPOCHREALTIME/./}
	until [[ $(count_reps "$id") == "$NUM_VFS" ]]; do
		sleep 0.05
	done
	TOOL_N[wait-reps]=$((${TOOL_N[wait-reps]:-0} + 1))
	TOOL_US[wait-reps]=$((${TOOL_US[wait-reps]:-0} + ${EPOCHREALTIME/./} - t0))
	find_netdevs "$pf"
	run ethtool -K "${UPLINK[pf]}" hw-tc-offload on
done

# 2. The VF-LAG bond: created, members down, enslaved, bond up, members up.
run ip link add "$BOND" type bond mode 802.3ad miimon 100 xmit_hash_policy layer3+4 lacp_rate fast
for pf in "${!PF_IDS[@]}"; do
	run ip link set "${UPLINK[pf]}" down
	run ip link set "${UPLINK[pf]}" master "$BOND"
done
run ip link set "$BOND" up
for pf in "${!PF_IDS[@]}"; do
	run ip link set "${UPLINK[pf]}" up
done

# 3. Open vSwitch: offload on, the bridge, the bond, each representor.
run ovs-vsctl set Open_vSwitch . other_config:hw-offload=true other_config:tc-policy=none
run ovs-vsctl add-br "$BRIDGE"
run ovs-vsctl add-port "$BRIDGE" "$BOND"
for pf in "${!PF_IDS[@]}"; do
	for ((vf = 0; vf < NUM_VFS; vf++)); do
		run ovs-vsctl add-port "$BRIDGE" "${REP[pf * NUM_VFS + vf]}"
	done
done
# Each representor up: a new one is down, and its VF's link follows it (what
# ovs-offloadctl's link-up steps do), its IPv6 turned off first, as those
# steps do (a write to /proc: a builtin, no process, not counted).
for pf in "${!PF_IDS[@]}"; do
	for ((vf = 0; vf < NUM_VFS; vf++)); do
		echo 1 >"/proc/sys/net/ipv6/conf/${REP[pf * NUM_VFS + vf]}/disable_ipv6"
		run ip link set "${REP[pf * NUM_VFS + vf]}" up
	done
done

# 4. tc: one filter per rule, into the bond's shared block (OVS made it) or
# a representor's ingress. Rule i: see gen_full_config in tests/bench/lib.sh.
CMDS=$((CMDS + 1))
[[ $(tc qdisc show dev "$BOND" ingress) =~ ingress_block\ ([0-9]+) ]] || {
	echo "shell-converge: $BOND has no shared ingress block" >&2
	exit 1
}
BLOCK=${BASH_REMATCH[1]}
PLACES=$((${#PF_IDS[@]} * NUM_VFS + 1))
for ((i = 0; i < NRULES; i++)); do
	p=$((i % PLACES))
	ip=10.$((i >> 16 & 255)).$((i >> 8 & 255)).$((i & 255))
	if ((p == 0)); then
		rep=${REP[(i / PLACES) % ${#PF_IDS[@]} * NUM_VFS + (i / (PLACES * ${#PF_IDS[@]})) % NUM_VFS]}
		run tc filter add block "$BLOCK" protocol ip prio 10 flower dst_ip "$ip" \
			action mirred egress redirect dev "$rep"
	else
		run tc filter add dev "${REP[p - 1]}" ingress protocol ip prio 10 flower dst_ip "$ip" \
			action mirred egress redirect dev "$BOND"
	fi
done
# 5. MultiPort vHCA on the second NIC: hw-tc-offload on its uplinks, the
# NIC's esw_multiport (once: it is one value for the NIC), then for each
# pair and port an ingress qdisc where there is none and two skip_sw rules:
# uplink -> VF representor for the VM's address, and back from it.
MPV_PAIRS=${MPV_PAIRS:-0}
if ((MPV_PAIRS > 0)); then
	read -r -a MPV_IDS <<<"${MPV_IDS:-12 13}"
	declare -a MUP MREP
	for port in 0 1; do
		scan "${MPV_IDS[port]}"
		MUP[port]=$SCAN_UP
		for ((k = 0; k < MPV_PAIRS; k++)); do
			MREP[port * MPV_PAIRS + k]=${SCAN_REP[k]}
		done
		run ethtool -K "${MUP[port]}" hw-tc-offload on
	done
	run devlink dev param set "netdevsim/netdevsim${MPV_IDS[0]}" name esw_multiport value true cmode runtime
	for port in 0 1; do
		run tc qdisc add dev "${MUP[port]}" ingress
		for ((k = 0; k < MPV_PAIRS; k++)); do
			run tc qdisc add dev "${MREP[port * MPV_PAIRS + k]}" ingress
		done
	done
	# The pairs' uplinks and representors up, as for bridge ports.
	for port in 0 1; do
		run ip link set "${MUP[port]}" up
		for ((k = 0; k < MPV_PAIRS; k++)); do
			echo 1 >"/proc/sys/net/ipv6/conf/${MREP[port * MPV_PAIRS + k]}/disable_ipv6"
			run ip link set "${MREP[port * MPV_PAIRS + k]}" up
		done
	done
	for ((k = 0; k < MPV_PAIRS; k++)); do
		ip=10.200.$((k >> 8)).$((k & 255))
		for port in 0 1; do
			up=${MUP[port]} rep=${MREP[port * MPV_PAIRS + k]}
			run tc filter add dev "$up" ingress protocol ip prio 1 flower skip_sw dst_ip "$ip" \
				action mirred egress redirect dev "$rep"
			run tc filter add dev "$rep" ingress protocol ip prio 1 flower skip_sw src_ip "$ip" \
				action mirred egress redirect dev "$up"
		done
	done
fi
echo "shell-converge: $CMDS commands"
for tool in "${!TOOL_N[@]}"; do
	echo "shell-converge-tool: $tool ${TOOL_N[$tool]} $((TOOL_US[$tool] / 1000))"
done
