#!/usr/bin/env bash
# The other ways of benchmark (4): what a monitoring script runs to see what
# is offloaded on the host, as `ovs-offloadctl status --json` reports it:
# the flower filters with their counters on every device (or shared block),
# and the datapath flows OVS has offloaded and not.
#
# usage: tests/bench/shell-status.sh per-device PLACES_FILE
#            one `tc -s -j filter show` per device or block, then
#            `ovs-appctl dpctl/dump-flows type=offloaded` and
#            `ovs-appctl dpctl/dump-flows type=non-offloaded`
#        tests/bench/shell-status.sh batch-file PLACES_FILE
#            prints the `tc -s -j -batch FILE` input that dumps the same
#            places in one tc process (the benchmark times that tc alone)
# PLACES_FILE: one "dev NETDEV" or "block N" per line. Output of per-device:
# the JSON documents, one after another (for the caller's parser).
set -eu
mode=$1
mapfile -t places <"$2"
case $mode in
per-device)
	for p in "${places[@]}"; do
		read -r kind what <<<"$p"
		if [[ $kind == block ]]; then
			tc -s -j filter show block "$what"
		else
			tc -s -j filter show dev "$what" ingress
		fi
	done
	ovs-appctl dpctl/dump-flows type=offloaded
	ovs-appctl dpctl/dump-flows type=non-offloaded
	;;
batch-file)
	for p in "${places[@]}"; do
		read -r kind what <<<"$p"
		if [[ $kind == block ]]; then
			echo "filter show block $what"
		else
			echo "filter show dev $what ingress"
		fi
	done
	;;
*)
	echo "usage: shell-status.sh per-device|batch-file PLACES_FILE" >&2
	exit 2
	;;
esac
