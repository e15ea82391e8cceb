/* doctor: each finding from a table of host facts, with its fix. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <linux/devlink.h>

#include "common/util.h"
#include "controller/doctor.h"
#include "host.h"
#include "tc/owner.h"

/* The finding of `check` on `object`, or NULL. */
static const struct oo_finding *find(const struct oo_doctor_report *r, const char *check, const char *object)
{
    for (size_t i = 0; i < r->n; i++)
        if (!strcmp(r->findings[i].check, check) && !strcmp(r->findings[i].object, object))
            return &r->findings[i];
    return NULL;
}

static void healthy_host(struct oo_observed *h)
{
    memset(h, 0, sizeof *h);
    host_add_pf(h, "pci", "0000:3b:00.0", "p0", OO_ESWITCH_SWITCHDEV, 4);
    host_ovs(h, true);
    host_ovs_set(h, "hw-offload", "true");
}

static void test_healthy(void **state)
{
    struct oo_observed h;
    struct oo_doctor_facts f = { .cmdline = "BOOT_IMAGE=/vmlinuz intel_iommu=on iommu=pt quiet",
                                 .iommu_groups = 42 };
    struct oo_doctor_report r;

    healthy_host(&h);
    f.obs = &h;
    oo_doctor_diagnose(&f, &r);
    assert_int_equal(r.n_error, 0);
    assert_int_equal(r.n_warn, 0);
    assert_string_equal(find(&r, "iommu", "host")->message, "IOMMU active (42 groups), passthrough for host devices");
    assert_string_equal(find(&r, "sriov", "pci/0000:3b:00.0")->message, "SR-IOV: 4 of 8 VFs");
    assert_int_equal(find(&r, "ovs-offload", "ovs")->level, OO_FINDING_OK);
    oo_doctor_report_free(&r);
    oo_observed_free(&h);
}

static void test_field_failures(void **state)
{
    struct oo_observed h;
    char *log[] = {
        "pci 0000:3b:00.0: [15b3:101d] type 00 class 0x020000",
        "mlx5_core 0000:3b:00.0: not enough MMIO resources for SR-IOV",
        "mlx5_core 0000:3b:00.2: mlx5_cmd_out_err:803:(pid 1): ENABLE_HCA(0x104) op_mod(0x0) failed, status bad parameter(0x3)",
    };
    struct oo_doctor_facts f = { .cmdline = "BOOT_IMAGE=/vmlinuz quiet", .iommu_groups = 0,
                                 .kernel_log = log, .n_kernel_log = 3 };
    struct oo_doctor_report r;
    const struct oo_finding *x;

    healthy_host(&h);
    h.pfs[0].hw_tc_offload = 0;
    h.ovs.restart_needed = 1;
    host_ovs_set(&h, "tc-policy", "skip_sw");
    f.obs = &h;
    oo_doctor_diagnose(&f, &r);

    x = find(&r, "iommu", "host");
    assert_int_equal(x->level, OO_FINDING_WARN);
    assert_non_null(strstr(x->message, "does not turn the IOMMU on"));
    assert_non_null(strstr(x->fix, "intel_iommu=on iommu=pt"));

    /* Two kernel-log findings: MMIO (fix pci=realloc) and ENABLE_HCA (fix ACS/ARI). */
    size_t n_log = 0, n_realloc = 0, n_ari = 0;
    for (size_t i = 0; i < r.n; i++)
        if (!strcmp(r.findings[i].check, "kernel-log")) {
            n_log++;
            assert_int_equal(r.findings[i].level, OO_FINDING_ERROR);
            n_realloc += strstr(r.findings[i].fix, "pci=realloc") != NULL;
            n_ari += strstr(r.findings[i].fix, "ARI") != NULL;
        }
    assert_int_equal(n_log, 2);
    assert_int_equal(n_realloc, 1);
    assert_int_equal(n_ari, 1);

    x = find(&r, "hw-tc-offload", "pci/0000:3b:00.0");
    assert_non_null(x);
    assert_string_equal(x->fix, "ethtool -K p0 hw-tc-offload on (ovs-offloadctl apply does it)");
    x = find(&r, "ovs-offload", "ovs");
    assert_int_equal(x->level, OO_FINDING_WARN);
    assert_non_null(strstr(x->message, "started before it"));
    assert_non_null(find(&r, "tc-policy", "ovs"));
    assert_int_equal(r.n_error, 2);
    assert_int_equal(r.n_warn, 4);
    oo_doctor_report_free(&r);
    oo_observed_free(&h);
}

