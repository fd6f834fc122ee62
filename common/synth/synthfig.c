/* synthfig — the clothes on a figure, back to front: tights, shoes, the
 * lower garment and the top (or a dress), belt, tie, an outer garment,
 * then the arms with every sleeve in front of the torso, and the
 * accessories. A garment's parts are objects whose parent is the
 * garment, drawn onto it (or, for sleeves and collars, beside it). */
#include <math.h>

#include "synthbody.h"

enum {	/* category ids of label_descriptions.json */
	C_SHIRT = 0, C_TOP = 1, C_SWEATER = 2, C_CARDIGAN = 3, C_JACKET = 4,
	C_VEST = 5, C_PANTS = 6, C_SHORTS = 7, C_SKIRT = 8, C_COAT = 9,
	C_DRESS = 10, C_TIE = 16,
	C_BELT = 19, C_TIGHTS = 21, C_SHOE = 23, C_COLLAR = 28,
	C_LAPEL = 29, C_SLEEVE = 31, C_POCKET = 32, C_NECKLINE = 33,
	C_BUCKLE = 34, C_ZIPPER = 35
};

enum {	/* attribute ids */
	A_HIP_LEN = 1, A_ABOVE_HIP = 0, A_MINI = 3, A_ABOVE_KNEE = 4, A_KNEE = 5,
	A_MIDI = 7, A_MAXI = 8, A_FLOOR = 9, A_SINGLE = 10, A_DOUBLE = 11,
	A_ZIP = 14, A_NO_OPENING = 18, A_SYMMETRICAL = 20, A_FLARE = 23,
	A_PENCIL = 32, A_STRAIGHT = 33, A_ALINE = 34, A_TIGHT = 40,
	A_REGULAR = 41, A_LOOSE = 42, A_WASHED = 46, A_NO_TECHNIQUE = 60,
	A_PLAIN = 61, A_CHECK = 66, A_DOT = 67, A_STRIPE = 72,
	A_HIGH_WAIST = 87, A_NORMAL_WAIST = 88, A_LOW_WAIST = 89
};

/* A garment whose sleeves the arm pass draws. */
typedef struct {
	int ink;
	float len, ease;	/* len: fraction of the arm, 0 sleeveless */
	Look look;
} Sleeves;

typedef struct {
	Draw *d;
	Rng *r;
	Body b;
	Sleeves sl[2];		/* the top or dress, the outer garment */
	float waist;		/* where the lower garment starts */
} Fig;

static int
pattern_attr(const Look *l)
{
	switch (l->pattern) {
	case PAT_STRIPES: return A_STRIPE;
	case PAT_CHECK: return A_CHECK;
	case PAT_DOTS: return A_DOT;
	case PAT_DENIM: return A_WASHED;
	case PAT_HEATHER: return A_NO_TECHNIQUE;
	default: return A_PLAIN;
	}
}

static int
length_attr(float hem)
{
	return hem < 0.58f ? A_MINI : hem < 0.66f ? A_ABOVE_KNEE :
	    hem < 0.74f ? A_KNEE : hem < 0.82f ? A_MIDI : hem < 0.92f ? A_MAXI :
	    A_FLOOR;
}

static int
fit_attr(float ease)
{
	return ease < 0.006f ? A_TIGHT : ease < 0.018f ? A_REGULAR : A_LOOSE;
}

/* About a third of the garment rows carry attributes, as in 2019: a few
 * of the candidates, which agree with how the garment is drawn. */
