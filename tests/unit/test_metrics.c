/* Prometheus exposition: values from an observed host and from the daemon's
 * counters, escaping, the format's rules checked line by line (HELP and TYPE
 * once and before the samples, families contiguous, names and suffixes by
 * convention); the HTTP responder's parsing and one real exchange over
 * loopback; the board the daemon publishes on and the HTTP thread serving it
 * while another thread publishes (every answer one whole text). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "common/util.h"
#include "config/config.h"
#include "controller/metrics.h"
#include "host.h"
#include "tc/owner.h"

/* ---------------------------------------------------------------- helpers */

/* What a writer puts in a FILE, as a string (free it). */
#define CAPTURE(call)                                                           \
    ({                                                                          \
        char *buf_ = NULL;                                                      \
        size_t len_ = 0;                                                        \
        FILE *f = open_memstream(&buf_, &len_);                                 \
        assert_non_null(f);                                                     \
        call;                                                                   \
        fclose(f);                                                              \
        buf_;                                                                   \
    })

static void assert_line(const char *text, const char *line)
{
    const char *p = text;
    size_t n = strlen(line);

    while ((p = strstr(p, line))) {
        if ((p == text || p[-1] == '\n') && (p[n] == '\n' || p[n] == '\0'))
            return;
        p++;
    }
    fail_msg("line not found: %s\n---\n%s", line, text);
}

static void assert_no_line_starting(const char *text, const char *prefix)
{
    const char *p = text;

    while ((p = strstr(p, prefix))) {
        if (p == text || p[-1] == '\n')
            fail_msg("unexpected line starting with %s", prefix);
        p++;
    }
}

static bool name_char(char c, bool first)
{
    return isalpha((unsigned char)c) || c == '_' || c == ':' || (!first && isdigit((unsigned char)c));
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);

    return a >= b && !strcmp(s + a - b, suffix);
}

/* The exposition format's rules and our naming conventions, line by line. */
static void check_exposition(const char *text)
{
    char family[128] = "", type[16] = "", help_for[128] = "";
    char seen[256][128];
    size_t n_seen = 0, n_samples = 0;
    const char *line = text;

    while (*line) {
        const char *eol = strchr(line, '\n');
        char buf[1024], name[128];
        size_t len;

        assert_non_null(eol); /* every line ends with a newline */
        len = (size_t)(eol - line);
        assert_true(len < sizeof buf);
        memcpy(buf, line, len);
        buf[len] = '\0';
        line = eol + 1;

        if (!strncmp(buf, "# HELP ", 7)) {
            assert_int_equal(sscanf(buf + 7, "%127s", help_for), 1);
            assert_true(strlen(buf) > 8 + strlen(help_for)); /* has a text */
            continue;
        }
        if (!strncmp(buf, "# TYPE ", 7)) {
            assert_int_equal(sscanf(buf + 7, "%127s %15s", family, type), 2);
            assert_string_equal(family, help_for); /* HELP right before TYPE */
            assert_true(!strcmp(type, "gauge") || !strcmp(type, "counter") || !strcmp(type, "histogram"));
            assert_true(!strncmp(family, "ovs_offload_", 12));
            if (!strcmp(type, "counter"))
                assert_true(ends_with(family, "_total"));
            else
                assert_false(ends_with(family, "_total"));
            for (size_t i = 0; i < n_seen; i++)
                if (!strcmp(seen[i], family))
                    fail_msg("family %s declared twice", family);
            assert_true(n_seen < 256);
            strcpy(seen[n_seen++], family);
            continue;
        }
        assert_true(buf[0] != '#');
        /* A sample: name{labels} value */
        size_t i = 0;
        while (buf[i] && name_char(buf[i], i == 0))
            i++;
        assert_true(i > 0 && i < sizeof name);
        memcpy(name, buf, i);
        name[i] = '\0';
        if (!strcmp(type, "histogram")) {
            size_t fl = strlen(family);
            assert_true(!strncmp(name, family, fl));
            assert_true(!strcmp(name + fl, "_bucket") || !strcmp(name + fl, "_sum") ||
                        !strcmp(name + fl, "_count"));
        } else {
            assert_string_equal(name, family); /* contiguous, after its TYPE */
        }
        if (buf[i] == '{') {
            i++;
            while (buf[i] != '}') {
                assert_true(name_char(buf[i], true));
                while (name_char(buf[i], false))
                    i++;
                assert_true(buf[i] == '=' && buf[i + 1] == '"');
                i += 2;
                while (buf[i] != '"') {
                    assert_true(buf[i] != '\0');
                    if (buf[i] == '\\') {
                        assert_true(buf[i + 1] == '\\' || buf[i + 1] == '"' || buf[i + 1] == 'n');
                        i++;
                    }
                    i++;
                }
                i++;
                if (buf[i] == ',')
                    i++;
            }
            i++;
        }
        assert_true(buf[i] == ' ');
        char *end;
        strtod(buf + i + 1, &end);
        assert_true(end != buf + i + 1 && *end == '\0');
        n_samples++;
    }
    assert_true(n_samples > 0);
}

/* ---------------------------------------------------------------- escaping */

static void test_escaping(void **state)
{
    char *s = CAPTURE(oo_prom_write_label_value(f, "a\"b\\c\nd"));
    assert_string_equal(s, "a\\\"b\\\\c\\nd");
    free(s);
    s = CAPTURE(oo_prom_write_help(f, "x \"q\" \\ y\nz"));
    assert_string_equal(s, "x \"q\" \\\\ y\\nz");
    free(s);
    s = CAPTURE(oo_prom_write_label_value(f, NULL));
    assert_string_equal(s, "");
    free(s);
    /* A netdev name that is not UTF-8: each bad byte becomes U+FFFD, good
     * multi-byte characters stay. */
    s = CAPTURE(oo_prom_write_label_value(f, "eth\xff\x01\xc3\xa9x\xe2\x82"));
    assert_string_equal(s, "eth\xef\xbf\xbd\x01\xc3\xa9x\xef\xbf\xbd\xef\xbf\xbd");
    free(s);
}

