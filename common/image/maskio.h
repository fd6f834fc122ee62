/* maskio — label masks as 8-bit single-channel PNG files (imatseg-mask(5)),
 * and the libvips start-up every image-handling program needs.
 * Pixels are row-major, one byte each: 0 background, c+1 category c,
 * 255 ignore. Buffers returned are malloc'd and owned by the caller. */
#ifndef IMATSEG_MASKIO_H
#define IMATSEG_MASKIO_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* Largest mask or photo any program decodes by default: 100 Mpixel. */
#define MASK_MAX_PIXELS 100000000ULL

/* Starts libvips once per process: no operation cache (batch use),
 * `threads` worker threads inside libvips (0 keeps its default), and its
 * warnings silenced (the error a call returns says the same, once). */
int imaging_init(const char *argv0, int threads, Err *e);
void imaging_shutdown(void);

/* Reads a label PNG. Refuses anything that is not an 8-bit one-band PNG,
 * and headers claiming more than max_pixels (before decoding). */
int mask_read(const char *path, uint64_t max_pixels, uint8_t **px,
    int *height, int *width, Err *e);

/* Encodes px (height x width) as PNG at zlib `level` (0-9) into a malloc'd
 * buffer. */
int mask_encode(const uint8_t *px, int height, int width, int level,
    void **buf, size_t *len, Err *e);

/* mask_encode, then written atomically to path ("-" for stdout). With a
 * batch, the file joins it (see atomic_batch_add) instead of being synced
 * on its own. */
struct AtomicBatch;
int mask_write(const char *path, const uint8_t *px, int height, int width,
    int level, struct AtomicBatch *batch, Err *e);

#endif
