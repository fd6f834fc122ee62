/* synth — scene layout (image size, framing, backdrop, figures), the
 * drawing primitives in figure coordinates, and the rows of train.csv. */
#include "synth.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rle.h"
#include "synthint.h"
#include "xalloc.h"

/* Sub-streams of rng_derive(seed, index, stream): scene and photo of each
 * set, and image ids. */
enum { STREAM_SCENE = 0, STREAM_PHOTO = 2, STREAM_ID = 4 };

void
synth_image_id(uint64_t seed, int set, uint64_t index, char id[33])
{
	Rng r;
	uint64_t a, b;

	rng_derive(&r, seed, index, STREAM_ID + (uint64_t)set);
	a = rng_next(&r);
	b = rng_next(&r);
	snprintf(id, 33, "%016llx%016llx", (unsigned long long)a,
	    (unsigned long long)b);
}

int
draw_object(Draw *d, int category, int parent, const Look *look)
{
	SynthObject *o;

	if (d->s->nobj >= SYNTH_MAX_OBJECTS)
		return 0;
	o = &d->s->obj[d->s->nobj];
	*o = (SynthObject){ .category = category, .parent = parent,
	    .look = *look };
	/* Looks are made in figure units; the photo works in pixels. */
	o->look.period *= d->scale;
	return ++d->s->nobj;
}

Pt
draw_map(const Draw *d, Pt p)
{
	float x = p.x, y = p.y - 0.5f;

	return (Pt){ d->origin.x + d->scale * (d->cs * x - d->sn * y),
	    d->origin.y + d->scale * (d->sn * x + d->cs * y) };
}

static Ink
ink(int obj, int only)
{
	return (Ink){ (uint8_t)obj, only };
}

void
draw_poly(Draw *d, int obj, const Pt *p, int n, int only)
{
	Pt q[RASTER_MAX_POINTS];

	if (obj == 0 || n > RASTER_MAX_POINTS)
		return;
	for (int i = 0; i < n; i++)
		q[i] = draw_map(d, p[i]);
	raster_polygon(&d->c, q, n, ink(obj, only));
}

void
draw_ellipse(Draw *d, int obj, Pt c, float rx, float ry, float angle,
    int only)
{
	Pt m = draw_map(d, c);

	if (obj != 0)
		raster_ellipse(&d->c, m.x, m.y, rx * d->scale, ry * d->scale,
		    angle + atan2f(d->sn, d->cs), ink(obj, only));
}

void
draw_limb(Draw *d, int obj, Pt a, Pt b, float ra, float rb, int only)
{
	if (obj != 0)
		raster_limb(&d->c, draw_map(d, a), draw_map(d, b), ra * d->scale,
		    rb * d->scale, ink(obj, only));
}

void
draw_quad(Draw *d, int obj, Pt a, Pt b, float ra, float rb, int only)
{
	float dx = b.x - a.x, dy = b.y - a.y, len = sqrtf(dx * dx + dy * dy);
	float nx, ny;

	if (len <= 0)
		return;
	nx = -dy / len;
	ny = dx / len;
	Pt q[4] = {
		{ a.x + nx * ra, a.y + ny * ra }, { b.x + nx * rb, b.y + ny * rb },
		{ b.x - nx * rb, b.y - ny * rb }, { a.x - nx * ra, a.y - ny * ra },
	};
	draw_poly(d, obj, q, 4, only);
}

/* Portrait mostly, as in fashion photos; sides between the limits. */
static void
pick_size(Rng *r, const SynthParams *p, uint32_t *h, uint32_t *w)
{
	float aspect = frand(r, 1.0f, 1.8f), lmin = logf((float)p->min_side);
	float lmax, shorter, longer;
	int kind = (int)rng_below(r, 10);

	if (aspect > (float)p->max_side / (float)p->min_side)
		aspect = (float)p->max_side / (float)p->min_side;
	lmax = logf((float)p->max_side / aspect);
	shorter = expf(lmin + (lmax - lmin) * rng_float(r));
	longer = shorter * aspect;
	if (kind == 9)
		longer = shorter;
	*h = (uint32_t)lroundf(kind < 7 || kind == 9 ? longer : shorter);
	*w = (uint32_t)lroundf(kind < 7 || kind == 9 ? shorter : longer);
	*h = *h < (uint32_t)p->min_side ? (uint32_t)p->min_side : *h;
	*w = *w < (uint32_t)p->min_side ? (uint32_t)p->min_side : *w;
}

