/* Unit tests of the renderers against sql/notice_payloads.json, the one description of each
 * notice type's payload (tests/integration/sql_rules.sh checks the SQL rules against it too):
 * the json kind writes exactly the type's §8 fields first and in order, each of them is a
 * described member, and a notice carrying the described members renders for every kind, and
 * is ranked by the urgency the claim adds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "duban/render.h"

#ifndef DUBAN_SOURCE_DIR
#error "DUBAN_SOURCE_DIR must name the source tree"
#endif

static json_t *load_spec(void)
{
	json_error_t e;
	json_t *spec = json_load_file(DUBAN_SOURCE_DIR "/sql/notice_payloads.json", 0, &e);

	if (spec == NULL)
		fail_msg("sql/notice_payloads.json:%d: %s", e.line, e.text);
	return spec;
}

/* A value of a described JSON type. */
static json_t *sample_value(const char *type)
{
	if (strncmp(type, "string", 6) == 0)
		return json_string("X1");
	if (strncmp(type, "date", 4) == 0)
		return json_string("2026-03-31");
	if (strncmp(type, "integer", 7) == 0)
		return json_integer(3);
	if (strncmp(type, "number", 6) == 0)
		return json_real(0.5);
	if (strncmp(type, "boolean", 7) == 0)
		return json_true();
	if (strncmp(type, "array", 5) == 0)
		return json_array();
	if (strncmp(type, "object", 6) == 0)
		return json_object();
	fail_msg("unknown JSON type %s in sql/notice_payloads.json", type);
	return NULL;
}

/* A notice of type name with every described member, plus what the claim adds. */
static json_t *sample_notice(const char *name, const json_t *desc, const json_t *claim_adds)
{
	json_t *n = json_object();
	const char *key;
	json_t *v;
	const char *parts[] = {"required", "optional"};

	for (size_t p = 0; p < 2; p++)
		json_object_foreach(json_object_get(desc, parts[p]), key, v)
			json_object_set_new(n, key, sample_value(json_string_value(v)));
	json_object_foreach((json_t *)claim_adds, key, v)
		json_object_set_new(n, key, sample_value(json_string_value(v)));
	json_object_set_new(n, "type", json_string(name));
	return n;
}

static void test_json_fields_are_described(void **state)
{
	json_t *spec = load_spec(), *desc, *f;
	const char *name;
	size_t i;

	(void)state;
	json_object_foreach(json_object_get(spec, "types"), name, desc) {
		assert_true(json_is_array(json_object_get(desc, "json_fields")));
		json_array_foreach(json_object_get(desc, "json_fields"), i, f)
			if (json_object_get(json_object_get(desc, "required"), json_string_value(f)) == NULL &&
			    json_object_get(json_object_get(desc, "optional"), json_string_value(f)) == NULL)
				fail_msg("%s: json field %s is not a described member", name,
					 json_string_value(f));
	}
	json_decref(spec);
}

static void test_render_fields_order(void **state)
{
	json_t *spec = load_spec(), *desc;
	const char *name;

	(void)state;
	json_object_foreach(json_object_get(spec, "types"), name, desc) {
		json_t *n = sample_notice(name, desc, json_object_get(spec, "claim_adds"));
		json_t *out = render_fields(n), *want = json_object_get(desc, "json_fields");
		void *it;
		size_t k = 0;

		assert_non_null(out);
		it = json_object_iter(out);
		assert_string_equal(json_object_iter_key(it), "id");
		it = json_object_iter_next(out, it);
		assert_string_equal(json_object_iter_key(it), "type");
		for (it = json_object_iter_next(out, it); k < json_array_size(want);
		     it = json_object_iter_next(out, it), k++) {
			const char *exp = json_string_value(json_array_get(want, k));

			if (it == NULL || strcmp(json_object_iter_key(it), exp) != 0)
				fail_msg("%s: json field %zu is %s, want %s", name, k,
					 it != NULL ? json_object_iter_key(it) : "(end)", exp);
		}
		/* every member is kept */
		assert_int_equal(json_object_size(out), json_object_size(n));
		json_decref(out);
		json_decref(n);
	}
	json_decref(spec);
}

static void test_every_type_renders(void **state)
{
	const enum render_kind kinds[] = {RENDER_JSON, RENDER_WECOM, RENDER_DINGTALK, RENDER_FEISHU,
					  RENDER_SLACK};
	const struct render_opts opts = {"整改办", "2026-03-09", "https://duban.example.gov.cn"};
	json_t *spec = load_spec(), *desc;
	const char *name;

	(void)state;
	json_object_foreach(json_object_get(spec, "types"), name, desc) {
		json_t *n = sample_notice(name, desc, json_object_get(spec, "claim_adds"));

		for (size_t s = 0; s < sizeof kinds / sizeof kinds[0]; s++) {
			char *text = render_text(n, kinds[s], &opts);

			assert_non_null(text);
			if (text[0] == '\0' || strstr(text, "(null)") != NULL || strstr(text, "{") != NULL)
				fail_msg("%s kind %zu: bad text \"%s\"", name, s, text);
			free(text);
		}
		json_decref(n);
	}
	json_decref(spec);
}

/* The digest order is the claim's urgency (then id), whatever the types. */
static void test_order_is_the_claims_urgency(void **state)
{
	json_t *spec = load_spec(), *types = json_object_get(spec, "types");
	json_t *a = sample_notice("closed", json_object_get(types, "closed"),
				  json_object_get(spec, "claim_adds"));
	json_t *b = sample_notice("reminder", json_object_get(types, "reminder"),
				  json_object_get(spec, "claim_adds"));

	(void)state;
	json_object_set_new(a, "urgency", json_integer(40000));
	json_object_set_new(b, "urgency", json_integer(90000));
	json_object_set_new(a, "id", json_integer(1));
	json_object_set_new(b, "id", json_integer(2));
	assert_true(render_compare(b, a) < 0);
	json_object_set_new(a, "urgency", json_integer(90000));
	assert_true(render_compare(a, b) < 0);
	json_decref(a);
	json_decref(b);
	json_decref(spec);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_fields_are_described),
		cmocka_unit_test(test_render_fields_order),
		cmocka_unit_test(test_every_type_renders),
		cmocka_unit_test(test_order_is_the_claims_urgency),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
