/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers shared by the conf tests: load text, look for a message. */
#ifndef MCVPN_TESTS_CONF_TEST_H
#define MCVPN_TESTS_CONF_TEST_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "conf/conf.h"
#include "crypto/alg.h"
#include "crypto/secret.h"

/* A secrets text that matches the conns built by conn_text(). */
#define TEST_SECRETS ": PSK \"wildcard-secret\"\n"

/* The message that contains needle, or NULL. */
static inline const char *diag_find(const struct conf_diag *d, const char *needle)
{
	for (size_t i = 0; i < d->n; i++)
		if (strstr(d->msgs[i], needle))
			return d->msgs[i];
	return NULL;
}

static inline void diag_print(const struct conf_diag *d)
{
	for (size_t i = 0; i < d->n; i++)
		fprintf(stderr, "  diag: %s\n", d->msgs[i]);
}

/* The note (a warning or a remark) that contains needle, or NULL. */
static inline const char *diag_note_find(const struct conf_diag *d, const char *needle)
{
	for (size_t i = 0; i < d->n_notes; i++)
		if (strstr(d->notes[i], needle))
			return d->notes[i];
	return NULL;
}

static inline void diag_print_all(const struct conf_diag *d)
{
	for (size_t i = 0; i < d->n_notes; i++)
		fprintf(stderr, "  note: %s\n", d->notes[i]);
	diag_print(d);
}

/* A note (CHECK_WARN: a warning, which is a note) or a problem in *dp
 * contains s; all of them printed when not. */
#define CHECK_NOTE_AS(dp, s, what) do { \
	check_report(diag_note_find((dp), s) != NULL, __FILE__, __LINE__, what " contains " #s); \
	if (!diag_note_find((dp), s)) \
		diag_print_all(dp); \
} while (0)
#define CHECK_NOTE(dp, s) CHECK_NOTE_AS(dp, s, "a note")
#define CHECK_WARN(dp, s) CHECK_NOTE_AS(dp, s, "a warning")
#define CHECK_PROBLEM(dp, s) do { \
	check_report(diag_find((dp), s) != NULL, __FILE__, __LINE__, "a problem contains " #s); \
	if (!diag_find((dp), s)) \
		diag_print(dp); \
} while (0)

/* Expect the load to fail with a message containing want (the whole
 * "FILE:LINE: reason" when the caller gives it). */
#define CHECK_DIAG(conf_txt, secrets_txt, want) do { \
	struct conf *c_ = NULL; \
	struct conf_diag d_ = { 0 }; \
	int r_ = conf_load_text("t.conf", (conf_txt), "t.secrets", (secrets_txt), &c_, &d_); \
	CHECK_INT(r_, -1); \
	CHECK(c_ == NULL); \
	CHECK_CONTAINS(diag_find(&d_, (want)) ? diag_find(&d_, (want)) : \
		       (d_.n ? d_.msgs[0] : "(no message)"), (want)); \
	conf_diag_free(&d_); \
	conf_free(c_); \
} while (0)

/* A valid conn with one extra line; loads and returns the conf (or NULL). */
static inline struct conf *load_one(const char *extra, struct conf_diag *d)
{
	char text[2048];
	struct conf *c = NULL;

	snprintf(text, sizeof(text),
		 "conn t\n\tleft=192.0.2.1\n\tright=192.0.2.2\n\tvti-interface=vti9\n%s\n", extra);
	if (conf_load_text("t.conf", text, "t.secrets", TEST_SECRETS, &c, d) < 0)
		diag_print(d);
	return c;
}

static inline const char *prefix_str(const struct conf_prefix *p, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN] = "?";

	inet_ntop(p->family, p->addr, a, sizeof(a));
	snprintf(buf, len, "%s/%u", a, p->len);
	return buf;
}

static inline const char *sa_str(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	const void *a = ss->ss_family == AF_INET ? (const void *)&((const struct sockaddr_in *)ss)->sin_addr
						 : (const void *)&((const struct sockaddr_in6 *)ss)->sin6_addr;

	snprintf(buf, len, "?");
	inet_ntop(ss->ss_family, a, buf, (socklen_t)len);
	return buf;
}

#endif
