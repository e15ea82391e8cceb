/* The project's view of OVSDB. This header is the boundary: no OVS type or
 * header appears here, so only ovsdb/ is compiled against libopenvswitch. */
#ifndef OO_OVSDB_OVSDB_H
#define OO_OVSDB_OVSDB_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OO_OVSDB_DEFAULT_REMOTE "unix:/var/run/openvswitch/db.sock"

/* external_ids key that marks the rows ovs-offload created (value "true").
 * ovs-vswitchd does not monitor external_ids, so the mark costs nothing. */
#define OO_OVS_OWNER_KEY "ovs-offload-owned"

/* Open_vSwitch external_ids key in which oo_ovsdb_apply() records what the
 * running ovs-vswitchd made of hw-offload and tc-policy when ovs-offload last
 * wrote them (see ovsdb/offload-state.h). Machine-readable, not for people. */
#define OO_OVS_RECORD_KEY "ovs-offload-hw-offload"

/* Where ovs-vswitchd's pidfile and control socket are looked for when the
 * remote is not a unix: socket and OVS_RUNDIR is unset (Debian's rundir). */
#define OO_OVS_DEFAULT_RUNDIR "/var/run/openvswitch"

struct oo_ovs_bridge {
    char *name;                     /* Bridge name */
    bool owned;                     /* external_ids:ovs-offload-owned=true */
    size_t n_ports;
    char **ports;                   /* Port names, sorted */
};

/* A port and its (first) interface. */
struct oo_ovs_port {
    char *name;                     /* Port name (= its interface's name for ours) */
    char *bridge;                   /* the bridge it is on, NULL if on none */
    bool owned;                     /* external_ids:ovs-offload-owned=true on the Port */
    char *iface_type;               /* Interface type ("" = system netdev, "internal", ...) */
    int64_t ofport;                 /* Interface ofport; -1 = failed or not yet assigned */
    char *error;                    /* Interface error, NULL if none */
    char **other_ifaces;            /* its interfaces not named as the port (an OVS
                                     * bond's members), NULL-terminated; NULL if none */
};

/* One datapath of the running ovs-vswitchd, as its upcall/show counts flows. */
#define OO_OVS_MAX_DATAPATHS 4
struct oo_ovs_datapath {
    char name[64];                  /* "system@ovs-system", "netdev@ovs-netdev" */
    int64_t flows;                  /* "flows : (current N)": flows the datapath holds
                                     * itself (the kernel datapath's: those not in
                                     * tc); -1 not shown */
    int64_t offloaded;              /* "offloaded flows : N": flows OVS put into tc
                                     * (in hardware or not); -1 not shown (no port of
                                     * the datapath has a flow API) */
    int revalidators;               /* its "  N: (keys K)" lines: revalidator threads.
                                     * 0: ovs-vswitchd started no upcall thread for it
                                     * (none without handlers), so every upcall is
                                     * lost; -1 not known (not OVS 3.1's format) */
};

/* Flows that stay in ovs-vswitchd's kernel datapath (not offloaded to tc),
 * counted by the port they enter at. */
struct oo_ovs_port_flows {
    char port[64];                  /* in_port's name (or number, if it has none) */
    uint64_t flows;
};

/* Asks the ovs-vswitchd that runs next to `remote` (pid as its pidfile
 * says: oo_ovs_observed.vswitchd_pid) for the flows of system@ovs-system
 * that are not offloaded (`dpctl/dump-flows type=ovs`), and counts them by
 * in_port, most first. Returns 0 with *ret (free()) and *n, or -errno with
 * err saying why. */
int oo_ovs_kernel_flows(const char *remote, int64_t pid, int timeout_ms, struct oo_ovs_port_flows **ret,
                        size_t *n, char *err, size_t err_size);

