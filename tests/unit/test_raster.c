/* Unit tests of raster.c: exact pixel sets of simple shapes, areas of
 * curved ones, clipping to the canvas and to a value. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "raster.h"
#include "tap.h"

#define PI 3.14159265358979323846
#define H 40
#define W 30

static uint8_t buf[H * W];

static Canvas
canvas(void)
{
	memset(buf, 0, sizeof buf);
	return (Canvas){ .px = buf, .height = H, .width = W };
}

static uint64_t
count(uint8_t v)
{
	uint64_t n = 0;

	for (size_t i = 0; i < sizeof buf; i++)
		n += buf[i] == v;
	return n;
}

static int
at(int x, int y)
{
	return buf[x * H + y];
}

static void
test_rectangle_exact(void)
{
	Canvas c = canvas();
	Pt r[4] = { { 2, 3 }, { 7, 3 }, { 7, 10 }, { 2, 10 } };
	Ink ink = { 5, -1 };

	CHECK_EQ_INT(raster_polygon(&c, r, 4, ink), 5 * 7);
	CHECK_EQ_INT(count(5), 35);
	/* Column-major: x=2 is the first column, y=3 its first row. */
	CHECK(at(2, 3) == 5 && at(6, 9) == 5);
	CHECK(at(1, 3) == 0 && at(7, 3) == 0 && at(2, 2) == 0 && at(2, 10) == 0);
}

static void
test_triangle_centres(void)
{
	Canvas c = canvas();
	Pt t[3] = { { 0, 0 }, { 20, 0 }, { 0, 20 } };
	Ink ink = { 1, -1 };
	int bad = 0;

	raster_polygon(&c, t, 3, ink);
	for (int x = 0; x < W; x++)
		for (int y = 0; y < H; y++)
			bad += at(x, y) != ((x + 0.5) + (y + 0.5) < 20);
	CHECK_EQ_INT(bad, 0);
}

static void
test_ellipse_area(void)
{
	static uint8_t big[400 * 300];
	Canvas c = { .px = big, .height = 400, .width = 300 };
	Ink ink = { 9, -1 };
	uint64_t n;

	n = raster_ellipse(&c, 150, 200, 100, 60, 0.6f, ink);
	CHECK_NEAR((double)n, PI * 100 * 60, 0.003 * PI * 100 * 60);
	/* The centre and the ends of the turned major axis are inside. */
	CHECK(big[150 * 400 + 200] == 9);
	CHECK(big[(int)(150 + 95 * cos(0.6)) * 400 + (int)(200 + 95 * sin(0.6))] == 9);
	CHECK(big[(int)(150 + 95 * cos(0.6)) * 400 + (int)(200 - 95 * sin(0.6))] == 0);
	memset(big, 0, sizeof big);
	n = raster_ellipse(&c, 10.25f, 10.75f, 0.2f, 0.2f, 0, ink);
	CHECK_EQ_INT(n, 0);	/* no pixel centre inside */
}

static void
test_clipped_to_canvas(void)
{
	Canvas c = canvas();
	Pt huge[4] = { { -1e6f, -1e6f }, { 1e6f, -1e6f }, { 1e6f, 1e6f },
	    { -1e6f, 1e6f } };
	Pt bad[3] = { { 0, 0 }, { NAN, 5 }, { 5, 5 } };
	Ink ink = { 3, -1 };

	CHECK_EQ_INT(raster_polygon(&c, huge, 4, ink), H * W);
	c = canvas();
	CHECK_EQ_INT(raster_polygon(&c, bad, 3, ink), 0);
	CHECK_EQ_INT(raster_ellipse(&c, -100, -100, 50, 50, 0, ink), 0);
	CHECK_EQ_INT(raster_ellipse(&c, 5, 5, INFINITY, 5, 0, ink), 0);
	CHECK_EQ_INT(raster_polygon(&c, huge, 2, ink), 0);
	CHECK_EQ_INT(count(0), H * W);
}

static void
test_only_over_value(void)
{
	Canvas c = canvas();
	Pt left[4] = { { 0, 0 }, { 10, 0 }, { 10, H }, { 0, H } };
	Pt all[4] = { { 0, 0 }, { W, 0 }, { W, H }, { 0, H } };

	raster_polygon(&c, left, 4, (Ink){ 2, -1 });
	CHECK_EQ_INT(raster_polygon(&c, all, 4, (Ink){ 7, 2 }), 10 * H);
	CHECK_EQ_INT(count(7), 10 * H);
	CHECK_EQ_INT(count(0), (W - 10) * H);
}

static void
test_limb(void)
{
	static uint8_t big[200 * 200];
	Canvas c = { .px = big, .height = 200, .width = 200 };
	uint64_t n = 0;

	raster_limb(&c, (Pt){ 50, 50 }, (Pt){ 150, 50 }, 10, 10, (Ink){ 1, -1 });
	for (size_t i = 0; i < sizeof big; i++)
		n += big[i] == 1;
	/* A stadium: 100 x 20 and a disc of radius 10. */
	CHECK_NEAR((double)n, 2000 + PI * 100, 12);
}

/* Shapes on a lazy canvas read back the same as on a cleared one. */
static void
test_lazy_same(void)
{
	Canvas full = canvas(), lazy;
	Pt tri[3] = { { 3, 2 }, { 25, 8 }, { 9, 37 } };
	int bad = 0;

	canvas_lazy(&lazy, H, W);
	memset(lazy.px, 0xAB, (size_t)H * W);	/* garbage to be ignored */
	for (int k = 0; k < 2; k++) {
		Canvas *c = k ? &lazy : &full;

		raster_ellipse(c, 12, 20, 6, 9, 0.3f, (Ink){ 4, -1 });
		raster_polygon(c, tri, 3, (Ink){ 5, 4 });
		raster_polygon(c, tri, 3, (Ink){ 6, 0 });
		raster_limb(c, (Pt){ 2, 38 }, (Pt){ 28, 1 }, 1.5f, 2, (Ink){ 7, -1 });
	}
	for (int x = 0; x < W; x++)
		for (int y = 0; y < H; y++)
			bad += canvas_at(&lazy, x, y) != at(x, y);
	CHECK_EQ_INT(bad, 0);
	CHECK(count(5) > 0 && count(6) > 0 && count(7) > 0);
	canvas_free(&lazy);
}

int
main(void)
{
	TEST(test_rectangle_exact);
	TEST(test_triangle_centres);
	TEST(test_ellipse_area);
	TEST(test_clipped_to_canvas);
	TEST(test_only_over_value);
	TEST(test_limb);
	TEST(test_lazy_same);
	return tap_done();
}
