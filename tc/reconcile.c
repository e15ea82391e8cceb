#include "tc/reconcile.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "tc/owner.h"

/* Filters grouped by a key, in one open-addressing table: a group is the
 * chain of the filters (indices into their array, in array order) that
 * share a place (block << 32 | ifindex) and a key (the rule id, or chain <<
 * 16 | prio). Reconciling 10 000 filters sorted three arrays of them before
 * (~10 M instructions, a third of a no-op plan); this is a pass each. */
struct group {
    uint64_t place, key;
    uint32_t first, last;         /* index + 1; first == 0: a free slot */
    bool matched;                 /* claimed by a desired filter */
};

struct groups {
    struct group *v;
    size_t mask;
    uint32_t *next;               /* per filter: the next of its group, + 1
                                   * (shared by the groupings of one array) */
};

/* Room for n groups, at most half full. */
static void groups_init(struct groups *g, size_t n, uint32_t *next)
{
    size_t size = 16;

    while (size < 2 * n)
        size *= 2;
    g->v = oo_calloc(size, sizeof *g->v);
    g->mask = size - 1;
    g->next = next;
}

static uint64_t slot_of(const struct oo_tc_filter *f)
{
    return (uint64_t)f->id.chain << 16 | f->id.prio;
}

/* The group of (place, key), or the free slot where it would go. */
static struct group *group_find(const struct groups *g, uint64_t place, uint64_t key)
{
    struct group *e;

    for (size_t i = oo_tc_place_hash(place, key) & g->mask;; i = (i + 1) & g->mask) {
        e = &g->v[i];
        if (!e->first || (e->place == place && e->key == key))
            return e;
    }
}

/* Adds filter idx to the end of e, its group (as group_find() gave it). */
static void group_put(struct groups *g, struct group *e, uint64_t place, uint64_t key, size_t idx)
{
    if (!e->first) {
        e->place = place;
        e->key = key;
        e->first = (uint32_t)idx + 1;
    } else {
        g->next[e->last - 1] = (uint32_t)idx + 1;
    }
    e->last = (uint32_t)idx + 1;
}

static void group_add(struct groups *g, uint64_t place, uint64_t key, size_t idx)
{
    group_put(g, group_find(g, place, key), place, key, idx);
}

/* Walks a group: for (i = e->first; i; i = group_next(g, i)) uses i - 1. */
static uint32_t group_next(const struct groups *g, uint32_t i)
{
    return g->next[i - 1];
}

struct builder {
    struct oo_tc_req *dels, *reps, *adds;
    size_t n_dels, n_reps, n_adds;
    struct oo_tc_conflict *conflicts;
    size_t n_conflicts;
};

/* arr has room: sized for the most requests of each op up front. */
static void push_req(struct oo_tc_req *arr, size_t *n, int op,
                     const struct oo_tc_filter *f, uint32_t handle)
{
    arr[(*n)++] = (struct oo_tc_req){ .op = op, .filter = f, .handle = handle };
}

