/* The planner: one table-driven case per ordering rule, and the idempotence
 * property plan(x, model(plan(x, s))) == {} over random desired/observed
 * pairs, with a model of apply that refuses what the hardware refuses. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <limits.h>
#include <cmocka.h>
#include <linux/devlink.h>
#include <linux/if_ether.h>
#include <linux/pkt_sched.h>

#include "common/util.h"
#include "config/config.h"
#include "config/internal.h"
#include "controller/apply.h"
#include "controller/journal.h"
#include "controller/model.h"
#include "controller/plan.h"
#include "controller/tcplan.h"
#include "fixture.h"
#include "host.h"
#include "ovsdb/offload-state.h"
#include "tc/io.h"
#include "tc/owner.h"
#include "tc/reconcile.h"

/* "kind object, kind object, ..." of a plan, to compare with a table. */
static char *plan_shape(const struct oo_plan *p)
{
    size_t size = 64 + p->n_steps * 128, len = 0;
    char *s = calloc(1, size);

    for (size_t i = 0; i < p->n_steps; i++)
        len += (size_t)snprintf(s + len, size - len, "%s%s %s", i ? ", " : "",
                                oo_step_kind_to_string(p->steps[i].kind), p->steps[i].object);
    return s;
}

static void print_plan(const struct oo_plan *p)
{
    oo_plan_print_text(stderr, p);
}

/* Plans cfg, checks the shape, applies with the model, and plans again:
 * empty. Frees cfg. */
static void check_plan_cfg(struct oo_config *cfg, struct oo_observed *host, const char *want_shape)
{
    struct oo_plan plan, again;
    struct oo_observed after;
    char why[256];
    size_t failed;
    char *shape;

    oo_plan_build(cfg, host, NULL, &plan);
    shape = plan_shape(&plan);
    if (plan.n_errors || strcmp(shape, want_shape)) {
        print_plan(&plan);
        fail_msg("plan shape:\n got: %s\nwant: %s", shape, want_shape);
    }
    oo_observed_copy(&after, host);
    if (oo_model_apply(&after, &plan, &failed, why, sizeof why) < 0) {
        print_plan(&plan);
        fail_msg("step %zu refused: %s", failed + 1, why);
    }
    oo_plan_build(cfg, &after, NULL, &again);
    if (again.n_steps || again.n_errors) {
        print_plan(&again);
        fail_msg("second plan not empty");
    }
    free(shape);
    oo_plan_free(&plan);
    oo_plan_free(&again);
    oo_observed_free(&after);
    host_free_config(cfg);
}

static void check_plan(const char *yaml, struct oo_observed *host, const char *want_shape)
{
    check_plan_cfg(host_load_config(yaml), host, want_shape);
}

/* Plans and expects exactly one error containing `text` and no steps applied. */
static void check_error(const char *yaml, struct oo_observed *host, const struct oo_plan_opts *opts,
                        const char *text)
{
    struct oo_config *cfg = host_load_config(yaml);
    struct oo_plan plan;

    oo_plan_build(cfg, host, opts, &plan);
    if (plan.n_errors != 1 || !strstr(plan.errors[0].message, text)) {
        print_plan(&plan);
        fail_msg("want one error with '%s'", text);
    }
    oo_plan_free(&plan);
    host_free_config(cfg);
}

/* The plan has no error and one note, with text; returns its step count. */
static size_t check_note(const char *yaml, struct oo_observed *host, const struct oo_plan_opts *opts,
                         const char *text)
{
    struct oo_config *cfg = host_load_config(yaml);
    struct oo_plan plan;
    size_t n;

    oo_plan_build(cfg, host, opts, &plan);
    if (plan.n_errors || plan.n_notes != 1 || !strstr(plan.notes[0].message, text)) {
        print_plan(&plan);
        fail_msg("want no error and one note with '%s'", text);
    }
    n = plan.n_steps;
    oo_plan_free(&plan);
    host_free_config(cfg);
    return n;
}

#define PF0 "pfs:\n  - {name: pf0, device: pci/0000:3b:00.0"
/* netdevsim10 in switchdev with 2 VFs, as pf0 (a whole config up to its bridges). */
#define NSIM_PF0_2VFS "version: 1\npfs:\n  - {name: pf0, device: netdevsim/netdevsim10, eswitch: switchdev, num_vfs: 2}\n"
#define PF1 "  - {name: pf1, device: pci/0000:3b:00.1"

/* Rule: VF count first while legacy, wait, unbind, switchdev, hw-tc-offload, rebind. */
static void test_legacy_to_switchdev_pci(void **state)
{
    struct oo_observed h = { 0 };

    host_add_pf(&h, "pci", "0000:3b:00.0", "enp59s0f0", OO_ESWITCH_LEGACY, 0);
    check_plan("version: 1\n" PF0 ", eswitch: switchdev, num_vfs: 4}\n", &h,
               "num-vfs pf0, wait-vfs pf0, vf-unbind pf0, eswitch-mode pf0, wait-vfs pf0, "
               "hw-tc-offload pf0, vf-bind pf0");
    oo_observed_free(&h);
}

/* Rule: netdevsim VFs are not devices: no unbind/bind. */
static void test_legacy_to_switchdev_netdevsim(void **state)
{
    struct oo_observed h = { 0 };

    host_add_pf(&h, "netdevsim", "netdevsim10", "eth0", OO_ESWITCH_LEGACY, 0);
    check_plan("version: 1\npfs:\n  - {name: pf0, device: netdevsim/netdevsim10, eswitch: switchdev, num_vfs: 4}\n",
               &h, "num-vfs pf0, wait-vfs pf0, eswitch-mode pf0, wait-vfs pf0, hw-tc-offload pf0");
    oo_observed_free(&h);
}

/* Rule: a count change on a switchdev PF goes through legacy and through 0. */
static void test_count_change_in_switchdev(void **state)
{
    struct oo_observed h = { 0 };

    host_add_pf(&h, "pci", "0000:3b:00.0", "enp59s0f0", OO_ESWITCH_SWITCHDEV, 4);
    check_plan("version: 1\n" PF0 ", eswitch: switchdev, num_vfs: 6}\n", &h,
               "vf-unbind pf0, eswitch-mode pf0, num-vfs pf0, num-vfs pf0, wait-vfs pf0, "
               "vf-unbind pf0, eswitch-mode pf0, wait-vfs pf0, vf-bind pf0");
    oo_observed_free(&h);
}

/* Rule: devlink params only while legacy, before switchdev. */
static void test_params_while_legacy(void **state)
{
    struct oo_observed h = { 0 };

    host_add_pf(&h, "netdevsim", "netdevsim10", "eth0", OO_ESWITCH_SWITCHDEV, 2);
    check_plan("version: 1\npfs:\n  - {name: pf0, device: netdevsim/netdevsim10, eswitch: switchdev, "
               "num_vfs: 2, params: {flow_steering_mode: smfs}}\n", &h,
               "eswitch-mode pf0, devlink-param pf0, eswitch-mode pf0, wait-vfs pf0");
    oo_observed_free(&h);
}

/* A param's value is compared as devlink shows it: written as 0x10000 or
 * True, a value the device already has changes nothing (it used to pass
 * through legacy on every run). A value that is none of the param's type is a
 * plan error, before anything is touched, not a failed step in the window. */
static void test_params_compared_as_devlink_shows_them(void **state)
{
    struct oo_observed h = { 0 };
    const char *pf = "version: 1\npfs:\n  - {name: pf0, device: netdevsim/netdevsim10, "
                     "eswitch: switchdev, num_vfs: 2, params: ";
    char yaml[256];

    host_add_pf(&h, "netdevsim", "netdevsim10", "eth0", OO_ESWITCH_SWITCHDEV, 2);
    host_add_param(&h, 0, "ct_max_offloaded_conns", OO_DL_PARAM_TYPE_U32, "65536");
    host_add_param(&h, 0, "enable_roce", OO_DL_PARAM_TYPE_BOOL, "true");
#define PARAMS(p) (snprintf(yaml, sizeof yaml, "%s%s}\n", pf, p), yaml)
    check_plan(PARAMS("{ct_max_offloaded_conns: 0x10000, enable_roce: True}"), &h, "");
    check_plan(PARAMS("{ct_max_offloaded_conns: 65536, enable_roce: TRUE}"), &h, "");
    /* A different value does go through legacy, written as devlink shows it. */
    check_plan(PARAMS("{ct_max_offloaded_conns: 0x20000}"), &h,
               "eswitch-mode pf0, devlink-param pf0, eswitch-mode pf0, wait-vfs pf0");
    {
        struct oo_config *cfg = host_load_config(PARAMS("{ct_max_offloaded_conns: 0x20000, enable_roce: False}"));
        struct oo_plan plan;
        int n = 0;

        oo_plan_build(cfg, &h, NULL, &plan);
        for (size_t i = 0; i < plan.n_steps; i++) {
            if (plan.steps[i].kind != OO_STEP_DEVLINK_PARAM)
                continue;
            n++;
            assert_string_equal(plan.steps[i].to, !strcmp(plan.steps[i].name, "enable_roce")
                                                      ? "false" : "131072");
        }
        assert_int_equal(n, 2);
        oo_plan_free(&plan);
        host_free_config(cfg);
    }
    check_error(PARAMS("{enable_roce: yes}"), &h, NULL,
                "devlink param 'enable_roce' is a bool: 'yes' is neither true nor false");
    check_error(PARAMS("{ct_max_offloaded_conns: 4294967296}"), &h, NULL,
                "devlink param 'ct_max_offloaded_conns' is a u32: 4294967296 is out of its range");
    check_error(PARAMS("{ct_max_offloaded_conns: \"010\"}"), &h, NULL,
                "'010' is not a number (decimal, or hex with 0x)");
    check_error(PARAMS("{ct_max_offloaded_conns: many}"), &h, NULL, "is not a number");
    /* On a legacy PF too (set in its legacy phase). */
    h.pfs[0].eswitch.mode = OO_ESWITCH_LEGACY;
    check_error(PARAMS("{enable_roce: 1}"), &h, NULL, "is neither true nor false");
#undef PARAMS
    oo_observed_free(&h);
}

/* One PF written twice, by device and by uplink netdev: validation cannot
 * tell, the plan can (two plans for one device would undo each other). */
static void test_same_pf_twice(void **state)
{
    struct oo_observed h = { 0 };

    host_add_pf(&h, "pci", "0000:3b:00.0", "enp59s0f0", OO_ESWITCH_LEGACY, 0);
    check_error("version: 1\npfs:\n"
                "  - {name: pf0, device: pci/0000:3b:00.0, eswitch: switchdev, num_vfs: 4}\n"
                "  - {name: pf1, netdev: enp59s0f0, eswitch: legacy, num_vfs: 8}\n", &h, NULL,
                "the same device as pf0 (pci/0000:3b:00.0, uplink enp59s0f0): write one pf entry per device");
    oo_observed_free(&h);
}

/* Rule: esw_multiport after switchdev (Linux 6.3+); a driver without it (6.1)
 * gets a note, not a blocker. */
static void test_multiport_after_switchdev(void **state)
{
    struct oo_observed h = { 0 };

    host_add_pf(&h, "netdevsim", "netdevsim10", "eth0", OO_ESWITCH_LEGACY, 2);
    check_plan("version: 1\npfs:\n  - {name: pf0, device: netdevsim/netdevsim10, eswitch: switchdev, "
               "num_vfs: 2, multiport: true}\n", &h,
               "eswitch-mode pf0, wait-vfs pf0, hw-tc-offload pf0, multiport pf0");
    oo_observed_free(&h);
    /* MPV on a PCI NIC: switchdev on both PFs, esw_multiport, and only
     * then the VFs (ovs-tests' config_mpesw). */
    memset(&h, 0, sizeof h);
    host_add_pf(&h, "pci", "0000:3b:00.0", "p0", OO_ESWITCH_LEGACY, 2);
    host_add_pf(&h, "pci", "0000:3b:00.1", "p1", OO_ESWITCH_LEGACY, 2);
    check_plan("version: 1\n" PF0 ", eswitch: switchdev, num_vfs: 2, multiport: true}\n"
               PF1 ", eswitch: switchdev, num_vfs: 2, multiport: true}\n", &h,
               "vf-unbind pf0, eswitch-mode pf0, wait-vfs pf0, hw-tc-offload pf0, "
               "vf-unbind pf1, eswitch-mode pf1, wait-vfs pf1, hw-tc-offload pf1, "
               "multiport pf0, multiport pf1, vf-bind pf0, vf-bind pf1");
    oo_observed_free(&h);
    /* Linux 6.1: no such param. */
    memset(&h, 0, sizeof h);
    host_add_pf(&h, "netdevsim", "netdevsim10", "eth0", OO_ESWITCH_SWITCHDEV, 2);
    h.pfs[0].n_params = 1;      /* flow_steering_mode only */
    assert_int_equal(check_note("version: 1\npfs:\n  - {name: pf0, device: netdevsim/netdevsim10, "
                                "eswitch: switchdev, num_vfs: 2, multiport: true}\n", &h, NULL,
                                "turns the multiport eswitch on by itself"), 0);
    oo_observed_free(&h);
}

/* Rule: the netdevs the config has carry traffic go up when they are down:
 * a bridge's uplink and representors, an MPV pair's uplinks and
 * representors (one step per netdev, after OVS has them); not a
 * representor the config does not name, not a bond member (it goes up with
 * its bond), not a netdev that is up. */
static void test_links_up(void **state)
{
    struct oo_observed h = { 0 };

    host_add_pf(&h, "pci", "0000:3b:00.0", "p0", OO_ESWITCH_SWITCHDEV, 4);
    host_add_pf(&h, "pci", "0000:3b:00.1", "p1", OO_ESWITCH_SWITCHDEV, 4);
    for (size_t i = 0; i < 2; i++)          /* multiport on already */
        for (size_t k = 0; k < h.pfs[i].n_params; k++)
            if (!strcmp(h.pfs[i].params[k].name, "esw_multiport"))
                oo_strlcpy(h.pfs[i].params[k].values[DEVLINK_PARAM_CMODE_RUNTIME].value, "true",
                           sizeof h.pfs[i].params[k].values[0].value);
    host_ovs(&h, true);
    host_ovs_bridge(&h, "br0", true);
    host_ovs_port(&h, "br0", "p0", true);
    host_ovs_port(&h, "br0", "p0_0", true);
    host_ovs_port(&h, "br0", "p0_1", true);
    /* As the kernel has it: an OVS port's master is the datapath. */
    oo_strlcpy(host_add_link(&h, "ovs-system")->kind, "openvswitch", sizeof h.links[0].kind);
    host_link(&h, "p0")->master = host_link(&h, "p0_0")->master = host_link(&h, "ovs-system")->ifindex;
    host_link(&h, "p0_1")->master = host_link(&h, "ovs-system")->ifindex;
    host_link(&h, "p0")->up = false;
    host_link(&h, "p0_1")->up = false;
    host_link(&h, "p0_3")->up = false;
    host_link(&h, "p1_0")->up = false;      /* named by no config entry */
    host_link(&h, "p1")->up = false;
    host_link(&h, "p1_2")->up = false;
    struct oo_config *cfg = host_load_config(
        "version: 1\n" PF0 ", eswitch: switchdev, num_vfs: 4, multiport: true}\n"
        PF1 ", eswitch: switchdev, num_vfs: 4, multiport: true}\n"
        "bridges:\n  - {name: br0, uplink: pf0, representors: ['pf0/0-1']}\n"
        "tc:\n  mpv:\n"
        "    - {name: a, vfs: [pf0/2, pf1/2], ip: 10.0.0.2}\n"
        "    - {name: b, vfs: [pf0/3, pf1/3], ip: 10.0.0.3}\n");
    struct oo_plan plan;
    char *shape;

    oo_plan_build(cfg, &h, NULL, &plan);
    assert_int_equal(plan.n_errors, 0);
    /* Before the tc rules (steps 6..11: no ingress qdisc here yet). */
    assert_int_equal(plan.n_steps, 11);
    plan.n_steps = 5;
    shape = plan_shape(&plan);
    assert_string_equal(shape, "link-up p0, link-up p0_1, link-up p1, link-up p1_2, link-up p0_3");
    for (size_t i = 0; i < plan.n_steps; i++) {
        assert_string_equal(plan.steps[i].from, "down");
        assert_string_equal(plan.steps[i].to, "up");
    }
    /* Uplinks by name; representors by VF (udev may rename them meanwhile). */
    assert_string_equal(plan.steps[0].name, "p0");
    assert_string_equal(plan.steps[1].name, "");
    assert_int_equal(plan.steps[1].vf, 1);
    assert_int_equal(plan.steps[1].obs_pf, 0);
    assert_string_equal(plan.steps[4].name, "");
    assert_int_equal(plan.steps[4].vf, 3);
    free(shape);
    plan.n_steps = 11;
    oo_plan_free(&plan);
    /* Up, they are in sync. */
    host_link(&h, "p0")->up = host_link(&h, "p0_1")->up = host_link(&h, "p1")->up = true;
    host_link(&h, "p1_2")->up = host_link(&h, "p0_3")->up = true;
    oo_plan_build(cfg, &h, NULL, &plan);
    for (size_t i = 0; i < plan.n_steps; i++)
        assert_int_not_equal(plan.steps[i].kind, OO_STEP_LINK_UP);
    oo_plan_free(&plan);
    host_free_config(cfg);
    oo_observed_free(&h);
}

