/* SPDX-License-Identifier: Apache-2.0 */
/* updown=: the command line split into argv by mcvpn's quoting rules
 * (conf/command.c), and the hook keys of a conn: updown=, libreswan's
 * leftupdown=/rightupdown= read for this host's end, updown-timeout=. */
#include "conf_test.h"

static struct conf_command cmd;
static char why[256];

/* text splits; want is the words joined by '|' (an empty word shows as ""). */
static void split_ok(const char *text, const char *want)
{
	const char *argv[CONF_COMMAND_ARGS + 1];
	char got[CONF_COMMAND_LEN * 2] = "";
	size_t n;

	why[0] = '\0';
	if (conf_command_parse(text, &cmd, why, sizeof(why)) != 0) {
		check_report(0, __FILE__, __LINE__, text);
		fprintf(stderr, "  expected it to split, got: %s\n", why);
		return;
	}
	n = conf_command_argv(&cmd, argv, CONF_COMMAND_ARGS + 1);
	CHECK_INT(n, cmd.argc);
	CHECK(argv[n] == NULL);
	for (size_t i = 0; i < n; i++)
		snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s", i ? "|" : "",
			 argv[i][0] ? argv[i] : "\"\"");
	CHECK_STR(got, want);
}

/* text is refused with a reason containing want. */
static void split_bad(const char *text, const char *want)
{
	why[0] = '\0';
	CHECK_INT(conf_command_parse(text, &cmd, why, sizeof(why)), -1);
	CHECK_INT(cmd.argc, 0);
	CHECK_CONTAINS(why, want);
}

static void test_words(void)
{
	split_ok("/usr/local/sbin/hook", "/usr/local/sbin/hook");
	split_ok("/bin/hook up  down\tx ", "/bin/hook|up|down|x");
	split_ok("  /bin/hook", "/bin/hook");
	split_ok("/bin/hook 'a b' \"c d\"", "/bin/hook|a b|c d");
	split_ok("/bin/hook 'it''s' ab'c d'e", "/bin/hook|its|abc de");
	split_ok("/bin/hook '' \"\"", "/bin/hook|\"\"|\"\"");
	split_ok("/bin/hook a\\ b \\$HOME \\\\", "/bin/hook|a b|$HOME|\\");
	split_ok("/bin/hook '$x | y; *' \"a\\\"b\\\\c\\d\"", "/bin/hook|$x | y; *|a\"b\\c\\d");
	split_ok("/bin/hook 'a\\b'", "/bin/hook|a\\b");	/* nothing is escaped in '...' */
	split_ok("/bin/hook a#b x=y a~ --flag=1 @x %y ! {a} ]", "/bin/hook|a#b|x=y|a~|--flag=1|@x|%y|!|{a}|]");
	split_ok("/bin/hook '#x' '~'", "/bin/hook|#x|~");
}

static void test_refused(void)
{
	split_bad("", "no program");
	split_bad("   \t ", "no program");
	split_bad("hook up", "absolute path");
	split_bad("ipsec _updown", "absolute path");
	split_bad("'' /bin/x", "absolute path");
	split_bad("/bin/hook 'a b", "a ' quote without its end");
	split_bad("/bin/hook \"a b", "a \" quote without its end");
	split_bad("/bin/hook a\\", "a backslash at the end");
	split_bad("/bin/hook a\001b", "a control character (0x01)");
	split_bad("/bin/hook 'a\nb'", "a control character (0x0a)");
	split_bad("/bin/hook \x7f", "a control character (0x7f)");
	static const char *const shell[] = {
		"/bin/hook | logger", "/bin/hook && x", "/bin/hook; x", "/bin/hook > /tmp/x",
		"/bin/hook < /tmp/x", "/bin/hook $PLUTO_VERB", "/bin/hook `id`", "/bin/hook (x)",
		"/bin/hook *", "/bin/hook a?", "/bin/hook [ab]", "/bin/hook ~/x", "/bin/hook #c",
	};
	for (size_t i = 0; i < sizeof(shell) / sizeof(shell[0]); i++)
		split_bad(shell[i], "without a shell");
}

static void test_limits(void)
{
	char text[4096], want[4096];
	size_t n;

	/* 32 words fit, 33 do not */
	strcpy(text, "/bin/hook");
	strcpy(want, "/bin/hook");
	for (int i = 1; i < CONF_COMMAND_ARGS; i++) {
		strcat(text, " a");
		strcat(want, "|a");
	}
	split_ok(text, want);
	strcat(text, " a");
	split_bad(text, "more than 32 words");
	/* 1024 bytes of words (a NUL each included) fit, 1025 do not */
	n = (size_t)snprintf(text, sizeof(text), "/bin/hook ");
	memset(text + n, 'x', CONF_COMMAND_LEN - 10 - 1);
	text[n + CONF_COMMAND_LEN - 10 - 1] = '\0';
	CHECK_INT(conf_command_parse(text, &cmd, why, sizeof(why)), 0);
	strcat(text, "x");
	split_bad(text, "too long (the words take at most 1024 bytes");
	/* argv with less room than words: cut, still NULL-terminated */
	const char *argv[3];
	CHECK_INT(conf_command_parse("/bin/hook a b c", &cmd, why, sizeof(why)), 0);
	CHECK_INT(conf_command_argv(&cmd, argv, 3), 2);
	CHECK(argv[2] == NULL);
}

/* ---- the keys ---- */

