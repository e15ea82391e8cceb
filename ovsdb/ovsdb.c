/* Reading OVSDB: one connection, one read-only "transact" of four selects
 * (RFC 7047), made as an oo_call (call.h: a libopenvswitch stream, the reply
 * read with common/jsonread.h), and copied into the OVS-free
 * struct oo_ovs_observed (ovsdb/ovsdb.h); then
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

#include "openvswitch/dynamic-string.h"
#include "ovsdb-idl.h"
#include "openvswitch/poll-loop.h"
#include "smap.h"
#include "stream.h"
#include "timeval.h"
#include "vswitch-idl.h"

#include "common/jsonread.h"
#include "common/util.h"
#include "ovsdb/call.h"
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
    /* Read only by apply's orphan removal: the datapath a bridge is on. */
    ovsdb_idl_add_column(idl, &ovsrec_bridge_col_datapath_type);

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

static int cmp_port_name(const void *a, const void *b)
{
    return strcmp(((const struct oo_ovs_port *)a)->name, ((const struct oo_ovs_port *)b)->name);
}

/* ------------------------------------------------- OVSDB's JSON (RFC 7047) */

/* ["TAG", X]: one of OVSDB's tagged values ("uuid", "set", "map"). */
static const struct oo_jnode *tagged(const struct oo_jnode *j, const char *tag)
{
    const char *t;

    if (!j || j->type != OO_JARRAY || j->n != 2 || !(t = oo_jnode_str(j + 1)) || strcmp(t, tag))
        return NULL;
    return oo_jnode_skip(j + 1);
}

/* The atoms of a column value, one after the other: ["set", [...]], or a
 * lone atom (a set of one, which is how OVSDB sends it). */
struct atoms {
    const struct oo_jnode *next;
    size_t left;
};

static struct atoms atoms_of(const struct oo_jnode *v)
{
    const struct oo_jnode *set = tagged(v, "set");

    if (set)
        return (struct atoms){ set + 1, set->type == OO_JARRAY ? set->n : 0 };
    return (struct atoms){ v, v ? 1 : 0 };
}

static const struct oo_jnode *atoms_next(struct atoms *a)
{
    const struct oo_jnode *n = a->next;

    if (!a->left)
        return NULL;
    a->left--;
    a->next = oo_jnode_skip(n);
    return n;
}

/* The atom of a column holding exactly one, else NULL. */
static const struct oo_jnode *lone_atom(const struct oo_jnode *v)
{
    struct atoms a = atoms_of(v);

    return a.left == 1 ? a.next : NULL;
}

/* An optional string column ("min": 0): NULL when empty. */
static const char *opt_string(const struct oo_jnode *v)
{
    return oo_jnode_str(lone_atom(v));
}

/* An (optional) integer column: false when empty. */
static bool opt_integer(const struct oo_jnode *v, long long *out)
{
    const struct oo_jnode *a = lone_atom(v);

    if (!a || a->type != OO_JINT)
        return false;
    *out = a->u.i;
    return true;
}

/* The value of key in a string-to-string map column, NULL if absent. */
static const char *map_get(const struct oo_jnode *v, const char *key)
{
    const struct oo_jnode *pairs = tagged(v, "map"), *p;

    if (!pairs || pairs->type != OO_JARRAY)
        return NULL;
    p = pairs + 1;
    for (uint32_t i = 0; i < pairs->n; i++, p = oo_jnode_skip(p)) {
        const char *k = p->type == OO_JARRAY && p->n == 2 ? oo_jnode_str(p + 1) : NULL;
        const char *value = k ? oo_jnode_str(oo_jnode_skip(p + 1)) : NULL;

        if (value && !strcmp(k, key))
            return value;
    }
    return NULL;
}

/* ovs-vsctl's and the IDL's reading of a boolean in a map: only a
 * case-insensitive "true" (smap_get_bool with default false). */
