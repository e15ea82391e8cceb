/* common/jsonread.h against libopenvswitch's JSON reader, which it replaces
 * for OVSDB's replies: generated documents, and broken copies of them, must
 * be taken or refused alike, and read into the same values.
 *
 * Known and accepted differences, kept out of the generator: nesting beyond
 * OO_JREAD_MAX_DEPTH (OVS allows 1000); and a whole number written with a
 * fraction or exponent (1e2), an integer for OVS and a real here, so numbers
 * compare by value; and numbers whose digits pass 2^64 - 1 where OVS 3.1's
 * lexer wraps around (it reads 18446744073709551616 as 0). */
#include <config.h>

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "openvswitch/dynamic-string.h"
#include "openvswitch/json.h"
#include "openvswitch/shash.h"

#include "common/jsonread.h"
#include "common/util.h"

/* A small deterministic generator (xorshift64*), so a failure replays. */
static uint64_t rng_state;

static uint64_t rnd(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1DULL;
}

static unsigned pick(unsigned n)
{
    return (unsigned)(rnd() % n);
}

static void space(struct ds *s)
{
    static const char *const ws[] = { "", "", "", " ", "\n", "\t ", "\r\n  " };

    ds_put_cstr(s, ws[pick(OO_ARRAY_SIZE(ws))]);
}

static void gen_string(struct ds *s)
{
    static const char *const parts[] = {
        "a", "port", "eth0", "5c1f0e2a-9b1d-4c2e-8f00-1234567890ab", " ", "\\\"", "\\\\", "\\/",
        "\\b", "\\f", "\\n", "\\r", "\\t", "\\u0041", "\\u00e9", "\\u20AC", "\\ud83d\\ude00",
        "\\uDBFF\\uDFFF", "\xc3\xa9", "\xff", "{", "]", ",", ":",
    };
    unsigned n = pick(6);

    ds_put_char(s, '"');
    for (unsigned i = 0; i < n; i++)
        ds_put_cstr(s, parts[pick(OO_ARRAY_SIZE(parts))]);
    ds_put_char(s, '"');
}

static void gen_number(struct ds *s)
{
    static const char *const ints[] = { "0", "1", "7", "42", "65534", "9223372036854775807",
                                        "9223372036854775808", "18446744073709551615",
                                        "123456789012345678901234567890" };

    if (pick(2))
        ds_put_char(s, '-');
    ds_put_cstr(s, ints[pick(OO_ARRAY_SIZE(ints))]);
    if (!pick(3))
        ds_put_format(s, ".%u", pick(100000));
    if (!pick(4))
        ds_put_format(s, "%s%s%u", pick(2) ? "e" : "E", pick(3) ? "" : pick(2) ? "+" : "-", pick(330));
}

static void gen_value(struct ds *s, unsigned depth)
{
    unsigned kind = pick(depth >= 6 ? 6 : 9);

    switch (kind) {
    case 0: ds_put_cstr(s, "null"); break;
    case 1: ds_put_cstr(s, "true"); break;
    case 2: ds_put_cstr(s, "false"); break;
    case 3: case 4: gen_number(s); break;
    case 5: gen_string(s); break;
    default: {
        bool object = kind == 8;
        unsigned n = pick(5);

        ds_put_char(s, object ? '{' : '[');
        for (unsigned i = 0; i < n; i++) {
            space(s);
            if (i)
                ds_put_char(s, ',');
            space(s);
            if (object) {
                gen_string(s);
                space(s);
                ds_put_char(s, ':');
                space(s);
            }
            gen_value(s, depth + 1);
        }
        space(s);
        ds_put_char(s, object ? '}' : ']');
    }
    }
}

/* One random edit of text: a byte removed, replaced or put in, or the end
 * cut off. */
static void mutate(struct ds *s)
{
    static const char alphabet[] = "{}[]\",:\\0123456789-+.eEtrufalsn \x01\x7f\xc3u";
    size_t len = s->length, at = len ? pick((unsigned)len) : 0;
    char c = alphabet[pick(sizeof alphabet - 1)];

    switch (pick(4)) {
    case 0:
        if (len) {
            memmove(s->string + at, s->string + at + 1, len - at);
            s->length--;
        }
        break;
    case 1:
        if (len)
            s->string[at] = c;
        break;
    case 2:
        ds_put_char(s, ' ');
        memmove(s->string + at + 1, s->string + at, len - at);
        s->string[at] = c;
        break;
    default:
        ds_truncate(s, at);
        break;
    }
}

static double number_of_ovs(const struct json *j)
{
    return j->type == JSON_INTEGER ? (double)j->integer : j->real;
}

static double number_of_ours(const struct oo_jnode *n)
{
    return n->type == OO_JINT ? (double)n->u.i : n->u.d;
}

