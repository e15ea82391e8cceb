#include "controller/apply.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/devlink.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "controller/journal.h"
#include "devlink/sriov.h"
#include "devlink/vfctl.h"
#include "devlink/write.h"
#include "link/ethtool.h"
#include "link/setlink.h"
#include "controller/tcplan.h"
#include "ovsdb/ovsdb.h"
#include "tc/io.h"

struct actx {
    const struct oo_config *cfg;
    const struct oo_observed *obs;
    const struct oo_apply_opts *opts;
    struct oo_apply_result *res;
    struct oo_dl dl;
    struct oo_nl rt;
    char info[256];                 /* extra words for the step's progress line */
    /* A step other than tc-sync has run: devices, links, OVS ports or
     * qdiscs may now differ from obs. */
    bool changed;
    bool forced;                    /* the plan was made with --force */
    /* The host as tc steps resolve it, and the filters desired there: set at
     * the first tc-sync step and shared by the rest (they come last, after
     * every device and OVS change, and change no device themselves). When no
     * step changed the host before it, that is obs and the plan's filters
     * (opts->tc_desired); else the host is read again into tc_host_own and
     * the filters built anew into tc_desired_own. NULL until then. */
    const struct oo_observed *tc_host;
    const struct oo_tc_desired *tc_desired;
    struct oo_observed *tc_host_own;
    struct oo_tc_desired tc_desired_own;
    /* Time this apply spent waiting for udev's names: waits.udev_s bounds
     * the sum, so a stuck udev delays an apply once, not at each step. */
    int64_t udev_spent_ms;
};

static int fail(struct actx *c, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(struct actx *c, int err, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(c->res->message, sizeof c->res->message, fmt, ap);
    va_end(ap);
    return err;
}

/* Whether the caller asked the apply to stop (oo_apply_opts.stop). */
static bool stop_requested(const struct actx *c)
{
    return c->opts->stop && *c->opts->stop;
}

static int stopped(struct actx *c, const char *when)
{
    return fail(c, -ECANCELED, "stopped %s: the process is exiting; the next run continues from "
                "the host's state", when);
}

/* The kernel's error with its extended ACK, as the message of a failed step. */
static int kfail(struct actx *c, int err, const struct oo_nl *nl, const char *what)
{
    char buf[OO_NL_EXTACK_MAX + 64];

    return fail(c, err, "%s: %s", what, oo_nl_strerror(nl, err, buf, sizeof buf));
}

static const struct oo_obs_pf *step_pf(struct actx *c, const struct oo_step *s)
{
    return s->obs_pf >= 0 && (size_t)s->obs_pf < c->obs->n_pfs ? &c->obs->pfs[s->obs_pf] : NULL;
}

static const struct oo_dl_param *obs_param(const struct oo_obs_pf *p, const char *name)
{
    for (size_t i = 0; i < p->n_params; i++)
        if (!strcmp(p->params[i].name, name))
            return &p->params[i];
    return NULL;
}

/* Whether port is the representor, with a netdev, of VF vf of h. */
static bool is_rep_of(const struct oo_dl_port *port, const struct oo_dl_handle *h, int64_t vf)
{
    return oo_dl_handle_equal(&port->handle, h) && oo_port_is_vf_rep(port) && port->vfnum == vf &&
           port->netdev[0];
}

/* h's port as devlink has it now: VF vf's representor, or (vf < 0) its
 * uplink, the first physical port with a netdev. */
static int find_port(struct actx *c, const struct oo_dl_handle *h, int64_t vf, struct oo_dl_port *out)
{
    struct oo_dl_port *ports;
    size_t n;
    int r = oo_dl_dump_ports(&c->dl, &ports, &n);

    if (r < 0)
        return r;
    r = -ENODEV;
    for (size_t i = 0; i < n && r; i++)
        if (vf >= 0 ? is_rep_of(&ports[i], h, vf)
                    : oo_dl_handle_equal(&ports[i].handle, h) &&
                      ports[i].flavour == DEVLINK_PORT_FLAVOUR_PHYSICAL && ports[i].netdev[0]) {
            *out = ports[i];
            r = 0;
        }
    free(ports);
    return r;
}

/* udev names a new netdev (a representor's eth7 becomes, say, ens1f0npf0vf3)
 * after the kernel makes it; attached to OVS before that, ovs-vswitchd keeps a
 * datapath port under the old name and cannot add the new one. Where udev
 * runs (its control socket exists), a netdev has its final name once udev
 * has written its database entry, which is what systemd-networkd waits for. */
static bool udev_running(const char *root)
{
    char path[PATH_MAX];

    snprintf(path, sizeof path, "%s/run/udev/control", root);
    return access(path, F_OK) == 0;
}

/* Whether udev has events queued or running (its /run/udev/queue, which
 * `udevadm settle` waits for too). Its database entry for a netdev is not
 * proof that the rename of that event is done. */
static bool udev_busy(const char *root)
{
    char path[PATH_MAX];

    snprintf(path, sizeof path, "%s/run/udev/queue", root);
    return access(path, F_OK) == 0;
}

/* Whether to wait for udev's names: where it runs, unless waits.udev_s is 0. */
static bool udev_awaited(const struct actx *c)
{
    return c->cfg->waits.udev_s > 0 && udev_running(c->opts->root);
}

static int64_t ms_of(int32_t s)
{
    return (int64_t)s * 1000;
}

/* An OVSDB transaction of the plan waits for ovs-vswitchd to apply it, a wait
 * like the hardware's: waits.timeout_s bounds it, or the caller's timeout for
 * OVSDB when that is longer. */
static int ovs_txn_ms(const struct actx *c)
{
    int64_t ms = ms_of(c->cfg->waits.timeout_s);

    return ms > c->opts->ovsdb_timeout_ms ? (int)ms : c->opts->ovsdb_timeout_ms;
}

/* What is left of waits.udev_s for this apply. */
static int64_t udev_left_ms(const struct actx *c)
{
    int64_t left = ms_of(c->cfg->waits.udev_s) - c->udev_spent_ms;

    return left > 0 ? left : 0;
}

static bool udev_named(const char *root, uint32_t ifindex)
{
    char path[PATH_MAX];

    snprintf(path, sizeof path, "%s/run/udev/data/n%u", root, ifindex);
    return ifindex && access(path, F_OK) == 0;
}

/* h's VF representors with a netdev; *named: of them, those udev has named
 * (all of them where udev does not run). */
static int count_reps(struct actx *c, const struct oo_dl_handle *h, int *named)
{
    struct oo_dl_port *ports;
    size_t n;
    int count = 0;
    bool udev = udev_awaited(c);

    *named = 0;
    if (oo_dl_dump_ports(&c->dl, &ports, &n) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (!oo_dl_handle_equal(&ports[i].handle, h) || !oo_port_is_vf_rep(&ports[i]) ||
            !ports[i].netdev[0] || !ports[i].ifindex)
            continue;
        count++;
        *named += !udev || udev_named(c->opts->root, ports[i].ifindex);
    }
    free(ports);
    return count;
}

static int wait_vfs(struct actx *c, const struct oo_obs_pf *p, int64_t n)
{
    const struct oo_cfg_waits *w = &c->cfg->waits;
    int64_t t0 = oo_now_ms(), deadline = t0 + ms_of(w->timeout_s);
    int64_t t_udev = -1;            /* since when only udev's names are missing */
    struct oo_dl_eswitch e;
    struct oo_sriov s;

    for (;;) {
        bool ok = oo_sriov_read(c->opts->root, &p->handle, &s) == 0 && s.num_vfs == n;
        int reps = 0, named = 0;

        if (ok && oo_dl_get_eswitch(&c->dl, &p->handle, &e) == 0 && e.mode == OO_ESWITCH_SWITCHDEV) {
            reps = count_reps(c, &p->handle, &named);
            ok = named >= n;
            if (!ok && reps >= n && t_udev < 0)
                t_udev = oo_now_ms();
            /* udev that does not get to them (a stuck queue) delays the
             * apply by waits.udev_s, not for good. */
            if (!ok && reps >= n && oo_now_ms() - t_udev >= udev_left_ms(c)) {
                c->udev_spent_ms += oo_now_ms() - t_udev;
                snprintf(c->info, sizeof c->info, "after %.1f s; udev had named %d of the %d "
                         "representors (waits.udev_s): going on with the names they have",
                         (double)(oo_now_ms() - t0) / 1000, named, reps);
                return 0;
            }
        }
        if (ok) {
            if (t_udev >= 0)
                c->udev_spent_ms += oo_now_ms() - t_udev;
            snprintf(c->info, sizeof c->info, "after %.1f s", (double)(oo_now_ms() - t0) / 1000);
            return 0;
        }
        if (oo_now_ms() >= deadline)
            return fail(c, -ETIMEDOUT, "%" PRId64 " VFs (and their representors in switchdev%s) did "
                        "not appear within %d s: check dmesg for the driver's errors", n,
                        udev_awaited(c) ? ", named by udev" : "", w->timeout_s);
        if (stop_requested(c))
            return stopped(c, "while waiting for the VFs");
        oo_sleep_ms(100);
    }
}

void oo_apply_lag_poll(const char *root, const struct oo_observed *obs, const char *bond,
                       struct oo_lag_poll *out)
{
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < obs->n_pfs; i++) {
        const struct oo_dl_port *up = oo_obs_pf_uplink(&obs->pfs[i]);
        char path[PATH_MAX], master[IF_NAMESIZE];
        int st;

        if (!up || !up->netdev[0])
            continue;
        /* A member of this bond now? Its master, read back from sysfs. */
        snprintf(path, sizeof path, "%s/sys/class/net/%s/master", root, up->netdev);
        if (oo_read_link_base(path, master, sizeof master) < 0 || strcmp(master, bond))
            continue;
        out->members++;
        st = oo_sriov_read_lag_active(root, &obs->pfs[i].handle);
        if (st >= 0) {
            out->reported++;
            out->active += st == 1;
        } else if (st != -EOPNOTSUPP) {
            size_t len = strlen(out->unreadable);
            if (!out->n_unreadable++)
                out->unreadable_err = st;
            if (len + strlen(obs->pfs[i].handle.dev) + 3 < sizeof out->unreadable)
                snprintf(out->unreadable + len, sizeof out->unreadable - len, "%s%s", len ? ", " : "",
                         obs->pfs[i].handle.dev);
        }
    }
}

