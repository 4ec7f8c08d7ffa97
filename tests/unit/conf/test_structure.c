/* SPDX-License-Identifier: Apache-2.0 */
/* The structure of ipsec.conf files (sections.c, files.c, lexer.c) on a
 * virtual directory: keys at column 0, comments after values, quotes and
 * braces, version and config setup, conn %default wherever it stands,
 * also= (nested, first definition wins, cycles refused, templates),
 * include with globs (nested, relative, cycles, missing files), and a
 * configuration resolved again from the files it was read from. */
#include "conf_test.h"

#define PSKS "@a @b : PSK \"p\"\n: PSK \"wild\"\n"
#define CONN "\tleft=192.0.2.1\n\tright=192.0.2.2\n\tvti-interface=vti1\n"

static struct conf *cf;
static struct conf_diag d;

/* Load files (NULL-terminated name/text pairs; names ending in .secrets
 * are secrets, those with a '/' are only included).  Returns the result. */
static int load(const char *const *nt)
{
	struct conf_file f[16];
	size_t n = 0;

	conf_free(cf);
	conf_diag_free(&d);
	cf = NULL;
	for (; nt[0] && n < 16; nt += 2, n++) {
		size_t len = strlen(nt[0]);

		f[n].name = nt[0];
		f[n].text = nt[1];
		f[n].kind = strchr(nt[0], '/') ? CONF_FILE_INCLUDED :
			    len > 8 && !strcmp(nt[0] + len - 8, ".secrets") ? CONF_FILE_SECRETS : CONF_FILE_CONF;
	}
	return conf_load_files(f, n, NULL, &cf, &d);
}

static const struct conf_conn *conn(const char *name)
{
	for (size_t i = 0; cf && i < cf->n_conns; i++)
		if (strcmp(cf->conns[i].name, name) == 0)
			return &cf->conns[i];
	return NULL;
}

/* The operators' files: keys at column 0 under "conn NAME", comments after values. */
static void test_column0_and_comments(void)
{
	const char *const files[] = {
		"t.conf",
		"conn aws-tunnel-1\n"
		"left=192.0.2.1\n"
		"leftid=@a # the public address, as the cloud's file has it\n"
		"right=192.0.2.2\n"
		"  rightid=\"@b\"  # quoted, then a comment\n"
		"vti-interface=vti1\n"
		"mark=5/0xffffffff#not a comment: part of the value\n",
		"t.secrets", PSKS, NULL,
	};

	CHECK_INT(load(files), -1);
	CHECK_PROBLEM(&d, "t.conf:7: conn \"aws-tunnel-1\": mark=5/0xffffffff#not a comment");
	CHECK_NOTE(&d, "t.conf:2: note: conn \"aws-tunnel-1\": key lines at column 0 are taken as part of it");
	CHECK_INT(d.n_notes, 2);	/* once per section, and the conn has no auto= */
	CHECK_NOTE(&d, "t.conf:1: warning: conn \"aws-tunnel-1\" never starts: auto=ignore (the default, as in libreswan)");

	const char *const good[] = {
		"t.conf",
		"conn aws-tunnel-1\nleft=192.0.2.1\nleftid=@a # public\nright=192.0.2.2\n"
		"rightid=\"@b\" # quoted\nvti-interface=vti1\nike={aes_gcm256-sha2_256;dh19}\n",
		"t.secrets", PSKS, NULL,
	};
	CHECK_INT(load(good), 0);
	CHECK(conn("aws-tunnel-1") != NULL);
	if (conn("aws-tunnel-1")) {
		CHECK_STR(conn("aws-tunnel-1")->leftid.text, "@a");
		CHECK_STR(conn("aws-tunnel-1")->rightid.text, "@b");
		CHECK_INT(conn("aws-tunnel-1")->n_ike, 1);
	}
}

