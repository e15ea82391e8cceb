/* sysfs SR-IOV writes on a fake tree laid out as the kernel's: the PF's
 * virtfnN links to its VFs, each VF's driver link, the driver's unbind file
 * and the bus's drivers_probe. (Regular files stand in for the kernel's write
 * handlers: what we wrote is read back.) */
#include <errno.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/socket.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <cmocka.h>

#include "common/util.h"
#include "controller/apply.h"
#include "devlink/devlink.h"
#include "devlink/vfctl.h"
#include "link/link.h"
#include "link/setlink.h"
#include "fixture.h"
#include "host.h"

static void link_rel(const char *root, const char *target, const char *linkpath)
{
    char t[PATH_MAX], l[PATH_MAX];

    snprintf(t, sizeof t, "%s/%s", root, target);
    snprintf(l, sizeof l, "%s/%s", root, linkpath);
    assert_int_equal(symlink(t, l), 0);
}

static void read_back(const char *root, const char *rel, const char *want)
{
    char path[PATH_MAX], buf[256];

    snprintf(path, sizeof path, "%s/%s", root, rel);
    assert_true(oo_read_file(path, buf, sizeof buf) >= 0);
    assert_string_equal(buf, want);
}

#define REC "run/ovs-offload/vfs/0000:3b:00.0"

static bool exists(const char *root, const char *rel)
{
    char path[PATH_MAX];

    snprintf(path, sizeof path, "%s/%s", root, rel);
    return access(path, F_OK) == 0;
}

static void record_of(const char *root, char *buf, size_t size)
{
    snprintf(buf, size, "%s/" REC, root);
}

/* A PF with 3 VFs (0000:3b:00.2-4): VF 0 bound to mlx5_core, VF 1 unbound,
 * VF 2 bound to vfio-pci (a VM's). Each VF's physfn points at the PF. */
static char *make_tree(void)
{
    char *root = fixture_mkdtemp();

    fixture_write(root, "sys/bus/pci/devices/0000:3b:00.0/sriov_numvfs", "3\n");
    fixture_write(root, "sys/bus/pci/drivers/mlx5_core/unbind", "");
    fixture_write(root, "sys/bus/pci/drivers/mlx5_core/bind", "");
    fixture_write(root, "sys/bus/pci/drivers/vfio-pci/unbind", "");
    fixture_write(root, "sys/bus/pci/drivers/vfio-pci/bind", "");
    fixture_write(root, "sys/bus/pci/drivers_probe", "");
    for (int i = 0; i < 3; i++) {
        char rel[128], target[128];
        snprintf(rel, sizeof rel, "sys/bus/pci/devices/0000:3b:00.%d/vendor", i + 2);
        fixture_write(root, rel, "0x15b3\n");
        snprintf(rel, sizeof rel, "sys/bus/pci/devices/0000:3b:00.0/virtfn%d", i);
        snprintf(target, sizeof target, "sys/bus/pci/devices/0000:3b:00.%d", i + 2);
        link_rel(root, target, rel);
        snprintf(rel, sizeof rel, "sys/bus/pci/devices/0000:3b:00.%d/physfn", i + 2);
        link_rel(root, "sys/bus/pci/devices/0000:3b:00.0", rel);
        if (i != 1) {
            snprintf(rel, sizeof rel, "sys/bus/pci/devices/0000:3b:00.%d/driver", i + 2);
            link_rel(root, i == 0 ? "sys/bus/pci/drivers/mlx5_core" : "sys/bus/pci/drivers/vfio-pci", rel);
        }
    }
    return root;
}

/* What the kernel does on unbind: the VF's driver link goes. */
static void drop_driver(const char *root, int vf)
{
    char path[PATH_MAX];

    snprintf(path, sizeof path, "%s/sys/bus/pci/devices/0000:3b:00.%d/driver", root, vf + 2);
    assert_int_equal(unlink(path), 0);
}

