/* Is ovs-vswitchd running, and is its flow API on? Asked the way ovs-appctl
 * asks, without spawning it and without guessing:
 *
 * 1. Its pidfile, <rundir>/ovs-vswitchd.pid. ovs-vswitchd holds a POSIX
 *    write lock on it for its whole life (lib/daemon-unix.c); F_GETLK tells
 *    whether someone holds it and who (the holder's pid as seen from here). No
 *    pidfile, or one that nobody holds (left over after a crash): not running.
 *    This is what OVS's own read_pidfile() checks; it is done here with an
 *    O_RDONLY open so that a pidfile we may not write can still be read.
 * 2. Its control socket, <rundir>/ovs-vswitchd.<pid>.ctl, with <pid> as
 *    written in the pidfile (ovs-vswitchd's default --unixctl path). We send
 *    "upcall/show" as a JSON-RPC request; any reply means it runs. OVS's
 *    unixctl_client_transact() is not used because it blocks without a bound
 *    (ovs-appctl bounds it with SIGALRM, which a library cannot use): the
 *    same request is made here as an oo_call (call.h), a non-blocking connect
 *    and exchange under our deadline, which can be in flight while the caller
 *    waits for OVSDB.
 * 3. The flow API: upcall/show prints, per datapath, an "offloaded flows"
 *    line only when dpif_get_n_offloaded_flows() succeeds, i.e. when at least
 *    one of that datapath's ports has a flow API (ofproto-dpif-upcall.c
 *    upcall_unixctl_show()). With hw-offload on, every port that tc works on
 *    gets one, the datapath's internal port included. So: a line = on; a
 *    datapath without the line = off; no datapath (no bridge yet) = unknown.
 * 4. Its identity for the record: the lock holder's /proc/<pid>/stat, if its
 *    comm is ovs-vswitchd, gives the start time (ticks since boot), which
 *    tells a restarted process from the one recorded even if the pid repeats.
 *
 * rundir: the directory of a unix: database socket (the Debian and upstream
 * layouts put db.sock, the pidfiles and the .ctl sockets together; so does
 * every sandbox), else $OVS_RUNDIR, else /var/run/openvswitch. We do not use
 * ovs_rundir(): it falls back to the --prefix this libopenvswitch was built
 * with (/usr/local/var/run/openvswitch), which no packaged OVS uses.
 *
 * Unknown (-1) when: the pidfile cannot be read (permissions), or it is held
 * but the control socket is missing, refuses, is not ours to open (EACCES: not
 * root), or does not answer before the deadline (starting, hung). */

#include <config.h>

#include "ovsdb/vswitchd.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "timeval.h"

#include "common/json.h"
#include "common/util.h"
#include "ovsdb/ovs-env.h"
#include "ovsdb/ovsdb.h"

void oo_vswitchd_rundir(const char *remote, char *buf, size_t size)
{
    const char *env = getenv("OVS_RUNDIR");

    if (remote && !strncmp(remote, "unix:", 5) && strchr(remote + 5, '/')) {
        const char *path = remote + 5;
        const char *slash = strrchr(path, '/');
        size_t len = slash == path ? 1 : (size_t)(slash - path);

        if (len >= size)
            len = size - 1;
        memcpy(buf, path, len);
        buf[len] = '\0';
    } else if (env && *env) {
        oo_strlcpy(buf, env, size);
    } else {
        oo_strlcpy(buf, OO_OVS_DEFAULT_RUNDIR, size);
    }
}

void oo_boot_id(char *buf, size_t size)
{
    if (oo_read_file("/proc/sys/kernel/random/boot_id", buf, size) < 0)
        buf[0] = '\0';
}

int64_t oo_boottime_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_BOOTTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

long oo_ticks_per_s(void)
{
    return sysconf(_SC_CLK_TCK);
}

/* Start time of pid if it is an ovs-vswitchd, else 0. */
static uint64_t vswitchd_start_ticks(int64_t pid)
{
    char path[64], buf[1024];
    unsigned long long start;
    const char *lp, *rp, *p;
    int field;

    snprintf(path, sizeof path, "/proc/%" PRId64 "/stat", pid);
    if (oo_read_file(path, buf, sizeof buf) < 0)
        return 0;
    /* "pid (comm) state ppid ..."; comm may hold spaces and parentheses. */
    lp = strchr(buf, '(');
    rp = strrchr(buf, ')');
    if (!lp || !rp || rp < lp || (size_t)(rp - lp - 1) != strlen("ovs-vswitchd") ||
        strncmp(lp + 1, "ovs-vswitchd", rp - lp - 1))
        return 0;
    /* Field 3 (state) follows ") "; starttime is field 22. */
    p = rp + 2;
    for (field = 3; field < 22 && p; field++) {
        p = strchr(p, ' ');
        if (p)
            p++;
    }
    if (!p || *p < '0' || *p > '9')
        return 0;
    errno = 0;
    start = strtoull(p, NULL, 10);
    return errno ? 0 : start;
}

