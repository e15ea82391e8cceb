/* Prometheus metrics: the text exposition format (version 0.0.4) of the host
 * and of the daemon, and a tiny HTTP/1.0 server that serves it from a thread
 * of its own.
 *
 * The same host text comes from `ovs-offloadctl status --prometheus` (for
 * node_exporter's textfile collector) and from the daemon's /metrics, which
 * adds its own counters. Every metric is listed in README ("The daemon").
 * Names follow Prometheus' conventions: the ovs_offload_ prefix, base units
 * (seconds), _total on counters, _info for constant 1 series with labels,
 * one HELP and TYPE line per family.
 *
 * The writers are pure (they only write to the FILE); the HTTP server does
 * non-blocking socket I/O only and bounds what a client may send
 * (OO_HTTP_MAX_REQUEST bytes, OO_HTTP_TIMEOUT_MS).
 *
 * Threads: the daemon's loop renders the whole text at the end of each pass
 * and whenever its counters change, and publishes it on a board (struct
 * oo_metrics_board, a mutex around one pointer); the HTTP thread answers
 * every scrape with a copy of the board's text. A scrape therefore never
 * waits for a pass, and always gets the numbers of one complete rendering.
 * Nothing else is shared between the two threads. */
#ifndef OO_CONTROLLER_METRICS_H
#define OO_CONTROLLER_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#include "controller/observe.h"
#include "controller/reconcile.h"

/* ---------------------------------------------------------------- text */

/* Writes s as a label value: backslash, double quote and newline escaped
 * (without the surrounding quotes). NULL writes nothing. */
void oo_prom_write_label_value(FILE *f, const char *s);
/* Writes s as HELP text: backslash and newline escaped. */
void oo_prom_write_help(FILE *f, const char *s);

/* Host metrics from one observation: devlink reachability; per PF (label
 * device, the devlink handle) its eswitch mode, VF counts, representors and
 * how many of them are OVS ports, hw-tc-offload; per bond its mode, members
 * and active members; OVSDB reachability, hw-offload enabled and active,
 * ovs-vswitchd running and needing a restart; tc readability and the tc
 * filters of every observed ingress (oo_metrics_tc_collect). Unknown values
 * are left out, never guessed. observed_wall_ms: when o was read (Unix ms). */
void oo_metrics_write_host(FILE *f, const struct oo_observed *o, int64_t observed_wall_ms);

/* tc filters of one ingress (a device's, or a shared block's) and one owner,
 * by offload state, with their hardware counters. */
struct oo_metrics_tc {
    char device[64];                /* netdev name, or "block:N" for a shared block */
    int owner;                      /* enum oo_tc_owner (tc/owner.h) */
    uint64_t in_hw;                 /* filters the hardware holds (in_hw) */
    uint64_t not_in_hw;             /* filters in software only (not_in_hw) */
    uint64_t hw_packets;            /* packets the hardware matched (TCA_STATS_BASIC_HW) */
    uint64_t hw_bytes;              /* ... and their bytes */
};
void oo_metrics_write_tc(FILE *f, const struct oo_metrics_tc *tc, size_t n);

/* Pure: one entry per (ingress, owner) with at least one filter, from the
 * observed tc places (o->tc: every PF uplink, representor and bond block),
 * classified by oo_tc_classify. *ret_tc is malloc'ed (NULL when none);
 * returns the count. */
size_t oo_metrics_tc_collect(const struct oo_observed *o, struct oo_metrics_tc **ret_tc);

/* The daemon's own metrics: reconcile passes by result and trigger, their
 * duration (histogram), last run and last success, steps by kind, drift
 * repairs, resyncs, events, backoff, config reloads. */
void oo_metrics_write_daemon(FILE *f, const struct oo_reconcile_stats *st);

/* ovs_offload_build_info{version}. */
void oo_metrics_write_build_info(FILE *f);

/* Whether a pass runs now (ovs_offload_reconcile_in_progress) and when the
 * running or last pass started (ovs_offload_reconcile_last_start_timestamp_
 * seconds, left out before the first; start_wall_ms: Unix ms, 0 never). */
void oo_metrics_write_pass_state(FILE *f, bool in_progress, int64_t start_wall_ms);

/* Everything the daemon serves, as one malloc'ed text (*ret_len bytes, NUL-
 * terminated): build info, host with tc (o may be NULL: not observed yet),
 * and daemon (st may be NULL). */
char *oo_metrics_render(const struct oo_observed *o, int64_t observed_wall_ms,
                        const struct oo_reconcile_stats *st, size_t *ret_len);

/* The host part alone (oo_metrics_write_host), as one malloc'ed text: the
 * daemon renders it once per pass, and frees the observation. */
char *oo_metrics_render_host(const struct oo_observed *o, int64_t observed_wall_ms, size_t *ret_len);

/* What the daemon publishes: build info, host_text (host_len bytes, as
 * oo_metrics_render_host made it; NULL: not observed yet), the daemon's
 * metrics (st), then the pass state last. Malloc'ed, NUL-terminated. */
char *oo_metrics_render_daemon(const char *host_text, size_t host_len,
                               const struct oo_reconcile_stats *st, bool in_progress,
                               int64_t start_wall_ms, size_t *ret_len);

/* ---------------------------------------------------------------- board */

