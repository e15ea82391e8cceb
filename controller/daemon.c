/* ovs-offloadd: keeps the host converged to its config.
 *
 * One poll loop (libopenvswitch's, through ovsdb/loop.h) with run()/wait()
 * pairs over every source of work:
 *
 *   - rtnetlink: one socket on RTNLGRP_LINK (with RTNLGRP_IPV6_IFINFO: IPv6
 *     turned back on for an up netdev is announced there only) and one on
 *     RTNLGRP_TC;
 *   - devlink: the generic netlink "config" multicast group;
 *   - OVSDB: an IDL connection kept open only to hear about changes
 *     (ovsdb/loop.h, oo_ovsdb_watch); every pass still reads OVSDB afresh;
 *   - signals: SIGHUP reloads, SIGTERM/SIGINT exit (a self-pipe);
 *   - with --watch-config, inotify on the config file's directory
 *     (controller/cfgwatch.h): a changed file is reloaded once writes
 *     settle;
 *   - unixctl (`ovs-appctl -t ovs-offloadd ...`) and the /metrics server;
 *   - timers: the debounce of a burst of events, the backoff after failures,
 *     the periodic full resync.
 *
 * Events only mark work dirty (controller/reconcile.h, struct oo_sched);
 * the work is a reconcile pass: observe -> plan -> apply, exactly what
 * `ovs-offloadctl apply` does, always from a full observation. A netlink
 * overflow (ENOBUFS) is just an event that says "anything may have changed",
 * which is what every pass assumes anyway. The events a pass causes itself are
 * drained when the next pass starts and never trusted: a pass that changed
 * the host is followed by one verification pass, and a pass that plans
 * nothing ends the chain.
 *
 * Everything above runs in this one thread: while a pass runs (it may wait
 * for VFs), unixctl requests wait in their socket's backlog. /metrics is
 * served by a second thread (controller/metrics.h) from the last text this
 * loop published: rendered whole at the start and end of each pass and
 * whenever a counter changed, so a scrape never waits for a pass and never
 * sees half of one; ovs_offload_reconcile_in_progress says a pass runs. That
 * thread touches nothing else of the daemon's. */

#include "controller/daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <linux/netlink.h>
#include <malloc.h>
#include <linux/rtnetlink.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "common/json.h"
#include "common/log.h"
#include "common/nlsock.h"
#include "common/util.h"
#include "config/config.h"
#include "controller/cfgwatch.h"
#include "controller/ctl.h"
#include "controller/daemonstate.h"
#include "controller/hostlock.h"
#include "controller/metrics.h"
#include "controller/observe.h"
#include "controller/plan.h"
#include "controller/reconcile.h"
#include "controller/status.h"
#include "devlink/genl.h"
#include "ovsdb/loop.h"
#include "ovsdb/ovsdb.h"

#define OO_DEFAULT_CONFIG "/etc/ovs-offload/config.yaml"
#define PROGRAM "ovs-offloadd"

/* How often an unchanged failure or blocker is logged again. */
#define REPEAT_LOG_MS (10 * 60 * 1000)
/* Receive buffer asked for each event socket: room for a burst (10 000 tc
 * notifications of ~1 KiB) before the kernel drops events (ENOBUFS). */
#define EVENT_RCVBUF (16 * 1024 * 1024)
/* recv() calls per event socket and loop iteration before yielding. */
#define EVENT_BATCH 64
/* --watch-config: the file is read this long after the last event that may
 * concern it (an editor's save, an agent's write then rename). */
#define CFG_SETTLE_MS 500

#define LOG_ERR(...) oo_loop_log(OO_LOOP_LOG_ERR, __VA_ARGS__)
#define LOG_WARN(...) oo_loop_log(OO_LOOP_LOG_WARN, __VA_ARGS__)
#define LOG_INFO(...) oo_loop_log(OO_LOOP_LOG_INFO, __VA_ARGS__)
#define LOG_DBG(...) oo_loop_log(OO_LOOP_LOG_DBG, __VA_ARGS__)

struct daemon_opts {
    const char *config;             /* -c FILE */
    const char *hostconf;           /* --hostconf FILE */
    const char *db;                 /* --db REMOTE */
    int ovsdb_timeout_ms;           /* --ovsdb-timeout MS */
    const char *metrics;            /* --metrics ADDR, "none" */
    int64_t resync_s;               /* --resync SECONDS, 0 = never */
    int64_t debounce_ms;            /* --debounce MS */
    const char *unixctl;            /* --unixctl PATH */
    const char *pidfile;            /* --pidfile FILE */
    const char *log_file;           /* --log-file FILE */
    bool detach;                    /* --detach */
    bool verbose;                   /* -v */
    bool full_dumps;                /* --full-dumps: no tc cache, no terse dumps */
    bool watch_config;              /* --watch-config */
};

/* One netlink socket subscribed to a multicast group. */
struct event_sock {
    int source;                     /* enum oo_event_source */
    uint32_t group;                 /* the multicast group */
    bool left;                      /* out of the group for the pass's own writes */
    struct oo_nl nl;                /* nl.sock NULL when not open */
    bool (*relevant)(const struct nlmsghdr *nlh);
    bool overflowed;                /* an ENOBUFS not reported yet */
};

enum job_kind { JOB_STATUS, JOB_PLAN };

/* A unixctl request answered from the loop rather than from its handler:
 * it needs the host observed (or a pass run). */
struct job {
    struct oo_unixctl_conn *conn;
    int kind;                       /* enum job_kind */
    bool json;
};

struct daemon {
    struct daemon_opts opts;
    const char *cfg_path;           /* the config file (YAML or host.conf) */
    bool hostconf;                  /* cfg_path is a host.conf */
    struct oo_config cfg;           /* the config in force */
    int64_t cfg_loaded_wall_ms;     /* when it was loaded */
    char *remote;                   /* the OVSDB remote of cfg (or --db) */
    char *rundir;                   /* OVS_RUNDIR or /var/run/openvswitch */

    struct oo_sched sched;
    struct oo_reconcile_stats stats;
    bool lost_events;               /* an ENOBUFS since the last pass began */
    bool last_ovs_reachable;        /* the last pass could read OVSDB */
    int last_result;                /* of the last pass, -1 before */
    struct oo_repeat blocked_log;   /* the plan's errors */
    struct oo_repeat failed_log;    /* a failure's message */
    struct oo_repeat notes_log;     /* the plan's notes */
    uint64_t burst_events[OO_EVENT_SOURCE_MAX]; /* events since the last pass started */
    struct oo_tc_cache tc_cache;    /* owned filters verified in full (tccache.h) */
    struct oo_tc_cache_stats tc_cache_last; /* what the last pass made of it */

    struct event_sock link_ev, tc_ev, devlink_ev;
    struct oo_ovsdb_watch *watch;
    bool watch_lost;                /* the watcher lost its connection */
    bool watch_primed;              /* the watcher's first snapshot was seen */
    bool watch_paused;              /* closed for the running pass's OVS restart */

    int sig_fd[2];                  /* self-pipe: the handler writes the signal number */
    bool reload_requested;

    /* --watch-config */
    struct oo_cfg_watch cfg_watch;
    struct oo_cfg_watch hc_watch;   /* the host.conf the config in force names */
    char *hc_watch_path;            /* ... at this path, NULL none */
    int64_t cfg_settle_ms;          /* look at the file then, 0: no event pending */
    uint64_t cfg_rejected_digest;   /* oo_digest() of the bytes the watch last reloaded
                                     * and had rejected, 0 none (as oo_config.digest) */
    bool cfg_missing_logged;        /* the file's absence was logged */
    uint64_t nic_wait_digest;       /* digest of host.conf bytes rejected only for offload
                                     * NICs with no netdev, 0 none (nic_retry_run) */
    char *nic_wait_hostconf;        /* the host.conf that YAML named, NULL none */
    bool nic_retry;                 /* a link appeared since: load them again */
    bool exiting;

    struct oo_unixctl_server *ctl;
    char *ctl_path;
    struct oo_http *http;
    struct oo_http_thread *http_thread; /* serves http from metrics */

    /* /metrics: the board holds the text the HTTP thread serves; the rest is
     * the main thread's. */
    struct oo_metrics_board *metrics;
    char *host_text;                /* host metrics of the last pass's observation */
    size_t host_len;
    bool pass_running;              /* between the start and the end of a pass */
    int64_t pass_start_wall_ms;     /* when the running or last pass started, 0 never */
    struct oo_reconcile_stats published; /* stats as last published */
    bool published_running;         /* ... and pass_running then */
    bool published_once;
    int64_t trim_due_ms;            /* memory_trim() then, 0 none pending */

    struct oo_unixctl_conn **reconcile_waiters; /* `reconcile` requests waiting for a pass */
    size_t n_reconcile_waiters;
    struct job *jobs;
    size_t n_jobs;

    int pid_fd;                     /* the locked pidfile, -1 none */
    char *pid_path;

    /* The host lock (controller/hostlock.h), held during each pass. */
    struct oo_host_lock host_lock;
    int64_t lock_wait_since_ms;     /* a due pass waits for another holder since, 0 not */
    int64_t lock_retry_ms;          /* ... and tries again then */
    bool lock_err_logged;           /* the lock cannot be taken at all: said once */
    char lock_holder[256];          /* who holds it while a pass waits */

    FILE *progress;                 /* apply's progress lines, into the log */
    char progress_line[512];
    size_t progress_len;
    char pass_header[160];          /* "reconcile (event: 2 link)", while a pass runs */
    bool pass_announced;            /* "<header>: applying the plan" logged: before the
                                     * pass's first progress line */
    int64_t ovs_restarted_ms;       /* when the last pass that ran ovs.restart_command
                                     * ended, 0 never */
};

/* ---------------------------------------------------------------- small helpers */

static void log_to_vlog(enum oo_log_level level, const char *fmt, va_list ap)
{
    static const int levels[] = {
        [OO_LOG_ERR] = OO_LOOP_LOG_ERR, [OO_LOG_WARN] = OO_LOOP_LOG_WARN,
        [OO_LOG_INFO] = OO_LOOP_LOG_INFO, [OO_LOG_DEBUG] = OO_LOOP_LOG_DBG,
    };

    oo_loop_logv(levels[level], fmt, ap);
}

static int64_t wall_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Gives the memory of a pass or a config back to the system: glibc keeps
 * freed heap (the YAML tree of a big config, the netlink dumps of 10 000
 * filters) mapped otherwise, and the daemon's RSS would stay at its peak.
 * Cheap next to a pass or a config load. */
static void memory_trim(void)
{
    malloc_trim(0);
}

/* After a pass that found the host in sync, the trim waits until the daemon
 * has been quiet this long: passes in a burst (resyncs, events that changed
 * nothing, reconcile requests) reuse the heap instead of faulting it in
 * again, each page zeroed by the kernel. At 10 000 rules that was ~50 ms
 * of a ~300 ms no-op pass (perf in the guest: clear_page_erms, 16% of the
 * daemon's samples). */
#define TRIM_QUIET_MS 3000

/* The deferred trim alone did not keep the heap: glibc mmaps a block above
 * its (self-raising) mmap threshold and unmaps it on free, and free() itself
 * shrinks the heap once its free top passes the trim threshold. A pass's
 * big arrays (10 000 filters of 720 bytes, observed and desired) were
 * faulted in again by every pass either way. Fixed thresholds keep them in
 * the heap; memory_trim() is then what gives memory back. */
static void memory_policy(void)
{
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
}

static char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *xasprintf(const char *fmt, ...)
{
    va_list ap;
    char *s;

    va_start(ap, fmt);
    if (vasprintf(&s, fmt, ap) < 0)
        abort();
    va_end(ap);
    return s;
}

/* "12 s", "1.5 s", "250 ms" */
static const char *fmt_ms(int64_t ms, char *buf, size_t size)
{
    if (ms < 1000)
        snprintf(buf, size, "%" PRId64 " ms", ms);
    else if (ms < 10000)
        snprintf(buf, size, "%.1f s", (double)ms / 1000);
    else
        snprintf(buf, size, "%" PRId64 " s", (ms + 500) / 1000);
    return buf;
}