/* Reads the pidfile. Returns 1 held (file_pid, holder set), 0 no live
 * pidfile, -errno could not tell. */
static int read_pidfile(const char *path, int64_t *file_pid, int64_t *holder)
{
    struct flock lck = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
    char buf[32];
    int fd, n;

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? 0 : -errno;
    if (fcntl(fd, F_GETLK, &lck) < 0) {
        int r = -errno;
        close(fd);
        return r;
    }
    n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (lck.l_type == F_UNLCK)
        return 0;   /* stale: its process is gone */
    if (n <= 0)
        return -ENODATA;
    buf[n] = '\0';
    *file_pid = strtoll(buf, NULL, 10);
    if (*file_pid <= 0)
        return -EINVAL;
    *holder = lck.l_pid;
    return 1;
}

/* The request: unixctl commands are JSON-RPC methods, their arguments the
 * params (all strings; upcall/show takes none). */
#define PROBE_ID 0               /* the "id" of PROBE_REQUEST */
#define PROBE_REQUEST "{\"id\":0,\"method\":\"upcall/show\",\"params\":[]}"
/* upcall/show prints a few lines per datapath. */
#define PROBE_MAX_BYTES (1u << 20)

/* The reply to a unixctl command: 0 with *result set (its text) when it
 * succeeded, 0 with *result NULL when it answered with an error, or an error
 * of the call (EPROTO for a reply of neither shape, ECONNRESET when the
 * socket was closed). */
/* ovs-vswitchd's control socket as a remote: unix:RUNDIR/ovs-vswitchd.PID.ctl. */
static void ctl_remote(char *buf, size_t size, const char *rundir, int64_t pid)
{
    snprintf(buf, size, "unix:%s/ovs-vswitchd.%" PRId64 ".ctl", rundir, pid);
}

static int unixctl_reply(int err, const struct oo_call *c, const char **result)
{
    const struct oo_jnode *msg = oo_jdoc_root(&c->reply), *error;

    *result = NULL;
    if (err)
        return err == EOF ? ECONNRESET : err;
    error = oo_jnode_get(msg, "error");
    if (error && error->type != OO_JNULL)
        return 0;
    *result = oo_jnode_str(oo_jnode_get(msg, "result"));
    return *result ? 0 : EPROTO;
}

/* The number after `key` in line[0..len), or -1. */
static int64_t number_after(const char *line, size_t len, const char *key)
{
    const char *p = memmem(line, len, key, strlen(key));
    int64_t v = 0;
    bool any = false;

    if (!p)
        return -1;
    p += strlen(key);
    while (p < line + len && *p == ' ')
        p++;
    for (; p < line + len && *p >= '0' && *p <= '9' && v < INT64_MAX / 10 - 9; p++, any = true)
        v = v * 10 + (*p - '0');
    return any ? v : -1;
}

/* Whether line is a revalidator's, "  ID: (keys N)". */
static bool revalidator_line(const char *line, size_t len)
{
    size_t i = 2;

    if (len < 10 || line[0] != ' ' || line[1] != ' ')
        return false;
    while (i < len && line[i] >= '0' && line[i] <= '9')
        i++;
    return i > 2 && len - i >= 7 && !memcmp(line + i, ": (keys", 7);
}

/* upcall/show's text: per datapath a "NAME:" line, then "  flows : (current
 * N) ..." and, when a port of it has a flow API, "  offloaded flows : N";
 * after "  ufid enabled : ..." and a blank line, one "  ID: (keys N)" line
 * per revalidator thread (ofproto-dpif-upcall.c, upcall_unixctl_show()).
 * Sets out->datapaths and returns offload_active: 1, 0 or -1 (see the top
 * of this file). */
static int parse_upcall_show(const char *text, struct oo_vswitchd_probe *out)
{
    struct oo_ovs_datapath *dp = NULL;
    int datapaths = 0;
    bool offloaded = false;

    out->n_datapaths = 0;
    for (const char *line = text; line && *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);

        if (len && line[0] != ' ' && line[len - 1] == ':') {
            datapaths++;
            dp = NULL;
            if (out->n_datapaths < OO_OVS_MAX_DATAPATHS) {
                dp = &out->datapaths[out->n_datapaths++];
                snprintf(dp->name, sizeof dp->name, "%.*s", (int)MIN(len - 1, sizeof dp->name - 1), line);
                dp->flows = dp->offloaded = -1;
                dp->revalidators = -1;
            }
        } else if (dp && memmem(line, len, "ufid enabled", 12)) {
            dp->revalidators = 0;       /* the format is known: its lines follow */
        } else if (dp && dp->revalidators >= 0 && revalidator_line(line, len)) {
            dp->revalidators++;
        } else if (len > 16 && memmem(line, len, "offloaded flows", 15)) {
            offloaded = true;
            if (dp)
                dp->offloaded = number_after(line, len, ":");
        } else if (dp && dp->flows < 0 && memmem(line, len, "flows", 5)) {
            dp->flows = number_after(line, len, "(current");
        }
        line = end ? end + 1 : NULL;
    }
    return offloaded ? 1 : datapaths ? 0 : -1;
}

