#include "controller/status.h"

#include <errno.h>
#include <string.h>

#include "common/json.h"
#include "common/util.h"
#include "devlink/sriov.h"

static const char *mode_name(int mode)
{
    const char *s = oo_eswitch_mode_to_string(mode);
    return s ? s : "unknown";
}

/* mlx5's LAG state of the PF: "active", "disabled", "unreadable" (an mlx5
 * PF without debugfs), or NULL when its driver keeps none. */
static const char *lag_word(const struct oo_obs_pf *pf)
{
    if (pf->lag_active >= 0)
        return pf->lag_active ? "active" : "disabled";
    return pf->lag_err == -EOPNOTSUPP ? NULL : "unreadable";
}

static void text_pf(FILE *f, const struct oo_obs_pf *pf)
{
    char h[128];
    const struct oo_dl_port *up = oo_obs_pf_uplink(pf);
    size_t n_reps = 0;

    fprintf(f, "pf %s\n", oo_dl_handle_format(&pf->handle, h, sizeof h));
    if (pf->eswitch_err)
        fprintf(f, "  eswitch:      none (%s%s%s)\n", strerror(-pf->eswitch_err),
                pf->eswitch_extack[0] ? ": " : "", pf->eswitch_extack);
    else {
        fprintf(f, "  eswitch:      %s", mode_name(pf->eswitch.mode));
        if (oo_inline_mode_to_string(pf->eswitch.inline_mode))
            fprintf(f, ", inline-mode %s", oo_inline_mode_to_string(pf->eswitch.inline_mode));
        if (oo_encap_mode_to_string(pf->eswitch.encap_mode))
            fprintf(f, ", encap-mode %s", oo_encap_mode_to_string(pf->eswitch.encap_mode));
        fputc('\n', f);
    }
    if (pf->sriov_err)
        fprintf(f, "  vfs:          unreadable (%s)\n", strerror(-pf->sriov_err));
    else if (!pf->sriov.capable)
        fprintf(f, "  vfs:          no SR-IOV\n");
    else if (pf->sriov.total_vfs >= 0)
        fprintf(f, "  vfs:          %d/%d\n", pf->sriov.num_vfs, pf->sriov.total_vfs);
    else
        fprintf(f, "  vfs:          %d/?\n", pf->sriov.num_vfs);
    if (up && up->netdev[0])
        fprintf(f, "  uplink:       %s (ifindex %u, port %u)\n", up->netdev, up->ifindex, up->index);
    else
        fprintf(f, "  uplink:       none\n");
    if (lag_word(pf))
        fprintf(f, "  lag:          %s%s%s%s\n", lag_word(pf), pf->lag_active < 0 ? " (" : "",
                pf->lag_active < 0 ? oo_sriov_lag_err_text(pf->lag_err) : "", pf->lag_active < 0 ? ")" : "");

    for (size_t i = 0; i < pf->n_ports; i++)
        n_reps += oo_port_is_vf_rep(&pf->ports[i]);
    if (!n_reps) {
        fprintf(f, "  representors: none%s\n",
                pf->eswitch.mode == OO_ESWITCH_SWITCHDEV ? "" : " (not in switchdev)");
        return;
    }
    fprintf(f, "  representors: %zu\n", n_reps);
    for (size_t i = 0; i < pf->n_ports; i++) {
        const struct oo_dl_port *p = &pf->ports[i];

        if (!oo_port_is_vf_rep(p))
            continue;
        fprintf(f, "    pf%dvf%-3d %-15s ifindex %u, port %u%s\n", p->pfnum, p->vfnum,
                p->netdev[0] ? p->netdev : "(no netdev)", p->ifindex, p->index,
                p->external ? ", external" : "");
    }
}

