/* Pure parsers for the scalar values of the config: integers, MAC addresses,
 * IP prefixes, names and references. Internal to config/ and its tests.
 * Each returns 0 or a negative errno and never allocates. */
#ifndef OO_CONFIG_VALUES_H
#define OO_CONFIG_VALUES_H

#include <stdbool.h>
#include <stdint.h>

#include "config/config.h"

/* Decimal ("-12", "+3") or hexadecimal ("0x86dd"). -EINVAL if s is not an
 * integer, -ERANGE if it does not fit int64_t, -EDOM for a decimal with a
 * leading zero ("010", which YAML 1.1 reads as octal). */
int oo_cfg_parse_int(const char *s, int64_t *ret);

/* "02:00:00:00:00:10" (also '-' separated). */
int oo_cfg_parse_mac(const char *s, uint8_t mac[6]);
/* A MAC with an optional mask: "/ff:ff:ff:00:00:00" or a prefix "/24". */
int oo_cfg_parse_mac_match(const char *s, struct oo_cfg_mac *ret);

/* An IPv4 or IPv6 address, with "/prefix" if allow_prefix. -EINVAL if not an
 * address, -ERANGE if the prefix is too long for the family. */
int oo_cfg_parse_ip(const char *s, bool allow_prefix, struct oo_cfg_ip *ret);
/* Formats an address (and "/prefix" if shorter than the family's length). */
const char *oo_cfg_format_ip(const struct oo_cfg_ip *ip, char *buf, size_t size);

/* A config name (pf, rule, mpv): 1..OO_CFG_MAX_NAME of [A-Za-z0-9_.:-],
 * not starting with '-' or '.'. */
bool oo_cfg_valid_name(const char *s);
/* A Linux netdev name: 1..15 bytes, no '/', ':' or whitespace, not "." or "..". */
bool oo_cfg_valid_ifname(const char *s);
/* A devlink param name: 1..63 of [a-z0-9_]. */
bool oo_cfg_valid_param_name(const char *s);

/* "pf0", "bond0" (*ret_vf = -1) or "pf0/3". The name part is copied into
 * name (size bytes). -EINVAL on bad syntax, -ERANGE for a VF id above
 * OO_CFG_MAX_VF_ID. */
int oo_cfg_parse_ref(const char *s, char *name, size_t size, int32_t *ret_vf);
/* "pf0/3" or "pf0/0-7" into name, first, last. -EINVAL on bad syntax,
 * -ERANGE for an id above OO_CFG_MAX_VF_ID, -EDOM if last < first. */
int oo_cfg_parse_rep_range(const char *s, char *name, size_t size,
                           uint32_t *ret_first, uint32_t *ret_last);

#endif
