#include "devlink/devlink.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <linux/devlink.h>
#include <linux/genetlink.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/nlattr.h"
#include "common/util.h"

const char *oo_dl_handle_format(const struct oo_dl_handle *h, char *buf, size_t buf_size)
{
    snprintf(buf, buf_size, "%s/%s", h->bus, h->dev);
    return buf;
}

/* Whether s[0..n-1] holds only the characters of a kernel bus (lowercase,
 * digits, '_') or device name (also uppercase, '.', ':', '-'). */
static bool name_chars(const char *s, size_t n, bool dev)
{
    for (size_t i = 0; i < n; i++) {
        char c = s[i];

        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
              (dev && ((c >= 'A' && c <= 'Z') || c == '.' || c == ':' || c == '-'))))
            return false;
    }
    return true;
}

/* A PCI address as the kernel names it: "0000:3b:00.0", lowercase hex. */
static bool pci_name(const char *s)
{
    static const char shape[] = "xxxx:xx:xx.x";

    if (strlen(s) != sizeof shape - 1)
        return false;
    for (size_t i = 0; shape[i]; i++)
        if (shape[i] == 'x' ? !((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))
                            : s[i] != shape[i])
            return false;
    return s[11] <= '7';        /* a function is 0..7 */
}

int oo_dl_handle_parse(const char *s, struct oo_dl_handle *h)
{
    const char *slash = strchr(s, '/');

    memset(h, 0, sizeof *h);
    if (!slash || slash == s || !slash[1] || strchr(slash + 1, '/') ||
        (size_t)(slash - s) >= sizeof h->bus || strlen(slash + 1) >= sizeof h->dev ||
        !name_chars(s, (size_t)(slash - s), false) || !name_chars(slash + 1, strlen(slash + 1), true))
        return -EINVAL;
    memcpy(h->bus, s, (size_t)(slash - s));
    strcpy(h->dev, slash + 1);
    if (!strcmp(h->bus, "pci") && !pci_name(h->dev)) {
        memset(h, 0, sizeof *h);
        return -EINVAL;
    }
    return 0;
}

bool oo_dl_handle_equal(const struct oo_dl_handle *a, const struct oo_dl_handle *b)
{
    return !strcmp(a->bus, b->bus) && !strcmp(a->dev, b->dev);
}

/* ------------------------------------------------------------------- names */

static const char *const param_cmodes[] = {
    [DEVLINK_PARAM_CMODE_RUNTIME] = "runtime",
    [DEVLINK_PARAM_CMODE_DRIVERINIT] = "driverinit",
    [DEVLINK_PARAM_CMODE_PERMANENT] = "permanent",
};

static const char *const param_types[] = {
    [OO_DL_PARAM_TYPE_U8] = "u8",
    [OO_DL_PARAM_TYPE_U16] = "u16",
    [OO_DL_PARAM_TYPE_U32] = "u32",
    [OO_DL_PARAM_TYPE_U64] = "u64",
    [OO_DL_PARAM_TYPE_STRING] = "string",
    [OO_DL_PARAM_TYPE_BOOL] = "bool",
};

static const char *const rate_types[] = {
    [DEVLINK_RATE_TYPE_LEAF] = "leaf",
    [DEVLINK_RATE_TYPE_NODE] = "node",
};


const char *oo_dl_param_cmode_to_string(int cmode)
{
    return oo_enum_name(param_cmodes, OO_ARRAY_SIZE(param_cmodes), cmode);
}

int oo_dl_param_cmode_from_string(const char *s)
{
    return oo_enum_value(param_cmodes, OO_ARRAY_SIZE(param_cmodes), s);
}

const char *oo_dl_param_type_to_string(int type)
{
    return oo_enum_name(param_types, OO_ARRAY_SIZE(param_types), type);
}

int oo_dl_param_type_from_string(const char *s)
{
    return oo_enum_value(param_types, OO_ARRAY_SIZE(param_types), s);
}

const char *oo_dl_rate_type_to_string(int type)
{
    return oo_enum_name(rate_types, OO_ARRAY_SIZE(rate_types), type);
}

/* ---------------------------------------------------------------- encoders */

