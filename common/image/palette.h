/* palette — the fixed colours of label masks for people to look at:
 * entry 0 is background (black), entry c+1 category c (0 to 45). The 46
 * colours were picked greedily from a 16-level RGB grid, each the farthest
 * in CIELAB (D65) from those already chosen; any two entries differ by a
 * CIELAB distance of at least 28. unet-infer(1) lists them. */
#ifndef IMATSEG_PALETTE_H
#define IMATSEG_PALETTE_H

#include <stddef.h>
#include <stdint.h>

enum { PALETTE_SIZE = 47 };

extern const uint8_t palette_rgb[PALETTE_SIZE][3];

/* In place: every pixel of rgb (h*w*3, interleaved) whose label is a
 * category (1 .. PALETTE_SIZE-1) becomes (1-alpha) photo + alpha colour;
 * background, 255 (ignore) and labels beyond the palette are left alone. */
void palette_blend(uint8_t *rgb, const uint8_t *labels, size_t npix,
    float alpha);

#endif
