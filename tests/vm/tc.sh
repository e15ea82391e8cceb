#!/bin/bash
# The tc flower layer (tc/) against the real 6.1 kernel and the patched
# netdevsim (scripts/vm/netdevsim-patches/0001), through tests/tools/tccapture:
# 10 000 owned rules installed by one batched reconcile and by `tc -batch`
# (times printed and saved to $OO_VM_RESULTS/tc-bench.txt), a no-op
# reconcile that is one dump, counters equal to `tc -j -s filter show`
# (in_hw, in_hw_count, not_in_hw), drift repaired, foreign and OVS filters
# surviving, a failed rule in a batch reported with its own extended ACK
# while the others land, the offload switch, a shared block, and a filter
# larger than the page-sized reads that filter dumps start with.
# shellcheck disable=SC2317 # check functions are called through tests_run
set -u
ALL_TESTS="tc_scale tc_counts_exact tc_hw_stats tc_drift_and_foreign tc_batch_failure
	tc_offload_switch tc_shared_block tc_dump_big_filter"
# shellcheck source=tests/vm/lib.sh
. "$(dirname "$(readlink -f "$0")")/lib.sh"

require_cmd tc jq ethtool
CAP=${OO_BUILD:-build}/tests/unit/tccapture
[[ -x $CAP ]] || fail_hard "$CAP not built"
DBG=$OO_NSIM_DEBUGFS
N=${OO_TC_RULES:-10000}
BENCH=${OO_VM_RESULTS:-/tmp}/tc-bench.txt

for id in 10 11 12 13 14 15; do
	nsim_new "$id" 1 || fail_hard "netdevsim$id setup failed"
done
[[ -e $DBG/netdevsim10/tc_flower_offload ]] ||
	skip "netdevsim without the flower offload patch (scripts/vm/netdevsim-patches/0001)"
A=$(nsim_uplink 10) B=$(nsim_uplink 11) C=$(nsim_uplink 12)
D=$(nsim_uplink 13) E=$(nsim_uplink 14) F=$(nsim_uplink 15)

now_us() { echo "${EPOCHREALTIME/./}"; }
ms() { printf '%d.%d' $(($1 / 1000)) $(($1 / 100 % 10)); }
bench() {
	log_info "$*"
	echo "$*" >>"$BENCH"
}
# knob ID NAME VALUE: write a netdevsim debugfs knob (deferrable).
knob() { echo "$3" >"$DBG/netdevsim$1/$2"; }
# jqv JSON FILTER: one value out of a JSON document.
jqv() { jq -r "$2" <<<"$1"; }