/* A bridge representor's IPv6 goes off: an up one by an ipv6-off step, a
 * down one by its link-up (opt 1: before it goes up). One already off, one
 * the config does not name, and those of a PF with representor_ipv6: true
 * are left as they are. */
static void test_representor_ipv6(void **state)
{
    struct oo_observed h = { 0 };
    struct oo_config *cfg;
    struct oo_plan plan;
    char *shape;
    const char *yaml = "version: 1\n" PF0 ", eswitch: switchdev, num_vfs: 4}\n"
                       "bridges:\n  - {name: br0, uplink: pf0, representors: ['pf0/0-2']}\n";

    (void)state;
    host_add_pf(&h, "pci", "0000:3b:00.0", "p0", OO_ESWITCH_SWITCHDEV, 4);
    host_ovs(&h, true);
    host_ovs_bridge(&h, "br0", true);
    oo_strlcpy(host_add_link(&h, "ovs-system")->kind, "openvswitch", sizeof h.links[0].kind);
    for (const char *const *n = (const char *const[]){ "p0", "p0_0", "p0_1", "p0_2", NULL }; *n; n++) {
        host_ovs_port(&h, "br0", *n, true);
        host_link(&h, *n)->master = host_link(&h, "ovs-system")->ifindex;
    }
    host_link(&h, "p0_0")->ipv6_disabled = 0;
    host_link(&h, "p0_1")->ipv6_disabled = 0;
    host_link(&h, "p0_1")->up = false;
    host_link(&h, "p0_2")->ipv6_disabled = 1;
    host_link(&h, "p0_3")->ipv6_disabled = 0;   /* on no bridge */
    check_plan(yaml, &h, "link-up p0_1, ipv6-off p0_0");

    cfg = host_load_config(yaml);
    oo_plan_build(cfg, &h, NULL, &plan);
    assert_int_equal(plan.n_steps, 2);
    assert_int_equal(plan.steps[0].vf, 1);
    assert_int_equal(plan.steps[0].opt, 1);
    assert_string_equal(plan.steps[1].name, "p0_0");
    assert_string_equal(plan.steps[1].from, "on");
    assert_string_equal(plan.steps[1].to, "off");
    oo_plan_free(&plan);
    host_free_config(cfg);

    /* After the rules: a /proc that cannot be written keeps none from the
     * host. New representors (VFs made in this run) go up with opt 1, the
     * uplink's link-up never has it. */
    host_link(&h, "p0")->up = false;
    cfg = host_load_config("version: 1\n" PF0 ", eswitch: switchdev, num_vfs: 2}\n"
                           "bridges:\n  - {name: br0, uplink: pf0, representors: ['pf0/0-1']}\n"
                           "tc:\n  rules:\n    - {name: r, dev: pf0/0, prio: 10, actions: [drop],\n"
                           "       match: {eth_type: ipv4, dst_ip: 10.0.0.1}}\n");
    oo_plan_build(cfg, &h, NULL, &plan);
    size_t n_new = 0, tc_at = 0;
    for (size_t i = 0; i < plan.n_steps; i++) {
        const struct oo_step *st = &plan.steps[i];
        if (st->kind == OO_STEP_TC_SYNC && !tc_at)
            tc_at = i + 1;
        if (st->kind == OO_STEP_LINK_UP && st->vf < 0)
            assert_int_equal(st->opt, 0);
        if (st->kind == OO_STEP_LINK_UP && st->vf >= 0 && !strcmp(st->from, "new")) {
            assert_int_equal(st->opt, 1);
            n_new++;
        }
        assert_int_not_equal(st->kind, OO_STEP_LINK_IPV6_OFF);  /* every one is made anew */
    }
    if (n_new != 2 || !tc_at) {
        print_plan(&plan);
        fail_msg("want 2 new representors' link-up with opt 1 and a tc-sync");
    }
    oo_plan_free(&plan);
    host_free_config(cfg);
    host_link(&h, "p0")->up = true;
    host_link(&h, "p0_1")->up = true;
    host_link(&h, "p0_1")->ipv6_disabled = 0;
    cfg = host_load_config("version: 1\n" PF0 ", eswitch: switchdev, num_vfs: 4}\n"
                           "bridges:\n  - {name: br0, uplink: pf0, representors: ['pf0/0-2']}\n"
                           "tc:\n  rules:\n    - {name: r, dev: pf0/0, prio: 10, actions: [drop],\n"
                           "       match: {eth_type: ipv4, dst_ip: 10.0.0.1}}\n");
    oo_plan_build(cfg, &h, NULL, &plan);
    shape = plan_shape(&plan);
    assert_string_equal(shape, "tc-sync pf0/vf0, ipv6-off p0_0, ipv6-off p0_1");
    free(shape);
    oo_plan_free(&plan);
    host_free_config(cfg);
    host_link(&h, "p0_1")->up = false;

    /* Left on by the config: the down one goes up as it is. */
    yaml = "version: 1\n" PF0 ", eswitch: switchdev, num_vfs: 4, representor_ipv6: true}\n"
           "bridges:\n  - {name: br0, uplink: pf0, representors: ['pf0/0-2']}\n";
    check_plan(yaml, &h, "link-up p0_1");
    cfg = host_load_config(yaml);
    oo_plan_build(cfg, &h, NULL, &plan);
    shape = plan_shape(&plan);
    assert_string_equal(shape, "link-up p0_1");
    assert_int_equal(plan.steps[0].opt, 0);
    free(shape);
    oo_plan_free(&plan);
    host_free_config(cfg);
    oo_observed_free(&h);
}

/* inline/encap modes go with the mode change, or alone on a switchdev PF. */
static void test_eswitch_attrs(void **state)
{
    struct oo_observed h = { 0 };
    struct oo_config *cfg;
    struct oo_plan plan;

    host_add_pf(&h, "netdevsim", "netdevsim10", "eth0", OO_ESWITCH_LEGACY, 0);
    host_add_pf(&h, "netdevsim", "netdevsim11", "eth1", OO_ESWITCH_SWITCHDEV, 0);
    cfg = host_load_config("version: 1\npfs:\n"
                   "  - {name: pf0, device: netdevsim/netdevsim10, eswitch: switchdev, inline_mode: network}\n"
                   "  - {name: pf1, device: netdevsim/netdevsim11, eswitch: switchdev, encap_mode: basic}\n");
    oo_plan_build(cfg, &h, NULL, &plan);
    assert_int_equal(plan.n_errors, 0);
    assert_int_equal(plan.n_steps, 3);
    assert_string_equal(plan.steps[0].to, "switchdev inline-mode network");
    assert_int_equal(plan.steps[0].num2, 2);
    assert_int_equal(plan.steps[0].opt, -1);
    assert_int_equal(plan.steps[1].kind, OO_STEP_HW_TC_OFFLOAD);
    assert_string_equal(plan.steps[2].object, "pf1");
    assert_string_equal(plan.steps[2].from, "switchdev");
    assert_string_equal(plan.steps[2].to, "switchdev encap-mode basic");
    oo_plan_free(&plan);
    host_free_config(cfg);
    oo_observed_free(&h);
}

/* Rule: per-VF link state and rates by IFLA_VF in legacy, rates by devlink in switchdev. */
static void test_vf_settings_follow_mode(void **state)
{
    struct oo_observed h = { 0 };

    host_add_pf(&h, "netdevsim", "netdevsim10", "eth0", OO_ESWITCH_LEGACY, 2);
    host_add_pf(&h, "netdevsim", "netdevsim11", "eth1", OO_ESWITCH_SWITCHDEV, 2);
    check_plan("version: 1\npfs:\n"
               "  - {name: pf0, device: netdevsim/netdevsim10, eswitch: legacy, num_vfs: 2,\n"
               "     vfs: [{id: 1, mac: '02:00:00:00:00:01', vlan: 10, qos: 3, trust: true,\n"
               "            spoofchk: false, link_state: disable, max_tx_rate: 1000, min_tx_rate: 100}]}\n"
               "  - {name: pf1, device: netdevsim/netdevsim11, eswitch: switchdev, num_vfs: 2,\n"
               "     vfs: [{id: 0, max_tx_rate: 2000, min_tx_rate: 100}]}\n", &h,
               "vf-mac pf0/vf1, vf-vlan pf0/vf1, vf-trust pf0/vf1, vf-spoofchk pf0/vf1, "
               "vf-link-state pf0/vf1, vf-rate pf0/vf1, vf-devlink-rate pf1/vf0");
    oo_observed_free(&h);
}

/* Rule: VF-LAG: switchdev on both, members down, enslave, bond up, members up,
 * wait for the LAG, only then bind the VFs. */
static void test_vflag_order(void **state)
{
    struct oo_observed h = { 0 };

    host_add_pf(&h, "pci", "0000:3b:00.0", "p0", OO_ESWITCH_LEGACY, 2);
    host_add_pf(&h, "pci", "0000:3b:00.1", "p1", OO_ESWITCH_LEGACY, 2);
    check_plan("version: 1\n" PF0 ", eswitch: switchdev, num_vfs: 2}\n"
               PF1 ", eswitch: switchdev, num_vfs: 2}\n"
               "bonds:\n  - {name: bond0, mode: balance-xor, members: [pf0, pf1], xmit_hash_policy: layer3+4}\n",
               &h,
               "vf-unbind pf0, eswitch-mode pf0, wait-vfs pf0, hw-tc-offload pf0, "
               "vf-unbind pf1, eswitch-mode pf1, wait-vfs pf1, hw-tc-offload pf1, "
               "bond-create bond0, bond-set bond0, link-down p0, bond-enslave p0, link-down p1, "
               "bond-enslave p1, link-up bond0, link-up p0, link-up p1, wait-lag bond0, "
               "vf-bind pf0, vf-bind pf1");
    oo_observed_free(&h);
}


/* Marks VF i as unbound by an earlier apply that was stopped before vf-bind
 * (its journal names the driver); NULL: unbound by someone else. */
static void vf_left_unbound(struct oo_obs_pf *p, size_t i, const char *journaled)
{
    p->vfdevs[i].driver[0] = '\0';
    oo_strlcpy(p->vfdevs[i].unbound_from, journaled ? journaled : "", sizeof p->vfdevs[i].unbound_from);
}

/* Rule: a VF-LAG member keeps at most 64 VFs. Written, validation says so;
 * left to the host, which has more, the plan does (the LAG would never come
 * up, and the VFs, unbound until it does, would stay unbound). */
static void test_vflag_host_vf_count(void **state)
{
    struct oo_observed h = { 0 };
    const char *yaml = "version: 1\n" PF0 ", eswitch: switchdev}\n" PF1 ", eswitch: switchdev}\n"
                       "bonds:\n  - {name: bond0, mode: active-backup, members: [pf0, pf1]}\n";
    struct oo_config *cfg = host_load_config(yaml);
    struct oo_plan plan;

    host_add_pf(&h, "pci", "0000:3b:00.0", "p0", OO_ESWITCH_SWITCHDEV, 80);
    host_add_pf(&h, "pci", "0000:3b:00.1", "p1", OO_ESWITCH_SWITCHDEV, 64);
    h.pfs[0].sriov.total_vfs = h.pfs[1].sriov.total_vfs = 127;
    oo_plan_build(cfg, &h, NULL, &plan);
    assert_int_equal(plan.n_errors, 1);
    assert_string_equal(plan.errors[0].object, "pf0");
    assert_non_null(strstr(plan.errors[0].message, "it has 80 VFs and is in bond bond0: the NIC supports "
                                                   "at most 64 VFs per PF under VF-LAG: set num_vfs"));
    oo_plan_free(&plan);
    host_free_config(cfg);
    oo_observed_free(&h);
}

/* Rule: a run stopped after forming the VF-LAG and before binding leaves
 * the VFs unbound; the next one waits for the LAG before it binds them,
 * since binding first would leave VF-LAG off for good. */
static void test_vflag_stopped_before_bind(void **state)
{
    struct oo_observed h = { 0 };
    static const char *const members[] = { "p0", "p1", NULL };
    const char *yaml = "version: 1\n" PF0 ", eswitch: switchdev, num_vfs: 2}\n"
                       PF1 ", eswitch: switchdev, num_vfs: 2}\n"
                       "bonds:\n  - {name: bond0, mode: active-backup, members: [pf0, pf1]}\n";

    host_add_pf(&h, "pci", "0000:3b:00.0", "p0", OO_ESWITCH_SWITCHDEV, 2);
    host_add_pf(&h, "pci", "0000:3b:00.1", "p1", OO_ESWITCH_SWITCHDEV, 2);
    host_add_bond(&h, "bond0", true, OO_CFG_BOND_ACTIVE_BACKUP, members);
    for (size_t i = 0; i < 2; i++) {
        h.pfs[i].hw_tc_offload = 1;
        h.pfs[i].lag_active = 0;    /* not yet: the model refuses a bind before it */
        for (size_t v = 0; v < 2; v++)
            vf_left_unbound(&h.pfs[i], v, "mlx5_core");
    }
    check_plan(yaml, &h, "wait-lag bond0, vf-bind pf0, vf-bind pf1");
    oo_observed_free(&h);
}

/* The steps apply still runs when the first step of kind failed_kind fails
 * (stop: when the apply is asked to stop before that step runs) are want
 * ("kind object, ..."), and none before it. */
static void check_after(const char *yaml, struct oo_observed *host, const char *failed_kind, bool stop,
                        const char *want)
{
    struct oo_config *cfg = host_load_config(yaml);
    struct oo_plan plan, rest = { 0 };
    size_t failed = SIZE_MAX;
    char *shape;

    oo_plan_build(cfg, host, NULL, &plan);
    assert_int_equal(plan.n_errors, 0);
    for (size_t i = 0; i < plan.n_steps && failed == SIZE_MAX; i++)
        if (!strcmp(oo_step_kind_to_string(plan.steps[i].kind), failed_kind))
            failed = i;
    if (failed == SIZE_MAX) {
        print_plan(&plan);
        fail_msg("no %s step", failed_kind);
    }
    rest.steps = calloc(plan.n_steps, sizeof *rest.steps);
    for (size_t j = 0; j < plan.n_steps; j++) {
        bool runs = stop ? oo_plan_after_stop(&plan, failed, j) : oo_plan_after_failure(&plan, failed, j);

        assert_true(j > failed || (stop && j == failed) || !runs);
        if (runs)
            rest.steps[rest.n_steps++] = plan.steps[j];
    }
    shape = plan_shape(&rest);
    assert_string_equal(shape, want);
    free(shape);
    free(rest.steps);
    oo_plan_free(&plan);
    host_free_config(cfg);
}

static void check_after_failure(const char *yaml, struct oo_observed *host, const char *failed_kind,
                                const char *want)
{
    check_after(yaml, host, failed_kind, false, want);
}

/* Rule: a VF-LAG whose members change VF count releases both first. A PF
 * step that fails puts both back into the bond and up (a released slave is
 * closed): the bond is not left empty, nor the uplinks down. The VFs stay
 * unbound: bound before the LAG is active they would never get VF-LAG. */
static void test_vflag_member_change_fails(void **state)
{
    struct oo_observed h = { 0 };
    static const char *const members[] = { "p0", "p1", NULL };
    const char *yaml = "version: 1\n" PF0 ", eswitch: switchdev, num_vfs: 4}\n"
                       PF1 ", eswitch: switchdev, num_vfs: 4}\n"
                       "bonds:\n  - {name: bond0, mode: active-backup, members: [pf0, pf1]}\n";

    host_add_pf(&h, "pci", "0000:3b:00.0", "p0", OO_ESWITCH_SWITCHDEV, 2);
    host_add_pf(&h, "pci", "0000:3b:00.1", "p1", OO_ESWITCH_SWITCHDEV, 2);
    host_add_bond(&h, "bond0", true, OO_CFG_BOND_ACTIVE_BACKUP, members);
    check_after_failure(yaml, &h, "num-vfs", "bond-enslave p0, bond-enslave p1, link-up p0, link-up p1");
    check_after_failure(yaml, &h, "wait-lag", "");
    oo_observed_free(&h);
}

/* Rule: a member released from a bond the config drops is closed by the
 * kernel; it goes up again if it was up. */
static void test_bond_removed_members_up(void **state)
{
    struct oo_observed h = { 0 };
    static const char *const members[] = { "p0", "p1", NULL };

    host_add_pf(&h, "netdevsim", "netdevsim10", "p0", OO_ESWITCH_SWITCHDEV, 0);
    host_add_pf(&h, "netdevsim", "netdevsim11", "p1", OO_ESWITCH_SWITCHDEV, 0);
    host_add_bond(&h, "bond0", true, OO_CFG_BOND_ACTIVE_BACKUP, members);
    host_link(&h, "p0")->up = true;
    host_link(&h, "p1")->up = false;    /* the admin's: stays down */
    check_plan("version: 1\npfs:\n  - {name: pf0, device: netdevsim/netdevsim10, eswitch: switchdev}\n"
               "  - {name: pf1, device: netdevsim/netdevsim11, eswitch: switchdev}\n", &h,
               "bond-release p0, link-up p0, bond-release p1, bond-delete bond0");
    oo_observed_free(&h);
}

/* Rule: VFs a failed apply unbound go back to their driver (its PF's own
 * vf-bind still runs), as do those an earlier run left unbound; binds that
 * wait for a VF-LAG do not run early. */
