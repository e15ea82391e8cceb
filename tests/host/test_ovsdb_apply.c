/* oo_ovsdb_apply() against a real ovsdb-server (ovsdb-sandbox.sh): one
 * transaction for a thousand ports, ownership, collisions, idempotence, and
 * an ovsdb-server that goes away. ovs-vswitchd is played, where a test needs
 * one, by a fake that holds its pidfile lock and answers on its control
 * socket (and can acknowledge next_cfg); the real one is in tests/vm/ovs.sh. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/util.h"
#include "ovsdb/ovs-env.h"
#include "ovsdb/ovsdb.h"
#include "stop-signal.h"

#define TIMEOUT_MS 10000
#define N_REPS 1000

static const char *remote;
static const char *dir;

static void run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Runs a shell command and insists on success. */
static void run(const char *fmt, ...)
{
    char cmd[4096];
    va_list ap;
    int rc;

    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    rc = system(cmd);
    if (rc != 0)
        fail_msg("'%s' failed (status %d)", cmd, rc);
}

#define VSCTL(...) run("ovs-vsctl --no-wait --db=%s " __VA_ARGS__)

/* First line of a command's output. */
static void capture(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void capture(char *buf, size_t size, const char *fmt, ...)
{
    char cmd[2048];
    va_list ap;
    FILE *p;

    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    buf[0] = '\0';
    p = popen(cmd, "r");
    assert_non_null(p);
    if (!fgets(buf, size, p))
        buf[0] = '\0';
    buf[strcspn(buf, "\n")] = '\0';
    pclose(p);
}

static void assert_contains(const char *haystack, const char *needle)
{
    if (!strstr(haystack, needle))
        fail_msg("\"%s\" does not contain \"%s\"", haystack, needle);
}

static int reset_db(void **state)
{
    VSCTL("clear Open_vSwitch . other_config bridges external_ids "
          "-- set Open_vSwitch . next_cfg=0 cur_cfg=0", remote);
    return 0;
}

/* ------------------------------------------------------------ helpers */

static struct oo_ovs_op op_bridge(const char *br)
{
    return (struct oo_ovs_op){ .kind = OO_OVS_OP_ADD_BRIDGE, .bridge = br };
}

static struct oo_ovs_op op_port(const char *br, const char *port)
{
    return (struct oo_ovs_op){ .kind = OO_OVS_OP_ADD_PORT, .bridge = br, .port = port };
}

static struct oo_ovs_op op_del(const char *port, const char *br)
{
    return (struct oo_ovs_op){ .kind = OO_OVS_OP_DEL_PORT, .bridge = br, .port = port };
}

static struct oo_ovs_op op_set(const char *key, const char *value)
{
    return (struct oo_ovs_op){ .kind = OO_OVS_OP_SET_CONFIG, .key = key, .value = value };
}

static int apply(const struct oo_ovs_op *ops, size_t n, struct oo_ovs_apply_result *res)
{
    return oo_ovsdb_apply(remote, ops, n, TIMEOUT_MS, res);
}

static void observe(struct oo_ovs_observed *o)
{
    assert_int_equal(oo_ovsdb_observe(remote, TIMEOUT_MS, o), 0);
}

static const struct oo_ovs_port *find_port(const struct oo_ovs_observed *o, const char *name)
{
    for (size_t i = 0; i < o->n_ports; i++)
        if (!strcmp(o->ports[i].name, name))
            return &o->ports[i];
    return NULL;
}

static const struct oo_ovs_bridge *find_bridge(const struct oo_ovs_observed *o, const char *name)
{
    for (size_t i = 0; i < o->n_bridges; i++)
        if (!strcmp(o->bridges[i].name, name))
            return &o->bridges[i];
    return NULL;
}

static bool str_eq(const char *a, const char *b)
{
    return (!a && !b) || (a && b && !strcmp(a, b));
}

/* Two observations of the database (not of ovs-vswitchd) are equal. */
static void assert_same_db(const struct oo_ovs_observed *a, const struct oo_ovs_observed *b)
{
    assert_int_equal(a->next_cfg, b->next_cfg);
    assert_true(str_eq(a->hw_offload, b->hw_offload));
    assert_true(str_eq(a->tc_policy, b->tc_policy));
    assert_true(str_eq(a->max_idle, b->max_idle));
    assert_int_equal(a->n_bridges, b->n_bridges);
    for (size_t i = 0; i < a->n_bridges; i++) {
        assert_string_equal(a->bridges[i].name, b->bridges[i].name);
        assert_int_equal(a->bridges[i].owned, b->bridges[i].owned);
        assert_int_equal(a->bridges[i].n_ports, b->bridges[i].n_ports);
        for (size_t k = 0; k < a->bridges[i].n_ports; k++)
            assert_string_equal(a->bridges[i].ports[k], b->bridges[i].ports[k]);
    }
    assert_int_equal(a->n_ports, b->n_ports);
    for (size_t i = 0; i < a->n_ports; i++) {
        const struct oo_ovs_port *p = &a->ports[i], *q = &b->ports[i];

        assert_string_equal(p->name, q->name);
        assert_true(str_eq(p->bridge, q->bridge));
        assert_int_equal(p->owned, q->owned);
        assert_true(str_eq(p->iface_type, q->iface_type));
        assert_int_equal(p->ofport, q->ofport);
        assert_true(str_eq(p->error, q->error));
    }
}

/* A foreign setup, as an admin would make it. */
static void make_foreign(void)
{
    VSCTL("add-br br-admin -- add-port br-admin eth5 -- add-bond br-admin bond0 eth6 eth7 "
          "-- set Port eth5 external_ids:owner=admin", remote);
}

static void assert_foreign_intact(const struct oo_ovs_observed *o)
{
    static const char *const ports[] = { "bond0", "br-admin", "eth5" };
    const struct oo_ovs_bridge *br = find_bridge(o, "br-admin");
    char ext[256];

    assert_non_null(br);
    assert_false(br->owned);
    assert_int_equal(br->n_ports, 3);
    for (size_t i = 0; i < 3; i++) {
        const struct oo_ovs_port *p = find_port(o, ports[i]);

        assert_string_equal(br->ports[i], ports[i]);
        assert_non_null(p);
        assert_false(p->owned);
        assert_string_equal(p->bridge, "br-admin");
    }
    capture(ext, sizeof ext, "ovs-vsctl --no-wait --db=%s get Port eth5 external_ids", remote);
    assert_string_equal(ext, "{owner=admin}");
}

/* ------------------------------------------------------------ the tests */

static void test_thousand_ports_one_transaction(void **state)
{
    struct oo_ovs_op *ops = oo_calloc(N_REPS + 1, sizeof *ops);
    char (*names)[16] = oo_calloc(N_REPS, sizeof *names);
    struct oo_ovs_apply_result res;
    struct oo_ovs_observed o;
    int64_t t0, observe_ms;
    char count[32];

    ops[0] = op_bridge("br-offload");
    for (int i = 0; i < N_REPS; i++) {
        snprintf(names[i], sizeof names[i], "pf0vf%d", i);
        ops[i + 1] = op_port("br-offload", names[i]);
    }
    assert_int_equal(apply(ops, N_REPS + 1, &res), 0);
    assert_true(res.committed);
    assert_int_equal(res.attempts, 1);
    assert_string_equal(res.txn_status, "success");
    assert_int_equal(res.next_cfg, 1);
    assert_int_equal(res.vswitchd_running, 0);
    assert_false(res.waited);   /* no ovs-vswitchd: nothing to wait for */
    for (int i = 0; i <= N_REPS; i++)
        assert_int_equal(res.ops[i].outcome, OO_OVS_DONE);
    print_message("apply: bridge + %d ports in one transaction: connect %lld ms, commit %lld ms, "
                  "total %lld ms\n", N_REPS, (long long)res.connect_ms, (long long)res.commit_ms,
                  (long long)res.total_ms);
    oo_ovs_apply_result_free(&res);

    t0 = oo_now_ms();
    observe(&o);
    observe_ms = oo_now_ms() - t0;
    print_message("observe of %zu ports: %lld ms\n", o.n_ports, (long long)observe_ms);
    assert_int_equal(o.n_bridges, 1);
    assert_true(o.bridges[0].owned);
    assert_int_equal(o.bridges[0].n_ports, N_REPS + 1);
    assert_int_equal(o.n_ports, N_REPS + 1);
    for (size_t i = 0; i < o.n_ports; i++) {
        assert_true(o.ports[i].owned);
        assert_string_equal(o.ports[i].bridge, "br-offload");
        if (i && strcmp(o.ports[i - 1].name, o.ports[i].name) >= 0)
            fail_msg("ports not sorted: %s before %s", o.ports[i - 1].name, o.ports[i].name);
    }
    assert_string_equal(find_port(&o, "br-offload")->iface_type, "internal");
    assert_string_equal(find_port(&o, "pf0vf999")->iface_type, "");
    assert_int_equal(find_port(&o, "pf0vf999")->ofport, -1);
    oo_ovs_observed_free(&o);

    /* An independent reader sees the marks. */
    capture(count, sizeof count, "ovs-vsctl --no-wait --db=%s --bare --columns=name find Port "
            "external_ids:" OO_OVS_OWNER_KEY "=true | grep -c .", remote);
    assert_int_equal(atoi(count), N_REPS + 1);
    capture(count, sizeof count, "ovs-vsctl --no-wait --db=%s get Bridge br-offload "
            "external_ids:" OO_OVS_OWNER_KEY, remote);
    assert_string_equal(count, "\"true\"");

    /* The second identical apply changes nothing, and sends nothing. */
    struct oo_ovs_observed before, after;
    observe(&before);
    assert_int_equal(apply(ops, N_REPS + 1, &res), 0);
    assert_false(res.committed);
    assert_int_equal(res.attempts, 0);
    assert_string_equal(res.txn_status, "unchanged");
    assert_int_equal(res.next_cfg, 0);
    for (int i = 0; i <= N_REPS; i++)
        assert_int_equal(res.ops[i].outcome, OO_OVS_UNCHANGED);
    print_message("second apply (no-op) of %d ports: %lld ms\n", N_REPS, (long long)res.total_ms);
    oo_ovs_apply_result_free(&res);
    observe(&after);
    assert_same_db(&before, &after);
    oo_ovs_observed_free(&before);
    oo_ovs_observed_free(&after);

    free(ops);
    free(names);
}

static void test_second_apply_is_noop(void **state)
{
    const struct oo_ovs_op ops[] = {
        op_bridge("br-offload"), op_port("br-offload", "eth0"), op_port("br-offload", "eth1"),
        op_set("hw-offload", "true"), op_set("tc-policy", "skip_hw"), op_set("max-idle", "10000"),
    };
    struct oo_ovs_apply_result res;
    struct oo_ovs_observed before, after;
    char ext[512], ext2[512];

    assert_int_equal(apply(ops, OO_ARRAY_SIZE(ops), &res), 0);
    assert_true(res.committed);
    oo_ovs_apply_result_free(&res);
    capture(ext, sizeof ext, "ovs-vsctl --no-wait --db=%s get Open_vSwitch . external_ids", remote);
    assert_contains(ext, OO_OVS_RECORD_KEY);
    assert_contains(ext, "hw-offload=true tc-policy=skip_hw vswitchd=none");

    observe(&before);
    assert_string_equal(before.hw_offload, "true");
    assert_string_equal(before.tc_policy, "skip_hw");
    assert_string_equal(before.max_idle, "10000");
    assert_int_equal(apply(ops, OO_ARRAY_SIZE(ops), &res), 0);
    assert_string_equal(res.txn_status, "unchanged");
    assert_false(res.committed);
    for (size_t i = 0; i < OO_ARRAY_SIZE(ops); i++)
        assert_int_equal(res.ops[i].outcome, OO_OVS_UNCHANGED);
    oo_ovs_apply_result_free(&res);
    observe(&after);
    assert_same_db(&before, &after);
    capture(ext2, sizeof ext2, "ovs-vsctl --no-wait --db=%s get Open_vSwitch . external_ids", remote);
    assert_string_equal(ext, ext2);   /* the record was not rewritten */
    oo_ovs_observed_free(&before);
    oo_ovs_observed_free(&after);
}

static void test_foreign_untouched(void **state)
{
    const struct oo_ovs_op ops[] = {
        op_bridge("br-offload"), op_port("br-offload", "eth0"), op_port("br-offload", "eth1"),
    };
    const struct oo_ovs_op add_to_foreign[] = { op_port("br-admin", "eth2") };
    const struct oo_ovs_op del[] = { op_del("eth0", "br-offload"), op_del("eth2", "br-admin") };
    struct oo_ovs_apply_result res;
    struct oo_ovs_observed o;

    make_foreign();
    assert_int_equal(apply(ops, OO_ARRAY_SIZE(ops), &res), 0);
    oo_ovs_apply_result_free(&res);
    /* Our port on an admin's bridge (the config may name one). */
    assert_int_equal(apply(add_to_foreign, 1, &res), 0);
    oo_ovs_apply_result_free(&res);
    observe(&o);
    assert_true(find_port(&o, "eth2")->owned);
    assert_false(find_bridge(&o, "br-admin")->owned);
    oo_ovs_observed_free(&o);

    assert_int_equal(apply(del, OO_ARRAY_SIZE(del), &res), 0);
    oo_ovs_apply_result_free(&res);
    observe(&o);
    assert_foreign_intact(&o);
    assert_null(find_port(&o, "eth0"));
    assert_null(find_port(&o, "eth2"));
    assert_non_null(find_port(&o, "eth1"));
    oo_ovs_observed_free(&o);
}

static void test_delete_owned_refuse_unowned(void **state)
{
    const struct oo_ovs_op setup[] = {
        op_bridge("br-offload"), op_port("br-offload", "rep0"), op_port("br-offload", "rep1"),
    };
    /* All or nothing: the refused deletion takes the rest with it. */
    const struct oo_ovs_op mixed[] = { op_del("rep0", NULL), op_del("eth5", NULL),
                                       op_port("br-offload", "rep2") };
    const struct oo_ovs_op foreign_bridge[] = { op_del("br-admin", NULL) };
    const struct oo_ovs_op wrong_bridge[] = { op_del("rep0", "br-admin") };
    const struct oo_ovs_op del[] = { op_del("rep0", "br-offload"), op_del("gone", NULL) };
    const struct oo_ovs_op lost[] = { op_del("rep1", NULL) };
    struct oo_ovs_apply_result res;
    struct oo_ovs_observed o;

    make_foreign();
    assert_int_equal(apply(setup, OO_ARRAY_SIZE(setup), &res), 0);
    oo_ovs_apply_result_free(&res);

    assert_int_equal(apply(mixed, OO_ARRAY_SIZE(mixed), &res), -EPERM);
    assert_int_equal(res.ops[0].outcome, OO_OVS_NOT_APPLIED);
    assert_int_equal(res.ops[1].outcome, OO_OVS_REFUSED);
    assert_int_equal(res.ops[1].error, -EPERM);
    assert_contains(res.ops[1].message, "port eth5 on bridge br-admin does not carry "
                    "external_ids:" OO_OVS_OWNER_KEY "=true");
    assert_int_equal(res.ops[2].outcome, OO_OVS_NOT_APPLIED);
    assert_contains(res.error_text, "del-port eth5: port eth5 on bridge br-admin");
    assert_false(res.committed);
    oo_ovs_apply_result_free(&res);

    assert_int_equal(apply(foreign_bridge, 1, &res), -EPERM);
    oo_ovs_apply_result_free(&res);
    assert_int_equal(apply(wrong_bridge, 1, &res), -ESTALE);
    assert_contains(res.error_text, "port rep0 is on bridge br-offload, not br-admin");
    oo_ovs_apply_result_free(&res);

    observe(&o);
    assert_non_null(find_port(&o, "rep0"));
    assert_null(find_port(&o, "rep2"));
    assert_foreign_intact(&o);
    oo_ovs_observed_free(&o);

    assert_int_equal(apply(del, OO_ARRAY_SIZE(del), &res), 0);
    assert_int_equal(res.ops[0].outcome, OO_OVS_DONE);
    assert_int_equal(res.ops[1].outcome, OO_OVS_UNCHANGED);
    assert_contains(res.ops[1].message, "no port gone");
    oo_ovs_apply_result_free(&res);

    /* A port whose mark someone removed is no longer ours to delete. */
    VSCTL("remove Port rep1 external_ids " OO_OVS_OWNER_KEY, remote);
    assert_int_equal(apply(lost, 1, &res), -EPERM);
    oo_ovs_apply_result_free(&res);

    observe(&o);
    assert_null(find_port(&o, "rep0"));
    assert_non_null(find_port(&o, "rep1"));
    assert_foreign_intact(&o);
    oo_ovs_observed_free(&o);
}

static void test_name_collisions_are_named(void **state)
{
    const struct oo_ovs_op setup[] = { op_bridge("br-offload"), op_port("br-offload", "rep0") };
    const struct oo_ovs_op port_taken[] = { op_port("br-offload", "eth5") };
    const struct oo_ovs_op iface_taken[] = { op_port("br-offload", "eth6") };
    const struct oo_ovs_op bridge_taken[] = { op_bridge("eth5") };
    const struct oo_ovs_op ours_elsewhere[] = { op_bridge("br-two"), op_port("br-two", "rep0") };
    const struct oo_ovs_op twice[] = { op_port("br-offload", "x"), op_port("br-admin", "x") };
    const struct oo_ovs_op no_bridge[] = { op_port("br-none", "rep9") };
    struct oo_ovs_apply_result res;

    make_foreign();
    assert_int_equal(apply(setup, OO_ARRAY_SIZE(setup), &res), 0);
    oo_ovs_apply_result_free(&res);

    assert_int_equal(apply(port_taken, 1, &res), -EEXIST);
    assert_string_equal(res.error_text, "add-port eth5: port eth5 already exists on bridge br-admin "
                        "and ovs-offload did not create it");
    oo_ovs_apply_result_free(&res);
    assert_int_equal(apply(iface_taken, 1, &res), -EEXIST);
    assert_string_equal(res.error_text, "add-port eth6: eth6 is already an interface of port bond0 on "
                        "bridge br-admin, which ovs-offload did not create");
    oo_ovs_apply_result_free(&res);
    assert_int_equal(apply(bridge_taken, 1, &res), -EEXIST);
    assert_contains(res.error_text, "port eth5 already exists on bridge br-admin");
    oo_ovs_apply_result_free(&res);
    assert_int_equal(apply(ours_elsewhere, OO_ARRAY_SIZE(ours_elsewhere), &res), -EEXIST);
    assert_contains(res.error_text, "port rep0 already exists on bridge br-offload (created by "
                    "ovs-offload: remove it there first)");
    oo_ovs_apply_result_free(&res);
    assert_int_equal(apply(twice, OO_ARRAY_SIZE(twice), &res), -EINVAL);
    assert_contains(res.error_text, "x is added twice");
    oo_ovs_apply_result_free(&res);
    assert_int_equal(apply(no_bridge, 1, &res), -ENOENT);
    assert_contains(res.error_text, "no bridge br-none");
    oo_ovs_apply_result_free(&res);
}

/* A shell command the seam runs once, just before the next commit. */
static char seam_cmd[512];

void oo_ovsdb_apply_test_seam(const char *db)
{
    char cmd[sizeof seam_cmd];

    if (!seam_cmd[0])
        return;
    oo_strlcpy(cmd, seam_cmd, sizeof cmd);
    seam_cmd[0] = '\0';
    assert_string_equal(db, remote);
    run("%s", cmd);
}

/* Another client deletes the bridge after apply read it and before its
 * commit: the port cannot be attached, and apply says so. (A bare mutation
 * of the gone row matched nothing: the Port was collected and the op
 * reported done.) */
static void test_bridge_deleted_before_commit(void **state)
{
    const struct oo_ovs_op setup[] = { op_bridge("br-gone") };
    const struct oo_ovs_op add[] = { op_port("br-gone", "rep7") };
    struct oo_ovs_apply_result res;
    struct oo_ovs_observed o;

    assert_int_equal(apply(setup, 1, &res), 0);
    oo_ovs_apply_result_free(&res);
    snprintf(seam_cmd, sizeof seam_cmd, "ovs-vsctl --no-wait --db=%s del-br br-gone", remote);
    assert_int_equal(apply(add, 1, &res), -ENOENT);
    assert_false(seam_cmd[0]);
    assert_int_equal(res.attempts, 1);      /* the second attempt refuses before sending */
    assert_contains(res.error_text, "no bridge br-gone to attach rep7 to");
    oo_ovs_apply_result_free(&res);
    observe(&o);
    assert_null(find_port(&o, "rep7"));
    oo_ovs_observed_free(&o);
}

/* Another client sets tc-policy after apply read other_config and before
 * its commit of hw-offload: the record must describe what is stored, not
 * what apply read (it said tc-policy=none, and every later read judged a
 * restart needed that was not). The verify fails the first attempt; the
 * second builds the record from the admin's value. */
static void test_record_follows_concurrent_policy(void **state)
{
    const struct oo_ovs_op set[] = { op_set("hw-offload", "true") };
    struct oo_ovs_apply_result res;
    char ext[512];

    snprintf(seam_cmd, sizeof seam_cmd, "ovs-vsctl --no-wait --db=%s set Open_vSwitch . "
             "other_config:tc-policy=skip_hw", remote);
    assert_int_equal(apply(set, 1, &res), 0);
    assert_false(seam_cmd[0]);
    assert_int_equal(res.attempts, 2);
    oo_ovs_apply_result_free(&res);
    capture(ext, sizeof ext, "ovs-vsctl --no-wait --db=%s get Open_vSwitch . external_ids", remote);
    assert_contains(ext, "hw-offload=true tc-policy=skip_hw");
    capture(ext, sizeof ext, "ovs-vsctl --no-wait --db=%s get Open_vSwitch . other_config", remote);
    assert_contains(ext, "tc-policy=skip_hw");
    assert_contains(ext, "hw-offload=\"true\"");
}

/* A move that is done by the time the transaction lands (by an attempt
 * whose reply was lost; here by another client, with our mark) is no
 * conflict: the port is where the ops put it. It was refused with
 * -ESTALE, "port eth3 is on bridge br-b, not br-a". */
static void test_move_found_done(void **state)
{
    const struct oo_ovs_op setup[] = { op_bridge("br-a"), op_bridge("br-b"), op_port("br-a", "eth3") };
    const struct oo_ovs_op move[] = { op_del("eth3", "br-a"), op_port("br-b", "eth3") };
    struct oo_ovs_apply_result res;
    struct oo_ovs_observed o;

    assert_int_equal(apply(setup, OO_ARRAY_SIZE(setup), &res), 0);
    oo_ovs_apply_result_free(&res);
    snprintf(seam_cmd, sizeof seam_cmd, "ovs-vsctl --no-wait --db=%s del-port br-a eth3 -- "
             "add-port br-b eth3 -- set Port eth3 external_ids:" OO_OVS_OWNER_KEY "=true", remote);
    assert_int_equal(apply(move, OO_ARRAY_SIZE(move), &res), 0);
    assert_false(seam_cmd[0]);
    assert_int_equal(res.attempts, 1);      /* the verify failed; the second attempt has nothing to send */
    assert_string_equal(res.error_text, "");
    /* Done, as if by an attempt whose reply was lost: committed, so that
     * ovs-vswitchd is waited for (up to the database's next_cfg). */
    assert_true(res.committed);
    oo_ovs_apply_result_free(&res);
    observe(&o);
    assert_string_equal(find_port(&o, "eth3")->bridge, "br-b");
    assert_true(find_port(&o, "eth3")->owned);
    oo_ovs_observed_free(&o);
    /* Someone else's port on the other bridge is still a conflict. */
    run("ovs-vsctl --no-wait --db=%s del-port br-b eth3 -- add-port br-b eth3", remote);
    assert_int_equal(apply(move, OO_ARRAY_SIZE(move), &res), -ESTALE);
    assert_contains(res.error_text, "port eth3 is on bridge br-b, not br-a");
    oo_ovs_apply_result_free(&res);
}

/* Deletions are resolved first: a port moves between bridges, and a renamed
 * representor's old port goes in the transaction that adds the new one. */
static void test_move_and_rename_in_one_transaction(void **state)
{
    const struct oo_ovs_op setup[] = { op_bridge("br-a"), op_bridge("br-b"), op_port("br-a", "eth3"),
                                       op_port("br-a", "eth4") };
    const struct oo_ovs_op move_rename[] = {
        op_port("br-b", "eth3"), op_del("eth3", "br-a"),                /* move (add listed first) */
        op_port("br-a", "enp3s0f0r1"), op_del("eth4", "br-a"),          /* udev rename */
    };
    struct oo_ovs_apply_result res;
    struct oo_ovs_observed o;

    assert_int_equal(apply(setup, OO_ARRAY_SIZE(setup), &res), 0);
    oo_ovs_apply_result_free(&res);
    assert_int_equal(apply(move_rename, OO_ARRAY_SIZE(move_rename), &res), 0);
    assert_int_equal(res.attempts, 1);
    for (size_t i = 0; i < OO_ARRAY_SIZE(move_rename); i++)
        assert_int_equal(res.ops[i].outcome, OO_OVS_DONE);
    oo_ovs_apply_result_free(&res);
    observe(&o);
    assert_string_equal(find_port(&o, "eth3")->bridge, "br-b");
    assert_true(find_port(&o, "eth3")->owned);
    assert_string_equal(find_port(&o, "enp3s0f0r1")->bridge, "br-a");
    assert_null(find_port(&o, "eth4"));
    oo_ovs_observed_free(&o);
}

static void test_set_and_unset_config(void **state)
{
    const struct oo_ovs_op set[] = { op_set("hw-offload", "true"), op_set("tc-policy", "skip_sw") };
    const struct oo_ovs_op unset[] = { op_set("tc-policy", NULL), op_set("max-idle", NULL) };
    struct oo_ovs_apply_result res;
    struct oo_ovs_observed o;

    VSCTL("set Open_vSwitch . other_config:foreign-key=kept", remote);
    assert_int_equal(apply(set, 2, &res), 0);
    assert_int_equal(res.next_cfg, 1);
    oo_ovs_apply_result_free(&res);
    assert_int_equal(apply(unset, 2, &res), 0);
    assert_int_equal(res.ops[0].outcome, OO_OVS_DONE);
    assert_int_equal(res.ops[1].outcome, OO_OVS_UNCHANGED);
    oo_ovs_apply_result_free(&res);
    observe(&o);
    assert_string_equal(o.hw_offload, "true");
    assert_null(o.tc_policy);
    oo_ovs_observed_free(&o);
    char v[64];
    capture(v, sizeof v, "ovs-vsctl --no-wait --db=%s get Open_vSwitch . other_config:foreign-key",
            remote);
    assert_string_equal(v, "kept");
}

static void test_bad_arguments(void **state)
{
    const struct oo_ovs_op bad[] = { op_port("br", NULL) };
    const struct oo_ovs_op ok[] = { op_bridge("br") };
    struct oo_ovs_apply_result res;

    assert_int_equal(oo_ovsdb_apply(remote, bad, 1, 1000, &res), -EINVAL);
    assert_int_equal(res.ops[0].outcome, OO_OVS_REFUSED);
    oo_ovs_apply_result_free(&res);
    assert_int_equal(oo_ovsdb_apply(NULL, ok, 1, 1000, &res), -EINVAL);
    oo_ovs_apply_result_free(&res);
    assert_int_equal(oo_ovsdb_apply(remote, ok, 1, 0, &res), -EINVAL);
    oo_ovs_apply_result_free(&res);
    assert_int_equal(oo_ovsdb_apply("punix:/tmp/x", ok, 1, 1000, &res), -EAFNOSUPPORT);
    oo_ovs_apply_result_free(&res);
    oo_ovs_apply_result_free(NULL);
}

/* ------------------------------------------------------------ ovsdb-server restarts */

static void server_stop(void)
{
    run("pid=$(cat %1$s/ovsdb-server.pid) && kill $pid && "
        "i=0; while kill -0 $pid 2>/dev/null && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done; "
        "! kill -0 $pid 2>/dev/null", dir);
}

#define SERVER_START_CMD                                                                  \
    "ovsdb-server %1$s/conf.db -vconsole:off --remote=punix:%1$s/db.sock "               \
    "--pidfile=%1$s/ovsdb-server.pid --unixctl=%1$s/ovsdb-server.ctl "                    \
    "--log-file=%1$s/ovsdb-server.log --detach --no-chdir"

static void server_start(void)
{
    run(SERVER_START_CMD, dir);
}

/* Between observe and apply: apply's own connection is new anyway. */
static void test_server_restarted_between_observe_and_apply(void **state)
{
    const struct oo_ovs_op ops[] = { op_bridge("br-offload"), op_port("br-offload", "rep0") };
    struct oo_ovs_apply_result res;
    struct oo_ovs_observed o;

    observe(&o);
    oo_ovs_observed_free(&o);
    server_stop();
    server_start();
    assert_int_equal(apply(ops, 2, &res), 0);
    assert_true(res.committed);
    oo_ovs_apply_result_free(&res);
    observe(&o);
    assert_non_null(find_port(&o, "rep0"));
    oo_ovs_observed_free(&o);
}

/* The server is down when apply starts and back 0.6 s later. */
static void test_server_down_then_back(void **state)
{
    const struct oo_ovs_op ops[] = { op_bridge("br-offload"), op_port("br-offload", "rep0") };
    struct oo_ovs_apply_result res;
    struct oo_ovs_observed o;

    server_stop();
    run("(sleep 0.6; " SERVER_START_CMD ") >/dev/null 2>&1 &", dir);
    assert_int_equal(apply(ops, 2, &res), 0);
    assert_true(res.committed);
    if (res.connect_ms < 500)
        fail_msg("connected after %lld ms to a server that came back after 600", (long long)res.connect_ms);
    print_message("apply waited %lld ms for ovsdb-server to come back\n", (long long)res.connect_ms);
    oo_ovs_apply_result_free(&res);
    observe(&o);
    assert_non_null(find_port(&o, "rep0"));
    oo_ovs_observed_free(&o);
}

/* The server hangs (SIGSTOP) with apply connected and waiting, and is then
 * replaced by a new one: apply reconnects and commits. */
static void test_server_replaced_while_waiting(void **state)
{
    const struct oo_ovs_op ops[] = { op_bridge("br-offload"), op_port("br-offload", "rep0") };
    struct oo_ovs_apply_result res;
    struct oo_ovs_observed o;

    run("kill -STOP $(cat %s/ovsdb-server.pid)", dir);
    run("(sleep 0.5; pid=$(cat %1$s/ovsdb-server.pid); kill -KILL $pid; "
        "while kill -0 $pid 2>/dev/null; do sleep 0.05; done; rm -f %1$s/ovsdb-server.pid; "
        SERVER_START_CMD ") >/dev/null 2>&1 &", dir);
    assert_int_equal(apply(ops, 2, &res), 0);
    assert_true(res.committed);
    print_message("apply reconnected to the replaced ovsdb-server: %lld ms\n", (long long)res.total_ms);
    oo_ovs_apply_result_free(&res);
    observe(&o);
    assert_non_null(find_port(&o, "rep0"));
    oo_ovs_observed_free(&o);
}

static void test_timeouts_are_bounded(void **state)
{
    const struct oo_ovs_op ops[] = { op_bridge("br-offload") };
    struct sockaddr_un sun = { .sun_family = AF_UNIX };
    struct oo_ovs_apply_result res;
    char r[300];
    int64_t t0, ms;
    int fd;

    /* No socket at all: retried until the deadline, with the reason. */
    snprintf(r, sizeof r, "unix:%s/no-such.sock", dir);
    t0 = oo_now_ms();
    assert_int_equal(oo_ovsdb_apply(r, ops, 1, 700, &res), -ENOENT);
    ms = oo_now_ms() - t0;
    assert_contains(res.error_text, "cannot connect to");
    assert_contains(res.error_text, "retried for 700 ms");
    assert_int_equal(res.ops[0].outcome, OO_OVS_NOT_APPLIED);
    oo_ovs_apply_result_free(&res);
    if (ms < 690 || ms > 2500)
        fail_msg("timeout 700 ms, returned after %lld ms", (long long)ms);

    /* A server that accepts and never answers. */
    fd = socket(AF_UNIX, SOCK_STREAM, 0);
    snprintf(sun.sun_path, sizeof sun.sun_path, "%s/silent.sock", dir);
    unlink(sun.sun_path);
    assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof sun), 0);
    assert_int_equal(listen(fd, 8), 0);
    snprintf(r, sizeof r, "unix:%s", sun.sun_path);
    t0 = oo_now_ms();
    assert_int_equal(oo_ovsdb_apply(r, ops, 1, 500, &res), -ETIMEDOUT);
    ms = oo_now_ms() - t0;
    assert_contains(res.error_text, "timed out after 500 ms");
    oo_ovs_apply_result_free(&res);
    close(fd);
    if (ms < 490 || ms > 2500)
        fail_msg("timeout 500 ms, returned after %lld ms", (long long)ms);
}

