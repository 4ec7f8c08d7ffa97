/* SPDX-License-Identifier: Apache-2.0 */
/* The files of one load: the directory's *.conf and *.secrets and every
 * file they include, each read once and kept (text and all) so that the
 * same configuration can be resolved again later against a changed host
 * (conf_resolve_again) without reading anything from disk.  A set made
 * from texts (conf_load_files, the importer's tests) never touches the
 * file system: includes and globs are looked up among its own files. */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf/internal.h"
#include "crypto/secret.h"

#define FILE_MAX (1024 * 1024)
#define INCLUDE_DEPTH_MAX 10

struct cfile *files_add(struct cfiles *set, const char *path, const char *text, size_t len,
			enum conf_file_kind kind)
{
	struct cfile *f;

	if (set->n == set->cap) {
		size_t cap = set->cap ? set->cap * 2 : 8;
		struct cfile **grown = realloc(set->f, cap * sizeof(*grown));

		if (!grown)
			return NULL;
		set->f = grown;
		set->cap = cap;
	}
	f = calloc(1, sizeof(*f));
	if (f) {
		f->path = strdup(path);
		f->text = malloc(len + 1);
	}
	if (!f || !f->path || !f->text) {
		if (f) {
			free(f->path);
			free(f->text);
		}
		free(f);
		return NULL;
	}
	memcpy(f->text, text, len);
	f->text[len] = '\0';
	f->len = len;
	f->kind = kind;
	set->f[set->n++] = f;
	return f;
}

void files_free(struct cfiles *set)
{
	if (!set)
		return;
	for (size_t i = 0; i < set->n; i++) {
		secret_wipe(set->f[i]->text, set->f[i]->len);
		free(set->f[i]->text);
		free(set->f[i]->path);
		free(set->f[i]);
	}
	free(set->f);
	memset(set, 0, sizeof(*set));
}

int files_copy(struct cfiles *to, const struct cfiles *from)
{
	memset(to, 0, sizeof(*to));
	for (size_t i = 0; i < from->n; i++)
		if (!files_add(to, from->f[i]->path, from->f[i]->text, from->f[i]->len, from->f[i]->kind)) {
			files_free(to);
			return -1;
		}
	return 0;
}

struct cfile *files_find(const struct cfiles *set, const char *path)
{
	for (size_t i = 0; i < set->n; i++)
		if (strcmp(set->f[i]->path, path) == 0)
			return set->f[i];
	return NULL;
}

/* The whole of fd; NULL with the problem reported. Caller wipes and frees. */
static char *fd_read(struct loader *ld, const char *path, int fd, bool secret, size_t *len)
{
	struct stat st;
	char bad[600];
	char *buf;

	if (fstat(fd, &st) < 0) {
		diag_add(ld, path, 0, "cannot stat: %s", strerror(errno));
		return NULL;
	}
	if (files_shape_problem(&st)) {
		diag_add(ld, path, 0, "%s", files_shape_problem(&st));
		return NULL;
	}
	if (secret && conf_perm_check(&st, path, false, bad, sizeof(bad)) != CONF_PERM_OK)
		diag_add(ld, path, 0, "%s", bad);
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		diag_add(ld, path, 0, "out of memory");
		return NULL;
	}
	for (*len = 0; *len < (size_t)st.st_size;) {
		ssize_t r = read(fd, buf + *len, (size_t)st.st_size - *len);

		if (r <= 0) {
			diag_add(ld, path, 0, "read failed: %s", r < 0 ? strerror(errno) : "file shrank");
			secret_wipe(buf, *len);
			free(buf);
			return NULL;
		}
		*len += (size_t)r;
	}
	buf[*len] = '\0';
	return buf;
}

const char *files_shape_problem(const struct stat *st)
{
	if (!S_ISREG(st->st_mode))
		return "not a regular file";
	return st->st_size > FILE_MAX ? "larger than 1 MiB" : NULL;
}

void files_open_failed(struct loader *ld, const char *path, const char *what, int err)
{
	struct stat st;
	char why[600];

	/* not ours to read: say whose it is (stat needs no read permission) */
	if (err == EACCES && geteuid() != 0 && stat(path, &st) == 0) {
		conf_perm_denied(&st, path, geteuid(), why, sizeof(why));
		diag_add(ld, path, 0, "%s: %s", what, why);
		return;
	}
	diag_add(ld, path, 0, "%s: %s", what, strerror(err));
}

