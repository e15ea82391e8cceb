#include "link/link.h"

#include <errno.h>
#include <sys/socket.h>          /* AF_INET6 */
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/ipv6.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>

#include "common/nlattr.h"
#include "common/util.h"

struct nlmsghdr *oo_link_put_dump(void *buf)
{
    struct nlmsghdr *nlh = oo_nl_put_header(buf);
    struct ifinfomsg *ifi;

    nlh->nlmsg_type = RTM_GETLINK;
    nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    ifi = mnl_nlmsg_put_extra_header(nlh, sizeof *ifi);
    ifi->ifi_family = AF_UNSPEC;
    mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_VF | RTEXT_FILTER_SKIP_STATS);
    return nlh;
}

struct nlmsghdr *oo_link_put_get(void *buf, const char *name)
{
    struct nlmsghdr *nlh = oo_nl_put_header(buf);
    struct ifinfomsg *ifi;

    nlh->nlmsg_type = RTM_GETLINK;
    nlh->nlmsg_flags = NLM_F_REQUEST;
    ifi = mnl_nlmsg_put_extra_header(nlh, sizeof *ifi);
    ifi->ifi_family = AF_UNSPEC;
    mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
    mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
    return nlh;
}

#define LINK_MAX IFLA_PROP_LIST  /* the last attribute we read is below it */

static const struct oo_nla_policy link_policy[LINK_MAX + 1] = {
    [IFLA_IFNAME] = { MNL_TYPE_NUL_STRING },
    [IFLA_MASTER] = { MNL_TYPE_U32 },
    [IFLA_IFALIAS] = { MNL_TYPE_NUL_STRING },
    [IFLA_LINKINFO] = { MNL_TYPE_NESTED },
    [IFLA_NUM_VF] = { MNL_TYPE_U32 },
    [IFLA_VFINFO_LIST] = { MNL_TYPE_NESTED },
    [IFLA_PHYS_PORT_NAME] = { MNL_TYPE_NUL_STRING },
    [IFLA_PHYS_SWITCH_ID] = { MNL_TYPE_BINARY },
    [IFLA_AF_SPEC] = { MNL_TYPE_NESTED },
};

static const struct oo_nla_policy info_policy[IFLA_INFO_MAX + 1] = {
    [IFLA_INFO_KIND] = { MNL_TYPE_NUL_STRING },
    [IFLA_INFO_DATA] = { MNL_TYPE_NESTED },
    [IFLA_INFO_SLAVE_KIND] = { MNL_TYPE_NUL_STRING },
};

#define BOND_MAX IFLA_BOND_AD_LACP_RATE
static const struct oo_nla_policy bond_policy[BOND_MAX + 1] = {
    [IFLA_BOND_MODE] = { MNL_TYPE_U8 },
    [IFLA_BOND_ACTIVE_SLAVE] = { MNL_TYPE_U32 },
    [IFLA_BOND_MIIMON] = { MNL_TYPE_U32 },
    [IFLA_BOND_PRIMARY] = { MNL_TYPE_U32 },
    [IFLA_BOND_XMIT_HASH_POLICY] = { MNL_TYPE_U8 },
    [IFLA_BOND_AD_LACP_RATE] = { MNL_TYPE_U8 },
};

#define VF_MAX IFLA_VF_TRUST
static const struct oo_nla_policy vf_policy[VF_MAX + 1] = {
    [IFLA_VF_MAC] = { MNL_TYPE_BINARY, sizeof(struct ifla_vf_mac) },
    [IFLA_VF_VLAN] = { MNL_TYPE_BINARY, sizeof(struct ifla_vf_vlan) },
    [IFLA_VF_SPOOFCHK] = { MNL_TYPE_BINARY, sizeof(struct ifla_vf_spoofchk) },
    [IFLA_VF_LINK_STATE] = { MNL_TYPE_BINARY, sizeof(struct ifla_vf_link_state) },
    [IFLA_VF_RATE] = { MNL_TYPE_BINARY, sizeof(struct ifla_vf_rate) },
    [IFLA_VF_TRUST] = { MNL_TYPE_BINARY, sizeof(struct ifla_vf_trust) },
};

