#include "controller/observe.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <linux/devlink.h>
#include <linux/netlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "tc/io.h"
#include "controller/journal.h"
#include "devlink/vfctl.h"
#include "link/ethtool.h"

int oo_observe_vfdevs(const char *root, struct oo_obs_pf *pf)
{
    char record[PATH_MAX];

    pf->vfdevs_err = oo_sriov_read_vfdevs(root, &pf->handle, &pf->vfdevs, &pf->n_vfdevs);
    if (!pf->n_vfdevs)
        return pf->vfdevs_err;
    /* VFs without a driver that an earlier apply unbound (its journal). */
    oo_journal_vf_record(root, pf->handle.dev, record, sizeof record);
    for (size_t i = 0; i < pf->n_vfdevs; i++) {
        struct oo_obs_vfdev *v = &pf->vfdevs[i];
        if (!v->driver[0] &&
            oo_sriov_recorded_driver(record, v->addr, v->unbound_from, sizeof v->unbound_from) < 0)
            v->unbound_from[0] = '\0';
    }
    return pf->vfdevs_err;
}

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
        out->pfs[i].lag_err = -EOPNOTSUPP;
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
        if (out->pfs[i].n_ports > 1)
            qsort(out->pfs[i].ports, out->pfs[i].n_ports, sizeof *out->pfs[i].ports,
                  oo_port_order);
}

static struct oo_obs_pf *find_pf(struct oo_observed *out, const struct oo_dl_handle *h)
{
    struct oo_obs_pf key = { .handle = *h };

    if (!out->n_pfs)
        return NULL;
    return bsearch(&key, out->pfs, out->n_pfs, sizeof *out->pfs, pf_order);
}

static int param_order(const void *a, const void *b)
{
    return strcmp(((const struct oo_dl_param *)a)->name, ((const struct oo_dl_param *)b)->name);
}

void oo_observe_group_params(const struct oo_dl_param *params, size_t n_params,
                             struct oo_observed *out)
{
    for (size_t i = 0; i < n_params; i++) {
        struct oo_obs_pf *pf = find_pf(out, &params[i].handle);

        if (!pf)
            continue;
        pf->params = oo_realloc(pf->params, (pf->n_params + 1) * sizeof *pf->params);
        pf->params[pf->n_params++] = params[i];
    }
    for (size_t i = 0; i < out->n_pfs; i++)
        if (out->pfs[i].n_params > 1)
            qsort(out->pfs[i].params, out->pfs[i].n_params, sizeof *out->pfs[i].params,
                  param_order);
}

static int rate_order(const void *a_, const void *b_)
{
    const struct oo_dl_rate *a = a_, *b = b_;
    bool a_leaf = a->type == DEVLINK_RATE_TYPE_LEAF, b_leaf = b->type == DEVLINK_RATE_TYPE_LEAF;
    int r;

    if (a_leaf != b_leaf)
        return a_leaf ? -1 : 1;
    if ((r = cmp_i64(a->port_index, b->port_index)))
        return r;
    if ((r = strcmp(a->node_name, b->node_name)))
        return r;
    return cmp_i64(a->type, b->type);
}

void oo_observe_group_rates(const struct oo_dl_rate *rates, size_t n_rates,
                            struct oo_observed *out)
{
    for (size_t i = 0; i < n_rates; i++) {
        struct oo_obs_pf *pf = find_pf(out, &rates[i].handle);

        if (!pf)
            continue;
        pf->rates = oo_realloc(pf->rates, (pf->n_rates + 1) * sizeof *pf->rates);
        pf->rates[pf->n_rates++] = rates[i];
    }
    for (size_t i = 0; i < out->n_pfs; i++)
        if (out->pfs[i].n_rates > 1)
            qsort(out->pfs[i].rates, out->pfs[i].n_rates, sizeof *out->pfs[i].rates, rate_order);
}

const struct oo_dl_port *oo_obs_pf_uplink(const struct oo_obs_pf *pf)
{
    for (size_t i = 0; i < pf->n_ports; i++)
        if (pf->ports[i].flavour == DEVLINK_PORT_FLAVOUR_PHYSICAL)
            return &pf->ports[i];
    return NULL;
}

