/* The restart-needed reasoning (ovsdb/offload-state.h), table-driven,
 * oo_ovs_restart() against real processes, and the reading of dpctl/show.
 * Needs no ovsdb-server. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/util.h"
#include "ovsdb/offload-state.h"
#include "ovsdb/ovsdb.h"
#include "ovsdb/vswitchd.h"
#include "stop-signal.h"

#define BOOT "0b1d4e2a-1111-2222-3333-444455556666"
#define HZ 100

static void assert_contains(const char *haystack, const char *needle)
{
    if (!strstr(haystack, needle))
        fail_msg("\"%s\" does not contain \"%s\"", haystack, needle);
}

/* ------------------------------------------------------------ the record */

static void test_record_round_trip(void **state)
{
    static const struct {
        int flow_api;
        const char *policy;
        int64_t pid;
    } cases[] = {
        { OO_FLOW_API_OFF, "", 1234 },
        { OO_FLOW_API_ON, "skip_hw", 99 },
        { OO_FLOW_API_ON_POLICY_UNKNOWN, "", 7 },
        { OO_FLOW_API_UNKNOWN, "", 0 },
    };

    for (size_t i = 0; i < OO_ARRAY_SIZE(cases); i++) {
        struct oo_offload_record r = { .at_ms = 123456 + (int64_t)i, .flow_api = cases[i].flow_api };
        struct oo_offload_record back;
        char text[512];

        oo_strlcpy(r.boot_id, BOOT, sizeof r.boot_id);
        oo_offload_cfg_from(i % 2 ? "true" : "false", i % 2 ? "skip_sw" : NULL, &r.cfg);
        r.vswitchd.pid = cases[i].pid;
        r.vswitchd.start_ticks = cases[i].pid ? 4242 : 0;
        oo_strlcpy(r.policy, cases[i].policy, sizeof r.policy);
        oo_offload_record_format(&r, text, sizeof text);
        assert_int_equal(oo_offload_record_parse(text, &back), 0);
        assert_memory_equal(&r, &back, sizeof r);
    }
}

static void test_record_rejects_garbage(void **state)
{
    static const char *const bad[] = {
        "", "v2 boot=x at=1 hw-offload=true tc-policy=none vswitchd=none flow-api=off",
        "v1 boot=x at=1 hw-offload=true tc-policy=none vswitchd=none",          /* missing */
        "v1 boot=x at=z hw-offload=true tc-policy=none vswitchd=none flow-api=off",
        "v1 boot=x at=1 hw-offload=yes tc-policy=none vswitchd=none flow-api=off",
        "v1 boot=x at=1 hw-offload=true tc-policy=fast vswitchd=none flow-api=off",
        "v1 boot=x at=1 hw-offload=true tc-policy=none vswitchd=12 flow-api=off",
        "v1 boot=x at=1 hw-offload=true tc-policy=none vswitchd=none flow-api=on:maybe",
        "v1 boot=x at=1 garbage hw-offload=true tc-policy=none vswitchd=none flow-api=off",
    };
    struct oo_offload_record r;

    for (size_t i = 0; i < OO_ARRAY_SIZE(bad); i++)
        if (oo_offload_record_parse(bad[i], &r) != -EINVAL)
            fail_msg("accepted \"%s\"", bad[i]);
    assert_int_equal(oo_offload_record_parse(NULL, &r), -EINVAL);
    /* Unknown keys of the same version are skipped. */
    assert_int_equal(oo_offload_record_parse("v1 boot=x at=1 hw-offload=true tc-policy=none "
                                             "vswitchd=none flow-api=off extra=1", &r), 0);
}

static void test_cfg_as_vswitchd_reads_it(void **state)
{
    struct oo_offload_cfg c;

    oo_offload_cfg_from("TRUE", "skip_sw", &c);
    assert_true(c.hw_offload);
    assert_string_equal(c.tc_policy, "skip_sw");
    oo_offload_cfg_from("yes", "bogus", &c);
    assert_false(c.hw_offload);
    assert_string_equal(c.tc_policy, "none");
    oo_offload_cfg_from(NULL, NULL, &c);
    assert_false(c.hw_offload);
    assert_string_equal(c.tc_policy, "none");
}

