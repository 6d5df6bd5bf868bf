/* Tests of the PNG writer: its files decode, with a decoder written here
 * from the PNG and deflate specifications (RFC 2083, RFC 1951), independent
 * of the writer: chunk CRCs, the zlib header and Adler-32, stored and
 * fixed-Huffman blocks, and the pixels themselves. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cdrl/rng.h"
#include "cdrl/viz.h"

/* ---- A small inflate for the block types the writer may emit ---- */

typedef struct {
    const uint8_t *p;
    size_t len, pos; /* pos counts bits */
    int bad;
} bit_reader;

static uint32_t get_bits(bit_reader *br, int n)
{
    uint32_t v = 0;
    for (int i = 0; i < n; i++) {
        if (br->pos / 8 >= br->len) {
            br->bad = 1;
            return 0;
        }
        v |= (uint32_t)(br->p[br->pos / 8] >> (br->pos % 8) & 1) << i;
        br->pos++;
    }
    return v;
}

/* Fixed literal/length code (RFC 1951, 3.2.6), read bit by bit, MSB first. */
static int get_fixed_litlen(bit_reader *br)
{
    uint32_t code = 0;
    for (int len = 1; len <= 9; len++) {
        code = code << 1 | get_bits(br, 1);
        if (len == 7 && code <= 23)
            return 256 + (int)code;
        if (len == 8 && code >= 48 && code <= 191)
            return (int)code - 48;
        if (len == 8 && code >= 192 && code <= 199)
            return 280 + (int)code - 192;
        if (len == 9 && code >= 400)
            return 144 + (int)code - 400;
    }
    br->bad = 1;
    return -1;
}

static const int len_base[] = {3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27,
                               31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258};
static const int len_bits[] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
static const int dist_base[] = {1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769,
                                1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577};
static const int dist_bits[] = {0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8,
                                9, 9, 10, 10, 11, 11, 12, 12, 13, 13};

/* Inflates into out (capacity cap); returns the length or -1. *saw_fixed
 * and *saw_stored report which block types occurred. */
static long inflate_simple(const uint8_t *src, size_t n, uint8_t *out, size_t cap, int *saw_stored,
                           int *saw_fixed)
{
    bit_reader br = {src, n, 0, 0};
    size_t o = 0;
    int final;
    do {
        final = (int)get_bits(&br, 1);
        int type = (int)get_bits(&br, 2);
        if (type == 0) {
            *saw_stored = 1;
            br.pos = (br.pos + 7) / 8 * 8;
            uint32_t len = get_bits(&br, 16), nlen = get_bits(&br, 16);
            if ((len ^ 0xFFFF) != nlen || br.pos / 8 + len > n || o + len > cap)
                return -1;
            memcpy(out + o, src + br.pos / 8, len);
            o += len;
            br.pos += 8 * (size_t)len;
        } else if (type == 1) {
            *saw_fixed = 1;
            for (;;) {
                int sym = get_fixed_litlen(&br);
                if (br.bad)
                    return -1;
                if (sym < 256) {
                    if (o >= cap)
                        return -1;
                    out[o++] = (uint8_t)sym;
                } else if (sym == 256) {
                    break;
                } else {
                    int li = sym - 257;
                    if (li > 28)
                        return -1;
                    size_t length = (size_t)len_base[li] + get_bits(&br, len_bits[li]);
                    uint32_t dcode = 0;
                    for (int i = 0; i < 5; i++)
                        dcode = dcode << 1 | get_bits(&br, 1);
                    if (dcode > 29)
                        return -1;
                    size_t dist = (size_t)dist_base[dcode] + get_bits(&br, dist_bits[dcode]);
                    if (dist > o || o + length > cap)
                        return -1;
                    for (size_t k = 0; k < length; k++, o++)
                        out[o] = out[o - dist];
                }
            }
        } else {
            return -1;
        }
        if (br.bad)
            return -1;
    } while (!final);
    return (long)o;
}