static int wait_lag(struct actx *c, const struct oo_step *s)
{
    const struct oo_cfg_waits *w = &c->cfg->waits;
    int64_t t0 = oo_now_ms(), deadline = t0 + ms_of(w->timeout_s);
    struct oo_lag_poll p;

    /* Every member whose driver keeps a LAG state must report it active
     * (mlx5 debugfs lag/state). */
    for (;;) {
        oo_apply_lag_poll(c->opts->root, c->obs, s->name, &p);
        if (p.reported && p.active == p.reported) {
            snprintf(c->info, sizeof c->info, "active after %.1f s", (double)(oo_now_ms() - t0) / 1000);
            return 0;
        }
        if (!p.members)
            /* Binding the VFs now would be before any LAG: stop instead. */
            return fail(c, -ENODEV, "no PF uplink is in %s: it changed after the plan was made; run "
                        "apply again", s->name);
        if (!p.reported && !p.n_unreadable) {
            snprintf(c->info, sizeof c->info, "%u PF member%s, whose driver keeps no LAG state: not waiting",
                     p.members, p.members == 1 ? "" : "s");
            return 0;
        }
        /* mlx5 PFs whose state cannot be read: binding their VFs before the
         * LAG forms leaves VF-LAG off, so give the driver's bond work time
         * (it retries each second) instead, and say how to wait for real. */
        if (!p.reported && oo_now_ms() >= t0 + ms_of(w->lag_settle_s)) {
            snprintf(c->info, sizeof c->info, "LAG state of %s unreadable (%s): waited %d s "
                     "(waits.lag_settle_s) instead", p.unreadable, oo_sriov_lag_err_text(p.unreadable_err),
                     w->lag_settle_s);
            return 0;
        }
        if (oo_now_ms() >= deadline)
            return fail(c, -ETIMEDOUT, "the LAG of %s did not become active within %d s: both PFs "
                        "must be in switchdev and enslaved (check dmesg)", s->name, w->timeout_s);
        if (stop_requested(c))
            return stopped(c, "while waiting for the LAG");
        oo_sleep_ms(100);
    }
}

static int ifindex_of(struct actx *c, const char *name, unsigned *ret)
{
    *ret = if_nametoindex(name);
    return *ret ? 0 : fail(c, -ENODEV, "no netdev %s", name);
}

/* -EBUSY (the step's failure) when a VF of p is in use now, as the plan
 * would have refused it (sriov.h's users); 0 otherwise. */
static int vfs_taken(struct actx *c, const struct oo_obs_pf *p)
{
    struct oo_obs_vfdev *v;
    size_t n;
    int r = 0;

    if (oo_sriov_read_vfdevs(c->opts->root, &p->handle, &v, &n) < 0)
        return 0;               /* read again by the unbind itself */
    for (size_t i = 0; i < n && !r; i++)
        if (v[i].users[0])
            r = fail(c, -EBUSY, "VF %u (%s) is in use since the plan was made (%s): nothing was "
                     "unbound; run apply again to plan anew (it blocks, unless --force)",
                     v[i].id, v[i].addr, v[i].users);
    free(v);
    return r;
}

static int apply_vf(struct actx *c, const struct oo_step *s, const struct oo_obs_pf *p)
{
    const struct oo_dl_port *up = oo_obs_pf_uplink(p);
    struct oo_vf_set v = { .vf = (uint32_t)s->vf, .trust = -1, .spoofchk = -1, .link_state = -1 };
    struct oo_dl_port rep;
    int r;

    if (s->kind == OO_STEP_VF_DEVLINK_RATE) {
        if ((r = find_port(c, &p->handle, s->vf, &rep)) < 0)
            return fail(c, r, "no representor port for VF %" PRId64, s->vf);
        r = oo_dl_set_rate(&c->dl, &p->handle, rep.index, (uint64_t)s->num2, (uint64_t)s->num);
        return r < 0 ? kfail(c, r, &c->dl.nl, "devlink port function rate set") : 0;
    }
    if (!up || !up->ifindex)
        return fail(c, -ENODEV, "the PF has no uplink netdev");
    switch (s->kind) {
    case OO_STEP_VF_MAC:
        v.has_mac = true;
        if (sscanf(s->name, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &v.mac[0], &v.mac[1], &v.mac[2],
                   &v.mac[3], &v.mac[4], &v.mac[5]) != 6)
            return fail(c, -EINVAL, "bad MAC %s", s->name);
        break;
    case OO_STEP_VF_VLAN:
        v.has_vlan = true;
        v.vlan = (uint32_t)s->num;
        v.qos = (uint32_t)s->num2;
        break;
    case OO_STEP_VF_TRUST: v.trust = (int)s->num; break;
    case OO_STEP_VF_SPOOFCHK: v.spoofchk = (int)s->num; break;
    case OO_STEP_VF_LINK_STATE: v.link_state = (int)s->num; break;
    case OO_STEP_VF_RATE:
        v.has_rate = true;
        v.max_tx_rate = (uint32_t)s->num;
        v.min_tx_rate = (uint32_t)s->num2;
        break;
    default:
        return fail(c, -EINVAL, "not a VF step");
    }
    r = oo_link_set_vf(&c->rt, up->ifindex, &v);
    return r < 0 ? kfail(c, r, &c->rt, "ip link set vf") : 0;
}

static int apply_pf_step(struct actx *c, const struct oo_step *s)
{
    const struct oo_obs_pf *p = step_pf(c, s);
    const struct oo_dl_param *prm;
    struct oo_dl_eswitch e;
    struct oo_sriov sr;
    struct oo_vfctl_result vr;
    char record[PATH_MAX];
    int r;

    if (!p)
        return fail(c, -EINVAL, "step without a device");
    switch (s->kind) {
    case OO_STEP_VF_UNBIND:
        /* The plan found the VFs free (or was made with --force); a VM may
         * have taken one since (the run may have waited minutes for
         * another PF's VFs). */
        if (!c->forced && (r = vfs_taken(c, p)) < 0)
            return r;
        /* Each VF is journaled before it is unbound: a run killed before
         * vf-bind leaves the next run the VFs to bind back. */
        oo_journal_vf_record(c->opts->root, p->handle.dev, record, sizeof record);
        r = oo_sriov_unbind_vfs(c->opts->root, &p->handle, record, &vr);
        snprintf(c->info, sizeof c->info, "%u VF%s unbound", vr.n, vr.n == 1 ? "" : "s");
        if (r < 0)
            return fail(c, r, "unbinding VF %s: %s (%u unbound before it, journaled in %s)",
                        vr.failed, strerror(-r), vr.n, record);
        return 0;
    case OO_STEP_VF_BIND:
        oo_journal_vf_record(c->opts->root, p->handle.dev, record, sizeof record);
        r = oo_sriov_bind_vfs(c->opts->root, &p->handle, record, &vr);
        snprintf(c->info, sizeof c->info, "%u VF%s bound", vr.n, vr.n == 1 ? "" : "s");
        if (r == -ENODEV)
            return fail(c, r, "binding VF %s: no driver took it, not even the bus's choice (%u "
                        "other VF%s bound); it is left unbound", vr.failed, vr.n, vr.n == 1 ? "" : "s");
        if (r < 0)
            return fail(c, r, "binding VF %s: %s (%u other VF%s bound); it is left unbound: check "
                        "dmesg, then bind it by hand", vr.failed, strerror(-r), vr.n, vr.n == 1 ? "" : "s");
        return 0;
    case OO_STEP_ESWITCH_MODE: {
        int err = oo_dl_set_eswitch(&c->dl, &p->handle, (int)s->num, (int)s->num2, s->opt);
        char ext[OO_NL_EXTACK_MAX];

        oo_strlcpy(ext, c->dl.nl.extack, sizeof ext);
        /* Re-read whatever happened: a kernel may apply the mode and refuse the
         * rest of the same request (netdevsim refuses inline/encap modes). */
        if ((r = oo_dl_get_eswitch(&c->dl, &p->handle, &e)) < 0)
            return kfail(c, r, &c->dl.nl, "devlink dev eswitch show");
        if (e.mode != s->num)
            return err < 0 ? fail(c, err, "devlink dev eswitch set: %s%s%s", strerror(-err), ext[0] ? ": " : "", ext)
                           : fail(c, -EIO, "the kernel accepted the mode change but reports %s",
                                  oo_eswitch_mode_to_string(e.mode));
        if (err < 0)
            return fail(c, err, "the eswitch is now %s, but the kernel refused %s%s%s: %s%s%s",
                        oo_eswitch_mode_to_string(e.mode), s->num2 >= 0 ? "inline-mode " : "",
                        s->num2 >= 0 ? oo_inline_mode_to_string((int)s->num2) : "",
                        s->opt >= 0 ? " encap-mode" : "", strerror(-err), ext[0] ? ": " : "", ext);
        return 0;
    }
    case OO_STEP_DEVLINK_PARAM:
    case OO_STEP_MULTIPORT: {
        const char *name = s->kind == OO_STEP_MULTIPORT ? "esw_multiport" : s->name;
        const char *value = s->kind == OO_STEP_MULTIPORT ? (s->num ? "true" : "false") : s->name2;
        if (!(prm = obs_param(p, name)))
            return fail(c, -EOPNOTSUPP, "the driver has no devlink param %s", name);
        if (s->kind == OO_STEP_MULTIPORT) {
            /* One value per NIC: the other PF's step may have set it already,
             * and setting it again is refused (EINVAL) by 6.3..6.18. */
            struct oo_dl_param *now;
            size_t n_now;
            bool already = false;
            if (oo_dl_dump_params(&c->dl, &now, &n_now) == 0) {
                for (size_t i = 0; i < n_now; i++)
                    if (oo_dl_handle_equal(&now[i].handle, &p->handle) && !strcmp(now[i].name, name) &&
                        !strcmp(now[i].values[DEVLINK_PARAM_CMODE_RUNTIME].value, value))
                        already = true;
                free(now);
            }
            if (already) {
                snprintf(c->info, sizeof c->info, "already %s (set for the whole NIC)", value);
                return 0;
            }
        }
        r = oo_dl_set_param(&c->dl, &p->handle, name, prm->type, DEVLINK_PARAM_CMODE_RUNTIME, value);
        if (r == -EDOM)     /* the kernel's own EINVAL is reported as its */
            return fail(c, -EINVAL, "'%s' is not a valid value for devlink param %s (%s)", value, name,
                        oo_dl_param_type_to_string(prm->type));
        return r < 0 ? kfail(c, r, &c->dl.nl, "devlink dev param set") : 0;
    }
    case OO_STEP_NUM_VFS:
        /* The VFs the journal names go; new ones are not them. A count is
         * written from 0 (the plan goes through 0), so before creating VFs
         * no record can be current: a kill right after must not leave one. */
        oo_journal_vf_record(c->opts->root, p->handle.dev, record, sizeof record);
        if (s->num > 0)
            oo_sriov_forget_vfs(record);
        if ((r = oo_sriov_set_num_vfs(c->opts->root, &p->handle, (int)s->num)) < 0)
            return fail(c, r, "writing sriov_numvfs %" PRId64 ": %s%s", s->num, strerror(-r),
                        r == -EBUSY ? " (VFs in use, or a non-zero count already set)"
                        : r == -ENOMEM ? " (the kernel found no room for the VFs' BARs, or the "
                                         "firmware allows fewer: run ovs-offloadctl doctor; "
                                         "pci=realloc on the kernel command line often helps)"
                        : r == -ERANGE ? " (above the device's sriov_totalvfs)"
                        : r == -ENOENT ? " (the PF has no driver bound, or no SR-IOV)" : "");
        oo_sriov_forget_vfs(record);
        if (oo_sriov_read(c->opts->root, &p->handle, &sr) == 0 && sr.num_vfs != s->num)
            return fail(c, -EIO, "sriov_numvfs reads %d after writing %" PRId64, sr.num_vfs, s->num);
        return 0;
    case OO_STEP_WAIT_VFS:
        return wait_vfs(c, p, s->num);
    case OO_STEP_HW_TC_OFFLOAD: {
        /* The uplink as devlink has it now: mlx5 makes it again when the
         * mode changes, and it may not be there yet (domain: wait for the
         * uplink representor, then hw-tc-offload). */
        int64_t t0 = oo_now_ms();
        struct oo_dl_port up;

        while ((r = find_port(c, &p->handle, -1, &up)) == -ENODEV &&
               oo_now_ms() - t0 < ms_of(c->cfg->waits.timeout_s)) {
            if (stop_requested(c))
                return stopped(c, "while waiting for the uplink");
            oo_sleep_ms(100);
        }
        if (r == -ENODEV)
            return fail(c, r, "the PF has no uplink netdev (waited %d s, waits.timeout_s)",
                        c->cfg->waits.timeout_s);
        if (r < 0)
            return kfail(c, r, &c->dl.nl, "devlink port show");
        r = oo_ethtool_set_hw_tc_offload(up.netdev, true);
        if (r < 0)
            return fail(c, r, "ethtool -K %s hw-tc-offload on: %s", up.netdev, strerror(-r));
        if (oo_ethtool_get_hw_tc_offload(up.netdev) != 1)
            return fail(c, -EIO, "hw-tc-offload on %s did not turn on", up.netdev);
        return 0;
    }
    default:
        return apply_vf(c, s, p);
    }
}