/* path from the file system into the set. */
static struct cfile *fs_read(struct loader *ld, const char *path, bool secret, enum conf_file_kind kind)
{
	struct cfile *f = NULL;
	size_t len = 0;
	char *text;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		files_open_failed(ld, path, "cannot open", errno);
		return NULL;
	}
	text = fd_read(ld, path, fd, secret, &len);
	close(fd);
	if (!text)
		return NULL;
	if (memchr(text, '\0', len))
		diag_add(ld, path, 0, "contains a NUL byte (not a text file?)");
	else if (!(f = files_add(ld->files, path, text, len, kind)))
		diag_add(ld, path, 0, "out of memory");
	secret_wipe(text, len);
	free(text);
	return f;
}

struct cfile *files_open(struct loader *ld, const char *path, bool secret, enum conf_file_kind kind)
{
	struct cfile *f = files_find(ld->files, path);

	if (f)
		return f;
	if (ld->files->fs)
		return fs_read(ld, path, secret, kind);
	diag_add(ld, path, 0, "cannot open: %s", strerror(ENOENT));
	return NULL;
}

void files_include_path(const char *from, const char *arg, char *out, size_t len)
{
	const char *slash = strrchr(from, '/');

	if (arg[0] == '/' || !slash)
		snprintf(out, len, "%s", arg);
	else
		snprintf(out, len, "%.*s/%s", (int)(slash - from), from, arg);
}

static int path_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The set's own paths that match pattern, sorted. */
static int set_glob(const struct cfiles *set, const char *pattern, char ***out, size_t *n)
{
	char **v = calloc(set->n + 1, sizeof(*v));

	*n = 0;
	if (!v)
		return -1;
	for (size_t i = 0; i < set->n; i++)
		if (fnmatch(pattern, set->f[i]->path, FNM_PATHNAME) == 0 && (v[*n] = strdup(set->f[i]->path)))
			(*n)++;
	qsort(v, *n, sizeof(*v), path_cmp);
	*out = v;
	return 0;
}

int files_glob(struct loader *ld, const char *pattern, char ***out, size_t *n)
{
	glob_t g;
	int r;

	*out = NULL;
	*n = 0;
	if (!ld->files->fs)
		return set_glob(ld->files, pattern, out, n);
	r = glob(pattern, 0, NULL, &g);
	if (r == GLOB_NOMATCH)
		return 0;
	if (r != 0)
		return -1;
	*out = calloc(g.gl_pathc + 1, sizeof(**out));
	for (size_t i = 0; *out && i < g.gl_pathc; i++)
		if (((*out)[i] = strdup(g.gl_pathv[i])))
			(*n)++;
	globfree(&g);
	return *out ? 0 : -1;
}

void files_glob_free(char **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

bool files_enter(struct loader *ld, const char *path, const char *from, int line)
{
	struct cfiles *set = ld->files;

	for (int i = 0; i < set->depth; i++)
		if (strcmp(set->stack[i], path) == 0) {
			diag_add(ld, from, line, "include %s: it includes itself (through %s)", path,
				 set->stack[set->depth - 1]);
			return false;
		}
	if (set->depth == INCLUDE_DEPTH_MAX) {
		diag_add(ld, from, line, "include %s: includes nested more than %d deep", path,
			 INCLUDE_DEPTH_MAX);
		return false;
	}
	set->stack[set->depth++] = path;
	return true;
}

void files_leave(struct loader *ld)
{
	ld->files->depth--;
}

/* One "include PATTERN" of file from at line: each match (sorted), read as
 * kind by each(); a file read before in this load is not read again. */
void files_include(struct loader *ld, const char *from, int line, const char *arg, bool secret,
		   void (*each)(struct loader *ld, struct cfile *f, void *arg), void *earg)
{
	char pattern[4096];
	char **paths = NULL;
	size_t n = 0;

	files_include_path(from, arg, pattern, sizeof(pattern));
	if (files_glob(ld, pattern, &paths, &n) < 0) {
		diag_add(ld, from, line, "include %s: cannot list the files: %s", arg, strerror(errno));
		return;
	}
	if (n == 0 && !strpbrk(pattern, "*?["))
		diag_add(ld, from, line, "include %s: no such file", arg);
	else if (n == 0)
		diag_note(ld, CONF_NOTE, from, line, "include %s: no file matches", arg);
	for (size_t i = 0; i < n; i++) {
		struct cfile *f = files_find(ld->files, paths[i]);
		bool open = false;

		for (int d = 0; f && d < ld->files->depth; d++)
			open |= strcmp(ld->files->stack[d], f->path) == 0;
		if (f && f->read && !open) {
			diag_note(ld, CONF_NOTE, from, line, "include %s: %s was read already; not again",
				  arg, paths[i]);
			continue;
		}
		if (!f)
			f = files_open(ld, paths[i], secret, CONF_FILE_INCLUDED);
		if (f && files_enter(ld, f->path, from, line)) {	/* refuses a cycle */
			f->read = true;
			each(ld, f, earg);
			files_leave(ld);
		}
	}
	files_glob_free(paths, n);
}