static void text_ovs(FILE *f, const struct oo_observed *o)
{
    const struct oo_ovs_observed *v = &o->ovs;

    fprintf(f, "ovs %s\n", o->ovs_remote ? o->ovs_remote : "(not asked)");
    if (!v->reachable) {
        fprintf(f, "  unreachable:  %s\n", v->error[0] ? v->error : "unknown error");
        return;
    }
    fprintf(f, "  version:      %s\n", v->ovs_version ? v->ovs_version : "(unset)");
    fprintf(f, "  hw-offload:   %s%s\n", v->hw_offload_enabled ? "true" : "false",
            v->hw_offload ? "" : " (unset)");
    fprintf(f, "  tc-policy:    %s\n", v->tc_policy ? v->tc_policy : "none (unset)");
    fprintf(f, "  max-idle:     %s\n", v->max_idle ? v->max_idle : "(unset)");
    fprintf(f, "  cfg:          next %lld, cur %lld\n", (long long)v->next_cfg,
            (long long)v->cur_cfg);
    fprintf(f, "  ovs-vswitchd: %s", v->vswitchd_running == 1 ? "running" :
            v->vswitchd_running == 0 ? "not running" : "unknown");
    if (v->vswitchd_running == 1 && v->vswitchd_pid)
        fprintf(f, " (pid %lld)", (long long)v->vswitchd_pid);
    if (v->vswitchd_running == 1)
        fprintf(f, ", flow offload %s", v->offload_active == 1 ? "active" :
                v->offload_active == 0 ? "off" : "unknown");
    fputc('\n', f);
    if (v->restart_needed == 1)
        fprintf(f, "  restart:      needed: %s\n", v->restart_why);
    for (size_t i = 0; i < v->n_datapaths; i++) {
        const struct oo_ovs_datapath *dp = &v->datapaths[i];

        fprintf(f, "  datapath:     %s: ", dp->name);
        if (dp->flows >= 0)
            fprintf(f, "%lld flows in the datapath", (long long)dp->flows);
        else
            fprintf(f, "flows in the datapath unknown");
        if (dp->offloaded >= 0)
            fprintf(f, ", %lld offloaded to tc", (long long)dp->offloaded);
        else
            fprintf(f, ", no flow API");
        if (dp->revalidators == 0)
            fprintf(f, "; NO upcall threads: every upcall is lost (ovs-offloadctl doctor says how to fix it)");
        else if (dp->revalidators > 0)
            fprintf(f, "; %d revalidator thread%s", dp->revalidators, dp->revalidators == 1 ? "" : "s");
        fputc('\n', f);
    }
    fprintf(f, "  bridges:      %zu\n", v->n_bridges);
    for (size_t i = 0; i < v->n_bridges; i++) {
        fprintf(f, "    %s:", v->bridges[i].name);
        for (size_t k = 0; k < v->bridges[i].n_ports; k++)
            fprintf(f, " %s", v->bridges[i].ports[k]);
        fputc('\n', f);
    }
}

static void text_tc(FILE *f, const struct oo_observed *o)
{
    struct oo_tc_counts total = { 0 };

    if (o->tc_err) {
        fprintf(f, "tc: unreadable: %s\n", o->tc_error);
        return;
    }
    fprintf(f, "tc (ingress flower filters of uplinks, representors and bonds)\n");
    for (size_t i = 0; i < o->n_tc; i++) {
        const struct oo_obs_tc_place *p = &o->tc[i];
        const struct oo_tc_counts *n = &p->counts;

        oo_tc_counts_add(&total, n);
        if (!n->total && !p->dump_err)
            continue;
        if (p->block)
            fprintf(f, "  block %-8u", p->block);
        else
            fprintf(f, "  %-14s", p->netdev);
        if (p->dump_err) {
            fprintf(f, " unreadable: %s\n", p->dump_error);
            continue;
        }
        fprintf(f, " %llu filters (owned %llu, ovs %llu, foreign %llu), in_hw %llu, not_in_hw %llu, "
                "hw %llu pkts, sw %llu pkts\n", (unsigned long long)n->total, (unsigned long long)n->owned,
                (unsigned long long)n->ovs, (unsigned long long)n->foreign, (unsigned long long)n->in_hw,
                (unsigned long long)n->not_in_hw, (unsigned long long)n->hw_packets,
                (unsigned long long)n->sw_packets);
    }
    fprintf(f, "  total          %llu filters (owned %llu, ovs %llu, foreign %llu), in_hw %llu, not_in_hw %llu\n",
            (unsigned long long)total.total, (unsigned long long)total.owned, (unsigned long long)total.ovs,
            (unsigned long long)total.foreign, (unsigned long long)total.in_hw,
            (unsigned long long)total.not_in_hw);
}

