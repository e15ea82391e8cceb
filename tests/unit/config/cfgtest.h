/* Helpers shared by the config tests. */
#ifndef OO_TESTS_CFGTEST_H
#define OO_TESTS_CFGTEST_H

#include <stdbool.h>
#include <stddef.h>

#include "config/config.h"

/* Parses yaml (NUL-terminated) as "t.yaml" into cfg and d (both to be freed
 * with cfgtest_done()). Returns the parser's result. */
int cfgtest_yaml(const char *yaml, struct oo_config *cfg, struct oo_cfg_diag *d);
/* Same for host.conf text, with cfgtest_probe. */
int cfgtest_hostconf(const char *text, struct oo_config *cfg, struct oo_cfg_diag *d);
void cfgtest_done(struct oo_config *cfg, struct oo_cfg_diag *d);

/* A fake NIC probe: names starting with "bond" are bonds, "gone" do not
 * exist (-ENOENT), "eperm" fail with -EPERM, anything else is a netdev. */
int cfgtest_probe(const char *netdev, void *userdata);

/* Index of the error at line:col with exactly key whose message contains
 * part, or -1. line 0 matches any position. */
int cfgtest_find(const struct oo_cfg_diag *d, unsigned line, unsigned col, const char *key,
                 const char *part);
/* Prints every error of d to stderr (for failure messages). */
void cfgtest_dump(const struct oo_cfg_diag *d, const char *title);
/* Same, with the line of text each error points into and a caret under
 * its column. */
void cfgtest_show(const char *text, const struct oo_cfg_diag *d, const char *title);

/* Fails the test unless d has an error at line:col, key, with part. */
#define assert_cfg_error(d, line, col, key, part)                                   \
    do {                                                                            \
        if (cfgtest_find((d), (line), (col), (key), (part)) < 0) {                  \
            cfgtest_dump((d), "errors");                                            \
            fail_msg("no error %u:%u %s: ...%s...", (unsigned)(line), (unsigned)(col), \
                     (key), (part));                                                \
        }                                                                           \
    } while (0)

/* Fails the test unless d has exactly n errors. */
#define assert_cfg_count(d, n)                                                      \
    do {                                                                            \
        if (oo_cfg_diag_count(d) != (size_t)(n)) {                                  \
            cfgtest_dump((d), "errors");                                            \
            fail_msg("expected %zu error(s), got %zu", (size_t)(n), oo_cfg_diag_count(d)); \
        }                                                                           \
    } while (0)

#endif
