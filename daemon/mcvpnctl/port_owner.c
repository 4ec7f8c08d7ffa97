/* SPDX-License-Identifier: Apache-2.0 */
/* The socket's inode from /proc/net/udp and udp6 (local_address ends in the
 * port in hex), then the process whose /proc/PID/fd has "socket:[inode]". */
#include "daemon/mcvpnctl/port_owner.h"

#include <ctype.h>
#include <dirent.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The inode of a socket bound to port in one of /proc/net/udp{,6}, 0 if none. */
static unsigned long port_inode(const char *proc_root, const char *table, uint16_t port)
{
	char path[512], line[512];
	unsigned long inode = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/proc/net/%s", proc_root, table);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (!fgets(line, sizeof(line), f))	/* the header */
		goto out;
	while (!inode && fgets(line, sizeof(line), f)) {
		char local[64];
		unsigned lport;
		unsigned long ino;

		/* sl local rem st tx:rx tr:when retrnsmt uid timeout inode */
		if (sscanf(line, " %*s %63s %*s %*s %*s %*s %*s %*s %*s %lu", local, &ino) != 2)
			continue;
		char *colon = strrchr(local, ':');
		if (colon && sscanf(colon + 1, "%x", &lport) == 1 && lport == port && ino)
			inode = ino;
	}
out:
	fclose(f);
	return inode;
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

/* Does process pid have an fd on the socket "socket:[inode]"? */
static bool holds(const char *proc_root, const char *pid, const char *want)
{
	char path[512], target[64];
	struct dirent *e;
	bool found = false;
	DIR *d;

	snprintf(path, sizeof(path), "%s/proc/%s/fd", proc_root, pid);
	d = opendir(path);
	if (!d)
		return false;
	while (!found && (e = readdir(d))) {
		char fd[sizeof(path) + 258];
		ssize_t n;

		if (!all_digits(e->d_name))
			continue;
		snprintf(fd, sizeof(fd), "%s/%s", path, e->d_name);
		n = readlink(fd, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = '\0';
		found = strcmp(target, want) == 0;
	}
	closedir(d);
	return found;
}

int port_owner(const char *proc_root, uint16_t port, int *pid, char *name, size_t len)
{
	unsigned long inode = port_inode(proc_root, "udp", port);
	char want[64], path[512];
	struct dirent *e;
	int r = -1;
	DIR *d;

	if (!inode)
		inode = port_inode(proc_root, "udp6", port);
	if (!inode)
		return -1;
	snprintf(want, sizeof(want), "socket:[%lu]", inode);
	snprintf(path, sizeof(path), "%s/proc", proc_root);
	d = opendir(path);
	if (!d)
		return -1;
	while (r < 0 && (e = readdir(d))) {
		if (!all_digits(e->d_name) || !holds(proc_root, e->d_name, want))
			continue;
		*pid = atoi(e->d_name);
		snprintf(path, sizeof(path), "%s/proc/%s/comm", proc_root, e->d_name);
		FILE *f = fopen(path, "r");
		if (!f || !fgets(name, (int)len, f))
			snprintf(name, len, "?");
		if (f)
			fclose(f);
		name[strcspn(name, "\n")] = '\0';
		r = 0;
	}
	closedir(d);
	return r;
}