/* Clutter behind the figures: unannotated shapes in fabric-like looks,
 * so that colour alone does not say "garment". */
static void
draw_props(Draw *d)
{
	int n = (int)rng_below(d->rng, 4);

	for (int i = 0; i < n; i++) {
		Look l;
		int obj;
		Pt c = { frand(d->rng, -1.2f, 1.2f), frand(d->rng, 0.1f, 1.0f) };
		float a = frand(d->rng, 0.05f, 0.3f), b = frand(d->rng, 0.05f, 0.4f);

		look_fabric(d->rng, &l);
		obj = draw_object(d, -1, -1, &l);
		if (chance(d->rng, 0.5f)) {
			draw_ellipse(d, obj, c, a, b, frand(d->rng, 0, 3.1416f), -1);
		} else {
			Pt q[4] = { { c.x - a, c.y - b }, { c.x + a, c.y - b },
			    { c.x + a, c.y + b }, { c.x - a, c.y + b } };

			draw_poly(d, obj, q, 4, -1);
		}
	}
}

/* Framing: full length, knees up or waist up; one to three figures side
 * by side, more of them in landscape pictures. */
static void
draw_figures(SynthScene *s, Rng *r)
{
	float h = (float)s->height, w = (float)s->width;
	int framing = (int)rng_below(r, 10), n = 1;
	float reach = framing < 5 ? 1.0f : framing < 8 ? 0.75f : 0.45f;
	float fill = frand(r, 0.78f, 0.97f), scale = h * fill / reach;
	Draw d = { .s = s, .c = s->labels, .rng = r };

	if (w > h * 1.15f)
		n = chance(r, 0.35f) ? 2 : 1;
	else if (chance(r, 0.03f))
		n = 2;
	if (n > 1 && framing >= 8)
		scale *= 0.8f;
	/* The props live in the space of the first figure's scale. */
	d.scale = scale;
	d.cs = 1;
	d.origin = (Pt){ w / 2, h / 2 };
	draw_props(&d);
	for (int i = 0; i < n; i++) {
		float turn = frand(r, -0.06f, 0.06f), slot = w / (float)n;
		float top = h * (1 - fill) * frand(r, 0.2f, 0.8f);

		d.scale = scale * frand(r, 0.9f, 1.05f);
		d.cs = cosf(turn);
		d.sn = sinf(turn);
		d.origin.x = slot * ((float)i + 0.5f) + slot * frand(r, -0.25f, 0.25f);
		d.origin.y = top + 0.5f * d.scale;
		figure_draw(&d);
	}
}

SynthScene *
synth_scene_new(const SynthParams *p, int set, uint64_t index, Err *e)
{
	SynthScene *s;
	Rng r;

	if (p->min_side < 16 || p->max_side > 10000 || p->min_side > p->max_side) {
		err_set(e, "image sides %d to %d: need 16 <= min <= max <= 10000",
		    p->min_side, p->max_side);
		return NULL;
	}
	s = xcalloc(1, sizeof *s);
	rng_derive(&r, p->seed, index, STREAM_SCENE + (uint64_t)set);
	pick_size(&r, p, &s->height, &s->width);
	canvas_lazy(&s->labels, (int)s->height, (int)s->width);
	look_backdrop(&r, &s->back[0], &s->back[1]);
	s->back[0].period *= (float)s->height;
	s->back[1].period *= (float)s->height;
	s->horizon = (float)s->height * frand(&r, 0.55f, 1.1f);
	s->photo_seed = rng_next(&r) ^ p->seed;
	draw_figures(s, &r);
	return s;
}

void
synth_scene_free(SynthScene *s)
{
	if (s == NULL)
		return;
	canvas_free(&s->labels);
	free(s);
}

uint8_t *
synth_labels(const SynthScene *s)
{
	const Canvas *c = &s->labels;
	uint8_t *px = xcalloc((size_t)s->height * s->width, 1);

	for (int x = 0; x < c->width; x++)
		if (c->lo[x] < c->hi[x]) {
			size_t at = (size_t)x * (size_t)c->height + (size_t)c->lo[x];

			memcpy(px + at, c->px + at, (size_t)(c->hi[x] - c->lo[x]));
		}
	return px;
}

