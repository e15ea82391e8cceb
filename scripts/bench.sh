#!/usr/bin/env bash
# Benchmarks at host scale, side by side with the shell way (issue 8): builds
# a release build, boots the qemu guest once (scripts/vm/run.sh) and runs
# tests/bench/guest.sh there, which measures each pair in that one boot,
# several runs each; then prints a table of medians (min-max) and ratios
# against the targets and writes it, with the method, to docs/performance.md.
#
# usage: scripts/bench.sh [OPTIONS]
#
#   --quick               smoke run (~2-3 min): 1 run, small sizes, no doc
#   --runs N              runs of each measurement (default 3)
#   --converge-rules N    tc rules of the convergence scenario (default 200)
#   --mpv-pairs N         MPV pairs of the convergence scenario, on a second
#                         NIC, when netdevsim models esw_multiport (default 8)
#   --tc-sizes "N ..."    rule counts of the tc benchmark (default "1000 10000")
#   --big                 add 50000 to the tc sizes
#   --ports N             representors attached to one bridge (default 1000)
#   --per-port-sample N   ovs-vsctl calls timed one per port (default 100; N >= the number
#                         of ports times every call, nothing extrapolated)
#   --status-rules N      rules of the status and daemon phases (default 10000)
#   --idle SECONDS        idle window of the daemon (default 30)
#   --repairs N           rules deleted by hand for the daemon to repair (5)
#   --phases "P ..."      base converge tc ports status daemon (default: all)
#   --profile             also keep `perf record` flat profiles of the big cases
#   --build DIR           use this build (default: build-bench/, made here
#                         with -Dbuildtype=release)
#   --results DIR         keep the guest's results there (default: a fresh
#                         ${TMPDIR:-/tmp}/ovs-offload-bench.XXXXXX, kept)
#   --doc FILE            write the results there (default docs/performance.md)
#   --no-doc              do not write the doc
#   --report DIR          only print (and write) the report of a finished
#                         run; the doc is written only if that run would
#                         have written it (not --quick, not --no-doc) or
#                         --doc is given
#   --timeout SECONDS     kill the guest after that long (default 1800)
#   --wait-idle MINUTES   first wait up to that long for other qemu guests on
#                         this machine to end (they skew every figure);
#                         default 0: warn and go on
#
# scripts/test.sh runs it with --quick, as a smoke test of this command and of
# the checks the guest makes along the way (each way ends with the host it
# should; a second apply is a no-op); the default sizes take ~25 min.
# Exit status: 0 when every phase ran and every such check held (targets
# missed are reported, not failed), 1 otherwise, 2 on usage errors.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$SCRIPT_DIR/.." && pwd)
cd "$REPO"

usage() {
	sed -n '2,/^set -euo/{/^#/s/^# \{0,1\}//p}' "${BASH_SOURCE[0]}"
}
die() {
	echo "bench.sh: $*" >&2
	exit 1
}
usage_error() {
	echo "bench.sh: $*" >&2
	echo "usage: scripts/bench.sh [--quick] [--runs N] [--tc-sizes \"N ...\"] [--big] ... (--help)" >&2
	exit 2
}
num() {
	[[ $2 =~ ^[0-9]+$ && $2 -gt 0 ]] || usage_error "$1 needs a positive number"
}

RUNS=3
CONVERGE_RULES=200
MPV_PAIRS=8
TC_SIZES="1000 10000"
PORTS=1000
PER_PORT_SAMPLE=100
STATUS_RULES=10000
IDLE=30
REPAIRS=5
BASE_RUNS=10
PHASES="base converge tc ports status daemon"
PROFILE=0
BUILD=
RESULTS=
DOC=docs/performance.md
DOC_GIVEN=0
WRITE_DOC=1
REPORT_ONLY=
TIMEOUT=1800
WAIT_IDLE=0
QUICK=0
BIG=0
while (($#)); do
	case $1 in
	--quick) QUICK=1 ;;
	--runs) num "$1" "${2:-}"; RUNS=$2; shift ;;
	--converge-rules) num "$1" "${2:-}"; CONVERGE_RULES=$2; shift ;;
	--mpv-pairs)
		[[ ${2:-} =~ ^[0-9]+$ ]] || usage_error "--mpv-pairs needs a number"
		MPV_PAIRS=$2
		shift
		;;
	--tc-sizes)
		[[ ${2:-} =~ ^[0-9]+( +[0-9]+)*$ ]] || usage_error "--tc-sizes needs numbers, e.g. \"1000 10000\""
		TC_SIZES=$2
		shift
		;;
	--big) BIG=1 ;;
	--ports) num "$1" "${2:-}"; PORTS=$2; shift ;;
	--per-port-sample) num "$1" "${2:-}"; PER_PORT_SAMPLE=$2; shift ;;
	--status-rules) num "$1" "${2:-}"; STATUS_RULES=$2; shift ;;
	--idle) num "$1" "${2:-}"; IDLE=$2; shift ;;
	--repairs) num "$1" "${2:-}"; REPAIRS=$2; shift ;;
	--phases)
		[[ -n ${2:-} ]] || usage_error "--phases needs a list"
		for p in $2; do
			[[ " base converge tc ports status daemon " == *" $p "* ]] || usage_error "unknown phase '$p'"
		done
		PHASES=$2
		shift
		;;
	--profile) PROFILE=1 ;;
	--build) BUILD=${2:-}; [[ -n $BUILD ]] || usage_error "--build needs a directory"; shift ;;
	--results) RESULTS=${2:-}; [[ -n $RESULTS ]] || usage_error "--results needs a directory"; shift ;;
	--doc) DOC=${2:-}; [[ -n $DOC ]] || usage_error "--doc needs a file"; DOC_GIVEN=1; shift ;;
	--no-doc) WRITE_DOC=0 ;;
	--report) REPORT_ONLY=${2:-}; [[ -d $REPORT_ONLY ]] || usage_error "--report needs a results directory"; shift ;;
	--timeout) num "$1" "${2:-}"; TIMEOUT=$2; shift ;;
	--wait-idle)
		[[ ${2:-} =~ ^[0-9]+$ ]] || usage_error "--wait-idle needs a number of minutes"
		WAIT_IDLE=$2
		shift
		;;
	-h | --help) usage; exit 0 ;;
	*) usage_error "unknown argument '$1'" ;;
	esac
	shift
