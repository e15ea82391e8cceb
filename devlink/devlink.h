/* devlink over generic netlink: value types, pure encoders and decoders, and
 * the few transactions that use them. This layer does not log. */
#ifndef OO_DEVLINK_DEVLINK_H
#define OO_DEVLINK_DEVLINK_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/nlsock.h"
#include "devlink/genl.h"

/* A devlink instance: "pci/0000:3b:00.0", "netdevsim/netdevsim10". */
struct oo_dl_handle {
    char bus[32];                   /* DEVLINK_ATTR_BUS_NAME */
    char dev[64];                   /* DEVLINK_ATTR_DEV_NAME */
};

/* Eswitch modes, as DEVLINK_ESWITCH_MODE_*; OO_ESWITCH_UNKNOWN when the device
 * has no eswitch (the kernel answers EOPNOTSUPP). */
enum oo_eswitch_mode {
    OO_ESWITCH_LEGACY = 0,
    OO_ESWITCH_SWITCHDEV = 1,
    OO_ESWITCH_UNKNOWN = -1,
};

struct oo_dl_eswitch {
    int mode;                       /* enum oo_eswitch_mode */
    int inline_mode;                /* DEVLINK_ESWITCH_INLINE_MODE_*, -1 if not reported */
    int encap_mode;                 /* DEVLINK_ESWITCH_ENCAP_MODE_*, -1 if not reported */
};

struct oo_dl_port {
    struct oo_dl_handle handle;     /* the instance the port belongs to */
    uint32_t index;                 /* DEVLINK_ATTR_PORT_INDEX */
    int flavour;                    /* DEVLINK_PORT_FLAVOUR_*, -1 if absent */
    int type;                       /* DEVLINK_PORT_TYPE_*, -1 if absent */
    int32_t pfnum;                  /* DEVLINK_ATTR_PORT_PCI_PF_NUMBER, -1 if absent */
    int32_t vfnum;                  /* DEVLINK_ATTR_PORT_PCI_VF_NUMBER, -1 if absent */
    int64_t sfnum;                  /* DEVLINK_ATTR_PORT_PCI_SF_NUMBER, -1 if absent */
    int64_t port_number;            /* DEVLINK_ATTR_PORT_NUMBER, -1 if absent */
    int64_t controller;             /* DEVLINK_ATTR_PORT_CONTROLLER_NUMBER, -1 if absent */
    bool external;                  /* DEVLINK_ATTR_PORT_EXTERNAL */
    uint32_t ifindex;               /* DEVLINK_ATTR_PORT_NETDEV_IFINDEX, 0 if no netdev */
    char netdev[IF_NAMESIZE];       /* DEVLINK_ATTR_PORT_NETDEV_NAME, "" if no netdev */
};

/* DEVLINK_ATTR_PARAM_TYPE carries the kernel's internal netlink attribute
 * type of the value (include/net/netlink.h NLA_*), not DEVLINK_PARAM_TYPE_*:
 * uapi has no names for them, so these are ours. */
enum oo_dl_param_type {
    OO_DL_PARAM_TYPE_U8 = 1,        /* NLA_U8 */
    OO_DL_PARAM_TYPE_U16 = 2,       /* NLA_U16 */
    OO_DL_PARAM_TYPE_U32 = 3,       /* NLA_U32 */
    OO_DL_PARAM_TYPE_U64 = 4,       /* NLA_U64 (kernels after 6.1) */
    OO_DL_PARAM_TYPE_STRING = 5,    /* NLA_STRING */
    OO_DL_PARAM_TYPE_BOOL = 6,      /* NLA_FLAG: DATA present = true */
};

