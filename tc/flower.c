#include "tc/flower.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/gen_stats.h>
#include <linux/if_ether.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <linux/tc_act/tc_gact.h>
#include <linux/tc_act/tc_mirred.h>
#include <linux/tc_act/tc_vlan.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <libmnl/libmnl.h>

#include "common/nlattr.h"
#include "common/util.h"

/* ------------------------------------------------------------------- names */

static const char *const act_type_names[] = {
    [OO_TC_ACT_OTHER] = "other",
    [OO_TC_ACT_REDIRECT] = "redirect",
    [OO_TC_ACT_MIRROR] = "mirror",
    [OO_TC_ACT_DROP] = "drop",
    [OO_TC_ACT_PASS] = "pass",
    [OO_TC_ACT_GOTO_CHAIN] = "goto_chain",
    [OO_TC_ACT_VLAN_PUSH] = "vlan_push",
    [OO_TC_ACT_VLAN_POP] = "vlan_pop",
    [OO_TC_ACT_VLAN_MODIFY] = "vlan_modify",
};

static const char *const qdisc_kind_names[] = {
    [OO_TC_QDISC_INGRESS] = "ingress",
    [OO_TC_QDISC_CLSACT] = "clsact",
};


const char *oo_tc_act_type_to_string(int type)
{
    return oo_enum_name(act_type_names, OO_ARRAY_SIZE(act_type_names), type);
}

int oo_tc_act_type_from_string(const char *s)
{
    return oo_enum_value(act_type_names, OO_ARRAY_SIZE(act_type_names), s);
}

const char *oo_tc_qdisc_kind_to_string(int kind)
{
    return oo_enum_name(qdisc_kind_names, OO_ARRAY_SIZE(qdisc_kind_names), kind);
}

int oo_tc_qdisc_kind_from_string(const char *s)
{
    return oo_enum_value(qdisc_kind_names, OO_ARRAY_SIZE(qdisc_kind_names), s);
}

/* ---------------------------------------------------------------- building */

void oo_tc_filter_init(struct oo_tc_filter *f, uint32_t ifindex, uint32_t block,
                       uint32_t chain, uint16_t prio, uint16_t protocol)
{
    memset(f, 0, sizeof *f);
    f->id.ifindex = block ? 0 : ifindex;
    f->id.block = block;
    f->id.parent = OO_TC_PARENT_INGRESS;
    f->id.chain = chain;
    f->id.prio = prio;
    f->id.protocol = protocol;
    strcpy(f->kind, "flower");
}

static struct oo_tc_action make_action(int type, const char *kind, int32_t control)
{
    struct oo_tc_action a;

    memset(&a, 0, sizeof a);
    a.type = type;
    oo_strlcpy(a.kind, kind, sizeof a.kind);
    a.control = control;
    a.vlan_prio = -1;
    return a;
}

struct oo_tc_action oo_tc_action_redirect(uint32_t ifindex)
{
    struct oo_tc_action a = make_action(OO_TC_ACT_REDIRECT, "mirred", TC_ACT_STOLEN);

    a.ifindex = ifindex;
    return a;
}

struct oo_tc_action oo_tc_action_mirror(uint32_t ifindex)
{
    struct oo_tc_action a = make_action(OO_TC_ACT_MIRROR, "mirred", TC_ACT_PIPE);

    a.ifindex = ifindex;
    return a;
}

struct oo_tc_action oo_tc_action_drop(void)
{
    return make_action(OO_TC_ACT_DROP, "gact", TC_ACT_SHOT);
}

struct oo_tc_action oo_tc_action_pass(void)
{
    return make_action(OO_TC_ACT_PASS, "gact", TC_ACT_OK);
}

struct oo_tc_action oo_tc_action_goto_chain(uint32_t chain)
{
    struct oo_tc_action a = make_action(OO_TC_ACT_GOTO_CHAIN, "gact",
                                        (int32_t)(TC_ACT_GOTO_CHAIN | (chain & TC_ACT_EXT_VAL_MASK)));

    a.chain = chain;
    return a;
}

static struct oo_tc_action vlan_action(int type, uint16_t vlan_id, int prio)
{
    struct oo_tc_action a = make_action(type, "vlan", TC_ACT_PIPE);

    a.vlan_id = vlan_id;
    a.vlan_prio = (int8_t)(prio < 0 ? -1 : prio);
    a.vlan_proto = ETH_P_8021Q;
    return a;
}

struct oo_tc_action oo_tc_action_vlan_push(uint16_t vlan_id, int prio)
{
    return vlan_action(OO_TC_ACT_VLAN_PUSH, vlan_id, prio);
}

struct oo_tc_action oo_tc_action_vlan_pop(void)
{
    return make_action(OO_TC_ACT_VLAN_POP, "vlan", TC_ACT_PIPE);
}

struct oo_tc_action oo_tc_action_vlan_modify(uint16_t vlan_id, int prio)
{
    return vlan_action(OO_TC_ACT_VLAN_MODIFY, vlan_id, prio);
}

int oo_tc_filter_add_action(struct oo_tc_filter *f, const struct oo_tc_action *a)
{
    if (f->n_actions >= OO_TC_MAX_ACTIONS)
        return -E2BIG;
    f->actions[f->n_actions++] = *a;
    return 0;
}

int oo_tc_prefix_to_mask(unsigned prefix, uint8_t *mask, size_t len)
{
    if (prefix > len * 8)
        return -EINVAL;
    memset(mask, 0, len);
    for (size_t i = 0; i < len && prefix; i++) {
        unsigned bits = prefix >= 8 ? 8 : prefix;

        mask[i] = (uint8_t)(0xff00u >> bits);
        prefix -= bits;
    }
    return 0;
}

int oo_tc_mask_to_prefix(const uint8_t *mask, size_t len)
{
    int prefix = 0;
    size_t i = 0;

    for (; i < len && mask[i] == 0xff; i++)
        prefix += 8;
    if (i < len) {
        uint8_t m = mask[i];

        while (m & 0x80) {
            prefix++;
            m = (uint8_t)(m << 1);
        }
        if (m)
            return -EINVAL;
        for (i++; i < len; i++)
            if (mask[i])
                return -EINVAL;
    }
    return prefix;
}

/* --------------------------------------------------------------- checking */

static bool all_zero(const void *p, size_t n)
{
    const uint8_t *b = p;

    for (size_t i = 0; i < n; i++)
        if (b[i])
            return false;
    return true;
}

static bool is_vlan_proto(uint16_t p)
{
    return p == ETH_P_8021Q || p == ETH_P_8021AD;
}

/* The ethertype the L3 keys apply to: the protocol, or for a VLAN protocol
 * the VLAN's inner ethertype key (0 when there is none). */
static uint16_t l3_proto(const struct oo_tc_filter *f)
{
    if (is_vlan_proto(f->id.protocol))
        return (f->match.keys & OO_TC_KEY_VLAN_ETH_TYPE) ? f->match.vlan_eth_type : 0;
    return f->id.protocol;
}

