#include "tc/reconcile.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "tc/owner.h"

/* A filter reduced to what the plan sorts and groups by, packed so that
 * an order is three integer comparisons. */
struct ent {
    uint64_t place;               /* block << 32 | ifindex (0 for a block) */
    uint64_t slot;                /* chain << 16 | prio */
    uint64_t rule;                /* rule id (ours), 0 otherwise */
    size_t idx;                   /* index in its array */
};

static int cmp_u64(uint64_t a, uint64_t b)
{
    return a < b ? -1 : a > b;
}

static int cmp_place(const struct ent *a, const struct ent *b)
{
    return cmp_u64(a->place, b->place);
}

/* The two orders: by (place, rule, idx) and by (place, chain, prio, idx). */
enum ent_order { BY_RULE, BY_SLOT };

static inline bool ent_less(const struct ent *a, const struct ent *b, enum ent_order o)
{
    uint64_t x = o == BY_SLOT ? a->slot : a->rule, y = o == BY_SLOT ? b->slot : b->rule;

    if (a->place != b->place)
        return a->place < b->place;
    if (x != y)
        return x < y;
    return a->idx < b->idx;
}

/* A bottom-up merge sort with the comparison inlined: qsort's calls of a
 * comparator through a pointer were most of sorting 10 000 filters, four
 * times a pass (perf of ovs-offloadd's no-op pass). */
static void ent_sort(struct ent *v, size_t n, enum ent_order o)
{
    struct ent *tmp, *src = v, *dst;

    if (n < 2)
        return;
    tmp = oo_malloc(n * sizeof *tmp);
    dst = tmp;
    for (size_t w = 1; w < n; w *= 2) {
        struct ent *t;

        for (size_t lo = 0; lo < n; lo += 2 * w) {
            size_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
            size_t i = lo, j = mid, k = lo;

            while (i < mid && j < hi)
                dst[k++] = ent_less(&src[j], &src[i], o) ? src[j++] : src[i++];
            while (i < mid)
                dst[k++] = src[i++];
            while (j < hi)
                dst[k++] = src[j++];
        }
        t = src;
        src = dst;
        dst = t;
    }
    if (src != v)
        memcpy(v, src, n * sizeof *v);
    free(tmp);
}

static struct ent ent_of(const struct oo_tc_filter *f, uint64_t rule, size_t idx)
{
    uint64_t ifindex = f->id.block ? 0 : f->id.ifindex;

    return (struct ent){ (uint64_t)f->id.block << 32 | ifindex,
                         (uint64_t)f->id.chain << 16 | f->id.prio, rule, idx };
}

static bool same_place(const struct ent *a, const struct ent *b)
{
    return a->place == b->place;
}

static bool same_slot(const struct ent *a, const struct ent *b)
{
    return a->place == b->place && a->slot == b->slot;
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

/* Whether the filters that are not ours (sorted by slot) let d be added.
 * Returns the one in the way, or NULL. */
static const struct oo_tc_filter *obstacle(const struct oo_tc_filter *d, const struct ent *key,
                                           const struct ent *others, size_t n_others,
                                           const struct oo_tc_filter *observed, const char **why)
{
    size_t lo = 0, hi = n_others;

    /* The first entry of d's slot. */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        struct ent k = *key;

        k.idx = 0;
        if (ent_less(&others[mid], &k, BY_SLOT))
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = lo; i < n_others && same_slot(&others[i], key); i++) {
        const struct oo_tc_filter *o = &observed[others[i].idx];

        if (strcmp(o->kind, "flower")) {
            *why = "its priority holds another classifier kind";
            return o;
        }
        if (o->id.protocol != d->id.protocol) {
            *why = "its priority holds filters of another protocol";
            return o;
        }
        if (d->id.handle && o->id.handle == d->id.handle) {
            *why = "its handle is taken";
            return o;
        }
    }
    return NULL;
}

