#!/usr/bin/env bash
# Boot one qemu guest with Debian's 6.1 kernel (+ netdevsim) on the host's own
# root file system and run test scripts in it, one after another.
#
# usage: scripts/vm/run.sh [--shell] [--timeout SECONDS] [--results DIR] [--keep] TEST.sh [TEST.sh ...]
#
#   --shell            boot to an interactive shell on the serial console
#                      (listed tests run first); Ctrl-A x kills qemu
#   --timeout SECONDS  kill the guest after SECONDS (default 600; none with --shell)
#   --results DIR      put logs and statuses in DIR (created; must be empty);
#                      default: a fresh ${TMPDIR:-/tmp}/ovs-offload-vm.XXXXXX,
#                      removed after a run in which every test passed
#   --keep             keep the default results dir even when all tests pass
#
# Each test runs as its own process in the guest, cwd = the repo root, with
# OO_BUILD (default <repo>/build) and every OO_* variable of the caller.
# Exit status: 0 if no test failed (exit 77 = skipped), 1 otherwise, 2 on usage
# errors.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$SCRIPT_DIR/../.." && pwd)
LOG_TAIL_LINES=200

usage() {
	sed -n '2,/^set -euo/{/^#/s/^# \{0,1\}//p}' "${BASH_SOURCE[0]}"
}
die() {
	echo "run.sh: $*" >&2
	exit 1
}
usage_error() {
	echo "run.sh: $*" >&2
	echo "usage: scripts/vm/run.sh [--shell] [--timeout SECONDS] [--results DIR] [--keep] TEST.sh [TEST.sh ...]" >&2
	exit 2
}

SHELL_MODE=0
TIMEOUT=
RESULTS=
KEEP=0
TESTS=()
while (($#)); do
	case $1 in
	--shell) SHELL_MODE=1 ;;
	--timeout)
		[[ $# -ge 2 && $2 =~ ^[0-9]+$ && $2 -gt 0 ]] || usage_error "--timeout needs a positive number of seconds"
		TIMEOUT=$2
		shift
		;;
	--timeout=*)
		TIMEOUT=${1#*=}
		[[ $TIMEOUT =~ ^[0-9]+$ && $TIMEOUT -gt 0 ]] || usage_error "--timeout needs a positive number of seconds"
		;;
	--results)
		[[ $# -ge 2 ]] || usage_error "--results needs a directory"
		RESULTS=$2
		shift
		;;
	--results=*) RESULTS=${1#*=} ;;
	--keep) KEEP=1 ;;
	-h | --help) usage; exit 0 ;;
	--) shift; TESTS+=("$@"); break ;;
	-*) usage_error "unknown option '$1'" ;;
	*) TESTS+=("$1") ;;
	esac
	shift
