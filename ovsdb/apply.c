/* Writing OVSDB: a plan's Open vSwitch steps as ONE IDL transaction
 * (ovsdb.h, oo_ovsdb_apply()).
 *
 * Each attempt reads the database as the IDL holds it, decides every op
 * against it (deletions first, so that names they free can be reused), and
 * either refuses the whole set or builds one transaction:
 *   - DEL_PORT removes the Port from its bridge's "ports" (a mutation; the
 *     server then garbage-collects the Port and its Interfaces) and verifies
 *     the Port's external_ids, so that a mark removed meanwhile makes the
 *     transaction fail ("try again") and the next attempt refuses it;
 *   - ADD_BRIDGE inserts Interface (type internal) + Port + Bridge, the last
 *     two marked, and adds the bridge to Open_vSwitch "bridges" (mutation);
 *   - ADD_PORT inserts Interface + marked Port and adds it to the bridge's
 *     "ports" (mutation, or part of a new bridge's initial set);
 *   - SET_CONFIG sets or deletes one other_config key (mutation);
 *   - next_cfg is incremented when anything ovs-vswitchd reads changed.
 * Mutations rather than whole-column writes: a concurrent client adding a
 * bridge or port of its own is not undone by us, and needs no retry.
 * Names are unique per table (the schema's indexes), so the server refuses a
 * duplicate with a "constraint violation" that names UUIDs; the checks here
 * name the port and bridge instead, and a collision created concurrently is
 * re-checked once the IDL has seen it.
 *
 * Connection: retry=true, unlike observe: apply is the moment to do the
 * work, and an ovsdb-server being restarted (by a package upgrade, say) is
 * waited for until the deadline. A transaction that fails with "try again"
 * (connection lost before the reply, a verify failed) is rebuilt from the
 * database as it is after the IDL has caught up, so ops that the lost attempt
 * did commit read as already done. */

#include <config.h>

#include "ovsdb/ovsdb.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "openvswitch/poll-loop.h"
#include "openvswitch/shash.h"
#include "ovsdb-idl.h"
#include "smap.h"
#include "sset.h"
#include "stream.h"
#include "timeval.h"
#include "vswitch-idl.h"

#include "common/util.h"
#include "ovsdb/idl.h"
#include "ovsdb/ovs-env.h"

/* How long a "try again" waits for the IDL to see something new before the
 * transaction is rebuilt anyway (a resync after a reconnection may bring no
 * change at all). */
#define RETRY_WAIT_MS 250
/* Longest ovs-vswitchd probe. */
#define PROBE_MAX_MS 2000

const char *oo_ovs_op_kind_to_string(int kind)
{
    switch (kind) {
    case OO_OVS_OP_DEL_PORT: return "del-port";
    case OO_OVS_OP_ADD_BRIDGE: return "add-bridge";
    case OO_OVS_OP_ADD_PORT: return "add-port";
    case OO_OVS_OP_SET_CONFIG: return "set-config";
    default: return "?";
    }
}

const char *oo_ovs_outcome_to_string(int outcome)
{
    switch (outcome) {
    case OO_OVS_NOT_APPLIED: return "not-applied";
    case OO_OVS_DONE: return "done";
    case OO_OVS_UNCHANGED: return "unchanged";
    case OO_OVS_REFUSED: return "refused";
    default: return "?";
    }
}

void oo_ovs_apply_result_free(struct oo_ovs_apply_result *res)
{
    if (!res)
        return;
    free(res->ops);
    res->ops = NULL;
    res->n_ops = 0;
}

static void set_text(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void set_text(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, size, fmt, ap);
    va_end(ap);
}

#define OP_MSG(r, ...) set_text((r)->message, sizeof (r)->message, __VA_ARGS__)
#define RES_ERR(res, ...) set_text((res)->error_text, sizeof (res)->error_text, __VA_ARGS__)

static bool is_owned(const struct smap *external_ids)
{
    return smap_get_bool(external_ids, OO_OVS_OWNER_KEY, false);
}

static bool empty(const char *s)
{
    return !s || !*s;
}

/* ------------------------------------------------------------ the view */

/* The database as one attempt sees it, indexed by name. Pointers into the
 * IDL's rows: valid until the next ovsdb_idl_run(). */
struct view {
    const struct ovsrec_open_vswitch *ovs;
    struct shash bridges;           /* name -> ovsrec_bridge */
    struct shash ports;             /* name -> ovsrec_port */
    struct shash bridge_of;         /* port name -> ovsrec_bridge */
    struct shash iface_owner;       /* interface name -> ovsrec_port */
    /* What the ops do, decided against the above. */
    struct sset freed;              /* port and interface names DEL_PORT releases */
    struct shash new_bridges;       /* name -> struct new_bridge */
    struct shash new_ports;         /* name -> bridge name (added by this txn) */
    struct shash add_to;            /* port name -> the bridge an ADD_PORT of the ops names */
};

struct new_bridge {
    const struct ovsrec_bridge *row;    /* inserted row, during the build */
    size_t n_ports, cap;
    struct ovsrec_port **ports;         /* its initial "ports" */
};

static void view_init(struct view *v, struct ovsdb_idl *idl)
{
    const struct ovsrec_bridge *br;
    const struct ovsrec_port *port;

    memset(v, 0, sizeof *v);
    shash_init(&v->bridges);
    shash_init(&v->ports);
    shash_init(&v->bridge_of);
    shash_init(&v->iface_owner);
    sset_init(&v->freed);
    shash_init(&v->new_bridges);
    shash_init(&v->new_ports);
    shash_init(&v->add_to);

    v->ovs = ovsrec_open_vswitch_first(idl);
    OVSREC_BRIDGE_FOR_EACH (br, idl) {
        shash_add_once(&v->bridges, br->name, br);
        for (size_t i = 0; i < br->n_ports; i++)
            shash_add_once(&v->bridge_of, br->ports[i]->name, br);
    }
    OVSREC_PORT_FOR_EACH (port, idl) {
        shash_add_once(&v->ports, port->name, port);
        for (size_t i = 0; i < port->n_interfaces; i++)
            shash_add_once(&v->iface_owner, port->interfaces[i]->name, port);
    }
}