/* ------------------------------------------------------------ a fake ovs-vswitchd */

enum fake_ack { ACK_NEVER, ACK_ALWAYS };

static pid_t fake_pid;

/* Copies the JSON-RPC id out of a request ("id":<token>). */
static bool request_id(const char *req, char *id, size_t size)
{
    const char *p = strstr(req, "\"id\":");
    size_t n;

    if (!p)
        return false;
    p += 5;
    n = strcspn(p, ",}");
    if (!n || n >= size)
        return false;
    memcpy(id, p, n);
    id[n] = '\0';
    return true;
}

/* text: upcall/show's answer; one starting with "error:" is sent as an error
 * reply (what ovs-vswitchd sends for a command it does not know), the rest
 * of it as the JSON string's body, escapes included. */
static void fake_reply(int c, const char *req, const char *text)
{
    char id[64], body[4096];
    size_t o = 0;

    if (!request_id(req, id, sizeof id))
        return;
    if (!strncmp(text, "error:", 6)) {
        o = (size_t)snprintf(body, sizeof body, "{\"id\":%s,\"result\":null,\"error\":\"%s\"}", id,
                             text + 6);
        if (write(c, body, o) < 0)
            return;
        return;
    }
    o += snprintf(body + o, sizeof body - o, "{\"id\":%s,\"result\":\"", id);
    for (const char *s = text; *s && o < sizeof body - 64; s++) {
        if (*s == '\n')
            o += snprintf(body + o, sizeof body - o, "\\n");
        else if (*s == '"' || *s == '\\')
            o += snprintf(body + o, sizeof body - o, "\\%c", *s);
        else
            body[o++] = *s;
    }
    o += snprintf(body + o, sizeof body - o, "\",\"error\":null}");
    if (write(c, body, o) < 0)
        return;
}

