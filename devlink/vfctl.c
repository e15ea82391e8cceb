#include "devlink/vfctl.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/util.h"

static int write_str(const char *path, const char *s)
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

int oo_sriov_set_num_vfs(const char *root, const struct oo_dl_handle *h, int num_vfs)
{
    char path[PATH_MAX], val[16];

    snprintf(path, sizeof path, "%s/sys/bus/%s/devices/%s/sriov_numvfs", root, h->bus, h->dev);
    snprintf(val, sizeof val, "%d", num_vfs);
    return write_str(path, val);
}

/* Calls fn for each virtfnN link of a PCI PF with the VF's directory and address. */
static int for_each_vf(const char *root, const struct oo_dl_handle *h,
                       int (*fn)(const char *root, const char *vfdir, const char *addr, unsigned *n),
                       unsigned *ret_n)
{
    char dir[PATH_MAX];
    DIR *d;
    struct dirent *e;
    int r = 0;

    *ret_n = 0;
    if (strcmp(h->bus, "pci"))
        return 0;
    snprintf(dir, sizeof dir, "%s/sys/bus/pci/devices/%s", root, h->dev);
    if (!(d = opendir(dir)))
        return -errno;
    while ((e = readdir(d)) && r == 0) {
        char link[PATH_MAX + 300], target[PATH_MAX];
        ssize_t len;
        const char *addr;

        if (strncmp(e->d_name, "virtfn", 6))
            continue;
        snprintf(link, sizeof link, "%s/%s", dir, e->d_name);
        len = readlink(link, target, sizeof target - 1);
        if (len < 0)
            continue;
        target[len] = '\0';
        addr = strrchr(target, '/') ? strrchr(target, '/') + 1 : target;
        r = fn(root, link, addr, ret_n);
    }
    closedir(d);
    return r;
}

static int unbind_one(const char *root, const char *vfdir, const char *addr, unsigned *n)
{
    char path[PATH_MAX + 400];
    int r;

    (void)root;
    snprintf(path, sizeof path, "%s/driver/unbind", vfdir);
    r = write_str(path, addr);
    if (r == -ENOENT)
        return 0;               /* no driver bound */
    if (r == 0)
        (*n)++;
    return r;
}

static int bind_one(const char *root, const char *vfdir, const char *addr, unsigned *n)
{
    char path[PATH_MAX + 400];
    int r;

    snprintf(path, sizeof path, "%s/driver", vfdir);
    if (access(path, F_OK) == 0)
        return 0;               /* bound already */
    snprintf(path, sizeof path, "%s/sys/bus/pci/drivers_probe", root);
    r = write_str(path, addr);
    if (r == 0)
        (*n)++;
    return r;
}

int oo_sriov_unbind_vfs(const char *root, const struct oo_dl_handle *h, unsigned *ret_n)
{
    return for_each_vf(root, h, unbind_one, ret_n);
}

int oo_sriov_bind_vfs(const char *root, const struct oo_dl_handle *h, unsigned *ret_n)
{
    return for_each_vf(root, h, bind_one, ret_n);
}
