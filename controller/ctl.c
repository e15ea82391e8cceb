#include "controller/ctl.h"

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/json.h"
#include "common/log.h"
#include "common/util.h"
#include "config/config.h"
#include "controller/apply.h"
#include "controller/doctor.h"
#include "controller/hostlock.h"
#include "controller/metrics.h"
#include "controller/observe.h"
#include "controller/plan.h"
#include "controller/status.h"
#include "controller/tcplan.h"

#define OO_DEFAULT_CONFIG "/etc/ovs-offload/config.yaml"

struct ctl_opts {
    const char *db;                 /* OVSDB remote (--db); NULL: the config's, else the default */
    int ovsdb_timeout_ms;           /* how long to wait for OVSDB */
    bool json;                      /* machine-readable output */
    const char *root;               /* prefix of the sysfs, /run paths: "" (the library's
                                     * tests give one; the CLI has no option for it) */
    const char *config;             /* -c FILE */
    const char *hostconf;           /* --hostconf FILE */
    bool force;                     /* --force: destroy VFs in use */
    bool ignore_daemon;             /* --ignore-daemon: apply what ovs-offloadd will undo */
    bool dry_run;                   /* apply --dry-run: plan */
    bool prometheus;                /* status --prometheus: metrics text */
    int lock_timeout_s;             /* apply: how long to wait for the host lock */
};

static void usage(FILE *f)
{
    fputs(
"Usage: ovs-offloadctl [OPTIONS] COMMAND\n"
"Inspect and configure a hardware-offloaded Open vSwitch host.\n"
"\n"
"Commands:\n"
"  status               show each devlink device (PF): eswitch mode, VFs,\n"
"                       uplink and VF representors; then the OVS settings\n"
"  check                validate the config without touching the host\n"
"  plan                 observe the host and print the steps that would\n"
"                       bring it to the config, in the order they would run\n"
"  apply                run those steps, with a progress line each; stop at\n"
"                       the first failure (the next apply continues from there)\n"
"  doctor               check the host's prerequisites (IOMMU, SR-IOV, firmware,\n"
"                       kernel messages, hw-tc-offload, OVS offload) and say\n"
"                       how to fix what is wrong (-v also lists what is fine)\n"
"\n"
"Options:\n"
"  -c, --config FILE    the YAML (or JSON) config\n"
"                       (default " OO_DEFAULT_CONFIG ")\n"
"      --hostconf FILE  derive the config from Cloudpods' host.conf instead\n"
"  -j, --json           print JSON instead of text (apply: one document at the\n"
"                       end, with the result; its progress lines go to stderr)\n"
"      --prometheus     status: print Prometheus metrics (for node_exporter's\n"
"                       textfile collector) instead of text\n"
"      --force          plan to unbind or destroy VFs even when they are in use\n"
"      --dry-run        apply: only print the plan\n"
"      --ignore-daemon  apply even though a running ovs-offloadd enforces\n"
"                       another config (its next pass undoes the difference)\n"
"      --lock-timeout SEC  apply: wait at most SEC seconds (default 300) while\n"
"                       ovs-offloadd or another apply changes the host; 0:\n"
"                       fail at once\n"
"      --db REMOTE      OVSDB remote (default: the config's ovs.db when it is\n"
"                       written, for status and doctor the default config's\n"
"                       when it exists and is valid; else\n"
"                       unix:$OVS_RUNDIR/db.sock, OVS_RUNDIR defaulting to\n"
"                       /var/run/openvswitch)\n"
"      --ovsdb-timeout MS  give up on an OVSDB read after MS milliseconds\n"
"                       (default 2000; apply's transactions wait for\n"
"                       ovs-vswitchd up to the config's waits.timeout_s)\n"
"  -v, --verbose        more messages on stderr\n"
"  -h, --help           show this help and exit\n"
"  -V, --version        show the version and exit\n"
"\n"
"Exit status: 0 success (plan: in sync; apply: the host is in sync; doctor:\n"
"nothing wrong); 1 runtime error (the host blocks the plan, a step failed,\n"
"doctor found problems); 2 usage or config error; 3 plan: changes are pending.\n"
"An unreachable OVSDB is reported in the output and is not an error for status.\n",
    f);
}

