/* SR-IOV state of a devlink instance's device, read from sysfs for any bus
 * (/sys/bus/<bus>/devices/<dev>/sriov_*). */
#ifndef OO_DEVLINK_SRIOV_H
#define OO_DEVLINK_SRIOV_H

#include <stdbool.h>

#include "devlink/devlink.h"

struct oo_sriov {
    bool capable;                   /* the device has sriov_numvfs */
    int num_vfs;                    /* sriov_numvfs, -1 if unreadable */
    int total_vfs;                  /* sriov_totalvfs, -1 if unknown */
    int drivers_autoprobe;          /* sriov_drivers_autoprobe (PCI), -1 if absent */
};

/* Reads the SR-IOV attributes of h's device. `root` prefixes every path ("" on
 * a real host; a fake tree in tests). netdevsim has no sriov_totalvfs: its
 * limit is read from debugfs netdevsim/<dev>/max_vfs instead, when mounted.
 * Returns 0 (capable false when the device has no SR-IOV), or -errno when the
 * device itself is absent. */
int oo_sriov_read(const char *root, const struct oo_dl_handle *h, struct oo_sriov *out);

#endif
