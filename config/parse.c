/* The YAML config -> struct oo_config: structure, types, ranges, required
 * and exclusive keys. Relations between fields and objects are checked
 * afterwards by validate.c. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common/util.h"
#include "config/config.h"
#include "config/internal.h"
#include "config/schema.h"
#include "config/values.h"

struct pctx {
    struct oo_cfg_diag *d;
    struct oo_config *cfg;
    size_t n_reps;                  /* representors expanded so far */
    bool hostconf;                  /* the config has `hostconf:`: pfs entries give
                                     * settings to its PFs, which it names */
};

#define REF_HELP "expected a pf or bond name ('pf0', 'bond0') or a VF representor ('pf0/3')"
#define NAME_HELP "1..63 letters, digits, '_', '.', ':' or '-'"
#define IFNAME_HELP "1..15 letters, digits, '_', '.' or '-' (it becomes a netdev)"

/* ------------------------------------------------------------ small values */

/* A config name (pf, rule, mpv). */
static bool get_name(struct pctx *c, const struct ynode *n, char **ret)
{
    char *s;

    if (!sc_str(c->d, n, "a name", &s))
        return false;
    if (!oo_cfg_valid_name(s)) {
        sc_error(c->d, n, "invalid name '%.*s': expected " NAME_HELP, SC_SHOW, s);
        free(s);
        return false;
    }
    *ret = s;
    return true;
}

/* A name that is also a netdev (bond, bridge) and can be referenced. */
static bool get_ifname(struct pctx *c, const struct ynode *n, char **ret)
{
    char *s;

    if (!sc_str(c->d, n, "a name", &s))
        return false;
    if (!oo_cfg_valid_ifname(s) || !oo_cfg_valid_name(s) || strchr(s, ':')) {
        sc_error(c->d, n, "invalid name '%.*s': expected " IFNAME_HELP, SC_SHOW, s);
        free(s);
        return false;
    }
    *ret = s;
    return true;
}

static bool get_i32(struct pctx *c, const struct ynode *n, int64_t min, int64_t max,
                    int32_t *ret)
{
    int64_t v;

    if (!sc_int(c->d, n, min, max, &v))
        return false;
    *ret = (int32_t)v;
    return true;
}

static bool get_u32(struct pctx *c, const struct ynode *n, int64_t min, int64_t max,
                    uint32_t *ret)
{
    int64_t v;

    if (!sc_int(c->d, n, min, max, &v))
        return false;
    *ret = (uint32_t)v;
    return true;
}

/* "pf0", "bond0" or "pf0/3"; vf_only refuses the first two. */
static bool get_ref(struct pctx *c, const struct ynode *n, bool vf_only, struct oo_cfg_ref *ret)
{
    char name[OO_CFG_MAX_NAME + 1];
    int32_t vf;
    const char *s;
    int r;

    if (!sc_text(c->d, n, vf_only ? "a VF 'pf/N'" : "a device reference", &s))
        return false;
    r = oo_cfg_parse_ref(s, name, sizeof name, &vf);
    if (r == -ERANGE)
        sc_error(c->d, n, "VF id in '%.*s' is too large: VF ids are 0..%d", SC_SHOW, s,
                 OO_CFG_MAX_VF_ID);
    else if (r < 0)
        sc_error(c->d, n, "invalid reference '%.*s': %s", SC_SHOW, s,
                 vf_only ? "expected a VF as 'pf/N', e.g. 'pf0/2'" : REF_HELP);
    else if (vf_only && vf < 0)
        sc_error(c->d, n, "'%.*s' is not a VF: expected 'pf/N', e.g. '%.*s/0'", SC_SHOW, s,
                 SC_SHOW, s);
    if (r < 0 || (vf_only && vf < 0))
        return false;
    *ret = (struct oo_cfg_ref){ .name = oo_strdup(name), .vf = vf,
                                .kind = OO_CFG_REF_UNRESOLVED, .index = -1, .loc = n->loc };
    return true;
}

static bool get_ip(struct pctx *c, const struct ynode *n, bool allow_prefix, struct oo_cfg_ip *ret)
{
    const char *s;
    int r;

    if (!sc_text(c->d, n, "an IP address", &s))
        return false;
    r = oo_cfg_parse_ip(s, allow_prefix, ret);
    if (r == -ERANGE)
        sc_error(c->d, n, "prefix length of '%.*s' too long: at most 32 for IPv4, 128 for IPv6",
                 SC_SHOW, s);
    else if (r < 0)
        sc_error(c->d, n, "invalid IP address '%.*s': expected IPv4 or IPv6%s", SC_SHOW, s,
                 allow_prefix ? ", optionally with /prefix (10.0.0.0/24, fd00::/64)"
                              : " without a prefix (10.0.0.7, fd00::7)");
    return r == 0;
}

