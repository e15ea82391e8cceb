/* One reconcile pass, and the pure state the daemon keeps around passes.
 *
 * A pass is what `ovs-offloadctl apply` does: observe the whole host, plan
 * against the config, apply the plan; every pass is a full recompute, so a
 * pass is always correct whatever the events said (events only decide WHEN).
 *
 * The rest is pure and unit-tested (tests/unit/test_reconcile.c):
 *   - struct oo_sched: when the next pass is due. Events mark work dirty and
 *     are debounced (a burst becomes one pass, DEBOUNCE after the last event
 *     but never later than MAX_DELAY after the first); a pass that changed the
 *     host is followed by one verification pass (its own events are not
 *     trusted to tell); failing or blocked passes back off exponentially
 *     (1 s, 2 s, 4 s ... 60 s) and retry on their own; passes that keep
 *     changing the host (someone undoes our work) back off the same way; a
 *     periodic full resync runs when nothing else did for RESYNC.
 *   - struct oo_reconcile_stats: what passes did, for the metrics.
 *   - struct oo_repeat: log a message once per change, and a reminder at most
 *     every interval while it stays the same. */
#ifndef OO_CONTROLLER_RECONCILE_H
#define OO_CONTROLLER_RECONCILE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "config/config.h"
#include "controller/apply.h"
#include "controller/observe.h"
#include "controller/tccache.h"
#include "controller/plan.h"

struct nlmsghdr;

/* ---------------------------------------------------------------- names */

/* Why a pass ran. */
enum oo_trigger {
    OO_TRIGGER_STARTUP,             /* "startup": the first pass */
    OO_TRIGGER_EVENT,               /* "event": netlink or OVSDB said something changed */
    OO_TRIGGER_VERIFY,              /* "verify": the previous pass changed the host */
    OO_TRIGGER_RETRY,               /* "retry": the previous pass failed, after the backoff */
    OO_TRIGGER_PERIODIC,            /* "periodic": the full resync timer */
    OO_TRIGGER_OVERFLOW,            /* "overflow": a netlink socket lost events (ENOBUFS) */
    OO_TRIGGER_OVSDB,               /* "ovsdb": the OVSDB connection came (back) */
    OO_TRIGGER_RELOAD,              /* "reload": a new config was loaded */
    OO_TRIGGER_REQUEST,             /* "request": `ovs-appctl ... reconcile` */
    OO_TRIGGER_MAX,
};

/* What a pass found and did. */
enum oo_pass_result {
    OO_PASS_IN_SYNC,                /* "in_sync": nothing to do */
    OO_PASS_REPAIRED,               /* "repaired": applied every step of the plan */
    OO_PASS_BLOCKED,                /* "blocked": the plan has errors; nothing applied */
    OO_PASS_FAILED,                 /* "failed": observe or a step failed */
    OO_PASS_RESULT_MAX,
};

/* Event sources, for counters. */
enum oo_event_source {
    OO_EVENT_LINK,                  /* "link": rtnetlink RTNLGRP_LINK */
    OO_EVENT_TC,                    /* "tc": rtnetlink RTNLGRP_TC */
    OO_EVENT_DEVLINK,               /* "devlink": the devlink "config" group */
    OO_EVENT_OVSDB,                 /* "ovsdb": the OVSDB watcher */
    OO_EVENT_SOURCE_MAX,
};

/* Name tables (metrics labels, logs); NULL / -EINVAL outside. */
const char *oo_trigger_to_string(int trigger);
int oo_trigger_from_string(const char *s);
const char *oo_pass_result_to_string(int result);
int oo_pass_result_from_string(const char *s);
const char *oo_event_source_to_string(int source);
int oo_event_source_from_string(const char *s);

/* ---------------------------------------------------------------- scheduling */

struct oo_sched_cfg {
    int64_t debounce_ms;            /* quiet time after the last event of a burst */
    int64_t max_delay_ms;           /* ... but at most this long after its first event */
    int64_t resync_ms;              /* full resync after this long without a full pass; 0 = never */
    int64_t backoff_min_ms;         /* first retry delay after a failure */
    int64_t backoff_max_ms;         /* the delay doubles up to this */
    int64_t backoff_max_changing_ms;/* ... or up to this after a pass that changed the host
                                     * before it failed (VFs unbound, bound back: each retry
                                     * takes them from the host again) */
    unsigned churn_limit;           /* passes in a row that change the host before backing off */
};

