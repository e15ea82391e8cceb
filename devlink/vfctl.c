#include "devlink/vfctl.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/util.h"

/* Creates (or truncates) a regular file holding s and a newline. */
static int create_str(const char *path, const char *s)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    ssize_t n;
    int err;

    if (fd < 0)
        return -errno;
    n = dprintf(fd, "%s\n", s);
    err = n < 0 ? -EIO : 0;
    if (close(fd) < 0 && !err)
        err = -errno;
    if (err)
        unlink(path);
    return err;
}

/* The last component of a symlink's target (a driver's or a device's name). */
int oo_sriov_set_num_vfs(const char *root, const struct oo_dl_handle *h, int num_vfs)
{
    char path[PATH_MAX], val[16];

    snprintf(path, sizeof path, "%s/sys/bus/%s/devices/%s/sriov_numvfs", root, h->bus, h->dev);
    snprintf(val, sizeof val, "%d", num_vfs);
    return oo_write_file(path, val);
}

/* Calls fn for each virtfnN link of a PCI PF with the link's path and the
 * VF's address; stops at the first error unless w->keep_going (then returns
 * the first error). */
struct walk {
    const char *root;
    const char *record;
    bool keep_going;
    struct oo_vfctl_result *res;
};

static int for_each_vf(const char *root, const struct oo_dl_handle *h, struct walk *w,
                       int (*fn)(struct walk *w, const char *vfdir, const char *addr))
{
    char dir[PATH_MAX];
    DIR *d;
    struct dirent *e;
    int first = 0;

    snprintf(dir, sizeof dir, "%s/sys/bus/pci/devices/%s", root, h->dev);
    if (!(d = opendir(dir)))
        return -errno;
    while ((e = readdir(d)) && (!first || w->keep_going)) {
        char link[PATH_MAX + 300], target[PATH_MAX];
        ssize_t len;
        const char *addr;
        int r;

        if (strncmp(e->d_name, "virtfn", 6))
            continue;
        snprintf(link, sizeof link, "%s/%s", dir, e->d_name);
        len = readlink(link, target, sizeof target - 1);
        if (len < 0)
            continue;
        target[len] = '\0';
        addr = strrchr(target, '/') ? strrchr(target, '/') + 1 : target;
        r = fn(w, link, addr);
        if (r < 0 && !first) {
            first = r;
            oo_strlcpy(w->res->failed, addr, sizeof w->res->failed);
        }
    }
    closedir(d);
    return first;
}

static bool has_driver(const char *vfdir)
{
    char path[PATH_MAX + 400];

    snprintf(path, sizeof path, "%s/driver", vfdir);
    return access(path, F_OK) == 0;
}

static int record_path(const char *record, const char *addr, char *buf, size_t size)
{
    /* A PCI address is a file name; anything with a slash or a dot first is not one. */
    if (!addr[0] || addr[0] == '.' || strchr(addr, '/'))
        return -EINVAL;
    return (size_t)snprintf(buf, size, "%s/%s", record, addr) < size ? 0 : -ENAMETOOLONG;
}

int oo_sriov_recorded_driver(const char *record, const char *addr, char *driver, size_t size)
{
    char path[PATH_MAX];
    int r;

    if ((r = record_path(record, addr, path, sizeof path)) < 0)
        return r;
    if ((r = oo_read_file(path, driver, size)) < 0)
        return r;
    /* A driver name is a directory name under drivers/. */
    return r == 0 || strchr(driver, '/') || driver[0] == '.' ? -EINVAL : 0;
}

static int unbind_one(struct walk *w, const char *vfdir, const char *addr)
{
    char path[PATH_MAX + 400], driver[NAME_MAX + 1], rec[PATH_MAX];
    int r;

    snprintf(path, sizeof path, "%s/driver", vfdir);
    if (oo_read_link_base(path, driver, sizeof driver) < 0)
        return 0;               /* no driver bound */
    if ((r = record_path(w->record, addr, rec, sizeof rec)) < 0 ||
        (r = create_str(rec, driver)) < 0)
        return r;
    snprintf(path, sizeof path, "%s/driver/unbind", vfdir);
    r = oo_write_file(path, addr);
    if (r < 0 && !has_driver(vfdir))
        r = 0;                  /* unbound meanwhile */
    if (r < 0) {
        unlink(rec);            /* still bound: nothing to bind back */
        return r;
    }
    w->res->n++;
    return 0;
}