void oo_vswitchd_probe_start(const char *rundir, struct oo_vswitchd_probing *p)
{
    struct oo_vswitchd_probe *out = &p->probe;
    char pidfile[4096], name[4200];
    int64_t holder = 0;
    int r;

    memset(p, 0, sizeof *p);
    p->started = time_msec();
    out->running = -1;
    out->offload_active = -1;

    snprintf(pidfile, sizeof pidfile, "%s/ovs-vswitchd.pid", rundir);
    r = read_pidfile(pidfile, &out->file_pid, &holder);
    if (r == 0) {
        out->running = 0;
        out->file_pid = 0;
        snprintf(out->why, sizeof out->why, "no live pidfile %.150s", pidfile);
        return;
    }
    if (r < 0) {
        snprintf(out->why, sizeof out->why, "cannot read %.150s: %s", pidfile, strerror(-r));
        return;
    }
    out->id.pid = holder;
    if (holder > 0)
        out->id.start_ticks = vswitchd_start_ticks(holder);

    ctl_remote(name, sizeof name, rundir, out->file_pid);
    oo_strlcpy(p->ctl, name + 5, sizeof p->ctl);
    oo_call_start(&p->call, name, oo_strdup(PROBE_REQUEST), strlen(PROBE_REQUEST), PROBE_ID,
                  PROBE_MAX_BYTES);
    oo_call_run(&p->call);
    p->calling = true;
}

bool oo_vswitchd_probe_run(struct oo_vswitchd_probing *p)
{
    return !p->calling || oo_call_run(&p->call);
}

void oo_vswitchd_probe_wait(struct oo_vswitchd_probing *p)
{
    if (p->calling)
        oo_call_wait(&p->call);
}

void oo_vswitchd_probe_finish(struct oo_vswitchd_probing *p, long long deadline,
                              struct oo_vswitchd_probe *out)
{
    const char *result;
    int r;

    *out = p->probe;
    if (!p->calling)
        return;
    oo_call_await(&p->call, deadline);
    r = unixctl_reply(oo_call_error(&p->call), &p->call, &result);
    if (r) {
        snprintf(out->why, sizeof out->why, "pid %" PRId64 " holds its pidfile, but %.120s: %s",
                 out->file_pid, p->ctl, r == ETIMEDOUT ? "no answer in time" : strerror(r));
    } else {
        out->running = 1;
        out->offload_active = result ? parse_upcall_show(result, out) : -1;
        snprintf(out->why, sizeof out->why, "pid %" PRId64 " answers on %.150s", out->file_pid, p->ctl);
    }
    oo_call_destroy(&p->call);
    p->calling = false;
}

long oo_dpctl_show_port(const char *show, const char *name)
{
    size_t len = strlen(name);

    for (const char *line = show; line && *line;) {
        const char *p = line + strspn(line, " "), *end;
        char *num_end;
        long n;

        line = strchr(line, '\n');
        line = line ? line + 1 : NULL;
        if (strncmp(p, "port ", 5))
            continue;
        n = strtol(p + 5, &num_end, 10);
        if (num_end == p + 5 || strncmp(num_end, ": ", 2))
            continue;
        p = num_end + 2;
        end = p + len;
        if (!strncmp(p, name, len) && (*end == '\n' || *end == ' ' || !*end))
            return n;
    }
    return -1;
}

static int port_flows_cmp(const void *a, const void *b)
{
    const struct oo_ovs_port_flows *x = a, *y = b;

    if (x->flows != y->flows)
        return x->flows < y->flows ? 1 : -1;
    return strcmp(x->port, y->port);
}

static uint32_t name_hash(const char *s)
{
    uint32_t h = 2166136261u;   /* FNV-1a */

    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 16777619u;
    return h;
}

/* The ports seen so far, by name: an open-addressing index into the vector
 * (slot value k + 1; 0 empty), kept at most half full. A dump holds up to
 * tens of thousands of flows over hundreds of ports. */
struct port_index {
    struct oo_ovs_port_flows *v;
    size_t n, cap;
    size_t *slot;
    size_t mask;
};

