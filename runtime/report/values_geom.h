/* runtime/report/values_geom.h: per-run metrics that read the run's data
 * settings as well as its weights: cosines within and across the
 * generator's sets, and adversarial vulnerability (values_geom.c). */
#ifndef TMSL_VALUES_GEOM_H
#define TMSL_VALUES_GEOM_H
#include "data.h"
#include "train.h"

void values_set_cosines(const struct train_result *r, const struct train_spec *sp, double s[3]);
double values_vulnerability(const struct train_result *r, const struct train_spec *sp);

#endif
