/* Tests of the checkpoint container: what is written reads back byte for byte,
 * and every damaged, truncated or mismatched file is a clean error. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "tmp_tree.h"

#include "cdrl/checkpoint.h"
#include "cdrl/file.h"
#include "cdrl/rng.h"

#define HASH 0x0123456789abcdefull

static float params[300];
static double moments[17];
static cdrl_rng rng;

/* A writer holding three typical sections and an empty one. */
static cdrl_ckpt_writer *typical_writer(void)
{
    cdrl_ckpt_writer *w;
    cdrl_error err;
    cdrl_rng_seed(&rng, 42, 1);
    for (int i = 0; i < 300; i++)
        params[i] = (float)cdrl_rng_normal(&rng);
    for (int i = 0; i < 17; i++)
        moments[i] = cdrl_rng_uniform(&rng);
    assert_int_equal(cdrl_ckpt_writer_create("pg", HASH, &w, &err), 0);
    assert_int_equal(cdrl_ckpt_add(w, "policy.params", params, sizeof params, &err), 0);
    assert_int_equal(cdrl_ckpt_add(w, "policy.adam.m", moments, sizeof moments, &err), 0);
    assert_int_equal(cdrl_ckpt_add(w, "rng.env", &rng, sizeof rng, &err), 0);
    assert_int_equal(cdrl_ckpt_add(w, "empty", NULL, 0, &err), 0);
    return w;
}

static void typical_bytes(unsigned char **bytes, size_t *size)
{
    cdrl_ckpt_writer *w = typical_writer();
    cdrl_error err;
    void *data;
    assert_int_equal(cdrl_ckpt_serialize(w, &data, size, &err), 0);
    cdrl_ckpt_writer_free(w);
    *bytes = data;
}

/* Rewrites the trailing CRC so that a deliberately malformed body reaches the
 * section parser instead of failing the checksum. */
static void fix_crc(unsigned char *b, size_t size)
{
    uint32_t crc = cdrl_crc32(0, b, size - 4);
    for (int i = 0; i < 4; i++)
        b[size - 4 + i] = (unsigned char)(crc >> (8 * i));
}

static void expect_corrupt(const unsigned char *b, size_t size, const char *fragment)
{
    cdrl_ckpt *ck = (cdrl_ckpt *)1;
    cdrl_error err;
    cdrl_error_clear(&err);
    int rc = cdrl_ckpt_open_memory(b, size, "ck.bin", &ck, &err);
    assert_int_equal(rc, CDRL_ECORRUPT);
    assert_null(ck);
    assert_true(strncmp(err.msg, "ck.bin: ", 8) == 0);
    if (fragment && !strstr(err.msg, fragment))
        fail_msg("message '%s' lacks '%s'", err.msg, fragment);
}

static void test_crc32_known_value(void **state)
{
    (void)state;
    assert_int_equal(cdrl_crc32(0, "123456789", 9), 0xCBF43926u);
    /* Continuing from a partial CRC equals one pass. */
    assert_int_equal(cdrl_crc32(cdrl_crc32(0, "1234", 4), "56789", 5), 0xCBF43926u);
}

static void test_round_trip(void **state)
{
    (void)state;
    unsigned char *b;
    size_t size;
    typical_bytes(&b, &size);
    cdrl_ckpt *ck;
    cdrl_error err;
    assert_int_equal(cdrl_ckpt_open_memory(b, size, "ck.bin", &ck, &err), 0);
    assert_string_equal(cdrl_ckpt_kind(ck), "pg");
    assert_true(cdrl_ckpt_config_hash(ck) == HASH);
    assert_int_equal(cdrl_ckpt_check(ck, "pg", HASH, &err), 0);
    assert_int_equal(cdrl_ckpt_section_count(ck), 4);
    assert_string_equal(cdrl_ckpt_section_name(ck, 2), "rng.env");
    assert_null(cdrl_ckpt_section_name(ck, 4));
    float p[300];
    double m[17];
    cdrl_rng r;
    assert_int_equal(cdrl_ckpt_read(ck, "policy.params", p, sizeof p, &err), 0);
    assert_int_equal(cdrl_ckpt_read(ck, "policy.adam.m", m, sizeof m, &err), 0);
    assert_int_equal(cdrl_ckpt_read(ck, "rng.env", &r, sizeof r, &err), 0);
    assert_memory_equal(p, params, sizeof p);
    assert_memory_equal(m, moments, sizeof m);
    assert_true(cdrl_rng_u64(&r) == cdrl_rng_u64(&rng)); /* the generator continues identically */
    const void *data;
    size_t n;
    assert_int_equal(cdrl_ckpt_get(ck, "empty", &data, &n, &err), 0);
    assert_int_equal(n, 0);
    assert_true(cdrl_ckpt_has(ck, "rng.env"));
    assert_false(cdrl_ckpt_has(ck, "rng.planner"));
    cdrl_ckpt_free(ck);
    free(b);
}