static const char *place_name(const struct oo_tc_filter *f, char *buf, size_t size)
{
    if (f->id.block)
        snprintf(buf, size, "block %u", f->id.block);
    else
        snprintf(buf, size, "ifindex %u", f->id.ifindex);
    return buf;
}

int oo_tc_reconcile(const struct oo_tc_filter *desired, size_t n_desired,
                    const struct oo_tc_filter *observed, size_t n_observed,
                    struct oo_tc_plan *ret_plan)
{
    _cleanup_free_ struct ent *des = oo_calloc(n_desired + 1, sizeof *des);
    _cleanup_free_ struct ent *slots = oo_calloc(n_desired + 1, sizeof *slots);
    _cleanup_free_ struct ent *owned = oo_calloc(n_observed + 1, sizeof *owned);
    _cleanup_free_ struct ent *others = oo_calloc(n_observed + 1, sizeof *others);
    _cleanup_free_ bool *bad = oo_calloc(n_desired + 1, sizeof *bad);
    size_t n_des = 0, n_slots = 0, n_owned = 0, n_others = 0, n_unchanged = 0;
    struct builder b = { 0 };
    char why[128], place[32];

    memset(ret_plan, 0, sizeof *ret_plan);
    b.dels = oo_calloc(n_observed + 1, sizeof *b.dels);
    b.reps = oo_calloc(n_desired + 1, sizeof *b.reps);
    b.adds = oo_calloc(n_desired + 1, sizeof *b.adds);

    /* Observed: ours by rule id, the rest by slot. */
    for (size_t i = 0; i < n_observed; i++) {
        uint64_t rule;

        if (oo_tc_classify(&observed[i], &rule) == OO_TC_OWNER_OURS)
            owned[n_owned++] = ent_of(&observed[i], rule, i);
        else
            others[n_others++] = ent_of(&observed[i], 0, i);
    }
    ent_sort(owned, n_owned, BY_RULE);
    ent_sort(others, n_others, BY_SLOT);

    /* Desired: each must be writable and ours. Those that are ours claim
     * their rule id even when left out, so that what is installed for them
     * stays until they can be written. */
    for (size_t i = 0; i < n_desired; i++) {
        const struct oo_tc_filter *d = &desired[i];
        uint64_t rule;

        if (oo_tc_classify(d, &rule) != OO_TC_OWNER_OURS) {
            conflict(&b, d, NULL, "not marked as ours (no owner cookie on every action)");
            continue;
        }
        if (oo_tc_filter_check(d, why, sizeof why) < 0) {
            conflict(&b, d, NULL, "cannot be written: %s", why);
            bad[i] = true;
        }
        des[n_des++] = ent_of(d, rule, i);
    }
    ent_sort(des, n_des, BY_RULE);
    for (size_t i = 1; i < n_des; i++)
        if (same_place(&des[i], &des[i - 1]) && des[i].rule == des[i - 1].rule &&
            !bad[des[i].idx]) {
            conflict(&b, &desired[des[i].idx], &desired[des[i - 1].idx],
                     "rule id %016llx is used by another filter of %s",
                     (unsigned long long)des[i].rule,
                     place_name(&desired[des[i].idx], place, sizeof place));
            bad[des[i].idx] = true;
        }
    /* One protocol per (chain, prio) of a place, as the kernel requires. */
    for (size_t i = 0; i < n_des; i++)
        if (!bad[des[i].idx])
            slots[n_slots++] = des[i];
    ent_sort(slots, n_slots, BY_SLOT);
    for (size_t i = 1, first = 0; i < n_slots; i++) {
        const struct oo_tc_filter *d = &desired[slots[i].idx], *f;

        if (!same_slot(&slots[i], &slots[first])) {
            first = i;
            continue;
        }
        f = &desired[slots[first].idx];
        if (d->id.protocol != f->id.protocol) {
            conflict(&b, d, f, "chain %u prio %u of %s is used with protocol 0x%04x",
                     d->id.chain, d->id.prio, place_name(d, place, sizeof place), f->id.protocol);
            bad[slots[i].idx] = true;
        }
    }