/* ------------------------------------------------------------ the reasoning */

struct derive_case {
    const char *name;
    bool has_record;
    const char *rec_hw, *rec_tc;    /* record cfg */
    int64_t rec_pid;                /* 0: written with none running */
    uint64_t rec_ticks;
    int rec_api;
    const char *rec_policy;
    int64_t rec_at_ms;
    const char *rec_boot;
    int running;                    /* probe */
    int64_t pid;
    uint64_t ticks;                 /* start: ticks / HZ s since boot */
    int observed;                   /* upcall/show: 1/0/-1 */
    const char *hw, *tc;            /* stored now */
    int want_restart;
};

static const struct derive_case derive_cases[] = {
    { "not running", false, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1, "true", "skip_sw", 0 },
    { "running unknown", false, 0, 0, 0, 0, 0, 0, 0, 0, -1, 0, 0, -1, "true", NULL, -1 },
    /* Set by someone else before or after it started: not knowable. */
    { "foreign hw-offload, active", false, 0, 0, 0, 0, 0, 0, 0, 0, 1, 10, 500, 1, "true", NULL, -1 },
    { "foreign hw-offload, no bridge", false, 0, 0, 0, 0, 0, 0, 0, 0, 1, 10, 500, -1, "true", NULL, -1 },
    /* Observation alone decides. */
    { "off everywhere", false, 0, 0, 0, 0, 0, 0, 0, 0, 1, 10, 500, 0, NULL, NULL, 0 },
    { "active but turned off in db", false, 0, 0, 0, 0, 0, 0, 0, 0, 1, 10, 500, 1, "false", NULL, 1 },
    { "nothing known, no bridge", false, 0, 0, 0, 0, 0, 0, 0, 0, 1, 10, 500, -1, NULL, NULL, -1 },
    /* (a) written by ovs-offload before it started. */
    { "set before start", true, "true", "none", 0, 0, OO_FLOW_API_UNKNOWN, "", 3000, BOOT,
      1, 20, 400, 1, "true", NULL, 0 },
    { "set before start, no bridge", true, "true", "skip_hw", 0, 0, OO_FLOW_API_UNKNOWN, "", 3000, BOOT,
      1, 20, 400, -1, "true", "skip_hw", 0 },
    { "set before start, changed since by others", true, "true", "none", 0, 0, OO_FLOW_API_UNKNOWN, "",
      3000, BOOT, 1, 20, 400, 1, "true", "skip_sw", -1 },
    /* A record of an earlier boot (the database outlives the reboot): the
     * process started after it, with the values it holds if still those. */
    { "record of another boot", true, "true", "none", 0, 0, OO_FLOW_API_UNKNOWN, "", 3000,
      "ffffffff-1111-2222-3333-444455556666", 1, 20, 400, 1, "true", NULL, 0 },
    { "record of another boot, at a later boottime", true, "true", "skip_hw", 20, 400, OO_FLOW_API_ON,
      "skip_hw", 900000, "ffffffff-1111-2222-3333-444455556666", 1, 20, 400, 1, "true", "skip_hw", 0 },
    { "record of another boot, changed since", true, "true", "none", 0, 0, OO_FLOW_API_UNKNOWN, "", 3000,
      "ffffffff-1111-2222-3333-444455556666", 1, 20, 400, 1, "true", "skip_sw", -1 },
    { "record of another boot, no start time", true, "true", "none", 0, 0, OO_FLOW_API_UNKNOWN, "", 3000,
      "ffffffff-1111-2222-3333-444455556666", 1, 20, 0, 1, "true", NULL, -1 },
    { "started within the margin", true, "true", "none", 0, 0, OO_FLOW_API_UNKNOWN, "", 3990, BOOT,
      1, 20, 400, 1, "true", NULL, -1 },
    /* (b) written while it ran with the flow API off: it turns it on. */
    { "set at runtime, was off", true, "true", "none", 20, 400, OO_FLOW_API_ON, "none", 9000, BOOT,
      1, 20, 400, 1, "true", NULL, 0 },
    /* tc-policy written while it ran with the flow API on. */
    { "tc-policy changed at runtime", true, "true", "skip_hw", 20, 400, OO_FLOW_API_ON, "none", 9000,
      BOOT, 1, 20, 400, 1, "true", "skip_hw", 1 },
    { "tc-policy changed back", true, "true", "skip_hw", 20, 400, OO_FLOW_API_ON, "none", 9000,
      BOOT, 1, 20, 400, 1, "true", "none", 0 },
    { "turned off at runtime", true, "false", "none", 20, 400, OO_FLOW_API_ON, "none", 9000, BOOT,
      1, 20, 400, -1, "false", NULL, 1 },
    /* ... and after the restart (new start time, maybe the same pid). */
    { "restarted after the record", true, "true", "skip_hw", 20, 400, OO_FLOW_API_ON, "none", 9000,
      BOOT, 1, 20, 1500, 1, "true", "skip_hw", 0 },
    { "restarted, off", true, "false", "none", 20, 400, OO_FLOW_API_ON, "none", 9000, BOOT,
      1, 31, 1500, 0, "false", NULL, 0 },
    /* The record said off; someone turned it on later (policy unknown). */
    { "record off, foreign on", true, "false", "none", 20, 400, OO_FLOW_API_OFF, "", 9000, BOOT,
      1, 20, 400, 1, "true", "skip_sw", -1 },
    /* Same pid, other process (pid reuse): the record does not apply. */
    { "pid reused", true, "true", "skip_hw", 20, 400, OO_FLOW_API_ON, "none", 9000, BOOT,
      1, 20, 401, 1, "true", "skip_hw", -1 },
    /* The fresh host's first write (hw-offload unset, no bridge): the
     * record's own flow API is unknown, and so stays this process's. */
    { "first write found it unknown", true, "true", "skip_sw", 20, 400, OO_FLOW_API_UNKNOWN, "", 9000,
      BOOT, 1, 20, 400, 1, "true", "skip_sw", -1 },
    /* Start time unknown (other pid namespace): nothing from the record. */
    { "no start time", true, "true", "skip_hw", 20, 400, OO_FLOW_API_ON, "none", 9000, BOOT,
      1, 20, 0, 1, "true", "skip_hw", -1 },
};

