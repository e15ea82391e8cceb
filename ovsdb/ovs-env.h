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

struct json;
struct jsonrpc;
struct jsonrpc_msg;
struct stream;

/* One JSON-RPC call on a connection of its own: connects to name (an active
 * stream such as "unix:PATH" or "tcp:IP:PORT"), sends request (taken), and
 * waits, until deadline (time_msec()), for the reply with its id; other
 * messages (an echo, a notification) are dropped. Returns 0 with *reply (a
 * reply or an error reply; the caller destroys it), or a positive errno:
 * EOF when the peer closed the connection, EPROTO when what came back is not
 * JSON-RPC, ETIMEDOUT. *connected (may be NULL) says whether the connection
 * was made, so that callers can tell "cannot connect" from "lost". */
int oo_jsonrpc_call(const char *name, struct jsonrpc_msg *request, long long deadline,
                    struct jsonrpc_msg **reply, bool *connected);

/* The same call in steps, so that one thread can have calls to two servers
 * in flight at once (OVSDB and ovs-vswitchd answer in parallel):
 *
 *     oo_rpc_start(&c, name, request);
 *     while (!oo_rpc_run(&c) && time_msec() < deadline) {
 *         oo_rpc_wait(&c);               (and the other call's wait)
 *         poll_timer_wait_until(deadline);
 *         poll_block();
 *     }
 *     error = oo_rpc_finish(&c, &reply, &connected);
 *
 * (for one call alone, the loop is oo_rpc_await(&c, deadline)).
 * oo_rpc_finish() of a call that is not done gives ETIMEDOUT; its results
 * are those of oo_jsonrpc_call(), and it frees what the call holds. */
struct oo_rpc_call {
    struct stream *stream;          /* until connected */
    struct jsonrpc *rpc;            /* once connected */
    struct jsonrpc_msg *request;    /* until sent */
    struct json *id;
    struct jsonrpc_msg *reply;      /* once received (a reply or an error reply) */
    int error;                      /* once failed: a positive errno or EOF; done = reply or error */
    bool connected;
};

void oo_rpc_start(struct oo_rpc_call *c, const char *name, struct jsonrpc_msg *request);
/* Makes what progress it can without blocking. Returns whether c is done. */
bool oo_rpc_run(struct oo_rpc_call *c);
/* Arranges for poll_block() to wake when oo_rpc_run() can make progress. */
void oo_rpc_wait(struct oo_rpc_call *c);
/* Runs and waits for c alone until it is done or deadline. Returns whether
 * it is done. */
bool oo_rpc_await(struct oo_rpc_call *c, long long deadline);
int oo_rpc_finish(struct oo_rpc_call *c, struct jsonrpc_msg **reply, bool *connected);

#endif
