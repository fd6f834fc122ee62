/* Unit tests of httpparse.c: query strings, Content-Type, Accept,
 * multipart bodies, photo magic and the options of POST /v1/segment,
 * good and bad. */
#include <stdio.h>
#include <string.h>

#include "httpparse.h"
#include "tap.h"

static int
slice_is(Slice s, const char *want)
{
	return s.n == strlen(want) && memcmp(s.p, want, s.n) == 0;
}

static void
test_query(void)
{
	const char *q = "a=1&&b=%41+c&flag&=x", *end = q + strlen(q);
	Slice k, v;
	char out[16];

	CHECK(query_next(&q, end, &k, &v) && slice_is(k, "a") && slice_is(v, "1"));
	CHECK(query_next(&q, end, &k, &v) && slice_is(k, "b"));
	CHECK(url_decode(v, out, sizeof out) == 3 && strcmp(out, "A c") == 0);
	CHECK(query_next(&q, end, &k, &v) && slice_is(k, "flag") && v.n == 0);
	CHECK(query_next(&q, end, &k, &v) && k.n == 0 && slice_is(v, "x"));
	CHECK(!query_next(&q, end, &k, &v));
	CHECK(url_decode((Slice){ "%4", 2 }, out, sizeof out) < 0);
	CHECK(url_decode((Slice){ "%zz", 3 }, out, sizeof out) < 0);
	CHECK(url_decode((Slice){ "%00", 3 }, out, sizeof out) < 0);
	CHECK(url_decode((Slice){ "0123456789abcdef", 16 }, out, sizeof out) < 0);
	CHECK(url_decode((Slice){ "", 0 }, out, sizeof out) == 0 && out[0] == 0);
}

static void
test_body_kind(void)
{
	Slice b = { 0 };

	CHECK_EQ_INT(body_kind(NULL, &b), BODY_PHOTO);
	CHECK_EQ_INT(body_kind("image/JPEG", &b), BODY_PHOTO);
	CHECK_EQ_INT(body_kind("image/png; foo=bar", &b), BODY_PHOTO);
	CHECK_EQ_INT(body_kind("application/octet-stream", &b), BODY_PHOTO);
	CHECK_EQ_INT(body_kind("application/x-www-form-urlencoded", &b),
	    BODY_PHOTO);
	CHECK_EQ_INT(body_kind("image/gif", &b), BODY_UNSUPPORTED);
	CHECK_EQ_INT(body_kind("text/plain", &b), BODY_UNSUPPORTED);
	CHECK_EQ_INT(body_kind("nonsense", &b), BODY_BAD);
	CHECK_EQ_INT(body_kind("multipart/form-data", &b), BODY_BAD);
	CHECK_EQ_INT(body_kind("multipart/form-data; boundary=", &b), BODY_BAD);
	CHECK_EQ_INT(body_kind("multipart/form-data; boundary=\"abc", &b), BODY_BAD);
	CHECK_EQ_INT(body_kind("Multipart/Form-Data; charset=x; "
	    "boundary=\"--xy;z\"", &b), BODY_MULTIPART);
	CHECK(slice_is(b, "--xy;z"));
	CHECK_EQ_INT(body_kind("multipart/form-data;boundary=abc", &b),
	    BODY_MULTIPART);
	CHECK(slice_is(b, "abc"));
}

#define BODY(s) (const uint8_t *)(s), sizeof(s) - 1

static void
test_multipart(void)
{
	Slice bd = { "XX", 2 }, c, f;
	Err e;

	CHECK(multipart_file(BODY("--XX\r\nContent-Disposition: form-data; "
	    "name=\"note\"\r\n\r\nhello\r\n--XX\r\nContent-Disposition: "
	    "form-data; name=\"photo\"; filename=\"a b.jpg\"\r\nContent-Type: "
	    "image/jpeg\r\n\r\n\xff\xd8\r\n--XY\xff\r\n--XX--\r\n"), bd, &c, &f,
	    &e) == 0);
	CHECK(slice_is(c, "\xff\xd8\r\n--XY\xff"));
	CHECK(slice_is(f, "a b.jpg"));
	/* no file name: the first part */
	CHECK(multipart_file(BODY("preamble\r\n--XX\r\n\r\nabc\r\n--XX--"), bd,
	    &c, &f, &e) == 0);
	CHECK(slice_is(c, "abc") && f.n == 0);
	CHECK(multipart_file(BODY("no boundary here"), bd, &c, &f, &e) < 0);
	CHECK(strstr(e.msg, "no boundary") != NULL);
	CHECK(multipart_file(BODY("--XX\r\nheaders never end"), bd, &c, &f,
	    &e) < 0);
	CHECK(strstr(e.msg, "end of its headers") != NULL);
	CHECK(multipart_file(BODY("--XX\r\n\r\ncut short"), bd, &c, &f, &e) < 0);
	CHECK(strstr(e.msg, "closing boundary") != NULL);
	CHECK(multipart_file(BODY("--XXjunk"), bd, &c, &f, &e) < 0);
	CHECK(multipart_file(BODY("--XX--"), bd, &c, &f, &e) < 0);
	CHECK(strstr(e.msg, "no part") != NULL);
	CHECK(multipart_file(BODY(""), bd, &c, &f, &e) < 0);
	/* every prefix of a good body is refused or parsed, never overrun */
	{
		const char good[] = "--XX\r\nContent-Disposition: form-data; "
		    "filename=\"x\"\r\n\r\nDATA\r\n--XX--";

		for (size_t n = 0; n < sizeof good - 1; n++)
			(void)multipart_file((const uint8_t *)good, n, bd, &c, &f,
			    &e);
	}
}

