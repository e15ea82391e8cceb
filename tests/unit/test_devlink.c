/* devlink encoders and decoders. Decoders are fed replies captured from the
 * real 6.1 kernel with netdevsim (tests/vm/capture-fixtures.sh):
 *   netdevsim10: switchdev, 4 VFs;  netdevsim11: legacy, 4 VFs;
 * then (devlink-param-dump, devlink-rate-dump) netdevsim11's params changed
 * and rates set on netdevsim10's VF ports. */
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
#include "common/util.h"
#include "devlink/devlink.h"
#include "devlink/genl.h"
#include "devlink/write.h"
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
        { "auxiliary/mlx5_core.sf.2", 0, "auxiliary", "mlx5_core.sf.2" },
        /* Never a name the kernel would show. */
        { "pci/0000:3b:00.0 ", -EINVAL, NULL, NULL },
        { "pci/0000:3B:00.0", -EINVAL, NULL, NULL },    /* the kernel's hex is lowercase */
        { "pci/3b:00.0", -EINVAL, NULL, NULL },
        { "pci/0000:3b:00.8", -EINVAL, NULL, NULL },
        { "PCI/0000:3b:00.0", -EINVAL, NULL, NULL },
        { "netdevsim/netdev\tsim", -EINVAL, NULL, NULL },
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

    nlh = oo_dl_put_param_dump(buf, 0x15);
    assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_DUMP);
    assert_int_equal(((struct genlmsghdr *)mnl_nlmsg_get_payload(nlh))->cmd, DEVLINK_CMD_PARAM_GET);
    assert_int_equal(nlh->nlmsg_len, 20);

    nlh = oo_dl_put_rate_dump(buf, 0x15);
    assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_DUMP);
    assert_int_equal(((struct genlmsghdr *)mnl_nlmsg_get_payload(nlh))->cmd, DEVLINK_CMD_RATE_GET);
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

/* ------------------------------------------- decoders on the kernel's bytes */

static void test_decode_family(void **state)
{
    size_t len;
    void *buf = fixture_load("genl-family-devlink.bin", &len);
    const struct nlmsghdr *nlh = fixture_msg(buf, len, 0);
    struct oo_genl_family fam;

    assert_int_equal(nlh->nlmsg_type, GENL_ID_CTRL);
    assert_int_equal(oo_genl_parse_family(nlh, &fam), 0);
    assert_int_equal(fam.id, 21);                 /* dynamic; 21 on Debian's 6.1 */
    assert_int_equal(fam.version, DEVLINK_GENL_VERSION);
    assert_true(fam.max_attr >= DEVLINK_ATTR_PORT_PCI_SF_NUMBER);
    assert_int_equal(oo_genl_group_id(&fam, DEVLINK_GENL_MCGRP_CONFIG_NAME), 5);
    assert_int_equal(oo_genl_group_id(&fam, "nope"), -ENOENT);
    free(buf);
}

static void test_decode_dev_dump(void **state)
{
    size_t len;
    void *buf = fixture_load("devlink-dev-dump.bin", &len);
    struct oo_dl_handle h;

    assert_int_equal(fixture_count(buf, len, 21), 2);
    assert_int_equal(fixture_count(buf, len, NLMSG_DONE), 1);
    assert_int_equal(oo_dl_parse_dev(fixture_msg(buf, len, 0), &h), 0);
    assert_string_equal(h.bus, "netdevsim");
    assert_string_equal(h.dev, "netdevsim10");
    assert_int_equal(oo_dl_parse_dev(fixture_msg(buf, len, 1), &h), 0);
    assert_string_equal(h.dev, "netdevsim11");
    free(buf);
}

static void test_decode_eswitch(void **state)
{
    static const struct { const char *file; int mode; } cases[] = {
        { "devlink-eswitch-switchdev.bin", OO_ESWITCH_SWITCHDEV },
        { "devlink-eswitch-legacy.bin", OO_ESWITCH_LEGACY },
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t len;
        void *buf = fixture_load(cases[i].file, &len);
        struct oo_dl_eswitch e;
        char msg[OO_NL_EXTACK_MAX];

        assert_int_equal(oo_dl_parse_eswitch(fixture_msg(buf, len, 0), &e), 0);
        assert_int_equal(e.mode, cases[i].mode);
        /* netdevsim reports neither inline nor encap mode. */
        assert_int_equal(e.inline_mode, -1);
        assert_int_equal(e.encap_mode, -1);
        /* The reply is followed by the ACK we asked for. */
        assert_int_equal(fixture_msg(buf, len, 1)->nlmsg_type, NLMSG_ERROR);
        assert_int_equal(oo_nl_parse_error(fixture_msg(buf, len, 1), msg, sizeof msg), 0);
        free(buf);
    }
}

/* What devlink -j port show and ip -j link said when the dump was taken
 * (tests/fixtures/state.txt). */
