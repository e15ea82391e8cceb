#!/usr/bin/env bash
# The built-in simulated host, run inside the qemu guest by scripts/demo.sh:
# a dual-port NIC made of two netdevsim PFs (netdevsim10, netdevsim11) with
# 4 VFs each, Open vSwitch with hw-offload, and the controller's main job.
#
# Today the controller only observes: the simulation puts pf0 into switchdev by
# hand (what `ovs-offloadctl apply` will do), then runs `ovs-offloadctl status`.
. "$(dirname "$(readlink -f "$0")")/../../tests/vm/lib.sh"

CTL=${OO_BUILD:-build}/ovs-offloadctl
[[ -x $CTL ]] || fail_hard "$CTL not built: run scripts/build.sh"

step() { printf '\n### %s\n' "$*"; }

step "simulated NIC: two netdevsim PFs with 4 VFs each; pf0 to switchdev by hand"
nsim_new 10 1 && nsim_new 11 1 || fail_hard "cannot create the netdevsim PFs"
nsim_set_vfs 10 4 && nsim_set_vfs 11 4 || fail_hard "cannot create VFs"
nsim_eswitch_set 10 switchdev || fail_hard "cannot switch netdevsim10 to switchdev"

step "Open vSwitch with hw-offload=true, a bridge with pf0's uplink"
ovs_start hw-offload=true || fail_hard "cannot start Open vSwitch"
ovs-vsctl add-br br-offload -- add-port br-offload "$(nsim_uplink 10)" ||
	fail_hard "cannot make the bridge"

step "ovs-offloadctl status"
"$CTL" status || fail_hard "ovs-offloadctl status failed"

step "ovs-offloadctl status --json (first PF)"
"$CTL" status --json | jq '.pfs[0]' || fail_hard "ovs-offloadctl status --json failed"
