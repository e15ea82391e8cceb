#include "controller/daemon.h"

#include <getopt.h>
#include <stdio.h>

#include "controller/ctl.h"

/* The reconcile loop (event-driven convergence, metrics, unixctl) is not
 * written yet. Until it is, the daemon refuses to start rather than pretend to
 * keep the host converged. */
int oo_daemon_main(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { 0 },
    };
    int c;

    while ((c = getopt_long(argc, argv, "hV", longopts, NULL)) != -1) {
        switch (c) {
        case 'h':
            puts("Usage: ovs-offloadd [--help] [--version]\n"
                 "The ovs-offload daemon. Its reconcile loop is not available in this\n"
                 "version: use 'ovs-offloadctl status' to inspect the host.");
            return OO_EXIT_OK;
        case 'V':
            printf("ovs-offloadd %s\n", OO_VERSION);
            return OO_EXIT_OK;
        default:
            return OO_EXIT_USAGE;
        }
    }
    fputs("ovs-offloadd: the reconcile loop is not available in this version; "
          "use 'ovs-offloadctl status'\n", stderr);
    return OO_EXIT_FAILURE;
}
