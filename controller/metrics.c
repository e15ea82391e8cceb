#include "controller/metrics.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/util.h"
#include "config/config.h"
#include "tc/owner.h"

/* ---------------------------------------------------------------- text helpers */

void oo_prom_write_label_value(FILE *f, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; p && *p; p++) {
        size_t n;

        if (*p == '\\') {
            fputs("\\\\", f);
        } else if (*p == '"') {
            fputs("\\\"", f);
        } else if (*p == '\n') {
            fputs("\\n", f);
        } else if ((n = oo_utf8_seq_len(p))) {
            fwrite(p, 1, n, f);
            p += n - 1;
        } else {
            /* Label values are UTF-8: Prometheus refuses the whole scrape
             * for one bad byte (a netdev name may hold any). */
            fputs(OO_UTF8_REPLACEMENT, f);
        }
    }
}

void oo_prom_write_help(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        if (*s == '\\')
            fputs("\\\\", f);
        else if (*s == '\n')
            fputs("\\n", f);
        else
            fputc(*s, f);
    }
}

/* One metric family: HELP and TYPE are written before its first sample, so
 * that a family without samples (no bonds on the host) leaves no trace. */
struct fam {
    FILE *f;
    const char *name;
    const char *type;               /* "gauge", "counter", "histogram" */
    const char *help;
    bool started;
};

#define FAM(f_, name_, type_, help_) { .f = (f_), .name = (name_), .type = (type_), .help = (help_) }

static void fam_start(struct fam *m)
{
    if (m->started)
        return;
    fprintf(m->f, "# HELP %s ", m->name);
    oo_prom_write_help(m->f, m->help);
    fprintf(m->f, "\n# TYPE %s %s\n", m->name, m->type);
    m->started = true;
}

/* name[suffix]{k1="v1",...}: n label pairs in kv (key, value, key, value...);
 * a NULL key ends them early. */
static void sample_head(struct fam *m, const char *suffix, const char *const *kv, size_t n)
{
    bool open = false;

    fam_start(m);
    fputs(m->name, m->f);
    if (suffix)
        fputs(suffix, m->f);
    for (size_t i = 0; i < n && kv[2 * i]; i++) {
        fprintf(m->f, "%c%s=\"", open ? ',' : '{', kv[2 * i]);
        oo_prom_write_label_value(m->f, kv[2 * i + 1]);
        fputc('"', m->f);
        open = true;
    }
    if (open)
        fputc('}', m->f);
}

static void put_u(struct fam *m, const char *k1, const char *v1, const char *k2, const char *v2,
                  uint64_t v)
{
    const char *kv[] = { k1, v1, k2, v2 };

    sample_head(m, NULL, kv, 2);
    fprintf(m->f, " %" PRIu64 "\n", v);
}

static void put_d(struct fam *m, const char *k1, const char *v1, double v)
{
    const char *kv[] = { k1, v1 };

    sample_head(m, NULL, kv, 1);
    fprintf(m->f, " %.3f\n", v);
}

static double wall_s(int64_t wall_ms)
{
    return (double)wall_ms / 1000;
}

/* ---------------------------------------------------------------- host */

static const char *pf_label(const struct oo_obs_pf *pf, char *buf, size_t size)
{
    return oo_dl_handle_format(&pf->handle, buf, size);
}

static int cmp_port_name(const void *key, const void *elem)
{
    return strcmp(key, ((const struct oo_ovs_port *)elem)->name);
}

/* Whether netdev is a port on some OVS bridge (o->ovs.ports is sorted). */
static bool ovs_attached(const struct oo_observed *o, const char *netdev)
{
    const struct oo_ovs_port *p;

    if (!o->ovs.reachable || !o->ovs.n_ports || !netdev[0])
        return false;
    p = bsearch(netdev, o->ovs.ports, o->ovs.n_ports, sizeof *o->ovs.ports, cmp_port_name);
    return p && p->bridge;
}

