/* Scalar value parsers of the config. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "config/values.h"

int oo_cfg_parse_int(const char *s, int64_t *ret)
{
    const char *p = s;
    bool neg = false;
    uint64_t v = 0;
    unsigned base = 10;

    if (*p == '+' || *p == '-')
        neg = *p++ == '-';
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        base = 16;
        p += 2;
    } else if (p[0] == '0' && p[1]) {
        if (!isdigit((unsigned char)p[1]))
            return -EINVAL;
        for (const char *q = p; *q; q++)
            if (!isdigit((unsigned char)*q))
                return -EINVAL;
        return -EDOM;
    }
    if (!*p)
        return -EINVAL;
    for (; *p; p++) {
        unsigned d;

        if (isdigit((unsigned char)*p))
            d = (unsigned)(*p - '0');
        else if (base == 16 && isxdigit((unsigned char)*p))
            d = (unsigned)(tolower((unsigned char)*p) - 'a' + 10);
        else
            return -EINVAL;
        if (v > (UINT64_MAX - d) / base)
            return -ERANGE;
        v = v * base + d;
    }
    if (neg ? v > (uint64_t)INT64_MAX + 1 : v > (uint64_t)INT64_MAX)
        return -ERANGE;
    *ret = neg ? (int64_t)(0 - v) : (int64_t)v;
    return 0;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)tolower((unsigned char)c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Parses exactly one MAC at s; *end points after it. */
static int parse_mac_at(const char *s, uint8_t mac[6], const char **end)
{
    char sep = 0;

    for (int i = 0; i < 6; i++) {
        int hi, lo;

        if (i) {
            if (*s != ':' && *s != '-')
                return -EINVAL;
            if (!sep)
                sep = *s;
            if (*s != sep)
                return -EINVAL;
            s++;
        }
        hi = hexval(s[0]);
        lo = hi < 0 ? -1 : hexval(s[1]);
        if (hi < 0 || lo < 0)
            return -EINVAL;
        mac[i] = (uint8_t)(hi << 4 | lo);
        s += 2;
    }
    *end = s;
    return 0;
}

int oo_cfg_parse_mac(const char *s, uint8_t mac[6])
{
    const char *end;

    if (parse_mac_at(s, mac, &end) < 0 || *end)
        return -EINVAL;
    return 0;
}

int oo_cfg_parse_mac_match(const char *s, struct oo_cfg_mac *ret)
{
    const char *end;
    struct oo_cfg_mac m = { .set = true };

    if (parse_mac_at(s, m.addr, &end) < 0)
        return -EINVAL;
    memset(m.mask, 0xff, sizeof m.mask);
    if (*end == '/') {
        const char *q = end + 1, *qend;
        int64_t prefix;

        if (parse_mac_at(q, m.mask, &qend) == 0) {
            if (*qend)
                return -EINVAL;
        } else {
            if (oo_cfg_parse_int(q, &prefix) < 0 || !isdigit((unsigned char)*q))
                return -EINVAL;
            if (prefix < 0 || prefix > 48)
                return -ERANGE;
            memset(m.mask, 0, sizeof m.mask);
            for (int b = 0; b < prefix; b++)
                m.mask[b / 8] |= (uint8_t)(0x80 >> (b % 8));
        }
    } else if (*end) {
        return -EINVAL;
    }
    *ret = m;
    return 0;
}

int oo_cfg_parse_ip(const char *s, bool allow_prefix, struct oo_cfg_ip *ret)
{
    char addr[INET6_ADDRSTRLEN + 1];
    const char *slash = strchr(s, '/');
    size_t alen = slash ? (size_t)(slash - s) : strlen(s);
    struct oo_cfg_ip ip = { 0 };
    unsigned max;

    if (alen == 0 || alen >= sizeof addr || (slash && !allow_prefix))
        return -EINVAL;
    memcpy(addr, s, alen);
    addr[alen] = '\0';
    if (inet_pton(AF_INET, addr, ip.addr) == 1) {
        ip.family = AF_INET;
        max = 32;
    } else if (inet_pton(AF_INET6, addr, ip.addr) == 1) {
        ip.family = AF_INET6;
        max = 128;
    } else {
        return -EINVAL;
    }
    ip.prefix = (uint8_t)max;
    if (slash) {
        const char *p = slash + 1;
        unsigned v = 0;

        if (!*p || strlen(p) > 3)
            return -EINVAL;
        for (; *p; p++) {
            if (!isdigit((unsigned char)*p))
                return -EINVAL;
            v = v * 10 + (unsigned)(*p - '0');
        }
        if (v > max)
            return -ERANGE;
        ip.prefix = (uint8_t)v;
    }
    *ret = ip;
    return 0;
}

