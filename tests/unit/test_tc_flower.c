/* tc flower value types, encoders and decoders (tc/flower.h), without a
 * kernel: every key and every action goes through encode -> decode and
 * comes back equal; the encoders' headers and refusals; oo_tc_filter_check;
 * the comparison under masks; decoding robustness (unknown and malformed
 * attributes, 64-bit counters); the name tables. The kernel's own bytes are
 * in test_tc_fixtures.c. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/gen_stats.h>
#include <linux/if_ether.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <linux/tc_act/tc_gact.h>
#include <linux/tc_act/tc_mirred.h>
#include <linux/tc_act/tc_vlan.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/util.h"
#include "tc/flower.h"
#include "tc/owner.h"
#include "tc/req.h"

/* ------------------------------------------------------------ helpers */

static void set_ip(uint8_t *addr, uint8_t *mask, int family, const char *text, unsigned prefix)
{
    memset(addr, 0, 16);
    assert_int_equal(inet_pton(family, text, addr), 1);
    assert_int_equal(oo_tc_prefix_to_mask(prefix, mask, family == AF_INET ? 4 : 16), 0);
}

static void set_mac(uint8_t *mac, uint8_t *mask, const uint8_t m[6], const uint8_t k[6])
{
    memcpy(mac, m, 6);
    memcpy(mask, k, 6);
}

