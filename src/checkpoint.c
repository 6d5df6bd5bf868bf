/* Checkpoints: a versioned container of named byte sections (format in
 * include/cdrl/checkpoint.h).
 *
 * The reader trusts nothing: it checks the magic, the version, the declared
 * length against the real one and the CRC before it looks at a single section
 * header, and then still bounds-checks every length it reads, because a file
 * with a valid CRC can have been written by a buggy or hostile writer. */
#include "cdrl/checkpoint.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cdrl/file.h"

/* magic, version, reserved, total_size, config_hash */
#define HEADER_FIXED_BYTES (8 + 4 + 4 + 8 + 8)
#define CRC_BYTES 4
/* Checkpoints hold networks, optimizer moments and buffers of small control
 * tasks; anything larger is not one of ours. */
#define CKPT_MAX_BYTES ((size_t)1 << 32)

typedef struct {
    char name[CDRL_CKPT_NAME_MAX + 1];
    unsigned char *data; /* writer: owned copy; reader: points into the file */
    size_t size;
} section;

struct cdrl_ckpt_writer {
    char kind[CDRL_CKPT_NAME_MAX + 1];
    uint64_t config_hash;
    section *sections;
    int n_sections, cap_sections;
};

struct cdrl_ckpt {
    char kind[CDRL_CKPT_NAME_MAX + 1];
    uint64_t config_hash;
    unsigned char *bytes; /* the whole file */
    section *sections;
    int n_sections;
};

/* ---- Little-endian fields --------------------------------------------------- */

static void put_u32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static void put_u64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t get_u32(const unsigned char *p)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++)
        v |= (uint32_t)p[i] << (8 * i);
    return v;
}

static uint64_t get_u64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

/* ---- Writing ---------------------------------------------------------------- */

static int check_name(const char *what, const char *name, cdrl_error *err)
{
    size_t n = strlen(name);
    if (n == 0 || n > CDRL_CKPT_NAME_MAX)
        return cdrl_errorf(err, CDRL_EINVAL, "checkpoint %s '%s': must be 1 to %d bytes", what, name,
                           CDRL_CKPT_NAME_MAX);
    return 0;
}

int cdrl_ckpt_writer_create(const char *kind, uint64_t config_hash, cdrl_ckpt_writer **out,
                            cdrl_error *err)
{
    *out = NULL;
    int rc = check_name("kind", kind, err);
    if (rc)
        return rc;
    cdrl_ckpt_writer *w = calloc(1, sizeof *w);
    if (!w)
        return cdrl_errorf(err, CDRL_ENOMEM, "checkpoint: out of memory");
    snprintf(w->kind, sizeof w->kind, "%s", kind);
    w->config_hash = config_hash;
    *out = w;
    return 0;
}

int cdrl_ckpt_add(cdrl_ckpt_writer *w, const char *name, const void *data, size_t size,
                  cdrl_error *err)
{
    int rc = check_name("section name", name, err);
    if (rc)
        return rc;
    for (int i = 0; i < w->n_sections; i++)
        if (strcmp(w->sections[i].name, name) == 0)
            return cdrl_errorf(err, CDRL_EINVAL, "checkpoint section '%s' added twice", name);
    if (w->n_sections >= CDRL_CKPT_MAX_SECTIONS)
        return cdrl_errorf(err, CDRL_EINVAL, "checkpoint: more than %d sections", CDRL_CKPT_MAX_SECTIONS);
    if (w->n_sections == w->cap_sections) {
        int cap = w->cap_sections ? 2 * w->cap_sections : 16;
        section *grown = realloc(w->sections, (size_t)cap * sizeof *grown);
        if (!grown)
            return cdrl_errorf(err, CDRL_ENOMEM, "checkpoint: out of memory");
        w->sections = grown;
        w->cap_sections = cap;
    }
    section *s = &w->sections[w->n_sections];
    s->data = malloc(size ? size : 1);
    if (!s->data)
        return cdrl_errorf(err, CDRL_ENOMEM, "checkpoint section '%s': out of memory for %zu bytes",
                           name, size);
    if (size)
        memcpy(s->data, data, size);
    s->size = size;
    snprintf(s->name, sizeof s->name, "%s", name);
    w->n_sections++;
    return 0;
}