/* The bond named name, if it still carries our mark. The plan judged it
 * ours when it read the host, and a run can wait long between (VFs, a LAG):
 * someone may have replaced it since. */
static int owned_bond(struct actx *c, const char *name, unsigned *ret)
{
    struct oo_link l;
    bool ours;
    int r = oo_link_get(&c->rt, name, &l);

    if (r == -ENODEV)
        return fail(c, r, "no netdev %s", name);
    if (r < 0)
        return kfail(c, r, &c->rt, "ip link show");
    ours = !strcmp(l.kind, "bond") && !strcmp(l.alias, OO_LINK_OWNER_ALIAS);
    *ret = l.ifindex;
    if (!ours)
        r = fail(c, -EPERM, "%s is no longer a bond marked as ovs-offload's (kind '%s', alias '%.64s'): "
                 "someone replaced it since the plan, and it is left alone; run apply again to plan "
                 "anew", name, l.kind, l.alias);
    oo_link_clear(&l);
    return ours ? 0 : r;
}

static int apply_link_step(struct actx *c, const struct oo_step *s)
{
    struct oo_bond_set b = OO_BOND_SET_NONE;
    unsigned idx, master;
    int r;

    switch (s->kind) {
    case OO_STEP_BOND_CREATE:
        b.mode = (int)s->num;
        b.miimon = s->num2;
        /* Journal first: a kill between the create and the mark must not
         * leave a bond the next run calls someone else's. */
        if ((r = oo_journal_add_bond(c->opts->root, s->name)) < 0)
            return fail(c, r, "cannot write the journal in %s" OO_JOURNAL_BONDS ": %s",
                        c->opts->root, strerror(-r));
        r = oo_link_bond_create(&c->rt, s->name, NULL, &b);
        if (r < 0) {
            /* Not made: the entry would vouch for whoever makes a bond of
             * that name next (EEXIST: someone just did). */
            oo_journal_del_bond(c->opts->root, s->name);
            return kfail(c, r, &c->rt, "ip link add type bond");
        }
        /* The kernel ignores an alias given at creation: mark it now. */
        __attribute__((fallthrough));
    case OO_STEP_BOND_MARK:
        if ((r = ifindex_of(c, s->name, &idx)) < 0)
            return r;
        if ((r = oo_link_set_alias(&c->rt, idx, OO_LINK_OWNER_ALIAS)) < 0)
            return kfail(c, r, &c->rt, "ip link set alias");
        oo_journal_del_bond(c->opts->root, s->name);
        return 0;
    case OO_STEP_BOND_SET:
        if ((r = owned_bond(c, s->name2, &idx)) < 0)
            return r;
        switch (s->opt) {
        case OO_BOND_OPT_MODE: b.mode = (int)s->num; break;
        case OO_BOND_OPT_MIIMON: b.miimon = s->num; break;
        case OO_BOND_OPT_XMIT_HASH: b.xmit_hash_policy = (int)s->num; break;
        case OO_BOND_OPT_LACP_RATE: b.lacp_rate = (int)s->num; break;
        case OO_BOND_OPT_PRIMARY: b.primary = s->num; break;
        }
        r = oo_link_bond_change(&c->rt, idx, &b);
        return r < 0 ? kfail(c, r, &c->rt, "ip link set type bond") : 0;
    case OO_STEP_BOND_DELETE:
        if ((r = owned_bond(c, s->name, &idx)) < 0)
            return r;
        if ((r = oo_link_delete(&c->rt, idx)) < 0)
            return kfail(c, r, &c->rt, "ip link del");
        oo_journal_del_bond(c->opts->root, s->name);
        return 0;
    case OO_STEP_BOND_RELEASE: {
        /* From our bond only: someone may have moved it since the plan. */
        struct oo_link m;
        unsigned bond = if_nametoindex(s->name2);

        if ((r = oo_link_get(&c->rt, s->name, &m)) < 0)
            return r == -ENODEV ? fail(c, r, "no netdev %s", s->name) : kfail(c, r, &c->rt, "ip link show");
        idx = m.ifindex;
        master = m.master;
        oo_link_clear(&m);
        if (!master)
            return 0;           /* released already */
        if (!bond || master != bond)
            return fail(c, -EPERM, "%s is no longer in bond %s (its master is ifindex %u now): it is "
                        "left alone; run apply again to plan anew", s->name, s->name2, master);
        r = oo_link_set_master(&c->rt, idx, 0);
        return r < 0 ? kfail(c, r, &c->rt, "ip link set nomaster") : 0;
    }
    case OO_STEP_BOND_ENSLAVE:
        if ((r = ifindex_of(c, s->name, &idx)) < 0 || (r = owned_bond(c, s->name2, &master)) < 0)
            return r;
        r = oo_link_set_master(&c->rt, idx, master);
        return r < 0 ? kfail(c, r, &c->rt, "ip link set master") : 0;
    case OO_STEP_LINK_DOWN:
    case OO_STEP_LINK_UP:
        if ((r = ifindex_of(c, s->name, &idx)) < 0)
            return r;
        r = oo_link_set_up(&c->rt, idx, s->kind == OO_STEP_LINK_UP);
        return r < 0 ? kfail(c, r, &c->rt, s->kind == OO_STEP_LINK_UP ? "ip link set up" : "ip link set down") : 0;
    case OO_STEP_WAIT_LAG:
        return wait_lag(c, s);
    case OO_STEP_LINK_IPV6_OFF:
        r = oo_link_set_ipv6(c->opts->root, s->name, false);
        if (r == -ENODEV)
            return fail(c, r, "no netdev %s (renamed since the plan? run apply again)", s->name);
        return r < 0 ? fail(c, r, "writing net.ipv6.conf.%s.disable_ipv6: %s", s->name, strerror(-r)) : 0;
    }
    return fail(c, -EINVAL, "not a link step");
}

static bool is_link_step(int kind)
{
    return kind == OO_STEP_BOND_CREATE || kind == OO_STEP_BOND_MARK || kind == OO_STEP_BOND_SET ||
           kind == OO_STEP_BOND_DELETE ||
           kind == OO_STEP_BOND_RELEASE || kind == OO_STEP_BOND_ENSLAVE || kind == OO_STEP_LINK_DOWN ||
           kind == OO_STEP_LINK_UP || kind == OO_STEP_WAIT_LAG || kind == OO_STEP_LINK_IPV6_OFF;
}

/* What stops rebuild_bond_block() from deleting the qdisc q, which holds
 * the bond's shared block: q is not a member's, or it is a clsact whose
 * egress side is bound to a block or holds filters (they would go with it,
 * and ovs-offload writes none there). Sets the step's message and returns
 * -EBUSY then; 0 when q may go. */
