/* host.conf mode: desired state derived from Cloudpods host-agent's
 * /etc/yunion/host.conf (seed 002_166db692c81fefca.txt). What is derived and
 * what cannot be is in docs/config.md, "host.conf mode". */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "common/util.h"
#include "config/config.h"
#include "config/internal.h"
#include "config/schema.h"
#include "config/values.h"

/* One `networks` entry: nic/bridge/ip-or-wire. */
struct hc_network {
    char nic[16];
    char bridge[16];
    bool bad;                     /* malformed (reported): nic is a best guess */
    const struct ynode *node;
};

struct hc_ctx {
    struct oo_cfg_diag *d;
    struct oo_config *cfg;
    oo_cfg_nic_probe_fn probe;
    void *probe_data;
    struct hc_network *nets;
    size_t n_nets;
    const struct ynode *networks, *offload;
};

int oo_cfg_nic_probe_sysfs(const char *netdev, void *userdata)
{
    const char *root = userdata ? userdata : "/sys";
    char path[512];
    struct stat st;

    if (!oo_cfg_valid_ifname(netdev))
        return -EINVAL;
    snprintf(path, sizeof path, "%s/class/net/%s", root, netdev);
    if (stat(path, &st) < 0)
        return -errno;
    snprintf(path, sizeof path, "%s/class/net/%s/bonding", root, netdev);
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return OO_CFG_NIC_BOND;
    return OO_CFG_NIC_NETDEV;
}

/* Splits "eth2/br1/bcast0" like host-agent does: at least three fields, the
 * first two a netdev and a bridge; the third (an IPv4 address or a wire
 * name) and any further fields are host-agent's business. */
static bool parse_network(struct hc_ctx *c, const struct ynode *item, struct hc_network *ret)
{
    const char *s, *p1, *p2;
    size_t n0, n1;
    char *str;

    ret->node = item;
    ret->bad = true;
    if (!sc_str(c->d, item, "a network 'nic/bridge/ip-or-wire'", &str))
        return false;
    s = str;
    p1 = strchr(s, '/');
    n0 = p1 ? (size_t)(p1 - s) : strlen(s);
    if (n0 < sizeof ret->nic) {
        memcpy(ret->nic, s, n0);
        ret->nic[n0] = '\0';
    }
    p2 = p1 ? strchr(p1 + 1, '/') : NULL;
    if (!p1 || !p2 || p1 == s || p2 == p1 + 1 || !p2[1] || p2[1] == '/') {
        sc_error(c->d, item, "malformed network '%.*s': expected nic/bridge/ip-or-wire, e.g. eth2/br1/bcast0 or eth1/br0/192.168.100.111",
                 SC_SHOW, str);
        free(str);
        return false;
    }
    n0 = (size_t)(p1 - s);
    n1 = (size_t)(p2 - p1 - 1);
    if (n0 >= sizeof ret->nic || n1 >= sizeof ret->bridge) {
        sc_error(c->d, item, "malformed network '%.*s': the nic and bridge names are netdevs of at most 15 bytes",
                 SC_SHOW, str);
        free(str);
        return false;
    }
    memcpy(ret->nic, s, n0);
    ret->nic[n0] = '\0';
    memcpy(ret->bridge, p1 + 1, n1);
    ret->bridge[n1] = '\0';
    if (!oo_cfg_valid_ifname(ret->nic) || !oo_cfg_valid_ifname(ret->bridge)) {
        sc_error(c->d, item, "malformed network '%.*s': the nic and bridge must be netdev names (no spaces or ':')",
                 SC_SHOW, str);
        free(str);
        return false;
    }
    /* The bridge is made here (an OVS bridge and its internal netdev): the
     * name rules of a YAML bridge. A '%d' would have the kernel rename it. */
    if (!oo_cfg_valid_name(ret->bridge)) {
        sc_error(c->d, item, "malformed network '%.*s': bridge name '%s' is not a name: "
                 "letters, digits, '.', '-' and '_', not starting with '.' or '-'", SC_SHOW, str, ret->bridge);
        free(str);
        return false;
    }
    free(str);
    ret->bad = false;
    return true;
}

