/* ovs-offloadctl: inspect and configure the host. All logic is in the core library. */
#include <malloc.h>
#include <sys/prctl.h>

#include "common/log.h"
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
    /* With that pad, each thread's malloc arena starts 8 MiB long, and
     * where transparent huge pages are on ("always", Debian's default) the
     * first touch of each 2 MiB of it has the kernel clear a whole huge
     * page, for the few hundred KiB a thread of a small run uses. Without
     * them, a no-op apply of the convergence host took 119 ms of CPU
     * instead of 143 ms (perf stat, 10 runs each, guest); at 10 000 rules
     * the same CPU either way (more faults, smaller ones). A restart
     * command does not inherit this (ovsdb/ovs-restart.c). */
    prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0);
    /* Run by a unit (a host agent's oneshot): errors and warnings reach the
     * journal as such. */
    oo_log_journal_stderr();
    return oo_ctl_main(argc, argv);
}