static char *default_db(void)
{
    const char *rundir = getenv("OVS_RUNDIR");
    size_t n;
    char *s;

    if (!rundir || !*rundir)
        return oo_strdup(OO_OVSDB_DEFAULT_REMOTE);
    n = strlen(rundir) + sizeof "unix:/db.sock";
    s = oo_malloc(n);
    snprintf(s, n, "unix:%s/db.sock", rundir);
    return s;
}

/* Loads and validates the config; prints the errors. Returns 0 or OO_EXIT_USAGE. */
static int load_config(const struct ctl_opts *opts, struct oo_config *cfg, struct oo_cfg_diag *diag,
                       const char **ret_path)
{
    const char *path = opts->hostconf ? opts->hostconf : opts->config ? opts->config : OO_DEFAULT_CONFIG;
    int r;

    *ret_path = path;
    oo_cfg_diag_init(diag, path);
    r = opts->hostconf ? oo_config_load_hostconf(path, cfg, diag)
                       : oo_config_load_yaml(path, cfg, diag);
    oo_cfg_diag_sort(diag);
    return r < 0 ? OO_EXIT_USAGE : OO_EXIT_OK;
}

static void print_diag_json(FILE *f, const char *path, const struct oo_cfg_diag *d)
{
    struct oo_json j;

    oo_json_init(&j, f, true);
    oo_json_obj_begin(&j);
    oo_json_kv_str(&j, "file", path);
    oo_json_kv_bool(&j, "valid", oo_cfg_diag_count(d) == 0);
    oo_json_key(&j, "errors");
    oo_json_arr_begin(&j);
    for (size_t i = 0; i < d->n_errors; i++) {
        oo_json_obj_begin(&j);
        oo_json_kv_uint(&j, "line", d->errors[i].loc.line);
        oo_json_kv_uint(&j, "column", d->errors[i].loc.col);
        oo_json_kv_str(&j, "key", d->errors[i].key);
        oo_json_kv_str(&j, "message", d->errors[i].msg);
        oo_json_obj_end(&j);
    }
    oo_json_arr_end(&j);
    oo_json_kv_uint(&j, "more_errors", d->n_dropped);
    oo_json_obj_end(&j);
    oo_json_finish(&j);
}

/* A config's errors, as JSON on stdout with -j, else one per line on stderr. */
static void print_diag(const struct ctl_opts *opts, const char *path, const struct oo_cfg_diag *d)
{
    if (opts->json)
        print_diag_json(stdout, path, d);
    else
        oo_cfg_diag_print(d, stderr);
}

static int cmd_check(const struct ctl_opts *opts)
{
    struct oo_config cfg;
    struct oo_cfg_diag diag;
    const char *path;
    int rc = load_config(opts, &cfg, &diag, &path);

    if (opts->json)
        print_diag_json(stdout, path, &diag);
    else if (rc)
        oo_cfg_diag_print(&diag, stderr);
    else
        printf("%s: valid: %zu PF%s, %zu bond%s, %zu bridge%s, %zu tc rule%s, %zu MPV pair%s\n",
               path, cfg.n_pfs, cfg.n_pfs == 1 ? "" : "s", cfg.n_bonds, cfg.n_bonds == 1 ? "" : "s",
               cfg.n_bridges, cfg.n_bridges == 1 ? "" : "s", cfg.n_rules, cfg.n_rules == 1 ? "" : "s",
               cfg.n_mpvs, cfg.n_mpvs == 1 ? "" : "s");
    oo_cfg_diag_free(&diag);
    oo_config_free(&cfg);
    return rc;
}

/* The OVSDB remote: --db, else the config's ovs.db when written (cfg may be
 * NULL: no config), else the default (which follows OVS_RUNDIR). Free the
 * result. */
static char *ovs_remote(const struct ctl_opts *opts, const struct oo_config *cfg)
{
    if (opts->db)
        return oo_strdup(opts->db);
    if (cfg && cfg->ovs.at[OO_CFG_OVS_DB].line)
        return oo_strdup(cfg->ovs.db);
    return default_db();
}

/* Loads the config (printing its errors), then observes the host and plans.
 * Returns OO_EXIT_OK with cfg, o and plan filled, and with desired (unless
 * NULL) the filters the plan was made with, for apply; or an exit code. */
