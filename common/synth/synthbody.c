/* synthbody — the body, and the geometry the clothes are cut from. */
#include "synthbody.h"

#include <math.h>

static float
dist(Pt a, Pt b)
{
	return hypotf(b.x - a.x, b.y - a.y);
}

static Pt
along(Pt a, float len, float angle, float sg)
{
	return (Pt){ a.x + sg * len * sinf(angle), a.y + len * cosf(angle) };
}

/* Arms: hanging, held out, or a hand on the hip; legs a little apart. */
static void
limbs_new(Rng *r, Body *b, float broad)
{
	for (int s = 0; s < 2; s++) {
		float sg = s ? 1.0f : -1.0f, a, bend, spread;

		a = frand(r, 0.06f, 0.42f);
		bend = frand(r, -0.15f, 0.5f);
		if (chance(r, 0.15f)) {
			a = frand(r, 0.6f, 0.8f);
			bend = frand(r, 1.35f, 1.65f);
		}
		b->arm[s][0] = (Pt){ sg * (b->sh_hw - 0.02f), b->y_sh + 0.014f };
		b->arm[s][1] = along(b->arm[s][0], 0.165f, a, sg);
		b->arm[s][2] = along(b->arm[s][1], 0.145f, a - bend, sg);
		spread = frand(r, 0.0f, 0.11f);
		b->leg[s][0] = (Pt){ sg * 0.047f * broad, 0.49f };
		b->leg[s][1] = along(b->leg[s][0], 0.235f, spread, sg);
		b->leg[s][2] = along(b->leg[s][1], 0.225f,
		    spread * frand(r, 0.4f, 1.2f), sg);
	}
	b->arm_r[0] = 0.026f * broad;
	b->arm_r[1] = 0.021f * broad;
	b->arm_r[2] = 0.016f * broad;
	b->leg_r[0] = 0.046f * broad;
	b->leg_r[1] = 0.031f * broad;
	b->leg_r[2] = 0.02f * broad;
}

void
body_new(Rng *r, Body *b)
{
	float broad = frand(r, 0.9f, 1.12f), curve = frand(r, 0.85f, 1.1f);

	b->head = (Pt){ 0, 0.062f };
	b->head_rx = 0.042f * frand(r, 0.93f, 1.07f);
	b->head_ry = 0.057f;
	b->y_neck = 0.128f;
	b->y_sh = 0.168f;
	b->y_chest = 0.245f;
	b->y_waist = 0.365f + frand(r, -0.012f, 0.012f);
	b->y_hip = 0.46f;
	b->y_crotch = 0.505f;
	b->neck_hw = 0.021f;
	b->sh_hw = 0.102f * broad;
	b->chest_hw = 0.088f * broad;
	b->waist_hw = 0.072f * broad * curve;
	b->hip_hw = 0.094f * broad / curve;
	limbs_new(r, b, broad);
	b->long_hair = chance(r, 0.55f);
	look_skin(r, &b->skin);
	look_hair(r, &b->hair);
}

static float
lerp_at(float y, const float *ys, const float *v, int n)
{
	if (y <= ys[0])
		return v[0];
	for (int i = 1; i < n; i++)
		if (y <= ys[i])
			return v[i - 1] + (v[i] - v[i - 1]) * (y - ys[i - 1]) /
			    (ys[i] - ys[i - 1]);
	return v[n - 1];
}

float
body_hw(const Body *b, float y)
{
	float ys[6] = { b->y_neck, b->y_sh, b->y_chest, b->y_waist, b->y_hip,
	    b->y_crotch };
	float hw[6] = { b->neck_hw, b->sh_hw, b->chest_hw, b->waist_hw,
	    b->hip_hw, b->hip_hw };
	float best = 0;

	if (y <= b->y_crotch)
		return lerp_at(y, ys, hw, 6);
	for (int s = 0; s < 2; s++) {
		float ly[3], lx[3];

		for (int i = 0; i < 3; i++) {
			ly[i] = b->leg[s][i].y;
			lx[i] = fabsf(b->leg[s][i].x) + b->leg_r[i];
		}
		best = fmaxf(best, lerp_at(y, ly, lx, 3));
	}
	return fmaxf(best, y < b->leg[0][1].y ? b->hip_hw * 0.97f : 0);
}

int
garment_sides(const Body *b, float y0, float y1, float ease, float flare,
    Pt *out, int k)
{
	for (int i = 0; i < k; i++) {
		float y = y0 + (y1 - y0) * (float)i / (float)(k - 1);
		float hw = body_hw(b, y) + ease + flare * fmaxf(0, y - b->y_waist);

		out[i] = (Pt){ -hw, y };
	}
	for (int i = 0; i < k; i++)
		out[k + i] = (Pt){ -out[k - 1 - i].x, out[k - 1 - i].y };
	return 2 * k;
}

