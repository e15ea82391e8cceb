/* The config tree's readers: libyaml, and the JSON and block-YAML readers
 * that ytree_parse() tries first. Whenever a fast reader takes a document,
 * its tree must be libyaml's tree of the same text, node for node: type,
 * text (bytes and length), plain or quoted, position, index and parent.
 * Checked on the example configs (for JSON, written out in several
 * layouts), on generated documents, and on many mutations of them; plus the
 * cases they must decline (so that libyaml reads them and reports their
 * errors). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "config/config.h"
#include "config/ytree.h"
#include "cfgtest.h"

/* ---------------------------------------------------------------- compare */

static char where[512];

/* ytree_diff(), with a message saying where and what differs. */
static bool node_equal(const struct ynode *a, const struct ynode *b)
{
    char path[160];

    if (!(a = ytree_diff(a, b, &b)))
        return true;
    snprintf(where, sizeof where,
             "%s: type %d/%d at %u:%u/%u:%u plain %d/%d index %u/%u n %u/%u len %u/%u "
             "text \"%.*s\" / \"%.*s\"",
             ynode_path(a, path, sizeof path), a->type, b->type, a->loc.line, a->loc.col,
             b->loc.line, b->loc.col, a->plain, b->plain, a->index, b->index, a->n, b->n,
             a->len, b->len, a->str ? (int)a->len : 0, a->str ? a->str : "",
             b->str ? (int)b->len : 0, b->str ? b->str : "");
    return false;
}

typedef bool fast_reader(const void *buf, size_t len, struct ynode **ret_root);

/* Parses text with a fast reader and with libyaml. Returns 1 when the fast
 * reader took it (and its tree equals libyaml's), 0 when it declined; fails
 * the test otherwise. */
static int compare(fast_reader *reader, const char *name, const char *text, size_t len)
{
    struct ynode *fast = NULL, *slow;
    struct oo_cfg_diag d;
    bool took = reader(text, len, &fast);

    if (!took)
        return 0;
    oo_cfg_diag_init(&d, "t.yaml");
    slow = ytree_parse_libyaml(text, len, &d);
    if (!slow || oo_cfg_diag_count(&d)) {
        cfgtest_dump(&d, "libyaml");
        fail_msg("the %s reader took a document libyaml refuses:\n%.*s", name, (int)len, text);
    }
    if (!node_equal(fast, slow))
        fail_msg("the trees differ at %s, for:\n%.*s", where, (int)len, text);
    ytree_free(fast);
    ytree_free(slow);
    oo_cfg_diag_free(&d);
    return 1;
}

/* The reader declines every one of texts. */
static void assert_declined(fast_reader *reader, const char *const *texts, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct ynode *root = NULL;

        if (reader(texts[i], strlen(texts[i]), &root))
            fail_msg("took %s", texts[i]);
    }
}

static int both_ways(const char *text, size_t len)
{
    return compare(ytree_parse_json, "JSON", text, len);
}

static int block_and_libyaml(const char *text, size_t len)
{
    return compare(ytree_parse_block, "block", text, len);
}

/* ---------------------------------------------------------------- writing JSON */

struct buf {
    char *s;
    size_t len, size;
};

static void put(struct buf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->size) {
        b->size = (b->len + n + 1) * 2;
        b->s = realloc(b->s, b->size);
        assert_non_null(b->s);
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

static void puts_(struct buf *b, const char *s)
{
    put(b, s, strlen(s));
}

/* Layouts: compact ({"a":1}), spaced ({"a": 1}), pretty (one item per
 * line, indented), and random (spaces and newlines anywhere a JSON writer
 * may put them). */
enum layout { COMPACT, SPACED, PRETTY, RANDOM };

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(uint32_t n)
{
    /* xorshift64*: reproducible across runs and libcs */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * 0x2545f4914f6cdd1dull) >> 32) % n;
}

