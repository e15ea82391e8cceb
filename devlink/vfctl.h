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

/* What an unbind or bind did. */
struct oo_vfctl_result {
    unsigned n;                     /* VFs unbound / bound */
    char failed[32];                /* the first VF that failed ("" if none) */
};

/* PCI: unbinds every VF (virtfnN) that has a driver, recording each in
 * `record` first (created if missing). Other buses have no VF devices: 0
 * with nothing done. Returns 0 or -errno at the first VF that could not be
 * recorded or unbound (it stays bound, unrecorded). */
int oo_sriov_unbind_vfs(const char *root, const struct oo_dl_handle *h, const char *record,
                        struct oo_vfctl_result *res);

/* PCI: binds every VF of the record that has no driver back to the driver
 * recorded for it (drivers/<name>/bind; when that driver is not loaded or
 * does not match, /sys/bus/pci/drivers_probe, which honours driver_override).
 * Each VF's record goes once that was tried: a VF no driver takes, or whose
 * probe fails, is reported once and left unbound (retried at every run, it
 * would stop every plan there). VFs without a record are left as they are.
 * A VF that fails does not stop the others. Returns 0, or the first failed
 * VF's -errno (-ENODEV: no driver took it). */
int oo_sriov_bind_vfs(const char *root, const struct oo_dl_handle *h, const char *record,
                      struct oo_vfctl_result *res);

/* Drops the records that speak for no unbound VF of this PF any more: VFs
 * bound since (by anyone) and addresses that are no VF of it. Run at every
 * pass, under the host lock, so that a record never outlives its reason. */
void oo_sriov_prune_record(const char *root, const struct oo_dl_handle *h, const char *record);

/* The driver recorded for the VF at `addr`: 0 with driver filled, -ENOENT
 * when the VF has no record. */
int oo_sriov_recorded_driver(const char *record, const char *addr, char *driver, size_t size);

/* Drops the whole record (the PF's VFs were destroyed: new ones are not the
 * ones recorded). Returns 0 or -errno; a missing record is fine. */
int oo_sriov_forget_vfs(const char *record);

#endif
