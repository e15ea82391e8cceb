/* Policy-table attribute parsing with libmnl's types and rules (its checks,
 * not its per-attribute calls: tests/unit/test_nlattr.c holds the two
 * equal): the output table is zeroed first, attributes above the table's
 * size are skipped (newer kernels add attributes; we must not fail on
 * them), known ones are validated. */
#ifndef OO_COMMON_NLATTR_H
#define OO_COMMON_NLATTR_H

#include <libmnl/libmnl.h>
#include <stddef.h>
#include <stdint.h>

struct oo_nla_policy {
    enum mnl_attr_data_type type;   /* MNL_TYPE_UNSPEC: accepted as is */
    uint16_t min_len;               /* for MNL_TYPE_BINARY: minimum payload */
};

/* Parses the attributes that follow `offset` bytes of nlh's payload into
 * tb[0..max_type] by the policy (which has max_type + 1 entries). Returns 0,
 * or -EBADMSG when a known attribute is malformed. */
int oo_nla_parse(const struct nlmsghdr *nlh, size_t offset,
                 const struct oo_nla_policy *policy, uint16_t max_type,
                 const struct nlattr **tb);

/* The same for the attributes nested inside attr. */
int oo_nla_parse_nested(const struct nlattr *attr,
                        const struct oo_nla_policy *policy, uint16_t max_type,
                        const struct nlattr **tb);

#endif
