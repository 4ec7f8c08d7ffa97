/* SPDX-License-Identifier: Apache-2.0 */
/* nft_admits: a ruleset's text (as `nft list ruleset` prints it: one
 * statement a line, a block opened by a line ending in '{' and closed by a
 * line that is '}') read into chains and sets, then the input chains walked
 * for one UDP port.  See nft_admits.h for what "walked" assumes. */
#include "daemon/mcvpnctl/nft_admits.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/base/grow.h"

#define MAX_JUMPS 16	/* nft itself refuses deeper jump chains */
#define MAX_TOKENS 256	/* a longer rule is judged "maybe" */

struct chain {
	const char *family, *table, *name;
	bool input, policy_drop;
	size_t first, n;	/* its rules: rules[first .. first+n) */
};

struct set {
	const char *family, *table, *name;
	char elems[512];	/* "{ 500, 4500 }", or "" when unknown */
};

struct ruleset {
	char *text;		/* owned copy, cut into lines */
	char **rules;
	size_t nrules, cap_rules;
	struct chain *chains;
	size_t nchains, cap_chains;
	struct set *sets;
	size_t nsets, cap_sets;
};

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t l = strlen(s);
	while (l && (s[l - 1] == ' ' || s[l - 1] == '\t' || s[l - 1] == '\r'))
		s[--l] = 0;
	return s;
}

/* "table inet filter {": the two words after the keyword, cut in place. */
static bool two_words(char *line, const char **a, const char **b)
{
	char *save = NULL, *kw = strtok_r(line, " ", &save);
	*a = strtok_r(NULL, " ", &save);
	*b = strtok_r(NULL, " ", &save);
	return kw && *a && *b && strcmp(*b, "{") != 0;
}

/* "chain input {": the word after the keyword, cut in place. */
static const char *one_word(char *line)
{
	char *save = NULL, *kw = strtok_r(line, " ", &save), *a = strtok_r(NULL, " ", &save);
	return kw && a && strcmp(a, "{") != 0 ? a : NULL;
}

static void chain_header(struct chain *c, const char *line)
{
	if (strstr(line, "hook input"))
		c->input = strncmp(line, "type filter ", 12) == 0;
	if (strstr(line, "policy drop"))
		c->policy_drop = true;
}

static void set_elements(struct set *s, const char *line, bool *collecting)
{
	const char *e = strstr(line, "elements = ");
	if (e) {
		*collecting = true;
		line = e + 11;
	}
	if (!*collecting)
		return;
	size_t have = strlen(s->elems);
	if (have + strlen(line) + 2 >= sizeof(s->elems)) {
		snprintf(s->elems, sizeof(s->elems), "%s", "");	/* too big to judge */
		*collecting = false;
		return;
	}
	snprintf(s->elems + have, sizeof(s->elems) - have, "%s%s", have ? " " : "", line);
	if (strchr(line, '}'))
		*collecting = false;
}

/* Cut the copy into lines and file each one.  depth: 0 outside tables, 1 in
 * a table, 2 in a chain or set (or another object, skipped), more inside
 * those objects' own blocks. */
static int parse(struct ruleset *rs)
{
	const char *family = NULL, *table = NULL;
	struct chain *c = NULL;
	struct set *s = NULL;
	bool collecting = false;
	int depth = 0;
	char *save = NULL;

	for (char *raw = strtok_r(rs->text, "\n", &save); raw; raw = strtok_r(NULL, "\n", &save)) {
		char *line = trim(raw);
		size_t l = strlen(line);
		bool opens = l && line[l - 1] == '{', closes = strcmp(line, "}") == 0;

		if (!l)
			continue;
		if (closes) {
			if (--depth < 0)
				return -1;
			if (depth < 2)
				c = NULL, s = NULL;
			continue;
		}
		if (depth == 0) {
			if (strncmp(line, "table ", 6) || !opens || !two_words(line, &family, &table))
				return -1;
		} else if (depth == 1 && opens && strncmp(line, "chain ", 6) == 0) {
			const char *name = one_word(line);
			if (!name || !grow_room((void **)&rs->chains, &rs->cap_chains, rs->nchains,
					   sizeof(*rs->chains)))
				return -1;
			c = &rs->chains[rs->nchains++];
			*c = (struct chain){ family, table, name, false, false, rs->nrules, 0 };
		} else if (depth == 1 && opens && strncmp(line, "set ", 4) == 0) {
			const char *name = one_word(line);
			if (!name || !grow_room((void **)&rs->sets, &rs->cap_sets, rs->nsets, sizeof(*rs->sets)))
				return -1;
			s = &rs->sets[rs->nsets++];
			*s = (struct set){ family, table, name, "" };
			collecting = false;
		} else if (depth == 2 && c && !opens) {
			if (strncmp(line, "type ", 5) == 0 || strncmp(line, "policy ", 7) == 0) {
				chain_header(c, line);
			} else if (strncmp(line, "comment ", 8) != 0) {
				if (!grow_room((void **)&rs->rules, &rs->cap_rules, rs->nrules, sizeof(*rs->rules)))
					return -1;
				rs->rules[rs->nrules++] = line;
				c->n++;
			}
		} else if (depth >= 2 && s) {
			set_elements(s, line, &collecting);
		}
		if (opens)
			depth++;
	}
	return depth == 0 ? 0 : -1;
}

