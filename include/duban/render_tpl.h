/* The office's wording as data: one template per notice type, variant (stage, level, list or
 * single unit) and recipient role, expanded with the notice's facts. The README shows them all. */
#ifndef DUBAN_RENDER_TPL_H
#define DUBAN_RENDER_TPL_H
#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#include "duban/render_fmt.h"

/* One template. variant and role "" match any; the first matching row wins, so specific rows
 * come first. text: literal Chinese with {name} for a fact and [ … ] around a part that is left
 * out when a fact inside it is missing or empty. */
struct tpl_row {
	const char *type;
	const char *variant;
	const char *role; /* main, lead, supervisor, office, leadership, or "" */
	const char *tag;  /* the stage tag, 【tag】, also what the first line counts */
	enum fmt_tone tone;
	const char *text;
};

extern const struct tpl_row tpl_rows[];
extern const size_t tpl_n_rows;

/* The row for (type, variant, role): exact, then any role, then any variant, then any of both;
 * NULL when the type has no template. */
const struct tpl_row *tpl_find(const char *type, const char *variant, const char *role);

/* Writes text with {name} replaced by vars[name] (strings, already marked up) and optional
 * [ … ] parts dropped when one of their facts is missing or empty. Returns 0, or -1 when the
 * text is malformed (an unclosed { or [). */
int tpl_expand(FILE *f, const char *text, const json_t *vars);

#endif
