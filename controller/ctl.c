#include "controller/ctl.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "controller/observe.h"
#include "controller/status.h"

struct ctl_opts {
    const char *db;                 /* OVSDB remote */
    int ovsdb_timeout_ms;           /* how long to wait for OVSDB */
    bool json;                      /* machine-readable output */
    const char *root;               /* prefix for sysfs paths (tests) */
};

static void usage(FILE *f)
{
    fputs(
"Usage: ovs-offloadctl [OPTIONS] COMMAND\n"
"Inspect and configure a hardware-offloaded Open vSwitch host.\n"
"\n"
"Commands:\n"
"  status               show each devlink device (PF): eswitch mode, VFs,\n"
"                       uplink and VF representors; then the OVS settings\n"
"\n"
"Options:\n"
"  -j, --json           print JSON instead of text\n"
"      --db REMOTE      OVSDB remote (default unix:$OVS_RUNDIR/db.sock,\n"
"                       OVS_RUNDIR defaulting to /var/run/openvswitch)\n"
"      --ovsdb-timeout MS  give up on OVSDB after MS milliseconds (default 2000)\n"
"  -v, --verbose        more messages on stderr\n"
"  -h, --help           show this help and exit\n"
"  -V, --version        show the version and exit\n"
"\n"
"Exit status: 0 success; 1 runtime error; 2 usage error.\n"
"An unreachable OVSDB is reported in the output and is not an error for status.\n",
    f);
}

static char *default_db(void)
{
    const char *rundir = getenv("OVS_RUNDIR");
    size_t n;
    char *s;

    if (!rundir || !*rundir)
        return oo_strdup(OO_OVSDB_DEFAULT_REMOTE);
    n = strlen(rundir) + sizeof "unix:/db.sock";
    s = oo_malloc(n);
    snprintf(s, n, "unix:%s/db.sock", rundir);
    return s;
}

static int cmd_status(const struct ctl_opts *opts)
{
    struct oo_observed o = { 0 };
    int r = oo_observe_devlink(opts->root, &o);

    if (r < 0)
        oo_err("%s", o.devlink_error);
    oo_observe_ovs(opts->db, opts->ovsdb_timeout_ms, &o);
    if (opts->json)
        oo_status_print_json(stdout, &o, true);
    else
        oo_status_print_text(stdout, &o);
    oo_observed_free(&o);
    return r < 0 ? OO_EXIT_FAILURE : OO_EXIT_OK;
}

int oo_ctl_main(int argc, char **argv)
{
    enum { OPT_DB = 256, OPT_OVSDB_TIMEOUT, OPT_ROOT };
    static const struct option longopts[] = {
        { "json", no_argument, NULL, 'j' },
        { "db", required_argument, NULL, OPT_DB },
        { "ovsdb-timeout", required_argument, NULL, OPT_OVSDB_TIMEOUT },
        { "root", required_argument, NULL, OPT_ROOT },  /* undocumented: tests */
        { "verbose", no_argument, NULL, 'v' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { 0 },
    };
    struct ctl_opts opts = { .ovsdb_timeout_ms = 2000, .root = "" };
    _cleanup_free_ char *db = NULL;
    const char *cmd;
    char *end;
    int c;

    while ((c = getopt_long(argc, argv, "jvhV", longopts, NULL)) != -1) {
        switch (c) {
        case 'j': opts.json = true; break;
        case OPT_DB: opts.db = optarg; break;
        case OPT_OVSDB_TIMEOUT:
            opts.ovsdb_timeout_ms = (int)strtol(optarg, &end, 10);
            if (*end || opts.ovsdb_timeout_ms <= 0) {
                fprintf(stderr, "ovs-offloadctl: --ovsdb-timeout wants milliseconds > 0, not '%s'\n",
                        optarg);
                return OO_EXIT_USAGE;
            }
            break;
        case OPT_ROOT: opts.root = optarg; break;
        case 'v': oo_log_set_level(OO_LOG_DEBUG); break;
        case 'h': usage(stdout); return OO_EXIT_OK;
        case 'V': printf("ovs-offloadctl %s\n", OO_VERSION); return OO_EXIT_OK;
        default:
            fputs("Try 'ovs-offloadctl --help'.\n", stderr);
            return OO_EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        fputs("ovs-offloadctl: no command given. Try 'ovs-offloadctl --help'.\n", stderr);
        return OO_EXIT_USAGE;
    }
    cmd = argv[optind];
    if (optind + 1 < argc) {
        fprintf(stderr, "ovs-offloadctl: unexpected argument '%s' after %s\n",
                argv[optind + 1], cmd);
        return OO_EXIT_USAGE;
    }
    if (!opts.db)
        opts.db = db = default_db();

    if (!strcmp(cmd, "status"))
        return cmd_status(&opts);
    fprintf(stderr, "ovs-offloadctl: unknown command '%s'. Try 'ovs-offloadctl --help'.\n", cmd);
    return OO_EXIT_USAGE;
}