static void write_pfs(FILE *f, const struct oo_observed *o)
{
    struct fam info = FAM(f, "ovs_offload_pf_info", "gauge",
                          "A devlink instance (PF) with its uplink netdev; always 1");
    struct fam mode = FAM(f, "ovs_offload_pf_eswitch_mode", "gauge",
                          "1 for the PF's current eswitch mode, 0 for the other");
    struct fam vfs = FAM(f, "ovs_offload_pf_vfs", "gauge", "VFs the PF has now (sriov_numvfs)");
    struct fam vfs_max = FAM(f, "ovs_offload_pf_vfs_max", "gauge",
                             "VFs the PF can have (sriov_totalvfs)");
    struct fam reps = FAM(f, "ovs_offload_pf_representors", "gauge",
                          "VF representors of the PF that have a netdev");
    struct fam att = FAM(f, "ovs_offload_pf_representors_attached", "gauge",
                         "VF representors of the PF that are ports of an OVS bridge (when OVSDB is reachable)");
    struct fam tco = FAM(f, "ovs_offload_pf_hw_tc_offload", "gauge",
                         "1 if the uplink has hw-tc-offload on, 0 if off");
    struct fam lag = FAM(f, "ovs_offload_pf_lag_active", "gauge",
                         "1 if the NIC's LAG (VF-LAG) is active on the PF, 0 if not (mlx5 PFs "
                         "whose debugfs state is readable); bond: the bond its uplink is in, or empty");
    char h[128];

    for (size_t i = 0; i < o->n_pfs; i++) {
        const struct oo_dl_port *up = oo_obs_pf_uplink(&o->pfs[i]);
        put_u(&info, "device", pf_label(&o->pfs[i], h, sizeof h), "uplink",
              up && up->netdev[0] ? up->netdev : "", 1);
    }
    for (size_t i = 0; i < o->n_pfs; i++) {
        const struct oo_obs_pf *pf = &o->pfs[i];
        if (pf->eswitch_err || pf->eswitch.mode == OO_ESWITCH_UNKNOWN)
            continue;
        pf_label(pf, h, sizeof h);
        put_u(&mode, "device", h, "mode", "legacy", pf->eswitch.mode == OO_ESWITCH_LEGACY);
        put_u(&mode, "device", h, "mode", "switchdev", pf->eswitch.mode == OO_ESWITCH_SWITCHDEV);
    }
    for (size_t i = 0; i < o->n_pfs; i++) {
        const struct oo_obs_pf *pf = &o->pfs[i];
        if (!pf->sriov_err && pf->sriov.capable && pf->sriov.num_vfs >= 0)
            put_u(&vfs, "device", pf_label(pf, h, sizeof h), NULL, NULL, (uint64_t)pf->sriov.num_vfs);
    }
    for (size_t i = 0; i < o->n_pfs; i++) {
        const struct oo_obs_pf *pf = &o->pfs[i];
        if (!pf->sriov_err && pf->sriov.capable && pf->sriov.total_vfs >= 0)
            put_u(&vfs_max, "device", pf_label(pf, h, sizeof h), NULL, NULL,
                  (uint64_t)pf->sriov.total_vfs);
    }
    for (size_t i = 0; i < o->n_pfs; i++) {
        const struct oo_obs_pf *pf = &o->pfs[i];
        uint64_t n = 0;
        for (size_t k = 0; k < pf->n_ports; k++)
            n += oo_port_is_vf_rep(&pf->ports[k]) && pf->ports[k].netdev[0];
        put_u(&reps, "device", pf_label(pf, h, sizeof h), NULL, NULL, n);
    }
    for (size_t i = 0; o->ovs.reachable && i < o->n_pfs; i++) {
        const struct oo_obs_pf *pf = &o->pfs[i];
        uint64_t n = 0;
        for (size_t k = 0; k < pf->n_ports; k++)
            n += oo_port_is_vf_rep(&pf->ports[k]) && ovs_attached(o, pf->ports[k].netdev);
        put_u(&att, "device", pf_label(pf, h, sizeof h), NULL, NULL, n);
    }
    for (size_t i = 0; i < o->n_pfs; i++) {
        const struct oo_obs_pf *pf = &o->pfs[i];
        if (pf->hw_tc_offload >= 0)
            put_u(&tco, "device", pf_label(pf, h, sizeof h), NULL, NULL, (uint64_t)pf->hw_tc_offload);
    }
    for (size_t i = 0; i < o->n_pfs; i++) {
        const struct oo_obs_pf *pf = &o->pfs[i];
        const struct oo_link *bond = oo_obs_pf_bond(o, pf);
        if (pf->lag_active >= 0)
            put_u(&lag, "device", pf_label(pf, h, sizeof h), "bond", bond ? bond->name : "",
                  (uint64_t)pf->lag_active);
    }
}

static bool is_bond(const struct oo_link *l)
{
    return !strcmp(l->kind, "bond");
}

static void bond_counts(const struct oo_observed *o, const struct oo_link *bond, uint64_t *ret_members,
                        uint64_t *ret_active)
{
    uint64_t members = 0, active = 0;

    for (size_t i = 0; i < o->n_links; i++) {
        const struct oo_link *l = &o->links[i];
        if (l->master != bond->ifindex || strcmp(l->slave_kind, "bond"))
            continue;
        members++;
        /* active-backup: the one the bond sends through; other modes: every
         * member that is up with carrier (802.3ad aggregator membership is
         * not read). */
        if (bond->bond.mode == OO_CFG_BOND_ACTIVE_BACKUP)
            active += bond->bond.active_slave == (int64_t)l->ifindex;
        else
            active += l->up && l->lower_up;
    }
    *ret_members = members;
    *ret_active = active;
}

static void write_bonds(FILE *f, const struct oo_observed *o)
{
    struct fam mode = FAM(f, "ovs_offload_bond_mode", "gauge", "A bond and its mode; always 1");
    struct fam managed = FAM(f, "ovs_offload_bond_managed", "gauge",
                             "1 if ovs-offload created and manages the bond, 0 if it is someone else's");
    struct fam members = FAM(f, "ovs_offload_bond_members", "gauge", "Netdevs enslaved to the bond");
    struct fam active = FAM(f, "ovs_offload_bond_active_members", "gauge",
                            "Members carrying traffic: the active slave in active-backup, "
                            "members up with carrier otherwise");
    char num[16];

    for (size_t i = 0; i < o->n_links; i++) {
        const struct oo_link *b = &o->links[i];
        const char *m;
        if (!is_bond(b))
            continue;
        m = oo_cfg_bond_mode_to_string(b->bond.mode);
        if (!m) {
            snprintf(num, sizeof num, "%d", b->bond.mode);
            m = num;
        }
        put_u(&mode, "bond", b->name, "mode", m, 1);
    }
    for (size_t i = 0; i < o->n_links; i++)
        if (is_bond(&o->links[i]))
            put_u(&managed, "bond", o->links[i].name, NULL, NULL,
                  !strcmp(o->links[i].alias, OO_LINK_OWNER_ALIAS));
    for (size_t i = 0; i < o->n_links; i++) {
        uint64_t n, a;
        if (!is_bond(&o->links[i]))
            continue;
        bond_counts(o, &o->links[i], &n, &a);
        put_u(&members, "bond", o->links[i].name, NULL, NULL, n);
    }
    for (size_t i = 0; i < o->n_links; i++) {
        uint64_t n, a;
        if (!is_bond(&o->links[i]))
            continue;
        bond_counts(o, &o->links[i], &n, &a);
        put_u(&active, "bond", o->links[i].name, NULL, NULL, a);
    }
}

