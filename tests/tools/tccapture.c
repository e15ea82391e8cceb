/* tccapture: the tc layer's guest-side tool. It captures the kernel's raw
 * replies to the project's own tc requests as byte fixtures
 * (scripts/sim/capture-tc-fixtures.sh), and drives the tc layer for the
 * guest test tests/vm/tc.sh (batched installs, reconcile, counters), printing
 * JSON. Not installed.
 *
 * Usage:
 *   tccapture capture OUTDIR NAME filter-dump TARGET
 *   tccapture capture OUTDIR NAME qdisc-dump
 *   tccapture capture OUTDIR NAME add-skip-sw TARGET
 *       one of our flower filters with skip_sw (to capture an error + extack)
 *   tccapture capture OUTDIR NAME batch TARGET REDIRECT_DEV
 *       three requests in one sendmsg: an add (prio 1, 192.0.2.1, drop), the
 *       same with skip_sw (192.0.2.2), an add with echo (192.0.2.3, redirect)
 *   tccapture reconcile TARGET N [RULE OPTIONS]
 *       makes the owned filters of TARGET be rules 0..N-1 (dump, plan, batch)
 *   tccapture batch TARGET N [RULE OPTIONS] [--bad-skip-sw I] [--bad-redirect I]
 *       adds rules 0..N-1 with one batch, no reconcile; rule I made to fail
 *   tccapture counts TARGET
 *   tccapture tc-lines TARGET N [RULE OPTIONS]
 *       the same rules as `tc -batch` input (same cookies)
 *   tccapture qdisc TARGET [ingress|clsact] [BLOCK]
 * TARGET is a netdev name or block:N. RULE OPTIONS: --prio P (100),
 * --prefix NAME (rule), --action drop|pass|redirect:DEV (drop), --skip-sw,
 * --echo. Rule i: protocol ip, flower ip_proto tcp dst_ip 10.a.b.c (i in
 * a.b.c) dst_port 80, named PREFIX-i. Capture files hold every message
 * received, as received, through the last ack. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "common/nlsock.h"
#include "common/util.h"
#include "tc/flower.h"
#include "tc/io.h"
#include "tc/owner.h"
#include "tc/reconcile.h"

struct target {
    uint32_t ifindex, block;
    char name[64];
};

struct rule_opts {
    uint16_t prio;
    const char *prefix;
    int action;                   /* OO_TC_ACT_DROP, _PASS or _REDIRECT */
    uint32_t redirect;            /* ifindex */
    bool skip_sw, echo;
    long bad_skip_sw, bad_redirect; /* rule index, -1 = none */
};

static int usage(void)
{
    fputs("usage: tccapture capture OUTDIR NAME filter-dump|qdisc-dump|add-skip-sw|batch ...\n"
          "       tccapture reconcile|batch|tc-lines TARGET N [options]\n"
          "       tccapture counts TARGET | qdisc TARGET [KIND] [BLOCK]\n", stderr);
    return 2;
}

static int parse_target(const char *s, struct target *t)
{
    memset(t, 0, sizeof *t);
    oo_strlcpy(t->name, s, sizeof t->name);
    if (!strncmp(s, "block:", 6)) {
        t->block = (uint32_t)strtoul(s + 6, NULL, 10);
        return t->block ? 0 : -EINVAL;
    }
    t->ifindex = if_nametoindex(s);
    return t->ifindex ? 0 : -ENODEV;
}

static double now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Rule i of the generated set. */
static void make_rule(const struct target *t, const struct rule_opts *o, size_t i,
                      struct oo_tc_filter *f)
{
    struct oo_tc_action a;
    char name[128];

    oo_tc_filter_init(f, t->ifindex, t->block, 0, o->prio, ETH_P_IP);
    f->match.keys = OO_TC_KEY_IP_PROTO | OO_TC_KEY_IPV4_DST | OO_TC_KEY_DST_PORT;
    f->match.ip_proto = IPPROTO_TCP;
    f->match.dst_ip[0] = 10;
    f->match.dst_ip[1] = (uint8_t)(i >> 16);
    f->match.dst_ip[2] = (uint8_t)(i >> 8);
    f->match.dst_ip[3] = (uint8_t)i;
    oo_tc_prefix_to_mask(32, f->match.dst_ip_mask, 4);
    f->match.dst_port = 80;
    f->match.dst_port_mask = 0xffff;
    f->skip_sw = o->skip_sw || (long)i == o->bad_skip_sw;
    if ((long)i == o->bad_redirect)
        a = oo_tc_action_redirect(0);       /* the kernel refuses it */
    else if (o->action == OO_TC_ACT_REDIRECT)
        a = oo_tc_action_redirect(o->redirect);
    else if (o->action == OO_TC_ACT_PASS)
        a = oo_tc_action_pass();
    else
        a = oo_tc_action_drop();
    oo_tc_filter_add_action(f, &a);
    snprintf(name, sizeof name, "%s-%zu", o->prefix, i);
    oo_tc_filter_set_owner(f, oo_tc_rule_id(name));
}