static void test_pci_realloc_already_set(void **state)
{
    struct oo_observed h;
    char *log[] = { "mlx5_core 0000:3b:00.0: not enough MMIO resources for SR-IOV" };
    struct oo_doctor_facts f = { .cmdline = "quiet pci=realloc intel_iommu=on", .iommu_groups = 3,
                                 .kernel_log = log, .n_kernel_log = 1 };
    struct oo_doctor_report r;

    healthy_host(&h);
    f.obs = &h;
    oo_doctor_diagnose(&f, &r);
    assert_null(find(&r, "kernel-log", "host"));
    oo_doctor_report_free(&r);
    oo_observed_free(&h);
}

static void test_sriov_missing_or_short(void **state)
{
    struct oo_observed h;
    struct oo_config cfg;
    struct oo_doctor_facts f = { .cmdline = "", .iommu_groups = 1 };
    struct oo_doctor_report r;

    healthy_host(&h);
    host_add_pf(&h, "pci", "0000:af:00.0", "q0", OO_ESWITCH_LEGACY, 0);
    h.pfs[1].sriov.capable = false;
    oo_config_init(&cfg);
    cfg.n_pfs = 1;
    cfg.pfs = oo_calloc(1, sizeof *cfg.pfs);
    cfg.pfs[0].name = oo_strdup("pf0");
    cfg.pfs[0].has_device = true;
    oo_dl_handle_parse("pci/0000:3b:00.0", &cfg.pfs[0].device);
    cfg.pfs[0].num_vfs = 16;
    f.obs = &h;
    f.cfg = &cfg;
    oo_doctor_diagnose(&f, &r);
    assert_non_null(strstr(find(&r, "sriov", "pci/0000:3b:00.0")->message, "asks for 16 VFs, the device offers 8"));
    assert_non_null(strstr(find(&r, "sriov", "pci/0000:af:00.0")->fix, "SRIOV_EN=1"));
    assert_int_equal(r.n_error, 2);
    oo_doctor_report_free(&r);
    oo_config_free(&cfg);
    oo_observed_free(&h);
}

/* VFs a stopped apply left unbound are named, with their drivers; a VF
 * someone else unbound is not. */
static void test_vfs_left_unbound(void **state)
{
    struct oo_observed h;
    struct oo_doctor_facts f = { .cmdline = "intel_iommu=on iommu=pt", .iommu_groups = 4 };
    struct oo_doctor_report r;
    const struct oo_finding *x;

    healthy_host(&h);
    f.obs = &h;
    h.pfs[0].vfdevs[1].driver[0] = '\0';
    oo_doctor_diagnose(&f, &r);
    assert_null(find(&r, "vf-unbound", "pci/0000:3b:00.0"));
    oo_doctor_report_free(&r);
    oo_strlcpy(h.pfs[0].vfdevs[1].unbound_from, "mlx5_core", sizeof h.pfs[0].vfdevs[1].unbound_from);
    h.pfs[0].vfdevs[3].driver[0] = '\0';
    oo_strlcpy(h.pfs[0].vfdevs[3].unbound_from, "vfio-pci", sizeof h.pfs[0].vfdevs[3].unbound_from);
    oo_doctor_diagnose(&f, &r);
    x = find(&r, "vf-unbound", "pci/0000:3b:00.0");
    assert_non_null(x);
    assert_int_equal(x->level, OO_FINDING_WARN);
    assert_string_equal(x->message, "2 VFs unbound by an apply that stopped before binding them again: "
                                    "VF 1 (mlx5_core), 3 (vfio-pci)");
    assert_non_null(strstr(x->fix, "ovs-offloadctl apply"));
    oo_doctor_report_free(&r);
    oo_observed_free(&h);
}

/* A PF whose uplink is in a bond: VF-LAG on, off, or unknown because mlx5's
 * state cannot be read; a PF in no bond and a non-mlx5 PF say nothing. */
