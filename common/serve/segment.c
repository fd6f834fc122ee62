/* segment — photos through the network. See segment.h. */
#include "segment.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt.h"
#include "clock.h"
#include "image.h"
#include "infer.h"
#include "labels.h"
#include "palette.h"
#include "submission.h"
#include "xalloc.h"

struct Model {
	int s, letterbox, nnets, nfree;
	Unet **nets;
	Unet **free;		/* the networks no request holds */
	pthread_mutex_t mu;
	pthread_cond_t back;
	CkptInfo info;
	Labels labels;
	json_t *meta;		/* the metadata part of the answers */
	char *info_json;	/* GET /v1/model, whole */
	size_t info_len;
};

static json_t *
colour(int label)
{
	char hex[8];

	snprintf(hex, sizeof hex, "#%02x%02x%02x", palette_rgb[label][0],
	    palette_rgb[label][1], palette_rgb[label][2]);
	return json_string(hex);
}

/* The category's name, or "category N" where the labels have none. */
static json_t *
category_name(const Model *m, int c)
{
	const char *name = labels_category(&m->labels, c);
	char buf[32];

	if (*name != '\0')
		return json_text(name);
	snprintf(buf, sizeof buf, "category %d", c);
	return json_string(buf);
}

static void
build_info(Model *m)
{
	const UnetConfig *c = &m->nets[0]->cfg;
	json_t *cats = json_array(), *all;
	int ncat = c->classes - 1 < m->labels.ncat ? c->classes - 1 :
	    m->labels.ncat;

	m->meta = json_pack("{s:i,s:i,s:i,s:i,s:I,s:o,s:b}", "size", m->s,
	    "filters", c->filters, "depth", c->depth, "classes", c->classes,
	    "epoch", (json_int_t)m->info.epoch, "val_miou",
	    isnan(m->info.val_miou) ? json_null() :
	    json_real(m->info.val_miou), "letterbox", m->letterbox);
	for (int k = 0; k < ncat; k++)
		json_array_append_new(cats, json_pack("{s:i,s:o,s:o}", "id", k,
		    "name", category_name(m, k), "colour",
		    colour(k + 1 < PALETTE_SIZE ? k + 1 : 0)));
	all = json_deep_copy(m->meta);
	json_object_set_new(all, "categories", cats);
	json_object_set_new(all, "background", colour(0));
	m->info_json = json_dumps(all, JSON_COMPACT | JSON_REAL_PRECISION(6));
	m->info_len = strlen(m->info_json);
	json_decref(all);
}

Model *
model_open(const char *path, const char *labels, int nets, int threads,
    int letterbox, Err *e)
{
	Model *m = xcalloc(1, sizeof *m);

	m->letterbox = letterbox;
	m->nets = xcalloc((size_t)nets, sizeof *m->nets);
	m->free = xcalloc((size_t)nets, sizeof *m->free);
	pthread_mutex_init(&m->mu, NULL);
	pthread_cond_init(&m->back, NULL);
	if (labels_open(&m->labels, labels, e) < 0) {
		labels_default(&m->labels);
		model_free(m);
		return NULL;
	}
	for (; m->nnets < nets; m->nnets++) {
		if ((m->nets[m->nnets] = ckpt_load(path, &m->info, e)) == NULL) {
			model_free(m);
			return NULL;
		}
		unet_set_threads(m->nets[m->nnets], threads);
		m->free[m->nfree++] = m->nets[m->nnets];
	}
	m->s = m->info.size;
	if (m->s == 0 || m->s % (1 << m->nets[0]->cfg.depth) != 0) {
		err_set(e, "%s: no usable training size recorded", path);
		model_free(m);
		return NULL;
	}
	build_info(m);
	return m;
}

void
model_free(Model *m)
{
	if (m == NULL)
		return;
	for (int i = 0; i < m->nnets; i++)
		unet_free(m->nets[i]);
	free(m->nets), free(m->free);
	pthread_mutex_destroy(&m->mu);
	pthread_cond_destroy(&m->back);
	labels_free(&m->labels);
	json_decref(m->meta);
	free(m->info_json);
	free(m);
}

int
model_size(const Model *m)
{
	return m->s;
}

void
model_info(const Model *m, Answer *a)
{
	char *body = xmalloc(m->info_len + 1);

	memcpy(body, m->info_json, m->info_len);
	body[m->info_len] = '\n';
	answer_bytes(a, "application/json", body, m->info_len + 1);
}

/* The labels of one prepared input, on whichever network is free. */
static int
predict(Model *m, const float *x, uint8_t *labels, Err *e)
{
	Unet *u;
	int rc;

	pthread_mutex_lock(&m->mu);
	while (m->nfree == 0)
		pthread_cond_wait(&m->back, &m->mu);
	u = m->free[--m->nfree];
	pthread_mutex_unlock(&m->mu);
	rc = infer_labels(u, x, 1, m->s, labels, e);
	pthread_mutex_lock(&m->mu);
	m->free[m->nfree++] = u;
	pthread_cond_signal(&m->back);
	pthread_mutex_unlock(&m->mu);
	return rc;
}

