#!/bin/sh
# shellcheck disable=SC2317 # the cleanup functions run from traps only
# Runs a command next to a private, real ovsdb-server:
#
#   ovsdb-sandbox.sh COMMAND [ARG...]
#
# A temporary directory gets a fresh database made from the vswitch schema
# (initialised with "ovs-vsctl init"), an ovsdb-server listening on
# <dir>/db.sock and nothing else: no ovs-vswitchd, nothing under
# /run/openvswitch is touched. COMMAND runs with
#   OO_TEST_OVSDB      unix:<dir>/db.sock, the remote to read
#   OO_TEST_OVSDB_DIR  <dir>, for anything else the test wants to put there
#   OVS_RUNDIR etc.    <dir>, so OVS tools called by the test stay inside it
# and its exit status is ours. The server is stopped and the directory removed
# on every exit path. Exits 77 (skip) when the OVS tools are not installed.
#
# Overrides: OVSDB_SERVER, OVSDB_TOOL, OVS_VSCTL, OO_VSWITCH_SCHEMA.
set -eu

OVSDB_SERVER=${OVSDB_SERVER:-/usr/sbin/ovsdb-server}
OVSDB_TOOL=${OVSDB_TOOL:-ovsdb-tool}
OVS_VSCTL=${OVS_VSCTL:-ovs-vsctl}
SCHEMA=${OO_VSWITCH_SCHEMA:-/usr/share/openvswitch/vswitch.ovsschema}

if [ $# -eq 0 ]; then
    echo "usage: $0 COMMAND [ARG...]" >&2
    exit 2
fi
for tool in "$OVSDB_SERVER" "$OVSDB_TOOL" "$OVS_VSCTL"; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "ovsdb-sandbox: $tool not found, skipping" >&2
        exit 77
    fi
done
if [ ! -r "$SCHEMA" ]; then
    echo "ovsdb-sandbox: schema $SCHEMA not found, skipping" >&2
    exit 77
fi

# Short base path: unix socket paths are limited to 107 bytes.
dir=$(mktemp -d /tmp/oo-ovsdb.XXXXXX)

# Stops every daemon that left a pidfile in the directory: ours, and any a
# test started there itself (e.g. a second ovsdb-server).
stop_daemons() {
    for pidfile in "$dir"/*.pid; do
        [ -f "$pidfile" ] || continue
        pid=$(cat "$pidfile" 2>/dev/null) || continue
        [ -n "$pid" ] || continue
        kill "$pid" 2>/dev/null || continue
        # Wait (up to 5 s) so that the directory is not removed under a live
        # daemon; then insist.
        i=0
        while kill -0 "$pid" 2>/dev/null && [ "$i" -lt 50 ]; do
            sleep 0.1
            i=$((i + 1))
        done
        kill -9 "$pid" 2>/dev/null || true
    done
}

cleanup() {
    status=$?
    trap - EXIT INT TERM HUP
    stop_daemons
    if [ "$status" -ne 0 ] && [ "$status" -ne 77 ] && [ -f "$dir/ovsdb-server.log" ]; then
        echo "ovsdb-sandbox: exit status $status; ovsdb-server.log:" >&2
        tail -n 30 "$dir/ovsdb-server.log" >&2
    fi
    rm -rf "$dir"
    exit "$status"
}
child=
on_signal() {
    [ -z "$child" ] || kill "$child" 2>/dev/null || true
    exit "$1"
}
trap cleanup EXIT
trap 'on_signal 130' INT
trap 'on_signal 143' TERM
trap 'on_signal 129' HUP

export OVS_RUNDIR="$dir" OVS_LOGDIR="$dir" OVS_DBDIR="$dir" OVS_SYSCONFDIR="$dir"

"$OVSDB_TOOL" create "$dir/conf.db" "$SCHEMA"
# --detach returns once the server listens on the socket.
"$OVSDB_SERVER" "$dir/conf.db" -vconsole:off \
    --remote="punix:$dir/db.sock" \
    --pidfile="$dir/ovsdb-server.pid" --unixctl="$dir/ovsdb-server.ctl" \
    --log-file="$dir/ovsdb-server.log" --detach --no-chdir
"$OVS_VSCTL" --no-wait --db="unix:$dir/db.sock" init

export OO_TEST_OVSDB="unix:$dir/db.sock"
export OO_TEST_OVSDB_DIR="$dir"

# Not exec: the cleanup must run after the command. In the background and
# waited for, so that a signal to us is handled (and passed on) at once; its
# stdin is therefore /dev/null.
set +e
"$@" &
child=$!
wait "$child"
status=$?
child=
exit "$status"
