/* synth — synthetic iMaterialist-like scenes (synth-imat(1)): clothed
 * figures whose garments and garment parts are drawn into one label
 * buffer at the photo's resolution, so the train.csv rows and the photo
 * come from the same pixels. A scene is decided by (seed, set, index)
 * alone. Scenes, row text and photos returned are owned by the caller. */
#ifndef IMATSEG_SYNTH_H
#define IMATSEG_SYNTH_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "raster.h"

#define SYNTH_MAX_OBJECTS 250	/* drawn objects of one image */
#define SYNTH_MAX_ATTRS 4
#define SYNTH_MIN_AREA 10	/* smaller visible objects get no row */

enum { SYNTH_TRAIN = 0, SYNTH_TEST = 1 };	/* the two sets */

typedef struct {
	uint64_t seed;
	int min_side, max_side;	/* 16 <= min_side <= max_side <= 10000 */
} SynthParams;

/* How a surface looks in the photo (synthphoto.c). */
typedef enum {
	PAT_PLAIN, PAT_STRIPES, PAT_CHECK, PAT_DOTS, PAT_HEATHER, PAT_DENIM,
	PAT_SKIN, PAT_METAL, PAT_HAIR, PAT_WALL, PAT_NPATTERNS
} Pattern;

typedef struct {
	Pattern pattern;
	uint8_t base[3], alt[3];
	float period;		/* pattern period, pixels */
	float angle;		/* pattern direction, radians */
	float folds;		/* strength of the shading folds, 0..1 */
} Look;

typedef struct {
	int category;		/* -1: drawn but not annotated (skin, hair, props) */
	int parent;		/* a part's garment (object index), else -1 */
	int attrs[SYNTH_MAX_ATTRS], nattrs;	/* sorted */
	Look look;
} SynthObject;

typedef struct {
	uint32_t height, width;
	Canvas labels;		/* object index + 1, 0 background; lazy */
	int nobj;
	SynthObject obj[SYNTH_MAX_OBJECTS];
	Look back[2];		/* wall and floor */
	float horizon;		/* image row where the floor starts */
	uint64_t photo_seed;	/* pixel noise and texture phases */
} SynthScene;

/* The 32 hex digits of image `index` of a set (no ".jpg"). */
void synth_image_id(uint64_t seed, int set, uint64_t index, char id[33]);

/* Draws scene `index` of a set; NULL if the parameters are out of range. */
SynthScene *synth_scene_new(const SynthParams *p, int set, uint64_t index,
    Err *e);
void synth_scene_free(SynthScene *s);

/* The scene's rows of train.csv (2019 layout, no header) for image
 * `image_id` (with its extension): one row per annotated object with at
 * least SYNTH_MIN_AREA visible pixels, a garment's row covering its
 * parts. Returns a malloc'd NUL-terminated string; *nrows counts rows. */
char *synth_rows(const SynthScene *s, const char *image_id, size_t *nrows);

/* The label buffer in full: column-major, height*width bytes, malloc'd. */
uint8_t *synth_labels(const SynthScene *s);

/* The photo: row-major RGB, height*width*3 bytes, malloc'd. */
uint8_t *synth_photo(const SynthScene *s);

/* The photo as a JPEG of quality 1-100 in a malloc'd buffer (libvips must
 * be started: imaging_init). */
int synth_photo_jpeg(const SynthScene *s, int quality, void **buf,
    size_t *len, Err *e);

#endif