/* A number or one of the names of a sparse table (eth_type, ip_proto). */
static bool get_proto(struct pctx *c, const struct ynode *n, const struct oo_cfg_sparse_names *t,
                      int64_t max, const char *what, int32_t *ret)
{
    const char *names[16];
    char list[200];
    int64_t v;
    int r;

    /* The common case first: a known name. */
    if (n->type == YN_SCALAR && !ynode_is_null(n) && strlen(n->str) == n->len &&
        (r = oo_cfg_sparse_value_of(t, n->str)) >= 0 && (!n->plain || oo_cfg_parse_int(n->str, &v) == -EINVAL)) {
        *ret = r;
        return true;
    }
    if (n->type == YN_SCALAR && !ynode_is_null(n) && strlen(n->str) != n->len) {
        sc_error(c->d, n, "expected %s, got a string containing a NUL character", what);
        return false;
    }
    for (size_t i = 0; i < t->n && i < OO_ARRAY_SIZE(names); i++)
        names[i] = t->v[i].name;
    oo_cfg_names_join(names, t->n, list, sizeof list);
    if (n->type == YN_SCALAR && !ynode_is_null(n) && n->plain &&
        oo_cfg_parse_int(n->str, &v) != -EINVAL) {
        if (oo_cfg_parse_int(n->str, &v) == -EDOM) {
            sc_error(c->d, n, "%s '%.*s' is ambiguous (YAML 1.1 reads a leading 0 as octal): write it "
                     "without leading zeros, or as 0x hex", what, SC_SHOW, n->str);
            return false;
        }
        if (oo_cfg_parse_int(n->str, &v) < 0 || v < 0 || v > max) {
            sc_error(c->d, n, "%s %.*s is out of range: expected %s or a number 0..%#llx", what,
                     SC_SHOW, n->str, list, (unsigned long long)max);
            return false;
        }
        *ret = (int32_t)v;
        return true;
    }
    if (n->type != YN_SCALAR || ynode_is_null(n)) {
        sc_error(c->d, n, "expected %s: %s or a number, got %s", what, list, ynode_describe(n));
        return false;
    }
    r = oo_cfg_sparse_value_of(t, n->str);
    if (r < 0) {
        const char *near = oo_cfg_suggest(n->str, names, t->n);

        sc_error(c->d, n, "invalid %s '%.*s'%s%s%s; expected %s or a number 0..%#llx", what,
                 SC_SHOW, n->str, near ? " (did you mean '" : "", near ? near : "",
                 near ? "'?)" : "", list, (unsigned long long)max);
        return false;
    }
    *ret = r;
    return true;
}

/* ------------------------------------------------------------------- ovs */

static bool valid_ovsdb_remote(const char *s)
{
    const char *rest, *colon;

    if (!strncmp(s, "unix:", 5))
        return s[5] != '\0';
    if (strncmp(s, "tcp:", 4))
        return false;
    rest = s + 4;
    colon = strrchr(rest, ':');
    if (!colon || colon == rest || !colon[1] || strlen(colon + 1) > 5)
        return false;
    for (const char *p = rest; p < colon; p++)
        if (*p <= ' ' || *p == 0x7f)
            return false;
    for (const char *p = colon + 1; *p; p++)
        if (*p < '0' || *p > '9')
            return false;
    return atoi(colon + 1) >= 1 && atoi(colon + 1) <= 65535;
}

static void ovs_field(void *ctx, int key, const struct ynode *v)
{
    struct pctx *c = ctx;
    struct oo_cfg_ovs *o = &c->cfg->ovs;
    int64_t i;
    char *s;

    switch (key) {
    case OO_CFG_OVS_DB:
        if (!sc_str(c->d, v, "an OVSDB remote", &s))
            break;
        if (!strncmp(s, "ssl:", 4)) {
            /* libopenvswitch is built without OpenSSL (scripts/bootstrap.sh),
             * and there is no key or certificate to give it. */
            sc_error(c->d, v, "OVSDB remote '%.*s': ssl: is not supported (no key or certificate "
                     "settings); use unix:PATH, or tcp:HOST:PORT", SC_SHOW, s);
            free(s);
            break;
        }
        if (!valid_ovsdb_remote(s)) {
            sc_error(c->d, v, "invalid OVSDB remote '%.*s': expected unix:PATH or tcp:HOST:PORT",
                     SC_SHOW, s);
            free(s);
            break;
        }
        free(o->db);
        o->db = s;
        break;
    case OO_CFG_OVS_HW_OFFLOAD:
        sc_bool(c->d, v, &o->hw_offload);
        break;
    case OO_CFG_OVS_TC_POLICY:
        sc_enum(c->d, v, &oo_cfg_names_tc_policy, &o->tc_policy);
        break;
    case OO_CFG_OVS_MAX_IDLE_MS:
        /* vswitch.xml: other_config:max-idle is an integer, at least 500. */
        if (sc_int(c->d, v, 500, INT32_MAX, &i))
            o->max_idle_ms = i;
        break;
    case OO_CFG_OVS_RESTART:
        if (v->type == YN_SCALAR && !ynode_is_null(v) && strlen(v->str) == v->len &&
            oo_cfg_restart_from_string(v->str) >= 0)
            o->restart = oo_cfg_restart_from_string(v->str);
        else
            sc_enum(c->d, v, &oo_cfg_names_restart, &o->restart);
        break;
    case OO_CFG_OVS_RESTART_COMMAND: {
        size_t n;
        char **argv;
        bool ok = true;

        if (!sc_list(c->d, v, "command words"))
            break;
        n = ynode_len(v);
        if (!n) {
            sc_error(c->d, v, "restart_command is empty: give the command and its arguments, e.g. [systemctl, restart, openvswitch-switch]");
            break;
        }
        argv = oo_calloc(n, sizeof *argv);
        for (size_t k = 0; k < n; k++) {
            if (!sc_str(c->d, v->items[k], "a command word", &argv[k]))
                ok = false;
            else if (!argv[k][0]) {
                sc_error(c->d, v->items[k], "empty command word");
                ok = false;
            }
        }
        if (!ok) {
            for (size_t k = 0; k < n; k++)
                free(argv[k]);
            free(argv);
            break;
        }
        for (size_t k = 0; k < o->n_restart_command; k++)
            free(o->restart_command[k]);
        free(o->restart_command);
        o->restart_command = argv;
        o->n_restart_command = n;
        break;
    }
    }
}

/* ----------------------------------------------------------------- waits */