/* Why each unknown row is unknown (oo_flow_api_unknown_why). */
static const struct {
    const char *name, *says;
} unknown_why[] = {
    { "foreign hw-offload, active", "no record in this database" },
    { "foreign hw-offload, no bridge", "no record in this database" },
    { "nothing known, no bridge", "no record in this database of what ovs-vswitchd read: hw-offload may "
                                  "have been true for a while since it started" },
    { "set before start, changed since by others", "changed by someone else since ovs-offload's last write" },
    { "record of another boot, changed since", "changed by someone else since ovs-offload's last write" },
    { "record of another boot, no start time", "its start time cannot be read" },
    { "started within the margin", "it started as ovs-offload wrote (within 50 ms)" },
    { "record off, foreign on", "changed by someone else since ovs-offload's last write, while it ran" },
    { "pid reused", "it started before ovs-offload's last write, which does not name it" },
    { "first write found it unknown", "ovs-offload's last write, while it ran, could not tell either" },
    { "no start time", "its start time cannot be read" },
};

static int restart_for(const struct derive_case *c, int *api_out, char *why, size_t why_size)
{
    struct oo_offload_record rec;
    struct oo_offload_cfg stored;
    struct oo_vswitchd_id p = { c->pid, c->ticks };
    char policy[16];
    int api;

    memset(&rec, 0, sizeof rec);
    if (c->has_record) {
        oo_strlcpy(rec.boot_id, c->rec_boot, sizeof rec.boot_id);
        rec.at_ms = c->rec_at_ms;
        oo_offload_cfg_from(c->rec_hw, c->rec_tc, &rec.cfg);
        rec.vswitchd.pid = c->rec_pid;
        rec.vswitchd.start_ticks = c->rec_ticks;
        rec.flow_api = c->rec_api;
        oo_strlcpy(rec.policy, c->rec_policy, sizeof rec.policy);
    }
    oo_offload_cfg_from(c->hw, c->tc, &stored);
    api = c->running == 1 ? oo_flow_api_derive(c->has_record ? &rec : NULL, BOOT, &p, HZ, &stored,
                                               c->observed, policy)
                          : OO_FLOW_API_UNKNOWN;
    if (c->running != 1)
        policy[0] = '\0';
    *api_out = api;
    if (oo_restart_needed(c->running, api, policy, &stored, why, why_size) < 0 && c->running == 1) {
        size_t len = strlen(why);

        snprintf(why + len, why_size - len, "; ");
        len = strlen(why);
        oo_flow_api_unknown_why(c->has_record ? &rec : NULL, BOOT, &p, HZ, &stored, api, why + len,
                                why_size - len);
        return -1;
    }
    return oo_restart_needed(c->running, api, policy, &stored, why, why_size);
}

