/* Pure reasoning about ovs-vswitchd's hw-offload state (offload-state.h). */
#include "ovsdb/offload-state.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/util.h"

static const char *const policies[] = { "none", "skip_sw", "skip_hw" };

static bool valid_policy(const char *s)
{
    for (size_t i = 0; i < OO_ARRAY_SIZE(policies); i++)
        if (!strcmp(s, policies[i]))
            return true;
    return false;
}

void oo_offload_cfg_from(const char *hw_offload, const char *tc_policy, struct oo_offload_cfg *cfg)
{
    /* As ovs-vswitchd reads them: smap_get_bool() is a case-insensitive
     * "true"; tc_set_policy() keeps its default ("none") for an unknown
     * value and smap_get_def() gives "none" for an unset one. */
    cfg->hw_offload = hw_offload && !strcasecmp(hw_offload, "true");
    oo_strlcpy(cfg->tc_policy, tc_policy && valid_policy(tc_policy) ? tc_policy : "none",
               sizeof cfg->tc_policy);
}

bool oo_offload_cfg_equal(const struct oo_offload_cfg *a, const struct oo_offload_cfg *b)
{
    return a->hw_offload == b->hw_offload && !strcmp(a->tc_policy, b->tc_policy);
}

const char *oo_flow_api_to_string(int flow_api)
{
    switch (flow_api) {
    case OO_FLOW_API_OFF: return "off";
    case OO_FLOW_API_ON: return "on";
    case OO_FLOW_API_ON_POLICY_UNKNOWN: return "on:unknown";
    default: return "unknown";
    }
}

void oo_offload_record_format(const struct oo_offload_record *r, char *buf, size_t size)
{
    char vsd[48], api[32];

    if (r->vswitchd.pid > 0)
        snprintf(vsd, sizeof vsd, "%" PRId64 "@%" PRIu64, r->vswitchd.pid, r->vswitchd.start_ticks);
    else
        snprintf(vsd, sizeof vsd, "none");
    if (r->flow_api == OO_FLOW_API_ON)
        snprintf(api, sizeof api, "on:%s", r->policy);
    else
        snprintf(api, sizeof api, "%s", oo_flow_api_to_string(r->flow_api));
    snprintf(buf, size, "v1 boot=%s at=%" PRId64 " hw-offload=%s tc-policy=%s vswitchd=%s flow-api=%s",
             r->boot_id, r->at_ms, r->cfg.hw_offload ? "true" : "false", r->cfg.tc_policy, vsd, api);
}

static int parse_int64(const char *s, int64_t *v)
{
    char *end;

    errno = 0;
    long long x = strtoll(s, &end, 10);
    if (errno || end == s || *end)
        return -EINVAL;
    *v = x;
    return 0;
}

static int parse_field(const char *key, const char *val, struct oo_offload_record *r, unsigned *seen)
{
    if (!strcmp(key, "boot")) {
        if (!*val || !oo_strlcpy(r->boot_id, val, sizeof r->boot_id))
            return -EINVAL;
        *seen |= 1;
    } else if (!strcmp(key, "at")) {
        if (parse_int64(val, &r->at_ms) < 0)
            return -EINVAL;
        *seen |= 2;
    } else if (!strcmp(key, "hw-offload")) {
        if (strcmp(val, "true") && strcmp(val, "false"))
            return -EINVAL;
        r->cfg.hw_offload = !strcmp(val, "true");
        *seen |= 4;
    } else if (!strcmp(key, "tc-policy")) {
        if (!valid_policy(val))
            return -EINVAL;
        oo_strlcpy(r->cfg.tc_policy, val, sizeof r->cfg.tc_policy);
        *seen |= 8;
    } else if (!strcmp(key, "vswitchd")) {
        if (strcmp(val, "none")) {
            char pid[24];
            const char *at = strchr(val, '@');
            int64_t ticks;

            if (!at || (size_t)(at - val) >= sizeof pid)
                return -EINVAL;
            memcpy(pid, val, at - val);
            pid[at - val] = '\0';
            if (parse_int64(pid, &r->vswitchd.pid) < 0 || r->vswitchd.pid <= 0 ||
                parse_int64(at + 1, &ticks) < 0 || ticks < 0)
                return -EINVAL;
            r->vswitchd.start_ticks = (uint64_t)ticks;
        }
        *seen |= 16;
    } else if (!strcmp(key, "flow-api")) {
        if (!strcmp(val, "off"))
            r->flow_api = OO_FLOW_API_OFF;
        else if (!strcmp(val, "unknown"))
            r->flow_api = OO_FLOW_API_UNKNOWN;
        else if (!strcmp(val, "on:unknown"))
            r->flow_api = OO_FLOW_API_ON_POLICY_UNKNOWN;
        else if (!strncmp(val, "on:", 3) && valid_policy(val + 3)) {
            r->flow_api = OO_FLOW_API_ON;
            oo_strlcpy(r->policy, val + 3, sizeof r->policy);
        } else
            return -EINVAL;
        *seen |= 32;
    }
    /* Unknown keys are skipped: a later v1 writer may add some. */
    return 0;
}

