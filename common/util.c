#include "common/util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void oom(void)
{
    fputs("ovs-offload: out of memory\n", stderr);
    abort();
}

void *oo_malloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        oom();
    return p;
}

void *oo_calloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        oom();
    return p;
}

void *oo_realloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p)
        oom();
    return p;
}

char *oo_strdup(const char *s)
{
    char *p = strdup(s);
    if (!p)
        oom();
    return p;
}

bool oo_strlcpy(char *dst, const char *src, size_t dst_size)
{
    size_t len = strlen(src);

    if (!dst_size)
        return false;
    if (len >= dst_size) {
        memcpy(dst, src, dst_size - 1);
        dst[dst_size - 1] = '\0';
        return false;
    }
    memcpy(dst, src, len + 1);
    return true;
}

static uint64_t digest_mix(uint64_t h, uint64_t w)
{
    h = (h ^ w) * 0xff51afd7ed558ccdULL;
    return h ^ (h >> 32);
}

uint64_t oo_digest(const void *buf, size_t len)
{
    const unsigned char *p = buf;
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ (uint64_t)len, w = 0;

    for (; len >= 8; p += 8, len -= 8) {
        memcpy(&w, p, 8);
        h = digest_mix(h, w);
    }
    w = 0;
    if (len)
        memcpy(&w, p, len);
    h = digest_mix(h, w);
    h ^= h >> 29;
    h *= 0xc4ceb9fe1a85ec53ULL;
    return h ^ (h >> 32);
}

const char *oo_fmt_wall_ms(int64_t ms, char *buf, size_t size)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;

    if (!gmtime_r(&t, &tm) || !strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm))
        snprintf(buf, size, "%lld ms", (long long)ms);
    return buf;
}

void oo_sleep_ms(int64_t ms)
{
    struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000 };

    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

int oo_mkdirs(char *path)
{
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(path, 0755) < 0 && errno != EEXIST) {
            int err = -errno;
            *p = '/';
            return err;
        }
        *p = '/';
    }
    return mkdir(path, 0755) < 0 && errno != EEXIST ? -errno : 0;
}

int oo_read_link_base(const char *path, char *buf, size_t size)
{
    char target[PATH_MAX];
    ssize_t len = readlink(path, target, sizeof target - 1);
    const char *base;

    if (size)
        buf[0] = '\0';
    if (len < 0)
        return -errno;
    target[len] = '\0';
    base = strrchr(target, '/');
    return oo_strlcpy(buf, base ? base + 1 : target, size) ? 0 : -ENAMETOOLONG;
}

int oo_write_file(const char *path, const char *s)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    ssize_t n;
    int err;

    if (fd < 0)
        return -errno;
    n = write(fd, s, strlen(s));
    err = n < 0 ? -errno : (size_t)n != strlen(s) ? -EIO : 0;
    if (close(fd) < 0 && !err)
        err = -errno;
    return err;
}

int oo_read_file(const char *path, char *buf, size_t buf_size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    size_t len = 0;

    if (fd < 0)
        return -errno;
    while (len + 1 < buf_size) {
        ssize_t n = read(fd, buf + len, buf_size - 1 - len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            int err = -errno;
            close(fd);
            return err;
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    close(fd);
    while (len && (buf[len - 1] == '\n' || buf[len - 1] == ' '))
        len--;
    buf[len] = '\0';
    return (int)len;
}

int oo_read_uint(const char *path, unsigned long *ret_value)
{
    char buf[64], *end;
    int r = oo_read_file(path, buf, sizeof buf);

    if (r < 0)
        return r;
    if (r == 0)
        return -EINVAL;
    errno = 0;
    unsigned long v = strtoul(buf, &end, 10);
    if (errno || *end)
        return -EINVAL;
    *ret_value = v;
    return 0;
}

const char *oo_enum_name(const char *const *table, size_t n, int v)
{
    return v >= 0 && (size_t)v < n ? table[v] : NULL;
}

int oo_enum_value(const char *const *table, size_t n, const char *s)
{
    for (size_t i = 0; s && i < n; i++)
        if (table[i] && !strcmp(table[i], s))
            return (int)i;
    return -EINVAL;
}

int64_t oo_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t oo_now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

size_t oo_utf8_seq_len(const unsigned char *p)
{
    unsigned char c = p[0];
    unsigned char lo = 0x80, hi = 0xbf;
    size_t n;

    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        n = 2;
    else if (c >= 0xe0 && c <= 0xef)
        n = 3;
    else if (c >= 0xf0 && c <= 0xf4)
        n = 4;
    else
        return 0;   /* a continuation byte, an overlong lead (c0, c1), f5..ff */
    /* The second byte's range rules out overlongs, surrogates and > U+10FFFF. */
    if (c == 0xe0)
        lo = 0xa0;
    else if (c == 0xed)
        hi = 0x9f;
    else if (c == 0xf0)
        lo = 0x90;
    else if (c == 0xf4)
        hi = 0x8f;
    if (p[1] < lo || p[1] > hi)
        return 0;   /* also the terminating NUL */
    for (size_t i = 2; i < n; i++)
        if (p[i] < 0x80 || p[i] > 0xbf)
            return 0;
    return n;
}