static void test_restart_needed_table(void **state)
{
    for (size_t i = 0; i < OO_ARRAY_SIZE(derive_cases); i++) {
        const struct derive_case *c = &derive_cases[i];
        char why[240];
        int api, got = restart_for(c, &api, why, sizeof why);

        const char *says = NULL;

        if (got != c->want_restart)
            fail_msg("%s: restart_needed %d, expected %d (flow API %s: %s)", c->name, got,
                     c->want_restart, oo_flow_api_to_string(api), why);
        assert_true(why[0] != '\0');
        for (size_t k = 0; k < OO_ARRAY_SIZE(unknown_why); k++)
            if (!strcmp(unknown_why[k].name, c->name))
                says = unknown_why[k].says;
        /* Every unknown of a running process says why the record does not tell. */
        if (got < 0 && c->running == 1 && !says) {
            fail_msg("%s: no expected reason for \"%s\"", c->name, why);
        } else if (got < 0 && c->running == 1) {
            assert_contains(why, says);
            /* Nobody is blamed who did nothing (the fresh host's reason did). */
            if (!strstr(says, "someone else") && strstr(why, "someone else"))
                fail_msg("%s: \"%s\" blames someone else", c->name, why);
        } else if (says) {
            fail_msg("%s: known (%d), but a reason for an unknown is expected", c->name, got);
        }
    }
}

/* What a write leaves the running process with. */
static void test_after_write(void **state)
{
    struct oo_offload_cfg off, on_none, on_skip_hw;
    char policy[16];

    oo_offload_cfg_from(NULL, NULL, &off);
    oo_offload_cfg_from("true", NULL, &on_none);
    oo_offload_cfg_from("true", "skip_hw", &on_skip_hw);

    /* Off before: it reads what is written, when hw-offload becomes true. */
    assert_int_equal(oo_flow_api_after_write(OO_FLOW_API_OFF, "", &off, &on_skip_hw, policy),
                     OO_FLOW_API_ON);
    assert_string_equal(policy, "skip_hw");
    assert_int_equal(oo_flow_api_after_write(OO_FLOW_API_OFF, "", &off, &off, policy), OO_FLOW_API_OFF);
    /* On: final. */
    assert_int_equal(oo_flow_api_after_write(OO_FLOW_API_ON, "none", &on_none, &on_skip_hw, policy),
                     OO_FLOW_API_ON);
    assert_string_equal(policy, "none");
    assert_int_equal(oo_flow_api_after_write(OO_FLOW_API_ON_POLICY_UNKNOWN, "", &on_none, &off, policy),
                     OO_FLOW_API_ON_POLICY_UNKNOWN);
    /* Unknown: on if it was already true, else still unknown. */
    assert_int_equal(oo_flow_api_after_write(OO_FLOW_API_UNKNOWN, "", &on_none, &on_skip_hw, policy),
                     OO_FLOW_API_ON_POLICY_UNKNOWN);
    assert_int_equal(oo_flow_api_after_write(OO_FLOW_API_UNKNOWN, "", &off, &on_skip_hw, policy),
                     OO_FLOW_API_UNKNOWN);
}