/* Acknowledges next_cfg the way ovs-vswitchd does: cur_cfg = next_cfg. */
static void fake_ack(void)
{
    char next[32], cmd[512];

    capture(next, sizeof next, "ovs-vsctl --no-wait --db=%s get Open_vSwitch . next_cfg", remote);
    snprintf(cmd, sizeof cmd, "ovs-vsctl --no-wait --db=%s set Open_vSwitch . cur_cfg=%s "
             ">/dev/null 2>&1", remote, next);
    if (next[0] && system(cmd) != 0)
        return;
}

/* upcall/show's answer of a fake that reads requests and never answers. */
#define UPCALL_SILENT "(silent)"

static __attribute__((noreturn)) void fake_main(int ready, const char *upcall, enum fake_ack ack)
{
    struct sockaddr_un sun = { .sun_family = AF_UNIX };
    struct flock lck = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
    char path[256];
    int fd, lfd;

    prctl(PR_SET_PDEATHSIG, SIGKILL);
    prctl(PR_SET_NAME, "ovs-vswitchd");   /* what /proc/<pid>/stat shows */
    snprintf(path, sizeof path, "%s/ovs-vswitchd.pid", dir);
    fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || fcntl(fd, F_SETLK, &lck) < 0 || dprintf(fd, "%d\n", (int)getpid()) < 0)
        _exit(1);
    lfd = socket(AF_UNIX, SOCK_STREAM, 0);
    snprintf(sun.sun_path, sizeof sun.sun_path, "%s/ovs-vswitchd.%d.ctl", dir, (int)getpid());
    unlink(sun.sun_path);
    if (bind(lfd, (struct sockaddr *)&sun, sizeof sun) < 0 || listen(lfd, 8) < 0)
        _exit(1);
    if (write(ready, "x", 1) != 1)
        _exit(1);
    for (;;) {
        struct pollfd pfd = { .fd = lfd, .events = POLLIN };

        if (poll(&pfd, 1, 100) > 0) {
            int c = accept(lfd, NULL, NULL);
            char req[2048];
            ssize_t n;

            if (c < 0)
                continue;
            struct pollfd cp = { .fd = c, .events = POLLIN };
            if (poll(&cp, 1, 1000) > 0 && (n = read(c, req, sizeof req - 1)) > 0) {
                req[n] = '\0';
                if (!strcmp(upcall, UPCALL_SILENT)) {
                    sleep(5);           /* a vswitchd stuck adding ports */
                    close(c);
                    continue;
                }
                fake_reply(c, req, upcall);
            }
            close(c);
        }
        if (ack == ACK_ALWAYS)
            fake_ack();
    }
}

