/* The desired state: what the admin wants the host to look like, parsed from
 * the YAML config (or derived from Cloudpods' host.conf) and validated. This
 * is the contract the planner consumes; it never changes after validation.
 *
 * Conventions used by every type below:
 *   - "unset" is -1 (OO_CFG_UNSET) for tri-states, enums and optional numbers:
 *     the controller leaves that property as it finds it on the host;
 *   - tri-states are int: -1 unset, 0 false, 1 true;
 *   - enums are int members holding an enum oo_cfg_* value (or -1);
 *   - every object records where it was written (struct oo_src_loc), and
 *     at[K] records where the value of its key K was written ({0,0} when the
 *     key was absent), so that later layers can point back to the config;
 *   - key paths in messages are dotted with 0-based list indices:
 *     pfs[0].vfs[1].vlan, bonds[0].members[1], tc.rules[2].match.dst_ip.
 *
 * Library code: nothing here logs or exits. Errors are collected in a
 * struct oo_cfg_diag (config/diag.h). */
#ifndef OO_CONFIG_CONFIG_H
#define OO_CONFIG_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/diag.h"
#include "devlink/devlink.h"

#define OO_CFG_UNSET (-1)
/* num_vfs in host.conf mode: "every VF the device offers" (sriov_totalvfs),
 * which is what Cloudpods host-agent writes itself. The planner resolves it. */
#define OO_CFG_NUM_VFS_TOTAL (-2)

/* Limits shared by parser and validator (each explained in docs/config.md). */
#define OO_CFG_MAX_VF_ID 65534          /* PCI SR-IOV TotalVFs is 16 bits */
#define OO_CFG_VF_ID_NONE UINT32_MAX   /* a VF id the parser reported */
#define OO_CFG_MAX_NUM_VFS 65535
#define OO_CFG_VFLAG_MAX_VFS 64         /* mlx5 refuses VF-LAG above 64 VFs per PF */
#define OO_CFG_MAX_CHAIN 0x0fffffffu    /* goto_chain carries 28 bits (TC_ACT_EXT_VAL_MASK) */
#define OO_CFG_MAX_REPRESENTORS 65536   /* expanded (pf, vf) pairs in one config */
#define OO_CFG_MAX_NAME 63              /* pf, rule and mpv names (bonds, bridges: 15, IFNAMSIZ - 1) */

/* ------------------------------------------------------------------ enums */

/* ovs.tc_policy: Open_vSwitch other_config:tc-policy. */
enum oo_cfg_tc_policy {
    OO_CFG_TC_POLICY_NONE,        /* "none": hw if possible, else sw */
    OO_CFG_TC_POLICY_SKIP_SW,     /* "skip_sw" */
    OO_CFG_TC_POLICY_SKIP_HW,     /* "skip_hw" */
    OO_CFG_TC_POLICY_MAX,
};

/* ovs.restart: may the controller restart ovs-vswitchd (hw-offload and
 * tc-policy are read once per ovs-vswitchd lifetime). */
enum oo_cfg_restart {
    OO_CFG_RESTART_NEVER,         /* "never": report that a restart is needed */
    OO_CFG_RESTART_IF_NEEDED,     /* "if-needed": run restart_command when needed */
    OO_CFG_RESTART_MAX,
};

/* pfs[].vfs[].link_state: IFLA_VF_LINK_STATE_* (legacy eswitch only). */
enum oo_cfg_link_state {
    OO_CFG_LINK_STATE_AUTO = 0,   /* "auto": follows the PF */
    OO_CFG_LINK_STATE_ENABLE = 1, /* "enable" */
    OO_CFG_LINK_STATE_DISABLE = 2,/* "disable" */
    OO_CFG_LINK_STATE_MAX,
};

/* bonds[].mode: the kernel's BOND_MODE_* numbers. Every kernel mode has a
 * name so that the validator can say why a mode is refused; VF-LAG accepts
 * only active-backup, balance-xor and 802.3ad. */
enum oo_cfg_bond_mode {
    OO_CFG_BOND_BALANCE_RR = 0,   /* "balance-rr" (refused) */
    OO_CFG_BOND_ACTIVE_BACKUP = 1,/* "active-backup" */
    OO_CFG_BOND_BALANCE_XOR = 2,  /* "balance-xor" */
    OO_CFG_BOND_BROADCAST = 3,    /* "broadcast" (refused) */
    OO_CFG_BOND_8023AD = 4,       /* "802.3ad" (LACP) */
    OO_CFG_BOND_BALANCE_TLB = 5,  /* "balance-tlb" (refused) */
    OO_CFG_BOND_BALANCE_ALB = 6,  /* "balance-alb" (refused) */
    OO_CFG_BOND_MODE_MAX,
};