/* ---------------------------------------------------------------- host */

static void sample_host(struct oo_observed *o)
{
    const char *members[] = { "p0", "p1", NULL };
    struct oo_link *b;

    memset(o, 0, sizeof *o);
    host_add_pf(o, "pci", "0000:3b:00.0", "p0", OO_ESWITCH_SWITCHDEV, 2);
    host_add_pf(o, "pci", "0000:3b:00.1", "p1", OO_ESWITCH_LEGACY, 0);
    b = host_add_bond(o, "oobond", true, OO_CFG_BOND_ACTIVE_BACKUP, members);
    b->bond.active_slave = host_link(o, "p1")->ifindex;
    host_add_bond(o, "mgmt\"0", false, OO_CFG_BOND_8023AD, NULL);
    host_ovs(o, true);
    host_ovs_set(o, "hw-offload", "true");
    o->ovs.offload_active = 1;
    o->ovs.restart_needed = 0;
    /* upcall/show: the kernel datapath with a flow API, a netdev one without. */
    o->ovs.n_datapaths = 2;
    o->ovs.datapaths[0] = (struct oo_ovs_datapath){ "system@ovs-system", 3, 17, 0 };
    o->ovs.datapaths[1] = (struct oo_ovs_datapath){ "netdev@ovs-netdev", 0, -1, -1 };
    o->pfs[0].lag_active = 1;       /* mlx5 debugfs lag/state; p1's unreadable */
    o->pfs[1].lag_err = -ENOENT;
    host_ovs_bridge(o, "br-offload", true);
    /* Ports sorted by name, as observe leaves them. */
    host_ovs_port(o, "br-offload", "oobond", true);
    host_ovs_port(o, "br-offload", "p0_1", true);
}

static void test_host_metrics(void **state)
{
    struct oo_observed o;
    char *s;

    sample_host(&o);
    s = CAPTURE(oo_metrics_write_host(f, &o, 1700000000123));
    check_exposition(s);
    assert_line(s, "ovs_offload_host_observed_timestamp_seconds 1700000000.123");
    assert_line(s, "ovs_offload_devlink_up 1");
    assert_line(s, "ovs_offload_pf_info{device=\"pci/0000:3b:00.0\",uplink=\"p0\"} 1");
    assert_line(s, "ovs_offload_pf_eswitch_mode{device=\"pci/0000:3b:00.0\",mode=\"switchdev\"} 1");
    assert_line(s, "ovs_offload_pf_eswitch_mode{device=\"pci/0000:3b:00.0\",mode=\"legacy\"} 0");
    assert_line(s, "ovs_offload_pf_eswitch_mode{device=\"pci/0000:3b:00.1\",mode=\"legacy\"} 1");
    assert_line(s, "ovs_offload_pf_vfs{device=\"pci/0000:3b:00.0\"} 2");
    assert_line(s, "ovs_offload_pf_vfs_max{device=\"pci/0000:3b:00.0\"} 8");
    assert_line(s, "ovs_offload_pf_representors{device=\"pci/0000:3b:00.0\"} 2");
    assert_line(s, "ovs_offload_pf_representors{device=\"pci/0000:3b:00.1\"} 0");
    assert_line(s, "ovs_offload_pf_representors_attached{device=\"pci/0000:3b:00.0\"} 1");
    assert_line(s, "ovs_offload_pf_hw_tc_offload{device=\"pci/0000:3b:00.0\"} 1");
    assert_line(s, "ovs_offload_pf_lag_active{device=\"pci/0000:3b:00.0\",bond=\"oobond\"} 1");
    assert_no_line_starting(s, "ovs_offload_pf_lag_active{device=\"pci/0000:3b:00.1\"");
    assert_line(s, "ovs_offload_bond_mode{bond=\"oobond\",mode=\"active-backup\"} 1");
    assert_line(s, "ovs_offload_bond_mode{bond=\"mgmt\\\"0\",mode=\"802.3ad\"} 1");
    assert_line(s, "ovs_offload_bond_managed{bond=\"oobond\"} 1");
    assert_line(s, "ovs_offload_bond_managed{bond=\"mgmt\\\"0\"} 0");
    assert_line(s, "ovs_offload_bond_members{bond=\"oobond\"} 2");
    assert_line(s, "ovs_offload_bond_active_members{bond=\"oobond\"} 1");
    assert_line(s, "ovs_offload_bond_members{bond=\"mgmt\\\"0\"} 0");
    assert_line(s, "ovs_offload_ovsdb_up 1");
    assert_line(s, "ovs_offload_ovs_hw_offload_enabled 1");
    assert_line(s, "ovs_offload_ovs_hw_offload_active 1");
    assert_line(s, "ovs_offload_ovs_vswitchd_running 1");
    assert_line(s, "ovs_offload_ovs_restart_needed 0");
    assert_line(s, "ovs_offload_ovs_datapath_flows{datapath=\"system@ovs-system\"} 3");
    assert_line(s, "ovs_offload_ovs_datapath_flows{datapath=\"netdev@ovs-netdev\"} 0");
    assert_line(s, "ovs_offload_ovs_offloaded_flows{datapath=\"system@ovs-system\"} 17");
    assert_no_line_starting(s, "ovs_offload_ovs_offloaded_flows{datapath=\"netdev@ovs-netdev\"");
    /* No upcall thread for the kernel datapath: 0; the other's format not known: absent. */
    assert_line(s, "ovs_offload_ovs_revalidator_threads{datapath=\"system@ovs-system\"} 0");
    assert_no_line_starting(s, "ovs_offload_ovs_revalidator_threads{datapath=\"netdev@ovs-netdev\"");
    free(s);

    /* Non-active-backup bonds count members up with carrier. */
    host_link(&o, "oobond")->bond.mode = OO_CFG_BOND_BALANCE_XOR;
    host_link(&o, "p0")->lower_up = true;
    s = CAPTURE(oo_metrics_write_host(f, &o, 0));
    assert_line(s, "ovs_offload_bond_active_members{bond=\"oobond\"} 1");
    host_link(&o, "p1")->lower_up = true;
    free(s);
    s = CAPTURE(oo_metrics_write_host(f, &o, 0));
    assert_line(s, "ovs_offload_bond_active_members{bond=\"oobond\"} 2");
    assert_line(s, "ovs_offload_bond_mode{bond=\"oobond\",mode=\"balance-xor\"} 1");
    free(s);
    oo_observed_free(&o);
}