/* ---------------------------------------------------------------- systemd */

/* sd_notify(3) without libsystemd: one datagram to $NOTIFY_SOCKET. */
static void sd_notify_msg(const char *msg)
{
    const char *path = getenv("NOTIFY_SOCKET");
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    size_t n;
    int fd;

    if (!path || (path[0] != '/' && path[0] != '@'))
        return;
    n = strlen(path);
    if (n >= sizeof sa.sun_path)
        return;
    memcpy(sa.sun_path, path, n);
    if (path[0] == '@')
        sa.sun_path[0] = '\0'; /* abstract namespace */
    fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return;
    sendto(fd, msg, strlen(msg), MSG_NOSIGNAL, (struct sockaddr *)&sa,
           (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n));
    close(fd);
}

/* ---------------------------------------------------------------- config */

static char *default_db(void)
{
    const char *rundir = getenv("OVS_RUNDIR");

    if (!rundir || !*rundir)
        return oo_strdup(OO_OVSDB_DEFAULT_REMOTE);
    return xasprintf("unix:%s/db.sock", rundir);
}

static char *remote_of(const struct daemon *d, const struct oo_config *cfg)
{
    if (d->opts.db)
        return oo_strdup(d->opts.db);
    if (cfg->ovs.at[OO_CFG_OVS_DB].line)
        return oo_strdup(cfg->ovs.db);
    return default_db();
}

/* Loads and validates the config file. On errors, logs each as
 * FILE:LINE:COL: KEY: message and returns -errno; *ret_text (may be NULL)
 * gets them as one text. *missing_nics (may be NULL) says whether the errors
 * are all offload NICs the host has no netdev of (host.conf mode): the
 * caller may wait for them; with quiet_missing, such errors are not logged. */
static int load_config(const struct daemon *d, struct oo_config *cfg, char **ret_text, bool *missing_nics,
                       bool quiet_missing)
{
    struct oo_cfg_diag diag;
    bool quiet = false;
    int r;

    if (ret_text)
        *ret_text = NULL;
    oo_cfg_diag_init(&diag, d->cfg_path);
    r = d->hostconf ? oo_config_load_hostconf(d->cfg_path, cfg, &diag)
                    : oo_config_load_yaml(d->cfg_path, cfg, &diag);
    oo_cfg_diag_sort(&diag);
    if (missing_nics) {
        *missing_nics = r < 0 && diag.n_missing_nics && diag.n_missing_nics == oo_cfg_diag_count(&diag);
        quiet = *missing_nics && quiet_missing;
    }
    if (r < 0) {
        char line[1024];
        for (size_t i = 0; i < diag.n_errors && !quiet; i++)
            LOG_ERR("%s", oo_cfg_error_format(&diag, i, line, sizeof line));
        if (diag.n_dropped && !quiet)
            LOG_ERR("%s: ... and %zu more errors", d->cfg_path, diag.n_dropped);
        if (ret_text) {
            char *buf = NULL;
            size_t len = 0;
            FILE *f = open_memstream(&buf, &len);
            if (f) {
                oo_cfg_diag_print(&diag, f);
                fclose(f);
                *ret_text = buf;
            }
        }
    }
    oo_cfg_diag_free(&diag);
    return r;
}

static void log_config_summary(const struct daemon *d, const char *what)
{
    const struct oo_config *c = &d->cfg;

    LOG_INFO("%s %s: %zu PF%s, %zu bond%s, %zu bridge%s, %zu tc rule%s; OVSDB %s", what, d->cfg_path,
             c->n_pfs, c->n_pfs == 1 ? "" : "s", c->n_bonds, c->n_bonds == 1 ? "" : "s",
             c->n_bridges, c->n_bridges == 1 ? "" : "s", c->n_rules, c->n_rules == 1 ? "" : "s",
             d->remote);
}

/* Publishes the config in force, for ovs-offloadctl to see (daemonstate.h).
 * rejected_ms: when a reload was just rejected, else 0. */
static void publish_config(struct daemon *d, int64_t rejected_ms)
{
    struct oo_daemon_state s = { .hostconf = d->hostconf, .digest = d->cfg.digest,
                                 .loaded_ms = d->cfg_loaded_wall_ms, .rejected_ms = rejected_ms,
                                 .watching = d->cfg_watch.fd >= 0,
                                 .awaits_nics = rejected_ms && d->nic_wait_digest };
    char *abs = realpath(d->cfg_path, NULL);
    int r;

    oo_strlcpy(s.config, abs ? abs : d->cfg_path, sizeof s.config);
    free(abs);
    /* Locked by us while we run: how a reader in another pid namespace
     * tells that we are alive (daemonstate.h). */
    abs = realpath(d->pid_path, NULL);
    if (abs && !oo_strlcpy(s.pidfile, abs, sizeof s.pidfile))
        s.pidfile[0] = '\0';
    free(abs);
    if ((r = oo_daemon_state_write("", &s)) < 0)
        LOG_WARN("cannot write %s: %s; ovs-offloadctl apply cannot tell then that this daemon "
                 "enforces %s, and an apply of another config is undone by the next pass",
                 OO_DAEMON_STATE_PATH, strerror(-r), d->cfg_path);
}

static void watch_start(struct daemon *d)
{
    int r;

    oo_ovsdb_watch_destroy(d->watch);
    d->watch = NULL;
    d->watch_lost = false;
    d->watch_primed = false;
    r = oo_ovsdb_watch_create(d->remote, &d->watch);
    if (r < 0)
        LOG_WARN("cannot watch OVSDB at %s (%s): its changes are only seen by the periodic resync",
                 d->remote, strerror(-r));
}

static void hc_watch_sync(struct daemon *d);

/* A valid config loaded: it replaces the one in force, and a pass applies
 * it. what: how it came, for the log ("config reloaded from"). */
static void adopt_config(struct daemon *d, struct oo_config *cfg, const char *what)
{
    char *remote;

    oo_config_free(&d->cfg);
    d->cfg = *cfg;
    d->cfg_loaded_wall_ms = wall_ms();
    d->nic_wait_digest = 0;
    d->nic_retry = false;
    d->cfg_rejected_digest = 0;
    hc_watch_sync(d);
    remote = remote_of(d, &d->cfg);
    if (strcmp(remote, d->remote)) {
        free(d->remote);
        d->remote = remote;
        watch_start(d);
    } else {
        free(remote);
    }
    memset(&d->blocked_log, 0, sizeof d->blocked_log);
    memset(&d->failed_log, 0, sizeof d->failed_log);
    memset(&d->notes_log, 0, sizeof d->notes_log);
    log_config_summary(d, what);
    publish_config(d, 0);
    oo_tc_cache_invalidate(&d->tc_cache);
    oo_sched_urgent(&d->sched, OO_TRIGGER_RELOAD);
    sd_notify_msg(d->sched.ran ? "READY=1\nSTATUS=config reloaded" : "STATUS=config reloaded");
    memory_trim(); /* the old config, and the new one's YAML tree */
}

/* Says that a reload was rejected (r), what stays in force and what to do:
 * wait for the NICs (nic_wait_digest), fix the file, reload. */
static void log_reload_rejected(const struct daemon *d, int r)
{
    char when[32];

    LOG_ERR("config reload rejected (%s): still enforcing the config loaded at %s; %s %s %s",
            strerror(-r), oo_fmt_wall_ms(d->cfg_loaded_wall_ms, when, sizeof when),
            d->nic_wait_digest ? "it is loaded again when a link appears; or fix" : "fix",
            d->cfg_path, d->cfg_watch.fd >= 0
                ? "(it is reloaded when it changes: --watch-config)"
                : "and reload again (SIGHUP or ovs-appctl -t " PROGRAM " reload)");
}

/* SIGHUP or `reload`: the new config replaces the old one only if valid.
 * Returns 0, or -errno with *ret_text (may be NULL) saying why. A host.conf
 * rejected only because an offload NIC it names has no netdev yet (a bond
 * the host agent makes after writing the file) is loaded again when a link
 * appears (nic_retry_run). */
static int reload(struct daemon *d, char **ret_text)
{
    struct oo_config cfg;
    bool missing = false;
    uint64_t digest;
    int r;

    /* Before the first pass, systemd still waits for READY=1 (sent when
     * that pass ends): a reload then must not send it (units ordered after
     * this one would start before the host is converged), nor RELOADING=1. */
    if (d->sched.ran)
        sd_notify_msg("RELOADING=1\nSTATUS=reloading the config");
    r = load_config(d, &cfg, ret_text, &missing, false);
    oo_stats_record_reload(&d->stats, r >= 0, wall_ms());
    if (r < 0) {
        d->nic_wait_digest = missing && oo_config_file_digest(d->cfg_path, cfg.hostconf, &digest) == 0
                             ? digest : 0;
        free(d->nic_wait_hostconf);
        d->nic_wait_hostconf = d->nic_wait_digest && cfg.hostconf ? oo_strdup(cfg.hostconf) : NULL;
        d->nic_retry = false;
        oo_config_free(&cfg);
        log_reload_rejected(d, r);
        publish_config(d, wall_ms());
        sd_notify_msg(d->sched.ran ? "READY=1\nSTATUS=config reload rejected: old config kept"
                                    : "STATUS=config reload rejected: old config kept");
        memory_trim();
        return r;
    }
    adopt_config(d, &cfg, "config reloaded from");
    return 0;
}

/* A host.conf rejected for offload NICs with no netdev (reload) is loaded
 * again, quietly, after links appeared; adopted once they are all there. Its
 * bytes changed meanwhile: the watch or the next reload takes it from there. */
static void nic_retry_run(struct daemon *d)
{
    struct oo_config cfg;
    bool missing = false;
    uint64_t digest;
    int r;

    if (!d->nic_retry)
        return;
    d->nic_retry = false;
    if (oo_config_file_digest(d->cfg_path, d->nic_wait_hostconf, &digest) < 0 ||
        digest != d->nic_wait_digest) {
        d->nic_wait_digest = 0;
        return;
    }
    r = load_config(d, &cfg, NULL, &missing, true);
    if (r < 0) {
        oo_config_free(&cfg);
        /* Other errors now (logged): the NIC came, but not as host.conf
         * needs it. Rejected for good, as a reload would be. */
        if (!missing) {
            d->nic_wait_digest = 0;
            log_reload_rejected(d, r);
            publish_config(d, wall_ms());
        }
        return;
    }
    oo_stats_record_reload(&d->stats, true, wall_ms());
    LOG_INFO("%s: the offload NICs it names are there now", d->cfg_path);
    adopt_config(d, &cfg, "config reloaded from");
}

/* ---------------------------------------------------------------- --watch-config */

/* With --watch-config, the host.conf that the config in force names
 * (`hostconf:`) is watched as well: host-agent rewrites it. Called when the
 * config in force changes. */
static void hc_watch_sync(struct daemon *d)
{
    const char *want = d->cfg.hostconf;
    int r;

    if (d->cfg_watch.fd < 0 || (want && d->hc_watch_path && !strcmp(want, d->hc_watch_path)))
        return;
    oo_cfg_watch_close(&d->hc_watch);
    free(d->hc_watch_path);
    d->hc_watch_path = NULL;
    if (!want)
        return;
    if ((r = oo_cfg_watch_open(&d->hc_watch, want)) < 0) {
        LOG_WARN("cannot watch %s, which %s names, for changes (%s): reload the daemon after "
                 "host-agent changes it (systemctl reload ovs-offloadd)", want, d->cfg_path,
                 strerror(-r));
        return;
    }
    d->hc_watch_path = oo_strdup(want);
}

