/* Netdev features (ethtool -k / -K), read and set by name through the ethtool
 * ioctl. The planner needs one of them: `hw-tc-offload` (NETIF_F_HW_TC) on
 * every switchdev uplink, or tc flower rules never reach the NIC. This layer
 * does not log.
 *
 * Why the ioctl and not ethtool's generic netlink family
 * (ETHTOOL_MSG_FEATURES_GET/SET): the ioctl exists on every kernel the project
 * can meet, while the netlink family needs 5.6+ and CONFIG_ETHTOOL_NETLINK;
 * it needs no family resolution and no bitset decoding (compact and verbose
 * forms); and it costs three small syscalls on a datagram socket. The
 * feature's bit is never hard-coded: it is looked up by name in the kernel's
 * own ETH_SS_FEATURES string set, as ethtool(8) does. What the ioctl lacks is
 * an extended ACK; a refused change is detected by reading the state back. */
#ifndef OO_LINK_ETHTOOL_H
#define OO_LINK_ETHTOOL_H

#include <linux/ethtool.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OO_ETHTOOL_HW_TC_OFFLOAD "hw-tc-offload"

/* ---- pure helpers (what the ioctls return, decoded) ---- */

/* Index of `name` among `count` strings of ETH_GSTRING_LEN bytes each
 * (NUL-padded; a string of exactly ETH_GSTRING_LEN bytes is not terminated).
 * Returns the index, or -ENOENT. */
int oo_ethtool_string_index(const uint8_t *strings, size_t count, const char *name);

/* State of feature `bit` in ETHTOOL_GFEATURES blocks: 1 when active, 0 when
 * inactive but changeable, -EOPNOTSUPP when the device can neither (the bit
 * is neither active nor available) or the bit is beyond n_blocks. */
int oo_ethtool_feature_state(const struct ethtool_get_features_block *blocks, size_t n_blocks,
                             unsigned bit);

/* ---- I/O: SIOCETHTOOL on a datagram socket, in the caller's netns ---- */

/* Whether feature `feature` (an ETH_SS_FEATURES name, e.g. "hw-tc-offload")
 * is active on netdev ifname. Returns 1, 0, -EOPNOTSUPP when the device lacks
 * the feature (or the kernel does not know its name), -ENODEV when there is
 * no such netdev, -EINVAL for a bad name, or another -errno. */
int oo_ethtool_get_feature(const char *ifname, const char *feature);

/* Turns feature on or off (ETHTOOL_SFEATURES) and verifies it by reading it
 * back. Returns 0 (also when it was already so), -EOPNOTSUPP when the device
 * cannot change it, -EIO when the driver refused the change (the kernel logs
 * why), -EPERM without CAP_NET_ADMIN, or another -errno as for the getter. */
int oo_ethtool_set_feature(const char *ifname, const char *feature, bool on);

/* The two above for "hw-tc-offload". */
int oo_ethtool_get_hw_tc_offload(const char *ifname);
int oo_ethtool_set_hw_tc_offload(const char *ifname, bool on);

#endif