static bool map_true(const struct oo_jnode *v, const char *key)
{
    const char *s = map_get(v, key);

    return s && !strcasecmp(s, "true");
}

static const struct oo_jnode *col(const struct oo_jnode *row, const char *name)
{
    return oo_jnode_get(row, name);
}

static const char *uuid_of(const struct oo_jnode *atom)
{
    return oo_jnode_str(tagged(atom, "uuid"));
}

/* The rows of one select's result by _uuid: sorted for bsearch. */
struct row_ref {
    const char *uuid;
    const struct oo_jnode *row;
    size_t i;                       /* its place in the result */
};

struct row_index {
    struct row_ref *refs;
    size_t n;
};

static int cmp_row_ref(const void *a, const void *b)
{
    return strcmp(((const struct row_ref *)a)->uuid, ((const struct row_ref *)b)->uuid);
}

static void index_rows(const struct oo_jnode *rows, struct row_index *index)
{
    const struct oo_jnode *row = rows + 1;

    index->refs = rows->n ? oo_calloc(rows->n, sizeof *index->refs) : NULL;
    index->n = 0;
    for (uint32_t i = 0; i < rows->n; i++, row = oo_jnode_skip(row)) {
        const char *u = uuid_of(col(row, "_uuid"));

        if (u)
            index->refs[index->n++] = (struct row_ref){ u, row, i };
    }
    if (index->n > 1)
        qsort(index->refs, index->n, sizeof *index->refs, cmp_row_ref);
}

/* The row a uuid atom names in index, NULL if none. */
static const struct row_ref *deref(const struct row_index *index, const struct oo_jnode *atom)
{
    struct row_ref key = { .uuid = uuid_of(atom) };

    if (!key.uuid || !index->n)
        return NULL;
    return bsearch(&key, index->refs, index->n, sizeof *index->refs, cmp_row_ref);
}

/* ----------------------------------------------------------- the request */

/* The columns read (the only ones observe needs; "_uuid" is always sent). */
static const char *const ROOT_COLS[] = { "ovs_version", "db_version", "other_config", "external_ids",
                                         "next_cfg", "cur_cfg", "bridges" };
static const char *const BRIDGE_COLS[] = { "name", "ports", "external_ids" };
static const char *const PORT_COLS[] = { "name", "interfaces", "external_ids" };
static const char *const IFACE_COLS[] = { "name", "type", "ofport", "error" };

/* The request's id: the connection is ours alone and carries one request. */
#define READ_ID 0

/* A peer that sends more without ending its messages is not an OVSDB server
 * answering four selects (100 000 ports make a reply of some 30 MiB). */
#define READ_MAX_BYTES (256u << 20)

static void put_select(struct ds *s, const char *table, const char *const *cols, size_t n_cols)
{
    ds_put_format(s, ",{\"op\":\"select\",\"table\":\"%s\",\"where\":[],\"columns\":[\"_uuid\"", table);
    for (size_t i = 0; i < n_cols; i++)
        ds_put_format(s, ",\"%s\"", cols[i]);
    ds_put_cstr(s, "]}");
}

/* One "transact" of four selects: a read-only transaction, so the server
 * answers from one consistent snapshot, without a monitor, without the
 * schema (which the IDL fetches from _Server and parses every time). The
 * names are plain ASCII: no escaping needed. */
static char *read_request(size_t *len)
{
    struct ds s = DS_EMPTY_INITIALIZER;

    ds_put_format(&s, "{\"id\":%d,\"method\":\"transact\",\"params\":[\"Open_vSwitch\"", READ_ID);
    put_select(&s, "Open_vSwitch", ROOT_COLS, OO_ARRAY_SIZE(ROOT_COLS));
    put_select(&s, "Bridge", BRIDGE_COLS, OO_ARRAY_SIZE(BRIDGE_COLS));
    put_select(&s, "Port", PORT_COLS, OO_ARRAY_SIZE(PORT_COLS));
    put_select(&s, "Interface", IFACE_COLS, OO_ARRAY_SIZE(IFACE_COLS));
    ds_put_cstr(&s, "]}");
    *len = s.length;
    return ds_steal_cstr(&s);
}

