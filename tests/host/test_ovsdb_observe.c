/* oo_ovsdb_observe() against a real ovsdb-server, started by ovsdb-sandbox.sh
 * (OO_TEST_OVSDB, OO_TEST_OVSDB_DIR), and against remotes that fail in each of
 * the ways a host's can: no socket, refused, silent, hanging up, another
 * database. Values are written with ovs-vsctl and must come back exactly. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
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
#include "ovsdb/ovsdb.h"

#define TIMEOUT_MS 5000

static const char *remote;      /* the sandbox's server */
static const char *sandbox_dir;

/* Runs "ovs-vsctl --no-wait --db=<sandbox> <args>" and insists on success. */
static void vsctl(const char *args)
{
    char cmd[2048];
    int rc;

    snprintf(cmd, sizeof cmd, "ovs-vsctl --no-wait --db=%s %s", remote, args);
    rc = system(cmd);
    if (rc != 0)
        fail_msg("'%s' failed (status %d)", cmd, rc);
}

/* Runs a shell command and insists on success. */
static void run(const char *cmd)
{
    int rc = system(cmd);

    if (rc != 0)
        fail_msg("'%s' failed (status %d)", cmd, rc);
}

/* Every test starts from a database with no configuration and no bridges. */
static int reset_db(void **state)
{
    /* Unreferenced Bridge and Port rows are garbage-collected by the server. */
    vsctl("clear Open_vSwitch . other_config bridges ovs_version db_version"
          " -- set Open_vSwitch . next_cfg=0 cur_cfg=0");
    return 0;
}

static void assert_contains(const char *haystack, const char *needle)
{
    if (!strstr(haystack, needle))
        fail_msg("\"%s\" does not contain \"%s\"", haystack, needle);
}

static void assert_bridge(const struct oo_ovs_bridge *br, const char *name, size_t n_ports,
                          const char *const *ports)
{
    assert_string_equal(br->name, name);
    if (br->n_ports != n_ports)
        fail_msg("bridge %s: %zu ports, expected %zu", name, br->n_ports, n_ports);
    for (size_t i = 0; i < n_ports; i++)
        assert_string_equal(br->ports[i], ports[i]);
}

static void test_reads_what_the_server_holds(void **state)
{
    struct oo_ovs_observed o;
    static const char *const br_a_ports[] = { "bond-a", "br-a", "p-a1" };
    const struct oo_ovs_port *p;
    char **m;
    static const char *const br_z_ports[] = { "alpha", "br-z", "zeta" };

    /* Created out of name order: the result must come back sorted. */
    vsctl("-- set Open_vSwitch . other_config:hw-offload=true other_config:tc-policy=skip_sw"
          " other_config:max-idle=10000 ovs_version=3.1.0-test db_version=8.3.1"
          " next_cfg=7 cur_cfg=5"
          " -- add-br br-z -- add-port br-z zeta -- add-port br-z alpha"
          " -- add-br br-a -- add-port br-a p-a1 -- add-bond br-a bond-a m2 m1");

    assert_int_equal(oo_ovsdb_observe(remote, TIMEOUT_MS, &o), 0);
    assert_true(o.reachable);
    assert_string_equal(o.error, "");
    assert_string_equal(o.ovs_version, "3.1.0-test");
    assert_string_equal(o.db_version, "8.3.1");
    assert_string_equal(o.hw_offload, "true");
    assert_true(o.hw_offload_enabled);
    assert_string_equal(o.tc_policy, "skip_sw");
    assert_string_equal(o.max_idle, "10000");
    assert_int_equal(o.next_cfg, 7);
    assert_int_equal(o.cur_cfg, 5);
    assert_int_equal(o.n_bridges, 2);
    assert_bridge(&o.bridges[0], "br-a", 3, br_a_ports);
    assert_bridge(&o.bridges[1], "br-z", 3, br_z_ports);
    /* An OVS bond's members are interfaces not named as their port. */
    p = oo_ovs_port_find(&o, "bond-a");
    assert_non_null(p);
    m = p->other_ifaces;
    assert_non_null(m);
    assert_non_null(m[0]);
    assert_non_null(m[1]);
    assert_null(m[2]);
    assert_true((!strcmp(m[0], "m1") && !strcmp(m[1], "m2")) || (!strcmp(m[0], "m2") && !strcmp(m[1], "m1")));
    assert_ptr_equal(oo_ovs_port_with_iface(&o, "m1"), p);
    assert_ptr_equal(oo_ovs_port_with_iface(&o, "m2"), p);
    assert_null(oo_ovs_port_with_iface(&o, "bond-a"));
    assert_null(oo_ovs_port_with_iface(&o, "p-a1"));
    assert_null(oo_ovs_port_find(&o, "p-a1")->other_ifaces);

    oo_ovs_observed_free(&o);
    assert_null(o.bridges);
    assert_int_equal(o.n_bridges, 0);
    assert_false(o.reachable);
}

