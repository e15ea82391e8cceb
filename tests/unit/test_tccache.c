/* The daemon's tc cache (controller/tccache.h) over made-up observations:
 * what a full read remembers, what a terse read takes from it, and what it
 * refuses to vouch for. Places here have no qdisc, so a miss asks for no
 * dump again (the guest test tc_terse_cache runs those against the kernel);
 * the filters the cache could not vouch for then stay terse. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>

#include "config/config.h"
#include "controller/observe.h"
#include "controller/tccache.h"
#include "controller/tcplan.h"
#include "host.h"
#include "tc/flower.h"
#include "tc/owner.h"

#define N_RULES 20

/* pf N's uplink is ifindex 100 + N. With ctx (a block index), pf1's uplink
 * is on that shared block. */
static int resolve(void *ctx, int kind, int index, int64_t vf, struct oo_tc_place *out)
{
    (void)kind;
    (void)vf;
    memset(out, 0, sizeof *out);
    out->ifindex = (uint32_t)(100 + index);
    out->block = ctx && index == 1 ? *(const uint32_t *)ctx : 0;
    snprintf(out->netdev, sizeof out->netdev, "e%u", out->ifindex);
    return 0;
}

/* N_RULES drop rules on pf0, rule `odd` (if >= 0) with another address. */
static void desired(struct oo_tc_desired *d, int odd)
{
    char yaml[4096];
    size_t len;
    struct oo_config *cfg;

    len = (size_t)snprintf(yaml, sizeof yaml,
                           "version: 1\npfs:\n"
                           "  - {name: pf0, netdev: e0, eswitch: switchdev, num_vfs: 2}\n"
                           "tc:\n  rules:\n");
    for (int i = 0; i < N_RULES; i++)
        len += (size_t)snprintf(yaml + len, sizeof yaml - len,
                                "    - {name: r%d, dev: pf0, prio: 100, match: {eth_type: ipv4, "
                                "dst_ip: 10.1.%d.%d/32}, actions: [drop]}\n",
                                i, i == odd ? 9 : 0, i);
    cfg = host_load_config(yaml);
    oo_tc_desired_build(cfg, resolve, NULL, d);
    assert_int_equal(d->n_targets, 1);
    assert_int_equal(d->targets[0].n_filters, N_RULES);
    host_free_config(cfg);
}

/* What a terse dump gives of f: where it is, its flags, and its actions'
 * kinds and cookies. */
static struct oo_tc_filter terse_of(const struct oo_tc_filter *f)
{
    struct oo_tc_filter t;

    memset(&t, 0, sizeof t);
    t.id = f->id;
    memcpy(t.kind, f->kind, sizeof t.kind);
    t.skip_sw = f->skip_sw;
    t.skip_hw = f->skip_hw;
    t.n_actions = f->n_actions;
    for (unsigned i = 0; i < f->n_actions; i++) {
        memcpy(t.actions[i].kind, f->actions[i].kind, sizeof t.actions[i].kind);
        memcpy(t.actions[i].cookie, f->actions[i].cookie, sizeof t.actions[i].cookie);
        t.actions[i].cookie_len = f->actions[i].cookie_len;
    }
    t.terse = true;
    return t;
}

/* An observation of pf0's uplink holding d's filters at handles 1..N, read
 * in full or terse; extra filters are appended as they are. */
static void observe(struct oo_observed *obs, const struct oo_tc_desired *d, bool terse,
                    const struct oo_tc_filter *extra, size_t n_extra)
{
    const struct oo_tc_target *t = &d->targets[0];
    struct oo_obs_tc_place *p;

    memset(obs, 0, sizeof *obs);
    obs->n_tc = 1;
    obs->tc = calloc(1, sizeof *obs->tc);
    obs->tc_terse = terse;
    p = &obs->tc[0];
    p->ifindex = 100;
    p->filters = calloc(t->n_filters + n_extra, sizeof *p->filters);
    for (size_t i = 0; i < t->n_filters; i++) {
        p->filters[i] = terse ? terse_of(&t->filters[i]) : t->filters[i];
        p->filters[i].id.handle = (uint32_t)(i + 1);
        p->filters[i].in_hw = true;
    }
    for (size_t i = 0; i < n_extra; i++)
        p->filters[t->n_filters + i] = extra[i];
    p->n_filters = t->n_filters + n_extra;
}

/* Marks a free slot of c's table, which remembering again (a zeroed table)
 * would clear; returns the slot. */