static uint32_t be32(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }

static uint32_t ref_crc32(const uint8_t *p, size_t n)
{
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1)));
    }
    return ~c;
}

static uint32_t ref_adler32(const uint8_t *p, size_t n)
{
    uint64_t a = 1, b = 0;
    for (size_t i = 0; i < n; i++) {
        a = (a + p[i]) % 65521;
        b = (b + a) % 65521;
    }
    return (uint32_t)(b << 16 | a);
}

/* Decodes a PNG made by the writer (8-bit RGB, filter 0) into rgb, checking
 * every structural rule on the way; fails the test at the first break. */
static void decode_png(const uint8_t *png, size_t len, int width, int height, uint8_t *rgb, int *saw_stored,
                       int *saw_fixed)
{
    static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    assert_true(len > 8);
    assert_memory_equal(png, sig, 8);
    size_t pos = 8;
    uint8_t *idat = NULL;
    size_t idat_len = 0;
    int seen_ihdr = 0, seen_iend = 0;
    while (pos + 12 <= len && !seen_iend) {
        uint32_t n = be32(png + pos);
        assert_true(pos + 12 + n <= len);
        const uint8_t *type = png + pos + 4, *data = png + pos + 8;
        assert_int_equal(be32(data + n), ref_crc32(type, n + 4));
        if (!memcmp(type, "IHDR", 4)) {
            assert_int_equal(n, 13);
            assert_int_equal(be32(data), (uint32_t)width);
            assert_int_equal(be32(data + 4), (uint32_t)height);
            assert_int_equal(data[8], 8); /* bit depth */
            assert_int_equal(data[9], 2); /* RGB */
            assert_int_equal(data[12], 0);
            seen_ihdr = 1;
        } else if (!memcmp(type, "IDAT", 4)) {
            assert_true(seen_ihdr);
            idat = realloc(idat, idat_len + n);
            memcpy(idat + idat_len, data, n);
            idat_len += n;
        } else if (!memcmp(type, "IEND", 4)) {
            seen_iend = 1;
        }
        pos += 12 + n;
    }
    assert_true(seen_iend);
    assert_int_equal(pos, len);
    assert_non_null(idat);
    /* zlib: CM = 8, window <= 32K, header check, no dictionary */
    assert_int_equal(idat[0] & 0x0F, 8);
    assert_int_equal((idat[0] << 8 | idat[1]) % 31, 0);
    assert_int_equal(idat[1] & 0x20, 0);
    size_t raw_cap = (size_t)height * ((size_t)width * 3 + 1);
    uint8_t *raw = malloc(raw_cap + 1);
    long got = inflate_simple(idat + 2, idat_len - 6, raw, raw_cap + 1, saw_stored, saw_fixed);
    assert_int_equal(got, (long)raw_cap);
    assert_int_equal(be32(idat + idat_len - 4), ref_adler32(raw, raw_cap));
    for (int y = 0; y < height; y++) {
        const uint8_t *row = raw + (size_t)y * ((size_t)width * 3 + 1);
        assert_int_equal(row[0], 0);
        memcpy(rgb + (size_t)y * (size_t)width * 3, row + 1, (size_t)width * 3);
    }
    free(raw);
    free(idat);
}

/* Pixels with both flat runs (which the compressor turns into matches) and
 * noise (which stays literal), so both code paths are exercised. */
static uint8_t *test_image(int w, int h)
{
    uint8_t *rgb = malloc((size_t)w * (size_t)h * 3);
    cdrl_rng rng;
    cdrl_rng_seed(&rng, 8, 0);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            uint8_t *p = rgb + ((size_t)y * (size_t)w + (size_t)x) * 3;
            int noisy = (x / 16 + y / 16) % 3 == 0;
            for (int c = 0; c < 3; c++)
                p[c] = noisy ? (uint8_t)cdrl_rng_u64(&rng) : (uint8_t)(40 * c + (x > w / 2) * 100);
        }
    return rgb;
}

