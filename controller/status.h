/* `status`: renders observed state for people (text) and machines (JSON).
 * Pure formatting: no I/O but the FILE it writes to. */
#ifndef OO_CONTROLLER_STATUS_H
#define OO_CONTROLLER_STATUS_H

#include <stdio.h>

#include "controller/observe.h"

void oo_status_print_text(FILE *f, const struct oo_observed *o);
void oo_status_print_json(FILE *f, const struct oo_observed *o, bool pretty);

#endif
