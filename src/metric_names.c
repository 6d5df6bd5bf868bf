/* metrics.csv column names (metric_names.h): written by agents, recognised by
 * the dashboard and the sweep summary by this one rule. */
#include "cdrl/metric_names.h"

#include <stdio.h>
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
