/* oo_ovs_restart(): run the configured restart command (ovsdb.h). No OVS
 * header: this is plain process handling, kept next to the OVSDB code that
 * decides when it is needed.
 *
 * posix_spawn() rather than fork()+exec(): safe in a threaded caller. argv[0]
 * is looked up in PATH here, as execvp() would, so that "not found" and "not
 * executable" are reported as such even where posix_spawn() cannot report a
 * failed exec (it then exits 127, e.g. under valgrind). The child gets
 * stdin and stdout on /dev/null, stderr on a memory file whose end is read
 * when it has exited, an empty signal mask and default dispositions (the
 * caller may block or ignore signals that systemctl or a script rely on), and
 * its own process group, so that a timeout kills the command and whatever it
 * started in the foreground. A daemon it starts (ovs-vswitchd --detach)
 * leaves the group by setsid() and may keep that file open: we wait for the
 * command's exit, not for its stderr to close. */
#include "ovsdb/ovsdb.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/util.h"
#include "ovsdb/ovs-env.h"

extern char **environ;

/* Bytes of stderr kept (the end). */
#define TAIL_KEEP 2048
/* After SIGTERM on timeout, how long before SIGKILL. */
#define KILL_GRACE_MS 1000

struct tail {
    char buf[TAIL_KEEP];
    size_t len;
};

/* The end of what the command wrote to its stderr file (fd < 0: none). */
static void read_tail(int fd, struct tail *t)
{
    struct stat st;
    off_t from;
    ssize_t n;

    t->len = 0;
    if (fd < 0 || fstat(fd, &st) < 0)
        return;
    from = st.st_size > (off_t)sizeof t->buf ? st.st_size - (off_t)sizeof t->buf : 0;
    do
        n = pread(fd, t->buf, sizeof t->buf, from);
    while (n < 0 && errno == EINTR);
    if (n > 0)
        t->len = (size_t)n;
}

/* The last lines of t, newlines shown as " | ", at most max bytes. */
static void tail_format(const struct tail *t, char *out, size_t max)
{
    size_t start = 0, end = t->len, o = 0;

    while (end > 0 && (t->buf[end - 1] == '\n' || t->buf[end - 1] == ' '))
        end--;
    if (max < 8) {
        out[0] = '\0';
        return;
    }
    if (end > max / 2)
        start = end - max / 2;   /* room for the " | " expansions */
    for (size_t i = start; i < end && o + 4 < max; i++) {
        char c = t->buf[i];

        if (c == '\n') {
            memcpy(out + o, " | ", 3);
            o += 3;
        } else {
            out[o++] = (c >= 0x20 && c < 0x7f) ? c : '?';
        }
    }
    out[o] = '\0';
}

/* An executable regular file? 0 or -errno. */
static int executable(const char *path)
{
    struct stat st;

    if (stat(path, &st) < 0)
        return -errno;
    if (!S_ISREG(st.st_mode))
        return -EACCES;
    return access(path, X_OK) < 0 ? -errno : 0;
}

/* Finds cmd as execvp() does: as is when it holds a '/', else in each PATH
 * directory (unset PATH: execvp()'s default). Returns 0 with path set, or
 * -ENOENT / -EACCES (found, but none executable). */
static int resolve(const char *cmd, char *path, size_t size)
{
    const char *dirs = getenv("PATH");
    int r = -ENOENT;

    if (strchr(cmd, '/')) {
        if (!oo_strlcpy(path, cmd, size))
            return -ENAMETOOLONG;
        return executable(path);
    }
    if (!dirs)
        dirs = "/bin:/usr/bin";
    while (*dirs) {
        size_t n = strcspn(dirs, ":");
        int e;

        /* An empty entry is the current directory. */
        if (snprintf(path, size, "%.*s%s%s", (int)n, dirs, n ? "/" : "", cmd) < (int)size) {
            e = executable(path);
            if (!e)
                return 0;
            if (e == -EACCES)
                r = -EACCES;
        }
        dirs += n + (dirs[n] == ':');
    }
    return r;
}

static void describe(char *err, size_t err_size, const char *cmd, const char *what, const struct tail *t)
{
    char tail[400];

    tail_format(t, tail, sizeof tail);
    snprintf(err, err_size, "'%s' %s%s%s", cmd, what, *tail ? ": " : "", tail);
}

/* Waits for pid until deadline (oo_now_ms). Returns 0 with *status, or
 * -ETIMEDOUT, or -ECANCELED (stoppable, and a stop was asked:
 * oo_ovsdb_set_stop), or -errno of waitpid. */