static const struct {
    const char *dev; uint32_t index; int flavour, pfnum, vfnum;
    int64_t port_number, controller; uint32_t ifindex; const char *netdev;
} kernel_ports[] = {
    { "netdevsim10", 0, DEVLINK_PORT_FLAVOUR_PHYSICAL, -1, -1, 1, -1, 2, "eth0" },
    { "netdevsim10", 128, DEVLINK_PORT_FLAVOUR_PCI_VF, 0, 0, -1, 0, 4, "eth2" },
    { "netdevsim10", 129, DEVLINK_PORT_FLAVOUR_PCI_VF, 0, 1, -1, 0, 5, "eth3" },
    { "netdevsim10", 130, DEVLINK_PORT_FLAVOUR_PCI_VF, 0, 2, -1, 0, 6, "eth4" },
    { "netdevsim10", 131, DEVLINK_PORT_FLAVOUR_PCI_VF, 0, 3, -1, 0, 7, "eth5" },
    { "netdevsim11", 0, DEVLINK_PORT_FLAVOUR_PHYSICAL, -1, -1, 1, -1, 3, "eth1" },
};

static void test_decode_port_dump(void **state)
{
    size_t len;
    void *buf = fixture_load("devlink-port-dump.bin", &len);
    const size_t n = sizeof kernel_ports / sizeof kernel_ports[0];

    assert_int_equal(fixture_count(buf, len, 21), n);
    for (unsigned i = 0; i < n; i++) {
        struct oo_dl_port p;

        assert_int_equal(oo_dl_parse_port(fixture_msg(buf, len, i), &p), 0);
        assert_string_equal(p.handle.bus, "netdevsim");
        assert_string_equal(p.handle.dev, kernel_ports[i].dev);
        assert_int_equal(p.index, kernel_ports[i].index);
        assert_int_equal(p.flavour, kernel_ports[i].flavour);
        assert_int_equal(p.type, DEVLINK_PORT_TYPE_ETH);
        assert_int_equal(p.pfnum, kernel_ports[i].pfnum);
        assert_int_equal(p.vfnum, kernel_ports[i].vfnum);
        assert_int_equal(p.sfnum, -1);
        assert_int_equal(p.port_number, kernel_ports[i].port_number);
        assert_int_equal(p.controller, kernel_ports[i].controller);
        assert_false(p.external);
        assert_int_equal(p.ifindex, kernel_ports[i].ifindex);
        assert_string_equal(p.netdev, kernel_ports[i].netdev);
    }
    free(buf);
}

static void test_decode_errors(void **state)
{
    size_t len;
    void *buf;
    char msg[OO_NL_EXTACK_MAX];

    buf = fixture_load("devlink-eswitch-enodev.bin", &len);
    assert_int_equal(oo_nl_parse_error(fixture_msg(buf, len, 0), msg, sizeof msg), -ENODEV);
    assert_string_equal(msg, "");
    free(buf);

    buf = fixture_load("devlink-reload-extack.bin", &len);
    assert_true(fixture_msg(buf, len, 0)->nlmsg_flags & NLM_F_CAPPED);
    assert_int_equal(oo_nl_parse_error(fixture_msg(buf, len, 0), msg, sizeof msg), -EOPNOTSUPP);
    assert_string_equal(msg, "netdevsim: User forbid the reload for testing purposes");
    /* A short buffer still gets a terminated prefix. */
    char small[10];
    assert_int_equal(oo_nl_parse_error(fixture_msg(buf, len, 0), small, sizeof small), -EOPNOTSUPP);
    assert_string_equal(small, "netdevsim");
    free(buf);
}

/* Newer kernels add attributes: unknown ones are skipped, not an error. */
static void test_decode_skips_unknown_attrs(void **state)
{
    size_t len;
    void *buf = fixture_load("devlink-port-dump.bin", &len);
    const struct nlmsghdr *orig = fixture_msg(buf, len, 1);
    char copy[OO_NL_MSG_SIZE];
    struct nlmsghdr *nlh = (struct nlmsghdr *)copy;
    struct oo_dl_port a, b;

    memcpy(copy, orig, orig->nlmsg_len);
    mnl_attr_put_u32(nlh, DEVLINK_ATTR_MAX + 20, 0xdeadbeef);
    assert_int_equal(oo_dl_parse_port(orig, &a), 0);
    assert_int_equal(oo_dl_parse_port(nlh, &b), 0);
    assert_memory_equal(&a, &b, sizeof a);
    free(buf);
}

