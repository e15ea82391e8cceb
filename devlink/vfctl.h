/* sysfs SR-IOV writes: the VF count and, on PCI, VF driver unbind/rebind.
 * `root` prefixes every path ("" on a real host; a fake tree in tests). */
#ifndef OO_DEVLINK_VFCTL_H
#define OO_DEVLINK_VFCTL_H

#include <stddef.h>

#include "devlink/devlink.h"

/* Writes sriov_numvfs. The kernel refuses a non-zero to non-zero change with
 * -EBUSY: the planner goes through 0. Returns 0 or -errno. */
int oo_sriov_set_num_vfs(const char *root, const struct oo_dl_handle *h, int num_vfs);

/* The unbind record: a directory with one file per VF that
 * oo_sriov_unbind_vfs unbound, named by the VF's PCI address and holding the
 * name of the driver it had. It is written before each unbind, so a process
 * killed between unbinding and binding again leaves a record of every VF it
 * took from its driver, and nothing else: VFs someone else left unbound are
 * never in it. The caller chooses the directory (one per PF). */

/* PCI: unbinds every VF (virtfnN) that has a driver, recording each in
 * `record` first (created if missing). *ret_n counts them. Other buses have
 * no VF devices: 0 with *ret_n = 0. Returns 0 or -errno (the VF whose record
 * or unbind failed is still bound). */
int oo_sriov_unbind_vfs(const char *root, const struct oo_dl_handle *h, const char *record,
                        unsigned *ret_n);

/* PCI: binds every VF of the record that has no driver back to the driver
 * recorded for it (drivers/<name>/bind; when that driver is not loaded or
 * does not match, /sys/bus/pci/drivers_probe, which honours driver_override).
 * Each VF's record goes once it is bound; records of VFs bound since or no
 * longer VFs of this PF go too. VFs without a record are left as they are.
 * *ret_n counts the VFs bound. Returns 0 or -errno (records of VFs not yet
 * bound stay for the next run). */
int oo_sriov_bind_vfs(const char *root, const struct oo_dl_handle *h, const char *record,
                      unsigned *ret_n);

/* The driver recorded for the VF at `addr`: 0 with driver filled, -ENOENT
 * when the VF has no record. */
int oo_sriov_recorded_driver(const char *record, const char *addr, char *driver, size_t size);

/* Drops the whole record (the PF's VFs were destroyed: new ones are not the
 * ones recorded). Returns 0 or -errno; a missing record is fine. */
int oo_sriov_forget_vfs(const char *record);

#endif