#define OO_SCHED_DEBOUNCE_MS 200
#define OO_SCHED_MAX_DELAY_MS 1000
#define OO_SCHED_RESYNC_MS 60000
#define OO_SCHED_BACKOFF_MIN_MS 1000
#define OO_SCHED_BACKOFF_MAX_MS 60000
#define OO_SCHED_BACKOFF_MAX_CHANGING_MS 600000
#define OO_SCHED_CHURN_LIMIT 4

/* The defaults above. */
void oo_sched_cfg_default(struct oo_sched_cfg *cfg);

struct oo_sched {
    struct oo_sched_cfg cfg;
    bool dirty;                     /* events (or a verification) wait for a pass */
    int dirty_trigger;              /* OO_TRIGGER_EVENT / VERIFY / OVERFLOW */
    int64_t first_ms;               /* first event of the pending burst */
    int64_t last_ms;                /* last event of the pending burst */
    bool urgent;                    /* run at once, ignoring backoff ... */
    int urgent_trigger;             /* ... because of this (STARTUP, RELOAD, REQUEST, OVSDB) */
    bool ran;                       /* a pass ran already */
    int64_t last_end_ms;            /* when the last pass ended */
    int64_t last_full_ms;           /* ... and the last full one (the resync counts from it) */
    unsigned failures;              /* failed or blocked passes in a row */
    bool failed_changing;           /* the last of them changed the host before failing */
    unsigned churn;                 /* passes in a row that changed the host */
};

/* An idle scheduler whose first pass is due at once (trigger startup). */
void oo_sched_init(struct oo_sched *s, const struct oo_sched_cfg *cfg);

/* Something changed at now: EVENT, OVERFLOW (an overflow is only a more
 * certain event: it is debounced the same way) or OVSDB (the connection back
 * after a loss). Debounced, and held back by a backoff, unlike
 * oo_sched_urgent(). */
void oo_sched_event(struct oo_sched *s, int trigger, int64_t now);

/* Run a pass at once, whatever the backoff says (STARTUP, RELOAD, REQUEST,
 * OVSDB). An operator's reason (RELOAD, REQUEST) also forgets the backoff:
 * the reason for the failures may be gone. OVSDB keeps it: the next failure
 * backs off from where the last one left. */
void oo_sched_urgent(struct oo_sched *s, int trigger);

/* The delay before retrying after `n` failures (n >= 1): min doubled n - 1
 * times, at most max. 0 for n == 0. */
int64_t oo_sched_backoff_ms(const struct oo_sched_cfg *cfg, unsigned n);

/* The current hold-off: 0, or the backoff after failures or churn. */
int64_t oo_sched_holdoff_ms(const struct oo_sched *s);

/* When the next pass is due (oo_now_ms() time; INT64_MIN: at once; INT64_MAX:
 * never, which only happens with resync disabled and nothing pending). */
int64_t oo_sched_due(const struct oo_sched *s);

/* Why the next pass runs, if it ran now. */
int oo_sched_trigger(const struct oo_sched *s);

/* A pass starts at now: returns its trigger and clears what it covers (the
 * pass observes everything, so every event seen so far is accounted for). */
int oo_sched_begin(struct oo_sched *s, int64_t now);

/* The pass ended at now with result (enum oo_pass_result); changed: it
 * applied at least one step (also when it then failed); full: it read the
 * whole host in full, vouching for nothing from memory (tccache.h). The
 * periodic resync is due resync_ms after the last full pass, however many
 * passes on events came since: those read tc terse, and what no event
 * tells is only seen by a full read. */
void oo_sched_end(struct oo_sched *s, int64_t now, int result, bool changed, bool full);

/* ---------------------------------------------------------------- statistics */

/* Upper bounds (seconds) of the pass duration histogram buckets (+Inf is
 * implied after the last). */
