/* Ownership (tc/owner.h), the reconciler and the offload counters
 * (tc/reconcile.h): pure functions, no kernel. Includes a property test:
 * for random desired and installed sets, applying the plan to a simulated
 * kernel and planning again gives an empty plan, and filters that are not
 * ours are never in a plan. */
#include <errno.h>
#include <linux/if_ether.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/util.h"
#include "tc/flower.h"
#include "tc/owner.h"
#include "tc/reconcile.h"

/* ------------------------------------------------------------ helpers */

static uint64_t rnd_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
    /* xorshift64*: reproducible. */
    rnd_state ^= rnd_state >> 12;
    rnd_state ^= rnd_state << 25;
    rnd_state ^= rnd_state >> 27;
    return rnd_state * 0x2545f4914f6cdd1dull;
}

/* An owned flower filter: drop ip to 10.0.0.<n> on ifindex `dev`. */
static struct oo_tc_filter owned_filter(uint32_t dev, uint32_t block, const char *name,
                                        uint16_t prio, uint8_t n)
{
    struct oo_tc_filter f;
    struct oo_tc_action a = oo_tc_action_drop();

    oo_tc_filter_init(&f, dev, block, 0, prio, ETH_P_IP);
    f.match.keys = OO_TC_KEY_IPV4_DST;
    f.match.dst_ip[0] = 10;
    f.match.dst_ip[3] = n;
    oo_tc_prefix_to_mask(32, f.match.dst_ip_mask, 4);
    oo_tc_filter_add_action(&f, &a);
    oo_tc_filter_set_owner(&f, oo_tc_rule_id(name));
    return f;
}

/* The same filter as the kernel would dump it: a handle, counters, flags. */
static struct oo_tc_filter installed(struct oo_tc_filter f, uint32_t handle)
{
    f.id.handle = handle;
    f.not_in_hw = true;
    f.stats.packets = 3;
    f.stats.bytes = 300;
    f.actions[0].index = handle;
    return f;
}

/* An OVS-style ufid: 128 random bits with the UUID v4 bits set, as
 * odp_flow_key_hash() + uuid_set_bits_v4() make it (host-order words). */
static void make_ufid(uint8_t out[16])
{
    uint32_t w[4];

    for (int i = 0; i < 4; i++)
        w[i] = (uint32_t)rnd();
    w[2] = (w[2] & ~0xc0000000u) | 0x80000000u;
    w[1] = (w[1] & ~0x0000f000u) | 0x00004000u;
    memcpy(out, w, 16);
}

static struct oo_tc_filter ovs_filter(uint32_t dev, uint16_t prio, uint32_t handle)
{
    struct oo_tc_filter f;
    struct oo_tc_action a = oo_tc_action_redirect(9);

    oo_tc_filter_init(&f, dev, 0, 0, prio, ETH_P_IP);
    f.id.handle = handle;
    oo_tc_filter_add_action(&f, &a);
    make_ufid(f.actions[0].cookie);
    f.actions[0].cookie_len = 16;
    return f;
}

static struct oo_tc_filter foreign_filter(uint32_t dev, uint16_t prio, uint16_t proto,
                                          uint32_t handle)
{
    struct oo_tc_filter f;
    struct oo_tc_action a = oo_tc_action_pass();

    oo_tc_filter_init(&f, dev, 0, 0, prio, proto);
    f.id.handle = handle;
    oo_tc_filter_add_action(&f, &a);
    return f;
}

static size_t count_op(const struct oo_tc_plan *p, int op)
{
    size_t n = 0;

    for (size_t i = 0; i < p->n_reqs; i++)
        n += p->reqs[i].op == op;
    return n;
}

/* ------------------------------------------------------------ ownership */

static void test_cookie(void **state)
{
    uint8_t c[16];
    uint64_t id;

    assert_int_equal(oo_tc_rule_id("mpv-a/uplink0"), oo_tc_rule_id("mpv-a/uplink0"));
    assert_int_not_equal(oo_tc_rule_id("rule-1"), oo_tc_rule_id("rule-2"));
    assert_int_not_equal(oo_tc_rule_id(""), oo_tc_rule_id("a"));
    oo_tc_cookie_make(0x1122334455667788ull, c);
    assert_memory_equal(c, "oo-tc-v1", 8);
    assert_memory_equal(c + 8, ((uint8_t[]){ 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88 }), 8);
    assert_true(oo_tc_cookie_is_ours(c, 16, &id));
    assert_int_equal(id, 0x1122334455667788ull);
    assert_true(oo_tc_cookie_is_ours(c, 16, NULL));
    assert_false(oo_tc_cookie_is_ours(c, 15, NULL));
    c[0] ^= 1;
    assert_false(oo_tc_cookie_is_ours(c, 16, NULL));
}

