/* Observed state built from the kernel's own dumps (fixtures), and the status
 * output rendered from it. */
#include <errno.h>
#include <linux/devlink.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/util.h"
#include "controller/observe.h"
#include "controller/status.h"
#include "fixture.h"

/* Decodes every devlink message of a dump fixture with parse. */
static void *decode_all(const char *name, size_t item_size,
                        int (*parse)(const struct nlmsghdr *, void *), size_t *ret_n)
{
    size_t len, n = 0;
    void *buf = fixture_load(name, &len);
    char *items = oo_calloc(32, item_size);
    const struct nlmsghdr *nlh;

    for (unsigned i = 0; (nlh = fixture_msg(buf, len, i)); i++) {
        if (nlh->nlmsg_type < NLMSG_MIN_TYPE)
            continue;
        assert_true(n < 32);
        assert_int_equal(parse(nlh, items + n * item_size), 0);
        n++;
    }
    free(buf);
    *ret_n = n;
    return items;
}

static int parse_dev(const struct nlmsghdr *nlh, void *out) { return oo_dl_parse_dev(nlh, out); }
static int parse_port(const struct nlmsghdr *nlh, void *out) { return oo_dl_parse_port(nlh, out); }

/* The host as captured: netdevsim10 switchdev 4/4 VFs, netdevsim11 legacy 4/4. */
static void load_host(struct oo_observed *o, bool reverse_ports)
{
    size_t n_devs, n_ports;
    struct oo_dl_handle *devs = decode_all("devlink-dev-dump.bin", sizeof *devs, parse_dev, &n_devs);
    struct oo_dl_port *ports = decode_all("devlink-port-dump.bin", sizeof *ports, parse_port, &n_ports);

    if (reverse_ports)
        for (size_t i = 0; i < n_ports / 2; i++) {
            struct oo_dl_port t = ports[i];
            ports[i] = ports[n_ports - 1 - i];
            ports[n_ports - 1 - i] = t;
        }
    memset(o, 0, sizeof *o);
    oo_observe_group(devs, n_devs, ports, n_ports, o);
    o->pfs[0].eswitch = (struct oo_dl_eswitch){ OO_ESWITCH_SWITCHDEV, -1, -1 };
    o->pfs[1].eswitch = (struct oo_dl_eswitch){ OO_ESWITCH_LEGACY, -1, -1 };
    for (int i = 0; i < 2; i++)
        o->pfs[i].sriov = (struct oo_sriov){ true, 4, 4, -1 };
    o->ovs_remote = oo_strdup("unix:/run/ovs/db.sock");
    free(devs);
    free(ports);
}

static void test_group(void **state)
{
    for (int reverse = 0; reverse <= 1; reverse++) {
        struct oo_observed o;

        load_host(&o, reverse);
        assert_int_equal(o.n_pfs, 2);
        assert_string_equal(o.pfs[0].handle.dev, "netdevsim10");
        assert_string_equal(o.pfs[1].handle.dev, "netdevsim11");
        assert_int_equal(o.pfs[0].n_ports, 5);
        assert_int_equal(o.pfs[1].n_ports, 1);
        assert_string_equal(oo_obs_pf_uplink(&o.pfs[0])->netdev, "eth0");
        assert_string_equal(oo_obs_pf_uplink(&o.pfs[1])->netdev, "eth1");
        /* The uplink first, then the representors by VF number, whatever the dump order. */
        for (int vf = 0; vf < 4; vf++) {
            assert_true(oo_port_is_vf_rep(&o.pfs[0].ports[1 + vf]));
            assert_int_equal(o.pfs[0].ports[1 + vf].vfnum, vf);
        }
        oo_observed_free(&o);
        assert_null(o.pfs);
    }
}

static void test_group_drops_orphans(void **state)
{
    struct oo_dl_handle devs[] = { { "pci", "0000:3b:00.1" }, { "pci", "0000:3b:00.0" } };
    struct oo_dl_port ports[3] = { 0 };
    struct oo_observed o = { 0 };

    ports[0].handle = devs[0];
    ports[0].flavour = DEVLINK_PORT_FLAVOUR_PHYSICAL;
    ports[1].handle = (struct oo_dl_handle){ "pci", "0000:99:00.0" };   /* no such instance */
    ports[2].handle = devs[1];
    ports[2].flavour = DEVLINK_PORT_FLAVOUR_PCI_VF;
    oo_observe_group(devs, 2, ports, 3, &o);
    assert_string_equal(o.pfs[0].handle.dev, "0000:3b:00.0");
    assert_int_equal(o.pfs[0].n_ports, 1);
    assert_null(oo_obs_pf_uplink(&o.pfs[0]));
    assert_int_equal(o.pfs[1].n_ports, 1);
    assert_non_null(oo_obs_pf_uplink(&o.pfs[1]));
    oo_observed_free(&o);
}