static void read_networks(struct hc_ctx *c, const struct ynode *v)
{
    size_t n;

    if (!sc_list(c->d, v, "networks 'nic/bridge/ip-or-wire'"))
        return;
    n = ynode_len(v);
    c->nets = oo_calloc(n ? n : 1, sizeof *c->nets);
    for (size_t i = 0; i < n; i++)
        parse_network(c, v->items[i], &c->nets[c->n_nets++]);
}

/* The networks entry of nic: 0 and *ret, -ENOENT, or -EEXIST (reported). */
static int find_network(struct hc_ctx *c, const char *nic, const struct ynode *at,
                        const struct hc_network **ret)
{
    const struct hc_network *found = NULL;

    for (size_t i = 0; i < c->n_nets; i++) {
        if (strcmp(c->nets[i].nic, nic))
            continue;
        if (c->nets[i].bad)
            return -EEXIST;             /* its entry is malformed: reported */
        if (found) {
            sc_error(c->d, at, "'%s' is in networks twice (lines %u and %u): its bridge is ambiguous",
                     nic, found->node->loc.line, c->nets[i].node->loc.line);
            return -EEXIST;
        }
        found = &c->nets[i];
    }
    *ret = found;
    return found ? 0 : -ENOENT;
}

/* A pf for PF netdev nic, appended to cfg as host-agent sets it up: in
 * switchdev with all its VFs. */
static struct oo_cfg_pf *add_nic_pf(struct oo_config *cfg, const char *nic, struct oo_src_loc loc)
{
    struct oo_cfg_pf *pf;

    cfg->pfs = oo_realloc(cfg->pfs, (cfg->n_pfs + 1) * sizeof *cfg->pfs);
    pf = &cfg->pfs[cfg->n_pfs++];
    oo_cfg_pf_init(pf);
    pf->name = oo_strdup(nic);
    pf->netdev = oo_strdup(nic);
    pf->eswitch = OO_ESWITCH_SWITCHDEV;
    pf->num_vfs = OO_CFG_NUM_VFS_TOTAL;
    pf->loc = loc;
    pf->at[OO_CFG_PF_NAME] = pf->at[OO_CFG_PF_NETDEV] = loc;
    return pf;
}