static struct nlmsghdr *put_cmd(void *buf, uint16_t family, uint8_t cmd, uint16_t flags)
{
    struct nlmsghdr *nlh;
    struct genlmsghdr *g;

    nlh = oo_nl_put_header(buf);       /* zeroed: no stack bytes to the kernel */
    nlh->nlmsg_type = family;
    nlh->nlmsg_flags = NLM_F_REQUEST | flags;
    g = mnl_nlmsg_put_extra_header(nlh, sizeof *g);
    g->cmd = cmd;
    g->version = DEVLINK_GENL_VERSION;
    return nlh;
}

static void put_handle(struct nlmsghdr *nlh, const struct oo_dl_handle *h)
{
    mnl_attr_put_strz(nlh, DEVLINK_ATTR_BUS_NAME, h->bus);
    mnl_attr_put_strz(nlh, DEVLINK_ATTR_DEV_NAME, h->dev);
}

struct nlmsghdr *oo_dl_put_dev_dump(void *buf, uint16_t family)
{
    return put_cmd(buf, family, DEVLINK_CMD_GET, NLM_F_DUMP);
}

struct nlmsghdr *oo_dl_put_eswitch_get(void *buf, uint16_t family, const struct oo_dl_handle *h)
{
    struct nlmsghdr *nlh = put_cmd(buf, family, DEVLINK_CMD_ESWITCH_GET, 0);

    put_handle(nlh, h);
    return nlh;
}

struct nlmsghdr *oo_dl_put_port_dump(void *buf, uint16_t family)
{
    return put_cmd(buf, family, DEVLINK_CMD_PORT_GET, NLM_F_DUMP);
}

struct nlmsghdr *oo_dl_put_param_dump(void *buf, uint16_t family)
{
    return put_cmd(buf, family, DEVLINK_CMD_PARAM_GET, NLM_F_DUMP);
}

struct nlmsghdr *oo_dl_put_rate_dump(void *buf, uint16_t family)
{
    return put_cmd(buf, family, DEVLINK_CMD_RATE_GET, NLM_F_DUMP);
}

/* ---------------------------------------------------------------- decoders */

#define DL_MAX DEVLINK_ATTR_RATE_PARENT_NODE_NAME   /* the last attribute we read */

static const struct oo_nla_policy dl_policy[DL_MAX + 1] = {
    [DEVLINK_ATTR_BUS_NAME] = { MNL_TYPE_NUL_STRING },
    [DEVLINK_ATTR_DEV_NAME] = { MNL_TYPE_NUL_STRING },
    [DEVLINK_ATTR_PORT_INDEX] = { MNL_TYPE_U32 },
    [DEVLINK_ATTR_PORT_TYPE] = { MNL_TYPE_U16 },
    [DEVLINK_ATTR_PORT_NETDEV_IFINDEX] = { MNL_TYPE_U32 },
    [DEVLINK_ATTR_PORT_NETDEV_NAME] = { MNL_TYPE_NUL_STRING },
    [DEVLINK_ATTR_PORT_FLAVOUR] = { MNL_TYPE_U16 },
    [DEVLINK_ATTR_PORT_NUMBER] = { MNL_TYPE_U32 },
    [DEVLINK_ATTR_ESWITCH_MODE] = { MNL_TYPE_U16 },
    [DEVLINK_ATTR_ESWITCH_INLINE_MODE] = { MNL_TYPE_U8 },
    [DEVLINK_ATTR_ESWITCH_ENCAP_MODE] = { MNL_TYPE_U8 },
    [DEVLINK_ATTR_PORT_PCI_PF_NUMBER] = { MNL_TYPE_U16 },
    [DEVLINK_ATTR_PORT_PCI_VF_NUMBER] = { MNL_TYPE_U16 },
    [DEVLINK_ATTR_PORT_EXTERNAL] = { MNL_TYPE_U8 },
    [DEVLINK_ATTR_PORT_CONTROLLER_NUMBER] = { MNL_TYPE_U32 },
    [DEVLINK_ATTR_PORT_PCI_SF_NUMBER] = { MNL_TYPE_U32 },
    [DEVLINK_ATTR_PARAM] = { MNL_TYPE_NESTED },
    [DEVLINK_ATTR_RATE_TYPE] = { MNL_TYPE_U16 },
    [DEVLINK_ATTR_RATE_TX_SHARE] = { MNL_TYPE_U64 },
    [DEVLINK_ATTR_RATE_TX_MAX] = { MNL_TYPE_U64 },
    [DEVLINK_ATTR_RATE_NODE_NAME] = { MNL_TYPE_NUL_STRING },
    [DEVLINK_ATTR_RATE_PARENT_NODE_NAME] = { MNL_TYPE_NUL_STRING },
};

