/* The daemon's state file (controller/daemonstate.h) on a real file system
 * and real processes: written and read back, told stale when its process is
 * gone or its pid reused, told alive by its pidfile's lock when its pid is
 * another namespace's, and the config digest it carries. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/util.h"
#include "config/config.h"
#include "controller/daemonstate.h"
#include "host.h"

static void write_text(const char *root, const char *text)
{
    char path[PATH_MAX], dir[PATH_MAX];
    int fd;

    snprintf(dir, sizeof dir, "%s/run/ovs-offload/", root);
    assert_int_equal(oo_mkdirs(dir), 0);
    snprintf(path, sizeof path, "%s" OO_DAEMON_STATE_PATH, root);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
}

static bool state_exists(const char *root)
{
    char path[PATH_MAX];

    snprintf(path, sizeof path, "%s" OO_DAEMON_STATE_PATH, root);
    return access(path, F_OK) == 0;
}

/* A pid that was a process and is not any more (reaped). */
static long dead_pid(void)
{
    pid_t pid = fork();

    assert_true(pid >= 0);
    if (pid == 0)
        _exit(0);
    assert_int_equal(waitpid(pid, NULL, 0), pid);
    return (long)pid;
}

static void test_format_parse(void **state)
{
    struct oo_daemon_state s = { .pid = 812, .start = 4242, .hostconf = true,
                                 .config = "/etc/yunion/host conf (1).conf", .digest = 0x0123456789abcdefULL,
                                 .loaded_ms = 1763784000123, .rejected_ms = 0 }, t;
    char buf[1024];
    int n = oo_daemon_state_format(&s, buf, sizeof buf);

    (void)state;
    assert_true(n > 0);
    assert_non_null(strstr(buf, "\ndigest 0123456789abcdef\n"));
    assert_int_equal(oo_daemon_state_parse(buf, (size_t)n, &t), 0);
    assert_false(t.found);
    assert_int_equal(t.pid, 812);
    assert_int_equal(t.start, 4242);
    assert_true(t.hostconf);
    assert_string_equal(t.config, s.config);
    assert_true(t.digest == s.digest);
    assert_int_equal(t.loaded_ms, s.loaded_ms);
    assert_int_equal(t.rejected_ms, 0);
    assert_false(t.watching);
    assert_non_null(strstr(buf, "\nwatch 0\n"));
    assert_false(t.awaits_nics);
    assert_non_null(strstr(buf, "\nawaits_nics 0\n"));
    assert_string_equal(t.pidfile, "");

    /* A daemon that reloads the file by itself (--watch-config). */
    s.watching = true;
    n = oo_daemon_state_format(&s, buf, sizeof buf);
    assert_true(n > 0);
    assert_non_null(strstr(buf, "\nwatch 1\n"));
    assert_int_equal(oo_daemon_state_parse(buf, (size_t)n, &t), 0);
    assert_true(t.watching);
    s.watching = false;

    /* A rejected reload that waits for the offload NICs it names. */
    s.rejected_ms = s.loaded_ms + 1000;
    s.awaits_nics = true;
    n = oo_daemon_state_format(&s, buf, sizeof buf);
    assert_true(n > 0);
    assert_non_null(strstr(buf, "\nawaits_nics 1\n"));
    assert_int_equal(oo_daemon_state_parse(buf, (size_t)n, &t), 0);
    assert_true(t.awaits_nics);
    assert_int_equal(t.rejected_ms, s.rejected_ms);
    s.awaits_nics = false;
    s.rejected_ms = 0;

    /* With the pidfile it holds locked. */
    strcpy(s.pidfile, "/run/openvswitch/ovs-offloadd.pid");
    n = oo_daemon_state_format(&s, buf, sizeof buf);
    assert_true(n > 0);
    assert_non_null(strstr(buf, "\npidfile /run/openvswitch/ovs-offloadd.pid\n"));
    assert_int_equal(oo_daemon_state_parse(buf, (size_t)n, &t), 0);
    assert_string_equal(t.pidfile, s.pidfile);
    assert_int_equal(oo_daemon_state_format(&s, buf, (size_t)n), -ENAMETOOLONG);

    /* Too small a buffer, a newline in a path. */
    assert_int_equal(oo_daemon_state_format(&s, buf, 40), -ENAMETOOLONG);
    strcpy(s.pidfile, "/run/a\nb");
    assert_int_equal(oo_daemon_state_format(&s, buf, sizeof buf), -EINVAL);
    s.pidfile[0] = '\0';
    strcpy(s.config, "/etc/a\nb");
    assert_int_equal(oo_daemon_state_format(&s, buf, sizeof buf), -EINVAL);
}

