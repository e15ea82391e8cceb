/* common/jsonread.h: the JSON reader and the stream scanner. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/jsonread.h"
#include "common/util.h"

/* Parses a copy of text (the reader writes into it); the copy is returned in
 * *buf for the caller to free once done with doc. */
static int parse(const char *text, struct oo_jdoc *doc, char **buf, char *err, size_t err_size)
{
    size_t len = strlen(text);

    *buf = oo_malloc(len + 1);
    memcpy(*buf, text, len + 1);
    return oo_jdoc_parse(doc, *buf, len, err, err_size);
}

/* parse(), failing the test with the reader's message if it refuses text. */
static const struct oo_jnode *parse_ok(const char *text, struct oo_jdoc *doc, char **buf)
{
    char err[128];

    if (parse(text, doc, buf, err, sizeof err))
        fail_msg("%s: %s", text, err);
    return oo_jdoc_root(doc);
}

/* The shape of an OVSDB reply: navigation by key and index, sizes, order. */
static void test_reply_shape(void **state)
{
    const char *text =
        "{\"id\":0,\"result\":[{\"rows\":[{\"_uuid\":[\"uuid\",\"5c1f\"],\"name\":\"br0\","
        "\"ports\":[\"set\",[[\"uuid\",\"a\"],[\"uuid\",\"b\"]]],\"external_ids\":[\"map\",[]]}]},"
        "{\"rows\":[]}],\"error\":null}";
    const struct oo_jnode *root, *result, *rows, *row, *ports, *set, *e;
    struct oo_jdoc doc;
    char *buf;

    (void)state;
    assert_int_equal(parse(text, &doc, &buf, NULL, 0), 0);
    root = oo_jdoc_root(&doc);
    assert_non_null(root);
    assert_int_equal(root->type, OO_JOBJECT);
    assert_int_equal(root->n, 3);
    assert_int_equal(root->size, doc.n);

    assert_int_equal(oo_jnode_get(root, "id")->type, OO_JINT);
    assert_int_equal(oo_jnode_get(root, "id")->u.i, 0);
    assert_int_equal(oo_jnode_get(root, "error")->type, OO_JNULL);
    assert_null(oo_jnode_get(root, "method"));
    assert_null(oo_jnode_get(root, "ID"));

    result = oo_jnode_get(root, "result");
    assert_int_equal(result->type, OO_JARRAY);
    assert_int_equal(result->n, 2);
    rows = oo_jnode_get(oo_jnode_at(result, 1), "rows");
    assert_int_equal(rows->type, OO_JARRAY);
    assert_int_equal(rows->n, 0);
    assert_int_equal(rows->size, 1);
    assert_null(oo_jnode_at(result, 2));
    assert_null(oo_jnode_at(root, 0));     /* not an array */

    row = oo_jnode_at(oo_jnode_get(oo_jnode_at(result, 0), "rows"), 0);
    assert_int_equal(row->n, 4);
    assert_string_equal(oo_jnode_str(oo_jnode_get(row, "name")), "br0");
    assert_int_equal(oo_jnode_get(row, "name")->n, 3);
    assert_string_equal(oo_jnode_str(oo_jnode_at(oo_jnode_get(row, "_uuid"), 1)), "5c1f");
    ports = oo_jnode_get(row, "ports");
    assert_string_equal(oo_jnode_str(oo_jnode_at(ports, 0)), "set");
    set = oo_jnode_at(ports, 1);
    assert_int_equal(set->n, 2);
    /* Siblings by skipping subtrees. */
    e = set + 1;
    assert_string_equal(oo_jnode_str(oo_jnode_at(e, 1)), "a");
    e = oo_jnode_skip(e);
    assert_string_equal(oo_jnode_str(oo_jnode_at(e, 1)), "b");
    assert_ptr_equal(oo_jnode_skip(e), oo_jnode_get(row, "external_ids") - 1);
    assert_int_equal(oo_jnode_get(row, "external_ids")->size, 3);
    assert_null(oo_jnode_str(ports));
    assert_null(oo_jnode_str(NULL));
    assert_null(oo_jnode_get(NULL, "x"));
    oo_jdoc_free(&doc);
    free(buf);
}

