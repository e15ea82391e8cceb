/* tc decoders fed the guest kernel's own bytes (Debian 6.1, netdevsim with
 * scripts/vm/netdevsim-patches/0001), captured by
 * scripts/sim/capture-tc-fixtures.sh, which also says how each state was
 * made. Netdevs at capture time: lo 1, A = eth0 2 (netdevsim10), B = eth1 3
 * (netdevsim11), C = eth2 4 and D = eth3 5 (netdevsim12/13, block 22).
 *
 *   tc-flower-dump      filters made by iproute2 on A (every key and action
 *                       we model, a matchall, an OVS-like ufid cookie, one of
 *                       ours made by tc, one with ip_tos), hw-tc-offload off
 *   tc-stats-dump       B, patched netdevsim, hw-tc-offload on, one 64-byte
 *                       packet per hardware stats query: skip_sw and plain
 *                       in_hw, skip_hw not_in_hw, and (knob off) not_in_hw
 *   tc-sw-stats-dump    lo: 3 UDP packets through a filter (software counters)
 *   tc-block-dump       block 22 shared by C and D (in_hw_count 2)
 *   tc-block-dev-dump   the dump of C: the kernel answers in block form
 *   tc-qdisc-dump       every qdisc at that point
 *   tc-error-skip-sw    our skip_sw filter on B with the knob off: the stock
 *                       refusal with its extended ACK
 *   tc-batch-acks       three of our requests in one sendmsg on A: ok, a
 *                       skip_sw that fails, an echoed one */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/nlsock.h"
#include "common/util.h"
#include "fixture.h"
#include "tc/flower.h"
#include "tc/io.h"
#include "tc/owner.h"
#include "tc/reconcile.h"
#include "tc/req.h"

enum { IF_LO = 1, IF_A = 2, IF_B = 3, IF_C = 4, IF_D = 5 };

struct dump {
    void *buf;
    size_t len;
    struct oo_tc_filter f[32];      /* filters (handle != 0), in dump order */
    size_t n;
    unsigned headers;               /* per-prio messages without a filter */
};

/* Loads a dump fixture: every message decodes; it ends in NLMSG_DONE 0. */
static void load(struct dump *d, const char *name)
{
    const struct nlmsghdr *h;
    char msg[OO_NL_EXTACK_MAX];

    memset(d, 0, sizeof *d);
    d->buf = fixture_load(name, &d->len);
    for (unsigned i = 0; (h = fixture_msg(d->buf, d->len, i)); i++) {
        struct oo_tc_filter f;

        if (h->nlmsg_type == NLMSG_DONE) {
            assert_int_equal(oo_nl_parse_error(h, msg, sizeof msg), 0);
            assert_null(fixture_msg(d->buf, d->len, i + 1));
            return;
        }
        assert_int_equal(h->nlmsg_type, RTM_NEWTFILTER);
        assert_int_equal(oo_tc_parse_filter(h, &f), 0);
        if (!f.id.handle) {
            d->headers++;
            assert_int_equal(f.n_actions, 0);
            continue;
        }
        assert_true(d->n < OO_ARRAY_SIZE(d->f));
        d->f[d->n++] = f;
    }
    fail_msg("%s does not end in NLMSG_DONE", name);
}

static const struct oo_tc_filter *get(const struct dump *d, uint32_t chain, uint16_t prio,
                                      uint32_t handle)
{
    for (size_t i = 0; i < d->n; i++)
        if (d->f[i].id.chain == chain && d->f[i].id.prio == prio && d->f[i].id.handle == handle)
            return &d->f[i];
    fail_msg("no filter chain %u prio %u handle %u", chain, prio, handle);
    return NULL;
}

static void assert_ip(const uint8_t *addr, const uint8_t *mask, int family, const char *text,
                      int prefix)
{
    uint8_t want[16] = { 0 };
    size_t len = family == AF_INET ? 4 : 16;

    assert_int_equal(inet_pton(family, text, want), 1);
    assert_memory_equal(addr, want, len);
    assert_int_equal(oo_tc_mask_to_prefix(mask, len), prefix);
}

/* ------------------------------------------------------------ (a) iproute2 */