int cdrl_ckpt_serialize(const cdrl_ckpt_writer *w, void **data, size_t *size, cdrl_error *err)
{
    *data = NULL;
    *size = 0;
    size_t kind_len = strlen(w->kind);
    size_t total = HEADER_FIXED_BYTES + 4 + kind_len + 4 + CRC_BYTES;
    for (int i = 0; i < w->n_sections; i++)
        total += 4 + strlen(w->sections[i].name) + 8 + w->sections[i].size;
    unsigned char *buf = malloc(total);
    if (!buf)
        return cdrl_errorf(err, CDRL_ENOMEM, "checkpoint: out of memory for %zu bytes", total);
    unsigned char *p = buf;
    memcpy(p, CDRL_CKPT_MAGIC, 8), p += 8;
    put_u32(p, CDRL_CKPT_VERSION), p += 4;
    put_u32(p, 0), p += 4;
    put_u64(p, (uint64_t)total), p += 8;
    put_u64(p, w->config_hash), p += 8;
    put_u32(p, (uint32_t)kind_len), p += 4;
    memcpy(p, w->kind, kind_len), p += kind_len;
    put_u32(p, (uint32_t)w->n_sections), p += 4;
    for (int i = 0; i < w->n_sections; i++) {
        const section *s = &w->sections[i];
        size_t name_len = strlen(s->name);
        put_u32(p, (uint32_t)name_len), p += 4;
        memcpy(p, s->name, name_len), p += name_len;
        put_u64(p, (uint64_t)s->size), p += 8;
        if (s->size)
            memcpy(p, s->data, s->size);
        p += s->size;
    }
    put_u32(p, cdrl_crc32(0, buf, total - CRC_BYTES));
    *data = buf;
    *size = total;
    return 0;
}

int cdrl_ckpt_commit(cdrl_ckpt_writer *w, const char *path, cdrl_error *err)
{
    void *bytes;
    size_t size;
    int rc = cdrl_ckpt_serialize(w, &bytes, &size, err);
    if (rc)
        return rc;
    rc = cdrl_write_file_atomic(path, bytes, size, err);
    free(bytes);
    return rc;
}

void cdrl_ckpt_writer_free(cdrl_ckpt_writer *w)
{
    if (!w)
        return;
    for (int i = 0; i < w->n_sections; i++)
        free(w->sections[i].data);
    free(w->sections);
    free(w);
}

/* ---- Reading ---------------------------------------------------------------- */

/* A cursor over the validated file; every read checks the bytes are there. */
typedef struct {
    const unsigned char *p;
    size_t left;
} cursor;

static int take(cursor *c, size_t n, const unsigned char **out)
{
    if (n > c->left)
        return -1;
    *out = c->p;
    c->p += n;
    c->left -= n;
    return 0;
}

/* Reads a u32 length then that many bytes as a name: 1..CDRL_CKPT_NAME_MAX
 * bytes with no NUL inside. */
static int take_name(cursor *c, char out[CDRL_CKPT_NAME_MAX + 1])
{
    const unsigned char *f;
    if (take(c, 4, &f))
        return -1;
    uint32_t len = get_u32(f);
    if (len == 0 || len > CDRL_CKPT_NAME_MAX || take(c, len, &f) || memchr(f, 0, len))
        return -1;
    memcpy(out, f, len);
    out[len] = '\0';
    return 0;
}