/* A malformed known attribute or a missing key attribute is refused. */
static void test_decode_rejects_malformed(void **state)
{
    size_t len;
    void *buf = fixture_load("devlink-port-dump.bin", &len);
    const struct nlmsghdr *orig = fixture_msg(buf, len, 1);
    char copy[OO_NL_MSG_SIZE];
    struct nlmsghdr *nlh = (struct nlmsghdr *)copy;
    struct nlattr *a;
    struct oo_dl_port p;

    /* The port index shrunk to one byte. */
    memcpy(copy, orig, orig->nlmsg_len);
    mnl_attr_for_each(a, nlh, GENL_HDRLEN)
        if (mnl_attr_get_type(a) == DEVLINK_ATTR_PORT_INDEX)
            a->nla_len = 5;
    assert_int_equal(oo_dl_parse_port(nlh, &p), -EBADMSG);

    /* No bus name at all: renamed to an unknown type. */
    memcpy(copy, orig, orig->nlmsg_len);
    mnl_attr_for_each(a, nlh, GENL_HDRLEN)
        if (mnl_attr_get_type(a) == DEVLINK_ATTR_BUS_NAME)
            a->nla_type = DEVLINK_ATTR_MAX + 1;
    assert_int_equal(oo_dl_parse_port(nlh, &p), -EBADMSG);

    /* Truncated in the middle of the attributes. */
    memcpy(copy, orig, orig->nlmsg_len);
    nlh->nlmsg_len = mnl_nlmsg_size(GENL_HDRLEN) + 6;
    assert_int_equal(oo_dl_parse_port(nlh, &p), -EBADMSG);
    free(buf);
}

/* ------------------------------------------------------------ params */

static void test_param_names(void **state)
{
    for (int c = 0; c < OO_DL_PARAM_CMODES; c++) {
        const char *n = oo_dl_param_cmode_to_string(c);
        assert_non_null(n);
        assert_int_equal(oo_dl_param_cmode_from_string(n), c);
    }
    assert_string_equal(oo_dl_param_cmode_to_string(DEVLINK_PARAM_CMODE_DRIVERINIT), "driverinit");
    assert_null(oo_dl_param_cmode_to_string(OO_DL_PARAM_CMODES));
    assert_int_equal(oo_dl_param_cmode_from_string("never"), -EINVAL);
    for (int t = OO_DL_PARAM_TYPE_U8; t <= OO_DL_PARAM_TYPE_BOOL; t++) {
        const char *n = oo_dl_param_type_to_string(t);
        assert_non_null(n);
        assert_int_equal(oo_dl_param_type_from_string(n), t);
    }
    assert_null(oo_dl_param_type_to_string(0));
    assert_null(oo_dl_param_type_to_string(7));
    assert_string_equal(oo_dl_param_type_to_string(OO_DL_PARAM_TYPE_BOOL), "bool");
    assert_string_equal(oo_dl_rate_type_to_string(DEVLINK_RATE_TYPE_LEAF), "leaf");
    assert_string_equal(oo_dl_rate_type_to_string(DEVLINK_RATE_TYPE_NODE), "node");
    assert_null(oo_dl_rate_type_to_string(2));
}

/* What devlink -j dev param show said after the capture (state.txt):
 * netdevsim registers max_macs (generic, u32) and test1 (bool), driverinit
 * only; netdevsim11's were set to 16 and false. */
static void test_decode_param_dump(void **state)
{
    static const struct { const char *dev, *name; bool generic; int type; const char *value; } expect[] = {
        { "netdevsim10", "max_macs", true, OO_DL_PARAM_TYPE_U32, "32" },
        { "netdevsim10", "test1", false, OO_DL_PARAM_TYPE_BOOL, "true" },
        { "netdevsim11", "max_macs", true, OO_DL_PARAM_TYPE_U32, "16" },
        { "netdevsim11", "test1", false, OO_DL_PARAM_TYPE_BOOL, "false" },
    };
    size_t len;
    void *buf = fixture_load("devlink-param-dump.bin", &len);

    assert_int_equal(fixture_count(buf, len, 21), 4);
    assert_int_equal(fixture_count(buf, len, NLMSG_DONE), 1);
    for (unsigned i = 0; i < 4; i++) {
        struct oo_dl_param p;

        assert_int_equal(oo_dl_parse_param(fixture_msg(buf, len, i), &p), 0);
        assert_string_equal(p.handle.bus, "netdevsim");
        assert_string_equal(p.handle.dev, expect[i].dev);
        assert_string_equal(p.name, expect[i].name);
        assert_int_equal(p.generic, expect[i].generic);
        assert_int_equal(p.type, expect[i].type);
        assert_false(p.values[DEVLINK_PARAM_CMODE_RUNTIME].present);
        assert_false(p.values[DEVLINK_PARAM_CMODE_PERMANENT].present);
        assert_true(p.values[DEVLINK_PARAM_CMODE_DRIVERINIT].present);
        assert_string_equal(p.values[DEVLINK_PARAM_CMODE_DRIVERINIT].value, expect[i].value);
    }
    free(buf);
}

static struct nlattr *put_data(char *buf, uint16_t len, const void *data)
{
    struct nlattr *a = (struct nlattr *)buf;

    a->nla_type = DEVLINK_ATTR_PARAM_VALUE_DATA;
    a->nla_len = (uint16_t)(MNL_ATTR_HDRLEN + len);
    if (len)
        memcpy(buf + MNL_ATTR_HDRLEN, data, len);
    return a;
}

