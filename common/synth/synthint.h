/* synthint — what the scene modules share (synth.c lays a scene out,
 * synthfig.c draws figures, synthphoto.c paints): the drawing context
 * that maps a figure's own coordinates into the label buffer. */
#ifndef IMATSEG_SYNTHINT_H
#define IMATSEG_SYNTHINT_H

#include "raster.h"
#include "rng.h"
#include "synth.h"

/* Figure coordinates: y from the top of the head (0) to the soles (1),
 * x from the body's axis, positive to the right of the picture. */
typedef struct {
	SynthScene *s;
	Canvas c;
	Rng *rng;
	float scale, cs, sn;	/* figure -> image: scale and turn */
	Pt origin;		/* image position of figure point (0, 0.5) */
} Draw;

/* A new object; returns its ink value (index + 1), or 0 when the scene is
 * full (drawing with 0 draws nothing). */
int draw_object(Draw *d, int category, int parent, const Look *look);
Pt draw_map(const Draw *d, Pt p);
/* Shapes in figure coordinates, for object ink `obj`; only: -1, or the
 * ink of the object whose pixels alone may be painted. */
void draw_poly(Draw *d, int obj, const Pt *p, int n, int only);
void draw_ellipse(Draw *d, int obj, Pt c, float rx, float ry, float angle,
    int only);
void draw_limb(Draw *d, int obj, Pt a, Pt b, float ra, float rb, int only);
/* A flat-ended segment: the quadrilateral of a limb without its discs. */
void draw_quad(Draw *d, int obj, Pt a, Pt b, float ra, float rb, int only);

/* One figure, seen from the front, fitted with clothes. */
void figure_draw(Draw *d);

/* Looks (synthphoto.c): a random fabric, skin, hair, metal, wall, floor. */
void look_fabric(Rng *r, Look *l);
void look_skin(Rng *r, Look *l);
void look_hair(Rng *r, Look *l);
void look_metal(Rng *r, Look *l);
void look_backdrop(Rng *r, Look *wall, Look *floor);

static inline float
frand(Rng *r, float lo, float hi)
{
	return lo + (hi - lo) * rng_float(r);
}

static inline int
chance(Rng *r, float p)
{
	return rng_float(r) < p;
}

#endif
