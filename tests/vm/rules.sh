#!/usr/bin/env bash
# tc flower rules through the CLI (issue 6), against the real kernel and the
# patched netdevsim (0001: flower offload; 0002: mlx5's devlink params):
#  - VF-LAG: rules with several matches and actions on the bond's shared
#    block (the block OVS made), in_hw on both members, skip flags kept;
#  - MPV: a rule pair per port on both uplinks and both representors of each
#    MPV VF pair (skip_sw, in_hw), its representors on no bridge;
#  - drift: an owned rule deleted by hand and one changed by hand (tc filter
#    replace, cookie kept) show up in `plan` as tc-sync steps and `apply`
#    repairs them;
#  - OVS's filters (ovs-appctl dpctl/add-flow with hw-offload on) and foreign
#    ones (tc filter add by hand) survive every apply, a failed one included;
#  - `status --json` .tc counts (per place and totals: filters, owned, ovs,
#    foreign, in_hw, not_in_hw) equal what `tc -j -s filter show` reports,
#    also with netdevsim's flower offload off (debugfs tc_flower_offload=N),
#    where a rule that is not skip_sw is not_in_hw.
# shellcheck disable=SC2317 # check functions are called through tests_run
# shellcheck disable=SC2015 # `a && b || fail_hard`: fail_hard when either fails
# shellcheck disable=SC2016 # jq programs in single quotes
# shellcheck disable=SC2119 # ovs_start without other_config
set -u
ALL_TESTS="vflag_rules bond_block_without_ovs rule_moves_to_bond mpv_rules rules_while_vswitchd_down rule_at_ovs_prio bond_block_no_rules"
# shellcheck source=tests/vm/lib.sh
. "$(dirname "$(readlink -f "$0")")/lib.sh"

CTL=${OO_BUILD:-build}/ovs-offloadctl
require_cmd jq tc devlink ethtool ovs-vsctl ovs-appctl
[[ -x $CTL ]] || fail_hard "$CTL not built: run scripts/build.sh"
PATH="$(dirname "$(readlink -f "$0")")/../../scripts/sim/bin:$PATH"
export PATH
modprobe -q bonding 2>/dev/null || skip "kernel module 'bonding' cannot be loaded"
modprobe netdevsim || fail_hard "cannot load netdevsim"
[[ -e /sys/module/netdevsim/parameters/mlx5_esw_multiport ]] ||
	skip "netdevsim without the mlx5 params patch (scripts/vm/netdevsim-patches/0002)"
DBG=$OO_NSIM_DEBUGFS
WORK=$(mktemp -d /tmp/oo-rules.XXXXXX)
defer rm -rf "$WORK"
CFG=$WORK/config.yaml
DB=
OUR_MAGIC=6f6f2d74632d7631      # "oo-tc-v1": the first 8 bytes of our cookies

# ------------------------------------------------------------------ helpers

ctl() {
	"$CTL" --db "$DB" "$@"
}

# apply_ok [CONFIG]: apply exits 0 (its output, with its debug lines, in
# $WORK/apply.out).
apply_ok() {
	ctl -v -c "${1:-$CFG}" apply >"$WORK/apply.out" 2>&1 && return 0
	grep -E 'error|FAILED' "$WORK/apply.out" | sed 's/^/\tapply: /' | head -n 10
	return 1
}

# plan_rc: plan's exit status on $CFG; its JSON in $WORK/plan.json.
plan_rc() {
	ctl -c "$CFG" --json plan >"$WORK/plan.json" 2>"$WORK/plan.err"
	echo $?
}

del_link() {
	link_exists "$1" && ip link del "$1"
	return 0
}

# dp_port NETDEV: its kernel datapath port number (dpctl/show has no JSON).
dp_port() {
	ovs-appctl -T 5 dpctl/show | awk -v n="$1" '$1 == "port" && $3 == n { sub(":", "", $2); print $2 }'
}

# OVS's revalidators delete datapath flows no OpenFlow rule made: pause them
# while the test's own flows must stay; they must run again before
# ovs-vswitchd can exit.
pause_revalidators() {
	ovs-appctl -T 5 revalidator/pause >/dev/null && defer resume_revalidators
}
resume_revalidators() {
	[[ -n $(ovs_vswitchd_pid) ]] || return 0
	ovs-appctl -T 5 revalidator/resume >/dev/null
}

# ovs_flow FROM TO N: a datapath flow FROM -> TO (netdevs on the bridge)
# for 10.9.N.1 -> 10.9.N.2; with hw-offload on, OVS puts it in tc.
ovs_flow() {
	local p0 p1
	p0=$(dp_port "$1") p1=$(dp_port "$2")
	[[ -n $p0 && -n $p1 ]] || return 1
	ovs-appctl -T 5 dpctl/add-flow \
		"in_port($p0),eth(),eth_type(0x0800),ipv4(src=10.9.$3.1,dst=10.9.$3.2)" "$p1" >/dev/null
}

# where_of DEV: "block N" for a netdev on a shared block, else "dev DEV ingress".
where_of() {
	local b
	b=$(tc -j qdisc show dev "$1" ingress 2>/dev/null | jq -r '[.[] | .ingress_block // empty] | first // empty')
	if [[ -n $b ]]; then echo "block $b"; else echo "dev $1 ingress"; fi
}

# filters WHERE...: the filters (entries with options) of `tc -j -s filter
# show WHERE`, as a JSON array; [] when there is no qdisc.
filters() {
	local out
	# shellcheck disable=SC2068 # WHERE is a word list
	out=$(tc -j -s filter show $@ 2>/dev/null)
	jq -c '[.[]? | select(.options)]' <<<"${out:-[]}"
}

# The jq definitions shared by the queries below: an action as a word, a
# filter's owner as the controller classifies it (our "oo-tc-v1" cookie on
# every action; OVS's: one UUID v4 ufid cookie on every action, a police
# action aside; anything else is foreign).
JQ_DEFS='
def act: if .kind == "mirred" then "\(.mirred_action):\(.to_dev)"
	elif .kind == "vlan" then (if .vlan_action == "pop" then "vlan_pop"
		else "vlan_\(.vlan_action):\(.id):\(.priority // 0)" end)
	elif .kind == "gact" then (if .control_action.type == "goto"
		then "goto:\(.control_action.chain)" else .control_action.type end)
	else .kind end;
