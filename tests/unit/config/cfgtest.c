#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "cfgtest.h"

int cfgtest_yaml(const char *yaml, struct oo_config *cfg, struct oo_cfg_diag *d)
{
    oo_cfg_diag_init(d, "t.yaml");
    return oo_config_parse_yaml("t.yaml", yaml, strlen(yaml), cfg, d);
}

int cfgtest_probe(const char *netdev, void *userdata)
{
    (void)userdata;
    if (!strncmp(netdev, "bond", 4))
        return OO_CFG_NIC_BOND;
    if (!strncmp(netdev, "gone", 4))
        return -ENOENT;
    if (!strncmp(netdev, "eperm", 5))
        return -EPERM;
    return OO_CFG_NIC_NETDEV;
}

int cfgtest_hostconf(const char *text, struct oo_config *cfg, struct oo_cfg_diag *d)
{
    oo_cfg_diag_init(d, "host.conf");
    return oo_config_parse_hostconf("host.conf", text, strlen(text), cfgtest_probe, NULL,
                                    cfg, d);
}

void cfgtest_done(struct oo_config *cfg, struct oo_cfg_diag *d)
{
    oo_config_free(cfg);
    oo_cfg_diag_free(d);
}

int cfgtest_find(const struct oo_cfg_diag *d, unsigned line, unsigned col, const char *key,
                 const char *part)
{
    for (size_t i = 0; i < d->n_errors; i++) {
        const struct oo_cfg_error *e = &d->errors[i];

        if (line && (e->loc.line != line || e->loc.col != col))
            continue;
        if (strcmp(e->key, key) || !strstr(e->msg, part))
            continue;
        return (int)i;
    }
    return -1;
}

void cfgtest_dump(const struct oo_cfg_diag *d, const char *title)
{
    char line[1024];

    fprintf(stderr, "--- %s (%zu)\n", title, oo_cfg_diag_count(d));
    for (size_t i = 0; i < d->n_errors; i++)
        fprintf(stderr, "  %s\n", oo_cfg_error_format(d, i, line, sizeof line));
}

void cfgtest_show(const char *text, const struct oo_cfg_diag *d, const char *title)
{
    char line[1024];

    fprintf(stderr, "=== %s\n", title);
    for (size_t i = 0; i < d->n_errors; i++) {
        const struct oo_cfg_error *e = &d->errors[i];
        const char *p = text;

        fprintf(stderr, "%s\n", oo_cfg_error_format(d, i, line, sizeof line));
        for (unsigned l = 1; e->loc.line && l < e->loc.line && p; l++) {
            p = strchr(p, '\n');
            p = p ? p + 1 : NULL;
        }
        if (e->loc.line && p) {
            int n = (int)strcspn(p, "\n");
            fprintf(stderr, "    %.*s\n    %*s^\n", n, p, (int)e->loc.col - 1, "");
        }
    }
}
