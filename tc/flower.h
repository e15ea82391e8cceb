/* tc flower filters: value types, pure encoders and pure decoders.
 *
 * Nothing here touches a socket (tc/io.h does the I/O) and nothing logs. The
 * encoders fill a caller's buffer with one rtnetlink request; the decoders
 * parse one RTM_NEWTFILTER / RTM_NEWQDISC message through policy tables,
 * zeroing the output first and skipping attributes they do not know.
 *
 * Facts from Linux 6.1 (net/sched/cls_flower.c, cls_api.c, act_*.c) the types
 * follow:
 *   - a filter lives on a device's ingress block (tcm_ifindex, parent
 *     ffff:fff2) or on a shared block (tcm_ifindex TCM_IFINDEX_MAGIC_BLOCK,
 *     tcm_block_index); dumps of a device whose ingress qdisc uses a shared
 *     block answer in the block form;
 *   - (chain, prio) selects one classifier instance with one protocol; the
 *     handle selects the filter in it;
 *   - flower dumps a key only when its mask is non-zero and stores keys
 *     unmasked; VLAN id/prio and ip_proto have no mask;
 *   - action statistics: TCA_STATS_BASIC counts every packet (software and
 *     hardware), TCA_STATS_BASIC_HW the hardware part (iproute2 prints the
 *     difference as "software");
 *   - a dump gives, per classifier instance, one message with handle 0 and no
 *     options before its filters (the decoder returns it with id.handle 0). */
#ifndef OO_TC_FLOWER_H
#define OO_TC_FLOWER_H

#include <linux/pkt_cls.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Room for one request built by an encoder of this file (the largest, a
 * flower filter with every key and OO_TC_MAX_ACTIONS actions, is ~1.1 KiB). */
#define OO_TC_MSG_MAX 4096
/* Actions kept per filter. We never write more; a foreign filter with more is
 * decoded with its first OO_TC_MAX_ACTIONS and actions_truncated set. */
#define OO_TC_MAX_ACTIONS 8
/* An action cookie: TC_COOKIE_MAX_SIZE (16) bytes at most. */
#define OO_TC_COOKIE_MAX TC_COOKIE_MAX_SIZE
/* TCA_KIND strings ("flower", "matchall", "mirred", ...). */
#define OO_TC_KIND_MAX 16
/* Whether kind, a kind field of this file's structs (OO_TC_KIND_MAX bytes),
 * is the string literal lit. A compare of constant size, inlined where a
 * strcmp is a call: dumps of tens of thousands of filters classify each
 * one several times. */
#define OO_TC_KIND_IS(kind, lit) \
    (sizeof(lit) <= OO_TC_KIND_MAX && !memcmp((kind), "" lit, sizeof(lit)))
/* tcm_parent of a filter on a device's ingress: TC_H_MAKE(TC_H_CLSACT,
 * TC_H_MIN_INGRESS), the same for the ingress and the clsact qdisc. */
#define OO_TC_PARENT_INGRESS 0xfffffff2u
/* tcm_parent of a filter on a clsact's egress side: TC_H_MAKE(TC_H_CLSACT,
 * TC_H_MIN_EGRESS). ovs-offload writes none there; it only looks. */
#define OO_TC_PARENT_EGRESS 0xfffffff3u

/* Where a filter is, and which one it is. */
struct oo_tc_id {
    uint32_t ifindex;     /* device whose ingress holds it; 0 when block is set */
    uint32_t block;       /* shared block index; 0 = the device's own ingress block */
    uint32_t parent;      /* tcm_parent; 0 means OO_TC_PARENT_INGRESS to encoders */
    uint32_t chain;       /* TCA_CHAIN (absent = 0) */
    uint16_t prio;        /* TC_H_MAJ(tcm_info) >> 16: 1..65535; 0 = kernel picks (add) */
    uint16_t protocol;    /* TC_H_MIN(tcm_info): ETH_P_* in host order, ETH_P_ALL = any.
                           * This is also flower's eth_type key (the encoder sends
                           * TCA_FLOWER_KEY_ETH_TYPE from it unless ETH_P_ALL). */
    uint32_t handle;      /* tcm_handle; 0 = kernel picks (add only) */
};

