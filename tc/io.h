/* tc I/O: the only file of tc/ that touches a socket. Batched filter writes,
 * filter and qdisc dumps, and making sure a device has its ingress qdisc.
 * Errors are negative errno; nothing here logs.
 *
 * Batching. A write costs the kernel a few microseconds; one sendmsg and one
 * ack per write (what tc(8) does without -batch) costs more than that in
 * system calls and, in the test guest, process start-ups. oo_tc_batch_apply()
 * encodes many requests back to back into one buffer and sends them with one
 * sendmsg: rtnetlink runs them in order, in the sender's context, before
 * sendmsg returns. Each request carries its own sequence number; only the
 * last of a sendmsg asks for an ack (NLM_F_ACK). The kernel answers a failed
 * request whatever its flags (netlink_rcv_skb; only a dump's start goes
 * unanswered), and a failure does not stop the requests after it. So the
 * answers are the failures, each with its extended ACK, then the last
 * request's ack, and a request without an answer of its own succeeded. They
 * are mapped back by sequence number. (An ack per request took one recvmsg
 * each: 10 000 for 10 000 rules.) Because every answer is already queued
 * when sendmsg returns, a batch must not produce more of them than the
 * socket's receive buffer holds (if all fail), or the kernel drops some (the
 * socket reports ENOBUFS). So requests go out in chunks of at most
 * oo_tc_batch_limit() requests and OO_TC_SEND_BYTES bytes (see there why so
 * few), and oo_tc_open() raises both buffers (SO_*BUFFORCE when privileged,
 * else up to the sysctl maxima). NETLINK_CAP_ACK keeps acks small (no copy
 * of the request), NETLINK_EXT_ACK gives the kernel's reason per failed
 * request. */
#ifndef OO_TC_IO_H
#define OO_TC_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/nlsock.h"
#include "tc/flower.h"
#include "tc/req.h"

/* Buffers oo_tc_open() asks for (the kernel doubles them). */
#define OO_TC_SNDBUF (1u << 20)
#define OO_TC_RCVBUF (4u << 20)
/* Bytes of requests per sendmsg, at most (one larger request goes alone).
 * While anything listens to RTNLGRP_TC (tc monitor, ovs-offloadd itself) or
 * a request asks for an echo, the kernel builds each filter's notification
 * in a buffer as large as the whole sendmsg that carried the request
 * (cls_api.c, tfilter_notify_prep: max(NLMSG_GOODSIZE, oskb->len)), zeroed
 * where init_on_alloc is on (Debian's default). Batches of a few hundred
 * kilobytes then cost the kernel a large allocation per filter: 10 000 adds
 * took 3.1 s instead of 1.4 s. Kept under NLMSG_GOODSIZE (3776 bytes with
 * 4 KiB pages), a notification costs what it costs after tc -batch's
 * one-request messages. */
#define OO_TC_SEND_BYTES 3584
/* Requests per sendmsg at most, whatever the buffers allow. */
#define OO_TC_BATCH_MAX 1024

/* Opens an rtnetlink socket (extended ACKs, capped ACKs) with large send
 * and receive buffers. Returns 0 or -errno. Close with oo_nl_close(). */
int oo_tc_open(struct oo_nl *nl);

/* How many requests oo_tc_batch_apply() sends per sendmsg on nl, with or
 * without echoes, given the socket's buffers. At least 1. */
size_t oo_tc_batch_limit(const struct oo_nl *nl, bool echo);

/* Executes reqs[0..n-1] in order, in chunks (oo_tc_batch_limit() requests,
 * OO_TC_SEND_BYTES bytes at most), and
 * fills results[i] for each (error, extended ACK, echo). A failed request
 * does not stop the others. Returns the number of failed requests (>= 0),
 * or -errno on a socket error (requests without an answer then say
 * -ENOBUFS if sent but answers were lost, -ECANCELED if not sent). */
int oo_tc_batch_apply(struct oo_nl *nl, const struct oo_tc_req *reqs, size_t n,
                      struct oo_tc_result *results);
/* The index of the first of results[0..n-1] that failed with a reason of
 * its own (the kernel's answer, or -EINVAL: not encodable), skipping those
 * whose outcome a socket error left unknown (-ECANCELED, -ENOBUFS,
 * -ETIMEDOUT); n if there is none. Pure. */