/* Inside DEVLINK_ATTR_PARAM and each DEVLINK_ATTR_PARAM_VALUE (devlink nests
 * attributes of the same space). VALUE_DATA's type depends on PARAM_TYPE. */
#define PARAM_MAX DEVLINK_ATTR_PARAM_VALUE_CMODE
static const struct oo_nla_policy param_policy[PARAM_MAX + 1] = {
    [DEVLINK_ATTR_PARAM_NAME] = { MNL_TYPE_NUL_STRING },
    [DEVLINK_ATTR_PARAM_GENERIC] = { MNL_TYPE_FLAG },
    [DEVLINK_ATTR_PARAM_TYPE] = { MNL_TYPE_U8 },
    [DEVLINK_ATTR_PARAM_VALUES_LIST] = { MNL_TYPE_NESTED },
    [DEVLINK_ATTR_PARAM_VALUE] = { MNL_TYPE_NESTED },
    [DEVLINK_ATTR_PARAM_VALUE_CMODE] = { MNL_TYPE_U8 },
};

static int parse_attrs(const struct nlmsghdr *nlh, const struct nlattr **tb)
{
    return oo_nla_parse(nlh, GENL_HDRLEN, dl_policy, DL_MAX, tb);
}

static int get_handle(const struct nlattr **tb, struct oo_dl_handle *h)
{
    if (!tb[DEVLINK_ATTR_BUS_NAME] || !tb[DEVLINK_ATTR_DEV_NAME])
        return -EBADMSG;
    if (!oo_strlcpy(h->bus, mnl_attr_get_str(tb[DEVLINK_ATTR_BUS_NAME]), sizeof h->bus) ||
        !oo_strlcpy(h->dev, mnl_attr_get_str(tb[DEVLINK_ATTR_DEV_NAME]), sizeof h->dev))
        return -EBADMSG;
    return 0;
}

int oo_dl_parse_dev(const struct nlmsghdr *nlh, struct oo_dl_handle *out)
{
    const struct nlattr *tb[DL_MAX + 1];

    memset(out, 0, sizeof *out);
    if (parse_attrs(nlh, tb) < 0)
        return -EBADMSG;
    return get_handle(tb, out);
}

int oo_dl_parse_eswitch(const struct nlmsghdr *nlh, struct oo_dl_eswitch *out)
{
    const struct nlattr *tb[DL_MAX + 1];

    *out = (struct oo_dl_eswitch){ OO_ESWITCH_UNKNOWN, -1, -1 };
    if (parse_attrs(nlh, tb) < 0)
        return -EBADMSG;
    if (tb[DEVLINK_ATTR_ESWITCH_MODE])
        out->mode = mnl_attr_get_u16(tb[DEVLINK_ATTR_ESWITCH_MODE]);
    if (tb[DEVLINK_ATTR_ESWITCH_INLINE_MODE])
        out->inline_mode = mnl_attr_get_u8(tb[DEVLINK_ATTR_ESWITCH_INLINE_MODE]);
    if (tb[DEVLINK_ATTR_ESWITCH_ENCAP_MODE])
        out->encap_mode = mnl_attr_get_u8(tb[DEVLINK_ATTR_ESWITCH_ENCAP_MODE]);
    return 0;
}

static int64_t opt_u32(const struct nlattr *a) { return a ? (int64_t)mnl_attr_get_u32(a) : -1; }
static int32_t opt_u16(const struct nlattr *a) { return a ? (int32_t)mnl_attr_get_u16(a) : -1; }

