/* libyaml events -> struct ynode tree, with positions and bounded depth. */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <yaml.h>

#include "common/util.h"
#include "config/ytree.h"

static struct oo_src_loc mark_loc(yaml_mark_t m)
{
    /* libyaml marks are 0-based; ours are 1-based. */
    return (struct oo_src_loc){ (unsigned)m.line + 1, (unsigned)m.column + 1 };
}

/* Position of a byte offset (libyaml reader errors give only the offset). */
static struct oo_src_loc offset_loc(const unsigned char *buf, size_t len, size_t off)
{
    struct oo_src_loc loc = { 1, 1 };

    for (size_t i = 0; i < off && i < len; i++) {
        if (buf[i] == '\n') {
            loc.line++;
            loc.col = 1;
        } else if ((buf[i] & 0xc0) != 0x80) {
            loc.col++;
        }
    }
    return loc;
}

static void syntax_error(const yaml_parser_t *p, const unsigned char *buf, size_t len,
                         struct oo_cfg_diag *diag)
{
    const char *problem = p->problem ? p->problem : "unknown error";

    switch (p->error) {
    case YAML_MEMORY_ERROR:
        oo_cfg_diag_add(diag, (struct oo_src_loc){ 0, 0 }, NULL,
                        "YAML parser out of memory");
        break;
    case YAML_READER_ERROR:
        if (p->problem_value != -1)
            oo_cfg_diag_add(diag, offset_loc(buf, len, p->problem_offset), NULL,
                            "YAML syntax error: %s (byte 0x%02x at offset %zu); the file must be UTF-8 text",
                            problem, (unsigned)p->problem_value & 0xff, p->problem_offset);
        else
            oo_cfg_diag_add(diag, offset_loc(buf, len, p->problem_offset), NULL,
                            "YAML syntax error: %s (offset %zu); the file must be UTF-8 text",
                            problem, p->problem_offset);
        break;
    default:
        if (p->problem_mark.index < len && ((const char *)buf)[p->problem_mark.index] == '\t')
            oo_cfg_diag_add(diag, mark_loc(p->problem_mark), NULL,
                            "YAML syntax error: a tab character; YAML indents with spaces only");
        else if (p->context)
            oo_cfg_diag_add(diag, mark_loc(p->problem_mark), NULL,
                            "YAML syntax error: %s (%s at line %u, column %u)", problem,
                            p->context, (unsigned)p->context_mark.line + 1,
                            (unsigned)p->context_mark.column + 1);
        else
            oo_cfg_diag_add(diag, mark_loc(p->problem_mark), NULL, "YAML syntax error: %s",
                            problem);
        break;
    }
}

/* The tree lives in an arena: a config of 10 000 tc rules is ~200 000
 * nodes, and one malloc (and one free) per node and string was most of the
 * time of loading it. The arena's header sits in front of the root, so
 * ytree_free(root) finds it without a pointer in every node. */
#define ARENA_CHUNK (256u << 10)

struct arena_chunk {
    struct arena_chunk *next;
    size_t used, size;
    max_align_t data[];
};

struct yarena {
    struct arena_chunk *chunks;   /* newest first */
};

/* A node with a tag other than !!str, and the tag as written ("!!float",
 * "!local"): for ytree_refuse_tags(). */
struct ytag {
    const struct ynode *node;
    const char *text;
    struct ytag *next;
};

struct ytree_head {
    struct yarena arena;
    struct ytag *tags;            /* libyaml's reader only; most recent first */
    struct ynode root;
};

/* A new chunk for n bytes; slow path of arena_alloc_aligned(). */
static struct arena_chunk *arena_grow(struct yarena *a, size_t n)
{
    size_t size = n > ARENA_CHUNK / 4 ? n : ARENA_CHUNK - sizeof(struct arena_chunk);
    struct arena_chunk *c = oo_malloc(sizeof *c + size);

    c->size = size;
    c->used = 0;
    /* A big one-off allocation goes behind the current chunk, whose
     * free space stays usable. */
    if (a->chunks && n > ARENA_CHUNK / 4) {
        c->next = a->chunks->next;
        a->chunks->next = c;
    } else {
        c->next = a->chunks;
        a->chunks = c;
    }
    return c;
}

static inline void *arena_alloc_aligned(struct yarena *a, size_t n, size_t align)
{
    struct arena_chunk *c = a->chunks;
    size_t at = c ? (c->used + align - 1) & ~(align - 1) : 0;
    void *p;

    if (!c || at > c->size || c->size - at < n) {
        c = arena_grow(a, n);
        at = 0;
    }
    p = (char *)c->data + at;
    c->used = at + n;
    return p;
}

/* Nodes and item arrays: pointer-aligned. */
static void *arena_alloc(struct yarena *a, size_t n)
{
    return arena_alloc_aligned(a, n, _Alignof(struct ynode));
}

