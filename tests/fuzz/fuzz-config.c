/* libFuzzer target: arbitrary bytes into the config parsers, both the YAML
 * config and host.conf mode, then through the error formatting; and, when a
 * fast reader (JSON, block YAML) takes the bytes, its tree against
 * libyaml's. Any crash, leak, undefined behaviour, timeout or tree that
 * differs is a bug. scripts/fuzz.sh runs it. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "config/ytree.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* host.conf mode asks the host what a NIC is; here names decide. */
static int fake_probe(const char *netdev, void *userdata)
{
    (void)userdata;
    if (!strncmp(netdev, "bond", 4))
        return OO_CFG_NIC_BOND;
    if (!strncmp(netdev, "gone", 4))
        return -2;                      /* -ENOENT */
    return OO_CFG_NIC_NETDEV;
}

static void drain(const struct oo_cfg_diag *d)
{
    static FILE *null;
    char line[512];

    if (!null)
        null = fopen("/dev/null", "w");
    for (size_t i = 0; i < d->n_errors; i++)
        oo_cfg_error_format(d, i, line, sizeof line);
    if (null)
        oo_cfg_diag_print(d, null);
}

/* Whatever a fast reader (JSON, block YAML) takes, libyaml reads to the
 * same tree. */
static void same_as_libyaml(bool (*reader)(const void *, size_t, struct ynode **), const char *name,
                            const uint8_t *data, size_t size)
{
    struct ynode *fast, *slow;
    struct oo_cfg_diag diag;
    const struct ynode *at;

    if (!reader(data, size, &fast))
        return;
    oo_cfg_diag_init(&diag, "fuzz.yaml");
    slow = ytree_parse_libyaml(data, size, &diag);
    if (!slow || diag.n_errors) {
        fprintf(stderr, "the %s reader took a document libyaml refuses\n", name);
        abort();
    }
    if ((at = ytree_diff(fast, slow, NULL))) {
        fprintf(stderr, "the %s reader's tree differs from libyaml's at %u:%u\n", name,
                at->loc.line, at->loc.col);
        abort();
    }
    ytree_free(fast);
    ytree_free(slow);
    oo_cfg_diag_free(&diag);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct oo_config cfg;
    struct oo_cfg_diag diag;

    if (size > 64 * 1024)
        return 0;

    same_as_libyaml(ytree_parse_json, "JSON", data, size);
    same_as_libyaml(ytree_parse_block, "block", data, size);

    oo_cfg_diag_init(&diag, "fuzz.yaml");
    oo_config_parse_yaml("fuzz.yaml", data, size, &cfg, &diag);
    drain(&diag);
    oo_config_free(&cfg);
    oo_cfg_diag_free(&diag);

    oo_cfg_diag_init(&diag, "host.conf");
    oo_config_parse_hostconf("host.conf", data, size, fake_probe, NULL, &cfg, &diag);
    drain(&diag);
    oo_config_free(&cfg);
    oo_cfg_diag_free(&diag);
    return 0;
}
