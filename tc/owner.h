/* Who owns a tc filter: us, Open vSwitch, or someone else.
 *
 * Our mark. Every action of every filter we write carries a 16-byte
 * TCA_ACT_COOKIE (TC_COOKIE_MAX_SIZE):
 *
 *     bytes 0..7   OO_TC_COOKIE_MAGIC, "oo-tc-v1" (the last byte is a format
 *                  version: a new layout gets a new magic)
 *     bytes 8..15  the rule id: a 64-bit hash of the rule's name (FNV-1a,
 *                  then a 64-bit finaliser), big-endian
 *
 * Collisions. A filter is ours only if its cookie is 16 bytes and starts
 * with the magic. A cookie made of 128 random bits has the magic with
 * probability 2^-64. OVS's cookies are not fully random, and they can never
 * collide: OVS 3.1 puts the flow's ufid (odp_flow_key_hash(): a 128-bit hash
 * formatted as a random, version 4, UUID by uuid_set_bits_v4()) in the
 * cookie, stored as four host-order 32-bit words, so the version nibble
 * (bits 12..15 of word 1) is always 4. The magic was chosen so that its word 1
 * has another nibble there on both little- and big-endian hosts ('-' 0x2d at
 * byte 5, 'v' 0x76 at byte 6). Two of our own rules share an id with
 * probability ~n^2 * 2^-65 for n rules; the reconciler refuses duplicate ids
 * on one device or block, so a collision is reported, never silently merged.
 *
 * OVS's mark (read from OVS 3.1 lib/netdev-offload-tc.c and lib/tc.c).
 * netdev_tc_flow_put() sets flower.act_cookie to the 16-byte ufid and
 * nl_msg_put_flower_acts() puts it on every action except a meter's police
 * action (which has none); a filter without actions gets one gact with the
 * cookie. The chain is the datapath recirc_id; the prio is allocated per
 * (eth_type, mask): with multi_mask_per_prio (probed; true on 6.1) IPv4 flows
 * use prio 2 and IPv6 prio 3, others prio 4 upwards (prio 1 is reserved for
 * the ingress policer, a matchall filter with one police action and no
 * cookie, handle 1). OVS finds its filters back by cookie (the ufid) in
 * netdev_tc_flow_dump_next(), and keeps no other mark. So a filter is OVS's
 * when its actions' cookies are all the same 16 bytes with the UUID v4
 * version nibble and RFC 4122 variant bits (6 fixed bits: a foreign random
 * 16-byte cookie passes with probability 1/64, which is why these are only
 * counted as OVS's, never touched by us either way), or when it is the
 * matchall policer at prio 1 handle 1. Everything else is foreign. */
#ifndef OO_TC_OWNER_H
#define OO_TC_OWNER_H

#include <stdbool.h>
#include <stdint.h>

#include "tc/flower.h"

#define OO_TC_COOKIE_MAGIC "oo-tc-v1"
#define OO_TC_COOKIE_MAGIC_LEN 8
#define OO_TC_COOKIE_LEN 16

enum oo_tc_owner {
    OO_TC_OWNER_OURS,             /* "owned": our cookie on every action */
    OO_TC_OWNER_OVS,              /* "ovs": ufid cookies, or the ingress policer */
    OO_TC_OWNER_FOREIGN,          /* "foreign": anything else */
    OO_TC_OWNER_MAX,
};

/* "owned", "ovs", "foreign"; NULL / -EINVAL. */
const char *oo_tc_owner_to_string(int owner);
int oo_tc_owner_from_string(const char *s);

/* The rule id of a name (the cookie's bytes 8..15). */
uint64_t oo_tc_rule_id(const char *name);
/* Our 16-byte cookie for a rule id. */
void oo_tc_cookie_make(uint64_t rule_id, uint8_t cookie[OO_TC_COOKIE_LEN]);
/* Puts our cookie for rule_id on every action of f. */
void oo_tc_filter_set_owner(struct oo_tc_filter *f, uint64_t rule_id);
/* True if the cookie (len bytes) is ours; *ret_rule_id (may be NULL) gets its id. */
bool oo_tc_cookie_is_ours(const uint8_t *cookie, uint8_t len, uint64_t *ret_rule_id);
/* True if the cookie looks like an OVS ufid (16 bytes, UUID v4 bits). */
bool oo_tc_cookie_is_ovs_ufid(const uint8_t *cookie, uint8_t len);

/* Classifies a decoded filter. Ours: every action (at least one, none
 * truncated) carries our cookie with the same rule id, returned in
 * *ret_rule_id (may be NULL; 0 for other owners). Pure. */
int oo_tc_classify(const struct oo_tc_filter *f, uint64_t *ret_rule_id);

#endif
