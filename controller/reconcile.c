#include "controller/reconcile.h"

#include <errno.h>
#include <linux/devlink.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <string.h>

#include "common/util.h"
#include "controller/tcplan.h"
#include "tc/flower.h"
#include "tc/owner.h"

/* ---------------------------------------------------------------- names */

static const char *const trigger_names[OO_TRIGGER_MAX] = {
    [OO_TRIGGER_STARTUP] = "startup",   [OO_TRIGGER_EVENT] = "event",
    [OO_TRIGGER_VERIFY] = "verify",     [OO_TRIGGER_RETRY] = "retry",
    [OO_TRIGGER_PERIODIC] = "periodic", [OO_TRIGGER_OVERFLOW] = "overflow",
    [OO_TRIGGER_OVSDB] = "ovsdb",       [OO_TRIGGER_RELOAD] = "reload",
    [OO_TRIGGER_REQUEST] = "request",
};

static const char *const result_names[OO_PASS_RESULT_MAX] = {
    [OO_PASS_IN_SYNC] = "in_sync", [OO_PASS_REPAIRED] = "repaired",
    [OO_PASS_BLOCKED] = "blocked", [OO_PASS_FAILED] = "failed",
};

static const char *const source_names[OO_EVENT_SOURCE_MAX] = {
    [OO_EVENT_LINK] = "link", [OO_EVENT_TC] = "tc",
    [OO_EVENT_DEVLINK] = "devlink", [OO_EVENT_OVSDB] = "ovsdb",
};

static const char *name_of(const char *const *names, int n, int v)
{
    return v >= 0 && v < n ? names[v] : NULL;
}

static int value_of(const char *const *names, int n, const char *s)
{
    for (int i = 0; s && i < n; i++)
        if (names[i] && !strcmp(names[i], s))
            return i;
    return -EINVAL;
}

const char *oo_trigger_to_string(int v) { return name_of(trigger_names, OO_TRIGGER_MAX, v); }
int oo_trigger_from_string(const char *s) { return value_of(trigger_names, OO_TRIGGER_MAX, s); }
const char *oo_pass_result_to_string(int v) { return name_of(result_names, OO_PASS_RESULT_MAX, v); }
int oo_pass_result_from_string(const char *s) { return value_of(result_names, OO_PASS_RESULT_MAX, s); }
const char *oo_event_source_to_string(int v) { return name_of(source_names, OO_EVENT_SOURCE_MAX, v); }
int oo_event_source_from_string(const char *s) { return value_of(source_names, OO_EVENT_SOURCE_MAX, s); }

/* ---------------------------------------------------------------- scheduling */

void oo_sched_cfg_default(struct oo_sched_cfg *cfg)
{
    *cfg = (struct oo_sched_cfg){
        .debounce_ms = OO_SCHED_DEBOUNCE_MS,
        .max_delay_ms = OO_SCHED_MAX_DELAY_MS,
        .resync_ms = OO_SCHED_RESYNC_MS,
        .backoff_min_ms = OO_SCHED_BACKOFF_MIN_MS,
        .backoff_max_ms = OO_SCHED_BACKOFF_MAX_MS,
        .backoff_max_changing_ms = OO_SCHED_BACKOFF_MAX_CHANGING_MS,
        .churn_limit = OO_SCHED_CHURN_LIMIT,
    };
}

void oo_sched_init(struct oo_sched *s, const struct oo_sched_cfg *cfg)
{
    memset(s, 0, sizeof *s);
    s->cfg = *cfg;
    s->urgent = true;
    s->urgent_trigger = OO_TRIGGER_STARTUP;
}

void oo_sched_event(struct oo_sched *s, int trigger, int64_t now)
{
    if (!s->dirty) {
        s->dirty = true;
        s->dirty_trigger = trigger;
        s->first_ms = now;
    } else if (trigger == OO_TRIGGER_OVERFLOW ||
               (trigger == OO_TRIGGER_OVSDB && s->dirty_trigger != OO_TRIGGER_OVERFLOW)) {
        /* A resync's reason outranks plain events, lost events all. */
        s->dirty_trigger = trigger;
    }
    s->last_ms = now;
}

void oo_sched_urgent(struct oo_sched *s, int trigger)
{
    /* The first reason wins (startup stays startup when a reload comes in
     * before the first pass). */
    if (!s->urgent)
        s->urgent_trigger = trigger;
    s->urgent = true;
    /* OVSDB up again after a pass that could not read it is no sign that
     * the failures' reason is gone: that pass may have found it down
     * because of an OVS restart of ours, which fails again each time OVS
     * comes back. The pass runs at once, and a failure backs off further. */
    if (trigger == OO_TRIGGER_OVSDB)
        return;
    s->failures = 0;
    s->failed_changing = false;
    s->churn = 0;
}

