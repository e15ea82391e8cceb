#include "tc/io.h"

#include <errno.h>
#include <linux/netlink.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>

#include "common/util.h"

/* Receive-buffer memory the kernel charges per answer (skb truesize): an ack
 * (nlmsgerr, capped, with an extended ACK) fits a 512-byte allocation,
 * ~768 bytes charged; an echoed filter is built in an NLMSG_GOODSIZE
 * (~4 KiB) buffer, ~4.4 KiB charged before trimming. Rounded up. */
#define ACK_COST 1024u
#define ECHO_COST (5u * 1024u)

/* ------------------------------------------------------------------ socket */

static void set_buf(struct oo_nl *nl, int force_opt, int opt, int size)
{
    int fd = mnl_socket_get_fd(nl->sock);

    /* FORCE ignores net.core.[rw]mem_max but needs CAP_NET_ADMIN; without
     * it the plain option is clamped to the maximum, which still helps. */
    if (setsockopt(fd, SOL_SOCKET, force_opt, &size, sizeof size) < 0)
        setsockopt(fd, SOL_SOCKET, opt, &size, sizeof size);
}

int oo_tc_open(struct oo_nl *nl)
{
    int r = oo_nl_open(nl, NETLINK_ROUTE);

    if (r < 0)
        return r;
    set_buf(nl, SO_SNDBUFFORCE, SO_SNDBUF, (int)OO_TC_SNDBUF);
    set_buf(nl, SO_RCVBUFFORCE, SO_RCVBUF, (int)OO_TC_RCVBUF);
    return 0;
}

static size_t get_buf(const struct oo_nl *nl, int opt)
{
    int v = 0;
    socklen_t len = sizeof v;

    if (!nl->sock || getsockopt(mnl_socket_get_fd(nl->sock), SOL_SOCKET, opt, &v, &len) < 0 ||
        v < 0)
        return 0;
    return (size_t)v;
}

/* Bytes one sendmsg may carry: netlink refuses more than sk_sndbuf - 32. */
static size_t send_limit(const struct oo_nl *nl)
{
    size_t snd = get_buf(nl, SO_SNDBUF);

    return snd > OO_TC_MSG_MAX + 64 ? snd - 64 : OO_TC_MSG_MAX;
}

size_t oo_tc_batch_limit(const struct oo_nl *nl, bool echo)
{
    /* Half the receive buffer: other traffic may be queued too, and the
     * kernel's accounting is not ours to predict exactly. */
    size_t budget = get_buf(nl, SO_RCVBUF) / 2;
    size_t n = budget / (echo ? ECHO_COST + ACK_COST : ACK_COST);

    /* The send buffer limits bytes, not requests: the batch stops filling
     * when the next request might not fit (oo_tc_batch_apply_count). */
    if (n > OO_TC_BATCH_MAX)
        n = OO_TC_BATCH_MAX;
    return n ? n : 1;
}

/* ------------------------------------------------------------------- batch */

struct chunk {
    const struct oo_tc_req *reqs; /* the chunk's requests */
    struct oo_tc_result *results; /* and their results */
    size_t n;                     /* requests in the chunk */
    uint32_t seq0;                /* sequence number of reqs[0] */
    bool *awaiting;               /* awaiting[i]: request i went out, no answer of its own */
    size_t last;                  /* the last request sent: the one with NLM_F_ACK */
    bool acked;                   /* its ack came, so every answer before it did too */
};

/* Handles one message of the answers to a chunk: an error, the last
 * request's ack, or an echo (which oo_tc_batch_answer() records). */
static void chunk_msg(struct oo_nl *nl, struct chunk *c, const struct nlmsghdr *h)
{
    int i = oo_tc_batch_answer(h, nl->portid, c->seq0, c->reqs, c->n, c->results);

    if (i < 0)
        return;
    c->awaiting[i] = false;
    if ((size_t)i == c->last)
        c->acked = true;
}

/* Reads the answers to a chunk. rtnetlink has run every request and queued
 * every answer before sendmsg returned, in order: an error for each request
 * that failed and the ack of the last one. Once that ack is read, a request
 * without an answer of its own succeeded. Reading waits (up to a few
 * seconds, as a safety net) only while the ack is missing and nothing was
 * lost. Returns 0, -ENOBUFS if answers were lost (the requests without one
 * keep -ENOBUFS: outcome unknown, dump to find out), or -errno. */
