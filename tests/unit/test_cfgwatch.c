/* --watch-config's watcher (controller/cfgwatch.h): which events concern the
 * file (pure), and the watch on a real file system through the kernel's
 * inotify: writes in place, a file renamed over the config, other files of
 * the directory, a config that is a symlink whose target is edited in place
 * or swapped, and a target that moved, followed by rearming. */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "controller/cfgwatch.h"
#include "host.h"

static void test_relevant(void **state)
{
    struct oo_cfg_watch w = { .fd = -1, .wd = { 3, -1 }, .name = { "config.yaml", "" } };

    (void)state;
    assert_true(oo_cfg_watch_relevant(&w, 3, IN_CLOSE_WRITE, "config.yaml"));
    assert_true(oo_cfg_watch_relevant(&w, 3, IN_MOVED_TO, "config.yaml"));
    assert_true(oo_cfg_watch_relevant(&w, 3, IN_DELETE, "config.yaml"));
    assert_false(oo_cfg_watch_relevant(&w, 3, IN_CLOSE_WRITE, "config.yaml.swp"));
    assert_false(oo_cfg_watch_relevant(&w, 3, IN_MOVED_TO, "other.yaml"));
    assert_false(oo_cfg_watch_relevant(&w, 3, IN_CREATE, ""));
    /* Another watch descriptor, or none. */
    assert_false(oo_cfg_watch_relevant(&w, 4, IN_CLOSE_WRITE, "config.yaml"));
    assert_false(oo_cfg_watch_relevant(&w, -1, IN_CLOSE_WRITE, "config.yaml"));
    /* Events lost, the directory gone: look again. */
    assert_true(oo_cfg_watch_relevant(&w, -1, IN_Q_OVERFLOW, ""));
    assert_true(oo_cfg_watch_relevant(&w, 3, IN_IGNORED, ""));
    assert_true(oo_cfg_watch_relevant(&w, 3, IN_DELETE_SELF, ""));
    assert_true(oo_cfg_watch_relevant(&w, 3, IN_MOVE_SELF, ""));
    assert_false(oo_cfg_watch_relevant(&w, 5, IN_IGNORED, ""));

    /* A symlink: every entry of its directory; its target's by name. */
    w.any_name = true;
    w.wd[1] = 7;
    strcpy(w.name[1], "real.yaml");
    assert_true(oo_cfg_watch_relevant(&w, 3, IN_MOVED_TO, "..data"));
    assert_true(oo_cfg_watch_relevant(&w, 7, IN_CLOSE_WRITE, "real.yaml"));
    assert_false(oo_cfg_watch_relevant(&w, 7, IN_CLOSE_WRITE, "config.yaml"));
    assert_false(oo_cfg_watch_relevant(&w, 7, IN_CREATE, "x"));
}