static const uint8_t MAC_A[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
static const uint8_t MAC_B[6] = { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 };
static const uint8_t FULL[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t OUI[6] = { 0xff, 0xff, 0xff, 0x00, 0x00, 0x00 };

/* Encodes f as `op`, decodes the request back, and checks it is the same
 * filter, field by field where the comparison would hide a mistake. */
static void round_trip(const struct oo_tc_filter *f, struct oo_tc_filter *out)
{
    char buf[OO_TC_MSG_MAX];
    struct oo_tc_req req = { .op = OO_TC_OP_ADD, .filter = f };
    struct nlmsghdr *nlh = oo_tc_put_req(buf, &req);
    char why[128];

    assert_non_null(nlh);
    assert_true(nlh->nlmsg_len <= OO_TC_MSG_MAX);
    assert_int_equal(oo_tc_filter_check(f, why, sizeof why), 0);
    assert_int_equal(oo_tc_parse_filter(nlh, out), 0);
    assert_string_equal(out->kind, "flower");
    assert_int_equal(out->id.ifindex, f->id.ifindex);
    assert_int_equal(out->id.block, f->id.block);
    assert_int_equal(out->id.chain, f->id.chain);
    assert_int_equal(out->id.prio, f->id.prio);
    assert_int_equal(out->id.protocol, f->id.protocol);
    assert_int_equal(out->id.handle, f->id.handle);
    assert_int_equal(out->match.keys, f->match.keys);
    assert_false(out->match.extra_keys);
    assert_int_equal(out->skip_sw, f->skip_sw);
    assert_int_equal(out->skip_hw, f->skip_hw);
    assert_int_equal(out->verbose, f->verbose);
    assert_int_equal(out->n_actions, f->n_actions);
    for (unsigned i = 0; i < f->n_actions; i++) {
        const struct oo_tc_action *a = &f->actions[i], *b = &out->actions[i];

        assert_int_equal(b->type, a->type);
        assert_string_equal(b->kind, a->kind);
        assert_int_equal(b->control, a->control);
        assert_int_equal(b->cookie_len, a->cookie_len);
        assert_memory_equal(b->cookie, a->cookie, a->cookie_len);
    }
    assert_true(oo_tc_filter_equal(f, out));
    assert_true(oo_tc_filter_equal(out, f));
}

static struct oo_tc_filter *new_filter(uint32_t ifindex, uint32_t block, uint32_t chain,
                                       uint16_t prio, uint16_t proto)
{
    struct oo_tc_filter *f = oo_malloc(sizeof *f);
    struct oo_tc_action drop = oo_tc_action_drop();

    oo_tc_filter_init(f, ifindex, block, chain, prio, proto);
    assert_int_equal(oo_tc_filter_add_action(f, &drop), 0);
    oo_tc_filter_set_owner(f, oo_tc_rule_id("test"));
    return f;
}

/* ------------------------------------------------------------ keys */

static void test_round_trip_l2(void **state)
{
    struct oo_tc_filter *f = new_filter(7, 0, 0, 10, ETH_P_ALL), out;

    f->match.keys = OO_TC_KEY_DST_MAC | OO_TC_KEY_SRC_MAC;
    set_mac(f->match.dst_mac, f->match.dst_mac_mask, MAC_A, FULL);
    set_mac(f->match.src_mac, f->match.src_mac_mask, MAC_B, OUI);
    round_trip(f, &out);
    assert_memory_equal(out.match.dst_mac, MAC_A, 6);
    assert_memory_equal(out.match.dst_mac_mask, FULL, 6);
    /* Keys go out masked. */
    assert_memory_equal(out.match.src_mac, ((uint8_t[]){ 0x02, 0x11, 0x22, 0, 0, 0 }), 6);
    assert_memory_equal(out.match.src_mac_mask, OUI, 6);
    free(f);
}

static void test_round_trip_ipv4_tcp(void **state)
{
    struct oo_tc_filter *f = new_filter(7, 0, 3, 20, ETH_P_IP), out;

    f->match.keys = OO_TC_KEY_IP_PROTO | OO_TC_KEY_IPV4_SRC | OO_TC_KEY_IPV4_DST |
                    OO_TC_KEY_SRC_PORT | OO_TC_KEY_DST_PORT;
    f->match.ip_proto = IPPROTO_TCP;
    set_ip(f->match.src_ip, f->match.src_ip_mask, AF_INET, "10.1.0.0", 16);
    set_ip(f->match.dst_ip, f->match.dst_ip_mask, AF_INET, "192.0.2.1", 32);
    f->match.src_port = 1024;
    f->match.src_port_mask = 0xfc00;
    f->match.dst_port = 80;
    f->match.dst_port_mask = 0xffff;
    f->skip_sw = true;
    f->id.handle = 0x42;
    round_trip(f, &out);
    assert_int_equal(out.match.ip_proto, IPPROTO_TCP);
    assert_memory_equal(out.match.src_ip, ((uint8_t[]){ 10, 1, 0, 0 }), 4);
    assert_int_equal(oo_tc_mask_to_prefix(out.match.src_ip_mask, 4), 16);
    assert_memory_equal(out.match.dst_ip, ((uint8_t[]){ 192, 0, 2, 1 }), 4);
    assert_int_equal(oo_tc_mask_to_prefix(out.match.dst_ip_mask, 4), 32);
    assert_int_equal(out.match.src_port, 1024);
    assert_int_equal(out.match.src_port_mask, 0xfc00);
    assert_int_equal(out.match.dst_port, 80);
    assert_int_equal(out.match.dst_port_mask, 0xffff);
    assert_true(out.skip_sw);
    free(f);
}

static void test_round_trip_ipv6_udp(void **state)
{
    struct oo_tc_filter *f = new_filter(0, 9, 0, 30, ETH_P_IPV6), out;
    uint8_t want[16];

    f->match.keys = OO_TC_KEY_IP_PROTO | OO_TC_KEY_IPV6_SRC | OO_TC_KEY_IPV6_DST |
                    OO_TC_KEY_DST_PORT;
    f->match.ip_proto = IPPROTO_UDP;
    set_ip(f->match.src_ip, f->match.src_ip_mask, AF_INET6, "2001:db8::", 32);
    set_ip(f->match.dst_ip, f->match.dst_ip_mask, AF_INET6, "2001:db8::53", 128);
    f->match.dst_port = 4789;
    f->match.dst_port_mask = 0xffff;
    f->skip_hw = true;
    round_trip(f, &out);
    assert_int_equal(out.id.block, 9);
    assert_int_equal(out.id.ifindex, 0);
    inet_pton(AF_INET6, "2001:db8::53", want);
    assert_memory_equal(out.match.dst_ip, want, 16);
    assert_int_equal(oo_tc_mask_to_prefix(out.match.src_ip_mask, 16), 32);
    assert_int_equal(out.match.dst_port, 4789);
    assert_true(out.skip_hw);
    free(f);
}

static void test_round_trip_sctp(void **state)
{
    struct oo_tc_filter *f = new_filter(7, 0, 0, 40, ETH_P_IP), out;

    f->match.keys = OO_TC_KEY_IP_PROTO | OO_TC_KEY_SRC_PORT;
    f->match.ip_proto = IPPROTO_SCTP;
    f->match.src_port = 36412;
    f->match.src_port_mask = 0xffff;
    f->verbose = true;
    round_trip(f, &out);
    assert_int_equal(out.match.src_port, 36412);
    assert_true(out.verbose);
    free(f);
}

static void test_round_trip_vlan(void **state)
{
    static const uint16_t protos[] = { ETH_P_8021Q, ETH_P_8021AD };

    for (size_t i = 0; i < OO_ARRAY_SIZE(protos); i++) {
        struct oo_tc_filter *f = new_filter(7, 0, 0, 50, protos[i]), out;

        f->match.keys = OO_TC_KEY_VLAN_ID | OO_TC_KEY_VLAN_PRIO | OO_TC_KEY_VLAN_ETH_TYPE |
                        OO_TC_KEY_IP_PROTO | OO_TC_KEY_IPV4_DST;
        f->match.vlan_id = 4095;
        f->match.vlan_prio = 7;
        f->match.vlan_eth_type = ETH_P_IP;
        f->match.ip_proto = IPPROTO_ICMP;
        set_ip(f->match.dst_ip, f->match.dst_ip_mask, AF_INET, "198.51.100.0", 24);
        round_trip(f, &out);
        assert_int_equal(out.id.protocol, protos[i]);
        assert_int_equal(out.match.vlan_id, 4095);
        assert_int_equal(out.match.vlan_prio, 7);
        assert_int_equal(out.match.vlan_eth_type, ETH_P_IP);
        free(f);
    }
}

/* ------------------------------------------------------------ actions */

static void test_round_trip_actions(void **state)
{
    struct oo_tc_action acts[] = {
        oo_tc_action_mirror(11),
        oo_tc_action_vlan_push(100, 3),
        oo_tc_action_vlan_push(4094, -1),
        oo_tc_action_vlan_modify(200, 5),
        oo_tc_action_vlan_pop(),
        oo_tc_action_pass(),
        oo_tc_action_goto_chain(7),
        oo_tc_action_redirect(12),
    };
    struct oo_tc_filter *f = new_filter(7, 0, 0, 60, ETH_P_ALL), out;

    acts[2].vlan_proto = ETH_P_8021AD;
    f->n_actions = 0;
    for (size_t i = 0; i < OO_ARRAY_SIZE(acts); i++)
        assert_int_equal(oo_tc_filter_add_action(f, &acts[i]), 0);
    assert_int_equal(oo_tc_filter_add_action(f, &acts[0]), -E2BIG);
    oo_tc_filter_set_owner(f, 0x0123456789abcdefull);
    round_trip(f, &out);

    assert_int_equal(out.actions[0].type, OO_TC_ACT_MIRROR);
    assert_int_equal(out.actions[0].ifindex, 11);
    assert_int_equal(out.actions[0].control, TC_ACT_PIPE);
    assert_int_equal(out.actions[1].type, OO_TC_ACT_VLAN_PUSH);
    assert_int_equal(out.actions[1].vlan_id, 100);
    assert_int_equal(out.actions[1].vlan_prio, 3);
    assert_int_equal(out.actions[1].vlan_proto, ETH_P_8021Q);
    assert_int_equal(out.actions[2].vlan_id, 4094);
    assert_int_equal(out.actions[2].vlan_prio, -1);
    assert_int_equal(out.actions[2].vlan_proto, ETH_P_8021AD);
    assert_int_equal(out.actions[3].type, OO_TC_ACT_VLAN_MODIFY);
    assert_int_equal(out.actions[3].vlan_id, 200);
    assert_int_equal(out.actions[3].vlan_prio, 5);
    assert_int_equal(out.actions[4].type, OO_TC_ACT_VLAN_POP);
    assert_int_equal(out.actions[5].type, OO_TC_ACT_PASS);
    assert_int_equal(out.actions[5].control, TC_ACT_OK);
    assert_int_equal(out.actions[6].type, OO_TC_ACT_GOTO_CHAIN);
    assert_int_equal(out.actions[6].chain, 7);
    assert_int_equal(out.actions[6].control, (int32_t)(TC_ACT_GOTO_CHAIN | 7));
    assert_int_equal(out.actions[7].type, OO_TC_ACT_REDIRECT);
    assert_int_equal(out.actions[7].ifindex, 12);
    assert_int_equal(out.actions[7].control, TC_ACT_STOLEN);
    for (unsigned i = 0; i < out.n_actions; i++) {
        uint64_t id;

        assert_true(oo_tc_cookie_is_ours(out.actions[i].cookie, out.actions[i].cookie_len, &id));
        assert_int_equal(id, 0x0123456789abcdefull);
    }
    free(f);
}

static void test_round_trip_each_action(void **state)
{
    const struct oo_tc_action acts[] = {
        oo_tc_action_redirect(3), oo_tc_action_mirror(3), oo_tc_action_drop(),
        oo_tc_action_pass(), oo_tc_action_goto_chain(1), oo_tc_action_vlan_push(1, 0),
        oo_tc_action_vlan_pop(), oo_tc_action_vlan_modify(2, -1),
    };

    for (size_t i = 0; i < OO_ARRAY_SIZE(acts); i++) {
        struct oo_tc_filter *f = new_filter(5, 0, 0, 1, ETH_P_ALL), out;

        f->actions[0] = acts[i];
        /* Without a cookie too: the encoder does not need one. */
        round_trip(f, &out);
        assert_int_equal(out.actions[0].type, acts[i].type);
        assert_int_equal(out.actions[0].cookie_len, 0);
        free(f);
    }
}

/* ------------------------------------------------------------ encoders */

static const struct nlattr *attr(const struct nlmsghdr *nlh, uint16_t type)
{
    const struct nlattr *a;

    mnl_attr_for_each(a, nlh, sizeof(struct tcmsg))
        if (mnl_attr_get_type(a) == type)
            return a;
    return NULL;
}

static void test_encode_headers(void **state)
{
    char buf[OO_TC_MSG_MAX];
    struct oo_tc_filter *f = new_filter(7, 0, 2, 300, ETH_P_IP);
    struct oo_tc_req req = { .op = OO_TC_OP_REPLACE, .filter = f, .handle = 5, .echo = true };
    struct nlmsghdr *nlh;
    const struct tcmsg *t;

    nlh = oo_tc_put_req(buf, &req);
    t = mnl_nlmsg_get_payload(nlh);
    assert_int_equal(nlh->nlmsg_type, RTM_NEWTFILTER);
    assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_CREATE | NLM_F_REPLACE | NLM_F_ECHO);
    assert_int_equal(t->tcm_ifindex, 7);
    assert_int_equal(t->tcm_parent, 0xfffffff2u);
    assert_int_equal(t->tcm_handle, 5);
    assert_int_equal(t->tcm_info, (300u << 16) | htons(ETH_P_IP));
    assert_string_equal(mnl_attr_get_str(attr(nlh, TCA_KIND)), "flower");
    assert_int_equal(mnl_attr_get_u32(attr(nlh, TCA_CHAIN)), 2);

    req.op = OO_TC_OP_ADD;
    req.echo = false;
    req.handle = 0;
    nlh = oo_tc_put_req(buf, &req);
    assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL);

    /* A block: the magic ifindex and the block index in tcm_parent. */
    f->id.ifindex = 0;
    f->id.block = 22;
    nlh = oo_tc_put_newfilter(buf, f, NLM_F_CREATE);
    t = mnl_nlmsg_get_payload(nlh);
    assert_int_equal((uint32_t)t->tcm_ifindex, TCM_IFINDEX_MAGIC_BLOCK);
    assert_int_equal(t->tcm_block_index, 22);

    /* Delete: by handle only. */
    f->id.handle = 9;
    req = (struct oo_tc_req){ .op = OO_TC_OP_DELETE, .filter = f };
    nlh = oo_tc_put_req(buf, &req);
    t = mnl_nlmsg_get_payload(nlh);
    assert_int_equal(nlh->nlmsg_type, RTM_DELTFILTER);
    assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST);
    assert_int_equal(t->tcm_handle, 9);
    assert_int_equal(t->tcm_info, (300u << 16) | htons(ETH_P_IP));
    assert_int_equal(mnl_attr_get_u32(attr(nlh, TCA_CHAIN)), 2);
    assert_string_equal(mnl_attr_get_str(attr(nlh, TCA_KIND)), "flower");
    req.handle = 11;
    nlh = oo_tc_put_req(buf, &req);
    assert_int_equal(((const struct tcmsg *)mnl_nlmsg_get_payload(nlh))->tcm_handle, 11);
    /* Never a whole prio or chain. */
    f->id.handle = 0;
    req.handle = 0;
    assert_null(oo_tc_put_req(buf, &req));
    assert_null(oo_tc_put_delfilter(buf, &f->id));
    f->id.handle = 9;
    f->id.prio = 0;
    assert_null(oo_tc_put_delfilter(buf, &f->id));
    free(f);
}

