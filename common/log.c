#include "common/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "common/util.h"

static enum oo_log_level max_level = OO_LOG_INFO;
static oo_log_sink_fn log_sink;

void oo_log_set_sink(oo_log_sink_fn sink) { log_sink = sink; }

void oo_log_set_level(enum oo_log_level level) { max_level = level; }
enum oo_log_level oo_log_get_level(void) { return max_level; }

void oo_log(enum oo_log_level level, const char *fmt, ...)
{
    static const char *const prefix[] = {
        [OO_LOG_ERR] = "error: ", [OO_LOG_WARN] = "warning: ",
        [OO_LOG_INFO] = "", [OO_LOG_DEBUG] = "debug: ",
    };
    va_list ap;

    if (level > max_level)
        return;
    if (log_sink) {
        va_start(ap, fmt);
        log_sink(level, fmt, ap);
        va_end(ap);
        return;
    }
    fprintf(stderr, "ovs-offload: %s", prefix[level]);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/* ---------------------------------------------------------------- journal */

/* Whether line starts "FILE:LINE:COL: " (FILE without spaces). */
static bool is_diag_location(const char *line, size_t len)
{
    const char *end = line + len, *p = memchr(line, ':', len);

    if (!p || p == line || memchr(line, ' ', (size_t)(p - line)))
        return false;
    for (int field = 0; field < 2; field++) {
        const char *digits = ++p;

        while (p < end && *p >= '0' && *p <= '9')
            p++;
        if (p == digits || p == end || *p != ':')
            return false;
    }
    return end - p >= 2 && p[1] == ' ';
}

int oo_log_line_priority(const char *line, size_t len)
{
    /* vlog's levels, as its %p writes them (the daemon's journal pattern is
     * "%c|%p|%m": the level follows the first '|'). */
    static const struct { const char *name; int pri; } vlog[] = {
        { "EMER|", 0 }, { "ERR|", 3 }, { "WARN|", 4 }, { "INFO|", 6 }, { "DBG|", 7 },
    };
    /* Ours: "ovs-offload: error: ...", "FILE:3:5: warning: ...". */
    static const struct { const char *word; int pri; } words[] = {
        { ": error: ", 3 }, { ": warning: ", 4 }, { ": debug: ", 7 },
    };
    const char *bar = memchr(line, '|', len < 64 ? len : 64);

    if (bar) {
        size_t rest = len - (size_t)(bar + 1 - line);

        for (size_t i = 0; i < OO_ARRAY_SIZE(vlog); i++) {
            size_t n = strlen(vlog[i].name);
            if (rest >= n && !memcmp(bar + 1, vlog[i].name, n))
                return vlog[i].pri;
        }
    }
    for (size_t i = 0; i < OO_ARRAY_SIZE(words); i++)
        if (memmem(line, len, words[i].word, strlen(words[i].word)))
            return words[i].pri;
    /* ovs-offloadctl's usage errors, and config errors ("FILE:LINE:COL: ",
     * config/diag.c): errors, the only lines of their kinds. */
    if (len >= 16 && !memcmp(line, "ovs-offloadctl: ", 16))
        return 3;
    if (is_diag_location(line, len))
        return 3;
    return 6;
}

struct journal_cookie {
    int fd;
    bool mid_line;      /* the last write ended inside a line */
};

/* Writes all of iov[0..n-1] to fd, retrying after short writes. */
static int write_all(int fd, struct iovec *iov, int n)
{
    while (n > 0) {
        ssize_t w = writev(fd, iov, n);

        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        while (n > 0 && (size_t)w >= iov->iov_len) {
            w -= (ssize_t)iov->iov_len;
            iov++;
            n--;
        }
        if (n > 0) {
            iov->iov_base = (char *)iov->iov_base + w;
            iov->iov_len -= (size_t)w;
        }
    }
    return 0;
}

/* The stream's write: each line (a flush of the line buffer holds one, or
 * the part of a long one) with "<N>" before its first byte, in one writev,
 * so that another writer of fd 2 cannot come between prefix and line. */
static ssize_t journal_write(void *cookie_, const char *buf, size_t size)
{
    struct journal_cookie *cookie = cookie_;
    size_t off = 0;

    while (off < size) {
        const char *nl = memchr(buf + off, '\n', size - off);
        size_t n = nl ? (size_t)(nl - (buf + off)) + 1 : size - off;
        char prefix[3] = { '<', '6', '>' };
        struct iovec iov[2] = {
            { prefix, sizeof prefix }, { (char *)buf + off, n },
        };
        bool first = !cookie->mid_line;

        if (first)
            prefix[1] = (char)('0' + oo_log_line_priority(buf + off, n));
        if (write_all(cookie->fd, first ? iov : iov + 1, first ? 2 : 1) < 0)
            return -1;
        cookie->mid_line = nl == NULL;
        off += n;
    }
    return (ssize_t)size;
}

/* fclose() frees the cookie; the fd stays the caller's. */
static int journal_close(void *cookie)
{
    free(cookie);
    return 0;
}

FILE *oo_log_journal_stream(int fd)
{
    struct journal_cookie *cookie = calloc(1, sizeof *cookie);
    FILE *f;

    if (!cookie)
        return NULL;
    cookie->fd = fd;
    f = fopencookie(cookie, "w", (cookie_io_functions_t){ .write = journal_write,
                                                             .close = journal_close });
    if (!f) {
        free(cookie);
        return NULL;
    }
    /* Whole lines reach journal_write (up to the buffer's size). */
    setvbuf(f, NULL, _IOLBF, 4096);
    return f;
}

static int journal_state = -1;  /* unknown, then 0 or 1 */

bool oo_log_journal_stderr(void)
{
    const char *env = getenv("JOURNAL_STREAM");
    unsigned long long dev, ino;
    struct stat st;
    FILE *f;

    if (journal_state >= 0)
        return journal_state;
    journal_state = 0;
    if (!env || sscanf(env, "%llu:%llu", &dev, &ino) != 2 || fstat(STDERR_FILENO, &st) < 0 ||
        (unsigned long long)st.st_dev != dev || (unsigned long long)st.st_ino != ino)
        return false;
    f = oo_log_journal_stream(STDERR_FILENO);
    if (!f)
        return false;
    fflush(stderr);
    stderr = f;
    journal_state = 1;
    return true;
}

bool oo_log_journal_active(void)
{
    return journal_state == 1;
}
