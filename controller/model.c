#include "controller/model.h"

#include <errno.h>
#include <linux/devlink.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "controller/plan.h"
#include "ovsdb/offload-state.h"

/* ------------------------------------------------------------ copying */

static void *dup_array(const void *src, size_t n, size_t size)
{
    void *d;

    if (!n)
        return NULL;
    d = oo_malloc(n * size);
    memcpy(d, src, n * size);
    return d;
}

static char *dup_str(const char *s)
{
    return s ? oo_strdup(s) : NULL;
}

void oo_observed_copy(struct oo_observed *dst, const struct oo_observed *src)
{
    *dst = *src;
    dst->pfs = dup_array(src->pfs, src->n_pfs, sizeof *src->pfs);
    for (size_t i = 0; i < src->n_pfs; i++) {
        struct oo_obs_pf *p = &dst->pfs[i];
        const struct oo_obs_pf *q = &src->pfs[i];
        p->ports = dup_array(q->ports, q->n_ports, sizeof *q->ports);
        p->params = dup_array(q->params, q->n_params, sizeof *q->params);
        p->rates = dup_array(q->rates, q->n_rates, sizeof *q->rates);
        p->vfdevs = dup_array(q->vfdevs, q->n_vfdevs, sizeof *q->vfdevs);
    }
    dst->links = dup_array(src->links, src->n_links, sizeof *src->links);
    for (size_t i = 0; i < src->n_links; i++)
        dst->links[i].vfs = dup_array(src->links[i].vfs, src->links[i].n_vfs, sizeof *src->links[i].vfs);
    dst->qdiscs = dup_array(src->qdiscs, src->n_qdiscs, sizeof *src->qdiscs);
    dst->tc = dup_array(src->tc, src->n_tc, sizeof *src->tc);
    for (size_t i = 0; i < src->n_tc; i++)
        dst->tc[i].filters = dup_array(src->tc[i].filters, src->tc[i].n_filters, sizeof *src->tc[i].filters);
    dst->journal_bonds = dup_array(src->journal_bonds, src->n_journal_bonds, sizeof(char *));
    for (size_t i = 0; i < src->n_journal_bonds; i++)
        dst->journal_bonds[i] = dup_str(src->journal_bonds[i]);
    dst->ovs_remote = dup_str(src->ovs_remote);
    struct oo_ovs_observed *v = &dst->ovs;
    const struct oo_ovs_observed *w = &src->ovs;
    v->ovs_version = dup_str(w->ovs_version);
    v->db_version = dup_str(w->db_version);
    v->hw_offload = dup_str(w->hw_offload);
    v->tc_policy = dup_str(w->tc_policy);
    v->max_idle = dup_str(w->max_idle);
    v->bridges = dup_array(w->bridges, w->n_bridges, sizeof *w->bridges);
    for (size_t i = 0; i < w->n_bridges; i++) {
        v->bridges[i].name = dup_str(w->bridges[i].name);
        v->bridges[i].ports = oo_calloc(w->bridges[i].n_ports + 1, sizeof(char *));
        for (size_t k = 0; k < w->bridges[i].n_ports; k++)
            v->bridges[i].ports[k] = dup_str(w->bridges[i].ports[k]);
    }
    v->ports = dup_array(w->ports, w->n_ports, sizeof *w->ports);
    for (size_t i = 0; i < w->n_ports; i++) {
        v->ports[i].name = dup_str(w->ports[i].name);
        v->ports[i].bridge = dup_str(w->ports[i].bridge);
        v->ports[i].iface_type = dup_str(w->ports[i].iface_type);
        v->ports[i].error = dup_str(w->ports[i].error);
        v->ports[i].other_ifaces = NULL;
        for (size_t k = 0; w->ports[i].other_ifaces && w->ports[i].other_ifaces[k]; k++) {
            v->ports[i].other_ifaces = oo_realloc(v->ports[i].other_ifaces, (k + 2) * sizeof(char *));
            v->ports[i].other_ifaces[k] = dup_str(w->ports[i].other_ifaces[k]);
            v->ports[i].other_ifaces[k + 1] = NULL;
        }
    }
}

/* ------------------------------------------------------------ helpers */

