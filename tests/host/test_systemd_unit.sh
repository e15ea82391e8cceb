#!/bin/sh
# The installed systemd unit, as meson configured it:
#   test_systemd_unit.sh UNIT SBINDIR DAEMON
# UNIT's ExecStart must name the daemon where `meson install` puts it
# (SBINDIR), its ExecReload must reload over unixctl, its ExecStartPre make
# the OVS run directory only when it is missing, and systemd-analyze
# verify must take the unit without a word: unknown or misspelt directives,
# bad values and missing programs are all reported there. The daemon is not
# installed on this machine, so the copy that is verified runs the built one
# (DAEMON) instead, and a machine without Open vSwitch gets /bin/true for
# ovs-appctl. Exit 77 (skipped) without systemd-analyze.
set -u
unit=$1 sbindir=$2 daemon=$3
fail() { echo "FAIL: $*" >&2; exit 1; }

exec_start=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$unit")
[ "$exec_start" = "$sbindir/ovs-offloadd" ] ||
	fail "ExecStart runs '$exec_start', but meson installs the daemon as $sbindir/ovs-offloadd"
grep -Eq '^ExecReload=[^ ]*/ovs-appctl -t ovs-offloadd reload$' "$unit" ||
	fail "ExecReload does not reload over unixctl: $(grep '^ExecReload=' "$unit")"
[ "$(grep -c '^Exec' "$unit")" = 3 ] || fail "expected ExecStart, ExecReload and one ExecStartPre"
# The run directory is made when missing, never re-owned or re-moded when it
# exists: where OVS runs as its own user, the directory is that user's. The
# command itself is run here, on a scratch path in place of /run/openvswitch.
pre=$(sed -n "s/^ExecStartPre=+\/bin\/sh -c '\(.*\)'$/\1/p" "$unit")
[ -n "$pre" ] || fail "ExecStartPre is not a +/bin/sh -c command: $(grep '^ExecStartPre=' "$unit")"
! printf '%s' "$pre" | grep -Eq 'chown|chmod|install ' ||
	fail "ExecStartPre changes an existing run directory: $pre"
scratch=$(mktemp -d) || exit 1
rundir_cmd=$(printf '%s' "$pre" | sed "s|/run/openvswitch|$scratch/ovs|g")
sh -c "$rundir_cmd" && [ "$(stat -c %a "$scratch/ovs")" = 755 ] ||
	fail "ExecStartPre did not make a missing run directory with mode 0755: $rundir_cmd"
chmod 0750 "$scratch/ovs" && sh -c "$rundir_cmd" && [ "$(stat -c %a "$scratch/ovs")" = 750 ] ||
	fail "ExecStartPre changed an existing run directory's mode"
rm -rf "$scratch"

command -v systemd-analyze >/dev/null || { echo "SKIP: no systemd-analyze"; exit 77; }
dir=$(mktemp -d) || exit 1
trap 'rm -rf "$dir"' EXIT
reload=$(sed -n 's/^ExecReload=\([^ ]*\).*/\1/p' "$unit")
[ -x "$reload" ] || reload_copy="s|^ExecReload=$reload|ExecReload=/bin/true|"
sed -e "s|^ExecStart=$sbindir/ovs-offloadd|ExecStart=$daemon|" -e "${reload_copy:-}" "$unit" \
	>"$dir/ovs-offloadd.service"
grep -q "^ExecStart=$daemon " "$dir/ovs-offloadd.service" || fail "could not point the copy at $daemon"
out=$(cd "$dir" && SYSTEMD_LOG_LEVEL=notice systemd-analyze verify --man=no ./ovs-offloadd.service 2>&1)
rc=$?
[ "$rc" = 0 ] && [ -z "$out" ] || fail "systemd-analyze verify (exit $rc): $out"
echo "ok: ExecStart $exec_start; systemd-analyze verify has nothing to say"