static void test_encode_refusals(void **state)
{
    char buf[OO_TC_MSG_MAX];
    struct oo_tc_filter *f = new_filter(7, 0, 0, 1, ETH_P_IP);
    struct oo_tc_req req = { .op = OO_TC_OP_ADD, .filter = f };

    /* Ports without a transport protocol: no attribute to put them in. */
    f->match.keys = OO_TC_KEY_DST_PORT;
    f->match.dst_port = 1;
    f->match.dst_port_mask = 0xffff;
    assert_null(oo_tc_put_newfilter(buf, f, NLM_F_CREATE));
    f->match.keys |= OO_TC_KEY_IP_PROTO;
    f->match.ip_proto = IPPROTO_ICMP;
    assert_null(oo_tc_put_newfilter(buf, f, NLM_F_CREATE));
    f->match.ip_proto = IPPROTO_UDP;
    assert_non_null(oo_tc_put_newfilter(buf, f, NLM_F_CREATE));
    /* An action we cannot write. */
    f->actions[0].type = OO_TC_ACT_OTHER;
    assert_null(oo_tc_put_newfilter(buf, f, NLM_F_CREATE));
    f->actions[0] = oo_tc_action_drop();
    f->n_actions = 0;
    assert_null(oo_tc_put_newfilter(buf, f, NLM_F_CREATE));
    f->n_actions = 1;
    strcpy(f->kind, "u32");
    assert_null(oo_tc_put_newfilter(buf, f, NLM_F_CREATE));
    req.op = 42;
    assert_null(oo_tc_put_req(buf, &req));
    req.op = OO_TC_OP_ADD;
    req.filter = NULL;
    assert_null(oo_tc_put_req(buf, &req));
    free(f);
}

