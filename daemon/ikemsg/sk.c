/* SPDX-License-Identifier: Apache-2.0 */
/* SK payload sealing and opening.  CBC: IV | E(inner | pad | padlen) | ICV,
 * the ICV over the whole message before it.  AEAD (AES-GCM, RFC 5282;
 * ChaCha20-Poly1305, RFC 7634 3): 8-byte IV, AAD = the message from the IKE
 * header to the end of the SK generic header, 16-byte tag.  An
 * Encrypted Fragment (SKF, RFC 7383 2.5) is the same envelope around one
 * piece of the inner payloads, its header 4 bytes longer (Fragment Number,
 * Total Fragments), and those 4 bytes are in the AAD too. */
#include "daemon/ikemsg/sk.h"

#include <string.h>

#include "crypto/aead.h"
#include "crypto/alg.h"
#include "crypto/cipher.h"
#include "crypto/integ.h"
#include "crypto/rand.h"
#include "crypto/secret.h"

static int seal_aead(struct ike_msgb *b, const struct ike_crypt_keys *k, size_t sk_off,
		     size_t hdr_len, size_t ptlen)
{
	uint8_t *iv = wbuf_reserve(&b->out, 8);
	uint8_t *ct = wbuf_reserve(&b->out, ptlen);
	uint8_t *tag = wbuf_reserve(&b->out, 16);
	if (!iv || !tag || rand_bytes(iv, 8))
		return -1;
	wbuf_put_u16_at(&b->out, sk_off + 2, (uint16_t)(b->out.len - sk_off));
	wbuf_put_u32_at(&b->out, 24, (uint32_t)b->out.len);
	struct aead *a = aead_new_alg(k->encr, k->ke->buf, k->ke->len);
	if (!a)
		return -1;
	int r = aead_encrypt(a, iv, b->out.p, sk_off + hdr_len, b->inner.p, ptlen, ct, tag);
	aead_free(a);
	return r;
}

static int seal_cbc(struct ike_msgb *b, const struct ike_crypt_keys *k, size_t sk_off,
		    size_t ptlen)
{
	size_t icvlen = integ_icv_len(k->integ);
	uint8_t *iv = wbuf_reserve(&b->out, 16);
	uint8_t *ct = wbuf_reserve(&b->out, ptlen);
	uint8_t *icv = wbuf_reserve(&b->out, icvlen);
	if (!iv || !icv || rand_bytes(iv, 16))
		return -1;
	wbuf_put_u16_at(&b->out, sk_off + 2, (uint16_t)(b->out.len - sk_off));
	wbuf_put_u32_at(&b->out, 24, (uint32_t)b->out.len);
	if (cipher_cbc_encrypt(k->ke->buf, k->ke->len, iv, b->inner.p, ct, ptlen))
		return -1;
	return integ_compute(k->integ, k->ka->buf, b->out.p, b->out.len - icvlen, icv);
}

static bool is_aead(const struct ike_crypt_keys *k)
{
	return encr_is_aead(k->encr);
}

/* Pad the plaintext to the cipher's block (AEAD: 4, RFC 5282 3) and end it
 * with the pad length. */
static void pad(struct wbuf *w, const struct ike_crypt_keys *k)
{
	size_t block = is_aead(k) ? 4 : 16;
	uint8_t padlen = (uint8_t)((block - (w->len + 1) % block) % block);

	for (unsigned i = 0; i < padlen; i++)
		wbuf_u8(w, 0);
	wbuf_u8(w, padlen);
}

size_t ike_crypt_overhead(const struct ike_crypt_keys *k)
{
	return is_aead(k) ? 8 + 16 : 16 + integ_icv_len(k->integ);
}

size_t ike_crypt_sealed_len(const struct ike_crypt_keys *k, size_t outer_len, size_t inner_len)
{
	size_t block = is_aead(k) ? 4 : 16;

	return outer_len + IKE_GENERIC_HDR_LEN + ike_crypt_overhead(k) +
	       (inner_len + 1 + block - 1) / block * block;
}

size_t ike_crypt_fragment_room(const struct ike_crypt_keys *k, size_t datagram)
{
	size_t fixed = IKE_HDR_LEN + IKE_GENERIC_HDR_LEN + 4 + ike_crypt_overhead(k);
	size_t block = is_aead(k) ? 4 : 16;

	if (datagram < fixed + block)
		return 0;
	/* the largest piece whose padded length (with the pad length byte) fits */
	return (datagram - fixed) / block * block - 1;
}

