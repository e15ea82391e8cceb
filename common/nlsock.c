#include "common/nlsock.h"

#include <errno.h>
#include <linux/netlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "common/util.h"

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif
#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK 10
#endif

int oo_nl_open(struct oo_nl *nl, int bus)
{
    int one = 1;

    memset(nl, 0, sizeof *nl);
    nl->sock = mnl_socket_open2(bus, SOCK_CLOEXEC);
    if (!nl->sock)
        return -errno;
    if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
        int err = -errno;
        oo_nl_close(nl);
        return err;
    }
    /* Both are best effort: old kernels lack them and still work. */
    mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof one);
    mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one, sizeof one);
    nl->portid = mnl_socket_get_portid(nl->sock);
    nl->seq = (uint32_t)oo_now_ms();
    nl->rxbuf = oo_malloc(OO_NL_RECV_SIZE);
    nl->rxcap = OO_NL_RECV_SIZE;
    return 0;
}

struct nlmsghdr *oo_nl_put_header(void *buf)
{
    memset(buf, 0, OO_NL_MSG_SIZE);
    return mnl_nlmsg_put_header(buf);
}

void oo_nl_close(struct oo_nl *nl)
{
    if (nl->sock)
        mnl_socket_close(nl->sock);
    free(nl->rxbuf);
    nl->sock = NULL;
    nl->rxbuf = NULL;
    nl->rxcap = 0;
}

static int tlv_msg_cb(const struct nlattr *attr, void *data)
{
    const char **msg = data;

    if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
        mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
        *msg = mnl_attr_get_str(attr);
    return MNL_CB_OK;
}

int oo_nl_parse_error(const struct nlmsghdr *nlh, char *msg, size_t msg_size)
{
    const char *text = NULL;
    size_t hdr = mnl_nlmsg_size(0);
    size_t payload = nlh->nlmsg_len >= hdr ? nlh->nlmsg_len - hdr : 0;
    int error;
    size_t tlv_offset;

    if (msg_size)
        msg[0] = '\0';
    if (nlh->nlmsg_type == NLMSG_DONE) {
        /* A dump's end: an int error code, then TLVs when NLM_F_ACK_TLVS. */
        if (payload < sizeof(int))
            return 0;
        memcpy(&error, mnl_nlmsg_get_payload(nlh), sizeof error);
        tlv_offset = MNL_ALIGN(sizeof(int));
    } else if (nlh->nlmsg_type == NLMSG_ERROR) {
        const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

        if (payload < sizeof *e)
            return -EBADMSG;
        error = e->error;
        /* With NETLINK_CAP_ACK the kernel echoes only the request's header. */
        tlv_offset = sizeof *e;
        if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
            if (e->msg.nlmsg_len < hdr)
                return -EBADMSG;
            tlv_offset += MNL_ALIGN(e->msg.nlmsg_len - hdr);
        }
    } else {
        return -EBADMSG;
    }
    if (error > 0)
        return -EBADMSG;
    if ((nlh->nlmsg_flags & NLM_F_ACK_TLVS) && tlv_offset < payload)
        mnl_attr_parse_payload((const char *)mnl_nlmsg_get_payload(nlh) + tlv_offset,
                               payload - tlv_offset, tlv_msg_cb, &text);
    if (text && msg_size)
        oo_strlcpy(msg, text, msg_size);
    return error;
}

struct transact_ctx {
    struct oo_nl *nl;
    mnl_cb_t cb;
    void *data;
    int error;          /* the kernel's error for our request */
    int cb_failed;      /* the callback's -errno; the reply is drained */
};

static int data_trampoline(const struct nlmsghdr *nlh, void *data)
{
    struct transact_ctx *ctx = data;
    int r;

    if (ctx->cb_failed || !ctx->cb)
        return MNL_CB_OK;         /* draining after a callback error */
    r = ctx->cb(nlh, ctx->data);
    if (r == MNL_CB_ERROR) {
        /* Keep reading to the end of the reply; report the error after. */
        ctx->cb_failed = errno ? -errno : -EIO;
        return MNL_CB_OK;
    }
    return r;
}

static int error_cb(const struct nlmsghdr *nlh, void *data)
{
    struct transact_ctx *ctx = data;
    int r = oo_nl_parse_error(nlh, ctx->nl->extack, sizeof ctx->nl->extack);

    ctx->error = r;
    if (r < 0) {
        errno = -r;
        return MNL_CB_ERROR;
    }
    return MNL_CB_STOP;   /* an ACK (possibly with a warning in extack) */
}

static int noop_cb(const struct nlmsghdr *nlh, void *data)
{
    (void)nlh; (void)data;
    return MNL_CB_OK;
}

/* The smallest read whose size the kernel keeps as its chunk size: chunks are
 * at least NLMSG_GOODSIZE, just under a page and at most just under 8 KiB,
 * so one page, capped at 8 KiB. */
static size_t small_read_size(void)
{
    long page = sysconf(_SC_PAGESIZE);

    return page >= 8192 ? 8192 : 4096;
}