static void view_destroy(struct view *v)
{
    struct shash_node *node;

    SHASH_FOR_EACH (node, &v->new_bridges) {
        struct new_bridge *nb = node->data;
        free(nb->ports);
        free(nb);
    }
    shash_destroy(&v->new_bridges);
    shash_destroy(&v->new_ports);
    shash_destroy(&v->add_to);
    sset_destroy(&v->freed);
    shash_destroy(&v->iface_owner);
    shash_destroy(&v->bridge_of);
    shash_destroy(&v->ports);
    shash_destroy(&v->bridges);
}

static const char *bridge_name_of(const struct view *v, const char *port)
{
    const struct ovsrec_bridge *br = shash_find_data(&v->bridge_of, port);

    return br ? br->name : NULL;
}

/* Whether `name` can become a new Port + Interface: not used by a port or
 * interface that stays, nor twice by this transaction. Says who uses it. */
static int name_is_free(const struct view *v, const char *name, struct oo_ovs_op_result *r)
{
    const struct ovsrec_port *port = shash_find_data(&v->ports, name);
    const struct ovsrec_port *owner = shash_find_data(&v->iface_owner, name);
    const char *br;

    if (port && !sset_contains(&v->freed, name)) {
        br = bridge_name_of(v, name);
        OP_MSG(r, "port %s already exists on bridge %s%s", name, br ? br : "(none)",
               is_owned(&port->external_ids) ? " (created by ovs-offload: remove it there first)"
                                             : " and ovs-offload did not create it");
        return -EEXIST;
    }
    if (owner && !sset_contains(&v->freed, owner->name)) {
        br = bridge_name_of(v, owner->name);
        OP_MSG(r, "%s is already an interface of port %s on bridge %s%s", name, owner->name,
               br ? br : "(none)",
               is_owned(&owner->external_ids) ? "" : ", which ovs-offload did not create");
        return -EEXIST;
    }
    if (shash_find(&v->new_ports, name) || shash_find(&v->new_bridges, name)) {
        OP_MSG(r, "%s is added twice by this transaction", name);
        return -EINVAL;
    }
    return 0;
}

/* ------------------------------------------------------------ deciding */

static void decide_del_port(struct view *v, const struct oo_ovs_op *op, struct oo_ovs_op_result *r)
{
    const struct ovsrec_port *port = shash_find_data(&v->ports, op->port);
    const char *br = bridge_name_of(v, op->port);

    if (!port) {
        r->outcome = OO_OVS_UNCHANGED;
        OP_MSG(r, "no port %s: already gone", op->port);
        return;
    }
    if (!br) {
        r->outcome = OO_OVS_UNCHANGED;
        OP_MSG(r, "port %s is on no bridge", op->port);
        return;
    }
    if (!empty(op->bridge) && strcmp(op->bridge, br)) {
        const char *to = shash_find_data(&v->add_to, op->port);
        /* Moved already: by an attempt whose reply was lost, or by anyone. */
        if (to && !strcmp(to, br) && is_owned(&port->external_ids)) {
            r->outcome = OO_OVS_UNCHANGED;
            OP_MSG(r, "port %s is on bridge %s already, where it moves", op->port, br);
            return;
        }
        r->outcome = OO_OVS_REFUSED;
        r->error = -ESTALE;
        OP_MSG(r, "port %s is on bridge %s, not %s", op->port, br, op->bridge);
        return;
    }
    if (!is_owned(&port->external_ids)) {
        r->outcome = OO_OVS_REFUSED;
        r->error = -EPERM;
        OP_MSG(r, "port %s on bridge %s does not carry external_ids:%s=true: ovs-offload does not "
               "remove what it did not create", op->port, br, OO_OVS_OWNER_KEY);
        return;
    }
    r->outcome = OO_OVS_DONE;
    sset_add(&v->freed, port->name);
    for (size_t i = 0; i < port->n_interfaces; i++)
        sset_add(&v->freed, port->interfaces[i]->name);
}

static void decide_add_bridge(struct view *v, const struct oo_ovs_op *op, struct oo_ovs_op_result *r)
{
    const struct ovsrec_bridge *br = shash_find_data(&v->bridges, op->bridge);
    int e;

    if (br) {
        r->outcome = OO_OVS_UNCHANGED;
        OP_MSG(r, "bridge %s exists%s", op->bridge,
               is_owned(&br->external_ids) ? "" : " (not created by ovs-offload)");
        return;
    }
    if (shash_find(&v->new_bridges, op->bridge)) {
        r->outcome = OO_OVS_UNCHANGED;
        OP_MSG(r, "bridge %s is added by an earlier op", op->bridge);
        return;
    }
    /* Its internal port and interface take the bridge's name. */
    e = name_is_free(v, op->bridge, r);
    if (e) {
        r->outcome = OO_OVS_REFUSED;
        r->error = e;
        return;
    }
    shash_add(&v->new_bridges, op->bridge, xzalloc(sizeof(struct new_bridge)));
    r->outcome = OO_OVS_DONE;
}