static void write_ovs(FILE *f, const struct oo_observed *o)
{
    const struct oo_ovs_observed *v = &o->ovs;
    struct fam up = FAM(f, "ovs_offload_ovsdb_up", "gauge", "1 if OVSDB could be read");
    struct fam hw = FAM(f, "ovs_offload_ovs_hw_offload_enabled", "gauge",
                        "1 if other_config:hw-offload is true in OVSDB");
    struct fam act = FAM(f, "ovs_offload_ovs_hw_offload_active", "gauge",
                         "1 if the running ovs-vswitchd has its tc flow API on");
    struct fam run = FAM(f, "ovs_offload_ovs_vswitchd_running", "gauge",
                         "1 if ovs-vswitchd answers on its control socket");
    struct fam rst = FAM(f, "ovs_offload_ovs_restart_needed", "gauge",
                         "1 if ovs-vswitchd must restart to apply hw-offload or tc-policy");
    struct fam dpf = FAM(f, "ovs_offload_ovs_datapath_flows", "gauge",
                         "Flows the datapath holds itself, as ovs-vswitchd's upcall/show counts "
                         "them (the kernel datapath's: flows not offloaded to tc)");
    struct fam dpo = FAM(f, "ovs_offload_ovs_offloaded_flows", "gauge",
                         "Flows ovs-vswitchd offloaded to tc from the datapath, in hardware or not "
                         "(upcall/show); absent while no port of it has a flow API");
    struct fam dpr = FAM(f, "ovs_offload_ovs_revalidator_threads", "gauge",
                         "ovs-vswitchd's revalidator threads for the datapath (upcall/show); 0: it "
                         "started no upcall thread for it and loses every upcall (restart it)");

    put_u(&up, NULL, NULL, NULL, NULL, v->reachable);
    if (!v->reachable)
        return;
    put_u(&hw, NULL, NULL, NULL, NULL, v->hw_offload_enabled);
    if (v->offload_active >= 0)
        put_u(&act, NULL, NULL, NULL, NULL, (uint64_t)v->offload_active);
    if (v->vswitchd_running >= 0)
        put_u(&run, NULL, NULL, NULL, NULL, (uint64_t)v->vswitchd_running);
    if (v->restart_needed >= 0)
        put_u(&rst, NULL, NULL, NULL, NULL, (uint64_t)v->restart_needed);
    for (size_t i = 0; i < v->n_datapaths; i++)
        if (v->datapaths[i].flows >= 0)
            put_u(&dpf, "datapath", v->datapaths[i].name, NULL, NULL, (uint64_t)v->datapaths[i].flows);
    for (size_t i = 0; i < v->n_datapaths; i++)
        if (v->datapaths[i].offloaded >= 0)
            put_u(&dpo, "datapath", v->datapaths[i].name, NULL, NULL,
                  (uint64_t)v->datapaths[i].offloaded);
    for (size_t i = 0; i < v->n_datapaths && v->vswitchd_running == 1; i++)
        if (v->datapaths[i].revalidators >= 0)
            put_u(&dpr, "datapath", v->datapaths[i].name, NULL, NULL,
                  (uint64_t)v->datapaths[i].revalidators);
}

static bool tc_place_unreadable(const struct oo_observed *o)
{
    for (size_t i = 0; i < o->n_tc; i++)
        if (o->tc[i].dump_err)
            return true;
    return false;
}

void oo_metrics_write_host(FILE *f, const struct oo_observed *o, int64_t observed_wall_ms)
{
    struct fam ts = FAM(f, "ovs_offload_host_observed_timestamp_seconds", "gauge",
                        "When the host metrics were read (by the daemon: at its last reconcile pass)");
    struct fam dl = FAM(f, "ovs_offload_devlink_up", "gauge", "1 if devlink could be read");
    struct fam tcu = FAM(f, "ovs_offload_tc_up", "gauge", "1 if the tc qdiscs and filters could be read");
    struct oo_metrics_tc *tc = NULL;
    size_t n_tc;

    put_d(&ts, NULL, NULL, wall_s(observed_wall_ms));
    put_u(&dl, NULL, NULL, NULL, NULL, !o->devlink_err);
    write_pfs(f, o);
    write_bonds(f, o);
    write_ovs(f, o);
    put_u(&tcu, NULL, NULL, NULL, NULL, !o->tc_err && !tc_place_unreadable(o));
    n_tc = oo_metrics_tc_collect(o, &tc);
    oo_metrics_write_tc(f, tc, n_tc);
    free(tc);
}

/* ---------------------------------------------------------------- tc hook */

void oo_metrics_write_tc(FILE *f, const struct oo_metrics_tc *tc, size_t n)
{
    struct fam filters = FAM(f, "ovs_offload_tc_filters", "gauge",
                             "tc filters on a device's ingress by owner (owned, ovs, foreign) and "
                             "offload state (in_hw, not_in_hw)");
    /* Sums of the counters of the filters there now: they drop when a
     * filter goes, so they are gauges (a counter that drops is a reset to
     * Prometheus, and rate() would count the whole sum again). */
    struct fam pkts = FAM(f, "ovs_offload_tc_hw_packets", "gauge",
                          "Packets the hardware matched in the filters there now");
    struct fam bytes = FAM(f, "ovs_offload_tc_hw_bytes", "gauge",
                           "Bytes the hardware matched in the filters there now");
    const char *owner;

    for (size_t i = 0; i < n; i++) {
        owner = oo_tc_owner_to_string(tc[i].owner);
        for (int st = 0; st < 2; st++) {
            const char *kv[] = { "device", tc[i].device, "owner", owner ? owner : "unknown",
                                 "state", st ? "not_in_hw" : "in_hw" };
            sample_head(&filters, NULL, kv, 3);
            fprintf(f, " %" PRIu64 "\n", st ? tc[i].not_in_hw : tc[i].in_hw);
        }
    }
    for (size_t i = 0; i < n; i++) {
        owner = oo_tc_owner_to_string(tc[i].owner);
        put_u(&pkts, "device", tc[i].device, "owner", owner ? owner : "unknown", tc[i].hw_packets);
    }
    for (size_t i = 0; i < n; i++) {
        owner = oo_tc_owner_to_string(tc[i].owner);
        put_u(&bytes, "device", tc[i].device, "owner", owner ? owner : "unknown", tc[i].hw_bytes);
    }
}

