/* oo_sriov_read, oo_sriov_read_vfdevs and oo_sriov_read_lag_active against
 * fake sysfs/debugfs trees laid out as the kernel does (symlinks included). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "controller/apply.h"
#include "devlink/sriov.h"
#include "fixture.h"
#include "host.h"

static void test_pci(void **state)
{
    char *root = fixture_mkdtemp();
    struct oo_dl_handle h = { "pci", "0000:3b:00.0" };
    struct oo_sriov s;

    fixture_write(root, "sys/bus/pci/devices/0000:3b:00.0/sriov_numvfs", "8\n");
    fixture_write(root, "sys/bus/pci/devices/0000:3b:00.0/sriov_totalvfs", "127\n");
    fixture_write(root, "sys/bus/pci/devices/0000:3b:00.0/sriov_drivers_autoprobe", "1\n");
    assert_int_equal(oo_sriov_read(root, &h, &s), 0);
    assert_true(s.capable);
    assert_int_equal(s.num_vfs, 8);
    assert_int_equal(s.total_vfs, 127);
    assert_int_equal(s.drivers_autoprobe, 1);
    fixture_rmtree(root);
    free(root);
}

static void test_netdevsim_debugfs_limit(void **state)
{
    char *root = fixture_mkdtemp();
    struct oo_dl_handle h = { "netdevsim", "netdevsim10" };
    struct oo_sriov s;

    fixture_write(root, "sys/bus/netdevsim/devices/netdevsim10/sriov_numvfs", "4\n");
    /* No sriov_totalvfs on netdevsim; the limit is debugfs max_vfs. */
    assert_int_equal(oo_sriov_read(root, &h, &s), 0);
    assert_true(s.capable);
    assert_int_equal(s.num_vfs, 4);
    assert_int_equal(s.total_vfs, -1);
    fixture_write(root, "sys/kernel/debug/netdevsim/netdevsim10/max_vfs", "16\n");
    assert_int_equal(oo_sriov_read(root, &h, &s), 0);
    assert_int_equal(s.total_vfs, 16);
    assert_int_equal(s.drivers_autoprobe, -1);
    fixture_rmtree(root);
    free(root);
}

static void test_no_sriov_and_missing(void **state)
{
    char *root = fixture_mkdtemp();
    struct oo_dl_handle h = { "pci", "0000:00:1f.6" };
    struct oo_dl_handle gone = { "pci", "0000:99:00.0" };
    struct oo_sriov s;

    fixture_write(root, "sys/bus/pci/devices/0000:00:1f.6/vendor", "0x8086\n");
    assert_int_equal(oo_sriov_read(root, &h, &s), 0);
    assert_false(s.capable);
    assert_int_equal(s.num_vfs, -1);
    assert_int_equal(oo_sriov_read(root, &gone, &s), -ENOENT);
    assert_false(s.capable);
    fixture_rmtree(root);
    free(root);
}

static void test_garbage(void **state)
{
    char *root = fixture_mkdtemp();
    struct oo_dl_handle h = { "pci", "0000:3b:00.1" };
    struct oo_sriov s;

    fixture_write(root, "sys/bus/pci/devices/0000:3b:00.1/sriov_numvfs", "eight\n");
    fixture_write(root, "sys/bus/pci/devices/0000:3b:00.1/sriov_totalvfs", "");
    assert_int_equal(oo_sriov_read(root, &h, &s), 0);
    assert_true(s.capable);
    assert_int_equal(s.num_vfs, -1);
    assert_int_equal(s.total_vfs, -1);
    fixture_rmtree(root);
    free(root);
}

/* ------------------------------------------------------------- VF devices */

/* root/relpath -> target (a relative link, as sysfs makes them). */
static void make_link(const char *root, const char *relpath, const char *target)
{
    char path[4096];

    fixture_write(root, relpath, "");           /* makes the parents */
    snprintf(path, sizeof path, "%s/%s", root, relpath);
    assert_int_equal(unlink(path), 0);
    if (symlink(target, path) < 0)
        fail_msg("symlink %s: %s", path, strerror(errno));
}