static void add_offload_nic(struct hc_ctx *c, const struct ynode *item)
{
    struct oo_config *cfg = c->cfg;
    const struct hc_network *net;
    struct oo_cfg_bridge *br;
    char *nic;
    int kind, r;

    if (!sc_str(c->d, item, "a NIC name (a PF netdev or a bond)", &nic))
        return;
    if (!oo_cfg_valid_ifname(nic) || !oo_cfg_valid_name(nic)) {
        sc_error(c->d, item, "invalid NIC name '%.*s': expected a netdev name such as eth2 or bond0",
                 SC_SHOW, nic);
        goto out;
    }
    if (oo_config_find_pf(cfg, nic) >= 0 || oo_config_find_bond(cfg, nic) >= 0) {
        sc_error(c->d, item, "'%s' is listed twice in ovs_offload_nics", nic);
        goto out;
    }
    r = find_network(c, nic, item, &net);
    if (r == -EEXIST || (r < 0 && !c->networks))
        goto out;                       /* reported already */
    if (r < 0) {
        sc_error(c->d, item, "'%s' is not in networks: host-agent offloads only NICs listed there; add '%s/<bridge>/<ip-or-wire>' to networks",
                 nic, nic);
        goto out;
    }
    kind = c->probe ? c->probe(nic, c->probe_data) : -EOPNOTSUPP;
    if (kind == -ENOENT) {
        sc_error(c->d, item, "no network interface '%s' on this host%s", nic,
                 !strncmp(nic, "bond", 4) ? " (in host.conf mode the bond is made by the admin: create it first)" : "");
        c->d->n_missing_nics++;
        goto out;
    }
    if (kind < 0) {
        sc_error(c->d, item, "cannot tell whether '%s' is a bond or a PF: %s", nic, strerror(-kind));
        goto out;
    }
    if (kind == OO_CFG_NIC_BOND) {
        struct oo_cfg_bond *b;

        cfg->bonds = oo_realloc(cfg->bonds, (cfg->n_bonds + 1) * sizeof *cfg->bonds);
        b = &cfg->bonds[cfg->n_bonds++];
        oo_cfg_bond_init(b);
        b->name = oo_strdup(nic);
        b->members_from_host = true;
        b->loc = item->loc;
        b->at[OO_CFG_BOND_NAME] = item->loc;
    } else {
        add_nic_pf(cfg, nic, item->loc);
    }
    /* The NIC is the uplink of its network's bridge. */
    if (oo_config_find_bridge(cfg, net->bridge) >= 0) {
        sc_error(c->d, item, "'%s' and another offload NIC share bridge %s: the controller manages one uplink per bridge",
                 nic, net->bridge);
        goto out;
    }
    cfg->bridges = oo_realloc(cfg->bridges, (cfg->n_bridges + 1) * sizeof *cfg->bridges);
    br = &cfg->bridges[cfg->n_bridges++];
    oo_cfg_bridge_init(br);
    br->name = oo_strdup(net->bridge);
    br->loc = net->node->loc;
    br->at[OO_CFG_BRIDGE_NAME] = net->node->loc;
    br->has_uplink = true;
    br->uplink.name = oo_strdup(nic);
    br->uplink.vf = -1;
    br->uplink.loc = net->node->loc;
    br->at[OO_CFG_BRIDGE_UPLINK] = net->node->loc;
out:
    free(nic);
}

static void derive(struct hc_ctx *c, const struct ynode *root)
{
    const struct ynode *networks_key = NULL, *offload_key = NULL;
    size_t npairs;

    if (root->type != YN_MAP) {
        sc_error(c->d, root, "host.conf is a YAML mapping (networks:, ovs_offload_nics:, ...); got %s",
                 ynode_describe(root));
        return;
    }
    /* Only the two keys read here must be unique names: the rest, repeats
     * and odd keys included, is host-agent's business. */
    npairs = ynode_len(root);
    for (size_t i = 0; i < npairs; i++) {
        const struct ynode *k = root->items[2 * i], **first;

        if (k->type != YN_SCALAR || strlen(k->str) != k->len)
            continue;
        if (!strcmp(k->str, "networks"))
            first = &networks_key;
        else if (!strcmp(k->str, "ovs_offload_nics"))
            first = &offload_key;
        else
            continue;
        if (*first) {
            sc_error(c->d, k, "duplicate key '%s': already given at line %u, column %u", k->str,
                     (*first)->loc.line, (*first)->loc.col);
            continue;
        }
        *first = k;
        if (first == &networks_key)
            c->networks = root->items[2 * i + 1];
        else
            c->offload = root->items[2 * i + 1];
    }
    /* Tags are refused in what is read, as in a config; elsewhere they
     * are host-agent's business. */
    if ((c->networks && ytree_refuse_tags(c->networks, c->d)) |
        (c->offload && ytree_refuse_tags(c->offload, c->d)))
        return;
    if (c->networks)
        read_networks(c, c->networks);
    if (!c->offload || (ynode_is_null(c->offload))) {
        sc_error_missing(c->d, root, "ovs_offload_nics",
                         "host.conf names no NIC to offload (e.g. ovs_offload_nics: [eth2])");
        return;
    }
    if (!sc_list(c->d, c->offload, "NIC names"))
        return;
    if (!ynode_len(c->offload)) {
        sc_error(c->d, c->offload, "ovs_offload_nics is empty: host.conf names no NIC to offload");
        return;
    }
    if (!c->networks)
        sc_error_missing(c->d, root, "networks",
                         "every offload NIC needs its 'nic/bridge/ip-or-wire' entry");
    for (size_t i = 0; i < ynode_len(c->offload); i++)
        add_offload_nic(c, c->offload->items[i]);
}

