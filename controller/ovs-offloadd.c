/* ovs-offloadd: keeps the host converged. All logic is in the core library. */
#include "controller/daemon.h"

int main(int argc, char **argv)
{
    return oo_daemon_main(argc, argv);
}
