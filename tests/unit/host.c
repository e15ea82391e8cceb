#include "host.h"

#include <linux/devlink.h>
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <linux/pkt_sched.h>

#include "common/util.h"
#include "tc/io.h"

struct oo_link *host_link(struct oo_observed *o, const char *name)
{
    for (size_t i = 0; i < o->n_links; i++)
        if (!strcmp(o->links[i].name, name))
            return &o->links[i];
    return NULL;
}

struct oo_link *host_add_link(struct oo_observed *o, const char *name)
{
    struct oo_link *l;

    o->links = oo_realloc(o->links, (o->n_links + 1) * sizeof *o->links);
    l = &o->links[o->n_links];
    memset(l, 0, sizeof *l);
    l->ifindex = (uint32_t)(o->n_links ? o->links[o->n_links - 1].ifindex + 1 : 2);
    l->num_vf = -1;
    l->bond = (struct oo_link_bond){ -1, -1, -1, -1, 0, 0 };
    l->up = true;
    /* IPv6 not reported, as in a kernel without it: the tests that are
     * about representors' IPv6 set it (a new netdev has it on). */
    l->ipv6_disabled = -1;
    oo_strlcpy(l->name, name, sizeof l->name);
    o->n_links++;
    return l;
}

static void add_param(struct oo_obs_pf *p, const char *name, int type, const char *value)
{
    struct oo_dl_param *prm;

    p->params = oo_realloc(p->params, (p->n_params + 1) * sizeof *p->params);
    prm = &p->params[p->n_params++];
    memset(prm, 0, sizeof *prm);
    prm->handle = p->handle;
    oo_strlcpy(prm->name, name, sizeof prm->name);
    prm->type = type;
    prm->values[DEVLINK_PARAM_CMODE_RUNTIME].present = true;
    oo_strlcpy(prm->values[DEVLINK_PARAM_CMODE_RUNTIME].value, value, sizeof prm->values[0].value);
}

static struct oo_dl_port *add_port(struct oo_obs_pf *p)
{
    struct oo_dl_port *dp;

    p->ports = oo_realloc(p->ports, (p->n_ports + 1) * sizeof *p->ports);
    dp = &p->ports[p->n_ports++];
    memset(dp, 0, sizeof *dp);
    dp->handle = p->handle;
    dp->pfnum = dp->vfnum = -1;
    dp->sfnum = dp->port_number = dp->controller = -1;
    dp->type = DEVLINK_PORT_TYPE_ETH;
    return dp;
}

void host_add_param(struct oo_observed *o, int pf, const char *name, int type, const char *value)
{
    add_param(&o->pfs[pf], name, type, value);
}

int host_add_pf(struct oo_observed *o, const char *bus, const char *dev, const char *uplink,
                int mode, int num_vfs)
{
    struct oo_obs_pf *p;
    struct oo_link *ul = host_add_link(o, uplink);
    struct oo_dl_port *dp;

    o->pfs = oo_realloc(o->pfs, (o->n_pfs + 1) * sizeof *o->pfs);
    p = &o->pfs[o->n_pfs];
    memset(p, 0, sizeof *p);
    oo_strlcpy(p->handle.bus, bus, sizeof p->handle.bus);
    oo_strlcpy(p->handle.dev, dev, sizeof p->handle.dev);
    p->eswitch = (struct oo_dl_eswitch){ mode, -1, -1 };
    p->sriov = (struct oo_sriov){ true, num_vfs, 8, -1 };
    p->hw_tc_offload = mode == OO_ESWITCH_SWITCHDEV ? 1 : 0;
    p->lag_active = -1;
    p->lag_err = -EOPNOTSUPP;
    dp = add_port(p);
    dp->flavour = DEVLINK_PORT_FLAVOUR_PHYSICAL;
    dp->ifindex = ul->ifindex;
    oo_strlcpy(dp->netdev, uplink, sizeof dp->netdev);
    ul->num_vf = num_vfs;
    ul->n_vfs = (size_t)num_vfs;
    ul->vfs = oo_calloc((size_t)num_vfs + 1, sizeof *ul->vfs);
    for (int i = 0; i < num_vfs; i++)
        ul->vfs[i] = (struct oo_link_vf){ .id = (uint32_t)i, .spoofchk = 1, .trust = 0, .link_state = 0 };
    add_param(p, "flow_steering_mode", OO_DL_PARAM_TYPE_STRING, "dmfs");
    add_param(p, "esw_multiport", OO_DL_PARAM_TYPE_BOOL, "false");
    add_param(p, "lag_port_select_mode", OO_DL_PARAM_TYPE_STRING, "queue_affinity");
    if (!strcmp(bus, "pci")) {
        p->n_vfdevs = (size_t)num_vfs;
        p->vfdevs = oo_calloc((size_t)num_vfs + 1, sizeof *p->vfdevs);
        for (int i = 0; i < num_vfs; i++) {
            p->vfdevs[i].id = (uint32_t)i;
            oo_strlcpy(p->vfdevs[i].driver, "mlx5_core", sizeof p->vfdevs[i].driver);
        }
    }
    o->n_pfs++;
    if (mode == OO_ESWITCH_SWITCHDEV)
        for (int vf = 0; vf < num_vfs; vf++) {
            char name[IF_NAMESIZE];
            struct oo_link *rl;

            snprintf(name, sizeof name, "%.6s_%d", uplink, vf % 1000);
            rl = host_add_link(o, name);
            p = &o->pfs[o->n_pfs - 1];
            dp = add_port(p);
            dp->flavour = DEVLINK_PORT_FLAVOUR_PCI_VF;
            dp->index = 128 + (uint32_t)vf;
            dp->pfnum = 0;
            dp->vfnum = vf;
            dp->controller = 0;
            dp->ifindex = rl->ifindex;
            oo_strlcpy(dp->netdev, name, sizeof dp->netdev);
        }
    return (int)o->n_pfs - 1;
}

