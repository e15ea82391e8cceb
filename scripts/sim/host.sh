#!/usr/bin/env bash
# The built-in simulated host, run inside the qemu guest by scripts/demo.sh:
# a dual-port NIC made of two netdevsim PFs (netdevsim10, netdevsim11), fresh
# (legacy, no VFs), and Open vSwitch without hw-offload. The controller then
# does its main job with the example config users start from,
# examples/vf-lag.yaml, unchanged: check, plan, apply, status, plan again;
# then the daemon keeps the host converged: a tc rule deleted by hand comes
# back, and its Prometheus metrics are shown.
#
# The guest has no init system: scripts/sim/bin/systemctl stands in for
# `systemctl restart openvswitch-switch` (ovs.restart_command's default).
. "$(dirname "$(readlink -f "$0")")/../../tests/vm/lib.sh"

CTL=${OO_BUILD:-build}/ovs-offloadctl
CFG=examples/vf-lag.yaml
[[ -x $CTL ]] || fail_hard "$CTL not built: run scripts/build.sh"
export PATH="$(dirname "$(readlink -f "$0")")/bin:$PATH"

step() { printf '\n### %s\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

step "the simulated NIC: two netdevsim PFs, legacy, no VFs; Open vSwitch without offload"
nsim_new 10 1 && nsim_new 11 1 || fail_hard "cannot create the netdevsim PFs"
ovs_start || fail_hard "cannot start Open vSwitch"
defer ip link del bond0

step "validate the config"
run "$CTL" -c "$CFG" check || fail_hard "the example config does not validate"

step "what apply would do, in order"
run "$CTL" -c "$CFG" plan
[[ $? == 3 ]] || fail_hard "plan should report pending changes (exit 3)"

step "apply"
run "$CTL" -c "$CFG" apply || fail_hard "apply failed"

step "the host now"
run "$CTL" status || fail_hard "status failed"

step "plan again: nothing to do"
run "$CTL" -c "$CFG" plan || fail_hard "the host is not in sync after apply"

step "the daemon: a rule deleted by hand comes back"
"${OO_BUILD:-build}/ovs-offloadd" -c "$CFG" --metrics 127.0.0.1:9477 --log-file /tmp/ovs-offloadd.log &
daemon=$!
defer kill "$daemon"
wait_for 30 grep -qs "in sync" /tmp/ovs-offloadd.log || fail_hard "the daemon did not converge: $(cat /tmp/ovs-offloadd.log)"
block=$("$CTL" status --json | jq -r '[.tc.places[] | select(.block != null and .owned > 0) | .block][0] // empty')
[[ -n $block ]] || fail_hard "bond0 has no shared ingress block"
run tc filter show block "$block"
handle=$(tc -j filter show block "$block" | jq -r '[.[] | select(.options.keys)] | .[0].options.handle')
run tc filter del block "$block" pref 10 handle "$handle" flower
t0=${EPOCHREALTIME/./}
wait_for 5 sh -c "tc -j filter show block $block | jq -e '[.[] | select(.options.keys)] | length == 1' >/dev/null" ||
	fail_hard "the rule did not come back: $(tail -20 /tmp/ovs-offloadd.log)"
printf 'the rule is back after %d ms; the daemon logged:\n' $(((${EPOCHREALTIME/./} - t0) / 1000))
grep -E "drift|apply: " /tmp/ovs-offloadd.log | tail -4

step "Prometheus metrics (excerpt of http://127.0.0.1:9477/metrics)"
exec 3<>/dev/tcp/127.0.0.1/9477 || fail_hard "no metrics listener"
printf 'GET /metrics HTTP/1.0\r\n\r\n' >&3
grep -E "^ovs_offload_(pf_eswitch_mode|pf_vfs|ovs_hw_offload|tc_filters|drift_repairs_total|passes_total)" <&3 | head -24
exec 3<&-