#define PF "sys/bus/pci/devices/0000:3b:00.0"
#define VF(addr) "sys/devices/pci0000:3a/0000:3a:00.0/" addr

/* A PF with five VFs as the kernel lays them out:
 *   vf0 0000:3b:00.2 mlx5_core, netdev eth5 under macvtap0      -> "macvtap0"
 *   vf1 0000:3b:00.3 vfio-pci (a VM has it)                      -> "vfio-pci"
 *   vf2 0000:3b:00.4 no driver                                   -> ""
 *   vf3 0000:3b:00.5 mlx5_core, eth7 under br0 and vlan eth7.10,
 *                    and its second netdev eth8 under br0 too    -> "br0,eth7.10"
 *   vf4 0000:3b:00.6 mlx5_core, its netdev in a pod's netns: net/ is
 *                    there and empty                             -> "a netdev in another..."
 *   vf5 0000:3b:00.7 mlx5_vfio_pci (a VM has it, migratable)     -> "mlx5_vfio_pci"
 *   vf6 0000:3b:01.0 uio_pci_generic (DPDK)                      -> "uio_pci_generic"
 *   vf10 0000:3b:01.4 mlx5_core, eth9 without uppers             -> ""  (sorted after 6)
 * A VF its PF's VF driver (mlx5_core) has is the host's; one a VM or DPDK
 * driver holds is in use. */
static char *make_pci_tree(void)
{
    char *root = fixture_mkdtemp();
    static const struct { const char *n, *addr, *driver; } vfs[] = {
        { "0", "0000:3b:00.2", "mlx5_core" }, { "1", "0000:3b:00.3", "vfio-pci" },
        { "2", "0000:3b:00.4", NULL }, { "3", "0000:3b:00.5", "mlx5_core" },
        { "4", "0000:3b:00.6", "mlx5_core" }, { "5", "0000:3b:00.7", "mlx5_vfio_pci" },
        { "6", "0000:3b:01.0", "uio_pci_generic" }, { "10", "0000:3b:01.4", "mlx5_core" },
    };
    char rel[512], target[512];

    fixture_write(root, VF("0000:3b:00.0/sriov_numvfs"), "5\n");
    make_link(root, PF, "../../../devices/pci0000:3a/0000:3a:00.0/0000:3b:00.0");
    for (size_t i = 0; i < sizeof vfs / sizeof vfs[0]; i++) {
        snprintf(rel, sizeof rel, VF("%s/vendor"), vfs[i].addr);
        fixture_write(root, rel, "0x15b3\n");
        snprintf(rel, sizeof rel, VF("0000:3b:00.0/virtfn%s"), vfs[i].n);
        snprintf(target, sizeof target, "../%s", vfs[i].addr);
        make_link(root, rel, target);
        if (vfs[i].driver) {
            snprintf(rel, sizeof rel, VF("%s/driver"), vfs[i].addr);
            snprintf(target, sizeof target, "../../../../bus/pci/drivers/%s", vfs[i].driver);
            make_link(root, rel, target);
        }
    }
    snprintf(rel, sizeof rel, "%s/" VF("0000:3b:00.6/net"), root);
    assert_int_equal(mkdir(rel, 0755), 0);
    /* Not VFs: a sibling whose name starts alike. */
    make_link(root, VF("0000:3b:00.0/virtfnX"), "../0000:3b:00.9");
    make_link(root, VF("0000:3b:00.0/virtfn"), "../0000:3b:00.9");

    /* Netdevs: <vf>/net/<name>/ and /sys/class/net/<name> -> it, with upper_* links. */
    static const struct { const char *addr, *dev; const char *uppers[3]; } nets[] = {
        { "0000:3b:00.2", "eth5", { "macvtap0" } },
        { "0000:3b:00.5", "eth7", { "eth7.10", "br0" } },
        { "0000:3b:00.5", "eth8", { "br0" } },
        { "0000:3b:01.4", "eth9", { NULL } },
    };
    for (size_t i = 0; i < sizeof nets / sizeof nets[0]; i++) {
        snprintf(rel, sizeof rel, VF("%s/net/%s/ifindex"), nets[i].addr, nets[i].dev);
        fixture_write(root, rel, "7\n");
        snprintf(rel, sizeof rel, "sys/class/net/%s", nets[i].dev);
        snprintf(target, sizeof target, "../../devices/pci0000:3a/0000:3a:00.0/%s/net/%s",
                 nets[i].addr, nets[i].dev);
        make_link(root, rel, target);
        for (size_t u = 0; u < 3 && nets[i].uppers[u]; u++) {
            snprintf(rel, sizeof rel, "sys/class/net/%s/upper_%s", nets[i].dev, nets[i].uppers[u]);
            snprintf(target, sizeof target, "../../../virtual/net/%s", nets[i].uppers[u]);
            make_link(root, rel, target);
        }
        /* A lower link is no user. */
        snprintf(rel, sizeof rel, "sys/class/net/%s/lower_x", nets[i].dev);
        make_link(root, rel, "../x");
    }
    return root;
}