size_t oo_metrics_tc_collect(const struct oo_observed *o, struct oo_metrics_tc **ret_tc)
{
    struct oo_metrics_tc *out = NULL;
    size_t n = 0;

    for (size_t i = 0; !o->tc_err && i < o->n_tc; i++) {
        const struct oo_obs_tc_place *pl = &o->tc[i];
        struct oo_metrics_tc by_owner[OO_TC_OWNER_MAX];
        bool seen[OO_TC_OWNER_MAX] = { false };

        memset(by_owner, 0, sizeof by_owner);
        for (size_t k = 0; k < pl->n_filters; k++) {
            const struct oo_tc_filter *flt = &pl->filters[k];
            int owner = oo_tc_classify(flt, NULL);
            struct oo_metrics_tc *m;

            if (owner < 0 || owner >= OO_TC_OWNER_MAX)
                owner = OO_TC_OWNER_FOREIGN;
            m = &by_owner[owner];
            seen[owner] = true;
            m->in_hw += flt->in_hw;
            m->not_in_hw += flt->not_in_hw;
            m->hw_packets += flt->stats.hw_packets;
            m->hw_bytes += flt->stats.hw_bytes;
        }
        for (int w = 0; w < OO_TC_OWNER_MAX; w++) {
            if (!seen[w])
                continue;
            out = oo_realloc(out, (n + 1) * sizeof *out);
            out[n] = by_owner[w];
            out[n].owner = w;
            if (pl->block)
                snprintf(out[n].device, sizeof out[n].device, "block:%u", pl->block);
            else
                oo_strlcpy(out[n].device, pl->netdev, sizeof out[n].device);
            n++;
        }
    }
    *ret_tc = out;
    return n;
}

/* ---------------------------------------------------------------- daemon */

static void write_histogram(FILE *f, const struct oo_reconcile_stats *st)
{
    struct fam h = FAM(f, "ovs_offload_reconcile_duration_seconds", "histogram",
                       "How long reconcile passes (observe, plan, apply) took");
    uint64_t cum = 0;
    char le[32];

    for (size_t b = 0; b < OO_DURATION_BUCKETS; b++) {
        cum += st->duration_bucket[b];
        const char *kv[] = { "le", le };
        snprintf(le, sizeof le, "%g", oo_duration_bucket_le[b]);
        sample_head(&h, "_bucket", kv, 1);
        fprintf(f, " %" PRIu64 "\n", cum);
    }
    cum += st->duration_bucket[OO_DURATION_BUCKETS];
    sample_head(&h, "_bucket", (const char *const[]){ "le", "+Inf" }, 1);
    fprintf(f, " %" PRIu64 "\n", cum);
    sample_head(&h, "_sum", NULL, 0);
    fprintf(f, " %.3f\n", st->duration_sum_s);
    sample_head(&h, "_count", NULL, 0);
    fprintf(f, " %" PRIu64 "\n", st->duration_count);
}