/* ------------------------------------------------------------ restart */

static int restart(const char *const *argv, int timeout_ms, char *err, size_t size, int64_t *ms)
{
    int64_t t0 = oo_now_ms();
    int r = oo_ovs_restart(argv, timeout_ms, err, size);

    *ms = oo_now_ms() - t0;
    return r;
}

static void test_restart_ok(void **state)
{
    const char *const argv[] = { "true", NULL };
    char err[256];
    int64_t ms;

    assert_int_equal(restart(argv, 5000, err, sizeof err, &ms), 0);
    assert_string_equal(err, "");
}

static void test_restart_status_and_stderr_tail(void **state)
{
    const char *const argv[] = { "sh", "-c",
        "i=0; while [ $i -lt 500 ]; do echo \"line $i of noise\" >&2; i=$((i+1)); done; "
        "echo 'Job for openvswitch-switch.service failed.' >&2; exit 3", NULL };
    char err[512];
    int64_t ms;

    assert_int_equal(restart(argv, 5000, err, sizeof err, &ms), -EIO);
    assert_contains(err, "'sh' exited with status 3");
    assert_contains(err, "Job for openvswitch-switch.service failed.");
    assert_contains(err, "line 499 of noise");
    if (strstr(err, "line 0 of noise"))
        fail_msg("kept the head of stderr, not its tail: %s", err);
}

static void test_restart_not_found(void **state)
{
    const char *const argv[] = { "/nonexistent/ovs-restart", NULL };
    const char *const no_argv[] = { NULL };
    char err[256];
    int64_t ms;

    assert_int_equal(restart(argv, 5000, err, sizeof err, &ms), -ENOENT);
    assert_contains(err, "cannot run '/nonexistent/ovs-restart'");
    assert_int_equal(oo_ovs_restart(no_argv, 1000, err, sizeof err), -EINVAL);
    assert_int_equal(oo_ovs_restart(NULL, 1000, err, sizeof err), -EINVAL);
    assert_int_equal(oo_ovs_restart(argv, 0, err, sizeof err), -EINVAL);
}

/* A stop (SIGTERM for the daemon) ends the wait for a restart command at
 * once, without killing the command: a restart cut half-way could leave
 * ovs-vswitchd down. */
static void test_restart_stop_leaves_the_command(void **state)
{
    char done[] = "/tmp/oo-restart-stop.XXXXXX", script[256];
    const char *argv[] = { "sh", "-c", script, NULL };
    char err[256];
    int64_t ms;
    int fd = mkstemp(done);

    assert_true(fd >= 0);
    close(fd);
    unlink(done);
    /* It writes to stderr after the stop too: a pipe closed under it would
     * kill it (SIGPIPE) before the touch. */
    snprintf(script, sizeof script, "echo restarting >&2; sleep 1; echo still >&2; touch %s", done);
    stop_after_ms(200);
    assert_int_equal(restart(argv, 20000, err, sizeof err, &ms), -ECANCELED);
    stop_disarm();
    assert_contains(err, "was still running when a stop was asked: left to finish");
    assert_contains(err, "restarting");
    if (ms < 190 || ms > 900)
        fail_msg("stop asked after 200 ms, returned after %lld ms", (long long)ms);
    /* It finishes on its own. */
    for (int i = 0; i < 60 && access(done, F_OK); i++)
        usleep(50 * 1000);
    assert_int_equal(access(done, F_OK), 0);
    unlink(done);
}

