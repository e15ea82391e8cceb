#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/json.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_compact),
        cmocka_unit_test(test_pretty),
    };
    return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}
