/* enum <-> string tables of the config, spelled as in the YAML (and, where
 * one exists, as the kernel or OVS spells the value), so that config, plan
 * output, JSON and metrics agree. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/util.h"
#include "config/config.h"
#include "config/names.h"

static const char *const tc_policies[] = {
    [OO_CFG_TC_POLICY_NONE] = "none",
    [OO_CFG_TC_POLICY_SKIP_SW] = "skip_sw",
    [OO_CFG_TC_POLICY_SKIP_HW] = "skip_hw",
};

static const char *const restarts[] = {
    [OO_CFG_RESTART_NEVER] = "never",
    [OO_CFG_RESTART_IF_NEEDED] = "if-needed",
};

static const char *const link_states[] = {
    [OO_CFG_LINK_STATE_AUTO] = "auto",
    [OO_CFG_LINK_STATE_ENABLE] = "enable",
    [OO_CFG_LINK_STATE_DISABLE] = "disable",
};

static const char *const bond_modes[] = {
    [OO_CFG_BOND_BALANCE_RR] = "balance-rr",
    [OO_CFG_BOND_ACTIVE_BACKUP] = "active-backup",
    [OO_CFG_BOND_BALANCE_XOR] = "balance-xor",
    [OO_CFG_BOND_BROADCAST] = "broadcast",
    [OO_CFG_BOND_8023AD] = "802.3ad",
    [OO_CFG_BOND_BALANCE_TLB] = "balance-tlb",
    [OO_CFG_BOND_BALANCE_ALB] = "balance-alb",
};

static const char *const xmit_hashes[] = {
    [OO_CFG_XMIT_LAYER2] = "layer2",
    [OO_CFG_XMIT_LAYER34] = "layer3+4",
    [OO_CFG_XMIT_LAYER23] = "layer2+3",
    [OO_CFG_XMIT_ENCAP23] = "encap2+3",
    [OO_CFG_XMIT_ENCAP34] = "encap3+4",
    [OO_CFG_XMIT_VLAN_SRCMAC] = "vlan+srcmac",
};

static const char *const lacp_rates[] = {
    [OO_CFG_LACP_SLOW] = "slow",
    [OO_CFG_LACP_FAST] = "fast",
};

static const char *const tc_skips[] = {
    [OO_CFG_SKIP_NONE] = "none",
    [OO_CFG_SKIP_SW] = "sw",
    [OO_CFG_SKIP_HW] = "hw",
};

static const char *const actions[] = {
    [OO_CFG_ACT_REDIRECT] = "redirect",
    [OO_CFG_ACT_MIRROR] = "mirror",
    [OO_CFG_ACT_DROP] = "drop",
    [OO_CFG_ACT_PASS] = "pass",
    [OO_CFG_ACT_VLAN_PUSH] = "vlan_push",
    [OO_CFG_ACT_VLAN_POP] = "vlan_pop",
    [OO_CFG_ACT_VLAN_MODIFY] = "vlan_modify",
    [OO_CFG_ACT_GOTO_CHAIN] = "goto_chain",
};

/* Sparse tables (values are protocol numbers). */
static const struct oo_cfg_sparse_name eth_types[] = {
    { 0x0800, "ipv4" },
    { 0x86dd, "ipv6" },
    { 0x0806, "arp" },
    { 0x8100, "802.1q" },
};

static const struct oo_cfg_sparse_name ip_protos[] = {
    { 1, "icmp" },
    { 6, "tcp" },
    { 17, "udp" },
    { 58, "icmpv6" },
    { 132, "sctp" },
};

#define TABLE(t) { t, OO_ARRAY_SIZE(t) }
const struct oo_cfg_names oo_cfg_names_tc_policy = TABLE(tc_policies);
const struct oo_cfg_names oo_cfg_names_restart = TABLE(restarts);
const struct oo_cfg_names oo_cfg_names_link_state = TABLE(link_states);
const struct oo_cfg_names oo_cfg_names_bond_mode = TABLE(bond_modes);
const struct oo_cfg_names oo_cfg_names_xmit_hash = TABLE(xmit_hashes);
const struct oo_cfg_names oo_cfg_names_lacp_rate = TABLE(lacp_rates);
const struct oo_cfg_names oo_cfg_names_tc_skip = TABLE(tc_skips);
const struct oo_cfg_names oo_cfg_names_action = TABLE(actions);
const struct oo_cfg_sparse_names oo_cfg_names_eth_type = TABLE(eth_types);
const struct oo_cfg_sparse_names oo_cfg_names_ip_proto = TABLE(ip_protos);
/* eswitch names live in devlink/names.c; this view lists them for messages. */
static const char *const eswitch_modes[] = { "legacy", "switchdev" };
const struct oo_cfg_names oo_cfg_names_eswitch = TABLE(eswitch_modes);
/* As devlink(8) spells them (devlink/names.c has the same tables). */
static const char *const inline_modes[] = { "none", "link", "network", "transport" };
const struct oo_cfg_names oo_cfg_names_inline = TABLE(inline_modes);
static const char *const encap_modes[] = { "none", "basic" };
const struct oo_cfg_names oo_cfg_names_encap = TABLE(encap_modes);