/* Strings: no alignment. */
static char *arena_strndup(struct yarena *a, const void *s, size_t len)
{
    char *p = arena_alloc_aligned(a, len + 1, 1);

    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

static struct ynode *node_new(struct yarena *a, struct ytree_head **head,
                              enum ynode_type type, struct oo_src_loc start)
{
    struct ynode *n;

    if (!*head) {
        struct yarena first = { NULL };

        *head = arena_alloc(&first, sizeof **head);
        (*head)->arena = first;
        (*head)->tags = NULL;
        n = &(*head)->root;
    } else {
        n = arena_alloc(a, sizeof *n);
    }
    memset(n, 0, sizeof *n);
    n->type = type;
    n->loc = start;
    return n;
}

/* Children of the open containers wait on one stack until their container
 * ends, then move to an exact-size array in the arena.
 *
 * The stack has a mapping of its own, outside the heap. Grown by realloc,
 * it moved among the arena's chunks and left holes there, where the
 * config's small allocations then settled: once the tree was freed, its
 * chunks no longer merged into one free block, and the next large array
 * (a plan's 10 000 desired tc filters, 7 MB) took fresh pages instead,
 * each a page fault (glibc's malloc trace in the guest). */
struct pending {
    struct ynode **v;
    size_t n, alloc;
};

static void pending_grow(struct pending *p)
{
    size_t alloc = p->alloc ? 2 * p->alloc : 8192;
    void *v = p->v ? mremap(p->v, p->alloc * sizeof *p->v, alloc * sizeof *p->v, MREMAP_MAYMOVE)
                   : mmap(NULL, alloc * sizeof *p->v, PROT_READ | PROT_WRITE,
                          MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

    if (v == MAP_FAILED)
        abort();                        /* out of memory, as oo_malloc() */
    p->v = v;
    p->alloc = alloc;
}

static inline void pending_push(struct pending *p, struct ynode *child)
{
    if (p->n == p->alloc)
        pending_grow(p);
    p->v[p->n++] = child;
}

static void pending_free(struct pending *p)
{
    if (p->v)
        munmap(p->v, p->alloc * sizeof *p->v);
}

/* parent's children are p->v[base .. p->n). */
static void node_close(struct yarena *a, struct pending *p, struct ynode *parent, size_t base)
{
    parent->n = (uint32_t)(p->n - base);
    if (parent->n) {
        parent->items = arena_alloc(a, parent->n * sizeof *parent->items);
        memcpy(parent->items, p->v + base, parent->n * sizeof *parent->items);
    }
    p->n = base;
}

void ytree_free(struct ynode *root)
{
    struct ytree_head *head;
    struct arena_chunk *c;

    if (!root)
        return;
    head = (struct ytree_head *)((char *)root - offsetof(struct ytree_head, root));
    c = head->arena.chunks;
    while (c) {
        struct arena_chunk *next = c->next;

        free(c);                /* the head is in one of them */
        c = next;
    }
}

/* enum ynode_tag of a node's tag (libyaml resolves "!!x" to its full URI);
 * same: the tag that says nothing on this kind of node. */
static uint8_t tag_of(const yaml_char_t *tag, const char *same)
{
    const char *t = (const char *)tag;

    if (!t || (same && !strcmp(t, same)))
        return YT_NONE;
    if (!same && !strcmp(t, YAML_STR_TAG))
        return YT_STR;
    if (!same && !strcmp(t, "!"))
        return YT_BANG;
    return YT_OTHER;
}

/* Keeps a node's tag other than !!str, as the user wrote it (libyaml gives
 * "!!x" as its URI, "tag:yaml.org,2002:x"), for ytree_refuse_tags(). */
static void tag_record(struct ytree_head *head, const yaml_event_t *ev, const struct ynode *n)
{
    static const char core[] = "tag:yaml.org,2002:";
    const char *t = (const char *)(ev->type == YAML_SCALAR_EVENT ? ev->data.scalar.tag
                                   : ev->type == YAML_SEQUENCE_START_EVENT ? ev->data.sequence_start.tag
                                   : ev->data.mapping_start.tag);
    struct ytag *tag = arena_alloc(&head->arena, sizeof *tag);
    size_t len = strlen(t) > 200 ? 200 : strlen(t);
    char *text;

    if (!strncmp(t, core, sizeof core - 1)) {
        t += sizeof core - 1;
        len = strlen(t) > 200 ? 200 : strlen(t);
        text = arena_alloc(&head->arena, len + 3);
        memcpy(text, "!!", 2);
        memcpy(text + 2, t, len);
        text[len + 2] = '\0';
    } else {
        text = arena_strndup(&head->arena, t, len);
    }
    *tag = (struct ytag){ n, text, head->tags };
    head->tags = tag;
}

static bool within(const struct ynode *n, const struct ynode *sub)
{
    for (; n; n = n->parent)
        if (n == sub)
            return true;
    return false;
}

bool ytree_refuse_tags(const struct ynode *sub, struct oo_cfg_diag *diag)
{
    const struct ynode *root = sub;
    const struct ytree_head *head;
    bool any = false;

    while (root->parent)
        root = root->parent;
    head = (const struct ytree_head *)((const char *)root - offsetof(struct ytree_head, root));
    for (const struct ytag *t = head->tags; t; t = t->next) {
        char path[256];

        if (!within(t->node, sub))
            continue;
        /* The key too, as for every other value's error; none for the
         * document itself. */
        ynode_path(t->node, path, sizeof path);
        oo_cfg_diag_add(diag, t->node->loc, path[0] ? path : NULL,
                        "YAML tag '%s' is not taken: a config value is read by its key, not by "
                        "a tag (only !!str is taken, to make a value a string); remove the tag",
                        t->text);
        any = true;
    }
    return any;
}

struct ynode *ytree_parse_libyaml(const void *buf, size_t len, struct oo_cfg_diag *diag)
{
    yaml_parser_t parser;
    struct ytree_head *head = NULL;
    struct yarena *arena = NULL;
    struct ynode *root = NULL, *top = NULL;
    struct pending pending = { NULL, 0, 0 };
    size_t base[OO_YTREE_MAX_DEPTH + 2];  /* pending.n when each open container began */
    unsigned depth = 0, docs = 0;
    bool done = false, failed = false;

    if (!yaml_parser_initialize(&parser)) {
        oo_cfg_diag_add(diag, (struct oo_src_loc){ 0, 0 }, NULL, "YAML parser out of memory");
        return NULL;
    }
    yaml_parser_set_input_string(&parser, buf, len);

    while (!done) {
        yaml_event_t ev;
        struct ynode *n = NULL;

        if (!yaml_parser_parse(&parser, &ev)) {
            syntax_error(&parser, buf, len, diag);
            failed = true;
            break;
        }
        switch (ev.type) {
        case YAML_STREAM_END_EVENT:
            done = true;
            break;
        case YAML_DOCUMENT_START_EVENT:
            if (++docs > 1) {
                oo_cfg_diag_add(diag, mark_loc(ev.start_mark), NULL,
                                "a second YAML document: a config is one document; remove this '---' and what follows");
                done = true;
            }
            break;
        case YAML_SCALAR_EVENT:
            n = node_new(arena, &head, YN_SCALAR, mark_loc(ev.start_mark));
            n->len = (uint32_t)ev.data.scalar.length;
            n->str = arena_strndup(arena ? arena : &head->arena, ev.data.scalar.value, n->len);
            n->tag = tag_of(ev.data.scalar.tag, NULL);
            n->plain = ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE && n->tag == YT_NONE;
            break;
        case YAML_ALIAS_EVENT:
            n = node_new(arena, &head, YN_ALIAS, mark_loc(ev.start_mark));
            n->len = (uint32_t)strlen((const char *)ev.data.alias.anchor);
            n->str = arena_strndup(arena ? arena : &head->arena, ev.data.alias.anchor, n->len);
            break;
        case YAML_SEQUENCE_START_EVENT:
            n = node_new(arena, &head, YN_SEQ, mark_loc(ev.start_mark));
            n->tag = tag_of(ev.data.sequence_start.tag, YAML_SEQ_TAG);
            break;
        case YAML_MAPPING_START_EVENT:
            n = node_new(arena, &head, YN_MAP, mark_loc(ev.start_mark));
            n->tag = tag_of(ev.data.mapping_start.tag, YAML_MAP_TAG);
            break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
            if (top) {
                node_close(arena, &pending, top, base[depth]);
                top = top->parent;
                depth--;
            }
            break;
        default:
            break;
        }
        if (n && n->tag == YT_OTHER)
            tag_record(head, &ev, n);
        if (n) {
            arena = &head->arena;
            if (top) {
                n->parent = top;
                n->index = (uint32_t)(pending.n - base[depth]);
                pending_push(&pending, n);
            } else if (!root) {
                root = n;
            } else {
                done = true;            /* cannot happen within one document */
            }
            if (n->type == YN_SEQ || n->type == YN_MAP) {
                top = n;
                base[++depth] = pending.n;
                if (depth > OO_YTREE_MAX_DEPTH) {
                    oo_cfg_diag_add(diag, n->loc, NULL,
                                    "nesting deeper than %d levels: a config never needs this",
                                    OO_YTREE_MAX_DEPTH);
                    failed = true;
                    done = true;
                }
            }
        }
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&parser);
    /* Containers left open by an error or the depth limit: close them so
     * that every node is reachable and the tree is consistent. */
    for (; top; top = top->parent, depth--)
        node_close(arena, &pending, top, base[depth]);
    pending_free(&pending);
    if (failed) {
        ytree_free(root);
        return NULL;
    }
    return root;
}

/* ------------------------------------------------------------------ JSON
 *
 * JSON is YAML's flow style, and machines write configs as JSON: a host
 * agent's 10 000 tc rules are a 1.4 MB document, and libyaml spends ~430 M
 * instructions on it (a token queue, simple-key bookkeeping and three
 * mallocs per scalar). This reader builds the same tree from the same text
 * in a small fraction of that. It takes only what it can tell libyaml reads
 * the same way, and declines the rest, which then goes to libyaml (and gets
 * libyaml's messages, so an error reads the same whichever way it came):
 *   - anything but a mapping at the root;
 *   - bytes outside printable ASCII and '\n' (tabs, CR, UTF-8, controls),
 *     so that a column is a byte offset, as libyaml counts it;
 *   - a \u escape of a surrogate (libyaml refuses those);
 *   - a key whose ':' is not on the key's line, or is more than 1000
 *     characters from the key's start (past 1024, libyaml no longer takes
 *     it for a key);
 *   - nesting deeper than OO_YTREE_MAX_DEPTH, and anything that is not JSON.
 * tests/unit/config/test_config_ytree.c holds the two readers to equal trees
 * on generated and mutated documents. */

/* Bytes in a JSON string: text, the two that end a run of text, and the
 * ones that make the reader decline (controls, DEL, non-ASCII). */
enum { JC_TEXT, JC_QUOTE, JC_BACKSLASH, JC_BAD };

static const unsigned char jr_class[256] = {
    [0x00 ... 0x1f] = JC_BAD,
    ['"'] = JC_QUOTE,
    ['\\'] = JC_BACKSLASH,
    [0x7f ... 0xff] = JC_BAD,
};

/* The reader works on its own copy of the text, in the tree's arena:
 * strings are cut out of it in place (their closing quote becomes their
 * NUL), rather than copied one by one. */
struct jreader {
    unsigned char *p, *end;
    const unsigned char *line_start;
    unsigned line;                      /* 1-based */
    struct ytree_head *head;
    bool root_used;                     /* head->root is taken */
    struct pending pending;
};

static struct oo_src_loc jr_loc(const struct jreader *r)
{
    return (struct oo_src_loc){ r->line, (unsigned)(r->p - r->line_start) + 1 };
}

static void jr_space(struct jreader *r)
{
    while (r->p < r->end) {
        if (*r->p == ' ') {
            r->p++;
        } else if (*r->p == '\n') {
            r->line++;
            r->line_start = ++r->p;
        } else {
            break;
        }
    }
}

/* What may follow a number or a literal: the end of a plain scalar in a
 * flow collection for libyaml too. */
static bool jr_delim(const struct jreader *r)
{
    return r->p < r->end &&
           (*r->p == ' ' || *r->p == '\n' || *r->p == ',' || *r->p == '}' || *r->p == ']');
}

static int jr_hex(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c |= 0x20;
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static inline struct ynode *jr_node(struct jreader *r, enum ynode_type type, struct oo_src_loc loc)
{
    struct ynode *n;

    if (!r->root_used) {
        r->root_used = true;
        n = &r->head->root;
    } else {
        n = arena_alloc(&r->head->arena, sizeof *n);
    }
    *n = (struct ynode){ .loc = loc, .type = type };
    return n;
}

/* The first byte at or after q that is not string text (jr_class), or end.
 * Eight bytes at a time where it can: the flags of jr_stops() are exact for
 * the lowest flagged byte (a borrow only runs upwards), which is the one
 * wanted. */
#define JR_ONES 0x0101010101010101ull
#define JR_HIGH 0x8080808080808080ull

static inline uint64_t jr_zero_bytes(uint64_t v)
{
    return (v - JR_ONES) & ~v;
}

static inline uint64_t jr_stops(uint64_t w)
{
    return (jr_zero_bytes(w ^ (JR_ONES * '"')) | jr_zero_bytes(w ^ (JR_ONES * '\\')) |
            jr_zero_bytes(w ^ (JR_ONES * 0x7f)) | ((w - JR_ONES * 0x20) & ~w) | w) & JR_HIGH;
}

static inline unsigned char *jr_text_end(unsigned char *q, const unsigned char *end)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    while (end - q >= 8) {
        uint64_t w, m;

        memcpy(&w, q, sizeof w);
        m = jr_stops(w);
        if (m)
            return q + (__builtin_ctzll(m) >> 3);
        q += 8;
    }
#endif
    while (q < end && jr_class[*q] == JC_TEXT)
        q++;
    return q;
}

/* A string at r->p (on its '"'); NULL to decline. */
static struct ynode *jr_string(struct jreader *r)
{
    struct oo_src_loc loc = jr_loc(r);
    unsigned char *s = r->p + 1, *q = s;
    bool escapes = false;
    struct ynode *n;
    size_t len = 0;

    for (;;) {
        q = jr_text_end(q, r->end);
        if (q == r->end || jr_class[*q] == JC_BAD)
            return NULL;
        if (*q == '"')
            break;
        escapes = true;                 /* a backslash: skip what it escapes */
        if (++q == r->end)
            return NULL;
        q++;
    }
    n = jr_node(r, YN_SCALAR, loc);
    if (!escapes) {
        len = (size_t)(q - s);
    } else {
        /* Decoded in place: an escape is never shorter than its text. */
        for (const unsigned char *c = s; c < q; c++) {
            unsigned v = 0;

            if (*c != '\\') {
                s[len++] = *c;
                continue;
            }
            switch (*++c) {
            case '"': case '\\': case '/':
                s[len++] = *c;
                break;
            case 'b': s[len++] = '\b'; break;
            case 'f': s[len++] = '\f'; break;
            case 'n': s[len++] = '\n'; break;
            case 'r': s[len++] = '\r'; break;
            case 't': s[len++] = '\t'; break;
            case 'u':
                if (q - c < 5)
                    return NULL;
                for (int i = 1; i <= 4; i++) {
                    int h = jr_hex(c[i]);

                    if (h < 0)
                        return NULL;
                    v = v << 4 | (unsigned)h;
                }
                c += 4;
                if (v >= 0xd800 && v <= 0xdfff)
                    return NULL;
                if (v < 0x80) {
                    s[len++] = (unsigned char)v;
                } else if (v < 0x800) {
                    s[len++] = (unsigned char)(0xc0 | v >> 6);
                    s[len++] = (unsigned char)(0x80 | (v & 0x3f));
                } else {
                    s[len++] = (unsigned char)(0xe0 | v >> 12);
                    s[len++] = (unsigned char)(0x80 | (v >> 6 & 0x3f));
                    s[len++] = (unsigned char)(0x80 | (v & 0x3f));
                }
                break;
            default:
                return NULL;
            }
        }
    }
    s[len] = '\0';                      /* the closing quote, or behind it */
    n->str = (char *)s;
    n->len = (uint32_t)len;
    r->p = q + 1;
    return n;
}

/* true, false, null or a number at r->p: a plain scalar; NULL to decline. */
static struct ynode *jr_plain(struct jreader *r)
{
    unsigned char *s = r->p, *c = s;
    struct ynode *n;

    if (*c == 't' || *c == 'f' || *c == 'n') {
        static const char *const words[] = { "true", "false", "null" };
        const char *w = words[*c == 't' ? 0 : *c == 'f' ? 1 : 2];
        size_t wl = strlen(w);

        if ((size_t)(r->end - c) < wl || memcmp(c, w, wl))
            return NULL;
        c += wl;
    } else {
        if (*c == '-')
            c++;
        if (c == r->end || !(*c >= '0' && *c <= '9'))
            return NULL;
        if (*c++ != '0')
            while (c < r->end && *c >= '0' && *c <= '9')
                c++;
        if (c < r->end && *c == '.') {
            if (++c == r->end || !(*c >= '0' && *c <= '9'))
                return NULL;
            while (c < r->end && *c >= '0' && *c <= '9')
                c++;
        }
        if (c < r->end && (*c == 'e' || *c == 'E')) {
            c++;
            if (c < r->end && (*c == '+' || *c == '-'))
                c++;
            if (c == r->end || !(*c >= '0' && *c <= '9'))
                return NULL;
            while (c < r->end && *c >= '0' && *c <= '9')
                c++;
        }
    }
    n = jr_node(r, YN_SCALAR, jr_loc(r));
    r->p = c;
    if (!jr_delim(r))
        return NULL;
    n->len = (uint32_t)(c - s);
    n->str = arena_strndup(&r->head->arena, s, n->len);
    n->plain = true;
    return n;
}

static void jr_child(struct jreader *r, struct ynode *parent, size_t base, struct ynode *n)
{
    n->parent = parent;
    n->index = (uint32_t)(r->pending.n - base);
    pending_push(&r->pending, n);
}

static struct ynode *jr_value(struct jreader *r, unsigned depth);

/* A mapping or a list at r->p (on its '{' or '['); NULL to decline. */
static struct ynode *jr_collection(struct jreader *r, unsigned depth)
{
    bool map = *r->p == '{';
    struct ynode *c = jr_node(r, map ? YN_MAP : YN_SEQ, jr_loc(r));
    size_t base = r->pending.n;
    unsigned char close = map ? '}' : ']';

    if (depth > OO_YTREE_MAX_DEPTH)
        return NULL;
    r->p++;
    jr_space(r);
    if (r->p < r->end && *r->p == close) {
        r->p++;
        return c;
    }
    for (;;) {
        struct ynode *n;

        if (map) {
            const unsigned char *key = r->p;
            unsigned key_line = r->line;

            if (r->p == r->end || *r->p != '"' || !(n = jr_string(r)))
                return NULL;
            jr_child(r, c, base, n);
            jr_space(r);
            if (r->p == r->end || *r->p != ':' || r->line != key_line || r->p - key > 1000)
                return NULL;
            r->p++;
            jr_space(r);
        }
        if (!(n = jr_value(r, depth + 1)))
            return NULL;
        jr_child(r, c, base, n);
        jr_space(r);
        if (r->p == r->end)
            return NULL;
        if (*r->p == close)
            break;
        if (*r->p != ',')
            return NULL;
        r->p++;
        jr_space(r);
    }
    r->p++;
    node_close(&r->head->arena, &r->pending, c, base);
    return c;
}

static struct ynode *jr_value(struct jreader *r, unsigned depth)
{
    if (r->p == r->end)
        return NULL;
    switch (*r->p) {
    case '{': case '[':
        return jr_collection(r, depth);
    case '"':
        return jr_string(r);
    default:
        return jr_plain(r);
    }
}

bool ytree_parse_json(const void *buf, size_t len, struct ynode **ret_root)
{
    struct jreader r = { .line = 1 };
    struct yarena first = { NULL };
    struct ynode *root = NULL;

    r.head = arena_alloc(&first, sizeof *r.head);
    r.head->arena = first;
    r.head->tags = NULL;
    r.p = arena_alloc_aligned(&r.head->arena, len + 1, 1);
    memcpy(r.p, buf, len);
    r.p[len] = '\0';
    r.end = r.p + len;
    r.line_start = r.p;
    jr_space(&r);
    if (r.p < r.end && *r.p == '{') {
        root = jr_value(&r, 1);
        jr_space(&r);
    }
    pending_free(&r.pending);
    if (root && r.p == r.end) {
        *ret_root = root;
        return true;
    }
    ytree_free(&r.head->root);
    return false;
}

/* ------------------------------------------------------------ block YAML
 *
 * People write configs in YAML's block style, with flow collections for
 * short items ({name: pf0, num_vfs: 8}); libyaml spends ~300 instructions a
 * byte on them, most of a no-op apply's own work. This reader takes the
 * common part of that style and declines everything else, which goes to
 * libyaml as the JSON reader's declines do. It takes:
 *   - a block mapping at the root, block mappings and sequences (a
 *     sequence may sit at its key's indentation), "- key: value" items;
 *   - keys of [A-Za-z0-9_./-] (starting with a letter, digit or '_'), or
 *     quoted, each followed at once by ':' and a space or the line's end;
 *   - scalars on one line: plain ones that start with a letter, a digit or
 *     one of _./~+ (or '-' before a non-space), quoted ones without
 *     backslashes; flow collections of those, on one line or several;
 *   - comments after a space, blank and comment lines anywhere.
 * It declines, among others: empty values, anchors, aliases, tags, block
 * scalars, multi-line scalars, comments in flow collections, '---' and
 * directives, bytes outside printable ASCII and '\n', a ':' in a flow
 * plain scalar before anything but a letter or a digit, and nesting deeper
 * than OO_YTREE_MAX_DEPTH. tests/unit/config/test_config_ytree.c holds it to
 * libyaml's trees as it does the JSON reader. */

struct breader {
    const unsigned char *p, *end;
    const unsigned char *line_start;
    unsigned line;                      /* 1-based */
    size_t indent;                      /* of the current content line */
    bool eof;                           /* no content line left */
    struct ytree_head *head;
    struct pending pending;
};

static struct oo_src_loc br_loc(const struct breader *r)
{
    return (struct oo_src_loc){ r->line, (unsigned)(r->p - r->line_start) + 1 };
}

static struct ynode *br_node(struct breader *r, enum ynode_type type, struct oo_src_loc loc)
{
    return node_new(r->head ? &r->head->arena : NULL, &r->head, type, loc);
}

static void br_child(struct breader *r, struct ynode *parent, size_t base, struct ynode *n)
{
    n->parent = parent;
    n->index = (uint32_t)(r->pending.n - base);
    pending_push(&r->pending, n);
}

static bool br_at(const struct breader *r, size_t i, unsigned char c)
{
    return (size_t)(r->end - r->p) > i && r->p[i] == c;
}

/* A space, the line's end or the document's, at r->p[i]. */
static bool br_blank_at(const struct breader *r, size_t i)
{
    return (size_t)(r->end - r->p) <= i || r->p[i] == ' ' || r->p[i] == '\n';
}

/* "- " or "-" at the end of a line: a block sequence entry. */
static bool br_entry(const struct breader *r)
{
    return br_at(r, 0, '-') && br_blank_at(r, 1);
}

/* The end of a line's content: spaces, a comment after a space, then '\n'
 * (passed) or the end. */
static bool br_eol(struct breader *r)
{
    while (r->p < r->end && *r->p == ' ')
        r->p++;
    if (r->p < r->end && *r->p == '#') {
        if (r->p[-1] != ' ')
            return false;
        while (r->p < r->end && *r->p != '\n')
            r->p++;
    }
    if (r->p == r->end)
        return true;
    if (*r->p != '\n')
        return false;
    r->line++;
    r->line_start = ++r->p;
    return true;
}

/* From a line's start to the next line with content, past blank and
 * comment lines: sets indent, or eof. false to decline ('---', '...', '%'). */
static bool br_next_line(struct breader *r)
{
    for (;;) {
        const unsigned char *q = r->p;

        r->line_start = r->p;
        while (q < r->end && *q == ' ')
            q++;
        if (q < r->end && *q == '#')
            while (q < r->end && *q != '\n')
                q++;
        if (q == r->end) {
            r->p = q;
            r->eof = true;
            return true;
        }
        if (*q == '\n') {
            r->p = q + 1;
            r->line++;
            continue;
        }
        r->p = q;
        r->indent = (size_t)(q - r->line_start);
        if (r->indent == 0 && (*q == '%' || (r->end - q >= 3 && (!memcmp(q, "---", 3) ||
                                                                 !memcmp(q, "...", 3)))))
            return false;
        return true;
    }
}

static bool br_plain_start(const struct breader *r)
{
    unsigned char c = *r->p;

    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    if (c == '-')
        return !br_blank_at(r, 1) && !strchr(",[]{}#", r->p[1]);
    return c == '_' || c == '.' || c == '/' || c == '~' || c == '+';
}

static bool is_alnum(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static struct ynode *br_scalar(struct breader *r, struct oo_src_loc loc, const unsigned char *s,
                               size_t len, bool plain)
{
    struct ynode *n = br_node(r, YN_SCALAR, loc);

    n->len = (uint32_t)len;
    n->str = arena_strndup(&r->head->arena, s, len);
    n->plain = plain;
    return n;
}

/* A quoted scalar on one line at r->p; NULL to decline. */
static struct ynode *br_quoted(struct breader *r)
{
    struct oo_src_loc loc = br_loc(r);
    unsigned char quote = *r->p;
    const unsigned char *s = r->p + 1, *q = s;
    struct ynode *n;
    size_t len = 0;
    bool doubled = false;
    char *out;

    for (;; q++) {
        if (q == r->end || *q == '\n' || (quote == '"' && *q == '\\'))
            return NULL;
        if (*q != quote)
            continue;
        if (quote == '\'' && q + 1 < r->end && q[1] == '\'') {
            doubled = true;             /* '' is a quote */
            q++;
            continue;
        }
        break;
    }
    if (!doubled) {
        n = br_scalar(r, loc, s, (size_t)(q - s), false);
    } else {
        n = br_node(r, YN_SCALAR, loc);
        out = arena_alloc_aligned(&r->head->arena, (size_t)(q - s) + 1, 1);
        for (const unsigned char *c = s; c < q; c++) {
            out[len++] = (char)*c;
            if (*c == '\'')
                c++;
        }
        out[len] = '\0';
        n->str = out;
        n->len = (uint32_t)len;
    }
    r->p = q + 1;
    return n;
}

/* The end of a plain key at r->p: [A-Za-z0-9_] then [A-Za-z0-9_./-]; NULL
 * if none starts there. */
static const unsigned char *br_plain_key_end(const struct breader *r)
{
    const unsigned char *q = r->p;

    if (!is_alnum(*q) && *q != '_')
        return NULL;
    while (q < r->end && (is_alnum(*q) || *q == '_' || *q == '.' || *q == '/' || *q == '-'))
        q++;
    return q;
}

/* A key at r->p, then ':' and a space or the line's end (r->p after the
 * ':'); NULL to decline. */
static struct ynode *br_key(struct breader *r)
{
    const unsigned char *s = r->p, *q = s;
    struct ynode *n;

    if (*q == '"' || *q == '\'') {
        if (!(n = br_quoted(r)))
            return NULL;
        q = r->p;
    } else {
        if (!(q = br_plain_key_end(r)))
            return NULL;
        n = NULL;
    }
    if (q - s > 1000)
        return NULL;
    if (q == r->end || *q != ':' || !(q + 1 == r->end || q[1] == ' ' || q[1] == '\n'))
        return NULL;
    if (!n)
        n = br_scalar(r, br_loc(r), s, (size_t)(q - s), true);
    r->p = q + 1;
    return n;
}

/* Bytes in a flow plain scalar: text, the ones that end it, and the ones
 * to look at twice. */
enum { BC_TEXT, BC_END, BC_SPACE, BC_HASH, BC_COLON };

static const unsigned char br_flow_class[256] = {
    [','] = BC_END, ['['] = BC_END, [']'] = BC_END, ['{'] = BC_END, ['}'] = BC_END,
    ['\n'] = BC_END, [' '] = BC_SPACE, ['#'] = BC_HASH, [':'] = BC_COLON,
};

/* A plain scalar of a flow collection; r->p past it (not its trailing
 * spaces). NULL to decline. */
static struct ynode *br_flow_plain(struct breader *r)
{
    const unsigned char *s = r->p, *q = s, *last = s;

    if (!br_plain_start(r))
        return NULL;
    for (; q < r->end; q++) {
        switch (br_flow_class[*q]) {
        case BC_TEXT:
            last = q + 1;
            continue;
        case BC_SPACE:
            continue;
        case BC_HASH:                   /* never the first byte */
            if (q[-1] == ' ')
                return NULL;            /* a comment inside the collection */
            last = q + 1;
            continue;
        case BC_COLON:
            if (q + 1 < r->end && q[1] == ' ')
                break;                  /* the end of a key */
            if (q + 1 == r->end || !is_alnum(q[1]))
                return NULL;
            last = q + 1;
            continue;
        default:
            break;
        }
        break;
    }
    r->p = last;
    return br_scalar(r, (struct oo_src_loc){ r->line, (unsigned)(s - r->line_start) + 1 }, s,
                     (size_t)(last - s), true);
}

static void br_spaces(struct breader *r)
{
    while (r->p < r->end && *r->p == ' ')
        r->p++;
}

/* Spaces and line breaks within a flow collection. false to decline a
 * document marker at a line's start. */
static bool br_flow_space(struct breader *r)
{
    for (;;) {
        br_spaces(r);
        if (r->p == r->end || *r->p != '\n')
            return true;
        r->line++;
        r->line_start = ++r->p;
        if (r->end - r->p >= 3 && (!memcmp(r->p, "---", 3) || !memcmp(r->p, "...", 3)))
            return false;
    }
}

static struct ynode *br_flow(struct breader *r, unsigned depth);

static struct ynode *br_flow_value(struct breader *r, unsigned depth)
{
    if (r->p == r->end)
        return NULL;
    if (*r->p == '[' || *r->p == '{')
        return br_flow(r, depth);
    if (*r->p == '"' || *r->p == '\'')
        return br_quoted(r);
    return br_flow_plain(r);
}

/* A flow collection at r->p (on its '[' or '{'), which may go on over
 * several lines; NULL to decline. */
static struct ynode *br_flow(struct breader *r, unsigned depth)
{
    bool map = *r->p == '{';
    unsigned char close = map ? '}' : ']';
    struct ynode *c, *n;
    size_t base = r->pending.n;

    if (depth > OO_YTREE_MAX_DEPTH)
        return NULL;
    c = br_node(r, map ? YN_MAP : YN_SEQ, br_loc(r));
    r->p++;
    if (!br_flow_space(r))
        return NULL;
    if (br_at(r, 0, close)) {
        r->p++;
        return c;
    }
    for (;;) {
        if (map) {
            if (r->p == r->end)
                return NULL;
            if (*r->p == '"' || *r->p == '\'')
                n = br_quoted(r);
            else
                n = br_flow_plain(r);
            if (!n || !br_at(r, 0, ':') || !br_at(r, 1, ' '))
                return NULL;
            br_child(r, c, base, n);
            r->p += 2;
            if (!br_flow_space(r))
                return NULL;
        }
        if (!(n = br_flow_value(r, depth + 1)))
            return NULL;
        br_child(r, c, base, n);
        if (!br_flow_space(r))
            return NULL;
        if (br_at(r, 0, close))
            break;
        if (!br_at(r, 0, ','))
            return NULL;
        r->p++;
        if (!br_flow_space(r))
            return NULL;
        if (br_at(r, 0, close))
            return NULL;                /* a trailing ',' */
    }
    r->p++;
    node_close(&r->head->arena, &r->pending, c, base);
    return c;
}

/* A value that starts on this line and ends on it: a flow collection, a
 * quoted or a plain scalar, then the line's end. NULL to decline. */
static struct ynode *br_inline(struct breader *r, unsigned depth)
{
    const unsigned char *s = r->p, *q = s, *last = s;
    struct ynode *n;

    if (*s == '[' || *s == '{')
        n = br_flow(r, depth);
    else if (*s == '"' || *s == '\'')
        n = br_quoted(r);
    else if (!br_plain_start(r))
        return NULL;
    else {
        for (; q < r->end && *q != '\n'; q++) {
            if (*q == '#' && q[-1] == ' ')
                break;                  /* a comment */
            if (*q == ':' && (q + 1 == r->end || q[1] == ' ' || q[1] == '\n'))
                return NULL;            /* "a: b: c", or a key */
            if (*q != ' ')
                last = q + 1;
        }
        n = br_scalar(r, br_loc(r), s, (size_t)(last - s), true);
        r->p = last;
    }
    return n && br_eol(r) ? n : NULL;
}

static struct ynode *br_map(struct breader *r, size_t indent, unsigned depth);
static struct ynode *br_seq(struct breader *r, size_t indent, unsigned depth);

/* Whether a key (plain of key characters, or quoted) and ':' with a space
 * or the line's end start at r->p. */
static bool br_key_ahead(const struct breader *r)
{
    const unsigned char *q = r->p;

    if (*q == '"' || *q == '\'') {
        for (q++; q < r->end && *q != '\n'; q++)
            if (*q == *r->p) {
                if (*q == '\'' && q + 1 < r->end && q[1] == '\'')
                    q++;                /* '' */
                else
                    break;
            }
        if (q == r->end || *q == '\n')
            return false;
        q++;
    } else if (!(q = br_plain_key_end(r))) {
        return false;
    }
    return q < r->end && *q == ':' && (q + 1 == r->end || q[1] == ' ' || q[1] == '\n');
}

/* The value after a key at `indent` (r->p after its ':') or after a
 * sequence's '-' at `indent` (seq_item). On return r is on the next line
 * with content, or at the end. NULL to decline. */
static struct ynode *br_value(struct breader *r, size_t indent, unsigned depth, bool seq_item)
{
    struct ynode *n;

    br_spaces(r);
    if (r->p == r->end || *r->p == '\n' || *r->p == '#') {
        /* On the lines below: deeper, or a sequence at a key's indentation. */
        if (!br_eol(r) || !br_next_line(r) || r->eof)
            return NULL;
        if (r->indent > indent)
            return br_entry(r) ? br_seq(r, r->indent, depth) : br_map(r, r->indent, depth);
        if (r->indent == indent && !seq_item && br_entry(r))
            return br_seq(r, indent, depth);
        return NULL;                    /* an empty value */
    }
    if (seq_item && br_entry(r))
        return NULL;                    /* "- - a" */
    if (seq_item && br_key_ahead(r))
        return br_map(r, (size_t)(r->p - r->line_start), depth);
    if (!(n = br_inline(r, depth)) || !br_next_line(r))
        return NULL;
    /* A deeper line would continue a plain scalar, or be an error. */
    return !r->eof && r->indent > indent ? NULL : n;
}

/* A block mapping whose keys are at `indent`, the first at r->p. */
static struct ynode *br_map(struct breader *r, size_t indent, unsigned depth)
{
    struct ynode *m, *n;
    size_t base = r->pending.n;

    if (depth > OO_YTREE_MAX_DEPTH)
        return NULL;
    m = br_node(r, YN_MAP, br_loc(r));
    for (;;) {
        if (!(n = br_key(r)))
            return NULL;
        br_child(r, m, base, n);
        if (!(n = br_value(r, indent, depth + 1, false)))
            return NULL;
        br_child(r, m, base, n);
        if (r->eof || r->indent < indent)
            break;
        if (r->indent > indent || br_entry(r))
            return NULL;
    }
    node_close(&r->head->arena, &r->pending, m, base);
    return m;
}

/* A block sequence whose '-' are at `indent`, the first at r->p. */
static struct ynode *br_seq(struct breader *r, size_t indent, unsigned depth)
{
    struct ynode *s, *n;
    size_t base = r->pending.n;

    if (depth > OO_YTREE_MAX_DEPTH)
        return NULL;
    s = br_node(r, YN_SEQ, br_loc(r));
    for (;;) {
        r->p++;                         /* the '-' */
        if (!(n = br_value(r, indent, depth + 1, true)))
            return NULL;
        br_child(r, s, base, n);
        if (r->eof || r->indent < indent)
            break;
        if (r->indent > indent)
            return NULL;
        if (!br_entry(r))
            break;                      /* the key after a sequence at its key's indentation */
    }
    node_close(&r->head->arena, &r->pending, s, base);
    return s;
}

bool ytree_parse_block(const void *buf, size_t len, struct ynode **ret_root)
{
    struct breader r = { .p = buf, .end = (const unsigned char *)buf + len, .line = 1 };
    struct ynode *root = NULL;

    for (size_t i = 0; i < len; i++) {
        unsigned char c = ((const unsigned char *)buf)[i];

        if ((c < 0x20 || c > 0x7e) && c != '\n')
            return false;
    }
    r.line_start = r.p;
    if (br_next_line(&r) && !r.eof && !br_entry(&r)) {
        root = br_map(&r, r.indent, 1);
        if (root && !r.eof)
            root = NULL;                /* a line left of the root's keys */
    }
    pending_free(&r.pending);
    if (root) {
        *ret_root = root;
        return true;
    }
    if (r.head)
        ytree_free(&r.head->root);
    return false;
}

struct ynode *ytree_parse(const void *buf, size_t len, struct oo_cfg_diag *diag)
{
    struct ynode *root;

    if (ytree_parse_json(buf, len, &root) || ytree_parse_block(buf, len, &root))
        return root;
    return ytree_parse_libyaml(buf, len, diag);
}

const struct ynode *ytree_diff(const struct ynode *a, const struct ynode *b,
                               const struct ynode **ret_b)
{
    if (ret_b)
        *ret_b = b;
    if (a->type != b->type || a->loc.line != b->loc.line || a->loc.col != b->loc.col ||
        a->plain != b->plain || a->tag != b->tag || a->index != b->index || a->n != b->n || a->len != b->len ||
        !a->parent != !b->parent)
        return a;
    if ((a->type == YN_SCALAR || a->type == YN_ALIAS) &&
        (memcmp(a->str, b->str, a->len) || a->str[a->len] || b->str[b->len]))
        return a;
    for (uint32_t i = 0; i < a->n; i++) {
        const struct ynode *d;

        if (a->items[i]->parent != a || b->items[i]->parent != b)
            return a;
        if ((d = ytree_diff(a->items[i], b->items[i], ret_b)))
            return d;
    }
    return NULL;
}

bool ynode_is_null(const struct ynode *n)
{
    /* By length first: called for nearly every node of a config. */
    if (n->type != YN_SCALAR || !n->plain)
        return false;
    switch (n->len) {
    case 0:
        return true;
    case 1:
        return n->str[0] == '~';
    case 4:
        return !strcmp(n->str, "null") || !strcmp(n->str, "Null") || !strcmp(n->str, "NULL");
    default:
        return false;
    }
}

const char *ynode_path(const struct ynode *n, char *buf, size_t size)
{
    const struct ynode *chain[OO_YTREE_MAX_DEPTH + 2];
    size_t depth = 0, len = 0;

    if (!size)
        return buf;
    buf[0] = '\0';
    /* A mapping key names the same path as its value. */
    for (const struct ynode *c = n; c && c->parent && depth < OO_ARRAY_SIZE(chain); c = c->parent)
        chain[depth++] = c;
    while (depth--) {
        const struct ynode *c = chain[depth], *p = c->parent;
        int r;

        if (p->type == YN_SEQ) {
            r = snprintf(buf + len, size - len, "[%" PRIu32 "]", c->index);
        } else {
            const struct ynode *key = p->items[c->index & ~(size_t)1];
            /* An alias as the key: by its anchor, as written. */
            const char *k = key->type == YN_SCALAR || key->type == YN_ALIAS ? key->str : "?";

            r = snprintf(buf + len, size - len, "%s%s%.64s", len ? "." : "",
                         key->type == YN_ALIAS ? "*" : "", k);
        }
        if (r < 0 || (size_t)r >= size - len)
            break;
        len += (size_t)r;
    }
    return buf;
}

const char *ynode_describe(const struct ynode *n)
{
    switch (n->type) {
    case YN_MAP:
        return "a mapping";
    case YN_SEQ:
        return "a list";
    case YN_ALIAS:
        return "an alias";
    case YN_SCALAR:
        if (ynode_is_null(n))
            return "nothing (null)";
        if (ynode_str_tagged(n))
            return n->tag == YT_BANG ? "a string (tagged !)" : "a string (tagged !!str)";
        return n->plain ? "a scalar" : "a quoted string";
    }
    return "?";
}