/* Sends the request and waits for its reply. ovs-vswitchd is asked
 * meanwhile (probe, started here): the two servers answer in parallel.
 * Returns 0 with the reply in c (the caller destroys c either way), or
 * -errno with out->error set. */
static int transact(const char *remote, long long deadline, int timeout_ms,
                    struct oo_vswitchd_probing *probe, struct oo_call *c, struct oo_ovs_observed *out)
{
    char rundir[4096], *request;
    size_t len;
    int error;

    request = read_request(&len);
    oo_call_start(c, remote, request, len, READ_ID, READ_MAX_BYTES);
    oo_call_run(c);
    oo_vswitchd_rundir(remote, rundir, sizeof rundir);
    oo_vswitchd_probe_start(rundir, probe);
    while (!oo_call_run(c) && time_msec() < deadline) {
        oo_call_wait(c);
        if (!oo_vswitchd_probe_run(probe))
            oo_vswitchd_probe_wait(probe);
        poll_timer_wait_until(deadline);
        poll_block();
    }
    error = oo_call_error(c);
    if (!error)
        return 0;
    if (!c->connected) {
        if (error == ETIMEDOUT)
            set_error(out, "timed out after %d ms connecting to %s", timeout_ms, remote);
        else if (error == EAFNOSUPPORT)
            /* inet_parse_active() refused the address part. */
            set_error(out, "cannot connect to %s: not a usable IP:PORT address", remote);
        else
            set_error(out, "cannot connect to %s: %s", remote, ovs_strerror(error));
        return -error;
    }
    if (error == ETIMEDOUT) {
        set_error(out, "timed out after %d ms waiting for %s to send the database", timeout_ms, remote);
        return -ETIMEDOUT;
    }
    if (error == EOF) {
        set_error(out, "%s closed the connection before sending the database", remote);
        return -ECONNRESET;
    }
    if (error == EPROTO) {
        set_error(out, "%s is not an OVSDB server (its reply is not JSON-RPC)", remote);
        return -EPROTO;
    }
    if (error == EMSGSIZE) {
        set_error(out, "%s is not an OVSDB server (it sent %u MiB without ending its reply)", remote,
                  READ_MAX_BYTES >> 20);
        return -EPROTO;
    }
    if (error == ECONNRESET || error == EPIPE)
        set_error(out, "%s closed the connection before sending the database (%s)", remote,
                  ovs_strerror(error));
    else
        set_error(out, "lost connection to %s: %s", remote, ovs_strerror(error));
    return -error;
}

/* ------------------------------------------------------------- the reply */

static void copy_root_row(const struct oo_jnode *row, struct oo_ovs_observed *out)
{
    const struct oo_jnode *oc = col(row, "other_config");
    long long v;

    out->ovs_version = strdup_or_null(opt_string(col(row, "ovs_version")));
    out->db_version = strdup_or_null(opt_string(col(row, "db_version")));
    out->hw_offload = strdup_or_null(map_get(oc, "hw-offload"));
    /* The reading ovs-vswitchd makes in netdev_set_flow_api_enabled(): only a
     * case-insensitive "true" enables it. */
    out->hw_offload_enabled = map_true(oc, "hw-offload");
    out->tc_policy = strdup_or_null(map_get(oc, "tc-policy"));
    out->max_idle = strdup_or_null(map_get(oc, "max-idle"));
    if (opt_integer(col(row, "next_cfg"), &v))
        out->next_cfg = v;
    if (opt_integer(col(row, "cur_cfg"), &v))
        out->cur_cfg = v;
}

/* The interface that stands for a port: the one of the same name (always so
 * for the ports ovs-offload makes), else its first. NULL if it has none. */
