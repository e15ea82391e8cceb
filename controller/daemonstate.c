#include "controller/daemonstate.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/util.h"

/* ---------------------------------------------------------------- text */

int oo_daemon_state_format(const struct oo_daemon_state *s, char *buf, size_t size)
{
    size_t used;
    int n;

    if (strchr(s->config, '\n') || strchr(s->pidfile, '\n'))
        return -EINVAL;
    n = snprintf(buf, size,
                 "# ovs-offloadd: the config it enforces (read by ovs-offloadctl)\n"
                 "pid %ld\nstart %" PRIu64 "\nkind %s\nconfig %s\ndigest %016" PRIx64 "\n"
                 "loaded %" PRId64 "\nrejected %" PRId64 "\nwatch %d\nawaits_nics %d\n",
                 s->pid, s->start, s->hostconf ? "hostconf" : "yaml", s->config, s->digest,
                 s->loaded_ms, s->rejected_ms, s->watching, s->awaits_nics);
    if (n < 0 || (size_t)n >= size)
        return -ENAMETOOLONG;
    used = (size_t)n;
    if (s->pidfile[0]) {
        n = snprintf(buf + used, size - used, "pidfile %s\n", s->pidfile);
        if (n < 0 || (size_t)n >= size - used)
            return -ENAMETOOLONG;
        used += (size_t)n;
    }
    return (int)used;
}

static bool parse_u64(const char *v, int base, uint64_t *ret)
{
    char *end;

    if (!*v || *v == '-' || *v == ' ')
        return false;
    errno = 0;
    *ret = strtoull(v, &end, base);
    return !errno && !*end;
}

static bool parse_i64(const char *v, int64_t *ret)
{
    char *end;

    if (!*v || *v == ' ')
        return false;
    errno = 0;
    *ret = strtoll(v, &end, 10);
    return !errno && !*end;
}

int oo_daemon_state_parse(const char *text, size_t len, struct oo_daemon_state *s)
{
    enum { HAVE_PID = 1, HAVE_START = 2, HAVE_DIGEST = 4, HAVE_CONFIG = 8 };
    char line[600];
    unsigned have = 0;
    size_t i = 0;

    memset(s, 0, sizeof *s);
    while (i < len) {
        const char *nl = memchr(text + i, '\n', len - i);
        size_t n = (nl ? (size_t)(nl - text) : len) - i;
        uint64_t u;
        char *v;
        bool ok;

        if (n >= sizeof line)
            return -EINVAL;
        memcpy(line, text + i, n);
        line[n] = '\0';
        i += n + 1;
        if (!n || line[0] == '#')
            continue;
        v = strchr(line, ' ');
        if (!v)
            return -EINVAL;
        *v++ = '\0';
        if (!strcmp(line, "pid")) {
            ok = parse_u64(v, 10, &u) && u > 0 && u <= INT32_MAX;
            s->pid = ok ? (long)u : 0;
            have |= HAVE_PID;
        } else if (!strcmp(line, "start")) {
            ok = parse_u64(v, 10, &s->start);
            have |= HAVE_START;
        } else if (!strcmp(line, "kind")) {
            ok = !strcmp(v, "yaml") || !strcmp(v, "hostconf");
            s->hostconf = !strcmp(v, "hostconf");
        } else if (!strcmp(line, "config")) {
            ok = *v && oo_strlcpy(s->config, v, sizeof s->config);
            have |= HAVE_CONFIG;
        } else if (!strcmp(line, "digest")) {
            ok = strlen(v) == 16 && parse_u64(v, 16, &s->digest);
            have |= HAVE_DIGEST;
        } else if (!strcmp(line, "loaded")) {
            ok = parse_i64(v, &s->loaded_ms);
        } else if (!strcmp(line, "rejected")) {
            ok = parse_i64(v, &s->rejected_ms);
        } else if (!strcmp(line, "watch")) {
            ok = !strcmp(v, "0") || !strcmp(v, "1");
            s->watching = v[0] == '1';
        } else if (!strcmp(line, "awaits_nics")) {
            ok = !strcmp(v, "0") || !strcmp(v, "1");
            s->awaits_nics = v[0] == '1';
        } else if (!strcmp(line, "pidfile")) {
            ok = v[0] == '/' && oo_strlcpy(s->pidfile, v, sizeof s->pidfile);
        } else {
            ok = true;      /* a key of a later version */
        }
        if (!ok)
            return -EINVAL;
    }
    return have == (HAVE_PID | HAVE_START | HAVE_DIGEST | HAVE_CONFIG) ? 0 : -EINVAL;
}

/* ---------------------------------------------------------------- files */

