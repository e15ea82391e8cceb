#!/usr/bin/env bash
# Runs in the guest (scripts/capture-fixtures.sh boots it): puts netdevsim into
# known states and records the kernel's raw replies to the project's own
# requests with nlcapture, into $OO_VM_RESULTS/fixtures.
. "$(dirname "$(readlink -f "$0")")/../../tests/vm/lib.sh"

cap=${OO_BUILD:-build}/tests/unit/nlcapture
out=${OO_VM_RESULTS:?not in the guest}/fixtures
[[ -x $cap ]] || fail_hard "$cap not built: run scripts/build.sh"
mkdir -p "$out"

# netdevsim10: switchdev with 4 VFs; netdevsim11: legacy with 4 VFs.
nsim_new 10 1 && nsim_new 11 1 && nsim_set_vfs 10 4 && nsim_set_vfs 11 4 &&
	nsim_eswitch_set 10 switchdev || fail_hard "netdevsim setup failed"

run() { "$cap" "$out" "$@" || fail_hard "nlcapture $* failed"; }
run genl-family-devlink family
run devlink-dev-dump dev-dump
run devlink-port-dump port-dump
run devlink-eswitch-switchdev eswitch-get netdevsim/netdevsim10
run devlink-eswitch-legacy eswitch-get netdevsim/netdevsim11
run devlink-eswitch-enodev eswitch-get netdevsim/netdevsim99
# An error that carries an extended ACK: netdevsim refuses a reload on demand.
echo true >"$OO_NSIM_DEBUGFS/netdevsim11/dont_allow_reload"
run devlink-reload-extack reload netdevsim/netdevsim11
echo false >"$OO_NSIM_DEBUGFS/netdevsim11/dont_allow_reload"

# The state the fixtures were taken in, for the tests' comments and checks.
{
	echo "# kernel $(uname -r)"
	devlink -j port show
	for r in $(nsim_vf_reps 10) $(nsim_uplink 10) $(nsim_uplink 11); do
		ip -j link show dev "$r" | jq -c '.[0] | {ifname, ifindex}'
	done
} >"$out/state.txt"
ls -l "$out"