static void test_cookie_vs_ufid(void **state)
{
    /* Our cookies never look like an OVS ufid (the version nibble), and a
     * ufid is never ours (our magic has another nibble where the ufid has
     * its version): checked over many random ids and ufids. */
    for (int i = 0; i < 100000; i++) {
        uint8_t c[16], u[16];

        oo_tc_cookie_make(rnd(), c);
        assert_false(oo_tc_cookie_is_ovs_ufid(c, 16));
        make_ufid(u);
        assert_true(oo_tc_cookie_is_ovs_ufid(u, 16));
        assert_false(oo_tc_cookie_is_ours(u, 16, NULL));
    }
}

static void test_classify(void **state)
{
    struct oo_tc_filter f = owned_filter(1, 0, "r", 1, 1), g;
    struct oo_tc_action a = oo_tc_action_redirect(3);
    uint64_t id = 1;

    assert_int_equal(oo_tc_classify(&f, &id), OO_TC_OWNER_OURS);
    assert_int_equal(id, oo_tc_rule_id("r"));

    /* Our cookie on every action, with one id. */
    oo_tc_filter_add_action(&f, &a);
    assert_int_equal(oo_tc_classify(&f, &id), OO_TC_OWNER_FOREIGN);   /* no cookie on #2 */
    assert_int_equal(id, 0);
    oo_tc_cookie_make(oo_tc_rule_id("other"), f.actions[1].cookie);
    f.actions[1].cookie_len = 16;
    assert_int_equal(oo_tc_classify(&f, NULL), OO_TC_OWNER_FOREIGN);  /* two ids */
    oo_tc_filter_set_owner(&f, 5);
    assert_int_equal(oo_tc_classify(&f, &id), OO_TC_OWNER_OURS);
    assert_int_equal(id, 5);
    f.actions_truncated = true;
    assert_int_equal(oo_tc_classify(&f, NULL), OO_TC_OWNER_FOREIGN);
    f.actions_truncated = false;
    strcpy(f.kind, "matchall");
    assert_int_equal(oo_tc_classify(&f, NULL), OO_TC_OWNER_FOREIGN);
    f.n_actions = 0;
    strcpy(f.kind, "flower");
    assert_int_equal(oo_tc_classify(&f, NULL), OO_TC_OWNER_FOREIGN);

    /* OVS: one ufid on every action, a meter's police action without. */
    g = ovs_filter(1, 4, 1);
    assert_int_equal(oo_tc_classify(&g, &id), OO_TC_OWNER_OVS);
    assert_int_equal(id, 0);
    g.actions[1] = g.actions[0];
    g.n_actions = 2;
    strcpy(g.actions[0].kind, "police");
    g.actions[0].type = OO_TC_ACT_OTHER;
    g.actions[0].cookie_len = 0;
    assert_int_equal(oo_tc_classify(&g, NULL), OO_TC_OWNER_OVS);
    strcpy(g.actions[0].kind, "gact");
    assert_int_equal(oo_tc_classify(&g, NULL), OO_TC_OWNER_FOREIGN);
    g = ovs_filter(1, 4, 1);
    g.actions[1] = g.actions[0];
    g.n_actions = 2;
    g.actions[1].cookie[0] ^= 1;                   /* two different ufids */
    assert_int_equal(oo_tc_classify(&g, NULL), OO_TC_OWNER_FOREIGN);
    g = ovs_filter(1, 4, 1);
    g.actions[0].cookie_len = 8;
    assert_int_equal(oo_tc_classify(&g, NULL), OO_TC_OWNER_FOREIGN);

    /* OVS's ingress policer. */
    oo_tc_filter_init(&g, 1, 0, 0, 1, ETH_P_ALL);
    strcpy(g.kind, "matchall");
    g.id.handle = 1;
    g.n_actions = 1;
    strcpy(g.actions[0].kind, "police");
    assert_int_equal(oo_tc_classify(&g, NULL), OO_TC_OWNER_OVS);
    g.id.prio = 2;
    assert_int_equal(oo_tc_classify(&g, NULL), OO_TC_OWNER_FOREIGN);

    g = foreign_filter(1, 1, ETH_P_IP, 1);
    assert_int_equal(oo_tc_classify(&g, NULL), OO_TC_OWNER_FOREIGN);
    strcpy(g.kind, "u32");
    assert_int_equal(oo_tc_classify(&g, NULL), OO_TC_OWNER_FOREIGN);
}

/* ------------------------------------------------------------ reconcile */