/* Parses the checkpoint in ck->bytes[size] into ck's fields. */
static int parse(cdrl_ckpt *ck, size_t size, const char *name, cdrl_error *err)
{
    const unsigned char *b = ck->bytes;
    if (size < 8 || memcmp(b, CDRL_CKPT_MAGIC, 8) != 0)
        return cdrl_errorf(err, CDRL_ECORRUPT, "%s: not a cdrl checkpoint (wrong magic bytes)", name);
    if (size < 12)
        return cdrl_errorf(err, CDRL_ECORRUPT, "%s: truncated: %zu bytes, the header alone needs %d",
                           name, size, HEADER_FIXED_BYTES);
    uint32_t version = get_u32(b + 8);
    if (version != CDRL_CKPT_VERSION)
        return cdrl_errorf(err, CDRL_ECORRUPT, "%s: checkpoint format version %u, this build reads %u",
                           name, version, CDRL_CKPT_VERSION);
    if (size < HEADER_FIXED_BYTES)
        return cdrl_errorf(err, CDRL_ECORRUPT, "%s: truncated: %zu bytes, the header alone needs %d",
                           name, size, HEADER_FIXED_BYTES);
    uint64_t total = get_u64(b + 16);
    if (total < size)
        return cdrl_errorf(err, CDRL_ECORRUPT, "%s: %zu bytes, the header says %llu: trailing garbage",
                           name, size, (unsigned long long)total);
    if (total > size)
        return cdrl_errorf(err, CDRL_ECORRUPT, "%s: truncated: %zu of %llu bytes", name, size,
                           (unsigned long long)total);
    if (size < HEADER_FIXED_BYTES + CRC_BYTES)
        return cdrl_errorf(err, CDRL_ECORRUPT, "%s: malformed: too short for a checkpoint", name);
    uint32_t stored = get_u32(b + size - CRC_BYTES);
    uint32_t computed = cdrl_crc32(0, b, size - CRC_BYTES);
    if (stored != computed)
        return cdrl_errorf(err, CDRL_ECORRUPT, "%s: checksum mismatch (file damaged)", name);

    ck->config_hash = get_u64(b + 24);
    cursor c = {b + HEADER_FIXED_BYTES, size - HEADER_FIXED_BYTES - CRC_BYTES};
    const unsigned char *f;
    if (take_name(&c, ck->kind))
        return cdrl_errorf(err, CDRL_ECORRUPT, "%s: malformed: bad kind field", name);
    if (take(&c, 4, &f))
        return cdrl_errorf(err, CDRL_ECORRUPT, "%s: malformed: no section count", name);
    uint32_t n = get_u32(f);
    /* Each section takes at least 4 + 1 + 8 bytes: a count the rest of the
     * file cannot hold is rejected before allocating for it. */
    if (n > CDRL_CKPT_MAX_SECTIONS || (size_t)n * 13 > c.left)
        return cdrl_errorf(err, CDRL_ECORRUPT, "%s: malformed: %u sections", name, n);
    ck->sections = calloc(n ? n : 1, sizeof *ck->sections);
    if (!ck->sections)
        return cdrl_errorf(err, CDRL_ENOMEM, "%s: out of memory", name);
    for (uint32_t i = 0; i < n; i++) {
        section *s = &ck->sections[i];
        if (take_name(&c, s->name) || take(&c, 8, &f))
            return cdrl_errorf(err, CDRL_ECORRUPT, "%s: malformed: bad header of section %u", name, i);
        uint64_t len = get_u64(f);
        if (len > c.left || take(&c, (size_t)len, &f))
            return cdrl_errorf(err, CDRL_ECORRUPT, "%s: malformed: section '%s' overruns the file",
                               name, s->name);
        s->data = (unsigned char *)f;
        s->size = (size_t)len;
        for (uint32_t j = 0; j < i; j++)
            if (strcmp(ck->sections[j].name, s->name) == 0)
                return cdrl_errorf(err, CDRL_ECORRUPT, "%s: malformed: section '%s' appears twice",
                                   name, s->name);
        ck->n_sections = (int)i + 1;
    }
    if (c.left != 0)
        return cdrl_errorf(err, CDRL_ECORRUPT, "%s: malformed: %zu stray bytes after the sections",
                           name, c.left);
    return 0;
}

int cdrl_ckpt_open_memory(const void *data, size_t size, const char *name, cdrl_ckpt **out,
                          cdrl_error *err)
{
    *out = NULL;
    cdrl_ckpt *ck = calloc(1, sizeof *ck);
    if (!ck)
        return cdrl_errorf(err, CDRL_ENOMEM, "%s: out of memory", name);
    ck->bytes = malloc(size ? size : 1);
    if (!ck->bytes) {
        free(ck);
        return cdrl_errorf(err, CDRL_ENOMEM, "%s: out of memory for %zu bytes", name, size);
    }
    if (size)
        memcpy(ck->bytes, data, size);
    int rc = parse(ck, size, name, err);
    if (rc) {
        cdrl_ckpt_free(ck);
        return rc;
    }
    *out = ck;
    return 0;
}

