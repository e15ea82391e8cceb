/* Whether the running ovs-vswitchd needs a restart to apply the hw-offload and
 * tc-policy stored in OVSDB: the facts, the record ovs-offload keeps, and the
 * pure reasoning from both. No OVS header; unit-tested on its own.
 *
 * What ovs-vswitchd does (OVS 3.1, vswitchd/bridge.c bridge_run() and
 * lib/netdev-offload.c netdev_set_flow_api_enabled()): at every main-loop
 * iteration it passes other_config to netdev_set_flow_api_enabled(). The
 * first time hw-offload is "true" there, a once-per-process block turns the
 * flow API on, reads tc-policy (and n-offload-threads, offload-rebalance), and
 * gives every existing datapath port a flow API; ports added later get one
 * when added. Nothing ever turns it off or reads tc-policy again. Hence, for a
 * process P:
 *   - hw-offload false -> true needs NO restart: P enables it by itself, with
 *     the tc-policy stored at that moment (seen in the guest: "netdev: Flow API
 *     Enabled" logged and flows offloaded to tc without restart);
 *   - true -> false, and any tc-policy change after P enabled it, need one.
 *
 * What can be observed of P: whether the flow API is on, from upcall/show
 * (a datapath's "offloaded flows" line appears only when one of its ports has
 * a flow API; every port gets one when it is on and tc works, including the
 * datapath's own internal port). What cannot: the tc-policy P read. So
 * ovs-offload records it when it can know it: in the transaction that writes
 * hw-offload/tc-policy it stores, in Open_vSwitch external_ids, the values
 * written, the time (CLOCK_BOOTTIME and boot id), the identity of the running
 * ovs-vswitchd (pid and /proc start time) and what that process makes of the
 * write (e.g. flow API off before + hw-offload=true written = it will read
 * this tc-policy). A process that started after the record, while the stored
 * values still equal the recorded ones, read those values at start. */
#ifndef OO_OVSDB_OFFLOAD_STATE_H
#define OO_OVSDB_OFFLOAD_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What a process's flow API is known to be. */
enum oo_flow_api {
    OO_FLOW_API_UNKNOWN,            /* nothing known */
    OO_FLOW_API_OFF,                /* off (it will read the stored values when
                                     * hw-offload becomes true) */
    OO_FLOW_API_ON,                 /* on, with tc-policy `policy` */
    OO_FLOW_API_ON_POLICY_UNKNOWN,  /* on; the tc-policy it read is not known */
};

/* hw-offload and tc-policy as ovs-vswitchd reads them. */
struct oo_offload_cfg {
    bool hw_offload;                /* smap_get_bool(): case-insensitive "true" */
    char tc_policy[16];             /* none, skip_sw or skip_hw; unset or invalid = none */
};

/* A process, identified across pid reuse. */
struct oo_vswitchd_id {
    int64_t pid;                    /* as we see it; 0: none */
    uint64_t start_ticks;           /* /proc/<pid>/stat starttime (clock ticks since
                                     * boot); 0: unknown */
};

/* The record (OO_OVS_RECORD_KEY). */
struct oo_offload_record {
    char boot_id[40];               /* /proc/sys/kernel/random/boot_id when written */
    int64_t at_ms;                  /* CLOCK_BOOTTIME in ms just before the commit */
    struct oo_offload_cfg cfg;      /* the stored values right after the write */
    struct oo_vswitchd_id vswitchd; /* the ovs-vswitchd running then (pid 0: none) */
    int flow_api;                   /* enum oo_flow_api of that process after the write */
    char policy[16];                /* with OO_FLOW_API_ON: the tc-policy it read */
};

/* A process started within this many ms after a record may have read the
 * database before the recorded commit landed: its state is then unknown.
 * (/proc start times have a 10 ms resolution.) */
#define OO_OFFLOAD_RECORD_MARGIN_MS 50

/* Fills cfg from the stored strings (either may be NULL). */
void oo_offload_cfg_from(const char *hw_offload, const char *tc_policy, struct oo_offload_cfg *cfg);
bool oo_offload_cfg_equal(const struct oo_offload_cfg *a, const struct oo_offload_cfg *b);

/* "v1 boot=<id> at=<ms> hw-offload=<bool> tc-policy=<p> vswitchd=<pid>@<ticks>|none
 * flow-api=off|on:<p>|on:unknown|unknown". */
void oo_offload_record_format(const struct oo_offload_record *r, char *buf, size_t size);
/* Returns 0, or -EINVAL if s is not a record of this version. */
int oo_offload_record_parse(const char *s, struct oo_offload_record *r);

/* What the flow API of process p is, from the record (NULL if none; one of
 * an earlier boot only tells the values every process of this boot started
 * with, when they are still those), the stored values and what upcall/show
 * said (observed: 1 on, 0 off, -1 unknown). ticks_per_s converts start_ticks.
 * Writes the tc-policy it read to policy (16 bytes) for OO_FLOW_API_ON. */
int oo_flow_api_derive(const struct oo_offload_record *rec, const char *boot_id,
                       const struct oo_vswitchd_id *p, long ticks_per_s,
                       const struct oo_offload_cfg *stored, int observed, char *policy);

/* For a flow_api left unknown (OO_FLOW_API_UNKNOWN, or
 * OO_FLOW_API_ON_POLICY_UNKNOWN) by oo_flow_api_derive() with the same
 * arguments: why the record does not tell, for people. */
void oo_flow_api_unknown_why(const struct oo_offload_record *rec, const char *boot_id,
                             const struct oo_vswitchd_id *p, long ticks_per_s,
                             const struct oo_offload_cfg *stored, int flow_api, char *buf, size_t size);

/* What the process makes of a write of `after` over `before`, given its flow
 * API state before (as oo_flow_api_derive() says). */
int oo_flow_api_after_write(int flow_api, const char *policy, const struct oo_offload_cfg *before,
                            const struct oo_offload_cfg *after, char *policy_after);

/* 1 restart needed, 0 not, -1 unknown, with the reason for people in why.
 * running: 1/0/-1 as probed. */
int oo_restart_needed(int running, int flow_api, const char *policy,
                      const struct oo_offload_cfg *stored, char *why, size_t why_size);

const char *oo_flow_api_to_string(int flow_api);

#endif