static int refuse(char *why, size_t size, int err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int refuse(char *why, size_t size, int err, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(why, size, fmt, ap);
    va_end(ap);
    return err;
}

/* The model changes the links it finds: o is its own. */
static struct oo_link *link_named(struct oo_observed *o, const char *name)
{
    return (struct oo_link *)oo_link_by_name(o->links, o->n_links, name);
}

static struct oo_link *link_index(struct oo_observed *o, uint32_t ifindex)
{
    for (size_t i = 0; i < o->n_links; i++)
        if (o->links[i].ifindex == ifindex)
            return &o->links[i];
    return NULL;
}

static struct oo_link *add_link(struct oo_observed *o, const char *name)
{
    uint32_t max = 0;
    struct oo_link *l;

    for (size_t i = 0; i < o->n_links; i++)
        if (o->links[i].ifindex > max)
            max = o->links[i].ifindex;
    o->links = oo_realloc(o->links, (o->n_links + 1) * sizeof *o->links);
    l = &o->links[o->n_links++];
    memset(l, 0, sizeof *l);
    l->ifindex = max + 1;
    l->num_vf = -1;
    l->bond = (struct oo_link_bond){ -1, -1, -1, -1, 0, 0 };
    oo_strlcpy(l->name, name, sizeof l->name);
    return l;   /* links stay sorted: the new ifindex is the largest */
}

static void del_link(struct oo_observed *o, struct oo_link *l)
{
    size_t i = (size_t)(l - o->links);

    for (size_t k = 0; k < o->n_links; k++)
        if (o->links[k].master == l->ifindex)
            o->links[k].master = 0;
    free(l->vfs);
    memmove(&o->links[i], &o->links[i + 1], (o->n_links - i - 1) * sizeof *l);
    o->n_links--;
}

static struct oo_link *uplink_of(struct oo_observed *o, struct oo_obs_pf *p)
{
    const struct oo_dl_port *up = oo_obs_pf_uplink(p);
    return up ? link_index(o, up->ifindex) : NULL;
}

static struct oo_link_vf *vf_entry(struct oo_link *l, uint32_t id)
{
    for (size_t i = 0; i < l->n_vfs; i++)
        if (l->vfs[i].id == id)
            return &l->vfs[i];
    l->vfs = oo_realloc(l->vfs, (l->n_vfs + 1) * sizeof *l->vfs);
    l->vfs[l->n_vfs] = (struct oo_link_vf){ .id = id, .spoofchk = 1, .trust = 0, .link_state = 0 };
    return &l->vfs[l->n_vfs++];
}

static struct oo_dl_param *param(struct oo_obs_pf *p, const char *name)
{
    for (size_t i = 0; i < p->n_params; i++)
        if (!strcmp(p->params[i].name, name))
            return &p->params[i];
    return NULL;
}

static void remove_reps(struct oo_observed *o, struct oo_obs_pf *p)
{
    size_t k = 0;

    for (size_t i = 0; i < p->n_ports; i++) {
        if (oo_port_is_vf_rep(&p->ports[i])) {
            struct oo_link *l = link_index(o, p->ports[i].ifindex);
            if (l)
                del_link(o, l);
            continue;
        }
        p->ports[k++] = p->ports[i];
    }
    p->n_ports = k;
    p->n_rates = 0;
}

static void make_reps(struct oo_observed *o, struct oo_obs_pf *p)
{
    /* A copy: p->ports is reallocated below. */
    const struct oo_dl_port *upp = oo_obs_pf_uplink(p);
    struct oo_dl_port up_copy = upp ? *upp : (struct oo_dl_port){ 0 };
    const struct oo_dl_port *up = upp ? &up_copy : NULL;

    for (int vf = 0; vf < p->sriov.num_vfs; vf++) {
        char name[64];
        struct oo_link *l;
        struct oo_dl_port *rp;

        /* Representor names as a driver without udev would make them. */
        snprintf(name, sizeof name, "%.6sr%d", up ? up->netdev : "pf", vf);
        for (int n = 0; link_named(o, name) || strlen(name) >= IF_NAMESIZE; n++)
            snprintf(name, sizeof name, "r%dn%d", vf, n);
        l = add_link(o, name);
        p->ports = oo_realloc(p->ports, (p->n_ports + 1) * sizeof *p->ports);
        rp = &p->ports[p->n_ports++];
        memset(rp, 0, sizeof *rp);
        rp->handle = p->handle;
        rp->index = 128 + (uint32_t)vf;
        rp->flavour = DEVLINK_PORT_FLAVOUR_PCI_VF;
        rp->type = DEVLINK_PORT_TYPE_ETH;
        rp->pfnum = 0;
        rp->vfnum = vf;
        rp->sfnum = rp->port_number = -1;
        rp->controller = 0;
        rp->ifindex = l->ifindex;
        oo_strlcpy(rp->netdev, name, sizeof rp->netdev);
    }
    qsort(p->ports, p->n_ports, sizeof *p->ports, oo_port_order);
}

static bool vfs_bound(const struct oo_obs_pf *p)
{
    for (size_t i = 0; i < p->n_vfdevs; i++)
        if (p->vfdevs[i].driver[0])
            return true;
    return false;
}


static struct oo_ovs_bridge *ovs_bridge(struct oo_ovs_observed *v, const char *name)
{
    for (size_t i = 0; i < v->n_bridges; i++)
        if (!strcmp(v->bridges[i].name, name))
            return &v->bridges[i];
    return NULL;
}

static void set_str(char **dst, const char *v)
{
    free(*dst);
    *dst = oo_strdup(v);
}

/* ------------------------------------------------------------ steps */

static int apply_pf(struct oo_observed *o, struct oo_obs_pf *p, const struct oo_step *s,
                    char *why, size_t size)
{
    struct oo_link *up = uplink_of(o, p);
    struct oo_dl_param *prm;

    switch (s->kind) {
    case OO_STEP_VF_UNBIND:
        for (size_t i = 0; i < p->n_vfdevs; i++) {
            struct oo_obs_vfdev *v = &p->vfdevs[i];
            if (v->driver[0])
                oo_strlcpy(v->unbound_from, v->driver, sizeof v->unbound_from);
            v->driver[0] = '\0';
        }
        return 0;
    case OO_STEP_VF_BIND:
        if (up && up->master && p->lag_active == 0)
            return refuse(why, size, -EINVAL, "VFs bound before the LAG is active leave VF-LAG off");
        /* Back to the driver each had; VFs apply did not unbind stay unbound. */
        for (size_t i = 0; i < p->n_vfdevs; i++) {
            struct oo_obs_vfdev *v = &p->vfdevs[i];
            if (!v->driver[0] && v->unbound_from[0])
                oo_strlcpy(v->driver, v->unbound_from, sizeof v->driver);
            v->unbound_from[0] = '\0';
        }
        return 0;
    case OO_STEP_ESWITCH_MODE:
        if (s->num2 >= 0)
            p->eswitch.inline_mode = (int)s->num2;
        if (s->opt >= 0)
            p->eswitch.encap_mode = s->opt;
        if (p->eswitch.mode == s->num)
            return 0;
        if (vfs_bound(p))
            return refuse(why, size, -EBUSY, "eswitch mode change with VFs bound to a driver");
        /* Enslaved: mlx5 takes the LAG down for the change and forms it
         * again once every member is in switchdev (mlx5_lag_disable_change,
         * _enable_change in mlx5_devlink_eswitch_mode_set). */
        if (up && up->master)
            for (size_t i = 0; i < o->n_pfs; i++) {
                const struct oo_link *m = uplink_of(o, &o->pfs[i]);

                if (m && m->master == up->master)
                    o->pfs[i].lag_active = 0;
            }
        if (s->num == OO_ESWITCH_SWITCHDEV) {
            p->eswitch.mode = OO_ESWITCH_SWITCHDEV;
            make_reps(o, p);
        } else {
            remove_reps(o, p);
            p->eswitch.mode = OO_ESWITCH_LEGACY;
        }
        return 0;
    case OO_STEP_DEVLINK_PARAM:
        if (p->eswitch.mode != OO_ESWITCH_LEGACY)
            return refuse(why, size, -EBUSY, "param %s set while the eswitch is switchdev", s->name);
        if (!(prm = param(p, s->name)))
            return refuse(why, size, -EOPNOTSUPP, "no param %s", s->name);
        oo_strlcpy(prm->values[DEVLINK_PARAM_CMODE_RUNTIME].value, s->name2, sizeof prm->values[0].value);
        return 0;
    case OO_STEP_NUM_VFS:
        if (p->sriov.num_vfs != 0 && s->num != 0)
            return refuse(why, size, -EBUSY, "sriov_numvfs %d -> %lld", p->sriov.num_vfs, (long long)s->num);
        if (p->sriov.num_vfs != 0 && p->eswitch.mode == OO_ESWITCH_SWITCHDEV)
            return refuse(why, size, -EBUSY, "VFs destroyed in switchdev (the plan goes through legacy)");
        if (s->num > p->sriov.total_vfs)
            return refuse(why, size, -ERANGE, "more VFs than sriov_totalvfs");
        p->sriov.num_vfs = (int)s->num;
        if (up) {
            free(up->vfs);
            up->vfs = NULL;
            up->n_vfs = 0;
            for (int i = 0; i < p->sriov.num_vfs; i++)
                vf_entry(up, (uint32_t)i);
        }
        free(p->vfdevs);
        p->vfdevs = NULL;
        p->n_vfdevs = 0;
        if (!strcmp(p->handle.bus, "pci")) {
            p->vfdevs = oo_calloc((size_t)p->sriov.num_vfs + 1, sizeof *p->vfdevs);
            p->n_vfdevs = (size_t)p->sriov.num_vfs;
            for (size_t i = 0; i < p->n_vfdevs; i++) {
                p->vfdevs[i].id = (uint32_t)i;
                oo_strlcpy(p->vfdevs[i].driver, "mlx5_core", sizeof p->vfdevs[i].driver);
            }
        }
        if (p->eswitch.mode == OO_ESWITCH_SWITCHDEV) {
            remove_reps(o, p);
            make_reps(o, p);
        }
        return 0;
    case OO_STEP_WAIT_VFS:
        return 0;
    case OO_STEP_HW_TC_OFFLOAD:
        p->hw_tc_offload = 1;
        return 0;
    case OO_STEP_MULTIPORT:
        if (p->eswitch.mode != OO_ESWITCH_SWITCHDEV)
            return refuse(why, size, -EINVAL, "esw_multiport needs switchdev");
        if (!(prm = param(p, "esw_multiport")))
            return refuse(why, size, -EOPNOTSUPP, "no param esw_multiport");
        oo_strlcpy(prm->values[DEVLINK_PARAM_CMODE_RUNTIME].value, s->num ? "true" : "false",
                   sizeof prm->values[0].value);
        return 0;
    default:
        break;
    }
    /* Per-VF settings on the PF's netdev. */
    if (!up)
        return refuse(why, size, -ENODEV, "no uplink netdev");
    if (s->vf < 0 || s->vf >= p->sriov.num_vfs)
        return refuse(why, size, -EINVAL, "no VF %lld", (long long)s->vf);
    struct oo_link_vf *vf = vf_entry(up, (uint32_t)s->vf);
    switch (s->kind) {
    case OO_STEP_VF_MAC:
        if (sscanf(s->name, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &vf->mac[0], &vf->mac[1], &vf->mac[2],
                   &vf->mac[3], &vf->mac[4], &vf->mac[5]) != 6)
            return refuse(why, size, -EINVAL, "bad MAC '%s'", s->name);
        return 0;
    case OO_STEP_VF_VLAN:
        vf->vlan = (uint32_t)s->num;
        vf->qos = (uint32_t)s->num2;
        return 0;
    case OO_STEP_VF_TRUST:
        vf->trust = (int)s->num;
        return 0;
    case OO_STEP_VF_SPOOFCHK:
        vf->spoofchk = (int)s->num;
        return 0;
    case OO_STEP_VF_LINK_STATE:
    case OO_STEP_VF_RATE:
        if (p->eswitch.mode == OO_ESWITCH_SWITCHDEV)
            return refuse(why, size, -EOPNOTSUPP, "Not supported in switchdev mode. Please use devlink API.");
        if (s->kind == OO_STEP_VF_LINK_STATE)
            vf->link_state = (int)s->num;
        else {
            vf->max_tx_rate = (uint32_t)s->num;
            vf->min_tx_rate = (uint32_t)s->num2;
        }
        return 0;
    case OO_STEP_VF_DEVLINK_RATE: {
        const struct oo_dl_port *rp = NULL;
        if (p->eswitch.mode != OO_ESWITCH_SWITCHDEV)
            return refuse(why, size, -EOPNOTSUPP, "devlink rate needs switchdev");
        for (size_t i = 0; i < p->n_ports; i++)
            if (oo_port_is_vf_rep(&p->ports[i]) && p->ports[i].vfnum == s->vf)
                rp = &p->ports[i];
        if (!rp)
            return refuse(why, size, -ENODEV, "no representor port for vf %lld", (long long)s->vf);
        struct oo_dl_rate *r = NULL;
        for (size_t i = 0; i < p->n_rates; i++)
            if (p->rates[i].port_index == rp->index)
                r = &p->rates[i];
        if (!r) {
            p->rates = oo_realloc(p->rates, (p->n_rates + 1) * sizeof *p->rates);
            r = &p->rates[p->n_rates++];
            memset(r, 0, sizeof *r);
            r->handle = p->handle;
            r->type = DEVLINK_RATE_TYPE_LEAF;
            r->port_index = rp->index;
        }
        r->tx_max = (uint64_t)s->num;
        r->tx_share = (uint64_t)s->num2;
        return 0;
    }
    default:
        return refuse(why, size, -EINVAL, "step %s is not a PF step", oo_step_kind_to_string(s->kind));
    }
}

static int apply_bond_opt(struct oo_link *b, const struct oo_step *s, char *why, size_t size)
{
    switch (s->opt) {
    case OO_BOND_OPT_MODE:
        if (b->up)
            return refuse(why, size, -EBUSY, "bond mode changes only while the bond is down");
        b->bond.mode = (int)s->num;
        return 0;
    case OO_BOND_OPT_LACP_RATE:
        if (b->up)
            return refuse(why, size, -EBUSY, "lacp_rate changes only while the bond is down");
        b->bond.lacp_rate = (int)s->num;
        return 0;
    case OO_BOND_OPT_MIIMON:
        b->bond.miimon = s->num;
        return 0;
    case OO_BOND_OPT_XMIT_HASH:
        b->bond.xmit_hash_policy = (int)s->num;
        return 0;
    case OO_BOND_OPT_PRIMARY:
        b->bond.primary = s->num;
        return 0;
    }
    return refuse(why, size, -EINVAL, "bad bond option");
}

static bool bond_has_members(struct oo_observed *o, const struct oo_link *b)
{
    for (size_t i = 0; i < o->n_links; i++)
        if (o->links[i].master == b->ifindex)
            return true;
    return false;
}

static int apply_link(struct oo_observed *o, const struct oo_step *s, char *why, size_t size)
{
    struct oo_link *l, *b;

    switch (s->kind) {
    case OO_STEP_BOND_CREATE:
        if (link_named(o, s->name))
            return refuse(why, size, -EEXIST, "%s exists", s->name);
        l = add_link(o, s->name);
        oo_strlcpy(l->kind, "bond", sizeof l->kind);
        oo_strlcpy(l->alias, OO_LINK_OWNER_ALIAS, sizeof l->alias);
        l->bond = (struct oo_link_bond){ (int)s->num, s->num2, 0, 0, 0, 0 };
        return 0;
    case OO_STEP_BOND_MARK:
        if (!(l = link_named(o, s->name)))
            return refuse(why, size, -ENODEV, "no bond %s", s->name);
        oo_strlcpy(l->alias, OO_LINK_OWNER_ALIAS, sizeof l->alias);
        return 0;
    case OO_STEP_BOND_SET:
        if (!(b = link_named(o, s->name2)))
            return refuse(why, size, -ENODEV, "no bond %s", s->name2);
        if (s->opt == OO_BOND_OPT_MODE && bond_has_members(o, b))
            return refuse(why, size, -EBUSY, "unable to set option because the bond device has slaves");
        return apply_bond_opt(b, s, why, size);
    case OO_STEP_BOND_DELETE:
        if (!(l = link_named(o, s->name)))
            return refuse(why, size, -ENODEV, "no bond %s", s->name);
        del_link(o, l);
        return 0;
    case OO_STEP_BOND_RELEASE:
        if (!(l = link_named(o, s->name)))
            return refuse(why, size, -ENODEV, "no netdev %s", s->name);
        l->master = 0;
        l->slave_kind[0] = '\0';
        return 0;
    case OO_STEP_BOND_ENSLAVE:
        if (!(l = link_named(o, s->name)) || !(b = link_named(o, s->name2)))
            return refuse(why, size, -ENODEV, "no netdev %s or bond %s", s->name, s->name2);
        if (l->up)
            return refuse(why, size, -EBUSY, "%s must be down to be enslaved", s->name);
        for (size_t i = 0; i < o->n_pfs; i++) {
            const struct oo_dl_port *up = oo_obs_pf_uplink(&o->pfs[i]);
            if (up && up->ifindex == l->ifindex && o->pfs[i].eswitch.mode != OO_ESWITCH_SWITCHDEV)
                return refuse(why, size, -EINVAL, "VF-LAG needs switchdev on %s first", s->name);
            if (up && up->ifindex == l->ifindex && vfs_bound(&o->pfs[i]))
                return refuse(why, size, -EINVAL, "%s enslaved while its VFs are bound: "
                              "VF-LAG stays off", s->name);
        }
        l->master = b->ifindex;
        oo_strlcpy(l->slave_kind, "bond", sizeof l->slave_kind);
        for (size_t i = 0; i < o->n_pfs; i++) {
            const struct oo_dl_port *up = oo_obs_pf_uplink(&o->pfs[i]);
            if (up && up->ifindex == l->ifindex)
                o->pfs[i].lag_active = 0;   /* until the driver forms the LAG */
        }
        return 0;
    case OO_STEP_LINK_DOWN:
    case OO_STEP_LINK_UP:
        if (!s->name[0] && s->vf >= 0 && s->obs_pf >= 0) {
            /* A representor made in this run, named by VF. */
            const struct oo_obs_pf *p = &o->pfs[s->obs_pf];

            l = NULL;
            for (size_t i = 0; i < p->n_ports && !l; i++)
                if (oo_port_is_vf_rep(&p->ports[i]) && p->ports[i].vfnum == s->vf)
                    l = link_named(o, p->ports[i].netdev);
            if (!l)
                return refuse(why, size, -ENODEV, "no representor for vf %lld", (long long)s->vf);
        } else if (!(l = link_named(o, s->name))) {
            return refuse(why, size, -ENODEV, "no netdev %s", s->name);
        }
        l->up = s->kind == OO_STEP_LINK_UP;
        if (s->kind == OO_STEP_LINK_UP && s->opt == 1 && l->ipv6_disabled == 0)
            l->ipv6_disabled = 1;
        return 0;
    case OO_STEP_LINK_IPV6_OFF:
        if (!(l = link_named(o, s->name)))
            return refuse(why, size, -ENODEV, "no netdev %s", s->name);
        if (l->ipv6_disabled >= 0)
            l->ipv6_disabled = 1;
        return 0;
    case OO_STEP_WAIT_LAG:
        if (!(b = link_named(o, s->name)))
            return refuse(why, size, -ENODEV, "no bond %s", s->name);
        /* A refused step ends the model's apply: what it set is not read. */
        for (size_t i = 0; i < o->n_pfs; i++) {
            const struct oo_link *m = uplink_of(o, &o->pfs[i]);

            if (!m || m->master != b->ifindex)
                continue;
            if (o->pfs[i].eswitch.mode != OO_ESWITCH_SWITCHDEV)
                return refuse(why, size, -ETIMEDOUT, "the LAG of %s never forms: member %s is not in "
                              "switchdev", s->name, m->name);
            o->pfs[i].lag_active = 1;
        }
        return 0;
    }
    return refuse(why, size, -EINVAL, "not a link step");
}

static int apply_ovs(struct oo_observed *o, const struct oo_step *s, char *why, size_t size)
{
    struct oo_ovs_observed *v = &o->ovs;
    struct oo_ovs_bridge *br;
    struct oo_ovs_port *p;
    char name[IF_NAMESIZE];

    if (!v->reachable)
        return refuse(why, size, -ECONNREFUSED, "OVSDB unreachable");
    /* Each of these sends a transaction, and every transaction writes a
     * missing or stale record (so does a restart, before it); but for a
     * reconfiguration, which increments next_cfg alone. */
    if (s->kind != OO_STEP_OVS_RECONFIGURE)
        v->record_current = true;
    switch (s->kind) {
    case OO_STEP_OVS_RECORD:
        return 0;
    case OO_STEP_OVS_DEL_PORT:
        if (!(p = oo_ovs_port_find(v, s->name)))
            return refuse(why, size, -ENOENT, "no port %s", s->name);
        if (!p->owned)
            return refuse(why, size, -EPERM, "port %s is not ours", s->name);
        /* Its netdev leaves the datapath (its master, ovs-system). */
        for (size_t i = 0; i < o->n_links; i++) {
            struct oo_link *l = &o->links[i];
            const struct oo_link *m = l->master ? oo_link_by_index(o->links, o->n_links, l->master) : NULL;

            if (!strcmp(l->name, s->name) && m && !strcmp(m->kind, "openvswitch")) {
                l->master = 0;
                l->slave_kind[0] = '\0';
            }
        }
        if (p->bridge && (br = ovs_bridge(v, p->bridge))) {
            size_t k = 0;
            for (size_t i = 0; i < br->n_ports; i++) {
                if (!strcmp(br->ports[i], s->name))
                    free(br->ports[i]);
                else
                    br->ports[k++] = br->ports[i];
            }
            br->n_ports = k;
        }
        free(p->name); free(p->bridge); free(p->iface_type); free(p->error);
        for (char **n = p->other_ifaces; n && *n; n++)
            free(*n);
        free(p->other_ifaces);
        memmove(p, p + 1, (size_t)(&v->ports[--v->n_ports] - p) * sizeof *p);
        return 0;
    case OO_STEP_OVS_ADD_BRIDGE:
        if (ovs_bridge(v, s->name))
            return refuse(why, size, -EEXIST, "bridge %s exists", s->name);
        v->bridges = oo_realloc(v->bridges, (v->n_bridges + 1) * sizeof *v->bridges);
        v->bridges[v->n_bridges++] = (struct oo_ovs_bridge){ oo_strdup(s->name), true, 0,
                                                             oo_calloc(1, sizeof(char *)) };
        /* Its internal port, named like it and marked like it. */
        oo_ovs_port_add(v, (struct oo_ovs_port){ oo_strdup(s->name), oo_strdup(s->name), true,
                                                 oo_strdup("internal"), 65534, NULL });
        return 0;
    case OO_STEP_OVS_ADD_PORT:
        if (s->name[0]) {
            oo_strlcpy(name, s->name, sizeof name);
        } else {
            const struct oo_dl_port *rp = NULL;
            if (s->obs_pf < 0)
                return refuse(why, size, -EINVAL, "representor without a PF");
            for (size_t i = 0; i < o->pfs[s->obs_pf].n_ports; i++)
                if (oo_port_is_vf_rep(&o->pfs[s->obs_pf].ports[i]) &&
                    o->pfs[s->obs_pf].ports[i].vfnum == s->vf)
                    rp = &o->pfs[s->obs_pf].ports[i];
            if (!rp)
                return refuse(why, size, -ENODEV, "no representor for vf %lld", (long long)s->vf);
            oo_strlcpy(name, rp->netdev, sizeof name);
        }
        if (!link_named(o, name))
            return refuse(why, size, -ENODEV, "could not open network device %s", name);
        if (oo_ovs_port_find(v, name))
            return refuse(why, size, -EEXIST, "a port named %s exists", name);
        if (!(br = ovs_bridge(v, s->name2)))
            return refuse(why, size, -ENOENT, "no bridge %s", s->name2);
        br->ports = oo_realloc(br->ports, (br->n_ports + 1) * sizeof *br->ports);
        br->ports[br->n_ports++] = oo_strdup(name);
        oo_ovs_port_add(v, (struct oo_ovs_port){ oo_strdup(name), oo_strdup(s->name2), true,
                                                 oo_strdup(""), 1, NULL });
        return 0;
    case OO_STEP_OVS_SET_CONFIG: {
        /* As OVS 3.1: the flow API turns on at runtime, reading tc-policy
         * as it does (all keys of the transaction at once); turning it
         * off, or a new tc-policy once it is on, waits for a restart.
         * offload_active 2: turned on by this transaction. The need is the
         * planner's own judgement (oo_plan_restart_after_write). */
        const char *hw = v->hw_offload, *tc = v->tc_policy;
        char restart_why[240], policy[16];
        bool running = v->vswitchd_running == 1, was_on = oo_plan_flow_api_was_on(v);
        int api, need;

        if (!strcmp(s->name, "max-idle")) {
            set_str(&v->max_idle, s->name2);
            return 0;
        }
        if (!strcmp(s->name, "hw-offload"))
            hw = s->name2;
        else if (!strcmp(s->name, "tc-policy"))
            tc = s->name2;
        else
            return refuse(why, size, -EINVAL, "unknown key %s", s->name);
        need = oo_plan_restart_after_write(v, hw, tc, &api, policy, restart_why, sizeof restart_why);
        set_str(!strcmp(s->name, "hw-offload") ? &v->hw_offload : &v->tc_policy, s->name2);
        v->hw_offload_enabled = v->hw_offload && !strcmp(v->hw_offload, "true");
        if (running && !was_on && v->hw_offload_enabled)
            v->offload_active = 2;
        v->flow_api = api;
        oo_strlcpy(v->flow_api_policy, policy, sizeof v->flow_api_policy);
        v->restart_needed = need;
        oo_strlcpy(v->restart_why, restart_why, sizeof v->restart_why);
        return 0;
    }
    case OO_STEP_OVS_RECONFIGURE:
        for (size_t i = 0; i < v->n_datapaths; i++)
            if (v->datapaths[i].revalidators == 0)
                v->datapaths[i].revalidators = 1;
        return 0;
    case OO_STEP_OVS_RESTART: {
        struct oo_offload_cfg now;

        /* A new process, started after boot's first seconds. */
        for (size_t i = 0; i < v->n_datapaths; i++)
            if (v->datapaths[i].revalidators == 0)
                v->datapaths[i].revalidators = 1;
        oo_offload_cfg_from(v->hw_offload, v->tc_policy, &now);
        v->restart_needed = 0;
        v->offload_active = v->hw_offload_enabled ? 1 : 0;
        v->flow_api = now.hw_offload ? OO_FLOW_API_ON : OO_FLOW_API_OFF;
        oo_strlcpy(v->flow_api_policy, now.hw_offload ? now.tc_policy : "", sizeof v->flow_api_policy);
        return 0;
    }
    }
    return refuse(why, size, -EINVAL, "not an OVS step");
}

int oo_model_apply_step(struct oo_observed *o, const struct oo_step *s, char *why, size_t why_size)
{
    why[0] = '\0';
    switch (s->kind) {
    case OO_STEP_OVS_DEL_PORT:
    case OO_STEP_OVS_ADD_BRIDGE:
    case OO_STEP_OVS_ADD_PORT:
    case OO_STEP_OVS_SET_CONFIG:
    case OO_STEP_OVS_RECORD:
    case OO_STEP_OVS_RESTART:
    case OO_STEP_OVS_RECONFIGURE:
        return apply_ovs(o, s, why, why_size);
    case OO_STEP_BOND_CREATE:
    case OO_STEP_BOND_MARK:
    case OO_STEP_BOND_SET:
    case OO_STEP_BOND_DELETE:
    case OO_STEP_BOND_RELEASE:
    case OO_STEP_BOND_ENSLAVE:
    case OO_STEP_LINK_DOWN:
    case OO_STEP_LINK_IPV6_OFF:
    case OO_STEP_LINK_UP:
    case OO_STEP_WAIT_LAG:
        return apply_link(o, s, why, why_size);
    default:
        if (s->obs_pf < 0 || (size_t)s->obs_pf >= o->n_pfs)
            return refuse(why, why_size, -EINVAL, "step without a PF");
        return apply_pf(o, &o->pfs[s->obs_pf], s, why, why_size);
    }
}

int oo_model_apply(struct oo_observed *o, const struct oo_plan *plan, size_t *ret_failed,
                   char *why, size_t why_size)
{
    for (size_t i = 0; i < plan->n_steps; i++) {
        int r = oo_model_apply_step(o, &plan->steps[i], why, why_size);
        if (r < 0) {
            *ret_failed = i;
            return r;
        }
    }
    return 0;
}