/* bonds[].xmit_hash_policy: the kernel's BOND_XMIT_POLICY_* numbers. */
enum oo_cfg_xmit_hash {
    OO_CFG_XMIT_LAYER2 = 0,       /* "layer2" */
    OO_CFG_XMIT_LAYER34 = 1,      /* "layer3+4" */
    OO_CFG_XMIT_LAYER23 = 2,      /* "layer2+3" */
    OO_CFG_XMIT_ENCAP23 = 3,      /* "encap2+3" */
    OO_CFG_XMIT_ENCAP34 = 4,      /* "encap3+4" */
    OO_CFG_XMIT_VLAN_SRCMAC = 5,  /* "vlan+srcmac" */
    OO_CFG_XMIT_MAX,
};

/* bonds[].lacp_rate: the kernel's AD_LACP_SLOW/FAST. */
enum oo_cfg_lacp_rate {
    OO_CFG_LACP_SLOW = 0,         /* "slow" */
    OO_CFG_LACP_FAST = 1,         /* "fast" */
    OO_CFG_LACP_MAX,
};

/* tc.rules[].skip: the TCA_CLS_FLAGS_SKIP_* flag of the filter. */
enum oo_cfg_tc_skip {
    OO_CFG_SKIP_NONE,             /* "none": try hardware, keep software */
    OO_CFG_SKIP_SW,               /* "sw": hardware only (skip_sw) */
    OO_CFG_SKIP_HW,               /* "hw": software only (skip_hw) */
    OO_CFG_SKIP_MAX,
};

/* tc.rules[].actions[]: the key of each action, in YAML spelling. */
enum oo_cfg_action_kind {
    OO_CFG_ACT_REDIRECT,          /* "redirect": mirred egress redirect dev */
    OO_CFG_ACT_MIRROR,            /* "mirror": mirred egress mirror dev */
    OO_CFG_ACT_DROP,              /* "drop": gact drop */
    OO_CFG_ACT_PASS,              /* "pass": gact pass (to the stack / OVS) */
    OO_CFG_ACT_VLAN_PUSH,         /* "vlan_push": {id, prio} */
    OO_CFG_ACT_VLAN_POP,          /* "vlan_pop" */
    OO_CFG_ACT_VLAN_MODIFY,       /* "vlan_modify": {id, prio} */
    OO_CFG_ACT_GOTO_CHAIN,        /* "goto_chain": N */
    OO_CFG_ACT_MAX,
};

/* What a struct oo_cfg_ref resolved to (set by oo_config_validate()). */
enum oo_cfg_ref_kind {
    OO_CFG_REF_UNRESOLVED = -1,
    OO_CFG_REF_PF,                /* "pf0": the PF's uplink (representor) netdev */
    OO_CFG_REF_VF,                /* "pf0/3": the representor of VF 3 of pf0 */
    OO_CFG_REF_BOND,              /* "bond0": the bond (its shared ingress block for rules) */
};

/* Name tables: the YAML spelling of each value. to_string returns NULL for a
 * value without a name; from_string returns the value or -EINVAL. */
const char *oo_cfg_tc_policy_to_string(int v);
int oo_cfg_tc_policy_from_string(const char *s);
const char *oo_cfg_restart_to_string(int v);
int oo_cfg_restart_from_string(const char *s);
const char *oo_cfg_link_state_to_string(int v);
int oo_cfg_link_state_from_string(const char *s);
const char *oo_cfg_bond_mode_to_string(int v);
int oo_cfg_bond_mode_from_string(const char *s);
const char *oo_cfg_xmit_hash_to_string(int v);
int oo_cfg_xmit_hash_from_string(const char *s);
const char *oo_cfg_lacp_rate_to_string(int v);
int oo_cfg_lacp_rate_from_string(const char *s);
const char *oo_cfg_tc_skip_to_string(int v);
int oo_cfg_tc_skip_from_string(const char *s);
const char *oo_cfg_action_to_string(int v);
int oo_cfg_action_from_string(const char *s);
/* Ethertypes with a name: ipv4 0x0800, ipv6 0x86dd, arp 0x0806, 802.1q 0x8100.
 * to_string returns NULL for other values. */
