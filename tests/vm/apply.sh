#!/usr/bin/env bash
# ovs-offloadctl apply against the real kernel (netdevsim): the device layer
# converges to the config in the hardware's order, the bridges' ports go up, a second apply and plan find
# nothing to do, drift is repaired, what the config does not name is left alone,
# a run killed half-way converges when run again, and two applies at once
# take turns (the host lock) instead of failing on each other's steps; a tc
# rule that redirects to a VF made in the same run joins its uplink's rules
# instead of costing them. Read back with devlink -j, ip -j -d link and tc -j.
ALL_TESTS="apply_single_pf apply_legacy_vf_settings apply_many_vfs apply_vflag apply_drift apply_foreign_untouched apply_killed apply_concurrent apply_lock_held apply_inline_refused apply_param_refused apply_binds_after_failure apply_rechecks_since_plan apply_tc_redirect_new_vf apply_tc_same_match_refused apply_json apply_vswitchd_paused apply_links_up apply_representor_ipv6"
. "$(dirname "$(readlink -f "$0")")/lib.sh"

CTL=${OO_BUILD:-build}/ovs-offloadctl
require_cmd jq
[[ -x $CTL ]] || fail_hard "$CTL not built: run scripts/build.sh"
CFG=$(mktemp /tmp/oo-apply.XXXXXX.yaml)
defer rm -f "$CFG"

# plan_rc: the exit status of plan on $CFG (0 in sync, 3 pending).
plan_rc() {
	"$CTL" -c "$CFG" plan >/tmp/oo-plan.out 2>&1
	echo $?
}

apply_ok() {
	"$CTL" -c "$CFG" apply >/tmp/oo-apply.out 2>&1
	local rc=$?
	cat /tmp/oo-apply.out
	return $rc
}

# vf_json DEV N: the PF netdev's vfinfo entry for VF N (ip -j -d link).
vf_json() {
	ip -j -d link show dev "$1" | jq -c --argjson n "$2" '.[0].vfinfo_list[] | select(.vf == $n)'
}

# single_pf_config: netdevsim10 in switchdev with 4 VFs and settings on two
# of them (rates on a switchdev PF go through devlink rate leaves).
single_pf_config() {
	cat >"$CFG" <<-'Y'
	version: 1
	pfs:
	  - name: pf0
	    device: netdevsim/netdevsim10
	    eswitch: switchdev
	    num_vfs: 4
	    vfs:
	      - {id: 1, mac: "02:00:00:00:00:11", vlan: 0}
	      - {id: 2, max_tx_rate: 2000, min_tx_rate: 100}
	Y
}

apply_single_pf() {
	RET=0
	nsim_new 10 1 || fail_hard "netdevsim"
	single_pf_config
	[[ $(plan_rc) == 3 ]]
	check_err $? "plan should exit 3 with changes pending: $(cat /tmp/oo-plan.out)"
	apply_ok
	check_err $? "apply failed"
	[[ $(nsim_eswitch_mode 10) == switchdev && $(nsim_num_vfs 10) == 4 ]]
	check_err $? "not switchdev with 4 VFs: $(nsim_eswitch_mode 10) $(nsim_num_vfs 10)"
	[[ $(nsim_vf_reps 10 | wc -l) == 4 ]]
	check_err $? "4 representors expected"
	local up v
	up=$(nsim_uplink 10)
	v=$(vf_json "$up" 1)
	[[ $(jq -r '"\(.address) \(.vlan_list[0].vlan // 0)"' <<<"$v") == "02:00:00:00:00:11 0" ]]
	check_err $? "VF 1 settings not read back: $v"
	# Rates on a switchdev PF are devlink rate leaves (bytes/s): 2000 Mbit = 250000000 B/s.
	local rate
	rate=$(devlink -j port function rate show | jq -c '.rate["netdevsim/netdevsim10/130"] // empty')
	[[ $(jq -r '"\(.tx_max) \(.tx_share)"' <<<"$rate") == "250000000 12500000" ]]
	check_err $? "devlink rate of VF 2 wrong: $rate"
	[[ $(plan_rc) == 0 ]]
	check_err $? "plan after apply should be in sync: $(cat /tmp/oo-plan.out)"
	apply_ok | grep -q "in sync: nothing to do"
	check_err $? "a second apply should do nothing"
	log_test "single PF: legacy, 0 VFs -> switchdev, 4 VFs, VF settings and devlink rates"
}

apply_legacy_vf_settings() {
	RET=0
	nsim_new 11 1 || fail_hard "netdevsim"
	cat >"$CFG" <<-'Y'
	version: 1
	pfs:
	  - name: pf1
	    device: netdevsim/netdevsim11
	    eswitch: legacy
	    num_vfs: 3
	    vfs:
	      - {id: 0, link_state: disable, max_tx_rate: 1000, min_tx_rate: 100, spoofchk: true}
	Y
	apply_ok
	check_err $? "apply failed"
	local v
	v=$(vf_json "$(nsim_uplink 11)" 0)
	[[ $(jq -r '"\(.link_state) \(.rate.max_tx) \(.rate.min_tx) \(.spoofchk)"' <<<"$v") == "disable 1000 100 true" ]]
	check_err $? "legacy VF 0 settings not read back: $v"
	[[ $(plan_rc) == 0 ]]
	check_err $? "plan after apply should be in sync: $(cat /tmp/oo-plan.out)"
	log_test "legacy PF: link state and rates through IFLA_VF"
}