static const struct oo_jnode *port_iface(const struct oo_jnode *port, const char *name,
                                         const struct row_index *ifaces)
{
    struct atoms a = atoms_of(col(port, "interfaces"));
    const struct oo_jnode *atom, *first = NULL;

    while ((atom = atoms_next(&a))) {
        const struct row_ref *iface = deref(ifaces, atom);
        const char *iname = iface ? opt_string(col(iface->row, "name")) : NULL;

        if (!iface)
            continue;
        if (iname && !strcmp(iname, name))
            return iface->row;
        if (!first)
            first = iface->row;
    }
    return first;
}

/* The names of port's interfaces other than name, NULL-terminated; NULL if
 * none (every port ovs-offload makes). */
static char **other_ifaces(const struct oo_jnode *port, const char *name, const struct row_index *ifaces)
{
    struct atoms a = atoms_of(col(port, "interfaces"));
    const struct oo_jnode *atom;
    char **v = NULL;
    size_t n = 0;

    while ((atom = atoms_next(&a))) {
        const struct row_ref *iface = deref(ifaces, atom);
        const char *iname = iface ? opt_string(col(iface->row, "name")) : NULL;

        if (!iname || !strcmp(iname, name))
            continue;
        v = oo_realloc(v, (n + 2) * sizeof *v);
        v[n++] = oo_strdup(iname);
        v[n] = NULL;
    }
    return v;
}

static void copy_port(const struct oo_jnode *port, const char *name, const char *bridge,
                      const struct row_index *ifaces, struct oo_ovs_port *out)
{
    const struct oo_jnode *iface = port_iface(port, name, ifaces);
    const char *type = iface ? opt_string(col(iface, "type")) : NULL;
    const char *error = iface ? opt_string(col(iface, "error")) : NULL;
    long long ofport;

    out->name = oo_strdup(name);
    out->bridge = strdup_or_null(bridge);
    out->owned = map_true(col(port, "external_ids"), OO_OVS_OWNER_KEY);
    out->iface_type = oo_strdup(type ? type : "");
    /* ovs-vswitchd writes -1 when it could not add the port. */
    out->ofport = iface && opt_integer(col(iface, "ofport"), &ofport) && ofport >= 0 ? ofport : -1;
    out->error = error && *error ? oo_strdup(error) : NULL;
    out->other_ifaces = other_ifaces(port, name, ifaces);
}

/* The rows of op (a select's answer), or NULL with err set if the
 * operation failed. */
static const struct oo_jnode *op_rows(const struct oo_jnode *op, char *err, size_t err_size)
{
    const struct oo_jnode *rows = col(op, "rows");
    const char *e = opt_string(col(op, "error")), *details = opt_string(col(op, "details"));

    if (rows && rows->type == OO_JARRAY)
        return rows;
    snprintf(err, err_size, "%s%s%s", e ? e : "no rows in the reply", details ? ": " : "", details ? details : "");
    return NULL;
}

/* Fills out from the transaction's result; *root is the Open_vSwitch row
 * (NULL if none). Returns 0, or -EPROTO with out->error set when the answer
 * is not what four selects give. */
