/* Problems found while loading: "FILE:LINE: reason" strings appended to the
 * caller's struct conf_diag.  A message that cannot be stored (ENOMEM) is
 * still counted, so the load fails either way. */
#include <stdio.h>
#include <stdlib.h>

#include "conf/internal.h"

static void diag_push(struct conf_diag *d, char *msg)
{
	char **grown = realloc(d->msgs, (d->n + 1) * sizeof(*d->msgs));

	if (!grown) {
		free(msg);
		return;
	}
	d->msgs = grown;
	d->msgs[d->n++] = msg;
}

void diag_add(struct loader *ld, const char *file, int line, const char *fmt, ...)
{
	char reason[1024];
	char *msg = NULL;
	va_list ap;
	int r;

	ld->problems++;
	if (!ld->diag)
		return;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	if (line > 0)
		r = asprintf(&msg, "%s:%d: %s", file, line, reason);
	else
		r = asprintf(&msg, "%s: %s", file, reason);
	if (r < 0)
		return;
	diag_push(ld->diag, msg);
}

void conf_diag_free(struct conf_diag *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n; i++)
		free(d->msgs[i]);
	free(d->msgs);
	d->msgs = NULL;
	d->n = 0;
}
