/* common/log: the level filter and the sink that the daemon uses to put the
 * shared layers' messages (each pass's read timings) into its own log. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "common/log.h"

static char seen[8][128];
static enum oo_log_level seen_level[8];
static int n_seen;

static void sink(enum oo_log_level level, const char *fmt, va_list ap)
{
    assert_true(n_seen < 8);
    seen_level[n_seen] = level;
    vsnprintf(seen[n_seen++], sizeof seen[0], fmt, ap);
}

static void test_sink_gets_what_the_level_lets_through(void **state)
{
    (void)state;
    n_seen = 0;
    oo_log_set_sink(sink);
    oo_log_set_level(OO_LOG_INFO);
    oo_debug("read the kernel in %.1f ms", 1.5);
    oo_warn("%s: cannot write our name into it", "/run/lock");
    oo_info("planned %d steps", 3);
    assert_int_equal(n_seen, 2);
    assert_int_equal(seen_level[0], OO_LOG_WARN);
    assert_string_equal(seen[0], "/run/lock: cannot write our name into it");
    assert_int_equal(seen_level[1], OO_LOG_INFO);
    assert_string_equal(seen[1], "planned 3 steps");

    oo_log_set_level(OO_LOG_DEBUG);
    oo_debug("read the kernel in %.1f ms", 1.5);
    assert_int_equal(n_seen, 3);
    assert_int_equal(seen_level[2], OO_LOG_DEBUG);
    assert_string_equal(seen[2], "read the kernel in 1.5 ms");

    /* Without a sink, nothing reaches it (stderr gets the line). */
    oo_log_set_sink(NULL);
    oo_err("to stderr");
    assert_int_equal(n_seen, 3);
    oo_log_set_level(OO_LOG_INFO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sink_gets_what_the_level_lets_through),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
