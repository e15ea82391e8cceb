#!/bin/bash
# ovsdb/ against a real ovs-vswitchd (kernel datapath) and netdevsim
# representors, through the driver tests/tools/ovs-apply-cli.c:
#   - bridge + uplink + 2 representors in one transaction get their ofports;
#   - the restart-needed state, checked against what ovs-vswitchd really does
#     (flows added with ovs-appctl dpctl/add-flow on a representor, read back
#     as tc flower filters, with or without skip_hw):
#       (a) hw-offload set before ovs-vswitchd started -> 0;
#       (b) set while it runs with the flow API off -> 0: it turns the flow API
#           on by itself (OVS 3.1 bridge_run() calls netdev_set_flow_api_enabled()
#           at every iteration); tc-policy changed after that -> 1, and
#           oo_ovs_restart() of the configured argv -> 0;
#       (c) set by someone else -> -1 (unknowable), and 0 once ovs-offload has
#           recorded it and restarted ovs-vswitchd;
#       (d) a fresh host (no bridge, nothing recorded) -> -1, and the first
#           ovs-offloadctl apply under restart: if-needed restarts it, once;
#       (e) hw-offload set by a host agent, bridges of its own -> -1: no
#           restart, a note, and the record written, so that one restart by
#           hand settles it;
#   - representors renamed: on the bridge (OVS orphans the datapath port, and
#     adding the new name fails with "File exists" until the orphan is deleted,
#     which the apply does through ovs-vswitchd), or re-created and renamed
#     before attaching (old port replaced in one transaction); vanished ones
#     removed.
#
#   OO_BUILD=<build dir> scripts/vm/run.sh tests/vm/ovs.sh
#
# Check functions are called through tests_run (ALL_TESTS):
# shellcheck disable=SC2317
set -u

ALL_TESTS="
	ports_get_ofports
	restart_needed_set_before_start
	restart_needed_set_at_runtime
	restart_needed_set_by_others
	restart_unknown_fresh_host
	restart_unknown_with_bridges
	renamed_while_attached
	recreated_and_renamed
"
# shellcheck source=tests/vm/lib.sh
. "$(dirname "$(readlink -f "$0")")/lib.sh"

NSIM=10
NUM_VFS=2
BR=br-oo
CLI=${OO_BUILD:-build}/tests/host/ovs-apply-cli
CTL=${OO_BUILD:-build}/ovs-offloadctl

[[ ${OO_VM_GUEST:-} == 1 ]] || skip "runs in the guest only: scripts/vm/run.sh tests/vm/ovs.sh"
require_cmd devlink ip tc jq modprobe ovs-vsctl ovs-appctl ovs-vswitchd
require_module netdevsim openvswitch
[[ -x $CLI ]] || fail_hard "$CLI not built (OO_BUILD=${OO_BUILD:-}): run scripts/build.sh"

UPLINK=
REPS=()

