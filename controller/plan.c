/* The planner. Reads a validated config and an observation, writes steps.
 *
 * The hardware's orders (docs: README "Planning"):
 *  - OVS ports are removed first; a PF's uplink leaves OVS before its eswitch
 *    mode changes, and representors leave before they are re-created;
 *  - bonds release members before a mode change, and before a member PF's
 *    eswitch changes; the admin's bond (host.conf) keeps its members, whose
 *    eswitch and VF count change in place (the driver re-forms the LAG);
 *  - per PF: VFs unbound (PCI) -> eswitch legacy -> devlink params (only while
 *    legacy) -> sriov_numvfs through 0 -> wait for the VFs -> VFs unbound ->
 *    eswitch switchdev -> hw-tc-offload -> esw_multiport (after switchdev) ->
 *    per-VF settings -> VFs bound again;
 *  - VF-LAG: members down -> enslave -> bond up -> members up -> wait for the
 *    LAG -> only then bind the members' VFs (binding earlier leaves VF-LAG off);
 *  - OVS next, as one transaction: other_config keys together, bridges, ports;
 *    then the ovs-vswitchd restart that hw-offload and tc-policy need;
 *  - then the bridges' and MPV pairs' uplinks and representors up (a new
 *    representor is down, and a VF's link follows its representor's);
 *  - tc rules last, into the qdiscs and blocks OVS made.
 * A VF count or an eswitch mode on a switchdev PF changes through legacy.
 */
#include "controller/plan.h"

#include <errno.h>
#include <inttypes.h>
#include <linux/devlink.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "common/json.h"
#include "common/util.h"
#include "controller/tcplan.h"
#include "ovsdb/offload-state.h"
#include "tc/io.h"
#include "tc/reconcile.h"

/* ------------------------------------------------------------ names */

static const char *const step_names[OO_STEP_KIND_MAX] = {
    [OO_STEP_OVS_DEL_PORT] = "ovs-del-port",
    [OO_STEP_BOND_RELEASE] = "bond-release",
    [OO_STEP_BOND_DELETE] = "bond-delete",
    [OO_STEP_VF_UNBIND] = "vf-unbind",
    [OO_STEP_ESWITCH_MODE] = "eswitch-mode",
    [OO_STEP_DEVLINK_PARAM] = "devlink-param",
    [OO_STEP_NUM_VFS] = "num-vfs",
    [OO_STEP_WAIT_VFS] = "wait-vfs",
    [OO_STEP_HW_TC_OFFLOAD] = "hw-tc-offload",
    [OO_STEP_MULTIPORT] = "multiport",
    [OO_STEP_VF_MAC] = "vf-mac",
    [OO_STEP_VF_VLAN] = "vf-vlan",
    [OO_STEP_VF_TRUST] = "vf-trust",
    [OO_STEP_VF_SPOOFCHK] = "vf-spoofchk",
    [OO_STEP_VF_LINK_STATE] = "vf-link-state",
    [OO_STEP_VF_RATE] = "vf-rate",
    [OO_STEP_VF_DEVLINK_RATE] = "vf-devlink-rate",
    [OO_STEP_VF_MIGRATABLE] = "vf-migratable",
    [OO_STEP_BOND_MARK] = "bond-mark",
    [OO_STEP_BOND_CREATE] = "bond-create",
    [OO_STEP_BOND_SET] = "bond-set",
    [OO_STEP_LINK_DOWN] = "link-down",
    [OO_STEP_BOND_ENSLAVE] = "bond-enslave",
    [OO_STEP_LINK_IPV6_OFF] = "ipv6-off",
    [OO_STEP_LINK_UP] = "link-up",
    [OO_STEP_WAIT_LAG] = "wait-lag",
    [OO_STEP_VF_BIND] = "vf-bind",
    [OO_STEP_OVS_ADD_BRIDGE] = "ovs-add-bridge",
    [OO_STEP_OVS_ADD_PORT] = "ovs-add-port",
    [OO_STEP_OVS_SET_CONFIG] = "ovs-set-config",
    [OO_STEP_OVS_RECORD] = "ovs-record",
    [OO_STEP_OVS_RESTART] = "ovs-restart",
    [OO_STEP_OVS_RECONFIGURE] = "ovs-reconfigure",
    [OO_STEP_TC_SYNC] = "tc-sync",
};

bool oo_step_kind_is_ovsdb_change(int kind)
{
    return kind == OO_STEP_OVS_DEL_PORT || kind == OO_STEP_OVS_ADD_BRIDGE || kind == OO_STEP_OVS_ADD_PORT ||
           kind == OO_STEP_OVS_SET_CONFIG;
}

const char *oo_step_kind_to_string(int kind)
{
    return oo_enum_name(step_names, OO_STEP_KIND_MAX, kind);
}

int oo_step_kind_from_string(const char *s)
{
    return oo_enum_value(step_names, OO_STEP_KIND_MAX, s);
}

static const char *const bond_opt_names[] = {
    [OO_BOND_OPT_MODE] = "mode", [OO_BOND_OPT_MIIMON] = "miimon",
    [OO_BOND_OPT_XMIT_HASH] = "xmit_hash_policy", [OO_BOND_OPT_LACP_RATE] = "lacp_rate",
    [OO_BOND_OPT_PRIMARY] = "primary",
};

/* ------------------------------------------------------------ plan building */


static struct oo_step *add_step(struct oo_plan *plan, int kind, int pf, int obs_pf)
{
    struct oo_step *s;

    plan->steps = oo_realloc(plan->steps, (plan->n_steps + 1) * sizeof *plan->steps);
    s = &plan->steps[plan->n_steps++];
    memset(s, 0, sizeof *s);
    s->kind = kind;
    s->pf = pf;
    s->obs_pf = obs_pf;
    s->vf = -1;
    return s;
}

static void add_issue(struct oo_plan_issue **v, size_t *n, const char *object, const char *fmt, va_list ap)
{
    struct oo_plan_issue *is;

    *v = oo_realloc(*v, (*n + 1) * sizeof **v);
    is = &(*v)[(*n)++];
    oo_strlcpy(is->object, object, sizeof is->object);
    vsnprintf(is->message, sizeof is->message, fmt, ap);
}

