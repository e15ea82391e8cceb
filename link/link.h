/* rtnetlink links: value types, pure encoders and decoders, and one dump.
 * A single RTM_GETLINK dump (with VF info, without statistics) tells the
 * planner every netdev, its master, its bond settings and each PF's VF
 * settings. This layer does not log. */
#ifndef OO_LINK_LINK_H
#define OO_LINK_LINK_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/nlsock.h"

/* IFLA_IFALIAS of the bonds ovs-offload created: the ownership mark. A bond
 * without it is someone else's and is never changed or deleted. */
#define OO_LINK_OWNER_ALIAS "managed by ovs-offload"

/* One VF as its PF reports it (IFLA_VFINFO_LIST entry). */
struct oo_link_vf {
    uint32_t id;                    /* VF number */
    uint8_t mac[6];                 /* IFLA_VF_MAC */
    uint32_t vlan;                  /* IFLA_VF_VLAN: 0 = none */
    uint32_t qos;                   /* IFLA_VF_VLAN qos */
    int spoofchk;                   /* IFLA_VF_SPOOFCHK: 0/1, -1 not reported */
    int trust;                      /* IFLA_VF_TRUST: 0/1, -1 not reported */
    int link_state;                 /* IFLA_VF_LINK_STATE_*, -1 not reported */
    uint32_t min_tx_rate;           /* IFLA_VF_RATE, Mbps; 0 = none */
    uint32_t max_tx_rate;           /* IFLA_VF_RATE, Mbps; 0 = none */
};

/* Bond settings (IFLA_INFO_DATA of kind "bond"); -1 where not reported. */
struct oo_link_bond {
    int mode;                       /* IFLA_BOND_MODE: BOND_MODE_* */
    int64_t miimon;                 /* IFLA_BOND_MIIMON, ms */
    int xmit_hash_policy;           /* IFLA_BOND_XMIT_HASH_POLICY */
    int lacp_rate;                  /* IFLA_BOND_AD_LACP_RATE */
    int64_t primary;                /* IFLA_BOND_PRIMARY ifindex, 0 = none */
    int64_t active_slave;           /* IFLA_BOND_ACTIVE_SLAVE ifindex, 0 = none */
};

/* An alias as long as the kernel allows (IFALIASZ of <linux/if.h>, which
 * cannot be included with <net/if.h>): one someone set that we could not
 * hold would fail the whole link dump. */
#define OO_LINK_ALIAS_MAX 256

struct oo_link {
    uint32_t ifindex;               /* ifi_index */
    char name[IF_NAMESIZE];         /* IFLA_IFNAME */
    bool up;                        /* IFF_UP (administrative) */
    bool lower_up;                  /* IFF_LOWER_UP (carrier) */
    uint32_t master;                /* IFLA_MASTER ifindex, 0 = none */
    char alias[OO_LINK_ALIAS_MAX];  /* IFLA_IFALIAS, "" = none; our ownership mark on bonds */
    char kind[16];                  /* IFLA_INFO_KIND: "bond", "veth", ... or "" */
    char slave_kind[16];            /* IFLA_INFO_SLAVE_KIND: "bond" for a member */
    char phys_port_name[32];        /* IFLA_PHYS_PORT_NAME: "p0", "pf0vf3", "" */
    uint8_t switch_id[32];          /* IFLA_PHYS_SWITCH_ID */
    uint8_t switch_id_len;          /* 0 = none */
    int64_t num_vf;                 /* IFLA_NUM_VF, -1 when not a PF */
    /* IFLA_AF_SPEC/AF_INET6/IFLA_INET6_CONF[DEVCONF_DISABLE_IPV6]: 1 IPv6 off
     * on this netdev, 0 on, -1 not reported (no IPv6 in this kernel). */
    int8_t ipv6_disabled;
    struct oo_link_bond bond;       /* valid when kind is "bond" */
    size_t n_vfs;
    struct oo_link_vf *vfs;         /* IFLA_VFINFO_LIST, by position; malloc'ed */
};

/* Pure: RTM_GETLINK dump of every link with VF info and without statistics. */
struct nlmsghdr *oo_link_put_dump(void *buf);

/* Pure: decodes an RTM_NEWLINK message. out->vfs is malloc'ed (free with
 * oo_link_clear). Returns 0 or -EBADMSG. */
int oo_link_parse(const struct nlmsghdr *nlh, struct oo_link *out);
void oo_link_clear(struct oo_link *link);

/* Pure: RTM_GETLINK of the link named name, without VF info or statistics. */
struct nlmsghdr *oo_link_put_get(void *buf, const char *name);

/* Reads the link named name into out (free with oo_link_clear). Returns 0,
 * -ENODEV when there is none, or -errno (extack in nl). */
int oo_link_get(struct oo_nl *nl, const char *name, struct oo_link *out);

/* Dumps every link, sorted by ifindex. Returns 0 or -errno (extack in nl). */
int oo_link_dump(struct oo_nl *nl, struct oo_link **ret_links, size_t *ret_n);
void oo_links_free(struct oo_link *links, size_t n);

/* Lookup in a dump sorted by ifindex. NULL when absent. */
const struct oo_link *oo_link_by_index(const struct oo_link *links, size_t n, uint32_t ifindex);
/* The link named name, by a scan (struct oo_link_index below for many
 * lookups). NULL when absent. */
const struct oo_link *oo_link_by_name(const struct oo_link *links, size_t n, const char *name);

/* Lookups by name: the links sorted by name, built once over a dump that
 * does not change while the index is used. NULL when absent. */
struct oo_link_index {
    const struct oo_link **by_name;
    size_t n;
};
void oo_link_index_init(struct oo_link_index *ix, const struct oo_link *links, size_t n);
void oo_link_index_free(struct oo_link_index *ix);
const struct oo_link *oo_link_index_find(const struct oo_link_index *ix, const char *name);

#endif