static void cfg_watch_start(struct daemon *d)
{
    int r;

    if (!d->opts.watch_config)
        return;
    if ((r = oo_cfg_watch_open(&d->cfg_watch, d->cfg_path)) < 0)
        LOG_WARN("cannot watch %s for changes (%s%s): reload the daemon after each change "
                 "(systemctl reload ovs-offloadd)", d->cfg_path, strerror(-r),
                 r == -EMFILE || r == -ENOSPC ? "; raise fs.inotify.max_user_instances or "
                                                "max_user_watches" : "");
    hc_watch_sync(d);
}

static void cfg_watch_rearm(struct oo_cfg_watch *w, const char *path)
{
    int r = oo_cfg_watch_rearm(w, path);

    if (r < 0)
        LOG_WARN("cannot watch the directory of %s again (%s): its changes may go unseen until "
                 "the daemon restarts; reload it by hand after changes", path, strerror(-r));
}

/* Events that may concern the config file start (or restart) the settle
 * delay; once it passes, the file is read, and reloaded if its bytes are
 * neither the config in force nor ones the watch already had rejected. */
static void cfg_watch_run(struct daemon *d)
{
    char when[32];
    uint64_t digest;
    int r;

    if (d->cfg_watch.fd < 0)
        return;
    r = oo_cfg_watch_read(&d->cfg_watch);
    if (r < 0) {
        LOG_WARN("the watch on %s failed (%s) and stops: reload the daemon after each change "
                 "(systemctl reload ovs-offloadd), or restart it to watch again", d->cfg_path,
                 strerror(-r));
        oo_cfg_watch_close(&d->cfg_watch);
        oo_cfg_watch_close(&d->hc_watch);
        d->cfg_settle_ms = 0;
        /* No longer watching: ovs-offloadctl's advice changes with it. */
        publish_config(d, d->stats.last_reload_ok == 0 ? d->stats.last_reload_wall_ms : 0);
        return;
    }
    if (r > 0)
        d->cfg_settle_ms = oo_now_ms() + CFG_SETTLE_MS;
    if (d->hc_watch.fd >= 0) {
        r = oo_cfg_watch_read(&d->hc_watch);
        if (r < 0) {
            LOG_WARN("the watch on %s failed (%s) and stops: reload the daemon after host-agent "
                     "changes it (systemctl reload ovs-offloadd)", d->hc_watch_path, strerror(-r));
            oo_cfg_watch_close(&d->hc_watch);
        } else if (r > 0) {
            d->cfg_settle_ms = oo_now_ms() + CFG_SETTLE_MS;
        }
    }
    if (!d->cfg_settle_ms || oo_now_ms() < d->cfg_settle_ms)
        return;
    d->cfg_settle_ms = 0;
    /* Follow a target or directory that was replaced. */
    cfg_watch_rearm(&d->cfg_watch, d->cfg_path);
    if (d->hc_watch.fd >= 0)
        cfg_watch_rearm(&d->hc_watch, d->hc_watch_path);
    r = oo_config_file_digest(d->cfg_path, d->cfg.hostconf, &digest);
    if (r < 0) {
        if (!d->cfg_missing_logged)
            LOG_WARN("%s cannot be read (%s): still enforcing the config loaded at %s; it is "
                     "loaded again when it is back", d->cfg_path, strerror(-r),
                     oo_fmt_wall_ms(d->cfg_loaded_wall_ms, when, sizeof when));
        d->cfg_missing_logged = true;
        return;
    }
    d->cfg_missing_logged = false;
    if (digest == d->cfg.digest) {
        LOG_DBG("%s%s%s was written, but holds the config in force: nothing to reload", d->cfg_path,
                d->cfg.hostconf ? " or " : "", d->cfg.hostconf ? d->cfg.hostconf : "");
        d->cfg_rejected_digest = 0;
        return;
    }
    if (digest == d->cfg_rejected_digest)
        return;                 /* rejected, and said so, already */
    LOG_INFO("%s%s%s changed: reloading it (--watch-config)", d->cfg_path,
             d->cfg.hostconf ? " or the host.conf it names, " : "", d->cfg.hostconf ? d->cfg.hostconf : "");
    r = reload(d, NULL);
    d->cfg_rejected_digest = r < 0 ? digest : 0;
}

/* ---------------------------------------------------------------- host.conf at boot */

/* How long a start in host.conf mode waits for the offload NICs it names. */
#define NIC_WAIT_S 120

/* host.conf mode, at start: telling a bond from a PF needs the NICs that
 * host.conf names, and at boot the admin's bond is made by networking
 * (ifupdown's networking.service, NetworkManager), which systemd may run
 * after this unit (ordered after Open vSwitch, which comes before the
 * network). So while every error is such a missing NIC, the file is loaded
 * again every 500 ms, for up to NIC_WAIT_S; then the errors are logged and
 * the start fails as for any config error. text: the errors of the first
 * load. Signals are not handled yet: SIGTERM ends the wait and the process. */
static int await_offload_nics(struct daemon *d, const char *text)
{
    int64_t t0 = oo_now_ms();
    char first[512] = "";
    bool missing = true;
    int r = -EINVAL;

    if (text)
        snprintf(first, sizeof first, "%.*s", (int)strcspn(text, "\n"), text);
    LOG_INFO("%s names an offload NIC this host has no netdev of yet (%s): waiting up to %d s for it "
             "(at boot, networking makes the admin's bonds)", d->cfg_path, first, NIC_WAIT_S);
    sd_notify_msg("STATUS=waiting for the offload NICs host.conf names");
    while (missing && oo_now_ms() - t0 < NIC_WAIT_S * 1000) {
        oo_sleep_ms(500);
        oo_config_free(&d->cfg);
        r = load_config(d, &d->cfg, NULL, &missing, true);
    }
    if (r == 0) {
        LOG_INFO("%s: the offload NICs are there after %.1f s", d->cfg_path,
                 (double)(oo_now_ms() - t0) / 1000);
    } else if (missing) {
        /* Logged now, as any config error. */
        oo_config_free(&d->cfg);
        r = load_config(d, &d->cfg, NULL, NULL, false);
    }
    return r;
}

/* ---------------------------------------------------------------- signals */

static int sig_write_fd = -1;
/* SIGTERM or SIGINT came: a pass in progress stops at its next step or wait
 * (oo_apply_opts.stop), so that a stop is not held up by a pass's waits
 * (each up to waits.timeout_s) past systemd's TimeoutStopSec. */
static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    unsigned char b = (unsigned char)sig;
    int saved = errno;

    if (sig == SIGTERM || sig == SIGINT)
        stop_requested = 1;

    if (write(sig_write_fd, &b, 1) < 0) {
        /* The pipe is full: enough signals are pending already. */
    }
    errno = saved;
}

static int signals_init(struct daemon *d)
{
    static const int sigs[] = { SIGHUP, SIGTERM, SIGINT };
    struct sigaction sa;

    if (pipe2(d->sig_fd, O_CLOEXEC | O_NONBLOCK) < 0)
        return -errno;
    sig_write_fd = d->sig_fd[1];
    /* The OVSDB layer's waits (a transaction's, a restart command's) look
     * at it too. */
    oo_ovsdb_set_stop(&stop_requested);
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < OO_ARRAY_SIZE(sigs); i++)
        if (sigaction(sigs[i], &sa, NULL) < 0)
            return -errno;
    /* Writes to a peer that went away (HTTP, unixctl) must fail with EPIPE,
     * not kill the daemon. */
    signal(SIGPIPE, SIG_IGN);
    return 0;
}

static void signals_run(struct daemon *d)
{
    unsigned char b[16];
    ssize_t n;

    while ((n = read(d->sig_fd[0], b, sizeof b)) > 0) {
        for (ssize_t i = 0; i < n; i++) {
            if (b[i] == SIGHUP) {
                LOG_INFO("SIGHUP: reloading %s", d->cfg_path);
                d->reload_requested = true;
            } else {
                LOG_INFO("%s: exiting", strsignal(b[i]));
                d->exiting = true;
            }
        }
    }
}

/* ---------------------------------------------------------------- pidfile */

/* Takes the single-instance lock: a POSIX write lock on the pidfile (the
 * kind OVS's pidfiles use, so `ovs-appctl -t ovs-offloadd` finds us), then
 * writes our pid. Returns 0, or -EBUSY with *ret_other the holder's pid, or
 * another -errno. */
static int pidfile_lock(const char *path, int *ret_fd, pid_t *ret_other)
{
    struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
    char line[32];
    int fd, r, n;

    *ret_fd = -1;
    *ret_other = 0;
    for (int tries = 0;; tries++) {
        struct stat a, b;

        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0)
            return -errno;
        if (fcntl(fd, F_SETLK, &fl) < 0) {
            r = -errno;
            if (r == -EAGAIN || r == -EACCES) {
                struct flock q = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
                if (fcntl(fd, F_GETLK, &q) == 0 && q.l_type != F_UNLCK)
                    *ret_other = q.l_pid;
                r = -EBUSY;
            }
            close(fd);
            return r;
        }
        /* An instance exiting unlinks its pidfile while it holds the lock
         * (pidfile_release): a file opened just before that is locked, but
         * no longer the one at path, and nobody would see this instance.
         * Open the path again. */
        if (fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino)
            break;
        close(fd);
        if (tries >= 10)
            return -EAGAIN;     /* replaced under us each time */
    }
    n = snprintf(line, sizeof line, "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) < 0 || pwrite(fd, line, (size_t)n, 0) != n) {
        r = -errno;
        close(fd);
        return r;
    }
    *ret_fd = fd;
    oo_daemon_state_own_pidfile(fd);
    return 0;
}

static void pidfile_release(struct daemon *d)
{
    if (d->pid_fd < 0)
        return;
    /* Unlinked while still locked: nobody can take a file we are deleting. */
    unlink(d->pid_path);
    close(d->pid_fd);
    d->pid_fd = -1;
}

/* ---------------------------------------------------------------- progress */

/* apply writes progress lines to a FILE; each complete line becomes a log
 * line ("[3/12] pf0: eswitch-mode legacy -> switchdev ... ok (120 ms)"). */
static ssize_t progress_write(void *cookie, const char *buf, size_t size)
{
    struct daemon *d = cookie;

    for (size_t i = 0; i < size; i++) {
        if (buf[i] == '\n' || d->progress_len == sizeof d->progress_line - 1) {
            d->progress_line[d->progress_len] = '\0';
            if (d->pass_header[0] && !d->pass_announced) {
                LOG_INFO("%s: applying the plan", d->pass_header);
                d->pass_announced = true;
            }
            if (d->progress_len)
                LOG_INFO("apply: %s", d->progress_line);
            d->progress_len = 0;
            if (buf[i] == '\n')
                continue;
        }
        d->progress_line[d->progress_len++] = buf[i];
    }
    return (ssize_t)size;
}

/* ---------------------------------------------------------------- events */

static int event_sock_open(struct event_sock *e, int source, int bus, uint32_t group,
                           bool (*relevant)(const struct nlmsghdr *))
{
    int fd, size = EVENT_RCVBUF, r;

    e->source = source;
    e->group = group;
    e->left = false;
    e->relevant = relevant;
    if ((r = oo_nl_open(&e->nl, bus)) < 0)
        return r;
    fd = mnl_socket_get_fd(e->nl.sock);
    if (mnl_socket_setsockopt(e->nl.sock, NETLINK_ADD_MEMBERSHIP, &group, sizeof group) < 0) {
        r = -errno;
        oo_nl_close(&e->nl);
        return r;
    }
    /* FORCE needs CAP_NET_ADMIN, which we have as a daemon; else the
     * system's rmem_max caps the plain request. */
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) < 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    return 0;
}

/* One more group on an open event socket, counted as its source's events. */
static int event_sock_join(struct event_sock *e, uint32_t group)
{
    if (mnl_socket_setsockopt(e->nl.sock, NETLINK_ADD_MEMBERSHIP, &group, sizeof group) < 0)
        return -errno;
    return 0;
}