static void test_vf_lag(void **state)
{
    static const char *const members[] = { "p0", "p1", NULL };
    struct oo_observed h;
    struct oo_doctor_facts f = { .cmdline = "intel_iommu=on iommu=pt", .iommu_groups = 4 };
    struct oo_doctor_report r;
    const struct oo_finding *x;

    healthy_host(&h);
    host_add_pf(&h, "pci", "0000:3b:00.1", "p1", OO_ESWITCH_SWITCHDEV, 4);
    f.obs = &h;
    h.pfs[0].lag_active = h.pfs[1].lag_active = 0;
    oo_doctor_diagnose(&f, &r);
    assert_null(find(&r, "vf-lag", "pci/0000:3b:00.0"));        /* in no bond */
    oo_doctor_report_free(&r);

    host_add_bond(&h, "bond0", true, 4, members);
    oo_doctor_diagnose(&f, &r);
    x = find(&r, "vf-lag", "pci/0000:3b:00.1");
    assert_non_null(x);
    assert_int_equal(x->level, OO_FINDING_WARN);
    assert_string_equal(x->message, "uplink p1 is in bond0 but the NIC has not formed the LAG: VF-LAG is off");
    assert_non_null(strstr(x->fix, "unbind the VFs"));
    oo_doctor_report_free(&r);

    h.pfs[0].lag_active = 1;
    h.pfs[1].lag_active = -1;
    h.pfs[1].lag_err = -ENOENT;
    oo_doctor_diagnose(&f, &r);
    x = find(&r, "vf-lag", "pci/0000:3b:00.0");
    assert_int_equal(x->level, OO_FINDING_OK);
    assert_string_equal(x->message, "VF-LAG active: uplink p0 in bond0");
    x = find(&r, "vf-lag", "pci/0000:3b:00.1");
    assert_int_equal(x->level, OO_FINDING_WARN);
    assert_non_null(strstr(x->message, "cannot be read (debugfs is not mounted on /sys/kernel/debug)"));
    assert_non_null(strstr(x->fix, "mount -t debugfs"));
    oo_doctor_report_free(&r);

    h.pfs[1].lag_err = -EOPNOTSUPP;                 /* not mlx5: no state to read */
    oo_doctor_diagnose(&f, &r);
    assert_null(find(&r, "vf-lag", "pci/0000:3b:00.1"));
    assert_int_equal(r.n_warn, 0);
    oo_doctor_report_free(&r);
    oo_observed_free(&h);
}

/* NetworkManager's device state file, as nm_config_device_state_write()
 * writes it (GKeyFile: [device], managed=true|false, then other keys). */
static void test_nm_state_file(void **state)
{
    assert_int_equal(oo_doctor_nm_managed("[device]\nmanaged=true\n"
                                          "connection-uuid=5e1c2b8a-2f4c-4a3e-9a55-0c1d2e3f4a5b\n"
                                          "route-metric-default-effective=100\n"), 1);
    assert_int_equal(oo_doctor_nm_managed("[device]\nmanaged=false\nperm-hw-addr-fake=02:00:00:00:00:01\n"), 0);
    assert_int_equal(oo_doctor_nm_managed("[device]\nmanaged=1\n"), 1);
    assert_int_equal(oo_doctor_nm_managed("[device]\r\nmanaged = false \r\n"), 0);
    /* Not said: no key (state "unknown"), another group, another key. */
    assert_int_equal(oo_doctor_nm_managed("[device]\nnm-owned=true\n"), -1);
    assert_int_equal(oo_doctor_nm_managed("[dhcp4]\nmanaged=true\n[device]\nnm-owned=false\n"), -1);
    assert_int_equal(oo_doctor_nm_managed("[device]\nmanaged-by=someone\n"), -1);
    assert_int_equal(oo_doctor_nm_managed("[device]\nmanaged=yes\n"), -1);  /* not a GKeyFile boolean */
    assert_int_equal(oo_doctor_nm_managed(""), -1);
}

/* The ifindex of netdev name in h. */
static uint32_t ifindex_of(struct oo_observed *h, const char *name)
{
    return host_link(h, name)->ifindex;
}

/* NetworkManager managing an uplink, a representor, the bond or a VF's own
 * netdev: a warning naming them, with a conf.d match that lasts
 * (representors by driver, VF netdevs by their PCI-derived names). */