int oo_offload_record_parse(const char *s, struct oo_offload_record *r)
{
    char buf[512], *save = NULL, *tok;
    unsigned seen = 0;

    memset(r, 0, sizeof *r);
    if (!s || !oo_strlcpy(buf, s, sizeof buf))
        return -EINVAL;
    tok = strtok_r(buf, " ", &save);
    if (!tok || strcmp(tok, "v1"))
        return -EINVAL;
    while ((tok = strtok_r(NULL, " ", &save))) {
        char *eq = strchr(tok, '=');

        if (!eq)
            return -EINVAL;
        *eq = '\0';
        if (parse_field(tok, eq + 1, r, &seen) < 0)
            return -EINVAL;
    }
    if (seen != 63) {
        memset(r, 0, sizeof *r);
        return -EINVAL;
    }
    return 0;
}

static bool same_process(const struct oo_vswitchd_id *a, const struct oo_vswitchd_id *b)
{
    return a->pid > 0 && a->pid == b->pid && a->start_ticks && a->start_ticks == b->start_ticks;
}

int oo_flow_api_derive(const struct oo_offload_record *rec, const char *boot_id,
                       const struct oo_vswitchd_id *p, long ticks_per_s,
                       const struct oo_offload_cfg *stored, int observed, char *policy)
{
    bool rec_ok = rec && boot_id && *boot_id && !strcmp(rec->boot_id, boot_id);
    /* A record of an earlier boot is older than every process of this one. */
    bool rec_before_boot = rec && boot_id && *boot_id && rec->boot_id[0] && !rec_ok;
    bool unchanged = (rec_ok || rec_before_boot) && oo_offload_cfg_equal(&rec->cfg, stored);
    int api = OO_FLOW_API_UNKNOWN;

    policy[0] = '\0';
    if (rec_ok && same_process(&rec->vswitchd, p)) {
        /* The record speaks of this very process. */
        api = rec->flow_api;
        if (api == OO_FLOW_API_ON)
            oo_strlcpy(policy, rec->policy, 16);
        /* Someone else wrote since: an "off" may have been turned on, with a
         * tc-policy we did not see. "on" stays what it was: it is final. */
        if (!unchanged && api == OO_FLOW_API_OFF)
            api = OO_FLOW_API_UNKNOWN;
    } else if (unchanged && p->start_ticks &&
               (rec_before_boot ||
                (ticks_per_s > 0 && (int64_t)(p->start_ticks * 1000 / (uint64_t)ticks_per_s) >
                                        rec->at_ms + OO_OFFLOAD_RECORD_MARGIN_MS))) {
        /* Started after the record (in this boot, or in any later one: the
         * database outlives a reboot), and the values are still the
         * recorded ones: it read them when it started. */
        if (stored->hw_offload) {
            api = OO_FLOW_API_ON;
            oo_strlcpy(policy, stored->tc_policy, 16);
        } else {
            api = OO_FLOW_API_OFF;
        }
    }

    /* hw-offload=true in the database means the flow API is on (or will be at
     * its next main-loop iteration). */
    if (stored->hw_offload && (api == OO_FLOW_API_UNKNOWN || api == OO_FLOW_API_OFF)) {
        api = api == OO_FLOW_API_OFF ? OO_FLOW_API_ON : OO_FLOW_API_ON_POLICY_UNKNOWN;
        if (api == OO_FLOW_API_ON)
            /* Off until now: it reads the stored tc-policy when it turns on. */
            oo_strlcpy(policy, stored->tc_policy, 16);
    }

    /* What upcall/show says wins over what we inferred. */
    if (observed == 1 && (api == OO_FLOW_API_UNKNOWN || api == OO_FLOW_API_OFF)) {
        api = OO_FLOW_API_ON_POLICY_UNKNOWN;
        policy[0] = '\0';
    } else if (observed == 0 && api == OO_FLOW_API_UNKNOWN) {
        api = OO_FLOW_API_OFF;
    }
    return api;
}