int64_t oo_sched_backoff_ms(const struct oo_sched_cfg *cfg, unsigned n)
{
    int64_t d = cfg->backoff_min_ms;

    if (!n)
        return 0;
    for (unsigned i = 1; i < n && d < cfg->backoff_max_ms; i++)
        d *= 2;
    return d < cfg->backoff_max_ms ? d : cfg->backoff_max_ms;
}

int64_t oo_sched_holdoff_ms(const struct oo_sched *s)
{
    struct oo_sched_cfg cfg = s->cfg;
    unsigned n = s->failures;

    if (s->churn > s->cfg.churn_limit && s->churn - s->cfg.churn_limit > n)
        n = s->churn - s->cfg.churn_limit;
    if (s->failures && s->failed_changing && cfg.backoff_max_changing_ms > cfg.backoff_max_ms)
        cfg.backoff_max_ms = cfg.backoff_max_changing_ms;
    return oo_sched_backoff_ms(&cfg, n);
}

static int64_t max64(int64_t a, int64_t b) { return a > b ? a : b; }
static int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }

/* The due time and the trigger together: the same decision, told twice. */
static int64_t sched_next(const struct oo_sched *s, int *ret_trigger)
{
    int64_t hold_ms = oo_sched_holdoff_ms(s);
    int64_t hold = s->ran && hold_ms ? s->last_end_ms + hold_ms : INT64_MIN;
    int64_t due = INT64_MAX;
    int trigger = OO_TRIGGER_PERIODIC;

    if (s->urgent) {
        *ret_trigger = s->urgent_trigger;
        return INT64_MIN;
    }
    if (s->dirty) {
        due = max64(min64(s->last_ms + s->cfg.debounce_ms, s->first_ms + s->cfg.max_delay_ms), hold);
        trigger = s->dirty_trigger;
    } else if (hold != INT64_MIN && s->failures) {
        /* A failed pass retries on its own once the backoff is over. */
        due = hold;
        trigger = OO_TRIGGER_RETRY;
    }
    if (s->cfg.resync_ms > 0 && s->ran) {
        int64_t periodic = max64(s->last_full_ms + s->cfg.resync_ms, hold);
        if (periodic < due) {
            due = periodic;
            trigger = OO_TRIGGER_PERIODIC;
        }
    }
    *ret_trigger = trigger;
    return due;
}

int64_t oo_sched_due(const struct oo_sched *s)
{
    int trigger;

    return sched_next(s, &trigger);
}

int oo_sched_trigger(const struct oo_sched *s)
{
    int trigger;

    sched_next(s, &trigger);
    return trigger;
}

int oo_sched_begin(struct oo_sched *s, int64_t now)
{
    int trigger = oo_sched_trigger(s);

    (void)now;
    s->urgent = false;
    s->dirty = false;
    return trigger;
}

void oo_sched_end(struct oo_sched *s, int64_t now, int result, bool changed, bool full)
{
    s->ran = true;
    s->last_end_ms = now;
    if (full)
        s->last_full_ms = now;
    if (result == OO_PASS_FAILED || result == OO_PASS_BLOCKED) {
        s->failures++;
        s->failed_changing = changed;
    } else {
        s->failures = 0;
        s->failed_changing = false;
    }
    if (changed) {
        s->churn++;
        /* Our own changes raise events we cannot tell from someone else's:
         * instead of trusting them, look again once things settle. */
        oo_sched_event(s, OO_TRIGGER_VERIFY, now);
    } else {
        s->churn = 0;
    }
}

/* ---------------------------------------------------------------- statistics */

const double oo_duration_bucket_le[OO_DURATION_BUCKETS] = {
    0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 120,
};

void oo_stats_init(struct oo_reconcile_stats *st, int64_t now_wall_ms)
{
    memset(st, 0, sizeof *st);
    st->last_result = -1;
    st->last_reload_ok = -1;
    st->start_wall_ms = now_wall_ms;
}

