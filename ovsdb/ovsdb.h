/* The project's view of OVSDB. This header is the boundary: no OVS type or
 * header appears here, so only ovsdb/ is compiled against libopenvswitch. */
#ifndef OO_OVSDB_OVSDB_H
#define OO_OVSDB_OVSDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OO_OVSDB_DEFAULT_REMOTE "unix:/var/run/openvswitch/db.sock"

struct oo_ovs_bridge {
    char *name;                     /* Bridge name */
    size_t n_ports;
    char **ports;                   /* Port names, sorted */
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
