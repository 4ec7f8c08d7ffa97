/* SPDX-License-Identifier: Apache-2.0 */
/* conf_load_dir on real temporary directories: which files are read, in
 * which order, the secrets file mode check, and problems across files. */
#include <sys/stat.h>
#include <unistd.h>

#include "conf_test.h"

static char dir[64];

static void put(const char *name, const char *text, mode_t mode)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);	/* a read-only one from before: only root could rewrite it */
	f = fopen(path, "w");
	CHECK(f != NULL);
	if (!f)
		return;
	fputs(text, f);
	fclose(f);
	CHECK_INT(chmod(path, mode), 0);
}

static void drop(const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
}

static const char conf_a[] =
	"conn a\n\tleft=10.3.1.200\n\tleftid=198.51.100.10\n\tright=203.0.113.20\n\tvti-interface=vti1\n";
static const char conf_b[] =
	"# second file\nconn b\n\tleft=10.3.1.200\n\tright=203.0.113.30\n\tvti-interface=vti2\n";
static const char secrets[] =
	"203.0.113.20 198.51.100.10 : PSK \"for-a\"\n10.3.1.200 203.0.113.30 : PSK \"for-b\"\n";

static void test_two_files(void)
{
	struct conf_diag d = { 0 };
	struct conf *cf = NULL;
	char want[256];

	put("20-b.conf", conf_b, 0644);
	put("10-a.conf", conf_a, 0644);
	put("tunnels.secrets", secrets, 0600);
	/* Not read: backups, hidden files, other suffixes (garbage if they were). */
	put("10-a.conf~", "garbage\n", 0644);
	put(".10-a.conf.swp", "garbage\n", 0644);
	put(".hidden.conf", "garbage\n", 0644);
	put("README", "garbage\n", 0644);
	put("old.secrets.bak", "garbage\n", 0644);
	CHECK_INT(conf_load_dir(dir, &cf, &d), 0);
	diag_print(&d);
	if (cf) {
		CHECK_INT(cf->n_conns, 2);
		CHECK_STR(cf->conns[0].name, "a");
		snprintf(want, sizeof(want), "%s/10-a.conf", dir);
		CHECK_STR(cf->conns[0].file, want);
		CHECK_INT(cf->conns[0].line, 1);
		CHECK_MEM(cf->conns[0].psk->buf, "for-a", 5);
		CHECK_STR(cf->conns[1].name, "b");
		CHECK_INT(cf->conns[1].line, 2);
		CHECK_MEM(cf->conns[1].psk->buf, "for-b", 5);
	}
	conf_free(cf);
	conf_diag_free(&d);
}

static void expect_mode(mode_t mode, const char *what)
{
	struct conf_diag d = { 0 };
	struct conf *cf = NULL;
	char want[512];

	put("tunnels.secrets", secrets, mode);
	snprintf(want, sizeof(want), "%s/tunnels.secrets: mode %04o is %s; chmod 600 %s/tunnels.secrets",
		 dir, (unsigned)mode, what, dir);
	CHECK_INT(conf_load_dir(dir, &cf, &d), -1);
	CHECK(cf == NULL);
	CHECK_INT(d.n, 1);	/* only the mode: the PSKs in it still match */
	CHECK_STR(d.n ? d.msgs[0] : NULL, want);
	conf_free(cf);
	conf_diag_free(&d);
}

static void test_modes(void)
{
	struct conf_diag d = { 0 };
	struct conf *cf = NULL;

	expect_mode(0644, "readable by others");
	expect_mode(0640, "readable by group");
	expect_mode(0602, "writable by others");
	expect_mode(0620, "writable by group");
	expect_mode(0610, "accessible by group or others");
	put("tunnels.secrets", secrets, 0400);
	CHECK_INT(conf_load_dir(dir, &cf, &d), 0);
	conf_free(cf);
	put("tunnels.secrets", secrets, 0600);
	CHECK_INT(conf_load_dir(dir, &cf, &d), 0);
	CHECK_INT(d.n, 0);
	conf_free(cf);
	conf_diag_free(&d);
}

