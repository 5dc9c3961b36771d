#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>
#include <jerror.h>

/* libjpeg reports errors through error_exit, which must not return (its default exits the
 * process). The usual answer is setjmp/longjmp, which Swift cannot do, so the whole decode
 * lives in one C function here and Swift only sees its result or its message. */

struct seeing_jpeg_error {
    struct jpeg_error_mgr mgr;
    jmp_buf jump;
    char message[JMSG_LENGTH_MAX];
};

static void seeing_jpeg_error_exit(j_common_ptr cinfo) {
    struct seeing_jpeg_error *err = (struct seeing_jpeg_error *)cinfo->err;
    (*cinfo->err->format_message)(cinfo, err->message);
    longjmp(err->jump, 1);
}

/* Warnings (level -1) about missing data mean a truncated file that libjpeg would silently
 * pad with grey: those are errors here. Other warnings and trace messages are dropped. */
static void seeing_jpeg_emit_message(j_common_ptr cinfo, int level) {
    if (level == -1 && cinfo->err->msg_code == JWRN_JPEG_EOF) {
        seeing_jpeg_error_exit(cinfo);
    }
}

/* Decodes a JPEG held in memory to 8-bit RGB (grey is expanded), rows top-down. Returns a
 * malloc'd width*height*3 buffer that the caller frees, or NULL with `message` set.
 * `max_pixels` bounds width*height before anything is allocated. */
static inline unsigned char *seeing_jpeg_decode_rgb(const unsigned char *data, unsigned long size,
                                                    unsigned long max_pixels, int *width, int *height,
                                                    char *message, size_t message_size) {
    struct jpeg_decompress_struct cinfo;
    struct seeing_jpeg_error err;
    unsigned char *volatile pixels = NULL;
    memset(&cinfo, 0, sizeof cinfo);
    err.message[0] = 0;
    cinfo.err = jpeg_std_error(&err.mgr);
    err.mgr.error_exit = seeing_jpeg_error_exit;
    err.mgr.emit_message = seeing_jpeg_emit_message;
    if (setjmp(err.jump)) {
        snprintf(message, message_size, "%s", err.message);
        jpeg_destroy_decompress(&cinfo);
        free(pixels);
        return NULL;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data, size);
    jpeg_read_header(&cinfo, TRUE);
    if (cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK) {
        snprintf(message, message_size, "CMYK/YCCK JPEG is not supported (only greyscale and RGB/YCbCr)");
        jpeg_destroy_decompress(&cinfo);
        return NULL;
    }
    if ((unsigned long long)cinfo.image_width * cinfo.image_height > max_pixels) {
        snprintf(message, message_size, "image is %ux%u, more than the %lu pixels allowed",
                 cinfo.image_width, cinfo.image_height, max_pixels);
        jpeg_destroy_decompress(&cinfo);
        return NULL;
    }
    cinfo.out_color_space = JCS_RGB;
    jpeg_start_decompress(&cinfo);
    size_t stride = (size_t)cinfo.output_width * 3;
    pixels = malloc(stride * cinfo.output_height);
    if (pixels == NULL) {
        snprintf(message, message_size, "out of memory for %ux%u pixels", cinfo.output_width, cinfo.output_height);
        jpeg_destroy_decompress(&cinfo);
        return NULL;
    }
    while (cinfo.output_scanline < cinfo.output_height) {
        JSAMPROW row = pixels + (size_t)cinfo.output_scanline * stride;
        jpeg_read_scanlines(&cinfo, &row, 1);
    }
    *width = (int)cinfo.output_width;
    *height = (int)cinfo.output_height;
    jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    return pixels;
}