int
neck_curve(const Body *b, const Neck *nk, Pt *out, int k)
{
	for (int i = 0; i < k; i++) {
		float t = 1.0f - (float)i / (float)(k - 1);
		float shape = nk->v ? 1.0f - fabsf(2 * t - 1) :
		    sqrtf(fmaxf(0, sinf(3.14159265f * t)));

		out[i] = (Pt){ nk->hw * (2 * t - 1), b->y_neck - 0.004f +
		    nk->depth * shape };
	}
	return k;
}

void
path_at(const Pt p[3], const float r[3], float t, Pt *at, float *rad)
{
	float l0 = dist(p[0], p[1]), l1 = dist(p[1], p[2]), u = t * (l0 + l1);
	int i = u > l0;
	float f = i ? (u - l0) / l1 : u / l0;

	if (!(f >= 0))
		f = 0;
	at->x = p[i].x + f * (p[i + 1].x - p[i].x);
	at->y = p[i].y + f * (p[i + 1].y - p[i].y);
	*rad = r[i] + f * (r[i + 1] - r[i]);
}

void
tube(Draw *d, int obj, const Pt p[3], const float r[3], float t0,
    float t1, float extra0, float extra1, int caps, int only)
{
	float l0 = dist(p[0], p[1]), tj = l0 / (l0 + dist(p[1], p[2]));
	float ra, rb, ej = extra0 + (extra1 - extra0) * (tj - t0) / (t1 - t0);
	Pt a, b;

	if (!(t1 > t0))
		return;
	path_at(p, r, t0, &a, &ra);
	path_at(p, r, t1, &b, &rb);
	ra += extra0;
	rb += extra1;
	if (t0 < tj && t1 > tj) {
		draw_quad(d, obj, a, p[1], ra, r[1] + ej, only);
		draw_ellipse(d, obj, p[1], r[1] + ej, r[1] + ej, 0, only);
		draw_quad(d, obj, p[1], b, r[1] + ej, rb, only);
	} else {
		draw_quad(d, obj, a, b, ra, rb, only);
	}
	if (caps & 1)
		draw_ellipse(d, obj, a, ra, ra, 0, only);
	if (caps & 2)
		draw_ellipse(d, obj, b, rb, rb, 0, only);
}

void
body_draw_arms(Draw *d, const Body *b, int skin)
{
	for (int s = 0; s < 2; s++) {
		const Pt *w = b->arm[s];
		float dx = w[2].x - w[1].x, dy = w[2].y - w[1].y;
		float len = hypotf(dx, dy);
		Pt hand = { w[2].x + 0.03f * dx / len, w[2].y + 0.03f * dy / len };

		tube(d, skin, w, b->arm_r, 0, 1, 0, 0, 3, -1);
		draw_ellipse(d, skin, hand, 0.019f, 0.028f,
		    atan2f(-dx, dy), -1);
	}
}

int
body_draw(Draw *d, const Body *b)
{
	int hair = draw_object(d, -1, -1, &b->hair);
	int skin = draw_object(d, -1, -1, &b->skin);
	Look lips = b->skin;
	Pt torso[24];
	int n;

	for (int i = 0; i < 3; i++)
		lips.base[i] = (uint8_t)(lips.base[i] * (i == 0 ? 0.8f : 0.6f));
	if (b->long_hair)
		draw_ellipse(d, hair, (Pt){ 0, b->head.y + 0.04f },
		    b->head_rx * 1.3f, b->head_ry * 1.45f, 0, -1);
	for (int s = 0; s < 2; s++) {
		tube(d, skin, b->leg[s], b->leg_r, 0, 1, 0, 0, 3, -1);
		draw_ellipse(d, skin, (Pt){ b->leg[s][2].x, b->leg[s][2].y + 0.02f },
		    0.028f, 0.018f, 0, -1);
	}
	n = garment_sides(b, b->y_sh, b->y_crotch + 0.01f, 0, 0, torso, 12);
	draw_poly(d, skin, torso, n, -1);
	draw_quad(d, skin, (Pt){ 0, 0.09f }, (Pt){ 0, b->y_neck + 0.03f },
	    b->neck_hw, b->neck_hw * 1.15f, -1);
	draw_ellipse(d, skin, (Pt){ 0, b->y_sh + 0.005f }, b->sh_hw - 0.01f,
	    0.03f, 0, -1);
	body_draw_arms(d, b, skin);
	draw_ellipse(d, skin, b->head, b->head_rx, b->head_ry, 0, -1);
	for (int s = 0; s < 2; s++)
		draw_ellipse(d, hair, (Pt){ (s ? 1 : -1) * 0.016f, 0.068f },
		    0.0055f, 0.0035f, 0, -1);
	draw_ellipse(d, draw_object(d, -1, -1, &lips), (Pt){ 0, 0.094f },
	    0.009f, 0.003f, 0, -1);
	draw_ellipse(d, hair, (Pt){ 0, b->head.y - b->head_ry * 0.6f },
	    b->head_rx * 1.08f, b->head_ry * 0.53f, 0, -1);
	return skin;
}
