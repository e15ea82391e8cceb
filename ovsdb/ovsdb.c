/* Reading OVSDB through libopenvswitch's IDL: one connection, one snapshot,
 * copied into the OVS-free struct oo_ovs_observed (ovsdb/ovsdb.h); then
 * ovs-vswitchd is asked whether it runs and whether its flow API is on
 * (vswitchd.c), and the restart question judged (offload-state.h).
 *
 * Only this directory sees OVS headers. OVS's errno values are positive (and
 * EOF, -1, for an orderly close); they become negative errno here. */

#include <config.h> /* OVS's own; every OVS-using translation unit starts with it */

#include "ovsdb/ovsdb.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "openvswitch/poll-loop.h"
#include "ovsdb-idl.h"
#include "openvswitch/shash.h"
#include "smap.h"
#include "stream.h"
#include "timeval.h"
#include "vswitch-idl.h"

#include "common/util.h"
#include "ovsdb/idl.h"
#include "ovsdb/ovs-env.h"

static void set_error(struct oo_ovs_observed *out, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void set_error(struct oo_ovs_observed *out, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(out->error, sizeof out->error, fmt, ap);
    va_end(ap);
}

void oo_idl_monitor(struct ovsdb_idl *idl)
{
    ovsdb_idl_add_table(idl, &ovsrec_table_open_vswitch);
    ovsdb_idl_add_column(idl, &ovsrec_open_vswitch_col_ovs_version);
    ovsdb_idl_add_column(idl, &ovsrec_open_vswitch_col_db_version);
    ovsdb_idl_add_column(idl, &ovsrec_open_vswitch_col_other_config);
    ovsdb_idl_add_column(idl, &ovsrec_open_vswitch_col_external_ids);
    ovsdb_idl_add_column(idl, &ovsrec_open_vswitch_col_next_cfg);
    ovsdb_idl_add_column(idl, &ovsrec_open_vswitch_col_cur_cfg);
    ovsdb_idl_add_column(idl, &ovsrec_open_vswitch_col_bridges);

    ovsdb_idl_add_table(idl, &ovsrec_table_bridge);
    ovsdb_idl_add_column(idl, &ovsrec_bridge_col_name);
    ovsdb_idl_add_column(idl, &ovsrec_bridge_col_ports);
    ovsdb_idl_add_column(idl, &ovsrec_bridge_col_external_ids);

    ovsdb_idl_add_table(idl, &ovsrec_table_port);
    ovsdb_idl_add_column(idl, &ovsrec_port_col_name);
    ovsdb_idl_add_column(idl, &ovsrec_port_col_interfaces);
    ovsdb_idl_add_column(idl, &ovsrec_port_col_external_ids);

    ovsdb_idl_add_table(idl, &ovsrec_table_interface);
    ovsdb_idl_add_column(idl, &ovsrec_interface_col_name);
    ovsdb_idl_add_column(idl, &ovsrec_interface_col_type);
    ovsdb_idl_add_column(idl, &ovsrec_interface_col_ofport);
    ovsdb_idl_add_column(idl, &ovsrec_interface_col_error);
}

static char *strdup_or_null(const char *s)
{
    return s ? oo_strdup(s) : NULL;
}

static int cmp_string_ptr(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_bridge_name(const void *a, const void *b)
{
    return strcmp(((const struct oo_ovs_bridge *)a)->name,
                  ((const struct oo_ovs_bridge *)b)->name);
}

static bool row_owned(const struct smap *external_ids)
{
    return smap_get_bool(external_ids, OO_OVS_OWNER_KEY, false);
}

static int cmp_port_name(const void *a, const void *b)
{
    return strcmp(((const struct oo_ovs_port *)a)->name, ((const struct oo_ovs_port *)b)->name);
}

static void copy_bridge(const struct ovsrec_bridge *br, struct oo_ovs_bridge *out)
{
    out->name = oo_strdup(br->name);
    out->owned = row_owned(&br->external_ids);
    out->n_ports = br->n_ports;
    out->ports = br->n_ports ? oo_calloc(br->n_ports, sizeof *out->ports) : NULL;
    for (size_t i = 0; i < br->n_ports; i++)
        out->ports[i] = oo_strdup(br->ports[i]->name);
    if (out->n_ports > 1) /* qsort's base must not be NULL, even for 0 */
        qsort(out->ports, out->n_ports, sizeof *out->ports, cmp_string_ptr);
}

/* The interface that stands for a port: the one of the same name (always so
 * for the ports ovs-offload makes), else its first. NULL if it has none. */
static const struct ovsrec_interface *port_iface(const struct ovsrec_port *port)
{
    for (size_t i = 0; i < port->n_interfaces; i++)
        if (!strcmp(port->interfaces[i]->name, port->name))
            return port->interfaces[i];
    return port->n_interfaces ? port->interfaces[0] : NULL;
}

static void copy_port(const struct ovsrec_port *port, const char *bridge, struct oo_ovs_port *out)
{
    const struct ovsrec_interface *iface = port_iface(port);

    out->name = oo_strdup(port->name);
    out->bridge = strdup_or_null(bridge);
    out->owned = row_owned(&port->external_ids);
    out->iface_type = oo_strdup(iface ? iface->type : "");
    /* ovs-vswitchd writes -1 when it could not add the port. */
    out->ofport = iface && iface->n_ofport && iface->ofport[0] >= 0 ? iface->ofport[0] : -1;
    out->error = iface && iface->error && *iface->error ? oo_strdup(iface->error) : NULL;
}

/* Every Port row, with the bridge that lists it. */
static void copy_ports(struct ovsdb_idl *idl, const struct ovsrec_open_vswitch *ovs,
                       struct oo_ovs_observed *out)
{
    const struct ovsrec_port *port;
    struct shash bridge_of = SHASH_INITIALIZER(&bridge_of);
    size_t n = 0, cap = 0;

    for (size_t i = 0; ovs && i < ovs->n_bridges; i++) {
        const struct ovsrec_bridge *br = ovs->bridges[i];

        for (size_t j = 0; j < br->n_ports; j++)
            shash_add_once(&bridge_of, br->ports[j]->name, br->name);
    }
    OVSREC_PORT_FOR_EACH (port, idl) {
        if (n == cap) {
            cap = cap ? 2 * cap : 16;
            out->ports = oo_realloc(out->ports, cap * sizeof *out->ports);
        }
        copy_port(port, shash_find_data(&bridge_of, port->name), &out->ports[n++]);
    }
    out->n_ports = n;
    if (n > 1)
        qsort(out->ports, n, sizeof *out->ports, cmp_port_name);
    shash_destroy(&bridge_of);
}

/* Copies the Open_vSwitch row into 'out'. A NULL row (a database made by
 * "ovsdb-tool create" that no "ovs-vsctl init" or ovs-vswitchd has filled
 * yet) reads as nothing set and no bridges, as ovs-vsctl treats it. */
static void copy_root_row(const struct ovsrec_open_vswitch *ovs, struct oo_ovs_observed *out)
{
    if (!ovs)
        return;

    out->ovs_version = strdup_or_null(ovs->ovs_version);
    out->db_version = strdup_or_null(ovs->db_version);
    out->hw_offload = strdup_or_null(smap_get(&ovs->other_config, "hw-offload"));
    /* The reading ovs-vswitchd makes in netdev_set_flow_api_enabled(): only a
     * case-insensitive "true" enables it. */
    out->hw_offload_enabled = smap_get_bool(&ovs->other_config, "hw-offload", false);
    out->tc_policy = strdup_or_null(smap_get(&ovs->other_config, "tc-policy"));
    out->max_idle = strdup_or_null(smap_get(&ovs->other_config, "max-idle"));
    out->next_cfg = ovs->next_cfg;
    out->cur_cfg = ovs->cur_cfg;

    out->n_bridges = ovs->n_bridges;
    out->bridges = ovs->n_bridges ? oo_calloc(ovs->n_bridges, sizeof *out->bridges) : NULL;
    for (size_t i = 0; i < ovs->n_bridges; i++)
        copy_bridge(ovs->bridges[i], &out->bridges[i]);
    if (out->n_bridges > 1)
        qsort(out->bridges, out->n_bridges, sizeof *out->bridges, cmp_bridge_name);
}

void oo_offload_view_build(const struct ovsrec_open_vswitch *ovs, const struct oo_vswitchd_probe *probe,
                           struct oo_offload_view *view)
{
    const char *rec = ovs ? smap_get(&ovs->external_ids, OO_OVS_RECORD_KEY) : NULL;

    memset(view, 0, sizeof *view);
    oo_offload_cfg_from(ovs ? smap_get(&ovs->other_config, "hw-offload") : NULL,
                        ovs ? smap_get(&ovs->other_config, "tc-policy") : NULL, &view->stored);
    view->has_record = rec && !oo_offload_record_parse(rec, &view->record);
    oo_boot_id(view->boot_id, sizeof view->boot_id);
    view->flow_api = OO_FLOW_API_UNKNOWN;
    if (probe->running == 1)
        view->flow_api = oo_flow_api_derive(view->has_record ? &view->record : NULL, view->boot_id,
                                            &probe->id, oo_ticks_per_s(), &view->stored,
                                            probe->offload_active, view->policy);
    view->restart_needed = oo_restart_needed(probe->running, view->flow_api, view->policy,
                                             &view->stored, view->why, sizeof view->why);
}

int oo_idl_explain(const struct ovsdb_idl *idl, const char *remote, bool was_connected, char *err,
                   size_t err_size)
{
    int ovs_error = ovsdb_idl_get_last_error(idl);
    int r;

    /* EOF (-1) is OVS's code for an orderly close by the peer. These imply a
     * connection, even one made and lost within a single ovsdb_idl_run(),
     * which was_connected cannot have seen. */
    if (ovs_error == EOF) {
        snprintf(err, err_size, "%s closed the connection before sending the database", remote);
        return -ECONNRESET;
    }
    if (ovs_error == ECONNRESET || ovs_error == EPIPE) {
        snprintf(err, err_size, "%s closed the connection before sending the database (%s)",
                 remote, strerror(ovs_error));
        return -ovs_error;
    }
    if (was_connected && !ovs_error) {
        /* The session was fine, so the IDL gave up by itself: its client
         * state machine drops the connection (and, with retry off, stops)
         * when the server's _Server database lists no Open_vSwitch database,
         * or answers the schema or monitor request with an error. */
        snprintf(err, err_size, "%s does not serve the Open_vSwitch database", remote);
        return -ENOENT;
    }
    /* Otherwise OVS's last error is a positive errno (0: none recorded). */
    r = ovs_error > 0 ? -ovs_error : -ENOTCONN;
    if (r == -EPROTO)
        /* jsonrpc could not parse what came back. */
        snprintf(err, err_size, "%s is not an OVSDB server (its reply is not JSON-RPC)", remote);
    else if (!was_connected && r == -EAFNOSUPPORT)
        /* inet_parse_active() refused the address part. */
        snprintf(err, err_size, "cannot connect to %s: not a usable IP:PORT address", remote);
    else
        snprintf(err, err_size, "%s %s: %s", was_connected ? "lost connection to" : "cannot connect to",
                 remote, strerror(-r));
    return r;
}

/* The poll loop. Returns 0 once the IDL holds the server's initial snapshot,
 * or a negative errno with out->error set. */
static int wait_for_snapshot(struct ovsdb_idl *idl, const char *remote, long long deadline,
                             int timeout_ms, struct oo_ovs_observed *out)
{
    bool was_connected = false;

    for (;;) {
        ovsdb_idl_run(idl);
        was_connected |= ovsdb_idl_is_connected(idl);

        /* "Has ever connected" is the IDL's own test for the initial snapshot
         * (ovsdb_idl_get_initial_snapshot() loops on it). It is true once the
         * change seqno has left 0, which first happens when the reply to the
         * monitor request on the Open_vSwitch database has been parsed into
         * the IDL, within this ovsdb_idl_run(). Connecting, or the reply about
         * the _Server database, does not move it. */
        if (ovsdb_idl_has_ever_connected(idl))
            return 0;
        if (!ovsdb_idl_is_alive(idl))
            return oo_idl_explain(idl, remote, was_connected, out->error, sizeof out->error);
        if (time_msec() >= deadline) {
            if (was_connected)
                set_error(out, "timed out after %d ms waiting for %s to send the database",
                          timeout_ms, remote);
            else
                set_error(out, "timed out after %d ms connecting to %s", timeout_ms, remote);
            return -ETIMEDOUT;
        }
        ovsdb_idl_wait(idl);
        poll_timer_wait_until(deadline);
        poll_block();
    }
}

/* How long the ovs-vswitchd probe may take at most, of what is left. */
#define PROBE_MAX_MS 2000

static void observe_vswitchd(const char *remote, const struct ovsrec_open_vswitch *ovs,
                             long long deadline, struct oo_ovs_observed *out)
{
    struct oo_vswitchd_probe probe;
    struct oo_offload_view view;
    char rundir[4096];

    oo_vswitchd_rundir(remote, rundir, sizeof rundir);
    /* Bounded by the caller's deadline, but given a moment even when the
     * database took it all: a reply from a live daemon takes microseconds. */
    oo_vswitchd_probe(rundir, MIN(MAX(deadline, time_msec() + 100), time_msec() + PROBE_MAX_MS),
                      &probe);
    oo_offload_view_build(ovs, &probe, &view);
    out->vswitchd_running = probe.running;
    out->vswitchd_pid = probe.file_pid;
    out->offload_active = probe.offload_active;
    oo_strlcpy(out->vswitchd_why, probe.why, sizeof out->vswitchd_why);
    out->restart_needed = view.restart_needed;
    oo_strlcpy(out->restart_why, view.why, sizeof out->restart_why);
}

int oo_ovsdb_observe(const char *remote, int timeout_ms, struct oo_ovs_observed *out)
{
    struct oo_sigpipe_guard sigpipe;
    struct ovsdb_idl *idl;
    long long deadline;
    int r;

    memset(out, 0, sizeof *out);
    out->vswitchd_running = -1;   /* not known from the database alone */
    out->restart_needed = -1;
    out->offload_active = -1;
    if (!remote || !*remote) {
        set_error(out, "no OVSDB remote given");
        return -EINVAL;
    }
    if (timeout_ms <= 0) {
        set_error(out, "timeout for %s must be positive, not %d ms", remote, timeout_ms);
        return -EINVAL;
    }

    oo_ovs_env_init();

    /* Active remotes only: "punix:" or "ptcp:" would make the IDL listen and
     * wait for a server to call in. */
    r = stream_verify_name(remote);
    if (r) {
        set_error(out, "invalid OVSDB remote \"%s\": %s (expected %s)", remote, strerror(r),
                  OO_SUPPORTED_REMOTES);
        return -r;
    }

    oo_ovs_lock();
    oo_sigpipe_block(&sigpipe);
    deadline = time_msec() + timeout_ms;

    /* retry=false, like ovs-vsctl without --retry: a single connection
     * attempt, so a missing socket or a refused connection is reported at
     * once, with its reason, instead of being retried with backoff until the
     * deadline. Retrying is the caller's policy (the reconcile loop's). */
    idl = ovsdb_idl_create(remote, &ovsrec_idl_class, false, false);
    oo_idl_monitor(idl);

    r = wait_for_snapshot(idl, remote, deadline, timeout_ms, out);
    if (!r) {
        const struct ovsrec_open_vswitch *ovs = ovsrec_open_vswitch_first(idl);

        copy_root_row(ovs, out);
        copy_ports(idl, ovs, out);
        out->reachable = true;
        observe_vswitchd(remote, ovs, deadline, out);
    }

    ovsdb_idl_destroy(idl);
    oo_sigpipe_restore(&sigpipe);
    oo_ovs_unlock();
    return r;
}

void oo_ovs_observed_free(struct oo_ovs_observed *o)
{
    if (!o)
        return;
    for (size_t i = 0; i < o->n_bridges; i++) {
        struct oo_ovs_bridge *br = &o->bridges[i];

        for (size_t j = 0; j < br->n_ports; j++)
            free(br->ports[j]);
        free(br->ports);
        free(br->name);
    }
    free(o->bridges);
    for (size_t i = 0; i < o->n_ports; i++) {
        free(o->ports[i].name);
        free(o->ports[i].bridge);
        free(o->ports[i].iface_type);
        free(o->ports[i].error);
    }
    free(o->ports);
    free(o->ovs_version);
    free(o->db_version);
    free(o->hw_offload);
    free(o->tc_policy);
    free(o->max_idle);
    memset(o, 0, sizeof *o);
}