static void test_param_value_format(void **state)
{
    char abuf[64], out[64];
    uint8_t u8 = 7;
    uint16_t u16 = 65535;
    uint32_t u32 = 4294967295u;
    uint64_t u64 = 18446744073709551615ull;

#define FMT_OK(type, attr, want) do {                                               \
        assert_int_equal(oo_dl_param_value_format(type, attr, out, sizeof out), 0);  \
        assert_string_equal(out, want);                                              \
    } while (0)
    FMT_OK(OO_DL_PARAM_TYPE_U8, put_data(abuf, 1, &u8), "7");
    FMT_OK(OO_DL_PARAM_TYPE_U16, put_data(abuf, 2, &u16), "65535");
    FMT_OK(OO_DL_PARAM_TYPE_U32, put_data(abuf, 4, &u32), "4294967295");
    FMT_OK(OO_DL_PARAM_TYPE_U64, put_data(abuf, 8, &u64), "18446744073709551615");
    FMT_OK(OO_DL_PARAM_TYPE_STRING, put_data(abuf, 5, "smfs"), "smfs");
    FMT_OK(OO_DL_PARAM_TYPE_STRING, put_data(abuf, 1, ""), "");
    FMT_OK(OO_DL_PARAM_TYPE_BOOL, put_data(abuf, 0, NULL), "true");
    FMT_OK(OO_DL_PARAM_TYPE_BOOL, NULL, "false");
#undef FMT_OK
    /* The data does not match the type, or is missing. */
    assert_int_equal(oo_dl_param_value_format(OO_DL_PARAM_TYPE_U8, put_data(abuf, 4, &u32), out, sizeof out), -EBADMSG);
    assert_int_equal(oo_dl_param_value_format(OO_DL_PARAM_TYPE_U32, put_data(abuf, 2, &u16), out, sizeof out), -EBADMSG);
    assert_int_equal(oo_dl_param_value_format(OO_DL_PARAM_TYPE_U32, NULL, out, sizeof out), -EBADMSG);
    assert_int_equal(oo_dl_param_value_format(OO_DL_PARAM_TYPE_STRING, put_data(abuf, 4, "smfs"), out, sizeof out), -EBADMSG);
    assert_int_equal(oo_dl_param_value_format(OO_DL_PARAM_TYPE_BOOL, put_data(abuf, 1, &u8), out, sizeof out), -EBADMSG);
    assert_string_equal(out, "");
    /* A type we do not know. */
    assert_int_equal(oo_dl_param_value_format(0, put_data(abuf, 1, &u8), out, sizeof out), -EOPNOTSUPP);
    assert_int_equal(oo_dl_param_value_format(9, put_data(abuf, 1, &u8), out, sizeof out), -EOPNOTSUPP);
    assert_string_equal(out, "");
    /* Too long for the buffer. */
    assert_int_equal(oo_dl_param_value_format(OO_DL_PARAM_TYPE_U32, put_data(abuf, 4, &u32), out, 10), -EMSGSIZE);
    assert_string_equal(out, "");
}

/* The DEVLINK_ATTR_PARAM_VALUE_DATA of a DEVLINK_CMD_PARAM_SET; NULL when
 * absent (a false bool). Checks the attributes around it. */
static const struct nlattr *param_set_data(const struct nlmsghdr *nlh, int type)
{
    const struct nlattr *a, *data = NULL;
    unsigned seen = 0;

    assert_int_equal(((const struct genlmsghdr *)mnl_nlmsg_get_payload(nlh))->cmd,
                     DEVLINK_CMD_PARAM_SET);
    mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
        switch (mnl_attr_get_type(a)) {
        case DEVLINK_ATTR_PARAM_NAME:
            assert_string_equal(mnl_attr_get_str(a), "p");
            seen |= 1;
            break;
        case DEVLINK_ATTR_PARAM_TYPE:
            assert_int_equal(mnl_attr_get_u8(a), type);
            seen |= 2;
            break;
        case DEVLINK_ATTR_PARAM_VALUE_CMODE:
            assert_int_equal(mnl_attr_get_u8(a), DEVLINK_PARAM_CMODE_RUNTIME);
            seen |= 4;
            break;
        case DEVLINK_ATTR_PARAM_VALUE_DATA:
            data = a;
            break;
        }
    }
    assert_int_equal(seen, 7);
    return data;
}

/* Each type's value is encoded at its own width (u64: kernels after 6.1);
 * a value that does not fit is refused, not cut. */