static void test_unset_reads_as_null(void **state)
{
    struct oo_ovs_observed o;

    vsctl("add-br br0");   /* a bridge whose only port is its internal one */

    assert_int_equal(oo_ovsdb_observe(remote, TIMEOUT_MS, &o), 0);
    assert_true(o.reachable);
    assert_null(o.hw_offload);
    assert_false(o.hw_offload_enabled);
    assert_null(o.tc_policy);
    assert_null(o.max_idle);
    assert_int_equal(o.next_cfg, 0);
    assert_int_equal(o.n_bridges, 1);
    assert_string_equal(o.bridges[0].name, "br0");
    assert_int_equal(o.bridges[0].n_ports, 1);
    assert_string_equal(o.bridges[0].ports[0], "br0");
    oo_ovs_observed_free(&o);

    vsctl("del-br br0");
    assert_int_equal(oo_ovsdb_observe(remote, TIMEOUT_MS, &o), 0);
    assert_int_equal(o.n_bridges, 0);
    assert_null(o.bridges);
    oo_ovs_observed_free(&o);
}

/* Strings come back byte for byte, whatever the server escapes in them
 * (quotes, backslashes, control characters) or sends raw (UTF-8). */
static void test_strings_come_back_exact(void **state)
{
    struct oo_ovs_observed o;
    const struct oo_ovs_port *p;

    vsctl("set Open_vSwitch . 'ovs_version=\"q\\\"b\\\\c\\t\xc3\xa9\\u0001\"'"
          " -- add-br br0 -- add-port br0 'p\"1\xe2\x98\x83'");
    assert_int_equal(oo_ovsdb_observe(remote, TIMEOUT_MS, &o), 0);
    assert_string_equal(o.ovs_version, "q\"b\\c\t\xc3\xa9\x01");
    assert_int_equal(o.n_bridges, 1);
    assert_int_equal(o.bridges[0].n_ports, 2);
    assert_string_equal(o.bridges[0].ports[1], "p\"1\xe2\x98\x83");
    p = oo_ovs_port_find(&o, "p\"1\xe2\x98\x83");
    assert_non_null(p);
    assert_string_equal(p->bridge, "br0");
    oo_ovs_observed_free(&o);
    vsctl("del-br br0");
}

/* other_config:hw-offload as stored, and what ovs-vswitchd makes of it. */
static void hw_offload_one(const char *value, bool enabled)
{
    struct oo_ovs_observed o;
    char args[256];

    if (value)
        snprintf(args, sizeof args, "set Open_vSwitch . other_config:hw-offload=%s", value);
    else
        snprintf(args, sizeof args, "remove Open_vSwitch . other_config hw-offload");
    vsctl(args);

    assert_int_equal(oo_ovsdb_observe(remote, TIMEOUT_MS, &o), 0);
    if (value)
        assert_string_equal(o.hw_offload, value);
    else
        assert_null(o.hw_offload);
    if (o.hw_offload_enabled != enabled)
        fail_msg("hw-offload=%s read as enabled=%d", value ? value : "(unset)",
                 o.hw_offload_enabled);
    oo_ovs_observed_free(&o);
}

