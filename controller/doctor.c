#include "controller/doctor.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/devlink.h>

#include "common/json.h"
#include "common/util.h"
#include "controller/apply.h"
#include "controller/journal.h"
#include "devlink/sriov.h"
#include "tc/owner.h"

static void add(struct oo_doctor_report *r, int level, const char *check, const char *object,
                const char *fix, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static void add(struct oo_doctor_report *r, int level, const char *check, const char *object,
                const char *fix, const char *fmt, ...)
{
    struct oo_finding *f;
    va_list ap;

    r->findings = oo_realloc(r->findings, (r->n + 1) * sizeof *r->findings);
    f = &r->findings[r->n++];
    memset(f, 0, sizeof *f);
    f->level = level;
    oo_strlcpy(f->check, check, sizeof f->check);
    oo_strlcpy(f->object, object, sizeof f->object);
    oo_strlcpy(f->fix, fix ? fix : "", sizeof f->fix);
    va_start(ap, fmt);
    vsnprintf(f->message, sizeof f->message, fmt, ap);
    va_end(ap);
    r->n_warn += level == OO_FINDING_WARN;
    r->n_error += level == OO_FINDING_ERROR;
}

/* A whole word of the kernel command line, e.g. "iommu=pt". */
static bool cmdline_has(const char *cmdline, const char *word)
{
    size_t n = strlen(word);

    for (const char *p = cmdline; (p = strstr(p, word)); p += n)
        if ((p == cmdline || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0' || p[n] == '\n'))
            return true;
    return false;
}

static void check_iommu(const struct oo_doctor_facts *f, struct oo_doctor_report *r)
{
    bool asked = cmdline_has(f->cmdline, "intel_iommu=on") || cmdline_has(f->cmdline, "amd_iommu=on");

    if (f->iommu_groups > 0)
        add(r, OO_FINDING_OK, "iommu", "host", NULL, "IOMMU active (%d groups)%s", f->iommu_groups,
            cmdline_has(f->cmdline, "iommu=pt") ? ", passthrough for host devices" : "");
    else
        add(r, OO_FINDING_WARN, "iommu", "host",
            "add intel_iommu=on iommu=pt (AMD: amd_iommu=on iommu=pt) to GRUB_CMDLINE_LINUX in "
            "/etc/default/grub, run update-grub and reboot; enable VT-d/AMD-Vi in the BIOS",
            "no IOMMU groups%s: VFs cannot be passed to VMs (vfio-pci)",
            asked ? " although the kernel command line asks for the IOMMU (is it on in the BIOS?)"
                  : " and the kernel command line does not turn the IOMMU on");
    if (!cmdline_has(f->cmdline, "pci=realloc") && !cmdline_has(f->cmdline, "pci=realloc=on")) {
        for (size_t i = 0; i < f->n_kernel_log; i++)
            if (strstr(f->kernel_log[i], "not enough MMIO resources for SR-IOV")) {
                add(r, OO_FINDING_ERROR, "kernel-log", "host",
                    "add pci=realloc to the kernel command line (GRUB_CMDLINE_LINUX), update-grub, "
                    "reboot; if it persists, enable SR-IOV / above-4G decoding in the BIOS",
                    "the kernel could not map the VFs' BARs: \"%.120s\"", f->kernel_log[i]);
                break;
            }
    }
}

static void check_kernel_log(const struct oo_doctor_facts *f, struct oo_doctor_report *r)
{
    static const struct { const char *needle, *fix; } known[] = {
        { "ENABLE_HCA", "the VF's firmware command timed out: enable ACS and ARI (\"Alternative "
          "Routing-ID Interpretation\") in the BIOS, update the NIC firmware" },
        { "SR-IOV: bus number out of range", "enable ARI in the BIOS, or create fewer VFs" },
        { "failed to enable SR-IOV", "check the firmware: mlxconfig -d <pci> query SRIOV_EN NUM_OF_VFS; "
          "set SRIOV_EN=1 NUM_OF_VFS=<n> and reboot" },
    };

    for (size_t k = 0; k < OO_ARRAY_SIZE(known); k++)
        for (size_t i = 0; i < f->n_kernel_log; i++)
            if (strstr(f->kernel_log[i], known[k].needle)) {
                add(r, OO_FINDING_ERROR, "kernel-log", "host", known[k].fix, "kernel: \"%.160s\"",
                    f->kernel_log[i]);
                break;
            }
}

static int want_num_vfs(const struct oo_doctor_facts *f, const struct oo_obs_pf *pf)
{
    const char *up = NULL;

    for (size_t i = 0; f->cfg && i < f->cfg->n_pfs; i++) {
        const struct oo_cfg_pf *p = &f->cfg->pfs[i];
        const struct oo_dl_port *u = oo_obs_pf_uplink(pf);
        up = u ? u->netdev : NULL;
        if ((p->has_device && oo_dl_handle_equal(&p->device, &pf->handle)) ||
            (!p->has_device && p->netdev && up && !strcmp(p->netdev, up)))
            return p->num_vfs;
    }
    return -1;
}

/* VFs an apply unbound and did not bind again: it was stopped in between. */
static void check_vfs_left_unbound(const struct oo_obs_pf *pf, const char *h, struct oo_doctor_report *r)
{
    char list[160] = "";
    size_t len = 0, n = 0;

    for (size_t i = 0; i < pf->n_vfdevs; i++) {
        const struct oo_obs_vfdev *v = &pf->vfdevs[i];
        if (v->driver[0] || !v->unbound_from[0])
            continue;
        n++;
        if (len < sizeof list - 1)
            len += (size_t)snprintf(list + len, sizeof list - len, "%s%u (%s)", len ? ", " : "", v->id,
                                    v->unbound_from);
    }
    if (n)
        add(r, OO_FINDING_WARN, "vf-unbound", h,
            "run ovs-offloadctl apply, which binds them back if the config has this PF; to keep "
            "one unbound, delete its file in " OO_JOURNAL_VFS "/<PF>/",
            "%zu VF%s unbound by an apply that stopped before binding %s again: VF %s", n,
            n == 1 ? "" : "s", n == 1 ? "it" : "them", list);
}

/* A PF in a bond is there for VF-LAG: whether mlx5 formed it. */
static void check_vf_lag(const struct oo_doctor_facts *f, const struct oo_obs_pf *pf, const char *h,
                         struct oo_doctor_report *r)
{
    const struct oo_dl_port *up = oo_obs_pf_uplink(pf);
    const struct oo_link *bond = oo_obs_pf_bond(f->obs, pf);

    if (!bond)
        return;
    if (pf->lag_active == 1)
        add(r, OO_FINDING_OK, "vf-lag", h, NULL, "VF-LAG active: uplink %s in %s", up->netdev, bond->name);
    else if (pf->lag_active == 0)
        add(r, OO_FINDING_WARN, "vf-lag", h,
            "the NIC forms the LAG when both PFs are in switchdev and enslaved while their VFs are "
            "unbound: unbind the VFs, take both uplinks out of the bond and put them back, wait for "
            "lag/state \"active\", then bind the VFs (dmesg has mlx5's reason)",
            "uplink %s is in %s but the NIC has not formed the LAG: VF-LAG is off", up->netdev,
            bond->name);
    else if (pf->lag_err != -EOPNOTSUPP)
        add(r, OO_FINDING_WARN, "vf-lag", h,
            pf->lag_err == -ENOENT ? "mount -t debugfs none /sys/kernel/debug (mlx5 reports the LAG in "
                                     "mlx5/<PCI>/lag/state)" :
            pf->lag_err == -ENODATA ? "VF-LAG needs both ports of one LAG-capable NIC; on a kernel "
                                      "without mlx5's lag/state, check dmesg for mlx5's lag messages" :
                                      "run as root, where debugfs is readable",
            "the LAG state of uplink %s (in %s) cannot be read (%s): whether VF-LAG is on is unknown, "
            "and apply waits %d s (waits.lag_settle_s) for the LAG instead of until it is active",
            up->netdev, bond->name, oo_sriov_lag_err_text(pf->lag_err),
            f->cfg ? f->cfg->waits.lag_settle_s : OO_CFG_WAIT_LAG_SETTLE_S);
}

static void check_pf(const struct oo_doctor_facts *f, const struct oo_obs_pf *pf, struct oo_doctor_report *r)
{
    char h[128];
    const struct oo_dl_port *up = oo_obs_pf_uplink(pf);
    int want = want_num_vfs(f, pf);

    oo_dl_handle_format(&pf->handle, h, sizeof h);
    if (pf->eswitch_err)
        add(r, OO_FINDING_WARN, "eswitch", h,
            "a NIC without an eswitch (or its driver) cannot offload: use a ConnectX-5 or newer with mlx5_core",
            "no eswitch: %s", strerror(-pf->eswitch_err));
    if (!pf->sriov.capable)
        add(r, OO_FINDING_ERROR, "sriov", h,
            "enable SR-IOV in the BIOS and in the NIC firmware (mlxconfig -d <pci> set SRIOV_EN=1 "
            "NUM_OF_VFS=<n>, then reboot); lspci -v must list the SR-IOV capability",
            "the device has no SR-IOV (no sriov_numvfs)");
    else if (pf->sriov.total_vfs == 0)
        add(r, OO_FINDING_ERROR, "sriov", h,
            "raise NUM_OF_VFS in the firmware: mlxconfig -d <pci> set NUM_OF_VFS=<n>, then reboot",
            "sriov_totalvfs is 0");
    else if (want > 0 && pf->sriov.total_vfs >= 0 && want > pf->sriov.total_vfs)
        add(r, OO_FINDING_ERROR, "sriov", h,
            "raise NUM_OF_VFS in the firmware (mlxconfig), or ask for fewer VFs in the config",
            "the config asks for %d VFs, the device offers %d", want, pf->sriov.total_vfs);
    else
        add(r, OO_FINDING_OK, "sriov", h, NULL, "SR-IOV: %d of %d VFs", pf->sriov.num_vfs,
            pf->sriov.total_vfs);
    if (!pf->eswitch_err && pf->eswitch.mode == OO_ESWITCH_SWITCHDEV && up) {
        if (pf->hw_tc_offload == 0)
            add(r, OO_FINDING_WARN, "hw-tc-offload", h, NULL,
                "hw-tc-offload is off on uplink %s: tc rules stay in software", up->netdev);
        if (pf->hw_tc_offload == 0) {
            struct oo_finding *fi = &r->findings[r->n - 1];
            snprintf(fi->fix, sizeof fi->fix, "ethtool -K %s hw-tc-offload on (ovs-offloadctl apply does it)",
                     up->netdev);
        }
    }
    for (size_t i = 0; i < pf->n_vfdevs; i++)
        if (pf->vfdevs[i].driver[0] && strcmp(pf->vfdevs[i].driver, "mlx5_core") &&
            !strstr(pf->vfdevs[i].driver, "vfio"))     /* vfio-pci, mlx5_vfio_pci */
            add(r, OO_FINDING_WARN, "vf-driver", h, "bind the VF to mlx5_core (host use) or vfio-pci (VMs)",
                "VF %u is bound to %s", pf->vfdevs[i].id, pf->vfdevs[i].driver);
    check_vfs_left_unbound(pf, h, r);
    check_vf_lag(f, pf, h, r);
}

static bool nm_manages(const struct oo_doctor_facts *f, uint32_t ifindex)
{
    for (size_t i = 0; ifindex && i < f->n_nm_managed; i++)
        if (f->nm_managed[i] == ifindex)
            return true;
    return false;
}

/* Appends sep, prefix and name to list unless list holds name already, and
 * counts it; a name that does not fit whole is counted, not written, and
 * *cut says so. */
static void list_add(char *list, size_t size, size_t *n, bool *cut, const char *sep, const char *prefix,
                     const char *name)
{
    size_t len = strlen(list), nlen = strlen(name);

    for (const char *p = list; (p = strstr(p, name)); p += nlen)
        if ((p == list || p[-1] == ' ' || p[-1] == ':') && (!p[nlen] || p[nlen] == ','))
            return;
    (*n)++;
    if (len + strlen(sep) + strlen(prefix) + nlen < size)
        snprintf(list + len, size - len, "%s%s%s", len ? sep : "", prefix, name);
    else
        *cut = true;
}

/* NetworkManager on the netdevs ovs-offload and OVS drive: a managed one
 * gets an automatic connection (DHCP on it, the link taken down and up) and
 * its settings applied over ours (sriov-network-operator had to make such
 * netdevs unmanaged). Known from its device state files, which say which
 * devices it manages. */
static void check_network_manager(const struct oo_doctor_facts *f, struct oo_doctor_report *r)
{
    char list[120] = "", match[300] = "";
    size_t n = 0, m = 0;
    bool reps = false, cut = false, mcut = false;

    if (!f->nm_ran)
        return;
    for (size_t i = 0; i < f->obs->n_pfs; i++) {
        const struct oo_obs_pf *pf = &f->obs->pfs[i];
        const struct oo_link *bond = oo_obs_pf_bond(f->obs, pf);

        for (size_t k = 0; k < pf->n_ports; k++) {
            const struct oo_dl_port *p = &pf->ports[k];
            bool rep = p->flavour == DEVLINK_PORT_FLAVOUR_PCI_VF;

            if ((p->flavour != DEVLINK_PORT_FLAVOUR_PHYSICAL && !rep) || !p->netdev[0] ||
                !nm_manages(f, p->ifindex))
                continue;
            list_add(list, sizeof list, &n, &cut, ", ", "", p->netdev);
            if (rep)
                reps = true;
            else
                list_add(match, sizeof match, &m, &mcut, ",", "interface-name:", p->netdev);
        }
        if (bond && nm_manages(f, bond->ifindex)) {
            list_add(list, sizeof list, &n, &cut, ", ", "", bond->name);
            list_add(match, sizeof match, &m, &mcut, ",", "interface-name:", bond->name);
        }
        /* The VFs' own netdevs on the host (bound to the PF's VF driver):
         * NetworkManager takes them as they appear, before a VM or a pod
         * gets the VF (sriov-network-operator PR 224). By name: a VF
         * netdev's name comes from its PCI address, which is stable. */
        for (size_t k = 0; k < pf->n_vfdevs; k++) {
            const struct oo_obs_vfdev *v = &pf->vfdevs[k];
            const struct oo_link *l =
                v->netdev[0] ? oo_link_by_name(f->obs->links, f->obs->n_links, v->netdev) : NULL;

            if (!l || !nm_manages(f, l->ifindex))
                continue;
            list_add(list, sizeof list, &n, &cut, ", ", "", v->netdev);
            list_add(match, sizeof match, &m, &mcut, ",", "interface-name:", v->netdev);
        }
    }
    if (!n) {
        add(r, OO_FINDING_OK, "network-manager", "host", NULL,
            "NetworkManager runs and manages none of the uplinks, bonds, representors and VF netdevs");
        return;
    }
    add(r, OO_FINDING_WARN, "network-manager", "host", NULL,
        "NetworkManager manages %zu of the uplinks, bonds, representors and VF netdevs (%s%s): it can "
        "start DHCP on them, take them down and up, and apply its own settings over ovs-offload's and "
        "OVS's", n, list, cut ? ", ..." : "");
    /* Representors by driver: their names change when VFs are re-created. */
    snprintf(r->findings[r->n - 1].fix, sizeof r->findings[r->n - 1].fix,
             "make them unmanaged: a file in /etc/NetworkManager/conf.d with [device-ovs-offload] "
             "match-device=%s%s%s managed=0, then systemctl reload NetworkManager",
             mcut ? "interface-name:<each uplink, bond and VF netdev>" : match, m && reps ? "," : "",
             reps ? "driver:mlx5e_rep" : "");
}

/* ovs-vswitchd's upcall threads, per datapath (upcall/show lists its
 * revalidators). OVS starts handlers and revalidators together or not at
 * all, and without handlers nothing reads the datapath's upcalls: the first
 * packet of every new flow is dropped and no flow is ever set up, in
 * software or in hardware. OVS 3.1 started within seconds of boot does
 * this (plan.c, plan_upcall_threads; tests/vm/boot.sh shows it). */
static void check_upcall_threads(const struct oo_ovs_observed *v, struct oo_doctor_report *r)
{
    if (v->vswitchd_running != 1)
        return;
    for (size_t i = 0; i < v->n_datapaths; i++) {
        const struct oo_ovs_datapath *dp = &v->datapaths[i];

        if (dp->revalidators == 0)
            add(r, OO_FINDING_ERROR, "ovs-upcall", dp->name,
                "have it reconfigure: ovs-offloadctl apply does (an ovs-reconfigure step, with a "
                "config that sets OVS up; ovs-offloadd does it by itself), as does any ovs-vsctl change "
                "once 10 s have passed since boot; or restart it: systemctl restart openvswitch-switch",
                "ovs-vswitchd (pid %lld) runs no upcall handler or revalidator thread for this "
                "datapath: every upcall is lost, so no new flow is set up, in software or in "
                "hardware (OVS 3.1 started within seconds of boot does this)",
                (long long)v->vswitchd_pid);
        else if (dp->revalidators > 0)
            add(r, OO_FINDING_OK, "ovs-upcall", dp->name, NULL,
                "ovs-vswitchd runs its upcall threads for this datapath (%d revalidator%s)",
                dp->revalidators, dp->revalidators == 1 ? "" : "s");
    }
}

static void check_ovs(const struct oo_doctor_facts *f, struct oo_doctor_report *r)
{
    const struct oo_ovs_observed *v = &f->obs->ovs;

    if (!v->reachable) {
        add(r, OO_FINDING_ERROR, "ovs", "ovs",
            "start Open vSwitch (systemctl start openvswitch-switch) or point --db at its socket",
            "OVSDB unreachable: %s", v->error);
        return;
    }
    if (!v->hw_offload_enabled)
        add(r, OO_FINDING_WARN, "ovs-offload", "ovs",
            "ovs-vsctl set Open_vSwitch . other_config:hw-offload=true, then restart ovs-vswitchd "
            "(or set ovs.hw_offload: true and let ovs-offloadctl apply do it)",
            "hw-offload is %s: OVS keeps every flow in software", v->hw_offload ? v->hw_offload : "unset");
    else if (v->restart_needed == 1)
        add(r, OO_FINDING_WARN, "ovs-offload", "ovs",
            "systemctl restart openvswitch-switch (ovs.restart: if-needed lets apply do it)",
            "hw-offload is set but the running ovs-vswitchd started before it: offload is not active");
    else if (v->restart_needed == 0)
        add(r, OO_FINDING_OK, "ovs-offload", "ovs", NULL, "hardware offload is active in ovs-vswitchd");
    else
        add(r, OO_FINDING_OK, "ovs-offload", "ovs", NULL,
            "hw-offload=true (whether the running ovs-vswitchd applied it is unknown)");
    if (v->tc_policy && !strcmp(v->tc_policy, "skip_sw"))
        add(r, OO_FINDING_WARN, "tc-policy", "ovs",
            "use tc-policy none unless every flow must be in hardware",
            "tc-policy=skip_sw: flows the NIC cannot take (conntrack among them) fail instead of "
            "falling back to software");
    check_upcall_threads(v, r);
}

/* Ports whose interface ovs-vswitchd could not open: mostly a netdev gone
 * (a representor of VFs since re-created or renamed, left over after a
 * reboot or a failed setup), which keeps its name from a new netdev and
 * makes tools that add it again fail. ovs-offload's own are the next
 * apply's to repair; anyone else's are only reported. */
static void check_ovs_ports(const struct oo_doctor_facts *f, struct oo_doctor_report *r)
{
    const struct oo_ovs_observed *v = &f->obs->ovs;
    char fix[300];
    size_t n = 0;

    if (!v->reachable)
        return;
    for (size_t i = 0; i < v->n_ports; i++) {
        const struct oo_ovs_port *p = &v->ports[i];

        if (!p->bridge || !p->error)
            continue;
        n++;
        if (p->owned)
            snprintf(fix, sizeof fix, "ovs-offloadctl apply: the port is ovs-offload's, and apply "
                     "attaches it again or removes it");
        else
            snprintf(fix, sizeof fix, "if %.64s is gone for good: ovs-vsctl del-port %.64s %.64s "
                     "(ovs-offload does not remove ports it did not add)", p->name, p->bridge, p->name);
        add(r, OO_FINDING_WARN, "ovs-port", p->name, fix, "port of %s%s in error: %s", p->bridge,
            p->owned ? " (ovs-offload's)" : "", p->error);
    }
    if (!n && v->n_ports)
        add(r, OO_FINDING_OK, "ovs-port", "ovs", NULL, "every OVS port's interface is open (%zu ports)",
            v->n_ports);
}

/* Flows entering at an uplink, bond or representor that stay in OVS's
 * kernel datapath although its flow offload is on: tc refused them. OVS
 * logs why only at debug level (EOPNOTSUPP and ENOSPC, the common ones),
 * so nothing else on the host says which ports lose their offload. */
static void check_kernel_flows(const struct oo_doctor_facts *f, struct oo_doctor_report *r)
{
    const struct oo_observed *o = f->obs;
    uint64_t elsewhere = 0;
    size_t n = 0;

    if (!f->kernel_flows_asked)
        return;
    if (f->kernel_flows_err) {
        add(r, OO_FINDING_WARN, "offload-fail", "ovs", "check that ovs-vswitchd answers: ovs-appctl version",
            "cannot tell which flows stay in the kernel datapath: %s", f->kernel_flows_error);
        return;
    }
    for (size_t i = 0; i < f->n_kernel_flows; i++) {
        const struct oo_ovs_port_flows *k = &f->kernel_flows[i];
        bool ours = false;

        for (size_t p = 0; p < o->n_tc && !ours; p++)
            ours = !strcmp(o->tc[p].netdev, k->port);
        if (!ours) {
            elsewhere += k->flows;
            continue;
        }
        n++;
        add(r, OO_FINDING_WARN, "offload-fail", k->port,
            "ovs-appctl dpctl/dump-flows type=ovs lists them; ovs-appctl vlog/set netdev_offload_tc:file:dbg "
            "dpif_netlink:file:dbg makes ovs-vswitchd.log say why tc refuses each",
            "%" PRIu64 " flow%s entering at %s %s in OVS's kernel datapath with flow offload on: not "
            "offloaded (tc refused %s, or %s before offload was on)", k->flows, k->flows == 1 ? "" : "s",
            k->port, k->flows == 1 ? "is" : "are", k->flows == 1 ? "it" : "them",
            k->flows == 1 ? "it came" : "they came");
    }
    if (!n)
        add(r, OO_FINDING_OK, "offload-fail", "ovs", NULL,
            "no flow entering at an uplink, bond or representor stays in OVS's kernel datapath (%" PRIu64
            " entering elsewhere do)", elsewhere);
}

static const struct oo_link *link_by_ifindex(const struct oo_observed *o, uint32_t ifindex)
{
    size_t lo = 0, hi = o->n_links;

    while (lo < hi) {           /* obs->links is sorted by ifindex */
        size_t mid = lo + (hi - lo) / 2;

        if (o->links[mid].ifindex == ifindex)
            return &o->links[mid];
        if (o->links[mid].ifindex < ifindex)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* The name of an OVS port whose ingress is place p (its device, or one on
 * its shared block), or NULL. */
static const char *place_ovs_port(const struct oo_observed *o, const struct oo_obs_tc_place *p)
{
    const struct oo_ovs_port *port;

    if (!p->block) {
        port = oo_ovs_port_find(&o->ovs, p->netdev);
        return port && port->bridge ? port->name : NULL;
    }
    for (size_t i = 0; i < o->n_qdiscs; i++) {
        const struct oo_link *l;

        if (o->qdiscs[i].ingress_block != p->block ||
            !(l = link_by_ifindex(o, o->qdiscs[i].ifindex)))
            continue;
        port = oo_ovs_port_find(&o->ovs, l->name);
        if (port && port->bridge)
            return port->name;
    }
    return NULL;
}

/* A filter that is not OVS's at one of OVS's own prios (chain 0: IPv4 flows
 * at prio 2, IPv6 at prio 3; config.h OO_CFG_OVS_PRIO_IPV4) with another
 * protocol, on a port OVS offloads to: ovs-vswitchd cannot add the filters
 * of those flows there ("failed to offload flow: Invalid argument" in its
 * log) and they stay in software. The plan keeps ovs-offload's rules off
 * those prios; this finds anyone's. */
static void check_ovs_prios(const struct oo_doctor_facts *f, struct oo_doctor_report *r)
{
    const struct oo_observed *o = f->obs;
    size_t found = 0;

    if (!o->ovs.reachable || !o->ovs.hw_offload_enabled || o->tc_err)
        return;
    for (size_t i = 0; i < o->n_tc; i++) {
        const struct oo_obs_tc_place *p = &o->tc[i];
        const char *port = NULL;
        bool said[2] = { false, false };

        for (size_t k = 0; k < p->n_filters; k++) {
            const struct oo_tc_filter *x = &p->filters[k];
            const int want = oo_cfg_ovs_prio_protocol(x->id.chain, x->id.prio);
            const int v6 = want == 0x86dd;
            char where[48], proto[16];

            if (!want || x->id.protocol == want || said[v6] || oo_tc_classify(x, NULL) == OO_TC_OWNER_OVS)
                continue;
            if (!port && !(port = place_ovs_port(o, p)))
                break;
            said[v6] = true;
            found++;
            if (p->block)
                snprintf(where, sizeof where, "block %" PRIu32, p->block);
            else
                snprintf(where, sizeof where, "dev %s ingress", p->netdev);
            /* tc spells ETH_P_ALL "all". */
            const char *pname = x->id.protocol == 0x0003 ? "all" : oo_cfg_eth_type_describe(x->id.protocol, proto);
            add(r, OO_FINDING_WARN, "ovs-prio", p->block ? where : p->netdev, NULL,
                "a %s filter of protocol %s (%s) holds prio %u of %s, OVS port %s: OVS puts the "
                "filters of its %s flows at that prio, and tc keeps one protocol per prio, so their "
                "offload fails and they stay in software",
                x->kind[0] ? x->kind : "tc", pname,
                oo_tc_owner_to_string(oo_tc_classify(x, NULL)), x->id.prio, where, port,
                v6 ? "IPv6" : "IPv4");
            snprintf(r->findings[r->n - 1].fix, sizeof r->findings[r->n - 1].fix,
                     "move it to a prio above the ones OVS uses, or make its protocol %s "
                     "(tc filter show %s pref %u)", v6 ? "ipv6" : "ip", where, x->id.prio);
        }
    }
    if (!found)
        add(r, OO_FINDING_OK, "ovs-prio", "ovs", NULL,
            "OVS's prios 2 and 3 hold no filter of another protocol on the ports it offloads to");
}

void oo_doctor_diagnose(const struct oo_doctor_facts *f, struct oo_doctor_report *r)
{
    memset(r, 0, sizeof *r);
    check_iommu(f, r);
    check_kernel_log(f, r);
    if (f->obs->devlink_err)
        add(r, OO_FINDING_ERROR, "devlink", "host", "load the NIC's driver (modprobe mlx5_core)",
            "%s", f->obs->devlink_error);
    else if (!f->obs->n_pfs)
        add(r, OO_FINDING_ERROR, "devlink", "host",
            "check that the NIC is seen (lspci) and its driver loaded (modprobe mlx5_core)",
            "no devlink device: no NIC this controller can manage");
    for (size_t i = 0; i < f->obs->n_pfs; i++)
        check_pf(f, &f->obs->pfs[i], r);
    check_network_manager(f, r);
    check_ovs(f, r);
    check_ovs_ports(f, r);
    check_kernel_flows(f, r);
    check_ovs_prios(f, r);
}

void oo_doctor_report_free(struct oo_doctor_report *r)
{
    free(r->findings);
    memset(r, 0, sizeof *r);
}

/* ------------------------------------------------------------ gathering */

static void read_kernel_log(const char *root, struct oo_doctor_facts *f)
{
    char path[PATH_MAX], rec[2048];
    int fd;
    ssize_t n;

    snprintf(path, sizeof path, "%s/dev/kmsg", root);
    if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) < 0)
        return;
    /* One record per read; EAGAIN at the end of the buffer. */
    while ((n = read(fd, rec, sizeof rec - 1)) != 0) {
        char *msg;

        if (n < 0) {
            if (errno == EPIPE)     /* overwritten while reading: go on */
                continue;
            break;
        }
        rec[n] = '\0';
        msg = strchr(rec, ';');
        msg = msg ? msg + 1 : rec;
        msg[strcspn(msg, "\n")] = '\0';
        f->kernel_log = oo_realloc(f->kernel_log, (f->n_kernel_log + 1) * sizeof *f->kernel_log);
        f->kernel_log[f->n_kernel_log++] = oo_strdup(msg);
    }
    close(fd);
}

int oo_doctor_nm_managed(const char *keyfile)
{
    bool in_device = false;
    int managed = -1;

    for (const char *line = keyfile; line && *line;) {
        const char *end = line + strcspn(line, "\n");
        const char *p = line + strspn(line, " \t");
        size_t len = (size_t)(end - p);

        while (len && (p[len - 1] == ' ' || p[len - 1] == '\t' || p[len - 1] == '\r'))
            len--;
        if (len && *p == '[') {
            in_device = len == 8 && !strncmp(p, "[device]", 8);
        } else if (in_device && len > 8 && !strncmp(p, "managed", 7)) {
            const char *v = p + 7;

            v += strspn(v, " \t");
            if (*v == '=') {
                size_t vlen;

                v++;
                v += strspn(v, " \t");
                vlen = len - (size_t)(v - p);
                /* GKeyFile's booleans: true/false, 1/0 (case-sensitive). */
                if ((vlen == 4 && !strncmp(v, "true", 4)) || (vlen == 1 && *v == '1'))
                    managed = 1;
                else if ((vlen == 5 && !strncmp(v, "false", 5)) || (vlen == 1 && *v == '0'))
                    managed = 0;
            }
        }
        line = *end ? end + 1 : NULL;
    }
    return managed;
}

/* NetworkManager's device state files: <rundir>/devices/<ifindex>. */
static void read_nm_devices(const char *root, struct oo_doctor_facts *f)
{
    char path[PATH_MAX], text[4096];
    struct dirent *e;
    DIR *d;

    snprintf(path, sizeof path, "%s/run/NetworkManager/devices", root);
    if (!(d = opendir(path)))
        return;
    f->nm_ran = true;
    while ((e = readdir(d))) {
        char *end;
        unsigned long ifindex = strtoul(e->d_name, &end, 10);

        if (!ifindex || *end || ifindex > UINT32_MAX || e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        snprintf(path, sizeof path, "%s/run/NetworkManager/devices/%s", root, e->d_name);
        if (oo_read_file(path, text, sizeof text) < 0 || oo_doctor_nm_managed(text) != 1)
            continue;
        f->nm_managed = oo_realloc(f->nm_managed, (f->n_nm_managed + 1) * sizeof *f->nm_managed);
        f->nm_managed[f->n_nm_managed++] = (uint32_t)ifindex;
    }
    closedir(d);
}

void oo_doctor_gather(const char *root, struct oo_doctor_facts *f)
{
    char path[PATH_MAX];
    DIR *d;
    struct dirent *e;

    snprintf(path, sizeof path, "%s/proc/cmdline", root);
    if (oo_read_file(path, f->cmdline, sizeof f->cmdline) < 0)
        f->cmdline[0] = '\0';
    snprintf(path, sizeof path, "%s/sys/kernel/iommu_groups", root);
    f->iommu_groups = -1;
    if ((d = opendir(path))) {
        f->iommu_groups = 0;
        while ((e = readdir(d)))
            f->iommu_groups += e->d_name[0] != '.';
        closedir(d);
    }
    read_kernel_log(root, f);
    read_nm_devices(root, f);
}

void oo_doctor_facts_free(struct oo_doctor_facts *f)
{
    for (size_t i = 0; i < f->n_kernel_log; i++)
        free(f->kernel_log[i]);
    free(f->kernel_log);
    f->kernel_log = NULL;
    f->n_kernel_log = 0;
    free(f->nm_managed);
    f->nm_managed = NULL;
    f->n_nm_managed = 0;
    free(f->kernel_flows);
    f->kernel_flows = NULL;
    f->n_kernel_flows = 0;
}

/* ------------------------------------------------------------ output */

static const char *const level_names[] = { "ok", "warning", "error" };

void oo_doctor_print_text(FILE *out, const struct oo_doctor_report *r, bool verbose)
{
    for (size_t i = 0; i < r->n; i++) {
        const struct oo_finding *f = &r->findings[i];
        if (f->level == OO_FINDING_OK && !verbose)
            continue;
        fprintf(out, "%-7s %s: %s: %s\n", level_names[f->level], f->object, f->check, f->message);
        if (f->fix[0])
            fprintf(out, "        fix: %s\n", f->fix);
    }
    fprintf(out, "%zu error%s, %zu warning%s\n", r->n_error, r->n_error == 1 ? "" : "s", r->n_warn,
            r->n_warn == 1 ? "" : "s");
}

void oo_doctor_print_json(FILE *out, const struct oo_doctor_report *r)
{
    struct oo_json j;

    oo_json_init(&j, out, true);
    oo_json_obj_begin(&j);
    oo_json_kv_uint(&j, "errors", r->n_error);
    oo_json_kv_uint(&j, "warnings", r->n_warn);
    oo_json_key(&j, "findings");
    oo_json_arr_begin(&j);
    for (size_t i = 0; i < r->n; i++) {
        const struct oo_finding *f = &r->findings[i];
        oo_json_obj_begin(&j);
        oo_json_kv_str(&j, "level", level_names[f->level]);
        oo_json_kv_str(&j, "check", f->check);
        oo_json_kv_str(&j, "object", f->object);
        oo_json_kv_str(&j, "message", f->message);
        oo_json_kv_str(&j, "fix", f->fix[0] ? f->fix : NULL);
        oo_json_obj_end(&j);
    }
    oo_json_arr_end(&j);
    oo_json_obj_end(&j);
    oo_json_finish(&j);
}