const char *oo_cfg_eth_type_to_string(int v);
int oo_cfg_eth_type_from_string(const char *s);
/* eth_type v for people: its name, "0x88cc" for one without, "unset (all)"
 * for -1; in buf (16 bytes) when it is made there. */
const char *oo_cfg_eth_type_describe(int v, char buf[16]);
/* IP protocols with a name: icmp 1, tcp 6, udp 17, icmpv6 58, sctp 132. */
const char *oo_cfg_ip_proto_to_string(int v);
int oo_cfg_ip_proto_from_string(const char *s);

/* True for the bond modes VF-LAG accepts (active-backup, balance-xor, 802.3ad). */
bool oo_cfg_bond_mode_vflag_ok(int mode);

/* --------------------------------------------------------------- objects */

/* "pf0", "pf0/3" or "bond0" in the config: a netdev to attach a rule to or
 * to redirect to, or one VF of an MPV pair. */
struct oo_cfg_ref {
    char *name;                   /* the pf or bond name as written */
    int32_t vf;                   /* VF id for "pf/N", -1 for "pf" or "bond" */
    int kind;                     /* enum oo_cfg_ref_kind, set by validation */
    int index;                    /* index in cfg->pfs or cfg->bonds, -1 until resolved */
    struct oo_src_loc loc;        /* where the reference is written */
};

/* An IPv4 or IPv6 address, with a prefix length for matches. */
struct oo_cfg_ip {
    int family;                   /* AF_INET, AF_INET6; 0 = not given */
    uint8_t addr[16];             /* network byte order; IPv4 in addr[0..3] */
    uint8_t prefix;               /* 0..32 or 0..128; full length when not written */
};

/* A MAC address match with a mask ("02:00:00:00:00:01/ff:ff:ff:00:00:00" or "/24"). */
struct oo_cfg_mac {
    bool set;                     /* given in the config */
    uint8_t addr[6];
    uint8_t mask[6];              /* all ones when no mask was written */
};

/* ---- ovs ---- */
enum oo_cfg_ovs_key {
    OO_CFG_OVS_DB, OO_CFG_OVS_HW_OFFLOAD, OO_CFG_OVS_TC_POLICY, OO_CFG_OVS_MAX_IDLE_MS,
    OO_CFG_OVS_RESTART, OO_CFG_OVS_RESTART_COMMAND, OO_CFG_OVS_N_KEYS,
};
struct oo_cfg_ovs {
    char *db;                     /* OVSDB remote; default "unix:/var/run/openvswitch/db.sock" */
    int hw_offload;               /* other_config:hw-offload, tri-state */
    int tc_policy;                /* other_config:tc-policy, enum oo_cfg_tc_policy or -1 */
    int64_t max_idle_ms;          /* other_config:max-idle (>= 500), -1 unset */
    int restart;                  /* enum oo_cfg_restart; default never */
    char **restart_command;       /* argv, default {systemctl, restart, openvswitch-switch} */
    size_t n_restart_command;
    struct oo_src_loc loc;        /* the ovs mapping */
    struct oo_src_loc at[OO_CFG_OVS_N_KEYS];
};

/* ---- waits ---- */
/* How long apply (and each daemon pass) waits for the hardware, in seconds.
 * Defaults suit a ConnectX-6 Lx making 125 VFs (65 s, sriov-network-operator
 * PR 1019). */
#define OO_CFG_WAIT_TIMEOUT_S 120       /* VFs, representors, a LAG, ovs-vswitchd's restart */
#define OO_CFG_WAIT_LAG_SETTLE_S 10     /* a LAG whose state mlx5 keeps unreadable */
#define OO_CFG_WAIT_UDEV_S 10           /* udev naming the representors */
#define OO_CFG_WAIT_MAX_S 3600
enum oo_cfg_waits_key {
    OO_CFG_WAITS_TIMEOUT_S, OO_CFG_WAITS_LAG_SETTLE_S, OO_CFG_WAITS_UDEV_S, OO_CFG_WAITS_N_KEYS,
};
struct oo_cfg_waits {
    int32_t timeout_s;            /* 1 .. OO_CFG_WAIT_MAX_S; a wait past it fails its step */
    int32_t lag_settle_s;         /* 0 .. timeout_s: given to mlx5 to form a LAG it does not report */
    int32_t udev_s;               /* 0 .. timeout_s: then representors are taken as they are named */
    struct oo_src_loc loc;        /* the waits mapping */
    struct oo_src_loc at[OO_CFG_WAITS_N_KEYS];
};