int cdrl_ckpt_open(const char *path, cdrl_ckpt **out, cdrl_error *err)
{
    char *bytes;
    size_t size;
    *out = NULL;
    int rc = cdrl_read_file(path, CKPT_MAX_BYTES, &bytes, &size, err);
    if (rc)
        return rc;
    cdrl_ckpt *ck = calloc(1, sizeof *ck);
    if (!ck) {
        free(bytes);
        return cdrl_errorf(err, CDRL_ENOMEM, "%s: out of memory", path);
    }
    ck->bytes = (unsigned char *)bytes;
    rc = parse(ck, size, path, err);
    if (rc) {
        cdrl_ckpt_free(ck);
        return rc;
    }
    *out = ck;
    return 0;
}

void cdrl_ckpt_free(cdrl_ckpt *ck)
{
    if (!ck)
        return;
    free(ck->sections);
    free(ck->bytes);
    free(ck);
}

const char *cdrl_ckpt_kind(const cdrl_ckpt *ck)
{
    return ck->kind;
}

uint64_t cdrl_ckpt_config_hash(const cdrl_ckpt *ck)
{
    return ck->config_hash;
}

int cdrl_ckpt_check(const cdrl_ckpt *ck, const char *kind, uint64_t config_hash, cdrl_error *err)
{
    if (strcmp(ck->kind, kind) != 0)
        return cdrl_errorf(err, CDRL_ECORRUPT, "checkpoint was written by agent %s, not %s", ck->kind,
                           kind);
    if (ck->config_hash != config_hash)
        return cdrl_errorf(err, CDRL_ECORRUPT,
                           "checkpoint was written with a different config (hash 0x%016llx, this "
                           "config 0x%016llx)",
                           (unsigned long long)ck->config_hash, (unsigned long long)config_hash);
    return 0;
}

static const section *find(const cdrl_ckpt *ck, const char *name)
{
    for (int i = 0; i < ck->n_sections; i++)
        if (strcmp(ck->sections[i].name, name) == 0)
            return &ck->sections[i];
    return NULL;
}

int cdrl_ckpt_has(const cdrl_ckpt *ck, const char *name)
{
    return find(ck, name) != NULL;
}

int cdrl_ckpt_read(const cdrl_ckpt *ck, const char *name, void *dst, size_t size, cdrl_error *err)
{
    const section *s = find(ck, name);
    if (!s)
        return cdrl_errorf(err, CDRL_ECORRUPT, "checkpoint has no section '%s'", name);
    if (s->size != size)
        return cdrl_errorf(err, CDRL_ECORRUPT,
                           "checkpoint section '%s' holds %zu bytes, expected %zu: mismatched "
                           "network shapes or state sizes",
                           name, s->size, size);
    if (size)
        memcpy(dst, s->data, size);
    return 0;
}

int cdrl_ckpt_get(const cdrl_ckpt *ck, const char *name, const void **data, size_t *size,
                  cdrl_error *err)
{
    const section *s = find(ck, name);
    if (!s) {
        *data = NULL;
        *size = 0;
        return cdrl_errorf(err, CDRL_ECORRUPT, "checkpoint has no section '%s'", name);
    }
    *data = s->data;
    *size = s->size;
    return 0;
}

int cdrl_ckpt_section_count(const cdrl_ckpt *ck)
{
    return ck->n_sections;
}

const char *cdrl_ckpt_section_name(const cdrl_ckpt *ck, int i)
{
    return i >= 0 && i < ck->n_sections ? ck->sections[i].name : NULL;
}

int cdrl_ckpt_add_sections(cdrl_ckpt_writer *w, const cdrl_ckpt_section *sections, int n, cdrl_error *err)
{
    int rc = 0;
    for (int i = 0; i < n && !rc; i++)
        rc = cdrl_ckpt_add(w, sections[i].name, sections[i].data, sections[i].size, err);
    return rc;
}

int cdrl_ckpt_read_sections(const cdrl_ckpt *ck, const cdrl_ckpt_section *sections, int n, cdrl_error *err)
{
    int rc = 0;
    for (int i = 0; i < n && !rc; i++)
        rc = cdrl_ckpt_read(ck, sections[i].name, sections[i].data, sections[i].size, err);
    return rc;
}