static void decide_add_port(struct view *v, const struct oo_ovs_op *op, struct oo_ovs_op_result *r)
{
    const struct ovsrec_port *port = shash_find_data(&v->ports, op->port);
    const char *in_txn = shash_find_data(&v->new_ports, op->port);
    const char *br = bridge_name_of(v, op->port);
    int e;

    if (!shash_find(&v->bridges, op->bridge) && !shash_find(&v->new_bridges, op->bridge)) {
        r->outcome = OO_OVS_REFUSED;
        r->error = -ENOENT;
        OP_MSG(r, "no bridge %s to attach %s to", op->bridge, op->port);
        return;
    }
    if (in_txn && !strcmp(in_txn, op->bridge)) {
        r->outcome = OO_OVS_UNCHANGED;
        OP_MSG(r, "port %s is added to %s by an earlier op", op->port, op->bridge);
        return;
    }
    if (port && !sset_contains(&v->freed, op->port) && br && !strcmp(br, op->bridge) &&
        is_owned(&port->external_ids)) {
        r->outcome = OO_OVS_UNCHANGED;
        OP_MSG(r, "port %s is on bridge %s already", op->port, br);
        return;
    }
    e = name_is_free(v, op->port, r);
    if (e) {
        r->outcome = OO_OVS_REFUSED;
        r->error = e;
        return;
    }
    shash_add(&v->new_ports, op->port, op->bridge);
    r->outcome = OO_OVS_DONE;
}

static void decide_set_config(const struct view *v, const struct oo_ovs_op *op,
                              struct oo_ovs_op_result *r)
{
    const char *cur = smap_get(&v->ovs->other_config, op->key);

    if ((!cur && !op->value) || (cur && op->value && !strcmp(cur, op->value))) {
        r->outcome = OO_OVS_UNCHANGED;
        OP_MSG(r, "other_config:%s is %s already", op->key, cur ? cur : "unset");
        return;
    }
    r->outcome = OO_OVS_DONE;
}

/* Decides every op, deletions first. Returns 0 (res->ops filled) or the
 * first refusal's error. */
static int decide(struct view *v, const struct oo_ovs_op *ops, size_t n_ops,
                  struct oo_ovs_apply_result *res)
{
    static const int order[] = { OO_OVS_OP_DEL_PORT, OO_OVS_OP_ADD_BRIDGE, OO_OVS_OP_ADD_PORT,
                                 OO_OVS_OP_SET_CONFIG };
    int first = 0;

    for (size_t i = 0; i < n_ops; i++)
        if (ops[i].kind == OO_OVS_OP_ADD_PORT)
            shash_add_once(&v->add_to, ops[i].port, ops[i].bridge);

    for (size_t k = 0; k < OO_ARRAY_SIZE(order); k++) {
        for (size_t i = 0; i < n_ops; i++) {
            struct oo_ovs_op_result *r = &res->ops[i];

            if (ops[i].kind != order[k])
                continue;
            r->outcome = OO_OVS_NOT_APPLIED;
            r->error = 0;
            r->message[0] = '\0';
            switch (ops[i].kind) {
            case OO_OVS_OP_DEL_PORT: decide_del_port(v, &ops[i], r); break;
            case OO_OVS_OP_ADD_BRIDGE: decide_add_bridge(v, &ops[i], r); break;
            case OO_OVS_OP_ADD_PORT: decide_add_port(v, &ops[i], r); break;
            case OO_OVS_OP_SET_CONFIG: decide_set_config(v, &ops[i], r); break;
            }
            if (r->outcome == OO_OVS_REFUSED && !first)
                first = r->error;
        }
    }
    if (first) {
        /* All or nothing. */
        for (size_t i = 0; i < n_ops; i++)
            if (res->ops[i].outcome == OO_OVS_DONE)
                res->ops[i].outcome = OO_OVS_NOT_APPLIED;
    }
    return first;
}

/* ------------------------------------------------------------ building */

static struct ovsrec_port *insert_port(struct ovsdb_idl_txn *txn, const char *name, const char *type,
                                       const struct smap *mark)
{
    struct ovsrec_interface *iface = ovsrec_interface_insert(txn);
    struct ovsrec_port *port = ovsrec_port_insert(txn);

    ovsrec_interface_set_name(iface, name);
    if (type)
        ovsrec_interface_set_type(iface, type);
    ovsrec_port_set_name(port, name);
    ovsrec_port_set_interfaces(port, &iface, 1);
    ovsrec_port_set_external_ids(port, mark);
    return port;
}

static void new_bridge_add_port(struct new_bridge *nb, struct ovsrec_port *port)
{
    if (nb->n_ports == nb->cap) {
        nb->cap = nb->cap ? 2 * nb->cap : 4;
        nb->ports = xrealloc(nb->ports, nb->cap * sizeof *nb->ports);
    }
    nb->ports[nb->n_ports++] = port;
}