static void test_flower_dump_shape(void **state)
{
    static const struct { uint32_t chain; uint16_t prio, proto; uint32_t handle; const char *kind; } want[] = {
        { 0, 4, ETH_P_IP, 8, "flower" },
        { 0, 10, ETH_P_IP, 1, "flower" }, { 0, 10, ETH_P_IP, 4, "flower" },
        { 0, 10, ETH_P_IP, 9, "flower" },
        { 0, 20, ETH_P_IPV6, 2, "flower" },
        { 0, 30, ETH_P_8021Q, 3, "flower" },
        { 0, 60, ETH_P_ALL, 7, "matchall" },
        { 5, 40, ETH_P_ALL, 5, "flower" },
        { 5, 50, ETH_P_IP, 6, "flower" },
    };
    struct dump d;

    load(&d, "tc-flower-dump.bin");
    assert_int_equal(d.n, OO_ARRAY_SIZE(want));
    assert_int_equal(d.headers, 7);     /* one per (chain, prio) */
    for (size_t i = 0; i < d.n; i++) {
        const struct oo_tc_filter *f = &d.f[i];

        assert_int_equal(f->id.ifindex, IF_A);
        assert_int_equal(f->id.block, 0);
        assert_int_equal(f->id.parent, OO_TC_PARENT_INGRESS);
        assert_int_equal(f->id.chain, want[i].chain);
        assert_int_equal(f->id.prio, want[i].prio);
        assert_int_equal(f->id.protocol, want[i].proto);
        assert_int_equal(f->id.handle, want[i].handle);
        assert_string_equal(f->kind, want[i].kind);
        /* hw-tc-offload is off on A: all in software. */
        assert_true(f->not_in_hw);
        assert_false(f->in_hw);
        assert_int_equal(f->in_hw_count, 0);
        assert_int_equal(f->stats.packets, 0);
        assert_false(f->actions_truncated);
    }
    free(d.buf);
}

