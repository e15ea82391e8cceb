/* tc rules of the config (tc.rules, and tc.mpv expanded into its rule pairs)
 * as desired flower filters, grouped by target: a PF's uplink, a VF's
 * representor, or a bond's shared ingress block. One builder serves plan and
 * apply: what differs is only how references resolve to ifindexes (the
 * observed host at plan time; fresh dumps at apply time, when representors
 * made in the same run have names). */
#ifndef OO_CONTROLLER_TCPLAN_H
#define OO_CONTROLLER_TCPLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "controller/observe.h"
#include "tc/flower.h"

/* MPV rules: chain 0, this prio, hardware only (the seed's and ovs-tests'
 * shape); on uplinks OVS's own filters use prio 2 and up. */
#define OO_TC_MPV_PRIO OO_CFG_MPV_PRIO

/* What a reference resolves to. */
struct oo_tc_place {
    uint32_t ifindex;               /* the netdev (0: does not exist now) */
    uint32_t block;                 /* its shared ingress block, 0 = its own ingress */
    char netdev[64];                /* its name, for people */
};

/* Resolves the config reference (kind: enum oo_cfg_ref_kind; index: the pf or
 * bond; vf for OO_CFG_REF_VF). Returns 0, or -ENODEV when it does not exist
 * (yet). */
typedef int (*oo_tc_resolve_fn)(void *ctx, int kind, int index, int64_t vf, struct oo_tc_place *out);

struct oo_tc_target {
    char label[80];                 /* "bond0", "pf0", "pf0/vf3" */
    int kind, index;                /* the reference (oo_cfg_ref_kind, pf/bond index) */
    int64_t vf;
    struct oo_tc_place place;       /* resolved, when resolved */
    bool resolved;                  /* the target and every redirect exist */
    bool place_resolved;            /* the target exists (a redirect of it may not):
                                     * its place is the config's, whatever its rules */
    char unresolved[160];           /* why not, for people */
    size_t n_filters, cap;
    struct oo_tc_filter *filters;   /* desired, owned by the controller (cookie set) */
};

struct oo_tc_desired {
    size_t n_targets;
    struct oo_tc_target *targets;
    size_t n_rules;                 /* rules in all (config rules + 4 per MPV pair) */
};

/* Builds the desired filters of cfg, resolving with fn. skip flags follow
 * each rule's `skip`, else ovs.tc_policy; MPV rules are skip_sw. Pure but for
 * what fn does. */
void oo_tc_desired_build(const struct oo_config *cfg, oo_tc_resolve_fn fn, void *ctx,
                         struct oo_tc_desired *out);
void oo_tc_desired_free(struct oo_tc_desired *d);

/* The resolver over an observed host (devlink ports, links, qdiscs): a PF's
 * uplink, a VF's representor, a bond; each with the shared block its ingress
 * qdisc is on. A bond without one gets the block OVS would give it, numbered
 * after its ifindex, which apply creates on the bond and its members. */
struct oo_tc_resolver {
    const struct oo_config *cfg;
    const struct oo_observed *obs;
    int *map;                       /* cfg pf -> obs pf (oo_plan_map_pfs) */
    struct oo_link_index links;     /* obs->links by name */
};
void oo_tc_resolver_init(struct oo_tc_resolver *r, const struct oo_config *cfg, const struct oo_observed *obs);
void oo_tc_resolver_free(struct oo_tc_resolver *r);
int oo_tc_resolve_observed(void *ctx, int kind, int index, int64_t vf, struct oo_tc_place *out);

/* Whether a bond member whose ingress qdisc is q (NULL: it has none), with
 * its filters counted in counts, can be put on the bond's shared block by
 * apply: it has no ingress qdisc, or an ingress qdisc of its own holding
 * nothing but owned filters (they go with it). A clsact (its egress side is
 * not ours), another shared block, or filters of others stay. */
bool oo_tc_member_movable(const struct oo_tc_qdisc *q, const struct oo_tc_counts *counts);

/* oo_tc_desired_build() with the resolver over obs. */
void oo_tc_desired_build_observed(const struct oo_config *cfg, const struct oo_observed *obs,
                                  struct oo_tc_desired *out);

#endif