const char *oo_cfg_name_of(const struct oo_cfg_names *t, int v)
{
    return v >= 0 && (size_t)v < t->n ? t->names[v] : NULL;
}

int oo_cfg_value_of(const struct oo_cfg_names *t, const char *s)
{
    if (s)
        for (size_t i = 0; i < t->n; i++)
            if (t->names[i] && !strcmp(t->names[i], s))
                return (int)i;
    return -EINVAL;
}

const char *oo_cfg_sparse_name_of(const struct oo_cfg_sparse_names *t, int v)
{
    for (size_t i = 0; i < t->n; i++)
        if (t->v[i].value == v)
            return t->v[i].name;
    return NULL;
}

int oo_cfg_sparse_value_of(const struct oo_cfg_sparse_names *t, const char *s)
{
    if (s)
        for (size_t i = 0; i < t->n; i++)
            if (!strcmp(t->v[i].name, s))
                return t->v[i].value;
    return -EINVAL;
}

#define NAMES(fn, table)                                                   \
    const char *oo_cfg_##fn##_to_string(int v)                             \
    { return oo_cfg_name_of(&table, v); }                                  \
    int oo_cfg_##fn##_from_string(const char *s)                           \
    { return oo_cfg_value_of(&table, s); }

NAMES(tc_policy, oo_cfg_names_tc_policy)
NAMES(link_state, oo_cfg_names_link_state)
NAMES(bond_mode, oo_cfg_names_bond_mode)
NAMES(xmit_hash, oo_cfg_names_xmit_hash)
NAMES(lacp_rate, oo_cfg_names_lacp_rate)
NAMES(tc_skip, oo_cfg_names_tc_skip)
NAMES(action, oo_cfg_names_action)

const char *oo_cfg_restart_to_string(int v)
{
    return oo_cfg_name_of(&oo_cfg_names_restart, v);
}

int oo_cfg_restart_from_string(const char *s)
{
    /* The spelling is "if-needed"; accept the underscore form that
     * tc_policy's values use, so that neither guess is an error. */
    if (s && !strcmp(s, "if_needed"))
        return OO_CFG_RESTART_IF_NEEDED;
    return oo_cfg_value_of(&oo_cfg_names_restart, s);
}

const char *oo_cfg_eth_type_to_string(int v)
{
    return oo_cfg_sparse_name_of(&oo_cfg_names_eth_type, v);
}

int oo_cfg_eth_type_from_string(const char *s)
{
    return oo_cfg_sparse_value_of(&oo_cfg_names_eth_type, s);
}

const char *oo_cfg_eth_type_describe(int v, char buf[16])
{
    const char *name = oo_cfg_eth_type_to_string(v);

    if (name)
        return name;
    if (v < 0)
        return "unset (all)";
    snprintf(buf, 16, "0x%04x", (unsigned)v);
    return buf;
}

const char *oo_cfg_ip_proto_to_string(int v)
{
    return oo_cfg_sparse_name_of(&oo_cfg_names_ip_proto, v);
}

int oo_cfg_ip_proto_from_string(const char *s)
{
    return oo_cfg_sparse_value_of(&oo_cfg_names_ip_proto, s);
}

bool oo_cfg_bond_mode_vflag_ok(int mode)
{
    return mode == OO_CFG_BOND_ACTIVE_BACKUP || mode == OO_CFG_BOND_BALANCE_XOR ||
           mode == OO_CFG_BOND_8023AD;
}

size_t oo_cfg_names_join(const char *const *names, size_t n, char *buf, size_t size)
{
    size_t len = 0;

    if (size)
        buf[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        int r;

        if (!names[i])
            continue;
        r = snprintf(buf + len, size - len, "%s%s", len ? ", " : "", names[i]);
        if (r < 0 || (size_t)r >= size - len)
            return len;
        len += (size_t)r;
    }
    return len;
}

/* ---- YAML keys of each object, indexed by the key enums of config.h ---- */