/* Where the run of value v starting at col[y] ends, before `end`: eight
 * bytes at a time through the long runs of large masks. */
static int
same_until(const uint8_t *col, int y, int end, uint8_t v)
{
	uint64_t all = 0x0101010101010101ULL * v, w;

	for (; y + 8 <= end; y += 8) {
		memcpy(&w, col + y, 8);
		if (w != all)
			break;
	}
	while (y < end && col[y] == v)
		y++;
	return y;
}

/* The runs of every value over the valid rows of each column only:
 * canonical but for runs that touch across a column break (object_mask
 * joins those). */
static void
encode_labels(const Canvas *c, Rle out[256])
{
	for (int v = 0; v < 256; v++)
		out[v].n = 0;
	for (int x = 0; x < c->width; x++) {
		uint32_t base = (uint32_t)x * (uint32_t)c->height;
		const uint8_t *col = c->px + base;

		for (int y = c->lo[x], end; y < c->hi[x]; y = end) {
			end = same_until(col, y + 1, c->hi[x], col[y]);
			if (col[y] != 0)
				rle_push(&out[col[y]], base + (uint32_t)y,
				    (uint32_t)(end - y));
		}
	}
}

static int
run_cmp(const void *a, const void *b)
{
	const Run *x = a, *y = b;

	return (x->start > y->start) - (x->start < y->start);
}

/* The runs of object k and of its parts, merged into one canonical mask
 * (their pixel sets are disjoint: one label per pixel). */
static void
object_mask(const SynthScene *s, const Rle *by_ink, int k, Rle *out)
{
	size_t m = 0;

	out->n = 0;
	for (int j = k; j < s->nobj; j++) {
		const Rle *src = &by_ink[j + 1];

		if (j != k && s->obj[j].parent != k)
			continue;
		for (size_t i = 0; i < src->n; i++)
			rle_push(out, src->runs[i].start, src->runs[i].len);
	}
	if (out->n > 1)
		qsort(out->runs, out->n, sizeof *out->runs, run_cmp);
	for (size_t i = 0; i < out->n; i++) {
		if (m > 0 && out->runs[m - 1].start + out->runs[m - 1].len ==
		    out->runs[i].start)
			out->runs[m - 1].len += out->runs[i].len;
		else
			out->runs[m++] = out->runs[i];
	}
	out->n = m;
}

/* Appends "ClassId" (category, then attributes joined by '_'). */
static size_t
format_class(const SynthObject *o, char *buf)
{
	size_t n = (size_t)sprintf(buf, "%d", o->category);

	for (int i = 0; i < o->nattrs; i++)
		n += (size_t)sprintf(buf + n, "_%d", o->attrs[i]);
	return n;
}

char *
synth_rows(const SynthScene *s, const char *image_id, size_t *nrows)
{
	Rle *by_ink = xcalloc(256, sizeof *by_ink), mask;
	size_t len = 0, cap = 4096, idlen = strlen(image_id);
	char *out = xmalloc(cap);

	rle_init(&mask);
	encode_labels(&s->labels, by_ink);
	*nrows = 0;
	for (int k = 0; k < s->nobj; k++) {
		const SynthObject *o = &s->obj[k];
		size_t need;

		if (o->category < 0)
			continue;
		object_mask(s, by_ink, k, &mask);
		if (rle_area(&mask) < SYNTH_MIN_AREA)
			continue;
		need = idlen + rle_format_size(&mask) + 64 + 8 * SYNTH_MAX_ATTRS;
		if (len + need > cap) {
			cap = 2 * (len + need);
			out = xreallocarray(out, cap, 1);
		}
		memcpy(out + len, image_id, idlen);
		len += idlen;
		out[len++] = ',';
		len += rle_format(&mask, out + len);
		len += (size_t)sprintf(out + len, ",%u,%u,", s->height, s->width);
		len += format_class(o, out + len);
		out[len++] = '\n';
		++*nrows;
	}
	out[len] = '\0';
	for (int v = 0; v < 256; v++)
		rle_free(&by_ink[v]);
	free(by_ink);
	rle_free(&mask);
	return out;
}