done
if ((QUICK)); then
	RUNS=1 CONVERGE_RULES=50 MPV_PAIRS=2 TC_SIZES=1000 PORTS=100 PER_PORT_SAMPLE=8 STATUS_RULES=1000
	IDLE=5 REPAIRS=2 WRITE_DOC=0 BASE_RUNS=3
fi
((BIG)) && [[ " $TC_SIZES " != *" 50000 "* ]] && TC_SIZES="$TC_SIZES 50000"

# ---------------------------------------------------------------- run

# other_guests: how many qemu-system processes run now (before ours starts).
other_guests() {
	local n=0 p
	for p in /proc/[0-9]*; do
		[[ $(cat "$p/comm" 2>/dev/null) == qemu-system-* ]] && n=$((n + 1))
	done
	echo "$n"
}

# host_load: "load L1 L5, N other qemu guests"
host_load() {
	local l1 l5
	read -r l1 l5 _ </proc/loadavg
	echo "load average $l1 (1 min) $l5 (5 min), $(other_guests) qemu guest(s) running"
}

wait_idle() {
	local end=$((SECONDS + WAIT_IDLE * 60)) n
	n=$(other_guests)
	((n == 0)) && return 0
	if ((WAIT_IDLE > 0)); then
		echo "bench.sh: $n other qemu guest(s) running: waiting up to $WAIT_IDLE min for them to end"
		while ((SECONDS < end)); do
			n=$(other_guests)
			((n == 0)) && return 0
			sleep 10
		done
	fi
	echo "bench.sh: WARNING: $n other qemu guest(s) share this machine's $(nproc) cores: every figure is" \
		"skewed (use --wait-idle MINUTES)" >&2
}

