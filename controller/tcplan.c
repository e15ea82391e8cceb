#include "controller/tcplan.h"

#include <errno.h>
#include <linux/devlink.h>
#include <linux/if_ether.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common/util.h"
#include "controller/plan.h"
#include "tc/io.h"
#include "tc/owner.h"

static void label_of(const struct oo_config *cfg, int kind, int index, int64_t vf, char *buf, size_t size)
{
    if (kind == OO_CFG_REF_BOND)
        snprintf(buf, size, "%s", cfg->bonds[index].name);
    else if (kind == OO_CFG_REF_VF)
        snprintf(buf, size, "%.60s/vf%lld", cfg->pfs[index].name, (long long)vf);
    else
        snprintf(buf, size, "%s", cfg->pfs[index].name);
}

/* Where each (kind, index, vf) has its target in d->targets while
 * oo_tc_desired_build() runs: open addressing, sized for every target the
 * config can make, so at most half full. */
struct target_index {
    uint32_t *slot;                 /* position in d->targets + 1; 0 = free */
    size_t mask;
    size_t cap;                     /* of d->targets */
};

static void target_index_init(struct target_index *ix, size_t max_targets)
{
    size_t size = 16;

    while (size < 2 * max_targets)
        size *= 2;
    ix->slot = oo_calloc(size, sizeof *ix->slot);
    ix->mask = size - 1;
    ix->cap = 0;
}

static size_t target_hash(int kind, int index, int64_t vf)
{
    uint64_t h = ((uint64_t)(uint32_t)kind << 32 | (uint32_t)index) * 0x9e3779b97f4a7c15ull;

    h ^= (uint64_t)vf * 0xc2b2ae3d27d4eb4full;
    return (size_t)(h ^ h >> 29);
}

static struct oo_tc_target *target_for(const struct oo_config *cfg, struct oo_tc_desired *d,
                                       struct target_index *ix, oo_tc_resolve_fn fn, void *ctx,
                                       int kind, int index, int64_t vf)
{
    size_t i = target_hash(kind, index, vf) & ix->mask;
    struct oo_tc_target *t;

    for (; ix->slot[i]; i = (i + 1) & ix->mask) {
        t = &d->targets[ix->slot[i] - 1];
        if (t->kind == kind && t->index == index && t->vf == vf)
            return t;
    }
    if (d->n_targets == ix->cap) {
        ix->cap = ix->cap ? 2 * ix->cap : 16;
        d->targets = oo_realloc(d->targets, ix->cap * sizeof *d->targets);
    }
    ix->slot[i] = (uint32_t)++d->n_targets;
    t = &d->targets[d->n_targets - 1];
    memset(t, 0, sizeof *t);
    t->kind = kind;
    t->index = index;
    t->vf = vf;
    label_of(cfg, kind, index, vf, t->label, sizeof t->label);
    t->resolved = t->place_resolved = fn(ctx, kind, index, vf, &t->place) == 0;
    if (!t->resolved)
        snprintf(t->unresolved, sizeof t->unresolved, "%s does not exist yet", t->label);
    return t;
}

static struct oo_tc_filter *add_filter(struct oo_tc_target *t)
{
    /* Sized up front for the config's rules (oo_tc_desired_build); grows
     * by doubling past that (MPV filters). */
    if (t->n_filters == t->cap) {
        t->cap = t->cap ? 2 * t->cap : 8;
        t->filters = oo_realloc(t->filters, t->cap * sizeof *t->filters);
    }
    return &t->filters[t->n_filters++];
}

/* Resolves an action's target into ifindex; marks t unresolved if it is not there. */
static uint32_t action_ifindex(const struct oo_config *cfg, struct oo_tc_target *t, oo_tc_resolve_fn fn,
                               void *ctx, const struct oo_cfg_ref *ref)
{
    struct oo_tc_place p;
    char l[80];

    if (fn(ctx, ref->kind, ref->index, ref->vf, &p) == 0 && p.ifindex)
        return p.ifindex;
    label_of(cfg, ref->kind, ref->index, ref->vf, l, sizeof l);
    t->resolved = false;
    snprintf(t->unresolved, sizeof t->unresolved, "%s (a redirect target) does not exist yet", l);
    return 0;
}

