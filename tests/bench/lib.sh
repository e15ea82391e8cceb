# shellcheck shell=bash
# tests/bench/lib.sh: helpers of the guest side of the benchmark
# (tests/bench/guest.sh, run by scripts/bench.sh): timing with CPU times,
# the configs of the scenarios, and the netdevsim host they run on.
# Sourced after tests/vm/lib.sh (netdevsim, OVS and cleanup helpers).

# ---------------------------------------------------------------- timing

# Each measurement is one line of $BENCH_TSV:
#   section case variant run wall_us user_ms sys_ms ovs_ms rc
# wall_us: wall clock of the command; user_ms/sys_ms: CPU time of the
# command and everything it ran (the shell's children times, 10 ms ticks);
# ovs_ms: CPU time ovs-vswitchd + ovsdb-server spent meanwhile.
BENCH_TSV=${BENCH_TSV:-/tmp/bench.tsv}
BENCH_LOG=${BENCH_LOG:-/tmp/bench-commands.log}
BENCH_TICK_MS=$((1000 / $(getconf CLK_TCK)))

# _bench_cticks: CT_U CT_S = user and system ticks of this shell's waited-for
# children. No command substitution (a subshell has its own counters).
_bench_cticks() {
	local line
	local -a f
	read -r line <"/proc/$BASHPID/stat"
	read -r -a f <<<"${line##*) }"
	CT_U=${f[13]} CT_S=${f[14]}
}

# _bench_pticks PID: PT = user + system ticks of PID (0 if gone).
_bench_pticks() {
	local line
	local -a f
	PT=0
	[[ -n $1 ]] && read -r line 2>/dev/null <"/proc/$1/stat" || return 0
	read -r -a f <<<"${line##*) }"
	PT=$((f[11] + f[12]))
}

# _bench_ovs_ticks: OT = CPU ticks of ovs-vswitchd and ovsdb-server so far.
_bench_ovs_ticks() {
	local p total=0 d
	OT=0
	[[ -n ${OVS_RUNDIR:-} ]] || return 0
	for d in ovs-vswitchd ovsdb-server; do
		read -r p 2>/dev/null <"$OVS_RUNDIR/$d.pid" || continue
		_bench_pticks "$p"
		total=$((total + PT))
	done
	OT=$total
}

# measure SECTION CASE VARIANT RUN CMD...: run CMD (output appended to
# $BENCH_LOG, or written to $MEASURE_OUT when set: that file holds this
# run's output alone, for the checks that read it), record one line.
# Returns CMD's status. CMD may be a shell function: what it runs is counted.
measure() {
	local sec=$1 case=$2 var=$3 run=$4 u0 s0 o0 t0 t1 rc out=${MEASURE_OUT:-$BENCH_LOG}
	shift 4
	[[ -n ${MEASURE_OUT:-} ]] && : >"$MEASURE_OUT"
	echo "## $sec/$case/$var run $run: $*" >>"$BENCH_LOG"
	_bench_cticks
	u0=$CT_U s0=$CT_S
	_bench_ovs_ticks
	o0=$OT
	t0=${EPOCHREALTIME/./}
	"$@" >>"$out" 2>&1
	rc=$?
	t1=${EPOCHREALTIME/./}
	_bench_cticks
	_bench_ovs_ticks
	printf '%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\n' "$sec" "$case" "$var" "$run" $((t1 - t0)) \
		$(((CT_U - u0) * BENCH_TICK_MS)) $(((CT_S - s0) * BENCH_TICK_MS)) \
		$(((OT - o0) * BENCH_TICK_MS)) "$rc" >>"$BENCH_TSV"
	printf 'BENCH %-9s %-22s %-20s run %-3s %9.1f ms  user %5d  sys %5d  ovs %5d  rc %d\n' \
		"$sec" "$case" "$var" "$run" "$(((t1 - t0) / 1000)).$(((t1 - t0) / 100 % 10))" \
		$(((CT_U - u0) * BENCH_TICK_MS)) $(((CT_S - s0) * BENCH_TICK_MS)) \
		$(((OT - o0) * BENCH_TICK_MS)) "$rc"
	return $rc
}

