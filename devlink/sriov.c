#include "devlink/sriov.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
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

/* ------------------------------------------------------------- VF devices */

/* Appends name to the comma list users unless it is there already. A name
 * that does not fit is left out: the list stays non-empty, which is what
 * "in use" means. */
static void add_user(char *users, size_t size, const char *name)
{
    size_t len = strlen(users), nlen = strlen(name);

    for (const char *p = users; *p;) {
        const char *comma = strchr(p, ',');
        size_t plen = comma ? (size_t)(comma - p) : strlen(p);

        if (plen == nlen && !memcmp(p, name, nlen))
            return;
        p += plen + (comma != NULL);
    }
    if (len + (len ? 1 : 0) + nlen + 1 > size)
        return;
    if (len)
        users[len++] = ',';
    memcpy(users + len, name, nlen + 1);
}

static int str_order(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in directory path that start with prefix (not "." and ".."),
 * without the prefix, sorted (directory order is no order). Returns how many
 * (0 when path cannot be read); free with free_names. */
static size_t list_dir(const char *path, const char *prefix, char ***ret)
{
    size_t plen = strlen(prefix), n = 0;
    char **names = NULL;
    struct dirent *e;
    DIR *d = opendir(path);

    *ret = NULL;
    if (!d)
        return 0;
    while ((e = readdir(d)))
        if (!strncmp(e->d_name, prefix, plen) && e->d_name[plen] && e->d_name[0] != '.') {
            names = oo_realloc(names, (n + 1) * sizeof *names);
            names[n++] = oo_strdup(e->d_name + plen);
        }
    closedir(d);
    if (n > 1)
        qsort(names, n, sizeof *names, str_order);
    *ret = names;
    return n;
}

static void free_names(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* Adds the upper devices of netdev (its /sys/class/net/<dev>/upper_* links). */
static void add_uppers(const char *root, const char *netdev, char *users, size_t size)
{
    char path[PATH_MAX], **names;
    size_t n;

    snprintf(path, sizeof path, "%s/sys/class/net/%s", root, netdev);
    n = list_dir(path, "upper_", &names);
    for (size_t i = 0; i < n; i++)
        add_user(users, size, names[i]);
    free_names(names, n);
}

/* "virtfn<N>" -> N; -1 for any other name. */
static int64_t virtfn_id(const char *name)
{
    const char *p = name + 6;
    char *end;
    unsigned long v;

    if (strncmp(name, "virtfn", 6) || !isdigit((unsigned char)*p))
        return -1;
    errno = 0;
    v = strtoul(p, &end, 10);
    return errno || *end || v > UINT32_MAX ? -1 : (int64_t)v;
}

/* Whether a VF bound to driver is held for someone else than the host's
 * network stack: a VM (vfio-pci, or a vfio variant driver such as
 * mlx5_vfio_pci for live migration), DPDK (uio_pci_generic, igb_uio), or
 * passthrough later (pci-stub). A VF bound to its PF's own VF driver
 * (mlx5_core; iavf on other NICs) is the host's. */
static bool assignment_driver(const char *driver)
{
    static const char *const uio[] = { "uio_pci_generic", "igb_uio", "pci-stub" };

    if (strstr(driver, "vfio"))
        return true;
    for (size_t i = 0; i < OO_ARRAY_SIZE(uio); i++)
        if (!strcmp(driver, uio[i]))
            return true;
    return false;
}

static void read_vfdev(const char *pf_dir, uint32_t id, const char *root, struct oo_obs_vfdev *v)
{
    char path[PATH_MAX + 64], **netdevs;
    size_t n;

    memset(v, 0, sizeof *v);
    v->id = id;
    snprintf(path, sizeof path, "%s/virtfn%u", pf_dir, id);
    oo_read_link_base(path, v->addr, sizeof v->addr);
    snprintf(path, sizeof path, "%s/virtfn%u/driver", pf_dir, id);
    oo_read_link_base(path, v->driver, sizeof v->driver);
    if (assignment_driver(v->driver))
        add_user(v->users, sizeof v->users, v->driver);
    snprintf(path, sizeof path, "%s/virtfn%u/net", pf_dir, id);
    n = list_dir(path, "", &netdevs);
    if (n && !oo_strlcpy(v->netdev, netdevs[0], sizeof v->netdev))
        v->netdev[0] = '\0';       /* no netdev name is that long */
    for (size_t i = 0; i < n; i++)
        add_uppers(root, netdevs[i], v->users, sizeof v->users);
    free_names(netdevs, n);
    /* sysfs shows a device's netdevs of our network namespace only: an
     * empty net/ (it exists while the device has a netdev) means they were
     * moved to another, as SR-IOV CNI moves a VF into a pod. */
    if (!n && access(path, F_OK) == 0)
        add_user(v->users, sizeof v->users, "a netdev in another network namespace");
}

static int vfdev_order(const void *a, const void *b)
{
    uint32_t x = ((const struct oo_obs_vfdev *)a)->id, y = ((const struct oo_obs_vfdev *)b)->id;

    return (x > y) - (x < y);
}

int oo_sriov_read_vfdevs(const char *root, const struct oo_dl_handle *h,
                         struct oo_obs_vfdev **ret, size_t *ret_n)
{
    char dir[PATH_MAX];
    struct oo_obs_vfdev *vfs = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    DIR *d;

    *ret = NULL;
    *ret_n = 0;
    if (strcmp(h->bus, "pci"))
        return 0;
    snprintf(dir, sizeof dir, "%s/sys/bus/pci/devices/%s", root, h->dev);
    if (!(d = opendir(dir)))
        return -errno;
    while ((e = readdir(d))) {
        int64_t id = virtfn_id(e->d_name);

        if (id < 0)
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 8;
            vfs = oo_realloc(vfs, cap * sizeof *vfs);
        }
        read_vfdev(dir, (uint32_t)id, root, &vfs[n++]);
    }
    closedir(d);
    if (n > 1)
        qsort(vfs, n, sizeof *vfs, vfdev_order);
    *ret = vfs;
    *ret_n = n;
    return 0;
}

/* ------------------------------------------------------------------ VF-LAG */

int oo_sriov_read_lag_active(const char *root, const struct oo_dl_handle *h)
{
    char path[PATH_MAX], state[32], driver[64];
    int r;

    if (strcmp(h->bus, "pci"))
        return -EOPNOTSUPP;
    snprintf(path, sizeof path, "%s/sys/kernel/debug/mlx5/%s/lag/state", root, h->dev);
    if ((r = oo_read_file(path, state, sizeof state)) >= 0)
        return !strcmp(state, "active");
    /* Unreadable: say whether it should have been, and why it is not. */
    snprintf(path, sizeof path, "%s/sys/bus/pci/devices/%s/driver", root, h->dev);
    oo_read_link_base(path, driver, sizeof driver);
    snprintf(path, sizeof path, "%s/sys/kernel/debug/mlx5/%s", root, h->dev);
    if (strcmp(driver, "mlx5_core") && access(path, F_OK) < 0)
        return -EOPNOTSUPP;
    if (r != -ENOENT)
        return r;                   /* -EACCES: not root, or kernel lockdown */
    snprintf(path, sizeof path, "%s/sys/kernel/debug/mlx5", root);
    if (access(path, F_OK) < 0)
        return -ENOENT;             /* debugfs not mounted */
    /* mlx5 makes lag/ only for a PF that can join a LAG (LAG-capable
     * firmware, 2+ ports); kernels before the file have none either. */
    return -ENODATA;
}

const char *oo_sriov_lag_err_text(int err)
{
    switch (err) {
    case -ENOENT:
        return "debugfs is not mounted on /sys/kernel/debug";
    case -ENODATA:
        return "mlx5 publishes no lag/state for this PF: no LAG capability, or a kernel older than the file";
    case -EACCES:
    case -EPERM:
        return "debugfs refuses the read: run as root (kernel lockdown can forbid it too)";
    default:
        return strerror(-err);
    }
}
