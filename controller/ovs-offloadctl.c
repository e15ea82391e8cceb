/* ovs-offloadctl: inspect and configure the host. All logic is in the core library. */
#include <malloc.h>

#include "controller/ctl.h"

int main(int argc, char **argv)
{
    /* One run allocates and frees tens of MiB in phases: the config's
     * tree, then the filters dumped and desired (10 000 rules: ~7 MiB
     * each). By default glibc gives big blocks back to the kernel on free
     * and takes fresh, zeroed pages for the next phase; a page fault costs
     * as much as the work done on the page. This keeps what was freed for
     * the next phase, within the run: page faults of a 10k-rule no-op
     * apply 6 400 -> 1 150, and 7-10% off its median in two A/B runs in
     * the guest (docs/performance.md). ovs-offloadd keeps glibc's defaults: it lives long and
     * its idle footprint counts. mallopt() fails harmlessly where malloc is
     * not glibc's (ASan). */
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 64 << 20);
    mallopt(M_TOP_PAD, 8 << 20);
    return oo_ctl_main(argc, argv);
}