static void set_ip(struct oo_tc_match *m, bool dst, const struct oo_cfg_ip *ip)
{
    size_t len = ip->family == AF_INET ? 4 : 16;
    uint8_t *addr = dst ? m->dst_ip : m->src_ip, *mask = dst ? m->dst_ip_mask : m->src_ip_mask;

    memcpy(addr, ip->addr, len);
    oo_tc_prefix_to_mask(ip->prefix, mask, len);
    m->keys |= ip->family == AF_INET ? (dst ? OO_TC_KEY_IPV4_DST : OO_TC_KEY_IPV4_SRC)
                                     : (dst ? OO_TC_KEY_IPV6_DST : OO_TC_KEY_IPV6_SRC);
}

static void set_skip(struct oo_tc_filter *f, int skip)
{
    f->skip_sw = skip == OO_CFG_SKIP_SW;
    f->skip_hw = skip == OO_CFG_SKIP_HW;
}

static void build_rule(const struct oo_config *cfg, const struct oo_cfg_rule *r, struct oo_tc_desired *d,
                       struct target_index *ix, oo_tc_resolve_fn fn, void *ctx)
{
    struct oo_tc_target *t = target_for(cfg, d, ix, fn, ctx, r->dev.kind, r->dev.index, r->dev.vf);
    struct oo_tc_filter *f = add_filter(t);
    const struct oo_cfg_match *m = &r->match;

    oo_tc_filter_init(f, t->place.block ? 0 : t->place.ifindex, t->place.block, r->chain,
                      (uint16_t)r->prio, m->eth_type >= 0 ? (uint16_t)m->eth_type : ETH_P_ALL);
    if (m->dst_mac.set) {
        memcpy(f->match.dst_mac, m->dst_mac.addr, 6);
        memcpy(f->match.dst_mac_mask, m->dst_mac.mask, 6);
        f->match.keys |= OO_TC_KEY_DST_MAC;
    }
    if (m->src_mac.set) {
        memcpy(f->match.src_mac, m->src_mac.addr, 6);
        memcpy(f->match.src_mac_mask, m->src_mac.mask, 6);
        f->match.keys |= OO_TC_KEY_SRC_MAC;
    }
    if (m->vlan_id >= 0) {
        f->match.vlan_id = (uint16_t)m->vlan_id;
        f->match.keys |= OO_TC_KEY_VLAN_ID;
    }
    if (m->vlan_prio >= 0) {
        f->match.vlan_prio = (uint8_t)m->vlan_prio;
        f->match.keys |= OO_TC_KEY_VLAN_PRIO;
    }
    if (m->ip_proto >= 0) {
        f->match.ip_proto = (uint8_t)m->ip_proto;
        f->match.keys |= OO_TC_KEY_IP_PROTO;
    }
    if (m->src_ip.family)
        set_ip(&f->match, false, &m->src_ip);
    if (m->dst_ip.family)
        set_ip(&f->match, true, &m->dst_ip);
    if (m->src_port >= 0) {
        f->match.src_port = (uint16_t)m->src_port;
        f->match.src_port_mask = 0xffff;
        f->match.keys |= OO_TC_KEY_SRC_PORT;
    }
    if (m->dst_port >= 0) {
        f->match.dst_port = (uint16_t)m->dst_port;
        f->match.dst_port_mask = 0xffff;
        f->match.keys |= OO_TC_KEY_DST_PORT;
    }
    set_skip(f, oo_cfg_rule_skip(cfg, r));
    for (size_t i = 0; i < r->n_actions; i++) {
        const struct oo_cfg_action *a = &r->actions[i];
        struct oo_tc_action act;

        switch (a->kind) {
        case OO_CFG_ACT_REDIRECT: act = oo_tc_action_redirect(action_ifindex(cfg, t, fn, ctx, &a->dev)); break;
        case OO_CFG_ACT_MIRROR: act = oo_tc_action_mirror(action_ifindex(cfg, t, fn, ctx, &a->dev)); break;
        case OO_CFG_ACT_DROP: act = oo_tc_action_drop(); break;
        case OO_CFG_ACT_PASS: act = oo_tc_action_pass(); break;
        case OO_CFG_ACT_VLAN_PUSH: act = oo_tc_action_vlan_push((uint16_t)a->vlan_id, a->vlan_prio); break;
        case OO_CFG_ACT_VLAN_POP: act = oo_tc_action_vlan_pop(); break;
        case OO_CFG_ACT_VLAN_MODIFY: act = oo_tc_action_vlan_modify((uint16_t)a->vlan_id, a->vlan_prio); break;
        case OO_CFG_ACT_GOTO_CHAIN: act = oo_tc_action_goto_chain(a->chain); break;
        default: continue;
        }
        oo_tc_filter_add_action(f, &act);
    }
    oo_tc_filter_set_owner(f, oo_tc_rule_id(r->name));
}