static void write_file(const char *root, const char *name, const char *text)
{
    char path[PATH_MAX];
    FILE *f;

    snprintf(path, sizeof path, "%s/%s", root, name);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

static void path_of(char *buf, const char *root, const char *name)
{
    snprintf(buf, PATH_MAX, "%s/%s", root, name);
}

static void test_watch_file(void **state)
{
    const char *root = *state;
    struct oo_cfg_watch w;
    char cfg[PATH_MAX], tmp[PATH_MAX];

    write_file(root, "config.yaml", "version: 1\n");
    path_of(cfg, root, "config.yaml");
    assert_int_equal(oo_cfg_watch_open(&w, cfg), 0);
    assert_true(w.fd >= 0);
    assert_false(w.any_name);
    assert_int_equal(w.wd[1], -1);
    assert_int_equal(oo_cfg_watch_read(&w), 0);                /* nothing happened */

    write_file(root, "config.yaml", "version: 1\n# edited\n");
    assert_true(oo_cfg_watch_read(&w) > 0);
    assert_int_equal(oo_cfg_watch_read(&w), 0);                /* read once */

    /* Another file of the directory, and a swap file. */
    write_file(root, "notes.txt", "x\n");
    write_file(root, ".config.yaml.swp", "x\n");
    assert_int_equal(oo_cfg_watch_read(&w), 0);

    /* An agent's atomic write: a new file renamed over the config. */
    write_file(root, "config.yaml.new", "version: 1\n# new\n");
    path_of(tmp, root, "config.yaml.new");
    assert_int_equal(oo_cfg_watch_read(&w), 0);
    assert_int_equal(rename(tmp, cfg), 0);
    assert_true(oo_cfg_watch_read(&w) > 0);
    /* The watch is on the directory: the new inode is watched as well. */
    write_file(root, "config.yaml", "version: 1\n# again\n");
    assert_true(oo_cfg_watch_read(&w) > 0);

    /* Removed, then back. */
    assert_int_equal(unlink(cfg), 0);
    assert_true(oo_cfg_watch_read(&w) > 0);
    write_file(root, "config.yaml", "version: 1\n");
    assert_true(oo_cfg_watch_read(&w) > 0);
    oo_cfg_watch_close(&w);
    assert_int_equal(w.fd, -1);

    /* A directory that is not there. */
    path_of(tmp, root, "missing/config.yaml");
    assert_int_equal(oo_cfg_watch_open(&w, tmp), -ENOENT);
    assert_int_equal(w.fd, -1);
}

static void test_watch_symlink(void **state)
{
    const char *root = *state;
    struct oo_cfg_watch w;
    char link[PATH_MAX], sub[PATH_MAX], sub2[PATH_MAX], data[PATH_MAX], tmp[PATH_MAX];

    /* ConfigMap style: config.yaml -> ..data/config.yaml, ..data -> sub. */
    path_of(sub, root, "sub");
    path_of(sub2, root, "sub2");
    assert_int_equal(mkdir(sub, 0755), 0);
    assert_int_equal(mkdir(sub2, 0755), 0);
    write_file(root, "sub/config.yaml", "version: 1\n");
    write_file(root, "sub2/config.yaml", "version: 1\n# two\n");
    path_of(data, root, "..data");
    assert_int_equal(symlink("sub", data), 0);
    path_of(link, root, "config.yaml");
    assert_int_equal(symlink("..data/config.yaml", link), 0);

    assert_int_equal(oo_cfg_watch_open(&w, link), 0);
    assert_true(w.any_name);
    assert_true(w.wd[1] >= 0 && w.wd[1] != w.wd[0]);
    assert_string_equal(w.name[1], "config.yaml");

    /* The target edited in place: seen through its directory's watch. */
    write_file(root, "sub/config.yaml", "version: 1\n# edited\n");
    assert_true(oo_cfg_watch_read(&w) > 0);
    write_file(root, "sub/other.yaml", "x\n");
    assert_int_equal(oo_cfg_watch_read(&w), 0);

    /* ..data swapped to sub2 (a new symlink renamed over it). */
    path_of(tmp, root, "..data_tmp");
    assert_int_equal(symlink("sub2", tmp), 0);
    assert_true(oo_cfg_watch_read(&w) > 0);                    /* any entry of a symlink's directory */
    assert_int_equal(rename(tmp, data), 0);
    assert_true(oo_cfg_watch_read(&w) > 0);

    /* Until rearmed, sub2's file is not watched; after, it is, and sub's
     * no longer. */
    write_file(root, "sub2/config.yaml", "version: 1\n# two, edited\n");
    assert_int_equal(oo_cfg_watch_read(&w), 0);
    assert_int_equal(oo_cfg_watch_rearm(&w, link), 0);
    (void)oo_cfg_watch_read(&w);                               /* the old watch's IN_IGNORED */
    write_file(root, "sub2/config.yaml", "version: 1\n# two, edited again\n");
    assert_true(oo_cfg_watch_read(&w) > 0);
    write_file(root, "sub/config.yaml", "version: 1\n# stale\n");
    assert_int_equal(oo_cfg_watch_read(&w), 0);
    oo_cfg_watch_close(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_relevant),
        cmocka_unit_test_setup_teardown(test_watch_file, host_tmp_root_setup, host_tmp_root_teardown),
        cmocka_unit_test_setup_teardown(test_watch_symlink, host_tmp_root_setup, host_tmp_root_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
