/* The daemon's pure parts: when passes are due (debounce, verification,
 * backoff, churn, periodic resync), what they count, when a repeated message
 * is logged, how a pass is classified, and which notifications matter. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <errno.h>
#include <linux/devlink.h>
#include <linux/genetlink.h>
#include <linux/if_ether.h>
#include <linux/rtnetlink.h>

#include "common/nlsock.h"
#include "common/util.h"
#include "controller/reconcile.h"
#include "tc/flower.h"
#include "tc/owner.h"

/* ---------------------------------------------------------------- names */

static void test_name_tables(void **state)
{
    for (int i = 0; i < OO_TRIGGER_MAX; i++) {
        assert_non_null(oo_trigger_to_string(i));
        assert_int_equal(oo_trigger_from_string(oo_trigger_to_string(i)), i);
    }
    for (int i = 0; i < OO_PASS_RESULT_MAX; i++) {
        assert_non_null(oo_pass_result_to_string(i));
        assert_int_equal(oo_pass_result_from_string(oo_pass_result_to_string(i)), i);
    }
    for (int i = 0; i < OO_EVENT_SOURCE_MAX; i++) {
        assert_non_null(oo_event_source_to_string(i));
        assert_int_equal(oo_event_source_from_string(oo_event_source_to_string(i)), i);
    }
    assert_null(oo_trigger_to_string(OO_TRIGGER_MAX));
    assert_null(oo_pass_result_to_string(-1));
    assert_int_equal(oo_trigger_from_string("bogus"), -EINVAL);
    assert_int_equal(oo_pass_result_from_string(NULL), -EINVAL);
    assert_string_equal(oo_pass_result_to_string(OO_PASS_IN_SYNC), "in_sync");
    assert_string_equal(oo_trigger_to_string(OO_TRIGGER_OVERFLOW), "overflow");
}

/* ---------------------------------------------------------------- scheduling */

static void sched_new(struct oo_sched *s)
{
    struct oo_sched_cfg cfg;

    oo_sched_cfg_default(&cfg);
    oo_sched_init(s, &cfg);
}

/* Runs a pass from `at` to `at + ms` with result and changed; returns its trigger. */
static int pass(struct oo_sched *s, int64_t at, int64_t ms, int result, bool changed)
{
    int t = oo_sched_begin(s, at);

    oo_sched_end(s, at + ms, result, changed, true);
    return t;
}

/* The same for a pass that read tc terse (not a full one). */
static int terse_pass(struct oo_sched *s, int64_t at, int64_t ms, int result, bool changed)
{
    int t = oo_sched_begin(s, at);

    oo_sched_end(s, at + ms, result, changed, false);
    return t;
}

static void test_backoff_schedule(void **state)
{
    struct oo_sched_cfg cfg;
    const int64_t want[] = { 0, 1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000 };

    oo_sched_cfg_default(&cfg);
    for (unsigned n = 0; n < OO_ARRAY_SIZE(want); n++)
        assert_int_equal(oo_sched_backoff_ms(&cfg, n), want[n]);
    assert_int_equal(oo_sched_backoff_ms(&cfg, 1000), 60000);
}

static void test_startup_then_periodic(void **state)
{
    struct oo_sched s;

    sched_new(&s);
    assert_true(oo_sched_due(&s) == INT64_MIN);
    assert_int_equal(oo_sched_trigger(&s), OO_TRIGGER_STARTUP);
    assert_int_equal(pass(&s, 1000, 50, OO_PASS_IN_SYNC, false), OO_TRIGGER_STARTUP);
    /* Idle: the next pass is the periodic resync, counted from the last (full) pass. */
    assert_int_equal(oo_sched_due(&s), 1050 + OO_SCHED_RESYNC_MS);
    assert_int_equal(oo_sched_trigger(&s), OO_TRIGGER_PERIODIC);
    assert_int_equal(pass(&s, 61050, 10, OO_PASS_IN_SYNC, false), OO_TRIGGER_PERIODIC);
    assert_int_equal(oo_sched_due(&s), 61060 + OO_SCHED_RESYNC_MS);
}

/* A config without PFs on a host without devlink: the observation fails,
 * the pass is in sync (nothing is asked of devlink). The next pass is the
 * periodic one, a resync later; the daemon used to count such a pass as not
 * full and ran the next one at once, ~5 000 passes a second. */
static void test_in_sync_without_devlink(void **state)
{
    struct oo_config cfg = { 0 };
    struct oo_pass p = { .observe_err = -ENOENT };
    struct oo_sched s;

    (void)state;
    sched_new(&s);
    assert_int_equal(oo_sched_begin(&s, 1000), OO_TRIGGER_STARTUP);
    p.result = oo_pass_classify(p.observe_err, &cfg, &p.plan, false, 0);
    assert_int_equal(p.result, OO_PASS_IN_SYNC);
    assert_true(oo_pass_full(&p));
    oo_sched_end(&s, 1050, p.result, false, oo_pass_full(&p));
    assert_int_equal(oo_sched_due(&s), 1050 + OO_SCHED_RESYNC_MS);
    assert_int_equal(oo_sched_trigger(&s), OO_TRIGGER_PERIODIC);
    /* A pass that read tc terse is not full: the resync stays put. */
    p.tc_cache.terse = true;
    assert_false(oo_pass_full(&p));
}

