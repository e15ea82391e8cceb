/* The YAML parser: a full config parses to the exact expected struct; the
 * scalar value parsers; YAML-level errors (syntax, duplicates, aliases,
 * types) with their positions; error collection, order and format. */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "config/config.h"
#include "config/values.h"
#include "cfgtest.h"
#include "fixture.h"

static void load_fixture(const char *name, struct oo_config *cfg, struct oo_cfg_diag *d, int *ret)
{
    size_t len;
    void *buf = fixture_load(name, &len);

    oo_cfg_diag_init(d, name);
    *ret = oo_config_parse_yaml(name, buf, len, cfg, d);
    free(buf);
}

#define assert_loc(l, ln, cl)                        \
    do {                                             \
        assert_int_equal((l).line, (ln));            \
        assert_int_equal((l).col, (cl));             \
    } while (0)

static void test_full_config(void **state)
{
    static const uint8_t mac0[6] = { 0x02, 0, 0, 0, 0, 0x10 };
    struct oo_config cfg;
    struct oo_cfg_diag d;
    const struct oo_cfg_pf *pf;
    const struct oo_cfg_vf *vf;
    const struct oo_cfg_bond *b;
    const struct oo_cfg_bridge *br;
    const struct oo_cfg_rule *r;
    uint8_t addr[16];
    int ret;

    load_fixture("config/full.yaml", &cfg, &d, &ret);
    if (ret)
        cfgtest_dump(&d, "full.yaml");
    assert_int_equal(ret, 0);
    assert_int_equal(cfg.source, OO_CONFIG_SOURCE_YAML);
    assert_string_equal(cfg.file, "config/full.yaml");
    assert_int_equal(cfg.version, 1);
    assert_false(cfg.reps_owned_by_host_agent);

    /* ovs */
    assert_string_equal(cfg.ovs.db, "tcp:127.0.0.1:6640");
    assert_int_equal(cfg.ovs.hw_offload, 1);
    assert_int_equal(cfg.ovs.tc_policy, OO_CFG_TC_POLICY_SKIP_HW);
    assert_int_equal(cfg.ovs.max_idle_ms, 20000);
    assert_int_equal(cfg.ovs.restart, OO_CFG_RESTART_IF_NEEDED);
    assert_int_equal(cfg.ovs.n_restart_command, 2);
    assert_string_equal(cfg.ovs.restart_command[0], "/usr/share/openvswitch/scripts/ovs-ctl");
    assert_string_equal(cfg.ovs.restart_command[1], "restart");
    assert_loc(cfg.ovs.at[OO_CFG_OVS_MAX_IDLE_MS], 8, 16);

    /* pfs */
    assert_int_equal(cfg.n_pfs, 3);
    pf = &cfg.pfs[0];
    assert_string_equal(pf->name, "pf0");
    assert_true(pf->has_device);
    assert_string_equal(pf->device.bus, "pci");
    assert_string_equal(pf->device.dev, "0000:3b:00.0");
    assert_null(pf->netdev);
    assert_int_equal(pf->eswitch, OO_ESWITCH_SWITCHDEV);
    assert_int_equal(pf->num_vfs, 8);
    assert_int_equal(pf->multiport, 0);
    assert_int_equal(pf->representor_ipv6, 0);     /* default: off on representors */
    assert_int_equal(pf->n_params, 2);
    assert_string_equal(pf->params[0].name, "flow_steering_mode");
    assert_string_equal(pf->params[0].value, "smfs");
    assert_string_equal(pf->params[1].name, "lag_port_select_mode");
    assert_string_equal(pf->params[1].value, "hash");
    assert_loc(pf->params[1].loc, 18, 7);
    assert_loc(pf->loc, 12, 5);
    assert_loc(pf->at[OO_CFG_PF_NUM_VFS], 15, 14);
    assert_int_equal(pf->n_vfs, 2);
    vf = &pf->vfs[0];
    assert_int_equal(vf->id, 0);
    assert_true(vf->has_mac);
    assert_memory_equal(vf->mac, mac0, 6);
    assert_int_equal(vf->vlan, 0);          /* the only VLAN a switchdev PF takes */
    assert_int_equal(vf->qos, -1);
    assert_int_equal(vf->trust, -1);
    assert_int_equal(vf->spoofchk, -1);
    assert_int_equal(vf->link_state, OO_CFG_UNSET);
    assert_int_equal(vf->max_tx_rate, 25000);
    assert_int_equal(vf->min_tx_rate, 1000);
    assert_int_equal(vf->migratable, -1);   /* refused by validation: not set by ovs-offload */
    assert_loc(vf->loc, 21, 9);
    assert_loc(vf->at[OO_CFG_VF_MAX_TX_RATE], 22, 23);
    vf = &pf->vfs[1];                   /* only an id: every setting unset */
    assert_int_equal(vf->id, 7);
    assert_false(vf->has_mac);
    assert_int_equal(vf->vlan, -1);
    assert_int_equal(vf->qos, -1);
    assert_int_equal(vf->trust, -1);
    assert_int_equal(vf->spoofchk, -1);
    assert_int_equal(vf->max_tx_rate, -1);
    assert_int_equal(vf->min_tx_rate, -1);
    assert_int_equal(vf->migratable, -1);

    pf = &cfg.pfs[1];
    assert_string_equal(pf->name, "pf1");
    assert_string_equal(pf->device.dev, "0000:3b:00.1");
    assert_int_equal(pf->multiport, -1);
    assert_int_equal(pf->representor_ipv6, 1);
    assert_int_equal(pf->n_params, 0);
    assert_int_equal(pf->n_vfs, 0);

    pf = &cfg.pfs[2];
    assert_string_equal(pf->name, "legacy2");
    assert_false(pf->has_device);
    assert_string_equal(pf->netdev, "enp94s0f0");
    assert_int_equal(pf->eswitch, OO_ESWITCH_LEGACY);
    assert_int_equal(pf->num_vfs, 2);
    assert_int_equal(pf->vfs[0].link_state, OO_CFG_LINK_STATE_DISABLE);
    assert_int_equal(pf->vfs[0].vlan, 100);
    assert_int_equal(pf->vfs[0].qos, 3);
    assert_int_equal(pf->vfs[0].trust, 1);
    assert_int_equal(pf->vfs[0].spoofchk, 0);

    /* bonds: members resolved to pf indices */
    assert_int_equal(cfg.n_bonds, 1);
    b = &cfg.bonds[0];
    assert_string_equal(b->name, "bond0");
    assert_int_equal(b->mode, OO_CFG_BOND_8023AD);
    assert_int_equal(b->n_members, 2);
    assert_string_equal(b->members[0].pf, "pf0");
    assert_int_equal(b->members[0].index, 0);
    assert_string_equal(b->members[1].pf, "pf1");
    assert_int_equal(b->members[1].index, 1);
    assert_loc(b->members[1].loc, 34, 20);
    assert_int_equal(b->miimon, 250);
    assert_int_equal(b->xmit_hash_policy, OO_CFG_XMIT_LAYER23);
    assert_int_equal(b->lacp_rate, OO_CFG_LACP_FAST);
    assert_null(b->primary);
    assert_false(b->members_from_host);

    /* bridges: uplinks resolved, representors expanded */
    assert_int_equal(cfg.n_bridges, 2);
    br = &cfg.bridges[0];
    assert_string_equal(br->name, "br-offload");
    assert_true(br->has_uplink);
    assert_int_equal(br->uplink.kind, OO_CFG_REF_BOND);
    assert_int_equal(br->uplink.index, 0);
    assert_int_equal(br->n_ranges, 2);
    assert_string_equal(br->ranges[0].pf, "pf0");
    assert_int_equal(br->ranges[0].first, 0);
    assert_int_equal(br->ranges[0].last, 7);
    assert_loc(br->ranges[1].loc, 41, 29);
    assert_int_equal(br->n_reps, 9);
    for (unsigned i = 0; i < 8; i++) {
        assert_int_equal(br->reps[i].pf, 0);
        assert_int_equal(br->reps[i].vf, i);
        assert_int_equal(br->reps[i].range, 0);
    }
    assert_int_equal(br->reps[8].pf, 1);
    assert_int_equal(br->reps[8].vf, 3);
    assert_int_equal(br->reps[8].range, 1);
    br = &cfg.bridges[1];
    assert_int_equal(br->uplink.kind, OO_CFG_REF_PF);
    assert_int_equal(br->uplink.index, 2);
    assert_int_equal(br->n_reps, 0);

    /* tc rules */
    assert_int_equal(cfg.n_rules, 3);
    r = &cfg.rules[0];
    assert_string_equal(r->name, "vm3-web");
    assert_int_equal(r->dev.kind, OO_CFG_REF_BOND);
    assert_int_equal(r->dev.index, 0);
    assert_int_equal(r->chain, 0);
    assert_int_equal(r->prio, 10);
    assert_int_equal(r->skip, OO_CFG_SKIP_NONE);
    assert_int_equal(r->match.eth_type, 0x0800);
    assert_int_equal(r->match.dst_ip.family, AF_INET);
    assert_int_equal(inet_pton(AF_INET, "10.0.0.3", addr), 1);
    assert_memory_equal(r->match.dst_ip.addr, addr, 4);
    assert_int_equal(r->match.dst_ip.prefix, 32);
    assert_int_equal(r->match.src_ip.family, 0);
    assert_int_equal(r->match.ip_proto, 6);
    assert_int_equal(r->match.dst_port, 80);
    assert_int_equal(r->match.src_port, -1);
    assert_true(r->match.src_mac.set);
    assert_int_equal(r->match.src_mac.addr[5], 1);
    assert_int_equal(r->match.src_mac.mask[2], 0xff);
    assert_int_equal(r->match.src_mac.mask[3], 0);
    assert_false(r->match.dst_mac.set);
    assert_int_equal(r->match.vlan_id, -1);
    assert_int_equal(r->n_actions, 1);
    assert_int_equal(r->actions[0].kind, OO_CFG_ACT_REDIRECT);
    assert_int_equal(r->actions[0].dev.kind, OO_CFG_REF_VF);
    assert_int_equal(r->actions[0].dev.index, 0);
    assert_int_equal(r->actions[0].dev.vf, 3);
    assert_loc(r->actions[0].dev.loc, 52, 28);

    r = &cfg.rules[1];
    assert_int_equal(r->dev.kind, OO_CFG_REF_VF);
    assert_int_equal(r->dev.index, 1);
    assert_int_equal(r->dev.vf, 2);
    assert_int_equal(r->chain, 1);
    assert_int_equal(r->skip, -1);
    assert_int_equal(r->match.eth_type, 0x8100);
    assert_int_equal(r->match.vlan_id, 42);
    assert_int_equal(r->match.vlan_prio, 5);
    assert_int_equal(r->match.dst_mac.mask[1], 0xff);
    assert_int_equal(r->match.dst_mac.mask[2], 0);
    assert_int_equal(r->n_actions, 5);
    assert_int_equal(r->actions[0].kind, OO_CFG_ACT_VLAN_POP);
    assert_int_equal(r->actions[1].kind, OO_CFG_ACT_VLAN_PUSH);
    assert_int_equal(r->actions[1].vlan_id, 7);
    assert_int_equal(r->actions[1].vlan_prio, 1);
    assert_int_equal(r->actions[2].kind, OO_CFG_ACT_VLAN_MODIFY);
    assert_int_equal(r->actions[2].vlan_id, 8);
    assert_int_equal(r->actions[2].vlan_prio, -1);
    assert_int_equal(r->actions[3].kind, OO_CFG_ACT_MIRROR);
    assert_int_equal(r->actions[3].dev.kind, OO_CFG_REF_BOND);
    assert_int_equal(r->actions[4].kind, OO_CFG_ACT_GOTO_CHAIN);
    assert_int_equal(r->actions[4].chain, 3);

    r = &cfg.rules[2];
    assert_int_equal(r->dev.kind, OO_CFG_REF_PF);
    assert_int_equal(r->dev.index, 2);
    assert_int_equal(r->match.eth_type, 0x86dd);
    assert_int_equal(r->match.src_ip.family, AF_INET6);
    assert_int_equal(r->match.src_ip.prefix, 64);
    assert_int_equal(r->match.ip_proto, 58);
    assert_int_equal(r->skip, OO_CFG_SKIP_SW);
    assert_int_equal(r->actions[0].kind, OO_CFG_ACT_DROP);
    assert_int_equal(cfg.n_mpvs, 0);

    /* waits */
    assert_int_equal(cfg.waits.timeout_s, 300);
    assert_int_equal(cfg.waits.lag_settle_s, 20);
    assert_int_equal(cfg.waits.udev_s, 0);
    assert_loc(cfg.waits.loc, 72, 3);
    assert_loc(cfg.waits.at[OO_CFG_WAITS_UDEV_S], 74, 11);
    cfgtest_done(&cfg, &d);
}

