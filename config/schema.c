/* Typed reads from the YAML tree, with collected errors. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "config/schema.h"
#include "config/values.h"

#define PATH_MAX_LEN 512

void sc_error(struct oo_cfg_diag *d, const struct ynode *n, const char *fmt, ...)
{
    char path[PATH_MAX_LEN];
    char *msg;
    va_list ap;
    int r;

    va_start(ap, fmt);
    r = vasprintf(&msg, fmt, ap);
    va_end(ap);
    if (r < 0)
        return;
    oo_cfg_diag_add(d, n->loc, ynode_path(n, path, sizeof path), "%s", msg);
    free(msg);
}

void sc_error_missing(struct oo_cfg_diag *d, const struct ynode *map, const char *key,
                      const char *hint)
{
    char path[PATH_MAX_LEN], full[PATH_MAX_LEN + 64];

    ynode_path(map, path, sizeof path);
    snprintf(full, sizeof full, "%s%s%s", path, path[0] ? "." : "", key);
    oo_cfg_diag_add(d, map->loc, full, "missing required key '%s'%s%s", key,
                    hint ? ": " : "", hint ? hint : "");
}

/* Common refusals for a node that should be a scalar value. */
static bool want_scalar(struct oo_cfg_diag *d, const struct ynode *n, const char *what)
{
    if (n->type == YN_ALIAS) {
        sc_error(d, n, "YAML aliases (*%.*s) are not supported: write the value out",
                 SC_SHOW, n->str);
        return false;
    }
    if (n->type != YN_SCALAR) {
        sc_error(d, n, "expected %s, got %s", what, ynode_describe(n));
        return false;
    }
    if (ynode_is_null(n)) {
        sc_error(d, n, "expected %s, got nothing (remove the key to leave it unset)", what);
        return false;
    }
    if (strlen(n->str) != n->len) {
        sc_error(d, n, "expected %s, got a string containing a NUL character", what);
        return false;
    }
    return true;
}

bool sc_text(struct oo_cfg_diag *d, const struct ynode *n, const char *what, const char **ret)
{
    if (!want_scalar(d, n, what))
        return false;
    *ret = n->str;
    return true;
}

bool sc_str(struct oo_cfg_diag *d, const struct ynode *n, const char *what, char **ret)
{
    const char *text;

    if (!sc_text(d, n, what, &text))
        return false;
    *ret = oo_strdup(text);
    return true;
}

bool sc_int(struct oo_cfg_diag *d, const struct ynode *n, int64_t min, int64_t max,
            int64_t *ret)
{
    int64_t v;
    int r;

    if (!want_scalar(d, n, "an integer"))
        return false;
    if (ynode_str_tagged(n)) {
        sc_error(d, n, "expected an integer in %lld..%lld, got \"%.*s\", made a string by its %s tag: remove the tag",
                 (long long)min, (long long)max, SC_SHOW, n->str, ynode_str_tag(n));
        return false;
    }
    if (!n->plain) {
        sc_error(d, n, "expected an integer in %lld..%lld, got the quoted string \"%.*s\": remove the quotes",
                 (long long)min, (long long)max, SC_SHOW, n->str);
        return false;
    }
    r = oo_cfg_parse_int(n->str, &v);
    if (r == -EDOM) {
        sc_error(d, n, "'%.*s' is ambiguous (YAML 1.1 reads a leading 0 as octal): write it without leading zeros, or as 0x hex",
                 SC_SHOW, n->str);
        return false;
    }
    if (r == -EINVAL) {
        sc_error(d, n, "expected an integer in %lld..%lld, got '%.*s'", (long long)min,
                 (long long)max, SC_SHOW, n->str);
        return false;
    }
    if (r == -ERANGE || v < min || v > max) {
        sc_error(d, n, "%.*s is out of range: expected %lld..%lld", SC_SHOW, n->str,
                 (long long)min, (long long)max);
        return false;
    }
    *ret = v;
    return true;
}

bool sc_bool(struct oo_cfg_diag *d, const struct ynode *n, int *ret)
{
    static const char *const yes[] = { "true", "True", "TRUE" };
    static const char *const no[] = { "false", "False", "FALSE" };

    if (!want_scalar(d, n, "true or false"))
        return false;
    if (n->plain) {
        for (size_t i = 0; i < OO_ARRAY_SIZE(yes); i++) {
            if (!strcmp(n->str, yes[i])) {
                *ret = 1;
                return true;
            }
            if (!strcmp(n->str, no[i])) {
                *ret = 0;
                return true;
            }
        }
    }
    sc_error(d, n, "expected true or false, got %s%s%s'%.*s'%s",
             n->plain ? "" : ynode_str_tagged(n) ? "the string (tagged " : "the quoted string ",
             ynode_str_tagged(n) ? ynode_str_tag(n) : "", ynode_str_tagged(n) ? ") " : "",
             SC_SHOW, n->str,
             !n->plain ? "" : " (YAML 1.1 words like yes/no/on/off are not accepted: they are ambiguous)");
    return false;
}

