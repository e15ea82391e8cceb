#include "controller/observe.h"

#include <errno.h>
#include <linux/devlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

static int handle_cmp(const struct oo_dl_handle *a, const struct oo_dl_handle *b)
{
    int r = strcmp(a->bus, b->bus);

    return r ? r : strcmp(a->dev, b->dev);
}

static int pf_order(const void *a, const void *b)
{
    return handle_cmp(&((const struct oo_obs_pf *)a)->handle,
                      &((const struct oo_obs_pf *)b)->handle);
}

static int flavour_rank(int flavour)
{
    switch (flavour) {
    case DEVLINK_PORT_FLAVOUR_PHYSICAL: return 0;
    case DEVLINK_PORT_FLAVOUR_PCI_PF: return 1;
    case DEVLINK_PORT_FLAVOUR_PCI_VF: return 2;
    case DEVLINK_PORT_FLAVOUR_PCI_SF: return 3;
    default: return 4;
    }
}

static int cmp_i64(int64_t a, int64_t b) { return (a > b) - (a < b); }

int oo_port_order(const void *a_, const void *b_)
{
    const struct oo_dl_port *a = a_, *b = b_;
    int r;

    if ((r = cmp_i64(flavour_rank(a->flavour), flavour_rank(b->flavour))))
        return r;
    if ((r = cmp_i64(a->controller, b->controller)))
        return r;
    if ((r = cmp_i64(a->pfnum, b->pfnum)))
        return r;
    if ((r = cmp_i64(a->vfnum, b->vfnum)))
        return r;
    if ((r = cmp_i64(a->sfnum, b->sfnum)))
        return r;
    return cmp_i64(a->index, b->index);
}

void oo_observe_group(const struct oo_dl_handle *devs, size_t n_devs,
                      const struct oo_dl_port *ports, size_t n_ports,
                      struct oo_observed *out)
{
    out->n_pfs = n_devs;
    out->pfs = oo_calloc(n_devs, sizeof *out->pfs);
    for (size_t i = 0; i < n_devs; i++) {
        out->pfs[i].handle = devs[i];
        out->pfs[i].hw_tc_offload = -1;
        out->pfs[i].lag_active = -1;
    }
    qsort(out->pfs, n_devs, sizeof *out->pfs, pf_order);

    for (size_t i = 0; i < n_ports; i++) {
        struct oo_obs_pf key = { .handle = ports[i].handle };
        struct oo_obs_pf *pf = bsearch(&key, out->pfs, n_devs, sizeof *out->pfs, pf_order);

        if (!pf)
            continue;
        pf->ports = oo_realloc(pf->ports, (pf->n_ports + 1) * sizeof *pf->ports);
        pf->ports[pf->n_ports++] = ports[i];
    }
    for (size_t i = 0; i < n_devs; i++)
        qsort(out->pfs[i].ports, out->pfs[i].n_ports, sizeof *out->pfs[i].ports,
              oo_port_order);
}

const struct oo_dl_port *oo_obs_pf_uplink(const struct oo_obs_pf *pf)
{
    for (size_t i = 0; i < pf->n_ports; i++)
        if (pf->ports[i].flavour == DEVLINK_PORT_FLAVOUR_PHYSICAL)
            return &pf->ports[i];
    return NULL;
}

bool oo_port_is_vf_rep(const struct oo_dl_port *p)
{
    return p->flavour == DEVLINK_PORT_FLAVOUR_PCI_VF;
}

int oo_observe_devlink(const char *root, struct oo_observed *out)
{
    struct oo_dl dl;
    struct oo_dl_handle *devs = NULL;
    struct oo_dl_port *ports = NULL;
    size_t n_devs = 0, n_ports = 0;
    char ebuf[OO_NL_EXTACK_MAX + 64];
    int r;

    r = oo_dl_open(&dl);
    if (r < 0) {
        snprintf(out->devlink_error, sizeof out->devlink_error,
                 r == -ENOENT ? "the kernel has no devlink (generic netlink family missing)"
                              : "cannot open a devlink socket: %s", strerror(-r));
        return out->devlink_err = r;
    }
    r = oo_dl_dump_devs(&dl, &devs, &n_devs);
    if (r < 0) {
        snprintf(out->devlink_error, sizeof out->devlink_error, "devlink device dump failed: %s",
                 oo_nl_strerror(&dl.nl, r, ebuf, sizeof ebuf));
        goto done;
    }
    r = oo_dl_dump_ports(&dl, &ports, &n_ports);
    if (r < 0) {
        snprintf(out->devlink_error, sizeof out->devlink_error, "devlink port dump failed: %s",
                 oo_nl_strerror(&dl.nl, r, ebuf, sizeof ebuf));
        goto done;
    }
    oo_observe_group(devs, n_devs, ports, n_ports, out);
    for (size_t i = 0; i < out->n_pfs; i++) {
        struct oo_obs_pf *pf = &out->pfs[i];

        pf->eswitch_err = oo_dl_get_eswitch(&dl, &pf->handle, &pf->eswitch);
        if (pf->eswitch_err < 0)
            oo_strlcpy(pf->eswitch_extack, dl.nl.extack, sizeof pf->eswitch_extack);
        pf->sriov_err = oo_sriov_read(root, &pf->handle, &pf->sriov);
    }
    r = 0;
done:
    free(devs);
    free(ports);
    oo_dl_close(&dl);
    return out->devlink_err = r;
}

void oo_observe_ovs(const char *remote, int timeout_ms, struct oo_observed *out)
{
    free(out->ovs_remote);
    out->ovs_remote = oo_strdup(remote);
    oo_ovs_observed_free(&out->ovs);
    oo_ovsdb_observe(remote, timeout_ms, &out->ovs);
}

void oo_observed_free(struct oo_observed *o)
{
    if (!o)
        return;
    for (size_t i = 0; i < o->n_pfs; i++) {
        free(o->pfs[i].ports);
        free(o->pfs[i].params);
        free(o->pfs[i].rates);
        free(o->pfs[i].vfdevs);
    }
    free(o->pfs);
    oo_links_free(o->links, o->n_links);
    free(o->ovs_remote);
    oo_ovs_observed_free(&o->ovs);
    memset(o, 0, sizeof *o);
}
