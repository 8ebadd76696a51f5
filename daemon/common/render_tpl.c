/* Expansion of message templates: {name} facts and [ … ] optional parts. */
#include "duban/render_tpl.h"

#include <string.h>

const struct tpl_row *tpl_find(const char *type, const char *variant, const char *role)
{
	static const int pass[4][2] = {{1, 1}, {1, 0}, {0, 1}, {0, 0}};

	if (type == NULL)
		return NULL;
	variant = variant != NULL ? variant : "";
	role = role != NULL ? role : "";
	for (int p = 0; p < 4; p++) {
		for (size_t i = 0; i < tpl_n_rows; i++) {
			const struct tpl_row *r = &tpl_rows[i];
			int v_ok = pass[p][0] ? strcmp(r->variant, variant) == 0 : r->variant[0] == '\0';
			int r_ok = pass[p][1] ? strcmp(r->role, role) == 0 : r->role[0] == '\0';

			if (strcmp(r->type, type) == 0 && v_ok && r_ok)
				return r;
		}
	}
	return NULL;
}

/* The fact named by s[0..n), or NULL when missing or empty. */
static const char *tpl_var(const json_t *vars, const char *s, size_t n)
{
	char name[64];
	const char *v;

	if (n == 0 || n >= sizeof name)
		return NULL;
	memcpy(name, s, n);
	name[n] = '\0';
	v = json_string_value(json_object_get(vars, name));
	return v != NULL && *v != '\0' ? v : NULL;
}

/* Expands s[0..n) into f (f NULL: only checks). Returns 1 when every fact was there, 0 when
 * one was missing, -1 when malformed. */
static int tpl_run(FILE *f, const char *s, size_t n, const json_t *vars)
{
	int all = 1;

	for (size_t i = 0; i < n;) {
		if (s[i] == '{') {
			const char *end = memchr(s + i, '}', n - i);
			const char *v;

			if (end == NULL)
				return -1;
			v = tpl_var(vars, s + i + 1, (size_t)(end - s - i - 1));
			if (v == NULL)
				all = 0;
			else if (f != NULL)
				fputs(v, f);
			i = (size_t)(end - s) + 1;
		} else if (s[i] == '[') {
			const char *end = memchr(s + i, ']', n - i);
			size_t len;
			int ok;

			if (end == NULL)
				return -1;
			len = (size_t)(end - s - i - 1);
			ok = tpl_run(NULL, s + i + 1, len, vars);
			if (ok < 0)
				return -1;
			if (ok == 1 && f != NULL)
				tpl_run(f, s + i + 1, len, vars);
			i = (size_t)(end - s) + 1;
		} else {
			if (f != NULL)
				fputc(s[i], f);
			i++;
		}
	}
	return all;
}

int tpl_expand(FILE *f, const char *text, const json_t *vars)
{
	if (text == NULL || tpl_run(NULL, text, strlen(text), vars) < 0)
		return -1;
	return tpl_run(f, text, strlen(text), vars) < 0 ? -1 : 0;
}