static int parse_rule_opts(int argc, char **argv, struct rule_opts *o)
{
    *o = (struct rule_opts){ .prio = 100, .prefix = "rule", .action = OO_TC_ACT_DROP,
                             .bad_skip_sw = -1, .bad_redirect = -1 };
    for (int i = 0; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;

        if (!strcmp(argv[i], "--skip-sw")) {
            o->skip_sw = true;
        } else if (!strcmp(argv[i], "--echo")) {
            o->echo = true;
        } else if (!v) {
            return -EINVAL;
        } else if (!strcmp(argv[i], "--prio")) {
            o->prio = (uint16_t)atoi(v), i++;
        } else if (!strcmp(argv[i], "--prefix")) {
            o->prefix = v, i++;
        } else if (!strcmp(argv[i], "--bad-skip-sw")) {
            o->bad_skip_sw = atol(v), i++;
        } else if (!strcmp(argv[i], "--bad-redirect")) {
            o->bad_redirect = atol(v), i++;
        } else if (!strcmp(argv[i], "--action")) {
            if (!strcmp(v, "drop"))
                o->action = OO_TC_ACT_DROP;
            else if (!strcmp(v, "pass"))
                o->action = OO_TC_ACT_PASS;
            else if (!strncmp(v, "redirect:", 9) && (o->redirect = if_nametoindex(v + 9)))
                o->action = OO_TC_ACT_REDIRECT;
            else
                return -EINVAL;
            i++;
        } else {
            return -EINVAL;
        }
    }
    return 0;
}

static void json_str(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            printf("\\%c", *s);
        else if ((unsigned char)*s < 0x20)
            printf("\\u%04x", *s);
        else
            putchar(*s);
    }
    putchar('"');
}

/* ----------------------------------------------------------------- capture */

/* Sends the buffer (one or more requests, seq and ACK set) and writes every
 * reply to out until `acks` acks or errors (or a dump's DONE) arrived. */
static int capture_raw(struct oo_nl *nl, const void *req, size_t len, unsigned acks, FILE *out)
{
    static char buf[OO_NL_RECV_SIZE];

    if (mnl_socket_sendto(nl->sock, req, len) < 0)
        return -errno;
    while (acks) {
        ssize_t n = mnl_socket_recvfrom(nl->sock, buf, sizeof buf);
        int left;

        if (n < 0)
            return -errno;
        fwrite(buf, 1, (size_t)n, out);
        left = (int)n;
        for (struct nlmsghdr *h = (struct nlmsghdr *)buf; mnl_nlmsg_ok(h, left);
             h = mnl_nlmsg_next(h, &left))
            if ((h->nlmsg_type == NLMSG_ERROR || h->nlmsg_type == NLMSG_DONE) && acks)
                acks--;
    }
    return 0;
}

static void capture_filter(const struct target *t, struct oo_tc_filter *f, uint8_t last,
                           bool skip_sw, uint32_t redirect)
{
    struct oo_tc_action a = redirect ? oo_tc_action_redirect(redirect) : oo_tc_action_drop();
    char name[32];

    oo_tc_filter_init(f, t->ifindex, t->block, 0, 1, ETH_P_IP);
    f->match.keys = OO_TC_KEY_IPV4_DST;
    f->match.dst_ip[0] = 192;
    f->match.dst_ip[2] = 2;
    f->match.dst_ip[3] = last;
    oo_tc_prefix_to_mask(32, f->match.dst_ip_mask, 4);
    f->skip_sw = skip_sw;
    oo_tc_filter_add_action(f, &a);
    snprintf(name, sizeof name, "capture-%u", last);
    oo_tc_filter_set_owner(f, oo_tc_rule_id(name));
}