/* A hung command is killed at the deadline, with what it said. */
static void test_restart_timeout_is_bounded(void **state)
{
    const char *const argv[] = { "sh", "-c", "echo waiting for the lock >&2; sleep 30", NULL };
    char err[256];
    int64_t ms;

    assert_int_equal(restart(argv, 300, err, sizeof err, &ms), -ETIMEDOUT);
    assert_contains(err, "did not finish within 300 ms and was killed");
    assert_contains(err, "waiting for the lock");
    if (ms < 290 || ms > 2500)
        fail_msg("timeout 300 ms, returned after %lld ms", (long long)ms);
}

/* A daemon started by the command keeps stderr open: the command's exit is
 * what counts, not EOF. */
static void test_restart_detached_child_keeps_pipe(void **state)
{
    const char *const argv[] = { "sh", "-c", "sleep 3 & exit 0", NULL };
    char err[256];
    int64_t ms;

    assert_int_equal(restart(argv, 5000, err, sizeof err, &ms), 0);
    if (ms > 1500)
        fail_msg("waited %lld ms for a pipe a background child holds", (long long)ms);
}

/* The caller's ignored or blocked signals are not the command's. */
static void test_restart_child_gets_default_signals(void **state)
{
    const char *const argv[] = { "sh", "-c", "kill -TERM $$; sleep 5", NULL };
    struct sigaction ign = { .sa_handler = SIG_IGN }, old;
    char err[256];
    int64_t ms;
    int r;

    sigaction(SIGTERM, &ign, &old);
    r = restart(argv, 5000, err, sizeof err, &ms);
    sigaction(SIGTERM, &old, NULL);
    assert_int_equal(r, -EIO);
    assert_contains(err, "killed by signal 15");
}

/* The command gets stdin, stdout and stderr and nothing else: descriptors
 * the caller opened without O_CLOEXEC (libopenvswitch sets it nowhere: its
 * unixctl listener, its OVSDB socket, the log file) would be held for their
 * lifetime by the OVS daemons the command starts. */
static void test_restart_child_gets_no_other_fds(void **state)
{
    const char *const argv[] = { "sh", "-c",
        "for f in /proc/$$/fd/*; do n=${f##*/}; "
        "[ \"$n\" -gt 2 ] && [ -L \"$f\" ] && echo \"open: $n -> $(readlink \"$f\")\" >&2; done; "
        "exit 5", NULL };
    char err[512];
    int64_t ms;
    int fd = open("/dev/null", O_RDONLY);   /* no O_CLOEXEC, on purpose */
    int r;

    assert_true(fd > 2);
    r = restart(argv, 5000, err, sizeof err, &ms);
    close(fd);
    assert_int_equal(r, -EIO);
    assert_contains(err, "exited with status 5");
    /* The directory the shell globs is open while it lists it, closed by
     * the time it checks each entry again: what is left is inherited. */
    if (strstr(err, "open: "))
        fail_msg("the command inherited descriptors: %s", err);
}

/* Whether /proc/self/status says THP_enabled: 1 for this process. */
static bool self_thp_enabled(void)
{
    char line[256];
    bool on = false;
    FILE *f = fopen("/proc/self/status", "r");

    if (!f)
        return false;
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, "THP_enabled:", 12)) {
            on = strtol(line + 12, NULL, 10) == 1;
            break;
        }
    fclose(f);
    return on;
}

/* ovs-offloadctl runs with transparent huge pages off; the restart command,
 * and the ovs-vswitchd it starts, get the kernel's default, and the caller
 * keeps its own setting. */