/* What an empty (but valid) config means: defaults everywhere. */
static void test_defaults(void **state)
{
    struct oo_config cfg;
    struct oo_cfg_diag d;

    assert_int_equal(cfgtest_yaml("version: 1\n", &cfg, &d), 0);
    assert_string_equal(cfg.ovs.db, "unix:/var/run/openvswitch/db.sock");
    assert_int_equal(cfg.ovs.hw_offload, -1);
    assert_int_equal(cfg.ovs.tc_policy, -1);
    assert_int_equal(cfg.ovs.max_idle_ms, -1);
    assert_int_equal(cfg.ovs.restart, OO_CFG_RESTART_NEVER);
    assert_int_equal(cfg.ovs.n_restart_command, 3);
    assert_string_equal(cfg.ovs.restart_command[0], "systemctl");
    assert_string_equal(cfg.ovs.restart_command[2], "openvswitch-switch");
    assert_int_equal(cfg.n_pfs + cfg.n_bonds + cfg.n_bridges + cfg.n_rules + cfg.n_mpvs, 0);
    assert_int_equal(cfg.waits.timeout_s, OO_CFG_WAIT_TIMEOUT_S);
    assert_int_equal(cfg.waits.lag_settle_s, OO_CFG_WAIT_LAG_SETTLE_S);
    assert_int_equal(cfg.waits.udev_s, OO_CFG_WAIT_UDEV_S);
    cfgtest_done(&cfg, &d);

    /* Waits not written are cut to a shorter timeout_s; one written is kept. */
    assert_int_equal(cfgtest_yaml("version: 1\nwaits: {timeout_s: 4, udev_s: 3}\n", &cfg, &d), 0);
    assert_int_equal(cfg.waits.timeout_s, 4);
    assert_int_equal(cfg.waits.lag_settle_s, 4);
    assert_int_equal(cfg.waits.udev_s, 3);
    cfgtest_done(&cfg, &d);

    /* Empty sections (every entry commented out) are empty lists. */
    assert_int_equal(cfgtest_yaml("version: 1\novs:\npfs:\nbonds:\nbridges: []\ntc:\n  rules:\n", &cfg, &d), 0);
    cfgtest_done(&cfg, &d);

    /* A bond's miimon defaults to 100. */
    assert_int_equal(cfgtest_yaml("version: 1\n"
                                  "pfs:\n"
                                  "  - {name: a, netdev: e0, eswitch: switchdev}\n"
                                  "  - {name: b, netdev: e1, eswitch: switchdev}\n"
                                  "bonds: [{name: bond0, mode: active-backup, members: [a, b]}]\n",
                                  &cfg, &d), 0);
    assert_int_equal(cfg.bonds[0].miimon, 100);
    assert_int_equal(cfg.bonds[0].xmit_hash_policy, -1);
    assert_int_equal(cfg.bonds[0].lacp_rate, -1);
    cfgtest_done(&cfg, &d);
}

