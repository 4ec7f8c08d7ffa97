/* SPDX-License-Identifier: Apache-2.0 */
/* ESP framing with AES-GCM-16: published packets, round trips of every
 * size, exact trailer layout, and every way a packet must be refused. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "crypto/aead.h"
#include "daemon/dataplane/esp.h"
#include "esp_test_util.h"

#define SPI 0x0a0b0c0d
#define BUF 2048

static const uint8_t src4[4] = { 10, 1, 0, 1 }, dst4[4] = { 10, 2, 0, 1 };
static const uint8_t src6[16] = { 0xfd, 0, 0, 1, [15] = 1 };
static const uint8_t dst6[16] = { 0xfd, 0, 0, 2, [15] = 1 };
static uint8_t keymat[36];

/* Inbound selectors: remote 10.1.0.0-10.1.255.255 and fd00:1::/32,
 * local 10.2.0.0-10.2.255.255 and fd00:2::/32. */
static void set_test_ts(struct esp_sa *sa)
{
	uint8_t a[16] = { 0xfd, 0, 0, 1 }, b[16] = { 0xfd, 0, 0, 1 };
	uint8_t c[16] = { 0xfd, 0, 0, 2 }, d[16] = { 0xfd, 0, 0, 2 };
	struct dp_range remote[2], local[2];

	memset(b + 4, 0xff, 12);
	memset(d + 4, 0xff, 12);
	remote[0] = range4((uint8_t[]){ 10, 1, 0, 0 }, (uint8_t[]){ 10, 1, 255, 255 });
	remote[1] = range6(a, b);
	local[0] = range4((uint8_t[]){ 10, 2, 0, 0 }, (uint8_t[]){ 10, 2, 255, 255 });
	local[1] = range6(c, d);
	CHECK_INT(esp_sa_set_ts(sa, remote, 2, local, 2), 0);
}

static struct esp_sa *new_in(void)
{
	struct esp_sa *sa = esp_sa_new(SPI, keymat, sizeof(keymat));

