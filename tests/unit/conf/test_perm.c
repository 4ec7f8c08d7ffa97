/* SPDX-License-Identifier: Apache-2.0 */
/* Who may read the configuration (conf/perm.c): the rules on made-up
 * stats, then on a real directory through conf_load_dir: its mode refused
 * or warned about, a file whose reader may not open it. */
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf_test.h"

/* A uid the name service does not know, so the message shows the number. */
#define NOBODY_KNOWS 123456u

static struct stat made(mode_t type, mode_t mode, uid_t owner)
{
	struct stat st;

	memset(&st, 0, sizeof(st));
	st.st_mode = type | mode;
	st.st_uid = owner;
	return st;
}

static void expect(mode_t type, mode_t mode, enum conf_perm level, const char *want)
{
	struct stat st = made(type, mode, 0);
	char msg[512];
	enum conf_perm got = conf_perm_check(&st, "/etc/mcvpn.d/x", S_ISDIR(st.st_mode), msg,
					     sizeof(msg));

	CHECK_INT(got, level);
	CHECK_STR(msg, want);
}

static void test_rules(void)
{
	/* secrets files: any group or other bit, worst named first */
	expect(S_IFREG, 0600, CONF_PERM_OK, "");
	expect(S_IFREG, 0400, CONF_PERM_OK, "");
	expect(S_IFREG, 0644, CONF_PERM_ERROR,
	       "mode 0644 is readable by others; chmod 600 /etc/mcvpn.d/x");
	expect(S_IFREG, 0660, CONF_PERM_ERROR,
	       "mode 0660 is readable by group; chmod 600 /etc/mcvpn.d/x");
	expect(S_IFREG, 0602, CONF_PERM_ERROR,
	       "mode 0602 is writable by others; chmod 600 /etc/mcvpn.d/x");
	expect(S_IFREG, 0601, CONF_PERM_ERROR,
	       "mode 0601 is accessible by group or others; chmod 600 /etc/mcvpn.d/x");
	/* the directory: written by others refused, listed by others a warning */
	expect(S_IFDIR, 0700, CONF_PERM_OK, "");
	expect(S_IFDIR, 0500, CONF_PERM_OK, "");
	expect(S_IFDIR, 0777, CONF_PERM_ERROR,
	       "mode 0777 lets others add or replace files in it; chmod 700 /etc/mcvpn.d/x");
	expect(S_IFDIR, 0770, CONF_PERM_ERROR,
	       "mode 0770 lets the group add or replace files in it; chmod 700 /etc/mcvpn.d/x");
	expect(S_IFDIR, 01733, CONF_PERM_ERROR,
	       "mode 1733 lets others add or replace files in it; chmod 700 /etc/mcvpn.d/x");
	expect(S_IFDIR, 0755, CONF_PERM_WARNING,
	       "mode 0755 lets others list it and read its .conf files; chmod 700 /etc/mcvpn.d/x");
	expect(S_IFDIR, 0711, CONF_PERM_WARNING,
	       "mode 0711 lets others list it and read its .conf files; chmod 700 /etc/mcvpn.d/x");
	expect(S_IFDIR, 0750, CONF_PERM_WARNING,
	       "mode 0750 lets the group list it and read its .conf files; chmod 700 /etc/mcvpn.d/x");
}

static void test_denied(void)
{
	struct stat st;
	char msg[512], want[512];
	struct passwd *pw = getpwuid(NOBODY_KNOWS);

	if (pw) {	/* the message would name it: nothing to check against */
		fprintf(stderr, "uid %u exists here; the denied messages are not checked\n",
			NOBODY_KNOWS);
		return;
	}
	/* a reader that is not the owner: the chown that lets it read */
	st = made(S_IFREG, 0600, 0);
	conf_perm_denied(&st, "/etc/mcvpn.d/a.secrets", NOBODY_KNOWS, msg, sizeof(msg));
	snprintf(want, sizeof(want), "owned by root (mode 0600), but mcvpnd reads it as uid %u; "
		 "chown %u /etc/mcvpn.d/a.secrets", NOBODY_KNOWS, NOBODY_KNOWS);
	CHECK_STR(msg, want);
	/* a directory: its files too */
	st = made(S_IFDIR, 0700, 0);
	conf_perm_denied(&st, "/etc/mcvpn.d", NOBODY_KNOWS, msg, sizeof(msg));
	snprintf(want, sizeof(want), "owned by root (mode 0700), but mcvpnd reads it as uid %u; "
		 "chown -R %u /etc/mcvpn.d", NOBODY_KNOWS, NOBODY_KNOWS);
	CHECK_STR(msg, want);
	/* the owner itself shut out by the mode */
	st = made(S_IFREG, 0200, NOBODY_KNOWS);
	conf_perm_denied(&st, "/etc/mcvpn.d/a.conf", NOBODY_KNOWS, msg, sizeof(msg));
	snprintf(want, sizeof(want), "mode 0200: its owner uid %u, who reads it, may not; "
		 "chmod u+r /etc/mcvpn.d/a.conf", NOBODY_KNOWS);
	CHECK_STR(msg, want);
}

/* conf_load_dir on a directory of each mode: the rule's message, with the
 * directory's path in front, as an error or as a warning. */
static void test_dir_modes(void)
{
	char dir[64] = "/tmp/mcvpn-perm-XXXXXX", want[256];
	struct conf_diag d = { 0 };
	struct conf *cf = NULL;

	if (!mkdtemp(dir)) {
		CHECK(!"mkdtemp");
		return;
	}
	CHECK_INT(conf_load_dir(dir, &cf, &d), 0);
	CHECK_INT(d.n_notes, 0);
	conf_free(cf);
	conf_diag_free(&d);

	CHECK_INT(chmod(dir, 0755), 0);
	CHECK_INT(conf_load_dir(dir, &cf, &d), 0);
	snprintf(want, sizeof(want), "%s: warning: mode 0755 lets others list it and read its "
		 ".conf files; chmod 700 %s", dir, dir);
	CHECK_STR(diag_note_find(&d, "mode 0755"), want);
	CHECK_INT(d.n_warnings, 1);
	conf_free(cf);
	conf_diag_free(&d);

	CHECK_INT(chmod(dir, 0777), 0);
	CHECK_INT(conf_load_dir(dir, &cf, &d), -1);
	CHECK(cf == NULL);
	snprintf(want, sizeof(want), "%s: mode 0777 lets others add or replace files in it; "
		 "chmod 700 %s", dir, dir);
	CHECK_STR(d.n ? d.msgs[0] : NULL, want);
	conf_diag_free(&d);
	rmdir(dir);
}

int main(void)
{
	test_rules();
	test_denied();
	test_dir_modes();
	return check_summary("conf-perm");
}