void oo_stats_record_pass(struct oo_reconcile_stats *st, int trigger, bool lost_events, int result,
                          const struct oo_plan *plan, size_t n_done, int64_t duration_ms,
                          int64_t now_wall_ms)
{
    double s = duration_ms > 0 ? (double)duration_ms / 1000 : 0;
    size_t b = 0;

    if (result >= 0 && result < OO_PASS_RESULT_MAX)
        st->runs[result]++;
    if (trigger >= 0 && trigger < OO_TRIGGER_MAX)
        st->triggers[trigger]++;
    if (lost_events || trigger == OO_TRIGGER_OVERFLOW)
        st->overflow_resyncs++;
    if (plan) {
        for (size_t i = 0; i < n_done && i < plan->n_steps; i++)
            if (plan->steps[i].kind >= 0 && plan->steps[i].kind < OO_STEP_KIND_MAX)
                st->steps[plan->steps[i].kind]++;
        st->last_plan_steps = plan->n_steps;
        st->last_plan_errors = plan->n_errors;
    } else {
        st->last_plan_steps = 0;
        st->last_plan_errors = 0;
    }
    /* A reload's pass applies a new config: a change, not drift. */
    if (result == OO_PASS_REPAIRED && st->in_sync_seen && trigger != OO_TRIGGER_RELOAD)
        st->drift_repairs++;
    if (result == OO_PASS_IN_SYNC || result == OO_PASS_REPAIRED) {
        st->in_sync_seen = true;
        st->last_success_wall_ms = now_wall_ms;
        st->consecutive_failures = 0;
    } else {
        st->consecutive_failures++;
    }
    while (b < OO_DURATION_BUCKETS && s > oo_duration_bucket_le[b])
        b++;
    st->duration_bucket[b]++;
    st->duration_sum_s += s;
    st->duration_count++;
    st->last_duration_s = s;
    st->last_result = result;
    st->last_run_wall_ms = now_wall_ms;
}

void oo_stats_record_reload(struct oo_reconcile_stats *st, bool ok, int64_t now_wall_ms)
{
    if (ok)
        st->reloads_ok++;
    else
        st->reloads_failed++;
    st->last_reload_ok = ok;
    st->last_reload_wall_ms = now_wall_ms;
}

/* ---------------------------------------------------------------- repeats */

uint64_t oo_digest_str(uint64_t h, const char *s)
{
    if (!h)
        h = 0xcbf29ce484222325ull;
    for (; s && *s; s++) {
        h ^= (unsigned char)*s;
        h *= 0x100000001b3ull;
    }
    /* A separator, so that ("ab", "c") and ("a", "bc") differ. */
    h ^= 0xff;
    h *= 0x100000001b3ull;
    return h ? h : 1;
}

uint64_t oo_plan_errors_digest(const struct oo_plan *plan)
{
    uint64_t h = 0;

    for (size_t i = 0; plan && i < plan->n_errors; i++) {
        h = oo_digest_str(h, plan->errors[i].object);
        h = oo_digest_str(h, plan->errors[i].message);
    }
    return h;
}

bool oo_repeat_should_log(struct oo_repeat *r, uint64_t digest, int64_t now, int64_t interval_ms,
                          unsigned *ret_suppressed)
{
    if (!digest) {
        memset(r, 0, sizeof *r);
        return false;
    }
    if (digest != r->digest || now - r->logged_ms >= interval_ms) {
        if (ret_suppressed)
            *ret_suppressed = digest == r->digest ? r->suppressed : 0;
        r->digest = digest;
        r->logged_ms = now;
        r->suppressed = 0;
        return true;
    }
    r->suppressed++;
    return false;
}

/* ---------------------------------------------------------------- events */

bool oo_rtnl_event_relevant(const struct nlmsghdr *nlh)
{
    struct oo_tc_filter f;

    switch (nlh->nlmsg_type) {
    case RTM_NEWCHAIN:
    case RTM_DELCHAIN:
        return false;
    case RTM_NEWTFILTER:
    case RTM_DELTFILTER:
        /* Undecodable: better one pass too many than a drift missed. */
        if (oo_tc_parse_filter(nlh, &f) < 0)
            return true;
        return oo_tc_classify(&f, NULL) != OO_TC_OWNER_OVS;
    default:
        return true;
    }
}

bool oo_devlink_event_relevant(const struct nlmsghdr *nlh)
{
    const struct genlmsghdr *g;

    if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof *g))
        return false;
    g = NLMSG_DATA(nlh);
    switch (g->cmd) {
    case DEVLINK_CMD_NEW:
    case DEVLINK_CMD_DEL:
    case DEVLINK_CMD_PORT_NEW:
    case DEVLINK_CMD_PORT_DEL:
    case DEVLINK_CMD_PORT_SET:
    case DEVLINK_CMD_PARAM_NEW:
    case DEVLINK_CMD_PARAM_DEL:
    case DEVLINK_CMD_RATE_NEW:
    case DEVLINK_CMD_RATE_DEL:
    case DEVLINK_CMD_ESWITCH_SET:
        return true;
    default:
        return false;
    }
}

