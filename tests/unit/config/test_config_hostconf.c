/* host.conf mode: what is derived from Cloudpods' host.conf (the seed's two
 * forms: a PF netdev, and a bond made by the admin), what is refused, and
 * the sysfs probe that tells them apart. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/util.h"
#include "config/config.h"
#include "cfgtest.h"
#include "fixture.h"

/* The seed's first form: eth2 offloaded, eth1 not. */
static void test_pf_nic(void **state)
{
    struct oo_config cfg;
    struct oo_cfg_diag d;
    const struct oo_cfg_pf *pf;
    const struct oo_cfg_bridge *br;

    assert_int_equal(cfgtest_hostconf("region: Yunion\n"
                                      "networks:\n"
                                      "- eth1/br0/192.168.100.111\n"
                                      "- eth2/br1/bcast0\n"
                                      "ovs_offload_nics:\n"
                                      "- eth2\n"
                                      "sriov_nics: [eth1, eth3]\n"
                                      "disable_security_group: true\n", &cfg, &d), 0);
    assert_int_equal(cfg.source, OO_CONFIG_SOURCE_HOSTCONF);
    assert_string_equal(cfg.file, "host.conf");
    assert_true(cfg.reps_owned_by_host_agent);
    assert_int_equal(cfg.ovs.hw_offload, 1);
    assert_int_equal(cfg.ovs.tc_policy, -1);
    assert_int_equal(cfg.ovs.restart, OO_CFG_RESTART_NEVER);
    assert_int_equal(cfg.n_pfs, 1);
    pf = &cfg.pfs[0];
    assert_string_equal(pf->name, "eth2");
    assert_string_equal(pf->netdev, "eth2");
    assert_false(pf->has_device);
    assert_int_equal(pf->eswitch, OO_ESWITCH_SWITCHDEV);
    assert_int_equal(pf->num_vfs, OO_CFG_NUM_VFS_TOTAL);
    assert_int_equal(pf->multiport, -1);
    assert_int_equal(pf->n_vfs, 0);
    assert_int_equal(pf->loc.line, 6);
    assert_int_equal(pf->loc.col, 3);
    assert_int_equal(cfg.n_bonds, 0);
    assert_int_equal(cfg.n_bridges, 1);
    br = &cfg.bridges[0];
    assert_string_equal(br->name, "br1");
    assert_true(br->has_uplink);
    assert_int_equal(br->uplink.kind, OO_CFG_REF_PF);
    assert_int_equal(br->uplink.index, 0);
    assert_int_equal(br->n_reps, 0);
    assert_int_equal(br->loc.line, 4);
    assert_int_equal(cfg.n_rules + cfg.n_mpvs, 0);
    cfgtest_done(&cfg, &d);
}

/* The seed's second form: a bond the admin made; members from the host. */
static void test_bond_nic(void **state)
{
    struct oo_config cfg;
    struct oo_cfg_diag d;
    const struct oo_cfg_bond *b;

    assert_int_equal(cfgtest_hostconf("networks:\n"
                                      "- bond0/br1/bcast0 # bond0 is bond port name\n"
                                      "ovs_offload_nics:\n"
                                      "- bond0\n", &cfg, &d), 0);
    assert_int_equal(cfg.n_pfs, 0);
    assert_int_equal(cfg.n_bonds, 1);
    b = &cfg.bonds[0];
    assert_string_equal(b->name, "bond0");
    assert_true(b->members_from_host);
    assert_int_equal(b->n_members, 0);
    assert_int_equal(b->mode, -1);
    assert_int_equal(b->miimon, -1);
    assert_int_equal(b->xmit_hash_policy, -1);
    assert_int_equal(b->lacp_rate, -1);
    assert_null(b->primary);
    assert_int_equal(cfg.bridges[0].uplink.kind, OO_CFG_REF_BOND);
    assert_int_equal(cfg.bridges[0].uplink.index, 0);
    assert_string_equal(cfg.bridges[0].name, "br1");
    cfgtest_done(&cfg, &d);
}

