/* SPDX-License-Identifier: Apache-2.0 */
/* One .conf file of mcvpnd's directory (and what it includes) -> conns
 * under construction: sections.c gives the structure (includes, %default,
 * also=), keys.c the meaning of each key, setup.c that of config setup. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/internal.h"

/* A new conn from the built-in defaults; NULL on ENOMEM. */
static struct conn_build *conn_add(struct loader *ld)
{
	if (ld->n_conns == ld->cap_conns) {
		size_t cap = ld->cap_conns ? ld->cap_conns * 2 : 8;
		struct conn_build *grown = realloc(ld->conns, cap * sizeof(*grown));

		if (!grown)
			return NULL;
		ld->conns = grown;
		ld->cap_conns = cap;
	}
	return &ld->conns[ld->n_conns++];
}

static void conn_build(struct loader *ld, const struct cf_conn *cc)
{
	struct conn_build *cb = conn_add(ld);

	if (!cb) {
		diag_add(ld, cc->sec->file, cc->sec->line, "out of memory");
		return;
	}
	keys_defaults(cb);
	snprintf(cb->c.name, sizeof(cb->c.name), "%s", cc->sec->name);
	snprintf(cb->c.file, sizeof(cb->c.file), "%s", cc->sec->file);
	cb->c.line = cc->sec->line;
	for (size_t i = 0; i < cc->n_refs; i++) {
		const struct cf_key *k = cc->refs[i].k;

		keys_apply(ld, cb, k->file, k->line, k->key, k->value);
	}
}

void parser_run(struct loader *ld, struct cfile *f)
{
	struct cf_unit u = { 0 };
	struct cf_conns conns = { 0 };

	cf_read(ld, f, &u);
	for (size_t s = 0; s < u.n_secs; s++)
		if (u.secs[s].kind == CF_SETUP)
			setup_section(ld, &u, &u.secs[s]);
	cf_flatten(ld, &u, &conns);
	for (size_t i = 0; i < conns.n; i++)
		conn_build(ld, &conns.c[i]);
	cf_conns_free(&conns);
	cf_unit_free(&u);
}