static void test_reconcile_noop(void **state)
{
    struct oo_tc_filter want[3] = {
        owned_filter(4, 0, "a", 10, 1), owned_filter(4, 0, "b", 10, 2),
        owned_filter(0, 7, "a", 10, 1),
    };
    struct oo_tc_filter have[5] = {
        installed(want[1], 0x20), ovs_filter(4, 2, 1), installed(want[0], 0x10),
        installed(want[2], 0x30), foreign_filter(4, 10, ETH_P_IP, 5),
    };
    struct oo_tc_plan p;

    assert_int_equal(oo_tc_reconcile(want, 3, have, 5, &p), 0);
    assert_int_equal(p.n_reqs, 0);
    assert_int_equal(p.n_unchanged, 3);
    assert_int_equal(p.n_conflicts, 0);
    oo_tc_plan_free(&p);
    oo_tc_plan_free(&p);    /* twice: safe */

    /* Nothing either way (a place with no filters and no rules): an empty
     * plan, with reqs allocated as for any other. */
    memset(&p, 0xa5, sizeof p);
    assert_int_equal(oo_tc_reconcile(NULL, 0, NULL, 0, &p), 0);
    assert_non_null(p.reqs);
    assert_int_equal(p.n_reqs + p.n_delete + p.n_replace + p.n_add + p.n_unchanged + p.n_conflicts, 0);
    assert_null(p.conflicts);
    oo_tc_plan_free(&p);
}

static void test_reconcile_changes(void **state)
{
    struct oo_tc_filter want[4] = {
        owned_filter(4, 0, "same", 10, 1),
        owned_filter(4, 0, "changed", 10, 2),      /* other action: replace */
        owned_filter(4, 0, "moved", 20, 3),        /* other prio: delete + add */
        owned_filter(4, 0, "new", 10, 4),          /* add */
    };
    struct oo_tc_filter have[6];
    struct oo_tc_action pass = oo_tc_action_pass();
    struct oo_tc_plan p;

    have[0] = installed(want[0], 1);
    have[1] = installed(want[1], 2);
    have[2] = installed(owned_filter(4, 0, "moved", 10, 3), 3);
    have[3] = installed(owned_filter(4, 0, "gone", 10, 9), 4);
    have[4] = ovs_filter(4, 10, 5);
    have[5] = foreign_filter(4, 10, ETH_P_IP, 6);
    want[1].actions[0] = pass;
    oo_tc_filter_set_owner(&want[1], oo_tc_rule_id("changed"));

    assert_int_equal(oo_tc_reconcile(want, 4, have, 6, &p), 0);
    assert_int_equal(p.n_conflicts, 0);
    assert_int_equal(p.n_unchanged, 1);
    assert_int_equal(p.n_delete, 2);
    assert_int_equal(p.n_replace, 1);
    assert_int_equal(p.n_add, 2);
    assert_int_equal(p.n_reqs, 5);
    /* The replace, the adds, then the deletes, late: neither frees what a
     * write in prio 10 needs (its protocol, a match, a handle), so "moved"
     * is not missing while it moves, even though "new" goes where it was. */
    assert_int_equal(p.n_late, 2);
    for (size_t i = 0; i < p.n_reqs; i++)
        assert_int_equal(p.reqs[i].op,
                         i < 1 ? OO_TC_OP_REPLACE : i < 3 ? OO_TC_OP_ADD : OO_TC_OP_DELETE);
    assert_ptr_equal(p.reqs[0].filter, &want[1]);
    assert_int_equal(p.reqs[0].handle, 2);         /* in place of the installed one */
    for (size_t i = 1; i < 3; i++) {
        assert_true(p.reqs[i].filter == &want[2] || p.reqs[i].filter == &want[3]);
        assert_int_equal(p.reqs[i].handle, 0);
    }
    for (size_t i = 3; i < 5; i++)
        assert_true(p.reqs[i].filter == &have[2] || p.reqs[i].filter == &have[3]);
    oo_tc_plan_free(&p);
}

/* A hardware-only rule the hardware dropped (in_hw cleared, the filter
 * kept by the kernel) is written again in place; one still in hardware, or
 * a software one not in hardware, stays. */
static void test_reconcile_skip_sw_lost(void **state)
{
    struct oo_tc_filter want[3] = {
        owned_filter(4, 0, "hw-lost", 10, 1), owned_filter(4, 0, "hw-held", 10, 2),
        owned_filter(4, 0, "sw", 10, 3),
    };
    struct oo_tc_filter have[3];
    struct oo_tc_plan p;

    want[0].skip_sw = want[1].skip_sw = true;
    for (int i = 0; i < 3; i++)
        have[i] = installed(want[i], (uint32_t)(i + 1));
    have[0].not_in_hw = false;      /* created in hardware; in_hw cleared since */
    have[1].not_in_hw = false;
    have[1].in_hw = true;
    have[1].in_hw_count = 1;

    assert_int_equal(oo_tc_reconcile(want, 3, have, 3, &p), 0);
    assert_int_equal(p.n_conflicts, 0);
    assert_int_equal(p.n_unchanged, 2);
    assert_int_equal(p.n_reqs, 1);
    assert_int_equal(p.n_replace, 1);
    assert_int_equal(p.reqs[0].op, OO_TC_OP_REPLACE);
    assert_ptr_equal(p.reqs[0].filter, &want[0]);
    assert_int_equal(p.reqs[0].handle, 1);
    oo_tc_plan_free(&p);

    /* Back in hardware: nothing to do. */
    have[0].in_hw = true;
    have[0].in_hw_count = 2;
    assert_int_equal(oo_tc_reconcile(want, 3, have, 3, &p), 0);
    assert_int_equal(p.n_reqs, 0);
    assert_int_equal(p.n_unchanged, 3);
    oo_tc_plan_free(&p);
}