int oo_dl_parse_port(const struct nlmsghdr *nlh, struct oo_dl_port *out)
{
    const struct nlattr *tb[DL_MAX + 1];

    memset(out, 0, sizeof *out);
    if (parse_attrs(nlh, tb) < 0 || get_handle(tb, &out->handle) < 0 ||
        !tb[DEVLINK_ATTR_PORT_INDEX])
        return -EBADMSG;
    out->index = mnl_attr_get_u32(tb[DEVLINK_ATTR_PORT_INDEX]);
    out->flavour = opt_u16(tb[DEVLINK_ATTR_PORT_FLAVOUR]);
    out->type = opt_u16(tb[DEVLINK_ATTR_PORT_TYPE]);
    out->pfnum = opt_u16(tb[DEVLINK_ATTR_PORT_PCI_PF_NUMBER]);
    out->vfnum = opt_u16(tb[DEVLINK_ATTR_PORT_PCI_VF_NUMBER]);
    out->sfnum = opt_u32(tb[DEVLINK_ATTR_PORT_PCI_SF_NUMBER]);
    out->port_number = opt_u32(tb[DEVLINK_ATTR_PORT_NUMBER]);
    out->controller = opt_u32(tb[DEVLINK_ATTR_PORT_CONTROLLER_NUMBER]);
    out->external = tb[DEVLINK_ATTR_PORT_EXTERNAL] &&
                    mnl_attr_get_u8(tb[DEVLINK_ATTR_PORT_EXTERNAL]);
    if (tb[DEVLINK_ATTR_PORT_NETDEV_IFINDEX])
        out->ifindex = mnl_attr_get_u32(tb[DEVLINK_ATTR_PORT_NETDEV_IFINDEX]);
    if (tb[DEVLINK_ATTR_PORT_NETDEV_NAME] &&
        !oo_strlcpy(out->netdev, mnl_attr_get_str(tb[DEVLINK_ATTR_PORT_NETDEV_NAME]),
                    sizeof out->netdev))
        return -EBADMSG;
    return 0;
}

int oo_dl_param_value_format(int type, const struct nlattr *data, char *buf, size_t buf_size)
{
    static const enum mnl_attr_data_type mnl_types[] = {
        [OO_DL_PARAM_TYPE_U8] = MNL_TYPE_U8,
        [OO_DL_PARAM_TYPE_U16] = MNL_TYPE_U16,
        [OO_DL_PARAM_TYPE_U32] = MNL_TYPE_U32,
        [OO_DL_PARAM_TYPE_U64] = MNL_TYPE_U64,
        [OO_DL_PARAM_TYPE_STRING] = MNL_TYPE_NUL_STRING,
        [OO_DL_PARAM_TYPE_BOOL] = MNL_TYPE_FLAG,
    };
    int n;

    if (buf_size)
        buf[0] = '\0';
    if (type < 0 || (size_t)type >= OO_ARRAY_SIZE(mnl_types) || !param_types[type])
        return -EOPNOTSUPP;
    if (data ? mnl_attr_validate(data, mnl_types[type]) < 0 : type != OO_DL_PARAM_TYPE_BOOL)
        return -EBADMSG;
    switch (type) {
    case OO_DL_PARAM_TYPE_U8:
        n = snprintf(buf, buf_size, "%u", mnl_attr_get_u8(data));
        break;
    case OO_DL_PARAM_TYPE_U16:
        n = snprintf(buf, buf_size, "%u", mnl_attr_get_u16(data));
        break;
    case OO_DL_PARAM_TYPE_U32:
        n = snprintf(buf, buf_size, "%u", mnl_attr_get_u32(data));
        break;
    case OO_DL_PARAM_TYPE_U64:
        n = snprintf(buf, buf_size, "%" PRIu64, mnl_attr_get_u64(data));
        break;
    case OO_DL_PARAM_TYPE_STRING:
        n = snprintf(buf, buf_size, "%s", mnl_attr_get_str(data));
        break;
    default:    /* bool: a flag, present when true */
        n = snprintf(buf, buf_size, "%s", data ? "true" : "false");
        break;
    }
    if (n < 0 || (size_t)n >= buf_size) {
        if (buf_size)
            buf[0] = '\0';
        return -EMSGSIZE;
    }
    return 0;
}