static void test_binds_after_failure(void **state)
{
    struct oo_observed h = { 0 }, lag = { 0 };
    static const char *const members[] = { "p0", "p1", NULL };

    host_add_pf(&h, "pci", "0000:3b:00.0", "p0", OO_ESWITCH_LEGACY, 2);
    host_add_pf(&h, "pci", "0000:3b:00.1", "p1", OO_ESWITCH_LEGACY, 2);
    const char *both = "version: 1\n" PF0 ", eswitch: switchdev, num_vfs: 2}\n"
                       PF1 ", eswitch: switchdev, num_vfs: 2}\n";
    check_plan(both, &h, "vf-unbind pf0, eswitch-mode pf0, wait-vfs pf0, hw-tc-offload pf0, vf-bind pf0, "
               "vf-unbind pf1, eswitch-mode pf1, wait-vfs pf1, hw-tc-offload pf1, vf-bind pf1");
    check_after_failure(both, &h, "eswitch-mode", "vf-bind pf0, vf-bind pf1");
    check_after_failure(both, &h, "vf-bind", "vf-bind pf1");
    /* Asked to stop (SIGTERM) before pf0's vf-bind ran: it runs too. */
    check_after(both, &h, "vf-bind", true, "vf-bind pf0, vf-bind pf1");

    /* Left unbound by an earlier run, and a step before the bind that the
     * kernel keeps refusing (an inline mode): they are bound anyway. */
    h.pfs[0].eswitch.mode = OO_ESWITCH_SWITCHDEV;
    h.pfs[0].hw_tc_offload = 1;
    vf_left_unbound(&h.pfs[0], 0, "mlx5_core");
    check_after_failure("version: 1\n" PF0 ", eswitch: switchdev, num_vfs: 2, inline_mode: network}\n",
                        &h, "eswitch-mode", "vf-bind pf0");

    /* VF-LAG: bound only after the LAG is active, never early. */
    host_add_pf(&lag, "pci", "0000:3b:00.0", "p0", OO_ESWITCH_SWITCHDEV, 2);
    host_add_pf(&lag, "pci", "0000:3b:00.1", "p1", OO_ESWITCH_SWITCHDEV, 2);
    host_add_bond(&lag, "bond0", true, OO_CFG_BOND_ACTIVE_BACKUP, members);
    for (size_t i = 0; i < 2; i++) {
        lag.pfs[i].hw_tc_offload = 1;
        lag.pfs[i].lag_active = 0;
        for (size_t v = 0; v < 2; v++)
            vf_left_unbound(&lag.pfs[i], v, "mlx5_core");
    }
    check_after_failure("version: 1\n" PF0 ", eswitch: switchdev, num_vfs: 2}\n"
                        PF1 ", eswitch: switchdev, num_vfs: 2}\n"
                        "bonds:\n  - {name: bond0, mode: active-backup, members: [pf0, pf1]}\n",
                        &lag, "wait-lag", "");
    oo_observed_free(&h);
    oo_observed_free(&lag);
}

/* Rule: a bond's mode changes only without members and while down. */
static void test_bond_mode_change(void **state)
{
    struct oo_observed h = { 0 };
    static const char *const members[] = { "p0", "p1", NULL };
    const char *yaml = "version: 1\npfs:\n"
                       "  - {name: pf0, device: netdevsim/netdevsim10, eswitch: switchdev}\n"
                       "  - {name: pf1, device: netdevsim/netdevsim11, eswitch: switchdev}\n"
                       "bonds:\n  - {name: bond0, mode: 802.3ad, members: [pf0, pf1], lacp_rate: fast}\n";

    host_add_pf(&h, "netdevsim", "netdevsim10", "p0", OO_ESWITCH_SWITCHDEV, 0);
    host_add_pf(&h, "netdevsim", "netdevsim11", "p1", OO_ESWITCH_SWITCHDEV, 0);
    host_add_bond(&h, "bond0", true, OO_CFG_BOND_ACTIVE_BACKUP, members);
    check_plan(yaml, &h,
               "bond-release p0, bond-release p1, link-down bond0, bond-set bond0, bond-set bond0, "
               "link-down p0, bond-enslave p0, link-down p1, bond-enslave p1, link-up bond0, "
               "link-up p0, link-up p1, wait-lag bond0");
    /* An enslave refused: what the steps before took down comes up again
     * (the bond, and the member it tried), and the other member, released
     * (which closed it), goes back into the bond; not what they had not
     * reached. */
    check_after_failure(yaml, &h, "bond-enslave", "bond-enslave p1, link-up bond0, link-up p0, link-up p1");
    /* A mode change refused: both members go back into the bond, as before. */
    check_after_failure(yaml, &h, "bond-set",
                        "bond-enslave p0, bond-enslave p1, link-up bond0, link-up p0, link-up p1");
    /* Stopped before bond0 came up again: its own link-up runs. */
    check_after(yaml, &h, "link-up", true, "link-up bond0, link-up p0, link-up p1");
    oo_observed_free(&h);
}

/* Rule: a foreign bond of the same name is never adopted or changed. */
static void test_foreign_bond(void **state)
{
    struct oo_observed h = { 0 };

    host_add_pf(&h, "netdevsim", "netdevsim10", "p0", OO_ESWITCH_SWITCHDEV, 0);
    host_add_pf(&h, "netdevsim", "netdevsim11", "p1", OO_ESWITCH_SWITCHDEV, 0);
    host_add_bond(&h, "bond0", false, OO_CFG_BOND_ACTIVE_BACKUP, NULL);
    check_error("version: 1\npfs:\n"
                "  - {name: pf0, device: netdevsim/netdevsim10, eswitch: switchdev}\n"
                "  - {name: pf1, device: netdevsim/netdevsim11, eswitch: switchdev}\n"
                "bonds:\n  - {name: bond0, mode: active-backup, members: [pf0, pf1]}\n",
                &h, NULL, "ovs-offload did not create it");
    oo_observed_free(&h);
}

/* A bond created by an apply that was killed before marking it is adopted. */
static void test_journaled_bond_adopted(void **state)
{
    struct oo_observed h = { 0 };
    static const char *const members[] = { "p0", NULL };
    const char *yaml = "version: 1\npfs:\n"
        "  - {name: pf0, device: netdevsim/netdevsim10, eswitch: switchdev}\n"
        "  - {name: pf1, device: netdevsim/netdevsim11, eswitch: switchdev}\n"
        "bonds:\n  - {name: bond0, mode: balance-xor, members: [pf0, pf1]}\n";

    host_add_pf(&h, "netdevsim", "netdevsim10", "p0", OO_ESWITCH_SWITCHDEV, 0);
    host_add_pf(&h, "netdevsim", "netdevsim11", "p1", OO_ESWITCH_SWITCHDEV, 0);
    host_add_bond(&h, "bond0", false, OO_CFG_BOND_BALANCE_XOR, members);
    check_error(yaml, &h, NULL, "ovs-offload did not create it");
    h.n_journal_bonds = 1;
    h.journal_bonds = calloc(1, sizeof(char *));
    h.journal_bonds[0] = strdup("bond0");
    check_plan(yaml, &h, "bond-mark bond0, link-down p1, bond-enslave p1, link-up p1, wait-lag bond0");
    /* Dropped from the config: marked before it goes (apply deletes only a
     * marked bond), so that it is not left for good. */
    check_plan("version: 1\npfs:\n  - {name: pf0, device: netdevsim/netdevsim10, eswitch: switchdev}\n", &h,
               "bond-mark bond0, bond-release p0, link-up p0, bond-delete bond0");
    oo_observed_free(&h);
}

/* An entry for a bond that does not exist (the apply stopped before creating
 * it) is dropped: a bond of that name made later by someone else stays
 * theirs. Entries of existing bonds stay, and nothing is dropped when the
 * links could not be read. */
