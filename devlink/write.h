/* devlink and sysfs writes for apply: pure encoders, one transaction each.
 * Callers re-read what they wrote (a kernel may apply part of a request:
 * netdevsim applies a mode change and refuses inline-mode in one message). */
#ifndef OO_DEVLINK_WRITE_H
#define OO_DEVLINK_WRITE_H

#include <stdbool.h>
#include <stdint.h>

#include "devlink/devlink.h"

/* DEVLINK_CMD_ESWITCH_SET: mode, and inline/encap modes when >= 0. */
struct nlmsghdr *oo_dl_put_eswitch_set(void *buf, uint16_t family, const struct oo_dl_handle *h,
                                       int mode, int inline_mode, int encap_mode);
/* DEVLINK_CMD_PARAM_SET of a runtime value. type is the param's
 * OO_DL_PARAM_TYPE_* (from a param dump); value is text: a number as
 * oo_dl_param_value_uint takes it, "true"/"false" for a bool (the plan
 * passes oo_dl_param_value_canonical's text). Returns NULL if value does not
 * fit the type. */
struct nlmsghdr *oo_dl_put_param_set(void *buf, uint16_t family, const struct oo_dl_handle *h,
                                     const char *name, int type, int cmode, const char *value);
/* DEVLINK_CMD_RATE_SET of a leaf (a port): bytes per second. */
struct nlmsghdr *oo_dl_put_rate_set(void *buf, uint16_t family, const struct oo_dl_handle *h,
                                    uint32_t port_index, uint64_t tx_share, uint64_t tx_max);

int oo_dl_set_eswitch(struct oo_dl *dl, const struct oo_dl_handle *h, int mode, int inline_mode,
                      int encap_mode);
/* Returns -EDOM when value does not fit the type (nothing is sent), else
 * 0 or the kernel's -errno. */
int oo_dl_set_param(struct oo_dl *dl, const struct oo_dl_handle *h, const char *name, int type,
                    int cmode, const char *value);
int oo_dl_set_rate(struct oo_dl *dl, const struct oo_dl_handle *h, uint32_t port_index,
                   uint64_t tx_share, uint64_t tx_max);

#endif