static void test_reconcile_handles_and_duplicates(void **state)
{
    struct oo_tc_filter want[1] = { owned_filter(4, 0, "h", 10, 1) };
    struct oo_tc_filter have[3];
    struct oo_tc_plan p;

    /* Two installed copies of one rule: keep the equal one. */
    have[0] = installed(owned_filter(4, 0, "h", 10, 77), 1);
    have[1] = installed(want[0], 2);
    have[2] = installed(want[0], 3);
    assert_int_equal(oo_tc_reconcile(want, 1, have, 3, &p), 0);
    assert_int_equal(p.n_unchanged, 1);
    assert_int_equal(p.n_delete, 2);
    assert_ptr_equal(p.reqs[0].filter, &have[0]);
    assert_ptr_equal(p.reqs[1].filter, &have[2]);
    oo_tc_plan_free(&p);

    /* One filter listed twice (a dump resumed after a priority came or
     * went before its resume point): the same filter, not a copy to delete,
     * whether it is wanted or not. */
    have[2] = have[1];
    assert_int_equal(oo_tc_reconcile(want, 1, have + 1, 2, &p), 0);
    assert_int_equal(p.n_reqs, 0);
    assert_int_equal(p.n_unchanged, 1);
    oo_tc_plan_free(&p);
    assert_int_equal(oo_tc_reconcile(NULL, 0, have + 1, 2, &p), 0);
    assert_int_equal(p.n_delete, 1);
    assert_int_equal(p.n_reqs, 1);
    oo_tc_plan_free(&p);
    have[2] = installed(want[0], 3);

    /* A desired handle: an installed copy elsewhere is not in place. */
    want[0].id.handle = 9;
    assert_int_equal(oo_tc_reconcile(want, 1, have + 1, 1, &p), 0);
    assert_int_equal(p.n_delete, 1);
    assert_int_equal(p.n_add, 1);
    oo_tc_plan_free(&p);
    have[1].id.handle = 9;
    assert_int_equal(oo_tc_reconcile(want, 1, have + 1, 1, &p), 0);
    assert_int_equal(p.n_reqs, 0);
    oo_tc_plan_free(&p);
}

static void test_reconcile_conflicts(void **state)
{
    struct oo_tc_filter want[6] = {
        owned_filter(4, 0, "dup", 10, 1),
        owned_filter(4, 0, "dup", 11, 2),          /* same rule id on one device */
        owned_filter(4, 0, "blocked", 30, 3),      /* prio 30 holds IPv6 filters */
        owned_filter(4, 0, "proto", 10, 4),        /* another protocol at prio 10 */
        owned_filter(4, 0, "broken", 40, 5),       /* fails the check */
        owned_filter(4, 0, "handle", 50, 6),       /* its handle is taken */
    };
    struct oo_tc_filter have[3];
    struct oo_tc_filter notours = owned_filter(4, 0, "x", 60, 7);
    struct oo_tc_plan p;

    want[3].id.protocol = ETH_P_IPV6;
    want[3].match.keys = 0;
    want[4].match.keys |= OO_TC_KEY_VLAN_ID;
    want[5].id.handle = 8;
    have[0] = foreign_filter(4, 30, ETH_P_IPV6, 1);
    have[1] = installed(owned_filter(4, 0, "broken", 40, 99), 2);   /* stays */
    have[2] = foreign_filter(4, 50, ETH_P_IP, 8);

    assert_int_equal(oo_tc_reconcile(want, 6, have, 3, &p), 0);
    assert_int_equal(p.n_conflicts, 5);
    assert_int_equal(p.n_add, 1);
    assert_ptr_equal(p.reqs[0].filter, &want[0]);
    assert_int_equal(p.n_delete, 0);
    for (size_t i = 0; i < p.n_conflicts; i++) {
        const struct oo_tc_conflict *c = &p.conflicts[i];

        if (c->desired == &want[1]) {
            assert_ptr_equal(c->holder, &want[0]);
            assert_non_null(strstr(c->reason, "rule id"));
        } else if (c->desired == &want[2]) {
            assert_ptr_equal(c->holder, &have[0]);
            assert_non_null(strstr(c->reason, "another protocol"));
        } else if (c->desired == &want[3]) {
            assert_ptr_equal(c->holder, &want[0]);
            assert_non_null(strstr(c->reason, "protocol 0x0800"));
        } else if (c->desired == &want[4]) {
            assert_null(c->holder);
            assert_non_null(strstr(c->reason, "cannot be written"));
        } else if (c->desired == &want[5]) {
            assert_ptr_equal(c->holder, &have[2]);
            assert_non_null(strstr(c->reason, "handle is taken"));
        } else {
            fail_msg("unexpected conflict: %s", c->reason);
        }
    }
    oo_tc_plan_free(&p);

    /* Not marked as ours. */
    notours.actions[0].cookie_len = 0;
    assert_int_equal(oo_tc_reconcile(&notours, 1, NULL, 0, &p), 0);
    assert_int_equal(p.n_conflicts, 1);
    assert_int_equal(p.n_reqs, 0);
    assert_non_null(strstr(p.conflicts[0].reason, "not marked as ours"));
    oo_tc_plan_free(&p);

    /* Another kind at the prio. */
    have[0] = foreign_filter(4, 30, ETH_P_IP, 1);
    strcpy(have[0].kind, "matchall");
    assert_int_equal(oo_tc_reconcile(&want[2], 1, have, 1, &p), 0);
    assert_int_equal(p.n_conflicts, 1);
    assert_non_null(strstr(p.conflicts[0].reason, "another classifier kind"));
    oo_tc_plan_free(&p);
    /* The same protocol at the prio: flower filters share it. */
    strcpy(have[0].kind, "flower");
    assert_int_equal(oo_tc_reconcile(&want[2], 1, have, 1, &p), 0);
    assert_int_equal(p.n_conflicts, 0);
    assert_int_equal(p.n_add, 1);
    oo_tc_plan_free(&p);
}