# A PF with 400 VFs: its link message is over 64 KiB, and Linux 6.1 reports
# its VF list's length modulo 64 KiB (ip link show reads 178 VFs of it and
# says "Truncated VF list"). apply sets VFs 3 and 399 and then finds the host
# in sync; VF 399 changed behind its back (by ip, which can still set it) is
# seen as drift and put back.
apply_many_vfs() {
	RET=0
	nsim_new 12 1 && nsim_set_max_vfs 12 400 || fail_hard "netdevsim12 with max_vfs 400"
	cat >"$CFG" <<-'Y'
	version: 1
	pfs:
	  - name: pf2
	    device: netdevsim/netdevsim12
	    eswitch: legacy
	    num_vfs: 400
	    vfs:
	      - {id: 3, mac: "02:00:00:00:04:03", trust: true}
	      - {id: 399, mac: "02:00:00:00:04:99", vlan: 399, trust: true}
	Y
	apply_ok
	check_err $? "apply failed"
	local up v
	up=$(nsim_uplink 12)
	[[ $(nsim_num_vfs 12) == 400 ]]
	check_err $? "400 VFs expected, not $(nsim_num_vfs 12)"
	v=$(vf_json "$up" 3)
	[[ $(jq -r '"\(.address) \(.trust)"' <<<"$v") == "02:00:00:00:04:03 true" ]]
	check_err $? "VF 3 settings not read back: $v"
	[[ $(plan_rc) == 0 ]]
	check_err $? "plan after apply should be in sync: $(cat /tmp/oo-plan.out)"
	ip link set "$up" vf 399 mac 02:00:00:00:04:98 || fail_hard "ip link set vf 399 failed"
	[[ $(plan_rc) == 3 ]] && grep -q "399" /tmp/oo-plan.out
	check_err $? "plan should find VF 399's MAC changed: $(cat /tmp/oo-plan.out)"
	apply_ok
	check_err $? "apply after the drift failed"
	[[ $(plan_rc) == 0 ]]
	check_err $? "plan after the repair should be in sync: $(cat /tmp/oo-plan.out)"
	log_test "legacy PF with 400 VFs (link message over 64 KiB, VF list length wrapped)"
}

apply_vflag() {
	local mode ok=0
	nsim_new 20 1 && nsim_new 21 1 || fail_hard "netdevsim"
	for mode in active-backup balance-xor 802.3ad; do
		RET=0
		local extra=""
		[[ $mode == balance-xor ]] && extra=", xmit_hash_policy: layer3+4"
		[[ $mode == 802.3ad ]] && extra=", xmit_hash_policy: layer2+3, lacp_rate: fast"
		[[ $mode == active-backup ]] && extra=", primary: pf1"
		cat >"$CFG" <<-Y
		version: 1
		pfs:
		  - {name: pf0, device: netdevsim/netdevsim20, eswitch: switchdev, num_vfs: 2}
		  - {name: pf1, device: netdevsim/netdevsim21, eswitch: switchdev, num_vfs: 2}
		bonds:
		  - {name: oobond, mode: $mode, members: [pf0, pf1], miimon: 100$extra}
		Y
		apply_ok
		check_err $? "apply failed for $mode"
		# wait-lag found both uplinks in the bond (sysfs master links) and,
		# netdevsim keeping no LAG state, did not wait.
		[[ $mode != active-backup ]] ||
			grep -q "wait-lag.*ok (.*2 PF members, whose driver keeps no LAG state: not waiting" /tmp/oo-apply.out
		check_err $? "wait-lag's progress line: $(grep wait-lag /tmp/oo-apply.out)"
		local j
		j=$(ip -j -d link show dev oobond)
		[[ $(jq -r '.[0].linkinfo.info_data.mode' <<<"$j") == "$mode" ]]
		check_err $? "bond mode: $(jq -c '.[0].linkinfo.info_data' <<<"$j")"
		[[ $(jq -r '.[0].ifalias' <<<"$j") == "managed by ovs-offload" ]]
		check_err $? "bond lacks the ownership alias"
		for id in 20 21; do
			[[ $(ip -j link show dev "$(nsim_uplink $id)" | jq -r '.[0].master') == oobond ]]
			check_err $? "$(nsim_uplink $id) not enslaved for $mode"
		done
		[[ $mode != balance-xor ]] || [[ $(jq -r '.[0].linkinfo.info_data.xmit_hash_policy' <<<"$j") == layer3+4 ]]
		check_err $? "xmit_hash_policy for $mode: $(jq -c '.[0].linkinfo.info_data' <<<"$j")"
		[[ $mode != 802.3ad ]] || [[ $(jq -r '.[0].linkinfo.info_data.ad_lacp_rate' <<<"$j") == fast ]]
		check_err $? "lacp_rate for $mode: $(jq -c '.[0].linkinfo.info_data' <<<"$j")"
		[[ $mode != active-backup ]] || [[ $(jq -r '.[0].linkinfo.info_data.primary' <<<"$j") == "$(nsim_uplink 21)" ]]
		check_err $? "primary for $mode: $(jq -c '.[0].linkinfo.info_data' <<<"$j")"
		[[ $(plan_rc) == 0 ]]
		check_err $? "plan after apply ($mode) not in sync: $(cat /tmp/oo-plan.out)"
		log_test "VF-LAG over two netdevsim PFs: $mode"
	done
	# Drift: the bond's mode changed by hand (the kernel wants it down and empty).
	RET=0
	ip link set oobond down
	ip link set "$(nsim_uplink 20)" nomaster
	ip link set "$(nsim_uplink 21)" nomaster
	ip link set oobond type bond mode active-backup
	ip link set oobond up
	"$CTL" -c "$CFG" plan | grep -q "oobond: bond-set mode active-backup -> mode 802.3ad"
	check_err $? "plan does not show the bond mode repair: $("$CTL" -c "$CFG" plan)"
	apply_ok >/dev/null
	check_err $? "apply did not repair the bond"
	[[ $(ip -j -d link show dev oobond | jq -r '.[0].linkinfo.info_data.mode') == 802.3ad ]]
	check_err $? "bond mode not repaired"
	[[ $(plan_rc) == 0 ]]
	check_err $? "plan after the bond repair not in sync: $(cat /tmp/oo-plan.out)"
	log_test "drift: bond mode changed by hand is repaired"
	ip link del oobond 2>/dev/null
	nsim_del 20; nsim_del 21
}