static void fake_start(const char *upcall, enum fake_ack ack)
{
    int p[2];
    char c;

    assert_int_equal(pipe(p), 0);
    fflush(NULL);
    fake_pid = fork();
    assert_true(fake_pid >= 0);
    if (fake_pid == 0) {
        close(p[0]);
        fake_main(p[1], upcall, ack);
    }
    close(p[1]);
    assert_int_equal(read(p[0], &c, 1), 1);
    close(p[0]);
}

static int fake_stop(void **state)
{
    char path[256];

    if (fake_pid > 0) {
        kill(fake_pid, SIGKILL);
        waitpid(fake_pid, NULL, 0);
        snprintf(path, sizeof path, "%s/ovs-vswitchd.pid", dir);
        unlink(path);
        snprintf(path, sizeof path, "%s/ovs-vswitchd.%d.ctl", dir, (int)fake_pid);
        unlink(path);
        fake_pid = 0;
    }
    return 0;
}

#define UPCALL_OFF "system@ovs-system:\n  flows         : (current 0) (avg 0) (max 0) (limit 10000)\n" \
                   "  dump duration : 1ms\n  ufid enabled : true\n\n  1: (keys 0)\n"
#define UPCALL_ON "system@ovs-system:\n  flows         : (current 0) (avg 0) (max 0) (limit 10000)\n" \
                  "  offloaded flows : 0\n  dump duration : 1ms\n  ufid enabled : true\n\n  1: (keys 0)\n"