void oo_metrics_write_daemon(FILE *f, const struct oo_reconcile_stats *st)
{
    struct fam start = FAM(f, "ovs_offload_start_time_seconds", "gauge",
                           "When the daemon started (Unix time)");
    struct fam runs = FAM(f, "ovs_offload_reconcile_runs_total", "counter",
                          "Reconcile passes by result: in_sync (nothing to do), repaired (the plan "
                          "was applied), blocked (the plan has errors), failed");
    struct fam trig = FAM(f, "ovs_offload_reconcile_triggers_total", "counter",
                          "Reconcile passes by what started them");
    struct fam last_d = FAM(f, "ovs_offload_reconcile_last_duration_seconds", "gauge",
                            "How long the last reconcile pass took");
    struct fam last_run = FAM(f, "ovs_offload_reconcile_last_run_timestamp_seconds", "gauge",
                              "When the last reconcile pass ended (Unix time)");
    struct fam last_ok = FAM(f, "ovs_offload_reconcile_last_success_timestamp_seconds", "gauge",
                             "When a reconcile pass last left the host in sync (Unix time; 0 never)");
    struct fam last_res = FAM(f, "ovs_offload_reconcile_last_result", "gauge",
                              "1 for the result of the last reconcile pass, 0 for the others");
    struct fam steps = FAM(f, "ovs_offload_reconcile_steps_total", "counter",
                           "Plan steps applied, by kind");
    struct fam drift = FAM(f, "ovs_offload_drift_repairs_total", "counter",
                           "Passes that repaired drift: applied steps after the host had been in sync, "
                           "not to apply a reloaded config");
    struct fam resync = FAM(f, "ovs_offload_resyncs_total", "counter",
                            "Full resyncs not asked for by an event: periodic timer, netlink "
                            "overflow (ENOBUFS), OVSDB (re)connection");
    struct fam fails = FAM(f, "ovs_offload_reconcile_consecutive_failures", "gauge",
                           "Failed or blocked passes in a row");
    struct fam backoff = FAM(f, "ovs_offload_reconcile_backoff_seconds", "gauge",
                             "Delay before the next retry after failures (0: none)");
    struct fam pending = FAM(f, "ovs_offload_plan_pending_steps", "gauge",
                             "Steps the last plan had");
    struct fam perr = FAM(f, "ovs_offload_plan_errors", "gauge",
                          "Errors (blockers) the last plan had");
    struct fam ev = FAM(f, "ovs_offload_events_total", "counter",
                        "Notifications that marked the host dirty, by source");
    struct fam evi = FAM(f, "ovs_offload_events_ignored_total", "counter",
                         "Notifications known to be irrelevant (OVS's own tc flows), by source");
    struct fam evo = FAM(f, "ovs_offload_event_overflows_total", "counter",
                         "Netlink socket overflows (ENOBUFS: events lost, full resync), by source");
    struct fam rel = FAM(f, "ovs_offload_config_reloads_total", "counter",
                         "Config reloads by result (a failed one keeps the old config)");
    struct fam rel_ok = FAM(f, "ovs_offload_config_last_reload_success", "gauge",
                            "0 if the last config reload was rejected, 1 otherwise");
    struct fam rel_ts = FAM(f, "ovs_offload_config_last_reload_timestamp_seconds", "gauge",
                            "When the config was last reloaded or a reload rejected (Unix time)");

    put_d(&start, NULL, NULL, wall_s(st->start_wall_ms));
    for (int r = 0; r < OO_PASS_RESULT_MAX; r++)
        put_u(&runs, "result", oo_pass_result_to_string(r), NULL, NULL, st->runs[r]);
    for (int t = 0; t < OO_TRIGGER_MAX; t++)
        put_u(&trig, "trigger", oo_trigger_to_string(t), NULL, NULL, st->triggers[t]);
    write_histogram(f, st);
    if (st->duration_count) {
        put_d(&last_d, NULL, NULL, st->last_duration_s);
        put_d(&last_run, NULL, NULL, wall_s(st->last_run_wall_ms));
    }
    put_d(&last_ok, NULL, NULL, wall_s(st->last_success_wall_ms));
    for (int r = 0; st->last_result >= 0 && r < OO_PASS_RESULT_MAX; r++)
        put_u(&last_res, "result", oo_pass_result_to_string(r), NULL, NULL, st->last_result == r);
    for (int k = 0; k < OO_STEP_KIND_MAX; k++)
        put_u(&steps, "kind", oo_step_kind_to_string(k), NULL, NULL, st->steps[k]);
    put_u(&drift, NULL, NULL, NULL, NULL, st->drift_repairs);
    put_u(&resync, "reason", "periodic", NULL, NULL, st->triggers[OO_TRIGGER_PERIODIC]);
    put_u(&resync, "reason", "overflow", NULL, NULL, st->overflow_resyncs);
    put_u(&resync, "reason", "ovsdb", NULL, NULL, st->triggers[OO_TRIGGER_OVSDB]);
    put_u(&fails, NULL, NULL, NULL, NULL, st->consecutive_failures);
    put_d(&backoff, NULL, NULL, (double)st->backoff_ms / 1000);
    put_u(&pending, NULL, NULL, NULL, NULL, st->last_plan_steps);
    put_u(&perr, NULL, NULL, NULL, NULL, st->last_plan_errors);
    for (int s = 0; s < OO_EVENT_SOURCE_MAX; s++)
        put_u(&ev, "source", oo_event_source_to_string(s), NULL, NULL, st->events[s]);
    for (int s = 0; s < OO_EVENT_SOURCE_MAX; s++)
        put_u(&evi, "source", oo_event_source_to_string(s), NULL, NULL, st->events_ignored[s]);
    for (int s = 0; s < OO_EVENT_SOURCE_MAX; s++)
        put_u(&evo, "source", oo_event_source_to_string(s), NULL, NULL, st->overflows[s]);
    put_u(&rel, "result", "success", NULL, NULL, st->reloads_ok);
    put_u(&rel, "result", "failure", NULL, NULL, st->reloads_failed);
    put_u(&rel_ok, NULL, NULL, NULL, NULL, st->last_reload_ok != 0);
    if (st->last_reload_wall_ms)
        put_d(&rel_ts, NULL, NULL, wall_s(st->last_reload_wall_ms));
}

void oo_metrics_write_build_info(FILE *f)
{
    struct fam info = FAM(f, "ovs_offload_build_info", "gauge", "The ovs-offload version; always 1");

    put_u(&info, "version", OO_VERSION, NULL, NULL, 1);
}

void oo_metrics_write_pass_state(FILE *f, bool in_progress, int64_t start_wall_ms)
{
    struct fam start = FAM(f, "ovs_offload_reconcile_last_start_timestamp_seconds", "gauge",
                           "When the running reconcile pass, or else the last one, started (Unix time)");
    struct fam running = FAM(f, "ovs_offload_reconcile_in_progress", "gauge",
                             "1 while a reconcile pass runs (the host metrics are then those of the "
                             "pass before), 0 otherwise");

    if (start_wall_ms)
        put_d(&start, NULL, NULL, wall_s(start_wall_ms));
    put_u(&running, NULL, NULL, NULL, NULL, in_progress);
}

char *oo_metrics_render_host(const struct oo_observed *o, int64_t observed_wall_ms, size_t *ret_len)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);

    if (!f)
        abort();
    oo_metrics_write_host(f, o, observed_wall_ms);
    fclose(f);
    *ret_len = len;
    return buf;
}

char *oo_metrics_render_daemon(const char *host_text, size_t host_len,
                               const struct oo_reconcile_stats *st, bool in_progress,
                               int64_t start_wall_ms, size_t *ret_len)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);

    if (!f)
        abort();
    oo_metrics_write_build_info(f);
    if (host_text && host_len)
        fwrite(host_text, 1, host_len, f);
    oo_metrics_write_daemon(f, st);
    oo_metrics_write_pass_state(f, in_progress, start_wall_ms);
    fclose(f);
    *ret_len = len;
    return buf;
}

char *oo_metrics_render(const struct oo_observed *o, int64_t observed_wall_ms,
                        const struct oo_reconcile_stats *st, size_t *ret_len)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);

    if (!f)
        abort(); /* as oo_malloc: no memory, nothing sensible to do */
    oo_metrics_write_build_info(f);
    if (o)
        oo_metrics_write_host(f, o, observed_wall_ms);
    if (st)
        oo_metrics_write_daemon(f, st);
    fclose(f);
    *ret_len = len;
    return buf;
}

