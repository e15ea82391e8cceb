/* The batch writer's mechanics against the host's own kernel, which has no
 * cls_flower (see docs/testing.md): every request fails there, which is what
 * this needs. Requests alternate between a device that does not exist
 * (-ENODEV) and the loopback, which has no ingress qdisc (-EINVAL with the
 * kernel's "Parent Qdisc doesn't exists"), over several sendmsg chunks, with
 * unencodable requests mixed in: each result must carry its own request's
 * error. It runs in a network namespace of its own, so that on a kernel
 * that has flower nothing of the host's can be touched. Skips (77) where
 * that or rtnetlink writes are not allowed. The real writes are tested in
 * the guest (tests/vm/tc.sh). The last test reads a link message over
 * 64 KiB. */
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/rtnetlink.h>
#include <libmnl/libmnl.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/nlsock.h"
#include "common/util.h"
#include "link/link.h"
#include "tc/io.h"
#include "tc/owner.h"

#define NOSUCHDEV 0x7ffffff0u

static int setup(void **state)
{
    struct oo_nl *nl = oo_calloc(1, sizeof *nl);

    if (oo_tc_open(nl) < 0) {
        free(nl);
        return -1;
    }
    *state = nl;
    return 0;
}

static int teardown(void **state)
{
    oo_nl_close(*state);
    free(*state);
    return 0;
}

static void test_batch_limit(void **state)
{
    struct oo_nl *nl = *state;
    size_t plain = oo_tc_batch_limit(nl, false), echo = oo_tc_batch_limit(nl, true);
    struct oo_nl closed = { 0 };

    assert_true(plain >= 1 && plain <= OO_TC_BATCH_MAX);
    assert_true(echo >= 1 && echo <= plain);
    assert_int_equal(oo_tc_batch_limit(&closed, false), 1);
}

static void test_batch_errors_map_back(void **state)
{
    struct oo_nl *nl = *state;
    size_t n = 3 * oo_tc_batch_limit(nl, false) + 7, sends = 0, sent = 0;
    struct oo_tc_filter *f = oo_calloc(n, sizeof *f);
    struct oo_tc_req *reqs = oo_calloc(n, sizeof *reqs);
    struct oo_tc_result *res = oo_calloc(n, sizeof *res);
    struct oo_tc_action drop = oo_tc_action_drop();
    int failed;

    for (size_t i = 0; i < n; i++) {
        oo_tc_filter_init(&f[i], i % 2 ? 1 : NOSUCHDEV, 0, 0, 10, ETH_P_IP);
        oo_tc_filter_add_action(&f[i], &drop);
        oo_tc_filter_set_owner(&f[i], i);
        reqs[i] = (struct oo_tc_req){ .op = OO_TC_OP_ADD, .filter = &f[i], .echo = i % 5 == 0 };
        if (i % 97 == 3)
            f[i].actions[0].type = OO_TC_ACT_OTHER;    /* cannot be encoded */
        else if (i % 89 == 5)
            reqs[i].op = OO_TC_OP_DELETE;              /* handle 0: refused */
        else
            sent++;
    }
    failed = oo_tc_batch_apply_count(nl, reqs, n, res, &sends);
    assert_int_equal(failed, (int)n);
    assert_true(sends >= 3);
    /* No sendmsg carries more than OO_TC_SEND_BYTES (io.h: the kernel sizes
     * each notification by it), so at least bytes / budget of them. */
    {
        char msg[OO_TC_MSG_MAX];
        size_t bytes = 0;

        for (size_t i = 0; i < n; i++) {
            const struct nlmsghdr *h = oo_tc_put_req(msg, &reqs[i]);

            if (h)
                bytes += NLMSG_ALIGN(h->nlmsg_len);
        }
        assert_true(bytes > 2 * OO_TC_SEND_BYTES);
        assert_true(sends >= (bytes + OO_TC_SEND_BYTES - 1) / OO_TC_SEND_BYTES);
    }
    for (size_t i = 0; i < n; i++) {
        if (i % 97 == 3 || i % 89 == 5) {
            assert_int_equal(res[i].error, -EINVAL);
            assert_string_equal(res[i].extack, "");
        } else if (i % 2) {
            if (res[i].error != -EINVAL)
                fail_msg("request %zu (lo): %d %s", i, res[i].error, res[i].extack);
            assert_non_null(strstr(res[i].extack, "Qdisc"));
        } else if (res[i].error != -ENODEV) {
            fail_msg("request %zu (no device): %d %s", i, res[i].error, res[i].extack);
        }
        assert_int_equal(res[i].verified, -1);     /* nothing was written */
    }
    /* The socket is in step afterwards: a plain transaction works. */
    {
        struct oo_tc_filter *got;
        size_t n_got;

        assert_int_equal(oo_tc_dump_filters(nl, 1, 0, 4, &got, &n_got), 0);
        assert_int_equal(n_got, 0);
        free(got);
    }
    free(f);
    free(reqs);
    free(res);
}

