#!/usr/bin/env bash
# Prepare the real-kernel guest tier: Debian's own kernel and modules, an
# out-of-tree netdevsim.ko, and an initramfs that boots the host's root over
# virtio-9p.  Idempotent: every step is keyed and stamped in the cache, so a
# second run only checks stamps.
#
# usage: scripts/vm/prepare.sh [--quiet] [--env-file FILE]
#
#   --quiet          print only the steps that have work to do
#   --env-file FILE  write KEY=VALUE lines describing the prepared guest
#                    (OO_VM_KERNEL, OO_VM_INITRD, OO_VM_MODULES, ...) to FILE
#
# Cache: ${OVS_OFFLOAD_CACHE:-/var/cache/ovs-offload}/vm/<kernel>_<debian version>/
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PATCH_DIR=$SCRIPT_DIR/netdevsim-patches
CACHE_BASE=$(realpath -m -- "${OVS_OFFLOAD_CACHE:-/var/cache/ovs-offload}")
VM_CACHE=$CACHE_BASE/vm
# Bump when the way an artefact is made changes, so old stamps stop matching.
NSIM_RECIPE=1
INITRAMFS_RECIPE=1
# Module folders of the kernel package the guest needs (virtio, 9p, overlay
# for the boot; net, drivers/net, lib, crypto for bonding, flower, OVS).
MODULE_DIRS=(kernel/net kernel/drivers/net kernel/drivers/virtio kernel/fs/9p
	kernel/fs/netfs kernel/fs/fscache kernel/fs/overlayfs kernel/lib
	kernel/crypto kernel/arch/x86/crypto kernel/drivers/pci)
# Modules /init loads from the initramfs (their dependencies are added).
INITRAMFS_MODULES=(virtio_pci 9pnet_virtio 9p overlay)
# Modules the tests rely on: prepare fails if one cannot be resolved.
KEY_MODULES=(netdevsim bonding cls_flower act_gact act_mirred act_vlan
	sch_ingress openvswitch veth dummy pci-pf-stub pci-stub)

QUIET=0
ENV_FILE=
usage() {
	sed -n '2,/^set -euo/{/^#/s/^# \{0,1\}//p}' "${BASH_SOURCE[0]}"
}
while (($#)); do
	case $1 in
	--quiet | -q) QUIET=1 ;;
	--env-file)
		[[ $# -ge 2 ]] || { echo "prepare.sh: --env-file needs a file name" >&2; exit 2; }
		ENV_FILE=$2
		shift
		;;
	-h | --help) usage; exit 0 ;;
	*) echo "prepare.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
	esac
	shift
done