static void
attrs_pick(Fig *f, int ink, const int *cand, int n)
{
	SynthObject *o;
	int k, v[8];

	if (ink == 0 || !chance(f->r, 0.3f))
		return;
	o = &f->d->s->obj[ink - 1];
	for (int i = 0; i < n; i++)
		v[i] = cand[i];
	k = 1 + (int)rng_below(f->r, n < SYNTH_MAX_ATTRS ? (uint64_t)n :
	    SYNTH_MAX_ATTRS);
	for (int i = 0; i < k; i++) {
		int j = i + (int)rng_below(f->r, (uint64_t)(n - i)), t = v[i];

		v[i] = v[j];
		v[j] = t;
	}
	for (int i = 1; i < k; i++)	/* sorted, as the real rows are */
		for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
			int t = v[j];

			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	o->nattrs = 0;
	for (int i = 0; i < k; i++)
		if (o->nattrs == 0 || o->attrs[o->nattrs - 1] != v[i])
			o->attrs[o->nattrs++] = v[i];
}

static int
part(Fig *f, int cat, int garment, const Look *look)
{
	return garment ? draw_object(f->d, cat, garment - 1, look) : 0;
}

static void
rect(Fig *f, int ink, float cx, float cy, float hw, float hh, int only)
{
	Pt q[4] = { { cx - hw, cy - hh }, { cx + hw, cy - hh },
	    { cx + hw, cy + hh }, { cx - hw, cy + hh } };

	draw_poly(f->d, ink, q, 4, only);
}

/* The band just below the neck opening, on the garment. */
static void
neckline_draw(Fig *f, int garment, const Neck *nk, const Look *look)
{
	Pt q[18];
	int k = neck_curve(&f->b, nk, q, 9);
	float th = frand(f->r, 0.008f, 0.016f);

	for (int i = 0; i < k; i++)
		q[k + i] = (Pt){ q[k - 1 - i].x, q[k - 1 - i].y + th };
	draw_poly(f->d, part(f, C_NECKLINE, garment, look), q, 2 * k, garment);
}

static void
collar_draw(Fig *f, int garment, const Neck *nk, const Look *look)
{
	int ink = part(f, C_COLLAR, garment, look);
	float y = f->b.y_neck;

	for (int s = 0; s < 2; s++) {
		float sg = s ? 1.0f : -1.0f;
		Pt q[4] = { { sg * (nk->hw + 0.006f), y - 0.014f },
		    { sg * 0.004f, y + 0.01f }, { sg * 0.02f, y + 0.045f },
		    { sg * (nk->hw + 0.022f), y + 0.014f } };

		draw_poly(f->d, ink, q, 4, -1);
	}
}

/* Unannotated details on a garment (buttons): parts without a category,
 * so the garment's row still covers them. */
static void
buttons_draw(Fig *f, int garment, float x, float y0, float y1)
{
	Look l;
	int n = 3 + (int)rng_below(f->r, 4), ink;

	look_metal(f->r, &l);
	ink = part(f, -1, garment, &l);
	for (int i = 0; i < n; i++)
		draw_ellipse(f->d, ink, (Pt){ x, y0 + (y1 - y0) * (float)i /
		    (float)(n - 1) }, 0.005f, 0.005f, 0, garment);
}

static void
pockets_draw(Fig *f, int garment, const Look *look, float y, int both)
{
	float hw = frand(f->r, 0.016f, 0.026f), hh = frand(f->r, 0.014f, 0.024f);
	float x = frand(f->r, 0.04f, 0.06f);

	for (int s = 0; s < 2; s++)
		if (both || s == 1)
			rect(f, part(f, C_POCKET, garment, look), s ? x : -x, y,
			    hw, hh, garment);
}

/* A garment from the neck opening down to the hem, sides and all. */
static void
bodice_draw(Fig *f, int ink, const Neck *nk, float hem, float ease,
    float flare, int k)
{
	Pt q[9 + 2 * 18];
	int n = neck_curve(&f->b, nk, q, 9);

	n += garment_sides(&f->b, f->b.y_sh, hem, ease, flare, q + n, k);
	draw_poly(f->d, ink, q, n, -1);
}