apply_drift() {
	RET=0
	nsim_new 10 1 || fail_hard "netdevsim"
	single_pf_config
	apply_ok >/dev/null || { check_err 1 "initial apply failed"; log_test "drift"; return; }
	# Eswitch mode changed by hand.
	devlink dev eswitch set netdevsim/netdevsim10 mode legacy
	"$CTL" -c "$CFG" plan | grep -q "pf0: eswitch-mode legacy -> switchdev"
	check_err $? "plan does not show the eswitch repair"
	apply_ok >/dev/null && [[ $(nsim_eswitch_mode 10) == switchdev ]]
	check_err $? "eswitch mode not repaired"
	# VF MAC changed by hand.
	ip link set "$(nsim_uplink 10)" vf 1 mac 02:00:00:00:00:99
	"$CTL" -c "$CFG" plan | grep -q "pf0/vf1: vf-mac 02:00:00:00:00:99 -> 02:00:00:00:00:11"
	check_err $? "plan does not show the MAC repair: $("$CTL" -c "$CFG" plan)"
	apply_ok >/dev/null
	[[ $(vf_json "$(nsim_uplink 10)" 1 | jq -r .address) == 02:00:00:00:00:11 ]]
	check_err $? "MAC not repaired"
	# VF count changed by hand (through 0; in switchdev netdevsim falls back to legacy).
	echo 0 >/sys/bus/netdevsim/devices/netdevsim10/sriov_numvfs
	echo 2 >/sys/bus/netdevsim/devices/netdevsim10/sriov_numvfs
	"$CTL" -c "$CFG" plan | grep -q "pf0: num-vfs 2 -> 0"
	check_err $? "plan does not show the VF count repair: $("$CTL" -c "$CFG" plan)"
	apply_ok >/dev/null
	[[ $(nsim_num_vfs 10) == 4 && $(nsim_eswitch_mode 10) == switchdev ]]
	check_err $? "VF count or mode not repaired: $(nsim_num_vfs 10) $(nsim_eswitch_mode 10)"
	[[ $(plan_rc) == 0 ]]
	check_err $? "plan after repairs not in sync: $(cat /tmp/oo-plan.out)"
	log_test "drift (eswitch mode, VF MAC, VF count) is shown by plan and repaired by apply"
}

apply_foreign_untouched() {
	RET=0
	# Someone else's bond, someone else's VF setting on a PF the config does not name.
	nsim_new 10 1 && nsim_new 30 1 || fail_hard "netdevsim"
	nsim_set_vfs 30 2 || fail_hard "cannot make netdevsim30's VFs"
	cat >"$CFG" <<-'Y'
	version: 1
	pfs:
	  - {name: pf0, device: netdevsim/netdevsim10, eswitch: switchdev, num_vfs: 2}
	Y
	ip link add theirbond type bond mode active-backup || fail_hard "cannot make theirbond"
	defer ip link del theirbond
	ip link set "$(nsim_uplink 30)" vf 0 mac 02:aa:00:00:00:01 || fail_hard "cannot set netdevsim30's VF 0 MAC"
	local before after
	before=$(ip -j -d link show dev theirbond | jq -c '.[0] | {linkinfo, ifalias}')$(vf_json "$(nsim_uplink 30)" 0)$(nsim_eswitch_mode 30)
	# What is compared must be there: an empty read would equal an empty read.
	[[ $before == *'"active-backup"'* && $before == *'02:aa:00:00:00:01'* ]]
	check_err $? "the foreign setup does not read back: $before"
	apply_ok >/dev/null
	check_err $? "apply failed"
	after=$(ip -j -d link show dev theirbond | jq -c '.[0] | {linkinfo, ifalias}')$(vf_json "$(nsim_uplink 30)" 0)$(nsim_eswitch_mode 30)
	[[ $before == "$after" ]]
	check_err $? "something the config does not name changed: $before -> $after"
	log_test "a foreign bond, VF setting and PF are left exactly as they were"
}

# two_pf_bond_config ID0 ID1 BOND: netdevsim ID0 and ID1 in switchdev with 4
# VFs each (a VF MAC on the first) and a balance-xor bond BOND over them.
two_pf_bond_config() {
	cat >"$CFG" <<-Y
	version: 1
	pfs:
	  - {name: pf0, device: netdevsim/netdevsim$1, eswitch: switchdev, num_vfs: 4,
	     vfs: [{id: 3, mac: "02:00:00:00:00:33"}]}
	  - {name: pf1, device: netdevsim/netdevsim$2, eswitch: switchdev, num_vfs: 4}
	bonds:
	  - {name: $3, mode: balance-xor, members: [pf0, pf1], xmit_hash_policy: layer3+4}
	Y
}