static void test_hw_offload_spellings(void **state)
{
    hw_offload_one("true", true);
    hw_offload_one("TRUE", true);
    hw_offload_one("false", false);
    hw_offload_one("yes", false);
    hw_offload_one("1", false);
    hw_offload_one(NULL, false);
}

/* Elapsed wall time of one observe, checked against its outcome. */
static int observe_timed(const char *r, int timeout_ms, struct oo_ovs_observed *o,
                         int64_t *ret_elapsed_ms)
{
    int64_t start = oo_now_ms();
    int ret = oo_ovsdb_observe(r, timeout_ms, o);

    *ret_elapsed_ms = oo_now_ms() - start;
    return ret;
}

static void assert_failed(const struct oo_ovs_observed *o, const char *r)
{
    assert_false(o->reachable);
    assert_null(o->ovs_version);
    assert_int_equal(o->n_bridges, 0);
    assert_contains(o->error, r);
}

static void test_missing_socket(void **state)
{
    struct oo_ovs_observed o;
    char r[256];
    int64_t ms;

    snprintf(r, sizeof r, "unix:%s/no-such.sock", sandbox_dir);
    assert_int_equal(observe_timed(r, 2000, &o, &ms), -ENOENT);
    assert_failed(&o, r);
    assert_contains(o.error, "cannot connect to");
    assert_contains(o.error, strerror(ENOENT));
    /* No retry with backoff: the answer is immediate, not at the deadline. */
    if (ms >= 1000)
        fail_msg("took %lld ms to report a missing socket", (long long)ms);
    oo_ovs_observed_free(&o);
}

/* A TCP port bound but not listening refuses connections, deterministically. */
static void test_refused(void **state)
{
    struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof sin;
    struct oo_ovs_observed o;
    char r[64];
    int64_t ms;
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof sin), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
    snprintf(r, sizeof r, "tcp:127.0.0.1:%u", ntohs(sin.sin_port));

    assert_int_equal(observe_timed(r, 2000, &o, &ms), -ECONNREFUSED);
    assert_failed(&o, r);
    if (ms >= 1000)
        fail_msg("took %lld ms to report a refused connection", (long long)ms);
    oo_ovs_observed_free(&o);
    close(fd);
}

/* Binds and listens on a unix socket in the sandbox directory. */
static int listen_unix(const char *name, char *ret_remote, size_t remote_size)
{
    struct sockaddr_un sun = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);

    assert_true(fd >= 0);
    snprintf(sun.sun_path, sizeof sun.sun_path, "%s/%s", sandbox_dir, name);
    unlink(sun.sun_path);
    assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof sun), 0);
    assert_int_equal(listen(fd, 8), 0);
    snprintf(ret_remote, remote_size, "unix:%s", sun.sun_path);
    return fd;
}

/* The kernel completes the connection from the listen backlog; nobody ever
 * reads the request. Only timeout_ms bounds the wait. */
static void test_silent_server_is_bounded(void **state)
{
    struct oo_ovs_observed o;
    char r[256];
    int64_t ms;
    int fd = listen_unix("silent.sock", r, sizeof r);

    assert_int_equal(observe_timed(r, 500, &o, &ms), -ETIMEDOUT);
    assert_failed(&o, r);
    assert_contains(o.error, "timed out after 500 ms waiting for");
    if (ms < 490 || ms > 2500)
        fail_msg("timeout 500 ms, returned after %lld ms", (long long)ms);
    oo_ovs_observed_free(&o);
    close(fd);
}

/* A peer that accepts and closes at once. The library's write to it may
 * raise SIGPIPE, which must not kill us. (Without the guard in ovsdb/, about
 * 1 attempt in 20 died of SIGPIPE here: 100 attempts catch it.) */
