/* The project's view of OVSDB. This header is the boundary: no OVS type or
 * header appears here, so only ovsdb/ is compiled against libopenvswitch. */
#ifndef OO_OVSDB_OVSDB_H
#define OO_OVSDB_OVSDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OO_OVSDB_DEFAULT_REMOTE "unix:/var/run/openvswitch/db.sock"

/* external_ids key that marks the rows ovs-offload created (value "true").
 * ovs-vswitchd does not monitor external_ids, so the mark costs nothing. */
#define OO_OVS_OWNER_KEY "ovs-offload-owned"

struct oo_ovs_bridge {
    char *name;                     /* Bridge name */
    bool owned;                     /* external_ids:ovs-offload-owned=true */
    size_t n_ports;
    char **ports;                   /* Port names, sorted */
};

/* A port and its (first) interface. */
struct oo_ovs_port {
    char *name;                     /* Port name (= its interface's name for ours) */
    char *bridge;                   /* the bridge it is on, NULL if on none */
    bool owned;                     /* external_ids:ovs-offload-owned=true on the Port */
    char *iface_type;               /* Interface type ("" = system netdev, "internal", ...) */
    int64_t ofport;                 /* Interface ofport; -1 = failed or not yet assigned */
    char *error;                    /* Interface error, NULL if none */
};

/* What OVSDB says, read once. Strings are NULL when the key or column is unset. */
struct oo_ovs_observed {
    bool reachable;                 /* connected and read the database */
    char error[256];                /* why not, when !reachable */
    char *ovs_version;              /* Open_vSwitch ovs_version */
    char *db_version;               /* Open_vSwitch db_version */
    char *hw_offload;               /* other_config:hw-offload as stored */
    bool hw_offload_enabled;        /* what ovs-vswitchd makes of it (default false) */
    char *tc_policy;                /* other_config:tc-policy as stored (OVS default: none) */
    char *max_idle;                 /* other_config:max-idle as stored */
    int64_t next_cfg;               /* Open_vSwitch next_cfg */
    int64_t cur_cfg;                /* Open_vSwitch cur_cfg (ovs-vswitchd's ack) */
    size_t n_bridges;
    struct oo_ovs_bridge *bridges;  /* sorted by name */
    size_t n_ports;
    struct oo_ovs_port *ports;      /* every Port, sorted by name */
    int vswitchd_running;           /* 1 yes, 0 no, -1 unknown */
    int restart_needed;             /* 1: the running ovs-vswitchd has not applied the
                                     * stored hw-offload / tc-policy; 0 no; -1 unknown */
};

/* Connects to `remote` (an OVSDB remote such as "unix:/run/openvswitch/db.sock"),
 * reads the Open_vSwitch row and the bridges with their ports, and disconnects.
 * Gives up after timeout_ms. Returns 0 when read (out->reachable true), or
 * -errno with out->error saying why (-ETIMEDOUT, -ECONNREFUSED, -ENOENT...);
 * out is valid to print and free either way. */
int oo_ovsdb_observe(const char *remote, int timeout_ms, struct oo_ovs_observed *out);

/* Frees what oo_ovsdb_observe allocated; safe on a zeroed struct. */
void oo_ovs_observed_free(struct oo_ovs_observed *o);

#endif