static uint64_t param_uint_max(int type)
{
    switch (type) {
    case OO_DL_PARAM_TYPE_U8: return UINT8_MAX;
    case OO_DL_PARAM_TYPE_U16: return UINT16_MAX;
    case OO_DL_PARAM_TYPE_U32: return UINT32_MAX;
    case OO_DL_PARAM_TYPE_U64: return UINT64_MAX;
    default: return 0;
    }
}

int oo_dl_param_value_uint(int type, const char *text, uint64_t *out)
{
    uint64_t max = param_uint_max(type);
    bool hex = text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
    const char *digits = hex ? text + 2 : text;
    unsigned long long v;
    char *end;

    if (!max)
        return -EINVAL;
    /* strtoull would take a sign, spaces, and octal after a 0. */
    if (!(hex ? isxdigit((unsigned char)*digits) : isdigit((unsigned char)*digits)) ||
        (!hex && digits[0] == '0' && digits[1]))
        return -EINVAL;
    errno = 0;
    v = strtoull(digits, &end, hex ? 16 : 10);
    if (*end)
        return -EINVAL;
    if (errno == ERANGE || v > max)
        return -ERANGE;
    *out = v;
    return 0;
}

int oo_dl_param_value_canonical(int type, const char *text, char *buf, size_t buf_size)
{
    static const char *const trues[] = { "true", "True", "TRUE" };
    static const char *const falses[] = { "false", "False", "FALSE" };
    const char *canon = NULL;
    char num[24];
    uint64_t v;
    int r;

    if (buf_size)
        buf[0] = '\0';
    if (type < 0 || (size_t)type >= OO_ARRAY_SIZE(param_types) || !param_types[type])
        return -EOPNOTSUPP;
    switch (type) {
    case OO_DL_PARAM_TYPE_STRING:
        canon = text;
        break;
    case OO_DL_PARAM_TYPE_BOOL:
        for (size_t i = 0; i < OO_ARRAY_SIZE(trues); i++) {
            if (!strcmp(text, trues[i]))
                canon = "true";
            else if (!strcmp(text, falses[i]))
                canon = "false";
        }
        if (!canon)
            return -EINVAL;
        break;
    default:
        r = oo_dl_param_value_uint(type, text, &v);
        if (r)
            return r;
        snprintf(num, sizeof num, "%" PRIu64, v);
        canon = num;
        break;
    }
    if (!oo_strlcpy(buf, canon, buf_size)) {
        if (buf_size)
            buf[0] = '\0';
        return -EMSGSIZE;
    }
    return 0;
}

struct param_values_ctx {
    struct oo_dl_param *param;
    int err;
};

static int param_value_cb(const struct nlattr *attr, void *data)
{
    struct param_values_ctx *ctx = data;
    const struct nlattr *tb[PARAM_MAX + 1];
    uint8_t cmode;
    int r;

    if (mnl_attr_get_type(attr) != DEVLINK_ATTR_PARAM_VALUE)
        return MNL_CB_OK;
    if (oo_nla_parse_nested(attr, param_policy, PARAM_MAX, tb) < 0 ||
        !tb[DEVLINK_ATTR_PARAM_VALUE_CMODE])
        goto bad;
    cmode = mnl_attr_get_u8(tb[DEVLINK_ATTR_PARAM_VALUE_CMODE]);
    if (cmode >= OO_DL_PARAM_CMODES)
        return MNL_CB_OK;       /* a configuration mode newer than us */
    r = oo_dl_param_value_format(ctx->param->type, tb[DEVLINK_ATTR_PARAM_VALUE_DATA],
                                 ctx->param->values[cmode].value,
                                 sizeof ctx->param->values[cmode].value);
    if (r < 0 && r != -EOPNOTSUPP)
        goto bad;
    ctx->param->values[cmode].present = true;
    return MNL_CB_OK;
bad:
    ctx->err = -EBADMSG;
    errno = EBADMSG;
    return MNL_CB_ERROR;
}

