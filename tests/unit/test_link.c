/* rtnetlink link decoder (and the ethtool helpers of link/). The decoder is fed
 * a RTM_GETLINK dump captured from the real 6.1 kernel (tests/fixtures/link-dump.bin,
 * state in tests/fixtures/state.txt): netdevsim10 (switchdev, 4 VFs, devlink
 * rate on VF 0: tx_max 100mbit tx_share 10mbit), netdevsim11 (legacy, 4 VFs,
 * every setting on VF 1), and bond0 (balance-xor, miimon 100, layer3+4,
 * alias "managed by ovs-offload") over both uplinks. */
#include <errno.h>
#include <net/if.h>             /* before linux/if_bonding.h: glibc's IFF_* first */
#include <linux/ethtool.h>
#include <linux/if_bonding.h>
#include <linux/if_link.h>
#include <linux/ipv6.h>
#include <linux/rtnetlink.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "common/nlsock.h"
#include "common/util.h"
#include "link/ethtool.h"
#include "link/link.h"
#include "fixture.h"

/* ------------------------------------------------------------ encoder */

static void test_encode_dump(void **state)
{
    char buf[OO_NL_MSG_SIZE];
    struct nlmsghdr *nlh = oo_link_put_dump(buf);
    const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
    const struct nlattr *a;
    unsigned n = 0;

    assert_int_equal(nlh->nlmsg_type, RTM_GETLINK);
    assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_DUMP);
    assert_int_equal(ifi->ifi_family, AF_UNSPEC);
    assert_int_equal(ifi->ifi_index, 0);
    /* header 16 + ifinfomsg 16 + IFLA_EXT_MASK 8 */
    assert_int_equal(nlh->nlmsg_len, 40);
    mnl_attr_for_each(a, nlh, sizeof *ifi) {
        assert_int_equal(mnl_attr_get_type(a), IFLA_EXT_MASK);
        assert_int_equal(mnl_attr_get_u32(a), RTEXT_FILTER_VF | RTEXT_FILTER_SKIP_STATS);
        n++;
    }
    assert_int_equal(n, 1);
}

/* ------------------------------------------------ the kernel's dump */

struct dump {
    void *buf;
    size_t len;
    struct oo_link links[16];
    size_t n;
};

static void load_dump_file(struct dump *d, const char *file)
{
    const struct nlmsghdr *nlh;

    d->buf = fixture_load(file, &d->len);
    d->n = 0;
    for (unsigned i = 0; (nlh = fixture_msg(d->buf, d->len, i)); i++) {
        if (nlh->nlmsg_type == NLMSG_DONE)
            break;
        assert_true(d->n < OO_ARRAY_SIZE(d->links));
        assert_int_equal(oo_link_parse(nlh, &d->links[d->n]), 0);
        d->n++;
    }
}

static void load_dump(struct dump *d)
{
    load_dump_file(d, "link-dump.bin");
}

static void free_dump(struct dump *d)
{
    for (size_t i = 0; i < d->n; i++)
        oo_link_clear(&d->links[i]);
    free(d->buf);
}

static const struct oo_link *get(const struct dump *d, const char *name)
{
    struct oo_link_index ix;
    const struct oo_link *l;

    oo_link_index_init(&ix, d->links, d->n);
    l = oo_link_index_find(&ix, name);
    oo_link_index_free(&ix);
    if (!l)
        fail_msg("no link %s in the dump", name);
    return l;
}

static void test_decode_dump_shape(void **state)
{
    /* As `ip -j link show` said at capture time (state.txt). */
    static const struct { const char *name; uint32_t ifindex; } expect[] = {
        { "lo", 1 }, { "eth0", 2 }, { "eth1", 3 }, { "eth2", 4 },
        { "eth3", 5 }, { "eth4", 6 }, { "eth5", 7 }, { "bond0", 8 },
    };
    struct dump d;

    load_dump(&d);
    assert_int_equal(fixture_count(d.buf, d.len, RTM_NEWLINK), OO_ARRAY_SIZE(expect));
    assert_int_equal(fixture_count(d.buf, d.len, NLMSG_DONE), 1);
    assert_int_equal(d.n, OO_ARRAY_SIZE(expect));
    for (size_t i = 0; i < OO_ARRAY_SIZE(expect); i++) {
        assert_string_equal(d.links[i].name, expect[i].name);
        assert_int_equal(d.links[i].ifindex, expect[i].ifindex);
        /* Sorted by ifindex, as the kernel dumps: the lookups work on it. */
        assert_ptr_equal(oo_link_by_index(d.links, d.n, expect[i].ifindex), &d.links[i]);
        assert_ptr_equal(oo_link_by_name(d.links, d.n, expect[i].name), &d.links[i]);
    }
    assert_null(oo_link_by_index(d.links, d.n, 99));
    assert_null(oo_link_by_name(d.links, d.n, "eth"));
    assert_null(oo_link_by_name(d.links, d.n, "bond00"));
    free_dump(&d);
}

