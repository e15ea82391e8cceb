/* nlcapture: sends the project's own devlink requests to the running kernel
 * and writes the kernel's raw replies to files, as byte fixtures for the unit
 * tests (tests/fixtures/). Run inside the guest by tests/vm/capture-fixtures.sh.
 *
 * Usage: nlcapture OUTDIR NAME REQUEST [ARG]
 *   REQUEST: family            CTRL_CMD_GETFAMILY "devlink"
 *            dev-dump          DEVLINK_CMD_GET dump
 *            port-dump         DEVLINK_CMD_PORT_GET dump
 *            param-dump        DEVLINK_CMD_PARAM_GET dump
 *            rate-dump         DEVLINK_CMD_RATE_GET dump
 *            link-dump         RTM_GETLINK dump (with VF info) on NETLINK_ROUTE
 *            eswitch-get DEV   DEVLINK_CMD_ESWITCH_GET of bus/dev
 *            reload DEV        DEVLINK_CMD_RELOAD of bus/dev (to capture an error with extack)
 * Writes OUTDIR/NAME.bin: every message received for the request, as received
 * (host byte order), through the final ACK, error or NLMSG_DONE. */
#include <errno.h>
#include <linux/devlink.h>
#include <linux/genetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/nlsock.h"
#include "devlink/devlink.h"
#include "devlink/genl.h"
#include "link/link.h"

static int capture(struct oo_nl *nl, struct nlmsghdr *req, FILE *out)
{
    /* Room for a link message of a PF with thousands of VFs: a datagram
     * longer than the read is cut, and the fixture with it. */
    static char buf[OO_NL_RECV_MAX];

    req->nlmsg_seq = ++nl->seq;
    req->nlmsg_flags |= NLM_F_ACK;
    if (mnl_socket_sendto(nl->sock, req, req->nlmsg_len) < 0)
        return -errno;
    for (;;) {
        ssize_t n = mnl_socket_recvfrom(nl->sock, buf, sizeof buf);
        if (n < 0)
            return -errno;
        fwrite(buf, 1, (size_t)n, out);
        for (struct nlmsghdr *h = (struct nlmsghdr *)buf; mnl_nlmsg_ok(h, (int)n);
             h = mnl_nlmsg_next(h, (int *)&n)) {
            /* A reply is followed by the ACK (we ask for one); a dump ends in DONE. */
            if (h->nlmsg_type == NLMSG_ERROR || h->nlmsg_type == NLMSG_DONE)
                return 0;
        }
    }
}

int main(int argc, char **argv)
{
    char path[4096], buf[OO_NL_MSG_SIZE];
    struct oo_dl dl;
    struct oo_dl_handle h;
    struct nlmsghdr *req = NULL;
    FILE *out;
    int r;

    if (argc < 4) {
        fputs("usage: nlcapture OUTDIR NAME family|dev-dump|port-dump|param-dump|rate-dump|"
              "link-dump|eswitch-get DEV|reload DEV\n", stderr);
        return 2;
    }
    if (!strcmp(argv[3], "link-dump")) {
        /* rtnetlink: the socket is NETLINK_ROUTE; dl.nl stands for it. */
        memset(&dl, 0, sizeof dl);
        if ((r = oo_nl_open(&dl.nl, NETLINK_ROUTE)) < 0) {
            fprintf(stderr, "nlcapture: rtnetlink: %s\n", strerror(-r));
            return 1;
        }
        req = oo_link_put_dump(buf);
    } else if ((r = oo_dl_open(&dl)) < 0) {
        fprintf(stderr, "nlcapture: devlink: %s\n", strerror(-r));
        return 1;
    }
    if (req)
        ;   /* link-dump */
    else if (!strcmp(argv[3], "family"))
        req = oo_genl_put_getfamily(buf, DEVLINK_GENL_NAME);
    else if (!strcmp(argv[3], "dev-dump"))
        req = oo_dl_put_dev_dump(buf, dl.family.id);
    else if (!strcmp(argv[3], "port-dump"))
        req = oo_dl_put_port_dump(buf, dl.family.id);
    else if (!strcmp(argv[3], "param-dump"))
        req = oo_dl_put_param_dump(buf, dl.family.id);
    else if (!strcmp(argv[3], "rate-dump"))
        req = oo_dl_put_rate_dump(buf, dl.family.id);
    else if ((!strcmp(argv[3], "eswitch-get") || !strcmp(argv[3], "reload")) && argc == 5 &&
             oo_dl_handle_parse(argv[4], &h) == 0) {
        req = oo_dl_put_eswitch_get(buf, dl.family.id, &h);
        if (!strcmp(argv[3], "reload")) {
            /* The same message shape, another command: bus and dev only. */
            struct genlmsghdr *g = mnl_nlmsg_get_payload(req);
            g->cmd = DEVLINK_CMD_RELOAD;
        }
    } else {
        fprintf(stderr, "nlcapture: bad request '%s'\n", argv[3]);
        return 2;
    }
    snprintf(path, sizeof path, "%s/%s.bin", argv[1], argv[2]);
    if (!(out = fopen(path, "wb"))) {
        fprintf(stderr, "nlcapture: %s: %s\n", path, strerror(errno));
        return 1;
    }
    r = capture(&dl.nl, req, out);
    fclose(out);
    oo_dl_close(&dl);
    if (r < 0) {
        fprintf(stderr, "nlcapture: %s: %s\n", argv[2], strerror(-r));
        return 1;
    }
    printf("nlcapture: wrote %s\n", path);
    return 0;
}