static int64_t wall_ms_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void oo_metrics_write_status(FILE *f, const struct oo_observed *o)
{
    oo_metrics_write_build_info(f);
    oo_metrics_write_host(f, o, wall_ms_now());
}

/* ---------------------------------------------------------------- board */

struct oo_metrics_board {
    pthread_mutex_t mutex;          /* guards the three members below */
    char *text;                     /* the last text published, NULL none */
    size_t len;
    uint64_t generation;            /* texts published */
};

struct oo_metrics_board *oo_metrics_board_create(void)
{
    struct oo_metrics_board *b = oo_calloc(1, sizeof *b);

    pthread_mutex_init(&b->mutex, NULL);
    return b;
}

void oo_metrics_board_publish(struct oo_metrics_board *b, char *text, size_t len)
{
    char *old;

    pthread_mutex_lock(&b->mutex);
    old = b->text;
    b->text = text;
    b->len = len;
    b->generation++;
    pthread_mutex_unlock(&b->mutex);
    free(old); /* outside the lock: a reader never waits for free() */
}

char *oo_metrics_board_copy(struct oo_metrics_board *b, size_t *ret_len)
{
    char *copy;
    size_t len;

    /* The lock is held for one allocation and one memcpy (tens of KiB). */
    pthread_mutex_lock(&b->mutex);
    len = b->len;
    copy = oo_malloc(len + 1);
    if (len)
        memcpy(copy, b->text, len);
    pthread_mutex_unlock(&b->mutex);
    copy[len] = '\0';
    *ret_len = len;
    return copy;
}

uint64_t oo_metrics_board_generation(struct oo_metrics_board *b)
{
    uint64_t g;

    pthread_mutex_lock(&b->mutex);
    g = b->generation;
    pthread_mutex_unlock(&b->mutex);
    return g;
}

void oo_metrics_board_destroy(struct oo_metrics_board *b)
{
    if (!b)
        return;
    pthread_mutex_destroy(&b->mutex);
    free(b->text);
    free(b);
}

char *oo_metrics_board_body(void *aux, size_t *ret_len)
{
    return oo_metrics_board_copy(aux, ret_len);
}

/* ---------------------------------------------------------------- HTTP */

int oo_http_parse_addr(const char *s, struct sockaddr_storage *ret_ss, socklen_t *ret_len)
{
    char host[INET6_ADDRSTRLEN + 2];
    bool bracketed = s && s[0] == '[';
    const char *port_s;
    char *end;
    unsigned long port;
    size_t n;

    memset(ret_ss, 0, sizeof *ret_ss);
    if (!s || !*s)
        return -EINVAL;
    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        if (!close || close[1] != ':')
            return -EINVAL;
        n = (size_t)(close - s - 1);
        port_s = close + 2;
        if (n >= sizeof host)
            return -EINVAL;
        memcpy(host, s + 1, n);
        host[n] = '\0';
    } else if (strchr(s, ':')) {
        const char *colon = strrchr(s, ':');
        n = (size_t)(colon - s);
        port_s = colon + 1;
        if (n >= sizeof host || memchr(s, ':', n))
            return -EINVAL; /* an IPv6 address wants brackets */
        memcpy(host, s, n);
        host[n] = '\0';
    } else {
        strcpy(host, "127.0.0.1");
        port_s = s;
    }
    if (*port_s < '0' || *port_s > '9')
        return -EINVAL;
    errno = 0;
    port = strtoul(port_s, &end, 10);
    if (errno || *end || port == 0 || port > 65535)
        return -EINVAL;

    struct sockaddr_in *v4 = (struct sockaddr_in *)ret_ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ret_ss;
    if (!bracketed && inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)port);
        *ret_len = sizeof *v4;
        return 0;
    }
    if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)port);
        *ret_len = sizeof *v6;
        return 0;
    }
    memset(ret_ss, 0, sizeof *ret_ss);
    return -EINVAL;
}

/* The end of the request head ("\r\n\r\n" or, tolerated, "\n\n"), or NULL. */
static const char *head_end(const char *buf, size_t len)
{
    for (size_t i = 0; i + 1 < len; i++) {
        if (buf[i] == '\n' && buf[i + 1] == '\n')
            return buf + i + 2;
        if (i + 3 < len && !memcmp(buf + i, "\r\n\r\n", 4))
            return buf + i + 4;
    }
    return NULL;
}

int oo_http_parse_request(const char *buf, size_t len, bool full, bool *ret_head)
{
    const char *eol, *sp1, *sp2, *target, *version;
    size_t tlen, line_len;

    *ret_head = false;
    if (!head_end(buf, len))
        return full ? 431 : 0;
    eol = memchr(buf, '\n', len);
    line_len = (size_t)(eol - buf);
    if (line_len && buf[line_len - 1] == '\r')
        line_len--;
    sp1 = memchr(buf, ' ', line_len);
    if (!sp1)
        return 400;
    target = sp1 + 1;
    sp2 = memchr(target, ' ', line_len - (size_t)(target - buf));
    if (!sp2 || sp2 == target)
        return 400;
    version = sp2 + 1;
    if ((size_t)(buf + line_len - version) != 8 || memcmp(version, "HTTP/1.", 7) ||
        version[7] < '0' || version[7] > '9')
        return 400;
    tlen = (size_t)(sp2 - target);
    for (size_t i = 0; i < tlen; i++)
        if ((unsigned char)target[i] <= ' ' || (unsigned char)target[i] >= 0x7f)
            return 400;
    if ((size_t)(sp1 - buf) == 4 && !memcmp(buf, "HEAD", 4))
        *ret_head = true;
    else if ((size_t)(sp1 - buf) != 3 || memcmp(buf, "GET", 3))
        return 405;
    if (tlen >= 8 && !memcmp(target, "/metrics", 8) && (tlen == 8 || target[8] == '?'))
        return 200;
    return 404;
}