static void test_network_manager(void **state)
{
    static const char *const members[] = { "p0", "p1", NULL };
    struct oo_observed h;
    struct oo_doctor_facts f = { .cmdline = "intel_iommu=on iommu=pt", .iommu_groups = 4 };
    struct oo_doctor_report r;
    const struct oo_finding *x;
    uint32_t managed[6];

    healthy_host(&h);
    host_add_pf(&h, "pci", "0000:3b:00.1", "p1", OO_ESWITCH_SWITCHDEV, 2);
    host_add_bond(&h, "bond0", true, 4, members);
    /* VF 0 of p0 and VF 1 of p1 have netdevs on the host (bound to mlx5_core). */
    host_add_link(&h, "enp59s0f0v0");
    host_add_link(&h, "enp59s0f1v1");
    strcpy(h.pfs[0].vfdevs[0].netdev, "enp59s0f0v0");
    strcpy(h.pfs[1].vfdevs[1].netdev, "enp59s0f1v1");
    f.obs = &h;

    /* Not running in this boot: nothing said. */
    oo_doctor_diagnose(&f, &r);
    assert_null(find(&r, "network-manager", "host"));
    oo_doctor_report_free(&r);

    /* Running, managing something else (ifindex 999): fine. */
    managed[0] = 999;
    f.nm_ran = true;
    f.nm_managed = managed;
    f.n_nm_managed = 1;
    oo_doctor_diagnose(&f, &r);
    x = find(&r, "network-manager", "host");
    assert_non_null(x);
    assert_int_equal(x->level, OO_FINDING_OK);
    assert_string_equal(x->message, "NetworkManager runs and manages none of the uplinks, bonds, "
                                    "representors and VF netdevs");
    oo_doctor_report_free(&r);

    /* An uplink, a representor and the bond. */
    managed[1] = ifindex_of(&h, "p1");
    managed[2] = h.pfs[0].ports[1].ifindex;
    managed[3] = ifindex_of(&h, "bond0");
    assert_int_equal(h.pfs[0].ports[1].flavour, DEVLINK_PORT_FLAVOUR_PCI_VF);
    f.n_nm_managed = 4;
    oo_doctor_diagnose(&f, &r);
    x = find(&r, "network-manager", "host");
    assert_non_null(x);
    assert_int_equal(x->level, OO_FINDING_WARN);
    assert_string_equal(h.pfs[0].ports[1].netdev, "p0_0");
    assert_non_null(strstr(x->message, "manages 3 of the uplinks, bonds, representors and VF netdevs "
                                       "(p0_0, bond0, p1): "));
    assert_non_null(strstr(x->fix, "match-device=interface-name:bond0,interface-name:p1,driver:mlx5e_rep "
                                   "managed=0"));
    assert_int_equal(r.n_warn, 1);
    oo_doctor_report_free(&r);

    /* A VF's own netdev alone: named, matched by name, no representor match. */
    managed[0] = ifindex_of(&h, "enp59s0f1v1");
    f.n_nm_managed = 1;
    oo_doctor_diagnose(&f, &r);
    x = find(&r, "network-manager", "host");
    assert_non_null(x);
    assert_int_equal(x->level, OO_FINDING_WARN);
    assert_non_null(strstr(x->message, "manages 1 of the uplinks, bonds, representors and VF netdevs "
                                       "(enp59s0f1v1): "));
    assert_non_null(strstr(x->fix, "match-device=interface-name:enp59s0f1v1 managed=0"));
    oo_doctor_report_free(&r);

    /* With the others: every kind in one list. */
    managed[0] = 999;
    managed[4] = ifindex_of(&h, "enp59s0f0v0");
    managed[5] = ifindex_of(&h, "enp59s0f1v1");
    f.n_nm_managed = 6;
    oo_doctor_diagnose(&f, &r);
    x = find(&r, "network-manager", "host");
    assert_non_null(x);
    assert_non_null(strstr(x->message, "manages 5 of the uplinks, bonds, representors and VF netdevs "
                                       "(p0_0, bond0, enp59s0f0v0, p1, enp59s0f1v1): "));
    assert_non_null(strstr(x->fix, "match-device=interface-name:bond0,interface-name:enp59s0f0v0,"
                                   "interface-name:p1,interface-name:enp59s0f1v1,driver:mlx5e_rep managed=0"));
    oo_doctor_report_free(&r);
    oo_observed_free(&h);

    /* Two PFs' 16 VF netdevs: the list is cut, and the match is a pattern
     * to fill in, never a cut name. */
    {
        uint32_t many[16];
        char name[16];

        memset(&h, 0, sizeof h);
        host_add_pf(&h, "pci", "0000:5e:00.0", "q0", OO_ESWITCH_SWITCHDEV, 8);
        host_add_pf(&h, "pci", "0000:5e:00.1", "q1", OO_ESWITCH_SWITCHDEV, 8);
        for (int k = 0; k < 16; k++) {
            snprintf(name, sizeof name, "enp94s0f%dv%d", k / 8, k % 8);
            host_add_link(&h, name);
            strcpy(h.pfs[k / 8].vfdevs[k % 8].netdev, name);
        }
        for (int k = 0; k < 16; k++) {
            snprintf(name, sizeof name, "enp94s0f%dv%d", k / 8, k % 8);
            many[k] = ifindex_of(&h, name);
        }
        f.nm_managed = many;
        f.n_nm_managed = 16;
        oo_doctor_diagnose(&f, &r);
        x = find(&r, "network-manager", "host");
        assert_non_null(x);
        assert_non_null(strstr(x->message, "manages 16 of the uplinks, bonds, representors and VF "
                                           "netdevs (enp94s0f0v0, enp94s0f0v1, "));
        assert_non_null(strstr(x->message, ", ...): "));
        assert_non_null(strstr(x->fix, "match-device=interface-name:<each uplink, bond and VF netdev> "
                                       "managed=0"));
        oo_doctor_report_free(&r);
    }
    oo_observed_free(&h);
}

/* ovs-vswitchd without upcall threads for a datapath (upcall/show lists
 * no revalidator): an error with the restart; with them, fine; with
 * upcall/show's format not known, or ovs-vswitchd not running, nothing. */