static void test_restart_child_gets_huge_pages(void **state)
{
    const char *const probe[] = { "sh", "-c", "grep -q '^THP_enabled:[[:space:]]*1$' /proc/self/status",
                                  NULL };
    char err[256];
    int64_t ms;
    int r;

    /* No THP in this kernel, or no THP_enabled line (before 5.0): read from
     * this process, so that a restart() that fails is not taken for it. */
    if (!self_thp_enabled()) {
        skip();
        return;
    }
    r = restart(probe, 5000, err, sizeof err, &ms);
    if (r != 0)
        fail_msg("restart() of a probe failed (%d) where THP is on: %s", r, err);
    assert_int_equal(prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0), 0);
    r = restart(probe, 5000, err, sizeof err, &ms);
    assert_int_equal(prctl(PR_GET_THP_DISABLE, 0, 0, 0, 0), 1);
    prctl(PR_SET_THP_DISABLE, 0, 0, 0, 0);
    if (r != 0)
        fail_msg("the command ran with transparent huge pages off: %s", err);
}

/* ------------------------------------------------------------ dpctl/show */

/* `ovs-appctl dpctl/show system@ovs-system` of OVS 3.1 on Linux 6.1 (the
 * guest), captured after netdevsim40's representor eth1 was renamed to
 * renamed0 while it was a port of br-x: its orphan is port 4. */
static const char dpctl_show_renamed[] =
    "system@ovs-system:\n"
    "  lookups: hit:0 missed:0 lost:0\n"
    "  flows: 0\n"
    "  masks: hit:0 total:0 hit/pkt:0.00\n"
    "  caches:\n"
    "    masks-cache: size:256\n"
    "  port 0: ovs-system (internal)\n"
    "  port 1: eth0\n"
    "  port 2: br-x (internal)\n"
    "  port 3: eth2\n"
    "  port 4: renamed0\n";

/* dpctl/dump-flows --names system@ovs-system type=ovs in the guest
 * (tests/vm/ovs.sh: two flows added while the flow API was off and one tc
 * cannot take), then a flow from a port without a name, one with a
 * recirculation ahead of its in_port, and a line that is no flow. */
static const char dump_flows_type_ovs[] =
    "in_port(eth1),eth(),eth_type(0x0800),ipv4(src=10.0.0.21,dst=10.0.1.21), packets:0, bytes:0, "
    "used:never, actions:eth2\n"
    "in_port(eth1),eth(),eth_type(0x0800),ipv4(src=10.0.0.25,dst=10.0.1.25), packets:0, bytes:0, "
    "used:never, actions:trunc(100),eth2\n"
    "in_port(7),eth(),eth_type(0x0806), packets:3, bytes:126, used:1.2s, actions:drop\n"
    "recirc_id(0x1),in_port(br-x),eth(src=02:00:00:00:00:01),eth_type(0x86dd), packets:0, bytes:0, "
    "used:never, actions:eth1\n"
    "ufid:not-a-flow-line\n"
    "in_port(eth2),eth(),eth_type(0x0800),ipv4(frag=no), packets:0, bytes:0, used:never, actions:eth1";

static void test_dpctl_flows_by_port(void **state)
{
    struct oo_ovs_port_flows *v;

    (void)state;
    assert_int_equal(oo_dpctl_flows_by_port(dump_flows_type_ovs, &v), 4);
    /* Most first; ties by name. */
    assert_string_equal(v[0].port, "eth1");
    assert_int_equal(v[0].flows, 2);
    assert_string_equal(v[1].port, "7");
    assert_string_equal(v[2].port, "br-x");
    assert_string_equal(v[3].port, "eth2");
    for (size_t i = 1; i < 4; i++)
        assert_int_equal(v[i].flows, 1);
    free(v);
    assert_int_equal(oo_dpctl_flows_by_port("", &v), 0);
    assert_null(v);
}

/* A busy host's dump: 3 000 ports (the index grows several times), port i
 * with i % 5 + 1 flows, the lines of the ports interleaved. */
