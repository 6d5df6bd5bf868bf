/* metrics.csv column names (metric_names.h): written by agents, recognised by
 * the dashboard and the sweep summary by this one rule. */
#include "cdrl/metric_names.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cdrl_metric_p_name(char *out, size_t size, const char *net, int layer)
{
    return snprintf(out, size, CDRL_METRIC_P_PREFIX "%s_l%d", net, layer);
}

int cdrl_metric_is_p(const char *name)
{
    size_t n = strlen(CDRL_METRIC_P_PREFIX);
    return strncmp(name, CDRL_METRIC_P_PREFIX, n) == 0 && name[n] != '\0';
}

int cdrl_metric_is_spread(const char *name)
{
    return strstr(name, "spread") != NULL;
}

const double cdrl_metric_cal_levels[CDRL_METRIC_CAL_LEVELS] = {0.1, 0.2, 0.3, 0.4, 0.5,
                                                                0.6, 0.7, 0.8, 0.9};

#define CAL_COVER "cal_cover_"
#define CAL_EPI_COVER "cal_epi_cover_"

int cdrl_metric_cal_cover_name(char *out, size_t size, int epistemic_only, double level)
{
    return snprintf(out, size, "%s%d", epistemic_only ? CAL_EPI_COVER : CAL_COVER,
                    (int)lround(level * 100.0));
}

int cdrl_metric_cal_cover_level(const char *name, int *epistemic_only, double *level)
{
    const char *digits;
    if (strncmp(name, CAL_COVER, strlen(CAL_COVER)) == 0)
        digits = name + strlen(CAL_COVER), *epistemic_only = 0;
    else if (strncmp(name, CAL_EPI_COVER, strlen(CAL_EPI_COVER)) == 0)
        digits = name + strlen(CAL_EPI_COVER), *epistemic_only = 1;
    else
        return 0;
    char *end;
    long percent = strtol(digits, &end, 10);
    if (end == digits || *end != '\0' || percent < 1 || percent > 99)
        return 0;
    *level = percent / 100.0;
    return 1;
}

int cdrl_metric_is_plan_uncertainty(const char *name)
{
    return strcmp(name, CDRL_METRIC_PLAN_SCORE) == 0 || strcmp(name, CDRL_METRIC_PLAN_MEAN) == 0 ||
           strcmp(name, CDRL_METRIC_PLAN_PARTICLE_STD) == 0;
}

int cdrl_metric_is_bonus(const char *name)
{
    return strcmp(name, CDRL_METRIC_BONUS_MEAN) == 0;
}