/* version, config setup (libreswan's keys noted), %default anywhere. */
static void test_setup_and_default(void)
{
	const char *const files[] = {
		"t.conf",
		"version 2\n"
		"config setup\n"
		"\tprotostack=netkey\n"
		"\tuniqueids=no\n"
		"conn a\n" CONN "\tauto=add\n"
		"conn %default\n"
		"\tikelifetime=1h\n"
		"\tauto=start\n"
		"\trightid=@b\n"
		"conn b\n\tleft=192.0.2.3\n\tright=192.0.2.4\n\tvti-interface=vti2\n"
		"conn %default\n"
		"\tikelifetime=2h\n",
		"t.secrets", PSKS, NULL,
	};

	CHECK_INT(load(files), 0);
	CHECK_NOTE(&d, "t.conf:3: note: config setup: protostack= is libreswan's: ignored: mcvpn carries ESP in user space");
	CHECK_NOTE(&d, "t.conf:4: note: config setup: uniqueids= is libreswan's: ignored");
	CHECK(conn("a") && conn("a")->autostart == CONF_AUTO_ADD);	/* its own wins */
	CHECK(conn("a") && conn("a")->ikelifetime == 7200);		/* the later %default wins */
	CHECK(conn("b") && conn("b")->autostart == CONF_AUTO_START);
	CHECK(conn("a") && !strcmp(conn("a")->rightid.text, "@b"));	/* %default after the conn */
	CHECK(cf && !strcmp(cf->setup.file, "t.conf") && cf->setup.line == 2);
}

static void test_also(void)
{
	const char *const files[] = {
		"t.conf",
		"conn base\n"
		"\tike=aes_gcm256-sha2_256;dh19\n"
		"\tikelifetime=1h\n"
		"\talso=ends\n"
		"conn ends\n"
		"\tleft=192.0.2.1\n"
		"\tright=192.0.2.2\n"
		"\tikelifetime=3h\n"
		"conn a\n"
		"\tikelifetime=2h\n"	/* before also=: overrides */
		"\talso=base\n"
		"\talso=ends\n"		/* inserted already: once */
		"\tsalifetime=30m\n"
		"\tvti-interface=vti1\n"
		"\tauto=start\n"
		"\trightsubnet=10.8.0.0/16\n"
		"conn b\n"
		"\talso=base\n"
		"\tike=aes_cbc256-sha2_256;modp2048\n"	/* after also=: not used */
		"\tvti-interface=vti2\n"
		"\tauto=add\n"
		"\trightsubnet=10.9.0.0/16\n",	/* b and a told apart by their subnets */
		"t.secrets", ": PSK \"x\"\n", NULL,
	};

	CHECK_INT(load(files), 0);
	diag_print(&d);
	CHECK(conn("base") == NULL);	/* templates only */
	CHECK(conn("ends") == NULL);
	CHECK_NOTE(&d, "t.conf:1: note: conn \"base\" only serves also= (it has no auto= of its own): not a connection itself");
	CHECK(conn("a") && conn("a")->ikelifetime == 7200 && conn("a")->salifetime == 1800);
	CHECK(conn("a") && conn("a")->n_ike == 1 && conn("a")->ike[0].encr == ENCR_AES_GCM_16);
	CHECK(conn("b") && conn("b")->ikelifetime == 3600);
	CHECK(conn("b") && conn("b")->ike[0].encr == ENCR_AES_GCM_16);
	CHECK_NOTE(&d, "t.conf:19: note: conn \"b\": ike= here is not used: also=base (t.conf:2) set it first");

	const char *const cycle[] = {
		"t.conf",
		"conn a\n" CONN "\tauto=start\n\talso=b\n"
		"conn b\n\talso=c\n"
		"conn c\n\talso=b\n"
		"conn %default\n\talso=a\n"
		"conn d\n\talso=nowhere\n",
		"t.secrets", ": PSK \"x\"\n", NULL,
	};
	CHECK_INT(load(cycle), -1);
	CHECK_PROBLEM(&d, "t.conf:10: also=b: a cycle (b -> c -> b)");	/* from conn a: b and c only serve also= */
	CHECK_PROBLEM(&d, "t.conf:12: also= is not allowed in conn %default");
	CHECK_PROBLEM(&d, "t.conf:14: also=nowhere: no conn nowhere in t.conf or the files it includes");
	CHECK_INT(d.n, 5);	/* the cycle once; conn d has no left= nor right= */
	/* a template with auto= of its own is a conn too */
	const char *const both[] = {
		"t.conf", "conn base\n" CONN "\tauto=start\n\trightsubnet=10.8.0.0/16\n"
		"conn a\n\tvti-interface=vti2\n\trightsubnet=10.9.0.0/16\n\talso=base\n",
		"t.secrets", ": PSK \"x\"\n", NULL,
	};
	CHECK_INT(load(both), 0);
	CHECK(conn("base") != NULL && conn("a") != NULL);
}

