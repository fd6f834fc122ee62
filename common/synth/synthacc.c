/* synthacc — accessories worn or carried: hat, glasses, watch, bag;
 * each its own object and row, in front of the clothes. */
#include <math.h>

#include "synthbody.h"

enum { C_GLASSES = 13, C_HAT = 14, C_WATCH = 18, C_BAG = 24 };

static void
rect(Draw *d, int ink, float cx, float cy, float hw, float hh)
{
	Pt q[4] = { { cx - hw, cy - hh }, { cx + hw, cy - hh },
	    { cx + hw, cy + hh }, { cx - hw, cy + hh } };

	draw_poly(d, ink, q, 4, -1);
}

static void
hat_draw(Draw *d, const Body *b)
{
	Look look;
	int ink;

	look_fabric(d->rng, &look);
	ink = draw_object(d, C_HAT, -1, &look);
	draw_ellipse(d, ink, (Pt){ 0, b->head.y - b->head_ry * 0.62f },
	    b->head_rx * 1.1f, b->head_ry * 0.62f, 0, -1);
	if (chance(d->rng, 0.6f))	/* a brim */
		draw_ellipse(d, ink, (Pt){ 0, b->head.y - b->head_ry * 0.4f },
		    b->head_rx * frand(d->rng, 1.4f, 2.0f), 0.012f, 0, -1);
}

static void
glasses_draw(Draw *d, const Body *b)
{
	Look look;
	int ink;

	look_hair(d->rng, &look);
	ink = draw_object(d, C_GLASSES, -1, &look);
	for (int s = 0; s < 2; s++)
		draw_ellipse(d, ink, (Pt){ s ? 0.017f : -0.017f, b->head.y + 0.006f },
		    0.013f, 0.009f, 0, -1);
	draw_quad(d, ink, (Pt){ -0.006f, b->head.y + 0.004f },
	    (Pt){ 0.006f, b->head.y + 0.004f },
	    0.0025f, 0.0025f, -1);
}

/* A handbag held at a wrist, or a bag across the body on its strap. */
static void
bag_draw(Draw *d, const Body *b)
{
	int s = (int)rng_below(d->rng, 2), ink;
	float sg = s ? 1.0f : -1.0f, hw = frand(d->rng, 0.03f, 0.055f);
	float hh = frand(d->rng, 0.03f, 0.055f);
	Look look;

	look_fabric(d->rng, &look);
	ink = draw_object(d, C_BAG, -1, &look);
	if (chance(d->rng, 0.6f)) {
		Pt w = b->arm[s][2];
		float top = w.y + 0.035f;

		draw_quad(d, ink, w, (Pt){ w.x - hw * 0.6f, top }, 0.004f,
		    0.004f, -1);
		draw_quad(d, ink, w, (Pt){ w.x + hw * 0.6f, top }, 0.004f,
		    0.004f, -1);
		rect(d, ink, w.x, top + hh, hw, hh);
	} else {
		Pt end = { sg * (b->hip_hw + 0.02f), b->y_hip - 0.01f };

		draw_quad(d, ink, (Pt){ -sg * (b->sh_hw - 0.035f), b->y_sh - 0.005f },
		    end, 0.006f, 0.006f, -1);
		rect(d, ink, end.x, end.y + hh * 0.7f, hw, hh * 0.8f);
	}
}

static void
watch_draw(Draw *d, const Body *b)
{
	const Pt *a = b->arm[rng_below(d->rng, 2)];
	Look metal;
	Pt p, q;
	float r;

	look_metal(d->rng, &metal);
	path_at(a, b->arm_r, 0.9f, &p, &r);
	path_at(a, b->arm_r, 0.95f, &q, &r);
	draw_quad(d, draw_object(d, C_WATCH, -1, &metal), p, q, r + 0.003f,
	    r + 0.003f, -1);
}

void
accessories_draw(Draw *d, const Body *b, int bare_wrists)
{
	if (chance(d->rng, 0.08f) && bare_wrists)
		watch_draw(d, b);
	if (chance(d->rng, 0.08f))
		hat_draw(d, b);
	if (chance(d->rng, 0.07f))
		glasses_draw(d, b);
	if (chance(d->rng, 0.2f))
		bag_draw(d, b);
}
