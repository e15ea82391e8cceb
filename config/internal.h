/* Shared between the files of config/ (and its tests); not part of the API. */
#ifndef OO_CONFIG_INTERNAL_H
#define OO_CONFIG_INTERNAL_H

#include "config/config.h"
#include "config/ytree.h"

/* Each object with every optional member unset (-1) and nothing owned. */
void oo_cfg_vf_init(struct oo_cfg_vf *vf);
void oo_cfg_pf_init(struct oo_cfg_pf *pf);
void oo_cfg_bond_init(struct oo_cfg_bond *b);
void oo_cfg_bridge_init(struct oo_cfg_bridge *br);
void oo_cfg_match_init(struct oo_cfg_match *m);
void oo_cfg_rule_init(struct oo_cfg_rule *r);
void oo_cfg_mpv_init(struct oo_cfg_mpv *m);
void oo_cfg_ref_free(struct oo_cfg_ref *ref);
/* Frees what pf owns (not pf itself). */
void oo_cfg_pf_free(struct oo_cfg_pf *pf);

/* Fills cfg (already initialised) from a YAML config tree. */
void oo_cfg_parse_tree(const struct ynode *root, struct oo_config *cfg, struct oo_cfg_diag *d);

/* A YAML config's `hostconf:` (cfg->hostconf, its key's position in
 * cfg->at): refuses what host.conf makes (bonds, bridges), reads the file
 * with reader (NULL: refused) and derives its pfs, bonds and bridges into
 * cfg, positions marked as the host.conf's (loc.file 1). The YAML's own
 * pfs entries then give settings to the derived PFs of their names. Problems
 * go to d. */
void oo_cfg_merge_hostconf(struct oo_config *cfg, const struct oo_cfg_hostconf_reader *reader,
                           struct oo_cfg_diag *d);

/* Largest config file read by the loaders. */
#define OO_CFG_MAX_FILE_SIZE (64u << 20)
/* Reads a whole file; *ret_buf is malloc'ed. Returns 0 or -errno (-EFBIG
 * above OO_CFG_MAX_FILE_SIZE); the reason is added to diag. */
int oo_cfg_read_file(const char *path, char **ret_buf, size_t *ret_len, struct oo_cfg_diag *diag);

#endif
