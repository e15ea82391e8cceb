/* enum <-> string tables: every value round-trips, unknown input is refused. */
#include <errno.h>
#include <linux/devlink.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "devlink/devlink.h"

struct table {
    const char *name;
    const char *(*to)(int);
    int (*from)(const char *);
    int first, last;            /* every value in [first, last] has a name */
    const char *sample;         /* one spelling checked literally */
    int sample_value;
};

static const struct table tables[] = {
    { "eswitch", oo_eswitch_mode_to_string, oo_eswitch_mode_from_string,
      DEVLINK_ESWITCH_MODE_LEGACY, DEVLINK_ESWITCH_MODE_SWITCHDEV,
      "switchdev", DEVLINK_ESWITCH_MODE_SWITCHDEV },
    { "inline", oo_inline_mode_to_string, oo_inline_mode_from_string,
      DEVLINK_ESWITCH_INLINE_MODE_NONE, DEVLINK_ESWITCH_INLINE_MODE_TRANSPORT,
      "network", DEVLINK_ESWITCH_INLINE_MODE_NETWORK },
    { "encap", oo_encap_mode_to_string, oo_encap_mode_from_string,
      DEVLINK_ESWITCH_ENCAP_MODE_NONE, DEVLINK_ESWITCH_ENCAP_MODE_BASIC,
      "basic", DEVLINK_ESWITCH_ENCAP_MODE_BASIC },
    { "flavour", oo_port_flavour_to_string, oo_port_flavour_from_string,
      DEVLINK_PORT_FLAVOUR_PHYSICAL, DEVLINK_PORT_FLAVOUR_PCI_SF,
      "pcivf", DEVLINK_PORT_FLAVOUR_PCI_VF },
};

static void test_round_trip(void **state)
{
    for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++) {
        const struct table *tb = &tables[t];

        for (int v = tb->first; v <= tb->last; v++) {
            const char *s = tb->to(v);
            if (!s)
                fail_msg("%s: value %d has no name", tb->name, v);
            assert_int_equal(tb->from(s), v);
        }
        assert_string_equal(tb->to(tb->sample_value), tb->sample);
        assert_null(tb->to(tb->last + 1));
        assert_null(tb->to(-1));
        assert_int_equal(tb->from("no-such-mode"), -EINVAL);
        assert_int_equal(tb->from(NULL), -EINVAL);
        assert_int_equal(tb->from(""), -EINVAL);
    }
}

static void test_names_are_unique(void **state)
{
    for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++)
        for (int a = tables[t].first; a <= tables[t].last; a++)
            for (int b = a + 1; b <= tables[t].last; b++)
                assert_string_not_equal(tables[t].to(a), tables[t].to(b));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_names_are_unique),
    };
    return cmocka_run_group_tests_name("names", tests, NULL, NULL);
}
