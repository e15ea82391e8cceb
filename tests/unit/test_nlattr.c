/* common/nlattr.c walks attributes itself (no libmnl callback per
 * attribute). These tests hold it to libmnl's own rules: on the kernel's
 * bytes captured in tests/fixtures, under every validation type, and on
 * the same bytes with lengths corrupted, it must find the same attributes
 * and refuse the same messages as mnl_attr_parse() + mnl_attr_validate(). */
#include <errno.h>
#include <linux/genetlink.h>
#include <linux/rtnetlink.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/nlattr.h"
#include "fixture.h"

#define MAX_TYPE 40

/* ------------------------------------------------ the reference: libmnl */

struct ref_ctx {
    const struct oo_nla_policy *policy;
    const struct nlattr **tb;
};

static int ref_cb(const struct nlattr *attr, void *data)
{
    struct ref_ctx *c = data;
    uint16_t type = mnl_attr_get_type(attr);
    const struct oo_nla_policy *p;

    if (type > MAX_TYPE)
        return MNL_CB_OK;
    p = &c->policy[type];
    if (p->type != MNL_TYPE_UNSPEC && mnl_attr_validate(attr, p->type) < 0)
        return MNL_CB_ERROR;
    if (p->min_len && mnl_attr_get_payload_len(attr) < p->min_len)
        return MNL_CB_ERROR;
    c->tb[type] = attr;
    return MNL_CB_OK;
}

static int ref_parse(const struct nlmsghdr *nlh, size_t offset, const struct oo_nla_policy *policy,
                     const struct nlattr **tb)
{
    struct ref_ctx c = { policy, tb };

    memset(tb, 0, sizeof *tb * (MAX_TYPE + 1));
    if (mnl_nlmsg_get_payload_len(nlh) < offset)
        return -EBADMSG;
    return mnl_attr_parse(nlh, (unsigned)offset, ref_cb, &c) == MNL_CB_OK ? 0 : -EBADMSG;
}

static int ref_parse_nested(const struct nlattr *a, const struct oo_nla_policy *policy,
                            const struct nlattr **tb)
{
    struct ref_ctx c = { policy, tb };

    memset(tb, 0, sizeof *tb * (MAX_TYPE + 1));
    return mnl_attr_parse_nested(a, ref_cb, &c) == MNL_CB_OK ? 0 : -EBADMSG;
}

/* ------------------------------------------------------------- policies */

static const enum mnl_attr_data_type all_types[] = {
    MNL_TYPE_UNSPEC, MNL_TYPE_U8, MNL_TYPE_U16, MNL_TYPE_U32, MNL_TYPE_U64, MNL_TYPE_STRING,
    MNL_TYPE_FLAG, MNL_TYPE_MSECS, MNL_TYPE_NESTED, MNL_TYPE_NESTED_COMPAT,
    MNL_TYPE_NUL_STRING, MNL_TYPE_BINARY,
};
#define N_TYPES (sizeof all_types / sizeof all_types[0])

/* Policy number k: every attribute type gets type all_types[(t + k) % N],
 * and every third a minimum length, so that each type meets each
 * attribute of a message under some policy. */
static void make_policy(unsigned k, struct oo_nla_policy *p)
{
    for (unsigned t = 0; t <= MAX_TYPE; t++) {
        p[t].type = all_types[(t + k) % N_TYPES];
        p[t].min_len = (t + k) % 3 == 0 ? (uint16_t)((t + k) % 9) : 0;
    }
}

/* The fixed header before a message's attributes, or SIZE_MAX to skip it. */
static size_t header_len(const struct nlmsghdr *h)
{
    switch (h->nlmsg_type) {
    case RTM_NEWLINK:
    case RTM_DELLINK:
        return sizeof(struct ifinfomsg);
    case RTM_NEWQDISC:
    case RTM_NEWTFILTER:
    case RTM_NEWCHAIN:
        return sizeof(struct tcmsg);
    default:
        return h->nlmsg_type >= NLMSG_MIN_TYPE ? GENL_HDRLEN : SIZE_MAX;
    }
}

/* The inline accessors read what libmnl's read, and walking a nest with
 * oo_nla_for_each_nested() visits what mnl_attr_for_each_nested() visits
 * (on corrupted lengths too: compare() runs on the corrupted copies). */
