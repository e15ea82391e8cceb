/* ovs-offloadd --watch-config: noticing that the config file changed, so that
 * the daemon reloads it without being told (Cloudpods host-agent rewrites
 * host.conf and knows nothing of ovs-offloadd; config management tools
 * write the YAML and may not reload).
 *
 * inotify watches the file's directory, not the file: editors and agents
 * replace a file by renaming a new one over it (a watch on the old inode
 * would go quiet), and a file removed and created again is seen too. When
 * the path resolves elsewhere (a symlink, or a symlinked directory), the
 * target's directory is watched as well, for edits of the target in place;
 * and when the path itself is a symlink every entry change of its directory
 * counts, since swapping a symlink on the way (what Kubernetes does with a
 * ConfigMap's ..data) changes what the path names without touching its
 * name. The watches are armed again after each change, to follow a moved
 * target.
 *
 * Events only say "look again". The daemon waits for them to settle, then
 * compares the file's digest with the loaded config's, so a write of the
 * same bytes, a touch, or another file of the directory reloads nothing. */
#ifndef OO_CONTROLLER_CFGWATCH_H
#define OO_CONTROLLER_CFGWATCH_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

struct oo_cfg_watch {
    int fd;                         /* inotify, -1: not watching */
    int wd[2];                      /* [0] the path's directory, [1] its target's; -1 none */
    char name[2][NAME_MAX + 1];     /* the entry that is the file in each */
    bool any_name;                  /* the path is a symlink: every entry of [0] counts */
};

#define OO_CFG_WATCH_INIT { .fd = -1, .wd = { -1, -1 } }

/* Starts watching path (the config file as the daemon names it). Returns 0,
 * or -errno (inotify unavailable or out of instances or watches; the path's
 * directory missing). */
int oo_cfg_watch_open(struct oo_cfg_watch *w, const char *path);

/* Resolves path again and moves the watches to where it leads now. Returns
 * 0, or -errno when its directory cannot be watched (the watch goes on with
 * what it had). */
int oo_cfg_watch_rearm(struct oo_cfg_watch *w, const char *path);

/* Reads every pending event without blocking. Returns how many of them may
 * concern the file (0 when none; a queue overflow counts), or -errno. */
int oo_cfg_watch_read(struct oo_cfg_watch *w);

/* Whether one event (its watch descriptor, mask and name, "" for none) may
 * concern the file. Pure. */
bool oo_cfg_watch_relevant(const struct oo_cfg_watch *w, int wd, uint32_t mask, const char *name);

void oo_cfg_watch_close(struct oo_cfg_watch *w);

#endif
