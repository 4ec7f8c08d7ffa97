/* Small pieces several exchanges share: the KE payload of a DH key, an
 * encrypted response made of one notify, SPI byte order, nonce order. */
#include "daemon/ike/engine.h"

#include <string.h>
#include "daemon/base/bytes.h"

#include "crypto/alg.h"
#include "crypto/dh.h"

int ike_add_ke(struct ike_msgb *b, const struct dh *dh)
{
	uint8_t pub[1024];
	unsigned g = dh_group_of(dh);
	size_t n = dh_pub_len(g);

	if (n == 0 || n > sizeof(pub) || dh_public(dh, pub, n))
		return -1;
	pl_data_build(b, PL_KE, (uint16_t)g, pub, n);
	return 0;
}

void ike_respond_notify(struct ike_sa *sa, uint8_t exchange, uint16_t type, const uint8_t *data,
			size_t len)
{
	uint8_t out[512], inner[256];
	struct ike_msgb b;
	struct ike_hdr h;

	ike_sa_hdr(sa, &h, exchange, true, sa->peer_msgid);
	ike_msgb_init(&b, out, sizeof(out), inner, sizeof(inner), &h);
	ike_msgb_begin_encrypted(&b);
	if (type)
		pl_notify_build(&b, 0, NULL, 0, type, data, len);
	ike_exchange_send_sealed(sa, &b, true, PEND_NONE);
}

void ike_put_spi32(uint8_t out[4], uint32_t v)
{
	put_be32(out, v);
}

uint32_t ike_get_spi32(const uint8_t *p)
{
	return get_be32(p);
}

void ike_put_spi64(uint8_t out[8], uint64_t v)
{
	put_be64(out, v);
}

uint64_t ike_get_spi64(const uint8_t *p)
{
	return get_be64(p);
}

int ike_nonce_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	int r = memcmp(a, b, alen < blen ? alen : blen);
	return r ? r : (alen > blen) - (alen < blen);
}

const uint8_t *ike_nonce_lower(const uint8_t *ni, size_t nilen, const uint8_t *nr, size_t nrlen,
			       size_t *len)
{
	bool i = ike_nonce_cmp(ni, nilen, nr, nrlen) < 0;
	*len = i ? nilen : nrlen;
	return i ? ni : nr;
}
