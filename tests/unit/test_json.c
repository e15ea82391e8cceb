#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/json.h"
#include "common/util.h"

static char *render(void (*fn)(struct oo_json *), bool pretty)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    struct oo_json j;

    oo_json_init(&j, f, pretty);
    fn(&j);
    oo_json_finish(&j);
    fclose(f);
    return text;
}

static void doc(struct oo_json *j)
{
    oo_json_obj_begin(j);
    oo_json_kv_str(j, "s", "a\"b\\c\n\x01");
    oo_json_kv_int(j, "i", -5);
    oo_json_kv_uint(j, "u", 18446744073709551615ULL);
    oo_json_kv_bool(j, "t", true);
    oo_json_kv_str(j, "n", NULL);
    oo_json_key(j, "empty_arr");
    oo_json_arr_begin(j);
    oo_json_arr_end(j);
    oo_json_key(j, "empty_obj");
    oo_json_obj_begin(j);
    oo_json_obj_end(j);
    oo_json_key(j, "arr");
    oo_json_arr_begin(j);
    oo_json_int(j, 1);
    oo_json_obj_begin(j);
    oo_json_kv_bool(j, "f", false);
    oo_json_obj_end(j);
    oo_json_null(j);
    oo_json_arr_end(j);
    oo_json_obj_end(j);
}

static void test_compact(void **state)
{
    char *t = render(doc, false);

    assert_string_equal(t,
        "{\"s\":\"a\\\"b\\\\c\\n\\u0001\",\"i\":-5,\"u\":18446744073709551615,"
        "\"t\":true,\"n\":null,\"empty_arr\":[],\"empty_obj\":{},"
        "\"arr\":[1,{\"f\":false},null]}\n");
    free(t);
}

static void test_pretty(void **state)
{
    char *t = render(doc, true);

    assert_string_equal(t,
        "{\n"
        "  \"s\": \"a\\\"b\\\\c\\n\\u0001\",\n"
        "  \"i\": -5,\n"
        "  \"u\": 18446744073709551615,\n"
        "  \"t\": true,\n"
        "  \"n\": null,\n"
        "  \"empty_arr\": [],\n"
        "  \"empty_obj\": {},\n"
        "  \"arr\": [\n"
        "    1,\n"
        "    {\n"
        "      \"f\": false\n"
        "    },\n"
        "    null\n"
        "  ]\n"
        "}\n");
    free(t);
}

/* Strings are written as UTF-8: what is not becomes U+FFFD, byte by byte. */
static void test_not_utf8(void **state)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);

    oo_json_write_string(f, "a\xff\xc3\xa9\xf0\x9f\x98\x80\xed\xa0\x80\xc0\xaf\xe2\x82");
    fclose(f);
    assert_string_equal(text, "\"a\xef\xbf\xbd\xc3\xa9\xf0\x9f\x98\x80"
                        /* a surrogate (ed a0 80): three bytes, three U+FFFD */
                        "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
                        /* an overlong '/' (c0 af) */
                        "\xef\xbf\xbd\xef\xbf\xbd"
                        /* a sequence cut short by the end */
                        "\xef\xbf\xbd\xef\xbf\xbd\"");
    free(text);
}

static void test_utf8_seq_len(void **state)
{
    static const struct { const char *s; size_t n; } cases[] = {
        { "a", 1 }, { "\x7f", 1 },
        { "\xc2\x80", 2 }, { "\xdf\xbf", 2 },
        { "\xc1\xbf", 0 },                     /* overlong */
        { "\xe0\xa0\x80", 3 }, { "\xe0\x9f\xbf", 0 },   /* overlong */
        { "\xed\x9f\xbf", 3 }, { "\xed\xa0\x80", 0 },   /* U+D800 */
        { "\xef\xbf\xbf", 3 },
        { "\xf0\x90\x80\x80", 4 }, { "\xf0\x8f\xbf\xbf", 0 },
        { "\xf4\x8f\xbf\xbf", 4 }, { "\xf4\x90\x80\x80", 0 },   /* > U+10FFFF */
        { "\xf5\x80\x80\x80", 0 }, { "\xff", 0 }, { "\x80", 0 },
        { "\xe2\x82", 0 }, { "\xf0\x9f\x98", 0 },       /* cut short */
        { "\xe2\x28\xa1", 0 },                 /* a bad continuation */
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t n = oo_utf8_seq_len((const unsigned char *)cases[i].s);

        if (n != cases[i].n)
            fail_msg("case %zu: %zu, expected %zu", i, n, cases[i].n);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_compact),
        cmocka_unit_test(test_pretty),
        cmocka_unit_test(test_not_utf8),
        cmocka_unit_test(test_utf8_seq_len),
    };
    return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}