static int devlink_events_open(struct event_sock *e)
{
    struct oo_genl_family fam;
    int64_t group;
    int r;

    if ((r = oo_nl_open(&e->nl, NETLINK_GENERIC)) < 0)
        return r;
    r = oo_genl_resolve(&e->nl, "devlink", &fam);
    oo_nl_close(&e->nl);
    if (r < 0)
        return r;
    group = oo_genl_group_id(&fam, "config");
    if (group < 0)
        return (int)group;
    return event_sock_open(e, OO_EVENT_DEVLINK, NETLINK_GENERIC, (uint32_t)group,
                           oo_devlink_event_relevant);
}

/* Reads what the socket has (at most EVENT_BATCH datagrams). mark: events
 * make the host dirty (false while a pass is about to observe anyway). */
static void event_sock_run(struct daemon *d, struct event_sock *e, bool mark)
{
    if (!e->nl.sock)
        return;
    for (int i = 0; i < EVENT_BATCH; i++) {
        ssize_t n = oo_nl_recv_nowait(&e->nl);
        bool dirty = false;

        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == ENOBUFS) {
                /* The kernel dropped notifications: whatever they said, the
                 * next pass reads everything. Whichever socket lost them
                 * (an RTM_DELLINK among them empties mirred actions with no
                 * tc notification), and now: the pass's trigger may not
                 * say overflow (drained just before it, or a request came
                 * first). */
                d->stats.overflows[e->source]++;
                d->lost_events = true;
                oo_tc_cache_invalidate(&d->tc_cache);
                if (!e->overflowed)
                    LOG_WARN("%s events lost (socket overflow): full resync",
                             oo_event_source_to_string(e->source));
                e->overflowed = true;
                if (mark)
                    oo_sched_event(&d->sched, OO_TRIGGER_OVERFLOW, oo_now_ms());
                continue;
            }
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                LOG_WARN("reading %s events: %s", oo_event_source_to_string(e->source),
                         strerror(errno));
            return;
        }
        e->overflowed = false;
        int len = (int)n;
        for (const struct nlmsghdr *nlh = e->nl.rxbuf; mnl_nlmsg_ok(nlh, len);
             nlh = mnl_nlmsg_next(nlh, &len)) {
            if (nlh->nlmsg_type < NLMSG_MIN_TYPE)
                continue;
            if (e->source == OO_EVENT_LINK && nlh->nlmsg_type == RTM_NEWLINK && d->nic_wait_digest)
                d->nic_retry = true;
            if (e->relevant(nlh)) {
                d->stats.events[e->source]++;
                d->burst_events[e->source]++;
                dirty = true;
                /* A tc change that is not OVS's may be a filter of ours
                 * rewritten in place: the next pass reads its place in
                 * full (tccache.h). */
                if (e->source == OO_EVENT_TC)
                    oo_tc_cache_touch(&d->tc_cache, nlh);
                /* A netdev unregistered (deleted, or moved to another
                 * namespace) is dropped from every mirred action that
                 * pointed at it, with no tc notification: a redirect of
                 * ours to it now leads nowhere, also once it is back at its
                 * old ifindex. Only a full read shows that. */
                else if (e->source == OO_EVENT_LINK && nlh->nlmsg_type == RTM_DELLINK)
                    oo_tc_cache_invalidate(&d->tc_cache);
            } else {
                d->stats.events_ignored[e->source]++;
            }
        }
        /* Bytes left over: a message larger than the buffer (a PF with
         * hundreds of VFs), truncated. Unread is not irrelevant, and says
         * no place: every tc filter is read in full. */
        if (len > 0) {
            d->stats.events[e->source]++;
            dirty = true;
            oo_tc_cache_invalidate(&d->tc_cache);   /* maybe an RTM_DELLINK too */
        }
        if (dirty && mark)
            oo_sched_event(&d->sched, OO_TRIGGER_EVENT, oo_now_ms());
    }
    /* More may be queued: come back without sleeping. */
    oo_loop_immediate_wake();
}

/* Around the pass's batches of tc writes (oo_apply_opts.tc_writes): out of
 * RTNLGRP_TC meanwhile. With no listener the kernel builds no notification
 * per filter (0.2 s of 1.6 s for 10 000 adds in the test guest), and the
 * daemon does not read back its own writes. What others change in that
 * window is seen by the verify pass that follows every pass that changed
 * something (oo_sched_end). */
static void tc_writes(void *arg, bool begin)
{
    struct event_sock *e = &((struct daemon *)arg)->tc_ev;
    int opt = begin ? NETLINK_DROP_MEMBERSHIP : NETLINK_ADD_MEMBERSHIP;

    if (!e->nl.sock || e->left == begin)
        return;
    if (mnl_socket_setsockopt(e->nl.sock, opt, &e->group, sizeof e->group) < 0) {
        LOG_WARN("tc events: cannot %s RTNLGRP_TC: %s%s", begin ? "leave" : "rejoin", strerror(errno),
                 begin ? "" : "; tc changes are seen by the periodic resync only (restart ovs-offloadd)");
        return;
    }
    e->left = begin;
}

static void event_sock_wait(struct event_sock *e)
{
    if (e->nl.sock)
        oo_loop_fd_wait(mnl_socket_get_fd(e->nl.sock), true, false);
}

/* How long after a pass that restarted Open vSwitch a lost OVSDB
 * connection is taken for that restart's. */
#define RESTART_DROP_MS 30000

static void watch_run(struct daemon *d, bool mark)
{
    unsigned bits = oo_ovsdb_watch_run(d->watch);

    if (bits & OO_WATCH_LOST) {
        /* The restart command of a pass just done restarts ovsdb-server too
         * (Debian's openvswitch-switch: both are PartOf it): expected, and
         * no warning, which alerting on the journal's priority would take
         * for a fault. The watcher only runs between passes. */
        if (d->ovs_restarted_ms && oo_now_ms() - d->ovs_restarted_ms < RESTART_DROP_MS)
            LOG_INFO("the OVSDB connection to %s closed after the Open vSwitch restart of the last "
                     "pass (ovs.restart_command restarts ovsdb-server too): reconnecting", d->remote);
        else
            LOG_WARN("lost the OVSDB connection to %s: reconnecting; OVS changes are not seen meanwhile",
                     d->remote);
        d->watch_lost = true;
    }
    if (bits & OO_WATCH_CONNECTED) {
        /* There for the first time since a pass that found it unreachable:
         * what that pass could not do is due now, backoff or not. Back
         * after a loss the last pass did not see (ovsdb-server restarted,
         * often by that pass's own OVS restart): a resync, but within the
         * backoff, or a restart that keeps failing would run again each
         * time OVS comes back instead of backing off. */
        if (d->sched.ran && !d->last_ovs_reachable) {
            LOG_INFO("OVSDB at %s is up: full resync", d->remote);
            oo_sched_urgent(&d->sched, OO_TRIGGER_OVSDB);
        } else if (d->watch_lost) {
            LOG_INFO("OVSDB at %s is back: full resync%s", d->remote,
                     d->sched.failures ? " once the backoff is over" : "");
            oo_sched_event(&d->sched, OO_TRIGGER_OVSDB, oo_now_ms());
        }
        d->watch_lost = false;
    }
    if (bits & OO_WATCH_LOST) {
        d->watch_primed = false;
    } else if (bits & OO_WATCH_CHANGED) {
        /* The first snapshot after (re)connecting is no change of the host
         * (a reconnection is handled above). */
        if (!d->watch_primed) {
            d->watch_primed = true;
        } else {
            d->stats.events[OO_EVENT_OVSDB]++;
            d->burst_events[OO_EVENT_OVSDB]++;
            if (mark)
                oo_sched_event(&d->sched, OO_TRIGGER_EVENT, oo_now_ms());
        }
    }
}

static void events_run(struct daemon *d, bool mark)
{
    event_sock_run(d, &d->link_ev, mark);
    event_sock_run(d, &d->tc_ev, mark);
    event_sock_run(d, &d->devlink_ev, mark);
    watch_run(d, mark);
}

/* ---------------------------------------------------------------- metrics */

/* Renders the whole /metrics text and swaps it in for the HTTP thread (and
 * the `metrics` command). Unless force, only when a counter or the pass state
 * changed since the last time: the loop calls this after every iteration. */
static void metrics_publish(struct daemon *d, bool force)
{
    char *text;
    size_t len;

    if (!force && d->published_once && d->published_running == d->pass_running &&
        !memcmp(&d->published, &d->stats, sizeof d->stats))
        return;
    text = oo_metrics_render_daemon(d->host_text, d->host_len, &d->stats, d->pass_running,
                                    d->pass_start_wall_ms, &len);
    oo_metrics_board_publish(d->metrics, text, len);
    memcpy(&d->published, &d->stats, sizeof d->stats);
    d->published_running = d->pass_running;
    d->published_once = true;
}

/* ---------------------------------------------------------------- the pass */

static void reply_waiters(struct daemon *d, bool ok, const char *text)
{
    for (size_t i = 0; i < d->n_reconcile_waiters; i++) {
        if (ok)
            oo_unixctl_reply(d->reconcile_waiters[i], text);
        else
            oo_unixctl_reply_error(d->reconcile_waiters[i], text);
    }
    d->n_reconcile_waiters = 0;
}

static void burst_text(const struct daemon *d, char *buf, size_t size)
{
    size_t len = 0;

    buf[0] = '\0';
    for (int s = 0; s < OO_EVENT_SOURCE_MAX && len < size; s++)
        if (d->burst_events[s])
            len += (size_t)snprintf(buf + len, size - len, "%s%" PRIu64 " %s", len ? ", " : "",
                                    d->burst_events[s], oo_event_source_to_string(s));
}

static void log_blocked(struct daemon *d, const struct oo_pass *p, int64_t now)
{
    unsigned suppressed = 0;
    char next[32];

    if (!oo_repeat_should_log(&d->blocked_log, oo_plan_errors_digest(&p->plan), now, REPEAT_LOG_MS,
                              &suppressed)) {
        LOG_DBG("reconcile still blocked by the same %zu error%s", p->plan.n_errors,
                p->plan.n_errors == 1 ? "" : "s");
        return;
    }
    LOG_WARN("%s: blocked: the plan has %zu error%s and nothing was changed%s:",
             d->pass_header[0] ? d->pass_header : "reconcile", p->plan.n_errors, p->plan.n_errors == 1 ? "" : "s",
             suppressed ? " (unchanged since the last report)" : "");
    for (size_t i = 0; i < p->plan.n_errors; i++)
        LOG_WARN("  %s: %s", p->plan.errors[i].object, p->plan.errors[i].message);
    LOG_WARN("fix the host or the config (ovs-offloadctl plan shows the same); next attempt in %s, "
             "or at once on reload or 'ovs-appctl -t " PROGRAM " reconcile'",
             fmt_ms(oo_sched_holdoff_ms(&d->sched), next, sizeof next));
}

static void log_notes(struct daemon *d, const struct oo_plan *plan, int64_t now)
{
    uint64_t h = 0;

    for (size_t i = 0; i < plan->n_notes; i++) {
        h = oo_digest_str(h, plan->notes[i].object);
        h = oo_digest_str(h, plan->notes[i].message);
    }
    if (!oo_repeat_should_log(&d->notes_log, h, now, REPEAT_LOG_MS, NULL))
        return;
    for (size_t i = 0; i < plan->n_notes; i++)
        LOG_INFO("note: %s: %s", plan->notes[i].object, plan->notes[i].message);
}