static int get_str(const struct nlattr *a, char *dst, size_t size)
{
    return !a || oo_strlcpy(dst, mnl_attr_get_str(a), size) ? 0 : -EBADMSG;
}

/* The kernel reports "not supported" settings as (u32)-1. */
static int opt_setting(const struct nlattr *a, size_t off)
{
    uint32_t v;

    if (!a)
        return -1;
    memcpy(&v, (const char *)mnl_attr_get_payload(a) + off, sizeof v);
    return v == UINT32_MAX ? -1 : (int)v;
}

static int parse_vf(const struct nlattr *attr, struct oo_link_vf *vf)
{
    const struct nlattr *tb[VF_MAX + 1];

    if (oo_nla_parse_nested(attr, vf_policy, VF_MAX, tb) < 0 || !tb[IFLA_VF_MAC])
        return -EBADMSG;
    const struct ifla_vf_mac *mac = mnl_attr_get_payload(tb[IFLA_VF_MAC]);
    *vf = (struct oo_link_vf){ .id = mac->vf, .spoofchk = -1, .trust = -1, .link_state = -1 };
    memcpy(vf->mac, mac->mac, sizeof vf->mac);
    if (tb[IFLA_VF_VLAN]) {
        const struct ifla_vf_vlan *v = mnl_attr_get_payload(tb[IFLA_VF_VLAN]);
        vf->vlan = v->vlan;
        vf->qos = v->qos;
    }
    vf->spoofchk = opt_setting(tb[IFLA_VF_SPOOFCHK], offsetof(struct ifla_vf_spoofchk, setting));
    vf->trust = opt_setting(tb[IFLA_VF_TRUST], offsetof(struct ifla_vf_trust, setting));
    vf->link_state = opt_setting(tb[IFLA_VF_LINK_STATE], offsetof(struct ifla_vf_link_state, link_state));
    if (tb[IFLA_VF_RATE]) {
        const struct ifla_vf_rate *r = mnl_attr_get_payload(tb[IFLA_VF_RATE]);
        vf->min_tx_rate = r->min_tx_rate;
        vf->max_tx_rate = r->max_tx_rate;
    }
    return 0;
}

static int parse_bond(const struct nlattr *data, struct oo_link_bond *b)
{
    const struct nlattr *tb[BOND_MAX + 1];

    if (oo_nla_parse_nested(data, bond_policy, BOND_MAX, tb) < 0)
        return -EBADMSG;
    b->mode = tb[IFLA_BOND_MODE] ? mnl_attr_get_u8(tb[IFLA_BOND_MODE]) : -1;
    b->miimon = tb[IFLA_BOND_MIIMON] ? (int64_t)mnl_attr_get_u32(tb[IFLA_BOND_MIIMON]) : -1;
    b->xmit_hash_policy = tb[IFLA_BOND_XMIT_HASH_POLICY]
                              ? mnl_attr_get_u8(tb[IFLA_BOND_XMIT_HASH_POLICY]) : -1;
    b->lacp_rate = tb[IFLA_BOND_AD_LACP_RATE] ? mnl_attr_get_u8(tb[IFLA_BOND_AD_LACP_RATE]) : -1;
    b->primary = tb[IFLA_BOND_PRIMARY] ? mnl_attr_get_u32(tb[IFLA_BOND_PRIMARY]) : 0;
    b->active_slave = tb[IFLA_BOND_ACTIVE_SLAVE] ? mnl_attr_get_u32(tb[IFLA_BOND_ACTIVE_SLAVE]) : 0;
    return 0;
}

static int parse_linkinfo(const struct nlattr *attr, struct oo_link *out)
{
    const struct nlattr *tb[IFLA_INFO_MAX + 1];

    if (oo_nla_parse_nested(attr, info_policy, IFLA_INFO_MAX, tb) < 0 ||
        get_str(tb[IFLA_INFO_KIND], out->kind, sizeof out->kind) < 0 ||
        get_str(tb[IFLA_INFO_SLAVE_KIND], out->slave_kind, sizeof out->slave_kind) < 0)
        return -EBADMSG;
    if (!strcmp(out->kind, "bond") && tb[IFLA_INFO_DATA])
        return parse_bond(tb[IFLA_INFO_DATA], &out->bond);
    return 0;
}