static int block_holder_busy(struct actx *c, struct oo_nl *nl, const struct oo_observed *o,
                             const struct oo_tc_place *place, const struct oo_tc_qdisc *q)
{
    const struct oo_link *l = oo_link_by_index(o->links, o->n_links, q->ifindex);
    struct oo_tc_filter *f = NULL;
    char name[IF_NAMESIZE + 16];
    size_t n = 0;
    int r;

    if (l)
        snprintf(name, sizeof name, "%s", l->name);
    else
        snprintf(name, sizeof name, "ifindex %" PRIu32, q->ifindex);
    if (!l || l->master != place->ifindex)
        return fail(c, -EBUSY, "the bond has lost its ingress qdisc, and shared block %u is also "
                    "held by %s, which is not in the bond: rebuilding the block would not free it, "
                    "and the bond's rules apply to %s (tc qdisc show dev %s): take it off the "
                    "block, and the next run rebuilds it", place->block, name, name, name);
    if (strcmp(q->kind, "clsact"))
        return 0;
    if (!q->egress_block && (r = oo_tc_dump_egress_filters(nl, q->ifindex, &f, &n)) < 0)
        return kfail(c, r, nl, "tc filter show dev (a bond member's egress)");
    free(f);
    if (q->egress_block || n)
        return fail(c, -EBUSY, "the bond has lost its ingress qdisc, and bond member %s holds its "
                    "shared block %u in a clsact qdisc whose egress side %s: rebuilding the block "
                    "deletes that qdisc, and ovs-offload does not own what is on its egress (tc "
                    "filter show dev %s egress): move it, and the next run rebuilds the block",
                    name, place->block, q->egress_block ? "is on a shared block too" : "holds filters",
                    name);
    return 0;
}

/* The bond's ingress qdisc is gone but its members still hold the shared
 * block, with rules offloaded by them: ovs-vswitchd, started again, deletes
 * the bond's qdisc and keeps the members'. The kernel will not bind a device
 * without tc offload (the bond) to a block whose rules are in hardware
 * (EOPNOTSUPP). Take the block off the members, which frees it and its
 * rules, and put it on the bond first; the caller puts the members back and
 * the rules are written again below. Only qdiscs on exactly that block are
 * deleted: another block is someone else's. Refused, before anything is
 * deleted, while the block holds a filter that is neither ours nor OVS's
 * (nor OVS's, where OVS does not have the bond as a port), while a device
 * outside the bond holds it, or while a member's clsact holding it has
 * anything on its egress side. Sets the step's message when it fails. */
static int rebuild_bond_block(struct actx *c, struct oo_nl *nl, const struct oo_observed *o,
                              const struct oo_tc_place *place)
{
    char buf[OO_TC_MSG_MAX];
    struct oo_tc_qdisc *q = NULL;
    struct oo_tc_filter *f = NULL;
    struct oo_tc_counts counts = { 0 };
    size_t n = 0, nq = 0;
    int r;

    /* Freeing the block deletes every filter on it: ours and OVS's are
     * written again (OVS's as traffic comes), anyone else's would be lost.
     * OVS's are told by their cookies' shape (a v4 UUID): that vouches
     * for them only where OVS has the bond as a port. ovs-vswitchd cannot
     * vouch instead: these are its previous run's flows, on a block it no
     * longer reaches (the bond's qdisc is what it lost), so they are in
     * none of its dumps. */
    const struct oo_ovs_port *port = c->obs->ovs.reachable ? oo_ovs_port_find(&c->obs->ovs, place->netdev) : NULL;
    bool ovs_bond = port && port->bridge;
    uint64_t blockers;

    if ((r = oo_tc_dump_filters(nl, 0, place->block, 0, &f, &n)) < 0)
        return kfail(c, r, nl, "tc filter show block");
    oo_tc_count(f, n, &counts);
    free(f);
    blockers = counts.foreign + (ovs_bond ? 0 : counts.ovs);
    if (blockers)
        return fail(c, -EBUSY, "the bond has lost its ingress qdisc, and shared block %u, which its "
                    "members still hold, has rules in hardware, so the kernel will not bind the bond "
                    "to it; rebuilding the block would delete %" PRIu64 " filter%s ovs-offload does "
                    "not own%s (tc filter show block %u): move them, or delete them, and the next "
                    "run rebuilds it", place->block, blockers, blockers == 1 ? "" : "s",
                    ovs_bond || !counts.ovs ? "" : ", some shaped as OVS's while the bond is no OVS port",
                    place->block);
    if ((r = oo_tc_dump_qdiscs(nl, &q, &nq)) < 0)
        return kfail(c, r, nl, "tc qdisc show");
    /* Every holder first, then the deletes: all of them or none. */
    for (size_t i = 0; i < nq && r >= 0; i++)
        if ((q[i].ingress_block == place->block || q[i].egress_block == place->block) &&
            q[i].ifindex != place->ifindex)
            r = block_holder_busy(c, nl, o, place, &q[i]);
    for (size_t i = 0; i < nq && r >= 0; i++) {
        if (q[i].ingress_block != place->block || q[i].ifindex == place->ifindex)
            continue;
        /* By the kind it has: the kernel refuses an ingress delete of a
         * clsact, and the member would keep the block. */
        r = oo_nl_transact(nl, oo_tc_put_delqdisc(buf, q[i].ifindex,
                                                  strcmp(q[i].kind, "clsact") ? OO_TC_QDISC_INGRESS
                                                                              : OO_TC_QDISC_CLSACT),
                           NULL, NULL);
        /* Gone meanwhile: the member holds the noop qdisc, whose handle is
         * not ffff: (EINVAL, "Invalid handle"). */
        if (r == -ENOENT || r == -EINVAL)
            r = 0;
        else if (r < 0)
            r = kfail(c, r, nl, "rebuilding the bond's shared block: tc qdisc del ingress (a member)");
    }
    free(q);
    if (r < 0)
        return r;       /* its message says why */
    r = oo_tc_qdisc_ensure(nl, place->ifindex, OO_TC_QDISC_INGRESS, place->block, NULL);
    if (r < 0)
        return kfail(c, r, nl, "rebuilding the bond's shared block: tc qdisc add ingress (the bond)");
    snprintf(c->info, sizeof c->info, "shared block %u rebuilt: the bond had lost its ingress qdisc",
             place->block);
    return r;
}

/* A bond member with an ingress qdisc of its own (the uplink carried rules
 * of ours before it joined the bond) cannot take the bond's block: the
 * kernel answers EEXIST. When the qdisc holds nothing but ovs-offload's
 * filters (rules of the uplink that the config has moved: they go with
 * it), it is deleted and the member put on the block. Anything else on it,
 * or a clsact (its egress side is not ours to drop), stays, and the step
 * fails saying what is in the way. Sets the step's message when it fails. */
static int member_onto_block(struct actx *c, struct oo_nl *nl, const struct oo_link *m,
                             const struct oo_tc_place *place)
{
    char buf[OO_TC_MSG_MAX];
    struct oo_tc_qdisc *q = NULL;
    struct oo_tc_filter *f = NULL;
    struct oo_tc_counts counts = { 0 };
    const struct oo_tc_qdisc *found;
    struct oo_tc_qdisc mq = { 0 };
    size_t n = 0;
    uint32_t other_block;
    bool clsact;
    int r;

    if ((r = oo_tc_dump_qdiscs(nl, &q, &n)) < 0)
        return kfail(c, r, nl, "tc qdisc show");
    found = oo_tc_find_ingress_qdisc(q, n, m->ifindex);
    if (found)
        mq = *found;
    free(q);
    clsact = found && !strcmp(mq.kind, "clsact");
    other_block = found ? mq.ingress_block : 0;
    if (other_block)
        return fail(c, -EEXIST, "bond member %s is on shared block %u, not the bond's (%u): rules "
                    "cannot be placed (tc qdisc del dev %s ingress, and the next run puts it on the "
                    "bond's)", m->name, other_block, place->block, m->name);
    if ((r = oo_tc_dump_filters(nl, m->ifindex, 0, 0, &f, &n)) < 0)
        return kfail(c, r, nl, "tc filter show dev (a bond member)");
    oo_tc_count(f, n, &counts);
    free(f);
    if (!oo_tc_member_movable(found ? &mq : NULL, &counts))
        return fail(c, -EBUSY, "bond member %s has an ingress %s of its own%s, so it cannot join the "
                    "bond's shared block %u: move or delete %s (tc filter show dev %s ingress)",
                    m->name, clsact ? "clsact qdisc" : "qdisc",
                    counts.ovs + counts.foreign ? " with filters ovs-offload does not own" : "",
                    place->block, counts.ovs + counts.foreign ? "them" : "it", m->name);
    r = oo_nl_transact(nl, oo_tc_put_delqdisc(buf, m->ifindex, OO_TC_QDISC_INGRESS), NULL, NULL);
    if (r < 0 && r != -ENOENT && r != -EINVAL)
        return kfail(c, r, nl, "tc qdisc del ingress (a bond member's own)");
    r = oo_tc_qdisc_ensure(nl, m->ifindex, OO_TC_QDISC_INGRESS, place->block, NULL);
    if (r < 0)
        return kfail(c, r, nl, "tc qdisc add ingress (a bond member, on the bond's block)");
    size_t len = strlen(c->info);   /* what earlier members or the bond said */
    snprintf(c->info + len, sizeof c->info - len, "%s%s's own ingress qdisc (%" PRIu64 " rule%s of ours) "
             "replaced by the bond's block %u", len ? "; " : "", m->name, counts.owned,
             counts.owned == 1 ? "" : "s", place->block);
    return 0;
}

/* Whether o read everything a tc target resolves with. */
static bool obs_complete(const struct oo_observed *o)
{
    return o->devlink_err == 0 && o->links_err == 0 && o->tc_err == 0;
}

/* The failed writes of reqs[0..n-1]. A delete the kernel answers ENOENT
 * found its filter, prio or chain gone already (someone deleted it): done,
 * not failed. (A qdisc or block that is gone is EINVAL, and a failure: the
 * target is not what the dump saw.) */
