/* Observed state: what the host looks like now, read from devlink, sysfs and
 * OVSDB. Built once per run; the planner compares it with the desired state. */
#ifndef OO_CONTROLLER_OBSERVE_H
#define OO_CONTROLLER_OBSERVE_H

#include <stddef.h>

#include "devlink/devlink.h"
#include "devlink/sriov.h"
#include "link/link.h"
#include "ovsdb/ovsdb.h"

/* One devlink instance: on mlx5 and netdevsim, one PF. */
struct oo_obs_pf {
    struct oo_dl_handle handle;     /* devlink handle */
    struct oo_dl_eswitch eswitch;   /* mode etc.; mode UNKNOWN if eswitch_err */
    int eswitch_err;                /* 0, or -errno of the eswitch get (-EOPNOTSUPP: none) */
    char eswitch_extack[OO_NL_EXTACK_MAX]; /* kernel's message for eswitch_err */
    struct oo_sriov sriov;          /* VF counts */
    int sriov_err;                  /* 0, or -errno reading sysfs */
    size_t n_ports;
    struct oo_dl_port *ports;       /* this instance's ports, in oo_port_order */
    size_t n_params;
    struct oo_dl_param *params;     /* devlink params of this instance */
    size_t n_rates;
    struct oo_dl_rate *rates;       /* devlink rate objects of this instance */
    size_t n_vfdevs;
    struct oo_obs_vfdev *vfdevs;    /* the VFs as devices (PCI virtfnN), by id */
    int hw_tc_offload;              /* the uplink's hw-tc-offload: 1, 0, -1 unknown */
    int lag_active;                 /* mlx5 debugfs lag/state: 1 active, 0 not, -1 unknown */
};

struct oo_observed {
    int devlink_err;                /* 0, or -errno: devlink could not be read */
    char devlink_error[320];        /* what went wrong, for the user */
    size_t n_pfs;
    struct oo_obs_pf *pfs;          /* sorted by handle */
    size_t n_links;
    struct oo_link *links;          /* every netdev, sorted by ifindex */
    char *ovs_remote;               /* the OVSDB remote that was asked */
    struct oo_ovs_observed ovs;     /* OVSDB; ovs.reachable false if not */
};

/* Pure: distributes ports (any order) over the instances devs and sorts both.
 * Ports of instances not in devs are dropped. Fills out->pfs / n_pfs with
 * handles and ports only (eswitch and sriov zeroed, errors 0). */
void oo_observe_group(const struct oo_dl_handle *devs, size_t n_devs,
                      const struct oo_dl_port *ports, size_t n_ports,
                      struct oo_observed *out);

/* Port order: physical ports first, then PF, VF and SF ports by pf/vf/sf
 * number, then the rest; ties by port index. */
int oo_port_order(const void *a, const void *b);

/* The instance's uplink (first physical port), or NULL. */
const struct oo_dl_port *oo_obs_pf_uplink(const struct oo_obs_pf *pf);
/* Whether a port is a VF representor (flavour pcivf). */
bool oo_port_is_vf_rep(const struct oo_dl_port *p);

/* Reads devlink (devices, eswitch of each, ports) and sysfs. `root` prefixes
 * sysfs paths ("" on a real host). Returns 0 or -errno; on error
 * out->devlink_error says what failed, with the kernel's message. */
int oo_observe_devlink(const char *root, struct oo_observed *out);

/* Reads OVSDB at remote into out->ovs (never fails the whole observation). */
void oo_observe_ovs(const char *remote, int timeout_ms, struct oo_observed *out);

/* Frees everything; safe on a zeroed struct. */
void oo_observed_free(struct oo_observed *o);

#endif