static void waits_field(void *ctx, int key, const struct ynode *v)
{
    struct pctx *c = ctx;
    struct oo_cfg_waits *w = &c->cfg->waits;
    int64_t i;

    /* Ranges only; validation relates them to timeout_s. A timeout_s in
     * error is left 0, which validation knows the parser reported; another
     * wait in error counts as not written (its default is no error of the
     * file's). */
    if (!sc_int(c->d, v, key == OO_CFG_WAITS_TIMEOUT_S ? 1 : 0, OO_CFG_WAIT_MAX_S, &i)) {
        if (key == OO_CFG_WAITS_TIMEOUT_S)
            w->timeout_s = 0;
        else
            w->at[key] = (struct oo_src_loc){ 0 };
        return;
    }
    switch (key) {
    case OO_CFG_WAITS_TIMEOUT_S:
        w->timeout_s = (int32_t)i;
        break;
    case OO_CFG_WAITS_LAG_SETTLE_S:
        w->lag_settle_s = (int32_t)i;
        break;
    case OO_CFG_WAITS_UDEV_S:
        w->udev_s = (int32_t)i;
        break;
    }
}

/* ------------------------------------------------------------------- pfs */

struct vf_ctx {
    struct pctx *c;
    struct oo_cfg_vf *vf;
};

static void vf_field(void *ctx, int key, const struct ynode *v)
{
    struct vf_ctx *x = ctx;
    struct pctx *c = x->c;
    struct oo_cfg_vf *vf = x->vf;
    int64_t i;
    const char *s;

    switch (key) {
    case OO_CFG_VF_ID:
        if (!get_u32(c, v, 0, OO_CFG_MAX_VF_ID, &vf->id))
            vf->id = OO_CFG_VF_ID_NONE;     /* reported: no relation checks on it */
        break;
    case OO_CFG_VF_MAC:
        if (!sc_text(c->d, v, "a MAC address", &s))
            break;
        if (oo_cfg_parse_mac(s, vf->mac) < 0)
            sc_error(c->d, v, "invalid MAC address '%.*s': expected six hex bytes, e.g. 02:00:00:00:00:10",
                     SC_SHOW, s);
        else if (vf->mac[0] & 1)
            sc_error(c->d, v, "'%.*s' is a multicast address: a VF MAC must be unicast (first byte even)",
                     SC_SHOW, s);
        else if (!(vf->mac[0] | vf->mac[1] | vf->mac[2] | vf->mac[3] | vf->mac[4] | vf->mac[5]))
            sc_error(c->d, v, "the all-zero MAC is not an address: remove 'mac' to leave the VF's MAC as it is");
        else
            vf->has_mac = true;
        break;
    case OO_CFG_VF_VLAN:
        get_i32(c, v, 0, 4095, &vf->vlan);
        break;
    case OO_CFG_VF_QOS:
        get_i32(c, v, 0, 7, &vf->qos);
        break;
    case OO_CFG_VF_TRUST:
        sc_bool(c->d, v, &vf->trust);
        break;
    case OO_CFG_VF_SPOOFCHK:
        sc_bool(c->d, v, &vf->spoofchk);
        break;
    case OO_CFG_VF_LINK_STATE:
        sc_enum(c->d, v, &oo_cfg_names_link_state, &vf->link_state);
        break;
    case OO_CFG_VF_MAX_TX_RATE:
        if (sc_int(c->d, v, 0, UINT32_MAX, &i))
            vf->max_tx_rate = i;
        break;
    case OO_CFG_VF_MIN_TX_RATE:
        if (sc_int(c->d, v, 0, UINT32_MAX, &i))
            vf->min_tx_rate = i;
        break;
    case OO_CFG_VF_MIGRATABLE:
        sc_bool(c->d, v, &vf->migratable);
        break;
    }
}

static void parse_params(struct pctx *c, struct oo_cfg_pf *pf, const struct ynode *v)
{
    size_t n;
    bool *dup;

    if (!sc_mapping(c->d, v, "devlink params (name: value)") || v->type != YN_MAP)
        return;
    n = ynode_len(v);
    dup = oo_calloc(n ? n : 1, sizeof *dup);
    sc_check_keys(c->d, v, dup);
    pf->params = oo_calloc(n ? n : 1, sizeof *pf->params);
    for (size_t i = 0; i < n; i++) {
        const struct ynode *k = v->items[2 * i], *val = v->items[2 * i + 1];
        char *value;

        if (dup[i])
            continue;
        if (!oo_cfg_valid_param_name(k->str)) {
            sc_error(c->d, k, "invalid devlink param name '%.*s': expected lower-case letters, digits and '_' (as `devlink dev param show` prints them)",
                     SC_SHOW, k->str);
            continue;
        }
        if (!strcmp(k->str, "esw_multiport")) {
            sc_error(c->d, k, "esw_multiport is set with the pf's 'multiport' key, not in params");
            continue;
        }
        if (!sc_str(c->d, val, "a param value", &value))
            continue;
        pf->params[pf->n_params++] = (struct oo_cfg_param){ oo_strdup(k->str), value, k->loc };
    }
    free(dup);
}

struct pf_ctx {
    struct pctx *c;
    struct oo_cfg_pf *pf;
};