/* Shirt, top or sweater; its sleeves come in the arm pass. */
static int
top_draw(Fig *f, int cat, float hem)
{
	Body *b = &f->b;
	float ease = frand(f->r, 0.003f, 0.02f), len;
	Neck nk = { b->neck_hw + frand(f->r, 0.003f, cat == C_TOP ? 0.03f : 0.012f),
	    frand(f->r, 0.01f, cat == C_SWEATER ? 0.03f : 0.07f),
	    chance(f->r, 0.35f) };
	Look look;
	int ink;

	look_fabric(f->r, &look);
	ink = draw_object(f->d, cat, -1, &look);
	bodice_draw(f, ink, &nk, hem, ease, 0.05f, 12);
	if (cat == C_SHIRT && chance(f->r, 0.75f)) {
		collar_draw(f, ink, &nk, &look);
		buttons_draw(f, ink, 0, b->y_neck + 0.05f, hem - 0.03f);
	} else if (chance(f->r, 0.7f)) {
		neckline_draw(f, ink, &nk, &look);
	}
	if (chance(f->r, cat == C_SHIRT ? 0.3f : 0.08f))
		pockets_draw(f, ink, &look, b->y_chest + 0.01f, 0);
	len = cat == C_TOP ? (chance(f->r, 0.35f) ? 0 : frand(f->r, 0.2f, 0.45f)) :
	    chance(f->r, 0.2f) ? frand(f->r, 0.5f, 0.7f) : frand(f->r, 0.92f, 1.0f);
	f->sl[0] = (Sleeves){ ink, len, 0.4f * ease, look };
	int cand[] = { pattern_attr(&look), fit_attr(ease),
	    hem < b->y_waist + 0.04f ? A_ABOVE_HIP : A_HIP_LEN,
	    cat == C_SHIRT ? A_SINGLE : A_NO_OPENING };
	attrs_pick(f, ink, cand, 4);
	return ink;
}

static void
dress_draw(Fig *f)
{
	Body *b = &f->b;
	float ease = frand(f->r, 0.002f, 0.012f), flare = frand(f->r, 0.05f, 0.45f);
	float hem = frand(f->r, 0.56f, 0.98f), r = rng_float(f->r);
	Neck nk = { b->neck_hw + frand(f->r, 0.004f, 0.035f),
	    frand(f->r, 0.01f, 0.08f), chance(f->r, 0.4f) };
	Look look;
	int ink;

	look_fabric(f->r, &look);
	ink = draw_object(f->d, C_DRESS, -1, &look);
	bodice_draw(f, ink, &nk, hem, ease, flare, 18);
	if (chance(f->r, 0.9f))
		neckline_draw(f, ink, &nk, &look);
	f->sl[0] = (Sleeves){ ink, r < 0.35f ? 0 : r < 0.7f ?
	    frand(f->r, 0.2f, 0.4f) : frand(f->r, 0.9f, 1.0f), 0.4f * ease, look };
	int cand[] = { pattern_attr(&look), length_attr(hem),
	    flare > 0.4f ? A_FLARE : flare > 0.15f ? A_ALINE : A_PENCIL,
	    A_NORMAL_WAIST, A_SYMMETRICAL };
	attrs_pick(f, ink, cand, 5);
}