const struct oo_link *oo_obs_pf_bond(const struct oo_observed *o, const struct oo_obs_pf *pf)
{
    const struct oo_dl_port *up = oo_obs_pf_uplink(pf);
    const struct oo_link *l = up ? oo_link_by_index(o->links, o->n_links, up->ifindex) : NULL;

    if (!l || !l->master || strcmp(l->slave_kind, "bond"))
        return NULL;
    return oo_link_by_index(o->links, o->n_links, l->master);
}

bool oo_port_is_vf_rep(const struct oo_dl_port *p)
{
    return p->flavour == DEVLINK_PORT_FLAVOUR_PCI_VF;
}

/* A dump can fail midway: NLM_F_DUMP_INTR (EINTR) when the kernel's list
 * changed under it, or a message we refuse. The rest of that dump is then
 * still queued on the socket, where the next request would read it: each
 * failure is followed by a fresh socket, and an interrupted dump is retried. */
#define DUMP_TRIES 3

typedef int dl_dump_fn(struct oo_dl *dl, void **ret_items, size_t *ret_n);

static int dump_devs(struct oo_dl *dl, void **ret, size_t *n)
{
    struct oo_dl_handle *items;
    int r = oo_dl_dump_devs(dl, &items, n);

    *ret = items;
    return r;
}

static int dump_ports(struct oo_dl *dl, void **ret, size_t *n)
{
    struct oo_dl_port *items;
    int r = oo_dl_dump_ports(dl, &items, n);

    *ret = items;
    return r;
}

static int dump_params(struct oo_dl *dl, void **ret, size_t *n)
{
    struct oo_dl_param *items;
    int r = oo_dl_dump_params(dl, &items, n);

    *ret = items;
    return r;
}

static int dump_rates(struct oo_dl *dl, void **ret, size_t *n)
{
    struct oo_dl_rate *items;
    int r = oo_dl_dump_rates(dl, &items, n);

    *ret = items;
    return r;
}

/* Runs one devlink dump (retried when interrupted). Returns 0, or -errno
 * with "devlink <what> dump failed: <error>: <extack>" in err. */
static int dl_dump(struct oo_dl *dl, dl_dump_fn *fn, const char *what, void **ret_items,
                   size_t *ret_n, char *err, size_t err_size)
{
    char ebuf[OO_NL_EXTACK_MAX + 64];

    for (int t = 1;; t++) {
        int r = fn(dl, ret_items, ret_n);

        if (r >= 0) {
            err[0] = '\0';
            return 0;
        }
        snprintf(err, err_size, "devlink %s dump failed: %s", what,
                 oo_nl_strerror(&dl->nl, r, ebuf, sizeof ebuf));
        oo_dl_close(dl);
        if (oo_dl_open(dl) < 0 || r != -EINTR || t == DUMP_TRIES)
            return r;
    }
}