static void test_int_values(void **state)
{
    static const struct { const char *s; int r; int64_t v; } cases[] = {
        { "0", 0, 0 }, { "42", 0, 42 }, { "-7", 0, -7 }, { "+7", 0, 7 },
        { "0x86dd", 0, 0x86dd }, { "0X1F", 0, 31 }, { "9223372036854775807", 0, INT64_MAX },
        { "-9223372036854775808", 0, INT64_MIN }, { "9223372036854775808", -ERANGE, 0 },
        { "99999999999999999999999", -ERANGE, 0 }, { "010", -EDOM, 0 }, { "00", -EDOM, 0 },
        { "", -EINVAL, 0 }, { "-", -EINVAL, 0 }, { "0x", -EINVAL, 0 }, { "1.5", -EINVAL, 0 },
        { "12a", -EINVAL, 0 }, { "four", -EINVAL, 0 }, { "1_000", -EINVAL, 0 }, { "0a", -EINVAL, 0 },
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int64_t v = 0;
        int r = oo_cfg_parse_int(cases[i].s, &v);

        if (r != cases[i].r)
            fail_msg("'%s': got %d, expected %d", cases[i].s, r, cases[i].r);
        if (!r)
            assert_true(v == cases[i].v);
    }
}

static void test_mac_ip_values(void **state)
{
    struct oo_cfg_mac m;
    struct oo_cfg_ip ip;
    uint8_t mac[6];
    char buf[64];

    assert_int_equal(oo_cfg_parse_mac("02:00:00:0a:Bc:ff", mac), 0);
    assert_int_equal(mac[3], 0x0a);
    assert_int_equal(mac[4], 0xbc);
    assert_int_equal(oo_cfg_parse_mac("02-00-00-00-00-01", mac), 0);
    assert_int_equal(oo_cfg_parse_mac("02:00-00:00:00:01", mac), -EINVAL);
    assert_int_equal(oo_cfg_parse_mac("02:00:00:00:00", mac), -EINVAL);
    assert_int_equal(oo_cfg_parse_mac("02:00:00:00:00:01:02", mac), -EINVAL);
    assert_int_equal(oo_cfg_parse_mac("2:0:0:0:0:1", mac), -EINVAL);
    assert_int_equal(oo_cfg_parse_mac("02:00:00:00:00:0g", mac), -EINVAL);
    /* A short string must not be read past its end (found by the fuzzer). */
    assert_int_equal(oo_cfg_parse_mac("12", mac), -EINVAL);
    assert_int_equal(oo_cfg_parse_mac("1", mac), -EINVAL);
    assert_int_equal(oo_cfg_parse_mac("", mac), -EINVAL);
    assert_int_equal(oo_cfg_parse_mac("02:", mac), -EINVAL);

    assert_int_equal(oo_cfg_parse_mac_match("02:00:00:00:00:01", &m), 0);
    assert_true(m.set);
    assert_int_equal(m.mask[5], 0xff);
    assert_int_equal(oo_cfg_parse_mac_match("02:00:00:00:00:01/12", &m), 0);
    assert_int_equal(m.mask[0], 0xff);
    assert_int_equal(m.mask[1], 0xf0);
    assert_int_equal(m.mask[2], 0);
    assert_int_equal(oo_cfg_parse_mac_match("02:00:00:00:00:01/ff:00:00:00:00:00", &m), 0);
    assert_int_equal(m.mask[0], 0xff);
    assert_int_equal(m.mask[1], 0);
    assert_int_equal(oo_cfg_parse_mac_match("02:00:00:00:00:01/49", &m), -ERANGE);
    assert_int_equal(oo_cfg_parse_mac_match("02:00:00:00:00:01/", &m), -EINVAL);
    assert_int_equal(oo_cfg_parse_mac_match("02:00:00:00:00:01/-1", &m), -EINVAL);
    assert_int_equal(oo_cfg_parse_mac_match("02:00:00:00:00:01x", &m), -EINVAL);

    assert_int_equal(oo_cfg_parse_ip("10.0.0.1", false, &ip), 0);
    assert_int_equal(ip.family, AF_INET);
    assert_int_equal(ip.prefix, 32);
    assert_string_equal(oo_cfg_format_ip(&ip, buf, sizeof buf), "10.0.0.1");
    assert_int_equal(oo_cfg_parse_ip("10.0.0.0/8", true, &ip), 0);
    assert_int_equal(ip.prefix, 8);
    assert_string_equal(oo_cfg_format_ip(&ip, buf, sizeof buf), "10.0.0.0/8");
    assert_int_equal(oo_cfg_parse_ip("10.0.0.0/8", false, &ip), -EINVAL);
    assert_int_equal(oo_cfg_parse_ip("10.0.0.0/33", true, &ip), -ERANGE);
    assert_int_equal(oo_cfg_parse_ip("fd00::1/128", true, &ip), 0);
    assert_int_equal(ip.family, AF_INET6);
    assert_int_equal(oo_cfg_parse_ip("fd00::1/129", true, &ip), -ERANGE);
    assert_int_equal(oo_cfg_parse_ip("fd00::1/", true, &ip), -EINVAL);
    assert_int_equal(oo_cfg_parse_ip("fd00::1/1a", true, &ip), -EINVAL);
    assert_int_equal(oo_cfg_parse_ip("10.0.0.256", true, &ip), -EINVAL);
    assert_int_equal(oo_cfg_parse_ip("", true, &ip), -EINVAL);
    assert_int_equal(oo_cfg_parse_ip("/24", true, &ip), -EINVAL);
}