/* What OVSDB says, read once. Strings are NULL when the key or column is unset. */
struct oo_ovs_observed {
    bool reachable;                 /* connected and read the database */
    char error[256];                /* why not, when !reachable */
    char *ovs_version;              /* Open_vSwitch ovs_version */
    char *db_version;               /* Open_vSwitch db_version */
    char *hw_offload;               /* other_config:hw-offload as stored */
    bool hw_offload_enabled;        /* what ovs-vswitchd makes of it (default false) */
    char *tc_policy;                /* other_config:tc-policy as stored (OVS default: none) */
    char *max_idle;                 /* other_config:max-idle as stored */
    int64_t next_cfg;               /* Open_vSwitch next_cfg */
    int64_t cur_cfg;                /* Open_vSwitch cur_cfg (ovs-vswitchd's ack) */
    size_t n_bridges;
    struct oo_ovs_bridge *bridges;  /* sorted by name */
    size_t n_ports;
    struct oo_ovs_port *ports;      /* every Port, sorted by name */
    int vswitchd_running;           /* 1 yes, 0 no, -1 unknown (see vswitchd_why) */
    int restart_needed;             /* 1: the running ovs-vswitchd has not applied the
                                     * stored hw-offload / tc-policy and only a restart
                                     * makes it; 0 no (also when none runs); -1 unknown */
    /* The rest is filled together with vswitchd_running/restart_needed. */
    int offload_active;             /* 1: the running ovs-vswitchd has its flow API on at
                                     * least one datapath port (upcall/show reports
                                     * "offloaded flows"); 0: it has datapaths and none
                                     * does; -1 unknown (none runs, no bridge yet, ...) */
    size_t n_datapaths;             /* its datapaths, in upcall/show's order (the
                                     * first OO_OVS_MAX_DATAPATHS); 0 unknown or none */
    struct oo_ovs_datapath datapaths[OO_OVS_MAX_DATAPATHS];
    int flow_api;                   /* enum oo_flow_api of the running ovs-vswitchd
                                     * (ovsdb/offload-state.h); 0 unknown */
    char flow_api_policy[16];       /* with OO_FLOW_API_ON: the tc-policy it read */
    bool record_current;            /* ovs-offload's record is of this boot and of the
                                     * stored hw-offload and tc-policy */
    bool restart_settles;           /* ovs-vswitchd runs, and one restarted after a record
                                     * written now is known to have read the stored values
                                     * (its start time and the boot id can be read) */
    int64_t vswitchd_pid;           /* its pid as written in its pidfile, 0 if none */
    char vswitchd_why[200];         /* how vswitchd_running was decided, for people */
    char restart_why[240];          /* how restart_needed was decided, for people */
};

/* Connects to `remote` (an OVSDB remote such as "unix:/run/openvswitch/db.sock"),
 * reads the Open_vSwitch row, the bridges, ports and interfaces, and
 * disconnects; then asks ovs-vswitchd (found next to a unix: remote, see
 * OO_OVS_DEFAULT_RUNDIR) whether it runs and whether its flow API is on.
 * Gives up after timeout_ms. Returns 0 when read (out->reachable true), or
 * -errno with out->error saying why (-ETIMEDOUT, -ECONNREFUSED, -ENOENT...);
 * out is valid to print and free either way. */
int oo_ovsdb_observe(const char *remote, int timeout_ms, struct oo_ovs_observed *out);

/* Frees what oo_ovsdb_observe allocated; safe on a zeroed struct. */
void oo_ovs_observed_free(struct oo_ovs_observed *o);

/* The port named name in o->ports, which is sorted by name; NULL if none. */
struct oo_ovs_port *oo_ovs_port_find(const struct oo_ovs_observed *o, const char *name);

/* A port that has an interface named iface although the port has another
 * name (a member of an OVS bond); NULL if none. */
const struct oo_ovs_port *oo_ovs_port_with_iface(const struct oo_ovs_observed *o, const char *iface);

/* Adds port (its strings now o's) to o->ports where its name sorts: for
 * observations made otherwise than by reading OVSDB (simulated hosts). */
void oo_ovs_port_add(struct oo_ovs_observed *o, struct oo_ovs_port port);

/* ------------------------------------------------------------ apply */

/* One change. Strings belong to the caller and are only read. */
enum oo_ovs_op_kind {
    OO_OVS_OP_DEL_PORT,             /* remove owned Port `port` (from `bridge` if set) */
    OO_OVS_OP_ADD_BRIDGE,           /* create Bridge `bridge` with its internal port */
    OO_OVS_OP_ADD_PORT,             /* attach netdev `port` to `bridge` as Port+Interface */
    OO_OVS_OP_SET_CONFIG,           /* Open_vSwitch other_config:`key`=`value` (NULL: remove) */
};