/* ---- pfs ---- */
struct oo_cfg_param {
    char *name;                   /* devlink param name, e.g. flow_steering_mode */
    char *value;                  /* its value as written (runtime cmode) */
    struct oo_src_loc loc;        /* the name */
};

enum oo_cfg_vf_key {
    OO_CFG_VF_ID, OO_CFG_VF_MAC, OO_CFG_VF_VLAN, OO_CFG_VF_QOS, OO_CFG_VF_TRUST,
    OO_CFG_VF_SPOOFCHK, OO_CFG_VF_LINK_STATE, OO_CFG_VF_MAX_TX_RATE, OO_CFG_VF_MIN_TX_RATE,
    OO_CFG_VF_MIGRATABLE, OO_CFG_VF_N_KEYS,
};
/* Per-VF settings, as `ip link set PF vf ID ...` or devlink port function. */
struct oo_cfg_vf {
    uint32_t id;                  /* VF number, < the PF's num_vfs; OO_CFG_VF_ID_NONE
                                   * when the file's is missing or in error */
    bool has_mac;
    uint8_t mac[6];               /* unicast, not zero */
    int32_t vlan;                 /* 0..4095 (0: no VLAN), -1 unset */
    int32_t qos;                  /* 0..7, needs vlan; -1 unset */
    int trust;                    /* tri-state */
    int spoofchk;                 /* tri-state */
    int link_state;               /* enum oo_cfg_link_state or -1; legacy PFs only */
    int64_t max_tx_rate;          /* Mbps, 0 = no limit; -1 unset */
    int64_t min_tx_rate;          /* Mbps, <= max_tx_rate when both are non-zero; -1 unset */
    int migratable;               /* devlink port function migratable, tri-state */
    struct oo_src_loc loc;
    struct oo_src_loc at[OO_CFG_VF_N_KEYS];
};

enum oo_cfg_pf_key {
    OO_CFG_PF_NAME, OO_CFG_PF_DEVICE, OO_CFG_PF_NETDEV, OO_CFG_PF_ESWITCH, OO_CFG_PF_NUM_VFS,
    OO_CFG_PF_PARAMS, OO_CFG_PF_MULTIPORT, OO_CFG_PF_VFS, OO_CFG_PF_INLINE_MODE,
    OO_CFG_PF_ENCAP_MODE, OO_CFG_PF_REPRESENTOR_IPV6, OO_CFG_PF_N_KEYS,
};
struct oo_cfg_pf {
    char *name;                   /* the config's own name, referenced as "pf0", "pf0/3" */
    bool has_device;              /* device given (exactly one of device, netdev) */
    struct oo_dl_handle device;   /* devlink handle, "pci/0000:3b:00.0" */
    char *netdev;                 /* or the PF's netdev name; NULL if device is given */
    int eswitch;                  /* enum oo_eswitch_mode (legacy 0, switchdev 1) or -1 */
    int inline_mode;              /* eswitch inline-mode (DEVLINK_ESWITCH_INLINE_MODE_*) or -1 */
    int encap_mode;               /* eswitch encap-mode (DEVLINK_ESWITCH_ENCAP_MODE_*) or -1 */
    int32_t num_vfs;              /* sriov_numvfs; -1 unset; OO_CFG_NUM_VFS_TOTAL (host.conf) */
    struct oo_cfg_param *params;  /* devlink params set while legacy, in file order */
    size_t n_params;
    int multiport;                /* devlink param esw_multiport (MPV), tri-state */
    /* 1: IPv6 left as the kernel has it on the representors the controller
     * sets up; 0 (default): turned off there (disable_ipv6) before they go up. */
    int representor_ipv6;
    struct oo_cfg_vf *vfs;        /* per-VF settings, in file order */
    size_t n_vfs;
    /* `hostconf:` YAML: settings for a member of a bond host.conf offloads,
     * named by its netdev (name = netdev). The planner finds the bond that
     * holds it on the host, as it finds the bond's other members. */
    bool host_bond_member;
    /* -1; or (hostconf:) the index of the YAML pfs entry that gave it its
     * settings, which key paths in errors name. */
    int key_index;
    struct oo_src_loc loc;
    struct oo_src_loc at[OO_CFG_PF_N_KEYS];
};

