/* raster — a small scanline rasteriser of filled polygons and rotated
 * ellipses into an 8-bit label buffer, column-major (index x*height + y)
 * like the competition's RLE, so a mask is encoded without a transpose.
 * A pixel belongs to a shape when its centre (x+0.5, y+0.5) lies inside
 * (even-odd rule). Nothing outside the buffer is touched; shapes with
 * non-finite coordinates draw nothing. The caller owns the buffer. */
#ifndef IMATSEG_RASTER_H
#define IMATSEG_RASTER_H

#include <stdint.h>

#define RASTER_MAX_POINTS 256	/* vertices of one polygon */

typedef struct {
	float x, y;
} Pt;

typedef struct {
	uint8_t *px;		/* column-major, height*width bytes */
	int height, width;
	/* Optional (NULL: px is all valid): rows [lo[x], hi[x]) of column x
	 * are valid, the rest of px is taken as 0 and never read. Drawing
	 * zeroes what it adds to a column's range, so a large canvas needs
	 * neither clearing nor a full scan when little is drawn on it. */
	int32_t *lo, *hi;
} Canvas;

/* A lazy canvas: px uninitialised, every column's range empty. Owned by
 * the caller: canvas_free. */
void canvas_lazy(Canvas *c, int height, int width);
void canvas_free(Canvas *c);
/* The value at (x, y), 0 outside the valid ranges. */
uint8_t canvas_at(const Canvas *c, int x, int y);

/* What a fill writes: value, into every pixel of the shape or, with
 * only >= 0, only into those that hold `only` now (a part drawn onto its
 * garment). */
typedef struct {
	uint8_t value;
	int only;
} Ink;

/* Fills the polygon p[0..n-1] (closed implicitly); n <= RASTER_MAX_POINTS.
 * Each function returns the number of pixel writes (a limb writes the
 * pixels where its quadrilateral and its discs meet more than once). */
uint64_t raster_polygon(Canvas *c, const Pt *p, int n, Ink ink);

/* Fills the ellipse centred at (cx, cy) with radii rx, ry, its rx axis
 * turned by angle radians (clockwise on screen, y pointing down). */
uint64_t raster_ellipse(Canvas *c, float cx, float cy, float rx, float ry,
    float angle, Ink ink);

/* A tapered limb from a (radius ra) to b (radius rb): the quadrilateral
 * between the two ends and a disc at each end. */
uint64_t raster_limb(Canvas *c, Pt a, Pt b, float ra, float rb, Ink ink);

#endif
