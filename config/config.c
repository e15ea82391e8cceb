/* Lifecycle of struct oo_config: defaults, freeing, file loading, lookups. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/util.h"
#include "config/config.h"
#include "config/internal.h"

static const char *const default_restart_command[] = {
    "systemctl", "restart", "openvswitch-switch",
};

static struct oo_cfg_ref ref_unset(void)
{
    return (struct oo_cfg_ref){ .vf = -1, .kind = OO_CFG_REF_UNRESOLVED, .index = -1 };
}

void oo_cfg_vf_init(struct oo_cfg_vf *vf)
{
    *vf = (struct oo_cfg_vf){
        .vlan = -1, .qos = -1, .trust = -1, .spoofchk = -1, .link_state = -1,
        .max_tx_rate = -1, .min_tx_rate = -1, .migratable = -1,
    };
}

void oo_cfg_pf_init(struct oo_cfg_pf *pf)
{
    *pf = (struct oo_cfg_pf){ .eswitch = -1, .num_vfs = -1, .multiport = -1, .inline_mode = -1,
                              .encap_mode = -1, .key_index = -1 };
}

void oo_cfg_bond_init(struct oo_cfg_bond *b)
{
    *b = (struct oo_cfg_bond){ .mode = -1, .miimon = -1, .xmit_hash_policy = -1,
                               .lacp_rate = -1 };
}

void oo_cfg_bridge_init(struct oo_cfg_bridge *br)
{
    *br = (struct oo_cfg_bridge){ .uplink = ref_unset() };
}

void oo_cfg_match_init(struct oo_cfg_match *m)
{
    *m = (struct oo_cfg_match){ .eth_type = -1, .vlan_id = -1, .vlan_prio = -1,
                                .ip_proto = -1, .src_port = -1, .dst_port = -1 };
}

void oo_cfg_rule_init(struct oo_cfg_rule *r)
{
    *r = (struct oo_cfg_rule){ .dev = ref_unset(), .skip = -1 };
    oo_cfg_match_init(&r->match);
}

int oo_cfg_rule_skip(const struct oo_config *cfg, const struct oo_cfg_rule *r)
{
    if (r->skip >= 0)
        return r->skip;
    return cfg->ovs.tc_policy == OO_CFG_TC_POLICY_SKIP_SW ? OO_CFG_SKIP_SW
         : cfg->ovs.tc_policy == OO_CFG_TC_POLICY_SKIP_HW ? OO_CFG_SKIP_HW : OO_CFG_SKIP_NONE;
}

int oo_cfg_ovs_prio_protocol(uint32_t chain, uint32_t prio)
{
    if (chain != 0)
        return 0;
    return prio == OO_CFG_OVS_PRIO_IPV4 ? 0x0800 : prio == OO_CFG_OVS_PRIO_IPV6 ? 0x86dd : 0;
}

int oo_cfg_rule_ovs_prio_clash(const struct oo_cfg_rule *r)
{
    int ovs = oo_cfg_ovs_prio_protocol(r->chain, r->prio);

    return ovs && r->match.eth_type != ovs ? ovs : 0;
}

bool oo_config_ref_on_bridge(const struct oo_config *cfg, const struct oo_cfg_ref *ref)
{
    for (size_t b = 0; b < cfg->n_bridges; b++) {
        const struct oo_cfg_bridge *br = &cfg->bridges[b];

        if (ref->kind != OO_CFG_REF_VF) {
            if (br->has_uplink && br->uplink.kind == ref->kind && br->uplink.index == ref->index)
                return true;
            continue;
        }
        for (size_t i = 0; i < br->n_ranges; i++) {
            const struct oo_cfg_rep_range *rr = &br->ranges[i];

            if (rr->pf && oo_config_find_pf(cfg, rr->pf) == ref->index && ref->vf >= 0 &&
                (uint32_t)ref->vf >= rr->first && (uint32_t)ref->vf <= rr->last)
                return true;
        }
    }
    return false;
}

void oo_cfg_mpv_init(struct oo_cfg_mpv *m)
{
    *m = (struct oo_cfg_mpv){ .vfs = { ref_unset(), ref_unset() } };
}

void oo_cfg_ref_free(struct oo_cfg_ref *ref)
{
    free(ref->name);
    *ref = ref_unset();
}

void oo_config_init(struct oo_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->version = 1;
    cfg->ovs.db = oo_strdup("unix:/var/run/openvswitch/db.sock");
    cfg->ovs.hw_offload = -1;
    cfg->ovs.tc_policy = -1;
    cfg->ovs.max_idle_ms = -1;
    cfg->ovs.restart = OO_CFG_RESTART_NEVER;
    cfg->waits.timeout_s = OO_CFG_WAIT_TIMEOUT_S;
    cfg->waits.lag_settle_s = OO_CFG_WAIT_LAG_SETTLE_S;
    cfg->waits.udev_s = OO_CFG_WAIT_UDEV_S;
    cfg->ovs.n_restart_command = OO_ARRAY_SIZE(default_restart_command);
    cfg->ovs.restart_command = oo_calloc(cfg->ovs.n_restart_command, sizeof(char *));
    for (size_t i = 0; i < cfg->ovs.n_restart_command; i++)
        cfg->ovs.restart_command[i] = oo_strdup(default_restart_command[i]);
}

void oo_cfg_pf_free(struct oo_cfg_pf *pf)
{
    free(pf->name);
    free(pf->netdev);
    for (size_t i = 0; i < pf->n_params; i++) {
        free(pf->params[i].name);
        free(pf->params[i].value);
    }
    free(pf->params);
    free(pf->vfs);
}

static void bond_free(struct oo_cfg_bond *b)
{
    free(b->name);
    for (size_t i = 0; i < b->n_members; i++)
        free(b->members[i].pf);
    free(b->members);
    free(b->primary);
}

static void bridge_free(struct oo_cfg_bridge *br)
{
    free(br->name);
    oo_cfg_ref_free(&br->uplink);
    for (size_t i = 0; i < br->n_ranges; i++)
        free(br->ranges[i].pf);
    free(br->ranges);
    free(br->reps);
}

static void rule_free(struct oo_cfg_rule *r)
{
    free(r->name);
    oo_cfg_ref_free(&r->dev);
    for (size_t i = 0; i < r->n_actions; i++)
        oo_cfg_ref_free(&r->actions[i].dev);
    free(r->actions);
}

static void mpv_free(struct oo_cfg_mpv *m)
{
    free(m->name);
    oo_cfg_ref_free(&m->vfs[0]);
    oo_cfg_ref_free(&m->vfs[1]);
}

void oo_config_free(struct oo_config *cfg)
{
    if (!cfg)
        return;
    free(cfg->file);
    free(cfg->hostconf);
    free(cfg->ovs.db);
    for (size_t i = 0; i < cfg->ovs.n_restart_command; i++)
        free(cfg->ovs.restart_command[i]);
    free(cfg->ovs.restart_command);
    for (size_t i = 0; i < cfg->n_pfs; i++)
        oo_cfg_pf_free(&cfg->pfs[i]);
    free(cfg->pfs);
    for (size_t i = 0; i < cfg->n_bonds; i++)
        bond_free(&cfg->bonds[i]);
    free(cfg->bonds);
    for (size_t i = 0; i < cfg->n_bridges; i++)
        bridge_free(&cfg->bridges[i]);
    free(cfg->bridges);
    for (size_t i = 0; i < cfg->n_rules; i++)
        rule_free(&cfg->rules[i]);
    free(cfg->rules);
    for (size_t i = 0; i < cfg->n_mpvs; i++)
        mpv_free(&cfg->mpvs[i]);
    free(cfg->mpvs);
    /* Leave it usable, as after oo_config_init(), without allocating: the
     * restart command and db are NULL here; call oo_config_init() to reuse. */
    memset(cfg, 0, sizeof *cfg);
}

