/* Tests of the PNG writer: its files decode to the pixels drawn. The chunk
 * structure and CRCs are checked by code written here from the PNG
 * specification, the image data by libpng's reader (the writer goes through
 * libpng's writer; tests/cli_viz.sh decodes the CLI's files once more with
 * Python's zlib and a filter decoder of its own). */
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

#include <png.h>

#include "cdrl/rng.h"
#include "cdrl/viz.h"

static uint32_t be32(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }

/* CRC-32 of the PNG specification, bit by bit, to check every chunk. */
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

/* Walks the chunks (signature, lengths, CRCs, IHDR first, IEND last) and
 * checks the header's size and format: 8-bit RGB, not interlaced. */
static void check_chunks(const uint8_t *png, size_t len, int width, int height)
{
    static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    assert_true(len > 8);
    assert_memory_equal(png, sig, 8);
    size_t pos = 8;
    int chunks = 0, seen_iend = 0;
    while (pos + 12 <= len && !seen_iend) {
        uint32_t n = be32(png + pos);
        assert_true(pos + 12 + n <= len);
        const uint8_t *type = png + pos + 4, *data = png + pos + 8;
        assert_int_equal(be32(data + n), ref_crc32(type, n + 4));
        if (chunks++ == 0) {
            assert_memory_equal(type, "IHDR", 4);
            assert_int_equal(n, 13);
            assert_int_equal(be32(data), (uint32_t)width);
            assert_int_equal(be32(data + 4), (uint32_t)height);
            assert_int_equal(data[8], 8);  /* bit depth */
            assert_int_equal(data[9], 2);  /* RGB */
            assert_int_equal(data[12], 0); /* not interlaced */
        }
        seen_iend = !memcmp(type, "IEND", 4);
        pos += 12 + n;
    }
    assert_true(seen_iend);
    assert_int_equal(pos, len);
}

/* Decodes with libpng's reader (its simplified API: the whole image into
 * packed RGB), which checks the zlib stream and its Adler-32 on the way. */
static void decode_png(const uint8_t *png, size_t len, int width, int height, uint8_t *rgb)
{
    check_chunks(png, len, width, height);
    png_image image;
    memset(&image, 0, sizeof image);
    image.version = PNG_IMAGE_VERSION;
    assert_int_not_equal(png_image_begin_read_from_memory(&image, png, len), 0);
    assert_int_equal(image.width, (png_uint_32)width);
    assert_int_equal(image.height, (png_uint_32)height);
    assert_int_equal(image.format & PNG_FORMAT_FLAG_ALPHA, 0);
    image.format = PNG_FORMAT_RGB;
    assert_int_not_equal(png_image_finish_read(&image, NULL, rgb, 0, NULL), 0);
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
    uint8_t *png = NULL, *again = NULL, *back = malloc((size_t)w * (size_t)h * 3);
    size_t len = 0, again_len = 0;
    cdrl_error err = {0};
    assert_int_equal(cdrl_viz_png_encode(rgb, w, h, compress, &png, &len, &err), 0);
    decode_png(png, len, w, h, back);
    assert_memory_equal(back, rgb, (size_t)w * (size_t)h * 3);
    size_t raw = (size_t)w * (size_t)h * 3;
    if (!compress) /* zlib level 0: every byte of every row is stored */
        assert_true(len > raw);
    else if (w * h >= 100) /* the flat two thirds cost next to nothing */
        assert_true(len < raw * 2 / 3);
    /* the same pixels, the same bytes */
    assert_int_equal(cdrl_viz_png_encode(rgb, w, h, compress, &again, &again_len, &err), 0);
    assert_int_equal(again_len, len);
    assert_memory_equal(again, png, len);
    free(again);
    free(png);
    free(back);
    free(rgb);
}

static void uncompressed_decodes(void **state)
{
    (void)state;
    roundtrip(37, 23, 0);
    roundtrip(300, 100, 0); /* > 65535 bytes: several stored blocks */
}

static void compressed_decodes(void **state)
{
    (void)state;
    roundtrip(1, 1, 1);
    roundtrip(37, 23, 1);
    roundtrip(640, 200, 1); /* longer than zlib's 32 KiB window */
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
    decode_png(buf, len, 64, 48, rgb);
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
        cmocka_unit_test(uncompressed_decodes),
        cmocka_unit_test(compressed_decodes),
        cmocka_unit_test(invalid_size_is_an_error),
        cmocka_unit_test(file_is_written_whole_and_alone),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