static void test_truncated_at_every_length(void **state)
{
    (void)state;
    unsigned char *b;
    size_t size;
    typical_bytes(&b, &size);
    for (size_t len = 0; len < size; len++) {
        /* A fresh allocation of exactly len bytes lets ASan catch any read past it. */
        unsigned char *cut = malloc(len ? len : 1);
        memcpy(cut, b, len);
        expect_corrupt(cut, len, len < 8 ? "not a cdrl checkpoint" : "truncated");
        free(cut);
    }
    free(b);
}

static void test_every_flipped_byte_detected(void **state)
{
    (void)state;
    unsigned char *b;
    size_t size;
    typical_bytes(&b, &size);
    for (size_t i = 0; i < size; i++) {
        for (int bit = 0; bit < 8; bit += 3) {
            b[i] ^= (unsigned char)(1u << bit);
            expect_corrupt(b, size, NULL);
            b[i] ^= (unsigned char)(1u << bit);
        }
    }
    free(b);
}

static void test_wrong_magic_and_version(void **state)
{
    (void)state;
    unsigned char *b;
    size_t size;
    typical_bytes(&b, &size);
    b[0] = 'X';
    fix_crc(b, size);
    expect_corrupt(b, size, "not a cdrl checkpoint (wrong magic bytes)");
    b[0] = 'C';
    b[8] = 7; /* version 7 */
    fix_crc(b, size);
    expect_corrupt(b, size, "checkpoint format version 7, this build reads 1");
    b[8] = 1;
    fix_crc(b, size);
    cdrl_ckpt *ck;
    cdrl_error err;
    assert_int_equal(cdrl_ckpt_open_memory(b, size, "ck.bin", &ck, &err), 0);
    cdrl_ckpt_free(ck);
    /* Bytes appended after a whole checkpoint are not silently ignored. */
    unsigned char *longer = malloc(size + 3);
    memcpy(longer, b, size);
    memset(longer + size, 0, 3);
    expect_corrupt(longer, size + 3, "trailing garbage");
    free(longer);
    free(b);
}

/* Files with a valid checksum but a malformed body, as a buggy writer might make. */
static void test_malformed_bodies(void **state)
{
    (void)state;
    unsigned char *b;
    size_t size;
    typical_bytes(&b, &size);
    const size_t kind_at = 32, count_at = 32 + 4 + 2, first_name_at = count_at + 4;

    unsigned char *m = malloc(size);
    memcpy(m, b, size);
    m[kind_at] = 0; /* kind length 0 */
    fix_crc(m, size);
    expect_corrupt(m, size, "bad kind field");

    memcpy(m, b, size);
    m[count_at + 3] = 0x7f; /* two billion sections */
    fix_crc(m, size);
    expect_corrupt(m, size, "sections");

    memcpy(m, b, size);
    m[count_at] = 3; /* one section fewer than present: stray bytes */
    fix_crc(m, size);
    expect_corrupt(m, size, "stray bytes");

    memcpy(m, b, size);
    size_t size_at = first_name_at + 4 + strlen("policy.params");
    m[size_at + 6] = 0x10; /* a section longer than the file */
    fix_crc(m, size);
    expect_corrupt(m, size, "overruns the file");

    memcpy(m, b, size);
    m[first_name_at + 4 + 3] = '\0'; /* a NUL inside a name */
    fix_crc(m, size);
    expect_corrupt(m, size, "bad header of section 0");

    /* Second section renamed to the first's name ("policy.adam.m" and
     * "policy.params" have the same length). */
    memcpy(m, b, size);
    size_t second_name_at = size_at + 8 + sizeof params + 4;
    memcpy(m + second_name_at, "policy.params", 13);
    fix_crc(m, size);
    expect_corrupt(m, size, "appears twice");
    free(m);
    free(b);
}

static void test_size_and_config_mismatch(void **state)
{
    (void)state;
    unsigned char *b;
    size_t size;
    typical_bytes(&b, &size);
    cdrl_ckpt *ck;
    cdrl_error err;
    assert_int_equal(cdrl_ckpt_open_memory(b, size, "ck.bin", &ck, &err), 0);
    float bigger[400];
    assert_int_equal(cdrl_ckpt_read(ck, "policy.params", bigger, sizeof bigger, &err), CDRL_ECORRUPT);
    assert_string_equal(err.msg, "checkpoint section 'policy.params' holds 1200 bytes, expected 1600: "
                                 "mismatched network shapes or state sizes");
    assert_int_equal(cdrl_ckpt_read(ck, "value.params", bigger, sizeof bigger, &err), CDRL_ECORRUPT);
    assert_string_equal(err.msg, "checkpoint has no section 'value.params'");
    assert_int_equal(cdrl_ckpt_check(ck, "pg", HASH + 1, &err), CDRL_ECORRUPT);
    assert_string_equal(err.msg, "checkpoint was written with a different config (hash 0x0123456789abcdef, "
                                 "this config 0x0123456789abcdf0)");
    assert_int_equal(cdrl_ckpt_check(ck, "mb", HASH, &err), CDRL_ECORRUPT);
    assert_string_equal(err.msg, "checkpoint was written by agent pg, not mb");
    cdrl_ckpt_free(ck);
    free(b);
}