static void test_journal_of_absent_bond_pruned(void **state)
{
    struct oo_observed h = { 0 };
    char *root = fixture_mkdtemp(), path[PATH_MAX];
    char **names;
    size_t n;

    assert_int_equal(oo_journal_add_bond(root, "bond0"), 0);
    assert_int_equal(oo_journal_add_bond(root, "bond1"), 0);
    host_add_bond(&h, "bond1", false, OO_CFG_BOND_ACTIVE_BACKUP, NULL);
    oo_strlcpy(host_add_link(&h, "bond2")->kind, "dummy", sizeof h.links[0].kind);  /* not a bond */
    assert_int_equal(oo_journal_add_bond(root, "bond2"), 0);
    assert_int_equal(oo_journal_read_bonds(root, &h.journal_bonds, &h.n_journal_bonds), 0);
    assert_int_equal(h.n_journal_bonds, 3);

    h.links_err = -EIO;
    oo_apply_prune_journal(root, &h);
    assert_int_equal(oo_journal_read_bonds(root, &names, &n), 0);
    assert_int_equal(n, 3);
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);

    h.links_err = 0;
    oo_apply_prune_journal(root, &h);
    assert_int_equal(oo_journal_read_bonds(root, &names, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(names[0], "bond1");
    free(names[0]);
    free(names);
    snprintf(path, sizeof path, "%s" OO_JOURNAL_BONDS "/bond0", root);
    assert_int_equal(access(path, F_OK), -1);
    oo_observed_free(&h);
    fixture_rmtree(root);
    free(root);
}

/* Rule: OVS detach before legacy; deletions before additions; OVS last;
 * then the representors made in this plan go up (new netdevs are down). */
static void test_ovs_detach_before_legacy(void **state)
{
    struct oo_observed h = { 0 };

    host_add_pf(&h, "netdevsim", "netdevsim10", "eth0", OO_ESWITCH_SWITCHDEV, 2);
    host_ovs(&h, true);
    host_ovs_bridge(&h, "br-offload", true);
    host_ovs_port(&h, "br-offload", "eth0", true);
    host_ovs_port(&h, "br-offload", "eth0_0", true);
    /* As the kernel has it: an OVS port's master is the datapath. */
    oo_strlcpy(host_add_link(&h, "ovs-system")->kind, "openvswitch", sizeof h.links[0].kind);
    host_link(&h, "eth0")->master = host_link(&h, "ovs-system")->ifindex;
    host_link(&h, "eth0_0")->master = host_link(&h, "ovs-system")->ifindex;
    check_plan("version: 1\npfs:\n  - {name: pf0, device: netdevsim/netdevsim10, eswitch: switchdev, num_vfs: 3}\n"
               "bridges:\n  - {name: br-offload, uplink: pf0, representors: ['pf0/0-2']}\n", &h,
               "ovs-del-port br-offload/eth0, ovs-del-port br-offload/eth0_0, eswitch-mode pf0, "
               "num-vfs pf0, num-vfs pf0, wait-vfs pf0, eswitch-mode pf0, wait-vfs pf0, "
               "ovs-add-port br-offload/eth0, ovs-add-port br-offload/pf0/vf0, "
               "ovs-add-port br-offload/pf0/vf1, ovs-add-port br-offload/pf0/vf2, "
               "link-up pf0/vf0, link-up pf0/vf1, link-up pf0/vf2");
    /* The representor is wanted: it goes for the mode change, not for the config. */
    struct oo_config *cfg = host_load_config(
        "version: 1\npfs:\n  - {name: pf0, device: netdevsim/netdevsim10, eswitch: switchdev, num_vfs: 3}\n"
        "bridges:\n  - {name: br-offload, uplink: pf0, representors: ['pf0/0-2']}\n");
    struct oo_plan plan;

    oo_plan_build(cfg, &h, NULL, &plan);
    assert_int_equal(plan.steps[1].kind, OO_STEP_OVS_DEL_PORT);
    assert_string_equal(plan.steps[1].name, "eth0_0");
    assert_string_equal(plan.steps[1].reason,
                        "its PF's eswitch mode changes: the representors go, and are attached again after");
    oo_plan_free(&plan);
    host_free_config(cfg);
    oo_observed_free(&h);
}

/* Rule: a foreign port on a PF that must go to legacy blocks the plan. */
static void test_foreign_uplink_port_blocks_legacy(void **state)
{
    struct oo_observed h = { 0 };

    host_add_pf(&h, "netdevsim", "netdevsim10", "eth0", OO_ESWITCH_SWITCHDEV, 2);
    host_ovs(&h, true);
    host_ovs_bridge(&h, "br-admin", false);
    host_ovs_port(&h, "br-admin", "eth0", false);
    /* As the kernel has it: an OVS port's master is the datapath. One
     * error, about the port, not about a master. */
    oo_strlcpy(host_add_link(&h, "ovs-system")->kind, "openvswitch", sizeof h.links[0].kind);
    host_link(&h, "eth0")->master = host_link(&h, "ovs-system")->ifindex;
    check_error("version: 1\npfs:\n  - {name: pf0, device: netdevsim/netdevsim10, eswitch: legacy}\n",
                &h, NULL, "ovs-offload did");
    oo_observed_free(&h);
}

/* Rule: to switchdev too, the uplink leaves OVS before the eswitch mode
 * changes, and comes back after (the boot case: mlx5 starts in legacy, and
 * OVS attaches the uplink from its database). Someone else's port there
 * blocks the plan. */
static void test_uplink_detached_for_switchdev(void **state)
{
    struct oo_observed h = { 0 };
    static const char yaml[] =
        "version: 1\npfs:\n  - {name: pf0, device: netdevsim/netdevsim10, eswitch: switchdev, num_vfs: 2}\n"
        "bridges:\n  - {name: br-offload, uplink: pf0}\n";

    host_add_pf(&h, "netdevsim", "netdevsim10", "eth0", OO_ESWITCH_LEGACY, 2);
    host_ovs(&h, true);
    host_ovs_bridge(&h, "br-offload", true);
    host_ovs_port(&h, "br-offload", "eth0", true);
    oo_strlcpy(host_add_link(&h, "ovs-system")->kind, "openvswitch", sizeof h.links[0].kind);
    host_link(&h, "eth0")->master = host_link(&h, "ovs-system")->ifindex;
    check_plan(yaml, &h, "ovs-del-port br-offload/eth0, eswitch-mode pf0, wait-vfs pf0, hw-tc-offload pf0, "
                         "ovs-add-port br-offload/eth0");
    oo_observed_free(&h);

    memset(&h, 0, sizeof h);
    host_add_pf(&h, "netdevsim", "netdevsim10", "eth0", OO_ESWITCH_LEGACY, 2);
    host_ovs(&h, true);
    host_ovs_bridge(&h, "br-admin", false);
    host_ovs_port(&h, "br-admin", "eth0", false);
    oo_strlcpy(host_add_link(&h, "ovs-system")->kind, "openvswitch", sizeof h.links[0].kind);
    host_link(&h, "eth0")->master = host_link(&h, "ovs-system")->ifindex;
    check_error("version: 1\npfs:\n  - {name: pf0, device: netdevsim/netdevsim10, eswitch: switchdev}\n",
                &h, NULL, "its uplink eth0 is on bridge br-admin, which ovs-offload did not attach: "
                "detach it (ovs-vsctl del-port eth0) before the eswitch mode changes");
    oo_observed_free(&h);
}

/* Rule: stale owned ports go; foreign ports and bridges stay. */
static void test_stale_and_foreign_ports(void **state)
{
    struct oo_observed h = { 0 };

    host_add_pf(&h, "netdevsim", "netdevsim10", "eth0", OO_ESWITCH_SWITCHDEV, 2);
    host_ovs(&h, true);
    host_ovs_bridge(&h, "br-offload", false);
    host_ovs_port(&h, "br-offload", "gone0", true);         /* netdev vanished */
    host_ovs_port(&h, "br-offload", "vm-tap", false);       /* someone else's */
    host_ovs_port(&h, "br-offload", "eth0_1", true);        /* ours, not wanted any more */
    host_ovs_port(&h, "br-offload", "br-offload", true);    /* the bridge's own port */
    check_plan(NSIM_PF0_2VFS
               "bridges:\n  - {name: br-offload, uplink: pf0, representors: ['pf0/0']}\n", &h,
               /* removals in the order OVSDB's ports are read: by name */
               "ovs-del-port br-offload/eth0_1, ovs-del-port br-offload/gone0, "
               "ovs-add-port br-offload/eth0, ovs-add-port br-offload/eth0_0");
    oo_observed_free(&h);
}

/* Rule: in host.conf mode VF representors are host-agent's: one we attached
 * under an earlier YAML config (marked ours) stays when the config does not
 * name it; an owned port that is no representor still goes. */
static void test_hostconf_keeps_representors(void **state)
{
    static const char yaml[] =
        NSIM_PF0_2VFS
        "bridges:\n  - {name: br-offload, uplink: pf0}\n";
    struct oo_config *cfg = host_load_config(yaml);
    struct oo_observed h = { 0 };
    struct oo_plan plan;

    host_add_pf(&h, "netdevsim", "netdevsim10", "eth0", OO_ESWITCH_SWITCHDEV, 2);
    host_ovs(&h, true);
    host_ovs_bridge(&h, "br-offload", true);
    host_ovs_port(&h, "br-offload", "eth0", true);
    host_ovs_port(&h, "br-offload", "eth0_0", true);    /* ours, from a YAML config */
    host_ovs_port(&h, "br-offload", "eth0_1", false);   /* host-agent's */
    host_add_link(&h, "veth-a");
    host_ovs_port(&h, "br-offload", "veth-a", true);    /* ours, not a representor */
    cfg->reps_owned_by_host_agent = true;
    oo_plan_build(cfg, &h, NULL, &plan);
    if (plan.n_errors || plan.n_steps != 1 || plan.steps[0].kind != OO_STEP_OVS_DEL_PORT ||
        strcmp(plan.steps[0].name, "veth-a") || strcmp(plan.steps[0].reason, "the config no longer wants it")) {
        print_plan(&plan);
        fail_msg("want one step: ovs-del-port br-offload/veth-a, as the config no longer wants it");
    }
    oo_plan_free(&plan);
    host_free_config(cfg);
    oo_observed_free(&h);
}

/* host.conf mode's config for the admin's bond0 (members read from the
 * host); member: also a pfs entry for that member, with num_vfs (a
 * `hostconf:` YAML's settings). */
static struct oo_config *hostconf_bond_config(const char *member, int32_t num_vfs)
{
    struct oo_config *cfg = host_load_config("version: 1\n");

    cfg->bonds = oo_calloc(1, sizeof *cfg->bonds);
    cfg->n_bonds = 1;
    cfg->bonds[0].name = oo_strdup("bond0");
    cfg->bonds[0].members_from_host = true;
    cfg->reps_owned_by_host_agent = true;
    if (member) {
        struct oo_cfg_pf *pf = cfg->pfs = oo_calloc(1, sizeof *cfg->pfs);

        cfg->n_pfs = 1;
        oo_cfg_pf_init(pf);
        pf->name = oo_strdup(member);
        pf->netdev = oo_strdup(member);
        pf->eswitch = OO_ESWITCH_SWITCHDEV;
        pf->num_vfs = num_vfs;
        pf->host_bond_member = true;
    }
    return cfg;
}

/* Rule: in host.conf mode a PF gets all the VFs it offers, but a member of
 * the offloaded bond (VF-LAG) 64 at most, which mlx5 takes for VF-LAG; the
 * plan says so in a note. Here eth0 (128 offered) has 64 and eth1 all its 8:
 * in sync, where "all" would change eth0 (through legacy, which a bond the
 * admin made blocks). */
static void test_hostconf_bond_member_vfs(void **state)
{
    static const char *const members[] = { "eth0", "eth1", NULL };
    struct oo_config *cfg = hostconf_bond_config(NULL, 0);
    struct oo_observed h = { 0 };
    struct oo_plan plan;
    size_t n_num = 0;

    host_add_pf(&h, "netdevsim", "netdevsim10", "eth0", OO_ESWITCH_SWITCHDEV, 64);
    host_add_pf(&h, "netdevsim", "netdevsim11", "eth1", OO_ESWITCH_SWITCHDEV, 8);
    h.pfs[0].sriov.total_vfs = 128;
    host_add_bond(&h, "bond0", false, 4, members);
    oo_plan_build(cfg, &h, NULL, &plan);
    for (size_t i = 0; i < plan.n_steps; i++)
        n_num += plan.steps[i].kind == OO_STEP_NUM_VFS;
    if (plan.n_errors || n_num || plan.n_notes != 1 ||
        !strstr(plan.notes[0].message, "128 VFs offered (sriov_totalvfs), 64 made: a VF-LAG member takes at most 64")) {
        print_plan(&plan);
        fail_msg("want no num-vfs step (64 on eth0, 8 on eth1) and one note for eth0");
    }
    oo_plan_free(&plan);
    /* sriov_totalvfs unreadable: "all" is the VFs there now, and the note
     * does not claim the device offers them. */
    h.pfs[0].sriov.total_vfs = -1;
    h.pfs[0].sriov.num_vfs = 100;
    oo_plan_build(cfg, &h, NULL, &plan);
    bool noted = false;
    for (size_t i = 0; i < plan.n_notes; i++)
        noted |= strstr(plan.notes[i].message, "100 VFs there now (sriov_totalvfs unreadable), 64 made") != NULL;
    if (!noted) {
        print_plan(&plan);
        fail_msg("want a note for eth0's 100 VFs, with sriov_totalvfs unreadable");
    }
    oo_plan_free(&plan);
    host_free_config(cfg);
    oo_observed_free(&h);
}

/* Rule: in host.conf mode the admin's bond keeps its members while their
 * eswitch mode and VF count change (at boot it is made over legacy PFs with
 * no VFs): no release, no enslave; the LAG is waited for, then the VFs
 * bind. A bond host.conf does not name still blocks the change. */
static void test_hostconf_bond_members_switch_in_place(void **state)
{
    static const char *const members[] = { "eth0", "eth1", NULL };
    struct oo_observed h = { 0 };

    host_add_pf(&h, "pci", "0000:3b:00.0", "eth0", OO_ESWITCH_LEGACY, 0);
    host_add_pf(&h, "pci", "0000:3b:00.1", "eth1", OO_ESWITCH_LEGACY, 0);
    host_add_bond(&h, "bond0", false, OO_CFG_BOND_ACTIVE_BACKUP, members);
    check_plan_cfg(hostconf_bond_config(NULL, 0), &h, "num-vfs eth0, wait-vfs eth0, vf-unbind eth0, eswitch-mode eth0, wait-vfs eth0, "
                            "hw-tc-offload eth0, num-vfs eth1, wait-vfs eth1, vf-unbind eth1, eswitch-mode eth1, "
                            "wait-vfs eth1, hw-tc-offload eth1, wait-lag bond0, vf-bind eth0, vf-bind eth1");
    oo_observed_free(&h);

    /* eth0 in a bond host.conf does not name: someone else's, as before. */
    static const char yaml[] =
        "version: 1\n"
        "pfs:\n  - {name: pf0, device: pci/0000:3b:00.0, eswitch: switchdev, num_vfs: 0}\n";
    memset(&h, 0, sizeof h);
    host_add_pf(&h, "pci", "0000:3b:00.0", "eth0", OO_ESWITCH_LEGACY, 0);
    host_add_pf(&h, "pci", "0000:3b:00.1", "eth1", OO_ESWITCH_LEGACY, 0);
    host_add_bond(&h, "bond0", false, OO_CFG_BOND_ACTIVE_BACKUP, members);
    check_error(yaml, &h, NULL, "enslaved to bond0, which ovs-offload does not manage, and its eswitch "
                                "mode must change");
    oo_observed_free(&h);
}

/* Rule: a pfs entry for a member of host.conf's bond (hostconf: YAML)
 * gives that member its settings; the bond's other members keep "all". A
 * count below all gets a note (host-agent's own write would fail). One that
 * no such bond holds is an error naming what the bonds hold. */
static void test_hostconf_bond_member_settings(void **state)
{
    static const char *const members[] = { "eth0", "eth1", NULL };
    struct oo_observed h = { 0 };
    struct oo_config *cfg;
    struct oo_plan plan;

    host_add_pf(&h, "netdevsim", "netdevsim10", "eth0", OO_ESWITCH_SWITCHDEV, 8);
    host_add_pf(&h, "netdevsim", "netdevsim11", "eth1", OO_ESWITCH_SWITCHDEV, 8);
    host_add_pf(&h, "netdevsim", "netdevsim12", "eth2", OO_ESWITCH_LEGACY, 0);
    host_add_bond(&h, "bond0", false, OO_CFG_BOND_ACTIVE_BACKUP, members);
    check_plan_cfg(hostconf_bond_config("eth1", 4), &h,
                   "eswitch-mode eth1, num-vfs eth1, num-vfs eth1, wait-vfs eth1, "
                   "eswitch-mode eth1, wait-vfs eth1, wait-lag bond0");
    /* host-agent, which runs beside, would fail to write all 8: a note. */
    cfg = hostconf_bond_config("eth1", 4);
    oo_plan_build(cfg, &h, NULL, &plan);
    if (plan.n_notes != 1 || strcmp(plan.notes[0].object, "eth1") ||
        !strstr(plan.notes[0].message, "4 VFs asked, the device offers 8: host-agent writes sriov_numvfs = "
                                       "sriov_totalvfs when it starts")) {
        print_plan(&plan);
        fail_msg("want a note on host-agent's write for eth1");
    }
    oo_plan_free(&plan);
    host_free_config(cfg);

    cfg = hostconf_bond_config("eth2", OO_CFG_NUM_VFS_TOTAL);
    oo_plan_build(cfg, &h, NULL, &plan);
    if (plan.n_errors != 1 || strcmp(plan.errors[0].object, "eth2") ||
        !strstr(plan.errors[0].message, "no such bond holds it: bond0 holds eth0 eth1")) {
        print_plan(&plan);
        fail_msg("want one error for eth2, naming bond0's members");
    }
    oo_plan_free(&plan);
    host_free_config(cfg);
    oo_observed_free(&h);
}

/* Rule: a netdev that is already an interface of someone's OVS bond, or a
 * bridge whose name a port or interface has, is a plan error: OVSDB would
 * refuse the whole transaction (EEXIST), every port of the config with it. */
static void test_ovs_name_taken(void **state)
{
    struct oo_observed h = { 0 };
    struct oo_ovs_port *bond;

    host_add_pf(&h, "netdevsim", "netdevsim10", "eth0", OO_ESWITCH_SWITCHDEV, 2);
    host_ovs(&h, true);
    host_ovs_bridge(&h, "br-admin", false);
    host_ovs_port(&h, "br-admin", "bond-adm", false);
    bond = oo_ovs_port_find(&h.ovs, "bond-adm");
    bond->other_ifaces = oo_calloc(3, sizeof(char *));
    bond->other_ifaces[0] = oo_strdup("eth0");
    bond->other_ifaces[1] = oo_strdup("br-new");
    check_error(NSIM_PF0_2VFS
                "bridges:\n  - {name: br-offload, uplink: pf0}\n", &h, NULL,
                "eth0 is an interface of OVS port bond-adm on bridge br-admin (an OVS bond)");
    check_error(NSIM_PF0_2VFS
                "bridges:\n  - {name: br-new, representors: ['pf0/0']}\n", &h, NULL,
                "OVS port bond-adm on bridge br-admin has an interface of that name");
    host_ovs_port(&h, "br-admin", "br-two", false);
    check_error(NSIM_PF0_2VFS
                "bridges:\n  - {name: br-two, representors: ['pf0/1']}\n", &h, NULL,
                "OVS port br-two on bridge br-admin has that name");
    oo_observed_free(&h);
}

/* Rule: a host whose links could not be read gets no plan. Planned from
 * the rest, every owned port would be deleted as "netdev gone" and added
 * back after the device steps, cutting traffic in between. */
static void test_links_unreadable(void **state)
{
    static const char yaml[] =
        NSIM_PF0_2VFS
        "bridges:\n  - {name: br-offload, uplink: pf0, representors: ['pf0/0']}\n";
    struct oo_observed h = { 0 };

    host_add_pf(&h, "netdevsim", "netdevsim10", "eth0", OO_ESWITCH_SWITCHDEV, 2);
    host_ovs(&h, true);
    host_ovs_bridge(&h, "br-offload", true);
    host_ovs_port(&h, "br-offload", "eth0", true);
    host_ovs_port(&h, "br-offload", "eth0_0", true);
    check_plan(yaml, &h, "");
    oo_links_free(h.links, h.n_links);
    h.links = NULL;
    h.n_links = 0;
    h.links_err = -EINTR;
    oo_strlcpy(h.links_error, "link dump failed: Interrupted system call", sizeof h.links_error);
    check_error(yaml, &h, NULL, "cannot read the host's network interfaces: link dump failed");
    oo_observed_free(&h);
}

/* Rule: hw-offload and tc-policy in one transaction; a restart only when the
 * running ovs-vswitchd cannot apply them (OVS 3.1 turns offload on at runtime,
 * reading tc-policy then; off, or a new tc-policy once on, needs a restart). */
static void test_ovs_config_and_restart(void **state)
{
    struct oo_observed h = { 0 };
    struct oo_config *cfg;
    struct oo_plan plan;

    host_ovs(&h, true);
    /* It serves an admin's bridge (a process that serves none is
     * test_unknown_restart_without_bridges's). */
    host_ovs_bridge(&h, "br-ex", false);
    check_plan("version: 1\novs: {hw_offload: true, tc_policy: skip_sw, restart: if-needed}\n", &h,
               "ovs-set-config ovs, ovs-set-config ovs");
    host_ovs_set(&h, "hw-offload", "true");
    h.ovs.offload_active = 1;
    check_plan("version: 1\novs: {hw_offload: true, tc_policy: skip_sw, restart: if-needed}\n", &h,
               "ovs-set-config ovs, ovs-restart ovs-vswitchd");
    check_plan("version: 1\novs: {hw_offload: false, restart: if-needed}\n", &h,
               "ovs-set-config ovs, ovs-restart ovs-vswitchd");
    cfg = host_load_config("version: 1\novs: {hw_offload: true, tc_policy: skip_hw, restart: never}\n");
    oo_plan_build(cfg, &h, NULL, &plan);
    assert_int_equal(plan.n_steps, 1);
    assert_int_equal(plan.n_notes, 1);
    assert_non_null(strstr(plan.notes[0].message, "needs a restart"));
    oo_plan_free(&plan);
    host_free_config(cfg);
    /* Observed: the running process has not applied what is stored. */
    h.ovs.restart_needed = 1;
    snprintf(h.ovs.restart_why, sizeof h.ovs.restart_why, "ovs-vswitchd started before tc-policy was set");
    check_plan("version: 1\novs: {restart: if-needed}\n", &h, "ovs-restart ovs-vswitchd");
    oo_observed_free(&h);
}

/* The plan's last step, or NULL. */
static const struct oo_step *last_step(const struct oo_plan *plan)
{
    return plan->n_steps ? &plan->steps[plan->n_steps - 1] : NULL;
}

/* Rule: whether ovs-vswitchd needs a restart is judged on what the plan's
 * transaction leaves, not on what it finds: a write can end the need (the
 * tc-policy the process runs with put back) as well as make one. */
static void test_restart_judged_after_the_write(void **state)
{
    const char *none = "version: 1\novs: {hw_offload: true, tc_policy: none, restart: if-needed}\n";
    const char *skip_sw = "version: 1\novs: {hw_offload: true, tc_policy: skip_sw, restart: if-needed}\n";
    struct oo_observed h = { 0 };
    struct oo_config *cfg;
    struct oo_plan plan;

    /* Runs with tc-policy none (known from ovs-offload's record); someone
     * stored skip_hw since, which it has not read. It serves an admin's
     * bridge: a doubt alone does not restart it. */
    host_ovs(&h, true);
    host_ovs_bridge(&h, "br-ex", false);
    host_ovs_set(&h, "hw-offload", "true");
    host_ovs_set(&h, "tc-policy", "skip_hw");
    h.ovs.offload_active = 1;
    h.ovs.flow_api = OO_FLOW_API_ON;
    strcpy(h.ovs.flow_api_policy, "none");
    h.ovs.restart_needed = 1;
    strcpy(h.ovs.restart_why, "it runs with tc-policy=none, OVSDB says skip_hw");
    /* Putting none back: no restart. */
    check_plan(none, &h, "ovs-set-config ovs");
    /* Asking for a third value: a restart, for what the write leaves. */
    check_plan(skip_sw, &h, "ovs-set-config ovs, ovs-restart ovs-vswitchd");
    cfg = host_load_config(skip_sw);
    oo_plan_build(cfg, &h, NULL, &plan);
    assert_string_equal(last_step(&plan)->reason, "it runs with tc-policy=none, OVSDB says skip_sw: "
                                                  "tc-policy is read once per process");
    oo_plan_free(&plan);
    host_free_config(cfg);

    /* On, the tc-policy it read unknown, hw-offload=false stored by hand:
     * true put back leaves it as unknown as a process nobody touched, which
     * is no reason to restart; a new tc-policy is. */
    host_ovs_set(&h, "hw-offload", "false");
    host_ovs_set(&h, "tc-policy", "none");
    h.ovs.hw_offload_enabled = false;
    h.ovs.flow_api = OO_FLOW_API_ON_POLICY_UNKNOWN;
    h.ovs.flow_api_policy[0] = '\0';
    h.ovs.restart_needed = 1;
    check_plan(none, &h, "ovs-set-config ovs");
    check_plan(skip_sw, &h, "ovs-set-config ovs, ovs-set-config ovs, ovs-restart ovs-vswitchd");
    /* The same with no datapath to ask (upcall/show says nothing): what
     * observe derived still says on. */
    h.ovs.offload_active = -1;
    check_plan(skip_sw, &h, "ovs-set-config ovs, ovs-set-config ovs, ovs-restart ovs-vswitchd");

    /* Off: it reads the transaction's tc-policy when it turns on. */
    h.ovs.offload_active = 0;
    h.ovs.flow_api = OO_FLOW_API_OFF;
    h.ovs.restart_needed = 0;
    check_plan(skip_sw, &h, "ovs-set-config ovs, ovs-set-config ovs");

    /* Nothing known of it (no datapath, no record), hw-offload true: the
     * judgement of old, a new tc-policy restarts. */
    host_ovs_set(&h, "hw-offload", "true");
    h.ovs.hw_offload_enabled = true;
    h.ovs.offload_active = -1;
    h.ovs.flow_api = OO_FLOW_API_UNKNOWN;
    h.ovs.restart_needed = -1;
    check_plan(skip_sw, &h, "ovs-set-config ovs, ovs-restart ovs-vswitchd");
    /* Nothing to write: only the record, which no transaction writes. */
    check_plan(none, &h, "ovs-record ovs-vswitchd");
    h.ovs.record_current = true;
    check_plan(none, &h, "");
    oo_observed_free(&h);
}

/* Rule: an ovs-vswitchd running without upcall threads for a datapath (OVS
 * 3.1 started within 10 s of boot) is made to reconfigure, for a config
 * that uses OVS; a restart planned anyway does it instead; a config that
 * leaves OVS alone does not touch it. */
static void test_upcall_threads_reconfigure(void **state)
{
    const char *cfg_ovs = "version: 1\novs: {hw_offload: true, tc_policy: none, restart: if-needed}\n";
    const char *cfg_never = "version: 1\novs: {hw_offload: true, restart: never}\n";
    struct oo_observed h = { 0 };
    struct oo_config *cfg;
    struct oo_plan plan;

    (void)state;
    host_ovs(&h, true);
    host_ovs_set(&h, "hw-offload", "true");
    host_ovs_set(&h, "tc-policy", "none");
    h.ovs.hw_offload_enabled = true;
    h.ovs.offload_active = 1;
    h.ovs.flow_api = OO_FLOW_API_ON;
    strcpy(h.ovs.flow_api_policy, "none");
    h.ovs.record_current = true;
    h.ovs.n_datapaths = 2;
    h.ovs.datapaths[0] = (struct oo_ovs_datapath){ "system@ovs-system", 0, 0, 0 };
    h.ovs.datapaths[1] = (struct oo_ovs_datapath){ "netdev@ovs-netdev", 0, -1, 1 };
    check_plan(cfg_ovs, &h, "ovs-reconfigure ovs-vswitchd");
    /* Under ovs.restart never too: a reconfiguration is no restart. */
    check_plan(cfg_never, &h, "ovs-reconfigure ovs-vswitchd");
    cfg = host_load_config(cfg_ovs);
    oo_plan_build(cfg, &h, NULL, &plan);
    assert_string_equal(last_step(&plan)->reason, "no upcall thread for system@ovs-system, every upcall lost "
                        "(started within 10 s of boot): reconfiguring starts them");
    assert_string_equal(last_step(&plan)->from, "no upcall threads");
    oo_plan_free(&plan);
    host_free_config(cfg);
    /* A config that leaves OVS alone. */
    check_plan("version: 1\n", &h, "");
    /* A restart planned for tc-policy: no reconfiguration besides. */
    host_ovs_set(&h, "tc-policy", "skip_sw");
    h.ovs.restart_needed = 1;
    strcpy(h.ovs.restart_why, "it runs with tc-policy=none, OVSDB says skip_sw");
    check_plan("version: 1\novs: {hw_offload: true, tc_policy: skip_sw, restart: if-needed}\n", &h,
               "ovs-restart ovs-vswitchd");
    /* Not running, or its threads not known: nothing. */
    h.ovs.restart_needed = 0;
    host_ovs_set(&h, "tc-policy", "none");
    h.ovs.datapaths[0].revalidators = -1;
    check_plan(cfg_ovs, &h, "");
    h.ovs.datapaths[0].revalidators = 0;
    h.ovs.vswitchd_running = 0;
    h.ovs.offload_active = -1;
    check_plan(cfg_ovs, &h, "");
    oo_observed_free(&h);
}

/* Rule: when what the running ovs-vswitchd read is not known (nothing
 * records whether hw-offload was true at some time in its life, and it
 * serves no datapath to ask), ovs.restart if-needed restarts it only while it
 * serves no bridge, which interrupts no traffic (a fresh host's first apply);
 * otherwise a note says how to settle it. Nor when a restart would not tell
 * either. */
static void test_unknown_restart_without_bridges(void **state)
{
    const char *if_needed = "version: 1\novs: {hw_offload: true, tc_policy: skip_sw, restart: if-needed}\n";
    const char *never = "version: 1\novs: {hw_offload: true, tc_policy: skip_sw, restart: never}\n";
    struct oo_observed h = { 0 };
    struct oo_config *cfg;
    struct oo_plan plan;

    /* A fresh host: hw-offload unset, no record, no bridge. */
    host_ovs(&h, true);
    h.ovs.restart_needed = -1;
    check_plan(if_needed, &h, "ovs-set-config ovs, ovs-set-config ovs, ovs-restart ovs-vswitchd");
    cfg = host_load_config(if_needed);
    oo_plan_build(cfg, &h, NULL, &plan);
    assert_non_null(strstr(last_step(&plan)->reason, "serves no bridge yet: a restart interrupts no traffic"));
    assert_int_equal(plan.n_notes, 0);
    oo_plan_free(&plan);
    host_free_config(cfg);
    /* The same with the bridges the config adds: judged on what it serves now. */
    check_plan("version: 1\novs: {hw_offload: true, restart: if-needed}\nbridges:\n  - {name: br0}\n", &h,
               "ovs-set-config ovs, ovs-restart ovs-vswitchd, ovs-add-bridge br0");
    /* Nothing to write, still not known: restarted all the same. */
    host_ovs_set(&h, "hw-offload", "true");
    host_ovs_set(&h, "tc-policy", "skip_sw");
    h.ovs.flow_api = OO_FLOW_API_ON_POLICY_UNKNOWN;
    check_plan(if_needed, &h, "ovs-restart ovs-vswitchd");
    /* A config that says nothing of hw-offload and tc-policy does not care. */
    check_plan("version: 1\novs: {restart: if-needed}\n", &h, "");

    /* restart: never, or a process that serves a bridge: a note, no
     * restart; and the record, without which a restart would not tell
     * either (values set by someone else: no transaction of ours wrote it). */
    cfg = host_load_config(never);
    oo_plan_build(cfg, &h, NULL, &plan);
    assert_int_equal(plan.n_steps, 1);
    assert_int_equal(plan.steps[0].kind, OO_STEP_OVS_RECORD);
    assert_int_equal(plan.n_notes, 1);
    assert_non_null(strstr(plan.notes[0].message, "is not known"));
    assert_non_null(strstr(plan.notes[0].message, "systemctl restart openvswitch-switch"));
    oo_plan_free(&plan);
    host_free_config(cfg);
    host_ovs_bridge(&h, "br-ex", false);
    cfg = host_load_config(if_needed);
    oo_plan_build(cfg, &h, NULL, &plan);
    assert_int_equal(plan.n_steps, 1);
    assert_int_equal(plan.steps[0].kind, OO_STEP_OVS_RECORD);
    assert_int_equal(plan.n_notes, 1);
    assert_non_null(strstr(plan.notes[0].message, "does not restart an ovs-vswitchd that serves bridges"));
    oo_plan_free(&plan);
    /* Recorded: the note stays until a restart, the step goes. */
    h.ovs.record_current = true;
    oo_plan_build(cfg, &h, NULL, &plan);
    assert_int_equal(plan.n_steps, 0);
    assert_int_equal(plan.n_notes, 1);
    oo_plan_free(&plan);
    /* With another OVS step, its transaction writes the record. */
    h.ovs.record_current = false;
    check_plan("version: 1\novs: {hw_offload: true, tc_policy: skip_sw, restart: if-needed}\n"
               "bridges:\n  - {name: br1}\n", &h, "ovs-add-bridge br1");
    host_free_config(cfg);
    oo_observed_free(&h);

    /* Its start time unreadable (another pid namespace): a restarted
     * process would be as unknown, and restarted again at every run. */
    host_ovs(&h, true);
    h.ovs.restart_needed = -1;
    h.ovs.restart_settles = false;
    cfg = host_load_config(if_needed);
    oo_plan_build(cfg, &h, NULL, &plan);
    assert_int_equal(plan.n_steps, 2);
    assert_int_equal(plan.n_notes, 1);
    assert_non_null(strstr(plan.notes[0].message, "not even a restart would tell"));
    oo_plan_free(&plan);
    host_free_config(cfg);
    oo_observed_free(&h);
}

/* Rule: a run stopped between vf-unbind and vf-bind is finished by the next:
 * the VFs its journal names are bound again, and only those. */
static void test_interrupted_unbind_rebinds(void **state)
{
    struct oo_observed h = { 0 };
    const char *yaml = "version: 1\n" PF0 ", eswitch: switchdev, num_vfs: 4}\n";
    struct oo_config *cfg = host_load_config(yaml);
    struct oo_plan plan;

    host_add_pf(&h, "pci", "0000:3b:00.0", "enp59s0f0", OO_ESWITCH_SWITCHDEV, 4);
    h.pfs[0].hw_tc_offload = 1;
    /* Stopped after the mode change: nothing but the bind is left. */
    vf_left_unbound(&h.pfs[0], 0, "mlx5_core");
    vf_left_unbound(&h.pfs[0], 2, "vfio-pci");
    vf_left_unbound(&h.pfs[0], 3, NULL);
    check_plan(yaml, &h, "vf-bind pf0");
    oo_plan_build(cfg, &h, NULL, &plan);
    assert_non_null(strstr(plan.steps[0].reason, "an earlier apply unbound 2 VFs"));
    oo_plan_free(&plan);
    /* A VF someone else unbound is not ours to bind. */
    vf_left_unbound(&h.pfs[0], 0, NULL);
    vf_left_unbound(&h.pfs[0], 2, NULL);
    check_plan(yaml, &h, "");
    /* Stopped before the mode change: the plan is the whole switch again,
     * and its bind covers the VFs the first run unbound. */
    h.pfs[0].eswitch.mode = OO_ESWITCH_LEGACY;
    h.pfs[0].hw_tc_offload = 0;
    vf_left_unbound(&h.pfs[0], 1, "mlx5_core");
    check_plan(yaml, &h, "vf-unbind pf0, eswitch-mode pf0, wait-vfs pf0, hw-tc-offload pf0, vf-bind pf0");
    /* A new VF count destroys them: the new VFs are probed, nothing to bind. */
    check_plan("version: 1\n" PF0 ", eswitch: legacy, num_vfs: 2}\n", &h, "num-vfs pf0, num-vfs pf0, wait-vfs pf0");
    host_free_config(cfg);
    oo_observed_free(&h);
}

/* Rule: VFs in use are not destroyed, unless forced. */
static void test_vfs_in_use(void **state)
{
    struct oo_observed h = { 0 };
    struct oo_plan_opts force = { .force = true };
    struct oo_config *cfg;
    struct oo_plan plan;
    const char *yaml = "version: 1\n" PF0 ", eswitch: legacy, num_vfs: 2}\n";

    host_add_pf(&h, "pci", "0000:3b:00.0", "enp59s0f0", OO_ESWITCH_LEGACY, 4);
    oo_strlcpy(h.pfs[0].vfdevs[3].users, "vfio-pci", sizeof h.pfs[0].vfdevs[3].users);
    check_error(yaml, &h, NULL, "changing the VF count would destroy VFs in use: vf3 (vfio-pci)");
    /* A mode change unbinds the VFs: a VM's VF blocks it too. */
    check_error("version: 1\n" PF0 ", eswitch: switchdev, num_vfs: 4}\n", &h, NULL,
                "changing the eswitch mode would unbind VFs in use: vf3 (vfio-pci)");
    cfg = host_load_config(yaml);
    oo_plan_build(cfg, &h, &force, &plan);
    assert_int_equal(plan.n_errors, 0);
    assert_int_equal(plan.n_notes, 1);
    assert_non_null(strstr(plan.notes[0].message, "vf3 (vfio-pci)"));
    assert_int_equal(plan.n_steps, 3);      /* 4 -> 0, 0 -> 2, wait */
    oo_plan_free(&plan);
    host_free_config(cfg);
    oo_observed_free(&h);
}

/* Rule: forming a LAG unbinds the members' VFs: not one a VM holds, unless
 * forced. */
static void test_vfs_in_use_lag(void **state)
{
    struct oo_observed h = { 0 };
    struct oo_plan_opts force = { .force = true };
    const char *yaml = "version: 1\n" PF0 ", eswitch: switchdev, num_vfs: 2}\n"
                       PF1 ", eswitch: switchdev, num_vfs: 2}\n"
                       "bonds:\n  - {name: bond0, mode: active-backup, members: [pf0, pf1]}\n";

    (void)state;
    host_add_pf(&h, "pci", "0000:3b:00.0", "p0", OO_ESWITCH_SWITCHDEV, 2);
    host_add_pf(&h, "pci", "0000:3b:00.1", "p1", OO_ESWITCH_SWITCHDEV, 2);
    oo_strlcpy(h.pfs[1].vfdevs[1].users, "vfio-pci", sizeof h.pfs[1].vfdevs[1].users);
    check_error(yaml, &h, NULL, "forming the LAG would unbind VFs in use: vf1 (vfio-pci)");
    assert_true(check_note(yaml, &h, &force, "forming the LAG would unbind VFs in use") > 0);
    oo_observed_free(&h);
}

static void test_missing_pf(void **state)
{
    struct oo_observed h = { 0 };

    check_error("version: 1\n" PF0 ", eswitch: switchdev}\n", &h, NULL,
                "no devlink device pci/0000:3b:00.0");
}

static void test_in_sync_is_empty(void **state)
{
    struct oo_observed h = { 0 };

    host_add_pf(&h, "netdevsim", "netdevsim10", "eth0", OO_ESWITCH_SWITCHDEV, 4);
    check_plan("version: 1\npfs:\n  - {name: pf0, device: netdevsim/netdevsim10, eswitch: switchdev, num_vfs: 4}\n",
               &h, "");
    oo_observed_free(&h);
}

/* Rule: a running ovs-offloadd that enforces another config would undo the
 * steps: a blocker (saying which case and what to do), a note with
 * --ignore-daemon or when there is nothing to do; nothing at all when it
 * enforces this very config, or when no live daemon wrote the state. */
/* The config the daemon enforces, as its state file gives it (absolute). */
static const char *daemon_config = "/etc/ovs-offload/config.yaml";
/* The state was written by the planning process itself (the daemon). */
static bool daemon_self;

static void daemon_plan(const char *file, uint64_t digest, bool in_sync, bool found, int64_t rejected_ms,
                        bool ignore, size_t want_errors, size_t want_notes, const char *text)
{
    static const char yaml[] =
        "version: 1\npfs:\n  - {name: pf0, device: netdevsim/netdevsim10, eswitch: switchdev, num_vfs: 4}\n";
    struct oo_config *cfg = host_load_config(yaml);
    struct oo_plan_opts opts = { .ignore_daemon = ignore };
    struct oo_observed h = { 0 };
    struct oo_plan p;
    const char *msg;

    free(cfg->file);
    cfg->file = oo_strdup(file);
    cfg->digest = 0x1111;
    host_add_pf(&h, "netdevsim", "netdevsim10", "eth0", in_sync ? OO_ESWITCH_SWITCHDEV : OO_ESWITCH_LEGACY,
                in_sync ? 4 : 0);
    h.daemon = (struct oo_daemon_state){ .found = found, .pid = 812, .digest = digest,
                                         .rejected_ms = rejected_ms, .self = daemon_self };
    oo_strlcpy(h.daemon.config, daemon_config, sizeof h.daemon.config);
    oo_plan_build(cfg, &h, &opts, &p);
    if (p.n_errors != want_errors || p.n_notes != want_notes || (!in_sync && !p.n_steps) ||
        (in_sync && p.n_steps)) {
        print_plan(&p);
        fail_msg("want %zu errors, %zu notes", want_errors, want_notes);
    }
    msg = p.n_errors ? p.errors[0].message : p.n_notes ? p.notes[0].message : NULL;
    if (text && (!msg || !strstr(msg, text)))
        fail_msg("want '%s' in '%s'", text, msg ? msg : "");
    if (msg)
        assert_string_equal(p.n_errors ? p.errors[0].object : p.notes[0].object, "ovs-offloadd");
    oo_plan_free(&p);
    oo_observed_free(&h);
    host_free_config(cfg);
}

static void test_daemon_enforces_other_config(void **state)
{
    (void)state;
    daemon_plan("/tmp/other.yaml", 0x2222, false, true, 0, false, 1, 0,
                "pid 812 enforces /etc/ovs-offload/config.yaml, not this config: its next pass would "
                "undo these steps. Put this config there and reload the daemon (ovs-appctl -t "
                "ovs-offloadd reload), or apply with --ignore-daemon");
    daemon_plan("/etc/ovs-offload/config.yaml", 0x2222, false, true, 0, false, 1, 0,
                "pid 812 enforces /etc/ovs-offload/config.yaml as it was when loaded; the file has "
                "changed since: its next pass would undo these steps. Reload the daemon to have it "
                "apply them (ovs-appctl -t ovs-offloadd reload), or apply with --ignore-daemon");
    daemon_plan("/tmp/other.yaml", 0x2222, false, true, 1763784000000, false, 1, 0,
                "enforces /etc/ovs-offload/config.yaml (its last reload was rejected), not this config");
    daemon_plan("/tmp/other.yaml", 0x2222, false, true, 0, true, 0, 1,
                "not this config: its next pass undoes the difference (--ignore-daemon)");
    daemon_plan("/tmp/other.yaml", 0x2222, true, true, 0, true, 0, 1,
                "not this config: its next pass undoes the difference (--ignore-daemon)");
    daemon_plan("/etc/ovs-offload/config.yaml", 0x2222, false, true, 0, true, 0, 1,
                "as it was when loaded; the file has changed since: its next pass undoes the "
                "difference (--ignore-daemon)");
    daemon_plan("/tmp/other.yaml", 0x2222, true, true, 0, false, 0, 1,
                "pid 812 enforces /etc/ovs-offload/config.yaml, not this config");
    daemon_plan("/etc/ovs-offload/config.yaml", 0x2222, true, true, 0, false, 0, 1,
                "as it was when loaded; the file has changed since");
    /* The same config (another path to the same bytes), or no live daemon. */
    daemon_plan("/tmp/other.yaml", 0x1111, false, true, 0, false, 0, 0, NULL);
    daemon_plan("/tmp/other.yaml", 0x2222, false, false, 0, false, 0, 0, NULL);
    /* The daemon's own pass, its state file not rewritten at its last
     * reload (an older digest): it enforces what it plans. */
    daemon_self = true;
    daemon_plan(daemon_config, 0x2222, false, true, 0, false, 0, 0, NULL);
    daemon_self = false;

    /* The daemon's file, named as typed in its directory: the same file. */
    char *dir = fixture_mkdtemp(), cwd[PATH_MAX], abs[PATH_MAX];

    assert_non_null(getcwd(cwd, sizeof cwd));
    snprintf(abs, sizeof abs, "%s/config.yaml", dir);
    fixture_write(dir, "config.yaml", "version: 1\n");
    daemon_config = abs;
    assert_int_equal(chdir(dir), 0);
    daemon_plan("config.yaml", 0x2222, false, true, 0, false, 1, 0,
                "as it was when loaded; the file has changed since");
    daemon_plan("./config.yaml", 0x2222, false, true, 0, false, 1, 0,
                "as it was when loaded; the file has changed since");
    daemon_plan("other.yaml", 0x2222, false, true, 0, false, 1, 0, "not this config");
    assert_int_equal(chdir(cwd), 0);
    daemon_config = "/etc/ovs-offload/config.yaml";
    fixture_rmtree(dir);
    free(dir);
}

static void test_step_names(void **state)
{
    for (int k = 0; k < OO_STEP_KIND_MAX; k++) {
        assert_non_null(oo_step_kind_to_string(k));
        assert_int_equal(oo_step_kind_from_string(oo_step_kind_to_string(k)), k);
    }
    assert_null(oo_step_kind_to_string(OO_STEP_KIND_MAX));
    assert_int_equal(oo_step_kind_from_string("nope"), -EINVAL);
}

/* ---------------------------------------------------------------- property */

static uint64_t rng_state;
static uint32_t rnd(uint32_t n)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state % n);
}