/* ---- bonds ---- */
struct oo_cfg_member {
    char *pf;                     /* a pf name; NULL: the file's item was in error */
    int index;                    /* index in cfg->pfs, -1 until resolved */
    struct oo_src_loc loc;
};

enum oo_cfg_bond_key {
    OO_CFG_BOND_NAME, OO_CFG_BOND_MODE, OO_CFG_BOND_MEMBERS, OO_CFG_BOND_MIIMON,
    OO_CFG_BOND_XMIT_HASH_POLICY, OO_CFG_BOND_LACP_RATE, OO_CFG_BOND_PRIMARY, OO_CFG_BOND_N_KEYS,
};
/* A Linux bond over PF uplinks: VF-LAG. */
struct oo_cfg_bond {
    char *name;                   /* the bond netdev, also the reference "bond0" */
    int mode;                     /* enum oo_cfg_bond_mode; -1 only when members_from_host */
    struct oo_cfg_member *members;/* PFs to enslave, in order */
    size_t n_members;
    int32_t miimon;               /* ms; default 100; -1 only when members_from_host */
    int xmit_hash_policy;         /* enum oo_cfg_xmit_hash or -1 (kernel default layer2) */
    int lacp_rate;                /* enum oo_cfg_lacp_rate or -1 (kernel default slow) */
    char *primary;                /* active-backup primary member (a pf name) or NULL */
    /* host.conf mode: the bond is the admin's (the seed makes it by hand). Its
     * members, mode and options are whatever the host has: the controller
     * never creates, enslaves or changes it. members[] is empty; the planner
     * reads the bond's slaves from the host and wants each of them in
     * switchdev with num_vfs OO_CFG_NUM_VFS_TOTAL, as host-agent does. */
    bool members_from_host;
    struct oo_src_loc loc;
    struct oo_src_loc at[OO_CFG_BOND_N_KEYS];
};

/* ---- bridges ---- */
/* "pf0/0-7" as written; "pf0/3" is the range 3-3. */
struct oo_cfg_rep_range {
    char *pf;                     /* NULL: the file's item was in error (no reps) */
    uint32_t first, last;
    struct oo_src_loc loc;
};
/* One VF representor to attach, expanded from the ranges. */
struct oo_cfg_rep {
    int pf;                       /* index in cfg->pfs, -1 until resolved */
    uint32_t vf;                  /* VF id */
    uint32_t range;               /* index in the bridge's ranges (name and position) */
};

enum oo_cfg_bridge_key {
    OO_CFG_BRIDGE_NAME, OO_CFG_BRIDGE_UPLINK, OO_CFG_BRIDGE_REPRESENTORS, OO_CFG_BRIDGE_N_KEYS,
};
struct oo_cfg_bridge {
    char *name;                   /* the OVS bridge */
    bool has_uplink;
    struct oo_cfg_ref uplink;     /* a pf ("pf0") or a bond ("bond0") */
    struct oo_cfg_rep_range *ranges;
    size_t n_ranges;
    struct oo_cfg_rep *reps;      /* expanded, in file order */
    size_t n_reps;
    struct oo_src_loc loc;
    struct oo_src_loc at[OO_CFG_BRIDGE_N_KEYS];
};

/* ---- tc ---- */
enum oo_cfg_match_key {
    OO_CFG_M_ETH_TYPE, OO_CFG_M_SRC_MAC, OO_CFG_M_DST_MAC, OO_CFG_M_VLAN_ID, OO_CFG_M_VLAN_PRIO,
    OO_CFG_M_IP_PROTO, OO_CFG_M_SRC_IP, OO_CFG_M_DST_IP, OO_CFG_M_SRC_PORT, OO_CFG_M_DST_PORT,
    OO_CFG_M_N_KEYS,
};
/* A flower match. Every member -1 / unset when not given. */
struct oo_cfg_match {
    int32_t eth_type;             /* TCA_FLOWER_KEY_ETH_TYPE (the filter's protocol), -1 = all */
    struct oo_cfg_mac src_mac;    /* TCA_FLOWER_KEY_ETH_SRC(_MASK) */
    struct oo_cfg_mac dst_mac;    /* TCA_FLOWER_KEY_ETH_DST(_MASK) */
    int32_t vlan_id;              /* 0..4095, needs eth_type 802.1q; -1 */
    int32_t vlan_prio;            /* 0..7, needs eth_type 802.1q; -1 */
    int32_t ip_proto;             /* 0..255, needs eth_type ipv4/ipv6; -1 */
    struct oo_cfg_ip src_ip;      /* family matches eth_type */
    struct oo_cfg_ip dst_ip;
    int32_t src_port;             /* 0..65535, needs ip_proto tcp/udp/sctp; -1 */
    int32_t dst_port;
    struct oo_src_loc loc;
    struct oo_src_loc at[OO_CFG_M_N_KEYS];
};

