/* A run directory as the visualizer sees it: its name and its two tables,
 * metrics.csv (one row per update or refit) and episodes.csv (one row per
 * episode). Either may be missing; both missing is an error. */
#include "viz_internal.h"

#include "cdrl/config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static int file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* What the dashboard labels by: how the run measures its spread, and
 * whether it has dropout at all. A run without a readable config (older
 * runs, copied CSVs) is drawn as before, so errors are not reported. */
static void read_config(const char *path, cdrl_viz_run *run)
{
    static const char *const dropout_keys[] = {"agent.model.dropout", "agent.policy.dropout", "agent.value.dropout"};
    if (!file_exists(path))
        return;
    cdrl_config_peek_string(path, "agent.model.uncertainty", run->uncertainty, sizeof run->uncertainty, NULL);
    int present = 0, none = 0;
    for (size_t k = 0; k < sizeof dropout_keys / sizeof dropout_keys[0]; k++) {
        char value[64];
        if (cdrl_config_peek_string(path, dropout_keys[k], value, sizeof value, NULL) == 0 && value[0]) {
            present++;
            none += strcmp(value, "none") == 0;
        }
    }
    run->no_dropout = present > 0 && none == present;
}

int cdrl_viz_run_load(const char *dir, cdrl_viz_run *run, cdrl_error *err)
{
    memset(run, 0, sizeof *run);
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return cdrl_errorf(err, CDRL_EIO, "%s: not a run directory (%s)", dir,
                           stat(dir, &st) != 0 ? strerror(errno) : "not a directory");
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/')
        n--;
    size_t start = n;
    while (start > 0 && dir[start - 1] != '/')
        start--;
    snprintf(run->name, sizeof run->name, "%.*s", (int)(n - start), dir + start);

    char path[4096];
    int found = 0;
    snprintf(path, sizeof path, "%.*s/metrics.csv", (int)n, dir);
    if (file_exists(path)) {
        if (cdrl_viz_table_load(path, &run->metrics, err))
            return err ? err->code : CDRL_EIO;
        found++;
    }
    snprintf(path, sizeof path, "%.*s/episodes.csv", (int)n, dir);
    if (file_exists(path)) {
        if (cdrl_viz_table_load(path, &run->episodes, err)) {
            cdrl_viz_run_free(run);
            return err ? err->code : CDRL_EIO;
        }
        found++;
    }
    if (!found)
        return cdrl_errorf(err, CDRL_EIO, "%.*s: no metrics.csv or episodes.csv in the run directory", (int)n,
                           dir);
    snprintf(path, sizeof path, "%.*s/config.cfg", (int)n, dir);
    read_config(path, run);
    return 0;
}

void cdrl_viz_run_free(cdrl_viz_run *run)
{
    cdrl_viz_table_free(&run->metrics);
    cdrl_viz_table_free(&run->episodes);
}