static void index_insert(struct port_index *x, size_t k)
{
    size_t i = name_hash(x->v[k].port) & x->mask;

    while (x->slot[i])
        i = (i + 1) & x->mask;
    x->slot[i] = k + 1;
}

static size_t port_of(struct port_index *x, const char *name)
{
    size_t i = name_hash(name) & x->mask;

    for (; x->slot[i]; i = (i + 1) & x->mask)
        if (!strcmp(x->v[x->slot[i] - 1].port, name))
            return x->slot[i] - 1;
    if (x->n == x->cap) {
        x->cap = x->cap ? 2 * x->cap : 16;
        x->v = oo_realloc(x->v, x->cap * sizeof *x->v);
    }
    memset(&x->v[x->n], 0, sizeof x->v[x->n]);
    oo_strlcpy(x->v[x->n].port, name, sizeof x->v->port);
    if (2 * (x->n + 1) > x->mask + 1) {
        free(x->slot);
        x->mask = 2 * (x->mask + 1) - 1;
        x->slot = oo_calloc(x->mask + 1, sizeof *x->slot);
        for (size_t k = 0; k < x->n; k++)
            index_insert(x, k);
    }
    index_insert(x, x->n);
    return x->n++;
}

size_t oo_dpctl_flows_by_port(const char *dump, struct oo_ovs_port_flows **ret)
{
    struct port_index x = { .mask = 31 };

    x.slot = oo_calloc(x.mask + 1, sizeof *x.slot);
    for (const char *line = dump; line && *line;) {
        const char *start = line, *end = strchr(line, '\n'), *p, *q;
        size_t len = end ? (size_t)(end - line) : strlen(line), k;
        char name[sizeof x.v->port];

        line = end ? end + 1 : NULL;
        /* The flow key comes first; its in_port() the first such field. */
        if (!(p = memmem(start, len, "in_port(", 8)))
            continue;
        p += 8;
        if (!(q = memchr(p, ')', (size_t)(start + len - p))))
            continue;
        snprintf(name, sizeof name, "%.*s", (int)MIN((size_t)(q - p), sizeof name - 1), p);
        k = port_of(&x, name);      /* before x.v is read: it may move */
        x.v[k].flows++;
    }
    free(x.slot);
    if (x.n > 1)
        qsort(x.v, x.n, sizeof *x.v, port_flows_cmp);
    *ret = x.v;
    return x.n;
}

#define COMMAND_ID 1
/* dpctl/dump-flows of a busy datapath: ~250 bytes a flow. */
#define COMMAND_MAX_BYTES (16u << 20)

int oo_vswitchd_command(const char *rundir, int64_t pid, const char *method,
                        const char *const *params, size_t n_params, long long deadline,
                        char *out, size_t size)
{
    const struct oo_jnode *error;
    struct oo_json j;
    struct oo_call call;
    char name[4200], *request = NULL;
    const char *result;
    size_t len = 0;
    FILE *f = open_memstream(&request, &len);
    int r;

    if (!f) {
        snprintf(out, size, "out of memory");
        return -ENOMEM;
    }
    oo_json_init(&j, f, false);
    oo_json_obj_begin(&j);
    oo_json_kv_int(&j, "id", COMMAND_ID);
    oo_json_kv_str(&j, "method", method);
    oo_json_key(&j, "params");
    oo_json_arr_begin(&j);
    for (size_t i = 0; i < n_params; i++)
        oo_json_str(&j, params[i]);
    oo_json_arr_end(&j);
    oo_json_obj_end(&j);
    fclose(f);

    ctl_remote(name, sizeof name, rundir, pid);
    oo_call_start(&call, name, request, len, COMMAND_ID, COMMAND_MAX_BYTES);
    oo_call_await(&call, deadline);
    r = unixctl_reply(oo_call_error(&call), &call, &result);
    if (r) {
        snprintf(out, size, "%s: %s", name + 5, r == ETIMEDOUT ? "no answer in time" : strerror(r));
        r = -r;
    } else if (result) {
        oo_strlcpy(out, result, size);
    } else {
        error = oo_jnode_get(oo_jdoc_root(&call.reply), "error");
        oo_strlcpy(out, oo_jnode_str(error) ? oo_jnode_str(error) : "(an error without text)", size);
        r = -EIO;
    }
    for (len = strlen(out); len && (out[len - 1] == '\n' || out[len - 1] == ' '); len--)
        out[len - 1] = '\0';
    oo_call_destroy(&call);
    return r;
}

void oo_vswitchd_probe(const char *rundir, long long deadline, struct oo_vswitchd_probe *out)
{
    struct oo_vswitchd_probing p;

    oo_vswitchd_probe_start(rundir, &p);
    oo_vswitchd_probe_finish(&p, deadline, out);
}
