/* tboard — TensorBoard event files. See tboard.h. */
#include "tboard.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "gallery.h"
#include "hash.h"
#include "image.h"
#include "path.h"
#include "xalloc.h"

#define PREVIEW_ALPHA 0.5f	/* as unet-infer's overlays */

struct TbWriter {
	FILE *fp;
	char *path;
};

/* ---- protobuf wire format: what these messages need of it ---- */

enum { WIRE_VARINT = 0, WIRE_FIXED64 = 1, WIRE_LEN = 2, WIRE_FIXED32 = 5 };

/* A message being encoded: bytes appended to a growing buffer. */
typedef struct {
	uint8_t *p;
	size_t n, cap;
} Buf;

static void
put(Buf *b, const void *data, size_t n)
{
	if (b->n + n > b->cap) {
		b->cap = b->n + n > 2 * b->cap ? b->n + n + 64 : 2 * b->cap;
		b->p = xreallocarray(b->p, b->cap, 1);
	}
	memcpy(b->p + b->n, data, n);
	b->n += n;
}

static void
put_varint(Buf *b, uint64_t v)
{
	uint8_t out[10];
	size_t n = 0;

	do {
		out[n] = (uint8_t)(v & 0x7f);
		v >>= 7;
		out[n++] |= v ? 0x80 : 0;
	} while (v);
	put(b, out, n);
}

static void
put_key(Buf *b, int field, int wire)
{
	put_varint(b, (uint64_t)field << 3 | (uint64_t)wire);
}

/* n bytes of v, least significant first */
static void
le_bytes(uint8_t *out, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		out[i] = (uint8_t)(v >> 8 * i);
}

static void
put_le(Buf *b, uint64_t v, int n)
{
	uint8_t out[8];

	le_bytes(out, v, n);
	put(b, out, (size_t)n);
}

static void
put_uint(Buf *b, int field, uint64_t v)
{
	put_key(b, field, WIRE_VARINT);
	put_varint(b, v);
}

static void
put_double(Buf *b, int field, double v)
{
	uint64_t bits;

	memcpy(&bits, &v, sizeof bits);
	put_key(b, field, WIRE_FIXED64);
	put_le(b, bits, 8);
}

static void
put_float(Buf *b, int field, float v)
{
	uint32_t bits;

	memcpy(&bits, &v, sizeof bits);
	put_key(b, field, WIRE_FIXED32);
	put_le(b, bits, 4);
}

/* A string, bytes or an embedded message. */
static void
put_bytes(Buf *b, int field, const void *data, size_t n)
{
	put_key(b, field, WIRE_LEN);
	put_varint(b, n);
	put(b, data, n);
}

/* ---- the messages (TensorFlow's field numbers) ---- */

/* Summary.Value { tag = 1; simple_value = 2; } inside Summary
 * { repeated Value value = 1; } */
static void
summary_scalar(Buf *sum, const char *tag, double v)
{
	Buf val = { 0 };

	if (isnan(v))
		return;
	put_bytes(&val, 1, tag, strlen(tag));
	put_float(&val, 2, (float)v);
	put_bytes(sum, 1, val.p, val.n);
	free(val.p);
}

/* Summary.Image { height = 1; width = 2; colorspace = 3 (RGB);
 * encoded_image_string = 4; } as Summary.Value { tag = 1; image = 4; } */
static void
summary_image(Buf *sum, const char *tag, int h, int w, const void *png,
    size_t len)
{
	Buf img = { 0 }, val = { 0 };

	put_uint(&img, 1, (uint64_t)h);
	put_uint(&img, 2, (uint64_t)w);
	put_uint(&img, 3, 3);
	put_bytes(&img, 4, png, len);
	put_bytes(&val, 1, tag, strlen(tag));
	put_bytes(&val, 4, img.p, img.n);
	put_bytes(sum, 1, val.p, val.n);
	free(img.p), free(val.p);
}

/* ---- records ---- */

static uint32_t
masked_crc(const void *data, size_t n)
{
	uint32_t c = hash_crc32c(data, n);

	return ((c >> 15) | (c << 17)) + 0xa282ead8u;
}

static int
write_record(TbWriter *w, const Buf *data, Err *e)
{
	uint8_t head[12], tail[4];

	le_bytes(head, data->n, 8);
	le_bytes(head + 8, masked_crc(head, 8), 4);
	le_bytes(tail, masked_crc(data->p, data->n), 4);
	if (fwrite(head, 1, sizeof head, w->fp) != sizeof head ||
	    fwrite(data->p, 1, data->n, w->fp) != data->n ||
	    fwrite(tail, 1, sizeof tail, w->fp) != sizeof tail)
		return err_sys(e, "%s", w->path);
	return 0;
}

static double
wall_time(void)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	return (double)t.tv_sec + t.tv_nsec * 1e-9;
}