static void test_host_unknowns_left_out(void **state)
{
    struct oo_observed o;
    char *s;

    sample_host(&o);
    /* OVSDB unreachable: no OVS values, no "attached" guesses. */
    o.ovs.reachable = false;
    o.pfs[0].hw_tc_offload = o.pfs[1].hw_tc_offload = -1;
    o.pfs[1].eswitch_err = -EOPNOTSUPP;
    o.pfs[1].sriov.capable = false;
    s = CAPTURE(oo_metrics_write_host(f, &o, 0));
    check_exposition(s);
    assert_line(s, "ovs_offload_ovsdb_up 0");
    assert_no_line_starting(s, "ovs_offload_ovs_hw_offload_enabled");
    assert_no_line_starting(s, "ovs_offload_pf_representors_attached");
    assert_no_line_starting(s, "ovs_offload_pf_hw_tc_offload");
    assert_no_line_starting(s, "ovs_offload_pf_eswitch_mode{device=\"pci/0000:3b:00.1\"");
    assert_no_line_starting(s, "ovs_offload_pf_vfs{device=\"pci/0000:3b:00.1\"");
    free(s);
    oo_observed_free(&o);

    /* devlink unreadable, nothing else: still a valid exposition. */
    memset(&o, 0, sizeof o);
    o.devlink_err = -ENOENT;
    s = CAPTURE(oo_metrics_write_host(f, &o, 0));
    check_exposition(s);
    assert_line(s, "ovs_offload_devlink_up 0");
    assert_no_line_starting(s, "# HELP ovs_offload_pf_");
    assert_no_line_starting(s, "# HELP ovs_offload_bond_");
    free(s);
}

/* ---------------------------------------------------------------- tc hook */

static void test_tc_hook(void **state)
{
    struct oo_metrics_tc tc[2] = {
        { .device = "p0", .owner = OO_TC_OWNER_OURS, .in_hw = 3, .not_in_hw = 1, .hw_packets = 10,
          .hw_bytes = 640 },
        { .device = "block:13", .owner = OO_TC_OWNER_OVS, .in_hw = 0, .not_in_hw = 7 },
    };
    char *s = CAPTURE(oo_metrics_write_tc(f, tc, 2));

    check_exposition(s);
    assert_line(s, "ovs_offload_tc_filters{device=\"p0\",owner=\"owned\",state=\"in_hw\"} 3");
    assert_line(s, "ovs_offload_tc_filters{device=\"p0\",owner=\"owned\",state=\"not_in_hw\"} 1");
    assert_line(s, "ovs_offload_tc_filters{device=\"block:13\",owner=\"ovs\",state=\"not_in_hw\"} 7");
    assert_line(s, "ovs_offload_tc_hw_packets{device=\"p0\",owner=\"owned\"} 10");
    assert_line(s, "ovs_offload_tc_hw_bytes{device=\"p0\",owner=\"owned\"} 640");
    free(s);
    /* No data from the tc layer: nothing written. */
    s = CAPTURE(oo_metrics_write_tc(f, NULL, 0));
    assert_string_equal(s, "");
    free(s);
}

/* ---------------------------------------------------------------- daemon */