static void text_daemon(FILE *f, const struct oo_observed *o)
{
    const struct oo_daemon_state *d = &o->daemon;
    char loaded[32], rejected[32];

    if (o->daemon_err) {
        fprintf(f, "ovs-offloadd: %s is unreadable: %s\n", OO_DAEMON_STATE_PATH, strerror(-o->daemon_err));
        return;
    }
    if (!d->found) {
        fprintf(f, "ovs-offloadd: not running\n");
        return;
    }
    oo_fmt_wall_ms(d->loaded_ms, loaded, sizeof loaded);
    oo_fmt_wall_ms(d->rejected_ms, rejected, sizeof rejected);
    fprintf(f, "ovs-offloadd: pid %ld%s, enforcing %s%s (loaded %s%s)%s%s%s\n", d->pid,
            d->pid_ns_foreign ? " (in another pid namespace)" : "", d->config,
            d->hostconf ? " (host.conf)" : "", loaded, d->watching ? ", reloaded when it changes" : "",
            d->rejected_ms ? "; a reload was rejected at " : "", d->rejected_ms ? rejected : "",
            d->rejected_ms && d->awaits_nics ? " (it names offload NICs not there yet: loaded "
                                               "when they appear)" : "");
}

void oo_status_print_text(FILE *f, const struct oo_observed *o)
{
    if (o->devlink_err)
        fprintf(f, "devlink: %s\n", o->devlink_error);
    else if (!o->n_pfs)
        fprintf(f, "devlink: no devices\n");
    for (size_t i = 0; i < o->n_pfs; i++)
        text_pf(f, &o->pfs[i]);
    text_ovs(f, o);
    text_tc(f, o);
    text_daemon(f, o);
}

static void json_opt_int(struct oo_json *j, const char *key, int64_t v)
{
    oo_json_key(j, key);
    if (v < 0)
        oo_json_null(j);
    else
        oo_json_int(j, v);
}

static void json_port(struct oo_json *j, const struct oo_dl_port *p)
{
    oo_json_obj_begin(j);
    oo_json_kv_uint(j, "port_index", p->index);
    oo_json_kv_str(j, "flavour", oo_port_flavour_to_string(p->flavour));
    json_opt_int(j, "pfnum", p->pfnum);
    json_opt_int(j, "vfnum", p->vfnum);
    json_opt_int(j, "controller", p->controller);
    oo_json_kv_bool(j, "external", p->external);
    oo_json_kv_str(j, "netdev", p->netdev[0] ? p->netdev : NULL);
    json_opt_int(j, "ifindex", p->ifindex ? (int64_t)p->ifindex : -1);
    oo_json_obj_end(j);
}

static void json_pf(struct oo_json *j, const struct oo_obs_pf *pf)
{
    char h[128];
    const struct oo_dl_port *up = oo_obs_pf_uplink(pf);

    oo_json_obj_begin(j);
    oo_json_kv_str(j, "handle", oo_dl_handle_format(&pf->handle, h, sizeof h));
    oo_json_kv_str(j, "bus", pf->handle.bus);
    oo_json_kv_str(j, "device", pf->handle.dev);

    oo_json_key(j, "eswitch");
    oo_json_obj_begin(j);
    oo_json_kv_str(j, "mode", pf->eswitch_err ? NULL : oo_eswitch_mode_to_string(pf->eswitch.mode));
    oo_json_kv_str(j, "inline_mode", oo_inline_mode_to_string(pf->eswitch.inline_mode));
    oo_json_kv_str(j, "encap_mode", oo_encap_mode_to_string(pf->eswitch.encap_mode));
    oo_json_kv_str(j, "error", pf->eswitch_err ? strerror(-pf->eswitch_err) : NULL);
    oo_json_kv_str(j, "kernel_message", pf->eswitch_extack[0] ? pf->eswitch_extack : NULL);
    oo_json_obj_end(j);

    oo_json_key(j, "sriov");
    oo_json_obj_begin(j);
    oo_json_kv_bool(j, "capable", pf->sriov.capable);
    json_opt_int(j, "num_vfs", pf->sriov.capable ? pf->sriov.num_vfs : -1);
    json_opt_int(j, "total_vfs", pf->sriov.capable ? pf->sriov.total_vfs : -1);
    oo_json_kv_str(j, "error", pf->sriov_err ? strerror(-pf->sriov_err) : NULL);
    oo_json_obj_end(j);

    oo_json_key(j, "uplink");
    if (up)
        json_port(j, up);
    else
        oo_json_null(j);

    oo_json_key(j, "representors");
    oo_json_arr_begin(j);
    for (size_t i = 0; i < pf->n_ports; i++)
        if (oo_port_is_vf_rep(&pf->ports[i]))
            json_port(j, &pf->ports[i]);
    oo_json_arr_end(j);
    oo_json_kv_str(j, "lag", lag_word(pf));
    oo_json_obj_end(j);
}