int oo_observe_devlink(const char *root, struct oo_observed *out)
{
    struct oo_dl dl;
    void *devs = NULL, *ports = NULL, *params = NULL, *rates = NULL;
    size_t n_devs = 0, n_ports = 0, n_params = 0, n_rates = 0;
    int64_t t0 = oo_now_us(), t1, t2, t3;
    int r;

    r = oo_dl_open(&dl);
    if (r < 0) {
        snprintf(out->devlink_error, sizeof out->devlink_error,
                 r == -ENOENT ? "the kernel has no devlink (generic netlink family missing)"
                              : "cannot open a devlink socket: %s", strerror(-r));
        return out->devlink_err = r;
    }
    r = dl_dump(&dl, dump_devs, "device", &devs, &n_devs,
                out->devlink_error, sizeof out->devlink_error);
    if (r < 0)
        goto done;
    r = dl_dump(&dl, dump_ports, "port", &ports, &n_ports,
                out->devlink_error, sizeof out->devlink_error);
    if (r < 0)
        goto done;
    oo_observe_group(devs, n_devs, ports, n_ports, out);
    t1 = oo_now_us();

    /* Params and rates: one dump each for all instances, like ports. Their
     * failure is recorded; the rest is still read. */
    out->params_err = dl_dump(&dl, dump_params, "param", &params, &n_params,
                              out->params_error, sizeof out->params_error);
    oo_observe_group_params(params, n_params, out);
    out->rates_err = dl_dump(&dl, dump_rates, "rate", &rates, &n_rates,
                             out->rates_error, sizeof out->rates_error);
    oo_observe_group_rates(rates, n_rates, out);
    t2 = oo_now_us();

    for (size_t i = 0; i < out->n_pfs; i++) {
        struct oo_obs_pf *pf = &out->pfs[i];
        const struct oo_dl_port *up = oo_obs_pf_uplink(pf);

        pf->eswitch_err = oo_dl_get_eswitch(&dl, &pf->handle, &pf->eswitch);
        if (pf->eswitch_err < 0)
            oo_strlcpy(pf->eswitch_extack, dl.nl.extack, sizeof pf->eswitch_extack);
        pf->sriov_err = oo_sriov_read(root, &pf->handle, &pf->sriov);
        oo_observe_vfdevs(root, pf);
        r = oo_sriov_read_lag_active(root, &pf->handle);
        pf->lag_active = r < 0 ? -1 : r;
        pf->lag_err = r < 0 ? r : 0;
        r = up && up->netdev[0] ? oo_ethtool_get_hw_tc_offload(up->netdev) : -ENODEV;
        pf->hw_tc_offload = r < 0 ? -1 : r;
        pf->hw_tc_offload_err = r < 0 ? r : 0;
    }
    t3 = oo_now_us();
    oo_debug("read devlink in %.1f ms: devices and ports %.1f ms (%zu, %zu), params and rates "
             "%.1f ms (%zu, %zu), eswitch, sysfs and ethtool %.1f ms", (double)(t3 - t0) / 1000,
             (double)(t1 - t0) / 1000, n_devs, n_ports, (double)(t2 - t1) / 1000, n_params, n_rates,
             (double)(t3 - t2) / 1000);
    r = 0;
done:
    free(devs);
    free(ports);
    free(params);
    free(rates);
    oo_dl_close(&dl);
    return out->devlink_err = r;
}

int oo_observe_links(struct oo_observed *out)
{
    char ebuf[OO_NL_EXTACK_MAX + 64];
    struct oo_nl nl;
    int r;

    oo_links_free(out->links, out->n_links);
    out->links = NULL;
    out->n_links = 0;
    out->links_error[0] = '\0';
    /* A fresh socket per try: see dl_dump. */
    for (int t = 1;; t++) {
        r = oo_nl_open(&nl, NETLINK_ROUTE);
        if (r < 0) {
            snprintf(out->links_error, sizeof out->links_error,
                     "cannot open a rtnetlink socket: %s", strerror(-r));
            break;
        }
        r = oo_link_dump(&nl, &out->links, &out->n_links);
        if (r < 0)
            snprintf(out->links_error, sizeof out->links_error, "link dump failed: %s",
                     oo_nl_strerror(&nl, r, ebuf, sizeof ebuf));
        oo_nl_close(&nl);
        if (r != -EINTR || t == DUMP_TRIES)
            break;
    }
    if (r == 0)
        out->links_error[0] = '\0';
    return out->links_err = r;
}

/* ---------------------------------------------------------------- tc */

static int open_tc(struct oo_observed *out, struct oo_nl *nl)
{
    int r = oo_tc_open(nl);

    if (r < 0) {
        snprintf(out->tc_error, sizeof out->tc_error, "cannot open rtnetlink for tc: %s", strerror(-r));
        out->tc_err = r;
    }
    return r;
}

/* Dumps place p's filters (terse: where the kernel can) into it, with its
 * counts, retrying when interrupted; see add_place() below. */
static int dump_place(struct oo_observed *o, struct oo_nl *nl, struct oo_obs_tc_place *p, bool terse)
{
    uint32_t ifindex = p->ifindex, block = p->block;

    for (int t = 1;; t++) {
        char e[OO_NL_EXTACK_MAX + 64];
        int r = terse ? oo_tc_dump_filters_terse(nl, block ? 0 : ifindex, block, 0, &p->filters,
                                                 &p->n_filters, NULL)
                      : oo_tc_dump_filters(nl, block ? 0 : ifindex, block, 0, &p->filters, &p->n_filters);

        if (r == 0) {
            memset(&p->counts, 0, sizeof p->counts);
            p->dump_err = 0;
            p->dump_error[0] = '\0';
            oo_tc_count(p->filters, p->n_filters, &p->counts);
            return 0;
        }
        p->dump_err = r;
        snprintf(p->dump_error, sizeof p->dump_error, "filter dump failed: %s",
                 oo_nl_strerror(nl, r, e, sizeof e));
        oo_nl_close(nl);
        if ((r = open_tc(o, nl)) < 0)
            return r;
        if (p->dump_err != -EINTR || t == DUMP_TRIES)
            return 0;
    }
}

