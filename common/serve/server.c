/* server — requests in, answers out, on libmicrohttpd. See server.h.
 *
 * A request's Req is made when its request line arrives (the URI log
 * callback, which sees the query string as sent) and freed when
 * libmicrohttpd says it completed. GET answers are made at once on the
 * event thread. A photo's body is gathered (at most max_bytes: a larger
 * Content-Length is refused before 100 Continue, a body without one is
 * counted as it comes and the rest drained, so the client reads the 413
 * rather than a reset), then its connection is suspended while a worker
 * segments it, and resumed with the answer. */
#include "server.h"

#include <netdb.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "answer.h"
#include "clock.h"
#include "httpparse.h"
#include "pool.h"
#include "metrics.h"
#include "parse.h"
#include "path.h"
#include "segment.h"
#include "site.h"
#include "xalloc.h"

typedef struct Req Req;

/* A connection, for the deadline of the request arriving on it. */
typedef struct Conn {
	struct Conn *prev, *next;
	int fd;
	double since;		/* when its current request may start */
	int busy;		/* its request is ours (queued, computing) */
	Req *req;		/* the request in progress, if any */
} Conn;

struct Server {
	ServerConfig c;
	Model *model;
	Site *site;
	Metrics *metrics;
	Pool *jobs;
	struct MHD_Daemon *d;
	int port;
	pthread_mutex_t mu;	/* conns, active, the deadlines */
	Conn *conns;
	int active;		/* requests begun and not completed */
	char mhd_msg[256];	/* libmicrohttpd's last complaint */
};

/* A request's life: headers judged, body arriving (or being thrown
 * away), with a worker, answer ready, answer queued. */
enum { ST_NEW, ST_BODY, ST_DRAIN, ST_QUEUED, ST_DONE, ST_SENT };

struct Req {
	Server *s;
	struct MHD_Connection *mc;
	Conn *conn;
	char *uri;		/* as sent: path and query */
	char method[8];
	double t0;
	int endpoint, state, cut;
	uint8_t *body;
	size_t n, cap;
	Slice boundary;
	char bbuf[72];
	int multipart;
	SegOptions opt;
	Answer a;
	const char *allow;	/* for a 405 */
	const SiteFile *file;	/* a static answer */
	size_t sent;
	uint64_t npix;
};

/* --- answers --------------------------------------------------------- */

static enum MHD_Result
reply(Req *r)
{
	struct MHD_Response *resp;
	enum MHD_Result rc;
	char retry[16];

	if (r->file != NULL) {
		resp = MHD_create_response_from_buffer(r->file->len,
		    r->file->data, MHD_RESPMEM_PERSISTENT);
		r->a.status = 200;
		r->a.type = r->file->type;
		r->sent = r->file->len;
	} else {
		resp = MHD_create_response_from_buffer(r->a.len, r->a.body,
		    MHD_RESPMEM_MUST_FREE);
		r->sent = r->a.len;
		r->a.body = NULL;	/* libmicrohttpd frees it */
	}
	if (resp == NULL)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r->a.type);
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	if (r->file == NULL || !r->file->sample)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL,
		    "no-store");
	if (r->allow != NULL)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, r->allow);
	if (r->a.status == 503) {
		snprintf(retry, sizeof retry, "%d", 1);
		MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, retry);
	}
	rc = MHD_queue_response(r->mc, (unsigned)r->a.status, resp);
	MHD_destroy_response(resp);
	r->state = ST_SENT;
	return rc;
}