bool sc_enum(struct oo_cfg_diag *d, const struct ynode *n, const struct oo_cfg_names *t,
             int *ret)
{
    char list[256], what[300];
    const char *near;
    int v;

    /* The common case first: the lists are only needed for errors. */
    if (n->type == YN_SCALAR && !ynode_is_null(n) && strlen(n->str) == n->len &&
        (v = oo_cfg_value_of(t, n->str)) >= 0) {
        *ret = v;
        return true;
    }
    oo_cfg_names_join(t->names, t->n, list, sizeof list);
    snprintf(what, sizeof what, "one of: %s", list);
    if (!want_scalar(d, n, what))
        return false;
    v = oo_cfg_value_of(t, n->str);
    if (v >= 0) {
        *ret = v;
        return true;
    }
    near = oo_cfg_suggest(n->str, t->names, t->n);
    if (near)
        sc_error(d, n, "invalid value '%.*s' (did you mean '%s'?); valid values: %s", SC_SHOW,
                 n->str, near, list);
    else
        sc_error(d, n, "invalid value '%.*s'; valid values: %s", SC_SHOW, n->str, list);
    return false;
}

bool sc_list(struct oo_cfg_diag *d, const struct ynode *n, const char *what)
{
    if (n->type == YN_SEQ || ynode_is_null(n))
        return true;
    if (n->type == YN_ALIAS)
        sc_error(d, n, "YAML aliases (*%.*s) are not supported: write the value out",
                 SC_SHOW, n->str);
    else
        sc_error(d, n, "expected a list of %s, got %s", what, ynode_describe(n));
    return false;
}

bool sc_mapping(struct oo_cfg_diag *d, const struct ynode *n, const char *what)
{
    if (n->type == YN_MAP || ynode_is_null(n))
        return true;
    if (n->type == YN_ALIAS)
        sc_error(d, n, "YAML aliases (*%.*s) are not supported: write the value out",
                 SC_SHOW, n->str);
    else
        sc_error(d, n, "expected %s (a mapping), got %s", what, ynode_describe(n));
    return false;
}

struct key_ref {
    const struct ynode *k;
    size_t pair;
};

/* By text (bytes and length: a key may hold a NUL), then by position. */
static int key_ref_cmp(const void *a, const void *b)
{
    const struct key_ref *x = a, *y = b;
    size_t la = x->k->len, lb = y->k->len;
    int c = memcmp(x->k->str, y->k->str, la < lb ? la : lb);

    if (c)
        return c;
    if (la != lb)
        return la < lb ? -1 : 1;
    return x->pair < y->pair ? -1 : x->pair > y->pair;
}

static bool key_eq(const struct ynode *a, const struct ynode *b)
{
    return a->len == b->len && !memcmp(a->str, b->str, a->len);
}

static void dup_error(struct oo_cfg_diag *d, const struct ynode *k, const struct ynode *first)
{
    sc_error(d, k, "duplicate key '%.*s': already given at line %u, column %u", SC_SHOW, k->str,
             first->loc.line, first->loc.col);
}