static int tc_failures(const struct oo_tc_req *reqs, struct oo_tc_result *results, size_t n)
{
    int failed = 0;

    for (size_t i = 0; i < n; i++) {
        if (reqs[i].op == OO_TC_OP_DELETE && results[i].error == -ENOENT)
            results[i].error = 0;
        failed += results[i].error != 0;
    }
    return failed;
}

/* Reconciles one target's owned filters: resolve it now (its netdev may be
 * new), make its ingress qdisc (a bond: its shared block, on the bond and its
 * members) if it has none, dump, diff, write the difference: one batch, and
 * the deletes no write depends on in a second once the first succeeded. */
static int apply_tc_sync(struct actx *c, const struct oo_step *s)
{
    const struct oo_tc_target *t = NULL;
    struct oo_tc_filter *cur = NULL;
    struct oo_tc_plan tp = { 0 };
    struct oo_tc_result *results = NULL;
    struct oo_tc_place place = { .ifindex = (uint32_t)s->num, .block = (uint32_t)s->num2 };
    struct oo_nl nl = { 0 };
    size_t n_cur = 0, n_first;
    int r;

    if ((r = oo_tc_open(&nl)) < 0)
        return fail(c, r, "cannot open rtnetlink for tc: %s", strerror(-r));
    if (!c->tc_host && !c->changed && c->opts->tc_desired && obs_complete(c->obs)) {
        oo_debug("tc: rules resolved as the plan resolved them: no step before changed the host");
        c->tc_host = c->obs;
        c->tc_desired = c->opts->tc_desired;
    } else if (!c->tc_host) {
        struct oo_observed *h = c->tc_host_own = oo_calloc(1, sizeof *h);

        oo_debug("tc: reading devlink, links and qdiscs again: %s",
                 c->changed ? "an earlier step changed the host" : "the plan's reading is not whole");
        oo_observe_devlink(c->opts->root, h);
        oo_observe_links(h);
        if ((r = oo_tc_dump_qdiscs(&nl, &h->qdiscs, &h->n_qdiscs)) < 0) {
            r = kfail(c, r, &nl, "tc qdisc show");
            goto out;
        }
        oo_tc_desired_build_observed(c->cfg, h, &c->tc_desired_own);
        c->tc_host = h;
        c->tc_desired = &c->tc_desired_own;
    }
    const struct oo_observed *o = c->tc_host;
    const struct oo_tc_desired *d = c->tc_desired;
    if (s->opt >= 0) {
        for (size_t i = 0; i < d->n_targets && !t; i++)
            if (d->targets[i].kind == s->opt && d->targets[i].index == s->pf && d->targets[i].vf == s->vf)
                t = &d->targets[i];
        if (!t || !t->resolved) {
            r = fail(c, -ENODEV, "%s", t ? t->unresolved : "the target is gone from the config");
            goto out;
        }
        place = t->place;
        if (s->opt == OO_CFG_REF_BOND) {
            /* The bond and each member on the block (OVS does the same). */
            r = oo_tc_qdisc_ensure(&nl, place.ifindex, OO_TC_QDISC_INGRESS, place.block, NULL);
            if (r == -EOPNOTSUPP && (r = rebuild_bond_block(c, &nl, o, &place)) < 0)
                goto out;       /* its message says why */
            for (size_t i = 0; i < o->n_links && r >= 0; i++) {
                if (o->links[i].master != place.ifindex)
                    continue;
                r = oo_tc_qdisc_ensure(&nl, o->links[i].ifindex, OO_TC_QDISC_INGRESS, place.block, NULL);
                if (r == -EEXIST && (r = member_onto_block(c, &nl, &o->links[i], &place)) < 0)
                    goto out;   /* its message says why */
                if (r == 1) {
                    /* A member that had no ingress qdisc: say so, as
                     * member_onto_block says what it replaced. */
                    size_t len = strlen(c->info);

                    snprintf(c->info + len, sizeof c->info - len, "%sbond member %s put on shared block %u",
                             len ? "; " : "", o->links[i].name, place.block);
                }
            }
        } else {
            r = oo_tc_qdisc_ensure(&nl, place.ifindex, OO_TC_QDISC_INGRESS, place.block, NULL);
            /* Rules reach the NIC only with hw-tc-offload on: mlx5's
             * representors come up with it, netdevsim's and some uplinks do not. */
            if (r >= 0 && oo_ethtool_get_hw_tc_offload(place.netdev) == 0 &&
                oo_ethtool_set_hw_tc_offload(place.netdev, true) < 0)
                snprintf(c->info, sizeof c->info, "hw-tc-offload could not be turned on for %s", place.netdev);
        }
        if (r == -EEXIST) {
            r = fail(c, r, "%s has an ingress qdisc on another block that ovs-offload did not make: "
                     "rules cannot be placed (delete it: tc qdisc del dev %s ingress)", t->label, place.netdev);
            goto out;
        }
        if (r < 0) {
            r = kfail(c, r, &nl, "tc qdisc add ingress");
            goto out;
        }
    }
    /* What is there is mostly what is desired there. */
    if ((r = oo_tc_dump_filters(&nl, place.block ? 0 : place.ifindex, place.block,
                                t ? t->n_filters + 16 : 0, &cur, &n_cur)) < 0) {
        r = kfail(c, r, &nl, "tc filter show");
        goto out;
    }
    /* A device dumped by ifindex answers with its shared block's filters
     * once it is on one (a bond's member since the plan): those are the
     * block's owners' (another target's), never this place's to delete. */
    for (size_t i = 0; i < n_cur; i++) {
        if (cur[i].id.block == place.block && (place.block || cur[i].id.ifindex == place.ifindex))
            continue;
        if (!t) {   /* cleanup: its own filters went with its old qdisc */
            snprintf(c->info, sizeof c->info, "%s is on shared block %u now: nothing of its own "
                     "to delete", place.netdev[0] ? place.netdev : s->object, cur[i].id.block);
            r = 0;
            goto out;
        }
        r = fail(c, -ESTALE, "%s: %s is on shared block %u, not where the plan placed the rules "
                 "(%u): plan again", s->object, place.netdev, cur[i].id.block, place.block);
        goto out;
    }
    oo_tc_reconcile(t ? t->filters : NULL, t ? t->n_filters : 0, cur, n_cur, &tp);
    if (tp.n_conflicts) {
        r = fail(c, -EEXIST, "%s: %s", s->object, tp.conflicts[0].reason);
        goto out;
    }
    results = oo_calloc(tp.n_reqs + 1, sizeof *results);
    if (tp.n_reqs && c->opts->tc_writes)
        c->opts->tc_writes(c->opts->tc_writes_arg, true);
    /* The late deletes (an old filter of a moved rule, a rule dropped) only
     * once every write before them is done: a rule whose new filter the
     * kernel refused keeps its old one. */
    n_first = tp.n_reqs - tp.n_late;
    r = oo_tc_batch_apply(&nl, tp.reqs, n_first, results);
    if (r >= 0)
        r = tc_failures(tp.reqs, results, n_first);
    if (r == 0 && tp.n_late) {
        r = oo_tc_batch_apply(&nl, tp.reqs + n_first, tp.n_late, results + n_first);
        if (r >= 0)
            r = tc_failures(tp.reqs + n_first, results + n_first, tp.n_late);
    }
    if (tp.n_reqs && c->opts->tc_writes)
        c->opts->tc_writes(c->opts->tc_writes_arg, false);
    if (r < 0) {
        /* Requests answered before the socket failed may hold the kernel's
         * own reason: say the first, extended ACK and all. */
        size_t k = oo_tc_first_refusal(results, tp.n_reqs);

        if (k < tp.n_reqs)
            r = fail(c, r, "tc batch: %s; before that, the kernel refused %s of a rule: %s%s%s",
                     strerror(-r), oo_tc_op_to_string(tp.reqs[k].op),
                     strerror(-results[k].error), results[k].extack[0] ? ": " : "",
                     results[k].extack);
        else
            r = fail(c, r, "tc batch: %s", strerror(-r));
        goto out;
    }
    for (size_t i = 0; r > 0 && i < tp.n_reqs; i++)
        if (results[i].error) {
            r = fail(c, results[i].error, "%zu of %zu tc writes failed%s; the first, %s of a rule: %s%s%s",
                     (size_t)r, i < n_first ? n_first : tp.n_reqs,
                     i < n_first && tp.n_late ? " (the deletes that were to follow are left for the next run)" : "",
                     oo_tc_op_to_string(tp.reqs[i].op), strerror(-results[i].error),
                     results[i].extack[0] ? ": " : "", results[i].extack);
            goto out;
        }
    /* After what the step said already (a block rebuilt, hw-tc-offload). */
    size_t len = strlen(c->info);
    snprintf(c->info + len, sizeof c->info - len, "%s+%zu ~%zu -%zu, %zu unchanged", len ? "; " : "",
             tp.n_add, tp.n_replace, tp.n_delete, tp.n_unchanged);
    r = 0;
out:
    free(results);
    oo_tc_plan_free(&tp);
    free(cur);
    oo_nl_close(&nl);
    return r;
}

/* OVS steps that follow each other run as one transaction (see ovsdb/). */
static int apply_ovs_batch(struct actx *c, const struct oo_step *steps, size_t n);
static int apply_new_links_up(struct actx *c, const struct oo_step *steps, size_t n);
static int apply_ovs_restart(struct actx *c, const struct oo_step *s);
static int apply_ovs_record(struct actx *c);
static int apply_ovs_reconfigure(struct actx *c);

static void progress(struct actx *c, size_t i, size_t n, const struct oo_step *s)
{
    char line[400];

    if (!c->opts->progress)
        return;
    oo_step_format(s, line, sizeof line);
    fprintf(c->opts->progress, "[%zu/%zu] %s", i + 1, n, line);
    fflush(c->opts->progress);
}

/* Steps i..i+batch-1, applied as one: a line each, the last left open for
 * progress_done. */
