/* Semantic validation of a config: relations between fields and between
 * objects, the hardware's rules for VF-LAG and MPV, and reference
 * resolution. Every problem is collected with its position (from the
 * objects' src_loc) and key path (pfs[0].vfs[1].id). The structural checks
 * (types, ranges, required keys) are the parser's. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common/util.h"
#include "config/config.h"
#include "config/internal.h"
#include "config/values.h"

#define ETH_P_IPV4 0x0800
#define ETH_P_IPV6_ 0x86dd
#define ETH_P_8021Q_ 0x8100
#define PROTO_ICMP 1
#define PROTO_TCP 6
#define PROTO_UDP 17
#define PROTO_ICMPV6 58
#define PROTO_SCTP 132
#define VFLAG_MAX_MEMBERS 4         /* mlx5 LAG spans at most 4 ports (MLX5_MAX_PORTS) */

struct vctx {
    struct oo_config *cfg;
    struct oo_cfg_diag *d;
};

/* The first position that is set. */
static struct oo_src_loc pick(struct oo_src_loc a, struct oo_src_loc b)
{
    return a.line ? a : b;
}

static void verr(struct vctx *v, struct oo_src_loc loc, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void verr(struct vctx *v, struct oo_src_loc loc, const char *path, const char *fmt, ...)
{
    va_list ap;
    char *msg;

    va_start(ap, fmt);
    if (vasprintf(&msg, fmt, ap) < 0)
        msg = NULL;
    va_end(ap);
    if (msg)
        oo_cfg_diag_add(v->d, loc, path, "%s", msg);
    free(msg);
}

static const char *fmt_path(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static const char *fmt_path(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return buf;
}

#define PATH(...) fmt_path(path, sizeof path, __VA_ARGS__)

static const char *nz(const char *s)
{
    return s ? s : "?";
}

/* "has eswitch: legacy" / "has no eswitch key" for messages. */
static const char *eswitch_words(const struct oo_cfg_pf *pf)
{
    if (pf->eswitch == OO_ESWITCH_LEGACY)
        return "has eswitch: legacy";
    if (pf->eswitch == OO_ESWITCH_SWITCHDEV)
        return "has eswitch: switchdev";
    return "has no eswitch key (left as found)";
}

/* "pf0, pf1" (the pf names), for messages. */
static void list_pf_names(const struct oo_config *cfg, char *buf, size_t size)
{
    size_t len = 0;

    buf[0] = '\0';
    for (size_t i = 0; i < cfg->n_pfs && len < size; i++) {
        int r = snprintf(buf + len, size - len, "%s%s", len ? ", " : "", nz(cfg->pfs[i].name));
        if (r < 0)
            break;
        len += (size_t)r;
    }
    if (!cfg->n_pfs)
        snprintf(buf, size, "none defined");
}

/* "pfs: pf0, pf1; bonds: bond0", for messages. */
static void list_pf_bond_names(const struct oo_config *cfg, char *buf, size_t size)
{
    size_t len;

    snprintf(buf, size, "pfs: ");
    len = strlen(buf);
    list_pf_names(cfg, buf + len, size - len);
    len = strlen(buf);
    for (size_t i = 0; i < cfg->n_bonds && len < size; i++) {
        int r = snprintf(buf + len, size - len, "%s%s", i ? ", " : "; bonds: ",
                         nz(cfg->bonds[i].name));
        if (r < 0)
            break;
        len += (size_t)r;
    }
}

/* ---------------------------------------------------------------- names */

/* A rule's sort key: its slot packed into a, b and c, or its name in s. */
struct rule_key {
    uint64_t a, b, c;
    const char *s;                /* NULL (unnamed) sorts first */
};

/* Signed to unsigned, order kept. */
static uint64_t ord32(int32_t v)
{
    return (uint32_t)v ^ 0x80000000u;
}

/* A name's sort key: equal names get equal keys, so they end up side by
 * side (in the order of their hashes, then of strcmp, not alphabetical:
 * no strcmp per comparison). Odd, so never the 0 of no name. */
static uint64_t name_key(const char *name)
{
    uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a 64 */

    if (!name)
        return 0;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        h = (h ^ *p) * 0x100000001b3ull;
    return h | 1;
}

/* Rule i before rule j: by (a, b, c, s), then by index, so the first of
 * equal rules comes first. */
static inline bool rule_key_less(const struct rule_key *key, size_t i, size_t j)
{
    const struct rule_key *x = &key[i], *y = &key[j];

    if (x->a != y->a)
        return x->a < y->a;
    if (x->b != y->b)
        return x->b < y->b;
    if (x->c != y->c)
        return x->c < y->c;
    if (x->s != y->s) {
        int c = !x->s || !y->s ? (x->s != NULL) - (y->s != NULL) : strcmp(x->s, y->s);

        if (c)
            return c < 0;
    }
    return i < j;
}

enum rule_order { BY_NAME, BY_SLOT };

/* A rule's match as flower keys it: every field, addresses masked, in a
 * fixed layout (two rules with equal bytes are one filter to flower). */
#define MATCH_BYTES 96
static void match_bytes(const struct oo_cfg_match *m, uint8_t out[MATCH_BYTES])
{
    const struct oo_cfg_mac *macs[2] = { &m->src_mac, &m->dst_mac };
    const struct oo_cfg_ip *ips[2] = { &m->src_ip, &m->dst_ip };
    const int32_t nums[6] = { m->eth_type, m->vlan_id, m->vlan_prio, m->ip_proto, m->src_port, m->dst_port };
    size_t o = 0;

    memset(out, 0, MATCH_BYTES);
    memcpy(out, nums, sizeof nums);
    o += sizeof nums;
    for (int i = 0; i < 2; i++, o += 12)
        for (int b = 0; macs[i]->set && b < 6; b++) {
            out[o + b] = macs[i]->addr[b] & macs[i]->mask[b];
            out[o + 6 + b] = macs[i]->mask[b];
        }
    for (int i = 0; i < 2; i++, o += 18) {
        out[o] = (uint8_t)ips[i]->family;
        out[o + 1] = ips[i]->prefix;
        for (int b = 0; ips[i]->family && b < 16; b++) {
            int bits = ips[i]->prefix - 8 * b;

            out[o + 2 + b] = ips[i]->addr[b] & (bits >= 8 ? 0xff : bits <= 0 ? 0 : (uint8_t)(0xff << (8 - bits)));
        }
    }
}

/* 48 bits of a hash of the match's bytes (they share a sort key with the prio). */
static uint64_t match_hash(const struct oo_cfg_match *m)
{
    uint64_t w[MATCH_BYTES / 8], h = 0x9e3779b97f4a7c15ull;

    match_bytes(m, (uint8_t *)w);
    for (size_t i = 0; i < OO_ARRAY_SIZE(w); i++)
        h = (h ^ w[i]) * 0xff51afd7ed558ccdull, h ^= h >> 29;
    return h >> 16;
}

/* Indices 0..n_rules-1 grouped by name (unnamed first) or sorted by tc slot
 * (dev, chain, prio), ties by index; NULL when there are fewer than two
 * rules. Rules come by the ten thousand: a bottom-up merge sort with the
 * comparison inlined, on packed keys, names by hash (qsort_r with a
 * comparator reading the rules and strcmp'ing names took 9.4 M of the
 * 121 M instructions of loading 10 000 rules; this takes 4.8 M). */
static size_t *sorted_rule_index(const struct oo_config *cfg, enum rule_order order)
{
    size_t n = cfg->n_rules, *idx, *tmp, *src, *dst, i;
    struct rule_key *key;

    if (n < 2)
        return NULL;
    key = oo_calloc(n, sizeof *key);
    idx = oo_calloc(n, sizeof *idx);
    for (i = 0; i < n; i++) {
        const struct oo_cfg_rule *r = &cfg->rules[i];

        if (order == BY_SLOT)
            key[i] = (struct rule_key){ ord32(r->dev.kind) << 32 | ord32(r->dev.index),
                                        ord32(r->dev.vf) << 32 | r->chain, r->prio, NULL };
        else
            key[i] = (struct rule_key){ name_key(r->name), 0, 0, r->name };
        idx[i] = i;
    }
    /* Already in order (one slot for all, say): done. */
    for (i = 1; i < n && rule_key_less(key, i - 1, i); i++)
        ;
    if (i == n) {
        free(key);
        return idx;
    }
    tmp = oo_calloc(n, sizeof *tmp);
    src = idx;
    dst = tmp;
    for (size_t w = 1; w < n; w *= 2) {
        size_t *t;

        for (size_t lo = 0; lo < n; lo += 2 * w) {
            size_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
            size_t a = lo, b = mid, k = lo;

            while (a < mid && b < hi)
                dst[k++] = rule_key_less(key, src[b], src[a]) ? src[b++] : src[a++];
            while (a < mid)
                dst[k++] = src[a++];
            while (b < hi)
                dst[k++] = src[b++];
        }
        t = src;
        src = dst;
        dst = t;
    }
    if (src != idx)
        memcpy(idx, src, n * sizeof *idx);
    free(tmp);
    free(key);
    return idx;
}

static bool same_rule_slot(const struct oo_cfg_rule *x, const struct oo_cfg_rule *y)
{
    return x->dev.kind == y->dev.kind && x->dev.index == y->dev.index && x->dev.vf == y->dev.vf &&
           x->chain == y->chain && x->prio == y->prio;
}

/* tc keeps one protocol per (dev, chain, prio): a rule conflicts with the
 * first earlier rule of its slot that has another eth_type. Within a slot
 * (in config order) that is the slot's first rule when the eth_types
 * differ, else the first rule whose eth_type differs from the first's. */
static void check_rule_protocols(struct vctx *v)
{
    struct oo_config *cfg = v->cfg;
    size_t *idx = sorted_rule_index(cfg, BY_SLOT);
    size_t first = 0, other = SIZE_MAX;
    char path[128];

    for (size_t k = 0; idx && k < cfg->n_rules; k++) {
        size_t ri = idx[k], j;
        const struct oo_cfg_rule *r = &cfg->rules[ri], *f;

        if (k == 0 || !same_rule_slot(&cfg->rules[idx[first]], r)) {
            first = k;
            other = SIZE_MAX;
        }
        f = &cfg->rules[idx[first]];
        /* prio 0: missing or in error, which the parser reported */
        if (r->dev.kind == OO_CFG_REF_UNRESOLVED || k == first || !r->prio || !f->prio)
            continue;
        if (f->match.eth_type != r->match.eth_type) {
            if (other == SIZE_MAX)
                other = ri;
            j = idx[first];
        } else if (other != SIZE_MAX) {
            j = other;
        } else {
            continue;
        }
        verr(v, pick(r->at[OO_CFG_RULE_PRIO], r->loc), PATH("tc.rules[%zu].prio", ri),
             "tc.rules[%zu] '%s' uses prio %u on the same dev and chain with another eth_type: tc keeps one protocol per prio; pick another prio",
             j, nz(cfg->rules[j].name), r->prio);
    }
    free(idx);
}

/* flower keeps one filter per match in a (chain, prio) of a device: a second
 * rule with the same match there is refused (EEXIST) once the steps before
 * it have run. Reported here, at the later rule, before anything runs. The
 * rules go into a table by (dev, chain, prio, hash of the match): one pass,
 * where sorting 50 000 of them by that key cost as much as the rest of
 * validation. */
static void check_rule_matches(struct vctx *v)
{
    struct oo_config *cfg = v->cfg;
    size_t size = 16, *slot;
    uint64_t *key;
    uint8_t a[MATCH_BYTES], b[MATCH_BYTES];
    char path[128];

    while (size < 2 * cfg->n_rules)
        size *= 2;
    slot = oo_calloc(size, sizeof *slot);       /* rule index + 1; 0: free */
    key = oo_calloc(cfg->n_rules + 1, sizeof *key);
    for (size_t i = 0; i < cfg->n_rules; i++) {
        const struct oo_cfg_rule *r = &cfg->rules[i];
        size_t k;

        if (r->dev.kind == OO_CFG_REF_UNRESOLVED || !r->prio)
            continue;
        key[i] = ((ord32(r->dev.kind) << 32 | ord32(r->dev.index)) * 0x9e3779b97f4a7c15ull) ^
                 ((ord32(r->dev.vf) << 32 | r->chain) * 0xc2b2ae3d27d4eb4full) ^
                 ((uint64_t)r->prio << 48 | match_hash(&r->match));
        match_bytes(&r->match, a);
        for (k = (key[i] ^ key[i] >> 31) & (size - 1); slot[k]; k = (k + 1) & (size - 1)) {
            size_t j = slot[k] - 1;

            if (key[j] != key[i] || !same_rule_slot(&cfg->rules[j], r))
                continue;
            match_bytes(&cfg->rules[j].match, b);
            if (memcmp(a, b, sizeof a))
                continue;
            verr(v, pick(r->at[OO_CFG_RULE_MATCH], r->loc), PATH("tc.rules[%zu].match", i),
                 "tc.rules[%zu] '%s' has the same match on the same dev, chain and prio: flower keeps one "
                 "filter per match in a prio; change the match or the prio", j, nz(cfg->rules[j].name));
            break;
        }
        if (!slot[k])
            slot[k] = i + 1;
    }
    free(slot);
    free(key);
}

static void check_unique_names(struct vctx *v)
{
    struct oo_config *cfg = v->cfg;
    char path[128];

    for (size_t i = 0; i < cfg->n_pfs; i++) {
        const struct oo_cfg_pf *a = &cfg->pfs[i];

        for (size_t j = 0; j < i; j++) {
            const struct oo_cfg_pf *b = &cfg->pfs[j];

            if (a->name && b->name && !strcmp(a->name, b->name))
                verr(v, pick(a->at[OO_CFG_PF_NAME], a->loc), PATH("pfs[%zu].name", i),
                     "duplicate pf name '%s': pfs[%zu] has it already", a->name, j);
            if (a->has_device && b->has_device && oo_dl_handle_equal(&a->device, &b->device))
                verr(v, pick(a->at[OO_CFG_PF_DEVICE], a->loc), PATH("pfs[%zu].device", i),
                     "device %s/%s is already pfs[%zu] '%s': one pf entry per device",
                     a->device.bus, a->device.dev, j, nz(b->name));
            if (a->netdev && b->netdev && !strcmp(a->netdev, b->netdev))
                verr(v, pick(a->at[OO_CFG_PF_NETDEV], a->loc), PATH("pfs[%zu].netdev", i),
                     "netdev %s is already pfs[%zu] '%s': one pf entry per device", a->netdev,
                     j, nz(b->name));
        }
    }
    for (size_t i = 0; i < cfg->n_bonds; i++) {
        const struct oo_cfg_bond *a = &cfg->bonds[i];
        int pf;

        if (!a->name)
            continue;
        for (size_t j = 0; j < i; j++)
            if (cfg->bonds[j].name && !strcmp(a->name, cfg->bonds[j].name))
                verr(v, pick(a->at[OO_CFG_BOND_NAME], a->loc), PATH("bonds[%zu].name", i),
                     "duplicate bond name '%s': bonds[%zu] has it already", a->name, j);
        pf = oo_config_find_pf(cfg, a->name);
        if (pf >= 0)
            verr(v, pick(a->at[OO_CFG_BOND_NAME], a->loc), PATH("bonds[%zu].name", i),
                 "'%s' is already the name of pfs[%d]: references like dev: %s would be ambiguous; rename one",
                 a->name, pf, a->name);
        for (size_t p = 0; p < cfg->n_pfs; p++)
            if (cfg->pfs[p].netdev && !strcmp(a->name, cfg->pfs[p].netdev)) {
                verr(v, pick(a->at[OO_CFG_BOND_NAME], a->loc), PATH("bonds[%zu].name", i),
                     "'%s' is the netdev of pfs[%zu] '%s': a bond is a netdev of its own and needs "
                     "another name", a->name, p, nz(cfg->pfs[p].name));
                break;
            }
    }
    for (size_t i = 0; i < cfg->n_bridges; i++) {
        const struct oo_cfg_bridge *a = &cfg->bridges[i];
        int b;

        if (!a->name)
            continue;
        for (size_t j = 0; j < i; j++)
            if (cfg->bridges[j].name && !strcmp(a->name, cfg->bridges[j].name))
                verr(v, pick(a->at[OO_CFG_BRIDGE_NAME], a->loc), PATH("bridges[%zu].name", i),
                     "duplicate bridge name '%s': bridges[%zu] has it already", a->name, j);
        b = oo_config_find_bond(cfg, a->name);
        if (b >= 0)
            verr(v, pick(a->at[OO_CFG_BRIDGE_NAME], a->loc), PATH("bridges[%zu].name", i),
                 "'%s' is already the name of bonds[%d]: a bridge and a bond are both netdevs and need different names",
                 a->name, b);
        for (size_t p = 0; p < cfg->n_pfs; p++)
            if (cfg->pfs[p].netdev && !strcmp(a->name, cfg->pfs[p].netdev)) {
                verr(v, pick(a->at[OO_CFG_BRIDGE_NAME], a->loc), PATH("bridges[%zu].name", i),
                     "'%s' is the netdev of pfs[%zu] '%s': ovs-vswitchd makes a netdev named after "
                     "each bridge (its internal port), so the bridge needs another name",
                     a->name, p, nz(cfg->pfs[p].name));
                break;
            }
    }
    /* Rules come by the ten thousand: sort, do not compare every pair. */
    size_t *idx = sorted_rule_index(cfg, BY_NAME);

    for (size_t k = 1, first = 0; idx && k < cfg->n_rules; k++) {
        const struct oo_cfg_rule *a = &cfg->rules[idx[k]];

        if (!a->name)
            continue;
        if (!cfg->rules[idx[first]].name || strcmp(a->name, cfg->rules[idx[first]].name)) {
            first = k;
            continue;
        }
        verr(v, pick(a->at[OO_CFG_RULE_NAME], a->loc), PATH("tc.rules[%zu].name", idx[k]),
             "duplicate rule name '%s': tc.rules[%zu] has it already", a->name, idx[first]);
    }
    free(idx);
    /* tc.mpv pairs become rules named "mpv:NAME:N:in|out", whose ownership
     * marks are hashes of those names: a rule of that name would share one. */
    for (size_t i = 0; i < cfg->n_rules; i++) {
        const struct oo_cfg_rule *a = &cfg->rules[i];

        if (a->name && !strncmp(a->name, "mpv:", 4))
            verr(v, pick(a->at[OO_CFG_RULE_NAME], a->loc), PATH("tc.rules[%zu].name", i),
                 "rule names starting with 'mpv:' are the rules tc.mpv pairs make: choose another name");
    }
    for (size_t i = 0; i < cfg->n_mpvs; i++) {
        const struct oo_cfg_mpv *a = &cfg->mpvs[i];

        for (size_t j = 0; a->name && j < i; j++)
            if (cfg->mpvs[j].name && !strcmp(a->name, cfg->mpvs[j].name))
                verr(v, pick(a->at[OO_CFG_MPV_NAME], a->loc), PATH("tc.mpv[%zu].name", i),
                     "duplicate mpv name '%s': tc.mpv[%zu] has it already", a->name, j);
    }
}


static void check_vf(struct vctx *v, const struct oo_cfg_pf *pf, size_t p, size_t i)
{
    const struct oo_cfg_vf *vf = &pf->vfs[i];
    char path[128];

    if (vf->id == OO_CFG_VF_ID_NONE)
        ;                               /* the parser reported it: nothing to relate */
    else if (pf->num_vfs > 0 && vf->id >= (uint32_t)pf->num_vfs)
        verr(v, pick(vf->at[OO_CFG_VF_ID], vf->loc), PATH("pfs[%zu].vfs[%zu].id", p, i),
             "VF %u does not exist: pf '%s' has num_vfs: %d (VF ids 0..%d)", vf->id,
             nz(pf->name), pf->num_vfs, pf->num_vfs - 1);
    for (size_t j = 0; j < i && vf->id != OO_CFG_VF_ID_NONE; j++)
        if (pf->vfs[j].id == vf->id)
            verr(v, pick(vf->at[OO_CFG_VF_ID], vf->loc), PATH("pfs[%zu].vfs[%zu].id", p, i),
                 "VF %u is configured twice: pfs[%zu].vfs[%zu] has the same id", vf->id, p, j);
    /* A vlan written but refused by the parser is no second error here. */
    if (vf->qos >= 0 && vf->vlan < 0 && !vf->at[OO_CFG_VF_VLAN].line)
        verr(v, pick(vf->at[OO_CFG_VF_QOS], vf->loc), PATH("pfs[%zu].vfs[%zu].qos", p, i),
             "qos needs vlan: it is the priority of the VF's VLAN tag (ip link ... vf N vlan V qos Q)");
    else if (vf->qos > 0 && vf->vlan == 0)
        verr(v, pick(vf->at[OO_CFG_VF_QOS], vf->loc), PATH("pfs[%zu].vfs[%zu].qos", p, i),
             "qos %d needs a VLAN id 1..4095: vlan 0 means no VLAN tag", vf->qos);
    if (vf->link_state >= 0 && pf->eswitch != OO_ESWITCH_LEGACY)
        verr(v, pick(vf->at[OO_CFG_VF_LINK_STATE], vf->loc),
             PATH("pfs[%zu].vfs[%zu].link_state", p, i),
             "link_state applies to legacy PFs only, and pf '%s' %s: in switchdev a VF's link follows its representor (set the representor up or down)",
             nz(pf->name), eswitch_words(pf));
    /* mlx5 takes these through the PF in legacy only (esw/legacy.c:
     * EOPNOTSUPP otherwise; a VLAN of 0 is taken, as libvirt writes it). */
    if (pf->eswitch != OO_ESWITCH_LEGACY) {
        if (vf->trust >= 0)
            verr(v, pick(vf->at[OO_CFG_VF_TRUST], vf->loc), PATH("pfs[%zu].vfs[%zu].trust", p, i),
                 "trust applies to legacy PFs only, and pf '%s' %s: mlx5 refuses it in switchdev, "
                 "where the representor's OVS port and tc rules decide what the VF may do",
                 nz(pf->name), eswitch_words(pf));
        if (vf->spoofchk >= 0)
            verr(v, pick(vf->at[OO_CFG_VF_SPOOFCHK], vf->loc), PATH("pfs[%zu].vfs[%zu].spoofchk", p, i),
                 "spoofchk applies to legacy PFs only, and pf '%s' %s: mlx5 refuses it in switchdev, "
                 "where a tc rule on the representor matching src_mac does that",
                 nz(pf->name), eswitch_words(pf));
        if (vf->vlan > 0)
            verr(v, pick(vf->at[OO_CFG_VF_VLAN], vf->loc), PATH("pfs[%zu].vfs[%zu].vlan", p, i),
                 "vlan %d applies to legacy PFs only, and pf '%s' %s: mlx5 refuses a VF VLAN in "
                 "switchdev (only vlan 0); tag on the representor instead (its OVS port's tag, or "
                 "tc vlan_push/vlan_pop rules)", vf->vlan, nz(pf->name), eswitch_words(pf));
    }
    /* A devlink port function capability (Linux 6.3's DEVLINK_PORT_FN_ATTR_CAPS),
     * set while the VF is unbound: not in this kernel's uapi, not applied. */
    if (vf->migratable >= 0)
        verr(v, pick(vf->at[OO_CFG_VF_MIGRATABLE], vf->loc), PATH("pfs[%zu].vfs[%zu].migratable", p, i),
             "migratable is not supported: ovs-offload does not set devlink port function "
             "capabilities (Linux 6.3 or newer has them); leave the key out and set it with "
             "'devlink port function set ... migratable enable' while the VF is unbound");
    if (vf->min_tx_rate > 0 && vf->max_tx_rate > 0 && vf->min_tx_rate > vf->max_tx_rate)
        verr(v, pick(vf->at[OO_CFG_VF_MIN_TX_RATE], vf->loc),
             PATH("pfs[%zu].vfs[%zu].min_tx_rate", p, i),
             "min_tx_rate %lld Mbps is above max_tx_rate %lld Mbps (max_tx_rate 0 means no limit)",
             (long long)vf->min_tx_rate, (long long)vf->max_tx_rate);
}

/* ------------------------------------------------------------------ pfs */

/* VF-LAG's limits on pf, key paths naming pfs[k]: member says why it is a
 * member ("pf 'pf0' is in bond 'bond0'"); a multiport error goes to mp_at,
 * mp_path, and starts with mp_what. */
static void check_vflag_member(struct vctx *v, const struct oo_cfg_pf *pf, size_t k, const char *member,
                               struct oo_src_loc mp_at, const char *mp_path, const char *mp_what)
{
    char path[64];

    if (pf->num_vfs > OO_CFG_VFLAG_MAX_VFS)
        verr(v, pick(pf->at[OO_CFG_PF_NUM_VFS], pf->loc), PATH("pfs[%zu].num_vfs", k),
             "%d VFs on a VF-LAG member: the NIC supports at most %d VFs per PF under VF-LAG (%s)",
             pf->num_vfs, OO_CFG_VFLAG_MAX_VFS, member);
    if (pf->multiport == 1)
        verr(v, mp_at, mp_path, "%s: the multiport eswitch (MPV) and VF-LAG are exclusive LAG modes of "
             "the NIC", mp_what);
}

static void check_pfs(struct vctx *v)
{
    struct oo_config *cfg = v->cfg;
    char path[128];

    for (size_t p = 0; p < cfg->n_pfs; p++) {
        const struct oo_cfg_pf *pf = &cfg->pfs[p];
        /* The entry key paths name: the YAML's, for settings it gave. */
        const size_t k = pf->key_index >= 0 ? (size_t)pf->key_index : p;

        if (pf->multiport == 1 && pf->eswitch != OO_ESWITCH_SWITCHDEV)
            verr(v, pick(pf->at[OO_CFG_PF_MULTIPORT], pf->loc), PATH("pfs[%zu].multiport", k),
                 "multiport (devlink param esw_multiport) needs eswitch: switchdev, and pf '%s' %s",
                 nz(pf->name), eswitch_words(pf));
        if (pf->inline_mode >= 0 && pf->eswitch != OO_ESWITCH_SWITCHDEV)
            verr(v, pick(pf->at[OO_CFG_PF_INLINE_MODE], pf->loc), PATH("pfs[%zu].inline_mode", k),
                 "inline_mode is an attribute of a switchdev eswitch, and pf '%s' %s",
                 nz(pf->name), eswitch_words(pf));
        if (pf->encap_mode >= 0 && pf->eswitch != OO_ESWITCH_SWITCHDEV)
            verr(v, pick(pf->at[OO_CFG_PF_ENCAP_MODE], pf->loc), PATH("pfs[%zu].encap_mode", k),
                 "encap_mode is an attribute of a switchdev eswitch, and pf '%s' %s",
                 nz(pf->name), eswitch_words(pf));
        /* A member of a bond host.conf offloads: VF-LAG's limits, as a
         * member of a bond of the config. */
        if (pf->host_bond_member) {
            char member[128], mp_path[64];

            snprintf(member, sizeof member, "'%s' is a member of a bond host.conf offloads", nz(pf->name));
            check_vflag_member(v, pf, k, member, pick(pf->at[OO_CFG_PF_MULTIPORT], pf->loc),
                               fmt_path(mp_path, sizeof mp_path, "pfs[%zu].multiport", k), member);
        }

        if (pf->n_vfs && pf->num_vfs == OO_CFG_UNSET)
            verr(v, pick(pf->at[OO_CFG_PF_VFS], pf->loc), PATH("pfs[%zu].vfs", k),
                 "VF settings need num_vfs on pf '%s': the config must own the VFs it configures",
                 nz(pf->name));
        else if (pf->n_vfs && pf->num_vfs == 0)
            verr(v, pick(pf->at[OO_CFG_PF_VFS], pf->loc), PATH("pfs[%zu].vfs", k),
                 "pf '%s' has num_vfs: 0, so there are no VFs to configure", nz(pf->name));
        for (size_t i = 0; i < pf->n_vfs; i++)
            check_vf(v, pf, k, i);
    }
}

/* ------------------------------------------------------------ references */

/* The key path of a reference, formatted only when a message needs it:
 * formatting it up front for every rule was 5% of loading 10 000 rules. */
struct ref_path {
    const char *fmt;              /* "tc.rules[%zu].actions[%zu]": at most two %zu, a then b */
    size_t a, b;
};

/* Resolves ref in place; rp names the key for messages. */
static bool resolve_ref(struct vctx *v, struct oo_cfg_ref *ref, struct ref_path rp)
{
    const struct oo_config *cfg = v->cfg;
    char names[256], path[128];
    int pf, bond;

/* Excess arguments of a format are evaluated and ignored (C11 7.21.6.1). */
#define RPATH() (snprintf(path, sizeof path, rp.fmt, rp.a, rp.b), path)

    ref->kind = OO_CFG_REF_UNRESOLVED;
    ref->index = -1;
    if (!ref->name)
        return false;
    pf = oo_config_find_pf(cfg, ref->name);
    bond = oo_config_find_bond(cfg, ref->name);
    if (ref->vf >= 0) {
        const struct oo_cfg_pf *p;

        if (pf < 0) {
            list_pf_names(cfg, names, sizeof names);
            if (bond >= 0)
                verr(v, ref->loc, RPATH(), "'%s/%d': %s is a bond, and only pfs have VFs (pfs: %s)",
                     ref->name, ref->vf, ref->name, names);
            else
                verr(v, ref->loc, RPATH(), "'%s/%d': %s names no pf (pfs: %s)", ref->name, ref->vf,
                     ref->name, names);
            return false;
        }
        p = &cfg->pfs[pf];
        if (p->eswitch != OO_ESWITCH_SWITCHDEV) {
            verr(v, ref->loc, RPATH(),
                 "'%s/%d' is a VF representor, which exists only in switchdev, and pf '%s' %s",
                 ref->name, ref->vf, ref->name, eswitch_words(p));
            return false;
        }
        if (p->num_vfs == OO_CFG_UNSET || p->num_vfs == 0) {
            verr(v, ref->loc, RPATH(), "'%s/%d' needs VFs, and pf '%s' %s: set num_vfs",
                 ref->name, ref->vf, ref->name,
                 p->num_vfs ? "has no num_vfs key" : "has num_vfs: 0");
            return false;
        }
        if (p->num_vfs > 0 && ref->vf >= p->num_vfs) {
            verr(v, ref->loc, RPATH(), "'%s/%d': VF %d does not exist, pf '%s' has num_vfs: %d (VF ids 0..%d)",
                 ref->name, ref->vf, ref->vf, ref->name, p->num_vfs, p->num_vfs - 1);
            return false;
        }
        ref->kind = OO_CFG_REF_VF;
        ref->index = pf;
        return true;
    }
    if (pf >= 0) {
        ref->kind = OO_CFG_REF_PF;
        ref->index = pf;
        return true;
    }
    if (bond >= 0) {
        ref->kind = OO_CFG_REF_BOND;
        ref->index = bond;
        return true;
    }
    list_pf_bond_names(cfg, names, sizeof names);
    verr(v, ref->loc, RPATH(), "'%s' names no pf or bond (%s)", ref->name, names);
    return false;
#undef RPATH
}

/* The bond pf index p is a member of, or -1 (first one found). */
static int bond_of_pf(const struct oo_config *cfg, int p)
{
    for (size_t b = 0; b < cfg->n_bonds; b++)
        for (size_t m = 0; m < cfg->bonds[b].n_members; m++)
            if (cfg->bonds[b].members[m].index == p)
                return (int)b;
    return -1;
}

/* ----------------------------------------------------------------- bonds */

/* "0000:3b:00" of "0000:3b:00.1": the PCI device, without the function. */
static bool pci_slot(const struct oo_dl_handle *h, char *buf, size_t size)
{
    const char *dot;

    if (strcmp(h->bus, "pci"))
        return false;
    dot = strrchr(h->dev, '.');
    if (!dot || (size_t)(dot - h->dev) >= size)
        return false;
    memcpy(buf, h->dev, (size_t)(dot - h->dev));
    buf[dot - h->dev] = '\0';
    return true;
}

/* esw_multiport is one value for the whole NIC: two of its PFs may not ask
 * for different ones (the plan would set it back and forth). */
static void check_multiport_per_nic(struct vctx *v)
{
    struct oo_config *cfg = v->cfg;
    char path[128], slot[64], other[64];

    for (size_t p = 0; p < cfg->n_pfs; p++) {
        const struct oo_cfg_pf *pf = &cfg->pfs[p];

        if (pf->multiport < 0 || !pf->has_device || !pci_slot(&pf->device, slot, sizeof slot))
            continue;
        for (size_t q = 0; q < p; q++) {
            const struct oo_cfg_pf *o = &cfg->pfs[q];

            if (o->multiport < 0 || o->multiport == pf->multiport || !o->has_device ||
                !pci_slot(&o->device, other, sizeof other) || strcmp(slot, other))
                continue;
            verr(v, pick(pf->at[OO_CFG_PF_MULTIPORT], pf->loc), PATH("pfs[%zu].multiport", p),
                 "multiport is one setting of the whole NIC (devlink param esw_multiport): pf '%s' "
                 "wants %s, and pf '%s', another port of pci/%s, wants %s",
                 nz(pf->name), pf->multiport ? "true" : "false", nz(o->name), slot,
                 o->multiport ? "true" : "false");
            break;
        }
    }
}

static void check_bond_members(struct vctx *v, struct oo_cfg_bond *b, size_t bi)
{
    struct oo_config *cfg = v->cfg;
    char path[128], names[256], slot0[64] = "", slot[64], member[128], mp_what[64];
    int first_pci = -1;

    if (b->n_members < 2 || b->n_members > VFLAG_MAX_MEMBERS)
        verr(v, pick(b->at[OO_CFG_BOND_MEMBERS], b->loc), PATH("bonds[%zu].members", bi),
             "VF-LAG needs every port of the NIC in the bond: give 2 pfs (up to %d on 4-port NICs), got %zu",
             VFLAG_MAX_MEMBERS, b->n_members);
    for (size_t m = 0; m < b->n_members; m++) {
        struct oo_cfg_member *mem = &b->members[m];
        const struct oo_cfg_pf *pf;

        mem->index = -1;
        PATH("bonds[%zu].members[%zu]", bi, m);
        if (!mem->pf)
            continue;                   /* the parser reported it */
        mem->index = oo_config_find_pf(cfg, mem->pf);
        if (mem->index < 0) {
            list_pf_names(cfg, names, sizeof names);
            if (oo_config_find_bond(cfg, mem->pf) >= 0)
                verr(v, mem->loc, path, "'%s' is a bond: bond members are pfs (%s)", mem->pf, names);
            else
                verr(v, mem->loc, path, "'%s' names no pf (pfs: %s)", mem->pf, names);
            continue;
        }
        for (size_t j = 0; j < m; j++)
            if (b->members[j].index == mem->index) {
                verr(v, mem->loc, path, "'%s' is listed twice in this bond", mem->pf);
                mem->index = -1;
                break;
            }
        if (mem->index < 0)
            continue;
        for (size_t ob = 0; ob < bi; ob++) {
            const struct oo_cfg_bond *o = &cfg->bonds[ob];

            for (size_t om = 0; om < o->n_members; om++)
                if (o->members[om].index == mem->index)
                    verr(v, mem->loc, path,
                         "pf '%s' is already a member of bonds[%zu] '%s': a PF can be in one bond only",
                         mem->pf, ob, nz(o->name));
        }
        pf = &cfg->pfs[mem->index];
        if (pf->eswitch != OO_ESWITCH_SWITCHDEV)
            verr(v, mem->loc, path,
                 "VF-LAG needs eswitch: switchdev on every member, and pf '%s' (pfs[%d]) %s",
                 mem->pf, mem->index, eswitch_words(pf));
        snprintf(member, sizeof member, "pf '%s' is in bond '%s'", mem->pf, nz(b->name));
        snprintf(mp_what, sizeof mp_what, "pf '%s' has multiport: true", mem->pf);
        check_vflag_member(v, pf, (size_t)mem->index, member, mem->loc, path, mp_what);
        if (pf->has_device && pci_slot(&pf->device, slot, sizeof slot)) {
            if (first_pci < 0) {
                first_pci = mem->index;
                memcpy(slot0, slot, sizeof slot0);
            } else if (strcmp(slot0, slot)) {
                verr(v, mem->loc, path,
                     "VF-LAG bonds the ports of one NIC: pci/%s ('%s') and pci/%s ('%s') are different devices",
                     cfg->pfs[first_pci].device.dev, nz(cfg->pfs[first_pci].name),
                     pf->device.dev, mem->pf);
            }
        }
    }
}

static void check_bonds(struct vctx *v)
{
    struct oo_config *cfg = v->cfg;
    char path[128];

    for (size_t bi = 0; bi < cfg->n_bonds; bi++) {
        struct oo_cfg_bond *b = &cfg->bonds[bi];

        if (b->mode >= 0 && !oo_cfg_bond_mode_vflag_ok(b->mode))
            verr(v, pick(b->at[OO_CFG_BOND_MODE], b->loc), PATH("bonds[%zu].mode", bi),
                 "the NIC refuses bond mode %s for VF-LAG: use active-backup, balance-xor or 802.3ad",
                 nz(oo_cfg_bond_mode_to_string(b->mode)));
        if (b->members_from_host)
            continue;                   /* host.conf mode: the admin's bond, members on the host */
        check_bond_members(v, b, bi);
        if (b->primary) {
            bool member = false;

            for (size_t m = 0; m < b->n_members; m++)
                member |= b->members[m].pf && !strcmp(b->members[m].pf, b->primary);
            if (b->mode >= 0 && b->mode != OO_CFG_BOND_ACTIVE_BACKUP)
                verr(v, pick(b->at[OO_CFG_BOND_PRIMARY], b->loc), PATH("bonds[%zu].primary", bi),
                     "primary applies to active-backup only, and this bond is %s",
                     nz(oo_cfg_bond_mode_to_string(b->mode)));
            else if (!member)
                verr(v, pick(b->at[OO_CFG_BOND_PRIMARY], b->loc), PATH("bonds[%zu].primary", bi),
                     "primary '%s' is not a member of bond '%s'", b->primary, nz(b->name));
        }
        if (b->xmit_hash_policy >= 0 && b->mode == OO_CFG_BOND_ACTIVE_BACKUP)
            verr(v, pick(b->at[OO_CFG_BOND_XMIT_HASH_POLICY], b->loc),
                 PATH("bonds[%zu].xmit_hash_policy", bi),
                 "xmit_hash_policy applies to balance-xor and 802.3ad only, and this bond is active-backup");
        if (b->lacp_rate >= 0 && b->mode >= 0 && b->mode != OO_CFG_BOND_8023AD)
            verr(v, pick(b->at[OO_CFG_BOND_LACP_RATE], b->loc), PATH("bonds[%zu].lacp_rate", bi),
                 "lacp_rate applies to 802.3ad only, and this bond is %s",
                 nz(oo_cfg_bond_mode_to_string(b->mode)));
    }
}

/* --------------------------------------------------------------- bridges */

struct rep_key {
    int pf;
    uint32_t vf;
    size_t bridge, range;
    size_t order;                       /* position in file order */
};

static int rep_key_cmp(const void *a, const void *b)
{
    const struct rep_key *x = a, *y = b;

    if (x->pf != y->pf)
        return x->pf < y->pf ? -1 : 1;
    if (x->vf != y->vf)
        return x->vf < y->vf ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

static void check_bridge_reps(struct vctx *v, struct oo_cfg_bridge *br, size_t bi)
{
    struct oo_config *cfg = v->cfg;
    int *ranges_ok = oo_calloc(br->n_ranges ? br->n_ranges : 1, sizeof *ranges_ok);
    char path[128];

    if (br->n_ranges && cfg->reps_owned_by_host_agent)
        verr(v, pick(br->at[OO_CFG_BRIDGE_REPRESENTORS], br->loc),
             PATH("bridges[%zu].representors", bi),
             "representors are managed by the host agent in host.conf mode: remove them");
    for (size_t r = 0; r < br->n_ranges; r++) {
        const struct oo_cfg_rep_range *rg = &br->ranges[r];
        int pf = rg->pf ? oo_config_find_pf(cfg, rg->pf) : -1;
        const struct oo_cfg_pf *p;
        char names[256];
        bool ok = true;

        PATH("bridges[%zu].representors[%zu]", bi, r);
        if (!rg->pf) {
            ok = false;                 /* the parser reported it */
        } else if (pf < 0) {
            list_pf_names(cfg, names, sizeof names);
            verr(v, rg->loc, path, "'%s' names no pf (pfs: %s)", rg->pf, names);
            ok = false;
        } else {
            p = &cfg->pfs[pf];
            if (p->eswitch != OO_ESWITCH_SWITCHDEV) {
                verr(v, rg->loc, path,
                     "VF representors exist only in switchdev, and pf '%s' %s", rg->pf,
                     eswitch_words(p));
                ok = false;
            } else if (p->num_vfs == OO_CFG_UNSET || p->num_vfs == 0) {
                verr(v, rg->loc, path, "representors of pf '%s' need VFs, and it %s: set num_vfs",
                     rg->pf, p->num_vfs ? "has no num_vfs key" : "has num_vfs: 0");
                ok = false;
            } else if (p->num_vfs > 0 && rg->last >= (uint32_t)p->num_vfs) {
                verr(v, rg->loc, path,
                     "VF %u does not exist: pf '%s' has num_vfs: %d (VF ids 0..%d)", rg->last,
                     rg->pf, p->num_vfs, p->num_vfs - 1);
                ok = false;
            }
        }
        ranges_ok[r] = ok ? pf : -1;
    }
    for (size_t k = 0; k < br->n_reps; k++)
        br->reps[k].pf = ranges_ok[br->reps[k].range];
    free(ranges_ok);
}

static void check_rep_duplicates(struct vctx *v)
{
    struct oo_config *cfg = v->cfg;
    struct rep_key *keys;
    size_t n = 0, order = 0, *range_base, n_ranges = 0;
    bool *reported;
    char path[128];

    for (size_t b = 0; b < cfg->n_bridges; b++)
        n += cfg->bridges[b].n_reps;
    if (!n)
        return;
    /* One error per range (its first clash), however many VFs it shares. */
    range_base = oo_calloc(cfg->n_bridges, sizeof *range_base);
    for (size_t b = 0; b < cfg->n_bridges; b++) {
        range_base[b] = n_ranges;
        n_ranges += cfg->bridges[b].n_ranges;
    }
    reported = oo_calloc(n_ranges ? n_ranges : 1, sizeof *reported);
    keys = oo_calloc(n, sizeof *keys);
    n = 0;
    for (size_t b = 0; b < cfg->n_bridges; b++)
        for (size_t k = 0; k < cfg->bridges[b].n_reps; k++) {
            const struct oo_cfg_rep *rep = &cfg->bridges[b].reps[k];

            if (rep->pf >= 0)
                keys[n++] = (struct rep_key){ rep->pf, rep->vf, b, rep->range, order };
            order++;
        }
    qsort(keys, n, sizeof *keys, rep_key_cmp);
    for (size_t i = 1, first = 0; i < n; i++) {
        const struct rep_key *a = &keys[i];
        const struct oo_cfg_rep_range *rg;
        bool *done;

        if (a->pf != keys[first].pf || a->vf != keys[first].vf) {
            first = i;
            continue;
        }
        done = &reported[range_base[a->bridge] + a->range];
        if (*done)
            continue;
        *done = true;
        rg = &cfg->bridges[a->bridge].ranges[a->range];
        verr(v, rg->loc, PATH("bridges[%zu].representors[%zu]", a->bridge, a->range),
             "representor %s/%u is already on bridges[%zu] '%s' (representors[%zu]): a port can be on one bridge, once",
             rg->pf, a->vf, keys[first].bridge, nz(cfg->bridges[keys[first].bridge].name),
             keys[first].range);
    }
    free(keys);
    free(reported);
    free(range_base);
}

static void check_bridges(struct vctx *v)
{
    struct oo_config *cfg = v->cfg;
    char path[128];

    for (size_t bi = 0; bi < cfg->n_bridges; bi++) {
        struct oo_cfg_bridge *br = &cfg->bridges[bi];

        PATH("bridges[%zu].uplink", bi);
        if (br->has_uplink &&
            resolve_ref(v, &br->uplink, (struct ref_path){ "bridges[%zu].uplink", bi, 0 })) {
            int b = br->uplink.kind == OO_CFG_REF_PF ? bond_of_pf(cfg, br->uplink.index) : -1;

            if (b >= 0)
                verr(v, br->uplink.loc, path,
                     "pf '%s' is a member of bond '%s': make the bond the uplink", br->uplink.name,
                     nz(cfg->bonds[b].name));
            for (size_t j = 0; j < bi; j++) {
                const struct oo_cfg_bridge *o = &cfg->bridges[j];

                if (o->has_uplink && o->uplink.kind == br->uplink.kind &&
                    o->uplink.index == br->uplink.index)
                    verr(v, br->uplink.loc, path,
                         "'%s' is already the uplink of bridges[%zu] '%s': a port can be on one bridge",
                         br->uplink.name, j, nz(o->name));
            }
        }
        check_bridge_reps(v, br, bi);
    }
    check_rep_duplicates(v);
}

/* -------------------------------------------------------------- tc rules */

static bool is_ip_eth(int32_t t)
{
    return t == ETH_P_IPV4 || t == ETH_P_IPV6_;
}

static void check_match(struct vctx *v, const struct oo_cfg_rule *r, size_t ri)
{
    const struct oo_cfg_match *m = &r->match;
    const struct oo_cfg_ip *ips[2] = { &m->src_ip, &m->dst_ip };
    static const int ip_keys[2] = { OO_CFG_M_SRC_IP, OO_CFG_M_DST_IP };
    static const int port_keys[2] = { OO_CFG_M_SRC_PORT, OO_CFG_M_DST_PORT };
    const int32_t ports[2] = { m->src_port, m->dst_port };
    char path[128], etbuf[16];
    const char *et = oo_cfg_eth_type_describe(m->eth_type, etbuf);

#define MLOC(k) pick(m->at[k], pick(m->loc, r->loc))
    /* What flower would refuse, or take for a key that matches anything. */
    if (m->eth_type == 0)
        verr(v, MLOC(OO_CFG_M_ETH_TYPE), PATH("tc.rules[%zu].match.eth_type", ri),
             "eth_type 0 names no protocol: leave eth_type out to match them all");
    for (int i = 0; i < 2; i++)
        if (ips[i]->family && ips[i]->prefix == 0)
            verr(v, MLOC(ip_keys[i]), PATH("tc.rules[%zu].match.%s", ri, oo_cfg_match_keys[ip_keys[i]]),
                 "a /0 prefix matches every address: leave %s out", oo_cfg_match_keys[ip_keys[i]]);
    for (int i = 0; i < 2; i++) {
        const struct oo_cfg_mac *mac = i ? &m->dst_mac : &m->src_mac;
        static const uint8_t zero[6];
        int key = i ? OO_CFG_M_DST_MAC : OO_CFG_M_SRC_MAC;

        if (mac->set && !memcmp(mac->mask, zero, sizeof zero))
            verr(v, MLOC(key), PATH("tc.rules[%zu].match.%s", ri, oo_cfg_match_keys[key]),
                 "an all-zero mask matches every address: leave %s out", oo_cfg_match_keys[key]);
    }
    if (m->ip_proto >= 0 && !is_ip_eth(m->eth_type))
        verr(v, MLOC(OO_CFG_M_IP_PROTO), PATH("tc.rules[%zu].match.ip_proto", ri),
             "ip_proto needs eth_type: ipv4 or ipv6 (eth_type is %s)", et);
    if (m->ip_proto == PROTO_ICMP && m->eth_type == ETH_P_IPV6_)
        verr(v, MLOC(OO_CFG_M_IP_PROTO), PATH("tc.rules[%zu].match.ip_proto", ri),
             "icmp is IPv4's; with eth_type: ipv6 use icmpv6");
    if (m->ip_proto == PROTO_ICMPV6 && m->eth_type == ETH_P_IPV4)
        verr(v, MLOC(OO_CFG_M_IP_PROTO), PATH("tc.rules[%zu].match.ip_proto", ri),
             "icmpv6 is IPv6's; with eth_type: ipv4 use icmp");
    for (int i = 0; i < 2; i++) {
        int want = m->eth_type == ETH_P_IPV4 ? AF_INET : AF_INET6;

        if (!ips[i]->family)
            continue;
        if (!is_ip_eth(m->eth_type))
            verr(v, MLOC(ip_keys[i]), PATH("tc.rules[%zu].match.%s", ri, oo_cfg_match_keys[ip_keys[i]]),
                 "%s needs eth_type: %s (eth_type is %s)",
                 oo_cfg_match_keys[ip_keys[i]], ips[i]->family == AF_INET ? "ipv4" : "ipv6", et);
        else if (ips[i]->family != want)
            verr(v, MLOC(ip_keys[i]), PATH("tc.rules[%zu].match.%s", ri, oo_cfg_match_keys[ip_keys[i]]),
                 "%s is an %s address but eth_type is %s",
                 oo_cfg_match_keys[ip_keys[i]], ips[i]->family == AF_INET ? "IPv4" : "IPv6", et);
    }
    for (int i = 0; i < 2; i++) {
        if (ports[i] < 0)
            continue;
        if (m->ip_proto != PROTO_TCP && m->ip_proto != PROTO_UDP && m->ip_proto != PROTO_SCTP)
            verr(v, MLOC(port_keys[i]),
                 PATH("tc.rules[%zu].match.%s", ri, oo_cfg_match_keys[port_keys[i]]),
                 "%s needs ip_proto: tcp, udp or sctp", oo_cfg_match_keys[port_keys[i]]);
    }
    if (m->vlan_id >= 0 && m->eth_type != ETH_P_8021Q_)
        verr(v, MLOC(OO_CFG_M_VLAN_ID), PATH("tc.rules[%zu].match.vlan_id", ri),
             "vlan_id needs eth_type: 802.1q (eth_type is %s)", et);
    if (m->vlan_prio >= 0 && m->eth_type != ETH_P_8021Q_)
        verr(v, MLOC(OO_CFG_M_VLAN_PRIO), PATH("tc.rules[%zu].match.vlan_prio", ri),
             "vlan_prio needs eth_type: 802.1q (eth_type is %s)", et);
#undef MLOC
}

static bool action_is_terminal(int kind)
{
    return kind == OO_CFG_ACT_REDIRECT || kind == OO_CFG_ACT_DROP || kind == OO_CFG_ACT_PASS ||
           kind == OO_CFG_ACT_GOTO_CHAIN;
}

/* A rule at one of OVS's own prios with another protocol, on a port the
 * config puts on a bridge with hw-offload on: ovs-vswitchd's offload of all
 * its IPv4 (or IPv6) flows there would fail. Where the config leaves
 * hw-offload alone, or the port is on OVS by someone else's hand, the plan
 * judges it against the host. */
static void check_ovs_prio(struct vctx *v, const struct oo_cfg_rule *r, size_t ri)
{
    const struct oo_config *cfg = v->cfg;
    const char *et;
    char path[128], etbuf[16], dev[80];
    int ovs_proto;

    if (cfg->ovs.hw_offload != 1 || !r->prio || r->dev.kind == OO_CFG_REF_UNRESOLVED)
        return;
    ovs_proto = oo_cfg_rule_ovs_prio_clash(r);
    if (!ovs_proto || !oo_config_ref_on_bridge(cfg, &r->dev))
        return;
    if (r->dev.kind == OO_CFG_REF_VF)
        snprintf(dev, sizeof dev, "%s/%d", nz(r->dev.name), r->dev.vf);
    else
        snprintf(dev, sizeof dev, "%s", nz(r->dev.name));
    et = oo_cfg_eth_type_describe(r->match.eth_type, etbuf);
    verr(v, pick(r->at[OO_CFG_RULE_PRIO], r->loc), PATH("tc.rules[%zu].prio", ri),
         "rule '%s' on %s, a bridge port with ovs.hw_offload true, takes prio %u with eth_type %s: "
         "OVS puts the tc filters of its %s flows at prio %u of each port it offloads to, and tc "
         "keeps one protocol per prio, so their offload would fail; give the rule eth_type %s, or "
         "a prio above the ones OVS uses (docs/config.md, tc.rules)",
         nz(r->name), dev, r->prio, et, ovs_proto == 0x0800 ? "IPv4" : "IPv6", r->prio,
         ovs_proto == 0x0800 ? "ipv4" : "ipv6");
}

static void check_rules(struct vctx *v)
{
    struct oo_config *cfg = v->cfg;
    char path[128];

    for (size_t ri = 0; ri < cfg->n_rules; ri++) {
        struct oo_cfg_rule *r = &cfg->rules[ri];

        if (r->dev.name && resolve_ref(v, &r->dev, (struct ref_path){ "tc.rules[%zu].dev", ri, 0 }) &&
            r->dev.kind == OO_CFG_REF_PF) {
            int b = bond_of_pf(cfg, r->dev.index);

            if (b >= 0)
                verr(v, r->dev.loc, PATH("tc.rules[%zu].dev", ri),
                     "pf '%s' is in bond '%s', whose members share one ingress block: attach the rule to dev: %s",
                     r->dev.name, nz(cfg->bonds[b].name), nz(cfg->bonds[b].name));
            else if (cfg->pfs[r->dev.index].host_bond_member)
                verr(v, r->dev.loc, PATH("tc.rules[%zu].dev", ri),
                     "'%s' is a member of a bond host.conf offloads, whose members share one ingress "
                     "block: attach the rule to the bond", r->dev.name);
        }
        /* A bond has no tc offload of its own and mlx5 registers no block
         * callback for it: the kernel refuses skip_sw on a block that holds
         * such a device (EOPNOTSUPP, no message). */
        if (r->dev.kind == OO_CFG_REF_BOND &&
            (r->skip == OO_CFG_SKIP_SW || (r->skip < 0 && cfg->ovs.tc_policy == OO_CFG_TC_POLICY_SKIP_SW)))
            verr(v, r->skip == OO_CFG_SKIP_SW ? pick(r->at[OO_CFG_RULE_SKIP], r->loc) : r->loc,
                 PATH("tc.rules[%zu].skip", ri),
                 "a rule on bond '%s' cannot be hardware-only (%s): the bond's block holds the bond "
                 "itself, which has no tc offload, so the kernel refuses skip_sw; use skip: none",
                 nz(r->dev.name), r->skip == OO_CFG_SKIP_SW ? "skip: sw" : "ovs.tc_policy skip_sw");
        check_ovs_prio(v, r, ri);
        check_match(v, r, ri);
        for (size_t a = 0; a < r->n_actions; a++) {
            struct oo_cfg_action *act = &r->actions[a];

            if (act->kind < 0)
                continue;               /* the parser reported it */
            if (a > 0 && r->actions[a - 1].kind >= 0 && action_is_terminal(r->actions[a - 1].kind))
                verr(v, act->loc, PATH("tc.rules[%zu].actions[%zu]", ri, a),
                     "'%s' never runs: the action before it, '%s', ends the rule; move it before or remove it",
                     nz(oo_cfg_action_to_string(act->kind)),
                     nz(oo_cfg_action_to_string(r->actions[a - 1].kind)));
            if ((act->kind == OO_CFG_ACT_VLAN_PUSH || act->kind == OO_CFG_ACT_VLAN_MODIFY) &&
                act->vlan_id == 4095)
                verr(v, act->loc, PATH("tc.rules[%zu].actions[%zu]", ri, a),
                     "VLAN id 4095 is reserved: a tag the rule writes carries 0..4094");
            if ((act->kind == OO_CFG_ACT_REDIRECT || act->kind == OO_CFG_ACT_MIRROR) &&
                act->dev.name)
                resolve_ref(v, &act->dev, (struct ref_path){ "tc.rules[%zu].actions[%zu]", ri, a });
            if (act->kind == OO_CFG_ACT_GOTO_CHAIN && act->chain <= r->chain)
                verr(v, act->loc, PATH("tc.rules[%zu].actions[%zu]", ri, a),
                     "goto_chain %u from chain %u: mlx5 offloads goto only to a higher chain (and a lower one could loop)",
                     act->chain, r->chain);
        }
    }
    check_rule_protocols(v);
    check_rule_matches(v);
}

/* ------------------------------------------------------------------- mpv */

static void check_mpvs(struct vctx *v)
{
    struct oo_config *cfg = v->cfg;
    char path[128];

    for (size_t i = 0; i < cfg->n_mpvs; i++) {
        struct oo_cfg_mpv *m = &cfg->mpvs[i];
        bool ok[2];

        for (int k = 0; k < 2; k++) {
            struct oo_cfg_ref *ref = &m->vfs[k];

            PATH("tc.mpv[%zu].vfs[%d]", i, k);
            ok[k] = ref->name && resolve_ref(v, ref, (struct ref_path){ "tc.mpv[%zu].vfs[%zu]", i, (size_t)k });
            if (!ok[k])
                continue;
            if (cfg->pfs[ref->index].multiport != 1)
                verr(v, ref->loc, path,
                     "MPV needs multiport: true on pf '%s' (devlink param esw_multiport)",
                     ref->name);
            /* Its representor must never be on OVS. */
            for (size_t b = 0; b < cfg->n_bridges; b++) {
                const struct oo_cfg_bridge *br = &cfg->bridges[b];

                for (size_t r = 0; r < br->n_reps; r++)
                    if (br->reps[r].pf == ref->index && br->reps[r].vf == (uint32_t)ref->vf) {
                        verr(v, ref->loc, path,
                             "%s/%d is an MPV VF and also a representor of bridges[%zu] '%s' (representors[%u]): MPV traffic is carried by tc rules, never by OVS",
                             ref->name, ref->vf, b, nz(br->name), br->reps[r].range);
                        break;
                    }
            }
            for (size_t j = 0; j < i; j++)
                for (int l = 0; l < 2; l++) {
                    const struct oo_cfg_ref *o = &cfg->mpvs[j].vfs[l];

                    if (o->kind == OO_CFG_REF_VF && o->index == ref->index && o->vf == ref->vf)
                        verr(v, ref->loc, path, "%s/%d is already in tc.mpv[%zu] '%s'",
                             ref->name, ref->vf, j, nz(cfg->mpvs[j].name));
                }
        }
        if (ok[0] && ok[1] && m->vfs[0].index == m->vfs[1].index) {
            verr(v, pick(m->at[OO_CFG_MPV_VFS], m->loc), PATH("tc.mpv[%zu].vfs", i),
                 "an MPV pair needs one VF on each port, and both are on pf '%s'", m->vfs[0].name);
        } else if (ok[0] && ok[1]) {
            /* The multiport eswitch joins the ports of one NIC: two PCI
             * functions of one slot, where the config says where they are. */
            const struct oo_cfg_pf *a = &cfg->pfs[m->vfs[0].index], *b = &cfg->pfs[m->vfs[1].index];
            char sa[64], sb[64];

            if (a->has_device && b->has_device && pci_slot(&a->device, sa, sizeof sa) &&
                pci_slot(&b->device, sb, sizeof sb) && strcmp(sa, sb))
                verr(v, pick(m->at[OO_CFG_MPV_VFS], m->loc), PATH("tc.mpv[%zu].vfs", i),
                     "an MPV pair needs the two ports of one NIC, and pf '%s' (%s) and pf '%s' (%s) "
                     "are on two (the multiport eswitch joins the ports of one NIC)",
                     m->vfs[0].name, a->device.dev, m->vfs[1].name, b->device.dev);
        }
    }
}

/* One of the four filters an MPV pair makes (controller/tcplan.c), as a rule
 * for the checks above: chain 0, prio OO_CFG_MPV_PRIO, on the uplink to the
 * VF's address, on the VF's representor from it. */
static void mpv_as_rule(const struct oo_cfg_mpv *m, int k, bool uplink, struct oo_cfg_rule *r)
{
    memset(r, 0, sizeof *r);
    r->dev = (struct oo_cfg_ref){ .kind = uplink ? OO_CFG_REF_PF : OO_CFG_REF_VF, .index = m->vfs[k].index,
                                  .vf = uplink ? -1 : m->vfs[k].vf };
    r->prio = OO_CFG_MPV_PRIO;
    oo_cfg_match_init(&r->match);
    r->match.eth_type = m->ip.family == AF_INET ? 0x0800 : 0x86dd;
    if (uplink)
        r->match.dst_ip = m->ip;
    else
        r->match.src_ip = m->ip;
}

/* The filters of the MPV pairs share chain 0, prio OO_CFG_MPV_PRIO of their
 * uplinks and representors with each other and with tc.rules there: tc
 * keeps one protocol per prio and flower one filter per match. Refused here,
 * at the pair, before anything runs (apply would fail at the tc step, after
 * switchdev and the VFs). Pairs are few: each is set against the rules at
 * that prio and the pairs before it. */
static void check_mpv_filters(struct vctx *v)
{
    struct oo_config *cfg = v->cfg;
    size_t *at_prio = oo_malloc((cfg->n_rules + 1) * sizeof *at_prio), n_at = 0;
    uint8_t a[MATCH_BYTES], b[MATCH_BYTES];
    char path[128];

    for (size_t i = 0; i < cfg->n_rules; i++)
        if (cfg->rules[i].dev.kind != OO_CFG_REF_UNRESOLVED && cfg->rules[i].chain == 0 &&
            cfg->rules[i].prio == OO_CFG_MPV_PRIO)
            at_prio[n_at++] = i;
    for (size_t i = 0; i < cfg->n_mpvs; i++) {
        const struct oo_cfg_mpv *m = &cfg->mpvs[i];
        bool said = false;

        if (m->vfs[0].kind != OO_CFG_REF_VF || m->vfs[1].kind != OO_CFG_REF_VF || !m->ip.family)
            continue;
        PATH("tc.mpv[%zu].ip", i);
        for (int f = 0; f < 4 && !said; f++) {
            struct oo_cfg_rule mine, theirs;

            mpv_as_rule(m, f / 2, f % 2, &mine);
            match_bytes(&mine.match, a);
            for (size_t k = 0; k < n_at && !said; k++) {
                const struct oo_cfg_rule *r = &cfg->rules[at_prio[k]];

                if (!same_rule_slot(r, &mine))
                    continue;
                match_bytes(&r->match, b);
                if (r->match.eth_type != mine.match.eth_type || !memcmp(a, b, sizeof a)) {
                    verr(v, pick(m->at[OO_CFG_MPV_IP], m->loc), path,
                         "MPV pair '%s' puts its filters at chain 0 prio %d of %s, where tc.rules[%zu] '%s' %s; "
                         "move the rule to another prio", nz(m->name), OO_CFG_MPV_PRIO,
                         r->dev.name ? r->dev.name : "its dev", at_prio[k], nz(r->name),
                         r->match.eth_type != mine.match.eth_type
                             ? "has another eth_type (tc keeps one protocol per prio)"
                             : "has the same match (flower keeps one filter per match in a prio)");
                    said = true;
                }
            }
            for (size_t j = 0; j < i && !said; j++) {
                const struct oo_cfg_mpv *o = &cfg->mpvs[j];

                if (o->vfs[0].kind != OO_CFG_REF_VF || o->vfs[1].kind != OO_CFG_REF_VF || !o->ip.family)
                    continue;
                for (int g = 0; g < 4 && !said; g++) {
                    mpv_as_rule(o, g / 2, g % 2, &theirs);
                    if (!same_rule_slot(&theirs, &mine))
                        continue;
                    match_bytes(&theirs.match, b);
                    if (theirs.match.eth_type != mine.match.eth_type) {
                        verr(v, pick(m->at[OO_CFG_MPV_IP], m->loc), path,
                             "MPV pair '%s' is %s and tc.mpv[%zu] '%s' is %s on the same uplink: their filters "
                             "share chain 0 prio %d of it, and tc keeps one protocol per prio; the pairs of a "
                             "NIC take one IP version", nz(m->name), m->ip.family == AF_INET ? "IPv4" : "IPv6",
                             j, nz(o->name), o->ip.family == AF_INET ? "IPv4" : "IPv6", OO_CFG_MPV_PRIO);
                        said = true;
                    } else if (!memcmp(a, b, sizeof a)) {
                        verr(v, pick(m->at[OO_CFG_MPV_IP], m->loc), path,
                             "MPV pair '%s' has the address of tc.mpv[%zu] '%s' on the same uplink: flower "
                             "keeps one filter per match in a prio", nz(m->name), j, nz(o->name));
                        said = true;
                    }
                }
            }
        }
    }
    free(at_prio);
}

/* The waits bounded by waits.timeout_s (wait-vfs and wait-lag fail at it):
 * one written longer would fail its step instead of ending as documented;
 * a default longer than a shorter timeout_s written is cut to it. */
static void check_waits(struct vctx *v)
{
    struct oo_cfg_waits *w = &v->cfg->waits;
    const int keys[] = { OO_CFG_WAITS_LAG_SETTLE_S, OO_CFG_WAITS_UDEV_S };
    int32_t *vals[] = { &w->lag_settle_s, &w->udev_s };
    char path[64];

    if (w->timeout_s < 1 || w->timeout_s > OO_CFG_WAIT_MAX_S) {
        /* Written: the parser said so already. Built in memory: say it. */
        if (!w->at[OO_CFG_WAITS_TIMEOUT_S].line)
            verr(v, w->loc, "waits.timeout_s", "timeout_s %d is out of range: expected 1..%d",
                 w->timeout_s, OO_CFG_WAIT_MAX_S);
        return;
    }
    for (size_t i = 0; i < OO_ARRAY_SIZE(keys); i++) {
        const char *key = oo_cfg_waits_keys[keys[i]];

        if (*vals[i] <= w->timeout_s)
            continue;
        if (!w->at[keys[i]].line)
            *vals[i] = w->timeout_s;
        else
            verr(v, w->at[keys[i]], PATH("waits.%s", key),
                 "%s %d is longer than timeout_s %d: the step would fail at the timeout before "
                 "this wait ends; raise timeout_s or lower %s", key, *vals[i], w->timeout_s, key);
    }
}

int oo_config_validate(struct oo_config *cfg, struct oo_cfg_diag *diag)
{
    struct vctx v = { cfg, diag };
    size_t before = oo_cfg_diag_count(diag);

    check_unique_names(&v);
    check_pfs(&v);
    check_multiport_per_nic(&v);
    check_bonds(&v);
    check_bridges(&v);
    check_rules(&v);
    check_mpvs(&v);
    check_mpv_filters(&v);
    check_waits(&v);
    return oo_cfg_diag_count(diag) > before ? -EINVAL : 0;
}