static void
test_sniff(void)
{
	CHECK_EQ_INT(photo_sniff(BODY("\xff\xd8\xff\xe0")), PHOTO_JPEG);
	CHECK_EQ_INT(photo_sniff(BODY("\x89PNG\r\n\x1a\n....")), PHOTO_PNG);
	CHECK_EQ_INT(photo_sniff(BODY("GIF89a")), PHOTO_OTHER_IMAGE);
	CHECK_EQ_INT(photo_sniff(BODY("RIFF....WEBPVP8 ")), PHOTO_OTHER_IMAGE);
	CHECK_EQ_INT(photo_sniff(BODY("not a photo")), PHOTO_UNKNOWN);
	CHECK_EQ_INT(photo_sniff(BODY("\xff\xd8")), PHOTO_UNKNOWN);
	CHECK_EQ_INT(photo_sniff(BODY("")), PHOTO_UNKNOWN);
}

static void
test_accept(void)
{
	CHECK_EQ_INT(accept_format(NULL), FMT_PNG);
	CHECK_EQ_INT(accept_format(" "), FMT_PNG);
	CHECK_EQ_INT(accept_format("*/*"), FMT_PNG);
	CHECK_EQ_INT(accept_format("application/json"), FMT_JSON);
	CHECK_EQ_INT(accept_format("text/html, text/csv;q=0.5, "
	    "application/json;q=0.9"), FMT_JSON);
	CHECK_EQ_INT(accept_format("text/csv, image/png"), FMT_CSV);
	CHECK_EQ_INT(accept_format("image/png;q=0, text/csv;q=0.001"), FMT_CSV);
	CHECK_EQ_INT(accept_format("text/html"), -1);
	CHECK_EQ_INT(accept_format("image/png;q=0"), -1);
}

static void
test_options(void)
{
	SegOptions o;
	Err e;
	const char *q;

	CHECK(seg_options("", 0, NULL, &o, &e) == 0);
	CHECK(o.format == FMT_PNG && o.id[0] == 0 && o.instances == 0);
	q = "format=csv&id=abc%2Ejpg&instances=1";
	CHECK(seg_options(q, strlen(q), "application/json", &o, &e) == 0);
	CHECK(o.format == FMT_CSV && strcmp(o.id, "abc.jpg") == 0 &&
	    o.instances == 1);
	CHECK(seg_options("", 0, "application/json", &o, &e) == 0 &&
	    o.format == FMT_JSON);
	q = "format=overlay";
	CHECK(seg_options(q, strlen(q), "text/html", &o, &e) == 0 &&
	    o.format == FMT_OVERLAY);
	CHECK(seg_options("", 0, "text/html", &o, &e) == 406);
	CHECK(strstr(e.msg, "Accept") != NULL);
	q = "format=gif";
	CHECK(seg_options(q, strlen(q), NULL, &o, &e) == 400);
	CHECK(strcmp(e.msg, "?format=gif: not png, overlay, json or csv") == 0);
	CHECK(o.format == FMT_PNG);	/* refused options stay valid values */
	q = "id=a,b";
	CHECK(seg_options(q, strlen(q), NULL, &o, &e) == 400);
	CHECK(strstr(e.msg, "?id=a,b: ") != NULL);
	q = "id=";
	CHECK(seg_options(q, strlen(q), NULL, &o, &e) == 400);
	q = "instances=2";
	CHECK(seg_options(q, strlen(q), NULL, &o, &e) == 400);
	q = "size=3";
	CHECK(seg_options(q, strlen(q), NULL, &o, &e) == 400);
	CHECK(strstr(e.msg, "?size: unknown parameter") != NULL);
	q = "id=%ZZ";
	CHECK(seg_options(q, strlen(q), NULL, &o, &e) == 400);
	CHECK(image_id_ok("x.jpg", 5) && !image_id_ok("a\"b", 3) &&
	    !image_id_ok("../x", 4) && !image_id_ok("a\nb", 3));
}

int
main(void)
{
	TEST(test_query);
	TEST(test_body_kind);
	TEST(test_multipart);
	TEST(test_sniff);
	TEST(test_accept);
	TEST(test_options);
	return tap_done();
}
