#include "link/ethtool.h"

#include <errno.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/util.h"

int oo_ethtool_string_index(const uint8_t *strings, size_t count, const char *name)
{
    size_t len = strlen(name);

    if (len > ETH_GSTRING_LEN)
        return -ENOENT;
    for (size_t i = 0; i < count; i++) {
        const char *s = (const char *)strings + i * ETH_GSTRING_LEN;

        if (strnlen(s, ETH_GSTRING_LEN) == len && !memcmp(s, name, len))
            return i > INT32_MAX ? -ENOENT : (int)i;
    }
    return -ENOENT;
}

int oo_ethtool_feature_state(const struct ethtool_get_features_block *blocks, size_t n_blocks,
                             unsigned bit)
{
    const struct ethtool_get_features_block *b;
    uint32_t mask = UINT32_C(1) << (bit % 32);

    if (bit / 32 >= n_blocks)
        return -EOPNOTSUPP;
    b = &blocks[bit / 32];
    if (b->active & mask)
        return 1;
    return b->available & mask ? 0 : -EOPNOTSUPP;
}

/* ------------------------------------------------------------------- ioctl */

struct eth_dev {
    int fd;                         /* a datagram socket to ioctl on */
    struct ifreq ifr;               /* the netdev's name */
};

static int dev_open(struct eth_dev *d, const char *ifname)
{
    memset(d, 0, sizeof *d);
    d->fd = -1;
    if (!ifname[0] || !oo_strlcpy(d->ifr.ifr_name, ifname, sizeof d->ifr.ifr_name))
        return -EINVAL;
    /* Any socket reaches dev_ioctl(); AF_UNIX when IPv4 is compiled out. */
    d->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (d->fd < 0 && errno == EAFNOSUPPORT)
        d->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    return d->fd < 0 ? -errno : 0;
}

static void dev_close(struct eth_dev *d)
{
    if (d->fd >= 0)
        close(d->fd);
    d->fd = -1;
}

/* Returns the ioctl's (non-negative) result or -errno. */
static int dev_ioctl(struct eth_dev *d, void *cmd)
{
    int r;

    d->ifr.ifr_data = cmd;
    r = ioctl(d->fd, SIOCETHTOOL, &d->ifr);
    return r < 0 ? -errno : r;
}

/* Finds the feature's bit in the kernel's ETH_SS_FEATURES strings. Returns
 * the bit, -EOPNOTSUPP if the name is unknown, or -errno. */
static int feature_bit(struct eth_dev *d, const char *feature)
{
    _cleanup_free_ struct ethtool_sset_info *info =
        oo_calloc(1, sizeof *info + sizeof info->data[0]);
    _cleanup_free_ struct ethtool_gstrings *strings = NULL;
    uint32_t count;
    int r;

    info->cmd = ETHTOOL_GSSET_INFO;
    info->sset_mask = UINT64_C(1) << ETH_SS_FEATURES;
    if ((r = dev_ioctl(d, info)) < 0)
        return r;
    if (!(info->sset_mask & (UINT64_C(1) << ETH_SS_FEATURES)))
        return -EOPNOTSUPP;
    count = info->data[0];
    if (count == 0 || count > 4096)
        return -EOPNOTSUPP;
    strings = oo_calloc(1, sizeof *strings + (size_t)count * ETH_GSTRING_LEN);
    strings->cmd = ETHTOOL_GSTRINGS;
    strings->string_set = ETH_SS_FEATURES;
    strings->len = count;
    if ((r = dev_ioctl(d, strings)) < 0)
        return r;
    r = oo_ethtool_string_index(strings->data, strings->len < count ? strings->len : count, feature);
    return r == -ENOENT ? -EOPNOTSUPP : r;
}

/* Reads the feature blocks up to the one of `bit` into *ret (malloc'ed);
 * *ret_blocks is how many of them the kernel filled, *ret_words how many the
 * kernel has (ETHTOOL_SFEATURES wants exactly that many). */
static int get_features(struct eth_dev *d, unsigned bit, struct ethtool_gfeatures **ret,
                        uint32_t *ret_blocks, uint32_t *ret_words)
{
    uint32_t n = bit / 32 + 1;
    struct ethtool_gfeatures *g = oo_calloc(1, sizeof *g + n * sizeof g->features[0]);
    int r;

    g->cmd = ETHTOOL_GFEATURES;
    g->size = n;
    if ((r = dev_ioctl(d, g)) < 0) {
        free(g);
        return r;
    }
    *ret_words = g->size;
    *ret_blocks = g->size < n ? g->size : n;
    *ret = g;
    return 0;
}

int oo_ethtool_get_feature(const char *ifname, const char *feature)
{
    _cleanup_free_ struct ethtool_gfeatures *g = NULL;
    struct eth_dev d;
    uint32_t blocks, words;
    int r = dev_open(&d, ifname);

    if (r >= 0)
        r = feature_bit(&d, feature);
    if (r >= 0) {
        unsigned bit = (unsigned)r;

        r = get_features(&d, bit, &g, &blocks, &words);
        if (r >= 0)
            r = oo_ethtool_feature_state(g->features, blocks, bit);
    }
    dev_close(&d);
    return r;
}

int oo_ethtool_set_feature(const char *ifname, const char *feature, bool on)
{
    _cleanup_free_ struct ethtool_gfeatures *g = NULL;
    _cleanup_free_ struct ethtool_sfeatures *s = NULL;
    struct eth_dev d;
    uint32_t blocks, words, mask;
    unsigned bit;
    int r = dev_open(&d, ifname);

    if (r < 0)
        goto out;
    if ((r = feature_bit(&d, feature)) < 0)
        goto out;
    bit = (unsigned)r;
    mask = UINT32_C(1) << (bit % 32);
    if ((r = get_features(&d, bit, &g, &blocks, &words)) < 0)
        goto out;
    if (bit / 32 >= blocks) {
        r = -EOPNOTSUPP;
        goto out;
    }
    if (!!(g->features[bit / 32].active & mask) == on) {
        r = 0;                  /* already so */
        goto out;
    }
    if (!(g->features[bit / 32].available & mask)) {
        r = -EOPNOTSUPP;        /* fixed by the device */
        goto out;
    }
    s = oo_calloc(1, sizeof *s + words * sizeof s->features[0]);
    s->cmd = ETHTOOL_SFEATURES;
    s->size = words;
    s->features[bit / 32].valid = mask;
    s->features[bit / 32].requested = on ? mask : 0;
    if ((r = dev_ioctl(&d, s)) < 0)
        goto out;
    /* A positive result (ETHTOOL_F_WISH, _UNSUPPORTED) means not (all) done:
     * what the device reports decides. */
    free(g);
    g = NULL;
    if ((r = get_features(&d, bit, &g, &blocks, &words)) < 0)
        goto out;
    r = !!(g->features[bit / 32].active & mask) == on ? 0 : -EIO;
out:
    dev_close(&d);
    return r;
}

int oo_ethtool_get_hw_tc_offload(const char *ifname)
{
    return oo_ethtool_get_feature(ifname, OO_ETHTOOL_HW_TC_OFFLOAD);
}

int oo_ethtool_set_hw_tc_offload(const char *ifname, bool on)
{
    return oo_ethtool_set_feature(ifname, OO_ETHTOOL_HW_TC_OFFLOAD, on);
}
