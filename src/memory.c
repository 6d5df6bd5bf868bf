/* Memory estimates and the limit a run must fit in (memory.h). */
#include "cdrl/memory.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* "20G", "512M", "1000000": bytes, or -1. */
static double parse_size(const char *text)
{
    char *end;
    errno = 0;
    double x = strtod(text, &end);
    if (end == text || errno || !isfinite(x) || x <= 0 || *text == ' ')
        return -1;
    const char *units = "KMGT", *u = *end ? strchr(units, *end) : NULL;
    if (*end && (!u || end[1]))
        return -1;
    for (const char *k = units; u && k <= u; k++)
        x *= 1024;
    return x;
}

int cdrl_memory_limit(double *bytes, const char **why, cdrl_error *err)
{
    const char *env = getenv("CDRL_MEMORY_LIMIT");
    if (env) {
        *why = "CDRL_MEMORY_LIMIT";
        if ((*bytes = parse_size(env)) < 0)
            return cdrl_errorf(err, CDRL_EINVAL, "CDRL_MEMORY_LIMIT=%s: expects a size in bytes, e.g. 20G or "
                               "512M", env);
        return 0;
    }
    *why = "half the physical memory";
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
    *bytes = pages > 0 && page > 0 ? 0.5 * (double)pages * (double)page : 8.0 * 1024 * 1024 * 1024;
    return 0;
}

/* One layer of K inputs and N outputs on `rows` rows (mlp.c's FORWARD_BUFFERS
 * and BACKWARD_BUFFERS), plus its parameters x 4 (params, grads, Adam). */
static double layer_memory(double K, double N, double rows, int backward)
{
    double per_row = 3 * K + 2 * N + (backward ? K + 2 * N : 0);
    return sizeof(float) * (rows * per_row + 4 * (K * N + N + 1));
}

double cdrl_mlp_memory(const cdrl_mlp_spec *spec, double rows, int backward)
{
    double bytes = 0, in = spec->n_inputs, outputs = 0;
    for (int l = 0; l < spec->n_hidden; l++) {
        bytes += layer_memory(in, spec->hidden[l], rows, backward);
        in = spec->hidden[l];
    }
    for (int h = 0; h < spec->n_heads; h++) {
        bytes += layer_memory(in, spec->head_size[h], rows, backward);
        outputs += spec->head_size[h];
    }
    return bytes + sizeof(float) * rows * (spec->n_inputs + outputs);
}

/* "57.6 GB", "310.0 MB", "12.0 kB": decimal units, one decimal. */
typedef struct {
    char text[32];
} size_text;

static size_text sized(double bytes)
{
    static const char *const units[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
    int u = 0;
    while (bytes >= 1000 && u < 6)
        bytes /= 1000, u++;
    size_text t;
    snprintf(t.text, sizeof t.text, "%.1f %s", bytes, units[u]);
    return t;
}

int cdrl_memory_check(const char *who, const cdrl_memory_part *parts, int n, cdrl_error *err)
{
    double total = 0, limit;
    const char *why;
    int most = 0, rc = cdrl_memory_limit(&limit, &why, err);
    if (rc)
        return rc;
    for (int i = 0; i < n; i++) {
        total += parts[i].bytes;
        if (parts[i].bytes > parts[most].bytes)
            most = i;
    }
    if (total <= limit || n == 0)
        return 0;
    return cdrl_errorf(err, CDRL_EINVAL, "%s: an estimated %s of memory, over the limit of %s (%s); "
                       "the most is %s (%s): lower it", who, sized(total).text, sized(limit).text, why,
                       parts[most].what, sized(parts[most].bytes).text);
}
