/* Reconcile (pure): desired filters against the filters dumped from the
 * devices and blocks they belong to, touching only ours; and the offload
 * counters of a dump.
 *
 * A filter is identified by where it is (ifindex, or shared block) and its
 * rule id (our cookie, tc/owner.h), not by handle: a desired filter may
 * leave its handle 0 for the kernel to pick. For each (place, rule id):
 *   - an owned filter equal to the desired one (oo_tc_filter_equal) stays,
 *     unless it is hardware-only (skip_sw) and no longer in hardware;
 *   - one at the same chain, prio and protocol (and handle, if the desired
 *     filter names one) but otherwise different is replaced in place;
 *   - otherwise the owned ones are deleted and the desired one added;
 *   - owned filters no desired filter names are deleted.
 * Filters of OVS and of anyone else are never in a plan. A desired filter
 * that cannot be written is reported as a conflict and left out: one that
 * fails oo_tc_filter_check(), is not marked as ours, shares its rule id
 * with another desired filter of the same place, wants a (chain, prio)
 * another desired filter of the place uses with another protocol, or a
 * (chain, prio) or handle a filter that is not ours holds in an
 * incompatible way (another kind or protocol at that prio, the same handle).
 * Requests are ordered: the deletes in a (chain, prio) where a filter is
 * added or replaced (they may free what it needs), replaces, adds, then the
 * other deletes (make before break: a rule moved to another prio is added
 * before its old filter goes, even where other rules stay at the old prio).
 * A no-op reconcile is an empty plan: its cost is the dumps.
 *
 * Places: a device whose ingress qdisc is on a shared block has no filters
 * of its own; the kernel files what is written to it under the block and
 * dumps it in block form. Rules for such a device (a bond and its members,
 * OVS's VF-LAG) must be desired on the block, and the block dumped once. */
#ifndef OO_TC_RECONCILE_H
#define OO_TC_RECONCILE_H

#include <stddef.h>
#include <stdint.h>

#include "tc/flower.h"
#include "tc/req.h"

/* The key of a place: a shared block (block << 32), else the device's
 * ifindex (block 0). */
static inline uint64_t oo_tc_place_key_of(uint32_t ifindex, uint32_t block)
{
    return block ? (uint64_t)block << 32 : ifindex;
}

/* The key of a filter's place. */
static inline uint64_t oo_tc_place_key(const struct oo_tc_filter *f)
{
    return oo_tc_place_key_of(f->id.ifindex, f->id.block);
}

/* The slot hash of (place key, key) in the reconciler's and the daemon's
 * open-addressing tables (mask it to the table's size). */
static inline size_t oo_tc_place_hash(uint64_t place, uint64_t key)
{
    uint64_t h = (key ^ place * 0x9e3779b97f4a7c15ull) * 0xd6e8feb86659fd93ull;

    return (size_t)(h ^ h >> 32);
}

struct oo_tc_conflict {
    const struct oo_tc_filter *desired; /* the filter left out */
    const struct oo_tc_filter *holder;  /* what is in its way (observed or desired), or NULL */
    char reason[160];                   /* why, in words */
};

struct oo_tc_plan {
    struct oo_tc_req *reqs;       /* deletes in a (chain, prio) where a filter is
                                   * added or replaced, replaces, adds, then the
                                   * other deletes; the filters they point to
                                   * are the caller's arrays */
    size_t n_reqs;
    size_t n_late;                /* the last n_late requests: deletes that no
                                   * write depends on, to run only once the
                                   * writes before them succeeded */
    size_t n_delete, n_replace, n_add; /* requests of each op */
    size_t n_unchanged;           /* desired filters already in place */
    struct oo_tc_conflict *conflicts;
    size_t n_conflicts;
};

/* Plans the writes that turn `observed` (dumps of the places the desired
 * filters belong to) into `desired`. Pointers in the plan refer to the two
 * arrays, which must outlive it. Returns 0 (conflicts are not errors). */
int oo_tc_reconcile(const struct oo_tc_filter *desired, size_t n_desired,
                    const struct oo_tc_filter *observed, size_t n_observed,
                    struct oo_tc_plan *ret_plan);
/* Frees the plan's arrays; safe on a zeroed plan. */
void oo_tc_plan_free(struct oo_tc_plan *plan);

/* Offload counters of the filters of a device or block. */
struct oo_tc_counts {
    uint64_t total;               /* filters */
    uint64_t owned;               /* ours (oo_tc_classify) */
    uint64_t ovs;                 /* Open vSwitch's */
    uint64_t foreign;             /* anyone else's */
    uint64_t in_hw;               /* filters flagged in_hw */
    uint64_t in_hw_count;         /* sum of their in_hw_count (devices holding them) */
    uint64_t not_in_hw;           /* filters flagged not_in_hw */
    uint64_t hw_packets;          /* TCA_STATS_BASIC_HW of their first actions */
    uint64_t hw_bytes;
    uint64_t sw_packets;          /* TCA_STATS_BASIC minus the hardware part */
    uint64_t sw_bytes;
};

/* Adds the counters of filters[0..n-1] to *counts (zero it first). A filter
 * on a shared block is counted once per dump of the block, so count blocks
 * from a block dump, not from each member's. */
void oo_tc_count(const struct oo_tc_filter *filters, size_t n, struct oo_tc_counts *counts);
/* Adds b to a (totals). */
void oo_tc_counts_add(struct oo_tc_counts *a, const struct oo_tc_counts *b);

#endif
