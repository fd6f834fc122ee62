/* image — photos for training: header-only size checks, decode with
 * libvips (refusing truncated or corrupt files), conversion to 8-bit sRGB
 * and resizing; and a nearest-neighbour resize of label masks that never
 * invents a label. Photos come from files or from bytes in memory.
 * Start libvips with imaging_init (maskio.h) first.
 * Pixel buffers returned are malloc'd and owned by the caller. */
#ifndef IMATSEG_IMAGE_H
#define IMATSEG_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* Runs fn(arg) again, alone, with libvips' error buffer cleared: for a
 * call that failed while other threads used libvips, so that its message
 * is its own. Returns fn's result. */
int imaging_retry(int (*fn)(void *), void *arg);

/* Opens and closes path: a missing or unreadable file gets the system's
 * message rather than the decoder's. */
int file_readable(const char *path, Err *e);

/* Reads only the header of a photo: its size, refusing more than
 * max_pixels before anything is decoded. Returns 0, -1 when the photo
 * cannot be read, or PHOTO_TOO_BIG. */
enum { PHOTO_TOO_BIG = -2 };
int photo_header(const char *path, uint64_t max_pixels, int *height,
    int *width, Err *e);

/* photo_header of the len bytes at buf, called `name` in messages (the
 * header is all that is read here too). */
int photo_header_mem(const void *buf, size_t len, const char *name,
    uint64_t max_pixels, int *height, int *width, Err *e);

/* Decodes the photo at path (EXIF orientation ignored) and resizes it to
 * out_h x out_w with libvips' thumbnail (JPEGs shrink on load, then
 * Lanczos-3). Returns 3 * out_h * out_w bytes of sRGB, row-major
 * interleaved, in *rgb. Any decoder error (a truncated or corrupt file) is
 * a failure. */
int photo_load_resized(const char *path, int out_h, int out_w, uint8_t **rgb,
    Err *e);

/* photo_load_resized of the len bytes at buf, called `name` in messages:
 * the same pixels as from a file of those bytes. */
int photo_load_resized_mem(const void *buf, size_t len, const char *name,
    int out_h, int out_w, uint8_t **rgb, Err *e);

/* Nearest-neighbour resize of h x w labels into the oh x ow window of dst
 * whose rows are dst_stride bytes apart. Output row y takes input row
 * floor((2y + 1) h / 2 oh), likewise for columns. */
void mask_resize_nearest(const uint8_t *src, int h, int w, uint8_t *dst,
    int oh, int ow, size_t dst_stride);

/* Letterbox geometry: the h x w photo scaled to fit s x s keeping its
 * aspect ratio (sides rounded, at least 1), centred at (top, left). */
void letterbox_fit(int h, int w, int s, int *nh, int *nw, int *top,
    int *left);

/* The h x w photo at path as the s x s square a network sees (and
 * mkshards(1) stores): stretched, or with letterbox scaled by
 * letterbox_fit and centred on black. 3 * s * s bytes in *rgb. */
int photo_load_square(const char *path, int h, int w, int s, int letterbox,
    uint8_t **rgb, Err *e);
/* photo_load_square of the len bytes at buf, called `name` in messages. */
int photo_load_square_mem(const void *buf, size_t len, const char *name,
    int h, int w, int s, int letterbox, uint8_t **rgb, Err *e);

/* The way back: the h x w labels of the photo (into dst) from the s x s
 * labels of its square, by nearest neighbour; with letterbox only the
 * window the photo filled is read, the padding is cut off. */
void mask_from_square(const uint8_t *lab, int s, int letterbox, int h,
    int w, uint8_t *dst);

/* h x w interleaved RGB bytes as PNG, compression 6: *png (malloc'd,
 * the caller's) of *len bytes. */
int rgb_encode_png(const uint8_t *rgb, int h, int w, void **png,
    size_t *len, Err *e);
/* The same, written atomically to path. */
int rgb_write_png(const char *path, const uint8_t *rgb, int h, int w,
    Err *e);

#endif