struct oo_cfg_action {
    int kind;                     /* enum oo_cfg_action_kind */
    struct oo_cfg_ref dev;        /* redirect, mirror: target netdev */
    int32_t vlan_id;              /* vlan_push, vlan_modify: 0..4095; else -1 */
    int32_t vlan_prio;            /* vlan_push, vlan_modify: 0..7 or -1 */
    uint32_t chain;               /* goto_chain: target chain */
    struct oo_src_loc loc;
};

enum oo_cfg_rule_key {
    OO_CFG_RULE_NAME, OO_CFG_RULE_DEV, OO_CFG_RULE_CHAIN, OO_CFG_RULE_PRIO, OO_CFG_RULE_MATCH,
    OO_CFG_RULE_ACTIONS, OO_CFG_RULE_SKIP, OO_CFG_RULE_N_KEYS,
};
/* A static flower filter on a device's ingress. */
struct oo_cfg_rule {
    char *name;                   /* unique; becomes the filter's ownership mark */
    struct oo_cfg_ref dev;        /* "pf0" uplink, "pf0/3" representor, "bond0" shared block */
    uint32_t chain;               /* 0..OO_CFG_MAX_CHAIN, default 0 */
    uint32_t prio;                /* 1..65535, required */
    struct oo_cfg_match match;
    struct oo_cfg_action *actions;/* at least one, in order */
    size_t n_actions;
    int skip;                     /* enum oo_cfg_tc_skip, -1 = follow ovs.tc_policy */
    struct oo_src_loc loc;
    struct oo_src_loc at[OO_CFG_RULE_N_KEYS];
};

enum oo_cfg_mpv_key { OO_CFG_MPV_NAME, OO_CFG_MPV_VFS, OO_CFG_MPV_IP, OO_CFG_MPV_N_KEYS };
/* A MultiPort vHCA VF pair: one VF on each port, carried by tc rules
 * (uplinkN -> vf_repN for ip, vf_repN -> uplinkN from it). */
/* The tc prio of an MPV pair's filters (chain 0), which validation keeps
 * free of conflicts with tc.rules and the other pairs. */
#define OO_CFG_MPV_PRIO 1

struct oo_cfg_mpv {
    char *name;
    struct oo_cfg_ref vfs[2];     /* "pf0/2", "pf1/2": kind OO_CFG_REF_VF on two PFs */
    struct oo_cfg_ip ip;          /* the VF's address (no prefix) */
    struct oo_src_loc loc;
    struct oo_src_loc at[OO_CFG_MPV_N_KEYS];
};

/* ---- the whole config ---- */
enum oo_config_source {
    OO_CONFIG_SOURCE_NONE,        /* built in memory */
    OO_CONFIG_SOURCE_YAML,        /* the controller's YAML config */
    OO_CONFIG_SOURCE_HOSTCONF,    /* derived from Cloudpods /etc/yunion/host.conf */
};

enum oo_config_key {
    OO_CFG_KEY_VERSION, OO_CFG_KEY_OVS, OO_CFG_KEY_PFS, OO_CFG_KEY_BONDS, OO_CFG_KEY_BRIDGES,
    OO_CFG_KEY_TC, OO_CFG_KEY_WAITS, OO_CFG_KEY_HOSTCONF, OO_CFG_KEY_N_KEYS,
};
enum oo_cfg_tc_key { OO_CFG_TC_RULES, OO_CFG_TC_MPV, OO_CFG_TC_N_KEYS };