static void test_upcall_threads(void **state)
{
    struct oo_observed h;
    struct oo_doctor_facts f = { .cmdline = "intel_iommu=on iommu=pt", .iommu_groups = 4 };
    struct oo_doctor_report r;
    const struct oo_finding *x;

    (void)state;
    healthy_host(&h);
    h.ovs.vswitchd_pid = 441;
    h.ovs.n_datapaths = 2;
    h.ovs.datapaths[0] = (struct oo_ovs_datapath){ "system@ovs-system", 0, -1, 0 };
    h.ovs.datapaths[1] = (struct oo_ovs_datapath){ "netdev@ovs-netdev", 2, -1, 2 };
    f.obs = &h;
    oo_doctor_diagnose(&f, &r);
    x = find(&r, "ovs-upcall", "system@ovs-system");
    assert_non_null(x);
    assert_int_equal(x->level, OO_FINDING_ERROR);
    assert_non_null(strstr(x->message, "ovs-vswitchd (pid 441) runs no upcall handler or revalidator "
                                       "thread for this datapath: every upcall is lost"));
    assert_non_null(strstr(x->fix, "have it reconfigure: ovs-offloadctl apply does (an ovs-reconfigure step"));
    assert_non_null(strstr(x->fix, "or restart it: systemctl restart openvswitch-switch"));
    x = find(&r, "ovs-upcall", "netdev@ovs-netdev");
    assert_non_null(x);
    assert_int_equal(x->level, OO_FINDING_OK);
    assert_string_equal(x->message, "ovs-vswitchd runs its upcall threads for this datapath (2 revalidators)");
    assert_int_equal(r.n_error, 1);
    oo_doctor_report_free(&r);

    /* Not known: nothing said. */
    h.ovs.datapaths[0].revalidators = -1;
    oo_doctor_diagnose(&f, &r);
    assert_null(find(&r, "ovs-upcall", "system@ovs-system"));
    assert_int_equal(r.n_error, 0);
    oo_doctor_report_free(&r);

    /* ovs-vswitchd not running: its last answer is no fact. */
    h.ovs.datapaths[0].revalidators = 0;
    h.ovs.vswitchd_running = 0;
    oo_doctor_diagnose(&f, &r);
    assert_null(find(&r, "ovs-upcall", "system@ovs-system"));
    assert_null(find(&r, "ovs-upcall", "netdev@ovs-netdev"));
    oo_doctor_report_free(&r);
    oo_observed_free(&h);
}

/* The state files are read from <root>/run/NetworkManager/devices/<ifindex>. */
static void test_nm_gathered(void **state)
{
    char root[] = "/tmp/oo-doctor-nm.XXXXXX", path[256];
    struct oo_doctor_facts f = { 0 };
    static const struct {
        const char *name, *text;
    } files[] = {
        { "7", "[device]\nmanaged=true\n" },
        { "8", "[device]\nmanaged=false\n" },
        { "12", "[device]\nmanaged=true\nnm-owned=false\n" },
        { "lo", "[device]\nmanaged=true\n" },        /* not an ifindex */
        { "0", "[device]\nmanaged=true\n" },
    };

    assert_non_null(mkdtemp(root));
    oo_doctor_gather(root, &f);
    assert_false(f.nm_ran);
    oo_doctor_facts_free(&f);

    snprintf(path, sizeof path, "%s/run", root);
    assert_int_equal(mkdir(path, 0755), 0);
    snprintf(path, sizeof path, "%s/run/NetworkManager", root);
    assert_int_equal(mkdir(path, 0755), 0);
    snprintf(path, sizeof path, "%s/run/NetworkManager/devices", root);
    assert_int_equal(mkdir(path, 0755), 0);
    for (size_t i = 0; i < OO_ARRAY_SIZE(files); i++) {
        FILE *fp;

        snprintf(path, sizeof path, "%s/run/NetworkManager/devices/%s", root, files[i].name);
        assert_non_null(fp = fopen(path, "w"));
        fputs(files[i].text, fp);
        fclose(fp);
    }
    memset(&f, 0, sizeof f);
    oo_doctor_gather(root, &f);
    assert_true(f.nm_ran);
    assert_int_equal(f.n_nm_managed, 2);
    assert_true((f.nm_managed[0] == 7 && f.nm_managed[1] == 12) || (f.nm_managed[0] == 12 && f.nm_managed[1] == 7));
    oo_doctor_facts_free(&f);
    for (size_t i = 0; i < OO_ARRAY_SIZE(files); i++) {
        snprintf(path, sizeof path, "%s/run/NetworkManager/devices/%s", root, files[i].name);
        unlink(path);
    }
    snprintf(path, sizeof path, "%s/run/NetworkManager/devices", root);
    rmdir(path);
    snprintf(path, sizeof path, "%s/run/NetworkManager", root);
    rmdir(path);
    snprintf(path, sizeof path, "%s/run", root);
    rmdir(path);
    assert_int_equal(rmdir(root), 0);
}

enum { FOREIGN, OURS, OVS };

