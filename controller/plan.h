/* The planner: a pure function from (desired, observed) to an ordered list of
 * small steps. Every ordering rule the hardware imposes is encoded here, once
 * (README "Planning"; each rule has a unit test). Apply executes steps and
 * decides nothing; a model of apply (controller/model.h) lets the tests check
 * that planning again after applying a plan finds nothing to do. */
#ifndef OO_CONTROLLER_PLAN_H
#define OO_CONTROLLER_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "config/config.h"
#include "controller/observe.h"

enum oo_step_kind {
    /* OVS removals come first (deletions before additions). */
    OO_STEP_OVS_DEL_PORT,           /* remove an owned port from its bridge */
    /* Bond removals and changes that need the members released. */
    OO_STEP_BOND_RELEASE,           /* release a member netdev from its bond */
    OO_STEP_BOND_DELETE,            /* delete an owned bond the config no longer has */
    /* Devices, per PF, in the hardware's order. */
    OO_STEP_VF_UNBIND,              /* unbind every VF of the PF from its driver */
    OO_STEP_ESWITCH_MODE,           /* devlink eswitch mode from -> to */
    OO_STEP_DEVLINK_PARAM,          /* a devlink param (runtime cmode), set while legacy */
    OO_STEP_NUM_VFS,                /* sriov_numvfs from -> to (never non-zero to non-zero) */
    OO_STEP_WAIT_VFS,               /* until the VFs (and in switchdev their representors) exist */
    OO_STEP_HW_TC_OFFLOAD,          /* ethtool hw-tc-offload on for the uplink */
    OO_STEP_MULTIPORT,              /* devlink param esw_multiport (after switchdev) */
    OO_STEP_VF_MAC,                 /* IFLA_VF_MAC */
    OO_STEP_VF_VLAN,                /* IFLA_VF_VLAN (vlan, qos) */
    OO_STEP_VF_TRUST,               /* IFLA_VF_TRUST */
    OO_STEP_VF_SPOOFCHK,            /* IFLA_VF_SPOOFCHK */
    OO_STEP_VF_LINK_STATE,          /* IFLA_VF_LINK_STATE (legacy) */
    OO_STEP_VF_RATE,                /* IFLA_VF_RATE min/max Mbps (legacy) */
    OO_STEP_VF_DEVLINK_RATE,        /* devlink rate leaf tx_share/tx_max (switchdev) */
    OO_STEP_VF_MIGRATABLE,          /* devlink port function migratable (VF unbound) */
    /* Bonds: creation, options, members (VF-LAG). */
    OO_STEP_BOND_MARK,              /* mark a bond an interrupted apply created as ours */
    OO_STEP_BOND_CREATE,            /* create the bond with mode and options (then mark it) */
    OO_STEP_BOND_SET,               /* one bond option from -> to */
    OO_STEP_LINK_DOWN,              /* set a netdev down */
    OO_STEP_BOND_ENSLAVE,           /* enslave a (down) PF uplink */
    OO_STEP_LINK_IPV6_OFF,          /* a representor's IPv6 off (disable_ipv6) */
    OO_STEP_LINK_UP,                /* set a netdev up */
    OO_STEP_WAIT_LAG,               /* until the driver reports the LAG active */
    OO_STEP_VF_BIND,                /* bind the PF's VFs to their driver again */
    /* Open vSwitch: applied together, in one transaction. */
    OO_STEP_OVS_ADD_BRIDGE,         /* create a bridge (marked owned) */
    OO_STEP_OVS_ADD_PORT,           /* attach an uplink, bond or representor (marked owned) */
    OO_STEP_OVS_SET_CONFIG,         /* Open_vSwitch other_config key from -> to */
    OO_STEP_OVS_RECORD,             /* write ovs-offload's record of what ovs-vswitchd
                                     * runs with (alone: no other OVS step writes it) */
    OO_STEP_OVS_RESTART,            /* restart ovs-vswitchd (ovs.restart: if-needed); opt:
                                     * enum oo_restart_why */
    OO_STEP_OVS_RECONFIGURE,        /* have ovs-vswitchd reconfigure (next_cfg), so that it
                                     * starts the upcall threads it runs without */
    /* tc, after OVS (which replaces the ingress qdisc of the ports it attaches). */
    OO_STEP_TC_SYNC,                /* reconcile the owned flower filters of one target */
    OO_STEP_KIND_MAX,
};