/* ------------------------------------------------------------ one rule */

enum match { M_NO, M_YES, M_MAYBE };
enum verdict { V_NONE, V_ACCEPT, V_DROP, V_JUMP, V_GOTO, V_RETURN, V_OTHER };

struct judged {
	enum match m;
	enum verdict v;
	char target[64];	/* jump/goto: a copy (the tokens are the caller's) */
};

struct tokens {
	char buf[1024];
	const char *t[MAX_TOKENS];
	size_t n;
};

/* Split at blanks, a "quoted string" one token, trailing commas dropped. */
static bool tokenize(const char *rule, struct tokens *tk)
{
	if (strlen(rule) >= sizeof(tk->buf))
		return false;
	strcpy(tk->buf, rule);
	tk->n = 0;
	for (char *p = tk->buf; *p;) {
		while (*p == ' ')
			*p++ = 0;
		if (!*p)
			break;
		if (tk->n == MAX_TOKENS)
			return false;
		tk->t[tk->n++] = p;
		if (*p == '"') {
			char *q = strchr(p + 1, '"');
			p = q ? q + 1 : p + strlen(p);
		}
		while (*p && *p != ' ')
			p++;
		if (p > tk->t[tk->n - 1] + 1 && p[-1] == ',')
			p[-1] = 0;
	}
	return true;
}

static bool is(const char *a, const char *b)
{
	return a && strcmp(a, b) == 0;
}

static const struct set *find_set(const struct ruleset *rs, const struct chain *c, const char *name)
{
	for (size_t i = 0; i < rs->nsets; i++)
		if (is(rs->sets[i].name, name) && is(rs->sets[i].family, c->family) &&
		    is(rs->sets[i].table, c->table))
			return &rs->sets[i];
	return NULL;
}

/* One element of a port list: 500, 400-600, or a service name. */
static enum match port_elem(const char *e, uint16_t port)
{
	unsigned long a, b;
	char *end;

	if (is(e, "isakmp"))
		return port == 500 ? M_YES : M_NO;
	if (is(e, "ipsec-nat-t"))
		return port == 4500 ? M_YES : M_NO;
	a = strtoul(e, &end, 10);
	if (end == e)
		return M_MAYBE;
	if (!*end)
		return a == port ? M_YES : M_NO;
	if (*end != '-')
		return M_MAYBE;
	b = strtoul(end + 1, &end, 10);
	if (*end)
		return M_MAYBE;
	return a <= port && port <= b ? M_YES : M_NO;
}

/* A value at t[*i]: one token, or "{ a, b }" (an anonymous set), with
 * "!=" before it negating.  each() says whether one element matches;
 * the whole is YES when some element does. */
typedef enum match (*elem_fn)(const char *e, const void *arg);

static enum match value(const struct tokens *tk, size_t *i, elem_fn each, const void *arg)
{
	bool neg = is(tk->t[*i], "!=");
	enum match m = M_NO;

	if (neg || is(tk->t[*i], "=="))
		(*i)++;
	if (*i >= tk->n)
		return M_MAYBE;
	if (is(tk->t[*i], "{")) {
		while (++*i < tk->n && !is(tk->t[*i], "}")) {
			enum match e = each(tk->t[*i], arg);
			if (e == M_YES || (e == M_MAYBE && m == M_NO))
				m = e;
		}
	} else {
		m = each(tk->t[*i], arg);
	}
	(*i)++;
	if (neg && m != M_MAYBE)
		m = m == M_YES ? M_NO : M_YES;
	return m;
}

static enum match port_each(const char *e, const void *arg)
{
	return port_elem(e, *(const uint16_t *)arg);
}

static enum match any_each(const char *e, const void *arg)
{
	(void)e, (void)arg;
	return M_MAYBE;
}

/* "new", or one of "established,related,new" (nft joins flags so). */
static enum match word_each(const char *e, const void *arg)
{
	for (const char *p = e; *p; p += *p == ',') {
		size_t l = strcspn(p, ",");
		for (const char *const *w = arg; *w; w++)
			if (strlen(*w) == l && strncmp(p, *w, l) == 0)
				return M_YES;
		p += l;
	}
	return M_NO;
}

