/* SPDX-License-Identifier: Apache-2.0 */
/* mcvpnd: arguments, config load, then the daemon. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf/conf.h"
#include "daemon/ctl/server.h"
#include "daemon/daemon.h"
#include "daemon/harden.h"
#include "daemon/host.h"
#include "daemon/user.h"
#include "daemon/base/log.h"

#ifndef MCVPN_VERSION
#define MCVPN_VERSION "0"
#endif
#define DEFAULT_CONFIG_DIR "/etc/mcvpn.d"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: mcvpnd [--config-dir DIR] [--socket PATH] [--user NAME] [--foreground] [--check]\n"
		"              [--debug]\n"
		"       mcvpnd --help | --version\n"
		"  --config-dir DIR  read DIR/*.conf and DIR/*.secrets (default %s)\n"
		"  --socket PATH     control socket for mcvpnctl (default %s)\n"
		"  --user NAME       started as root, run as NAME with CAP_NET_ADMIN and\n"
		"                    CAP_NET_BIND_SERVICE only (the unit's User=mcvpn does it)\n"
		"  --foreground      log to stderr instead of the journal\n"
		"  --check           check the configuration, print every problem, and exit\n"
		"  --debug           log debug messages too\n"
		"  --help            print this and exit\n"
		"  --version         print the version and exit\n",
		DEFAULT_CONFIG_DIR, CTL_SOCKET_PATH);
}

struct args {
	const char *config_dir, *socket, *user;
	bool foreground, check, debug;
};

static int parse_args(int argc, char **argv, struct args *a)
{
	static const struct option opts[] = {
		{ "config-dir", required_argument, NULL, 'c' },
		{ "socket", required_argument, NULL, 's' },
		{ "user", required_argument, NULL, 'u' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "check", no_argument, NULL, 'k' },
		{ "debug", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int o;

	*a = (struct args){ DEFAULT_CONFIG_DIR, CTL_SOCKET_PATH, NULL, false, false, false };
	while ((o = getopt_long(argc, argv, "c:s:u:fkdhV", opts, NULL)) != -1) {
		switch (o) {
		case 'c': a->config_dir = optarg; break;
		case 's': a->socket = optarg; break;
		case 'u': a->user = optarg; break;
		case 'f': a->foreground = true; break;
		case 'k': a->check = true; break;
		case 'd': a->debug = true; break;
		case 'h': usage(stdout); exit(0);
		case 'V': printf("mcvpnd %s\n", MCVPN_VERSION); exit(0);
		default: usage(stderr); return -1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "mcvpnd: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return -1;
	}
	return 0;
}

/* The config resolved on this host (its addresses and routes: which end of
 * each conn is this host, %defaultroute, the routes that would cut it off). */
static struct conf *load(const char *dir, bool quiet_ok)
{
	struct conf_diag diag = { 0 };
	struct conf *conf = NULL;
	struct nl *nl = nl_open();
	int r = host_conf_load(nl, dir, &conf, &diag);

	for (size_t i = 0; i < diag.n_notes; i++)
		fprintf(stderr, "%s\n", diag.notes[i]);
	if (r) {
		for (size_t i = 0; i < diag.n; i++)
			fprintf(stderr, "%s\n", diag.msgs[i]);
		fprintf(stderr, "mcvpnd: %zu problem%s in %s\n", diag.n, diag.n == 1 ? "" : "s", dir);
		conf_diag_free(&diag);
		nl_close(nl);
		return NULL;
	}
	nl_close(nl);
	conf_diag_free(&diag);
	if (!quiet_ok)
		printf("%s: configuration OK, %zu conn%s\n", dir, conf->n_conns,
		       conf->n_conns == 1 ? "" : "s");
	return conf;
}

int main(int argc, char **argv)
{
	struct args a;
	struct daemon d;

	if (parse_args(argc, argv, &a))
		return 2;
	/* First of all: the configuration is read, and everything opened, as
	 * the user (--check too: it reads what the daemon would). */
	if (a.user && user_switch(a.user, a.check ? NULL : a.socket))
		return 1;
	if (!a.check && !user_caps_enough())
		fprintf(stderr, "mcvpnd: warning: uid %u without CAP_NET_ADMIN and CAP_NET_BIND_SERVICE "
			"cannot make tunnels or bind ports 500 and 4500 (start it as root, with --user, "
			"or with both as ambient capabilities)\n", (unsigned)geteuid());
	harden_process();	/* before the PSKs are read */
	struct conf *conf = load(a.config_dir, !a.check);
	if (a.check || !conf) {
		conf_free(conf);
		return conf ? 0 : 1;
	}
	log_init(a.foreground || isatty(STDERR_FILENO), a.debug ? LOG_DEBUG : LOG_INFO);
	if (daemon_init(&d, conf, a.config_dir, a.socket)) {
		log_err("start-up failed; cleaning up");
		daemon_free(&d);
		return 1;
	}
	daemon_run(&d);
	daemon_free(&d);
	log_notice("mcvpnd stopped");
	return 0;
}
