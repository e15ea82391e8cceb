/* ovs-offloadctl's command line; main() only calls this. */
#ifndef OO_CONTROLLER_CTL_H
#define OO_CONTROLLER_CTL_H

/* Exit codes shared by the commands. */
enum {
    OO_EXIT_OK = 0,
    OO_EXIT_FAILURE = 1,            /* runtime error: the host or a peer failed */
    OO_EXIT_USAGE = 2,              /* bad command line or config */
    OO_EXIT_PENDING = 3,            /* plan: changes are pending */
};

int oo_ctl_main(int argc, char **argv);

#endif
