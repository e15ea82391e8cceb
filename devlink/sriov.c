#include "devlink/sriov.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/util.h"

static int read_int(const char *path)
{
    unsigned long v;

    if (oo_read_uint(path, &v) < 0 || v > INT_MAX)
        return -1;
    return (int)v;
}

int oo_sriov_read(const char *root, const struct oo_dl_handle *h, struct oo_sriov *out)
{
    char dir[PATH_MAX], path[PATH_MAX + 32];

    *out = (struct oo_sriov){ false, -1, -1, -1 };
    snprintf(dir, sizeof dir, "%s/sys/bus/%s/devices/%s", root, h->bus, h->dev);
    if (access(dir, F_OK) < 0)
        return -errno;

    snprintf(path, sizeof path, "%s/sriov_numvfs", dir);
    if (access(path, F_OK) < 0)
        return 0;
    out->capable = true;
    out->num_vfs = read_int(path);

    snprintf(path, sizeof path, "%s/sriov_totalvfs", dir);
    out->total_vfs = read_int(path);
    if (out->total_vfs < 0 && !strcmp(h->bus, "netdevsim")) {
        snprintf(path, sizeof path, "%s/sys/kernel/debug/netdevsim/%s/max_vfs", root, h->dev);
        out->total_vfs = read_int(path);
    }

    snprintf(path, sizeof path, "%s/sriov_drivers_autoprobe", dir);
    out->drivers_autoprobe = read_int(path);
    return 0;
}
