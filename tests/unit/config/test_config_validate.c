/* Semantic validation, table-driven: every rule of docs/config.md
 * "Validation" has a case with its position, key path and message; each case
 * must produce exactly the expected number of errors (no cascades). Also:
 * reference resolution, and validation of configs built in memory.
 *
 * CFGTEST_DUMP=1 prints every case's errors with a caret under the position. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "config/config.h"
#include "config/internal.h"
#include "cfgtest.h"

/* Two switchdev PFs with 4 VFs: the simulated host. 4 lines. */
#define BASE2 "version: 1\n"                                                              \
              "pfs:\n"                                                                    \
              "  - {name: pf0, device: netdevsim/netdevsim10, eswitch: switchdev, num_vfs: 4}\n" \
              "  - {name: pf1, device: netdevsim/netdevsim11, eswitch: switchdev, num_vfs: 4}\n"
/* Three. 5 lines. */
#define BASE3 BASE2 "  - {name: pf2, device: netdevsim/netdevsim12, eswitch: switchdev, num_vfs: 4}\n"
/* Two with the multiport eswitch (MPV). 4 lines. */
#define MP2 "version: 1\n"                                                                \
            "pfs:\n"                                                                      \
            "  - {name: pf0, netdev: e0, eswitch: switchdev, num_vfs: 4, multiport: true}\n" \
            "  - {name: pf1, netdev: e1, eswitch: switchdev, num_vfs: 4, multiport: true}\n"
/* A VF-LAG bond over pf0 and pf1. 2 lines. */
#define BOND "bonds:\n  - {name: bond0, mode: 802.3ad, members: [pf0, pf1]}\n"
#define RULE(dev, rest) "    - {name: r, dev: " dev ", prio: 5" rest "}\n"

struct vcase {
    const char *name;
    const char *yaml;
    unsigned count;             /* errors expected in total */
    unsigned line, col;
    const char *key;
    const char *msg;
};