static void pf_field(void *ctx, int key, const struct ynode *v)
{
    struct pf_ctx *x = ctx;
    struct pctx *c = x->c;
    struct oo_cfg_pf *pf = x->pf;
    char *s;

    switch (key) {
    case OO_CFG_PF_NAME:
        get_name(c, v, &pf->name);
        break;
    case OO_CFG_PF_DEVICE:
        if (!sc_str(c->d, v, "a devlink handle", &s))
            break;
        if (oo_dl_handle_parse(s, &pf->device) < 0)
            sc_error(c->d, v, "invalid devlink handle '%.*s': expected BUS/DEVICE as `devlink dev show` prints it, e.g. pci/0000:3b:00.0 or netdevsim/netdevsim10",
                     SC_SHOW, s);
        else
            pf->has_device = true;
        free(s);
        break;
    case OO_CFG_PF_NETDEV:
        if (!sc_str(c->d, v, "a netdev name", &s))
            break;
        if (!oo_cfg_valid_ifname(s)) {
            sc_error(c->d, v, "invalid netdev name '%.*s': 1..15 bytes, no '/', ':' or spaces",
                     SC_SHOW, s);
            free(s);
        } else {
            pf->netdev = s;
        }
        break;
    case OO_CFG_PF_ESWITCH:
        sc_enum(c->d, v, &oo_cfg_names_eswitch, &pf->eswitch);
        break;
    case OO_CFG_PF_NUM_VFS:
        get_i32(c, v, 0, OO_CFG_MAX_NUM_VFS, &pf->num_vfs);
        break;
    case OO_CFG_PF_PARAMS:
        parse_params(c, pf, v);
        break;
    case OO_CFG_PF_MULTIPORT:
        sc_bool(c->d, v, &pf->multiport);
        break;
    case OO_CFG_PF_INLINE_MODE:
        sc_enum(c->d, v, &oo_cfg_names_inline, &pf->inline_mode);
        break;
    case OO_CFG_PF_ENCAP_MODE:
        sc_enum(c->d, v, &oo_cfg_names_encap, &pf->encap_mode);
        break;
    case OO_CFG_PF_REPRESENTOR_IPV6:
        sc_bool(c->d, v, &pf->representor_ipv6);
        break;
    case OO_CFG_PF_VFS: {
        size_t n;

        if (!sc_list(c->d, v, "VF settings"))
            break;
        n = ynode_len(v);
        pf->vfs = oo_calloc(n ? n : 1, sizeof *pf->vfs);
        for (size_t i = 0; i < n; i++) {
            struct oo_cfg_vf *vf = &pf->vfs[pf->n_vfs++];
            struct vf_ctx vx = { c, vf };
            const struct ynode *item = v->items[i];

            oo_cfg_vf_init(vf);
            vf->loc = item->loc;
            if (sc_walk(c->d, item, "a VF", oo_cfg_vf_keys, OO_CFG_VF_N_KEYS, vf->at,
                        vf_field, &vx) && !vf->at[OO_CFG_VF_ID].line) {
                sc_error_missing(c->d, item, "id", "the VF number, 0 .. num_vfs-1");
                vf->id = OO_CFG_VF_ID_NONE;
            }
        }
        break;
    }
    }
}

static void parse_pf(struct pctx *c, struct oo_cfg_pf *pf, const struct ynode *item)
{
    struct pf_ctx x = { c, pf };

    oo_cfg_pf_init(pf);
    pf->loc = item->loc;
    if (!sc_walk(c->d, item, "a pf", oo_cfg_pf_keys, OO_CFG_PF_N_KEYS, pf->at, pf_field, &x))
        return;
    if (!pf->at[OO_CFG_PF_NAME].line)
        sc_error_missing(c->d, item, "name", "the name rules, bonds and bridges use for this PF");
    if (pf->at[OO_CFG_PF_DEVICE].line && pf->at[OO_CFG_PF_NETDEV].line) {
        char path[64];

        snprintf(path, sizeof path, "pfs[%zu].netdev", (size_t)item->index);
        oo_cfg_diag_add(c->d, pf->at[OO_CFG_PF_NETDEV], path,
                        "give either 'device' (the devlink handle) or 'netdev', not both");
    } else if (!pf->at[OO_CFG_PF_DEVICE].line && !pf->at[OO_CFG_PF_NETDEV].line && !c->hostconf) {
        sc_error_missing(c->d, item, "device",
                         "the PF's devlink handle (e.g. pci/0000:3b:00.0), or 'netdev' with its netdev name");
    }
}

/* ----------------------------------------------------------------- bonds */

struct bond_ctx {
    struct pctx *c;
    struct oo_cfg_bond *b;
};

static void bond_field(void *ctx, int key, const struct ynode *v)
{
    struct bond_ctx *x = ctx;
    struct pctx *c = x->c;
    struct oo_cfg_bond *b = x->b;

    switch (key) {
    case OO_CFG_BOND_NAME:
        get_ifname(c, v, &b->name);
        break;
    case OO_CFG_BOND_MODE:
        sc_enum(c->d, v, &oo_cfg_names_bond_mode, &b->mode);
        break;
    case OO_CFG_BOND_MEMBERS: {
        size_t n;

        if (!sc_list(c->d, v, "pf names"))
            break;
        n = ynode_len(v);
        b->members = oo_calloc(n ? n : 1, sizeof *b->members);
        for (size_t i = 0; i < n; i++) {
            char *s;

            /* An item in error keeps its slot (pf NULL): key paths name
             * the items as the file has them. */
            if (!get_name(c, v->items[i], &s))
                s = NULL;
            b->members[b->n_members++] = (struct oo_cfg_member){ s, -1, v->items[i]->loc };
        }
        break;
    }
    case OO_CFG_BOND_MIIMON:
        get_i32(c, v, 0, INT32_MAX, &b->miimon);
        break;
    case OO_CFG_BOND_XMIT_HASH_POLICY:
        sc_enum(c->d, v, &oo_cfg_names_xmit_hash, &b->xmit_hash_policy);
        break;
    case OO_CFG_BOND_LACP_RATE:
        sc_enum(c->d, v, &oo_cfg_names_lacp_rate, &b->lacp_rate);
        break;
    case OO_CFG_BOND_PRIMARY:
        get_name(c, v, &b->primary);
        break;
    }
}