static void accessors_agree(const struct nlattr *a, const char *what)
{
    const struct nlattr *x, *y;
    unsigned nx = 0, ny = 0;
    uint16_t len = mnl_attr_get_payload_len(a);

    if (oo_nla_type(a) != mnl_attr_get_type(a) || oo_nla_len(a) != len ||
        oo_nla_data(a) != mnl_attr_get_payload(a) || oo_nla_str(a) != mnl_attr_get_str(a))
        fail_msg("%s: type/length/payload differ from libmnl's", what);
    if ((len >= 1 && oo_nla_u8(a) != mnl_attr_get_u8(a)) ||
        (len >= 2 && oo_nla_u16(a) != mnl_attr_get_u16(a)) ||
        (len >= 4 && oo_nla_u32(a) != mnl_attr_get_u32(a)) ||
        (len >= 8 && oo_nla_u64(a) != mnl_attr_get_u64(a)))
        fail_msg("%s: an integer differs from libmnl's", what);
    oo_nla_for_each_nested(x, a)
        nx++;
    mnl_attr_for_each_nested(y, a)
        ny++;
    if (nx != ny)
        fail_msg("%s: %u nested attributes walked, libmnl %u", what, nx, ny);
    if (x != y)
        fail_msg("%s: the walks end at different places", what);
}

/* Both parsers agree on h (and on every nested attribute of its first level). */
static unsigned compare(const struct nlmsghdr *h, size_t off, const char *what)
{
    const struct nlattr *tb[MAX_TYPE + 1], *ref[MAX_TYPE + 1];
    struct oo_nla_policy policy[MAX_TYPE + 1];
    unsigned refused = 0;

    for (unsigned k = 0; k < N_TYPES; k++) {
        int r, e;

        make_policy(k, policy);
        r = oo_nla_parse(h, off, policy, MAX_TYPE, tb);
        e = ref_parse(h, off, policy, ref);
        if (r != e)
            fail_msg("%s, policy %u: oo_nla_parse %d, libmnl %d", what, k, r, e);
        refused += r < 0;
        if (r == 0 && memcmp(tb, ref, sizeof tb))
            fail_msg("%s, policy %u: different attributes found", what, k);
        if (r < 0)
            continue;
        for (unsigned t = 0; t <= MAX_TYPE; t++)
            if (tb[t])
                accessors_agree(tb[t], what);
        /* One level down, under another policy. */
        for (unsigned t = 0; t <= MAX_TYPE; t++) {
            const struct nlattr *ntb[MAX_TYPE + 1], *nref[MAX_TYPE + 1];

            if (!tb[t] || mnl_attr_get_payload_len(tb[t]) < NLA_HDRLEN)
                continue;
            make_policy(k + t, policy);
            r = oo_nla_parse_nested(tb[t], policy, MAX_TYPE, ntb);
            e = ref_parse_nested(tb[t], policy, nref);
            if (r != e)
                fail_msg("%s, policy %u, nested %u: oo_nla_parse_nested %d, libmnl %d", what, k, t, r, e);
            if (r == 0 && memcmp(ntb, nref, sizeof ntb))
                fail_msg("%s, policy %u, nested %u: different attributes found", what, k, t);
        }
    }
    return refused;
}

static const char *const fixtures[] = {
    "tc-flower-dump.bin", "tc-stats-dump.bin", "tc-block-dump.bin", "tc-qdisc-dump.bin",
    "link-dump.bin", "devlink-port-dump.bin", "devlink-dev-dump.bin", "devlink-param-dump.bin",
};

/* ----------------------------------------------------------------- tests */

/* The kernel's own messages, whole: the same attributes, the same refusals. */
static void test_fixtures_agree(void **state)
{
    unsigned msgs = 0, refused = 0;

    (void)state;
    for (size_t f = 0; f < sizeof fixtures / sizeof fixtures[0]; f++) {
        size_t len;
        void *buf = fixture_load(fixtures[f], &len);
        const struct nlmsghdr *h;

        for (unsigned i = 0; (h = fixture_msg(buf, len, i)); i++) {
            size_t off = header_len(h);

            if (off == SIZE_MAX)
                continue;
            refused += compare(h, off, fixtures[f]);
            msgs++;
        }
        free(buf);
    }
    /* Enough real messages, and the strict policies did refuse some. */
    assert_true(msgs >= 20);
    assert_true(refused > 0);
}

/* The same bytes with attribute lengths corrupted: truncated, too long,
 * shorter than a header, past the message. */