static void test_daemon_metrics(void **state)
{
    struct oo_reconcile_stats st;
    struct oo_plan p = { 0 };
    struct oo_step steps[2] = { { .kind = OO_STEP_ESWITCH_MODE }, { .kind = OO_STEP_BOND_ENSLAVE } };
    char *s;

    oo_stats_init(&st, 1700000000000);
    s = CAPTURE(oo_metrics_write_daemon(f, &st));
    check_exposition(s);
    /* Before the first pass: counters at 0, no "last" values yet. */
    assert_line(s, "ovs_offload_reconcile_runs_total{result=\"failed\"} 0");
    assert_line(s, "ovs_offload_reconcile_duration_seconds_count 0");
    assert_line(s, "ovs_offload_reconcile_last_success_timestamp_seconds 0.000");
    assert_line(s, "ovs_offload_config_last_reload_success 1");
    assert_no_line_starting(s, "ovs_offload_reconcile_last_result");
    assert_no_line_starting(s, "ovs_offload_config_last_reload_timestamp_seconds");
    free(s);

    p.steps = steps;
    p.n_steps = 2;
    oo_stats_record_pass(&st, OO_TRIGGER_STARTUP, false, OO_PASS_REPAIRED, &p, 2, 1500, 1700000001000);
    p.n_steps = 0;
    oo_stats_record_pass(&st, OO_TRIGGER_VERIFY, false, OO_PASS_IN_SYNC, &p, 0, 40, 1700000002000);
    p.n_steps = 1;
    oo_stats_record_pass(&st, OO_TRIGGER_EVENT, false, OO_PASS_REPAIRED, &p, 1, 300, 1700000003000);
    oo_stats_record_pass(&st, OO_TRIGGER_PERIODIC, false, OO_PASS_FAILED, &p, 0, 200000, 1700000004000);
    oo_stats_record_reload(&st, false, 1700000005000);
    st.events[OO_EVENT_LINK] = 4;
    st.events_ignored[OO_EVENT_TC] = 9;
    st.overflows[OO_EVENT_TC] = 1;
    st.backoff_ms = 1000;
    s = CAPTURE(oo_metrics_write_daemon(f, &st));
    check_exposition(s);
    assert_line(s, "ovs_offload_start_time_seconds 1700000000.000");
    assert_line(s, "ovs_offload_reconcile_runs_total{result=\"repaired\"} 2");
    assert_line(s, "ovs_offload_reconcile_runs_total{result=\"in_sync\"} 1");
    assert_line(s, "ovs_offload_reconcile_runs_total{result=\"failed\"} 1");
    assert_line(s, "ovs_offload_reconcile_triggers_total{trigger=\"verify\"} 1");
    assert_line(s, "ovs_offload_reconcile_duration_seconds_bucket{le=\"0.05\"} 1");
    assert_line(s, "ovs_offload_reconcile_duration_seconds_bucket{le=\"0.5\"} 2");
    assert_line(s, "ovs_offload_reconcile_duration_seconds_bucket{le=\"2.5\"} 3");
    assert_line(s, "ovs_offload_reconcile_duration_seconds_bucket{le=\"120\"} 3");
    assert_line(s, "ovs_offload_reconcile_duration_seconds_bucket{le=\"+Inf\"} 4");
    assert_line(s, "ovs_offload_reconcile_duration_seconds_count 4");
    assert_line(s, "ovs_offload_reconcile_duration_seconds_sum 201.840");
    assert_line(s, "ovs_offload_reconcile_last_duration_seconds 200.000");
    assert_line(s, "ovs_offload_reconcile_last_success_timestamp_seconds 1700000003.000");
    assert_line(s, "ovs_offload_reconcile_last_run_timestamp_seconds 1700000004.000");
    assert_line(s, "ovs_offload_reconcile_last_result{result=\"failed\"} 1");
    assert_line(s, "ovs_offload_reconcile_last_result{result=\"in_sync\"} 0");
    assert_line(s, "ovs_offload_reconcile_steps_total{kind=\"eswitch-mode\"} 2");
    assert_line(s, "ovs_offload_reconcile_steps_total{kind=\"bond-enslave\"} 1");
    assert_line(s, "ovs_offload_drift_repairs_total 1");
    assert_line(s, "ovs_offload_resyncs_total{reason=\"periodic\"} 1");
    assert_line(s, "ovs_offload_reconcile_consecutive_failures 1");
    assert_line(s, "ovs_offload_reconcile_backoff_seconds 1.000");
    assert_line(s, "ovs_offload_events_total{source=\"link\"} 4");
    assert_line(s, "ovs_offload_events_ignored_total{source=\"tc\"} 9");
    assert_line(s, "ovs_offload_event_overflows_total{source=\"tc\"} 1");
    assert_line(s, "ovs_offload_config_reloads_total{result=\"failure\"} 1");
    assert_line(s, "ovs_offload_config_last_reload_success 0");
    assert_line(s, "ovs_offload_config_last_reload_timestamp_seconds 1700000005.000");
    free(s);
}

/* A filter on ifindex 7 with one drop action carrying cookie (16 bytes, or
 * none when NULL). */
static struct oo_tc_filter tc_filter(const uint8_t *cookie, bool in_hw, uint64_t hw_packets)
{
    struct oo_tc_filter f;
    struct oo_tc_action a = oo_tc_action_drop();

    oo_tc_filter_init(&f, 7, 0, 0, 2, 0x0800);
    if (cookie) {
        memcpy(a.cookie, cookie, 16);
        a.cookie_len = 16;
    }
    assert_int_equal(oo_tc_filter_add_action(&f, &a), 0);
    f.in_hw = in_hw;
    f.not_in_hw = !in_hw;
    f.stats.hw_packets = hw_packets;
    f.stats.hw_bytes = hw_packets * 100;
    return f;
}

static void add_place(struct oo_observed *o, const char *netdev, uint32_t block,
                      const struct oo_tc_filter *filters, size_t n)
{
    struct oo_obs_tc_place *pl;

    o->tc = oo_realloc(o->tc, (o->n_tc + 1) * sizeof *o->tc);
    pl = &o->tc[o->n_tc++];
    memset(pl, 0, sizeof *pl);
    oo_strlcpy(pl->netdev, netdev, sizeof pl->netdev);
    pl->block = block;
    pl->has_qdisc = true;
    pl->filters = oo_calloc(n + 1, sizeof *pl->filters);
    if (n)
        memcpy(pl->filters, filters, n * sizeof *filters);
    pl->n_filters = n;
}

static void test_tc_from_observation(void **state)
{
    struct oo_observed o;
    uint8_t ours[16], ovs[16];
    const uint32_t w[4] = { 0x12345678, 0x9abc4def, 0x8badf00d, 0x01020304 };
    struct oo_tc_filter flt[5];
    struct oo_metrics_tc *tc;
    size_t n;
    char *s;

    oo_tc_cookie_make(oo_tc_rule_id("mpv0-in"), ours);
    memcpy(ovs, w, sizeof ovs);
    sample_host(&o);
    flt[0] = tc_filter(ours, true, 5);
    flt[1] = tc_filter(ours, false, 0);
    flt[2] = tc_filter(ovs, false, 0);
    flt[3] = tc_filter(NULL, true, 2);
    add_place(&o, "p0", 0, flt, 4);
    flt[4] = tc_filter(ovs, true, 9);
    add_place(&o, "oobond", 13, flt + 4, 1);
    add_place(&o, "p0_0", 0, NULL, 0);

    n = oo_metrics_tc_collect(&o, &tc);
    assert_int_equal(n, 4); /* p0: owned, ovs, foreign; block 13: ovs; p0_0: none */
    assert_string_equal(tc[0].device, "p0");
    assert_int_equal(tc[0].owner, OO_TC_OWNER_OURS);
    assert_int_equal(tc[0].in_hw, 1);
    assert_int_equal(tc[0].not_in_hw, 1);
    assert_int_equal(tc[0].hw_packets, 5);
    assert_int_equal(tc[0].hw_bytes, 500);
    assert_string_equal(tc[3].device, "block:13");
    free(tc);

    s = CAPTURE(oo_metrics_write_host(f, &o, 0));
    check_exposition(s);
    assert_line(s, "ovs_offload_tc_up 1");
    assert_line(s, "ovs_offload_tc_filters{device=\"p0\",owner=\"owned\",state=\"in_hw\"} 1");
    assert_line(s, "ovs_offload_tc_filters{device=\"p0\",owner=\"ovs\",state=\"not_in_hw\"} 1");
    assert_line(s, "ovs_offload_tc_filters{device=\"p0\",owner=\"foreign\",state=\"in_hw\"} 1");
    assert_line(s, "ovs_offload_tc_filters{device=\"block:13\",owner=\"ovs\",state=\"in_hw\"} 1");
    assert_line(s, "ovs_offload_tc_hw_packets{device=\"block:13\",owner=\"ovs\"} 9");
    assert_no_line_starting(s, "ovs_offload_tc_filters{device=\"p0_0\"");
    free(s);

    /* One place unreadable: the gauge says so; the others are still counted. */
    o.tc[2].dump_err = -ENODEV;
    s = CAPTURE(oo_metrics_write_host(f, &o, 0));
    assert_line(s, "ovs_offload_tc_up 0");
    assert_line(s, "ovs_offload_tc_filters{device=\"p0\",owner=\"owned\",state=\"in_hw\"} 1");
    free(s);
    o.tc[2].dump_err = 0;

    /* tc unreadable: only the gauge says so. */
    o.tc_err = -EPERM;
    s = CAPTURE(oo_metrics_write_host(f, &o, 0));
    assert_line(s, "ovs_offload_tc_up 0");
    assert_no_line_starting(s, "ovs_offload_tc_filters");
    free(s);
    oo_observed_free(&o);
}