	CHECK(sa != NULL);
	set_test_ts(sa);
	return sa;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static size_t pad_for(size_t len)
{
	return (4 - (len + 2) % 4) % 4;
}

/* Encap inner through out, check the wire layout, decap through in. */
static void roundtrip(struct esp_sa *out, struct esp_sa *in, const uint8_t *inner,
		      size_t len, uint8_t nh, enum esp_err want)
{
	uint8_t buf[BUF], iv[8] = { 0 };
	uint8_t *got = NULL;
	size_t elen = 0, glen = 0, npad = pad_for(len);
	uint32_t seq = out->seq + 1;

	memcpy(buf + ESP_HEADROOM, inner, len);
	CHECK_INT(esp_sa_encap(out, buf, sizeof(buf), len, nh, &elen), ESP_OK);
	CHECK_INT(elen, ESP_HEADROOM + len + npad + 2 + ESP_ICV_LEN);
	CHECK_INT((elen - ESP_HEADROOM - ESP_ICV_LEN) % 4, 0);
	CHECK_INT(be32(buf), SPI);
	CHECK_INT(be32(buf + 4), seq);
	iv[4] = (uint8_t)(seq >> 24), iv[5] = (uint8_t)(seq >> 16);
	iv[6] = (uint8_t)(seq >> 8), iv[7] = (uint8_t)seq;
	CHECK_MEM(buf + 8, iv, 8);			/* IV = 64-bit sequence number */
	if (len >= 16)
		CHECK(memcmp(buf + ESP_HEADROOM, inner, 16) != 0);
	CHECK_INT(esp_sa_decap(in, buf, elen, &got, &glen), want);
	/* Decrypted in place: the trailer is readable behind the payload. */
	for (size_t i = 0; i < npad; i++)
		CHECK_INT(buf[ESP_HEADROOM + len + i], i + 1);
	CHECK_INT(buf[ESP_HEADROOM + len + npad], npad);
	CHECK_INT(buf[ESP_HEADROOM + len + npad + 1], nh);
	if (want != ESP_OK)
		return;
	CHECK(got == buf + ESP_HEADROOM);
	CHECK_INT(glen, len);
	CHECK_MEM(got, inner, len);
}

/* Every size 20..100, then a spread up to 1500. */
static size_t next_size(size_t s)
{
	return s < 100 ? s + 1 : s + 37 > 1500 && s < 1500 ? 1500 : s + 37;
}

static void test_roundtrip_ipv4(void)
{
	struct esp_sa *out = esp_sa_new(SPI, keymat, sizeof(keymat)), *in = new_in();
	uint8_t pkt[1500];

	for (size_t len = 20; len <= 1500; len = next_size(len)) {
		make_ipv4(pkt, len, src4, dst4);
		roundtrip(out, in, pkt, len, ESP_NH_IPV4, ESP_OK);
	}
	/* Shorter than an IPv4 header: framed fine, refused on the way in. */
	for (size_t len = 0; len < 20; len++) {
		make_ipv4(pkt, 20, src4, dst4);
		roundtrip(out, in, pkt, len, ESP_NH_IPV4, ESP_ERR_INNER_LENGTH);
	}
	esp_sa_free(out);
	esp_sa_free(in);
}

static void test_roundtrip_ipv6(void)
{
	struct esp_sa *out = esp_sa_new(SPI, keymat, sizeof(keymat)), *in = new_in();
	uint8_t pkt[1500];

	for (size_t len = 40; len <= 1500; len = next_size(len)) {
		make_ipv6(pkt, len, src6, dst6);
		roundtrip(out, in, pkt, len, ESP_NH_IPV6, ESP_OK);
	}
	for (size_t len = 0; len < 40; len++) {
		make_ipv6(pkt, 40, src6, dst6);
		roundtrip(out, in, pkt, len, ESP_NH_IPV6, ESP_ERR_INNER_LENGTH);
	}
	esp_sa_free(out);
	esp_sa_free(in);
}

/* draft-mcgrew-gcm-test-01 section 4 ("Test Cases"): complete ESP packets
 * with AES-GCM.  Their IV is not the sequence number, so they go through
 * esp_sa_encap_iv.  Their plaintexts end in a trailer with next header 1,
 * which tunnel mode must refuse after authenticating. */
struct kat {
	const char *name, *keymat, *plaintext, *packet;
	uint32_t spi, seq;
};

static const struct kat kats[] = {
	{
		"AES-128, SPI 0000a5f8, seq 0000000a",
		"feffe9928665731c6d6a8f9467308308 cafebabe",
		"4500003e698f000080114dccc0a80102 c0a801010a980035002a2343b2d00100"
		"00010000000000000373697009637962 65726369747902646b00000100010001",
		"0000a5f8 0000000a facedbaddecaf888"
		"deb22cd9b07c72c16e3a65beeb8df304 a5a5897d33ae530f1ba76d5d114d2a5c"
		"3de81827c10e9a4f51330d0eec416642 cfbb85a5b47e48a4ec3b9ba95d918bd1"
		"83b70d3aa8bc6ee4c309e9d85a41ad4a",
		0x0000a5f8, 0x0000000a,
	},
	{
		"AES-256, SPI 4a2cbfe3, seq 00000002",
		"abbccddef00112233445566778899aab abbccddef00112233445566778899aab 11223344",
		"4500003069a6400080062690c0a80102 9389155e0a9e008b2dc57ee000000000"
		"7002400020bf0000020405b401010402 01020201",
		"4a2cbfe3 00000002 0102030405060708"
		"ff425c9b724599df7a3bcd510194e00d 6a78107f1b0b1cbf06efae9d65a5d763"
		"748a637985771d347f0545659f14e99d ef842d8e"
		"b335f4eecfdbf831824b4c4915956c96",
		0x4a2cbfe3, 0x00000002,
	},
};

static void test_kat(const struct kat *k)
{
	uint8_t km[36], pt[128], want[256], buf[BUF], copy[256], nh = 0, *payload = NULL;
	size_t kmlen = check_unhex(k->keymat, km, sizeof(km));
	size_t ptlen = check_unhex(k->plaintext, pt, sizeof(pt));
	size_t wlen = check_unhex(k->packet, want, sizeof(want));
	size_t inner = ptlen - 2 - pt[ptlen - 2], elen = 0, plen = 0;
	struct esp_sa *out = esp_sa_new(k->spi, km, kmlen), *in = esp_sa_new(k->spi, km, kmlen);

	fprintf(stderr, "KAT %s\n", k->name);
	CHECK(out && in);
	memcpy(buf + ESP_HEADROOM, pt, inner);
	CHECK_INT(esp_sa_encap_iv(out, k->seq, want + 8, buf, sizeof(buf), inner,
				  pt[ptlen - 1], &elen), ESP_OK);
	CHECK_INT(elen, wlen);
	CHECK_MEM(buf, want, wlen);
	CHECK_INT(out->seq, 0);				/* the hook leaves the counter alone */
	memcpy(copy, want, wlen);
	CHECK_INT(esp_sa_decrypt(in, copy, wlen, &payload, &plen, &nh), ESP_OK);
	CHECK_INT(plen, inner);
	CHECK_INT(nh, 1);
	CHECK_MEM(payload, pt, inner);
	memcpy(copy, want, wlen);
	CHECK_INT(esp_sa_decrypt(in, copy, wlen, &payload, &plen, &nh), ESP_ERR_REPLAY);
	/* The whole inbound path authenticates it, then refuses next header 1. */
	esp_sa_free(in);
	in = esp_sa_new(k->spi, km, kmlen);
	set_test_ts(in);
	memcpy(copy, want, wlen);
	CHECK_INT(esp_sa_decap(in, copy, wlen, &payload, &plen), ESP_ERR_NEXT_HEADER);
	esp_sa_free(out);
	esp_sa_free(in);
}

/* One valid packet of a 60-byte IPv4 inner packet with sequence number seq. */
static size_t valid_packet(uint8_t *buf, uint32_t seq)
{
	struct esp_sa *out = esp_sa_new(SPI, keymat, sizeof(keymat));
	size_t elen = esp_test_packet(out, buf, seq, src4, dst4);

	CHECK(elen > 0);
	esp_sa_free(out);
	return elen;
}

/* Every bit flipped at every byte: refused, and the window does not move. */
static void test_tamper(void)
{
	struct esp_sa *in = new_in();
	uint8_t pkt[BUF], bad[BUF];
	size_t len = valid_packet(pkt, 7);
	struct replay before;
	unsigned wrong = 0;

	size_t older = valid_packet(bad, 5);

	CHECK_INT(esp_test_decap_copy(in, bad, older, NULL), ESP_OK);
	before = in->replay;
	for (size_t i = 0; i < len; i++) {
		for (int bit = 0; bit < 8; bit++) {
			enum esp_err e, want = i < 4 ? ESP_ERR_SPI : ESP_ERR_AUTH;

			memcpy(bad, pkt, len);
			bad[i] ^= (uint8_t)(1 << bit);
			e = esp_test_decap_copy(in, bad, len, NULL);
			/* A flipped seq may also fall on a number already seen. */
			if (e != want && !(i >= 4 && i < 8 && e == ESP_ERR_REPLAY))
				wrong++;
		}
	}
	CHECK_INT(wrong, 0);
	CHECK(memcmp(&before, &in->replay, sizeof(before)) == 0);
	CHECK_INT(esp_test_decap_copy(in, pkt, len, NULL), ESP_OK);
	CHECK_INT(esp_test_decap_copy(in, pkt, len, NULL), ESP_ERR_REPLAY);
	esp_sa_free(in);
}

static void test_truncated(void)
{
	struct esp_sa *in = new_in();
	uint8_t pkt[BUF];
	size_t len = valid_packet(pkt, 1);
	unsigned wrong = 0;

	for (size_t l = 0; l < ESP_MIN_LEN; l++)
		wrong += esp_test_decap_copy(in, pkt, l, NULL) != ESP_ERR_LENGTH;
	CHECK_INT(wrong, 0);
	for (size_t cut = 1; cut < 4; cut++)		/* ciphertext not 4-aligned */
		CHECK_INT(esp_test_decap_copy(in, pkt, len - cut, NULL), ESP_ERR_LENGTH);
	CHECK_INT(esp_test_decap_copy(in, pkt, len - 4, NULL), ESP_ERR_AUTH);
	CHECK_INT(in->replay.top, 0);
	CHECK_INT(esp_test_decap_copy(in, pkt, len, NULL), ESP_OK);
	esp_sa_free(in);
}

/* Seal a hand-made plaintext (payload | trailer) as seq, bypassing the
 * encapsulation, to reach the checks behind the AEAD. */
static size_t seal(uint8_t *out, uint32_t seq, const uint8_t *pt, size_t plen)
{
	struct aead *a = aead_new(keymat, sizeof(keymat));
	uint8_t iv[8] = { 0, 0, 0, 0, (uint8_t)(seq >> 24), (uint8_t)(seq >> 16),
			  (uint8_t)(seq >> 8), (uint8_t)seq };

	out[0] = SPI >> 24, out[1] = (SPI >> 16) & 0xff, out[2] = (SPI >> 8) & 0xff;
	out[3] = SPI & 0xff;
	memcpy(out + 4, iv + 4, 4);
	memcpy(out + 8, iv, 8);
	CHECK_INT(aead_encrypt(a, iv, out, 8, pt, plen, out + 16, out + 16 + plen), 0);
	aead_free(a);
	return 16 + plen + 16;
}

/* inner | pad 1..npad (pad_fill overrides the first pad byte when nonzero)
 * | npad_field | nh, sealed and decapsulated: the result. */
static enum esp_err craft(struct esp_sa *in, uint32_t seq, const uint8_t *inner, size_t len,
			  size_t npad, uint8_t npad_field, uint8_t nh, int bad_pad_at)
{
	uint8_t pt[BUF], pkt[BUF];
	size_t plen = len + npad + 2, elen;
	enum esp_err e;

	memcpy(pt, inner, len);
	for (size_t i = 0; i < npad; i++)
		pt[len + i] = (uint8_t)(i + 1);
	if (bad_pad_at >= 0)
		pt[len + bad_pad_at] ^= 0x40;
	pt[len + npad] = npad_field;
	pt[len + npad + 1] = nh;
	elen = seal(pkt, seq, pt, plen);
	e = esp_test_decap_copy(in, pkt, elen, NULL);
	/* Authentic packets spend their number whatever comes after. */
	if (e != ESP_ERR_LENGTH)
		CHECK_INT(esp_test_decap_copy(in, pkt, elen, NULL), ESP_ERR_REPLAY);
	return e;
}

static void test_trailer(void)
{
	struct esp_sa *in = new_in();
	uint8_t p4[40], p6[40];
	uint32_t s = 1;

	make_ipv4(p4, 40, src4, dst4);
	make_ipv6(p6, 40, src6, dst6);
	CHECK_INT(craft(in, s++, p4, 40, 2, 2, 4, -1), ESP_OK);
	CHECK_INT(craft(in, s++, p4, 40, 2, 2, 4, 0), ESP_ERR_PADDING);
	CHECK_INT(craft(in, s++, p4, 40, 2, 2, 4, 1), ESP_ERR_PADDING);
	CHECK_INT(craft(in, s++, p4, 40, 2, 43, 4, -1), ESP_ERR_PADDING);	/* beyond start */
	CHECK_INT(craft(in, s++, p4, 40, 2, 255, 4, -1), ESP_ERR_PADDING);
	CHECK_INT(craft(in, s++, p4, 40, 2, 1, 4, -1), ESP_ERR_PADDING);	/* "02" as pad */
	CHECK_INT(craft(in, s++, p4, 40, 254, 254, 4, -1), ESP_OK);		/* TFC-long pad */
	CHECK_INT(craft(in, s++, p4, 40, 254, 254, 4, 253), ESP_ERR_PADDING);
	CHECK_INT(craft(in, s++, p4, 40, 2, 2, 17, -1), ESP_ERR_NEXT_HEADER);
	CHECK_INT(craft(in, s++, p4, 40, 2, 2, 59, -1), ESP_ERR_NEXT_HEADER);	/* dummy */
	CHECK_INT(craft(in, s++, p4, 40, 2, 2, 41, -1), ESP_ERR_NEXT_HEADER);	/* v4 says v6 */
	CHECK_INT(craft(in, s++, p6, 40, 2, 2, 4, -1), ESP_ERR_NEXT_HEADER);	/* v6 says v4 */
	CHECK_INT(craft(in, s++, p6, 40, 2, 2, 41, -1), ESP_OK);
	esp_sa_free(in);
}

/* A pad length one past the payload start: the byte before it is the IV's
 * last byte, here 1, so a check that reads one byte too far would see
 * 1,2,3.. and accept. */
static void test_pad_overrun(void)
{
	struct esp_sa *in = new_in();
	uint8_t pt[44], pkt[BUF];
	size_t elen;

	for (size_t i = 0; i < 42; i++)
		pt[i] = (uint8_t)(i + 2);
	pt[42] = 43;
	pt[43] = ESP_NH_IPV4;
	elen = seal(pkt, 1, pt, sizeof(pt));
	CHECK_INT(pkt[15], 1);
	CHECK_INT(esp_test_decap_copy(in, pkt, elen, NULL), ESP_ERR_PADDING);
	pt[42] = 42;				/* all padding, no inner packet */
	elen = seal(pkt, 2, pt, sizeof(pt));
	CHECK_INT(esp_test_decap_copy(in, pkt, elen, NULL), ESP_ERR_PADDING);
	esp_sa_free(in);
}

static void test_inner_length(void)
{
	struct esp_sa *in = new_in();
	uint8_t p[64];
	uint32_t s = 1;

	make_ipv4(p, 40, src4, dst4);
	p[3] = 41;						/* total length 41 in 40 bytes */
	CHECK_INT(craft(in, s++, p, 40, 2, 2, 4, -1), ESP_ERR_INNER_LENGTH);
	p[3] = 39;
	CHECK_INT(craft(in, s++, p, 40, 2, 2, 4, -1), ESP_ERR_INNER_LENGTH);
	make_ipv4(p, 40, src4, dst4);
	p[0] = 0x44;						/* IHL 16 bytes */
	CHECK_INT(craft(in, s++, p, 40, 2, 2, 4, -1), ESP_ERR_INNER_LENGTH);
	p[0] = 0x4b;						/* IHL 44 > 40 */
	CHECK_INT(craft(in, s++, p, 40, 2, 2, 4, -1), ESP_ERR_INNER_LENGTH);
	p[0] = 0x4a;						/* IHL 40 = all of it */
	CHECK_INT(craft(in, s++, p, 40, 2, 2, 4, -1), ESP_OK);
	make_ipv6(p, 64, src6, dst6);
	p[5] = 23;						/* payload 23 in 24 */
	CHECK_INT(craft(in, s++, p, 64, 2, 2, 41, -1), ESP_ERR_INNER_LENGTH);
	p[5] = 24;
	CHECK_INT(craft(in, s++, p, 64, 2, 2, 41, -1), ESP_OK);
	esp_sa_free(in);
}

static enum esp_err try_v4(struct esp_sa *in, uint32_t seq, const uint8_t s[4], const uint8_t d[4])
{
	uint8_t p[40];