static void progress_batch(struct actx *c, const struct oo_plan *plan, size_t i, size_t batch)
{
    for (size_t k = 0; k < batch; k++) {
        progress(c, i + k, plan->n_steps, &plan->steps[i + k]);
        if (c->opts->progress && k + 1 < batch)
            fprintf(c->opts->progress, "\n");
    }
}

static void progress_done(struct actx *c, int r, int64_t ms)
{
    if (!c->opts->progress)
        return;
    if (r == -ECANCELED && stop_requested(c))
        fprintf(c->opts->progress, " ... stopped\n");
    else if (r < 0)
        fprintf(c->opts->progress, " ... FAILED\n");
    else
        fprintf(c->opts->progress, " ... ok (%" PRId64 " ms%s%s)\n", ms, c->info[0] ? ", " : "", c->info);
    fflush(c->opts->progress);
}

static bool bond_observed(const struct oo_observed *obs, const char *name)
{
    const struct oo_link *l = oo_link_by_name(obs->links, obs->n_links, name);

    return l && !strcmp(l->kind, "bond");
}

void oo_apply_prune_journal(const char *root, const struct oo_observed *obs)
{
    char record[PATH_MAX];

    /* A bond's entry outlives the apply only when it stopped between the
     * entry and the mark. With no such bond, the create never happened, and
     * the entry would vouch for whoever makes a bond of that name next. */
    for (size_t i = 0; i < obs->n_journal_bonds && !obs->links_err; i++)
        if (!bond_observed(obs, obs->journal_bonds[i]))
            oo_journal_del_bond(root, obs->journal_bonds[i]);

    for (size_t i = 0; i < obs->n_pfs; i++) {
        const struct oo_obs_pf *p = &obs->pfs[i];
        if (strcmp(p->handle.bus, "pci"))
            continue;
        oo_journal_vf_record(root, p->handle.dev, record, sizeof record);
        oo_sriov_prune_record(root, &p->handle, record);
    }
}

/* Step `failed` stopped the apply: the steps after it that put back what
 * the steps before took away still run (oo_plan_after_failure), each with its
 * progress line, and what goes wrong there is added to the failure's message.
 * stopped: the apply was asked to stop before step `failed` ran, which is then
 * a candidate too (oo_plan_after_stop). */
static void restore_after_failure(struct actx *c, const struct oo_plan *plan, size_t failed,
                                  bool stopped_before)
{
    char msg[sizeof c->res->message];

    memcpy(msg, c->res->message, sizeof msg);
    for (size_t j = stopped_before ? failed : failed + 1; j < plan->n_steps; j++) {
        const struct oo_step *s = &plan->steps[j];
        int64_t ts = oo_now_ms();
        int r;

        if (stopped_before ? !oo_plan_after_stop(plan, failed, j) : !oo_plan_after_failure(plan, failed, j))
            continue;
        c->info[0] = '\0';
        progress(c, j, plan->n_steps, s);
        if (c->opts->progress)
            fprintf(c->opts->progress, stopped_before ? ", before exiting" : ", after the failure");
        r = s->kind == OO_STEP_VF_BIND ? apply_pf_step(c, s) : apply_link_step(c, s);
        progress_done(c, r, oo_now_ms() - ts);
        if (r < 0) {
            size_t len = strlen(msg);
            snprintf(msg + len, sizeof msg - len, "; putting back %.80s (%s) also failed: %.200s",
                     s->object, oo_step_kind_to_string(s->kind), c->res->message);
        }
    }
    memcpy(c->res->message, msg, sizeof msg);
}

int oo_apply(const struct oo_config *cfg, const struct oo_observed *obs, const struct oo_plan *plan,
             const struct oo_apply_opts *opts, struct oo_apply_result *res)
{
    struct actx c = { .cfg = cfg, .obs = obs, .opts = opts, .res = res, .forced = plan->forced };
    int64_t t0 = oo_now_ms();
    bool stopped_before = false;
    int r = 0;

    memset(res, 0, sizeof *res);
    res->failed = -1;
    if ((r = oo_dl_open(&c.dl)) < 0) {
        fail(&c, r, "cannot open devlink: %s", strerror(-r));
        goto out;
    }
    if ((r = oo_nl_open(&c.rt, NETLINK_ROUTE)) < 0) {
        fail(&c, r, "cannot open rtnetlink: %s", strerror(-r));
        goto out;
    }
    for (size_t i = 0; i < plan->n_steps; i++) {
        const struct oo_step *s = &plan->steps[i];
        int64_t ts = oo_now_ms();
        size_t batch = 1;

        c.info[0] = '\0';
        stopped_before = stop_requested(&c);
        if (stopped_before) {
            progress(&c, i, plan->n_steps, s);
            r = stopped(&c, "before this step");
        } else if (s->kind != OO_STEP_TC_SYNC) {
            c.changed = true;
        }
        if (r < 0) {
            /* stopped: reported and put back below */
        } else if (oo_step_kind_is_ovsdb_change(s->kind)) {
            while (i + batch < plan->n_steps && oo_step_kind_is_ovsdb_change(plan->steps[i + batch].kind))
                batch++;
            progress_batch(&c, plan, i, batch);
            r = apply_ovs_batch(&c, s, batch);
        } else if (s->kind == OO_STEP_OVS_RESTART) {
            progress(&c, i, plan->n_steps, s);
            r = apply_ovs_restart(&c, s);
        } else if (s->kind == OO_STEP_OVS_RECORD) {
            progress(&c, i, plan->n_steps, s);
            r = apply_ovs_record(&c);
        } else if (s->kind == OO_STEP_OVS_RECONFIGURE) {
            progress(&c, i, plan->n_steps, s);
            r = apply_ovs_reconfigure(&c);
        } else if (s->kind == OO_STEP_TC_SYNC) {
            progress(&c, i, plan->n_steps, s);
            r = apply_tc_sync(&c, s);
        } else if (s->kind == OO_STEP_LINK_UP && !s->name[0]) {
            while (i + batch < plan->n_steps && plan->steps[i + batch].kind == OO_STEP_LINK_UP &&
                   !plan->steps[i + batch].name[0])
                batch++;
            progress_batch(&c, plan, i, batch);
            r = apply_new_links_up(&c, s, batch);
        } else if (is_link_step(s->kind)) {
            progress(&c, i, plan->n_steps, s);
            r = apply_link_step(&c, s);
        } else {
            progress(&c, i, plan->n_steps, s);
            r = apply_pf_step(&c, s);
        }
        progress_done(&c, r, oo_now_ms() - ts);
        if (r < 0) {
            char line[400], msg[sizeof res->message];
            oo_step_format(s, line, sizeof line);
            memcpy(msg, res->message, sizeof msg);
            snprintf(res->message, sizeof res->message, "step %zu/%zu (%.150s): %.400s", i + 1,
                     plan->n_steps, line, msg);
            res->failed = (long)i;
            restore_after_failure(&c, plan, i, stopped_before);
            break;
        }
        res->n_done += batch;
        i += batch - 1;
    }
out:
    if (c.tc_host_own) {
        oo_tc_desired_free(&c.tc_desired_own);
        oo_observed_free(c.tc_host_own);
        free(c.tc_host_own);
    }
    res->err = r;
    res->ms = oo_now_ms() - t0;
    oo_nl_close(&c.rt);
    oo_dl_close(&c.dl);
    return r;
}

/* Representors about to be attached (names[i] for the ADD_PORT steps of
 * VFs) that udev has not named yet: waits for it, up to waits.udev_s,
 * then takes each one's name from devlink again. A round checks udev's
 * entries for the ifindexes of the last dump before it dumps again: an entry
 * seen after the dump could belong to a rename the dump missed. Past the
 * limit, they are attached under the names they have, and the step's info
 * says so. */
static void await_udev_names(struct actx *c, const struct oo_step *steps, size_t n, char (*names)[IF_NAMESIZE],
                             const char *done)
{
    /* The PF of each VF representor step (NULL for the other steps). */
    const struct oo_obs_pf **pf = oo_calloc(n, sizeof *pf);
    uint32_t *ifindex = oo_calloc(n, sizeof *ifindex);
    int64_t t0 = oo_now_ms(), limit = udev_left_ms(c);
    size_t n_reps = 0;
    unsigned waiting;
    bool busy;

    for (size_t i = 0; i < n; i++)
        if ((steps[i].kind == OO_STEP_OVS_ADD_PORT || steps[i].kind == OO_STEP_LINK_UP) && steps[i].vf >= 0)
            n_reps += (pf[i] = step_pf(c, &steps[i])) != NULL;
    /* No representor to attach: nothing udev names matters here, and its
     * queue busy with other devices is no reason to wait. */
    for (int round = 0; n_reps; round++) {
        struct oo_dl_port *ports = NULL;
        size_t n_ports = 0;

        waiting = 0;
        for (size_t i = 0; i < n; i++)
            waiting += pf[i] && !udev_named(c->opts->root, ifindex[i]);
        busy = udev_busy(c->opts->root);
        if (oo_dl_dump_ports(&c->dl, &ports, &n_ports) < 0)
            break;
        for (size_t i = 0; i < n; i++) {
            for (size_t k = 0; pf[i] && k < n_ports; k++) {
                if (!is_rep_of(&ports[k], &pf[i]->handle, steps[i].vf))
                    continue;
                oo_strlcpy(names[i], ports[k].netdev, IF_NAMESIZE);
                ifindex[i] = ports[k].ifindex;
                break;
            }
        }
        free(ports);
        if (!waiting && !busy && round > 0)
            break;
        /* Round 0 only learns the ifindexes: the count is known from round 1. */
        if (round > 0 && oo_now_ms() - t0 >= limit) {
            if (waiting)
                snprintf(c->info, sizeof c->info, "udev had not named %u representor%s (waits.udev_s "
                         "%d s spent)%s; ", waiting, waiting == 1 ? "" : "s", c->cfg->waits.udev_s, done);
            else
                snprintf(c->info, sizeof c->info, "udev was still busy (waits.udev_s %d s spent)%s; ",
                         c->cfg->waits.udev_s, done);
            break;
        }
        if (stop_requested(c))
            break;          /* the caller stops */
        if ((waiting || busy) && round > 0)
            oo_sleep_ms(50);
    }
    c->udev_spent_ms += oo_now_ms() - t0;
    free(ifindex);
    free(pf);
}

