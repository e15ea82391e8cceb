/* sysfs SR-IOV writes on a fake tree laid out as the kernel's: the PF's
 * virtfnN links to its VFs, each VF's driver link, the driver's unbind file
 * and the bus's drivers_probe. (Regular files stand in for the kernel's write
 * handlers: what we wrote is read back.) */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/util.h"
#include "devlink/vfctl.h"
#include "fixture.h"

static void link_rel(const char *root, const char *target, const char *linkpath)
{
    char t[PATH_MAX], l[PATH_MAX];

    snprintf(t, sizeof t, "%s/%s", root, target);
    snprintf(l, sizeof l, "%s/%s", root, linkpath);
    assert_int_equal(symlink(t, l), 0);
}

static void read_back(const char *root, const char *rel, const char *want)
{
    char path[PATH_MAX], buf[256];

    snprintf(path, sizeof path, "%s/%s", root, rel);
    assert_true(oo_read_file(path, buf, sizeof buf) >= 0);
    assert_string_equal(buf, want);
}

/* A PF with 3 VFs: VF 0 and 2 bound to mlx5_core, VF 1 unbound. */
static char *make_tree(void)
{
    char *root = fixture_mkdtemp();

    fixture_write(root, "sys/bus/pci/devices/0000:3b:00.0/sriov_numvfs", "3\n");
    fixture_write(root, "sys/bus/pci/drivers/mlx5_core/unbind", "");
    fixture_write(root, "sys/bus/pci/drivers_probe", "");
    for (int i = 0; i < 3; i++) {
        char rel[128], target[128];
        snprintf(rel, sizeof rel, "sys/bus/pci/devices/0000:3b:00.%d/vendor", i + 2);
        fixture_write(root, rel, "0x15b3\n");
        snprintf(rel, sizeof rel, "sys/bus/pci/devices/0000:3b:00.0/virtfn%d", i);
        snprintf(target, sizeof target, "sys/bus/pci/devices/0000:3b:00.%d", i + 2);
        link_rel(root, target, rel);
        if (i != 1) {
            snprintf(rel, sizeof rel, "sys/bus/pci/devices/0000:3b:00.%d/driver", i + 2);
            link_rel(root, "sys/bus/pci/drivers/mlx5_core", rel);
        }
    }
    return root;
}

static void test_num_vfs(void **state)
{
    char *root = make_tree();
    struct oo_dl_handle h = { "pci", "0000:3b:00.0" }, gone = { "pci", "0000:99:00.0" };

    assert_int_equal(oo_sriov_set_num_vfs(root, &h, 0), 0);
    read_back(root, "sys/bus/pci/devices/0000:3b:00.0/sriov_numvfs", "0");
    assert_int_equal(oo_sriov_set_num_vfs(root, &h, 8), 0);
    read_back(root, "sys/bus/pci/devices/0000:3b:00.0/sriov_numvfs", "8");
    assert_int_equal(oo_sriov_set_num_vfs(root, &gone, 1), -ENOENT);
    fixture_rmtree(root);
    free(root);
}

static void test_unbind_bound_only(void **state)
{
    char *root = make_tree();
    struct oo_dl_handle h = { "pci", "0000:3b:00.0" };
    unsigned n = 99;

    assert_int_equal(oo_sriov_unbind_vfs(root, &h, &n), 0);
    assert_int_equal(n, 2);
    /* One write per bound VF; the regular file keeps the last address written. */
    char path[PATH_MAX], buf[64];
    snprintf(path, sizeof path, "%s/sys/bus/pci/drivers/mlx5_core/unbind", root);
    assert_true(oo_read_file(path, buf, sizeof buf) > 0);
    assert_true(!strcmp(buf, "0000:3b:00.2") || !strcmp(buf, "0000:3b:00.4"));
    fixture_rmtree(root);
    free(root);
}

static void test_bind_unbound_only(void **state)
{
    char *root = make_tree();
    struct oo_dl_handle h = { "pci", "0000:3b:00.0" };
    unsigned n = 99;

    assert_int_equal(oo_sriov_bind_vfs(root, &h, &n), 0);
    assert_int_equal(n, 1);
    read_back(root, "sys/bus/pci/drivers_probe", "0000:3b:00.3");
    fixture_rmtree(root);
    free(root);
}

/* Buses without VF devices (netdevsim): nothing to do, and nothing touched. */
static void test_other_bus(void **state)
{
    char *root = fixture_mkdtemp();
    struct oo_dl_handle h = { "netdevsim", "netdevsim10" };
    unsigned n = 99;

    assert_int_equal(oo_sriov_unbind_vfs(root, &h, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(oo_sriov_bind_vfs(root, &h, &n), 0);
    assert_int_equal(n, 0);
    fixture_rmtree(root);
    free(root);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_num_vfs),
        cmocka_unit_test(test_unbind_bound_only),
        cmocka_unit_test(test_bind_unbound_only),
        cmocka_unit_test(test_other_bus),
    };
    return cmocka_run_group_tests_name("vfctl", tests, NULL, NULL);
}