static struct nlmsghdr *finish(struct oo_nl *nl, struct nlmsghdr *nlh)
{
    nlh->nlmsg_seq = ++nl->seq;
    nlh->nlmsg_flags |= NLM_F_ACK;
    return nlh;
}

static int cmd_capture(int argc, char **argv)
{
    static char buf[4 * OO_TC_MSG_MAX];
    struct oo_nl nl;
    struct target t = { 0 };
    char path[4096];
    size_t len = 0;
    unsigned acks = 1;
    FILE *out;
    int r;

    if (argc < 4)
        return usage();
    if ((r = oo_tc_open(&nl)) < 0) {
        fprintf(stderr, "tccapture: rtnetlink: %s\n", strerror(-r));
        return 1;
    }
    if (argc >= 5 && parse_target(argv[4], &t) < 0) {
        fprintf(stderr, "tccapture: no such device '%s'\n", argv[4]);
        return 1;
    }
    if (!strcmp(argv[3], "filter-dump") && argc == 5) {
        len = finish(&nl, oo_tc_put_getfilter_dump(buf, t.ifindex, t.block, false))->nlmsg_len;
    } else if (!strcmp(argv[3], "qdisc-dump") && argc == 4) {
        len = finish(&nl, oo_tc_put_getqdisc_dump(buf))->nlmsg_len;
    } else if (!strcmp(argv[3], "add-skip-sw") && argc == 5) {
        struct oo_tc_filter f;

        capture_filter(&t, &f, 9, true, 0);
        len = finish(&nl, oo_tc_put_newfilter(buf, &f, NLM_F_CREATE | NLM_F_EXCL))->nlmsg_len;
    } else if (!strcmp(argv[3], "batch") && argc == 6) {
        struct oo_tc_filter f[3];
        uint32_t to = if_nametoindex(argv[5]);
        struct oo_tc_req reqs[3] = {
            { .op = OO_TC_OP_ADD, .filter = &f[0] },
            { .op = OO_TC_OP_ADD, .filter = &f[1] },
            { .op = OO_TC_OP_ADD, .filter = &f[2], .echo = true },
        };

        if (!to)
            return usage();
        capture_filter(&t, &f[0], 1, false, 0);
        capture_filter(&t, &f[1], 2, true, 0);
        capture_filter(&t, &f[2], 3, false, to);
        for (int i = 0; i < 3; i++)
            len += NLMSG_ALIGN(finish(&nl, oo_tc_put_req(buf + len, &reqs[i]))->nlmsg_len);
        acks = 3;
    } else {
        return usage();
    }
    snprintf(path, sizeof path, "%s/%s.bin", argv[1], argv[2]);
    if (!(out = fopen(path, "wb"))) {
        fprintf(stderr, "tccapture: %s: %s\n", path, strerror(errno));
        return 1;
    }
    r = capture_raw(&nl, buf, len, acks, out);
    fclose(out);
    oo_nl_close(&nl);
    if (r < 0) {
        fprintf(stderr, "tccapture: %s: %s\n", argv[2], strerror(-r));
        return 1;
    }
    printf("tccapture: wrote %s\n", path);
    return 0;
}

/* ---------------------------------------------------------------- driving */

static void print_counts(const struct oo_tc_counts *c)
{
    printf("{\"total\":%llu,\"owned\":%llu,\"ovs\":%llu,\"foreign\":%llu,\"in_hw\":%llu,"
           "\"in_hw_count\":%llu,\"not_in_hw\":%llu,\"hw_packets\":%llu,\"hw_bytes\":%llu,"
           "\"sw_packets\":%llu,\"sw_bytes\":%llu}",
           (unsigned long long)c->total, (unsigned long long)c->owned,
           (unsigned long long)c->ovs, (unsigned long long)c->foreign,
           (unsigned long long)c->in_hw, (unsigned long long)c->in_hw_count,
           (unsigned long long)c->not_in_hw, (unsigned long long)c->hw_packets,
           (unsigned long long)c->hw_bytes, (unsigned long long)c->sw_packets,
           (unsigned long long)c->sw_bytes);
}

static void print_failures(const struct oo_tc_req *reqs, const struct oo_tc_result *res,
                           size_t n, const struct oo_tc_filter *base)
{
    bool first = true;

    printf("\"failures\":[");
    for (size_t i = 0; i < n; i++) {
        if (!res[i].error)
            continue;
        printf("%s{\"request\":%zu,\"rule\":%lld,\"op\":\"%s\",\"error\":", first ? "" : ",", i,
               base && reqs[i].filter >= base ? (long long)(reqs[i].filter - base) : -1LL,
               oo_tc_op_to_string(reqs[i].op));
        json_str(strerror(-res[i].error));
        printf(",\"extack\":");
        json_str(res[i].extack);
        putchar('}');
        first = false;
    }
    putchar(']');
}