int oo_config_parse_hostconf(const char *name, const void *buf, size_t len,
                             oo_cfg_nic_probe_fn probe, void *probe_data,
                             struct oo_config *cfg, struct oo_cfg_diag *diag)
{
    size_t before = oo_cfg_diag_count(diag);
    struct hc_ctx c = { diag, cfg, probe, probe_data, NULL, 0, NULL, NULL };
    struct ynode *root;

    oo_config_init(cfg);
    cfg->source = OO_CONFIG_SOURCE_HOSTCONF;
    cfg->file = oo_strdup(name ? name : "<host.conf>");
    cfg->ovs.hw_offload = 1;
    cfg->reps_owned_by_host_agent = true;
    oo_cfg_diag_set_file(diag, cfg->file);
    root = ytree_parse(buf, len, diag);
    if (root) {
        derive(&c, root);
        ytree_free(root);
    } else if (oo_cfg_diag_count(diag) == before) {
        oo_cfg_diag_add(diag, (struct oo_src_loc){ 1, 1 }, NULL,
                        "host.conf is empty: it needs networks and ovs_offload_nics");
    }
    free(c.nets);
    oo_config_validate(cfg, diag);
    oo_cfg_diag_sort(diag);
    return oo_cfg_diag_count(diag) > before ? -EINVAL : 0;
}

/* Marks every position of a host.conf tree as the host.conf's: the objects
 * derived from it keep them, and so do the errors found on them later. */
static void mark_hostconf(struct ynode *n)
{
    n->loc.file = 1;
    if (n->type == YN_SEQ || n->type == YN_MAP)
        for (size_t i = 0; i < n->n; i++)
            mark_hostconf(n->items[i]);
}

/* The settings YAML pf y gives to derived pf t: the keys y writes, with
 * their positions. Those host.conf decides are refused. */
static void give_settings(struct oo_cfg_pf *y, size_t yi, struct oo_cfg_pf *t, struct oo_cfg_diag *d)
{
    static const int fixed[] = { OO_CFG_PF_DEVICE, OO_CFG_PF_NETDEV };
    char key[64];

    for (size_t k = 0; k < sizeof fixed / sizeof fixed[0]; k++)
        if (y->at[fixed[k]].line) {
            snprintf(key, sizeof key, "pfs[%zu].%s", yi, oo_cfg_pf_keys[fixed[k]]);
            oo_cfg_diag_add(d, y->at[fixed[k]], key, "the PF is the netdev the name names (host.conf's NIC, or a member of its bond): leave it out");
        }
    if (y->at[OO_CFG_PF_ESWITCH].line && y->eswitch != OO_ESWITCH_SWITCHDEV) {
        snprintf(key, sizeof key, "pfs[%zu].eswitch", yi);
        oo_cfg_diag_add(d, y->at[OO_CFG_PF_ESWITCH], key,
                        "an offload NIC of host.conf is in switchdev: leave it out");
    }
    t->key_index = (int)yi;
    /* Scalars copied; lists moved over (y is freed after). */
#define GIVE(k, field)                                      \
    do {                                                    \
        if (y->at[k].line) {                                \
            t->field = y->field;                            \
            t->at[k] = y->at[k];                            \
        }                                                   \
    } while (0)
#define GIVE_LIST(k, list, n)                               \
    do {                                                    \
        if (y->at[k].line) {                                \
            GIVE(k, list);                                  \
            t->n = y->n;                                    \
            y->list = NULL;                                 \
            y->n = 0;                                       \
        }                                                   \
    } while (0)
    GIVE(OO_CFG_PF_NUM_VFS, num_vfs);
    GIVE(OO_CFG_PF_MULTIPORT, multiport);
    GIVE(OO_CFG_PF_INLINE_MODE, inline_mode);
    GIVE(OO_CFG_PF_ENCAP_MODE, encap_mode);
    GIVE(OO_CFG_PF_REPRESENTOR_IPV6, representor_ipv6);
    GIVE_LIST(OO_CFG_PF_PARAMS, params, n_params);
    GIVE_LIST(OO_CFG_PF_VFS, vfs, n_vfs);
#undef GIVE_LIST
#undef GIVE
}