int oo_proc_start_time(long pid, uint64_t *ret_start)
{
    char path[64], buf[1024];
    const char *p;
    int r;

    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    r = oo_read_file(path, buf, sizeof buf);
    if (r < 0)
        return r;
    /* "PID (COMM) STATE PPID ...": COMM may hold spaces and parentheses, so
     * the fields are counted from its last ')'. State is field 3, the start
     * time field 22. */
    p = strrchr(buf, ')');
    if (!p)
        return -EINVAL;
    p++;
    for (int field = 2; field < 22; field++) {
        p = strchr(p, ' ');
        if (!p)
            return -EINVAL;
        p++;
    }
    errno = 0;
    *ret_start = strtoull(p, NULL, 10);
    return errno ? -errno : 0;
}

static void state_path(const char *root, const char *suffix, char *buf, size_t size)
{
    snprintf(buf, size, "%s%s%s", root, OO_DAEMON_STATE_PATH, suffix);
}

int oo_daemon_state_write(const char *root, struct oo_daemon_state *s)
{
    char path[4096], tmp[4096], text[1024];
    int fd, n, r;

    s->pid = (long)getpid();
    if ((r = oo_proc_start_time(s->pid, &s->start)) < 0)
        return r;
    if ((n = oo_daemon_state_format(s, text, sizeof text)) < 0)
        return n;
    state_path(root, "", path, sizeof path);
    state_path(root, ".new", tmp, sizeof tmp);
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0 && errno == ENOENT) {
        char dirs[4096];
        oo_strlcpy(dirs, tmp, sizeof dirs);
        *strrchr(dirs, '/') = '\0';            /* the file's directory */
        if ((r = oo_mkdirs(dirs)) < 0)
            return r;
        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
    }
    if (fd < 0)
        return -errno;
    if (write(fd, text, (size_t)n) != n) {
        r = errno ? -errno : -EIO;
        close(fd);
        unlink(tmp);
        return r;
    }
    close(fd);
    if (rename(tmp, path) < 0) {
        r = -errno;
        unlink(tmp);
        return r;
    }
    return 0;
}

void oo_daemon_state_remove(const char *root)
{
    struct oo_daemon_state s;
    char path[4096];

    /* Not another daemon's (one with a --pidfile of its own wrote it last). */
    if (oo_daemon_state_read(root, &s) < 0 || s.pid != (long)getpid())
        return;
    state_path(root, "", path, sizeof path);
    unlink(path);
}

/* The file of this process's own pidfile lock (oo_daemon_state_own_pidfile). */
static struct {
    bool set;
    dev_t dev;
    ino_t ino;
} own_pidfile;

void oo_daemon_state_own_pidfile(int fd)
{
    struct stat st;

    own_pidfile.set = fd >= 0 && fstat(fd, &st) == 0;
    if (own_pidfile.set) {
        own_pidfile.dev = st.st_dev;
        own_pidfile.ino = st.st_ino;
    }
}

/* Whether some process holds a POSIX lock on root+path: 1 yes, 0 no, or
 * -errno when the file cannot be opened. The kernel answers whatever pid
 * namespace the holder runs in; *holder is its pid as seen from here (0
 * when its namespace is not visible from here). A lock of this process's
 * own is not seen (F_GETLK reports conflicts only), and its own pidfile is
 * not opened at all: the close would drop its lock. */
static int lock_held(const char *root, const char *path, long *holder)
{
    struct flock q = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
    char full[4096];
    struct stat st;
    int fd, r;

    *holder = 0;
    snprintf(full, sizeof full, "%s%s", root, path);
    if (own_pidfile.set && stat(full, &st) == 0 && st.st_dev == own_pidfile.dev &&
        st.st_ino == own_pidfile.ino)
        return 0;
    fd = open(full, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0)
        return -errno;
    r = fcntl(fd, F_GETLK, &q) < 0 ? -errno : q.l_type != F_UNLCK;
    if (r == 1)
        *holder = q.l_pid > 0 ? (long)q.l_pid : 0;
    close(fd);
    return r;
}

int oo_daemon_state_read(const char *root, struct oo_daemon_state *s)
{
    char path[4096], text[2048];
    uint64_t start;
    long holder;
    ssize_t n;
    int fd, r;

    memset(s, 0, sizeof *s);
    state_path(root, "", path, sizeof path);
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return errno == ENOENT ? 0 : -errno;
    n = read(fd, text, sizeof text);
    r = n < 0 ? -errno : 0;
    close(fd);
    if (r < 0)
        return r;
    if ((size_t)n == sizeof text || (r = oo_daemon_state_parse(text, (size_t)n, s)) < 0) {
        memset(s, 0, sizeof *s);
        return -EINVAL;
    }
    /* Alive: the pid is a process that started when the writer did. */
    s->found = oo_proc_start_time(s->pid, &start) == 0 && start == s->start;
    s->self = s->found && s->pid == (long)getpid();
    /* Or its pidfile is locked: a daemon in another pid namespace (a
     * container sharing /run) wrote a pid and start time of its own
     * namespace, which mean nothing here, but its lock is the kernel's. */
    if (!s->found && s->pidfile[0] && lock_held(root, s->pidfile, &holder) == 1) {
        s->found = true;
        s->pid_ns_foreign = holder != s->pid;
        if (holder)
            s->pid = holder;
    }
    return 0;
}