/* Linux keeps a nest's length in 16 bits and, up to 6.1 at least, does not
 * check it: a PF whose VF list passes 64 KiB (~330 VFs at ~196 bytes each)
 * reports the list's length modulo 64 KiB, and a reader that trusts it reads
 * the attributes after the list (IFLA_LINKINFO among them) from inside it.
 * Walks the top-level attributes in [start, start + len) to IFLA_VFINFO_LIST
 * and returns the list's true length when it wrapped, 0 otherwise: as many
 * IFLA_VF_INFO entries as IFLA_NUM_VF (which the kernel puts just before the
 * list) says, each whole within the message, ending where the reported
 * length says, modulo 64 KiB. */
static size_t wrapped_vfinfo(const char *start, size_t len, const struct nlattr **ret_list)
{
    const char *end = start + len;
    const struct nlattr *a = (const struct nlattr *)start;
    int64_t num_vf = -1;

    while (end - (const char *)a >= NLA_HDRLEN) {
        uint16_t type = oo_nla_type(a);

        if (type == IFLA_VFINFO_LIST) {
            /* Not oo_nla_ok(): a list of exactly 64 KiB reports 0. */
            const char *p = oo_nla_data(a);
            size_t true_len;

            for (int64_t i = 0; i < num_vf; i++) {
                const struct nlattr *e = (const struct nlattr *)p;

                if (!oo_nla_ok(e, end - p) || oo_nla_type(e) != IFLA_VF_INFO)
                    return 0;
                p += NLA_ALIGN(e->nla_len);
            }
            true_len = (size_t)(p - (const char *)a);
            if (p > end || true_len <= UINT16_MAX || (true_len & UINT16_MAX) != a->nla_len)
                return 0;
            *ret_list = a;
            return true_len;
        }
        if (!oo_nla_ok(a, end - (const char *)a))
            break;
        if (type == IFLA_NUM_VF && oo_nla_len(a) == sizeof(uint32_t))
            num_vf = oo_nla_u32(a);
        a = oo_nla_next(a);
    }
    return 0;
}

/* The attributes of a link whose VF list wrapped: those before the list and
 * those after its true end, list_len bytes from it. */
static int parse_around(const char *start, size_t len, const struct nlattr *list,
                        size_t list_len, const struct nlattr **tb)
{
    const struct nlattr *after[LINK_MAX + 1];
    const char *rest = (const char *)list + list_len;

    if (oo_nla_parse_buf(start, (size_t)((const char *)list - start), link_policy, LINK_MAX, tb) < 0 ||
        oo_nla_parse_buf(rest, (size_t)(start + len - rest), link_policy, LINK_MAX, after) < 0)
        return -EBADMSG;
    for (size_t t = 0; t <= LINK_MAX; t++)
        if (after[t])
            tb[t] = after[t];
    tb[IFLA_VFINFO_LIST] = list;
    return 0;
}

/* IFLA_AF_SPEC: one nest per address family; AF_INET6's holds the
 * device's IPv6 sysctls as an array of s32 indexed by DEVCONF_*. */
static void parse_af_spec(const struct nlattr *spec, struct oo_link *out)
{
    const struct nlattr *af, *a;

    oo_nla_for_each_nested(af, spec) {
        if (oo_nla_type(af) != AF_INET6)
            continue;
        oo_nla_for_each_nested(a, af) {
            int32_t v;

            if (oo_nla_type(a) != IFLA_INET6_CONF)
                continue;
            if (oo_nla_len(a) < (DEVCONF_DISABLE_IPV6 + 1) * sizeof v)
                continue;       /* not reported: a setting, not a reason to lose the dump */
            memcpy(&v, (const char *)oo_nla_data(a) + DEVCONF_DISABLE_IPV6 * sizeof v, sizeof v);
            out->ipv6_disabled = v > 0;
        }
    }
}