static void test_encode_dumps_and_qdiscs(void **state)
{
    char buf[OO_TC_MSG_MAX];
    struct nlmsghdr *nlh;
    const struct tcmsg *t;

    nlh = oo_tc_put_getfilter_dump(buf, 4, 0, false);
    t = mnl_nlmsg_get_payload(nlh);
    assert_int_equal(nlh->nlmsg_type, RTM_GETTFILTER);
    assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_DUMP);
    assert_int_equal(t->tcm_ifindex, 4);
    assert_int_equal(t->tcm_parent, 0xfffffff2u);
    /* Every chain: no TCA_CHAIN. */
    assert_int_equal(nlh->nlmsg_len, NLMSG_LENGTH(sizeof *t));

    nlh = oo_tc_put_getfilter_dump(buf, 4, 8, false);
    t = mnl_nlmsg_get_payload(nlh);
    assert_int_equal((uint32_t)t->tcm_ifindex, TCM_IFINDEX_MAGIC_BLOCK);
    assert_int_equal(t->tcm_block_index, 8);

    /* A clsact's egress side: the device's, parent ffff:fff3. */
    nlh = oo_tc_put_getfilter_dump_egress(buf, 4);
    t = mnl_nlmsg_get_payload(nlh);
    assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_DUMP);
    assert_int_equal(t->tcm_ifindex, 4);
    assert_int_equal(t->tcm_parent, TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_EGRESS));
    assert_int_equal(nlh->nlmsg_len, NLMSG_LENGTH(sizeof *t));

    /* Terse: one TCA_DUMP_FLAGS bitfield with the terse bit, selected. */
    nlh = oo_tc_put_getfilter_dump(buf, 4, 0, true);
    t = mnl_nlmsg_get_payload(nlh);
    assert_int_equal(t->tcm_ifindex, 4);
    {
        const struct nlattr *a = (const struct nlattr *)((const char *)t + NLMSG_ALIGN(sizeof *t));
        const struct nla_bitfield32 *bf = mnl_attr_get_payload(a);

        assert_int_equal(nlh->nlmsg_len, NLMSG_LENGTH(sizeof *t) + NLA_HDRLEN + sizeof *bf);
        assert_int_equal(mnl_attr_get_type(a), TCA_DUMP_FLAGS);
        assert_int_equal(bf->value, TCA_DUMP_FLAGS_TERSE);
        assert_int_equal(bf->selector, TCA_DUMP_FLAGS_TERSE);
    }

    nlh = oo_tc_put_newqdisc(buf, 4, OO_TC_QDISC_CLSACT, 8, NLM_F_CREATE | NLM_F_EXCL);
    t = mnl_nlmsg_get_payload(nlh);
    assert_int_equal(nlh->nlmsg_type, RTM_NEWQDISC);
    assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL);
    assert_int_equal(t->tcm_ifindex, 4);
    assert_int_equal(t->tcm_parent, TC_H_CLSACT);
    assert_int_equal(t->tcm_handle, 0xffff0000u);
    assert_string_equal(mnl_attr_get_str(attr(nlh, TCA_KIND)), "clsact");
    assert_int_equal(mnl_attr_get_u32(attr(nlh, TCA_INGRESS_BLOCK)), 8);

    nlh = oo_tc_put_newqdisc(buf, 4, OO_TC_QDISC_INGRESS, 0, NLM_F_CREATE);
    assert_string_equal(mnl_attr_get_str(attr(nlh, TCA_KIND)), "ingress");
    assert_null(attr(nlh, TCA_INGRESS_BLOCK));
    assert_null(oo_tc_put_newqdisc(buf, 4, 7, 0, 0));

    nlh = oo_tc_put_delqdisc(buf, 4, OO_TC_QDISC_INGRESS);
    assert_int_equal(nlh->nlmsg_type, RTM_DELQDISC);
    assert_int_equal(((const struct tcmsg *)mnl_nlmsg_get_payload(nlh))->tcm_parent, TC_H_INGRESS);

    nlh = oo_tc_put_getqdisc_dump(buf);
    assert_int_equal(nlh->nlmsg_type, RTM_GETQDISC);
    assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_DUMP);
}

/* ------------------------------------------------------------ check */

static void test_check(void **state)
{
    static const struct {
        const char *what;
        uint16_t proto;
        uint32_t keys;
        int action;     /* -1: none */
        const char *why;    /* NULL: passes */
    } cases[] = {
        { "ip_proto under ipv4", ETH_P_IP, OO_TC_KEY_IP_PROTO, OO_TC_ACT_DROP, NULL },
        { "ip_proto under all", ETH_P_ALL, OO_TC_KEY_IP_PROTO, OO_TC_ACT_DROP, "ip_proto needs" },
        { "vlan id under ipv4", ETH_P_IP, OO_TC_KEY_VLAN_ID, OO_TC_ACT_DROP, "VLAN keys need" },
        { "vlan id under 802.1q", ETH_P_8021Q, OO_TC_KEY_VLAN_ID, OO_TC_ACT_DROP, NULL },
        { "ipv6 under ipv4", ETH_P_IP, OO_TC_KEY_IPV6_DST, OO_TC_ACT_DROP, "IPv6 addresses" },
        { "ipv4 under ipv6", ETH_P_IPV6, OO_TC_KEY_IPV4_DST, OO_TC_ACT_DROP, "IPv4 addresses" },
        { "ports without ip_proto", ETH_P_IP, OO_TC_KEY_DST_PORT, OO_TC_ACT_DROP, "ports need" },
        { "no action", ETH_P_IP, 0, -1, "no action" },
        { "other action", ETH_P_IP, 0, OO_TC_ACT_OTHER, "cannot be written" },
    };

    for (size_t i = 0; i < OO_ARRAY_SIZE(cases); i++) {
        struct oo_tc_filter *f = new_filter(1, 0, 0, 1, cases[i].proto);
        char why[128];
        int r;

        f->match.keys = cases[i].keys;
        f->match.ip_proto = IPPROTO_TCP;
        f->match.dst_port_mask = 0xffff;
        memset(f->match.dst_ip_mask, 0xff, 16);
        if (cases[i].action < 0)
            f->n_actions = 0;
        else
            f->actions[0].type = cases[i].action;
        r = oo_tc_filter_check(f, why, sizeof why);
        if (!cases[i].why && r)
            fail_msg("%s: refused: %s", cases[i].what, why);
        if (cases[i].why && (r != -EINVAL || !strstr(why, cases[i].why)))
            fail_msg("%s: got %d '%s', want '%s'", cases[i].what, r, why, cases[i].why);
        free(f);
    }
}