static void roundtrip(int w, int h, int compress)
{
    uint8_t *rgb = test_image(w, h);
    uint8_t *png = NULL, *back = malloc((size_t)w * (size_t)h * 3);
    size_t len = 0;
    cdrl_error err = {0};
    assert_int_equal(cdrl_viz_png_encode(rgb, w, h, compress, &png, &len, &err), 0);
    int saw_stored = 0, saw_fixed = 0;
    decode_png(png, len, w, h, back, &saw_stored, &saw_fixed);
    assert_memory_equal(back, rgb, (size_t)w * (size_t)h * 3);
    assert_int_equal(saw_fixed, compress != 0);
    assert_int_equal(saw_stored, compress == 0);
    if (compress && w * h >= 100) /* the flat two thirds were matched, not spelled out */
        assert_true(len < (size_t)w * (size_t)h * 3 * 2 / 3);
    free(png);
    free(back);
    free(rgb);
}

static void stored_blocks_decode(void **state)
{
    (void)state;
    roundtrip(37, 23, 0);
    roundtrip(300, 100, 0); /* > 65535 bytes: several stored blocks */
}

static void compressed_blocks_decode(void **state)
{
    (void)state;
    roundtrip(1, 1, 1);
    roundtrip(37, 23, 1);
    roundtrip(640, 200, 1); /* longer than the 32 KiB window */
}

static void invalid_size_is_an_error(void **state)
{
    (void)state;
    uint8_t px[3] = {0};
    uint8_t *png = (uint8_t *)1;
    size_t len = 1;
    cdrl_error err = {0};
    assert_int_equal(cdrl_viz_png_encode(px, 0, 1, 1, &png, &len, &err), CDRL_EINVAL);
    assert_null(png);
    assert_non_null(strstr(err.msg, "0x1"));
}

static void file_is_written_whole_and_alone(void **state)
{
    (void)state;
    char dir[] = "/tmp/cdrl_test_viz_png_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/picture.png", dir);
    cdrl_viz_canvas *canvas = NULL;
    cdrl_error err = {0};
    assert_int_equal(cdrl_viz_canvas_create(64, 48, &canvas, &err), 0);
    cdrl_viz_fill_rect(canvas, (cdrl_viz_rect){10, 5, 20, 30}, 0x3366CCu);
    assert_int_equal(cdrl_viz_canvas_write_png(canvas, path, &err), 0);

    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static uint8_t buf[1 << 16];
    size_t len = fread(buf, 1, sizeof buf, f);
    fclose(f);
    uint8_t rgb[64 * 48 * 3];
    int saw_stored = 0, saw_fixed = 0;
    decode_png(buf, len, 64, 48, rgb, &saw_stored, &saw_fixed);
    const uint8_t *inside = rgb + (10 * 64 + 15) * 3, *outside = rgb + (40 * 64 + 15) * 3;
    assert_int_equal(inside[0], 0x33);
    assert_int_equal(inside[1], 0x66);
    assert_int_equal(inside[2], 0xCC);
    assert_int_equal(outside[0], 0xFF);

    /* only the picture is left: no temporary file beside it */
    DIR *d = opendir(dir);
    int entries = 0;
    for (struct dirent *e; (e = readdir(d));)
        entries += e->d_name[0] != '.';
    closedir(d);
    assert_int_equal(entries, 1);

    snprintf(path, sizeof path, "%s/missing/picture.png", dir);
    assert_int_equal(cdrl_viz_canvas_write_png(canvas, path, &err), CDRL_EIO);
    assert_non_null(strstr(err.msg, "missing/picture.png"));
    cdrl_viz_canvas_free(canvas);
    snprintf(path, sizeof path, "%s/picture.png", dir);
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(stored_blocks_decode),
        cmocka_unit_test(compressed_blocks_decode),
        cmocka_unit_test(invalid_size_is_an_error),
        cmocka_unit_test(file_is_written_whole_and_alone),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