static void test_names_and_refs(void **state)
{
    char name[64];
    uint32_t first, last;
    int32_t vf;

    assert_true(oo_cfg_valid_name("pf0"));
    assert_true(oo_cfg_valid_name("vm3-web.v2:a_b"));
    assert_false(oo_cfg_valid_name(""));
    assert_false(oo_cfg_valid_name("-x"));
    assert_false(oo_cfg_valid_name("a/b"));
    assert_false(oo_cfg_valid_name("a b"));
    assert_false(oo_cfg_valid_name("0123456789012345678901234567890123456789012345678901234567890123"));
    assert_true(oo_cfg_valid_ifname("enp59s0f0np0"));
    assert_false(oo_cfg_valid_ifname("0123456789abcdef"));
    assert_false(oo_cfg_valid_ifname(".."));
    assert_false(oo_cfg_valid_ifname("a:b"));
    assert_true(oo_cfg_valid_param_name("flow_steering_mode"));
    assert_false(oo_cfg_valid_param_name("Flow"));

    assert_int_equal(oo_cfg_parse_ref("pf0", name, sizeof name, &vf), 0);
    assert_string_equal(name, "pf0");
    assert_int_equal(vf, -1);
    assert_int_equal(oo_cfg_parse_ref("pf0/12", name, sizeof name, &vf), 0);
    assert_int_equal(vf, 12);
    assert_int_equal(oo_cfg_parse_ref("pf0/", name, sizeof name, &vf), -EINVAL);
    assert_int_equal(oo_cfg_parse_ref("pf0/x", name, sizeof name, &vf), -EINVAL);
    assert_int_equal(oo_cfg_parse_ref("pf0/01", name, sizeof name, &vf), -EINVAL);
    assert_int_equal(oo_cfg_parse_ref("pf0/-1", name, sizeof name, &vf), -EINVAL);
    assert_int_equal(oo_cfg_parse_ref("pf0/1/2", name, sizeof name, &vf), -EINVAL);
    assert_int_equal(oo_cfg_parse_ref("/1", name, sizeof name, &vf), -EINVAL);
    assert_int_equal(oo_cfg_parse_ref("pf0/65535", name, sizeof name, &vf), -ERANGE);

    assert_int_equal(oo_cfg_parse_rep_range("pf1/0-7", name, sizeof name, &first, &last), 0);
    assert_string_equal(name, "pf1");
    assert_int_equal(first, 0);
    assert_int_equal(last, 7);
    assert_int_equal(oo_cfg_parse_rep_range("pf1/3", name, sizeof name, &first, &last), 0);
    assert_int_equal(first, 3);
    assert_int_equal(last, 3);
    assert_int_equal(oo_cfg_parse_rep_range("pf1/7-0", name, sizeof name, &first, &last), -EDOM);
    assert_int_equal(oo_cfg_parse_rep_range("pf1", name, sizeof name, &first, &last), -EINVAL);
    assert_int_equal(oo_cfg_parse_rep_range("pf1/1-", name, sizeof name, &first, &last), -EINVAL);
    assert_int_equal(oo_cfg_parse_rep_range("pf1/1-2-3", name, sizeof name, &first, &last), -EINVAL);
}

/* One parse-level error per case: the text, where, the key path, a
 * distinctive part of the message; and no other error. */
struct parse_case {
    const char *name;
    const char *yaml;
    unsigned line, col;
    const char *key;
    const char *msg;
    unsigned count;             /* errors in total; 0 means 1 */
};

#define V1 "version: 1\n"
/* A pf to refer to, and two with the multiport eswitch. 2 and 3 lines. */
#define PF0 V1 "pfs: [{name: pf0, netdev: e0, eswitch: switchdev, num_vfs: 4}]\n"
#define MP2 V1 "pfs: [{name: pf0, netdev: e0, eswitch: switchdev, num_vfs: 4, multiport: true},\n" \
               "      {name: pf1, netdev: e1, eswitch: switchdev, num_vfs: 4, multiport: true}]\n"

