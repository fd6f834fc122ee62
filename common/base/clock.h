/* clock — seconds on the monotonic clock, for durations (latencies,
 * deadlines): never set back, unlike the time of day. */
#ifndef IMATSEG_CLOCK_H
#define IMATSEG_CLOCK_H

double clock_now(void);

#endif