static void test_num_vfs(void **state)
{
    char *root = make_tree();
    struct oo_dl_handle h = { "pci", "0000:3b:00.0" }, gone = { "pci", "0000:99:00.0" };

    assert_int_equal(oo_sriov_set_num_vfs(root, &h, 0), 0);
    read_back(root, "sys/bus/pci/devices/0000:3b:00.0/sriov_numvfs", "0");
    assert_int_equal(oo_sriov_set_num_vfs(root, &h, 8), 0);
    read_back(root, "sys/bus/pci/devices/0000:3b:00.0/sriov_numvfs", "8");
    assert_int_equal(oo_sriov_set_num_vfs(root, &gone, 1), -ENOENT);
    fixture_rmtree(root);
    free(root);
}

/* Each bound VF is recorded with its own driver, then unbound through that
 * driver; the unbound VF is not recorded. */
static void test_unbind_records_bound_only(void **state)
{
    char *root = make_tree(), rec[PATH_MAX], drv[64];
    struct oo_dl_handle h = { "pci", "0000:3b:00.0" };
    struct oo_vfctl_result res;

    record_of(root, rec, sizeof rec);
    assert_int_equal(oo_sriov_unbind_vfs(root, &h, rec, &res), 0);
    assert_int_equal(res.n, 2);
    read_back(root, "sys/bus/pci/drivers/mlx5_core/unbind", "0000:3b:00.2");
    read_back(root, "sys/bus/pci/drivers/vfio-pci/unbind", "0000:3b:00.4");
    assert_int_equal(oo_sriov_recorded_driver(rec, "0000:3b:00.2", drv, sizeof drv), 0);
    assert_string_equal(drv, "mlx5_core");
    assert_int_equal(oo_sriov_recorded_driver(rec, "0000:3b:00.4", drv, sizeof drv), 0);
    assert_string_equal(drv, "vfio-pci");
    assert_int_equal(oo_sriov_recorded_driver(rec, "0000:3b:00.3", drv, sizeof drv), -ENOENT);
    assert_int_equal(oo_sriov_recorded_driver(rec, "../x", drv, sizeof drv), -EINVAL);
    fixture_rmtree(root);
    free(root);
}

/* A VF whose unbind fails stays bound and leaves no record; those unbound
 * before it keep theirs. */
static void test_unbind_failure_keeps_earlier_records(void **state)
{
    char *root = make_tree(), rec[PATH_MAX], path[PATH_MAX], drv[64];
    struct oo_dl_handle h = { "pci", "0000:3b:00.0" };
    struct oo_vfctl_result res;

    /* vfio-pci refuses: its unbind is a directory, which cannot be written. */
    snprintf(path, sizeof path, "%s/sys/bus/pci/drivers/vfio-pci/unbind", root);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(mkdir(path, 0755), 0);
    record_of(root, rec, sizeof rec);
    assert_int_equal(oo_sriov_unbind_vfs(root, &h, rec, &res), -EISDIR);
    assert_int_equal(oo_sriov_recorded_driver(rec, "0000:3b:00.4", drv, sizeof drv), -ENOENT);
    /* readdir order decides whether VF 0 came first; if it did, it is recorded. */
    assert_true(res.n <= 1);
    assert_int_equal(oo_sriov_recorded_driver(rec, "0000:3b:00.2", drv, sizeof drv) == 0, res.n == 1);
    fixture_rmtree(root);
    free(root);
}

/* After a run stopped between unbind and bind: only the recorded VFs are
 * bound again, each to its own driver, and their records go. A VF someone
 * else left unbound stays so. */
static void test_bind_recorded_only(void **state)
{
    char *root = make_tree(), rec[PATH_MAX];
    struct oo_dl_handle h = { "pci", "0000:3b:00.0" };
    struct oo_vfctl_result res;

    record_of(root, rec, sizeof rec);
    assert_int_equal(oo_sriov_unbind_vfs(root, &h, rec, &res), 0);
    drop_driver(root, 0);
    drop_driver(root, 2);
    assert_int_equal(oo_sriov_bind_vfs(root, &h, rec, &res), 0);
    assert_int_equal(res.n, 2);
    read_back(root, "sys/bus/pci/drivers/mlx5_core/bind", "0000:3b:00.2");
    read_back(root, "sys/bus/pci/drivers/vfio-pci/bind", "0000:3b:00.4");
    read_back(root, "sys/bus/pci/drivers_probe", "");
    assert_false(exists(root, REC "/0000:3b:00.2"));
    assert_false(exists(root, REC "/0000:3b:00.4"));
    /* Nothing recorded: nothing to do, the unbound VF 1 included. */
    assert_int_equal(oo_sriov_bind_vfs(root, &h, rec, &res), 0);
    assert_int_equal(res.n, 0);
    fixture_rmtree(root);
    free(root);
}

