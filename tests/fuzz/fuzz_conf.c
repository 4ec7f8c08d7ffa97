/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: the configuration loader (conf/) on any text.
 *
 * The input is split at its first NUL: before it the *.conf text, after it
 * the *.secrets text (no NUL: no secrets file).  Besides "no crash", the
 * loader's promises are checked: a result or problems, never both; every
 * problem is a non-empty message; and a PSK never shows in a message. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *dup_text(const uint8_t *p, size_t n)
{
	char *s = malloc(n + 1);

	if (!s)
		abort();
	memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

/* The text of the first `PSK "..."` in the secrets, if it is long enough
 * to be told apart from other words and occurs nowhere else in the input. */
static char *find_psk(const char *conf, const char *secrets)
{
	const char *p = strstr(secrets, "PSK \""), *end;
	char *psk;

	if (!p)
		return NULL;
	p += 5;
	end = strchr(p, '"');
	if (!end || end - p < 12)
		return NULL;
	psk = dup_text((const uint8_t *)p, (size_t)(end - p));
	if (strstr(conf, psk) || strstr(secrets, psk) != p || strstr(end, psk)) {
		free(psk);
		return NULL;
	}
	return psk;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	size_t conf_len = nul ? (size_t)(nul - data) : size;
	char *conf = dup_text(data, conf_len);
	char *secrets = nul ? dup_text(nul + 1, size - conf_len - 1) : NULL;
	char *psk = secrets ? find_psk(conf, secrets) : NULL;
	struct conf_diag diag = { 0 };
	struct conf *c = NULL;
	int r = conf_load_text("fuzz.conf", conf, "fuzz.secrets", secrets, &c, &diag);

	if (r == 0 ? (c == NULL || diag.n != 0) : (c != NULL || diag.n == 0))
		abort();
	for (size_t i = 0; i < diag.n; i++) {
		if (!diag.msgs[i] || !diag.msgs[i][0])
			abort();
		if (psk && strstr(diag.msgs[i], psk))
			abort();	/* a secret in a log line */
	}
	for (size_t i = 0; i < diag.n_notes; i++)
		if (!diag.notes[i] || (psk && strstr(diag.notes[i], psk)))
			abort();	/* notes and warnings too */
	for (size_t i = 0; c && i < c->n_conns; i++)
		if (!memchr(c->conns[i].name, '\0', sizeof(c->conns[i].name)))
			abort();
	conf_free(c);
	conf_diag_free(&diag);
	free(psk);
	free(conf);
	free(secrets);
	return 0;
}
