/* ovs-offloadctl: inspect and configure the host. All logic is in the core library. */
#include "controller/ctl.h"

int main(int argc, char **argv)
{
    return oo_ctl_main(argc, argv);
}