/* Whether the kernel has devlink, which oo_apply opens first: a container
 * may not (these tests then skip; the guest tier runs them). */
static bool have_devlink(void)
{
    struct oo_dl dl;

    if (oo_dl_open(&dl) < 0)
        return false;
    oo_dl_close(&dl);
    return true;
}

/* apply stopped by a failed step still runs the PF's own vf-bind after it
 * (not one that waits for a VF-LAG), and says so on its progress line.
 * apply opens the kernel's devlink first: where it has none (a container),
 * this is skipped, and the guest tier runs it (tests/vm/apply.sh). */
static void test_apply_binds_after_failure(void **state)
{
    if (!have_devlink()) {
        skip();
        return;
    }
    char *root = make_tree(), rec[PATH_MAX], *out = NULL;
    struct oo_dl_handle h = { "pci", "0000:3b:00.0" };
    struct oo_config *cfg = host_load_config("version: 1\n");
    struct oo_observed obs = { 0 };
    struct oo_vfctl_result vr;
    struct oo_apply_result res;
    struct oo_step steps[3] = {
        { .kind = OO_STEP_NUM_VFS, .object = "pf1", .pf = -1, .obs_pf = 1, .vf = -1, .num = 2 },
        { .kind = OO_STEP_VF_BIND, .object = "pf0", .pf = -1, .obs_pf = 0, .vf = -1, .opt = OO_BIND_AFTER_LAG },
        { .kind = OO_STEP_VF_BIND, .object = "pf0", .pf = -1, .obs_pf = 0, .vf = -1 },
    };
    struct oo_plan plan = { .steps = steps, .n_steps = 3 };
    size_t len = 0;
    FILE *progress = open_memstream(&out, &len);
    struct oo_apply_opts opts = { .root = root, .ovs_remote = "unix:/nonexistent", .ovsdb_timeout_ms = 100,
                                  .progress = progress };

    /* VFs an earlier step unbound (the kernel drops their driver links). */
    record_of(root, rec, sizeof rec);
    assert_int_equal(oo_sriov_unbind_vfs(root, &h, rec, &vr), 0);
    drop_driver(root, 0);
    drop_driver(root, 2);
    host_add_pf(&obs, "pci", "0000:3b:00.0", "p0", OO_ESWITCH_LEGACY, 0);
    host_add_pf(&obs, "pci", "0000:99:00.0", "p1", OO_ESWITCH_LEGACY, 0);   /* not in the tree */
    assert_int_equal(oo_apply(cfg, &obs, &plan, &opts, &res), -ENOENT);
    fclose(progress);
    assert_int_equal(res.failed, 0);
    assert_int_equal(res.n_done, 0);
    assert_non_null(strstr(res.message, "step 1/3"));
    assert_null(strstr(res.message, "also failed"));
    assert_null(strstr(out, "[2/3]"));
    assert_non_null(strstr(out, "[3/3] pf0: vf-bind, after the failure ... ok ("));
    assert_non_null(strstr(out, "2 VFs bound)"));
    read_back(root, "sys/bus/pci/drivers/mlx5_core/bind", "0000:3b:00.2");
    read_back(root, "sys/bus/pci/drivers/vfio-pci/bind", "0000:3b:00.4");
    assert_false(exists(root, REC "/0000:3b:00.2"));
    free(out);
    oo_observed_free(&obs);
    host_free_config(cfg);
    fixture_rmtree(root);
    free(root);
}

/* apply reads the VFs again before a vf-unbind: a VF a VM took after the
 * plan was made (VF 2, on vfio-pci in the tree) stops the step, unbinding
 * nothing, unless the plan was made with --force. Skipped without devlink,
 * as above. */
