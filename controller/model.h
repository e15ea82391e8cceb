/* A model of apply: executes plan steps on an observed state in memory, and
 * refuses what the hardware refuses (the rules of ../README "Planning").
 * The planner's tests apply plans with it and plan again: the second plan must
 * be empty, and no step may break a rule on the way. */
#ifndef OO_CONTROLLER_MODEL_H
#define OO_CONTROLLER_MODEL_H

#include <stddef.h>

#include "controller/observe.h"
#include "controller/plan.h"

/* Applies one step to o. Returns 0, or -errno with why[] saying which rule the
 * step breaks (as the kernel or OVS would refuse it). */
int oo_model_apply_step(struct oo_observed *o, const struct oo_step *s, char *why, size_t why_size);

/* Applies every step in order; stops at the first refusal. Returns 0 or the
 * refusal's -errno; *ret_failed is the index of the failed step. */
int oo_model_apply(struct oo_observed *o, const struct oo_plan *plan, size_t *ret_failed,
                   char *why, size_t why_size);

/* Deep copy of an observed state (what the model mutates). */
void oo_observed_copy(struct oo_observed *dst, const struct oo_observed *src);

#endif
