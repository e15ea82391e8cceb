/* Private to ovsdb/: what observe and apply share about the IDL connection,
 * and how both judge ovs-vswitchd's hw-offload state. OVS types allowed. */
#ifndef OO_OVSDB_IDL_H
#define OO_OVSDB_IDL_H

#include <stdbool.h>
#include <stddef.h>

#include "ovsdb/offload-state.h"
#include "ovsdb/vswitchd.h"

struct ovsdb_idl;
struct ovsrec_open_vswitch;

/* What libopenvswitch built without OpenSSL accepts as an active remote. */
#ifdef HAVE_OPENSSL
#define OO_SUPPORTED_REMOTES "unix:PATH, tcp:IP:PORT or ssl:IP:PORT"
#else
#define OO_SUPPORTED_REMOTES "unix:PATH or tcp:IP:PORT; ssl: needs libopenvswitch built with OpenSSL"
#endif

/* Registers the only columns observe and apply read or write: the server
 * sends nothing else, and ovs-vswitchd's frequent writes (Interface
 * statistics, status) are never transferred. */
void oo_idl_monitor(struct ovsdb_idl *idl);

/* Says in err why an IDL that is no longer alive (or never got the
 * database) failed, and returns the matching -errno. */
int oo_idl_explain(const struct ovsdb_idl *idl, const char *remote, bool was_connected, char *err,
                   size_t err_size);

/* ovs-vswitchd's hw-offload state as judged from a probe and the database. */
struct oo_offload_view {
    struct oo_offload_cfg stored;       /* hw-offload / tc-policy in other_config */
    bool has_record;                    /* OO_OVS_RECORD_KEY parsed */
    struct oo_offload_record record;    /* ... as parsed */
    char boot_id[40];
    int flow_api;                       /* enum oo_flow_api of the running process */
    char policy[16];                    /* its tc-policy with OO_FLOW_API_ON */
    int restart_needed;                 /* 1/0/-1 */
    bool restart_settles;               /* a restart now would make it known */
    bool record_current;                /* the record is of this boot and of the stored values */
    char why[240];
};

/* Fills view from other_config's hw-offload and tc-policy, external_ids'
 * OO_OVS_RECORD_KEY (each NULL when unset) and probe. */
void oo_offload_view_build_from(const char *hw_offload, const char *tc_policy, const char *record,
                                const struct oo_vswitchd_probe *probe, struct oo_offload_view *view);
/* The same from an IDL row (may be NULL). */
void oo_offload_view_build(const struct ovsrec_open_vswitch *ovs, const struct oo_vswitchd_probe *probe,
                           struct oo_offload_view *view);

#endif
