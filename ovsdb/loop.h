/* The daemon's event loop on libopenvswitch, without OVS types: its poll
 * loop (fd waits, timers, poll_block), its unixctl server (so that
 * `ovs-appctl -t ovs-offloadd CMD` works, with OVS's own list-commands,
 * version and vlog/... commands), vlog as the daemon's log, and an OVSDB change
 * watcher. controller/ includes this header and never an OVS one.
 *
 * Threads: everything here belongs to the one thread that runs the loop (the
 * daemon's main thread; its /metrics thread never calls libopenvswitch).
 * libopenvswitch's lock (ovs-env.h) is held around the
 * OVSDB watcher's calls, like every other ovsdb/ entry point, but neither
 * around oo_loop_block() (it would be held while sleeping) nor while a
 * unixctl callback runs (the callback may call other ovsdb/ functions).
 *
 * Time: every deadline here is in oo_now_ms() milliseconds (CLOCK_MONOTONIC),
 * converted to OVS's time_msec() internally. */
#ifndef OO_OVSDB_LOOP_H
#define OO_OVSDB_LOOP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

/* ---------------------------------------------------------------- setup */

/* Log levels of the daemon's own messages (vlog module "ovs_offloadd"). */
enum oo_loop_log_level {
    OO_LOOP_LOG_ERR,
    OO_LOOP_LOG_WARN,
    OO_LOOP_LOG_INFO,
    OO_LOOP_LOG_DBG,
};

/* Prepares libopenvswitch for a daemon: the library setup of ovs-env.h
 * (program name, tamed fatal signals), then vlog turned back on, since the
 * daemon logs through it: its own module at `level` on the console (stderr:
 * the journal under systemd), OVS's modules at WARN (timeval, coverage and
 * poll_loop at ERR: a long reconcile is expected, not a stall), syslog and
 * file off. vlog's unixctl commands (vlog/set, vlog/list, ...) are registered.
 * OO_OVS_VLOG in the environment is applied last (ovs-env.c). Idempotent. */
void oo_loop_init(int level);

/* Also logs to `path` (vlog's file destination, at the console's levels);
 * vlog/reopen reopens it. Returns 0 or -errno. */
int oo_loop_log_file(const char *path);

/* Stops logging to the console (after --detach closed stderr). */
void oo_loop_log_no_console(void);

/* Logs one line (no newline needed) as the daemon's module. */
void oo_loop_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void oo_loop_logv(int level, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Whether a message at `level` would go anywhere. */
bool oo_loop_log_enabled(int level);

/* ---------------------------------------------------------------- poll loop */

/* Wake the next oo_loop_block() when fd is readable (and/or writable). */
void oo_loop_fd_wait(int fd, bool readable, bool writable);
/* Wake it at `when_ms` (oo_now_ms() time; in the past: at once). */
void oo_loop_timer_wait_until(int64_t when_ms);
/* Do not sleep in the next oo_loop_block(). */
void oo_loop_immediate_wake(void);
/* Sleeps until one of the registered waits fires, then forgets them all
 * (OVS poll_block()). */
void oo_loop_block(void);

/* ---------------------------------------------------------------- unixctl */

struct oo_unixctl_server;          /* OVS struct unixctl_server */
struct oo_unixctl_conn;            /* one request; answer it exactly once */

/* A command's handler. argv[0] is the command name, argv[1..argc-1] its
 * arguments. It must reply (oo_unixctl_reply*) now or later: the client
 * waits, and the connection stays valid until the reply. */
typedef void oo_unixctl_cb(struct oo_unixctl_conn *conn, int argc, const char *argv[], void *aux);

/* Listens on the unix socket `path` (absolute; a stale socket file is
 * replaced). OVS adds its "list-commands" and "version" commands. Returns 0
 * or -errno (libopenvswitch also prints its own line on stderr then). */
int oo_unixctl_server_create(const char *path, struct oo_unixctl_server **ret_server);
/* Accepts connections and runs the handlers of complete requests. */
void oo_unixctl_server_run(struct oo_unixctl_server *server);
void oo_unixctl_server_wait(struct oo_unixctl_server *server);
/* Closes the socket (and removes its file) and every connection: answer the
 * pending requests first. NULL-safe. */
void oo_unixctl_server_destroy(struct oo_unixctl_server *server);

/* Registers a command (for every server of this process). min_args and
 * max_args bound argc - 1; usage is shown by list-commands. */
void oo_unixctl_command_register(const char *name, const char *usage, int min_args, int max_args,
                                 oo_unixctl_cb *cb, void *aux);
/* Answers a request: success (`ovs-appctl` prints body, exits 0) or error
 * (prints it on stderr, exits 2). body may be NULL (empty). */
void oo_unixctl_reply(struct oo_unixctl_conn *conn, const char *body);
void oo_unixctl_reply_error(struct oo_unixctl_conn *conn, const char *body);

/* ---------------------------------------------------------------- OVSDB watcher */

/* An IDL connection kept open only to learn that OVSDB changed: it monitors
 * the columns observe reads (ovsdb/idl.h), reconnects on its own with OVS's
 * backoff when ovsdb-server goes away, and reports changes. It is an event
 * source, not a cache: every reconcile still reads OVSDB afresh. */
struct oo_ovsdb_watch;

/* What oo_ovsdb_watch_run() saw since the previous call (bits). */
enum {
    OO_WATCH_CHANGED = 1 << 0,      /* the monitored contents changed */
    OO_WATCH_CONNECTED = 1 << 1,    /* (re)connected and got the database */
    OO_WATCH_LOST = 1 << 2,         /* lost the connection */
};

/* Starts watching `remote` (an active OVSDB remote: unix:, tcp:, ssl:).
 * Returns 0 or -EINVAL for a remote OVS does not accept. */
int oo_ovsdb_watch_create(const char *remote, struct oo_ovsdb_watch **ret_watch);
/* Processes what arrived; returns OO_WATCH_* bits. */
unsigned oo_ovsdb_watch_run(struct oo_ovsdb_watch *w);
void oo_ovsdb_watch_wait(struct oo_ovsdb_watch *w);
/* Connected and holding the database now. */
bool oo_ovsdb_watch_connected(const struct oo_ovsdb_watch *w);
/* NULL-safe. */
void oo_ovsdb_watch_destroy(struct oo_ovsdb_watch *w);

#endif