/* The log lines of a pass, and the answer to `reconcile` requests. */
static void report_pass(struct daemon *d, int trigger, const struct oo_pass *p, bool drift,
                        int64_t first_event, int64_t end, char *answer, size_t answer_size)
{
    const char *tname = oo_trigger_to_string(trigger);
    char dur[32], next[32], lat[32];
    bool was_in_sync = d->last_result == OO_PASS_IN_SYNC;
    /* Passes nobody asked for and that find nothing are not news. */
    bool quiet = was_in_sync && (trigger == OO_TRIGGER_EVENT || trigger == OO_TRIGGER_PERIODIC ||
                                 trigger == OO_TRIGGER_VERIFY || trigger == OO_TRIGGER_RETRY);

    switch (p->result) {
    case OO_PASS_IN_SYNC:
        oo_loop_log(quiet ? OO_LOOP_LOG_DBG : OO_LOOP_LOG_INFO, "%s: host in sync with %s (%s)",
                    d->pass_header, d->cfg_path, fmt_ms(p->ms, dur, sizeof dur));
        snprintf(answer, answer_size, "in sync: nothing to do (%s)\n", fmt_ms(p->ms, dur, sizeof dur));
        break;
    case OO_PASS_REPAIRED:
        if (drift && first_event && (trigger == OO_TRIGGER_EVENT || trigger == OO_TRIGGER_OVERFLOW))
            LOG_INFO("drift repaired: %zu step%s applied in %s, %s after the first event",
                     p->apply.n_done, p->apply.n_done == 1 ? "" : "s",
                     fmt_ms(p->apply.ms, dur, sizeof dur), fmt_ms(end - first_event, lat, sizeof lat));
        else if (drift)
            LOG_INFO("drift repaired: %zu step%s applied in %s (%s pass)", p->apply.n_done,
                     p->apply.n_done == 1 ? "" : "s", fmt_ms(p->apply.ms, dur, sizeof dur), tname);
        else
            LOG_INFO("%zu step%s applied in %s (%s pass); verifying", p->apply.n_done,
                     p->apply.n_done == 1 ? "" : "s", fmt_ms(p->apply.ms, dur, sizeof dur), tname);
        snprintf(answer, answer_size, "applied %zu step%s in %s\n", p->apply.n_done,
                 p->apply.n_done == 1 ? "" : "s", fmt_ms(p->apply.ms, dur, sizeof dur));
        break;
    case OO_PASS_BLOCKED: {
        size_t len;
        log_blocked(d, p, end);
        len = (size_t)snprintf(answer, answer_size, "blocked: the plan has %zu error%s:\n",
                               p->plan.n_errors, p->plan.n_errors == 1 ? "" : "s");
        for (size_t i = 0; i < p->plan.n_errors && len < answer_size; i++)
            len += (size_t)snprintf(answer + len, answer_size - len, "  %s: %s\n",
                                    p->plan.errors[i].object, p->plan.errors[i].message);
        break;
    }
    case OO_PASS_FAILED: {
        unsigned suppressed = 0;
        fmt_ms(oo_sched_holdoff_ms(&d->sched), next, sizeof next);
        if (p->applied && p->apply.err == -ECANCELED && stop_requested) {
            /* Asked to, on the way out: not an error of the host. */
            LOG_INFO("reconcile stopped after %zu of %zu steps to exit: %s", p->apply.n_done,
                     p->plan.n_steps, p->message);
        } else if (oo_repeat_should_log(&d->failed_log, oo_digest_str(0, p->message), end, REPEAT_LOG_MS,
                                 &suppressed)) {
            if (p->applied)
                LOG_ERR("reconcile failed after %zu of %zu steps: %s; retrying in %s%s", p->apply.n_done,
                        p->plan.n_steps, p->message, next,
                        suppressed ? " (the same failure as before)" : "");
            else
                LOG_ERR("%s: failed: %s; retrying in %s",
                        d->pass_header[0] ? d->pass_header : "reconcile", p->message, next);
        } else {
            LOG_DBG("reconcile failed again (%s); retrying in %s", p->message, next);
        }
        snprintf(answer, answer_size, "failed: %s\n", p->message);
        break;
    }
    }
    if (p->result != OO_PASS_BLOCKED)
        oo_repeat_should_log(&d->blocked_log, 0, end, 0, NULL);
    if (p->result != OO_PASS_FAILED)
        oo_repeat_should_log(&d->failed_log, 0, end, 0, NULL);
    log_notes(d, &p->plan, end);
}

/* The host metrics of a pass, rendered from its observation before it
 * applies anything (the pass frees the observation's tc filters then). */
struct pass_render {
    struct daemon *d;
    int64_t start_wall;
    char *text;
    size_t len;
};

static void pass_observed(void *arg, const struct oo_observed *obs)
{
    struct pass_render *r = arg;

    free(r->text);
    r->text = oo_metrics_render_host(obs, r->start_wall, &r->len);
}

/* A pass that applies starts from the steady heap: what earlier passes
 * left free and this one's observed filters go back first.
 *
 * A plan that restarts Open vSwitch cuts the OVSDB watch's connection
 * (Debian's openvswitch-switch restarts ovsdb-server with ovs-vswitchd):
 * libopenvswitch would log that drop and its reconnection attempts as
 * warnings, for a restart that was planned. So the watch is closed here and
 * opened again once the pass is over (OVS is back by then, or the pass
 * failed and says why); the pass verifies what it did in any case. */
static void pass_before_apply(void *arg, const struct oo_plan *plan)
{
    struct pass_render *r = arg;
    struct daemon *d = r->d;

    memory_trim();
    for (size_t i = 0; i < plan->n_steps && d->watch; i++) {
        if (plan->steps[i].kind != OO_STEP_OVS_RESTART)
            continue;
        LOG_DBG("closing the OVSDB watch on %s while the plan restarts Open vSwitch", d->remote);
        oo_ovsdb_watch_destroy(d->watch);
        d->watch = NULL;
        d->watch_paused = true;
    }
}

static void run_pass(struct daemon *d)
{
    struct pass_render render = { .d = d };
    struct oo_pass_opts popts = {
        .cfg = &d->cfg, .root = "", .ovs_remote = d->remote,
        .ovsdb_timeout_ms = d->opts.ovsdb_timeout_ms,
        .progress = d->progress, .tc_writes = tc_writes, .tc_writes_arg = d,
        .observed = pass_observed, .before_apply = pass_before_apply, .observed_arg = &render,
        .tc_cache = d->opts.full_dumps ? NULL : &d->tc_cache,
        .stop = &stop_requested,
    };
    struct oo_pass p;
    int64_t first_event, end, start_wall;
    char burst[128], answer[2048], status[160];
    uint64_t repairs;
    bool changed, lost_events;
    int trigger;

    /* The pass observes everything: what is queued now is accounted for. */
    events_run(d, false);
    lost_events = d->lost_events;
    d->lost_events = false;
    first_event = d->sched.dirty ? d->sched.first_ms : 0;
    trigger = oo_sched_begin(&d->sched, oo_now_ms());
    /* The periodic resync is the full read that catches what no event
     * told (tccache.h); so is a pass after lost events. */
    if (trigger == OO_TRIGGER_PERIODIC || trigger == OO_TRIGGER_OVERFLOW)
        oo_tc_cache_invalidate(&d->tc_cache);
    burst_text(d, burst, sizeof burst);
    snprintf(d->pass_header, sizeof d->pass_header, "reconcile (%s%s%s)", oo_trigger_to_string(trigger),
             burst[0] ? ": " : "", burst);
    d->pass_announced = false;
    LOG_DBG("%s: starting", d->pass_header);
    memset(d->burst_events, 0, sizeof d->burst_events);

    start_wall = wall_ms();
    render.start_wall = start_wall;
    /* Scrapes during the pass get the last pass's numbers, and this. */
    d->pass_running = true;
    d->pass_start_wall_ms = start_wall;
    metrics_publish(d, true);

    oo_reconcile_pass(&popts, &p);
    fflush(d->progress);
    d->tc_cache_last = p.tc_cache;
    if (popts.tc_cache)
        LOG_DBG("%s: tc dumps %s: %zu places terse, %zu dumped again in full (%zu named by tc "
                "notifications); %zu owned filters verified by the cache, %zu not; %zu cache entries",
                d->pass_header, p.tc_cache.terse ? "terse" : "full", p.tc_cache.places_terse,
                p.tc_cache.places_full, p.tc_cache.places_touched, p.tc_cache.verified, p.tc_cache.misses,
                p.tc_cache.entries);
    LOG_DBG("%s: observed in %.1f ms, settled the tc dumps in %.1f ms, planned in %.1f ms",
            d->pass_header, (double)p.observe_us / 1000, (double)p.settle_us / 1000,
            (double)p.plan_us / 1000);
    end = oo_now_ms();
    /* A pass that read tc terse leaves the resync where it was. */
    oo_sched_end(&d->sched, end, p.result, p.applied && p.apply.n_done > 0, oo_pass_full(&p));
    repairs = d->stats.drift_repairs;
    oo_stats_record_pass(&d->stats, trigger, lost_events, p.result, p.observe_err < 0 && d->cfg.n_pfs ? NULL : &p.plan,
                         p.applied ? p.apply.n_done : 0, p.ms, wall_ms());
    d->stats.backoff_ms = oo_sched_holdoff_ms(&d->sched);
    report_pass(d, trigger, &p, d->stats.drift_repairs != repairs, first_event, end, answer, sizeof answer);
    d->pass_header[0] = '\0';
    d->last_result = p.result;

    /* The host metrics of this pass (observed at its start) replace the last
     * pass's in one swap, with the counters the pass changed; the
     * observation itself is not kept. */
    free(d->host_text);
    d->host_text = render.text;     /* oo_reconcile_pass calls observed in every pass */
    d->host_len = render.len;
    d->last_ovs_reachable = p.obs.ovs.reachable;
    if (p.applied)
        for (size_t i = 0; i < p.plan.n_steps && i <= p.apply.n_done; i++)
            if (p.plan.steps[i].kind == OO_STEP_OVS_RESTART)
                d->ovs_restarted_ms = end;  /* it ran, whatever it returned */
    d->pass_running = false;
    metrics_publish(d, true);
    if (d->watch_paused) {
        d->watch_paused = false;
        watch_start(d);
    }
    changed = p.applied && p.apply.n_done > 0;
    oo_pass_free(&p);
    /* After a pass that changed the host, at once: the verification pass
     * that follows starts from the steady heap, not on top of what the
     * repair left free. */
    if (changed) {
        memory_trim();
        d->trim_due_ms = 0;
    } else {
        d->trim_due_ms = oo_now_ms() + TRIM_QUIET_MS;
    }

    reply_waiters(d, d->last_result == OO_PASS_IN_SYNC || d->last_result == OO_PASS_REPAIRED, answer);
    snprintf(status, sizeof status, "STATUS=last pass: %s (%s)",
             oo_pass_result_to_string(d->last_result), oo_trigger_to_string(trigger));
    sd_notify_msg(status);
}

/* ---------------------------------------------------------------- unixctl */

static void add_job(struct daemon *d, struct oo_unixctl_conn *conn, int kind, bool json)
{
    d->jobs = oo_realloc(d->jobs, (d->n_jobs + 1) * sizeof *d->jobs);
    d->jobs[d->n_jobs++] = (struct job){ .conn = conn, .kind = kind, .json = json };
}

/* argv[1] may be --json; anything else is refused. Returns 1 json, 0 text, -1 bad. */
static int json_arg(struct oo_unixctl_conn *conn, int argc, const char *argv[])
{
    if (argc < 2)
        return 0;
    if (!strcmp(argv[1], "--json") || !strcmp(argv[1], "-j"))
        return 1;
    oo_unixctl_reply_error(conn, "the only option is --json\n");
    return -1;
}

static void cmd_status(struct oo_unixctl_conn *conn, int argc, const char *argv[], void *aux)
{
    int j = json_arg(conn, argc, argv);

    if (j >= 0)
        add_job(aux, conn, JOB_STATUS, j);
}

static void cmd_plan(struct oo_unixctl_conn *conn, int argc, const char *argv[], void *aux)
{
    int j = json_arg(conn, argc, argv);

    if (j >= 0)
        add_job(aux, conn, JOB_PLAN, j);
}

static void cmd_reconcile(struct oo_unixctl_conn *conn, int argc, const char *argv[], void *aux)
{
    struct daemon *d = aux;

    d->reconcile_waiters = oo_realloc(d->reconcile_waiters,
                                      (d->n_reconcile_waiters + 1) * sizeof *d->reconcile_waiters);
    d->reconcile_waiters[d->n_reconcile_waiters++] = conn;
    oo_sched_urgent(&d->sched, OO_TRIGGER_REQUEST);
}