# tc_counts DEV|block:N: counters computed by jq from `tc -j -s filter show`,
# in tccapture's shape (owner counts aside).
tc_counts() {
	local what
	if [[ $1 == block:* ]]; then what=(block "${1#block:}"); else what=(dev "$1" ingress); fi
	tc -j -s filter show "${what[@]}" | jq -c '[.[] | select(.options)] |
		{total: length,
		 in_hw: ([.[] | select(.options.in_hw == true)] | length),
		 in_hw_count: ([.[] | .options.in_hw_count // 0] | add // 0),
		 not_in_hw: ([.[] | select(.options.not_in_hw == true)] | length),
		 hw_packets: ([.[] | .options.actions[0].stats.hw_packets // 0] | add // 0),
		 sw_packets: ([.[] | .options.actions[0].stats | (.sw_packets // .packets // 0)] | add // 0)}'
}
our_counts() {
	"$CAP" counts "$1" | jq -c '.counts | {total, in_hw, in_hw_count, not_in_hw, hw_packets, sw_packets}'
}

# ------------------------------------------------------------------ checks

tc_scale() {
	local out t0 t1 tcb_ms show_ms n
	RET=0
	ethtool -K "$A" hw-tc-offload on && ethtool -K "$B" hw-tc-offload on
	check_err $? "ethtool -K hw-tc-offload on failed"
	out=$("$CAP" qdisc "$A" clsact)
	[[ $(jqv "$out" .result) == 1 ]]
	check_err $? "qdisc ensure on $A did not create one: $out"
	defer tc qdisc del dev "$A" clsact
	out=$("$CAP" qdisc "$A" ingress)
	[[ $(jqv "$out" .result) == 0 && $(jqv "$out" .kind) == clsact ]]
	check_err $? "qdisc ensure on $A did not accept its clsact: $out"
	tc qdisc add dev "$B" clsact
	check_err $? "tc qdisc add dev $B clsact failed"
	defer tc qdisc del dev "$B" clsact

	# Our batch: one reconcile from nothing.
	out=$("$CAP" reconcile "$A" "$N")
	check_err $? "reconcile $A $N failed: $out"
	[[ $(jqv "$out" '[.add, .failed, .conflicts, .delete] | join(" ")') == "$N 0 0 0" ]]
	check_err $? "reconcile of $N rules: $out"
	bench "install $N rules, one reconcile (dump + plan + batch): $(jqv "$out" .total_ms) ms" \
		"(apply $(jqv "$out" .apply_ms) ms in $(jqv "$out" .sends) sendmsg of up to $(jqv "$out" .batch_limit))"

	# The same rules with tc -batch, same boot, same kind of device.
	"$CAP" tc-lines "$B" "$N" >/tmp/tc-lines.$$
	t0=$(now_us)
	tc -batch /tmp/tc-lines.$$
	check_err $? "tc -batch of $N rules failed"
	t1=$(now_us)
	rm -f /tmp/tc-lines.$$
	tcb_ms=$(((t1 - t0) / 1000))
	bench "install $N rules, tc -batch: $(ms $((t1 - t0))) ms"

	# No-op reconcile: one dump, an empty plan.
	out=$("$CAP" reconcile "$A" "$N")
	[[ $(jqv "$out" '[.unchanged, .add, .delete, .replace, .sends] | join(" ")') == "$N 0 0 0 0" ]]
	check_err $? "second reconcile is not a no-op: $out"
	t0=$(now_us)
	tc -s -j filter show dev "$A" ingress >/dev/null
	t1=$(now_us)
	show_ms=$(((t1 - t0) / 1000))
	bench "no-op reconcile of $N rules (one dump + plan): $(jqv "$out" .total_ms) ms" \
		"(dump $(jqv "$out" .dump_ms) ms, plan $(jqv "$out" .plan_ms) ms);" \
		"tc -s -j filter show: $(ms $((t1 - t0))) ms"
	# What tc -batch made with our cookies is ours and equal: a no-op too.
	out=$("$CAP" reconcile "$B" "$N")
	[[ $(jqv "$out" '[.unchanged, .add, .delete, .replace] | join(" ")') == "$N 0 0 0" ]]
	check_err $? "reconcile over tc -batch's rules is not a no-op: $out"

	# Counters: as tc reports them (all in hardware: hw-tc-offload is on).
	out=$(our_counts "$A")
	[[ $out == "$(tc_counts "$A")" ]]
	check_err $? "counters of $A: ours $out, tc $(tc_counts "$A")"
	[[ $(jqv "$out" '[.total, .in_hw, .in_hw_count, .not_in_hw] | join(" ")') == "$N $N $N 0" ]]
	check_err $? "counters of $A: $out"

	# Delete all: ours go, in one batched reconcile.
	out=$("$CAP" reconcile "$A" 0)
	[[ $(jqv "$out" '[.delete, .failed] | join(" ")') == "$N 0" ]]
	check_err $? "reconcile to 0: $out"
	bench "delete $N rules, one reconcile: $(jqv "$out" .total_ms) ms"
	n=$(tc -j filter show dev "$A" ingress | jq '[.[] | select(.options)] | length')
	[[ $n == 0 ]]
	check_err $? "$n filters left on $A"

	# With every write verified from the kernel's echo.
	out=$("$CAP" reconcile "$A" "$N" --echo)
	[[ $(jqv "$out" '[.add, .verified, .failed] | join(" ")') == "$N $N 0" ]]
	check_err $? "reconcile with echoes: $out"
	bench "install $N rules, one reconcile, every write echoed and verified: $(jqv "$out" .total_ms) ms" \
		"(apply $(jqv "$out" .apply_ms) ms in $(jqv "$out" .sends) sendmsg of up to $(jqv "$out" .batch_limit))"
	out=$("$CAP" reconcile "$A" 0)
	[[ $(jqv "$out" .delete) == "$N" ]]
	check_err $? "second delete: $out"
	: "$tcb_ms" "$show_ms"
	log_test "$N owned rules: batched install, no-op reconcile, counters, delete"
}

tc_counts_exact() {
	local ours theirs
	RET=0
	ethtool -K "$C" hw-tc-offload on && tc qdisc add dev "$C" ingress
	check_err $? "setup of $C failed"
	defer tc qdisc del dev "$C" ingress
	defer knob 12 tc_flower_offload Y
	# In hardware: skip_sw and plain; then the stock driver: not_in_hw;
	# skip_hw: not_in_hw.
	"$CAP" batch "$C" 7 --prefix hw --prio 1 --skip-sw >/dev/null &&
		"$CAP" batch "$C" 5 --prefix plain --prio 2 >/dev/null &&
		knob 12 tc_flower_offload N &&
		"$CAP" batch "$C" 4 --prefix stock --prio 3 >/dev/null &&
		tc filter add dev "$C" ingress protocol ip pref 4 flower skip_hw dst_ip 192.0.2.1 action drop
	check_err $? "filters on $C failed"
	ours=$(our_counts "$C")
	theirs=$(tc_counts "$C")
	[[ $ours == "$theirs" ]]
	check_err $? "counters of $C: ours $ours, tc $theirs"
	[[ $(jqv "$ours" '[.total, .in_hw, .in_hw_count, .not_in_hw] | join(" ")') == "17 12 12 5" ]]
	check_err $? "counters of $C: $ours"
	log_test "in_hw / in_hw_count / not_in_hw counted exactly as tc reports"
}

tc_hw_stats() {
	local a b
	RET=0
	ethtool -K "$F" hw-tc-offload on && tc qdisc add dev "$F" ingress
	check_err $? "setup of $F failed"
	defer tc qdisc del dev "$F" ingress
	"$CAP" batch "$F" 3 --skip-sw >/dev/null
	check_err $? "filters on $F failed"
	knob 15 tc_flower_stats_pkts 1
	defer knob 15 tc_flower_stats_pkts 0
	# Each dump asks the driver once per filter, which reports one packet.
	a=$("$CAP" counts "$F" | jq -c .counts)
	b=$("$CAP" counts "$F" | jq -c .counts)
	[[ $(jqv "$b" .hw_packets) == $(($(jqv "$a" .hw_packets) + 3)) &&
		$(jqv "$b" .hw_bytes) == $(($(jqv "$a" .hw_bytes) + 3 * 64)) &&
		$(jqv "$b" .sw_packets) == 0 ]]
	check_err $? "hardware counters did not move by 3 packets: $a -> $b"
	log_test "hardware packets/bytes read from TCA_STATS_BASIC_HW"
}

tc_drift_and_foreign() {
	local out cookie n
	RET=0
	tc qdisc add dev "$D" ingress
	check_err $? "tc qdisc add dev $D ingress failed"
	defer tc qdisc del dev "$D" ingress
	# Someone else's filters, OVS's (a ufid cookie: UUID v4 bits), a matchall.
	tc filter add dev "$D" ingress protocol ip pref 100 flower dst_ip 198.51.100.7 action pass &&
		tc filter add dev "$D" ingress protocol ip pref 4 flower ip_proto icmp \
			action drop cookie 00112233444a66778899aa8bccddeeff &&
		tc filter add dev "$D" ingress pref 60 matchall action pass
	check_err $? "foreign filters on $D failed"
	out=$("$CAP" reconcile "$D" 20)
	[[ $(jqv "$out" '[.add, .failed, .conflicts] | join(" ")') == "20 0 0" ]]
	check_err $? "reconcile $D 20: $out"
	out=$("$CAP" counts "$D" | jq -c '.counts | {total, owned, ovs, foreign}')
	[[ $out == '{"total":23,"owned":20,"ovs":1,"foreign":2}' ]]
	check_err $? "owner counts on $D: $out"

	# Drift: one owned rule deleted by hand, one changed by hand (keeping our
	# cookie, so still ours), one foreign filter in between.
	cookie=$("$CAP" tc-lines "$D" 6 | sed -n '6s/.*cookie //p')
	n=$(tc -j filter show dev "$D" ingress | jq -r --arg c "$cookie" \
		'[.[] | select(.options.actions[0].cookie == $c) | .options.handle] | first')
	tc filter replace dev "$D" ingress protocol ip pref 100 handle "$n" flower ip_proto tcp \
		dst_ip 10.0.0.5 dst_port 80 action pass cookie "$cookie"
	check_err $? "changing rule 5 by hand failed"
	n=$(tc -j filter show dev "$D" ingress | jq -r '[.[] | select(.options.keys.dst_ip == "10.0.0.3") | .options.handle] | first')
	tc filter del dev "$D" ingress protocol ip pref 100 handle "$n" flower
	check_err $? "deleting rule 3 by hand failed"
	out=$("$CAP" reconcile "$D" 20)
	[[ $(jqv "$out" '[.add, .replace, .delete, .unchanged, .failed] | join(" ")') == "1 1 0 18 0" ]]
	check_err $? "drift not repaired as add 1, replace 1: $out"
	out=$("$CAP" reconcile "$D" 20)
	[[ $(jqv "$out" '[.unchanged, .sends] | join(" ")') == "20 0" ]]
	check_err $? "no no-op after the repair: $out"

	# Reconcile to nothing: ours go, everyone else's stay.
	out=$("$CAP" reconcile "$D" 0)
	[[ $(jqv "$out" '[.delete, .failed] | join(" ")') == "20 0" ]]
	check_err $? "reconcile $D 0: $out"
	out=$("$CAP" counts "$D" | jq -c '.counts | {total, owned, ovs, foreign}')
	[[ $out == '{"total":3,"owned":0,"ovs":1,"foreign":2}' ]]
	check_err $? "after deleting ours, $D holds $out"
	log_test "drift repaired; foreign and OVS filters survive every reconcile"
}

tc_batch_failure() {
	local out n
	RET=0
	# hw-tc-offload off on E: a skip_sw rule cannot be offloaded.
	tc qdisc add dev "$E" ingress
	check_err $? "tc qdisc add dev $E ingress failed"
	defer tc qdisc del dev "$E" ingress
	out=$("$CAP" batch "$E" 50 --bad-skip-sw 10 --bad-redirect 20)
	check_err $? "tccapture batch failed: $out"
	[[ $(jqv "$out" .failed) == 2 ]]
	check_err $? "expected 2 failed requests: $out"
	[[ $(jqv "$out" '.failures[] | select(.rule == 10) | .extack') == "TC offload is disabled on net device" ]]
	check_err $? "rule 10 (skip_sw) lacks its extack: $out"
	[[ $(jqv "$out" '.failures[] | select(.rule == 20) | .extack') == *"Specified device does not exist"* ]]
	check_err $? "rule 20 (redirect to nothing) lacks its extack: $out"
	n=$(tc -j filter show dev "$E" ingress | jq '[.[] | select(.options)] | length')
	[[ $n == 48 ]]
	check_err $? "$n of the 48 good rules landed"
	# Only failures and each sendmsg's last request are answered: failures
	# first and last, the last one's answer being the ack that ends a chunk.
	out=$("$CAP" batch "$E" 30 --prefix edge --prio 2 --bad-skip-sw 0 --bad-redirect 29)
	check_err $? "tccapture batch (edges) failed: $out"
	[[ $(jqv "$out" .failed) == 2 ]]
	check_err $? "expected 2 failed requests at the edges: $out"
	[[ $(jqv "$out" '.failures[] | select(.rule == 0) | .extack') == "TC offload is disabled on net device" &&
		$(jqv "$out" '.failures[] | select(.rule == 29) | .extack') == *"Specified device does not exist"* ]]
	check_err $? "the first and last rules lack their extacks: $out"
	(($(jqv "$out" .sends) > 1))
	check_err $? "30 rules went in one sendmsg, so no chunk boundary was crossed: $out"
	n=$(tc -j filter show dev "$E" ingress | jq '[.[] | select(.options and .pref == 2)] | length')
	[[ $n == 28 ]]
	check_err $? "$n of the 28 good rules at the edges landed"
	log_test "a failed rule in a batch carries its own extack; the others land"
}

tc_offload_switch() {
	local out f
	RET=0
	f=$(mktemp)
	defer rm -f "$f"
	ethtool -K "$E" hw-tc-offload on
	check_err $? "ethtool -K $E hw-tc-offload on failed"
	defer ethtool -K "$E" hw-tc-offload off
	tc qdisc add dev "$E" ingress
	check_err $? "tc qdisc add dev $E ingress failed"
	defer tc qdisc del dev "$E" ingress
	# Patched (default): skip_sw is in hardware.
	out=$("$CAP" batch "$E" 1 --prefix on --prio 1 --skip-sw)
	[[ $(jqv "$out" .failed) == 0 ]]
	check_err $? "skip_sw refused with the knob on: $out"
	# Turning hw-tc-offload off with offloaded filters is refused (as mlx5).
	ethtool -K "$E" hw-tc-offload off >/dev/null 2>&1
	check_fail $? "hw-tc-offload off accepted with filters in hardware"
	# The kernel keeps the refused request as wanted: ask for on again, so
	# that the cleanup's "off" is a change.
	ethtool -K "$E" hw-tc-offload on
	# Knob off: the stock driver.
	knob 14 tc_flower_offload N
	defer knob 14 tc_flower_offload Y
	out=$("$CAP" batch "$E" 1 --prefix off --prio 2 --skip-sw)
	[[ $(jqv "$out" '.failures[0].extack') == "netdevsim: only offload of BPF classifiers supported" ]]
	check_err $? "skip_sw with the knob off: $out"
	"$CAP" batch "$E" 1 --prefix off --prio 3 >/dev/null
	tc -j filter show dev "$E" ingress >"$f"
	[[ $(jq -c '[.[] | select(.options) | [.pref, .options.in_hw // false, .options.not_in_hw // false]]' "$f") == \
		'[[1,true,false],[3,false,true]]' ]]
	check_err $? "in_hw/not_in_hw per switch: $(cat "$f")"
	"$CAP" reconcile "$E" 0 --prefix on >/dev/null
	check_err $? "cleanup reconcile failed"
	log_test "netdevsim offload switch: in_hw when on, the stock refusal when off"
}

tc_shared_block() {
	local out ours theirs
	RET=0
	ethtool -K "$B" hw-tc-offload on && ethtool -K "$F" hw-tc-offload on
	check_err $? "ethtool -K failed"
	# B and F are free again (earlier checks removed their qdiscs).
	out=$("$CAP" qdisc "$B" ingress 33)
	[[ $(jqv "$out" .result) == 1 ]]
	check_err $? "qdisc ensure with block 33 on $B: $out"
	defer tc qdisc del dev "$B" ingress
	out=$("$CAP" qdisc "$F" ingress 33)
	[[ $(jqv "$out" .result) == 1 ]]
	check_err $? "qdisc ensure with block 33 on $F: $out"
	defer tc qdisc del dev "$F" ingress
	# The device has a qdisc on another block: a conflict, nothing deleted.
	out=$("$CAP" qdisc "$B" ingress 0)
	[[ $(jqv "$out" '[.result, .ingress_block] | join(" ")') == "-17 33" ]]
	check_err $? "qdisc ensure without a block on $B: $out"
	out=$("$CAP" reconcile block:33 100 --skip-sw)
	[[ $(jqv "$out" '[.add, .failed] | join(" ")') == "100 0" ]]
	check_err $? "reconcile block:33: $out"
	ours=$(our_counts block:33)
	theirs=$(tc_counts block:33)
	[[ $ours == "$theirs" && $(jqv "$ours" '[.total, .in_hw, .in_hw_count] | join(" ")') == "100 100 200" ]]
	check_err $? "block counters: ours $ours, tc $theirs"
	out=$("$CAP" reconcile block:33 100 --skip-sw)
	[[ $(jqv "$out" .unchanged) == 100 ]]
	check_err $? "block no-op: $out"
	out=$("$CAP" reconcile block:33 0)
	[[ $(jqv "$out" .delete) == 100 ]]
	check_err $? "block cleanup: $out"
	log_test "shared block on two netdevs: in_hw_count 2 per rule"
}

tc_dump_big_filter() {
	local acts=() ours theirs size
	RET=0
	tc qdisc add dev "$E" ingress
	check_err $? "tc qdisc add dev $E ingress failed"
	defer tc qdisc del dev "$E" ingress
	# 32 actions (TCA_ACT_MAX_PRIO): one filter message of several KiB, which
	# the kernel cannot put in a page-sized dump chunk (EMSGSIZE): the dump
	# must start over with full-sized reads and still see every filter.
	for _ in $(seq 32); do acts+=(action pass); done
	tc filter add dev "$E" ingress protocol ip pref 9 flower dst_ip 192.0.2.9 "${acts[@]}"
	check_err $? "the 32-action filter on $E failed"
	size=$(tc -j filter show dev "$E" ingress | jq '[.[] | select(.options) | .options.actions | length] | first')
	[[ $size == 32 ]]
	check_err $? "tc shows $size actions, not 32"
	ours=$(our_counts "$E")
	theirs=$(tc_counts "$E")
	[[ $ours == "$theirs" && $(jqv "$ours" .total) == 1 ]]
	check_err $? "alone: ours $ours, tc $theirs"
	# Behind 40 small filters: the big one comes in a later chunk.
	"$CAP" batch "$E" 40 --prio 2 >/dev/null
	check_err $? "40 rules on $E failed"
	ours=$(our_counts "$E")
	theirs=$(tc_counts "$E")
	[[ $ours == "$theirs" && $(jqv "$ours" .total) == 41 ]]
	check_err $? "behind 40 rules: ours $ours, tc $theirs"
	log_test "a filter larger than a page is dumped whole"
}

: >"$BENCH"
tests_run