static void test_render_all(void **state)
{
    struct oo_observed o;
    struct oo_reconcile_stats st;
    size_t len;
    char *s;

    sample_host(&o);
    oo_stats_init(&st, 0);
    s = oo_metrics_render(&o, 5, &st, &len);
    assert_int_equal(strlen(s), len);
    check_exposition(s);
    assert_line(s, "ovs_offload_build_info{version=\"" OO_VERSION "\"} 1");
    assert_line(s, "ovs_offload_devlink_up 1");
    assert_line(s, "ovs_offload_reconcile_runs_total{result=\"in_sync\"} 0");
    free(s);
    /* Before the first observation: build info and daemon only. */
    s = oo_metrics_render(NULL, 0, &st, &len);
    check_exposition(s);
    assert_no_line_starting(s, "ovs_offload_devlink_up");
    free(s);
    oo_observed_free(&o);
}

static void test_pass_state(void **state)
{
    char *s;

    s = CAPTURE(oo_metrics_write_pass_state(f, false, 0));
    check_exposition(s);
    assert_line(s, "ovs_offload_reconcile_in_progress 0");
    assert_no_line_starting(s, "ovs_offload_reconcile_last_start_timestamp_seconds");
    free(s);
    s = CAPTURE(oo_metrics_write_pass_state(f, true, 1700000000500));
    check_exposition(s);
    assert_line(s, "ovs_offload_reconcile_in_progress 1");
    assert_line(s, "ovs_offload_reconcile_last_start_timestamp_seconds 1700000000.500");
    free(s);
}

/* The daemon's text: the host part as rendered once per pass, the counters,
 * and the pass state last. */
static void test_render_daemon(void **state)
{
    struct oo_observed o;
    struct oo_reconcile_stats st;
    size_t hlen, len;
    char *host, *s, *whole;

    sample_host(&o);
    oo_stats_init(&st, 0);
    host = oo_metrics_render_host(&o, 5, &hlen);
    assert_int_equal(strlen(host), hlen);
    check_exposition(host);
    assert_line(host, "ovs_offload_devlink_up 1");

    s = oo_metrics_render_daemon(host, hlen, &st, true, 1700000000000, &len);
    assert_int_equal(strlen(s), len);
    check_exposition(s);
    assert_non_null(strstr(s, host));
    assert_line(s, "ovs_offload_build_info{version=\"" OO_VERSION "\"} 1");
    assert_line(s, "ovs_offload_reconcile_runs_total{result=\"in_sync\"} 0");
    assert_true(ends_with(s, "\novs_offload_reconcile_in_progress 1\n"));
    /* Rendering everything from the observation gives the same text, the
     * pass state aside. */
    whole = oo_metrics_render(&o, 5, &st, &len);
    assert_int_equal(strncmp(s, whole, len), 0);
    assert_true(!strncmp(s + len, "# HELP ovs_offload_reconcile_last_start_timestamp_seconds ", 58));
    free(whole);
    free(s);

    /* Before the first pass: no host part. */
    s = oo_metrics_render_daemon(NULL, 0, &st, false, 0, &len);
    check_exposition(s);
    assert_no_line_starting(s, "ovs_offload_devlink_up");
    assert_true(ends_with(s, "\novs_offload_reconcile_in_progress 0\n"));
    free(s);
    free(host);
    oo_observed_free(&o);
}

static void test_board(void **state)
{
    struct oo_metrics_board *b = oo_metrics_board_create();
    size_t len = 99;
    char *s;

    s = oo_metrics_board_copy(b, &len);
    assert_int_equal(len, 0);
    assert_string_equal(s, "");
    free(s);
    assert_int_equal(oo_metrics_board_generation(b), 0);
    oo_metrics_board_publish(b, oo_strdup("one 1\n"), 6);
    oo_metrics_board_publish(b, oo_strdup("two 22\n"), 7);
    assert_int_equal(oo_metrics_board_generation(b), 2);
    s = oo_metrics_board_body(b, &len);
    assert_int_equal(len, 7);
    assert_string_equal(s, "two 22\n");
    free(s);
    oo_metrics_board_destroy(b);
    oo_metrics_board_destroy(NULL);
}

/* ---------------------------------------------------------------- HTTP */