def ufid: type == "string" and length == 32 and .[10:11] == "4" and ("89ab" | contains(.[22:23] // "x"));
def owner: (.options.actions // []) as $a
	| if ($a | length) > 0 and all($a[]; (.cookie // "") | startswith($magic)) then "owned"
	  elif .kind == "flower" and ([$a[] | select(.kind != "police") | .cookie] | (length > 0 and all(ufid) and (unique | length) == 1))
	  then "ovs" else "foreign" end;
def flags: [if .options.skip_sw then "skip_sw" else empty end, if .options.skip_hw then "skip_hw" else empty end,
	if .options.in_hw then "in_hw:\(.options.in_hw_count // 0)" elif .options.not_in_hw then "not_in_hw" else empty end];
def summary: "\(.chain)/\(.pref) \(.protocol) \(.options.keys | to_entries | map("\(.key)=\(.value)") | sort | join(","))"
	+ " [\(flags | join(" "))] \([.options.actions[] | act] | join(" "))";
'

# owned_summary WHERE...: the owned filters as sorted one-line summaries
# ("chain/prio protocol keys [flags] actions").
owned_summary() {
	filters "$@" | jq -r --arg magic "$OUR_MAGIC" "$JQ_DEFS"'[.[] | select(owner == "owned") | summary] | sort[]'
}

# owned_of_prio WHERE PRIO: the owned filter at PRIO (chain 0) as JSON.
owned_of_prio() {
	local where=$1 prio=$2
	# shellcheck disable=SC2086 # WHERE is a word list
	filters $where | jq -c --arg magic "$OUR_MAGIC" --argjson p "$prio" \
		"$JQ_DEFS"'[.[] | select(owner == "owned" and .chain == 0 and .pref == $p)] | first // empty'
}

# same_lines WHAT GOT WANT: record a failure unless the texts are equal.
same_lines() {
	if [[ $2 != "$3" ]]; then
		check_err 1 "$1 differ"
		diff <(echo "$3") <(echo "$2") | sed 's/^/\t/'
	fi
}

# snapshot WHERE...: the filters that are not ours (prio, handle, keys,
# actions) as sorted lines: OVS's and foreign filters that must survive.
snapshot() {
	filters "$@" | jq -r --arg magic "$OUR_MAGIC" "$JQ_DEFS"'
		[.[] | select(owner != "owned") | "\(owner) \(.options.handle) \(summary | sub(" \\[[^]]*\\]"; ""))"] | sort[]'
}

# counts_match WHAT: `status --json` .tc, per place and in total, equals what
# tc -j -s filter show reports for the same places.
counts_match() {
	local st q i=0 want got
	st=$(ctl status --json 2>"$WORK/status.err")
	check_err $? "status --json failed: $(cat "$WORK/status.err")"
	: >"$WORK/tc.jsonl"
	while read -r q; do
		# shellcheck disable=SC2086 # q is a word list
		filters $q >>"$WORK/tc.jsonl"
		i=$((i + 1))
	done < <(jq -r '.tc.places[] | if .block then "block \(.block)" else "dev \(.device) ingress" end' <<<"$st")
	want=$(jq -sc --arg magic "$OUR_MAGIC" "$JQ_DEFS"'
		def counts: {filters: length,
			owned: [.[] | select(owner == "owned")] | length,
			ovs: [.[] | select(owner == "ovs")] | length,
			foreign: [.[] | select(owner == "foreign")] | length,
			in_hw: [.[] | select(.options.in_hw)] | length,
			not_in_hw: [.[] | select(.options.not_in_hw)] | length};
		{places: map(counts), total: (add // [] | counts)}' "$WORK/tc.jsonl")
	got=$(jq -c '.tc | {places: [.places[] | {filters, owned, ovs, foreign, in_hw, not_in_hw}],
		total: (.total | {filters, owned, ovs, foreign, in_hw, not_in_hw})}' <<<"$st")
	if [[ $(jq -n --argjson a "$got" --argjson b "$want" '$a == $b') != true ]]; then
		check_err 1 "$1: status --json .tc counts differ from tc -j -s filter show"
		jq -rn --argjson a "$got" --argjson b "$want" --argjson st "$st" '
			range($b.places | length) as $i | select($a.places[$i] != $b.places[$i]) |
			"\t\($st.tc.places[$i] | .device) block \($st.tc.places[$i].block): status \($a.places[$i] | tostring), tc \($b.places[$i] | tostring)"'
		jq -rn --argjson a "$got" --argjson b "$want" \
			'"\ttotal: status \($a.total | tostring), tc \($b.total | tostring)"'
	fi
	log_info "$1: $(jq -c '.total' <<<"$got") in ${i} places"
}

# tc_sync_steps: the tc-sync steps of $WORK/plan.json as "object to" lines.
tc_sync_steps() {
	jq -r '.steps[] | select(.kind == "tc-sync") | "\(.object) \(.to)"' "$WORK/plan.json" | sort
}

knob() {
	echo "$3" >"$DBG/netdevsim$1/$2"
}

# mp_set Y|N: whether netdevsim devices created from now on have mlx5's
# esw_multiport devlink param (Linux 6.3+; patch 0002).
mp_set() {
	echo "$1" >/sys/module/netdevsim/parameters/mlx5_esw_multiport
}

# ------------------------------------------------------------------ VF-LAG

vflag_config() {
	cat <<-'Y'
	version: 1
	ovs: {hw_offload: true, tc_policy: none, restart: if-needed}
	pfs:
	  - {name: pf0, device: netdevsim/netdevsim10, eswitch: switchdev, num_vfs: 4}
	  - {name: pf1, device: netdevsim/netdevsim11, eswitch: switchdev, num_vfs: 4}
	bonds:
	  - {name: bond0, mode: 802.3ad, members: [pf0, pf1], xmit_hash_policy: layer3+4, lacp_rate: fast}
	bridges:
	  - {name: br-offload, uplink: bond0, representors: [pf0/0-3, pf1/0-3]}
	tc:
	  rules:
	    - {name: web, dev: bond0, prio: 10, actions: [{redirect: pf0/3}],
	       match: {eth_type: ipv4, dst_ip: 10.0.0.3/32, ip_proto: tcp, dst_port: 80}}
	    - {name: dns6, dev: bond0, prio: 20, actions: [{mirror: pf1/1}, drop],
	       match: {eth_type: ipv6, dst_ip: "fd00::/64", ip_proto: udp, dst_port: 53}}
	    - {name: vlan100, dev: bond0, prio: 30, actions: [vlan_pop, {redirect: pf1/2}],
	       match: {eth_type: 802.1q, vlan_id: 100, vlan_prio: 3}}
	    - {name: tag, dev: bond0, prio: 40, actions: [{vlan_push: {id: 200, prio: 5}}, {redirect: pf0/0}],
	       match: {eth_type: ipv4, src_mac: "02:00:00:00:00:07"}}
	    - {name: arp, dev: bond0, prio: 50, match: {eth_type: arp}, actions: [{goto_chain: 7}]}
	    - {name: chain7, dev: bond0, chain: 7, prio: 1, actions: [pass]}
	    - {name: swonly, dev: bond0, prio: 60, skip: hw, actions: [drop],
	       match: {eth_type: ipv4, dst_ip: 10.0.0.9}}
	    - {name: remark, dev: bond0, prio: 70, actions: [{vlan_modify: {id: 301, prio: 1}}, {redirect: pf0/1}],
	       match: {eth_type: 802.1q, vlan_id: 300}}
	Y
}

# The owned filters vflag_config makes on the block, given the representors
# R0 (pf0's VFs) and R1 (pf1's), in owned_summary's form.
vflag_want() {
	cat <<-W | LC_ALL=C sort
	0/10 ip dst_ip=10.0.0.3,dst_port=80,eth_type=ipv4,ip_proto=tcp [in_hw:2] redirect:${R0[3]}
	0/20 ipv6 dst_ip=fd00::/64,dst_port=53,eth_type=ipv6,ip_proto=udp [in_hw:2] mirror:${R1[1]} drop
	0/30 802.1Q vlan_id=100,vlan_prio=3 [in_hw:2] vlan_pop redirect:${R1[2]}
	0/40 ip eth_type=ipv4,src_mac=02:00:00:00:00:07 [in_hw:2] vlan_push:200:5 redirect:${R0[0]}
	0/50 arp eth_type=arp [in_hw:2] goto:7
	7/1 all  [in_hw:2] pass
	0/60 ip dst_ip=10.0.0.9,eth_type=ipv4 [skip_hw not_in_hw] drop
	0/70 802.1Q vlan_id=300 [in_hw:2] vlan_modify:301:1 redirect:${R0[1]}
	W
}

vflag_rules() {
	local where rc want got snap snap2 f handle cookie
	local -a R0 R1
	RET=0
	nsim_new 10 1 && nsim_new 11 1 || fail_hard "netdevsim setup failed"
	defer del_link bond0
	ovs_start || fail_hard "cannot start Open vSwitch"
	DB="unix:$(ovs_db_sock)"
	vflag_config >"$CFG"

	# 1. The rules on the bond's shared block.
	apply_ok
	check_err $? "apply of the VF-LAG config failed"
	# VFs, the bond and OVS ports were made before the tc step: it reads
	# the host again to find the representors and the bond's block.
	grep -q "tc: reading devlink, links and qdiscs again: an earlier step changed the host" "$WORK/apply.out"
	check_err $? "apply's tc step did not read the host again after changing it: $(grep 'tc: ' "$WORK/apply.out")"
	[[ $(plan_rc) == 0 ]]
	check_err $? "plan after apply is not in sync: $(jq -c '[.steps[] | "\(.kind) \(.object) \(.to)"], .errors' "$WORK/plan.json")"
	mapfile -t R0 < <(nsim_vf_reps 10)
	mapfile -t R1 < <(nsim_vf_reps 11)
	where=$(where_of bond0)
	[[ $where == block* && $(where_of "$(nsim_uplink 10)") == "$where" && $(where_of "$(nsim_uplink 11)") == "$where" ]]
	check_err $? "bond0 and its members are not on one shared block: bond0 $where"
	# shellcheck disable=SC2086 # where is a word list
	same_lines "owned filters on $where (want, got)" "$(owned_summary $where)" "$(vflag_want)"
	log_test "VF-LAG: 8 rules with their matches, actions and skip flags on bond0's $where" || return

	# 2. OVS's filters and foreign ones, on the block and on a representor.
	RET=0
	pause_revalidators
	ovs_flow "${R0[0]}" "${R0[1]}" 1 && ovs_flow bond0 "${R1[0]}" 2
	check_err $? "ovs-appctl dpctl/add-flow failed"
	# shellcheck disable=SC2086
	tc filter add $where protocol ip pref 900 flower dst_ip 192.0.2.9 action drop &&
		tc filter add dev "${R0[0]}" ingress protocol ip pref 901 flower dst_ip 192.0.2.10 action drop
	check_err $? "tc filter add (foreign) failed"
	# shellcheck disable=SC2086
	snap=$(snapshot $where; snapshot dev "${R0[0]}" ingress)
	[[ $(grep -c '^ovs ' <<<"$snap") == 2 && $(grep -c '^foreign ' <<<"$snap") == 2 ]]
	check_err $? "expected 2 OVS and 2 foreign filters, got: $snap"
	counts_match "VF-LAG with OVS's and foreign filters"
	log_test "VF-LAG: status --json .tc counts equal tc -j -s filter show (OVS and foreign filters too)"

	# 3. Drift: one owned rule deleted by hand, one changed by hand.
	RET=0
	# shellcheck disable=SC2086
	tc filter del $where pref 10
	check_err $? "tc filter del $where pref 10 failed"
	f=$(owned_of_prio "$where" 60)
	handle=$(jq -r '.options.handle' <<<"$f") cookie=$(jq -r '.options.actions[0].cookie' <<<"$f")
	# shellcheck disable=SC2086
	tc filter replace $where protocol ip pref 60 handle "$handle" flower skip_hw dst_ip 10.0.0.99 \
		action drop cookie "$cookie"
	check_err $? "tc filter replace of the rule swonly failed"
	rc=$(plan_rc)
	[[ $rc == 3 && $(tc_sync_steps) == "bond0 +1 ~1 -0" ]]
	check_err $? "plan should exit 3 with one tc-sync step on bond0 (+1 ~1 -0): exit $rc, steps $(jq -c '[.steps[] | "\(.kind) \(.object) \(.to)"]' "$WORK/plan.json")"
	[[ $(jq '[.steps[] | select(.kind != "tc-sync")] | length' "$WORK/plan.json") == 0 ]]
	check_err $? "plan has steps other than tc-sync: $(jq -c '[.steps[] | "\(.kind) \(.object)"]' "$WORK/plan.json")"
	apply_ok
	check_err $? "apply did not repair the drift"
	# A plan of tc-sync steps alone: they resolve as the plan did.
	grep -q "tc: rules resolved as the plan resolved them" "$WORK/apply.out" &&
		! grep -q "tc: reading devlink" "$WORK/apply.out"
	check_err $? "apply's tc step read the host again though no step changed it: $(grep 'tc: ' "$WORK/apply.out")"
	# shellcheck disable=SC2086
	same_lines "owned filters after the repair (want, got)" "$(owned_summary $where)" "$(vflag_want)"
	[[ $(plan_rc) == 0 ]]
	check_err $? "plan after the repair is not in sync"
	# shellcheck disable=SC2086
	snap2=$(snapshot $where; snapshot dev "${R0[0]}" ingress)
	same_lines "OVS's and foreign filters after apply (before, after)" "$snap2" "$snap"
	log_test "VF-LAG: a rule deleted and one changed by hand: plan tc-sync, apply repairs, others kept"

	# 4. Flower offload off (the stock driver): a new rule that is not
	#    skip_sw lands not_in_hw; a skip_sw one (on a representor: on the
	#    bond's block the kernel refuses skip_sw anyway, the bond has no
	#    offload) is refused with netdevsim's message, and the failed apply
	#    leaves every other filter alone.
	RET=0
	knob 10 tc_flower_offload N && knob 11 tc_flower_offload N
	check_err $? "cannot switch netdevsim's flower offload off"
	defer knob 11 tc_flower_offload Y
	defer knob 10 tc_flower_offload Y
	{ vflag_config; cat <<-'Y'; } >"$WORK/late.yaml"
	    - {name: late, dev: bond0, prio: 80, match: {eth_type: ipv4, dst_ip: 10.0.0.80}, actions: [drop]}
	Y
	apply_ok "$WORK/late.yaml"
	check_err $? "apply with the rule late failed"
	f=$(owned_of_prio "$where" 80)
	[[ $(jq -r '"\(.options.not_in_hw) \(.options.in_hw // false) \(.options.skip_sw // false)"' <<<"$f") == "true false false" ]]
	check_err $? "the rule late should be not_in_hw with the offload off: $f"
	counts_match "VF-LAG with the flower offload off"
	{ vflag_config; cat <<-'Y'; } >"$WORK/late-hw.yaml"
	    - {name: late, dev: bond0, prio: 80, match: {eth_type: ipv4, dst_ip: 10.0.0.80}, actions: [drop]}
	    - {name: late-hw, dev: pf0/2, prio: 90, skip: sw, match: {eth_type: ipv4, dst_ip: 10.0.0.90}, actions: [drop]}
	Y
	ctl -c "$WORK/late-hw.yaml" apply >"$WORK/apply.out" 2>&1
	rc=$?
	[[ $rc == 1 ]] && grep -q "only offload of BPF classifiers supported" "$WORK/apply.out"
	check_err $? "apply of a skip_sw rule with the offload off should exit 1 with the kernel's message: exit $rc, $(grep -m1 error "$WORK/apply.out")"
	# shellcheck disable=SC2086
	snap2=$(snapshot $where; snapshot dev "${R0[0]}" ingress)
	same_lines "OVS's and foreign filters after the failed apply (before, after)" "$snap2" "$snap"
	# shellcheck disable=SC2086
	[[ $(owned_summary $where | wc -l) == 9 ]]
	# shellcheck disable=SC2086
	check_err $? "the owned rules changed in the failed apply: $(owned_summary $where)"
	log_test "VF-LAG, offload off: not_in_hw counted, skip_sw refused with the kernel's message"

	# 5. Back to the first config: the extra rule goes, nothing else.
	RET=0
	knob 10 tc_flower_offload Y && knob 11 tc_flower_offload Y
	apply_ok
	check_err $? "apply of the first config again failed"
	# shellcheck disable=SC2086
	same_lines "owned filters (want, got)" "$(owned_summary $where)" "$(vflag_want)"
	# shellcheck disable=SC2086
	snap2=$(snapshot $where; snapshot dev "${R0[0]}" ingress)
	same_lines "OVS's and foreign filters (before, after)" "$snap2" "$snap"
	counts_match "VF-LAG back to the first config"
	log_test "VF-LAG: a rule removed from the config is deleted; OVS's and foreign filters stay"
}

# ------------------------------------------------------------------ MPV

mpv_config() {
	cat <<-'Y'
	version: 1
	ovs: {hw_offload: true}
	pfs:
	  - {name: pf0, device: netdevsim/netdevsim12, eswitch: switchdev, num_vfs: 4, multiport: true}
	  - {name: pf1, device: netdevsim/netdevsim13, eswitch: switchdev, num_vfs: 4, multiport: true}
	bridges:
	  - {name: br-pf0, uplink: pf0, representors: [pf0/0-1]}
	  - {name: br-pf1, uplink: pf1, representors: [pf1/0-1]}
	tc:
	  mpv:
	    - {name: vm7, vfs: [pf0/2, pf1/2], ip: 10.0.0.7}
	    - {name: vm8, vfs: [pf0/3, pf1/3], ip: 10.0.0.8}
	Y
}

# mpv_want ID: the owned filters on netdevsimID's uplink and on its VF 2 and
# 3 representors, as "netdev: summary" lines (prios as the controller
# chooses them are not part of the contract: left out).
mpv_want() {
	local up=$1 r2=$2 r3=$3
	cat <<-W | LC_ALL=C sort
	$up: ip dst_ip=10.0.0.7,eth_type=ipv4 [skip_sw in_hw:1] redirect:$r2
	$up: ip dst_ip=10.0.0.8,eth_type=ipv4 [skip_sw in_hw:1] redirect:$r3
	$r2: ip eth_type=ipv4,src_ip=10.0.0.7 [skip_sw in_hw:1] redirect:$up
	$r3: ip eth_type=ipv4,src_ip=10.0.0.8 [skip_sw in_hw:1] redirect:$up
	W
}

# mpv_got NETDEV...: their owned filters in mpv_want's form.
mpv_got() {
	local n
	for n in "$@"; do
		# shellcheck disable=SC2046 # where_of is a word list
		owned_summary $(where_of "$n") | sed -E "s/^[0-9]+\/[0-9]+ /$n: /"
	done | LC_ALL=C sort
}

mpv_rules() {
	local id rc snap snap2 f handle cookie want got u0 u1 r n ports
	local -a R2 R3 REPS0 REPS1
	RET=0
	# mlx5 from Linux 6.3 on: esw_multiport (netdevsim 12 and 13 are one NIC).
	mp_set Y || fail_hard "cannot set netdevsim's mlx5_esw_multiport"
	defer mp_set N
	nsim_new 12 1 && nsim_new 13 1 || fail_hard "netdevsim setup failed"
	# mlx5's VF representors come up with hw-tc-offload on (en_rep.c), and
	# netdevsim's do not: put the PFs in switchdev first and turn it on.
	for id in 12 13; do
		nsim_set_vfs "$id" 4 && nsim_eswitch_set "$id" switchdev || fail_hard "netdevsim$id switchdev failed"
		for r in $(nsim_vf_reps "$id"); do
			ethtool -K "$r" hw-tc-offload on || fail_hard "ethtool -K $r hw-tc-offload on failed"
		done
	done
	ovs_start || fail_hard "cannot start Open vSwitch"
	DB="unix:$(ovs_db_sock)"
	mpv_config >"$CFG"
	u0=$(nsim_uplink 12) u1=$(nsim_uplink 13)
	mapfile -t R2 < <(nsim_vf_reps 12; nsim_vf_reps 13)
	R3=("${R2[3]}" "${R2[7]}")
	R2=("${R2[2]}" "${R2[6]}")

	# 1. The rule pairs on both uplinks and both representors of each VF.
	apply_ok
	check_err $? "apply of the MPV config failed"
	[[ $(plan_rc) == 0 ]]
	check_err $? "plan after apply is not in sync: $(jq -c '[.steps[] | "\(.kind) \(.object) \(.to)"], .errors' "$WORK/plan.json")"
	want=$(mpv_want "$u0" "${R2[0]}" "${R3[0]}"; mpv_want "$u1" "${R2[1]}" "${R3[1]}")
	got=$(mpv_got "$u0" "${R2[0]}" "${R3[0]}" "$u1" "${R2[1]}" "${R3[1]}")
	same_lines "MPV owned filters (want, got)" "$got" "$(LC_ALL=C sort <<<"$want")"
	ports=$(ovs-vsctl --db="$DB" --timeout=10 --bare --columns=name list Port)
	check_err $? "cannot list OVS ports"
	[[ -n $ports ]]
	check_err $? "no OVS port at all (the uplinks' bridge is missing)"
	for r in "${R2[@]}" "${R3[@]}"; do
		[[ -n $r ]] && ! grep -qx "$r" <<<"$ports"
		check_err $? "MPV representor '$r' is an OVS port"
	done
	[[ $(devlink -j dev param show | jq -r '[.param["netdevsim/netdevsim12", "netdevsim/netdevsim13"][] |
		select(.name == "esw_multiport") | .values[0].value] | join(" ")') == "true true" ]]
	check_err $? "esw_multiport is not true on both PFs"
	log_test "MPV: rule pairs on both uplinks and both representors, skip_sw, in_hw" || return

	# 2. OVS's and foreign filters (on an MPV uplink and representor);
	#    drift on an uplink and a representor.
	RET=0
	# OVS's flows on representors of the bridges: OVS picks tc prios from 2
	# on, per protocol and mask, whatever else the qdisc holds.
	mapfile -t REPS0 < <(nsim_vf_reps 12)
	mapfile -t REPS1 < <(nsim_vf_reps 13)
	pause_revalidators
	ovs_flow "${REPS0[0]}" "${REPS0[1]}" 3 && ovs_flow "${REPS1[0]}" "${REPS1[1]}" 4
	check_err $? "ovs-appctl dpctl/add-flow failed"
	tc filter add dev "$u1" ingress protocol ip pref 900 flower dst_ip 192.0.2.11 action drop &&
		tc filter add dev "${R2[0]}" ingress protocol ip pref 901 flower dst_ip 192.0.2.12 action drop
	check_err $? "tc filter add (foreign) failed"
	snap=$(for n in "$u0" "$u1" "${REPS0[0]}" "${REPS1[0]}" "${R2[0]}"; do
		# shellcheck disable=SC2046
		snapshot $(where_of "$n") | sed "s/^/$n /"
	done)
	[[ $(grep -c ' ovs ' <<<"$snap") == 2 && $(grep -c ' foreign ' <<<"$snap") == 2 ]]
	check_err $? "expected 2 OVS and 2 foreign filters, got: $snap"
	counts_match "MPV with OVS's and foreign filters"
	# Delete the IPv4 rule on uplink 0; change the one of VF 3's representor
	# on port 1 (same handle and cookie, another address).
	f=$(filters dev "$u0" ingress | jq -c --arg magic "$OUR_MAGIC" "$JQ_DEFS"'
		[.[] | select(owner == "owned" and .protocol == "ip")] | first // empty')
	tc filter del dev "$u0" ingress pref "$(jq -r .pref <<<"$f")" protocol ip handle \
		"$(jq -r .options.handle <<<"$f")" flower
	check_err $? "tc filter del on $u0 failed"
	f=$(filters dev "${R3[1]}" ingress | jq -c --arg magic "$OUR_MAGIC" "$JQ_DEFS"'
		[.[] | select(owner == "owned")] | first // empty')
	handle=$(jq -r .options.handle <<<"$f") cookie=$(jq -r '.options.actions[0].cookie' <<<"$f")
	tc filter replace dev "${R3[1]}" ingress protocol ip pref "$(jq -r .pref <<<"$f")" handle "$handle" \
		flower skip_sw src_ip 10.0.0.9 action mirred egress redirect dev "$u1" cookie "$cookie"
	check_err $? "tc filter replace on ${R3[1]} failed"
	rc=$(plan_rc)
	[[ $rc == 3 && $(tc_sync_steps) == $'pf0 +1 ~0 -0\npf1/vf3 +0 ~1 -0' ]]
	check_err $? "plan should exit 3 with tc-sync steps pf0 (+1) and pf1/vf3 (~1): exit $rc, steps $(jq -c '[.steps[] | "\(.kind) \(.object) \(.to)"]' "$WORK/plan.json")"
	apply_ok
	check_err $? "apply did not repair the drift"
	# A plan of tc-sync steps alone: they resolve as the plan did.
	grep -q "tc: rules resolved as the plan resolved them" "$WORK/apply.out" &&
		! grep -q "tc: reading devlink" "$WORK/apply.out"
	check_err $? "apply's tc step read the host again though no step changed it: $(grep 'tc: ' "$WORK/apply.out")"
	got=$(mpv_got "$u0" "${R2[0]}" "${R3[0]}" "$u1" "${R2[1]}" "${R3[1]}")
	same_lines "MPV owned filters after the repair (want, got)" "$got" "$(LC_ALL=C sort <<<"$want")"
	[[ $(plan_rc) == 0 ]]
	check_err $? "plan after the repair is not in sync"
	snap2=$(for n in "$u0" "$u1" "${REPS0[0]}" "${REPS1[0]}" "${R2[0]}"; do
		# shellcheck disable=SC2046
		snapshot $(where_of "$n") | sed "s/^/$n /"
	done)
	same_lines "OVS's and foreign filters after apply (before, after)" "$snap2" "$snap"
	counts_match "MPV after the repair"
	log_test "MPV: drift repaired, OVS's and foreign filters kept, status counts exact"
}

# ------------------------------------------------- a bond that is no OVS port

# A bond with rules and no OVS: apply makes its shared block itself. When the
# bond loses its ingress qdisc, the block is rebuilt only if that deletes no
# filter but ours: a filter whose cookie is shaped like an OVS flow's (a v4
# UUID) is not OVS's here, where OVS does not have the bond as a port, and a
# member's clsact holding the block goes only with nothing on its egress.
bond_block_without_ovs() {
	local where blk out m0
	# bytes of four host-order (little-endian) words, the 2nd and 3rd with
	# the v4 UUID bits set: what oo_tc_cookie_is_ovs_ufid() takes for a ufid
	local lookalike=11111111004000000000008022222222
	RET=0
	nsim_new 20 1 && nsim_new 21 1 || fail_hard "netdevsim setup failed"
	defer del_link bond1
	cat >"$WORK/bond1.yaml" <<-'Y'
	version: 1
	pfs:
	  - {name: pf0, device: netdevsim/netdevsim20, eswitch: switchdev}
	  - {name: pf1, device: netdevsim/netdevsim21, eswitch: switchdev}
	bonds:
	  - {name: bond1, mode: active-backup, members: [pf0, pf1]}
	tc:
	  rules:
	    - {name: web, dev: bond1, prio: 10, match: {eth_type: ipv4, dst_ip: 10.0.0.3/32}, actions: [drop]}
	Y
	"$CTL" -c "$WORK/bond1.yaml" apply >"$WORK/apply.out" 2>&1
	check_err $? "apply failed: $(tail -n 5 "$WORK/apply.out")"
	where=$(where_of bond1)
	blk=${where#block }
	[[ $where == block* && $(where_of "$(nsim_uplink 20)") == "$where" ]]
	check_err $? "bond1 and its members are not on one block: bond1 $where"
	tc filter add block "$blk" protocol ip pref 200 flower dst_ip 198.51.100.9 action drop cookie "$lookalike"
	check_err $? "cannot add the look-alike filter to block $blk"
	tc qdisc del dev bond1 ingress
	check_err $? "cannot delete bond1's ingress qdisc"
	out=$("$CTL" -c "$WORK/bond1.yaml" apply 2>&1)
	[[ $? == 1 ]] && grep -q "some shaped as OVS's while the bond is no OVS port" <<<"$out"
	check_err $? "apply should refuse to free the block: $out"
	[[ $(tc -j filter show block "$blk" pref 200 | jq '[.[] | select(.options)] | length') == 1 ]]
	check_err $? "the look-alike filter on block $blk is gone"
	tc filter del block "$blk" pref 200
	out=$("$CTL" -c "$WORK/bond1.yaml" apply 2>&1)
	check_err $? "apply failed once the filter left: $(tr "\n" ";" <<<"$out")"
	grep -q "shared block $blk rebuilt" <<<"$out" && [[ $(where_of bond1) == "$where" ]]
	check_err $? "the block was not rebuilt: $out"
	# A member holding the block in a clsact whose egress side has a filter:
	# the rebuild deletes the member's qdisc, which would take that filter.
	m0=$(nsim_uplink 20)
	tc qdisc del dev "$m0" ingress && tc qdisc add dev "$m0" ingress_block "$blk" clsact &&
		tc filter add dev "$m0" egress pref 7 matchall action pass
	check_err $? "cannot give $m0 a clsact on block $blk with an egress filter"
	tc qdisc del dev bond1 ingress
	check_err $? "cannot delete bond1's ingress qdisc (2)"
	out=$("$CTL" -c "$WORK/bond1.yaml" apply 2>&1)
	[[ $? == 1 ]] && grep -q "bond member $m0 holds its shared block $blk in a clsact qdisc whose egress side holds filters" <<<"$out"
	check_err $? "apply should refuse to delete $m0's clsact: $out"
	[[ $(filters dev "$m0" egress | jq length) == 1 && $(where_of "$m0") == "$where" ]]
	check_err $? "$m0's clsact or its egress filter is gone: $(tc qdisc show dev "$m0"; tc filter show dev "$m0" egress)"
	tc filter del dev "$m0" egress pref 7
	out=$("$CTL" -c "$WORK/bond1.yaml" apply 2>&1)
	check_err $? "apply failed once the egress filter left: $(tr "\n" ";" <<<"$out")"
	grep -q "shared block $blk rebuilt" <<<"$out" && [[ $(where_of bond1) == "$where" && $(where_of "$m0") == "$where" ]]
	check_err $? "the block was not rebuilt with $m0 on it: $out"
	log_test "a bond on no OVS bridge: its block not freed over a filter shaped like OVS's, nor over a member's egress filter; rebuilt once they left"
}

# A rule moved from a PF's uplink to the bond the PF joins in the same
# apply: the uplink's cleanup runs against a device that may be on the
# bond's shared block by then, whose filters (the rule's new home) are not
# the uplink's to delete. One apply converges, and the rule is on the block.
rule_moves_to_bond() {
	local where out
	RET=0
	nsim_new 22 1 && nsim_new 23 1 || fail_hard "netdevsim setup failed"
	defer del_link bond2
	local pfs="pfs:
  - {name: pf0, device: netdevsim/netdevsim22, eswitch: switchdev}
  - {name: pf1, device: netdevsim/netdevsim23, eswitch: switchdev}"
	printf 'version: 1\n%s\ntc:\n  rules:\n    - {name: web, dev: pf0, prio: 10, match: {eth_type: ipv4, dst_ip: 10.0.0.3/32}, actions: [drop]}\n' \
		"$pfs" >"$WORK/move1.yaml"
	printf 'version: 1\n%s\nbonds:\n  - {name: bond2, mode: active-backup, members: [pf0, pf1]}\ntc:\n  rules:\n    - {name: web, dev: bond2, prio: 10, match: {eth_type: ipv4, dst_ip: 10.0.0.3/32}, actions: [drop]}\n' \
		"$pfs" >"$WORK/move2.yaml"
	out=$("$CTL" -c "$WORK/move1.yaml" apply 2>&1)
	check_err $? "apply with the rule on pf0 failed: $out"
	[[ $(owned_summary dev "$(nsim_uplink 22)" ingress | wc -l) == 1 ]]
	check_err $? "the rule is not on pf0's uplink: $(owned_summary dev "$(nsim_uplink 22)" ingress)"
	out=$("$CTL" -c "$WORK/move2.yaml" apply 2>&1)
	check_err $? "apply moving the rule to the bond failed: $out"
	log_info "$(grep tc-sync <<<"$out")"
	where=$(where_of bond2)
	[[ $where == block* && $(owned_summary $where | wc -l) == 1 ]]
	check_err $? "the rule is not on bond2's block ($where): $(owned_summary $where); apply said: $out"
	out=$("$CTL" -c "$WORK/move2.yaml" plan 2>&1)
	check_err $? "not in sync after one apply: $out"
	log_test "a rule moved from an uplink to the bond it joins: one apply, the rule on the bond's block"
}

# pf_bridge_yaml NSIM BRIDGE: the head of a config: hw-offload on, one
# switchdev PF (netdevsimNSIM) with 2 VFs, BRIDGE with its uplink and VF 0's
# representor. 6 lines.
pf_bridge_yaml() {
	printf 'version: 1\novs: {hw_offload: true}\npfs:\n'
	printf '  - {name: pf0, device: netdevsim/netdevsim%s, eswitch: switchdev, num_vfs: 2}\n' "$1"
	printf 'bridges:\n  - {name: %s, uplink: pf0, representors: [pf0/0]}\n' "$2"
}

# ------------------------------------------------ ovs-vswitchd not running

# owned_count_on NETDEV: how many owned filters its ingress holds.
owned_count_on() {
	owned_summary dev "$1" ingress | grep -c .
}

# Rules written while ovs-vswitchd is not running: it starts with hw-offload
# on and replaces the ingress qdisc of each port it opens (OVS 3.1
# netdev_tc_init_flow_api()), taking the rules of a representor on a bridge
# with it; one on no bridge keeps its own. apply says so in a note, and the
# next apply, with ovs-vswitchd running, puts them back without it.
rules_while_vswitchd_down() {
	local out pid
	local -a R
	RET=0
	nsim_new 14 1 || fail_hard "netdevsim setup failed"
	ovs_start || fail_hard "cannot start Open vSwitch"
	DB="unix:$(ovs_db_sock)"
	{
		pf_bridge_yaml 14 br-down
		cat <<-'Y'
		tc:
		  rules:
		    - {name: r0, dev: pf0/0, prio: 10, match: {eth_type: ipv4, dst_ip: 10.9.0.1/32}, actions: [drop]}
		    - {name: r1, dev: pf0/1, prio: 10, match: {eth_type: ipv4, dst_ip: 10.9.0.2/32}, actions: [drop]}
		Y
	} >"$WORK/down.yaml"
	pid=$(ovs_vswitchd_pid)
	ovs-appctl -T 10 -t ovs-vswitchd exit >/dev/null 2>&1 && wait_for 10 _oo_pid_gone "$pid"
	check_err $? "cannot stop ovs-vswitchd"
	out=$(ctl -c "$WORK/down.yaml" apply 2>&1)
	check_err $? "apply with ovs-vswitchd stopped failed: $out"
	grep -q "^note: ovs-vswitchd: not running: .* the tc rules of pf0/vf0 go with it" <<<"$out"
	check_err $? "no note on the rules ovs-vswitchd will take: $out"
	mapfile -t R < <(nsim_vf_reps 14)
	[[ ${#R[@]} == 2 && $(owned_count_on "${R[0]}") == 1 && $(owned_count_on "${R[1]}") == 1 ]]
	check_err $? "the rules are not written: ${R[*]}: $(owned_summary dev "${R[0]}" ingress) / $(owned_summary dev "${R[1]}" ingress)"

	ovs-vswitchd "unix:$(ovs_db_sock)" --pidfile --detach --no-chdir --log-file \
		2>>"$OVS_LOGDIR/ovs-vswitchd.stderr" && ovs-vsctl --timeout=30 --db="$DB" br-exists br-down
	check_err $? "cannot start ovs-vswitchd again"
	wait_for 30 eval '(($(owned_count_on "${R[0]}") == 0))'
	check_err $? "ovs-vswitchd started, and the rule on ${R[0]} (a port of br-down) is still there"
	[[ $(owned_count_on "${R[1]}") == 1 ]]
	check_err $? "the rule on ${R[1]} (on no bridge) is gone"
	log_info "ovs-vswitchd started: $(grep -c "added ingress qdisc to ${R[0]}" "$OVS_LOGDIR/ovs-vswitchd.log") ingress qdisc(s) added to ${R[0]}"

	out=$(ctl -c "$WORK/down.yaml" apply 2>&1)
	check_err $? "apply with ovs-vswitchd running failed: $out"
	! grep -q "^note: ovs-vswitchd" <<<"$out" && [[ $(owned_count_on "${R[0]}") == 1 ]]
	check_err $? "the second apply: $out"
	log_test "rules written while ovs-vswitchd is down: said, lost on the ports it opens, put back by the next apply"
}


# ------------------------------------------------------------ OVS's prios

# ovs_filters_at DEV PRIO: OVS's filters in chain 0 at PRIO of DEV's ingress,
# as "protocol" lines.
ovs_filters_at() {
	filters dev "$1" ingress | jq -r --arg magic "$OUR_MAGIC" --argjson p "$2" \
		"$JQ_DEFS"'.[] | select(owner == "ovs" and .chain == 0 and .pref == $p) | .protocol'
}

# A rule at OVS's IPv4 prio (2) with another protocol, on a port OVS
# offloads to. First the fact, on the real kernel and ovs-vswitchd: a
# foreign ARP filter at prio 2 makes the offload of an IPv4 flow there fail,
# and the flow goes to the kernel datapath. Then the controller refuses such
# a rule before touching anything: `check` on its own bridge's port, the
# plan on a port an admin attached; at prio 4 the same rule goes in, and
# OVS's IPv4 flows still reach tc.
rule_at_ovs_prio() {
	local out rc up log
	local -a R
	RET=0
	nsim_new 15 1 || fail_hard "netdevsim setup failed"
	ovs_start hw-offload=true || fail_hard "cannot start Open vSwitch"
	DB="unix:$(ovs_db_sock)"
	pf_bridge_yaml 15 br-prio >"$WORK/prio0.yaml"
	apply_ok "$WORK/prio0.yaml"
	check_err $? "the base apply failed" || { log_test "rule at OVS's prio: setup"; return; }
	mapfile -t R < <(nsim_vf_reps 15)
	up=$(nsim_uplink 15)
	log=$OVS_LOGDIR/ovs-vswitchd.log
	pause_revalidators

	# 1. The fact.
	tc filter add dev "${R[0]}" ingress protocol arp pref 2 flower action drop
	check_err $? "tc filter add (foreign, arp at prio 2) failed"
	ovs_flow "${R[0]}" "$up" 1
	check_err $? "ovs-appctl dpctl/add-flow failed"
	[[ -z $(ovs_filters_at "${R[0]}" 2) ]] &&
		ovs-appctl -T 5 dpctl/dump-flows type=ovs | grep -q "src=10.9.1.1"
	check_err $? "OVS's IPv4 flow went to tc beside an ARP filter at prio 2: $(ovs_filters_at "${R[0]}" 2)"
	log_info "ovs-vswitchd: $(grep "failed to offload flow" "$log" | tail -n 1 | sed 's/.*|//')"
	out=$(ctl doctor --json | jq -c '[.findings[] | select(.check == "ovs-prio") | [.level, .object, .message]]')
	grep -q "^\[\[\"warning\",\"${R[0]}\",\"a flower filter of protocol arp (foreign) holds prio 2 of dev ${R[0]} ingress, OVS port ${R[0]}: " <<<"$out"
	check_err $? "doctor does not name the ARP filter at prio 2: $out"
	tc filter del dev "${R[0]}" ingress protocol arp pref 2 flower
	ovs_flow "${R[0]}" "$up" 2
	[[ $(ovs_filters_at "${R[0]}" 2) == ip ]]
	check_err $? "without the ARP filter, OVS's IPv4 flow is not at prio 2: $(filters dev "${R[0]}" ingress)"
	out=$(ctl doctor --json | jq -c '[.findings[] | select(.check == "ovs-prio") | .level]')
	[[ $out == '["ok"]' ]]
	check_err $? "doctor after the ARP filter went, with OVS's own at prio 2: $out"
	log_test "a filter of another protocol at prio 2 makes OVS's IPv4 offload on that port fail; doctor says so"

	# 2. On the config's own bridge port, with hw_offload true: check refuses.
	RET=0
	{
		pf_bridge_yaml 15 br-prio
		printf 'tc:\n  rules:\n'
		printf '    - {name: arp-in, dev: pf0/0, prio: 2, match: {eth_type: arp}, actions: [drop]}\n'
	} >"$WORK/prio1.yaml"
	out=$(ctl -c "$WORK/prio1.yaml" check 2>&1); rc=$?
	[[ $rc == 2 ]] && grep -q "prio1.yaml:9:[0-9]*: tc.rules\[0\].prio: rule 'arp-in' on pf0/0, a bridge port with ovs.hw_offload true, takes prio 2 with eth_type arp: OVS puts the tc filters of its IPv4 flows at prio 2" <<<"$out"
	check_err $? "check: exit $rc: $out"
	out=$(ctl -c "$WORK/prio1.yaml" apply 2>&1); rc=$?
	[[ $rc == 2 && $(owned_count_on "${R[0]}") == 0 ]]
	check_err $? "apply: exit $rc, owned filters on ${R[0]}: $(owned_count_on "${R[0]}"): $out"
	log_test "a rule at OVS's IPv4 prio on the config's bridge port: refused by check, nothing touched"

	# 3. On a port an admin attached, hw-offload left to the host: the plan
	# blocks; at prio 4 it goes in, and OVS's IPv4 flows there still reach tc.
	RET=0
	ovs-vsctl --timeout=30 --db="$DB" add-br br-admin -- add-port br-admin "${R[1]}"
	check_err $? "ovs-vsctl add-br/add-port failed"
	sed -e '/hw_offload/d' -e 's|dev: pf0/0|dev: pf0/1|' "$WORK/prio1.yaml" >"$WORK/prio2.yaml"
	out=$(ctl -c "$WORK/prio2.yaml" plan 2>&1); rc=$?
	[[ $rc == 1 ]] && grep -q "pf0/vf1: tc rule 'arp-in' takes OVS's prio 2 with eth_type arp on ${R[1]}, an OVS port with hw-offload on" <<<"$out"
	check_err $? "plan: exit $rc: $out"
	out=$(ctl -c "$WORK/prio2.yaml" apply 2>&1); rc=$?
	[[ $rc == 1 && $(owned_count_on "${R[1]}") == 0 ]] &&
		ovs-vsctl --db="$DB" port-to-br "${R[1]}" | grep -qx br-admin
	check_err $? "apply: exit $rc, owned filters on ${R[1]}: $(owned_count_on "${R[1]}"): $out"
	sed 's/prio: 2,/prio: 4,/' "$WORK/prio2.yaml" >"$WORK/prio3.yaml"
	apply_ok "$WORK/prio3.yaml" && [[ $(owned_count_on "${R[1]}") == 1 ]]
	check_err $? "the rule at prio 4 did not go in: $(owned_summary dev "${R[1]}" ingress)"
	ovs_flow "${R[1]}" "$up" 3
	[[ $(ovs_filters_at "${R[1]}" 2) == ip ]]
	check_err $? "OVS's IPv4 flow is not at prio 2 beside the rule at prio 4: $(filters dev "${R[1]}" ingress)"
	log_test "a rule at OVS's IPv4 prio on an admin's OVS port: the plan blocks, nothing touched; at prio 4 it coexists"
}

# VF-LAG on OVS with hw-offload and no tc rules of the config's: the bond
# and its members on one shared block, where OVS offloads the bond's flows.
# OVS binds a member only on a link event of the member's after it opened
# the bond; a member that lost the block (its qdisc deleted; in the field,
# after ovs-vswitchd restarts) stays off it, and traffic in on that uplink
# passes the block's filters by: the plan puts it back.
bond_block_no_rules() {
	local where m0 m1 pid out rc n
	RET=0
	nsim_new 10 1 && nsim_new 11 1 || fail_hard "netdevsim setup failed"
	defer del_link bond0
	ovs_start || fail_hard "cannot start Open vSwitch"
	DB="unix:$(ovs_db_sock)"
	vflag_config | sed '/^tc:/,$d' >"$WORK/norules.yaml"
	apply_ok "$WORK/norules.yaml"
	check_err $? "apply failed"
	m0=$(nsim_uplink 10) m1=$(nsim_uplink 11)
	where=$(where_of bond0)
	[[ $where == block* && $(where_of "$m0") == "$where" && $(where_of "$m1") == "$where" ]]
	check_err $? "not on one block: bond0 $where, $m0 $(where_of "$m0"), $m1 $(where_of "$m1")"
	log_test "VF-LAG without rules: bond0 and its members on one shared block after apply"

	# ovs-vswitchd restarted: it binds the bond again, and nothing is moved.
	RET=0
	n=$(grep -c "added ingress qdisc to bond0" "$OVS_LOGDIR/ovs-vswitchd.log")
	pid=$(ovs_vswitchd_pid)
	ovs-appctl -T 10 -t ovs-vswitchd exit >/dev/null 2>&1 && wait_for 10 _oo_pid_gone "$pid"
	check_err $? "cannot stop ovs-vswitchd"
	ovs-vswitchd "unix:$(ovs_db_sock)" --pidfile --detach --no-chdir --log-file \
		2>>"$OVS_LOGDIR/ovs-vswitchd.stderr" && ovs-vsctl --timeout=30 --db="$DB" br-exists br-offload
	check_err $? "cannot start ovs-vswitchd again"
	wait_for 30 eval '(($(grep -c "added ingress qdisc to bond0" "$OVS_LOGDIR/ovs-vswitchd.log") > n))'
	check_err $? "ovs-vswitchd did not make bond0's ingress qdisc again"
	[[ $(where_of bond0) == "$where" && $(where_of "$m0") == "$where" && $(where_of "$m1") == "$where" ]]
	check_err $? "after the restart: bond0 $(where_of bond0), $m0 $(where_of "$m0"), $m1 $(where_of "$m1")"
	out=$(ctl -c "$WORK/norules.yaml" plan 2>&1)
	check_err $? "plan after the restart: $out"
	log_test "VF-LAG without rules: after an ovs-vswitchd restart, the block is OVS's again and the plan is in sync"

	RET=0
	tc qdisc del dev "$m1" ingress
	check_err $? "cannot delete $m1's ingress qdisc"
	out=$(ctl -c "$WORK/norules.yaml" plan 2>&1); rc=$?
	[[ $rc == 3 ]] && grep -q "bond0: tc-sync .*(bond member $m1 is not on the bond's shared block ${where#block }:" <<<"$out"
	check_err $? "plan: exit $rc: $out"
	apply_ok "$WORK/norules.yaml"
	check_err $? "apply failed"
	[[ $(where_of "$m1") == "$where" && $(where_of "$m0") == "$where" && $(where_of bond0) == "$where" ]]
	check_err $? "after apply: bond0 $(where_of bond0), $m0 $(where_of "$m0"), $m1 $(where_of "$m1")"
	out=$(ctl -c "$WORK/norules.yaml" plan 2>&1)
	check_err $? "not in sync after apply: $out"
	log_test "VF-LAG without rules: a member that lost the bond's block is put back on it"

	# A member on a clsact of someone's: not ours to replace; noted, and
	# the plan stays in sync rather than failing at every run.
	RET=0
	tc qdisc del dev "$m1" ingress && tc qdisc add dev "$m1" clsact
	check_err $? "cannot give $m1 a clsact qdisc"
	out=$(ctl -c "$WORK/norules.yaml" plan 2>&1); rc=$?
	[[ $rc == 0 ]] && grep -q "bond member $m1 is not on the bond's shared block ${where#block }, .* clsact qdisc" <<<"$out"
	check_err $? "plan: exit $rc: $out"
	out=$(ctl -c "$WORK/norules.yaml" apply 2>&1)
	check_err $? "apply: $out"
	[[ $(tc -j qdisc show dev "$m1" clsact | jq -r '.[0].kind') == clsact ]]
	check_err $? "$m1's clsact is gone: $(tc qdisc show dev "$m1")"
	tc qdisc del dev "$m1" clsact
	log_test "VF-LAG without rules: a member on someone's clsact is noted and left alone"
}

tests_run