/* Puts the decided ops into txn. Returns whether ovs-vswitchd must reread. */
static bool build(struct view *v, struct ovsdb_idl_txn *txn, const struct oo_ovs_op *ops, size_t n_ops,
                  const struct oo_ovs_apply_result *res)
{
    struct smap mark = SMAP_INITIALIZER(&mark);
    struct shash_node *node;
    bool reconfigure = false;

    smap_add(&mark, OO_OVS_OWNER_KEY, "true");
    for (size_t i = 0; i < n_ops; i++) {
        const struct oo_ovs_op *op = &ops[i];
        const struct ovsrec_port *port;
        const struct ovsrec_bridge *br;

        if (res->ops[i].outcome != OO_OVS_DONE)
            continue;
        switch (op->kind) {
        case OO_OVS_OP_DEL_PORT:
            port = shash_find_data(&v->ports, op->port);
            br = shash_find_data(&v->bridge_of, op->port);
            /* Fails the transaction if the mark changed since we read it. */
            ovsrec_port_verify_external_ids(port);
            ovsrec_bridge_update_ports_delvalue(br, port);
            reconfigure = true;
            break;
        case OO_OVS_OP_ADD_BRIDGE: {
            struct new_bridge *nb = shash_find_data(&v->new_bridges, op->bridge);
            struct ovsrec_bridge *row = ovsrec_bridge_insert(txn);

            ovsrec_bridge_set_name(row, op->bridge);
            ovsrec_bridge_set_external_ids(row, &mark);
            nb->row = row;
            new_bridge_add_port(nb, insert_port(txn, op->bridge, "internal", &mark));
            ovsrec_open_vswitch_update_bridges_addvalue(v->ovs, row);
            reconfigure = true;
            break;
        }
        default:
            break;
        }
    }
    for (size_t i = 0; i < n_ops; i++) {
        const struct oo_ovs_op *op = &ops[i];

        if (res->ops[i].outcome != OO_OVS_DONE)
            continue;
        if (op->kind == OO_OVS_OP_ADD_PORT) {
            struct new_bridge *nb = shash_find_data(&v->new_bridges, op->bridge);
            struct ovsrec_port *port = insert_port(txn, op->port, NULL, &mark);

            if (nb) {
                new_bridge_add_port(nb, port);
            } else {
                const struct ovsrec_bridge *row = shash_find_data(&v->bridges, op->bridge);
                /* A mutation of a row deleted meanwhile matches nothing and
                 * is no error: the Port would be collected unreferenced and
                 * the op reported done. The verify fails the transaction
                 * ("try again"), and the next attempt finds no bridge. */
                ovsrec_bridge_verify_name(row);
                ovsrec_bridge_update_ports_addvalue(row, port);
            }
            reconfigure = true;
        } else if (op->kind == OO_OVS_OP_SET_CONFIG) {
            if (op->value)
                ovsrec_open_vswitch_update_other_config_setkey(v->ovs, op->key, op->value);
            else
                ovsrec_open_vswitch_update_other_config_delkey(v->ovs, op->key);
            reconfigure = true;
        }
    }
    SHASH_FOR_EACH (node, &v->new_bridges) {
        struct new_bridge *nb = node->data;

        if (nb->row)
            ovsrec_bridge_set_ports(nb->row, nb->ports, nb->n_ports);
    }
    smap_destroy(&mark);
    return reconfigure;
}

/* hw-offload / tc-policy after the decided SET_CONFIG ops. */
static void config_after(const struct view *v, const struct oo_ovs_op *ops, size_t n_ops,
                         const struct oo_ovs_apply_result *res, struct oo_offload_cfg *after)
{
    const char *hw = smap_get(&v->ovs->other_config, "hw-offload");
    const char *tc = smap_get(&v->ovs->other_config, "tc-policy");

    for (size_t i = 0; i < n_ops; i++) {
        if (ops[i].kind != OO_OVS_OP_SET_CONFIG || res->ops[i].outcome != OO_OVS_DONE)
            continue;
        if (!strcmp(ops[i].key, "hw-offload"))
            hw = ops[i].value;
        else if (!strcmp(ops[i].key, "tc-policy"))
            tc = ops[i].value;
    }
    oo_offload_cfg_from(hw, tc, after);
}

/* Adds the record (offload-state.h) to txn when the offload settings change,
 * or when it is missing or stale and the transaction is sent anyway (or asks
 * for nothing else). Returns whether it did. */
static bool add_record(const struct view *v, const struct oo_ovs_op *ops,
                       size_t n_ops, const struct oo_ovs_apply_result *res,
                       const struct oo_vswitchd_probe *probe, bool sending)
{
    struct oo_offload_view before;
    struct oo_offload_record rec;
    struct oo_offload_cfg after;
    char text[512];
    const char *old;

    oo_offload_view_build(v->ovs, probe, &before);
    config_after(v, ops, n_ops, res, &after);
    /* Unchanged values, and a record of them from this boot: kept. */
    if (oo_offload_cfg_equal(&before.stored, &after) && (before.record_current || (!sending && n_ops)))
        return false;

    memset(&rec, 0, sizeof rec);
    oo_strlcpy(rec.boot_id, before.boot_id, sizeof rec.boot_id);
    rec.at_ms = oo_boottime_ms();
    rec.cfg = after;
    if (probe->running == 1) {
        rec.vswitchd = probe->id;
        rec.flow_api = oo_flow_api_after_write(before.flow_api, before.policy, &before.stored, &after,
                                               rec.policy);
    } else {
        rec.flow_api = OO_FLOW_API_UNKNOWN;   /* no process to speak of */
    }
    oo_offload_record_format(&rec, text, sizeof text);
    old = smap_get(&v->ovs->external_ids, OO_OVS_RECORD_KEY);
    if (old && !strcmp(old, text))
        return false;
    /* The record describes other_config as this view has it: if another
     * client changes it before the commit (an admin's tc-policy), the
     * record would tell a restart is needed that is not, or hide one that
     * is. The verify fails the transaction then, and the next attempt
     * builds the record from what is stored. */
    ovsrec_open_vswitch_verify_other_config(v->ovs);
    ovsrec_open_vswitch_update_external_ids_setkey(v->ovs, OO_OVS_RECORD_KEY, text);
    return true;
}

/* ------------------------------------------------------------ the loop */

struct run {
    const char *remote;
    struct ovsdb_idl *idl;
    long long start, deadline;
    int timeout_ms;
    bool was_connected;
};

/* Takes the library, connects an IDL monitoring what apply reads to
 * run->remote, and starts run->timeout_ms; run_close() undoes it. */
static void run_open(struct run *run, struct oo_sigpipe_guard *sigpipe)
{
    oo_ovs_lock();
    oo_sigpipe_block(sigpipe);
    run->start = time_msec();
    run->deadline = run->start + run->timeout_ms;
    run->idl = ovsdb_idl_create(run->remote, &ovsrec_idl_class, false, true);
    oo_idl_monitor(run->idl);
}

