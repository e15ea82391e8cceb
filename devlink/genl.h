/* Generic netlink family resolution (nlctrl): pure encode/decode plus one
 * transaction. */
#ifndef OO_DEVLINK_GENL_H
#define OO_DEVLINK_GENL_H

#include <stdint.h>

#include "common/nlsock.h"

#define OO_GENL_MAX_GROUPS 8

struct oo_genl_family {
    uint16_t id;                    /* the family's message type */
    uint32_t version;               /* CTRL_ATTR_VERSION */
    uint32_t max_attr;              /* CTRL_ATTR_MAXATTR */
    unsigned n_groups;              /* multicast groups in groups[] */
    struct {
        char name[32];              /* e.g. "config" for devlink */
        uint32_t id;                /* group id to join */
    } groups[OO_GENL_MAX_GROUPS];
};

/* Pure: builds CTRL_CMD_GETFAMILY for `name` in buf (OO_NL_MSG_SIZE). */
struct nlmsghdr *oo_genl_put_getfamily(void *buf, const char *name);

/* Pure: decodes a CTRL_CMD_NEWFAMILY reply. Returns 0 or -EBADMSG. */
int oo_genl_parse_family(const struct nlmsghdr *nlh, struct oo_genl_family *out);

/* Resolves a family by name. Returns 0, -ENOENT if the kernel lacks it, or
 * another -errno. */
int oo_genl_resolve(struct oo_nl *nl, const char *name, struct oo_genl_family *out);

/* Returns the multicast group id named `name`, or -ENOENT. */
int64_t oo_genl_group_id(const struct oo_genl_family *fam, const char *name);

#endif