/* The last complete text, shared between the thread that renders it and the
 * thread that serves it. */
struct oo_metrics_board;

/* An empty board (its text is "" until the first publish). */
struct oo_metrics_board *oo_metrics_board_create(void);
/* Replaces the text with text (malloc'ed, len bytes, NUL-terminated; the
 * board takes it). Readers get either the old text or the new, whole. */
void oo_metrics_board_publish(struct oo_metrics_board *b, char *text, size_t len);
/* A malloc'ed copy of the current text (*ret_len bytes, NUL-terminated). */
char *oo_metrics_board_copy(struct oo_metrics_board *b, size_t *ret_len);
/* How many texts were published so far. */
uint64_t oo_metrics_board_generation(struct oo_metrics_board *b);
/* NULL-safe. No thread may use b any more. */
void oo_metrics_board_destroy(struct oo_metrics_board *b);

/* `ovs-offloadctl status --prometheus`: build info and the host metrics of o,
 * observed just now. What o could not read is in the metrics
 * (ovs_offload_devlink_up 0, ovs_offload_ovsdb_up 0); telling the user is
 * the caller's. */
void oo_metrics_write_status(FILE *f, const struct oo_observed *o);

/* ---------------------------------------------------------------- HTTP */

#define OO_HTTP_DEFAULT_ADDR "127.0.0.1:9477"
#define OO_HTTP_MAX_REQUEST 4096    /* bytes of request head we read at most */
#define OO_HTTP_MAX_CONNS 16        /* connections served at once; more wait in the backlog */
#define OO_HTTP_TIMEOUT_MS 10000    /* a connection's whole life */

/* Pure: "IPV4:PORT", "[IPV6]:PORT" or "PORT" (= 127.0.0.1:PORT); no host
 * names. Returns 0 or -EINVAL. */
int oo_http_parse_addr(const char *s, struct sockaddr_storage *ret_ss, socklen_t *ret_len);

/* Pure: looks at the bytes of a request received so far (full: the buffer
 * is full). Returns 0 while the head is incomplete, else the HTTP status to
 * answer: 200 for GET or HEAD /metrics (query string ignored), 404 another
 * path, 405 another method, 400 malformed, 431 head too large. *ret_head
 * tells HEAD. */
int oo_http_parse_request(const char *buf, size_t len, bool full, bool *ret_head);

/* Pure: a complete HTTP/1.0 response (malloc'ed, *ret_len bytes): status
 * line, Content-Type (the exposition format for 200, text otherwise),
 * Content-Length, Connection: close, then body unless head. */
char *oo_http_response(int status, bool head, const char *body, size_t body_len, size_t *ret_len);

struct oo_http;

/* Produces the body of a 200 answer (malloc'ed, *ret_len bytes). */
typedef char *oo_http_body_fn(void *aux, size_t *ret_len);

/* Listens on addr (oo_http_parse_addr syntax). Returns 0 or -errno
 * (-EINVAL bad address, -EADDRINUSE, -EACCES ...). */
int oo_http_open(const char *addr, struct oo_http **ret_http);
/* Accepts, reads requests, answers with body(aux) for /metrics, writes
 * without blocking, closes finished or expired connections. now: oo_now_ms(). */
void oo_http_run(struct oo_http *h, int64_t now, oo_http_body_fn *body, void *aux);
/* The fds to poll for h after fds[0 .. n-1] (room for OO_HTTP_MAX_CONNS + 1
 * more), at now; returns the new count. *deadline gets the earliest
 * connection deadline, or the end of the listener's rest (INT64_MAX none):
 * when accept(2) ran out of fds or memory, the listener is left out for
 * OO_HTTP_ACCEPT_REST_MS instead of waking poll at once, again and again. */
#define OO_HTTP_ACCEPT_REST_MS 500
struct pollfd;
size_t oo_http_poll_fds(const struct oo_http *h, int64_t now, struct pollfd *fds, size_t n,
                        int64_t *deadline);
/* Requests answered so far (by status class: 2xx, 4xx). Not while a thread
 * serves h (oo_http_thread_start): read it after oo_http_thread_stop. */
uint64_t oo_http_served(const struct oo_http *h, bool ok);

/* A thread that serves h: poll(2) over the listener, the connections and a
 * wake-up pipe, then oo_http_run with body(aux), which must be safe to call
 * from that thread (oo_metrics_board_body is). The thread blocks every
 * signal, and calls nothing of libopenvswitch. Until it is stopped, only it
 * touches h (oo_http_addr aside). Returns 0 or -errno. */
struct oo_http_thread;
int oo_http_thread_start(struct oo_http *h, oo_http_body_fn *body, void *aux,
                         struct oo_http_thread **ret_thread);
/* Wakes the thread, waits for it to end (a response being written is cut
 * short) and frees it. NULL-safe. h stays open: close it after. */
void oo_http_thread_stop(struct oo_http_thread *t);
/* An oo_http_body_fn answering with oo_metrics_board_copy(aux). */
char *oo_metrics_board_body(void *aux, size_t *ret_len);
/* The address as listened on ("127.0.0.1:9477"). */
const char *oo_http_addr(const struct oo_http *h);
/* Closes everything; NULL-safe. */
void oo_http_close(struct oo_http *h);

#endif