static void parse_bond(struct pctx *c, struct oo_cfg_bond *b, const struct ynode *item)
{
    struct bond_ctx x = { c, b };

    oo_cfg_bond_init(b);
    b->miimon = 100;
    b->loc = item->loc;
    if (!sc_walk(c->d, item, "a bond", oo_cfg_bond_keys, OO_CFG_BOND_N_KEYS, b->at,
                 bond_field, &x))
        return;
    if (!b->at[OO_CFG_BOND_NAME].line)
        sc_error_missing(c->d, item, "name", "the bond's netdev name, e.g. bond0");
    if (!b->at[OO_CFG_BOND_MODE].line)
        sc_error_missing(c->d, item, "mode", "active-backup, balance-xor or 802.3ad");
    if (!b->at[OO_CFG_BOND_MEMBERS].line)
        sc_error_missing(c->d, item, "members", "the pfs to enslave, e.g. [pf0, pf1]");
}

/* --------------------------------------------------------------- bridges */

struct bridge_ctx {
    struct pctx *c;
    struct oo_cfg_bridge *br;
};

static void bridge_field(void *ctx, int key, const struct ynode *v)
{
    struct bridge_ctx *x = ctx;
    struct pctx *c = x->c;
    struct oo_cfg_bridge *br = x->br;

    switch (key) {
    case OO_CFG_BRIDGE_NAME:
        get_ifname(c, v, &br->name);
        break;
    case OO_CFG_BRIDGE_UPLINK:
        if (!get_ref(c, v, false, &br->uplink))
            break;
        if (br->uplink.vf >= 0) {
            sc_error(c->d, v, "a VF representor cannot be the uplink: name a pf ('pf0') or a bond ('bond0'), and list VFs under representors");
            oo_cfg_ref_free(&br->uplink);
            break;
        }
        br->has_uplink = true;
        break;
    case OO_CFG_BRIDGE_REPRESENTORS: {
        size_t n;

        if (!sc_list(c->d, v, "VF representors ('pf0/0-7', 'pf1/3')"))
            break;
        n = ynode_len(v);
        br->ranges = oo_calloc(n ? n : 1, sizeof *br->ranges);
        for (size_t i = 0; i < n; i++) {
            const struct ynode *item = v->items[i];
            char name[OO_CFG_MAX_NAME + 1];
            uint32_t first, last;
            size_t count;
            char *s;
            int r;

            /* An item in error keeps its slot (pf NULL, no representors):
             * key paths name the items as the file has them. */
            br->ranges[br->n_ranges] = (struct oo_cfg_rep_range){ NULL, 0, 0, item->loc };
            if (!sc_str(c->d, item, "a VF range 'pf/N' or 'pf/A-B'", &s)) {
                br->n_ranges++;
                continue;
            }
            r = oo_cfg_parse_rep_range(s, name, sizeof name, &first, &last);
            if (r == -EDOM)
                sc_error(c->d, item, "range '%.*s' ends below its start: write A-B with A <= B",
                         SC_SHOW, s);
            else if (r == -ERANGE)
                sc_error(c->d, item, "VF id in '%.*s' is too large: VF ids are 0..%d", SC_SHOW,
                         s, OO_CFG_MAX_VF_ID);
            else if (r < 0)
                sc_error(c->d, item, "invalid representor '%.*s': expected 'pf/N' or a range 'pf/A-B', e.g. pf0/0-7",
                         SC_SHOW, s);
            free(s);
            if (r < 0) {
                br->n_ranges++;
                continue;
            }
            count = (size_t)(last - first) + 1;
            if (c->n_reps + count > OO_CFG_MAX_REPRESENTORS) {
                sc_error(c->d, item, "more than %d VF representors in the config",
                         OO_CFG_MAX_REPRESENTORS);
                br->n_ranges++;
                continue;
            }
            c->n_reps += count;
            br->ranges[br->n_ranges] = (struct oo_cfg_rep_range){ oo_strdup(name), first, last,
                                                                   item->loc };
            br->reps = oo_realloc(br->reps, (br->n_reps + count) * sizeof *br->reps);
            for (uint32_t vf = first;; vf++) {
                br->reps[br->n_reps++] = (struct oo_cfg_rep){ -1, vf, (uint32_t)br->n_ranges };
                if (vf == last)
                    break;
            }
            br->n_ranges++;
        }
        break;
    }
    }
}

static void parse_bridge(struct pctx *c, struct oo_cfg_bridge *br, const struct ynode *item)
{
    struct bridge_ctx x = { c, br };

    oo_cfg_bridge_init(br);
    br->loc = item->loc;
    if (!sc_walk(c->d, item, "a bridge", oo_cfg_bridge_keys, OO_CFG_BRIDGE_N_KEYS, br->at,
                 bridge_field, &x))
        return;
    if (!br->at[OO_CFG_BRIDGE_NAME].line)
        sc_error_missing(c->d, item, "name", "the OVS bridge name, e.g. br-offload");
}

/* -------------------------------------------------------------- tc rules */

struct match_ctx {
    struct pctx *c;
    struct oo_cfg_match *m;
};

static void match_field(void *ctx, int key, const struct ynode *v)
{
    struct match_ctx *x = ctx;
    struct pctx *c = x->c;
    struct oo_cfg_match *m = x->m;
    struct oo_cfg_mac *mac;
    const char *s;
    int r;

    switch (key) {
    case OO_CFG_M_ETH_TYPE:
        get_proto(c, v, &oo_cfg_names_eth_type, 0xffff, "eth_type", &m->eth_type);
        break;
    case OO_CFG_M_SRC_MAC:
    case OO_CFG_M_DST_MAC:
        mac = key == OO_CFG_M_SRC_MAC ? &m->src_mac : &m->dst_mac;
        if (!sc_text(c->d, v, "a MAC address", &s))
            break;
        r = oo_cfg_parse_mac_match(s, mac);
        if (r == -ERANGE)
            sc_error(c->d, v, "MAC prefix length in '%.*s' is above 48", SC_SHOW, s);
        else if (r < 0)
            sc_error(c->d, v, "invalid MAC match '%.*s': expected 02:00:00:00:00:10, optionally /ff:ff:ff:00:00:00 or /24",
                     SC_SHOW, s);
        break;
    case OO_CFG_M_VLAN_ID:
        get_i32(c, v, 0, 4095, &m->vlan_id);
        break;
    case OO_CFG_M_VLAN_PRIO:
        get_i32(c, v, 0, 7, &m->vlan_prio);
        break;
    case OO_CFG_M_IP_PROTO:
        get_proto(c, v, &oo_cfg_names_ip_proto, 255, "ip_proto", &m->ip_proto);
        break;
    case OO_CFG_M_SRC_IP:
        get_ip(c, v, true, &m->src_ip);
        break;
    case OO_CFG_M_DST_IP:
        get_ip(c, v, true, &m->dst_ip);
        break;
    case OO_CFG_M_SRC_PORT:
        get_i32(c, v, 0, 65535, &m->src_port);
        break;
    case OO_CFG_M_DST_PORT:
        get_i32(c, v, 0, 65535, &m->dst_port);
        break;
    }
}