static const struct vcase cases[] = {
    /* ---- unique names and devices */
    { "duplicate pf name", BASE2 "  - {name: pf0, netdev: e9}\n", 1, 5, 12, "pfs[2].name",
      "duplicate pf name 'pf0': pfs[0] has it already" },
    { "duplicate device", BASE2 "  - {name: pf2, device: netdevsim/netdevsim10}\n", 1, 5, 25,
      "pfs[2].device", "device netdevsim/netdevsim10 is already pfs[0] 'pf0'" },
    { "duplicate netdev", "version: 1\npfs:\n  - {name: a, netdev: e0}\n  - {name: b, netdev: e0}\n",
      1, 4, 23, "pfs[1].netdev", "netdev e0 is already pfs[0] 'a'" },
    { "duplicate bond name", BASE3 BOND "  - {name: bond0, mode: 802.3ad, members: [pf2, pf1]}\n",
      2, 8, 12, "bonds[1].name", "duplicate bond name 'bond0': bonds[0] has it already" },
    { "bond named like a pf's netdev", "version: 1\npfs:\n  - {name: pf0, netdev: ens1f0, eswitch: switchdev}\n"
      "  - {name: pf1, netdev: ens1f1, eswitch: switchdev}\nbonds:\n  - {name: ens1f0, mode: 802.3ad, members: [pf0, pf1]}\n",
      1, 6, 12, "bonds[0].name", "'ens1f0' is the netdev of pfs[0] 'pf0': a bond is a netdev of its own" },
    { "bond named like a pf", BASE2 "bonds:\n  - {name: pf1, mode: 802.3ad, members: [pf0, pf1]}\n",
      1, 6, 12, "bonds[0].name", "'pf1' is already the name of pfs[1]: references like dev: pf1 would be ambiguous" },
    { "bridge named like a bond", BASE2 BOND "bridges: [{name: bond0}]\n", 1, 7, 18,
      "bridges[0].name", "'bond0' is already the name of bonds[0]: a bridge and a bond are both netdevs" },
    { "duplicate bridge name", BASE2 "bridges: [{name: br0}, {name: br0}]\n", 1, 5, 31,
      "bridges[1].name", "duplicate bridge name 'br0'" },
    { "bridge named like a pf's netdev", "version: 1\npfs:\n  - {name: pf0, netdev: eth2}\n"
      "bridges: [{name: eth2, uplink: pf0}]\n", 1, 4, 18, "bridges[0].name",
      "'eth2' is the netdev of pfs[0] 'pf0': ovs-vswitchd makes a netdev named after each bridge" },
    { "multiport differs on one NIC", "version: 1\npfs:\n"
      "  - {name: pf0, device: pci/0000:3b:00.0, eswitch: switchdev, multiport: true}\n"
      "  - {name: pf1, device: pci/0000:3b:00.1, eswitch: switchdev, multiport: false}\n", 1, 4, 74,
      "pfs[1].multiport", "pf 'pf1' wants false, and pf 'pf0', another port of pci/0000:3b:00, wants true" },
    { "multiport differs on two NICs", "version: 1\npfs:\n"
      "  - {name: pf0, device: pci/0000:3b:00.0, eswitch: switchdev, multiport: true}\n"
      "  - {name: pf1, device: pci/0000:5e:00.0, eswitch: switchdev, multiport: false}\n", 0, 0, 0, NULL, NULL },
    { "duplicate rule name", BASE2 "tc:\n  rules:\n" RULE("pf0", ", actions: [drop]") RULE("pf1", ", actions: [drop]"),
      1, 8, 14, "tc.rules[1].name", "duplicate rule name 'r': tc.rules[0] has it already" },
    { "rule name three times", BASE2 "tc:\n  rules:\n" RULE("pf0", ", actions: [drop]") RULE("pf1", ", actions: [drop]")
      RULE("pf0", ", chain: 1, actions: [drop]"),
      2, 9, 14, "tc.rules[2].name", "duplicate rule name 'r': tc.rules[0] has it already" },
    { "duplicate mpv name", MP2 "tc:\n  mpv:\n    - {name: m, vfs: [pf0/0, pf1/0], ip: 10.0.0.1}\n"
      "    - {name: m, vfs: [pf0/1, pf1/1], ip: 10.0.0.2}\n", 1, 8, 14, "tc.mpv[1].name",
      "duplicate mpv name 'm'" },

    /* ---- pfs and vfs */
    { "vf id not below num_vfs", "version: 1\npfs:\n  - name: pf0\n    netdev: e0\n    num_vfs: 4\n    vfs: [{id: 4}]\n",
      1, 6, 16, "pfs[0].vfs[0].id", "VF 4 does not exist: pf 'pf0' has num_vfs: 4 (VF ids 0..3)" },
    { "vfs without num_vfs", "version: 1\npfs:\n  - name: pf0\n    netdev: e0\n    vfs: [{id: 0}]\n",
      1, 5, 10, "pfs[0].vfs", "VF settings need num_vfs on pf 'pf0'" },
    { "vfs with num_vfs 0", "version: 1\npfs:\n  - name: pf0\n    netdev: e0\n    num_vfs: 0\n    vfs: [{id: 0}]\n",
      1, 6, 10, "pfs[0].vfs", "pf 'pf0' has num_vfs: 0, so there are no VFs to configure" },
    { "vf configured twice", "version: 1\npfs:\n  - name: pf0\n    netdev: e0\n    num_vfs: 4\n    vfs: [{id: 1}, {id: 1}]\n",
      1, 6, 25, "pfs[0].vfs[1].id", "VF 1 is configured twice: pfs[0].vfs[0] has the same id" },
    { "qos without vlan", "version: 1\npfs:\n  - name: pf0\n    netdev: e0\n    num_vfs: 4\n    vfs: [{id: 0, qos: 3}]\n",
      1, 6, 24, "pfs[0].vfs[0].qos", "qos needs vlan" },
    { "qos with vlan 0", "version: 1\npfs:\n  - name: pf0\n    netdev: e0\n    num_vfs: 4\n    vfs: [{id: 0, vlan: 0, qos: 3}]\n",
      1, 6, 33, "pfs[0].vfs[0].qos", "qos 3 needs a VLAN id 1..4095" },
    { "link_state on switchdev", "version: 1\npfs:\n  - name: pf0\n    netdev: e0\n    eswitch: switchdev\n    num_vfs: 4\n    vfs: [{id: 0, link_state: auto}]\n",
      1, 7, 31, "pfs[0].vfs[0].link_state",
      "link_state applies to legacy PFs only, and pf 'pf0' has eswitch: switchdev: in switchdev a VF's link follows its representor" },
    { "link_state with eswitch unset", "version: 1\npfs:\n  - name: pf0\n    netdev: e0\n    num_vfs: 4\n    vfs: [{id: 0, link_state: enable}]\n",
      1, 6, 31, "pfs[0].vfs[0].link_state", "and pf 'pf0' has no eswitch key (left as found)" },
    { "trust on switchdev", "version: 1\npfs:\n  - name: pf0\n    netdev: e0\n    eswitch: switchdev\n    num_vfs: 4\n    vfs: [{id: 0, trust: true}]\n",
      1, 7, 26, "pfs[0].vfs[0].trust",
      "trust applies to legacy PFs only, and pf 'pf0' has eswitch: switchdev: mlx5 refuses it in switchdev" },
    { "spoofchk with eswitch unset", "version: 1\npfs:\n  - name: pf0\n    netdev: e0\n    num_vfs: 4\n    vfs: [{id: 0, spoofchk: false}]\n",
      1, 6, 29, "pfs[0].vfs[0].spoofchk", "spoofchk applies to legacy PFs only, and pf 'pf0' has no eswitch key" },
    { "vlan on switchdev", "version: 1\npfs:\n  - name: pf0\n    netdev: e0\n    eswitch: switchdev\n    num_vfs: 4\n    vfs: [{id: 0, vlan: 10, qos: 2}]\n",
      1, 7, 25, "pfs[0].vfs[0].vlan", "vlan 10 applies to legacy PFs only, and pf 'pf0' has eswitch: switchdev: mlx5 refuses a VF VLAN in switchdev (only vlan 0)" },
    { "min_tx_rate above max_tx_rate", "version: 1\npfs:\n  - name: pf0\n    netdev: e0\n    num_vfs: 4\n    vfs: [{id: 0, max_tx_rate: 1000, min_tx_rate: 2000}]\n",
      1, 6, 51, "pfs[0].vfs[0].min_tx_rate", "min_tx_rate 2000 Mbps is above max_tx_rate 1000 Mbps" },
    { "valid: rates in switchdev, link_state in legacy, max 0",
      "version: 1\npfs:\n  - {name: a, netdev: e0, eswitch: switchdev, num_vfs: 2, vfs: [{id: 0, max_tx_rate: 100, min_tx_rate: 50}]}\n"
      "  - {name: b, netdev: e1, eswitch: legacy, num_vfs: 2, vfs: [{id: 1, link_state: disable, max_tx_rate: 0, min_tx_rate: 10, vlan: 5, qos: 1}]}\n",
      0, 0, 0, NULL, NULL },
    { "multiport on a legacy pf", "version: 1\npfs:\n  - {name: a, netdev: e0, eswitch: legacy, multiport: true}\n",
      1, 3, 55, "pfs[0].multiport", "multiport (devlink param esw_multiport) needs eswitch: switchdev, and pf 'a' has eswitch: legacy" },
    /* (lag_port_select_mode is no upstream devlink param: no rule about it here.) */

    /* ---- bonds (VF-LAG) */
    { "pf in two bonds", BASE3 BOND "  - {name: bond1, mode: 802.3ad, members: [pf0, pf2]}\n", 1, 8, 44,
      "bonds[1].members[0]", "pf 'pf0' is already a member of bonds[0] 'bond0': a PF can be in one bond only" },
    { "member names no pf", BASE2 "bonds:\n  - {name: bond0, mode: 802.3ad, members: [pf0, pf9]}\n",
      1, 6, 49, "bonds[0].members[1]", "'pf9' names no pf (pfs: pf0, pf1)" },
    { "member is a bond", BASE3 BOND "  - {name: bond1, mode: 802.3ad, members: [bond0, pf2]}\n",
      1, 8, 44, "bonds[1].members[0]", "'bond0' is a bond: bond members are pfs" },
    { "member legacy", "version: 1\npfs:\n  - {name: pf0, netdev: e0, eswitch: switchdev}\n  - {name: pf1, netdev: e1, eswitch: legacy}\n" BOND,
      1, 6, 49, "bonds[0].members[1]", "VF-LAG needs eswitch: switchdev on every member, and pf 'pf1' (pfs[1]) has eswitch: legacy" },
    { "member eswitch unset", "version: 1\npfs:\n  - {name: pf0, netdev: e0, eswitch: switchdev}\n  - {name: pf1, netdev: e1}\n" BOND,
      1, 6, 49, "bonds[0].members[1]", "and pf 'pf1' (pfs[1]) has no eswitch key" },
    { "member listed twice", BASE2 "bonds:\n  - {name: bond0, mode: 802.3ad, members: [pf0, pf0]}\n",
      1, 6, 49, "bonds[0].members[1]", "'pf0' is listed twice in this bond" },
    { "one member", BASE2 "bonds:\n  - {name: bond0, mode: active-backup, members: [pf0]}\n",
      1, 6, 49, "bonds[0].members", "VF-LAG needs every port of the NIC in the bond: give 2 pfs (up to 4 on 4-port NICs), got 1" },
    { "five members", "version: 1\npfs:\n"
      "  - {name: a, netdev: e0, eswitch: switchdev}\n  - {name: b, netdev: e1, eswitch: switchdev}\n"
      "  - {name: c, netdev: e2, eswitch: switchdev}\n  - {name: d, netdev: e3, eswitch: switchdev}\n"
      "  - {name: e, netdev: e4, eswitch: switchdev}\n"
      "bonds: [{name: bond0, mode: 802.3ad, members: [a, b, c, d, e]}]\n",
      1, 8, 47, "bonds[0].members", "got 5" },
    { "mode balance-rr", BASE2 "bonds:\n  - {name: bond0, mode: balance-rr, members: [pf0, pf1]}\n",
      1, 6, 25, "bonds[0].mode", "the NIC refuses bond mode balance-rr for VF-LAG: use active-backup, balance-xor or 802.3ad" },
    { "mode broadcast", BASE2 "bonds:\n  - {name: bond0, mode: broadcast, members: [pf0, pf1]}\n",
      1, 6, 25, "bonds[0].mode", "the NIC refuses bond mode broadcast for VF-LAG" },
    { "mode balance-tlb", BASE2 "bonds:\n  - {name: bond0, mode: balance-tlb, members: [pf0, pf1]}\n",
      1, 6, 25, "bonds[0].mode", "the NIC refuses bond mode balance-tlb for VF-LAG" },
    { "mode balance-alb", BASE2 "bonds:\n  - {name: bond0, mode: balance-alb, members: [pf0, pf1]}\n",
      1, 6, 25, "bonds[0].mode", "the NIC refuses bond mode balance-alb for VF-LAG" },
    { "primary not a member", BASE3 "bonds:\n  - {name: bond0, mode: active-backup, members: [pf0, pf1], primary: pf2}\n",
      1, 7, 70, "bonds[0].primary", "primary 'pf2' is not a member of bond 'bond0'" },
    { "primary for balance-xor", BASE2 "bonds:\n  - {name: bond0, mode: balance-xor, members: [pf0, pf1], primary: pf0}\n",
      1, 6, 68, "bonds[0].primary", "primary applies to active-backup only, and this bond is balance-xor" },
    { "xmit_hash_policy for active-backup", BASE2 "bonds:\n  - {name: bond0, mode: active-backup, members: [pf0, pf1], xmit_hash_policy: layer2}\n",
      1, 6, 79, "bonds[0].xmit_hash_policy", "xmit_hash_policy applies to balance-xor and 802.3ad only" },
    { "lacp_rate for balance-xor", BASE2 "bonds:\n  - {name: bond0, mode: balance-xor, members: [pf0, pf1], lacp_rate: fast}\n",
      1, 6, 70, "bonds[0].lacp_rate", "lacp_rate applies to 802.3ad only, and this bond is balance-xor" },
    { "more than 64 VFs under VF-LAG",
      "version: 1\npfs:\n  - {name: pf0, netdev: e0, eswitch: switchdev, num_vfs: 65}\n  - {name: pf1, netdev: e1, eswitch: switchdev, num_vfs: 64}\n" BOND,
      1, 3, 58, "pfs[0].num_vfs", "65 VFs on a VF-LAG member: the NIC supports at most 64 VFs per PF under VF-LAG (pf 'pf0' is in bond 'bond0')" },
    { "members on two NICs",
      "version: 1\npfs:\n  - {name: pf0, device: pci/0000:3b:00.0, eswitch: switchdev}\n  - {name: pf1, device: pci/0000:5e:00.1, eswitch: switchdev}\n" BOND,
      1, 6, 49, "bonds[0].members[1]", "VF-LAG bonds the ports of one NIC: pci/0000:3b:00.0 ('pf0') and pci/0000:5e:00.1 ('pf1') are different devices" },
    { "valid: members are two functions of one NIC",
      "version: 1\npfs:\n  - {name: pf0, device: pci/0000:3b:00.0, eswitch: switchdev}\n  - {name: pf1, device: pci/0000:3b:00.1, eswitch: switchdev}\n" BOND,
      0, 0, 0, NULL, NULL },
    { "multiport member", MP2 BOND, 2, 6, 44, "bonds[0].members[0]",
      "pf 'pf0' has multiport: true: the multiport eswitch (MPV) and VF-LAG are exclusive LAG modes of the NIC" },

    /* ---- bridges */
    { "uplink names nothing", BASE2 "bridges: [{name: br0, uplink: br9}]\n", 1, 5, 31, "bridges[0].uplink",
      "'br9' names no pf or bond (pfs: pf0, pf1)" },
    { "uplink is a bond member", BASE2 BOND "bridges: [{name: br0, uplink: pf0}]\n", 1, 7, 31,
      "bridges[0].uplink", "pf 'pf0' is a member of bond 'bond0': make the bond the uplink" },
    { "uplink on two bridges", BASE2 "bridges: [{name: br0, uplink: pf0}, {name: br1, uplink: pf0}]\n",
      1, 5, 57, "bridges[1].uplink", "'pf0' is already the uplink of bridges[0] 'br0': a port can be on one bridge" },
    { "representors on a legacy pf", "version: 1\npfs:\n  - {name: pf0, netdev: e0, eswitch: legacy, num_vfs: 4}\n"
      "bridges: [{name: br0, representors: [pf0/0-3]}]\n", 1, 4, 38, "bridges[0].representors[0]",
      "VF representors exist only in switchdev, and pf 'pf0' has eswitch: legacy" },
    { "representors, eswitch unset", "version: 1\npfs:\n  - {name: pf0, netdev: e0, num_vfs: 4}\n"
      "bridges: [{name: br0, representors: [pf0/0-3]}]\n", 1, 4, 38, "bridges[0].representors[0]",
      "and pf 'pf0' has no eswitch key" },
    { "representors of an unknown pf", BASE2 "bridges: [{name: br0, representors: [pf7/0]}]\n", 1, 5, 38,
      "bridges[0].representors[0]", "'pf7' names no pf (pfs: pf0, pf1)" },
    { "representor VF not below num_vfs", BASE2 "bridges: [{name: br0, representors: [pf0/0-7]}]\n", 1, 5, 38,
      "bridges[0].representors[0]", "VF 7 does not exist: pf 'pf0' has num_vfs: 4 (VF ids 0..3)" },
    { "representors without num_vfs", "version: 1\npfs:\n  - {name: pf0, netdev: e0, eswitch: switchdev}\n"
      "bridges: [{name: br0, representors: [pf0/0]}]\n", 1, 4, 38, "bridges[0].representors[0]",
      "representors of pf 'pf0' need VFs, and it has no num_vfs key: set num_vfs" },
    { "representor on two bridges", BASE2 "bridges:\n  - {name: br0, representors: [pf0/0-2]}\n"
      "  - {name: br1, representors: [pf1/0, pf0/2-3]}\n", 1, 7, 39, "bridges[1].representors[1]",
      "representor pf0/2 is already on bridges[0] 'br0' (representors[0]): a port can be on one bridge, once" },
    { "representor twice on one bridge", BASE2 "bridges:\n  - {name: br0, representors: [pf0/0-3, pf0/1]}\n",
      1, 6, 41, "bridges[0].representors[1]", "representor pf0/1 is already on bridges[0] 'br0' (representors[0])" },

    /* ---- tc rules */
    { "rule dev names nothing", BASE2 "tc:\n  rules:\n" RULE("pf9", ", actions: [drop]"), 1, 7, 22,
      "tc.rules[0].dev", "'pf9' names no pf or bond (pfs: pf0, pf1)" },
    { "redirect names nothing", BASE2 "tc:\n  rules:\n" RULE("pf0", ", actions: [{redirect: pf9/1}]"), 1, 7, 57,
      "tc.rules[0].actions[0]", "'pf9/1': pf9 names no pf (pfs: pf0, pf1)" },
    { "mirror to a VF that does not exist", BASE2 "tc:\n  rules:\n" RULE("pf0", ", actions: [{mirror: pf1/9}, pass]"),
      1, 7, 55, "tc.rules[0].actions[0]", "'pf1/9': VF 9 does not exist, pf 'pf1' has num_vfs: 4" },
    { "rule on a bond member", BASE2 BOND "tc:\n  rules:\n" RULE("pf1", ", actions: [drop]"), 1, 9, 22,
      "tc.rules[0].dev", "pf 'pf1' is in bond 'bond0', whose members share one ingress block: attach the rule to dev: bond0" },
    { "VF of a bond", BASE2 BOND "tc:\n  rules:\n" RULE("bond0/1", ", actions: [drop]"), 1, 9, 22,
      "tc.rules[0].dev", "'bond0/1': bond0 is a bond, and only pfs have VFs (pfs: pf0, pf1)" },
    { "rule on a representor of a legacy pf", "version: 1\npfs:\n  - {name: pf0, netdev: e0, eswitch: legacy, num_vfs: 4}\n"
      "tc:\n  rules:\n" RULE("pf0/1", ", actions: [drop]"), 1, 6, 22, "tc.rules[0].dev",
      "'pf0/1' is a VF representor, which exists only in switchdev, and pf 'pf0' has eswitch: legacy" },
    { "ip_proto without eth_type", BASE2 "tc:\n  rules:\n" RULE("pf0", ", match: {ip_proto: tcp}, actions: [drop]"),
      1, 7, 54, "tc.rules[0].match.ip_proto", "ip_proto needs eth_type: ipv4 or ipv6 (eth_type is unset (all))" },
    { "ip family does not match eth_type", BASE2 "tc:\n  rules:\n" RULE("pf0", ", match: {eth_type: ipv6, dst_ip: 10.0.0.0/8}, actions: [drop]"),
      1, 7, 68, "tc.rules[0].match.dst_ip", "dst_ip is an IPv4 address but eth_type is ipv6" },
    { "ip without an IP eth_type", BASE2 "tc:\n  rules:\n" RULE("pf0", ", match: {eth_type: arp, src_ip: 10.0.0.1}, actions: [drop]"),
      1, 7, 67, "tc.rules[0].match.src_ip", "src_ip needs eth_type: ipv4 (eth_type is arp)" },
    { "port without tcp/udp/sctp", BASE2 "tc:\n  rules:\n" RULE("pf0", ", match: {eth_type: ipv4, dst_port: 80}, actions: [drop]"),
      1, 7, 70, "tc.rules[0].match.dst_port", "dst_port needs ip_proto: tcp, udp or sctp" },
    { "port with icmp", BASE2 "tc:\n  rules:\n" RULE("pf0", ", match: {eth_type: ipv4, ip_proto: icmp, src_port: 1}, actions: [drop]"),
      1, 7, 86, "tc.rules[0].match.src_port", "src_port needs ip_proto: tcp, udp or sctp" },
    { "a VF id in error is related to nothing", "version: 1\npfs:\n  - {name: pf0, device: netdevsim/netdevsim10, "
      "eswitch: legacy, num_vfs: 4, vfs: [{id: 0}, {trust: false}, {id: -1}]}\n", 2, 3, 92, "pfs[0].vfs[1].id",
      "missing required key 'id'" },
    { "a prio in error is related to nothing", BASE2 "tc:\n  rules:\n"
      "    - {name: a, dev: pf0, prio: 0, match: {eth_type: ipv4}, actions: [drop]}\n"
      "    - {name: b, dev: pf0, prio: 70000, match: {eth_type: ipv6}, actions: [drop]}\n",
      2, 7, 33, "tc.rules[0].prio", "0 is out of range: expected 1..65535" },
    { "same match in one slot", BASE2 "tc:\n  rules:\n"
      "    - {name: a, dev: pf0, prio: 5, match: {eth_type: ipv4, dst_ip: 10.0.0.1/8}, actions: [drop]}\n"
      "    - {name: b, dev: pf0, prio: 5, match: {eth_type: ipv4, ip_proto: tcp}, actions: [drop]}\n"
      "    - {name: c, dev: pf0, prio: 5, match: {eth_type: ipv4, dst_ip: 10.9.9.9/8}, actions: [pass]}\n"
      "    - {name: d, dev: pf0, prio: 6, match: {eth_type: ipv4, dst_ip: 10.0.0.1/8}, actions: [drop]}\n"
      "    - {name: e, dev: pf1, prio: 5, match: {eth_type: ipv4, dst_ip: 10.0.0.1/8}, actions: [drop]}\n", 1, 9, 43,
      "tc.rules[2].match", "tc.rules[0] 'a' has the same match on the same dev, chain and prio" },
    { "a member in error keeps its index", BASE2 "bonds:\n  - {name: bond0, mode: active-backup, members: [\"bad name!\", pf0, pf9]}\n",
      2, 6, 68, "bonds[0].members[2]", "'pf9' names no pf" },
    { "a representor in error keeps its index", BASE2 "bridges:\n  - {name: br0, representors: [\"x y\", pf0/0, pf9/1]}\n",
      2, 6, 46, "bridges[0].representors[2]", "'pf9' names no pf" },
    { "eth_type 0", BASE2 "tc:\n  rules:\n" RULE("pf0", ", match: {eth_type: 0}, actions: [drop]"),
      1, 7, 54, "tc.rules[0].match.eth_type", "eth_type 0 names no protocol: leave eth_type out to match them all" },
    { "ip prefix /0", BASE2 "tc:\n  rules:\n" RULE("pf0", ", match: {eth_type: ipv4, dst_ip: 0.0.0.0/0}, actions: [drop]"),
      1, 7, 68, "tc.rules[0].match.dst_ip", "a /0 prefix matches every address: leave dst_ip out" },
    { "mac mask all zero", BASE2 "tc:\n  rules:\n" RULE("pf0", ", match: {src_mac: \"02:00:00:00:00:01/0\"}, actions: [drop]"),
      1, 7, 53, "tc.rules[0].match.src_mac", "an all-zero mask matches every address: leave src_mac out" },
    { "vlan_push id 4095", BASE2 "tc:\n  rules:\n" RULE("pf0", ", actions: [{vlan_push: {id: 4095}}, {redirect: pf0/1}]"),
      1, 7, 46, "tc.rules[0].actions[0]", "VLAN id 4095 is reserved: a tag the rule writes carries 0..4094" },
    { "rule named like an mpv rule", BASE2 "tc:\n  rules:\n    - {name: \"mpv:vm1:0:in\", dev: pf0, prio: 5, actions: [drop]}\n",
      1, 7, 14, "tc.rules[0].name", "rule names starting with 'mpv:' are the rules tc.mpv pairs make" },
    { "vlan_id without 802.1q", BASE2 "tc:\n  rules:\n" RULE("pf0", ", match: {eth_type: ipv4, vlan_id: 5}, actions: [drop]"),
      1, 7, 69, "tc.rules[0].match.vlan_id", "vlan_id needs eth_type: 802.1q (eth_type is ipv4)" },
    { "vlan_prio without 802.1q", BASE2 "tc:\n  rules:\n" RULE("pf0", ", match: {vlan_prio: 5}, actions: [drop]"),
      1, 7, 55, "tc.rules[0].match.vlan_prio", "vlan_prio needs eth_type: 802.1q" },
    { "icmp with ipv6", BASE2 "tc:\n  rules:\n" RULE("pf0", ", match: {eth_type: ipv6, ip_proto: icmp}, actions: [drop]"),
      1, 7, 70, "tc.rules[0].match.ip_proto", "icmp is IPv4's; with eth_type: ipv6 use icmpv6" },
    { "icmpv6 with ipv4", BASE2 "tc:\n  rules:\n" RULE("pf0", ", match: {eth_type: ipv4, ip_proto: icmpv6}, actions: [drop]"),
      1, 7, 70, "tc.rules[0].match.ip_proto", "icmpv6 is IPv6's; with eth_type: ipv4 use icmp" },
    { "action after drop", BASE2 "tc:\n  rules:\n" RULE("pf0", ", actions: [drop, {mirror: pf1}]"), 1, 7, 52,
      "tc.rules[0].actions[1]", "'mirror' never runs: the action before it, 'drop', ends the rule" },
    { "goto a lower chain", BASE2 "tc:\n  rules:\n" RULE("pf0", ", chain: 2, actions: [{goto_chain: 1}]"), 1, 7, 56,
      "tc.rules[0].actions[0]", "goto_chain 1 from chain 2: mlx5 offloads goto only to a higher chain" },
    { "goto the same chain", BASE2 "tc:\n  rules:\n" RULE("pf0", ", actions: [{goto_chain: 0}]"), 1, 7, 46,
      "tc.rules[0].actions[0]", "goto_chain 0 from chain 0" },
    { "two protocols at one prio", BASE2 "tc:\n  rules:\n"
      "    - {name: a, dev: pf0, prio: 5, match: {eth_type: ipv4}, actions: [drop]}\n"
      "    - {name: b, dev: pf0, prio: 5, match: {eth_type: ipv6}, actions: [drop]}\n", 1, 8, 33,
      "tc.rules[1].prio", "tc.rules[0] 'a' uses prio 5 on the same dev and chain with another eth_type" },
    /* The first earlier rule with another protocol is named, whichever
     * comes first in the slot (validation sorts rules by slot). */
    { "protocol conflict with a later rule of the slot", BASE2 "tc:\n  rules:\n"
      "    - {name: a, dev: pf0, prio: 5, match: {eth_type: ipv4}, actions: [drop]}\n"
      "    - {name: b, dev: pf0, prio: 5, match: {eth_type: ipv4, ip_proto: udp}, actions: [pass]}\n"
      "    - {name: c, dev: pf0, prio: 5, match: {eth_type: ipv6}, actions: [drop]}\n", 1, 9, 33,
      "tc.rules[2].prio", "tc.rules[0] 'a' uses prio 5" },
    { "protocol conflict: back to the first protocol", BASE2 "tc:\n  rules:\n"
      "    - {name: a, dev: pf0, prio: 5, match: {eth_type: ipv4}, actions: [drop]}\n"
      "    - {name: b, dev: pf0, prio: 5, match: {eth_type: ipv6}, actions: [pass]}\n"
      "    - {name: c, dev: pf0, prio: 5, match: {eth_type: ipv4, ip_proto: tcp}, actions: [drop]}\n", 2, 9, 33,
      "tc.rules[2].prio", "tc.rules[1] 'b' uses prio 5" },
    { "valid: one prio, one protocol, other devs and chains", BASE2 "tc:\n  rules:\n"
      "    - {name: a, dev: pf0, prio: 5, match: {eth_type: ipv4}, actions: [drop]}\n"
      "    - {name: b, dev: pf0, prio: 5, match: {eth_type: ipv4, ip_proto: udp}, actions: [pass]}\n"
      "    - {name: c, dev: pf1, prio: 5, match: {eth_type: ipv6}, actions: [drop]}\n"
      "    - {name: d, dev: pf0, chain: 1, prio: 5, match: {eth_type: ipv6}, actions: [drop]}\n",
      0, 0, 0, NULL, NULL },

    /* ---- waits */
    { "lag_settle_s longer than timeout_s", "version: 1\nwaits: {timeout_s: 30, lag_settle_s: 60}\n", 1, 2, 38,
      "waits.lag_settle_s", "lag_settle_s 60 is longer than timeout_s 30: the step would fail at the timeout" },
    { "udev_s longer than the default timeout_s", "version: 1\nwaits:\n  udev_s: 121\n", 1, 3, 11,
      "waits.udev_s", "udev_s 121 is longer than timeout_s 120" },
    { "timeout_s in error: lag_settle_s not also measured against the default", "version: 1\n"
      "waits: {timeout_s: 0, lag_settle_s: 200}\n", 1, 2, 20, "waits.timeout_s", "0 is out of range: expected 1..3600" },
    { "valid: waits equal to timeout_s", "version: 1\nwaits: {timeout_s: 5, lag_settle_s: 5, udev_s: 5}\n",
      0, 0, 0, NULL, NULL },

    /* ---- mpv */
    { "mpv pair on one pf", MP2 "tc:\n  mpv: [{name: m, vfs: [pf0/1, pf0/2], ip: 10.0.0.1}]\n", 1, 6, 24,
      "tc.mpv[0].vfs", "an MPV pair needs one VF on each port, and both are on pf 'pf0'" },
    { "mpv without multiport", BASE2 "tc:\n  mpv: [{name: m, vfs: [pf0/1, pf1/1], ip: 10.0.0.1}]\n", 2, 6, 32,
      "tc.mpv[0].vfs[1]", "MPV needs multiport: true on pf 'pf1' (devlink param esw_multiport)" },
    { "mpv on a legacy pf", "version: 1\npfs:\n  - {name: pf0, netdev: e0, eswitch: switchdev, num_vfs: 4, multiport: true}\n"
      "  - {name: pf1, netdev: e1, eswitch: legacy, num_vfs: 4}\n"
      "tc:\n  mpv: [{name: m, vfs: [pf0/1, pf1/1], ip: 10.0.0.1}]\n", 1, 6, 32, "tc.mpv[0].vfs[1]",
      "'pf1/1' is a VF representor, which exists only in switchdev, and pf 'pf1' has eswitch: legacy" },
    { "mpv VF also a bridge representor", MP2 "bridges: [{name: br0, uplink: pf0, representors: [pf0/0-1]}]\n"
      "tc:\n  mpv: [{name: m, vfs: [pf0/1, pf1/1], ip: 10.0.0.1}]\n", 1, 7, 25, "tc.mpv[0].vfs[0]",
      "pf0/1 is an MPV VF and also a representor of bridges[0] 'br0' (representors[0]): MPV traffic is carried by tc rules, never by OVS" },
    { "mpv VF in two pairs", MP2 "tc:\n  mpv:\n    - {name: m1, vfs: [pf0/1, pf1/1], ip: 10.0.0.1}\n"
      "    - {name: m2, vfs: [pf0/1, pf1/2], ip: 10.0.0.2}\n", 1, 8, 24, "tc.mpv[1].vfs[0]",
      "pf0/1 is already in tc.mpv[0] 'm1'" },
    { "migratable", "version: 1\npfs:\n" "  - {name: pf0, netdev: e0, eswitch: switchdev, num_vfs: 4, vfs: [{id: 1, migratable: true}]}\n", 1, 3, 87, "pfs[0].vfs[0].migratable",
      "migratable is not supported: ovs-offload does not set devlink port function capabilities" },
    { "mpv pair over two NICs", "version: 1\npfs:\n"
      "  - {name: pf0, device: pci/0000:01:00.0, eswitch: switchdev, num_vfs: 4, multiport: true}\n"
      "  - {name: pf1, device: pci/0000:02:00.0, eswitch: switchdev, num_vfs: 4, multiport: true}\n"
      "tc:\n  mpv: [{name: m, vfs: [pf0/1, pf1/1], ip: 10.0.0.1}]\n", 1, 6, 24, "tc.mpv[0].vfs",
      "an MPV pair needs the two ports of one NIC, and pf 'pf0' (0000:01:00.0) and pf 'pf1' (0000:02:00.0) are on two" },
    { "mpv pair over one NIC", "version: 1\npfs:\n"
      "  - {name: pf0, device: pci/0000:01:00.0, eswitch: switchdev, num_vfs: 4, multiport: true}\n"
      "  - {name: pf1, device: pci/0000:01:00.1, eswitch: switchdev, num_vfs: 4, multiport: true}\n"
      "tc:\n  mpv: [{name: m, vfs: [pf0/1, pf1/1], ip: 10.0.0.1}]\n", 0, 0, 0, NULL, NULL },
    /* MPV filters at chain 0 prio 1 of the uplinks and representors. */
    { "mpv pairs of both IP versions on one NIC", MP2 "tc:\n  mpv:\n"
      "    - {name: m1, vfs: [pf0/1, pf1/1], ip: 10.0.0.1}\n"
      "    - {name: m2, vfs: [pf0/2, pf1/2], ip: \"fd00::2\"}\n", 1, 8, 43, "tc.mpv[1].ip",
      "MPV pair 'm2' is IPv6 and tc.mpv[0] 'm1' is IPv4 on the same uplink" },
    { "mpv pairs with one address", MP2 "tc:\n  mpv:\n"
      "    - {name: m1, vfs: [pf0/1, pf1/1], ip: 10.0.0.1}\n"
      "    - {name: m2, vfs: [pf0/2, pf1/2], ip: 10.0.0.1}\n", 1, 8, 43, "tc.mpv[1].ip",
      "MPV pair 'm2' has the address of tc.mpv[0] 'm1' on the same uplink" },
    { "rule of another eth_type at the mpv prio", MP2 "tc:\n  mpv:\n"
      "    - {name: m, vfs: [pf0/1, pf1/1], ip: 10.0.0.1}\n"
      "  rules: [{name: r, dev: pf1, prio: 1, match: {eth_type: arp}, actions: [drop]}]\n", 1, 7, 42,
      "tc.mpv[0].ip", "where tc.rules[0] 'r' has another eth_type (tc keeps one protocol per prio)" },
    { "rule with the mpv match", MP2 "tc:\n  mpv:\n"
      "    - {name: m, vfs: [pf0/1, pf1/1], ip: 10.0.0.1}\n"
      "  rules: [{name: r, dev: pf0/1, prio: 1, match: {eth_type: ipv4, src_ip: 10.0.0.1}, actions: [drop]}]\n",
      1, 7, 42, "tc.mpv[0].ip", "where tc.rules[0] 'r' has the same match (flower keeps one filter per match" },
    { "rule beside the mpv filters", MP2 "tc:\n  mpv:\n"
      "    - {name: m1, vfs: [pf0/1, pf1/1], ip: 10.0.0.1}\n"
      "    - {name: m2, vfs: [pf0/2, pf1/2], ip: 10.0.0.2}\n"
      "  rules:\n    - {name: r, dev: pf0, prio: 1, match: {eth_type: ipv4, dst_ip: 10.0.0.3}, actions: [drop]}\n"
      "    - {name: s, dev: pf0/1, prio: 1, match: {eth_type: ipv4, dst_ip: 10.0.0.1}, actions: [drop]}\n"
      "    - {name: t, dev: pf1, prio: 2, match: {eth_type: arp}, actions: [drop]}\n", 0, 0, 0, NULL, NULL },
    /* OVS's own prios (2: IPv4, 3: IPv6) on ports of the config's bridges
     * with hw-offload on. */
    { "rule at OVS's IPv4 prio on a bridge representor", BASE2 "ovs: {hw_offload: true}\n"
      "bridges: [{name: br0, uplink: pf0, representors: [pf0/0-3]}]\n"
      "tc:\n  rules: [{name: r, dev: pf0/2, prio: 2, match: {eth_type: arp}, actions: [drop]}]\n",
      1, 8, 39, "tc.rules[0].prio", "rule 'r' on pf0/2, a bridge port with ovs.hw_offload true, takes prio 2 "
      "with eth_type arp: OVS puts the tc filters of its IPv4 flows at prio 2" },
    { "rule of all protocols at OVS's IPv6 prio on a bridge's bond", BASE2 BOND "ovs: {hw_offload: true}\n"
      "bridges: [{name: br0, uplink: bond0}]\n"
      "tc:\n  rules: [{name: r, dev: bond0, prio: 3, actions: [drop]}]\n",
      1, 10, 39, "tc.rules[0].prio", "takes prio 3 with eth_type unset (all): OVS puts the tc filters of its "
      "IPv6 flows at prio 3 of each port it offloads to, and tc keeps one protocol per prio, so their "
      "offload would fail; give the rule eth_type ipv6" },
    { "rule at OVS's prio: its own protocol, another chain, no bridge, no hw-offload", BASE2
      "ovs: {hw_offload: true}\nbridges: [{name: br0, uplink: pf0, representors: [pf0/0-1]}]\n"
      "tc:\n  rules:\n"
      "    - {name: a, dev: pf0, prio: 2, match: {eth_type: ipv4}, actions: [drop]}\n"
      "    - {name: b, dev: pf0/1, prio: 3, match: {eth_type: ipv6}, actions: [drop]}\n"
      "    - {name: c, dev: pf0/1, chain: 4, prio: 2, match: {eth_type: arp}, actions: [drop]}\n"
      "    - {name: d, dev: pf0/2, prio: 2, match: {eth_type: arp}, actions: [drop]}\n"
      "    - {name: e, dev: pf1, prio: 3, actions: [drop]}\n"
      "    - {name: f, dev: pf0, prio: 4, match: {eth_type: arp}, actions: [drop]}\n", 0, 0, 0, NULL, NULL },
    { "rule at OVS's prio with hw-offload left alone", BASE2
      "bridges: [{name: br0, uplink: pf0}]\n"
      "tc:\n  rules: [{name: r, dev: pf0, prio: 2, match: {eth_type: arp}, actions: [drop]}]\n",
      0, 0, 0, NULL, NULL },
};