static void test_parse_rejects(void **state)
{
    static const char ok[] = "pid 1\nstart 2\nconfig /c\ndigest 00000000000000ff\n";
    static const char *const bad[] = {
        "start 2\nconfig /c\ndigest 00000000000000ff\n",               /* no pid */
        "pid 1\nconfig /c\ndigest 00000000000000ff\n",                 /* no start */
        "pid 1\nstart 2\ndigest 00000000000000ff\n",                   /* no config */
        "pid 1\nstart 2\nconfig /c\n",                                 /* no digest */
        "pid 1\nstart 2\nconfig /c\ndigest ff\n",                      /* short digest */
        "pid 1\nstart 2\nconfig /c\ndigest 00000000000000fg\n",        /* not hex */
        "pid -1\nstart 2\nconfig /c\ndigest 00000000000000ff\n",       /* negative */
        "pid 0\nstart 2\nconfig /c\ndigest 00000000000000ff\n",        /* zero */
        "pid 1x\nstart 2\nconfig /c\ndigest 00000000000000ff\n",
        "pid 1\nstart 2\nconfig /c\ndigest 00000000000000ff\nkind json\n",
        "pid 1\nstart 2\nconfig /c\ndigest 00000000000000ff\nloaded soon\n",
        "pid\nstart 2\nconfig /c\ndigest 00000000000000ff\n",          /* no value */
        "pid 1\nstart 2\nconfig /c\ndigest 00000000000000ff\npidfile run/x.pid\n", /* relative */
        "pid 1\nstart 2\nconfig /c\ndigest 00000000000000ff\nwatch yes\n",
        "pid 1\nstart 2\nconfig /c\ndigest 00000000000000ff\nwatch 2\n",
        "pid 1\nstart 2\nconfig /c\ndigest 00000000000000ff\nawaits_nics yes\n",
    };
    struct oo_daemon_state s;
    char text[256];

    (void)state;
    assert_int_equal(oo_daemon_state_parse(ok, strlen(ok), &s), 0);
    assert_int_equal(s.digest, 0xff);
    for (size_t i = 0; i < OO_ARRAY_SIZE(bad); i++) {
        if (oo_daemon_state_parse(bad[i], strlen(bad[i]), &s) != -EINVAL)
            fail_msg("accepted: %s", bad[i]);
    }
    /* Comments, blank lines and keys of a later version are fine. */
    snprintf(text, sizeof text, "# x\n\n%snew-key whatever\n", ok);
    assert_int_equal(oo_daemon_state_parse(text, strlen(text), &s), 0);
    /* A file of a daemon before "watch": not watching. */
    assert_false(s.watching);
}

