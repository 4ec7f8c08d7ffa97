/* SPDX-License-Identifier: Apache-2.0 */
/* Which end is this host (libreswan's rule, on an injected host: no
 * netlink here), left=%defaultroute and its resolution again when the
 * routes change, the sided keys read local first, and the keys libreswan
 * files carry: leftvti=/leftinterface-ip=, ipsec-interface=, leftsubnets=,
 * leftnexthop=, keyingtries=, dpdaction=restart_by_peer, pfs=yes; a
 * policy-based conn gets a tunnel device of its own. */
#include "conf_test.h"

static struct conf *cf;
static struct conf_diag d;

static struct sockaddr_storage sa(const char *text)
{
	struct sockaddr_storage s;

	memset(&s, 0, sizeof(s));
	if (strchr(text, ':')) {
		s.ss_family = AF_INET6;
		inet_pton(AF_INET6, text, &((struct sockaddr_in6 *)&s)->sin6_addr);
	} else {
		s.ss_family = AF_INET;
		inet_pton(AF_INET, text, &((struct sockaddr_in *)&s)->sin_addr);
	}
	return s;
}

/* A host with the addresses (on dev "eth0") and, if gw, a default route
 * via it on eth0 (src: its preferred source, or NULL). */
struct host {
	struct conf_host h;
	struct conf_host_addr a[4];
	struct conf_host_route r[2];
};

static const struct conf_host *host(struct host *h, const char *a1, const char *a2, const char *gw,
				    const char *src)
{
	memset(h, 0, sizeof(*h));
	h->h.addrs = h->a;
	h->h.routes = h->r;
	for (const char *a[2] = { a1, a2 }, **p = a; p < a + 2; p++)
		if (*p) {
			h->a[h->h.n_addrs].addr = sa(*p);
			strcpy(h->a[h->h.n_addrs++].dev, "eth0");
		}
	if (gw) {
		h->r[0].dst.family = strchr(gw, ':') ? AF_INET6 : AF_INET;
		h->r[0].gw = sa(gw);
		strcpy(h->r[0].dev, "eth0");
		if (src)
			h->r[0].src = sa(src);
		h->h.n_routes = 1;
	}
	return &h->h;
}

static int load(const char *conf_text, const char *secrets, const struct conf_host *h)
{
	const struct conf_file f[2] = {
		{ "t.conf", conf_text, CONF_FILE_CONF }, { "t.secrets", secrets, CONF_FILE_SECRETS },
	};

	conf_free(cf);
	conf_diag_free(&d);
	cf = NULL;
	return conf_load_files(f, 2, h, &cf, &d);
}

#define C0 (cf && cf->n_conns ? &cf->conns[0] : NULL)

static const char *addr_of(const struct sockaddr_storage *s)
{
	static char buf[64];

	if (!s->ss_family)
		return "(none)";
	return sa_str(s, buf, sizeof(buf));
}

static const char *pfx(const struct conf_prefix *p)
{
	static char buf[4][64];
	static int i;

	i = (i + 1) % 4;
	return prefix_str(p, buf[i], sizeof(buf[i]));
}

/* One file for both ends: the side whose address the host has is "left". */
static void test_one_file_both_ends(void)
{
	static const char text[] =
		"conn t\n"
		"\tleft=203.0.113.20\n\tleftid=@oci\n\tleftsubnet=10.105.0.0/16\n\tleftvti=192.168.2.2/30\n"
		"\tright=10.3.1.200\n\trightid=@aws\n\trightsubnet=10.2.0.0/16\n"
		"\trightinterface-ip=192.168.2.1/30\n";
	static const char psk[] = "@aws @oci: PSK \"x\"\n";
	struct host h;

	CHECK_INT(load(text, psk, host(&h, "10.3.1.200", "127.0.0.1", NULL, NULL)), 0);
	diag_print(&d);
	if (C0) {
		CHECK(C0->swapped);
		CHECK_STR(addr_of(&C0->left), "10.3.1.200");
		CHECK_STR(addr_of(&C0->right), "203.0.113.20");
		CHECK_STR(C0->leftid.text, "@aws");
		CHECK_STR(C0->rightid.text, "@oci");
		CHECK_STR(pfx(&C0->leftsubnet[0]), "10.2.0.0/16");
		CHECK_STR(pfx(&C0->rightsubnet[0]), "10.105.0.0/16");
		CHECK(C0->has_interface_ip);
		CHECK_STR(pfx(&C0->interface_ip), "192.168.2.1/30");
		CHECK_STR(C0->vti_interface, "t");	/* policy-based: a device of its own */
		CHECK(C0->vti_routing);
	}
	CHECK_INT(load(text, psk, host(&h, "203.0.113.20", NULL, NULL, NULL)), 0);
	if (C0) {
		CHECK(!C0->swapped);
		CHECK_STR(C0->leftid.text, "@oci");
		CHECK_STR(pfx(&C0->leftsubnet[0]), "10.105.0.0/16");
		CHECK_STR(pfx(&C0->interface_ip), "192.168.2.2/30");
	}
	/* neither: left, with a warning; no host known: left, silently */
	CHECK_INT(load(text, psk, host(&h, "192.0.2.99", NULL, NULL, NULL)), 0);
	CHECK(C0 && !C0->swapped);
	CHECK_NOTE(&d, "t.conf:1: warning: conn \"t\": neither left=203.0.113.20 nor right=10.3.1.200 is an address of this host: left is taken");
	CHECK_INT(load(text, psk, NULL), 0);
	CHECK(C0 && !C0->swapped);
	CHECK(diag_note_find(&d, "neither") == NULL);
	/* both: refused */
	CHECK_INT(load(text, psk, host(&h, "203.0.113.20", "10.3.1.200", NULL, NULL)), -1);
	CHECK_PROBLEM(&d, "t.conf:6: conn \"t\": left= and right= are both addresses of this host");
}