static void test_cases(void **state)
{
    bool dump = getenv("CFGTEST_DUMP") != NULL;
    unsigned failed = 0;

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct vcase *c = &cases[i];
        struct oo_config cfg;
        struct oo_cfg_diag d;
        int r = cfgtest_yaml(c->yaml, &cfg, &d);
        bool ok = oo_cfg_diag_count(&d) == c->count && (r == 0) == (c->count == 0) &&
                  (!c->key || cfgtest_find(&d, c->line, c->col, c->key, c->msg) >= 0);

        if (dump || !ok)
            cfgtest_show(c->yaml, &d, c->name);
        if (!ok) {
            fprintf(stderr, "FAILED: expected %u error(s), one '%u:%u: %s: ...%s...'\n", c->count,
                    c->line, c->col, c->key ? c->key : "", c->msg ? c->msg : "");
            failed++;
        }
        cfgtest_done(&cfg, &d);
    }
    if (failed)
        fail_msg("%u of %zu validation cases failed", failed, sizeof cases / sizeof cases[0]);
}

/* References resolve to the objects they name. */
static void test_resolution(void **state)
{
    struct oo_config cfg;
    struct oo_cfg_diag d;

    assert_int_equal(cfgtest_yaml(BASE3 BOND
                                  "bridges: [{name: br0, uplink: bond0, representors: [pf0/1-2, pf1/3]},\n"
                                  "          {name: br1, uplink: pf2}]\n"
                                  "tc:\n  rules:\n" RULE("bond0", ", actions: [{redirect: pf1/2}]"),
                                  &cfg, &d), 0);
    assert_int_equal(cfg.bonds[0].members[0].index, 0);
    assert_int_equal(cfg.bonds[0].members[1].index, 1);
    assert_int_equal(cfg.bridges[0].uplink.kind, OO_CFG_REF_BOND);
    assert_int_equal(cfg.bridges[0].uplink.index, 0);
    assert_int_equal(cfg.bridges[1].uplink.kind, OO_CFG_REF_PF);
    assert_int_equal(cfg.bridges[1].uplink.index, 2);
    assert_int_equal(cfg.bridges[0].n_reps, 3);
    assert_int_equal(cfg.bridges[0].reps[2].pf, 1);
    assert_int_equal(cfg.bridges[0].reps[2].vf, 3);
    assert_int_equal(cfg.rules[0].dev.kind, OO_CFG_REF_BOND);
    assert_int_equal(cfg.rules[0].actions[0].dev.kind, OO_CFG_REF_VF);
    assert_int_equal(cfg.rules[0].actions[0].dev.index, 1);
    assert_int_equal(cfg.rules[0].actions[0].dev.vf, 2);
    assert_int_equal(oo_config_find_pf(&cfg, "pf2"), 2);
    assert_int_equal(oo_config_find_pf(&cfg, "bond0"), -1);
    assert_int_equal(oo_config_find_bond(&cfg, "bond0"), 0);
    assert_int_equal(oo_config_find_bridge(&cfg, "br1"), 1);
    assert_int_equal(oo_config_find_bridge(&cfg, NULL), -1);
    cfgtest_done(&cfg, &d);
}

