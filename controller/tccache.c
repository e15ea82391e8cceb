#include "controller/tccache.h"

#include <stdlib.h>
#include <string.h>
#include <linux/rtnetlink.h>

#include "common/util.h"
#include "controller/tcplan.h"
#include "tc/io.h"
#include "tc/owner.h"
#include "tc/reconcile.h"

/* Room for n at most two thirds full: the cache stays in the daemon's heap
 * between passes (16 384 entries of 40 bytes at 10 000 rules). */
static size_t table_size(size_t n)
{
    size_t size = 16;

    while (size < n + n / 2)
        size *= 2;
    return size;
}

/* ---------------------------------------------------------------- entries */

static struct oo_tc_cache_entry *entry_find(const struct oo_tc_cache *c, uint64_t place, uint64_t rule_id)
{
    if (!c->v)
        return NULL;
    for (size_t i = oo_tc_place_hash(place, rule_id) & c->mask;; i = (i + 1) & c->mask) {
        struct oo_tc_cache_entry *e = &c->v[i];

        if (!e->handle)
            return e;
        if (e->place == place && e->rule_id == rule_id)
            return e;
    }
}

static void entries_free(struct oo_tc_cache *c)
{
    free(c->v);
    c->v = NULL;
    c->mask = 0;
    c->n = 0;
}

void oo_tc_cache_free(struct oo_tc_cache *c)
{
    free(c->v);
    free(c->blocks);
    memset(c, 0, sizeof *c);
}

void oo_tc_cache_invalidate(struct oo_tc_cache *c)
{
    oo_tc_cache_free(c);
}

/* ---------------------------------------------------------------- places */

/* The shared block ifindex's ingress is on at the last pass, or 0. */
static uint32_t dev_block(const struct oo_tc_cache *c, uint32_t ifindex)
{
    const struct oo_tc_qdisc *q = oo_tc_find_ingress_qdisc(c->blocks, c->n_blocks, ifindex);

    return q ? q->ingress_block : 0;
}

/* Keeps the ingress qdiscs of obs that are on a shared block (in obs's
 * order, which oo_tc_find_ingress_qdisc searches). */
static void blocks_keep(struct oo_tc_cache *c, const struct oo_observed *obs)
{
    free(c->blocks);
    c->blocks = obs->n_qdiscs ? oo_calloc(obs->n_qdiscs, sizeof *c->blocks) : NULL;
    c->n_blocks = 0;
    for (size_t i = 0; i < obs->n_qdiscs; i++) {
        const struct oo_tc_qdisc *q = &obs->qdiscs[i];

        if (q->ingress_block && oo_tc_find_ingress_qdisc(obs->qdiscs, obs->n_qdiscs, q->ifindex) == q)
            c->blocks[c->n_blocks++] = *q;
    }
}

static bool is_touched(const struct oo_tc_cache *c, uint64_t key)
{
    for (size_t i = 0; i < c->n_touched; i++)
        if (c->touched[i] == key)
            return true;
    return false;
}

void oo_tc_cache_touch(struct oo_tc_cache *c, const struct nlmsghdr *nlh)
{
    const struct tcmsg *tcm = NLMSG_DATA(nlh);
    uint32_t block;
    uint64_t key;

    if (!oo_tc_cache_valid(c))
        return;     /* the next pass reads everything in full anyway */
    /* A qdisc gone takes its filters without a word about them, an action
     * changed by its index changes filters that keep their handle, and an
     * undecodable message could be anything. */
    if ((nlh->nlmsg_type != RTM_NEWTFILTER && nlh->nlmsg_type != RTM_DELTFILTER) ||
        nlh->nlmsg_len < NLMSG_LENGTH(sizeof *tcm)) {
        oo_tc_cache_invalidate(c);
        return;
    }
    /* Written through the block itself, or through a device: the kernel
     * names the device even when its ingress is a shared block. */
    if ((uint32_t)tcm->tcm_ifindex == TCM_IFINDEX_MAGIC_BLOCK)
        block = tcm->tcm_block_index;
    else
        block = dev_block(c, (uint32_t)tcm->tcm_ifindex);
    key = oo_tc_place_key_of((uint32_t)tcm->tcm_ifindex, block);
    if (is_touched(c, key))
        return;
    if (!key || c->n_touched == OO_TC_CACHE_TOUCHED_MAX) {
        oo_tc_cache_invalidate(c);
        return;
    }
    c->touched[c->n_touched++] = key;
}