static void test_corrupted_agree(void **state)
{
    static const uint16_t bad_lens[] = { 0, 1, 3, 4, 5, 7, 9, 0xffff };
    unsigned tried = 0;

    (void)state;
    for (size_t f = 0; f < sizeof fixtures / sizeof fixtures[0]; f++) {
        size_t len;
        void *buf = fixture_load(fixtures[f], &len);
        const struct nlmsghdr *h;

        for (unsigned i = 0; (h = fixture_msg(buf, len, i)) && i < 6; i++) {
            size_t off = header_len(h);
            struct nlmsghdr *copy;

            if (off == SIZE_MAX || h->nlmsg_len < NLMSG_HDRLEN + NLMSG_ALIGN(off) + NLA_HDRLEN)
                continue;
            copy = malloc(h->nlmsg_len);
            assert_non_null(copy);
            /* Each attribute of the first level in turn, each bad length. */
            for (size_t at = NLMSG_HDRLEN + NLMSG_ALIGN(off); at + NLA_HDRLEN <= h->nlmsg_len;) {
                const struct nlattr *a = (const void *)((const char *)h + at);

                for (size_t b = 0; b < sizeof bad_lens / sizeof bad_lens[0]; b++) {
                    memcpy(copy, h, h->nlmsg_len);
                    ((struct nlattr *)((char *)copy + at))->nla_len = bad_lens[b];
                    compare(copy, off, fixtures[f]);
                    tried++;
                }
                if (a->nla_len < NLA_HDRLEN)
                    break;
                at += NLA_ALIGN(a->nla_len);
            }
            /* A message shorter than its fixed header. */
            memcpy(copy, h, h->nlmsg_len);
            copy->nlmsg_len = NLMSG_HDRLEN + (uint32_t)off - 1;
            compare(copy, off, fixtures[f]);
            free(copy);
        }
        free(buf);
    }
    assert_true(tried > 100);
}

/* Hand-made: what each validation type accepts and refuses, types above
 * the table skipped, the nested type's flag bit ignored. */
static void test_types(void **state)
{
    char buf[512];
    struct nlmsghdr *h;
    const struct nlattr *tb[MAX_TYPE + 1];
    struct oo_nla_policy policy[MAX_TYPE + 1];

    (void)state;
    memset(policy, 0, sizeof policy);
    policy[1].type = MNL_TYPE_U32;
    policy[2].type = MNL_TYPE_NUL_STRING;
    policy[3].type = MNL_TYPE_BINARY;
    policy[3].min_len = 6;
    policy[4].type = MNL_TYPE_NESTED;

    h = mnl_nlmsg_put_header(buf);
    mnl_nlmsg_put_extra_header(h, 4);
    mnl_attr_put_u32(h, 1, 7);
    mnl_attr_put_strz(h, 2, "eth0");
    mnl_attr_put(h, 3, 6, "abcdef");
    mnl_attr_nest_end(h, mnl_attr_nest_start(h, 4));
    mnl_attr_put_u32(h, MAX_TYPE + 5, 1);   /* newer kernel's attribute */
    assert_int_equal(oo_nla_parse(h, 4, policy, MAX_TYPE, tb), 0);
    assert_int_equal(mnl_attr_get_u32(tb[1]), 7);
    assert_string_equal(mnl_attr_get_str(tb[2]), "eth0");
    assert_non_null(tb[3]);
    assert_non_null(tb[4]);
    assert_true(mnl_attr_get_type(tb[4]) == 4);   /* NLA_F_NESTED masked */
    for (unsigned t = 5; t <= MAX_TYPE; t++)
        assert_null(tb[t]);

    /* A u32 of 2 bytes; a string without its NUL; a binary too short. */
    h = mnl_nlmsg_put_header(buf);
    mnl_nlmsg_put_extra_header(h, 4);
    mnl_attr_put_u16(h, 1, 7);
    assert_int_equal(oo_nla_parse(h, 4, policy, MAX_TYPE, tb), -EBADMSG);
    h = mnl_nlmsg_put_header(buf);
    mnl_nlmsg_put_extra_header(h, 4);
    mnl_attr_put(h, 2, 4, "eth0");
    assert_int_equal(oo_nla_parse(h, 4, policy, MAX_TYPE, tb), -EBADMSG);
    h = mnl_nlmsg_put_header(buf);
    mnl_nlmsg_put_extra_header(h, 4);
    mnl_attr_put(h, 3, 5, "abcde");
    assert_int_equal(oo_nla_parse(h, 4, policy, MAX_TYPE, tb), -EBADMSG);
    /* A header longer than the message. */
    assert_int_equal(oo_nla_parse(h, 64, policy, MAX_TYPE, tb), -EBADMSG);
    assert_null(tb[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixtures_agree),
        cmocka_unit_test(test_corrupted_agree),
        cmocka_unit_test(test_types),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