/* Dumps the filters of one place (a block once, through its first device)
 * into o->tc. A dump that fails is recorded in the place, which keeps no
 * filters; it is retried when interrupted. Either way the socket is
 * replaced: a dump that stopped half-way leaves its rest queued on it.
 * Returns 0, or -errno when no new socket can be opened. */
static int add_place(struct oo_observed *o, struct oo_nl *nl, uint32_t ifindex, const char *name)
{
    const struct oo_tc_qdisc *q = oo_tc_find_ingress_qdisc(o->qdiscs, o->n_qdiscs, ifindex);
    uint32_t block = q ? q->ingress_block : 0;
    struct oo_obs_tc_place *p;

    for (size_t i = 0; i < o->n_tc; i++)
        if ((block && o->tc[i].block == block) || (!block && o->tc[i].ifindex == ifindex && !o->tc[i].block))
            return 0;
    p = &o->tc[o->n_tc++];      /* o->tc has room for every candidate */
    memset(p, 0, sizeof *p);
    p->ifindex = ifindex;
    p->block = block;
    p->has_qdisc = q != NULL;
    oo_strlcpy(p->netdev, name, sizeof p->netdev);
    if (!q)
        return 0;
    return dump_place(o, nl, p, o->tc_terse);
}

/* Whose filters are read: PF uplinks and VF representors (and bonds). */
static bool port_is_place(const struct oo_dl_port *p)
{
    return p->ifindex && p->netdev[0] && (p->flavour == DEVLINK_PORT_FLAVOUR_PHYSICAL || oo_port_is_vf_rep(p));
}

static size_t max_places(const struct oo_observed *o)
{
    size_t n = 0;

    for (size_t i = 0; i < o->n_pfs; i++)
        for (size_t k = 0; k < o->pfs[i].n_ports; k++)
            n += port_is_place(&o->pfs[i].ports[k]);
    for (size_t i = 0; i < o->n_links; i++)
        n += !strcmp(o->links[i].kind, "bond");
    return n;
}

int oo_observe_tc(struct oo_observed *out)
{
    struct oo_nl nl;
    size_t max;
    int r = open_tc(out, &nl);

    if (r < 0)
        return r;
    r = oo_tc_dump_qdiscs(&nl, &out->qdiscs, &out->n_qdiscs);
    if (r < 0) {
        char e[OO_NL_EXTACK_MAX + 64];
        snprintf(out->tc_error, sizeof out->tc_error, "qdisc dump failed: %s",
                 oo_nl_strerror(&nl, r, e, sizeof e));
        oo_nl_close(&nl);
        return out->tc_err = r;
    }
    /* The filter dumps, one per place and mostly short, get a socket of
     * their own: the qdisc dump's full-sized reads would make the kernel
     * size every later dump chunk on this one at 32 KiB (nlsock.h). */
    oo_nl_close(&nl);
    if ((r = open_tc(out, &nl)) < 0)
        return r;
    /* Sized at once: grown one by one, each new place copied the ~420-byte
     * places before it again. */
    max = max_places(out);
    out->tc = max ? oo_calloc(max, sizeof *out->tc) : NULL;
    for (size_t i = 0; r == 0 && i < out->n_pfs; i++)
        for (size_t k = 0; r == 0 && k < out->pfs[i].n_ports; k++) {
            const struct oo_dl_port *p = &out->pfs[i].ports[k];
            if (port_is_place(p))
                r = add_place(out, &nl, p->ifindex, p->netdev);
        }
    for (size_t i = 0; r == 0 && i < out->n_links; i++)
        if (!strcmp(out->links[i].kind, "bond"))
            r = add_place(out, &nl, out->links[i].ifindex, out->links[i].name);
    oo_nl_close(&nl);
    return out->tc_err = r;     /* tc_error is set by open_tc */
}

int oo_observe_tc_redump(struct oo_observed *o, const bool *full)
{
    struct oo_nl nl;
    int r = 0;
    bool open = false;

    for (size_t i = 0; r == 0 && i < o->n_tc; i++) {
        struct oo_obs_tc_place *p = &o->tc[i];

        if (!full[i] || !p->has_qdisc)
            continue;
        if (!open && (r = open_tc(o, &nl)) < 0)
            return r;
        open = true;
        free(p->filters);
        p->filters = NULL;
        p->n_filters = 0;
        r = dump_place(o, &nl, p, false);
    }
    if (open)
        oo_nl_close(&nl);
    return r;
}