static int chunk_read(struct oo_nl *nl, struct chunk *c)
{
    int fd = mnl_socket_get_fd(nl->sock);
    bool lost = false;

    while (!c->acked) {
        ssize_t len = oo_nl_recv_nowait(nl);
        int left;

        if (len < 0) {
            struct pollfd pfd = { .fd = fd, .events = POLLIN };

            if (errno == EINTR)
                continue;
            if (errno == ENOBUFS) {
                lost = true;
                continue;
            }
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                return -errno;
            if (lost)
                break;
            if (poll(&pfd, 1, 5000) == 0) {
                for (size_t i = 0; i < c->n; i++)
                    if (c->awaiting[i])
                        c->results[i].error = -ETIMEDOUT;
                return -ETIMEDOUT;
            }
            continue;
        }
        left = (int)len;
        for (const struct nlmsghdr *h = nl->rxbuf; mnl_nlmsg_ok(h, left);
             h = mnl_nlmsg_next(h, &left))
            chunk_msg(nl, c, h);
    }
    if (!c->acked || lost)
        return -ENOBUFS;
    for (size_t i = 0; i < c->n; i++)
        if (c->awaiting[i])
            c->results[i].error = 0;
    return 0;
}

static void result_init(struct oo_tc_result *r, int error)
{
    r->error = error;
    r->extack[0] = '\0';
    r->handle = 0;
    r->verified = -1;
}

int oo_tc_batch_apply_count(struct oo_nl *nl, const struct oo_tc_req *reqs, size_t n,
                            struct oo_tc_result *results, size_t *ret_sends)
{
    size_t cap = send_limit(nl), done = 0, sends = 0;
    size_t budget = cap < OO_TC_SEND_BYTES ? cap : OO_TC_SEND_BYTES;
    size_t per_send_plain = oo_tc_batch_limit(nl, false);
    size_t per_send_echo = oo_tc_batch_limit(nl, true);
    _cleanup_free_ char *buf = NULL;
    _cleanup_free_ bool *awaiting = NULL;
    int err = 0, failed = 0;

    if (ret_sends)
        *ret_sends = 0;
    for (size_t i = 0; i < n; i++)
        result_init(&results[i], -ECANCELED);
    if (!nl->sock)
        return -EBADF;
    if (!n)
        return 0;
    /* Room for one more request past the budget: see the loop. */
    buf = oo_malloc(budget + OO_TC_MSG_MAX);
    awaiting = oo_calloc(per_send_plain > per_send_echo ? per_send_plain : per_send_echo,
                         sizeof *awaiting);

    while (done < n) {
        struct chunk c = { .reqs = reqs + done, .results = results + done,
                           .awaiting = awaiting, .seq0 = nl->seq + 1 };
        size_t used = 0, echoes = 0;
        struct nlmsghdr *last = NULL;

        /* Fill the buffer: stop at the count limit (lower once the chunk
         * holds an echo) or at the byte budget. A request that would go
         * past the budget is encoded, then left to the next chunk (which
         * encodes it again), unless it is the chunk's first. */
        while (done + c.n < n) {
            const struct oo_tc_req *req = &reqs[done + c.n];
            struct nlmsghdr *nlh;

            if (used >= budget || c.n >= (echoes || req->echo ? per_send_echo : per_send_plain))
                break;
            nlh = oo_tc_put_req(buf + used, req);
            if (nlh && used && used + NLMSG_ALIGN(nlh->nlmsg_len) > budget)
                break;
            echoes += req->echo;
            c.awaiting[c.n] = nlh != NULL;
            nl->seq++;          /* seq0 + i is request i's number, sent or not */
            if (nlh) {
                nlh->nlmsg_seq = nl->seq;
                c.last = c.n;
                last = nlh;
                used += NLMSG_ALIGN(nlh->nlmsg_len);
                result_init(&c.results[c.n], -ENOBUFS);
            } else {
                result_init(&c.results[c.n], -EINVAL);
            }
            c.n++;
        }
        if (used) {
            /* Only failures answer, and the last request: see chunk_read. */
            last->nlmsg_flags |= NLM_F_ACK;
            if (mnl_socket_sendto(nl->sock, buf, used) < 0) {
                err = -errno;
                for (size_t i = 0; i < c.n; i++)
                    if (c.awaiting[i])
                        c.results[i].error = -ECANCELED;
                break;
            }
            sends++;
            err = chunk_read(nl, &c);
        }
        done += c.n;
        if (err < 0)
            break;
    }
    if (ret_sends)
        *ret_sends = sends;
    for (size_t i = 0; i < n; i++)
        failed += results[i].error != 0;
    return err < 0 ? err : failed;
}

size_t oo_tc_first_refusal(const struct oo_tc_result *results, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int e = results[i].error;

        if (e && e != -ECANCELED && e != -ENOBUFS && e != -ETIMEDOUT)
            return i;
    }
    return n;
}