static size_t mark_free_slot(struct oo_tc_cache *c)
{
    for (size_t i = 0; i <= c->mask; i++)
        if (!c->v[i].handle) {
            c->v[i].place = 0xfeed;
            return i;
        }
    fail_msg("no free slot in a table at most two thirds full");
    return 0;
}

/* A full read fills the cache; a terse read of the same host is vouched
 * for filter by filter, each filled in equal to its rule, and leaves the
 * cache as it was. */
static void test_full_then_terse(void **state)
{
    struct oo_tc_cache c = { 0 };
    struct oo_tc_cache_stats st;
    struct oo_tc_desired d;
    struct oo_observed obs;
    size_t mark;

    (void)state;
    desired(&d, -1);
    assert_false(oo_tc_cache_valid(&c));
    observe(&obs, &d, false, NULL, 0);
    assert_int_equal(oo_tc_cache_settle(&c, &d, &obs, &st), 0);
    assert_false(st.terse);
    assert_int_equal(st.verified, 0);
    assert_int_equal(st.entries, N_RULES);
    assert_true(oo_tc_cache_valid(&c));
    oo_observed_free(&obs);

    mark = mark_free_slot(&c);
    for (int round = 0; round < 2; round++) {
        observe(&obs, &d, true, NULL, 0);
        assert_int_equal(oo_tc_cache_settle(&c, &d, &obs, &st), 0);
        assert_true(st.terse);
        assert_int_equal(st.verified, N_RULES);
        assert_int_equal(st.misses, 0);
        assert_int_equal(st.places_terse, 1);
        assert_int_equal(st.places_full, 0);
        assert_int_equal(st.entries, N_RULES);
        assert_true(c.v[mark].place == 0xfeed);     /* kept, not made again */
        for (size_t i = 0; i < obs.tc[0].n_filters; i++) {
            const struct oo_tc_filter *o = &obs.tc[0].filters[i];

            assert_false(o->terse);
            assert_true(oo_tc_filter_equal(o, &d.targets[0].filters[i]));
            assert_true(o->in_hw);      /* the kernel's, not the rule's */
        }
        oo_observed_free(&obs);
    }
    oo_tc_cache_free(&c);
    oo_tc_desired_free(&d);
}

/* A filter at another handle than the cache's, and a rule whose content
 * changed, are misses: their place is to be read in full, and the cache is
 * made again without them. */
static void test_misses(void **state)
{
    struct oo_tc_cache c = { 0 };
    struct oo_tc_cache_stats st;
    struct oo_tc_desired d, changed;
    struct oo_observed obs;
    size_t mark;

    (void)state;
    desired(&d, -1);
    observe(&obs, &d, false, NULL, 0);
    oo_tc_cache_settle(&c, &d, &obs, &st);
    oo_observed_free(&obs);

    /* Rule 3 deleted and added again by someone else: a new handle. */
    observe(&obs, &d, true, NULL, 0);
    obs.tc[0].filters[3].id.handle = 77;
    assert_int_equal(oo_tc_cache_settle(&c, &d, &obs, &st), 0);
    assert_int_equal(st.misses, 1);
    assert_int_equal(st.verified, N_RULES - 1);
    assert_int_equal(st.places_full, 1);
    assert_int_equal(st.places_terse, 0);
    assert_true(obs.tc[0].filters[3].terse);    /* no keys made up for it */
    assert_int_equal(st.entries, N_RULES - 1);
    assert_true(oo_tc_cache_valid(&c));
    oo_observed_free(&obs);

    /* A full read puts it back in the cache. */
    observe(&obs, &d, false, NULL, 0);
    oo_tc_cache_settle(&c, &d, &obs, &st);
    assert_int_equal(st.entries, N_RULES);
    oo_observed_free(&obs);

    /* The config changed rule 5: the filter in the kernel is its old one. */
    desired(&changed, 5);
    observe(&obs, &d, true, NULL, 0);
    assert_int_equal(oo_tc_cache_settle(&c, &changed, &obs, &st), 0);
    assert_int_equal(st.misses, 1);
    assert_int_equal(st.verified, N_RULES - 1);
    assert_true(obs.tc[0].filters[5].terse);
    assert_false(obs.tc[0].filters[4].terse);
    assert_int_equal(st.entries, N_RULES - 1);
    oo_observed_free(&obs);

    /* Every entry vouched for but one rule's filter is gone: the cache is
     * made again, without it. The rule is to be added, and whether a
     * foreign filter there holds its match takes keys that a terse dump
     * does not give: its place is read in full. */
    observe(&obs, &changed, false, NULL, 0);
    oo_tc_cache_settle(&c, &changed, &obs, &st);
    assert_int_equal(st.entries, N_RULES);
    oo_observed_free(&obs);
    mark = mark_free_slot(&c);
    observe(&obs, &changed, true, NULL, 0);
    obs.tc[0].n_filters--;
    assert_int_equal(oo_tc_cache_settle(&c, &changed, &obs, &st), 0);
    assert_int_equal(st.verified, N_RULES - 1);
    assert_int_equal(st.misses, 0);
    assert_int_equal(st.places_full, 1);
    assert_int_equal(st.places_terse, 0);
    assert_int_equal(st.entries, N_RULES - 1);
    assert_true(c.v[mark].place != 0xfeed);     /* made again */
    oo_observed_free(&obs);

    oo_tc_cache_free(&c);
    oo_tc_desired_free(&d);
    oo_tc_desired_free(&changed);
}