/* A pf for the settings of y, a member of a bond host.conf offloads,
 * appended to cfg; NULL (reported) if y names no such netdev. */
static struct oo_cfg_pf *add_bond_member(struct oo_config *cfg, const struct oo_cfg_pf *y, const char *key,
                                         const struct hc_ctx *c)
{
    int kind = c->probe ? c->probe(y->name, c->probe_data) : -EOPNOTSUPP;
    struct oo_cfg_pf *pf;

    if (kind == -ENOENT) {
        oo_cfg_diag_add(c->d, y->at[OO_CFG_PF_NAME], key, "no network interface '%s' on this host "
                        "(a member of a bond host.conf offloads, by its netdev name)", y->name);
        c->d->n_missing_nics++;
        return NULL;
    }
    if (kind < 0) {
        oo_cfg_diag_add(c->d, y->at[OO_CFG_PF_NAME], key, "cannot tell what '%s' is: %s", y->name,
                        strerror(-kind));
        return NULL;
    }
    if (kind == OO_CFG_NIC_BOND) {
        oo_cfg_diag_add(c->d, y->at[OO_CFG_PF_NAME], key, "'%s' is a bond: pfs give settings to PFs, "
                        "a bond's members by their netdev names", y->name);
        return NULL;
    }
    pf = add_nic_pf(cfg, y->name, y->at[OO_CFG_PF_NAME]);
    pf->host_bond_member = true;
    pf->loc = y->loc;
    return pf;
}

/* The YAML's pfs (yaml[0..n_yaml), taken out of cfg) give settings to the
 * PFs derived from host.conf, by name, or to members of its bonds (added
 * after them), and go. c NULL: host.conf was not read; they just go. */
static void merge_pfs(struct oo_config *cfg, struct oo_cfg_pf *yaml, size_t n_yaml, const struct hc_ctx *c)
{
    bool *given = oo_calloc(cfg->n_pfs + n_yaml + 1, sizeof *given);
    struct oo_cfg_diag *d = c ? c->d : NULL;
    bool host_bonds = false;

    for (size_t b = 0; b < cfg->n_bonds; b++)
        host_bonds |= cfg->bonds[b].members_from_host;
    for (size_t i = 0; i < n_yaml; i++) {
        struct oo_cfg_pf *y = &yaml[i];
        size_t j = 0;
        char key[64];

        while (j < cfg->n_pfs && (!y->name || strcmp(cfg->pfs[j].name, y->name)))
            j++;
        snprintf(key, sizeof key, "pfs[%zu].name", i);
        if (!y->name || !d) {
            /* reported by the parser */
        } else if (j < cfg->n_pfs && given[j]) {
            oo_cfg_diag_add(d, y->at[OO_CFG_PF_NAME], key, "'%s' is given twice", y->name);
        } else if (j < cfg->n_pfs) {
            given[j] = true;
            give_settings(y, i, &cfg->pfs[j], d);
        } else if (oo_config_find_bond(cfg, y->name) >= 0) {
            oo_cfg_diag_add(d, y->at[OO_CFG_PF_NAME], key, "'%s' is a bond host.conf offloads: pfs give "
                            "settings to its members, by their netdev names", y->name);
        } else if (!host_bonds) {
            oo_cfg_diag_add(d, y->at[OO_CFG_PF_NAME], key,
                            "'%s' is not a PF that host.conf offloads: with 'hostconf', pfs give "
                            "settings to the PF netdevs ovs_offload_nics names and to the members of "
                            "the bonds it names, by their netdev names", y->name);
        } else {
            struct oo_cfg_pf *m = add_bond_member(cfg, y, key, c);

            if (m) {
                given[cfg->n_pfs - 1] = true;
                give_settings(y, i, m, d);
            }
        }
        oo_cfg_pf_free(y);
    }
    free(yaml);
    free(given);
}