static void space(struct buf *b, enum layout l, unsigned depth, bool item)
{
    switch (l) {
    case COMPACT:
        break;
    case SPACED:
        if (!item)
            puts_(b, " ");
        break;
    case PRETTY:
        if (item) {
            puts_(b, "\n");
            for (unsigned i = 0; i < depth; i++)
                puts_(b, "  ");
        } else {
            puts_(b, " ");
        }
        break;
    case RANDOM:
        for (uint32_t n = rnd(4); n; n--)
            puts_(b, rnd(3) ? " " : "\n");
        break;
    }
}

static bool json_bare(const struct ynode *n)
{
    static const char *const words[] = { "true", "false", "null" };

    if (!n->plain || !n->len)
        return false;
    for (size_t i = 0; i < 3; i++)
        if (!strcmp(n->str, words[i]))
            return true;
    /* a JSON number: digits with an optional sign, fraction, exponent */
    {
        const char *c = n->str;

        if (*c == '-')
            c++;
        if (*c < '0' || *c > '9' || (*c == '0' && c[1] >= '0' && c[1] <= '9'))
            return false;
        while (*c >= '0' && *c <= '9')
            c++;
        if (*c == '.') {
            if (*++c < '0' || *c > '9')
                return false;
            while (*c >= '0' && *c <= '9')
                c++;
        }
        if (*c == 'e' || *c == 'E') {
            c++;
            if (*c == '+' || *c == '-')
                c++;
            if (*c < '0' || *c > '9')
                return false;
            while (*c >= '0' && *c <= '9')
                c++;
        }
        return *c == '\0';
    }
}

static void put_string(struct buf *b, const char *s, size_t len)
{
    puts_(b, "\"");
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        char esc[8];

        if (c == '"' || c == '\\') {
            snprintf(esc, sizeof esc, "\\%c", c);
            puts_(b, esc);
        } else if (c < 0x20 || c == 0x7f) {
            snprintf(esc, sizeof esc, "\\u%04x", c);
            puts_(b, esc);
        } else {
            put(b, (const char *)&s[i], 1);
        }
    }
    puts_(b, "\"");
}

/* The tree n (from a YAML file) as JSON: numbers, booleans and null stay
 * bare (hexadecimal numbers become decimal), everything else is a
 * string. */
static void write_json(struct buf *b, const struct ynode *n, enum layout l, unsigned depth)
{
    bool map = n->type == YN_MAP;

    if (n->type == YN_SCALAR || n->type == YN_ALIAS) {
        char *end;
        long long v;

        if (json_bare(n)) {
            put(b, n->str, n->len);
        } else if (n->plain && !strncmp(n->str, "0x", 2) &&
                   (v = strtoll(n->str, &end, 16), !*end)) {
            /* YAML's 0x86dd: JSON has only decimal numbers */
            char dec[24];

            snprintf(dec, sizeof dec, "%lld", v);
            puts_(b, dec);
        } else {
            put_string(b, n->str, n->len);
        }
        return;
    }
    puts_(b, map ? "{" : "[");
    for (uint32_t i = 0; i < n->n; i += map ? 2 : 1) {
        if (i)
            puts_(b, ",");
        space(b, l, depth + 1, true);
        if (map) {
            const struct ynode *k = n->items[i];

            put_string(b, k->str, k->len);
            puts_(b, ":");
            space(b, l == RANDOM ? COMPACT : l, depth + 1, false);
            write_json(b, n->items[i + 1], l, depth + 1);
        } else {
            write_json(b, n->items[i], l, depth + 1);
        }
    }
    if (n->n)
        space(b, l, depth, true);
    puts_(b, map ? "}" : "]");
}

/* ---------------------------------------------------------------- generating */

static void gen_string(struct buf *b)
{
    static const char *const pieces[] = {
        "a", "rule-7", "10.0.0.1/32", "pci/0000:3b:00.0", "aa:bb:cc:dd:ee:ff", " ", "#", ":",
        ": ", " #", "-", "---", "...", "'", "\\\"", "\\\\", "\\/", "\\n", "\\t", "\\b", "\\f",
        "\\r", "\\u0000", "\\u001f", "\\u007f", "\\u00e9", "\\u20ac", "\\uFFFD", "\\u0085",
        "{", "}", "[", "]", ",", "&x", "*x", "!tag", "|", ">", "%", "@", "`", "?", "true",
        "null", "~", "0x10", "1e3",
    };

    puts_(b, "\"");
    for (uint32_t n = rnd(5); n; n--)
        puts_(b, pieces[rnd(sizeof pieces / sizeof *pieces)]);
    puts_(b, "\"");
}