/* Each of keys, null: what could not be read keeps its place in the document. */
static void json_null_keys(struct oo_json *j, const char *const *keys, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        oo_json_key(j, keys[i]);
        oo_json_null(j);
    }
}

static void json_ovs(struct oo_json *j, const struct oo_observed *o)
{
    const struct oo_ovs_observed *v = &o->ovs;

    oo_json_obj_begin(j);
    oo_json_kv_str(j, "remote", o->ovs_remote);
    oo_json_kv_bool(j, "reachable", v->reachable);
    oo_json_kv_str(j, "error", v->reachable ? NULL : v->error);
    if (!v->reachable) {
        /* Every key, null: unknown, for a reader that expects the same
         * document shape whatever OVSDB did. */
        static const char *const keys[] = {
            "ovs_version", "db_version", "hw_offload", "hw_offload_enabled", "tc_policy",
            "max_idle", "next_cfg", "cur_cfg", "vswitchd_running", "offload_active",
            "restart_needed", "restart_why", "datapaths", "bridges",
        };
        json_null_keys(j, keys, OO_ARRAY_SIZE(keys));
    } else {
        oo_json_kv_str(j, "ovs_version", v->ovs_version);
        oo_json_kv_str(j, "db_version", v->db_version);
        oo_json_kv_str(j, "hw_offload", v->hw_offload);
        oo_json_kv_bool(j, "hw_offload_enabled", v->hw_offload_enabled);
        oo_json_kv_str(j, "tc_policy", v->tc_policy);
        oo_json_kv_str(j, "max_idle", v->max_idle);
        oo_json_kv_int(j, "next_cfg", v->next_cfg);
        oo_json_kv_int(j, "cur_cfg", v->cur_cfg);
        oo_json_key(j, "vswitchd_running");
        if (v->vswitchd_running < 0) oo_json_null(j); else oo_json_bool(j, v->vswitchd_running);
        oo_json_key(j, "offload_active");
        if (v->offload_active < 0) oo_json_null(j); else oo_json_bool(j, v->offload_active == 1);
        oo_json_key(j, "restart_needed");
        if (v->restart_needed < 0) oo_json_null(j); else oo_json_bool(j, v->restart_needed);
        oo_json_kv_str(j, "restart_why", v->restart_why[0] ? v->restart_why : NULL);
        oo_json_key(j, "datapaths");
        oo_json_arr_begin(j);
        for (size_t i = 0; i < v->n_datapaths; i++) {
            const struct oo_ovs_datapath *dp = &v->datapaths[i];

            oo_json_obj_begin(j);
            oo_json_kv_str(j, "name", dp->name);
            oo_json_key(j, "flows");
            if (dp->flows < 0) oo_json_null(j); else oo_json_int(j, dp->flows);
            oo_json_key(j, "offloaded_flows");
            if (dp->offloaded < 0) oo_json_null(j); else oo_json_int(j, dp->offloaded);
            oo_json_key(j, "revalidator_threads");
            if (dp->revalidators < 0) oo_json_null(j); else oo_json_int(j, dp->revalidators);
            oo_json_obj_end(j);
        }
        oo_json_arr_end(j);
        oo_json_key(j, "bridges");
        oo_json_arr_begin(j);
        for (size_t i = 0; i < v->n_bridges; i++) {
            oo_json_obj_begin(j);
            oo_json_kv_str(j, "name", v->bridges[i].name);
            oo_json_key(j, "ports");
            oo_json_arr_begin(j);
            for (size_t k = 0; k < v->bridges[i].n_ports; k++)
                oo_json_str(j, v->bridges[i].ports[k]);
            oo_json_arr_end(j);
            oo_json_obj_end(j);
        }
        oo_json_arr_end(j);
    }
    oo_json_obj_end(j);
}

