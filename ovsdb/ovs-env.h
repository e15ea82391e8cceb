/* Private to ovsdb/: the process-wide state that libopenvswitch assumes its
 * host program has set up, arranged once so that a library call behaves like
 * a library call (no logging, no signal handlers, no SIGPIPE deaths). */
#ifndef OO_OVSDB_OVS_ENV_H
#define OO_OVSDB_OVS_ENV_H

#include <signal.h>
#include <stdbool.h>

/* Prepares libopenvswitch for use; idempotent and thread-safe (pthread_once).
 * Call before any other OVS function. See ovs-env.c for what and why. */
void oo_ovs_env_init(void);

/* libopenvswitch believes it runs single-threaded (it only knows about
 * threads it created), so its global state (RCU, vlog, fatal-signal, the
 * per-thread poll loop aside) is not ours to touch from two threads at once:
 * every entry point of ovsdb/ holds this lock while it calls into OVS. */
void oo_ovs_lock(void);
void oo_ovs_unlock(void);

/* The flag oo_ovsdb_set_stop() registered is set (false when none is). */
bool oo_ovsdb_stopping(void);

/* The time a wait that ends at `until` should wake by: sooner, every
 * OO_OVSDB_STOP_POLL_MS, while a stop flag is registered. */
#define OO_OVSDB_STOP_POLL_MS 100
long long oo_ovsdb_wake_by(long long now, long long until);

/* SIGPIPE is blocked in the calling thread for the span between
 * oo_sigpipe_block() and oo_sigpipe_restore(); a SIGPIPE raised in between by
 * a write to a closed socket is discarded. */
struct oo_sigpipe_guard {
    sigset_t old_mask;      /* the thread's mask before blocking */
    bool was_pending;       /* SIGPIPE already pending before: not ours */
};

/* Blocks SIGPIPE in the calling thread and remembers how to undo it. */
void oo_sigpipe_block(struct oo_sigpipe_guard *guard);

/* Discards a SIGPIPE raised since oo_sigpipe_block() and restores the mask. */
void oo_sigpipe_restore(const struct oo_sigpipe_guard *guard);

#endif