/* The name index finds every link of the dump by its name (first, last and
 * middle of the order), and nothing for names around them. */
static void test_name_index(void **state)
{
    static const char *const absent[] = { "", "a", "bond", "bond00", "eth", "eth9", "lo0", "zz" };
    struct oo_link_index ix;
    struct dump d;

    load_dump(&d);
    oo_link_index_init(&ix, d.links, d.n);
    assert_int_equal(ix.n, d.n);
    for (size_t i = 0; i < d.n; i++)
        assert_ptr_equal(oo_link_index_find(&ix, d.links[i].name), &d.links[i]);
    for (size_t i = 0; i < OO_ARRAY_SIZE(absent); i++)
        assert_null(oo_link_index_find(&ix, absent[i]));
    oo_link_index_free(&ix);
    assert_null(ix.by_name);
    /* An empty dump. */
    oo_link_index_init(&ix, NULL, 0);
    assert_null(oo_link_index_find(&ix, "eth0"));
    oo_link_index_free(&ix);
    free_dump(&d);
}

static void test_decode_bond(void **state)
{
    struct dump d;
    const struct oo_link *b, *m;

    load_dump(&d);
    b = get(&d, "bond0");
    assert_string_equal(b->kind, "bond");
    assert_string_equal(b->slave_kind, "");
    assert_string_equal(b->alias, OO_LINK_OWNER_ALIAS);
    assert_true(b->up);
    assert_int_equal(b->master, 0);
    assert_int_equal(b->bond.mode, BOND_MODE_XOR);
    assert_int_equal(b->bond.miimon, 100);
    assert_int_equal(b->bond.xmit_hash_policy, BOND_XMIT_POLICY_LAYER34);
    assert_int_equal(b->bond.lacp_rate, 0);        /* reported in every mode: slow */
    assert_int_equal(b->bond.primary, 0);
    assert_int_equal(b->bond.active_slave, 0);     /* none in balance-xor */
    assert_int_equal(b->num_vf, -1);               /* no parent device */
    assert_int_equal(b->n_vfs, 0);
    assert_int_equal(b->switch_id_len, 0);

    /* Both uplinks are its members. */
    for (const char *const *n = (const char *const[]){ "eth0", "eth1", NULL }; *n; n++) {
        m = get(&d, *n);
        assert_int_equal(m->master, b->ifindex);
        assert_string_equal(m->slave_kind, "bond");
        assert_string_equal(m->kind, "");           /* netdevsim has no rtnl_link_ops */
        assert_string_equal(m->alias, "");
        assert_true(m->up);                         /* the bond opened them */
        assert_int_equal(m->bond.mode, -1);         /* not a bond itself */
        assert_int_equal(m->bond.miimon, -1);
    }
    /* Neither the others. */
    assert_int_equal(get(&d, "eth2")->master, 0);
    assert_string_equal(get(&d, "eth2")->slave_kind, "");
    assert_string_equal(get(&d, "lo")->kind, "");
    free_dump(&d);
}