static void test_encode_param_set(void **state)
{
    static const struct oo_dl_handle h = { "netdevsim", "netdevsim10" };
    char buf[OO_NL_MSG_SIZE];
    const struct nlattr *d;

#define SET(type, value) oo_dl_put_param_set(buf, 20, &h, "p", type, DEVLINK_PARAM_CMODE_RUNTIME, value)
    d = param_set_data(SET(OO_DL_PARAM_TYPE_U8, "255"), OO_DL_PARAM_TYPE_U8);
    assert_int_equal(mnl_attr_get_payload_len(d), 1);
    assert_int_equal(mnl_attr_get_u8(d), 255);
    d = param_set_data(SET(OO_DL_PARAM_TYPE_U16, "0x8000"), OO_DL_PARAM_TYPE_U16);
    assert_int_equal(mnl_attr_get_payload_len(d), 2);
    assert_int_equal(mnl_attr_get_u16(d), 0x8000);
    d = param_set_data(SET(OO_DL_PARAM_TYPE_U32, "4294967295"), OO_DL_PARAM_TYPE_U32);
    assert_int_equal(mnl_attr_get_payload_len(d), 4);
    assert_int_equal(mnl_attr_get_u32(d), UINT32_MAX);
    d = param_set_data(SET(OO_DL_PARAM_TYPE_U64, "18446744073709551615"), OO_DL_PARAM_TYPE_U64);
    assert_int_equal(mnl_attr_get_payload_len(d), 8);
    assert_true(mnl_attr_get_u64(d) == UINT64_MAX);
    d = param_set_data(SET(OO_DL_PARAM_TYPE_U64, "4294967296"), OO_DL_PARAM_TYPE_U64);
    assert_true(mnl_attr_get_u64(d) == 4294967296ull);
    d = param_set_data(SET(OO_DL_PARAM_TYPE_STRING, "dmfs"), OO_DL_PARAM_TYPE_STRING);
    assert_string_equal(mnl_attr_get_str(d), "dmfs");
    d = param_set_data(SET(OO_DL_PARAM_TYPE_BOOL, "true"), OO_DL_PARAM_TYPE_BOOL);
    assert_non_null(d);
    assert_int_equal(mnl_attr_get_payload_len(d), 0);
    assert_null(param_set_data(SET(OO_DL_PARAM_TYPE_BOOL, "false"), OO_DL_PARAM_TYPE_BOOL));

    assert_null(SET(OO_DL_PARAM_TYPE_U8, "256"));
    assert_null(SET(OO_DL_PARAM_TYPE_U16, "65536"));
    assert_null(SET(OO_DL_PARAM_TYPE_U32, "4294967296"));
    assert_null(SET(OO_DL_PARAM_TYPE_U64, "18446744073709551616"));
    assert_null(SET(OO_DL_PARAM_TYPE_U32, "-1"));
    assert_null(SET(OO_DL_PARAM_TYPE_U32, " 1"));
    assert_null(SET(OO_DL_PARAM_TYPE_U32, "+1"));
    assert_null(SET(OO_DL_PARAM_TYPE_U32, "1x"));
    assert_null(SET(OO_DL_PARAM_TYPE_U32, ""));
    assert_null(SET(OO_DL_PARAM_TYPE_U32, "010"));     /* octal to strtoull: refused */
    assert_null(SET(OO_DL_PARAM_TYPE_BOOL, "yes"));
    assert_null(SET(0, "1"));
    assert_null(SET(9, "1"));
#undef SET
}

/* A value as the user writes it, in the text devlink shows (what the plan
 * compares with the device's). */
static void test_param_value_canonical(void **state)
{
    char out[64];

#define CANON(type, in, want) do {                                                      \
        assert_int_equal(oo_dl_param_value_canonical(type, in, out, sizeof out), 0);   \
        assert_string_equal(out, want);                                                 \
    } while (0)