static void test_flower_dump_keys(void **state)
{
    static const uint8_t mac1[6] = { 2, 0, 0, 0, 0, 1 }, mac2[6] = { 2, 0, 0, 0, 0, 2 };
    static const uint8_t oui[6] = { 2, 0x11, 0x22, 0, 0, 0 };
    static const uint8_t full[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
    static const uint8_t half[6] = { 0xff, 0xff, 0xff, 0, 0, 0 };
    const struct oo_tc_filter *f;
    struct dump d;

    load(&d, "tc-flower-dump.bin");
    /* skip_hw dst_mac src_mac/24 ip_proto tcp src_ip/16 dst_ip src_port dst_port */
    f = get(&d, 0, 10, 1);
    assert_int_equal(f->match.keys, OO_TC_KEY_DST_MAC | OO_TC_KEY_SRC_MAC | OO_TC_KEY_IP_PROTO |
                     OO_TC_KEY_IPV4_SRC | OO_TC_KEY_IPV4_DST | OO_TC_KEY_SRC_PORT |
                     OO_TC_KEY_DST_PORT);
    assert_false(f->match.extra_keys);
    assert_memory_equal(f->match.dst_mac, mac1, 6);
    assert_memory_equal(f->match.dst_mac_mask, full, 6);
    assert_memory_equal(f->match.src_mac, oui, 6);
    assert_memory_equal(f->match.src_mac_mask, half, 6);
    assert_int_equal(f->match.ip_proto, IPPROTO_TCP);
    assert_ip(f->match.src_ip, f->match.src_ip_mask, AF_INET, "10.1.0.0", 16);
    assert_ip(f->match.dst_ip, f->match.dst_ip_mask, AF_INET, "192.0.2.10", 32);
    assert_int_equal(f->match.src_port, 1024);
    assert_int_equal(f->match.src_port_mask, 0xffff);
    assert_int_equal(f->match.dst_port, 80);
    assert_int_equal(f->match.dst_port_mask, 0xffff);
    assert_true(f->skip_hw);
    assert_false(f->skip_sw);

    /* ipv6: ip_proto udp src_ip/32 dst_ip dst_port */
    f = get(&d, 0, 20, 2);
    assert_int_equal(f->match.keys, OO_TC_KEY_IP_PROTO | OO_TC_KEY_IPV6_SRC |
                     OO_TC_KEY_IPV6_DST | OO_TC_KEY_DST_PORT);
    assert_int_equal(f->match.ip_proto, IPPROTO_UDP);
    assert_ip(f->match.src_ip, f->match.src_ip_mask, AF_INET6, "2001:db8::", 32);
    assert_ip(f->match.dst_ip, f->match.dst_ip_mask, AF_INET6, "2001:db8::53", 128);
    assert_int_equal(f->match.dst_port, 4789);

    /* 802.1q: vlan_id vlan_prio vlan_ethtype ipv4 ip_proto sctp dst_port */
    f = get(&d, 0, 30, 3);
    assert_int_equal(f->match.keys, OO_TC_KEY_VLAN_ID | OO_TC_KEY_VLAN_PRIO |
                     OO_TC_KEY_VLAN_ETH_TYPE | OO_TC_KEY_IP_PROTO | OO_TC_KEY_DST_PORT);
    assert_false(f->match.extra_keys);
    assert_int_equal(f->match.vlan_id, 100);
    assert_int_equal(f->match.vlan_prio, 3);
    assert_int_equal(f->match.vlan_eth_type, ETH_P_IP);
    assert_int_equal(f->match.ip_proto, IPPROTO_SCTP);
    assert_int_equal(f->match.dst_port, 36412);

    /* ip_proto udp dst_ip/24 src_port */
    f = get(&d, 0, 10, 4);
    assert_int_equal(f->match.keys, OO_TC_KEY_IP_PROTO | OO_TC_KEY_IPV4_DST | OO_TC_KEY_SRC_PORT);
    assert_ip(f->match.dst_ip, f->match.dst_ip_mask, AF_INET, "192.0.2.0", 24);
    assert_int_equal(f->match.src_port, 53);

    /* protocol all, dst_mac only */
    f = get(&d, 5, 40, 5);
    assert_int_equal(f->match.keys, OO_TC_KEY_DST_MAC);
    assert_memory_equal(f->match.dst_mac, mac2, 6);

    /* ip_tos: a key we do not model */
    f = get(&d, 5, 50, 6);
    assert_true(f->match.extra_keys);
    assert_int_equal(f->match.keys, 0);
    assert_int_not_equal(oo_tc_filter_check(f, NULL, 0), 0);
    free(d.buf);
}

static void test_flower_dump_actions(void **state)
{
    static const uint8_t cookie8[8] = { 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8 };
    const struct oo_tc_filter *f;
    struct dump d;

    load(&d, "tc-flower-dump.bin");
    f = get(&d, 0, 10, 1);      /* mirred egress redirect dev B cookie a1..a8 */
    assert_int_equal(f->n_actions, 1);
    assert_int_equal(f->actions[0].type, OO_TC_ACT_REDIRECT);
    assert_string_equal(f->actions[0].kind, "mirred");
    assert_int_equal(f->actions[0].ifindex, IF_B);
    assert_int_equal(f->actions[0].control, TC_ACT_STOLEN);
    assert_int_equal(f->actions[0].cookie_len, 8);
    assert_memory_equal(f->actions[0].cookie, cookie8, 8);
    assert_int_equal(oo_tc_classify(f, NULL), OO_TC_OWNER_FOREIGN);

    f = get(&d, 0, 20, 2);      /* mirred egress mirror dev B, drop */
    assert_int_equal(f->n_actions, 2);
    assert_int_equal(f->actions[0].type, OO_TC_ACT_MIRROR);
    assert_int_equal(f->actions[0].ifindex, IF_B);
    assert_int_equal(f->actions[0].control, TC_ACT_PIPE);
    assert_int_equal(f->actions[1].type, OO_TC_ACT_DROP);
    assert_int_equal(f->actions[1].control, TC_ACT_SHOT);

    f = get(&d, 0, 30, 3);      /* vlan pop, pass */
    assert_int_equal(f->actions[0].type, OO_TC_ACT_VLAN_POP);
    assert_string_equal(f->actions[0].kind, "vlan");
    assert_int_equal(f->actions[1].type, OO_TC_ACT_PASS);

    f = get(&d, 0, 10, 4);      /* vlan push id 200 protocol 802.1ad priority 5, goto chain 5 */
    assert_int_equal(f->actions[0].type, OO_TC_ACT_VLAN_PUSH);
    assert_int_equal(f->actions[0].vlan_id, 200);
    assert_int_equal(f->actions[0].vlan_prio, 5);
    assert_int_equal(f->actions[0].vlan_proto, ETH_P_8021AD);
    assert_int_equal(f->actions[0].control, TC_ACT_PIPE);
    assert_int_equal(f->actions[1].type, OO_TC_ACT_GOTO_CHAIN);
    assert_int_equal(f->actions[1].chain, 5);

    f = get(&d, 5, 40, 5);      /* vlan modify id 300 (no priority), drop */
    assert_int_equal(f->actions[0].type, OO_TC_ACT_VLAN_MODIFY);
    assert_int_equal(f->actions[0].vlan_id, 300);
    assert_int_equal(f->actions[0].vlan_prio, -1);
    assert_int_equal(f->actions[0].vlan_proto, ETH_P_8021Q);
    assert_int_equal(f->actions[1].type, OO_TC_ACT_DROP);

    f = get(&d, 0, 60, 7);      /* matchall action pass */
    assert_int_equal(f->n_actions, 1);
    assert_int_equal(f->actions[0].type, OO_TC_ACT_PASS);
    assert_int_equal(oo_tc_classify(f, NULL), OO_TC_OWNER_FOREIGN);

    /* Every action has the kernel's index and in_hw_count 0. */
    for (size_t i = 0; i < d.n; i++)
        for (unsigned k = 0; k < d.f[i].n_actions; k++) {
            assert_int_not_equal(d.f[i].actions[k].index, 0);
            assert_int_equal(d.f[i].actions[k].in_hw_count, 0);
            assert_false(d.f[i].actions[k].extra);
        }
    free(d.buf);
}

/* The same rule as tccapture's rule 0 (prio 10): what tc made with our
 * cookie is ours and equal to what we would write. */
static void make_rule0(struct oo_tc_filter *f)
{
    struct oo_tc_action drop = oo_tc_action_drop();

    oo_tc_filter_init(f, IF_A, 0, 0, 10, ETH_P_IP);
    f->match.keys = OO_TC_KEY_IP_PROTO | OO_TC_KEY_IPV4_DST | OO_TC_KEY_DST_PORT;
    f->match.ip_proto = IPPROTO_TCP;
    f->match.dst_ip[0] = 10;
    oo_tc_prefix_to_mask(32, f->match.dst_ip_mask, 4);
    f->match.dst_port = 80;
    f->match.dst_port_mask = 0xffff;
    oo_tc_filter_add_action(f, &drop);
    oo_tc_filter_set_owner(f, oo_tc_rule_id("rule-0"));
}

static void test_flower_dump_owners(void **state)
{
    struct oo_tc_filter want;
    struct oo_tc_counts c = { 0 };
    struct oo_tc_plan p;
    uint64_t id;
    struct dump d;

    load(&d, "tc-flower-dump.bin");
    /* Ours, made by tc with our cookie. */
    assert_int_equal(oo_tc_classify(get(&d, 0, 10, 9), &id), OO_TC_OWNER_OURS);
    assert_int_equal(id, oo_tc_rule_id("rule-0"));
    make_rule0(&want);
    assert_true(oo_tc_filter_equal(&want, get(&d, 0, 10, 9)));
    /* OVS's: a ufid cookie. */
    assert_int_equal(oo_tc_classify(get(&d, 0, 4, 8), NULL), OO_TC_OWNER_OVS);

    oo_tc_count(d.f, d.n, &c);
    assert_int_equal(c.total, 9);
    assert_int_equal(c.owned, 1);
    assert_int_equal(c.ovs, 1);
    assert_int_equal(c.foreign, 7);
    assert_int_equal(c.not_in_hw, 9);
    assert_int_equal(c.in_hw, 0);

    /* Reconciling to rule 0 alone: nothing to do, nobody else touched. */
    assert_int_equal(oo_tc_reconcile(&want, 1, d.f, d.n, &p), 0);
    assert_int_equal(p.n_reqs, 0);
    assert_int_equal(p.n_unchanged, 1);
    assert_int_equal(p.n_conflicts, 0);
    oo_tc_plan_free(&p);
    /* And to nothing: only ours goes. */
    assert_int_equal(oo_tc_reconcile(NULL, 0, d.f, d.n, &p), 0);
    assert_int_equal(p.n_reqs, 1);
    assert_int_equal(p.reqs[0].op, OO_TC_OP_DELETE);
    assert_ptr_equal(p.reqs[0].filter, get(&d, 0, 10, 9));
    oo_tc_plan_free(&p);
    free(d.buf);
}

/* ------------------------------------------------------------ (b) stats */

static void test_stats_dump(void **state)
{
    const struct oo_tc_filter *f;
    struct oo_tc_counts c = { 0 };
    struct dump d;

    load(&d, "tc-stats-dump.bin");
    assert_int_equal(d.n, 4);
    for (size_t i = 0; i < d.n; i++)
        assert_int_equal(d.f[i].id.ifindex, IF_B);

    f = get(&d, 0, 1, 1);       /* skip_sw: in hardware only */
    assert_true(f->skip_sw);
    assert_true(f->in_hw);
    assert_false(f->not_in_hw);
    assert_int_equal(f->in_hw_count, 1);
    assert_true(f->stats.has_hw);
    assert_int_equal(f->stats.packets, 1);      /* one stats query so far */
    assert_int_equal(f->stats.bytes, 64);
    assert_int_equal(f->stats.hw_packets, 1);
    assert_int_equal(f->stats.hw_bytes, 64);

    f = get(&d, 0, 1, 2);       /* plain: software and hardware */
    assert_false(f->skip_sw);
    assert_true(f->in_hw);
    assert_int_equal(f->in_hw_count, 1);
    assert_int_equal(f->stats.hw_packets, 1);

    f = get(&d, 0, 1, 3);       /* skip_hw */
    assert_true(f->skip_hw);
    assert_true(f->not_in_hw);
    assert_false(f->in_hw);
    assert_int_equal(f->stats.hw_packets, 0);
    assert_true(f->stats.has_hw);               /* reported, as zero */

    f = get(&d, 0, 1, 4);       /* the stock driver's answer: software only */
    assert_false(f->skip_hw);
    assert_true(f->not_in_hw);
    assert_int_equal(f->in_hw_count, 0);

    oo_tc_count(d.f, d.n, &c);
    assert_int_equal(c.total, 4);
    assert_int_equal(c.foreign, 4);
    assert_int_equal(c.in_hw, 2);
    assert_int_equal(c.in_hw_count, 2);
    assert_int_equal(c.not_in_hw, 2);
    assert_int_equal(c.hw_packets, 2);
    assert_int_equal(c.hw_bytes, 128);
    assert_int_equal(c.sw_packets, 0);
    assert_int_equal(c.sw_bytes, 0);
    free(d.buf);
}

static void test_sw_stats_dump(void **state)
{
    const struct oo_tc_filter *f;
    struct oo_tc_counts c = { 0 };
    struct dump d;

    load(&d, "tc-sw-stats-dump.bin");
    assert_int_equal(d.n, 1);
    f = get(&d, 0, 1, 1);
    assert_int_equal(f->id.ifindex, IF_LO);
    assert_int_equal(f->match.ip_proto, IPPROTO_UDP);
    assert_int_equal(f->match.dst_port, 9);
    /* Three UDP packets of 20 + 8 + 6 bytes (no link header at ingress). */
    assert_int_equal(f->stats.packets, 3);
    assert_int_equal(f->stats.bytes, 102);
    assert_int_equal(f->stats.hw_packets, 0);
    oo_tc_count(d.f, d.n, &c);
    assert_int_equal(c.sw_packets, 3);
    assert_int_equal(c.sw_bytes, 102);
    assert_int_equal(c.hw_packets, 0);
    free(d.buf);
}

/* ------------------------------------------------------------ (c) blocks */

static void check_block(const char *name)
{
    const struct oo_tc_filter *f;
    struct oo_tc_counts c = { 0 };
    struct dump d;

    load(&d, name);
    assert_int_equal(d.n, 2);
    for (size_t i = 0; i < d.n; i++) {
        assert_int_equal(d.f[i].id.block, 22);
        assert_int_equal(d.f[i].id.ifindex, 0);
        assert_int_equal(d.f[i].in_hw_count, 2);   /* C and D */
        assert_true(d.f[i].in_hw);
    }
    f = get(&d, 0, 5, 1);
    assert_int_equal(f->id.protocol, ETH_P_IP);
    assert_true(f->skip_sw);
    assert_ip(f->match.dst_ip, f->match.dst_ip_mask, AF_INET, "198.51.100.1", 32);
    f = get(&d, 0, 6, 1);
    assert_int_equal(f->id.protocol, ETH_P_IPV6);
    assert_int_equal(f->actions[0].type, OO_TC_ACT_REDIRECT);
    assert_int_equal(f->actions[0].ifindex, IF_A);
    oo_tc_count(d.f, d.n, &c);
    assert_int_equal(c.in_hw, 2);
    assert_int_equal(c.in_hw_count, 4);
    free(d.buf);
}

static void test_block_dump(void **state)
{
    check_block("tc-block-dump.bin");
    /* A member's own dump answers with the block's filters, in block form. */
    check_block("tc-block-dev-dump.bin");
}

static void test_qdisc_dump(void **state)
{
    static const struct { uint32_t ifindex; const char *kind; uint32_t block; } want[] = {
        { IF_LO, "noqueue", 0 }, { IF_A, "ingress", 0 }, { IF_B, "clsact", 0 },
        { IF_C, "ingress", 22 }, { IF_D, "ingress", 22 },
    };
    struct oo_tc_qdisc q[8];
    const struct nlmsghdr *h;
    size_t len, n = 0;
    void *buf = fixture_load("tc-qdisc-dump.bin", &len);

    for (unsigned i = 0; (h = fixture_msg(buf, len, i)) && h->nlmsg_type != NLMSG_DONE; i++) {
        assert_true(n < OO_ARRAY_SIZE(q));
        assert_int_equal(oo_tc_parse_qdisc(h, &q[n]), 0);
        n++;
    }
    assert_int_equal(n, OO_ARRAY_SIZE(want));
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(q[i].ifindex, want[i].ifindex);
        assert_string_equal(q[i].kind, want[i].kind);
        assert_int_equal(q[i].ingress_block, want[i].block);
        assert_false(q[i].hw_offload);
        if (i) {
            assert_int_equal(q[i].parent, TC_H_INGRESS);
            assert_int_equal(q[i].handle, 0xffff0000u);
        }
    }
    free(buf);
}