static const char *const bus_of[3] = { "pci", "netdevsim", "pci" };
static const char *const dev_of[3] = { "0000:3b:00.0", "netdevsim10", "0000:3b:00.1" };
static const char *const up_of[3] = { "p0", "eth0", "p1" };

static void random_host(struct oo_observed *h)
{
    memset(h, 0, sizeof *h);
    for (int i = 0; i < 3; i++) {
        int mode = (int)rnd(2), num = (int)rnd(5);
        int k = host_add_pf(h, bus_of[i], dev_of[i], up_of[i], mode, num);
        struct oo_obs_pf *p = &h->pfs[k];
        struct oo_link *ul = host_link(h, up_of[i]);

        p->hw_tc_offload = (int)rnd(3) - 1;
        if (rnd(2))
            oo_strlcpy(p->params[0].values[DEVLINK_PARAM_CMODE_RUNTIME].value, "smfs", 64);
        for (size_t v = 0; v < ul->n_vfs; v++) {
            ul->vfs[v].vlan = rnd(3) ? 0 : 10;
            ul->vfs[v].trust = (int)rnd(2);
            ul->vfs[v].mac[5] = (uint8_t)rnd(3);
        }
        for (size_t v = 0; v < p->n_vfdevs; v++)
            if (rnd(3) == 0) {
                p->vfdevs[v].driver[0] = '\0';
                if (rnd(2))     /* a stopped apply's, in the journal */
                    oo_strlcpy(p->vfdevs[v].unbound_from, "mlx5_core", sizeof p->vfdevs[v].unbound_from);
            }
        ul->up = rnd(4) != 0;
    }
    if (rnd(3) == 0) {
        static const char *const both[] = { "p0", "p1", NULL };
        static const char *const one[] = { "p1", NULL };
        host_add_bond(h, "bond0", true, (int)(rnd(2) ? 1 : 4), rnd(2) ? both : one);
    }
    if (rnd(4) == 0)
        host_add_bond(h, "bond9", false, 1, NULL);
    host_ovs(h, rnd(4) != 0);
    if (rnd(2))
        host_ovs_set(h, "hw-offload", rnd(2) ? "true" : "false");
    if (rnd(3) == 0)
        host_ovs_set(h, "tc-policy", "skip_hw");
    if (rnd(2)) {
        host_ovs_bridge(h, "br-offload", rnd(2));
        if (rnd(2))
            host_ovs_port(h, "br-offload", "gone0", true);
        if (rnd(2))
            host_ovs_port(h, "br-offload", "tap-vm", false);
        if (rnd(2))
            host_ovs_port(h, "br-offload", "eth0", true);
        if (rnd(2) && host_link(h, "eth0_1"))
            host_ovs_port(h, "br-offload", "eth0_1", true);
    }
    h->ovs.restart_needed = h->ovs.vswitchd_running ? (int)rnd(2) : 0;
    if (h->ovs.vswitchd_running && rnd(2)) {
        /* As observe derives it: the process's flow API, and the need that
         * follows from it and the stored values. */
        static const char *const policies[] = { "none", "skip_sw", "skip_hw" };
        struct oo_offload_cfg stored;
        char why[240];

        h->ovs.flow_api = (int)rnd(4);
        if (h->ovs.flow_api == OO_FLOW_API_ON)
            strcpy(h->ovs.flow_api_policy, policies[rnd(3)]);
        /* upcall/show may have nothing to say (no datapath yet): -1. */
        h->ovs.offload_active = rnd(3) == 0 ? -1 : h->ovs.flow_api == OO_FLOW_API_OFF ? 0 :
                                h->ovs.flow_api == OO_FLOW_API_UNKNOWN ? -1 : 1;
        oo_offload_cfg_from(h->ovs.hw_offload, h->ovs.tc_policy, &stored);
        h->ovs.restart_needed = oo_restart_needed(1, h->ovs.flow_api, h->ovs.flow_api_policy, &stored,
                                                  why, sizeof why);
    }
}