static int load_and_plan(const struct ctl_opts *opts, struct oo_config *cfg, struct oo_observed *o,
                         struct oo_plan *plan, struct oo_tc_desired *desired)
{
    struct oo_cfg_diag diag;
    struct oo_plan_opts popts = { .force = opts->force, .ignore_daemon = opts->ignore_daemon };
    const char *path;
    _cleanup_free_ char *remote = NULL;
    /* Reading the host changes nothing and does not depend on the config:
     * the kernel and OVSDB are read while the config loads (on a large
     * config, the three take about as long). The config may name another
     * OVSDB remote; until it is loaded, the remote is --db's or the default,
     * and OVSDB is read again in the rare case that the config says else. */
    _cleanup_free_ char *guess = ovs_remote(opts, NULL);
    struct oo_observe_job *job = oo_observe_start(opts->root, guess, opts->ovsdb_timeout_ms, o);
    int64_t t0 = oo_now_us();
    int rc = load_config(opts, cfg, &diag, &path);

    if (rc) {
        oo_observe_cancel(job);
        print_diag(opts, path, &diag);
        oo_cfg_diag_free(&diag);
        oo_config_free(cfg);
        return rc;
    }
    oo_cfg_diag_free(&diag);
    oo_debug("loaded %s in %.1f ms", path, (double)(oo_now_us() - t0) / 1000);
    remote = ovs_remote(opts, cfg);
    if (oo_observe_finish(job, remote, opts->ovsdb_timeout_ms) < 0 && cfg->n_pfs)
        oo_err("%s", o->devlink_error);
    t0 = oo_now_us();
    if (desired) {
        oo_tc_desired_build_observed(cfg, o, desired);
        popts.tc_desired = desired;
    }
    oo_plan_build(cfg, o, &popts, plan);
    oo_debug("planned in %.1f ms: %zu steps", (double)(oo_now_us() - t0) / 1000, plan->n_steps);
    return OO_EXIT_OK;
}

static int cmd_plan(const struct ctl_opts *opts)
{
    struct oo_config cfg;
    struct oo_observed o = { 0 };
    struct oo_plan plan;
    int rc = load_and_plan(opts, &cfg, &o, &plan, NULL);

    if (rc)
        return rc;
    if (opts->json)
        oo_plan_print_json(stdout, &plan, true);
    else
        oo_plan_print_text(stdout, &plan);
    rc = plan.n_errors ? OO_EXIT_FAILURE : plan.n_steps ? OO_EXIT_PENDING : OO_EXIT_OK;
    oo_plan_free(&plan);
    oo_observed_free(&o);
    oo_config_free(&cfg);
    return rc;
}

static void lock_waiting(void *arg, const char *holder)
{
    const struct ctl_opts *opts = arg;

    oo_info("waiting for %s to finish changing the host (at most %d s, --lock-timeout)", holder,
            opts->lock_timeout_s);
}

/* Takes the host lock (controller/hostlock.h) for apply. When it cannot be
 * taken at once (someone else holds it, or it cannot be made), the config is
 * checked first: a config with errors is reported as such (exit 2), at once,
 * not after the wait and not hidden behind the lock's failure. (Taken at
 * once, the config is loaded while the host is read: load_and_plan.)
 * Returns 0 or an exit code; for exit 1, *ret_err
 * is -EWOULDBLOCK (holder holds the lock) or why the lock could not be taken
 * (holder is then the lock's path). */
static int apply_lock(const struct ctl_opts *opts, struct oo_host_lock *lock, char *holder,
                      size_t holder_size, int *ret_err)
{
    int r = oo_host_lock_take(lock, opts->root, "ovs-offloadctl apply", 0, NULL, NULL, holder,
                              holder_size);

    *ret_err = r;

    if (r < 0) {
        struct oo_config cfg;
        struct oo_cfg_diag diag;
        const char *path;
        int rc = load_config(opts, &cfg, &diag, &path);

        if (rc)
            print_diag(opts, path, &diag);
        oo_cfg_diag_free(&diag);
        oo_config_free(&cfg);
        if (rc)
            return rc;
    }
    if (r == -EWOULDBLOCK && opts->lock_timeout_s > 0) {
        r = oo_host_lock_take(lock, opts->root, "ovs-offloadctl apply", opts->lock_timeout_s * 1000,
                              lock_waiting, (void *)opts, holder, holder_size);
    }
    *ret_err = r;
    if (r == -EWOULDBLOCK) {
        oo_err("%s is changing the host (it holds %s%s): nothing was done; run apply again when "
               "it is done%s", holder, opts->root, OO_HOST_LOCK_PATH,
               opts->lock_timeout_s ? ", or give it longer with --lock-timeout" : "");
        return OO_EXIT_FAILURE;
    }
    if (r < 0) {
        oo_err("cannot take the host lock %s: %s%s", holder, strerror(-r),
               r == -EACCES || r == -EPERM || r == -EROFS ? " (apply needs root)" : "");
        return OO_EXIT_FAILURE;
    }
    return OO_EXIT_OK;
}

