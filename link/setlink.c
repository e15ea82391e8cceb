#include "link/setlink.h"

#include <errno.h>
#include <limits.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/util.h"

static struct nlmsghdr *put_link(void *buf, uint16_t type, uint16_t flags, uint32_t ifindex)
{
    struct nlmsghdr *nlh = oo_nl_put_header(buf);
    struct ifinfomsg *ifi;

    nlh->nlmsg_type = type;
    nlh->nlmsg_flags = NLM_F_REQUEST | flags;
    ifi = mnl_nlmsg_put_extra_header(nlh, sizeof *ifi);
    ifi->ifi_family = AF_UNSPEC;
    ifi->ifi_index = (int)ifindex;
    return nlh;
}

struct nlmsghdr *oo_link_put_vf_set(void *buf, uint32_t pf_ifindex, const struct oo_vf_set *v)
{
    struct nlmsghdr *nlh = put_link(buf, RTM_SETLINK, 0, pf_ifindex);
    struct nlattr *list = mnl_attr_nest_start(nlh, IFLA_VFINFO_LIST);
    struct nlattr *info = mnl_attr_nest_start(nlh, IFLA_VF_INFO);

    if (v->has_mac) {
        struct ifla_vf_mac m = { .vf = v->vf };
        memcpy(m.mac, v->mac, 6);
        mnl_attr_put(nlh, IFLA_VF_MAC, sizeof m, &m);
    }
    if (v->has_vlan) {
        struct ifla_vf_vlan vl = { .vf = v->vf, .vlan = v->vlan, .qos = v->qos };
        mnl_attr_put(nlh, IFLA_VF_VLAN, sizeof vl, &vl);
    }
    if (v->trust >= 0) {
        struct ifla_vf_trust t = { .vf = v->vf, .setting = (uint32_t)v->trust };
        mnl_attr_put(nlh, IFLA_VF_TRUST, sizeof t, &t);
    }
    if (v->spoofchk >= 0) {
        struct ifla_vf_spoofchk sc = { .vf = v->vf, .setting = (uint32_t)v->spoofchk };
        mnl_attr_put(nlh, IFLA_VF_SPOOFCHK, sizeof sc, &sc);
    }
    if (v->link_state >= 0) {
        struct ifla_vf_link_state ls = { .vf = v->vf, .link_state = (uint32_t)v->link_state };
        mnl_attr_put(nlh, IFLA_VF_LINK_STATE, sizeof ls, &ls);
    }
    if (v->has_rate) {
        struct ifla_vf_rate r = { .vf = v->vf, .min_tx_rate = v->min_tx_rate,
                                  .max_tx_rate = v->max_tx_rate };
        mnl_attr_put(nlh, IFLA_VF_RATE, sizeof r, &r);
    }
    mnl_attr_nest_end(nlh, info);
    mnl_attr_nest_end(nlh, list);
    return nlh;
}

static void put_bond_data(struct nlmsghdr *nlh, const struct oo_bond_set *b)
{
    struct nlattr *linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
    struct nlattr *data;

    mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "bond");
    data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
    if (b->mode >= 0)
        mnl_attr_put_u8(nlh, IFLA_BOND_MODE, (uint8_t)b->mode);
    if (b->miimon >= 0)
        mnl_attr_put_u32(nlh, IFLA_BOND_MIIMON, (uint32_t)b->miimon);
    if (b->xmit_hash_policy >= 0)
        mnl_attr_put_u8(nlh, IFLA_BOND_XMIT_HASH_POLICY, (uint8_t)b->xmit_hash_policy);
    if (b->lacp_rate >= 0)
        mnl_attr_put_u8(nlh, IFLA_BOND_AD_LACP_RATE, (uint8_t)b->lacp_rate);
    if (b->primary >= 0)
        mnl_attr_put_u32(nlh, IFLA_BOND_PRIMARY, (uint32_t)b->primary);
    mnl_attr_nest_end(nlh, data);
    mnl_attr_nest_end(nlh, linkinfo);
}