static void cmd_reload(struct oo_unixctl_conn *conn, int argc, const char *argv[], void *aux)
{
    struct daemon *d = aux;
    char *text = NULL;

    LOG_INFO("reload requested over unixctl: reloading %s", d->cfg_path);
    if (reload(d, &text) < 0) {
        char *msg = xasprintf("config rejected; still enforcing the previous one:\n%s",
                              text ? text : "");
        oo_unixctl_reply_error(conn, msg);
        free(msg);
    } else {
        char *msg = xasprintf("reloaded %s: %zu PFs, %zu bonds, %zu bridges\n", d->cfg_path,
                              d->cfg.n_pfs, d->cfg.n_bonds, d->cfg.n_bridges);
        oo_unixctl_reply(conn, msg);
        free(msg);
    }
    free(text);
}

static void cmd_exit(struct oo_unixctl_conn *conn, int argc, const char *argv[], void *aux)
{
    struct daemon *d = aux;

    LOG_INFO("exit requested over unixctl");
    d->exiting = true;
    oo_unixctl_reply(conn, NULL);
}

static void cmd_metrics(struct oo_unixctl_conn *conn, int argc, const char *argv[], void *aux)
{
    struct daemon *d = aux;
    size_t len;
    char *body;

    /* The text /metrics serves, up to date with the counters. */
    metrics_publish(d, false);
    body = oo_metrics_board_copy(d->metrics, &len);

    oo_unixctl_reply(conn, body);
    free(body);
}

static void write_daemon_text(FILE *f, const struct daemon *d)
{
    const struct oo_reconcile_stats *st = &d->stats;
    int64_t now = oo_now_ms(), due = oo_sched_due(&d->sched);
    char a[32], b[32];

    fprintf(f, "daemon %s %s (pid %ld)\n", PROGRAM, OO_VERSION, (long)getpid());
    fprintf(f, "  config:       %s (%s%s%s), loaded %s%s\n", d->cfg_path, d->hostconf ? "host.conf" : "yaml",
            d->cfg.hostconf ? ", NICs from " : "", d->cfg.hostconf ? d->cfg.hostconf : "",
            oo_fmt_wall_ms(d->cfg_loaded_wall_ms, a, sizeof a),
            d->cfg_watch.fd >= 0 ? "; reloaded when it changes (--watch-config)"
            : d->opts.watch_config ? "; --watch-config given, but the watch failed (see the log)" : "");
    if (st->last_reload_ok == 0)
        fprintf(f, "  last reload:  REJECTED at %s: the config above is still in force%s\n",
                oo_fmt_wall_ms(st->last_reload_wall_ms, a, sizeof a),
                d->nic_wait_digest ? "; loaded again when the offload NICs it names appear" : "");
    else if (st->last_reload_ok == 1)
        fprintf(f, "  last reload:  ok at %s\n", oo_fmt_wall_ms(st->last_reload_wall_ms, a, sizeof a));
    if (st->last_result >= 0)
        fprintf(f, "  last pass:    %s at %s, %s\n", oo_pass_result_to_string(st->last_result),
                oo_fmt_wall_ms(st->last_run_wall_ms, a, sizeof a),
                fmt_ms((int64_t)(st->last_duration_s * 1000), b, sizeof b));
    else
        fprintf(f, "  last pass:    none yet\n");
    if (due == INT64_MAX)
        fprintf(f, "  next pass:    on the next event\n");
    else if (due <= now && d->lock_wait_since_ms)
        fprintf(f, "  next pass:    when %s releases the host lock (%s), waiting %s (%s)\n",
                d->lock_holder, OO_HOST_LOCK_PATH, fmt_ms(now - d->lock_wait_since_ms, b, sizeof b),
                oo_trigger_to_string(oo_sched_trigger(&d->sched)));
    else if (due <= now)
        fprintf(f, "  next pass:    now (%s)\n", oo_trigger_to_string(oo_sched_trigger(&d->sched)));
    else
        fprintf(f, "  next pass:    in %s (%s)\n", fmt_ms(due - now, b, sizeof b),
                oo_trigger_to_string(oo_sched_trigger(&d->sched)));
    if (st->consecutive_failures)
        fprintf(f, "  failures:     %u in a row, backing off %s\n", st->consecutive_failures,
                fmt_ms(st->backoff_ms, a, sizeof a));
    fprintf(f, "  passes:       %" PRIu64 " in sync, %" PRIu64 " repaired, %" PRIu64 " blocked, %" PRIu64
            " failed; %" PRIu64 " drift repairs\n", st->runs[OO_PASS_IN_SYNC],
            st->runs[OO_PASS_REPAIRED], st->runs[OO_PASS_BLOCKED], st->runs[OO_PASS_FAILED],
            st->drift_repairs);
    if (d->opts.full_dumps)
        fprintf(f, "  tc dumps:     full in every pass (--full-dumps)\n");
    else
        fprintf(f, "  tc dumps:     last %s; %zu owned filters verified by the cache, %zu places "
                "read again in full; next %s\n", d->tc_cache_last.terse ? "terse" : "full",
                d->tc_cache_last.verified, d->tc_cache_last.places_full,
                oo_tc_cache_valid(&d->tc_cache) ? "terse" : "full");
    fprintf(f, "  ovsdb:        %s (%s)\n", d->remote,
            oo_ovsdb_watch_connected(d->watch) ? "watching" : "not connected");
    if (d->http)
        fprintf(f, "  metrics:      http://%s/metrics\n", oo_http_addr(d->http));
    fprintf(f, "  control:      %s\n", d->ctl_path);
}

static void write_daemon_json(FILE *f, const struct daemon *d)
{
    const struct oo_reconcile_stats *st = &d->stats;
    struct oo_json j;
    int64_t now = oo_now_ms(), due = oo_sched_due(&d->sched);

    oo_json_init(&j, f, false);
    oo_json_obj_begin(&j);
    oo_json_kv_str(&j, "version", OO_VERSION);
    oo_json_kv_int(&j, "pid", getpid());
    oo_json_kv_str(&j, "config", d->cfg_path);
    oo_json_kv_int(&j, "config_loaded_ms", d->cfg_loaded_wall_ms);
    oo_json_kv_str(&j, "config_hostconf", d->cfg.hostconf);   /* the host.conf it names, or null */
    oo_json_kv_bool(&j, "config_watched", d->cfg_watch.fd >= 0);
    oo_json_key(&j, "last_reload_ok");
    if (st->last_reload_ok < 0)
        oo_json_null(&j);
    else
        oo_json_bool(&j, st->last_reload_ok);
    /* The rejected host.conf is loaded again when a link appears. */
    oo_json_kv_bool(&j, "reload_awaits_nics", d->nic_wait_digest != 0);
    oo_json_kv_str(&j, "last_result", oo_pass_result_to_string(st->last_result));
    /* Wall-clock times (ms since the epoch) and a delay: null for "none
     * yet" or "none due", never a sentinel number. */
    oo_json_key(&j, "last_run_ms");
    if (st->last_run_wall_ms) oo_json_int(&j, st->last_run_wall_ms); else oo_json_null(&j);
    oo_json_key(&j, "last_success_ms");
    if (st->last_success_wall_ms) oo_json_int(&j, st->last_success_wall_ms); else oo_json_null(&j);
    oo_json_key(&j, "next_pass_in_ms");
    if (due == INT64_MAX) oo_json_null(&j); else oo_json_int(&j, due <= now ? 0 : due - now);
    oo_json_kv_str(&j, "next_trigger", oo_trigger_to_string(oo_sched_trigger(&d->sched)));
    /* The due pass waits for whoever holds the host lock: who, and since when. */
    oo_json_kv_str(&j, "lock_holder", d->lock_wait_since_ms ? d->lock_holder : NULL);
    oo_json_kv_int(&j, "lock_wait_ms", d->lock_wait_since_ms ? now - d->lock_wait_since_ms : 0);
    oo_json_kv_uint(&j, "consecutive_failures", st->consecutive_failures);
    oo_json_kv_int(&j, "backoff_ms", st->backoff_ms);
    oo_json_key(&j, "runs");
    oo_json_obj_begin(&j);
    for (int r = 0; r < OO_PASS_RESULT_MAX; r++)
        oo_json_kv_uint(&j, oo_pass_result_to_string(r), st->runs[r]);
    oo_json_obj_end(&j);
    oo_json_kv_uint(&j, "drift_repairs", st->drift_repairs);
    oo_json_key(&j, "tc_cache");
    if (d->opts.full_dumps) {
        oo_json_null(&j);
    } else {
        const struct oo_tc_cache_stats *c = &d->tc_cache_last;

        oo_json_obj_begin(&j);
        oo_json_kv_str(&j, "last_dump", c->terse ? "terse" : "full");
        oo_json_kv_uint(&j, "places_terse", c->places_terse);
        oo_json_kv_uint(&j, "places_full", c->places_full);
        oo_json_kv_uint(&j, "places_touched", c->places_touched);
        oo_json_kv_uint(&j, "verified", c->verified);
        oo_json_kv_uint(&j, "misses", c->misses);
        oo_json_kv_uint(&j, "entries", c->entries);
        oo_json_kv_bool(&j, "valid", oo_tc_cache_valid(&d->tc_cache));
        oo_json_obj_end(&j);
    }
    oo_json_kv_str(&j, "ovsdb", d->remote);
    oo_json_kv_bool(&j, "ovsdb_watching", oo_ovsdb_watch_connected(d->watch));
    oo_json_kv_str(&j, "metrics", d->http ? oo_http_addr(d->http) : NULL);
    oo_json_kv_str(&j, "control", d->ctl_path);
    oo_json_obj_end(&j);
}

static void run_job(struct daemon *d, const struct job *job)
{
    struct oo_observed o = { 0 };
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    int r;

    if (!f)
        abort();
    r = oo_observe_host("", d->remote, d->opts.ovsdb_timeout_ms, &o);
    if (job->kind == JOB_STATUS) {
        if (job->json) {
            fputs("{\"host\":", f);
            oo_status_print_json(f, &o, false);
            fputs(",\"daemon\":", f);
            write_daemon_json(f, d);
            fputs("}\n", f);
        } else {
            oo_status_print_text(f, &o);
            write_daemon_text(f, d);
        }
    } else {
        struct oo_plan plan;
        /* JSON carries it as the plan's devlink error: one document. */
        if (r < 0 && d->cfg.n_pfs && !job->json)
            fprintf(f, "cannot observe the host: %s\n", o.devlink_error);
        oo_plan_build(&d->cfg, &o, NULL, &plan);
        if (job->json)
            oo_plan_print_json(f, &plan, false);
        else if (!plan.n_steps && !plan.n_errors)
            fputs("in sync: nothing to do\n", f);
        else
            oo_plan_print_text(f, &plan);
        oo_plan_free(&plan);
    }
    fclose(f);
    oo_unixctl_reply(job->conn, buf);
    free(buf);
    oo_observed_free(&o);
}

static void run_jobs(struct daemon *d)
{
    for (size_t i = 0; i < d->n_jobs; i++)
        run_job(d, &d->jobs[i]);
    d->n_jobs = 0;
}

static void register_commands(struct daemon *d)
{
    oo_unixctl_command_register("status", "[--json]", 0, 1, cmd_status, d);
    oo_unixctl_command_register("plan", "[--json]", 0, 1, cmd_plan, d);
    oo_unixctl_command_register("reconcile", "", 0, 0, cmd_reconcile, d);
    oo_unixctl_command_register("reload", "", 0, 0, cmd_reload, d);
    oo_unixctl_command_register("metrics", "", 0, 0, cmd_metrics, d);
    oo_unixctl_command_register("exit", "", 0, 0, cmd_exit, d);
}

/* ---------------------------------------------------------------- options */