/* Whether n (ours) reads as j (OVS's); prints where not. */
static bool same(const struct oo_jnode *n, const struct json *j, const char *text)
{
    switch (j->type) {
    case JSON_NULL:
        if (n->type == OO_JNULL)
            return true;
        break;
    case JSON_FALSE:
        if (n->type == OO_JFALSE)
            return true;
        break;
    case JSON_TRUE:
        if (n->type == OO_JTRUE)
            return true;
        break;
    case JSON_INTEGER:
    case JSON_REAL:
        /* An integer both ways must match exactly (doubles lose bits). */
        if (n->type == OO_JINT && j->type == JSON_INTEGER && n->u.i == j->integer)
            return true;
        if ((n->type == OO_JINT || n->type == OO_JREAL) && !(n->type == OO_JINT && j->type == JSON_INTEGER) &&
            number_of_ours(n) == number_of_ovs(j))
            return true;
        if (n->type == OO_JINT || n->type == OO_JREAL)
            print_error("numbers differ: OVS %.17g, ours %.17g\n", number_of_ovs(j), number_of_ours(n));
        break;
    case JSON_STRING:
        if (n->type == OO_JSTRING && n->n == strlen(j->string) && !strcmp(n->u.str, j->string))
            return true;
        break;
    case JSON_ARRAY:
        if (n->type == OO_JARRAY && n->n == j->array.n) {
            const struct oo_jnode *e = n + 1;

            for (size_t i = 0; i < j->array.n; i++, e = oo_jnode_skip(e))
                if (!same(e, j->array.elems[i], text))
                    return false;
            return true;
        }
        break;
    case JSON_OBJECT:
        if (n->type == OO_JOBJECT) {
            const struct oo_jnode *k = n + 1;
            struct shash_node *node;

            /* Same keys both ways (ours may repeat one), same values. */
            for (uint32_t i = 0; i < n->n; i++, k = oo_jnode_skip(k + 1))
                if (!shash_find(j->object, k->u.str)) {
                    print_error("key \"%s\" only in ours\n", k->u.str);
                    return false;
                }
            SHASH_FOR_EACH (node, j->object) {
                const struct oo_jnode *v = oo_jnode_get(n, node->name);

                if (!v || !same(v, node->data, text))
                    return false;
            }
            return true;
        }
        break;
    default:
        break;
    }
    print_error("differ: OVS type %d, ours %d, in: %s\n", j->type, n->type, text);
    return false;
}

/* Reads text both ways; fails the test if they disagree. Returns whether
 * OVS took it. OVS's reader returns a parse error as a string, like a
 * document that is one: so it reads "[" text "]", which is an array of one
 * element exactly when text is one JSON value. */
static bool compare(const char *text, size_t len)
{
    char *ours = oo_malloc(len + 1), err[160];
    struct json_parser *p = json_parser_create(JSPF_TRAILER);
    struct json *wrapped;
    struct oo_jdoc doc;
    bool ovs_ok, ours_ok;

    json_parser_feed(p, "[", 1);
    json_parser_feed(p, text, len);
    json_parser_feed(p, "]", 1);
    wrapped = json_parser_finish(p);
    ovs_ok = wrapped->type == JSON_ARRAY && wrapped->array.n == 1;
    memcpy(ours, text, len);
    ours[len] = '\0';
    ours_ok = !oo_jdoc_parse(&doc, ours, len, err, sizeof err);
    if (ovs_ok != ours_ok)
        fail_msg("OVS %s, ours %s%s: [%.*s]", ovs_ok ? "took it" : "refused it",
                 ours_ok ? "took it" : "refused it: ", ours_ok ? "" : err, (int)len, text);
    if (ovs_ok && !same(oo_jdoc_root(&doc), wrapped->array.elems[0], text))
        fail_msg("read differently: [%.*s]", (int)len, text);
    oo_jdoc_free(&doc);
    json_destroy(wrapped);
    free(ours);
    return ovs_ok;
}

static void test_generated_and_broken(void **state)
{
    size_t taken = 0, refused = 0;

    (void)state;
    rng_state = 0x6f766f66666c6f61ULL;
    for (int i = 0; i < 3000; i++) {
        struct ds s = DS_EMPTY_INITIALIZER;

        space(&s);
        gen_value(&s, 0);
        space(&s);
        /* Generated ones are well-formed, but a number may be out of range. */
        if (compare(s.string, s.length))
            taken++;
        else
            refused++;
        for (int m = 0; m < 8; m++) {
            mutate(&s);
            if (compare(s.string, s.length))
                taken++;
            else
                refused++;
        }
        ds_destroy(&s);
    }
    /* The broken copies must exercise both outcomes. */
    print_message("%zu texts read alike by both, %zu refused by both\n", taken, refused);
    assert_true(refused > 5000);
    assert_true(taken > 5000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_generated_and_broken),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
