/* metrics — what unet-serve counts, in Prometheus' text format (GET
 * /metrics): requests by endpoint and status, a latency histogram,
 * photos and pixels segmented. Thread-safe; the server owns it. */
#ifndef IMATSEG_METRICS_H
#define IMATSEG_METRICS_H

#include <stddef.h>
#include <stdint.h>

typedef struct Metrics Metrics;

/* The endpoints counted apart; anything else is "other". */
extern const char *const metrics_endpoint[];
enum { EP_PAGE, EP_STATIC, EP_SAMPLES, EP_SEGMENT, EP_MODEL, EP_HEALTH,
	EP_METRICS, EP_OTHER, EP_COUNT };

Metrics *metrics_new(void);
void metrics_free(Metrics *m);
/* One answered request: its endpoint, HTTP status, seconds taken. */
void metrics_request(Metrics *m, int endpoint, int status, double seconds);
/* One photo segmented, of npix pixels. */
void metrics_photo(Metrics *m, uint64_t npix);
/* The exposition, with the gauges given; malloc'd, *len bytes. */
char *metrics_text(Metrics *m, int in_flight, size_t queued, size_t *len);

#endif