static size_t random_config(char *buf, size_t size)
{
    int mode[3], num[3];
    size_t n = 0;
    bool bond = false;

#define OUT(...) (n += (size_t)snprintf(buf + n, size - n, __VA_ARGS__))
    OUT("version: 1\novs: {hw_offload: %s, restart: %s%s}\npfs:\n", rnd(2) ? "true" : "false",
        rnd(2) ? "if-needed" : "never", rnd(3) ? "" : ", tc_policy: skip_sw, max_idle_ms: 5000");
    for (int i = 0; i < 3; i++) {
        mode[i] = (int)rnd(2);
        num[i] = (int)rnd(5);
        OUT("  - name: pf%d\n    device: %s/%s\n    eswitch: %s\n    num_vfs: %d\n", i, bus_of[i],
            dev_of[i], mode[i] ? "switchdev" : "legacy", num[i]);
        if (rnd(3) == 0)
            OUT("    params: {flow_steering_mode: %s}\n", rnd(2) ? "smfs" : "dmfs");
        if (mode[i] && rnd(4) == 0)
            OUT("    multiport: %s\n", rnd(2) ? "true" : "false");
        if (num[i] && rnd(2)) {
            int vf = (int)rnd((uint32_t)num[i]);
            OUT("    vfs:\n      - {id: %d, mac: '02:00:00:00:00:%02x'", vf, rnd(3));
            if (rnd(2))
                OUT(", vlan: %d, qos: %d", (int)rnd(2) * 10, (int)rnd(3));
            if (rnd(2))
                OUT(", trust: %s, spoofchk: %s", rnd(2) ? "true" : "false", rnd(2) ? "true" : "false");
            if (!mode[i] && rnd(2))
                OUT(", link_state: %s", rnd(2) ? "enable" : "auto");
            if (rnd(2))
                OUT(", max_tx_rate: %d, min_tx_rate: %d", 1000 + (int)rnd(3), (int)rnd(2) * 100);
            OUT("}\n");
        }
    }
    if (mode[0] && mode[2] && num[0] <= 64 && rnd(2)) {
        static const char *const modes[] = { "active-backup", "balance-xor", "802.3ad" };
        int m = (int)rnd(3);
        bond = true;
        OUT("bonds:\n  - {name: bond0, mode: %s, members: [pf0, pf2]%s%s}\n", modes[m],
            m == 0 && rnd(2) ? ", primary: pf2" : "", m == 2 && rnd(2) ? ", lacp_rate: fast" :
            m == 1 && rnd(2) ? ", xmit_hash_policy: layer3+4" : "");
    }
    if (rnd(3)) {
        OUT("bridges:\n  - name: br-offload\n    uplink: %s\n", bond ? "bond0" : "pf1");
        if (mode[1] && num[1] && rnd(2))
            OUT("    representors: ['pf1/0-%d']\n", num[1] - 1);
    }
#undef OUT
    return n;
}

static void test_idempotence_property(void **state)
{
    unsigned applied = 0, blocked = 0, invalid = 0, steps = 0;
    const unsigned runs = 3000;

    rng_state = 0x9e3779b97f4a7c15ULL;
    for (unsigned run = 0; run < runs; run++) {
        char yaml[4096];
        struct oo_config cfg;
        struct oo_cfg_diag d;
        struct oo_observed host, after;
        struct oo_plan plan, again;
        char why[256];
        size_t failed;

        random_config(yaml, sizeof yaml);
        random_host(&host);
        oo_cfg_diag_init(&d, "random.yaml");
        if (oo_config_parse_yaml("random.yaml", yaml, strlen(yaml), &cfg, &d) < 0) {
            invalid++;
            oo_cfg_diag_free(&d);
            oo_config_free(&cfg);
            oo_observed_free(&host);
            continue;
        }
        oo_cfg_diag_free(&d);
        oo_plan_build(&cfg, &host, NULL, &plan);
        if (plan.n_errors) {
            blocked++;
        } else {
            oo_observed_copy(&after, &host);
            if (oo_model_apply(&after, &plan, &failed, why, sizeof why) < 0) {
                fprintf(stderr, "run %u:\n%s\n", run, yaml);
                print_plan(&plan);
                fail_msg("run %u: step %zu refused by the model: %s", run, failed + 1, why);
            }
            oo_plan_build(&cfg, &after, NULL, &again);
            if (again.n_steps || again.n_errors) {
                fprintf(stderr, "run %u:\n%s\nfirst plan:\n", run, yaml);
                print_plan(&plan);
                fprintf(stderr, "second plan:\n");
                print_plan(&again);
                fail_msg("run %u: the plan after applying is not empty", run);
            }
            applied++;
            steps += (unsigned)plan.n_steps;
            oo_plan_free(&again);
            oo_observed_free(&after);
        }
        oo_plan_free(&plan);
        oo_config_free(&cfg);
        oo_observed_free(&host);
    }
    printf("idempotence: %u runs: %u applied (%u steps), %u blocked by host errors, %u invalid configs\n",
           runs, applied, steps, blocked, invalid);
    /* The generator must exercise the planner, not just the validator. */
    assert_true(applied > runs / 3);
    assert_true(steps > applied * 3);
}

/* ------------------------------------------------- unreadable tc places */

/* The head of a config: netdevsim10 in switchdev with 3 VFs, then tc rules. */
#define TC_ON_3VFS                                                                                     \
    "version: 1\npfs:\n  - {name: pf0, device: netdevsim/netdevsim10, eswitch: switchdev, num_vfs: 3}\n" \
    "tc:\n  rules:\n"

/* Rule: a skip_sw rule on an uplink needs hw-tc-offload on, in legacy too
 * (the kernel refuses the rule otherwise, on every run); other rules in
 * legacy do not. */
static void test_skip_sw_rule_on_legacy_uplink(void **state)
{
    static const char head[] =
        "version: 1\npfs:\n  - {name: pf0, device: netdevsim/netdevsim10, eswitch: legacy}\n";
    static const char *const rules[] = {
        "tc:\n  rules:\n    - {name: r, dev: pf0, prio: 10, match: {eth_type: ipv4}, actions: [drop], skip: sw}\n",
        "ovs: {tc_policy: skip_sw}\n"
        "tc:\n  rules:\n    - {name: r, dev: pf0, prio: 10, match: {eth_type: ipv4}, actions: [drop]}\n",
        "tc:\n  rules:\n    - {name: r, dev: pf0, prio: 10, match: {eth_type: ipv4}, actions: [drop]}\n",
    };

    for (size_t i = 0; i < OO_ARRAY_SIZE(rules); i++) {
        struct oo_observed h = { 0 };
        char yaml[512];
        struct oo_plan plan;
        size_t n = 0;

        snprintf(yaml, sizeof yaml, "%s%s", head, rules[i]);
        struct oo_config *cfg = host_load_config(yaml);

        host_add_pf(&h, "netdevsim", "netdevsim10", "eth0", OO_ESWITCH_LEGACY, 0);
        h.pfs[0].hw_tc_offload = 0;
        host_ovs(&h, true);     /* tc_policy is OVS's */
        oo_plan_build(cfg, &h, NULL, &plan);
        assert_int_equal(plan.n_errors, 0);
        for (size_t k = 0; k < plan.n_steps; k++)
            n += plan.steps[k].kind == OO_STEP_HW_TC_OFFLOAD && !strcmp(plan.steps[k].object, "pf0");
        assert_int_equal(n, i < 2 ? 1 : 0);
        oo_plan_free(&plan);
        host_free_config(cfg);
        oo_observed_free(&h);
    }
}

/* Rule: the bond's shared block is numbered by its ifindex, as OVS does; a
 * device that is not the bond's (nor a member) on a block of that index
 * would share the bond's rules (the kernel joins an existing block): a
 * plan error. Its members on it are as it should be. */
static void test_bond_block_held_by_stranger(void **state)
{
    static const char *const members[] = { "p0", "p1", NULL };
    const char *yaml = "version: 1\n" PF0 ", eswitch: switchdev, num_vfs: 2}\n"
                       PF1 ", eswitch: switchdev, num_vfs: 2}\n"
                       "bonds:\n  - {name: bond0, mode: active-backup, members: [pf0, pf1]}\n"
                       "tc:\n  rules:\n    - {name: r, dev: bond0, prio: 10, match: {eth_type: ipv4}, "
                       "actions: [drop]}\n";
    struct oo_observed h = { 0 };
    struct oo_config *cfg = host_load_config(yaml);
    uint32_t bond, dummy, p0;
    struct oo_plan plan;
    size_t n;

    host_add_pf(&h, "pci", "0000:3b:00.0", "p0", OO_ESWITCH_SWITCHDEV, 2);
    host_add_pf(&h, "pci", "0000:3b:00.1", "p1", OO_ESWITCH_SWITCHDEV, 2);
    host_add_bond(&h, "bond0", true, OO_CFG_BOND_ACTIVE_BACKUP, members);
    host_add_link(&h, "dummy0");
    host_ovs(&h, true);
    /* Indices, not pointers: each link added may move the array. */
    bond = host_link(&h, "bond0")->ifindex;
    dummy = host_link(&h, "dummy0")->ifindex;
    p0 = host_link(&h, "p0")->ifindex;
    h.qdiscs = oo_calloc(2, sizeof *h.qdiscs);
    h.qdiscs[0] = (struct oo_tc_qdisc){ .ifindex = p0, .handle = 0xffff0000, .parent = TC_H_INGRESS,
                                        .kind = "ingress", .ingress_block = bond };
    /* 2: dummy0 on the bond's block; 3: dummy0's clsact, the bond's
     * block on its egress side only (the rules would run there too). */
    for (n = 1; n <= 3; n++) {
        h.qdiscs[1] = (struct oo_tc_qdisc){ .ifindex = dummy, .handle = 0xffff0000, .parent = TC_H_INGRESS,
                                            .kind = "ingress", .ingress_block = bond };
        if (n == 3)
            h.qdiscs[1] = (struct oo_tc_qdisc){ .ifindex = dummy, .handle = 0xffff0000,
                                                .parent = TC_H_INGRESS, .kind = "clsact",
                                                .ingress_block = 0, .egress_block = bond };
        h.n_qdiscs = n < 2 ? 1 : 2;
        oo_tc_sort_qdiscs(h.qdiscs, h.n_qdiscs);
        oo_plan_build(cfg, &h, NULL, &plan);
        if (n == 1) {
            assert_int_equal(plan.n_errors, 0);     /* a member on it */
        } else {
            assert_int_equal(plan.n_errors, 1);
            assert_string_equal(plan.errors[0].object, "bond0");
            assert_non_null(strstr(plan.errors[0].message, "is also dummy0's, which is neither the bond "
                                                            "nor one of its members"));
        }
        oo_plan_free(&plan);
    }
    host_free_config(cfg);
    oo_observed_free(&h);
}

/* Rule: a place whose rules could not be read is not diffed. Where the
 * config puts rules it is an error (apply would write blind); elsewhere a
 * note (owned rules there, if any, stay until it can be read). */