#define OO_DURATION_BUCKETS 12
extern const double oo_duration_bucket_le[OO_DURATION_BUCKETS];

struct oo_reconcile_stats {
    uint64_t runs[OO_PASS_RESULT_MAX];          /* passes by result */
    uint64_t triggers[OO_TRIGGER_MAX];          /* passes by trigger */
    uint64_t steps[OO_STEP_KIND_MAX];           /* steps applied, by kind */
    uint64_t drift_repairs;                     /* repaired passes after the host had been in sync */
    uint64_t duration_bucket[OO_DURATION_BUCKETS + 1]; /* passes per bucket (not cumulative; last: +Inf) */
    double duration_sum_s;                      /* total time in passes */
    uint64_t duration_count;                    /* = passes */
    double last_duration_s;
    int last_result;                            /* enum oo_pass_result, -1 before the first pass */
    int64_t last_run_wall_ms;                   /* Unix ms of the last pass's end, 0 never */
    int64_t last_success_wall_ms;               /* ... of the last in_sync or repaired pass, 0 never */
    bool in_sync_seen;                          /* a pass found (or left) the host in sync */
    size_t last_plan_steps;                     /* steps the last plan had */
    size_t last_plan_errors;                    /* blockers the last plan had */
    unsigned consecutive_failures;              /* failed or blocked passes in a row */
    int64_t backoff_ms;                         /* the hold-off now in force, 0 none */
    uint64_t events[OO_EVENT_SOURCE_MAX];       /* events that marked work dirty */
    uint64_t events_ignored[OO_EVENT_SOURCE_MAX]; /* events known to be irrelevant (OVS's own tc flows) */
    uint64_t overflows[OO_EVENT_SOURCE_MAX];    /* ENOBUFS: events lost */
    uint64_t overflow_resyncs;                  /* passes that read everything after lost
                                                 * events, whatever triggered them */
    uint64_t reloads_ok;                        /* config reloads that took effect */
    uint64_t reloads_failed;                    /* rejected reloads (old config kept) */
    int last_reload_ok;                         /* 1, 0, -1 no reload yet */
    int64_t last_reload_wall_ms;                /* Unix ms of the last reload attempt, 0 never */
    int64_t start_wall_ms;                      /* when the daemon started */
};

/* Zeroes st; last_result -1, last_reload_ok -1, start time now_wall_ms. */
void oo_stats_init(struct oo_reconcile_stats *st, int64_t now_wall_ms);

/* Records a pass: its trigger, whether events were lost since the last pass
 * (lost_events: it read everything for them, even when a request or another
 * event started it), its result, the plan it made (may be NULL when observe
 * failed), the steps apply completed (plan->steps[0 .. n_done - 1]), its
 * duration, and the wall clock at its end. */
void oo_stats_record_pass(struct oo_reconcile_stats *st, int trigger, bool lost_events, int result,
                          const struct oo_plan *plan, size_t n_done, int64_t duration_ms,
                          int64_t now_wall_ms);

/* Records a reload attempt. */
void oo_stats_record_reload(struct oo_reconcile_stats *st, bool ok, int64_t now_wall_ms);

/* ---------------------------------------------------------------- repeats */

/* Logs a message when it changes, and repeats an unchanged one at most every
 * interval: the plan's blockers, a step that keeps failing. */
struct oo_repeat {
    uint64_t digest;                /* what was logged last (0: nothing) */
    int64_t logged_ms;              /* when */
    unsigned suppressed;            /* repeats not logged since */
};

/* FNV-1a over a string, chained (start with 0). Never returns 0 for a
 * non-empty input, so 0 can mean "nothing". */
uint64_t oo_digest_str(uint64_t h, const char *s);
/* The digest of a plan's errors (objects and messages, in order); 0 if none. */
uint64_t oo_plan_errors_digest(const struct oo_plan *plan);

/* Whether a message with this digest should be logged at now: yes when it
 * differs from the last one logged, or interval_ms passed since; then
 * *ret_suppressed (may be NULL) gets how many repeats were not logged in
 * between. digest 0 (nothing to say any more) resets r and says no. */