static void test_strings(void **state)
{
    static const struct {
        const char *json, *want;
        size_t want_len;
    } cases[] = {
        { "\"\"", "", 0 },
        { "\"plain\"", "plain", 5 },
        { "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", "\"\\/\b\f\n\r\t", 8 },
        { "\"a\\u0041\\u00e9\\u20ac\"", "aA\xc3\xa9\xe2\x82\xac", 7 },
        { "\"\\ud83d\\ude00!\"", "\xf0\x9f\x98\x80!", 5 },
        { "\"\\uD83D\\uDE00\"", "\xf0\x9f\x98\x80", 4 },
        { "\"\\u007f\\u0080\\u07ff\\u0800\\uffff\"", "\x7f\xc2\x80\xdf\xbf\xe0\xa0\x80\xef\xbf\xbf", 11 },
        { "\"raw \xc3\xa9 bytes\"", "raw \xc3\xa9 bytes", 12 },
        /* A second half alone (lone surrogates are JSON, if not Unicode). */
        { "\"\\udc00\"", "\xed\xb0\x80", 3 },
        { "  \"spaced\"\r\n\t", "spaced", 6 },
    };

    (void)state;
    for (size_t i = 0; i < OO_ARRAY_SIZE(cases); i++) {
        struct oo_jdoc doc;
        char *buf;
        const struct oo_jnode *n = parse_ok(cases[i].json, &doc, &buf);

        assert_int_equal(n->type, OO_JSTRING);
        assert_int_equal(n->n, cases[i].want_len);
        assert_memory_equal(n->u.str, cases[i].want, cases[i].want_len + 1);
        oo_jdoc_free(&doc);
        free(buf);
    }
}

static void test_numbers(void **state)
{
    static const struct {
        const char *json;
        enum oo_jtype type;
        long long i;
        double d;
    } cases[] = {
        { "0", OO_JINT, 0, 0 },
        { "-0", OO_JINT, 0, 0 },
        { "42", OO_JINT, 42, 0 },
        { "-17", OO_JINT, -17, 0 },
        { "9223372036854775807", OO_JINT, 9223372036854775807LL, 0 },
        { "-9223372036854775808", OO_JINT, -9223372036854775807LL - 1, 0 },
        { "9223372036854775808", OO_JREAL, 0, 9223372036854775808.0 },
        { "-9223372036854775809", OO_JREAL, 0, -9223372036854775809.0 },
        { "123456789012345678901234567890", OO_JREAL, 0, 123456789012345678901234567890.0 },
        { "1.5", OO_JREAL, 0, 1.5 },
        { "-2e3", OO_JREAL, 0, -2000 },
        { "1E+2", OO_JREAL, 0, 100 },
        { "25e-1", OO_JREAL, 0, 2.5 },
        { "0.125", OO_JREAL, 0, 0.125 },
        { "-0.0", OO_JREAL, 0, 0 },
        { "1e-400", OO_JREAL, 0, 0 },
        { "0.00000000000000000000000000000000000000000000000000000000000000001250", OO_JREAL, 0,
          1.25e-65 },
    };

    (void)state;
    for (size_t i = 0; i < OO_ARRAY_SIZE(cases); i++) {
        struct oo_jdoc doc;
        char *buf;
        const struct oo_jnode *n = parse_ok(cases[i].json, &doc, &buf);

        if (n->type != cases[i].type)
            fail_msg("%s: type %d, expected %d", cases[i].json, n->type, cases[i].type);
        if (n->type == OO_JINT && n->u.i != cases[i].i)
            fail_msg("%s: read %lld", cases[i].json, n->u.i);
        if (n->type == OO_JREAL && (n->u.d != cases[i].d || signbit(n->u.d) != signbit(cases[i].d)))
            fail_msg("%s: read %.17g", cases[i].json, n->u.d);
        oo_jdoc_free(&doc);
        free(buf);
    }
}

static void test_literals_and_empty(void **state)
{
    const char *text = "[true,false,null,{},[],{\"k\":[]},\"\"]";
    static const enum oo_jtype types[] = { OO_JTRUE, OO_JFALSE, OO_JNULL, OO_JOBJECT, OO_JARRAY,
                                           OO_JOBJECT, OO_JSTRING };
    const struct oo_jnode *e;
    struct oo_jdoc doc;
    char *buf;

    (void)state;
    assert_int_equal(parse(text, &doc, &buf, NULL, 0), 0);
    assert_int_equal(oo_jdoc_root(&doc)->n, OO_ARRAY_SIZE(types));
    e = oo_jdoc_root(&doc) + 1;
    for (size_t i = 0; i < OO_ARRAY_SIZE(types); i++, e = oo_jnode_skip(e))
        assert_int_equal(e->type, types[i]);
    assert_ptr_equal(e, doc.nodes + doc.n);
    oo_jdoc_free(&doc);
    free(buf);
}