static void test_dpctl_flows_by_port_many(void **state)
{
    enum { PORTS = 3000 };
    size_t size = (size_t)PORTS * 5 * 96 + 1, len = 0, n;
    char *dump = malloc(size);
    struct oo_ovs_port_flows *v;

    (void)state;
    assert_non_null(dump);
    for (int round = 0; round < 5; round++)
        for (int i = 0; i < PORTS; i++)
            if (round <= i % 5)
                len += (size_t)snprintf(dump + len, size - len,
                                        "recirc_id(0),in_port(rep%d),eth_type(0x0800), packets:0, "
                                        "bytes:0, used:never, actions:drop\n", i);
    n = oo_dpctl_flows_by_port(dump, &v);
    assert_int_equal(n, PORTS);
    /* Most first, ties by name: the 600 ports with 5 flows lead. */
    assert_int_equal(v[0].flows, 5);
    assert_string_equal(v[0].port, "rep1004");
    assert_int_equal(v[n - 1].flows, 1);
    for (size_t k = 0; k < n; k++) {
        int i = atoi(v[k].port + 3);
        assert_int_equal(v[k].flows, i % 5 + 1);
        if (k)
            assert_true(v[k - 1].flows > v[k].flows ||
                        (v[k - 1].flows == v[k].flows && strcmp(v[k - 1].port, v[k].port) < 0));
    }
    free(v);
    free(dump);
}

static void test_dpctl_show_port(void **state)
{
    (void)state;
    assert_int_equal(oo_dpctl_show_port(dpctl_show_renamed, "renamed0"), 4);
    assert_int_equal(oo_dpctl_show_port(dpctl_show_renamed, "eth0"), 1);
    assert_int_equal(oo_dpctl_show_port(dpctl_show_renamed, "br-x"), 2);
    assert_int_equal(oo_dpctl_show_port(dpctl_show_renamed, "ovs-system"), 0);
    /* Whole names only: a prefix, a longer name, a word that is no port. */
    assert_int_equal(oo_dpctl_show_port(dpctl_show_renamed, "eth"), -1);
    assert_int_equal(oo_dpctl_show_port(dpctl_show_renamed, "renamed"), -1);
    assert_int_equal(oo_dpctl_show_port(dpctl_show_renamed, "renamed00"), -1);
    assert_int_equal(oo_dpctl_show_port(dpctl_show_renamed, "hit:0"), -1);
    assert_int_equal(oo_dpctl_show_port(dpctl_show_renamed, "eth1"), -1);
    /* The last line without its newline; empty and malformed texts. */
    assert_int_equal(oo_dpctl_show_port("  port 12: rep7", "rep7"), 12);
    assert_int_equal(oo_dpctl_show_port("", "rep7"), -1);
    assert_int_equal(oo_dpctl_show_port("  port x: rep7\n  port 9 rep7\n", "rep7"), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_record_round_trip),
        cmocka_unit_test(test_record_rejects_garbage),
        cmocka_unit_test(test_cfg_as_vswitchd_reads_it),
        cmocka_unit_test(test_restart_needed_table),
        cmocka_unit_test(test_after_write),
        cmocka_unit_test(test_dpctl_show_port),
        cmocka_unit_test(test_dpctl_flows_by_port),
        cmocka_unit_test(test_dpctl_flows_by_port_many),
        cmocka_unit_test(test_restart_ok),
        cmocka_unit_test(test_restart_status_and_stderr_tail),
        cmocka_unit_test(test_restart_not_found),
        cmocka_unit_test(test_restart_stop_leaves_the_command),
        cmocka_unit_test(test_restart_timeout_is_bounded),
        cmocka_unit_test(test_restart_detached_child_keeps_pipe),
        cmocka_unit_test(test_restart_child_gets_default_signals),
        cmocka_unit_test(test_restart_child_gets_huge_pages),
        cmocka_unit_test(test_restart_child_gets_no_other_fds),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