/* Filters that are not ours, and ours that no rule wants any more, need no
 * keys: they are neither vouched for nor misses. */
static void test_not_wanted(void **state)
{
    struct oo_tc_cache c = { 0 };
    struct oo_tc_cache_stats st;
    struct oo_tc_desired d;
    struct oo_observed obs;
    struct oo_tc_filter extra[2];
    uint64_t rule;

    (void)state;
    desired(&d, -1);
    observe(&obs, &d, false, NULL, 0);
    oo_tc_cache_settle(&c, &d, &obs, &st);
    oo_observed_free(&obs);

    /* A foreign flower filter without a cookie, and an owned one of a rule
     * that is no longer in the config. */
    extra[0] = terse_of(&d.targets[0].filters[0]);
    extra[0].id.handle = 500;
    extra[0].id.prio = 7;
    extra[0].actions[0].cookie_len = 0;
    extra[1] = terse_of(&d.targets[0].filters[1]);
    extra[1].id.handle = 501;
    oo_tc_cookie_make(oo_tc_rule_id("gone"), extra[1].actions[0].cookie);
    assert_int_equal(oo_tc_classify(&extra[0], NULL), OO_TC_OWNER_FOREIGN);
    assert_int_equal(oo_tc_classify(&extra[1], &rule), OO_TC_OWNER_OURS);
    assert_true(rule == oo_tc_rule_id("gone"));

    observe(&obs, &d, true, extra, 2);
    assert_int_equal(oo_tc_cache_settle(&c, &d, &obs, &st), 0);
    assert_int_equal(st.verified, N_RULES);
    assert_int_equal(st.misses, 0);
    assert_int_equal(st.places_full, 0);
    assert_true(obs.tc[0].filters[N_RULES].terse);
    assert_true(obs.tc[0].filters[N_RULES + 1].terse);
    oo_observed_free(&obs);
    oo_tc_cache_free(&c);
    oo_tc_desired_free(&d);
}

/* A pass that could not read tc drops the cache. */
static void test_tc_error_invalidates(void **state)
{
    struct oo_tc_cache c = { 0 };
    struct oo_tc_cache_stats st;
    struct oo_tc_desired d;
    struct oo_observed obs;

    (void)state;
    desired(&d, -1);
    observe(&obs, &d, false, NULL, 0);
    oo_tc_cache_settle(&c, &d, &obs, &st);
    oo_observed_free(&obs);
    assert_true(oo_tc_cache_valid(&c));

    observe(&obs, &d, true, NULL, 0);
    obs.tc_err = -ENOBUFS;
    assert_int_equal(oo_tc_cache_settle(&c, &d, &obs, &st), 0);
    assert_false(oo_tc_cache_valid(&c));
    assert_int_equal(st.entries, 0);
    oo_observed_free(&obs);
    oo_tc_desired_free(&d);
}

/* ---------------------------------------------------------------- touched */

/* N_RULES drop rules on pf0 (a0...) and as many on pf1 (b0...). pf0's
 * uplink is ifindex 100 with its own ingress; pf1's, ifindex 101, is on
 * shared block 9 with ifindex 102. */
