#include "devlink/genl.h"

#include <errno.h>
#include <linux/genetlink.h>
#include <string.h>

#include "common/nlattr.h"
#include "common/util.h"

struct nlmsghdr *oo_genl_put_getfamily(void *buf, const char *name)
{
    struct nlmsghdr *nlh = oo_nl_put_header(buf);
    struct genlmsghdr *g;

    nlh->nlmsg_type = GENL_ID_CTRL;
    nlh->nlmsg_flags = NLM_F_REQUEST;
    g = mnl_nlmsg_put_extra_header(nlh, sizeof *g);
    g->cmd = CTRL_CMD_GETFAMILY;
    g->version = 1;
    mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, name);
    return nlh;
}

static const struct oo_nla_policy ctrl_policy[CTRL_ATTR_MAX + 1] = {
    [CTRL_ATTR_FAMILY_ID] = { MNL_TYPE_U16 },
    [CTRL_ATTR_FAMILY_NAME] = { MNL_TYPE_NUL_STRING },
    [CTRL_ATTR_VERSION] = { MNL_TYPE_U32 },
    [CTRL_ATTR_MAXATTR] = { MNL_TYPE_U32 },
    [CTRL_ATTR_MCAST_GROUPS] = { MNL_TYPE_NESTED },
};

static const struct oo_nla_policy grp_policy[CTRL_ATTR_MCAST_GRP_MAX + 1] = {
    [CTRL_ATTR_MCAST_GRP_NAME] = { MNL_TYPE_NUL_STRING },
    [CTRL_ATTR_MCAST_GRP_ID] = { MNL_TYPE_U32 },
};

int oo_genl_parse_family(const struct nlmsghdr *nlh, struct oo_genl_family *out)
{
    const struct nlattr *tb[CTRL_ATTR_MAX + 1];
    const struct nlattr *grp;

    memset(out, 0, sizeof *out);
    if (oo_nla_parse(nlh, GENL_HDRLEN, ctrl_policy, CTRL_ATTR_MAX, tb) < 0 ||
        !tb[CTRL_ATTR_FAMILY_ID])
        return -EBADMSG;
    out->id = mnl_attr_get_u16(tb[CTRL_ATTR_FAMILY_ID]);
    if (tb[CTRL_ATTR_VERSION])
        out->version = mnl_attr_get_u32(tb[CTRL_ATTR_VERSION]);
    if (tb[CTRL_ATTR_MAXATTR])
        out->max_attr = mnl_attr_get_u32(tb[CTRL_ATTR_MAXATTR]);
    if (!tb[CTRL_ATTR_MCAST_GROUPS])
        return 0;
    mnl_attr_for_each_nested(grp, tb[CTRL_ATTR_MCAST_GROUPS]) {
        const struct nlattr *gtb[CTRL_ATTR_MCAST_GRP_MAX + 1];

        if (out->n_groups == OO_GENL_MAX_GROUPS)
            break;
        if (oo_nla_parse_nested(grp, grp_policy, CTRL_ATTR_MCAST_GRP_MAX, gtb) < 0)
            return -EBADMSG;
        if (!gtb[CTRL_ATTR_MCAST_GRP_NAME] || !gtb[CTRL_ATTR_MCAST_GRP_ID])
            continue;
        oo_strlcpy(out->groups[out->n_groups].name,
                   mnl_attr_get_str(gtb[CTRL_ATTR_MCAST_GRP_NAME]),
                   sizeof out->groups[0].name);
        out->groups[out->n_groups].id = mnl_attr_get_u32(gtb[CTRL_ATTR_MCAST_GRP_ID]);
        out->n_groups++;
    }
    return 0;
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
    if (oo_genl_parse_family(nlh, data) < 0) {
        errno = EBADMSG;
        return MNL_CB_ERROR;
    }
    return MNL_CB_OK;
}

int oo_genl_resolve(struct oo_nl *nl, const char *name, struct oo_genl_family *out)
{
    char buf[OO_NL_MSG_SIZE];
    struct nlmsghdr *nlh = oo_genl_put_getfamily(buf, name);

    memset(out, 0, sizeof *out);
    int r = oo_nl_transact(nl, nlh, family_cb, out);
    if (r < 0)
        return r;
    return out->id ? 0 : -ENOENT;
}

int64_t oo_genl_group_id(const struct oo_genl_family *fam, const char *name)
{
    for (unsigned i = 0; i < fam->n_groups; i++)
        if (!strcmp(fam->groups[i].name, name))
            return fam->groups[i].id;
    return -ENOENT;
}