static void test_decode_ports_and_switch_ids(void **state)
{
    struct dump d;
    const struct oo_link *up0, *up1, *rep;

    load_dump(&d);
    up0 = get(&d, "eth0");
    up1 = get(&d, "eth1");
    /* netdevsim numbers its physical ports from 1 (devlink "port": 1). */
    assert_string_equal(up0->phys_port_name, "p1");
    assert_string_equal(up1->phys_port_name, "p1");
    /* netdevsim: a random 32-byte switch id per device. */
    assert_int_equal(up0->switch_id_len, 32);
    assert_int_equal(up1->switch_id_len, 32);
    assert_memory_not_equal(up0->switch_id, up1->switch_id, 32);
    for (int vf = 0; vf < 4; vf++) {
        char name[IF_NAMESIZE], ppn[16];

        snprintf(name, sizeof name, "eth%d", 2 + vf);
        snprintf(ppn, sizeof ppn, "pf0vf%d", vf);
        rep = get(&d, name);
        assert_string_equal(rep->phys_port_name, ppn);
        /* A representor shares its uplink's switch id. */
        assert_int_equal(rep->switch_id_len, 32);
        assert_memory_equal(rep->switch_id, up0->switch_id, 32);
        /* netdevsim reports its bus device's VF count on every port netdev,
         * representors included, but VF settings only on the PF. */
        assert_int_equal(rep->num_vf, 4);
        assert_int_equal(rep->n_vfs, 0);
    }
    assert_string_equal(get(&d, "lo")->phys_port_name, "");
    assert_int_equal(get(&d, "lo")->num_vf, -1);
    free_dump(&d);
}

static void test_decode_vf_settings_legacy(void **state)
{
    static const uint8_t mac1[6] = { 0x02, 0, 0, 0, 0, 0x11 }, zero[6] = { 0 };
    struct dump d;
    const struct oo_link *pf;

    load_dump(&d);
    pf = get(&d, "eth1");   /* netdevsim11, legacy */
    assert_int_equal(pf->num_vf, 4);
    assert_int_equal(pf->n_vfs, 4);
    for (uint32_t i = 0; i < 4; i++) {
        const struct oo_link_vf *vf = &pf->vfs[i];

        assert_int_equal(vf->id, i);
        if (i == 1) {
            /* ip link set eth1 vf 1 mac 02:00:00:00:00:11 vlan 10 qos 3 trust on
             * spoofchk off state disable max_tx_rate 1000 min_tx_rate 100 */
            assert_memory_equal(vf->mac, mac1, 6);
            assert_int_equal(vf->vlan, 10);
            assert_int_equal(vf->qos, 3);
            assert_int_equal(vf->trust, 1);
            assert_int_equal(vf->spoofchk, 0);
            assert_int_equal(vf->link_state, IFLA_VF_LINK_STATE_DISABLE);
            assert_int_equal(vf->max_tx_rate, 1000);
            assert_int_equal(vf->min_tx_rate, 100);
        } else {
            /* netdevsim's defaults: spoofchk off, trust off, link auto. */
            assert_memory_equal(vf->mac, zero, 6);
            assert_int_equal(vf->vlan, 0);
            assert_int_equal(vf->qos, 0);
            assert_int_equal(vf->trust, 0);
            assert_int_equal(vf->spoofchk, 0);
            assert_int_equal(vf->link_state, IFLA_VF_LINK_STATE_AUTO);
            assert_int_equal(vf->max_tx_rate, 0);
            assert_int_equal(vf->min_tx_rate, 0);
        }
    }
    free_dump(&d);
}

static void test_decode_vf_settings_switchdev(void **state)
{
    struct dump d;
    const struct oo_link *pf;

    load_dump(&d);
    pf = get(&d, "eth0");   /* netdevsim10, switchdev */
    assert_int_equal(pf->num_vf, 4);
    assert_int_equal(pf->n_vfs, 4);
    /* The devlink rate of VF 0's leaf (tx_max 100mbit, tx_share 10mbit) shows
     * in the PF's VF info in Mbit/s: netdevsim keeps both in one place. */
    assert_int_equal(pf->vfs[0].max_tx_rate, 100);
    assert_int_equal(pf->vfs[0].min_tx_rate, 10);
    for (uint32_t i = 1; i < 4; i++) {
        assert_int_equal(pf->vfs[i].id, i);
        assert_int_equal(pf->vfs[i].max_tx_rate, 0);
        assert_int_equal(pf->vfs[i].link_state, IFLA_VF_LINK_STATE_AUTO);
    }
    free_dump(&d);
}