#define REFUSED(type, in, err) do {                                                     \
        assert_int_equal(oo_dl_param_value_canonical(type, in, out, sizeof out), err); \
        assert_string_equal(out, "");                                                   \
    } while (0)
    CANON(OO_DL_PARAM_TYPE_U32, "0x10000", "65536");
    CANON(OO_DL_PARAM_TYPE_U32, "0X1f", "31");
    CANON(OO_DL_PARAM_TYPE_U32, "0", "0");
    CANON(OO_DL_PARAM_TYPE_U32, "0x0", "0");
    CANON(OO_DL_PARAM_TYPE_U8, "255", "255");
    CANON(OO_DL_PARAM_TYPE_U16, "0xffff", "65535");
    CANON(OO_DL_PARAM_TYPE_U64, "18446744073709551615", "18446744073709551615");
    CANON(OO_DL_PARAM_TYPE_BOOL, "True", "true");
    CANON(OO_DL_PARAM_TYPE_BOOL, "TRUE", "true");
    CANON(OO_DL_PARAM_TYPE_BOOL, "false", "false");
    CANON(OO_DL_PARAM_TYPE_BOOL, "FALSE", "false");
    CANON(OO_DL_PARAM_TYPE_STRING, "Smfs 0x1", "Smfs 0x1");
    REFUSED(OO_DL_PARAM_TYPE_U8, "256", -ERANGE);
    REFUSED(OO_DL_PARAM_TYPE_U16, "0x10000", -ERANGE);
    REFUSED(OO_DL_PARAM_TYPE_U64, "18446744073709551616", -ERANGE);
    REFUSED(OO_DL_PARAM_TYPE_U32, "010", -EINVAL);       /* octal or decimal? */
    REFUSED(OO_DL_PARAM_TYPE_U32, "00", -EINVAL);
    REFUSED(OO_DL_PARAM_TYPE_U32, "0x", -EINVAL);
    REFUSED(OO_DL_PARAM_TYPE_U32, "0x-1", -EINVAL);
    REFUSED(OO_DL_PARAM_TYPE_U32, "0x 1", -EINVAL);
    REFUSED(OO_DL_PARAM_TYPE_U32, "-1", -EINVAL);
    REFUSED(OO_DL_PARAM_TYPE_U32, "+1", -EINVAL);
    REFUSED(OO_DL_PARAM_TYPE_U32, " 1", -EINVAL);
    REFUSED(OO_DL_PARAM_TYPE_U32, "1 ", -EINVAL);
    REFUSED(OO_DL_PARAM_TYPE_U32, "", -EINVAL);
    REFUSED(OO_DL_PARAM_TYPE_U32, "1e3", -EINVAL);
    REFUSED(OO_DL_PARAM_TYPE_BOOL, "yes", -EINVAL);
    REFUSED(OO_DL_PARAM_TYPE_BOOL, "1", -EINVAL);
    REFUSED(OO_DL_PARAM_TYPE_BOOL, "tRUE", -EINVAL);
    REFUSED(0, "1", -EOPNOTSUPP);
    REFUSED(9, "1", -EOPNOTSUPP);
    assert_int_equal(oo_dl_param_value_canonical(OO_DL_PARAM_TYPE_U32, "0x10000", out, 5), -EMSGSIZE);
    assert_string_equal(out, "");
#undef CANON
#undef REFUSED
}

/* A DEVLINK_CMD_PARAM_GET reply as mlx5 would send one for a string param
 * with runtime and permanent values (the kernel's layout). */
struct param_msg_opts {
    const char *name;               /* NULL: no name attribute */
    int type;                       /* -1: no type attribute */
    bool generic;
    bool unknown_attrs;             /* add attributes from the future */
    bool value_without_cmode;
};

static struct nlmsghdr *make_param(char *buf, const struct param_msg_opts *o)
{
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    struct genlmsghdr *g;
    struct nlattr *param, *list, *v;

    nlh->nlmsg_type = 21;
    g = mnl_nlmsg_put_extra_header(nlh, sizeof *g);
    g->cmd = DEVLINK_CMD_PARAM_GET;
    mnl_attr_put_strz(nlh, DEVLINK_ATTR_BUS_NAME, "pci");
    mnl_attr_put_strz(nlh, DEVLINK_ATTR_DEV_NAME, "0000:3b:00.0");
    param = mnl_attr_nest_start(nlh, DEVLINK_ATTR_PARAM);
    if (o->name)
        mnl_attr_put_strz(nlh, DEVLINK_ATTR_PARAM_NAME, o->name);
    if (o->generic)
        mnl_attr_put(nlh, DEVLINK_ATTR_PARAM_GENERIC, 0, NULL);
    if (o->type >= 0)
        mnl_attr_put_u8(nlh, DEVLINK_ATTR_PARAM_TYPE, (uint8_t)o->type);
    if (o->unknown_attrs)
        mnl_attr_put_u32(nlh, DEVLINK_ATTR_MAX + 5, 1);
    list = mnl_attr_nest_start(nlh, DEVLINK_ATTR_PARAM_VALUES_LIST);
    v = mnl_attr_nest_start(nlh, DEVLINK_ATTR_PARAM_VALUE);
    if (!o->value_without_cmode)
        mnl_attr_put_u8(nlh, DEVLINK_ATTR_PARAM_VALUE_CMODE, DEVLINK_PARAM_CMODE_RUNTIME);
    mnl_attr_put_strz(nlh, DEVLINK_ATTR_PARAM_VALUE_DATA, "smfs");
    if (o->unknown_attrs)
        mnl_attr_put_u64(nlh, DEVLINK_ATTR_MAX + 6, 1);
    mnl_attr_nest_end(nlh, v);
    v = mnl_attr_nest_start(nlh, DEVLINK_ATTR_PARAM_VALUE);
    mnl_attr_put_u8(nlh, DEVLINK_ATTR_PARAM_VALUE_CMODE, DEVLINK_PARAM_CMODE_PERMANENT);
    mnl_attr_put_strz(nlh, DEVLINK_ATTR_PARAM_VALUE_DATA, "dmfs");
    mnl_attr_nest_end(nlh, v);
    if (o->unknown_attrs) {
        /* A configuration mode from the future, and another list entry type. */
        v = mnl_attr_nest_start(nlh, DEVLINK_ATTR_PARAM_VALUE);
        mnl_attr_put_u8(nlh, DEVLINK_ATTR_PARAM_VALUE_CMODE, 7);
        mnl_attr_put_strz(nlh, DEVLINK_ATTR_PARAM_VALUE_DATA, "later");
        mnl_attr_nest_end(nlh, v);
        mnl_attr_put_u32(nlh, DEVLINK_ATTR_MAX + 7, 1);
    }
    mnl_attr_nest_end(nlh, list);
    mnl_attr_nest_end(nlh, param);
    if (o->unknown_attrs)
        mnl_attr_put_u32(nlh, DEVLINK_ATTR_MAX + 8, 1);
    return nlh;
}