static int bind_one(struct walk *w, const char *vfdir, const char *addr)
{
    char path[PATH_MAX + 400], driver[NAME_MAX + 1], rec[PATH_MAX];
    int r;

    if (record_path(w->record, addr, rec, sizeof rec) < 0)
        return 0;
    if (has_driver(vfdir)) {
        unlink(rec);            /* bound already: whoever did it, it is not ours to bind */
        return 0;
    }
    if (oo_sriov_recorded_driver(w->record, addr, driver, sizeof driver) < 0)
        return 0;               /* not unbound by us: left as it is */
    snprintf(path, sizeof path, "%s/sys/bus/pci/drivers/%s/bind", w->root, driver);
    r = oo_write_file(path, addr);
    /* The driver is gone (ENOENT), or the VF's driver_override names
     * another (ENODEV): let the bus choose, as autoprobe would have. */
    if (r == -ENOENT || r == -ENODEV) {
        snprintf(path, sizeof path, "%s/sys/bus/pci/drivers_probe", w->root);
        r = oo_write_file(path, addr);
        /* drivers_probe succeeds when no driver takes the device. */
        if (r == 0 && !has_driver(vfdir))
            r = -ENODEV;
    }
    /* Either way the record goes. A VF no driver takes or whose probe
     * fails is reported once: retried at every run, it would stop every
     * plan here. */
    unlink(rec);
    if (r < 0 && !has_driver(vfdir))
        return r;
    w->res->n++;                /* bound (by us, or by a probe that raced us) */
    return 0;
}

/* Removes the records of VFs that have a driver and of addresses that are
 * not VFs of the PF any more. */
void oo_sriov_prune_record(const char *root, const struct oo_dl_handle *h, const char *record)
{
    struct dirent *e;
    DIR *d;

    if (strcmp(h->bus, "pci") || !(d = opendir(record)))
        return;
    while ((e = readdir(d))) {
        char path[PATH_MAX + 300], pf[NAME_MAX + 1];

        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "%s/sys/bus/pci/devices/%s/physfn", root, e->d_name);
        if (oo_read_link_base(path, pf, sizeof pf) == 0 && !strcmp(pf, h->dev)) {
            snprintf(path, sizeof path, "%s/sys/bus/pci/devices/%s", root, e->d_name);
            if (!has_driver(path))
                continue;
        }
        snprintf(path, sizeof path, "%s/%s", record, e->d_name);
        unlink(path);
    }
    closedir(d);
}

int oo_sriov_unbind_vfs(const char *root, const struct oo_dl_handle *h, const char *record,
                        struct oo_vfctl_result *res)
{
    struct walk w = { root, record, false, res };
    char dir[PATH_MAX];
    int r;

    memset(res, 0, sizeof *res);
    if (strcmp(h->bus, "pci"))
        return 0;
    if (!oo_strlcpy(dir, record, sizeof dir))
        return -ENAMETOOLONG;
    if ((r = oo_mkdirs(dir)) < 0)
        return r;
    oo_sriov_prune_record(root, h, record);
    return for_each_vf(root, h, &w, unbind_one);
}

int oo_sriov_bind_vfs(const char *root, const struct oo_dl_handle *h, const char *record,
                      struct oo_vfctl_result *res)
{
    struct walk w = { root, record, true, res };

    memset(res, 0, sizeof *res);
    if (strcmp(h->bus, "pci"))
        return 0;
    oo_sriov_prune_record(root, h, record);
    return for_each_vf(root, h, &w, bind_one);
}

int oo_sriov_forget_vfs(const char *record)
{
    struct dirent *e;
    DIR *d;
    int r = 0;

    if (!(d = opendir(record)))
        return errno == ENOENT ? 0 : -errno;
    while ((e = readdir(d))) {
        char path[PATH_MAX + 300];

        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "%s/%s", record, e->d_name);
        if (unlink(path) < 0 && errno != ENOENT && !r)
            r = -errno;
    }
    closedir(d);
    return r;
}