static void test_server_hangs_up(void **state)
{
    struct oo_ovs_observed o;
    char r[256];
    int64_t ms;
    int fd = listen_unix("hangup.sock", r, sizeof r);
    pid_t child = fork();

    assert_true(child >= 0);
    if (child == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL); /* gone with us, even if we fail */
        for (;;) {
            int c = accept(fd, NULL, NULL);
            if (c >= 0)
                close(c);
        }
    }
    close(fd);

    for (int i = 0; i < 100; i++) {
        int ret = observe_timed(r, 2000, &o, &ms);

        if (ret != -ECONNRESET && ret != -EPIPE)
            fail_msg("attempt %d: got %d (%s), expected -ECONNRESET or -EPIPE", i, ret,
                     o.error);
        assert_failed(&o, r);
        if (ms >= 1000)
            fail_msg("took %lld ms to notice the hang-up", (long long)ms);
        oo_ovs_observed_free(&o);
    }
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
}

/* A server of the test's making, for what ovsdb-server does not send on
 * demand: for each connection it reads the request (until the client pauses
 * for 100 ms), writes `reply` in pieces of `piece` bytes with a pause
 * between, so that they arrive apart, and hangs up. "@ID@" in reply stands
 * for the request's id. Returns the child's pid. */
static pid_t fake_server(const char *name, const char *reply, size_t piece, char *ret_remote,
                         size_t remote_size)
{
    int fd = listen_unix(name, ret_remote, remote_size);
    pid_t child = fork();

    assert_true(child >= 0);
    if (child == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        for (;;) {
            char req[8192], id[64] = "null", out[16384];
            const char *idp;
            size_t len = 0, n = 0;
            int c = accept(fd, NULL, NULL);
            struct pollfd pfd = { .fd = c, .events = POLLIN };

            if (c < 0)
                continue;
            while (len < sizeof req - 1 && poll(&pfd, 1, 100) == 1) {
                ssize_t r = read(c, req + len, sizeof req - 1 - len);

                if (r <= 0)
                    break;
                len += (size_t)r;
            }
            req[len] = '\0';
            if ((idp = strstr(req, "\"id\":")))
                snprintf(id, sizeof id, "%.*s", (int)strcspn(idp + 5, ",}"), idp + 5);
            for (const char *rp = reply; *rp && n < sizeof out - sizeof id;) {
                if (!strncmp(rp, "@ID@", 4)) {
                    n += (size_t)snprintf(out + n, sizeof out - n, "%s", id);
                    rp += 4;
                } else {
                    out[n++] = *rp++;
                }
            }
            for (size_t off = 0; off < n; off += piece) {
                if (write(c, out + off, off + piece < n ? piece : n - off) < 0)
                    break;
                usleep(200);
            }
            close(c);
        }
    }
    close(fd);
    return child;
}

static void stop_server(pid_t child)
{
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
}

/* The reply comes in pieces, after an echo request of the server's and a
 * reply to some other request, both of which are passed over. What the
 * rows say is read as ovs-vsctl would: the port's interface is the one of
 * its name, the owner mark is a case-insensitive "true", a Port row on no
 * bridge has none. */