int oo_link_parse(const struct nlmsghdr *nlh, struct oo_link *out)
{
    const struct nlattr *tb[LINK_MAX + 1];
    const struct ifinfomsg *ifi;
    const struct nlattr *list = NULL;
    size_t cap = 0, list_len = 0;
    int r;

    memset(out, 0, sizeof *out);
    out->num_vf = -1;
    out->ipv6_disabled = -1;
    out->bond = (struct oo_link_bond){ -1, -1, -1, -1, 0, 0 };
    if (nlh->nlmsg_type != RTM_NEWLINK || mnl_nlmsg_get_payload_len(nlh) < sizeof *ifi)
        return -EBADMSG;
    r = oo_nla_parse(nlh, sizeof *ifi, link_policy, LINK_MAX, tb);
    if (r < 0 || (tb[IFLA_NUM_VF] && mnl_attr_get_u32(tb[IFLA_NUM_VF]))) {
        const char *attrs = (const char *)mnl_nlmsg_get_payload_offset(nlh, sizeof *ifi);
        size_t len = (size_t)((const char *)nlh + nlh->nlmsg_len - attrs);

        list_len = wrapped_vfinfo(attrs, len, &list);
        if (list_len)
            r = parse_around(attrs, len, list, list_len, tb);
    }
    if (r < 0)
        return -EBADMSG;
    ifi = mnl_nlmsg_get_payload(nlh);
    out->ifindex = (uint32_t)ifi->ifi_index;
    out->up = ifi->ifi_flags & IFF_UP;
    out->lower_up = ifi->ifi_flags & IFF_LOWER_UP;
    if (!tb[IFLA_IFNAME] ||
        get_str(tb[IFLA_IFNAME], out->name, sizeof out->name) < 0 ||
        get_str(tb[IFLA_IFALIAS], out->alias, sizeof out->alias) < 0 ||
        get_str(tb[IFLA_PHYS_PORT_NAME], out->phys_port_name, sizeof out->phys_port_name) < 0)
        goto bad;
    if (tb[IFLA_MASTER])
        out->master = mnl_attr_get_u32(tb[IFLA_MASTER]);
    if (tb[IFLA_NUM_VF])
        out->num_vf = mnl_attr_get_u32(tb[IFLA_NUM_VF]);
    if (tb[IFLA_PHYS_SWITCH_ID]) {
        uint16_t len = mnl_attr_get_payload_len(tb[IFLA_PHYS_SWITCH_ID]);
        if (len > sizeof out->switch_id)
            goto bad;
        memcpy(out->switch_id, mnl_attr_get_payload(tb[IFLA_PHYS_SWITCH_ID]), len);
        out->switch_id_len = (uint8_t)len;
    }
    if (tb[IFLA_LINKINFO] && parse_linkinfo(tb[IFLA_LINKINFO], out) < 0)
        goto bad;
    if (tb[IFLA_AF_SPEC])
        parse_af_spec(tb[IFLA_AF_SPEC], out);
    if (tb[IFLA_VFINFO_LIST]) {
        const struct nlattr *v = tb[IFLA_VFINFO_LIST], *vf;
        const char *end = (const char *)v + (list_len ? list_len : v->nla_len);

        for (vf = oo_nla_data(v); oo_nla_ok(vf, end - (const char *)vf); vf = oo_nla_next(vf)) {
            if (oo_nla_type(vf) != IFLA_VF_INFO)
                continue;
            if (out->n_vfs == cap) {
                cap = cap ? 2 * cap : 8;
                out->vfs = oo_realloc(out->vfs, cap * sizeof *out->vfs);
            }
            if (parse_vf(vf, &out->vfs[out->n_vfs]) < 0)
                goto bad;
            out->n_vfs++;
        }
    }
    return 0;
bad:
    oo_link_clear(out);
    return -EBADMSG;
}

void oo_link_clear(struct oo_link *link)
{
    free(link->vfs);
    link->vfs = NULL;
    link->n_vfs = 0;
}

struct dump_ctx {
    struct oo_link *links;
    size_t n, cap;
};

static int dump_cb(const struct nlmsghdr *nlh, void *data)
{
    struct dump_ctx *c = data;

    if (c->n == c->cap) {
        c->cap = c->cap ? 2 * c->cap : 32;
        c->links = oo_realloc(c->links, c->cap * sizeof *c->links);
    }
    if (oo_link_parse(nlh, &c->links[c->n]) < 0) {
        errno = EBADMSG;
        return MNL_CB_ERROR;
    }
    c->n++;
    return MNL_CB_OK;
}