/* flower holds one filter per match in a (chain, prio): a second rule with
 * the same match there is a conflict before anything is written, whether
 * the first is desired too or someone else's filter; not at another prio
 * or place, and not for another match. */
static void test_reconcile_same_match(void **state)
{
    struct oo_tc_filter want[5] = {
        owned_filter(4, 0, "first", 10, 1),
        owned_filter(4, 0, "second", 10, 1),       /* same match, same prio */
        owned_filter(4, 0, "other-prio", 11, 1),
        owned_filter(5, 0, "other-dev", 10, 1),
        owned_filter(4, 0, "other-ip", 10, 2),
    };
    struct oo_tc_filter have = foreign_filter(4, 20, ETH_P_IP, 7);
    struct oo_tc_filter mine = owned_filter(4, 0, "mine", 20, 3);
    struct oo_tc_plan p;

    (void)state;
    /* Equal matches written differently: the address bits under the mask
     * do not count. */
    want[1].match.dst_ip[3] = 1;
    oo_tc_prefix_to_mask(24, want[1].match.dst_ip_mask, 4);
    oo_tc_prefix_to_mask(24, want[0].match.dst_ip_mask, 4);
    want[0].match.dst_ip[3] = 77;
    assert_true(oo_tc_match_equal(&want[0].match, &want[1].match));
    assert_int_equal(oo_tc_match_hash(&want[0].match), oo_tc_match_hash(&want[1].match));
    assert_int_equal(oo_tc_reconcile(want, 5, NULL, 0, &p), 0);
    assert_int_equal(p.n_conflicts, 1);
    assert_ptr_equal(p.conflicts[0].desired, &want[1]);
    assert_ptr_equal(p.conflicts[0].holder, &want[0]);
    assert_non_null(strstr(p.conflicts[0].reason, "chain 0 prio 10 of ifindex 4 holds another rule "
                                                   "with the same match"));
    assert_int_equal(p.n_add, 4);
    oo_tc_plan_free(&p);

    /* Someone else's filter with that match at the prio. */
    have.match = mine.match;
    assert_int_equal(oo_tc_reconcile(&mine, 1, &have, 1, &p), 0);
    assert_int_equal(p.n_conflicts, 1);
    assert_ptr_equal(p.conflicts[0].holder, &have);
    assert_non_null(strstr(p.conflicts[0].reason, "holds a filter with the same match"));
    assert_int_equal(p.n_reqs, 0);
    oo_tc_plan_free(&p);
    /* ... and with another one: added. */
    have.match.dst_ip[3] = 4;
    assert_int_equal(oo_tc_reconcile(&mine, 1, &have, 1, &p), 0);
    assert_int_equal(p.n_conflicts, 0);
    assert_int_equal(p.n_add, 1);
    oo_tc_plan_free(&p);

    /* Ours is there and changes to the match of someone else's filter at
     * its prio: a replace would be refused too (EEXIST), so a conflict. */
    struct oo_tc_filter both[2] = { installed(mine, 3), have };
    struct oo_tc_filter changed = mine;

    changed.match.dst_ip[3] = 4;
    assert_int_equal(oo_tc_reconcile(&changed, 1, both, 2, &p), 0);
    assert_int_equal(p.n_conflicts, 1);
    assert_ptr_equal(p.conflicts[0].holder, &both[1]);
    assert_non_null(strstr(p.conflicts[0].reason, "holds a filter with the same match"));
    assert_int_equal(p.n_reqs, 0);
    oo_tc_plan_free(&p);
    /* Changed to a match nobody has: replaced in place. */
    changed.match.dst_ip[3] = 5;
    assert_int_equal(oo_tc_reconcile(&changed, 1, both, 2, &p), 0);
    assert_int_equal(p.n_conflicts, 0);
    assert_int_equal(p.n_replace, 1);
    oo_tc_plan_free(&p);
}

