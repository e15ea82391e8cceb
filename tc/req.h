/* One filter write (add, replace, delete) and its outcome: what the
 * reconciler plans and what oo_tc_batch_apply() executes. Pure. */
#ifndef OO_TC_REQ_H
#define OO_TC_REQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/nlsock.h"
#include "tc/flower.h"

enum oo_tc_op {
    OO_TC_OP_DELETE,              /* "delete": RTM_DELTFILTER of one handle */
    OO_TC_OP_REPLACE,             /* "replace": RTM_NEWTFILTER in place of a handle */
    OO_TC_OP_ADD,                 /* "add": RTM_NEWTFILTER, NLM_F_EXCL */
    OO_TC_OP_MAX,
};

struct oo_tc_req {
    int op;                       /* enum oo_tc_op */
    const struct oo_tc_filter *filter; /* ADD/REPLACE: what to write; DELETE:
                                   * what to delete (only its id is read).
                                   * Not owned: the caller keeps it alive. */
    uint32_t handle;              /* the handle to replace or delete; 0 = filter->id.handle
                                   * (for ADD: 0 lets the kernel pick) */
    bool echo;                    /* NLM_F_ECHO: the kernel sends the filter back and the
                                   * result says whether it equals the request */
};

struct oo_tc_result {
    int error;                    /* 0, or the kernel's -errno; -EINVAL: not encodable;
                                   * -ECANCELED: not sent (an earlier I/O error);
                                   * -ENOBUFS: sent, but the answer was lost */
    char extack[OO_NL_EXTACK_MAX];/* the kernel's message; with error 0, a warning
                                   * (e.g. a verbose filter that stayed in software) */
    uint32_t handle;              /* with echo: the handle of the filter written */
    int verified;                 /* with echo: 1 = the kernel's copy equals the
                                   * request, 0 = it differs; -1 = no echo */
};

/* "delete", "replace", "add"; NULL / -EINVAL. */
const char *oo_tc_op_to_string(int op);
int oo_tc_op_from_string(const char *s);

/* Encodes a request into buf (OO_TC_MSG_MAX bytes): ADD as RTM_NEWTFILTER
 * NLM_F_CREATE | NLM_F_EXCL, REPLACE as NLM_F_CREATE | NLM_F_REPLACE at the
 * handle, DELETE as RTM_DELTFILTER; NLM_F_ECHO when req->echo. Sequence
 * number and NLM_F_ACK are the sender's. Returns NULL if the request cannot
 * be encoded (see oo_tc_put_newfilter / oo_tc_put_delfilter). */
struct nlmsghdr *oo_tc_put_req(void *buf, const struct oo_tc_req *req);

/* Pure: applies one message of the answers to a batch to the result of the
 * request it answers. Request i was sent with sequence number seq0 + i from
 * port `portid`; messages for other numbers or ports are ignored. An ack
 * (NLMSG_ERROR) sets error and extack; an echo (RTM_NEWTFILTER or
 * RTM_DELTFILTER, which comes before its ack) sets handle and verified.
 * Returns i for an ack of request i, else -1. */
int oo_tc_batch_answer(const struct nlmsghdr *h, uint32_t portid, uint32_t seq0,
                       const struct oo_tc_req *reqs, size_t n, struct oo_tc_result *results);

#endif