/* A table of sections written by add_sections reads back by read_sections,
 * in order; the first missing section stops the read with its error, and
 * the sections before it are read. */
static void test_section_tables(void **state)
{
    (void)state;
    int a[3] = {1, 2, 3};
    double b = 2.5;
    cdrl_ckpt_section out[] = {{"a", a, sizeof a}, {"b", &b, sizeof b}};
    cdrl_ckpt_writer *w;
    cdrl_error err;
    assert_int_equal(cdrl_ckpt_writer_create("pg", HASH, &w, &err), 0);
    assert_int_equal(cdrl_ckpt_add_sections(w, out, 2, &err), 0);
    void *bytes;
    size_t size;
    assert_int_equal(cdrl_ckpt_serialize(w, &bytes, &size, &err), 0);
    assert_int_equal(cdrl_ckpt_add_sections(w, out, 1, &err), CDRL_EINVAL); /* "a" again */
    cdrl_ckpt_writer_free(w);
    cdrl_ckpt *ck;
    assert_int_equal(cdrl_ckpt_open_memory(bytes, size, "ck.bin", &ck, &err), 0);
    assert_int_equal(cdrl_ckpt_section_count(ck), 2);
    int a2[3] = {0};
    double b2 = 0;
    cdrl_ckpt_section in[] = {{"a", a2, sizeof a2}, {"b", &b2, sizeof b2}, {"c", &b2, sizeof b2}};
    assert_int_equal(cdrl_ckpt_read_sections(ck, in, 2, &err), 0);
    assert_memory_equal(a2, a, sizeof a);
    assert_true(b2 == 2.5);
    memset(a2, 0, sizeof a2);
    assert_int_equal(cdrl_ckpt_read_sections(ck, in, 3, &err), CDRL_ECORRUPT);
    assert_string_equal(err.msg, "checkpoint has no section 'c'");
    assert_memory_equal(a2, a, sizeof a);
    cdrl_ckpt_free(ck);
    free(bytes);
}

static void test_writer_rejects_bad_names(void **state)
{
    (void)state;
    cdrl_ckpt_writer *w;
    cdrl_error err;
    assert_int_equal(cdrl_ckpt_writer_create("", 0, &w, &err), CDRL_EINVAL);
    assert_null(w);
    assert_int_equal(cdrl_ckpt_writer_create("pg", 0, &w, &err), 0);
    int x = 1;
    assert_int_equal(cdrl_ckpt_add(w, "a", &x, sizeof x, &err), 0);
    assert_int_equal(cdrl_ckpt_add(w, "a", &x, sizeof x, &err), CDRL_EINVAL);
    assert_string_equal(err.msg, "checkpoint section 'a' added twice");
    assert_int_equal(cdrl_ckpt_add(w, "", &x, sizeof x, &err), CDRL_EINVAL);
    char long_name[CDRL_CKPT_NAME_MAX + 2];
    memset(long_name, 'n', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = '\0';
    assert_int_equal(cdrl_ckpt_add(w, long_name, &x, sizeof x, &err), CDRL_EINVAL);
    cdrl_ckpt_writer_free(w);
}

static void test_commit_and_open_file(void **state)
{
    (void)state;
    char dir[] = "/tmp/cdrl_test_ckpt_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/checkpoint.bin", dir);
    cdrl_ckpt_writer *w = typical_writer();
    cdrl_error err;
    assert_int_equal(cdrl_ckpt_commit(w, path, &err), 0);
    assert_int_equal(cdrl_ckpt_commit(w, path, &err), 0); /* replacing works too */
    assert_int_equal(tmp_tree_count(dir), 1);              /* no temporary file left */
    cdrl_ckpt *ck;
    assert_int_equal(cdrl_ckpt_open(path, &ck, &err), 0);
    float p[300];
    assert_int_equal(cdrl_ckpt_read(ck, "policy.params", p, sizeof p, &err), 0);
    assert_memory_equal(p, params, sizeof p);
    cdrl_ckpt_free(ck);

    /* A failed commit leaves the old file intact. */
    char missing[300];
    snprintf(missing, sizeof missing, "%s/no/such/dir/checkpoint.bin", dir);
    assert_int_equal(cdrl_ckpt_commit(w, missing, &err), CDRL_EIO);
    assert_int_equal(cdrl_ckpt_open(path, &ck, &err), 0);
    cdrl_ckpt_free(ck);
    cdrl_ckpt_writer_free(w);

    assert_int_equal(cdrl_ckpt_open(missing, &ck, &err), CDRL_EIO);
    assert_null(ck);
    assert_non_null(strstr(err.msg, "cannot read"));
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crc32_known_value),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_truncated_at_every_length),
        cmocka_unit_test(test_every_flipped_byte_detected),
        cmocka_unit_test(test_wrong_magic_and_version),
        cmocka_unit_test(test_malformed_bodies),
        cmocka_unit_test(test_size_and_config_mismatch),
        cmocka_unit_test(test_section_tables),
        cmocka_unit_test(test_writer_rejects_bad_names),
        cmocka_unit_test(test_commit_and_open_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