int ike_crypt_seal(struct ike_msgb *b, const struct ike_crypt_keys *k)
{
	bool aead = is_aead(k);

	pad(&b->inner, k);
	if (b->inner.err || b->out.err)
		return -1;
	/* SK generic header: its next-payload field names the first inner payload */
	uint8_t first = b->first_inner;
	b->cur = &b->out;
	b->next_off = b->outer_next_off;
	b->prev_in_out = true;
	b->has_prev = true;
	size_t sk_off = ike_msgb_pl_begin(b, PL_SK);
	b->out.p[sk_off] = first;
	int r = aead ? seal_aead(b, k, sk_off, IKE_GENERIC_HDR_LEN, b->inner.len)
		    : seal_cbc(b, k, sk_off, b->inner.len);
	secret_wipe(b->inner.p, b->inner.len);
	if (r || b->out.err)
		return -1;
	return (int)b->out.len;
}

int ike_crypt_seal_fragment(const struct ike_hdr *h, uint8_t first_inner, uint16_t num,
			    uint16_t total, const uint8_t *piece, size_t len,
			    const struct ike_crypt_keys *k, uint8_t *out, size_t cap,
			    uint8_t *scratch, size_t scratch_cap)
{
	struct ike_msgb b;
	int r;

	if (num == 0 || num > total)
		return -1;
	ike_msgb_init(&b, out, cap, scratch, scratch_cap, h);
	wbuf_bytes(&b.inner, piece, len);
	pad(&b.inner, k);
	size_t sk_off = ike_msgb_pl_begin(&b, PL_SKF);
	if (b.out.err || b.inner.err) {
		secret_wipe(scratch, b.inner.len);
		return -1;
	}
	b.out.p[sk_off] = num == 1 ? first_inner : PL_NONE;	/* RFC 7383 2.5 */
	wbuf_u16(&b.out, num);
	wbuf_u16(&b.out, total);
	r = is_aead(k) ? seal_aead(&b, k, sk_off, IKE_GENERIC_HDR_LEN + 4, b.inner.len)
		      : seal_cbc(&b, k, sk_off, b.inner.len);
	secret_wipe(scratch, b.inner.len);
	if (r || b.out.err)
		return -1;
	return (int)b.out.len;
}

static int open_aead(const struct ike_msg *m, const struct ike_crypt_keys *k, uint8_t *plain,
		     size_t cap, size_t *ptlen)
{
	if (m->sk.len < 8 + 16 + 1)
		return -1;
	size_t ctlen = m->sk.len - 8 - 16;
	if (ctlen > cap)
		return -1;
	struct aead *a = aead_new_alg(k->encr, k->ke->buf, k->ke->len);
	if (!a)
		return -1;
	int r = aead_decrypt(a, m->sk.data, m->raw, m->sk.offset + m->sk.hdr_len, m->sk.data + 8,
			     ctlen, plain, m->sk.data + 8 + ctlen);
	aead_free(a);
	*ptlen = ctlen;
	return r;
}

static int open_cbc(const struct ike_msg *m, const struct ike_crypt_keys *k, uint8_t *plain,
		    size_t cap, size_t *ptlen)
{
	size_t icvlen = integ_icv_len(k->integ);
	if (icvlen == 0 || m->sk.len < 16 + 16 + icvlen)
		return -1;
	size_t ctlen = m->sk.len - 16 - icvlen;
	/* the SK payload is last, so the ICV ends the message */
	if (ctlen % 16 || ctlen > cap || m->sk.data + m->sk.len != m->raw + m->raw_len)
		return -1;
	if (integ_verify(k->integ, k->ka->buf, m->raw, m->raw_len - icvlen,
			 m->raw + m->raw_len - icvlen))
		return -1;
	if (cipher_cbc_decrypt(k->ke->buf, k->ke->len, m->sk.data, m->sk.data + 16, plain, ctlen))
		return -1;
	*ptlen = ctlen;
	return 0;
}

int ike_crypt_open(const struct ike_msg *msg, const struct ike_crypt_keys *k, uint8_t *plain,
		   size_t cap, size_t *plain_len)
{
	size_t n = 0;
	int r;

	if (!(msg->outer & (PL_BIT(PL_SK) | PL_BIT(PL_SKF))) || !msg->sk.hdr_len)
		return -1;
	if (encr_is_aead(k->encr))
		r = open_aead(msg, k, plain, cap, &n);
	else
		r = open_cbc(msg, k, plain, cap, &n);
	if (r || n == 0 || plain[n - 1] >= n) {
		secret_wipe(plain, n < cap ? n : cap);
		return -1;
	}
	*plain_len = n - 1 - plain[n - 1];
	return 0;
}
