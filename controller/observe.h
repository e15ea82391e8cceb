/* Observed state: what the host looks like now, read from devlink, sysfs and
 * OVSDB. Built once per run; the planner compares it with the desired state. */
#ifndef OO_CONTROLLER_OBSERVE_H
#define OO_CONTROLLER_OBSERVE_H

#include <stddef.h>

#include "controller/daemonstate.h"
#include "devlink/devlink.h"
#include "devlink/sriov.h"
#include "link/link.h"
#include "tc/flower.h"
#include "tc/reconcile.h"
#include "ovsdb/ovsdb.h"

/* The tc filters of one ingress: a device's own, or a shared block (which
 * several devices, e.g. a bond and its members, hang on). */
struct oo_obs_tc_place {
    uint32_t ifindex;               /* a device of it (for a block: the first seen) */
    uint32_t block;                 /* shared block index, 0 = the device's own ingress */
    char netdev[IF_NAMESIZE];       /* that device's name */
    bool has_qdisc;                 /* it has an ingress/clsact qdisc */
    size_t n_filters;
    struct oo_tc_filter *filters;   /* dumped with statistics */
    struct oo_tc_counts counts;     /* owned / ovs / foreign, in_hw, packets */
    int dump_err;                   /* 0, or -errno: its filters could not be read (none kept) */
    char dump_error[320];           /* why, with the kernel's message */
};

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
    int vfdevs_err;                 /* 0, or -errno reading them from sysfs */
    int hw_tc_offload;              /* the uplink's hw-tc-offload: 1, 0, -1 unknown */
    int hw_tc_offload_err;          /* 0, or -errno reading it (-EOPNOTSUPP: the
                                       uplink lacks the feature; -ENODEV: no uplink) */
    int lag_active;                 /* mlx5 debugfs lag/state: 1 active, 0 not, -1 unknown */
    int lag_err;                    /* when unknown: -EOPNOTSUPP, the PF keeps no LAG
                                       state (not mlx5); else -errno reading an mlx5
                                       PF's state (debugfs not mounted) */
};

struct oo_observed {
    int devlink_err;                /* 0, or -errno: devlink could not be read */
    char devlink_error[320];        /* what went wrong, for the user */
    size_t n_pfs;
    struct oo_obs_pf *pfs;          /* sorted by handle */
    int params_err;                 /* 0, or -errno: the devlink param dump failed */
    char params_error[320];         /* what went wrong (with the kernel's message) */
    int rates_err;                  /* 0, or -errno: the devlink rate dump failed */
    char rates_error[320];
    size_t n_links;
    struct oo_link *links;          /* every netdev, sorted by ifindex */
    int links_err;                  /* 0, or -errno: the link dump failed (no links) */
    char links_error[320];
    size_t n_journal_bonds;
    char **journal_bonds;           /* bonds an interrupted apply created (controller/journal.h) */
    struct oo_daemon_state daemon;  /* the running ovs-offloadd's config (daemonstate.h) */
    int daemon_err;                 /* 0, or -errno: its state file cannot be read */
    size_t n_qdiscs;
    struct oo_tc_qdisc *qdiscs;     /* every device's qdiscs */
    size_t n_tc;
    struct oo_obs_tc_place *tc;     /* the ingress of every PF uplink, representor and bond */
    bool tc_terse;                  /* the filters were dumped terse where the kernel
                                     * could (oo_observe_host_terse) */
    int tc_err;                     /* 0, or -errno: tc could not be read */
    char tc_error[320];
    char *ovs_remote;               /* the OVSDB remote that was asked */
    struct oo_ovs_observed ovs;     /* OVSDB; ovs.reachable false if not */
};

/* Pure: distributes ports (any order) over the instances devs and sorts both.
 * Ports of instances not in devs are dropped. Fills out->pfs / n_pfs with
 * handles and ports only (eswitch and sriov zeroed, errors 0). */
void oo_observe_group(const struct oo_dl_handle *devs, size_t n_devs,
                      const struct oo_dl_port *ports, size_t n_ports,
                      struct oo_observed *out);

/* Pure: distributes params (any order) over the instances already in
 * out->pfs (oo_observe_group), sorted by name in each. Params of instances
 * not in out->pfs are dropped. */
void oo_observe_group_params(const struct oo_dl_param *params, size_t n_params,
                             struct oo_observed *out);

/* Pure: the same for rate objects: leaves by port index, then nodes by name. */
void oo_observe_group_rates(const struct oo_dl_rate *rates, size_t n_rates,
                            struct oo_observed *out);

/* Port order: physical ports first, then PF, VF and SF ports by pf/vf/sf
 * number, then the rest; ties by port index. */
int oo_port_order(const void *a, const void *b);