/* Flower keys present in a match (bits of oo_tc_match.keys). */
enum oo_tc_key {
    OO_TC_KEY_DST_MAC = 1u << 0,      /* TCA_FLOWER_KEY_ETH_DST(_MASK) */
    OO_TC_KEY_SRC_MAC = 1u << 1,      /* TCA_FLOWER_KEY_ETH_SRC(_MASK) */
    OO_TC_KEY_VLAN_ID = 1u << 2,      /* TCA_FLOWER_KEY_VLAN_ID (protocol 802.1Q/802.1ad) */
    OO_TC_KEY_VLAN_PRIO = 1u << 3,    /* TCA_FLOWER_KEY_VLAN_PRIO */
    OO_TC_KEY_VLAN_ETH_TYPE = 1u << 4,/* TCA_FLOWER_KEY_VLAN_ETH_TYPE: ethertype after the tag */
    OO_TC_KEY_IP_PROTO = 1u << 5,     /* TCA_FLOWER_KEY_IP_PROTO (IPv4/IPv6 ethertype) */
    OO_TC_KEY_IPV4_SRC = 1u << 6,     /* TCA_FLOWER_KEY_IPV4_SRC(_MASK) */
    OO_TC_KEY_IPV4_DST = 1u << 7,     /* TCA_FLOWER_KEY_IPV4_DST(_MASK) */
    OO_TC_KEY_IPV6_SRC = 1u << 8,     /* TCA_FLOWER_KEY_IPV6_SRC(_MASK) */
    OO_TC_KEY_IPV6_DST = 1u << 9,     /* TCA_FLOWER_KEY_IPV6_DST(_MASK) */
    OO_TC_KEY_SRC_PORT = 1u << 10,    /* TCA_FLOWER_KEY_{TCP,UDP,SCTP}_SRC(_MASK) by ip_proto */
    OO_TC_KEY_DST_PORT = 1u << 11,    /* TCA_FLOWER_KEY_{TCP,UDP,SCTP}_DST(_MASK) */
};

/* A flower match: keys with their masks. Only keys whose bit is in `keys`
 * mean anything; a maskable key with an all-zero mask is no key (the kernel
 * does not dump it). Byte arrays are in network order, integers host order. */
struct oo_tc_match {
    uint32_t keys;                /* OO_TC_KEY_* bits */
    uint8_t dst_mac[6];           /* destination MAC */
    uint8_t dst_mac_mask[6];      /* its mask (ff:ff:ff:ff:ff:ff = exact) */
    uint8_t src_mac[6];           /* source MAC */
    uint8_t src_mac_mask[6];      /* its mask */
    uint16_t vlan_id;             /* 0..4095, exact */
    uint8_t vlan_prio;            /* PCP 0..7, exact */
    uint16_t vlan_eth_type;       /* ETH_P_* carried after the VLAN tag */
    uint8_t ip_proto;             /* IPPROTO_*, exact */
    uint8_t src_ip[16];           /* IPv4 in the first 4 bytes, or IPv6 */
    uint8_t src_ip_mask[16];      /* prefix as a mask (oo_tc_prefix_to_mask) */
    uint8_t dst_ip[16];           /* destination address */
    uint8_t dst_ip_mask[16];      /* its mask */
    uint16_t src_port;            /* L4 source port */
    uint16_t src_port_mask;       /* its mask (0xffff = exact) */
    uint16_t dst_port;            /* L4 destination port */
    uint16_t dst_port_mask;       /* its mask */
    bool extra_keys;              /* decoded only: keys or options this struct does
                                   * not model (tcp_flags, ip_tos, indev, classid, ...) */
};