/* A rule moved to another prio is added before its old filter is deleted,
 * and that delete is a late one (run once the writes before it succeeded).
 * A delete that frees the prio a desired filter is written to comes first. */
static void test_reconcile_moved_rule(void **state)
{
    struct oo_tc_filter want[2] = {
        owned_filter(4, 0, "moved", 20, 1),
        owned_filter(4, 0, "v6", 10, 2),
    };
    struct oo_tc_filter have[2] = {
        installed(owned_filter(4, 0, "moved", 10, 1), 1),
        installed(owned_filter(4, 0, "gone", 30, 3), 2),
    };
    struct oo_tc_plan p;

    (void)state;
    /* Alone: moved from prio 10 to 20, "gone" deleted; both deletes last. */
    assert_int_equal(oo_tc_reconcile(want, 1, have, 2, &p), 0);
    assert_int_equal(p.n_reqs, 3);
    assert_int_equal(p.n_late, 2);
    assert_int_equal(p.reqs[0].op, OO_TC_OP_ADD);
    assert_ptr_equal(p.reqs[0].filter, &want[0]);
    assert_int_equal(p.reqs[1].op, OO_TC_OP_DELETE);
    assert_int_equal(p.reqs[2].op, OO_TC_OP_DELETE);
    oo_tc_plan_free(&p);
    /* Moved while another rule stays at the old prio: still added first. */
    struct oo_tc_filter stays[2] = { owned_filter(4, 0, "moved", 20, 1), owned_filter(4, 0, "stays", 10, 5) };
    struct oo_tc_filter there[2] = { installed(owned_filter(4, 0, "moved", 10, 1), 1),
                                     installed(owned_filter(4, 0, "stays", 10, 5), 2) };
    assert_int_equal(oo_tc_reconcile(stays, 2, there, 2, &p), 0);
    assert_int_equal(p.n_reqs, 2);
    assert_int_equal(p.n_unchanged, 1);
    assert_int_equal(p.n_late, 1);
    assert_int_equal(p.reqs[0].op, OO_TC_OP_ADD);
    assert_int_equal(p.reqs[1].op, OO_TC_OP_DELETE);
    assert_ptr_equal(p.reqs[1].filter, &there[0]);
    oo_tc_plan_free(&p);
    /* Another rule takes prio 10 with another protocol: the old filter there
     * must go before it is added. */
    oo_tc_filter_init(&want[1], 4, 0, 0, 10, ETH_P_IPV6);
    want[1].match.keys = OO_TC_KEY_IPV6_DST;
    want[1].match.dst_ip[0] = 0xfd;
    memset(want[1].match.dst_ip_mask, 0xff, 16);
    struct oo_tc_action a = oo_tc_action_drop();
    oo_tc_filter_add_action(&want[1], &a);
    oo_tc_filter_set_owner(&want[1], oo_tc_rule_id("v6"));
    assert_int_equal(oo_tc_reconcile(want, 2, have, 2, &p), 0);
    assert_int_equal(p.n_conflicts, 0);
    assert_int_equal(p.n_reqs, 4);
    assert_int_equal(p.n_late, 1);
    assert_int_equal(p.reqs[0].op, OO_TC_OP_DELETE);
    assert_ptr_equal(p.reqs[0].filter, &have[0]);
    assert_int_equal(p.reqs[1].op, OO_TC_OP_ADD);
    assert_int_equal(p.reqs[2].op, OO_TC_OP_ADD);
    assert_int_equal(p.reqs[3].op, OO_TC_OP_DELETE);
    assert_ptr_equal(p.reqs[3].filter, &have[1]);
    oo_tc_plan_free(&p);
    /* Another rule takes prio 10, same protocol: with another match, the
     * old filter goes last (if the move's add fails, it stays); with the
     * old filter's match, first (flower holds one filter per match). */
    struct oo_tc_filter other[2] = { owned_filter(4, 0, "moved", 20, 1), owned_filter(4, 0, "new", 10, 7) };
    assert_int_equal(oo_tc_reconcile(other, 2, have, 1, &p), 0);
    assert_int_equal(p.n_reqs, 3);
    assert_int_equal(p.n_late, 1);
    assert_int_equal(p.reqs[2].op, OO_TC_OP_DELETE);
    assert_ptr_equal(p.reqs[2].filter, &have[0]);
    oo_tc_plan_free(&p);
    other[1] = owned_filter(4, 0, "new", 10, 1);
    assert_int_equal(oo_tc_reconcile(other, 2, have, 1, &p), 0);
    assert_int_equal(p.n_conflicts, 0);
    assert_int_equal(p.n_reqs, 3);
    assert_int_equal(p.n_late, 0);
    assert_int_equal(p.reqs[0].op, OO_TC_OP_DELETE);
    assert_ptr_equal(p.reqs[0].filter, &have[0]);
    oo_tc_plan_free(&p);
}

