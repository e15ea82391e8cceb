/* examples/ are what users start from: each must validate, and say what its
 * name promises. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "config/config.h"
#include "config/internal.h"
#include "cfgtest.h"

static void load(const char *name, bool hostconf, struct oo_config *cfg, struct oo_cfg_diag *d)
{
    char path[1024];
    char *buf;
    size_t len;
    int r;

    snprintf(path, sizeof path, "%s/examples/%s", OO_SOURCE_ROOT, name);
    oo_cfg_diag_init(d, path);
    assert_int_equal(oo_cfg_read_file(path, &buf, &len, d), 0);
    if (hostconf)
        r = oo_config_parse_hostconf(path, buf, len, cfgtest_probe, NULL, cfg, d);
    else
        r = oo_config_parse_yaml(path, buf, len, cfg, d);
    free(buf);
    if (r) {
        cfgtest_dump(d, name);
        fail_msg("%s does not validate", name);
    }
}

static void test_single_pf(void **state)
{
    struct oo_config cfg;
    struct oo_cfg_diag d;

    load("single-pf.yaml", false, &cfg, &d);
    assert_int_equal(cfg.n_pfs, 1);
    assert_string_equal(cfg.pfs[0].device.bus, "netdevsim");
    assert_string_equal(cfg.pfs[0].device.dev, "netdevsim10");
    assert_int_equal(cfg.pfs[0].eswitch, OO_ESWITCH_SWITCHDEV);
    assert_int_equal(cfg.pfs[0].num_vfs, 4);
    assert_int_equal(cfg.n_bridges, 1);
    assert_int_equal(cfg.bridges[0].uplink.kind, OO_CFG_REF_PF);
    assert_int_equal(cfg.bridges[0].n_reps, 4);
    assert_int_equal(cfg.n_bonds, 0);
    cfgtest_done(&cfg, &d);
}

static void test_vf_lag(void **state)
{
    struct oo_config cfg;
    struct oo_cfg_diag d;

    load("vf-lag.yaml", false, &cfg, &d);
    assert_int_equal(cfg.n_pfs, 2);
    assert_string_equal(cfg.pfs[1].device.dev, "netdevsim11");
    assert_int_equal(cfg.n_bonds, 1);
    assert_int_equal(cfg.bonds[0].n_members, 2);
    assert_int_equal(cfg.bonds[0].members[1].index, 1);
    assert_true(oo_cfg_bond_mode_vflag_ok(cfg.bonds[0].mode));
    assert_int_equal(cfg.bridges[0].uplink.kind, OO_CFG_REF_BOND);
    assert_int_equal(cfg.bridges[0].n_reps, 8);
    assert_int_equal(cfg.n_rules, 1);
    assert_int_equal(cfg.rules[0].dev.kind, OO_CFG_REF_BOND);
    cfgtest_done(&cfg, &d);
}

static void test_mpv(void **state)
{
    struct oo_config cfg;
    struct oo_cfg_diag d;

    load("mpv.yaml", false, &cfg, &d);
    assert_int_equal(cfg.n_pfs, 2);
    assert_int_equal(cfg.pfs[0].multiport, 1);
    assert_int_equal(cfg.pfs[1].multiport, 1);
    assert_int_equal(cfg.n_mpvs, 1);      /* IPv4 only: see the comment on the IPv6 pair */
    assert_int_equal(cfg.mpvs[0].vfs[0].index, 0);
    assert_int_equal(cfg.mpvs[0].vfs[1].index, 1);
    assert_int_equal(cfg.n_bonds, 0);
    cfgtest_done(&cfg, &d);
}

static void test_hostconf(void **state)
{
    struct oo_config cfg;
    struct oo_cfg_diag d;

    load("host.conf", true, &cfg, &d);
    assert_int_equal(cfg.source, OO_CONFIG_SOURCE_HOSTCONF);
    assert_int_equal(cfg.n_pfs, 1);
    assert_string_equal(cfg.pfs[0].netdev, "eth0");
    assert_int_equal(cfg.n_bridges, 1);
    assert_true(cfg.reps_owned_by_host_agent);
    cfgtest_done(&cfg, &d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_single_pf),
        cmocka_unit_test(test_vf_lag),
        cmocka_unit_test(test_mpv),
        cmocka_unit_test(test_hostconf),
    };
    return cmocka_run_group_tests_name("config-examples", tests, NULL, NULL);
}