static void test_parse_addr(void **state)
{
    struct sockaddr_storage ss;
    socklen_t len;
    const char *bad[] = { "", "host:80", "1.2.3.4", "1.2.3.4:0", "1.2.3.4:70000", "::1:80",
                          "[::1]80", "[::1]:", "1.2.3.4:80x", "1.2.3.4:-1", "[1.2.3.4]:80", "0",
                          "999.1.1.1:80" };

    assert_int_equal(oo_http_parse_addr("127.0.0.1:9477", &ss, &len), 0);
    assert_int_equal(ss.ss_family, AF_INET);
    assert_int_equal(ntohs(((struct sockaddr_in *)&ss)->sin_port), 9477);
    assert_int_equal(len, sizeof(struct sockaddr_in));
    assert_int_equal(oo_http_parse_addr("9100", &ss, &len), 0);
    assert_int_equal(ntohl(((struct sockaddr_in *)&ss)->sin_addr.s_addr), INADDR_LOOPBACK);
    assert_int_equal(oo_http_parse_addr("0.0.0.0:80", &ss, &len), 0);
    assert_int_equal(oo_http_parse_addr("[::1]:9477", &ss, &len), 0);
    assert_int_equal(ss.ss_family, AF_INET6);
    assert_int_equal(ntohs(((struct sockaddr_in6 *)&ss)->sin6_port), 9477);
    assert_int_equal(oo_http_parse_addr("[fe80::1%x]:1", &ss, &len), -EINVAL);
    for (size_t i = 0; i < OO_ARRAY_SIZE(bad); i++)
        if (oo_http_parse_addr(bad[i], &ss, &len) != -EINVAL)
            fail_msg("'%s' accepted", bad[i]);
    assert_int_equal(oo_http_parse_addr(NULL, &ss, &len), -EINVAL);
}

static int parse(const char *req, bool full, bool *head)
{
    return oo_http_parse_request(req, strlen(req), full, head);
}

static void test_parse_request(void **state)
{
    bool head;

    assert_int_equal(parse("", false, &head), 0);
    assert_int_equal(parse("GET /metrics HTTP/1.1\r\nHost: x\r\n", false, &head), 0);
    assert_int_equal(parse("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", false, &head), 200);
    assert_false(head);
    assert_int_equal(parse("HEAD /metrics HTTP/1.0\r\n\r\n", false, &head), 200);
    assert_true(head);
    assert_int_equal(parse("GET /metrics HTTP/1.0\n\n", false, &head), 200);
    assert_int_equal(parse("GET /metrics?name[]=x HTTP/1.1\r\n\r\n", false, &head), 200);
    assert_int_equal(parse("GET / HTTP/1.1\r\n\r\n", false, &head), 404);
    assert_int_equal(parse("GET /metricsx HTTP/1.1\r\n\r\n", false, &head), 404);
    assert_int_equal(parse("GET /metrics/ HTTP/1.1\r\n\r\n", false, &head), 404);
    assert_int_equal(parse("POST /metrics HTTP/1.1\r\n\r\n", false, &head), 405);
    assert_int_equal(parse("get /metrics HTTP/1.1\r\n\r\n", false, &head), 405);
    assert_int_equal(parse("GET /metrics\r\n\r\n", false, &head), 400);
    assert_int_equal(parse("GET /metrics HTTP/2\r\n\r\n", false, &head), 400);
    assert_int_equal(parse("GET  HTTP/1.1\r\n\r\n", false, &head), 400);
    assert_int_equal(parse("GET /met\x01rics HTTP/1.1\r\n\r\n", false, &head), 400);
    assert_int_equal(parse("GET /metrics HTTP/1.1\r\nX: aaaa", true, &head), 431);
}

static void test_response(void **state)
{
    size_t len;
    char *r = oo_http_response(200, false, "abc", 3, &len);

    assert_int_equal(strlen(r), len);
    assert_true(!strncmp(r, "HTTP/1.0 200 OK\r\n", 17));
    assert_non_null(strstr(r, "\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n"));
    assert_non_null(strstr(r, "\r\nContent-Length: 3\r\n"));
    assert_non_null(strstr(r, "\r\nConnection: close\r\n"));
    assert_true(ends_with(r, "\r\n\r\nabc"));
    free(r);
    r = oo_http_response(200, true, "abc", 3, &len);
    assert_non_null(strstr(r, "\r\nContent-Length: 3\r\n"));
    assert_true(ends_with(r, "\r\n\r\n"));
    free(r);
    r = oo_http_response(405, false, NULL, 0, &len);
    assert_true(!strncmp(r, "HTTP/1.0 405 Method Not Allowed\r\n", 33));
    assert_non_null(strstr(r, "\r\nAllow: GET, HEAD\r\n"));
    const char *body = strstr(r, "\r\n\r\n") + 4;
    char want[64];
    snprintf(want, sizeof want, "\r\nContent-Length: %zu\r\n", strlen(body));
    assert_non_null(strstr(r, want));
    free(r);
}

static char *fixed_body(void *aux, size_t *ret_len)
{
    (*(int *)aux)++;
    *ret_len = 6;
    return oo_strdup("hello\n");
}

/* Opens a listener on a free loopback port (from one the pid picks, on to
 * the next when another process has it): a port in use is no reason to
 * skip. Its address is left in addr. */
static struct oo_http *open_free_port(int salt, char *addr, size_t size)
{
    struct oo_http *h = NULL;
    int r = -EADDRINUSE;

    for (int i = 0; i < 64 && r == -EADDRINUSE; i++) {
        snprintf(addr, size, "127.0.0.1:%d", 20000 + (int)((getpid() + salt + i * 313) % 20000));
        r = oo_http_open(addr, &h);
    }
    assert_int_equal(r, 0);
    return h;
}

/* Connects a blocking client to h's address. */
static int client(const struct oo_http *h)
{
    struct sockaddr_storage ss;
    socklen_t len;
    int fd;

    assert_int_equal(oo_http_parse_addr(oo_http_addr(h), &ss, &len), 0);
    fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    assert_int_equal(connect(fd, (struct sockaddr *)&ss, len), 0);
    return fd;
}

