/* A small driver of ovsdb/'s API for tests and by-hand checks (the guest test
 * tests/vm/ovs.sh uses it). JSON on stdout, read back with jq.
 *
 *   ovs-apply-cli [--db REMOTE] [--timeout MS] observe
 *   ovs-apply-cli [--db REMOTE] [--timeout MS] apply OP...
 *       OP: add-bridge:BR  add-port:BR:PORT  del-port:PORT[:BR]
 *           set:KEY=VALUE  unset:KEY
 *   ovs-apply-cli [--timeout MS] restart ARGV...
 *
 * REMOTE defaults to $OO_OVSDB, else unix:$OVS_RUNDIR/db.sock, else the
 * system's socket. Exit status: 0 done, 1 the call failed, 2 usage. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/json.h"
#include "common/util.h"
#include "ovsdb/ovsdb.h"

static void usage(void)
{
    fprintf(stderr,
            "usage: ovs-apply-cli [--db REMOTE] [--timeout MS] observe\n"
            "       ovs-apply-cli [--db REMOTE] [--timeout MS] apply OP...\n"
            "           OP: add-bridge:BR add-port:BR:PORT del-port:PORT[:BR] set:KEY=VALUE unset:KEY\n"
            "       ovs-apply-cli [--timeout MS] restart ARGV...\n");
    exit(2);
}

static int cmd_observe(const char *remote, int timeout_ms)
{
    struct oo_ovs_observed o;
    struct oo_json j;
    int64_t t0 = oo_now_ms();
    int r = oo_ovsdb_observe(remote, timeout_ms, &o);
    int64_t ms = oo_now_ms() - t0;

    oo_json_init(&j, stdout, false);
    oo_json_obj_begin(&j);
    oo_json_kv_int(&j, "return", r);
    oo_json_kv_bool(&j, "reachable", o.reachable);
    oo_json_kv_str(&j, "error", o.error);
    oo_json_kv_str(&j, "hw_offload", o.hw_offload);
    oo_json_kv_str(&j, "tc_policy", o.tc_policy);
    oo_json_kv_str(&j, "max_idle", o.max_idle);
    oo_json_kv_int(&j, "next_cfg", o.next_cfg);
    oo_json_kv_int(&j, "cur_cfg", o.cur_cfg);
    oo_json_kv_int(&j, "vswitchd_running", o.vswitchd_running);
    oo_json_kv_int(&j, "vswitchd_pid", o.vswitchd_pid);
    oo_json_kv_str(&j, "vswitchd_why", o.vswitchd_why);
    oo_json_kv_int(&j, "offload_active", o.offload_active);
    oo_json_kv_int(&j, "restart_needed", o.restart_needed);
    oo_json_kv_str(&j, "restart_why", o.restart_why);
    oo_json_key(&j, "datapaths");
    oo_json_arr_begin(&j);
    for (size_t i = 0; i < o.n_datapaths; i++) {
        oo_json_obj_begin(&j);
        oo_json_kv_str(&j, "name", o.datapaths[i].name);
        oo_json_kv_int(&j, "flows", o.datapaths[i].flows);
        oo_json_kv_int(&j, "offloaded", o.datapaths[i].offloaded);
        oo_json_obj_end(&j);
    }
    oo_json_arr_end(&j);
    oo_json_key(&j, "bridges");
    oo_json_arr_begin(&j);
    for (size_t i = 0; i < o.n_bridges; i++) {
        oo_json_obj_begin(&j);
        oo_json_kv_str(&j, "name", o.bridges[i].name);
        oo_json_kv_bool(&j, "owned", o.bridges[i].owned);
        oo_json_key(&j, "ports");
        oo_json_arr_begin(&j);
        for (size_t k = 0; k < o.bridges[i].n_ports; k++)
            oo_json_str(&j, o.bridges[i].ports[k]);
        oo_json_arr_end(&j);
        oo_json_obj_end(&j);
    }
    oo_json_arr_end(&j);
    oo_json_key(&j, "ports");
    oo_json_arr_begin(&j);
    for (size_t i = 0; i < o.n_ports; i++) {
        const struct oo_ovs_port *p = &o.ports[i];

        oo_json_obj_begin(&j);
        oo_json_kv_str(&j, "name", p->name);
        oo_json_kv_str(&j, "bridge", p->bridge);
        oo_json_kv_bool(&j, "owned", p->owned);
        oo_json_kv_str(&j, "type", p->iface_type);
        oo_json_kv_int(&j, "ofport", p->ofport);
        oo_json_kv_str(&j, "error", p->error);
        oo_json_obj_end(&j);
    }
    oo_json_arr_end(&j);
    oo_json_kv_int(&j, "elapsed_ms", ms);
    oo_json_obj_end(&j);
    oo_json_finish(&j);
    oo_ovs_observed_free(&o);
    return r ? 1 : 0;
}

/* Parses one OP into op; the strings point into arg (modified). */
static int parse_op(char *arg, struct oo_ovs_op *op)
{
    char *colon = strchr(arg, ':'), *rest, *second;

    memset(op, 0, sizeof *op);
    if (!colon)
        return -EINVAL;
    *colon = '\0';
    rest = colon + 1;
    second = strchr(rest, ':');
    if (!strcmp(arg, "add-bridge")) {
        op->kind = OO_OVS_OP_ADD_BRIDGE;
        op->bridge = rest;
    } else if (!strcmp(arg, "add-port")) {
        if (!second)
            return -EINVAL;
        *second = '\0';
        op->kind = OO_OVS_OP_ADD_PORT;
        op->bridge = rest;
        op->port = second + 1;
    } else if (!strcmp(arg, "del-port")) {
        op->kind = OO_OVS_OP_DEL_PORT;
        if (second) {
            *second = '\0';
            op->bridge = second + 1;
        }
        op->port = rest;
    } else if (!strcmp(arg, "set")) {
        char *eq = strchr(rest, '=');
        if (!eq)
            return -EINVAL;
        *eq = '\0';
        op->kind = OO_OVS_OP_SET_CONFIG;
        op->key = rest;
        op->value = eq + 1;
    } else if (!strcmp(arg, "unset")) {
        op->kind = OO_OVS_OP_SET_CONFIG;
        op->key = rest;
    } else {
        return -EINVAL;
    }
    return 0;
}