static void test_apply_vf_taken_since_plan(void **state)
{
    if (!have_devlink()) {
        skip();
        return;
    }
    char *root = make_tree();
    struct oo_config *cfg = host_load_config("version: 1\n");
    struct oo_observed obs = { 0 };
    struct oo_apply_result res;
    struct oo_step steps[1] = {
        { .kind = OO_STEP_VF_UNBIND, .object = "pf0", .pf = -1, .obs_pf = 0, .vf = -1 },
    };
    struct oo_plan plan = { .steps = steps, .n_steps = 1 };
    struct oo_apply_opts opts = { .root = root, .ovs_remote = "unix:/nonexistent", .ovsdb_timeout_ms = 100 };

    host_add_pf(&obs, "pci", "0000:3b:00.0", "p0", OO_ESWITCH_LEGACY, 0);
    assert_int_equal(oo_apply(cfg, &obs, &plan, &opts, &res), -EBUSY);
    assert_non_null(strstr(res.message, "VF 2 (0000:3b:00.4) is in use since the plan was made (vfio-pci): "
                                        "nothing was unbound"));
    read_back(root, "sys/bus/pci/drivers/mlx5_core/unbind", "");
    read_back(root, "sys/bus/pci/drivers/vfio-pci/unbind", "");
    assert_false(exists(root, REC "/0000:3b:00.2"));
    /* Made with --force: both bound VFs go, each journaled with its driver. */
    plan.forced = true;
    assert_int_equal(oo_apply(cfg, &obs, &plan, &opts, &res), 0);
    read_back(root, "sys/bus/pci/drivers/mlx5_core/unbind", "0000:3b:00.2");
    read_back(root, "sys/bus/pci/drivers/vfio-pci/unbind", "0000:3b:00.4");
    read_back(root, REC "/0000:3b:00.4", "vfio-pci");
    oo_observed_free(&obs);
    host_free_config(cfg);
    fixture_rmtree(root);
    free(root);
}

/* For the tests below, which need the kernel's devlink (apply opens it
 * first) and bonding: opens rtnetlink in rt and makes an active-backup bond
 * (marked with alias, if not NULL). False, nothing open, where either is
 * missing (the caller skips). */
static bool open_with_bond(struct oo_nl *rt, const char *name, const char *alias)
{
    struct oo_bond_set b = OO_BOND_SET_NONE;
    int r;

    if (!have_devlink())
        return false;
    assert_int_equal(oo_nl_open(rt, NETLINK_ROUTE), 0);
    b.mode = 1;     /* active-backup */
    r = oo_link_bond_create(rt, name, alias, &b);
    if (r == -EOPNOTSUPP) {
        oo_nl_close(rt);
        return false;   /* no bonding module */
    }
    assert_int_equal(r, 0);
    return true;
}

/* The kernel links the two tests below make. A failed assertion leaves its
 * test at once, before the test's own deletes: this runs before each (what an
 * earlier failed run left) and after (whatever happened), so that no later
 * test, here or in the guest's suites, finds them. */
static const char *const test_links[] = { "oorm0", "oorace0", "oorace1", "oorace2" };

static int remove_test_links(void **state)
{
    struct oo_nl rt;

    (void)state;
    if (oo_nl_open(&rt, NETLINK_ROUTE))
        return 0;
    for (size_t i = 0; i < sizeof test_links / sizeof test_links[0]; i++) {
        unsigned ifindex = if_nametoindex(test_links[i]);

        if (ifindex)
            oo_link_delete(&rt, ifindex);
    }
    oo_nl_close(&rt);
    return 0;
}

/* apply reads a bond again before it changes or deletes it: one that is no
 * longer marked ours (here: made without the mark, as someone who replaced
 * ours would) is left alone; marked, it goes. A real bond of the kernel's:
 * skipped without devlink (apply opens it first) or bonding. */