/* link-dump-many-vfs.bin: netdevsim12 (eth6, legacy) with 400 VFs, in bond1
 * (active-backup, miimon 100), VF 0 and VF 399 set. Its link message is over
 * 64 KiB, and Linux 6.1 reports its IFLA_VFINFO_LIST length modulo 64 KiB
 * (`ip link show` reads 178 VFs and "Truncated VF list"). Every VF is read,
 * and so are the attributes after the list (IFLA_LINKINFO: the bond). */
static void test_decode_many_vfs(void **state)
{
    static const uint8_t mac0[6] = { 0x02, 0, 0, 0, 0x04, 0x00 };
    static const uint8_t mac399[6] = { 0x02, 0, 0, 0, 0x04, 0x99 }, zero[6] = { 0 };
    const struct oo_link *pf, *bond;
    const struct nlmsghdr *nlh;
    const struct nlattr *a, *list = NULL;
    struct dump d;

    load_dump_file(&d, "link-dump-many-vfs.bin");
    for (unsigned i = 0; (nlh = fixture_msg(d.buf, d.len, i)) && !list; i++) {
        if (nlh->nlmsg_type != RTM_NEWLINK || nlh->nlmsg_len <= UINT16_MAX)
            continue;
        mnl_attr_for_each(a, nlh, sizeof(struct ifinfomsg))
            if (mnl_attr_get_type(a) == IFLA_VFINFO_LIST)
                list = a;
    }
    /* The fixture shows the kernel's wrap: one message over 64 KiB, whose
     * list claims less than 400 VFs' worth (~196 bytes each). */
    assert_non_null(list);
    assert_true(list->nla_len < 400 * 150);

    pf = get(&d, "eth6");
    bond = get(&d, "bond1");
    assert_int_equal(pf->ifindex, 9);
    assert_int_equal(pf->num_vf, 400);
    assert_int_equal(pf->n_vfs, 400);
    for (uint32_t i = 0; i < 400; i++)
        assert_int_equal(pf->vfs[i].id, i);
    assert_memory_equal(pf->vfs[0].mac, mac0, 6);
    assert_int_equal(pf->vfs[0].vlan, 0);
    assert_memory_equal(pf->vfs[1].mac, zero, 6);
    assert_memory_equal(pf->vfs[399].mac, mac399, 6);
    assert_int_equal(pf->vfs[399].vlan, 399);
    assert_int_equal(pf->vfs[399].trust, 1);
    assert_int_equal(pf->vfs[398].trust, 0);
    assert_string_equal(pf->slave_kind, "bond");
    assert_int_equal(pf->master, bond->ifindex);
    assert_string_equal(bond->kind, "bond");
    assert_int_equal(bond->bond.mode, BOND_MODE_ACTIVEBACKUP);
    assert_int_equal(bond->bond.miimon, 100);
    /* The links around it read as in link-dump.bin. */
    assert_int_equal(get(&d, "eth0")->n_vfs, 4);
    assert_string_equal(get(&d, "bond0")->alias, "managed by ovs-offload");
    free_dump(&d);
}

/* ------------------------------------------- unknown and malformed input */

static const struct nlmsghdr *fixture_link(const void *buf, size_t len, const char *name)
{
    const struct nlmsghdr *nlh;

    for (unsigned i = 0; (nlh = fixture_msg(buf, len, i)); i++) {
        const struct nlattr *a;

        if (nlh->nlmsg_type != RTM_NEWLINK)
            continue;
        mnl_attr_for_each(a, nlh, sizeof(struct ifinfomsg))
            if (mnl_attr_get_type(a) == IFLA_IFNAME && !strcmp(mnl_attr_get_str(a), name))
                return nlh;
    }
    fail_msg("no RTM_NEWLINK of %s in the fixture", name);
    return NULL;
}

static void assert_links_equal(const struct oo_link *a, const struct oo_link *b)
{
    struct oo_link x = *a, y = *b;

    assert_int_equal(a->n_vfs, b->n_vfs);
    if (a->n_vfs)
        assert_memory_equal(a->vfs, b->vfs, a->n_vfs * sizeof *a->vfs);
    x.vfs = y.vfs = NULL;
    assert_memory_equal(&x, &y, sizeof x);
}

/* The AF_INET6 nest of IFLA_AF_SPEC: the kernel reports every IPv6 sysctl
 * of the device. In the fixture IPv6 is on everywhere (the default); a
 * copy of eth2's message with DEVCONF_DISABLE_IPV6 set reads as off, one
 * whose nest is another family's as not reported, and a CONF array too
 * short to hold the field is malformed. */