/* The actions we write and recognise; anything else decodes as OTHER. */
enum oo_tc_act_type {
    OO_TC_ACT_OTHER,              /* an action kind or variant we do not model */
    OO_TC_ACT_REDIRECT,           /* mirred egress redirect to ifindex (TC_ACT_STOLEN) */
    OO_TC_ACT_MIRROR,             /* mirred egress mirror to ifindex (TC_ACT_PIPE) */
    OO_TC_ACT_DROP,               /* gact drop (TC_ACT_SHOT) */
    OO_TC_ACT_PASS,               /* gact pass (TC_ACT_OK) */
    OO_TC_ACT_GOTO_CHAIN,         /* gact goto chain (TC_ACT_GOTO_CHAIN | chain) */
    OO_TC_ACT_VLAN_PUSH,          /* vlan push id [prio] (TC_ACT_PIPE) */
    OO_TC_ACT_VLAN_POP,           /* vlan pop */
    OO_TC_ACT_VLAN_MODIFY,        /* vlan modify id [prio] */
    OO_TC_ACT_MAX,
};

/* Packet counters of an action (TCA_ACT_STATS). */
struct oo_tc_stats {
    uint64_t packets;             /* TCA_STATS_BASIC (+TCA_STATS_PKT64): all packets,
                                   * software and hardware */
    uint64_t bytes;               /* TCA_STATS_BASIC: all bytes */
    uint64_t hw_packets;          /* TCA_STATS_BASIC_HW: the hardware part */
    uint64_t hw_bytes;            /* TCA_STATS_BASIC_HW */
    bool has_hw;                  /* TCA_STATS_BASIC_HW was reported */
};

/* One action of a filter, in order. 64 bytes, in this order: a filter holds
 * room for OO_TC_MAX_ACTIONS of them, and a pass holds tens of thousands of
 * filters (dumped and desired). Counters are the filter's (its first
 * action's), not kept per action. */
struct oo_tc_action {
    int type;                     /* enum oo_tc_act_type */
    int32_t control;              /* tc_gen.action: the TC_ACT_* verdict after it runs */
    uint32_t ifindex;             /* REDIRECT, MIRROR: target device */
    uint32_t chain;               /* GOTO_CHAIN: target chain */
    uint32_t index;               /* decoded only: tc_gen.index (the action's id) */
    uint32_t in_hw_count;         /* decoded only: TCA_ACT_IN_HW_COUNT */
    uint16_t vlan_id;             /* VLAN_PUSH, VLAN_MODIFY: 0..4094 */
    uint16_t vlan_proto;          /* VLAN_PUSH, VLAN_MODIFY: ETH_P_8021Q or ETH_P_8021AD */
    int8_t vlan_prio;             /* VLAN_PUSH, VLAN_MODIFY: PCP 0..7, -1 = not set */
    uint8_t cookie_len;           /* 0 = no cookie */
    bool extra;                   /* decoded only: options we do not model
                                   * (gact random, mirred to ingress, ...) */
    char kind[OO_TC_KIND_MAX];    /* TCA_ACT_KIND: "mirred", "gact", "vlan", or another */
    uint8_t cookie[OO_TC_COOKIE_MAX]; /* TCA_ACT_COOKIE: the owner's mark */
};

/* A tc filter. Everything we write is a flower filter; dumps may also hold
 * other kinds (matchall, u32, bpf, ...), decoded with their id, kind and, for
 * matchall, flags and actions. */
struct oo_tc_filter {
    struct oo_tc_id id;           /* where and which */
    char kind[OO_TC_KIND_MAX];    /* TCA_KIND; "" in a dump's per-prio header */
    struct oo_tc_match match;     /* flower keys */
    bool skip_sw;                 /* TCA_CLS_FLAGS_SKIP_SW: hardware only */
    bool skip_hw;                 /* TCA_CLS_FLAGS_SKIP_HW: software only */
    bool verbose;                 /* TCA_CLS_FLAGS_VERBOSE: the kernel reports offload
                                   * failures as extack warnings */
    bool in_hw;                   /* decoded: TCA_CLS_FLAGS_IN_HW */
    bool not_in_hw;               /* decoded: TCA_CLS_FLAGS_NOT_IN_HW */
    uint32_t in_hw_count;         /* decoded: TCA_FLOWER_IN_HW_COUNT (devices holding it) */
    uint8_t n_actions;            /* actions[0 .. n_actions - 1] */
    bool actions_truncated;       /* decoded: the filter had more than OO_TC_MAX_ACTIONS */
    bool terse;                   /* decoded from a terse dump: no keys, and actions
                                   * with kind, cookie and counters only */
    struct oo_tc_action actions[OO_TC_MAX_ACTIONS];
    struct oo_tc_stats stats;     /* decoded: the first action's counters, i.e.
                                   * every packet the filter matched */
};

