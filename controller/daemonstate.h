/* What a running ovs-offloadd enforces, published for ovs-offloadctl.
 *
 * ovs-offloadd keeps the host to the config it loaded. An apply by hand of
 * another config (another file, or the daemon's own file edited and not
 * reloaded) is undone by the daemon's next pass wherever the two differ, and
 * the two then take turns changing the host. So the daemon publishes what it
 * enforces in ROOT/run/ovs-offload/ovs-offloadd.state: written when it
 * starts and at each reload (a new file renamed over the old one, so a
 * reader never sees half of it), removed when it exits. Observing the host
 * reads it (oo_observed.daemon), and the plan turns a config that differs
 * from the daemon's into a blocker (controller/plan.c).
 *
 * A file left by a daemon that died is recognised as such: it names the
 * daemon's pid and the start time of that process (/proc/PID/stat, field
 * 22), and a pid the kernel gave to another process since has another
 * start time. A daemon in another pid namespace (a container that shares
 * /run with the host) writes a pid and start time of its namespace, which
 * mean nothing outside it; so the file also names the daemon's pidfile,
 * which it holds locked while it runs, and a held lock on it says the
 * daemon is alive wherever it runs. */
#ifndef OO_CONTROLLER_DAEMONSTATE_H
#define OO_CONTROLLER_DAEMONSTATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Under the root prefix ("" on a real host). */
#define OO_DAEMON_STATE_PATH "/run/ovs-offload/ovs-offloadd.state"

struct oo_daemon_state {
    bool found;                     /* read: a live ovs-offloadd wrote it */
    long pid;
    uint64_t start;                 /* the process's start, clock ticks after boot */
    bool hostconf;                  /* config is a host.conf, not a YAML config */
    char config[512];               /* its config file */
    uint64_t digest;                /* oo_config.digest of what it loaded */
    int64_t loaded_ms;              /* when it loaded it (wall clock, ms) */
    int64_t rejected_ms;            /* when a reload was last rejected after that
                                     * (it kept this config), 0: none */
    bool watching;                  /* it reloads the file by itself when it changes
                                     * (--watch-config) */
    bool awaits_nics;               /* the rejected reload named offload NICs the host
                                     * has no netdev of: loaded when they appear */
    char pidfile[512];              /* its pidfile, absolute ("": not named) */
    bool self;                      /* read: found, and written by this process (the
                                     * daemon reading its own: it enforces the
                                     * config it plans with, whatever the file says) */
    bool pid_ns_foreign;            /* read: found through the pidfile's lock, the
                                     * writer's pid not being its pid here; pid
                                     * is then the lock holder's as seen here
                                     * when visible, else the writer's own */
};

/* The file's text for s; returns its length, or -ENAMETOOLONG if it does
 * not fit in size. Pure. */
int oo_daemon_state_format(const struct oo_daemon_state *s, char *buf, size_t size);
/* Parses such a text (len bytes) into *s (found stays false). Returns 0, or
 * -EINVAL when a line is malformed or pid, start or digest is missing. Pure. */
int oo_daemon_state_parse(const char *text, size_t len, struct oo_daemon_state *s);

/* The start time of process pid (/proc/PID/stat field 22). Returns 0, or
 * -errno (-ENOENT: no such process). */
int oo_proc_start_time(long pid, uint64_t *ret_start);

/* Writes s (its pid and start are filled in with this process's) as the
 * state file under root, replacing the old one at once. Returns 0 or -errno. */
int oo_daemon_state_write(const char *root, struct oo_daemon_state *s);
/* Removes it, if this process wrote it. */
void oo_daemon_state_remove(const char *root);
/* The pidfile this process holds its single-instance lock on (fd open and
 * locked): oo_daemon_state_read() then never opens that file to ask for its
 * lock, because closing any descriptor of a file drops every POSIX lock the
 * process holds on it. */
void oo_daemon_state_own_pidfile(int fd);
/* Reads the state file under root into *s. s->found is true only when the
 * process that wrote it is alive: its pid and start time match, or another
 * process holds its pidfile (under root) locked. Returns 0 (also when there
 * is no file, or it is stale), or -errno when the file exists but cannot be
 * read or parsed (s->found false). */
int oo_daemon_state_read(const char *root, struct oo_daemon_state *s);

#endif
