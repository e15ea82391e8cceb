#!/usr/bin/env bash
# The built-in simulated host, run inside the qemu guest by scripts/demo.sh:
# a dual-port NIC made of two netdevsim PFs (netdevsim10, netdevsim11), fresh
# (legacy, no VFs), and Open vSwitch without hw-offload. The controller then
# does its main job with the example config users start from,
# examples/vf-lag.yaml, unchanged: check, plan, apply, status, plan again.
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
