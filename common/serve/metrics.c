/* metrics — counters and the latency histogram. See metrics.h. */
#include "metrics.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "xalloc.h"

const char *const metrics_endpoint[EP_COUNT] = { "/", "/static", "/samples",
    "/v1/segment", "/v1/model", "/healthz", "/metrics", "other" };

/* Statuses are counted apart from 100 to 599. */
enum { STATUS_MIN = 100, STATUS_SPAN = 500 };

/* Upper bounds of the latency buckets, seconds: from a cached answer to
 * a big photo queued behind others. */
static const double bucket_le[] = { 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
    0.5, 1, 2.5, 5, 10, 30 };
enum { NBUCKETS = sizeof bucket_le / sizeof bucket_le[0] };

struct Metrics {
	pthread_mutex_t mu;
	uint64_t requests[EP_COUNT][STATUS_SPAN];
	uint64_t bucket[NBUCKETS + 1];	/* the last is +Inf */
	double seconds;
	uint64_t count, photos, pixels;
};

Metrics *
metrics_new(void)
{
	Metrics *m = xcalloc(1, sizeof *m);

	pthread_mutex_init(&m->mu, NULL);
	return m;
}

void
metrics_free(Metrics *m)
{
	if (m == NULL)
		return;
	pthread_mutex_destroy(&m->mu);
	free(m);
}

void
metrics_request(Metrics *m, int endpoint, int status, double seconds)
{
	int b = 0;

	if (endpoint < 0 || endpoint >= EP_COUNT)
		endpoint = EP_OTHER;
	if (status < STATUS_MIN || status >= STATUS_MIN + STATUS_SPAN)
		status = 500;
	while (b < NBUCKETS && seconds > bucket_le[b])
		b++;
	pthread_mutex_lock(&m->mu);
	m->requests[endpoint][status - STATUS_MIN]++;
	m->bucket[b]++;
	m->seconds += seconds;
	m->count++;
	pthread_mutex_unlock(&m->mu);
}

void
metrics_photo(Metrics *m, uint64_t npix)
{
	pthread_mutex_lock(&m->mu);
	m->photos++;
	m->pixels += npix;
	pthread_mutex_unlock(&m->mu);
}

/* Growing text. */
typedef struct {
	char *s;
	size_t n, cap;
} Out;

static void __attribute__((format(printf, 2, 3)))
out(Out *o, const char *fmt, ...)
{
	va_list ap;
	int k;

	for (;;) {
		va_start(ap, fmt);
		k = vsnprintf(o->s + o->n, o->cap - o->n, fmt, ap);
		va_end(ap);
		if (k >= 0 && (size_t)k < o->cap - o->n)
			break;
		o->cap = o->cap * 2 + (size_t)(k > 0 ? k : 0);
		o->s = xreallocarray(o->s, o->cap, 1);
	}
	o->n += (size_t)k;
}

char *
metrics_text(Metrics *m, int in_flight, size_t queued, size_t *len)
{
	Out o = { xmalloc(4096), 0, 4096 };
	uint64_t cum = 0;

	pthread_mutex_lock(&m->mu);
	out(&o, "# HELP unet_serve_requests_total Requests answered, by "
	    "endpoint and HTTP status.\n"
	    "# TYPE unet_serve_requests_total counter\n");
	for (int e = 0; e < EP_COUNT; e++)
		for (int s = 0; s < STATUS_SPAN; s++)
			if (m->requests[e][s] > 0)
				out(&o, "unet_serve_requests_total{endpoint=\"%s\","
				    "status=\"%d\"} %llu\n", metrics_endpoint[e],
				    s + STATUS_MIN,
				    (unsigned long long)m->requests[e][s]);
	out(&o, "# HELP unet_serve_request_duration_seconds From the request "
	    "line to the answer queued.\n"
	    "# TYPE unet_serve_request_duration_seconds histogram\n");
	for (int b = 0; b <= NBUCKETS; b++) {
		cum += m->bucket[b];
		if (b < NBUCKETS)
			out(&o, "unet_serve_request_duration_seconds_bucket"
			    "{le=\"%g\"} %llu\n", bucket_le[b],
			    (unsigned long long)cum);
		else
			out(&o, "unet_serve_request_duration_seconds_bucket"
			    "{le=\"+Inf\"} %llu\n", (unsigned long long)cum);
	}
	out(&o, "unet_serve_request_duration_seconds_sum %.6f\n"
	    "unet_serve_request_duration_seconds_count %llu\n",
	    m->seconds, (unsigned long long)m->count);
	out(&o, "# HELP unet_serve_requests_in_flight Requests begun and not "
	    "yet answered.\n# TYPE unet_serve_requests_in_flight gauge\n"
	    "unet_serve_requests_in_flight %d\n"
	    "# HELP unet_serve_queue_length Photos waiting for a worker.\n"
	    "# TYPE unet_serve_queue_length gauge\nunet_serve_queue_length %zu\n"
	    "# HELP unet_serve_photos_segmented_total Photos segmented.\n"
	    "# TYPE unet_serve_photos_segmented_total counter\n"
	    "unet_serve_photos_segmented_total %llu\n"
	    "# HELP unet_serve_pixels_segmented_total Pixels of the photos "
	    "segmented, at their own size.\n"
	    "# TYPE unet_serve_pixels_segmented_total counter\n"
	    "unet_serve_pixels_segmented_total %llu\n", in_flight, queued,
	    (unsigned long long)m->photos, (unsigned long long)m->pixels);
	pthread_mutex_unlock(&m->mu);
	*len = o.n;
	return o.s;
}
