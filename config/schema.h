/* Helpers that read typed values out of a ytree and report what is wrong
 * with them at the right position and key path. Internal to config/. */
#ifndef OO_CONFIG_SCHEMA_H
#define OO_CONFIG_SCHEMA_H

#include <stdbool.h>
#include <stdint.h>

#include "config/diag.h"
#include "config/names.h"
#include "config/ytree.h"

/* The key path and position of n. */
void sc_error(struct oo_cfg_diag *d, const struct ynode *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* An error about key (absent) of the mapping map: path map.key, map's position. */
void sc_error_missing(struct oo_cfg_diag *d, const struct ynode *map, const char *key,
                      const char *hint);

/* A string: any non-null scalar without NUL bytes. *ret is malloc'ed. */
bool sc_str(struct oo_cfg_diag *d, const struct ynode *n, const char *what, char **ret);
/* The same check, for a string only read while the tree lives: *ret is
 * n's own text, not a copy. */
bool sc_text(struct oo_cfg_diag *d, const struct ynode *n, const char *what, const char **ret);
/* An integer in [min, max] (plain scalar, decimal or 0x hex). */
bool sc_int(struct oo_cfg_diag *d, const struct ynode *n, int64_t min, int64_t max,
            int64_t *ret);
/* true or false (also True/TRUE/False/FALSE); *ret = 1 or 0. */
bool sc_bool(struct oo_cfg_diag *d, const struct ynode *n, int *ret);
/* One of the names of t; the message lists them and suggests the nearest. */
bool sc_enum(struct oo_cfg_diag *d, const struct ynode *n, const struct oo_cfg_names *t,
             int *ret);
/* A list, or null (an empty list). */
bool sc_list(struct oo_cfg_diag *d, const struct ynode *n, const char *what);
/* A mapping, or null (an empty mapping). */
bool sc_mapping(struct oo_cfg_diag *d, const struct ynode *n, const char *what);

/* Reports duplicate keys of a mapping; dup[i] is set for pair i if it repeats
 * an earlier key (dup has ynode_len(map) entries), and for keys that are no
 * name: not a string, null, or holding a NUL. */
void sc_check_keys(struct oo_cfg_diag *d, const struct ynode *map, bool *dup);

/* Walks a mapping whose keys are keys[0..nkeys): unknown keys are reported
 * with the nearest valid spelling, duplicates once; for every valid key,
 * at[k] is set to the value's position and fn(ctx, k, value) is called.
 * A null node is an empty mapping. Returns false if n is not a mapping. */
typedef void (*sc_field_fn)(void *ctx, int key, const struct ynode *value);
bool sc_walk(struct oo_cfg_diag *d, const struct ynode *n, const char *what,
             const char *const *keys, size_t nkeys, struct oo_src_loc *at,
             sc_field_fn fn, void *ctx);

/* Shown length of user text echoed in messages. */
#define SC_SHOW 64

#endif
