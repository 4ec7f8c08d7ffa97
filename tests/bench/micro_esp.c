/* SPDX-License-Identifier: Apache-2.0 */
/* Micro-benchmark of the data path alone, no network: what one thread does
 * per packet, against raw OpenSSL on the same buffers, for each AEAD ESP
 * has here: AES-256-GCM and ChaCha20-Poly1305 (RFC 7634), side by side.
 *
 *   raw seal / raw open   the EVP AEAD, keyed once, per packet: nonce,
 *                         8-byte AAD, payload, tag (the least ESP can cost)
 *   esp encap / decap     esp_sa_encap / esp_sa_decap: framing, padding,
 *                         sequence number, replay window, inner checks
 *   tso split + encap     (AES-256-GCM) a 64 KB TCP super-packet from a vnet-hdr TUN cut
 *                         into MSS segments (checksums) and each encapsulated
 *   decap + coalesce      those ESP packets decapsulated, their TCP segments
 *                         coalesced back into one super-packet (checksums checked)
 *
 * Buffers are cache-warm, as in a busy data plane.  Nothing is asserted:
 * results go to stdout.  Run: BUILD/tests/bench/micro-esp [seconds per case]. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "crypto/alg.h"
#include "daemon/dataplane/offload.h"
#include "daemon/dataplane/esp.h"

#define NBUF	64
#define SLOT	(65536 + ESP_HEADROOM + ESP_TAILROOM)

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double secs_per_case = 1.0;

struct result {
	double pkts, bytes, secs;
};

/* The AEADs compared: the transform for esp_sa_new_alg, the EVP cipher for
 * the raw rows. */
struct aead_case {
	const char *name;
	unsigned encr;
	const EVP_CIPHER *(*evp)(void);
};

static const struct aead_case aeads[] = {
	{ "AES-256-GCM", ENCR_AES_GCM_16, EVP_aes_256_gcm },
	{ "ChaCha20-Poly1305", ENCR_CHACHA20_POLY1305, EVP_chacha20_poly1305 },
};

static void report(const char *aead, const char *what, size_t size, const struct result *r,
		   const struct result *ref)
{
	double pps = r->pkts / r->secs, gbs = r->bytes / r->secs / 1e9;

	printf("%-18s %-18s %6zu %12.0f %9.2f", aead, what, size, pps, gbs);
	if (ref)
		printf(" %8.0f%%", 100.0 * gbs / (ref->bytes / ref->secs / 1e9));
	printf("\n");
}

static const uint8_t keymat[36] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17,
				    18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32,
				    33, 34, 35, 36 };

static uint8_t *bufs;

static void fill_ipv4(uint8_t *p, size_t len)
{
	memset(p, 0x5a, len);
	memset(p, 0, 20);
	p[0] = 0x45;
	p[2] = (uint8_t)(len >> 8);
	p[3] = (uint8_t)len;
	p[8] = 64;
	p[9] = 17;
	p[12] = 10, p[13] = 1, p[15] = 1;
	p[16] = 10, p[17] = 2, p[19] = 1;
}

/* ---- raw OpenSSL ---- */

static void raw_aead(const EVP_CIPHER *cipher, size_t size, int enc, struct result *r)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	uint8_t nonce[12] = { 0 }, aad[8] = { 0 }, tag[16] = { 0 };
	double t0 = now(), t;
	uint64_t n = 0;
	int outl;

	EVP_CipherInit_ex2(ctx, cipher, keymat, NULL, 1, NULL);
	/* decrypt the packets sealed here, so the tags verify */
	for (int i = 0; i < NBUF && !enc; i++) {
		uint8_t *b = bufs + (size_t)i * SLOT;

		nonce[11] = (uint8_t)i;
		EVP_CipherInit_ex2(ctx, NULL, NULL, nonce, 1, NULL);
		EVP_CipherUpdate(ctx, NULL, &outl, aad, 8);
		EVP_CipherUpdate(ctx, b, &outl, b, (int)size);
		EVP_CipherFinal_ex(ctx, b + size, &outl);
		EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, 16, b + size);
	}
	if (!enc)
		EVP_CipherInit_ex2(ctx, cipher, keymat, NULL, 0, NULL);
	do {
		for (int i = 0; i < NBUF; i++, n++) {
			uint8_t *b = bufs + (size_t)i * SLOT;

			nonce[11] = (uint8_t)i;
			EVP_CipherInit_ex2(ctx, NULL, NULL, nonce, -1, NULL);
			EVP_CipherUpdate(ctx, NULL, &outl, aad, 8);
			if (enc) {
				EVP_CipherUpdate(ctx, b, &outl, b, (int)size);
				EVP_CipherFinal_ex(ctx, b + size, &outl);
				EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, 16, tag);
			} else {
				/* decrypt into a copy so the next round still verifies */
				EVP_CipherUpdate(ctx, b + SLOT / 2, &outl, b, (int)size);
				memcpy(tag, b + size, 16);
				EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, 16, tag);
				if (EVP_CipherFinal_ex(ctx, b + SLOT / 2 + size, &outl) <= 0) {
					fprintf(stderr, "raw open failed\n");
					exit(1);
				}
			}
		}
		t = now() - t0;
	} while (t < secs_per_case);
	EVP_CIPHER_CTX_free(ctx);
	*r = (struct result){ (double)n, (double)n * (double)size, t };
}