struct oo_ovs_op {
    int kind;                       /* enum oo_ovs_op_kind */
    const char *bridge;             /* ADD_*: the bridge; DEL_PORT: the bridge it is expected
                                     * on (NULL or "": wherever it is) */
    const char *port;               /* ADD_PORT, DEL_PORT: Port (and Interface) name */
    const char *key;                /* SET_CONFIG */
    const char *value;              /* SET_CONFIG; NULL removes the key */
};

enum oo_ovs_outcome {
    OO_OVS_NOT_APPLIED,             /* nothing committed (another op was refused, or the
                                     * transaction failed) */
    OO_OVS_DONE,                    /* changed by the committed transaction */
    OO_OVS_UNCHANGED,               /* already so; nothing to do */
    OO_OVS_REFUSED,                 /* refused (error, message): nothing was committed */
};

struct oo_ovs_op_result {
    int outcome;                    /* enum oo_ovs_outcome */
    int error;                      /* -errno when refused, else 0 */
    char message[256];              /* why refused or unchanged, "" otherwise */
    int64_t ofport;                 /* ADD_PORT / ADD_BRIDGE: the Interface's ofport once
                                     * ovs-vswitchd caught up (re-read); -1 none or failed */
    char iface_error[256];          /* ... and its error column, "" if none */
    int orphan;                     /* ADD_PORT whose netdev an orphaned datapath port
                                     * held (below): 1 removed, and ofport/iface_error
                                     * re-read; -errno not removed (message says why); 0 */
};

struct oo_ovs_apply_result {
    size_t n_ops;
    struct oo_ovs_op_result *ops;   /* one per op, in the order given */
    int error;                      /* the return value */
    char error_text[512];           /* why it failed ("" on success), with OVS's text */
    char txn_status[32];            /* last IDL status: "success", "unchanged", "error",
                                     * "try again", ... ("" if nothing was committed) */
    int attempts;                   /* transactions sent (retries after "try again") */
    bool committed;                 /* a transaction with changes succeeded, or the changes
                                     * of an attempt whose reply was lost were found done */
    int64_t next_cfg;               /* next_cfg it committed, 0 if not bumped */
    int64_t cur_cfg;                /* cur_cfg last read */
    int vswitchd_running;           /* as probed before the transaction (1/0/-1) */
    bool waited;                    /* it waited for cur_cfg to reach next_cfg */
    bool wait_timed_out;            /* ... and gave up at the deadline */
    bool stopped;                   /* ... or a stop was asked (oo_ovsdb_set_stop) */
    int64_t connect_ms;             /* until the database was read */
    int64_t commit_ms;              /* building + committing (all attempts) */
    int64_t wait_ms;                /* waiting for ovs-vswitchd (cur_cfg) */
    int64_t total_ms;
    int restart_needed;             /* after the transaction, as oo_ovs_observed's */
    char restart_why[240];
    size_t orphans_removed;         /* ops with orphan 1 */
};