/* Event { wall_time = 1; step = 2; file_version = 3; summary = 5; } */
static int
write_event(TbWriter *w, uint64_t step, const char *version,
    const Buf *summary, Err *e)
{
	Buf ev = { 0 };
	int rc;

	put_double(&ev, 1, wall_time());
	put_uint(&ev, 2, step);
	if (version != NULL)
		put_bytes(&ev, 3, version, strlen(version));
	if (summary != NULL)
		put_bytes(&ev, 5, summary->p, summary->n);
	rc = write_record(w, &ev, e);
	free(ev.p);
	return rc;
}

static int
flush(TbWriter *w, Err *e)
{
	if (fflush(w->fp) != 0 || ferror(w->fp))
		return err_sys(e, "%s", w->path);
	return 0;
}

/* ---- the file ---- */

/* DIR/events.out.tfevents.TIME.HOST[.N], created: never another run's. */
static int
create_file(TbWriter *w, const char *dir, Err *e)
{
	char host[256] = "localhost", name[400];
	long long now = (long long)time(NULL);
	int fd = -1;

	if (gethostname(host, sizeof host) != 0 || host[0] == '\0')
		snprintf(host, sizeof host, "localhost");
	host[sizeof host - 1] = '\0';
	for (int k = 0; fd < 0 && k < 1000; k++) {
		int n = snprintf(name, sizeof name, "events.out.tfevents.%010lld.%s",
		    now, host);

		if (k > 0)
			snprintf(name + n, sizeof name - (size_t)n, ".%d", k);
		free(w->path);
		w->path = path_join(dir, name);
		fd = open(w->path, O_WRONLY | O_CREAT | O_EXCL, 0666);
		if (fd < 0 && errno != EEXIST)
			return err_sys(e, "%s", w->path);
	}
	if (fd < 0)
		return err_set(e, "%s: exists, and so do .1 to .999", w->path);
	if ((w->fp = fdopen(fd, "wb")) == NULL) {
		close(fd);
		return err_sys(e, "%s", w->path);
	}
	return 0;
}

TbWriter *
tb_open(const char *dir, Err *e)
{
	TbWriter *w = xcalloc(1, sizeof *w);

	if (path_mkdirs(dir, e) < 0 || create_file(w, dir, e) < 0 ||
	    write_event(w, 0, "brain.Event:2", NULL, e) < 0 ||
	    flush(w, e) < 0) {
		if (w->fp != NULL)
			fclose(w->fp);
		free(w->path), free(w);
		return NULL;
	}
	return w;
}

const char *
tb_path(const TbWriter *w)
{
	return w->path;
}

int
tb_close(TbWriter *w, Err *e)
{
	int rc = flush(w, e);

	if (fclose(w->fp) != 0 && rc == 0)
		rc = err_sys(e, "%s", w->path);
	free(w->path), free(w);
	return rc;
}

/* ---- what unet-train writes ---- */

/* The tag of class c's IoU. */
static void
iou_tag(char *buf, size_t size, const Labels *labels, int c)
{
	const char *name = c > 0 && labels != NULL ?
	    labels_category(labels, c - 1) : "";

	if (c == 0)
		snprintf(buf, size, "val/iou/background");
	else if (*name != '\0')
		snprintf(buf, size, "val/iou/%s", name);
	else
		snprintf(buf, size, "val/iou/category_%d", c - 1);
}

int
tb_epoch(TbWriter *w, const EpochRow *row, const Labels *labels, Err *e)
{
	Buf sum = { 0 };
	char tag[300];
	int rc;

	summary_scalar(&sum, "train/loss", row->train_loss);
	summary_scalar(&sum, "train/pixel_acc", row->train_acc);
	summary_scalar(&sum, "val/loss", row->val_loss);
	summary_scalar(&sum, "val/miou", row->val_miou);
	summary_scalar(&sum, "lr", row->lr);
	summary_scalar(&sum, "images_per_s", row->ips);
	for (int c = 0; c < row->classes; c++) {
		iou_tag(tag, sizeof tag, labels, c);
		summary_scalar(&sum, tag, row->iou[c]);
	}
	rc = write_event(w, row->step, NULL, &sum, e);
	free(sum.p);
	return rc < 0 ? -1 : flush(w, e);
}

int
tb_preview(TbWriter *w, uint64_t step, const Preview *p, Err *e)
{
	size_t hw = (size_t)p->size * p->size;
	Buf sum = { 0 };
	int rc = 0;

	for (int k = 0; rc == 0 && k < p->n; k++) {
		Picture pic;
		void *png;
		size_t len;
		char tag[64];

		gallery_panels(p->rgb + 3 * hw * (size_t)k, p->size, p->size,
		    p->truth + hw * (size_t)k, p->pred + hw * (size_t)k,
		    p->size, p->size, PREVIEW_ALPHA, &pic);
		rc = rgb_encode_png(pic.rgb, pic.height, pic.width, &png, &len,
		    e);
		if (rc == 0) {
			snprintf(tag, sizeof tag, "val/prediction/%d", k);
			summary_image(&sum, tag, pic.height, pic.width, png,
			    len);
			free(png);
		}
		picture_free(&pic);
	}
	if (rc == 0)
		rc = write_event(w, step, NULL, &sum, e);
	free(sum.p);
	return rc < 0 ? -1 : flush(w, e);
}