static int wait_child(pid_t pid, int64_t deadline, bool stoppable, int *status)
{
    for (;;) {
        pid_t w = waitpid(pid, status, WNOHANG);

        if (w == pid)
            return 0;
        if (w < 0 && errno != EINTR)
            return -errno;

        int64_t left = deadline - oo_now_ms();
        if (left <= 0)
            return -ETIMEDOUT;
        if (stoppable && oo_ovsdb_stopping())
            return -ECANCELED;
        /* The child's exit is noticed within 20 ms (no SIGCHLD handler:
         * that is the caller's). */
        poll(NULL, 0, left < 20 ? (int)left : 20);
    }
}

int oo_ovs_restart(const char *const *argv, int timeout_ms, char *err, size_t err_size)
{
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    sigset_t none, all;
    struct tail t = { .len = 0 };
    int efd, status = 0, r;
    char path[4096];
    pid_t pid;

    if (err_size)
        err[0] = '\0';
    if (!argv || !argv[0] || !*argv[0]) {
        snprintf(err, err_size, "no restart command configured");
        return -EINVAL;
    }
    if (timeout_ms <= 0) {
        snprintf(err, err_size, "timeout for '%s' must be positive, not %d ms", argv[0], timeout_ms);
        return -EINVAL;
    }
    r = resolve(argv[0], path, sizeof path);
    if (r) {
        snprintf(err, err_size, "cannot run '%s': %s", argv[0], strerror(-r));
        return r;
    }
    /* Its stderr goes to a memory file, read once it has exited: a pipe
     * would need reading while it runs, and one closed under a command left
     * to finish (a stop) would kill it with SIGPIPE at its next message. */
    efd = memfd_create("ovs-restart-stderr", MFD_CLOEXEC);

    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    if (efd >= 0)
        posix_spawn_file_actions_adddup2(&fa, efd, STDERR_FILENO);   /* dup2 clears CLOEXEC */
    else
        posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    /* Nothing else: libopenvswitch opens its sockets and the log file
     * without O_CLOEXEC, and the OVS daemons the command starts would hold
     * them for their lifetime. */
    posix_spawn_file_actions_addclosefrom_np(&fa, STDERR_FILENO + 1);
    posix_spawnattr_init(&attr);
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &all);
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF |
                                    POSIX_SPAWN_SETPGROUP);

    /* ovs-offloadctl turns transparent huge pages off for itself
     * (ovs-offloadctl.c). The kernel passes that on through fork and exec,
     * and the daemon a restart command starts is not ours to tune: the flag
     * is lifted while the command is spawned. It is the process's, not the
     * thread's; the spawning thread is blocked until the child has exec'd. */
    bool thp_off = prctl(PR_GET_THP_DISABLE, 0, 0, 0, 0) == 1;

    if (thp_off)
        prctl(PR_SET_THP_DISABLE, 0, 0, 0, 0);
    int64_t deadline = oo_now_ms() + timeout_ms;
    r = posix_spawn(&pid, path, &fa, &attr, (char *const *)argv, environ);
    if (thp_off)
        prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    if (r) {
        if (efd >= 0)
            close(efd);
        snprintf(err, err_size, "cannot run '%s': %s", argv[0], strerror(r));
        return -r;
    }

    r = wait_child(pid, deadline, true, &status);
    if (r == -ECANCELED) {
        /* Killing a restart half-way could leave OVS down: it runs on (its
         * own process group, its stderr file its own), and is reaped by
         * init once we have exited. */
        read_tail(efd, &t);
        if (efd >= 0)
            close(efd);
        describe(err, err_size, argv[0], "was still running when a stop was asked: left to finish", &t);
        return r;
    }
    if (r == -ETIMEDOUT) {
        char what[96];

        kill(-pid, SIGTERM);
        if (wait_child(pid, oo_now_ms() + KILL_GRACE_MS, false, &status) == -ETIMEDOUT) {
            kill(-pid, SIGKILL);
            while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                continue;
        }
        read_tail(efd, &t);
        if (efd >= 0)
            close(efd);
        snprintf(what, sizeof what, "did not finish within %d ms and was killed", timeout_ms);
        describe(err, err_size, argv[0], what, &t);
        return -ETIMEDOUT;
    }
    read_tail(efd, &t);
    if (efd >= 0)
        close(efd);
    if (r) {
        /* ECHILD: the caller ignores SIGCHLD, so the kernel reaped it. */
        snprintf(err, err_size, "'%s': cannot learn its exit status: %s", argv[0], strerror(-r));
        return r;
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    if (WIFEXITED(status)) {
        char what[48];

        snprintf(what, sizeof what, "exited with status %d", WEXITSTATUS(status));
        describe(err, err_size, argv[0], what, &t);
    } else {
        char what[64];

        snprintf(what, sizeof what, "was killed by signal %d (%s)", WTERMSIG(status),
                 strsignal(WTERMSIG(status)));
        describe(err, err_size, argv[0], what, &t);
    }
    return -EIO;
}