/* Passes on events read tc terse: a host whose events never stop for a
 * whole resync period still gets its full pass, counted from the last one. */
static void test_resync_through_events(void **state)
{
    struct oo_sched s;
    const int64_t events[] = { 21050, 41050, 55000 };

    (void)state;
    sched_new(&s);
    assert_int_equal(pass(&s, 1000, 50, OO_PASS_IN_SYNC, false), OO_TRIGGER_STARTUP);
    /* Events, each followed by its terse pass once the burst is quiet. */
    for (size_t i = 0; i < OO_ARRAY_SIZE(events); i++) {
        oo_sched_event(&s, OO_TRIGGER_EVENT, events[i]);
        assert_int_equal(oo_sched_trigger(&s), OO_TRIGGER_EVENT);
        assert_int_equal(oo_sched_due(&s), events[i] + OO_SCHED_DEBOUNCE_MS);
        assert_int_equal(terse_pass(&s, oo_sched_due(&s), 10, OO_PASS_IN_SYNC, false),
                         OO_TRIGGER_EVENT);
        /* The resync stays 60 s after the startup pass, not after this one. */
        assert_int_equal(oo_sched_due(&s), 1050 + OO_SCHED_RESYNC_MS);
    }
    /* An event whose pass would come after the resync's time: the resync
     * runs instead, and covers it. */
    oo_sched_event(&s, OO_TRIGGER_EVENT, 61000);
    assert_int_equal(oo_sched_trigger(&s), OO_TRIGGER_PERIODIC);
    assert_int_equal(oo_sched_due(&s), 1050 + OO_SCHED_RESYNC_MS);
    assert_int_equal(pass(&s, 61050, 30, OO_PASS_IN_SYNC, false), OO_TRIGGER_PERIODIC);
    assert_false(s.dirty);
    assert_int_equal(oo_sched_due(&s), 61080 + OO_SCHED_RESYNC_MS);
}

static void test_resync_disabled(void **state)
{
    struct oo_sched_cfg cfg;
    struct oo_sched s;

    oo_sched_cfg_default(&cfg);
    cfg.resync_ms = 0;
    oo_sched_init(&s, &cfg);
    pass(&s, 0, 10, OO_PASS_IN_SYNC, false);
    assert_true(oo_sched_due(&s) == INT64_MAX);
    oo_sched_event(&s, OO_TRIGGER_EVENT, 500);
    assert_int_equal(oo_sched_due(&s), 700);
}

static void test_debounce_burst(void **state)
{
    struct oo_sched s;

    sched_new(&s);
    pass(&s, 0, 10, OO_PASS_IN_SYNC, false);
    /* One event: due DEBOUNCE later. */
    oo_sched_event(&s, OO_TRIGGER_EVENT, 2000);
    assert_int_equal(oo_sched_due(&s), 2000 + OO_SCHED_DEBOUNCE_MS);
    assert_int_equal(oo_sched_trigger(&s), OO_TRIGGER_EVENT);
    /* Another within the quiet time pushes it back. */
    oo_sched_event(&s, OO_TRIGGER_EVENT, 2150);
    assert_int_equal(oo_sched_due(&s), 2150 + OO_SCHED_DEBOUNCE_MS);
    /* A steady stream never starves the pass: at most MAX_DELAY after the first. */
    for (int64_t t = 2150; t <= 6000; t += 100)
        oo_sched_event(&s, OO_TRIGGER_EVENT, t);
    assert_int_equal(oo_sched_due(&s), 2000 + OO_SCHED_MAX_DELAY_MS);
    /* The whole burst is one pass; afterwards nothing is pending. */
    assert_int_equal(pass(&s, 3000, 20, OO_PASS_IN_SYNC, false), OO_TRIGGER_EVENT);
    assert_false(s.dirty);
    assert_int_equal(oo_sched_due(&s), 3020 + OO_SCHED_RESYNC_MS);
}

static void test_overflow_upgrades_trigger(void **state)
{
    struct oo_sched s;

    sched_new(&s);
    pass(&s, 0, 10, OO_PASS_IN_SYNC, false);
    oo_sched_event(&s, OO_TRIGGER_EVENT, 100);
    oo_sched_event(&s, OO_TRIGGER_OVERFLOW, 150);
    oo_sched_event(&s, OO_TRIGGER_EVENT, 160);
    assert_int_equal(oo_sched_trigger(&s), OO_TRIGGER_OVERFLOW);
    assert_int_equal(oo_sched_due(&s), 160 + OO_SCHED_DEBOUNCE_MS);
}

