#include "common/nlattr.h"

#include <errno.h>
#include <string.h>

struct parse_ctx {
    const struct oo_nla_policy *policy;
    uint16_t max_type;
    const struct nlattr **tb;
};

static int attr_cb(const struct nlattr *attr, void *data)
{
    struct parse_ctx *ctx = data;
    uint16_t type = mnl_attr_get_type(attr);
    const struct oo_nla_policy *p;

    if (type > ctx->max_type)
        return MNL_CB_OK;
    p = &ctx->policy[type];
    if (p->type != MNL_TYPE_UNSPEC && mnl_attr_validate(attr, p->type) < 0)
        return MNL_CB_ERROR;
    if (p->min_len && mnl_attr_get_payload_len(attr) < p->min_len) {
        errno = EINVAL;
        return MNL_CB_ERROR;
    }
    ctx->tb[type] = attr;
    return MNL_CB_OK;
}

int oo_nla_parse(const struct nlmsghdr *nlh, size_t offset,
                 const struct oo_nla_policy *policy, uint16_t max_type,
                 const struct nlattr **tb)
{
    struct parse_ctx ctx = { policy, max_type, tb };

    memset(tb, 0, sizeof *tb * ((size_t)max_type + 1));
    if (mnl_nlmsg_get_payload_len(nlh) < offset)
        return -EBADMSG;
    if (mnl_attr_parse(nlh, (unsigned int)offset, attr_cb, &ctx) != MNL_CB_OK)
        return -EBADMSG;
    return 0;
}

int oo_nla_parse_nested(const struct nlattr *attr,
                        const struct oo_nla_policy *policy, uint16_t max_type,
                        const struct nlattr **tb)
{
    struct parse_ctx ctx = { policy, max_type, tb };

    memset(tb, 0, sizeof *tb * ((size_t)max_type + 1));
    if (mnl_attr_parse_nested(attr, attr_cb, &ctx) != MNL_CB_OK)
        return -EBADMSG;
    return 0;
}