static void run_close(struct run *run, struct oo_sigpipe_guard *sigpipe)
{
    ovsdb_idl_destroy(run->idl);
    oo_sigpipe_restore(sigpipe);
    oo_ovs_unlock();
}

/* Runs the IDL until it holds the database and may send a transaction, or
 * until the deadline. */
static int wait_ready(struct run *run, struct oo_ovs_apply_result *res)
{
    for (;;) {
        ovsdb_idl_run(run->idl);
        run->was_connected |= ovsdb_idl_is_connected(run->idl);
        if (ovsdb_idl_has_ever_connected(run->idl) && ovsdb_idl_is_connected(run->idl))
            return 0;
        if (time_msec() >= run->deadline) {
            char why[256];
            int r = ovsdb_idl_get_last_error(run->idl);

            if (r) {
                r = oo_idl_explain(run->idl, run->remote, run->was_connected, why, sizeof why);
                RES_ERR(res, "%s (retried for %d ms)", why, run->timeout_ms);
                return r;
            }
            RES_ERR(res, "timed out after %d ms %s %s", run->timeout_ms,
                    run->was_connected ? "waiting for the database from" : "connecting to",
                    run->remote);
            return -ETIMEDOUT;
        }
        if (oo_ovsdb_stopping()) {
            RES_ERR(res, "stopped %s %s: the process is exiting",
                    run->was_connected ? "waiting for the database from" : "connecting to", run->remote);
            return -ECANCELED;
        }
        ovsdb_idl_wait(run->idl);
        poll_timer_wait_until(oo_ovsdb_wake_by(time_msec(), run->deadline));
        poll_block();
    }
}

/* After "try again": lets the IDL catch up (a change, or RETRY_WAIT_MS). */
static void wait_change(struct run *run, unsigned int seqno)
{
    long long until = MIN(run->deadline, time_msec() + RETRY_WAIT_MS);

    while (time_msec() < until) {
        ovsdb_idl_run(run->idl);
        if (ovsdb_idl_get_seqno(run->idl) != seqno)
            return;
        ovsdb_idl_wait(run->idl);
        poll_timer_wait_until(until);
        poll_block();
    }
}

/* Does nothing; a host test overrides it to change the database between
 * the read and the first commit, as a concurrent client would. */
__attribute__((weak)) void oo_ovsdb_apply_test_seam(const char *db)
{
    (void)db;
}

enum attempt_result { ATTEMPT_DONE, ATTEMPT_RETRY, ATTEMPT_FAILED };

/* Commits txn, running the IDL until the server answers or the deadline. */
static enum ovsdb_idl_txn_status commit(struct run *run, struct ovsdb_idl_txn *txn)
{
    enum ovsdb_idl_txn_status status = ovsdb_idl_txn_commit(txn);

    while (status == TXN_INCOMPLETE && time_msec() < run->deadline) {
        ovsdb_idl_run(run->idl);
        ovsdb_idl_wait(run->idl);
        ovsdb_idl_txn_wait(txn);
        poll_timer_wait_until(run->deadline);
        poll_block();
        status = ovsdb_idl_txn_commit(txn);
    }
    return status;
}