# record SECTION CASE VARIANT RUN WALL_US [USER_MS SYS_MS OVS_MS RC]: a line
# measured some other way (extrapolations, daemon figures).
record() {
	printf '%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\n' "$1" "$2" "$3" "$4" "$5" "${6:-0}" "${7:-0}" \
		"${8:-0}" "${9:-0}" >>"$BENCH_TSV"
	printf 'BENCH %-9s %-22s %-20s run %-3s %9d us (recorded)\n' "$1" "$2" "$3" "$4" "$5"
}

# info KEY VALUE: a fact about the run (versions, sizes, what was skipped).
info() {
	printf 'info\t%s\t%s\n' "$1" "$2" >>"${BENCH_TSV%.tsv}.info"
	echo "INFO: $1: $2"
}

# ---------------------------------------------------------------- configs

# The rule set of the convergence and status scenarios: rule i goes to place
# i % 129, place 0 being bond0 (its shared block; the rule redirects to a VF
# representor) and place k (1..128) the representor of VF (k-1)%64 of
# pf((k-1)/64) (the rule redirects to bond0); each matches one IPv4
# destination, 10.(i>>16).(i>>8 & 255).(i & 255). The same arithmetic is in
# tests/bench/shell-converge.sh.

# gen_full_config FILE NRULES [mpv=M] [extra]: two netdevsim PFs
# (netdevsim10/11) with 64 VFs each in switchdev, a VF-LAG bond (802.3ad),
# one bridge with the bond and the 128 representors, NRULES rules.
#   mpv=M  a second NIC for MultiPort vHCA (netdevsim12/13, M VFs each,
#          switchdev, multiport) and M MPV pairs: pair k = VF k of each port,
#          address 10.200.(k>>8).(k & 255)
#   extra  a third NIC (netdevsim14/15, 64 VFs each, switchdev) with one
#          bridge per port (uplink + 64 representors): 128 representors more
gen_full_config() {
	local file=$1 n=$2 mpv=0 extra=0 o k
	shift 2
	for o in "$@"; do
		case $o in
		mpv=*) mpv=${o#mpv=} ;;
		extra) extra=1 ;;
		esac
	done
	{
		cat <<-Y
		version: 1
		ovs:
		  hw_offload: true
		  tc_policy: none
		pfs:
		  - {name: pf0, device: netdevsim/netdevsim10, eswitch: switchdev, num_vfs: 64}
		  - {name: pf1, device: netdevsim/netdevsim11, eswitch: switchdev, num_vfs: 64}
		Y
		if ((mpv > 0)); then
			cat <<-Y
			  - {name: pf2, device: netdevsim/netdevsim12, eswitch: switchdev, num_vfs: $mpv, multiport: true}
			  - {name: pf3, device: netdevsim/netdevsim13, eswitch: switchdev, num_vfs: $mpv, multiport: true}
			Y
		fi
		if ((extra)); then
			cat <<-Y
			  - {name: pf4, device: netdevsim/netdevsim14, eswitch: switchdev, num_vfs: 64}
			  - {name: pf5, device: netdevsim/netdevsim15, eswitch: switchdev, num_vfs: 64}
			Y
		fi
		cat <<-Y
		bonds:
		  - {name: bond0, mode: 802.3ad, members: [pf0, pf1], miimon: 100, xmit_hash_policy: layer3+4, lacp_rate: fast}
		bridges:
		  - {name: br-offload, uplink: bond0, representors: [pf0/0-63, pf1/0-63]}
		Y
		if ((extra)); then
			cat <<-Y
			  - {name: br-pf4, uplink: pf4, representors: [pf4/0-63]}
			  - {name: br-pf5, uplink: pf5, representors: [pf5/0-63]}
			Y
		fi
		((n > 0 || mpv > 0)) && echo "tc:"
		((n > 0)) && echo "  rules:"
		awk -v n="$n" 'BEGIN {
			for (i = 0; i < n; i++) {
				p = i % 129
				ip = sprintf("10.%d.%d.%d", int(i / 65536) % 256, int(i / 256) % 256, i % 256)
				if (p == 0)
					printf "    - {name: r%d, dev: bond0, prio: 10, match: {eth_type: ipv4, dst_ip: %s/32}, actions: [{redirect: pf%d/%d}]}\n", i, ip, int(i / 129) % 2, int(i / 258) % 64
				else
					printf "    - {name: r%d, dev: pf%d/%d, prio: 10, match: {eth_type: ipv4, dst_ip: %s/32}, actions: [{redirect: bond0}]}\n", i, int((p - 1) / 64), (p - 1) % 64, ip
			}
		}'
		if ((mpv > 0)); then
			echo "  mpv:"
			for ((k = 0; k < mpv; k++)); do
				echo "    - {name: vm$k, vfs: [pf2/$k, pf3/$k], ip: 10.200.$((k >> 8)).$((k & 255))}"
			done
		fi
	} >"$file"
}