/* Pants or shorts: the hips down to the crotch, and a tube a leg. */
static void
pants_draw(Fig *f, int cat)
{
	Body *b = &f->b;
	float ease = frand(f->r, 0.003f, 0.015f), wide = 0, len;
	Look look;
	Pt q[16];
	int n, ink;

	if (chance(f->r, 0.3f))
		wide = frand(f->r, 0.01f, 0.04f);
	len = cat == C_PANTS ? frand(f->r, 0.9f, 1.0f) : frand(f->r, 0.12f, 0.4f);
	look_fabric(f->r, &look);
	ink = draw_object(f->d, cat, -1, &look);
	n = garment_sides(b, f->waist, b->y_crotch + 0.03f, ease, 0, q, 8);
	draw_poly(f->d, ink, q, n, -1);
	for (int s = 0; s < 2; s++)
		tube(f->d, ink, b->leg[s], b->leg_r, 0, len, ease, ease + wide, 1, -1);
	if (chance(f->r, 0.25f))
		for (int s = 0; s < 2; s++) {
			float sg = s ? 1.0f : -1.0f, hw = body_hw(b, f->waist) + ease;
			Pt t[3] = { { sg * (hw - 0.004f), f->waist + 0.006f },
			    { sg * (hw - 0.04f), f->waist + 0.006f },
			    { sg * (hw + 0.004f), f->waist + 0.06f } };

			draw_poly(f->d, part(f, C_POCKET, ink, &look), t, 3, ink);
		}
	if (chance(f->r, 0.25f)) {
		Look metal;

		look_metal(f->r, &metal);
		draw_quad(f->d, part(f, C_ZIPPER, ink, &metal),
		    (Pt){ 0.005f, f->waist + 0.01f }, (Pt){ 0.005f, b->y_crotch },
		    0.004f, 0.004f, ink);
	}
	int cand[] = { pattern_attr(&look), fit_attr(ease),
	    wide > 0 ? 37 : A_STRAIGHT, f->waist < b->y_waist + 0.01f ?
	    A_HIGH_WAIST : f->waist < b->y_waist + 0.04f ? A_NORMAL_WAIST :
	    A_LOW_WAIST };
	attrs_pick(f, ink, cand, 4);
}

static void
skirt_draw(Fig *f)
{
	float ease = frand(f->r, 0.003f, 0.012f), flare = frand(f->r, 0.0f, 0.45f);
	float hem = frand(f->r, 0.56f, 0.93f);
	Look look;
	Pt q[32];
	int n, ink;

	look_fabric(f->r, &look);
	ink = draw_object(f->d, C_SKIRT, -1, &look);
	n = garment_sides(&f->b, f->waist, hem, ease, flare, q, 14);
	draw_poly(f->d, ink, q, n, -1);
	int cand[] = { pattern_attr(&look), length_attr(hem),
	    flare > 0.4f ? A_FLARE : flare > 0.15f ? A_ALINE : A_PENCIL };
	attrs_pick(f, ink, cand, 3);
}

static void
belt_draw(Fig *f, float y, float ease)
{
	float hw = body_hw(&f->b, y) + ease + 0.004f, h = frand(f->r, 0.014f, 0.024f);
	Look look, metal;
	int ink;

	look_fabric(f->r, &look);
	ink = draw_object(f->d, C_BELT, -1, &look);
	rect(f, ink, 0, y + h / 2, hw, h / 2 + 0.002f, -1);
	if (chance(f->r, 0.6f)) {
		look_metal(f->r, &metal);
		rect(f, part(f, C_BUCKLE, ink, &metal), 0, y + h / 2,
		    0.012f, h / 2 + 0.002f, ink);
	}
}

static void
tights_draw(Fig *f)
{
	Look look;
	int ink;

	look_fabric(f->r, &look);
	look.pattern = PAT_PLAIN;
	ink = draw_object(f->d, C_TIGHTS, -1, &look);
	for (int s = 0; s < 2; s++)
		tube(f->d, ink, f->b.leg[s], f->b.leg_r, 0.1f, 1, 0.002f, 0.002f,
		    0, -1);
}

/* One row per shoe, as in the real data; boots go up the shin. */
static void
shoes_draw(Fig *f, int boots)
{
	float top = boots ? frand(f->r, 0.6f, 0.8f) : 0.95f;
	Look look;

	look_fabric(f->r, &look);
	if (chance(f->r, 0.6f))
		look.pattern = PAT_PLAIN;
	for (int s = 0; s < 2; s++) {
		const Pt *leg = f->b.leg[s];
		int ink = draw_object(f->d, C_SHOE, -1, &look);

		tube(f->d, ink, leg, f->b.leg_r, top, 1, 0.005f, 0.006f, 0, -1);
		draw_ellipse(f->d, ink, (Pt){ leg[2].x + (s ? 0.006f : -0.006f),
		    leg[2].y + 0.022f }, 0.031f, 0.021f, 0, -1);
	}
}