static void test_check_ranges(void **state)
{
    struct oo_tc_filter *f = new_filter(1, 0, 0, 1, ETH_P_8021Q);
    char why[128];

    f->match.keys = OO_TC_KEY_VLAN_PRIO;
    f->match.vlan_prio = 8;
    assert_int_equal(oo_tc_filter_check(f, why, sizeof why), -EINVAL);
    f->match.vlan_prio = 7;
    assert_int_equal(oo_tc_filter_check(f, why, sizeof why), 0);
    f->match.keys = OO_TC_KEY_DST_MAC;        /* a zero mask */
    assert_int_equal(oo_tc_filter_check(f, why, sizeof why), -EINVAL);
    f->match.keys = 0;
    f->actions[0] = oo_tc_action_vlan_push(4095, 0);
    assert_int_equal(oo_tc_filter_check(f, NULL, 0), -EINVAL);
    f->actions[0] = oo_tc_action_vlan_push(10, 8);
    assert_int_equal(oo_tc_filter_check(f, NULL, 0), -EINVAL);
    f->actions[0] = oo_tc_action_redirect(0);
    assert_int_equal(oo_tc_filter_check(f, NULL, 0), -EINVAL);
    f->actions[0] = oo_tc_action_redirect(3);
    f->skip_sw = f->skip_hw = true;
    assert_int_equal(oo_tc_filter_check(f, NULL, 0), -EINVAL);
    f->skip_hw = false;
    f->id.prio = 0;
    assert_int_equal(oo_tc_filter_check(f, NULL, 0), -EINVAL);
    f->id.prio = 1;
    f->id.protocol = 0;
    assert_int_equal(oo_tc_filter_check(f, NULL, 0), -EINVAL);
    free(f);
}

/* ------------------------------------------------------------ comparing */

static void test_equal_under_masks(void **state)
{
    struct oo_tc_filter *a = new_filter(1, 0, 0, 1, ETH_P_IP), *b;

    a->match.keys = OO_TC_KEY_IPV4_DST;
    set_ip(a->match.dst_ip, a->match.dst_ip_mask, AF_INET, "10.1.2.3", 8);
    b = oo_malloc(sizeof *b);
    *b = *a;
    /* Bits outside the mask do not count. */
    b->match.dst_ip[3] = 99;
    assert_true(oo_tc_filter_equal(a, b));
    b->match.dst_ip[0] = 11;
    assert_false(oo_tc_filter_equal(a, b));
    *b = *a;
    oo_tc_prefix_to_mask(16, b->match.dst_ip_mask, 4);
    assert_false(oo_tc_filter_equal(a, b));
    /* An all-zero mask is no key. */
    *b = *a;
    memset(b->match.dst_ip_mask, 0, 16);
    b->match.keys |= OO_TC_KEY_SRC_PORT;
    a->match.keys = 0;
    assert_true(oo_tc_filter_equal(a, b));

    /* What is ignored: place, stats, offload state, indexes; handle 0. */
    *b = *a;
    b->id.ifindex = 99;
    b->id.handle = 7;
    b->in_hw = true;
    b->in_hw_count = 2;
    b->stats.packets = 5;
    b->actions[0].index = 3;
    assert_true(oo_tc_filter_equal(a, b));
    a->id.handle = 8;
    assert_false(oo_tc_filter_equal(a, b));
    a->id.handle = 0;
    /* What is not. */
    b->skip_sw = true;
    assert_false(oo_tc_filter_equal(a, b));
    *b = *a;
    b->id.chain = 1;
    assert_false(oo_tc_filter_equal(a, b));
    *b = *a;
    b->actions[0].cookie[15] ^= 1;
    assert_false(oo_tc_filter_equal(a, b));
    *b = *a;
    b->actions[0] = oo_tc_action_pass();
    assert_false(oo_tc_filter_equal(a, b));
    *b = *a;
    b->match.extra_keys = true;
    assert_false(oo_tc_filter_equal(a, b));
    *b = *a;
    b->actions[0].control = TC_ACT_PIPE;
    assert_false(oo_tc_filter_equal(a, b));
    free(a);
    free(b);
}

/* The hash the daemon's tc cache keeps stands for the filter: with the
 * same handle, equal filters hash the same and every difference
 * oo_tc_filter_equal() sees changes it. */
static void expect_hash(const struct oo_tc_filter *a, const struct oo_tc_filter *b)
{
    assert_int_equal(a->id.handle, b->id.handle);
    if (oo_tc_filter_equal(a, b))
        assert_true(oo_tc_filter_hash(a) == oo_tc_filter_hash(b));
    else
        assert_true(oo_tc_filter_hash(a) != oo_tc_filter_hash(b));
}