run_guest() {
	local status=0 tailpid samplerpid
	if [[ -z $BUILD ]]; then
		BUILD=build-bench
		echo "bench.sh: building $BUILD (release)"
		scripts/build.sh "$BUILD" -Dbuildtype=release || die "the build failed (or use --build DIR)"
	else
		[[ -f $BUILD/build.ninja ]] || die "--build $BUILD: no meson build there"
		ninja -C "$BUILD" >/dev/null || ninja -C "$BUILD" || die "ninja -C $BUILD failed"
	fi
	BUILD=$(realpath "$BUILD")
	[[ -x $BUILD/ovs-offloadctl && -x $BUILD/tests/unit/tccapture ]] ||
		die "$BUILD lacks ovs-offloadctl or tests/unit/tccapture"
	if [[ -z $RESULTS ]]; then
		RESULTS=$(mktemp -d "${TMPDIR:-/tmp}/ovs-offload-bench.XXXXXX")
		rmdir "$RESULTS"
	fi
	echo "bench.sh: phases '$PHASES', $RUNS run(s); convergence with $CONVERGE_RULES rules;" \
		"tc $TC_SIZES; $PORTS ports; status at $STATUS_RULES rules; results in $RESULTS"
	export OO_BUILD=$BUILD OO_BENCH_RUNS=$RUNS OO_BENCH_PHASES=$PHASES \
		OO_BENCH_CONVERGE_RULES=$CONVERGE_RULES OO_BENCH_MPV_PAIRS=$MPV_PAIRS OO_BENCH_TC_SIZES=$TC_SIZES OO_BENCH_PORTS=$PORTS \
		OO_BENCH_PER_PORT_SAMPLE=$PER_PORT_SAMPLE OO_BENCH_STATUS_RULES=$STATUS_RULES \
		OO_BENCH_IDLE=$IDLE OO_BENCH_REPAIRS=$REPAIRS OO_BENCH_PROFILE=$PROFILE OO_BENCH_BASE_RUNS=$BASE_RUNS
	mkdir -p "$RESULTS"
	# What --report needs to know of this run, and cannot ask the guest.
	{
		printf 'commit\t%s%s\n' "$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo '?')" \
			"$(git -C "$REPO" diff --quiet HEAD -- 2>/dev/null || echo ' (with local changes)')"
		printf 'date\t%s\n' "$(date -u '+%Y-%m-%d')"
		printf 'machine\t%s\n' "$(machine)"
		printf 'doc\t%s\n' "$WRITE_DOC"
	} >"$RESULTS.run"
	wait_idle
	HOST_LOAD_BEFORE=$(host_load)
	echo "$HOST_LOAD_BEFORE" >"$RESULTS.load"
	# The guest's log grows in the results share: show its progress lines.
	(
		while [[ ! -e $RESULTS/01-guest.log ]]; do sleep 1; done
		exec tail -n +1 -F "$RESULTS/01-guest.log" 2>/dev/null | grep --line-buffered -E '^(====|BENCH|VALUE|INFO: problem|FAIL|SKIP)'
	) &
	tailpid=$!
	# Other guests during the run: one sample every 10 s (ours counts 1).
	(
		while sleep 10; do
			echo "$(($(other_guests) - 1))"
		done
	) >"$RESULTS.samples" 2>/dev/null &
	samplerpid=$!
	scripts/vm/run.sh --keep --results "$RESULTS" --timeout "$TIMEOUT" tests/bench/guest.sh \
		>"$RESULTS.run.log" 2>&1 || status=$?
	kill "$tailpid" "$samplerpid" 2>/dev/null || true
	wait "$tailpid" "$samplerpid" 2>/dev/null || true
	mv "$RESULTS.run.log" "$RESULTS/run.log"
	mv "$RESULTS.run" "$RESULTS/bench.run"
	{
		echo "before: $(cat "$RESULTS.load")"
		awk '{ n++; if ($1 > 0) busy++ } END {
			printf "during: other qemu guests ran in %d of %d samples (every 10 s)\n", busy, n }' "$RESULTS.samples"
		echo "after: $(host_load)"
	} >"$RESULTS/host-load.txt"
	rm -f "$RESULTS.load" "$RESULTS.samples"
	tail -n 4 "$RESULTS/run.log"
	return $status
}

# ---------------------------------------------------------------- report

# stats TSV: one line per section/case/variant:
#   key n median min max user sys ovs   (ms; CPU columns are medians)
stats() {
	awk -F'\t' '
	function med(a, n,   i, j, t, b) {
		for (i = 1; i <= n; i++) b[i] = a[i]
		for (i = 2; i <= n; i++) { t = b[i]; for (j = i - 1; j >= 1 && b[j] > t; j--) b[j + 1] = b[j]; b[j + 1] = t }
		lo = b[1]; hi = b[n]
		return n % 2 ? b[(n + 1) / 2] : (b[n / 2] + b[n / 2 + 1]) / 2
	}
	$9 == 0 {
		k = $1 "/" $2 "/" $3
		if (!(k in n)) order[++nk] = k
		i = ++n[k]
		w[k, i] = $5 / 1000; u[k, i] = $6; s[k, i] = $7; o[k, i] = $8
	}
	END {
		for (x = 1; x <= nk; x++) {
			k = order[x]; c = n[k]
			for (i = 1; i <= c; i++) { a[i] = w[k, i] }
			m = med(a, c); mlo = lo; mhi = hi
			for (i = 1; i <= c; i++) a[i] = u[k, i]; mu = med(a, c)
			for (i = 1; i <= c; i++) a[i] = s[k, i]; ms = med(a, c)
			for (i = 1; i <= c; i++) a[i] = o[k, i]; mo = med(a, c)
			printf "%s %d %.1f %.1f %.1f %.0f %.0f %.0f\n", k, c, m, mlo, mhi, mu, ms, mo
		}
	}' "$1"
}

declare -A N MED MIN MAX USR SYS OVS VAL INFO RUN
load() {
	local dir=$1 k n m lo hi u s o sec name v unit
	[[ -r $dir/bench.tsv ]] || die "$dir/bench.tsv not found: the guest did not start the benchmark"
	while read -r k n m lo hi u s o; do
		N[$k]=$n MED[$k]=$m MIN[$k]=$lo MAX[$k]=$hi USR[$k]=$u SYS[$k]=$s OVS[$k]=$o
	done < <(stats "$dir/bench.tsv")
	if [[ -r $dir/bench.values ]]; then
		while IFS=$'\t' read -r sec name v unit; do
			VAL[$sec/$name]=$v
			VAL[$sec/$name/unit]=$unit
		done <"$dir/bench.values"
	fi
	# Runs made before bench.run existed: the date of their results.
	RUN[date]=$(date -u -r "$dir/bench.tsv" '+%Y-%m-%d')
	if [[ -r $dir/bench.run ]]; then
		while IFS=$'\t' read -r name v; do
			RUN[$name]=$v
		done <"$dir/bench.run"
	fi
	if [[ -r $dir/bench.info ]]; then
		while IFS=$'\t' read -r _ name v; do
			if [[ $name == problem ]]; then
				INFO[problem]+="$v"$'\n'
			else
				INFO[$name]=$v
			fi
		done <"$dir/bench.info"
	fi
}

