#!/usr/bin/env bash
# Runs in the guest (scripts/capture-fixtures.sh boots it): makes tc flower
# filters with iproute2 and with the project's own encoders on netdevsim (with
# scripts/vm/netdevsim-patches applied) and on the loopback, and records the
# kernel's raw replies with tccapture into $OO_VM_RESULTS/fixtures as tc-*.bin.
# What each fixture holds is asserted by tests/unit/test_tc_fixtures.c; the
# state (ifindexes, `tc -j -s filter show`) is printed at the end for review.
# shellcheck source=tests/vm/lib.sh
. "$(dirname "$(readlink -f "$0")")/../../tests/vm/lib.sh"

cap=${OO_BUILD:-build}/tests/unit/tccapture
out=${OO_VM_RESULTS:?not in the guest}/fixtures
[[ -x $cap ]] || fail_hard "$cap not built: run scripts/build.sh"
mkdir -p "$out"
run() { "$cap" capture "$out" "$@" || fail_hard "tccapture capture $* failed"; }
t() { tc "$@" || fail_hard "tc $* failed"; }
dbg=$OO_NSIM_DEBUGFS

# Four one-port netdevsim devices: A (netdevsim10), B (11), and C, D (12, 13)
# for a shared block.
for id in 10 11 12 13; do
	nsim_new "$id" 1 || fail_hard "netdevsim$id setup failed"
done
A=$(nsim_uplink 10) B=$(nsim_uplink 11) C=$(nsim_uplink 12) D=$(nsim_uplink 13)
[[ -e $dbg/netdevsim10/tc_flower_offload ]] ||
	fail_hard "netdevsim has no tc_flower_offload knob: is scripts/vm/netdevsim-patches/0001 applied?"

# (a) tc-flower-dump: iproute2's filters with every key and action we model,
# on A (hw-tc-offload off: software only), plus one of each kind we only
# classify. A filter of ours made by tc (rule-0's cookie), an OVS-like one (a
# ufid cookie: UUID v4 bits in host order), one with a key we do not model.
t qdisc add dev "$A" ingress
t filter add dev "$A" ingress protocol ip pref 10 handle 1 flower skip_hw \
	dst_mac 02:00:00:00:00:01 src_mac 02:11:22:00:00:00/ff:ff:ff:00:00:00 \
	ip_proto tcp src_ip 10.1.0.0/16 dst_ip 192.0.2.10 src_port 1024 dst_port 80 \
	action mirred egress redirect dev "$B" cookie a1a2a3a4a5a6a7a8
t filter add dev "$A" ingress protocol ipv6 pref 20 handle 2 flower \
	ip_proto udp src_ip 2001:db8::/32 dst_ip 2001:db8::53 dst_port 4789 \
	action mirred egress mirror dev "$B" action drop
t filter add dev "$A" ingress protocol 802.1q pref 30 handle 3 flower \
	vlan_id 100 vlan_prio 3 vlan_ethtype ipv4 ip_proto sctp dst_port 36412 \
	action vlan pop action pass
t filter add dev "$A" ingress protocol ip pref 10 handle 4 flower \
	ip_proto udp dst_ip 192.0.2.0/24 src_port 53 \
	action vlan push id 200 protocol 802.1ad priority 5 action goto chain 5
t filter add dev "$A" ingress chain 5 protocol all pref 40 handle 5 flower \
	dst_mac 02:00:00:00:00:02 action vlan modify id 300 action drop
t filter add dev "$A" ingress chain 5 protocol ip pref 50 handle 6 flower ip_tos 0x10 action drop
t filter add dev "$A" ingress pref 60 handle 7 matchall action pass
t filter add dev "$A" ingress protocol ip pref 4 handle 8 flower ip_proto icmp \
	action drop cookie 00112233444a66778899aa8bccddeeff
"$cap" tc-lines "$A" 1 --prio 10 | sed 's/ pref 10 / pref 10 handle 9 /' >"$out/.tc-lines"
t -batch "$out/.tc-lines"
rm -f "$out/.tc-lines"
run tc-flower-dump filter-dump "$A"

# (b) tc-stats-dump: in_hw and not_in_hw on B with the patched netdevsim:
# hw-tc-offload on, each hardware stats query reporting one 64-byte packet.
# handle 1 skip_sw (in_hw), 2 plain (in_hw), 3 skip_hw (not_in_hw), then the
# knob off (the stock driver): 4 plain (not_in_hw).
ethtool -K "$B" hw-tc-offload on || fail_hard "ethtool -K $B hw-tc-offload on failed"
echo 1 >"$dbg/netdevsim11/tc_flower_stats_pkts"
t qdisc add dev "$B" clsact
t filter add dev "$B" ingress protocol ip pref 1 handle 1 flower skip_sw dst_ip 192.0.2.1 action drop
t filter add dev "$B" ingress protocol ip pref 1 handle 2 flower dst_ip 192.0.2.2 action pass
t filter add dev "$B" ingress protocol ip pref 1 handle 3 flower skip_hw dst_ip 192.0.2.3 action drop
echo N >"$dbg/netdevsim11/tc_flower_offload"
t filter add dev "$B" ingress protocol ip pref 1 handle 4 flower dst_ip 192.0.2.4 action drop
run tc-stats-dump filter-dump "$B"

# (d) tc-error-skip-sw: one of our skip_sw filters on B, knob off: the stock
# refusal with its extended ACK.
run tc-error-skip-sw add-skip-sw "$B"

# tc-sw-stats-dump: software counters, on the loopback: three UDP packets
# (14 + 20 + 8 + 6 bytes each) through a filter.
t qdisc add dev lo ingress
t filter add dev lo ingress protocol ip pref 1 handle 1 flower ip_proto udp dst_ip 127.0.0.1 \
	dst_port 9 action pass
for _ in 1 2 3; do echo hello >/dev/udp/127.0.0.1/9; done
run tc-sw-stats-dump filter-dump lo
t qdisc del dev lo ingress

# (c) tc-block-dump: block 22 shared by C and D, both offloading: a skip_sw
# filter is in hardware twice (in_hw_count 2). Also the device view of a
# member (tc-block-dev-dump: the kernel answers in block form) and the qdiscs.
for d in "$C" "$D"; do
	ethtool -K "$d" hw-tc-offload on || fail_hard "ethtool -K $d hw-tc-offload on failed"
done
t qdisc add dev "$C" ingress_block 22 ingress
t qdisc add dev "$D" ingress_block 22 ingress
t filter add block 22 protocol ip pref 5 handle 1 flower skip_sw dst_ip 198.51.100.1 action drop
t filter add block 22 protocol ipv6 pref 6 handle 1 flower dst_ip 2001:db8::1 \
	action mirred egress redirect dev "$A"
run tc-block-dump filter-dump block:22
run tc-block-dev-dump filter-dump "$C"
run tc-qdisc-dump qdisc-dump

# tc-batch-acks: three requests in one sendmsg on A (hw-tc-offload off): an
# add, a skip_sw add that fails ("TC offload is disabled on net device"), an
# add with echo redirecting to B.
run tc-batch-acks batch "$A" "$B"

{
	echo "# kernel $(uname -r)"
	for d in lo "$A" "$B" "$C" "$D"; do
		ip -j link show dev "$d" | jq -c '.[0] | {ifname, ifindex}'
	done
	for d in "$A" "$B"; do
		echo "# tc -j -s filter show dev $d ingress"
		tc -j -s filter show dev "$d" ingress
	done
	echo "# tc -j -s filter show block 22"
	tc -j -s filter show block 22
} | tee "$out/tc-state.log"
ls -l "$out"