/* Several NICs, extra network fields, quoted strings, flow style. */
static void test_several(void **state)
{
    struct oo_config cfg;
    struct oo_cfg_diag d;

    assert_int_equal(cfgtest_hostconf("networks: [\"eth2/br1/bcast0\", eth3/br2/10.0.0.2/24/extra, bond1/br3/w]\n"
                                      "ovs_offload_nics: [eth3, bond1, eth2]\n", &cfg, &d), 0);
    assert_int_equal(cfg.n_pfs, 2);
    assert_string_equal(cfg.pfs[0].name, "eth3");
    assert_string_equal(cfg.pfs[1].name, "eth2");
    assert_int_equal(cfg.n_bonds, 1);
    assert_int_equal(cfg.n_bridges, 3);
    assert_string_equal(cfg.bridges[0].name, "br2");
    assert_string_equal(cfg.bridges[1].name, "br3");
    assert_int_equal(cfg.bridges[1].uplink.kind, OO_CFG_REF_BOND);
    assert_string_equal(cfg.bridges[2].name, "br1");
    cfgtest_done(&cfg, &d);
}

struct hcase {
    const char *name;
    const char *text;
    unsigned count;
    unsigned line, col;
    const char *key;
    const char *msg;
};

static const struct hcase hcases[] = {
    { "offload NIC not in networks", "networks: [eth1/br0/x]\novs_offload_nics: [eth2]\n", 1, 2, 20,
      "ovs_offload_nics[0]", "'eth2' is not in networks: host-agent offloads only NICs listed there; add 'eth2/<bridge>/<ip-or-wire>'" },
    { "no ovs_offload_nics", "networks: [eth1/br0/x]\n", 1, 1, 1, "ovs_offload_nics",
      "missing required key 'ovs_offload_nics': host.conf names no NIC to offload" },
    { "empty ovs_offload_nics", "networks: [eth1/br0/x]\novs_offload_nics: []\n", 1, 2, 19,
      "ovs_offload_nics", "ovs_offload_nics is empty" },
    { "no networks", "ovs_offload_nics: [eth2]\n", 1, 1, 1, "networks",
      "missing required key 'networks': every offload NIC needs its 'nic/bridge/ip-or-wire' entry" },
    { "network with two fields", "networks: [eth2/br1]\novs_offload_nics: [eth2]\n", 1, 1, 12,
      "networks[0]", "malformed network 'eth2/br1': expected nic/bridge/ip-or-wire" },
    { "network with an empty bridge", "networks: [eth2//x]\novs_offload_nics: [eth2]\n", 1, 1, 12,
      "networks[0]", "malformed network 'eth2//x'" },
    { "network with a bridge name the kernel would rename", "networks: [eth2/br%d/x]\novs_offload_nics: [eth2]\n",
      1, 1, 12, "networks[0]", "bridge name 'br%d' is not a name" },
    { "network with a long nic", "networks: [eth2345678901234567/br1/x]\novs_offload_nics: [eth2]\n", 2, 1, 12,
      "networks[0]", "at most 15 bytes" },
    { "network not a string", "networks: [{eth2: br1}]\novs_offload_nics: [eth2]\n", 2, 1, 12,
      "networks[0]", "expected a network 'nic/bridge/ip-or-wire', got a mapping" },
    { "networks not a list", "networks: eth2/br1/x\novs_offload_nics: [eth2]\n", 2, 1, 11,
      "networks", "expected a list of networks 'nic/bridge/ip-or-wire', got a scalar" },
    { "ovs_offload_nics not a list", "networks: [eth2/br1/x]\novs_offload_nics: eth2\n", 1, 2, 19,
      "ovs_offload_nics", "expected a list of NIC names, got a scalar" },
    { "offload NIC not a string", "networks: [eth2/br1/x]\novs_offload_nics: [[eth2]]\n", 1, 2, 20,
      "ovs_offload_nics[0]", "expected a NIC name (a PF netdev or a bond), got a list" },
    { "offload NIC twice", "networks: [eth2/br1/x]\novs_offload_nics: [eth2, eth2]\n", 1, 2, 26,
      "ovs_offload_nics[1]", "'eth2' is listed twice in ovs_offload_nics" },
    { "NIC in networks twice", "networks: [eth2/br1/x, eth2/br2/y]\novs_offload_nics: [eth2]\n", 1, 2, 20,
      "ovs_offload_nics[0]", "'eth2' is in networks twice (lines 1 and 1): its bridge is ambiguous" },
    { "malformed entry of the offload NIC: no second error", "networks: [eth2/br1]\novs_offload_nics: [eth2]\n",
      1, 1, 12, "networks[0]", "malformed network" },
    { "bad NIC name", "networks: [eth2/br1/x]\novs_offload_nics: [\"a b\"]\n", 1, 2, 20,
      "ovs_offload_nics[0]", "invalid NIC name 'a b'" },
    { "no such interface", "networks: [gone0/br1/x]\novs_offload_nics: [gone0]\n", 1, 2, 20,
      "ovs_offload_nics[0]", "no network interface 'gone0' on this host" },
    { "probe fails", "networks: [eperm0/br1/x]\novs_offload_nics: [eperm0]\n", 1, 2, 20,
      "ovs_offload_nics[0]", "cannot tell whether 'eperm0' is a bond or a PF: Operation not permitted" },
    { "two offload NICs on one bridge", "networks: [eth2/br1/x, eth3/br1/y]\novs_offload_nics: [eth2, eth3]\n",
      1, 2, 26, "ovs_offload_nics[1]", "'eth3' and another offload NIC share bridge br1" },
    { "duplicate key", "networks: [eth2/br1/x]\novs_offload_nics: [eth2]\novs_offload_nics: [eth3]\n", 1, 3, 1,
      "ovs_offload_nics", "duplicate key 'ovs_offload_nics': already given at line 2, column 1" },
    { "not a mapping", "- eth2\n", 1, 1, 1, "", "host.conf is a YAML mapping" },
    { "empty", "", 1, 1, 1, "", "host.conf is empty" },
    { "syntax error", "networks: [eth2/br1/x\n", 1, 2, 1, "", "YAML syntax error" },
    { "a tag in what is read", "networks: [eth2/br1/x]\novs_offload_nics: [!!binary eth2]\n", 1, 2, 20,
      "ovs_offload_nics[0]", "YAML tag '!!binary' is not taken" },
    { "other keys are ignored, whatever they hold",
      "networks: [eth2/br1/x]\novs_offload_nics: [eth2]\nfoo: *alias\nbar: {a: [1, 2, {b: c}]}\n"
      "ovs_offload_nic: [eth9]\nport: !!float 8885\nport: 8886\n? [complex, key]\n: 1\n", 0, 0, 0, NULL, NULL },
};