apply_killed() {
	RET=0
	local k n converged=0 runs=0 halfway=0 pid line fifo=/tmp/oo-kill.fifo
	two_pf_bond_config 40 41 killbond
	# Killed as step k of n ends (its progress line ends then), read through
	# a pipe: kills timed by the clock landed after the end (apply is quick).
	nsim_new 40 1 && nsim_new 41 1 || fail_hard "netdevsim"
	n=$("$CTL" -c "$CFG" --json plan | jq '.steps | length')
	nsim_del 40; nsim_del 41
	((n >= 6)) || fail_hard "the plan has '$n' steps: too few to kill it halfway"
	rm -f "$fifo" && mkfifo "$fifo" || fail_hard "mkfifo $fifo"
	defer rm -f "$fifo"
	for k in 1 $((n / 4)) $((n / 2)) $((3 * n / 4)) $((n - 2)); do
		nsim_new 40 1 && nsim_new 41 1 || fail_hard "netdevsim"
		"$CTL" -c "$CFG" apply >"$fifo" 2>&1 &
		pid=$!
		while IFS= read -r line; do
			[[ $line == "[$k/$n]"* ]] && { kill -KILL $pid 2>/dev/null; break; }
		done <"$fifo"
		# Killed while it ran, not a zombie that had finished.
		wait $pid 2>/dev/null
		(($? == 137)) && runs=$((runs + 1))
		# Killed with step k done (its line ended) and something left: the
		# case at stake.
		[[ $(plan_rc) == 3 ]] && halfway=$((halfway + 1))
		if apply_ok >/dev/null && [[ $(plan_rc) == 0 ]]; then
			converged=$((converged + 1))
		else
			check_err 1 "no convergence after a kill at step $k of $n: $(cat /tmp/oo-apply.out)"
		fi
		ip link del killbond 2>/dev/null
		nsim_del 40; nsim_del 41
	done
	log_info "$converged runs converged on the next apply; $runs of them were killed running, $halfway halfway" \
		"(after steps 1, $((n / 4)), $((n / 2)), $((3 * n / 4)), $((n - 2)) of $n)"
	((runs >= 4 && halfway >= 3))
	check_err $? "kills landed running in $runs of 5 runs, halfway in $halfway: the test tested too little"
	log_test "apply killed with SIGKILL at several points: the next run converges"
}

# Two applies started together from a clean host (a host agent and an admin,
# say) both succeed and leave it in sync: the second waits for the first and
# finds little or nothing to do. Without the host lock, one of the two failed
# on every try ("ip link add type bond: File exists").
apply_concurrent() {
	RET=0
	local i r1 r2 waited=0
	two_pf_bond_config 60 61 lockbond
	for i in 1 2 3; do
		nsim_new 60 1 && nsim_new 61 1 || fail_hard "netdevsim"
		"$CTL" -c "$CFG" apply >/tmp/oo-apply-a.out 2>&1 &
		local p1=$!
		"$CTL" -c "$CFG" apply >/tmp/oo-apply-b.out 2>&1 &
		local p2=$!
		wait $p1; r1=$?
		wait $p2; r2=$?
		[[ $r1 == 0 && $r2 == 0 ]]
		check_err $? "run $i: apply exited $r1 and $r2: $(cat /tmp/oo-apply-a.out /tmp/oo-apply-b.out)"
		[[ $(plan_rc) == 0 ]]
		check_err $? "run $i: not in sync after both: $(cat /tmp/oo-plan.out)"
		cat /tmp/oo-apply-a.out /tmp/oo-apply-b.out | grep -q "waiting for ovs-offloadctl apply (pid" &&
			waited=$((waited + 1))
		ip link del lockbond 2>/dev/null
		nsim_del 60; nsim_del 61
	done
	log_info "in $waited of 3 runs one apply waited for the other"
	((waited > 0))
	check_err $? "in no run did one apply wait for the other: the two never overlapped"
	log_test "two applies at once take turns and both succeed"
}

# While another writer holds the lock (here a script, with flock(1)), apply
# --lock-timeout 0 changes nothing and says who holds it (with -j, as a
# "locked" document; a config with errors exits 2 as such); apply with time
# to wait says it waits, then converges once the lock is released. The
# holder keeps the lock until the waiting apply has said it waits (a fifo
# releases it), not for a guessed time.
apply_lock_held() {
	RET=0
	local holder waiter t0 t1 released fifo=/tmp/oo-lock-release
	nsim_new 60 1 && nsim_new 61 1 || fail_hard "netdevsim"
	two_pf_bond_config 60 61 lockbond
	mkdir -p /run/ovs-offload
	rm -f /tmp/oo-lock-released /tmp/oo-lock-held "$fifo"
	mkfifo "$fifo"
	# The holder says when it holds the lock, and notes the time just
	# before it lets go.
	flock /run/ovs-offload/lock sh -c "touch /tmp/oo-lock-held; read _ <$fifo; date +%s%N >/tmp/oo-lock-released" &
	holder=$!
	wait_for 10 test -e /tmp/oo-lock-held || fail_hard "flock did not take /run/ovs-offload/lock"
	"$CTL" -c "$CFG" --lock-timeout 0 apply >/tmp/oo-apply.out 2>&1
	[[ $? == 1 ]]
	check_err $? "apply --lock-timeout 0 should fail while the lock is held: $(cat /tmp/oo-apply.out)"
	grep -q "another process is changing the host (it holds /run/ovs-offload/lock): nothing was done" /tmp/oo-apply.out
	check_err $? "the refusal does not say why: $(cat /tmp/oo-apply.out)"
	"$CTL" -c "$CFG" --lock-timeout 0 apply -j >/tmp/oo-apply.json 2>/dev/null
	[[ $? == 1 ]]
	check_err $? "apply -j --lock-timeout 0 should fail while the lock is held"
	jq -e '.result == "locked" and .holder == "another process" and .plan == null
		and .failed == null and .steps_done == 0' /tmp/oo-apply.json >/dev/null
	check_err $? "apply -j does not answer 'locked': $(cat /tmp/oo-apply.json)"
	# A config with errors is said to be one, not hidden behind the lock.
	printf 'version: 1\npfs:\n  - {name: pf0, netdev: e0, num_vfs: -1}\n' >/tmp/oo-bad.yaml
	"$CTL" -c /tmp/oo-bad.yaml --lock-timeout 0 apply >/tmp/oo-apply.out 2>&1
	[[ $? == 2 ]] && grep -q "oo-bad.yaml:3:38: pfs\[0\].num_vfs: -1 is out of range" /tmp/oo-apply.out
	check_err $? "a config with errors, lock held: not reported as such: $(cat /tmp/oo-apply.out)"
	[[ $(plan_rc) == 3 && $(nsim_eswitch_mode 60) == legacy ]]
	check_err $? "the refused apply changed the host"
	t0=$(date +%s%N)
	apply_ok >/dev/null &
	waiter=$!
	wait_for 30 grep -q "waiting for another process to finish changing the host (at most 300 s" /tmp/oo-apply.out
	check_err $? "apply does not say it waits: $(cat /tmp/oo-apply.out)"
	[[ $(nsim_eswitch_mode 60) == legacy ]]
	check_err $? "the waiting apply changed the host while the lock was held"
	fifo_release "$fifo"
	wait "$waiter"
	check_err $? "apply after the wait failed: $(cat /tmp/oo-apply.out)"
	t1=$(date +%s%N)
	wait "$holder"
	read -r released </tmp/oo-lock-released
	((t1 > ${released:-t1}))
	check_err $? "apply was done before the holder let go of the lock: done $(((${released:-0} - t1) / 1000000)) ms before"
	[[ $(plan_rc) == 0 ]]
	check_err $? "not in sync after the wait: $(cat /tmp/oo-plan.out)"
	log_info "apply waited and converged in $(((t1 - t0) / 1000000)) ms"
	ip link del lockbond 2>/dev/null
	nsim_del 60; nsim_del 61
	log_test "apply while the host lock is held: refused at once with --lock-timeout 0, else waits"
}