/* The instance's uplink (first physical port), or NULL. */
const struct oo_dl_port *oo_obs_pf_uplink(const struct oo_obs_pf *pf);
/* The bond pf's uplink is a member of (o's links), or NULL. */
const struct oo_link *oo_obs_pf_bond(const struct oo_observed *o, const struct oo_obs_pf *pf);
/* Whether a port is a VF representor (flavour pcivf). */
bool oo_port_is_vf_rep(const struct oo_dl_port *p);

/* Reads devlink (devices, eswitch of each, ports; params and rates, each
 * dumped once for all instances), sysfs (VF counts, VF devices), debugfs
 * (mlx5 LAG state) and each uplink's hw-tc-offload. `root` prefixes sysfs
 * and debugfs paths ("" on a real host). Returns 0 or -errno when the devices
 * or ports cannot be read (out->devlink_error says what failed, with the
 * kernel's message); a failed param or rate dump is recorded in
 * out->params_err / rates_err and their messages, and is no failure here. */
int oo_observe_devlink(const char *root, struct oo_observed *out);

/* Reads pf's VFs as devices (sysfs, PCI only) into pf->vfdevs, with each
 * unbound VF's unbound_from from the journal (controller/journal.h). Part of
 * oo_observe_devlink(); returns pf->vfdevs_err. */
int oo_observe_vfdevs(const char *root, struct oo_obs_pf *pf);

/* Reads every netdev (one RTM_GETLINK dump) into out->links. Returns 0 or
 * -errno, also recorded in out->links_err / links_error. */
int oo_observe_links(struct oo_observed *out);

/* The whole host: zeroes out, then oo_observe_devlink, oo_observe_links and
 * the tc dumps in the caller's thread, and OVSDB (oo_ovsdb_observe: never fails
 * the observation, a NULL remote is recorded in out->ovs) on a thread of its
 * own meanwhile (in the caller's, before the rest, if none can be
 * started); libopenvswitch is not the caller's until it returns. Returns 0,
 * or the -errno of oo_observe_devlink: only devlink failing fails the
 * observation; every other failure is recorded in out
 * (links_err, params_err, rates_err, per PF *_err, ovs.error) and the rest
 * is still read. Free out with oo_observed_free in either case. */
int oo_observe_host(const char *root, const char *ovs_remote, int timeout_ms,
                    struct oo_observed *out);

/* oo_observe_host(), with the filters dumped terse where the kernel can
 * (oo_tc_dump_filters_terse: such filters have no keys; the daemon's tc
 * cache, controller/tccache.h, fills them in or has them dumped again). */
int oo_observe_host_terse(const char *root, const char *ovs_remote, int timeout_ms,
                          struct oo_observed *out);

/* oo_observe_host() in two halves, so that the caller can do other work
 * (load its config) while the host is read. _start zeroes out and starts
 * reading devlink, links, tc and the journal into it on a thread of its own
 * (in the caller's thread if none can be started); out belongs to that
 * thread until _finish or _cancel. When ovs_guess is not NULL, OVSDB is read
 * at that remote on another thread meanwhile: the caller's best guess of
 * the remote before its config is known.
 *
 * _finish takes the OVSDB read when it was made at ovs_remote with the same
 * timeout, else reads OVSDB at ovs_remote now (after the guessed read has
 * ended: libopenvswitch is used by one thread at a time); then it waits for
 * the kernel's half and returns what oo_observe_host() would. _cancel waits
 * for both and frees out. Either frees the job. */
struct oo_observe_job;
struct oo_observe_job *oo_observe_start(const char *root, const char *ovs_guess, int timeout_ms,
                                        struct oo_observed *out);
int oo_observe_finish(struct oo_observe_job *job, const char *ovs_remote, int timeout_ms);
void oo_observe_cancel(struct oo_observe_job *job);

/* Reads the qdiscs and the tc filters of every PF uplink, VF representor and
 * bond (a shared block once). Needs the devlink and link observations.
 * Returns 0 or -errno (also in tc_err). */
int oo_observe_tc(struct oo_observed *out);

/* Dumps again, in full, the filters of each place i with full[i] (and a
 * qdisc), replacing what it held, with its counts. Returns 0 or -errno
 * when no socket can be opened (also in tc_err); a failed dump is recorded
 * in the place. */
int oo_observe_tc_redump(struct oo_observed *o, const bool *full);

/* The place holding ifindex's ingress filters (its shared block if it has
 * one), or NULL. */
const struct oo_obs_tc_place *oo_obs_tc_place_of(const struct oo_observed *o, uint32_t ifindex);

/* Frees everything; safe on a zeroed struct. */
void oo_observed_free(struct oo_observed *o);

/* Frees the tc filters of every place (the bulk of an observation at
 * thousands of rules), keeping the places: n_filters becomes 0. */
void oo_observed_release_tc_filters(struct oo_observed *o);

#endif
