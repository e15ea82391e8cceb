/* Policy-table attribute parsing with libmnl's types and rules (its checks,
 * not its per-attribute calls: tests/unit/test_nlattr.c holds the two
 * equal): the output table is zeroed first, attributes above the table's
 * size are skipped (newer kernels add attributes; we must not fail on
 * them), known ones are validated. */
#ifndef OO_COMMON_NLATTR_H
#define OO_COMMON_NLATTR_H

#include <libmnl/libmnl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

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

/* The same for the attributes in [start, start + len). */
int oo_nla_parse_buf(const void *start, size_t len,
                     const struct oo_nla_policy *policy, uint16_t max_type,
                     const struct nlattr **tb);

/* The same for the attributes nested inside attr. */
int oo_nla_parse_nested(const struct nlattr *attr,
                        const struct oo_nla_policy *policy, uint16_t max_type,
                        const struct nlattr **tb);

/* libmnl's accessors, inline: the tc decoder reads ~25 attributes per
 * filter, and libmnl's are calls through the PLT (~5% of a daemon pass at
 * 10 000 filters, perf). Same results as mnl_attr_get_*(), on attributes
 * that oo_nla_parse*() validated (or, for the walk, that mnl_attr_ok()
 * would accept). */
static inline uint16_t oo_nla_type(const struct nlattr *a)
{
    return a->nla_type & NLA_TYPE_MASK;
}

static inline uint16_t oo_nla_len(const struct nlattr *a)
{
    return (uint16_t)(a->nla_len - MNL_ATTR_HDRLEN);
}

static inline const void *oo_nla_data(const struct nlattr *a)
{
    return (const char *)a + MNL_ATTR_HDRLEN;
}

static inline const char *oo_nla_str(const struct nlattr *a)
{
    return (const char *)oo_nla_data(a);
}

static inline uint8_t oo_nla_u8(const struct nlattr *a)
{
    return *(const uint8_t *)oo_nla_data(a);
}

static inline uint16_t oo_nla_u16(const struct nlattr *a)
{
    uint16_t v;

    memcpy(&v, oo_nla_data(a), sizeof v);
    return v;
}

static inline uint32_t oo_nla_u32(const struct nlattr *a)
{
    uint32_t v;

    memcpy(&v, oo_nla_data(a), sizeof v);
    return v;
}

static inline uint64_t oo_nla_u64(const struct nlattr *a)
{
    uint64_t v;

    memcpy(&v, oo_nla_data(a), sizeof v);
    return v;
}

/* mnl_attr_ok(): a whole attribute header, and the attribute, in len bytes. */
static inline bool oo_nla_ok(const struct nlattr *a, ptrdiff_t len)
{
    return len >= (ptrdiff_t)sizeof(struct nlattr) && a->nla_len >= sizeof(struct nlattr) &&
           (ptrdiff_t)a->nla_len <= len;
}

static inline const struct nlattr *oo_nla_next(const struct nlattr *a)
{
    return (const struct nlattr *)((const char *)a + MNL_ALIGN(a->nla_len));
}

/* mnl_attr_for_each_nested(), with the accessors above. */
#define oo_nla_for_each_nested(pos, nest)                                                  \
    for ((pos) = (const struct nlattr *)oo_nla_data(nest);                                 \
         oo_nla_ok((pos), (const char *)oo_nla_data(nest) + oo_nla_len(nest) - (const char *)(pos)); \
         (pos) = oo_nla_next(pos))

#endif