static int apply_ovs_batch(struct actx *c, const struct oo_step *steps, size_t n)
{
    struct oo_ovs_op *ops = oo_calloc(n, sizeof *ops);
    char (*names)[IF_NAMESIZE] = oo_calloc(n, sizeof *names);
    struct oo_ovs_apply_result res;
    int r = 0;

    for (size_t i = 0; i < n && r == 0; i++) {
        const struct oo_step *s = &steps[i];
        struct oo_ovs_op *op = &ops[i];

        switch (s->kind) {
        case OO_STEP_OVS_DEL_PORT:
            *op = (struct oo_ovs_op){ OO_OVS_OP_DEL_PORT, s->name2, s->name, NULL, NULL };
            break;
        case OO_STEP_OVS_ADD_BRIDGE:
            *op = (struct oo_ovs_op){ OO_OVS_OP_ADD_BRIDGE, s->name, NULL, NULL, NULL };
            break;
        case OO_STEP_OVS_SET_CONFIG:
            *op = (struct oo_ovs_op){ OO_OVS_OP_SET_CONFIG, NULL, NULL, s->name, s->name2 };
            break;
        case OO_STEP_OVS_ADD_PORT:
            if (s->name[0]) {
                oo_strlcpy(names[i], s->name, sizeof names[i]);
            } else {
                /* A representor of a VF made in this run: its name is devlink's now. */
                const struct oo_obs_pf *p = step_pf(c, s);
                struct oo_dl_port rep;
                if (!p || (r = find_port(c, &p->handle, s->vf, &rep)) < 0) {
                    r = fail(c, r < 0 ? r : -ENODEV, "no representor for VF %" PRId64 " (%s)", s->vf, s->object);
                    break;
                }
                oo_strlcpy(names[i], rep.netdev, sizeof names[i]);
            }
            *op = (struct oo_ovs_op){ OO_OVS_OP_ADD_PORT, s->name2, names[i], NULL, NULL };
            break;
        }
    }
    if (r == 0 && udev_awaited(c) && udev_left_ms(c) > 0)
        await_udev_names(c, steps, n, names, ": attached under the names they have");
    /* Cut short by a stop: attaching now would take the names udev has
     * not given yet, what the wait is for. */
    if (r == 0 && stop_requested(c))
        r = stopped(c, "while waiting for udev to name the representors");
    if (r == 0) {
        r = oo_ovsdb_apply(c->opts->ovs_remote, ops, n, ovs_txn_ms(c), &res);
        if (r == -ECANCELED && stop_requested(c)) {
            r = stopped(c, "while waiting for OVSDB");
        } else if (r < 0) {
            fail(c, r, "OVSDB transaction: %s", res.error_text[0] ? res.error_text : strerror(-r));
        } else if (res.stopped && stop_requested(c)) {
            /* Committed: the next run finds it done, and reads the ports. */
            r = stopped(c, "while waiting for ovs-vswitchd to apply the committed OVSDB transaction");
        } else {
            /* An interface OVS could not open is a failure: say which and why. */
            for (size_t i = 0; i < n && r == 0; i++)
                if (ops[i].kind == OO_OVS_OP_ADD_PORT && res.ops[i].iface_error[0])
                    r = fail(c, -EIO, "port %s: ovs-vswitchd: %s%s%s", ops[i].port, res.ops[i].iface_error,
                             res.ops[i].orphan ? "; " : "", res.ops[i].orphan < 0 ? res.ops[i].message :
                             res.ops[i].orphan ? "its orphaned datapath port was deleted, and ovs-vswitchd had "
                             "not added it again in time: run apply again" : "");
            /* Committed, but not applied: the ports are not there yet. */
            if (r == 0 && res.wait_timed_out)
                r = fail(c, -ETIMEDOUT, "the transaction is committed (next_cfg %" PRId64 "), but "
                         "ovs-vswitchd did not apply it within %d ms (cur_cfg %" PRId64 ")%s: "
                         "check that it runs and answers (ovs-appctl version), then run apply again",
                         res.next_cfg, ovs_txn_ms(c), res.cur_cfg,
                         res.vswitchd_running == 0 ? "; it was not running" : "");
            size_t len = strlen(c->info);   /* what await_udev_names said */
            snprintf(c->info + len, sizeof c->info - len, "one transaction, %" PRId64 " ms%s", res.total_ms,
                     res.wait_timed_out ? "; ovs-vswitchd did not catch up in time" :
                     res.waited ? ", ovs-vswitchd caught up" : "");
            len = strlen(c->info);
            if (res.orphans_removed)
                snprintf(c->info + len, sizeof c->info - len, "; %zu orphaned datapath port%s of renamed "
                         "netdevs removed", res.orphans_removed, res.orphans_removed == 1 ? "" : "s");
        }
        oo_ovs_apply_result_free(&res);
    }
    free(names);
    free(ops);
    return r;
}

/* Link-up steps of representors (named by VF): their netdevs from one
 * devlink dump, set up once udev has named them, since a netdev that is up
 * cannot be renamed (the kernel says EBUSY, and udev's rename fails for
 * good). One udev has not handled when the wait ends (waits.udev_s) while
 * its queue is still busy is left down, and said: the read-back plan still
 * has its step, and the next run sets it up. With udev idle (it will not
 * name it) or waits.udev_s 0, it is set up as it is. */
static int apply_new_links_up(struct actx *c, const struct oo_step *steps, size_t n)
{
    char (*names)[IF_NAMESIZE] = oo_calloc(n, sizeof *names);
    uint32_t *ifindex = oo_calloc(n, sizeof *ifindex);
    struct oo_dl_port *ports = NULL;
    size_t n_ports = 0;
    int r = oo_dl_dump_ports(&c->dl, &ports, &n_ports);

    if (r < 0)
        r = fail(c, r, "devlink port dump: %s", strerror(-r));
    for (size_t i = 0; i < n && r == 0; i++) {
        const struct oo_obs_pf *p = step_pf(c, &steps[i]);

        for (size_t k = 0; p && k < n_ports && !ifindex[i]; k++)
            if (is_rep_of(&ports[k], &p->handle, steps[i].vf)) {
                oo_strlcpy(names[i], ports[k].netdev, IF_NAMESIZE);
                ifindex[i] = ports[k].ifindex;
            }
        if (!ifindex[i])
            r = fail(c, -ENODEV, "no representor for VF %" PRId64 " (%s)", steps[i].vf, steps[i].object);
    }
    free(ports);
    if (r == 0 && udev_awaited(c) && udev_left_ms(c) > 0)
        await_udev_names(c, steps, n, names, "");
    if (r == 0 && stop_requested(c))
        r = stopped(c, "while waiting for udev to name the representors");
    size_t left = 0, set = 0, ipv6_off = 0;
    char ipv6_failed[IF_NAMESIZE] = "";
    int ipv6_err = 0;
    /* Left down only while udev still has events to handle: one it has
     * dropped, or never got, would keep the step from ever converging. */
    const bool udev = udev_awaited(c) && udev_busy(c->opts->root);

    for (size_t i = 0; i < n && r == 0; i++) {
        if (udev && !udev_named(c->opts->root, ifindex[i])) {
            left++;
            continue;
        }
        /* Before it is up: no link-local address is made, nothing sent. A
         * failure does not keep it down (its VF's carrier matters more) nor
         * fail the step (the rules after it matter more): the line says so,
         * the host is not in sync, and the next plan has its ipv6-off. */
        if (steps[i].opt == 1) {
            int e = oo_link_set_ipv6(c->opts->root, names[i], false);

            if (e < 0 && !ipv6_err) {
                ipv6_err = e;
                oo_strlcpy(ipv6_failed, names[i], sizeof ipv6_failed);
            }
            ipv6_off += e == 0;
        }
        r = oo_link_set_up(&c->rt, ifindex[i], true);
        if (r < 0)
            r = kfail(c, r, &c->rt, "ip link set up");
        set++;
    }
    if (r == 0) {
        size_t len = strlen(c->info);   /* what await_udev_names said */

        if (set)
            snprintf(c->info + len, sizeof c->info - len, "%zu representor%s up%s%s", set,
                     set == 1 ? "" : "s", !ipv6_off ? "" : ", IPv6 off",
                     left ? "; " : "");
        len = strlen(c->info);
        if (left)
            snprintf(c->info + len, sizeof c->info - len, "%zu left down until udev has named them "
                     "(up, a netdev cannot be renamed): run apply again once udev is done "
                     "(ovs-offloadd does it by itself)", left);
        len = strlen(c->info);
        if (ipv6_err)
            snprintf(c->info + len, sizeof c->info - len, "%sIPv6 still on for %s (net.ipv6.conf.%s."
                     "disable_ipv6: %s)", len ? "; " : "", ipv6_failed, ipv6_failed, strerror(-ipv6_err));
    }
    free(ifindex);
    free(names);
    return r;
}

/* Whether o (OVSDB reachable, after our next_cfg increment `bumped`) is the
 * state awaited; says what it is in seen either way. */
typedef bool ovs_state_fn(const struct oo_ovs_observed *o, int64_t bumped, void *arg, char *seen,
                          size_t seen_size);

/* Increments next_cfg once, then reads OVSDB and ovs-vswitchd back every
 * 100 ms until ready() says so. The cur_cfg stored is the one of the last
 * process that reconfigured: a next_cfg of ours, caught up with, says the
 * process running now read the database. Returns 0; -ETIMEDOUT at the
 * deadline, with what was seen last in seen; or stopped()'s, saying
 * `waiting`. */