/* Why an ovs-restart step restarts. */
enum oo_restart_why {
    OO_RESTART_NEEDED = 0,          /* it does not run with what is stored */
    OO_RESTART_SETTLE,              /* what it runs with is not known, and it serves no
                                     * bridge: restarted before any is added */
};

/* Bond options a step can change (OO_STEP_BOND_SET). */
enum oo_bond_opt { OO_BOND_OPT_MODE, OO_BOND_OPT_MIIMON, OO_BOND_OPT_XMIT_HASH,
                   OO_BOND_OPT_LACP_RATE, OO_BOND_OPT_PRIMARY };

/* What a step acts on. Devices are named by the config's PF and resolved to
 * the host's objects at apply time (names of representors do not exist yet
 * while their VFs are being created). */
struct oo_step {
    int kind;                       /* enum oo_step_kind */
    char object[80];                /* what, for people: "pf0", "pf0/vf3", "bond0", "br-offload" */
    char from[64];                  /* the current value, for people ("" = none) */
    char to[64];                    /* the new value, for people ("" = none) */
    char reason[160];               /* why, for people */
    int pf;                         /* index in the config's pfs, -1 if none */
    int obs_pf;                     /* index in the observed pfs, -1 if none */
    int64_t vf;                     /* VF id, -1 if none */
    int64_t num;                    /* numeric value: mode, count, rate, option value */
    int64_t num2;                   /* a second value (qos, min rate, tx_share) */
    int opt;                        /* OO_STEP_BOND_SET: enum oo_bond_opt; OO_STEP_ESWITCH_MODE:
                                     * the encap-mode to set with it, -1 none (num2: the
                                     * inline-mode, -1 none); OO_STEP_VF_BIND: enum oo_bind_when;
                                     * OO_STEP_LINK_UP of a representor: 1 turns its IPv6
                                     * off before it goes up */
    char name[64];                  /* netdev, bond, bridge, param or other_config key */
    char name2[64];                 /* bond of an enslave/release; bridge of a port; value of a param */
};

/* When a vf-bind step binds: with its PF's steps, or only once a VF-LAG is
 * active or esw_multiport is set (binding earlier leaves them off). */
enum oo_bind_when {
    OO_BIND_WITH_PF = 0,
    OO_BIND_AFTER_LAG,
    OO_BIND_AFTER_MULTIPORT,
};

/* Something in the host that the plan cannot fix: apply stops before it. */
struct oo_plan_issue {
    char object[80];                /* "pf0", "bond0", "br-offload/eth5" */
    char message[400];              /* what is wrong and what to do */
};

struct oo_plan {
    struct oo_step *steps;
    size_t n_steps;
    struct oo_plan_issue *errors;   /* blockers: the plan must not be applied */
    size_t n_errors;
    struct oo_plan_issue *notes;    /* not blocking: e.g. ovs-vswitchd needs a restart */
    size_t n_notes;
    bool forced;                    /* made with --force: VFs in use may be unbound */
};

/* Whether apply, stopped by step `failed` of plan, still runs step j, to put
 * back what the steps it ran took away: a later vf-bind of OO_BIND_WITH_PF,
 * so that VFs unbound for a change that failed (or by an earlier run) go back
 * to their driver instead of staying unbound until the cause is fixed
 * (deferred binds are not run early: VFs bound before the LAG is active
 * never get VF-LAG); a later link-up of a netdev that a link-down or a bond
 * release before the failure took down (a member to enslave, a bond whose
 * mode changes), so that a failed enslave does not leave an uplink down; and
 * a later enslave of a member released before the failure, so that a failed
 * change of a VF-LAG member does not leave its bond empty. */