static void test_hash_follows_equal(void **state)
{
    struct oo_tc_filter *a = new_filter(1, 0, 0, 1, ETH_P_IP), *b = oo_malloc(sizeof *b);
    int equal = 0, differ = 0;

    a->match.keys = OO_TC_KEY_IPV4_DST | OO_TC_KEY_IP_PROTO | OO_TC_KEY_DST_PORT;
    set_ip(a->match.dst_ip, a->match.dst_ip_mask, AF_INET, "10.1.2.3", 24);
    a->match.ip_proto = IPPROTO_TCP;
    a->match.dst_port = 80;
    a->match.dst_port_mask = 0xffff;
    a->actions[1] = oo_tc_action_vlan_push(100, -1);
    a->n_actions = 2;
    a->actions[1].cookie_len = a->actions[0].cookie_len;
    memcpy(a->actions[1].cookie, a->actions[0].cookie, sizeof a->actions[1].cookie);

    for (int i = 0;; i++) {
        *b = *a;
        switch (i) {
        /* Equal: bits under no mask, what equal ignores, -1 for any negative prio. */
        case 0: b->match.dst_ip[3] = 99; break;
        case 1: b->id.ifindex = 9; b->in_hw = true; b->in_hw_count = 2; b->stats.packets = 5; break;
        case 2: b->actions[0].index = 3; b->verbose = true; b->not_in_hw = true; break;
        case 3: b->actions[1].vlan_prio = -7; break;
        case 4: b->match.src_port = 53; break;          /* no SRC_PORT key */
        case 5: b->match.keys |= OO_TC_KEY_SRC_MAC; break; /* an all-zero mask: no key */
        case 6: b->actions[0].ifindex = 5; break;        /* a drop has no target */
        /* Different. */
        case 7: b->match.dst_ip[2] ^= 1; break;
        case 8: oo_tc_prefix_to_mask(16, b->match.dst_ip_mask, 4); break;
        case 9: b->match.dst_port = 81; break;
        case 10: b->match.ip_proto = IPPROTO_UDP; break;
        case 11: b->match.extra_keys = true; break;
        case 12: b->id.chain = 1; break;
        case 13: b->id.prio = 2; break;
        case 14: b->id.protocol = ETH_P_IPV6; break;
        case 15: b->skip_sw = true; break;
        case 16: b->skip_hw = true; break;
        case 17: b->actions[0].cookie[15] ^= 1; break;
        case 18: b->actions[0].control = TC_ACT_PIPE; break;
        case 19: b->actions[1].vlan_id = 101; break;
        case 20: b->actions[1].vlan_prio = 3; break;
        case 21: b->actions[1].vlan_proto = ETH_P_8021AD; break;
        case 22: b->n_actions = 1; break;
        case 23: b->actions_truncated = true; break;
        case 24: strcpy(b->kind, "matchall"); break;
        case 25: b->actions[0] = oo_tc_action_pass(); break;
        default: goto done;
        }
        expect_hash(a, b);
        if (oo_tc_filter_equal(a, b))
            equal++;
        else
            differ++;
    }
done:
    /* The cases above mean what their comments say. */
    assert_int_equal(equal, 7);
    assert_int_equal(differ, 19);
    /* The handle is part of it, even where equal() ignores a zero one. */
    *b = *a;
    b->id.handle = 7;
    assert_true(oo_tc_filter_equal(a, b));
    assert_true(oo_tc_filter_hash(a) != oo_tc_filter_hash(b));
    free(a);
    free(b);
}

static void test_prefix_mask(void **state)
{
    uint8_t m[16];

    for (unsigned p = 0; p <= 128; p++) {
        assert_int_equal(oo_tc_prefix_to_mask(p, m, 16), 0);
        assert_int_equal(oo_tc_mask_to_prefix(m, 16), (int)p);
    }
    assert_int_equal(oo_tc_prefix_to_mask(33, m, 4), -EINVAL);
    assert_int_equal(oo_tc_prefix_to_mask(20, m, 4), 0);
    assert_memory_equal(m, ((uint8_t[]){ 0xff, 0xff, 0xf0, 0 }), 4);
    assert_int_equal(oo_tc_mask_to_prefix((uint8_t[]){ 0xff, 0x0f, 0, 0 }, 4), -EINVAL);
    assert_int_equal(oo_tc_mask_to_prefix((uint8_t[]){ 0xff, 0, 0, 1 }, 4), -EINVAL);
}

/* ------------------------------------------------------------ decoding */

/* A filter message as the kernel would send it, built by hand. */
static struct nlmsghdr *kernel_msg(char *buf, const char *kind)
{
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    struct tcmsg *t;

    nlh->nlmsg_type = RTM_NEWTFILTER;
    t = mnl_nlmsg_put_extra_header(nlh, sizeof *t);
    t->tcm_ifindex = 3;
    t->tcm_parent = 0xfffffff2u;
    t->tcm_handle = 1;
    t->tcm_info = TC_H_MAKE(5u << 16, htons(ETH_P_IP));
    mnl_attr_put_strz(nlh, TCA_KIND, kind);
    mnl_attr_put_u32(nlh, TCA_CHAIN, 0);
    return nlh;
}

static void put_basic(struct nlmsghdr *nlh, uint16_t type, uint64_t bytes, uint32_t packets)
{
    struct gnet_stats_basic b = { .bytes = bytes, .packets = packets };

    mnl_attr_put(nlh, type, sizeof b, &b);
}