/* Ingress qdisc kinds we create. */
enum oo_tc_qdisc_kind {
    OO_TC_QDISC_INGRESS,          /* "ingress" */
    OO_TC_QDISC_CLSACT,           /* "clsact" (ingress + egress) */
};

/* A qdisc from RTM_NEWQDISC. */
struct oo_tc_qdisc {
    uint32_t ifindex;             /* tcm_ifindex */
    uint32_t handle;              /* tcm_handle: ffff:0000 for ingress/clsact */
    uint32_t parent;              /* tcm_parent: TC_H_INGRESS (== TC_H_CLSACT) for those */
    char kind[OO_TC_KIND_MAX];    /* TCA_KIND */
    uint32_t ingress_block;       /* TCA_INGRESS_BLOCK: shared block index, 0 = own */
    uint32_t egress_block;        /* TCA_EGRESS_BLOCK (clsact) */
    bool hw_offload;              /* TCA_HW_OFFLOAD */
};

/* ---- names: one table each (plan output, JSON, metrics) ---- */
/* "other", "redirect", "mirror", "drop", "pass", "goto_chain", "vlan_push",
 * "vlan_pop", "vlan_modify" (the config's spellings); NULL / -EINVAL. */
const char *oo_tc_act_type_to_string(int type);
int oo_tc_act_type_from_string(const char *s);
/* "ingress", "clsact"; NULL / -EINVAL. */
const char *oo_tc_qdisc_kind_to_string(int kind);
int oo_tc_qdisc_kind_from_string(const char *s);

/* ---- building values ---- */
/* A flower filter at (ifindex or block, chain, prio, protocol) with no keys
 * and no actions. protocol is ETH_P_* in host order. */
void oo_tc_filter_init(struct oo_tc_filter *f, uint32_t ifindex, uint32_t block,
                       uint32_t chain, uint16_t prio, uint16_t protocol);
/* Actions with the control verdicts iproute2 gives them by default, so that
 * a filter written by tc(8) with the same meaning compares equal. */
struct oo_tc_action oo_tc_action_redirect(uint32_t ifindex);
struct oo_tc_action oo_tc_action_mirror(uint32_t ifindex);
struct oo_tc_action oo_tc_action_drop(void);
struct oo_tc_action oo_tc_action_pass(void);
struct oo_tc_action oo_tc_action_goto_chain(uint32_t chain);
/* prio -1 = leave the PCP unset. */
struct oo_tc_action oo_tc_action_vlan_push(uint16_t vlan_id, int prio);
struct oo_tc_action oo_tc_action_vlan_pop(void);
struct oo_tc_action oo_tc_action_vlan_modify(uint16_t vlan_id, int prio);
/* Appends a copy of a to f. Returns 0 or -E2BIG when f is full. */
int oo_tc_filter_add_action(struct oo_tc_filter *f, const struct oo_tc_action *a);
/* Writes a prefix length as a mask of len bytes (4 or 16); -EINVAL if the
 * prefix is longer than len * 8. */
int oo_tc_prefix_to_mask(unsigned prefix, uint8_t *mask, size_t len);
/* The prefix length of a contiguous mask, or -EINVAL if it is not one. */
int oo_tc_mask_to_prefix(const uint8_t *mask, size_t len);

/* Checks what the kernel would silently ignore or refuse, so that a filter
 * we write reads back as written: keys under the right protocol (ip_proto
 * and addresses under IPv4/IPv6 or a VLAN carrying them, ports under
 * tcp/udp/sctp, VLAN keys under 802.1Q/802.1ad), ranges (VLAN id 0..4095,
 * prio 0..7), masks non-zero, 1..OO_TC_MAX_ACTIONS modelled actions, and a
 * flower kind. Returns 0, or -EINVAL with a reason in why (may be NULL). */