static void test_decode_param_shapes(void **state)
{
    char buf[1024];
    struct oo_dl_param p, q;

    struct param_msg_opts o = { "flow_steering_mode", OO_DL_PARAM_TYPE_STRING, false, false, false };
    assert_int_equal(oo_dl_parse_param(make_param(buf, &o), &p), 0);
    assert_string_equal(p.handle.bus, "pci");
    assert_string_equal(p.handle.dev, "0000:3b:00.0");
    assert_string_equal(p.name, "flow_steering_mode");
    assert_false(p.generic);
    assert_int_equal(p.type, OO_DL_PARAM_TYPE_STRING);
    assert_true(p.values[DEVLINK_PARAM_CMODE_RUNTIME].present);
    assert_string_equal(p.values[DEVLINK_PARAM_CMODE_RUNTIME].value, "smfs");
    assert_false(p.values[DEVLINK_PARAM_CMODE_DRIVERINIT].present);
    assert_true(p.values[DEVLINK_PARAM_CMODE_PERMANENT].present);
    assert_string_equal(p.values[DEVLINK_PARAM_CMODE_PERMANENT].value, "dmfs");

    /* Unknown attributes at every level, and an unknown cmode: skipped. */
    o.unknown_attrs = true;
    assert_int_equal(oo_dl_parse_param(make_param(buf, &o), &q), 0);
    assert_memory_equal(&p, &q, sizeof p);

    /* An unknown value type: the values are there, their text is not. */
    o.unknown_attrs = false;
    o.type = 42;
    assert_int_equal(oo_dl_parse_param(make_param(buf, &o), &p), 0);
    assert_int_equal(p.type, 42);
    assert_true(p.values[DEVLINK_PARAM_CMODE_RUNTIME].present);
    assert_string_equal(p.values[DEVLINK_PARAM_CMODE_RUNTIME].value, "");

    /* Malformed: no name; values without a type; a value without its cmode;
     * data not of the type; a name too long for the struct. */
    o = (struct param_msg_opts){ NULL, OO_DL_PARAM_TYPE_STRING, false, false, false };
    assert_int_equal(oo_dl_parse_param(make_param(buf, &o), &p), -EBADMSG);
    o = (struct param_msg_opts){ "x", -1, false, false, false };
    assert_int_equal(oo_dl_parse_param(make_param(buf, &o), &p), -EBADMSG);
    o = (struct param_msg_opts){ "x", OO_DL_PARAM_TYPE_STRING, false, false, true };
    assert_int_equal(oo_dl_parse_param(make_param(buf, &o), &p), -EBADMSG);
    o = (struct param_msg_opts){ "x", OO_DL_PARAM_TYPE_U32, false, false, false };
    assert_int_equal(oo_dl_parse_param(make_param(buf, &o), &p), -EBADMSG);
    o = (struct param_msg_opts){ "a_param_name_longer_than_the_sixty_four_bytes_of_struct_oo_dl_param",
                                 OO_DL_PARAM_TYPE_STRING, false, false, false };
    assert_int_equal(oo_dl_parse_param(make_param(buf, &o), &p), -EBADMSG);
    assert_string_equal(p.name, "");
    /* No DEVLINK_ATTR_PARAM at all (a port dump message). */
    size_t len;
    void *ports = fixture_load("devlink-port-dump.bin", &len);
    assert_int_equal(oo_dl_parse_param(fixture_msg(ports, len, 0), &p), -EBADMSG);
    free(ports);
}

/* ------------------------------------------------------------ rates */

/* What devlink -j port function rate show said after the capture (state.txt):
 * a node first (the kernel lists nodes at the head), then one leaf per VF port. */