/* apply -j: one document on stdout at the end (progress lines go to
 * stderr). result: "in_sync" (nothing to do), "applied" (and in sync),
 * "not_in_sync" (applied, but the read-back still plans steps), "failed" (a
 * step failed: "failed" says which and why; index 0 and step null when the
 * host lock could not be taken), "blocked" (the plan has errors), "locked"
 * (another process held the host lock past --lock-timeout: "holder" says
 * who). "plan" is what was planned (null when nothing was), "after" the
 * read-back's plan. Every key is always there. */
struct apply_json_fail {
    const char *message;
    int err;                            /* -errno */
};

static void apply_json(const char *result, const struct oo_plan *plan,
                       const struct oo_apply_result *res, const struct oo_plan *after,
                       const char *holder, const struct apply_json_fail *fail)
{
    struct oo_json j;

    oo_json_init(&j, stdout, true);
    oo_json_obj_begin(&j);
    oo_json_kv_str(&j, "result", result);
    oo_json_key(&j, "plan");
    if (plan)
        oo_plan_json(&j, plan);
    else
        oo_json_null(&j);
    oo_json_kv_uint(&j, "steps_done", res ? res->n_done : 0);
    oo_json_kv_int(&j, "ms", res ? res->ms : 0);
    oo_json_key(&j, "failed");
    if (plan && res && res->failed >= 0 && (size_t)res->failed < plan->n_steps) {
        oo_json_obj_begin(&j);
        oo_json_kv_uint(&j, "index", (uint64_t)res->failed + 1);
        oo_json_key(&j, "step");
        oo_step_json(&j, &plan->steps[res->failed]);
        oo_json_kv_str(&j, "message", res->message);
        oo_json_kv_str(&j, "errno", strerrorname_np(-res->err));
        oo_json_obj_end(&j);
    } else if (fail) {
        oo_json_obj_begin(&j);
        oo_json_kv_uint(&j, "index", 0);
        oo_json_key(&j, "step");
        oo_json_null(&j);
        oo_json_kv_str(&j, "message", fail->message);
        oo_json_kv_str(&j, "errno", strerrorname_np(-fail->err));
        oo_json_obj_end(&j);
    } else {
        oo_json_null(&j);
    }
    oo_json_key(&j, "after");
    if (after)
        oo_plan_json(&j, after);
    else
        oo_json_null(&j);
    oo_json_kv_str(&j, "holder", holder);
    oo_json_obj_end(&j);
    oo_json_finish(&j);
}