static void test_defaultroute(void)
{
	static const char text[] =
		"conn aws\n\tleft=%defaultroute\n\tright=203.0.113.20\n\tleftnexthop=%defaultroute\n"
		"\tauto=start\n\tvti-interface=vti1\n";
	static const char psk[] = "203.0.113.20 10.3.1.200: PSK \"x\"\n";
	struct host h;
	struct conf *again = NULL;

	/* the default route's source, else its device's first address */
	CHECK_INT(load(text, psk, host(&h, "10.3.1.200", "10.3.1.201", "10.3.1.1", NULL)), 0);
	diag_print(&d);
	CHECK(C0 && C0->left_defaultroute && !C0->swapped);
	CHECK_STR(C0 ? addr_of(&C0->left) : "", "10.3.1.200");
	CHECK_STR(C0 ? C0->leftid.text : "", "10.3.1.200");
	CHECK(C0 && C0->psk != NULL);
	CHECK_INT(load(text, "203.0.113.20 10.3.1.201: PSK \"y\"\n", host(&h, "10.3.1.200", "10.3.1.201", "10.3.1.1", "10.3.1.201")), 0);
	CHECK_STR(C0 ? addr_of(&C0->left) : "", "10.3.1.201");
	/* no default route yet: the conn waits, with a warning */
	CHECK_INT(load(text, psk, host(&h, "10.3.1.200", NULL, NULL, NULL)), 0);
	CHECK(C0 && C0->left_defaultroute && C0->left.ss_family == AF_UNSPEC);
	CHECK_NOTE(&d, "t.conf:2: warning: conn \"aws\": left=%defaultroute: this host has no IPv4 default route (with an address) now: the conn waits for one");
	/* ... and has its address once the route comes: the same files resolved again */
	CHECK_INT(conf_resolve_again(cf, host(&h, "10.3.1.200", NULL, "10.3.1.1", NULL), &again, &d), 0);
	CHECK_STR(again && again->n_conns ? addr_of(&again->conns[0].left) : "", "10.3.1.200");
	CHECK(again && again->n_conns && !conf_conn_equal(&again->conns[0], &cf->conns[0]));
	conf_free(again);
	/* right=%defaultroute: right is this host; IPv6 from the peer's family */
	CHECK_INT(load("conn v6\n\tleft=2001:db8::2\n\tright=%defaultroute\n", ": PSK \"x\"\n",
		       host(&h, "fe80::1", "2001:db8::1", "fe80::ff", NULL)), 0);
	CHECK(C0 && C0->swapped);
	CHECK_STR(C0 ? addr_of(&C0->left) : "", "2001:db8::1");
	/* %defaultroute and this host's address at the other end */
	CHECK_INT(load("conn x\n\tleft=%defaultroute\n\tright=10.3.1.200\n", psk, host(&h, "10.3.1.200", NULL, "10.3.1.1", NULL)), -1);
	CHECK_PROBLEM(&d, "t.conf:2: conn \"x\": left=%defaultroute names this host, but right=10.3.1.200 is this host's address already");
}

