/* observe-dump: runs oo_observe_host() on the running host and prints all it
 * observed as JSON, for the guest test tests/vm/observe.sh to compare with
 * devlink -j, ip -j and ethtool. Also gets and sets hw-tc-offload through
 * link/ethtool.h, so the guest can test the setter.
 *
 * Usage: observe-dump [--root DIR] [--db REMOTE] [--timeout MS]
 *        observe-dump hw-tc-offload IFNAME [on|off]
 *        observe-dump vfs PCI-ADDR [unbind|bind]
 * The first prints one JSON document and exits 0, or 1 when devlink could not
 * be read (the document is printed anyway). The second prints 1 or 0 (after
 * setting, when asked) and exits 0, or prints the error and exits 1. The
 * third unbinds or binds a PCI PF's VFs as apply does (journal included) and
 * prints {changed, vfdevs}; it exits 1 when that failed. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <linux/devlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/json.h"
#include "common/util.h"
#include "controller/journal.h"
#include "controller/observe.h"
#include "devlink/vfctl.h"
#include "link/ethtool.h"

static void hex(char *buf, size_t size, const uint8_t *p, size_t n)
{
    buf[0] = '\0';
    for (size_t i = 0; i < n && 2 * i + 2 < size; i++)
        snprintf(buf + 2 * i, size - 2 * i, "%02x", p[i]);
}

static void print_vfdevs(struct oo_json *j, const struct oo_obs_pf *pf)
{
    oo_json_kv_int(j, "vfdevs_err", pf->vfdevs_err);
    oo_json_key(j, "vfdevs");
    oo_json_arr_begin(j);
    for (size_t i = 0; i < pf->n_vfdevs; i++) {
        oo_json_obj_begin(j);
        oo_json_kv_uint(j, "id", pf->vfdevs[i].id);
        oo_json_kv_str(j, "addr", pf->vfdevs[i].addr);
        oo_json_kv_str(j, "driver", pf->vfdevs[i].driver);
        oo_json_kv_str(j, "users", pf->vfdevs[i].users);
        oo_json_kv_str(j, "unbound_from", pf->vfdevs[i].unbound_from);
        oo_json_obj_end(j);
    }
    oo_json_arr_end(j);
}

static void print_param(struct oo_json *j, const struct oo_dl_param *p)
{
    oo_json_obj_begin(j);
    oo_json_kv_str(j, "name", p->name);
    oo_json_kv_bool(j, "generic", p->generic);
    oo_json_kv_str(j, "type", oo_dl_param_type_to_string(p->type));
    oo_json_key(j, "values");
    oo_json_obj_begin(j);
    for (int c = 0; c < OO_DL_PARAM_CMODES; c++)
        if (p->values[c].present)
            oo_json_kv_str(j, oo_dl_param_cmode_to_string(c), p->values[c].value);
    oo_json_obj_end(j);
    oo_json_obj_end(j);
}

static void print_rate(struct oo_json *j, const struct oo_dl_rate *r)
{
    oo_json_obj_begin(j);
    oo_json_kv_str(j, "type", oo_dl_rate_type_to_string(r->type));
    oo_json_kv_int(j, "port_index", r->port_index);
    oo_json_kv_str(j, "node", r->node_name);
    oo_json_kv_uint(j, "tx_share", r->tx_share);
    oo_json_kv_uint(j, "tx_max", r->tx_max);
    oo_json_kv_str(j, "parent", r->parent);
    oo_json_obj_end(j);
}

static void print_pf(struct oo_json *j, const struct oo_obs_pf *pf)
{
    const struct oo_dl_port *up = oo_obs_pf_uplink(pf);
    char h[128];

    oo_json_obj_begin(j);
    oo_json_kv_str(j, "handle", oo_dl_handle_format(&pf->handle, h, sizeof h));
    oo_json_kv_str(j, "eswitch", oo_eswitch_mode_to_string(pf->eswitch.mode));
    oo_json_kv_int(j, "eswitch_err", pf->eswitch_err);
    oo_json_kv_int(j, "num_vfs", pf->sriov.num_vfs);
    oo_json_kv_str(j, "uplink", up ? up->netdev : NULL);
    oo_json_kv_int(j, "hw_tc_offload", pf->hw_tc_offload);
    oo_json_kv_int(j, "hw_tc_offload_err", pf->hw_tc_offload_err);
    oo_json_kv_int(j, "lag_active", pf->lag_active);
    oo_json_kv_int(j, "lag_err", pf->lag_err);
    oo_json_key(j, "ports");
    oo_json_arr_begin(j);
    for (size_t i = 0; i < pf->n_ports; i++) {
        const struct oo_dl_port *p = &pf->ports[i];

        oo_json_obj_begin(j);
        oo_json_kv_uint(j, "index", p->index);
        oo_json_kv_str(j, "flavour", oo_port_flavour_to_string(p->flavour));
        oo_json_kv_int(j, "vfnum", p->vfnum);
        oo_json_kv_str(j, "netdev", p->netdev);
        oo_json_obj_end(j);
    }
    oo_json_arr_end(j);
    oo_json_key(j, "params");
    oo_json_arr_begin(j);
    for (size_t i = 0; i < pf->n_params; i++)
        print_param(j, &pf->params[i]);
    oo_json_arr_end(j);
    oo_json_key(j, "rates");
    oo_json_arr_begin(j);
    for (size_t i = 0; i < pf->n_rates; i++)
        print_rate(j, &pf->rates[i]);
    oo_json_arr_end(j);
    print_vfdevs(j, pf);
    oo_json_obj_end(j);
}

static void print_link(struct oo_json *j, const struct oo_link *l)
{
    char buf[80];

    oo_json_obj_begin(j);
    oo_json_kv_uint(j, "ifindex", l->ifindex);
    oo_json_kv_str(j, "name", l->name);
    oo_json_kv_bool(j, "up", l->up);
    oo_json_kv_uint(j, "master", l->master);
    oo_json_kv_str(j, "alias", l->alias);
    oo_json_kv_str(j, "kind", l->kind);
    oo_json_kv_str(j, "slave_kind", l->slave_kind);
    oo_json_kv_str(j, "phys_port_name", l->phys_port_name);
    hex(buf, sizeof buf, l->switch_id, l->switch_id_len);
    oo_json_kv_str(j, "switch_id", buf);
    oo_json_kv_int(j, "num_vf", l->num_vf);
    if (!strcmp(l->kind, "bond")) {
        oo_json_key(j, "bond");
        oo_json_obj_begin(j);
        oo_json_kv_int(j, "mode", l->bond.mode);
        oo_json_kv_int(j, "miimon", l->bond.miimon);
        oo_json_kv_int(j, "xmit_hash_policy", l->bond.xmit_hash_policy);
        oo_json_kv_int(j, "lacp_rate", l->bond.lacp_rate);
        oo_json_kv_int(j, "primary", l->bond.primary);
        oo_json_kv_int(j, "active_slave", l->bond.active_slave);
        oo_json_obj_end(j);
    }
    oo_json_key(j, "vfs");
    oo_json_arr_begin(j);
    for (size_t i = 0; i < l->n_vfs; i++) {
        const struct oo_link_vf *v = &l->vfs[i];

        oo_json_obj_begin(j);
        oo_json_kv_uint(j, "id", v->id);
        snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x",
                 v->mac[0], v->mac[1], v->mac[2], v->mac[3], v->mac[4], v->mac[5]);
        oo_json_kv_str(j, "mac", buf);
        oo_json_kv_uint(j, "vlan", v->vlan);
        oo_json_kv_uint(j, "qos", v->qos);
        oo_json_kv_int(j, "spoofchk", v->spoofchk);
        oo_json_kv_int(j, "trust", v->trust);
        oo_json_kv_int(j, "link_state", v->link_state);
        oo_json_kv_uint(j, "min_tx_rate", v->min_tx_rate);
        oo_json_kv_uint(j, "max_tx_rate", v->max_tx_rate);
        oo_json_obj_end(j);
    }
    oo_json_arr_end(j);
    oo_json_obj_end(j);
}

static void print_observed(const struct oo_observed *o)
{
    struct oo_json j;

    oo_json_init(&j, stdout, true);
    oo_json_obj_begin(&j);
    oo_json_kv_int(&j, "devlink_err", o->devlink_err);
    oo_json_kv_str(&j, "devlink_error", o->devlink_error);
    oo_json_kv_int(&j, "params_err", o->params_err);
    oo_json_kv_str(&j, "params_error", o->params_error);
    oo_json_kv_int(&j, "rates_err", o->rates_err);
    oo_json_kv_str(&j, "rates_error", o->rates_error);
    oo_json_kv_int(&j, "links_err", o->links_err);
    oo_json_kv_str(&j, "links_error", o->links_error);
    oo_json_key(&j, "pfs");
    oo_json_arr_begin(&j);
    for (size_t i = 0; i < o->n_pfs; i++)
        print_pf(&j, &o->pfs[i]);
    oo_json_arr_end(&j);
    oo_json_key(&j, "links");
    oo_json_arr_begin(&j);
    for (size_t i = 0; i < o->n_links; i++)
        print_link(&j, &o->links[i]);
    oo_json_arr_end(&j);
    oo_json_key(&j, "ovs");
    oo_json_obj_begin(&j);
    oo_json_kv_str(&j, "remote", o->ovs_remote);
    oo_json_kv_bool(&j, "reachable", o->ovs.reachable);
    oo_json_kv_str(&j, "error", o->ovs.error);
    oo_json_obj_end(&j);
    oo_json_obj_end(&j);
    oo_json_finish(&j);
}

static int hw_tc_offload(int argc, char **argv)
{
    int r;

    if (argc < 3 || argc > 4 || (argc == 4 && strcmp(argv[3], "on") && strcmp(argv[3], "off"))) {
        fputs("usage: observe-dump hw-tc-offload IFNAME [on|off]\n", stderr);
        return 2;
    }
    if (argc == 4 && (r = oo_ethtool_set_hw_tc_offload(argv[2], !strcmp(argv[3], "on"))) < 0) {
        fprintf(stderr, "observe-dump: setting hw-tc-offload of %s: %s\n", argv[2], strerror(-r));
        return 1;
    }
    r = oo_ethtool_get_hw_tc_offload(argv[2]);
    if (r < 0) {
        fprintf(stderr, "observe-dump: hw-tc-offload of %s: %s\n", argv[2], strerror(-r));
        return 1;
    }
    printf("%d\n", r);
    return 0;
}

/* The VFs of a PCI PF without devlink (the guest's SR-IOV NVMe function),
 * through what apply's vf-unbind and vf-bind steps call, journal included. */