static const char *const vlan_arg_keys[] = { "id", "prio" };

struct vlan_ctx {
    struct pctx *c;
    struct oo_cfg_action *a;
};

static void vlan_field(void *ctx, int key, const struct ynode *v)
{
    struct vlan_ctx *x = ctx;

    if (key == 0)
        get_i32(x->c, v, 0, 4095, &x->a->vlan_id);
    else
        get_i32(x->c, v, 0, 7, &x->a->vlan_prio);
}

/* One action: "drop", {redirect: pf0/3}, {vlan_push: {id: 10}}, {goto_chain: 1}. */
/* "drop, pass, ..." for messages: joined only when one is written. */
static const char *action_list(char *buf, size_t size)
{
    oo_cfg_names_join(oo_cfg_names_action.names, oo_cfg_names_action.n, buf, size);
    return buf;
}

static bool parse_action_(struct pctx *c, struct oo_cfg_action *a, const struct ynode *item)
{
    const struct ynode *k, *v = NULL;
    const char *word;
    char list[200];
    int kind;

    *a = (struct oo_cfg_action){ .kind = -1, .vlan_id = -1, .vlan_prio = -1, .loc = item->loc };
    a->dev.kind = OO_CFG_REF_UNRESOLVED;
    a->dev.index = -1;
    a->dev.vf = -1;
    if (item->type == YN_SCALAR && !ynode_is_null(item)) {
        k = item;
    } else if (item->type == YN_MAP && ynode_len(item) == 1) {
        k = item->items[0];
        v = item->items[1];
        if (k->type != YN_SCALAR) {
            sc_error(c->d, k, "an action's key must be its name: %s", action_list(list, sizeof list));
            return false;
        }
    } else if (item->type == YN_MAP) {
        sc_error(c->d, item, "an action is a mapping with exactly one key, e.g. {redirect: pf0/3}; got %zu keys: write each action as its own list item",
                 ynode_len(item));
        return false;
    } else {
        sc_error(c->d, item, "expected an action (%s), got %s", action_list(list, sizeof list), ynode_describe(item));
        return false;
    }
    word = k->str;
    if (strlen(word) != k->len) {
        sc_error(c->d, k, "expected an action (%s), got a string containing a NUL character",
                 action_list(list, sizeof list));
        return false;
    }
    kind = oo_cfg_action_from_string(word);
    if (kind < 0) {
        const char *near = oo_cfg_suggest(word, oo_cfg_names_action.names, oo_cfg_names_action.n);

        sc_error(c->d, k, "unknown action '%.*s'%s%s%s; valid actions: %s", SC_SHOW, word,
                 near ? " (did you mean '" : "", near ? near : "", near ? "'?)" : "", action_list(list, sizeof list));
        return false;
    }
    a->kind = kind;
    switch (kind) {
    case OO_CFG_ACT_DROP:
    case OO_CFG_ACT_PASS:
    case OO_CFG_ACT_VLAN_POP:
        if (v && !ynode_is_null(v) && !(v->type == YN_MAP && !ynode_len(v))) {
            sc_error(c->d, v, "%s takes no argument: write it as a plain list item, '- %s'", word, word);
            return false;
        }
        return true;
    case OO_CFG_ACT_REDIRECT:
    case OO_CFG_ACT_MIRROR:
        if (!v) {
            sc_error(c->d, item, "%s needs a target device: {%s: pf0/3}", word, word);
            return false;
        }
        return get_ref(c, v, false, &a->dev);
    case OO_CFG_ACT_VLAN_PUSH:
    case OO_CFG_ACT_VLAN_MODIFY: {
        struct vlan_ctx x = { c, a };
        struct oo_src_loc at[2] = { { 0, 0 }, { 0, 0 } };

        if (!v || ynode_is_null(v)) {
            sc_error(c->d, v ? v : item, "%s needs a VLAN: {%s: {id: 100, prio: 0}}", word, word);
            return false;
        }
        if (!sc_walk(c->d, v, word, vlan_arg_keys, OO_ARRAY_SIZE(vlan_arg_keys), at,
                     vlan_field, &x))
            return false;
        if (!at[0].line) {
            sc_error_missing(c->d, v, "id", "the VLAN id, 0..4095");
            return false;
        }
        return a->vlan_id >= 0;
    }
    case OO_CFG_ACT_GOTO_CHAIN:
        if (!v) {
            sc_error(c->d, item, "goto_chain needs a chain number: {goto_chain: 1}");
            return false;
        }
        return get_u32(c, v, 0, OO_CFG_MAX_CHAIN, &a->chain);
    }
    return false;
}

/* An action whose argument is bad gets kind -1: validation skips it. */
static bool parse_action(struct pctx *c, struct oo_cfg_action *a, const struct ynode *item)
{
    if (parse_action_(c, a, item))
        return true;
    a->kind = -1;
    return false;
}