struct oo_config {
    int source;                   /* enum oo_config_source */
    char *file;                   /* name given to the parser, for messages */
    uint64_t digest;              /* oo_digest() of the file's bytes, by the load
                                   * functions; 0: not loaded from a file */
    int version;                  /* 1 */
    struct oo_cfg_ovs ovs;
    struct oo_cfg_waits waits;
    struct oo_cfg_pf *pfs;
    size_t n_pfs;
    struct oo_cfg_bond *bonds;
    size_t n_bonds;
    struct oo_cfg_bridge *bridges;
    size_t n_bridges;
    struct oo_cfg_rule *rules;    /* tc.rules */
    size_t n_rules;
    struct oo_cfg_mpv *mpvs;      /* tc.mpv */
    size_t n_mpvs;
    /* VF representors belong to another agent (host.conf mode: Cloudpods
     * host-agent adds each VM's representor itself). The planner must never
     * attach or detach a VF representor on any bridge. */
    bool reps_owned_by_host_agent;
    /* A YAML config's `hostconf:` path: its pfs, bonds and bridges are
     * derived from that host.conf (positions with loc.file 1), the rest
     * is the YAML's own. NULL: none. */
    char *hostconf;
    struct oo_src_loc at[OO_CFG_KEY_N_KEYS];
    struct oo_src_loc tc_at[OO_CFG_TC_N_KEYS];
};

/* YAML key names, indexed by the enums above (for messages and docs). */
extern const char *const oo_cfg_top_keys[OO_CFG_KEY_N_KEYS];
extern const char *const oo_cfg_ovs_keys[OO_CFG_OVS_N_KEYS];
extern const char *const oo_cfg_waits_keys[OO_CFG_WAITS_N_KEYS];
extern const char *const oo_cfg_pf_keys[OO_CFG_PF_N_KEYS];
extern const char *const oo_cfg_vf_keys[OO_CFG_VF_N_KEYS];
extern const char *const oo_cfg_bond_keys[OO_CFG_BOND_N_KEYS];
extern const char *const oo_cfg_bridge_keys[OO_CFG_BRIDGE_N_KEYS];
extern const char *const oo_cfg_tc_keys[OO_CFG_TC_N_KEYS];
extern const char *const oo_cfg_rule_keys[OO_CFG_RULE_N_KEYS];
extern const char *const oo_cfg_match_keys[OO_CFG_M_N_KEYS];
extern const char *const oo_cfg_mpv_keys[OO_CFG_MPV_N_KEYS];

/* ------------------------------------------------------------- functions */

/* Fills cfg with the defaults of an empty config (version 1, ovs defaults,
 * no objects). */
void oo_config_init(struct oo_config *cfg);
/* Frees everything cfg owns and zeroes it (oo_config_init() makes it usable
 * again). NULL-safe; safe on a partly parsed config. */
void oo_config_free(struct oo_config *cfg);
/* r's skip (enum oo_cfg_tc_skip): its own, or the one ovs.tc_policy gives. */
int oo_cfg_rule_skip(const struct oo_config *cfg, const struct oo_cfg_rule *r);

/* OVS's own tc prios. ovs-vswitchd with hw-offload on (OVS 3.x, on a kernel
 * whose flower takes several masks per prio, which it probes: every kernel
 * with mlx5 switchdev does) puts the filters of its IPv4 flows at prio 2 and
 * those of its IPv6 flows at prio 3, with that protocol, on every port it
 * offloads to (lib/netdev-offload-tc.c get_next_available_prio()). tc keeps
 * one protocol per prio, so a filter there of another protocol makes the
 * offload of all those flows fail, and they stay in software. */
#define OO_CFG_OVS_PRIO_IPV4 2
#define OO_CFG_OVS_PRIO_IPV6 3
/* The protocol (ETH_P_IP or ETH_P_IPV6) OVS keeps at (chain, prio), or 0.
 * Only chain 0 is judged: chains above hold OVS's filters only for the
 * recirculation ids it happens to use. */
int oo_cfg_ovs_prio_protocol(uint32_t chain, uint32_t prio);
/* That protocol when rule r has another eth_type there (unset, i.e. all,
 * included); 0 when r leaves OVS's prios alone. */
int oo_cfg_rule_ovs_prio_clash(const struct oo_cfg_rule *r);
/* Whether the config attaches the netdev that rule dev ref names to one of
 * its bridges: a bridge's uplink (pf or bond), or a representor in a
 * bridge's ranges. ref must be resolved. */