static void test_verify_after_change(void **state)
{
    struct oo_sched s;

    sched_new(&s);
    /* A pass that changed the host is followed by one verification pass... */
    pass(&s, 0, 300, OO_PASS_REPAIRED, true);
    assert_int_equal(oo_sched_trigger(&s), OO_TRIGGER_VERIFY);
    assert_int_equal(oo_sched_due(&s), 300 + OO_SCHED_DEBOUNCE_MS);
    /* ... whose own events (late echoes of the change) only delay it ... */
    oo_sched_event(&s, OO_TRIGGER_EVENT, 350);
    assert_int_equal(oo_sched_trigger(&s), OO_TRIGGER_VERIFY);
    assert_int_equal(oo_sched_due(&s), 350 + OO_SCHED_DEBOUNCE_MS);
    /* ... and a verification that plans nothing ends the chain. */
    assert_int_equal(pass(&s, 550, 40, OO_PASS_IN_SYNC, false), OO_TRIGGER_VERIFY);
    assert_false(s.dirty);
    assert_int_equal(oo_sched_trigger(&s), OO_TRIGGER_PERIODIC);
    assert_int_equal(s.churn, 0);
}

static void test_failure_backoff(void **state)
{
    struct oo_sched s;
    int64_t t = 0;

    sched_new(&s);
    /* Each failure doubles the wait: 1, 2, 4 ... 60 s, retried on its own. */
    for (unsigned n = 1; n <= 9; n++) {
        pass(&s, t, 100, OO_PASS_FAILED, false);
        t += 100;
        assert_int_equal(s.failures, n);
        assert_int_equal(oo_sched_trigger(&s), OO_TRIGGER_RETRY);
        assert_int_equal(oo_sched_due(&s) - t, oo_sched_backoff_ms(&s.cfg, n));
        t = oo_sched_due(&s);
    }
    assert_int_equal(oo_sched_holdoff_ms(&s), OO_SCHED_BACKOFF_MAX_MS);
    /* Events do not shorten a backoff (no busy loop under an event storm). */
    pass(&s, t, 100, OO_PASS_FAILED, false);
    t += 100;
    oo_sched_event(&s, OO_TRIGGER_EVENT, t + 10);
    assert_int_equal(oo_sched_due(&s), t + OO_SCHED_BACKOFF_MAX_MS);
    assert_int_equal(oo_sched_trigger(&s), OO_TRIGGER_EVENT);
    /* A blocked pass backs off the same way; success resets it. */
    t = oo_sched_due(&s);
    pass(&s, t, 100, OO_PASS_BLOCKED, false);
    assert_int_equal(s.failures, 11);
    pass(&s, t + 60100, 100, OO_PASS_IN_SYNC, false);
    assert_int_equal(s.failures, 0);
    assert_int_equal(oo_sched_holdoff_ms(&s), 0);
}

static void test_urgent_bypasses_backoff(void **state)
{
    struct oo_sched s;

    sched_new(&s);
    pass(&s, 0, 10, OO_PASS_FAILED, false);
    pass(&s, 1010, 10, OO_PASS_FAILED, false);
    assert_int_equal(oo_sched_due(&s), 1020 + 2000);
    oo_sched_urgent(&s, OO_TRIGGER_REQUEST);
    assert_true(oo_sched_due(&s) == INT64_MIN);
    assert_int_equal(oo_sched_trigger(&s), OO_TRIGGER_REQUEST);
    assert_int_equal(s.failures, 0);
    /* A second urgent reason does not rename the first. */
    oo_sched_urgent(&s, OO_TRIGGER_RELOAD);
    assert_int_equal(pass(&s, 1100, 10, OO_PASS_IN_SYNC, false), OO_TRIGGER_REQUEST);
}

/* OVSDB up after a pass that found it down: that pass runs at once, but the
 * failures count on. A pass of ours restarting OVS that fails, then a pass
 * finding OVS still down, then OVS up, repeated: the restarts back off to
 * the changing maximum instead of running at every return of OVS. */
static void test_ovsdb_up_runs_now_keeps_failures(void **state)
{
    struct oo_sched s;
    int64_t t = 0;

    sched_new(&s);
    for (unsigned n = 1; n <= 12; n++) {
        pass(&s, t, 100, OO_PASS_FAILED, true);
        t += 100;
        assert_int_equal(s.failures, n);
        oo_sched_urgent(&s, OO_TRIGGER_OVSDB);
        assert_true(oo_sched_due(&s) == INT64_MIN);
        assert_int_equal(oo_sched_trigger(&s), OO_TRIGGER_OVSDB);
        assert_int_equal(s.failures, n);
        assert_true(s.failed_changing);
        t += 1000;
    }
    assert_int_equal(oo_sched_holdoff_ms(&s), OO_SCHED_BACKOFF_MAX_CHANGING_MS);
    /* The pass it runs, failing too, holds the next one off further. */
    pass(&s, t, 100, OO_PASS_FAILED, true);
    assert_int_equal(oo_sched_due(&s), t + 100 + OO_SCHED_BACKOFF_MAX_CHANGING_MS);
}