static const struct parse_case parse_cases[] = {
    { "unknown top key", V1 "pfz: []\n", 2, 1, "pfz", "unknown key 'pfz' in the config (did you mean 'pfs'?)" },
    { "unknown key, no suggestion", V1 "colour: red\n", 2, 1, "colour",
      "valid keys: version, ovs, pfs, bonds, bridges, tc, waits" },
    { "unknown pf key", V1 "pfs:\n  - {name: a, netdev: e0, num_vf: 2}\n", 3, 27, "pfs[0].num_vf",
      "did you mean 'num_vfs'?" },
    { "unknown vf key", V1 "pfs:\n  - name: a\n    netdev: e0\n    num_vfs: 2\n    vfs: [{id: 0, valn: 3}]\n",
      6, 19, "pfs[0].vfs[0].valn", "did you mean 'vlan'?" },
    { "unknown ovs key", V1 "ovs: {hw_ofload: true}\n", 2, 7, "ovs.hw_ofload", "did you mean 'hw_offload'?" },
    { "unknown waits key", V1 "waits: {timeout: 300}\n", 2, 9, "waits.timeout", "did you mean 'timeout_s'?" },
    { "waits.timeout_s 0", V1 "waits: {timeout_s: 0}\n", 2, 20, "waits.timeout_s",
      "0 is out of range: expected 1..3600" },
    { "waits.udev_s negative", V1 "waits: {udev_s: -1}\n", 2, 17, "waits.udev_s",
      "-1 is out of range: expected 0..3600" },
    { "waits.lag_settle_s with a unit", V1 "waits:\n  lag_settle_s: 10s\n", 3, 17, "waits.lag_settle_s",
      "expected an integer in 0..3600, got '10s'" },
    { "wrong type: string for int", V1 "pfs:\n  - {name: a, netdev: e0, num_vfs: four}\n", 3, 36,
      "pfs[0].num_vfs", "expected an integer in 0..65535, got 'four'" },
    { "quoted integer", V1 "pfs:\n  - {name: a, netdev: e0, num_vfs: \"4\"}\n", 3, 36,
      "pfs[0].num_vfs", "remove the quotes" },
    { "octal-looking integer", V1 "pfs:\n  - {name: a, netdev: e0, num_vfs: 010}\n", 3, 36,
      "pfs[0].num_vfs", "is ambiguous (YAML 1.1 reads a leading 0 as octal)" },
    { "wrong type: list for int", V1 "pfs:\n  - {name: a, netdev: e0, num_vfs: [1]}\n", 3, 36,
      "pfs[0].num_vfs", "expected an integer, got a list" },
    { "wrong type: mapping for list", V1 "pfs: {name: a}\n", 2, 6, "pfs",
      "expected a list of pfs, got a mapping" },
    { "wrong type: scalar for a pf", V1 "pfs: [pf0]\n", 2, 7, "pfs[0]",
      "expected a pf (a mapping), got a scalar" },
    { "null for a string", V1 "pfs:\n  - {name: , netdev: e0}\n", 3, 12, "pfs[0].name",
      "expected a name, got nothing" },
    { "out of range", V1 "pfs:\n  - {name: a, netdev: e0, num_vfs: 2, vfs: [{id: 0, vlan: 5000}]}\n",
      3, 59, "pfs[0].vfs[0].vlan", "5000 is out of range: expected 0..4095" },
    { "vf id too large", V1 "pfs:\n  - {name: a, netdev: e0, num_vfs: 2, vfs: [{id: 70000}]}\n",
      3, 50, "pfs[0].vfs[0].id", "out of range: expected 0..65534" },
    { "bad enum with suggestion", V1 "pfs:\n  - {name: a, netdev: e0, eswitch: switchdv}\n", 3, 36,
      "pfs[0].eswitch", "invalid value 'switchdv' (did you mean 'switchdev'?); valid values: legacy, switchdev" },
    { "bad enum, list (and a bond without members)", V1 "bonds:\n  - {name: b, mode: roundrobin, members: []}\n", 3, 21,
      "bonds[0].mode", "valid values: balance-rr, active-backup, balance-xor, broadcast, 802.3ad, balance-tlb, balance-alb", 2 },
    { "YAML 1.1 boolean", V1 "ovs: {hw_offload: yes}\n", 2, 19, "ovs.hw_offload",
      "expected true or false, got 'yes'" },
    { "quoted boolean", V1 "ovs: {hw_offload: \"true\"}\n", 2, 19, "ovs.hw_offload",
      "got the quoted string 'true'" },
    { "!!str integer", V1 "pfs:\n  - {name: a, netdev: e0, num_vfs: !!str 4}\n", 3, 36,
      "pfs[0].num_vfs", "got \"4\", made a string by its !!str tag: remove the tag" },
    { "!!str boolean", V1 "ovs: {hw_offload: !!str true}\n", 2, 19, "ovs.hw_offload",
      "got the string (tagged !!str) 'true'" },
    { "! integer", V1 "pfs:\n  - {name: a, netdev: e0, num_vfs: ! 4}\n", 3, 36,
      "pfs[0].num_vfs", "got \"4\", made a string by its ! tag: remove the tag" },
    { "! boolean", V1 "ovs: {hw_offload: ! true}\n", 2, 19, "ovs.hw_offload",
      "got the string (tagged !) 'true'" },
    { "!!str name", V1 "pfs:\n  - {name: !!str 0123, netdev: e0, num_vfs: !!int 4}\n", 3, 45, "pfs[0].num_vfs",
      "YAML tag '!!int' is not taken" },
    { "!!float on a string", V1 "pfs:\n  - {name: a, device: !!float netdevsim/netdevsim1}\n", 3, 23, "pfs[0].device",
      "YAML tag '!!float' is not taken: a config value is read by its key" },
    { "local tag on a list", V1 "pfs: !pfs []\n", 2, 6, "pfs", "YAML tag '!pfs' is not taken" },
    { "!!seq and !!map say nothing", V1 "ovs: !!map {hw_offload: 1}\npfs: !!seq []\n", 2, 25,
      "ovs.hw_offload", "expected true or false, got '1'" },
    { "duplicate key", V1 "ovs:\n  hw_offload: true\n  hw_offload: false\n", 4, 3, "ovs.hw_offload",
      "duplicate key 'hw_offload': already given at line 3, column 3" },
    { "duplicate top key", V1 "version: 1\n", 2, 1, "version", "duplicate key 'version'" },
    { "a third time: also points at the first", V1 "ovs:\n  hw_offload: true\n  hw_offload: false\n  hw_offload: true\n",
      5, 3, "ovs.hw_offload", "duplicate key 'hw_offload': already given at line 3, column 3", 2 },
    { "duplicate in a mapping of 18 keys", V1 "pfs:\n  - {name: a, netdev: e0, params: {p0: 1, p1: 1, p2: 1, "
      "p3: 1, p4: 1, p5: 1, p6: 1, p7: 1, p8: 1, p9: 1, p10: 1, p11: 1, p12: 1, p13: 1, p14: 1, p15: 1, "
      "p16: 1, p3: 2}}\n", 3, 162, "pfs[0].params.p3", "duplicate key 'p3': already given at line 3, column 57" },
    { "a key holding a NUL", "{\"version\": 1, \"ovs\": {\"hw_offload\\u0000x\": true}}\n", 1, 24,
      "ovs.hw_offload", "key 'hw_offload...' holds a NUL character" },
    { "missing version", "pfs: []\n", 1, 1, "version", "missing required key 'version': add 'version: 1'" },
    { "version 2", "version: 2\n", 1, 10, "version", "unsupported version 2: this ovs-offload reads version 1" },
    { "missing pf name", V1 "pfs:\n  - {netdev: e0}\n", 3, 5, "pfs[0].name", "missing required key 'name'" },
    { "pf without device", V1 "pfs:\n  - {name: a}\n", 3, 5, "pfs[0].device",
      "missing required key 'device': the PF's devlink handle" },
    { "pf with device and netdev", V1 "pfs:\n  - {name: a, device: pci/0000:3b:00.0, netdev: e0}\n",
      3, 49, "pfs[0].netdev", "give either 'device' (the devlink handle) or 'netdev', not both" },
    { "bad devlink handle", V1 "pfs:\n  - {name: a, device: 0000:3b:00.0}\n", 3, 23, "pfs[0].device",
      "invalid devlink handle '0000:3b:00.0': expected BUS/DEVICE" },
    { "bad netdev", V1 "pfs:\n  - {name: a, netdev: \"a b\"}\n", 3, 23, "pfs[0].netdev",
      "invalid netdev name 'a b'" },
    { "bad pf name", V1 "pfs:\n  - {name: \"pf/0\", netdev: e0}\n", 3, 12, "pfs[0].name",
      "invalid name 'pf/0'" },
    { "bond name too long", V1 "bonds:\n  - {name: bond-with-a-long-name, mode: 802.3ad, members: []}\n",
      3, 12, "bonds[0].name", "1..15 letters", 2 },
    { "bad mac", V1 "pfs:\n  - {name: a, netdev: e0, num_vfs: 1, vfs: [{id: 0, mac: 02:00}]}\n",
      3, 58, "pfs[0].vfs[0].mac", "invalid MAC address '02:00'" },
    { "multicast mac", V1 "pfs:\n  - {name: a, netdev: e0, num_vfs: 1, vfs: [{id: 0, mac: \"01:00:5e:00:00:01\"}]}\n",
      3, 58, "pfs[0].vfs[0].mac", "is a multicast address" },
    { "zero mac", V1 "pfs:\n  - {name: a, netdev: e0, num_vfs: 1, vfs: [{id: 0, mac: \"00:00:00:00:00:00\"}]}\n",
      3, 58, "pfs[0].vfs[0].mac", "the all-zero MAC is not an address" },
    { "vf without id", V1 "pfs:\n  - {name: a, netdev: e0, num_vfs: 1, vfs: [{max_tx_rate: 1}]}\n",
      3, 45, "pfs[0].vfs[0].id", "missing required key 'id'" },
    { "esw_multiport in params", V1 "pfs:\n  - {name: a, netdev: e0, params: {esw_multiport: true}}\n",
      3, 36, "pfs[0].params.esw_multiport", "set with the pf's 'multiport' key" },
    { "bad param name", V1 "pfs:\n  - {name: a, netdev: e0, params: {Bad-Name: 1}}\n",
      3, 36, "pfs[0].params.Bad-Name", "invalid devlink param name" },
    { "param value a list", V1 "pfs:\n  - {name: a, netdev: e0, params: {x: [1]}}\n",
      3, 39, "pfs[0].params.x", "expected a param value, got a list" },
    { "representor_ipv6 not a bool", V1 "pfs:\n  - {name: a, netdev: e0, representor_ipv6: off}\n",
      3, 45, "pfs[0].representor_ipv6", "expected true or false, got 'off'" },
    { "max_idle_ms below 500", V1 "ovs: {max_idle_ms: 100}\n", 2, 20, "ovs.max_idle_ms",
      "100 is out of range: expected 500..2147483647" },
    { "bad ovsdb remote", V1 "ovs: {db: /run/db.sock}\n", 2, 11, "ovs.db",
      "expected unix:PATH or tcp:HOST:PORT" },
    { "bad ovsdb port", V1 "ovs: {db: \"tcp:1.2.3.4:70000\"}\n", 2, 11, "ovs.db", "invalid OVSDB remote" },
    { "ovsdb host with a space", V1 "ovs: {db: \"tcp:host name:6640\"}\n", 2, 11, "ovs.db", "invalid OVSDB remote" },
    { "action with a NUL", V1 "pfs: [{name: a, netdev: e0}]\ntc: {rules: [{name: r, dev: a, prio: 1, actions: [\"drop\\0x\"]}]}\n", 3, 51, "tc.rules[0].actions[0]",
      "got a string containing a NUL character" },
    { "eth_type with a NUL", V1 "pfs: [{name: a, netdev: e0}]\ntc: {rules: [{name: r, dev: a, prio: 1, match: {eth_type: \"ipv4\\0x\"}, actions: [drop]}]}\n", 3, 59, "tc.rules[0].match.eth_type",
      "got a string containing a NUL character" },
    /* A value refused is not judged again as its default (one error each). */
    { "refused wait, shorter timeout", V1 "waits: {timeout_s: 5, lag_settle_s: -1}\n", 2, 37,
      "waits.lag_settle_s", "-1 is out of range: expected 0..3600" },
    { "refused vlan with qos", V1 "pfs:\n  - {name: a, netdev: e0, eswitch: legacy, num_vfs: 2, "
      "vfs: [{id: 0, vlan: 5000, qos: 3}]}\n", 3, 76, "pfs[0].vfs[0].vlan", "5000 is out of range" },
    { "restart with a NUL", V1 "ovs: {restart: \"never\\0x\"}\n", 2, 16, "ovs.restart", "got a string containing a NUL character" },
    { "ssl ovsdb remote", V1 "ovs: {db: \"ssl:10.0.0.1:6640\"}\n", 2, 11, "ovs.db",
      "ssl: is not supported (no key or certificate settings)" },
    { "empty restart_command", V1 "ovs: {restart_command: []}\n", 2, 24, "ovs.restart_command",
      "restart_command is empty" },
    { "bad restart", V1 "ovs: {restart: always}\n", 2, 16, "ovs.restart", "valid values: never, if-needed" },
    { "bad tc_policy", V1 "ovs: {tc_policy: skipsw}\n", 2, 18, "ovs.tc_policy", "did you mean 'skip_sw'?" },
    { "representor range reversed", V1 "bridges: [{name: br0, representors: [pf0/5-2]}]\n",
      2, 38, "bridges[0].representors[0]", "ends below its start" },
    { "representor without vf", V1 "bridges: [{name: br0, representors: [pf0]}]\n",
      2, 38, "bridges[0].representors[0]", "expected 'pf/N' or a range 'pf/A-B'" },
    { "uplink is a VF", V1 "bridges: [{name: br0, uplink: pf0/1}]\n", 2, 31, "bridges[0].uplink",
      "a VF representor cannot be the uplink" },
    { "bridge without name", V1 "bridges: [{representors: []}]\n", 2, 11, "bridges[0].name",
      "missing required key 'name'" },
    { "bad reference", PF0 "tc:\n  rules: [{name: r, dev: \"pf0/x\", prio: 1, actions: [drop]}]\n",
      4, 26, "tc.rules[0].dev", "invalid reference 'pf0/x'" },
    { "prio 0", PF0 "tc:\n  rules: [{name: r, dev: pf0, prio: 0, actions: [drop]}]\n", 4, 37,
      "tc.rules[0].prio", "0 is out of range: expected 1..65535" },
    { "chain too large", PF0 "tc:\n  rules: [{name: r, dev: pf0, prio: 1, chain: 0x10000000, actions: [drop]}]\n",
      4, 47, "tc.rules[0].chain", "expected 0..268435455" },
    { "goto_chain too large", PF0 "tc:\n  rules: [{name: r, dev: pf0, prio: 1, actions: [{goto_chain: 4294967296}]}]\n",
      4, 63, "tc.rules[0].actions[0].goto_chain", "expected 0..268435455" },
    { "no actions", PF0 "tc:\n  rules: [{name: r, dev: pf0, prio: 1, actions: []}]\n", 4, 49,
      "tc.rules[0].actions", "a rule needs at least one action" },
    { "missing actions", PF0 "tc:\n  rules: [{name: r, dev: pf0, prio: 1}]\n", 4, 11,
      "tc.rules[0].actions", "missing required key 'actions'" },
    { "unknown action", PF0 "tc:\n  rules: [{name: r, dev: pf0, prio: 1, actions: [{redirekt: pf0}]}]\n",
      4, 51, "tc.rules[0].actions[0].redirekt", "unknown action 'redirekt' (did you mean 'redirect'?)" },
    { "action with two keys", PF0 "tc:\n  rules: [{name: r, dev: pf0, prio: 1, actions: [{redirect: pf0, drop: }]}]\n",
      4, 50, "tc.rules[0].actions[0]", "exactly one key" },
    { "redirect without target", PF0 "tc:\n  rules: [{name: r, dev: pf0, prio: 1, actions: [redirect]}]\n",
      4, 50, "tc.rules[0].actions[0]", "redirect needs a target device" },
    { "drop with an argument", PF0 "tc:\n  rules: [{name: r, dev: pf0, prio: 1, actions: [{drop: 1}]}]\n",
      4, 57, "tc.rules[0].actions[0].drop", "drop takes no argument" },
    { "vlan_push without id", PF0 "tc:\n  rules: [{name: r, dev: pf0, prio: 1, actions: [{vlan_push: {prio: 1}}]}]\n",
      4, 62, "tc.rules[0].actions[0].vlan_push.id", "missing required key 'id'" },
    { "vlan_push bad key (and so no id)", PF0 "tc:\n  rules: [{name: r, dev: pf0, prio: 1, actions: [{vlan_push: {vid: 1}}]}]\n",
      4, 63, "tc.rules[0].actions[0].vlan_push.vid", "did you mean 'id'?", 2 },
    { "eth_type unknown", PF0 "tc:\n  rules: [{name: r, dev: pf0, prio: 1, match: {eth_type: ipv5}, actions: [drop]}]\n",
      4, 58, "tc.rules[0].match.eth_type", "invalid eth_type 'ipv5' (did you mean 'ipv4'?)" },
    { "eth_type octal-looking", PF0 "tc:\n  rules: [{name: r, dev: pf0, prio: 1, match: {eth_type: 0800}, actions: [drop]}]\n",
      4, 58, "tc.rules[0].match.eth_type", "eth_type '0800' is ambiguous (YAML 1.1 reads a leading 0 as octal)" },
    { "eth_type too large", PF0 "tc:\n  rules: [{name: r, dev: pf0, prio: 1, match: {eth_type: 0x10000}, actions: [drop]}]\n",
      4, 58, "tc.rules[0].match.eth_type", "out of range" },
    { "ip_proto unknown", PF0 "tc:\n  rules: [{name: r, dev: pf0, prio: 1, match: {ip_proto: tpc}, actions: [drop]}]\n",
      4, 58, "tc.rules[0].match.ip_proto", "did you mean 'tcp'?" },
    { "bad ip prefix", PF0 "tc:\n  rules: [{name: r, dev: pf0, prio: 1, match: {dst_ip: 10.0.0.0/40}, actions: [drop]}]\n",
      4, 56, "tc.rules[0].match.dst_ip", "prefix length of '10.0.0.0/40' too long" },
    { "bad mac match", PF0 "tc:\n  rules: [{name: r, dev: pf0, prio: 1, match: {src_mac: zz}, actions: [drop]}]\n",
      4, 57, "tc.rules[0].match.src_mac", "invalid MAC match 'zz'" },
    { "mpv with three vfs", MP2 "tc:\n  mpv: [{name: m, vfs: [pf0/1, pf1/1, pf0/2], ip: 10.0.0.1}]\n",
      5, 24, "tc.mpv[0].vfs", "expected exactly two VFs, one on each port" },
    { "mpv vf not a VF", MP2 "tc:\n  mpv: [{name: m, vfs: [pf0/1, pf1], ip: 10.0.0.1}]\n",
      5, 32, "tc.mpv[0].vfs[1]", "'pf1' is not a VF" },
    { "mpv ip with prefix", MP2 "tc:\n  mpv: [{name: m, vfs: [pf0/1, pf1/1], ip: 10.0.0.1/24}]\n",
      5, 44, "tc.mpv[0].ip", "without a prefix" },
    { "mpv missing ip", MP2 "tc:\n  mpv: [{name: m, vfs: [pf0/1, pf1/1]}]\n",
      5, 9, "tc.mpv[0].ip", "missing required key 'ip'" },
    { "alias", V1 "ovs: {tc_policy: *p}\n", 2, 18, "ovs.tc_policy", "YAML aliases (*p) are not supported" },
    { "complex key", V1 "? [a]\n: b\n", 2, 3, "?", "a key must be a plain name, got a list" },
    { "alias as a key: named by its anchor", V1 "pfs:\n  - {name: &k a, netdev: e0, *k : b}\n", 3, 30,
      "pfs[0].*k", "YAML aliases (*k) are not supported: write the key's name out" },
    { "config is a list", "- version: 1\n", 1, 1, "", "a config is a mapping with the keys version" },
    { "empty config", "", 1, 1, "", "the config is empty" },
    { "comments only", "# nothing\n", 1, 1, "", "the config is empty" },
    { "only a document start", "---\n", 1, 1, "", "the config is empty" },
    { "only null", "# c\nnull\n", 1, 1, "", "the config is empty" },
    { "second document", V1 "---\nversion: 1\n", 2, 1, "", "a second YAML document" },
    { "NUL in a string", V1 "pfs:\n  - {name: \"a\\0b\", netdev: e0}\n", 3, 12, "pfs[0].name",
      "containing a NUL character" },
    { "nesting too deep",
      V1 "x: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\n",
      2, 67, "", "nesting deeper than 64 levels" },
};