static void test_include(void)
{
	const char *const files[] = {
		"main.conf",
		"conn %default\n\tikelifetime=1h\n"
		"include ipsec.d/*.conf\n"
		"include /etc/ipsec.d/empty/*.conf\n",
		"ipsec.d/b.conf", "conn b\n\tleft=192.0.2.1\n\tright=192.0.2.3\n\tvti-interface=vti2\n"
				  "include more/c.conf\n",
		"ipsec.d/a.conf", "conn a\n" CONN,
		"ipsec.d/more/c.conf", "\trightid=@b\n",	/* textual: goes on with conn b */
		"ipsec.d/skip.secrets", "not read: no include names it\n",
		"main.secrets", "include ipsec.d/*.secrets.d\n",
		"ipsec.d/x.secrets.d", "@b : PSK \"included\"\n: PSK \"wild\"\n",
		NULL,
	};

	CHECK_INT(load(files), 0);
	diag_print(&d);
	CHECK(cf && cf->n_conns == 2);
	CHECK(cf && cf->n_conns == 2 && !strcmp(cf->conns[0].name, "a"));	/* sorted */
	CHECK(conn("a") && conn("a")->ikelifetime == 3600 && !strcmp(conn("a")->file, "ipsec.d/a.conf"));
	CHECK(conn("b") && !strcmp(conn("b")->rightid.text, "@b"));
	CHECK(conn("b") && conn("b")->psk && conn("b")->psk->len == 8);
	CHECK_NOTE(&d, "main.conf:4: note: include /etc/ipsec.d/empty/*.conf: no file matches");

	const char *const bad[] = {
		"main.conf", "include missing.conf\ninclude self.d/loop.conf\nconn a\n" CONN
			     "\tmark=x\ninclude \"a b\"\n",
		"self.d/loop.conf", "include loop.conf\n",
		NULL,
	};
	CHECK_INT(load(bad), -1);
	CHECK_PROBLEM(&d, "main.conf:1: include missing.conf: no such file");
	CHECK_PROBLEM(&d, "self.d/loop.conf:1: include self.d/loop.conf: it includes itself (through self.d/loop.conf)");
	CHECK_PROBLEM(&d, "main.conf:7: conn \"a\": mark=x");	/* the lines after an include keep their numbers */
	CHECK_PROBLEM(&d, "main.conf:8: include takes one file name or pattern (no blanks)");

	/* a directory file that an include read already is not read twice */
	const char *const twice[] = {
		"00.conf", "include 10-a.conf\n",
		"10-a.conf", "conn a\n" CONN,
		"t.secrets", ": PSK \"x\"\n", NULL,
	};
	CHECK_INT(load(twice), 0);
	CHECK(cf && cf->n_conns == 1);
	CHECK_NOTE(&d, "10-a.conf: note: read already through an include; not again");
}

/* The same text resolved again: no file is read, the same conns come out. */
static void test_resolve_again(void)
{
	const char *const files[] = {
		"t.conf", "conn a\n" CONN "\tauto=start\ninclude x/*.conf\n",
		"x/b.conf", "conn b\n\tleft=192.0.2.1\n\tright=192.0.2.9\n\tvti-interface=vti2\n",
		"t.secrets", ": PSK \"x\"\n", NULL,
	};
	struct conf *again = NULL;
	struct conf_diag d2 = { 0 };

	CHECK_INT(load(files), 0);
	CHECK_INT(conf_resolve_again(cf, NULL, &again, &d2), 0);
	CHECK(again && cf && again->n_conns == 2 && cf->n_conns == 2);
	for (size_t i = 0; again && cf && i < 2; i++)
		CHECK(conf_conn_equal(&again->conns[i], &cf->conns[i]));
	conf_free(again);
	conf_diag_free(&d2);
}

int main(void)
{
	test_column0_and_comments();
	test_setup_and_default();
	test_also();
	test_include();
	test_resolve_again();
	conf_free(cf);
	conf_diag_free(&d);
	return check_summary("conf-structure");
}