/* OVSDB back after a loss (ovsdb-server restarted, often by a pass's own
 * OVS restart that then failed): a resync named "ovsdb", but within the
 * backoff. Were it urgent, a restart that keeps failing would run again
 * each time OVS comes back. */
static void test_ovsdb_back_keeps_backoff(void **state)
{
    struct oo_sched s;

    sched_new(&s);
    for (int i = 0; i < 6; i++)
        pass(&s, i * 100000, 100, OO_PASS_FAILED, true);
    assert_int_equal(s.failures, 6);
    int64_t end = 5 * 100000 + 100, hold = oo_sched_holdoff_ms(&s);
    assert_int_equal(hold, 32000);
    oo_sched_event(&s, OO_TRIGGER_OVSDB, end + 50);
    assert_int_equal(oo_sched_due(&s), end + hold);
    assert_int_equal(oo_sched_trigger(&s), OO_TRIGGER_OVSDB);
    assert_int_equal(s.failures, 6);
    /* Plain events after it do not rename the resync; lost events do. */
    oo_sched_event(&s, OO_TRIGGER_EVENT, end + 60);
    assert_int_equal(oo_sched_trigger(&s), OO_TRIGGER_OVSDB);
    oo_sched_event(&s, OO_TRIGGER_OVERFLOW, end + 70);
    oo_sched_event(&s, OO_TRIGGER_OVSDB, end + 80);
    assert_int_equal(oo_sched_trigger(&s), OO_TRIGGER_OVERFLOW);
    /* Without failures it is an event: debounced, not at once. */
    sched_new(&s);
    pass(&s, 0, 100, OO_PASS_IN_SYNC, false);
    oo_sched_event(&s, OO_TRIGGER_OVSDB, 1000);
    assert_int_equal(oo_sched_due(&s), 1000 + OO_SCHED_DEBOUNCE_MS);
    assert_int_equal(oo_sched_trigger(&s), OO_TRIGGER_OVSDB);
}

static void test_failed_after_changes(void **state)
{
    struct oo_sched s;

    sched_new(&s);
    /* Some steps applied, then one failed: the backoff wins over the
     * verification's debounce. */
    pass(&s, 0, 500, OO_PASS_FAILED, true);
    assert_true(s.dirty);
    assert_int_equal(oo_sched_due(&s), 500 + OO_SCHED_BACKOFF_MIN_MS);
}

/* A pass that changes the host and then fails, again and again (VFs
 * unbound for a mode change the firmware refuses, bound back after): the
 * retries back off to 10 min, not 60 s, so that the host's VFs are not
 * taken from it every minute. A pass that fails without changing anything
 * keeps the 60 s cap; a good pass ends both. */
static void test_failing_changes_back_off_longer(void **state)
{
    struct oo_sched s;
    int64_t t = 0;

    (void)state;
    sched_new(&s);
    for (unsigned n = 1; n <= 12; n++) {
        pass(&s, t, 100, OO_PASS_FAILED, true);
        t += 100;
        assert_int_equal(oo_sched_due(&s) - t,
                         n >= 11 ? OO_SCHED_BACKOFF_MAX_CHANGING_MS : OO_SCHED_BACKOFF_MIN_MS << (n - 1));
        t = oo_sched_due(&s);
    }
    pass(&s, t, 100, OO_PASS_FAILED, false);
    t += 100;
    assert_int_equal(oo_sched_due(&s) - t, OO_SCHED_BACKOFF_MAX_MS);
    pass(&s, oo_sched_due(&s), 100, OO_PASS_IN_SYNC, false);
    assert_int_equal(oo_sched_holdoff_ms(&s), 0);
}

static void test_churn_backs_off(void **state)
{
    struct oo_sched s;
    int64_t t = 0;

    sched_new(&s);
    /* Someone undoes every change: after CHURN_LIMIT passes in a row that
     * changed the host, the verification passes back off too. */
    for (unsigned n = 1; n <= OO_SCHED_CHURN_LIMIT; n++) {
        pass(&s, t, 100, OO_PASS_REPAIRED, true);
        t += 100;
        assert_int_equal(oo_sched_holdoff_ms(&s), 0);
        assert_int_equal(oo_sched_due(&s), t + OO_SCHED_DEBOUNCE_MS);
        t += OO_SCHED_DEBOUNCE_MS;
    }
    pass(&s, t, 100, OO_PASS_REPAIRED, true);
    t += 100;
    assert_int_equal(oo_sched_holdoff_ms(&s), OO_SCHED_BACKOFF_MIN_MS);
    assert_int_equal(oo_sched_due(&s), t + OO_SCHED_BACKOFF_MIN_MS);
    pass(&s, oo_sched_due(&s), 100, OO_PASS_REPAIRED, true);
    assert_int_equal(oo_sched_holdoff_ms(&s), 2 * OO_SCHED_BACKOFF_MIN_MS);
    /* A quiet pass ends it. */
    pass(&s, oo_sched_due(&s), 100, OO_PASS_IN_SYNC, false);
    assert_int_equal(oo_sched_holdoff_ms(&s), 0);
}