int oo_tc_batch_apply(struct oo_nl *nl, const struct oo_tc_req *reqs, size_t n,
                      struct oo_tc_result *results)
{
    return oo_tc_batch_apply_count(nl, reqs, n, results, NULL);
}

/* ------------------------------------------------------------------- dumps */

struct collect {
    void *items;                  /* growable array */
    size_t n, cap, size;          /* count, capacity, item size */
    size_t first_cap;             /* the capacity of the first allocation (0: 64) */
    bool other_kind;              /* filters: an instance of a classifier other than flower */
};

static void *collect_next(struct collect *c)
{
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : c->first_cap ? c->first_cap : 64;
        c->items = oo_realloc(c->items, c->cap * c->size);
    }
    return (char *)c->items + c->n * c->size;
}

static int filter_cb(const struct nlmsghdr *nlh, void *data)
{
    struct collect *c = data;
    struct oo_tc_filter *f;

    if (nlh->nlmsg_type != RTM_NEWTFILTER)
        return MNL_CB_OK;
    f = collect_next(c);
    if (oo_tc_parse_filter(nlh, f) < 0) {
        errno = EBADMSG;
        return MNL_CB_ERROR;
    }
    /* Each classifier instance is announced by a message without a filter. */
    if (f->id.handle)
        c->n++;
    else if (!OO_TC_KIND_IS(f->kind, "flower"))
        c->other_kind = true;
    return MNL_CB_OK;
}

static int qdisc_cb(const struct nlmsghdr *nlh, void *data)
{
    struct collect *c = data;

    if (nlh->nlmsg_type != RTM_NEWQDISC)
        return MNL_CB_OK;
    if (oo_tc_parse_qdisc(nlh, collect_next(c)) < 0) {
        errno = EBADMSG;
        return MNL_CB_ERROR;
    }
    c->n++;
    return MNL_CB_OK;
}

static int finish_dump(int r, struct collect *c, void **ret_items, size_t *ret_n)
{
    if (r < 0) {
        free(c->items);
        *ret_items = NULL;
        *ret_n = 0;
        return r;
    }
    *ret_items = c->items;
    *ret_n = c->n;
    return 0;
}

static int dump(struct oo_nl *nl, struct nlmsghdr *req, mnl_cb_t cb, struct collect *c,
                void **ret_items, size_t *ret_n)
{
    int r = oo_nl_transact(nl, req, cb, c);

    return finish_dump(r, c, ret_items, ret_n);
}

/* For filter dumps, mostly of a few rules per place: read in small chunks
 * first (nlsock.h). A filter too large for one, which the kernel reports as
 * EMSGSIZE, makes the dump start over with full-sized reads. */
static int dump_small(struct oo_nl *nl, struct nlmsghdr *req, mnl_cb_t cb, struct collect *c,
                      void **ret_items, size_t *ret_n)
{
    int r = oo_nl_dump_small(nl, req, cb, c);

    if (r == -EMSGSIZE) {
        c->n = 0;
        r = oo_nl_transact(nl, req, cb, c);
    }
    return finish_dump(r, c, ret_items, ret_n);
}

/* The filters a dump request answers with. */
static int dump_filters_req(struct oo_nl *nl, struct nlmsghdr *req, size_t expect,
                            struct oo_tc_filter **ret_filters, size_t *ret_n, bool *ret_other_kind)
{
    /* Most places hold a few rules or none: a filter is large (~700
     * bytes), so the array starts small rather than at 64 of them. */
    struct collect c = { .size = sizeof **ret_filters, .first_cap = 4 };
    void *items;
    int r;

    if (expect) {
        /* + one header message per prio, which takes a slot before it is skipped */
        c.cap = expect + 1;
        c.items = oo_malloc(c.cap * c.size);
    }
    r = dump_small(nl, req, filter_cb, &c, &items, ret_n);

    *ret_filters = items;
    *ret_other_kind = c.other_kind;
    return r;
}

static int dump_filters(struct oo_nl *nl, uint32_t ifindex, uint32_t block, size_t expect,
                        bool terse, struct oo_tc_filter **ret_filters, size_t *ret_n,
                        bool *ret_other_kind)
{
    char buf[OO_TC_MSG_MAX];

    return dump_filters_req(nl, oo_tc_put_getfilter_dump(buf, ifindex, block, terse), expect,
                            ret_filters, ret_n, ret_other_kind);
}

int oo_tc_dump_filters(struct oo_nl *nl, uint32_t ifindex, uint32_t block, size_t expect,
                       struct oo_tc_filter **ret_filters, size_t *ret_n)
{
    bool other;

    return dump_filters(nl, ifindex, block, expect, false, ret_filters, ret_n, &other);
}