/* Written by this process: read back alive, with every field; removed. */
static void test_write_read_remove(void **state)
{
    const char *root = *state;
    struct oo_daemon_state s = { .config = "/etc/ovs-offload/config.yaml", .digest = 77,
                                 .loaded_ms = 1000, .rejected_ms = 2000 }, t;
    uint64_t start;

    assert_int_equal(oo_daemon_state_read(root, &t), 0);       /* no file */
    assert_false(t.found);
    assert_int_equal(oo_daemon_state_write(root, &s), 0);      /* makes the directory */
    assert_int_equal(s.pid, (long)getpid());
    assert_int_equal(oo_proc_start_time(s.pid, &start), 0);
    assert_int_equal(s.start, start);
    assert_int_equal(oo_daemon_state_read(root, &t), 0);
    assert_true(t.found);
    assert_true(t.self);
    assert_int_equal(t.pid, (long)getpid());
    assert_string_equal(t.config, s.config);
    assert_int_equal(t.digest, 77);
    assert_int_equal(t.loaded_ms, 1000);
    assert_int_equal(t.rejected_ms, 2000);

    /* Written again: replaced. */
    s.digest = 78;
    s.rejected_ms = 0;
    assert_int_equal(oo_daemon_state_write(root, &s), 0);
    assert_int_equal(oo_daemon_state_read(root, &t), 0);
    assert_int_equal(t.digest, 78);
    assert_int_equal(t.rejected_ms, 0);

    oo_daemon_state_remove(root);
    assert_false(state_exists(root));
    assert_int_equal(oo_daemon_state_read(root, &t), 0);
    assert_false(t.found);
}

/* A file whose process is gone, or whose pid now names a process that
 * started at another time, is stale; one that is not ours is not removed. */
static void test_stale(void **state)
{
    const char *root = *state;
    struct oo_daemon_state t;
    uint64_t start;
    char text[256];
    long dead = dead_pid();

    snprintf(text, sizeof text, "pid %ld\nstart 1\nconfig /c\ndigest 0000000000000001\n", dead);
    write_text(root, text);
    assert_int_equal(oo_daemon_state_read(root, &t), 0);
    assert_false(t.found);
    assert_int_equal(t.pid, dead);

    /* This process's pid, another start time: a pid reused. */
    assert_int_equal(oo_proc_start_time((long)getpid(), &start), 0);
    snprintf(text, sizeof text, "pid %ld\nstart %llu\nconfig /c\ndigest 0000000000000001\n",
             (long)getpid(), (unsigned long long)start + 1);
    write_text(root, text);
    assert_int_equal(oo_daemon_state_read(root, &t), 0);
    assert_false(t.found);

    /* pid 1's file: read alive, and not removed by us. */
    assert_int_equal(oo_proc_start_time(1, &start), 0);
    snprintf(text, sizeof text, "pid 1\nstart %llu\nconfig /c\ndigest 0000000000000001\n",
             (unsigned long long)start);
    write_text(root, text);
    assert_int_equal(oo_daemon_state_read(root, &t), 0);
    assert_true(t.found);
    assert_false(t.self);
    oo_daemon_state_remove(root);
    assert_true(state_exists(root));

    /* Garbage: an error, nothing found. */
    write_text(root, "pid one\n");
    assert_int_equal(oo_daemon_state_read(root, &t), -EINVAL);
    assert_false(t.found);
    assert_int_equal(oo_proc_start_time(dead, &start), -ENOENT);
}

/* A daemon in another pid namespace: the pid and start time it wrote are
 * its namespace's and match nothing here, but while a process holds its
 * pidfile locked it is alive, named by the lock holder's pid as seen here.
 * Unlocked (the daemon killed) or removed (it exited), the file is stale. */