ssize_t oo_nl_recv_nowait(struct oo_nl *nl)
{
    nl->read_full = true;
    return recv(mnl_socket_get_fd(nl->sock), nl->rxbuf, nl->rxcap, MSG_DONTWAIT);
}

/* One datagram into nl->rxbuf, at most want bytes: mnl_socket_recvfrom()'s
 * checks, and with MSG_TRUNC the datagram's whole length, so that a message
 * too large for the buffer says how large it was. Returns the length read, or
 * -1 with errno; ENOSPC (libmnl's word for a truncated read) with the
 * datagram's length in *full. */
static ssize_t recv_reply(struct oo_nl *nl, size_t want, size_t *full)
{
    struct sockaddr_nl addr;
    struct iovec iov = { .iov_base = nl->rxbuf, .iov_len = want };
    struct msghdr msg = {
        .msg_name = &addr, .msg_namelen = sizeof addr, .msg_iov = &iov, .msg_iovlen = 1,
    };
    ssize_t n = recvmsg(mnl_socket_get_fd(nl->sock), &msg, MSG_TRUNC);

    if (n < 0)
        return -1;
    if (msg.msg_namelen != sizeof addr) {
        errno = EINVAL;
        return -1;
    }
    if ((size_t)n > want) {
        *full = (size_t)n;
        errno = ENOSPC;
        return -1;
    }
    return n;
}

/* Makes the receive buffer hold a datagram of len bytes, within
 * OO_NL_RECV_MAX. */
static void grow_rxbuf(struct oo_nl *nl, size_t len)
{
    size_t cap = nl->rxcap;

    while (cap < len && cap < OO_NL_RECV_MAX)
        cap *= 2;
    if (cap > OO_NL_RECV_MAX)
        cap = OO_NL_RECV_MAX;
    if (cap == nl->rxcap)
        return;
    free(nl->rxbuf);
    nl->rxbuf = oo_malloc(cap);
    nl->rxcap = cap;
}

/* After a truncated or refused read: reads what is left of the reply without waiting.
 * The kernel queues the next chunk of a dump within each read, so an empty
 * queue means the dump has ended. */
static void drain(struct oo_nl *nl)
{
    for (;;) {
        ssize_t n = oo_nl_recv_nowait(nl);

        if (n <= 0 && !(n < 0 && errno == EINTR))
            return;
    }
}

/* small_reads: how many of the reply's reads are page-sized (0: none). */
static int transact(struct oo_nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data,
                    unsigned small_reads)
{
    static mnl_cb_t ctl[NLMSG_MIN_TYPE] = {
        [NLMSG_NOOP] = noop_cb,
        [NLMSG_ERROR] = error_cb,
        [NLMSG_DONE] = error_cb,
        [NLMSG_OVERRUN] = noop_cb,
    };
    struct transact_ctx ctx = { .nl = nl, .cb = cb, .data = data };
    size_t small = small_reads && !nl->read_full ? small_read_size() : 0;
    unsigned reads = 0;
    int r;

    if (!nl->sock)
        return -EBADF;
    nl->extack[0] = '\0';
    nlh->nlmsg_seq = ++nl->seq;
    nlh->nlmsg_flags |= NLM_F_ACK;
    if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
        return -errno;
    do {
        bool full_read = !(small && reads < small_reads);
        size_t want = full_read ? nl->rxcap : small, len = 0;
        ssize_t n;

        nl->read_full |= full_read;
        n = recv_reply(nl, want, &len);

        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == ENOSPC) {
                /* The chunk is lost: the caller repeats the request, into a
                 * buffer that holds it from now on. */
                if (full_read)
                    grow_rxbuf(nl, len);
                drain(nl);
                snprintf(nl->extack, sizeof nl->extack,
                         "a reply chunk of %zu bytes did not fit in a %zu-byte read", len, want);
                return -EMSGSIZE;
            }
            return -errno;
        }
        reads++;
        ctx.error = 0;
        r = mnl_cb_run2(nl->rxbuf, (size_t)n, nlh->nlmsg_seq, nl->portid,
                        data_trampoline, &ctx, ctl, OO_ARRAY_SIZE(ctl));
        if (r == MNL_CB_ERROR) {
            int err = ctx.error < 0 ? ctx.error : (errno ? -errno : -EIO);

            /* An error ack ends the reply. Anything else (an interrupted
             * dump, a message of an earlier request) leaves the rest queued:
             * read it away, or the next request takes it for its answer. */
            if (ctx.error >= 0)
                drain(nl);
            return err;
        }
    } while (r > MNL_CB_STOP);
    return ctx.cb_failed;
}

int oo_nl_transact(struct oo_nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
    return transact(nl, nlh, cb, data, 0);
}

int oo_nl_dump_small(struct oo_nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
    return transact(nl, nlh, cb, data, OO_NL_SMALL_READS);
}

const char *oo_nl_strerror(const struct oo_nl *nl, int err, char *buf, size_t buf_size)
{
    if (nl && nl->extack[0])
        snprintf(buf, buf_size, "%s: %s", strerror(err < 0 ? -err : err), nl->extack);
    else
        snprintf(buf, buf_size, "%s", strerror(err < 0 ? -err : err));
    return buf;
}
