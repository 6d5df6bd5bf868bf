/* Checkpoints: a versioned binary container of named sections.
 *
 * An agent saves everything a resumed run needs to continue exactly as an
 * uninterrupted one would — parameters, optimizer moments, generator states,
 * buffers, counters, CSV row counts — as named byte sections:
 *
 *     cdrl_ckpt_writer *w;
 *     cdrl_ckpt_writer_create("pg", config_hash, &w, err);
 *     cdrl_ckpt_add(w, "policy.params", params, n_params * sizeof(float), err);
 *     cdrl_ckpt_add(w, "rng.env", &rng, sizeof rng, err);
 *     cdrl_ckpt_commit(w, path, err);     // atomic: temp file, fsync, rename
 *     cdrl_ckpt_writer_free(w);
 *
 * and reads them back by name with the exact size it expects. Reading checks
 * the whole file (magic, format version, declared length, checksum, every
 * section's bounds) before anything is handed out, so a truncated, corrupted
 * or foreign file is a clean error and never a crash, whatever its bytes.
 *
 * File layout (all integers little-endian):
 *     "CDRLCKPT"              8 bytes magic
 *     u32 version             CDRL_CKPT_VERSION
 *     u32 reserved            0
 *     u64 total_size          length of the whole file in bytes
 *     u64 config_hash         cdrl_config_hash of the run's resolved config
 *     u32 kind_len, kind      who wrote it ("pg", "mb"), 1..CDRL_CKPT_NAME_MAX bytes
 *     u32 n_sections
 *     n_sections times:
 *         u32 name_len, name  1..CDRL_CKPT_NAME_MAX bytes, unique
 *         u64 size, bytes     the section's contents
 *     u32 crc32               CRC-32 (IEEE) of every byte before it
 *
 * Sections are raw bytes in the writer's native layout (floats, doubles,
 * cdrl_rng structs): a checkpoint is for resuming on the same build and
 * machine type, not an exchange format. Network shapes are guarded by the
 * exact-size reads: store the shapes as a section too (e.g. "policy.shape")
 * so the message can say which dimension differs. */
#ifndef CDRL_CHECKPOINT_H
#define CDRL_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

#include "cdrl/error.h"

#define CDRL_CKPT_MAGIC "CDRLCKPT"
#define CDRL_CKPT_VERSION 1u
#define CDRL_CKPT_NAME_MAX 64   /* longest kind or section name, in bytes */
#define CDRL_CKPT_MAX_SECTIONS 4096

/* ---- Writing --------------------------------------------------------------- */

typedef struct cdrl_ckpt_writer cdrl_ckpt_writer;

/* Starts an empty checkpoint of `kind` ("pg") for a run whose resolved config
 * hashes to `config_hash`. Free with cdrl_ckpt_writer_free. */
int cdrl_ckpt_writer_create(const char *kind, uint64_t config_hash, cdrl_ckpt_writer **out,
                            cdrl_error *err);

/* Adds a section; the `size` bytes at `data` are copied, so the caller may
 * change them right after. A name that is empty, too long or already added is
 * CDRL_EINVAL. size 0 is allowed (data may then be NULL). */
int cdrl_ckpt_add(cdrl_ckpt_writer *w, const char *name, const void *data, size_t size,
                  cdrl_error *err);

/* A section as data: an agent lists its sections in one table that both its
 * save (cdrl_ckpt_add_sections) and its load (cdrl_ckpt_read_sections)
 * walk, so the two cannot disagree on names, order or sizes. */
typedef struct {
    const char *name;
    void *data;
    size_t size;
} cdrl_ckpt_section;

/* cdrl_ckpt_add of each of the n sections, in order; stops at the first error. */
int cdrl_ckpt_add_sections(cdrl_ckpt_writer *w, const cdrl_ckpt_section *sections, int n, cdrl_error *err);

/* Writes the checkpoint to `path` atomically: a temporary file in the same
 * directory, fsync, rename over `path`, fsync of the directory. If anything
 * fails the previous file at `path` is left as it was. The writer can be
 * committed again (e.g. to a second path). */
int cdrl_ckpt_commit(cdrl_ckpt_writer *w, const char *path, cdrl_error *err);

/* The serialized bytes, as cdrl_ckpt_commit would write them. Sets *data to a
 * malloc'd buffer the caller frees. For tests and the fuzzer's seed corpus. */
int cdrl_ckpt_serialize(const cdrl_ckpt_writer *w, void **data, size_t *size, cdrl_error *err);

void cdrl_ckpt_writer_free(cdrl_ckpt_writer *w);

/* ---- Reading --------------------------------------------------------------- */

typedef struct cdrl_ckpt cdrl_ckpt;

/* Reads and validates the checkpoint at `path`. Errors name the path:
 *   missing or unreadable file              CDRL_EIO
 *   not a cdrl checkpoint (magic)           CDRL_ECORRUPT
 *   unsupported format version              CDRL_ECORRUPT "format version 7, this build reads 1"
 *   truncated                               CDRL_ECORRUPT "truncated: 1000 of 5000 bytes"
 *   checksum mismatch, malformed sections   CDRL_ECORRUPT
 * Free with cdrl_ckpt_free. */
int cdrl_ckpt_open(const char *path, cdrl_ckpt **out, cdrl_error *err);

/* As cdrl_ckpt_open, from `size` bytes in memory (copied); `name` stands for
 * the path in messages. The fuzz target's entry point. */
int cdrl_ckpt_open_memory(const void *data, size_t size, const char *name, cdrl_ckpt **out,
                          cdrl_error *err);

void cdrl_ckpt_free(cdrl_ckpt *ck);

/* The kind string and config hash stored in the header (kind owned by ck). */
const char *cdrl_ckpt_kind(const cdrl_ckpt *ck);
uint64_t cdrl_ckpt_config_hash(const cdrl_ckpt *ck);

/* Checks that the checkpoint was written by `kind` for a run whose config
 * hashes to `config_hash`. CDRL_ECORRUPT "... was written by agent mb, not pg"
 * or "... was written with a different config (hash 0x..., expected 0x...)". */
int cdrl_ckpt_check(const cdrl_ckpt *ck, const char *kind, uint64_t config_hash, cdrl_error *err);

/* 1 if a section named `name` exists, else 0. */
int cdrl_ckpt_has(const cdrl_ckpt *ck, const char *name);

/* Copies section `name`, which must hold exactly `size` bytes, into dst.
 * Missing section: CDRL_ECORRUPT "no section 'policy.params'". Other size:
 * CDRL_ECORRUPT "section 'policy.params' holds 1024 bytes, expected 2048:
 * mismatched network shapes or state sizes". */
int cdrl_ckpt_read(const cdrl_ckpt *ck, const char *name, void *dst, size_t size, cdrl_error *err);

/* cdrl_ckpt_read of each of the n sections, in order; stops at the first error. */
int cdrl_ckpt_read_sections(const cdrl_ckpt *ck, const cdrl_ckpt_section *sections, int n, cdrl_error *err);

/* Points *data at section `name` (owned by ck, valid until cdrl_ckpt_free)
 * and sets *size, for sections whose size varies (a replay buffer). Missing
 * section: CDRL_ECORRUPT. */
int cdrl_ckpt_get(const cdrl_ckpt *ck, const char *name, const void **data, size_t *size,
                  cdrl_error *err);

/* Number of sections and the name of the i-th (for listing and tests). */
int cdrl_ckpt_section_count(const cdrl_ckpt *ck);
const char *cdrl_ckpt_section_name(const cdrl_ckpt *ck, int i);

#endif