	make_ipv4(p, 40, s, d);
	return craft(in, seq, p, 40, 2, 2, 4, -1);
}

static void test_selectors(void)
{
	struct esp_sa *in = new_in(), *none = esp_sa_new(SPI, keymat, sizeof(keymat));
	uint8_t p6[40], o6[16] = { 0xfd, 0, 0, 3, [15] = 1 };
	uint32_t s = 1;

	CHECK_INT(try_v4(in, s++, (uint8_t[]){ 10, 1, 0, 0 }, dst4), ESP_OK);
	CHECK_INT(try_v4(in, s++, (uint8_t[]){ 10, 1, 255, 255 }, dst4), ESP_OK);
	CHECK_INT(try_v4(in, s++, (uint8_t[]){ 10, 0, 255, 255 }, dst4), ESP_ERR_TS);
	CHECK_INT(try_v4(in, s++, (uint8_t[]){ 10, 2, 0, 0 }, dst4), ESP_ERR_TS);
	CHECK_INT(try_v4(in, s++, src4, (uint8_t[]){ 10, 2, 255, 255 }), ESP_OK);
	CHECK_INT(try_v4(in, s++, src4, (uint8_t[]){ 10, 3, 0, 0 }), ESP_ERR_TS);
	CHECK_INT(try_v4(in, s++, src4, (uint8_t[]){ 10, 1, 0, 5 }), ESP_ERR_TS);
	CHECK_INT(try_v4(in, s++, dst4, src4), ESP_ERR_TS);		/* reflected */
	make_ipv6(p6, 40, o6, dst6);
	CHECK_INT(craft(in, s++, p6, 40, 2, 2, 41, -1), ESP_ERR_TS);
	make_ipv6(p6, 40, src6, o6);
	CHECK_INT(craft(in, s++, p6, 40, 2, 2, 41, -1), ESP_ERR_TS);
	/* No selectors at all: nothing gets in. */
	CHECK_INT(try_v4(none, 1, src4, dst4), ESP_ERR_TS);
	esp_sa_free(in);
	esp_sa_free(none);
}

/* An IPv4 packet of proto with ports sp -> dp (ICMP: type sp, code dp) at
 * IPv4 fragment offset frag (8-byte units). */
static void make_l4(uint8_t *p, uint8_t proto, uint16_t sp, uint16_t dp, uint16_t frag)
{
	make_ipv4(p, 40, src4, dst4);
	p[9] = proto;
	p[6] = (uint8_t)(frag >> 8);
	p[7] = (uint8_t)frag;
	if (proto == 1) {
		p[20] = (uint8_t)sp;
		p[21] = (uint8_t)dp;
		return;
	}
	p[20] = (uint8_t)(sp >> 8), p[21] = (uint8_t)sp;
	p[22] = (uint8_t)(dp >> 8), p[23] = (uint8_t)dp;
}

static struct dp_range l4range(struct dp_range r, uint8_t proto, uint16_t lo, uint16_t hi)
{
	r.l4 = true;
	r.ip_proto = proto;
	r.start_port = lo;
	r.end_port = hi;
	return r;
}

/* Selectors that name a protocol and ports (RFC 7296 3.13.1): the peer's
 * TCP port 22 to any port of ours, and ICMP echo requests (type 8, any code)
 * in one more pair; a later fragment has no ports (OPAQUE) and passes only
 * selectors without ports.  Inbound and outbound alike. */
static void test_selectors_l4(void)
{
	struct esp_sa *in = new_in();
	struct dp_range r4 = range4((uint8_t[]){ 10, 1, 0, 0 }, (uint8_t[]){ 10, 1, 255, 255 });
	struct dp_range l4 = range4((uint8_t[]){ 10, 2, 0, 0 }, (uint8_t[]){ 10, 2, 255, 255 });
	struct dp_range remote[2] = { l4range(r4, 6, 22, 22), l4range(r4, 1, 0x0800, 0x08ff) };
	struct dp_range local[2] = { l4range(l4, 6, 0, 0xffff), l4range(l4, 1, 0x0800, 0x08ff) };
	uint8_t p[40];
	uint32_t s = 1;

	CHECK_INT(esp_sa_set_ts(in, remote, 2, local, 2), 0);
	CHECK(in->ts_l4);
	make_l4(p, 6, 22, 40000, 0);
	CHECK_INT(craft(in, s++, p, 40, 2, 2, 4, -1), ESP_OK);
	make_l4(p, 6, 23, 40000, 0);
	CHECK_INT(craft(in, s++, p, 40, 2, 2, 4, -1), ESP_ERR_TS);		/* other port */
	make_l4(p, 17, 22, 40000, 0);
	CHECK_INT(craft(in, s++, p, 40, 2, 2, 4, -1), ESP_ERR_TS);		/* UDP */
	make_l4(p, 6, 22, 40000, 10);
	CHECK_INT(craft(in, s++, p, 40, 2, 2, 4, -1), ESP_ERR_TS);		/* later fragment */
	make_l4(p, 1, 8, 0, 0);
	CHECK_INT(craft(in, s++, p, 40, 2, 2, 4, -1), ESP_OK);			/* echo request */
	make_l4(p, 1, 0, 0, 0);
	CHECK_INT(craft(in, s++, p, 40, 2, 2, 4, -1), ESP_ERR_TS);		/* echo reply */
	/* the same, outbound: our TCP from any port to the peer's 22 */
	make_ipv4(p, 40, dst4, src4);
	p[9] = 6, p[20] = 0x9c, p[21] = 0x40, p[22] = 0, p[23] = 22;
	CHECK_INT(esp_sa_check_outbound(in, ESP_NH_IPV4, p, 40), ESP_OK);
	p[23] = 23;
	CHECK_INT(esp_sa_check_outbound(in, ESP_NH_IPV4, p, 40), ESP_ERR_TS);
	CHECK_INT(esp_sa_check_outbound(in, ESP_NH_IPV4, p, 22), ESP_ERR_TS);	/* ports cut off */
	/* a protocol alone: later fragments pass */
	remote[0] = l4range(r4, 6, 0, 0xffff);
	CHECK_INT(esp_sa_set_ts(in, remote, 1, local, 1), 0);
	make_l4(p, 6, 22, 40000, 10);
	CHECK_INT(craft(in, s++, p, 40, 2, 2, 4, -1), ESP_OK);
	esp_sa_free(in);
}

/* IKE keeps up to 8 selectors per side: all of them reach the checks. */
static void test_selectors_eight(void)
{
	struct esp_sa *in = new_in();
	struct dp_range remote[DP_MAX_TS], local[1];
	uint32_t s = 1;

	CHECK(DP_MAX_TS >= 8);
	for (unsigned i = 0; i < DP_MAX_TS; i++)
		remote[i] = range4((uint8_t[]){ 10, 10, (uint8_t)i, 0 },
				   (uint8_t[]){ 10, 10, (uint8_t)i, 255 });
	local[0] = range4((uint8_t[]){ 10, 2, 0, 0 }, (uint8_t[]){ 10, 2, 255, 255 });
	CHECK_INT(esp_sa_set_ts(in, remote, DP_MAX_TS, local, 1), 0);
	CHECK(!in->ts_l4);
	for (unsigned i = 0; i < DP_MAX_TS; i++)
		CHECK_INT(try_v4(in, s++, (uint8_t[]){ 10, 10, (uint8_t)i, 9 }, dst4), ESP_OK);
	CHECK_INT(try_v4(in, s++, (uint8_t[]){ 10, 10, DP_MAX_TS, 9 }, dst4), ESP_ERR_TS);
	CHECK_INT(esp_sa_set_ts(in, remote, DP_MAX_TS + 1, local, 1), -EINVAL);
	esp_sa_free(in);
}

static enum esp_err out_v4(const struct esp_sa *sa, const uint8_t s[4], const uint8_t d[4])
{
	uint8_t p[40];

