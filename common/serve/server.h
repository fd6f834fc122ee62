/* server — unet-serve's HTTP/1.1 server on libmicrohttpd: one event
 * thread reads requests and writes answers; photos wait in a bounded
 * queue (beyond it: 503 with Retry-After) for `threads` workers that
 * segment them on the model's networks. Each request must arrive whole
 * within `timeout` seconds of its connection's last answer (or opening),
 * else its connection is cut; libmicrohttpd's own timeout counts only
 * idle time. A stop refuses new connections, lets the requests in
 * flight finish, then ends. The Server owns everything it loads. */
#ifndef IMATSEG_SERVER_H
#define IMATSEG_SERVER_H

#include <stdint.h>

#include "err.h"

typedef struct {
	const char *model;	/* the checkpoint */
	const char *labels;	/* label_descriptions.json; NULL: shipped */
	const char *host;	/* numeric address or name to listen on */
	const char *port;	/* "0": any free port */
	int threads;		/* workers */
	int nets;		/* networks (1..threads) */
	int queue;		/* photos that may wait for a worker */
	int letterbox;		/* photos padded to the square */
	uint64_t max_bytes, max_pixels;
	unsigned timeout;	/* seconds */
	/* the access log, one line a request (NULL: none); called on the
	 * event thread */
	void (*log)(void *arg, const char *line);
	void *log_arg;
} ServerConfig;

typedef struct Server Server;

/* Loads the model and the page, listens, and serves on its threads. */
Server *server_start(const ServerConfig *c, Err *e);
/* The port listened on (the one picked, for port 0). */
int server_port(const Server *s);
/* Cuts the connections past their deadline: call about every second. */
void server_tick(Server *s);
/* Stops accepting, lets the requests in flight finish (cutting those
 * past their deadline), stops, frees s. */
void server_stop(Server *s);

#endif
