/* The host lock (controller/hostlock.h) on a real file system: flock(2)
 * conflicts between two open files, in one process as between two, so each
 * test plays both writers from here (and a child where the point is that an
 * exit releases the lock). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/util.h"
#include "controller/hostlock.h"
#include "host.h"

struct waited {
    unsigned calls;
    char holder[256];
};

static void on_wait(void *arg, const char *holder)
{
    struct waited *w = arg;

    w->calls++;
    oo_strlcpy(w->holder, holder, sizeof w->holder);
}

static void lock_text(const char *root, char *buf, size_t size)
{
    char path[PATH_MAX];

    snprintf(path, sizeof path, "%s" OO_HOST_LOCK_PATH, root);
    assert_true(oo_read_file(path, buf, size) >= 0);
}

/* The first writer gets it (making the directory) and says who it is; a
 * second, not waiting, is told who holds it; once released, the second
 * gets it. */
static void test_exclusive(void **state)
{
    const char *root = *state;
    struct oo_host_lock a = OO_HOST_LOCK_INIT, b = OO_HOST_LOCK_INIT;
    char holder[256], text[128], want[128];

    assert_int_equal(oo_host_lock_take(&a, root, "writer a", 0, NULL, NULL, holder, sizeof holder), 0);
    assert_true(oo_host_lock_held(&a));
    lock_text(root, text, sizeof text);
    snprintf(want, sizeof want, "%ld writer a", (long)getpid());
    assert_string_equal(text, want);

    assert_int_equal(oo_host_lock_take(&b, root, "writer b", 0, NULL, NULL, holder, sizeof holder),
                     -EWOULDBLOCK);
    assert_false(oo_host_lock_held(&b));
    snprintf(want, sizeof want, "writer a (pid %ld)", (long)getpid());
    assert_string_equal(holder, want);

    oo_host_lock_release(&a);
    assert_false(oo_host_lock_held(&a));
    lock_text(root, text, sizeof text);
    assert_string_equal(text, "");
    assert_int_equal(oo_host_lock_take(&b, root, "writer b", 0, NULL, NULL, holder, sizeof holder), 0);
    oo_host_lock_release(&b);
    oo_host_lock_release(&b);   /* twice is harmless */
}

/* A waiter is told once whom it waits for, and gives up after its time. */
static void test_wait_times_out(void **state)
{
    const char *root = *state;
    struct oo_host_lock a = OO_HOST_LOCK_INIT, b = OO_HOST_LOCK_INIT;
    struct waited w = { 0 };
    char holder[256];
    int64_t t0;

    assert_int_equal(oo_host_lock_take(&a, root, "ovs-offloadd", 0, NULL, NULL, NULL, 0), 0);
    t0 = oo_now_ms();
    assert_int_equal(oo_host_lock_take(&b, root, "apply", 300, on_wait, &w, holder, sizeof holder),
                     -EWOULDBLOCK);
    assert_true(oo_now_ms() - t0 >= 300);
    assert_int_equal(w.calls, 1);
    assert_non_null(strstr(w.holder, "ovs-offloadd (pid "));
    assert_string_equal(holder, w.holder);
    oo_host_lock_release(&a);
}

struct delayed_release {
    struct oo_host_lock *l;
    int ms;
};

static void *release_later(void *arg)
{
    struct delayed_release *r = arg;
    struct timespec ts = { .tv_sec = 0, .tv_nsec = (long)r->ms * 1000000 };

    nanosleep(&ts, NULL);
    oo_host_lock_release(r->l);
    return NULL;
}

/* A waiter gets the lock when the holder lets it go. */
static void test_wait_then_take(void **state)
{
    const char *root = *state;
    struct oo_host_lock a = OO_HOST_LOCK_INIT, b = OO_HOST_LOCK_INIT;
    struct delayed_release rel = { .l = &a, .ms = 100 };
    struct waited w = { 0 };
    pthread_t t;

    assert_int_equal(oo_host_lock_take(&a, root, "first", 0, NULL, NULL, NULL, 0), 0);
    assert_int_equal(pthread_create(&t, NULL, release_later, &rel), 0);
    assert_int_equal(oo_host_lock_take(&b, root, "second", 10000, on_wait, &w, NULL, 0), 0);
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_int_equal(w.calls, 1);
    oo_host_lock_release(&b);
}

/* A holder that dies without releasing (SIGKILL, a crash) does not block
 * the next writer. */
static void test_holder_exit_releases(void **state)
{
    const char *root = *state;
    struct oo_host_lock b = OO_HOST_LOCK_INIT;
    int ready[2], status;
    char c;
    pid_t pid;

    assert_int_equal(pipe(ready), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct oo_host_lock a = OO_HOST_LOCK_INIT;

        if (oo_host_lock_take(&a, root, "doomed", 0, NULL, NULL, NULL, 0) < 0)
            _exit(1);
        if (write(ready[1], "x", 1) != 1)
            _exit(1);
        pause();
        _exit(0);
    }
    close(ready[1]);
    assert_int_equal(read(ready[0], &c, 1), 1);
    close(ready[0]);
    assert_int_equal(oo_host_lock_take(&b, root, "next", 0, NULL, NULL, NULL, 0), -EWOULDBLOCK);
    kill(pid, SIGKILL);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_int_equal(oo_host_lock_take(&b, root, "next", 2000, NULL, NULL, NULL, 0), 0);
    oo_host_lock_release(&b);
}

/* What cannot be a lock: a symlink where the file should be (not followed),
 * a file where the directory should be. The error says which file. */
static void test_bad_paths(void **state)
{
    const char *root = *state;
    struct oo_host_lock a = OO_HOST_LOCK_INIT;
    char path[PATH_MAX], dir[PATH_MAX], holder[PATH_MAX + 16];
    int fd;

    snprintf(dir, sizeof dir, "%s" OO_HOST_LOCK_DIR, root);
    assert_int_equal(oo_mkdirs(dir), 0);
    snprintf(path, sizeof path, "%s" OO_HOST_LOCK_PATH, root);
    assert_int_equal(symlink("/etc/hostname", path), 0);
    assert_int_equal(oo_host_lock_take(&a, root, "w", 0, NULL, NULL, holder, sizeof holder), -ELOOP);
    assert_string_equal(holder, path);
    assert_int_equal(unlink(path), 0);

    snprintf(path, sizeof path, "%s/file-root", root);
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(oo_host_lock_take(&a, path, "w", 0, NULL, NULL, holder, sizeof holder), -ENOTDIR);
    assert_non_null(strstr(holder, "/file-root" OO_HOST_LOCK_PATH));
    assert_false(oo_host_lock_held(&a));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_exclusive, host_tmp_root_setup, host_tmp_root_teardown),
        cmocka_unit_test_setup_teardown(test_wait_times_out, host_tmp_root_setup, host_tmp_root_teardown),
        cmocka_unit_test_setup_teardown(test_wait_then_take, host_tmp_root_setup, host_tmp_root_teardown),
        cmocka_unit_test_setup_teardown(test_holder_exit_releases, host_tmp_root_setup, host_tmp_root_teardown),
        cmocka_unit_test_setup_teardown(test_bad_paths, host_tmp_root_setup, host_tmp_root_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
