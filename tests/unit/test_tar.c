/* Unit tests of tar.c: members written are read back whole; damaged
 * headers, padding and truncation are refused. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tar.h"
#include "tap.h"

/* An archive of two members in memory; returns its length. */
static size_t
archive(uint8_t **buf)
{
	size_t len;
	FILE *fp = open_memstream((char **)buf, &len);
	Err e;

	CHECK(tar_write_member(fp, "a.txt", "hello\n", 6, &e) == 0);
	CHECK(tar_write_member(fp, "b.bin", "", 0, &e) == 0);
	CHECK(tar_write_end(fp, &e) == 0);
	fclose(fp);
	return len;
}

static void
test_round_trip(void)
{
	uint8_t *buf;
	size_t len = archive(&buf);
	uint64_t off = 0;
	TarMember m;
	Err e;

	CHECK_EQ_INT(len, 512 * 5);
	CHECK(memcmp(buf + 257, "ustar\0" "00", 8) == 0);
	CHECK_EQ_INT(tar_next(buf, len, &off, &m, &e), 1);
	CHECK(strcmp(m.name, "a.txt") == 0 && m.size == 6);
	CHECK(memcmp(m.data, "hello\n", 6) == 0);
	CHECK_EQ_INT(tar_next(buf, len, &off, &m, &e), 1);
	CHECK(strcmp(m.name, "b.bin") == 0 && m.size == 0);
	CHECK_EQ_INT(tar_next(buf, len, &off, &m, &e), 0);
	free(buf);
}

static void
test_damage(void)
{
	uint8_t *buf;
	size_t len = archive(&buf);
	uint64_t off = 0;
	TarMember m;
	Err e;

	buf[3] ^= 1;		/* name: header checksum */
	CHECK_EQ_INT(tar_next(buf, len, &off, &m, &e), -1);
	CHECK(strstr(e.msg, "checksum") != NULL);
	buf[3] ^= 1;
	buf[512 + 100] = 1;	/* padding after "hello\n" */
	CHECK_EQ_INT(tar_next(buf, len, &off, &m, &e), -1);
	CHECK(strstr(e.msg, "padding") != NULL);
	buf[512 + 100] = 0;
	off = 0;
	CHECK_EQ_INT(tar_next(buf, 700, &off, &m, &e), -1);
	CHECK(strstr(e.msg, "truncated") != NULL);
	off = 0;
	CHECK_EQ_INT(tar_next(buf, 1024, &off, &m, &e), 1);
	CHECK_EQ_INT(tar_next(buf, 1024, &off, &m, &e), -1);
	CHECK(strstr(e.msg, "no end-of-archive") != NULL);
	free(buf);
}

static void
test_long_name(void)
{
	char name[120];
	Err e;

	memset(name, 'x', sizeof name - 1);
	name[sizeof name - 1] = '\0';
	CHECK(tar_write_member(stdout, name, "", 0, &e) == -1);
	CHECK(strstr(e.msg, "too long") != NULL);
}

int
main(void)
{
	TEST(test_round_trip);
	TEST(test_damage);
	TEST(test_long_name);
	return tap_done();
}