	make_ipv4(p, 40, s, d);
	return esp_sa_check_outbound(sa, ESP_NH_IPV4, p, 40);
}

/* Outbound the same selectors the other way round: the source on our side
 * (local_ts), the destination on the peer's (remote_ts).  Only the fixed
 * header's addresses count: a TSO super-packet's length fields do not. */
static void test_selectors_outbound(void)
{
	struct esp_sa *sa = new_in(), *none = esp_sa_new(SPI, keymat, sizeof(keymat));
	uint8_t p[40], o6[16] = { 0xfd, 0, 0, 3, [15] = 1 };
	struct dp_range only4[1];

	CHECK_INT(out_v4(sa, dst4, src4), ESP_OK);
	CHECK_INT(out_v4(sa, (uint8_t[]){ 10, 2, 255, 255 }, (uint8_t[]){ 10, 1, 0, 0 }), ESP_OK);
	CHECK_INT(out_v4(sa, (uint8_t[]){ 10, 3, 0, 0 }, src4), ESP_ERR_TS);	/* src outside */
	CHECK_INT(out_v4(sa, dst4, (uint8_t[]){ 10, 0, 255, 255 }), ESP_ERR_TS);	/* dst outside */
	CHECK_INT(out_v4(sa, src4, dst4), ESP_ERR_TS);		/* the inbound direction */
	make_ipv4(p, 40, dst4, src4);
	p[2] = 0xff, p[3] = 0xff;				/* a super-packet's length */
	CHECK_INT(esp_sa_check_outbound(sa, ESP_NH_IPV4, p, 40), ESP_OK);
	CHECK_INT(esp_sa_check_outbound(sa, ESP_NH_IPV4, p, 19), ESP_ERR_INNER_LENGTH);
	CHECK_INT(esp_sa_check_outbound(sa, 59, p, 40), ESP_ERR_NEXT_HEADER);
	make_ipv6(p, 40, dst6, src6);
	CHECK_INT(esp_sa_check_outbound(sa, ESP_NH_IPV6, p, 40), ESP_OK);
	CHECK_INT(esp_sa_check_outbound(sa, ESP_NH_IPV6, p, 39), ESP_ERR_INNER_LENGTH);
	make_ipv6(p, 40, o6, src6);
	CHECK_INT(esp_sa_check_outbound(sa, ESP_NH_IPV6, p, 40), ESP_ERR_TS);
	make_ipv6(p, 40, dst6, o6);
	CHECK_INT(esp_sa_check_outbound(sa, ESP_NH_IPV6, p, 40), ESP_ERR_TS);
	/* IPv4-only selectors (0.0.0.0/0 both sides): no IPv6 packet leaves. */
	only4[0] = range4((uint8_t[]){ 0, 0, 0, 0 }, (uint8_t[]){ 255, 255, 255, 255 });
	CHECK_INT(esp_sa_set_ts(sa, only4, 1, only4, 1), 0);
	CHECK_INT(out_v4(sa, src4, dst4), ESP_OK);
	make_ipv6(p, 40, dst6, src6);
	CHECK_INT(esp_sa_check_outbound(sa, ESP_NH_IPV6, p, 40), ESP_ERR_TS);
	/* No selectors at all: nothing gets out. */
	CHECK_INT(out_v4(none, dst4, src4), ESP_ERR_TS);
	CHECK_INT(sa->seq + none->seq, 0);			/* no number spent */
	esp_sa_free(sa);
	esp_sa_free(none);
}

static void test_seq_and_space(void)
{
	struct esp_sa *out = esp_sa_new(SPI, keymat, sizeof(keymat));
	uint8_t buf[BUF];
	size_t elen = 0;

	make_ipv4(buf + ESP_HEADROOM, 40, src4, dst4);
	/* 40 + 2 pad + 2 + header + ICV = 76: one byte short refuses, spends nothing. */
	CHECK_INT(esp_sa_encap(out, buf, 75, 40, ESP_NH_IPV4, &elen), ESP_ERR_NOSPACE);
	CHECK_INT(out->seq, 0);
	CHECK_INT(esp_sa_encap(out, buf, 76, 40, ESP_NH_IPV4, &elen), ESP_OK);
	CHECK_INT(elen, 76);
	CHECK_INT(esp_sa_encap_iv(out, 9, buf, buf, 75, 40, ESP_NH_IPV4, &elen), ESP_ERR_NOSPACE);
	out->seq = UINT32_MAX - 1;
	CHECK_INT(esp_sa_encap(out, buf, BUF, 40, ESP_NH_IPV4, &elen), ESP_OK);
	CHECK_INT(be32(buf + 4), UINT32_MAX);
	CHECK_INT(esp_sa_encap(out, buf, BUF, 40, ESP_NH_IPV4, &elen), ESP_ERR_SEQ_EXHAUSTED);
	CHECK_INT(esp_sa_encap(out, buf, BUF, 40, ESP_NH_IPV4, &elen), ESP_ERR_SEQ_EXHAUSTED);
	CHECK_INT(out->seq, UINT32_MAX);
	esp_sa_free(out);
}

static void test_misc(void)
{
	struct esp_sa *sa = esp_sa_new(SPI, keymat, 33);
	struct dp_range r[DP_MAX_TS + 1] = { { 0 } };

	CHECK(sa == NULL);
	sa = esp_sa_new(SPI, keymat, 20);		/* AES-128 | salt */
	CHECK(sa != NULL);
	CHECK_INT(esp_sa_set_ts(sa, r, DP_MAX_TS + 1, r, 1), -EINVAL);
	CHECK_INT(esp_sa_set_ts(sa, r, 1, r, DP_MAX_TS + 1), -EINVAL);
	CHECK_INT(esp_sa_set_ts(sa, r, DP_MAX_TS, r, DP_MAX_TS), 0);
	esp_sa_free(sa);
	esp_sa_free(NULL);
	CHECK_STR(esp_err_name(ESP_ERR_AUTH), "ESP_ERR_AUTH");
	CHECK_STR(esp_err_name(ESP_ERR_CRYPTO), "ESP_ERR_CRYPTO");
	CHECK_STR(esp_err_name((enum esp_err)99), "ESP_ERR_UNKNOWN");
}

int main(void)
{
	for (size_t i = 0; i < sizeof(keymat); i++)
		keymat[i] = (uint8_t)(i * 13 + 1);
	test_roundtrip_ipv4();
	test_roundtrip_ipv6();
	for (size_t i = 0; i < sizeof(kats) / sizeof(kats[0]); i++)
		test_kat(&kats[i]);
	test_tamper();
	test_truncated();
	test_trailer();
	test_pad_overrun();
	test_inner_length();
	test_selectors();
	test_selectors_outbound();
	test_selectors_l4();
	test_selectors_eight();
	test_seq_and_space();
	test_misc();
	return check_summary("esp-framing");
}