/* ?format=json: the categories found, with their pixels and share. */
static void
summary(const Model *m, const uint8_t *mask, int h, int w, double t0,
    Answer *a)
{
	uint64_t count[256] = { 0 }, npix = (uint64_t)h * (uint64_t)w;
	json_t *cats = json_array();

	for (uint64_t p = 0; p < npix; p++)
		count[mask[p]]++;
	for (int v = 1; v < 255; v++)
		if (count[v] > 0)
			json_array_append_new(cats, json_pack("{s:i,s:o,s:I,s:f}",
			    "id", v - 1, "name", category_name(m, v - 1),
			    "pixels", (json_int_t)count[v], "share",
			    (double)count[v] / (double)npix));
	answer_json(a, 200, json_pack("{s:i,s:i,s:O,s:o,s:f}", "width", w,
	    "height", h, "model", m->meta, "categories", cats, "ms",
	    round((clock_now() - t0) * 1e4) / 10));
}

/* ?format=csv: the submission rows mask2rle writes, after its header. */
static void
rows(const Model *m, const uint8_t *mask, int h, int w, const char *file,
    const SegOptions *o, Answer *a)
{
	SubmitOptions so;
	const char *id = o->id[0] ? o->id : file[0] ? file : "upload.jpg";
	const char *head;
	char *text, *body;
	size_t len, hn;
	Err e;

	if (!image_id_ok(id, strlen(id))) {
		answer_error(a, 400, "the file name '%s' cannot be an ImageId: "
		    "give ?id=", id);
		return;
	}
	submit_options_default(&so, m->labels.ncat);
	so.instances = o->instances;
	if (submission_rows(&so, mask, h, w, id, strlen(id), id, &text, &len,
	    &e) < 0) {
		answer_error(a, 500, "%s", e.msg);
		return;
	}
	head = submission_header(&so);
	hn = strlen(head);
	body = xmalloc(hn + len + 1);
	memcpy(body, head, hn);
	memcpy(body + hn, text, len + 1);
	free(text);
	answer_bytes(a, format_type[FMT_CSV], body, hn + len);
}

/* The answer of a mask in the format asked. */
static void
answer_mask(Model *m, const InferPhoto *p, const uint8_t *mask, int h,
    int w, const char *file, const SegOptions *o, double t0, Answer *a)
{
	void *png;
	size_t len;
	Err e;
	int rc;

	switch (o->format) {
	case FMT_JSON:
		summary(m, mask, h, w, t0, a);
		return;
	case FMT_CSV:
		rows(m, mask, h, w, file, o, a);
		return;
	}
	rc = o->format == FMT_OVERLAY ?
	    infer_overlay_png(p, mask, h, w, &png, &len, &e) :
	    infer_mask_png(mask, h, w, &png, &len, &e);
	if (rc < 0)
		answer_error(a, 500, "%s", e.msg);
	else
		answer_bytes(a, format_type[o->format], png, len);
}

void
model_segment(Model *m, const uint8_t *photo, size_t len, const char *name,
    const char *file, const SegOptions *o, uint64_t max_pixels, Answer *a,
    uint64_t *npix)
{
	InferPhoto p = { name, photo, len };
	double t0 = clock_now();
	int kind = photo_sniff(photo, len), h, w, rc;
	float *x;
	uint8_t *labels, *mask;
	Err e;

	*npix = 0;
	if (len == 0) {
		answer_error(a, 400, "%s: empty: send the bytes of a JPEG or "
		    "PNG photo", name);
		return;
	}
	if (kind == PHOTO_OTHER_IMAGE) {
		answer_error(a, 415, "%s: only JPEG and PNG photos are "
		    "segmented", name);
		return;
	}
	if (kind == PHOTO_UNKNOWN) {
		answer_error(a, 400, "%s: not a JPEG or PNG photo", name);
		return;
	}
	x = xmallocarray((size_t)3 * m->s, (size_t)m->s * sizeof *x);
	labels = xmallocarray((size_t)m->s, (size_t)m->s);
	if ((rc = infer_prepare(&p, m->s, m->letterbox, max_pixels, x, &h, &w,
	    &e)) < 0)
		answer_error(a, rc == PHOTO_TOO_BIG ? 413 : 400, "%s", e.msg);
	else if (predict(m, x, labels, &e) < 0)
		answer_error(a, 500, "%s", e.msg);
	else {
		mask = infer_upsample(labels, m->s, m->letterbox, h, w);
		answer_mask(m, &p, mask, h, w, file, o, t0, a);
		free(mask);
		*npix = (uint64_t)h * (uint64_t)w;
	}
	free(x), free(labels);
}