void oo_flow_api_unknown_why(const struct oo_offload_record *rec, const char *boot_id,
                             const struct oo_vswitchd_id *p, long ticks_per_s,
                             const struct oo_offload_cfg *stored, int flow_api, char *buf, size_t size)
{
    bool rec_ok = rec && boot_id && *boot_id && !strcmp(rec->boot_id, boot_id);
    bool unchanged = rec && oo_offload_cfg_equal(&rec->cfg, stored);
    /* Only a process whose flow API may be off can have met a hw-offload=true
     * set and taken back by someone. */
    const char *maybe = flow_api == OO_FLOW_API_UNKNOWN ? ": hw-offload may have been true for a while "
                        "since it started" : "";

    if (!boot_id || !*boot_id)
        snprintf(buf, size, "the boot id cannot be read, so no record of ovs-offload's can be dated");
    else if (!rec)
        snprintf(buf, size, "ovs-offload has no record in this database of what ovs-vswitchd read%s", maybe);
    else if (rec_ok && same_process(&rec->vswitchd, p))
        snprintf(buf, size, unchanged ? "ovs-offload's last write, while it ran, could not tell either"
                 : "hw-offload or tc-policy was changed by someone else since ovs-offload's last write, "
                   "while it ran");
    else if (!p->start_ticks)
        snprintf(buf, size, "its start time cannot be read (another pid namespace?), so ovs-offload's "
                 "record cannot tell whether it started after the last write");
    else if (!unchanged)
        snprintf(buf, size, "hw-offload or tc-policy was changed by someone else since ovs-offload's "
                 "last write");
    else if (rec_ok && ticks_per_s > 0 &&
             (int64_t)(p->start_ticks * 1000 / (uint64_t)ticks_per_s) > rec->at_ms)
        snprintf(buf, size, "it started as ovs-offload wrote (within %d ms), and may have read the "
                 "values before", OO_OFFLOAD_RECORD_MARGIN_MS);
    else
        snprintf(buf, size, "it started before ovs-offload's last write, which does not name it");
}

int oo_flow_api_after_write(int flow_api, const char *policy, const struct oo_offload_cfg *before,
                            const struct oo_offload_cfg *after, char *policy_after)
{
    policy_after[0] = '\0';
    switch (flow_api) {
    case OO_FLOW_API_OFF:
        if (after->hw_offload) {
            oo_strlcpy(policy_after, after->tc_policy, 16);
            return OO_FLOW_API_ON;
        }
        return OO_FLOW_API_OFF;
    case OO_FLOW_API_ON:
        oo_strlcpy(policy_after, policy, 16);
        return OO_FLOW_API_ON;
    case OO_FLOW_API_ON_POLICY_UNKNOWN:
        return OO_FLOW_API_ON_POLICY_UNKNOWN;
    default:
        /* Unknown before: if hw-offload was already true it is on, with
         * whatever it read. */
        return before->hw_offload ? OO_FLOW_API_ON_POLICY_UNKNOWN : OO_FLOW_API_UNKNOWN;
    }
}

int oo_restart_needed(int running, int flow_api, const char *policy,
                      const struct oo_offload_cfg *stored, char *why, size_t why_size)
{
    if (running == 0) {
        snprintf(why, why_size, "ovs-vswitchd is not running: it reads hw-offload and tc-policy "
                 "when it starts");
        return 0;
    }
    if (running < 0) {
        snprintf(why, why_size, "not known whether ovs-vswitchd runs");
        return -1;
    }
    switch (flow_api) {
    case OO_FLOW_API_OFF:
        if (stored->hw_offload)
            snprintf(why, why_size, "its flow API is off and hw-offload=true: it turns it on by "
                     "itself, with tc-policy=%s", stored->tc_policy);
        else
            snprintf(why, why_size, "hw-offload is off, in OVSDB and in ovs-vswitchd");
        return 0;
    case OO_FLOW_API_ON:
        if (!stored->hw_offload) {
            snprintf(why, why_size, "its flow API is on but hw-offload is not true in OVSDB: only a "
                     "restart turns it off");
            return 1;
        }
        if (strcmp(policy, stored->tc_policy)) {
            snprintf(why, why_size, "it runs with tc-policy=%s, OVSDB says %s: tc-policy is read "
                     "once per process", policy, stored->tc_policy);
            return 1;
        }
        snprintf(why, why_size, "it runs with hw-offload=true and tc-policy=%s, as stored", policy);
        return 0;
    case OO_FLOW_API_ON_POLICY_UNKNOWN:
        if (!stored->hw_offload) {
            snprintf(why, why_size, "its flow API is on but hw-offload is not true in OVSDB: only a "
                     "restart turns it off");
            return 1;
        }
        snprintf(why, why_size, "its flow API is on, but the tc-policy it read is not known");
        return -1;
    default:
        /* Observed "on" or "off" is never left unknown: the process serves
         * no datapath to ask (vswitchd.h). */
        snprintf(why, why_size, "whether its flow API is on is not known, and it serves no bridge "
                 "to ask");
        return -1;
    }
}