static void usage(FILE *f)
{
    fputs(
"Usage: ovs-offloadd [OPTIONS]\n"
"Keep a hardware-offloaded Open vSwitch host converged to its config: the\n"
"same observe, plan and apply as 'ovs-offloadctl apply', run at start, on\n"
"every relevant netlink, devlink or OVSDB event (debounced), and periodically.\n"
"\n"
"Options:\n"
"  -c, --config FILE    the YAML (or JSON) config\n"
"                       (default " OO_DEFAULT_CONFIG ")\n"
"      --hostconf FILE  derive the config from Cloudpods' host.conf instead\n"
"      --db REMOTE      OVSDB remote (default: the config's ovs.db, else\n"
"                       unix:$OVS_RUNDIR/db.sock, OVS_RUNDIR defaulting to\n"
"                       /var/run/openvswitch)\n"
"      --ovsdb-timeout MS  give up on one OVSDB read after MS ms (default 2000;\n"
"                       transactions wait for ovs-vswitchd up to the config's\n"
"                       waits.timeout_s)\n"
"      --metrics ADDR   serve Prometheus metrics at http://ADDR/metrics: IP:PORT,\n"
"                       [IPV6]:PORT or PORT (on 127.0.0.1); 'none' turns it off\n"
"                       (default " OO_HTTP_DEFAULT_ADDR ")\n"
"      --resync SECONDS  full reconcile after SECONDS without one (default 60;\n"
"                       0: only on events)\n"
"      --debounce MS    run the pass that events call for MS ms after the last\n"
"                       of them (default 200; 0..1000), and at most 1 s after\n"
"                       the first\n"
"      --full-dumps     read every tc filter in full in every pass; by default a\n"
"                       pass that follows no tc change reads them terse and takes\n"
"                       the keys of the owned ones it verified before\n"
"      --unixctl PATH   control socket (default $OVS_RUNDIR/ovs-offloadd.PID.ctl)\n"
"      --pidfile FILE   pidfile and single-instance lock (default\n"
"                       $OVS_RUNDIR/ovs-offloadd.pid)\n"
"      --watch-config   reload the config file by itself when it changes (inotify\n"
"                       on its directory; read 500 ms after the last write)\n"
"      --log-file FILE  also log to FILE\n"
"      --detach         run in the background once started (log with --log-file)\n"
"  -v, --verbose        log every pass, not only changes, with its read timings\n"
"  -h, --help           show this help and exit\n"
"  -V, --version        show the version and exit\n"
"\n"
"Control: ovs-appctl -t ovs-offloadd status|plan|reconcile|reload|metrics|exit\n"
"(and OVS's vlog/list, vlog/set ...). SIGHUP reloads the config; a config\n"
"with errors is rejected and the old one stays in force.\n"
"\n"
"Exit status: 0 after exit or SIGTERM; 1 runtime error (another instance\n"
"runs, a socket cannot be opened); 2 usage or config error.\n",
    f);
}

static int parse_opts(int argc, char **argv, struct daemon_opts *o)
{
    enum { OPT_HOSTCONF = 256, OPT_DB, OPT_OVSDB_TIMEOUT, OPT_METRICS, OPT_RESYNC, OPT_DEBOUNCE,
           OPT_UNIXCTL, OPT_PIDFILE, OPT_LOG_FILE, OPT_DETACH, OPT_FULL_DUMPS, OPT_WATCH_CONFIG };
    static const struct option longopts[] = {
        { "config", required_argument, NULL, 'c' },
        { "hostconf", required_argument, NULL, OPT_HOSTCONF },
        { "db", required_argument, NULL, OPT_DB },
        { "ovsdb-timeout", required_argument, NULL, OPT_OVSDB_TIMEOUT },
        { "metrics", required_argument, NULL, OPT_METRICS },
        { "resync", required_argument, NULL, OPT_RESYNC },
        { "debounce", required_argument, NULL, OPT_DEBOUNCE },
        { "unixctl", required_argument, NULL, OPT_UNIXCTL },
        { "pidfile", required_argument, NULL, OPT_PIDFILE },
        { "log-file", required_argument, NULL, OPT_LOG_FILE },
        { "detach", no_argument, NULL, OPT_DETACH },
        { "full-dumps", no_argument, NULL, OPT_FULL_DUMPS },
        { "watch-config", no_argument, NULL, OPT_WATCH_CONFIG },
        { "verbose", no_argument, NULL, 'v' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { 0 },
    };
    char *end;
    long v;
    int c;

    while ((c = getopt_long(argc, argv, "c:vhV", longopts, NULL)) != -1) {
        switch (c) {
        case 'c': o->config = optarg; break;
        case OPT_HOSTCONF: o->hostconf = optarg; break;
        case OPT_DB: o->db = optarg; break;
        case OPT_OVSDB_TIMEOUT:
            errno = 0;
            v = strtol(optarg, &end, 10);
            if (*end || end == optarg || errno || v <= 0 || v > 600000) {
                fprintf(stderr, PROGRAM ": --ovsdb-timeout wants milliseconds (1..600000), not '%s'\n",
                        optarg);
                return OO_EXIT_USAGE;
            }
            o->ovsdb_timeout_ms = (int)v;
            break;
        case OPT_METRICS: o->metrics = optarg; break;
        case OPT_RESYNC:
            errno = 0;
            v = strtol(optarg, &end, 10);
            if (*end || end == optarg || errno || v < 0 || v > 86400) {
                fprintf(stderr, PROGRAM ": --resync wants seconds (0..86400), not '%s'\n", optarg);
                return OO_EXIT_USAGE;
            }
            o->resync_s = v;
            break;
        case OPT_DEBOUNCE:
            errno = 0;
            v = strtol(optarg, &end, 10);
            if (*end || end == optarg || errno || v < 0 || v > OO_SCHED_MAX_DELAY_MS) {
                fprintf(stderr, PROGRAM ": --debounce wants milliseconds (0..%d), not '%s'\n",
                        OO_SCHED_MAX_DELAY_MS, optarg);
                return OO_EXIT_USAGE;
            }
            o->debounce_ms = v;
            break;
        case OPT_UNIXCTL: o->unixctl = optarg; break;
        case OPT_PIDFILE: o->pidfile = optarg; break;
        case OPT_LOG_FILE: o->log_file = optarg; break;
        case OPT_DETACH: o->detach = true; break;
        case OPT_FULL_DUMPS: o->full_dumps = true; break;
        case OPT_WATCH_CONFIG: o->watch_config = true; break;
        case 'v': o->verbose = true; break;
        case 'h': usage(stdout); return -1;
        case 'V': printf(PROGRAM " %s\n", OO_VERSION); return -1;
        default:
            fputs("Try '" PROGRAM " --help'.\n", stderr);
            return OO_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, PROGRAM ": unexpected argument '%s'. Try '" PROGRAM " --help'.\n", argv[optind]);
        return OO_EXIT_USAGE;
    }
    if (o->config && o->hostconf) {
        fputs(PROGRAM ": -c and --hostconf are exclusive: give one config\n", stderr);
        return OO_EXIT_USAGE;
    }
    if (o->metrics && strcmp(o->metrics, "none")) {
        struct sockaddr_storage ss;
        socklen_t len;
        if (oo_http_parse_addr(o->metrics, &ss, &len) < 0) {
            fprintf(stderr, PROGRAM ": --metrics wants IP:PORT, [IPV6]:PORT, PORT or none, not '%s'\n",
                    o->metrics);
            return OO_EXIT_USAGE;
        }
    }
    if (o->unixctl && o->unixctl[0] != '/') {
        fprintf(stderr, PROGRAM ": --unixctl wants an absolute path, not '%s'\n", o->unixctl);
        return OO_EXIT_USAGE;
    }
    /* --detach moves to /, and a reload reads the config again long after
     * start: relative paths are taken from where the daemon was started. */
    const char **paths[] = { &o->config, &o->hostconf, &o->pidfile, &o->log_file };
    /* Static: they live as long as the process, and stay reachable. */
    static char *absolute[OO_ARRAY_SIZE(paths)];
    for (size_t i = 0; i < OO_ARRAY_SIZE(paths); i++) {
        const char *p = *paths[i];
        char *cwd;

        if (!p || p[0] == '/')
            continue;
        cwd = get_current_dir_name();
        if (!cwd) {
            fprintf(stderr, PROGRAM ": '%s' is relative, and the current directory cannot be "
                    "read (%s): give an absolute path\n", p, strerror(errno));
            return OO_EXIT_USAGE;
        }
        free(absolute[i]);
        *paths[i] = absolute[i] = xasprintf("%s/%s", cwd, p);
        free(cwd);
    }
    return 0;
}

/* ---------------------------------------------------------------- detach */

/* Forks; the parent waits until the child says it is up (one byte: its exit
 * status while starting, 0 = running) and exits with it. Returns in the
 * child, with the write end in *ret_fd. */
static void detach_fork(int *ret_fd)
{
    int fds[2];
    pid_t pid;
    unsigned char b;

    if (pipe2(fds, O_CLOEXEC) < 0) {
        fprintf(stderr, PROGRAM ": --detach: pipe: %s\n", strerror(errno));
        exit(OO_EXIT_FAILURE);
    }
    pid = fork();
    if (pid < 0) {
        fprintf(stderr, PROGRAM ": --detach: fork: %s\n", strerror(errno));
        exit(OO_EXIT_FAILURE);
    }
    if (pid > 0) {
        ssize_t n;
        close(fds[1]);
        do
            n = read(fds[0], &b, 1);
        while (n < 0 && errno == EINTR);
        /* No byte at all: the child died before saying anything. */
        exit(n == 1 ? b : OO_EXIT_FAILURE);
    }
    close(fds[0]);
    setsid();
    *ret_fd = fds[1];
}

static void detach_done(int fd, int status)
{
    unsigned char b = (unsigned char)status;
    int null;

    if (fd < 0)
        return;
    if (write(fd, &b, 1) < 0) {
        /* The parent is gone: nobody to tell. */
    }
    close(fd);
    if (status)
        return;
    null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null >= 0) {
        dup2(null, STDIN_FILENO);
        dup2(null, STDOUT_FILENO);
        dup2(null, STDERR_FILENO);
        close(null);
    }
    oo_loop_log_no_console();
    if (chdir("/") < 0) {
        /* Not fatal: we use absolute paths. */
    }
}

/* ---------------------------------------------------------------- setup */