int oo_dl_parse_param(const struct nlmsghdr *nlh, struct oo_dl_param *out)
{
    const struct nlattr *tb[DL_MAX + 1], *ptb[PARAM_MAX + 1];
    struct param_values_ctx ctx = { out, 0 };

    memset(out, 0, sizeof *out);
    out->type = -1;
    if (parse_attrs(nlh, tb) < 0 || get_handle(tb, &out->handle) < 0 ||
        !tb[DEVLINK_ATTR_PARAM] ||
        oo_nla_parse_nested(tb[DEVLINK_ATTR_PARAM], param_policy, PARAM_MAX, ptb) < 0 ||
        !ptb[DEVLINK_ATTR_PARAM_NAME] ||
        !oo_strlcpy(out->name, mnl_attr_get_str(ptb[DEVLINK_ATTR_PARAM_NAME]), sizeof out->name))
        goto bad;
    out->generic = ptb[DEVLINK_ATTR_PARAM_GENERIC] != NULL;
    if (ptb[DEVLINK_ATTR_PARAM_TYPE])
        out->type = mnl_attr_get_u8(ptb[DEVLINK_ATTR_PARAM_TYPE]);
    if (ptb[DEVLINK_ATTR_PARAM_VALUES_LIST]) {
        /* Values cannot be read without their type. */
        if (out->type < 0 ||
            mnl_attr_parse_nested(ptb[DEVLINK_ATTR_PARAM_VALUES_LIST], param_value_cb, &ctx) != MNL_CB_OK ||
            ctx.err < 0)
            goto bad;
    }
    return 0;
bad:
    memset(out, 0, sizeof *out);
    out->type = -1;
    return -EBADMSG;
}

int oo_dl_parse_rate(const struct nlmsghdr *nlh, struct oo_dl_rate *out)
{
    const struct nlattr *tb[DL_MAX + 1];

    memset(out, 0, sizeof *out);
    out->type = -1;
    out->port_index = -1;
    if (parse_attrs(nlh, tb) < 0 || get_handle(tb, &out->handle) < 0 ||
        !tb[DEVLINK_ATTR_RATE_TYPE])
        goto bad;
    out->type = mnl_attr_get_u16(tb[DEVLINK_ATTR_RATE_TYPE]);
    if (tb[DEVLINK_ATTR_PORT_INDEX])
        out->port_index = mnl_attr_get_u32(tb[DEVLINK_ATTR_PORT_INDEX]);
    if ((tb[DEVLINK_ATTR_RATE_NODE_NAME] &&
         !oo_strlcpy(out->node_name, mnl_attr_get_str(tb[DEVLINK_ATTR_RATE_NODE_NAME]),
                     sizeof out->node_name)) ||
        (tb[DEVLINK_ATTR_RATE_PARENT_NODE_NAME] &&
         !oo_strlcpy(out->parent, mnl_attr_get_str(tb[DEVLINK_ATTR_RATE_PARENT_NODE_NAME]),
                     sizeof out->parent)))
        goto bad;
    /* A leaf is named by its port, a node by its name. */
    if ((out->type == DEVLINK_RATE_TYPE_LEAF && out->port_index < 0) ||
        (out->type == DEVLINK_RATE_TYPE_NODE && !out->node_name[0]))
        goto bad;
    if (tb[DEVLINK_ATTR_RATE_TX_SHARE])
        out->tx_share = mnl_attr_get_u64(tb[DEVLINK_ATTR_RATE_TX_SHARE]);
    if (tb[DEVLINK_ATTR_RATE_TX_MAX])
        out->tx_max = mnl_attr_get_u64(tb[DEVLINK_ATTR_RATE_TX_MAX]);
    return 0;
bad:
    memset(out, 0, sizeof *out);
    out->type = -1;
    out->port_index = -1;
    return -EBADMSG;
}

/* ------------------------------------------------------------ transactions */

int oo_dl_open(struct oo_dl *dl)
{
    int r;

    memset(dl, 0, sizeof *dl);
    r = oo_nl_open(&dl->nl, NETLINK_GENERIC);
    if (r < 0)
        return r;
    r = oo_genl_resolve(&dl->nl, DEVLINK_GENL_NAME, &dl->family);
    if (r < 0) {
        oo_nl_close(&dl->nl);
        return r;
    }
    return 0;
}

void oo_dl_close(struct oo_dl *dl)
{
    oo_nl_close(&dl->nl);
}