static struct nlattr *inet6_conf(struct nlmsghdr *nlh)
{
    struct nlattr *a, *af, *c;

    mnl_attr_for_each(a, nlh, sizeof(struct ifinfomsg)) {
        if (mnl_attr_get_type(a) != IFLA_AF_SPEC)
            continue;
        mnl_attr_for_each_nested(af, a) {
            if (mnl_attr_get_type(af) != AF_INET6)
                continue;
            mnl_attr_for_each_nested(c, af)
                if (mnl_attr_get_type(c) == IFLA_INET6_CONF)
                    return c;
        }
    }
    fail_msg("no IFLA_AF_SPEC/AF_INET6/IFLA_INET6_CONF in the message");
    return NULL;
}

static void test_decode_ipv6_disabled(void **state)
{
    size_t len;
    void *buf = fixture_load("link-dump.bin", &len);
    char copy[8192];
    struct nlmsghdr *nlh = (struct nlmsghdr *)copy;
    const struct nlmsghdr *orig;
    struct nlattr *conf;
    struct oo_link l;
    int32_t one = 1;

    (void)state;
    for (const char *const *n = (const char *const[]){ "lo", "eth0", "eth2", "bond0", NULL }; *n; n++) {
        assert_int_equal(oo_link_parse(fixture_link(buf, len, *n), &l), 0);
        assert_int_equal(l.ipv6_disabled, 0);
        oo_link_clear(&l);
    }
    orig = fixture_link(buf, len, "eth2");
    assert_true(orig->nlmsg_len <= sizeof copy);
    memcpy(copy, orig, orig->nlmsg_len);
    conf = inet6_conf(nlh);
    /* The kernel's array is at least as long as this build's DEVCONF_MAX. */
    assert_true(mnl_attr_get_payload_len(conf) >= DEVCONF_MAX * sizeof one);
    memcpy((char *)mnl_attr_get_payload(conf) + DEVCONF_DISABLE_IPV6 * sizeof one, &one, sizeof one);
    assert_int_equal(oo_link_parse(nlh, &l), 0);
    assert_int_equal(l.ipv6_disabled, 1);
    assert_string_equal(l.name, "eth2");
    oo_link_clear(&l);

    /* The array cut to end before the field: not reported, and the rest of
     * the link read. */
    memcpy(copy, orig, orig->nlmsg_len);
    conf = inet6_conf(nlh);
    uint16_t real = conf->nla_len;
    conf->nla_len = MNL_ATTR_HDRLEN + DEVCONF_DISABLE_IPV6 * sizeof one;
    assert_int_equal(oo_link_parse(nlh, &l), 0);
    assert_int_equal(l.ipv6_disabled, -1);
    assert_string_equal(l.name, "eth2");
    oo_link_clear(&l);
    conf->nla_len = real;

    /* No AF_INET6 nest (a kernel booted with ipv6.disable=1 has none). */
    struct nlattr *a;
    mnl_attr_for_each(a, nlh, sizeof(struct ifinfomsg))
        if (mnl_attr_get_type(a) == IFLA_AF_SPEC) {
            struct nlattr *af;
            mnl_attr_for_each_nested(af, a)
                if (mnl_attr_get_type(af) == AF_INET6)
                    af->nla_type = AF_PACKET;   /* no family the kernel reports here */
        }
    assert_int_equal(oo_link_parse(nlh, &l), 0);
    assert_int_equal(l.ipv6_disabled, -1);
    oo_link_clear(&l);
    free(buf);
}

/* Someone else's netdev with the longest alias the kernel takes (255
 * bytes) is read whole, not a reason to fail the dump. */
static void test_decode_long_alias(void **state)
{
    char buf[1024], alias[OO_LINK_ALIAS_MAX];
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    struct ifinfomsg *ifi;
    struct oo_link l;

    (void)state;
    memset(alias, 'a', sizeof alias - 1);
    alias[sizeof alias - 1] = '\0';
    nlh->nlmsg_type = RTM_NEWLINK;
    ifi = mnl_nlmsg_put_extra_header(nlh, sizeof *ifi);
    ifi->ifi_index = 7;
    mnl_attr_put_strz(nlh, IFLA_IFNAME, "eth9");
    mnl_attr_put_strz(nlh, IFLA_IFALIAS, alias);
    assert_int_equal(oo_link_parse(nlh, &l), 0);
    assert_string_equal(l.alias, alias);
    oo_link_clear(&l);
}