static void test_errors(void **state)
{
    unsigned failed = 0;

    for (size_t i = 0; i < sizeof hcases / sizeof hcases[0]; i++) {
        const struct hcase *c = &hcases[i];
        struct oo_config cfg;
        struct oo_cfg_diag d;
        int r = cfgtest_hostconf(c->text, &cfg, &d);

        if (oo_cfg_diag_count(&d) != c->count || (r == 0) != (c->count == 0) ||
            (c->key && cfgtest_find(&d, c->line, c->col, c->key, c->msg) < 0)) {
            cfgtest_dump(&d, c->name);
            fprintf(stderr, "FAILED: expected %u error(s), one '%u:%u: %s: ...%s...'\n", c->count,
                    c->line, c->col, c->key ? c->key : "", c->msg ? c->msg : "");
            failed++;
        }
        cfgtest_done(&cfg, &d);
    }
    if (failed)
        fail_msg("%u host.conf cases failed", failed);
}

/* Errors that are offload NICs the host has no netdev of are counted apart:
 * ovs-offloadd waits for them at boot (the admin's bond not made yet), and
 * only when they are all the errors. */
static void test_missing_nics(void **state)
{
    static const struct {
        const char *text;
        size_t errors, missing;
    } cases[] = {
        { "networks: [gone0/br1/x]\novs_offload_nics: [gone0]\n", 1, 1 },
        { "networks: [gone0/br1/x, gone1/br2/y]\novs_offload_nics: [gone0, gone1]\n", 2, 2 },
        { "networks: [gone0/br1/x]\novs_offload_nics: [gone0, eth2]\n", 2, 1 },
        { "networks: [eperm0/br1/x]\novs_offload_nics: [eperm0]\n", 1, 0 },
        { "networks: [eth2/br1/x]\novs_offload_nics: [eth2]\n", 0, 0 },
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct oo_config cfg;
        struct oo_cfg_diag d;

        cfgtest_hostconf(cases[i].text, &cfg, &d);
        if (oo_cfg_diag_count(&d) != cases[i].errors || d.n_missing_nics != cases[i].missing) {
            cfgtest_dump(&d, cases[i].text);
            fail_msg("case %zu: %zu errors, %zu missing NICs; want %zu and %zu", i, oo_cfg_diag_count(&d),
                     d.n_missing_nics, cases[i].errors, cases[i].missing);
        }
        cfgtest_done(&cfg, &d);
    }
}