# netdevsim applies a mode change and refuses inline-mode in the same request:
# apply re-reads and says exactly that, and the next plan still wants the
# inline mode (nothing is lost or misreported).
apply_inline_refused() {
	RET=0
	nsim_new 50 1 || fail_hard "netdevsim"
	cat >"$CFG" <<-'Y'
	version: 1
	pfs:
	  - {name: pf0, device: netdevsim/netdevsim50, eswitch: switchdev, inline_mode: network}
	Y
	"$CTL" -c "$CFG" apply >/tmp/oo-apply.out 2>&1
	[[ $? == 1 ]]
	check_err $? "apply should fail: netdevsim refuses inline-mode"
	grep -q "the eswitch is now switchdev, but the kernel refused inline-mode network" /tmp/oo-apply.out
	check_err $? "the partial apply is not reported precisely: $(cat /tmp/oo-apply.out)"
	[[ $(nsim_eswitch_mode 50) == switchdev ]]
	check_err $? "the mode change itself should have been applied"
	"$CTL" -c "$CFG" plan | grep -q "pf0: eswitch-mode switchdev -> switchdev inline-mode network"
	check_err $? "plan should still want the inline mode: $("$CTL" -c "$CFG" plan)"
	log_test "a kernel that applies the mode and refuses inline-mode: re-read, reported exactly"
}

# devlink params: a value that is none of the param's type is refused by the
# plan, before anything is touched (the eswitch stays as it was); a value
# the kernel refuses stops the apply at its step with the extended ACK; a
# value the device has, written another way (0x hex, True), is in sync
# (netdevsim with the mlx5 params patch 0002).
apply_param_refused() {
	RET=0
	local out
	# Loaded first: run alone, the module is not there yet to be asked.
	modprobe netdevsim || fail_hard "cannot load netdevsim"
	if [[ ! -e /sys/module/netdevsim/parameters/mlx5_esw_multiport ]]; then
		log_test_skip "devlink params refused" "netdevsim without the mlx5 params patch"
		return
	fi
	nsim_new 63 1 || fail_hard "netdevsim"
	printf 'version: 1\npfs:\n  - {name: pf0, device: netdevsim/netdevsim63, eswitch: switchdev, params: {esw_port_metadata: maybe}}\n' >"$CFG"
	out=$("$CTL" -c "$CFG" apply 2>&1)
	[[ $? == 1 ]] && grep -q "pf0: devlink param 'esw_port_metadata' is a bool: 'maybe' is neither true nor false" <<<"$out"
	check_err $? "a bool param given 'maybe': $out"
	[[ $(nsim_eswitch_mode 63) == legacy ]]
	check_err $? "the plan refused the value, yet the eswitch went to $(nsim_eswitch_mode 63)"
	local now
	now=$(devlink -j dev param show netdevsim/netdevsim63 name esw_port_metadata |
		jq -r '.param[][0].values[] | select(.cmode == "runtime") | .value')
	printf 'version: 1\npfs:\n  - {name: pf0, device: netdevsim/netdevsim63, params: {esw_port_metadata: %s}}\n' \
		"$([[ $now == true ]] && echo TRUE || echo False)" >"$CFG"
	out=$("$CTL" -c "$CFG" plan 2>&1)
	[[ $? == 0 ]] && grep -q "in sync" <<<"$out"
	check_err $? "esw_port_metadata is $now, written in capitals, should be in sync: $out"
	printf 'version: 1\npfs:\n  - {name: pf0, device: netdevsim/netdevsim63, eswitch: legacy, params: {flow_steering_mode: xyz}}\n' >"$CFG"
	out=$("$CTL" -c "$CFG" apply 2>&1)
	[[ $? == 1 ]] && grep -q 'devlink dev param set: Invalid argument: .*Bad parameter: supported values are \["dmfs", "smfs"\]' <<<"$out"
	check_err $? "the kernel's refusal is not reported with its message: $out"
	log_test "devlink params: a value not of the type refused by the plan (nothing touched), the kernel's refusal with its message, a value the device has written another way in sync"
}