const struct oo_obs_tc_place *oo_obs_tc_place_of(const struct oo_observed *o, uint32_t ifindex)
{
    const struct oo_tc_qdisc *q = oo_tc_find_ingress_qdisc(o->qdiscs, o->n_qdiscs, ifindex);
    uint32_t block = q ? q->ingress_block : 0;

    for (size_t i = 0; i < o->n_tc; i++)
        if (block ? o->tc[i].block == block : (o->tc[i].ifindex == ifindex && !o->tc[i].block))
            return &o->tc[i];
    return NULL;
}

/* Everything oo_observe_host() reads but OVSDB. */
static int observe_kernel(const char *root, struct oo_observed *out)
{
    int64_t t0 = oo_now_us(), t1, t2, t3;
    size_t n_filters = 0;
    int r = oo_observe_devlink(root, out);

    t1 = oo_now_us();
    oo_observe_links(out);
    t2 = oo_now_us();
    oo_observe_tc(out);
    t3 = oo_now_us();
    oo_journal_read_bonds(root, &out->journal_bonds, &out->n_journal_bonds);
    out->daemon_err = oo_daemon_state_read(root, &out->daemon);
    for (size_t i = 0; i < out->n_tc; i++)
        n_filters += out->tc[i].n_filters;
    oo_debug("read the kernel in %.1f ms: devlink %.1f ms (%zu PFs), links %.1f ms (%zu), "
             "tc %.1f ms (%zu places, %zu filters)", (double)(oo_now_us() - t0) / 1000,
             (double)(t1 - t0) / 1000, out->n_pfs, (double)(t2 - t1) / 1000, out->n_links,
             (double)(t3 - t2) / 1000, out->n_tc, n_filters);
    return r;
}

struct oo_observe_job {
    char *root;
    struct oo_observed *out;
    int r;
    pthread_t kernel_thread;
    bool kernel_threaded;

    /* The OVSDB read at the caller's guess, when one was given. */
    char *ovs_guess;
    int ovs_timeout_ms;
    struct oo_ovs_observed ovs;
    int64_t ovs_us;                 /* how long it took */
    pthread_t ovs_thread;
    bool ovs_threaded;
};

static void *kernel_job_main(void *job_)
{
    struct oo_observe_job *job = job_;

    job->r = observe_kernel(job->root, job->out);
    return NULL;
}

static void *ovs_job_main(void *job_)
{
    struct oo_observe_job *job = job_;
    int64_t t0 = oo_now_us();

    oo_ovsdb_observe(job->ovs_guess, job->ovs_timeout_ms, &job->ovs);
    job->ovs_us = oo_now_us() - t0;
    return NULL;
}

/* Starts fn(job) on a thread of its own, or runs it here if none can be
 * started. Signals stay the main thread's: the thread starts with all
 * blocked. Returns whether a thread was started. */
static bool run_job(pthread_t *thread, void *(*fn)(void *), struct oo_observe_job *job)
{
    sigset_t all, old;
    bool threaded;

    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    threaded = pthread_create(thread, NULL, fn, job) == 0;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (!threaded)
        fn(job);
    return threaded;
}

/* OVSDB is read on a thread while the kernel is read here: ovsdb-server and
 * ovs-vswitchd answer while the dumps run. The kernel's half uses no
 * libopenvswitch, so the OVSDB thread is its only user meanwhile. */
static int observe_host(const char *root, const char *ovs_remote, int timeout_ms, bool tc_terse,
                        struct oo_observed *out)
{
    struct oo_observe_job job = { .ovs_timeout_ms = timeout_ms };
    bool threaded;
    int r;

    memset(out, 0, sizeof *out);
    out->tc_terse = tc_terse;
    job.ovs_guess = ovs_remote ? oo_strdup(ovs_remote) : NULL;
    threaded = run_job(&job.ovs_thread, ovs_job_main, &job);
    r = observe_kernel(root, out);
    if (threaded)
        pthread_join(job.ovs_thread, NULL);
    oo_debug("read OVSDB in %.1f ms, alongside the kernel", (double)job.ovs_us / 1000);
    out->ovs_remote = job.ovs_guess;
    out->ovs = job.ovs;
    return r;
}