static int await_ovs_state(struct actx *c, int64_t deadline, ovs_state_fn *ready, void *arg,
                           const char *waiting, char *seen, size_t seen_size)
{
    int timeout_ms = c->opts->ovsdb_timeout_ms;
    char bump_err[300] = "";
    int64_t bumped = 0;

    snprintf(seen, seen_size, "OVSDB not read");
    for (;;) {
        int64_t left = deadline - oo_now_ms();
        int wait_ms = left < 100 ? 100 : left < timeout_ms ? (int)left : timeout_ms;
        struct oo_ovs_observed o;
        bool up = false;

        if (!bumped && oo_ovsdb_bump_next_cfg(c->opts->ovs_remote, wait_ms, &bumped, bump_err,
                                              sizeof bump_err) < 0)
            bumped = 0;
        memset(&o, 0, sizeof o);
        oo_ovsdb_observe(c->opts->ovs_remote, wait_ms, &o);
        if (!bumped)
            snprintf(seen, seen_size, "OVSDB: next_cfg not incremented: %.250s", bump_err);
        else if (!o.reachable)
            snprintf(seen, seen_size, "OVSDB: %.250s", o.error);
        else
            up = ready(&o, bumped, arg, seen, seen_size);
        oo_ovs_observed_free(&o);
        if (up)
            return 0;
        if (oo_now_ms() >= deadline)
            return -ETIMEDOUT;
        if (stop_requested(c))
            return stopped(c, waiting);
        oo_sleep_ms(100);
    }
}

struct restarted {
    int64_t old_pid;
    int64_t new_pid;                /* out: the pid that answered last */
};

/* A restart command that returns early shows the old process's cur_cfg,
 * or no answer. Whether the restart took is known from the record
 * (ovs.restart_needed 0), or else (its start time unknown: another pid
 * namespace) from a new pid. */
static bool vswitchd_restarted(const struct oo_ovs_observed *o, int64_t bumped, void *arg, char *seen,
                               size_t seen_size)
{
    struct restarted *r = arg;

    r->new_pid = o->vswitchd_pid;
    snprintf(seen, seen_size, "pid %" PRId64 " (%" PRId64 " before), running %d (%.160s), "
             "cur_cfg %" PRId64 " of next_cfg %" PRId64 " (%" PRId64 " after the restart), "
             "restart needed %d (%.200s)", o->vswitchd_pid, r->old_pid, o->vswitchd_running,
             o->vswitchd_why, o->cur_cfg, o->next_cfg, bumped, o->restart_needed, o->restart_why);
    return o->vswitchd_running == 1 && o->cur_cfg >= o->next_cfg && o->cur_cfg >= bumped &&
           (o->restart_needed == 0 ||
            (o->restart_needed < 0 && o->vswitchd_pid > 0 && o->vswitchd_pid != r->old_pid));
}

/* After ovs.restart_command: an ovs-vswitchd that answers, has applied the
 * database (cur_cfg), and runs with the stored hw-offload and tc-policy. A
 * command that returns before (or restarts something else) would have the
 * tc step write rules that the new process's ports then flush. */
static int await_vswitchd(struct actx *c, int64_t old_pid, int64_t deadline, int64_t *new_pid)
{
    struct restarted r = { .old_pid = old_pid };
    char seen[600];
    int err = await_ovs_state(c, deadline, vswitchd_restarted, &r,
                              "while waiting for ovs-vswitchd after its restart", seen, sizeof seen);

    *new_pid = r.new_pid;
    if (err == -ETIMEDOUT)
        return fail(c, -ETIMEDOUT, "ovs.restart_command succeeded, but no ovs-vswitchd running "
                    "with the stored settings answered within waits.timeout_s (%s): check that "
                    "the command restarts ovs-vswitchd on this host", seen);
    return err;
}

/* OVS 3.1 counts the CPUs, and so starts upcall threads, only once its
 * clock (CLOCK_MONOTONIC, as oo_now_ms()) has passed 10 s (plan.c,
 * plan_upcall_threads): a margin on top. */
#define OVS_COUNTS_CPUS_MS 10500

/* Caught up with next_cfg, and upcall threads for every datapath; *arg
 * gets their revalidators. */
static bool upcall_threads_up(const struct oo_ovs_observed *o, int64_t bumped, void *arg, char *seen,
                              size_t seen_size)
{
    int *threads = arg;
    char left[160];

    *threads = 0;
    for (size_t i = 0; i < o->n_datapaths; i++)
        *threads += o->datapaths[i].revalidators > 0 ? o->datapaths[i].revalidators : 0;
    if (o->vswitchd_running != 1) {
        snprintf(seen, seen_size, "ovs-vswitchd not running (%.250s)", o->vswitchd_why);
        return false;
    }
    if (o->cur_cfg < bumped) {
        snprintf(seen, seen_size, "it has not reconfigured: cur_cfg %" PRId64 " of %" PRId64, o->cur_cfg,
                 bumped);
        return false;
    }
    if (oo_ovs_without_upcall_threads(o, left, sizeof left)) {
        snprintf(seen, seen_size, "it reconfigured (cur_cfg %" PRId64 ") and still runs no upcall "
                 "thread for %.160s", o->cur_cfg, left);
        return false;
    }
    return true;
}

/* ovs-vswitchd without upcall threads: once OVS counts CPUs, an increment
 * of next_cfg alone has it reconfigure, which starts them; then it is read
 * back until it has caught up (cur_cfg) and upcall/show lists them. */
static int apply_ovs_reconfigure(struct actx *c)
{
    int64_t t0 = oo_now_ms(), t1, deadline = t0 + ms_of(c->cfg->waits.timeout_s);
    char seen[400], waited[96] = "";
    int threads = 0, r;

    while (oo_now_ms() < OVS_COUNTS_CPUS_MS) {
        if (stop_requested(c))
            return stopped(c, "while waiting for OVS to count the CPUs (10 s after boot)");
        oo_sleep_ms(100);
    }
    t1 = oo_now_ms();
    if (t1 - t0 >= 100)
        snprintf(waited, sizeof waited, "waited %.1f s for 10 s of uptime (OVS counts no CPU before), then ",
                 (double)(t1 - t0) / 1000);
    r = await_ovs_state(c, deadline, upcall_threads_up, &threads,
                        "while waiting for ovs-vswitchd to reconfigure", seen, sizeof seen);
    if (r == -ETIMEDOUT)
        return fail(c, -ETIMEDOUT, "ovs-vswitchd still without upcall threads after waits.timeout_s "
                    "(%s): restart it (systemctl restart openvswitch-switch)", seen);
    if (r == 0)
        snprintf(c->info, sizeof c->info, "%sreconfigured in %.1f s: %d revalidator thread%s now",
                 waited, (double)(oo_now_ms() - t1) / 1000, threads, threads == 1 ? "" : "s");
    return r;
}

/* An apply of no ops writes the record when it is missing or stale. */
static int apply_ovs_record(struct actx *c)
{
    struct oo_ovs_apply_result rec;
    int r = oo_ovsdb_apply(c->opts->ovs_remote, NULL, 0, ovs_txn_ms(c), &rec);

    if (r == -ECANCELED && stop_requested(c))
        r = stopped(c, "while waiting for OVSDB");
    else if (r < 0)
        fail(c, r, "writing the offload record: %s", rec.error_text[0] ? rec.error_text : strerror(-r));
    oo_ovs_apply_result_free(&rec);
    return r;
}

static int apply_ovs_restart(struct actx *c, const struct oo_step *s)
{
    const struct oo_cfg_ovs *o = &c->cfg->ovs;
    const char **argv = oo_calloc(o->n_restart_command + 1, sizeof *argv);
    int timeout_ms = (int)ms_of(c->cfg->waits.timeout_s);
    struct oo_ovs_apply_result rec;
    int64_t deadline, old_pid, new_pid = 0;
    char err[400];
    int r;

    /* Record what the new ovs-vswitchd is started with (an apply of no ops
     * writes the record): what lets the next run know no restart is due. */
    r = oo_ovsdb_apply(c->opts->ovs_remote, NULL, 0, ovs_txn_ms(c), &rec);
    if (r < 0 && !stop_requested(c)) {
        /* A restart for a doubt (what it read not known) settles nothing
         * without the record: the next pass would restart it again. */
        if (s->opt == OO_RESTART_SETTLE) {
            r = fail(c, r, "the offload record could not be written before the restart (%s): without "
                     "it the restarted ovs-vswitchd would be as unknown as this one", rec.error_text);
            oo_ovs_apply_result_free(&rec);
            free(argv);
            return r;
        }
        oo_warn("the offload record was not written before the restart (%s): the next run may not "
                "know whether the restarted ovs-vswitchd runs with the stored settings", rec.error_text);
    }
    oo_ovs_apply_result_free(&rec);
    /* Not started on the way out: a restart is not cut short once begun. */
    if (stop_requested(c)) {
        free(argv);
        return stopped(c, "before ovs.restart_command ran");
    }
    for (size_t i = 0; i < o->n_restart_command; i++)
        argv[i] = o->restart_command[i];
    deadline = oo_now_ms() + timeout_ms;
    r = oo_ovs_restart(argv, timeout_ms, err, sizeof err);
    free(argv);
    if (r == -ECANCELED && stop_requested(c))
        return stopped(c, "while ovs.restart_command ran (left to finish)");
    if (r < 0)
        return fail(c, r, "restarting ovs-vswitchd (ovs.restart_command): %s", err);
    /* The pid to see replaced where the record cannot tell: the one the
     * plan saw (the steps before change no process). */
    old_pid = c->obs->ovs.vswitchd_pid;
    r = await_vswitchd(c, old_pid, deadline, &new_pid);
    if (r == 0) {
        /* What ran, and what it did: the progress line (the daemon's log)
         * is where an operator looks for a restart's cause. */
        size_t len = (size_t)snprintf(c->info, sizeof c->info, "ran:");

        for (size_t i = 0; i < o->n_restart_command && len < sizeof c->info; i++)
            len += (size_t)snprintf(c->info + len, sizeof c->info - len, " %s", o->restart_command[i]);
        if (len < sizeof c->info && old_pid > 0)
            snprintf(c->info + len, sizeof c->info - len, "; ovs-vswitchd pid %" PRId64 " -> %" PRId64,
                     old_pid, new_pid);
        else if (len < sizeof c->info)
            snprintf(c->info + len, sizeof c->info - len, "; ovs-vswitchd pid %" PRId64, new_pid);
    }
    return r;
}