static int setup(struct daemon *d, int detach_fd)
{
    pid_t other;
    int r;

    d->rundir = oo_strdup(getenv("OVS_RUNDIR") && *getenv("OVS_RUNDIR") ? getenv("OVS_RUNDIR")
                                                                        : OO_OVS_DEFAULT_RUNDIR);
    d->pid_path = d->opts.pidfile ? oo_strdup(d->opts.pidfile) : xasprintf("%s/" PROGRAM ".pid", d->rundir);
    if (!d->opts.pidfile)
        mkdir(d->rundir, 0755); /* as openvswitch-switch would; EEXIST is the usual case */
    r = pidfile_lock(d->pid_path, &d->pid_fd, &other);
    if (r == -EBUSY) {
        LOG_ERR("another " PROGRAM " (pid %ld) holds %s: stop it first (ovs-appctl -t " PROGRAM
                " exit, or systemctl stop ovs-offloadd), or give this one its own --pidfile",
                (long)other, d->pid_path);
        return OO_EXIT_FAILURE;
    }
    if (r == -EAGAIN) {
        LOG_ERR("the pidfile %s was replaced each time it was locked (other instances starting and "
                "exiting at once?): start again", d->pid_path);
        return OO_EXIT_FAILURE;
    }
    if (r < 0) {
        LOG_ERR("cannot create the pidfile %s: %s (is the directory there and writable? "
                "--pidfile chooses another)", d->pid_path, strerror(-r));
        return OO_EXIT_FAILURE;
    }
    if ((r = signals_init(d)) < 0) {
        LOG_ERR("cannot set up signal handling: %s", strerror(-r));
        return OO_EXIT_FAILURE;
    }

    d->ctl_path = d->opts.unixctl ? oo_strdup(d->opts.unixctl)
                                  : xasprintf("%s/" PROGRAM ".%ld.ctl", d->rundir, (long)getpid());
    register_commands(d);
    if ((r = oo_unixctl_server_create(d->ctl_path, &d->ctl)) < 0) {
        LOG_ERR("cannot listen on the control socket %s: %s (--unixctl chooses another)", d->ctl_path,
                strerror(-r));
        return OO_EXIT_FAILURE;
    }

    /* Something to serve before the first pass ends: build info, counters
     * and ovs_offload_reconcile_in_progress. */
    d->metrics = oo_metrics_board_create();
    metrics_publish(d, true);
    if (!d->opts.metrics || strcmp(d->opts.metrics, "none")) {
        const char *addr = d->opts.metrics ? d->opts.metrics : OO_HTTP_DEFAULT_ADDR;
        if ((r = oo_http_open(addr, &d->http)) < 0) {
            LOG_ERR("cannot serve metrics on %s: %s (--metrics ADDR chooses another, --metrics none "
                    "turns them off)", addr, strerror(-r));
            return OO_EXIT_FAILURE;
        }
        if ((r = oo_http_thread_start(d->http, oo_metrics_board_body, d->metrics, &d->http_thread)) < 0) {
            LOG_ERR("cannot start the metrics server's thread: %s", strerror(-r));
            return OO_EXIT_FAILURE;
        }
    }

    /* Event sources: without one, drift it would report is found by the
     * periodic resync instead. disable_ipv6 written back to 0 on an up
     * representor is announced by an AF_INET6 RTM_NEWLINK on
     * RTNLGRP_IPV6_IFINFO, not on RTNLGRP_LINK: the link socket joins both. */
    if ((r = event_sock_open(&d->link_ev, OO_EVENT_LINK, NETLINK_ROUTE, RTNLGRP_LINK,
                             oo_rtnl_event_relevant)) < 0)
        LOG_WARN("cannot listen to link events: %s; drift is found by the periodic resync only",
                 strerror(-r));
    else if ((r = event_sock_join(&d->link_ev, RTNLGRP_IPV6_IFINFO)) < 0)
        LOG_WARN("cannot listen to IPv6 link events: %s; a representor's IPv6 turned on by hand "
                 "is found by the periodic resync only", strerror(-r));
    if ((r = event_sock_open(&d->tc_ev, OO_EVENT_TC, NETLINK_ROUTE, RTNLGRP_TC,
                             oo_rtnl_event_relevant)) < 0)
        LOG_WARN("cannot listen to tc events: %s; drift is found by the periodic resync only",
                 strerror(-r));
    if ((r = devlink_events_open(&d->devlink_ev)) < 0)
        LOG_WARN("cannot listen to devlink events: %s; drift is found by the periodic resync only",
                 strerror(-r));
    watch_start(d);
    cfg_watch_start(d);

    d->progress = fopencookie(d, "w", (cookie_io_functions_t){ .write = progress_write });
    if (!d->progress)
        abort();
    setvbuf(d->progress, NULL, _IOLBF, 0);

    LOG_INFO(PROGRAM " %s started (pid %ld): control %s%s%s%s", OO_VERSION, (long)getpid(), d->ctl_path,
             d->http ? ", metrics http://" : "", d->http ? oo_http_addr(d->http) : "",
             d->http ? "/metrics" : "");
    publish_config(d, 0);
    log_config_summary(d, "enforcing");
    detach_done(detach_fd, 0);
    return 0;
}

static void teardown(struct daemon *d)
{
    reply_waiters(d, false, "ovs-offloadd is exiting\n");
    for (size_t i = 0; i < d->n_jobs; i++)
        oo_unixctl_reply_error(d->jobs[i].conn, "ovs-offloadd is exiting\n");
    d->n_jobs = 0;
    oo_unixctl_server_destroy(d->ctl);
    /* The thread first: it uses the listener and the board. */
    oo_http_thread_stop(d->http_thread);
    d->http_thread = NULL;
    oo_http_close(d->http);
    oo_metrics_board_destroy(d->metrics);
    free(d->host_text);
    oo_nl_close(&d->link_ev.nl);
    oo_nl_close(&d->tc_ev.nl);
    oo_nl_close(&d->devlink_ev.nl);
    oo_ovsdb_watch_destroy(d->watch);
    oo_cfg_watch_close(&d->cfg_watch);
    oo_cfg_watch_close(&d->hc_watch);
    free(d->hc_watch_path);
    free(d->nic_wait_hostconf);
    if (d->progress)
        fclose(d->progress);
    oo_daemon_state_remove("");     /* only if it is ours */
    pidfile_release(d);
    if (d->sig_fd[0] >= 0) {
        close(d->sig_fd[0]);
        close(d->sig_fd[1]);
    }
    oo_config_free(&d->cfg);
    oo_tc_cache_free(&d->tc_cache);
    free(d->reconcile_waiters);
    free(d->jobs);
    free(d->remote);
    free(d->rundir);
    free(d->pid_path);
    free(d->ctl_path);
}

/* ---------------------------------------------------------------- the loop */

/* Whether a due pass may run now: it takes the host lock, or waits (in the
 * loop, polling every 200 ms) while `ovs-offloadctl apply` or a script with
 * flock(1) holds it. A lock that cannot be taken at all (its directory not
 * writable) is reported once and passes run without it. */
static bool host_lock_take(struct daemon *d, int64_t now)
{
    char holder[256];
    int r;

    if (d->lock_wait_since_ms && now < d->lock_retry_ms)
        return false;
    r = oo_host_lock_take(&d->host_lock, "", "ovs-offloadd", 0, NULL, NULL, holder, sizeof holder);
    if (r == -EWOULDBLOCK) {
        oo_strlcpy(d->lock_holder, holder, sizeof d->lock_holder);
        if (!d->lock_wait_since_ms) {
            LOG_INFO("%s is changing the host (it holds %s): the next pass waits for it", holder,
                     OO_HOST_LOCK_PATH);
            d->lock_wait_since_ms = now;
        }
        d->lock_retry_ms = now + 200;
        return false;
    }
    if (r < 0 && !d->lock_err_logged) {
        LOG_WARN("cannot take the host lock %s: %s; passes run without it, so an "
                 "`ovs-offloadctl apply` at the same time may fail on what a pass just did",
                 holder, strerror(-r));
        d->lock_err_logged = true;
    }
    if (d->lock_wait_since_ms) {
        char buf[32];

        LOG_INFO("the host lock was released after %s: the pass runs",
                 fmt_ms(now - d->lock_wait_since_ms, buf, sizeof buf));
        d->lock_wait_since_ms = 0;
    }
    return true;
}

static void loop_run(struct daemon *d)
{
    signals_run(d);
    oo_unixctl_server_run(d->ctl);
    events_run(d, true);
    if (d->reload_requested) {
        d->reload_requested = false;
        reload(d, NULL);
    }
    cfg_watch_run(d);
    nic_retry_run(d);
    run_jobs(d);
    if (!d->exiting && oo_sched_due(&d->sched) <= oo_now_ms() && host_lock_take(d, oo_now_ms())) {
        bool first = !d->sched.ran;
        run_pass(d);
        oo_host_lock_release(&d->host_lock);
        if (first)
            sd_notify_msg("READY=1");
    }
    /* Events counted, a reload, a backoff: /metrics shows them at once. */
    metrics_publish(d, false);
    if (d->trim_due_ms && oo_now_ms() >= d->trim_due_ms) {
        memory_trim();
        d->trim_due_ms = 0;
    }
}

static void loop_wait(struct daemon *d)
{
    int64_t due = oo_sched_due(&d->sched);

    oo_unixctl_server_wait(d->ctl);
    event_sock_wait(&d->link_ev);
    event_sock_wait(&d->tc_ev);
    event_sock_wait(&d->devlink_ev);
    oo_ovsdb_watch_wait(d->watch);
    oo_loop_fd_wait(d->sig_fd[0], true, false);
    if (d->cfg_watch.fd >= 0)
        oo_loop_fd_wait(d->cfg_watch.fd, true, false);
    if (d->hc_watch.fd >= 0)
        oo_loop_fd_wait(d->hc_watch.fd, true, false);
    if (d->cfg_settle_ms)
        oo_loop_timer_wait_until(d->cfg_settle_ms);
    if (d->n_jobs || d->reload_requested || d->nic_retry)
        oo_loop_immediate_wake();
    /* A due pass that waits for the host lock tries again at lock_retry_ms. */
    if (due != INT64_MAX)
        oo_loop_timer_wait_until(d->lock_wait_since_ms && due < d->lock_retry_ms ? d->lock_retry_ms : due);
    if (d->trim_due_ms)
        oo_loop_timer_wait_until(d->trim_due_ms);
}

int oo_daemon_main(int argc, char **argv)
{
    struct daemon d = {
        .opts = { .ovsdb_timeout_ms = 2000, .resync_s = OO_SCHED_RESYNC_MS / 1000,
                  .debounce_ms = OO_SCHED_DEBOUNCE_MS },
        .pid_fd = -1, .sig_fd = { -1, -1 }, .last_result = -1, .host_lock = OO_HOST_LOCK_INIT,
        .cfg_watch = OO_CFG_WATCH_INIT, .hc_watch = OO_CFG_WATCH_INIT,
    };
    struct oo_sched_cfg scfg;
    char *text = NULL;
    bool missing_nics = false;
    int detach_fd = -1, r;

    r = parse_opts(argc, argv, &d.opts);
    if (r)
        return r < 0 ? OO_EXIT_OK : r;
    if (d.opts.detach)
        detach_fork(&detach_fd);
    memory_policy();

    oo_loop_init(d.opts.verbose ? OO_LOOP_LOG_DBG : OO_LOOP_LOG_INFO);
    /* The shared layers' messages (each pass's read timings at debug) go to
     * the daemon's log too. */
    oo_log_set_level(d.opts.verbose ? OO_LOG_DEBUG : OO_LOG_INFO);
    oo_log_set_sink(log_to_vlog);
    if (d.opts.log_file && (r = oo_loop_log_file(d.opts.log_file)) < 0) {
        /* Like a socket that cannot be opened: the host's, and a restart
         * may find it fixed (a directory made, a disk freed). */
        LOG_ERR("cannot open the log file %s: %s", d.opts.log_file, strerror(-r));
        detach_done(detach_fd, OO_EXIT_FAILURE);
        return OO_EXIT_FAILURE;
    }

    d.hostconf = d.opts.hostconf != NULL;
    d.cfg_path = d.opts.hostconf ? d.opts.hostconf : d.opts.config ? d.opts.config : OO_DEFAULT_CONFIG;
    r = load_config(&d, &d.cfg, &text, &missing_nics, true);
    if (r < 0 && missing_nics)
        r = await_offload_nics(&d, text);
    free(text);
    if (r < 0) {
        LOG_ERR("cannot use %s: nothing was changed; fix it (ovs-offloadctl -c FILE check) and start "
                "again", d.cfg_path);
        detach_done(detach_fd, OO_EXIT_USAGE);
        return OO_EXIT_USAGE;
    }
    d.cfg_loaded_wall_ms = wall_ms();
    d.remote = remote_of(&d, &d.cfg);
    memory_trim(); /* the config's YAML tree */

    oo_sched_cfg_default(&scfg);
    scfg.resync_ms = d.opts.resync_s * 1000;
    scfg.debounce_ms = d.opts.debounce_ms;
    oo_sched_init(&d.sched, &scfg);
    oo_stats_init(&d.stats, wall_ms());

    r = setup(&d, detach_fd);
    if (r) {
        detach_done(detach_fd, r);
        teardown(&d);
        return r;
    }

    while (!d.exiting) {
        loop_run(&d);
        if (d.exiting)
            break;
        loop_wait(&d);
        oo_loop_block();
    }
    sd_notify_msg("STOPPING=1");
    LOG_INFO(PROGRAM " exiting");
    teardown(&d);
    return OO_EXIT_OK;
}
