/* A YAML document as a small tree with positions, built from libyaml's
 * events. Internal to config/: the schema walkers (parse.c, hostconf.c) read
 * it; nothing else sees libyaml.
 *
 * Why not libyaml's document API: aliases would be shared nodes (a walker
 * could loop or blow up on "billion laughs"), and it keeps no parent links
 * for key paths. Here aliases are kept as YN_ALIAS leaves and refused where a
 * value is read, nesting is bounded, and every node knows its path. */
#ifndef OO_CONFIG_YTREE_H
#define OO_CONFIG_YTREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/diag.h"

#define OO_YTREE_MAX_DEPTH 64

enum ynode_type { YN_SCALAR, YN_SEQ, YN_MAP, YN_ALIAS };

/* A node's explicit YAML tag. Only !!str (and '!', the non-specific tag,
 * which means the same on a scalar) has a use in a config: making a value a
 * string. !!seq on a list and !!map on a mapping say nothing and count as
 * none. */
enum ynode_tag { YT_NONE, YT_STR, YT_BANG, YT_OTHER };

struct ynode {
    struct oo_src_loc loc;        /* start of the node */
    struct ynode *parent;         /* NULL for the root */
    /* YN_SCALAR, YN_ALIAS: NUL-terminated; may contain NUL bytes before len */
    char *str;
    /* YN_SEQ: items[0..n); YN_MAP: items[2i] key, items[2i+1] value */
    struct ynode **items;
    uint32_t index;               /* position in parent->items */
    uint32_t len;                 /* of str; a config file is at most 64 MiB */
    uint32_t n;
    uint8_t type;                 /* enum ynode_type */
    bool plain;                   /* plain style and no tag: may be a number, bool or null */
    uint8_t tag;                  /* enum ynode_tag */
};

/* Whether a tag made the scalar n a string; then ynode_str_tag() is the tag
 * as written ("!!str" or "!"), for messages. */
static inline bool ynode_str_tagged(const struct ynode *n)
{
    return n->tag == YT_STR || n->tag == YT_BANG;
}

static inline const char *ynode_str_tag(const struct ynode *n)
{
    return n->tag == YT_BANG ? "!" : "!!str";
}

/* Number of items of a sequence, pairs of a mapping. */
static inline size_t ynode_len(const struct ynode *n)
{
    return n->type == YN_MAP ? n->n / 2 : n->type == YN_SEQ ? n->n : 0;
}

/* Parses the first document in buf. Returns the root (NULL for an empty
 * stream, or on a syntax error); YAML syntax errors, a second document,
 * and nesting deeper than OO_YTREE_MAX_DEPTH are added to diag. */
struct ynode *ytree_parse(const void *buf, size_t len, struct oo_cfg_diag *diag);

/* The readers ytree_parse() chooses from (the tests compare them): libyaml,
 * for every document; and two that build the same tree many times faster, or
 * decline the document (return false) when they cannot tell that libyaml
 * would read it the same way: one for JSON, one for block-style YAML. */
struct ynode *ytree_parse_libyaml(const void *buf, size_t len, struct oo_cfg_diag *diag);
bool ytree_parse_json(const void *buf, size_t len, struct ynode **ret_root);
/* The common subset of block-style YAML (ytree.c says which). */
bool ytree_parse_block(const void *buf, size_t len, struct ynode **ret_root);
/* The first node of a where the trees a and b differ (type, position, text,
 * style, place among its siblings, parent links), or NULL when they are
 * equal; *ret_b (may be NULL) gets b's node there. */
const struct ynode *ytree_diff(const struct ynode *a, const struct ynode *b,
                               const struct ynode **ret_b);
void ytree_free(struct ynode *root);

/* Reports each node in the subtree sub (sub included) that has a tag other
 * than !!str (enum ynode_tag YT_OTHER) to diag, at the tag. Returns whether
 * there was one. */
bool ytree_refuse_tags(const struct ynode *sub, struct oo_cfg_diag *diag);

/* True for a plain scalar that YAML reads as null: "", "~", "null". */
bool ynode_is_null(const struct ynode *n);

/* The dotted key path of n (pfs[0].vfs[1].vlan), written into buf. A mapping
 * key has the path of its value. Returns buf. */
const char *ynode_path(const struct ynode *n, char *buf, size_t size);

/* Node type in words, for messages: "a mapping", "a list", "a string"... */
const char *ynode_describe(const struct ynode *n);

#endif