/* What ovs-vswitchd 3.1 started within seconds of the guest's boot answers:
 * no revalidator (and no handler) thread (tests/vm/lib.sh, OO_OVS_MIN_UPTIME). */
#define UPCALL_NO_THREADS "system@ovs-system:\n  flows         : (current 0) (avg 0) (max 0) (limit 10000)\n" \
                          "  dump duration : 0ms\n  ufid enabled : true\n\n"

/* Two datapaths, flows in both, the kernel one with its flow API on. */
#define UPCALL_TWO "system@ovs-system:\n  flows         : (current 12) (avg 11) (max 40) (limit 200000)\n" \
                   "  offloaded flows : 1207\n  dump duration : 3ms\n  ufid enabled : true\n\n" \
                   "  4: (keys 612)\n  5: (keys 607)\n" \
                   "netdev@ovs-netdev:\n  flows         : (current 2) (avg 2) (max 3) (limit 10000)\n" \
                   "  dump duration : 0ms\n  ufid enabled : true\n\n  6: (keys 2)\n"

static void test_vswitchd_probe(void **state)
{
    struct oo_ovs_observed o;
    char pidfile[256];

    observe(&o);
    assert_int_equal(o.vswitchd_running, 0);
    assert_int_equal(o.restart_needed, 0);
    assert_contains(o.vswitchd_why, "no live pidfile");
    oo_ovs_observed_free(&o);

    fake_start(UPCALL_OFF, ACK_NEVER);
    observe(&o);
    assert_int_equal(o.vswitchd_running, 1);
    assert_int_equal(o.vswitchd_pid, fake_pid);
    assert_int_equal(o.offload_active, 0);
    assert_int_equal(o.restart_needed, 0);
    assert_int_equal(o.n_datapaths, 1);
    assert_string_equal(o.datapaths[0].name, "system@ovs-system");
    assert_int_equal(o.datapaths[0].flows, 0);
    assert_int_equal(o.datapaths[0].offloaded, -1);     /* no flow API: not shown */
    assert_int_equal(o.datapaths[0].revalidators, 1);
    oo_ovs_observed_free(&o);
    fake_stop(NULL);

    /* Started with no upcall thread (OVS 3.1 early in boot): no
     * revalidator line after "ufid enabled". */
    fake_start(UPCALL_NO_THREADS, ACK_NEVER);
    observe(&o);
    assert_int_equal(o.vswitchd_running, 1);
    assert_int_equal(o.n_datapaths, 1);
    assert_int_equal(o.datapaths[0].flows, 0);
    assert_int_equal(o.datapaths[0].revalidators, 0);
    oo_ovs_observed_free(&o);
    fake_stop(NULL);

    /* Flows counted per datapath: in the datapath, and offloaded to tc. */
    fake_start(UPCALL_TWO, ACK_NEVER);
    observe(&o);
    assert_int_equal(o.offload_active, 1);
    assert_int_equal(o.n_datapaths, 2);
    assert_string_equal(o.datapaths[0].name, "system@ovs-system");
    assert_int_equal(o.datapaths[0].flows, 12);
    assert_int_equal(o.datapaths[0].offloaded, 1207);
    assert_string_equal(o.datapaths[1].name, "netdev@ovs-netdev");
    assert_int_equal(o.datapaths[1].flows, 2);
    assert_int_equal(o.datapaths[1].offloaded, -1);
    assert_int_equal(o.datapaths[0].revalidators, 2);
    assert_int_equal(o.datapaths[1].revalidators, 1);
    oo_ovs_observed_free(&o);
    fake_stop(NULL);

    /* Killed: its pidfile stays behind, unlocked. */
    snprintf(pidfile, sizeof pidfile, "%s/ovs-vswitchd.pid", dir);
    run("echo 1 > %s", pidfile);
    observe(&o);
    assert_int_equal(o.vswitchd_running, 0);
    oo_ovs_observed_free(&o);
    unlink(pidfile);

    /* It answers, but not with upcall/show's text: running, flow API not
     * known. */
    fake_start("error:\\\"upcall/show\\\" is not a valid command", ACK_NEVER);
    observe(&o);
    assert_int_equal(o.vswitchd_running, 1);
    assert_int_equal(o.offload_active, -1);
    assert_int_equal(o.n_datapaths, 0);
    assert_contains(o.vswitchd_why, "answers on");
    oo_ovs_observed_free(&o);
    fake_stop(NULL);

    /* Active flow API while OVSDB says hw-offload is off: only a restart
     * turns it off. */
    fake_start(UPCALL_ON, ACK_NEVER);
    observe(&o);
    assert_int_equal(o.offload_active, 1);
    assert_int_equal(o.datapaths[0].offloaded, 0);
    assert_int_equal(o.restart_needed, 1);
    assert_contains(o.restart_why, "only a restart turns it off");
    oo_ovs_observed_free(&o);
}