static void test_reply_in_pieces(void **state)
{
    static const char reply[] =
        "{\"id\":\"echo\",\"method\":\"echo\",\"params\":[]}\n"
        "{\"id\":99,\"result\":[{\"rows\":[]}],\"error\":null}"
        "{\"id\":@ID@,\"error\":null,\"result\":["
        "{\"rows\":[{\"_uuid\":[\"uuid\",\"r0\"],\"ovs_version\":\"3.1.0-fake\","
        "\"other_config\":[\"map\",[[\"hw-offload\",\"true\"],[\"tc-policy\",\"skip_sw\"]]],"
        "\"next_cfg\":4,\"cur_cfg\":3,\"bridges\":[\"uuid\",\"b0\"]}]},"
        "{\"rows\":[{\"_uuid\":[\"uuid\",\"b0\"],\"name\":\"br-\\u00e9\","
        "\"ports\":[\"set\",[[\"uuid\",\"p0\"],[\"uuid\",\"p1\"]]],"
        "\"external_ids\":[\"map\",[[\"ovs-offload-owned\",\"true\"]]]}]},"
        "{\"rows\":[{\"_uuid\":[\"uuid\",\"p0\"],\"name\":\"p0\",\"interfaces\":[\"uuid\",\"i0\"],"
        "\"external_ids\":[\"map\",[]]},"
        "{\"_uuid\":[\"uuid\",\"p1\"],\"name\":\"p\\\"1\","
        "\"interfaces\":[\"set\",[[\"uuid\",\"i1\"],[\"uuid\",\"i2\"]]],"
        "\"external_ids\":[\"map\",[[\"ovs-offload-owned\",\"TRUE\"]]]},"
        "{\"_uuid\":[\"uuid\",\"p2\"],\"name\":\"stray\",\"interfaces\":[\"set\",[]],"
        "\"external_ids\":[\"map\",[]]}]},"
        "{\"rows\":[{\"_uuid\":[\"uuid\",\"i0\"],\"name\":\"p0\",\"type\":\"\",\"ofport\":1,"
        "\"error\":[\"set\",[]]},"
        "{\"_uuid\":[\"uuid\",\"i1\"],\"name\":\"other\",\"type\":\"internal\",\"ofport\":-1,"
        "\"error\":\"could not open network device other (No such device)\"},"
        "{\"_uuid\":[\"uuid\",\"i2\"],\"name\":\"p\\\"1\",\"type\":\"internal\",\"ofport\":7,"
        "\"error\":[\"set\",[]]}]}]}";
    static const char *const ports[] = { "p\"1", "p0" };
    struct oo_ovs_observed o;
    const struct oo_ovs_port *p;
    char r[256];
    int64_t ms;
    pid_t child = fake_server("pieces.sock", reply, 7, r, sizeof r);

    assert_int_equal(observe_timed(r, 5000, &o, &ms), 0);
    assert_true(o.reachable);
    assert_string_equal(o.ovs_version, "3.1.0-fake");
    assert_null(o.db_version);
    assert_string_equal(o.hw_offload, "true");
    assert_string_equal(o.tc_policy, "skip_sw");
    assert_int_equal(o.next_cfg, 4);
    assert_int_equal(o.cur_cfg, 3);
    assert_int_equal(o.n_bridges, 1);
    assert_bridge(&o.bridges[0], "br-\xc3\xa9", 2, ports);
    assert_true(o.bridges[0].owned);
    assert_int_equal(o.n_ports, 3);
    p = oo_ovs_port_find(&o, "p\"1");
    assert_non_null(p);
    assert_string_equal(p->bridge, "br-\xc3\xa9");
    assert_true(p->owned);
    assert_string_equal(p->iface_type, "internal");
    assert_int_equal(p->ofport, 7);
    assert_null(p->error);
    p = oo_ovs_port_find(&o, "p0");
    assert_false(p->owned);
    assert_string_equal(p->iface_type, "");
    assert_int_equal(p->ofport, 1);
    p = oo_ovs_port_find(&o, "stray");
    assert_null(p->bridge);
    assert_int_equal(p->ofport, -1);
    oo_ovs_observed_free(&o);
    stop_server(child);
}

/* Replies that are not JSON-RPC are refused as such, at once. */
static void test_not_json_rpc(void **state)
{
    static const char *const replies[] = {
        "HTTP/1.1 400 Bad Request\r\n\r\n",     /* not JSON */
        "[1,2]",                                  /* JSON, not a message */
        "{\"id\":@ID@,\"result\":[1,}]}",              /* a message, broken inside */
        "{\"result\":[]}",                          /* neither id nor method */
    };

    for (size_t i = 0; i < OO_ARRAY_SIZE(replies); i++) {
        struct oo_ovs_observed o;
        char r[256];
        int64_t ms;
        pid_t child = fake_server("garbage.sock", replies[i], 64, r, sizeof r);

        if (observe_timed(r, 5000, &o, &ms) != -EPROTO)
            fail_msg("reply %s: %s", replies[i], o.error);
        assert_failed(&o, r);
        assert_contains(o.error, "is not an OVSDB server");
        if (ms >= 1000)
            fail_msg("took %lld ms to refuse %s", (long long)ms, replies[i]);
        oo_ovs_observed_free(&o);
        stop_server(child);
    }
}