/* ------------------------------------------------------ desired filters */

/* The desired filters of the resolved targets by (place, rule id): the
 * first of each, as the reconciler plans for. */
struct want {
    uint64_t place, rule_id, hash;
    const struct oo_tc_filter *f;   /* NULL: a free slot */
    bool seen;                      /* an owned filter of it was read */
};

struct wants {
    struct want *v;
    size_t mask;
};

static struct want *want_find(const struct wants *w, uint64_t place, uint64_t rule_id)
{
    for (size_t i = oo_tc_place_hash(place, rule_id) & w->mask;; i = (i + 1) & w->mask) {
        struct want *x = &w->v[i];

        if (!x->f || (x->place == place && x->rule_id == rule_id))
            return x;
    }
}

static void wants_build(struct wants *w, const struct oo_tc_desired *d)
{
    size_t n = 0;

    for (size_t i = 0; i < d->n_targets; i++)
        n += d->targets[i].n_filters;
    w->mask = table_size(n) - 1;
    w->v = oo_calloc(w->mask + 1, sizeof *w->v);
    for (size_t i = 0; i < d->n_targets; i++) {
        const struct oo_tc_target *t = &d->targets[i];

        for (size_t k = 0; t->resolved && k < t->n_filters; k++) {
            const struct oo_tc_filter *f = &t->filters[k];
            uint64_t rule_id;
            struct want *x;

            if (oo_tc_classify(f, &rule_id) != OO_TC_OWNER_OURS)
                continue;
            x = want_find(w, oo_tc_place_key(f), rule_id);
            if (x->f)
                continue;
            *x = (struct want){ .place = oo_tc_place_key(f), .rule_id = rule_id,
                                .hash = oo_tc_filter_hash(f), .f = f };
        }
    }
}

/* ---------------------------------------------------------------- settle */

/* Gives terse filter o the keys and action parameters of d, if its actions
 * are d's kinds. */
static bool fill_in(struct oo_tc_filter *o, const struct oo_tc_filter *d)
{
    if (o->n_actions != d->n_actions || o->actions_truncated || d->actions_truncated)
        return false;
    for (unsigned i = 0; i < o->n_actions; i++)
        if (strcmp(o->actions[i].kind, d->actions[i].kind))
            return false;
    o->match = d->match;
    for (unsigned i = 0; i < o->n_actions; i++) {
        struct oo_tc_action *a = &o->actions[i];
        const struct oo_tc_action *b = &d->actions[i];

        a->type = b->type;
        a->control = b->control;
        a->ifindex = b->ifindex;
        a->chain = b->chain;
        a->vlan_id = b->vlan_id;
        a->vlan_proto = b->vlan_proto;
        a->vlan_prio = b->vlan_prio;
        a->extra = b->extra;
    }
    o->terse = false;
    return true;
}

/* Whether the cache vouches for owned terse filter o (rule rule_id), whose
 * desired filter is x. */
static bool vouches(const struct oo_tc_cache *c, const struct oo_tc_filter *o, uint64_t rule_id,
                    const struct want *x)
{
    const struct oo_tc_cache_entry *e = entry_find(c, oo_tc_place_key(o), rule_id);

    return e && e->handle && e->handle == o->id.handle && e->chain == o->id.chain &&
           e->prio == o->id.prio && e->protocol == o->id.protocol && e->hash == x->hash;
}

/* The new cache: every owned, complete filter of obs equal to its desired
 * filter. */
static void remember(struct oo_tc_cache *c, const struct oo_observed *obs, const struct wants *w)
{
    size_t n = 0;

    entries_free(c);
    for (size_t i = 0; i < obs->n_tc; i++)
        n += obs->tc[i].n_filters;
    c->mask = table_size(n) - 1;
    c->v = oo_calloc(c->mask + 1, sizeof *c->v);
    for (size_t i = 0; i < obs->n_tc; i++) {
        const struct oo_obs_tc_place *p = &obs->tc[i];

        for (size_t k = 0; !p->dump_err && k < p->n_filters; k++) {
            const struct oo_tc_filter *o = &p->filters[k];
            struct oo_tc_cache_entry *e;
            const struct want *x;
            uint64_t rule_id;

            if (o->terse || !o->id.handle || oo_tc_classify(o, &rule_id) != OO_TC_OWNER_OURS)
                continue;
            x = want_find(w, oo_tc_place_key(o), rule_id);
            if (!x->f || !oo_tc_filter_equal(x->f, o))
                continue;
            e = entry_find(c, oo_tc_place_key(o), rule_id);
            if (e->handle)
                continue;   /* two owned filters of one rule id: the plan removes one */
            *e = (struct oo_tc_cache_entry){
                .place = oo_tc_place_key(o), .rule_id = rule_id, .hash = x->hash, .handle = o->id.handle,
                .chain = o->id.chain, .prio = o->id.prio, .protocol = o->id.protocol,
            };
            c->n++;
        }
    }
}

