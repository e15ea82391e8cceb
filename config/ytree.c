/* libyaml events -> struct ynode tree, with positions and bounded depth. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

static struct ynode *node_new(enum ynode_type type, yaml_mark_t start)
{
    struct ynode *n = oo_calloc(1, sizeof *n);

    n->type = type;
    n->loc = mark_loc(start);
    return n;
}

static void node_append(struct ynode *parent, struct ynode *child)
{
    if (parent->n == parent->alloc) {
        parent->alloc = parent->alloc ? 2 * parent->alloc : 4;
        parent->items = oo_realloc(parent->items, parent->alloc * sizeof *parent->items);
    }
    child->parent = parent;
    child->index = parent->n;
    parent->items[parent->n++] = child;
}

void ytree_free(struct ynode *root)
{
    /* Iterative, like the builder: no recursion on attacker-chosen depth. */
    struct ynode *n = root;

    while (n) {
        if (n->n) {
            n = n->items[--n->n];       /* descend into the last child */
            continue;
        }
        struct ynode *parent = n->parent;
        free(n->items);
        free(n->str);
        free(n);
        n = parent;
    }
}

static bool scalar_is_plain(const yaml_event_t *ev)
{
    const char *tag = (const char *)ev->data.scalar.tag;

    if (ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return false;
    /* An explicit !!str makes it a string; other tags are ignored. */
    return !tag || strcmp(tag, YAML_STR_TAG);
}

struct ynode *ytree_parse(const void *buf, size_t len, struct oo_cfg_diag *diag)
{
    yaml_parser_t parser;
    struct ynode *root = NULL, *top = NULL;
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
            n = node_new(YN_SCALAR, ev.start_mark);
            n->len = ev.data.scalar.length;
            n->str = oo_malloc(n->len + 1);
            memcpy(n->str, ev.data.scalar.value, n->len);
            n->str[n->len] = '\0';
            n->plain = scalar_is_plain(&ev);
            break;
        case YAML_ALIAS_EVENT:
            n = node_new(YN_ALIAS, ev.start_mark);
            n->str = oo_strdup((const char *)ev.data.alias.anchor);
            n->len = strlen(n->str);
            break;
        case YAML_SEQUENCE_START_EVENT:
            n = node_new(YN_SEQ, ev.start_mark);
            break;
        case YAML_MAPPING_START_EVENT:
            n = node_new(YN_MAP, ev.start_mark);
            break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
            if (top) {
                top = top->parent;
                depth--;
            }
            break;
        default:
            break;
        }
        if (n) {
            if (top)
                node_append(top, n);
            else if (!root)
                root = n;
            else
                ytree_free(n);          /* cannot happen within one document */
            if (n->type == YN_SEQ || n->type == YN_MAP) {
                top = n;
                if (++depth > OO_YTREE_MAX_DEPTH) {
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
    if (failed) {
        ytree_free(root);
        return NULL;
    }
    return root;
}

bool ynode_is_null(const struct ynode *n)
{
    return n->type == YN_SCALAR && n->plain &&
           (!n->len || !strcmp(n->str, "~") || !strcmp(n->str, "null") ||
            !strcmp(n->str, "Null") || !strcmp(n->str, "NULL"));
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
            r = snprintf(buf + len, size - len, "[%zu]", c->index);
        } else {
            const struct ynode *key = p->items[c->index & ~(size_t)1];
            const char *k = key->type == YN_SCALAR ? key->str : "?";

            r = snprintf(buf + len, size - len, "%s%.64s", len ? "." : "", k);
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
        return n->plain ? "a scalar" : "a quoted string";
    }
    return "?";
}