static void test_vfdevs_pci(void **state)
{
    static const struct { uint32_t id; const char *addr, *driver, *users, *netdev; } expect[] = {
        { 0, "0000:3b:00.2", "mlx5_core", "macvtap0", "eth5" },
        { 1, "0000:3b:00.3", "vfio-pci", "vfio-pci", "" },
        { 2, "0000:3b:00.4", "", "", "" },
        { 3, "0000:3b:00.5", "mlx5_core", "br0,eth7.10", "eth7" },
        { 4, "0000:3b:00.6", "mlx5_core", "a netdev in another network namespace", "" },
        { 5, "0000:3b:00.7", "mlx5_vfio_pci", "mlx5_vfio_pci", "" },
        { 6, "0000:3b:01.0", "uio_pci_generic", "uio_pci_generic", "" },
        { 10, "0000:3b:01.4", "mlx5_core", "", "eth9" },
    };
    char *root = make_pci_tree();
    struct oo_dl_handle h = { "pci", "0000:3b:00.0" };
    struct oo_obs_vfdev *v;
    size_t n;

    assert_int_equal(oo_sriov_read_vfdevs(root, &h, &v, &n), 0);
    assert_int_equal(n, sizeof expect / sizeof expect[0]);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(v[i].id, expect[i].id);
        assert_string_equal(v[i].addr, expect[i].addr);
        assert_string_equal(v[i].driver, expect[i].driver);
        assert_string_equal(v[i].users, expect[i].users);
        assert_string_equal(v[i].netdev, expect[i].netdev);
    }
    free(v);
    fixture_rmtree(root);
    free(root);
}

static void test_vfdevs_none(void **state)
{
    char *root = fixture_mkdtemp();
    struct oo_dl_handle nsim = { "netdevsim", "netdevsim10" };
    struct oo_dl_handle novf = { "pci", "0000:00:1f.6" };
    struct oo_dl_handle gone = { "pci", "0000:99:00.0" };
    struct oo_obs_vfdev *v = (void *)1;
    size_t n = 99;

    fixture_write(root, "sys/bus/netdevsim/devices/netdevsim10/sriov_numvfs", "4\n");
    fixture_write(root, "sys/bus/pci/devices/0000:00:1f.6/vendor", "0x8086\n");
    /* netdevsim VFs are no devices: nothing, whatever the VF count. */
    assert_int_equal(oo_sriov_read_vfdevs(root, &nsim, &v, &n), 0);
    assert_null(v);
    assert_int_equal(n, 0);
    /* A PCI device without VFs. */
    n = 99;
    assert_int_equal(oo_sriov_read_vfdevs(root, &novf, &v, &n), 0);
    assert_null(v);
    assert_int_equal(n, 0);
    /* No such device. */
    assert_int_equal(oo_sriov_read_vfdevs(root, &gone, &v, &n), -ENOENT);
    assert_null(v);
    assert_int_equal(n, 0);
    fixture_rmtree(root);
    free(root);
}