/* Newer kernels add attributes: unknown ones are skipped, at every level. */
static void test_decode_skips_unknown_attrs(void **state)
{
    size_t len;
    void *buf = fixture_load("link-dump.bin", &len);
    char copy[8192];
    struct nlmsghdr *nlh = (struct nlmsghdr *)copy;
    struct oo_link a, b;

    for (const char *const *n = (const char *const[]){ "bond0", "eth1", "eth0", NULL }; *n; n++) {
        const struct nlmsghdr *orig = fixture_link(buf, len, *n);

        assert_true(orig->nlmsg_len + 64 <= sizeof copy);
        memcpy(copy, orig, orig->nlmsg_len);
        mnl_attr_put_u32(nlh, IFLA_MAX + 20, 0xdeadbeef);
        mnl_attr_put_strz(nlh, IFLA_MAX + 21, "from the future");
        assert_int_equal(oo_link_parse(orig, &a), 0);
        assert_int_equal(oo_link_parse(nlh, &b), 0);
        assert_links_equal(&a, &b);
        oo_link_clear(&a);
        oo_link_clear(&b);
    }

    /* Inside the VF list: an entry of another type, and a new attribute in a VF. */
    nlh = mnl_nlmsg_put_header(copy);
    nlh->nlmsg_type = RTM_NEWLINK;
    struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof *ifi);
    ifi->ifi_index = 42;
    mnl_attr_put_strz(nlh, IFLA_IFNAME, "pf9");
    struct nlattr *list = mnl_attr_nest_start(nlh, IFLA_VFINFO_LIST);
    struct nlattr *other = mnl_attr_nest_start(nlh, IFLA_VF_INFO + 7);
    mnl_attr_put_u32(nlh, 1, 1);
    mnl_attr_nest_end(nlh, other);
    struct nlattr *vfi = mnl_attr_nest_start(nlh, IFLA_VF_INFO);
    struct ifla_vf_mac mac = { .vf = 5, .mac = { 0x02, 1, 2, 3, 4, 5 } };
    mnl_attr_put(nlh, IFLA_VF_MAC, sizeof mac, &mac);
    mnl_attr_put_u64(nlh, IFLA_VF_MAX + 9, 77);
    mnl_attr_nest_end(nlh, vfi);
    mnl_attr_nest_end(nlh, list);
    struct nlattr *info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
    mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "bond");
    struct nlattr *data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
    mnl_attr_put_u8(nlh, IFLA_BOND_MODE, BOND_MODE_ACTIVEBACKUP);
    mnl_attr_put_u64(nlh, IFLA_BOND_MAX + 3, 1);
    mnl_attr_nest_end(nlh, data);
    mnl_attr_put_u32(nlh, IFLA_INFO_MAX + 4, 1);
    mnl_attr_nest_end(nlh, info);
    assert_int_equal(oo_link_parse(nlh, &a), 0);
    assert_int_equal(a.ifindex, 42);
    assert_int_equal(a.n_vfs, 1);
    assert_int_equal(a.vfs[0].id, 5);
    assert_memory_equal(a.vfs[0].mac, mac.mac, 6);
    assert_int_equal(a.vfs[0].spoofchk, -1);        /* not reported */
    assert_int_equal(a.vfs[0].trust, -1);
    assert_int_equal(a.vfs[0].link_state, -1);
    assert_string_equal(a.kind, "bond");
    assert_int_equal(a.bond.mode, BOND_MODE_ACTIVEBACKUP);
    assert_int_equal(a.bond.miimon, -1);
    oo_link_clear(&a);
    free(buf);
}

/* Finds attribute `type` in nlh's top level (a mutable pointer into copy). */
static struct nlattr *top_attr(struct nlmsghdr *nlh, uint16_t type)
{
    struct nlattr *a;

    mnl_attr_for_each(a, nlh, sizeof(struct ifinfomsg))
        if (mnl_attr_get_type(a) == type)
            return a;
    fail_msg("attribute %u not found", type);
    return NULL;
}