struct rule_ctx {
    struct pctx *c;
    struct oo_cfg_rule *r;
};

static void rule_field(void *ctx, int key, const struct ynode *v)
{
    struct rule_ctx *x = ctx;
    struct pctx *c = x->c;
    struct oo_cfg_rule *r = x->r;

    switch (key) {
    case OO_CFG_RULE_NAME:
        get_name(c, v, &r->name);
        break;
    case OO_CFG_RULE_DEV:
        get_ref(c, v, false, &r->dev);
        break;
    case OO_CFG_RULE_CHAIN:
        /* The chain index is a u32, but only chain 0 sees packets first and
         * goto_chain addresses 28 bits: a higher chain is unreachable. */
        get_u32(c, v, 0, OO_CFG_MAX_CHAIN, &r->chain);
        break;
    case OO_CFG_RULE_PRIO:
        /* tc prio is 16 bits; 0 asks the kernel to pick one, which would
         * make the rule impossible to find again. */
        get_u32(c, v, 1, 65535, &r->prio);
        break;
    case OO_CFG_RULE_MATCH: {
        struct match_ctx mx = { c, &r->match };

        r->match.loc = v->loc;
        sc_walk(c->d, v, "a match", oo_cfg_match_keys, OO_CFG_M_N_KEYS, r->match.at,
                match_field, &mx);
        break;
    }
    case OO_CFG_RULE_ACTIONS: {
        size_t n;

        if (!sc_list(c->d, v, "actions"))
            break;
        n = ynode_len(v);
        if (!n) {
            sc_error(c->d, v, "a rule needs at least one action: redirect, mirror, drop, pass, vlan_push, vlan_pop, vlan_modify or goto_chain");
            break;
        }
        r->actions = oo_calloc(n, sizeof *r->actions);
        for (size_t i = 0; i < n; i++) {
            /* Keep the slot even when the action is bad: indices match the file. */
            parse_action(c, &r->actions[i], v->items[i]);
            r->n_actions++;
        }
        break;
    }
    case OO_CFG_RULE_SKIP:
        sc_enum(c->d, v, &oo_cfg_names_tc_skip, &r->skip);
        break;
    }
}

static void parse_rule(struct pctx *c, struct oo_cfg_rule *r, const struct ynode *item)
{
    struct rule_ctx x = { c, r };

    oo_cfg_rule_init(r);
    r->loc = item->loc;
    if (!sc_walk(c->d, item, "a tc rule", oo_cfg_rule_keys, OO_CFG_RULE_N_KEYS, r->at,
                 rule_field, &x))
        return;
    if (!r->at[OO_CFG_RULE_NAME].line)
        sc_error_missing(c->d, item, "name", "a unique name for the rule");
    if (!r->at[OO_CFG_RULE_DEV].line)
        sc_error_missing(c->d, item, "dev", "'pf0' (uplink), 'pf0/3' (VF representor) or 'bond0'");
    if (!r->at[OO_CFG_RULE_PRIO].line)
        sc_error_missing(c->d, item, "prio", "1..65535, lower runs first");
    if (!r->at[OO_CFG_RULE_ACTIONS].line)
        sc_error_missing(c->d, item, "actions", "e.g. [{redirect: pf0/3}]");
}

/* ------------------------------------------------------------------- mpv */

struct mpv_ctx {
    struct pctx *c;
    struct oo_cfg_mpv *m;
};

static void mpv_field(void *ctx, int key, const struct ynode *v)
{
    struct mpv_ctx *x = ctx;
    struct pctx *c = x->c;
    struct oo_cfg_mpv *m = x->m;

    switch (key) {
    case OO_CFG_MPV_NAME:
        get_name(c, v, &m->name);
        break;
    case OO_CFG_MPV_VFS:
        if (!sc_list(c->d, v, "two VFs"))
            break;
        if (ynode_len(v) != 2) {
            sc_error(c->d, v, "expected exactly two VFs, one on each port (e.g. [pf0/2, pf1/2]), got %zu",
                     ynode_len(v));
            break;
        }
        for (size_t i = 0; i < 2; i++)
            get_ref(c, v->items[i], true, &m->vfs[i]);
        break;
    case OO_CFG_MPV_IP:
        get_ip(c, v, false, &m->ip);
        break;
    }
}

static void parse_mpv(struct pctx *c, struct oo_cfg_mpv *m, const struct ynode *item)
{
    struct mpv_ctx x = { c, m };

    oo_cfg_mpv_init(m);
    m->loc = item->loc;
    if (!sc_walk(c->d, item, "an mpv entry", oo_cfg_mpv_keys, OO_CFG_MPV_N_KEYS, m->at,
                 mpv_field, &x))
        return;
    if (!m->at[OO_CFG_MPV_NAME].line)
        sc_error_missing(c->d, item, "name", "a unique name, e.g. the VM's");
    if (!m->at[OO_CFG_MPV_VFS].line)
        sc_error_missing(c->d, item, "vfs", "the two VFs, e.g. [pf0/2, pf1/2]");
    if (!m->at[OO_CFG_MPV_IP].line)
        sc_error_missing(c->d, item, "ip", "the address the VM uses on these VFs");
}

/* ------------------------------------------------------------------ top */

/* Allocates one object per list item (so indices match the file) and calls
 * parse_one on each. */
#define PARSE_LIST(c, v, what, arr, count, parse_one)                         \
    do {                                                                      \
        size_t n_ = ynode_len(v);                                             \
        if (!sc_list((c)->d, (v), what))                                      \
            break;                                                            \
        (arr) = oo_calloc(n_ ? n_ : 1, sizeof *(arr));                        \
        for (size_t i_ = 0; i_ < n_; i_++) {                                  \
            parse_one((c), &(arr)[i_], (v)->items[i_]);                       \
            (count)++;                                                        \
        }                                                                     \
    } while (0)

