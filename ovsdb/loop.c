/* The daemon's loop on libopenvswitch (see loop.h). A thin layer: each
 * function maps to one or two OVS calls, so that controller/ can use OVS's
 * poll loop, unixctl server and vlog without seeing an OVS header. */

#include <config.h> /* OVS's own; every OVS-using translation unit starts with it */

#include "ovsdb/loop.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "ovsdb-idl.h"
#include "stream.h"
#include "timeval.h"
#include "unixctl.h"
#include "vswitch-idl.h"

#include "common/log.h"
#include "common/util.h"
#include "ovsdb/idl.h"
#include "ovsdb/ovs-env.h"

VLOG_DEFINE_THIS_MODULE(ovs_offloadd);

/* ---------------------------------------------------------------- logging */

static enum vlog_level vlog_level_of(int level)
{
    switch (level) {
    case OO_LOOP_LOG_ERR: return VLL_ERR;
    case OO_LOOP_LOG_WARN: return VLL_WARN;
    case OO_LOOP_LOG_INFO: return VLL_INFO;
    default: return VLL_DBG;
    }
}

/* Modules that speak up whenever the loop is busy for a while: expected in a
 * daemon whose reconcile pass can take seconds (apply waits for VFs). */
static const char *const quiet_modules[] = { "timeval", "coverage", "poll_loop" };

static enum vlog_level own_level = VLL_INFO;

static void set_destination_levels(enum vlog_destination dest)
{
    vlog_set_levels(NULL, dest, VLL_WARN);
    for (size_t i = 0; i < OO_ARRAY_SIZE(quiet_modules); i++) {
        struct vlog_module *m = vlog_module_from_name(quiet_modules[i]);
        if (m)
            vlog_set_levels(m, dest, VLL_ERR);
    }
    vlog_set_levels(&this_module, dest, own_level);
}

void oo_loop_init(int level)
{
    const char *debug = getenv("OO_OVS_VLOG");

    oo_ovs_env_init();
    own_level = vlog_level_of(level);
    set_destination_levels(VLF_CONSOLE);
    /* When stderr is the journal (oo_log_journal_stderr(), called by main),
     * the journal stamps each line with its time, and reads the line's
     * priority from the level this pattern writes; elsewhere a log line
     * carries its time. */
    vlog_set_pattern(VLF_CONSOLE, oo_log_journal_active() ? "%c|%p|%m"
                                                          : "%D{%Y-%m-%dT%H:%M:%S.###Z}|%c|%p|%m");
    vlog_set_pattern(VLF_FILE, "%D{%Y-%m-%dT%H:%M:%S.###Z}|%05N|%c|%p|%m");
    /* Opens syslog (unused: its levels stay OFF) and registers vlog/set,
     * vlog/list, vlog/list-pattern, vlog/reopen, vlog/close and the rate
     * limit commands with unixctl. */
    vlog_init();
    if (debug && *debug)
        free(vlog_set_levels_from_string(debug));
}

int oo_loop_log_file(const char *path)
{
    int r = vlog_set_log_file(path);

    if (r)
        return -r;
    set_destination_levels(VLF_FILE);
    return 0;
}

void oo_loop_log_no_console(void)
{
    vlog_set_levels(NULL, VLF_CONSOLE, VLL_OFF);
}

void oo_loop_logv(int level, const char *fmt, va_list ap)
{
    vlog_valist(&this_module, vlog_level_of(level), fmt, ap);
}

void oo_loop_log(int level, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    oo_loop_logv(level, fmt, ap);
    va_end(ap);
}

bool oo_loop_log_enabled(int level)
{
    return vlog_is_enabled(&this_module, vlog_level_of(level));
}

/* ---------------------------------------------------------------- poll loop */

void oo_loop_fd_wait(int fd, bool readable, bool writable)
{
    short events = (readable ? POLLIN : 0) | (writable ? POLLOUT : 0);

    if (fd >= 0 && events)
        poll_fd_wait(fd, events);
}

void oo_loop_timer_wait_until(int64_t when_ms)
{
    int64_t delta = when_ms - oo_now_ms();

    /* OVS's clock is CLOCK_MONOTONIC too, but it may be warped in OVS's own
     * tests: convert through the difference, never the absolute value. */
    poll_timer_wait_until(time_msec() + (delta > 0 ? delta : 0));
}

void oo_loop_immediate_wake(void)
{
    poll_immediate_wake();
}

void oo_loop_block(void)
{
    poll_block();
}

/* ---------------------------------------------------------------- unixctl */

struct oo_unixctl_server {
    struct unixctl_server *ovs;
};