static void test_parse_errors(void **state)
{
    bool dump = getenv("CFGTEST_DUMP") != NULL;
    unsigned failed = 0;

    for (size_t i = 0; i < sizeof parse_cases / sizeof parse_cases[0]; i++) {
        const struct parse_case *c = &parse_cases[i];
        struct oo_config cfg;
        struct oo_cfg_diag d;
        int r = cfgtest_yaml(c->yaml, &cfg, &d);
        bool ok = r == -EINVAL && oo_cfg_diag_count(&d) == (c->count ? c->count : 1) &&
                  cfgtest_find(&d, c->line, c->col, c->key, c->msg) >= 0;

        if (dump || !ok)
            cfgtest_show(c->yaml, &d, c->name);
        if (!ok) {
            fprintf(stderr, "FAILED: expected exactly '%u:%u: %s: ...%s...'\n", c->line, c->col,
                    c->key, c->msg);
            failed++;
        }
        cfgtest_done(&cfg, &d);
    }
    if (failed)
        fail_msg("%u of %zu parse error cases failed", failed,
                 sizeof parse_cases / sizeof parse_cases[0]);
}

/* libyaml's problem text and position come through. */
static void test_syntax_errors(void **state)
{
    struct oo_config cfg;
    struct oo_cfg_diag d;

    assert_int_equal(cfgtest_yaml(V1 "pfs:\n  - name: pf0\n    device: [a\n  - b: c\n", &cfg, &d), -EINVAL);
    assert_cfg_count(&d, 1);
    assert_cfg_error(&d, 5, 6, "", "YAML syntax error: did not find expected ',' or ']' (while parsing a flow sequence at line 4, column 13)");
    cfgtest_done(&cfg, &d);

    assert_int_equal(cfgtest_yaml(V1 "pfs:\n\t- name: x\n", &cfg, &d), -EINVAL);
    assert_cfg_count(&d, 1);
    assert_cfg_error(&d, 3, 1, "", "a tab character; YAML indents with spaces only");
    cfgtest_done(&cfg, &d);

    assert_int_equal(cfgtest_yaml(V1 "ovs:\n  db: x\n    hw_offload: true\n", &cfg, &d), -EINVAL);
    assert_cfg_count(&d, 1);
    assert_cfg_error(&d, 4, 15, "", "YAML syntax error: mapping values are not allowed in this context");
    cfgtest_done(&cfg, &d);

    assert_int_equal(cfgtest_yaml(V1 "ovs: {db: \"unterminated}\n", &cfg, &d), -EINVAL);
    assert_cfg_error(&d, 3, 1, "", "found unexpected end of stream");
    cfgtest_done(&cfg, &d);

    /* Invalid UTF-8: libyaml's reader reports an offset; we give line:col. */
    assert_int_equal(cfgtest_yaml(V1 "ovs:\n  db: \xff\n", &cfg, &d), -EINVAL);
    assert_cfg_error(&d, 3, 7, "", "invalid leading UTF-8 octet (byte 0xff at offset 22)");
    cfgtest_done(&cfg, &d);
}