/* A growable array filled by a dump callback. */
struct collect {
    void *items;
    size_t n, cap, size;
    int (*parse)(const struct nlmsghdr *nlh, void *out);
};

static int collect_cb(const struct nlmsghdr *nlh, void *data)
{
    struct collect *c = data;

    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 16;
        c->items = oo_realloc(c->items, c->cap * c->size);
    }
    if (c->parse(nlh, (char *)c->items + c->n * c->size) < 0) {
        errno = EBADMSG;
        return MNL_CB_ERROR;
    }
    c->n++;
    return MNL_CB_OK;
}

static int dump(struct oo_dl *dl, struct nlmsghdr *nlh, struct collect *c,
                void **ret_items, size_t *ret_n)
{
    int r = oo_nl_transact(&dl->nl, nlh, collect_cb, c);

    if (r < 0) {
        free(c->items);
        *ret_items = NULL;
        *ret_n = 0;
        return r;
    }
    *ret_items = c->items;
    *ret_n = c->n;
    return 0;
}

static int parse_dev_any(const struct nlmsghdr *nlh, void *out) { return oo_dl_parse_dev(nlh, out); }
static int parse_port_any(const struct nlmsghdr *nlh, void *out) { return oo_dl_parse_port(nlh, out); }
static int parse_param_any(const struct nlmsghdr *nlh, void *out) { return oo_dl_parse_param(nlh, out); }
static int parse_rate_any(const struct nlmsghdr *nlh, void *out) { return oo_dl_parse_rate(nlh, out); }

int oo_dl_dump_devs(struct oo_dl *dl, struct oo_dl_handle **ret_devs, size_t *ret_n)
{
    char buf[OO_NL_MSG_SIZE];
    struct collect c = { .size = sizeof **ret_devs, .parse = parse_dev_any };
    void *items;
    int r = dump(dl, oo_dl_put_dev_dump(buf, dl->family.id), &c, &items, ret_n);

    *ret_devs = items;
    return r;
}

int oo_dl_dump_ports(struct oo_dl *dl, struct oo_dl_port **ret_ports, size_t *ret_n)
{
    char buf[OO_NL_MSG_SIZE];
    struct collect c = { .size = sizeof **ret_ports, .parse = parse_port_any };
    void *items;
    int r = dump(dl, oo_dl_put_port_dump(buf, dl->family.id), &c, &items, ret_n);

    *ret_ports = items;
    return r;
}

int oo_dl_dump_params(struct oo_dl *dl, struct oo_dl_param **ret_params, size_t *ret_n)
{
    char buf[OO_NL_MSG_SIZE];
    struct collect c = { .size = sizeof **ret_params, .parse = parse_param_any };
    void *items;
    int r = dump(dl, oo_dl_put_param_dump(buf, dl->family.id), &c, &items, ret_n);

    *ret_params = items;
    return r;
}

int oo_dl_dump_rates(struct oo_dl *dl, struct oo_dl_rate **ret_rates, size_t *ret_n)
{
    char buf[OO_NL_MSG_SIZE];
    struct collect c = { .size = sizeof **ret_rates, .parse = parse_rate_any };
    void *items;
    int r = dump(dl, oo_dl_put_rate_dump(buf, dl->family.id), &c, &items, ret_n);

    *ret_rates = items;
    /* Kernels before 5.14 have no DEVLINK_CMD_RATE_GET: no rates to see. */
    return r == -EOPNOTSUPP ? 0 : r;
}

static int eswitch_cb(const struct nlmsghdr *nlh, void *data)
{
    if (oo_dl_parse_eswitch(nlh, data) < 0) {
        errno = EBADMSG;
        return MNL_CB_ERROR;
    }
    return MNL_CB_OK;
}

int oo_dl_get_eswitch(struct oo_dl *dl, const struct oo_dl_handle *h, struct oo_dl_eswitch *out)
{
    char buf[OO_NL_MSG_SIZE];

    *out = (struct oo_dl_eswitch){ OO_ESWITCH_UNKNOWN, -1, -1 };
    return oo_nl_transact(&dl->nl, oo_dl_put_eswitch_get(buf, dl->family.id, h),
                          eswitch_cb, out);
}
