/* Small helpers shared by every layer. */
#ifndef OO_COMMON_UTIL_H
#define OO_COMMON_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#define OO_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Allocation that aborts on exhaustion: a controller that cannot allocate a few
 * bytes cannot do anything sensible either. */
void *oo_malloc(size_t n);
void *oo_calloc(size_t n, size_t size);
void *oo_realloc(void *p, size_t n);
char *oo_strdup(const char *s);

/* Copies at most dst_size - 1 bytes of src and always NUL-terminates. Returns
 * true if src fit. */
bool oo_strlcpy(char *dst, const char *src, size_t dst_size);

/* mkdir -p, mode 0755: creates path and its missing parents (path is
 * modified while it runs, and restored). Returns 0 or -errno. */
int oo_mkdirs(char *path);

/* Reads a whole small file (sysfs/debugfs attribute) into buf, NUL-terminated,
 * trailing newline removed. Returns the length, or -errno. */
int oo_read_file(const char *path, char *buf, size_t buf_size);

/* Writes s to an existing file (a sysfs or /proc/sys attribute) in one
 * write(2), as `echo -n s > path` would. Returns 0 or -errno (the kernel's
 * answer to the write, or to the close). */
int oo_write_file(const char *path, const char *s);

/* The last component of the symlink at path (sysfs: a device's driver, a
 * netdev's master) into buf. Returns 0, or -errno with buf "" when path is
 * no link, -ENAMETOOLONG when the name does not fit. */
int oo_read_link_base(const char *path, char *buf, size_t size);

/* Reads a file holding one decimal integer. Returns 0 or -errno (-EINVAL if the
 * content is not a number). */
int oo_read_uint(const char *path, unsigned long *ret_value);

/* A 64-bit digest of len bytes, to tell whether two texts are the same (not
 * a cryptographic hash: for files only root can write). Every step is a
 * bijection of the state, so texts that differ in one 8-byte word always
 * get different digests; the length is mixed in. Native byte order: compare
 * digests made on the same host only. */
uint64_t oo_digest(const void *buf, size_t len);

/* The length (1 to 4) of the well-formed UTF-8 sequence p starts (RFC 3629:
 * no overlong forms, no surrogates, nothing above U+10FFFF), or 0 when p does
 * not start one. p is NUL-terminated; *p is not NUL. Linux allows any byte
 * but '/' and NUL in a netdev name, so JSON and Prometheus writers check. */
size_t oo_utf8_seq_len(const unsigned char *p);

/* The replacement for a byte that starts no UTF-8 sequence: U+FFFD. */
#define OO_UTF8_REPLACEMENT "\xef\xbf\xbd"

/* Sleeps ms milliseconds, the whole of them even when a signal comes. */
void oo_sleep_ms(int64_t ms);

/* A wall-clock time in ms as UTC ISO 8601, "2026-11-22T04:01:22Z", as the
 * daemon's log writes it; returns buf (size >= 21). */
const char *oo_fmt_wall_ms(int64_t ms, char *buf, size_t size);

/* Monotonic clock in milliseconds. */
int64_t oo_now_ms(void);
/* The same in microseconds, for timing the steps of a run (-v). */
int64_t oo_now_us(void);

/* enum <-> string through a table indexed by value (holes are NULL): the
 * name of v, or NULL; the value named s, or -EINVAL. One implementation for
 * every layer's tables (config, plan output, JSON and metrics spell alike). */
const char *oo_enum_name(const char *const *table, size_t n, int v);
int oo_enum_value(const char *const *table, size_t n, const char *s);

static inline void oo_freep(void *p) { free(*(void **)p); }
#define _cleanup_free_ __attribute__((cleanup(oo_freep)))

#endif