struct oo_link *host_add_bond(struct oo_observed *o, const char *name, bool owned, int mode,
                              const char *const *members)
{
    struct oo_link *b = host_add_link(o, name);
    uint32_t ifindex = b->ifindex;

    oo_strlcpy(b->kind, "bond", sizeof b->kind);
    if (owned)
        oo_strlcpy(b->alias, OO_LINK_OWNER_ALIAS, sizeof b->alias);
    b->bond = (struct oo_link_bond){ mode, 100, 0, 0, 0, 0 };
    for (; members && *members; members++) {
        struct oo_link *m = host_link(o, *members);
        m->master = ifindex;
        oo_strlcpy(m->slave_kind, "bond", sizeof m->slave_kind);
    }
    return host_link(o, name);
}

void host_ovs(struct oo_observed *o, bool running)
{
    o->ovs.reachable = true;
    o->ovs.vswitchd_running = running;
    o->ovs.restart_needed = 0;
    o->ovs.offload_active = -1;
    /* As a probe on the host finds a process: its start time readable. */
    o->ovs.restart_settles = running;
    o->ovs_remote = oo_strdup("unix:/test/db.sock");
}

void host_ovs_bridge(struct oo_observed *o, const char *name, bool owned)
{
    struct oo_ovs_observed *v = &o->ovs;

    v->bridges = oo_realloc(v->bridges, (v->n_bridges + 1) * sizeof *v->bridges);
    v->bridges[v->n_bridges++] = (struct oo_ovs_bridge){ oo_strdup(name), owned, 0,
                                                         oo_calloc(1, sizeof(char *)) };
}

void host_ovs_port(struct oo_observed *o, const char *bridge, const char *name, bool owned)
{
    struct oo_ovs_observed *v = &o->ovs;

    for (size_t i = 0; i < v->n_bridges; i++)
        if (!strcmp(v->bridges[i].name, bridge)) {
            struct oo_ovs_bridge *br = &v->bridges[i];
            br->ports = oo_realloc(br->ports, (br->n_ports + 1) * sizeof *br->ports);
            br->ports[br->n_ports++] = oo_strdup(name);
        }
    oo_ovs_port_add(v, (struct oo_ovs_port){ oo_strdup(name), oo_strdup(bridge), owned, oo_strdup(""),
                                             1, NULL });
}

void host_ovs_set(struct oo_observed *o, const char *key, const char *value)
{
    char **dst = !strcmp(key, "hw-offload") ? &o->ovs.hw_offload
               : !strcmp(key, "tc-policy") ? &o->ovs.tc_policy : &o->ovs.max_idle;

    free(*dst);
    *dst = value ? oo_strdup(value) : NULL;
    o->ovs.hw_offload_enabled = o->ovs.hw_offload && !strcmp(o->ovs.hw_offload, "true");
}

struct oo_config *host_load_config(const char *yaml)
{
    struct oo_config *cfg = oo_calloc(1, sizeof *cfg);
    struct oo_cfg_diag d;

    oo_cfg_diag_init(&d, "test.yaml");
    if (oo_config_parse_yaml("test.yaml", yaml, strlen(yaml), cfg, &d) < 0) {
        oo_cfg_diag_print(&d, stderr);
        fail_msg("test config invalid:\n%s", yaml);
    }
    oo_cfg_diag_free(&d);
    return cfg;
}

void host_free_config(struct oo_config *cfg)
{
    oo_config_free(cfg);
    free(cfg);
}

int host_tmp_root_setup(void **state)
{
    char *root = oo_strdup("/tmp/oo-test-root.XXXXXX");

    assert_non_null(mkdtemp(root));
    *state = root;
    return 0;
}

int host_tmp_root_teardown(void **state)
{
    char *root = *state, cmd[PATH_MAX + 16];

    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    assert_int_equal(system(cmd), 0);
    free(root);
    return 0;
}

struct oo_obs_tc_place *host_add_tc_place(struct oo_observed *o, const char *netdev, int err)
{
    const struct oo_link *l = host_link(o, netdev);
    struct oo_obs_tc_place *p;

    o->qdiscs = oo_realloc(o->qdiscs, (o->n_qdiscs + 1) * sizeof *o->qdiscs);
    o->qdiscs[o->n_qdiscs++] = (struct oo_tc_qdisc){ .ifindex = l->ifindex, .handle = 0xffff0000,
                                                     .parent = TC_H_INGRESS, .kind = "ingress" };
    oo_tc_sort_qdiscs(o->qdiscs, o->n_qdiscs);
    o->tc = oo_realloc(o->tc, (o->n_tc + 1) * sizeof *o->tc);
    p = &o->tc[o->n_tc++];
    *p = (struct oo_obs_tc_place){ .ifindex = l->ifindex, .has_qdisc = true, .dump_err = err };
    oo_strlcpy(p->netdev, netdev, sizeof p->netdev);
    if (err)
        snprintf(p->dump_error, sizeof p->dump_error, "filter dump failed: %s", strerror(-err));
    return p;
}
