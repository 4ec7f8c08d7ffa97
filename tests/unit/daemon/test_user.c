/* SPDX-License-Identifier: Apache-2.0 */
/* user_switch() (--user): root becomes the user with CAP_NET_ADMIN and
 * CAP_NET_BIND_SERVICE only, everywhere the kernel keeps capabilities,
 * with no_new_privs, and cannot be root again; the control socket's
 * directory is made for it; a configuration it may not read says whose it
 * is.  Each switch is for good, so each runs in a child.  Needs root:
 * skipped (77) otherwise. */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "conf/conf.h"
#include "daemon/user.h"

#define USER "nobody"
#define TWO_CAPS "0000000000001400"	/* CAP_NET_ADMIN (12), CAP_NET_BIND_SERVICE (10) */

static char tmp[64] = "/tmp/mcvpn-user-XXXXXX";

/* The value of field ("CapEff:") in /proc/self/status, or "". */
static void status_field(const char *field, char *out, size_t len)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];

	out[0] = '\0';
	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, field, strlen(field)) == 0) {
			snprintf(out, len, "%s", line + strlen(field) + strspn(line + strlen(field), " \t"));
			out[strcspn(out, "\n")] = '\0';
		}
	if (f)
		fclose(f);
}

/* In the child: switched, checked; its own summary line, and exit status
 * 0 when all passed. */
static int switched(const struct passwd *pw)
{
	const char *fields[] = { "CapEff:", "CapPrm:", "CapInh:", "CapAmb:", "CapBnd:" };
	char v[64], sock[128], conf[128], want[512];
	struct stat st;
	struct conf_diag d = { 0 };
	struct conf *cf = NULL;

	snprintf(sock, sizeof(sock), "%s/run/mcvpnd.sock", tmp);
	CHECK_INT(user_switch(USER, sock), 0);
	CHECK_INT(getuid(), pw->pw_uid);
	CHECK_INT(geteuid(), pw->pw_uid);
	CHECK_INT(getgid(), pw->pw_gid);
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		status_field(fields[i], v, sizeof(v));
		CHECK_STR(v, TWO_CAPS);
	}
	status_field("NoNewPrivs:", v, sizeof(v));
	CHECK_STR(v, "1");
	CHECK(setuid(0) != 0);
	CHECK(setgid(0) != 0);
	CHECK(user_caps_enough());
	/* the socket's directory: made, and the user's */
	snprintf(sock, sizeof(sock), "%s/run", tmp);
	CHECK_INT(stat(sock, &st), 0);
	CHECK_INT(st.st_uid, pw->pw_uid);
	CHECK_INT(st.st_mode & 07777, 0755);
	/* root's 0700 directory: whose it is, and the chown */
	snprintf(conf, sizeof(conf), "%s/conf", tmp);
	CHECK_INT(conf_load_dir(conf, &cf, &d), -1);
	snprintf(want, sizeof(want), "%s: cannot read directory: owned by root (mode 0700), but "
		 "mcvpnd reads it as %s; chown -R %s %s", conf, USER, USER, conf);
	CHECK_STR(d.n ? d.msgs[0] : NULL, want);
	conf_diag_free(&d);
	/* already the user (the unit's User=): nothing to do */
	CHECK_INT(user_switch(USER, NULL), 0);
	return check_summary("daemon-user, as " USER) ? 1 : 0;
}

/* user_switch(name) in a child: its return value, or -2 if it died. */
static int in_child(const char *name)
{
	int status;
	pid_t pid = fork();

	if (pid == 0)
		_exit(user_switch(name, NULL) == 0 ? 0 : 1);
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -2;
	return WEXITSTATUS(status) ? -1 : 0;
}

int main(void)
{
	struct passwd *pw = getpwnam(USER);
	char conf[128];
	int status;
	pid_t pid;

	if (geteuid() != 0 || !pw || pw->pw_uid == 0) {
		printf("skipped: needs root and a user %s\n", USER);
		return 77;
	}
	if (!mkdtemp(tmp)) {
		perror("mkdtemp");
		return 1;
	}
	CHECK_INT(chmod(tmp, 0711), 0);	/* the user may pass, not list */
	snprintf(conf, sizeof(conf), "%s/conf", tmp);
	CHECK_INT(mkdir(conf, 0700), 0);
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		int r = switched(pw);

		fflush(NULL);
		_exit(r);
	}
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status));
	CHECK_INT(WEXITSTATUS(status), 0);	/* the child's failures are printed above */
	/* refused: no such user, root itself */
	CHECK_INT(in_child("mcvpn-no-such-user"), -1);
	CHECK_INT(in_child("root"), -1);
	rmdir(conf);
	snprintf(conf, sizeof(conf), "%s/run", tmp);
	rmdir(conf);
	rmdir(tmp);
	return check_summary("daemon-user");
}