setup_prepare() {
	nsim_new "$NSIM" 1 || fail_hard "cannot create netdevsim$NSIM"
	if (($(nsim_max_vfs "$NSIM") < NUM_VFS)); then
		nsim_set_max_vfs "$NSIM" "$NUM_VFS" || fail_hard "cannot raise max_vfs"
	fi
	nsim_set_vfs "$NSIM" "$NUM_VFS" || fail_hard "cannot create $NUM_VFS VFs"
	nsim_eswitch_set "$NSIM" switchdev || fail_hard "cannot switch netdevsim$NSIM to switchdev"
	UPLINK=$(nsim_uplink "$NSIM")
	mapfile -t REPS < <(nsim_vf_reps "$NSIM")
	[[ -n $UPLINK && ${#REPS[@]} -eq $NUM_VFS ]] ||
		fail_hard "uplink '$UPLINK', representors '${REPS[*]}'"
	local n
	for n in "$UPLINK" "${REPS[@]}"; do
		ip link set dev "$n" up || fail_hard "cannot set $n up"
	done
	log_info "uplink $UPLINK, representors ${REPS[*]}"
}

# ---------------------------------------------------------------- helpers

# cli ARGS...: the driver, its JSON on stdout; the check fails on a non-JSON
# answer.
cli() {
	"$CLI" --timeout 20000 "$@"
}

# jqr JSON FILTER [ARGS]: raw jq over a JSON string.
jqr() {
	local json=$1
	shift
	jq -r "$@" <<<"$json"
}

# Start/stop only ovs-vswitchd of the ovs_start instance (its database stays).
vswitchd_start() {
	ovs-vswitchd "unix:$(ovs_db_sock)" --pidfile --detach --no-chdir --log-file \
		2>>"$OVS_LOGDIR/ovs-vswitchd.stderr" || return 1
	ovs-vsctl --timeout=30 init
}

vswitchd_stop() {
	local pid
	pid=$(ovs_vswitchd_pid) || return 0
	ovs-appctl -T 10 -t ovs-vswitchd exit >/dev/null 2>&1
	wait_for 10 _oo_pid_gone "$pid"
}

# The argv given to oo_ovs_restart(): a script that restarts the private
# ovs-vswitchd as systemctl would restart the real one.
restart_script() {
	local s=$OO_OVS_DIR/restart-vswitchd.sh
	cat >"$s" <<-'EOF'
		#!/bin/sh
		# Restarts the test's private ovs-vswitchd (what systemctl restart
		# openvswitch-switch does for the real one).
		set -e
		pid=$(cat "$OVS_RUNDIR/ovs-vswitchd.pid")
		ovs-appctl -T 10 -t ovs-vswitchd exit
		while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
		ovs-vswitchd "unix:$OVS_RUNDIR/db.sock" --pidfile --detach --no-chdir --log-file
		ovs-vsctl --timeout=30 init
	EOF
	chmod +x "$s"
	echo "$s"
}

# port_in_error NAME: observe says port NAME is ours, without an ofport, and in error.
port_in_error() {
	observe | jq -e --arg n "$1" '.ports[] | select(.name == $n) | .owned and .ofport == -1 and .error != null' \
		>/dev/null
}

# dp_port NETDEV: its kernel datapath port number (dpctl/show has no JSON).
dp_port() {
	ovs-appctl -T 5 dpctl/show | awk -v n="$1" '$1 == "port" && $3 == n { sub(":", "", $2); print $2 }'
}

# add_flow N [BEFORE]: a datapath flow from REPS[0] to REPS[1] matching
# source 10.0.0.N, with the actions BEFORE (e.g. "trunc(100),") ahead of the
# output, added while the revalidators are paused (they would delete a flow
# that no OpenFlow rule produced).
add_flow() {
	local p0 p1
	p0=$(dp_port "${REPS[0]}")
	p1=$(dp_port "${REPS[1]}")
	[[ -n $p0 && -n $p1 ]] || return 1
	ovs-appctl -T 5 dpctl/add-flow \
		"in_port($p0),eth(),eth_type(0x0800),ipv4(src=10.0.0.$1,dst=10.0.1.$1)" "${2:-}$p1" >/dev/null
}

# kernel_flows_at NETDEV: the count doctor gives for flows entering at
# NETDEV that stay in the kernel datapath ("" if it names none).
kernel_flows_at() {
	"$CTL" --db "unix:$(ovs_db_sock)" doctor --json |
		jq -r --arg p "$1" '.findings[] | select(.check == "offload-fail" and .object == $p and
			.level == "warning") | .message | capture("^(?<n>[0-9]+) flows? entering at ").n'
}

# dp_counts: "FLOWS OFFLOADED" of system@ovs-system as the driver's observe
# reads them from upcall/show (-1: not shown).
dp_counts() {
	observe | jq -r '.datapaths[] | select(.name == "system@ovs-system") | "\(.flows) \(.offloaded)"'
}

# dp_counts_are OFFLOADED: observe's count of flows in the kernel datapath is
# the kernel's own (dpctl/show), at least 1, and its offloaded count is
# OFFLOADED ("+": at least 1). upcall/show's count may be 100 ms old: retried.
dp_counts_are() {
	local c k
	c=$(dp_counts) k=$(ovs-appctl -T 5 dpctl/show | awk '$1 == "flows:" { print $2; exit }')
	DP_SEEN="observe: ${c:-none}, dpctl/show flows: ${k:-none}"
	[[ -n $c && -n $k && ${c% *} == "$k" ]] && ((k >= 1)) || return 1
	if [[ $1 == + ]]; then ((${c#* } >= 1)); else [[ ${c#* } == "$1" ]]; fi
}

# flower_json N: the tc flower filter(s) on REPS[0]'s ingress for flow N, as
# a JSON array.
flower_json() {
	tc -j filter show dev "${REPS[0]}" ingress 2>/dev/null |
		jq -c --arg ip "10.0.0.$1" '[.[] | select(.kind == "flower" and .options.keys.src_ip == $ip)]'
}

# The revalidators must run again before ovs-vswitchd can exit: "exit"
# waits for its threads, and paused ones never come.
pause_revalidators() {
	ovs-appctl -T 5 revalidator/pause >/dev/null && defer resume_revalidators
}

resume_revalidators() {
	[[ -n $(ovs_vswitchd_pid) ]] || return 0
	ovs-appctl -T 5 revalidator/resume >/dev/null
}

# observe: the driver's observe JSON.
observe() {
	cli observe
}

# rename_back NEW OLD: undo a rename if NEW still exists.
rename_back() {
	link_exists "$1" || return 0
	ip link set dev "$1" down && ip link set dev "$1" name "$2" && ip link set dev "$2" up
}

# ---------------------------------------------------------------- checks

ports_get_ofports() {
	local out out2 bad ofports
	RET=0
	ovs_start
	check_err $? "ovsdb-server/ovs-vswitchd did not start"
	((RET == 0)) || { log_test "bridge, uplink and representors in one transaction"; return; }

	out=$(cli apply "add-bridge:$BR" "add-port:$BR:$UPLINK" "add-port:$BR:${REPS[0]}" "add-port:$BR:${REPS[1]}")
	check_err $? "apply failed: $out"
	jq -e '.committed and .attempts == 1 and .waited and (.wait_timed_out | not) and
		.cur_cfg == .next_cfg' <<<"$out" >/dev/null
	check_err $? "not committed in one attempt, or ovs-vswitchd did not catch up: $out"
	bad=$(jqr "$out" '[.ops[] | select(.outcome != "done" or .ofport < 1 or .iface_error != "")] | length')
	[[ $bad == 0 ]]
	check_err $? "ops without an ofport (read back after cur_cfg caught up): $out"
	# ovs-vsctl, an independent reader, agrees.
	ofports=$(ovs-vsctl --format=json --columns=name,ofport list Interface |
		jq -c '[.data[] | {(.[0]): .[1]}] | add')
	jq -e --argjson v "$ofports" '[.ops[] | (.port // .bridge) as $n | $v[$n] == .ofport] | all' \
		<<<"$out" >/dev/null
	check_err $? "ofports differ from ovs-vsctl's: $ofports vs $out"
	ovs-vsctl --format=json --columns=name,external_ids find Port external_ids:ovs-offload-owned=true |
		jq -e --arg u "$UPLINK" --arg b "$BR" '[.data[][0]] | sort == ([$u, $b] + $ARGS.positional | sort)' \
			--args "${REPS[@]}" >/dev/null
	check_err $? "ports marked external_ids:ovs-offload-owned=true are not exactly $BR, $UPLINK, ${REPS[*]}"
	log_info "apply: connect $(jqr "$out" .connect_ms) ms, commit $(jqr "$out" .commit_ms) ms," \
		"ovs-vswitchd caught up after $(jqr "$out" .wait_ms) ms, total $(jqr "$out" .total_ms) ms"

	out2=$(cli apply "add-bridge:$BR" "add-port:$BR:$UPLINK" "add-port:$BR:${REPS[0]}" "add-port:$BR:${REPS[1]}")
	jq -e '.txn_status == "unchanged" and .attempts == 0 and ([.ops[].outcome] | all(. == "unchanged"))' \
		<<<"$out2" >/dev/null
	check_err $? "the second identical apply was not a no-op: $out2"
	log_test "bridge, uplink and representors in one transaction get ofports"
}

# (a) Written (by ovs-offload) while ovs-vswitchd is stopped.
restart_needed_set_before_start() {
	local out obs
	RET=0
	ovs_start
	check_err $? "ovsdb-server/ovs-vswitchd did not start"
	((RET == 0)) || { log_test "hw-offload set before ovs-vswitchd started"; return; }
	vswitchd_stop
	check_err $? "cannot stop ovs-vswitchd"
	obs=$(observe)
	jq -e '.vswitchd_running == 0 and .restart_needed == 0' <<<"$obs" >/dev/null
	check_err $? "with ovs-vswitchd stopped: $obs"

	out=$(cli apply set:hw-offload=true "add-bridge:$BR" "add-port:$BR:${REPS[0]}" "add-port:$BR:${REPS[1]}")
	check_err $? "apply failed: $out"
	jq -e '.vswitchd_running == 0 and (.waited | not)' <<<"$out" >/dev/null
	check_err $? "apply waited for an ovs-vswitchd that is not running: $out"
	vswitchd_start
	check_err $? "cannot start ovs-vswitchd"
	obs=$(observe)
	jq -e '.vswitchd_running == 1 and .offload_active == 1 and .restart_needed == 0' <<<"$obs" >/dev/null
	check_err $? "started after hw-offload=true: $obs"
	log_info "restart_needed=$(jqr "$obs" .restart_needed): $(jqr "$obs" .restart_why)"

	pause_revalidators
	add_flow 11
	check_err $? "dpctl/add-flow failed"
	jq -e 'length == 1 and (.[0].options.skip_hw | not)' <<<"$(flower_json 11)" >/dev/null
	check_err $? "the flow is not a tc flower filter on ${REPS[0]}: $(flower_json 11)"
	log_test "hw-offload set before ovs-vswitchd started: restart_needed 0"
}

# (b) Written while it runs: hw-offload needs no restart, tc-policy does.
restart_needed_set_at_runtime() {
	local out obs pid script n m
	RET=0
	ovs_start
	check_err $? "ovsdb-server/ovs-vswitchd did not start"
	((RET == 0)) || { log_test "hw-offload and tc-policy set while ovs-vswitchd runs"; return; }
	out=$(cli apply "add-bridge:$BR" "add-port:$BR:${REPS[0]}" "add-port:$BR:${REPS[1]}")
	check_err $? "apply failed: $out"
	obs=$(observe)
	jq -e '.vswitchd_running == 1 and .offload_active == 0 and .restart_needed == 0' <<<"$obs" >/dev/null
	check_err $? "before hw-offload: $obs"
	pause_revalidators
	add_flow 21
	check_err $? "dpctl/add-flow failed"
	jq -e 'length == 0' <<<"$(flower_json 21)" >/dev/null
	check_err $? "a tc filter without hw-offload: $(flower_json 21)"
	# upcall/show's counts: the flow in the kernel datapath, no flow API
	wait_for 5 dp_counts_are -1
	check_err $? "datapath flow counts without hw-offload: $DP_SEEN"
	log_info "without hw-offload: $DP_SEEN"

	out=$(cli apply set:hw-offload=true)
	check_err $? "apply failed: $out"
	jq -e '.restart_needed == 0' <<<"$out" >/dev/null
	check_err $? "apply says a restart is needed after hw-offload=true: $out"
	obs=$(observe)
	jq -e '.offload_active == 1 and .restart_needed == 0' <<<"$obs" >/dev/null
	check_err $? "after hw-offload=true at runtime: $obs"
	add_flow 22
	jq -e 'length == 1 and (.[0].options.skip_hw | not)' <<<"$(flower_json 22)" >/dev/null
	check_err $? "no tc flower filter without a restart: $(flower_json 22)"
	wait_for 5 dp_counts_are +
	check_err $? "datapath flow counts with hw-offload: $DP_SEEN"
	log_info "with hw-offload: $DP_SEEN"
	# A flow tc cannot take (no tc action truncates) stays in the kernel
	# datapath with the flow API on: doctor counts it at its port. (Flow 21
	# is there too: it came before hw-offload.)
	n=$(kernel_flows_at "${REPS[0]}")
	add_flow 25 "trunc(100),"
	check_err $? "dpctl/add-flow of a truncating flow failed"
	jq -e 'length == 0' <<<"$(flower_json 25)" >/dev/null
	check_err $? "tc took the truncating flow: $(flower_json 25)"
	m=$(kernel_flows_at "${REPS[0]}")
	[[ -n $n && -n $m ]] && ((m == n + 1))
	check_err $? "doctor's count of flows in the kernel datapath at ${REPS[0]}: '$n' before the truncating flow, '$m' after"
	log_info "doctor: flows in the kernel datapath entering at ${REPS[0]}: $n, then $m"
	log_test "hw-offload set while ovs-vswitchd runs: active without restart, restart_needed 0"

	out=$(cli apply set:tc-policy=skip_hw)
	check_err $? "apply failed: $out"
	obs=$(observe)
	jq -e '.restart_needed == 1' <<<"$obs" >/dev/null
	check_err $? "after tc-policy=skip_hw at runtime: $obs"
	log_info "restart_needed=$(jqr "$obs" .restart_needed): $(jqr "$obs" .restart_why)"
	add_flow 23
	# Still the policy it read: none (no skip_hw flag).
	jq -e 'length == 1 and (.[0].options.skip_hw | not)' <<<"$(flower_json 23)" >/dev/null
	check_err $? "the running ovs-vswitchd did not keep tc-policy none: $(flower_json 23)"
	log_test "tc-policy changed while ovs-vswitchd runs: restart_needed 1"

	# ovs-offloadctl judges the restart on what its write leaves: the
	# tc-policy the process runs with put back needs none. (The config has
	# no bridge, so apply also takes down the bridge it owns: put back after.)
	RET=0
	printf 'version: 1\novs: {hw_offload: true, tc_policy: none, restart: if-needed}\n' >"$OVS_LOGDIR/none.yaml"
	pid=$(ovs_vswitchd_pid)
	out=$("$CTL" --db "unix:$(ovs_db_sock)" -c "$OVS_LOGDIR/none.yaml" apply 2>&1)
	check_err $? "apply of tc-policy none failed: $out"
	grep -q "ovs-set-config tc-policy=skip_hw -> tc-policy=none" <<<"$out" && ! grep -q ovs-restart <<<"$out"
	check_err $? "apply putting tc-policy none back: $out"
	obs=$(observe)
	jq -e --argjson old "$pid" '.vswitchd_pid == $old and .restart_needed == 0' <<<"$obs" >/dev/null
	check_err $? "after tc-policy none put back: $obs"
	out=$(cli apply set:tc-policy=skip_hw "add-bridge:$BR" "add-port:$BR:${REPS[0]}" "add-port:$BR:${REPS[1]}")
	check_err $? "apply failed: $out"
	log_test "tc-policy put back to what ovs-vswitchd runs with: no restart, restart_needed 0"

	pid=$(ovs_vswitchd_pid)
	script=$(restart_script)
	resume_revalidators
	out=$(cli restart "$script")
	check_err $? "oo_ovs_restart($script) failed: $out"
	log_info "restart: $(jqr "$out" .elapsed_ms) ms"
	obs=$(observe)
	jq -e --argjson old "$pid" '.vswitchd_running == 1 and .vswitchd_pid != $old and
		.offload_active == 1 and .restart_needed == 0' <<<"$obs" >/dev/null
	check_err $? "after the restart: $obs"
	ovs-appctl -T 5 revalidator/pause >/dev/null   # the new process's
	add_flow 24
	jq -e 'length == 1 and .[0].options.skip_hw == true' <<<"$(flower_json 24)" >/dev/null
	check_err $? "the restarted ovs-vswitchd does not use skip_hw: $(flower_json 24)"
	log_test "oo_ovs_restart(): restart_needed 0, skip_hw in force"
}

# (c) Set by someone else (ovs-vsctl) before ovs-vswitchd started.
restart_needed_set_by_others() {
	local out obs script
	RET=0
	ovs_start hw-offload=true tc-policy=skip_hw
	check_err $? "ovsdb-server/ovs-vswitchd did not start"
	((RET == 0)) || { log_test "hw-offload set by someone else"; return; }
	out=$(cli apply "add-bridge:$BR" "add-port:$BR:${REPS[0]}")
	check_err $? "apply failed: $out"
	obs=$(observe)
	jq -e '.offload_active == 1 and .restart_needed == -1' <<<"$obs" >/dev/null
	check_err $? "the tc-policy it read cannot be known: $obs"
	log_info "restart_needed=$(jqr "$obs" .restart_needed): $(jqr "$obs" .restart_why)"
	# Recorded by an apply (even of nothing), then restarted: known.
	out=$(cli apply)
	check_err $? "apply of nothing failed: $out"
	script=$(restart_script)
	out=$(cli restart "$script")
	check_err $? "oo_ovs_restart failed: $out"
	obs=$(observe)
	jq -e '.offload_active == 1 and .restart_needed == 0' <<<"$obs" >/dev/null
	check_err $? "after record + restart: $obs"
	log_test "hw-offload set by others: -1, then 0 after record and restart"
}

# (d) A fresh host: ovs-vswitchd serves no bridge (no datapath to ask) and
# nothing records whether hw-offload was ever true in its life. The first
# ovs-offloadctl apply under restart: if-needed restarts it (no traffic to
# interrupt); what it runs with is then known, and no later apply restarts it.
restart_unknown_fresh_host() {
	local out obs pid script cfg
	RET=0
	ovs_start
	check_err $? "ovsdb-server/ovs-vswitchd did not start"
	((RET == 0)) || { log_test "a fresh host's first apply restarts ovs-vswitchd, once"; return; }
	obs=$(observe)
	jq -e '.vswitchd_running == 1 and .offload_active == -1 and .restart_needed == -1' <<<"$obs" >/dev/null
	check_err $? "a fresh ovs-vswitchd: $obs"
	grep -q "no record in this database" <<<"$(jqr "$obs" .restart_why)" &&
		! grep -q "someone else" <<<"$(jqr "$obs" .restart_why)"
	check_err $? "the reason given for a fresh ovs-vswitchd: $(jqr "$obs" .restart_why)"
	log_info "before: restart_needed=$(jqr "$obs" .restart_needed): $(jqr "$obs" .restart_why)"

	pid=$(ovs_vswitchd_pid)
	script=$(restart_script)
	cfg=$OVS_LOGDIR/fresh.yaml
	printf 'version: 1
ovs: {hw_offload: true, tc_policy: skip_hw, restart: if-needed, restart_command: [%s]}
bridges:
  - {name: %s}
' \
		"$script" "$BR" >"$cfg"
	out=$("$CTL" --db "unix:$(ovs_db_sock)" -c "$cfg" plan 2>&1)
	grep -q "ovs-vswitchd: ovs-restart .*serves no bridge yet" <<<"$out"
	check_err $? "the plan has no restart for a fresh host: $out"
	out=$("$CTL" --db "unix:$(ovs_db_sock)" -c "$cfg" apply 2>&1)
	check_err $? "the first apply failed: $out"
	grep -q "ovs-vswitchd: ovs-restart \.\.\. ok" <<<"$out"
	check_err $? "the first apply did not restart ovs-vswitchd: $out"
	# The progress line says what ran and what it did.
	grep -Eq "ovs-restart \.\.\. ok \([0-9]+ ms, ran: $script; ovs-vswitchd pid $pid -> $(ovs_vswitchd_pid)\)" <<<"$out"
	check_err $? "the restart's progress line does not name the command and the pids: $(grep ovs-restart <<<"$out")"
	obs=$(observe)
	jq -e --argjson old "$pid" '.vswitchd_running == 1 and .vswitchd_pid != $old and
		.offload_active == 1 and .restart_needed == 0' <<<"$obs" >/dev/null
	check_err $? "after the first apply: $obs"
	log_info "after: restart_needed=$(jqr "$obs" .restart_needed): $(jqr "$obs" .restart_why)"

	pid=$(ovs_vswitchd_pid)
	out=$("$CTL" --db "unix:$(ovs_db_sock)" -c "$cfg" apply 2>&1)
	check_err $? "the second apply failed: $out"
	! grep -q "ovs-restart" <<<"$out" && [[ $(ovs_vswitchd_pid) == "$pid" ]]
	check_err $? "the second apply restarted ovs-vswitchd again: $out"

	# What the restarted process does: skip_hw on a flow of a port added now.
	out=$(cli apply "add-port:$BR:${REPS[0]}" "add-port:$BR:${REPS[1]}")
	check_err $? "adding the representors failed: $out"
	pause_revalidators
	add_flow 31
	check_err $? "dpctl/add-flow failed"
	jq -e 'length == 1 and .[0].options.skip_hw == true' <<<"$(flower_json 31)" >/dev/null
	check_err $? "the restarted ovs-vswitchd does not use skip_hw: $(flower_json 31)"
	log_test "a fresh host's first apply restarts ovs-vswitchd, once"
}

# (e) What a host agent leaves (Cloudpods: other_config:hw-offload=true, its
# own bridges, no tc-policy, no restart): ovs-vswitchd serves bridges and
# what it read is not known. ovs-offloadctl restarts nothing on a doubt,
# notes it, and writes its record (no other step would: the values are
# already as the config wants), so that the restart the note asks for
# settles it.
restart_unknown_with_bridges() {
	local out obs cfg script pid
	RET=0
	ovs_start hw-offload=true
	check_err $? "ovsdb-server/ovs-vswitchd did not start"
	((RET == 0)) || { log_test "hw-offload by a host agent: a note, the record, one restart by hand"; return; }
	ovs-vsctl --timeout=30 add-br br-agent && ovs-vsctl --timeout=30 add-port br-agent "${REPS[0]}"
	check_err $? "cannot make the host agent's bridge"
	cfg=$OVS_LOGDIR/agent.yaml
	printf 'version: 1\novs: {hw_offload: true, restart: never}\n' >"$cfg"
	pid=$(ovs_vswitchd_pid)
	out=$("$CTL" --db "unix:$(ovs_db_sock)" -c "$cfg" plan 2>&1)
	grep -q "ovs-vswitchd: ovs-record" <<<"$out" &&
		grep -q "^note: ovs-vswitchd: whether it runs with the stored hw-offload and tc-policy is not known" <<<"$out"
	check_err $? "the plan has no record step and note: $out"
	out=$("$CTL" --db "unix:$(ovs_db_sock)" -c "$cfg" apply 2>&1)
	check_err $? "apply failed: $out"
	! grep -q "ovs-restart" <<<"$out" && [[ $(ovs_vswitchd_pid) == "$pid" ]]
	check_err $? "apply restarted ovs-vswitchd on a doubt: $out"
	out=$("$CTL" --db "unix:$(ovs_db_sock)" -c "$cfg" plan 2>&1)
	grep -q "in sync" <<<"$out" && grep -q "^note: ovs-vswitchd: whether" <<<"$out"
	check_err $? "the second plan: $out"
	obs=$(observe)
	jq -e '.restart_needed == -1' <<<"$obs" >/dev/null
	check_err $? "before the restart: $obs"

	script=$(restart_script)
	"$script" >/dev/null 2>&1
	check_err $? "the restart by hand failed"
	obs=$(observe)
	jq -e --argjson old "$pid" '.vswitchd_pid != $old and .restart_needed == 0' <<<"$obs" >/dev/null
	check_err $? "after one restart by hand: $obs"
	out=$("$CTL" --db "unix:$(ovs_db_sock)" -c "$cfg" plan 2>&1)
	grep -q "in sync" <<<"$out" && ! grep -q "^note: ovs-vswitchd" <<<"$out"
	check_err $? "the plan after the restart: $out"
	log_info "after: restart_needed=$(jqr "$obs" .restart_needed): $(jqr "$obs" .restart_why)"
	log_test "hw-offload by a host agent: a note, the record, one restart by hand"
}

# A representor renamed while it is on the bridge: OVS 3.1 loses track of its
# kernel datapath port (bridge_delete_or_reconfigure_ports() drops the
# interface because the datapath has no port of the old name any more, with
# ofproto_port_unregister(), not port_del()), so the vport stays, invisible to
# ovs-vswitchd by either name; adding the new name then fails with "File
# exists" whatever the transaction looks like, and an ovs-vswitchd restart
# does not clear it either. The apply deletes the orphan through
# ovs-vswitchd (dpctl/del-if), makes it reconfigure, and the new name gets
# its ofport in the same call.
renamed_while_attached() {
	local out obs n0 n new=oorep0new
	RET=0
	ovs_start
	check_err $? "ovsdb-server/ovs-vswitchd did not start"
	((RET == 0)) || { log_test "renamed on the bridge: the orphaned datapath port deleted, the new name attached"; return; }
	out=$(cli apply "add-bridge:$BR" "add-port:$BR:${REPS[0]}")
	check_err $? "apply failed: $out"
	ip link set dev "${REPS[0]}" down && ip link set dev "${REPS[0]}" name "$new" &&
		ip link set dev "$new" up
	check_err $? "cannot rename ${REPS[0]}"
	defer rename_back "$new" "${REPS[0]}"
	# The orphan: in the datapath under the new name, and no OVSDB row has it.
	n0=$(dp_port "$new")
	[[ -n $n0 ]] && ! ovs-vsctl --timeout=10 get Interface "$new" ofport >/dev/null 2>&1
	check_err $? "expected an orphaned datapath port $new, dpctl/show: $(ovs-appctl -T 5 dpctl/show | tr '\n' ';')"
	out=$(cli apply "del-port:${REPS[0]}:$BR" "add-port:$BR:$new")
	check_err $? "apply failed: $out"
	jq -e '.committed and .ops[0].outcome == "done" and .ops[1].outcome == "done" and
		.ops[1].orphan == 1 and .orphans_removed == 1 and .ops[1].ofport > 0 and .ops[1].iface_error == ""' \
		<<<"$out" >/dev/null
	check_err $? "expected the orphan removed and $new attached: $out"
	# ovs-vswitchd has it now (dpif/show lists the ports it knows).
	n=$(dp_port "$new")
	[[ -n $n ]] && ovs-appctl -T 5 dpif/show | grep -qE "^    $new $(jqr "$out" .ops[1].ofport)/$n:"
	check_err $? "$new not a port of ovs-vswitchd: $(ovs-appctl -T 5 dpif/show | tr '\n' ';')"
	obs=$(observe)
	jq -e --arg n "$new" '.ports[] | select(.name == $n) | .owned and .ofport > 0 and .error == null' \
		<<<"$obs" >/dev/null
	check_err $? "$new has no ofport after the apply: $obs"
	log_info "renamed on the bridge: orphan datapath port $n0 deleted, $new is datapath port $n, ofport $(jqr "$out" .ops[1].ofport)"
	log_test "renamed on the bridge: the orphaned datapath port deleted, the new name attached"
}

# The field case: VFs re-created (reboot, driver reload), their representors
# named by udev before anything attaches them, under other names than before.
# The old ports, in error, go in the transaction that adds the new names.
# (The old names must not be kernel names the new netdevs get: ovs-vswitchd
# would attach a new "eth1" to a stale port "eth1" at once, and udev's rename
# would then orphan its datapath port as above.)
recreated_and_renamed() {
	local out obs n reps old=(oold0 oold1) new=oorep0udev
	RET=0
	ovs_start
	check_err $? "ovsdb-server/ovs-vswitchd did not start"
	((RET == 0)) || { log_test "re-created and renamed representors"; return; }
	for n in 0 1; do
		ip link set dev "${REPS[n]}" down && ip link set dev "${REPS[n]}" name "${old[n]}" &&
			ip link set dev "${old[n]}" up
		check_err $? "cannot rename ${REPS[n]}"
	done
	out=$(cli apply "add-bridge:$BR" "add-port:$BR:${old[0]}" "add-port:$BR:${old[1]}")
	check_err $? "apply failed: $out"
	jq -e '[.ops[].ofport > 0] | all' <<<"$out" >/dev/null
	check_err $? "no ofports: $out"

	# Writing 0 VFs in switchdev also sets netdevsim back to legacy.
	nsim_set_vfs "$NSIM" 0 && nsim_eswitch_set "$NSIM" switchdev && nsim_set_vfs "$NSIM" "$NUM_VFS"
	check_err $? "cannot re-create the VFs"
	mapfile -t reps < <(nsim_vf_reps "$NSIM")
	ip link set dev "${reps[0]}" name "$new" && ip link set dev "$new" up
	check_err $? "cannot rename ${reps[0]}"
	ovs-vsctl --timeout=30 init >/dev/null
	# ovs-vswitchd notices a vanished netdev through its own netlink events:
	# under load that can take a moment, so wait (bounded) for the error.
	wait_for 15 port_in_error "${old[0]}"
	check_err $? "${old[0]} (its VF re-created) is not reported in error: $(observe)"

	out=$(cli apply "del-port:${old[0]}:$BR" "del-port:${old[1]}:$BR" "add-port:$BR:$new" \
		"add-port:$BR:${reps[1]}")
	check_err $? "apply failed: $out"
	jq -e '.committed and .attempts == 1 and ([.ops[2,3] | .ofport > 0 and .iface_error == ""] | all)' \
		<<<"$out" >/dev/null
	check_err $? "the new representors did not get ofports in one transaction: $out"
	obs=$(observe)
	jq -e '[.ports[] | select(.error != null or .ofport < 1)] | length == 0' <<<"$obs" >/dev/null
	check_err $? "ports in error left: $obs"
	log_test "re-created, renamed representors replace the old ports in one transaction"

	# The VFs go away for good: their ports are removed on the next apply.
	nsim_set_vfs "$NSIM" 0
	check_err $? "cannot remove the VFs"
	ovs-vsctl --timeout=30 init >/dev/null
	wait_for 15 port_in_error "$new"
	check_err $? "$new is not reported in error once its VF is gone: $(observe)"
	out=$(cli apply "del-port:$new:$BR" "del-port:${reps[1]}:$BR")
	check_err $? "apply failed: $out"
	obs=$(observe)
	jq -e --arg b "$BR" '[.ports[].name] == [$b]' <<<"$obs" >/dev/null
	check_err $? "stale ports left: $obs"
	# Back to the shape the other checks expect.
	nsim_eswitch_set "$NSIM" switchdev && nsim_set_vfs "$NSIM" "$NUM_VFS"
	check_err $? "cannot re-create the VFs"
	mapfile -t REPS < <(nsim_vf_reps "$NSIM")
	for n in "${REPS[@]}"; do ip link set dev "$n" up; done
	log_test "ports of vanished representors are removed"
}

setup_prepare
tests_run
