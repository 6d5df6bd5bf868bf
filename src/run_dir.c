/* Run directories: where a training run keeps its config, metrics and checkpoint.
 *
 * A fresh run gets its own directory named for what it is and when it began,
 * so runs never overwrite each other; a directory the user names is accepted
 * only if it does not already hold a run (that one would be resumed, not
 * overwritten). */
#include "cdrl/run_dir.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* mkdir -p: creates `dir` and its missing parents. */
static int make_dirs(const char *dir, cdrl_error *err)
{
    char path[CDRL_PATH_MAX];
    size_t n = strlen(dir);
    if (n == 0)
        return cdrl_errorf(err, CDRL_EINVAL, "empty directory name");
    if (n >= sizeof path)
        return cdrl_errorf(err, CDRL_EINVAL, "%s: path too long", dir);
    memcpy(path, dir, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (path[i] != '/' && path[i] != '\0')
            continue;
        char saved = path[i];
        path[i] = '\0';
        if (mkdir(path, 0777) != 0 && errno != EEXIST)
            return cdrl_errorf(err, CDRL_EIO, "%s: cannot create directory: %s", path, strerror(errno));
        path[i] = saved;
    }
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return cdrl_errorf(err, CDRL_EIO, "%s: not a directory", dir);
    return 0;
}

int cdrl_run_dir_create(const char *root, const char *agent, const char *env, uint64_t seed,
                        char *out, size_t out_size, cdrl_error *err)
{
    int rc = make_dirs(root, err);
    if (rc)
        return rc;
    time_t now = time(NULL);
    struct tm utc;
    char stamp[32];
    if (!gmtime_r(&now, &utc) || strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &utc) == 0)
        return cdrl_errorf(err, CDRL_EIO, "cannot read the clock for the run directory name");
    for (int attempt = 1; attempt < 1000; attempt++) {
        int n = attempt == 1
                    ? snprintf(out, out_size, "%s/%s-%s-%llu-%s", root, agent, env,
                               (unsigned long long)seed, stamp)
                    : snprintf(out, out_size, "%s/%s-%s-%llu-%s-%d", root, agent, env,
                               (unsigned long long)seed, stamp, attempt);
        if (n < 0 || (size_t)n >= out_size)
            return cdrl_errorf(err, CDRL_EINVAL, "run directory path too long under %s", root);
        /* mkdir fails with EEXIST if another run took the name: that is
         * the only way to claim a name without a race. */
        if (mkdir(out, 0777) == 0)
            return 0;
        if (errno != EEXIST)
            return cdrl_errorf(err, CDRL_EIO, "%s: cannot create directory: %s", out, strerror(errno));
    }
    return cdrl_errorf(err, CDRL_EIO, "%s: too many runs started in the same second", root);
}

int cdrl_run_dir_prepare(const char *dir, cdrl_error *err)
{
    int rc = make_dirs(dir, err);
    if (rc)
        return rc;
    const char *taken[] = {CDRL_RUN_CONFIG_FILE, CDRL_RUN_CHECKPOINT_FILE};
    for (size_t i = 0; i < sizeof taken / sizeof taken[0]; i++) {
        char path[CDRL_PATH_MAX];
        rc = cdrl_path_join(path, sizeof path, dir, taken[i], err);
        if (rc)
            return rc;
        if (access(path, F_OK) == 0)
            return cdrl_errorf(err, CDRL_EINVAL,
                               "%s already holds a run; resume it with --resume %s or choose another --out",
                               dir, dir);
    }
    return 0;
}