bool oo_repeat_should_log(struct oo_repeat *r, uint64_t digest, int64_t now, int64_t interval_ms,
                          unsigned *ret_suppressed);

/* ---------------------------------------------------------------- events */

/* Whether an rtnetlink notification can mean drift. Everything can, except
 * tc filters that Open vSwitch owns (its datapath flows come and go with
 * traffic, and are none of our business) and tc chain notifications (OVS
 * makes a chain per recirculation id). Pure. */
bool oo_rtnl_event_relevant(const struct nlmsghdr *nlh);

/* Whether a devlink notification (generic netlink, family devlink) can mean
 * drift: device, port, param, rate and linecard changes; not trap or health
 * reports. Pure. */
bool oo_devlink_event_relevant(const struct nlmsghdr *nlh);

/* ---------------------------------------------------------------- one pass */

struct oo_pass_opts {
    const struct oo_config *cfg;    /* the config in force (valid) */
    const char *root;               /* sysfs prefix ("" on a real host) */
    const char *ovs_remote;         /* OVSDB remote */
    int ovsdb_timeout_ms;           /* per OVSDB read or transaction */
    FILE *progress;                 /* apply's progress lines, or NULL */
    void (*tc_writes)(void *arg, bool begin); /* see struct oo_apply_opts */
    void *tc_writes_arg;
    /* Called with the observation once the plan is made, before anything
     * is applied (ovs-offloadd renders its host metrics from it), or NULL.
     * When the pass then applies, the observation's tc filters are freed
     * first: apply dumps again what it writes, and at 10 000 rules holding
     * both took the daemon's peak RSS over 32 MiB. */
    void (*observed)(void *arg, const struct oo_observed *obs);
    /* Called with the plan when the pass is about to apply it, after those
     * filters are freed (ovs-offloadd gives its free heap back there, and
     * closes its OVSDB watch before a plan that restarts Open vSwitch), or
     * NULL. */
    void (*before_apply)(void *arg, const struct oo_plan *plan);
    void *observed_arg;                 /* for both */
    /* The daemon's tc cache (controller/tccache.h), or NULL: the pass then
     * dumps every filter in full. While it is valid, the pass dumps terse
     * and settles the dumps with it; a pass that applies invalidates it. */
    struct oo_tc_cache *tc_cache;
    const volatile sig_atomic_t *stop;  /* see struct oo_apply_opts */
};

struct oo_pass {
    int result;                     /* enum oo_pass_result */
    struct oo_observed obs;         /* the host as it was observed at the start (without
                                     * its tc filters once the pass applied) */
    int observe_err;                /* 0, or oo_observe_host's -errno */
    struct oo_plan plan;            /* what was planned from it */
    bool applied;                   /* apply ran */
    struct oo_apply_result apply;   /* its result, when applied */
    char message[720];              /* failed: what went wrong, for the log */
    int64_t ms;                     /* the pass's duration */
    struct oo_tc_cache_stats tc_cache; /* with opts->tc_cache: what the cache did */
    int64_t observe_us, settle_us, plan_us; /* where the time went before any apply */
};

/* Pure: the result of a pass from its parts. observe_err counts only when
 * the config names PFs (as for `ovs-offloadctl plan`). */
int oo_pass_classify(int observe_err, const struct oo_config *cfg, const struct oo_plan *plan,
                     bool applied, int apply_err);

/* Pure: whether the pass counts as full for oo_sched_end(): it did not read
 * tc terse. A pass whose observation failed counts too: a failed one is
 * retried by the backoff, and an in-sync one (a config without PFs on a
 * host without devlink) would find the same at once, over and over. */
bool oo_pass_full(const struct oo_pass *p);

/* Runs one pass: observe, plan, and apply when the plan has steps and no
 * errors. Fills p (free it with oo_pass_free) and returns p->result. */
int oo_reconcile_pass(const struct oo_pass_opts *opts, struct oo_pass *p);

/* Frees the observation and plan; NULL-safe, safe on a zeroed struct. */
void oo_pass_free(struct oo_pass *p);

#endif
