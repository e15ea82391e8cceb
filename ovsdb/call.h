/* Private to ovsdb/: one JSON-RPC call on a stream of its own, its reply
 * read with common/jsonread.h. Both servers ovs-offload reads from are asked
 * this way: ovsdb-server (the database read) and ovs-vswitchd's control
 * socket (upcall/show).
 *
 * libopenvswitch's jsonrpc would feed the reply to OVS's JSON reader, which
 * makes a heap object per value and a hash table per object: for a host of a
 * few hundred ports that took most of the read's CPU. Here the reply is
 * gathered in one buffer, its end found by oo_jscan, and it is read with
 * oo_jdoc in one pass. The stream is still OVS's: it knows every kind of
 * remote ("unix:", "tcp:", "ssl:" where built) and connects without blocking.
 *
 * In steps, so that one thread can have calls to two servers in flight at
 * once; with libopenvswitch's lock held (ovs-env.h) and SIGPIPE blocked:
 *
 *     oo_call_start(&c, remote, request, len, id, max_bytes);
 *     while (!oo_call_run(&c) && time_msec() < deadline) {
 *         oo_call_wait(&c);               (and the other call's wait)
 *         poll_timer_wait_until(deadline);
 *         poll_block();
 *     }
 *     ... c.done, c.error, c.connected, c.reply ...
 *     oo_call_destroy(&c);
 *
 * (for one call alone, the loop is oo_call_await(&c, deadline)). */
#ifndef OO_OVSDB_CALL_H
#define OO_OVSDB_CALL_H

#include <stdbool.h>
#include <stddef.h>

#include "common/jsonread.h"

struct stream;

struct oo_call {
    struct stream *stream;
    bool connected;                 /* the connection was made: tells "cannot
                                     * connect" from "lost" */
    char *request;
    size_t request_len, sent;
    long long id;                   /* the request's id */
    size_t max_bytes;               /* bound of one message */
    char *buf;                      /* received: the current message first */
    size_t len, cap;
    size_t scanned;                 /* bytes of buf the scanner has seen */
    struct oo_jscan scan;
    bool done;
    int error;                      /* when done: 0; EOF (-1) when the peer closed;
                                     * or a positive errno: EPROTO when what came is
                                     * not JSON-RPC, EMSGSIZE when a message passed
                                     * max_bytes without ending */
    struct oo_jdoc reply;           /* when done with 0: the reply (an object with
                                     * "result" or "error"), in buf */
};

/* Opens a stream to remote (an active OVS stream name) and starts sending
 * request[0..len), a JSON-RPC request whose "id" is the integer id (taken:
 * freed by oo_call_destroy()). Messages of the peer's other than the reply
 * to id (an echo request, a notification, another reply) are dropped. A
 * message longer than max_bytes fails the call. */
void oo_call_start(struct oo_call *c, const char *remote, char *request, size_t len, long long id,
                   size_t max_bytes);
/* Moves the call on as far as it can without blocking. Returns c->done. */
bool oo_call_run(struct oo_call *c);
/* Arranges for poll_block() to wake when oo_call_run() can move on. */
void oo_call_wait(struct oo_call *c);
/* Runs and waits for c alone until it is done or deadline (time_msec()).
 * Returns c->done. */
bool oo_call_await(struct oo_call *c, long long deadline);
/* c->error once done; ETIMEDOUT before. */
int oo_call_error(const struct oo_call *c);
void oo_call_destroy(struct oo_call *c);

#endif