/* One MPV direction: on `at`, traffic to (dst) or from (src) the VF's address
 * is redirected to `to`. */
static void build_mpv_rule(const struct oo_config *cfg, const struct oo_cfg_mpv *mp, int n, bool to_vf,
                           struct oo_tc_desired *d, struct target_index *ix, oo_tc_resolve_fn fn,
                           void *ctx)
{
    const struct oo_cfg_ref *vf = &mp->vfs[n];
    struct oo_cfg_ref uplink = { .kind = OO_CFG_REF_PF, .index = vf->index, .vf = -1 };
    const struct oo_cfg_ref *at = to_vf ? &uplink : vf, *to = to_vf ? vf : &uplink;
    struct oo_tc_target *t = target_for(cfg, d, ix, fn, ctx, at->kind, at->index, at->vf);
    struct oo_tc_filter *f = add_filter(t);
    struct oo_tc_action act;
    char name[OO_CFG_MAX_NAME + 32];

    oo_tc_filter_init(f, t->place.block ? 0 : t->place.ifindex, t->place.block, 0, OO_TC_MPV_PRIO,
                      mp->ip.family == AF_INET ? ETH_P_IP : ETH_P_IPV6);
    set_ip(&f->match, to_vf, &mp->ip);
    f->skip_sw = true;
    act = oo_tc_action_redirect(action_ifindex(cfg, t, fn, ctx, to));
    oo_tc_filter_add_action(f, &act);
    snprintf(name, sizeof name, "mpv:%s:%d:%s", mp->name, n, to_vf ? "in" : "out");
    oo_tc_filter_set_owner(f, oo_tc_rule_id(name));
}

void oo_tc_desired_build(const struct oo_config *cfg, oo_tc_resolve_fn fn, void *ctx,
                         struct oo_tc_desired *out)
{
    struct target_index ix;

    memset(out, 0, sizeof *out);
    target_index_init(&ix, cfg->n_rules + 4 * cfg->n_mpvs + cfg->n_bridges);
    /* Each target's rules counted first, so that its array is allocated
     * once: growing 10 000 filters (720 bytes each) by doubling left the
     * old arrays behind in the heap, ~6 MB of ovs-offloadd's peak RSS. The
     * targets are made in the same order as by the build. */
    for (size_t i = 0; i < cfg->n_rules; i++) {
        const struct oo_cfg_ref *dev = &cfg->rules[i].dev;

        target_for(cfg, out, &ix, fn, ctx, dev->kind, dev->index, dev->vf)->cap++;
    }
    for (size_t i = 0; i < out->n_targets; i++)
        out->targets[i].filters = oo_malloc(out->targets[i].cap * sizeof *out->targets[i].filters);
    for (size_t i = 0; i < cfg->n_rules; i++)
        build_rule(cfg, &cfg->rules[i], out, &ix, fn, ctx);
    for (size_t i = 0; i < cfg->n_mpvs; i++)
        for (int n = 0; n < 2; n++) {
            build_mpv_rule(cfg, &cfg->mpvs[i], n, true, out, &ix, fn, ctx);
            build_mpv_rule(cfg, &cfg->mpvs[i], n, false, out, &ix, fn, ctx);
        }
    /* A bond that uplinks a bridge on which the config turns hw-offload on
     * is a target with or without rules: its members belong on its shared
     * block, where OVS offloads the bond's flows. OVS binds the bond when it
     * opens the port, and a member only on a link event of the member's
     * (netdev-linux's LAG tracking): one that lost the block stays off it
     * until its link flaps, and the plan puts it back (plan.c) once OVS
     * has the bond on its block. */
    for (size_t i = 0; cfg->ovs.hw_offload == 1 && i < cfg->n_bridges; i++) {
        const struct oo_cfg_bridge *br = &cfg->bridges[i];

        /* host.conf's bonds are the admin's: never changed. */
        if (br->has_uplink && br->uplink.kind == OO_CFG_REF_BOND && !cfg->bonds[br->uplink.index].members_from_host)
            target_for(cfg, out, &ix, fn, ctx, OO_CFG_REF_BOND, br->uplink.index, -1);
    }
    for (size_t i = 0; i < out->n_targets; i++)
        out->n_rules += out->targets[i].n_filters;
    free(ix.slot);
}