static int vfs(int argc, char **argv)
{
    struct oo_obs_pf pf = { .handle = { .bus = "pci" } };
    struct oo_vfctl_result res = { 0 };
    char record[PATH_MAX];
    struct oo_json j;
    int r = 0;

    if (argc < 3 || argc > 4 || (argc == 4 && strcmp(argv[3], "unbind") && strcmp(argv[3], "bind")) ||
        !oo_strlcpy(pf.handle.dev, argv[2], sizeof pf.handle.dev)) {
        fputs("usage: observe-dump vfs PCI-ADDR [unbind|bind]\n", stderr);
        return 2;
    }
    oo_journal_vf_record("", pf.handle.dev, record, sizeof record);
    if (argc == 4) {
        r = !strcmp(argv[3], "unbind") ? oo_sriov_unbind_vfs("", &pf.handle, record, &res)
                                       : oo_sriov_bind_vfs("", &pf.handle, record, &res);
        if (r < 0)
            fprintf(stderr, "observe-dump: %s of VF %s: %s\n", argv[3], res.failed, strerror(-r));
    }
    oo_observe_vfdevs("", &pf);
    oo_json_init(&j, stdout, true);
    oo_json_obj_begin(&j);
    oo_json_kv_uint(&j, "changed", res.n);
    oo_json_kv_str(&j, "failed", res.failed);
    print_vfdevs(&j, &pf);
    oo_json_obj_end(&j);
    oo_json_finish(&j);
    free(pf.vfdevs);
    return r < 0;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        { "root", required_argument, NULL, 'r' },
        { "db", required_argument, NULL, 'd' },
        { "timeout", required_argument, NULL, 't' },
        { "threaded", no_argument, NULL, 'T' },
        { "cancel-first", no_argument, NULL, 'C' },
        { "guess", required_argument, NULL, 'g' },
        { 0 },
    };
    const char *root = "", *db = NULL, *guess = NULL;
    int timeout_ms = 2000, c, r;
    bool threaded = false, cancel_first = false;
    struct oo_observed o;

    if (argc >= 2 && !strcmp(argv[1], "hw-tc-offload"))
        return hw_tc_offload(argc, argv);
    if (argc >= 2 && !strcmp(argv[1], "vfs"))
        return vfs(argc, argv);
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'r': root = optarg; break;
        case 'd': db = optarg; break;
        case 't': timeout_ms = atoi(optarg); break;
        case 'T': threaded = true; break;
        case 'C': cancel_first = true; break;
        case 'g': guess = optarg; break;
        default:
            fputs("usage: observe-dump [--root DIR] [--db REMOTE] [--timeout MS] [--threaded [--cancel-first] [--guess REMOTE]]\n"
                  "       observe-dump hw-tc-offload IFNAME [on|off]\n"
                  "       observe-dump vfs PCI-ADDR [unbind|bind]\n", stderr);
            return 2;
        }
    }
    if (threaded) {
        /* ovs-offloadctl's way: the kernel and OVSDB on threads of their
         * own, OVSDB at --guess if given (then again at --db); --cancel-first
         * drops one such observation before. */
        if (!guess)
            guess = db;
        if (cancel_first)
            oo_observe_cancel(oo_observe_start(root, guess, timeout_ms, &o));
        r = oo_observe_finish(oo_observe_start(root, guess, timeout_ms, &o), db, timeout_ms);
    } else {
        r = oo_observe_host(root, db, timeout_ms, &o);
    }
    print_observed(&o);
    oo_observed_free(&o);
    return r < 0 ? 1 : 0;
}