static int cmd_apply(const char *remote, int timeout_ms, int argc, char **argv)
{
    struct oo_ovs_op *ops = oo_calloc(argc ? argc : 1, sizeof *ops);
    struct oo_ovs_apply_result res;
    struct oo_json j;
    int r;

    for (int i = 0; i < argc; i++) {
        char *copy = argv[i];
        if (parse_op(copy, &ops[i]) < 0) {
            fprintf(stderr, "ovs-apply-cli: bad op '%s'\n", argv[i]);
            usage();
        }
    }
    r = oo_ovsdb_apply(remote, ops, argc, timeout_ms, &res);

    oo_json_init(&j, stdout, false);
    oo_json_obj_begin(&j);
    oo_json_kv_int(&j, "return", r);
    oo_json_kv_str(&j, "error", res.error_text);
    oo_json_kv_str(&j, "txn_status", res.txn_status);
    oo_json_kv_int(&j, "attempts", res.attempts);
    oo_json_kv_bool(&j, "committed", res.committed);
    oo_json_kv_int(&j, "next_cfg", res.next_cfg);
    oo_json_kv_int(&j, "cur_cfg", res.cur_cfg);
    oo_json_kv_int(&j, "vswitchd_running", res.vswitchd_running);
    oo_json_kv_bool(&j, "waited", res.waited);
    oo_json_kv_bool(&j, "wait_timed_out", res.wait_timed_out);
    oo_json_kv_int(&j, "connect_ms", res.connect_ms);
    oo_json_kv_int(&j, "commit_ms", res.commit_ms);
    oo_json_kv_int(&j, "wait_ms", res.wait_ms);
    oo_json_kv_int(&j, "total_ms", res.total_ms);
    oo_json_kv_int(&j, "restart_needed", res.restart_needed);
    oo_json_kv_str(&j, "restart_why", res.restart_why);
    oo_json_kv_uint(&j, "orphans_removed", res.orphans_removed);
    oo_json_key(&j, "ops");
    oo_json_arr_begin(&j);
    for (size_t i = 0; i < res.n_ops; i++) {
        const struct oo_ovs_op_result *o = &res.ops[i];

        oo_json_obj_begin(&j);
        oo_json_kv_str(&j, "op", oo_ovs_op_kind_to_string(ops[i].kind));
        oo_json_kv_str(&j, "bridge", ops[i].bridge);
        oo_json_kv_str(&j, "port", ops[i].port);
        oo_json_kv_str(&j, "key", ops[i].key);
        oo_json_kv_str(&j, "value", ops[i].value);
        oo_json_kv_str(&j, "outcome", oo_ovs_outcome_to_string(o->outcome));
        oo_json_kv_int(&j, "error", o->error);
        oo_json_kv_str(&j, "message", o->message);
        oo_json_kv_int(&j, "ofport", o->ofport);
        oo_json_kv_str(&j, "iface_error", o->iface_error);
        oo_json_kv_int(&j, "orphan", o->orphan);
        oo_json_obj_end(&j);
    }
    oo_json_arr_end(&j);
    oo_json_obj_end(&j);
    oo_json_finish(&j);
    oo_ovs_apply_result_free(&res);
    free(ops);
    return r ? 1 : 0;
}

static int cmd_restart(int timeout_ms, int argc, char **argv)
{
    const char **args = oo_calloc(argc + 1, sizeof *args);
    char err[512];
    struct oo_json j;
    int64_t t0 = oo_now_ms();
    int r;

    for (int i = 0; i < argc; i++)
        args[i] = argv[i];
    r = oo_ovs_restart(args, timeout_ms, err, sizeof err);
    oo_json_init(&j, stdout, false);
    oo_json_obj_begin(&j);
    oo_json_kv_int(&j, "return", r);
    oo_json_kv_str(&j, "error", err);
    oo_json_kv_int(&j, "elapsed_ms", oo_now_ms() - t0);
    oo_json_obj_end(&j);
    oo_json_finish(&j);
    free(args);
    return r ? 1 : 0;
}

int main(int argc, char **argv)
{
    static char remote_buf[4200];
    const char *remote = getenv("OO_OVSDB");
    const char *rundir = getenv("OVS_RUNDIR");
    int timeout_ms = 10000;
    int i = 1;

    if (!remote && rundir) {
        snprintf(remote_buf, sizeof remote_buf, "unix:%s/db.sock", rundir);
        remote = remote_buf;
    }
    if (!remote)
        remote = OO_OVSDB_DEFAULT_REMOTE;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (!strcmp(argv[i], "--db") && i + 1 < argc)
            remote = argv[++i];
        else if (!strcmp(argv[i], "--timeout") && i + 1 < argc)
            timeout_ms = atoi(argv[++i]);
        else
            usage();
    }
    if (i >= argc)
        usage();
    if (!strcmp(argv[i], "observe"))
        return cmd_observe(remote, timeout_ms);
    if (!strcmp(argv[i], "apply"))
        return cmd_apply(remote, timeout_ms, argc - i - 1, argv + i + 1);
    if (!strcmp(argv[i], "restart") && i + 1 < argc)
        return cmd_restart(timeout_ms, argc - i - 1, argv + i + 1);
    usage();
}
