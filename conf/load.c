/* SPDX-License-Identifier: Apache-2.0 */
/* Entry points: a directory (or texts, for tests and for a configuration
 * resolved again) -> the file set -> the parser, the secrets reader and
 * the checks -> an immutable struct conf, only when no problem was found.
 * The conf keeps its file set, so that conf_resolve_again can read the
 * same text against a changed host. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "conf/internal.h"
#include "crypto/secret.h"

struct conf_sources {
	struct cfiles set;
};

static void loader_free(struct loader *ld)
{
	for (size_t i = 0; i < ld->n_conns; i++) {
		secret_free(ld->conns[i].c.psk);
		certs_free(ld->conns[i].c.certs);
	}
	free(ld->conns);
	for (size_t i = 0; i < ld->n_psks; i++)
		secret_free(ld->psks[i].psk);
	free(ld->psks);
	privkey_free_all(ld);
	memset(ld, 0, sizeof(*ld));
}

/* Moves the conns (and their PSKs) and the file set into a new conf when
 * nothing went wrong; frees the set otherwise. */
static int loader_finish(struct loader *ld, struct conf **out)
{
	struct conf *c = NULL;
	struct cfiles *set = ld->files;

	check_all(ld);
	if (!ld->problems) {
		c = calloc(1, sizeof(*c));
		if (c && ld->n_conns)
			c->conns = calloc(ld->n_conns, sizeof(*c->conns));
		if (c)
			c->sources = calloc(1, sizeof(*c->sources));
		if (!c || (ld->n_conns && !c->conns) || !c->sources) {
			if (c) {
				free(c->conns);
				free(c->sources);
			}
			free(c);
			c = NULL;
			diag_add(ld, "mcvpn", 0, "out of memory");
		}
	}
	for (size_t i = 0; c && i < ld->n_conns; i++) {
		c->conns[i] = ld->conns[i].c;
		ld->conns[i].c.psk = NULL;
		ld->conns[i].c.certs = NULL;
	}
	if (c) {
		c->n_conns = ld->n_conns;
		c->setup = ld->setup;
		c->sources->set = *set;
		set->fs = false;
		memset(set, 0, sizeof(*set));
	}
	files_free(set);
	loader_free(ld);
	*out = c;
	return c ? 0 : -1;
}

/* The set's directory files, in the set's order; a file some include read
 * already is not read again. */
static int load_set(struct cfiles *set, const struct conf_host *host, bool elsewhere,
		    struct conf **out, struct conf_diag *diag)
{
	struct loader ld = { .diag = diag, .files = set, .host = host, .files_elsewhere = elsewhere };
	size_t n = set->n;	/* includes read from disk are appended */

	for (size_t i = 0; i < n; i++) {
		struct cfile *f = set->f[i];

		if (f->kind == CONF_FILE_INCLUDED)
			continue;
		if (f->read)
			diag_note(&ld, CONF_NOTE, f->path, 0, "read already through an include; not again");
		else if (f->kind == CONF_FILE_SECRETS)
			secrets_read(&ld, f);
		else
			parser_run(&ld, f);
	}
	return loader_finish(&ld, out);
}

int conf_load_files(const struct conf_file *files, size_t n, const struct conf_host *host,
		    struct conf **out, struct conf_diag *diag)
{
	return load_files(files, n, host, false, out, diag);
}

int load_files(const struct conf_file *files, size_t n, const struct conf_host *host,
	       bool elsewhere, struct conf **out, struct conf_diag *diag)
{
	struct cfiles set = { .fs = false };

	for (size_t i = 0; i < n; i++)
		if (!files_add(&set, files[i].name, files[i].text, strlen(files[i].text), files[i].kind)) {
			files_free(&set);
			*out = NULL;
			return -1;
		}
	return load_set(&set, host, elsewhere, out, diag);
}

int conf_load_text(const char *name, const char *conf_text, const char *secrets_name,
		   const char *secrets_text, struct conf **out, struct conf_diag *diag)
{
	struct conf_file f[2] = {
		{ name, conf_text, CONF_FILE_CONF },
		{ secrets_name ? secrets_name : "secrets", secrets_text, CONF_FILE_SECRETS },
	};

	return conf_load_files(f, secrets_text ? 2 : 1, NULL, out, diag);
}

static bool has_suffix(const char *name, const char *suffix)
{
	size_t n = strlen(name), s = strlen(suffix);

	return n > s && strcmp(name + n - s, suffix) == 0;
}

/* *.conf and *.secrets, not hidden (editor lock files): backups such as
 * foo.conf~ or foo.conf.swp do not end in either suffix. */
static int want_file(const struct dirent *d)
{
	return d->d_name[0] != '.' && (has_suffix(d->d_name, ".conf") || has_suffix(d->d_name, ".secrets"));
}

/* Byte order, not the locale's collation, so every host reads the same order. */
static int name_cmp(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* The directory's own mode (perm.c): others may not write to it, and
 * should not list it. */
static void dir_check(struct loader *ld, const char *dir)
{
	struct stat st;
	char why[600];
	enum conf_perm p;

	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		return;	/* scandir says what is wrong */
	p = conf_perm_check(&st, dir, true, why, sizeof(why));
	if (p == CONF_PERM_ERROR)
		diag_add(ld, dir, 0, "%s", why);
	else if (p == CONF_PERM_WARNING)
		diag_note(ld, CONF_WARNING, dir, 0, "%s", why);
}

int conf_load(const char *dir, const struct conf_host *host, struct conf **out,
	      struct conf_diag *diag)
{
	struct cfiles set = { .fs = true };
	struct loader ld = { .diag = diag, .files = &set, .host = host };
	struct dirent **names;
	const char *sep = dir[0] && dir[strlen(dir) - 1] == '/' ? "" : "/";
	int n;

	dir_check(&ld, dir);
	n = scandir(dir, &names, want_file, name_cmp);
	if (n < 0) {
		files_open_failed(&ld, dir, "cannot read directory", errno);
		return loader_finish(&ld, out);
	}
	for (int i = 0; i < n; i++) {
		char path[4096];
		bool secret = has_suffix(names[i]->d_name, ".secrets");

		snprintf(path, sizeof(path), "%s%s%s", dir, sep, names[i]->d_name);
		files_open(&ld, path, secret, secret ? CONF_FILE_SECRETS : CONF_FILE_CONF);
		free(names[i]);
	}
	free(names);
	return ld.problems ? loader_finish(&ld, out) : load_set(&set, host, false, out, diag);
}

int conf_load_dir(const char *dir, struct conf **out, struct conf_diag *diag)
{
	return conf_load(dir, NULL, out, diag);
}

int conf_resolve_again(const struct conf *old, const struct conf_host *host, struct conf **out,
		       struct conf_diag *diag)
{
	struct cfiles set;

	*out = NULL;
	if (!old->sources || files_copy(&set, &old->sources->set) < 0)
		return -1;
	return load_set(&set, host, false, out, diag);
}

void conf_free(struct conf *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n_conns; i++) {
		secret_free(c->conns[i].psk);
		certs_free(c->conns[i].certs);
	}
	free(c->conns);
	if (c->sources)
		files_free(&c->sources->set);
	free(c->sources);
	free(c);
}
