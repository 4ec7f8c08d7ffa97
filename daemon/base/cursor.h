/* SPDX-License-Identifier: Apache-2.0 */
/* The one bounded reader and writer for every wire format (IKE, ESP, the
 * control protocol).  A reader never reads past its end: every read checks
 * the bytes left first, and a payload is parsed in a sub-cursor bounded to
 * its own length.  A failed read or write latches ->err, so a sequence of
 * calls can be checked once at the end.
 *
 * Ownership: a cursor borrows the bytes it walks; it never allocates. */
#ifndef MCVPN_CURSOR_H
#define MCVPN_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct cur {
	const uint8_t *p;
	size_t left;
	bool err;
};

static inline struct cur cur_init(const void *p, size_t n)
{
	struct cur c = { .p = p, .left = n, .err = false };
	return c;
}

static inline bool cur_ok(const struct cur *c) { return !c->err; }
static inline size_t cur_left(const struct cur *c) { return c->left; }
/* True when every byte was consumed and nothing failed: trailing bytes are an error. */
static inline bool cur_done(const struct cur *c) { return !c->err && c->left == 0; }

/* Borrow the next n bytes; NULL (and err latched) if fewer are left. */
static inline const uint8_t *cur_take(struct cur *c, size_t n)
{
	const uint8_t *p;
	if (c->err || n > c->left) {
		c->err = true;
		return NULL;
	}
	p = c->p;
	c->p += n;
	c->left -= n;
	return p;
}

static inline bool cur_skip(struct cur *c, size_t n) { return cur_take(c, n) != NULL; }

static inline bool cur_bytes(struct cur *c, void *dst, size_t n)
{
	const uint8_t *p = cur_take(c, n);
	if (!p)
		return false;
	memcpy(dst, p, n);
	return true;
}

static inline uint8_t cur_u8(struct cur *c)
{
	const uint8_t *p = cur_take(c, 1);
	return p ? p[0] : 0;
}

static inline uint16_t cur_u16(struct cur *c)
{
	const uint8_t *p = cur_take(c, 2);
	return p ? (uint16_t)(p[0] << 8 | p[1]) : 0;
}

static inline uint32_t cur_u32(struct cur *c)
{
	const uint8_t *p = cur_take(c, 4);
	return p ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3] : 0;
}

static inline uint64_t cur_u64(struct cur *c)
{
	uint64_t hi = cur_u32(c);
	return hi << 32 | cur_u32(c);
}

/* A sub-cursor over the next n bytes; the parent moves past them. */
static inline struct cur cur_sub(struct cur *c, size_t n)
{
	const uint8_t *p = cur_take(c, n);
	struct cur s = { .p = p, .left = p ? n : 0, .err = p == NULL };
	return s;
}

/* Writer over caller-owned storage of fixed capacity. */
struct wbuf {
	uint8_t *p;
	size_t cap;
	size_t len;
	bool err;
};

static inline struct wbuf wbuf_init(void *p, size_t cap)
{
	struct wbuf w = { .p = p, .cap = cap, .len = 0, .err = false };
	return w;
}

/* Reserve n bytes at the end and return them (uninitialised); NULL on overflow. */
static inline uint8_t *wbuf_reserve(struct wbuf *w, size_t n)
{
	uint8_t *p;
	if (w->err || n > w->cap - w->len) {
		w->err = true;
		return NULL;
	}
	p = w->p + w->len;
	w->len += n;
	return p;
}

static inline void wbuf_bytes(struct wbuf *w, const void *src, size_t n)
{
	uint8_t *p = wbuf_reserve(w, n);
	if (p && n)
		memcpy(p, src, n);
}

static inline void wbuf_u8(struct wbuf *w, uint8_t v) { wbuf_bytes(w, &v, 1); }

static inline void wbuf_u16(struct wbuf *w, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };
	wbuf_bytes(w, b, 2);
}

static inline void wbuf_u32(struct wbuf *w, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };
	wbuf_bytes(w, b, 4);
}

static inline void wbuf_u64(struct wbuf *w, uint64_t v)
{
	wbuf_u32(w, (uint32_t)(v >> 32));
	wbuf_u32(w, (uint32_t)v);
}

/* Patch a big-endian u16 at an offset already written (length fields). */
static inline void wbuf_put_u16_at(struct wbuf *w, size_t off, uint16_t v)
{
	if (w->err || off + 2 > w->len) {
		w->err = true;
		return;
	}
	w->p[off] = (uint8_t)(v >> 8);
	w->p[off + 1] = (uint8_t)v;
}

static inline void wbuf_put_u32_at(struct wbuf *w, size_t off, uint32_t v)
{
	if (w->err || off + 4 > w->len) {
		w->err = true;
		return;
	}
	w->p[off] = (uint8_t)(v >> 24);
	w->p[off + 1] = (uint8_t)(v >> 16);
	w->p[off + 2] = (uint8_t)(v >> 8);
	w->p[off + 3] = (uint8_t)v;
}

#endif