/* Serves h until fd's peer closed; returns what the client received. */
static char *exchange(struct oo_http *h, int fd, int64_t now, int *calls)
{
    static char buf[4096];
    size_t got = 0;

    for (int i = 0; i < 2000; i++) {
        ssize_t n;
        oo_http_run(h, now, fixed_body, calls);
        n = recv(fd, buf + got, sizeof buf - 1 - got, MSG_DONTWAIT);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK))
            break;
        if (n > 0)
            got += (size_t)n;
        else
            usleep(1000);
    }
    buf[got] = '\0';
    return buf;
}

/* accept(2) out of fds leaves the client queued and the listener readable:
 * the listener rests for OO_HTTP_ACCEPT_REST_MS instead of waking the
 * serving thread's poll at once, in a loop. Then the client is served. */
static void test_http_out_of_fds(void **state)
{
    struct oo_http *h = NULL;
    struct pollfd fds[OO_HTTP_MAX_CONNS + 2];
    struct rlimit old, low;
    char addr[32];
    int calls = 0, fd, next;
    int64_t now = oo_now_ms(), deadline;
    char *got;
    const char *preload = getenv("LD_PRELOAD");

    (void)state;
    /* Valgrind keeps descriptors of its own above the client's limit and
     * virtualizes RLIMIT_NOFILE: the limit lowered here is not the one
     * accept(2) meets. The plain and ASan runs have the test. */
    if (preload && strstr(preload, "vgpreload")) {
        skip();
        return;
    }
    h = open_free_port(7919, addr, sizeof addr);
    assert_int_equal(oo_http_poll_fds(h, now, fds, 0, &deadline), 1);
    assert_int_equal(fds[0].events, POLLIN);
    fd = client(h);
    /* No fd left above the ones open now. */
    next = fcntl(0, F_DUPFD_CLOEXEC, 0);
    assert_true(next >= 0);
    close(next);
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
    low = old;
    low.rlim_cur = (rlim_t)next;
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
    oo_http_run(h, now, fixed_body, &calls);
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);

    assert_int_equal(oo_http_poll_fds(h, now, fds, 0, &deadline), 0);
    assert_true(deadline == now + OO_HTTP_ACCEPT_REST_MS);
    assert_int_equal(oo_http_poll_fds(h, now + OO_HTTP_ACCEPT_REST_MS - 1, fds, 0, &deadline), 0);
    assert_int_equal(oo_http_poll_fds(h, now + OO_HTTP_ACCEPT_REST_MS, fds, 0, &deadline), 1);
    assert_true(deadline == INT64_MAX);

    assert_true(send(fd, "GET /metrics HTTP/1.0\r\n\r\n", 25, 0) == 25);
    got = exchange(h, fd, now + OO_HTTP_ACCEPT_REST_MS, &calls);
    assert_true(ends_with(got, "\r\n\r\nhello\n"));
    assert_int_equal(calls, 1);
    close(fd);
    oo_http_close(h);
}

static void test_http_exchange(void **state)
{
    struct oo_http *h = NULL;
    char addr[32], big[OO_HTTP_MAX_REQUEST + 16];
    int calls = 0, fd;
    char *got;

    h = open_free_port(0, addr, sizeof addr);
    assert_string_equal(oo_http_addr(h), addr);

    fd = client(h);
    assert_true(send(fd, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", 34, 0) == 34);
    got = exchange(h, fd, oo_now_ms(), &calls);
    assert_true(!strncmp(got, "HTTP/1.0 200 OK\r\n", 17));
    assert_true(ends_with(got, "\r\n\r\nhello\n"));
    assert_int_equal(calls, 1);
    close(fd);

    /* A request split over two sends. */
    fd = client(h);
    assert_true(send(fd, "GET /metr", 9, 0) == 9);
    oo_http_run(h, oo_now_ms(), fixed_body, &calls);
    assert_true(send(fd, "ics HTTP/1.0\r\n\r\n", 16, 0) == 16);
    got = exchange(h, fd, oo_now_ms(), &calls);
    assert_true(ends_with(got, "hello\n"));
    close(fd);

    /* Too big: 431, and the body is never rendered. */
    fd = client(h);
    memset(big, 'a', sizeof big);
    memcpy(big, "GET /metrics HTTP/1.1\r\nX: ", 26);
    assert_true(send(fd, big, sizeof big, 0) == (ssize_t)sizeof big);
    got = exchange(h, fd, oo_now_ms(), &calls);
    assert_true(!strncmp(got, "HTTP/1.0 431 ", 13));
    close(fd);

    /* A client that says nothing is dropped at the deadline. */
    fd = client(h);
    oo_http_run(h, oo_now_ms(), fixed_body, &calls);
    got = exchange(h, fd, oo_now_ms() + OO_HTTP_TIMEOUT_MS + 1, &calls);
    assert_string_equal(got, "");
    close(fd);

    assert_int_equal(calls, 2);
    assert_int_equal(oo_http_served(h, true), 2);
    assert_int_equal(oo_http_served(h, false), 1);
    oo_http_close(h);
}

/* Every slot taken by clients that say nothing: a new client takes the
 * place of the one accepted first, once the new one can be told from those
 * accepted in the same ms, and is answered; clients answering are never
 * pushed out. */
static void test_http_idle_clients_give_way(void **state)
{
    struct pollfd fds[OO_HTTP_MAX_CONNS + 2];
    int idle[OO_HTTP_MAX_CONNS], calls = 0, fd;
    struct oo_http *h;
    char addr[32], c;
    int64_t now = oo_now_ms(), deadline;
    size_t n;
    char *got;

    (void)state;
    h = open_free_port(4111, addr, sizeof addr);
    for (size_t i = 0; i < OO_HTTP_MAX_CONNS; i++) {
        idle[i] = client(h);
        oo_http_run(h, now, fixed_body, &calls);      /* accepted in turn, all at now */
    }
    /* Full, with readers accepted at now only: the listener waits a ms. */
    n = oo_http_poll_fds(h, now, fds, 0, &deadline);
    assert_int_equal(n, OO_HTTP_MAX_CONNS);
    assert_true(deadline == now + 1);
    n = oo_http_poll_fds(h, now + 1, fds, 0, &deadline);
    assert_int_equal(n, OO_HTTP_MAX_CONNS + 1);
    assert_int_equal(fds[0].fd >= 0 && fds[0].events == POLLIN, true);

    fd = client(h);
    assert_true(send(fd, "GET /metrics HTTP/1.0\r\n\r\n", 25, 0) == 25);
    got = exchange(h, fd, now + 1, &calls);
    assert_true(ends_with(got, "\r\n\r\nhello\n"));
    assert_int_equal(calls, 1);
    close(fd);
    /* One idle client was closed for it: it reads the end. */
    n = 0;
    for (size_t i = 0; i < OO_HTTP_MAX_CONNS; i++)
        n += recv(idle[i], &c, 1, MSG_DONTWAIT) == 0;
    assert_int_equal(n, 1);
    for (size_t i = 0; i < OO_HTTP_MAX_CONNS; i++)
        close(idle[i]);
    oo_http_close(h);
}

/* One GET /metrics over a blocking socket (5 s receive timeout): the whole
 * response, malloc'ed. */
static char *fetch(const char *addr)
{
    struct sockaddr_storage ss;
    struct timeval tv = { .tv_sec = 5 };
    socklen_t len;
    char *buf = NULL;
    size_t got = 0, size = 0;
    int fd;

    assert_int_equal(oo_http_parse_addr(addr, &ss, &len), 0);
    fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    assert_int_equal(connect(fd, (struct sockaddr *)&ss, len), 0);
    assert_true(send(fd, "GET /metrics HTTP/1.0\r\n\r\n", 25, 0) == 25);
    for (;;) {
        ssize_t n;
        if (size - got < 4096) {
            size = size * 2 + 8192;
            buf = oo_realloc(buf, size);
        }
        n = recv(fd, buf + got, size - got - 1, 0);
        assert_true(n >= 0); /* not a timeout: the thread answered */
        if (n == 0)
            break;
        got += (size_t)n;
    }
    close(fd);
    buf[got] = '\0';
    return buf;
}

static const char *body_of(const char *resp)
{
    const char *p = strstr(resp, "\r\n\r\n");

    assert_non_null(p);
    return p + 4;
}

/* A text of n lines "x_<tag> i\n", malloc'ed. */
static char *texts(char tag, size_t n, size_t *ret_len)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);

    assert_non_null(f);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "x_%c %zu\n", tag, i);
    fclose(f);
    *ret_len = len;
    return buf;
}