/* A repeated key: the last one counts, as in OVS's reader. */
static void test_repeated_key(void **state)
{
    struct oo_jdoc doc;
    char *buf;

    (void)state;
    assert_int_equal(parse("{\"a\":1,\"b\":{\"a\":3},\"a\":2}", &doc, &buf, NULL, 0), 0);
    assert_int_equal(oo_jnode_get(oo_jdoc_root(&doc), "a")->u.i, 2);
    assert_int_equal(oo_jnode_get(oo_jnode_get(oo_jdoc_root(&doc), "b"), "a")->u.i, 3);
    oo_jdoc_free(&doc);
    free(buf);
}

static void test_errors(void **state)
{
    static const struct {
        const char *json, *err;
    } cases[] = {
        { "", "value expected at byte 0" },
        { "   ", "value expected at byte 3" },
        { "{", "object key expected at byte 1" },
        { "[", "value expected at byte 1" },
        { "[1,]", "value expected at byte 3" },
        { "[1 2]", "',' or ']' expected at byte 3" },
        { "[1", "unterminated array at byte 2" },
        { "{\"a\"}", "':' expected at byte 4" },
        { "{\"a\":1,}", "object key expected at byte 7" },
        { "{\"a\":1", "unterminated object at byte 6" },
        { "{\"a\":1 \"b\":2}", "',' or '}' expected at byte 7" },
        { "{1:2}", "object key expected at byte 1" },
        { "\"abc", "unterminated string at byte 4" },
        { "\"a\x01z\"", "control character in a string at byte 2" },
        { "\"a\\\x01z\"", "invalid escape in a string at byte 4" },
        { "\"a\\\xff\"", "invalid escape in a string at byte 4" },
        { "\"\\x\"", "invalid escape in a string at byte 3" },
        { "\"\\", "invalid escape in a string at byte 1" },
        { "\"\\u12\"", "invalid escape in a string at byte 3" },
        { "\"\\u12g4\"", "invalid escape in a string at byte 3" },
        { "\"\\u0000\"", "invalid escape in a string at byte 3" },
        { "\"\\ud800\"", "invalid escape in a string at byte 7" },
        { "\"\\udc00\\ud800\"", "invalid escape in a string at byte 13" },
        { "\"\\ud800\\u0041\"", "invalid escape in a string at byte 7" },
        { "\"\\ud800x\\udc00\"", "invalid escape in a string at byte 7" },
        { "tru", "invalid literal at byte 0" },
        { "nul", "invalid literal at byte 0" },
        { "True", "value expected at byte 0" },
        { "-", "invalid number at byte 1" },
        { "+1", "value expected at byte 0" },
        { "01", "text after the value at byte 1" },
        { "1.", "invalid number at byte 2" },
        { ".5", "value expected at byte 0" },
        { "1e", "invalid number at byte 2" },
        { "1e+", "invalid number at byte 3" },
        { "1 2", "text after the value at byte 2" },
        { "{}x", "text after the value at byte 2" },
        { "1e400", "number out of range at byte 5" },
        { "[-1.7976931348623159e308]", "number out of range at byte 24" },
        { "1e-400x", "text after the value at byte 6" },
    };

    (void)state;
    for (size_t i = 0; i < OO_ARRAY_SIZE(cases); i++) {
        struct oo_jdoc doc;
        char err[128], *buf;

        if (parse(cases[i].json, &doc, &buf, err, sizeof err) != -EINVAL)
            fail_msg("accepted %s", cases[i].json);
        if (strcmp(err, cases[i].err))
            fail_msg("%s: \"%s\", expected \"%s\"", cases[i].json, err, cases[i].err);
        assert_null(oo_jdoc_root(&doc));
        assert_int_equal(doc.n, 0);
        oo_jdoc_free(&doc);
        free(buf);
    }
}