static int copy_result(const char *remote, const struct oo_jnode *result, struct oo_ovs_observed *out,
                       const struct oo_jnode **root)
{
    static const char *const tables[] = { "Open_vSwitch", "Bridge", "Port", "Interface" };
    const struct oo_jnode *rows[4], *op, *atom, *port;
    struct row_index bridges, ports, ifaces;
    const char **bridge_of;             /* by the place of a Port row */
    struct atoms brs;
    size_t n = 0;
    char err[160];

    *root = NULL;
    if (!result || result->type != OO_JARRAY) {
        set_error(out, "%s answered the read with something other than a transaction result", remote);
        return -EPROTO;
    }
    op = result + 1;
    for (size_t i = 0; i < 4; i++) {
        if (!(rows[i] = op_rows(i < result->n ? op : NULL, err, sizeof err))) {
            set_error(out, "%s could not read table %s: %s", remote, tables[i], err);
            return -EPROTO;
        }
        op = oo_jnode_skip(op);
    }
    index_rows(rows[1], &bridges);
    index_rows(rows[2], &ports);
    index_rows(rows[3], &ifaces);
    bridge_of = rows[2]->n ? oo_calloc(rows[2]->n, sizeof *bridge_of) : NULL;

    /* A database made by "ovsdb-tool create" that no "ovs-vsctl init" or
     * ovs-vswitchd has filled yet has no Open_vSwitch row: nothing set and
     * no bridges, as ovs-vsctl reads it. */
    *root = rows[0]->n ? rows[0] + 1 : NULL;
    if (*root)
        copy_root_row(*root, out);

    brs = atoms_of(col(*root, "bridges"));
    out->bridges = brs.left ? oo_calloc(brs.left, sizeof *out->bridges) : NULL;
    while ((atom = atoms_next(&brs))) {
        const struct row_ref *br = deref(&bridges, atom);
        const char *name = br ? opt_string(col(br->row, "name")) : NULL;
        struct atoms pa;
        struct oo_ovs_bridge *b;

        if (!name)
            continue;
        pa = atoms_of(col(br->row, "ports"));
        b = &out->bridges[out->n_bridges++];
        b->name = oo_strdup(name);
        b->owned = map_true(col(br->row, "external_ids"), OO_OVS_OWNER_KEY);
        b->ports = pa.left ? oo_calloc(pa.left, sizeof *b->ports) : NULL;
        while ((atom = atoms_next(&pa))) {
            const struct row_ref *p = deref(&ports, atom);
            const char *pname = p ? opt_string(col(p->row, "name")) : NULL;

            if (!pname)
                continue;
            b->ports[b->n_ports++] = oo_strdup(pname);
            if (!bridge_of[p->i])
                bridge_of[p->i] = b->name;
        }
        if (b->n_ports > 1) /* qsort's base must not be NULL, even for 0 */
            qsort(b->ports, b->n_ports, sizeof *b->ports, cmp_string_ptr);
    }
    if (out->n_bridges > 1)
        qsort(out->bridges, out->n_bridges, sizeof *out->bridges, cmp_bridge_name);

    /* Every Port row, with the bridge that lists it. */
    out->ports = rows[2]->n ? oo_calloc(rows[2]->n, sizeof *out->ports) : NULL;
    port = rows[2] + 1;
    for (uint32_t i = 0; i < rows[2]->n; i++, port = oo_jnode_skip(port)) {
        const char *name = opt_string(col(port, "name"));

        if (name)
            copy_port(port, name, bridge_of[i], &ifaces, &out->ports[n++]);
    }
    out->n_ports = n;
    if (n > 1)
        qsort(out->ports, n, sizeof *out->ports, cmp_port_name);

    free(bridge_of);
    free(bridges.refs);
    free(ports.refs);
    free(ifaces.refs);
    return 0;
}

void oo_offload_view_build_from(const char *hw_offload, const char *tc_policy, const char *record,
                                const struct oo_vswitchd_probe *probe, struct oo_offload_view *view)
{
    memset(view, 0, sizeof *view);
    oo_offload_cfg_from(hw_offload, tc_policy, &view->stored);
    view->has_record = record && !oo_offload_record_parse(record, &view->record);
    oo_boot_id(view->boot_id, sizeof view->boot_id);
    view->flow_api = OO_FLOW_API_UNKNOWN;
    if (probe->running == 1)
        view->flow_api = oo_flow_api_derive(view->has_record ? &view->record : NULL, view->boot_id,
                                            &probe->id, oo_ticks_per_s(), &view->stored,
                                            probe->offload_active, view->policy);
    view->restart_needed = oo_restart_needed(probe->running, view->flow_api, view->policy,
                                             &view->stored, view->why, sizeof view->why);
    if (view->restart_needed < 0 && probe->running == 1) {
        size_t len = strlen(view->why);

        snprintf(view->why + len, sizeof view->why - len, "; ");
        len = strlen(view->why);
        oo_flow_api_unknown_why(view->has_record ? &view->record : NULL, view->boot_id, &probe->id,
                                oo_ticks_per_s(), &view->stored, view->flow_api, view->why + len,
                                sizeof view->why - len);
    }
    view->record_current = view->has_record && !strcmp(view->record.boot_id, view->boot_id) &&
                           oo_offload_cfg_equal(&view->record.cfg, &view->stored);
    /* A process started from now on is dated against a record written now. */
    view->restart_settles = probe->running == 1 && probe->id.start_ticks && view->boot_id[0] &&
                            oo_ticks_per_s() > 0;
}

