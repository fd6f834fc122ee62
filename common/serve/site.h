/* site — the files unet-serve shows a browser, read once at start from
 * share/imatseg/ beside the program (path_shipped): the page
 * (serve/index.html, app.js, style.css) and the sample photos
 * (samples/NAME.jpg, their attribution in samples/README). The Site owns
 * the bytes; a SiteFile is borrowed from it. */
#ifndef IMATSEG_SITE_H
#define IMATSEG_SITE_H

#include <stddef.h>

#include "answer.h"
#include "err.h"

typedef struct {
	char *url;		/* "/", "/app.js", "/samples/NAME.jpg" ... */
	const char *type;	/* Content-Type */
	char *data;
	size_t len;
	int sample;		/* one of the sample photos */
} SiteFile;

typedef struct Site Site;

Site *site_load(Err *e);
void site_free(Site *s);
/* The file served at url (no query), or NULL. */
const SiteFile *site_find(const Site *s, const char *url);
/* GET /v1/samples: the sample photos' URLs and the attribution. */
void site_samples(const Site *s, Answer *a);

#endif