/* Many uppers: the list is cut at a name boundary and stays non-empty. */
static void test_vfdevs_many_users(void **state)
{
    char *root = fixture_mkdtemp();
    struct oo_dl_handle h = { "pci", "0000:3b:00.0" };
    struct oo_obs_vfdev *v;
    char rel[256];
    size_t n;

    make_link(root, PF "/virtfn0", "../0000:3b:00.2");
    fixture_write(root, "sys/bus/pci/devices/0000:3b:00.2/net/eth5/ifindex", "5\n");
    for (int i = 0; i < 40; i++) {
        snprintf(rel, sizeof rel, "sys/class/net/eth5/upper_macvtap%02d", i);
        make_link(root, rel, "../macvtap");
    }
    assert_int_equal(oo_sriov_read_vfdevs(root, &h, &v, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(v[0].addr, "0000:3b:00.2");
    assert_true(strncmp(v[0].users, "macvtap00,macvtap01,", 20) == 0);
    assert_true(strlen(v[0].users) < sizeof v[0].users);
    assert_int_not_equal(v[0].users[strlen(v[0].users) - 1], ',');
    free(v);
    fixture_rmtree(root);
    free(root);
}

/* ------------------------------------------------------------------ VF-LAG */

static void test_lag_state(void **state)
{
    char *root = fixture_mkdtemp();
    struct oo_dl_handle a = { "pci", "0000:3b:00.0" }, b = { "pci", "0000:3b:00.1" };
    struct oo_dl_handle c = { "pci", "0000:5e:00.0" }, nsim = { "netdevsim", "netdevsim10" };
    struct oo_dl_handle d = { "pci", "0000:af:00.0" }, e = { "pci", "0000:18:00.0" };

    fixture_write(root, "sys/kernel/debug/mlx5/0000:3b:00.0/lag/state", "active\n");
    fixture_write(root, "sys/kernel/debug/mlx5/0000:3b:00.1/lag/state", "disabled\n");
    fixture_write(root, "sys/kernel/debug/mlx5/0000:5e:00.0/lag/type", "roce\n");
    fixture_write(root, "sys/kernel/debug/netdevsim/netdevsim10/lag/state", "active\n");
    assert_int_equal(oo_sriov_read_lag_active(root, &a), 1);
    assert_int_equal(oo_sriov_read_lag_active(root, &b), 0);
    /* mlx5's folder without lag/state: no LAG capability, or an older kernel */
    assert_int_equal(oo_sriov_read_lag_active(root, &c), -ENODATA);
    assert_int_equal(oo_sriov_read_lag_active(root, &nsim), -EOPNOTSUPP);
    /* mlx5_core's PF without its debugfs folder: it may have a LAG; another
     * driver's has none. No mlx5 folder at all: debugfs not mounted. */
    make_link(root, "sys/bus/pci/devices/0000:af:00.0/driver", "../../../bus/pci/drivers/mlx5_core");
    make_link(root, "sys/bus/pci/devices/0000:18:00.0/driver", "../../../bus/pci/drivers/ice");
    assert_int_equal(oo_sriov_read_lag_active(root, &d), -ENODATA);
    assert_int_equal(oo_sriov_read_lag_active(root, &e), -EOPNOTSUPP);
    fixture_rmtree(root);
    free(root);
    root = fixture_mkdtemp();
    make_link(root, "sys/bus/pci/devices/0000:af:00.0/driver", "../../../bus/pci/drivers/mlx5_core");
    assert_int_equal(oo_sriov_read_lag_active(root, &d), -ENOENT);
    assert_string_equal(oo_sriov_lag_err_text(-ENOENT), "debugfs is not mounted on /sys/kernel/debug");
    fixture_write(root, "sys/kernel/debug/mlx5/0000:3b:00.0/lag/state", "");
    assert_int_equal(oo_sriov_read_lag_active(root, &a), 0);
    fixture_rmtree(root);
    free(root);
}

/* wait-lag's reading of a bond's members: the PFs whose uplink's master is
 * the bond, and of them, which report a state and which are mlx5 PFs that
 * cannot (then apply waits a settle time rather than not at all). */
static void test_lag_poll(void **state)
{
    char *root = fixture_mkdtemp();
    struct oo_observed o = { 0 };
    struct oo_lag_poll p;
    (void)state;

    host_add_pf(&o, "pci", "0000:3b:00.0", "ens1f0np0", OO_ESWITCH_SWITCHDEV, 4);
    host_add_pf(&o, "pci", "0000:3b:00.1", "ens1f1np1", OO_ESWITCH_SWITCHDEV, 4);
    host_add_pf(&o, "pci", "0000:5e:00.0", "ens2f0np0", OO_ESWITCH_SWITCHDEV, 4);
    host_add_pf(&o, "netdevsim", "netdevsim10", "eni10np1", OO_ESWITCH_SWITCHDEV, 4);
    make_link(root, "sys/bus/pci/devices/0000:3b:00.0/driver", "../../../bus/pci/drivers/mlx5_core");
    make_link(root, "sys/bus/pci/devices/0000:3b:00.1/driver", "../../../bus/pci/drivers/mlx5_core");
    make_link(root, "sys/bus/pci/devices/0000:5e:00.0/driver", "../../../bus/pci/drivers/mlx5_core");

    /* Nothing enslaved yet: no member */
    oo_apply_lag_poll(root, &o, "bond0", &p);
    assert_int_equal(p.members + p.reported + p.n_unreadable, 0);

    make_link(root, "sys/class/net/ens1f0np0/master", "../../../virtual/net/bond0");
    make_link(root, "sys/class/net/ens1f1np1/master", "../../../virtual/net/bond0");
    make_link(root, "sys/class/net/ens2f0np0/master", "../../../virtual/net/bond01");
    make_link(root, "sys/class/net/eni10np1/master", "../../../virtual/net/bond0");
    /* No debugfs: both mlx5 members unreadable; netdevsim keeps no state */
    oo_apply_lag_poll(root, &o, "bond0", &p);
    assert_int_equal(p.members, 3);
    assert_int_equal(p.reported, 0);
    assert_int_equal(p.n_unreadable, 2);
    assert_string_equal(p.unreadable, "0000:3b:00.0, 0000:3b:00.1");
    assert_int_equal(p.unreadable_err, -ENOENT);     /* no debugfs at all */

    /* debugfs mounted: the LAG forming; bond01's member is not bond0's */
    fixture_write(root, "sys/kernel/debug/mlx5/0000:3b:00.0/lag/state", "disabled\n");
    fixture_write(root, "sys/kernel/debug/mlx5/0000:3b:00.1/lag/state", "disabled\n");
    fixture_write(root, "sys/kernel/debug/mlx5/0000:5e:00.0/lag/state", "active\n");
    oo_apply_lag_poll(root, &o, "bond0", &p);
    assert_int_equal(p.reported, 2);
    assert_int_equal(p.active, 0);
    assert_int_equal(p.n_unreadable, 0);
    fixture_write(root, "sys/kernel/debug/mlx5/0000:3b:00.0/lag/state", "active\n");
    fixture_write(root, "sys/kernel/debug/mlx5/0000:3b:00.1/lag/state", "active\n");
    oo_apply_lag_poll(root, &o, "bond0", &p);
    assert_int_equal(p.reported, 2);
    assert_int_equal(p.active, 2);
    oo_apply_lag_poll(root, &o, "bond01", &p);
    assert_int_equal(p.members, 1);
    assert_int_equal(p.reported, 1);
    assert_int_equal(p.active, 1);

    oo_observed_free(&o);
    fixture_rmtree(root);
    free(root);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pci),
        cmocka_unit_test(test_netdevsim_debugfs_limit),
        cmocka_unit_test(test_no_sriov_and_missing),
        cmocka_unit_test(test_garbage),
        cmocka_unit_test(test_vfdevs_pci),
        cmocka_unit_test(test_vfdevs_none),
        cmocka_unit_test(test_vfdevs_many_users),
        cmocka_unit_test(test_lag_state),
        cmocka_unit_test(test_lag_poll),
    };
    return cmocka_run_group_tests_name("sriov", tests, NULL, NULL);
}