/* The real probe: a netdev, a bond (has bonding/), nothing. */
static void test_sysfs_probe(void **state)
{
    char *dir = fixture_mkdtemp();

    fixture_write(dir, "class/net/eth2/address", "02:00:00:00:00:01\n");
    fixture_write(dir, "class/net/bond0/bonding/slaves", "eth2 eth3\n");
    fixture_write(dir, "class/net/bond0/address", "02:00:00:00:00:02\n");
    assert_int_equal(oo_cfg_nic_probe_sysfs("eth2", dir), OO_CFG_NIC_NETDEV);
    assert_int_equal(oo_cfg_nic_probe_sysfs("bond0", dir), OO_CFG_NIC_BOND);
    assert_int_equal(oo_cfg_nic_probe_sysfs("eth9", dir), -ENOENT);
    assert_int_equal(oo_cfg_nic_probe_sysfs("../x", dir), -EINVAL);
    fixture_rmtree(dir);
    free(dir);
}

static void test_load(void **state)
{
    struct oo_config cfg;
    struct oo_cfg_diag d;

    oo_cfg_diag_init(&d, NULL);
    assert_int_equal(oo_config_load_hostconf("/nonexistent/host.conf", &cfg, &d), -ENOENT);
    assert_cfg_error(&d, 0, 0, "", "cannot open: No such file or directory");
    assert_int_equal(cfg.source, OO_CONFIG_SOURCE_NONE);
    cfgtest_done(&cfg, &d);
}

/* ---- a YAML config with `hostconf:` ---- */

/* Memory host.conf files for the parser's reader: path -> text. */
struct mem_files {
    const char *path[2];
    const char *text[2];
    unsigned reads;
};

static int mem_read(const char *path, char **ret_buf, size_t *ret_len, void *arg)
{
    struct mem_files *m = arg;

    m->reads++;
    for (int i = 0; i < 2; i++)
        if (m->path[i] && !strcmp(path, m->path[i])) {
            *ret_buf = strdup(m->text[i]);
            *ret_len = strlen(m->text[i]);
            return 0;
        }
    return -ENOENT;
}

static int parse_with(const char *yaml, struct mem_files *m, struct oo_config *cfg,
                      struct oo_cfg_diag *d)
{
    const struct oo_cfg_hostconf_reader rd = {
        .read = mem_read, .read_arg = m, .probe = cfgtest_probe,
    };

    oo_cfg_diag_init(d, "t.yaml");
    return oo_config_parse_yaml_with("t.yaml", yaml, strlen(yaml), &rd, cfg, d);
}

/* The NICs, bridges and bonds come from host.conf, the rest from the YAML:
 * an admin has ovs-offload restart OVS and set tc-policy, which host-agent
 * never does. */