/* Hundreds of rules: duplicate names and prio conflicts are found wherever
 * they sit (validation sorts the rules; names are grouped by hash, so the
 * sort must still bring every pair together), and nothing else is reported. */
static void test_many_rules(void **state)
{
    enum { N = 300 };
    /* rule -> the earlier rule whose name it repeats */
    static const int dup[][2] = { { 17, 3 }, { 101, 100 }, { 150, 3 }, { 299, 0 }, { 250, 249 } };
    size_t size = 128 * N + 1024, len = 0; /* a rule line is < 128 bytes */
    char *yaml = malloc(size), want[96], key[32];
    struct oo_config cfg;
    struct oo_cfg_diag d;

    len += (size_t)snprintf(yaml + len, size - len, "%stc:\n  rules:\n", BASE2);
    for (int i = 0; i < N; i++) {
        int name = i;

        for (size_t k = 0; k < sizeof dup / sizeof dup[0]; k++)
            if (dup[k][0] == i)
                name = dup[k][1];
        /* prio 1..7; rule 298, the last at prio 5, alone says ipv6 */
        len += (size_t)snprintf(yaml + len, size - len,
                                "    - {name: r%d, dev: pf0, prio: %d, match: {eth_type: %s, "
                                "src_mac: \"02:00:00:00:%02x:%02x\"}, actions: [drop]}\n",
                                name, 1 + i % 7, i == 298 ? "ipv6" : "ipv4", i >> 8, i & 0xff);
    }
    assert_true(len < size);
    assert_int_equal(cfgtest_yaml(yaml, &cfg, &d), -EINVAL);
    if (oo_cfg_diag_count(&d) != 6)
        cfgtest_dump(&d, "many rules");
    assert_cfg_count(&d, 6);
    /* BASE2 is 4 lines, "tc:" and "rules:" 2: rule i is on line 7 + i. */
    for (size_t k = 0; k < sizeof dup / sizeof dup[0]; k++) {
        snprintf(key, sizeof key, "tc.rules[%d].name", dup[k][0]);
        snprintf(want, sizeof want, "duplicate rule name 'r%d': tc.rules[%d] has it already",
                 dup[k][1], dup[k][1]);
        assert_true(cfgtest_find(&d, 7 + (unsigned)dup[k][0], 14, key, want) >= 0);
    }
    /* "    - {name: r298, dev: pf0, prio: 5": the prio at column 36 */
    assert_true(cfgtest_find(&d, 7 + 298, 36, "tc.rules[298].prio",
                             "tc.rules[4] 'r4' uses prio 5 on the same dev and chain") >= 0);
    cfgtest_done(&cfg, &d);
    free(yaml);
}

