/* The daemon's memory of its tc filters from one pass to the next, so that
 * a pass can read the kernel's filters terse.
 *
 * At 10 000 rules, the kernel's filter dump is most of a daemon pass that
 * finds nothing to do, and flower's key dump and the actions' full dumps are
 * a third of that dump. A terse dump (oo_tc_dump_filters_terse) leaves them
 * out: it says where each filter is, who owns it and whether it is in
 * hardware, not what it matches or does. OVS's revalidators read the flows
 * they already know the same way.
 *
 * What fills the gap is this cache. A full dump that shows an owned filter
 * equal to the desired filter of its rule id makes an entry: the place and
 * rule id, where the filter is (chain, prio, protocol, handle) and a hash of
 * the desired filter (oo_tc_filter_hash). In a later pass, an owned terse
 * filter with an entry for its place and rule id, at the same chain, prio,
 * protocol and handle, whose desired filter still has that hash, is taken
 * for that same filter: its keys and action parameters are copied from the
 * desired one, while its flags, counters and cookies are the kernel's. Any
 * other owned terse filter that the config wants is a miss, and its place is
 * dumped again in full before the plan is made, so that the plan compares
 * real keys. Filters that are not ours, and owned ones the config no longer
 * wants, need no keys: the plan only reads where they are and who owns
 * them.
 *
 * The one change a terse dump cannot show is a filter rewritten in place
 * with our cookie and another content: another ovs-offloadctl with another
 * config. Such a write is a tc notification that is not OVS's, and it names
 * the place it changed: the daemon hands each one to oo_tc_cache_touch,
 * and the next pass dumps that place in full and vouches for nothing there
 * (one rule deleted by hand no longer costs a full read of every place).
 * A notification that names no place the cache can tell (a qdisc, an
 * action changed by its index, a message that does not decode) drops the
 * whole cache (oo_tc_cache_invalidate). So do lost notifications, a pass
 * that wrote (the daemon leaves RTNLGRP_TC while it writes), a netdev
 * unregistered (mirred actions that redirected to it lose it without a tc
 * notification, and keep losing it once it is back at its old ifindex), a
 * reload and the periodic resync, so that those passes dump everything in
 * full. The periodic resync counts from the last full pass (oo_sched_end). */
#ifndef OO_CONTROLLER_TCCACHE_H
#define OO_CONTROLLER_TCCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "controller/observe.h"

struct oo_tc_cache_entry {
    uint64_t place;                 /* block << 32, or the ifindex */
    uint64_t rule_id;               /* oo_tc_rule_id() of the rule */
    uint64_t hash;                  /* oo_tc_filter_hash() of the desired filter */
    uint32_t handle;                /* where the equal filter was; 0: a free slot */
    uint32_t chain;
    uint16_t prio, protocol;
};

/* Places touched since the last pass beyond this many: the next pass reads
 * everything in full, which then costs little more than the re-dumps. */
#define OO_TC_CACHE_TOUCHED_MAX 32

struct oo_tc_cache {
    struct oo_tc_cache_entry *v;    /* open addressing, at most two thirds full */
    size_t mask;                    /* size - 1; v is NULL when empty */
    size_t n;                       /* entries */
    uint64_t touched[OO_TC_CACHE_TOUCHED_MAX]; /* place keys tc notifications named */
    size_t n_touched;
    struct oo_tc_qdisc *blocks;     /* the ingress qdiscs on shared blocks at the last */
    size_t n_blocks;                /* pass: a notification names the device, the cache
                                     * the block */
};

/* What one pass made of the cache. */
struct oo_tc_cache_stats {
    bool terse;                     /* the pass dumped terse (the cache was valid) */
    size_t places_terse;            /* places whose terse dump stood */
    size_t places_full;             /* places dumped again in full after a miss,
                                     * or for a wanted rule missing there */
    size_t places_touched;          /* of those, places a tc notification named */
    size_t verified;                /* owned terse filters taken from the cache */
    size_t misses;                  /* owned terse filters the cache could not vouch for */
    size_t entries;                 /* entries after the pass */
};

/* A zeroed cache is an empty, invalid one. */
void oo_tc_cache_free(struct oo_tc_cache *c);
/* Whether the next pass may dump terse: a full read has filled the cache
 * (which then has a table, even with no entry) since it was last dropped. */
static inline bool oo_tc_cache_valid(const struct oo_tc_cache *c)
{
    return c->v != NULL;
}
/* The next pass dumps in full (and refills the cache). */
void oo_tc_cache_invalidate(struct oo_tc_cache *c);

/* A tc notification that is not OVS's (oo_rtnl_event_relevant), read
 * between passes. A filter's names its place: the next pass dumps that place
 * in full and vouches for nothing there. Any other drops the cache. */
struct nlmsghdr;
void oo_tc_cache_touch(struct oo_tc_cache *c, const struct nlmsghdr *nlh);

struct oo_tc_desired;

/* Between observing obs (terse, when c was valid) and planning from it,
 * with d the config's filters resolved over obs (oo_tc_desired_build):
 * fills in the owned terse filters the cache vouches for, dumps again in
 * full the places where it cannot vouch for one (and those touched since
 * the last pass), and then remembers every owned filter of obs that equals
 * its desired filter (the cache becomes valid; the touched places are
 * forgotten). When obs's tc could not be read, the cache is invalidated
 * instead. st (may be NULL) gets what happened. Returns 0 or the -errno of
 * a failed re-dump's socket (the cache is then invalid). */
int oo_tc_cache_settle(struct oo_tc_cache *c, const struct oo_tc_desired *d, struct oo_observed *obs,
                       struct oo_tc_cache_stats *st);

#endif