static void gen_value(struct buf *b, unsigned depth, bool ws);

static void gen_ws(struct buf *b, bool ws)
{
    if (!ws)
        return;
    for (uint32_t n = rnd(3); n; n--)
        puts_(b, rnd(4) ? " " : "\n");
}

static void gen_collection(struct buf *b, unsigned depth, bool map, bool ws)
{
    uint32_t n = rnd(5);

    puts_(b, map ? "{" : "[");
    for (uint32_t i = 0; i < n; i++) {
        if (i)
            puts_(b, ",");
        gen_ws(b, ws);
        if (map) {
            gen_string(b);
            if (rnd(2))
                puts_(b, " ");
            puts_(b, ":");
            gen_ws(b, ws);
        }
        gen_value(b, depth + 1, ws);
        gen_ws(b, ws);
    }
    puts_(b, map ? "}" : "]");
}

static void gen_value(struct buf *b, unsigned depth, bool ws)
{
    static const char *const bare[] = {
        "0", "-0", "7", "-12", "100", "1.5", "-0.25", "1e3", "1E+3", "2.5e-7", "true", "false",
        "null", "65535", "4294967296",
    };
    uint32_t k = depth > 6 ? rnd(2) + 2 : rnd(5);

    switch (k) {
    case 0:
        gen_collection(b, depth, true, ws);
        break;
    case 1:
        gen_collection(b, depth, false, ws);
        break;
    case 2:
        gen_string(b);
        break;
    default:
        puts_(b, bare[rnd(sizeof bare / sizeof *bare)]);
        break;
    }
}

/* ---------------------------------------------------------------- tests */

static char *read_text(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *s;
    long n;

    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    n = ftell(f);
    assert_true(n >= 0);
    rewind(f);
    s = malloc((size_t)n + 1);
    assert_non_null(s);
    assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
    s[n] = '\0';
    fclose(f);
    *len = (size_t)n;
    return s;
}

/* A copy of b with one byte changed, inserted or removed: from alphabet,
 * but for one time in one_in, any byte. */
static char *mutate(const struct buf *b, const char *alphabet, uint32_t one_in, size_t *ret_len)
{
    char *t = malloc(b->len + 2);
    size_t len = b->len, at = rnd((uint32_t)b->len);
    char c = rnd(one_in) ? alphabet[rnd((uint32_t)strlen(alphabet))] : (char)rnd(256);

    assert_non_null(t);
    memcpy(t, b->s, b->len + 1);
    switch (rnd(3)) {
    case 0:
        t[at] = c;
        break;
    case 1:
        memmove(t + at + 1, t + at, len - at + 1);
        t[at] = c;
        len++;
        break;
    default:
        memmove(t + at, t + at + 1, len - at);
        len--;
        break;
    }
    *ret_len = len;
    return t;
}

/* n mutations of b through compare(): how many the reader took. */
static int mutants(fast_reader *reader, const char *name, const struct buf *b, const char *alphabet,
                   uint32_t one_in, int n)
{
    int took = 0;

    for (int m = 0; m < n; m++) {
        size_t len;
        char *t = mutate(b, alphabet, one_in, &len);

        took += compare(reader, name, t, len);
        free(t);
    }
    return took;
}

/* Every example config, written as JSON in each layout: the JSON reader
 * takes it, gives libyaml's tree, and the config loads to the same result
 * as its YAML original. */