/* One devlink parameter with its value in each configuration mode. */
#define OO_DL_PARAM_CMODES 3        /* runtime, driverinit, permanent */
struct oo_dl_param {
    struct oo_dl_handle handle;     /* the instance */
    char name[64];                  /* DEVLINK_ATTR_PARAM_NAME */
    bool generic;                   /* DEVLINK_ATTR_PARAM_GENERIC */
    int type;                       /* DEVLINK_ATTR_PARAM_TYPE (DEVLINK_PARAM_TYPE_* as u8 NLA_*), -1 */
    struct {
        bool present;               /* the driver supports this cmode */
        char value[64];             /* the value as text: "true", "42", "smfs" */
    } values[OO_DL_PARAM_CMODES];   /* indexed by DEVLINK_PARAM_CMODE_* */
};

/* A devlink rate object: a leaf (one per VF port) or a node. */
struct oo_dl_rate {
    struct oo_dl_handle handle;     /* the instance */
    int type;                       /* DEVLINK_RATE_TYPE_LEAF or _NODE */
    int64_t port_index;             /* leaf: DEVLINK_ATTR_PORT_INDEX; -1 for a node */
    char node_name[64];             /* node: DEVLINK_ATTR_RATE_NODE_NAME */
    uint64_t tx_share;              /* bytes per second; 0 = none */
    uint64_t tx_max;                /* bytes per second; 0 = none */
    char parent[64];                /* DEVLINK_ATTR_RATE_PARENT_NODE_NAME, "" = none */
};

/* A devlink socket: a generic netlink socket plus the resolved family. */
struct oo_dl {
    struct oo_nl nl;                /* the socket; nl.extack has the kernel's text */
    struct oo_genl_family family;   /* "devlink" */
};

/* ---- names: enum <-> string, one table each (config, output, metrics) ---- */
const char *oo_eswitch_mode_to_string(int mode);         /* "legacy", "switchdev", NULL */
int oo_eswitch_mode_from_string(const char *s);          /* mode or -EINVAL */
const char *oo_inline_mode_to_string(int mode);          /* "none", "link", ... or NULL */
int oo_inline_mode_from_string(const char *s);
const char *oo_encap_mode_to_string(int mode);           /* "none", "basic" or NULL */
int oo_encap_mode_from_string(const char *s);
const char *oo_port_flavour_to_string(int flavour);      /* "physical", "pcivf", ... or NULL */
int oo_port_flavour_from_string(const char *s);
/* devlink(8)'s spellings: "runtime", "driverinit", "permanent" / "u8", "u16",
 * "u32", "u64", "string", "bool"; NULL or -EINVAL when unknown. */
const char *oo_dl_param_cmode_to_string(int cmode);
int oo_dl_param_cmode_from_string(const char *s);
const char *oo_dl_param_type_to_string(int type);
int oo_dl_param_type_from_string(const char *s);
/* "leaf", "node" or NULL. */
const char *oo_dl_rate_type_to_string(int type);

/* Formats "bus/dev" into buf and returns buf. */
const char *oo_dl_handle_format(const struct oo_dl_handle *h, char *buf, size_t buf_size);
/* Parses "bus/dev". Returns 0 or -EINVAL. */
int oo_dl_handle_parse(const char *s, struct oo_dl_handle *h);
bool oo_dl_handle_equal(const struct oo_dl_handle *a, const struct oo_dl_handle *b);

/* ---- pure encoders: fill buf (OO_NL_MSG_SIZE bytes), return nlh ---- */
struct nlmsghdr *oo_dl_put_dev_dump(void *buf, uint16_t family);
struct nlmsghdr *oo_dl_put_eswitch_get(void *buf, uint16_t family, const struct oo_dl_handle *h);
/* A port dump of every instance (6.1 kernels cannot filter a port dump). */
struct nlmsghdr *oo_dl_put_port_dump(void *buf, uint16_t family);
/* A param dump (DEVLINK_CMD_PARAM_GET) of every instance. */
struct nlmsghdr *oo_dl_put_param_dump(void *buf, uint16_t family);
/* A rate dump (DEVLINK_CMD_RATE_GET) of every instance: leaves and nodes. */
struct nlmsghdr *oo_dl_put_rate_dump(void *buf, uint16_t family);