static int parse_param(const struct nlmsghdr *nlh, void *out) { return oo_dl_parse_param(nlh, out); }
static int parse_rate(const struct nlmsghdr *nlh, void *out) { return oo_dl_parse_rate(nlh, out); }

static void reverse(void *items, size_t n, size_t size)
{
    char tmp[1024], *p = items;

    assert_true(size <= sizeof tmp);
    for (size_t i = 0; i < n / 2; i++) {
        memcpy(tmp, p + i * size, size);
        memcpy(p + i * size, p + (n - 1 - i) * size, size);
        memcpy(p + (n - 1 - i) * size, tmp, size);
    }
}

/* Params and rates come from one dump each for all instances (the kernel's
 * bytes), and are handed to their PF, in a fixed order whatever the dump's. */
static void test_group_params_and_rates(void **state)
{
    for (int rev = 0; rev <= 1; rev++) {
        struct oo_observed o;
        size_t n_params, n_rates;
        struct oo_dl_param *params =
            decode_all("devlink-param-dump.bin", sizeof *params, parse_param, &n_params);
        struct oo_dl_rate *rates =
            decode_all("devlink-rate-dump.bin", sizeof *rates, parse_rate, &n_rates);

        assert_int_equal(n_params, 4);
        assert_int_equal(n_rates, 5);
        if (rev) {
            reverse(params, n_params, sizeof *params);
            reverse(rates, n_rates, sizeof *rates);
        }
        load_host(&o, false);
        oo_observe_group_params(params, n_params, &o);
        oo_observe_group_rates(rates, n_rates, &o);
        free(params);
        free(rates);

        /* Params by name in each instance. */
        for (int pf = 0; pf < 2; pf++) {
            const struct oo_obs_pf *p = &o.pfs[pf];

            assert_int_equal(p->n_params, 2);
            assert_string_equal(p->params[0].name, "max_macs");
            assert_string_equal(p->params[1].name, "test1");
            for (int i = 0; i < 2; i++)
                assert_true(oo_dl_handle_equal(&p->params[i].handle, &p->handle));
        }
        assert_string_equal(o.pfs[0].params[0].values[DEVLINK_PARAM_CMODE_DRIVERINIT].value, "32");
        assert_string_equal(o.pfs[1].params[0].values[DEVLINK_PARAM_CMODE_DRIVERINIT].value, "16");
        assert_string_equal(o.pfs[1].params[1].values[DEVLINK_PARAM_CMODE_DRIVERINIT].value, "false");

        /* Rates: netdevsim10's leaves by port, then its node; none on the legacy PF. */
        assert_int_equal(o.pfs[0].n_rates, 5);
        for (int i = 0; i < 4; i++) {
            assert_int_equal(o.pfs[0].rates[i].type, DEVLINK_RATE_TYPE_LEAF);
            assert_int_equal(o.pfs[0].rates[i].port_index, 128 + i);
        }
        assert_int_equal(o.pfs[0].rates[0].tx_max, 12500000);
        assert_string_equal(o.pfs[0].rates[1].parent, "group1");
        assert_int_equal(o.pfs[0].rates[4].type, DEVLINK_RATE_TYPE_NODE);
        assert_string_equal(o.pfs[0].rates[4].node_name, "group1");
        assert_int_equal(o.pfs[1].n_rates, 0);
        assert_null(o.pfs[1].rates);
        oo_observed_free(&o);
    }
}