static void test_apply_bond_replaced_since_plan(void **state)
{
    static const char name[] = "oorace0";
    struct oo_nl rt;

    if (!open_with_bond(&rt, name, NULL)) {
        skip();
        return;
    }
    struct oo_config *cfg = host_load_config("version: 1\n");
    struct oo_observed obs = { 0 };
    struct oo_apply_result res;
    struct oo_step steps[2] = {
        { .kind = OO_STEP_BOND_SET, .object = "oorace0", .pf = -1, .obs_pf = -1, .vf = -1,
          .opt = OO_BOND_OPT_MIIMON, .num = 100, .name2 = "oorace0" },
        { .kind = OO_STEP_BOND_DELETE, .object = "oorace0", .pf = -1, .obs_pf = -1, .vf = -1,
          .name = "oorace0" },
    };
    struct oo_plan plan = { .steps = steps, .n_steps = 2 };
    struct oo_apply_opts opts = { .root = "", .ovs_remote = "unix:/nonexistent", .ovsdb_timeout_ms = 100 };
    struct oo_link l;

    assert_int_equal(oo_apply(cfg, &obs, &plan, &opts, &res), -EPERM);
    assert_int_equal(res.failed, 0);
    assert_non_null(strstr(res.message, "oorace0 is no longer a bond marked as ovs-offload's"));
    assert_int_equal(oo_link_get(&rt, name, &l), 0);
    assert_int_equal(l.bond.miimon, 0);     /* unchanged */
    oo_link_clear(&l);
    plan.steps = &steps[1];
    plan.n_steps = 1;
    assert_int_equal(oo_apply(cfg, &obs, &plan, &opts, &res), -EPERM);
    assert_int_equal(oo_link_get(&rt, name, &l), 0);
    oo_link_clear(&l);
    /* Marked: ours, deleted. */
    assert_int_equal(oo_link_set_alias(&rt, (uint32_t)if_nametoindex(name), OO_LINK_OWNER_ALIAS), 0);
    assert_int_equal(oo_apply(cfg, &obs, &plan, &opts, &res), 0);
    assert_int_equal(oo_link_get(&rt, name, &l), -ENODEV);
    oo_nl_close(&rt);
    oo_observed_free(&obs);
    host_free_config(cfg);
}

/* A dummy netdev, as a bond member stands in (RTM_NEWLINK of kind "dummy"). */
static int add_dummy(struct oo_nl *rt, const char *name)
{
    char buf[OO_NL_MSG_SIZE];
    struct nlmsghdr *nlh = oo_nl_put_header(buf);
    struct ifinfomsg *ifi;
    struct nlattr *info;

    nlh->nlmsg_type = RTM_NEWLINK;
    nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL;
    ifi = mnl_nlmsg_put_extra_header(nlh, sizeof *ifi);
    ifi->ifi_family = AF_UNSPEC;
    mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
    info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
    mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "dummy");
    mnl_attr_nest_end(nlh, info);
    return oo_nl_transact(rt, nlh, NULL, NULL);
}

static unsigned master_of(struct oo_nl *rt, const char *name)
{
    struct oo_link l;
    unsigned m;

    assert_int_equal(oo_link_get(rt, name, &l), 0);
    m = l.master;
    oo_link_clear(&l);
    return m;
}

/* bond-release takes a member out of the bond the plan saw it in, and only
 * that one: a member someone moved to their own bond since the plan stays
 * there. Skipped as above (devlink, bonding). */
static void test_apply_member_moved_since_plan(void **state)
{
    struct oo_nl rt;
    struct oo_bond_set b = OO_BOND_SET_NONE;

    if (!open_with_bond(&rt, "oorace1", OO_LINK_OWNER_ALIAS)) {
        skip();
        return;
    }
    b.mode = 1;     /* active-backup */
    assert_int_equal(oo_link_bond_create(&rt, "oorace2", NULL, &b), 0);    /* someone else's */
    assert_int_equal(add_dummy(&rt, "oorm0"), 0);
    unsigned ours = if_nametoindex("oorace1"), theirs = if_nametoindex("oorace2");
    unsigned member = if_nametoindex("oorm0");
    assert_int_not_equal(ours, 0);
    assert_int_not_equal(theirs, 0);
    assert_int_equal(oo_link_set_master(&rt, member, theirs), 0);

    struct oo_config *cfg = host_load_config("version: 1\n");
    struct oo_observed obs = { 0 };
    struct oo_apply_result res;
    struct oo_step steps[1] = {
        { .kind = OO_STEP_BOND_RELEASE, .object = "oorace1", .pf = -1, .obs_pf = -1, .vf = -1,
          .name = "oorm0", .name2 = "oorace1" },
    };
    struct oo_plan plan = { .steps = steps, .n_steps = 1 };
    struct oo_apply_opts opts = { .root = "", .ovs_remote = "unix:/nonexistent", .ovsdb_timeout_ms = 100 };

    assert_int_equal(oo_apply(cfg, &obs, &plan, &opts, &res), -EPERM);
    assert_non_null(strstr(res.message, "oorm0 is no longer in bond oorace1"));
    assert_int_equal(master_of(&rt, "oorm0"), theirs);
    /* In ours, as the plan saw it: released. Released already: nothing to do. */
    assert_int_equal(oo_link_set_master(&rt, member, 0), 0);
    assert_int_equal(oo_link_set_master(&rt, member, ours), 0);
    assert_int_equal(oo_apply(cfg, &obs, &plan, &opts, &res), 0);
    assert_int_equal(master_of(&rt, "oorm0"), 0);
    assert_int_equal(oo_apply(cfg, &obs, &plan, &opts, &res), 0);
    assert_int_equal(master_of(&rt, "oorm0"), 0);
    assert_int_equal(oo_link_delete(&rt, member), 0);
    assert_int_equal(oo_link_delete(&rt, theirs), 0);
    assert_int_equal(oo_link_delete(&rt, ours), 0);
    oo_nl_close(&rt);
    oo_observed_free(&obs);
    host_free_config(cfg);
}