/* The loopback interface: never where the peer's datagrams come in. */
static enum match not_lo_each(const char *e, const void *arg)
{
	(void)arg;
	return is(e, "lo") || is(e, "\"lo\"") ? M_NO : M_MAYBE;
}

/* The ports of "@set": the set's elements read as a port list. */
static enum match port_set(const struct ruleset *rs, const struct chain *c, const char *name,
			   uint16_t port)
{
	const struct set *s = find_set(rs, c, name);
	struct tokens tk;
	size_t i = 0;

	if (!s || !*s->elems || strchr(s->elems, '.') || strchr(s->elems, ':') ||
	    !tokenize(s->elems, &tk) || tk.n == 0)
		return M_MAYBE;
	return value(&tk, &i, port_each, &port);
}

static const char *const udp_words[] = { "udp", "17", NULL };
static const char *const ipv4_words[] = { "ipv4", NULL };
static const char *const new_words[] = { "new", "untracked", NULL };

static enum match both(enum match a, enum match b)
{
	if (a == M_NO || b == M_NO)
		return M_NO;
	return a == M_MAYBE || b == M_MAYBE ? M_MAYBE : M_YES;
}

/* The verdict: the last verdict word in the rule. */
static size_t find_verdict(const struct tokens *tk, struct judged *j)
{
	size_t at = tk->n;
	for (size_t i = 0; i < tk->n; i++) {
		const char *w = tk->t[i];
		enum verdict v = is(w, "accept") ? V_ACCEPT : is(w, "drop") || is(w, "reject") ? V_DROP
			: is(w, "jump") ? V_JUMP : is(w, "goto") ? V_GOTO : is(w, "return") ? V_RETURN
			: is(w, "queue") ? V_OTHER : V_NONE;
		if (v == V_NONE)
			continue;
		j->v = v;
		snprintf(j->target, sizeof(j->target), "%s",
			 (v == V_JUMP || v == V_GOTO) && i + 1 < tk->n ? tk->t[i + 1] : "");
		at = i;
	}
	return at;
}

/* The conditions before the verdict, for a new IPv4 UDP datagram to port. */
static enum match conditions(const struct ruleset *rs, const struct chain *c,
			     const struct tokens *tk, size_t end, uint16_t port)
{
	enum match m = M_YES;
	size_t i = 0;

	while (i < end && m != M_NO) {
		const char *w = tk->t[i++], *f = i < end ? tk->t[i] : NULL;

		if (is(w, "counter")) {
			while (i + 1 < end && (is(tk->t[i], "packets") || is(tk->t[i], "bytes")))
				i += 2;
		} else if (is(w, "comment") || is(w, "log")) {
			i += is(w, "comment");
		} else if (is(w, "prefix") || is(w, "level") || is(w, "flags") || is(w, "group")) {
			i++;	/* log's arguments */
		} else if ((is(w, "udp") || is(w, "th")) && is(f, "dport")) {
			i++;
			if (i < end && tk->t[i][0] == '@')
				m = both(m, port_set(rs, c, tk->t[i++] + 1, port));
			else
				m = both(m, value(tk, &i, port_each, &port));
		} else if (is(w, "tcp") || is(w, "icmp") || is(w, "icmpv6") || is(w, "ip6") ||
			   is(w, "sctp") || is(w, "dccp") || is(w, "esp") || is(w, "ah") ||
			   is(w, "igmp") || is(w, "icmpx")) {
			m = M_NO;
		} else if ((is(w, "meta") && is(f, "l4proto")) || (is(w, "ip") && is(f, "protocol"))) {
			i++;
			m = both(m, value(tk, &i, word_each, udp_words));
		} else if (is(w, "meta") && is(f, "nfproto")) {
			i++;
			m = both(m, value(tk, &i, word_each, ipv4_words));
		} else if (is(w, "ct") && is(f, "state")) {
			i++;
			m = both(m, value(tk, &i, word_each, new_words));
		} else if (is(w, "iifname") || is(w, "iif") ||
			   (is(w, "meta") && (is(f, "iifname") || is(f, "iif")))) {
			i += is(w, "meta");
			m = both(m, value(tk, &i, not_lo_each, NULL));
		} else if (i < end) {
			/* "ip saddr x", "ip saddr x", "udp sport x", "limit rate ...":
			 * not decidable here; read on for what is */
			m = both(m, M_MAYBE);
			if (is(w, "ip") || is(w, "meta") || is(w, "ct") || is(w, "udp"))
				i++;
			if (i < end)
				value(tk, &i, any_each, NULL);
		} else {
			m = both(m, M_MAYBE);
		}
	}
	return m;
}