static void test_yaml_hostconf(void **state)
{
    struct mem_files m = {
        .path = { "/etc/yunion/host.conf" },
        .text = { "region: Yunion\nnetworks:\n- eth2/br1/bcast0\n- bond0/br2/bcast1\n"
                  "ovs_offload_nics:\n- eth2\n- bond0\n" },
    };
    struct oo_config cfg;
    struct oo_cfg_diag d;

    assert_int_equal(parse_with("version: 1\n"
                                "hostconf: /etc/yunion/host.conf\n"
                                "ovs:\n"
                                "  restart: if-needed\n"
                                "  tc_policy: none\n"
                                "waits: {timeout_s: 30}\n", &m, &cfg, &d), 0);
    assert_int_equal(m.reads, 1);
    assert_int_equal(cfg.source, OO_CONFIG_SOURCE_YAML);
    assert_string_equal(cfg.hostconf, "/etc/yunion/host.conf");
    assert_true(cfg.reps_owned_by_host_agent);
    assert_int_equal(cfg.ovs.hw_offload, 1);
    assert_int_equal(cfg.ovs.restart, OO_CFG_RESTART_IF_NEEDED);
    assert_int_equal(cfg.ovs.tc_policy, OO_CFG_TC_POLICY_NONE);
    assert_int_equal(cfg.waits.timeout_s, 30);
    assert_int_equal(cfg.n_pfs, 1);
    assert_string_equal(cfg.pfs[0].netdev, "eth2");
    assert_int_equal(cfg.pfs[0].num_vfs, OO_CFG_NUM_VFS_TOTAL);
    /* Positions of derived objects are host.conf's. */
    assert_int_equal(cfg.pfs[0].loc.file, 1);
    assert_int_equal(cfg.pfs[0].loc.line, 6);
    assert_int_equal(cfg.n_bonds, 1);
    assert_true(cfg.bonds[0].members_from_host);
    assert_int_equal(cfg.n_bridges, 2);
    assert_string_equal(cfg.bridges[1].name, "br2");
    assert_int_equal(cfg.bridges[1].uplink.kind, OO_CFG_REF_BOND);
    cfgtest_done(&cfg, &d);

    /* tc rules on what host.conf makes: the offload NIC, a representor of
     * its VFs (all of them: checked by the planner), the bond's block. */
    assert_int_equal(parse_with("version: 1\n"
                                "hostconf: /etc/yunion/host.conf\n"
                                "tc:\n"
                                "  rules:\n"
                                "  - {name: a, dev: eth2, prio: 10, match: {eth_type: ipv4}, "
                                "actions: [{redirect: eth2/7}]}\n"
                                "  - {name: b, dev: bond0, prio: 10, match: {eth_type: arp}, "
                                "actions: [drop]}\n", &m, &cfg, &d), 0);
    assert_int_equal(cfg.n_rules, 2);
    assert_int_equal(cfg.rules[0].dev.kind, OO_CFG_REF_PF);
    assert_int_equal(cfg.rules[1].dev.kind, OO_CFG_REF_BOND);
    cfgtest_done(&cfg, &d);
    /* ... and not on a VF id above what any PF has. */
    assert_int_equal(parse_with("version: 1\nhostconf: /etc/yunion/host.conf\n"
                                "tc: {rules: [{name: a, dev: eth2/70000, prio: 10, actions: [drop]}]}\n",
                                &m, &cfg, &d), -EINVAL);
    cfgtest_done(&cfg, &d);

    /* MPV needs multiport: true on both PFs, which only the YAML says. */
    m.text[0] = "networks: [eth2/br1/x, eth3/br2/x]\novs_offload_nics: [eth2, eth3]\n";
    assert_int_equal(parse_with("version: 1\nhostconf: /etc/yunion/host.conf\n"
                                "tc: {mpv: [{name: vm1, vfs: [eth2/1, eth3/1], ip: 10.0.0.5}]}\n",
                                &m, &cfg, &d), -EINVAL);
    assert_cfg_error(&d, 0, 0, "tc.mpv[0].vfs[0]", "multiport");
    cfgtest_done(&cfg, &d);
    assert_int_equal(parse_with("version: 1\nhostconf: /etc/yunion/host.conf\n"
                                "pfs:\n"
                                "- {name: eth2, multiport: true}\n"
                                "- {name: eth3, multiport: true}\n"
                                "tc: {mpv: [{name: vm1, vfs: [eth2/1, eth3/1], ip: 10.0.0.5}]}\n",
                                &m, &cfg, &d), 0);
    assert_int_equal(cfg.n_mpvs, 1);
    cfgtest_done(&cfg, &d);
    m.text[0] = "region: Yunion\nnetworks:\n- eth2/br1/bcast0\n- bond0/br2/bcast1\n"
                "ovs_offload_nics:\n- eth2\n- bond0\n";

    /* hw_offload: true may be written; restart stays never by default. */
    assert_int_equal(parse_with("version: 1\nhostconf: /etc/yunion/host.conf\n"
                                "ovs: {hw_offload: true}\n", &m, &cfg, &d), 0);
    assert_int_equal(cfg.ovs.restart, OO_CFG_RESTART_NEVER);
    cfgtest_done(&cfg, &d);
}

/* pfs entries give settings to host.conf's PF NICs by name: a VF count
 * other than all, per-VF settings, params; the rest stays derived. */
