#!/usr/bin/env bash
# The other ways of benchmark (3): attach ports (VF representors) to an OVS
# bridge with ovs-vsctl, which waits until ovs-vswitchd applied each change
# (as `ovs-offloadctl apply` does).
#
# usage: tests/bench/shell-ports.sh batched BRIDGE PORTS_FILE
#            one ovs-vsctl call: add-br and one "-- add-port" per port
#        tests/bench/shell-ports.sh per-port BRIDGE PORTS_FILE [FIRST COUNT]
#            one ovs-vsctl call per port (ports FIRST.. FIRST+COUNT-1 of the
#            file; default all); the bridge must exist
#        tests/bench/shell-ports.sh add-br BRIDGE
#            one ovs-vsctl call: the bridge alone
# PORTS_FILE: one netdev name per line.
set -eu
mode=$1 br=$2
timeout=${OVS_VSCTL_TIMEOUT:-600}
case $mode in
batched)
	mapfile -t ports <"$3"
	args=(-- --may-exist add-br "$br")
	for p in "${ports[@]}"; do
		args+=(-- add-port "$br" "$p")
	done
	ovs-vsctl --timeout="$timeout" "${args[@]}"
	;;
per-port)
	mapfile -t ports <"$3"
	first=${4:-0}
	count=${5:-${#ports[@]}}
	for ((i = first; i < first + count && i < ${#ports[@]}; i++)); do
		ovs-vsctl --timeout="$timeout" add-port "$br" "${ports[i]}"
	done
	;;
add-br)
	ovs-vsctl --timeout="$timeout" add-br "$br"
	;;
*)
	echo "usage: shell-ports.sh batched|per-port|add-br BRIDGE [PORTS_FILE [FIRST COUNT]]" >&2
	exit 2
	;;
esac