/* The handler of one registered command: OVS calls the trampoline with this
 * as aux. Registered commands live as long as the process. */
struct command {
    oo_unixctl_cb *cb;
    void *aux;
};

static void trampoline(struct unixctl_conn *conn, int argc, const char *argv[], void *aux)
{
    const struct command *c = aux;

    c->cb((struct oo_unixctl_conn *)conn, argc, argv, c->aux);
}

int oo_unixctl_server_create(const char *path, struct oo_unixctl_server **ret_server)
{
    struct unixctl_server *s = NULL;
    int r;

    *ret_server = NULL;
    if (!path || path[0] != '/')
        return -EINVAL;
    oo_ovs_env_init();
    r = unixctl_server_create(path, &s);
    if (r)
        return -r;
    *ret_server = oo_malloc(sizeof **ret_server);
    (*ret_server)->ovs = s;
    return 0;
}

void oo_unixctl_server_run(struct oo_unixctl_server *server)
{
    if (server)
        unixctl_server_run(server->ovs);
}

void oo_unixctl_server_wait(struct oo_unixctl_server *server)
{
    if (server)
        unixctl_server_wait(server->ovs);
}

void oo_unixctl_server_destroy(struct oo_unixctl_server *server)
{
    if (!server)
        return;
    unixctl_server_destroy(server->ovs);
    free(server);
}

void oo_unixctl_command_register(const char *name, const char *usage, int min_args, int max_args,
                                 oo_unixctl_cb *cb, void *aux)
{
    struct command *c = oo_malloc(sizeof *c);

    c->cb = cb;
    c->aux = aux;
    unixctl_command_register(name, usage, min_args, max_args, trampoline, c);
}

void oo_unixctl_reply(struct oo_unixctl_conn *conn, const char *body)
{
    unixctl_command_reply((struct unixctl_conn *)conn, body);
}

void oo_unixctl_reply_error(struct oo_unixctl_conn *conn, const char *body)
{
    unixctl_command_reply_error((struct unixctl_conn *)conn, body);
}

/* ---------------------------------------------------------------- OVSDB watcher */

struct oo_ovsdb_watch {
    struct ovsdb_idl *idl;
    unsigned int seqno;             /* the IDL's change seqno at the last run */
    bool connected;                 /* connected at the last run */
};

int oo_ovsdb_watch_create(const char *remote, struct oo_ovsdb_watch **ret_watch)
{
    struct oo_ovsdb_watch *w;
    int r;

    *ret_watch = NULL;
    if (!remote || !*remote)
        return -EINVAL;
    oo_ovs_env_init();
    r = stream_verify_name(remote);
    if (r)
        return -EINVAL;
    w = oo_calloc(1, sizeof *w);
    oo_ovs_lock();
    /* retry=true: the session reconnects by itself, with OVS's backoff (up
     * to 8 s between attempts while ovsdb-server is away). */
    w->idl = ovsdb_idl_create(remote, &ovsrec_idl_class, false, true);
    oo_idl_monitor(w->idl);
    w->seqno = ovsdb_idl_get_seqno(w->idl);
    oo_ovs_unlock();
    *ret_watch = w;
    return 0;
}

unsigned oo_ovsdb_watch_run(struct oo_ovsdb_watch *w)
{
    struct oo_sigpipe_guard sigpipe;
    unsigned bits = 0, seqno;
    bool connected;

    if (!w)
        return 0;
    oo_ovs_lock();
    oo_sigpipe_block(&sigpipe);
    ovsdb_idl_run(w->idl);
    seqno = ovsdb_idl_get_seqno(w->idl);
    connected = ovsdb_idl_is_connected(w->idl);
    oo_sigpipe_restore(&sigpipe);
    oo_ovs_unlock();

    if (seqno != w->seqno)
        bits |= OO_WATCH_CHANGED;
    if (connected && !w->connected)
        bits |= OO_WATCH_CONNECTED;
    if (!connected && w->connected)
        bits |= OO_WATCH_LOST;
    w->seqno = seqno;
    w->connected = connected;
    return bits;
}

void oo_ovsdb_watch_wait(struct oo_ovsdb_watch *w)
{
    if (!w)
        return;
    oo_ovs_lock();
    ovsdb_idl_wait(w->idl);
    oo_ovs_unlock();
}

bool oo_ovsdb_watch_connected(const struct oo_ovsdb_watch *w)
{
    return w && w->connected;
}

void oo_ovsdb_watch_destroy(struct oo_ovsdb_watch *w)
{
    if (!w)
        return;
    oo_ovs_lock();
    ovsdb_idl_destroy(w->idl);
    oo_ovs_unlock();
    free(w);
}