bool oo_config_ref_on_bridge(const struct oo_config *cfg, const struct oo_cfg_ref *ref);

/* Parses a YAML config held in buf (len bytes; need not be NUL-terminated),
 * then validates it. name is used in messages (a path or "<stdin>"). cfg is
 * initialised here and must be freed with oo_config_free() whatever the
 * result; every problem is added to diag. Returns 0 if the config is valid,
 * -EINVAL if diag holds errors. Pure: no I/O. */
int oo_config_parse_yaml(const char *name, const void *buf, size_t len,
                         struct oo_config *cfg, struct oo_cfg_diag *diag);
/* How a YAML config's `hostconf:` is read: the file (0 with *ret_buf, which
 * the caller frees, and *ret_len; or -errno), and the probe of its offload
 * NICs (below). */
struct oo_cfg_hostconf_reader {
    int (*read)(const char *path, char **ret_buf, size_t *ret_len, void *arg);
    void *read_arg;
    int (*probe)(const char *netdev, void *userdata);  /* oo_cfg_nic_probe_fn */
    void *probe_data;
};
/* oo_config_parse_yaml(), where a `hostconf:` key is read with reader (NULL:
 * refused, as in oo_config_parse_yaml(), which does no I/O). */
int oo_config_parse_yaml_with(const char *name, const void *buf, size_t len,
                              const struct oo_cfg_hostconf_reader *reader,
                              struct oo_config *cfg, struct oo_cfg_diag *diag);
/* Reads path and does oo_config_parse_yaml(), reading a `hostconf:` file and
 * probing /sys. Returns 0, -EINVAL (errors in diag), or -errno if the file
 * cannot be read (also added to diag). */
int oo_config_load_yaml(const char *path, struct oo_config *cfg, struct oo_cfg_diag *diag);

/* The oo_config.digest a load of path would record now, from the bytes of
 * the file and of the host.conf it names (hostconf, NULL none; what the
 * config in force names) alone (no parse). Returns 0, or -errno if path
 * cannot be read (a host.conf that cannot be read counts as empty, as the
 * load's digest has it). */
int oo_config_file_digest(const char *path, const char *hostconf, uint64_t *ret_digest);

/* host.conf mode: what an offload NIC name is on this host. */
enum oo_cfg_nic_kind {
    OO_CFG_NIC_NETDEV = 0,        /* a netdev that is not a bond: a PF */
    OO_CFG_NIC_BOND = 1,          /* a bond (has /sys/class/net/NAME/bonding) */
};
/* Classifies an offload NIC name: returns enum oo_cfg_nic_kind, -ENOENT if the
 * host has no such netdev, or another -errno. */
typedef int (*oo_cfg_nic_probe_fn)(const char *netdev, void *userdata);
/* The real probe: looks under SYSFS/class/net/NAME, where userdata is the
 * sysfs root as a string, NULL meaning "/sys". */
int oo_cfg_nic_probe_sysfs(const char *netdev, void *userdata);

/* Derives a config from a Cloudpods host.conf held in buf (docs/config.md,
 * "host.conf mode"), then validates it. probe classifies each offload NIC
 * (pass oo_cfg_nic_probe_sysfs, or a fake in tests); it is the only host
 * access. Same ownership and result as oo_config_parse_yaml(). */
int oo_config_parse_hostconf(const char *name, const void *buf, size_t len,
                             oo_cfg_nic_probe_fn probe, void *probe_data,
                             struct oo_config *cfg, struct oo_cfg_diag *diag);
/* Reads path and does oo_config_parse_hostconf() with the sysfs probe on /sys. */
int oo_config_load_hostconf(const char *path, struct oo_config *cfg, struct oo_cfg_diag *diag);

/* The semantic checks (docs/config.md, "Validation") on a parsed or hand-made
 * config; resolves every reference (oo_cfg_ref kind/index, member and
 * representor pf indices). Adds each problem to diag. Returns 0 or -EINVAL.
 * Run by the parse functions; call it directly for configs built in memory. */
int oo_config_validate(struct oo_config *cfg, struct oo_cfg_diag *diag);

/* Index of the pf / bond / bridge named name, or -1. */
int oo_config_find_pf(const struct oo_config *cfg, const char *name);
int oo_config_find_bond(const struct oo_config *cfg, const char *name);
int oo_config_find_bridge(const struct oo_config *cfg, const char *name);

#endif