/* ---- pure decoders: zero the output, skip unknown attributes ---- */
/* Returns 0 or -EBADMSG. */
int oo_dl_parse_dev(const struct nlmsghdr *nlh, struct oo_dl_handle *out);
int oo_dl_parse_eswitch(const struct nlmsghdr *nlh, struct oo_dl_eswitch *out);
int oo_dl_parse_port(const struct nlmsghdr *nlh, struct oo_dl_port *out);
/* A DEVLINK_CMD_PARAM_GET/NEW message: name, generic, type, and each
 * DEVLINK_ATTR_PARAM_VALUE as text (oo_dl_param_value_format). Values of an
 * unknown cmode are skipped; a value of an unknown type is present with "".
 * -EBADMSG also when the name or a value does not fit the struct. */
int oo_dl_parse_param(const struct nlmsghdr *nlh, struct oo_dl_param *out);
/* A DEVLINK_CMD_RATE_GET/NEW message. */
int oo_dl_parse_rate(const struct nlmsghdr *nlh, struct oo_dl_rate *out);
/* Pure: renders a DEVLINK_ATTR_PARAM_VALUE_DATA attribute (NULL: absent) of
 * param type `type` as text into buf: u8/u16/u32/u64 in decimal, a string as
 * is, a bool "true" (attribute present) or "false" (absent). Returns 0,
 * -EBADMSG if the attribute does not match the type (or is missing for a
 * non-bool), -EMSGSIZE if the text does not fit, -EOPNOTSUPP for an unknown
 * type (buf is then ""). */
int oo_dl_param_value_format(int type, const struct nlattr *data, char *buf, size_t buf_size);

/* Pure: the canonical text (as oo_dl_param_value_format writes it) of a
 * value of param type `type` written by a user, into buf: a number in
 * decimal, or 0x hex, without sign, space or leading zero ("010" could be
 * octal or decimal: refused), within the type's range; a bool as YAML's core
 * schema writes one (true/True/TRUE, false/False/FALSE); a string as is.
 * Returns 0, -EINVAL if the text is no value of the type, -ERANGE if the
 * number does not fit, -EMSGSIZE if buf is too small, -EOPNOTSUPP for an
 * unknown type (buf is then ""). */
int oo_dl_param_value_canonical(int type, const char *text, char *buf, size_t buf_size);
/* Pure: the number in canonical text of an integer type (above) into *out.
 * Returns 0 or -EINVAL/-ERANGE as oo_dl_param_value_canonical. */
int oo_dl_param_value_uint(int type, const char *text, uint64_t *out);

/* ---- transactions ---- */
/* Opens the socket and resolves the family. Returns 0, -ENOENT if the kernel
 * has no devlink, or -errno. */
int oo_dl_open(struct oo_dl *dl);
void oo_dl_close(struct oo_dl *dl);

/* Lists every devlink instance. *ret_devs is malloc'ed. Returns 0 or -errno. */
int oo_dl_dump_devs(struct oo_dl *dl, struct oo_dl_handle **ret_devs, size_t *ret_n);
/* Reads the eswitch of one instance. A device without an eswitch gives
 * -EOPNOTSUPP. */
int oo_dl_get_eswitch(struct oo_dl *dl, const struct oo_dl_handle *h, struct oo_dl_eswitch *out);
/* Lists every port of every instance. *ret_ports is malloc'ed. */
int oo_dl_dump_ports(struct oo_dl *dl, struct oo_dl_port **ret_ports, size_t *ret_n);
/* Lists every devlink param of every instance, in the kernel's order.
 * *ret_params is malloc'ed. Returns 0 or -errno. */
int oo_dl_dump_params(struct oo_dl *dl, struct oo_dl_param **ret_params, size_t *ret_n);
/* Lists every rate object (leaves and nodes) of every instance. A kernel
 * without devlink rates (EOPNOTSUPP) gives an empty list and 0. *ret_rates is
 * malloc'ed. Returns 0 or -errno. */
int oo_dl_dump_rates(struct oo_dl *dl, struct oo_dl_rate **ret_rates, size_t *ret_n);

#endif
