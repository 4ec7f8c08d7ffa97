/* SPDX-License-Identifier: Apache-2.0 */
/* Rekeyed inbound SAs kept for late packets (linger.h). */
#include "daemon/linger.h"

#include <event2/event.h>
#include <stdlib.h>

#include "daemon/conn.h"
#include "daemon/daemon.h"
#include "daemon/dataplane/dataplane.h"
#include "daemon/base/log.h"

struct sa_linger {
	struct sa_linger *next;
	struct daemon *d;		/* borrowed */
	struct conn *c;			/* borrowed: conn_teardown flushes its entries */
	uint32_t spi;
	struct dp_sa_stats at;		/* counted in c->past already */
	struct event *ev;		/* owned */
};

/* Count what came since linger_add, remove the SA, unlink and free e. */
static void finish(struct sa_linger **pp)
{
	struct sa_linger *e = *pp;
	struct dp_sa_stats now;

	if (dp_sa_get_stats(e->d->dp, true, e->spi, &now) == 0)
		io_count_inbound(&e->c->past, &now, &e->at);
	dp_sa_remove(e->d->dp, true, e->spi);
	*pp = e->next;
	event_free(e->ev);
	free(e);
}

static void expire(evutil_socket_t fd, short what, void *arg)
{
	struct sa_linger *e = arg;
	struct sa_linger **pp = &e->d->lingering;

	(void)fd;
	(void)what;
	while (*pp && *pp != e)
		pp = &(*pp)->next;
	if (*pp)
		finish(pp);
}

void linger_add(struct daemon *d, struct conn *c, uint32_t spi_in)
{
	struct sa_linger *e = calloc(1, sizeof(*e));
	struct timeval tv = { LINGER_S, 0 };

	if (e)
		e->ev = evtimer_new(d->base, expire, e);
	if (!e || !e->ev || dp_sa_get_stats(d->dp, true, spi_in, &e->at) != 0) {
		if (e && e->ev)
			event_free(e->ev);
		free(e);
		dp_sa_remove(d->dp, true, spi_in);
		return;
	}
	e->d = d;
	e->c = c;
	e->spi = spi_in;
	e->next = d->lingering;
	d->lingering = e;
	evtimer_add(e->ev, &tv);
}

void linger_flush(struct daemon *d, const struct conn *c)
{
	struct sa_linger **pp = &d->lingering;

	while (*pp) {
		if (!c || (*pp)->c == c)
			finish(pp);
		else
			pp = &(*pp)->next;
	}
}

size_t linger_count(const struct daemon *d, const struct conn *c)
{
	size_t n = 0;

	for (const struct sa_linger *e = d->lingering; e; e = e->next)
		n += e->c == c;
	return n;
}