/* ---- esp_sa_encap / esp_sa_decap ---- */

static void esp_run(unsigned encr, size_t size, struct result *enc, struct result *dec)
{
	static const uint8_t a[4] = { 10, 1, 0, 1 }, b[4] = { 10, 2, 0, 1 };
	struct dp_range ra = { .family = AF_INET }, rb = { .family = AF_INET };
	struct esp_sa *out = esp_sa_new_alg(1, encr, 256, AUTH_NONE, keymat, sizeof(keymat));
	struct esp_sa *in = esp_sa_new_alg(1, encr, 256, AUTH_NONE, keymat, sizeof(keymat));

	if (!out || !in)
		exit(1);
	size_t lens[NBUF];
	double te = 0, td = 0;
	uint64_t n = 0;

	memcpy(ra.start, a, 4), memcpy(ra.end, a, 4);
	memcpy(rb.start, b, 4), memcpy(rb.end, b, 4);
	esp_sa_set_ts(in, &ra, 1, &rb, 1);
	do {
		double t0, t1, t2;

		for (int i = 0; i < NBUF; i++)
			fill_ipv4(bufs + (size_t)i * SLOT + ESP_HEADROOM, size);
		t0 = now();
		for (int i = 0; i < NBUF; i++)
			if (esp_sa_encap(out, bufs + (size_t)i * SLOT, SLOT, size, ESP_NH_IPV4,
					 &lens[i]) != ESP_OK)
				exit(1);
		t1 = now();
		for (int i = 0; i < NBUF; i++) {
			uint8_t *p;
			size_t plen;

			if (esp_sa_decap(in, bufs + (size_t)i * SLOT, lens[i], &p, &plen) != ESP_OK)
				exit(1);
		}
		t2 = now();
		te += t1 - t0;
		td += t2 - t1;
		n += NBUF;
	} while (te + td < 2 * secs_per_case);
	*enc = (struct result){ (double)n, (double)n * (double)size, te };
	*dec = (struct result){ (double)n, (double)n * (double)size, td };
	esp_sa_free(out);
	esp_sa_free(in);
}

/* ---- the offload paths: TSO split + encap, decap + coalesce ---- */

#define MSS	1386	/* inner MTU 1438 - IPv4 20 - TCP 32 (timestamps) */

/* A TCP super-packet as a vnet-hdr TUN hands it over: partial checksum. */
static size_t make_super(uint8_t *p, size_t payload, struct dp_vnet_hdr *h)
{
	size_t len = 20 + 32 + payload;

	memset(p, 0, 52);
	for (size_t i = 52; i < len; i++)
		p[i] = (uint8_t)(i * 7);
	p[0] = 0x45;
	p[2] = (uint8_t)(len >> 8), p[3] = (uint8_t)len;
	p[6] = 0x40;
	p[8] = 64, p[9] = 6;
	p[12] = 10, p[13] = 1, p[15] = 1;
	p[16] = 10, p[17] = 2, p[19] = 1;
	p[20] = 0x13, p[21] = 0x89, p[22] = 0xc0, p[23] = 0x01;
	p[27] = 1;			/* seq */
	p[31] = 1;			/* ack */
	p[32] = 8 << 4, p[33] = 0x10;	/* doff 8, ACK */
	p[34] = 0xff;			/* window */
	p[40] = 1, p[41] = 1, p[42] = 8, p[43] = 10;	/* NOP NOP TS */
	dp_csum_ip4_header(p);
	*h = (struct dp_vnet_hdr){
		.flags = DP_VNET_F_NEEDS_CSUM, .gso_type = DP_VNET_GSO_TCPV4, .hdr_len = 52,
		.gso_size = MSS, .csum_start = 20, .csum_offset = 16,
	};
	dp_csum_set_pseudo(p, len, 20, 16);
	return len;
}

