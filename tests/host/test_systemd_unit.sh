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
[ "$(grep -c '^Exec' "$unit")" = 4 ] || fail "expected ExecStart, ExecReload and two ExecStartPre"
# The run directory is made when missing, never re-owned or re-moded when it
# exists: where OVS runs as its own user, the directory is that user's.
grep -q '^ExecStartPre=+/bin/mkdir -p -m 0755 /run/openvswitch$' "$unit" ||
	fail "ExecStartPre does not make /run/openvswitch with mkdir -p: $(grep '^ExecStartPre=' "$unit")"
! grep -Eq '^ExecStartPre=.*(chown|chmod|install )' "$unit" ||
	fail "ExecStartPre changes an existing run directory: $(grep '^ExecStartPre=' "$unit")"

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