void oo_cfg_merge_hostconf(struct oo_config *cfg, const struct oo_cfg_hostconf_reader *reader,
                           struct oo_cfg_diag *d)
{
    static const int made[] = { OO_CFG_KEY_BONDS, OO_CFG_KEY_BRIDGES };
    struct oo_cfg_pf *yaml = cfg->pfs;  /* the YAML's pfs: settings for derived ones */
    const size_t n_yaml = cfg->n_pfs;
    const struct oo_src_loc at = cfg->at[OO_CFG_KEY_HOSTCONF];
    struct hc_ctx c = { d, cfg, NULL, NULL, NULL, 0, NULL, NULL };
    const struct oo_src_loc *hw = &cfg->ovs.at[OO_CFG_OVS_HW_OFFLOAD];
    struct ynode *root;
    char *buf = NULL;
    size_t len = 0, before;
    int r;

    cfg->pfs = NULL;
    cfg->n_pfs = 0;
    for (size_t i = 0; i < sizeof made / sizeof made[0]; i++)
        if (cfg->at[made[i]].line)
            oo_cfg_diag_add(d, cfg->at[made[i]], oo_cfg_top_keys[made[i]],
                            "not with 'hostconf': the offload NICs host.conf names make the "
                            "bonds and bridges (docs/config.md, \"host.conf mode\")");
    if (hw->line && cfg->ovs.hw_offload == 0)
        oo_cfg_diag_add(d, *hw, "ovs.hw_offload",
                        "host-agent turns hw-offload on for the NICs host.conf offloads: with "
                        "'hostconf' it cannot be false (leave it out)");
    if (!cfg->hostconf) {
        merge_pfs(cfg, yaml, n_yaml, NULL);   /* not a usable path: reported */
        return;
    }
    cfg->ovs.hw_offload = 1;
    cfg->reps_owned_by_host_agent = true;
    if (!reader) {
        oo_cfg_diag_add(d, at, "hostconf", "host.conf is read only when the config is "
                        "loaded from a file (ovs-offloadctl -c FILE)");
        merge_pfs(cfg, yaml, n_yaml, NULL);
        return;
    }
    r = reader->read(cfg->hostconf, &buf, &len, reader->read_arg);
    if (r < 0) {
        oo_cfg_diag_add(d, at, "hostconf", "cannot read %s: %s", cfg->hostconf, strerror(-r));
        merge_pfs(cfg, yaml, n_yaml, NULL);
        return;
    }
    oo_cfg_diag_set_hostconf_file(d, cfg->hostconf);
    d->cur_file = 1;
    c.probe = reader->probe;
    c.probe_data = reader->probe_data;
    before = oo_cfg_diag_count(d);
    root = ytree_parse(buf, len, d);
    if (root) {
        mark_hostconf(root);
        derive(&c, root);
        ytree_free(root);
    } else if (oo_cfg_diag_count(d) == before) {
        oo_cfg_diag_add(d, (struct oo_src_loc){ 1, 1 }, NULL,
                        "host.conf is empty: it needs networks and ovs_offload_nics");
    }
    d->cur_file = 0;
    merge_pfs(cfg, yaml, n_yaml, &c);
    free(c.nets);
    free(buf);
}

int oo_config_load_hostconf(const char *path, struct oo_config *cfg, struct oo_cfg_diag *diag)
{
    char *buf;
    size_t len;
    int r;

    oo_cfg_diag_set_file(diag, path);
    r = oo_cfg_read_file(path, &buf, &len, diag);
    if (r < 0) {
        oo_config_init(cfg);
        cfg->file = oo_strdup(path);
        return r;
    }
    r = oo_config_parse_hostconf(path, buf, len, oo_cfg_nic_probe_sysfs, NULL, cfg, diag);
    cfg->digest = oo_digest(buf, len);
    free(buf);
    return r;
}