# gen_tc_config FILE DEVICE N: one PF (switchdev, no VFs) with N rules on its
# uplink, the rules tests/tools/tccapture generates (`tccapture tc-lines`
# gives the same rules, with the same ownership cookies, as tc -batch input):
# rule i is "rule-i", protocol ip, pref 100, flower ip_proto tcp dst_ip
# 10.(i>>16).(i>>8 & 255).(i & 255) dst_port 80, action drop.
gen_tc_config() {
	local file=$1 dev=$2 n=$3
	{
		cat <<-Y
		version: 1
		pfs:
		  - {name: t0, device: $dev, eswitch: switchdev}
		Y
		((n > 0)) && echo "tc:" && echo "  rules:"
		awk -v n="$n" 'BEGIN {
			for (i = 0; i < n; i++)
				printf "    - {name: rule-%d, dev: t0, prio: 100, match: {eth_type: ipv4, ip_proto: tcp, dst_ip: 10.%d.%d.%d/32, dst_port: 80}, actions: [drop]}\n", i, int(i / 65536) % 256, int(i / 256) % 256, i % 256
		}'
	} >"$file"
}

# gen_tc_config_json FILE DEVICE N: the same config written as JSON, the way
# a program (a host agent) writes one.
gen_tc_config_json() {
	local file=$1 dev=$2 n=$3
	awk -v n="$n" -v dev="$dev" 'BEGIN {
		printf "{\"version\": 1,\n \"pfs\": [{\"name\": \"t0\", \"device\": \"%s\", \"eswitch\": \"switchdev\"}]", dev
		if (n > 0) {
			printf ",\n \"tc\": {\"rules\": [\n"
			for (i = 0; i < n; i++)
				printf "  {\"name\": \"rule-%d\", \"dev\": \"t0\", \"prio\": 100, \"match\": {\"eth_type\": \"ipv4\", \"ip_proto\": \"tcp\", \"dst_ip\": \"10.%d.%d.%d/32\", \"dst_port\": 80}, \"actions\": [\"drop\"]}%s\n", i, int(i / 65536) % 256, int(i / 256) % 256, i % 256, i < n - 1 ? "," : ""
			printf " ]}"
		}
		printf "}\n"
	}' >"$file"
}

# gen_ports_config FILE FIRST_ID NPF NVF [BRIDGE]: NPF netdevsim PFs
# (netdevsimFIRST_ID...) with NVF VFs each in switchdev; with BRIDGE, a bridge
# of that name with all their representors (no uplink).
gen_ports_config() {
	local file=$1 first=$2 npf=$3 nvf=$4 br=${5:-} i reps=()
	{
		echo "version: 1"
		echo "pfs:"
		for ((i = 0; i < npf; i++)); do
			echo "  - {name: q$i, device: netdevsim/netdevsim$((first + i)), eswitch: switchdev, num_vfs: $nvf}"
			reps+=("q$i/0-$((nvf - 1))")
		done
		if [[ -n $br ]]; then
			echo "bridges:"
			local joined
			joined=$(IFS=,; echo "${reps[*]}")
			echo "  - {name: $br, representors: [${joined//,/, }]}"
		fi
	} >"$file"
}

# ---------------------------------------------------------------- the host

# nsim_up ID MAX_VFS: a fresh netdevsim PF (legacy, no VFs) whose VF limit is
# MAX_VFS. Deleted at the end of the script (nsim_new defers it).
nsim_up() {
	nsim_new "$1" 1 && nsim_set_max_vfs "$1" "$2"
}

# nsim_netdevs ID: names of the netdevs of netdevsimID (uplink and
# representors), from sysfs.
nsim_netdevs() {
	local d
	for d in "$OO_NSIM_SYSFS/devices/netdevsim$1/net/"*; do
		[[ -e $d ]] && echo "${d##*/}"
	done
}