size_t oo_tc_first_refusal(const struct oo_tc_result *results, size_t n);
/* The same; *ret_sends (may be NULL) gets the number of sendmsg calls. */
int oo_tc_batch_apply_count(struct oo_nl *nl, const struct oo_tc_req *reqs, size_t n,
                            struct oo_tc_result *results, size_t *ret_sends);

/* Dumps the filters of a device's ingress (block 0) or of a shared block,
 * every chain, with statistics; the per-prio header messages are skipped.
 * A device on a shared block answers with the block's filters (block form:
 * id.block set, id.ifindex 0). A device without an ingress qdisc, or that
 * does not exist, gives an empty list. *ret_filters is malloc'ed. Returns 0
 * or -errno. expect (0: unknown) sizes the array up front: growing one of
 * 10 000 filters by doubling leaves the smaller copies behind in the heap. */
int oo_tc_dump_filters(struct oo_nl *nl, uint32_t ifindex, uint32_t block, size_t expect,
                       struct oo_tc_filter **ret_filters, size_t *ret_n);

/* The same, terse where the kernel can (TCA_DUMP_FLAGS_TERSE, Linux 5.10):
 * a flower filter then comes with its id, chain, kind, flags (skip_*,
 * in_hw, not_in_hw) and its actions' kinds, cookies and counters, but no
 * keys, no action parameters and no in_hw_count (f->terse is set). That is
 * who owns it and whether it is in hardware, at a fraction of the kernel's
 * cost: at 10 000 rules, flower's key dump and the actions' full dumps are
 * a third of a full dump's time. Other classifiers have no terse form
 * (Linux 6.1: only flower has one), and tcf_fill_node() fails each of their
 * filters with -EOPNOTSUPP (cls_api.c). tc_dump_tfilter() then ends the
 * message; the next one resumes after that filter, which is thus left out,
 * unless it failed as the first thing of a message: the dump then ends with
 * EMSGSIZE (two u32 filters in one priority do that). So when the dump
 * announces a classifier instance of another kind, it is made again in
 * full, also when it ended with EMSGSIZE, and *ret_full (may be NULL) says
 * so; another failure is returned as it is. A
 * kernel without terse dumps answers in full; its filters have f->terse
 * clear. */
int oo_tc_dump_filters_terse(struct oo_nl *nl, uint32_t ifindex, uint32_t block, size_t expect,
                             struct oo_tc_filter **ret_filters, size_t *ret_n, bool *ret_full);

/* Dumps the filters of a device's clsact egress side, every chain, in full
 * form. Only for a device whose qdisc is a clsact: the ingress qdisc has
 * one block, and answers the egress dump with its ingress filters. No
 * qdisc at all gives an empty list. */
int oo_tc_dump_egress_filters(struct oo_nl *nl, uint32_t ifindex, struct oo_tc_filter **ret_filters,
                              size_t *ret_n);

/* Dumps every qdisc of every device, sorted as oo_tc_sort_qdiscs() sorts.
 * *ret_qdiscs is malloc'ed. */
int oo_tc_dump_qdiscs(struct oo_nl *nl, struct oo_tc_qdisc **ret_qdiscs, size_t *ret_n);

/* Sorts a qdisc list by ifindex (then parent, handle), the order
 * oo_tc_find_ingress_qdisc() searches in. Pure. */
void oo_tc_sort_qdiscs(struct oo_tc_qdisc *q, size_t n);

/* The ingress-side qdisc (ingress or clsact) of ifindex in a qdisc list
 * sorted by oo_tc_sort_qdiscs() (as dumped), or NULL. Pure. */
const struct oo_tc_qdisc *oo_tc_find_ingress_qdisc(const struct oo_tc_qdisc *q, size_t n,
                                                   uint32_t ifindex);

/* Makes sure ifindex has an ingress-side qdisc on `block` (0 = its own
 * block): creates one of `kind` if it has none. An existing ingress or clsact
 * qdisc on the same block is accepted whatever its kind. Never deletes or
 * changes a qdisc. Returns 1 if it created one, 0 if the right one was
 * there, -EEXIST if the device has one on another block (*ret_qdisc, may be
 * NULL, then describes it), or -errno (nl->extack has the kernel's text). */
int oo_tc_qdisc_ensure(struct oo_nl *nl, uint32_t ifindex, int kind, uint32_t block,
                       struct oo_tc_qdisc *ret_qdisc);

#endif
