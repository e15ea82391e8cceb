/* enum <-> string tables for devlink values. Spelled as devlink(8) spells them,
 * so config, plan output, JSON and metrics agree with the tool admins know. */
#include <errno.h>
#include <linux/devlink.h>
#include <string.h>

#include "common/util.h"
#include "devlink/devlink.h"

static const char *const eswitch_modes[] = {
    [DEVLINK_ESWITCH_MODE_LEGACY] = "legacy",
    [DEVLINK_ESWITCH_MODE_SWITCHDEV] = "switchdev",
};

static const char *const inline_modes[] = {
    [DEVLINK_ESWITCH_INLINE_MODE_NONE] = "none",
    [DEVLINK_ESWITCH_INLINE_MODE_LINK] = "link",
    [DEVLINK_ESWITCH_INLINE_MODE_NETWORK] = "network",
    [DEVLINK_ESWITCH_INLINE_MODE_TRANSPORT] = "transport",
};

static const char *const encap_modes[] = {
    [DEVLINK_ESWITCH_ENCAP_MODE_NONE] = "none",
    [DEVLINK_ESWITCH_ENCAP_MODE_BASIC] = "basic",
};

static const char *const port_flavours[] = {
    [DEVLINK_PORT_FLAVOUR_PHYSICAL] = "physical",
    [DEVLINK_PORT_FLAVOUR_CPU] = "cpu",
    [DEVLINK_PORT_FLAVOUR_DSA] = "dsa",
    [DEVLINK_PORT_FLAVOUR_PCI_PF] = "pcipf",
    [DEVLINK_PORT_FLAVOUR_PCI_VF] = "pcivf",
    [DEVLINK_PORT_FLAVOUR_VIRTUAL] = "virtual",
    [DEVLINK_PORT_FLAVOUR_UNUSED] = "unused",
    [DEVLINK_PORT_FLAVOUR_PCI_SF] = "pcisf",
};

#define NAMES(fn, table)                                                  \
    const char *oo_##fn##_to_string(int v)                                \
    { return oo_enum_name(table, OO_ARRAY_SIZE(table), v); }                    \
    int oo_##fn##_from_string(const char *s)                              \
    { return oo_enum_value(table, OO_ARRAY_SIZE(table), s); }

NAMES(eswitch_mode, eswitch_modes)
NAMES(inline_mode, inline_modes)
NAMES(encap_mode, encap_modes)
NAMES(port_flavour, port_flavours)