static void offload_run(struct result *tx, struct result *rx)
{
	static const uint8_t a[4] = { 10, 1, 0, 1 }, b[4] = { 10, 2, 0, 1 };
	struct dp_range ra = { .family = AF_INET }, rb = { .family = AF_INET };
	struct esp_sa *out = esp_sa_new(1, keymat, sizeof(keymat));
	struct esp_sa *in = esp_sa_new(1, keymat, sizeof(keymat));
	uint8_t *super = malloc(SLOT), *train = bufs;
	size_t payload = 45 * MSS, len, seg_len = 0, nseg = 0;
	struct dp_gro *gro = malloc(sizeof(*gro));
	struct dp_vnet_hdr h;
	double tt = 0, tr = 0;
	uint64_t n = 0, bytes = 0;

	memcpy(ra.start, a, 4), memcpy(ra.end, a, 4);
	memcpy(rb.start, b, 4), memcpy(rb.end, b, 4);
	esp_sa_set_ts(in, &ra, 1, &rb, 1);
	len = make_super(super, payload, &h);
	do {
		struct dp_gso g;
		double t0, t1, t2;
		size_t off = 0, sl;

		t0 = now();
		if (dp_gso_init(&g, &h, super, len) != 0)
			exit(1);
		nseg = 0;
		while ((sl = dp_gso_next(&g, train + off + ESP_HEADROOM, 2048)) > 0) {
			if (esp_sa_encap(out, train + off, 2048 + ESP_HEADROOM + ESP_TAILROOM, sl,
					 ESP_NH_IPV4, &seg_len) != ESP_OK)
				exit(1);
			off += 2048 + ESP_HEADROOM + ESP_TAILROOM;
			nseg++;
		}
		t1 = now();
		dp_gro_init(gro);
		off = 0;
		for (size_t i = 0; i < nseg; i++, off += 2048 + ESP_HEADROOM + ESP_TAILROOM) {
			uint8_t *p;
			size_t plen;
			size_t l = i + 1 == nseg ? esp_sa_out_len(out, len - 52 - (nseg - 1) * MSS + 52)
						 : seg_len;

			if (esp_sa_decap(in, train + off, l, &p, &plen) != ESP_OK)
				exit(1);
			dp_gro_add(gro, p, plen, NULL, NULL, true);
		}
		if (gro->n_items != 1)
			exit(1);
		t2 = now();
		tt += t1 - t0;
		tr += t2 - t1;
		n += nseg;
		bytes += len - 52 + nseg * 52;
	} while (tt + tr < 2 * secs_per_case);
	*tx = (struct result){ (double)n, (double)bytes, tt };
	*rx = (struct result){ (double)n, (double)bytes, tr };
	esp_sa_free(out);
	esp_sa_free(in);
	free(super);
	free(gro);
}

int main(int argc, char **argv)
{
	static const size_t sizes[] = { 64, 512, 1400, 1438 };
	struct result seal, open, enc, dec;

	if (argc > 1)
		secs_per_case = atof(argv[1]) > 0 ? atof(argv[1]) : 1.0;
	bufs = malloc((size_t)NBUF * SLOT);
	if (!bufs)
		return 1;
	printf("one thread, %d buffers of each size, cache-warm\n", NBUF);
	printf("%-18s %-18s %6s %12s %9s %9s\n", "aead", "path", "bytes", "packets/s", "GB/s",
	       "vs raw");
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		for (size_t k = 0; k < sizeof(aeads) / sizeof(aeads[0]); k++) {
			const struct aead_case *c = &aeads[k];

			raw_aead(c->evp(), sizes[i], 1, &seal);
			raw_aead(c->evp(), sizes[i], 0, &open);
			esp_run(c->encr, sizes[i], &enc, &dec);
			report(c->name, "raw OpenSSL seal", sizes[i], &seal, NULL);
			report(c->name, "esp_sa_encap", sizes[i], &enc, &seal);
			report(c->name, "raw OpenSSL open", sizes[i], &open, NULL);
			report(c->name, "esp_sa_decap", sizes[i], &dec, &open);
		}
	}
	offload_run(&enc, &dec);
	raw_aead(EVP_aes_256_gcm(), MSS + 52, 1, &seal);
	raw_aead(EVP_aes_256_gcm(), MSS + 52, 0, &open);
	report("AES-256-GCM", "tso split + encap", MSS + 52, &enc, &seal);
	report("AES-256-GCM", "decap + coalesce", MSS + 52, &dec, &open);
	free(bufs);
	return 0;
}