/* Errors are collected: five problems, five errors, in file order. */
static void test_collects_all_errors(void **state)
{
    struct oo_config cfg;
    struct oo_cfg_diag d;
    int r;

    load_fixture("config/five-errors.yaml", &cfg, &d, &r);
    assert_int_equal(r, -EINVAL);
    assert_cfg_count(&d, 5);
    assert_cfg_error(&d, 7, 5, "pfs[0].num_vf", "did you mean 'num_vfs'?");
    assert_cfg_error(&d, 11, 14, "pfs[1].num_vfs", "70000 is out of range");
    assert_cfg_error(&d, 14, 11, "bonds[0].mode", "the NIC refuses bond mode balance-rr for VF-LAG");
    assert_cfg_error(&d, 18, 13, "bridges[0].uplink", "'bond9' names no pf or bond (pfs: pf0, pf1; bonds: bond0)");
    assert_cfg_error(&d, 21, 36, "tc.rules[0].prio", "0 is out of range");
    for (size_t i = 1; i < d.n_errors; i++)
        assert_true(d.errors[i - 1].loc.line <= d.errors[i].loc.line);
    cfgtest_done(&cfg, &d);
}

/* FILE:LINE:COL: KEY: message, one per line. */
static void test_error_format(void **state)
{
    struct oo_config cfg;
    struct oo_cfg_diag d;
    char line[512];
    char *out = NULL;
    size_t outlen = 0;
    FILE *f;

    cfgtest_yaml(V1 "pfs:\n  - {name: a, netdev: e0, eswitch: switchdv}\n", &cfg, &d);
    assert_string_equal(oo_cfg_error_format(&d, 0, line, sizeof line),
                        "t.yaml:3:36: pfs[0].eswitch: invalid value 'switchdv' (did you mean 'switchdev'?); valid values: legacy, switchdev");
    cfgtest_done(&cfg, &d);

    cfgtest_yaml("", &cfg, &d);
    assert_string_equal(oo_cfg_error_format(&d, 0, line, sizeof line),
                        "t.yaml:1:1: the config is empty: it needs at least 'version: 1'");
    cfgtest_done(&cfg, &d);

    /* No position: "FILE: message". Control characters never split a line. */
    oo_cfg_diag_init(&d, "x.yaml");
    oo_cfg_diag_add(&d, (struct oo_src_loc){ 0, 0 }, NULL, "cannot open: %s", "No such file");
    oo_cfg_diag_add(&d, (struct oo_src_loc){ 2, 3 }, "a\nb", "bad\tvalue\n");
    assert_string_equal(oo_cfg_error_format(&d, 0, line, sizeof line), "x.yaml: cannot open: No such file");
    assert_string_equal(oo_cfg_error_format(&d, 1, line, sizeof line), "x.yaml:2:3: a?b: bad?value?");
    f = open_memstream(&out, &outlen);
    assert_int_equal(oo_cfg_diag_print(&d, f), 2);
    fclose(f);
    assert_string_equal(out, "x.yaml: cannot open: No such file\nx.yaml:2:3: a?b: bad?value?\n");
    free(out);
    oo_cfg_diag_free(&d);
}

