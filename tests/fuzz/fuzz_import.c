/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: mcvpnctl import-libreswan's converter (conf/import.h,
 * import_libreswan) on any libreswan conn file, ipsec.secrets and boot
 * script, through its public entry points only.
 *
 * The input is the three texts, each ended by a NUL byte but the last:
 *   conn file [ NUL secrets file [ NUL boot script ] ]
 * (no NUL: no secrets file and no script; one NUL: no script).
 *
 * Checked on every input: the result agrees with itself (the return value
 * with the error count, the counts with the messages' levels), no message
 * is the converter's "internal error" (its own output does not load), and
 * no PSK of the secrets file (one of 6 characters or more, found nowhere
 * in the other two texts) appears in a message, a summary or a NAME.conf.  When the conversion succeeds (warnings allowed): every conn
 * has a name that makes a file mcvpnd reads (1 to 63 bytes, no '/', not
 * starting with '.'), no two the same, and the drop-in as mcvpnctl
 * --output-dir writes it (NAME.conf 0644, NAME.secrets 0600 when there is
 * one; a wildcard PSK file stands in for the PSKs that matched nothing,
 * which the operator is told to write) loads with conf_load_dir, mcvpnd's
 * own loader, without a problem, with the same conns (unless a conn has
 * certificates: their files are exported by the operator later).  A broken promise
 * prints what and aborts. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf/conf.h"
#include "conf/import.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define WILDCARD "fuzz@wildcard.secrets"	/* '@' is in no conn name */
/* how the converter says its own output does not load (its messages about
 * the inputs start with their file names, which are ours) */
#define INTERNAL "mcvpnctl: error: internal error"
#define MAX_PSKS 16

static char dir[64];

static void cleanup(void)
{
	if (dir[0])
		rmdir(dir);
}

static void setup(void)
{
	if (dir[0])
		return;
	snprintf(dir, sizeof(dir), "/dev/shm/mcvpn-fuzz-import.XXXXXX");
	if (!mkdtemp(dir)) {
		snprintf(dir, sizeof(dir), "/tmp/mcvpn-fuzz-import.XXXXXX");
		if (!mkdtemp(dir))
			abort();
	}
	atexit(cleanup);
}

static void show_result(const struct import_result *r)
{
	for (size_t i = 0; i < r->n_msgs; i++)
		fprintf(stderr, "  message: %s\n", r->msgs[i].text);
	for (size_t i = 0; i < r->n_conns; i++)
		fprintf(stderr, "  ----- %s.conf\n%s  ----- %s.secrets: %s\n", r->conns[i].name,
			r->conns[i].conf ? r->conns[i].conf : "(none)\n", r->conns[i].name,
			r->conns[i].secrets ? "written" : "none");
}

static void broken(const struct import_result *r, const char *what, const char *detail)
{
	fprintf(stderr, "fuzz_import: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
	show_result(r);
	abort();
}

/* ---- the secrets file's PSKs: PSK "..." ---- */

struct psks {
	char s[MAX_PSKS][256];
	size_t off[MAX_PSKS];	/* where each stands in the secrets text */
	size_t n;
};

static bool in_text(const struct import_file *f, const char *s)
{
	return f->text && memmem(f->text, f->len, s, strlen(s)) != NULL;
}

static size_t occurrences(const struct import_file *f, const char *s)
{
	size_t n = 0, l = strlen(s);

	if (!f->text)
		return 0;
	for (const char *p = f->text, *end = f->text + f->len; p && (size_t)(end - p) >= l;) {
		p = memmem(p, (size_t)(end - p), s, l);
		if (p) {
			n++;
			p++;
		}
	}
	return n;
}

static void find_psks(const struct import_input *in, struct psks *p)
{
	const char *t = in->secrets.text, *end = t ? t + in->secrets.len : NULL;

	p->n = 0;
	while (t && p->n < MAX_PSKS && (t = memmem(t, (size_t)(end - t), "PSK", 3))) {
		const char *q = t + 3, *close;
		size_t len;

		t += 3;
		while (q < end && (*q == ' ' || *q == '\t'))
			q++;
		if (q >= end || *q != '"' || !(close = memchr(q + 1, '"', (size_t)(end - q - 1))))
			continue;
		len = (size_t)(close - q - 1);
		if (len < 6 || len >= sizeof(p->s[0]) || memchr(q + 1, '\0', len))
			continue;
		/* a line the parser takes: nothing but blanks or a comment after
		 * the closing quote (else the line is skipped, its "secret" is
		 * any text, and messages may well contain it) */
		for (close++; close < end && (*close == ' ' || *close == '\t' || *close == '\r'); close++)
			;
		if (close < end && *close != '\n' && *close != '#')
			continue;
		memcpy(p->s[p->n], q + 1, len);
		p->s[p->n][len] = '\0';
		p->off[p->n] = (size_t)(q + 1 - in->secrets.text);
		/* text that also stands elsewhere (the conf file, the script, or
		 * another place of the secrets file: an include's path, an ID)
		 * may be echoed from there */
		if (!in_text(&in->conf, p->s[p->n]) && !in_text(&in->script, p->s[p->n]) &&
		    occurrences(&in->secrets, p->s[p->n]) == 1)
			p->n++;
	}
}

static bool has(const char *text, const char *s)
{
	return text && strstr(text, s);
}

/* Whether PSK i is echoed: the import run again with that secret's bytes
 * changed (its length kept) shows the changed bytes too.  A message whose
 * own words merely equal the secret (libFuzzer learns the messages' text
 * from this file's searches, and writes it between quotes) shows the
 * unchanged bytes again, and is no leak. */
/* Secret i's bytes in text changed to a mark of fill (fill, or alt where the
 * byte was fill already); false when that mark stands anywhere in the
 * input besides (libFuzzer learns this file's marks too), as then the
 * output may show it from there. */
static bool mark_secret(const struct import_input *in, const struct psks *p, size_t i, char *text,
			char *mark, char fill, char alt)
{
	size_t l = strlen(p->s[i]);
	struct import_file f = { "secrets", text, in->secrets.len };

	memcpy(text, in->secrets.text, in->secrets.len);
	for (size_t k = 0; k < l; k++) {
		mark[k] = text[p->off[i] + k] == fill ? alt : fill;
		text[p->off[i] + k] = mark[k];
	}
	mark[l] = '\0';
	return !in_text(&in->conf, mark) && !in_text(&in->script, mark) && occurrences(&f, mark) == 1;
}

/* Whether PSK i is echoed: the import run again with that secret's bytes
 * changed (its length kept) shows the changed bytes too.  A message whose
 * own words merely equal the secret (libFuzzer learns the messages' text
 * from this file's searches, and writes it between quotes) shows the
 * unchanged bytes again, and is no leak. */
static bool echoed(const struct import_input *in, const struct psks *p, size_t i)
{
	static const char fills[] = "ZQJXVK";
	char *text = malloc(in->secrets.len), mark[256];
	struct import_input alt = *in;
	struct import_result r;
	bool hit = false, marked = false;

	if (!text)
		abort();
	for (size_t f = 0; !marked && fills[f + 1]; f++)
		marked = mark_secret(in, p, i, text, mark, fills[f], fills[f + 1]);
	if (!marked) {		/* every mark is in the input: undecidable, not a finding */
		free(text);
		return false;
	}
	alt.secrets.text = text;
	import_libreswan(&alt, &r);
	for (size_t m = 0; m < r.n_msgs && !hit; m++)
		hit = has(r.msgs[m].text, mark);
	for (size_t c = 0; c < r.n_conns && !hit; c++)
		hit = has(r.conns[c].conf, mark) || has(r.conns[c].summary, mark);
	import_result_free(&r);
	free(text);
	return hit;
}

static void no_psk_in(const struct import_input *in, const struct import_result *r,
		      const struct psks *p, const char *text, const char *where)
{
	for (size_t i = 0; text && i < p->n; i++)
		if (strstr(text, p->s[i]) && echoed(in, p, i))
			broken(r, "a PSK of the secrets file appears in", where);
}

/* ---- checks on any result ---- */

static void check_result(const struct import_input *in, const struct import_result *r, int rc)
{
	size_t errors = 0, warnings = 0;
	struct psks p;

	find_psks(in, &p);
	for (size_t i = 0; i < r->n_msgs; i++) {
		if (!r->msgs[i].text)
			broken(r, "a message without text", NULL);
		errors += r->msgs[i].level == IMPORT_ERROR;
		warnings += r->msgs[i].level == IMPORT_WARNING;
		if (!strncmp(r->msgs[i].text, INTERNAL, strlen(INTERNAL)))
			broken(r, "the converter reports an internal error", r->msgs[i].text);
		no_psk_in(in, r, &p, r->msgs[i].text, "a message");
	}
	if (errors != r->n_errors || warnings != r->n_warnings)
		broken(r, "n_errors or n_warnings does not count the messages", NULL);
	/* 0 when some conn may be written: a bad conn does not block the others */
	if ((rc == 0) != (r->n_written > 0))
		broken(r, "the return value disagrees with the conns written", NULL);
	if (r->n_errors == 0 && r->n_written != r->n_conns)
		broken(r, "a conn refused without an error", NULL);
	for (size_t i = 0; i < r->n_conns; i++) {
		no_psk_in(in, r, &p, r->conns[i].conf, "a NAME.conf");
		no_psk_in(in, r, &p, r->conns[i].summary, "a summary");
	}
}

/* ---- a successful conversion loads as a drop-in ---- */

static bool name_ok(const char *name)
{
	size_t n = strnlen(name, 64);

	return n > 0 && n < 64 && name[0] != '.' && !strchr(name, '/');
}

static void write_file(const struct import_result *r, const char *name, const char *ext,
		       const char *text, mode_t mode)
{
	char path[256];
	size_t len = strlen(text);
	int fd;

	snprintf(path, sizeof(path), "%s/%s%s", dir, name, ext);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0 || fchmod(fd, mode) != 0 || write(fd, text, len) != (ssize_t)len) {
		fprintf(stderr, "fuzz_import: cannot write %s: %s\n", path, strerror(errno));
		broken(r, "the harness could not write the drop-in", NULL);
	}
	close(fd);
}

static void remove_files(const struct import_result *r)
{
	char path[256];

	for (size_t i = 0; i < r->n_conns; i++) {
		snprintf(path, sizeof(path), "%s/%s.conf", dir, r->conns[i].name);
		unlink(path);
		snprintf(path, sizeof(path), "%s/%s.secrets", dir, r->conns[i].name);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/%s", dir, WILDCARD);
	unlink(path);
}

static void check_loads(const struct import_result *r)
{
	struct conf_diag d = { 0 };
	struct conf *c = NULL;
	bool wildcard = false;

	for (size_t i = 0; i < r->n_conns; i++) {
		const struct import_conn *ic = &r->conns[i];

		/* a refused conn writes no file: its name may be anything
		 * (the importer refuses the names that are no file name) */
		if (!ic->refused && !name_ok(ic->name))
			broken(r, "a conn name that is no file name mcvpnd reads", ic->name);
		for (size_t j = 0; j < i && !ic->refused; j++)
			if (!r->conns[j].refused && !strcmp(r->conns[j].name, ic->name))
				broken(r, "two conns with one name (one file overwrites the other)", ic->name);
		if (ic->refused) {	/* nothing of it is written */
			if (ic->conf || ic->secrets)
				broken(r, "a refused conn with a NAME.conf or NAME.secrets", ic->name);
			continue;
		}
		if (!ic->conf || !ic->summary)
			broken(r, "a conn without its NAME.conf or summary", ic->name);
	}
	/* a conn with certificates names files the operator exports from
	 * libreswan's NSS database afterwards (the notes say how): its
	 * drop-in cannot load before that */
	for (size_t i = 0; i < r->n_conns; i++)
		if (!r->conns[i].refused && r->conns[i].conf &&
		    (strstr(r->conns[i].conf, "cert=") || strstr(r->conns[i].conf, "ca=")))
			return;
	for (size_t i = 0; i < r->n_conns; i++) {
		if (r->conns[i].refused)
			continue;
		write_file(r, r->conns[i].name, ".conf", r->conns[i].conf, 0644);
		if (r->conns[i].secrets)
			write_file(r, r->conns[i].name, ".secrets", r->conns[i].secrets, 0600);
		wildcard |= !r->conns[i].secrets;
	}
	if (wildcard)
		write_file(r, WILDCARD, "", ": PSK \"operator-writes-this\"\n", 0600);
	if (conf_load_dir(dir, &c, &d) != 0) {
		for (size_t i = 0; i < d.n; i++)
			fprintf(stderr, "  conf_load_dir: %s\n", d.msgs[i]);
		broken(r, "the converted drop-in does not load", NULL);
	}
	if (c->n_conns != r->n_written)
		broken(r, "the drop-in loads with another number of conns", NULL);
	for (size_t i = 0; i < c->n_conns; i++) {
		size_t j = 0;

		while (j < r->n_conns && strcmp(r->conns[j].name, c->conns[i].name))
			j++;
		if (j == r->n_conns || strcmp(r->conns[j].vti_interface, c->conns[i].vti_interface))
			broken(r, "a loaded conn is not the converted one (name, vti-interface)",
			       c->conns[i].name);
	}
	conf_free(c);
	conf_diag_free(&d);
	remove_files(r);
}

/* ---- the input ---- */

/* Cuts the input at its first two NULs; each text gets a copy of its own,
 * of its exact length (no NUL after it); a text after no NUL is NULL. */
static void split(const uint8_t *data, size_t size, char *t[3], size_t len[3])
{
	const uint8_t *p = data, *end = data + size;

	for (int i = 0; i < 3; i++) {
		const uint8_t *z = p && i < 2 ? memchr(p, 0, (size_t)(end - p)) : NULL;

		t[i] = NULL;
		len[i] = 0;
		if (!p)
			continue;
		len[i] = (size_t)((z ? z : end) - p);
		t[i] = malloc(len[i] ? len[i] : 1);
		if (!t[i])
			abort();
		memcpy(t[i], p, len[i]);
		p = z ? z + 1 : NULL;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *t[3];
	size_t len[3];
	struct import_input in;
	struct import_result r;
	int rc;

	setup();
	split(data, size, t, len);
	in = (struct import_input){
		.conf = { "ipsec.conf", t[0], len[0] },
		.secrets = { "ipsec.secrets", t[1], len[1] },
		.script = { "boot.sh", t[2], len[2] },
	};
	rc = import_libreswan(&in, &r);
	check_result(&in, &r, rc);
	if (rc == 0)
		check_loads(&r);
	import_result_free(&r);
	for (int i = 0; i < 3; i++)
		free(t[i]);
	return 0;
}
