/* Files: paths, whole files written so they are never half there, whole
 * files read, and the CRC-32 that file formats (checkpoints, PNG) carry. */
#ifndef CDRL_FILE_H
#define CDRL_FILE_H

#include <stddef.h>
#include <stdint.h>
#include "cdrl/error.h"

#define CDRL_PATH_MAX 4096

/* Writes "dir/name" into out[out_size]; CDRL_EINVAL if it does not fit. */
int cdrl_path_join(char *out, size_t out_size, const char *dir, const char *name, cdrl_error *err);


/* Writes `size` bytes to `path` so that `path` holds either its old contents
 * or all of the new ones, never a part: a temporary file in the same
 * directory, fsync, rename, fsync of the directory. On failure the temporary
 * file is removed. */
int cdrl_write_file_atomic(const char *path, const void *data, size_t size, cdrl_error *err);

/* Makes and removes the temporary file cdrl_write_file_atomic(path) would
 * make, so that a writer that works for a long time before its one write
 * (a GIF of a whole episode) fails on a bad path before the work. Returns 0,
 * CDRL_EINVAL (path too long) or CDRL_EIO. */
int cdrl_check_writable(const char *path, cdrl_error *err);

/* Reads a whole file (at most max_size bytes, else CDRL_EINVAL "too large")
 * into a malloc'd buffer with a NUL appended (not counted in *size); the
 * caller frees *data. */
int cdrl_read_file(const char *path, size_t max_size, char **data, size_t *size, cdrl_error *err);


/* CRC-32 (IEEE 802.3, as zlib's crc32) of `size` bytes, continuing from `crc`
 * (start with 0). Used by checkpoints and PNG chunks. */
uint32_t cdrl_crc32(uint32_t crc, const void *data, size_t size);

#endif