/* head, then "pfs:" and 300 pfs with a bad num_vfs each. Free the result. */
static char *many_bad_pfs(const char *head)
{
    char *yaml = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&yaml, &len);

    fprintf(f, "%spfs:\n", head);
    for (int i = 0; i < 300; i++)
        fprintf(f, "  - {name: p%d, netdev: e%d, num_vfs: -1}\n", i, i);
    fclose(f);
    return yaml;
}

/* At most OO_CFG_MAX_ERRORS are kept; the rest are counted. */
static void test_error_cap(void **state)
{
    struct oo_config cfg;
    struct oo_cfg_diag d;
    char *yaml = many_bad_pfs("version: 1\nbogus:\n"), *out = NULL;
    size_t outlen = 0;
    FILE *f;

    cfgtest_yaml(yaml, &cfg, &d);
    assert_int_equal(d.n_errors, OO_CFG_MAX_ERRORS);
    assert_int_equal(oo_cfg_diag_count(&d), 301);
    f = open_memstream(&out, &outlen);
    oo_cfg_diag_print(&d, f);
    fclose(f);
    assert_non_null(strstr(out, "t.yaml: ... and 101 more errors\n"));
    free(out);
    free(yaml);
    cfgtest_done(&cfg, &d);

    /* The first in the file are kept, whichever check found them: the
     * bridge's uplink is checked after every pf, and is on line 2. */
    yaml = many_bad_pfs("version: 1\nbridges: [{name: br0, uplink: nope}]\n");
    cfgtest_yaml(yaml, &cfg, &d);
    assert_int_equal(d.n_errors, OO_CFG_MAX_ERRORS);
    assert_int_equal(oo_cfg_diag_count(&d), 301);
    oo_cfg_diag_sort(&d);
    assert_int_equal(d.errors[0].loc.line, 2);
    assert_string_equal(d.errors[0].key, "bridges[0].uplink");
    /* ... then the pfs from the top: the last kept is p198 (line 202). */
    assert_int_equal(d.errors[OO_CFG_MAX_ERRORS - 1].loc.line, 202);
    free(yaml);
    cfgtest_done(&cfg, &d);
}

static void test_suggest(void **state)
{
    static const char *const keys[] = { "num_vfs", "name", "netdev", NULL, "vfs" };

    assert_string_equal(oo_cfg_suggest("num_vf", keys, 5), "num_vfs");
    assert_string_equal(oo_cfg_suggest("nmae", keys, 5), "name");     /* transposition */
    assert_string_equal(oo_cfg_suggest("netdve", keys, 5), "netdev");
    assert_string_equal(oo_cfg_suggest("vf", keys, 5), "vfs");
    assert_null(oo_cfg_suggest("colour", keys, 5));
    assert_null(oo_cfg_suggest("x", keys, 5));
    assert_null(oo_cfg_suggest("", keys, 5));
}

static void test_load_file(void **state)
{
    struct oo_config cfg;
    struct oo_cfg_diag d;
    char *dir = fixture_mkdtemp(), path[512];

    oo_cfg_diag_init(&d, NULL);
    snprintf(path, sizeof path, "%s/missing.yaml", dir);
    assert_int_equal(oo_config_load_yaml(path, &cfg, &d), -ENOENT);
    assert_cfg_count(&d, 1);
    assert_cfg_error(&d, 0, 0, "", "cannot open: No such file or directory");
    assert_string_equal(d.file, path);
    cfgtest_done(&cfg, &d);

    oo_cfg_diag_init(&d, NULL);
    assert_int_equal(oo_config_load_yaml(dir, &cfg, &d), -EISDIR);
    cfgtest_done(&cfg, &d);

    fixture_write(dir, "ok.yaml", "version: 1\novs: {hw_offload: true}\n");
    snprintf(path, sizeof path, "%s/ok.yaml", dir);
    oo_cfg_diag_init(&d, NULL);
    assert_int_equal(oo_config_load_yaml(path, &cfg, &d), 0);
    assert_int_equal(cfg.ovs.hw_offload, 1);
    assert_string_equal(cfg.file, path);
    cfgtest_done(&cfg, &d);
    fixture_rmtree(dir);
    free(dir);
}

/* oo_config_free() is NULL-safe, and a config can be reused after init. */
static void test_free_config(void **state)
{
    struct oo_config cfg;

    oo_config_free(NULL);
    oo_config_init(&cfg);
    oo_config_free(&cfg);
    oo_config_free(&cfg);
    oo_cfg_diag_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_config),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_int_values),
        cmocka_unit_test(test_mac_ip_values),
        cmocka_unit_test(test_names_and_refs),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_syntax_errors),
        cmocka_unit_test(test_collects_all_errors),
        cmocka_unit_test(test_error_format),
        cmocka_unit_test(test_error_cap),
        cmocka_unit_test(test_suggest),
        cmocka_unit_test(test_load_file),
        cmocka_unit_test(test_free_config),
    };
    return cmocka_run_group_tests_name("config-parse", tests, NULL, NULL);
}