static void test_batch_edge_cases(void **state)
{
    struct oo_nl *nl = *state, closed = { 0 };
    struct oo_tc_result res[1];
    struct oo_tc_req req = { 0 };

    assert_int_equal(oo_tc_batch_apply(nl, NULL, 0, NULL), 0);
    assert_int_equal(oo_tc_batch_apply(&closed, &req, 1, res), -EBADF);
    assert_int_equal(res[0].error, -ECANCELED);
    /* Nothing encodable: nothing sent, the request fails alone. */
    req.op = OO_TC_OP_ADD;
    assert_int_equal(oo_tc_batch_apply(nl, &req, 1, res), 1);
    assert_int_equal(res[0].error, -EINVAL);
}

/* Which result a failed batch reports: the first with a reason of its own,
 * not one whose outcome the socket's failure left unknown. */
static void test_first_refusal(void **state)
{
    struct oo_tc_result r[5] = {
        { .error = 0 }, { .error = -ENOBUFS }, { .error = -ETIMEDOUT },
        { .error = -EOPNOTSUPP, .extack = "TC offload is disabled on net device" },
        { .error = -ECANCELED },
    };

    (void)state;
    assert_int_equal(oo_tc_first_refusal(r, 5), 3);
    assert_int_equal(oo_tc_first_refusal(r, 3), 3);     /* none among the first three */
    r[0].error = -EINVAL;                               /* not encodable: a reason */
    assert_int_equal(oo_tc_first_refusal(r, 5), 0);
    assert_int_equal(oo_tc_first_refusal(r, 0), 0);
}

static void test_dumps(void **state)
{
    struct oo_nl *nl = *state;
    struct oo_tc_qdisc *q;
    struct oo_tc_filter *f;
    size_t n;

    assert_int_equal(oo_tc_dump_qdiscs(nl, &q, &n), 0);
    for (size_t i = 0; i < n; i++)
        assert_true(q[i].kind[0] != '\0');
    free(q);
    /* No such device or block: an empty list, not an error. */
    assert_int_equal(oo_tc_dump_filters(nl, NOSUCHDEV, 0, 0, &f, &n), 0);
    assert_int_equal(n, 0);
    free(f);
    assert_int_equal(oo_tc_dump_filters(nl, 0, 0x7ffffff0u, 0, &f, &n), 0);
    assert_int_equal(n, 0);
    free(f);
}

static int count_links(const struct nlmsghdr *nlh, void *data)
{
    *(int *)data += nlh->nlmsg_type == RTM_NEWLINK;
    return MNL_CB_OK;
}

/* A reply that is not the request's (here: a dump sent behind the socket's
 * back) fails that request and is read away with the rest of what is
 * queued: the next request gets its own answer, not the leftovers. */
static void test_stale_reply_drained(void **state)
{
    struct oo_nl nl;
    char buf[OO_NL_MSG_SIZE];
    struct nlmsghdr *nlh;
    int links = 0;

    (void)state;
    assert_int_equal(oo_nl_open(&nl, NETLINK_ROUTE), 0);
    nlh = oo_link_put_dump(buf);
    nlh->nlmsg_seq = nl.seq + 1000;
    assert_true(mnl_socket_sendto(nl.sock, nlh, nlh->nlmsg_len) >= 0);
    assert_int_equal(oo_nl_transact(&nl, oo_link_put_dump(buf), count_links, &links), -EPROTO);
    links = 0;
    assert_int_equal(oo_nl_transact(&nl, oo_link_put_dump(buf), count_links, &links), 0);
    assert_true(links >= 1);    /* lo, at least */
    oo_nl_close(&nl);
}

/* Gives lo the alternative names n0..n1-1, of 127 characters each. */
static void lo_altnames(struct oo_nl *nl, unsigned n0, unsigned n1)
{
    char buf[OO_NL_MSG_SIZE];

    while (n0 < n1) {
        struct nlmsghdr *nlh = oo_nl_put_header(buf);
        struct ifinfomsg *ifi;
        struct nlattr *list;

        nlh->nlmsg_type = RTM_NEWLINKPROP;
        nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL | NLM_F_APPEND;
        ifi = mnl_nlmsg_put_extra_header(nlh, sizeof *ifi);
        ifi->ifi_family = AF_UNSPEC;
        ifi->ifi_index = 1;
        list = mnl_attr_nest_start(nlh, IFLA_PROP_LIST);
        for (unsigned k = 0; k < 40 && n0 < n1; k++, n0++) {
            char name[128];

            snprintf(name, sizeof name, "alt%04u%0120u", n0, 0u);
            mnl_attr_put_strz(nlh, IFLA_ALT_IFNAME, name);
        }
        mnl_attr_nest_end(nlh, list);
        assert_int_equal(oo_nl_transact(nl, nlh, NULL, NULL), 0);
    }
}