static int by_ifindex(const void *a, const void *b)
{
    uint32_t x = ((const struct oo_link *)a)->ifindex, y = ((const struct oo_link *)b)->ifindex;

    return (x > y) - (x < y);
}

struct get_ctx {
    struct oo_link *out;
    int got;                        /* 1 parsed, -EBADMSG refused */
};

static int get_cb(const struct nlmsghdr *nlh, void *data)
{
    struct get_ctx *g = data;

    if (g->got)
        return MNL_CB_OK;
    g->got = oo_link_parse(nlh, g->out) < 0 ? -EBADMSG : 1;
    return MNL_CB_OK;
}

int oo_link_get(struct oo_nl *nl, const char *name, struct oo_link *out)
{
    char buf[OO_NL_MSG_SIZE];
    struct get_ctx g = { .out = out };
    int r;

    memset(out, 0, sizeof *out);
    r = oo_nl_transact(nl, oo_link_put_get(buf, name), get_cb, &g);
    if (r == -EMSGSIZE && !g.got)   /* larger than the buffer, which has grown to hold it */
        r = oo_nl_transact(nl, oo_link_put_get(buf, name), get_cb, &g);
    if (r < 0 || g.got <= 0) {
        if (g.got > 0)
            oo_link_clear(out);
        return r < 0 ? r : g.got < 0 ? -EBADMSG : -ENODEV;
    }
    return 0;
}

int oo_link_dump(struct oo_nl *nl, struct oo_link **ret_links, size_t *ret_n)
{
    char buf[OO_NL_MSG_SIZE];
    struct dump_ctx c = { 0 };
    int r = oo_nl_transact(nl, oo_link_put_dump(buf), dump_cb, &c);

    /* A link message larger than the socket's buffer (a PF with hundreds of
     * VFs) is lost; the buffer has grown to hold it, so the dump starts over.
     * Twice more, for VFs that appear meanwhile. */
    for (int again = 0; r == -EMSGSIZE && again < 2; again++) {
        oo_links_free(c.links, c.n);
        c = (struct dump_ctx){ 0 };
        r = oo_nl_transact(nl, oo_link_put_dump(buf), dump_cb, &c);
    }
    if (r < 0) {
        oo_links_free(c.links, c.n);
        *ret_links = NULL;
        *ret_n = 0;
        return r;
    }
    qsort(c.links, c.n, sizeof *c.links, by_ifindex);
    *ret_links = c.links;
    *ret_n = c.n;
    return 0;
}

void oo_links_free(struct oo_link *links, size_t n)
{
    for (size_t i = 0; i < n; i++)
        oo_link_clear(&links[i]);
    free(links);
}

const struct oo_link *oo_link_by_index(const struct oo_link *links, size_t n, uint32_t ifindex)
{
    struct oo_link key = { .ifindex = ifindex };

    return bsearch(&key, links, n, sizeof *links, by_ifindex);
}

const struct oo_link *oo_link_by_name(const struct oo_link *links, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(links[i].name, name))
            return &links[i];
    return NULL;
}

static int by_name(const void *a_, const void *b_)
{
    const struct oo_link *const *a = a_, *const *b = b_;

    return strcmp((*a)->name, (*b)->name);
}

void oo_link_index_init(struct oo_link_index *ix, const struct oo_link *links, size_t n)
{
    ix->by_name = oo_calloc(n + 1, sizeof *ix->by_name);
    ix->n = n;
    for (size_t i = 0; i < n; i++)
        ix->by_name[i] = &links[i];
    qsort(ix->by_name, n, sizeof *ix->by_name, by_name);
}

void oo_link_index_free(struct oo_link_index *ix)
{
    free(ix->by_name);
    ix->by_name = NULL;
    ix->n = 0;
}

static int name_key(const void *key, const void *elem)
{
    const struct oo_link *const *l = elem;

    return strcmp(key, (*l)->name);
}

const struct oo_link *oo_link_index_find(const struct oo_link_index *ix, const char *name)
{
    const struct oo_link *const *l;

    if (!ix->n)
        return NULL;    /* by_name may be NULL (freed) */
    l = bsearch(name, ix->by_name, ix->n, sizeof *ix->by_name, name_key);
    return l ? *l : NULL;
}
