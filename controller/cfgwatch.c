#include "controller/cfgwatch.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/util.h"

/* What may change the file's bytes or what the path names. IN_MODIFY is
 * left out: IN_CLOSE_WRITE ends every write, without an event per write(). */
#define WATCH_MASK (IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE | \
                    IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR)

/* path's directory and last component. */
static int split(const char *path, char *dir, size_t dir_size, char *name, size_t name_size)
{
    const char *slash = strrchr(path, '/');
    size_t dlen;

    if (!slash) {
        oo_strlcpy(dir, ".", dir_size);
        slash = path - 1;
    } else {
        dlen = slash == path ? 1 : (size_t)(slash - path);
        if (dlen >= dir_size)
            return -ENAMETOOLONG;
        memcpy(dir, path, dlen);
        dir[dlen] = '\0';
    }
    if (!slash[1])
        return -EISDIR;
    return oo_strlcpy(name, slash + 1, name_size) ? 0 : -ENAMETOOLONG;
}

int oo_cfg_watch_rearm(struct oo_cfg_watch *w, const char *path)
{
    char dir[PATH_MAX], name[NAME_MAX + 1], rdir[PATH_MAX], rname[NAME_MAX + 1];
    struct stat st;
    char *real;
    int wd0, wd1 = -1, r;

    if ((r = split(path, dir, sizeof dir, name, sizeof name)) < 0)
        return r;
    wd0 = inotify_add_watch(w->fd, dir, WATCH_MASK);
    if (wd0 < 0)
        return -errno;
    rname[0] = '\0';
    real = realpath(path, NULL);
    if (real && split(real, rdir, sizeof rdir, rname, sizeof rname) == 0 &&
        (strcmp(rdir, dir) || strcmp(rname, name)))
        wd1 = inotify_add_watch(w->fd, rdir, WATCH_MASK);   /* -1: the first one still sees renames */
    free(real);
    /* Watches of directories no longer on the way. */
    for (int i = 0; i < 2; i++)
        if (w->wd[i] >= 0 && w->wd[i] != wd0 && w->wd[i] != wd1)
            inotify_rm_watch(w->fd, w->wd[i]);
    w->wd[0] = wd0;
    w->wd[1] = wd1;
    oo_strlcpy(w->name[0], name, sizeof w->name[0]);
    oo_strlcpy(w->name[1], wd1 >= 0 ? rname : "", sizeof w->name[1]);
    w->any_name = lstat(path, &st) == 0 && S_ISLNK(st.st_mode);
    return 0;
}

int oo_cfg_watch_open(struct oo_cfg_watch *w, const char *path)
{
    int r;

    *w = (struct oo_cfg_watch)OO_CFG_WATCH_INIT;
    w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (w->fd < 0)
        return -errno;
    if ((r = oo_cfg_watch_rearm(w, path)) < 0)
        oo_cfg_watch_close(w);
    return r;
}

bool oo_cfg_watch_relevant(const struct oo_cfg_watch *w, int wd, uint32_t mask, const char *name)
{
    if (mask & IN_Q_OVERFLOW)
        return true;            /* events were lost: any of them may have been the file's */
    for (int i = 0; i < 2; i++) {
        if (wd < 0 || wd != w->wd[i])
            continue;
        /* The directory itself went (or our watch on it ended). */
        if (mask & (IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF))
            return true;
        if ((i == 0 && w->any_name) || (name && w->name[i][0] && !strcmp(name, w->name[i])))
            return true;
    }
    return false;
}

int oo_cfg_watch_read(struct oo_cfg_watch *w)
{
    char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
    int relevant = 0;

    if (w->fd < 0)
        return 0;
    for (;;) {
        ssize_t n = read(w->fd, buf, sizeof buf);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        if (n < 0)
            return -errno;
        if (n == 0)
            break;
        for (ssize_t off = 0; off + (ssize_t)sizeof(struct inotify_event) <= n;) {
            const struct inotify_event *ev = (const struct inotify_event *)(buf + off);

            relevant += oo_cfg_watch_relevant(w, ev->wd, ev->mask, ev->len ? ev->name : "");
            off += (ssize_t)(sizeof *ev + ev->len);
        }
    }
    return relevant;
}

void oo_cfg_watch_close(struct oo_cfg_watch *w)
{
    if (w->fd >= 0)
        close(w->fd);
    *w = (struct oo_cfg_watch)OO_CFG_WATCH_INIT;
}
