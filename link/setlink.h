/* rtnetlink writes: per-VF settings on a PF, bonds and their members, link
 * up/down. Pure encoders (tested byte for byte) and one transaction each. */
#ifndef OO_LINK_SETLINK_H
#define OO_LINK_SETLINK_H

#include <stdbool.h>
#include <stdint.h>

#include "common/nlsock.h"

/* What one RTM_SETLINK of a VF changes; fields with has_* false are left out. */
struct oo_vf_set {
    uint32_t vf;                    /* VF number */
    bool has_mac;
    uint8_t mac[6];                 /* IFLA_VF_MAC */
    bool has_vlan;
    uint32_t vlan, qos;             /* IFLA_VF_VLAN */
    int trust;                      /* IFLA_VF_TRUST: 0/1, -1 leave */
    int spoofchk;                   /* IFLA_VF_SPOOFCHK: 0/1, -1 leave */
    int link_state;                 /* IFLA_VF_LINK_STATE_*, -1 leave */
    bool has_rate;
    uint32_t min_tx_rate, max_tx_rate;  /* IFLA_VF_RATE, Mbps */
};

/* Bond options for create or change; -1 (or has_* false) leaves one out. */
struct oo_bond_set {
    int mode;                       /* IFLA_BOND_MODE */
    int64_t miimon;                 /* IFLA_BOND_MIIMON, ms */
    int xmit_hash_policy;           /* IFLA_BOND_XMIT_HASH_POLICY */
    int lacp_rate;                  /* IFLA_BOND_AD_LACP_RATE */
    int64_t primary;                /* IFLA_BOND_PRIMARY ifindex */
};
#define OO_BOND_SET_NONE ((struct oo_bond_set){ -1, -1, -1, -1, -1 })

/* Pure encoders into buf (OO_NL_MSG_SIZE bytes). */
struct nlmsghdr *oo_link_put_vf_set(void *buf, uint32_t pf_ifindex, const struct oo_vf_set *v);
/* RTM_NEWLINK kind bond, created (NLM_F_CREATE|NLM_F_EXCL) with alias set. */
struct nlmsghdr *oo_link_put_bond_create(void *buf, const char *name, const char *alias,
                                         const struct oo_bond_set *b);
/* RTM_NEWLINK on an existing bond: changes the options given. */
struct nlmsghdr *oo_link_put_bond_change(void *buf, uint32_t ifindex, const struct oo_bond_set *b);
/* RTM_SETLINK IFLA_MASTER: master 0 releases. */
struct nlmsghdr *oo_link_put_master(void *buf, uint32_t ifindex, uint32_t master);
/* RTM_SETLINK IFF_UP on or off. */
struct nlmsghdr *oo_link_put_updown(void *buf, uint32_t ifindex, bool up);
/* RTM_SETLINK IFLA_IFALIAS (the kernel ignores an alias given at creation). */
struct nlmsghdr *oo_link_put_alias(void *buf, uint32_t ifindex, const char *alias);
/* RTM_DELLINK. */
struct nlmsghdr *oo_link_put_del(void *buf, uint32_t ifindex);

/* Transactions on a NETLINK_ROUTE socket; -errno with the kernel's extack in nl. */
int oo_link_set_vf(struct oo_nl *nl, uint32_t pf_ifindex, const struct oo_vf_set *v);
int oo_link_bond_create(struct oo_nl *nl, const char *name, const char *alias, const struct oo_bond_set *b);
int oo_link_bond_change(struct oo_nl *nl, uint32_t ifindex, const struct oo_bond_set *b);
int oo_link_set_master(struct oo_nl *nl, uint32_t ifindex, uint32_t master);
int oo_link_set_up(struct oo_nl *nl, uint32_t ifindex, bool up);
int oo_link_delete(struct oo_nl *nl, uint32_t ifindex);
int oo_link_set_alias(struct oo_nl *nl, uint32_t ifindex, const char *alias);

/* IPv6 on or off on the netdev named name: its disable_ipv6 sysctl, under
 * root ("" on a real host). rtnetlink reports the setting
 * (IFLA_INET6_CONF) but cannot change it. Off, the kernel drops the
 * netdev's IPv6 addresses and routes and sends nothing from it. Returns 0
 * (also when the kernel has no IPv6 at all: nothing to turn off), -ENODEV
 * when there is no such netdev, or -errno. */
int oo_link_set_ipv6(const char *root, const char *name, bool on);

#endif