static void test_examples_as_json(void **state)
{
    static const char *const files[] = {
        OO_SOURCE_ROOT "/examples/single-pf.yaml",
        OO_SOURCE_ROOT "/examples/vf-lag.yaml",
        OO_SOURCE_ROOT "/examples/mpv.yaml",
        OO_SOURCE_ROOT "/tests/fixtures/config/full.yaml",
    };

    (void)state;
    for (size_t f = 0; f < sizeof files / sizeof *files; f++) {
        size_t len;
        char *yaml = read_text(files[f], &len);
        struct oo_cfg_diag d;
        struct ynode *tree;

        oo_cfg_diag_init(&d, files[f]);
        tree = ytree_parse_libyaml(yaml, len, &d);
        assert_non_null(tree);
        assert_int_equal(oo_cfg_diag_count(&d), 0);
        for (enum layout l = COMPACT; l <= RANDOM; l++) {
            struct buf b = { 0 };
            struct oo_config c1, c2;
            struct oo_cfg_diag d1, d2;
            int r1, r2;

            write_json(&b, tree, l, 0);
            if (!both_ways(b.s, b.len))
                fail_msg("%s as JSON (layout %d) was declined:\n%s", files[f], l, b.s);
            /* The loaded configs agree on what they hold. */
            oo_cfg_diag_init(&d1, "a");
            oo_cfg_diag_init(&d2, "b");
            r1 = oo_config_parse_yaml("a", yaml, len, &c1, &d1);
            r2 = oo_config_parse_yaml("b", b.s, b.len, &c2, &d2);
            if (r1 != r2) {
                cfgtest_dump(&d1, "yaml");
                cfgtest_dump(&d2, "json");
                fail_msg("%s: %d as YAML, %d as JSON:\n%s", files[f], r1, r2, b.s);
            }
            assert_int_equal(c1.n_pfs, c2.n_pfs);
            assert_int_equal(c1.n_bonds, c2.n_bonds);
            assert_int_equal(c1.n_bridges, c2.n_bridges);
            assert_int_equal(c1.n_rules, c2.n_rules);
            assert_int_equal(c1.n_mpvs, c2.n_mpvs);
            cfgtest_done(&c1, &d1);
            cfgtest_done(&c2, &d2);
            free(b.s);
        }
        ytree_free(tree);
        oo_cfg_diag_free(&d);
        free(yaml);
    }
}

/* Generated documents: the JSON reader takes every one (none puts a key's
 * ':' on another line) and agrees with libyaml. */
static void test_generated(void **state)
{
    (void)state;
    rng_state = 0x1234567ull;
    for (int i = 0; i < 3000; i++) {
        struct buf b = { 0 };
        bool ws = i % 2;

        gen_collection(&b, 1, true, ws);
        if (!both_ways(b.s, b.len))
            fail_msg("generated document %d was declined:\n%s", i, b.s);
        free(b.s);
    }
}

/* Generated documents with bytes changed, inserted or removed: whatever
 * the JSON reader still takes, libyaml reads the same way. Most mutations
 * make it decline; enough of them must stay JSON for the check to mean
 * something. */
static void test_mutated(void **state)
{
    static const char alphabet[] = "{}[],:\"\\ \n\t\r#-+.0123456789eEtrufalsn'&*!|>?%@~/";
    int took = 0, total = 0;

    (void)state;
    rng_state = 0xfeedbeefull;
    for (int i = 0; i < 3000; i++) {
        struct buf b = { 0 };

        gen_collection(&b, 1, true, i % 3 == 0);
        took += mutants(ytree_parse_json, "JSON", &b, alphabet, 8, 12);
        total += 12;
        free(b.s);
    }
    print_message("mutations: the JSON reader took %d of %d\n", took, total);
    assert_true(took > total / 20);
}