/* What the clouds' generated libreswan files and libreswan's tests write. */
static void test_libreswan_keys(void)
{
	static const char psk[] = ": PSK \"x\"\n";

	CHECK_INT(load("conn a-very-long-conn-name\n\tleft=192.0.2.1\n\tright=192.0.2.2\n\ttype=tunnel\n"
		       "\tkeylife=1h\n\tkeyingtries=%forever\n\tdpdaction=restart_by_peer\n\tdpddelay=10\n"
		       "\tdpdtimeout=30\n\tleftsubnets={10.1.0.0/16 10.2.0.0/16}\n"
		       "\trightsubnets=10.8.0.0/16, 10.9.0.0/16\n\tauto=start\n", psk, NULL), 0);
	diag_print(&d);
	if (C0) {
		CHECK_INT(C0->salifetime, 3600);
		CHECK_INT(C0->dpdaction, CONF_DPD_RESTART);
		CHECK_INT(C0->n_leftsubnet, 2);
		CHECK_INT(C0->n_rightsubnet, 2);
		CHECK_STR(pfx(&C0->leftsubnet[1]), "10.2.0.0/16");
		CHECK_STR(pfx(&C0->rightsubnet[1]), "10.9.0.0/16");
		CHECK_INT(strlen(C0->vti_interface), 15);
		CHECK(strncmp(C0->vti_interface, "a-very-lon-", 11) == 0);
	}
	CHECK_NOTE(&d, "t.conf:6: note: conn \"a-very-long-conn-name\": keyingtries= is taken as %forever");
	/* leftnexthop= the peer itself (libreswan's tests), or the host's gateway to it; the peer's own */
	CHECK_INT(load("conn x\n\tleft=192.0.2.1\n\tright=192.0.2.2\n\tleftnexthop=192.0.2.2\n"
		       "\trightnexthop=192.0.2.77\n", psk, NULL), 0);
	{
		struct host h;

		CHECK_INT(load("conn x\n\tleft=10.3.1.200\n\tright=203.0.113.20\n\tleftnexthop=10.3.1.1\n", psk,
			       host(&h, "10.3.1.200", NULL, "10.3.1.1", NULL)), 0);
		CHECK_INT(load("conn x\n\tleft=10.3.1.200\n\tright=203.0.113.20\n\tleftnexthop=10.3.1.9\n", psk,
			       host(&h, "10.3.1.200", NULL, "10.3.1.1", NULL)), -1);
		CHECK_PROBLEM(&d, "t.conf:4: conn \"x\": leftnexthop=10.3.1.9: mcvpn sends IKE and ESP by the host's "
			      "routes, and the route to the peer is not via 10.3.1.9 (its gateway: 10.3.1.1)");
	}
	CHECK_INT(load("conn x\n\tleft=192.0.2.1\n\tright=192.0.2.2\n\tipsec-interface=yes\n", psk, NULL), 0);
	CHECK_STR(C0 ? C0->vti_interface : "", "ipsec1");
	CHECK_INT(load("conn x\n\tleft=192.0.2.1\n\tright=192.0.2.2\n\tipsec-interface=5\n"
		       "\tleftinterface-ip=192.168.5.1/24\n", psk, NULL), 0);
	CHECK_STR(C0 ? C0->vti_interface : "", "ipsec5");
	CHECK_STR(C0 ? pfx(&C0->interface_ip) : "", "192.168.5.1/24");
	/* pfs=yes without a group in phase2alg=: each group of ike=, as libreswan's IKE SA group */
	CHECK_INT(load("conn x\n\tleft=192.0.2.1\n\tright=192.0.2.2\n\tpfs=yes\n"
		       "\tike=aes_gcm256-sha2_256;dh19,aes_cbc256-sha2_256;modp2048,aes_gcm128-sha2_256;dh19\n"
		       "\tphase2alg=aes_gcm256,aes_cbc128-sha1;modp1536\n", psk, NULL), 0);
	if (C0) {
		CHECK_INT(C0->n_esp, 3);
		CHECK_INT(C0->esp[0].dh, ECP_256);
		CHECK_INT(C0->esp[1].dh, MODP_2048);
		CHECK_INT(C0->esp[0].encr, ENCR_AES_GCM_16);
		CHECK_INT(C0->esp[2].dh, MODP_1536);
		CHECK_INT(C0->esp[2].encr, ENCR_AES_CBC);
	}
}

int main(void)
{
	test_one_file_both_ends();
	test_defaultroute();
	test_libreswan_keys();
	conf_free(cf);
	conf_diag_free(&d);
	return check_summary("conf-ends");
}