# fmt MS: "850 ms", "12.3 s"
fmt() {
	awk -v m="$1" 'BEGIN {
		if (m >= 100000) printf "%.0f s", m / 1000
		else if (m >= 10000) printf "%.1f s", m / 1000
		else if (m >= 1000) printf "%.2f s", m / 1000
		else if (m >= 10) printf "%.0f ms", m
		else printf "%.1f ms", m }'
}
# cell KEY: "median (min-max)" or "-" when not measured.
cell() {
	local k=$1
	[[ -n ${MED[$k]:-} ]] || { echo "not measured"; return; }
	if ((${N[$k]} > 1)); then
		echo "$(fmt "${MED[$k]}") ($(fmt "${MIN[$k]}")–$(fmt "${MAX[$k]}"))"
	else
		fmt "${MED[$k]}"
	fi
}
# cpu KEY: "user U / sys S" (medians).
cpu() {
	[[ -n ${MED[$1]:-} ]] || { echo "-"; return; }
	echo "$(fmt "${USR[$1]}") / $(fmt "${SYS[$1]}")"
}
# ratio A B: B / A as "12.3x" (empty when either is missing).
ratio() {
	[[ -n ${1:-} && -n ${2:-} ]] || return 0
	awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0) printf "%.2fx", b / a }'
}
# speed OURS THEIRS: "12.3x faster" or "2.1x slower" (OURS, THEIRS in ms).
speed() {
	[[ -n ${1:-} && -n ${2:-} ]] || { echo "-"; return; }
	awk -v a="$1" -v b="$2" 'BEGIN { if (a <= 0 || b <= 0) print "-"; else if (b >= a) printf "%.2fx faster", b / a; else printf "%.2fx slower", a / b }'
}
# judge VALUE OP THRESHOLD: "met" / "missed" ("-" when VALUE is empty).
judge() {
	local v=${1%x}
	[[ -n $v ]] || { echo "-"; return; }
	awk -v v="$v" -v op="$2" -v t="$3" 'BEGIN {
		ok = (op == ">=") ? v >= t : (op == "<=") ? v <= t : (op == ">") ? v > t : v < t
		print ok ? "**met**" : "**missed**" }'
}

# target_if COND RATIO OP THRESHOLD: sets tgt and verdict for a row, the
# target judged when COND (a [[ ]] expression) holds, "-" otherwise.
target_if() {
	tgt="-" verdict="-"
	eval "[[ $1 ]]" || return 0
	local shown=${3/>=/≥}
	tgt="${shown/<=/≤} ${4}x" verdict=$(judge "$2" "$3" "$4")
}

# row WHAT OURS THEIRS RATIO TARGET VERDICT
ROWS=()
row() {
	ROWS+=("| $1 | $2 | $3 | $4 | $5 | $6 |")
}