/* A server that refuses the read says why, and the details come along
 * (RBAC, for one, puts the reason there). */
static void test_refusal_has_details(void **state)
{
    struct oo_ovs_observed o;
    char r[256];
    int64_t ms;
    pid_t child = fake_server("refuse.sock",
                              "{\"id\":@ID@,\"result\":null,\"error\":{\"error\":\"permission error\","
                              "\"details\":\"no RBAC role for this client\"}}", 4096, r, sizeof r);

    assert_int_equal(observe_timed(r, 5000, &o, &ms), -EPROTO);
    assert_failed(&o, r);
    assert_contains(o.error, "refused the read: permission error: no RBAC role for this client");
    oo_ovs_observed_free(&o);
    stop_server(child);
}

/* A reply cut short by the server's hang-up. */
static void test_reply_cut_short(void **state)
{
    struct oo_ovs_observed o;
    char r[256];
    int64_t ms;
    pid_t child = fake_server("short.sock", "{\"id\":@ID@,\"error\":null,\"result\":[{\"rows\":[", 5, r,
                              sizeof r);

    assert_int_equal(observe_timed(r, 5000, &o, &ms), -ECONNRESET);
    assert_failed(&o, r);
    assert_contains(o.error, "closed the connection before sending the database");
    oo_ovs_observed_free(&o);
    stop_server(child);
}

/* An ovsdb-server that serves another database (Local_Config) but not
 * Open_vSwitch. Its pidfile sits in the sandbox, which stops it on exit. */
static void test_other_database(void **state)
{
    const char *schema = "/usr/share/openvswitch/local-config.ovsschema";
    struct oo_ovs_observed o;
    char cmd[1024], r[256];
    int64_t ms;

    if (access(schema, R_OK) < 0)
        skip();
    snprintf(cmd, sizeof cmd,
             "ovsdb-tool create %1$s/other.db %2$s && "
             "ovsdb-server %1$s/other.db -vconsole:off --remote=punix:%1$s/other.sock "
             "--pidfile=%1$s/other.pid --unixctl=%1$s/other.ctl --log-file=%1$s/other.log "
             "--detach --no-chdir",
             sandbox_dir, schema);
    run(cmd);
    snprintf(r, sizeof r, "unix:%s/other.sock", sandbox_dir);

    assert_int_equal(observe_timed(r, 2000, &o, &ms), -ENOENT);
    assert_failed(&o, r);
    assert_contains(o.error, "does not serve the Open_vSwitch database");
    if (ms >= 1000)
        fail_msg("took %lld ms to find the database missing", (long long)ms);
    oo_ovs_observed_free(&o);

    snprintf(cmd, sizeof cmd, "kill $(cat %s/other.pid)", sandbox_dir);
    run(cmd);
}

static void test_bad_arguments(void **state)
{
    struct oo_ovs_observed o;

    assert_int_equal(oo_ovsdb_observe(NULL, 1000, &o), -EINVAL);
    assert_false(o.reachable);
    assert_string_not_equal(o.error, "");

    assert_int_equal(oo_ovsdb_observe(remote, 0, &o), -EINVAL);
    assert_contains(o.error, remote);

    /* Passive remotes would make us listen instead of connect. */
    assert_int_equal(oo_ovsdb_observe("punix:/tmp/x.sock", 1000, &o), -EAFNOSUPPORT);
    assert_contains(o.error, "punix:/tmp/x.sock");
    assert_int_equal(oo_ovsdb_observe("bogus:thing", 1000, &o), -EAFNOSUPPORT);
    assert_contains(o.error, "bogus:thing");
    oo_ovs_observed_free(&o);

    oo_ovs_observed_free(NULL);
}

/* Library hygiene: nothing on stderr from OVS's logging, and the process's
 * signal dispositions and mask are as they were. */
