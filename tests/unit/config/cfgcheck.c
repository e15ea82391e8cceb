/* cfgcheck: parses a config (or --hostconf FILE, NICs named bond* taken as
 * bonds) and prints its errors. A developer's tool for the config tests and
 * the fuzz corpus; the user-facing command is `ovs-offloadctl check`. */
#include <stdio.h>
#include <string.h>

#include "config/config.h"

static int fake_probe(const char *netdev, void *userdata)
{
    (void)userdata;
    return !strncmp(netdev, "bond", 4) ? OO_CFG_NIC_BOND : OO_CFG_NIC_NETDEV;
}

int main(int argc, char **argv)
{
    struct oo_config cfg;
    struct oo_cfg_diag diag;
    bool hostconf = argc > 2 && !strcmp(argv[1], "--hostconf");
    const char *path = argv[hostconf ? 2 : 1];
    int r;

    if (argc < 2) {
        fprintf(stderr, "usage: cfgcheck [--hostconf] FILE\n");
        return 2;
    }
    oo_cfg_diag_init(&diag, path);
    if (hostconf) {
        FILE *f = fopen(path, "r");
        static char buf[1 << 20];
        size_t n = f ? fread(buf, 1, sizeof buf, f) : 0;

        if (f)
            fclose(f);
        r = oo_config_parse_hostconf(path, buf, n, fake_probe, NULL, &cfg, &diag);
    } else {
        r = oo_config_load_yaml(path, &cfg, &diag);
    }
    oo_cfg_diag_print(&diag, stdout);
    printf("%s: %s (%zu pfs, %zu bonds, %zu bridges, %zu rules, %zu mpv)\n", path,
           r ? "invalid" : "valid", cfg.n_pfs, cfg.n_bonds, cfg.n_bridges, cfg.n_rules,
           cfg.n_mpvs);
    oo_config_free(&cfg);
    oo_cfg_diag_free(&diag);
    return r ? 2 : 0;
}
