/* The config's enum <-> string tables: every value round-trips, names are
 * unique, unknown input is refused, and the spellings the YAML uses (and the
 * kernel's numbers behind them) are pinned. */
#include <errno.h>
#include <linux/if_link.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "config/config.h"
#include "config/names.h"

struct table {
    const char *name;
    const char *(*to)(int);
    int (*from)(const char *);
    int first, last;            /* every value in [first, last] has a name */
    const char *sample;         /* one spelling checked literally */
    int sample_value;
};

static const struct table tables[] = {
    { "tc_policy", oo_cfg_tc_policy_to_string, oo_cfg_tc_policy_from_string,
      0, OO_CFG_TC_POLICY_MAX - 1, "skip_sw", OO_CFG_TC_POLICY_SKIP_SW },
    { "restart", oo_cfg_restart_to_string, oo_cfg_restart_from_string,
      0, OO_CFG_RESTART_MAX - 1, "if-needed", OO_CFG_RESTART_IF_NEEDED },
    { "link_state", oo_cfg_link_state_to_string, oo_cfg_link_state_from_string,
      0, OO_CFG_LINK_STATE_MAX - 1, "disable", IFLA_VF_LINK_STATE_DISABLE },
    { "bond_mode", oo_cfg_bond_mode_to_string, oo_cfg_bond_mode_from_string,
      0, OO_CFG_BOND_MODE_MAX - 1, "802.3ad", 4 },
    { "xmit_hash", oo_cfg_xmit_hash_to_string, oo_cfg_xmit_hash_from_string,
      0, OO_CFG_XMIT_MAX - 1, "layer3+4", 1 },
    { "lacp_rate", oo_cfg_lacp_rate_to_string, oo_cfg_lacp_rate_from_string,
      0, OO_CFG_LACP_MAX - 1, "fast", 1 },
    { "tc_skip", oo_cfg_tc_skip_to_string, oo_cfg_tc_skip_from_string,
      0, OO_CFG_SKIP_MAX - 1, "sw", OO_CFG_SKIP_SW },
    { "action", oo_cfg_action_to_string, oo_cfg_action_from_string,
      0, OO_CFG_ACT_MAX - 1, "goto_chain", OO_CFG_ACT_GOTO_CHAIN },
};

static void test_round_trip(void **state)
{
    for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++) {
        const struct table *tb = &tables[t];

        for (int v = tb->first; v <= tb->last; v++) {
            const char *s = tb->to(v);
            if (!s)
                fail_msg("%s: value %d has no name", tb->name, v);
            assert_int_equal(tb->from(s), v);
        }
        assert_string_equal(tb->to(tb->sample_value), tb->sample);
        assert_null(tb->to(tb->last + 1));
        assert_null(tb->to(-1));
        assert_int_equal(tb->from("no-such-value"), -EINVAL);
        assert_int_equal(tb->from(NULL), -EINVAL);
        assert_int_equal(tb->from(""), -EINVAL);
    }
}

static void test_names_are_unique(void **state)
{
    for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++)
        for (int a = tables[t].first; a <= tables[t].last; a++)
            for (int b = a + 1; b <= tables[t].last; b++)
                assert_string_not_equal(tables[t].to(a), tables[t].to(b));
}

/* The numbers are the kernel's: the link layer passes them on unchanged. */
static void test_kernel_numbers(void **state)
{
    static const struct { const char *s; int v; } bond[] = {
        { "balance-rr", 0 }, { "active-backup", 1 }, { "balance-xor", 2 }, { "broadcast", 3 },
        { "802.3ad", 4 }, { "balance-tlb", 5 }, { "balance-alb", 6 },
    }, xmit[] = {
        { "layer2", 0 }, { "layer3+4", 1 }, { "layer2+3", 2 }, { "encap2+3", 3 },
        { "encap3+4", 4 }, { "vlan+srcmac", 5 },
    };

    for (size_t i = 0; i < sizeof bond / sizeof bond[0]; i++)
        assert_int_equal(oo_cfg_bond_mode_from_string(bond[i].s), bond[i].v);
    for (size_t i = 0; i < sizeof xmit / sizeof xmit[0]; i++)
        assert_int_equal(oo_cfg_xmit_hash_from_string(xmit[i].s), xmit[i].v);
    assert_int_equal(oo_cfg_link_state_from_string("auto"), IFLA_VF_LINK_STATE_AUTO);
    assert_int_equal(oo_cfg_link_state_from_string("enable"), IFLA_VF_LINK_STATE_ENABLE);
    assert_true(oo_cfg_bond_mode_vflag_ok(1) && oo_cfg_bond_mode_vflag_ok(2) &&
                oo_cfg_bond_mode_vflag_ok(4));
    for (int m = 0; m < OO_CFG_BOND_MODE_MAX; m++)
        if (m != 1 && m != 2 && m != 4)
            assert_false(oo_cfg_bond_mode_vflag_ok(m));
}