static void test_quiet_and_leaves_signals_alone(void **state)
{
    struct sigaction before[4], after;
    static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE };
    struct oo_ovs_observed o;
    sigset_t mask_before, mask_after;
    char path[256], r[256], buf[512];
    int saved_stderr, fd;
    ssize_t n;

    for (size_t i = 0; i < OO_ARRAY_SIZE(sigs); i++)
        sigaction(sigs[i], NULL, &before[i]);
    sigprocmask(SIG_SETMASK, NULL, &mask_before);

    snprintf(path, sizeof path, "%s/stderr.txt", sandbox_dir);
    fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    fflush(stderr);
    saved_stderr = dup(STDERR_FILENO);
    dup2(fd, STDERR_FILENO);

    /* No assertion while stderr is redirected: cmocka reports there. */
    snprintf(r, sizeof r, "unix:%s/no-such.sock", sandbox_dir);
    int ret_missing = oo_ovsdb_observe(r, 1000, &o);
    oo_ovs_observed_free(&o);
    int ret_ok = oo_ovsdb_observe(remote, TIMEOUT_MS, &o);
    oo_ovs_observed_free(&o);

    fflush(stderr);
    dup2(saved_stderr, STDERR_FILENO);
    close(saved_stderr);
    assert_int_equal(ret_missing, -ENOENT);
    assert_int_equal(ret_ok, 0);
    n = pread(fd, buf, sizeof buf - 1, 0);
    close(fd);
    assert_true(n >= 0);
    buf[n] = '\0';
    if (n)
        fail_msg("observe wrote to stderr: %s", buf);

    for (size_t i = 0; i < OO_ARRAY_SIZE(sigs); i++) {
        sigaction(sigs[i], NULL, &after);
        if (after.sa_handler != before[i].sa_handler)
            fail_msg("disposition of signal %d changed", sigs[i]);
    }
    sigprocmask(SIG_SETMASK, NULL, &mask_after);
    for (int s = 1; s < NSIG; s++)
        if (sigismember(&mask_before, s) != sigismember(&mask_after, s))
            fail_msg("signal %d's blocked state changed", s);
}

/* Not a check: how long one observe of a small local database takes. */
static void test_timing(void **state)
{
    enum { N = 50 };
    int64_t total = 0, max = 0;

    vsctl("add-br br0 -- add-port br0 p0 -- add-port br0 p1 -- add-br br1");
    for (int i = 0; i < N; i++) {
        struct oo_ovs_observed o;
        int64_t ms;

        assert_int_equal(observe_timed(remote, TIMEOUT_MS, &o, &ms), 0);
        oo_ovs_observed_free(&o);
        total += ms;
        if (ms > max)
            max = ms;
    }
    print_message("observe of a local ovsdb-server: %d runs, mean %.1f ms, max %lld ms\n", N,
                  (double)total / N, (long long)max);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_reads_what_the_server_holds, reset_db),
        cmocka_unit_test_setup(test_unset_reads_as_null, reset_db),
        cmocka_unit_test_setup(test_strings_come_back_exact, reset_db),
        cmocka_unit_test_setup(test_hw_offload_spellings, reset_db),
        cmocka_unit_test(test_missing_socket),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_silent_server_is_bounded),
        cmocka_unit_test(test_server_hangs_up),
        cmocka_unit_test(test_reply_in_pieces),
        cmocka_unit_test(test_not_json_rpc),
        cmocka_unit_test(test_refusal_has_details),
        cmocka_unit_test(test_reply_cut_short),
        cmocka_unit_test(test_other_database),
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_quiet_and_leaves_signals_alone),
        cmocka_unit_test_setup(test_timing, reset_db),
    };

    remote = getenv("OO_TEST_OVSDB");
    sandbox_dir = getenv("OO_TEST_OVSDB_DIR");
    if (!remote || !sandbox_dir) {
        fprintf(stderr, "OO_TEST_OVSDB and OO_TEST_OVSDB_DIR unset: run me under "
                        "tests/host/ovsdb-sandbox.sh; skipping\n");
        return 77;
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}
