/* synthbody — a body seen from the front, in figure coordinates
 * (synthint.h), and the geometry garments are cut from: the body's half
 * width at a height, the sides of a garment, necklines, tubes along an
 * arm or a leg. Used by synthfig.c only. */
#ifndef IMATSEG_SYNTHBODY_H
#define IMATSEG_SYNTHBODY_H

#include "synthint.h"

typedef struct {
	float y_neck, y_sh, y_chest, y_waist, y_hip, y_crotch;
	float neck_hw, sh_hw, chest_hw, waist_hw, hip_hw;
	Pt head;
	float head_rx, head_ry;
	Pt arm[2][3];		/* shoulder, elbow, wrist; [0] picture's left */
	float arm_r[3];
	Pt leg[2][3];		/* hip joint, knee, ankle */
	float leg_r[3];
	int long_hair;
	Look skin, hair;
} Body;

/* A neck opening: half width at the base of the neck, depth, V or round. */
typedef struct {
	float hw, depth;
	int v;
} Neck;

void body_new(Rng *r, Body *b);
/* The bare body, hair and face (unannotated); returns the skin's ink. */
int body_draw(Draw *d, const Body *b);
/* The arms and hands alone (drawn again in front of the torso's clothes). */
void body_draw_arms(Draw *d, const Body *b, int skin);

/* Half width of the body at height y: torso above the crotch, the outer
 * edge of the legs below. */
float body_hw(const Body *b, float y);

/* Sides of a garment from y0 down to y1 in k points a side: down the
 * left, up the right (2k points into out). ease widens everywhere, flare
 * widens more the further below the waist. */
int garment_sides(const Body *b, float y0, float y1, float ease, float flare,
    Pt *out, int k);

/* The neck curve from the right end to the left end, k points. */
int neck_curve(const Body *b, const Neck *nk, Pt *out, int k);

/* Point and radius at fraction t of a three-joint path (arm or leg). */
void path_at(const Pt p[3], const float r[3], float t, Pt *at, float *rad);

/* The part of a limb between fractions t0 and t1 as flat-ended quads
 * (a disc at the middle joint when it is crossed), radius widened by
 * extra0 at t0 to extra1 at t1; caps: 1 disc at t0, 2 disc at t1. */
void tube(Draw *d, int obj, const Pt p[3], const float r[3], float t0,
    float t1, float extra0, float extra1, int caps, int only);

/* Sometimes a watch (on a bare wrist), a hat, glasses, a bag
 * (synthacc.c). */
void accessories_draw(Draw *d, const Body *b, int bare_wrists);

#endif