static void test_yaml_hostconf_pfs(void **state)
{
    struct mem_files m = {
        .path = { "/etc/yunion/host.conf" },
        .text = { "networks: [eth2/br1/x, eth3/br2/x, bond0/br3/x]\n"
                  "ovs_offload_nics: [eth2, eth3, bond0]\n" },
    };
    struct oo_config cfg;
    struct oo_cfg_diag d;
    const struct oo_cfg_pf *pf;

    assert_int_equal(parse_with("version: 1\n"
                                "hostconf: /etc/yunion/host.conf\n"
                                "pfs:\n"
                                "- name: eth3\n"
                                "  num_vfs: 8\n"
                                "  vfs:\n"
                                "  - {id: 2, mac: \"02:00:00:00:00:02\"}\n"
                                "  params: {flow_steering_mode: smfs}\n", &m, &cfg, &d), 0);
    assert_int_equal(cfg.n_pfs, 2);
    assert_string_equal(cfg.pfs[0].name, "eth2");
    assert_int_equal(cfg.pfs[0].num_vfs, OO_CFG_NUM_VFS_TOTAL);
    pf = &cfg.pfs[1];
    assert_string_equal(pf->name, "eth3");
    assert_string_equal(pf->netdev, "eth3");
    assert_int_equal(pf->eswitch, OO_ESWITCH_SWITCHDEV);
    assert_int_equal(pf->num_vfs, 8);
    assert_int_equal(pf->at[OO_CFG_PF_NUM_VFS].file, 0);
    assert_int_equal(pf->at[OO_CFG_PF_NUM_VFS].line, 5);
    assert_int_equal(pf->loc.file, 1);          /* the NIC itself: host.conf's */
    assert_int_equal(pf->n_vfs, 1);
    assert_int_equal(pf->vfs[0].id, 2);
    assert_true(pf->vfs[0].has_mac);
    assert_int_equal(pf->n_params, 1);
    assert_string_equal(pf->params[0].name, "flow_steering_mode");
    /* The bridges still find their uplinks. */
    assert_int_equal(cfg.bridges[1].uplink.kind, OO_CFG_REF_PF);
    assert_int_equal(cfg.bridges[1].uplink.index, 1);
    cfgtest_done(&cfg, &d);

    /* Checked as any pf: a VF beyond the count given. The key path names
     * the YAML's entry (eth3 is host.conf's second PF). */
    assert_int_equal(parse_with("version: 1\nhostconf: /etc/yunion/host.conf\n"
                                "pfs: [{name: eth3, num_vfs: 2, vfs: [{id: 5, mac: \"02:00:00:00:00:05\"}]}]\n",
                                &m, &cfg, &d), -EINVAL);
    assert_cfg_error(&d, 0, 0, "pfs[0].vfs[0].id", "");
    cfgtest_done(&cfg, &d);

    /* Not a PF (a bond), twice, or what host.conf decides. */
    assert_int_equal(parse_with("version: 1\n"
                                "hostconf: /etc/yunion/host.conf\n"
                                "pfs:\n"
                                "- {name: bond0}\n"
                                "- {name: eth9, netdev: eth9}\n"
                                "- {name: eth2, netdev: eth2}\n"
                                "- {name: eth3, eswitch: legacy}\n"
                                "- {name: eth3, num_vfs: 4}\n", &m, &cfg, &d), -EINVAL);
    assert_cfg_error(&d, 4, 10, "pfs[0].name", "'bond0' is a bond host.conf offloads");
    assert_cfg_error(&d, 5, 24, "pfs[1].netdev", "the PF is the netdev the name names");
    assert_cfg_error(&d, 6, 24, "pfs[2].netdev", "the PF is the netdev the name names");
    assert_cfg_error(&d, 7, 25, "pfs[3].eswitch", "in switchdev");
    assert_cfg_error(&d, 8, 10, "pfs[4].name", "'eth3' is given twice");
    assert_cfg_count(&d, 5);
    cfgtest_done(&cfg, &d);
}

/* pfs entries also give settings to the members of a bond host.conf
 * offloads, by netdev name (which bond holds them, the planner reads from
 * the host): VF-LAG's limits apply; without such a bond they are refused. */
