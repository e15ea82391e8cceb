#include "tc/owner.h"

#include <errno.h>
#include <string.h>

#include "common/util.h"

static const char *const owner_names[] = {
    [OO_TC_OWNER_OURS] = "owned",
    [OO_TC_OWNER_OVS] = "ovs",
    [OO_TC_OWNER_FOREIGN] = "foreign",
};

const char *oo_tc_owner_to_string(int owner)
{
    return owner >= 0 && owner < OO_TC_OWNER_MAX ? owner_names[owner] : NULL;
}

int oo_tc_owner_from_string(const char *s)
{
    for (int i = 0; s && i < OO_TC_OWNER_MAX; i++)
        if (!strcmp(owner_names[i], s))
            return i;
    return -EINVAL;
}

uint64_t oo_tc_rule_id(const char *name)
{
    uint64_t h = 0xcbf29ce484222325ull;     /* FNV-1a 64 offset basis */

    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        h ^= *p;
        h *= 0x100000001b3ull;              /* FNV-1a 64 prime */
    }
    /* FNV's low bits mix poorly for short, similar names ("rule-1",
     * "rule-2"): spread every input bit over the whole word. */
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    return h;
}

void oo_tc_cookie_make(uint64_t rule_id, uint8_t cookie[OO_TC_COOKIE_LEN])
{
    memcpy(cookie, OO_TC_COOKIE_MAGIC, OO_TC_COOKIE_MAGIC_LEN);
    for (int i = 0; i < 8; i++)
        cookie[OO_TC_COOKIE_MAGIC_LEN + i] = (uint8_t)(rule_id >> (56 - 8 * i));
}

void oo_tc_filter_set_owner(struct oo_tc_filter *f, uint64_t rule_id)
{
    for (unsigned i = 0; i < f->n_actions && i < OO_TC_MAX_ACTIONS; i++) {
        oo_tc_cookie_make(rule_id, f->actions[i].cookie);
        f->actions[i].cookie_len = OO_TC_COOKIE_LEN;
    }
}

bool oo_tc_cookie_is_ours(const uint8_t *cookie, uint8_t len, uint64_t *ret_rule_id)
{
    uint64_t id = 0;

    if (len != OO_TC_COOKIE_LEN || memcmp(cookie, OO_TC_COOKIE_MAGIC, OO_TC_COOKIE_MAGIC_LEN))
        return false;
    for (int i = 0; i < 8; i++)
        id = id << 8 | cookie[OO_TC_COOKIE_MAGIC_LEN + i];
    if (ret_rule_id)
        *ret_rule_id = id;
    return true;
}

bool oo_tc_cookie_is_ovs_ufid(const uint8_t *cookie, uint8_t len)
{
    uint32_t w[4];

    if (len != 16)
        return false;
    /* OVS's ovs_u128 is four uint32_t in host order (struct uuid's parts). */
    memcpy(w, cookie, sizeof w);
    return (w[1] & 0x0000f000u) == 0x00004000u && (w[2] & 0xc0000000u) == 0x80000000u;
}

static bool is_ovs_policer(const struct oo_tc_filter *f)
{
    return OO_TC_KIND_IS(f->kind, "matchall") && f->id.prio == 1 && f->id.handle == 1 &&
           f->n_actions == 1 && !f->actions_truncated &&
           OO_TC_KIND_IS(f->actions[0].kind, "police") && !f->actions[0].cookie_len;
}

static bool is_ovs_flow(const struct oo_tc_filter *f)
{
    const uint8_t *first = NULL;

    if (!OO_TC_KIND_IS(f->kind, "flower"))
        return false;
    for (unsigned i = 0; i < f->n_actions; i++) {
        const struct oo_tc_action *a = &f->actions[i];

        if (!a->cookie_len) {
            /* A meter's police action is the one OVS action without it. */
            if (!OO_TC_KIND_IS(a->kind, "police"))
                return false;
            continue;
        }
        if (!oo_tc_cookie_is_ovs_ufid(a->cookie, a->cookie_len))
            return false;
        if (!first)
            first = a->cookie;
        else if (memcmp(first, a->cookie, 16))
            return false;
    }
    return first != NULL;
}

int oo_tc_classify(const struct oo_tc_filter *f, uint64_t *ret_rule_id)
{
    uint64_t id = 0, first = 0;
    bool ours = f->n_actions > 0 && !f->actions_truncated && OO_TC_KIND_IS(f->kind, "flower");

    for (unsigned i = 0; ours && i < f->n_actions; i++) {
        const struct oo_tc_action *a = &f->actions[i];

        if (!oo_tc_cookie_is_ours(a->cookie, a->cookie_len, &id) || (i && id != first))
            ours = false;
        first = id;
    }
    if (ret_rule_id)
        *ret_rule_id = ours ? first : 0;
    if (ours)
        return OO_TC_OWNER_OURS;
    if (is_ovs_flow(f) || is_ovs_policer(f))
        return OO_TC_OWNER_OVS;
    return OO_TC_OWNER_FOREIGN;
}
