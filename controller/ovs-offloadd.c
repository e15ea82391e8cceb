/* ovs-offloadd: keeps the host converged. All logic is in the core library. */
#include "common/log.h"
#include "controller/daemon.h"

int main(int argc, char **argv)
{
    /* Under systemd: each line to the journal with its priority. */
    oo_log_journal_stderr();
    return oo_daemon_main(argc, argv);
}