static int cmd_apply(const struct ctl_opts *opts)
{
    struct oo_config cfg;
    struct oo_observed o = { 0 }, after = { 0 };
    struct oo_plan plan, again = { 0 };
    struct oo_tc_desired desired = { 0 };
    struct oo_apply_result res;
    struct oo_host_lock lock = OO_HOST_LOCK_INIT;
    _cleanup_free_ char *remote = NULL;
    int rc, r;

    /* Held from before the host is observed until it is read back: a plan
     * made from what someone else is changing would be stale. */
    char holder[256] = "";
    if ((rc = apply_lock(opts, &lock, holder, sizeof holder, &r))) {
        /* A config with errors (exit 2) was reported as check reports it. */
        if (opts->json && rc == OO_EXIT_FAILURE) {
            char msg[400];

            if (r == -EWOULDBLOCK) {
                apply_json("locked", NULL, NULL, NULL, holder, NULL);
            } else {
                snprintf(msg, sizeof msg, "cannot take the host lock %s: %s", holder, strerror(-r));
                apply_json("failed", NULL, NULL, NULL, NULL,
                           &(struct apply_json_fail){ .message = msg, .err = r });
            }
        }
        return rc;
    }
    rc = load_and_plan(opts, &cfg, &o, &plan, &desired);
    if (rc) {
        oo_host_lock_release(&lock);
        return rc;
    }
    oo_apply_prune_journal(opts->root, &o);
    remote = ovs_remote(opts, &cfg);
    if (plan.n_errors) {
        oo_plan_print_text(stderr, &plan);
        if (opts->json)
            apply_json("blocked", &plan, NULL, NULL, NULL, NULL);
        rc = OO_EXIT_FAILURE;
        goto out;
    }
    if (!plan.n_steps) {
        if (opts->json) {
            apply_json("in_sync", &plan, NULL, NULL, NULL, NULL);
            goto out;
        }
        for (size_t i = 0; i < plan.n_notes; i++)
            printf("note: %s: %s\n", plan.notes[i].object, plan.notes[i].message);
        printf("in sync: nothing to do\n");
        goto out;
    }
    struct oo_apply_opts aopts = {
        .root = opts->root, .ovs_remote = remote, .ovsdb_timeout_ms = opts->ovsdb_timeout_ms,
        .progress = opts->json ? stderr : stdout, .tc_desired = &desired,
    };
    r = oo_apply(&cfg, &o, &plan, &aopts, &res);
    oo_tc_desired_free(&desired);       /* before the read-back, which builds its own */
    if (r < 0) {
        oo_err("%s", res.message);
        oo_err("stopped after %zu of %zu steps; fix the cause and run apply again: it continues "
               "from the host's state", res.n_done, plan.n_steps);
        if (opts->json)
            apply_json("failed", &plan, &res, NULL, NULL, NULL);
        rc = OO_EXIT_FAILURE;
        goto out;
    }
    /* Read the host back and plan again: what is left is reported, not hidden. */
    oo_observe_host(opts->root, remote, opts->ovsdb_timeout_ms, &after);
    oo_plan_build(&cfg, &after,
                  &(struct oo_plan_opts){ .force = opts->force, .ignore_daemon = opts->ignore_daemon },
                  &again);
    if (opts->json) {
        bool in_sync = !again.n_steps && !again.n_errors;

        apply_json(in_sync ? "applied" : "not_in_sync", &plan, &res, &again, NULL, NULL);
        rc = in_sync ? OO_EXIT_OK : OO_EXIT_FAILURE;
        goto out;
    }
    for (size_t i = 0; i < again.n_notes; i++)
        printf("note: %s: %s\n", again.notes[i].object, again.notes[i].message);
    if (again.n_steps || again.n_errors) {
        printf("applied %zu steps in %.1f s, but the host is not in sync yet:\n", res.n_done,
               (double)res.ms / 1000);
        oo_plan_print_text(stdout, &again);
        rc = OO_EXIT_FAILURE;
    } else {
        printf("applied %zu steps in %.1f s; the host is in sync\n", res.n_done, (double)res.ms / 1000);
    }
out:
    oo_host_lock_release(&lock);
    oo_tc_desired_free(&desired);
    oo_plan_free(&again);
    oo_observed_free(&after);
    oo_plan_free(&plan);
    oo_observed_free(&o);
    oo_config_free(&cfg);
    return rc;
}

/* For status and doctor given no config and no --db: the OVSDB remote of the
 * default config when there is one (what plan and apply would use), else
 * NULL. A default config with errors is passed over with a warning: these
 * commands read the host, and must work while the config is being fixed. */
static char *default_config_db(const struct ctl_opts *opts)
{
    struct oo_config cfg;
    struct oo_cfg_diag diag;
    const char *path;
    char *remote = NULL;

    if (opts->db || opts->config || opts->hostconf || access(OO_DEFAULT_CONFIG, F_OK) < 0)
        return NULL;
    if (load_config(opts, &cfg, &diag, &path) == OO_EXIT_OK && cfg.ovs.db)
        remote = ovs_remote(opts, &cfg);
    else if (oo_cfg_diag_count(&diag))
        oo_warn("%s has errors ('ovs-offloadctl check' lists them): its ovs.db is not used; "
                "OVSDB is read at the default remote", path);
    oo_cfg_diag_free(&diag);
    oo_config_free(&cfg);
    return remote;
}