static void plan_error(struct oo_plan *plan, const char *object, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void plan_error(struct oo_plan *plan, const char *object, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    add_issue(&plan->errors, &plan->n_errors, object, fmt, ap);
    va_end(ap);
}

static void plan_note(struct oo_plan *plan, const char *object, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void plan_note(struct oo_plan *plan, const char *object, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    add_issue(&plan->notes, &plan->n_notes, object, fmt, ap);
    va_end(ap);
}

#define SETF(field, ...) snprintf(field, sizeof field, __VA_ARGS__)

void oo_plan_free(struct oo_plan *plan)
{
    if (!plan)
        return;
    free(plan->steps);
    free(plan->errors);
    free(plan->notes);
    memset(plan, 0, sizeof *plan);
}

/* A devlink param value the plan wants (name and written owned by the
 * config). */
struct want_param {
    const char *name;
    const char *written;            /* as the config writes it: "0x10000", "True" */
    char value[64];                 /* as devlink shows it ("65536", "true"), once
                                     * the param's type is known; else written */
    bool bad;                       /* not a value of the param's type (a plan error) */
};

/* A PF the plan manages: from the config, or (host.conf mode) a member of an
 * admin's bond found on the host. */
struct dpf {
    const struct oo_cfg_pf *cfg;    /* NULL for a host-derived PF */
    int cfg_index;                  /* index in cfg->pfs, -1 if host-derived */
    int opf;                        /* index in obs->pfs, -1 if absent */
    char label[64];                 /* "pf0", or the netdev for host-derived */
    int mode;                       /* target eswitch mode */
    int64_t num_vfs;                /* target VF count */
    int bond;                       /* index in cfg->bonds, -1 */
    bool window;                    /* passes through legacy in this plan */
    bool reps_recreated;            /* its representors are re-created */
    bool mode_changes;              /* its eswitch mode changes at some point of the plan */
    bool unbinds;                   /* its VFs are unbound in this plan */
    bool bound_deferred;            /* VF binding waits for the LAG */
    bool bind_after_multiport;      /* ... or for esw_multiport, set once every
                                     * PF of the NIC is in switchdev */
    size_t n_params;                /* devlink params to set while legacy */
    struct want_param *params;
    const struct oo_dl_port **reps; /* reps[vf]: its representor port, or NULL */
    size_t n_reps;                  /* (an index: the planner asks per VF, per port) */
};

struct ctx {
    const struct oo_config *cfg;
    const struct oo_observed *obs;
    const struct oo_plan_opts *opts;
    struct oo_plan *plan;
    struct dpf *pfs;
    size_t n_pfs;
    bool *bond_touched;             /* per cfg bond: members (re)enslaved in this plan */
    struct oo_link_index links;     /* obs->links by name */
    bool vswitchd_to_flush;         /* ovs-vswitchd is not running, and starts with its
                                     * flow API on: it replaces its ports' ingress qdiscs */
    bool hw_offload_after;          /* OVSDB's hw-offload is true once the plan ran */
};

static const struct oo_obs_pf *opf_of(const struct ctx *c, const struct dpf *d)
{
    return d->opf >= 0 ? &c->obs->pfs[d->opf] : NULL;
}

static const struct oo_link *link_by_index(const struct ctx *c, uint32_t ifindex)
{
    return oo_link_by_index(c->obs->links, c->obs->n_links, ifindex);
}

static const struct oo_link *link_by_name(const struct ctx *c, const char *name)
{
    return oo_link_index_find(&c->links, name);
}

/* The representor port of VF vf of d, NULL if none (the first in port order). */
static const struct oo_dl_port *rep_port(const struct dpf *d, int64_t vf)
{
    return vf >= 0 && (uint64_t)vf < d->n_reps ? d->reps[vf] : NULL;
}

static void index_reps(const struct ctx *c, struct dpf *d)
{
    const struct oo_obs_pf *o = opf_of(c, d);
    size_t n = 0;

    for (size_t i = 0; o && i < o->n_ports; i++)
        if (oo_port_is_vf_rep(&o->ports[i]) && o->ports[i].vfnum >= 0 && (size_t)o->ports[i].vfnum >= n)
            n = (size_t)o->ports[i].vfnum + 1;
    d->reps = n ? oo_calloc(n, sizeof *d->reps) : NULL;
    d->n_reps = n;
    for (size_t i = 0; o && i < o->n_ports; i++)
        if (oo_port_is_vf_rep(&o->ports[i]) && o->ports[i].vfnum >= 0 && !d->reps[o->ports[i].vfnum])
            d->reps[o->ports[i].vfnum] = &o->ports[i];
}

static const char *uplink_netdev(const struct oo_obs_pf *o)
{
    const struct oo_dl_port *up = o ? oo_obs_pf_uplink(o) : NULL;

    return up && up->netdev[0] ? up->netdev : NULL;
}

static const struct oo_link *uplink_link(const struct ctx *c, const struct oo_obs_pf *o)
{
    const struct oo_dl_port *up = o ? oo_obs_pf_uplink(o) : NULL;

    return up && up->ifindex ? link_by_index(c, up->ifindex) : NULL;
}

static const struct oo_dl_param *find_param(const struct oo_obs_pf *o, const char *name)
{
    for (size_t i = 0; o && i < o->n_params; i++)
        if (!strcmp(o->params[i].name, name))
            return &o->params[i];
    return NULL;
}

static const char *param_runtime(const struct oo_dl_param *p)
{
    return p && p->values[DEVLINK_PARAM_CMODE_RUNTIME].present
               ? p->values[DEVLINK_PARAM_CMODE_RUNTIME].value : NULL;
}

/* w's value as devlink shows one of cur's type. A value that is none of the
 * type is a plan error (found before anything is touched, not when the step
 * would send it half-way through the legacy window): returns true. */
static bool param_canonical(struct ctx *c, const struct dpf *d, const struct oo_dl_param *cur,
                            struct want_param *w)
{
    const char *type = oo_dl_param_type_to_string(cur->type);
    int r = oo_dl_param_value_canonical(cur->type, w->written, w->value, sizeof w->value);

    if (r == -EOPNOTSUPP) {     /* a type we do not know: the kernel judges the text */
        oo_strlcpy(w->value, w->written, sizeof w->value);
        return false;
    }
    if (!r)
        return false;
    w->bad = true;
    if (r == -ERANGE)
        plan_error(c->plan, d->label, "devlink param '%s' is a %s: %s is out of its range",
                   w->name, type, w->written);
    else if (r == -EMSGSIZE)
        plan_error(c->plan, d->label, "devlink param '%s': the value is longer than %zu bytes",
                   w->name, sizeof w->value - 1);
    else if (cur->type == OO_DL_PARAM_TYPE_BOOL)
        plan_error(c->plan, d->label, "devlink param '%s' is a bool: '%s' is neither true nor false",
                   w->name, w->written);
    else
        plan_error(c->plan, d->label, "devlink param '%s' is a %s: '%s' is not a number "
                   "(decimal, or hex with 0x)", w->name, type, w->written);
    return true;
}

/* Whether a config rule on d's uplink must be in hardware (skip: sw, or
 * ovs.tc_policy skip_sw): the kernel refuses one while hw-tc-offload is off,
 * in legacy as in switchdev. */
static bool skip_sw_rule_on_uplink(const struct ctx *c, const struct dpf *d)
{
    for (size_t i = 0; d->cfg_index >= 0 && i < c->cfg->n_rules; i++) {
        const struct oo_cfg_rule *r = &c->cfg->rules[i];

        if (r->dev.kind == OO_CFG_REF_PF && r->dev.index == d->cfg_index &&
            oo_cfg_rule_skip(c->cfg, r) == OO_CFG_SKIP_SW)
            return true;
    }
    return false;
}

static const struct oo_dl_rate *rate_leaf(const struct oo_obs_pf *o, uint32_t port_index)
{
    for (size_t i = 0; o && i < o->n_rates; i++)
        if (o->rates[i].type == DEVLINK_RATE_TYPE_LEAF && o->rates[i].port_index == port_index)
            return &o->rates[i];
    return NULL;
}

static const struct oo_link_vf *obs_vf(const struct ctx *c, const struct oo_obs_pf *o, uint32_t id)
{
    const struct oo_link *l = uplink_link(c, o);

    for (size_t i = 0; l && i < l->n_vfs; i++)
        if (l->vfs[i].id == id)
            return &l->vfs[i];
    return NULL;
}

/* VFs are devices a driver binds on PCI; on other buses (netdevsim) they are not. */
static bool vfs_are_devices(const struct oo_obs_pf *o)
{
    return o && !strcmp(o->handle.bus, "pci");
}

/* VFs an earlier apply unbound and did not bind again (it was stopped). */
static size_t vfs_left_unbound(const struct oo_obs_pf *o)
{
    size_t n = 0;

    for (size_t i = 0; i < o->n_vfdevs; i++)
        n += !o->vfdevs[i].driver[0] && o->vfdevs[i].unbound_from[0];
    return n;
}

static const char *mode_str(int mode)
{
    const char *s = oo_eswitch_mode_to_string(mode);
    return s ? s : "unknown";
}

static void fmt_mac(char *buf, size_t size, const uint8_t *m)
{
    snprintf(buf, size, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

/* ------------------------------------------------------------ PF mapping */

void oo_plan_map_pfs(const struct oo_config *cfg, const struct oo_observed *obs, int *map)
{
    for (size_t i = 0; i < cfg->n_pfs; i++) {
        const struct oo_cfg_pf *p = &cfg->pfs[i];

        map[i] = -1;
        for (size_t k = 0; k < obs->n_pfs; k++) {
            const char *up = uplink_netdev(&obs->pfs[k]);

            if ((p->has_device && oo_dl_handle_equal(&p->device, &obs->pfs[k].handle)) ||
                (!p->has_device && p->netdev && up && !strcmp(p->netdev, up))) {
                map[i] = (int)k;
                break;
            }
        }
    }
}

static int find_dpf_by_obs(const struct ctx *c, int opf)
{
    for (size_t i = 0; i < c->n_pfs; i++)
        if (c->pfs[i].opf == opf)
            return (int)i;
    return -1;
}

/* The observed PF whose uplink netdev is ifindex, or -1. */
static int obs_pf_by_uplink(const struct oo_observed *obs, uint32_t ifindex)
{
    for (size_t k = 0; k < obs->n_pfs; k++) {
        const struct oo_dl_port *up = oo_obs_pf_uplink(&obs->pfs[k]);
        if (up && up->ifindex == ifindex)
            return (int)k;
    }
    return -1;
}

/* Appends to the string in buf, truncating at size. */
static void text_add(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void text_add(char *buf, size_t size, const char *fmt, ...)
{
    size_t len = strlen(buf);
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf + len, size - len, fmt, ap);
    va_end(ap);
}

/* "bond0 holds eth4 eth5" for each bond host.conf offloads. */
static void host_bond_members_text(const struct ctx *c, char *buf, size_t size)
{
    buf[0] = '\0';
    for (size_t b = 0; b < c->cfg->n_bonds; b++) {
        const struct oo_link *bl = link_by_name(c, c->cfg->bonds[b].name);
        size_t n = 0;

        if (!c->cfg->bonds[b].members_from_host || !bl)
            continue;
        text_add(buf, size, "%s%s holds", buf[0] ? "; " : "", bl->name);
        for (size_t l = 0; l < c->obs->n_links; l++)
            if (c->obs->links[l].master == bl->ifindex && ++n)
                text_add(buf, size, " %s", c->obs->links[l].name);
        if (!n)
            text_add(buf, size, " nothing");
    }
    if (!buf[0])
        snprintf(buf, size, "none of them is on this host");
}

static void build_dpfs(struct ctx *c)
{
    const struct oo_config *cfg = c->cfg;
    int *map = oo_calloc(cfg->n_pfs ? cfg->n_pfs : 1, sizeof *map);

    oo_plan_map_pfs(cfg, c->obs, map);
    c->pfs = oo_calloc(cfg->n_pfs + c->obs->n_pfs + 1, sizeof *c->pfs);
    for (size_t i = 0; i < cfg->n_pfs; i++) {
        const struct oo_cfg_pf *p = &cfg->pfs[i];
        struct dpf *d = &c->pfs[c->n_pfs];
        char h[128];

        if (map[i] < 0) {
            if (p->has_device)
                oo_dl_handle_format(&p->device, h, sizeof h);
            plan_error(c->plan, p->name, "no devlink device %s%s on this host: check the %s, "
                       "the driver and the firmware (ovs-offloadctl status lists the devices)",
                       p->has_device ? "" : "with uplink netdev ",
                       p->has_device ? h : p->netdev, p->has_device ? "device" : "netdev");
            continue;
        }
        /* One by device, the other by uplink netdev: validation cannot see
         * they are the same, and two plans for one PF would fight for ever. */
        size_t same = 0;

        while (same < i && map[same] != map[i])
            same++;
        if (same < i) {
            const char *up = uplink_netdev(&c->obs->pfs[map[i]]);

            oo_dl_handle_format(&c->obs->pfs[map[i]].handle, h, sizeof h);
            plan_error(c->plan, p->name, "the same device as %s (%s%s%s): write one pf entry "
                       "per device", cfg->pfs[same].name, h, up ? ", uplink " : "", up ? up : "");
            continue;
        }
        *d = (struct dpf){ .cfg = p, .cfg_index = (int)i, .opf = map[i], .bond = -1 };
        oo_strlcpy(d->label, p->name, sizeof d->label);
        /* The config's params (set while legacy). No param is implied:
         * upstream mlx5 has no lag_port_select_mode (MLNX_OFED's is a sysfs
         * file), and 6.1 turns the multiport eswitch on by itself. */
        d->params = oo_calloc(p->n_params + 1, sizeof *d->params);
        for (size_t k = 0; k < p->n_params; k++) {
            struct want_param *w = &d->params[d->n_params++];

            w->name = p->params[k].name;
            w->written = p->params[k].value;
            oo_strlcpy(w->value, w->written, sizeof w->value);
        }
        c->n_pfs++;
    }
    /* host.conf mode: the members of an admin's bond are PFs too. */
    for (size_t b = 0; b < cfg->n_bonds; b++) {
        const struct oo_link *bl;

        if (!cfg->bonds[b].members_from_host)
            continue;
        bl = link_by_name(c, cfg->bonds[b].name);
        if (!bl || strcmp(bl->kind, "bond")) {
            plan_error(c->plan, cfg->bonds[b].name, "bond %s does not exist: host.conf names it in "
                       "ovs_offload_nics, and its members must be made by the admin",
                       cfg->bonds[b].name);
            continue;
        }
        for (size_t l = 0; l < c->obs->n_links; l++) {
            const struct oo_link *m = &c->obs->links[l];
            int opf;

            if (m->master != bl->ifindex)
                continue;
            opf = obs_pf_by_uplink(c->obs, m->ifindex);
            if (opf < 0) {
                plan_error(c->plan, cfg->bonds[b].name, "member %s of bond %s is not the uplink "
                           "of a devlink device, so it cannot be offloaded", m->name, bl->name);
                continue;
            }
            int have = find_dpf_by_obs(c, opf);

            if (have >= 0) {
                /* A member the YAML gives settings to (hostconf:). */
                if (c->pfs[have].cfg && c->pfs[have].cfg->host_bond_member)
                    c->pfs[have].bond = (int)b;
                continue;
            }
            struct dpf *d = &c->pfs[c->n_pfs++];
            *d = (struct dpf){ .cfg = NULL, .cfg_index = -1, .opf = opf, .bond = (int)b,
                               .mode = OO_ESWITCH_SWITCHDEV };
            oo_strlcpy(d->label, m->name, sizeof d->label);
        }
    }
    for (size_t b = 0; b < cfg->n_bonds; b++)
        for (size_t m = 0; m < cfg->bonds[b].n_members; m++)
            for (size_t i = 0; i < c->n_pfs; i++)
                if (c->pfs[i].cfg_index == cfg->bonds[b].members[m].index)
                    c->pfs[i].bond = (int)b;
    for (size_t i = 0; i < c->n_pfs; i++)
        index_reps(c, &c->pfs[i]);
    free(map);
    /* Settings for a member no bond of host.conf holds: an error, and
     * nothing planned for the PF. */
    for (size_t i = 0; i < c->n_pfs;) {
        struct dpf *d = &c->pfs[i];
        char held[256];

        if (!d->cfg || !d->cfg->host_bond_member || d->bond >= 0) {
            i++;
            continue;
        }
        host_bond_members_text(c, held, sizeof held);
        plan_error(c->plan, d->label, "pfs gives it settings as a member of a bond host.conf offloads, "
                   "and no such bond holds it: %s", held);
        free(d->params);
        free(d->reps);
        memmove(d, d + 1, (c->n_pfs - i - 1) * sizeof *d);
        c->n_pfs--;
    }
}

static bool link_marked(const struct oo_link *l)
{
    return !strcmp(l->alias, OO_LINK_OWNER_ALIAS);
}

/* Ours: marked, or created by an apply that was stopped before marking it. */
static bool link_journaled(const struct ctx *c, const struct oo_link *l)
{
    for (size_t i = 0; i < c->obs->n_journal_bonds; i++)
        if (!strcmp(c->obs->journal_bonds[i], l->name))
            return true;
    return false;
}

static bool link_owned_c(const struct ctx *c, const struct oo_link *l)
{
    return link_marked(l) || (!strcmp(l->kind, "bond") && link_journaled(c, l));
}

/* Targets and the legacy window, from config and observation. */
static void resolve_targets(struct ctx *c)
{
    for (size_t i = 0; i < c->n_pfs; i++) {
        struct dpf *d = &c->pfs[i];
        const struct oo_obs_pf *o = opf_of(c, d);
        int cur_mode = o->eswitch_err ? OO_ESWITCH_UNKNOWN : o->eswitch.mode;
        int64_t cur_num = o->sriov.capable ? o->sriov.num_vfs : 0;
        int32_t want_num = d->cfg ? d->cfg->num_vfs : OO_CFG_NUM_VFS_TOTAL;
        bool params_differ = false;

        if (d->cfg)
            d->mode = d->cfg->eswitch >= 0 ? d->cfg->eswitch : cur_mode;
        if (want_num == OO_CFG_NUM_VFS_TOTAL) {
            d->num_vfs = o->sriov.total_vfs >= 0 ? o->sriov.total_vfs : cur_num;
            /* host.conf: all the VFs, but a VF-LAG member takes 64 at most
             * (mlx5 refuses VF-LAG above): as many as VF-LAG works with. */
            if (d->bond >= 0 && d->num_vfs > OO_CFG_VFLAG_MAX_VFS) {
                plan_note(c->plan, d->label, "%" PRId64 " VFs %s, %d made: a VF-LAG member takes at "
                          "most %d (host-agent, which writes sriov_totalvfs when it starts, fails on "
                          "it with EBUSY: set NUM_OF_VFS in the firmware)", d->num_vfs,
                          o->sriov.total_vfs >= 0 ? "offered (sriov_totalvfs)"
                                                  : "there now (sriov_totalvfs unreadable)",
                          OO_CFG_VFLAG_MAX_VFS, OO_CFG_VFLAG_MAX_VFS);
                d->num_vfs = OO_CFG_VFLAG_MAX_VFS;
            }
        } else {
            d->num_vfs = want_num >= 0 ? want_num : cur_num;
            /* hostconf: YAML: host-agent runs beside us, and when it starts
             * it writes sriov_totalvfs to sriov_numvfs, not through 0. */
            if (c->cfg->reps_owned_by_host_agent && want_num >= 0 && o->sriov.total_vfs >= 0 &&
                want_num != o->sriov.total_vfs)
                plan_note(c->plan, d->label, "%d VFs asked, the device offers %d: host-agent writes "
                          "sriov_numvfs = sriov_totalvfs when it starts, which the kernel refuses "
                          "while another count is set (EBUSY), and it then offers none of these VFs; "
                          "set NUM_OF_VFS=%d in the firmware (mlxconfig) and leave num_vfs out",
                          want_num, o->sriov.total_vfs, want_num);
            /* Validation checks a num_vfs that is written; one left as the
             * host has it is checked here. The LAG would never come up, and
             * its bind, deferred to after the LAG, would never come. */
            if (d->bond >= 0 && want_num < 0 && d->num_vfs > OO_CFG_VFLAG_MAX_VFS) {
                plan_error(c->plan, d->label, "it has %" PRId64 " VFs and is in bond %s: the NIC "
                           "supports at most %d VFs per PF under VF-LAG: set num_vfs (at most %d)",
                           d->num_vfs, c->cfg->bonds[d->bond].name, OO_CFG_VFLAG_MAX_VFS,
                           OO_CFG_VFLAG_MAX_VFS);
                d->opf = -1;
                continue;
            }
        }

        if (d->mode != OO_ESWITCH_UNKNOWN && (o->eswitch_err || !o->sriov.capable) &&
            (d->mode == OO_ESWITCH_SWITCHDEV || d->num_vfs > 0)) {
            if (o->eswitch_err && d->mode == OO_ESWITCH_SWITCHDEV)
                plan_error(c->plan, d->label, "the device has no eswitch (%s): it cannot go to switchdev",
                           strerror(-o->eswitch_err));
            if (!o->sriov.capable && d->num_vfs > 0)
                plan_error(c->plan, d->label, "the device has no SR-IOV (no sriov_numvfs): enable "
                           "SR-IOV in the firmware and BIOS (ovs-offloadctl doctor)");
            d->opf = -1;   /* nothing more to plan for it */
            continue;
        }
        if (o->sriov.total_vfs >= 0 && d->num_vfs > o->sriov.total_vfs) {
            plan_error(c->plan, d->label, "%" PRId64 " VFs asked, the device offers %d (sriov_totalvfs): "
                       "raise NUM_OF_VFS in the firmware or ask for fewer", d->num_vfs, o->sriov.total_vfs);
            d->opf = -1;
            continue;
        }
        for (size_t k = 0; k < d->n_params; k++) {
            struct want_param *w = &d->params[k];
            const struct oo_dl_param *cur = find_param(o, w->name);
            const char *v = param_runtime(cur);

            /* Compared as devlink shows values: 0x10000 is 65536, True is
             * true. Text compared as written would pass through legacy on
             * every run for a value the device already has. */
            if (cur && param_canonical(c, d, cur, w))
                continue;
            if (!v || strcmp(v, w->value))
                params_differ = true;
        }
        if (cur_mode == OO_ESWITCH_SWITCHDEV &&
            (d->mode == OO_ESWITCH_LEGACY || d->num_vfs != cur_num || params_differ))
            d->window = true;
        d->reps_recreated = d->window ||
                            (cur_mode != OO_ESWITCH_SWITCHDEV && d->mode == OO_ESWITCH_SWITCHDEV);
        d->mode_changes = d->window || cur_mode != d->mode;
        const struct oo_link *ul = uplink_link(c, o);
        const struct oo_link *master = ul && ul->master ? link_by_index(c, ul->master) : NULL;
        /* An OVS port's master is the datapath (ovs-system): an owned port
         * leaves OVS before the mode changes, and someone else's blocks
         * the plan (plan_ovs_removals, mode_pf_of_uplink). */
        const struct oo_ovs_port *op = master && !strcmp(master->kind, "openvswitch")
                                           ? oo_ovs_port_find(&c->obs->ovs, ul->name) : NULL;
        /* host.conf mode: the admin's bond keeps its members. mlx5 takes
         * the LAG down for a member's mode or VF count change and forms it
         * again after (mlx5_lag_disable_change / _enable_change), so the
         * change happens in place, as host-agent makes it. */
        bool own_host_bond = d->bond >= 0 && c->cfg->bonds[d->bond].members_from_host &&
                             master && master == link_by_name(c, c->cfg->bonds[d->bond].name);
        if (d->mode_changes && master && !op && !own_host_bond && !link_owned_c(c, master)) {
            plan_error(c->plan, d->label, "its uplink %s is enslaved to %s, which ovs-offload does "
                       "not manage, and its eswitch mode must change: release it first", ul->name,
                       master->name);
            d->opf = -1;
        }
    }
}

/* ------------------------------------------------------------ OVS removals */

/* The ports the config wants on its bridges, given what the host will look
 * like: a bridge's uplink (a bond, or a PF's uplink netdev) and its
 * representors. Representor names are those of today's netdevs: a PF whose
 * representors are re-created wants none by today's names. Sorted by name,
 * one entry per name: the first bridge in config order that wants it. */
struct wanted_port {
    const char *name;
    const struct oo_cfg_bridge *br;
    size_t order;                   /* of the bridge, then of the port in it */
};

struct wanted_ports {
    struct wanted_port *v;
    size_t n, cap;
};

static void want_port(struct wanted_ports *w, const char *name, const struct oo_cfg_bridge *br)
{
    if (w->n == w->cap) {
        w->cap = w->cap ? 2 * w->cap : 64;
        w->v = oo_realloc(w->v, w->cap * sizeof *w->v);
    }
    w->v[w->n] = (struct wanted_port){ name, br, w->n };
    w->n++;
}

static int cmp_wanted_port(const void *a_, const void *b_)
{
    const struct wanted_port *a = a_, *b = b_;
    int r = strcmp(a->name, b->name);

    return r ? r : a->order < b->order ? -1 : a->order > b->order;
}

static void wanted_ports_build(const struct ctx *c, struct wanted_ports *w)
{
    const struct oo_config *cfg = c->cfg;
    size_t n = 0;

    memset(w, 0, sizeof *w);
    for (size_t b = 0; b < cfg->n_bridges; b++) {
        const struct oo_cfg_bridge *br = &cfg->bridges[b];

        if (br->has_uplink) {
            const struct oo_cfg_ref *u = &br->uplink;

            if (u->kind == OO_CFG_REF_BOND)
                want_port(w, cfg->bonds[u->index].name, br);
            if (u->kind == OO_CFG_REF_PF) {
                for (size_t i = 0; i < c->n_pfs; i++) {
                    const struct dpf *d = &c->pfs[i];
                    const char *up = d->opf >= 0 ? uplink_netdev(opf_of(c, d)) : NULL;

                    if (d->cfg_index == u->index && up)
                        want_port(w, up, br);
                }
            }
        }
        if (cfg->reps_owned_by_host_agent)
            continue;
        for (size_t r = 0; r < br->n_reps; r++) {
            for (size_t i = 0; i < c->n_pfs; i++) {
                const struct dpf *d = &c->pfs[i];
                const struct oo_dl_port *rp;

                if (d->cfg_index != br->reps[r].pf || d->opf < 0 || d->reps_recreated)
                    continue;
                rp = rep_port(d, br->reps[r].vf);
                if (rp && rp->netdev[0])
                    want_port(w, rp->netdev, br);
            }
        }
    }
    if (w->n > 1)
        qsort(w->v, w->n, sizeof *w->v, cmp_wanted_port);
    for (size_t i = 0; i < w->n; i++)
        if (!n || strcmp(w->v[n - 1].name, w->v[i].name))
            w->v[n++] = w->v[i];
    w->n = n;
}

static int cmp_wanted_name(const void *key, const void *e)
{
    return strcmp(key, ((const struct wanted_port *)e)->name);
}

/* The bridge the config wants this port on, or NULL. */
static const struct oo_cfg_bridge *wanted_bridge_of(const struct wanted_ports *w, const char *port)
{
    const struct wanted_port *e = w->n ? bsearch(port, w->v, w->n, sizeof *w->v, cmp_wanted_name) : NULL;

    return e ? e->br : NULL;
}

/* The PF whose eswitch mode changes in this plan (to legacy, through it, or
 * to switchdev) and whose uplink is this netdev, or NULL. Its uplink leaves
 * OVS first: offloaded rules can make the change fail, and the driver
 * changes the netdev's profile under OVS's ingress block. */
static const struct dpf *mode_pf_of_uplink(const struct ctx *c, const char *netdev)
{
    for (size_t i = 0; i < c->n_pfs; i++) {
        const struct dpf *d = &c->pfs[i];
        const char *up = d->opf >= 0 ? uplink_netdev(opf_of(c, d)) : NULL;

        if (d->mode_changes && up && !strcmp(up, netdev))
            return d;
    }
    return NULL;
}

static bool port_is_stale(const struct ctx *c, const struct oo_ovs_port *p)
{
    if (p->iface_type && p->iface_type[0] && strcmp(p->iface_type, "system"))
        return false;
    return !link_by_name(c, p->name) || (p->error && p->error[0]);
}

/* The observed PF whose VF representor netdev is, by devlink; NULL if it
 * is none's (host.conf mode leaves representors to host-agent, whoever
 * attached them). */
static const struct oo_obs_pf *rep_pf(const struct ctx *c, const char *netdev)
{
    for (size_t i = 0; i < c->obs->n_pfs; i++) {
        const struct oo_obs_pf *pf = &c->obs->pfs[i];

        for (size_t j = 0; j < pf->n_ports; j++)
            if (oo_port_is_vf_rep(&pf->ports[j]) && !strcmp(pf->ports[j].netdev, netdev))
                return pf;
    }
    return NULL;
}

/* Why an owned port the plan does not keep goes: a representor of a PF
 * whose representors are made again is wanted all the same. */
static const char *unwanted_why(const struct ctx *c, const char *netdev)
{
    const struct oo_obs_pf *pf = rep_pf(c, netdev);
    int di = pf ? find_dpf_by_obs(c, (int)(pf - c->obs->pfs)) : -1;

    if (di >= 0 && c->pfs[di].reps_recreated)
        return "its PF's eswitch mode changes: the representors go, and are attached again after";
    return "the config no longer wants it";
}

static void plan_ovs_removals(struct ctx *c)
{
    const struct oo_ovs_observed *ovs = &c->obs->ovs;
    struct wanted_ports wanted;

    if (!ovs->reachable)
        return;
    wanted_ports_build(c, &wanted);
    for (size_t i = 0; i < ovs->n_ports; i++) {
        const struct oo_ovs_port *p = &ovs->ports[i];
        const struct oo_cfg_bridge *want = wanted_bridge_of(&wanted, p->name);
        const struct dpf *w = mode_pf_of_uplink(c, p->name);
        const char *why = NULL;

        /* A bridge's own internal port goes and comes with the bridge. */
        if (p->bridge && !strcmp(p->name, p->bridge))
            continue;
        if (!p->owned) {
            if (w)
                plan_error(c->plan, w->label, "its uplink %s is on bridge %s, which ovs-offload did "
                           "not attach: detach it (ovs-vsctl del-port %s) before the eswitch mode "
                           "changes", p->name, p->bridge ? p->bridge : "?", p->name);
            continue;
        }
        if (port_is_stale(c, p))
            why = p->error && p->error[0] ? "its interface is in error" : "its netdev is gone";
        else if (w)
            why = "the PF's eswitch mode changes: detach the uplink first";
        else if (!want && !c->cfg->reps_owned_by_host_agent)
            why = unwanted_why(c, p->name);
        else if (!want && c->cfg->reps_owned_by_host_agent && !rep_pf(c, p->name))
            why = "the config no longer wants it";
        else if (want && p->bridge && strcmp(want->name, p->bridge))
            why = "it moves to another bridge";
        if (!why)
            continue;
        struct oo_step *s = add_step(c->plan, OO_STEP_OVS_DEL_PORT, -1, -1);
        SETF(s->object, "%s/%s", p->bridge ? p->bridge : "-", p->name);
        oo_strlcpy(s->name, p->name, sizeof s->name);
        oo_strlcpy(s->name2, p->bridge ? p->bridge : "", sizeof s->name2);
        oo_strlcpy(s->reason, why, sizeof s->reason);
    }
    free(wanted.v);
}

/* ------------------------------------------------------------ bonds */


/* A journaled bond without its mark gets it before anything else touches it. */
static void mark_if_needed(struct ctx *c, const struct oo_link *bl)
{
    struct oo_step *s;

    if (link_marked(bl))
        return;
    s = add_step(c->plan, OO_STEP_BOND_MARK, -1, -1);
    SETF(s->object, "%s", bl->name);
    oo_strlcpy(s->name, bl->name, sizeof s->name);
    oo_strlcpy(s->reason, "created by an apply that stopped before marking it", sizeof s->reason);
}

/* Uplink ifindex of each member PF of cfg bond b that the plan knows. */
static bool member_wanted(const struct ctx *c, int b, uint32_t ifindex)
{
    for (size_t i = 0; i < c->n_pfs; i++) {
        const struct dpf *d = &c->pfs[i];
        const struct oo_dl_port *up = d->opf >= 0 ? oo_obs_pf_uplink(opf_of(c, d)) : NULL;

        if (d->bond == b && up && up->ifindex == ifindex)
            return true;
    }
    return false;
}

static void link_updown(struct ctx *c, int kind, const char *netdev, const char *why)
{
    struct oo_step *s = add_step(c->plan, kind, -1, -1);

    SETF(s->object, "%s", netdev);
    oo_strlcpy(s->name, netdev, sizeof s->name);
    oo_strlcpy(s->reason, why, sizeof s->reason);
}

static void release(struct ctx *c, const struct oo_link *member, const struct oo_link *bond, const char *why)
{
    struct oo_step *s = add_step(c->plan, OO_STEP_BOND_RELEASE, -1, -1);

    SETF(s->object, "%s", member->name);
    oo_strlcpy(s->name, member->name, sizeof s->name);
    oo_strlcpy(s->name2, bond->name, sizeof s->name2);
    oo_strlcpy(s->from, bond->name, sizeof s->from);
    oo_strlcpy(s->reason, why, sizeof s->reason);
}

static void plan_bond_removals(struct ctx *c)
{
    const struct oo_config *cfg = c->cfg;

    for (size_t l = 0; l < c->obs->n_links; l++) {
        const struct oo_link *bl = &c->obs->links[l];
        int b = oo_config_find_bond(cfg, bl->name);

        if (strcmp(bl->kind, "bond") || !link_owned_c(c, bl))
            continue;
        if (b >= 0 && cfg->bonds[b].members_from_host)
            continue;
        /* Ours by the journal only (a run stopped between making it and
         * marking it): marked first, as apply changes only marked bonds. */
        if (b < 0)
            mark_if_needed(c, bl);
        bool mode_change = b >= 0 && bl->bond.mode != cfg->bonds[b].mode;
        for (size_t k = 0; k < c->obs->n_links; k++) {
            const struct oo_link *m = &c->obs->links[k];
            int di;

            if (m->master != bl->ifindex)
                continue;
            di = find_dpf_by_obs(c, obs_pf_by_uplink(c->obs, m->ifindex));
            if (b < 0 || !member_wanted(c, b, m->ifindex)) {
                release(c, m, bl, b < 0 ? "the config no longer has this bond" : "not a member in the config");
                /* The kernel closes a released slave. One that no bond of
                 * the config takes goes up again, as it was. */
                if (m->up && (di < 0 || c->pfs[di].bond < 0))
                    link_updown(c, OO_STEP_LINK_UP, m->name, "released from the bond, which set it down");
            } else if (mode_change)
                release(c, m, bl, "the bond's mode cannot change while it has members");
            else if (di >= 0 && c->pfs[di].mode_changes)
                release(c, m, bl, "VF-LAG's order: the mode changes out of the bond, then the member is enslaved again");
        }
        if (b < 0) {
            struct oo_step *s = add_step(c->plan, OO_STEP_BOND_DELETE, -1, -1);
            SETF(s->object, "%s", bl->name);
            oo_strlcpy(s->name, bl->name, sizeof s->name);
            oo_strlcpy(s->reason, "the config no longer has this bond", sizeof s->reason);
        }
    }
}

/* ------------------------------------------------------------ devices */

static struct oo_step *pf_step(struct ctx *c, const struct dpf *d, int kind)
{
    struct oo_step *s = add_step(c->plan, kind, d->cfg_index, d->opf);

    SETF(s->object, "%s", d->label);
    return s;
}

/* Unbinds the PF's VFs where they are devices (d->unbinds says it did). */
static void step_unbind(struct ctx *c, struct dpf *d, const char *why)
{
    struct oo_step *s;

    if (!vfs_are_devices(opf_of(c, d)))
        return;
    s = pf_step(c, d, OO_STEP_VF_UNBIND);
    oo_strlcpy(s->reason, why, sizeof s->reason);
    d->unbinds = true;
}

static void step_mode(struct ctx *c, const struct dpf *d, int from, int to, const char *why)
{
    struct oo_step *s = pf_step(c, d, OO_STEP_ESWITCH_MODE);
    int want_inline = d->cfg && to == OO_ESWITCH_SWITCHDEV ? d->cfg->inline_mode : -1;
    int want_encap = d->cfg && to == OO_ESWITCH_SWITCHDEV ? d->cfg->encap_mode : -1;

    oo_strlcpy(s->from, mode_str(from), sizeof s->from);
    SETF(s->to, "%s%s%s%s%s", mode_str(to), want_inline >= 0 ? " inline-mode " : "",
         want_inline >= 0 ? oo_inline_mode_to_string(want_inline) : "",
         want_encap >= 0 ? " encap-mode " : "", want_encap >= 0 ? oo_encap_mode_to_string(want_encap) : "");
    s->num = to;
    s->num2 = want_inline;
    s->opt = want_encap;
    oo_strlcpy(s->reason, why, sizeof s->reason);
}

/* A switchdev eswitch whose inline or encap mode differs from the config's. */
static bool eswitch_attrs_differ(const struct dpf *d, const struct oo_obs_pf *o)
{
    return d->cfg && ((d->cfg->inline_mode >= 0 && o->eswitch.inline_mode != d->cfg->inline_mode) ||
                      (d->cfg->encap_mode >= 0 && o->eswitch.encap_mode != d->cfg->encap_mode));
}

static void step_num_vfs(struct ctx *c, const struct dpf *d, int64_t from, int64_t to, const char *why)
{
    struct oo_step *s = pf_step(c, d, OO_STEP_NUM_VFS);

    SETF(s->from, "%" PRId64, from);
    SETF(s->to, "%" PRId64, to);
    s->num = to;
    oo_strlcpy(s->reason, why, sizeof s->reason);
}

/* VFs in use (bound to a VM's or DPDK's driver, under a macvtap, bridge or
 * VLAN device, or moved to another netns; sriov.h): a blocker, unless
 * --force. what: "changing the VF count would destroy". */
static bool vfs_in_use(struct ctx *c, const struct dpf *d, const char *what)
{
    const struct oo_obs_pf *o = opf_of(c, d);
    char list[200] = "";
    size_t len = 0;

    for (size_t i = 0; i < o->n_vfdevs; i++) {
        const struct oo_obs_vfdev *v = &o->vfdevs[i];
        if (v->users[0] && len < sizeof list - 1)
            len += (size_t)snprintf(list + len, sizeof list - len, "%svf%u (%s)",
                                    len ? ", " : "", v->id, v->users);
    }
    if (!len)
        return false;
    if (c->opts && c->opts->force) {
        plan_note(c->plan, d->label, "%s VFs in use (--force): %s", what, list);
        return false;
    }
    plan_error(c->plan, d->label, "%s VFs in use: %s; free them first, or run 'ovs-offloadctl apply --force' "
               "with this config", what, list);
    return true;
}

static struct oo_step *vf_step(struct ctx *c, const struct dpf *d, int kind, uint32_t vf)
{
    struct oo_step *s = pf_step(c, d, kind);

    SETF(s->object, "%s/vf%u", d->label, vf);
    s->vf = vf;
    return s;
}

static void plan_vf_settings(struct ctx *c, const struct dpf *d)
{
    const struct oo_obs_pf *o = opf_of(c, d);

    for (size_t k = 0; d->cfg && k < d->cfg->n_vfs; k++) {
        const struct oo_cfg_vf *v = &d->cfg->vfs[k];
        int64_t cur_num = o->sriov.capable ? o->sriov.num_vfs : 0;
        /* Unknown when the VFs are (re)made in this plan, or the PF does not
         * report this VF: then every setting asked is set. */
        const struct oo_link_vf *cur = d->window || d->num_vfs != cur_num ? NULL : obs_vf(c, o, v->id);
        bool fresh = !cur;
        struct oo_step *s;

        if ((int64_t)v->id >= d->num_vfs)
            continue;
#define VF_STEP(kind_) (s = vf_step(c, d, kind_, v->id))
        if (v->has_mac && (fresh || memcmp(cur->mac, v->mac, 6))) {
            VF_STEP(OO_STEP_VF_MAC);
            if (cur)
                fmt_mac(s->from, sizeof s->from, cur->mac);
            fmt_mac(s->to, sizeof s->to, v->mac);
            fmt_mac(s->name, sizeof s->name, v->mac);
        }
        if (v->vlan >= 0) {
            int32_t qos = v->qos >= 0 ? v->qos : 0;
            if (fresh || cur->vlan != (uint32_t)v->vlan || cur->qos != (uint32_t)qos) {
                VF_STEP(OO_STEP_VF_VLAN);
                if (cur)
                    SETF(s->from, "vlan %u qos %u", cur->vlan, cur->qos);
                SETF(s->to, "vlan %d qos %d", v->vlan, qos);
                s->num = v->vlan;
                s->num2 = qos;
            }
        }
        if (v->trust >= 0 && (fresh || cur->trust != v->trust)) {
            VF_STEP(OO_STEP_VF_TRUST);
            if (cur)
                SETF(s->from, "%s", cur->trust < 0 ? "?" : cur->trust ? "on" : "off");
            SETF(s->to, "%s", v->trust ? "on" : "off");
            s->num = v->trust;
        }
        if (v->spoofchk >= 0 && (fresh || cur->spoofchk != v->spoofchk)) {
            VF_STEP(OO_STEP_VF_SPOOFCHK);
            if (cur)
                SETF(s->from, "%s", cur->spoofchk < 0 ? "?" : cur->spoofchk ? "on" : "off");
            SETF(s->to, "%s", v->spoofchk ? "on" : "off");
            s->num = v->spoofchk;
        }
        if (d->mode == OO_ESWITCH_LEGACY) {
            if (v->link_state >= 0 && (fresh || cur->link_state != v->link_state)) {
                VF_STEP(OO_STEP_VF_LINK_STATE);
                if (cur)
                    SETF(s->from, "%s", cur->link_state < 0 ? "?" : oo_cfg_link_state_to_string(cur->link_state));
                SETF(s->to, "%s", oo_cfg_link_state_to_string(v->link_state));
                s->num = v->link_state;
            }
            if (v->max_tx_rate >= 0 || v->min_tx_rate >= 0) {
                int64_t mx = v->max_tx_rate >= 0 ? v->max_tx_rate : (cur ? cur->max_tx_rate : 0);
                int64_t mn = v->min_tx_rate >= 0 ? v->min_tx_rate : (cur ? cur->min_tx_rate : 0);
                if (fresh || cur->max_tx_rate != mx || cur->min_tx_rate != mn) {
                    VF_STEP(OO_STEP_VF_RATE);
                    if (cur)
                        SETF(s->from, "min %u max %u Mbps", cur->min_tx_rate, cur->max_tx_rate);
                    SETF(s->to, "min %" PRId64 " max %" PRId64 " Mbps", mn, mx);
                    s->num = mx;
                    s->num2 = mn;
                }
            }
        } else if (v->max_tx_rate >= 0 || v->min_tx_rate >= 0) {
            /* switchdev: rates are devlink rate leaves of the VF's port (bytes/s). */
            const struct oo_dl_port *rp = d->reps_recreated ? NULL : rep_port(d, v->id);
            const struct oo_dl_rate *r = rp ? rate_leaf(o, rp->index) : NULL;
            uint64_t want_max = v->max_tx_rate >= 0 ? (uint64_t)v->max_tx_rate * 125000 : (r ? r->tx_max : 0);
            uint64_t want_share = v->min_tx_rate >= 0 ? (uint64_t)v->min_tx_rate * 125000 : (r ? r->tx_share : 0);
            if (!r || r->tx_max != want_max || r->tx_share != want_share) {
                VF_STEP(OO_STEP_VF_DEVLINK_RATE);
                if (r)
                    SETF(s->from, "share %" PRIu64 " max %" PRIu64 " Mbps", r->tx_share / 125000,
                         r->tx_max / 125000);
                SETF(s->to, "share %" PRIu64 " max %" PRIu64 " Mbps", want_share / 125000,
                     want_max / 125000);
                s->num = (int64_t)want_max;
                s->num2 = (int64_t)want_share;
            }
        }
#undef VF_STEP
    }
}

static void plan_pf(struct ctx *c, struct dpf *d)
{
    const struct oo_obs_pf *o = opf_of(c, d);
    int mode = o->eswitch.mode;
    int64_t num = o->sriov.capable ? o->sriov.num_vfs : 0;
    size_t left = vfs_left_unbound(o);
    struct oo_step *s;

    /* A count change goes through 0, destroying every VF; a mode change
     * unbinds them (PCI). Either needs every VF free. */
    if (((num > 0 && num != d->num_vfs) || (d->mode_changes && vfs_are_devices(o))) &&
        vfs_in_use(c, d, num != d->num_vfs ? "changing the VF count would destroy"
                                           : "changing the eswitch mode would unbind"))
        return;

    /* Leave switchdev first when the change needs legacy. */
    if (d->window) {
        step_unbind(c, d, "VFs must be unbound while the eswitch mode changes");
        step_mode(c, d, mode, OO_ESWITCH_LEGACY,
                  d->mode == OO_ESWITCH_LEGACY ? "the config wants legacy"
                  : "VF count and devlink params change only in legacy");
        mode = OO_ESWITCH_LEGACY;
    }
    /* Params that the hardware takes only before switchdev. */
    for (size_t k = 0; k < d->n_params; k++) {
        const struct want_param *p = &d->params[k];
        const struct oo_dl_param *cur = find_param(o, p->name);
        const char *v = param_runtime(cur);

        if (!cur) {
            plan_error(c->plan, d->label, "the driver has no devlink param '%s'", p->name);
            continue;
        }
        if (!cur->values[DEVLINK_PARAM_CMODE_RUNTIME].present) {
            plan_error(c->plan, d->label, "devlink param '%s' has no runtime value to set", p->name);
            continue;
        }
        if (p->bad || (v && !strcmp(v, p->value)))
            continue;
        s = pf_step(c, d, OO_STEP_DEVLINK_PARAM);
        oo_strlcpy(s->from, v ? v : "", sizeof s->from);
        oo_strlcpy(s->to, p->value, sizeof s->to);
        oo_strlcpy(s->name, p->name, sizeof s->name);
        oo_strlcpy(s->name2, p->value, sizeof s->name2);
        oo_strlcpy(s->reason, "must be set while the eswitch is legacy", sizeof s->reason);
    }
    /* The VF count, through 0 (non-zero to non-zero is EBUSY). */
    if (num != d->num_vfs) {
        if (num != 0)
            step_num_vfs(c, d, num, 0, "a VF count changes through 0");
        if (d->num_vfs != 0) {
            step_num_vfs(c, d, 0, d->num_vfs, "the config's num_vfs");
            s = pf_step(c, d, OO_STEP_WAIT_VFS);
            SETF(s->to, "%" PRId64, d->num_vfs);
            s->num = d->num_vfs;
            oo_strlcpy(s->reason, "switching while VFs are still being created fails (EINVAL)",
                       sizeof s->reason);
            d->unbinds = false;     /* new VFs are probed by their driver */
            left = 0;               /* and the unbound ones are gone */
        }
        num = d->num_vfs;
    }
    if (mode != d->mode && d->mode == OO_ESWITCH_SWITCHDEV) {
        if (!d->unbinds && num > 0)
            step_unbind(c, d, "VFs must be unbound while the eswitch mode changes");
        step_mode(c, d, mode, OO_ESWITCH_SWITCHDEV, "the config wants switchdev");
        if (num > 0) {
            s = pf_step(c, d, OO_STEP_WAIT_VFS);
            SETF(s->to, "%" PRId64 " representors", num);
            s->num = num;
            oo_strlcpy(s->reason, "representors appear after the mode change", sizeof s->reason);
        }
        mode = OO_ESWITCH_SWITCHDEV;
    } else if (mode != d->mode) {
        step_mode(c, d, mode, d->mode, "the config wants legacy");
        mode = d->mode;
    } else if (mode == OO_ESWITCH_SWITCHDEV && eswitch_attrs_differ(d, o)) {
        step_mode(c, d, mode, mode, "the config's inline_mode / encap_mode");
    }
    if ((mode == OO_ESWITCH_SWITCHDEV || skip_sw_rule_on_uplink(c, d)) && o->hw_tc_offload != 1) {
        s = pf_step(c, d, OO_STEP_HW_TC_OFFLOAD);
        oo_strlcpy(s->from, o->hw_tc_offload == 0 ? "off" : "?", sizeof s->from);
        oo_strlcpy(s->to, "on", sizeof s->to);
        oo_strlcpy(s->reason, mode == OO_ESWITCH_SWITCHDEV
                                  ? "tc flower rules reach the NIC only with hw-tc-offload on"
                                  : "a skip_sw rule on the uplink: the kernel refuses it with hw-tc-offload off",
                   sizeof s->reason);
    }
    plan_vf_settings(c, d);
    if ((d->unbinds || left) && num > 0) {
        if (d->bond >= 0 && mode == OO_ESWITCH_SWITCHDEV) {
            d->bound_deferred = true;
        } else if (d->cfg && d->cfg->multiport == 1 && mode == OO_ESWITCH_SWITCHDEV) {
            /* MPV: switchdev on every PF, esw_multiport, then the VFs. */
            d->bind_after_multiport = true;
        } else {
            s = pf_step(c, d, OO_STEP_VF_BIND);
            if (d->unbinds)
                oo_strlcpy(s->reason, "the VFs go back to their driver", sizeof s->reason);
            else
                SETF(s->reason, "an earlier apply unbound %zu VF%s and stopped before binding "
                     "them again", left, left == 1 ? "" : "s");
        }
    }
}

/* Steps 0..ran-1 ran; step j, from first on, puts back what they took. */
static bool puts_back(const struct oo_plan *plan, size_t ran, size_t first, size_t j)
{
    const struct oo_step *s = j >= first && j < plan->n_steps ? &plan->steps[j] : NULL;

    if (s && s->kind == OO_STEP_VF_BIND)
        return s->opt == OO_BIND_WITH_PF;
    for (size_t k = 0; s && k < ran; k++) {
        const struct oo_step *t = &plan->steps[k];

        /* A released member is closed by the kernel: put back in its bond
         * (a failed member change must not leave the bond empty), or up. */
        if (s->kind == OO_STEP_BOND_ENSLAVE && t->kind == OO_STEP_BOND_RELEASE &&
            !strcmp(t->name, s->name) && !strcmp(t->name2, s->name2))
            return true;
        if (s->kind == OO_STEP_LINK_UP && (t->kind == OO_STEP_LINK_DOWN || t->kind == OO_STEP_BOND_RELEASE) &&
            !strcmp(t->name, s->name))
            return true;
    }
    return false;
}

bool oo_plan_after_failure(const struct oo_plan *plan, size_t failed, size_t j)
{
    return puts_back(plan, failed, failed + 1, j);
}

bool oo_plan_after_stop(const struct oo_plan *plan, size_t next, size_t j)
{
    return puts_back(plan, next, next, j);
}

/* esw_multiport (Linux 6.3+) is one value for the whole NIC and needs every
 * PF of it in switchdev: planned after all PFs, once per PF that differs
 * (apply re-reads first: the NIC's other PF may have turned it on). A mode
 * change turns it off, so it is planned again after a window. 6.1 has no such
 * param and turns the multiport eswitch on by itself: a note, not a blocker. */
static void plan_multiport(struct ctx *c)
{
    for (size_t i = 0; i < c->n_pfs; i++) {
        const struct dpf *d = &c->pfs[i];
        const struct oo_obs_pf *o = d->opf >= 0 ? opf_of(c, d) : NULL;
        const struct oo_dl_param *mp;
        const char *v, *want;
        struct oo_step *s;

        if (!o || !d->cfg || d->cfg->multiport < 0 || d->mode != OO_ESWITCH_SWITCHDEV)
            continue;
        mp = find_param(o, "esw_multiport");
        v = param_runtime(mp);
        want = d->cfg->multiport ? "true" : "false";
        if (!mp) {
            if (d->cfg->multiport)
                plan_note(c->plan, d->label, "the driver has no devlink param esw_multiport (Linux "
                          "before 6.3): mlx5 turns the multiport eswitch on by itself when the first "
                          "rule redirects to an uplink representor");
            continue;
        }
        if (!d->mode_changes && v && !strcmp(v, want))
            continue;
        s = pf_step(c, d, OO_STEP_MULTIPORT);
        oo_strlcpy(s->from, d->mode_changes ? "" : v ? v : "", sizeof s->from);
        oo_strlcpy(s->to, want, sizeof s->to);
        s->num = d->cfg->multiport;
        oo_strlcpy(s->reason, "esw_multiport, once every PF of the NIC is in switchdev", sizeof s->reason);
    }
}

/* ------------------------------------------------------------ bonds, creation */

static struct oo_step *bond_step(struct ctx *c, int kind, const char *bond, const char *object)
{
    struct oo_step *s = add_step(c->plan, kind, -1, -1);

    SETF(s->object, "%s", object);
    oo_strlcpy(s->name2, bond, sizeof s->name2);
    return s;
}

static void bond_set(struct ctx *c, const char *bond, int opt, int64_t from, int64_t to,
                     const char *from_s, const char *to_s, const char *why)
{
    struct oo_step *s = bond_step(c, OO_STEP_BOND_SET, bond, bond);

    s->opt = opt;
    s->num = to;
    s->num2 = from;
    oo_strlcpy(s->name, bond_opt_names[opt], sizeof s->name);
    SETF(s->from, "%s %s", bond_opt_names[opt], from_s);
    SETF(s->to, "%s %s", bond_opt_names[opt], to_s);
    oo_strlcpy(s->reason, why, sizeof s->reason);
}

static const char *bond_mode_str(int v) { const char *s = oo_cfg_bond_mode_to_string(v); return s ? s : "?"; }
static const char *xmit_str(int v) { const char *s = oo_cfg_xmit_hash_to_string(v); return s ? s : "?"; }
static const char *lacp_str(int v) { const char *s = oo_cfg_lacp_rate_to_string(v); return s ? s : "?"; }

/* Bond b's LAG wait, then the binds of the VFs that waited for it.
 * reformed: the plan enslaves members, or changes the eswitch of a member
 * of the admin's bond in place (the driver forms the LAG again after). */
static void plan_lag_wait(struct ctx *c, int b, bool reformed)
{
    const struct oo_cfg_bond *cb = &c->cfg->bonds[b];
    bool deferred = false;
    struct oo_step *s;

    /* Also before binding VFs a stopped run left unbound: the LAG it was
     * waiting for may not be active yet (or ever: the wait says so). */
    for (size_t i = 0; i < c->n_pfs; i++)
        deferred |= c->pfs[i].bond == b && c->pfs[i].bound_deferred;
    if (reformed || deferred) {
        s = bond_step(c, OO_STEP_WAIT_LAG, cb->name, cb->name);
        oo_strlcpy(s->name, cb->name, sizeof s->name);
        oo_strlcpy(s->reason, deferred ? "VFs bound before the LAG is active leave VF-LAG off"
                                       : "the driver forms the LAG again after the members' mode change",
                   sizeof s->reason);
    }
    for (size_t i = 0; i < c->n_pfs; i++) {
        struct dpf *d = &c->pfs[i];
        if (d->bond == b && d->bound_deferred) {
            s = pf_step(c, d, OO_STEP_VF_BIND);
            s->opt = OO_BIND_AFTER_LAG;
            oo_strlcpy(s->reason, "after the LAG is active", sizeof s->reason);
        }
    }
}

static void plan_bond(struct ctx *c, int b)
{
    const struct oo_cfg_bond *cb = &c->cfg->bonds[b];
    const struct oo_link *bl = link_by_name(c, cb->name);
    bool created = false, down = false, enslaved_any = false;
    char f[32], t[32];
    struct oo_step *s;

    if (cb->members_from_host) {
        /* The admin's: never changed. Its members' mode changes in place
         * (resolve_targets); the LAG is waited for before their VFs bind. */
        bool changed = false;

        for (size_t i = 0; i < c->n_pfs; i++)
            changed |= c->pfs[i].bond == b && c->pfs[i].opf >= 0 && c->pfs[i].mode_changes;
        plan_lag_wait(c, b, changed);
        return;
    }
    if (bl && (strcmp(bl->kind, "bond") || !link_owned_c(c, bl))) {
        plan_error(c->plan, cb->name, strcmp(bl->kind, "bond")
                   ? "a netdev of this name exists and is not a bond: rename the bond in the config"
                   : "a bond of this name exists and ovs-offload did not create it: delete it, or "
                     "hand it over with `ip link set %s alias \"" OO_LINK_OWNER_ALIAS "\"`",
                   cb->name);
        return;
    }
    if (bl)
        mark_if_needed(c, bl);
    if (!bl) {
        s = bond_step(c, OO_STEP_BOND_CREATE, cb->name, cb->name);
        oo_strlcpy(s->name, cb->name, sizeof s->name);
        SETF(s->to, "%s miimon %d", bond_mode_str(cb->mode), cb->miimon);
        s->num = cb->mode;
        s->num2 = cb->miimon;
        oo_strlcpy(s->reason, "VF-LAG bond over the PF uplinks", sizeof s->reason);
        created = true;
    } else {
        if (bl->bond.mode != cb->mode || (cb->lacp_rate >= 0 && bl->bond.lacp_rate != cb->lacp_rate)) {
            if (bl->up) {
                link_updown(c, OO_STEP_LINK_DOWN, cb->name, "mode and lacp_rate change only while the bond is down");
                down = true;
            }
            if (bl->bond.mode != cb->mode)
                bond_set(c, cb->name, OO_BOND_OPT_MODE, bl->bond.mode, cb->mode,
                         bond_mode_str(bl->bond.mode), bond_mode_str(cb->mode), "the config's mode");
            if (cb->lacp_rate >= 0 && bl->bond.lacp_rate != cb->lacp_rate)
                bond_set(c, cb->name, OO_BOND_OPT_LACP_RATE, bl->bond.lacp_rate, cb->lacp_rate,
                         lacp_str(bl->bond.lacp_rate), lacp_str(cb->lacp_rate), "the config's lacp_rate");
        }
        if (bl->bond.miimon != cb->miimon) {
            SETF(f, "%" PRId64, bl->bond.miimon);
            SETF(t, "%d", cb->miimon);
            bond_set(c, cb->name, OO_BOND_OPT_MIIMON, bl->bond.miimon, cb->miimon, f, t, "the config's miimon");
        }
        if (cb->xmit_hash_policy >= 0 && bl->bond.xmit_hash_policy != cb->xmit_hash_policy)
            bond_set(c, cb->name, OO_BOND_OPT_XMIT_HASH, bl->bond.xmit_hash_policy, cb->xmit_hash_policy,
                     xmit_str(bl->bond.xmit_hash_policy), xmit_str(cb->xmit_hash_policy),
                     "the config's xmit_hash_policy");
    }
    if (created) {
        if (cb->xmit_hash_policy >= 0)
            bond_set(c, cb->name, OO_BOND_OPT_XMIT_HASH, -1, cb->xmit_hash_policy, "-",
                     xmit_str(cb->xmit_hash_policy), "the config's xmit_hash_policy");
        if (cb->lacp_rate >= 0)
            bond_set(c, cb->name, OO_BOND_OPT_LACP_RATE, -1, cb->lacp_rate, "-",
                     lacp_str(cb->lacp_rate), "the config's lacp_rate");
    }
    /* Members: each member PF's uplink, down while it is enslaved. */
    bool mode_change = bl && bl->bond.mode != cb->mode;
    for (size_t m = 0; m < cb->n_members; m++) {
        for (size_t i = 0; i < c->n_pfs; i++) {
            struct dpf *d = &c->pfs[i];
            const struct oo_dl_port *up;
            const struct oo_link *ul;
            bool in_bond;

            if (d->cfg_index != cb->members[m].index || d->opf < 0)
                continue;
            up = oo_obs_pf_uplink(opf_of(c, d));
            ul = up ? link_by_index(c, up->ifindex) : NULL;
            if (!ul) {
                plan_error(c->plan, d->label, "no uplink netdev to enslave to %s", cb->name);
                continue;
            }
            if (ul->master && (!bl || ul->master != bl->ifindex)) {
                const struct oo_link *other = link_by_index(c, ul->master);
                if (!other || !link_owned_c(c, other)) {
                    plan_error(c->plan, d->label, "its uplink %s is enslaved to %s, which "
                               "ovs-offload does not manage: release it first", ul->name,
                               other ? other->name : "another device");
                    continue;
                }
            }
            in_bond = bl && ul->master == bl->ifindex && !d->mode_changes && !mode_change;
            if (!in_bond) {
                /* The LAG forms with the VFs unbound; they are bound after
                 * it is active. A VF a VM holds is not taken from it. */
                /* (A bind may be deferred without an unbind: VFs a stopped
                 * run left unbound. The bound ones are unbound now.) */
                if (!d->unbinds && d->num_vfs > 0 && vfs_are_devices(opf_of(c, d))) {
                    if (vfs_in_use(c, d, "forming the LAG would unbind"))
                        continue;
                    step_unbind(c, d, "VFs stay unbound until the LAG is active");
                    d->bound_deferred = true;
                }
                link_updown(c, OO_STEP_LINK_DOWN, ul->name, "a bond member must be down to be enslaved");
                s = bond_step(c, OO_STEP_BOND_ENSLAVE, cb->name, ul->name);
                oo_strlcpy(s->name, ul->name, sizeof s->name);
                oo_strlcpy(s->to, cb->name, sizeof s->to);
                oo_strlcpy(s->reason, "VF-LAG member", sizeof s->reason);
                enslaved_any = true;
            }
        }
    }
    if (cb->primary) {
        int64_t cur = bl ? bl->bond.primary : 0;
        const struct oo_link *pl = NULL;
        int pi = oo_config_find_pf(c->cfg, cb->primary);

        for (size_t i = 0; i < c->n_pfs; i++)
            if (c->pfs[i].cfg_index == pi && c->pfs[i].opf >= 0) {
                const struct oo_dl_port *up = oo_obs_pf_uplink(opf_of(c, &c->pfs[i]));
                pl = up ? link_by_index(c, up->ifindex) : NULL;
            }
        if (pl && cur != pl->ifindex) {
            const struct oo_link *cl = cur ? link_by_index(c, (uint32_t)cur) : NULL;
            bond_set(c, cb->name, OO_BOND_OPT_PRIMARY, cur, pl->ifindex, cl ? cl->name : "-",
                     pl->name, "the config's primary");
            oo_strlcpy(c->plan->steps[c->plan->n_steps - 1].name2, cb->name,
                       sizeof c->plan->steps[0].name2);
        }
    }
    if (created || down || !bl->up)
        link_updown(c, OO_STEP_LINK_UP, cb->name, "the bond is up");
    for (size_t m = 0; m < cb->n_members; m++)
        for (size_t i = 0; i < c->n_pfs; i++) {
            const struct dpf *d = &c->pfs[i];
            const struct oo_dl_port *up;
            const struct oo_link *ul;

            if (d->cfg_index != cb->members[m].index || d->opf < 0)
                continue;
            up = oo_obs_pf_uplink(opf_of(c, d));
            ul = up ? link_by_index(c, up->ifindex) : NULL;
            if (!ul)
                continue;
            bool just = enslaved_any && !(bl && ul->master == bl->ifindex && !d->mode_changes && !mode_change);
            if (just || !ul->up)
                link_updown(c, OO_STEP_LINK_UP, ul->name, "members go up after the bond");
        }
    c->bond_touched[b] = enslaved_any;
    plan_lag_wait(c, b, enslaved_any);
}

/* ------------------------------------------------------------ OVS */

static const char *ovs_value(const struct oo_ovs_observed *ovs, const char *key)
{
    if (!strcmp(key, "hw-offload"))
        return ovs->hw_offload;
    if (!strcmp(key, "tc-policy"))
        return ovs->tc_policy;
    return ovs->max_idle;
}

bool oo_plan_flow_api_was_on(const struct oo_ovs_observed *ovs)
{
    return ovs->vswitchd_running == 1 && ovs->offload_active != 2 &&
           (ovs->flow_api == OO_FLOW_API_ON || ovs->flow_api == OO_FLOW_API_ON_POLICY_UNKNOWN ||
            ovs->offload_active == 1 || (ovs->offload_active < 0 && ovs->hw_offload_enabled));
}

int oo_plan_restart_after_write(const struct oo_ovs_observed *ovs, const char *hw, const char *tc,
                                int *flow_api, char *policy, char *why, size_t why_size)
{
    struct oo_offload_cfg before, after;
    bool running = ovs->vswitchd_running == 1;
    /* offload_active 2 (the model's "turned on by this transaction") is not
     * "on before": the process reads the transaction's tc-policy. */
    bool was_on = oo_plan_flow_api_was_on(ovs);
    int need;

    oo_offload_cfg_from(ovs->hw_offload, ovs->tc_policy, &before);
    oo_offload_cfg_from(hw, tc, &after);
    policy[0] = '\0';
    *flow_api = OO_FLOW_API_UNKNOWN;
    if (running)
        *flow_api = oo_flow_api_after_write(ovs->offload_active == 2 ? OO_FLOW_API_OFF : ovs->flow_api,
                                            ovs->flow_api_policy, &before, &after, policy);
    need = oo_restart_needed(ovs->vswitchd_running, *flow_api, policy, &after, why, why_size);
    if (need < 0 && was_on &&
        (strcmp(before.tc_policy, after.tc_policy) || (before.hw_offload && !after.hw_offload))) {
        /* What it read is not known, but a flow API that is on reads
         * tc-policy no more and never turns off. */
        if (after.hw_offload)
            snprintf(why, why_size, "tc-policy %s -> %s under a flow API that is on: only a new "
                     "ovs-vswitchd reads it", before.tc_policy, after.tc_policy);
        else
            snprintf(why, why_size, "hw-offload=false under a flow API that is on: only a restart "
                     "turns it off");
        need = 1;
    }
    return need;
}

/* Plans the other_config keys. *hw and *tc become hw-offload and tc-policy
 * as stored after the plan's transaction (NULL: unset; else the observed
 * string or one in want); returns whether it changes either. OVS 3.1 turns
 * its flow API on (and reads tc-policy with it) the first time it sees
 * hw-offload=true, at runtime; what it cannot do without a restart is turn it
 * off, or change tc-policy once on. */
static bool plan_ovs_config(struct ctx *c, char want[3][32], const char **hw, const char **tc)
{
    const struct oo_cfg_ovs *co = &c->cfg->ovs;
    const struct oo_ovs_observed *ovs = &c->obs->ovs;
    const char *keys[3] = { "hw-offload", "tc-policy", "max-idle" };
    bool set[3] = { co->hw_offload >= 0, co->tc_policy >= 0, co->max_idle_ms >= 0 };
    bool changed = false;

    *hw = ovs->hw_offload;
    *tc = ovs->tc_policy;
    snprintf(want[0], sizeof want[0], "%s", co->hw_offload > 0 ? "true" : "false");
    snprintf(want[1], sizeof want[1], "%s", co->tc_policy >= 0 ? oo_cfg_tc_policy_to_string(co->tc_policy) : "");
    snprintf(want[2], sizeof want[2], "%" PRId64, co->max_idle_ms);
    for (int k = 0; k < 3; k++) {
        const char *cur = ovs_value(ovs, keys[k]);
        struct oo_step *s;

        if (!set[k] || (cur && !strcmp(cur, want[k])))
            continue;
        /* Unset hw-offload is false and unset tc-policy is none for ovs-vswitchd. */
        if (!cur && ((k == 0 && !strcmp(want[k], "false")) || (k == 1 && !strcmp(want[k], "none"))))
            continue;
        s = add_step(c->plan, OO_STEP_OVS_SET_CONFIG, -1, -1);
        SETF(s->object, "ovs");
        oo_strlcpy(s->name, keys[k], sizeof s->name);
        oo_strlcpy(s->name2, want[k], sizeof s->name2);
        SETF(s->from, "%s=%.40s", keys[k], cur ? cur : "(unset)");
        SETF(s->to, "%s=%.40s", keys[k], want[k]);
        oo_strlcpy(s->reason, "Open_vSwitch other_config", sizeof s->reason);
        if (k == 0)
            *hw = want[0];
        else if (k == 1)
            *tc = want[1];
        changed |= k < 2;
    }
    return changed;
}

static bool ovs_bridge_exists(const struct oo_ovs_observed *ovs, const char *name)
{
    for (size_t i = 0; i < ovs->n_bridges; i++)
        if (!strcmp(ovs->bridges[i].name, name))
            return true;
    return false;
}

/* Whether the plan already removes this port (so it must be added again). */
static bool port_removed(const struct ctx *c, const char *name)
{
    for (size_t i = 0; i < c->plan->n_steps; i++)
        if (c->plan->steps[i].kind == OO_STEP_OVS_DEL_PORT && !strcmp(c->plan->steps[i].name, name))
            return true;
    return false;
}

static void add_port(struct ctx *c, const struct oo_cfg_bridge *br, const char *port,
                     const struct dpf *d, int64_t vf, const char *why)
{
    const struct oo_ovs_port *p = port ? oo_ovs_port_find(&c->obs->ovs, port) : NULL;
    const struct oo_ovs_port *q = port && !p ? oo_ovs_port_with_iface(&c->obs->ovs, port) : NULL;
    struct oo_step *s;

    /* OVSDB refuses a second interface of one name: the whole transaction
     * would fail on it. */
    if (q && !port_removed(c, q->name)) {
        plan_error(c->plan, br->name, "%s is an interface of OVS port %s on bridge %s (an OVS bond): "
                   "take it out of there (ovs-vsctl del-port %s, or del-bond-iface) or leave it out of "
                   "the config", port, q->name, q->bridge ? q->bridge : "(none)", q->name);
        return;
    }
    if (p && !port_removed(c, port)) {
        if (!p->owned && (!p->bridge || strcmp(p->bridge, br->name)))
            plan_error(c->plan, br->name, "port %s is on bridge %s and ovs-offload did not attach "
                       "it: detach it (ovs-vsctl del-port %s) or leave it out of the config",
                       port, p->bridge ? p->bridge : "(none)", port);
        return;   /* already attached: ours or the admin's, on the right bridge */
    }
    s = add_step(c->plan, OO_STEP_OVS_ADD_PORT, d ? d->cfg_index : -1, d ? d->opf : -1);
    s->vf = vf;
    oo_strlcpy(s->name2, br->name, sizeof s->name2);
    if (port) {
        oo_strlcpy(s->name, port, sizeof s->name);
        SETF(s->object, "%s/%s", br->name, port);
    } else {
        SETF(s->object, "%.32s/%.32s/vf%" PRId64, br->name, d->label, vf);
    }
    oo_strlcpy(s->reason, why, sizeof s->reason);
}

/* The config sets hw-offload or tc-policy, and what the running ovs-vswitchd
 * read is not known (why: how so): nothing records whether hw-offload was
 * true at some time in its life, or the tc-policy it read then. An
 * ovs-vswitchd that serves no bridge (a fresh host: the usual first run) is
 * restarted under ovs.restart if-needed, before the plan adds any bridge:
 * that interrupts no traffic, and the new process is known to read what the
 * plan stores (*settle). One that serves bridges is not restarted on a doubt:
 * a note says how to settle it, and *record asks for ovs-offload's record to
 * be written, without which not even a restart would tell. Returns the
 * judgement to plan by; rewrites why for a restart. */
static int plan_unknown_restart(struct ctx *c, int restart, char *why, size_t why_size, bool *settle,
                                bool *record)
{
    const struct oo_ovs_observed *ovs = &c->obs->ovs;
    bool if_needed = c->cfg->ovs.restart == OO_CFG_RESTART_IF_NEEDED;

    *settle = *record = false;
    if (!ovs->restart_settles) {
        plan_note(c->plan, "ovs-vswitchd", "whether it runs with the stored hw-offload and tc-policy is "
                  "not known (%.240s), and not even a restart would tell: its start time or the boot id "
                  "cannot be read", why);
        return restart;
    }
    if (if_needed && !ovs->n_bridges) {
        snprintf(why, why_size, "what it read is not known (no record covers it), and it serves no "
                 "bridge yet: a restart interrupts no traffic and has it read the stored values");
        *settle = true;
        return 1;
    }
    *record = true;
    plan_note(c->plan, "ovs-vswitchd", "whether it runs with the stored hw-offload and tc-policy is not "
              "known (%.240s): restart it once when traffic allows (systemctl restart "
              "openvswitch-switch), and ovs-offload's record tells from then on%s", why,
              if_needed ? "; ovs.restart if-needed does not restart an ovs-vswitchd that serves bridges "
              "on a doubt" : "");
    return restart;
}

/* Whether the plan has a step that sends an OVSDB transaction. */
static bool plan_has_ovs_txn(const struct ctx *c)
{
    for (size_t i = 0; i < c->plan->n_steps; i++) {
        int k = c->plan->steps[i].kind;

        /* A restart writes the record before it runs its command. */
        if (oo_step_kind_is_ovsdb_change(k) || k == OO_STEP_OVS_RESTART)
            return true;
    }
    return false;
}

static struct oo_step *restart_step(struct ctx *c, int opt, const char *why)
{
    struct oo_step *s = add_step(c->plan, OO_STEP_OVS_RESTART, -1, -1);

    SETF(s->object, "ovs-vswitchd");
    s->opt = opt;
    oo_strlcpy(s->reason, why, sizeof s->reason);
    return s;
}

size_t oo_ovs_without_upcall_threads(const struct oo_ovs_observed *ovs, char *buf, size_t size)
{
    size_t n = 0, len = 0;

    buf[0] = '\0';
    for (size_t i = 0; i < ovs->n_datapaths; i++) {
        if (ovs->datapaths[i].revalidators != 0)
            continue;
        if (len < size)
            len += (size_t)snprintf(buf + len, size - len, "%s%s", n ? ", " : "", ovs->datapaths[i].name);
        n++;
    }
    return n;
}

/* ovs-vswitchd running without upcall threads for a datapath (upcall/show
 * lists no revalidator): every upcall is lost, so no new flow is set up, in
 * software or in hardware. OVS 3.1 counts no CPU while its clock
 * (CLOCK_MONOTONIC) is under 10 s (count_cpu_cores() keeps 0 until its
 * first refresh, due 10 s after time 0), and with per-CPU upcall dispatch
 * (which it uses where the kernel has it, as 6.1 does) starts no handler
 * then, and without handlers no revalidator: an ovs-vswitchd started in the
 * first seconds of boot has none until it next reconfigures (seen in the
 * test guest, every boot). An increment of next_cfg makes it reconfigure; a
 * restart planned already does the same and more, so this is planned only
 * without one. Not for a config that leaves OVS alone. */
static void plan_upcall_threads(struct ctx *c)
{
    const struct oo_config *cfg = c->cfg;
    const struct oo_ovs_observed *ovs = &c->obs->ovs;
    char names[160];
    struct oo_step *s;

    if (ovs->vswitchd_running != 1 || !(cfg->n_bridges || cfg->ovs.hw_offload >= 0 ||
                                        cfg->ovs.tc_policy >= 0 || cfg->ovs.max_idle_ms >= 0))
        return;
    if (!oo_ovs_without_upcall_threads(ovs, names, sizeof names))
        return;
    s = add_step(c->plan, OO_STEP_OVS_RECONFIGURE, -1, -1);
    SETF(s->object, "ovs-vswitchd");
    oo_strlcpy(s->from, "no upcall threads", sizeof s->from);
    oo_strlcpy(s->to, "reconfigured", sizeof s->to);
    SETF(s->reason, "no upcall thread for %.40s%s, every upcall lost (started within 10 s of boot): "
         "reconfiguring starts them", names, strlen(names) > 40 ? "..." : "");
}

static void plan_ovs(struct ctx *c)
{
    const struct oo_config *cfg = c->cfg;
    const struct oo_ovs_observed *ovs = &c->obs->ovs;
    const char *hw_after, *tc_after;
    char why[240], policy[16], want[3][32];
    int restart, flow_api;
    bool settle = false, record = false, restarts;
    struct oo_step *s;

    if (!ovs->reachable) {
        if (cfg->n_bridges || cfg->ovs.hw_offload >= 0 || cfg->ovs.tc_policy >= 0 || cfg->ovs.max_idle_ms >= 0)
            plan_error(c->plan, "ovs", "OVSDB is unreachable (%s): start openvswitch-switch, or "
                       "point ovs.db at its socket", ovs->error);
        return;
    }
    /* Judged on the state the plan leaves: a write can also end the need
     * for a restart (the tc-policy the process runs with put back). */
    if (plan_ovs_config(c, want, &hw_after, &tc_after)) {
        restart = oo_plan_restart_after_write(ovs, hw_after, tc_after, &flow_api, policy, why, sizeof why);
    } else {
        restart = ovs->restart_needed;
        oo_strlcpy(why, ovs->restart_why, sizeof why);
    }
    c->hw_offload_after = hw_after && !strcasecmp(hw_after, "true");
    c->vswitchd_to_flush = ovs->vswitchd_running == 0 && c->hw_offload_after;
    if (restart < 0 && ovs->vswitchd_running == 1 && (cfg->ovs.hw_offload >= 0 || cfg->ovs.tc_policy >= 0))
        restart = plan_unknown_restart(c, restart, why, sizeof why, &settle, &record);
    /* Before the bridges: a pass stopped after adding them would find it
     * serving bridges, and keep the doubt. */
    if (settle)
        restart_step(c, OO_RESTART_SETTLE, why);
    restarts = settle;
    for (size_t b = 0; b < cfg->n_bridges; b++) {
        const struct oo_cfg_bridge *br = &cfg->bridges[b];

        if (!ovs_bridge_exists(ovs, br->name)) {
            /* A bridge's name is also its internal port's and interface's. */
            const struct oo_ovs_port *q = oo_ovs_port_find(ovs, br->name);

            if (!q || port_removed(c, q->name))
                q = oo_ovs_port_with_iface(ovs, br->name);
            if (q && !port_removed(c, q->name))
                plan_error(c->plan, br->name, "OVS port %s on bridge %s has %s: a bridge's name is "
                           "also its own port's; rename the bridge in the config, or remove that port",
                           q->name, q->bridge ? q->bridge : "(none)",
                           strcmp(q->name, br->name) ? "an interface of that name" : "that name");
            s = add_step(c->plan, OO_STEP_OVS_ADD_BRIDGE, -1, -1);
            SETF(s->object, "%s", br->name);
            oo_strlcpy(s->name, br->name, sizeof s->name);
            oo_strlcpy(s->reason, "the config's bridge", sizeof s->reason);
        }
        if (br->has_uplink) {
            if (br->uplink.kind == OO_CFG_REF_BOND) {
                add_port(c, br, cfg->bonds[br->uplink.index].name, NULL, -1, "the bridge's uplink (bond)");
            } else {
                for (size_t i = 0; i < c->n_pfs; i++) {
                    const struct dpf *d = &c->pfs[i];
                    const char *up = d->opf >= 0 ? uplink_netdev(opf_of(c, d)) : NULL;
                    if (d->cfg_index == br->uplink.index && up)
                        add_port(c, br, up, d, -1, "the bridge's uplink");
                }
            }
        }
        if (cfg->reps_owned_by_host_agent)
            continue;
        for (size_t r = 0; r < br->n_reps; r++) {
            for (size_t i = 0; i < c->n_pfs; i++) {
                const struct dpf *d = &c->pfs[i];
                const struct oo_dl_port *rp;

                if (d->cfg_index != br->reps[r].pf || d->opf < 0 || d->mode != OO_ESWITCH_SWITCHDEV)
                    continue;
                if ((int64_t)br->reps[r].vf >= d->num_vfs)
                    continue;
                rp = d->reps_recreated ? NULL : rep_port(d, br->reps[r].vf);
                add_port(c, br, rp && rp->netdev[0] ? rp->netdev : NULL, d, br->reps[r].vf,
                         "VF representor");
            }
        }
    }
    /* Every OVSDB transaction of the apply writes a missing record; a
     * plan with none writes it alone. */
    if (record && !ovs->record_current && !plan_has_ovs_txn(c)) {
        s = add_step(c->plan, OO_STEP_OVS_RECORD, -1, -1);
        SETF(s->object, "ovs-vswitchd");
        oo_strlcpy(s->reason, "what it runs with is not known: the record dates a restarted one",
                   sizeof s->reason);
    }
    if (restart == 1 && !settle) {
        if (cfg->ovs.restart == OO_CFG_RESTART_IF_NEEDED) {
            restart_step(c, OO_RESTART_NEEDED, why);
            restarts = true;
        } else {
            plan_note(c->plan, "ovs-vswitchd", "needs a restart to apply hw-offload/tc-policy "
                      "(ovs.restart is never): systemctl restart openvswitch-switch");
        }
    }
    if (!restarts)
        plan_upcall_threads(c);
}

/* ------------------------------------------------------------ links up */

/* Whether the plan already has a step of kind on netdev (sets a bond's
 * member up, say). */
static bool link_step_planned(const struct ctx *c, int kind, const char *netdev)
{
    for (size_t i = 0; i < c->plan->n_steps; i++)
        if (c->plan->steps[i].kind == kind && !strcmp(c->plan->steps[i].name, netdev))
            return true;
    return false;
}

static bool link_up_planned(const struct ctx *c, const char *netdev)
{
    return link_step_planned(c, OO_STEP_LINK_UP, netdev);
}

/* d's uplink (vf < 0) or VF vf's representor, which the config has carry
 * traffic, set up when it is down or is made in this plan (a new netdev is
 * down). A representor's step names it by VF, and apply takes its netdev from
 * devlink: udev may rename it while the plan runs (the OVS step waits for
 * that), and one made in this run has no name yet. */
static void want_up(struct ctx *c, const struct dpf *d, int64_t vf, const char *why, bool ipv6_pass)
{
    const struct oo_dl_port *rp = NULL;
    const struct oo_link *l = NULL;
    bool ipv6_off = false;
    struct oo_step *s;

    if (d->opf < 0 || (ipv6_pass && vf < 0))
        return;                     /* the PF is missing: said where it is planned */
    if (vf < 0) {
        l = uplink_link(c, opf_of(c, d));
        /* A bond member goes up with its bond (plan_bond). An OVS port's
         * master is the datapath, ovs-system: not a reason to leave it. */
        if (!l || l->up || !strcmp(l->slave_kind, "bond") || d->bond >= 0 || link_up_planned(c, l->name))
            return;
    } else {
        if (d->mode != OO_ESWITCH_SWITCHDEV || vf >= d->num_vfs)
            return;
        rp = d->reps_recreated ? NULL : rep_port(d, vf);
        l = rp && rp->netdev[0] && rp->ifindex ? link_by_index(c, rp->ifindex) : NULL;
        /* A representor is a switch port: what the host's IPv6 sends out of
         * it (DAD, router solicitations, MLD reports) goes into the VM's VF,
         * and ovs-vswitchd's route and address tables grow by its link-local
         * address and routes (docs/performance.md, session 41). One that is
         * down, or made in this run, has it turned off by its link-up, before
         * it goes up: no address is ever made. One that is up gets an
         * ipv6-off step in the pass after tc: a /proc that cannot be written
         * then keeps no rule from the host. */
        ipv6_off = !c->cfg->pfs[d->cfg_index].representor_ipv6;
        if (ipv6_pass) {
            if (l && l->up && l->ipv6_disabled == 0 && ipv6_off &&
                !link_step_planned(c, OO_STEP_LINK_IPV6_OFF, l->name)) {
                s = add_step(c->plan, OO_STEP_LINK_IPV6_OFF, d->cfg_index, d->opf);
                s->vf = vf;
                SETF(s->object, "%s", l->name);
                oo_strlcpy(s->name, l->name, sizeof s->name);
                oo_strlcpy(s->from, "on", sizeof s->from);
                oo_strlcpy(s->to, "off", sizeof s->to);
                oo_strlcpy(s->reason, "a representor carries no host traffic: the host's IPv6 would go into "
                           "the VF (pfs[].representor_ipv6: true leaves it)", sizeof s->reason);
            }
            return;
        }
        if (l && (l->up || link_up_planned(c, l->name)))
            return;
    }
    s = add_step(c->plan, OO_STEP_LINK_UP, d->cfg_index, d->opf);
    s->vf = vf;
    s->opt = ipv6_off && (!l || l->ipv6_disabled == 0);
    if (l) {
        SETF(s->object, "%s", l->name);
        if (vf < 0)
            oo_strlcpy(s->name, l->name, sizeof s->name);
        oo_strlcpy(s->from, "down", sizeof s->from);
    } else {
        SETF(s->object, "%.40s/vf%" PRId64, d->label, vf);
        oo_strlcpy(s->from, "new", sizeof s->from);
    }
    oo_strlcpy(s->to, "up", sizeof s->to);
    SETF(s->reason, "%s%s", why, s->opt == 1 ? "; its IPv6 is turned off first" : "");
}

static const struct dpf *dpf_of_cfg(const struct ctx *c, int cfg_index)
{
    for (size_t i = 0; i < c->n_pfs; i++)
        if (c->pfs[i].cfg_index == cfg_index)
            return &c->pfs[i];
    return NULL;
}

/* The netdevs the config has carry traffic are set up, after OVS has them:
 * nothing else does. OVS attaches a port as it is, a representor is made
 * down, and in switchdev a VF's link follows its representor's (mlx5 sets
 * the VF's vport up when the representor opens, down when it closes): a VM's
 * VF behind a down representor has no carrier. These are the bridges'
 * uplinks and representors, and each MPV pair's uplinks and representors
 * (the MultiPort order ends "bind VFs -> PFs up"). A bond and its members go
 * up in plan_bond. In host.conf mode the representors are host-agent's:
 * not touched. */
static void plan_links_up(struct ctx *c, bool ipv6_pass)
{
    const struct oo_config *cfg = c->cfg;
    const struct dpf *d;

    for (size_t b = 0; b < cfg->n_bridges; b++) {
        const struct oo_cfg_bridge *br = &cfg->bridges[b];

        if (br->has_uplink && br->uplink.kind == OO_CFG_REF_PF && (d = dpf_of_cfg(c, br->uplink.index)))
            want_up(c, d, -1, "the bridge's uplink carries traffic only when up", ipv6_pass);
        for (size_t r = 0; !cfg->reps_owned_by_host_agent && r < br->n_reps; r++)
            if ((d = dpf_of_cfg(c, br->reps[r].pf)))
                want_up(c, d, br->reps[r].vf, "a VF's link follows its representor's: down, the VF has no carrier",
                        ipv6_pass);
    }
    for (size_t m = 0; m < cfg->n_mpvs; m++)
        for (int k = 0; k < 2; k++) {
            const struct oo_cfg_ref *v = &cfg->mpvs[m].vfs[k];

            if (v->kind != OO_CFG_REF_VF || !(d = dpf_of_cfg(c, v->index)))
                continue;
            want_up(c, d, -1, "an MPV pair's uplink carries its traffic only when up", ipv6_pass);
            want_up(c, d, v->vf, "an MPV VF's link follows its representor's: down, the VF has no carrier",
                    ipv6_pass);
        }
}

/* ------------------------------------------------------------ tc */

/* Why the plan takes this target's rules away before the tc steps, NULL
 * when it does not: it re-creates the netdev, attaches it to OVS (which
 * replaces the ingress qdisc of each port it attaches, the filters with
 * it), or switches the eswitch mode of the PF whose uplink it is (the
 * driver's offload of its block goes). Its rules are then written whatever
 * the host has now. */
static const char *target_remade(const struct ctx *c, const struct oo_tc_target *t)
{
    if (t->kind == OO_CFG_REF_BOND)
        return NULL;
    for (size_t i = 0; i < c->n_pfs; i++)
        if (c->pfs[i].cfg_index == t->index && t->kind == OO_CFG_REF_VF && c->pfs[i].reps_recreated)
            return "its netdev is re-created in this plan";
    for (size_t i = 0; i < c->plan->n_steps; i++) {
        const struct oo_step *s = &c->plan->steps[i];

        if (s->pf != t->index)
            continue;
        if (s->kind == OO_STEP_OVS_ADD_PORT && s->vf == (t->kind == OO_CFG_REF_VF ? t->vf : -1))
            return "OVS attaches it in this plan and replaces its ingress qdisc, its rules with it";
        if (s->kind == OO_STEP_ESWITCH_MODE && t->kind == OO_CFG_REF_PF)
            return "its PF's eswitch mode changes in this plan";
    }
    return NULL;
}

static void tc_step(struct ctx *c, const char *object, int ref_kind, int index, int64_t vf,
                    uint32_t ifindex, uint32_t block, const char *to, const char *why)
{
    /* pf: the config's pf, or bond, index; opt: the reference kind, -1 for
     * a place the config no longer targets (num/num2: its ifindex/block). */
    struct oo_step *s = add_step(c->plan, OO_STEP_TC_SYNC, index, -1);

    SETF(s->object, "%s", object);
    s->opt = ref_kind;
    s->vf = vf;
    s->num = ifindex;
    s->num2 = block;
    oo_strlcpy(s->to, to, sizeof s->to);
    oo_strlcpy(s->reason, why, sizeof s->reason);
}

/* A device on the shared block bond target t's rules go to (on either side
 * of a clsact) that is neither the bond nor a member (now, or one the
 * config makes): the bond's block is numbered as OVS numbers it (its
 * ifindex), and adding a qdisc on a block index that exists joins that
 * block. NULL if there is none. */
static const struct oo_link *block_stranger(const struct ctx *c, const struct oo_tc_target *t)
{
    for (size_t i = 0; i < c->obs->n_qdiscs; i++) {
        const struct oo_tc_qdisc *q = &c->obs->qdiscs[i];
        const struct oo_link *l;
        bool member = false;

        if ((q->ingress_block != t->place.block && q->egress_block != t->place.block) ||
            q->ifindex == t->place.ifindex)
            continue;
        l = link_by_index(c, q->ifindex);
        if (!l || l->master == t->place.ifindex)
            continue;
        for (size_t k = 0; k < c->n_pfs && !member; k++) {
            const struct oo_link *up = c->pfs[k].bond == t->index && c->pfs[k].opf >= 0
                                           ? uplink_link(c, opf_of(c, &c->pfs[k])) : NULL;

            member = up && up->ifindex == l->ifindex;
        }
        if (!member)
            return l;
    }
    return NULL;
}

/* The members of bond target t whose ingress is not on the bond's shared
 * block, so that what comes in on them passes the rules there (the
 * config's, and OVS's offloaded flows of the bond) by. Returns the first
 * that apply can put there (oo_tc_member_movable), or NULL; *stuck is the
 * first it cannot, on which apply would fail at every run, or NULL. */
static const struct oo_link *member_off_block(const struct ctx *c, const struct oo_tc_target *t,
                                              const struct oo_link **stuck)
{
    const struct oo_link *movable = NULL;

    *stuck = NULL;
    for (size_t i = 0; i < c->obs->n_links; i++) {
        const struct oo_link *l = &c->obs->links[i];
        const struct oo_tc_qdisc *q;
        const struct oo_obs_tc_place *own;

        if (l->master != t->place.ifindex)
            continue;
        q = oo_tc_find_ingress_qdisc(c->obs->qdiscs, c->obs->n_qdiscs, l->ifindex);
        if (q && q->ingress_block == t->place.block)
            continue;
        own = q && !q->ingress_block ? oo_obs_tc_place_of(c->obs, l->ifindex) : NULL;
        if (!q || (own && !own->dump_err && oo_tc_member_movable(q, &own->counts))) {
            if (!movable)
                movable = l;
        } else if (!*stuck) {
            *stuck = l;
        }
    }
    return movable;
}

/* Whether target t's netdev is an OVS port, or is to be one by the config. */
static bool target_on_ovs(const struct ctx *c, const struct oo_tc_target *t)
{
    const struct oo_config *cfg = c->cfg;
    const struct oo_ovs_port *p = t->place_resolved ? oo_ovs_port_find(&c->obs->ovs, t->place.netdev) : NULL;

    /* A port this plan removes is on OVS only if the config wants it back
     * (below). */
    if (p && p->bridge && !port_removed(c, p->name))
        return true;
    for (size_t b = 0; b < cfg->n_bridges; b++) {
        const struct oo_cfg_bridge *br = &cfg->bridges[b];

        if (t->kind != OO_CFG_REF_VF && br->has_uplink && br->uplink.kind == t->kind &&
            br->uplink.index == t->index)
            return true;
        for (size_t r = 0; t->kind == OO_CFG_REF_VF && r < br->n_reps; r++)
            if (br->reps[r].pf == t->index && (int64_t)br->reps[r].vf == t->vf)
                return true;
    }
    return false;
}

/* A rule of target t at one of OVS's own prios with another protocol
 * (config.h, OO_CFG_OVS_PRIO_IPV4), on a port OVS has or is given, with
 * hw-offload on once the plan ran: ovs-vswitchd's offload of its IPv4 or
 * IPv6 flows on that port would fail, whichever filter came first. check
 * refuses it on the config's own bridge ports when the config turns
 * hw-offload on; this covers ports attached by others (host-agent's
 * representors, an admin's bridge) and a hw-offload the config leaves
 * alone. The filters are scanned first: a port lookup for every target
 * would cost each no-op. Returns whether it blocked the plan. */
static bool block_ovs_prio(struct ctx *c, const struct oo_tc_target *t)
{
    const struct oo_config *cfg = c->cfg;
    const struct oo_cfg_rule *r = NULL;
    bool clash = false;

    if (!c->hw_offload_after)
        return false;
    for (size_t k = 0; k < t->n_filters && !clash; k++) {
        const struct oo_tc_id *id = &t->filters[k].id;
        const int ovs = oo_cfg_ovs_prio_protocol(id->chain, id->prio);

        clash = ovs && id->protocol != ovs;
    }
    if (!clash || !target_on_ovs(c, t))
        return false;
    for (size_t i = 0; i < cfg->n_rules && !r; i++) {
        const struct oo_cfg_rule *x = &cfg->rules[i];

        if (x->dev.kind == t->kind && x->dev.index == t->index &&
            (t->kind != OO_CFG_REF_VF || x->dev.vf == t->vf) && oo_cfg_rule_ovs_prio_clash(x))
            r = x;
    }
    if (!r)
        return false;   /* not a config rule's filter: none other is put there */
    const int ovs_proto = oo_cfg_rule_ovs_prio_clash(r);
    char etbuf[16];
    const char *et = oo_cfg_eth_type_describe(r->match.eth_type, etbuf);

    plan_error(c->plan, t->label, "tc rule '%s' takes OVS's prio %u with eth_type %s on %s, an OVS port "
               "with hw-offload on: OVS puts the tc filters of its %s flows at prio %u, and tc keeps one "
               "protocol per prio, so their offload would fail; give the rule eth_type %s, or a prio "
               "above the ones OVS uses", r->name, r->prio, et,
               t->place_resolved ? t->place.netdev : t->label,
               ovs_proto == 0x0800 ? "IPv4" : "IPv6", r->prio, ovs_proto == 0x0800 ? "ipv4" : "ipv6");
    return true;
}

/* ovs-vswitchd is not running and will start with its flow API on: then it
 * replaces the ingress qdisc of each port it opens (OVS 3.1
 * netdev_tc_init_flow_api() deletes it and adds its own), and the rules of
 * the targets there go with it. Written now all the same (they work until
 * then), and said. */
static void note_vswitchd_flush(struct ctx *c, const struct oo_tc_desired *d)
{
    char list[200] = "";
    size_t n = 0, len = 0;

    for (size_t i = 0; i < d->n_targets; i++) {
        if (!d->targets[i].n_filters || !target_on_ovs(c, &d->targets[i]))
            continue;
        if (n++ < 4 && len < sizeof list)
            len += (size_t)snprintf(list + len, sizeof list - len, "%s%s", len ? ", " : "",
                                    d->targets[i].label);
    }
    if (!n)
        return;
    plan_note(c->plan, "ovs-vswitchd", "not running: when it starts with hw-offload on it replaces "
              "the ingress qdisc of each port it opens, and the tc rules of %s%s go with it: run apply "
              "again once it runs (ovs-offloadd puts them back by itself)", list,
              n > 4 ? " and more" : "");
}

static void plan_tc(struct ctx *c)
{
    struct oo_tc_desired own = { 0 };
    const struct oo_tc_desired *d = c->opts && c->opts->tc_desired ? c->opts->tc_desired : &own;
    bool *targeted = oo_calloc(c->obs->n_tc + 1, sizeof *targeted);
    uint64_t *where;
    char to[64];

    if (d == &own)
        oo_tc_desired_build_observed(c->cfg, c->obs, &own);
    where = oo_calloc(d->n_targets + 1, sizeof *where);
    for (size_t i = 0; i < d->n_targets; i++) {
        const struct oo_tc_target *t = &d->targets[i];
        const struct oo_obs_tc_place *p =
            t->place_resolved ? oo_obs_tc_place_of(c->obs, t->place.ifindex) : NULL;
        struct oo_tc_plan tp;
        const char *remade;
        size_t j = i;

        /* A bond without rules (tcplan.c) is a target only for its members:
         * while it is on no block yet, OVS has not opened it, and the block
         * is OVS's to make. Its place is not claimed, so that owned rules
         * there go as rules the config no longer has. */
        if (!t->n_filters && (!p || !p->block || target_remade(c, t) != NULL))
            continue;
        /* Each target's sync writes its rules and deletes the other owned
         * ones of its place: two targets on one place (ports someone put
         * on one shared block) would delete each other's at every pass. */
        if (t->place_resolved && t->n_filters) {
            where[i] = t->place.block ? (uint64_t)1 << 32 | t->place.block : t->place.ifindex;
            for (j = 0; j < i && where[j] != where[i]; j++)
                ;
        }
        const struct oo_link *stranger = t->kind == OO_CFG_REF_BOND && t->place_resolved && t->n_filters
                                             ? block_stranger(c, t) : NULL;
        if (stranger) {
            plan_error(c->plan, t->label, "shared block %" PRIu32 ", which the bond's rules go to, is "
                       "also %s's, which is neither the bond nor one of its members: rules there would "
                       "apply to it too (tc qdisc show dev %s)", t->place.block, stranger->name,
                       stranger->name);
            continue;
        }
        if (t->place_resolved && j < i) {
            plan_error(c->plan, t->label, "its tc rules would go to %s%" PRIu32 ", where %s's go too (%s "
                       "and %s share that ingress block): rules on a shared block apply to every port on "
                       "it, so write them all on %s", t->place.block ? "block " : "ifindex ",
                       t->place.block ? t->place.block : t->place.ifindex, d->targets[j].label,
                       d->targets[j].place.netdev, t->place.netdev, d->targets[j].label);
            continue;
        }

        /* Its place is the config's even while a redirect target is still
         * missing: the sync below writes it all, so its owned rules are not
         * "rules the config no longer has". */
        if (p)
            targeted[p - c->obs->tc] = true;
        if (block_ovs_prio(c, t))
            continue;
        remade = t->resolved ? target_remade(c, t) : NULL;
        if (!t->resolved || remade) {
            SETF(to, "%zu rule%s", t->n_filters, t->n_filters == 1 ? "" : "s");
            tc_step(c, t->label, t->kind, t->index, t->vf, 0, 0, to, remade ? remade : t->unresolved);
            continue;
        }
        if (t->kind == OO_CFG_REF_BOND && p && !p->block)
            p = NULL;   /* the bond's own ingress is not its shared block: made at apply */
        /* A bond that lost its ingress qdisc: its members may still hold the
         * block it is to be on again. Its owned rules there are this
         * target's, not rules the config no longer has. */
        for (size_t k = 0; t->kind == OO_CFG_REF_BOND && !p && t->place_resolved && k < c->obs->n_tc; k++)
            if (c->obs->tc[k].block && c->obs->tc[k].block == t->place.block)
                targeted[k] = true;
        if (p && p->dump_err) {
            /* Its owned rules are not known: nothing to diff against. */
            plan_error(c->plan, t->label, "the tc rules of %s cannot be read: %s", p->netdev,
                       p->dump_error);
            continue;
        }
        oo_tc_reconcile(t->filters, t->n_filters, p ? p->filters : NULL, p ? p->n_filters : 0, &tp);
        for (size_t k = 0; k < tp.n_conflicts; k++)
            plan_error(c->plan, t->label, "tc rule cannot be installed: %s", tp.conflicts[k].reason);
        const struct oo_link *stuck = NULL;
        const struct oo_link *off = t->kind == OO_CFG_REF_BOND && p && p->has_qdisc ? member_off_block(c, t, &stuck)
                                                                                   : NULL;
        if (stuck)
            plan_note(c->plan, t->label, "bond member %s is not on the bond's shared block %" PRIu32 ", so "
                      "what comes in on it passes the block's rules%s by; its ingress is a clsact qdisc, "
                      "another block, or holds filters ovs-offload does not own, which are not moved: "
                      "see tc qdisc show dev %s and tc filter show dev %s ingress", stuck->name,
                      t->place.block, t->n_filters ? "" : " (OVS's offloaded flows of the bond)",
                      stuck->name, stuck->name);
        if (stuck && !tp.n_reqs && p && p->has_qdisc)
            off = NULL;     /* apply would fail on it at every run */
        if (tp.n_reqs || !p || !p->has_qdisc || off) {
            char why[sizeof ((struct oo_step *)0)->reason];

            if (!p || !p->has_qdisc)
                SETF(why, "no ingress qdisc yet: it is made first");
            else if (!tp.n_reqs)
                SETF(why, "bond member %s is not on the bond's shared block %" PRIu32 ": it is put there",
                     off->name, t->place.block);
            else
                SETF(why, "owned flower rules differ from the config%s%s%s", off ? "; member " : "",
                     off ? off->name : "", off ? " goes onto the bond's block" : "");
            SETF(to, "+%zu ~%zu -%zu", tp.n_add, tp.n_replace, tp.n_delete);
            tc_step(c, t->label, t->kind, t->index, t->vf, t->place.ifindex, t->place.block, to, why);
        }
        oo_tc_plan_free(&tp);
    }
    if (c->vswitchd_to_flush)
        note_vswitchd_flush(c, d);
    /* Owned rules where the config no longer puts any. */
    for (size_t i = 0; i < c->obs->n_tc; i++) {
        const struct oo_obs_tc_place *p = &c->obs->tc[i];
        if (!targeted[i] && p->dump_err)
            plan_note(c->plan, p->netdev, "its tc rules cannot be read, so owned rules there, if "
                      "any, are not removed: %s", p->dump_error);
        if (targeted[i] || !p->counts.owned)
            continue;
        SETF(to, "-%" PRIu64, p->counts.owned);
        tc_step(c, p->netdev, -1, -1, -1, p->block ? 0 : p->ifindex, p->block, to,
                "owned rules the config no longer has");
    }
    free(targeted);
    free(where);
    oo_tc_desired_free(&own);
}

/* ------------------------------------------------------------ entry point */

/* Whether two paths name one file: the daemon keeps its config's absolute
 * path, the CLI the path as typed ("config.yaml" in /etc/ovs-offload). */
static bool same_path(const char *a, const char *b)
{
    _cleanup_free_ char *ra = NULL, *rb = NULL;

    if (!strcmp(a, b))
        return true;
    ra = realpath(a, NULL);
    rb = ra ? realpath(b, NULL) : NULL;
    return ra && rb && !strcmp(ra, rb);
}

/* A running ovs-offloadd that enforces another config (another file, or
 * this one as it was before an edit it has not reloaded) would undo these
 * steps on its next pass wherever the two differ (daemonstate.h). */
static void plan_daemon(struct ctx *c)
{
    const struct oo_daemon_state *d = &c->obs->daemon;
    bool ignore = c->opts && c->opts->ignore_daemon, same_file;
    const char *as_loaded, *differs, *rejected = d->rejected_ms ? " (its last reload was rejected)" : "";

    /* The daemon's own pass plans with the config it enforces, also when
     * its state file could not be written at its last reload. */
    if (!d->found || d->self || (c->cfg->digest && c->cfg->digest == d->digest))
        return;
    same_file = c->cfg->file && same_path(c->cfg->file, d->config);
    as_loaded = same_file ? " as it was when loaded" : "";
    differs = same_file ? "; the file has changed since" : ", not this config";
    if (c->plan->n_steps && !ignore && same_file && d->watching)
        plan_error(c->plan, "ovs-offloadd", "pid %ld enforces %s%s%s: its next pass would undo "
                   "these steps. It watches the file (--watch-config) and reloads it within a "
                   "second of the last write: leave the change to it, or apply with "
                   "--ignore-daemon", d->pid, d->config, as_loaded, differs);
    else if (c->plan->n_steps && !ignore)
        plan_error(c->plan, "ovs-offloadd", "pid %ld enforces %s%s%s%s: its next pass would undo "
                   "these steps. %s (ovs-appctl -t ovs-offloadd reload), or apply with "
                   "--ignore-daemon", d->pid, d->config, as_loaded, rejected, differs,
                   same_file ? "Reload the daemon to have it apply them"
                             : "Put this config there and reload the daemon");
    else    /* apply's read-back plans with --ignore-daemon too: its user sees this */
        plan_note(c->plan, "ovs-offloadd", "pid %ld enforces %s%s%s%s%s", d->pid, d->config, as_loaded,
                  rejected, differs,
                  ignore ? ": its next pass undoes the difference (--ignore-daemon)" : "");
}

void oo_plan_build(const struct oo_config *cfg, const struct oo_observed *obs,
                   const struct oo_plan_opts *opts, struct oo_plan *plan)
{
    struct ctx c = { .cfg = cfg, .obs = obs, .opts = opts, .plan = plan };

    memset(plan, 0, sizeof *plan);
    plan->forced = opts && opts->force;
    if (obs->devlink_err && cfg->n_pfs) {
        plan_error(plan, "devlink", "%s", obs->devlink_error);
        return;
    }
    /* Without the links, every owned OVS port would look as if its netdev
     * had gone, and every bond as missing: nothing is planned from that. */
    if (obs->links_err) {
        plan_error(plan, "links", "cannot read the host's network interfaces: %s; nothing is "
                   "planned without them", obs->links_error);
        return;
    }
    /* Without tc, every rule would look missing (and be written twice). */
    if (obs->tc_err && (cfg->n_rules || cfg->n_mpvs)) {
        plan_error(plan, "tc", "cannot read tc: %s; the tc rules are not planned without it",
                   obs->tc_error);
        return;
    }
    c.bond_touched = oo_calloc(cfg->n_bonds + 1, sizeof *c.bond_touched);
    oo_link_index_init(&c.links, obs->links, obs->n_links);
    build_dpfs(&c);
    resolve_targets(&c);
    plan_ovs_removals(&c);
    plan_bond_removals(&c);
    for (size_t i = 0; i < c.n_pfs; i++)
        if (c.pfs[i].opf >= 0)
            plan_pf(&c, &c.pfs[i]);
    plan_multiport(&c);
    for (size_t i = 0; i < c.n_pfs; i++)
        if (c.pfs[i].bind_after_multiport) {
            struct oo_step *s = pf_step(&c, &c.pfs[i], OO_STEP_VF_BIND);

            s->opt = OO_BIND_AFTER_MULTIPORT;
            oo_strlcpy(s->reason, "after esw_multiport: the VFs of an MPV NIC are bound last",
                       sizeof s->reason);
        }
    for (size_t b = 0; b < cfg->n_bonds; b++)
        plan_bond(&c, (int)b);
    plan_ovs(&c);
    plan_links_up(&c, false);
    if (cfg->n_rules || cfg->n_mpvs || obs->n_tc)
        plan_tc(&c);
    plan_links_up(&c, true);    /* ipv6-off of representors that are up */
    plan_daemon(&c);
    for (size_t i = 0; i < c.n_pfs; i++) {
        free(c.pfs[i].params);
        free(c.pfs[i].reps);
    }
    free(c.pfs);
    free(c.bond_touched);
    oo_link_index_free(&c.links);
}

/* ------------------------------------------------------------ output */

void oo_step_format(const struct oo_step *s, char *buf, size_t size)
{
    int n = snprintf(buf, size, "%s: %s", s->object, oo_step_kind_to_string(s->kind));

    if (n < 0 || (size_t)n >= size)
        return;
    if (s->from[0] || s->to[0])
        snprintf(buf + n, size - (size_t)n, " %s -> %s", s->from[0] ? s->from : "-",
                 s->to[0] ? s->to : "-");
}

void oo_plan_print_text(FILE *f, const struct oo_plan *plan)
{
    char line[400];

    for (size_t i = 0; i < plan->n_errors; i++)
        fprintf(f, "error: %s: %s\n", plan->errors[i].object, plan->errors[i].message);
    for (size_t i = 0; i < plan->n_steps; i++) {
        oo_step_format(&plan->steps[i], line, sizeof line);
        fprintf(f, "[%zu/%zu] %s  (%s)\n", i + 1, plan->n_steps, line, plan->steps[i].reason);
    }
    for (size_t i = 0; i < plan->n_notes; i++)
        fprintf(f, "note: %s: %s\n", plan->notes[i].object, plan->notes[i].message);
    if (!plan->n_steps && !plan->n_errors)
        fprintf(f, "in sync: nothing to do\n");
    else
        fprintf(f, "%zu step%s%s", plan->n_steps, plan->n_steps == 1 ? "" : "s",
                plan->n_errors ? "" : "\n");
    if (plan->n_errors)
        fprintf(f, ", %zu error%s: nothing will be applied until they are fixed\n",
                plan->n_errors, plan->n_errors == 1 ? "" : "s");
}

static void json_issues(struct oo_json *j, const char *key, const struct oo_plan_issue *v, size_t n)
{
    oo_json_key(j, key);
    oo_json_arr_begin(j);
    for (size_t i = 0; i < n; i++) {
        oo_json_obj_begin(j);
        oo_json_kv_str(j, "object", v[i].object);
        oo_json_kv_str(j, "message", v[i].message);
        oo_json_obj_end(j);
    }
    oo_json_arr_end(j);
}

void oo_step_json(struct oo_json *j, const struct oo_step *s)
{
    oo_json_obj_begin(j);
    oo_json_kv_str(j, "kind", oo_step_kind_to_string(s->kind));
    oo_json_kv_str(j, "object", s->object);
    oo_json_kv_str(j, "from", s->from[0] ? s->from : NULL);
    oo_json_kv_str(j, "to", s->to[0] ? s->to : NULL);
    oo_json_kv_str(j, "reason", s->reason);
    oo_json_obj_end(j);
}

void oo_plan_json(struct oo_json *j, const struct oo_plan *plan)
{
    oo_json_obj_begin(j);
    oo_json_kv_bool(j, "in_sync", !plan->n_steps && !plan->n_errors);
    oo_json_key(j, "steps");
    oo_json_arr_begin(j);
    for (size_t i = 0; i < plan->n_steps; i++)
        oo_step_json(j, &plan->steps[i]);
    oo_json_arr_end(j);
    json_issues(j, "errors", plan->errors, plan->n_errors);
    json_issues(j, "notes", plan->notes, plan->n_notes);
    oo_json_obj_end(j);
}

void oo_plan_print_json(FILE *f, const struct oo_plan *plan, bool pretty)
{
    struct oo_json j;

    oo_json_init(&j, f, pretty);
    oo_plan_json(&j, plan);
    oo_json_finish(&j);
}