static void test_group_params_rates_drop_orphans(void **state)
{
    struct oo_dl_handle devs[] = { { "pci", "0000:3b:00.0" } };
    struct oo_dl_param params[2] = { 0 };
    struct oo_dl_rate rates[2] = { 0 };
    struct oo_observed o = { 0 };

    params[0].handle = (struct oo_dl_handle){ "pci", "0000:99:00.0" };
    params[1].handle = devs[0];
    strcpy(params[1].name, "flow_steering_mode");
    rates[0].handle = devs[0];
    rates[0].type = DEVLINK_RATE_TYPE_LEAF;
    rates[1].handle = (struct oo_dl_handle){ "netdevsim", "netdevsim10" };
    oo_observe_group(devs, 1, NULL, 0, &o);
    oo_observe_group_params(params, 2, &o);
    oo_observe_group_rates(rates, 2, &o);
    assert_int_equal(o.pfs[0].n_params, 1);
    assert_string_equal(o.pfs[0].params[0].name, "flow_steering_mode");
    assert_int_equal(o.pfs[0].n_rates, 1);
    oo_observed_free(&o);

    /* No instances at all. */
    memset(&o, 0, sizeof o);
    oo_observe_group(NULL, 0, NULL, 0, &o);
    oo_observe_group_params(params, 2, &o);
    oo_observe_group_rates(rates, 2, &o);
    assert_int_equal(o.n_pfs, 0);
    oo_observed_free(&o);
}

static char *render(const struct oo_observed *o, bool json)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);

    if (json)
        oo_status_print_json(f, o, false);
    else
        oo_status_print_text(f, o);
    fclose(f);
    return text;
}

static void test_status_json(void **state)
{
    struct oo_observed o;
    char *t;

    load_host(&o, false);
    snprintf(o.ovs.error, sizeof o.ovs.error, "cannot connect to unix:/run/ovs/db.sock: No such file or directory");
    t = render(&o, true);
    assert_non_null(strstr(t, "{\"devlink\":{\"error\":null},\"pfs\":[{\"handle\":\"netdevsim/netdevsim10\","
                              "\"bus\":\"netdevsim\",\"device\":\"netdevsim10\","
                              "\"eswitch\":{\"mode\":\"switchdev\",\"inline_mode\":null,\"encap_mode\":null,"
                              "\"error\":null,\"kernel_message\":null},"
                              "\"sriov\":{\"capable\":true,\"num_vfs\":4,\"total_vfs\":4,\"error\":null},"
                              "\"uplink\":{\"port_index\":0,\"flavour\":\"physical\",\"pfnum\":null,"
                              "\"vfnum\":null,\"controller\":null,\"external\":false,\"netdev\":\"eth0\",\"ifindex\":2},"
                              "\"representors\":[{\"port_index\":128,\"flavour\":\"pcivf\",\"pfnum\":0,\"vfnum\":0,"
                              "\"controller\":0,\"external\":false,\"netdev\":\"eth2\",\"ifindex\":4},"));
    assert_non_null(strstr(t, "\"device\":\"netdevsim11\",\"eswitch\":{\"mode\":\"legacy\""));
    assert_non_null(strstr(t, "\"representors\":[],\"lag\":null}]"));
    assert_non_null(strstr(t, "\"ovs\":{\"remote\":\"unix:/run/ovs/db.sock\",\"reachable\":false,"
                              "\"error\":\"cannot connect to unix:/run/ovs/db.sock: No such file or directory\","
                              /* unreachable: every key there, null */
                              "\"ovs_version\":null,\"db_version\":null,\"hw_offload\":null,"
                              "\"hw_offload_enabled\":null,\"tc_policy\":null,\"max_idle\":null,"
                              "\"next_cfg\":null,\"cur_cfg\":null,\"vswitchd_running\":null,"
                              "\"offload_active\":null,\"restart_needed\":null,\"restart_why\":null,"
                              "\"datapaths\":null,\"bridges\":null},"
                              "\"tc\":{\"error\":null,\"places\":[],\"total\":{\"filters\":0,"));
    free(t);
    oo_observed_free(&o);
}

