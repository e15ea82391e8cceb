/* libFuzzer target: arbitrary bytes into the config parsers, both the YAML
 * config and host.conf mode, then through the error formatting. Any crash,
 * leak, undefined behaviour or timeout is a bug. scripts/fuzz.sh runs it. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "config/config.h"

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct oo_config cfg;
    struct oo_cfg_diag diag;

    if (size > 64 * 1024)
        return 0;

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