/* A filter of owner at (chain, prio, protocol) of place p: one gact action,
 * marked as that owner marks its filters. */
static void add_filter(struct oo_obs_tc_place *p, uint32_t chain, uint16_t prio, uint16_t protocol, int owner)
{
    struct oo_tc_filter *x;

    p->filters = oo_realloc(p->filters, (p->n_filters + 1) * sizeof *p->filters);
    x = &p->filters[p->n_filters++];
    memset(x, 0, sizeof *x);
    x->id = (struct oo_tc_id){ .ifindex = p->ifindex, .block = p->block, .chain = chain, .prio = prio,
                               .protocol = protocol, .handle = 1 };
    oo_strlcpy(x->kind, "flower", sizeof x->kind);
    x->n_actions = 1;
    oo_strlcpy(x->actions[0].kind, "gact", sizeof x->actions[0].kind);
    if (owner == OURS) {
        oo_tc_filter_set_owner(x, oo_tc_rule_id("r"));
    } else if (owner == OVS) {
        /* a ufid: UUID v4 bits in words 1 and 2, host order */
        const uint32_t w[4] = { 0x12345678, 0x9abc4def, 0x8badf00d, 0x01020304 };

        memcpy(x->actions[0].cookie, w, sizeof w);
        x->actions[0].cookie_len = sizeof w;
    }
    assert_int_equal(oo_tc_classify(x, NULL), owner == OURS ? OO_TC_OWNER_OURS
                                               : owner == OVS ? OO_TC_OWNER_OVS : OO_TC_OWNER_FOREIGN);
}

/* A filter that is not OVS's at OVS's prio 2 (IPv4) or 3 (IPv6) of chain 0
 * with another protocol, on a port OVS offloads to: a warning per place and
 * prio, naming the filter and what to do. Not for OVS's own filters, their
 * own protocol, another chain, a port off OVS, or hw-offload off. */
static void test_ovs_prios(void **state)
{
    static const char *const members[] = { "p1", NULL };
    struct oo_observed h;
    struct oo_doctor_facts f = { .cmdline = "intel_iommu=on iommu=pt", .iommu_groups = 4 };
    struct oo_doctor_report r;
    struct oo_obs_tc_place *rep0, *rep1, *blk;
    const struct oo_finding *x;
    struct oo_link *bond;

    healthy_host(&h);
    host_add_pf(&h, "pci", "0000:3b:00.1", "p1", OO_ESWITCH_SWITCHDEV, 2);
    bond = host_add_bond(&h, "bond0", false, 4, members);
    host_ovs_bridge(&h, "br-vm", false);
    host_ovs_port(&h, "br-vm", "p0_0", false);
    host_ovs_port(&h, "br-vm", "bond0", false);
    /* Places move as more are added: taken once all are there. */
    host_add_tc_place(&h, "p0_0", 0);
    host_add_tc_place(&h, "p0_1", 0);           /* on no bridge */
    host_add_tc_place(&h, "p1", 0);
    rep0 = &h.tc[0];
    rep1 = &h.tc[1];
    blk = &h.tc[2];
    add_filter(rep0, 0, 2, 0x0800, OVS);        /* OVS's own */
    add_filter(rep0, 0, 3, 0x86dd, FOREIGN);    /* OVS's protocol */
    add_filter(rep0, 5, 2, 0x0806, FOREIGN);    /* another chain */
    add_filter(rep0, 0, 4, 0x0806, FOREIGN);    /* another prio */
    add_filter(rep1, 0, 2, 0x0806, FOREIGN);
    /* The bond's shared block 77, its place found through the bond's qdisc
     * (the place's own device, p1, is on no bridge). */
    blk->block = 77;
    for (size_t i = 0; i < h.n_qdiscs; i++)
        if (h.qdiscs[i].ifindex == blk->ifindex)
            h.qdiscs[i].ingress_block = 77;
    h.qdiscs = oo_realloc(h.qdiscs, (h.n_qdiscs + 1) * sizeof *h.qdiscs);
    h.qdiscs[h.n_qdiscs++] = (struct oo_tc_qdisc){ .ifindex = bond->ifindex, .handle = 0xffff0000,
                                                   .parent = 0xffffffff, .kind = "ingress",
                                                   .ingress_block = 77 };
    f.obs = &h;

    oo_doctor_diagnose(&f, &r);
    x = find(&r, "ovs-prio", "ovs");
    assert_non_null(x);
    assert_int_equal(x->level, OO_FINDING_OK);
    assert_int_equal(r.n_warn, 0);
    oo_doctor_report_free(&r);

    /* Ours at prio 3 with every protocol, a foreign ARP filter twice at
     * prio 2 (one warning), and 802.1Q at prio 2 of the bond's block. */
    add_filter(rep0, 0, 3, 0x0003, OURS);
    add_filter(rep0, 0, 2, 0x0806, FOREIGN);
    add_filter(rep0, 0, 2, 0x0806, FOREIGN);
    add_filter(blk, 0, 2, 0x8100, FOREIGN);
    oo_doctor_diagnose(&f, &r);
    assert_int_equal(r.n_warn, 3);
    assert_null(find(&r, "ovs-prio", "ovs"));
    for (size_t i = 0; i < r.n; i++) {
        x = &r.findings[i];
        if (strcmp(x->check, "ovs-prio"))
            continue;
        assert_int_equal(x->level, OO_FINDING_WARN);
        if (!strcmp(x->object, "block 77")) {
            assert_string_equal(x->message, "a flower filter of protocol 802.1q (foreign) holds prio 2 of "
                                            "block 77, OVS port bond0: OVS puts the filters of its IPv4 "
                                            "flows at that prio, and tc keeps one protocol per prio, so "
                                            "their offload fails and they stay in software");
            assert_string_equal(x->fix, "move it to a prio above the ones OVS uses, or make its protocol "
                                        "ip (tc filter show block 77 pref 2)");
        } else if (strstr(x->message, "prio 3")) {
            assert_string_equal(x->object, "p0_0");
            assert_non_null(strstr(x->message, "a flower filter of protocol all (owned) holds prio 3 of dev "
                                               "p0_0 ingress, OVS port p0_0: OVS puts the filters of its "
                                               "IPv6 flows"));
            assert_non_null(strstr(x->fix, "make its protocol ipv6 (tc filter show dev p0_0 ingress pref 3)"));
        } else {
            assert_string_equal(x->object, "p0_0");
            assert_non_null(strstr(x->message, "a flower filter of protocol arp (foreign) holds prio 2"));
        }
    }
    oo_doctor_report_free(&r);

    /* hw-offload off: OVS puts no filters there. */
    host_ovs_set(&h, "hw-offload", "false");
    oo_doctor_diagnose(&f, &r);
    for (size_t i = 0; i < r.n; i++)
        assert_string_not_equal(r.findings[i].check, "ovs-prio");
    oo_doctor_report_free(&r);
    oo_observed_free(&h);
}

