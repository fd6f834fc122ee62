/* Unit tests of parse.c: numbers from users and files. */
#include <stdint.h>
#include <string.h>

#include "parse.h"
#include "tap.h"

static void
test_parse_long(void)
{
	Err e;
	long v = 0;

	CHECK(parse_long("42", 0, 100, &v, &e) == 0 && v == 42);
	CHECK(parse_long("-3", -5, 5, &v, &e) == 0 && v == -3);
	CHECK(parse_long("", 0, 100, &v, &e) < 0);
	CHECK(parse_long("4x", 0, 100, &v, &e) < 0);
	CHECK(strstr(e.msg, "not a number") != NULL);
	CHECK(parse_long("+4", 0, 100, &v, &e) < 0);
	CHECK(parse_long(" 4", 0, 100, &v, &e) < 0);
	CHECK(parse_long("-", -5, 100, &v, &e) < 0);
	CHECK(parse_long("101", 0, 100, &v, &e) < 0);
	CHECK(strstr(e.msg, "out of range") != NULL);
	CHECK(parse_long("99999999999999999999999", 0, 100, &v, &e) < 0);
}

static void
test_parse_u64(void)
{
	Err e;
	uint64_t v = 0;

	CHECK(parse_u64("18446744073709551615", 0, UINT64_MAX, &v, &e) == 0);
	CHECK(v == UINT64_MAX);
	CHECK(parse_u64("18446744073709551616", 0, UINT64_MAX, &v, &e) < 0);
	CHECK(parse_u64("-1", 0, 10, &v, &e) < 0);
	CHECK(parse_u64("7", 8, 10, &v, &e) < 0);
}

static void
test_scan_u64(void)
{
	const char *s = "1234 5";
	uint64_t v = 0;

	CHECK_EQ_INT(scan_u64(s, s + 6, 10000, &v), 4);
	CHECK_EQ_INT(v, 1234);
	CHECK_EQ_INT(scan_u64(s, s + 6, 1000, &v), -1);
	CHECK_EQ_INT(scan_u64(s + 4, s + 6, 1000, &v), 0);
	CHECK_EQ_INT(scan_u64(s, s + 2, 10000, &v), 2);	/* stops at end */
	CHECK_EQ_INT(v, 12);
}

static void
test_parse_double(void)
{
	Err e;
	double v = 0;

	CHECK(parse_double("1e-3", 0, 1, &v, &e) == 0 && v == 1e-3);
	CHECK(parse_double("nan", 0, 1, &v, &e) < 0);
	CHECK(parse_double("inf", 0, 1e300, &v, &e) < 0);
	CHECK(parse_double("2", 0, 1, &v, &e) < 0);
	CHECK(parse_double("0.5x", 0, 1, &v, &e) < 0);
}

static void
test_parse_shard_size(void)
{
	Err e;
	long i, n, h, w;

	CHECK(parse_shard("2/4", &i, &n, &e) == 0 && i == 2 && n == 4);
	CHECK(parse_shard("4/4", &i, &n, &e) < 0);
	CHECK(parse_shard("0/0", &i, &n, &e) < 0);
	CHECK(parse_shard("1", &i, &n, &e) < 0);
	CHECK(parse_size("480x640", 100000, &h, &w, &e) == 0 && h == 480 && w == 640);
	CHECK(parse_size("256", 100000, &h, &w, &e) == 0 && h == 256 && w == 256);
	CHECK(parse_size("0x5", 100000, &h, &w, &e) < 0);
	CHECK(parse_size("5x", 100000, &h, &w, &e) < 0);
}

int
main(void)
{
	TEST(test_parse_long);
	TEST(test_parse_u64);
	TEST(test_scan_u64);
	TEST(test_parse_double);
	TEST(test_parse_shard_size);
	return tap_done();
}