int oo_tc_dump_filters_terse(struct oo_nl *nl, uint32_t ifindex, uint32_t block, size_t expect,
                             struct oo_tc_filter **ret_filters, size_t *ret_n, bool *ret_full)
{
    bool other = false, full;
    int r = dump_filters(nl, ifindex, block, expect, true, ret_filters, ret_n, &other);

    /* EMSGSIZE: the terse dump failed on such a filter (io.h). Any other
     * failure is the dump's, and the caller's to handle. */
    full = other && (r == 0 || r == -EMSGSIZE);

    if (ret_full)
        *ret_full = full;
    if (!full)
        return r;
    free(*ret_filters);
    return oo_tc_dump_filters(nl, ifindex, block, expect, ret_filters, ret_n);
}

int oo_tc_dump_egress_filters(struct oo_nl *nl, uint32_t ifindex, struct oo_tc_filter **ret_filters,
                              size_t *ret_n)
{
    char buf[OO_TC_MSG_MAX];
    bool other;

    return dump_filters_req(nl, oo_tc_put_getfilter_dump_egress(buf, ifindex), 0, ret_filters, ret_n,
                            &other);
}

int oo_tc_dump_qdiscs(struct oo_nl *nl, struct oo_tc_qdisc **ret_qdiscs, size_t *ret_n)
{
    char buf[OO_TC_MSG_MAX];
    struct collect c = { .size = sizeof **ret_qdiscs };
    void *items;
    int r = dump(nl, oo_tc_put_getqdisc_dump(buf), qdisc_cb, &c, &items, ret_n);

    *ret_qdiscs = items;
    if (r == 0)
        oo_tc_sort_qdiscs(*ret_qdiscs, *ret_n);
    return r;
}

/* ------------------------------------------------------------------ qdiscs */

static int qdisc_order(const void *a_, const void *b_)
{
    const struct oo_tc_qdisc *a = a_, *b = b_;

    if (a->ifindex != b->ifindex)
        return a->ifindex < b->ifindex ? -1 : 1;
    if (a->parent != b->parent)
        return a->parent < b->parent ? -1 : 1;
    return (a->handle > b->handle) - (a->handle < b->handle);
}

void oo_tc_sort_qdiscs(struct oo_tc_qdisc *q, size_t n)
{
    if (n > 1)
        qsort(q, n, sizeof *q, qdisc_order);
}

const struct oo_tc_qdisc *oo_tc_find_ingress_qdisc(const struct oo_tc_qdisc *q, size_t n,
                                                   uint32_t ifindex)
{
    size_t lo = 0, hi = n;

    /* The first qdisc of ifindex, then its few others. */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (q[mid].ifindex < ifindex)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = lo; i < n && q[i].ifindex == ifindex; i++)
        if (q[i].parent == TC_H_INGRESS &&
            (!strcmp(q[i].kind, "ingress") || !strcmp(q[i].kind, "clsact")))
            return &q[i];
    return NULL;
}

int oo_tc_qdisc_ensure(struct oo_nl *nl, uint32_t ifindex, int kind, uint32_t block,
                       struct oo_tc_qdisc *ret_qdisc)
{
    char buf[OO_TC_MSG_MAX];
    struct nlmsghdr *req;
    int r;

    for (int attempt = 0; attempt < 2; attempt++) {
        _cleanup_free_ struct oo_tc_qdisc *q = NULL;
        const struct oo_tc_qdisc *found;
        size_t n;

        r = oo_tc_dump_qdiscs(nl, &q, &n);
        if (r < 0)
            return r;
        found = oo_tc_find_ingress_qdisc(q, n, ifindex);
        if (found) {
            if (ret_qdisc)
                *ret_qdisc = *found;
            return found->ingress_block == block ? 0 : -EEXIST;
        }
        req = oo_tc_put_newqdisc(buf, ifindex, kind, block, NLM_F_CREATE | NLM_F_EXCL);
        if (!req)
            return -EINVAL;
        r = oo_nl_transact(nl, req, NULL, NULL);
        if (r == -EEXIST)
            continue;   /* someone made one meanwhile: look at it */
        if (r < 0)
            return r;
        if (ret_qdisc) {
            memset(ret_qdisc, 0, sizeof *ret_qdisc);
            ret_qdisc->ifindex = ifindex;
            ret_qdisc->handle = TC_H_MAKE(TC_H_INGRESS, 0);
            ret_qdisc->parent = TC_H_INGRESS;
            oo_strlcpy(ret_qdisc->kind, oo_tc_qdisc_kind_to_string(kind), sizeof ret_qdisc->kind);
            ret_qdisc->ingress_block = block;
        }
        return 1;
    }
    return -EEXIST;
}