static int cmd_doctor(const struct ctl_opts *opts)
{
    struct oo_config cfg;
    struct oo_cfg_diag diag;
    struct oo_observed o = { 0 };
    struct oo_doctor_facts facts = { 0 };
    struct oo_doctor_report rep;
    const char *path;
    bool have_cfg = false;
    _cleanup_free_ char *remote = NULL;

    /* The config is optional here: with one, doctor also checks what it asks for. */
    if (opts->config || opts->hostconf) {
        if (load_config(opts, &cfg, &diag, &path)) {
            print_diag(opts, path, &diag);
            oo_cfg_diag_free(&diag);
            oo_config_free(&cfg);
            return OO_EXIT_USAGE;
        }
        oo_cfg_diag_free(&diag);
        have_cfg = true;
    }
    remote = have_cfg ? NULL : default_config_db(opts);
    if (!remote)
        remote = ovs_remote(opts, have_cfg ? &cfg : NULL);
    oo_observe_host(opts->root, remote, opts->ovsdb_timeout_ms, &o);
    oo_doctor_gather(opts->root, &facts);
    if (o.ovs.reachable && o.ovs.vswitchd_running == 1 && o.ovs.offload_active == 1) {
        facts.kernel_flows_asked = true;
        facts.kernel_flows_err = oo_ovs_kernel_flows(o.ovs_remote, o.ovs.vswitchd_pid, opts->ovsdb_timeout_ms,
                                                     &facts.kernel_flows, &facts.n_kernel_flows,
                                                     facts.kernel_flows_error, sizeof facts.kernel_flows_error);
    }
    facts.obs = &o;
    facts.cfg = have_cfg ? &cfg : NULL;
    oo_doctor_diagnose(&facts, &rep);
    if (opts->json)
        oo_doctor_print_json(stdout, &rep);
    else
        oo_doctor_print_text(stdout, &rep, oo_log_get_level() >= OO_LOG_DEBUG);
    int rc = rep.n_error || rep.n_warn ? OO_EXIT_FAILURE : OO_EXIT_OK;
    oo_doctor_report_free(&rep);
    oo_doctor_facts_free(&facts);
    oo_observed_free(&o);
    if (have_cfg)
        oo_config_free(&cfg);
    return rc;
}

static int cmd_status(const struct ctl_opts *opts)
{
    struct oo_observed o = { 0 };
    int r;

    if (opts->prometheus) {
        /* What could not be read is in the metrics (ovs_offload_devlink_up,
         * ovs_offload_ovsdb_up 0): a textfile collector's "write, then
         * rename on success" must install them, so only a failed write
         * fails. The user running it by hand is told on stderr. */
        if (oo_observe_host(opts->root, opts->db, opts->ovsdb_timeout_ms, &o) < 0)
            oo_warn("%s (written as ovs_offload_devlink_up 0)", o.devlink_error);
        if (!o.ovs.reachable)
            oo_warn("OVSDB: %s (written as ovs_offload_ovsdb_up 0)",
                    o.ovs.error[0] ? o.ovs.error : "not reachable");
        oo_metrics_write_status(stdout, &o);
        oo_observed_free(&o);
        if (fflush(stdout) || ferror(stdout)) {
            oo_err("cannot write the metrics to standard output: %s", strerror(errno));
            return OO_EXIT_FAILURE;
        }
        return OO_EXIT_OK;
    }
    r = oo_observe_host(opts->root, opts->db, opts->ovsdb_timeout_ms, &o);
    if (r < 0)
        oo_err("%s", o.devlink_error);
    if (opts->json)
        oo_status_print_json(stdout, &o, true);
    else
        oo_status_print_text(stdout, &o);
    oo_observed_free(&o);
    return r < 0 ? OO_EXIT_FAILURE : OO_EXIT_OK;
}