# netdevsim's VFs are no PCI devices: nothing binds or unbinds them. The
# unit test that drives apply over a fake PCI sysfs tree needs the kernel's
# devlink, which the build host may lack (it skips there): it runs here.
apply_binds_after_failure() {
	RET=0
	local bin=${OO_BUILD:-build}/tests/unit/test_vfctl out
	[[ -x $bin ]] || fail_hard "$bin not built"
	out=$(OO_TEST_FILTER=test_apply_binds_after_failure "$bin" 2>&1)
	check_err $? "the unit test failed: $out"
	grep -q 'PASSED  \] 1 test' <<<"$out" && ! grep -q SKIPPED <<<"$out"
	check_err $? "the unit test did not run and pass: $out"
	log_test "a failed step: apply still binds the VFs it unbound (fake PCI tree, real devlink)"
}

# What the plan judged when it read the host is read again by the steps that
# could take what is not ours: a VF a VM took since, a bond someone replaced.
apply_rechecks_since_plan() {
	RET=0
	local bin=${OO_BUILD:-build}/tests/unit/test_vfctl out
	[[ -x $bin ]] || fail_hard "$bin not built"
	# What a run that failed half-way leaves: the tests clear it first.
	ip link add oorace0 type dummy || fail_hard "cannot add a dummy link"
	out=$(OO_TEST_FILTER='test_apply_*_since_plan' "$bin" 2>&1)
	check_err $? "the unit tests failed: $out"
	grep -q 'PASSED  \] 3 test' <<<"$out" && ! grep -q SKIPPED <<<"$out"
	check_err $? "the unit tests did not run and pass: $out"
	out=$(ip -br link show | grep -E '^oo(race|rm)[0-9]')
	check_err $(( $? == 0 )) "the unit tests left links behind: $out"
	log_test "apply reads again before an unbind (a VF taken since), a bond change (a bond replaced since) and a release (a member moved since)"
}

# tc_prefs DEV: "PREF:ACTION" of DEV's ingress filters, sorted, one line
# (ACTION: gact's control action, or mirred's target netdev).
tc_prefs() {
	tc -j filter show dev "$1" ingress | jq -r '[.[] | select(.options) | "\(.pref):" +
		(.options.actions[0] | if .kind == "mirred" then .to_dev else .control_action.type end)] |
		sort | join(" ")'
}

apply_tc_redirect_new_vf() {
	RET=0
	local up rep2 got
	nsim_new 60 1 || fail_hard "netdevsim"
	cat >"$CFG" <<-'Y'
	version: 1
	pfs:
	  - {name: pf0, device: netdevsim/netdevsim60, eswitch: switchdev, num_vfs: 2}
	tc:
	  rules:
	    - {name: keep, dev: pf0, prio: 11, match: {eth_type: ipv4, ip_proto: tcp}, actions: [drop]}
	Y
	apply_ok >/dev/null
	check_err $? "first apply failed"
	up=$(nsim_uplink 60)
	[[ $(tc_prefs "$up") == "11:drop" ]]
	check_err $? "the first rule is not on $up: $(tc_prefs "$up")"
	# One VF more, and a rule on the same uplink that redirects to it: the
	# rule already there is the config's still, not one to delete.
	cat >"$CFG" <<-'Y'
	version: 1
	pfs:
	  - {name: pf0, device: netdevsim/netdevsim60, eswitch: switchdev, num_vfs: 3}
	tc:
	  rules:
	    - {name: new, dev: pf0, prio: 10, match: {eth_type: ipv4}, actions: [{redirect: pf0/2}]}
	    - {name: keep, dev: pf0, prio: 11, match: {eth_type: ipv4, ip_proto: tcp}, actions: [drop]}
	Y
	"$CTL" -c "$CFG" plan >/tmp/oo-plan.out 2>&1
	grep -q "pf0/vf2 (a redirect target) does not exist yet" /tmp/oo-plan.out &&
		! grep -q "no longer has" /tmp/oo-plan.out
	check_err $? "plan: one sync waiting for pf0/vf2, and no removal: $(cat /tmp/oo-plan.out)"
	apply_ok >/dev/null
	check_err $? "second apply failed"
	rep2=$(nsim_vf_reps 60 | sed -n 3p)
	got=$(tc_prefs "$up")
	[[ -n $rep2 && $got == "10:$rep2 11:drop" ]]
	check_err $? "$up holds '$got', not both rules (VF 2's representor: '$rep2')"
	[[ $(plan_rc) == 0 ]]
	check_err $? "plan after apply should be in sync: $(cat /tmp/oo-plan.out)"
	log_test "a rule redirecting to a VF made in the same run leaves its uplink's rules in place"
}

# Two rules with one match at one prio: flower keeps one filter per match
# there, and would refuse the second (EEXIST) only after the PF was switched
# and its VFs made. The plan refuses it, so nothing is done.
apply_tc_same_match_refused() {
	RET=0
	local out
	nsim_new 62 1 || fail_hard "netdevsim"
	cat >"$CFG" <<-'Y'
	version: 1
	pfs:
	  - {name: pf0, device: netdevsim/netdevsim62, eswitch: switchdev, num_vfs: 2}
	tc:
	  rules:
	    - {name: a, dev: pf0, prio: 10, match: {eth_type: ipv4, dst_ip: 10.1.0.0/16}, actions: [drop]}
	    - {name: b, dev: pf0, prio: 10, match: {eth_type: ipv4, dst_ip: 10.1.2.3/16}, actions: [pass]}
	Y
	# Found by validation (exit 2), at the later rule's match.
	out=$("$CTL" -c "$CFG" apply 2>&1)
	[[ $? == 2 ]]
	check_err $? "apply should refuse the config: $out"
	grep -q ":7:44: tc.rules\[1\].match: tc.rules\[0\] 'a' has the same match on the same dev, chain and prio" <<<"$out"
	check_err $? "the refusal does not say where and why: $out"
	[[ $(nsim_eswitch_mode 62) == legacy && $(nsim_num_vfs 62) == 0 ]]
	check_err $? "the host was changed: $(nsim_eswitch_mode 62), $(nsim_num_vfs 62) VFs"
	log_test "two tc rules with one match at one prio: refused before anything is done"
}

