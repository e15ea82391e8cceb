/* Private to ovsdb/: asking the local ovs-vswitchd, through its unixctl
 * socket, whether it runs and whether its flow API is on. */
#ifndef OO_OVSDB_VSWITCHD_H
#define OO_OVSDB_VSWITCHD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ovsdb/call.h"
#include "ovsdb/offload-state.h"
#include "ovsdb/ovsdb.h"

struct oo_vswitchd_probe {
    int running;                    /* 1 its control socket answered; 0 no live pidfile;
                                     * -1 not known (why says) */
    int64_t file_pid;               /* pid written in the pidfile (its own namespace), 0 */
    struct oo_vswitchd_id id;       /* the pidfile lock holder as we see it, with its
                                     * start time when /proc shows an ovs-vswitchd there */
    int offload_active;             /* 1/0/-1: see oo_ovs_observed.offload_active */
    size_t n_datapaths;             /* as in oo_ovs_observed */
    struct oo_ovs_datapath datapaths[OO_OVS_MAX_DATAPATHS];
    char why[200];                  /* how running was decided */
};

/* The directory holding ovs-vswitchd's pidfile and control socket for a
 * database remote: the directory of a "unix:" remote's socket, else
 * $OVS_RUNDIR, else OO_OVS_DEFAULT_RUNDIR. */
void oo_vswitchd_rundir(const char *remote, char *buf, size_t size);

/* Probes ovs-vswitchd in rundir, giving up at `deadline` (OVS time_msec()).
 * Call with libopenvswitch's lock held (ovs-env.h) and SIGPIPE blocked. */
void oo_vswitchd_probe(const char *rundir, long long deadline, struct oo_vswitchd_probe *out);

/* The same probe in steps (same lock and SIGPIPE rules), to ask
 * ovs-vswitchd while waiting for another server: _start reads the pidfile
 * and sends the request; _run and _wait are oo_call_run() and oo_call_wait()
 * for it (see call.h); _finish waits for the answer until deadline and
 * fills *out. Every started probe is finished. */
struct oo_vswitchd_probing {
    struct oo_vswitchd_probe probe;     /* what is known so far */
    struct oo_call call;
    bool calling;                       /* call started, not finished */
    long long started;                  /* time_msec() at _start */
    char ctl[4096];                     /* the control socket asked */
};

void oo_vswitchd_probe_start(const char *rundir, struct oo_vswitchd_probing *p);
bool oo_vswitchd_probe_run(struct oo_vswitchd_probing *p);
void oo_vswitchd_probe_wait(struct oo_vswitchd_probing *p);
void oo_vswitchd_probe_finish(struct oo_vswitchd_probing *p, long long deadline,
                              struct oo_vswitchd_probe *out);

/* Runs the unixctl command `method params...` (what `ovs-appctl method
 * params...` runs) in the ovs-vswitchd of rundir whose pidfile names pid,
 * giving up at deadline (time_msec()); same lock and SIGPIPE rules. Returns
 * 0 with the command's output in out, -EIO with the command's own error text
 * in out, or another -errno when it could not be asked (out says why). */
int oo_vswitchd_command(const char *rundir, int64_t pid, const char *method,
                        const char *const *params, size_t n_params, long long deadline,
                        char *out, size_t size);

/* The number of the datapath port named name in the text of `dpctl/show DP`
 * ("  port 7: name" or "  port 7: name (internal)"), or -1. */
long oo_dpctl_show_port(const char *show, const char *name);

/* The flows in the text of `dpctl/dump-flows --names`, counted by the
 * name in their in_port(), most first (ties by name); *ret is NULL when
 * there are none. */
size_t oo_dpctl_flows_by_port(const char *dump, struct oo_ovs_port_flows **ret);

/* Facts of this boot for the record: boot id (40 bytes), CLOCK_BOOTTIME ms,
 * clock ticks per second. */
void oo_boot_id(char *buf, size_t size);
int64_t oo_boottime_ms(void);
long oo_ticks_per_s(void);

#endif
