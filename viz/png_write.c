/* PNG writer of our own, because SDL writes only BMP and a new dependency is
 * not worth one picture format. 8-bit RGB, filter 0 on every row, one IDAT
 * holding a zlib stream. Compression is a plain LZ77 with hash chains and
 * the fixed Huffman code of deflate: plots and frames are mostly flat colour,
 * where that already gets within a small factor of zlib, with a fraction of
 * the code. Stored (uncompressed) blocks are kept as an option because they
 * are trivial to check. */
#include "cdrl/file.h"
#include "viz_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Growing byte buffer and bit writer ---- */

typedef struct {
    uint8_t *data;
    size_t len, cap;
    int failed;
    uint32_t bits; /* pending bits, least significant first (deflate order) */
    int n_bits;
} bytes;

static void bytes_reserve(bytes *b, size_t extra)
{
    if (b->failed || b->len + extra <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + extra)
        cap *= 2;
    uint8_t *d = realloc(b->data, cap);
    if (!d) {
        b->failed = 1;
        return;
    }
    b->data = d;
    b->cap = cap;
}

static void put_byte(bytes *b, uint8_t v)
{
    bytes_reserve(b, 1);
    if (!b->failed)
        b->data[b->len++] = v;
}

static void put_u32be(bytes *b, uint32_t v)
{
    for (int s = 24; s >= 0; s -= 8)
        put_byte(b, (uint8_t)(v >> s));
}

static void put_bits(bytes *b, uint32_t value, int count)
{
    b->bits |= value << b->n_bits;
    b->n_bits += count;
    while (b->n_bits >= 8) {
        put_byte(b, (uint8_t)b->bits);
        b->bits >>= 8;
        b->n_bits -= 8;
    }
}

static void flush_bits(bytes *b)
{
    if (b->n_bits > 0)
        put_byte(b, (uint8_t)b->bits);
    b->bits = 0;
    b->n_bits = 0;
}

/* Huffman codes are sent most significant bit first, unlike everything else. */
static void put_code(bytes *b, uint32_t code, int length)
{
    uint32_t reversed = 0;
    for (int i = 0; i < length; i++)
        reversed |= ((code >> i) & 1u) << (length - 1 - i);
    put_bits(b, reversed, length);
}

/* ---- Checksums ---- */

/* CRC-32 is file.h's (cdrl_crc32, the zlib polynomial), the one PNG asks for. */

static uint32_t adler32(const uint8_t *p, size_t n)
{
    uint32_t a = 1, b = 0;
    while (n > 0) {
        size_t chunk = n < 5552 ? n : 5552; /* largest run without overflow */
        n -= chunk;
        while (chunk--) {
            a += *p++;
            b += a;
        }
        a %= 65521;
        b %= 65521;
    }
    return b << 16 | a;
}

/* ---- Deflate ---- */

static void deflate_stored(bytes *out, const uint8_t *src, size_t n)
{
    do {
        size_t chunk = n < 65535 ? n : 65535;
        n -= chunk;
        put_bits(out, n == 0 ? 1 : 0, 1); /* BFINAL */
        put_bits(out, 0, 2);             /* BTYPE 00: stored */
        flush_bits(out);
        put_byte(out, (uint8_t)chunk);
        put_byte(out, (uint8_t)(chunk >> 8));
        put_byte(out, (uint8_t)~chunk);
        put_byte(out, (uint8_t)(~chunk >> 8));
        bytes_reserve(out, chunk);
        if (out->failed)
            return;
        memcpy(out->data + out->len, src, chunk);
        out->len += chunk;
        src += chunk;
    } while (n > 0);
}

static void put_literal(bytes *out, int v)
{
    if (v < 144)
        put_code(out, 0x30 + (uint32_t)v, 8);
    else if (v < 256)
        put_code(out, 0x190 + (uint32_t)(v - 144), 9);
    else if (v < 280)
        put_code(out, (uint32_t)(v - 256), 7);
    else
        put_code(out, 0xC0 + (uint32_t)(v - 280), 8);
}

static const int length_base[29] = {3,  4,  5,  6,  7,  8,  9,  10, 11,  13,  15,  17,  19,  23, 27,
                                    31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258};
