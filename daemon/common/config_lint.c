/* Line syntax of duband.conf that inih tolerates but SPEC §2 refuses: text after a section
 * header, an unterminated header, a line that is neither [section] nor key = value, a key
 * given twice, NUL bytes and over-long lines. Run over the whole file before inih parses it. */
#include "duban/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct seen_key {
	char *name;   /* "section.key" */
	int line;
};

struct lint_state {
	char section[CONFIG_MAX_LINE + 1];
	struct seen_key *keys;
	size_t nkeys, cap;
	char *msg;
	size_t msglen;
};

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* [start, end) with surrounding white space removed. */
static void trim(const char **start, const char **end)
{
	while (*start < *end && is_space(**start))
		(*start)++;
	while (*end > *start && is_space((*end)[-1]))
		(*end)--;
}

static int lint_section(struct lint_state *st, const char *p, const char *end)
{
	const char *close = memchr(p, ']', (size_t)(end - p));
	const char *name = p + 1, *name_end;

	if (close == NULL) {
		snprintf(st->msg, st->msglen, "unterminated section header (no ']')");
		return -1;
	}
	for (const char *q = close + 1; q < end; q++)
		if (!is_space(*q)) {
			snprintf(st->msg, st->msglen, "text after section header");
			return -1;
		}
	name_end = close;
	trim(&name, &name_end);
	if (name == name_end) {
		snprintf(st->msg, st->msglen, "empty section name");
		return -1;
	}
	/* inih keeps the text between the brackets as it is */
	memcpy(st->section, p + 1, (size_t)(close - p - 1));
	st->section[close - p - 1] = '\0';
	return 0;
}

static int remember_key(struct lint_state *st, const char *name, size_t len, int line)
{
	size_t n = strlen(st->section) + 1 + len + 1;
	char *full = malloc(n);

	if (full == NULL) {
		snprintf(st->msg, st->msglen, "out of memory");
		return -1;
	}
	snprintf(full, n, "%s.%.*s", st->section, (int)len, name);
	for (size_t i = 0; i < st->nkeys; i++)
		if (strcmp(st->keys[i].name, full) == 0) {
			snprintf(st->msg, st->msglen, "key '%s' given twice (first on line %d)",
				 full, st->keys[i].line);
			free(full);
			return -1;
		}
	if (st->nkeys == st->cap) {
		size_t cap = st->cap != 0 ? st->cap * 2 : 16;
		struct seen_key *grown = realloc(st->keys, cap * sizeof(*grown));

		if (grown == NULL) {
			free(full);
			snprintf(st->msg, st->msglen, "out of memory");
			return -1;
		}
		st->keys = grown;
		st->cap = cap;
	}
	st->keys[st->nkeys].name = full;
	st->keys[st->nkeys].line = line;
	st->nkeys++;
	return 0;
}

static int lint_pair(struct lint_state *st, const char *p, const char *end, int line)
{
	const char *sep = p, *name_end;

	while (sep < end && *sep != '=' && *sep != ':')
		sep++;
	if (sep == end || *sep != '=') {
		snprintf(st->msg, st->msglen, "expected [section] or key = value");
		return -1;
	}
	name_end = sep;
	trim(&p, &name_end);
	if (p == name_end) {
		snprintf(st->msg, st->msglen, "missing key name before '='");
		return -1;
	}
	return remember_key(st, p, (size_t)(name_end - p), line);
}

static int lint_line(struct lint_state *st, const char *p, const char *end, int line)
{
	if ((size_t)(end - p) > CONFIG_MAX_LINE) {
		snprintf(st->msg, st->msglen, "line too long (%zu > %d bytes)",
			 (size_t)(end - p), CONFIG_MAX_LINE);
		return -1;
	}
	trim(&p, &end);
	if (p == end || *p == ';' || *p == '#')
		return 0;
	if (*p == '[')
		return lint_section(st, p, end);
	return lint_pair(st, p, end, line);
}

int config_lint(const char *text, size_t len, char *msg, size_t msglen)
{
	struct lint_state st = { .msg = msg, .msglen = msglen };
	const char *p = text, *end = text + len;
	int line = 1, bad = 0;

	if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
		p += 3;
	msg[0] = '\0';
	while (p < end && bad == 0) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *stop = eol != NULL ? eol : end;

		if (memchr(p, '\0', (size_t)(stop - p)) != NULL) {
			snprintf(msg, msglen, "NUL byte in the line");
			bad = line;
		} else if (lint_line(&st, p, stop, line) != 0) {
			bad = line;
		}
		p = stop + (eol != NULL);
		line++;
	}
	for (size_t i = 0; i < st.nkeys; i++)
		free(st.keys[i].name);
	free(st.keys);
	return bad;
}