static void desired_two(struct oo_tc_desired *d)
{
    static const uint32_t block = 9;
    char yaml[8192];
    size_t len;
    struct oo_config *cfg;

    len = (size_t)snprintf(yaml, sizeof yaml,
                           "version: 1\npfs:\n"
                           "  - {name: pf0, netdev: e0, eswitch: switchdev, num_vfs: 2}\n"
                           "  - {name: pf1, netdev: e1, eswitch: switchdev, num_vfs: 2}\n"
                           "tc:\n  rules:\n");
    for (int i = 0; i < 2 * N_RULES; i++)
        len += (size_t)snprintf(yaml + len, sizeof yaml - len,
                                "    - {name: %c%d, dev: pf%d, prio: 100, match: {eth_type: ipv4, "
                                "dst_ip: 10.%d.0.%d/32}, actions: [drop]}\n",
                                i < N_RULES ? 'a' : 'b', i % N_RULES, i / N_RULES, i / N_RULES, i % N_RULES);
    cfg = host_load_config(yaml);
    oo_tc_desired_build(cfg, resolve, (void *)&block, d);
    assert_int_equal(d->n_targets, 2);
    assert_int_equal(d->targets[0].n_filters, N_RULES);
    assert_int_equal(d->targets[1].n_filters, N_RULES);
    assert_int_equal(d->targets[1].place.block, 9);
    host_free_config(cfg);
}

/* Both places of d, read in full or terse, with the qdiscs that put 101 and
 * 102 on block 9. */
static void observe_two(struct oo_observed *obs, const struct oo_tc_desired *d, bool terse)
{
    memset(obs, 0, sizeof *obs);
    obs->n_tc = 2;
    obs->tc = calloc(2, sizeof *obs->tc);
    obs->tc_terse = terse;
    for (size_t k = 0; k < 2; k++) {
        const struct oo_tc_target *t = &d->targets[k];
        struct oo_obs_tc_place *p = &obs->tc[k];

        p->ifindex = t->place.ifindex;
        p->block = t->place.block;
        p->filters = calloc(t->n_filters, sizeof *p->filters);
        for (size_t i = 0; i < t->n_filters; i++) {
            p->filters[i] = terse ? terse_of(&t->filters[i]) : t->filters[i];
            p->filters[i].id.handle = (uint32_t)(i + 1);
        }
        p->n_filters = t->n_filters;
    }
    obs->n_qdiscs = 3;
    obs->qdiscs = calloc(3, sizeof *obs->qdiscs);
    for (uint32_t i = 0; i < 3; i++) {
        obs->qdiscs[i] = (struct oo_tc_qdisc){ .ifindex = 100 + i, .handle = TC_H_MAJ(TC_H_INGRESS),
                                               .parent = TC_H_INGRESS, .ingress_block = i ? 9 : 0 };
        strcpy(obs->qdiscs[i].kind, "ingress");
    }
}

/* A tc notification of type `type` naming ifindex (or, with
 * TCM_IFINDEX_MAGIC_BLOCK, block). */
static const struct nlmsghdr *tc_msg(char *buf, uint16_t type, uint32_t ifindex, uint32_t block)
{
    struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
    struct tcmsg *tcm = NLMSG_DATA(nlh);

    memset(buf, 0, NLMSG_SPACE(sizeof *tcm));
    nlh->nlmsg_len = NLMSG_LENGTH(sizeof *tcm);
    nlh->nlmsg_type = type;
    tcm->tcm_ifindex = (int)ifindex;
    if (ifindex == TCM_IFINDEX_MAGIC_BLOCK)
        tcm->tcm_block_index = block;
    else
        tcm->tcm_parent = TC_H_MAKE(TC_H_INGRESS, TC_H_MIN_INGRESS);
    return nlh;
}

/* A terse pass after the notification msg: the place it names (want_block:
 * pf1's block, else pf0's uplink) is read in full and vouched for nowhere;
 * the other one is taken from the cache. Then a full pass, after which a
 * terse one vouches for everything again: what was touched is forgotten. */
