/* httpparse — the parts of an HTTP request that unet-serve reads itself:
 * the query string, Content-Type and Accept, a multipart/form-data body,
 * the magic bytes of a photo, and the options of POST /v1/segment. Pure
 * functions over bytes (no libmicrohttpd, no allocation, nothing kept):
 * every length is checked before a byte is read, so they can be fuzzed.
 * Slices returned point into the caller's bytes. */
#ifndef IMATSEG_HTTPPARSE_H
#define IMATSEG_HTTPPARSE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

typedef struct {
	const char *p;
	size_t n;
} Slice;

/* The next key=value pair of a query string (the part after '?'), from
 * *q up to end; *q moves past it. Empty pairs ("a&&b") are skipped.
 * 1 with a pair, 0 at the end. Key and value are still percent-encoded. */
int query_next(const char **q, const char *end, Slice *key, Slice *val);

/* Percent-decodes s ('+' is a space) into out (cap bytes, NUL added).
 * The decoded length, or -1 for a bad escape, a NUL byte or no room. */
long url_decode(Slice s, char *out, size_t cap);

/* What a Content-Type says of a body. */
enum {
	BODY_PHOTO,		/* image/jpeg, image/png, octet-stream, none,
				 * and curl --data-binary's default type */
	BODY_MULTIPART,		/* multipart/form-data with its boundary */
	BODY_UNSUPPORTED,	/* any other type: 415 */
	BODY_BAD		/* unparsable, or multipart without boundary */
};
/* The kind of a body from its Content-Type value (NULL: none); for
 * multipart, its boundary in *boundary (a slice of ct). */
int body_kind(const char *ct, Slice *boundary);

/* The file of a multipart/form-data body: the first part with a
 * filename (else the first part), its bytes in *content and its
 * filename (a slice of the part's header, possibly empty) in *filename.
 * -1 with the reason in e when the body is not well formed. */
int multipart_file(const uint8_t *body, size_t len, Slice boundary,
    Slice *content, Slice *filename, Err *e);

/* The kind of a photo from its first bytes. */
enum { PHOTO_JPEG, PHOTO_PNG, PHOTO_OTHER_IMAGE, PHOTO_UNKNOWN };
int photo_sniff(const uint8_t *b, size_t n);

/* Answers of POST /v1/segment. */
enum { FMT_PNG, FMT_OVERLAY, FMT_JSON, FMT_CSV, FMT_COUNT };
extern const char *const format_name[FMT_COUNT];
extern const char *const format_type[FMT_COUNT];	/* Content-Type */

/* The answer's format from an Accept value (NULL or empty: png): the
 * acceptable type of highest q, the first on a tie; -1 when none of
 * ours is acceptable. */
int accept_format(const char *accept);

/* ?format=, ?id=, ?instances= */
typedef struct {
	int format;		/* FMT_* */
	char id[256];		/* the ImageId; "" when not given */
	int instances;		/* 0 or 1 */
} SegOptions;

/* The options of a query string (q, n bytes) and an Accept value;
 * ?format wins over Accept. 0; or the HTTP status (400, 406) with the
 * reason in e. */
int seg_options(const char *q, size_t n, const char *accept, SegOptions *o,
    Err *e);

/* Whether s (n bytes) can be an ImageId of a submission row: 1 to 255
 * bytes, no comma, quote, slash or control character. */
int image_id_ok(const char *s, size_t n);

#endif