static void test_status_text(void **state)
{
    struct oo_observed o;
    char *t;

    load_host(&o, false);
    o.pfs[1].lag_err = -ENOENT;     /* as if mlx5 without debugfs */
    o.ovs.reachable = true;
    o.ovs.hw_offload = oo_strdup("true");
    o.ovs.hw_offload_enabled = true;
    o.ovs.n_bridges = 1;
    o.ovs.bridges = oo_calloc(1, sizeof *o.ovs.bridges);
    o.ovs.bridges[0].name = oo_strdup("br0");
    /* A shared block with counts, a device without filters (not listed)
     * and one whose filters could not be read (listed, with why). */
    o.n_tc = 3;
    o.tc = oo_calloc(3, sizeof *o.tc);
    o.tc[0] = (struct oo_obs_tc_place){ .ifindex = 7, .block = 7, .netdev = "bond0", .has_qdisc = true,
        .counts = { .total = 3, .owned = 1, .ovs = 2, .in_hw = 2, .in_hw_count = 4, .not_in_hw = 1,
                    .hw_packets = 10, .sw_packets = 5 } };
    o.tc[1] = (struct oo_obs_tc_place){ .ifindex = 4, .netdev = "eth2" };
    o.tc[2] = (struct oo_obs_tc_place){ .ifindex = 5, .netdev = "eth3", .has_qdisc = true,
        .dump_err = -ENODEV, .dump_error = "filter dump failed: No such device" };
    t = render(&o, false);
    assert_string_equal(t,
        "pf netdevsim/netdevsim10\n"
        "  eswitch:      switchdev\n"
        "  vfs:          4/4\n"
        "  uplink:       eth0 (ifindex 2, port 0)\n"
        "  representors: 4\n"
        "    pf0vf0   eth2            ifindex 4, port 128\n"
        "    pf0vf1   eth3            ifindex 5, port 129\n"
        "    pf0vf2   eth4            ifindex 6, port 130\n"
        "    pf0vf3   eth5            ifindex 7, port 131\n"
        "pf netdevsim/netdevsim11\n"
        "  eswitch:      legacy\n"
        "  vfs:          4/4\n"
        "  uplink:       eth1 (ifindex 3, port 0)\n"
        "  lag:          unreadable (debugfs is not mounted on /sys/kernel/debug)\n"
        "  representors: none (not in switchdev)\n"
        "ovs unix:/run/ovs/db.sock\n"
        "  version:      (unset)\n"
        "  hw-offload:   true\n"
        "  tc-policy:    none (unset)\n"
        "  max-idle:     (unset)\n"
        "  cfg:          next 0, cur 0\n"
        "  ovs-vswitchd: not running\n"
        "  bridges:      1\n"
        "    br0:\n"
        "tc (ingress flower filters of uplinks, representors and bonds)\n"
        "  block 7        3 filters (owned 1, ovs 2, foreign 0), in_hw 2, not_in_hw 1, hw 10 pkts, sw 5 pkts\n"
        "  eth3           unreadable: filter dump failed: No such device\n"
        "  total          3 filters (owned 1, ovs 2, foreign 0), in_hw 2, not_in_hw 1\n"
        "ovs-offloadd: not running\n");
    free(t);
    /* JSON: every place, with its error or null. */
    t = render(&o, true);
    assert_non_null(strstr(t, "{\"device\":\"bond0\",\"ifindex\":7,\"block\":7,\"has_qdisc\":true,"
                              "\"error\":null,\"filters\":3,"));
    assert_non_null(strstr(t, "{\"device\":\"eth2\",\"ifindex\":4,\"block\":null,\"has_qdisc\":false,"
                              "\"error\":null,\"filters\":0,"));
    assert_non_null(strstr(t, "{\"device\":\"eth3\",\"ifindex\":5,\"block\":null,\"has_qdisc\":true,"
                              "\"error\":\"filter dump failed: No such device\",\"filters\":0,"));
    assert_non_null(strstr(t, "\"daemon\":{\"error\":null,\"running\":false,\"pid\":null,"
                              "\"other_pid_namespace\":null,\"config\":null,\"kind\":null,"
                              "\"loaded_ms\":null,\"reload_rejected_ms\":null,\"watches_config\":null,"
                              "\"reload_awaits_nics\":null}"));
    assert_non_null(strstr(t, "\"representors\":[],\"lag\":\"unreadable\"}"));
    assert_non_null(strstr(t, "\"restart_why\":null,\"datapaths\":[],\"bridges\":["));
    free(t);
    /* ovs-vswitchd running: its datapaths' flows, as upcall/show counts them;
     * a datapath with no flow API has no offloaded count. */
    o.ovs.vswitchd_running = 1;
    o.ovs.vswitchd_pid = 42;
    o.ovs.offload_active = 1;
    o.ovs.n_datapaths = 2;
    o.ovs.datapaths[0] = (struct oo_ovs_datapath){ "system@ovs-system", 3, 17, 2 };
    o.ovs.datapaths[1] = (struct oo_ovs_datapath){ "netdev@ovs-netdev", 0, -1, -1 };
    t = render(&o, false);
    assert_non_null(strstr(t, "\n  ovs-vswitchd: running (pid 42), flow offload active\n"
                              "  datapath:     system@ovs-system: 3 flows in the datapath, 17 offloaded to tc; "
                              "2 revalidator threads\n"
                              "  datapath:     netdev@ovs-netdev: 0 flows in the datapath, no flow API\n"
                              "  bridges:      1\n"));
    free(t);
    t = render(&o, true);
    assert_non_null(strstr(t, "\"datapaths\":[{\"name\":\"system@ovs-system\",\"flows\":3,"
                              "\"offloaded_flows\":17,\"revalidator_threads\":2},{\"name\":\"netdev@ovs-netdev\","
                              "\"flows\":0,\"offloaded_flows\":null,\"revalidator_threads\":null}],\"bridges\":["));
    free(t);
    /* No upcall threads: said where the datapath is. */
    o.ovs.datapaths[0].revalidators = 0;
    t = render(&o, false);
    assert_non_null(strstr(t, "  datapath:     system@ovs-system: 3 flows in the datapath, 17 offloaded to tc; "
                              "NO upcall threads: every upcall is lost (ovs-offloadctl doctor says how to fix it)\n"));
    free(t);
    o.ovs.n_datapaths = 0;
    o.ovs.vswitchd_running = 0;
    /* A running daemon: its pid, its config, and a reload it rejected. */
    o.daemon = (struct oo_daemon_state){ .found = true, .pid = 812, .config = "/etc/ovs-offload/config.yaml",
                                         .loaded_ms = 1763784000000, .rejected_ms = 1763785000000 };
    t = render(&o, false);
    assert_non_null(strstr(t, "\novs-offloadd: pid 812, enforcing /etc/ovs-offload/config.yaml (loaded "
                              "2025-11-22T04:00:00Z); a reload was rejected at 2025-11-22T04:16:40Z\n"));
    free(t);
    t = render(&o, true);
    assert_non_null(strstr(t, "\"daemon\":{\"error\":null,\"running\":true,\"pid\":812,"
                              "\"other_pid_namespace\":false,"
                              "\"config\":\"/etc/ovs-offload/config.yaml\",\"kind\":\"yaml\","
                              "\"loaded_ms\":1763784000000,\"reload_rejected_ms\":1763785000000,"
                              "\"watches_config\":false,\"reload_awaits_nics\":false}"));
    free(t);
    /* ... which waits for the offload NICs it names. */
    o.daemon.awaits_nics = true;
    t = render(&o, false);
    assert_non_null(strstr(t, "; a reload was rejected at 2025-11-22T04:16:40Z (it names offload NICs "
                              "not there yet: loaded when they appear)\n"));
    free(t);
    t = render(&o, true);
    assert_non_null(strstr(t, "\"watches_config\":false,\"reload_awaits_nics\":true}"));
    free(t);
    o.daemon.awaits_nics = false;
    o.daemon.rejected_ms = 0;
    t = render(&o, true);
    assert_non_null(strstr(t, "\"loaded_ms\":1763784000000,\"reload_rejected_ms\":null,"));
    free(t);
    /* One that reloads its file when it changes (--watch-config). */
    o.daemon.watching = true;
    t = render(&o, false);
    assert_non_null(strstr(t, "\novs-offloadd: pid 812, enforcing /etc/ovs-offload/config.yaml (loaded "
                              "2025-11-22T04:00:00Z, reloaded when it changes)\n"));
    free(t);
    t = render(&o, true);
    assert_non_null(strstr(t, "\"reload_rejected_ms\":null,\"watches_config\":true,"
                              "\"reload_awaits_nics\":false}"));
    free(t);
    o.daemon.watching = false;
    /* Found through its pidfile's lock: a daemon in another pid namespace. */
    o.daemon.pid_ns_foreign = true;
    t = render(&o, false);
    assert_non_null(strstr(t, "\novs-offloadd: pid 812 (in another pid namespace), enforcing "
                              "/etc/ovs-offload/config.yaml (loaded 2025-11-22T04:00:00Z)\n"));
    free(t);
    t = render(&o, true);
    assert_non_null(strstr(t, "\"pid\":812,\"other_pid_namespace\":true,"));
    free(t);
    oo_observed_free(&o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_group),
        cmocka_unit_test(test_group_drops_orphans),
        cmocka_unit_test(test_group_params_and_rates),
        cmocka_unit_test(test_group_params_rates_drop_orphans),
        cmocka_unit_test(test_status_json),
        cmocka_unit_test(test_status_text),
    };
    return cmocka_run_group_tests_name("observe", tests, NULL, NULL);
}
