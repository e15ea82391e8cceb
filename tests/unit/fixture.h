/* Byte fixtures captured from the real kernel (tests/vm/capture-fixtures.sh). */
#ifndef OO_TESTS_FIXTURE_H
#define OO_TESTS_FIXTURE_H

#include <libmnl/libmnl.h>
#include <stddef.h>

/* Loads tests/fixtures/NAME; fails the test if it is missing. Free with free(). */
void *fixture_load(const char *name, size_t *ret_len);

/* The n-th (0-based) netlink message in a fixture buffer, or NULL. */
const struct nlmsghdr *fixture_msg(const void *buf, size_t len, unsigned n);

/* Number of messages in a fixture buffer of the given type. */
unsigned fixture_count(const void *buf, size_t len, uint16_t type);

/* A temporary directory, removed by fixture_rmtree(). */
char *fixture_mkdtemp(void);
void fixture_rmtree(const char *dir);
/* Creates dir/relpath (parents too) holding content. */
void fixture_write(const char *dir, const char *relpath, const char *content);

#endif