static enum MHD_Result
refuse(Req *r, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static enum MHD_Result
refuse(Req *r, int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	answer_verror(&r->a, status, fmt, ap);
	va_end(ap);
	return reply(r);
}

/* --- routing --------------------------------------------------------- */

static int
is_get(const char *m)
{
	return strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0;
}

/* Where url goes: EP_OTHER is no page of ours. */
static int
endpoint_of(const Server *s, const char *url)
{
	static const struct {
		const char *url;
		int endpoint;
	} api[] = {
		{ "/v1/segment", EP_SEGMENT }, { "/v1/model", EP_MODEL },
		{ "/v1/samples", EP_SAMPLES }, { "/healthz", EP_HEALTH },
		{ "/metrics", EP_METRICS }, { "/", EP_PAGE },
	};
	const SiteFile *f;

	for (size_t i = 0; i < sizeof api / sizeof api[0]; i++)
		if (strcmp(url, api[i].url) == 0)
			return api[i].endpoint;
	if ((f = site_find(s->site, url)) == NULL)
		return EP_OTHER;
	return f->sample ? EP_SAMPLES : EP_STATIC;
}

/* The answer of a GET (or HEAD). */
static enum MHD_Result
serve_get(Server *s, Req *r, const char *url)
{
	size_t len;
	char *text;
	int active;

	switch (r->endpoint) {
	case EP_HEALTH:
		answer_bytes(&r->a, "text/plain; charset=utf-8", xstrdup("ok\n"),
		    3);
		break;
	case EP_METRICS:
		pthread_mutex_lock(&s->mu);
		active = s->active;
		pthread_mutex_unlock(&s->mu);
		text = metrics_text(s->metrics, active, pool_waiting(s->jobs),
		    &len);
		answer_bytes(&r->a, "text/plain; version=0.0.4; charset=utf-8",
		    text, len);
		break;
	case EP_MODEL:
		model_info(s->model, &r->a);
		break;
	default:
		if (strcmp(url, "/v1/samples") == 0)
			site_samples(s->site, &r->a);
		else
			r->file = site_find(s->site, url);
	}
	return reply(r);
}

static const char *
header(Req *r, const char *name)
{
	return MHD_lookup_connection_value(r->mc, MHD_HEADER_KIND, name);
}

/* A photo's headers, judged before its body is read: its size, type and
 * the options of its answer. */
static enum MHD_Result
judge_photo(Server *s, Req *r)
{
	const char *len = header(r, MHD_HTTP_HEADER_CONTENT_LENGTH);
	const char *type = header(r, MHD_HTTP_HEADER_CONTENT_TYPE);
	const char *q = strchr(r->uri, '?');
	uint64_t n;
	int rc;
	Err e;

	if (len != NULL && parse_u64(len, 0, UINT64_MAX, &n, &e) == 0 &&
	    n > s->c.max_bytes)
		return refuse(r, 413, "the body's %llu bytes are more than "
		    "%llu (--max-bytes)", (unsigned long long)n,
		    (unsigned long long)s->c.max_bytes);
	switch (body_kind(type, &r->boundary)) {
	case BODY_UNSUPPORTED:
		return refuse(r, 415, "Content-Type %s: send image/jpeg, "
		    "image/png or multipart/form-data", type);
	case BODY_BAD:
		return refuse(r, 400, "Content-Type: not understood (a "
		    "multipart body needs its boundary)");
	case BODY_MULTIPART:
		/* kept with the request, whatever becomes of the headers */
		memcpy(r->bbuf, r->boundary.p, r->boundary.n);
		r->boundary.p = r->bbuf;
		r->multipart = 1;
		break;
	}
	q = q != NULL ? q + 1 : "";
	if ((rc = seg_options(q, strlen(q), header(r, MHD_HTTP_HEADER_ACCEPT),
	    &r->opt, &e)) != 0)
		return refuse(r, rc, "%s", e.msg);
	r->state = ST_BODY;
	return MHD_YES;
}

/* The first call of a request: GETs answered, a photo's headers judged. */
static enum MHD_Result
begin(Server *s, Req *r, const char *url, const char *method)
{
	snprintf(r->method, sizeof r->method, "%s", method);
	r->endpoint = endpoint_of(s, url);
	if (r->endpoint == EP_OTHER)
		return refuse(r, 404, "%s: no such page (see GET /)", url);
	if (r->endpoint != EP_SEGMENT) {
		if (!is_get(method)) {
			r->allow = "GET, HEAD";
			return refuse(r, 405, "%s %s: only GET and HEAD", method,
			    url);
		}
		return serve_get(s, r, url);
	}
	if (strcmp(method, "POST") != 0) {
		r->allow = "POST";
		return refuse(r, 405, "%s /v1/segment: POST a photo", method);
	}
	return judge_photo(s, r);
}

/* --- photos ---------------------------------------------------------- */

static void
take(Server *s, Req *r, const char *data, size_t n)
{
	if (n > s->c.max_bytes - r->n) {
		/* read on, throw away: see the top of the file */
		free(r->body);
		r->body = NULL;
		r->state = ST_DRAIN;
		answer_error(&r->a, 413, "the body is more than %llu bytes "
		    "(--max-bytes)", (unsigned long long)s->c.max_bytes);
		return;
	}
	if (r->n + n > r->cap) {
		r->cap = r->n + n > 2 * r->cap ? r->n + n : 2 * r->cap;
		r->body = xreallocarray(r->body, r->cap, 1);
	}
	memcpy(r->body + r->n, data, n);
	r->n += n;
}

static void
segment_job(void *arg, int worker)
{
	Req *r = arg;
	Server *s = r->s;
	Slice content = { (const char *)r->body, r->n }, file = { "", 0 };
	char name[256] = "upload", fname[256] = "";
	Err e;

	(void)worker;
	if (r->multipart && multipart_file(r->body, r->n, r->boundary,
	    &content, &file, &e) < 0) {
		answer_error(&r->a, 400, "%s", e.msg);
	} else {
		if (file.n > 0) {
			/* a browser's file name, never a path of ours */
			snprintf(fname, sizeof fname, "%.*s", (int)file.n, file.p);
			snprintf(name, sizeof name, "%s", path_base(fname));
			snprintf(fname, sizeof fname, "%s", name);
		}
		model_segment(s->model, (const uint8_t *)content.p, content.n,
		    name, fname, &r->opt, s->c.max_pixels, &r->a, &r->npix);
		if (r->npix > 0)
			metrics_photo(s->metrics, r->npix);
	}
	pthread_mutex_lock(&s->mu);
	if (r->conn != NULL) {
		r->conn->busy = 0;
		/* sending the answer gets a deadline of its own */
		r->conn->since = clock_now();
	}
	r->state = ST_DONE;
	pthread_mutex_unlock(&s->mu);
	MHD_resume_connection(r->mc);
}

/* The body is whole: to a worker, or 503 when the queue is full. */
static enum MHD_Result
queue_photo(Server *s, Req *r)
{
	/* this thread alone queues, so room now is room at pool_try */
	if (pool_waiting(s->jobs) >= (size_t)s->c.queue)
		return refuse(r, 503, "busy: %d photos wait already (--queue); "
		    "try again", s->c.queue);
	pthread_mutex_lock(&s->mu);
	if (r->conn != NULL)
		r->conn->busy = 1;
	r->state = ST_QUEUED;
	pthread_mutex_unlock(&s->mu);
	/* suspended before a worker can resume it */
	MHD_suspend_connection(r->mc);
	if (pool_try(s->jobs, segment_job, r) < 0) {
		answer_error(&r->a, 503, "busy: try again");
		r->state = ST_DONE;
		MHD_resume_connection(r->mc);
	}
	return MHD_YES;
}

static enum MHD_Result
handle(void *cls, struct MHD_Connection *mc, const char *url,
    const char *method, const char *version, const char *data, size_t *size,
    void **req_cls)
{
	Server *s = cls;
	Req *r = *req_cls;

	(void)version;
	if (r == NULL)
		return MHD_NO;
	r->mc = mc;
	switch (r->state) {
	case ST_NEW:
		return begin(s, r, url, method);
	case ST_BODY:
		if (*size == 0)
			return queue_photo(s, r);
		take(s, r, data, *size);
		*size = 0;
		return MHD_YES;
	case ST_DRAIN:
		if (*size == 0)
			return reply(r);
		*size = 0;
		return MHD_YES;
	case ST_DONE:
		return reply(r);
	}
	*size = 0;	/* a body after the answer: ignored */
	return MHD_YES;
}

/* --- requests and connections ---------------------------------------- */

static void *
uri_log(void *cls, const char *uri, struct MHD_Connection *mc)
{
	Server *s = cls;
	Req *r = xcalloc(1, sizeof *r);
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(mc,
	    MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	r->s = s;
	r->mc = mc;
	r->uri = xstrdup(uri);
	r->t0 = clock_now();
	r->endpoint = EP_OTHER;
	pthread_mutex_lock(&s->mu);
	s->active++;
	r->conn = ci != NULL ? ci->socket_context : NULL;
	if (r->conn != NULL)
		r->conn->req = r;
	pthread_mutex_unlock(&s->mu);
	return r;
}

static void
completed(void *cls, struct MHD_Connection *mc, void **req_cls,
    enum MHD_RequestTerminationCode toe)
{
	Server *s = cls;
	Req *r = *req_cls;
	double secs;
	int status;
	char line[700];
	size_t qlen;

	(void)mc, (void)toe;
	if (r == NULL)
		return;
	*req_cls = NULL;
	secs = clock_now() - r->t0;
	/* without an answer: cut at its deadline (408), or the client went
	 * away first (499, as nginx logs it) */
	status = r->state == ST_SENT ? r->a.status : r->cut ? 408 : 499;
	metrics_request(s->metrics, r->endpoint, status, secs);
	if (s->c.log != NULL) {
		qlen = strcspn(r->uri, "?");
		snprintf(line, sizeof line, "%s %.*s %d %zu %.0f ms",
		    r->method[0] ? r->method : "-", (int)(qlen < 500 ? qlen : 500),
		    r->uri, status, r->sent, secs * 1e3);
		s->c.log(s->c.log_arg, line);
	}
	pthread_mutex_lock(&s->mu);
	s->active--;
	if (r->conn != NULL && r->conn->req == r) {
		r->conn->req = NULL;
		r->conn->since = clock_now();
	}
	pthread_mutex_unlock(&s->mu);
	answer_free(&r->a);
	free(r->body), free(r->uri), free(r);
}

static void
on_connection(void *cls, struct MHD_Connection *mc, void **socket_ctx,
    enum MHD_ConnectionNotificationCode code)
{
	Server *s = cls;
	Conn *k;

	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *ci = MHD_get_connection_info(mc,
		    MHD_CONNECTION_INFO_CONNECTION_FD);

		k = xcalloc(1, sizeof *k);
		k->fd = ci != NULL ? ci->connect_fd : -1;
		k->since = clock_now();
		pthread_mutex_lock(&s->mu);
		k->next = s->conns;
		if (s->conns != NULL)
			s->conns->prev = k;
		s->conns = k;
		pthread_mutex_unlock(&s->mu);
		*socket_ctx = k;
		return;
	}
	if ((k = *socket_ctx) == NULL)
		return;
	pthread_mutex_lock(&s->mu);
	if (k->prev != NULL)
		k->prev->next = k->next;
	else
		s->conns = k->next;
	if (k->next != NULL)
		k->next->prev = k->prev;
	if (k->req != NULL)
		k->req->conn = NULL;
	pthread_mutex_unlock(&s->mu);
	*socket_ctx = NULL;
	free(k);
}

void
server_tick(Server *s)
{
	double t = clock_now();

	pthread_mutex_lock(&s->mu);
	for (Conn *k = s->conns; k != NULL; k = k->next)
		if (!k->busy && k->fd >= 0 && t - k->since > s->c.timeout) {
			/* libmicrohttpd sees the end of the stream and closes;
			 * the fd stays open until it does (CLOSED takes mu) */
			shutdown(k->fd, SHUT_RDWR);
			if (k->req != NULL)
				k->req->cut = 1;
			k->since = t + 1e9;
		}
	pthread_mutex_unlock(&s->mu);
}

/* --- start and stop -------------------------------------------------- */

static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	Server *s = cls;
	size_t n;

	pthread_mutex_lock(&s->mu);
	vsnprintf(s->mhd_msg, sizeof s->mhd_msg, fmt, ap);
	n = strlen(s->mhd_msg);
	while (n > 0 && (s->mhd_msg[n - 1] == '\n' || s->mhd_msg[n - 1] == '.'))
		s->mhd_msg[--n] = '\0';
	pthread_mutex_unlock(&s->mu);
}