static void tc_field(void *ctx, int key, const struct ynode *v)
{
    struct pctx *c = ctx;
    struct oo_config *cfg = c->cfg;

    if (key == OO_CFG_TC_RULES)
        PARSE_LIST(c, v, "tc rules", cfg->rules, cfg->n_rules, parse_rule);
    else
        PARSE_LIST(c, v, "MPV VF pairs", cfg->mpvs, cfg->n_mpvs, parse_mpv);
}

static void top_field(void *ctx, int key, const struct ynode *v)
{
    struct pctx *c = ctx;
    struct oo_config *cfg = c->cfg;
    int64_t version;

    switch (key) {
    case OO_CFG_KEY_VERSION:
        if (!sc_int(c->d, v, INT32_MIN, INT32_MAX, &version))
            break;
        if (version != 1)
            sc_error(c->d, v, "unsupported version %lld: this ovs-offload reads version 1",
                     (long long)version);
        else
            cfg->version = 1;
        break;
    case OO_CFG_KEY_OVS:
        cfg->ovs.loc = v->loc;
        sc_walk(c->d, v, "ovs", oo_cfg_ovs_keys, OO_CFG_OVS_N_KEYS, cfg->ovs.at, ovs_field, c);
        break;
    case OO_CFG_KEY_PFS:
        PARSE_LIST(c, v, "pfs", cfg->pfs, cfg->n_pfs, parse_pf);
        break;
    case OO_CFG_KEY_BONDS:
        PARSE_LIST(c, v, "bonds", cfg->bonds, cfg->n_bonds, parse_bond);
        break;
    case OO_CFG_KEY_BRIDGES:
        PARSE_LIST(c, v, "bridges", cfg->bridges, cfg->n_bridges, parse_bridge);
        break;
    case OO_CFG_KEY_TC:
        sc_walk(c->d, v, "tc", oo_cfg_tc_keys, OO_CFG_TC_N_KEYS, cfg->tc_at, tc_field, c);
        break;
    case OO_CFG_KEY_HOSTCONF:
        free(cfg->hostconf);
        cfg->hostconf = NULL;
        if (sc_str(c->d, v, "a path to host.conf", &cfg->hostconf) && cfg->hostconf[0] != '/') {
            sc_error(c->d, v, "'%s' is not an absolute path: give host.conf's full path "
                     "(e.g. /etc/yunion/host.conf)", cfg->hostconf);
            free(cfg->hostconf);
            cfg->hostconf = NULL;
        }
        break;
    case OO_CFG_KEY_WAITS:
        cfg->waits.loc = v->loc;
        sc_walk(c->d, v, "waits", oo_cfg_waits_keys, OO_CFG_WAITS_N_KEYS, cfg->waits.at, waits_field, c);
        break;
    }
}

void oo_cfg_parse_tree(const struct ynode *root, struct oo_config *cfg, struct oo_cfg_diag *d)
{
    struct pctx c = { d, cfg, 0, false };
    char keys[128];

    if (root->type != YN_MAP) {
        oo_cfg_names_join(oo_cfg_top_keys, OO_CFG_KEY_N_KEYS, keys, sizeof keys);
        sc_error(d, root, "a config is a mapping with the keys %s; got %s", keys,
                 ynode_describe(root));
        return;
    }
    cfg->version = 0;
    /* Known before the pfs are read, wherever the key is. */
    for (size_t i = 0; i < ynode_len(root); i++) {
        const struct ynode *k = root->items[2 * i];

        c.hostconf |= k->type == YN_SCALAR && !strcmp(k->str, oo_cfg_top_keys[OO_CFG_KEY_HOSTCONF]);
    }
    sc_walk(d, root, "the config", oo_cfg_top_keys, OO_CFG_KEY_N_KEYS, cfg->at, top_field, &c);
    if (!cfg->at[OO_CFG_KEY_VERSION].line)
        sc_error_missing(d, root, "version", "add 'version: 1' at the top");
}

int oo_config_parse_yaml(const char *name, const void *buf, size_t len,
                         struct oo_config *cfg, struct oo_cfg_diag *diag)
{
    return oo_config_parse_yaml_with(name, buf, len, NULL, cfg, diag);
}

int oo_config_parse_yaml_with(const char *name, const void *buf, size_t len,
                              const struct oo_cfg_hostconf_reader *reader,
                              struct oo_config *cfg, struct oo_cfg_diag *diag)
{
    size_t before = oo_cfg_diag_count(diag);
    struct ynode *root;

    oo_config_init(cfg);
    cfg->source = OO_CONFIG_SOURCE_YAML;
    cfg->file = oo_strdup(name ? name : "<config>");
    oo_cfg_diag_set_file(diag, cfg->file);
    root = ytree_parse(buf, len, diag);
    /* A document that is only "---" (or "null") holds no more than an empty
     * file. */
    if (root && ynode_is_null(root)) {
        ytree_free(root);
        root = NULL;
    }
    if (root) {
        /* A tagged value would be read as another type than it says. */
        if (!ytree_refuse_tags(root, diag))
            oo_cfg_parse_tree(root, cfg, diag);
        ytree_free(root);
    } else if (oo_cfg_diag_count(diag) == before) {
        oo_cfg_diag_add(diag, (struct oo_src_loc){ 1, 1 }, NULL,
                        "the config is empty: it needs at least 'version: 1'");
    }
    if (cfg->at[OO_CFG_KEY_HOSTCONF].line)
        oo_cfg_merge_hostconf(cfg, reader, diag);
    oo_config_validate(cfg, diag);
    oo_cfg_diag_sort(diag);
    return oo_cfg_diag_count(diag) > before ? -EINVAL : 0;
}