static const char *status_text(int status)
{
    switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 431: return "Request Header Fields Too Large";
    default: return "Error";
    }
}

char *oo_http_response(int status, bool head, const char *body, size_t body_len, size_t *ret_len)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    char msg[96];

    if (!f)
        abort();
    if (status != 200) {
        snprintf(msg, sizeof msg, "%d %s: this server answers GET /metrics only\n", status,
                 status_text(status));
        body = msg;
        body_len = strlen(msg);
    }
    fprintf(f, "HTTP/1.0 %d %s\r\n", status, status_text(status));
    fprintf(f, "Content-Type: %s\r\n", status == 200 ? "text/plain; version=0.0.4; charset=utf-8"
                                                     : "text/plain; charset=utf-8");
    fprintf(f, "Content-Length: %zu\r\n", body_len);
    if (status == 405)
        fputs("Allow: GET, HEAD\r\n", f);
    fputs("Connection: close\r\n\r\n", f);
    if (!head && body_len)
        fwrite(body, 1, body_len, f);
    fclose(f);
    *ret_len = len;
    return buf;
}

struct http_conn {
    int fd;                         /* -1: free slot */
    char req[OO_HTTP_MAX_REQUEST];  /* what arrived of the request */
    size_t req_len;
    char *resp;                     /* the answer once known, NULL while reading */
    size_t resp_len, resp_off;
    int64_t deadline;               /* closed at this oo_now_ms() whatever its state */
    int64_t accepted;               /* oo_now_ms() when accepted */
};

struct oo_http {
    int fd;                         /* the listener */
    char addr[INET6_ADDRSTRLEN + 16];
    struct http_conn conns[OO_HTTP_MAX_CONNS];
    size_t n_conns;                 /* slots in use */
    int64_t accept_after;           /* out of fds: the listener rests until then */
    uint64_t served_ok;             /* 2xx answers */
    uint64_t served_err;            /* 4xx answers */
};

int oo_http_open(const char *addr, struct oo_http **ret_http)
{
    struct sockaddr_storage ss;
    socklen_t len;
    struct oo_http *h;
    int fd, one = 1, r;

    *ret_http = NULL;
    if ((r = oo_http_parse_addr(addr, &ss, &len)) < 0)
        return r;
    fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (ss.ss_family == AF_INET6)
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, 16) < 0) {
        r = -errno;
        close(fd);
        return r;
    }
    h = oo_calloc(1, sizeof *h);
    h->fd = fd;
    for (size_t i = 0; i < OO_HTTP_MAX_CONNS; i++)
        h->conns[i].fd = -1;
    if (ss.ss_family == AF_INET6) {
        char a[INET6_ADDRSTRLEN];
        inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, a, sizeof a);
        snprintf(h->addr, sizeof h->addr, "[%s]:%u", a, ntohs(((struct sockaddr_in6 *)&ss)->sin6_port));
    } else {
        char a[INET_ADDRSTRLEN];
        inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, a, sizeof a);
        snprintf(h->addr, sizeof h->addr, "%s:%u", a, ntohs(((struct sockaddr_in *)&ss)->sin_port));
    }
    *ret_http = h;
    return 0;
}

static void conn_close(struct oo_http *h, struct http_conn *c)
{
    close(c->fd);
    free(c->resp);
    c->fd = -1;
    c->resp = NULL;
    c->req_len = c->resp_len = c->resp_off = 0;
    h->n_conns--;
}

/* Whether c may give way to a new client (idlest_reader): it waits for
 * its request, and was accepted before now. */
static bool may_give_way(const struct http_conn *c, int64_t now)
{
    return c->fd >= 0 && !c->resp && c->accepted < now;
}

/* With every slot taken, the connection that gives way to a new client:
 * the one accepted first of those still waiting for their request, if it
 * was accepted before now (one accepted in this very run has not been read
 * yet). NULL when all are answering. Clients that connect and say nothing
 * cannot so hold every slot for their whole lifetime while a scrape waits
 * in the backlog past Prometheus's timeout. */
static struct http_conn *idlest_reader(struct oo_http *h, int64_t now)
{
    struct http_conn *v = NULL;

    for (size_t i = 0; i < OO_HTTP_MAX_CONNS; i++) {
        struct http_conn *c = &h->conns[i];

        if (may_give_way(c, now) && (!v || c->accepted < v->accepted))
            v = c;
    }
    return v;
}

static void http_accept(struct oo_http *h, int64_t now)
{
    while (now >= h->accept_after) {
        struct http_conn *victim = h->n_conns < OO_HTTP_MAX_CONNS ? NULL : idlest_reader(h, now);
        int fd;

        if (h->n_conns == OO_HTTP_MAX_CONNS && !victim)
            return;
        fd = accept4(h->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            /* Out of fds or memory, the client stays queued and the
             * listener readable: polling it again at once would spin. */
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
                h->accept_after = now + OO_HTTP_ACCEPT_REST_MS;
            return; /* EAGAIN, or a client gone before we took it: try again later */
        }
        if (victim)
            conn_close(h, victim);
        for (size_t i = 0; i < OO_HTTP_MAX_CONNS; i++) {
            if (h->conns[i].fd < 0) {
                h->conns[i].fd = fd;
                h->conns[i].deadline = now + OO_HTTP_TIMEOUT_MS;
                h->conns[i].accepted = now;
                h->n_conns++;
                break;
            }
        }
    }
}

/* Reads what arrived; decides the answer once the head is complete. Returns
 * false when the connection is finished. */
