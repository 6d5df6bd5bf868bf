/* A run directory as the visualizer sees it: its name and its two tables,
 * metrics.csv (one row per update or refit) and episodes.csv (one row per
 * episode). Either may be missing; both missing is an error. */
#include "viz_internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static int file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
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
    return 0;
}

void cdrl_viz_run_free(cdrl_viz_run *run)
{
    cdrl_viz_table_free(&run->metrics);
    cdrl_viz_table_free(&run->episodes);
}
