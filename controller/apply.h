/* apply: executes a plan's steps in order, with a progress line per step.
 * It decides nothing (the planner did); it resolves what the plan could not
 * name yet (representors of VFs made in this run), re-reads what it writes,
 * and stops at the first failure with the kernel's message. Whatever point it
 * stops at, planning again from the host's state converges. */
#ifndef OO_CONTROLLER_APPLY_H
#define OO_CONTROLLER_APPLY_H

#include <stdbool.h>
#include <signal.h>
#include <stdio.h>

#include "config/config.h"
#include "controller/observe.h"
#include "controller/plan.h"

struct oo_apply_opts {
    const char *root;               /* sysfs prefix ("" on a real host) */
    const char *ovs_remote;         /* OVSDB remote */
    int ovsdb_timeout_ms;           /* per OVSDB read; a transaction gets
                                     * waits.timeout_s when that is longer */
    FILE *progress;                 /* progress lines, or NULL */
    /* Called with true before a batch of tc filter writes and with false
     * after it, or NULL. ovs-offloadd leaves RTNLGRP_TC meanwhile: with no
     * listener the kernel builds no notification per filter, and a pass
     * that changed something is followed by a verify pass anyway. */
    void (*tc_writes)(void *arg, bool begin);
    void *tc_writes_arg;
    /* The config's filters as the plan had them (oo_tc_desired_build_observed
     * over obs), or NULL. When no step before the first tc-sync step changed
     * the host, tc-sync steps resolve with these and obs: a plan of tc steps
     * alone (a daemon's repair) then reads devlink, links and qdiscs once. */
    const struct oo_tc_desired *tc_desired;
    /* Set non-zero from a signal handler (ovs-offloadd's SIGTERM), or NULL:
     * the apply stops before its next step or within 0.1 s of a wait (VFs,
     * LAG, uplink, udev, ovs-vswitchd after a restart), failing with
     * -ECANCELED; what the later steps put back (VFs unbound for a mode
     * change) is still put back. The OVSDB layer's waits (for ovs-vswitchd
     * to apply a transaction, for a restart command) see the same flag only
     * when it is also registered with oo_ovsdb_set_stop(), as the daemon
     * does. */
    const volatile sig_atomic_t *stop;
};

struct oo_apply_result {
    size_t n_done;                  /* steps completed */
    long failed;                    /* index of the failed step, -1 if none */
    int err;                        /* its -errno */
    char message[600];              /* what failed, with the kernel's or OVS's text */
    int64_t ms;                     /* time taken */
};

/* Drops the journal's entries (controller/journal.h) that speak for nothing
 * any more: VF records for no unbound VF of obs's PCI PFs (VFs someone bound
 * since, and VFs that are gone), and bond entries for bonds obs does not have
 * (an apply stopped before creating one). Every pass calls it under the host
 * lock, plan or no plan, so that a stale record cannot later bind a VF an
 * admin unbinds, nor a stale entry hand us a bond someone else makes. */
void oo_apply_prune_journal(const char *root, const struct oo_observed *obs);

/* What wait-lag reads of bond's members among obs's PFs (those whose
 * uplink's master is bond, in sysfs under root): mlx5's LAG state. */
struct oo_lag_poll {
    unsigned members;               /* PFs whose uplink is in the bond */
    unsigned reported;              /* members whose state was read */
    unsigned active;                /* of them, active */
    unsigned n_unreadable;          /* mlx5 members whose state cannot be read */
    char unreadable[96];            /* their PCI addresses, comma-separated */
    int unreadable_err;             /* the first one's -errno (oo_sriov_read_lag_active) */
};
void oo_apply_lag_poll(const char *root, const struct oo_observed *obs, const char *bond,
                       struct oo_lag_poll *out);

/* Applies plan (built from cfg and obs, which must have no errors), waiting
 * for the hardware as cfg->waits says. Returns 0 or the failed step's -errno
 * (res says which and why). */
int oo_apply(const struct oo_config *cfg, const struct oo_observed *obs, const struct oo_plan *plan,
             const struct oo_apply_opts *opts, struct oo_apply_result *res);

#endif