static void test_periodic_respects_backoff(void **state)
{
    struct oo_sched_cfg cfg;
    struct oo_sched s;
    int64_t t = 0;

    oo_sched_cfg_default(&cfg);
    cfg.resync_ms = 5000;
    oo_sched_init(&s, &cfg);
    for (int i = 0; i < 5; i++) {
        pass(&s, t, 0, OO_PASS_FAILED, false);
        t = oo_sched_due(&s);
    }
    /* 5 failures: backoff 16 s > resync 5 s: the resync waits too. */
    assert_int_equal(oo_sched_holdoff_ms(&s), 16000);
    assert_int_equal(oo_sched_due(&s) - s.last_end_ms, 16000);
}

/* ---------------------------------------------------------------- statistics */

static void plan_with(struct oo_plan *p, const int *kinds, size_t n, size_t n_errors)
{
    memset(p, 0, sizeof *p);
    p->steps = oo_calloc(n + 1, sizeof *p->steps);
    for (size_t i = 0; i < n; i++)
        p->steps[i].kind = kinds[i];
    p->n_steps = n;
    p->errors = oo_calloc(n_errors + 1, sizeof *p->errors);
    for (size_t i = 0; i < n_errors; i++) {
        snprintf(p->errors[i].object, sizeof p->errors[i].object, "pf%zu", i);
        snprintf(p->errors[i].message, sizeof p->errors[i].message, "problem %zu", i);
    }
    p->n_errors = n_errors;
}

/* A reload's pass applies a new config: its steps are counted, and it is
 * no drift repair (alerts on drift must not fire at each config change). */
static void test_stats_reload_not_drift(void **state)
{
    struct oo_reconcile_stats st;
    struct oo_plan p;
    const int kinds[] = { OO_STEP_VF_MAC };

    (void)state;
    oo_stats_init(&st, 1000);
    plan_with(&p, kinds, 0, 0);
    oo_stats_record_pass(&st, OO_TRIGGER_STARTUP, false, OO_PASS_IN_SYNC, &p, 0, 5, 2000);
    oo_plan_free(&p);
    plan_with(&p, kinds, 1, 0);
    oo_stats_record_pass(&st, OO_TRIGGER_RELOAD, false, OO_PASS_REPAIRED, &p, 1, 20, 3000);
    oo_plan_free(&p);
    assert_int_equal(st.drift_repairs, 0);
    assert_int_equal(st.steps[OO_STEP_VF_MAC], 1);
    assert_int_equal(st.triggers[OO_TRIGGER_RELOAD], 1);
    assert_int_equal(st.runs[OO_PASS_REPAIRED], 1);
    /* The same change by hand afterwards: drift. */
    plan_with(&p, kinds, 1, 0);
    oo_stats_record_pass(&st, OO_TRIGGER_EVENT, false, OO_PASS_REPAIRED, &p, 1, 20, 4000);
    oo_plan_free(&p);
    assert_int_equal(st.drift_repairs, 1);
}