int oo_tc_filter_check(const struct oo_tc_filter *f, char *why, size_t why_size);

/* True if a and b are the same rule: kind, chain, prio, protocol, handle
 * (when both are non-zero), keys (compared under their masks), skip_sw,
 * skip_hw, actions (type, kind, verdict, parameters, cookie) and the extra
 * flags. Ignores where it is (ifindex/block/parent), stats, in_hw,
 * not_in_hw, in_hw_count, verbose and action indexes. */
bool oo_tc_filter_equal(const struct oo_tc_filter *a, const struct oo_tc_filter *b);
/* A 64-bit hash of what oo_tc_filter_equal() compares, with the handle
 * always in it: equal filters with the same handle hash the same. */
uint64_t oo_tc_filter_hash(const struct oo_tc_filter *f);
/* The same for matches only. */
bool oo_tc_match_equal(const struct oo_tc_match *a, const struct oo_tc_match *b);
/* A 64-bit hash of what oo_tc_match_equal() compares: equal matches hash
 * the same. */
uint64_t oo_tc_match_hash(const struct oo_tc_match *m);

/* ---- pure encoders: buf holds OO_TC_MSG_MAX bytes; return the message ---- */
/* RTM_NEWTFILTER for a flower filter. nlflags: NLM_F_CREATE | NLM_F_EXCL to
 * add, NLM_F_CREATE | NLM_F_REPLACE to replace the filter at f->id.handle;
 * | NLM_F_ECHO to have the kernel send the filter back. Returns NULL if f
 * cannot be expressed (not flower, 0 or too many actions, an OTHER action,
 * ports without tcp/udp/sctp). */
struct nlmsghdr *oo_tc_put_newfilter(void *buf, const struct oo_tc_filter *f, uint16_t nlflags);
/* RTM_DELTFILTER of one flower filter by (target, chain, prio, protocol,
 * handle), with TCA_KIND "flower" (the kernel checks it). Returns NULL when prio or handle is 0: the kernel would then delete a whole
 * classifier instance or chain, possibly holding filters that are not ours. */
struct nlmsghdr *oo_tc_put_delfilter(void *buf, const struct oo_tc_id *id);
/* RTM_GETTFILTER dump of every chain of a device's ingress (block 0) or of a
 * shared block; terse: with TCA_DUMP_FLAGS_TERSE (tc/io.h says what the
 * kernel then leaves out). */
struct nlmsghdr *oo_tc_put_getfilter_dump(void *buf, uint32_t ifindex, uint32_t block, bool terse);
/* The same dump of a device's clsact egress side (OO_TC_PARENT_EGRESS). */
struct nlmsghdr *oo_tc_put_getfilter_dump_egress(void *buf, uint32_t ifindex);
/* RTM_NEWQDISC: an ingress or clsact qdisc on ifindex, on shared block
 * `block` (TCA_INGRESS_BLOCK) unless 0. nlflags: NLM_F_CREATE | NLM_F_EXCL. */
struct nlmsghdr *oo_tc_put_newqdisc(void *buf, uint32_t ifindex, int kind, uint32_t block,
                                    uint16_t nlflags);
/* RTM_DELQDISC of the ingress/clsact qdisc of ifindex (and every filter in it). */
struct nlmsghdr *oo_tc_put_delqdisc(void *buf, uint32_t ifindex, int kind);
/* RTM_GETQDISC dump (the kernel dumps every device's qdiscs). */
struct nlmsghdr *oo_tc_put_getqdisc_dump(void *buf);

/* ---- pure decoders: zero the output, skip unknown attributes ---- */
/* An RTM_NEWTFILTER (or RTM_DELTFILTER) message: id, kind, and for flower
 * the keys, flags, in_hw_count and actions with cookies and statistics (for
 * matchall: flags, in_hw_count and actions). Returns 0 or -EBADMSG. */
int oo_tc_parse_filter(const struct nlmsghdr *nlh, struct oo_tc_filter *out);
/* An RTM_NEWQDISC message. Returns 0 or -EBADMSG. */
int oo_tc_parse_qdisc(const struct nlmsghdr *nlh, struct oo_tc_qdisc *out);

#endif