static void
free_server(Server *s)
{
	pool_free(s->jobs);
	model_free(s->model);
	site_free(s->site);
	metrics_free(s->metrics);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

static int
listen_on(Server *s, Err *e)
{
	struct addrinfo hints = { .ai_flags = AI_PASSIVE | AI_NUMERICSERV,
	    .ai_socktype = SOCK_STREAM }, *ai;
	const union MHD_DaemonInfo *di;
	int rc;
	unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME |
	    MHD_USE_ITC | MHD_USE_ERROR_LOG;

	if ((rc = getaddrinfo(s->c.host, s->c.port, &hints, &ai)) != 0)
		return err_set(e, "--listen %s:%s: %s", s->c.host, s->c.port,
		    gai_strerror(rc));
	if (ai->ai_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	s->d = MHD_start_daemon(flags, 0, NULL, NULL, handle, s,
	    MHD_OPTION_EXTERNAL_LOGGER, mhd_log, s,
	    MHD_OPTION_SOCK_ADDR, ai->ai_addr,
	    MHD_OPTION_CONNECTION_TIMEOUT, s->c.timeout,
	    MHD_OPTION_CONNECTION_LIMIT, 256u,
	    MHD_OPTION_URI_LOG_CALLBACK, uri_log, s,
	    MHD_OPTION_NOTIFY_COMPLETED, completed, s,
	    MHD_OPTION_NOTIFY_CONNECTION, on_connection, s,
	    MHD_OPTION_END);
	freeaddrinfo(ai);
	if (s->d == NULL)
		return err_set(e, "--listen %s:%s: cannot listen%s%s", s->c.host,
		    s->c.port, s->mhd_msg[0] ? ": " : "", s->mhd_msg);
	di = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
	s->port = di != NULL ? di->port : 0;
	return 0;
}

Server *
server_start(const ServerConfig *c, Err *e)
{
	Server *s = xcalloc(1, sizeof *s);
	int per_net = c->threads / c->nets;

	s->c = *c;
	pthread_mutex_init(&s->mu, NULL);
	s->metrics = metrics_new();
	if ((s->site = site_load(e)) == NULL ||
	    (s->model = model_open(c->model, c->labels, c->nets,
	    per_net > 0 ? per_net : 1, c->letterbox, e)) == NULL ||
	    (s->jobs = pool_new(c->threads, (size_t)c->queue, e)) == NULL ||
	    listen_on(s, e) < 0) {
		free_server(s);
		return NULL;
	}
	return s;
}

int
server_port(const Server *s)
{
	return s->port;
}

void
server_stop(Server *s)
{
	MHD_socket fd = MHD_quiesce_daemon(s->d);
	int active;

	if (fd != MHD_INVALID_SOCKET)
		close(fd);
	/* the requests in flight finish; those that stall are cut */
	for (;;) {
		pthread_mutex_lock(&s->mu);
		active = s->active;
		pthread_mutex_unlock(&s->mu);
		if (active == 0)
			break;
		server_tick(s);
		nanosleep(&(struct timespec){ 0, 20000000 }, NULL);
	}
	pool_wait(s->jobs);
	MHD_stop_daemon(s->d);
	free_server(s);
}
