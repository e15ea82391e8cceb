/* The config's name tables as data, for the parser's messages ("expected one
 * of: ...") and suggestions. Internal to config/ and its tests. */
#ifndef OO_CONFIG_NAMES_H
#define OO_CONFIG_NAMES_H

#include <stddef.h>

/* A dense table: names[value], NULL for values without a name. */
struct oo_cfg_names {
    const char *const *names;
    size_t n;
};

struct oo_cfg_sparse_name {
    int value;
    const char *name;
};
/* A sparse table: (value, name) pairs. */
struct oo_cfg_sparse_names {
    const struct oo_cfg_sparse_name *v;
    size_t n;
};

extern const struct oo_cfg_names oo_cfg_names_tc_policy;
extern const struct oo_cfg_names oo_cfg_names_restart;
extern const struct oo_cfg_names oo_cfg_names_link_state;
extern const struct oo_cfg_names oo_cfg_names_bond_mode;
extern const struct oo_cfg_names oo_cfg_names_xmit_hash;
extern const struct oo_cfg_names oo_cfg_names_lacp_rate;
extern const struct oo_cfg_names oo_cfg_names_tc_skip;
extern const struct oo_cfg_names oo_cfg_names_action;
extern const struct oo_cfg_names oo_cfg_names_eswitch;
extern const struct oo_cfg_names oo_cfg_names_inline;
extern const struct oo_cfg_names oo_cfg_names_encap;
extern const struct oo_cfg_sparse_names oo_cfg_names_eth_type;
extern const struct oo_cfg_sparse_names oo_cfg_names_ip_proto;

/* Name of v, or NULL. */
const char *oo_cfg_name_of(const struct oo_cfg_names *t, int v);
/* Value named s, or -EINVAL. */
int oo_cfg_value_of(const struct oo_cfg_names *t, const char *s);
const char *oo_cfg_sparse_name_of(const struct oo_cfg_sparse_names *t, int v);
int oo_cfg_sparse_value_of(const struct oo_cfg_sparse_names *t, const char *s);

/* Writes "a, b, c" (NULL entries skipped) into buf. Returns the length. */
size_t oo_cfg_names_join(const char *const *names, size_t n, char *buf, size_t size);

#endif