static struct judged judge(const struct ruleset *rs, const struct chain *c, const char *rule,
			   uint16_t port)
{
	struct judged j = { M_MAYBE, V_NONE, "" };
	struct tokens tk;

	/* a verdict map decides per element: not judged (it usually sorts
	 * ct states, which a new datagram does not match) */
	if (!tokenize(rule, &tk) || strstr(rule, " vmap "))
		return (struct judged){ M_NO, V_NONE, "" };
	size_t end = find_verdict(&tk, &j);
	j.m = conditions(rs, c, &tk, end, port);
	return j;
}

/* ------------------------------------------------------------ the walk */

enum outcome { O_CONTINUE, O_ACCEPT, O_DROP };

struct walk {
	const struct ruleset *rs;
	uint16_t port;
	char *why;
	size_t why_len;
};

static const struct chain *find_chain(const struct ruleset *rs, const struct chain *from,
				      const char *name)
{
	for (size_t i = 0; *name && i < rs->nchains; i++)
		if (is(rs->chains[i].name, name) && is(rs->chains[i].family, from->family) &&
		    is(rs->chains[i].table, from->table))
			return &rs->chains[i];
	return NULL;
}

static void said(struct walk *w, const struct chain *c, const char *rule, const char *how)
{
	snprintf(w->why, w->why_len, "table %s %s, chain %s: '%s' %s", c->family, c->table,
		 c->name, rule, how);
}

static enum outcome walk_chain(struct walk *w, const struct chain *c, int depth)
{
	for (size_t r = c->first; r < c->first + c->n; r++) {
		const char *rule = w->rs->rules[r];
		struct judged j = judge(w->rs, c, rule, w->port);
		enum outcome o;

		if (j.m == M_NO)
			continue;
		switch (j.v) {
		case V_ACCEPT:
			said(w, c, rule, "accepts it");
			return O_ACCEPT;
		case V_DROP:
			if (j.m == M_YES) {
				said(w, c, rule, "drops it");
				return O_DROP;
			}
			break;
		case V_JUMP:
		case V_GOTO: {
			const struct chain *to = find_chain(w->rs, c, j.target);
			if (!to || depth >= MAX_JUMPS)
				break;
			o = walk_chain(w, to, depth + 1);
			if (o == O_ACCEPT || (o == O_DROP && j.m == M_YES))
				return o;
			if (j.v == V_GOTO && j.m == M_YES)
				return O_CONTINUE;
			break;
		}
		case V_RETURN:
			if (j.m == M_YES && depth > 0)
				return O_CONTINUE;
			break;
		default:
			break;
		}
	}
	if (depth > 0)
		return O_CONTINUE;
	if (c->policy_drop) {
		snprintf(w->why, w->why_len, "table %s %s, chain %s: policy drop, and no rule "
			 "accepts UDP %u", c->family, c->table, c->name, w->port);
		return O_DROP;
	}
	snprintf(w->why, w->why_len, "table %s %s, chain %s: policy accept", c->family, c->table,
		 c->name);
	return O_ACCEPT;
}

enum nft_admit nft_admits(const char *ruleset, uint16_t port, char *why, size_t why_len,
			  char *fix, size_t fix_len)
{
	struct ruleset rs = { .text = strdup(ruleset) };
	struct walk w = { &rs, port, why, why_len };
	enum nft_admit r = NFT_ADMITTED;
	int inputs = 0;

	snprintf(why, why_len, "%s", "");
	snprintf(fix, fix_len, "%s", "");
	if (!rs.text || parse(&rs)) {
		snprintf(why, why_len, "%s", "the ruleset could not be read");
		r = NFT_UNREADABLE;
		goto out;
	}
	for (size_t i = 0; i < rs.nchains && r == NFT_ADMITTED; i++) {
		const struct chain *c = &rs.chains[i];
		if (!c->input || !(is(c->family, "ip") || is(c->family, "inet")) ||
		    is(c->table, "firewalld"))
			continue;
		inputs++;
		if (walk_chain(&w, c, 0) == O_DROP) {
			/* first in the base chain: an accept there ends its walk */
			snprintf(fix, fix_len, "nft insert rule %s %s %s udp dport '{ 500, 4500 }' "
				 "accept", c->family, c->table, c->name);
			r = NFT_REFUSED;
		}
	}
	if (r == NFT_ADMITTED && inputs == 0)
		snprintf(why, why_len, "%s", "no nftables input chain filters it");
	else if (r == NFT_ADMITTED && inputs > 1)
		snprintf(why, why_len, "all %d nftables input chains accept it", inputs);
out:
	free(rs.rules);
	free(rs.chains);
	free(rs.sets);
	free(rs.text);
	return r;
}