/* With ovs-vswitchd running, apply waits for cur_cfg; bounded when it never
 * comes. */
static void test_waits_for_cur_cfg(void **state)
{
    const struct oo_ovs_op ops[] = { op_bridge("br-offload"), op_port("br-offload", "rep0") };
    const struct oo_ovs_op more[] = { op_port("br-offload", "rep1") };
    struct oo_ovs_apply_result res;
    int64_t t0, ms;

    fake_start(UPCALL_OFF, ACK_ALWAYS);
    assert_int_equal(apply(ops, 2, &res), 0);
    assert_int_equal(res.vswitchd_running, 1);
    assert_true(res.waited);
    assert_false(res.wait_timed_out);
    assert_int_equal(res.cur_cfg, res.next_cfg);
    print_message("cur_cfg caught up after %lld ms (fake ovs-vswitchd polling every 100 ms)\n",
                  (long long)res.wait_ms);
    oo_ovs_apply_result_free(&res);
    fake_stop(NULL);

    fake_start(UPCALL_OFF, ACK_NEVER);
    t0 = oo_now_ms();
    assert_int_equal(oo_ovsdb_apply(remote, more, 1, 800, &res), 0);   /* committed */
    ms = oo_now_ms() - t0;
    assert_true(res.committed);
    assert_true(res.waited);
    assert_true(res.wait_timed_out);
    assert_true(res.cur_cfg < res.next_cfg);
    if (ms < 790 || ms > 2500)
        fail_msg("timeout 800 ms, returned after %lld ms", (long long)ms);
    oo_ovs_apply_result_free(&res);
}