done
((SHELL_MODE || ${#TESTS[@]})) || usage_error "no test given"
[[ -n $TIMEOUT ]] || { ((SHELL_MODE)) || TIMEOUT=600; }

command -v qemu-system-x86_64 >/dev/null 2>&1 ||
	die "qemu-system-x86_64 not found: run scripts/bootstrap.sh (Debian package qemu-system-x86)"
command -v timeout >/dev/null 2>&1 || die "timeout not found: install coreutils"

# Tests: absolute paths (the guest sees the host root at /), unique ids.
TEST_PATHS=() TEST_IDS=() TEST_NAMES=()
for t in "${TESTS[@]}"; do
	[[ -f $t ]] || die "test '$t' not found"
	abs=$(realpath -- "$t")
	name=${abs#"$REPO"/}
	base=${abs##*/}
	base=${base%.sh}
	base=${base//[^A-Za-z0-9._-]/_}
	TEST_PATHS+=("$abs")
	TEST_NAMES+=("$name")
	TEST_IDS+=("$(printf '%02d-%s' $((${#TEST_IDS[@]} + 1)) "$base")")
done

# Prepare (quiet when already prepared).
ENV_FILE=$(mktemp "${TMPDIR:-/tmp}/ovs-offload-vm-env.XXXXXX") || die "cannot create a temp file"
trap 'rm -f -- "$ENV_FILE"' EXIT
"$SCRIPT_DIR/prepare.sh" --quiet --env-file "$ENV_FILE" ||
	die "scripts/vm/prepare.sh failed: see its message above"
declare -A VM=()
while IFS='=' read -r k v; do
	[[ -n $k ]] && VM[$k]=$v
done <"$ENV_FILE"
for k in OO_VM_KERNEL OO_VM_INITRD OO_VM_MODULES; do
	[[ -e ${VM[$k]:-} ]] || die "prepare.sh gave no usable $k (${VM[$k]:-unset}): re-run scripts/vm/prepare.sh"
done

# Results dir (per invocation: parallel runs never share one).
AUTO_RESULTS=0
if [[ -n $RESULTS ]]; then
	mkdir -p -- "$RESULTS" || die "cannot create results dir $RESULTS"
	RESULTS=$(realpath -- "$RESULTS")
	[[ -z $(ls -A -- "$RESULTS") ]] || die "results dir $RESULTS is not empty: give a new or empty one"
else
	RESULTS=$(mktemp -d "${TMPDIR:-/tmp}/ovs-offload-vm.XXXXXX") || die "cannot create a results dir"
	AUTO_RESULTS=1
fi
cp "$ENV_FILE" "$RESULTS/prepare.env"

# The plan the guest follows, as a bash file in the results share.
OO_BUILD=${OO_BUILD:-$REPO/build}
OO_BUILD=$(realpath -m -- "$OO_BUILD")
export OO_BUILD
GUEST_ENV=("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$OO_BUILD"
	"HOME=/root" "LANG=C.UTF-8" "TERM=dumb")
while IFS= read -r v; do
	GUEST_ENV+=("$v=${!v}")
done < <(compgen -e | grep '^OO_' | grep -v '^OO_VM_' | sort)
GUEST_ENV+=("OO_VM_GUEST=1" "OO_VM_RESULTS=/run/oo/results")
# qarray NAME VALUE...: a bash array assignment, each value quoted.
qarray() {
	local name=$1 v
	shift
	printf '%s=(' "$name"
	for v in "$@"; do printf ' %q' "$v"; done
	printf ' )\n'
}
STTY_SIZE=
if ((SHELL_MODE)) && [[ -t 0 ]]; then
	read -r rows cols < <(stty size 2>/dev/null) && STTY_SIZE="rows $rows cols $cols"
fi
{
	echo "# written by scripts/vm/run.sh"
	printf 'OO_VM_MODE=%q\n' "$( ((SHELL_MODE)) && echo shell || echo run)"
	printf 'OO_VM_REPO=%q\n' "$REPO"
	printf 'OO_VM_MODULES=%q\n' "${VM[OO_VM_MODULES]}"
	printf 'OO_VM_STTY=%q\n' "$STTY_SIZE"
	printf 'OO_VM_TERM=%q\n' "${TERM:-vt100}"
	qarray OO_VM_TESTS "${TEST_PATHS[@]}"
	qarray OO_VM_IDS "${TEST_IDS[@]}"
	qarray OO_VM_ENV "${GUEST_ENV[@]}"
} >"$RESULTS/plan.sh"

# qemu option values: a comma is written as two.
qv() { echo "${1//,/,,}"; }
MODE_ARG=run
((SHELL_MODE)) && MODE_ARG=shell
# shellcheck disable=SC2054 # commas belong to qemu's option syntax
QEMU=(qemu-system-x86_64 -nodefaults -no-user-config
	-machine q35 -accel tcg,thread=multi -cpu max -smp 2 -m 2048
	-display none -vga none -no-reboot -nic none
	-kernel "$(qv "${VM[OO_VM_KERNEL]}")" -initrd "$(qv "${VM[OO_VM_INITRD]}")"
	-append "console=ttyS0 panic=-1 loglevel=4 mitigations=off oo.mode=$MODE_ARG"
	-fsdev "local,id=hostroot,path=/,security_model=none,readonly=on,multidevs=remap"
	-device virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot
	-fsdev "local,id=results,path=$(qv "$RESULTS"),security_model=none"
	-device virtio-9p-pci,fsdev=results,mount_tag=ooresults
	-device pcie-root-port,id=oo_rp,chassis=1
	-device nvme-subsys,id=oo_subsys,nqn=oo-sriov
	-device nvme,bus=oo_rp,serial=oosriov,subsys=oo_subsys,sriov_max_vfs=2,sriov_vq_flexible=6,sriov_vi_flexible=2,max_ioqpairs=8,msix_qsize=4)
CONSOLE_LOG=$RESULTS/console.log

T0=${EPOCHREALTIME/./}
QEMU_RC=0
TIMED_OUT=0
INTERRUPTED=0
if ((SHELL_MODE)); then
	QEMU+=(-serial mon:stdio)
	echo "run.sh: booting the guest shell (kernel ${VM[OO_VM_KVER]:-?}); Ctrl-A x kills qemu; results in $RESULTS"
	if [[ -n $TIMEOUT ]]; then
		timeout --foreground --kill-after=10 "$TIMEOUT" "${QEMU[@]}" || QEMU_RC=$?
	else
		"${QEMU[@]}" || QEMU_RC=$?
	fi
else
	QEMU+=(-chardev "file,id=console,path=$(qv "$CONSOLE_LOG")" -serial chardev:console -monitor none)
	# In the background, so that Ctrl-C / SIGTERM stop the guest at once
	# (timeout puts qemu in its own process group, out of reach of ^C).
	timeout --kill-after=10 "$TIMEOUT" "${QEMU[@]}" </dev/null >"$RESULTS/qemu.log" 2>&1 &
	QEMU_PID=$!
	trap 'INTERRUPTED=1; kill -TERM "$QEMU_PID" 2>/dev/null' INT TERM
	while true; do
		rc=0
		wait "$QEMU_PID" || rc=$?
		kill -0 "$QEMU_PID" 2>/dev/null && continue # wait was cut short by a signal
		QEMU_RC=$rc
		break
	done
	trap - INT TERM
fi
T1=${EPOCHREALTIME/./}
((!INTERRUPTED && (QEMU_RC == 124 || QEMU_RC == 137))) && [[ -n $TIMEOUT ]] && TIMED_OUT=1

# ---------------------------------------------------------------- report
fmt_ms() { printf '%d.%01d s' $(($1 / 1000)) $(($1 / 100 % 10)); }
PASSED=0 FAILED=0 SKIPPED=0 UNFINISHED=0
RESULT_LINES=()
for i in "${!TEST_IDS[@]}"; do
	id=${TEST_IDS[$i]} name=${TEST_NAMES[$i]}
	log=$RESULTS/$id.log
	status=$RESULTS/$id.status
	rc='' ms=''
	[[ -r $status ]] && read -r rc ms <"$status"
	if [[ -n $rc ]]; then
		echo "===== $name (exit $rc, $(fmt_ms "${ms:-0}"), log $log) ====="
	else
		echo "===== $name (did not finish, log $log) ====="
	fi
	if [[ -r $log ]]; then
		n=$(wc -l <"$log")
		if ((n > LOG_TAIL_LINES)); then
			echo "[... showing the last $LOG_TAIL_LINES of $n lines of $log ...]"
			tail -n "$LOG_TAIL_LINES" "$log"
		else
			cat "$log"
		fi
	else
		echo "[no log: the test did not start]"
	fi
	if [[ -z $rc ]]; then
		line="FAIL: $name (did not finish)"
		FAILED=$((FAILED + 1)) UNFINISHED=$((UNFINISHED + 1))
	elif ((rc == 0)); then
		line="PASS: $name"
		PASSED=$((PASSED + 1))
	elif ((rc == 77)); then
		line="SKIP: $name"
		SKIPPED=$((SKIPPED + 1))
	else
		line="FAIL: $name (exit $rc)"
		FAILED=$((FAILED + 1))
	fi
	echo "$line"
	RESULT_LINES+=("$line")
done

if ((INTERRUPTED)); then
	echo "run.sh: interrupted: the guest was stopped"
elif ((TIMED_OUT)); then
	echo "run.sh: the guest did not finish within $TIMEOUT s and was killed (--timeout SECONDS)"
elif ((QEMU_RC != 0)); then
	echo "run.sh: qemu exited with status $QEMU_RC; last lines of $RESULTS/qemu.log:"
	tail -n 20 "$RESULTS/qemu.log" 2>/dev/null || true
fi
if ! ((SHELL_MODE)) && { ((UNFINISHED)) || ((QEMU_RC != 0)) || [[ ! -e $RESULTS/guest-started ]]; }; then
	if [[ ! -e $RESULTS/guest-started ]]; then
		echo "run.sh: the guest did not boot to the test runner; last 40 lines of $CONSOLE_LOG:"
	else
		echo "run.sh: last 40 lines of the kernel console ($CONSOLE_LOG):"
	fi
	tail -n 40 "$CONSOLE_LOG" 2>/dev/null || echo "(no console log)"
fi

boot=
if [[ -r $RESULTS/guest-started ]]; then
	read -r _ uptime <"$RESULTS/guest-started" || true
	[[ -n ${uptime:-} ]] && boot=", guest up to the test runner in ${uptime} s"
fi
echo "run.sh: wall $(fmt_ms $(((T1 - T0) / 1000)))$boot"
if ((${#TEST_IDS[@]})); then
	((${#TEST_IDS[@]} > 1)) && printf '%s\n' "${RESULT_LINES[@]}"
	echo "guest: $PASSED passed, $FAILED failed, $SKIPPED skipped"
fi

if ((AUTO_RESULTS && FAILED == 0 && !KEEP && QEMU_RC == 0 && (!SHELL_MODE || ${#TEST_IDS[@]} == 0))); then
	rm -rf -- "$RESULTS"
	echo "run.sh: all passed; results removed (--keep keeps them)"
else
	echo "run.sh: results in $RESULTS"
fi
((INTERRUPTED)) && exit 130
((FAILED == 0)) || exit 1
((QEMU_RC == 0 || SHELL_MODE)) || exit 1
exit 0
