/* SR-IOV state of a devlink instance's device, read from sysfs for any bus
 * (/sys/bus/<bus>/devices/<dev>/sriov_*). */
#ifndef OO_DEVLINK_SRIOV_H
#define OO_DEVLINK_SRIOV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "devlink/devlink.h"

struct oo_sriov {
    bool capable;                   /* the device has sriov_numvfs */
    int num_vfs;                    /* sriov_numvfs, -1 if unreadable */
    int total_vfs;                  /* sriov_totalvfs, -1 if unknown */
    int drivers_autoprobe;          /* sriov_drivers_autoprobe (PCI), -1 if absent */
};

/* A VF as a device that a driver binds (PCI: the PF's virtfnN link). Buses
 * without VF devices (netdevsim) have none: binding steps are no-ops there. */
struct oo_obs_vfdev {
    uint32_t id;                    /* VF number */
    char addr[32];                  /* bus address, e.g. 0000:3b:00.2 */
    char driver[32];                /* bound driver, "" when unbound */
    char netdev[16];                /* its netdev in this network namespace (the first
                                     * of its net/, by name), "" none */
    char users[160];                /* why it is in use ("vfio-pci", "mlx5_vfio_pci",
                                     * "macvtap0"...), "" if free */
    char unbound_from[32];          /* unbound by an apply that has not bound it
                                       again: the driver it had (filled by the
                                       controller from its journal), else "" */
};

/* Reads the SR-IOV attributes of h's device. `root` prefixes every path ("" on
 * a real host; a fake tree in tests). netdevsim has no sriov_totalvfs: its
 * limit is read from debugfs netdevsim/<dev>/max_vfs instead, when mounted.
 * Returns 0 (capable false when the device has no SR-IOV), or -errno when the
 * device itself is absent. */
int oo_sriov_read(const char *root, const struct oo_dl_handle *h, struct oo_sriov *out);

/* Lists the VFs of h's device as devices, sorted by VF id (PCI: each
 * `virtfnN` link of the PF: N, the VF's address and its bound driver).
 * `users` says what uses a VF, comma-separated: its driver when that holds
 * it for a VM or a user-space program (vfio-pci and vfio variants such as
 * mlx5_vfio_pci, uio_pci_generic, igb_uio, pci-stub), the upper devices (macvtap, bridge, vlan, bond,
 * ovs-system...) of each of the VF's netdevs (/sys/class/net/<dev>/upper_*),
 * and "a netdev in another network namespace" (a container's: sysfs hides
 * it, leaving net/ empty); "" when free, as oVirt defines a free VF. Buses without VF devices give no
 * entries. *ret is malloc'ed (NULL when empty). Returns 0, or -errno when the
 * PF's device directory cannot be read. */
int oo_sriov_read_vfdevs(const char *root, const struct oo_dl_handle *h,
                         struct oo_obs_vfdev **ret, size_t *ret_n);

/* Whether mlx5 has formed the VF-LAG of h's PCI device: debugfs
 * mlx5/<pci addr>/lag/state. Returns 1 for "active", 0 for
 * another state ("disabled"); -EOPNOTSUPP when the device keeps no such
 * state (not PCI, or its driver is not mlx5_core); another -errno when it is
 * an mlx5 device whose state cannot be read, and the LAG may or may not be
 * active: -ENOENT debugfs not mounted, -ENODATA no lag/ for this PF (no LAG
 * capability, or a kernel older than the file), -EACCES... */
int oo_sriov_read_lag_active(const char *root, const struct oo_dl_handle *h);
/* Why, for people, from oo_sriov_read_lag_active()'s -errno. */
const char *oo_sriov_lag_err_text(int err);

#endif