/* One half of an open front, from the neck down its side to the hem and
 * back up the opening to the neck. */
static void
panel_draw(Fig *f, int ink, int s, const Neck *nk, float hem, float ease,
    float flare, float gap_chest, float gap_hem, float y_lapel)
{
	Pt side[32], q[40];
	float sg = s ? 1.0f : -1.0f;
	int k = 14, n = 0;

	garment_sides(&f->b, f->b.y_sh, hem, ease, flare, side, k);
	q[n++] = (Pt){ sg * nk->hw, f->b.y_neck - 0.004f };
	for (int i = 0; i < k; i++)
		q[n++] = (Pt){ sg * -side[i].x, side[i].y };
	q[n++] = (Pt){ sg * gap_hem, hem };
	q[n++] = (Pt){ sg * gap_chest, y_lapel };
	draw_poly(f->d, ink, q, n, -1);
}

/* Jacket, coat, cardigan or vest, over the top; open or closed. */
static void
outer_draw(Fig *f, int cat)
{
	Body *b = &f->b;
	float ease = frand(f->r, 0.014f, 0.03f), flare = 0, hem;
	float gap = frand(f->r, 0.006f, 0.03f), y_lapel = b->y_chest +
	    frand(f->r, 0.0f, 0.08f);
	Neck nk = { b->neck_hw + frand(f->r, 0.008f, 0.02f),
	    frand(f->r, 0.015f, 0.05f), chance(f->r, 0.5f) };
	int open = chance(f->r, cat == C_CARDIGAN ? 0.8f : 0.55f), ink;
	Look look;

	hem = cat == C_COAT ? frand(f->r, 0.6f, 0.88f) :
	    cat == C_VEST ? frand(f->r, b->y_waist + 0.02f, b->y_hip) :
	    frand(f->r, b->y_waist + 0.04f, b->y_hip + 0.06f);
	if (cat == C_COAT)
		flare = frand(f->r, 0.05f, 0.3f);
	look_fabric(f->r, &look);
	ink = draw_object(f->d, cat, -1, &look);
	if (open) {
		float gap_hem = gap + frand(f->r, 0.0f, 0.05f);

		for (int s = 0; s < 2; s++)
			panel_draw(f, ink, s, &nk, hem, ease, flare, gap, gap_hem,
			    y_lapel);
	} else {
		bodice_draw(f, ink, &nk, hem, ease, flare, 14);
	}
	if (open && (cat == C_JACKET || cat == C_COAT) && chance(f->r, 0.8f)) {
		for (int s = 0; s < 2; s++) {
			float sg = s ? 1.0f : -1.0f;
			Pt t[3] = { { sg * nk.hw, b->y_neck - 0.004f },
			    { sg * (nk.hw + 0.045f), b->y_neck + 0.06f },
			    { sg * gap, y_lapel } };

			draw_poly(f->d, part(f, C_LAPEL, ink, &look), t, 3, ink);
		}
	} else if (!open && cat != C_VEST && chance(f->r, 0.6f)) {
		Look metal;

		look_metal(f->r, &metal);
		draw_quad(f->d, part(f, C_ZIPPER, ink, &metal),
		    (Pt){ 0, b->y_neck }, (Pt){ 0, hem + 0.01f }, 0.004f, 0.004f, ink);
		open = -1;	/* zip-up */
	} else if (open && chance(f->r, 0.5f)) {
		buttons_draw(f, ink, -gap - 0.012f, y_lapel + 0.01f, hem - 0.03f);
	}
	if (chance(f->r, 0.35f))
		pockets_draw(f, ink, &look, fminf(b->y_waist + 0.06f, hem - 0.04f), 1);
	f->sl[1] = (Sleeves){ ink, cat == C_VEST ? 0 : frand(f->r, 0.93f, 1.0f),
	    0.4f * ease + 0.006f, look };
	int cand[] = { pattern_attr(&look), fit_attr(ease - 0.01f),
	    open < 0 ? A_ZIP : chance(f->r, 0.7f) ? A_SINGLE : A_DOUBLE,
	    cat == C_COAT ? length_attr(hem) : A_HIP_LEN };
	attrs_pick(f, ink, cand, 4);
}