/* The sparse tables: protocol numbers with names. */
static void test_protocols(void **state)
{
    static const struct { const char *s; int v; } eth[] = {
        { "ipv4", 0x0800 }, { "ipv6", 0x86dd }, { "arp", 0x0806 }, { "802.1q", 0x8100 },
    }, ip[] = {
        { "icmp", 1 }, { "tcp", 6 }, { "udp", 17 }, { "icmpv6", 58 }, { "sctp", 132 },
    };

    for (size_t i = 0; i < sizeof eth / sizeof eth[0]; i++) {
        assert_int_equal(oo_cfg_eth_type_from_string(eth[i].s), eth[i].v);
        assert_string_equal(oo_cfg_eth_type_to_string(eth[i].v), eth[i].s);
    }
    for (size_t i = 0; i < sizeof ip / sizeof ip[0]; i++) {
        assert_int_equal(oo_cfg_ip_proto_from_string(ip[i].s), ip[i].v);
        assert_string_equal(oo_cfg_ip_proto_to_string(ip[i].v), ip[i].s);
    }
    assert_null(oo_cfg_eth_type_to_string(0x88cc));
    assert_int_equal(oo_cfg_eth_type_from_string("lldp"), -EINVAL);
    assert_null(oo_cfg_ip_proto_to_string(-1));
    assert_int_equal(oo_cfg_ip_proto_from_string(NULL), -EINVAL);
}

/* "if_needed" is accepted as well, but the name is "if-needed". */
static void test_restart_alias(void **state)
{
    assert_int_equal(oo_cfg_restart_from_string("if_needed"), OO_CFG_RESTART_IF_NEEDED);
    assert_string_equal(oo_cfg_restart_to_string(OO_CFG_RESTART_IF_NEEDED), "if-needed");
}

/* The config spells eswitch modes as devlink does (devlink/names.c). */
static void test_eswitch_agrees_with_devlink(void **state)
{
    for (size_t i = 0; i < oo_cfg_names_eswitch.n; i++) {
        assert_int_equal(oo_eswitch_mode_from_string(oo_cfg_names_eswitch.names[i]), (int)i);
        assert_string_equal(oo_eswitch_mode_to_string((int)i), oo_cfg_names_eswitch.names[i]);
    }
}

/* Every key of every object has a name (no hole in the key tables). */
static void test_key_tables_complete(void **state)
{
    static const struct { const char *const *keys; size_t n; } t[] = {
        { oo_cfg_top_keys, OO_CFG_KEY_N_KEYS }, { oo_cfg_ovs_keys, OO_CFG_OVS_N_KEYS },
        { oo_cfg_pf_keys, OO_CFG_PF_N_KEYS }, { oo_cfg_vf_keys, OO_CFG_VF_N_KEYS },
        { oo_cfg_bond_keys, OO_CFG_BOND_N_KEYS }, { oo_cfg_bridge_keys, OO_CFG_BRIDGE_N_KEYS },
        { oo_cfg_tc_keys, OO_CFG_TC_N_KEYS }, { oo_cfg_rule_keys, OO_CFG_RULE_N_KEYS },
        { oo_cfg_match_keys, OO_CFG_M_N_KEYS }, { oo_cfg_mpv_keys, OO_CFG_MPV_N_KEYS },
        { oo_cfg_waits_keys, OO_CFG_WAITS_N_KEYS },
    };

    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        for (size_t k = 0; k < t[i].n; k++) {
            assert_non_null(t[i].keys[k]);
            for (size_t j = 0; j < k; j++)
                assert_string_not_equal(t[i].keys[j], t[i].keys[k]);
        }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_names_are_unique),
        cmocka_unit_test(test_kernel_numbers),
        cmocka_unit_test(test_protocols),
        cmocka_unit_test(test_restart_alias),
        cmocka_unit_test(test_eswitch_agrees_with_devlink),
        cmocka_unit_test(test_key_tables_complete),
    };
    return cmocka_run_group_tests_name("config-names", tests, NULL, NULL);
}