# ---------------------------------------------------------------- helpers
CURRENT_STEP=setup
TMP_PATHS=()
die() {
	echo "prepare.sh: error in step '$CURRENT_STEP': $*" >&2
	exit 1
}
on_exit() {
	local rc=$? p
	for p in "${TMP_PATHS[@]}"; do
		[[ -n $p && -e $p ]] && rm -rf -- "$p"
	done
	if ((rc != 0)); then
		echo "prepare.sh: FAILED (step '$CURRENT_STEP'); the cache is untouched by the failed step, re-run to retry" >&2
	fi
	return "$rc"
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

now_us() { echo "${EPOCHREALTIME/./}"; }
PREP_T0=$(now_us)
STEP_T0=0
step_begin() {
	CURRENT_STEP=$1
	STEP_T0=$(now_us)
}
# step_end DETAIL CACHED(0|1)
STEPS_DONE=0
step_end() {
	local detail=$1 cached=$2 dt
	dt=$(($(now_us) - STEP_T0))
	((cached)) || STEPS_DONE=$((STEPS_DONE + 1))
	if ((cached == 0 || QUIET == 0)); then
		printf 'prepare: %-24s %-48s %4d.%01d s\n' "$CURRENT_STEP" "$detail" \
			$((dt / 1000000)) $((dt / 100000 % 10))
	fi
}
# mktmp PARENT NAME: a temp dir next to its final place (same file system,
# so the final rename is atomic); removed on exit unless renamed.
mktmp() {
	local d
	mkdir -p "$1"
	d=$(mktemp -d "$1/.tmp-$2.XXXXXX") || die "cannot create a temp dir in $1"
	chmod 0755 "$d"
	TMP_PATHS+=("$d")
	echo "$d"
}
# publish TMP FINAL: atomically move a finished temp dir/file into place.
publish() {
	rm -rf -- "$2"
	mv -T -- "$1" "$2" || die "cannot rename $1 to $2"
}
short_hash() { sha256sum | cut -c1-16; }
# show_log_tail FILE: for error messages.
show_log_tail() {
	echo "---- last 30 lines of $1 ----" >&2
	tail -n 30 "$1" >&2 || true
	echo "----" >&2
}

# ---------------------------------------------------------------- step 1: host tools
step_begin "host tools"
need() { # need CMD DEBIAN-PACKAGE
	command -v "$1" >/dev/null 2>&1 ||
		die "$1 not found: run scripts/bootstrap.sh (Debian package $2)"
}
need apt-get apt
need apt-cache apt
need dpkg-deb dpkg
need tar tar
need xz xz-utils
need gzip gzip
need cpio cpio
need make make
need gcc gcc
need strip binutils
need readelf binutils
need patch patch
need depmod kmod
need modprobe kmod
need flock util-linux
need sha256sum coreutils
BUSYBOX=/bin/busybox
[[ -x $BUSYBOX ]] || die "$BUSYBOX not found: run scripts/bootstrap.sh (Debian package busybox-static)"
if [[ $(readelf -l "$BUSYBOX" 2>/dev/null) == *INTERP* ]]; then
	die "$BUSYBOX is dynamically linked: install busybox-static (run scripts/bootstrap.sh)"
fi
[[ $VM_CACHE != *[[:space:]]* ]] ||
	die "cache path '$VM_CACHE' contains white space, which kbuild cannot handle: set OVS_OFFLOAD_CACHE"
{ mkdir -p "$VM_CACHE" 2>/dev/null && [[ -w $VM_CACHE ]]; } ||
	die "cannot write to $VM_CACHE: run as root or point OVS_OFFLOAD_CACHE at a writable directory"
step_end "ok" 1

# One prepare at a time per cache; parallel run.sh invocations wait here.
exec {LOCK_FD}>"$VM_CACHE/.lock"
if ! flock -n "$LOCK_FD"; then
	echo "prepare: waiting for another prepare.sh to finish (lock $VM_CACHE/.lock)" >&2
	flock "$LOCK_FD"
fi
# Holding the lock, any temp dir left behind is from an interrupted run.
find "$VM_CACHE" -maxdepth 3 -name '.tmp-*' -prune -exec rm -rf {} + 2>/dev/null || true

# ---------------------------------------------------------------- step 2: resolve kernel
step_begin "resolve kernel"
LAST_KERNEL_FILE=$VM_CACHE/last-kernel
DEP=$(apt-cache show --no-all-versions linux-image-amd64 2>/dev/null |
	sed -n 's/^Depends: *//p' | head -n 1) || true
re='linux-image-(([0-9]+)\.([0-9]+)\.[0-9]+-[0-9]+)-amd64 \(= ([^)]+)\)'
if [[ $DEP =~ $re ]]; then
	ABI=${BASH_REMATCH[1]}
	SERIES=${BASH_REMATCH[2]}.${BASH_REMATCH[3]}
	DEBVER=${BASH_REMATCH[4]}
	resolved_by=apt
elif [[ -r $LAST_KERNEL_FILE ]]; then
	read -r ABI SERIES DEBVER <"$LAST_KERNEL_FILE"
	echo "prepare: warning: apt-cache does not know linux-image-amd64 (run apt-get update);" \
		"using the last prepared kernel $ABI ($DEBVER)" >&2
	resolved_by=cache
else
	die "cannot derive the kernel ABI from 'apt-cache show linux-image-amd64' (got '${DEP:-nothing}'): run apt-get update"
fi
KVER=$ABI-amd64
KDIR=$VM_CACHE/${KVER}_$DEBVER
mkdir -p "$KDIR"
if [[ $resolved_by == apt ]]; then
	printf '%s %s %s\n' "$ABI" "$SERIES" "$DEBVER" >"$LAST_KERNEL_FILE.tmp"
	mv -f "$LAST_KERNEL_FILE.tmp" "$LAST_KERNEL_FILE"
fi
step_end "$KVER ($DEBVER, via $resolved_by)" 1

# ---------------------------------------------------------------- step 3: download
step_begin "download packages"
PKGS=("linux-image-$KVER-unsigned" "linux-headers-$KVER" "linux-headers-$ABI-common"
	"linux-kbuild-$SERIES" "linux-source-$SERIES")
DEB_DIR=$KDIR/debs
deb_path() { echo "$DEB_DIR/$1_$DEBVER.deb"; }
missing=()
for p in "${PKGS[@]}"; do
	[[ -s $(deb_path "$p") ]] || missing+=("$p")
done
if ((${#missing[@]})); then
	dl=$(mktmp "$DEB_DIR" download)
	specs=()
	for p in "${missing[@]}"; do specs+=("$p=$DEBVER"); done
	apt_opts=(-q)
	# As root apt drops to user _apt, which cannot write into our cache.
	((EUID == 0)) && apt_opts+=(-o APT::Sandbox::User=root)
	if ! (cd "$dl" && apt-get "${apt_opts[@]}" download "${specs[@]}") >"$dl/apt.log" 2>&1; then
		show_log_tail "$dl/apt.log"
		die "apt-get download ${specs[*]} failed: check the network / run apt-get update"
	fi
	for p in "${missing[@]}"; do
		f=("$dl/${p}_"*.deb)
		[[ -s ${f[0]} ]] || die "apt-get download gave no file for $p"
		mv -f -- "${f[0]}" "$(deb_path "$p")"
	done
	rm -rf -- "$dl"
	step_end "${#missing[@]} of ${#PKGS[@]} packages fetched" 0
else
	step_end "cached (${#PKGS[@]} packages)" 1
fi

# ---------------------------------------------------------------- step 4: kernel + modules
step_begin "unpack kernel"
KERNEL_ROOT=$KDIR/kernel
# The stamp names the module folders: a tree unpacked with fewer is redone.
KERNEL_STAMP="linux-image-$KVER-unsigned $DEBVER ${MODULE_DIRS[*]}"
if [[ $(cat "$KERNEL_ROOT/.stamp" 2>/dev/null) != "$KERNEL_STAMP" || ! -s $KERNEL_ROOT/boot/vmlinuz-$KVER ]]; then
	t=$(mktmp "$KDIR" kernel)
	members=("./boot/vmlinuz-$KVER" "./boot/config-$KVER")
	for f in modules.order modules.builtin modules.builtin.modinfo; do
		members+=("./lib/modules/$KVER/$f")
	done
	for d in "${MODULE_DIRS[@]}"; do members+=("./lib/modules/$KVER/$d"); done
	dpkg-deb --fsys-tarfile "$(deb_path "linux-image-$KVER-unsigned")" |
		tar -x -C "$t" --exclude="./lib/modules/$KVER/kernel/drivers/net/wireless" "${members[@]}" ||
		die "cannot unpack linux-image-$KVER-unsigned (corrupt download? remove $DEB_DIR)"
	echo "$KERNEL_STAMP" >"$t/.stamp"
	publish "$t" "$KERNEL_ROOT"
	step_end "$(du -sh "$KERNEL_ROOT" | cut -f1) of kernel and modules" 0
else
	step_end cached 1
fi
VMLINUZ=$KERNEL_ROOT/boot/vmlinuz-$KVER

# ---------------------------------------------------------------- step 5: headers + kbuild
step_begin "unpack headers"
HDR_ROOT=$KDIR/headers
HDR_DIR=$HDR_ROOT/usr/src/linux-headers-$KVER
if [[ ! -f $HDR_ROOT/.stamp ]]; then
	t=$(mktmp "$KDIR" headers)
	for p in "linux-headers-$KVER" "linux-headers-$ABI-common" "linux-kbuild-$SERIES"; do
		dpkg-deb -x "$(deb_path "$p")" "$t" || die "cannot unpack $p"
	done
	rm -rf -- "${t:?}/usr/share/doc" "${t:?}/lib"
	# The arch headers include the common ones by absolute /usr/src path.
	mk=$t/usr/src/linux-headers-$KVER/Makefile
	grep -q "/usr/src/linux-headers-$ABI-common/" "$mk" ||
		die "unexpected $mk (no include of the -common headers): the recipe needs an update"
	sed -i "s|/usr/src/linux-headers-$ABI-common/|$HDR_ROOT/usr/src/linux-headers-$ABI-common/|g" "$mk"
	echo "headers $KVER $DEBVER" >"$t/.stamp"
	publish "$t" "$HDR_ROOT"
	step_end "linux-headers + kbuild" 0
else
	step_end cached 1
fi

# ---------------------------------------------------------------- step 6: netdevsim source
step_begin "netdevsim source"
SRC_ROOT=$KDIR/netdevsim-src
if [[ ! -f $SRC_ROOT/.stamp ]]; then
	t=$(mktmp "$KDIR" src)
	xz_cmd=(xz -dc)
	[[ $(xz --help 2>/dev/null) == *--threads* ]] && xz_cmd=(xz -T0 -dc)
	dpkg-deb --fsys-tarfile "$(deb_path "linux-source-$SERIES")" |
		tar -xO "./usr/src/linux-source-$SERIES.tar.xz" | "${xz_cmd[@]}" |
		tar -x -C "$t" --strip-components=1 "linux-source-$SERIES/drivers/net/netdevsim" ||
		die "cannot extract drivers/net/netdevsim from linux-source-$SERIES"
	[[ -f $t/drivers/net/netdevsim/Makefile ]] || die "linux-source-$SERIES has no drivers/net/netdevsim"
	echo "linux-source-$SERIES $DEBVER" >"$t/.stamp"
	publish "$t" "$SRC_ROOT"
	step_end "drivers/net/netdevsim from linux-source-$SERIES" 0
else
	step_end cached 1
fi

# ---------------------------------------------------------------- step 7: build netdevsim
step_begin "build netdevsim"
shopt -s nullglob
PATCHES=("$PATCH_DIR"/*.patch)
shopt -u nullglob
NSIM_KEY=$({
	echo "recipe $NSIM_RECIPE kernel $KVER $DEBVER"
	for p in "${PATCHES[@]}"; do
		echo "patch $(basename "$p") $(sha256sum <"$p" | cut -d' ' -f1)"
	done
} | short_hash)
NSIM_DIR=$KDIR/netdevsim-$NSIM_KEY
if [[ ! -f $NSIM_DIR/.stamp ]]; then
	t=$(mktmp "$KDIR" nsim)
	cp -a "$SRC_ROOT/drivers" "$t/"
	for p in "${PATCHES[@]}"; do
		grep -q '^+++ ' "$p" || die "$p contains no diff: remove it or regenerate it"
		if ! patch -d "$t" -p1 --batch --forward --no-backup-if-mismatch -i "$p" >>"$t/patch.log" 2>&1; then
			cp "$t/patch.log" "$KDIR/netdevsim-failed.log"
			show_log_tail "$KDIR/netdevsim-failed.log"
			die "patch $(basename "$p") does not apply to drivers/net/netdevsim of $DEBVER: fix $PATCH_DIR"
		fi
	done
	jobs=$(nproc 2>/dev/null || echo 2)
	if ! make -C "$HDR_DIR" M="$t/drivers/net/netdevsim" CONFIG_NETDEVSIM=m -j"$jobs" modules \
		>"$t/build.log" 2>&1; then
		cp "$t/build.log" "$KDIR/netdevsim-failed.log"
		show_log_tail "$KDIR/netdevsim-failed.log"
		die "building netdevsim.ko failed: see $KDIR/netdevsim-failed.log"
	fi
	mkdir "$t/out"
	strip --strip-debug -o "$t/out/netdevsim.ko" "$t/drivers/net/netdevsim/netdevsim.ko"
	cp "$t/build.log" "$t/out/build.log"
	[[ -f $t/patch.log ]] && cp "$t/patch.log" "$t/out/patch.log"
	printf '%s\n' "netdevsim $KVER $DEBVER" "${PATCHES[@]##*/}" >"$t/out/.stamp"
	publish "$t/out" "$NSIM_DIR"
	rm -rf -- "$t"
	step_end "netdevsim-$NSIM_KEY (${#PATCHES[@]} patches)" 0
else
	step_end "cached (netdevsim-$NSIM_KEY, ${#PATCHES[@]} patches)" 1
fi

# ---------------------------------------------------------------- step 8: module tree
step_begin "module tree + depmod"
MOD_ROOT=$KDIR/modules-$NSIM_KEY
MOD_DIR=$MOD_ROOT/lib/modules/$KVER
MOD_STAMP="modules $KVER $DEBVER netdevsim-$NSIM_KEY ${MODULE_DIRS[*]}"
if [[ $(head -n1 "$MOD_ROOT/.stamp" 2>/dev/null) != "$MOD_STAMP" || ! -s $MOD_DIR/modules.dep ||
	! -f $MOD_DIR/extra/netdevsim.ko ]]; then
	t=$(mktmp "$KDIR" modules)
	mkdir -p "$t/lib/modules"
	# Hard links: the module tree costs no space and almost no time.
	if ! cp -al "$KERNEL_ROOT/lib/modules/$KVER" "$t/lib/modules/$KVER" 2>/dev/null; then
		rm -rf -- "${t:?}/lib/modules/$KVER"
		cp -a "$KERNEL_ROOT/lib/modules/$KVER" "$t/lib/modules/$KVER"
	fi
	mkdir -p "$t/lib/modules/$KVER/extra"
	cp "$NSIM_DIR/netdevsim.ko" "$t/lib/modules/$KVER/extra/netdevsim.ko"
	depmod -b "$t" -e -E "$HDR_DIR/Module.symvers" "$KVER" >"$t/depmod.log" 2>&1 ||
		{ show_log_tail "$t/depmod.log"; die "depmod failed"; }
	for m in "${KEY_MODULES[@]}" "${INITRAMFS_MODULES[@]}"; do
		deps=$(modprobe -d "$t" -S "$KVER" --show-depends "$m" 2>&1) ||
			die "module $m cannot be resolved in the unpacked tree: $deps"
		# A missing symbol means a needed module folder was not unpacked.
		while read -r kind path _; do
			[[ $kind == insmod ]] || continue
			if grep -F "$path needs unknown symbol" "$t/depmod.log" >&2; then
				die "$path (needed by $m) has unresolved symbols: add its dependency's folder to MODULE_DIRS"
			fi
		done <<<"$deps"
	done
	echo "$MOD_STAMP" >"$t/.stamp"
	publish "$t" "$MOD_ROOT"
	step_end "modules-$NSIM_KEY" 0
else
	step_end cached 1
fi

# Mark the variants in use; drop other netdevsim builds (other patch sets)
# unused for a week.
touch "$NSIM_DIR/.stamp" "$MOD_ROOT/.stamp"
for d in "$KDIR"/netdevsim-[0-9a-f]* "$KDIR"/modules-[0-9a-f]*; do
	[[ -d $d && $d != "$NSIM_DIR" && $d != "$MOD_ROOT" ]] || continue
	if [[ -z $(find "$d/.stamp" -mtime -7 2>/dev/null) ]]; then
		rm -rf -- "$d"
	fi
done

# ---------------------------------------------------------------- step 9: initramfs
# Stage 1, /init in the initramfs (busybox sh): load virtio + 9p + overlay,
# mount the host root read-only with a tmpfs overlay, switch_root to it.
init_script() {
	cat <<'EOF'
#!/bin/busybox sh
# ovs-offload guest, stage 1 (initramfs /init). Generated by scripts/vm/prepare.sh.
/bin/busybox mkdir -p /proc /sys /dev /sbin /usr/bin /usr/sbin /mnt/host /mnt/rw /newroot
/bin/busybox --install -s
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1

MODE=run
read -r cmdline </proc/cmdline
for arg in $cmdline; do
	case $arg in oo.mode=*) MODE=${arg#oo.mode=} ;; esac
done

fail() {
	echo "oo-init: FATAL: $*"
	if [ "$MODE" = shell ]; then
		echo "oo-init: shell mode: dropping to a busybox shell; leave it to power off"
		setsid cttyhack sh
	fi
	echo "oo-init: powering off"
	sync
	poweroff -f
	sleep 2
	echo o >/proc/sysrq-trigger
	sleep 10
}

while read -r m; do
	insmod "/lib/modules/$m" || fail "insmod $m failed"
done </modules.load

mounted=no
for _ in 1 2 3 4 5 6 7 8 9 10; do
	if mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144,cache=loose,ro hostroot /mnt/host; then
		mounted=yes
		break
	fi
	sleep 0.2
done
[ $mounted = yes ] || fail "cannot mount the host root (9p tag hostroot)"
mount -t tmpfs -o mode=0755 tmpfs /mnt/rw || fail "cannot mount a tmpfs"
mkdir -p /mnt/rw/upper /mnt/rw/work
mount -t overlay -o lowerdir=/mnt/host,upperdir=/mnt/rw/upper,workdir=/mnt/rw/work overlay /newroot ||
	fail "cannot mount the overlay root"
mkdir -p /newroot/.oo || fail "cannot write to the overlay root"
cp /oo/* /bin/busybox /newroot/.oo/ || fail "cannot copy stage 2 into the new root"
for d in dev proc sys; do
	mount --move /$d /newroot/$d || fail "cannot move /$d"
done
# If switch_root cannot run, PID 1 exits: the kernel panics and, with
# panic=-1 and qemu -no-reboot, the guest ends.
exec switch_root /newroot /.oo/busybox sh /.oo/stage2.sh "$MODE"
EOF
}

# Stage 2, PID 1 in the new root (busybox sh): run the bash main script, then
# power off whatever happened.
stage2_script() {
	cat <<'EOF'
#!/.oo/busybox sh
# ovs-offload guest, stage 2 (PID 1 after switch_root). Generated by scripts/vm/prepare.sh.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
/bin/bash /.oo/guest-main.sh "$1"
rc=$?
echo "oo-guest: done (main exit $rc), powering off"
sync
/.oo/busybox poweroff -f
sleep 2
echo o >/proc/sysrq-trigger
sleep 10
EOF
}

# Stage 2 main (host bash): mounts, modules, results share, tests or shell.
guest_main_script() {
	cat <<'EOF'
#!/bin/bash
# ovs-offload guest main (runs under the host's bash, inside the guest).
# Generated by scripts/vm/prepare.sh; reads its orders from plan.sh in the
# results share written by scripts/vm/run.sh.
set -u
MODE=${1:-run}
RES=/run/oo/results
say() { echo "oo-guest: $*"; }
interactive_shell() {
	local rc=/.oo/shellrc
	cat >"$rc" <<'RC'
[ -r /etc/bash.bashrc ] && . /etc/bash.bashrc
PS1='(oo-guest) \w\$ '
RC
	# shellcheck disable=SC2086 # "rows R cols C"
	[[ -n ${OO_VM_STTY:-} ]] && stty $OO_VM_STTY </dev/ttyS0 2>/dev/null
	say "interactive shell (repo: ${OO_VM_REPO:-?}); 'exit' powers off, Ctrl-A x kills qemu"
	cd "${OO_VM_REPO:-/}" 2>/dev/null || cd /
	setsid -c env -i "${OO_VM_ENV[@]}" TERM="${OO_VM_TERM:-vt100}" bash --rcfile "$rc" -i \
		</dev/ttyS0 >/dev/ttyS0 2>&1
}
die() {
	say "FATAL: $*"
	[[ $MODE == shell ]] && interactive_shell
	exit 1
}
mount -t tmpfs -o mode=0755,nosuid,nodev tmpfs /run || die "mount /run"
mkdir -p /run/lock /dev/shm /dev/pts "$RES"
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /dev/shm || die "mount /dev/shm"
mount -t devpts -o gid=5,mode=0620,ptmxmode=0666 devpts /dev/pts || die "mount devpts"
mount -t debugfs debugfs /sys/kernel/debug || die "mount debugfs"
# What udev/systemd would add to devtmpfs (bash process substitution needs /dev/fd).
ln -sfn /proc/self/fd /dev/fd
ln -sfn /proc/self/fd/0 /dev/stdin
ln -sfn /proc/self/fd/1 /dev/stdout
ln -sfn /proc/self/fd/2 /dev/stderr
ln -sfn /proc/kcore /dev/core
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 ooresults "$RES" ||
	die "cannot mount the results share (9p tag ooresults)"
[[ -r $RES/plan.sh ]] || die "no plan.sh in the results share"
OO_VM_TESTS=() OO_VM_IDS=() OO_VM_ENV=()
# shellcheck disable=SC1091
. "$RES/plan.sh" || die "cannot read plan.sh"
mkdir -p /usr/lib/modules
mount --bind "$OO_VM_MODULES" /usr/lib/modules || die "cannot bind $OO_VM_MODULES on /usr/lib/modules"
[[ -f /usr/lib/modules/$(uname -r)/modules.dep ]] || die "no modules.dep for kernel $(uname -r)"
ip link set lo up 2>/dev/null
hostname oo-guest 2>/dev/null
echo "${EPOCHREALTIME} $(cut -d' ' -f1 /proc/uptime)" >"$RES/guest-started"
say "up after $(cut -d' ' -f1 /proc/uptime) s, running ${#OO_VM_TESTS[@]} test(s)"

for i in "${!OO_VM_TESTS[@]}"; do
	t=${OO_VM_TESTS[$i]} id=${OO_VM_IDS[$i]}
	say "start $id: $t"
	t0=${EPOCHREALTIME/./}
	(
		cd "$OO_VM_REPO" || exit 126
		if [[ -x $t ]]; then
			exec env -i "${OO_VM_ENV[@]}" "$t"
		else
			exec env -i "${OO_VM_ENV[@]}" bash "$t"
		fi
	) >"$RES/$id.log" 2>&1 </dev/null
	rc=$?
	ms=$(((${EPOCHREALTIME/./} - t0) / 1000))
	echo "$rc $ms" >"$RES/$id.status.tmp" && mv -f "$RES/$id.status.tmp" "$RES/$id.status"
	say "end $id: exit $rc after $ms ms"
done
sync
[[ $MODE == shell ]] && interactive_shell
exit 0
EOF
}

step_begin "initramfs"
# Load order for the initramfs modules, from modules.dep (dependencies first).
declare -A MOD_SEEN=()
MOD_ORDER=()
dep_line() { # dep_line NAME: the modules.dep line of module NAME
	local n=${1//-/_}
	awk -v n="$n" '{ f=$1; sub(/:$/, "", f); b=f; sub(/.*\//, "", b); sub(/\.ko$/, "", b);
		gsub(/-/, "_", b); if (b == n) { print; exit } }' "$MOD_DIR/modules.dep"
}
add_module() { # add_module NAME-or-PATH
	local name=$1 line path d i deps
	name=${name##*/}
	name=${name%.ko}
	name=${name//-/_}
	[[ -n ${MOD_SEEN[$name]:-} ]] && return 0
	MOD_SEEN[$name]=1
	line=$(dep_line "$name")
	if [[ -z $line ]]; then
		grep -q "/${name}.ko\$" "$MOD_DIR/modules.builtin" 2>/dev/null && return 0
		grep -q "/${name//_/-}.ko\$" "$MOD_DIR/modules.builtin" 2>/dev/null && return 0
		die "module $name is neither in modules.dep nor built in"
	fi
	path=${line%%:*}
	read -r -a deps <<<"${line#*:}"
	for ((i = ${#deps[@]} - 1; i >= 0; i--)); do
		add_module "${deps[$i]}"
	done
	MOD_ORDER+=("$path")
}
for m in "${INITRAMFS_MODULES[@]}"; do add_module "$m"; done
INITRD_KEY=$({
	echo "recipe $INITRAMFS_RECIPE kernel $KVER $DEBVER"
	init_script
	stage2_script
	guest_main_script
	printf '%s\n' "${MOD_ORDER[@]}"
	sha256sum <"$BUSYBOX"
} | short_hash)
INITRD=$KDIR/initramfs-$INITRD_KEY.cpio.gz
if [[ ! -s $INITRD ]]; then
	t=$(mktmp "$KDIR" initramfs)
	r=$t/root
	mkdir -p "$r/bin" "$r/lib/modules" "$r/oo" "$r/dev" "$r/proc" "$r/sys"
	cp "$BUSYBOX" "$r/bin/busybox"
	: >"$r/modules.load"
	for p in "${MOD_ORDER[@]}"; do
		cp "$MOD_DIR/$p" "$r/lib/modules/"
		echo "${p##*/}" >>"$r/modules.load"
	done
	init_script >"$r/init"
	stage2_script >"$r/oo/stage2.sh"
	guest_main_script >"$r/oo/guest-main.sh"
	chmod 0755 "$r/init" "$r/oo/stage2.sh" "$r/oo/guest-main.sh"
	(cd "$r" && find . -print0 | LC_ALL=C sort -z |
		cpio --null -o -H newc --owner=0:0 --quiet | gzip -6 -n) >"$t/initramfs.cpio.gz" ||
		die "cannot build the initramfs"
	mv -f "$t/initramfs.cpio.gz" "$INITRD"
	rm -rf -- "$t"
	# Drop initramfs images of older recipes (an hour old: not in use).
	find "$KDIR" -maxdepth 1 -name 'initramfs-*.cpio.gz' ! -name "${INITRD##*/}" \
		-mmin +60 -delete 2>/dev/null || true
	step_end "initramfs-$INITRD_KEY ($(du -h "$INITRD" | cut -f1), ${#MOD_ORDER[@]} modules)" 0
else
	step_end "cached (initramfs-$INITRD_KEY)" 1
fi

# ---------------------------------------------------------------- result
CURRENT_STEP=finish
if [[ -n $ENV_FILE ]]; then
	{
		echo "OO_VM_KVER=$KVER"
		echo "OO_VM_DEBVER=$DEBVER"
		echo "OO_VM_KERNEL=$VMLINUZ"
		echo "OO_VM_INITRD=$INITRD"
		echo "OO_VM_MODULES=$MOD_ROOT/lib/modules"
		echo "OO_VM_CACHE_DIR=$KDIR"
	} >"$ENV_FILE"
fi
total=$(($(now_us) - PREP_T0))
if ((QUIET == 0 || STEPS_DONE > 0)); then
	printf 'prepare: %-24s %-48s %4d.%01d s\n' "total" "$KDIR" \
		$((total / 1000000)) $((total / 100000 % 10))
fi