static void json_counts(struct oo_json *j, const struct oo_tc_counts *n)
{
    oo_json_kv_uint(j, "filters", n->total);
    oo_json_kv_uint(j, "owned", n->owned);
    oo_json_kv_uint(j, "ovs", n->ovs);
    oo_json_kv_uint(j, "foreign", n->foreign);
    oo_json_kv_uint(j, "in_hw", n->in_hw);
    oo_json_kv_uint(j, "in_hw_count", n->in_hw_count);
    oo_json_kv_uint(j, "not_in_hw", n->not_in_hw);
    oo_json_kv_uint(j, "hw_packets", n->hw_packets);
    oo_json_kv_uint(j, "hw_bytes", n->hw_bytes);
    oo_json_kv_uint(j, "sw_packets", n->sw_packets);
    oo_json_kv_uint(j, "sw_bytes", n->sw_bytes);
}

static void json_tc(struct oo_json *j, const struct oo_observed *o)
{
    struct oo_tc_counts total = { 0 };

    oo_json_obj_begin(j);
    oo_json_kv_str(j, "error", o->tc_err ? o->tc_error : NULL);
    oo_json_key(j, "places");
    oo_json_arr_begin(j);
    for (size_t i = 0; i < o->n_tc; i++) {
        const struct oo_obs_tc_place *p = &o->tc[i];
        oo_tc_counts_add(&total, &p->counts);
        oo_json_obj_begin(j);
        oo_json_kv_str(j, "device", p->netdev);
        oo_json_kv_uint(j, "ifindex", p->ifindex);
        oo_json_key(j, "block");
        if (p->block) oo_json_uint(j, p->block); else oo_json_null(j);
        oo_json_kv_bool(j, "has_qdisc", p->has_qdisc);
        oo_json_kv_str(j, "error", p->dump_err ? p->dump_error : NULL);
        json_counts(j, &p->counts);
        oo_json_obj_end(j);
    }
    oo_json_arr_end(j);
    oo_json_key(j, "total");
    oo_json_obj_begin(j);
    json_counts(j, &total);
    oo_json_obj_end(j);
    oo_json_obj_end(j);
}

/* The running ovs-offloadd and the config it enforces (daemonstate.h). */
static void json_daemon(struct oo_json *j, const struct oo_observed *o)
{
    const struct oo_daemon_state *d = &o->daemon;

    oo_json_obj_begin(j);
    oo_json_kv_str(j, "error", o->daemon_err ? strerror(-o->daemon_err) : NULL);
    oo_json_kv_bool(j, "running", d->found);
    if (!d->found) {
        static const char *const keys[] = {
            "pid", "other_pid_namespace", "config", "kind", "loaded_ms", "reload_rejected_ms",
            "watches_config", "reload_awaits_nics",
        };
        json_null_keys(j, keys, OO_ARRAY_SIZE(keys));
    } else {
        oo_json_kv_int(j, "pid", d->pid);
        oo_json_kv_bool(j, "other_pid_namespace", d->pid_ns_foreign);
        oo_json_kv_str(j, "config", d->config);
        oo_json_kv_str(j, "kind", d->hostconf ? "hostconf" : "yaml");
        oo_json_kv_int(j, "loaded_ms", d->loaded_ms);
        json_opt_int(j, "reload_rejected_ms", d->rejected_ms ? d->rejected_ms : -1);
        oo_json_kv_bool(j, "watches_config", d->watching);
        oo_json_kv_bool(j, "reload_awaits_nics", d->rejected_ms && d->awaits_nics);
    }
    oo_json_obj_end(j);
}

void oo_status_print_json(FILE *f, const struct oo_observed *o, bool pretty)
{
    struct oo_json j;

    oo_json_init(&j, f, pretty);
    oo_json_obj_begin(&j);
    oo_json_key(&j, "devlink");
    oo_json_obj_begin(&j);
    oo_json_kv_str(&j, "error", o->devlink_err ? o->devlink_error : NULL);
    oo_json_obj_end(&j);
    oo_json_key(&j, "pfs");
    oo_json_arr_begin(&j);
    for (size_t i = 0; i < o->n_pfs; i++)
        json_pf(&j, &o->pfs[i]);
    oo_json_arr_end(&j);
    oo_json_key(&j, "ovs");
    json_ovs(&j, o);
    oo_json_key(&j, "tc");
    json_tc(&j, o);
    oo_json_key(&j, "daemon");
    json_daemon(&j, o);
    oo_json_obj_end(&j);
    oo_json_finish(&j);
}
