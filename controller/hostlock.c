#include "controller/hostlock.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"

/* Who holds the lock, as its file says: "ovs-offloadd (pid 812)". */
static void describe_holder(int fd, char *buf, size_t size)
{
    char text[160], what[128];
    ssize_t n = pread(fd, text, sizeof text - 1, 0);
    long pid;

    if (n > 0) {
        text[n] = '\0';
        if (sscanf(text, "%ld %127[^\n]", &pid, what) == 2 && pid > 0) {
            snprintf(buf, size, "%s (pid %ld)", what, pid);
            return;
        }
    }
    /* flock(1), or a holder between taking the lock and writing its name. */
    snprintf(buf, size, "another process");
}

int oo_host_lock_take(struct oo_host_lock *l, const char *root, const char *what, int wait_ms,
                      oo_host_lock_waiting_fn *waiting, void *arg, char *holder, size_t holder_size)
{
    char dir[PATH_MAX], path[PATH_MAX + 8], who[200], line[160];
    int64_t deadline = oo_now_ms() + (wait_ms > 0 ? wait_ms : 0);
    int64_t step_ms = 10;
    bool told = false;
    int fd, r, n;

    l->fd = -1;
    snprintf(dir, sizeof dir, "%s" OO_HOST_LOCK_DIR, root);
    snprintf(path, sizeof path, "%s/lock", dir);
    if (holder && holder_size)
        oo_strlcpy(holder, path, holder_size);
    /* O_NOFOLLOW: root opens it, in a directory only root writes. The
     * directory is made on first use (tmpfs: after each boot). */
    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0 && errno == ENOENT) {
        if ((r = oo_mkdirs(dir)) < 0)
            return r;
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
    }
    if (fd < 0)
        return -errno;
    for (;;) {
        int64_t now;

        if (flock(fd, LOCK_EX | LOCK_NB) == 0)
            break;
        if (errno == EINTR)
            continue;
        if (errno != EWOULDBLOCK) {
            r = -errno;
            close(fd);
            return r;
        }
        /* The holder's name is read for the two messages, not each retry. */
        now = oo_now_ms();
        if (now >= deadline) {
            if (holder && holder_size)
                describe_holder(fd, holder, holder_size);
            close(fd);
            return -EWOULDBLOCK;
        }
        if (!told && waiting) {
            describe_holder(fd, who, sizeof who);
            waiting(arg, who);
        }
        told = true;
        oo_sleep_ms(step_ms < deadline - now ? step_ms : deadline - now);
        if (step_ms < 100)
            step_ms *= 2;
    }
    n = snprintf(line, sizeof line, "%ld %s\n", (long)getpid(), what);
    if (n >= (int)sizeof line)
        n = (int)sizeof line - 1;
    /* Only for waiters' messages: the lock holds without it. */
    if (ftruncate(fd, 0) < 0 || pwrite(fd, line, (size_t)n, 0) != n)
        oo_debug("%s: cannot write our name into it: %s", path, strerror(errno));
    l->fd = fd;
    return 0;
}

void oo_host_lock_release(struct oo_host_lock *l)
{
    if (l->fd < 0)
        return;
    /* Cleared first: a waiter reading it after the close finds no stale name. */
    if (ftruncate(l->fd, 0) < 0)
        oo_debug("host lock: cannot clear its file: %s", strerror(errno));
    close(l->fd);
    l->fd = -1;
}