/* A stop (SIGTERM for the daemon) ends the wait for ovs-vswitchd at once:
 * the transaction is committed, and says it was not waited for to the end. */
static void test_stop_ends_the_wait(void **state)
{
    const struct oo_ovs_op ops[] = { op_bridge("br-stop") };
    struct oo_ovs_apply_result res;
    int64_t t0, ms;

    fake_start(UPCALL_OFF, ACK_NEVER);
    oo_ovs_env_init();      /* its signal setup before ours */
    stop_after_ms(300);
    t0 = oo_now_ms();
    assert_int_equal(oo_ovsdb_apply(remote, ops, 1, 20000, &res), 0);
    ms = oo_now_ms() - t0;
    stop_disarm();
    assert_true(res.committed);
    assert_true(res.waited);
    assert_true(res.stopped);
    assert_false(res.wait_timed_out);
    assert_true(res.cur_cfg < res.next_cfg);
    if (ms < 290 || ms > 1500)
        fail_msg("stop asked after 300 ms, returned after %lld ms", (long long)ms);
    oo_ovs_apply_result_free(&res);
}

/* An ovs-vswitchd whose control socket does not answer does not use up the
 * transaction's time: with the daemon's 2 s, the commit is still made and
 * confirmed, not reported as "may or may not have been committed". */
static void test_silent_vswitchd_leaves_time_to_commit(void **state)
{
    const struct oo_ovs_op ops[] = { op_bridge("br-silent") };
    struct oo_ovs_apply_result res;
    char out[256];

    fake_start(UPCALL_SILENT, ACK_ALWAYS);
    assert_int_equal(oo_ovsdb_apply(remote, ops, 1, 2000, &res), 0);
    assert_true(res.committed);
    assert_int_equal(res.vswitchd_running, -1);     /* not known: it did not answer */
    oo_ovs_apply_result_free(&res);
    capture(out, sizeof out, "ovs-vsctl --no-wait --db=%s list-br", remote);
    assert_contains(out, "br-silent");
}

/* ovsdb-server restarted while apply waits for ovs-vswitchd. */
static void test_server_restarted_during_wait(void **state)
{
    const struct oo_ovs_op ops[] = { op_bridge("br-offload"), op_port("br-offload", "rep0") };
    struct oo_ovs_apply_result res;
    char next[32];

    capture(next, sizeof next, "ovs-vsctl --no-wait --db=%s get Open_vSwitch . next_cfg", remote);
    fake_start(UPCALL_OFF, ACK_NEVER);
    /* The acknowledgement arrives only after the restart. */
    run("(sleep 0.4; pid=$(cat %1$s/ovsdb-server.pid); kill $pid; "
        "while kill -0 $pid 2>/dev/null; do sleep 0.05; done; " SERVER_START_CMD "; sleep 0.3; "
        "ovs-vsctl --no-wait --db=unix:%1$s/db.sock set Open_vSwitch . cur_cfg=%2$d) "
        ">/dev/null 2>&1 &", dir, atoi(next) + 1);
    assert_int_equal(apply(ops, 2, &res), 0);
    assert_true(res.committed);
    assert_int_equal(res.next_cfg, atoi(next) + 1);
    assert_true(res.waited);
    assert_false(res.wait_timed_out);
    assert_int_equal(res.cur_cfg, res.next_cfg);
    print_message("apply survived an ovsdb-server restart while waiting for cur_cfg: %lld ms\n",
                  (long long)res.wait_ms);
    oo_ovs_apply_result_free(&res);
}

/* The record: what a write of hw-offload/tc-policy leaves the running
 * process with (the real thing is checked in the guest). */
