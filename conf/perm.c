/* SPDX-License-Identifier: Apache-2.0 */
/* Who may read the configuration.  The PSKs are its secret: a secrets file
 * with any group or other bit is refused.  The directory is meant to be
 * its reader's alone too (/etc/mcvpn.d 0700, owned by the user mcvpnd
 * runs as): one that others may write to is refused (they could add a
 * conn or swap a secrets file), one that others may list is a warning (a
 * .conf file holds nothing secret and the secrets keep their own mode).
 * When the reader cannot open a file at all, the message says whose it is
 * and who reads it, so that "mcvpnd --user mcvpn" over a root-owned
 * /etc/mcvpn.d says what to chown.  The rules look at a struct stat and a
 * uid only (the unit test feeds them made-up ones). */
#include <pwd.h>
#include <stdio.h>
#include <string.h>

#include "conf/conf.h"

/* The group/other bits a secrets file must not have, worst first. */
static const char *file_problem(mode_t m)
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

enum conf_perm conf_perm_check(const struct stat *st, const char *path, bool dir, char *msg,
			       size_t len)
{
	mode_t m = st->st_mode & 07777;
	const char *bad;

	msg[0] = '\0';
	if (!dir) {
		if (!(bad = file_problem(m)))
			return CONF_PERM_OK;
		snprintf(msg, len, "mode %04o is %s; chmod 600 %s", (unsigned)m, bad, path);
		return CONF_PERM_ERROR;
	}
	if (m & (S_IWGRP | S_IWOTH)) {
		snprintf(msg, len, "mode %04o lets %s add or replace files in it; chmod 700 %s",
			 (unsigned)m, m & S_IWOTH ? "others" : "the group", path);
		return CONF_PERM_ERROR;
	}
	if (m & 077) {
		snprintf(msg, len, "mode %04o lets %s list it and read its .conf files; chmod 700 %s",
			 (unsigned)m, m & 07 ? "others" : "the group", path);
		return CONF_PERM_WARNING;
	}
	return CONF_PERM_OK;
}

/* "root", "mcvpn", or "uid 4242" when the name service has no name. */
static void uid_name(uid_t uid, char *out, size_t len)
{
	struct passwd *pw = getpwuid(uid);

	if (pw)
		snprintf(out, len, "%s", pw->pw_name);
	else
		snprintf(out, len, "uid %u", (unsigned)uid);
}

void conf_perm_denied(const struct stat *st, const char *path, uid_t reader, char *msg, size_t len)
{
	char owner[64], who[64];
	bool dir = S_ISDIR(st->st_mode);

	uid_name(st->st_uid, owner, sizeof(owner));
	uid_name(reader, who, sizeof(who));
	if (st->st_uid != reader)
		snprintf(msg, len, "owned by %s (mode %04o), but mcvpnd reads it as %s; chown %s%s %s",
			 owner, (unsigned)(st->st_mode & 07777), who, dir ? "-R " : "",
			 strncmp(who, "uid ", 4) ? who : who + 4, path);
	else
		snprintf(msg, len, "mode %04o: its owner %s, who reads it, may not; chmod u+r%s %s",
			 (unsigned)(st->st_mode & 07777), who, dir ? "x" : "", path);
}