/* The attribute of `type` directly nested in attr. */
static struct nlattr *nested_attr(struct nlattr *attr, uint16_t type)
{
    struct nlattr *a;

    mnl_attr_for_each_nested(a, attr)
        if (mnl_attr_get_type(a) == type)
            return a;
    fail_msg("nested attribute %u not found", type);
    return NULL;
}

/* The MAC attribute of the PF's first VF. */
static struct nlattr *first_vf_mac(struct nlmsghdr *nlh)
{
    return nested_attr(nested_attr(top_attr(nlh, IFLA_VFINFO_LIST), IFLA_VF_INFO), IFLA_VF_MAC);
}

/* A malformed known attribute, a missing name or a wrong header is refused. */
static void test_decode_rejects_malformed(void **state)
{
    size_t len;
    void *buf = fixture_load("link-dump.bin", &len);
    const struct nlmsghdr *bond = fixture_link(buf, len, "bond0");
    const struct nlmsghdr *pf = fixture_link(buf, len, "eth1");
    char copy[8192];
    struct nlmsghdr *nlh = (struct nlmsghdr *)copy;
    struct oo_link l;

#define RESET(orig) memcpy(copy, (orig), (orig)->nlmsg_len)
    /* The master's ifindex shrunk to two bytes. */
    RESET(pf);
    top_attr(nlh, IFLA_MASTER)->nla_len = MNL_ATTR_HDRLEN + 2;
    assert_int_equal(oo_link_parse(nlh, &l), -EBADMSG);

    /* No name: IFLA_IFNAME renamed to an unknown type. */
    RESET(bond);
    top_attr(nlh, IFLA_IFNAME)->nla_type = IFLA_MAX + 1;
    assert_int_equal(oo_link_parse(nlh, &l), -EBADMSG);

    /* A name without its terminating NUL. */
    RESET(bond);
    {
        struct nlattr *a = top_attr(nlh, IFLA_IFNAME);
        char *s = mnl_attr_get_payload(a);
        a->nla_len = (uint16_t)(MNL_ATTR_HDRLEN + strlen(s));
    }
    assert_int_equal(oo_link_parse(nlh, &l), -EBADMSG);

    /* A bond mode of four bytes (u8 in the kernel). */
    RESET(bond);
    nested_attr(nested_attr(top_attr(nlh, IFLA_LINKINFO), IFLA_INFO_DATA), IFLA_BOND_MODE)->nla_len =
        MNL_ATTR_HDRLEN + 4;
    assert_int_equal(oo_link_parse(nlh, &l), -EBADMSG);

    /* A VF's MAC attribute too short for struct ifla_vf_mac: the whole link is
     * refused (nothing is leaked: ASan/valgrind check). */
    RESET(pf);
    first_vf_mac(nlh)->nla_len = MNL_ATTR_HDRLEN + 8;
    assert_int_equal(oo_link_parse(nlh, &l), -EBADMSG);
    assert_null(l.vfs);
    assert_int_equal(l.n_vfs, 0);

    /* A VF without a MAC attribute (it carries the VF number). */
    RESET(pf);
    first_vf_mac(nlh)->nla_type = IFLA_VF_MAX + 1;
    assert_int_equal(oo_link_parse(nlh, &l), -EBADMSG);

    /* Not a link message, or too short for its header. */
    RESET(bond);
    nlh->nlmsg_type = RTM_NEWADDR;
    assert_int_equal(oo_link_parse(nlh, &l), -EBADMSG);
    RESET(bond);
    nlh->nlmsg_len = mnl_nlmsg_size(sizeof(struct ifinfomsg) - 4);
    assert_int_equal(oo_link_parse(nlh, &l), -EBADMSG);

    /* A switch id longer than any the kernel makes (MAX_PHYS_ITEM_ID_LEN 32). */
    nlh = mnl_nlmsg_put_header(copy);
    nlh->nlmsg_type = RTM_NEWLINK;
    mnl_nlmsg_put_extra_header(nlh, sizeof(struct ifinfomsg));
    mnl_attr_put_strz(nlh, IFLA_IFNAME, "x");
    {
        uint8_t id[33] = { 0 };
        mnl_attr_put(nlh, IFLA_PHYS_SWITCH_ID, sizeof id, id);
    }
    assert_int_equal(oo_link_parse(nlh, &l), -EBADMSG);
#undef RESET
    free(buf);
}