static int why_fail(char *why, size_t why_size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int why_fail(char *why, size_t why_size, const char *fmt, ...)
{
    va_list ap;

    if (why && why_size) {
        va_start(ap, fmt);
        vsnprintf(why, why_size, fmt, ap);
        va_end(ap);
    }
    return -EINVAL;
}

static int check_action(const struct oo_tc_action *a, unsigned i, char *why, size_t why_size)
{
    switch (a->type) {
    case OO_TC_ACT_REDIRECT:
    case OO_TC_ACT_MIRROR:
        if (!a->ifindex)
            return why_fail(why, why_size, "action %u: %s needs a target device", i + 1,
                            oo_tc_act_type_to_string(a->type));
        break;
    case OO_TC_ACT_GOTO_CHAIN:
        if (a->chain > TC_ACT_EXT_VAL_MASK)
            return why_fail(why, why_size, "action %u: chain %u is out of range", i + 1, a->chain);
        break;
    case OO_TC_ACT_VLAN_PUSH:
    case OO_TC_ACT_VLAN_MODIFY:
        /* act_vlan refuses VLAN_VID_MASK (4095) itself. */
        if (a->vlan_id >= 4095)
            return why_fail(why, why_size, "action %u: VLAN id %u is out of range 0..4094",
                            i + 1, a->vlan_id);
        if (a->vlan_prio > 7)
            return why_fail(why, why_size, "action %u: VLAN priority %d is out of range 0..7",
                            i + 1, a->vlan_prio);
        if (!is_vlan_proto(a->vlan_proto))
            return why_fail(why, why_size, "action %u: VLAN protocol 0x%04x is not 802.1Q/802.1ad",
                            i + 1, a->vlan_proto);
        break;
    case OO_TC_ACT_DROP:
    case OO_TC_ACT_PASS:
    case OO_TC_ACT_VLAN_POP:
        break;
    default:
        return why_fail(why, why_size, "action %u: kind '%s' cannot be written", i + 1, a->kind);
    }
    if (a->cookie_len > OO_TC_COOKIE_MAX)
        return why_fail(why, why_size, "action %u: cookie longer than %d bytes", i + 1,
                        OO_TC_COOKIE_MAX);
    return 0;
}

int oo_tc_filter_check(const struct oo_tc_filter *f, char *why, size_t why_size)
{
    const struct oo_tc_match *m = &f->match;
    uint16_t l3 = l3_proto(f);
    bool ip = l3 == ETH_P_IP || l3 == ETH_P_IPV6;

    if (why && why_size)
        why[0] = '\0';
    if (!OO_TC_KIND_IS(f->kind, "flower"))
        return why_fail(why, why_size, "kind '%s' is not flower", f->kind);
    if (!f->id.protocol)
        return why_fail(why, why_size, "no protocol (use ETH_P_ALL for any)");
    if (!f->id.prio)
        return why_fail(why, why_size, "no priority");
    if (f->skip_sw && f->skip_hw)
        return why_fail(why, why_size, "skip_sw and skip_hw together");
    if (((m->keys & OO_TC_KEY_DST_MAC) && all_zero(m->dst_mac_mask, 6)) ||
        ((m->keys & OO_TC_KEY_SRC_MAC) && all_zero(m->src_mac_mask, 6)) ||
        ((m->keys & OO_TC_KEY_IPV4_SRC) && all_zero(m->src_ip_mask, 4)) ||
        ((m->keys & OO_TC_KEY_IPV4_DST) && all_zero(m->dst_ip_mask, 4)) ||
        ((m->keys & OO_TC_KEY_IPV6_SRC) && all_zero(m->src_ip_mask, 16)) ||
        ((m->keys & OO_TC_KEY_IPV6_DST) && all_zero(m->dst_ip_mask, 16)) ||
        ((m->keys & OO_TC_KEY_SRC_PORT) && !m->src_port_mask) ||
        ((m->keys & OO_TC_KEY_DST_PORT) && !m->dst_port_mask))
        return why_fail(why, why_size, "a key with an all-zero mask");
    if ((m->keys & (OO_TC_KEY_VLAN_ID | OO_TC_KEY_VLAN_PRIO | OO_TC_KEY_VLAN_ETH_TYPE)) &&
        !is_vlan_proto(f->id.protocol))
        return why_fail(why, why_size, "VLAN keys need protocol 802.1Q or 802.1ad");
    if ((m->keys & OO_TC_KEY_VLAN_ID) && m->vlan_id > 4095)
        return why_fail(why, why_size, "VLAN id %u is out of range 0..4095", m->vlan_id);
    if ((m->keys & OO_TC_KEY_VLAN_PRIO) && m->vlan_prio > 7)
        return why_fail(why, why_size, "VLAN priority %u is out of range 0..7", m->vlan_prio);
    if ((m->keys & OO_TC_KEY_VLAN_ETH_TYPE) && is_vlan_proto(m->vlan_eth_type))
        return why_fail(why, why_size, "stacked VLANs are not supported");
    if ((m->keys & OO_TC_KEY_IP_PROTO) && !ip)
        return why_fail(why, why_size, "ip_proto needs an IPv4 or IPv6 ethertype");
    if ((m->keys & (OO_TC_KEY_IPV4_SRC | OO_TC_KEY_IPV4_DST)) && l3 != ETH_P_IP)
        return why_fail(why, why_size, "IPv4 addresses need the IPv4 ethertype");
    if ((m->keys & (OO_TC_KEY_IPV6_SRC | OO_TC_KEY_IPV6_DST)) && l3 != ETH_P_IPV6)
        return why_fail(why, why_size, "IPv6 addresses need the IPv6 ethertype");
    if ((m->keys & (OO_TC_KEY_IPV4_SRC | OO_TC_KEY_IPV4_DST)) &&
        (m->keys & (OO_TC_KEY_IPV6_SRC | OO_TC_KEY_IPV6_DST)))
        return why_fail(why, why_size, "IPv4 and IPv6 addresses together");
    if (m->keys & (OO_TC_KEY_SRC_PORT | OO_TC_KEY_DST_PORT)) {
        if (!(m->keys & OO_TC_KEY_IP_PROTO) ||
            (m->ip_proto != IPPROTO_TCP && m->ip_proto != IPPROTO_UDP &&
             m->ip_proto != IPPROTO_SCTP))
            return why_fail(why, why_size, "ports need ip_proto tcp, udp or sctp");
    }
    if (m->extra_keys)
        return why_fail(why, why_size, "keys that cannot be written");
    if (!f->n_actions)
        return why_fail(why, why_size, "no action");
    if (f->n_actions > OO_TC_MAX_ACTIONS || f->actions_truncated)
        return why_fail(why, why_size, "more than %d actions", OO_TC_MAX_ACTIONS);
    for (unsigned i = 0; i < f->n_actions; i++) {
        int r = check_action(&f->actions[i], i, why, why_size);
        if (r < 0)
            return r;
        if (f->actions[i].extra)
            return why_fail(why, why_size, "action %u has options that cannot be written", i + 1);
    }
    return 0;
}

/* -------------------------------------------------------------- comparing */

static bool masked_equal(const uint8_t *ka, const uint8_t *ma, const uint8_t *kb,
                         const uint8_t *mb, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (ma[i] != mb[i] || (ka[i] & ma[i]) != (kb[i] & mb[i]))
            return false;
    return true;
}

/* The key bits that really are keys: maskable keys with an all-zero mask
 * are none (the kernel does not dump them). */
static uint32_t effective_keys(const struct oo_tc_match *m)
{
    uint32_t k = m->keys;
    size_t iplen = (k & (OO_TC_KEY_IPV4_SRC | OO_TC_KEY_IPV4_DST)) ? 4 : 16;

    if (all_zero(m->dst_mac_mask, 6))
        k &= ~(uint32_t)OO_TC_KEY_DST_MAC;
    if (all_zero(m->src_mac_mask, 6))
        k &= ~(uint32_t)OO_TC_KEY_SRC_MAC;
    if (all_zero(m->src_ip_mask, iplen))
        k &= ~(uint32_t)(OO_TC_KEY_IPV4_SRC | OO_TC_KEY_IPV6_SRC);
    if (all_zero(m->dst_ip_mask, iplen))
        k &= ~(uint32_t)(OO_TC_KEY_IPV4_DST | OO_TC_KEY_IPV6_DST);
    if (!m->src_port_mask)
        k &= ~(uint32_t)OO_TC_KEY_SRC_PORT;
    if (!m->dst_port_mask)
        k &= ~(uint32_t)OO_TC_KEY_DST_PORT;
    return k;
}

bool oo_tc_match_equal(const struct oo_tc_match *a, const struct oo_tc_match *b)
{
    uint32_t k = effective_keys(a);
    size_t iplen = (k & (OO_TC_KEY_IPV4_SRC | OO_TC_KEY_IPV4_DST)) ? 4 : 16;
    uint16_t pa, pb;

    if (k != effective_keys(b) || a->extra_keys != b->extra_keys)
        return false;
    if ((k & OO_TC_KEY_DST_MAC) &&
        !masked_equal(a->dst_mac, a->dst_mac_mask, b->dst_mac, b->dst_mac_mask, 6))
        return false;
    if ((k & OO_TC_KEY_SRC_MAC) &&
        !masked_equal(a->src_mac, a->src_mac_mask, b->src_mac, b->src_mac_mask, 6))
        return false;
    if ((k & OO_TC_KEY_VLAN_ID) && (a->vlan_id & 0xfff) != (b->vlan_id & 0xfff))
        return false;
    if ((k & OO_TC_KEY_VLAN_PRIO) && (a->vlan_prio & 7) != (b->vlan_prio & 7))
        return false;
    if ((k & OO_TC_KEY_VLAN_ETH_TYPE) && a->vlan_eth_type != b->vlan_eth_type)
        return false;
    if ((k & OO_TC_KEY_IP_PROTO) && a->ip_proto != b->ip_proto)
        return false;
    if ((k & (OO_TC_KEY_IPV4_SRC | OO_TC_KEY_IPV6_SRC)) &&
        !masked_equal(a->src_ip, a->src_ip_mask, b->src_ip, b->src_ip_mask, iplen))
        return false;
    if ((k & (OO_TC_KEY_IPV4_DST | OO_TC_KEY_IPV6_DST)) &&
        !masked_equal(a->dst_ip, a->dst_ip_mask, b->dst_ip, b->dst_ip_mask, iplen))
        return false;
    pa = a->src_port & a->src_port_mask;
    pb = b->src_port & b->src_port_mask;
    if ((k & OO_TC_KEY_SRC_PORT) && (a->src_port_mask != b->src_port_mask || pa != pb))
        return false;
    pa = a->dst_port & a->dst_port_mask;
    pb = b->dst_port & b->dst_port_mask;
    if ((k & OO_TC_KEY_DST_PORT) && (a->dst_port_mask != b->dst_port_mask || pa != pb))
        return false;
    return true;
}

static bool action_equal(const struct oo_tc_action *a, const struct oo_tc_action *b)
{
    if (a->type != b->type || strcmp(a->kind, b->kind) || a->control != b->control ||
        a->extra != b->extra || a->cookie_len != b->cookie_len ||
        memcmp(a->cookie, b->cookie, a->cookie_len))
        return false;
    switch (a->type) {
    case OO_TC_ACT_REDIRECT:
    case OO_TC_ACT_MIRROR:
        return a->ifindex == b->ifindex;
    case OO_TC_ACT_GOTO_CHAIN:
        return a->chain == b->chain;
    case OO_TC_ACT_VLAN_PUSH:
    case OO_TC_ACT_VLAN_MODIFY:
        return a->vlan_id == b->vlan_id && a->vlan_proto == b->vlan_proto &&
               (a->vlan_prio < 0 ? -1 : a->vlan_prio) == (b->vlan_prio < 0 ? -1 : b->vlan_prio);
    default:
        return true;
    }
}

bool oo_tc_filter_equal(const struct oo_tc_filter *a, const struct oo_tc_filter *b)
{
    if (strcmp(a->kind, b->kind) || a->id.chain != b->id.chain || a->id.prio != b->id.prio ||
        a->id.protocol != b->id.protocol ||
        (a->id.handle && b->id.handle && a->id.handle != b->id.handle) ||
        a->skip_sw != b->skip_sw || a->skip_hw != b->skip_hw ||
        a->n_actions != b->n_actions || a->actions_truncated != b->actions_truncated ||
        !oo_tc_match_equal(&a->match, &b->match))
        return false;
    for (unsigned i = 0; i < a->n_actions && i < OO_TC_MAX_ACTIONS; i++)
        if (!action_equal(&a->actions[i], &b->actions[i]))
            return false;
    return true;
}

/* Hashing what oo_tc_filter_equal() compares, in the same normal form:
 * keys under their masks, the effective key set, a VLAN prio of -1 for any
 * negative one, parameters only for the action types that have them. */
static uint64_t mix(uint64_t h, uint64_t v)
{
    h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
    h *= 0xff51afd7ed558ccdull;
    return h ^ h >> 31;
}

static uint64_t mix_str(uint64_t h, const char *s)
{
    for (; *s; s++)
        h = mix(h, (unsigned char)*s);
    return mix(h, 0x100);       /* the end: "ab" + "c" differs from "a" + "bc" */
}

static uint64_t mix_masked(uint64_t h, const uint8_t *key, const uint8_t *mask, size_t n)
{
    for (size_t i = 0; i < n; i++)
        h = mix(h, (uint64_t)mask[i] << 8 | (key[i] & mask[i]));
    return h;
}

/* Mixes into h what oo_tc_match_equal() compares. */
static uint64_t mix_match(uint64_t h, const struct oo_tc_match *m)
{
    uint32_t k = effective_keys(m);
    size_t iplen = (k & (OO_TC_KEY_IPV4_SRC | OO_TC_KEY_IPV4_DST)) ? 4 : 16;

    h = mix(h, (uint64_t)k << 1 | m->extra_keys);
    if (k & OO_TC_KEY_DST_MAC)
        h = mix_masked(h, m->dst_mac, m->dst_mac_mask, 6);
    if (k & OO_TC_KEY_SRC_MAC)
        h = mix_masked(h, m->src_mac, m->src_mac_mask, 6);
    if (k & OO_TC_KEY_VLAN_ID)
        h = mix(h, m->vlan_id & 0xfff);
    if (k & OO_TC_KEY_VLAN_PRIO)
        h = mix(h, m->vlan_prio & 7);
    if (k & OO_TC_KEY_VLAN_ETH_TYPE)
        h = mix(h, m->vlan_eth_type);
    if (k & OO_TC_KEY_IP_PROTO)
        h = mix(h, m->ip_proto);
    if (k & (OO_TC_KEY_IPV4_SRC | OO_TC_KEY_IPV6_SRC))
        h = mix_masked(h, m->src_ip, m->src_ip_mask, iplen);
    if (k & (OO_TC_KEY_IPV4_DST | OO_TC_KEY_IPV6_DST))
        h = mix_masked(h, m->dst_ip, m->dst_ip_mask, iplen);
    if (k & OO_TC_KEY_SRC_PORT)
        h = mix(h, (uint32_t)m->src_port_mask << 16 | (m->src_port & m->src_port_mask));
    if (k & OO_TC_KEY_DST_PORT)
        h = mix(h, (uint32_t)m->dst_port_mask << 16 | (m->dst_port & m->dst_port_mask));
    return h;
}

uint64_t oo_tc_match_hash(const struct oo_tc_match *m)
{
    return mix_match(0x6d61746368ull, m);
}

uint64_t oo_tc_filter_hash(const struct oo_tc_filter *f)
{
    uint64_t h = mix_str(0x6f6f2d7463ull, f->kind);

    h = mix(h, (uint64_t)f->id.chain << 32 | (uint32_t)f->id.prio << 16 | f->id.protocol);
    h = mix(h, (uint64_t)f->id.handle << 8 | (unsigned)f->skip_sw << 1 | f->skip_hw);
    h = mix(h, (uint64_t)f->n_actions << 1 | f->actions_truncated);
    h = mix_match(h, &f->match);
    for (unsigned i = 0; i < f->n_actions && i < OO_TC_MAX_ACTIONS; i++) {
        const struct oo_tc_action *a = &f->actions[i];

        h = mix_str(mix(h, (uint64_t)(uint32_t)a->type << 32 | (uint32_t)a->control), a->kind);
        h = mix(h, (uint64_t)a->extra << 8 | a->cookie_len);
        for (unsigned c = 0; c < a->cookie_len && c < OO_TC_COOKIE_MAX; c++)
            h = mix(h, a->cookie[c]);
        switch (a->type) {
        case OO_TC_ACT_REDIRECT:
        case OO_TC_ACT_MIRROR:
            h = mix(h, a->ifindex);
            break;
        case OO_TC_ACT_GOTO_CHAIN:
            h = mix(h, a->chain);
            break;
        case OO_TC_ACT_VLAN_PUSH:
        case OO_TC_ACT_VLAN_MODIFY:
            h = mix(h, (uint64_t)a->vlan_id << 32 | (uint32_t)a->vlan_proto << 8 |
                           (uint8_t)(a->vlan_prio < 0 ? -1 : a->vlan_prio));
            break;
        default:
            break;
        }
    }
    return h;
}

/* ---------------------------------------------------------------- encoders */

static struct nlmsghdr *put_tcmsg(void *buf, uint16_t type, uint16_t nlflags, uint32_t ifindex,
                                  uint32_t block, uint32_t parent, uint32_t handle, uint32_t info)
{
    struct nlmsghdr *nlh;
    struct tcmsg *tcm;

    /* The whole buffer: libmnl 1.0.4 leaves attribute padding as it finds
     * it, and what we send should not depend on what was there. */
    memset(buf, 0, OO_TC_MSG_MAX);
    nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = type;
    nlh->nlmsg_flags = NLM_F_REQUEST | nlflags;
    tcm = mnl_nlmsg_put_extra_header(nlh, sizeof *tcm);
    tcm->tcm_family = AF_UNSPEC;
    if (block) {
        tcm->tcm_ifindex = (int)TCM_IFINDEX_MAGIC_BLOCK;
        tcm->tcm_block_index = block;
    } else {
        tcm->tcm_ifindex = (int)ifindex;
        tcm->tcm_parent = parent;
    }
    tcm->tcm_handle = handle;
    tcm->tcm_info = info;
    return nlh;
}

static uint32_t tcm_info(const struct oo_tc_id *id)
{
    return TC_H_MAKE((uint32_t)id->prio << 16, htons(id->protocol));
}

static void put_masked(struct nlmsghdr *nlh, uint16_t type, uint16_t mask_type,
                       const void *key, const void *mask, size_t len)
{
    uint8_t k[16];
    const uint8_t *kb = key, *mb = mask;

    /* Keys go out masked: what we write is what the kernel dumps back. */
    for (size_t i = 0; i < len; i++)
        k[i] = kb[i] & mb[i];
    mnl_attr_put(nlh, type, len, k);
    mnl_attr_put(nlh, mask_type, len, mask);
}

static void put_port(struct nlmsghdr *nlh, uint16_t type, uint16_t mask_type,
                     uint16_t port, uint16_t mask)
{
    mnl_attr_put_u16(nlh, type, htons(port & mask));
    mnl_attr_put_u16(nlh, mask_type, htons(mask));
}

static bool put_flower_keys(struct nlmsghdr *nlh, const struct oo_tc_filter *f)
{
    const struct oo_tc_match *m = &f->match;
    uint32_t k = effective_keys(m);
    size_t iplen = 16;
    uint16_t src_type, dst_type, src_mask_type, dst_mask_type;

    if (f->id.protocol != ETH_P_ALL)
        mnl_attr_put_u16(nlh, TCA_FLOWER_KEY_ETH_TYPE, htons(f->id.protocol));
    if (k & OO_TC_KEY_DST_MAC)
        put_masked(nlh, TCA_FLOWER_KEY_ETH_DST, TCA_FLOWER_KEY_ETH_DST_MASK,
                   m->dst_mac, m->dst_mac_mask, 6);
    if (k & OO_TC_KEY_SRC_MAC)
        put_masked(nlh, TCA_FLOWER_KEY_ETH_SRC, TCA_FLOWER_KEY_ETH_SRC_MASK,
                   m->src_mac, m->src_mac_mask, 6);
    if (k & OO_TC_KEY_VLAN_ID)
        mnl_attr_put_u16(nlh, TCA_FLOWER_KEY_VLAN_ID, m->vlan_id);
    if (k & OO_TC_KEY_VLAN_PRIO)
        mnl_attr_put_u8(nlh, TCA_FLOWER_KEY_VLAN_PRIO, m->vlan_prio);
    if (k & OO_TC_KEY_VLAN_ETH_TYPE)
        mnl_attr_put_u16(nlh, TCA_FLOWER_KEY_VLAN_ETH_TYPE, htons(m->vlan_eth_type));
    if (k & OO_TC_KEY_IP_PROTO)
        mnl_attr_put_u8(nlh, TCA_FLOWER_KEY_IP_PROTO, m->ip_proto);
    if (k & (OO_TC_KEY_IPV4_SRC | OO_TC_KEY_IPV4_DST)) {
        if (k & (OO_TC_KEY_IPV6_SRC | OO_TC_KEY_IPV6_DST))
            return false;       /* one address family per filter */
        iplen = 4;
    }
    if (k & OO_TC_KEY_IPV4_SRC)
        put_masked(nlh, TCA_FLOWER_KEY_IPV4_SRC, TCA_FLOWER_KEY_IPV4_SRC_MASK,
                   m->src_ip, m->src_ip_mask, iplen);
    if (k & OO_TC_KEY_IPV4_DST)
        put_masked(nlh, TCA_FLOWER_KEY_IPV4_DST, TCA_FLOWER_KEY_IPV4_DST_MASK,
                   m->dst_ip, m->dst_ip_mask, iplen);
    if (k & OO_TC_KEY_IPV6_SRC)
        put_masked(nlh, TCA_FLOWER_KEY_IPV6_SRC, TCA_FLOWER_KEY_IPV6_SRC_MASK,
                   m->src_ip, m->src_ip_mask, iplen);
    if (k & OO_TC_KEY_IPV6_DST)
        put_masked(nlh, TCA_FLOWER_KEY_IPV6_DST, TCA_FLOWER_KEY_IPV6_DST_MASK,
                   m->dst_ip, m->dst_ip_mask, iplen);
    if (!(k & (OO_TC_KEY_SRC_PORT | OO_TC_KEY_DST_PORT)))
        return true;
    if (!(k & OO_TC_KEY_IP_PROTO))
        return false;
    switch (m->ip_proto) {
    case IPPROTO_TCP:
        src_type = TCA_FLOWER_KEY_TCP_SRC, src_mask_type = TCA_FLOWER_KEY_TCP_SRC_MASK;
        dst_type = TCA_FLOWER_KEY_TCP_DST, dst_mask_type = TCA_FLOWER_KEY_TCP_DST_MASK;
        break;
    case IPPROTO_UDP:
        src_type = TCA_FLOWER_KEY_UDP_SRC, src_mask_type = TCA_FLOWER_KEY_UDP_SRC_MASK;
        dst_type = TCA_FLOWER_KEY_UDP_DST, dst_mask_type = TCA_FLOWER_KEY_UDP_DST_MASK;
        break;
    case IPPROTO_SCTP:
        src_type = TCA_FLOWER_KEY_SCTP_SRC, src_mask_type = TCA_FLOWER_KEY_SCTP_SRC_MASK;
        dst_type = TCA_FLOWER_KEY_SCTP_DST, dst_mask_type = TCA_FLOWER_KEY_SCTP_DST_MASK;
        break;
    default:
        return false;
    }
    if (k & OO_TC_KEY_SRC_PORT)
        put_port(nlh, src_type, src_mask_type, m->src_port, m->src_port_mask);
    if (k & OO_TC_KEY_DST_PORT)
        put_port(nlh, dst_type, dst_mask_type, m->dst_port, m->dst_port_mask);
    return true;
}

static bool put_action(struct nlmsghdr *nlh, const struct oo_tc_action *a, uint16_t order)
{
    struct nlattr *act = mnl_attr_nest_start(nlh, order);
    struct nlattr *opts;
    struct nla_bitfield32 flags = { TCA_ACT_FLAGS_NO_PERCPU_STATS, TCA_ACT_FLAGS_NO_PERCPU_STATS };

    switch (a->type) {
    case OO_TC_ACT_REDIRECT:
    case OO_TC_ACT_MIRROR: {
        struct tc_mirred p = { .action = a->control, .ifindex = a->ifindex,
                               .eaction = a->type == OO_TC_ACT_REDIRECT ? TCA_EGRESS_REDIR
                                                                        : TCA_EGRESS_MIRROR };
        mnl_attr_put_strz(nlh, TCA_ACT_KIND, "mirred");
        opts = mnl_attr_nest_start(nlh, TCA_ACT_OPTIONS);
        mnl_attr_put(nlh, TCA_MIRRED_PARMS, sizeof p, &p);
        break;
    }
    case OO_TC_ACT_DROP:
    case OO_TC_ACT_PASS:
    case OO_TC_ACT_GOTO_CHAIN: {
        struct tc_gact p = { .action = a->control };

        if (a->type == OO_TC_ACT_DROP)
            p.action = TC_ACT_SHOT;
        else if (a->type == OO_TC_ACT_PASS)
            p.action = TC_ACT_OK;
        else
            p.action = (int)(TC_ACT_GOTO_CHAIN | (a->chain & TC_ACT_EXT_VAL_MASK));
        mnl_attr_put_strz(nlh, TCA_ACT_KIND, "gact");
        opts = mnl_attr_nest_start(nlh, TCA_ACT_OPTIONS);
        mnl_attr_put(nlh, TCA_GACT_PARMS, sizeof p, &p);
        break;
    }
    case OO_TC_ACT_VLAN_PUSH:
    case OO_TC_ACT_VLAN_POP:
    case OO_TC_ACT_VLAN_MODIFY: {
        struct tc_vlan p = { .action = a->control };

        p.v_action = a->type == OO_TC_ACT_VLAN_PUSH ? TCA_VLAN_ACT_PUSH
                     : a->type == OO_TC_ACT_VLAN_POP ? TCA_VLAN_ACT_POP : TCA_VLAN_ACT_MODIFY;
        mnl_attr_put_strz(nlh, TCA_ACT_KIND, "vlan");
        opts = mnl_attr_nest_start(nlh, TCA_ACT_OPTIONS);
        mnl_attr_put(nlh, TCA_VLAN_PARMS, sizeof p, &p);
        if (a->type != OO_TC_ACT_VLAN_POP) {
            mnl_attr_put_u16(nlh, TCA_VLAN_PUSH_VLAN_ID, a->vlan_id);
            mnl_attr_put_u16(nlh, TCA_VLAN_PUSH_VLAN_PROTOCOL,
                             htons(a->vlan_proto ? a->vlan_proto : ETH_P_8021Q));
            if (a->vlan_prio >= 0)
                mnl_attr_put_u8(nlh, TCA_VLAN_PUSH_VLAN_PRIORITY, (uint8_t)a->vlan_prio);
        }
        break;
    }
    default:
        return false;
    }
    mnl_attr_nest_end(nlh, opts);
    if (a->cookie_len) {
        if (a->cookie_len > OO_TC_COOKIE_MAX)
            return false;
        mnl_attr_put(nlh, TCA_ACT_COOKIE, a->cookie_len, a->cookie);
    }
    /* As OVS does: per-CPU counters make every action cost an allocation
     * per CPU, which dominates the insertion of many filters. */
    mnl_attr_put(nlh, TCA_ACT_FLAGS, sizeof flags, &flags);
    mnl_attr_nest_end(nlh, act);
    return true;
}

struct nlmsghdr *oo_tc_put_newfilter(void *buf, const struct oo_tc_filter *f, uint16_t nlflags)
{
    struct nlmsghdr *nlh;
    struct nlattr *opts, *acts;
    uint32_t flags = 0;

    if (!OO_TC_KIND_IS(f->kind, "flower") || !f->n_actions || f->n_actions > OO_TC_MAX_ACTIONS)
        return NULL;
    nlh = put_tcmsg(buf, RTM_NEWTFILTER, nlflags, f->id.ifindex, f->id.block,
                    f->id.parent ? f->id.parent : OO_TC_PARENT_INGRESS, f->id.handle,
                    tcm_info(&f->id));
    mnl_attr_put_strz(nlh, TCA_KIND, "flower");
    mnl_attr_put_u32(nlh, TCA_CHAIN, f->id.chain);
    opts = mnl_attr_nest_start(nlh, TCA_OPTIONS);
    if (!put_flower_keys(nlh, f))
        return NULL;
    if (f->skip_sw)
        flags |= TCA_CLS_FLAGS_SKIP_SW;
    if (f->skip_hw)
        flags |= TCA_CLS_FLAGS_SKIP_HW;
    if (f->verbose)
        flags |= TCA_CLS_FLAGS_VERBOSE;
    mnl_attr_put_u32(nlh, TCA_FLOWER_FLAGS, flags);
    acts = mnl_attr_nest_start(nlh, TCA_FLOWER_ACT);
    for (unsigned i = 0; i < f->n_actions; i++)
        if (!put_action(nlh, &f->actions[i], (uint16_t)(i + 1)))
            return NULL;
    mnl_attr_nest_end(nlh, acts);
    mnl_attr_nest_end(nlh, opts);
    return nlh;
}

struct nlmsghdr *oo_tc_put_delfilter(void *buf, const struct oo_tc_id *id)
{
    struct nlmsghdr *nlh;

    if (!id->prio || !id->handle)
        return NULL;
    nlh = put_tcmsg(buf, RTM_DELTFILTER, 0, id->ifindex, id->block,
                    id->parent ? id->parent : OO_TC_PARENT_INGRESS, id->handle, tcm_info(id));
    /* The kernel refuses the delete when the prio's classifier is another
     * kind: a handle freed since the dump and taken by someone's u32 or
     * matchall filter is not ours to delete. */
    mnl_attr_put_strz(nlh, TCA_KIND, "flower");
    mnl_attr_put_u32(nlh, TCA_CHAIN, id->chain);
    return nlh;
}

struct nlmsghdr *oo_tc_put_getfilter_dump(void *buf, uint32_t ifindex, uint32_t block, bool terse)
{
    struct nlmsghdr *nlh = put_tcmsg(buf, RTM_GETTFILTER, NLM_F_DUMP, ifindex, block,
                                     OO_TC_PARENT_INGRESS, 0, 0);

    if (terse) {
        struct nla_bitfield32 flags = { .value = TCA_DUMP_FLAGS_TERSE, .selector = TCA_DUMP_FLAGS_TERSE };

        mnl_attr_put(nlh, TCA_DUMP_FLAGS, sizeof flags, &flags);
    }
    return nlh;
}

struct nlmsghdr *oo_tc_put_getfilter_dump_egress(void *buf, uint32_t ifindex)
{
    return put_tcmsg(buf, RTM_GETTFILTER, NLM_F_DUMP, ifindex, 0, OO_TC_PARENT_EGRESS, 0, 0);
}

static uint32_t qdisc_parent(int kind)
{
    return kind == OO_TC_QDISC_CLSACT ? TC_H_CLSACT : TC_H_INGRESS;
}

struct nlmsghdr *oo_tc_put_newqdisc(void *buf, uint32_t ifindex, int kind, uint32_t block,
                                    uint16_t nlflags)
{
    const char *name = oo_tc_qdisc_kind_to_string(kind);
    struct nlmsghdr *nlh;

    if (!name)
        return NULL;
    nlh = put_tcmsg(buf, RTM_NEWQDISC, nlflags, ifindex, 0, qdisc_parent(kind),
                    TC_H_MAKE(TC_H_INGRESS, 0), 0);
    mnl_attr_put_strz(nlh, TCA_KIND, name);
    if (block)
        mnl_attr_put_u32(nlh, TCA_INGRESS_BLOCK, block);
    return nlh;
}

struct nlmsghdr *oo_tc_put_delqdisc(void *buf, uint32_t ifindex, int kind)
{
    const char *name = oo_tc_qdisc_kind_to_string(kind);
    struct nlmsghdr *nlh;

    if (!name)
        return NULL;
    nlh = put_tcmsg(buf, RTM_DELQDISC, 0, ifindex, 0, qdisc_parent(kind),
                    TC_H_MAKE(TC_H_INGRESS, 0), 0);
    mnl_attr_put_strz(nlh, TCA_KIND, name);
    return nlh;
}

struct nlmsghdr *oo_tc_put_getqdisc_dump(void *buf)
{
    return put_tcmsg(buf, RTM_GETQDISC, NLM_F_DUMP, 0, 0, 0, 0, 0);
}

/* ---------------------------------------------------------------- decoders */

#define TCA_POLICY_MAX TCA_EGRESS_BLOCK
static const struct oo_nla_policy tca_policy[TCA_POLICY_MAX + 1] = {
    [TCA_KIND] = { MNL_TYPE_NUL_STRING },
    [TCA_OPTIONS] = { MNL_TYPE_NESTED },
    [TCA_CHAIN] = { MNL_TYPE_U32 },
    [TCA_HW_OFFLOAD] = { MNL_TYPE_U8 },
    [TCA_INGRESS_BLOCK] = { MNL_TYPE_U32 },
    [TCA_EGRESS_BLOCK] = { MNL_TYPE_U32 },
};

/* The flower attributes we model; everything else in a flower filter's
 * options marks the match extra_keys. */
#define FL_MAX TCA_FLOWER_IN_HW_COUNT
static const struct oo_nla_policy fl_policy[FL_MAX + 1] = {
    [TCA_FLOWER_ACT] = { MNL_TYPE_NESTED },
    [TCA_FLOWER_KEY_ETH_DST] = { MNL_TYPE_BINARY, 6 },
    [TCA_FLOWER_KEY_ETH_DST_MASK] = { MNL_TYPE_BINARY, 6 },
    [TCA_FLOWER_KEY_ETH_SRC] = { MNL_TYPE_BINARY, 6 },
    [TCA_FLOWER_KEY_ETH_SRC_MASK] = { MNL_TYPE_BINARY, 6 },
    [TCA_FLOWER_KEY_ETH_TYPE] = { MNL_TYPE_U16 },
    [TCA_FLOWER_KEY_IP_PROTO] = { MNL_TYPE_U8 },
    [TCA_FLOWER_KEY_IPV4_SRC] = { MNL_TYPE_BINARY, 4 },
    [TCA_FLOWER_KEY_IPV4_SRC_MASK] = { MNL_TYPE_BINARY, 4 },
    [TCA_FLOWER_KEY_IPV4_DST] = { MNL_TYPE_BINARY, 4 },
    [TCA_FLOWER_KEY_IPV4_DST_MASK] = { MNL_TYPE_BINARY, 4 },
    [TCA_FLOWER_KEY_IPV6_SRC] = { MNL_TYPE_BINARY, 16 },
    [TCA_FLOWER_KEY_IPV6_SRC_MASK] = { MNL_TYPE_BINARY, 16 },
    [TCA_FLOWER_KEY_IPV6_DST] = { MNL_TYPE_BINARY, 16 },
    [TCA_FLOWER_KEY_IPV6_DST_MASK] = { MNL_TYPE_BINARY, 16 },
    [TCA_FLOWER_KEY_TCP_SRC] = { MNL_TYPE_U16 },
    [TCA_FLOWER_KEY_TCP_DST] = { MNL_TYPE_U16 },
    [TCA_FLOWER_KEY_TCP_SRC_MASK] = { MNL_TYPE_U16 },
    [TCA_FLOWER_KEY_TCP_DST_MASK] = { MNL_TYPE_U16 },
    [TCA_FLOWER_KEY_UDP_SRC] = { MNL_TYPE_U16 },
    [TCA_FLOWER_KEY_UDP_DST] = { MNL_TYPE_U16 },
    [TCA_FLOWER_KEY_UDP_SRC_MASK] = { MNL_TYPE_U16 },
    [TCA_FLOWER_KEY_UDP_DST_MASK] = { MNL_TYPE_U16 },
    [TCA_FLOWER_KEY_SCTP_SRC] = { MNL_TYPE_U16 },
    [TCA_FLOWER_KEY_SCTP_DST] = { MNL_TYPE_U16 },
    [TCA_FLOWER_KEY_SCTP_SRC_MASK] = { MNL_TYPE_U16 },
    [TCA_FLOWER_KEY_SCTP_DST_MASK] = { MNL_TYPE_U16 },
    [TCA_FLOWER_FLAGS] = { MNL_TYPE_U32 },
    [TCA_FLOWER_KEY_VLAN_ID] = { MNL_TYPE_U16 },
    [TCA_FLOWER_KEY_VLAN_PRIO] = { MNL_TYPE_U8 },
    [TCA_FLOWER_KEY_VLAN_ETH_TYPE] = { MNL_TYPE_U16 },
    [TCA_FLOWER_IN_HW_COUNT] = { MNL_TYPE_U32 },
};

#define MALL_MAX TCA_MATCHALL_FLAGS
static const struct oo_nla_policy mall_policy[MALL_MAX + 1] = {
    [TCA_MATCHALL_ACT] = { MNL_TYPE_NESTED },
    [TCA_MATCHALL_FLAGS] = { MNL_TYPE_U32 },
};

#define ACT_MAX TCA_ACT_IN_HW_COUNT
static const struct oo_nla_policy act_policy[ACT_MAX + 1] = {
    [TCA_ACT_KIND] = { MNL_TYPE_NUL_STRING },
    [TCA_ACT_OPTIONS] = { MNL_TYPE_NESTED },
    [TCA_ACT_INDEX] = { MNL_TYPE_U32 },
    [TCA_ACT_STATS] = { MNL_TYPE_NESTED },
    [TCA_ACT_COOKIE] = { MNL_TYPE_BINARY },
    [TCA_ACT_IN_HW_COUNT] = { MNL_TYPE_U32 },
};

/* Options of the three action kinds we model, each in its own space. */
#define GACT_MAX TCA_GACT_PROB
static const struct oo_nla_policy gact_policy[GACT_MAX + 1] = {
    [TCA_GACT_PARMS] = { MNL_TYPE_BINARY, sizeof(struct tc_gact) },
    [TCA_GACT_PROB] = { MNL_TYPE_BINARY },
};
#define MIRRED_MAX TCA_MIRRED_PARMS
static const struct oo_nla_policy mirred_policy[MIRRED_MAX + 1] = {
    [TCA_MIRRED_PARMS] = { MNL_TYPE_BINARY, sizeof(struct tc_mirred) },
};
#define VLAN_MAX TCA_VLAN_PUSH_VLAN_PRIORITY
static const struct oo_nla_policy vlan_policy[VLAN_MAX + 1] = {
    [TCA_VLAN_PARMS] = { MNL_TYPE_BINARY, sizeof(struct tc_vlan) },
    [TCA_VLAN_PUSH_VLAN_ID] = { MNL_TYPE_U16 },
    [TCA_VLAN_PUSH_VLAN_PROTOCOL] = { MNL_TYPE_U16 },
    [TCA_VLAN_PUSH_VLAN_PRIORITY] = { MNL_TYPE_U8 },
};

/* The counters come in order: TCA_STATS_BASIC, then TCA_STATS_PKT64 if the
 * packet count overflows 32 bits; the same pair again for _BASIC_HW. A
 * PKT64 belongs to the BASIC before it, so a policy table (which keeps the
 * last attribute of each type) cannot parse them: walk them in order. */
static int parse_stats(const struct nlattr *nest, struct oo_tc_stats *out)
{
    const struct nlattr *a;
    uint64_t *pkts = NULL;

    oo_nla_for_each_nested(a, nest) {
        uint16_t type = oo_nla_type(a);
        struct gnet_stats_basic b;

        if (type == TCA_STATS_BASIC || type == TCA_STATS_BASIC_HW) {
            /* The kernel sends sizeof(struct gnet_stats_basic) (16 with
             * padding); 12 bytes carry the two fields. */
            if (oo_nla_len(a) < 12)
                return -EBADMSG;
            memset(&b, 0, sizeof b);
            memcpy(&b, oo_nla_data(a),
                   oo_nla_len(a) < sizeof b ? oo_nla_len(a) : sizeof b);
            if (type == TCA_STATS_BASIC) {
                out->bytes = b.bytes;
                out->packets = b.packets;
                pkts = &out->packets;
            } else {
                out->hw_bytes = b.bytes;
                out->hw_packets = b.packets;
                out->has_hw = true;
                pkts = &out->hw_packets;
            }
        } else if (type == TCA_STATS_PKT64) {
            if (mnl_attr_validate(a, MNL_TYPE_U64) < 0)
                return -EBADMSG;
            if (pkts)
                *pkts = oo_nla_u64(a);
        } else if (type != TCA_STATS_PAD) {
            /* A pad goes before a PKT64 where the CPU wants 64-bit
             * attributes aligned (nla_put_u64_64bit): it belongs to it. */
            pkts = NULL;
        }
    }
    return 0;
}

static int parse_gact(const struct nlattr *opts, struct oo_tc_action *a)
{
    const struct nlattr *tb[GACT_MAX + 1];
    struct tc_gact p;

    if (oo_nla_parse_nested(opts, gact_policy, GACT_MAX, tb) < 0 || !tb[TCA_GACT_PARMS])
        return -EBADMSG;
    memcpy(&p, oo_nla_data(tb[TCA_GACT_PARMS]), sizeof p);
    a->control = p.action;
    a->index = p.index;
    a->extra = tb[TCA_GACT_PROB] != NULL;
    if (p.action == TC_ACT_SHOT)
        a->type = OO_TC_ACT_DROP;
    else if (p.action == TC_ACT_OK)
        a->type = OO_TC_ACT_PASS;
    else if (TC_ACT_EXT_CMP(p.action, TC_ACT_GOTO_CHAIN)) {
        a->type = OO_TC_ACT_GOTO_CHAIN;
        a->chain = (uint32_t)p.action & TC_ACT_EXT_VAL_MASK;
    }
    return 0;
}

static int parse_mirred(const struct nlattr *opts, struct oo_tc_action *a)
{
    const struct nlattr *tb[MIRRED_MAX + 1];
    struct tc_mirred p;

    if (oo_nla_parse_nested(opts, mirred_policy, MIRRED_MAX, tb) < 0 || !tb[TCA_MIRRED_PARMS])
        return -EBADMSG;
    memcpy(&p, oo_nla_data(tb[TCA_MIRRED_PARMS]), sizeof p);
    a->control = p.action;
    a->index = p.index;
    a->ifindex = p.ifindex;
    if (p.eaction == TCA_EGRESS_REDIR)
        a->type = OO_TC_ACT_REDIRECT;
    else if (p.eaction == TCA_EGRESS_MIRROR)
        a->type = OO_TC_ACT_MIRROR;
    return 0;
}

static int parse_vlan(const struct nlattr *opts, struct oo_tc_action *a)
{
    const struct nlattr *tb[VLAN_MAX + 1];
    struct tc_vlan p;

    if (oo_nla_parse_nested(opts, vlan_policy, VLAN_MAX, tb) < 0 || !tb[TCA_VLAN_PARMS])
        return -EBADMSG;
    memcpy(&p, oo_nla_data(tb[TCA_VLAN_PARMS]), sizeof p);
    a->control = p.action;
    a->index = p.index;
    switch (p.v_action) {
    case TCA_VLAN_ACT_POP:
        a->type = OO_TC_ACT_VLAN_POP;
        return 0;
    case TCA_VLAN_ACT_PUSH:
    case TCA_VLAN_ACT_MODIFY:
        if (!tb[TCA_VLAN_PUSH_VLAN_ID])
            return -EBADMSG;
        a->type = p.v_action == TCA_VLAN_ACT_PUSH ? OO_TC_ACT_VLAN_PUSH : OO_TC_ACT_VLAN_MODIFY;
        a->vlan_id = oo_nla_u16(tb[TCA_VLAN_PUSH_VLAN_ID]);
        a->vlan_proto = tb[TCA_VLAN_PUSH_VLAN_PROTOCOL]
                        ? ntohs(oo_nla_u16(tb[TCA_VLAN_PUSH_VLAN_PROTOCOL])) : ETH_P_8021Q;
        if (tb[TCA_VLAN_PUSH_VLAN_PRIORITY])
            a->vlan_prio = (int8_t)(oo_nla_u8(tb[TCA_VLAN_PUSH_VLAN_PRIORITY]) & 7);
        return 0;
    default:
        return 0;   /* push_eth / pop_eth: OTHER */
    }
}

/* Decodes one action into a; its counters into *stats when stats is not NULL. */
static int parse_action(const struct nlattr *nest, struct oo_tc_action *a, struct oo_tc_stats *stats)
{
    const struct nlattr *tb[ACT_MAX + 1];
    const char *kind;
    int r = 0;

    memset(a, 0, sizeof *a);
    a->vlan_prio = -1;
    if (oo_nla_parse_nested(nest, act_policy, ACT_MAX, tb) < 0 || !tb[TCA_ACT_KIND])
        return -EBADMSG;
    kind = oo_nla_str(tb[TCA_ACT_KIND]);
    if (!oo_strlcpy(a->kind, kind, sizeof a->kind))
        a->kind[0] = '\0';      /* longer than any kind we know: OTHER */
    if (tb[TCA_ACT_COOKIE]) {
        uint16_t len = oo_nla_len(tb[TCA_ACT_COOKIE]);

        if (len > OO_TC_COOKIE_MAX)
            return -EBADMSG;
        memcpy(a->cookie, oo_nla_data(tb[TCA_ACT_COOKIE]), len);
        a->cookie_len = (uint8_t)len;
    }
    if (tb[TCA_ACT_INDEX])
        a->index = oo_nla_u32(tb[TCA_ACT_INDEX]);
    if (tb[TCA_ACT_IN_HW_COUNT])
        a->in_hw_count = oo_nla_u32(tb[TCA_ACT_IN_HW_COUNT]);
    if (stats && tb[TCA_ACT_STATS] && parse_stats(tb[TCA_ACT_STATS], stats) < 0)
        return -EBADMSG;
    if (!tb[TCA_ACT_OPTIONS])
        return 1;   /* a terse dump: kind, stats and cookie only */
    if (OO_TC_KIND_IS(a->kind, "gact"))
        r = parse_gact(tb[TCA_ACT_OPTIONS], a);
    else if (OO_TC_KIND_IS(a->kind, "mirred"))
        r = parse_mirred(tb[TCA_ACT_OPTIONS], a);
    else if (OO_TC_KIND_IS(a->kind, "vlan"))
        r = parse_vlan(tb[TCA_ACT_OPTIONS], a);
    return r;
}

static int parse_actions(const struct nlattr *nest, struct oo_tc_filter *out)
{
    const struct nlattr *a;
    int r;

    oo_nla_for_each_nested(a, nest) {
        if (out->n_actions == OO_TC_MAX_ACTIONS) {
            out->actions_truncated = true;
            break;
        }
        /* The first action sees every packet the filter matched: its
         * counters are the filter's. */
        r = parse_action(a, &out->actions[out->n_actions], out->n_actions ? NULL : &out->stats);
        if (r < 0)
            return -EBADMSG;
        /* Every action of a full dump has TCA_ACT_OPTIONS, none of a terse one. */
        out->terse |= r == 1;
        out->n_actions++;
    }
    return 0;
}

static void set_cls_flags(struct oo_tc_filter *out, uint32_t flags)
{
    out->skip_hw = flags & TCA_CLS_FLAGS_SKIP_HW;
    out->skip_sw = flags & TCA_CLS_FLAGS_SKIP_SW;
    out->in_hw = flags & TCA_CLS_FLAGS_IN_HW;
    out->not_in_hw = flags & TCA_CLS_FLAGS_NOT_IN_HW;
    out->verbose = flags & TCA_CLS_FLAGS_VERBOSE;
}

static void get_masked(const struct nlattr *key, const struct nlattr *mask, uint8_t *k,
                       uint8_t *m, size_t len)
{
    memcpy(k, oo_nla_data(key), len);
    if (mask)
        memcpy(m, oo_nla_data(mask), len);
    else
        memset(m, 0xff, len);   /* the kernel's default for a key without a mask */
}

static uint16_t get_be16(const struct nlattr *a)
{
    return ntohs(oo_nla_u16(a));
}

/* True for every attribute type of a flower filter's options that we model
 * (or that is pure metadata); anything else makes the match extra_keys. */
static bool fl_known(uint16_t type)
{
    return type <= FL_MAX && (fl_policy[type].type != MNL_TYPE_UNSPEC);
}

static int parse_flower(const struct nlattr *opts, struct oo_tc_filter *out)
{
    const struct nlattr *tb[FL_MAX + 1], *a;
    struct oo_tc_match *m = &out->match;
    uint16_t src_t = 0, dst_t = 0, src_m = 0, dst_m = 0;

    if (oo_nla_parse_nested(opts, fl_policy, FL_MAX, tb) < 0)
        return -EBADMSG;
    oo_nla_for_each_nested(a, opts)
        if (!fl_known(oo_nla_type(a)))
            m->extra_keys = true;
    if (tb[TCA_FLOWER_FLAGS])
        set_cls_flags(out, oo_nla_u32(tb[TCA_FLOWER_FLAGS]));
    if (tb[TCA_FLOWER_IN_HW_COUNT])
        out->in_hw_count = oo_nla_u32(tb[TCA_FLOWER_IN_HW_COUNT]);
    if (tb[TCA_FLOWER_KEY_ETH_DST]) {
        get_masked(tb[TCA_FLOWER_KEY_ETH_DST], tb[TCA_FLOWER_KEY_ETH_DST_MASK],
                   m->dst_mac, m->dst_mac_mask, 6);
        m->keys |= OO_TC_KEY_DST_MAC;
    }
    if (tb[TCA_FLOWER_KEY_ETH_SRC]) {
        get_masked(tb[TCA_FLOWER_KEY_ETH_SRC], tb[TCA_FLOWER_KEY_ETH_SRC_MASK],
                   m->src_mac, m->src_mac_mask, 6);
        m->keys |= OO_TC_KEY_SRC_MAC;
    }
    if (tb[TCA_FLOWER_KEY_VLAN_ID]) {
        m->vlan_id = oo_nla_u16(tb[TCA_FLOWER_KEY_VLAN_ID]) & 0xfff;
        m->keys |= OO_TC_KEY_VLAN_ID;
    }
    if (tb[TCA_FLOWER_KEY_VLAN_PRIO]) {
        m->vlan_prio = oo_nla_u8(tb[TCA_FLOWER_KEY_VLAN_PRIO]) & 7;
        m->keys |= OO_TC_KEY_VLAN_PRIO;
    }
    if (tb[TCA_FLOWER_KEY_VLAN_ETH_TYPE]) {
        m->vlan_eth_type = get_be16(tb[TCA_FLOWER_KEY_VLAN_ETH_TYPE]);
        m->keys |= OO_TC_KEY_VLAN_ETH_TYPE;
    }
    /* The ethertype key comes from the filter's protocol. A request (and
     * our encoder) sends TCA_FLOWER_KEY_ETH_TYPE = the protocol; the kernel
     * dumps it as the L3 ethertype: the protocol, or under a VLAN protocol
     * the inner ethertype. Anything else is a key we do not model. */
    if (tb[TCA_FLOWER_KEY_ETH_TYPE]) {
        uint16_t et = get_be16(tb[TCA_FLOWER_KEY_ETH_TYPE]);

        if (et != out->id.protocol &&
            !(is_vlan_proto(out->id.protocol) && (m->keys & OO_TC_KEY_VLAN_ETH_TYPE) &&
              et == m->vlan_eth_type))
            m->extra_keys = true;
    }
    if (tb[TCA_FLOWER_KEY_IP_PROTO]) {
        m->ip_proto = oo_nla_u8(tb[TCA_FLOWER_KEY_IP_PROTO]);
        m->keys |= OO_TC_KEY_IP_PROTO;
    }
    if (tb[TCA_FLOWER_KEY_IPV4_SRC]) {
        get_masked(tb[TCA_FLOWER_KEY_IPV4_SRC], tb[TCA_FLOWER_KEY_IPV4_SRC_MASK],
                   m->src_ip, m->src_ip_mask, 4);
        m->keys |= OO_TC_KEY_IPV4_SRC;
    }
    if (tb[TCA_FLOWER_KEY_IPV4_DST]) {
        get_masked(tb[TCA_FLOWER_KEY_IPV4_DST], tb[TCA_FLOWER_KEY_IPV4_DST_MASK],
                   m->dst_ip, m->dst_ip_mask, 4);
        m->keys |= OO_TC_KEY_IPV4_DST;
    }
    if (tb[TCA_FLOWER_KEY_IPV6_SRC]) {
        get_masked(tb[TCA_FLOWER_KEY_IPV6_SRC], tb[TCA_FLOWER_KEY_IPV6_SRC_MASK],
                   m->src_ip, m->src_ip_mask, 16);
        m->keys |= OO_TC_KEY_IPV6_SRC;
    }
    if (tb[TCA_FLOWER_KEY_IPV6_DST]) {
        get_masked(tb[TCA_FLOWER_KEY_IPV6_DST], tb[TCA_FLOWER_KEY_IPV6_DST_MASK],
                   m->dst_ip, m->dst_ip_mask, 16);
        m->keys |= OO_TC_KEY_IPV6_DST;
    }
    if (tb[TCA_FLOWER_KEY_TCP_SRC] || tb[TCA_FLOWER_KEY_TCP_DST]) {
        src_t = TCA_FLOWER_KEY_TCP_SRC, src_m = TCA_FLOWER_KEY_TCP_SRC_MASK;
        dst_t = TCA_FLOWER_KEY_TCP_DST, dst_m = TCA_FLOWER_KEY_TCP_DST_MASK;
    } else if (tb[TCA_FLOWER_KEY_UDP_SRC] || tb[TCA_FLOWER_KEY_UDP_DST]) {
        src_t = TCA_FLOWER_KEY_UDP_SRC, src_m = TCA_FLOWER_KEY_UDP_SRC_MASK;
        dst_t = TCA_FLOWER_KEY_UDP_DST, dst_m = TCA_FLOWER_KEY_UDP_DST_MASK;
    } else if (tb[TCA_FLOWER_KEY_SCTP_SRC] || tb[TCA_FLOWER_KEY_SCTP_DST]) {
        src_t = TCA_FLOWER_KEY_SCTP_SRC, src_m = TCA_FLOWER_KEY_SCTP_SRC_MASK;
        dst_t = TCA_FLOWER_KEY_SCTP_DST, dst_m = TCA_FLOWER_KEY_SCTP_DST_MASK;
    }
    if (src_t && tb[src_t]) {
        m->src_port = get_be16(tb[src_t]);
        m->src_port_mask = tb[src_m] ? get_be16(tb[src_m]) : 0xffff;
        m->keys |= OO_TC_KEY_SRC_PORT;
    }
    if (dst_t && tb[dst_t]) {
        m->dst_port = get_be16(tb[dst_t]);
        m->dst_port_mask = tb[dst_m] ? get_be16(tb[dst_m]) : 0xffff;
        m->keys |= OO_TC_KEY_DST_PORT;
    }
    if (tb[TCA_FLOWER_ACT] && parse_actions(tb[TCA_FLOWER_ACT], out) < 0)
        return -EBADMSG;
    return 0;
}

static int parse_matchall(const struct nlattr *opts, struct oo_tc_filter *out)
{
    const struct nlattr *tb[MALL_MAX + 1];

    if (oo_nla_parse_nested(opts, mall_policy, MALL_MAX, tb) < 0)
        return -EBADMSG;
    if (tb[TCA_MATCHALL_FLAGS])
        set_cls_flags(out, oo_nla_u32(tb[TCA_MATCHALL_FLAGS]));
    if (tb[TCA_MATCHALL_ACT] && parse_actions(tb[TCA_MATCHALL_ACT], out) < 0)
        return -EBADMSG;
    return 0;
}

int oo_tc_parse_filter(const struct nlmsghdr *nlh, struct oo_tc_filter *out)
{
    const struct nlattr *tb[TCA_POLICY_MAX + 1];
    const struct tcmsg *tcm;
    int r = 0;

    memset(out, 0, sizeof *out);
    if ((nlh->nlmsg_type != RTM_NEWTFILTER && nlh->nlmsg_type != RTM_DELTFILTER) ||
        mnl_nlmsg_get_payload_len(nlh) < sizeof *tcm ||
        oo_nla_parse(nlh, sizeof *tcm, tca_policy, TCA_POLICY_MAX, tb) < 0)
        goto bad;
    tcm = mnl_nlmsg_get_payload(nlh);
    if ((uint32_t)tcm->tcm_ifindex == TCM_IFINDEX_MAGIC_BLOCK) {
        out->id.block = tcm->tcm_block_index;
    } else {
        out->id.ifindex = (uint32_t)tcm->tcm_ifindex;
        out->id.parent = tcm->tcm_parent;
    }
    out->id.handle = tcm->tcm_handle;
    out->id.prio = (uint16_t)(TC_H_MAJ(tcm->tcm_info) >> 16);
    out->id.protocol = ntohs((uint16_t)TC_H_MIN(tcm->tcm_info));
    if (tb[TCA_CHAIN])
        out->id.chain = oo_nla_u32(tb[TCA_CHAIN]);
    if (tb[TCA_KIND] && !oo_strlcpy(out->kind, oo_nla_str(tb[TCA_KIND]), sizeof out->kind))
        out->kind[0] = '\0';    /* a kind longer than any we read: keep it unknown */
    if (tb[TCA_OPTIONS]) {
        if (OO_TC_KIND_IS(out->kind, "flower"))
            r = parse_flower(tb[TCA_OPTIONS], out);
        else if (OO_TC_KIND_IS(out->kind, "matchall"))
            r = parse_matchall(tb[TCA_OPTIONS], out);
    }
    if (r < 0)
        goto bad;
    return 0;
bad:
    memset(out, 0, sizeof *out);
    return -EBADMSG;
}

int oo_tc_parse_qdisc(const struct nlmsghdr *nlh, struct oo_tc_qdisc *out)
{
    const struct nlattr *tb[TCA_POLICY_MAX + 1];
    const struct tcmsg *tcm;

    memset(out, 0, sizeof *out);
    if ((nlh->nlmsg_type != RTM_NEWQDISC && nlh->nlmsg_type != RTM_DELQDISC) ||
        mnl_nlmsg_get_payload_len(nlh) < sizeof *tcm ||
        oo_nla_parse(nlh, sizeof *tcm, tca_policy, TCA_POLICY_MAX, tb) < 0 || !tb[TCA_KIND])
        goto bad;
    tcm = mnl_nlmsg_get_payload(nlh);
    out->ifindex = (uint32_t)tcm->tcm_ifindex;
    out->handle = tcm->tcm_handle;
    out->parent = tcm->tcm_parent;
    if (!oo_strlcpy(out->kind, oo_nla_str(tb[TCA_KIND]), sizeof out->kind))
        goto bad;
    if (tb[TCA_INGRESS_BLOCK])
        out->ingress_block = oo_nla_u32(tb[TCA_INGRESS_BLOCK]);
    if (tb[TCA_EGRESS_BLOCK])
        out->egress_block = oo_nla_u32(tb[TCA_EGRESS_BLOCK]);
    if (tb[TCA_HW_OFFLOAD])
        out->hw_offload = oo_nla_u8(tb[TCA_HW_OFFLOAD]);
    return 0;
bad:
    memset(out, 0, sizeof *out);
    return -EBADMSG;
}
