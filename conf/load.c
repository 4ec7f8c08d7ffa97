/* Entry points: read a directory (or two texts, for tests), run the parser,
 * the secrets reader and the checks, and hand back an immutable struct conf
 * only when no problem was found. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf/internal.h"
#include "crypto/secret.h"

#define FILE_MAX (1024 * 1024)

static void loader_free(struct loader *ld)
{
	for (size_t i = 0; i < ld->n_conns; i++)
		secret_free(ld->conns[i].c.psk);
	free(ld->conns);
	for (size_t i = 0; i < ld->n_psks; i++)
		secret_free(ld->psks[i].psk);
	free(ld->psks);
	memset(ld, 0, sizeof(*ld));
}

/* Moves the conns (and their PSKs) out of ld when nothing went wrong. */
static int loader_finish(struct loader *ld, struct conf **out)
{
	struct conf *c = NULL;

	check_all(ld);
	if (!ld->problems) {
		c = calloc(1, sizeof(*c));
		if (c && ld->n_conns)
			c->conns = calloc(ld->n_conns, sizeof(*c->conns));
		if (!c || (ld->n_conns && !c->conns)) {
			free(c);
			c = NULL;
			diag_add(ld, "mcvpn", 0, "out of memory");
		}
	}
	for (size_t i = 0; c && i < ld->n_conns; i++) {
		c->conns[i] = ld->conns[i].c;
		ld->conns[i].c.psk = NULL;
	}
	if (c)
		c->n_conns = ld->n_conns;
	loader_free(ld);
	*out = c;
	return c ? 0 : -1;
}

int conf_load_text(const char *name, const char *conf_text, const char *secrets_name,
		   const char *secrets_text, struct conf **out, struct conf_diag *diag)
{
	struct loader ld = { .diag = diag };

	parser_run(&ld, name, conf_text, strlen(conf_text));
	if (secrets_text)
		secrets_parse(&ld, secrets_name ? secrets_name : "secrets", secrets_text,
			      strlen(secrets_text));
	return loader_finish(&ld, out);
}

/* The group/other bits a secrets file must not have, worst first. */
static const char *mode_problem(mode_t m)
{
	if (m & S_IROTH)
		return "readable by others";
	if (m & S_IRGRP)
		return "readable by group";
	if (m & S_IWOTH)
		return "writable by others";
	if (m & S_IWGRP)
		return "writable by group";
	return m & 077 ? "accessible by group or others" : NULL;
}

/* Whole file into a malloc'd, NUL-terminated buffer; caller wipes and frees. */
static char *file_read(struct loader *ld, const char *path, bool secret, size_t *len)
{
	struct stat st;
	char *buf = NULL;
	const char *bad;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		diag_add(ld, path, 0, "cannot open: %s", strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) < 0) {
		diag_add(ld, path, 0, "cannot stat: %s", strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > FILE_MAX) {
		diag_add(ld, path, 0, "%s", S_ISREG(st.st_mode) ? "larger than 1 MiB" : "not a regular file");
		goto out;
	}
	bad = secret ? mode_problem(st.st_mode) : NULL;
	if (bad)
		diag_add(ld, path, 0, "mode %04o is %s; chmod 600 %s", (unsigned)(st.st_mode & 07777), bad, path);
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		diag_add(ld, path, 0, "out of memory");
		goto out;
	}
	*len = 0;
	while (*len < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + *len, (size_t)st.st_size - *len);

		if (r <= 0) {
			diag_add(ld, path, 0, "read failed: %s", r < 0 ? strerror(errno) : "file shrank");
			secret_wipe(buf, *len);
			free(buf);
			buf = NULL;
			goto out;
		}
		*len += (size_t)r;
	}
	buf[*len] = '\0';
out:
	close(fd);
	return buf;
}

static void file_load(struct loader *ld, const char *path, bool secret)
{
	size_t len;
	char *text = file_read(ld, path, secret, &len);

	if (!text)
		return;
	if (memchr(text, '\0', len))
		diag_add(ld, path, 0, "contains a NUL byte (not a text file?)");
	else if (secret)
		secrets_parse(ld, path, text, len);
	else
		parser_run(ld, path, text, len);
	secret_wipe(text, len);
	free(text);
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

int conf_load_dir(const char *dir, struct conf **out, struct conf_diag *diag)
{
	struct loader ld = { .diag = diag };
	struct dirent **names;
	const char *sep = dir[0] && dir[strlen(dir) - 1] == '/' ? "" : "/";
	int n = scandir(dir, &names, want_file, name_cmp);

	if (n < 0) {
		diag_add(&ld, dir, 0, "cannot read directory: %s", strerror(errno));
		return loader_finish(&ld, out);
	}
	for (int i = 0; i < n; i++) {
		char path[4096];

		snprintf(path, sizeof(path), "%s%s%s", dir, sep, names[i]->d_name);
		file_load(&ld, path, has_suffix(names[i]->d_name, ".secrets"));
		free(names[i]);
	}
	free(names);
	return loader_finish(&ld, out);
}

void conf_free(struct conf *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n_conns; i++)
		secret_free(c->conns[i].psk);
	free(c->conns);
	free(c);
}