struct publisher {
    struct oo_metrics_board *b;
    atomic_int stop;                /* set by the test thread */
    atomic_uint published;          /* texts published so far */
};

/* Publishes two texts of different lengths in turn until told to stop. */
static void *publish_loop(void *arg)
{
    struct publisher *p = arg;

    while (!atomic_load(&p->stop)) {
        size_t len;
        unsigned k = atomic_load(&p->published);
        char *t = texts(k % 2 ? 'b' : 'a', k % 2 ? 3000 : 1000, &len);
        oo_metrics_board_publish(p->b, t, len);
        atomic_store(&p->published, k + 1);
    }
    return NULL;
}

/* The server thread answers while the caller never runs it (as the
 * daemon's loop during a pass), and every answer is one whole text even
 * while another thread keeps publishing. */
static void test_http_thread(void **state)
{
    struct oo_metrics_board *b = oo_metrics_board_create();
    struct oo_http *h = NULL;
    struct oo_http_thread *t = NULL;
    struct publisher pub = { .b = b };
    pthread_t tid;
    char addr[32], *resp, *a, *bb;
    size_t alen, blen;
    int fetches = 0;

    h = open_free_port(1, addr, sizeof addr);
    oo_metrics_board_publish(b, oo_strdup("first 1\n"), 8);
    assert_int_equal(oo_http_thread_start(h, oo_metrics_board_body, b, &t), 0);

    resp = fetch(addr);
    assert_true(!strncmp(resp, "HTTP/1.0 200 OK\r\n", 17));
    assert_string_equal(body_of(resp), "first 1\n");
    free(resp);
    oo_metrics_board_publish(b, oo_strdup("second 2\n"), 9);
    resp = fetch(addr);
    assert_string_equal(body_of(resp), "second 2\n");
    free(resp);

    a = texts('a', 1000, &alen);
    bb = texts('b', 3000, &blen);
    assert_int_equal(pthread_create(&tid, NULL, publish_loop, &pub), 0);
    /* 40 answers at least, and while 10 texts at least were published. */
    for (int i = 0; i < 40 || atomic_load(&pub.published) < 10; i++) {
        const char *body;
        assert_true(i < 100000);
        resp = fetch(addr);
        body = body_of(resp);
        if (strcmp(body, a) && strcmp(body, bb) && strcmp(body, "second 2\n"))
            fail_msg("answer %d is no whole text (%zu bytes)", i, strlen(body));
        free(resp);
        fetches++;
    }
    atomic_store(&pub.stop, 1);
    pthread_join(tid, NULL);
    oo_http_thread_stop(t);
    assert_int_equal(oo_http_served(h, true), 2 + fetches);
    oo_http_thread_stop(NULL);
    oo_http_close(h);
    oo_metrics_board_destroy(b);
    free(a);
    free(bb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escaping),
        cmocka_unit_test(test_host_metrics),
        cmocka_unit_test(test_host_unknowns_left_out),
        cmocka_unit_test(test_tc_hook),
        cmocka_unit_test(test_tc_from_observation),
        cmocka_unit_test(test_daemon_metrics),
        cmocka_unit_test(test_render_all),
        cmocka_unit_test(test_pass_state),
        cmocka_unit_test(test_render_daemon),
        cmocka_unit_test(test_board),
        cmocka_unit_test(test_parse_addr),
        cmocka_unit_test(test_parse_request),
        cmocka_unit_test(test_response),
        cmocka_unit_test(test_http_exchange),
        cmocka_unit_test(test_http_idle_clients_give_way),
        cmocka_unit_test(test_http_out_of_fds),
        cmocka_unit_test(test_http_thread),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
