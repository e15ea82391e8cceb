/* doctor: the host prerequisites that fail in the field, each finding with the
 * fix. Facts are gathered once (oo_doctor_gather); the diagnosis is a pure
 * function of them (oo_doctor_diagnose), tested table by table. */
#ifndef OO_CONTROLLER_DOCTOR_H
#define OO_CONTROLLER_DOCTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "config/config.h"
#include "controller/observe.h"

enum oo_finding_level { OO_FINDING_OK, OO_FINDING_WARN, OO_FINDING_ERROR };

struct oo_finding {
    int level;                      /* enum oo_finding_level */
    char check[32];                 /* short id: "iommu", "sriov", "kernel-log", ... */
    char object[80];                /* "host", "netdevsim/netdevsim10", "ovs" */
    char message[240];              /* what was found */
    char fix[480];                  /* what to do ("" for OK findings) */
};

struct oo_doctor_facts {
    char cmdline[1024];             /* /proc/cmdline */
    int iommu_groups;               /* entries in /sys/kernel/iommu_groups, -1 unreadable */
    char **kernel_log;              /* kernel messages (dmesg), NULL-free array */
    size_t n_kernel_log;
    bool nm_ran;                    /* /run/NetworkManager/devices exists: NetworkManager
                                     * ran in this boot */
    uint32_t *nm_managed;           /* ifindexes its device state files mark managed */
    size_t n_nm_managed;
    /* With OVS's flow offload active: the flows that stay in its kernel
     * datapath, by in_port (oo_ovs_kernel_flows); asked by the caller. */
    bool kernel_flows_asked;
    int kernel_flows_err;           /* 0, or -errno asking (kernel_flows_error says why) */
    char kernel_flows_error[240];
    struct oo_ovs_port_flows *kernel_flows;
    size_t n_kernel_flows;
    const struct oo_observed *obs;  /* the host (devlink, sysfs, links, OVS) */
    const struct oo_config *cfg;    /* optional: what the admin asks for */
};

struct oo_doctor_report {
    struct oo_finding *findings;
    size_t n;
    size_t n_warn, n_error;
};

/* Pure: findings from facts. */
void oo_doctor_diagnose(const struct oo_doctor_facts *facts, struct oo_doctor_report *out);
void oo_doctor_report_free(struct oo_doctor_report *r);

/* Reads /proc/cmdline, the IOMMU groups, the kernel log (/dev/kmsg) and
 * NetworkManager's device state files under root. obs and cfg are the
 * caller's. */
void oo_doctor_gather(const char *root, struct oo_doctor_facts *facts);
void oo_doctor_facts_free(struct oo_doctor_facts *facts);

/* From the text of a NetworkManager device state file (a keyfile; NM's
 * nm_config_device_state_write() writes [device] managed=true|false): 1
 * managed, 0 not, -1 not said. */
int oo_doctor_nm_managed(const char *keyfile);

void oo_doctor_print_text(FILE *f, const struct oo_doctor_report *r, bool verbose);
void oo_doctor_print_json(FILE *f, const struct oo_doctor_report *r);

#endif