/* ---------------------------------------------------------------- one pass */

int oo_pass_classify(int observe_err, const struct oo_config *cfg, const struct oo_plan *plan,
                     bool applied, int apply_err)
{
    if (observe_err < 0 && cfg && cfg->n_pfs)
        return OO_PASS_FAILED;
    if (plan && plan->n_errors)
        return OO_PASS_BLOCKED;
    if (applied)
        return apply_err < 0 ? OO_PASS_FAILED : OO_PASS_REPAIRED;
    return OO_PASS_IN_SYNC;
}

bool oo_pass_full(const struct oo_pass *p)
{
    return !p->tc_cache.terse;
}

int oo_reconcile_pass(const struct oo_pass_opts *opts, struct oo_pass *p)
{
    int64_t t0 = oo_now_ms();
    struct oo_plan_opts popts = { .force = false };
    struct oo_tc_desired desired = { 0 };
    int64_t us = oo_now_us();

    memset(p, 0, sizeof *p);
    if (opts->tc_cache && oo_tc_cache_valid(opts->tc_cache))
        p->observe_err = oo_observe_host_terse(opts->root, opts->ovs_remote, opts->ovsdb_timeout_ms, &p->obs);
    else
        p->observe_err = oo_observe_host(opts->root, opts->ovs_remote, opts->ovsdb_timeout_ms, &p->obs);
    p->observe_us = oo_now_us() - us;
    us = oo_now_us();
    if (p->observe_err >= 0) {
        oo_apply_prune_journal(opts->root, &p->obs);
        /* Built once, for the cache, the plan and its tc-sync steps. */
        oo_tc_desired_build_observed(opts->cfg, &p->obs, &desired);
        popts.tc_desired = &desired;
    }
    if (opts->tc_cache) {
        if (p->observe_err < 0)
            oo_tc_cache_invalidate(opts->tc_cache);
        else
            oo_tc_cache_settle(opts->tc_cache, &desired, &p->obs, &p->tc_cache);
    }
    if (p->observe_err < 0 && opts->cfg->n_pfs) {
        snprintf(p->message, sizeof p->message, "cannot observe the host: %s", p->obs.devlink_error);
        if (opts->observed)
            opts->observed(opts->observed_arg, &p->obs);
        goto out;
    }
    p->settle_us = oo_now_us() - us;
    us = oo_now_us();
    oo_plan_build(opts->cfg, &p->obs, &popts, &p->plan);
    p->plan_us = oo_now_us() - us;
    /* Kept only for the plan's tc-sync steps (~720 bytes a rule). */
    if (p->plan.n_errors || !p->plan.n_steps)
        oo_tc_desired_free(&desired);
    if (opts->observed)
        opts->observed(opts->observed_arg, &p->obs);
    if (!p->plan.n_errors && p->plan.n_steps) {
        struct oo_apply_opts aopts = {
            .root = opts->root, .ovs_remote = opts->ovs_remote,
            .ovsdb_timeout_ms = opts->ovsdb_timeout_ms,
            .progress = opts->progress,
            .tc_writes = opts->tc_writes, .tc_writes_arg = opts->tc_writes_arg,
            .tc_desired = popts.tc_desired, .stop = opts->stop,
        };
        p->applied = true;
        /* What it writes, and what others write while the daemon is out of
         * RTNLGRP_TC, is read in full by the pass that verifies it. */
        if (opts->tc_cache)
            oo_tc_cache_invalidate(opts->tc_cache);
        oo_observed_release_tc_filters(&p->obs);
        if (opts->before_apply)
            opts->before_apply(opts->observed_arg, &p->plan);
        if (oo_apply(opts->cfg, &p->obs, &p->plan, &aopts, &p->apply) < 0)
            snprintf(p->message, sizeof p->message, "%s", p->apply.message);
    }
out:
    oo_tc_desired_free(&desired);
    p->result = oo_pass_classify(p->observe_err, opts->cfg, &p->plan, p->applied, p->apply.err);
    p->ms = oo_now_ms() - t0;
    return p->result;
}

void oo_pass_free(struct oo_pass *p)
{
    if (!p)
        return;
    oo_plan_free(&p->plan);
    oo_observed_free(&p->obs);
    memset(p, 0, sizeof *p);
}
