/* The process-wide state libopenvswitch expects, set up once (see ovs-env.h).
 *
 * libopenvswitch is written for OVS's own daemons and utilities, whose main()
 * calls set_program_name(), configures vlog from the command line and lets
 * the fatal-signal module own SIGTERM & co. We are a library call inside
 * someone else's program, so oo_ovs_env_init() does three things, once:
 *
 * 1. vlog: every module, every destination (console, syslog, file) is set to
 *    OFF. By default vlog logs INFO and up to stderr *and* syslog, so a failed
 *    connect would print "unix:/x: connection attempt failed (No such file or
 *    directory)" from the CLI and leave reconnect chatter in the journal.
 *    OFF rather than ERR: nothing OVS logs on our path is something the
 *    caller does not also get, with more context, as a return value and
 *    out->error (style: library layers do not log, the controller logs once).
 *    Fatal conditions are not lost: ovs_fatal()/ovs_abort() write to stderr
 *    directly, not through vlog. Because vlog never logs, vlog_init() (which
 *    opens syslog and registers unixctl commands) never runs.
 *    For debugging, OO_OVS_VLOG in the environment is applied afterwards with
 *    OVS's own syntax, e.g. OO_OVS_VLOG=console:dbg or
 *    OO_OVS_VLOG=jsonrpc:console:dbg (see vlog_set_levels_from_string()).
 *
 * 2. program_name: OVS uses it in log patterns, syslog ident, ovs_error()
 *    prefixes and ovsdb internal-error texts; unset it prints "(null)". We set
 *    it to the short name of the running executable, unless someone already
 *    did.
 *
 * 3. Fatal signals: the first poll_block() calls fatal_signal_init(), which
 *    installs OVS's handler for SIGTERM, SIGINT, SIGHUP, SIGALRM and SIGSEGV
 *    wherever the disposition is SIG_DFL. That handler only records the
 *    signal; the process exits at the next poll_block(). In a program that
 *    calls poll_block() only inside oo_ovsdb_observe(), Ctrl-C or SIGTERM
 *    received afterwards would then be swallowed. So we run
 *    fatal_signal_init() here ourselves and put the previous dispositions
 *    back; the module stays initialised (it never installs them again) and its
 *    pipe is simply never written. The list mirrors fatal_signals[] in OVS
 *    lib/fatal-signal.c (3.1).
 *
 * SIGPIPE is separate: OVS's stream-fd uses send() without MSG_NOSIGNAL and
 * OVS programs ignore SIGPIPE in main() (fatal_ignore_sigpipe()). Changing a
 * process-wide disposition is not ours to do, so callers block it per thread
 * around the I/O with oo_sigpipe_block()/oo_sigpipe_restore(). */

#include <config.h>

#include "ovsdb/ovs-env.h"
#include "ovsdb/ovsdb.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fatal-signal.h"
#include "openvswitch/vlog.h"
#include "util.h" /* OVS's lib/util.h: program_name */

#include "common/util.h"

static const int ovs_fatal_signals[] = { SIGTERM, SIGINT, SIGHUP, SIGALRM, SIGSEGV };

static void quiet_vlog(void)
{
    vlog_set_levels(NULL, VLF_ANY_DESTINATION, VLL_OFF);

    const char *debug = getenv("OO_OVS_VLOG");
    /* A bad spec is ignored: this is a developer's knob, not config. */
    if (debug && *debug)
        free(vlog_set_levels_from_string(debug));
}

static void tame_fatal_signals(void)
{
    struct sigaction saved[OO_ARRAY_SIZE(ovs_fatal_signals)];

    for (size_t i = 0; i < OO_ARRAY_SIZE(ovs_fatal_signals); i++)
        sigaction(ovs_fatal_signals[i], NULL, &saved[i]);
    fatal_signal_init();
    for (size_t i = 0; i < OO_ARRAY_SIZE(ovs_fatal_signals); i++)
        sigaction(ovs_fatal_signals[i], &saved[i], NULL);
}

static void env_init_once(void)
{
    quiet_vlog();
    if (!program_name)
        ovs_set_program_name(program_invocation_short_name, OO_VERSION);
    tame_fatal_signals();
}

void oo_ovs_env_init(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;

    pthread_once(&once, env_init_once);
}

static const volatile sig_atomic_t *stop_flag;

void oo_ovsdb_set_stop(const volatile sig_atomic_t *stop)
{
    stop_flag = stop;
}

bool oo_ovsdb_stopping(void)
{
    return stop_flag && *stop_flag;
}

long long oo_ovsdb_wake_by(long long now, long long until)
{
    return stop_flag && until - now > OO_OVSDB_STOP_POLL_MS ? now + OO_OVSDB_STOP_POLL_MS : until;
}

static pthread_mutex_t ovs_lock = PTHREAD_MUTEX_INITIALIZER;

void oo_ovs_lock(void)
{
    pthread_mutex_lock(&ovs_lock);
}

void oo_ovs_unlock(void)
{
    pthread_mutex_unlock(&ovs_lock);
}

void oo_sigpipe_block(struct oo_sigpipe_guard *guard)
{
    sigset_t pipe_set, pending;

    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    sigemptyset(&pending);
    sigpending(&pending);
    guard->was_pending = sigismember(&pending, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &pipe_set, &guard->old_mask);
}

void oo_sigpipe_restore(const struct oo_sigpipe_guard *guard)
{
    sigset_t pipe_set, pending;

    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    sigemptyset(&pending);
    sigpending(&pending);
    if (!guard->was_pending && sigismember(&pending, SIGPIPE) == 1) {
        const struct timespec zero = { 0, 0 };
        int saved_errno = errno;

        while (sigtimedwait(&pipe_set, NULL, &zero) < 0 && errno == EINTR)
            continue;
        errno = saved_errno;
    }
    pthread_sigmask(SIG_SETMASK, &guard->old_mask, NULL);
}