# nsim_rep_map ID: "VF NETDEV" per representor of netdevsimID (phys_port_name
# pf0vfN), from sysfs.
nsim_rep_map() {
	local d name
	for d in "$OO_NSIM_SYSFS/devices/netdevsim$1/net/"*; do
		read -r name 2>/dev/null <"$d/phys_port_name" || continue
		[[ $name =~ ^pf[0-9]+vf([0-9]+)$ ]] && echo "${BASH_REMATCH[1]} ${d##*/}"
	done
}

# nsim_count_reps ID: how many representors netdevsimID has (sysfs, no process).
nsim_count_reps() {
	local d name n=0
	for d in "$OO_NSIM_SYSFS/devices/netdevsim$1/net/"*; do
		read -r name 2>/dev/null <"$d/phys_port_name" || continue
		[[ $name == pf*vf* ]] && n=$((n + 1))
	done
	echo "$n"
}

# mpv_supported: netdevsim can model mlx5's esw_multiport (patch 0002).
mpv_supported() {
	[[ -e /sys/module/netdevsim/parameters/mlx5_esw_multiport ]]
}

# mpv_stage M: the MPV NIC (netdevsim12/13) as both ways start from it: M VFs,
# switchdev, hw-tc-offload on its representors. mlx5's representors come up
# with hw-tc-offload on (en_rep.c), netdevsim's do not, and MPV rules are
# skip_sw: without it they are refused. Devices made with esw_multiport
# (mlx5 from Linux 6.3 on).
mpv_stage() {
	local id m=$1 d name
	echo Y >/sys/module/netdevsim/parameters/mlx5_esw_multiport || return 1
	for id in 12 13; do
		nsim_up "$id" "$m" || return 1
		echo "$m" >"$OO_NSIM_SYSFS/devices/netdevsim$id/sriov_numvfs" || return 1
		devlink dev eswitch set "netdevsim/netdevsim$id" mode switchdev || return 1
		wait_for 30 _bench_reps_are "$id" "$m" || return 1
		for d in "$OO_NSIM_SYSFS/devices/netdevsim$id/net/"*; do
			read -r name 2>/dev/null <"$d/phys_port_name" || continue
			[[ $name == pf*vf* ]] && { ethtool -K "${d##*/}" hw-tc-offload on || return 1; }
		done
	done
	echo N >/sys/module/netdevsim/parameters/mlx5_esw_multiport
}

_bench_reps_are() {
	[[ $(nsim_count_reps "$1") == "$2" ]]
}

# clean_host: no bond0, no OVS, no netdevsim devices, no journal of ours:
# the host before anything was configured.
clean_host() {
	ovs_stop
	ip link del bond0 2>/dev/null
	local d
	for d in "$OO_NSIM_SYSFS"/devices/netdevsim*; do
		[[ -e $d ]] && echo "${d##*netdevsim}" >"$OO_NSIM_SYSFS/del_device"
	done
	rm -rf /run/ovs-offload
}

# fresh_ovs [KEY=VALUE...]: Open vSwitch started again from an empty database.
fresh_ovs() {
	ovs_stop
	ovs_start "$@"
}

# proc_cpu_ns PID: the CPU time of all of PID's threads, those that have
# ended included, in nanoseconds, from PID's CPU-time clock: the clock id
# clock_getcpuclockid(3) makes for a process, (~PID << 3) | CPUCLOCK_SCHED
# (2), read through python3 (installed by scripts/bootstrap.sh). Reading it
# does not wake PID. /proc/PID/stat counts CPU time in 10 ms units: across a
# window, a process that ran 2 ms reads 0 or 10 ms there, depending on
# where the window cuts.
proc_cpu_ns() {
	python3 -c 'import sys, time; pid = int(sys.argv[1]); print(time.clock_gettime_ns(((~pid) << 3) | 2))' "$1"
}

# sched_totals PID: SW = how many times PID's threads were scheduled in (a
# wakeup is one at least), summed over /proc/PID/task/*/schedstat, and ST =
# their ids. A thread that ends takes its count with it. Over a window, the
# difference is exact when ST is the same at both ends and no thread was
# scheduled in (none could then have started one); otherwise it is a floor.
sched_totals() {
	local f n
	SW=0 ST=
	for f in /proc/"$1"/task/*/schedstat; do
		read -r _ _ n 2>/dev/null <"$f" || continue
		SW=$((SW + n))
		f=${f%/schedstat}
		ST+="${ST:+ }${f##*/}"
	done
}