/* Whether remembering obs would give c back as it is: a terse read in which
 * every entry vouched for its filter (no two filters can vouch for one
 * entry: they would share place, chain, prio, protocol and handle) and no
 * owned filter was a miss. Each vouched filter, filled in, is equal to its
 * desired filter but maybe for what is the kernel's in it (flags, cookies):
 * a filter the plan finds unequal is rewritten, and a pass that writes
 * drops the cache. This is the daemon's
 * steady state, and it then skips a table of 16 384 slots and a compare of
 * every filter at 10 000 rules. */
static bool unchanged(const struct oo_tc_cache *c, const struct oo_observed *obs,
                      const struct oo_tc_cache_stats *st)
{
    return obs->tc_terse && oo_tc_cache_valid(c) && !st->misses && !st->places_full && st->verified == c->n;
}

int oo_tc_cache_settle(struct oo_tc_cache *c, const struct oo_tc_desired *d, struct oo_observed *obs,
                       struct oo_tc_cache_stats *st)
{
    struct oo_tc_cache_stats dummy;
    struct wants w;
    bool *full, *terse;
    int r = 0;

    if (!st)
        st = &dummy;
    memset(st, 0, sizeof *st);
    st->terse = obs->tc_terse;
    if (obs->tc_err || obs->devlink_err) {
        oo_tc_cache_invalidate(c);
        return 0;
    }
    wants_build(&w, d);
    full = oo_calloc(obs->n_tc + 1, sizeof *full);
    terse = oo_calloc(obs->n_tc + 1, sizeof *terse);
    for (size_t i = 0; obs->tc_terse && i < obs->n_tc; i++) {
        struct oo_obs_tc_place *p = &obs->tc[i];
        bool touched = is_touched(c, oo_tc_place_key_of(p->ifindex, p->block));

        for (size_t k = 0; !p->dump_err && k < p->n_filters; k++) {
            struct oo_tc_filter *o = &p->filters[k];
            struct want *x;
            uint64_t rule_id;

            terse[i] |= o->terse;
            if (oo_tc_classify(o, &rule_id) != OO_TC_OWNER_OURS)
                continue;
            x = want_find(&w, oo_tc_place_key(o), rule_id);
            if (!x->f)
                continue;   /* not wanted: deleted by id, no keys needed */
            x->seen = true;
            if (!o->terse)
                continue;
            if (!touched && vouches(c, o, rule_id, x) && fill_in(o, x->f)) {
                st->verified++;
            } else {
                st->misses++;
                full[i] = true;
            }
        }
    }
    /* A wanted rule with no owned filter is added, and the plan first makes
     * sure that no foreign filter of its place holds its match: a terse
     * filter has no keys to compare, so that place is read in full too. */
    for (size_t j = 0; obs->tc_terse && j <= w.mask; j++) {
        if (!w.v[j].f || w.v[j].seen)
            continue;
        for (size_t i = 0; i < obs->n_tc; i++)
            full[i] |= terse[i] && oo_tc_place_key_of(obs->tc[i].ifindex, obs->tc[i].block) == w.v[j].place;
    }
    for (size_t i = 0; i < obs->n_tc; i++) {
        st->places_full += full[i];
        st->places_touched += full[i] && is_touched(c, oo_tc_place_key_of(obs->tc[i].ifindex, obs->tc[i].block));
        st->places_terse += terse[i] && !full[i];
    }
    if (st->places_full)
        r = oo_observe_tc_redump(obs, full);
    if (r < 0) {
        oo_tc_cache_invalidate(c);
    } else {
        if (!unchanged(c, obs, st))
            remember(c, obs, &w);
        /* What notifications name from now on is mapped to places as this
         * pass saw them; what they named before this pass, it has read. */
        c->n_touched = 0;
        blocks_keep(c, obs);
    }
    st->entries = c->n;

    free(full);
    free(terse);
    free(w.v);
    return r;
}