int oo_ctl_main(int argc, char **argv)
{
    enum { OPT_DB = 256, OPT_OVSDB_TIMEOUT, OPT_HOSTCONF, OPT_FORCE, OPT_DRY_RUN,
           OPT_PROMETHEUS, OPT_LOCK_TIMEOUT, OPT_IGNORE_DAEMON };
    static const struct option longopts[] = {
        { "config", required_argument, NULL, 'c' },
        { "hostconf", required_argument, NULL, OPT_HOSTCONF },
        { "force", no_argument, NULL, OPT_FORCE },
        { "dry-run", no_argument, NULL, OPT_DRY_RUN },
        { "ignore-daemon", no_argument, NULL, OPT_IGNORE_DAEMON },
        { "lock-timeout", required_argument, NULL, OPT_LOCK_TIMEOUT },
        { "json", no_argument, NULL, 'j' },
        { "prometheus", no_argument, NULL, OPT_PROMETHEUS },
        { "db", required_argument, NULL, OPT_DB },
        { "ovsdb-timeout", required_argument, NULL, OPT_OVSDB_TIMEOUT },
        { "verbose", no_argument, NULL, 'v' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { 0 },
    };
    struct ctl_opts opts = { .ovsdb_timeout_ms = 2000, .root = "", .lock_timeout_s = 300 };
    long v;
    _cleanup_free_ char *db = NULL;
    const char *cmd;
    char *end;
    int c;

    while ((c = getopt_long(argc, argv, "c:jvhV", longopts, NULL)) != -1) {
        switch (c) {
        case 'c': opts.config = optarg; break;
        case OPT_HOSTCONF: opts.hostconf = optarg; break;
        case OPT_FORCE: opts.force = true; break;
        case OPT_DRY_RUN: opts.dry_run = true; break;
        case OPT_IGNORE_DAEMON: opts.ignore_daemon = true; break;
        case 'j': opts.json = true; break;
        case OPT_PROMETHEUS: opts.prometheus = true; break;
        case OPT_DB: opts.db = optarg; break;
        case OPT_OVSDB_TIMEOUT:
            /* The daemon's bounds: a value past int would wrap. */
            errno = 0;
            v = strtol(optarg, &end, 10);
            if (!*optarg || *end || errno || v <= 0 || v > 600000) {
                fprintf(stderr, "ovs-offloadctl: --ovsdb-timeout wants milliseconds (1..600000), "
                        "not '%s'\n", optarg);
                return OO_EXIT_USAGE;
            }
            opts.ovsdb_timeout_ms = (int)v;
            break;
        case OPT_LOCK_TIMEOUT:
            errno = 0;
            v = strtol(optarg, &end, 10);
            if (!*optarg || *end || errno || v < 0 || v > 86400) {
                fprintf(stderr, "ovs-offloadctl: --lock-timeout wants seconds from 0 to 86400, "
                        "not '%s'\n", optarg);
                return OO_EXIT_USAGE;
            }
            opts.lock_timeout_s = (int)v;
            break;
        case 'v': oo_log_set_level(OO_LOG_DEBUG); break;
        case 'h': usage(stdout); return OO_EXIT_OK;
        case 'V': printf("ovs-offloadctl %s\n", OO_VERSION); return OO_EXIT_OK;
        default:
            fputs("Try 'ovs-offloadctl --help'.\n", stderr);
            return OO_EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        fputs("ovs-offloadctl: no command given. Try 'ovs-offloadctl --help'.\n", stderr);
        return OO_EXIT_USAGE;
    }
    cmd = argv[optind];
    if (optind + 1 < argc) {
        fprintf(stderr, "ovs-offloadctl: unexpected argument '%s' after %s\n",
                argv[optind + 1], cmd);
        return OO_EXIT_USAGE;
    }
    if (opts.config && opts.hostconf) {
        fputs("ovs-offloadctl: -c and --hostconf are exclusive: give one config\n", stderr);
        return OO_EXIT_USAGE;
    }
    if (!strcmp(cmd, "check"))
        return cmd_check(&opts);
    if (!strcmp(cmd, "plan"))
        return cmd_plan(&opts);
    if (!strcmp(cmd, "apply"))
        return opts.dry_run ? cmd_plan(&opts) : cmd_apply(&opts);
    if (!strcmp(cmd, "doctor"))
        return cmd_doctor(&opts);
    if (!strcmp(cmd, "status") && !opts.db && (opts.config || opts.hostconf)) {
        /* Only for the config's ovs.db: status reads the host, not the config. */
        struct oo_config cfg;
        struct oo_cfg_diag diag;
        const char *path;
        int rc = load_config(&opts, &cfg, &diag, &path);

        if (rc)
            print_diag(&opts, path, &diag);
        else
            opts.db = db = ovs_remote(&opts, &cfg);
        oo_cfg_diag_free(&diag);
        oo_config_free(&cfg);
        if (rc)
            return rc;
    }
    if (!strcmp(cmd, "status") && !opts.db)
        opts.db = db = default_config_db(&opts);
    if (!opts.db)
        opts.db = db = default_db();
    if (!strcmp(cmd, "status"))
        return cmd_status(&opts);
    fprintf(stderr, "ovs-offloadctl: unknown command '%s'. Try 'ovs-offloadctl --help'.\n", cmd);
    return OO_EXIT_USAGE;
}