static bool conn_read(struct oo_http *h, struct http_conn *c, oo_http_body_fn *body, void *aux)
{
    for (;;) {
        size_t room = sizeof c->req - c->req_len;
        ssize_t n = room ? recv(c->fd, c->req + c->req_len, room, MSG_DONTWAIT) : 0;
        bool head = false;
        int status;

        if (n < 0)
            return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
        if (n == 0 && room)
            return false; /* closed before asking anything */
        c->req_len += (size_t)n;
        status = oo_http_parse_request(c->req, c->req_len, c->req_len == sizeof c->req, &head);
        if (!status)
            continue;
        if (status == 200) {
            size_t blen = 0;
            char *b = body(aux, &blen);
            c->resp = oo_http_response(200, head, b, blen, &c->resp_len);
            free(b);
            h->served_ok++;
        } else {
            c->resp = oo_http_response(status, head, NULL, 0, &c->resp_len);
            h->served_err++;
        }
        /* What else the client sends is ignored: HTTP/1.0, one request. */
        shutdown(c->fd, SHUT_RD);
        return true;
    }
}

/* Writes what the socket takes. Returns false when all is written (or the
 * client is gone). */
static bool conn_write(struct http_conn *c)
{
    while (c->resp_off < c->resp_len) {
        ssize_t n = send(c->fd, c->resp + c->resp_off, c->resp_len - c->resp_off,
                         MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n < 0)
            return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
        c->resp_off += (size_t)n;
    }
    return false;
}

void oo_http_run(struct oo_http *h, int64_t now, oo_http_body_fn *body, void *aux)
{
    if (!h)
        return;
    http_accept(h, now);
    for (size_t i = 0; i < OO_HTTP_MAX_CONNS; i++) {
        struct http_conn *c = &h->conns[i];
        bool keep;

        if (c->fd < 0)
            continue;
        if (now >= c->deadline) {
            conn_close(h, c);
            continue;
        }
        keep = c->resp ? true : conn_read(h, c, body, aux);
        if (keep && c->resp)
            keep = conn_write(c);
        if (!keep)
            conn_close(h, c);
    }
}

size_t oo_http_poll_fds(const struct oo_http *h, int64_t now, struct pollfd *fds, size_t n,
                        int64_t *deadline)
{
    bool room = h->n_conns < OO_HTTP_MAX_CONNS, young = false;

    *deadline = INT64_MAX;
    /* Full: a client waiting takes the place of an idle reader
     * (idlest_reader); one accepted at now is one from the next ms on. */
    for (size_t i = 0; i < OO_HTTP_MAX_CONNS && !room; i++) {
        const struct http_conn *c = &h->conns[i];

        room = may_give_way(c, now);
        young |= c->fd >= 0 && !c->resp;
    }
    if (now < h->accept_after)
        *deadline = h->accept_after;
    else if (room)
        fds[n++] = (struct pollfd){ .fd = h->fd, .events = POLLIN };
    else if (young)
        *deadline = now + 1;
    for (size_t i = 0; i < OO_HTTP_MAX_CONNS; i++) {
        const struct http_conn *c = &h->conns[i];
        if (c->fd < 0)
            continue;
        fds[n++] = (struct pollfd){ .fd = c->fd, .events = c->resp ? POLLOUT : POLLIN };
        if (c->deadline < *deadline)
            *deadline = c->deadline;
    }
    return n;
}

struct oo_http_thread {
    struct oo_http *h;
    oo_http_body_fn *body;
    void *aux;
    int wake[2];                    /* a byte in wake[1]: stop */
    pthread_t tid;
};

static void *http_thread_main(void *arg)
{
    struct oo_http_thread *t = arg;

    for (;;) {
        struct pollfd fds[OO_HTTP_MAX_CONNS + 2];
        int64_t deadline, now;
        size_t n;
        int timeout;

        fds[0] = (struct pollfd){ .fd = t->wake[0], .events = POLLIN };
        now = oo_now_ms();
        n = oo_http_poll_fds(t->h, now, fds, 1, &deadline);
        if (deadline == INT64_MAX)
            timeout = -1;
        else
            timeout = deadline <= now ? 0 : deadline - now > INT_MAX ? INT_MAX : (int)(deadline - now);
        if (poll(fds, (nfds_t)n, timeout) < 0 && errno != EINTR) {
            /* ENOMEM: nothing to do but wait a little and try again. */
            oo_sleep_ms(100);
            continue;
        }
        if (fds[0].revents)
            return NULL;
        oo_http_run(t->h, oo_now_ms(), t->body, t->aux);
    }
}

int oo_http_thread_start(struct oo_http *h, oo_http_body_fn *body, void *aux,
                         struct oo_http_thread **ret_thread)
{
    struct oo_http_thread *t;
    sigset_t all, old;
    int r;

    *ret_thread = NULL;
    t = oo_calloc(1, sizeof *t);
    t->h = h;
    t->body = body;
    t->aux = aux;
    if (pipe2(t->wake, O_CLOEXEC | O_NONBLOCK) < 0) {
        r = -errno;
        free(t);
        return r;
    }
    /* The thread inherits this mask: signals go to the daemon's loop, whose
     * self-pipe handles them, and never interrupt the server. */
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    r = -pthread_create(&t->tid, NULL, http_thread_main, t);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (r < 0) {
        close(t->wake[0]);
        close(t->wake[1]);
        free(t);
        return r;
    }
    *ret_thread = t;
    return 0;
}

void oo_http_thread_stop(struct oo_http_thread *t)
{
    const char b = 1;

    if (!t)
        return;
    while (write(t->wake[1], &b, 1) < 0 && errno == EINTR)
        ;
    pthread_join(t->tid, NULL);
    close(t->wake[0]);
    close(t->wake[1]);
    free(t);
}

uint64_t oo_http_served(const struct oo_http *h, bool ok)
{
    return h ? (ok ? h->served_ok : h->served_err) : 0;
}

const char *oo_http_addr(const struct oo_http *h)
{
    return h ? h->addr : "";
}

void oo_http_close(struct oo_http *h)
{
    if (!h)
        return;
    for (size_t i = 0; i < OO_HTTP_MAX_CONNS; i++)
        if (h->conns[i].fd >= 0)
            conn_close(h, &h->conns[i]);
    close(h->fd);
    free(h);
}