bool oo_plan_after_failure(const struct oo_plan *plan, size_t failed, size_t j);

/* The same when the apply stopped before step next ran (asked to exit):
 * steps 0..next-1 ran, and step next itself is a candidate. */
bool oo_plan_after_stop(const struct oo_plan *plan, size_t next, size_t j);

struct oo_tc_desired;

struct oo_plan_opts {
    bool force;                     /* destroy VFs even when they are in use */
    bool ignore_daemon;             /* a running ovs-offloadd that enforces another
                                     * config is a note, not a blocker */
    /* The config's tc filters as oo_tc_desired_build() makes them with the
     * resolver over this obs, when the caller has them already (the
     * daemon's tc cache needs them first), or NULL. */
    const struct oo_tc_desired *tc_desired;
};

/* Plans how to get from observed to desired. cfg must be validated; opts may
 * be NULL. Pure: reads only its arguments. */
void oo_plan_build(const struct oo_config *cfg, const struct oo_observed *obs,
                   const struct oo_plan_opts *opts, struct oo_plan *plan);
void oo_plan_free(struct oo_plan *plan);

/* Maps each config PF to an observed PF (by devlink handle, or by the netdev
 * of its physical port); -1 where the host has none. map has cfg->n_pfs
 * entries. */
void oo_plan_map_pfs(const struct oo_config *cfg, const struct oo_observed *obs, int *map);

/* Whether the running ovs-vswitchd needs a restart once one transaction
 * leaves hw-offload and tc-policy stored as hw and tc (NULL: unset) in place
 * of ovs's: 1, 0, or -1 unknown, with the reason in why. From what ovs knows
 * of the process's flow API (ovsdb/offload-state.h); when that cannot tell,
 * 1 if the write changes tc-policy or turns hw-offload off under a flow API
 * that is on. *flow_api and policy (16 bytes) become the process's flow API
 * after the write. A write can end a need too: the tc-policy the process
 * runs with put back. */
int oo_plan_restart_after_write(const struct oo_ovs_observed *ovs, const char *hw, const char *tc,
                                int *flow_api, char *policy, char *why, size_t why_size);
/* Whether the running ovs-vswitchd's flow API is (probably) on before a
 * write: as observe derived it, or as upcall/show or the stored hw-offload
 * suggest. offload_active 2 (the model's "turned on by this transaction")
 * is not "before". */
bool oo_plan_flow_api_was_on(const struct oo_ovs_observed *ovs);

/* Whether a step of this kind is one of the OVSDB changes that go together
 * in one transaction (del-port, add-bridge, add-port, set-config). */
bool oo_step_kind_is_ovsdb_change(int kind);
/* The datapaths ovs-vswitchd runs no upcall thread for (upcall/show lists
 * no revalidator), as a ", " list in buf; returns how many. */
size_t oo_ovs_without_upcall_threads(const struct oo_ovs_observed *ovs, char *buf, size_t size);
const char *oo_step_kind_to_string(int kind);       /* "eswitch-mode", ... */
int oo_step_kind_from_string(const char *s);

/* "[3/12] pf0: eswitch-mode legacy -> switchdev (reason)" lines, or JSON. */
void oo_plan_print_text(FILE *f, const struct oo_plan *plan);
void oo_plan_print_json(FILE *f, const struct oo_plan *plan, bool pretty);
/* The same object (or one step's), into a document being written. */
struct oo_json;
void oo_plan_json(struct oo_json *j, const struct oo_plan *plan);
void oo_step_json(struct oo_json *j, const struct oo_step *s);
/* One step as the text line apply prints: "pf0: eswitch-mode legacy -> switchdev". */
void oo_step_format(const struct oo_step *s, char *buf, size_t size);

#endif
