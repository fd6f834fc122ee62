/* pngmask — a fast path for reading label masks: 8-bit grey,
 * non-interlaced PNGs (what imatseg-mask(5) files are) inflated with libdeflate,
 * several times faster than libpng's zlib on large, mostly empty masks.
 * Anything else, or anything odd, is left to mask_read (maskio.h), which
 * then accepts or refuses it with its own message. */
#ifndef IMATSEG_PNGMASK_H
#define IMATSEG_PNGMASK_H

#include <stdint.h>

/* Decodes the PNG bytes buf[0..len). Returns 1 with *px (malloc'd,
 * owned by the caller), *height and *width set; 0 when the file is not
 * the plain kind this reads or is damaged in any way, or claims more than
 * max_pixels. */
int pngmask_decode(const uint8_t *buf, uint64_t len, uint64_t max_pixels,
    uint8_t **px, int *height, int *width);

/* pngmask_decode of a file; 0 also when it cannot be read. */
int pngmask_read(const char *path, uint64_t max_pixels, uint8_t **px,
    int *height, int *width);

#endif
