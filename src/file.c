/* Files: paths, whole files that are never half-written, reading a file
 * whole, and CRC-32.
 *
 * A run's config and checkpoint must survive a crash or a kill at any instant:
 * the new contents go to a temporary file next to the target, are flushed to
 * the disk, and only then renamed over the target, which POSIX makes atomic.
 * The directory is fsynced too, so the rename itself survives a power cut. */
#include "cdrl/file.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int cdrl_path_join(char *out, size_t out_size, const char *dir, const char *name, cdrl_error *err)
{
    int n = snprintf(out, out_size, "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= out_size)
        return cdrl_errorf(err, CDRL_EINVAL, "path too long: %s/%s", dir, name);
    return 0;
}

/* The directory part of `path` ("." when there is none), for placing the
 * temporary file on the same file system and fsyncing the rename. */
static void dir_of(const char *path, char *out, size_t out_size)
{
    const char *slash = strrchr(path, '/');
    if (!slash) {
        snprintf(out, out_size, ".");
    } else if (slash == path) {
        snprintf(out, out_size, "/");
    } else {
        size_t n = (size_t)(slash - path);
        if (n >= out_size)
            n = out_size - 1;
        memcpy(out, path, n);
        out[n] = '\0';
    }
}

static int write_all(int fd, const void *data, size_t size)
{
    const char *p = data;
    while (size > 0) {
        ssize_t n = write(fd, p, size);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += n;
        size -= (size_t)n;
    }
    return 0;
}

/* Best effort: some file systems refuse fsync on a directory (EINVAL); the
 * rename has happened either way. */
static void fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
}

/* The temporary name of an atomic write of `path`, created (mkstemp); the
 * open descriptor, or -1 with err filled. */
static int make_temp(const char *path, char *tmp, size_t size, cdrl_error *err)
{
    int n = snprintf(tmp, size, "%s.tmp.XXXXXX", path);
    if (n < 0 || (size_t)n >= size) {
        cdrl_errorf(err, CDRL_EINVAL, "%s: path too long", path);
        return -1;
    }
    int fd = mkstemp(tmp);
    if (fd < 0)
        cdrl_errorf(err, CDRL_EIO, "%s: cannot create a temporary file: %s", path, strerror(errno));
    return fd;
}

int cdrl_check_writable(const char *path, cdrl_error *err)
{
    char tmp[CDRL_PATH_MAX];
    int fd = make_temp(path, tmp, sizeof tmp, err);
    if (fd < 0)
        return err ? err->code : CDRL_EIO;
    close(fd);
    unlink(tmp);
    return 0;
}

int cdrl_write_file_atomic(const char *path, const void *data, size_t size, cdrl_error *err)
{
    char tmp[CDRL_PATH_MAX];
    char dir[CDRL_PATH_MAX];
    int fd = make_temp(path, tmp, sizeof tmp, err);
    if (fd < 0)
        return err ? err->code : CDRL_EIO;
    /* mkstemp makes the file private (0600); a run's files are ordinary
     * files, readable as the umask allows. */
    mode_t mask = umask(0);
    umask(mask);
    (void)fchmod(fd, 0666 & ~mask);
    if (write_all(fd, data, size) != 0 || fsync(fd) != 0) {
        int e = errno;
        close(fd);
        unlink(tmp);
        return cdrl_errorf(err, CDRL_EIO, "%s: cannot write: %s", path, strerror(e));
    }
    if (close(fd) != 0) {
        int e = errno;
        unlink(tmp);
        return cdrl_errorf(err, CDRL_EIO, "%s: cannot write: %s", path, strerror(e));
    }
    if (rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        return cdrl_errorf(err, CDRL_EIO, "%s: cannot replace: %s", path, strerror(e));
    }
    dir_of(path, dir, sizeof dir);
    fsync_dir(dir);
    return 0;
}

int cdrl_read_file(const char *path, size_t max_size, char **data, size_t *size, cdrl_error *err)
{
    *data = NULL;
    *size = 0;
    /* O_NONBLOCK: opening a FIFO must not wait for a writer that never comes. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return cdrl_errorf(err, CDRL_EIO, "%s: cannot read: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return cdrl_errorf(err, CDRL_EIO, "%s: cannot read: not a regular file", path);
    }
    FILE *f = fdopen(fd, "rb");
    if (!f) {
        close(fd);
        return cdrl_errorf(err, CDRL_ENOMEM, "%s: cannot read: %s", path, strerror(errno));
    }
    /* Read to the end, whatever st_size says: /proc and /sys files report 0. */
    size_t cap = st.st_size > 0 && (uint64_t)st.st_size <= max_size ? (size_t)st.st_size + 1 : 4096;
    size_t got = 0;
    char *buf = malloc(cap + 1);
    int failed = !buf;
    while (!failed) {
        got += fread(buf + got, 1, cap - got, f);
        if (ferror(f) || got > max_size || got < cap)
            break;
        char *bigger = realloc(buf, 2 * cap + 1);
        if (!bigger) {
            failed = 1;
            break;
        }
        buf = bigger;
        cap *= 2;
    }
    int read_error = buf && ferror(f) ? errno : 0;
    fclose(f);
    if (failed) {
        free(buf);
        return cdrl_errorf(err, CDRL_ENOMEM, "%s: out of memory reading it", path);
    }
    if (read_error || got > max_size) {
        free(buf);
        if (read_error)
            return cdrl_errorf(err, CDRL_EIO, "%s: cannot read: %s", path, strerror(read_error));
        return cdrl_errorf(err, CDRL_EINVAL, "%s: too large (more than %zu bytes)", path, max_size);
    }
    buf[got] = '\0';
    *data = buf;
    *size = got;
    return 0;
}

/* ---- CRC-32 -------------------------------------------------------------- */

static uint32_t crc_table[256];
static pthread_once_t crc_table_once = PTHREAD_ONCE_INIT;

static void crc_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        crc_table[i] = c;
    }
}

uint32_t cdrl_crc32(uint32_t crc, const void *data, size_t size)
{
    pthread_once(&crc_table_once, crc_init);
    const unsigned char *p = data;
    crc = ~crc;
    for (size_t i = 0; i < size; i++)
        crc = crc_table[(crc ^ p[i]) & 0xFF] ^ (crc >> 8);
    return ~crc;
}
