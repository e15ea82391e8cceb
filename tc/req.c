#include "tc/req.h"

#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <string.h>

static const char *const op_names[] = {
    [OO_TC_OP_DELETE] = "delete",
    [OO_TC_OP_REPLACE] = "replace",
    [OO_TC_OP_ADD] = "add",
};

const char *oo_tc_op_to_string(int op)
{
    return op >= 0 && op < OO_TC_OP_MAX ? op_names[op] : NULL;
}

int oo_tc_op_from_string(const char *s)
{
    for (int i = 0; s && i < OO_TC_OP_MAX; i++)
        if (!strcmp(op_names[i], s))
            return i;
    return -EINVAL;
}

struct nlmsghdr *oo_tc_put_req(void *buf, const struct oo_tc_req *req)
{
    struct oo_tc_filter f;
    uint16_t echo = req->echo ? NLM_F_ECHO : 0;

    if (!req->filter)
        return NULL;
    switch (req->op) {
    case OO_TC_OP_DELETE: {
        struct oo_tc_id id = req->filter->id;
        struct nlmsghdr *nlh;

        if (req->handle)
            id.handle = req->handle;
        nlh = oo_tc_put_delfilter(buf, &id);
        if (nlh)
            nlh->nlmsg_flags |= echo;
        return nlh;
    }
    case OO_TC_OP_REPLACE:
    case OO_TC_OP_ADD:
        if (!req->handle || req->handle == req->filter->id.handle)
            return oo_tc_put_newfilter(buf, req->filter,
                                       (uint16_t)(NLM_F_CREATE | echo |
                                                  (req->op == OO_TC_OP_ADD ? NLM_F_EXCL
                                                                           : NLM_F_REPLACE)));
        /* Another handle than the filter's: write a copy that has it. */
        f = *req->filter;
        f.id.handle = req->handle;
        return oo_tc_put_newfilter(buf, &f,
                                   (uint16_t)(NLM_F_CREATE | echo |
                                              (req->op == OO_TC_OP_ADD ? NLM_F_EXCL
                                                                       : NLM_F_REPLACE)));
    default:
        return NULL;
    }
}

int oo_tc_batch_answer(const struct nlmsghdr *h, uint32_t portid, uint32_t seq0,
                       const struct oo_tc_req *reqs, size_t n, struct oo_tc_result *results)
{
    uint32_t i = h->nlmsg_seq - seq0;   /* wraps for numbers before seq0 */
    const struct oo_tc_req *req;
    struct oo_tc_result *res;
    struct oo_tc_filter echo;
    int r;

    if (h->nlmsg_pid != portid || i >= n)
        return -1;
    req = &reqs[i];
    res = &results[i];
    switch (h->nlmsg_type) {
    case NLMSG_ERROR:
        r = oo_nl_parse_error(h, res->extack, sizeof res->extack);
        res->error = r == -EBADMSG ? -EPROTO : r;
        return (int)i;
    case RTM_NEWTFILTER:
    case RTM_DELTFILTER:
        if (oo_tc_parse_filter(h, &echo) < 0) {
            res->verified = 0;
            return -1;
        }
        res->handle = echo.id.handle;
        if (!req->filter)
            res->verified = 0;
        else if (req->op == OO_TC_OP_DELETE)
            res->verified = h->nlmsg_type == RTM_DELTFILTER &&
                            echo.id.handle == (req->handle ? req->handle : req->filter->id.handle);
        else
            res->verified = h->nlmsg_type == RTM_NEWTFILTER &&
                            oo_tc_filter_equal(req->filter, &echo) &&
                            (!req->handle || req->handle == echo.id.handle);
        return -1;
    default:
        return -1;
    }
}