build_table() {
	local n k a b r what how
	ROWS=()
	# (1)
	a=${MED[converge/full/apply]:-} b=${MED[converge/full/shell]:-}
	r=$(ratio "$a" "$b")
	local mpv=""
	((${INFO[mpv_pairs]:-0} > 0)) && mpv=", ${INFO[mpv_pairs]} MPV pairs ($((4 * INFO[mpv_pairs])) rules) on a second NIC"
	row "(1) full convergence from a clean host: 2 PFs x 64 VFs, VF-LAG bond, 129 OVS ports, $CONVERGE_RULES tc rules$mpv" \
		"apply: $(cell converge/full/apply)" \
		"shell, one command per object ($(grep -o '[0-9]* commands' <<<"${INFO[converge_shell_run1]:-}" || echo "?")): $(cell converge/full/shell)" \
		"$(speed "$a" "$b")" "≥ 20x" "$(judge "$r" '>=' 20)"
	if [[ -n $a && -n ${MED[converge/noop/apply]:-} ]]; then
		r=$(awk -v a="$a" -v b="${MED[converge/noop/apply]}" 'BEGIN { printf "%.1f%%", 100 * b / a }')
		row "(1) second, no-op apply" "$(cell converge/noop/apply) (plan: $(cell converge/noop/plan))" "-" \
			"$r of the first" "≤ 5%" "$(judge "${r%\%}" '<=' 5)"
	fi
	if [[ -n $a && -n ${MED[converge/noop/apply-fixed-addresses]:-} ]]; then
		r=$(awk -v a="$a" -v b="${MED[converge/noop/apply-fixed-addresses]}" 'BEGIN { printf "%.1f%%", 100 * b / a }')
		row "(1) the same no-op apply with the guest's address randomization off, so that the emulator reuses the code it translated (a measurement of the emulator, not a target)" \
			"$(cell converge/noop/apply-fixed-addresses)" "-" "$r of the first" "-" "-"
	fi
	# (2)
	for n in $TC_SIZES; do
		a=${MED[tc/install-$n/apply]:-} b=${MED[tc/install-$n/tc-batch]:-}
		[[ -n $a || -n $b ]] || continue
		local fmt_ fmts="json yaml" tgt verdict
		# The targets are judged on the config as a program writes it
		# (JSON); the YAML row is the same config as a person writes it
		# (block style, read by config/ytree.c's block reader).
		for fmt_ in $fmts; do
			local v=apply-json label="config written as JSON"
			[[ $fmt_ == yaml ]] && v=apply label="config written as YAML"
			a=${MED[tc/install-$n/$v]:-}
			[[ -n $a ]] || continue
			r=$(ratio "$a" "$b")
			target_if '$n == 10000 && $fmt_ == json' "$r" '>=' 1.25
			row "(2) install $n owned rules on one uplink, $label" "apply: $(cell "tc/install-$n/$v") [CPU $(cpu "tc/install-$n/$v")]" \
				"tc -batch: $(cell "tc/install-$n/tc-batch") [CPU $(cpu "tc/install-$n/tc-batch")]" "$(speed "$a" "$b")" "$tgt" "$verdict"
			if [[ $n == 10000 && -n ${SYS[tc/install-$n/tc-batch]:-} ]]; then
				r=$(awk -v a="$a" -v s="${SYS[tc/install-$n/tc-batch]}" 'BEGIN { if (s > 0) printf "%.2fx", a / s }')
				target_if '$fmt_ == json' "$r" '<=' 1.15
				row "(2) install $n ($fmt_): apply's wall time vs the kernel (system) time of tc -batch" "$(fmt "$a")" \
					"tc -batch system time: $(fmt "${SYS[tc/install-$n/tc-batch]}")" "$r of it" "$tgt" "$verdict"
			fi
		done
		a=${MED[tc/delete-$n/apply]:-} b=${MED[tc/delete-$n/tc-batch]:-}
		r=$(ratio "$a" "$b")
		target_if '$n == 10000' "$r" '>=' 1
		row "(2) delete all $n (config without rules)" "apply: $(cell "tc/delete-$n/apply") [CPU $(cpu "tc/delete-$n/apply")]" \
			"tc -batch deletes by handle: $(cell "tc/delete-$n/tc-batch") [CPU $(cpu "tc/delete-$n/tc-batch")]" "$(speed "$a" "$b")" "$tgt" "$verdict"
		for what in install delete; do
			a=${MED[tc/$what-$n-listener/apply]:-} b=${MED[tc/$what-$n-listener/tc-batch]:-}
			[[ -n $a || -n $b ]] || continue
			row "(2) $what $n while a tc monitor listens (kernel notifications on)" \
				"apply: $(cell "tc/$what-$n-listener/apply") [CPU $(cpu "tc/$what-$n-listener/apply")]" \
				"tc -batch: $(cell "tc/$what-$n-listener/tc-batch") [CPU $(cpu "tc/$what-$n-listener/tc-batch")]" \
				"$(speed "$a" "$b")" "-" "-"
		done
		b=${MED[tc/noop-$n/tc-show]:-}
		a=${MED[tc/noop-$n/apply-json]:-}
		if [[ -n $a ]]; then
			r=$(ratio "$a" "$b")
			target_if '$n == 10000' "$r" '>=' 2
			row "(2) no-op reconcile at $n rules, config written as JSON" "apply: $(cell "tc/noop-$n/apply-json")" \
				"tc -s -j filter show: $(cell "tc/noop-$n/tc-show")" "$(speed "$a" "$b")" "$tgt" "$verdict"
		fi
		a=${MED[tc/noop-$n/apply]:-}
		row "(2) no-op reconcile at $n rules, config written as YAML" \
			"apply: $(cell "tc/noop-$n/apply"); plan: $(cell "tc/noop-$n/plan")" \
			"tc -s -j filter show: $(cell "tc/noop-$n/tc-show")" "$(speed "$a" "$b")" "-" "-"
		# The daemon holds the config loaded: the same work without the YAML.
		a=${MED[tc/install-$n/daemon-reconcile]:-} b=${MED[tc/install-$n/tc-batch]:-}
		if [[ -n $a ]]; then
			r=$(ratio "$a" "$b")
			target_if '$n == 10000' "$r" '>=' 1.25
			row "(2) daemon: put back $n rules flushed behind its back (ovs-appctl reconcile; upper bound)" \
				"ovs-offloadd: $(cell "tc/install-$n/daemon-reconcile") (its tc-sync step: $(cell "tc/install-$n/daemon-step"))" \
				"tc -batch: $(cell "tc/install-$n/tc-batch")" "$(speed "$a" "$b")" "$tgt" "$verdict"
			if [[ $n == 10000 && -n ${SYS[tc/install-$n/tc-batch]:-} ]]; then
				r=$(awk -v a="$a" -v s="${SYS[tc/install-$n/tc-batch]}" 'BEGIN { if (s > 0) printf "%.2fx", a / s }')
				row "(2) daemon: the same vs the kernel (system) time of tc -batch" "$(fmt "$a")" \
					"tc -batch system time: $(fmt "${SYS[tc/install-$n/tc-batch]}")" "$r of it" "≤ 1.15x" "$(judge "$r" '<=' 1.15)"
			fi
		fi
		a=${MED[tc/noop-$n/daemon-reconcile]:-} b=${MED[tc/noop-$n/tc-show]:-}
		if [[ -n $a ]]; then
			r=$(ratio "$a" "$b")
			target_if '$n == 10000' "$r" '>=' 2
			row "(2) daemon: no-op reconcile pass at $n rules (ovs-appctl reconcile)" "ovs-offloadd: $(cell "tc/noop-$n/daemon-reconcile")" \
				"tc -s -j filter show: $(cell "tc/noop-$n/tc-show")" "$(speed "$a" "$b")" "$tgt" "$verdict"
		fi
		a=${MED[tc/noop-$n/daemon-pass]:-}
		if [[ -n $a ]]; then
			row "(2) daemon: the same pass as the daemon times it (its answer), without ovs-appctl's start and connection" \
				"pass: $(cell "tc/noop-$n/daemon-pass"); ovs-appctl ... version alone: $(cell "tc/noop-$n/appctl-version")" \
				"tc -s -j filter show: $(cell "tc/noop-$n/tc-show")" "$(speed "$a" "$b")" "-" "-"
		fi
		a=${MED[tc/noop-$n/daemon-reconcile-idle]:-}
		if [[ -n $a ]]; then
			row "(2) daemon: the same after 4 s quiet (its heap given back, faulted in again)" \
				"ovs-offloadd: $(cell "tc/noop-$n/daemon-reconcile-idle")" \
				"tc -s -j filter show: $(cell "tc/noop-$n/tc-show")" "$(speed "$a" "$b")" "-" "-"
		fi
	done
	# (3)
	a=${MED[ports/attach/apply]:-} b=${MED[ports/attach/vsctl-batched]:-}
	if [[ -n $a || -n $b ]]; then
		r=$(awk -v a="$a" -v b="$b" 'BEGIN { if (b > 0) printf "%.2fx", a / b }')
		row "(3) attach ${INFO[ports]:-$PORTS} representors to a new bridge" "apply: $(cell ports/attach/apply)" \
			"one ovs-vsctl, ${INFO[ports]:-$PORTS} add-port clauses: $(cell ports/attach/vsctl-batched)" \
			"apply takes $r of it" "≤ 1.2x" "$(judge "$r" '<=' 1.2)"
		b=${MED[ports/attach/vsctl-per-port-all]:-}
		how="every call timed"
		if [[ -z $b ]]; then
			b=${MED[ports/attach/vsctl-per-port-extrapolated]:-}
			how="extrapolated from ${PER_PORT_SAMPLE} timed calls, one in the middle of each block of ports"
		fi
		r=$(ratio "$a" "$b")
		row "(3) the same, one ovs-vsctl per port" "apply: $(cell ports/attach/apply)" \
			"$(fmt "${b:-0}") ($how)" "$(speed "$a" "$b")" "≥ 40x" "$(judge "$r" '>=' 40)"
	fi
	# (4)
	k=status/status-$STATUS_RULES
	a=${MED[$k/ctl-json]:-}
	if [[ -n $a ]]; then
		b=${MED[$k/tc-per-device]:-}
		r=$(ratio "$a" "$b")
		row "(4) status at $STATUS_RULES rules over 130 devices" "status --json: $(cell "$k/ctl-json") [CPU $(cpu "$k/ctl-json")]" \
			"tc -s -j per device (129) + 2 ovs-appctl: $(cell "$k/tc-per-device")" "$(speed "$a" "$b")" "≥ 10x" "$(judge "$r" '>=' 10)"
		b=${MED[$k/tc-batch]:-}
		r=$(ratio "$a" "$b")
		row "(4) the same vs one tc -s -j -batch of all places" "status --json: $(cell "$k/ctl-json")" \
			"tc -s -j -batch: $(cell "$k/tc-batch") [CPU $(cpu "$k/tc-batch")]" "$(speed "$a" "$b")" "> 1x" "$(judge "$r" '>' 1)"
	fi
	# (5) (6)
	if [[ -n ${VAL[daemon/rss-peak-after-repairs]:-} ]]; then
		local rss=${VAL[daemon/rss-peak-after-repairs]}
		row "(5) daemon memory at $STATUS_RULES rules, 256 representors" \
			"RSS $((${VAL[daemon/rss-after-pass]:-0} / 1024)) MiB right after the first pass, $((${VAL[daemon/rss]} / 1024)) MiB idle; peak $((rss / 1024)) MiB" "-" "-" "< 32 MiB" \
			"$(judge "$rss" '<' 32768)"
		# Runs since session 27 read nanoseconds and count wakeups; older
		# ones read /proc/PID/stat's 10 ms units, which round a few ms of
		# CPU to 0 or 10, and are judged at 20 ms.
		local idle="${VAL[daemon/idle-cpu]} ms of CPU over $IDLE s" idle_max=20
		if [[ -n ${VAL[daemon/idle-wakeups]:-} ]]; then
			idle+=", scheduled in ${VAL[daemon/idle-wakeups]} times" idle_max=1
		fi
		row "(5) daemon CPU while idle" "$idle" "-" "-" "indistinguishable from 0" \
			"$(judge "${VAL[daemon/idle-cpu]}" '<=' "$idle_max")"
	elif [[ " $PHASES " == *" daemon "* ]]; then
		row "(5) daemon memory and idle CPU" "not measured (${INFO[daemon]:-see the problems below})" "-" "-" "< 32 MiB; ~0" "-"
	fi
	if [[ -n ${MED[daemon/repair/daemon]:-} ]]; then
		row "(6) from a deleted rule to its repair by the daemon" "$(cell daemon/repair/daemon)" "-" "-" "-" "-"
	fi
}

