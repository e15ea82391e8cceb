#include "fixture.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "common/util.h"

void *fixture_load(const char *name, size_t *ret_len)
{
    char path[4096];
    FILE *f;
    long n;
    void *buf;

    snprintf(path, sizeof path, "%s/%s", OO_FIXTURES, name);
    f = fopen(path, "rb");
    if (!f)
        fail_msg("fixture %s: %s (capture it: tests/vm/capture-fixtures.sh)", path, strerror(errno));
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = oo_malloc((size_t)n);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *ret_len = (size_t)n;
    return buf;
}

const struct nlmsghdr *fixture_msg(const void *buf, size_t len, unsigned n)
{
    int left = (int)len;

    for (const struct nlmsghdr *h = buf; mnl_nlmsg_ok(h, left);
         h = mnl_nlmsg_next(h, &left))
        if (n-- == 0)
            return h;
    return NULL;
}

unsigned fixture_count(const void *buf, size_t len, uint16_t type)
{
    int left = (int)len;
    unsigned c = 0;

    for (const struct nlmsghdr *h = buf; mnl_nlmsg_ok(h, left);
         h = mnl_nlmsg_next(h, &left))
        c += h->nlmsg_type == type;
    return c;
}

char *fixture_mkdtemp(void)
{
    char *d = oo_strdup("/tmp/oo-test-XXXXXX");

    assert_non_null(mkdtemp(d));
    return d;
}

void fixture_rmtree(const char *dir)
{
    char cmd[4200];

    assert_true(strncmp(dir, "/tmp/oo-test-", 13) == 0);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

void fixture_write(const char *dir, const char *relpath, const char *content)
{
    char path[4096];
    FILE *f;

    snprintf(path, sizeof path, "%s/%s", dir, relpath);
    for (char *p = path + strlen(dir) + 1; (p = strchr(p, '/')); p++) {
        *p = '\0';
        if (mkdir(path, 0755) < 0 && errno != EEXIST)
            fail_msg("mkdir %s: %s", path, strerror(errno));
        *p = '/';
    }
    f = fopen(path, "w");
    assert_non_null(f);
    fputs(content, f);
    fclose(f);
}