/* Documents it must leave to libyaml, and what libyaml then makes of them. */
static void test_declined(void **state)
{
    static const char *const texts[] = {
        "[1, 2]",                      /* not a mapping */
        "\"a\"",
        "{\"a\": 1} # comment",
        "{\"a\":\t1}",                 /* tab */
        "{\"a\": 1}\r\n",              /* CR */
        "{\"a\": \"caf\xc3\xa9\"}",    /* UTF-8 */
        "{\"a\": \"\\ud83d\\ude00\"}", /* surrogates: libyaml refuses them */
        "{\"a\"\n: 1}",                /* the key's ':' on the next line */
        "{\"a\": 1,}",                 /* YAML, not JSON */
        "{a: 1}",
        "{\"a\": 01}",
        "{\"a\": 1.}",
        "{\"a\": .5}",
        "{\"a\": +1}",
        "{\"a\": True}",
        "{\"a\": 'x'}",
        "{\"a\": \"\\x41\"}",
        "{\"a\": \"\\u12\"}",
        "{\"a\": 1} {\"b\": 2}",
        "{\"a\": 1}\n---\n{\"b\": 2}\n",
        "{\"a\": [1 2]}",
        "{\"a\": 1",
        "",
    };

    (void)state;
    assert_declined(ytree_parse_json, texts, sizeof texts / sizeof *texts);
}

static void test_key_length(void **state)
{
    struct buf b = { 0 };
    struct ynode *root;

    (void)state;
    /* Keys up to 1000 characters from the quote to the ':' are taken... */
    puts_(&b, "{\"");
    for (int i = 0; i < 997; i++)
        puts_(&b, "k");
    puts_(&b, "\": 1}");
    assert_int_equal(both_ways(b.s, b.len), 1);
    /* ...longer ones go to libyaml, which stops taking them for keys at
     * 1024. */
    b.len = 0;
    puts_(&b, "{\"");
    for (int i = 0; i < 1030; i++)
        puts_(&b, "k");
    puts_(&b, "\": 1}");
    assert_false(ytree_parse_json(b.s, b.len, &root));
    free(b.s);
}

/* {"a": [[...]]}: a mapping holding lists, depth collections in all. */
static void nested(struct buf *b, int depth)
{
    b->len = 0;
    puts_(b, "{\"a\":");
    for (int i = 1; i < depth; i++)
        puts_(b, "[");
    for (int i = 1; i < depth; i++)
        puts_(b, "]");
    puts_(b, "}");
}

/* The depth limit is libyaml's path's: 64 nested collections are taken,
 * 65 are declined, and ytree_parse() reports them. */
static void test_depth(void **state)
{
    struct buf b = { 0 };
    struct oo_cfg_diag d;
    struct ynode *root;

    (void)state;
    nested(&b, OO_YTREE_MAX_DEPTH);
    assert_int_equal(both_ways(b.s, b.len), 1);

    nested(&b, OO_YTREE_MAX_DEPTH + 1);
    assert_false(ytree_parse_json(b.s, b.len, &root));
    oo_cfg_diag_init(&d, "t.json");
    assert_null(ytree_parse(b.s, b.len, &d));
    assert_int_equal(oo_cfg_diag_count(&d), 1);
    assert_non_null(strstr(d.errors[0].msg, "nesting deeper than 64"));
    oo_cfg_diag_free(&d);
    free(b.s);
}

/* Escapes decode as libyaml decodes them, NUL bytes included. */
static void test_escapes(void **state)
{
    static const char text[] = "{\"k\": \"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\\u0000\\u00e9\\u20ac\\u0041\"}";
    static const char want[] = "a\"b\\c/d\b\f\n\r\t\0\xc3\xa9\xe2\x82\xac" "A";
    struct ynode *root;

    (void)state;
    assert_int_equal(both_ways(text, sizeof text - 1), 1);
    assert_true(ytree_parse_json(text, sizeof text - 1, &root));
    assert_int_equal(root->items[1]->len, sizeof want - 1);
    assert_memory_equal(root->items[1]->str, want, sizeof want - 1);
    assert_false(root->items[1]->plain);
    ytree_free(root);
}