/* The recorded driver is not loaded any more: the bus chooses. When no
 * driver takes the VF (here: the fake drivers_probe binds nothing) that is
 * an error naming it, and its record goes: no later run would do better. */
static void test_bind_without_driver_probes(void **state)
{
    char *root = make_tree(), rec[PATH_MAX];
    struct oo_dl_handle h = { "pci", "0000:3b:00.0" };
    struct oo_vfctl_result res;

    record_of(root, rec, sizeof rec);
    fixture_write(root, REC "/0000:3b:00.3", "i40evf\n");
    assert_int_equal(oo_sriov_bind_vfs(root, &h, rec, &res), -ENODEV);
    assert_int_equal(res.n, 0);
    assert_string_equal(res.failed, "0000:3b:00.3");
    read_back(root, "sys/bus/pci/drivers_probe", "0000:3b:00.3");
    assert_false(exists(root, REC "/0000:3b:00.3"));
    fixture_rmtree(root);
    free(root);
}

/* A VF whose bind fails does not keep the others from their drivers; it is
 * reported, and its record goes (retried every run, it would stop every plan). */
static void test_bind_failure_does_not_stop_the_rest(void **state)
{
    char *root = make_tree(), rec[PATH_MAX], path[PATH_MAX];
    struct oo_dl_handle h = { "pci", "0000:3b:00.0" };
    struct oo_vfctl_result res;

    record_of(root, rec, sizeof rec);
    assert_int_equal(oo_sriov_unbind_vfs(root, &h, rec, &res), 0);
    drop_driver(root, 0);
    drop_driver(root, 2);
    /* mlx5_core's bind refuses (a directory cannot be written). */
    snprintf(path, sizeof path, "%s/sys/bus/pci/drivers/mlx5_core/bind", root);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(mkdir(path, 0755), 0);
    assert_int_equal(oo_sriov_bind_vfs(root, &h, rec, &res), -EISDIR);
    assert_string_equal(res.failed, "0000:3b:00.2");
    assert_int_equal(res.n, 1);
    read_back(root, "sys/bus/pci/drivers/vfio-pci/bind", "0000:3b:00.4");
    assert_false(exists(root, REC "/0000:3b:00.2"));
    assert_false(exists(root, REC "/0000:3b:00.4"));
    fixture_rmtree(root);
    free(root);
}

/* Every pass prunes: records of VFs bound since and of addresses that are no
 * VF of this PF go; the record of a VF still unbound stays. */
static void test_prune_record(void **state)
{
    char *root = make_tree(), rec[PATH_MAX];
    struct oo_dl_handle h = { "pci", "0000:3b:00.0" }, nsim = { "netdevsim", "netdevsim10" };

    record_of(root, rec, sizeof rec);
    fixture_write(root, REC "/0000:3b:00.2", "mlx5_core\n");     /* bound again since */
    fixture_write(root, REC "/0000:3b:00.3", "mlx5_core\n");     /* still unbound */
    fixture_write(root, REC "/0000:99:00.1", "mlx5_core\n");     /* gone */
    oo_sriov_prune_record(root, &nsim, rec);                       /* not PCI: nothing */
    assert_true(exists(root, REC "/0000:3b:00.2"));
    oo_sriov_prune_record(root, &h, rec);
    assert_false(exists(root, REC "/0000:3b:00.2"));
    assert_true(exists(root, REC "/0000:3b:00.3"));
    assert_false(exists(root, REC "/0000:99:00.1"));
    fixture_rmtree(root);
    free(root);
}