static void test_stats_counters(void **state)
{
    struct oo_reconcile_stats st;
    struct oo_plan p;
    const int kinds[] = { OO_STEP_ESWITCH_MODE, OO_STEP_NUM_VFS, OO_STEP_VF_MAC };

    oo_stats_init(&st, 1000);
    assert_int_equal(st.last_result, -1);
    assert_int_equal(st.last_reload_ok, -1);
    assert_int_equal(st.start_wall_ms, 1000);

    /* First convergence: repaired, but no drift: the host was never in sync. */
    plan_with(&p, kinds, 3, 0);
    oo_stats_record_pass(&st, OO_TRIGGER_STARTUP, false, OO_PASS_REPAIRED, &p, 3, 30, 5000);
    assert_int_equal(st.runs[OO_PASS_REPAIRED], 1);
    assert_int_equal(st.triggers[OO_TRIGGER_STARTUP], 1);
    assert_int_equal(st.steps[OO_STEP_ESWITCH_MODE], 1);
    assert_int_equal(st.steps[OO_STEP_VF_MAC], 1);
    assert_int_equal(st.drift_repairs, 0);
    assert_int_equal(st.last_success_wall_ms, 5000);
    assert_int_equal(st.last_plan_steps, 3);
    oo_plan_free(&p);

    /* In sync, then drift repaired: one step of two applied counts one. */
    plan_with(&p, kinds, 0, 0);
    oo_stats_record_pass(&st, OO_TRIGGER_VERIFY, false, OO_PASS_IN_SYNC, &p, 0, 5, 6000);
    oo_plan_free(&p);
    plan_with(&p, kinds + 2, 1, 0);
    oo_stats_record_pass(&st, OO_TRIGGER_EVENT, false, OO_PASS_REPAIRED, &p, 1, 400, 7000);
    oo_plan_free(&p);
    assert_int_equal(st.drift_repairs, 1);
    assert_int_equal(st.steps[OO_STEP_VF_MAC], 2);

    /* Failures: counted in a row, reset by success; the last success stays. */
    plan_with(&p, kinds, 3, 0);
    oo_stats_record_pass(&st, OO_TRIGGER_EVENT, false, OO_PASS_FAILED, &p, 1, 2000, 8000);
    oo_plan_free(&p);
    plan_with(&p, kinds, 0, 2);
    oo_stats_record_pass(&st, OO_TRIGGER_RETRY, false, OO_PASS_BLOCKED, &p, 0, 20, 9000);
    oo_plan_free(&p);
    assert_int_equal(st.consecutive_failures, 2);
    assert_int_equal(st.last_success_wall_ms, 7000);
    assert_int_equal(st.last_plan_errors, 2);
    assert_int_equal(st.last_result, OO_PASS_BLOCKED);
    assert_int_equal(st.last_run_wall_ms, 9000);
    /* A failed observe has no plan. */
    oo_stats_record_pass(&st, OO_TRIGGER_RETRY, false, OO_PASS_FAILED, NULL, 0, 5, 9500);
    assert_int_equal(st.last_plan_steps, 0);
    assert_int_equal(st.consecutive_failures, 3);
    assert_int_equal(st.runs[OO_PASS_FAILED], 2);
    assert_int_equal(st.overflow_resyncs, 0);

    /* Durations: 30, 5, 400, 2000, 20, 5 ms in the buckets le 0.05, 0.01,
     * 0.5, 2.5, 0.025, 0.01; sum 2.46 s. */
    assert_int_equal(st.duration_count, 6);
    assert_int_equal(st.duration_bucket[0], 2);   /* le 0.01 */
    assert_int_equal(st.duration_bucket[1], 1);   /* le 0.025 */
    assert_int_equal(st.duration_bucket[2], 1);   /* le 0.05 */
    assert_int_equal(st.duration_bucket[5], 1);   /* le 0.5 */
    assert_int_equal(st.duration_bucket[7], 1);   /* le 2.5 */
    assert_int_equal(st.duration_bucket[OO_DURATION_BUCKETS], 0);
    assert_true(st.duration_sum_s > 2.459 && st.duration_sum_s < 2.461);

    /* A resync after lost events counts as one whatever started the pass:
     * an overflow drained just before a request's pass is still one. */
    oo_stats_record_pass(&st, OO_TRIGGER_OVERFLOW, false, OO_PASS_IN_SYNC, NULL, 0, 5, 9600);
    oo_stats_record_pass(&st, OO_TRIGGER_REQUEST, true, OO_PASS_IN_SYNC, NULL, 0, 5, 9700);
    oo_stats_record_pass(&st, OO_TRIGGER_OVERFLOW, true, OO_PASS_IN_SYNC, NULL, 0, 5, 9800);
    assert_int_equal(st.overflow_resyncs, 3);
    assert_int_equal(st.triggers[OO_TRIGGER_REQUEST], 1);

    /* Reloads. */
    oo_stats_record_reload(&st, false, 10000);
    assert_int_equal(st.last_reload_ok, 0);
    assert_int_equal(st.reloads_failed, 1);
    oo_stats_record_reload(&st, true, 11000);
    assert_int_equal(st.last_reload_ok, 1);
    assert_int_equal(st.reloads_ok, 1);
    assert_int_equal(st.last_reload_wall_ms, 11000);
}

static void test_duration_overflow_bucket(void **state)
{
    struct oo_reconcile_stats st;

    oo_stats_init(&st, 0);
    oo_stats_record_pass(&st, OO_TRIGGER_STARTUP, false, OO_PASS_REPAIRED, NULL, 0, 121000, 1);
    oo_stats_record_pass(&st, OO_TRIGGER_STARTUP, false, OO_PASS_REPAIRED, NULL, 0, 120000, 1);
    assert_int_equal(st.duration_bucket[OO_DURATION_BUCKETS], 1);
    assert_int_equal(st.duration_bucket[OO_DURATION_BUCKETS - 1], 1);
}

/* ---------------------------------------------------------------- repeats */