static int cmd_reconcile(const struct target *t, size_t n, const struct rule_opts *o)
{
    struct oo_nl nl;
    struct oo_tc_filter *want = oo_calloc(n + 1, sizeof *want), *have = NULL;
    struct oo_tc_result *res = NULL;
    struct oo_tc_plan plan;
    size_t n_have = 0, sends = 0;
    double t0, t1, t2, t3;
    int r, failed = 0;

    for (size_t i = 0; i < n; i++)
        make_rule(t, o, i, &want[i]);
    if ((r = oo_tc_open(&nl)) < 0)
        goto out;
    t0 = now_ms();
    r = oo_tc_dump_filters(&nl, t->ifindex, t->block, 0, &have, &n_have);
    if (r < 0)
        goto out;
    t1 = now_ms();
    oo_tc_reconcile(want, n, have, n_have, &plan);
    for (size_t i = 0; i < plan.n_reqs; i++)
        ((struct oo_tc_req *)plan.reqs)[i].echo = o->echo;
    t2 = now_ms();
    res = oo_calloc(plan.n_reqs + 1, sizeof *res);
    failed = oo_tc_batch_apply_count(&nl, plan.reqs, plan.n_reqs, res, &sends);
    t3 = now_ms();
    printf("{\"target\":");
    json_str(t->name);
    printf(",\"desired\":%zu,\"observed\":%zu,\"dump_ms\":%.1f,\"plan_ms\":%.1f,"
           "\"apply_ms\":%.1f,\"total_ms\":%.1f,\"delete\":%zu,\"replace\":%zu,\"add\":%zu,"
           "\"unchanged\":%zu,\"conflicts\":%zu,\"failed\":%d,\"sends\":%zu,\"batch_limit\":%zu,",
           n, n_have, t1 - t0, t2 - t1, t3 - t2, t3 - t0, plan.n_delete, plan.n_replace,
           plan.n_add, plan.n_unchanged, plan.n_conflicts, failed, sends,
           oo_tc_batch_limit(&nl, o->echo));
    if (o->echo) {
        size_t verified = 0;

        for (size_t i = 0; i < plan.n_reqs; i++)
            verified += res[i].verified == 1;
        printf("\"verified\":%zu,", verified);
    }
    print_failures(plan.reqs, res, plan.n_reqs, want);
    puts("}");
    oo_tc_plan_free(&plan);
    r = failed < 0 ? failed : 0;
out:
    if (r < 0)
        fprintf(stderr, "tccapture: reconcile %s: %s\n", t->name, oo_nl_strerror(&nl, r, (char[256]){ 0 }, 256));
    oo_nl_close(&nl);
    free(want);
    free(have);
    free(res);
    return r < 0 ? 1 : (failed > 0 ? 3 : 0);
}

static int cmd_batch(const struct target *t, size_t n, const struct rule_opts *o)
{
    struct oo_nl nl;
    struct oo_tc_filter *f = oo_calloc(n + 1, sizeof *f);
    struct oo_tc_req *reqs = oo_calloc(n + 1, sizeof *reqs);
    struct oo_tc_result *res = oo_calloc(n + 1, sizeof *res);
    size_t sends = 0;
    double t0;
    int r;

    for (size_t i = 0; i < n; i++) {
        make_rule(t, o, i, &f[i]);
        reqs[i] = (struct oo_tc_req){ .op = OO_TC_OP_ADD, .filter = &f[i], .echo = o->echo };
    }
    if ((r = oo_tc_open(&nl)) < 0) {
        fprintf(stderr, "tccapture: rtnetlink: %s\n", strerror(-r));
        return 1;
    }
    t0 = now_ms();
    r = oo_tc_batch_apply_count(&nl, reqs, n, res, &sends);
    printf("{\"target\":");
    json_str(t->name);
    printf(",\"requests\":%zu,\"apply_ms\":%.1f,\"failed\":%d,\"sends\":%zu,", n, now_ms() - t0,
           r, sends);
    print_failures(reqs, res, n, f);
    puts("}");
    oo_nl_close(&nl);
    free(f);
    free(reqs);
    free(res);
    return r < 0 ? 1 : 0;
}