/* One transaction. On ATTEMPT_FAILED *ret is the error. */
static int attempt(struct run *run, const struct oo_ovs_op *ops, size_t n_ops,
                   const struct oo_vswitchd_probe *probe, struct oo_ovs_apply_result *res,
                   bool *ever_done, bool recheck, int *ret)
{
    struct ovsdb_idl_txn *txn;
    enum ovsdb_idl_txn_status status;
    unsigned int seqno = ovsdb_idl_get_seqno(run->idl);
    bool reconfigure, record, any = false;
    struct view v;
    int r;

    view_init(&v, run->idl);
    if (!v.ovs) {
        view_destroy(&v);
        RES_ERR(res, "%s has no Open_vSwitch row (ovs-vsctl init makes it)", run->remote);
        *ret = -ENOENT;
        return ATTEMPT_FAILED;
    }
    r = decide(&v, ops, n_ops, res);
    if (r) {
        for (size_t i = 0; i < n_ops; i++)
            if (res->ops[i].outcome == OO_OVS_REFUSED) {
                RES_ERR(res, "%s %s: %s", oo_ovs_op_kind_to_string(ops[i].kind),
                        ops[i].kind == OO_OVS_OP_SET_CONFIG ? ops[i].key
                        : ops[i].kind == OO_OVS_OP_ADD_BRIDGE ? ops[i].bridge : ops[i].port,
                        res->ops[i].message);
                break;
            }
        view_destroy(&v);
        *ret = r;
        return ATTEMPT_FAILED;
    }
    for (size_t i = 0; i < n_ops; i++) {
        any |= res->ops[i].outcome == OO_OVS_DONE;
        /* What an earlier attempt whose outcome was lost did. */
        if (ever_done[i] && res->ops[i].outcome == OO_OVS_UNCHANGED) {
            res->ops[i].outcome = OO_OVS_DONE;
            OP_MSG(&res->ops[i], "done (by an attempt whose reply was lost)");
        }
    }

    txn = ovsdb_idl_txn_create(run->idl);
    ovsdb_idl_txn_add_comment(txn, "ovs-offload: apply %zu op%s", n_ops, n_ops == 1 ? "" : "s");
    reconfigure = build(&v, txn, ops, n_ops, res);
    record = add_record(&v, ops, n_ops, res, probe, any);
    if (!any && !record) {
        bool lost = false;

        for (size_t i = 0; i < n_ops; i++)
            lost |= ever_done[i];
        /* An attempt whose reply was lost did it all: it is committed, and
         * ovs-vswitchd is waited for up to the database's next_cfg, which
         * holds that attempt's increment. */
        if (lost) {
            res->committed = true;
            res->next_cfg = v.ovs->next_cfg;
        }
        ovsdb_idl_txn_destroy(txn);
        view_destroy(&v);
        oo_strlcpy(res->txn_status, "unchanged", sizeof res->txn_status);
        return ATTEMPT_DONE;
    }
    if (reconfigure)
        ovsdb_idl_txn_increment(txn, &v.ovs->header_, &ovsrec_open_vswitch_col_next_cfg, false);
    view_destroy(&v);   /* its pointers die with the next ovsdb_idl_run() */

    if (!res->attempts)
        oo_ovsdb_apply_test_seam(run->remote);
    res->attempts++;
    status = commit(run, txn);
    oo_strlcpy(res->txn_status, ovsdb_idl_txn_status_to_string(status), sizeof res->txn_status);

    switch (status) {
    case TXN_SUCCESS:
    case TXN_UNCHANGED:
        res->committed = status == TXN_SUCCESS;
        if (reconfigure && status == TXN_SUCCESS)
            res->next_cfg = ovsdb_idl_txn_get_increment_new_value(txn);
        ovsdb_idl_txn_destroy(txn);
        return ATTEMPT_DONE;
    case TXN_INCOMPLETE:
        ovsdb_idl_txn_destroy(txn);
        RES_ERR(res, "no reply from %s to the transaction within %d ms: it may or may not have "
                "been committed", run->remote, run->timeout_ms);
        *ret = -ETIMEDOUT;
        return ATTEMPT_FAILED;
    case TXN_TRY_AGAIN:
        /* Lost connection (the reply may have been lost after the commit),
         * or a verify failed. */
        for (size_t i = 0; i < n_ops; i++)
            ever_done[i] |= res->ops[i].outcome == OO_OVS_DONE;
        ovsdb_idl_txn_destroy(txn);
        wait_change(run, seqno);
        return ATTEMPT_RETRY;
    case TXN_ERROR: {
        const char *text = ovsdb_idl_txn_get_error(txn);

        if (!recheck && text && strstr(text, "constraint violation")) {
            /* A name taken meanwhile: once the IDL has the other client's
             * row, the next attempt names it. */
            ovsdb_idl_txn_destroy(txn);
            wait_change(run, seqno);
            *ret = -EIO;
            return ATTEMPT_RETRY;
        }
        RES_ERR(res, "%s refused the transaction: %s", run->remote, text ? text : "(no error text)");
        ovsdb_idl_txn_destroy(txn);
        *ret = -EIO;
        return ATTEMPT_FAILED;
    }
    default:
        RES_ERR(res, "transaction to %s ended with status \"%s\"", run->remote,
                ovsdb_idl_txn_status_to_string(status));
        ovsdb_idl_txn_destroy(txn);
        *ret = -EIO;
        return ATTEMPT_FAILED;
    }
}

/* Waits for ovs-vswitchd to report cur_cfg >= next_cfg (res->wait_ms adds
 * the time). */
static void wait_cur_cfg(struct run *run, struct oo_ovs_apply_result *res)
{
    long long t0 = time_msec();

    res->waited = true;
    for (;;) {
        const struct ovsrec_open_vswitch *ovs;

        ovsdb_idl_run(run->idl);
        ovs = ovsrec_open_vswitch_first(run->idl);
        if (ovs)
            res->cur_cfg = ovs->cur_cfg;
        if (ovs && ovsdb_idl_is_connected(run->idl) && ovs->cur_cfg >= res->next_cfg)
            break;
        if (time_msec() >= run->deadline) {
            res->wait_timed_out = true;
            break;
        }
        if (oo_ovsdb_stopping()) {
            res->stopped = true;
            break;
        }
        ovsdb_idl_wait(run->idl);
        poll_timer_wait_until(oo_ovsdb_wake_by(time_msec(), run->deadline));
        poll_block();
    }
    res->wait_ms += time_msec() - t0;
}

/* Reads back each added Interface's ofport and error. */
static void read_back(struct run *run, const struct oo_ovs_op *ops, size_t n_ops,
                      struct oo_ovs_apply_result *res)
{
    const struct ovsrec_interface *iface;
    struct shash ifaces = SHASH_INITIALIZER(&ifaces);

    OVSREC_INTERFACE_FOR_EACH (iface, run->idl)
        shash_add_once(&ifaces, iface->name, iface);
    for (size_t i = 0; i < n_ops; i++) {
        const char *name = ops[i].kind == OO_OVS_OP_ADD_PORT ? ops[i].port
                           : ops[i].kind == OO_OVS_OP_ADD_BRIDGE ? ops[i].bridge : NULL;
        struct oo_ovs_op_result *r = &res->ops[i];

        if (!name || (r->outcome != OO_OVS_DONE && r->outcome != OO_OVS_UNCHANGED))
            continue;
        iface = shash_find_data(&ifaces, name);
        if (!iface)
            continue;
        r->ofport = iface->n_ofport && iface->ofport[0] >= 0 ? iface->ofport[0] : -1;
        oo_strlcpy(r->iface_error, iface->error ? iface->error : "", sizeof r->iface_error);
    }
    shash_destroy(&ifaces);
}

/* ovs-vswitchd's error for an interface whose name a kernel datapath port
 * has already (iface_do_create(): dpif_port_add() failed with EEXIST). */
static bool blocked_by_orphan(const char *iface_error)
{
    return strstr(iface_error, "could not add network device") && strstr(iface_error, "(File exists)");
}

/* Commits an increment of next_cfg alone (comment: why). Returns the new
 * value, or 0 when it was not committed (*ret_status says how it ended). */
