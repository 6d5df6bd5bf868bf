/* Writes the fuzzers' seed corpus: valid checkpoints of a few shapes, and the
 * config texts the loader meets (given as files in the arguments' dir).
 * Usage: seed_checkpoints DIR   (writes DIR/ckpt_*.bin) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cdrl/checkpoint.h"
#include "cdrl/file.h"

/* The fuzz target drops its first byte and, when it is odd, repairs length
 * and CRC; the seeds start with 0 so that they are parsed as written. */
static int write_seed(const char *dir, int index, cdrl_ckpt_writer *w)
{
    void *bytes;
    size_t size;
    cdrl_error err;
    char path[CDRL_PATH_MAX];
    if (cdrl_ckpt_serialize(w, &bytes, &size, &err))
        return 1;
    unsigned char *seed = malloc(size + 1);
    seed[0] = 0;
    memcpy(seed + 1, bytes, size);
    snprintf(path, sizeof path, "%s/ckpt_%d.bin", dir, index);
    int rc = cdrl_write_file_atomic(path, seed, size + 1, &err);
    free(seed);
    free(bytes);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: seed_checkpoints DIR\n");
        return 2;
    }
    float params[64];
    for (int i = 0; i < 64; i++)
        params[i] = (float)i / 8.0f;
    cdrl_ckpt_writer *w;
    cdrl_error err;
    int rc = 0;
    for (int shape = 0; shape < 3 && rc == 0; shape++) {
        rc = cdrl_ckpt_writer_create(shape ? "mb" : "pg", 0x1234u + (unsigned)shape, &w, &err);
        if (rc)
            break;
        for (int s = 0; s <= shape && rc == 0; s++) {
            char name[32];
            snprintf(name, sizeof name, "section.%d", s);
            rc = cdrl_ckpt_add(w, name, params, sizeof(float) * (size_t)(8 << s), &err);
        }
        if (rc == 0)
            rc = write_seed(argv[1], shape, w);
        cdrl_ckpt_writer_free(w);
    }
    if (rc)
        fprintf(stderr, "seed_checkpoints: %s\n", err.msg);
    return rc ? 1 : 0;
}
