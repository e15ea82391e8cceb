/* The host lock: one writer at a time.
 *
 * `ovs-offloadctl apply` and each ovs-offloadd pass observe the host, plan
 * from what they saw and then write. Two of them at once plan the same steps
 * from the same state, and the slower one fails on what the faster one just
 * did (a bond that "exists", VFs that are "busy"), or undoes it half-way. So
 * every writer holds this lock from before it observes until it has applied:
 * an flock(2) on ROOT/run/ovs-offload/lock (tmpfs: it does not outlive a
 * reboot, and neither does a holder). The kernel drops the lock when its
 * holder exits, however it exits, so a stale file never blocks anyone.
 *
 * The holder writes "PID WHAT" into the file so that a waiter can say whom
 * it waits for. flock(1) (util-linux) takes the same lock: a script can hold
 * it around changes of its own. Readers (status, plan) do not take it. */
#ifndef OO_CONTROLLER_HOSTLOCK_H
#define OO_CONTROLLER_HOSTLOCK_H

#include <stdbool.h>
#include <stddef.h>

/* Under the root prefix ("" on a real host). */
#define OO_HOST_LOCK_DIR "/run/ovs-offload"
#define OO_HOST_LOCK_PATH OO_HOST_LOCK_DIR "/lock"

struct oo_host_lock {
    int fd;                         /* -1: not held */
};
#define OO_HOST_LOCK_INIT { .fd = -1 }

/* Called once when the lock is held by someone else and the caller waits:
 * holder says who ("ovs-offloadd (pid 812)"). */
typedef void oo_host_lock_waiting_fn(void *arg, const char *holder);

/* Takes the lock for `what` (a short name of the writer: "ovs-offloadctl
 * apply"). wait_ms: how long to wait for another holder; 0: not at all.
 * waiting (may be NULL) is called once if it has to wait. Returns 0 (held:
 * release it), -EWOULDBLOCK when another holder kept it for all of wait_ms
 * (holder, if not NULL, says who), or another -errno from creating or
 * opening the file (then holder says which file). */
int oo_host_lock_take(struct oo_host_lock *l, const char *root, const char *what, int wait_ms,
                      oo_host_lock_waiting_fn *waiting, void *arg, char *holder, size_t holder_size);

/* Releases the lock, if held (the file stays; its text is cleared). */
void oo_host_lock_release(struct oo_host_lock *l);

static inline bool oo_host_lock_held(const struct oo_host_lock *l)
{
    return l->fd >= 0;
}

#endif