# apply -j: one JSON document on stdout (progress on stderr) for each
# outcome a host agent has to tell apart.
apply_json() {
	RET=0
	local out err=$CFG.err
	nsim_new 63 1 || fail_hard "netdevsim"
	cat >"$CFG" <<-'Y'
	version: 1
	pfs:
	  - {name: pf0, device: netdevsim/netdevsim63, eswitch: switchdev, num_vfs: 2}
	Y
	out=$("$CTL" -c "$CFG" -j apply 2>"$err")
	check_err $? "apply -j failed: $(cat "$err")"
	[[ $(jq -r '[.result, .steps_done == (.plan.steps | length), .after.in_sync, .failed] | join(" ")' \
		<<<"$out") == "applied true true " ]]
	check_err $? "apply -j: $out"
	grep -q '^\[1/' "$err"
	check_err $? "no progress lines on stderr: $(cat "$err")"
	out=$("$CTL" -c "$CFG" -j apply 2>"$err")
	[[ $? == 0 && $(jq -r '[.result, .steps_done, (.plan.steps | length)] | join(" ")' <<<"$out") == "in_sync 0 0" ]]
	check_err $? "second apply -j: $out"
	# netdevsim refuses inline-mode: a failed step, with the kernel's text.
	cat >"$CFG" <<-'Y'
	version: 1
	pfs:
	  - {name: pf0, device: netdevsim/netdevsim63, eswitch: switchdev, num_vfs: 2, inline_mode: network}
	Y
	out=$("$CTL" -c "$CFG" -j apply 2>"$err")
	[[ $? == 1 && $(jq -r '[.result, .failed.index, .failed.step.kind] | join(" ")' <<<"$out") == \
		"failed 1 eswitch-mode" && $(jq -r .failed.message <<<"$out") == *"refused inline-mode network"* ]]
	check_err $? "a failed apply -j: $out"
	log_test "apply -j: applied, in sync, failed: one document each"
}


# ovs-vswitchd paused (SIGSTOP) past waits.timeout_s: the OVS step fails
# (exit 1) saying that the transaction is committed but not applied, instead
# of reporting the host in sync. Once it runs again, the next apply finds the
# bridge and port in place.
apply_vswitchd_paused() {
	RET=0
	local vpid rc
	ovs_start || fail_hard "ovs_start"
	nsim_new 64 1 || fail_hard "netdevsim"
	cat >"$CFG" <<-Y
	version: 1
	ovs: {db: "unix:$(ovs_db_sock)"}
	waits: {timeout_s: 3}
	pfs:
	  - {name: pf0, device: netdevsim/netdevsim64}
	bridges:
	  - {name: br-paused, uplink: pf0}
	Y
	vpid=$(ovs_vswitchd_pid)
	kill -STOP "$vpid" || fail_hard "cannot pause ovs-vswitchd"
	defer kill -CONT "$vpid"
	apply_ok
	rc=$?
	kill -CONT "$vpid"
	[[ $rc == 1 ]] && grep -q "the transaction is committed (next_cfg [0-9]*), but ovs-vswitchd did not apply it within 3000 ms" /tmp/oo-apply.out
	check_err $? "apply should fail (exit 1, not $rc) with the transaction committed and not applied"
	apply_ok
	check_err $? "apply after ovs-vswitchd went on failed"
	wait_for 10 bash -c "(( \$(ovs-vsctl --timeout=5 get Interface $(nsim_uplink 64) ofport) > 0 ))"
	check_err $? "the uplink has no ofport after ovs-vswitchd went on"
	log_test "a paused ovs-vswitchd: the OVS step fails, not in sync, until it applies the transaction"
}

# is_up NETDEV: its administrative state is up (IFF_UP).
is_up() {
	ip -j link show dev "$1" | jq -e '.[0].flags | index("UP")' >/dev/null
}

# bridge_host ID BRIDGE: OVS started, netdevsimID made, and $CFG: the PF in
# switchdev with 3 VFs, its uplink and VFs 0-1's representors on BRIDGE.
bridge_host() {
	ovs_start || fail_hard "ovs_start"
	nsim_new "$1" 1 || fail_hard "netdevsim"
	cat >"$CFG" <<-Y
	version: 1
	ovs: {db: "unix:$(ovs_db_sock)"}
	pfs:
	  - {name: pf0, device: netdevsim/netdevsim$1, eswitch: switchdev, num_vfs: 3}
	bridges:
	  - {name: $2, uplink: pf0, representors: [pf0/0-1]}
	Y
}