static void test_yaml_hostconf_bond_members(void **state)
{
    struct mem_files m = {
        .path = { "/etc/yunion/host.conf" },
        .text = { "networks: [eth2/br1/x, bond0/br3/x]\n"
                  "ovs_offload_nics: [eth2, bond0]\n" },
    };
    struct oo_config cfg;
    struct oo_cfg_diag d;
    const struct oo_cfg_pf *pf;

    assert_int_equal(parse_with("version: 1\n"
                                "hostconf: /etc/yunion/host.conf\n"
                                "pfs:\n"
                                "- {name: eth4, num_vfs: 8, params: {flow_steering_mode: smfs}}\n"
                                "- {name: eth5, num_vfs: 8}\n"
                                "- {name: eth2, num_vfs: 4}\n"
                                "tc: {rules: [{name: a, dev: bond0, prio: 10, match: {eth_type: ipv4}, "
                                "actions: [{redirect: eth4/7}]}]}\n", &m, &cfg, &d), 0);
    assert_int_equal(cfg.n_pfs, 3);
    assert_false(cfg.pfs[0].host_bond_member);
    assert_int_equal(cfg.pfs[0].num_vfs, 4);
    pf = &cfg.pfs[1];
    assert_string_equal(pf->name, "eth4");
    assert_string_equal(pf->netdev, "eth4");
    assert_true(pf->host_bond_member);
    assert_int_equal(pf->eswitch, OO_ESWITCH_SWITCHDEV);
    assert_int_equal(pf->num_vfs, 8);
    assert_int_equal(pf->n_params, 1);
    assert_int_equal(pf->loc.file, 0);          /* the YAML's entry */
    assert_int_equal(pf->at[OO_CFG_PF_NAME].line, 4);
    assert_true(cfg.pfs[2].host_bond_member);
    assert_int_equal(cfg.rules[0].actions[0].dev.kind, OO_CFG_REF_VF);
    assert_int_equal(cfg.rules[0].actions[0].dev.index, 1);
    cfgtest_done(&cfg, &d);

    /* VF-LAG's limits, its shared block, a NIC not there (waited for, as
     * host.conf's are), twice. */
    assert_int_equal(parse_with("version: 1\n"
                                "hostconf: /etc/yunion/host.conf\n"
                                "pfs:\n"
                                "- {name: eth4, num_vfs: 100}\n"
                                "- {name: eth5, multiport: true}\n"
                                "- {name: gone6, num_vfs: 2}\n"
                                "- {name: eth4, num_vfs: 2}\n"
                                "tc: {rules: [{name: a, dev: eth5, prio: 10, actions: [drop]}]}\n",
                                &m, &cfg, &d), -EINVAL);
    assert_cfg_error(&d, 4, 25, "pfs[0].num_vfs", "100 VFs on a VF-LAG member");
    assert_cfg_error(&d, 5, 27, "pfs[1].multiport", "exclusive LAG modes");
    assert_cfg_error(&d, 6, 10, "pfs[2].name", "no network interface 'gone6'");
    assert_cfg_error(&d, 7, 10, "pfs[3].name", "'eth4' is given twice");
    assert_cfg_error(&d, 8, 29, "tc.rules[0].dev", "'eth5' is a member of a bond host.conf offloads");
    assert_cfg_count(&d, 5);
    assert_int_equal(d.n_missing_nics, 1);
    cfgtest_done(&cfg, &d);

    /* No bond in host.conf: a name that is not its PF is refused. */
    m.text[0] = "networks: [eth2/br1/x]\novs_offload_nics: [eth2]\n";
    assert_int_equal(parse_with("version: 1\nhostconf: /etc/yunion/host.conf\n"
                                "pfs: [{name: eth4, num_vfs: 8}]\n", &m, &cfg, &d), -EINVAL);
    assert_cfg_error(&d, 3, 14, "pfs[0].name", "'eth4' is not a PF that host.conf offloads");
    assert_cfg_count(&d, 1);
    cfgtest_done(&cfg, &d);
}

/* Errors name their own file: the YAML's keys, host.conf's lines; a NIC
 * missing on the host is counted as in host.conf mode (the daemon waits). */
static void test_yaml_hostconf_errors(void **state)
{
    struct mem_files m = {
        .path = { "/etc/yunion/host.conf", "/etc/yunion/gone.conf" },
        .text = { "networks:\n- gone0/br1/x\novs_offload_nics:\n- gone0\n",
                  "networks:\n- eth2/br1/x\novs_offload_nics:\n- eth3\n" },
    };
    struct oo_config cfg;
    struct oo_cfg_diag d;
    char line[512];

    /* What host.conf makes cannot be written too; hw_offload false
     * contradicts host-agent. The file is still read. */
    assert_int_equal(parse_with("version: 1\n"
                                "hostconf: /etc/yunion/host.conf\n"
                                "ovs: {hw_offload: false}\n"
                                "bonds: []\n"
                                "bridges: []\n", &m, &cfg, &d), -EINVAL);
    assert_cfg_error(&d, 4, 8, "bonds", "not with 'hostconf'");
    assert_cfg_error(&d, 5, 10, "bridges", "not with 'hostconf'");
    assert_cfg_error(&d, 3, 19, "ovs.hw_offload", "cannot be false");
    /* host.conf's own error, in its file. */
    assert_int_equal(d.n_missing_nics, 1);
    assert_cfg_count(&d, 4);
    oo_cfg_diag_sort(&d);
    oo_cfg_error_format(&d, d.n_errors - 1, line, sizeof line);
    assert_non_null(strstr(line, "/etc/yunion/host.conf:4:3: "));
    assert_non_null(strstr(line, "no network interface 'gone0'"));
    oo_cfg_error_format(&d, 0, line, sizeof line);
    assert_non_null(strstr(line, "t.yaml:3:19: ovs.hw_offload: "));
    cfgtest_done(&cfg, &d);

    /* Only the missing NIC: the daemon may wait for it. */
    assert_int_equal(parse_with("version: 1\nhostconf: /etc/yunion/host.conf\n", &m, &cfg, &d),
                     -EINVAL);
    assert_cfg_count(&d, 1);
    assert_int_equal(d.n_missing_nics, 1);
    cfgtest_done(&cfg, &d);

    /* A validation error on a derived object points into host.conf: eth3
     * is not in networks. */
    assert_int_equal(parse_with("version: 1\nhostconf: /etc/yunion/gone.conf\n", &m, &cfg, &d),
                     -EINVAL);
    assert_cfg_count(&d, 1);
    oo_cfg_error_format(&d, 0, line, sizeof line);
    assert_non_null(strstr(line, "/etc/yunion/gone.conf:4:3: "));
    cfgtest_done(&cfg, &d);

    /* Unreadable, relative, or no reader (a parse without I/O). */
    assert_int_equal(parse_with("version: 1\nhostconf: /etc/none.conf\n", &m, &cfg, &d), -EINVAL);
    assert_cfg_error(&d, 2, 11, "hostconf", "cannot read /etc/none.conf: No such file or directory");
    cfgtest_done(&cfg, &d);
    assert_int_equal(parse_with("version: 1\nhostconf: host.conf\n", &m, &cfg, &d), -EINVAL);
    assert_cfg_error(&d, 2, 11, "hostconf", "not an absolute path");
    cfgtest_done(&cfg, &d);
    assert_int_equal(cfgtest_yaml("version: 1\nhostconf: /etc/yunion/host.conf\n", &cfg, &d), -EINVAL);
    assert_cfg_error(&d, 2, 11, "hostconf", "read only when the config is loaded from a file");
    cfgtest_done(&cfg, &d);
}

