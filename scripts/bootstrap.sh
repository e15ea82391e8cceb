#!/usr/bin/env bash
# Set up everything ovs-offload needs on a Debian 12 machine, idempotently:
#   1. Debian packages (build tools, libraries, OVS for tests, qemu for the guest tier);
#   2. libopenvswitch + its generated IDL, built from Debian's openvswitch-source into a cache;
#   3. the guest tier's kernel, modules, netdevsim and initramfs (scripts/vm/prepare.sh).
# A second run finds everything in place and takes a few seconds.
#
# Environment: OVS_OFFLOAD_CACHE (default /var/cache/ovs-offload) holds the builds;
#              OO_SKIP_VM=1 skips step 3.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=${OVS_OFFLOAD_CACHE:-/var/cache/ovs-offload}
t0=$(date +%s.%N)

step() { printf 'bootstrap: %s\n' "$*"; }
die() { printf 'bootstrap: error: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "run as root (it installs Debian packages and loads nothing else)"
grep -qs 'VERSION_ID="12"' /etc/os-release ||
    step "warning: not Debian 12; package names may differ"

# --- 1. Debian packages -------------------------------------------------------
packages=(
    # build
    build-essential meson ninja-build pkg-config clang lld libclang-rt-14-dev
    libmnl-dev libnl-3-dev libnl-route-3-dev libnl-genl-3-dev libyaml-dev libcmocka-dev
    # libopenvswitch is built from source (Debian 12 has no libopenvswitch-dev)
    openvswitch-source python3
    # tests: real ovsdb-server/ovs-vswitchd and the tools the tests read state back with
    openvswitch-common openvswitch-switch iproute2 ethtool jq valgrind
    # systemd-udevd, run in the guest to rename representors as on a real host
    udev
    # systemd, booted in the guest to run the installed unit (tests/vm/systemd.sh,
    # with pgrep from procps); a container's Debian may lack both
    systemd procps
    # the qemu guest tier (scripts/vm/)
    qemu-system-x86 busybox-static kmod cpio libelf-dev bc flex bison libssl-dev xz-utils
)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    step "installing ${#missing[@]} Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq || die "apt-get update failed: check the machine's package sources"
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
        die "apt-get install failed for: ${missing[*]}"
    # The package starts OVS services where an init system runs; tests use private instances.
else
    step "Debian packages: all ${#packages[@]} present"
fi

# --- 2. libopenvswitch from openvswitch-source --------------------------------
# The build tree is used in place: `make install` does not install ovsdb-idl.h, smap.h,
# vswitch-idl.h or config.h, which an IDL client needs.
tarball=/usr/src/openvswitch/openvswitch.tar.gz
ovs_ver=$(dpkg-query -W -f='${Version}' openvswitch-source)
ovs_dir=$cache/ovs
stamp=$ovs_dir/.built-$ovs_ver
if [ -f "$stamp" ]; then
    step "libopenvswitch $ovs_ver: cached in $ovs_dir"
else
    step "building libopenvswitch $ovs_ver into $ovs_dir (about a minute on 2 cores)"
    mkdir -p "$cache"
    tmp=$(mktemp -d "$cache/ovs.tmp.XXXXXX")
    trap 'rm -rf "$tmp"' EXIT
    tar -xzf "$tarball" -C "$tmp"
    src=$tmp/openvswitch
    [ -x "$src/configure" ] || die "unexpected layout in $tarball"
    log=$tmp/build.log
    (
        cd "$src"
        ./configure --disable-ssl --disable-libcapng --enable-silent-rules
        # Generated sources that lib/ needs; `make lib/libopenvswitch.la` alone does not make them.
        make -j"$(nproc)" ofproto/ipfix-entities.def include/odp-netlink.h \
            include/odp-netlink-macros.h lib/vswitch-idl.c lib/vswitch-idl.h \
            lib/ovsdb-server-idl.c lib/ovsdb-server-idl.h
        make -j"$(nproc)" lib/libopenvswitch.la
    ) >"$log" 2>&1 || { tail -30 "$log" >&2; die "libopenvswitch build failed (log above)"; }
    [ -f "$src/lib/.libs/libopenvswitch.a" ] || die "libopenvswitch.a missing after build"
    touch "$src/.built-$ovs_ver"
    rm -rf "$ovs_dir"
    mv "$src" "$ovs_dir"
    rm -rf "$tmp"
    trap - EXIT
    step "libopenvswitch $ovs_ver built"
fi

# --- 3. the guest tier ---------------------------------------------------------
# promtool, for the unit tests of examples/prometheus-alerts.yaml (meson test
# alerts): the binary alone, from Debian's prometheus package. Installing the
# package would also start a Prometheus server on this machine.
pt_dir=$cache/promtool
pt_ver=$(apt-cache show --no-all-versions prometheus 2>/dev/null | sed -n 's/^Version: //p')
if [ -n "$pt_ver" ] && [ -x "$pt_dir/promtool" ] && [ -f "$pt_dir/.version-$pt_ver" ]; then
    step "promtool $pt_ver: cached in $pt_dir"
elif [ -z "$pt_ver" ]; then
    step "warning: no prometheus package in the package lists: the alert rule tests will be skipped"
else
    step "fetching promtool $pt_ver (Debian's prometheus package, unpacked, not installed)"
    mkdir -p "$cache"
    tmp=$(mktemp -d "$cache/promtool.tmp.XXXXXX")
    trap 'rm -rf "$tmp"' EXIT
    chmod 755 "$tmp"                    # apt's _apt user writes the download there
    if (cd "$tmp" && apt-get download -qq "prometheus=$pt_ver" >/dev/null 2>&1) &&
        dpkg-deb --fsys-tarfile "$tmp"/prometheus_*.deb | tar -x -C "$tmp" ./usr/bin/promtool &&
        "$tmp/usr/bin/promtool" --version >/dev/null 2>&1; then
        rm -rf "$pt_dir"
        mkdir -p "$pt_dir"
        mv "$tmp/usr/bin/promtool" "$pt_dir/promtool"
        touch "$pt_dir/.version-$pt_ver"
    else
        step "warning: could not fetch promtool: the alert rule tests will be skipped"
    fi
    rm -rf "$tmp"
    trap - EXIT
fi

if [ "${OO_SKIP_VM:-0}" != 1 ]; then
    "$here/vm/prepare.sh"
fi

printf 'bootstrap: done in %.1f s\n' "$(echo "$(date +%s.%N) - $t0" | bc)"
