/* doctor: each finding from a table of host facts, with its fix. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/util.h"
#include "controller/doctor.h"
#include "host.h"

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
    };
    return cmocka_run_group_tests_name("doctor", tests, NULL, NULL);
}