/* A JSON config's errors name the line and column in the JSON text. */
static void test_json_config_errors(void **state)
{
    static const char text[] =
        "{\n"
        "  \"version\": 1,\n"
        "  \"pfs\": [\n"
        "    {\"name\": \"p0\", \"device\": \"pci/0000:3b:00.0\", \"eswitch\": \"switchdog\"}\n"
        "  ],\n"
        "  \"tc\": {\"rules\": [{\"name\": \"r\", \"dev\": \"p0\", \"prio\": 70000,\n"
        "    \"match\": {\"eth_type\": \"ipv4\"}, \"actions\": [\"drop\"]}]}\n"
        "}\n";
    struct oo_config cfg;
    struct oo_cfg_diag d;

    (void)state;
    assert_int_equal(both_ways(text, sizeof text - 1), 1);
    assert_int_not_equal(cfgtest_yaml(text, &cfg, &d), 0);
    assert_cfg_error(&d, 4, 61, "pfs[0].eswitch", "switchdog");
    assert_cfg_error(&d, 6, 55, "tc.rules[0].prio", "70000");
    cfgtest_done(&cfg, &d);
}

/* ---------------------------------------------------------------- block YAML */

/* Plain scalars the block reader takes in a flow collection, and more it
 * takes in block context only. */
static const char *const flow_plain[] = {
    "a", "rule-7", "10.0.0.1/32", "pci/0000:3b:00.0", "aa:bb:cc:dd:ee:ff", "true", "null", "~",
    "-1", "1.5", "a b", "x#y", "it's", "layer3+4", "802.3ad", "pf0/0-63", "_x", ".5", "/var/run",
    "+1", "~x", "0x10", "a\"b", "k:v",
};
static const char *const block_plain[] = { "x,y", "a[0]", "b}", "unix:/run/db.sock", "tcp:1.2.3.4:6640" };
static const char *const quoted[] = {
    "'it''s'", "'a: b'", "'#'", "''", "\"x y\"", "\"a: b\"", "\"\"", "'\"'", "\"'\"", "' lead'",
    "'-'", "'[x]'",
};
static const char *const keys[] = {
    "a", "name", "num_vfs", "x.y", "pf0/1", "k-2", "_", "9", "true", "'q k'", "\"d k\"", "'it''s'",
};

#define PICK(a) (a)[rnd(sizeof(a) / sizeof *(a))]

static void indent_to(struct buf *b, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        puts_(b, " ");
}

/* Spaces, maybe a comment, the line's end; sometimes blank and comment lines. */
static void line_end(struct buf *b)
{
    if (!rnd(4))
        puts_(b, rnd(2) ? "  " : " ");
    if (!rnd(5))
        puts_(b, rnd(2) ? " # note" : " #");
    puts_(b, "\n");
    if (!rnd(8))
        puts_(b, "\n");
    if (!rnd(10)) {
        indent_to(b, rnd(6));
        puts_(b, "# a comment line\n");
    }
}

static void gen_flow(struct buf *b, unsigned depth)
{
    bool map = rnd(2);
    uint32_t n = rnd(4);

    puts_(b, map ? "{" : "[");
    if (rnd(2))
        puts_(b, " ");
    for (uint32_t i = 0; i < n; i++) {
        if (i)
            puts_(b, rnd(3) ? ", " : ",");
        if (!rnd(6)) {                  /* the collection goes on on the next line */
            puts_(b, "\n");
            indent_to(b, rnd(7));
        }
        if (map) {
            puts_(b, rnd(2) ? PICK(keys) : PICK(flow_plain));
            puts_(b, rnd(3) ? ": " : ":  ");
        }
        if (depth < 5 && !rnd(4))
            gen_flow(b, depth + 1);
        else
            puts_(b, rnd(3) ? PICK(flow_plain) : PICK(quoted));
        if (!rnd(4))
            puts_(b, " ");
    }
    puts_(b, map ? "}" : "]");
}

/* A value on its key's or its '-' line: a scalar or a flow collection. */
static void gen_inline(struct buf *b, unsigned depth)
{
    switch (rnd(4)) {
    case 0: puts_(b, PICK(quoted)); break;
    case 1: gen_flow(b, depth); break;
    case 2: puts_(b, PICK(block_plain)); break;
    default: puts_(b, PICK(flow_plain)); break;
    }
    line_end(b);
}

static void gen_block_map(struct buf *b, unsigned indent, unsigned depth, bool first_indented);