static int64_t bump_next_cfg(struct run *run, const char *comment, enum ovsdb_idl_txn_status *ret_status)
{
    const struct ovsrec_open_vswitch *ovs = ovsrec_open_vswitch_first(run->idl);
    struct ovsdb_idl_txn *txn;
    int64_t next = 0;

    *ret_status = TXN_ERROR;
    if (!ovs)
        return 0;
    txn = ovsdb_idl_txn_create(run->idl);
    ovsdb_idl_txn_add_comment(txn, "ovs-offload: %s", comment);
    /* force: the increment is the whole transaction. */
    ovsdb_idl_txn_increment(txn, &ovs->header_, &ovsrec_open_vswitch_col_next_cfg, true);
    *ret_status = commit(run, txn);
    if (*ret_status == TXN_SUCCESS)
        next = ovsdb_idl_txn_get_increment_new_value(txn);
    ovsdb_idl_txn_destroy(txn);
    return next;
}

/* Increments next_cfg alone and waits for ovs-vswitchd to catch up: it then
 * reconfigures, adding again the interfaces it failed to add. */
static void reconfigure(struct run *run, struct oo_ovs_apply_result *res)
{
    enum ovsdb_idl_txn_status status;
    int64_t next = bump_next_cfg(run, "reconfigure after removing orphaned datapath ports", &status);

    if (next) {
        res->next_cfg = next;
        wait_cur_cfg(run, res);
    }
}

int oo_ovsdb_bump_next_cfg(const char *remote, int timeout_ms, int64_t *ret_next_cfg, char *err,
                           size_t err_size)
{
    struct oo_sigpipe_guard sigpipe;
    struct oo_ovs_apply_result res = { 0 };
    struct run run = { .remote = remote, .timeout_ms = timeout_ms };
    enum ovsdb_idl_txn_status status = TXN_ERROR;
    int r;

    *ret_next_cfg = 0;
    oo_ovs_env_init();
    if ((r = stream_verify_name(remote)) != 0) {
        snprintf(err, err_size, "invalid OVSDB remote \"%s\": %s", remote, strerror(r));
        return -r;
    }
    run_open(&run, &sigpipe);
    /* Try again (a change crossed ours) until the deadline. */
    while ((r = wait_ready(&run, &res)) == 0) {
        unsigned int seqno = ovsdb_idl_get_seqno(run.idl);

        *ret_next_cfg = bump_next_cfg(&run, "have ovs-vswitchd show it read the database", &status);
        if (*ret_next_cfg || status != TXN_TRY_AGAIN || time_msec() >= run.deadline)
            break;
        wait_change(&run, seqno);
    }
    if (!r && !*ret_next_cfg) {
        snprintf(res.error_text, sizeof res.error_text, "the increment of next_cfg ended with \"%s\"",
                 ovsdb_idl_txn_status_to_string(status));
        r = status == TXN_INCOMPLETE ? -ETIMEDOUT : -EIO;
    }
    if (r)
        snprintf(err, err_size, "%s", res.error_text);
    run_close(&run, &sigpipe);
    return r;
}

/* The ADD_PORT ops that an orphaned datapath port holds off (ovsdb.h): each
 * orphan is deleted through ovs-vswitchd, which is then made to reconfigure,
 * and the interfaces are read back. The kernel cannot find the orphan by
 * name (its vport table is hashed by the name the port was added under), so
 * its number comes from the datapath's port list (dpctl/show). */
static void remove_orphans(struct run *run, const struct oo_vswitchd_probe *probe,
                           const struct oo_ovs_op *ops, size_t n_ops, struct oo_ovs_apply_result *res)
{
    char rundir[4096], out[256], *show = NULL;
    char shown[64] = "";

    oo_vswitchd_rundir(run->remote, rundir, sizeof rundir);
    for (size_t i = 0; i < n_ops; i++) {
        struct oo_ovs_op_result *r = &res->ops[i];
        const struct ovsrec_bridge *br;
        const char *type = "system";
        char dp[64];

        bool seen = false;

        if (ops[i].kind != OO_OVS_OP_ADD_PORT || !blocked_by_orphan(r->iface_error))
            continue;
        /* The same port twice (the second op unchanged): one orphan. */
        for (size_t k = 0; k < i && !seen; k++)
            seen = ops[k].kind == OO_OVS_OP_ADD_PORT && !strcmp(ops[k].port, ops[i].port);
        if (seen)
            continue;
        OVSREC_BRIDGE_FOR_EACH (br, run->idl)
            if (!strcmp(br->name, ops[i].bridge) && !empty(br->datapath_type))
                type = br->datapath_type;
        /* ofproto-dpif names the datapath of a type "ovs-<type>". */
        snprintf(dp, sizeof dp, "%s@ovs-%s", type, type);
        long long until = MIN(run->deadline, time_msec() + PROBE_MAX_MS);
        const char *params[] = { dp, NULL };
        char number[24];
        long port;
        int e = 0;

        if (strcmp(shown, dp)) {
            free(show);
            show = oo_malloc(1u << 20);
            e = oo_vswitchd_command(rundir, probe->file_pid, "dpctl/show", params, 1, until, show, 1u << 20);
            oo_strlcpy(shown, e ? "" : dp, sizeof shown);
        }
        port = e ? -1 : oo_dpctl_show_port(show, ops[i].port);
        if (port > 0) {
            snprintf(number, sizeof number, "%ld", port);
            params[1] = number;
            e = oo_vswitchd_command(rundir, probe->file_pid, "dpctl/del-if", params, 2, until, out, sizeof out);
        }
        if (e || port <= 0) {
            r->orphan = e ? e : -ENOENT;
            OP_MSG(r, "a datapath port holds the netdev, and it was not deleted: %s",
                   e ? (port > 0 ? out : show) : "dpctl/show lists no port of that name");
            continue;
        }
        r->orphan = 1;
        res->orphans_removed++;
    }
    free(show);
    if (!res->orphans_removed)
        return;
    reconfigure(run, res);
    read_back(run, ops, n_ops, res);
}

