/* SPDX-License-Identifier: Apache-2.0 */
/* What a load found: problems ("FILE:LINE: reason") and notes
 * ("FILE:LINE: warning: ..." / "note: ...") appended to the caller's struct
 * conf_diag.  A problem that cannot be stored (ENOMEM) is still counted, so
 * the load fails either way; the same note twice is kept once. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/internal.h"

static bool push(char ***v, size_t *n, char *msg)
{
	char **grown = realloc(*v, (*n + 1) * sizeof(**v));

	if (!grown) {
		free(msg);
		return false;
	}
	*v = grown;
	(*v)[(*n)++] = msg;
	return true;
}

/* "FILE:LINE: WORDreason" (line 0: "FILE: WORDreason"), NULL on ENOMEM. */
__attribute__((format(printf, 4, 0)))
static char *format(const char *file, int line, const char *word, const char *fmt, va_list ap)
{
	char reason[1024];
	char *msg = NULL;
	int r;

	vsnprintf(reason, sizeof(reason), fmt, ap);
	if (line > 0)
		r = asprintf(&msg, "%s:%d: %s%s", file, line, word, reason);
	else
		r = asprintf(&msg, "%s: %s%s", file, word, reason);
	return r < 0 ? NULL : msg;
}

void diag_add(struct loader *ld, const char *file, int line, const char *fmt, ...)
{
	char *msg;
	va_list ap;

	ld->problems++;
	if (!ld->diag)
		return;
	va_start(ap, fmt);
	msg = format(file, line, "", fmt, ap);
	va_end(ap);
	if (msg)
		push(&ld->diag->msgs, &ld->diag->n, msg);
}

void diag_note(struct loader *ld, enum diag_level level, const char *file, int line,
	       const char *fmt, ...)
{
	char *msg;
	va_list ap;

	if (!ld->diag)
		return;
	va_start(ap, fmt);
	msg = format(file, line, level == CONF_WARNING ? "warning: " : "note: ", fmt, ap);
	va_end(ap);
	for (size_t i = 0; msg && i < ld->diag->n_notes; i++)
		if (strcmp(ld->diag->notes[i], msg) == 0) {	/* a %default key, once per conn */
			free(msg);
			return;
		}
	if (msg && push(&ld->diag->notes, &ld->diag->n_notes, msg))
		ld->diag->n_warnings += level == CONF_WARNING;
}

void conf_diag_free(struct conf_diag *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n; i++)
		free(d->msgs[i]);
	free(d->msgs);
	for (size_t i = 0; i < d->n_notes; i++)
		free(d->notes[i]);
	free(d->notes);
	memset(d, 0, sizeof(*d));
}