/* The load reads both files and its digest covers both: a change of
 * host.conf alone is a change of the config (--watch-config, the daemon
 * state). */
static void test_yaml_hostconf_load(void **state)
{
    char *dir = fixture_mkdtemp();
    char yaml[512], hc[512], text[1024];
    struct oo_config a, b;
    struct oo_cfg_diag d;
    uint64_t h;

    snprintf(hc, sizeof hc, "%s/host.conf", dir);
    snprintf(yaml, sizeof yaml, "%s/config.yaml", dir);
    fixture_write(dir, "host.conf", "networks: [lo/br1/x]\novs_offload_nics: [lo]\n");
    snprintf(text, sizeof text, "version: 1\nhostconf: %s\n", hc);
    fixture_write(dir, "config.yaml", text);
    oo_cfg_diag_init(&d, NULL);
    assert_int_equal(oo_config_load_yaml(yaml, &a, &d), 0);
    assert_int_equal(a.n_pfs, 1);
    assert_string_equal(a.pfs[0].netdev, "lo");
    assert_true(a.digest != oo_digest(text, strlen(text)));
    assert_int_equal(oo_config_file_digest(yaml, a.hostconf, &h), 0);
    assert_true(h == a.digest);
    /* The same YAML, another host.conf. */
    fixture_write(dir, "host.conf", "networks: [lo/br2/x]\novs_offload_nics: [lo]\n");
    assert_int_equal(oo_config_file_digest(yaml, a.hostconf, &h), 0);
    assert_true(h != a.digest);
    assert_int_equal(oo_config_load_yaml(yaml, &b, &d), 0);
    assert_true(b.digest == h);
    assert_string_equal(b.bridges[0].name, "br2");
    oo_config_free(&b);
    /* host.conf gone: the digest is the YAML's with nothing for it, as the
     * rejected load's. */
    fixture_rmtree(hc);
    assert_int_equal(oo_config_file_digest(yaml, a.hostconf, &h), 0);
    assert_int_equal(oo_config_load_yaml(yaml, &b, &d), -EINVAL);
    assert_true(b.digest == h);
    assert_true(h == oo_digest(text, strlen(text)));
    oo_config_free(&a);
    oo_config_free(&b);
    oo_cfg_diag_free(&d);
    fixture_rmtree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pf_nic),
        cmocka_unit_test(test_bond_nic),
        cmocka_unit_test(test_several),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_missing_nics),
        cmocka_unit_test(test_sysfs_probe),
        cmocka_unit_test(test_load),
        cmocka_unit_test(test_yaml_hostconf),
        cmocka_unit_test(test_yaml_hostconf_pfs),
        cmocka_unit_test(test_yaml_hostconf_bond_members),
        cmocka_unit_test(test_yaml_hostconf_errors),
        cmocka_unit_test(test_yaml_hostconf_load),
    };
    return cmocka_run_group_tests_name("config-hostconf", tests, NULL, NULL);
}