static void test_decode_stats_and_unknowns(void **state)
{
    char buf[OO_TC_MSG_MAX];
    struct nlmsghdr *nlh = kernel_msg(buf, "flower");
    struct nlattr *opts, *acts, *act, *aopts, *st;
    struct tc_gact g = { .action = TC_ACT_SHOT, .index = 77 };
    struct oo_tc_filter f;

    mnl_attr_put_u16(nlh, 200, 1);                     /* an unknown TCA_* */
    opts = mnl_attr_nest_start(nlh, TCA_OPTIONS);
    mnl_attr_put_u16(nlh, TCA_FLOWER_KEY_ETH_TYPE, htons(ETH_P_IP));
    mnl_attr_put_u8(nlh, TCA_FLOWER_KEY_IP_PROTO, IPPROTO_TCP);
    mnl_attr_put_u16(nlh, TCA_FLOWER_KEY_TCP_DST, htons(22));   /* no mask: exact */
    mnl_attr_put_u32(nlh, TCA_FLOWER_FLAGS, TCA_CLS_FLAGS_IN_HW | TCA_CLS_FLAGS_SKIP_SW);
    mnl_attr_put_u32(nlh, TCA_FLOWER_IN_HW_COUNT, 2);
    acts = mnl_attr_nest_start(nlh, TCA_FLOWER_ACT);
    act = mnl_attr_nest_start(nlh, 1);
    mnl_attr_put_strz(nlh, TCA_ACT_KIND, "gact");
    st = mnl_attr_nest_start(nlh, TCA_ACT_STATS);
    put_basic(nlh, TCA_STATS_BASIC, 1000, 10);
    mnl_attr_put_u64(nlh, TCA_STATS_PKT64, 0x100000005ull);
    put_basic(nlh, TCA_STATS_BASIC_HW, 600, 6);
    mnl_attr_put(nlh, TCA_STATS_PAD, 0, NULL);         /* as on CPUs that align u64 */
    mnl_attr_put_u64(nlh, TCA_STATS_PKT64, 0x200000006ull);
    mnl_attr_put_u32(nlh, 99, 0);                      /* an unknown stats TLV */
    mnl_attr_nest_end(nlh, st);
    mnl_attr_put_u32(nlh, TCA_ACT_IN_HW_COUNT, 2);
    mnl_attr_put_u32(nlh, 60, 0);                      /* an unknown TCA_ACT_* */
    aopts = mnl_attr_nest_start(nlh, TCA_ACT_OPTIONS);
    mnl_attr_put(nlh, TCA_GACT_PARMS, sizeof g, &g);
    mnl_attr_nest_end(nlh, aopts);
    mnl_attr_nest_end(nlh, act);
    mnl_attr_nest_end(nlh, acts);
    mnl_attr_nest_end(nlh, opts);

    assert_int_equal(oo_tc_parse_filter(nlh, &f), 0);
    assert_false(f.match.extra_keys);
    assert_int_equal(f.match.keys, OO_TC_KEY_IP_PROTO | OO_TC_KEY_DST_PORT);
    assert_int_equal(f.match.dst_port, 22);
    assert_int_equal(f.match.dst_port_mask, 0xffff);
    assert_true(f.in_hw);
    assert_true(f.skip_sw);
    assert_false(f.not_in_hw);
    assert_int_equal(f.in_hw_count, 2);
    assert_int_equal(f.n_actions, 1);
    assert_int_equal(f.actions[0].type, OO_TC_ACT_DROP);
    assert_int_equal(f.actions[0].index, 77);
    assert_int_equal(f.actions[0].in_hw_count, 2);
    assert_int_equal(f.stats.packets, 0x100000005ull);    /* PKT64 after BASIC */
    assert_int_equal(f.stats.bytes, 1000);
    assert_true(f.stats.has_hw);
    assert_int_equal(f.stats.hw_packets, 0x200000006ull);   /* PKT64 after a pad */
    assert_int_equal(f.stats.hw_bytes, 600);
}

static void test_decode_extra_keys(void **state)
{
    char buf[OO_TC_MSG_MAX];
    struct nlmsghdr *nlh = kernel_msg(buf, "flower");
    struct nlattr *opts = mnl_attr_nest_start(nlh, TCA_OPTIONS);
    struct oo_tc_filter f;

    mnl_attr_put_u8(nlh, TCA_FLOWER_KEY_IP_TOS, 4);
    mnl_attr_nest_end(nlh, opts);
    assert_int_equal(oo_tc_parse_filter(nlh, &f), 0);
    assert_true(f.match.extra_keys);

    /* An ethertype key that is not the protocol. */
    nlh = kernel_msg(buf, "flower");
    opts = mnl_attr_nest_start(nlh, TCA_OPTIONS);
    mnl_attr_put_u16(nlh, TCA_FLOWER_KEY_ETH_TYPE, htons(ETH_P_IPV6));
    mnl_attr_nest_end(nlh, opts);
    assert_int_equal(oo_tc_parse_filter(nlh, &f), 0);
    assert_true(f.match.extra_keys);
}

static void test_decode_other_actions(void **state)
{
    char buf[OO_TC_MSG_MAX];
    struct nlmsghdr *nlh = kernel_msg(buf, "flower");
    struct nlattr *opts, *acts, *act, *aopts;
    struct tc_mirred m = { .action = TC_ACT_STOLEN, .eaction = TCA_INGRESS_REDIR, .ifindex = 4 };
    struct tc_gact g = { .action = TC_ACT_PIPE };
    struct oo_tc_filter f;

    opts = mnl_attr_nest_start(nlh, TCA_OPTIONS);
    acts = mnl_attr_nest_start(nlh, TCA_FLOWER_ACT);
    for (uint16_t i = 1; i <= OO_TC_MAX_ACTIONS + 2; i++) {
        act = mnl_attr_nest_start(nlh, i);
        if (i == 1) {
            mnl_attr_put_strz(nlh, TCA_ACT_KIND, "mirred");
            aopts = mnl_attr_nest_start(nlh, TCA_ACT_OPTIONS);
            mnl_attr_put(nlh, TCA_MIRRED_PARMS, sizeof m, &m);
        } else if (i == 2) {
            mnl_attr_put_strz(nlh, TCA_ACT_KIND, "gact");
            aopts = mnl_attr_nest_start(nlh, TCA_ACT_OPTIONS);
            mnl_attr_put(nlh, TCA_GACT_PARMS, sizeof g, &g);
        } else {
            mnl_attr_put_strz(nlh, TCA_ACT_KIND, "pedit");
            aopts = mnl_attr_nest_start(nlh, TCA_ACT_OPTIONS);
        }
        mnl_attr_nest_end(nlh, aopts);
        mnl_attr_nest_end(nlh, act);
    }
    mnl_attr_nest_end(nlh, acts);
    mnl_attr_nest_end(nlh, opts);
    assert_int_equal(oo_tc_parse_filter(nlh, &f), 0);
    assert_int_equal(f.n_actions, OO_TC_MAX_ACTIONS);
    assert_true(f.actions_truncated);
    assert_int_equal(f.actions[0].type, OO_TC_ACT_OTHER);   /* mirred to ingress */
    assert_int_equal(f.actions[1].type, OO_TC_ACT_OTHER);   /* gact pipe */
    assert_int_equal(f.actions[2].type, OO_TC_ACT_OTHER);
    assert_string_equal(f.actions[2].kind, "pedit");
    assert_int_not_equal(oo_tc_filter_check(&f, NULL, 0), 0);
}