/* Nesting: OO_JREAD_MAX_DEPTH levels are read, one more is refused. */
static void test_depth(void **state)
{
    char text[2 * (OO_JREAD_MAX_DEPTH + 1) + 1], err[128];
    struct oo_jdoc doc;

    (void)state;
    for (int deeper = 0; deeper <= 1; deeper++) {
        size_t levels = OO_JREAD_MAX_DEPTH + (size_t)deeper, len = 0;

        for (size_t i = 0; i < levels; i++)
            text[len++] = '[';
        for (size_t i = 0; i < levels; i++)
            text[len++] = ']';
        if (!deeper) {
            assert_int_equal(oo_jdoc_parse(&doc, text, len, err, sizeof err), 0);
            assert_int_equal(doc.n, levels);
            assert_int_equal(oo_jdoc_root(&doc)->size, levels);
        } else {
            assert_int_equal(oo_jdoc_parse(&doc, text, len, err, sizeof err), -EINVAL);
            assert_string_equal(err, "nested too deep at byte 128");
        }
        oo_jdoc_free(&doc);
    }
}

/* The text is read to len, not to a NUL: the bytes after it are not looked
 * at (here they would complete the value). */
static void test_reads_only_len(void **state)
{
    char text[] = "[123]";
    char str[] = "\"abc\"";
    struct oo_jdoc doc;
    char err[128];

    (void)state;
    assert_int_equal(oo_jdoc_parse(&doc, text, 3, err, sizeof err), -EINVAL);
    assert_string_equal(err, "unterminated array at byte 3");
    assert_int_equal(oo_jdoc_parse(&doc, text + 1, 2, err, sizeof err), 0);
    assert_int_equal(oo_jdoc_root(&doc)->u.i, 12);
    oo_jdoc_free(&doc);
    assert_int_equal(oo_jdoc_parse(&doc, str, 4, err, sizeof err), -EINVAL);
    assert_string_equal(err, "unterminated string at byte 4");
}

/* Two messages back to back and whitespace between, fed in every split: the
 * scanner finds each end wherever the chunks break. */
static void test_scan_splits(void **state)
{
    const char *stream = " {\"a\":\"}]\\\\\",\"b\":\"x\\\"{[\",\"c\":[{}]}\n[1,[2]]";
    size_t len = strlen(stream), first_end = strchr(stream, '\n') - stream;

    (void)state;
    for (size_t split = 0; split <= len; split++) {
        struct oo_jscan s;
        size_t pos = 0, ends[2], n_ends = 0;
        const size_t chunks[2][2] = { { 0, split }, { split, len } };

        oo_jscan_reset(&s);
        for (int c = 0; c < 2; c++) {
            pos = chunks[c][0];
            while (pos < chunks[c][1]) {
                ssize_t r = oo_jscan_feed(&s, stream + pos, chunks[c][1] - pos);

                assert_true(r >= 0);
                if (!r)
                    break;
                pos += (size_t)r;
                assert_true(n_ends < 2);
                ends[n_ends++] = pos;
                oo_jscan_reset(&s);
            }
        }
        assert_int_equal(n_ends, 2);
        assert_int_equal(ends[0], first_end);
        assert_int_equal(ends[1], len);
    }
}

static void test_scan_refuses(void **state)
{
    static const char *const bad[] = { "x", "\"str\"", "}", "  ]", "1", "null" };

    (void)state;
    for (size_t i = 0; i < OO_ARRAY_SIZE(bad); i++) {
        struct oo_jscan s;

        oo_jscan_reset(&s);
        if (oo_jscan_feed(&s, bad[i], strlen(bad[i])) != -1)
            fail_msg("scanner took %s", bad[i]);
    }
}

/* What the scanner says ends a value, the reader reads as one. */
static void test_scan_then_parse(void **state)
{
    char stream[] = "{\"id\":7,\"result\":[\"]\"]}{\"id\":8}";
    struct oo_jdoc doc;
    struct oo_jscan s;
    ssize_t r;

    (void)state;
    oo_jscan_reset(&s);
    r = oo_jscan_feed(&s, stream, strlen(stream));
    assert_int_equal(r, 23);
    assert_int_equal(oo_jdoc_parse(&doc, stream, (size_t)r, NULL, 0), 0);
    assert_int_equal(oo_jnode_get(oo_jdoc_root(&doc), "id")->u.i, 7);
    assert_string_equal(oo_jnode_str(oo_jnode_at(oo_jnode_get(oo_jdoc_root(&doc), "result"), 0)), "]");
    oo_jdoc_free(&doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reply_shape),
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_literals_and_empty),
        cmocka_unit_test(test_repeated_key),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_depth),
        cmocka_unit_test(test_reads_only_len),
        cmocka_unit_test(test_scan_splits),
        cmocka_unit_test(test_scan_refuses),
        cmocka_unit_test(test_scan_then_parse),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