static void test_record_with_running_vswitchd(void **state)
{
    const struct oo_ovs_op on[] = { op_bridge("br-offload"), op_set("hw-offload", "true") };
    const struct oo_ovs_op policy[] = { op_set("tc-policy", "skip_hw") };
    struct oo_ovs_apply_result res;
    struct oo_ovs_observed o;
    char ext[512];

    fake_start(UPCALL_OFF, ACK_ALWAYS);
    assert_int_equal(apply(on, 2, &res), 0);
    /* Flow API off before: it turns it on with tc-policy none. */
    capture(ext, sizeof ext, "ovs-vsctl --no-wait --db=%s get Open_vSwitch . "
            "external_ids:" OO_OVS_RECORD_KEY, remote);
    assert_contains(ext, "hw-offload=true tc-policy=none");
    assert_contains(ext, "flow-api=on:none");
    oo_ovs_apply_result_free(&res);
    fake_stop(NULL);
    /* From now on the fake reports the flow API on, as the real one does.
     * Started well after the record (see OO_OFFLOAD_RECORD_MARGIN_MS). */
    usleep(100 * 1000);
    fake_start(UPCALL_ON, ACK_ALWAYS);
    observe(&o);
    /* A new process (the fake was restarted) that started after the record. */
    assert_int_equal(o.restart_needed, 0);
    oo_ovs_observed_free(&o);

    assert_int_equal(apply(policy, 1, &res), 0);
    assert_int_equal(res.restart_needed, 1);
    assert_contains(res.restart_why, "it runs with tc-policy=none, OVSDB says skip_hw");
    oo_ovs_apply_result_free(&res);
    observe(&o);
    assert_int_equal(o.restart_needed, 1);
    oo_ovs_observed_free(&o);

    /* "Restart": a new process, started after the record. */
    fake_stop(NULL);
    usleep(100 * 1000);
    fake_start(UPCALL_ON, ACK_ALWAYS);
    observe(&o);
    assert_int_equal(o.restart_needed, 0);
    assert_contains(o.restart_why, "tc-policy=skip_hw, as stored");
    oo_ovs_observed_free(&o);
}

/* After a restart whose command returned early, the new process answers
 * before its first reconfigure: the stored cur_cfg is still the old one's,
 * equal to next_cfg, and the record already says it runs with the stored
 * settings. A next_cfg of ours tells it: caught up with only once a
 * process has read the database. */
static void test_bump_tells_a_new_process_from_its_predecessor(void **state)
{
    const struct oo_ovs_op on[] = { op_bridge("br-offload"), op_set("hw-offload", "true") };
    struct oo_ovs_apply_result res;
    struct oo_ovs_observed o;
    int64_t bumped = 0, next;
    char err[300] = "";

    fake_start(UPCALL_OFF, ACK_ALWAYS);
    assert_int_equal(apply(on, 2, &res), 0);
    assert_true(res.waited && !res.wait_timed_out);
    oo_ovs_apply_result_free(&res);
    fake_stop(NULL);
    usleep(100 * 1000);
    /* The new process, not yet reconfigured (it never acks here). */
    fake_start(UPCALL_ON, ACK_NEVER);
    observe(&o);
    next = o.next_cfg;
    assert_int_equal(o.restart_needed, 0);          /* what the old wait trusted */
    assert_true(o.cur_cfg >= o.next_cfg);
    oo_ovs_observed_free(&o);
    assert_int_equal(oo_ovsdb_bump_next_cfg(remote, 5000, &bumped, err, sizeof err), 0);
    assert_string_equal(err, "");
    assert_int_equal(bumped, next + 1);
    usleep(300 * 1000);
    observe(&o);
    assert_int_equal(o.next_cfg, bumped);
    assert_true(o.cur_cfg < bumped);                /* not read: still waiting */
    oo_ovs_observed_free(&o);
    /* A process that reconfigures catches up. */
    fake_stop(NULL);
    fake_start(UPCALL_ON, ACK_ALWAYS);
    for (int i = 0; i < 50; i++) {
        observe(&o);
        if (o.cur_cfg >= bumped)
            break;
        oo_ovs_observed_free(&o);
        usleep(100 * 1000);
    }
    assert_true(o.cur_cfg >= bumped);
    oo_ovs_observed_free(&o);
    /* No server: an error that says so, nothing bumped. */
    assert_true(oo_ovsdb_bump_next_cfg("unix:/nonexistent/db.sock", 300, &bumped, err, sizeof err) < 0);
    assert_int_equal(bumped, 0);
    assert_true(err[0] != '\0');
}

/* Library hygiene, as for observe: nothing on stderr. */
static void test_quiet(void **state)
{
    const struct oo_ovs_op ops[] = { op_bridge("br-offload"), op_port("br-offload", "eth5") };
    struct oo_ovs_apply_result res;
    char path[256], buf[512];
    int saved, fd, r1, r2;
    ssize_t n;

    make_foreign();
    snprintf(path, sizeof path, "%s/stderr-apply.txt", dir);
    fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    fflush(stderr);
    saved = dup(STDERR_FILENO);
    dup2(fd, STDERR_FILENO);
    r1 = apply(ops, 2, &res);
    oo_ovs_apply_result_free(&res);
    r2 = oo_ovsdb_apply("unix:/nonexistent/db.sock", ops, 1, 300, &res);
    oo_ovs_apply_result_free(&res);
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
    assert_int_equal(r1, -EEXIST);
    assert_int_equal(r2, -ENOENT);
    n = pread(fd, buf, sizeof buf - 1, 0);
    close(fd);
    assert_true(n >= 0);
    buf[n] = '\0';
    if (n)
        fail_msg("apply wrote to stderr: %s", buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_thousand_ports_one_transaction, reset_db),
        cmocka_unit_test_setup(test_second_apply_is_noop, reset_db),
        cmocka_unit_test_setup(test_foreign_untouched, reset_db),
        cmocka_unit_test_setup(test_delete_owned_refuse_unowned, reset_db),
        cmocka_unit_test_setup(test_name_collisions_are_named, reset_db),
        cmocka_unit_test_setup(test_bridge_deleted_before_commit, reset_db),
        cmocka_unit_test_setup(test_record_follows_concurrent_policy, reset_db),
        cmocka_unit_test_setup_teardown(test_bump_tells_a_new_process_from_its_predecessor, reset_db, fake_stop),
        cmocka_unit_test_setup(test_move_and_rename_in_one_transaction, reset_db),
        cmocka_unit_test_setup(test_move_found_done, reset_db),
        cmocka_unit_test_setup(test_set_and_unset_config, reset_db),
        cmocka_unit_test_setup(test_bad_arguments, reset_db),
        cmocka_unit_test_setup(test_server_restarted_between_observe_and_apply, reset_db),
        cmocka_unit_test_setup(test_server_down_then_back, reset_db),
        cmocka_unit_test_setup(test_server_replaced_while_waiting, reset_db),
        cmocka_unit_test_setup(test_timeouts_are_bounded, reset_db),
        cmocka_unit_test_setup_teardown(test_vswitchd_probe, reset_db, fake_stop),
        cmocka_unit_test_setup_teardown(test_waits_for_cur_cfg, reset_db, fake_stop),
        cmocka_unit_test_setup_teardown(test_stop_ends_the_wait, reset_db, fake_stop),
        cmocka_unit_test_setup_teardown(test_server_restarted_during_wait, reset_db, fake_stop),
        cmocka_unit_test_setup_teardown(test_silent_vswitchd_leaves_time_to_commit, reset_db, fake_stop),
        cmocka_unit_test_setup_teardown(test_record_with_running_vswitchd, reset_db, fake_stop),
        cmocka_unit_test_setup(test_quiet, reset_db),
    };

    remote = getenv("OO_TEST_OVSDB");
    dir = getenv("OO_TEST_OVSDB_DIR");
    if (!remote || !dir) {
        fprintf(stderr, "OO_TEST_OVSDB and OO_TEST_OVSDB_DIR unset: run me under "
                        "tests/host/ovsdb-sandbox.sh; skipping\n");
        return 77;
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}
