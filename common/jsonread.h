/* A JSON reader (RFC 8259) for the large machine-written texts ovs-offload
 * reads, OVSDB's replies first: one pass over the text builds one array of
 * nodes, and strings are decoded in place in the caller's buffer. No
 * allocation per value, and one free() for the whole tree: libopenvswitch's
 * parser makes a heap object per value and a hash table per JSON object,
 * which cost more than the rest of a no-op apply's OVSDB read together.
 *
 * Objects are kept in their text's order and searched linearly: the objects
 * of an OVSDB reply have a handful of members. Bytes >= 0x80 in strings pass
 * as they are (like OVS's reader, no UTF-8 check); "\u0000" is refused, so
 * every string is a C string.
 *
 * Also here, for reading JSON-RPC off a stream: a scanner that finds where
 * the first top-level object or array ends, fed as the bytes come. */
#ifndef OO_COMMON_JSONREAD_H
#define OO_COMMON_JSONREAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Deeper nesting is refused (OVSDB's values nest about eight deep). */
#define OO_JREAD_MAX_DEPTH 128

enum oo_jtype {
    OO_JNULL,
    OO_JFALSE,
    OO_JTRUE,
    OO_JINT,        /* an integer that fits a long long */
    OO_JREAL,       /* any other number (1e2 too: OVS's reader makes that an
                       integer, but OVS never writes an integer so) */
    OO_JSTRING,
    OO_JARRAY,
    OO_JOBJECT,
};

/* One value. Its subtree is the `size` nodes from it: the first child of an
 * array or object is the next node, and the node after a subtree is its
 * next sibling. An object's members are a key (a string node) each, followed
 * by its value. */
struct oo_jnode {
    uint8_t type;                   /* enum oo_jtype */
    uint32_t n;                     /* string: bytes; array: elements; object: members */
    uint32_t size;                  /* nodes in this subtree, itself included */
    union {
        const char *str;            /* string: NUL-terminated, in the parsed text */
        long long i;                /* integer */
        double d;                   /* real */
    } u;
};

struct oo_jdoc {
    struct oo_jnode *nodes;         /* nodes[0] is the root */
    size_t n, cap;
};

/* Parses text[0..len) as one JSON value, decoding strings in place (text
 * must stay alive and unchanged while doc is used). Returns 0, or -EINVAL
 * with err (may be NULL) saying what is wrong and at which byte, and doc
 * empty. doc needs no initialization; oo_jdoc_free() it either way. */
int oo_jdoc_parse(struct oo_jdoc *doc, char *text, size_t len, char *err, size_t err_size);
void oo_jdoc_free(struct oo_jdoc *doc);

static inline const struct oo_jnode *oo_jdoc_root(const struct oo_jdoc *doc)
{
    return doc->n ? doc->nodes : NULL;
}

/* The node after n's subtree: n's next sibling when there is one. */
static inline const struct oo_jnode *oo_jnode_skip(const struct oo_jnode *n)
{
    return n + n->size;
}

/* The i-th element of an array, NULL if out of range or not an array
 * (linear in i: walk with oo_jnode_skip() to visit them all). */
const struct oo_jnode *oo_jnode_at(const struct oo_jnode *array, size_t i);
/* The value of member `key` of an object (the last, if repeated, as in OVS's
 * reader); NULL if absent, or if obj is NULL or not an object. */
const struct oo_jnode *oo_jnode_get(const struct oo_jnode *obj, const char *key);
/* n's string, or NULL if n is NULL or not a string. */
const char *oo_jnode_str(const struct oo_jnode *n);

/* Where the first top-level object or array in a byte stream ends. */
struct oo_jscan {
    uint32_t depth;
    bool in_string, escaped;
};

/* Starts over (for the next value). */
static inline void oo_jscan_reset(struct oo_jscan *s)
{
    s->depth = 0;
    s->in_string = s->escaped = false;
}

/* Feeds the next len bytes of the stream. Returns how many of them, counted
 * from buf, complete the value (> 0); 0 when all were taken and the value
 * goes on; -1 when the stream holds something other than an object or array
 * at the top level (whitespace before it is fine). Brackets inside strings
 * are told apart; nothing else is checked: oo_jdoc_parse() does that. */
ssize_t oo_jscan_feed(struct oo_jscan *s, const char *buf, size_t len);

#endif