/* The lookup the plan makes for every rule's device: the dump's qdiscs in
 * any order, with a root qdisc beside an ingress one, sorted once, then
 * searched. */
static void test_qdisc_find(void **state)
{
    struct oo_tc_qdisc q[10], mq = { .ifindex = IF_A, .handle = 0x10000, .parent = TC_H_ROOT,
                                     .kind = "mq" };
    const struct oo_tc_qdisc *f;
    const struct nlmsghdr *h;
    size_t len, n = 0;
    void *buf = fixture_load("tc-qdisc-dump.bin", &len);

    for (unsigned i = 0; (h = fixture_msg(buf, len, i)) && h->nlmsg_type != NLMSG_DONE; i++)
        assert_int_equal(oo_tc_parse_qdisc(h, &q[n++]), 0);
    assert_int_equal(n, 5);
    for (size_t i = 0; i < n / 2; i++) {        /* reversed: the sort has work to do */
        struct oo_tc_qdisc t = q[i];
        q[i] = q[n - 1 - i];
        q[n - 1 - i] = t;
    }
    q[n++] = mq;                                /* sorts before A's ingress (parent) */
    oo_tc_sort_qdiscs(q, n);
    for (size_t i = 1; i < n; i++)
        assert_true(q[i - 1].ifindex <= q[i].ifindex);
    assert_string_equal(oo_tc_find_ingress_qdisc(q, n, IF_A)->kind, "ingress");
    assert_string_equal(oo_tc_find_ingress_qdisc(q, n, IF_B)->kind, "clsact");
    f = oo_tc_find_ingress_qdisc(q, n, IF_D);
    assert_non_null(f);
    assert_int_equal(f->ifindex, IF_D);
    assert_int_equal(f->ingress_block, 22);
    assert_null(oo_tc_find_ingress_qdisc(q, n, IF_LO));     /* noqueue at the root only */
    assert_null(oo_tc_find_ingress_qdisc(q, n, 99));
    assert_null(oo_tc_find_ingress_qdisc(q, 0, IF_A));
    free(buf);
}