void oo_tc_desired_free(struct oo_tc_desired *d)
{
    for (size_t i = 0; i < d->n_targets; i++)
        free(d->targets[i].filters);
    free(d->targets);
    memset(d, 0, sizeof *d);
}

/* ------------------------------------------------------------ resolver */

void oo_tc_resolver_init(struct oo_tc_resolver *r, const struct oo_config *cfg, const struct oo_observed *obs)
{
    r->cfg = cfg;
    r->obs = obs;
    r->map = oo_calloc(cfg->n_pfs + 1, sizeof *r->map);
    oo_plan_map_pfs(cfg, obs, r->map);
    oo_link_index_init(&r->links, obs->links, obs->n_links);
}

void oo_tc_resolver_free(struct oo_tc_resolver *r)
{
    free(r->map);
    r->map = NULL;
    oo_link_index_free(&r->links);
}

static int place_of(const struct oo_observed *o, uint32_t ifindex, const char *name, struct oo_tc_place *out)
{
    const struct oo_tc_qdisc *q = oo_tc_find_ingress_qdisc(o->qdiscs, o->n_qdiscs, ifindex);

    if (!ifindex || !oo_link_by_index(o->links, o->n_links, ifindex))
        return -ENODEV;
    out->ifindex = ifindex;
    out->block = q ? q->ingress_block : 0;
    oo_strlcpy(out->netdev, name, sizeof out->netdev);
    return 0;
}

int oo_tc_resolve_observed(void *ctx, int kind, int index, int64_t vf, struct oo_tc_place *out)
{
    const struct oo_tc_resolver *r = ctx;
    const struct oo_observed *o = r->obs;
    const struct oo_obs_pf *pf;

    memset(out, 0, sizeof *out);
    if (kind == OO_CFG_REF_BOND) {
        const struct oo_link *b = oo_link_index_find(&r->links, r->cfg->bonds[index].name);
        if (!b || strcmp(b->kind, "bond"))
            return -ENODEV;
        place_of(o, b->ifindex, b->name, out);
        if (!out->block)
            out->block = b->ifindex;    /* the block apply makes, as OVS numbers it */
        return 0;
    }
    if (index < 0 || (size_t)index >= r->cfg->n_pfs || r->map[index] < 0)
        return -ENODEV;
    pf = &o->pfs[r->map[index]];
    for (size_t i = 0; i < pf->n_ports; i++) {
        const struct oo_dl_port *p = &pf->ports[i];
        if (kind == OO_CFG_REF_PF ? p->flavour == DEVLINK_PORT_FLAVOUR_PHYSICAL
                                  : (oo_port_is_vf_rep(p) && p->vfnum == vf))
            return place_of(o, p->ifindex, p->netdev, out);
    }
    return -ENODEV;
}

bool oo_tc_member_movable(const struct oo_tc_qdisc *q, const struct oo_tc_counts *counts)
{
    return !q || (!q->ingress_block && !strcmp(q->kind, "ingress") && !counts->ovs && !counts->foreign);
}

void oo_tc_desired_build_observed(const struct oo_config *cfg, const struct oo_observed *obs,
                                  struct oo_tc_desired *out)
{
    struct oo_tc_resolver res;

    oo_tc_resolver_init(&res, cfg, obs);
    oo_tc_desired_build(cfg, oo_tc_resolve_observed, &res, out);
    oo_tc_resolver_free(&res);
}