/* The arms again, in front of the torso's clothes, and every sleeve:
 * the outer garment's after (over) the top's. */
static void
sleeves_draw(Fig *f, int skin)
{
	body_draw_arms(f->d, &f->b, skin);
	for (int i = 0; i < 2; i++) {
		const Sleeves *sl = &f->sl[i];

		if (sl->ink == 0 || sl->len <= 0)
			continue;
		for (int s = 0; s < 2; s++)
			tube(f->d, part(f, C_SLEEVE, sl->ink, &sl->look),
			    f->b.arm[s], f->b.arm_r, 0, sl->len, sl->ease + 0.002f,
			    sl->ease + 0.005f, 1, -1);
	}
}

static void
tie_draw(Fig *f)
{
	const Body *b = &f->b;
	Look look;
	Pt q[6] = { { 0, b->y_neck + 0.012f }, { -0.01f, b->y_neck + 0.028f },
	    { -0.02f, b->y_waist - 0.03f }, { 0, b->y_waist - 0.005f },
	    { 0.02f, b->y_waist - 0.03f }, { 0.01f, b->y_neck + 0.028f } };

	look_fabric(f->r, &look);
	draw_poly(f->d, draw_object(f->d, C_TIE, -1, &look), q, 6, -1);
}

/* Top and bottom, or a dress; a tucked top goes under the waistband. */
static int
outfit_draw(Fig *f, int lower)
{
	const Body *b = &f->b;
	float r = rng_float(f->r);
	int top = r < 0.35f ? C_SHIRT : r < 0.8f ? C_TOP : C_SWEATER, ink = 0;
	int tucked = chance(f->r, 0.35f);

	if (lower == C_DRESS) {
		dress_draw(f);
		return -1;
	}
	if (tucked)
		ink = top_draw(f, top, f->waist + 0.03f);
	if (lower == C_SKIRT)
		skirt_draw(f);
	else
		pants_draw(f, lower);
	if (!tucked)
		ink = top_draw(f, top, frand(f->r, b->y_waist + 0.02f, b->y_hip + 0.05f));
	if (tucked && chance(f->r, 0.5f))
		belt_draw(f, f->waist, 0.01f);
	return top == C_SHIRT ? ink : 0;
}

void
figure_draw(Draw *d)
{
	Fig f = { .d = d, .r = d->rng };
	float r = rng_float(d->rng);
	int lower = r < 0.2f ? C_DRESS : r < 0.62f ? C_PANTS : r < 0.85f ?
	    C_SKIRT : C_SHORTS, boots, skin, shirt;

	body_new(f.r, &f.b);
	skin = body_draw(d, &f.b);
	f.waist = f.b.y_waist + frand(f.r, -0.01f, 0.06f);
	if (lower != C_PANTS && chance(f.r, 0.2f))
		tights_draw(&f);
	boots = chance(f.r, 0.15f);
	if (!boots)
		shoes_draw(&f, 0);
	shirt = outfit_draw(&f, lower);
	if (boots)
		shoes_draw(&f, 1);
	if (shirt > 0 && chance(f.r, 0.25f))
		tie_draw(&f);
	if (chance(f.r, 0.3f)) {
		r = rng_float(f.r);
		outer_draw(&f, r < 0.45f ? C_JACKET : r < 0.65f ? C_COAT :
		    r < 0.85f ? C_CARDIGAN : C_VEST);
	}
	sleeves_draw(&f, skin);
	accessories_draw(d, &f.b, f.sl[0].len < 0.85f && f.sl[1].len < 0.85f);
}