/* Applies ops in ONE OVSDB transaction: all of them or none. Deletions are
 * resolved before additions, so a port removed and added under the same name
 * (moved to another bridge), or the old name of a renamed netdev removed
 * together with the new one added, is fine; ovs-vswitchd sees the final state
 * at once and removes before it adds.
 *
 * What it creates is marked external_ids:ovs-offload-owned=true (Bridge and
 * its internal Port, Port). DEL_PORT only removes a Port that carries the mark
 * (verified in the transaction); a port name (or interface name) already used
 * by another port is refused with its owner and bridge named. An op that is
 * already so is UNCHANGED; when every op is, nothing is sent. When
 * hw-offload/tc-policy change, OO_OVS_RECORD_KEY is updated in the same
 * transaction (also when a transaction is sent anyway and the record is
 * missing or stale; and n_ops == 0 asks for just that: call it before
 * oo_ovs_restart() so that the restarted process's state is known even for
 * values someone else wrote). next_cfg is incremented when anything
 * ovs-vswitchd reads changed and, unless ovs-vswitchd is known not to run,
 * cur_cfg is waited for; then each added Interface's ofport and error are read
 * back.
 *
 * An added Interface that ovs-vswitchd could not add with "File exists" is
 * held off by an orphaned port of the kernel datapath: one whose netdev was
 * renamed while it was a port, which OVS 3.1 forgets without deleting
 * (bridge_delete_or_reconfigure_ports() unregisters a port whose old name the
 * datapath no longer has). Nothing clears it, not even a restart. EEXIST is
 * the kernel refusing to link a netdev to the datapath a second time, and the
 * orphan has the netdev's current name, which is the Interface's: it is the
 * port of the very netdev the op attaches, and ovs-vswitchd, which has just
 * reconfigured, keeps no port for it. It is deleted through ovs-vswitchd (dpctl/del-if on the
 * bridge's datapath, as an admin would), then ovs-vswitchd is made to
 * reconfigure (next_cfg) and the Interface is read back (op result orphan).
 *
 * ovsdb-server going away meanwhile is survived: the connection is retried,
 * and the transaction rebuilt from the database as it is then, until
 * timeout_ms, which bounds the whole call (connect, commit, wait).
 *
 * Returns 0 when committed (or nothing to do) — even if the wait for
 * ovs-vswitchd timed out (res->wait_timed_out) — or -errno: -EINVAL bad
 * arguments, -EEXIST name collision, -EPERM not owned, -ENOENT no such bridge
 * or no Open_vSwitch row, -ESTALE port on another bridge than expected,
 * -ETIMEDOUT, -EIO the server refused the transaction (res->error_text has its
 * text). res is always filled; free it with oo_ovs_apply_result_free(). */
int oo_ovsdb_apply(const char *remote, const struct oo_ovs_op *ops, size_t n_ops, int timeout_ms,
                   struct oo_ovs_apply_result *res);

/* Increments Open_vSwitch next_cfg alone, in one transaction, and returns
 * its new value in *ret_next_cfg without waiting for cur_cfg: once
 * cur_cfg reaches it, the ovs-vswitchd that set it has read the database
 * as it is now. After a restart, the stored cur_cfg is the old process's,
 * and the new one answers before its first reconfigure: this tells the two
 * apart. Returns 0, or -errno with err set (-ETIMEDOUT within timeout_ms). */
int oo_ovsdb_bump_next_cfg(const char *remote, int timeout_ms, int64_t *ret_next_cfg, char *err,
                           size_t err_size);

/* Frees res->ops; safe on a zeroed struct. */
void oo_ovs_apply_result_free(struct oo_ovs_apply_result *res);

/* Called by oo_ovsdb_apply() with its remote once the first transaction is
 * built, just before it is sent. The library's definition is weak and does
 * nothing; tests/host defines one that changes the database there. */
void oo_ovsdb_apply_test_seam(const char *db);

const char *oo_ovs_op_kind_to_string(int kind);     /* "del-port", ... */
const char *oo_ovs_outcome_to_string(int outcome);  /* "done", "unchanged", ... */

/* Registers the flag a signal handler sets to have the process exit
 * (SIGTERM): then the waits of oo_ovsdb_apply() (for the database, and for
 * ovs-vswitchd to apply a committed transaction: res->stopped) and of
 * oo_ovs_restart() look at it at least every 100 ms and end early once it is
 * set, with -ECANCELED where they fail. A transaction being committed is not
 * cut short: the server answers it at once. NULL unregisters. Process-wide,
 * as the signal is. */
void oo_ovsdb_set_stop(const volatile sig_atomic_t *stop);

/* ------------------------------------------------------------ restart */

/* Runs argv (argv[0] looked up in PATH; no shell) to restart ovs-vswitchd,
 * e.g. {"systemctl", "restart", "openvswitch-switch", NULL}, with stdin and
 * stdout on /dev/null and default signal handling, and waits up to timeout_ms
 * for it to exit (then kills its process group). Returns 0 if it exited with
 * status 0; else -ENOENT/-EACCES... (could not run it), -ETIMEDOUT (killed),
 * or -EIO (non-zero status or killed by a signal), with err saying what
 * happened and the end of its stderr; -ECANCELED when a stop was asked
 * (oo_ovsdb_set_stop) while it ran, which is left to run on. Needs no OVS
 * header (ovsdb/ovs-restart.c). */
int oo_ovs_restart(const char *const *argv, int timeout_ms, char *err, size_t err_size);

#endif