/* Problems in two files: each message names its own file, a duplicate names both. */
static void test_across_files(void)
{
	struct conf_diag d = { 0 };
	struct conf *cf = NULL;
	char want[512];

	put("30-dup.conf", "\n\nconn a\n\tleft=10.3.1.200\n\tright=203.0.113.20\n\tvti-interface=vti1\n\tbogus=1\n", 0644);
	CHECK_INT(conf_load_dir(dir, &cf, &d), -1);
	snprintf(want, sizeof(want), "%s/30-dup.conf:3: duplicate conn \"a\" (first defined at %s/10-a.conf:1)", dir, dir);
	CHECK_STR(diag_find(&d, "duplicate conn"), want);
	snprintf(want, sizeof(want), "%s/30-dup.conf:6: conn \"a\": vti-interface=vti1 is already used by conn \"a\" (%s/10-a.conf:1)", dir, dir);
	CHECK_STR(diag_find(&d, "already used"), want);
	snprintf(want, sizeof(want), "%s/30-dup.conf:7: unknown key 'bogus' in conn \"a\"", dir);
	CHECK_STR(diag_find(&d, "bogus"), want);
	diag_print(&d);
	conf_diag_free(&d);
	drop("30-dup.conf");
	/* A conn whose PSK is in no file. */
	put("40-c.conf", "conn c\n\tleft=10.3.1.200\n\tright=203.0.113.40\n\tvti-interface=vti4\n", 0644);
	CHECK_INT(conf_load_dir(dir, &cf, &d), -1);
	snprintf(want, sizeof(want), "%s/40-c.conf:1: conn \"c\": no PSK in *.secrets matches leftid 10.3.1.200 and rightid 203.0.113.40", dir);
	CHECK_STR(d.n ? d.msgs[0] : NULL, want);
	conf_diag_free(&d);
	/* ... found in a second secrets file, read after the first. */
	put("z.secrets", "203.0.113.40 : PSK \"for-c\"\n", 0600);
	CHECK_INT(conf_load_dir(dir, &cf, &d), 0);
	if (cf)
		CHECK_MEM(cf->conns[2].psk->buf, "for-c", 5);
	conf_free(cf);
	conf_diag_free(&d);
}

static void test_empty_and_missing(void)
{
	struct conf_diag d = { 0 };
	struct conf *cf = NULL;
	char empty[96], want[160];

	snprintf(empty, sizeof(empty), "%s/empty", dir);
	CHECK_INT(mkdir(empty, 0700), 0);
	CHECK_INT(conf_load_dir(empty, &cf, &d), 0);
	CHECK(cf != NULL);
	if (cf)
		CHECK_INT(cf->n_conns, 0);
	conf_free(cf);
	rmdir(empty);
	CHECK_INT(conf_load_dir(empty, &cf, &d), -1);
	snprintf(want, sizeof(want), "%s: cannot read directory: No such file or directory", empty);
	CHECK_STR(d.n ? d.msgs[0] : NULL, want);
	conf_diag_free(&d);
}

/* include on the file system: relative to the including file, globs,
 * secrets included with the mode check, and what the conf keeps: the same
 * configuration again after the files are gone (conf_resolve_again). */
static void test_include(void)
{
	struct conf_diag d = { 0 };
	struct conf *cf = NULL, *again = NULL;
	char sub[128], path[256];

	snprintf(sub, sizeof(sub), "%s/ipsec.d", dir);
	CHECK_INT(mkdir(sub, 0700), 0);
	put("main.conf", "include ipsec.d/*.conf\n", 0644);
	put("main.secrets", "include ipsec.d/*.secrets\n", 0600);
	put("ipsec.d/x.conf", "conn x\nleft=10.3.1.200\nright=203.0.113.20\nvti-interface=vti1\n", 0644);
	put("ipsec.d/x.secrets", "10.3.1.200 203.0.113.20: PSK \"included\"\n", 0644);
	CHECK_INT(conf_load_dir(dir, &cf, &d), -1);
	snprintf(path, sizeof(path), "%s/ipsec.d/x.secrets: mode 0644 is readable by others", dir);
	CHECK(diag_find(&d, path) != NULL);
	conf_diag_free(&d);
	put("ipsec.d/x.secrets", "10.3.1.200 203.0.113.20: PSK \"included\"\n", 0600);
	CHECK_INT(conf_load_dir(dir, &cf, &d), 0);
	diag_print(&d);
	CHECK(cf && cf->n_conns == 1 && cf->conns[0].psk && cf->conns[0].psk->len == 8);
	drop("ipsec.d/x.conf");
	drop("ipsec.d/x.secrets");
	drop("main.conf");
	drop("main.secrets");
	rmdir(sub);
	if (cf)
		CHECK_INT(conf_resolve_again(cf, NULL, &again, &d), 0);
	CHECK(again && again->n_conns == 1 && conf_conn_equal(&again->conns[0], &cf->conns[0]));
	conf_free(again);
	conf_free(cf);
	conf_diag_free(&d);
}

int main(void)
{
	static const char *const files[] = {
		"10-a.conf", "20-b.conf", "tunnels.secrets", "10-a.conf~", ".10-a.conf.swp",
		".hidden.conf", "README", "old.secrets.bak", "40-c.conf", "z.secrets",
	};

	snprintf(dir, sizeof(dir), "/tmp/mcvpn-conf-test.XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	test_include();		/* first: the directory is empty */
	test_two_files();
	test_modes();
	test_across_files();
	test_empty_and_missing();
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		drop(files[i]);
	rmdir(dir);
	return check_summary("conf-dir");
}