static void conflict(struct builder *b, const struct oo_tc_filter *d,
                     const struct oo_tc_filter *holder, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void conflict(struct builder *b, const struct oo_tc_filter *d,
                     const struct oo_tc_filter *holder, const char *fmt, ...)
{
    struct oo_tc_conflict *c;
    va_list ap;

    b->conflicts = oo_realloc(b->conflicts, (b->n_conflicts + 1) * sizeof *b->conflicts);
    c = &b->conflicts[b->n_conflicts++];
    c->desired = d;
    c->holder = holder;
    va_start(ap, fmt);
    vsnprintf(c->reason, sizeof c->reason, fmt, ap);
    va_end(ap);
}

/* Whether the filters that are not ours (grouped by slot) let d be added
 * (replacing: written over one of ours in its slot, whose kind, protocol and
 * handle it keeps, so only a same match can be in the way: flower refuses
 * it with EEXIST). Returns the one in the way, or NULL. */
static const struct oo_tc_filter *obstacle(const struct oo_tc_filter *d, bool replacing,
                                           const struct groups *others,
                                           const struct oo_tc_filter *observed, const char **why)
{
    const struct group *e = group_find(others, oo_tc_place_key(d), slot_of(d));

    for (uint32_t i = e->first; i; i = group_next(others, i)) {
        const struct oo_tc_filter *o = &observed[i - 1];

        if (!OO_TC_KIND_IS(o->kind, "flower")) {
            if (replacing)
                continue;   /* another protocol's classifier: not in the way */
            *why = "its priority holds another classifier kind";
            return o;
        }
        if (o->id.protocol != d->id.protocol) {
            if (replacing)
                continue;
            *why = "its priority holds filters of another protocol";
            return o;
        }
        if (!replacing && d->id.handle && o->id.handle == d->id.handle) {
            *why = "its handle is taken";
            return o;
        }
        /* flower keeps one filter per mask and key in a priority. */
        if (!o->match.extra_keys && oo_tc_match_equal(&o->match, &d->match)) {
            *why = "its priority holds a filter with the same match";
            return o;
        }
    }
    return NULL;
}

/* Whether e, a group of observed filters, already has f's filter. */
static bool listed_before(const struct groups *g, const struct group *e, const struct oo_tc_filter *observed,
                          const struct oo_tc_filter *f)
{
    for (uint32_t k = e->first; k; k = group_next(g, k)) {
        const struct oo_tc_filter *o = &observed[k - 1];

        if (o->id.chain == f->id.chain && o->id.prio == f->id.prio && o->id.protocol == f->id.protocol &&
            o->id.handle == f->id.handle)
            return true;
    }
    return false;
}

static const char *place_name(const struct oo_tc_filter *f, char *buf, size_t size)
{
    if (f->id.block)
        snprintf(buf, size, "block %u", f->id.block);
    else
        snprintf(buf, size, "ifindex %u", f->id.ifindex);
    return buf;
}

/* A hardware-only filter (skip_sw) that no device holds any more: the
 * kernel keeps it when the hardware drops it (a block unbound from its
 * devices, the driver's tc offload torn down and set up again) and says
 * so only by clearing in_hw. It matches nothing, though it equals the
 * desired filter: written again in place, it is offloaded again or the
 * write fails with the driver's reason. */
static bool dead_in_hw(const struct oo_tc_filter *o)
{
    return o->skip_sw && !o->in_hw;
}

/* The plan for desired filter d, the first of its (place, rule id), given
 * the owned filters of that group (e, or none). */
static void plan_one(struct builder *b, const struct oo_tc_filter *d, const struct groups *owned,
                     const struct group *e, const struct groups *others,
                     const struct oo_tc_filter *observed, size_t *n_unchanged)
{
    const struct oo_tc_filter *keep = NULL, *in_place = NULL, *holder;
    const char *reason = NULL;
    char place[32];
    uint32_t first = e ? e->first : 0;

    for (uint32_t k = first; k && !keep; k = group_next(owned, k))
        if (!dead_in_hw(&observed[k - 1]) && oo_tc_filter_equal(d, &observed[k - 1]))
            keep = &observed[k - 1];
    for (uint32_t k = first; k && !keep && !in_place; k = group_next(owned, k)) {
        const struct oo_tc_filter *o = &observed[k - 1];

        if (o->id.chain == d->id.chain && o->id.prio == d->id.prio &&
            o->id.protocol == d->id.protocol && !strcmp(o->kind, d->kind) &&
            (!d->id.handle || d->id.handle == o->id.handle))
            in_place = o;
    }
    holder = keep ? NULL : obstacle(d, in_place != NULL, others, observed, &reason);
    if (holder) {
        conflict(b, d, holder, "chain %u prio %u of %s: %s", d->id.chain, d->id.prio,
                 place_name(d, place, sizeof place), reason);
        return;
    }
    for (uint32_t k = first; k; k = group_next(owned, k)) {
        const struct oo_tc_filter *o = &observed[k - 1];

        if (o != keep && o != in_place)
            push_req(b->dels, &b->n_dels, OO_TC_OP_DELETE, o, 0);
    }
    if (keep)
        (*n_unchanged)++;
    else if (in_place)
        push_req(b->reps, &b->n_reps, OO_TC_OP_REPLACE, d, in_place->id.handle);
    else
        push_req(b->adds, &b->n_adds, OO_TC_OP_ADD, d, 0);
}

/* Whether deleting owned filter o must come before the writes in its slot:
 * the slot's desired protocol (slots: the first desired filter of each slot)
 * is another, a write there names handles (named: conservatively, any), or a
 * filter written there has o's match (matches: the first desired filter of
 * each slot and match; writes[i]: desired[i] is added or replaced). */
static bool frees_for_write(const struct oo_tc_filter *o, bool named, const struct oo_tc_filter *desired,
                            const bool *writes, const struct groups *slots, const struct groups *matches)
{
    uint64_t key = oo_tc_match_hash(&o->match) ^ slot_of(o) * 0x9e3779b97f4a7c15ull;
    const struct group *e = group_find(slots, oo_tc_place_key(o), slot_of(o));
    const struct oo_tc_filter *f;

    if (named || (e->first && desired[e->first - 1].id.protocol != o->id.protocol))
        return true;
    e = group_find(matches, oo_tc_place_key(o), key);
    if (!e->first || !writes[e->first - 1])
        return false;
    f = &desired[e->first - 1];
    return slot_of(f) == slot_of(o) && oo_tc_match_equal(&f->match, &o->match);
}

static int reconcile(const struct oo_tc_filter *desired, size_t n_desired,
                     const struct oo_tc_filter *observed, size_t n_observed,
                     struct oo_tc_plan *ret_plan)
{
    /* bad[i]: desired[i] is left out; first[i]: it is the first of its
     * (place, rule id), the one planned for. */
    _cleanup_free_ bool *bad = oo_calloc(n_desired + 1, sizeof *bad);
    _cleanup_free_ bool *first = oo_calloc(n_desired + 1, sizeof *first);
    _cleanup_free_ uint64_t *rule = oo_malloc((n_desired + 1) * sizeof *rule);
    _cleanup_free_ uint64_t *id = oo_malloc((n_observed + 1) * sizeof *id);
    _cleanup_free_ bool *ours = oo_malloc((n_observed + 1) * sizeof *ours);
    _cleanup_free_ uint32_t *obs_next = oo_calloc(n_observed + 1, sizeof *obs_next);
    struct groups owned, others, des, slots, matches;
    size_t n_unchanged = 0, n_owned = 0;
    struct builder b = { 0 };
    char why[128], place[32];

    memset(ret_plan, 0, sizeof *ret_plan);
    b.dels = oo_malloc((n_observed + 1) * sizeof *b.dels);
    b.reps = oo_malloc((n_desired + 1) * sizeof *b.reps);
    b.adds = oo_malloc((n_desired + 1) * sizeof *b.adds);
    /* Of the desired filters, only the first of each group is kept: no
     * chains. */
    groups_init(&des, n_desired, NULL);
    groups_init(&slots, n_desired, NULL);
    groups_init(&matches, n_desired, NULL);

    /* Observed: ours by rule id, the rest by slot. */
    for (size_t i = 0; i < n_observed; i++) {
        ours[i] = oo_tc_classify(&observed[i], &id[i]) == OO_TC_OWNER_OURS;
        n_owned += ours[i];
    }
    groups_init(&owned, n_owned, obs_next);
    groups_init(&others, n_observed - n_owned, obs_next);
    for (size_t i = 0; i < n_observed; i++) {
        const struct oo_tc_filter *o = &observed[i];

        if (!ours[i]) {
            group_add(&others, oo_tc_place_key(o), slot_of(o), i);
            continue;
        }
        /* A dump is not atomic: it resumes at the n-th priority of the
         * chain, and a priority added or removed before that between two
         * reads makes it list filters twice. A second copy of a filter
         * (same chain, prio, protocol and handle) is the same filter:
         * planned as its own, it would be deleted, handle and all. */
        struct group *e = group_find(&owned, oo_tc_place_key(o), id[i]);
        if (!listed_before(&owned, e, observed, o))
            group_put(&owned, e, oo_tc_place_key(o), id[i], i);
    }

    /* Desired: each must be writable and ours, and the first of its rule
     * id. Those that are ours claim their rule id even when left out, so
     * that what is installed for them stays until they can be written. */
    for (size_t i = 0; i < n_desired; i++) {
        const struct oo_tc_filter *d = &desired[i];
        struct group *e;

        if (oo_tc_classify(d, &rule[i]) != OO_TC_OWNER_OURS) {
            conflict(&b, d, NULL, "not marked as ours (no owner cookie on every action)");
            bad[i] = true;
            continue;
        }
        if (oo_tc_filter_check(d, why, sizeof why) < 0) {
            conflict(&b, d, NULL, "cannot be written: %s", why);
            bad[i] = true;
        }
        e = group_find(&des, oo_tc_place_key(d), rule[i]);
        if (!e->first) {
            group_put(&des, e, oo_tc_place_key(d), rule[i], i);
            first[i] = true;
        } else if (!bad[i]) {
            conflict(&b, d, &desired[e->first - 1], "rule id %016llx is used by another filter of %s",
                     (unsigned long long)rule[i], place_name(d, place, sizeof place));
            bad[i] = true;
        }
    }
    /* One protocol per (chain, prio) of a place, as the kernel requires:
     * the first filter to use a slot sets it. */
    for (size_t i = 0; i < n_desired; i++) {
        const struct oo_tc_filter *d = &desired[i], *f;
        struct group *e;

        if (bad[i])
            continue;
        e = group_find(&slots, oo_tc_place_key(d), slot_of(d));
        if (!e->first) {
            group_put(&slots, e, oo_tc_place_key(d), slot_of(d), i);
            continue;
        }
        f = &desired[e->first - 1];
        if (d->id.protocol != f->id.protocol) {
            conflict(&b, d, f, "chain %u prio %u of %s is used with protocol 0x%04x",
                     d->id.chain, d->id.prio, place_name(d, place, sizeof place), f->id.protocol);
            bad[i] = true;
        }
    }
    /* One filter per match in a (chain, prio): the kernel refuses a second
     * (EEXIST), and would only once the steps before it had run. The
     * first to use a match keeps it. */
    for (size_t i = 0; i < n_desired; i++) {
        const struct oo_tc_filter *d = &desired[i], *f;
        uint64_t key;
        struct group *e;

        if (bad[i])
            continue;
        key = oo_tc_match_hash(&d->match) ^ slot_of(d) * 0x9e3779b97f4a7c15ull;
        e = group_find(&matches, oo_tc_place_key(d), key);
        if (!e->first) {
            group_put(&matches, e, oo_tc_place_key(d), key, i);
            continue;
        }
        f = &desired[e->first - 1];
        if (slot_of(d) == slot_of(f) && oo_tc_match_equal(&d->match, &f->match)) {
            conflict(&b, d, f, "chain %u prio %u of %s holds another rule with the same match",
                     d->id.chain, d->id.prio, place_name(d, place, sizeof place));
            bad[i] = true;
        }
    }

    /* Each (place, rule id) that is desired: planned from its first
     * desired filter, unless that one is left out (what is installed for
     * it then stays). */
    for (size_t i = 0; i < n_desired; i++) {
        const struct oo_tc_filter *d = &desired[i];
        struct group *e;

        if (!first[i])
            continue;
        e = group_find(&owned, oo_tc_place_key(d), rule[i]);
        if (e->first)
            e->matched = true;
        if (!bad[i])
            plan_one(&b, d, &owned, e->first ? e : NULL, &others, observed, &n_unchanged);
    }
    /* Owned, not desired. */
    for (size_t i = 0; i <= owned.mask; i++)
        if (owned.v[i].first && !owned.v[i].matched)
            for (uint32_t k = owned.v[i].first; k; k = group_next(&owned, k))
                push_req(b.dels, &b.n_dels, OO_TC_OP_DELETE, &observed[k - 1], 0);

    /* A delete goes first only where it frees what a filter written in its
     * (chain, prio) needs: the prio's protocol, the match (flower holds one
     * filter per match), or a handle the write names. Any other delete goes
     * last (make before break), so that a rule that moves to another prio
     * or chain is not missing while it moves, nor lost if its add fails,
     * even when another rule is written where it was: the caller runs the
     * late deletes only after the rest succeeded. */
    size_t n_early = 0, n_late = 0;
    struct oo_tc_req *late = oo_malloc((b.n_dels + 1) * sizeof *late);
    _cleanup_free_ bool *writes = oo_calloc(n_desired + 1, sizeof *writes);
    struct groups written;

    groups_init(&written, b.n_adds + b.n_reps, NULL);
    for (size_t i = 0; i < b.n_adds + b.n_reps; i++) {
        const struct oo_tc_filter *f = i < b.n_adds ? b.adds[i].filter : b.reps[i - b.n_adds].filter;
        struct group *e = group_find(&written, oo_tc_place_key(f), slot_of(f));

        if (!e->first)      /* one entry per slot: no chains (next is NULL) */
            group_put(&written, e, oo_tc_place_key(f), slot_of(f), i);
        if (i < b.n_adds && f->id.handle)
            e->matched = true;      /* here: a write names its handle */
        writes[f - desired] = true;
    }
    for (size_t i = 0; i < b.n_dels; i++) {
        const struct oo_tc_filter *o = b.dels[i].filter;
        const struct group *e = group_find(&written, oo_tc_place_key(o), slot_of(o));

        if (e->first && frees_for_write(o, e->matched, desired, writes, &slots, &matches))
            b.dels[n_early++] = b.dels[i];
        else
            late[n_late++] = b.dels[i];
    }
    free(written.v);
    ret_plan->n_reqs = b.n_dels + b.n_reps + b.n_adds;
    ret_plan->reqs = oo_calloc(ret_plan->n_reqs + 1, sizeof *ret_plan->reqs);
    if (n_early)
        memcpy(ret_plan->reqs, b.dels, n_early * sizeof *b.dels);
    if (b.n_reps)
        memcpy(ret_plan->reqs + n_early, b.reps, b.n_reps * sizeof *b.reps);
    if (b.n_adds)
        memcpy(ret_plan->reqs + n_early + b.n_reps, b.adds, b.n_adds * sizeof *b.adds);
    if (n_late)
        memcpy(ret_plan->reqs + n_early + b.n_reps + b.n_adds, late, n_late * sizeof *late);
    free(late);
    ret_plan->n_late = n_late;
    ret_plan->n_delete = b.n_dels;
    ret_plan->n_replace = b.n_reps;
    ret_plan->n_add = b.n_adds;
    ret_plan->n_unchanged = n_unchanged;
    ret_plan->conflicts = b.conflicts;
    ret_plan->n_conflicts = b.n_conflicts;
    free(b.dels);
    free(b.reps);
    free(b.adds);
    free(owned.v);
    free(others.v);
    free(des.v);
    free(slots.v);
    free(matches.v);
    return 0;
}

int oo_tc_reconcile(const struct oo_tc_filter *desired, size_t n_desired,
                    const struct oo_tc_filter *observed, size_t n_observed,
                    struct oo_tc_plan *ret_plan)
{
    if (n_desired || n_observed)
        return reconcile(desired, n_desired, observed, n_observed, ret_plan);
    /* Nothing wanted and nothing there (most representors): the empty
     * plan, without building the tables. */
    memset(ret_plan, 0, sizeof *ret_plan);
    ret_plan->reqs = oo_calloc(1, sizeof *ret_plan->reqs);
    return 0;
}

void oo_tc_plan_free(struct oo_tc_plan *plan)
{
    free(plan->reqs);
    free(plan->conflicts);
    memset(plan, 0, sizeof *plan);
}

void oo_tc_count(const struct oo_tc_filter *filters, size_t n, struct oo_tc_counts *counts)
{
    for (size_t i = 0; i < n; i++) {
        const struct oo_tc_filter *f = &filters[i];
        const struct oo_tc_stats *s = &f->stats;

        counts->total++;
        switch (oo_tc_classify(f, NULL)) {
        case OO_TC_OWNER_OURS:
            counts->owned++;
            break;
        case OO_TC_OWNER_OVS:
            counts->ovs++;
            break;
        default:
            counts->foreign++;
            break;
        }
        if (f->in_hw) {
            counts->in_hw++;
            counts->in_hw_count += f->in_hw_count;
        }
        counts->not_in_hw += f->not_in_hw;
        counts->hw_packets += s->hw_packets;
        counts->hw_bytes += s->hw_bytes;
        counts->sw_packets += s->packets > s->hw_packets ? s->packets - s->hw_packets : 0;
        counts->sw_bytes += s->bytes > s->hw_bytes ? s->bytes - s->hw_bytes : 0;
    }
}

void oo_tc_counts_add(struct oo_tc_counts *a, const struct oo_tc_counts *b)
{
    a->total += b->total;
    a->owned += b->owned;
    a->ovs += b->ovs;
    a->foreign += b->foreign;
    a->in_hw += b->in_hw;
    a->in_hw_count += b->in_hw_count;
    a->not_in_hw += b->not_in_hw;
    a->hw_packets += b->hw_packets;
    a->hw_bytes += b->hw_bytes;
    a->sw_packets += b->sw_packets;
    a->sw_bytes += b->sw_bytes;
}