int oo_config_find_pf(const struct oo_config *cfg, const char *name)
{
    for (size_t i = 0; name && i < cfg->n_pfs; i++)
        if (cfg->pfs[i].name && !strcmp(cfg->pfs[i].name, name))
            return (int)i;
    return -1;
}

int oo_config_find_bond(const struct oo_config *cfg, const char *name)
{
    for (size_t i = 0; name && i < cfg->n_bonds; i++)
        if (cfg->bonds[i].name && !strcmp(cfg->bonds[i].name, name))
            return (int)i;
    return -1;
}

int oo_config_find_bridge(const struct oo_config *cfg, const char *name)
{
    for (size_t i = 0; name && i < cfg->n_bridges; i++)
        if (cfg->bridges[i].name && !strcmp(cfg->bridges[i].name, name))
            return (int)i;
    return -1;
}

int oo_cfg_read_file(const char *path, char **ret_buf, size_t *ret_len, struct oo_cfg_diag *diag)
{
    struct stat st;
    size_t len = 0, alloc = 4096;
    char *buf;
    int fd, r = 0;

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        r = -errno;
        oo_cfg_diag_add(diag, (struct oo_src_loc){ 0, 0 }, NULL, "cannot open: %s",
                        strerror(-r));
        return r;
    }
    if (fstat(fd, &st) < 0)
        st.st_mode = 0;                 /* not known: read it as a stream */
    if (S_ISDIR(st.st_mode)) {
        close(fd);
        oo_cfg_diag_add(diag, (struct oo_src_loc){ 0, 0 }, NULL,
                        "is a directory, expected a file");
        return -EISDIR;
    }
    /* A regular file is read into one buffer of its size (+1 to see the
     * end): growing one by doubling touched ~2.5 times the file's size. */
    if (S_ISREG(st.st_mode) && st.st_size > 0 && st.st_size < OO_CFG_MAX_FILE_SIZE)
        alloc = (size_t)st.st_size + 1;
    buf = oo_malloc(alloc);
    for (;;) {
        ssize_t n;

        if (len == alloc) {
            if (alloc >= OO_CFG_MAX_FILE_SIZE) {
                r = -EFBIG;
                oo_cfg_diag_add(diag, (struct oo_src_loc){ 0, 0 }, NULL,
                                "larger than %u MiB: not a config file",
                                OO_CFG_MAX_FILE_SIZE >> 20);
                break;
            }
            alloc *= 2;
            buf = oo_realloc(buf, alloc);
        }
        n = read(fd, buf + len, alloc - len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            r = -errno;
            oo_cfg_diag_add(diag, (struct oo_src_loc){ 0, 0 }, NULL, "cannot read: %s",
                            strerror(-r));
            break;
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    close(fd);
    if (r < 0) {
        free(buf);
        return r;
    }
    *ret_buf = buf;
    *ret_len = len;
    return 0;
}

/* The digest of a config made of the bytes of a file (digest a) and of the
 * host.conf it names (digest b, 0 when unread). */
static uint64_t digest_pair(uint64_t a, uint64_t b)
{
    uint64_t pair[2] = { a, b };

    return b ? oo_digest(pair, sizeof pair) : a;
}

static int digest_of(const char *path, uint64_t *ret_digest)
{
    struct oo_cfg_diag diag;
    char *buf;
    size_t len;
    int r;

    oo_cfg_diag_init(&diag, path);
    r = oo_cfg_read_file(path, &buf, &len, &diag);
    oo_cfg_diag_free(&diag);
    if (r < 0)
        return r;
    *ret_digest = oo_digest(buf, len);
    free(buf);
    return 0;
}

int oo_config_file_digest(const char *path, const char *hostconf, uint64_t *ret_digest)
{
    uint64_t a, b = 0;
    int r;

    if ((r = digest_of(path, &a)) < 0)
        return r;
    if (hostconf && digest_of(hostconf, &b) < 0)
        b = 0;
    *ret_digest = digest_pair(a, b);
    return 0;
}

/* The reader oo_config_load_yaml() gives the parser: the file, whose digest
 * it keeps in *arg for the config's. */
static int read_hostconf_file(const char *path, char **ret_buf, size_t *ret_len, void *arg)
{
    uint64_t *digest = arg;
    struct oo_cfg_diag diag;
    int r;

    oo_cfg_diag_init(&diag, path);
    r = oo_cfg_read_file(path, ret_buf, ret_len, &diag);
    oo_cfg_diag_free(&diag);
    if (r == 0)
        *digest = oo_digest(*ret_buf, *ret_len);
    return r;
}

int oo_config_load_yaml(const char *path, struct oo_config *cfg, struct oo_cfg_diag *diag)
{
    uint64_t hostconf_digest = 0;
    const struct oo_cfg_hostconf_reader reader = {
        .read = read_hostconf_file, .read_arg = &hostconf_digest,
        .probe = oo_cfg_nic_probe_sysfs, .probe_data = NULL,
    };
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
    r = oo_config_parse_yaml_with(path, buf, len, &reader, cfg, diag);
    cfg->digest = digest_pair(oo_digest(buf, len), hostconf_digest);
    free(buf);
    return r;
}