/* A kernel, simulated: applies a plan to the installed list (of at most
 * 64). The plan points into that list as it was dumped: read it there. */
/* What the kernel refuses of a write of f (skipping have[self]): another
 * filter in its (place, chain, prio) with another protocol, or flower's
 * same match. */
static void assert_writable(const struct oo_tc_filter *f, const struct oo_tc_filter *have, size_t n,
                            size_t self)
{
    for (size_t k = 0; k < n; k++) {
        const struct oo_tc_filter *o = &have[k];

        if (k == self || o->id.ifindex != f->id.ifindex || o->id.block != f->id.block ||
            o->id.chain != f->id.chain || o->id.prio != f->id.prio)
            continue;
        if (o->id.protocol != f->id.protocol)
            fail_msg("prio %u written with protocol 0x%04x while 0x%04x is there", f->id.prio,
                     f->id.protocol, o->id.protocol);
        if (oo_tc_match_equal(&o->match, &f->match))
            fail_msg("prio %u written with a match that is there already (EEXIST)", f->id.prio);
    }
}

static void simulate(const struct oo_tc_plan *p, struct oo_tc_filter *have, size_t *n,
                     uint32_t *next_handle)
{
    struct oo_tc_filter dumped[64];
    size_t n_dumped = *n;

    memcpy(dumped, have, n_dumped * sizeof *have);
    for (size_t i = 0; i < p->n_reqs; i++) {
        struct oo_tc_req req = p->reqs[i];
        const struct oo_tc_req *r = &req;

        if (req.filter >= have && req.filter < have + n_dumped)
            req.filter = &dumped[req.filter - have];
        uint32_t h = r->handle ? r->handle : r->filter->id.handle;
        size_t k;

        switch (r->op) {
        case OO_TC_OP_DELETE:
            for (k = 0; k < *n; k++)
                if (have[k].id.handle == h && have[k].id.ifindex == r->filter->id.ifindex &&
                    have[k].id.block == r->filter->id.block && have[k].id.prio == r->filter->id.prio)
                    break;
            assert_true(k < *n);
            assert_int_equal(oo_tc_classify(&have[k], NULL), OO_TC_OWNER_OURS);
            have[k] = have[--*n];
            break;
        case OO_TC_OP_REPLACE:
            for (k = 0; k < *n; k++)
                if (have[k].id.handle == h && have[k].id.ifindex == r->filter->id.ifindex &&
                    have[k].id.block == r->filter->id.block)
                    break;
            assert_true(k < *n);
            assert_int_equal(oo_tc_classify(&have[k], NULL), OO_TC_OWNER_OURS);
            assert_writable(r->filter, have, *n, k);
            have[k] = installed(*r->filter, h);
            break;
        default:
            assert_writable(r->filter, have, *n, SIZE_MAX);
            have[(*n)++] = installed(*r->filter, h ? h : (*next_handle)++);
            break;
        }
    }
}

static void test_reconcile_property(void **state)
{
    static const char *const names[] = { "a", "b", "c", "d", "e", "f", "g", "h" };
    struct oo_tc_filter want[16], have[64];

    for (int round = 0; round < 2000; round++) {
        size_t n_want = rnd() % 9, n_have = rnd() % 12, n_foreign = 0;
        uint32_t next_handle = 1000;
        struct oo_tc_plan p;

        /* Desired: distinct names and matches per place, prios 1..3 (one
         * protocol). */
        for (size_t i = 0; i < n_want; i++) {
            uint32_t dev = 1 + (uint32_t)(i % 2);

            want[i] = owned_filter(dev, 0, names[i], (uint16_t)(1 + rnd() % 3),
                                   (uint8_t)(rnd() % 3 * 16 + i));
            if (rnd() % 4 == 0) {
                struct oo_tc_action a = oo_tc_action_mirror(7);

                oo_tc_filter_add_action(&want[i], &a);
                oo_tc_filter_set_owner(&want[i], oo_tc_rule_id(names[i]));
            }
        }
        /* Installed: some ours (stale or current), OVS's and foreign ones
         * at prios 4..6 (never in the way). */
        for (size_t i = 0; i < n_have; i++) {
            uint32_t dev = 1 + (uint32_t)(rnd() % 2);

            switch (rnd() % 4) {
            case 0:
                have[i] = installed(owned_filter(dev, 0, names[rnd() % 8], (uint16_t)(1 + rnd() % 3),
                                                 (uint8_t)(rnd() % 3)), (uint32_t)(i + 1));
                break;
            case 1:
                if (n_want) {
                    size_t w = rnd() % n_want;

                    have[i] = installed(want[w], (uint32_t)(i + 1));
                    break;
                }
                /* fall through */
            case 2:
                have[i] = ovs_filter(dev, (uint16_t)(4 + rnd() % 2), (uint32_t)(i + 1));
                n_foreign++;
                break;
            default:
                have[i] = foreign_filter(dev, 6, ETH_P_IP, (uint32_t)(i + 1));
                n_foreign++;
                break;
            }
        }
        assert_int_equal(oo_tc_reconcile(want, n_want, have, n_have, &p), 0);
        assert_int_equal(p.n_conflicts, 0);
        simulate(&p, have, &n_have, &next_handle);
        oo_tc_plan_free(&p);

        /* Now: one owned filter per desired one, equal to it; others kept. */
        assert_int_equal(oo_tc_reconcile(want, n_want, have, n_have, &p), 0);
        if (p.n_reqs)
            fail_msg("round %d: second plan has %zu requests", round, p.n_reqs);
        assert_int_equal(p.n_unchanged, n_want);
        assert_int_equal(n_have, n_want + n_foreign);
        oo_tc_plan_free(&p);
    }
}

