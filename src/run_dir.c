/* Run directories: where a training run keeps its config, metrics and checkpoint.
 *
 * A fresh run gets its own directory named for what it is and when it began,
 * so runs never overwrite each other; a directory the user names is accepted
 * only if it does not already hold a run (that one would be resumed, not
 * overwritten). */
#include "cdrl/run_dir.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/file.h>
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
    const char *taken[] = {CDRL_RUN_CHECKPOINT_FILE, CDRL_RUN_CONFIG_FILE};
    for (size_t i = 0; i < sizeof taken / sizeof taken[0]; i++) {
        char path[CDRL_PATH_MAX];
        struct stat st;
        rc = cdrl_path_join(path, sizeof path, dir, taken[i], err);
        if (rc)
            return rc;
        if (lstat(path, &st) != 0 && errno == ENOENT)
            continue;
        if (i == 0)
            return cdrl_errorf(err, CDRL_EINVAL,
                               "%s already holds a run; resume it with --resume %s or choose another --out",
                               dir, dir);
        return cdrl_errorf(err, CDRL_EINVAL,
                           "%s already holds a run that stopped before its first checkpoint; start it "
                           "again from its saved config with --resume %s, or choose another --out", dir, dir);
    }
    return 0;
}

int cdrl_run_dir_has_checkpoint(const char *dir, int *has, cdrl_error *err)
{
    char path[CDRL_PATH_MAX];
    struct stat st;
    *has = 0;
    int rc = cdrl_path_join(path, sizeof path, dir, CDRL_RUN_CHECKPOINT_FILE, err);
    if (rc)
        return rc;
    if (stat(path, &st) == 0) {
        if (!S_ISREG(st.st_mode))
            return cdrl_errorf(err, CDRL_EIO, "%s: not a regular file", path);
        *has = 1;
        return 0;
    }
    if (errno == ENOENT && lstat(path, &st) != 0)
        return 0;
    return cdrl_errorf(err, CDRL_EIO, "%s: cannot read: %s", path,
                       errno == ENOENT ? "dangling symbolic link" : strerror(errno));
}

int cdrl_run_dir_lock(const char *dir, int *fd, cdrl_error *err)
{
    char path[CDRL_PATH_MAX];
    *fd = -1;
    int rc = cdrl_path_join(path, sizeof path, dir, CDRL_RUN_LOCK_FILE, err);
    if (rc)
        return rc;
    int lock = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0666);
    if (lock < 0)
        return cdrl_errorf(err, CDRL_EIO, "%s: cannot create the run's lock: %s", path, strerror(errno));
    if (flock(lock, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        char pid[32] = "";
        ssize_t n = pread(lock, pid, sizeof pid - 1, 0);
        close(lock);
        pid[n > 0 ? n : 0] = '\0';
        pid[strcspn(pid, "\n")] = '\0';
        if (e == EWOULDBLOCK)
            return cdrl_errorf(err, CDRL_ESTATE, "%s is in use by another cdrl (pid %s); wait for it to "
                               "finish or stop it", dir, pid[0] ? pid : "unknown");
        return cdrl_errorf(err, CDRL_EIO, "%s: cannot lock: %s", path, strerror(e));
    }
    /* The pid is for the message above only; the lock itself is the flock. */
    char text[32];
    int len = snprintf(text, sizeof text, "%ld\n", (long)getpid());
    if (ftruncate(lock, 0) != 0 || pwrite(lock, text, (size_t)len, 0) != len) {
        /* A full disk must not stop a run that can still lock: ignore. */
    }
    *fd = lock;
    return 0;
}

void cdrl_run_dir_unlock(int fd)
{
    if (fd >= 0)
        close(fd);
}