static void test_repeat_log(void **state)
{
    struct oo_repeat r = { 0 };
    unsigned sup = 99;
    uint64_t a = oo_digest_str(0, "pf0: no such device"), b = oo_digest_str(0, "pf0: busy");

    assert_true(a != 0 && a != b);
    assert_true(oo_repeat_should_log(&r, a, 0, 1000, &sup));
    assert_int_equal(sup, 0);
    /* The same again: quiet until the interval passed, then with the count. */
    assert_false(oo_repeat_should_log(&r, a, 100, 1000, &sup));
    assert_false(oo_repeat_should_log(&r, a, 999, 1000, &sup));
    assert_true(oo_repeat_should_log(&r, a, 1000, 1000, &sup));
    assert_int_equal(sup, 2);
    /* Something else: at once. */
    assert_true(oo_repeat_should_log(&r, b, 1001, 1000, &sup));
    assert_int_equal(sup, 0);
    /* Gone (digest 0): reset, so its return is news again. */
    assert_false(oo_repeat_should_log(&r, 0, 1002, 1000, NULL));
    assert_true(oo_repeat_should_log(&r, b, 1003, 1000, NULL));
}

static void test_plan_errors_digest(void **state)
{
    struct oo_plan p, q;

    plan_with(&p, NULL, 0, 0);
    assert_int_equal(oo_plan_errors_digest(&p), 0);
    assert_int_equal(oo_plan_errors_digest(NULL), 0);
    oo_plan_free(&p);
    plan_with(&p, NULL, 0, 2);
    plan_with(&q, NULL, 0, 2);
    assert_true(oo_plan_errors_digest(&p) == oo_plan_errors_digest(&q));
    strcpy(q.errors[1].message, "problem 2");
    assert_true(oo_plan_errors_digest(&p) != oo_plan_errors_digest(&q));
    /* Field boundaries count: "ab"+"c" is not "a"+"bc". */
    assert_true(oo_digest_str(oo_digest_str(0, "ab"), "c") != oo_digest_str(oo_digest_str(0, "a"), "bc"));
    oo_plan_free(&p);
    oo_plan_free(&q);
}

/* ---------------------------------------------------------------- classify */

static void test_pass_classify(void **state)
{
    struct oo_config cfg = { 0 };
    struct oo_plan p;
    static const struct {
        int observe_err;
        size_t n_pfs, n_steps, n_errors;
        bool applied;
        int apply_err;
        int want;
    } cases[] = {
        { 0, 1, 0, 0, false, 0, OO_PASS_IN_SYNC },
        { 0, 1, 3, 0, true, 0, OO_PASS_REPAIRED },
        { 0, 1, 3, 0, true, -EBUSY, OO_PASS_FAILED },
        { 0, 1, 3, 1, false, 0, OO_PASS_BLOCKED },
        { -ENOENT, 1, 0, 0, false, 0, OO_PASS_FAILED },
        /* No PF in the config: devlink not being there is no failure. */
        { -ENOENT, 0, 0, 0, false, 0, OO_PASS_IN_SYNC },
    };
    int kinds[3] = { 0 };

    for (size_t i = 0; i < OO_ARRAY_SIZE(cases); i++) {
        cfg.n_pfs = cases[i].n_pfs;
        plan_with(&p, kinds, cases[i].n_steps, cases[i].n_errors);
        assert_int_equal(oo_pass_classify(cases[i].observe_err, &cfg, &p, cases[i].applied,
                                          cases[i].apply_err), cases[i].want);
        oo_plan_free(&p);
    }
}

/* ---------------------------------------------------------------- events */

static struct nlmsghdr *link_msg(void *buf, uint16_t type)
{
    struct nlmsghdr *nlh = oo_nl_put_header(buf);
    struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof *ifi);

    nlh->nlmsg_type = type;
    ifi->ifi_index = 7;
    return nlh;
}

static struct nlmsghdr *filter_msg(void *buf, const uint8_t *cookie, uint16_t type)
{
    struct oo_tc_filter f;
    struct oo_tc_action a = oo_tc_action_drop();
    struct nlmsghdr *nlh;

    oo_tc_filter_init(&f, 7, 0, 0, 2, ETH_P_IP);
    memcpy(a.cookie, cookie, 16);
    a.cookie_len = 16;
    assert_int_equal(oo_tc_filter_add_action(&f, &a), 0);
    nlh = oo_tc_put_newfilter(buf, &f, NLM_F_CREATE);
    nlh->nlmsg_type = type;
    return nlh;
}