static void test_tc_place_unreadable(void **state)
{
    static const char yaml[] =
        TC_ON_3VFS
        "    - {name: r0, dev: pf0/0, prio: 10, match: {eth_type: ipv4}, actions: [{redirect: pf0/1}]}\n"
        "    - {name: r2, dev: pf0/2, prio: 10, match: {eth_type: ipv4}, actions: [{redirect: pf0/1}]}\n";
    struct oo_observed h = { 0 };
    struct oo_config *cfg = host_load_config(yaml);
    struct oo_plan plan;

    host_add_pf(&h, "netdevsim", "netdevsim10", "eth0", OO_ESWITCH_SWITCHDEV, 3);
    host_add_tc_place(&h, "eth0_0", -ENODEV);    /* r0's place */
    host_add_tc_place(&h, "eth0_1", -EBADMSG);   /* no rule of the config */
    host_add_tc_place(&h, "eth0_2", 0);          /* r2's place, read: r2 is added */
    oo_plan_build(cfg, &h, NULL, &plan);
    if (plan.n_errors != 1 || plan.n_notes != 1 || plan.n_steps != 1) {
        print_plan(&plan);
        fail_msg("want one error, one note, one step; got %zu, %zu, %zu", plan.n_errors,
                 plan.n_notes, plan.n_steps);
    }
    assert_string_equal(plan.errors[0].object, "pf0/vf0");
    assert_non_null(strstr(plan.errors[0].message, "the tc rules of eth0_0 cannot be read: "
                                                   "filter dump failed: No such device"));
    assert_string_equal(plan.notes[0].object, "eth0_1");
    assert_non_null(strstr(plan.notes[0].message, "filter dump failed: Bad message"));
    assert_int_equal(plan.steps[0].kind, OO_STEP_TC_SYNC);
    assert_string_equal(plan.steps[0].to, "+1 ~0 -0");
    oo_plan_free(&plan);

    /* Read again, and fine: no error, no note. */
    h.tc[0].dump_err = 0;
    h.tc[1].dump_err = 0;
    oo_plan_build(cfg, &h, NULL, &plan);
    assert_int_equal(plan.n_errors, 0);
    assert_int_equal(plan.n_notes, 0);
    assert_int_equal(plan.n_steps, 2);
    oo_plan_free(&plan);
    host_free_config(cfg);
    oo_observed_free(&h);
}

/* The plan's note on object, or NULL. */
static const char *note_of(const struct oo_plan *plan, const char *object)
{
    for (size_t i = 0; i < plan->n_notes; i++)
        if (!strcmp(plan->notes[i].object, object))
            return plan->notes[i].message;
    return NULL;
}

/* Rule: rules on OVS ports written while ovs-vswitchd is not running are
 * lost when it starts with its flow API on (it replaces each port's ingress
 * qdisc): written all the same, and said, naming the targets on OVS ports
 * (the config's, or any bridge's in OVSDB). Not said when it runs, or when
 * it will start with hw-offload off. */
static void test_rules_on_ovs_ports_while_vswitchd_is_down(void **state)
{
    static const char rules[] =
        "    - {name: r0, dev: pf0/0, prio: 10, match: {eth_type: ipv4}, actions: [{redirect: pf0/1}]}\n"
        "    - {name: r2, dev: pf0/2, prio: 10, match: {eth_type: ipv4}, actions: [{redirect: pf0/1}]}\n"
        "bridges:\n  - {name: br0, representors: [pf0/0]}\n";
    char on[1024], unset[1024];
    struct oo_observed h = { 0 };
    struct oo_config *cfg;
    struct oo_plan plan;
    const char *note;
    size_t n;

    snprintf(on, sizeof on, "%s%s%s", TC_ON_3VFS, rules, "ovs: {hw_offload: true}\n");
    snprintf(unset, sizeof unset, "%s%s", TC_ON_3VFS, rules);
    host_add_pf(&h, "netdevsim", "netdevsim10", "eth0", OO_ESWITCH_SWITCHDEV, 3);
    host_add_tc_place(&h, "eth0_0", 0);
    host_add_tc_place(&h, "eth0_2", 0);
    host_ovs(&h, false);

    /* hw-offload written by the plan: pf0/vf0 (the config's bridge port). */
    cfg = host_load_config(on);
    oo_plan_build(cfg, &h, NULL, &plan);
    assert_int_equal(plan.n_errors, 0);
    note = note_of(&plan, "ovs-vswitchd");
    assert_non_null(note);
    assert_non_null(strstr(note, "replaces the ingress qdisc of each port it opens, and the tc rules of "
                                 "pf0/vf0 go with it"));
    n = 0;
    for (size_t i = 0; i < plan.n_steps; i++)
        n += plan.steps[i].kind == OO_STEP_TC_SYNC;
    assert_int_equal(n, 2);     /* written all the same */
    oo_plan_free(&plan);
    host_free_config(cfg);

    /* Stored already, and an admin's bridge holds eth0_2: both named. */
    host_ovs_set(&h, "hw-offload", "true");
    host_ovs_bridge(&h, "br-admin", false);
    host_ovs_port(&h, "br-admin", "eth0_2", false);
    cfg = host_load_config(unset);
    oo_plan_build(cfg, &h, NULL, &plan);
    note = note_of(&plan, "ovs-vswitchd");
    assert_non_null(note);
    assert_non_null(strstr(note, "the tc rules of pf0/vf0, pf0/vf2 go with it"));
    oo_plan_free(&plan);

    /* It runs: it has made its qdiscs already. */
    h.ovs.vswitchd_running = 1;
    oo_plan_build(cfg, &h, NULL, &plan);
    assert_null(note_of(&plan, "ovs-vswitchd"));
    oo_plan_free(&plan);
    /* Not known whether it runs: nothing said either. */
    h.ovs.vswitchd_running = -1;
    oo_plan_build(cfg, &h, NULL, &plan);
    assert_null(note_of(&plan, "ovs-vswitchd"));
    oo_plan_free(&plan);
    /* Down, but it will start with hw-offload off: it leaves qdiscs alone. */
    h.ovs.vswitchd_running = 0;
    host_ovs_set(&h, "hw-offload", NULL);
    oo_plan_build(cfg, &h, NULL, &plan);
    assert_null(note_of(&plan, "ovs-vswitchd"));
    oo_plan_free(&plan);
    host_free_config(cfg);
    oo_observed_free(&h);
}

static size_t tc_sync_steps(const struct oo_plan *plan)
{
    size_t n = 0;

    for (size_t i = 0; i < plan->n_steps; i++)
        n += plan->steps[i].kind == OO_STEP_TC_SYNC;
    return n;
}

/* A switchdev PF eth0 with 3 VFs whose representors eth0_0..2 have ingress
 * tc places, and OVS running with hw-offload true. */
static void host_3reps_offloading(struct oo_observed *h)
{
    host_add_pf(h, "netdevsim", "netdevsim10", "eth0", OO_ESWITCH_SWITCHDEV, 3);
    for (int v = 0; v < 3; v++) {
        char rep[16];

        snprintf(rep, sizeof rep, "eth0_%d", v);
        host_add_tc_place(h, rep, 0);
    }
    host_ovs(h, true);
    host_ovs_set(h, "hw-offload", "true");
}

/* Rule: a rule at OVS's IPv4 prio (2) or IPv6 prio (3) of chain 0 with
 * another protocol, on a port OVS has (whoever attached it) with hw-offload
 * on after the plan, blocks the plan: ovs-vswitchd's offload of those flows
 * on that port would fail. Not on a port off OVS, not with hw-offload off,
 * not with OVS's own protocol there, not in another chain. */
static void test_rule_at_ovs_prio_on_ovs_port(void **state)
{
    static const char rules[] =
        "    - {name: arp-in, dev: pf0/2, prio: 2, match: {eth_type: arp}, actions: [drop]}\n"
        "    - {name: any, dev: pf0/1, prio: 3, actions: [drop]}\n"
        "    - {name: v4, dev: pf0/0, prio: 2, match: {eth_type: ipv4}, actions: [drop]}\n"
        "    - {name: deep, dev: pf0/0, chain: 7, prio: 3, match: {eth_type: arp}, actions: [drop]}\n";
    char yaml[1024];
    struct oo_observed h = { 0 };
    struct oo_config *cfg;
    struct oo_plan plan;

    (void)state;
    snprintf(yaml, sizeof yaml, "%s%s", TC_ON_3VFS, rules);
    host_3reps_offloading(&h);
    cfg = host_load_config(yaml);

    /* On no bridge: host-agent has not attached them yet. */
    oo_plan_build(cfg, &h, NULL, &plan);
    assert_int_equal(plan.n_errors, 0);
    assert_int_equal(tc_sync_steps(&plan), 3);
    oo_plan_free(&plan);

    /* Attached by someone else: the two clashing rules block, naming the
     * rule, the port and what OVS keeps there. */
    host_ovs_bridge(&h, "br-vm", false);
    for (int v = 0; v < 3; v++) {
        char rep[16];

        snprintf(rep, sizeof rep, "eth0_%d", v);
        host_ovs_port(&h, "br-vm", rep, false);
    }
    oo_plan_build(cfg, &h, NULL, &plan);
    assert_int_equal(plan.n_errors, 2);
    for (size_t i = 0; i < plan.n_errors; i++) {
        const struct oo_plan_issue *e = &plan.errors[i];

        if (!strcmp(e->object, "pf0/vf2")) {
            assert_non_null(strstr(e->message, "tc rule 'arp-in' takes OVS's prio 2 with eth_type arp on eth0_2, "
                                               "an OVS port with hw-offload on: OVS puts the tc filters of its "
                                               "IPv4 flows at prio 2"));
            assert_non_null(strstr(e->message, "give the rule eth_type ipv4"));
        } else {
            assert_string_equal(e->object, "pf0/vf1");
            assert_non_null(strstr(e->message, "tc rule 'any' takes OVS's prio 3 with eth_type unset (all) on "
                                               "eth0_1"));
            assert_non_null(strstr(e->message, "its IPv6 flows at prio 3"));
        }
    }
    oo_plan_free(&plan);

    /* hw-offload off, and the config leaves it so: OVS puts no filters. */
    host_ovs_set(&h, "hw-offload", "false");
    oo_plan_build(cfg, &h, NULL, &plan);
    assert_int_equal(plan.n_errors, 0);
    oo_plan_free(&plan);
    host_free_config(cfg);

    /* ... but the config turns it on: blocked again. */
    snprintf(yaml, sizeof yaml, "%s%s%s", TC_ON_3VFS, rules, "ovs: {hw_offload: true}\n");
    cfg = host_load_config(yaml);
    oo_plan_build(cfg, &h, NULL, &plan);
    assert_int_equal(plan.n_errors, 2);
    oo_plan_free(&plan);
    host_free_config(cfg);
    oo_observed_free(&h);

    /* Ports of ours that this plan takes off the config's bridge: not in
     * the way (the block would keep their removal from ever running). */
    memset(&h, 0, sizeof h);
    host_3reps_offloading(&h);
    host_ovs_bridge(&h, "br0", true);
    host_ovs_port(&h, "br0", "eth0_0", true);
    host_ovs_port(&h, "br0", "eth0_1", true);
    host_ovs_port(&h, "br0", "eth0_2", true);
    snprintf(yaml, sizeof yaml, "%s%s%s", TC_ON_3VFS, rules, "bridges:\n  - {name: br0, representors: ['pf0/0']}\n");
    cfg = host_load_config(yaml);
    oo_plan_build(cfg, &h, NULL, &plan);
    assert_int_equal(plan.n_errors, 0);
    assert_int_equal(plan.steps[0].kind, OO_STEP_OVS_DEL_PORT);
    oo_plan_free(&plan);
    host_free_config(cfg);
    oo_observed_free(&h);
}

/* Rule: when tc cannot be read at all (no socket, the qdisc dump failed),
 * a config with rules gets no plan: every rule would look missing. */
static void test_tc_unreadable(void **state)
{
    static const char yaml[] =
        TC_ON_3VFS
        "    - {name: r0, dev: pf0/0, prio: 10, match: {eth_type: ipv4}, actions: [{redirect: pf0/1}]}\n";
    struct oo_observed h = { 0 };

    host_add_pf(&h, "netdevsim", "netdevsim10", "eth0", OO_ESWITCH_SWITCHDEV, 3);
    h.tc_err = -ENOBUFS;
    oo_strlcpy(h.tc_error, "qdisc dump failed: No buffer space available", sizeof h.tc_error);
    check_error(yaml, &h, NULL, "cannot read tc: qdisc dump failed");
    oo_observed_free(&h);
}

/* The tc-sync steps of p whose reason contains why. */
static size_t count_tc_steps(const struct oo_plan *p, const char *why)
{
    size_t n = 0;

    for (size_t i = 0; i < p->n_steps; i++)
        n += p->steps[i].kind == OO_STEP_TC_SYNC && strstr(p->steps[i].reason, why);
    return n;
}

/* Rule: a target whose rules the plan takes away before the tc steps is
 * written whatever the host has now: OVS replaces the ingress qdisc of a port
 * it attaches (the uplink or a representor added in this plan), and the
 * eswitch mode change of its PF takes the driver's offload of its block.
 * Planned from what the host has, such a sync would be missing (the rules
 * look in place), and apply would end out of sync. */
static void test_tc_sync_after_ovs_attach(void **state)
{
    static const char yaml[] =
        "version: 1\n" PF0 ", eswitch: switchdev, num_vfs: 2}\n"
        "bridges:\n  - {name: br0, uplink: pf0, representors: ['pf0/0']}\n"
        "tc:\n  rules:\n"
        "    - {name: r0, dev: pf0, prio: 10, match: {eth_type: ipv4}, actions: [drop]}\n"
        "    - {name: r1, dev: pf0/0, prio: 10, match: {eth_type: ipv4}, actions: [drop]}\n"
        "    - {name: r2, dev: pf0/1, prio: 10, match: {eth_type: ipv4}, actions: [drop]}\n";
    static const char legacy[] =
        "version: 1\n" PF0 ", eswitch: switchdev}\n"
        "tc:\n  rules:\n"
        "    - {name: r0, dev: pf0, prio: 10, match: {eth_type: ipv4}, actions: [drop]}\n";
    struct oo_observed h = { 0 };
    struct oo_config *cfg = host_load_config(yaml);
    struct oo_plan plan;

    (void)state;
    host_add_pf(&h, "pci", "0000:3b:00.0", "p0", OO_ESWITCH_SWITCHDEV, 2);
    h.pfs[0].hw_tc_offload = 1;
    host_ovs(&h, true);
    host_ovs_bridge(&h, "br0", true);
    oo_plan_build(cfg, &h, NULL, &plan);
    if (count_tc_steps(&plan, "OVS attaches it in this plan") != 2 || count_tc_steps(&plan, "") != 3) {
        print_plan(&plan);
        fail_msg("want the tc-sync of pf0 and pf0/vf0 for OVS's attach, and one for pf0/vf1");
    }
    oo_plan_free(&plan);
    host_free_config(cfg);

    cfg = host_load_config(legacy);
    h.pfs[0].eswitch.mode = OO_ESWITCH_LEGACY;
    oo_plan_build(cfg, &h, NULL, &plan);
    if (count_tc_steps(&plan, "its PF's eswitch mode changes in this plan") != 1) {
        print_plan(&plan);
        fail_msg("want the tc-sync of pf0 for its eswitch mode change");
    }
    oo_plan_free(&plan);
    host_free_config(cfg);
    oo_observed_free(&h);
}

/* Rule: two targets whose ports someone put on one shared block (a bond the
 * config does not manage) are an error, not two syncs that delete each
 * other's rules on every pass. */
static void test_tc_targets_share_a_block(void **state)
{
    static const char yaml[] =
        "version: 1\npfs:\n  - {name: pf0, device: netdevsim/netdevsim10, eswitch: switchdev}\n"
        "  - {name: pf1, device: netdevsim/netdevsim11, eswitch: switchdev}\n"
        "tc:\n  rules:\n"
        "    - {name: r0, dev: pf0, prio: 10, match: {eth_type: ipv4}, actions: [drop]}\n"
        "    - {name: r1, dev: pf1, prio: 11, match: {eth_type: ipv4}, actions: [drop]}\n";
    struct oo_observed h = { 0 };
    struct oo_config *cfg = host_load_config(yaml);
    struct oo_plan plan;

    host_add_pf(&h, "netdevsim", "netdevsim10", "p0", OO_ESWITCH_SWITCHDEV, 0);
    host_add_pf(&h, "netdevsim", "netdevsim11", "p1", OO_ESWITCH_SWITCHDEV, 0);
    for (size_t i = 0; i < 2; i++) {
        h.pfs[i].hw_tc_offload = 1;
        host_add_tc_place(&h, i ? "p1" : "p0", 0);
    }
    oo_plan_build(cfg, &h, NULL, &plan);
    assert_int_equal(plan.n_errors, 0);     /* each on its own ingress: two syncs */
    assert_int_equal(count_tc_steps(&plan, ""), 2);
    oo_plan_free(&plan);

    /* Both on block 12, as OVS puts a bond's members. */
    for (size_t i = 0; i < h.n_qdiscs; i++)
        h.qdiscs[i].ingress_block = 12;
    h.tc[0].block = 12;
    h.n_tc = 1;
    oo_plan_build(cfg, &h, NULL, &plan);
    if (plan.n_errors != 1) {
        print_plan(&plan);
        fail_msg("want one error");
    }
    assert_string_equal(plan.errors[0].object, "pf1");
    assert_non_null(strstr(plan.errors[0].message, "its tc rules would go to block 12, where pf0's go too "
                                                   "(p0 and p1 share that ingress block)"));
    h.n_tc = 2;
    oo_plan_free(&plan);
    host_free_config(cfg);
    oo_observed_free(&h);
}

