/* A stop asked the way the daemon's is: a real signal (SIGALRM here, after a
 * delay) whose handler sets the flag registered with oo_ovsdb_set_stop(). */
#ifndef OO_TESTS_HOST_STOP_SIGNAL_H
#define OO_TESTS_HOST_STOP_SIGNAL_H

#include <signal.h>
#include <string.h>
#include <sys/time.h>

#include "ovsdb/ovsdb.h"

static volatile sig_atomic_t test_stop;

static void test_stop_handler(int sig)
{
    (void)sig;
    test_stop = 1;
}

/* Registers the flag, and has SIGALRM set it after ms. */
static void stop_after_ms(int ms)
{
    struct sigaction sa;
    struct itimerval it = { .it_value = { ms / 1000, (ms % 1000) * 1000 } };

    test_stop = 0;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = test_stop_handler;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, NULL);
    oo_ovsdb_set_stop(&test_stop);
    setitimer(ITIMER_REAL, &it, NULL);
}

/* Unregisters the flag and puts SIGALRM back. */
static void stop_disarm(void)
{
    struct itimerval off = { { 0, 0 }, { 0, 0 } };

    setitimer(ITIMER_REAL, &off, NULL);
    oo_ovsdb_set_stop(NULL);
    signal(SIGALRM, SIG_DFL);
    test_stop = 0;
}

#endif