/* Records of VFs bound since, and of addresses that are no VF of this PF,
 * are dropped without a write. */
static void test_bind_prunes_stale_records(void **state)
{
    char *root = make_tree(), rec[PATH_MAX];
    struct oo_dl_handle h = { "pci", "0000:3b:00.0" };
    struct oo_vfctl_result res;

    record_of(root, rec, sizeof rec);
    fixture_write(root, REC "/0000:3b:00.2", "mlx5_core\n");
    fixture_write(root, REC "/0000:99:00.1", "mlx5_core\n");
    assert_int_equal(oo_sriov_bind_vfs(root, &h, rec, &res), 0);
    assert_int_equal(res.n, 0);
    read_back(root, "sys/bus/pci/drivers/mlx5_core/bind", "");
    read_back(root, "sys/bus/pci/drivers_probe", "");
    assert_false(exists(root, REC "/0000:3b:00.2"));
    assert_false(exists(root, REC "/0000:99:00.1"));
    fixture_rmtree(root);
    free(root);
}

static void test_forget(void **state)
{
    char *root = make_tree(), rec[PATH_MAX];

    record_of(root, rec, sizeof rec);
    assert_int_equal(oo_sriov_forget_vfs(rec), 0);      /* no record yet */
    fixture_write(root, REC "/0000:3b:00.2", "mlx5_core\n");
    fixture_write(root, REC "/0000:3b:00.3", "mlx5_core\n");
    assert_int_equal(oo_sriov_forget_vfs(rec), 0);
    assert_false(exists(root, REC "/0000:3b:00.2"));
    assert_false(exists(root, REC "/0000:3b:00.3"));
    fixture_rmtree(root);
    free(root);
}

/* Buses without VF devices (netdevsim): nothing to do, and nothing touched. */
static void test_other_bus(void **state)
{
    char *root = fixture_mkdtemp(), rec[PATH_MAX];
    struct oo_dl_handle h = { "netdevsim", "netdevsim10" };
    struct oo_vfctl_result res;

    record_of(root, rec, sizeof rec);
    assert_int_equal(oo_sriov_unbind_vfs(root, &h, rec, &res), 0);
    assert_int_equal(res.n, 0);
    assert_int_equal(oo_sriov_bind_vfs(root, &h, rec, &res), 0);
    assert_int_equal(res.n, 0);
    assert_false(exists(root, "run"));
    fixture_rmtree(root);
    free(root);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_num_vfs),
        cmocka_unit_test(test_unbind_records_bound_only),
        cmocka_unit_test(test_unbind_failure_keeps_earlier_records),
        cmocka_unit_test(test_bind_recorded_only),
        cmocka_unit_test(test_apply_binds_after_failure),
        cmocka_unit_test(test_apply_vf_taken_since_plan),
        cmocka_unit_test_setup_teardown(test_apply_bond_replaced_since_plan, remove_test_links,
                                        remove_test_links),
        cmocka_unit_test_setup_teardown(test_apply_member_moved_since_plan, remove_test_links,
                                        remove_test_links),
        cmocka_unit_test(test_bind_without_driver_probes),
        cmocka_unit_test(test_bind_failure_does_not_stop_the_rest),
        cmocka_unit_test(test_prune_record),
        cmocka_unit_test(test_bind_prunes_stale_records),
        cmocka_unit_test(test_forget),
        cmocka_unit_test(test_other_bus),
    };
    /* OO_TEST_FILTER=NAME runs one test (the guest tier's way in). */
    if (getenv("OO_TEST_FILTER"))
        cmocka_set_test_filter(getenv("OO_TEST_FILTER"));
    return cmocka_run_group_tests_name("vfctl", tests, NULL, NULL);
}