static void check_touch(const struct oo_tc_desired *d, const struct nlmsghdr *msg, bool want_block)
{
    struct oo_tc_cache c = { 0 };
    struct oo_tc_cache_stats st;
    struct oo_observed obs;
    size_t hit = want_block ? 1 : 0;

    observe_two(&obs, d, false);
    oo_tc_cache_settle(&c, d, &obs, &st);
    oo_observed_free(&obs);
    assert_int_equal(c.n, 2 * N_RULES);

    oo_tc_cache_touch(&c, msg);
    oo_tc_cache_touch(&c, msg);     /* the same place once */
    assert_true(oo_tc_cache_valid(&c));
    assert_int_equal(c.n_touched, 1);
    observe_two(&obs, d, true);
    assert_int_equal(oo_tc_cache_settle(&c, d, &obs, &st), 0);
    assert_true(st.terse);
    assert_int_equal(st.verified, N_RULES);
    assert_int_equal(st.misses, N_RULES);
    assert_int_equal(st.places_full, 1);
    assert_int_equal(st.places_touched, 1);
    assert_int_equal(st.places_terse, 1);
    assert_true(obs.tc[hit].filters[0].terse);          /* no keys made up there */
    assert_false(obs.tc[1 - hit].filters[0].terse);
    assert_int_equal(c.n_touched, 0);
    oo_observed_free(&obs);

    /* Its place read in full (here: observed in full) fills the cache again,
     * and the next terse pass vouches for both places. */
    observe_two(&obs, d, false);
    oo_tc_cache_settle(&c, d, &obs, &st);
    oo_observed_free(&obs);
    observe_two(&obs, d, true);
    oo_tc_cache_settle(&c, d, &obs, &st);
    assert_int_equal(st.verified, 2 * N_RULES);
    assert_int_equal(st.places_full, 0);
    assert_int_equal(st.places_touched, 0);
    oo_observed_free(&obs);
    oo_tc_cache_free(&c);
}

/* A filter notification marks its place: a device's own ingress, a shared
 * block named by its index, or named by a device on it. */
static void test_touch_names_a_place(void **state)
{
    char buf[256];
    struct oo_tc_desired d;

    (void)state;
    desired_two(&d);
    check_touch(&d, tc_msg(buf, RTM_DELTFILTER, 100, 0), false);
    check_touch(&d, tc_msg(buf, RTM_NEWTFILTER, TCM_IFINDEX_MAGIC_BLOCK, 9), true);
    check_touch(&d, tc_msg(buf, RTM_DELTFILTER, 102, 0), true);     /* a member of block 9 */
    check_touch(&d, tc_msg(buf, RTM_NEWTFILTER, 101, 0), true);
    oo_tc_desired_free(&d);
}

/* What names no place drops the whole cache: a qdisc or an action
 * notification, one too short to say, a place past the limit. A touch on
 * an invalid cache leaves it invalid. */
static void test_touch_drops(void **state)
{
    static const uint16_t types[] = { RTM_NEWQDISC, RTM_DELQDISC, RTM_NEWACTION, RTM_DELACTION };
    struct oo_tc_cache c = { 0 };
    struct oo_tc_cache_stats st;
    struct oo_tc_desired d;
    struct oo_observed obs;
    char buf[256];

    (void)state;
    desired_two(&d);
    for (size_t i = 0; i <= sizeof types / sizeof types[0] + 2; i++) {
        observe_two(&obs, &d, false);
        oo_tc_cache_settle(&c, &d, &obs, &st);
        oo_observed_free(&obs);
        assert_true(oo_tc_cache_valid(&c));
        if (i < sizeof types / sizeof types[0]) {
            oo_tc_cache_touch(&c, tc_msg(buf, types[i], 100, 0));
        } else if (i == sizeof types / sizeof types[0]) {
            struct nlmsghdr *nlh = (struct nlmsghdr *)buf;

            tc_msg(buf, RTM_DELTFILTER, 100, 0);
            nlh->nlmsg_len = NLMSG_HDRLEN + 4;
            oo_tc_cache_touch(&c, nlh);
        } else if (i == sizeof types / sizeof types[0] + 1) {
            oo_tc_cache_touch(&c, tc_msg(buf, RTM_DELTFILTER, 0, 0));
        } else {
            for (uint32_t k = 0; k < OO_TC_CACHE_TOUCHED_MAX; k++)
                oo_tc_cache_touch(&c, tc_msg(buf, RTM_DELTFILTER, 1000 + k, 0));
            assert_true(oo_tc_cache_valid(&c));
            oo_tc_cache_touch(&c, tc_msg(buf, RTM_DELTFILTER, 1000, 0));   /* again: no new place */
            assert_true(oo_tc_cache_valid(&c));
            oo_tc_cache_touch(&c, tc_msg(buf, RTM_DELTFILTER, 999, 0));
        }
        assert_false(oo_tc_cache_valid(&c));
        oo_tc_cache_touch(&c, tc_msg(buf, RTM_DELTFILTER, 100, 0));
        assert_false(oo_tc_cache_valid(&c));
        assert_int_equal(c.n_touched, 0);
    }
    oo_tc_desired_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_then_terse),
        cmocka_unit_test(test_misses),
        cmocka_unit_test(test_not_wanted),
        cmocka_unit_test(test_tc_error_invalidates),
        cmocka_unit_test(test_touch_names_a_place),
        cmocka_unit_test(test_touch_drops),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