/* ------------------------------------------------------------ ethtool helpers */

static void test_ethtool_string_index(void **state)
{
    uint8_t strings[4 * ETH_GSTRING_LEN] = { 0 };

    memcpy(strings + 0 * ETH_GSTRING_LEN, "tx-scatter-gather", 17);
    memcpy(strings + 1 * ETH_GSTRING_LEN, "hw-tc-offload", 13);
    /* Exactly ETH_GSTRING_LEN bytes: no terminating NUL. */
    memcpy(strings + 2 * ETH_GSTRING_LEN, "abcdefghijklmnopqrstuvwxyz012345", 32);
    memcpy(strings + 3 * ETH_GSTRING_LEN, "hw-tc-offload-x", 15);

    assert_int_equal(oo_ethtool_string_index(strings, 4, OO_ETHTOOL_HW_TC_OFFLOAD), 1);
    assert_int_equal(oo_ethtool_string_index(strings, 4, "tx-scatter-gather"), 0);
    assert_int_equal(oo_ethtool_string_index(strings, 4, "abcdefghijklmnopqrstuvwxyz012345"), 2);
    assert_int_equal(oo_ethtool_string_index(strings, 4, "abcdefghijklmnopqrstuvwxyz0123456"), -ENOENT);
    assert_int_equal(oo_ethtool_string_index(strings, 4, "hw-tc"), -ENOENT);
    assert_int_equal(oo_ethtool_string_index(strings, 1, "hw-tc-offload"), -ENOENT);
    assert_int_equal(oo_ethtool_string_index(strings, 0, "hw-tc-offload"), -ENOENT);
}

static void test_ethtool_feature_state(void **state)
{
    /* Bit 40 (block 1, bit 8): active; bit 41: changeable, off; bit 42:
     * fixed on; bit 43: neither. */
    struct ethtool_get_features_block b[2] = { 0 };

    b[1].available = 1u << 8 | 1u << 9;
    b[1].active = 1u << 8 | 1u << 10;
    assert_int_equal(oo_ethtool_feature_state(b, 2, 40), 1);
    assert_int_equal(oo_ethtool_feature_state(b, 2, 41), 0);
    assert_int_equal(oo_ethtool_feature_state(b, 2, 42), 1);
    assert_int_equal(oo_ethtool_feature_state(b, 2, 43), -EOPNOTSUPP);
    assert_int_equal(oo_ethtool_feature_state(b, 1, 40), -EOPNOTSUPP);
    assert_int_equal(oo_ethtool_feature_state(b, 2, 64), -EOPNOTSUPP);
}

static void test_ethtool_bad_names(void **state)
{
    assert_int_equal(oo_ethtool_get_hw_tc_offload(""), -EINVAL);
    assert_int_equal(oo_ethtool_get_hw_tc_offload("a-name-longer-than-ifnamsiz"), -EINVAL);
    assert_int_equal(oo_ethtool_set_hw_tc_offload("", true), -EINVAL);
    /* No such netdev (needs no privilege to ask). */
    assert_int_equal(oo_ethtool_get_hw_tc_offload("oo-nonexistent"), -ENODEV);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_encode_dump),
        cmocka_unit_test(test_decode_dump_shape),
        cmocka_unit_test(test_name_index),
        cmocka_unit_test(test_decode_bond),
        cmocka_unit_test(test_decode_ports_and_switch_ids),
        cmocka_unit_test(test_decode_vf_settings_legacy),
        cmocka_unit_test(test_decode_vf_settings_switchdev),
        cmocka_unit_test(test_decode_many_vfs),
        cmocka_unit_test(test_decode_skips_unknown_attrs),
        cmocka_unit_test(test_decode_long_alias),
        cmocka_unit_test(test_decode_ipv6_disabled),
        cmocka_unit_test(test_decode_rejects_malformed),
        cmocka_unit_test(test_ethtool_string_index),
        cmocka_unit_test(test_ethtool_feature_state),
        cmocka_unit_test(test_ethtool_bad_names),
    };
    return cmocka_run_group_tests_name("link", tests, NULL, NULL);
}