/* Ports whose interface ovs-vswitchd cannot open: anyone's, each with its
 * fix; ours are apply's to repair, anyone else's get the del-port to run. */
static void test_ovs_ports_in_error(void **state)
{
    struct oo_observed h;
    struct oo_doctor_facts f = { .cmdline = "intel_iommu=on iommu=pt", .iommu_groups = 4, .obs = &h };
    struct oo_doctor_report r;
    const struct oo_finding *x;

    healthy_host(&h);
    host_ovs_bridge(&h, "br-vm", false);
    host_ovs_port(&h, "br-vm", "p0_0", true);
    host_ovs_port(&h, "br-vm", "eth7", false);
    oo_doctor_diagnose(&f, &r);
    x = find(&r, "ovs-port", "ovs");
    assert_non_null(x);
    assert_int_equal(x->level, OO_FINDING_OK);
    assert_string_equal(x->message, "every OVS port's interface is open (2 ports)");
    assert_int_equal(r.n_warn, 0);
    oo_doctor_report_free(&r);

    /* As ovs-vswitchd words it for a netdev that is gone. */
    oo_ovs_port_find(&h.ovs, "eth7")->error = oo_strdup("could not open network device eth7 (No such device)");
    oo_ovs_port_find(&h.ovs, "p0_0")->error = oo_strdup("could not open network device p0_0 (No such device)");
    oo_doctor_diagnose(&f, &r);
    assert_int_equal(r.n_warn, 2);
    assert_int_equal(r.n_error, 0);
    assert_null(find(&r, "ovs-port", "ovs"));
    x = find(&r, "ovs-port", "eth7");
    assert_non_null(x);
    assert_int_equal(x->level, OO_FINDING_WARN);
    assert_string_equal(x->message, "port of br-vm in error: could not open network device eth7 (No such device)");
    assert_string_equal(x->fix, "if eth7 is gone for good: ovs-vsctl del-port br-vm eth7 (ovs-offload does not "
                                "remove ports it did not add)");
    x = find(&r, "ovs-port", "p0_0");
    assert_non_null(x);
    assert_string_equal(x->message, "port of br-vm (ovs-offload's) in error: could not open network device "
                                    "p0_0 (No such device)");
    assert_non_null(strstr(x->fix, "ovs-offloadctl apply"));
    oo_doctor_report_free(&r);

    /* OVSDB unreachable: nothing said about ports. */
    h.ovs.reachable = false;
    oo_doctor_diagnose(&f, &r);
    for (size_t i = 0; i < r.n; i++)
        assert_string_not_equal(r.findings[i].check, "ovs-port");
    oo_doctor_report_free(&r);
    oo_observed_free(&h);
}