static int cmd_counts(const struct target *t)
{
    struct oo_nl nl;
    struct oo_tc_filter *f;
    struct oo_tc_counts c = { 0 };
    size_t n;
    double t0;
    int r;

    if ((r = oo_tc_open(&nl)) < 0) {
        fprintf(stderr, "tccapture: rtnetlink: %s\n", strerror(-r));
        return 1;
    }
    t0 = now_ms();
    r = oo_tc_dump_filters(&nl, t->ifindex, t->block, 0, &f, &n);
    oo_nl_close(&nl);
    if (r < 0) {
        fprintf(stderr, "tccapture: dump %s: %s\n", t->name, strerror(-r));
        return 1;
    }
    oo_tc_count(f, n, &c);
    printf("{\"target\":");
    json_str(t->name);
    printf(",\"dump_ms\":%.1f,\"counts\":", now_ms() - t0);
    print_counts(&c);
    puts("}");
    free(f);
    return 0;
}

static int cmd_tc_lines(const struct target *t, size_t n, const struct rule_opts *o)
{
    char ifname[IF_NAMESIZE];

    for (size_t i = 0; i < n; i++) {
        struct oo_tc_filter f;
        const struct oo_tc_action *a = &f.actions[0];

        make_rule(t, o, i, &f);
        if (t->block)
            printf("filter add block %u", t->block);
        else
            printf("filter add dev %s ingress", t->name);
        printf(" protocol ip pref %u flower%s ip_proto tcp dst_ip 10.%u.%u.%u dst_port 80 action ",
               f.id.prio, f.skip_sw ? " skip_sw" : "", f.match.dst_ip[1], f.match.dst_ip[2],
               f.match.dst_ip[3]);
        if (a->type == OO_TC_ACT_REDIRECT)
            printf("mirred egress redirect dev %s", if_indextoname(a->ifindex, ifname));
        else
            printf("%s", a->type == OO_TC_ACT_PASS ? "pass" : "drop");
        printf(" cookie ");
        for (unsigned k = 0; k < a->cookie_len; k++)
            printf("%02x", a->cookie[k]);
        putchar('\n');
    }
    return 0;
}

static int cmd_qdisc(const struct target *t, int argc, char **argv)
{
    struct oo_nl nl;
    struct oo_tc_qdisc q;
    int kind = argc > 0 ? oo_tc_qdisc_kind_from_string(argv[0]) : OO_TC_QDISC_CLSACT;
    uint32_t block = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : 0;
    int r;

    if (kind < 0 || !t->ifindex)
        return usage();
    if ((r = oo_tc_open(&nl)) < 0)
        return 1;
    r = oo_tc_qdisc_ensure(&nl, t->ifindex, kind, block, &q);
    printf("{\"target\":");
    json_str(t->name);
    printf(",\"result\":%d,\"error\":", r);
    json_str(r < 0 ? strerror(-r) : "");
    printf(",\"kind\":");
    json_str(r < 0 && r != -EEXIST ? "" : q.kind);
    printf(",\"ingress_block\":%u}\n", r < 0 && r != -EEXIST ? 0 : q.ingress_block);
    oo_nl_close(&nl);
    return r < 0 ? 1 : 0;
}

int main(int argc, char **argv)
{
    struct target t;
    struct rule_opts o;
    size_t n;

    if (argc < 2)
        return usage();
    if (!strcmp(argv[1], "capture"))
        return cmd_capture(argc - 1, argv + 1);
    if (argc < 3)
        return usage();
    if (parse_target(argv[2], &t) < 0) {
        fprintf(stderr, "tccapture: no such target '%s'\n", argv[2]);
        return 1;
    }
    if (!strcmp(argv[1], "counts"))
        return cmd_counts(&t);
    if (!strcmp(argv[1], "qdisc"))
        return cmd_qdisc(&t, argc - 3, argv + 3);
    if (argc < 4 || parse_rule_opts(argc - 4, argv + 4, &o) < 0)
        return usage();
    n = (size_t)strtoul(argv[3], NULL, 10);
    if (!strcmp(argv[1], "reconcile"))
        return cmd_reconcile(&t, n, &o);
    if (!strcmp(argv[1], "batch"))
        return cmd_batch(&t, n, &o);
    if (!strcmp(argv[1], "tc-lines"))
        return cmd_tc_lines(&t, n, &o);
    return usage();
}