static struct conf *cf;
static struct conf_diag d;

static int load(const char *extra, const char *left_host)
{
	char text[2048];
	struct conf_host_addr a = { .addr.ss_family = AF_INET };
	struct conf_host h = { .addrs = &a, .n_addrs = 1 };
	const struct conf_file f[2] = {
		{ "t.conf", text, CONF_FILE_CONF }, { "t.secrets", TEST_SECRETS, CONF_FILE_SECRETS },
	};

	inet_pton(AF_INET, left_host, &((struct sockaddr_in *)&a.addr)->sin_addr);
	snprintf(text, sizeof(text),
		 "conn t\n\tleft=192.0.2.1\n\tright=192.0.2.2\n\tvti-interface=vti9\n%s\n", extra);
	conf_free(cf);
	conf_diag_free(&d);
	cf = NULL;
	return conf_load_files(f, 2, &h, &cf, &d);
}

#define C0 (cf && cf->n_conns ? &cf->conns[0] : NULL)

static void test_keys(void)
{
	const char *argv[4];

	CHECK_INT(load("", "192.0.2.1"), 0);
	CHECK(C0 && C0->updown.argc == 0);
	CHECK(C0 && C0->updown_timeout == 30);

	CHECK_INT(load("\tupdown=\"/etc/mcvpn/hook 'a b'\"\n\tupdown-timeout=2m", "192.0.2.1"), 0);
	if (C0) {
		CHECK_INT(conf_command_argv(&C0->updown, argv, 4), 2);
		CHECK_STR(argv[0], "/etc/mcvpn/hook");
		CHECK_STR(argv[1], "a b");
		CHECK_INT(C0->updown_timeout, 120);
	}
	/* libreswan's spelling, for the end that is this host */
	CHECK_INT(load("\tleftupdown=/etc/mcvpn/left\n\trightupdown=/etc/mcvpn/right", "192.0.2.1"), 0);
	CHECK(C0 && C0->updown.argc == 1 && strcmp(C0->updown.words, "/etc/mcvpn/left") == 0);
	CHECK_NOTE(&d, "t.conf:6: note: conn \"t\": rightupdown= is the peer's hook (this host is left): not run here");
	CHECK_INT(load("\tleftupdown=/etc/mcvpn/left\n\trightupdown=/etc/mcvpn/right", "192.0.2.2"), 0);
	CHECK(C0 && C0->swapped && strcmp(C0->updown.words, "/etc/mcvpn/right") == 0);
	CHECK_NOTE(&d, "t.conf:5: note: conn \"t\": leftupdown= is the peer's hook (this host is right)");
	/* the peer's hook alone: none here */
	CHECK_INT(load("\trightupdown=/etc/mcvpn/right", "192.0.2.1"), 0);
	CHECK(C0 && C0->updown.argc == 0);
	/* %disabled: none */
	CHECK_INT(load("\tupdown=%disabled", "192.0.2.1"), 0);
	CHECK(C0 && C0->updown.argc == 0);

	CHECK_INT(load("\tupdown=/a\n\tleftupdown=/b", "192.0.2.1"), -1);
	CHECK_PROBLEM(&d, "t.conf:6: conn \"t\": updown= and leftupdown= both name this host's hook: keep one");
	CHECK_INT(load("\tupdown=/a\n\trightupdown=/b", "192.0.2.1"), 0);	/* the peer's */
	CHECK_INT(load("\tleftupdown=\"ipsec _updown --route no\"", "192.0.2.1"), -1);
	CHECK_PROBLEM(&d, "t.conf:5: conn \"t\": leftupdown=ipsec _updown --route no: libreswan's own script: mcvpnd sets up the device");
	CHECK_INT(load("\tupdown=\"/bin/hook | logger\"", "192.0.2.1"), -1);
	CHECK_PROBLEM(&d, "t.conf:5: conn \"t\": updown=/bin/hook | logger: '|' outside quotes: mcvpnd runs the program without a shell");
	CHECK_INT(load("\tupdown=hook", "192.0.2.1"), -1);
	CHECK_PROBLEM(&d, "updown=hook: the program must be an absolute path");
	CHECK_INT(load("\tupdown-timeout=0", "192.0.2.1"), -1);
	CHECK_PROBLEM(&d, "updown-timeout=0: expected a duration from 1s to 1h");
	CHECK_INT(load("\tupdown-timeout=2h", "192.0.2.1"), -1);
	CHECK_PROBLEM(&d, "updown-timeout=2h: expected a duration from 1s to 1h");
	CHECK_INT(load("\tupdown-timeout=1h", "192.0.2.1"), 0);
	conf_free(cf);
	cf = NULL;
	conf_diag_free(&d);
}

/* A changed hook is no change of the tunnel: reload keeps its SAs. */
static void test_equal(void)
{
	struct conf *a = NULL, *b = NULL;

	CHECK_INT(load("\tupdown=/a", "192.0.2.1"), 0);
	a = cf;
	cf = NULL;
	CHECK_INT(load("\tupdown=/b\n\tupdown-timeout=5s", "192.0.2.1"), 0);
	b = cf;
	cf = NULL;
	CHECK(a && b && conf_conn_equal(&a->conns[0], &b->conns[0]));
	conf_free(a);
	conf_free(b);
	conf_diag_free(&d);
}

int main(void)
{
	test_words();
	test_refused();
	test_limits();
	test_keys();
	test_equal();
	return check_summary("conf-command");
}
