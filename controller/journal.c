#include "controller/journal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/util.h"

int oo_journal_add_bond(const char *root, const char *name)
{
    char dir[PATH_MAX], path[PATH_MAX + 32];
    int fd, r;

    snprintf(dir, sizeof dir, "%s" OO_JOURNAL_BONDS, root);
    if ((r = oo_mkdirs(dir)) < 0)
        return r;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return -errno;
    /* The entry must survive a kill right after the create. */
    r = fsync(fd) < 0 ? -errno : 0;
    close(fd);
    return r;
}

int oo_journal_del_bond(const char *root, const char *name)
{
    char path[PATH_MAX];

    snprintf(path, sizeof path, "%s" OO_JOURNAL_BONDS "/%s", root, name);
    return unlink(path) < 0 && errno != ENOENT ? -errno : 0;
}

int oo_journal_read_bonds(const char *root, char ***ret_names, size_t *ret_n)
{
    char dir[PATH_MAX];
    struct dirent *e;
    DIR *d;

    *ret_names = NULL;
    *ret_n = 0;
    snprintf(dir, sizeof dir, "%s" OO_JOURNAL_BONDS, root);
    if (!(d = opendir(dir)))
        return errno == ENOENT ? 0 : -errno;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        *ret_names = oo_realloc(*ret_names, (*ret_n + 1) * sizeof **ret_names);
        (*ret_names)[(*ret_n)++] = oo_strdup(e->d_name);
    }
    closedir(d);
    return 0;
}

void oo_journal_vf_record(const char *root, const char *pf_dev, char *buf, size_t size)
{
    snprintf(buf, size, "%s" OO_JOURNAL_VFS "/%s", root, pf_dev);
}
