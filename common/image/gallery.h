/* gallery — pictures of predictions for people: per image a row of three
 * panels (photo | truth over photo | prediction over photo, coloured with
 * the palette of palette.h), a contact sheet of the rows, and a static
 * HTML page. Start libvips (imaging_init) first. */
#ifndef IMATSEG_GALLERY_H
#define IMATSEG_GALLERY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "err.h"

typedef struct {
	uint8_t *rgb;		/* height x width x 3 */
	int height, width;
} Picture;

enum { GALLERY_GAP = 4 };	/* white pixels between panels and rows */

/* The row of one image: the photo at `height` pixels tall (width keeps
 * its aspect ratio), its truth and its prediction (label masks of the
 * photo's size) blended over it with weight alpha. */
int gallery_row(const char *photo, const uint8_t *truth,
    const uint8_t *pred, int mask_h, int mask_w, int height, float alpha,
    Picture *out, Err *e);
/* The same row from a photo already in memory: height x w x 3 bytes
 * (the masks are resized to it). */
void gallery_panels(const uint8_t *rgb, int height, int w,
    const uint8_t *truth, const uint8_t *pred, int mask_h, int mask_w,
    float alpha, Picture *out);

/* The rows stacked on a white sheet as wide as the widest. */
void gallery_sheet(const Picture *rows, size_t n, Picture *out);

void picture_free(Picture *p);

#endif

/* One row of the page. */
typedef struct {
	const char *stem;	/* the image; its row picture is stem.png */
	double pixel_acc, mean_iou;
} GalleryEntry;

/* The static page: a legend of the palette (names[c] for category c,
 * ncat of them), then one table row per entry. A small script reports,
 * in the page and in <body data-loaded="k/n">, how many of its pictures
 * loaded. */
void gallery_html(FILE *fp, const char *title, const GalleryEntry *rows,
    size_t n, const char *const *names, int ncat);