void oo_offload_view_build(const struct ovsrec_open_vswitch *ovs, const struct oo_vswitchd_probe *probe,
                           struct oo_offload_view *view)
{
    oo_offload_view_build_from(ovs ? smap_get(&ovs->other_config, "hw-offload") : NULL,
                               ovs ? smap_get(&ovs->other_config, "tc-policy") : NULL,
                               ovs ? smap_get(&ovs->external_ids, OO_OVS_RECORD_KEY) : NULL, probe, view);
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

/* How long the ovs-vswitchd probe may take at most, of what is left. */
#define PROBE_MAX_MS 2000

/* Waits for ovs-vswitchd's answer (asked in transact()) and, when the
 * database was read (report), records it with what follows from it and from
 * the Open_vSwitch row (root, NULL when the table is empty). */
static void observe_vswitchd(struct oo_vswitchd_probing *probing, bool report, const struct oo_jnode *root,
                             long long deadline, struct oo_ovs_observed *out)
{
    struct oo_vswitchd_probe probe;
    struct oo_offload_view view;

    /* Bounded by the caller's deadline, but given a moment even when the
     * database took it all: a reply from a live daemon takes microseconds.
     * Waited for even when unused, so that the daemon is not left writing
     * to a closed socket (which it would log). */
    oo_vswitchd_probe_finish(probing, MIN(MAX(deadline, time_msec() + 100), probing->started + PROBE_MAX_MS),
                             &probe);
    if (!report)
        return;
    oo_offload_view_build_from(map_get(col(root, "other_config"), "hw-offload"),
                               map_get(col(root, "other_config"), "tc-policy"),
                               map_get(col(root, "external_ids"), OO_OVS_RECORD_KEY), &probe, &view);
    out->vswitchd_running = probe.running;
    out->vswitchd_pid = probe.file_pid;
    out->offload_active = probe.offload_active;
    out->n_datapaths = probe.n_datapaths;
    memcpy(out->datapaths, probe.datapaths, sizeof out->datapaths);
    oo_strlcpy(out->vswitchd_why, probe.why, sizeof out->vswitchd_why);
    out->restart_needed = view.restart_needed;
    out->restart_settles = view.restart_settles;
    out->record_current = view.record_current;
    oo_strlcpy(out->restart_why, view.why, sizeof out->restart_why);
    out->flow_api = view.flow_api;
    oo_strlcpy(out->flow_api_policy, view.policy, sizeof out->flow_api_policy);
}

int oo_ovsdb_observe(const char *remote, int timeout_ms, struct oo_ovs_observed *out)
{
    struct oo_sigpipe_guard sigpipe;
    struct oo_vswitchd_probing probing;
    struct oo_call call;
    const struct oo_jnode *root = NULL;
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

    /* One connection attempt, like ovs-vsctl without --retry: a missing
     * socket or a refused connection is reported at once, with its reason.
     * Retrying is the caller's policy (the reconcile loop's). */
    r = transact(remote, deadline, timeout_ms, &probing, &call, out);
    if (!r) {
        const struct oo_jnode *msg = oo_jdoc_root(&call.reply), *error = oo_jnode_get(msg, "error");

        if (error && error->type != OO_JNULL) {
            const char *e = opt_string(col(error, "error"));
            const char *details = opt_string(col(error, "details"));

            if (e && !strcmp(e, "unknown database")) {
                set_error(out, "%s does not serve the Open_vSwitch database", remote);
                r = -ENOENT;
            } else {
                set_error(out, "%s refused the read: %s%s%s", remote, e ? e : "(no reason given)",
                          details ? ": " : "", details ? details : "");
                r = -EPROTO;
            }
        } else {
            r = copy_result(remote, oo_jnode_get(msg, "result"), out, &root);
        }
    }
    out->reachable = r == 0;
    /* Without the database, ovs-vswitchd's answer is not reported. */
    observe_vswitchd(&probing, r == 0, root, deadline, out);
    oo_call_destroy(&call);
    oo_sigpipe_restore(&sigpipe);
    oo_ovs_unlock();
    return r;
}

int oo_ovs_kernel_flows(const char *remote, int64_t pid, int timeout_ms, struct oo_ovs_port_flows **ret,
                        size_t *n, char *err, size_t err_size)
{
    static const char *const params[] = { "--names", "system@ovs-system", "type=ovs" };
    const size_t size = 16u << 20;
    struct oo_sigpipe_guard sigpipe;
    char rundir[4096], *out;
    int r;

    *ret = NULL;
    *n = 0;
    if (pid <= 0) {
        snprintf(err, err_size, "ovs-vswitchd does not run");
        return -ESRCH;
    }
    oo_ovs_env_init();
    oo_vswitchd_rundir(remote, rundir, sizeof rundir);
    out = oo_malloc(size);
    oo_ovs_lock();
    oo_sigpipe_block(&sigpipe);
    r = oo_vswitchd_command(rundir, pid, "dpctl/dump-flows", params, OO_ARRAY_SIZE(params),
                            time_msec() + timeout_ms, out, size);
    oo_sigpipe_restore(&sigpipe);
    oo_ovs_unlock();
    if (r)
        snprintf(err, err_size, "dpctl/dump-flows: %.200s", out);
    else
        *n = oo_dpctl_flows_by_port(out, ret);
    free(out);
    return r;
}

static int port_name_cmp(const void *key, const void *port)
{
    return strcmp(key, ((const struct oo_ovs_port *)port)->name);
}

struct oo_ovs_port *oo_ovs_port_find(const struct oo_ovs_observed *o, const char *name)
{
    if (!o->n_ports)
        return NULL;
    return bsearch(name, o->ports, o->n_ports, sizeof *o->ports, port_name_cmp);
}

const struct oo_ovs_port *oo_ovs_port_with_iface(const struct oo_ovs_observed *o, const char *iface)
{
    for (size_t i = 0; i < o->n_ports; i++)
        for (char **n = o->ports[i].other_ifaces; n && *n; n++)
            if (!strcmp(*n, iface))
                return &o->ports[i];
    return NULL;
}

void oo_ovs_port_add(struct oo_ovs_observed *o, struct oo_ovs_port port)
{
    size_t i = o->n_ports;

    while (i > 0 && strcmp(o->ports[i - 1].name, port.name) > 0)
        i--;
    o->ports = oo_realloc(o->ports, (o->n_ports + 1) * sizeof *o->ports);
    memmove(&o->ports[i + 1], &o->ports[i], (o->n_ports - i) * sizeof *o->ports);
    o->ports[i] = port;
    o->n_ports++;
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
        for (char **n = o->ports[i].other_ifaces; n && *n; n++)
            free(*n);
        free(o->ports[i].other_ifaces);
    }
    free(o->ports);
    free(o->ovs_version);
    free(o->db_version);
    free(o->hw_offload);
    free(o->tc_policy);
    free(o->max_idle);
    memset(o, 0, sizeof *o);
}