struct nlmsghdr *oo_link_put_bond_create(void *buf, const char *name, const char *alias,
                                         const struct oo_bond_set *b)
{
    struct nlmsghdr *nlh = put_link(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0);

    mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
    if (alias)
        mnl_attr_put_strz(nlh, IFLA_IFALIAS, alias);
    put_bond_data(nlh, b);
    return nlh;
}

struct nlmsghdr *oo_link_put_bond_change(void *buf, uint32_t ifindex, const struct oo_bond_set *b)
{
    struct nlmsghdr *nlh = put_link(buf, RTM_NEWLINK, 0, ifindex);

    put_bond_data(nlh, b);
    return nlh;
}

struct nlmsghdr *oo_link_put_master(void *buf, uint32_t ifindex, uint32_t master)
{
    struct nlmsghdr *nlh = put_link(buf, RTM_SETLINK, 0, ifindex);

    mnl_attr_put_u32(nlh, IFLA_MASTER, master);
    return nlh;
}

struct nlmsghdr *oo_link_put_updown(void *buf, uint32_t ifindex, bool up)
{
    struct nlmsghdr *nlh = put_link(buf, RTM_SETLINK, 0, ifindex);
    struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);

    ifi->ifi_change = IFF_UP;
    ifi->ifi_flags = up ? IFF_UP : 0;
    return nlh;
}

struct nlmsghdr *oo_link_put_alias(void *buf, uint32_t ifindex, const char *alias)
{
    struct nlmsghdr *nlh = put_link(buf, RTM_SETLINK, 0, ifindex);

    /* As iproute2 sends it: the bytes, without the NUL. */
    mnl_attr_put(nlh, IFLA_IFALIAS, strlen(alias), alias);
    return nlh;
}

struct nlmsghdr *oo_link_put_del(void *buf, uint32_t ifindex)
{
    return put_link(buf, RTM_DELLINK, 0, ifindex);
}

#define TRANSACT(expr)                                  \
    do {                                                \
        char buf_[OO_NL_MSG_SIZE];                      \
        return oo_nl_transact(nl, expr, NULL, NULL);    \
    } while (0)

int oo_link_set_vf(struct oo_nl *nl, uint32_t pf_ifindex, const struct oo_vf_set *v)
{ TRANSACT(oo_link_put_vf_set(buf_, pf_ifindex, v)); }
int oo_link_set_alias(struct oo_nl *nl, uint32_t ifindex, const char *alias)
{ TRANSACT(oo_link_put_alias(buf_, ifindex, alias)); }
int oo_link_bond_create(struct oo_nl *nl, const char *name, const char *alias, const struct oo_bond_set *b)
{ TRANSACT(oo_link_put_bond_create(buf_, name, alias, b)); }
int oo_link_bond_change(struct oo_nl *nl, uint32_t ifindex, const struct oo_bond_set *b)
{ TRANSACT(oo_link_put_bond_change(buf_, ifindex, b)); }
int oo_link_set_master(struct oo_nl *nl, uint32_t ifindex, uint32_t master)
{ TRANSACT(oo_link_put_master(buf_, ifindex, master)); }
int oo_link_set_up(struct oo_nl *nl, uint32_t ifindex, bool up)
{ TRANSACT(oo_link_put_updown(buf_, ifindex, up)); }
int oo_link_delete(struct oo_nl *nl, uint32_t ifindex)
{ TRANSACT(oo_link_put_del(buf_, ifindex)); }

int oo_link_set_ipv6(const char *root, const char *name, bool on)
{
    char path[PATH_MAX];
    int err;

    snprintf(path, sizeof path, "%s/proc/sys/net/ipv6/conf/%s/disable_ipv6", root, name);
    err = oo_write_file(path, on ? "0" : "1");
    if (err != -ENOENT)
        return err;
    /* No such netdev, or no IPv6 in this kernel (ipv6.disable=1). */
    snprintf(path, sizeof path, "%s/proc/sys/net/ipv6/conf", root);
    return access(path, F_OK) < 0 && errno == ENOENT ? 0 : -ENODEV;
}