static const int length_extra[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2,
                                     2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
static const int dist_base[30] = {1,   2,   3,   4,   5,   7,    9,    13,   17,   25,   33,   49,   65,    97,    129,
                                  193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577};
static const int dist_extra[30] = {0, 0, 0, 0, 1, 1, 2, 2,  3,  3,  4,  4,  5,  5,  6,
                                   6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13};

static void put_match(bytes *out, int length, int distance)
{
    int i = 28;
    while (length_base[i] > length)
        i--;
    put_literal(out, 257 + i);
    put_bits(out, (uint32_t)(length - length_base[i]), length_extra[i]);
    int d = 29;
    while (dist_base[d] > distance)
        d--;
    put_code(out, (uint32_t)d, 5);
    put_bits(out, (uint32_t)(distance - dist_base[d]), dist_extra[d]);
}

#define WINDOW 32768
#define HASH_BITS 15
#define MAX_CHAIN 32
#define MIN_MATCH 3
#define MAX_MATCH 258

static uint32_t hash3(const uint8_t *p)
{
    return ((uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2]) * 2654435761u >> (32 - HASH_BITS);
}

/* Greedy LZ77: at each position take the longest match among the last
 * MAX_CHAIN positions with the same 3-byte hash, within the 32 KiB window. */
static int deflate_fixed(bytes *out, const uint8_t *src, size_t n)
{
    int32_t *head = malloc(sizeof(int32_t) << HASH_BITS);
    int32_t *prev = malloc(sizeof(int32_t) * WINDOW);
    if (!head || !prev) {
        free(head);
        free(prev);
        return -1;
    }
    for (size_t i = 0; i < (size_t)1 << HASH_BITS; i++)
        head[i] = -1;
    put_bits(out, 1, 1); /* BFINAL */
    put_bits(out, 1, 2); /* BTYPE 01: fixed Huffman */
    size_t i = 0;
    while (i < n) {
        int best_len = 0, best_dist = 0;
        if (i + MIN_MATCH <= n) {
            uint32_t h = hash3(src + i);
            int32_t cand = head[h];
            size_t max_len = n - i < MAX_MATCH ? n - i : MAX_MATCH;
            for (int chain = 0; cand >= 0 && chain < MAX_CHAIN; chain++) {
                size_t dist = i - (size_t)cand;
                if (dist > WINDOW - 1)
                    break;
                size_t len = 0;
                while (len < max_len && src[(size_t)cand + len] == src[i + len])
                    len++;
                if ((int)len > best_len) {
                    best_len = (int)len;
                    best_dist = (int)dist;
                    if (len == max_len)
                        break;
                }
                int32_t next = prev[(size_t)cand % WINDOW];
                if (next >= cand)
                    break; /* that slot has been reused by a newer position */
                cand = next;
            }
        }
        size_t advance = best_len >= MIN_MATCH ? (size_t)best_len : 1;
        if (best_len >= MIN_MATCH)
            put_match(out, best_len, best_dist);
        else
            put_literal(out, src[i]);
        for (size_t k = 0; k < advance; k++, i++) {
            if (i + MIN_MATCH <= n) {
                uint32_t h = hash3(src + i);
                prev[i % WINDOW] = head[h];
                head[h] = (int32_t)i;
            }
        }
    }
    put_literal(out, 256); /* end of block */
    flush_bits(out);
    free(head);
    free(prev);
    return 0;
}

/* ---- PNG ---- */

static void put_chunk(bytes *png, const char *type, const uint8_t *data, size_t len)
{
    put_u32be(png, (uint32_t)len);
    size_t start = png->len;
    for (int i = 0; i < 4; i++)
        put_byte(png, (uint8_t)type[i]);
    bytes_reserve(png, len);
    if (png->failed)
        return;
    if (len)
        memcpy(png->data + png->len, data, len);
    png->len += len;
    put_u32be(png, cdrl_crc32(0, png->data + start, len + 4));
}

int cdrl_viz_png_encode(const uint8_t *rgb, int width, int height, int compress, uint8_t **out,
                        size_t *out_len, cdrl_error *err)
{
    *out = NULL;
    *out_len = 0;
    if (width < 1 || height < 1 || width > 65535 || height > 65535)
        return cdrl_errorf(err, CDRL_EINVAL, "png: size %dx%d outside 1..65535", width, height);
    size_t row = (size_t)width * 3 + 1;
    size_t raw_len = row * (size_t)height;
    uint8_t *raw = malloc(raw_len);
    if (!raw)
        return cdrl_errorf(err, CDRL_ENOMEM, "png: out of memory for %dx%d pixels", width, height);
    for (int y = 0; y < height; y++) {
        raw[(size_t)y * row] = 0; /* filter: none */
        memcpy(raw + (size_t)y * row + 1, rgb + (size_t)y * (size_t)width * 3, row - 1);
    }

    bytes z = {0};
    put_byte(&z, 0x78); /* deflate, 32 KiB window */
    put_byte(&z, 0x01); /* no preset dictionary, check bits: 0x7801 % 31 == 0 */
    if (compress) {
        if (deflate_fixed(&z, raw, raw_len))
            z.failed = 1;
    } else {
        deflate_stored(&z, raw, raw_len);
    }
    put_u32be(&z, adler32(raw, raw_len));
    free(raw);

    bytes png = {0};
    static const uint8_t signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    for (int i = 0; i < 8; i++)
        put_byte(&png, signature[i]);
    uint8_t ihdr[13] = {(uint8_t)(width >> 24), (uint8_t)(width >> 16), (uint8_t)(width >> 8), (uint8_t)width,
                        (uint8_t)(height >> 24), (uint8_t)(height >> 16), (uint8_t)(height >> 8), (uint8_t)height,
                        8 /* bit depth */, 2 /* RGB */, 0, 0, 0 /* no interlace */};
    put_chunk(&png, "IHDR", ihdr, sizeof ihdr);
    if (!z.failed)
        put_chunk(&png, "IDAT", z.data, z.len);
    put_chunk(&png, "IEND", NULL, 0);
    int failed = z.failed || png.failed;
    free(z.data);
    if (failed) {
        free(png.data);
        return cdrl_errorf(err, CDRL_ENOMEM, "png: out of memory encoding %dx%d pixels", width, height);
    }
    *out = png.data;
    *out_len = png.len;
    return 0;
}

int cdrl_viz_png_write(const char *path, const uint8_t *rgb, int width, int height, cdrl_error *err)
{
    uint8_t *png;
    size_t len;
    if (cdrl_viz_png_encode(rgb, width, height, 1, &png, &len, err))
        return cdrl_error_prefix(err, "%s", path);
    int rc = cdrl_write_file_atomic(path, png, len, err);
    free(png);
    return rc;
}
