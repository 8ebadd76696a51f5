/* render_facts.h: private to daemon/common's render_text.c, render_vars.c and render_facts.c —
 * the notice being rendered, the template variable writers and each notice type's builder. */
#ifndef DUBAN_RENDER_FACTS_H
#define DUBAN_RENDER_FACTS_H

#include "duban/render.h"
#include "render_int.h"

#include <jansson.h>
#include <stdio.h>

/* One notice being rendered. */
struct rt {
	const json_t *n;
	const struct fmt_markup *m;
	const struct render_opts *o;
	json_t *vars;	     /* name -> marked-up text */
	const char *variant; /* template variant */
	int failed;
	int kind;	     /* enum render_kind of the message; -1: none (render_tag) */
};

/* Payload accessors and the template variables a builder sets (render_vars.c). */
const char *rt_jstr(const json_t *o, const char *key);
int rt_jhas_int(const json_t *o, const char *key);
long long rt_jint(const json_t *o, const char *key, long long dflt);
int rt_streq(const char *a, const char *b);
const char *rt_first(const char *a, const char *b);
/* A variable written with stdio: open a memory stream, then close it into variable name. */
FILE *rt_var_open(struct rt *r, char **buf, size_t *len);
void rt_var_close(struct rt *r, const char *name, FILE *f, char **buf);
void rt_var_text(struct rt *r, const char *name, const char *s);
void rt_var_fmt(struct rt *r, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void rt_var_date(struct rt *r, const char *name, const char *iso);
void rt_var_period(struct rt *r, const char *name, const char *period);
void rt_var_int(struct rt *r, const char *name, const char *key);
void rt_var_problem(struct rt *r, const char *name, const char *ref, const char *title);
const char *rt_title_of(const json_t *n, const char *ref);
const char *rt_unit_name(const json_t *n, const char *code);
void rt_var_problem_list(struct rt *r, const char *name, const json_t *arr);
void rt_var_units(struct rt *r, const char *name, const json_t *arr, const json_t *stats);
int rt_in_array(const json_t *arr, const char *code);

/* The facts of each notice type as template variables (render_facts.c). */
void build_acceptance(struct rt *r);
void build_bulletin(struct rt *r);
void build_calendar(struct rt *r);
void build_deduction(struct rt *r);
void build_escalation(struct rt *r);
void build_missed(struct rt *r);
void build_reminder(struct rt *r);
void build_sample(struct rt *r);
void build_table(struct rt *r);
void build_transition(struct rt *r);

#endif