const char *const oo_cfg_top_keys[OO_CFG_KEY_N_KEYS] = {
    [OO_CFG_KEY_VERSION] = "version", [OO_CFG_KEY_OVS] = "ovs", [OO_CFG_KEY_PFS] = "pfs",
    [OO_CFG_KEY_BONDS] = "bonds", [OO_CFG_KEY_BRIDGES] = "bridges", [OO_CFG_KEY_TC] = "tc",
    [OO_CFG_KEY_WAITS] = "waits", [OO_CFG_KEY_HOSTCONF] = "hostconf",
};
const char *const oo_cfg_ovs_keys[OO_CFG_OVS_N_KEYS] = {
    [OO_CFG_OVS_DB] = "db", [OO_CFG_OVS_HW_OFFLOAD] = "hw_offload",
    [OO_CFG_OVS_TC_POLICY] = "tc_policy", [OO_CFG_OVS_MAX_IDLE_MS] = "max_idle_ms",
    [OO_CFG_OVS_RESTART] = "restart", [OO_CFG_OVS_RESTART_COMMAND] = "restart_command",
};
const char *const oo_cfg_waits_keys[OO_CFG_WAITS_N_KEYS] = {
    [OO_CFG_WAITS_TIMEOUT_S] = "timeout_s", [OO_CFG_WAITS_LAG_SETTLE_S] = "lag_settle_s",
    [OO_CFG_WAITS_UDEV_S] = "udev_s",
};
const char *const oo_cfg_pf_keys[OO_CFG_PF_N_KEYS] = {
    [OO_CFG_PF_NAME] = "name", [OO_CFG_PF_DEVICE] = "device", [OO_CFG_PF_NETDEV] = "netdev",
    [OO_CFG_PF_ESWITCH] = "eswitch", [OO_CFG_PF_NUM_VFS] = "num_vfs",
    [OO_CFG_PF_PARAMS] = "params", [OO_CFG_PF_MULTIPORT] = "multiport", [OO_CFG_PF_VFS] = "vfs",
    [OO_CFG_PF_INLINE_MODE] = "inline_mode", [OO_CFG_PF_ENCAP_MODE] = "encap_mode",
    [OO_CFG_PF_REPRESENTOR_IPV6] = "representor_ipv6",
};
const char *const oo_cfg_vf_keys[OO_CFG_VF_N_KEYS] = {
    [OO_CFG_VF_ID] = "id", [OO_CFG_VF_MAC] = "mac", [OO_CFG_VF_VLAN] = "vlan",
    [OO_CFG_VF_QOS] = "qos", [OO_CFG_VF_TRUST] = "trust", [OO_CFG_VF_SPOOFCHK] = "spoofchk",
    [OO_CFG_VF_LINK_STATE] = "link_state", [OO_CFG_VF_MAX_TX_RATE] = "max_tx_rate",
    [OO_CFG_VF_MIN_TX_RATE] = "min_tx_rate", [OO_CFG_VF_MIGRATABLE] = "migratable",
};
const char *const oo_cfg_bond_keys[OO_CFG_BOND_N_KEYS] = {
    [OO_CFG_BOND_NAME] = "name", [OO_CFG_BOND_MODE] = "mode",
    [OO_CFG_BOND_MEMBERS] = "members", [OO_CFG_BOND_MIIMON] = "miimon",
    [OO_CFG_BOND_XMIT_HASH_POLICY] = "xmit_hash_policy",
    [OO_CFG_BOND_LACP_RATE] = "lacp_rate", [OO_CFG_BOND_PRIMARY] = "primary",
};
const char *const oo_cfg_bridge_keys[OO_CFG_BRIDGE_N_KEYS] = {
    [OO_CFG_BRIDGE_NAME] = "name", [OO_CFG_BRIDGE_UPLINK] = "uplink",
    [OO_CFG_BRIDGE_REPRESENTORS] = "representors",
};
const char *const oo_cfg_tc_keys[OO_CFG_TC_N_KEYS] = {
    [OO_CFG_TC_RULES] = "rules", [OO_CFG_TC_MPV] = "mpv",
};
const char *const oo_cfg_rule_keys[OO_CFG_RULE_N_KEYS] = {
    [OO_CFG_RULE_NAME] = "name", [OO_CFG_RULE_DEV] = "dev", [OO_CFG_RULE_CHAIN] = "chain",
    [OO_CFG_RULE_PRIO] = "prio", [OO_CFG_RULE_MATCH] = "match",
    [OO_CFG_RULE_ACTIONS] = "actions", [OO_CFG_RULE_SKIP] = "skip",
};
const char *const oo_cfg_match_keys[OO_CFG_M_N_KEYS] = {
    [OO_CFG_M_ETH_TYPE] = "eth_type", [OO_CFG_M_SRC_MAC] = "src_mac",
    [OO_CFG_M_DST_MAC] = "dst_mac", [OO_CFG_M_VLAN_ID] = "vlan_id",
    [OO_CFG_M_VLAN_PRIO] = "vlan_prio", [OO_CFG_M_IP_PROTO] = "ip_proto",
    [OO_CFG_M_SRC_IP] = "src_ip", [OO_CFG_M_DST_IP] = "dst_ip",
    [OO_CFG_M_SRC_PORT] = "src_port", [OO_CFG_M_DST_PORT] = "dst_port",
};
const char *const oo_cfg_mpv_keys[OO_CFG_MPV_N_KEYS] = {
    [OO_CFG_MPV_NAME] = "name", [OO_CFG_MPV_VFS] = "vfs", [OO_CFG_MPV_IP] = "ip",
};