void sc_check_keys(struct oo_cfg_diag *d, const struct ynode *map, bool *dup)
{
    size_t n = ynode_len(map), m = 0;
    struct key_ref *refs;

    for (size_t i = 0; i < n; i++) {
        const struct ynode *k = map->items[2 * i];

        dup[i] = false;
        if (k->type == YN_ALIAS) {
            sc_error(d, k, "YAML aliases (*%.*s) are not supported: write the key's name out",
                     SC_SHOW, k->str);
            dup[i] = true;
        } else if (k->type != YN_SCALAR || ynode_is_null(k)) {
            sc_error(d, k, "a key must be a plain name, got %s", ynode_describe(k));
            dup[i] = true;              /* unusable: skip it like a duplicate */
        } else if (strlen(k->str) != k->len) {
            /* "name\u0000x" is not "name", and names are C strings. */
            sc_error(d, k, "key '%.*s...' holds a NUL character", SC_SHOW, k->str);
            dup[i] = true;
        }
    }
    /* Config mappings are small (a rule has five keys): each key against
     * the earlier ones, lengths first. */
    if (n <= 16) {
        for (size_t i = 1; i < n; i++) {
            const struct ynode *k = map->items[2 * i];

            if (dup[i])
                continue;
            /* An unusable key j has dup[j] set; so has a repeat, whose
             * first occurrence comes earlier and matches first. */
            for (size_t j = 0; j < i; j++) {
                const struct ynode *first = map->items[2 * j];

                if (!dup[j] && key_eq(first, k)) {
                    dup_error(d, k, first);
                    dup[i] = true;
                    break;
                }
            }
        }
        return;
    }
    refs = oo_calloc(n, sizeof *refs);
    for (size_t i = 0; i < n; i++)
        if (!dup[i])
            refs[m++] = (struct key_ref){ map->items[2 * i], i };
    qsort(refs, m, sizeof *refs, key_ref_cmp);
    for (size_t i = 1, first = 0; i < m; i++) {
        if (!key_eq(refs[i].k, refs[first].k)) {
            first = i;
            continue;
        }
        dup_error(d, refs[i].k, refs[first].k);
        dup[refs[i].pair] = true;
    }
    free(refs);
}

/* The number of the key named s in keys[] (entries may be NULL), or nkeys. */
static size_t key_index(const char *const *keys, size_t nkeys, const char *s)
{
    size_t key;

    for (key = 0; key < nkeys; key++)
        if (keys[key] && keys[key][0] == s[0] && !strcmp(keys[key], s))
            break;
    return key;
}

/* The common case of a mapping: every key is one of keys[], each once.
 * Sets idx[i] to pair i's key and returns true; false when any key is
 * unknown, repeated or no name, for sc_walk()'s full checks to report.
 * Duplicates are found by key number, which spares the pairwise text
 * comparison of sc_check_keys() (~8% of loading 10 000 tc rules). */
static bool known_keys(const struct ynode *n, const char *const *keys, size_t nkeys,
                       uint8_t *idx)
{
    size_t npairs = ynode_len(n);
    uint64_t seen = 0;

    if (npairs > 16 || nkeys > 64)
        return false;
    for (size_t i = 0; i < npairs; i++) {
        const struct ynode *k = n->items[2 * i];
        size_t key;

        if (k->type != YN_SCALAR)
            return false;
        key = key_index(keys, nkeys, k->str);
        /* No key is "", "~" or "null", so a match is not a null key; its
         * length rules out a NUL inside the key's text. */
        if (key == nkeys || seen >> key & 1 || strlen(keys[key]) != k->len)
            return false;
        seen |= 1ull << key;
        idx[i] = (uint8_t)key;
    }
    return true;
}

bool sc_walk(struct oo_cfg_diag *d, const struct ynode *n, const char *what,
             const char *const *keys, size_t nkeys, struct oo_src_loc *at,
             sc_field_fn fn, void *ctx)
{
    size_t npairs;
    bool small[16], *dup;
    uint8_t idx[16];

    if (!sc_mapping(d, n, what))
        return false;
    if (n->type != YN_MAP)
        return true;                    /* null: no keys */
    npairs = ynode_len(n);
    if (known_keys(n, keys, nkeys, idx)) {
        for (size_t i = 0; i < npairs; i++) {
            const struct ynode *v = n->items[2 * i + 1];

            if (at)
                at[idx[i]] = v->loc;
            fn(ctx, idx[i], v);
        }
        return true;
    }
    dup = npairs <= OO_ARRAY_SIZE(small) ? small : oo_calloc(npairs, sizeof *dup);
    sc_check_keys(d, n, dup);
    for (size_t i = 0; i < npairs; i++) {
        const struct ynode *k = n->items[2 * i], *v = n->items[2 * i + 1];
        size_t key;

        if (dup[i])
            continue;
        key = key_index(keys, nkeys, k->str);
        if (key == nkeys) {
            const char *near = oo_cfg_suggest(k->str, keys, nkeys);
            char list[256];

            if (near) {
                sc_error(d, k, "unknown key '%.*s' in %s (did you mean '%s'?)", SC_SHOW,
                         k->str, what, near);
            } else {
                oo_cfg_names_join(keys, nkeys, list, sizeof list);
                sc_error(d, k, "unknown key '%.*s' in %s; valid keys: %s", SC_SHOW, k->str,
                         what, list);
            }
            continue;
        }
        if (at)
            at[key] = v->loc;
        fn(ctx, (int)key, v);
    }
    if (dup != small)
        free(dup);
    return true;
}