/* A block sequence at indent, its first '-' already indented. */
static void gen_block_seq(struct buf *b, unsigned indent, unsigned depth)
{
    uint32_t n = 1 + rnd(4);

    for (uint32_t i = 0; i < n; i++) {
        unsigned gap = rnd(4) ? 1 : 1 + rnd(3);

        if (i)
            indent_to(b, indent);
        puts_(b, "-");
        if (depth < 6 && !rnd(3)) {
            indent_to(b, gap);          /* - key: value, the mapping at the key's column */
            gen_block_map(b, indent + 1 + gap, depth + 1, true);
        } else if (depth < 6 && !rnd(6)) {
            line_end(b);                /* the item on the lines below */
            indent_to(b, indent + 2);
            gen_block_map(b, indent + 2, depth + 1, true);
        } else {
            indent_to(b, gap);
            gen_inline(b, depth + 1);
        }
    }
}

/* A block mapping whose keys are at indent; the first key's indentation is
 * written already when first_indented. */
static void gen_block_map(struct buf *b, unsigned indent, unsigned depth, bool first_indented)
{
    uint32_t n = 1 + rnd(4);

    for (uint32_t i = 0; i < n; i++) {
        if (i || !first_indented)
            indent_to(b, indent);
        puts_(b, PICK(keys));
        puts_(b, ":");
        switch (depth < 6 ? rnd(5) : 0) {
        case 1: {                       /* a mapping below, deeper */
            unsigned in = indent + 1 + rnd(4);
            line_end(b);
            indent_to(b, in);
            gen_block_map(b, in, depth + 1, true);
            break;
        }
        case 2: {                       /* a sequence below, deeper or at the key's column */
            unsigned in = rnd(2) ? indent : indent + 2;
            line_end(b);
            indent_to(b, in);
            gen_block_seq(b, in, depth + 1);
            break;
        }
        default:
            puts_(b, rnd(4) ? " " : "   ");
            gen_inline(b, depth + 1);
            break;
        }
    }
}

static void gen_block_doc(struct buf *b)
{
    b->len = 0;
    if (rnd(3) == 0)
        puts_(b, "# a config\n\n");
    gen_block_map(b, rnd(4) ? 0 : 2, 1, false);
    if (!rnd(4))
        b->len--;                       /* no newline at the end */
}

/* The example configs: the block reader takes every one, as libyaml reads
 * it, so that what people write is read the fast way. */
static void test_block_examples(void **state)
{
    static const char *const files[] = {
        OO_SOURCE_ROOT "/examples/single-pf.yaml",
        OO_SOURCE_ROOT "/examples/vf-lag.yaml",
        OO_SOURCE_ROOT "/examples/mpv.yaml",
        OO_SOURCE_ROOT "/tests/fixtures/config/full.yaml",
    };

    (void)state;
    for (size_t f = 0; f < sizeof files / sizeof *files; f++) {
        size_t len;
        char *yaml = read_text(files[f], &len);

        if (!block_and_libyaml(yaml, len))
            fail_msg("the block reader declined %s", files[f]);
        free(yaml);
    }
}

/* Generated block documents, all within what the reader takes. */
static void test_block_generated(void **state)
{
    struct buf b = { 0 };

    (void)state;
    rng_state = 0xb10c4ull;
    for (int i = 0; i < 4000; i++) {
        gen_block_doc(&b);
        if (!block_and_libyaml(b.s, b.len))
            fail_msg("generated document %d was declined:\n%s", i, b.s);
    }
    free(b.s);
}

/* Generated block documents with bytes changed, inserted or removed (YAML's
 * indicators, spaces and newlines most often): what the reader still takes,
 * libyaml reads the same way. */
static void test_block_mutated(void **state)
{
    static const char alphabet[] = "  \n\n---::,,[]{}#'\"\\\t\r&*!|>?%@`~/.0a";
    struct buf b = { 0 };
    int took = 0, total = 0;

    (void)state;
    rng_state = 0xdecafull;
    for (int i = 0; i < 4000; i++) {
        gen_block_doc(&b);
        took += mutants(ytree_parse_block, "block", &b, alphabet, 10, 10);
        total += 10;
    }
    free(b.s);
    print_message("mutations: the block reader took %d of %d\n", took, total);
    assert_true(took > total / 10);
}