/* Flows in OVS's kernel datapath with its flow offload on: one warning per
 * uplink, bond or representor they enter at; the rest counted in the OK. */
static void test_kernel_flows(void **state)
{
    struct oo_observed h;
    struct oo_doctor_facts f = { .cmdline = "intel_iommu=on iommu=pt", .iommu_groups = 4, .obs = &h };
    struct oo_ovs_port_flows flows[] = { { "p0_0", 3 }, { "br-vm", 2 }, { "p0", 1 } };
    struct oo_doctor_report r;
    const struct oo_finding *x;

    healthy_host(&h);
    host_add_tc_place(&h, "p0", 0);
    host_add_tc_place(&h, "p0_0", 0);
    /* Not asked (offload off, or no ovs-vswitchd): nothing said. */
    oo_doctor_diagnose(&f, &r);
    for (size_t i = 0; i < r.n; i++)
        assert_string_not_equal(r.findings[i].check, "offload-fail");
    oo_doctor_report_free(&r);

    f.kernel_flows_asked = true;
    f.kernel_flows = flows;
    f.n_kernel_flows = 1;
    flows[0] = (struct oo_ovs_port_flows){ "br-vm", 2 };
    oo_doctor_diagnose(&f, &r);
    x = find(&r, "offload-fail", "ovs");
    assert_non_null(x);
    assert_int_equal(x->level, OO_FINDING_OK);
    assert_string_equal(x->message, "no flow entering at an uplink, bond or representor stays in OVS's kernel "
                                    "datapath (2 entering elsewhere do)");
    oo_doctor_report_free(&r);

    flows[0] = (struct oo_ovs_port_flows){ "p0_0", 3 };
    f.n_kernel_flows = 3;
    oo_doctor_diagnose(&f, &r);
    assert_int_equal(r.n_warn, 2);
    assert_null(find(&r, "offload-fail", "ovs"));
    assert_null(find(&r, "offload-fail", "br-vm"));
    x = find(&r, "offload-fail", "p0_0");
    assert_non_null(x);
    assert_string_equal(x->message, "3 flows entering at p0_0 are in OVS's kernel datapath with flow offload on: "
                                    "not offloaded (tc refused them, or they came before offload was on)");
    assert_non_null(strstr(x->fix, "dpctl/dump-flows type=ovs"));
    x = find(&r, "offload-fail", "p0");
    assert_non_null(x);
    assert_string_equal(x->message, "1 flow entering at p0 is in OVS's kernel datapath with flow offload on: "
                                    "not offloaded (tc refused it, or it came before offload was on)");
    oo_doctor_report_free(&r);

    /* ovs-vswitchd did not answer: said, as a warning. */
    f.kernel_flows_err = -ETIMEDOUT;
    snprintf(f.kernel_flows_error, sizeof f.kernel_flows_error, "dpctl/dump-flows: no answer in time");
    oo_doctor_diagnose(&f, &r);
    x = find(&r, "offload-fail", "ovs");
    assert_non_null(x);
    assert_int_equal(x->level, OO_FINDING_WARN);
    assert_non_null(strstr(x->message, "no answer in time"));
    oo_doctor_report_free(&r);
    oo_observed_free(&h);
}

static void test_no_devlink_no_ovs(void **state)
{
    struct oo_observed h = { 0 };
    struct oo_doctor_facts f = { .cmdline = "", .iommu_groups = -1, .obs = &h };
    struct oo_doctor_report r;

    snprintf(h.ovs.error, sizeof h.ovs.error, "cannot connect to unix:/x: No such file or directory");
    oo_doctor_diagnose(&f, &r);
    assert_non_null(strstr(find(&r, "devlink", "host")->fix, "modprobe mlx5_core"));
    assert_non_null(strstr(find(&r, "ovs", "ovs")->fix, "openvswitch-switch"));
    assert_int_equal(r.n_error, 2);
    oo_doctor_report_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_healthy),
        cmocka_unit_test(test_field_failures),
        cmocka_unit_test(test_pci_realloc_already_set),
        cmocka_unit_test(test_sriov_missing_or_short),
        cmocka_unit_test(test_vfs_left_unbound),
        cmocka_unit_test(test_vf_lag),
        cmocka_unit_test(test_no_devlink_no_ovs),
        cmocka_unit_test(test_nm_state_file),
        cmocka_unit_test(test_network_manager),
        cmocka_unit_test(test_upcall_threads),
        cmocka_unit_test(test_nm_gathered),
        cmocka_unit_test(test_ovs_prios),
        cmocka_unit_test(test_ovs_ports_in_error),
        cmocka_unit_test(test_kernel_flows),
    };
    return cmocka_run_group_tests_name("doctor", tests, NULL, NULL);
}