int oo_observe_host(const char *root, const char *ovs_remote, int timeout_ms,
                    struct oo_observed *out)
{
    return observe_host(root, ovs_remote, timeout_ms, false, out);
}

int oo_observe_host_terse(const char *root, const char *ovs_remote, int timeout_ms,
                          struct oo_observed *out)
{
    return observe_host(root, ovs_remote, timeout_ms, true, out);
}

struct oo_observe_job *oo_observe_start(const char *root, const char *ovs_guess, int timeout_ms,
                                        struct oo_observed *out)
{
    struct oo_observe_job *job = oo_calloc(1, sizeof *job);

    memset(out, 0, sizeof *out);
    job->root = oo_strdup(root);
    job->out = out;
    job->kernel_threaded = run_job(&job->kernel_thread, kernel_job_main, job);
    if (ovs_guess) {
        job->ovs_guess = oo_strdup(ovs_guess);
        job->ovs_timeout_ms = timeout_ms;
        job->ovs_threaded = run_job(&job->ovs_thread, ovs_job_main, job);
    }
    return job;
}

/* Waits for the guessed OVSDB read, if any. Returns whether it is the read
 * the caller wants now. */
static bool join_ovs(struct oo_observe_job *job, const char *remote, int timeout_ms)
{
    if (!job->ovs_guess)
        return false;
    if (job->ovs_threaded)
        pthread_join(job->ovs_thread, NULL);
    job->ovs_threaded = false;
    return remote && !strcmp(remote, job->ovs_guess) && timeout_ms == job->ovs_timeout_ms;
}

static void free_job(struct oo_observe_job *job)
{
    free(job->ovs_guess);
    free(job->root);
    free(job);
}

int oo_observe_finish(struct oo_observe_job *job, const char *ovs_remote, int timeout_ms)
{
    struct oo_ovs_observed ovs = { 0 };
    int64_t t0 = oo_now_us(), t1;
    int r;

    /* The worker writes every field of *out but these two. */
    if (join_ovs(job, ovs_remote, timeout_ms)) {
        ovs = job->ovs;
        oo_debug("read OVSDB in %.1f ms, alongside the config", (double)job->ovs_us / 1000);
    } else {
        if (job->ovs_guess) {
            oo_debug("OVSDB was read at %s, but the config says %s: reading it again",
                     job->ovs_guess, ovs_remote ? ovs_remote : "(none)");
            oo_ovs_observed_free(&job->ovs);
            t0 = oo_now_us();
        }
        oo_ovsdb_observe(ovs_remote, timeout_ms, &ovs);
        oo_debug("read OVSDB in %.1f ms", (double)(oo_now_us() - t0) / 1000);
    }
    t1 = oo_now_us();
    if (job->kernel_threaded)
        pthread_join(job->kernel_thread, NULL);
    oo_debug("then waited %.1f ms for the kernel's reads", (double)(oo_now_us() - t1) / 1000);
    job->out->ovs_remote = ovs_remote ? oo_strdup(ovs_remote) : NULL;
    job->out->ovs = ovs;
    r = job->r;
    free_job(job);
    return r;
}

void oo_observe_cancel(struct oo_observe_job *job)
{
    (void)join_ovs(job, NULL, 0);
    oo_ovs_observed_free(&job->ovs);
    if (job->kernel_threaded)
        pthread_join(job->kernel_thread, NULL);
    oo_observed_free(job->out);
    free_job(job);
}

void oo_observed_release_tc_filters(struct oo_observed *o)
{
    for (size_t i = 0; i < o->n_tc; i++) {
        free(o->tc[i].filters);
        o->tc[i].filters = NULL;
        o->tc[i].n_filters = 0;
    }
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
    for (size_t i = 0; i < o->n_tc; i++)
        free(o->tc[i].filters);
    free(o->tc);
    free(o->qdiscs);
    for (size_t i = 0; i < o->n_journal_bonds; i++)
        free(o->journal_bonds[i]);
    free(o->journal_bonds);
    oo_links_free(o->links, o->n_links);
    free(o->ovs_remote);
    oo_ovs_observed_free(&o->ovs);
    memset(o, 0, sizeof *o);
}