static void test_reconcile_large(void **state)
{
    size_t n = 10000;
    struct oo_tc_filter *want = oo_calloc(n, sizeof *want), *have = oo_calloc(n, sizeof *have);
    struct oo_tc_plan p;
    char name[32];

    for (size_t i = 0; i < n; i++) {
        snprintf(name, sizeof name, "rule-%zu", i);
        want[i] = owned_filter(3, 0, name, 100, (uint8_t)i);
        want[i].match.dst_ip[2] = (uint8_t)(i >> 8);   /* one match per rule */
        have[n - 1 - i] = installed(want[i], (uint32_t)(i + 1));
    }
    assert_int_equal(oo_tc_reconcile(want, n, have, n, &p), 0);
    assert_int_equal(p.n_reqs, 0);
    assert_int_equal(p.n_unchanged, n);
    assert_int_equal(p.n_conflicts, 0);
    oo_tc_plan_free(&p);
    assert_int_equal(oo_tc_reconcile(NULL, 0, have, n, &p), 0);
    assert_int_equal(count_op(&p, OO_TC_OP_DELETE), n);
    oo_tc_plan_free(&p);
    free(want);
    free(have);
}

/* ------------------------------------------------------------ counters */

static void test_count(void **state)
{
    struct oo_tc_filter f[4];
    struct oo_tc_counts c, total;

    f[0] = installed(owned_filter(4, 0, "a", 1, 1), 1);
    f[0].not_in_hw = false;
    f[0].in_hw = true;
    f[0].in_hw_count = 2;
    f[0].stats = (struct oo_tc_stats){ .packets = 10, .bytes = 1000, .hw_packets = 7,
                                      .hw_bytes = 700, .has_hw = true };
    f[1] = installed(owned_filter(4, 0, "b", 1, 2), 2);       /* not_in_hw, 3 pkts sw */
    f[2] = ovs_filter(4, 2, 3);
    f[2].in_hw = true;
    f[2].in_hw_count = 1;
    f[3] = foreign_filter(4, 5, ETH_P_IP, 4);
    f[3].stats = (struct oo_tc_stats){ .packets = 1, .bytes = 10, .hw_packets = 2, .hw_bytes = 20 };

    memset(&c, 0, sizeof c);
    oo_tc_count(f, 4, &c);
    assert_int_equal(c.total, 4);
    assert_int_equal(c.owned, 2);
    assert_int_equal(c.ovs, 1);
    assert_int_equal(c.foreign, 1);
    assert_int_equal(c.in_hw, 2);
    assert_int_equal(c.in_hw_count, 3);
    assert_int_equal(c.not_in_hw, 1);
    assert_int_equal(c.hw_packets, 9);
    assert_int_equal(c.hw_bytes, 720);
    assert_int_equal(c.sw_packets, 3 + 3);      /* 10-7, 3, and never negative */
    assert_int_equal(c.sw_bytes, 300 + 300);

    memset(&total, 0, sizeof total);
    oo_tc_counts_add(&total, &c);
    oo_tc_counts_add(&total, &c);
    assert_int_equal(total.total, 8);
    assert_int_equal(total.in_hw_count, 6);
    assert_int_equal(total.sw_bytes, 1200);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cookie),
        cmocka_unit_test(test_cookie_vs_ufid),
        cmocka_unit_test(test_classify),
        cmocka_unit_test(test_reconcile_noop),
        cmocka_unit_test(test_reconcile_changes),
        cmocka_unit_test(test_reconcile_skip_sw_lost),
        cmocka_unit_test(test_reconcile_handles_and_duplicates),
        cmocka_unit_test(test_reconcile_conflicts),
        cmocka_unit_test(test_reconcile_same_match),
        cmocka_unit_test(test_reconcile_moved_rule),
        cmocka_unit_test(test_reconcile_property),
        cmocka_unit_test(test_reconcile_large),
        cmocka_unit_test(test_count),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