static void test_decode_malformed(void **state)
{
    char buf[OO_TC_MSG_MAX];
    struct nlmsghdr *nlh;
    struct nlattr *opts, *acts, *act;
    struct oo_tc_filter f;
    struct oo_tc_qdisc q;

    /* Wrong type, short header. */
    nlh = kernel_msg(buf, "flower");
    nlh->nlmsg_type = RTM_NEWLINK;
    assert_int_equal(oo_tc_parse_filter(nlh, &f), -EBADMSG);
    assert_int_equal(oo_tc_parse_qdisc(nlh, &q), -EBADMSG);
    nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = RTM_NEWTFILTER;
    assert_int_equal(oo_tc_parse_filter(nlh, &f), -EBADMSG);

    /* A MAC of 4 bytes. */
    nlh = kernel_msg(buf, "flower");
    opts = mnl_attr_nest_start(nlh, TCA_OPTIONS);
    mnl_attr_put_u32(nlh, TCA_FLOWER_KEY_ETH_DST, 0);
    mnl_attr_nest_end(nlh, opts);
    assert_int_equal(oo_tc_parse_filter(nlh, &f), -EBADMSG);
    assert_int_equal(f.id.handle, 0);       /* zeroed on failure */

    /* An action without a kind; a cookie of 17 bytes; a short gact. */
    for (int c = 0; c < 3; c++) {
        nlh = kernel_msg(buf, "flower");
        opts = mnl_attr_nest_start(nlh, TCA_OPTIONS);
        acts = mnl_attr_nest_start(nlh, TCA_FLOWER_ACT);
        act = mnl_attr_nest_start(nlh, 1);
        if (c == 1) {
            mnl_attr_put_strz(nlh, TCA_ACT_KIND, "gact");
            mnl_attr_put(nlh, TCA_ACT_COOKIE, 17, "seventeen bytes!!");
        } else if (c == 2) {
            struct nlattr *ao;

            mnl_attr_put_strz(nlh, TCA_ACT_KIND, "gact");
            ao = mnl_attr_nest_start(nlh, TCA_ACT_OPTIONS);
            mnl_attr_put_u32(nlh, TCA_GACT_PARMS, 0);
            mnl_attr_nest_end(nlh, ao);
        } else {
            mnl_attr_put_u32(nlh, TCA_ACT_INDEX, 1);
        }
        mnl_attr_nest_end(nlh, act);
        mnl_attr_nest_end(nlh, acts);
        mnl_attr_nest_end(nlh, opts);
        assert_int_equal(oo_tc_parse_filter(nlh, &f), -EBADMSG);
    }
}

static void test_decode_matchall_and_header(void **state)
{
    char buf[OO_TC_MSG_MAX];
    struct nlmsghdr *nlh = kernel_msg(buf, "matchall");
    struct nlattr *opts = mnl_attr_nest_start(nlh, TCA_OPTIONS);
    struct oo_tc_filter f;

    mnl_attr_put_u32(nlh, TCA_MATCHALL_FLAGS, TCA_CLS_FLAGS_NOT_IN_HW);
    mnl_attr_nest_end(nlh, opts);
    assert_int_equal(oo_tc_parse_filter(nlh, &f), 0);
    assert_string_equal(f.kind, "matchall");
    assert_true(f.not_in_hw);
    assert_int_equal(oo_tc_classify(&f, NULL), OO_TC_OWNER_FOREIGN);

    /* A dump's per-prio header: kind and chain, handle 0, no options. */
    nlh = kernel_msg(buf, "flower");
    ((struct tcmsg *)mnl_nlmsg_get_payload(nlh))->tcm_handle = 0;
    assert_int_equal(oo_tc_parse_filter(nlh, &f), 0);
    assert_int_equal(f.id.handle, 0);
    assert_int_equal(f.id.prio, 5);
    assert_int_equal(f.id.protocol, ETH_P_IP);
}

/* ------------------------------------------------------------ names */

static void test_names(void **state)
{
    for (int i = 0; i < OO_TC_ACT_MAX; i++) {
        const char *s = oo_tc_act_type_to_string(i);

        assert_non_null(s);
        assert_int_equal(oo_tc_act_type_from_string(s), i);
    }
    assert_null(oo_tc_act_type_to_string(OO_TC_ACT_MAX));
    assert_null(oo_tc_act_type_to_string(-1));
    assert_int_equal(oo_tc_act_type_from_string("nope"), -EINVAL);
    assert_int_equal(oo_tc_act_type_from_string(NULL), -EINVAL);
    assert_string_equal(oo_tc_act_type_to_string(OO_TC_ACT_GOTO_CHAIN), "goto_chain");
    for (int i = 0; i <= OO_TC_QDISC_CLSACT; i++)
        assert_int_equal(oo_tc_qdisc_kind_from_string(oo_tc_qdisc_kind_to_string(i)), i);
    assert_null(oo_tc_qdisc_kind_to_string(2));
    for (int i = 0; i < OO_TC_OP_MAX; i++)
        assert_int_equal(oo_tc_op_from_string(oo_tc_op_to_string(i)), i);
    assert_null(oo_tc_op_to_string(OO_TC_OP_MAX));
    assert_int_equal(oo_tc_op_from_string("x"), -EINVAL);
    for (int i = 0; i < OO_TC_OWNER_MAX; i++)
        assert_int_equal(oo_tc_owner_from_string(oo_tc_owner_to_string(i)), i);
    assert_string_equal(oo_tc_owner_to_string(OO_TC_OWNER_OURS), "owned");
    assert_null(oo_tc_owner_to_string(OO_TC_OWNER_MAX));
    assert_int_equal(oo_tc_owner_from_string("nobody"), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_l2),
        cmocka_unit_test(test_round_trip_ipv4_tcp),
        cmocka_unit_test(test_round_trip_ipv6_udp),
        cmocka_unit_test(test_round_trip_sctp),
        cmocka_unit_test(test_round_trip_vlan),
        cmocka_unit_test(test_round_trip_actions),
        cmocka_unit_test(test_round_trip_each_action),
        cmocka_unit_test(test_encode_headers),
        cmocka_unit_test(test_encode_refusals),
        cmocka_unit_test(test_encode_dumps_and_qdiscs),
        cmocka_unit_test(test_check),
        cmocka_unit_test(test_check_ranges),
        cmocka_unit_test(test_equal_under_masks),
        cmocka_unit_test(test_hash_follows_equal),
        cmocka_unit_test(test_prefix_mask),
        cmocka_unit_test(test_decode_stats_and_unknowns),
        cmocka_unit_test(test_decode_extra_keys),
        cmocka_unit_test(test_decode_other_actions),
        cmocka_unit_test(test_decode_malformed),
        cmocka_unit_test(test_decode_matchall_and_header),
        cmocka_unit_test(test_names),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
