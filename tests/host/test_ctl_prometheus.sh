#!/bin/sh
# ovs-offloadctl status --prometheus for a textfile collector:
#   test_ctl_prometheus.sh CTL
# What cannot be read (here OVSDB, at a socket that does not exist; devlink
# too on a machine without it) is written as *_up 0 with exit 0 and a warning
# on stderr, so that "write, then rename on success" installs it; a failed
# write exits 1.
set -u
ctl=$1
fail() { echo "FAIL: $*" >&2; exit 1; }
dir=$(mktemp -d) || exit 1
trap 'rm -rf "$dir"' EXIT

"$ctl" status --prometheus --db "unix:$dir/no-such.sock" --ovsdb-timeout 500 \
	>"$dir/out.prom" 2>"$dir/err"
rc=$?
[ "$rc" = 0 ] || fail "exit $rc with OVSDB unreachable: $(cat "$dir/err")"
grep -qx 'ovs_offload_ovsdb_up 0' "$dir/out.prom" || fail "no 'ovs_offload_ovsdb_up 0': $(head -n 30 "$dir/out.prom")"
grep -q 'cannot connect to .*no-such.sock.*written as ovs_offload_ovsdb_up 0' "$dir/err" ||
	fail "OVSDB unreachable, no warning: $(cat "$dir/err")"
grep -Eqx 'ovs_offload_devlink_up [01]' "$dir/out.prom" || fail "no ovs_offload_devlink_up sample"
if grep -qx 'ovs_offload_devlink_up 0' "$dir/out.prom"; then
	grep -q 'written as ovs_offload_devlink_up 0' "$dir/err" || fail "devlink unread, no warning: $(cat "$dir/err")"
fi
tail -n 1 "$dir/out.prom" | grep -q '^[a-z_]' || fail "the text does not end with a sample"

if [ -w /dev/full ]; then
	"$ctl" status --prometheus --db "unix:$dir/no-such.sock" --ovsdb-timeout 500 >/dev/full 2>"$dir/err"
	rc=$?
	[ "$rc" = 1 ] || fail "exit $rc when standard output cannot be written"
	grep -q 'cannot write the metrics' "$dir/err" || fail "no error for the failed write: $(cat "$dir/err")"
fi
echo "ok: $(grep -c '^ovs_offload_' "$dir/out.prom") samples, exit 0 with OVSDB down"