/* ------------------------------------------------------------ (d) errors */

static void test_error_extack(void **state)
{
    size_t len;
    void *buf = fixture_load("tc-error-skip-sw.bin", &len);
    const struct nlmsghdr *h = fixture_msg(buf, len, 0);
    char msg[OO_NL_EXTACK_MAX];

    assert_non_null(h);
    assert_null(fixture_msg(buf, len, 1));
    assert_int_equal(h->nlmsg_type, NLMSG_ERROR);
    assert_int_equal(oo_nl_parse_error(h, msg, sizeof msg), -EOPNOTSUPP);
    assert_string_equal(msg, "netdevsim: only offload of BPF classifiers supported");
    free(buf);
}

static void test_batch_acks(void **state)
{
    size_t len;
    void *buf = fixture_load("tc-batch-acks.bin", &len);
    const struct nlmsghdr *first = fixture_msg(buf, len, 0), *h;
    struct oo_tc_filter f[3];
    struct oo_tc_action drop = oo_tc_action_drop(), redirect = oo_tc_action_redirect(IF_B);
    struct oo_tc_req reqs[3];
    struct oo_tc_result res[3];
    uint32_t seq0 = first->nlmsg_seq;
    int acked = 0;

    /* The requests tccapture sent (capture_filter()). */
    for (int i = 0; i < 3; i++) {
        char name[32];

        oo_tc_filter_init(&f[i], IF_A, 0, 0, 1, ETH_P_IP);
        f[i].match.keys = OO_TC_KEY_IPV4_DST;
        f[i].match.dst_ip[0] = 192;
        f[i].match.dst_ip[2] = 2;
        f[i].match.dst_ip[3] = (uint8_t)(i + 1);
        oo_tc_prefix_to_mask(32, f[i].match.dst_ip_mask, 4);
        oo_tc_filter_add_action(&f[i], i == 2 ? &redirect : &drop);
        snprintf(name, sizeof name, "capture-%d", i + 1);
        oo_tc_filter_set_owner(&f[i], oo_tc_rule_id(name));
        reqs[i] = (struct oo_tc_req){ .op = OO_TC_OP_ADD, .filter = &f[i], .echo = i == 2 };
        res[i] = (struct oo_tc_result){ .error = -ENOBUFS, .verified = -1 };
    }
    f[1].skip_sw = true;

    for (unsigned i = 0; (h = fixture_msg(buf, len, i)); i++) {
        int r = oo_tc_batch_answer(h, first->nlmsg_pid, seq0, reqs, 3, res);

        if (r >= 0)
            assert_int_equal(r, acked++);
        /* Not ours: another port, or a number outside the batch. */
        assert_int_equal(oo_tc_batch_answer(h, first->nlmsg_pid + 1, seq0, reqs, 3, res), -1);
        assert_int_equal(oo_tc_batch_answer(h, first->nlmsg_pid, seq0 + 10, reqs, 3, res), -1);
    }
    assert_int_equal(acked, 3);
    assert_int_equal(res[0].error, 0);
    assert_string_equal(res[0].extack, "");
    assert_int_equal(res[0].verified, -1);
    assert_int_equal(res[1].error, -EOPNOTSUPP);
    assert_string_equal(res[1].extack, "TC offload is disabled on net device");
    assert_int_equal(res[2].error, 0);
    assert_int_equal(res[2].verified, 1);      /* the echo equals the request */
    assert_int_equal(res[2].handle, 2);        /* 1 went to the first request */

    /* A request the echo does not match is not verified. */
    f[2].actions[0].ifindex = IF_C;
    res[2].verified = -1;
    for (unsigned i = 0; (h = fixture_msg(buf, len, i)); i++)
        oo_tc_batch_answer(h, first->nlmsg_pid, seq0, reqs, 3, res);
    assert_int_equal(res[2].verified, 0);
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_flower_dump_shape),
        cmocka_unit_test(test_flower_dump_keys),
        cmocka_unit_test(test_flower_dump_actions),
        cmocka_unit_test(test_flower_dump_owners),
        cmocka_unit_test(test_stats_dump),
        cmocka_unit_test(test_sw_stats_dump),
        cmocka_unit_test(test_block_dump),
        cmocka_unit_test(test_qdisc_dump),
        cmocka_unit_test(test_qdisc_find),
        cmocka_unit_test(test_error_extack),
        cmocka_unit_test(test_batch_acks),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
