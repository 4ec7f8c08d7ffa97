/* SPDX-License-Identifier: Apache-2.0 */
/* Queries over the recorded data plane calls: which call installed, used,
 * stopped using or removed an SA, across both sides (see harness.h). */
#include <stdio.h>

#include "harness.h"

const struct io_rec *side_io_find(const struct side *s, enum io_kind kind, uint32_t spi_in,
				  unsigned from)
{
	for (unsigned i = from; i < s->n_io; i++)
		if (s->io[i].kind == kind && s->io[i].spi_in == spi_in)
			return &s->io[i];
	return NULL;
}

const struct io_rec *side_io_first_use(const struct side *s, uint32_t spi_out)
{
	for (unsigned i = 0; i < s->n_io; i++)
		if (s->io[i].out_after == spi_out && s->io[i].out_before != spi_out)
			return &s->io[i];
	return NULL;
}

const struct io_rec *side_io_stop_use(const struct side *s, uint32_t spi_out, unsigned from)
{
	for (unsigned i = from; i < s->n_io; i++)
		if (s->io[i].out_before == spi_out && s->io[i].out_after != spi_out)
			return &s->io[i];
	return NULL;
}

void net_dump_io(const struct net *n)
{
	unsigned i[2] = { 0, 0 };

	fprintf(stderr, "  data plane calls (side, kind, SPI in/out, tunnel sends on before -> after):\n");
	while (i[0] < n->s[0].n_io || i[1] < n->s[1].n_io) {
		int k = i[1] >= n->s[1].n_io ||
				(i[0] < n->s[0].n_io && n->s[0].io[i[0]].gseq < n->s[1].io[i[1]].gseq)
			? 0 : 1;
		const struct io_rec *r = &n->s[k].io[i[k]++];
		fprintf(stderr, "  #%-3u %6llu ms %s %c %08x/%08x%s  %08x -> %08x%s%s\n", r->gseq,
			(unsigned long long)r->ms, n->s[k].name, (char)r->kind, r->spi_in, r->spi_out,
			r->standby ? " standby" : "", r->out_before, r->out_after,
			r->why[0] ? " " : "", r->why);
	}
}