/* Documents the block reader leaves to libyaml. */
static void test_block_declined(void **state)
{
    static const char *const texts[] = {
        "- a\n",                        /* not a mapping */
        "a\n",
        "a: 1\nb:\n",                   /* an empty value */
        "a:\nb: 1\n",
        "a: [1, # c\n  2]\n",           /* a comment in a flow collection */
        "a: b\n  c\n",                  /* a plain scalar on two lines */
        "a: 'b\n  c'\n",
        "a: \"b\\n\"\n",                /* an escape */
        "a: &x 1\nb: *x\n",             /* anchor, alias */
        "a: !!str 1\n",                 /* a tag */
        "a: |\n  text\n",               /* a block scalar */
        "a: >\n  text\n",
        "---\na: 1\n",                   /* document markers, directives */
        "a: 1\n...\n",
        "%YAML 1.1\n---\na: 1\n",
        "a: 1\n---\nb: 2\n",
        "a:\t1\n",                      /* tab, CR, UTF-8 */
        "a: 1\r\n",
        "a: caf\xc3\xa9\n",
        "a: b: c\n",                    /* a mapping value where none may be */
        "a: b:\n",
        "a : 1\n",                      /* space before ':' */
        "a:1\n",
        "? a\n: 1\n",                   /* a complex key */
        "a b: 1\n",                     /* a key outside [A-Za-z0-9_./-] */
        "-a: 1\n",
        "a: - b\n",
        "a:\n  - - b\n",                /* nested compact sequences */
        "a:\n  b: 1\n c: 2\n",          /* indentation that does not line up */
        "a:\n  - b\n  c: 1\n",
        "a: 1\n  b: 2\n",
        "a: [b, ]\n",                   /* a trailing ',' */
        "a: {b}\n",                     /* a flow key without a value */
        "a: [b: c]\n",                  /* a pair in a flow sequence */
        "a: {b: }\n",
        "a: {b:c}\n",
        "a: [x:]\n",
        "a: [x #c]\n",                  /* a comment inside a flow collection */
        "a: 'b'#c\n",                   /* a comment not after a space */
        "a: b # c\n  d: 1\n",
        "a: @b\n",                      /* reserved indicators */
        "a: `b\n",
        "a: ,b\n",
        "a: ]\n",
        "# only a comment\n",
        "",
    };

    (void)state;
    assert_declined(ytree_parse_block, texts, sizeof texts / sizeof *texts);
}

/* Its depth limit is libyaml's: 64 nested collections, not 65. */
static void test_block_depth(void **state)
{
    struct buf b = { 0 };
    struct ynode *root;

    (void)state;
    for (int depth = OO_YTREE_MAX_DEPTH; depth <= OO_YTREE_MAX_DEPTH + 1; depth++) {
        b.len = 0;
        puts_(&b, "a: ");
        for (int i = 1; i < depth; i++)
            puts_(&b, "[");
        for (int i = 1; i < depth; i++)
            puts_(&b, "]");
        puts_(&b, "\n");
        if (depth <= OO_YTREE_MAX_DEPTH)
            assert_int_equal(block_and_libyaml(b.s, b.len), 1);
        else
            assert_false(ytree_parse_block(b.s, b.len, &root));
    }
    free(b.s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_examples_as_json),
        cmocka_unit_test(test_generated),
        cmocka_unit_test(test_mutated),
        cmocka_unit_test(test_declined),
        cmocka_unit_test(test_key_length),
        cmocka_unit_test(test_depth),
        cmocka_unit_test(test_escapes),
        cmocka_unit_test(test_json_config_errors),
        cmocka_unit_test(test_block_examples),
        cmocka_unit_test(test_block_generated),
        cmocka_unit_test(test_block_mutated),
        cmocka_unit_test(test_block_declined),
        cmocka_unit_test(test_block_depth),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