/* A config built in memory (as planner tests do) is validated too; without
 * positions the errors have none, but keep their key paths. */
static void test_in_memory(void **state)
{
    struct oo_config cfg;
    struct oo_cfg_diag d;
    char line[512];

    oo_config_init(&cfg);
    oo_cfg_diag_init(&d, "memory");
    cfg.pfs = calloc(2, sizeof *cfg.pfs);
    for (int i = 0; i < 2; i++) {
        oo_cfg_pf_init(&cfg.pfs[i]);
        cfg.pfs[i].name = strdup(i ? "pf1" : "pf0");
        cfg.pfs[i].netdev = strdup(i ? "e1" : "e0");
        cfg.pfs[i].eswitch = OO_ESWITCH_SWITCHDEV;
        cfg.pfs[i].num_vfs = 4;
    }
    cfg.n_pfs = 2;
    cfg.reps_owned_by_host_agent = true;
    cfg.bridges = calloc(1, sizeof *cfg.bridges);
    oo_cfg_bridge_init(&cfg.bridges[0]);
    cfg.bridges[0].name = strdup("br0");
    cfg.bridges[0].ranges = calloc(1, sizeof *cfg.bridges[0].ranges);
    cfg.bridges[0].ranges[0] = (struct oo_cfg_rep_range){ strdup("pf1"), 0, 0, { 0, 0 } };
    cfg.bridges[0].n_ranges = 1;
    cfg.bridges[0].reps = calloc(1, sizeof *cfg.bridges[0].reps);
    cfg.bridges[0].reps[0] = (struct oo_cfg_rep){ -1, 0, 0 };
    cfg.bridges[0].n_reps = 1;
    cfg.n_bridges = 1;

    assert_int_equal(oo_config_validate(&cfg, &d), -EINVAL);
    assert_cfg_count(&d, 1);
    assert_string_equal(oo_cfg_error_format(&d, 0, line, sizeof line),
                        "memory: bridges[0].representors: representors are managed by the host agent in host.conf mode: remove them");
    assert_int_equal(cfg.bridges[0].reps[0].pf, 1);
    cfgtest_done(&cfg, &d);

    /* waits.timeout_s has no parser to check it in memory. */
    oo_config_init(&cfg);
    oo_cfg_diag_init(&d, "memory");
    cfg.waits.timeout_s = 0;
    assert_int_equal(oo_config_validate(&cfg, &d), -EINVAL);
    assert_cfg_count(&d, 1);
    assert_string_equal(oo_cfg_error_format(&d, 0, line, sizeof line),
                        "memory: waits.timeout_s: timeout_s 0 is out of range: expected 1..3600");
    cfgtest_done(&cfg, &d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cases),
        cmocka_unit_test(test_resolution),
        cmocka_unit_test(test_many_rules),
        cmocka_unit_test(test_in_memory),
    };
    return cmocka_run_group_tests_name("config-validate", tests, NULL, NULL);
}