const char *oo_cfg_format_ip(const struct oo_cfg_ip *ip, char *buf, size_t size)
{
    char a[INET6_ADDRSTRLEN];
    unsigned full = ip->family == AF_INET ? 32 : 128;

    if (!ip->family || !inet_ntop(ip->family, ip->addr, a, sizeof a)) {
        snprintf(buf, size, "?");
        return buf;
    }
    if (ip->prefix < full)
        snprintf(buf, size, "%s/%u", a, ip->prefix);
    else
        snprintf(buf, size, "%s", a);
    return buf;
}

bool oo_cfg_valid_name(const char *s)
{
    size_t n = strlen(s);

    if (!n || n > OO_CFG_MAX_NAME || s[0] == '-' || s[0] == '.')
        return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && !strchr("_.:-", *s))
            return false;
    return true;
}

bool oo_cfg_valid_ifname(const char *s)
{
    size_t n = strlen(s);

    if (!n || n > 15 || !strcmp(s, ".") || !strcmp(s, ".."))
        return false;
    for (; *s; s++)
        if (*s == '/' || *s == ':' || isspace((unsigned char)*s) || (unsigned char)*s < 0x20)
            return false;
    return true;
}

bool oo_cfg_valid_param_name(const char *s)
{
    size_t n = strlen(s);

    if (!n || n > 63)
        return false;
    for (; *s; s++)
        if (!islower((unsigned char)*s) && !isdigit((unsigned char)*s) && *s != '_')
            return false;
    return true;
}

/* A VF id: decimal digits only, no sign, no leading zero. */
static int parse_vf_id(const char *s, size_t len, uint32_t *ret)
{
    uint32_t v = 0;

    if (!len || len > 6 || (len > 1 && s[0] == '0'))
        return -EINVAL;
    for (size_t i = 0; i < len; i++) {
        if (!isdigit((unsigned char)s[i]))
            return -EINVAL;
        v = v * 10 + (uint32_t)(s[i] - '0');
    }
    if (v > OO_CFG_MAX_VF_ID)
        return -ERANGE;
    *ret = v;
    return 0;
}

static int split_name(const char *s, char *name, size_t size, const char **rest)
{
    const char *slash = strchr(s, '/');
    size_t n = slash ? (size_t)(slash - s) : strlen(s);

    if (!n || n >= size)
        return -EINVAL;
    memcpy(name, s, n);
    name[n] = '\0';
    if (!oo_cfg_valid_name(name))
        return -EINVAL;
    *rest = slash;
    return 0;
}

int oo_cfg_parse_ref(const char *s, char *name, size_t size, int32_t *ret_vf)
{
    const char *slash;
    uint32_t vf;
    int r;

    if (split_name(s, name, size, &slash) < 0)
        return -EINVAL;
    if (!slash) {
        *ret_vf = -1;
        return 0;
    }
    r = parse_vf_id(slash + 1, strlen(slash + 1), &vf);
    if (r < 0)
        return r;
    *ret_vf = (int32_t)vf;
    return 0;
}

int oo_cfg_parse_rep_range(const char *s, char *name, size_t size,
                           uint32_t *ret_first, uint32_t *ret_last)
{
    const char *slash, *dash;
    uint32_t first, last;
    int r;

    if (split_name(s, name, size, &slash) < 0 || !slash)
        return -EINVAL;
    slash++;
    dash = strchr(slash, '-');
    r = parse_vf_id(slash, dash ? (size_t)(dash - slash) : strlen(slash), &first);
    if (r < 0)
        return r;
    last = first;
    if (dash) {
        r = parse_vf_id(dash + 1, strlen(dash + 1), &last);
        if (r < 0)
            return r;
        if (last < first)
            return -EDOM;
    }
    *ret_first = first;
    *ret_last = last;
    return 0;
}
