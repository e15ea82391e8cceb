#include "common/nlattr.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

/* The checks of libmnl's mnl_attr_validate(), without its calls: a dump of
 * 10 000 filters is ~25 attributes each, and mnl_attr_parse()'s callback
 * and per-attribute library calls were 40% of decoding it (callgrind). */
static bool attr_valid(const struct nlattr *a, const struct oo_nla_policy *p)
{
    size_t len = (size_t)a->nla_len - NLA_HDRLEN;
    const char *data = (const char *)a + NLA_HDRLEN;

    switch (p->type) {
    case MNL_TYPE_UNSPEC:
    case MNL_TYPE_BINARY:
    case MNL_TYPE_NESTED_COMPAT:
        break;
    case MNL_TYPE_U8:
        if (len != 1)
            return false;
        break;
    case MNL_TYPE_U16:
        if (len != 2)
            return false;
        break;
    case MNL_TYPE_U32:
        if (len != 4)
            return false;
        break;
    case MNL_TYPE_U64:
    case MNL_TYPE_MSECS:
        if (len != 8)
            return false;
        break;
    case MNL_TYPE_FLAG:
        if (len)
            return false;
        break;
    case MNL_TYPE_STRING:
        if (!len)
            return false;
        break;
    case MNL_TYPE_NUL_STRING:
        if (!len || data[len - 1])
            return false;
        break;
    case MNL_TYPE_NESTED:
        /* empty, or at least one attribute header */
        if (len && len < NLA_HDRLEN)
            return false;
        break;
    default:
        return false;
    }
    return len >= p->min_len;
}

/* The attributes in [start, start + len): a truncated last one ends the
 * walk, as with libmnl's mnl_attr_ok(). */
static int parse_attrs(const void *start, size_t len, const struct oo_nla_policy *policy,
                       uint16_t max_type, const struct nlattr **tb)
{
    const struct nlattr *a = start;

    memset(tb, 0, sizeof *tb * ((size_t)max_type + 1));
    while (oo_nla_ok(a, (ptrdiff_t)len)) {
        uint16_t type = oo_nla_type(a);
        size_t step = NLA_ALIGN(a->nla_len);

        if (type <= max_type) {
            if (!attr_valid(a, &policy[type]))
                return -EBADMSG;
            tb[type] = a;
        }
        if (step >= len)
            break;
        len -= step;
        a = (const struct nlattr *)((const char *)a + step);
    }
    return 0;
}

int oo_nla_parse(const struct nlmsghdr *nlh, size_t offset,
                 const struct oo_nla_policy *policy, uint16_t max_type,
                 const struct nlattr **tb)
{
    size_t payload = nlh->nlmsg_len >= NLMSG_HDRLEN ? nlh->nlmsg_len - NLMSG_HDRLEN : 0;

    if (payload < offset) {
        memset(tb, 0, sizeof *tb * ((size_t)max_type + 1));
        return -EBADMSG;
    }
    offset = NLMSG_ALIGN(offset);
    return parse_attrs((const char *)nlh + NLMSG_HDRLEN + offset,
                       payload > offset ? payload - offset : 0, policy, max_type, tb);
}

int oo_nla_parse_buf(const void *start, size_t len,
                     const struct oo_nla_policy *policy, uint16_t max_type,
                     const struct nlattr **tb)
{
    return parse_attrs(start, len, policy, max_type, tb);
}

int oo_nla_parse_nested(const struct nlattr *attr,
                        const struct oo_nla_policy *policy, uint16_t max_type,
                        const struct nlattr **tb)
{
    return parse_attrs((const char *)attr + NLA_HDRLEN,
                       attr->nla_len >= NLA_HDRLEN ? (size_t)attr->nla_len - NLA_HDRLEN : 0,
                       policy, max_type, tb);
}