/* Rule: a target whose redirect names a VF made in the same run still owns
 * its place. Its rules there are written by its own sync once the VF's
 * representor exists; they are not "rules the config no longer has", whose
 * step would delete every owned rule on the device after that sync. */
static void test_tc_redirect_to_new_vf(void **state)
{
    static const char yaml[] =
        TC_ON_3VFS
        "    - {name: r0, dev: pf0, prio: 10, match: {eth_type: ipv4}, actions: [{redirect: pf0/2}]}\n"
        "    - {name: r1, dev: pf0, prio: 11, match: {eth_type: ipv4, ip_proto: tcp}, actions: [drop]}\n";
    static const char moved[] =
        TC_ON_3VFS
        "    - {name: r1, dev: pf0/0, prio: 11, match: {eth_type: ipv4, ip_proto: tcp}, actions: [drop]}\n";
    struct oo_observed h = { 0 };
    struct oo_config *cfg = host_load_config(yaml);
    struct oo_plan plan;
    struct oo_obs_tc_place *p;
    struct oo_tc_action drop = oo_tc_action_drop();

    (void)state;
    host_add_pf(&h, "netdevsim", "netdevsim10", "eth0", OO_ESWITCH_SWITCHDEV, 2);
    host_add_tc_place(&h, "eth0", 0);
    p = &h.tc[0];
    /* r1 as an earlier run installed it. */
    p->filters = oo_calloc(1, sizeof *p->filters);
    oo_tc_filter_init(&p->filters[0], p->ifindex, 0, 0, 11, ETH_P_IP);
    p->filters[0].id.handle = 1;
    p->filters[0].match.keys = OO_TC_KEY_IP_PROTO;
    p->filters[0].match.ip_proto = 6;
    oo_tc_filter_add_action(&p->filters[0], &drop);
    oo_tc_filter_set_owner(&p->filters[0], oo_tc_rule_id("r1"));
    p->n_filters = 1;
    oo_tc_count(p->filters, p->n_filters, &p->counts);
    assert_int_equal(p->counts.owned, 1);

    oo_plan_build(cfg, &h, NULL, &plan);
    if (plan.n_errors || count_tc_steps(&plan, "no longer has") ||
        count_tc_steps(&plan, "pf0/vf2 (a redirect target) does not exist yet") != 1) {
        print_plan(&plan);
        fail_msg("want pf0's sync alone, waiting for pf0/vf2, and no removal of its owned rules");
    }
    oo_plan_free(&plan);
    host_free_config(cfg);

    /* The check can fail: with r1 moved to a representor, eth0's owned rule
     * is one the config no longer has. */
    cfg = host_load_config(moved);
    oo_plan_build(cfg, &h, NULL, &plan);
    assert_int_equal(count_tc_steps(&plan, "no longer has"), 1);
    oo_plan_free(&plan);
    host_free_config(cfg);
    oo_observed_free(&h);
}

/* ---------------------------------------------------------- desired tc */

/* A host where every reference exists: pf i's uplink is ifindex 100 + 10 i,
 * its VF v's representor 101 + 10 i + v. */
static int fake_resolve(void *ctx, int kind, int index, int64_t vf, struct oo_tc_place *out)
{
    (void)ctx;
    memset(out, 0, sizeof *out);
    out->ifindex = (uint32_t)(100 + 10 * index + (kind == OO_CFG_REF_VF ? vf + 1 : 0));
    snprintf(out->netdev, sizeof out->netdev, "e%u", out->ifindex);
    return 0;
}

/* The target of kind/index/vf, or fail. */
static const struct oo_tc_target *find_target(const struct oo_tc_desired *d, int kind, int index,
                                              int64_t vf)
{
    for (size_t i = 0; i < d->n_targets; i++)
        if (d->targets[i].kind == kind && d->targets[i].index == index && d->targets[i].vf == vf)
            return &d->targets[i];
    fail_msg("no target %d/%d/%lld", kind, index, (long long)vf);
    return NULL;
}

/* Each target's array is sized for its rules up front and grows past that
 * for MPV filters: every filter lands on its target, in config order. */
static void test_desired_tc(void **state)
{
    char yaml[8192];
    size_t len;
    struct oo_config *cfg;
    struct oo_tc_desired d;
    const struct oo_tc_target *t;
    uint64_t rule;

    (void)state;
    len = (size_t)snprintf(yaml, sizeof yaml,
                           "version: 1\npfs:\n"
                           "  - {name: pf0, netdev: e0, eswitch: switchdev, num_vfs: 4, multiport: true}\n"
                           "  - {name: pf1, netdev: e1, eswitch: switchdev, num_vfs: 4, multiport: true}\n"
                           "tc:\n  mpv: [{name: m, vfs: [pf0/1, pf1/1], ip: 10.0.0.1}]\n  rules:\n");
    for (int i = 0; i < 23; i++)
        len += (size_t)snprintf(yaml + len, sizeof yaml - len,
                                "    - {name: r%d, dev: %s, prio: 100, match: {eth_type: ipv4, "
                                "dst_ip: 10.1.0.%d/32}, actions: [drop]}\n",
                                i, i < 20 ? "pf0" : "pf1/2", i);
    cfg = host_load_config(yaml);
    oo_tc_desired_build(cfg, fake_resolve, NULL, &d);
    assert_int_equal(d.n_targets, 5);
    assert_int_equal(d.n_rules, 23 + 4);
    /* pf0: its 20 rules, then the MPV filter towards its VF 1 (past the 20
     * counted up front). */
    t = find_target(&d, OO_CFG_REF_PF, 0, -1);
    assert_int_equal(t->n_filters, 21);
    assert_true(t->cap > 20);       /* grown past what was counted */
    for (size_t i = 0; i < t->n_filters; i++)
        assert_int_equal(t->filters[i].id.ifindex, 100);
    for (int i = 0; i < 20; i++) {
        char name[16];

        snprintf(name, sizeof name, "r%d", i);
        assert_int_equal(oo_tc_classify(&t->filters[i], &rule), OO_TC_OWNER_OURS);
        assert_true(rule == oo_tc_rule_id(name));
    }
    t = find_target(&d, OO_CFG_REF_VF, 1, 2);
    assert_int_equal(t->n_filters, 3);
    assert_int_equal(t->filters[2].id.ifindex, 113);
    assert_int_equal(oo_tc_classify(&t->filters[2], &rule), OO_TC_OWNER_OURS);
    assert_true(rule == oo_tc_rule_id("r22"));
    /* One MPV filter on each VF representor and on pf1's uplink. */
    assert_int_equal(find_target(&d, OO_CFG_REF_VF, 0, 1)->n_filters, 1);
    assert_int_equal(find_target(&d, OO_CFG_REF_VF, 1, 1)->n_filters, 1);
    assert_int_equal(find_target(&d, OO_CFG_REF_PF, 1, -1)->n_filters, 1);
    oo_tc_desired_free(&d);
    host_free_config(cfg);
}

/* Puts netdev's ingress qdisc on shared block (0: its own ingress). */
static void host_ingress_on_block(struct oo_observed *h, const char *netdev, uint32_t block)
{
    h->qdiscs = oo_realloc(h->qdiscs, (h->n_qdiscs + 1) * sizeof *h->qdiscs);
    h->qdiscs[h->n_qdiscs++] = (struct oo_tc_qdisc){ .ifindex = host_link(h, netdev)->ifindex, .handle = 0xffff0000,
                                                     .parent = TC_H_INGRESS, .kind = "ingress",
                                                     .ingress_block = block };
    oo_tc_sort_qdiscs(h->qdiscs, h->n_qdiscs);
}

/* Rule: a bond that uplinks a bridge on which the config turns hw-offload
 * on is a tc target without rules: a member off the bond's shared block
 * (OVS binds members only on their link events after it opened the bond)
 * is put on it. Not with hw-offload left to the host. */
static void test_bond_members_onto_block(void **state)
{
    static const char *const members[] = { "p0", "p1", NULL };
    static const char base[] = "version: 1\n" PF0 ", eswitch: switchdev, num_vfs: 2}\n"
                               PF1 ", eswitch: switchdev, num_vfs: 2}\n"
                               "bonds:\n  - {name: bond0, mode: active-backup, members: [pf0, pf1]}\n"
                               "bridges:\n  - {name: br0, uplink: bond0}\n";
    char yaml[1024];
    struct oo_observed h = { 0 };
    struct oo_obs_tc_place *p;
    struct oo_config *cfg;
    struct oo_plan plan;
    uint32_t blk;

    (void)state;
    host_add_pf(&h, "pci", "0000:3b:00.0", "p0", OO_ESWITCH_SWITCHDEV, 2);
    host_add_pf(&h, "pci", "0000:3b:00.1", "p1", OO_ESWITCH_SWITCHDEV, 2);
    blk = host_add_bond(&h, "bond0", true, OO_CFG_BOND_ACTIVE_BACKUP, members)->ifindex;
    for (size_t i = 0; i < 2; i++)
        h.pfs[i].hw_tc_offload = 1;
    host_ovs(&h, true);
    host_ovs_set(&h, "hw-offload", "true");
    host_ovs_bridge(&h, "br0", true);
    host_ovs_port(&h, "br0", "bond0", true);
    /* What OVS made: the bond on its block, and p0, enslaved after. */
    p = host_add_tc_place(&h, "bond0", 0);
    p->block = blk;
    for (size_t i = 0; i < h.n_qdiscs; i++)
        if (h.qdiscs[i].ifindex == blk)
            h.qdiscs[i].ingress_block = blk;
    host_ingress_on_block(&h, "p0", blk);

    snprintf(yaml, sizeof yaml, "%sovs: {hw_offload: true}\n", base);
    cfg = host_load_config(yaml);
    oo_plan_build(cfg, &h, NULL, &plan);
    assert_int_equal(plan.n_errors, 0);
    assert_int_equal(plan.n_steps, 1);
    assert_int_equal(plan.steps[0].kind, OO_STEP_TC_SYNC);
    assert_string_equal(plan.steps[0].object, "bond0");
    assert_int_equal(plan.steps[0].num2, blk);
    assert_string_equal(plan.steps[0].to, "+0 ~0 -0");
    assert_non_null(strstr(plan.steps[0].reason, "bond member p1 is not on the bond's shared block"));
    oo_plan_free(&plan);

    /* p1 on a clsact of someone's: apply would not replace it; noted. */
    host_ingress_on_block(&h, "p1", 0);
    for (size_t i = 0; i < h.n_qdiscs; i++)
        if (h.qdiscs[i].ifindex == host_link(&h, "p1")->ifindex)
            oo_strlcpy(h.qdiscs[i].kind, "clsact", sizeof h.qdiscs[i].kind);
    oo_plan_build(cfg, &h, NULL, &plan);
    assert_int_equal(plan.n_errors, 0);
    assert_int_equal(plan.n_steps, 0);
    assert_int_equal(plan.n_notes, 1);
    assert_non_null(strstr(plan.notes[0].message, "bond member p1 is not on the bond's shared block"));
    oo_plan_free(&plan);

    /* p1 on it too: nothing to do. */
    for (size_t i = 0; i < h.n_qdiscs; i++)
        if (h.qdiscs[i].ifindex == host_link(&h, "p1")->ifindex)
            h.qdiscs[i] = (struct oo_tc_qdisc){ .ifindex = h.qdiscs[i].ifindex, .handle = 0xffff0000,
                                                .parent = TC_H_INGRESS, .kind = "ingress", .ingress_block = blk };
    oo_plan_build(cfg, &h, NULL, &plan);
    assert_int_equal(plan.n_errors, 0);
    assert_int_equal(plan.n_steps, 0);
    assert_int_equal(plan.n_notes, 0);
    oo_plan_free(&plan);

    /* The bond on no block yet (OVS has not opened it): the block is OVS's
     * to make, not a rule-less target's; p1 off it is not judged. */
    for (size_t i = 0; i < h.n_qdiscs; i++)
        h.qdiscs[i].ingress_block = 0;
    h.tc[0].block = 0;
    oo_plan_build(cfg, &h, NULL, &plan);
    assert_int_equal(plan.n_errors, 0);
    assert_int_equal(plan.n_steps, 0);
    oo_plan_free(&plan);
    host_free_config(cfg);

    /* The bond and p0 on the block again, p1 without a qdisc (the first
     * case's host, which had a step), hw-offload left to the host: not a
     * target. */
    size_t kept = 0;
    for (size_t i = 0; i < h.n_qdiscs; i++) {
        if (h.qdiscs[i].ifindex == host_link(&h, "p1")->ifindex)
            continue;
        h.qdiscs[i].ingress_block = blk;
        h.qdiscs[kept++] = h.qdiscs[i];
    }
    h.n_qdiscs = kept;
    h.tc[0].block = blk;
    assert_null(oo_tc_find_ingress_qdisc(h.qdiscs, h.n_qdiscs, host_link(&h, "p1")->ifindex));
    cfg = host_load_config(base);
    oo_plan_build(cfg, &h, NULL, &plan);
    assert_int_equal(plan.n_errors, 0);
    assert_int_equal(plan.n_steps, 0);
    assert_int_equal(plan.n_notes, 0);
    oo_plan_free(&plan);
    host_free_config(cfg);
    /* ... and with the config turning it on, p1 goes onto the block. */
    cfg = host_load_config(yaml);
    oo_plan_build(cfg, &h, NULL, &plan);
    assert_int_equal(plan.n_steps, 1);
    assert_non_null(strstr(plan.steps[0].reason, "bond member p1 is not on the bond's shared block"));
    oo_plan_free(&plan);
    host_free_config(cfg);
    oo_observed_free(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_step_names),
        cmocka_unit_test(test_in_sync_is_empty),
        cmocka_unit_test(test_daemon_enforces_other_config),
        cmocka_unit_test(test_legacy_to_switchdev_pci),
        cmocka_unit_test(test_legacy_to_switchdev_netdevsim),
        cmocka_unit_test(test_count_change_in_switchdev),
        cmocka_unit_test(test_params_while_legacy),
        cmocka_unit_test(test_same_pf_twice),
        cmocka_unit_test(test_params_compared_as_devlink_shows_them),
        cmocka_unit_test(test_multiport_after_switchdev),
        cmocka_unit_test(test_links_up),
        cmocka_unit_test(test_representor_ipv6),
        cmocka_unit_test(test_vf_settings_follow_mode),
        cmocka_unit_test(test_eswitch_attrs),
        cmocka_unit_test(test_vflag_order),
        cmocka_unit_test(test_vflag_member_change_fails),
        cmocka_unit_test(test_bond_removed_members_up),
        cmocka_unit_test(test_bond_mode_change),
        cmocka_unit_test(test_foreign_bond),
        cmocka_unit_test(test_journaled_bond_adopted),
        cmocka_unit_test(test_journal_of_absent_bond_pruned),
        cmocka_unit_test(test_ovs_detach_before_legacy),
        cmocka_unit_test(test_foreign_uplink_port_blocks_legacy),
        cmocka_unit_test(test_uplink_detached_for_switchdev),
        cmocka_unit_test(test_stale_and_foreign_ports),
        cmocka_unit_test(test_links_unreadable),
        cmocka_unit_test(test_ovs_name_taken),
        cmocka_unit_test(test_hostconf_keeps_representors),
        cmocka_unit_test(test_hostconf_bond_member_vfs),
        cmocka_unit_test(test_hostconf_bond_members_switch_in_place),
        cmocka_unit_test(test_hostconf_bond_member_settings),
        cmocka_unit_test(test_ovs_config_and_restart),
        cmocka_unit_test(test_restart_judged_after_the_write),
        cmocka_unit_test(test_upcall_threads_reconfigure),
        cmocka_unit_test(test_unknown_restart_without_bridges),
        cmocka_unit_test(test_rules_on_ovs_ports_while_vswitchd_is_down),
        cmocka_unit_test(test_rule_at_ovs_prio_on_ovs_port),
        cmocka_unit_test(test_bond_members_onto_block),
        cmocka_unit_test(test_vfs_in_use),
        cmocka_unit_test(test_interrupted_unbind_rebinds),
        cmocka_unit_test(test_vflag_host_vf_count),
        cmocka_unit_test(test_vflag_stopped_before_bind),
        cmocka_unit_test(test_binds_after_failure),
        cmocka_unit_test(test_vfs_in_use_lag),
        cmocka_unit_test(test_missing_pf),
        cmocka_unit_test(test_idempotence_property),
        cmocka_unit_test(test_skip_sw_rule_on_legacy_uplink),
        cmocka_unit_test(test_bond_block_held_by_stranger),
        cmocka_unit_test(test_tc_place_unreadable),
        cmocka_unit_test(test_tc_unreadable),
        cmocka_unit_test(test_tc_sync_after_ovs_attach),
        cmocka_unit_test(test_tc_targets_share_a_block),
        cmocka_unit_test(test_tc_redirect_to_new_vf),
        cmocka_unit_test(test_desired_tc),
    };
    return cmocka_run_group_tests_name("plan", tests, NULL, NULL);
}