static int check_args(const struct oo_ovs_op *ops, size_t n_ops, struct oo_ovs_apply_result *res)
{
    for (size_t i = 0; i < n_ops; i++) {
        const struct oo_ovs_op *op = &ops[i];
        struct oo_ovs_op_result *r = &res->ops[i];
        bool ok;

        switch (op->kind) {
        case OO_OVS_OP_DEL_PORT: ok = !empty(op->port); break;
        case OO_OVS_OP_ADD_BRIDGE: ok = !empty(op->bridge); break;
        case OO_OVS_OP_ADD_PORT: ok = !empty(op->bridge) && !empty(op->port); break;
        case OO_OVS_OP_SET_CONFIG: ok = !empty(op->key); break;
        default: ok = false; break;
        }
        if (!ok) {
            r->outcome = OO_OVS_REFUSED;
            r->error = -EINVAL;
            OP_MSG(r, "op %zu (%s) lacks a name it needs", i, oo_ovs_op_kind_to_string(op->kind));
            RES_ERR(res, "%s", r->message);
            return -EINVAL;
        }
    }
    return 0;
}

/* Asks ovs-vswitchd, for a quarter of the time left at most (100 ms at
 * least, PROBE_MAX_MS at most): the transaction needs the rest. A
 * vswitchd that does not answer in time is "not known", and the commit
 * still has its budget. */
static void probe_vswitchd(const struct run *run, struct oo_vswitchd_probe *probe)
{
    char rundir[4096];
    long long now = time_msec();
    long long share = (run->deadline - now) / 4;

    oo_vswitchd_rundir(run->remote, rundir, sizeof rundir);
    oo_vswitchd_probe(rundir, now + MIN(MAX(share, 100), PROBE_MAX_MS), probe);
}

int oo_ovsdb_apply(const char *remote, const struct oo_ovs_op *ops, size_t n_ops, int timeout_ms,
                   struct oo_ovs_apply_result *res)
{
    struct oo_sigpipe_guard sigpipe;
    struct oo_vswitchd_probe probe;
    struct run run = { .remote = remote, .timeout_ms = timeout_ms };
    bool *ever_done, recheck = false, probed = false;
    int r = 0, status;
    long long t;

    memset(res, 0, sizeof *res);
    res->n_ops = n_ops;
    res->ops = n_ops ? oo_calloc(n_ops, sizeof *res->ops) : NULL;
    for (size_t i = 0; i < n_ops; i++)
        res->ops[i].ofport = -1;
    res->vswitchd_running = -1;
    res->restart_needed = -1;

    if (empty(remote)) {
        RES_ERR(res, "no OVSDB remote given");
        return res->error = -EINVAL;
    }
    if (timeout_ms <= 0) {
        RES_ERR(res, "timeout for %s must be positive, not %d ms", remote, timeout_ms);
        return res->error = -EINVAL;
    }
    if (n_ops && !ops) {
        RES_ERR(res, "no ops given");
        return res->error = -EINVAL;
    }
    r = check_args(ops, n_ops, res);
    if (r)
        return res->error = r;

    oo_ovs_env_init();
    r = stream_verify_name(remote);
    if (r) {
        RES_ERR(res, "invalid OVSDB remote \"%s\": %s (expected %s)", remote, strerror(r),
                OO_SUPPORTED_REMOTES);
        return res->error = -r;
    }

    ever_done = n_ops ? xcalloc(n_ops, sizeof *ever_done) : NULL;
    run_open(&run, &sigpipe);

    r = wait_ready(&run, res);
    res->connect_ms = time_msec() - run.start;
    if (r)
        goto out;
    probe_vswitchd(&run, &probe);
    probed = true;
    res->vswitchd_running = probe.running;

    t = time_msec();
    for (;;) {
        status = attempt(&run, ops, n_ops, &probe, res, ever_done, recheck, &r);
        if (status != ATTEMPT_RETRY)
            break;
        if (r == -EIO)
            recheck = true;   /* one more look after a constraint violation */
        if (time_msec() >= run.deadline) {
            RES_ERR(res, "gave up after %d ms and %d attempt%s: the last one ended with \"%s\"",
                    timeout_ms, res->attempts, res->attempts == 1 ? "" : "s", res->txn_status);
            r = -ETIMEDOUT;
            break;
        }
        r = wait_ready(&run, res);
        if (r)
            break;
    }
    res->commit_ms = time_msec() - t;
    if (r)
        goto out;

    if (res->next_cfg && probe.running != 0)
        wait_cur_cfg(&run, res);
    read_back(&run, ops, n_ops, res);
    /* Stopped: nothing more than what is committed. */
    if (probe.running == 1 && probe.file_pid > 0 && !res->wait_timed_out && !res->stopped)
        remove_orphans(&run, &probe, ops, n_ops, res);

    /* With what ovs-vswitchd says after the change. */
    if (probe.running == 1 && res->committed && !res->stopped)
        probe_vswitchd(&run, &probe);

out:
    if (probed) {
        /* The restart question, also when nothing was committed. */
        struct oo_offload_view view;

        oo_offload_view_build(ovsrec_open_vswitch_first(run.idl), &probe, &view);
        res->restart_needed = view.restart_needed;
        oo_strlcpy(res->restart_why, view.why, sizeof res->restart_why);
    }
    res->total_ms = time_msec() - run.start;
    free(ever_done);
    run_close(&run, &sigpipe);
    return res->error = r;
}
