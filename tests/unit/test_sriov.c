/* oo_sriov_read against fake sysfs/debugfs trees laid out as the kernel does. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <cmocka.h>

#include "devlink/sriov.h"
#include "fixture.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pci),
        cmocka_unit_test(test_netdevsim_debugfs_limit),
        cmocka_unit_test(test_no_sriov_and_missing),
        cmocka_unit_test(test_garbage),
    };
    return cmocka_run_group_tests_name("sriov", tests, NULL, NULL);
}