static void test_alive_by_pidfile_lock(void **state)
{
    const char *root = *state;
    struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
    struct oo_daemon_state t;
    char text[512], pidfile[PATH_MAX];
    int ready[2], go[2];
    char c = 0;
    pid_t child;
    int fd;

    /* pid 1 with a start time pid 1 never had: nothing alive by pid. */
    snprintf(text, sizeof text, "pid 1\nstart 1\nconfig /c\ndigest 0000000000000001\n"
             "pidfile /run/ovs-offloadd.pid\n");
    write_text(root, text);                 /* makes ROOT/run */
    snprintf(pidfile, sizeof pidfile, "%s/run/ovs-offloadd.pid", root);
    fd = open(pidfile, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(oo_daemon_state_read(root, &t), 0);
    assert_false(t.found);                  /* not locked */

    assert_int_equal(pipe(ready), 0);
    assert_int_equal(pipe(go), 0);
    child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        int lfd = open(pidfile, O_RDWR | O_CLOEXEC);
        if (lfd < 0 || fcntl(lfd, F_SETLK, &fl) < 0)
            _exit(1);
        (void)!write(ready[1], "x", 1);
        (void)!read(go[0], &c, 1);
        _exit(0);
    }
    assert_int_equal(read(ready[0], &c, 1), 1);
    assert_int_equal(oo_daemon_state_read(root, &t), 0);
    assert_true(t.found);
    assert_true(t.pid_ns_foreign);
    assert_int_equal(t.pid, (long)child);   /* the holder, as this namespace sees it */
    assert_string_equal(t.pidfile, "/run/ovs-offloadd.pid");

    assert_int_equal(write(go[1], "x", 1), 1);
    assert_int_equal(waitpid(child, NULL, 0), child);
    assert_int_equal(oo_daemon_state_read(root, &t), 0);
    assert_false(t.found);                  /* the lock went with it */
    assert_int_equal(unlink(pidfile), 0);
    assert_int_equal(oo_daemon_state_read(root, &t), 0);
    assert_false(t.found);                  /* no pidfile at all */
    close(ready[0]);
    close(ready[1]);
    close(go[0]);
    close(go[1]);
}

/* Whether another process sees path locked. */
static bool locked_for_others(const char *path)
{
    pid_t child = fork();
    int status;

    assert_true(child >= 0);
    if (child == 0) {
        struct flock q = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
        int fd = open(path, O_RDONLY | O_CLOEXEC);

        _exit(fd < 0 || fcntl(fd, F_GETLK, &q) < 0 ? 2 : q.l_type != F_UNLCK ? 0 : 1);
    }
    assert_int_equal(waitpid(child, &status, 0), child);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) < 2);
    return WEXITSTATUS(status) == 0;
}

/* A daemon reading a stale state file that names its own pidfile (the file
 * its predecessor wrote, not rewritten at its start): asking for that
 * file's lock would open and close it, and a close drops every POSIX lock
 * the process holds on the file, so a second daemon could start. */
