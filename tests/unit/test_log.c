/* common/log: the level filter and the sink that the daemon uses to put the
 * shared layers' messages (each pass's read timings) into its own log; the
 * journal stream's priorities. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
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

static int prio(const char *line)
{
    return oo_log_line_priority(line, strlen(line));
}

/* Lines as the daemon's vlog journal pattern ("%c|%p|%m") and our own
 * stderr writers make them; anything else is info. */
static void test_line_priority(void **state)
{
    (void)state;
    assert_int_equal(prio("ovs_offloadd|ERR|cannot open the log file /x: Permission denied\n"), 3);
    assert_int_equal(prio("ovs_offloadd|WARN|lost the OVSDB connection to unix:/run/db.sock\n"), 4);
    assert_int_equal(prio("jsonrpc|WARN|unix:/run/openvswitch/db.sock: send error: Broken pipe\n"), 4);
    assert_int_equal(prio("ovs_offloadd|INFO|reconcile (startup): applying the plan\n"), 6);
    assert_int_equal(prio("ovs_offloadd|DBG|read the kernel in 3.1 ms\n"), 7);
    assert_int_equal(prio("vlog|EMER|fatal\n"), 0);
    /* The level is the second field: a message that says WARN is not one. */
    assert_int_equal(prio("ovs_offloadd|INFO|peer said ERR|WARN\n"), 6);
    assert_int_equal(prio("ovs-offload: error: devlink port dump failed\n"), 3);
    assert_int_equal(prio("ovs-offload: warning: /run/lock: cannot write our name into it\n"), 4);
    assert_int_equal(prio("ovs-offload: debug: planned in 1.0 ms\n"), 7);
    assert_int_equal(prio("/etc/ovs-offload/config.yaml:2:6: pfs: expected a list of pfs, got a scalar\n"), 3);
    assert_int_equal(prio("ovs-offloadctl: unknown command 'aply'. Try 'ovs-offloadctl --help'.\n"), 3);
    /* Not a location: no column, a space in the name, no space after. */
    assert_int_equal(prio("config.yaml:2: x\n"), 6);
    assert_int_equal(prio("my config.yaml:2:6: x\n"), 6);
    assert_int_equal(prio("apply: [3/12] pf0:1:2:x\n"), 6);
    assert_int_equal(prio("a:1:2:"), 6);
    assert_int_equal(prio("in sync: nothing to do\n"), 6);
    assert_int_equal(prio(""), 6);
    /* Only len bytes are read. */
    assert_int_equal(oo_log_line_priority("ovs_offloadd|WARN|x", 13), 6);
}

/* The stream: one prefix per line, whatever the writes look like. */
static void test_journal_stream_prefixes_each_line(void **state)
{
    char out[512] = "", longline[6000];
    int fds[2];
    ssize_t n, got = 0;
    FILE *f;

    (void)state;
    assert_int_equal(pipe(fds), 0);
    f = oo_log_journal_stream(fds[1]);
    assert_non_null(f);
    fputs("ovs_offloadd|WARN|first\nsecond line\n", f);
    /* One line from three writes, as oo_log() without a sink makes it. */
    fprintf(f, "ovs-offload: %s", "error: ");
    fprintf(f, "%s", "cannot read devlink");
    fputc('\n', f);
    fflush(f);
    while ((n = read(fds[0], out + got, sizeof out - 1 - (size_t)got)) > 0) {
        got += n;
        if (strstr(out, "devlink\n"))
            break;
    }
    assert_string_equal(out, "<4>ovs_offloadd|WARN|first\n<6>second line\n"
                             "<3>ovs-offload: error: cannot read devlink\n");

    /* A line longer than the stream's buffer reaches the fd in pieces: one
     * prefix, before its first piece. */
    memset(longline, 'x', sizeof longline);
    memcpy(longline, "m|DBG|", 6);
    longline[sizeof longline - 2] = '\n';
    longline[sizeof longline - 1] = '\0';
    fputs(longline, f);
    fputs("m|INFO|after\n", f);
    fclose(f);
    close(fds[1]);      /* fclose leaves the fd to its owner */
    {
        char back[7000];
        size_t total = 0;

        while ((n = read(fds[0], back + total, sizeof back - 1 - total)) > 0)
            total += (size_t)n;
        back[total] = '\0';
        assert_int_equal(total, 3 + strlen(longline) + 3 + strlen("m|INFO|after\n"));
        assert_memory_equal(back, "<7>m|DBG|xxx", 12);
        assert_null(memchr(back + 3, '<', strlen(longline)));
        assert_string_equal(back + 3 + strlen(longline), "<6>m|INFO|after\n");
    }
    close(fds[0]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sink_gets_what_the_level_lets_through),
        cmocka_unit_test(test_line_priority),
        cmocka_unit_test(test_journal_stream_prefixes_each_line),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