print_table() {
	echo "| benchmark | ovs-offload | the other way | ratio | target | |"
	echo "|---|---|---|---|---|---|"
	printf '%s\n' "${ROWS[@]}"
}

print_all() {
	local k
	echo "| measurement | runs | median | min | max | user CPU | system CPU | ovs-vswitchd + ovsdb-server CPU |"
	echo "|---|---|---|---|---|---|---|---|"
	while read -r k _; do
		[[ $k == ports/per-port-call/* ]] && continue
		echo "| $k | ${N[$k]} | $(fmt "${MED[$k]}") | $(fmt "${MIN[$k]}") | $(fmt "${MAX[$k]}") | $(fmt "${USR[$k]}") | $(fmt "${SYS[$k]}") | $(fmt "${OVS[$k]}") |"
	done < <(stats "$RES_DIR/bench.tsv")
}

print_notes() {
	local k
	if [[ -n ${INFO[kernel]:-} ]]; then
		echo "- guest: ${INFO[kernel]}, ${INFO[cpus]:-?} vCPUs, $((${INFO[memory_kib]:-0} / 1024)) MiB; ${INFO[ovs]:-?}; ${INFO[iproute2]:-?}"
		echo "- process costs in this guest (median of ${N[base/proc-start/true]:-?}, before any scenario): /bin/true $(cell base/proc-start/true)," \
			"one tc $(cell base/tc-call/tc), one ovs-vsctl $(cell base/ovs-vsctl-call/ovs-vsctl)," \
			"ovs-offloadctl --version $(cell base/ctl-start/ovs-offloadctl)"
		[[ -n ${MED[base/proc-start/true-fixed-addresses]:-} ]] &&
			echo "- the same with the guest's address randomization off (the emulator reuses its translations):" \
				"/bin/true $(cell base/proc-start/true-fixed-addresses)," \
				"ovs-offloadctl --version $(cell base/ctl-start/ovs-offloadctl-fixed-addresses)"
	fi
	if [[ -n ${MED[status/proc-start-loaded/true]:-} ]]; then
		echo "- the same on the status host ($STATUS_RULES rules on 129 OVS ports, ovs-vswitchd's revalidators dump them):" \
			"/bin/true $(cell status/proc-start-loaded/true), one tc $(cell status/tc-call-loaded/tc)," \
			"one ovs-vsctl $(cell status/ovs-vsctl-call-loaded/ovs-vsctl)"
	fi
	[[ -n ${INFO[mpv]:-} ]] && echo "- MPV: ${INFO[mpv]}"
	if [[ -r $RES_DIR/host-load.txt ]]; then
		echo "- host load (the machine is shared; other guests skew the figures): $(paste -sd';' "$RES_DIR/host-load.txt" | sed 's/;/; /')"
	fi
	for k in converge_shell_run1 tc_device ports_setup ports_per_port ports_per_port_q0 ports_per_port_q1 ports_per_port_q2 \
		ports_per_port_q3 ports_apply_run1 status_places daemon_setup guest_seconds; do
		[[ -n ${INFO[$k]:-} ]] && echo "- $k: ${INFO[$k]}"
	done
	[[ -n ${VAL[daemon/first-pass-in-sync]:-} ]] &&
		echo "- daemon: in sync ${VAL[daemon/first-pass-in-sync]} ${VAL[daemon/first-pass-in-sync/unit]};" \
			"idle: ${VAL[daemon/idle-cpu]:-?} ${VAL[daemon/idle-cpu/unit]:-}"
	if [[ -n ${INFO[problem]:-} ]]; then
		echo "- problems seen by the guest:"
		while IFS= read -r k; do [[ -n $k ]] && echo "  - $k"; done <<<"${INFO[problem]}"
	fi
	return 0
}

# machine: this host and the emulator the guest runs on (the first
# qemu-system-x86_64 on PATH, as scripts/vm/run.sh starts it).
machine() {
	local model cores mem
	model=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
	cores=$(nproc)
	mem=$(awk '/MemTotal/ { printf "%d", $2 / 1048576 }' /proc/meminfo)
	echo "$model, $cores cores, $mem GiB; $(uname -sr); $(qemu-system-x86_64 --version | awk 'NR == 1')"
}

write_doc() {
	local doc=$1 gen tmp
	tmp=$(mktemp)
	{
		echo "<!-- bench:begin: generated by scripts/bench.sh on $(date -u '+%Y-%m-%d %H:%M UTC'); edit outside the markers -->"
		echo
		echo "Run of ${RUN[date]:-?}, commit ${RUN[commit]:-not recorded}:"
		echo "\`scripts/bench.sh --runs $RUNS --converge-rules $CONVERGE_RULES --mpv-pairs ${INFO[mpv_pairs]:-0} --tc-sizes \"$TC_SIZES\" --ports $PORTS --status-rules $STATUS_RULES\`."
		echo "Host: ${RUN[machine]:-$(machine) (at report time)}. Medians of $RUNS runs (min–max)."
		echo
		print_table
		echo
		print_notes
		echo
		echo "<details><summary>Every measurement (wall time; CPU time of the command and its children, medians)</summary>"
		echo
		print_all
		echo
		echo "</details>"
		echo
		echo "<!-- bench:end -->"
	} >"$tmp"
	gen=$(cat "$tmp")
	rm -f "$tmp"
	if [[ -f $doc ]] && grep -q '^<!-- bench:begin' "$doc" && grep -q '^<!-- bench:end -->' "$doc"; then
		awk -v gen="$gen" '
			/^<!-- bench:begin/ { print gen; skip = 1; next }
			/^<!-- bench:end -->/ { skip = 0; next }
			!skip { print }' "$doc" >"$doc.new"
		mv "$doc.new" "$doc"
	else
		{
			echo "# Performance"
			echo
			echo "Measured by \`scripts/bench.sh\` (see the README, \"Benchmarks\")."
			echo
			echo "## Results"
			echo
			echo "$gen"
		} >"$doc"
	fi
	echo "bench.sh: wrote $doc"
}

# annotate DIR: callgrind-NAME.txt (inclusive cost per function, top 40)
# next to each callgrind-NAME.out the guest left.
annotate() {
	local f
	command -v callgrind_annotate >/dev/null || return 0
	for f in "$1"/callgrind-*.out; do
		[[ -e $f && ! -e ${f%.out}.txt ]] || continue
		callgrind_annotate --inclusive=yes "$f" 2>/dev/null | awk 'NR <= 60' >"${f%.out}.txt"
	done
}

report() {
	RES_DIR=$1
	annotate "$RES_DIR"
	load "$RES_DIR"
	# The sizes the guest ran with (they label the rows).
	RUNS=${INFO[runs]:-$RUNS} CONVERGE_RULES=${INFO[converge_rules]:-$CONVERGE_RULES}
	TC_SIZES=${INFO[tc_sizes]:-$TC_SIZES} PORTS=${INFO[ports]:-$PORTS}
	PER_PORT_SAMPLE=${INFO[per_port_sample]:-$PER_PORT_SAMPLE} STATUS_RULES=${INFO[status_rules]:-$STATUS_RULES}
	IDLE=${INFO[idle]:-$IDLE} PHASES=${INFO[phases]:-$PHASES}
	build_table
	echo
	print_table
	echo
	print_notes
	if ((WRITE_DOC)) && [[ -n $REPORT_ONLY ]] && ((!DOC_GIVEN)) && [[ ${RUN[doc]:-1} == 0 ]]; then
		# A smoke run's single small run would replace the table of record.
		echo "bench.sh: not writing $DOC: that run was made with --quick or --no-doc (--doc FILE writes anyway)"
	elif ((WRITE_DOC)); then
		write_doc "$DOC"
	fi
}

STATUS=0
if [[ -n $REPORT_ONLY ]]; then
	RESULTS=$REPORT_ONLY
else
	run_guest || STATUS=1
fi
report "$RESULTS"
# A check that failed makes the figures of its phase doubtful, whatever
# they say: the run did not do what it measured.
if [[ -n ${INFO[problem]:-} ]]; then
	echo "bench.sh: the guest saw $(grep -c . <<<"${INFO[problem]}") problem(s) (listed above)" >&2
	STATUS=1
fi
echo "bench.sh: results in $RESULTS"
exit $STATUS