# A bridge's uplink and representors carry traffic only when up, and nothing
# else sets them up: new representors are down, OVS attaches ports as they
# are. apply sets them up, and only them; one set down by hand is drift; the
# representors of VFs re-created in the run go up once they exist.
apply_links_up() {
	RET=0
	local up out
	local -a R
	bridge_host 65 br-up
	up=$(nsim_uplink 65)
	! is_up "$up"
	check_err $? "netdevsim's uplink $up is up before apply: the test proves nothing"
	apply_ok >/dev/null
	check_err $? "apply failed: $(cat /tmp/oo-apply.out)"
	mapfile -t R < <(nsim_vf_reps 65)
	is_up "$up" && is_up "${R[0]}" && is_up "${R[1]}" && ! is_up "${R[2]}"
	check_err $? "up: $up $(is_up "$up" && echo y), ${R[*]}: $(for n in "${R[@]}"; do is_up "$n" && echo -n "y " || echo -n "n "; done)"
	[[ $(grep -c ": link-up " /tmp/oo-apply.out) == 3 && $(plan_rc) == 0 ]]
	check_err $? "want 3 link-up steps and a plan in sync: $(grep link-up /tmp/oo-apply.out); $(cat /tmp/oo-plan.out)"
	log_test "apply sets the bridge's uplink and representors up, not another representor"

	RET=0
	ip link set dev "${R[1]}" down && ip link set dev "$up" down
	check_err $? "ip link set down failed"
	out=$("$CTL" -c "$CFG" plan 2>&1)
	grep -q "$up: link-up down -> up" <<<"$out" && grep -q "${R[1]}: link-up down -> up" <<<"$out"
	check_err $? "plan does not set them up again: $out"
	apply_ok >/dev/null && is_up "$up" && is_up "${R[1]}" && [[ $(plan_rc) == 0 ]]
	check_err $? "apply did not set them up: $(cat /tmp/oo-apply.out)"
	log_test "a bridge port set down by hand: plan and apply set it up again"

	RET=0
	sed -i 's/num_vfs: 3/num_vfs: 2/' "$CFG"
	out=$("$CTL" -c "$CFG" plan 2>&1)
	grep -q "pf0/vf0: link-up new -> up" <<<"$out" && grep -q "pf0/vf1: link-up new -> up" <<<"$out"
	check_err $? "plan does not set the new representors up: $out"
	apply_ok >/dev/null
	check_err $? "apply failed: $(cat /tmp/oo-apply.out)"
	mapfile -t R < <(nsim_vf_reps 65)
	[[ ${#R[@]} == 2 ]] && is_up "${R[0]}" && is_up "${R[1]}" && [[ $(plan_rc) == 0 ]]
	check_err $? "representors ${R[*]} after re-creating the VFs: $(cat /tmp/oo-apply.out)"
	log_info "$(grep 'link-up' /tmp/oo-apply.out | tail -n 1)"
	log_test "representors of VFs re-created in the run go up once they exist"
}

# ipv6_of NETDEV: its disable_ipv6 (1: IPv6 off).
ipv6_of() {
	cat "/proc/sys/net/ipv6/conf/$1/disable_ipv6"
}

# A representor is a switch port: the host's IPv6 out of it (DAD, router
# solicitations, MLD) would go into the VM's VF, and its link-local address
# and routes grow ovs-vswitchd's tables. apply turns IPv6 off on the
# representors it sets up, before they go up, and on one that someone turned
# back on; not on a representor the config does not name, not on the
# uplink, and not where pfs[].representor_ipv6 is true.
apply_representor_ipv6() {
	RET=0
	local up out
	local -a R
	bridge_host 66 br-v6
	up=$(nsim_uplink 66)
	apply_ok >/dev/null
	check_err $? "apply failed: $(cat /tmp/oo-apply.out)"
	mapfile -t R < <(nsim_vf_reps 66)
	[[ $(ipv6_of "${R[0]}") == 1 && $(ipv6_of "${R[1]}") == 1 && $(ipv6_of "${R[2]}") == 0 && $(ipv6_of "$up") == 0 ]]
	check_err $? "disable_ipv6: ${R[*]} $(for n in "${R[@]}"; do ipv6_of "$n"; done | tr '\n' ' '), uplink $up $(ipv6_of "$up")"
	[[ -z $(ip -6 -o addr show dev "${R[0]}") && -z $(ip -6 -o addr show dev "${R[1]}") ]]
	check_err $? "IPv6 addresses on the representors: $(ip -6 -o addr show dev "${R[0]}"; ip -6 -o addr show dev "${R[1]}")"
	grep -q "link-up .* ok (.*2 representors up, IPv6 off" /tmp/oo-apply.out
	check_err $? "the link-up step does not say IPv6 went off: $(grep link-up /tmp/oo-apply.out)"
	[[ $(plan_rc) == 0 ]]
	check_err $? "not in sync after apply: $(cat /tmp/oo-plan.out)"
	log_test "representors go up with IPv6 off; others, and the uplink, keep theirs"

	RET=0
	echo 0 >"/proc/sys/net/ipv6/conf/${R[0]}/disable_ipv6"
	wait_for 10 eval '[[ -n $(ip -6 -o addr show dev "${R[0]}" scope link) ]]'
	check_err $? "${R[0]} got no link-local address with IPv6 back on: the test proves nothing"
	out=$("$CTL" -c "$CFG" plan 2>&1)
	[[ $? == 3 ]] && grep -q "${R[0]}: ipv6-off on -> off" <<<"$out"
	check_err $? "plan: $out"
	apply_ok >/dev/null
	check_err $? "apply failed: $(cat /tmp/oo-apply.out)"
	[[ $(ipv6_of "${R[0]}") == 1 && -z $(ip -6 -o addr show dev "${R[0]}") && $(plan_rc) == 0 ]]
	check_err $? "${R[0]}: disable_ipv6 $(ipv6_of "${R[0]}"), addresses: $(ip -6 -o addr show dev "${R[0]}")"
	log_test "a representor's IPv6 turned back on by hand: turned off again, its address gone"

	RET=0
	sed -i 's/num_vfs: 3}/num_vfs: 3, representor_ipv6: true}/' "$CFG"
	echo 0 >"/proc/sys/net/ipv6/conf/${R[1]}/disable_ipv6"
	out=$("$CTL" -c "$CFG" plan 2>&1)
	check_err $? "plan with representor_ipv6: true: $out"
	apply_ok >/dev/null
	check_err $? "apply failed: $(cat /tmp/oo-apply.out)"
	[[ $(ipv6_of "${R[1]}") == 0 && $(plan_rc) == 0 ]]
	check_err $? "${R[1]}: disable_ipv6 $(ipv6_of "${R[1]}") after apply; plan: $(cat /tmp/oo-plan.out)"
	log_test "pfs[].representor_ipv6: true leaves the representors' IPv6 as it is"
}

tests_run
