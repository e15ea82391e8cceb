/* sysfs SR-IOV writes: the VF count and, on PCI, VF driver unbind/rebind.
 * `root` prefixes every path ("" on a real host; a fake tree in tests). */
#ifndef OO_DEVLINK_VFCTL_H
#define OO_DEVLINK_VFCTL_H

#include "devlink/devlink.h"

/* Writes sriov_numvfs. The kernel refuses a non-zero to non-zero change with
 * -EBUSY: the planner goes through 0. Returns 0 or -errno. */
int oo_sriov_set_num_vfs(const char *root, const struct oo_dl_handle *h, int num_vfs);

/* PCI: unbinds every VF (virtfnN) that has a driver. *ret_n counts them.
 * Other buses have no VF devices: 0 with *ret_n = 0. Returns 0 or -errno. */
int oo_sriov_unbind_vfs(const char *root, const struct oo_dl_handle *h, unsigned *ret_n);

/* PCI: asks the kernel to probe every VF without a driver again
 * (/sys/bus/pci/drivers_probe; a VF's driver_override, if set, is honoured).
 * *ret_n counts them. Returns 0 or -errno. */
int oo_sriov_bind_vfs(const char *root, const struct oo_dl_handle *h, unsigned *ret_n);

#endif
