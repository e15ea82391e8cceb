#include "devlink/write.h"

#include <errno.h>
#include <linux/devlink.h>
#include <linux/genetlink.h>
#include <stdlib.h>
#include <string.h>

static struct nlmsghdr *put_cmd(void *buf, uint16_t family, uint8_t cmd, const struct oo_dl_handle *h)
{
    struct nlmsghdr *nlh = oo_nl_put_header(buf);
    struct genlmsghdr *g;

    nlh->nlmsg_type = family;
    nlh->nlmsg_flags = NLM_F_REQUEST;
    g = mnl_nlmsg_put_extra_header(nlh, sizeof *g);
    g->cmd = cmd;
    g->version = DEVLINK_GENL_VERSION;
    mnl_attr_put_strz(nlh, DEVLINK_ATTR_BUS_NAME, h->bus);
    mnl_attr_put_strz(nlh, DEVLINK_ATTR_DEV_NAME, h->dev);
    return nlh;
}

struct nlmsghdr *oo_dl_put_eswitch_set(void *buf, uint16_t family, const struct oo_dl_handle *h,
                                       int mode, int inline_mode, int encap_mode)
{
    struct nlmsghdr *nlh = put_cmd(buf, family, DEVLINK_CMD_ESWITCH_SET, h);

    if (mode >= 0)
        mnl_attr_put_u16(nlh, DEVLINK_ATTR_ESWITCH_MODE, (uint16_t)mode);
    if (inline_mode >= 0)
        mnl_attr_put_u8(nlh, DEVLINK_ATTR_ESWITCH_INLINE_MODE, (uint8_t)inline_mode);
    if (encap_mode >= 0)
        mnl_attr_put_u8(nlh, DEVLINK_ATTR_ESWITCH_ENCAP_MODE, (uint8_t)encap_mode);
    return nlh;
}

struct nlmsghdr *oo_dl_put_param_set(void *buf, uint16_t family, const struct oo_dl_handle *h,
                                     const char *name, int type, int cmode, const char *value)
{
    struct nlmsghdr *nlh = put_cmd(buf, family, DEVLINK_CMD_PARAM_SET, h);
    uint64_t v;

    mnl_attr_put_strz(nlh, DEVLINK_ATTR_PARAM_NAME, name);
    mnl_attr_put_u8(nlh, DEVLINK_ATTR_PARAM_TYPE, (uint8_t)type);
    mnl_attr_put_u8(nlh, DEVLINK_ATTR_PARAM_VALUE_CMODE, (uint8_t)cmode);
    switch (type) {
    case OO_DL_PARAM_TYPE_U8:
    case OO_DL_PARAM_TYPE_U16:
    case OO_DL_PARAM_TYPE_U32:
    case OO_DL_PARAM_TYPE_U64:
        if (oo_dl_param_value_uint(type, value, &v))
            return NULL;
        if (type == OO_DL_PARAM_TYPE_U8)
            mnl_attr_put_u8(nlh, DEVLINK_ATTR_PARAM_VALUE_DATA, (uint8_t)v);
        else if (type == OO_DL_PARAM_TYPE_U16)
            mnl_attr_put_u16(nlh, DEVLINK_ATTR_PARAM_VALUE_DATA, (uint16_t)v);
        else if (type == OO_DL_PARAM_TYPE_U32)
            mnl_attr_put_u32(nlh, DEVLINK_ATTR_PARAM_VALUE_DATA, (uint32_t)v);
        else    /* kernels after 6.1 have u64 params; the attribute is an NLA_U64 */
            mnl_attr_put_u64(nlh, DEVLINK_ATTR_PARAM_VALUE_DATA, v);
        break;
    case OO_DL_PARAM_TYPE_STRING:
        mnl_attr_put_strz(nlh, DEVLINK_ATTR_PARAM_VALUE_DATA, value);
        break;
    case OO_DL_PARAM_TYPE_BOOL:
        /* A flag: present is true, absent is false. */
        if (!strcmp(value, "true"))
            mnl_attr_put(nlh, DEVLINK_ATTR_PARAM_VALUE_DATA, 0, NULL);
        else if (strcmp(value, "false"))
            return NULL;
        break;
    default:
        return NULL;
    }
    return nlh;
}

struct nlmsghdr *oo_dl_put_rate_set(void *buf, uint16_t family, const struct oo_dl_handle *h,
                                    uint32_t port_index, uint64_t tx_share, uint64_t tx_max)
{
    struct nlmsghdr *nlh = put_cmd(buf, family, DEVLINK_CMD_RATE_SET, h);

    mnl_attr_put_u32(nlh, DEVLINK_ATTR_PORT_INDEX, port_index);
    mnl_attr_put_u64(nlh, DEVLINK_ATTR_RATE_TX_SHARE, tx_share);
    mnl_attr_put_u64(nlh, DEVLINK_ATTR_RATE_TX_MAX, tx_max);
    return nlh;
}

int oo_dl_set_eswitch(struct oo_dl *dl, const struct oo_dl_handle *h, int mode, int inline_mode,
                      int encap_mode)
{
    char buf[OO_NL_MSG_SIZE];

    return oo_nl_transact(&dl->nl, oo_dl_put_eswitch_set(buf, dl->family.id, h, mode, inline_mode,
                                                         encap_mode), NULL, NULL);
}

int oo_dl_set_param(struct oo_dl *dl, const struct oo_dl_handle *h, const char *name, int type,
                    int cmode, const char *value)
{
    char buf[OO_NL_MSG_SIZE];
    struct nlmsghdr *nlh = oo_dl_put_param_set(buf, dl->family.id, h, name, type, cmode, value);

    if (!nlh) {
        dl->nl.extack[0] = '\0';
        return -EDOM;
    }
    return oo_nl_transact(&dl->nl, nlh, NULL, NULL);
}

int oo_dl_set_rate(struct oo_dl *dl, const struct oo_dl_handle *h, uint32_t port_index,
                   uint64_t tx_share, uint64_t tx_max)
{
    char buf[OO_NL_MSG_SIZE];

    return oo_nl_transact(&dl->nl, oo_dl_put_rate_set(buf, dl->family.id, h, port_index, tx_share,
                                                      tx_max), NULL, NULL);
}