static void test_own_pidfile_lock_kept(void **state)
{
    const char *root = *state;
    struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
    struct oo_daemon_state t;
    char text[512], pidfile[PATH_MAX];
    int fd;

    snprintf(text, sizeof text, "pid %ld\nstart 1\nconfig /c\ndigest 0000000000000001\n"
             "pidfile /run/ovs-offloadd.pid\n", dead_pid());
    write_text(root, text);
    snprintf(pidfile, sizeof pidfile, "%s/run/ovs-offloadd.pid", root);
    fd = open(pidfile, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    assert_true(fd >= 0);
    assert_int_equal(fcntl(fd, F_SETLK, &fl), 0);
    oo_daemon_state_own_pidfile(fd);
    assert_true(locked_for_others(pidfile));
    assert_int_equal(oo_daemon_state_read(root, &t), 0);
    assert_false(t.found);                  /* its writer is gone; we are not it */
    assert_true(locked_for_others(pidfile));
    oo_daemon_state_own_pidfile(-1);
    close(fd);
    assert_false(locked_for_others(pidfile));
}

/* The start time is found past a command name with spaces and parentheses,
 * and a child starts no earlier than its parent. */
static void test_start_time_odd_comm(void **state)
{
    int go[2], ready[2];
    uint64_t parent, child;
    pid_t pid;
    char c;

    (void)state;
    assert_int_equal(pipe(go), 0);
    assert_int_equal(pipe(ready), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        /* Ends when the parent does, even if one of its checks fails. */
        close(go[1]);
        close(ready[0]);
        prctl(PR_SET_NAME, "a) b (c) 1 2", 0, 0, 0);
        if (write(ready[1], "r", 1) != 1 || read(go[0], &c, 1) != 1)
            _exit(1);
        _exit(0);
    }
    assert_int_equal(read(ready[0], &c, 1), 1);
    assert_int_equal(oo_proc_start_time((long)getpid(), &parent), 0);
    assert_int_equal(oo_proc_start_time((long)pid, &child), 0);
    assert_true(child >= parent);
    assert_true(child < parent + 100 * 60 * 60);      /* not another field: an hour of ticks */
    assert_int_equal(write(go[1], "g", 1), 1);
    assert_int_equal(waitpid(pid, NULL, 0), pid);
    close(go[0]);
    close(go[1]);
    close(ready[0]);
    close(ready[1]);
}

/* The digest: equal texts, equal digests; any one byte changed, or a zero
 * byte added, changes it. The config loader sets it from the file's bytes. */
static void test_digest(void **state)
{
    const char *root = *state;
    unsigned char buf[100];
    char path[PATH_MAX];
    struct oo_config a, b;
    struct oo_cfg_diag d;
    uint64_t h;
    FILE *f;

    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (unsigned char)(i * 7);
    h = oo_digest(buf, sizeof buf);
    assert_true(h == oo_digest(buf, sizeof buf));
    for (size_t i = 0; i < sizeof buf; i++) {
        buf[i] ^= 1;
        assert_true(oo_digest(buf, sizeof buf) != h);
        buf[i] ^= 1;
    }
    buf[99] = 0;
    assert_true(oo_digest(buf, 99) != oo_digest(buf, 100));
    assert_true(oo_digest(NULL, 0) == oo_digest(buf, 0));

    snprintf(path, sizeof path, "%s/c.yaml", root);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("version: 1\n", f);
    fclose(f);
    oo_cfg_diag_init(&d, path);
    assert_int_equal(oo_config_load_yaml(path, &a, &d), 0);
    assert_int_equal(oo_config_load_yaml(path, &b, &d), 0);
    assert_true(a.digest != 0 && a.digest == b.digest);
    assert_true(a.digest == oo_digest("version: 1\n", 11));
    /* What --watch-config compares with the loaded config's. */
    assert_int_equal(oo_config_file_digest(path, NULL, &h), 0);
    assert_true(h == a.digest);
    oo_config_free(&b);
    f = fopen(path, "a");
    assert_non_null(f);
    fputs("# a comment\n", f);
    fclose(f);
    assert_int_equal(oo_config_load_yaml(path, &b, &d), 0);
    assert_true(a.digest != b.digest);
    assert_int_equal(oo_config_file_digest(path, NULL, &h), 0);
    assert_true(h == b.digest);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(oo_config_file_digest(path, NULL, &h), -ENOENT);
    assert_int_equal(oo_config_file_digest(root, NULL, &h), -EISDIR);
    oo_config_free(&a);
    oo_config_free(&b);
    oo_cfg_diag_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_parse),
        cmocka_unit_test(test_parse_rejects),
        cmocka_unit_test_setup_teardown(test_write_read_remove, host_tmp_root_setup, host_tmp_root_teardown),
        cmocka_unit_test_setup_teardown(test_stale, host_tmp_root_setup, host_tmp_root_teardown),
        cmocka_unit_test_setup_teardown(test_own_pidfile_lock_kept, host_tmp_root_setup,
                                        host_tmp_root_teardown),
        cmocka_unit_test_setup_teardown(test_alive_by_pidfile_lock, host_tmp_root_setup,
                                        host_tmp_root_teardown),
        cmocka_unit_test(test_start_time_odd_comm),
        cmocka_unit_test_setup_teardown(test_digest, host_tmp_root_setup, host_tmp_root_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
