/* devlink encoders and decoders. Decoders are fed replies captured from the
 * real 6.1 kernel with netdevsim (tests/vm/capture-fixtures.sh):
 *   netdevsim10: switchdev, 4 VFs;  netdevsim11: legacy, 4 VFs. */
#include <errno.h>
#include <linux/devlink.h>
#include <linux/genetlink.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/nlsock.h"
#include "devlink/devlink.h"
#include "devlink/genl.h"
#include "fixture.h"

/* ------------------------------------------------------------ handles */

static void test_handle_parse(void **state)
{
    static const struct { const char *in; int ret; const char *bus, *dev; } cases[] = {
        { "pci/0000:3b:00.0", 0, "pci", "0000:3b:00.0" },
        { "netdevsim/netdevsim10", 0, "netdevsim", "netdevsim10" },
        { "pci", -EINVAL, NULL, NULL },
        { "/0000:3b:00.0", -EINVAL, NULL, NULL },
        { "pci/", -EINVAL, NULL, NULL },
        { "pci/a/b", -EINVAL, NULL, NULL },
        { "", -EINVAL, NULL, NULL },
        { "bus-name-far-too-long-for-the-field-xxxxxxxxx/dev", -EINVAL, NULL, NULL },
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct oo_dl_handle h;
        char buf[128];
        int r = oo_dl_handle_parse(cases[i].in, &h);

        if (r != cases[i].ret)
            fail_msg("'%s': got %d, want %d", cases[i].in, r, cases[i].ret);
        if (r)
            continue;
        assert_string_equal(h.bus, cases[i].bus);
        assert_string_equal(h.dev, cases[i].dev);
        assert_string_equal(oo_dl_handle_format(&h, buf, sizeof buf), cases[i].in);
    }
}

/* ------------------------------------------------------------ encoders */

static const struct nlattr *find_attr(const struct nlmsghdr *nlh, uint16_t type)
{
    const struct nlattr *a;

    mnl_attr_for_each(a, nlh, GENL_HDRLEN)
        if (mnl_attr_get_type(a) == type)
            return a;
    return NULL;
}

static unsigned count_attrs(const struct nlmsghdr *nlh)
{
    const struct nlattr *a;
    unsigned n = 0;

    mnl_attr_for_each(a, nlh, GENL_HDRLEN)
        n++;
    return n;
}

static void test_encode_eswitch_get(void **state)
{
    char buf[OO_NL_MSG_SIZE];
    struct oo_dl_handle h = { "pci", "0000:3b:00.0" };
    struct nlmsghdr *nlh = oo_dl_put_eswitch_get(buf, 0x15, &h);
    const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);

    assert_int_equal(nlh->nlmsg_type, 0x15);
    assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST);
    assert_int_equal(g->cmd, DEVLINK_CMD_ESWITCH_GET);
    assert_int_equal(g->version, DEVLINK_GENL_VERSION);
    /* header 16 + genl 4 + "pci\0" 8 + "0000:3b:00.0\0" padded 20 */
    assert_int_equal(nlh->nlmsg_len, 48);
    assert_int_equal(count_attrs(nlh), 2);
    assert_string_equal(mnl_attr_get_str(find_attr(nlh, DEVLINK_ATTR_BUS_NAME)), "pci");
    assert_string_equal(mnl_attr_get_str(find_attr(nlh, DEVLINK_ATTR_DEV_NAME)), "0000:3b:00.0");
}

static void test_encode_dumps(void **state)
{
    char buf[OO_NL_MSG_SIZE];
    struct nlmsghdr *nlh;

    nlh = oo_dl_put_dev_dump(buf, 0x15);
    assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_DUMP);
    assert_int_equal(((struct genlmsghdr *)mnl_nlmsg_get_payload(nlh))->cmd, DEVLINK_CMD_GET);
    assert_int_equal(nlh->nlmsg_len, 20);

    nlh = oo_dl_put_port_dump(buf, 0x15);
    assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_DUMP);
    assert_int_equal(((struct genlmsghdr *)mnl_nlmsg_get_payload(nlh))->cmd, DEVLINK_CMD_PORT_GET);
    assert_int_equal(nlh->nlmsg_len, 20);

    nlh = oo_genl_put_getfamily(buf, "devlink");
    assert_int_equal(nlh->nlmsg_type, GENL_ID_CTRL);
    assert_int_equal(((struct genlmsghdr *)mnl_nlmsg_get_payload(nlh))->cmd, CTRL_CMD_GETFAMILY);
    assert_string_equal(mnl_attr_get_str(find_attr(nlh, CTRL_ATTR_FAMILY_NAME)), "devlink");
}

/* ------------------------------------------------- errors and extended ACKs */

/* Builds an NLMSG_ERROR as the kernel does, capped or not, with an optional message. */
static struct nlmsghdr *make_error(char *buf, int error, bool capped, const char *msg)
{
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    struct nlmsgerr *e;

    nlh->nlmsg_type = NLMSG_ERROR;
    e = mnl_nlmsg_put_extra_header(nlh, sizeof *e);
    e->error = error;
    e->msg.nlmsg_len = capped ? sizeof(struct nlmsghdr) : sizeof(struct nlmsghdr) + 8;
    if (!capped)
        mnl_nlmsg_put_extra_header(nlh, 8);     /* the echoed request payload */
    else
        nlh->nlmsg_flags |= NLM_F_CAPPED;
    if (msg) {
        nlh->nlmsg_flags |= NLM_F_ACK_TLVS;
        mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, msg);
    }
    return nlh;
}

static void test_parse_error_shapes(void **state)
{
    char buf[512], msg[OO_NL_EXTACK_MAX];

    assert_int_equal(oo_nl_parse_error(make_error(buf, -EBUSY, true, "busy now"), msg, sizeof msg),
                     -EBUSY);
    assert_string_equal(msg, "busy now");
    assert_int_equal(oo_nl_parse_error(make_error(buf, -EINVAL, false, "uncapped"), msg, sizeof msg),
                     -EINVAL);
    assert_string_equal(msg, "uncapped");
    assert_int_equal(oo_nl_parse_error(make_error(buf, 0, true, NULL), msg, sizeof msg), 0);
    assert_string_equal(msg, "");
    /* A positive error code is not something a kernel sends. */
    assert_int_equal(oo_nl_parse_error(make_error(buf, 5, true, NULL), msg, sizeof msg), -EBADMSG);
    /* Truncated: a header that claims an error but has no room for it. */
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = NLMSG_ERROR;
    assert_int_equal(oo_nl_parse_error(nlh, msg, sizeof msg), -EBADMSG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_handle_parse),
        cmocka_unit_test(test_encode_eswitch_get),
        cmocka_unit_test(test_encode_dumps),
        cmocka_unit_test(test_parse_error_shapes),
    };
    return cmocka_run_group_tests_name("devlink", tests, NULL, NULL);
}