    /* Merge desired and owned by (place, rule id). */
    for (size_t i = 0, j = 0; i < n_des || j < n_owned;) {
        int c = i == n_des ? 1 : j == n_owned ? -1 : cmp_place(&des[i], &owned[j]);
        size_t gi, gj;

        if (!c)
            c = cmp_u64(des[i].rule, owned[j].rule);
        if (c > 0) {            /* owned, not desired */
            push_req(b.dels, &b.n_dels, OO_TC_OP_DELETE, &observed[owned[j].idx], 0);
            j++;
            continue;
        }
        /* The group of this (place, rule): desired i.., owned j.. */
        for (gi = i + 1; gi < n_des && !cmp_place(&des[gi], &des[i]) && des[gi].rule == des[i].rule;)
            gi++;
        gj = j;
        if (!c)
            for (; gj < n_owned && !cmp_place(&owned[gj], &des[i]) && owned[gj].rule == des[i].rule;)
                gj++;
        {
            const struct oo_tc_filter *d = &desired[des[i].idx];
            const struct oo_tc_filter *keep = NULL, *in_place = NULL, *holder;
            const char *reason = NULL;

            if (bad[des[i].idx]) {
                /* Left out: what is installed for it stays. */
            } else {
                for (size_t k = j; k < gj && !keep; k++)
                    if (oo_tc_filter_equal(d, &observed[owned[k].idx]))
                        keep = &observed[owned[k].idx];
                for (size_t k = j; k < gj && !keep && !in_place; k++) {
                    const struct oo_tc_filter *o = &observed[owned[k].idx];

                    if (o->id.chain == d->id.chain && o->id.prio == d->id.prio &&
                        o->id.protocol == d->id.protocol && !strcmp(o->kind, d->kind) &&
                        (!d->id.handle || d->id.handle == o->id.handle))
                        in_place = o;
                }
                holder = keep || in_place ? NULL
                         : obstacle(d, &des[i], others, n_others, observed, &reason);
                if (holder) {
                    conflict(&b, d, holder, "chain %u prio %u of %s: %s", d->id.chain,
                             d->id.prio, place_name(d, place, sizeof place), reason);
                } else {
                    for (size_t k = j; k < gj; k++) {
                        const struct oo_tc_filter *o = &observed[owned[k].idx];

                        if (o != keep && o != in_place)
                            push_req(b.dels, &b.n_dels, OO_TC_OP_DELETE, o, 0);
                    }
                    if (keep)
                        n_unchanged++;
                    else if (in_place)
                        push_req(b.reps, &b.n_reps, OO_TC_OP_REPLACE, d, in_place->id.handle);
                    else
                        push_req(b.adds, &b.n_adds, OO_TC_OP_ADD, d, 0);
                }
            }
        }
        i = gi;
        j = gj;
    }

    ret_plan->n_reqs = b.n_dels + b.n_reps + b.n_adds;
    ret_plan->reqs = oo_calloc(ret_plan->n_reqs + 1, sizeof *ret_plan->reqs);
    if (b.n_dels)
        memcpy(ret_plan->reqs, b.dels, b.n_dels * sizeof *b.dels);
    if (b.n_reps)
        memcpy(ret_plan->reqs + b.n_dels, b.reps, b.n_reps * sizeof *b.reps);
    if (b.n_adds)
        memcpy(ret_plan->reqs + b.n_dels + b.n_reps, b.adds, b.n_adds * sizeof *b.adds);
    ret_plan->n_delete = b.n_dels;
    ret_plan->n_replace = b.n_reps;
    ret_plan->n_add = b.n_adds;
    ret_plan->n_unchanged = n_unchanged;
    ret_plan->conflicts = b.conflicts;
    ret_plan->n_conflicts = b.n_conflicts;
    free(b.dels);
    free(b.reps);
    free(b.adds);
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