static int find_lo(const struct nlmsghdr *nlh, void *data)
{
    const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);

    if (nlh->nlmsg_type == RTM_NEWLINK && ifi->ifi_index == 1)
        *(size_t *)data = nlh->nlmsg_len;
    return MNL_CB_OK;
}

/* A link message over 64 KiB (here lo with 495 long alternative names, as many as the kernel takes; on a
 * host, a PF with ~330 VFs or more): netlink cannot deliver part of it, so
 * the first read loses it and says how long it was; the socket's buffer grows
 * to hold it, and the link dump, which starts over, reads it. Last in the
 * list: the names stay for the namespace's life. */
static void test_reply_larger_than_buffer(void **state)
{
    struct oo_nl nl;
    struct oo_link *links, one;
    char buf[OO_NL_MSG_SIZE];
    size_t n, lo_len = 0;

    (void)state;
    assert_int_equal(oo_nl_open(&nl, NETLINK_ROUTE), 0);
    lo_altnames(&nl, 0, 495);
    oo_nl_close(&nl);

    assert_int_equal(oo_nl_open(&nl, NETLINK_ROUTE), 0);
    assert_int_equal(nl.rxcap, OO_NL_RECV_SIZE);
    assert_int_equal(oo_nl_transact(&nl, oo_link_put_dump(buf), find_lo, &lo_len), -EMSGSIZE);
    assert_non_null(strstr(nl.extack, "did not fit in a 65536-byte read"));
    assert_true(nl.rxcap > OO_NL_RECV_SIZE);
    assert_int_equal(oo_nl_transact(&nl, oo_link_put_dump(buf), find_lo, &lo_len), 0);
    assert_true(lo_len > OO_NL_RECV_SIZE);
    assert_true(lo_len <= nl.rxcap);
    oo_nl_close(&nl);

    /* oo_link_dump starts over by itself, and so does oo_link_get. */
    assert_int_equal(oo_nl_open(&nl, NETLINK_ROUTE), 0);
    assert_int_equal(oo_link_dump(&nl, &links, &n), 0);
    assert_true(n >= 1);
    assert_int_equal(links[0].ifindex, 1);
    assert_string_equal(links[0].name, "lo");
    oo_links_free(links, n);
    oo_nl_close(&nl);
    assert_int_equal(oo_nl_open(&nl, NETLINK_ROUTE), 0);
    assert_int_equal(oo_link_get(&nl, "lo", &one), 0);
    assert_int_equal(one.ifindex, 1);
    oo_link_clear(&one);
    oo_nl_close(&nl);
}

/* One link by name, as apply reads a bond again before changing it. */
static void test_link_get(void **state)
{
    struct oo_nl nl;
    struct oo_link l;

    (void)state;
    assert_int_equal(oo_nl_open(&nl, NETLINK_ROUTE), 0);
    assert_int_equal(oo_link_get(&nl, "lo", &l), 0);
    assert_int_equal(l.ifindex, 1);
    assert_string_equal(l.name, "lo");
    assert_string_equal(l.kind, "");
    assert_string_equal(l.alias, "");
    oo_link_clear(&l);
    assert_int_equal(oo_link_get(&nl, "nosuch0", &l), -ENODEV);
    assert_int_equal(l.ifindex, 0);
    oo_nl_close(&nl);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stale_reply_drained),
        cmocka_unit_test(test_batch_limit),
        cmocka_unit_test(test_batch_errors_map_back),
        cmocka_unit_test(test_batch_edge_cases),
        cmocka_unit_test(test_first_refusal),
        cmocka_unit_test(test_dumps),
        cmocka_unit_test(test_link_get),
        cmocka_unit_test(test_reply_larger_than_buffer),
    };
    struct oo_nl probe;
    char buf[OO_TC_MSG_MAX];
    int r;

    if (unshare(CLONE_NEWNET) < 0) {
        puts("SKIP: cannot make a network namespace");
        return 77;
    }
    /* Writes need CAP_NET_ADMIN; without it every answer is -EPERM. */
    if (oo_nl_open(&probe, NETLINK_ROUTE) < 0) {
        puts("SKIP: no rtnetlink socket");
        return 77;
    }
    r = oo_nl_transact(&probe, oo_tc_put_newqdisc(buf, NOSUCHDEV, OO_TC_QDISC_INGRESS, 0,
                                                  NLM_F_CREATE), NULL, NULL);
    oo_nl_close(&probe);
    if (r == -EPERM) {
        puts("SKIP: rtnetlink writes need CAP_NET_ADMIN");
        return 77;
    }
    return cmocka_run_group_tests(tests, setup, teardown);
}
