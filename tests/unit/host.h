/* Building observed hosts in memory for planner tests: the shapes devlink,
 * rtnetlink and OVSDB report (see the byte fixtures for the real thing). */
#ifndef OO_TESTS_HOST_H
#define OO_TESTS_HOST_H

#include "config/config.h"
#include "controller/observe.h"

/* Adds a PF with an uplink netdev, total 8 VFs, num VFs, and (switchdev)
 * one representor per VF. PCI PFs get VF devices bound to mlx5_core.
 * Params flow_steering_mode=dmfs, esw_multiport=false and
 * lag_port_select_mode=queue_affinity exist (as on mlx5). Returns its index. */
int host_add_pf(struct oo_observed *o, const char *bus, const char *dev, const char *uplink,
                int mode, int num_vfs);
/* Adds a runtime devlink param of type (OO_DL_PARAM_TYPE_*) to PF pf. */
void host_add_param(struct oo_observed *o, int pf, const char *name, int type, const char *value);
/* Adds a netdev; returns it. */
struct oo_link *host_add_link(struct oo_observed *o, const char *name);
struct oo_link *host_link(struct oo_observed *o, const char *name);
/* Adds an owned (or foreign) bond with mode and members (uplink names, NULL-terminated). */
struct oo_link *host_add_bond(struct oo_observed *o, const char *name, bool owned, int mode,
                              const char *const *members);
/* OVS: reachable with a bridge (owned or not) and ports on it. */
void host_ovs(struct oo_observed *o, bool running);
void host_ovs_bridge(struct oo_observed *o, const char *name, bool owned);
void host_ovs_port(struct oo_observed *o, const char *bridge, const char *name, bool owned);
void host_ovs_set(struct oo_observed *o, const char *key, const char *value);
/* Gives netdev an ingress qdisc and an observed tc place, whose filter dump
 * failed with err (0: read, no filters yet); returns the place. */
struct oo_obs_tc_place *host_add_tc_place(struct oo_observed *o, const char *netdev, int err);

/* The config of YAML text (as "test.yaml"), allocated; fails the test with
 * the diagnostics if it is invalid. Free it with host_free_config. */
struct oo_config *host_load_config(const char *yaml);
void host_free_config(struct oo_config *cfg);

/* cmocka setup and teardown: *state is a new empty directory under /tmp
 * (a root prefix for files such as the host lock), removed with its
 * contents afterwards. */
int host_tmp_root_setup(void **state);
int host_tmp_root_teardown(void **state);

#endif