static void test_rtnl_relevance(void **state)
{
    static uint8_t buf[OO_NL_MSG_SIZE];
    uint8_t ovs[16] = { 0 }, ours[16], foreign[16];
    uint32_t w[4] = { 0x12345678, 0x9abc4def, 0x8badf00d, 0x01020304 }; /* v4, RFC 4122 variant */
    struct nlmsghdr *nlh;

    memcpy(ovs, w, sizeof w);
    oo_tc_cookie_make(oo_tc_rule_id("mpv0-in"), ours);
    memset(foreign, 0x11, sizeof foreign);

    assert_true(oo_rtnl_event_relevant(link_msg(buf, RTM_NEWLINK)));
    assert_true(oo_rtnl_event_relevant(link_msg(buf, RTM_DELLINK)));
    /* RTNLGRP_IPV6_IFINFO's: a representor's IPv6 turned back on. */
    nlh = link_msg(buf, RTM_NEWLINK);
    ((struct ifinfomsg *)mnl_nlmsg_get_payload(nlh))->ifi_family = AF_INET6;
    assert_true(oo_rtnl_event_relevant(nlh));
    /* OVS's datapath flows come and go with traffic: not ours to react to. */
    assert_false(oo_rtnl_event_relevant(filter_msg(buf, ovs, RTM_NEWTFILTER)));
    assert_false(oo_rtnl_event_relevant(filter_msg(buf, ovs, RTM_DELTFILTER)));
    /* Ours deleted, or someone else's rule: a pass looks. */
    assert_true(oo_rtnl_event_relevant(filter_msg(buf, ours, RTM_DELTFILTER)));
    assert_true(oo_rtnl_event_relevant(filter_msg(buf, foreign, RTM_NEWTFILTER)));
    /* Chains (OVS makes one per recirculation id) are not. */
    nlh = link_msg(buf, RTM_NEWCHAIN);
    assert_false(oo_rtnl_event_relevant(nlh));
    /* Qdiscs are (OVS re-creating the ingress qdisc drops every rule on it). */
    nlh = link_msg(buf, RTM_DELQDISC);
    assert_true(oo_rtnl_event_relevant(nlh));
    /* Undecodable filter messages count, to be safe. */
    nlh = link_msg(buf, RTM_NEWTFILTER);
    nlh->nlmsg_len = NLMSG_HDRLEN + 2;
    assert_true(oo_rtnl_event_relevant(nlh));
}

static struct nlmsghdr *genl_msg(void *buf, uint8_t cmd)
{
    struct nlmsghdr *nlh = oo_nl_put_header(buf);
    struct genlmsghdr *g = mnl_nlmsg_put_extra_header(nlh, sizeof *g);

    nlh->nlmsg_type = 0x15;
    g->cmd = cmd;
    return nlh;
}

static void test_devlink_relevance(void **state)
{
    static uint8_t buf[OO_NL_MSG_SIZE];
    const uint8_t yes[] = { DEVLINK_CMD_NEW, DEVLINK_CMD_DEL, DEVLINK_CMD_PORT_NEW,
                            DEVLINK_CMD_PORT_DEL, DEVLINK_CMD_PARAM_NEW, DEVLINK_CMD_RATE_NEW,
                            DEVLINK_CMD_RATE_DEL };
    const uint8_t no[] = { DEVLINK_CMD_TRAP_NEW, DEVLINK_CMD_HEALTH_REPORTER_RECOVER,
                           DEVLINK_CMD_FLASH_UPDATE_STATUS, DEVLINK_CMD_REGION_NEW };
    struct nlmsghdr *nlh;

    for (size_t i = 0; i < sizeof yes; i++)
        assert_true(oo_devlink_event_relevant(genl_msg(buf, yes[i])));
    for (size_t i = 0; i < sizeof no; i++)
        assert_false(oo_devlink_event_relevant(genl_msg(buf, no[i])));
    nlh = genl_msg(buf, DEVLINK_CMD_PORT_NEW);
    nlh->nlmsg_len = NLMSG_HDRLEN + 1; /* truncated: no command to read */
    assert_false(oo_devlink_event_relevant(nlh));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_name_tables),
        cmocka_unit_test(test_backoff_schedule),
        cmocka_unit_test(test_startup_then_periodic),
        cmocka_unit_test(test_in_sync_without_devlink),
        cmocka_unit_test(test_resync_through_events),
        cmocka_unit_test(test_resync_disabled),
        cmocka_unit_test(test_debounce_burst),
        cmocka_unit_test(test_overflow_upgrades_trigger),
        cmocka_unit_test(test_verify_after_change),
        cmocka_unit_test(test_failure_backoff),
        cmocka_unit_test(test_urgent_bypasses_backoff),
        cmocka_unit_test(test_ovsdb_up_runs_now_keeps_failures),
        cmocka_unit_test(test_ovsdb_back_keeps_backoff),
        cmocka_unit_test(test_failed_after_changes),
        cmocka_unit_test(test_failing_changes_back_off_longer),
        cmocka_unit_test(test_churn_backs_off),
        cmocka_unit_test(test_periodic_respects_backoff),
        cmocka_unit_test(test_stats_counters),
        cmocka_unit_test(test_stats_reload_not_drift),
        cmocka_unit_test(test_duration_overflow_bucket),
        cmocka_unit_test(test_repeat_log),
        cmocka_unit_test(test_plan_errors_digest),
        cmocka_unit_test(test_pass_classify),
        cmocka_unit_test(test_rtnl_relevance),
        cmocka_unit_test(test_devlink_relevance),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
