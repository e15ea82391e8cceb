/* One JSON-RPC call on a stream of its own (see call.h). */

#include <config.h> /* OVS's own; every OVS-using translation unit starts with it */

#include "ovsdb/call.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "jsonrpc.h"
#include "openvswitch/poll-loop.h"
#include "stream.h"
#include "timeval.h"

#include "common/util.h"

void oo_call_start(struct oo_call *c, const char *remote, char *request, size_t len, long long id,
                   size_t max_bytes)
{
    memset(c, 0, sizeof *c);
    oo_jscan_reset(&c->scan);
    c->request = request;
    c->request_len = len;
    c->id = id;
    c->max_bytes = max_bytes;
    c->error = jsonrpc_stream_open(remote, &c->stream, DSCP_DEFAULT);
    c->done = c->error != 0;
}

static bool fail(struct oo_call *c, int error)
{
    c->error = error;
    c->done = true;
    return true;
}

/* The message in buf[0..end): true when it is the reply (kept in c->reply),
 * false when it is something else the peer sent (dropped); EPROTO when it is
 * not a JSON-RPC message, as libopenvswitch's jsonrpc would refuse it. */
static bool take_message(struct oo_call *c, size_t end)
{
    const struct oo_jnode *msg, *id;

    if (oo_jdoc_parse(&c->reply, c->buf, end, NULL, 0))
        return fail(c, EPROTO);
    msg = oo_jdoc_root(&c->reply);
    id = oo_jnode_get(msg, "id");
    if (msg->type != OO_JOBJECT || (!id && !oo_jnode_get(msg, "method")))
        return fail(c, EPROTO);
    if (!oo_jnode_get(msg, "method") && id && id->type == OO_JINT && id->u.i == c->id &&
        (oo_jnode_get(msg, "result") || oo_jnode_get(msg, "error"))) {
        c->done = true;
        return true;
    }
    /* A request or notification of the peer's (an echo), or a reply to
     * something else. */
    oo_jdoc_free(&c->reply);
    return false;
}

/* Takes the n bytes just received: true when that ends the call. */
static bool take_bytes(struct oo_call *c, size_t n)
{
    c->len += n;
    while (c->scanned < c->len) {
        ssize_t end = oo_jscan_feed(&c->scan, c->buf + c->scanned, c->len - c->scanned);

        if (end < 0)
            return fail(c, EPROTO);
        if (!end) {
            c->scanned = c->len;
            return false;
        }
        c->scanned += (size_t)end;
        if (take_message(c, c->scanned))
            return true;
        memmove(c->buf, c->buf + c->scanned, c->len - c->scanned);
        c->len -= c->scanned;
        c->scanned = 0;
        oo_jscan_reset(&c->scan);
    }
    return false;
}

bool oo_call_run(struct oo_call *c)
{
    if (c->done)
        return true;
    if (!c->connected) {
        int error = stream_connect(c->stream);

        if (error == EAGAIN) {
            stream_run(c->stream);
            return false;
        }
        if (error)
            return fail(c, error);
        c->connected = true;
    }
    stream_run(c->stream);
    while (c->sent < c->request_len) {
        int n = stream_send(c->stream, c->request + c->sent, c->request_len - c->sent);

        if (n == -EAGAIN)
            return false;
        if (n < 0)
            return fail(c, -n);
        c->sent += (size_t)n;
    }
    for (;;) {
        int n;

        if (c->cap - c->len < 16384) {
            if (c->cap >= c->max_bytes)
                return fail(c, EMSGSIZE);
            c->cap = c->cap ? c->cap * 2 : 65536;
            c->buf = oo_realloc(c->buf, c->cap);
        }
        n = stream_recv(c->stream, c->buf + c->len, c->cap - c->len);
        if (n == -EAGAIN)
            return false;
        if (n < 0)
            return fail(c, -n);
        if (n == 0)
            return fail(c, EOF);
        if (take_bytes(c, (size_t)n))
            return true;
    }
}

void oo_call_wait(struct oo_call *c)
{
    if (c->done) {
        poll_immediate_wake();
    } else if (!c->connected) {
        stream_run_wait(c->stream);
        stream_connect_wait(c->stream);
    } else {
        stream_run_wait(c->stream);
        if (c->sent < c->request_len)
            stream_send_wait(c->stream);
        else
            stream_recv_wait(c->stream);
    }
}

bool oo_call_await(struct oo_call *c, long long deadline)
{
    while (!oo_call_run(c) && time_msec() < deadline) {
        oo_call_wait(c);
        poll_timer_wait_until(deadline);
        poll_block();
    }
    return c->done;
}

int oo_call_error(const struct oo_call *c)
{
    return c->done ? c->error : ETIMEDOUT;
}

void oo_call_destroy(struct oo_call *c)
{
    stream_close(c->stream);
    oo_jdoc_free(&c->reply);
    free(c->request);
    free(c->buf);
    memset(c, 0, sizeof *c);
}
