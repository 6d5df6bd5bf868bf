/* PNG files through libpng: 8-bit RGB, encoded in memory and then written
 * atomically, so a picture is either whole on disk or not there at all.
 *
 * The settings suit what cdrl draws (flat colour, panels stacked on top of
 * each other): every row is predicted from the row above (the "up" filter
 * leaves zeros wherever a row repeats the last), and zlib runs at its default
 * level. On a 1280x800 replay frame that gives a third of the old writer's
 * file in less time; adaptive filtering was no smaller and twice as slow,
 * level 9 a tenth smaller and five times as slow (docs/viz.md). */
#include "cdrl/file.h"
#include "viz_internal.h"

#include <png.h>
#include <stdlib.h>
#include <string.h>

#define PNG_ZLIB_LEVEL 6

/* ---- libpng callbacks: output into a growing buffer, errors as text ---- */

typedef struct {
    uint8_t *data;
    size_t len, cap;
    int out_of_memory;
    char message[200]; /* libpng's own words for the first error */
} png_sink;

static void sink_write(png_structp png, png_bytep bytes, png_size_t n)
{
    png_sink *sink = png_get_io_ptr(png);
    if (sink->len + n > sink->cap) {
        size_t cap = sink->cap ? sink->cap : 1 << 16;
        while (cap < sink->len + n)
            cap *= 2;
        uint8_t *grown = realloc(sink->data, cap);
        if (!grown) {
            sink->out_of_memory = 1;
            png_error(png, "out of memory");
        }
        sink->data = grown;
        sink->cap = cap;
    }
    memcpy(sink->data + sink->len, bytes, n);
    sink->len += n;
}

static void sink_flush(png_structp png) { (void)png; }

/* libpng reports an error by calling this and expects it not to return. */
static void sink_error(png_structp png, png_const_charp message)
{
    png_sink *sink = png_get_error_ptr(png);
    if (!sink->message[0])
        snprintf(sink->message, sizeof sink->message, "%s", message);
    png_longjmp(png, 1);
}

static void sink_warning(png_structp png, png_const_charp message)
{
    (void)png;
    (void)message;
}

/* ---- Encoding ---- */

/* Runs libpng over the rows; 0 on success. Kept apart from the caller so
 * that nothing it owns lives across the setjmp. */
static int encode_rows(png_sink *sink, const uint8_t *rgb, int width, int height, int level)
{
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, sink, sink_error, sink_warning);
    if (!png)
        return -1;
    png_infop info = png_create_info_struct(png);
    if (!info) {
        png_destroy_write_struct(&png, NULL);
        return -1;
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        return -1;
    }
    png_set_write_fn(png, sink, sink_write, sink_flush);
    png_set_IHDR(png, info, (png_uint_32)width, (png_uint_32)height, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_set_compression_level(png, level);
    png_set_filter(png, PNG_FILTER_TYPE_BASE, level == 0 ? PNG_FILTER_NONE : PNG_FILTER_UP);
    png_write_info(png, info);
    for (int y = 0; y < height; y++)
        png_write_row(png, rgb + (size_t)y * (size_t)width * 3);
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    return 0;
}

int cdrl_viz_png_encode(const uint8_t *rgb, int width, int height, int compress, uint8_t **out,
                        size_t *out_len, cdrl_error *err)
{
    *out = NULL;
    *out_len = 0;
    if (width < 1 || height < 1 || width > 65535 || height > 65535)
        return cdrl_errorf(err, CDRL_EINVAL, "png: size %dx%d outside 1..65535", width, height);
    png_sink sink;
    memset(&sink, 0, sizeof sink);
    if (encode_rows(&sink, rgb, width, height, compress ? PNG_ZLIB_LEVEL : 0)) {
        free(sink.data);
        if (sink.out_of_memory || !sink.message[0])
            return cdrl_errorf(err, CDRL_ENOMEM, "png: out of memory encoding %dx%d pixels", width, height);
        return cdrl_errorf(err, CDRL_EINVAL, "png: libpng: %s", sink.message);
    }
    *out = sink.data;
    *out_len = sink.len;
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
