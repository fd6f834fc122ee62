/* segment — the model behind unet-serve: a checkpoint loaded once into
 * `nets` networks that requests take turns on, the category names, and
 * the answers of POST /v1/segment and GET /v1/model. A photo goes
 * through model/infer's per-photo pipeline, as in unet-infer, so its
 * mask is the same bytes. The Model owns its networks. */
#ifndef IMATSEG_SEGMENT_H
#define IMATSEG_SEGMENT_H

#include <stddef.h>
#include <stdint.h>

#include "answer.h"
#include "err.h"
#include "httpparse.h"

typedef struct Model Model;

/* Loads path `nets` times; each network runs its layers on `threads`
 * threads. Labels from labels_open(labels) (NULL: the shipped file).
 * With letterbox, photos are padded to the square, as for a model
 * trained on mkshards --letterbox shards (unet-infer --letterbox). */
Model *model_open(const char *path, const char *labels, int nets,
    int threads, int letterbox, Err *e);
void model_free(Model *m);
/* The network's input side. */
int model_size(const Model *m);

/* GET /v1/model: the checkpoint's metadata, the category names and
 * their colours. */
void model_info(const Model *m, Answer *a);

/* The photo's bytes (named `name` in messages; `file` is the uploaded
 * file's name or "") segmented as o asks; *npix its pixels when it was
 * segmented, else 0. Photos of more than max_pixels are refused from
 * their header. */
void model_segment(Model *m, const uint8_t *photo, size_t len,
    const char *name, const char *file, const SegOptions *o,
    uint64_t max_pixels, Answer *a, uint64_t *npix);

#endif