static void test_decode_rate_dump(void **state)
{
    static const struct { int type; int64_t port; const char *node, *parent; uint64_t share, max; } expect[] = {
        { DEVLINK_RATE_TYPE_NODE, -1, "group1", "", 0, 6250000 },      /* tx_max 50mbit */
        { DEVLINK_RATE_TYPE_LEAF, 128, "", "", 1250000, 12500000 },    /* 10mbit, 100mbit */
        { DEVLINK_RATE_TYPE_LEAF, 129, "", "group1", 0, 0 },
        { DEVLINK_RATE_TYPE_LEAF, 130, "", "", 0, 0 },
        { DEVLINK_RATE_TYPE_LEAF, 131, "", "", 0, 0 },
    };
    size_t len;
    void *buf = fixture_load("devlink-rate-dump.bin", &len);

    assert_int_equal(fixture_count(buf, len, 21), OO_ARRAY_SIZE(expect));
    assert_int_equal(fixture_count(buf, len, NLMSG_DONE), 1);
    for (unsigned i = 0; i < OO_ARRAY_SIZE(expect); i++) {
        struct oo_dl_rate r;

        assert_int_equal(oo_dl_parse_rate(fixture_msg(buf, len, i), &r), 0);
        assert_string_equal(r.handle.bus, "netdevsim");
        assert_string_equal(r.handle.dev, "netdevsim10");
        assert_int_equal(r.type, expect[i].type);
        assert_int_equal(r.port_index, expect[i].port);
        assert_string_equal(r.node_name, expect[i].node);
        assert_string_equal(r.parent, expect[i].parent);
        assert_int_equal(r.tx_share, expect[i].share);
        assert_int_equal(r.tx_max, expect[i].max);
    }
    free(buf);
}

static void test_decode_rate_unknown_and_malformed(void **state)
{
    size_t len;
    void *buf = fixture_load("devlink-rate-dump.bin", &len);
    const struct nlmsghdr *node = fixture_msg(buf, len, 0), *leaf = fixture_msg(buf, len, 1);
    char copy[OO_NL_MSG_SIZE];
    struct nlmsghdr *nlh = (struct nlmsghdr *)copy;
    struct nlattr *a;
    struct oo_dl_rate x, y;

    /* Newer kernels' attributes (tx_priority, tx_weight...) are skipped. */
    memcpy(copy, leaf, leaf->nlmsg_len);
    mnl_attr_put_u32(nlh, DEVLINK_ATTR_MAX + 1, 3);
    assert_int_equal(oo_dl_parse_rate(leaf, &x), 0);
    assert_int_equal(oo_dl_parse_rate(nlh, &y), 0);
    assert_memory_equal(&x, &y, sizeof x);

    /* A leaf without its port index. */
    memcpy(copy, leaf, leaf->nlmsg_len);
    mnl_attr_for_each(a, nlh, GENL_HDRLEN)
        if (mnl_attr_get_type(a) == DEVLINK_ATTR_PORT_INDEX)
            a->nla_type = DEVLINK_ATTR_MAX + 1;
    assert_int_equal(oo_dl_parse_rate(nlh, &y), -EBADMSG);
    assert_int_equal(y.port_index, -1);

    /* A node without its name. */
    memcpy(copy, node, node->nlmsg_len);
    mnl_attr_for_each(a, nlh, GENL_HDRLEN)
        if (mnl_attr_get_type(a) == DEVLINK_ATTR_RATE_NODE_NAME)
            a->nla_type = DEVLINK_ATTR_MAX + 1;
    assert_int_equal(oo_dl_parse_rate(nlh, &y), -EBADMSG);

    /* tx_max of four bytes (u64 in the kernel). */
    memcpy(copy, leaf, leaf->nlmsg_len);
    mnl_attr_for_each(a, nlh, GENL_HDRLEN)
        if (mnl_attr_get_type(a) == DEVLINK_ATTR_RATE_TX_MAX)
            a->nla_len = MNL_ATTR_HDRLEN + 4;
    assert_int_equal(oo_dl_parse_rate(nlh, &y), -EBADMSG);

    /* No rate type: a port message is no rate. */
    void *ports = fixture_load("devlink-port-dump.bin", &len);
    assert_int_equal(oo_dl_parse_rate(fixture_msg(ports, len, 1), &y), -EBADMSG);
    free(ports);
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_handle_parse),
        cmocka_unit_test(test_encode_eswitch_get),
        cmocka_unit_test(test_encode_dumps),
        cmocka_unit_test(test_parse_error_shapes),
        cmocka_unit_test(test_decode_family),
        cmocka_unit_test(test_decode_dev_dump),
        cmocka_unit_test(test_decode_eswitch),
        cmocka_unit_test(test_decode_port_dump),
        cmocka_unit_test(test_decode_errors),
        cmocka_unit_test(test_decode_skips_unknown_attrs),
        cmocka_unit_test(test_decode_rejects_malformed),
        cmocka_unit_test(test_param_names),
        cmocka_unit_test(test_decode_param_dump),
        cmocka_unit_test(test_param_value_format),
        cmocka_unit_test(test_encode_param_set),
        cmocka_unit_test(test_param_value_canonical),
        cmocka_unit_test(test_decode_param_shapes),
        cmocka_unit_test(test_decode_rate_dump),
        cmocka_unit_test(test_decode_rate_unknown_and_malformed),
    };
    return cmocka_run_group_tests_name("devlink", tests, NULL, NULL);
}
