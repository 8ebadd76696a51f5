/* Unit tests of the config parser (config.c, config_lint.c): values applied, and every quirk
 * SPEC §2 refuses — unknown key, key given twice, text after or unterminated section header,
 * inline comments, continuation lines — reported as FILE:LINE: message naming the bad line. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "duban/config.h"

static char path[64];
static char err[1024];

static void write_file(const char *text, size_t len)
{
	FILE *f;

	snprintf(path, sizeof(path), "/tmp/duban-test-config-XXXXXX");
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* Loads text; on success returns 0 with cfg filled (caller frees). */
static int load(const char *text, struct duban_config *cfg)
{
	int rc;

	write_file(text, strlen(text));
	err[0] = '\0';
	rc = config_load(cfg, path, true, err, sizeof(err));
	unlink(path);
	return rc;
}

/* Asserts text is refused with "FILE:LINE: " followed by a message containing needle. */
static void refused(const char *text, int line, const char *needle)
{
	struct duban_config cfg;
	char prefix[128];

	if (load(text, &cfg) == 0) {
		config_free(&cfg);
		fail_msg("accepted: %s", text);
	}
	snprintf(prefix, sizeof(prefix), "%s:%d: ", path, line);
	if (strncmp(err, prefix, strlen(prefix)) != 0)
		fail_msg("for %s\nexpected prefix \"%s\", got \"%s\"", text, prefix, err);
	if (strstr(err + strlen(prefix), needle) == NULL)
		fail_msg("for %s\n\"%s\" lacks \"%s\"", text, err, needle);
}

static void test_values_applied(void **state)
{
	struct duban_config cfg;

	(void)state;
	assert_int_equal(load("; a comment\n# another\n\n[daemon]\n  poll_interval = 5\r\n"
			      "[delivery]\nwindow=09:00-17:30\nworkdays_only = no\n"
			      "[database]\ndsn = host=a,b port=5432,5433 "
			      "target_session_attrs=read-write\n"
			      "[log]\nlevel = debug\n", &cfg), 0);
	assert_int_equal(cfg.poll_interval, 5);
	assert_int_equal(cfg.window_start, 9 * 60);
	assert_int_equal(cfg.window_end, 17 * 60 + 30);
	assert_false(cfg.workdays_only);
	assert_string_equal(cfg.dsn, "host=a,b port=5432,5433 target_session_attrs=read-write");
	assert_int_equal(cfg.log_level, LOG_DEBUG);
	assert_int_equal(cfg.concurrency, 8); /* untouched keys keep their defaults */
	config_free(&cfg);
}

static void test_bom_and_long_dsn(void **state)
{
	struct duban_config cfg;
	char text[1200];
	char dsn[1000];

	(void)state;
	memset(dsn, 'x', sizeof(dsn) - 1);
	dsn[sizeof(dsn) - 1] = '\0';
	memcpy(dsn, "host=", 5);
	snprintf(text, sizeof(text), "\xEF\xBB\xBF[database]\ndsn = %s\n", dsn);
	assert_int_equal(load(text, &cfg), 0);
	assert_string_equal(cfg.dsn, dsn); /* longer than inih's 200-byte default line */
	config_free(&cfg);
}

static void test_unknown_keys(void **state)
{
	(void)state;
	refused("[daemon]\npoll_interval = 60\njunk = 1\n", 3, "unknown key 'daemon.junk'");
	refused("[nosuch]\nkey = 1\n", 2, "unknown key 'nosuch.key'");
	refused("poll_interval = 60\n", 1, "unknown key '.poll_interval'");
}

static void test_key_twice(void **state)
{
	(void)state;
	refused("[daemon]\npoll_interval = 5\npoll_interval = 6\n", 3,
		"key 'daemon.poll_interval' given twice (first on line 2)");
	refused("[daemon]\npoll_interval = 5\n[log]\nlevel = info\n[daemon]\n"
		"poll_interval = 5\n", 6, "given twice");
}

static void test_section_headers(void **state)
{
	(void)state;
	refused("[daemon]junk\npoll_interval = 5\n", 1, "text after section header");
	refused("[log]\nlevel = info\n[daemon] x = 1\n", 3, "text after section header");
	refused("[daemon\npoll_interval = 5\n", 1, "unterminated section header");
	refused("[log]\nlevel = info\n\n[daemon\npoll_interval = 5\n", 4,
		"unterminated section header");
	refused("[]\n", 1, "empty section name");
}

static void test_inline_comments(void **state)
{
	(void)state;
	refused("[daemon]\npoll_interval = 5 ; x\n", 2, "daemon.poll_interval must be");
	refused("[daemon]\npoll_interval = 5 # x\n", 2, "daemon.poll_interval must be");
	refused("[log]\nlevel = info ;x\n", 2, "log.level must be");
}

static void test_line_syntax(void **state)
{
	char *text;
	size_t n = CONFIG_MAX_LINE + 100;

	(void)state;
	refused("[daemon]\npoll_interval\n", 2, "expected [section] or key = value");
	refused("[daemon]\npoll_interval: 5\n", 2, "expected [section] or key = value");
	refused("[daemon]\n = 5\n", 2, "missing key name");
	/* an indented line after a key is a key of its own, not a continuation */
	refused("[daemon]\npoll_interval = 5\n   60\n", 3, "expected [section] or key = value");
	text = malloc(n + 32);
	assert_non_null(text);
	snprintf(text, n + 32, "[database]\ndsn = host=");
	memset(text + strlen(text), 'h', n);
	text[n] = '\0';
	refused(text, 2, "line too long");
	free(text);
}

static void test_first_error_wins(void **state)
{
	(void)state;
	/* a bad value before a syntax error, and a syntax error before a bad value */
	refused("[daemon]\npoll_interval = x\n[log\n", 2, "daemon.poll_interval must be");
	refused("[log\n[daemon]\npoll_interval = x\n", 1, "unterminated section header");
}

static void test_nul_byte(void **state)
{
	struct duban_config cfg;
	static const char text[] = "[daemon]\npoll_interval = 5\0\n";

	(void)state;
	write_file(text, sizeof(text) - 1);
	assert_int_equal(config_load(&cfg, path, true, err, sizeof(err)), -1);
	unlink(path);
	assert_non_null(strstr(err, ":2: NUL byte"));
}

static void test_missing_files(void **state)
{
	struct duban_config cfg;

	(void)state;
	assert_int_equal(config_load(&cfg, "/nonexistent/duband.conf", false, err, sizeof(err)), 0);
	assert_int_equal(cfg.poll_interval, 60);
	config_free(&cfg);
	assert_int_equal(config_load(&cfg, "/nonexistent/duband.conf", true, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "/nonexistent/duband.conf:0: cannot open"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values_applied),
		cmocka_unit_test(test_bom_and_long_dsn),
		cmocka_unit_test(test_unknown_keys),
		cmocka_unit_test(test_key_twice),
		cmocka_unit_test(test_section_headers),
		cmocka_unit_test(test_inline_comments),
		cmocka_unit_test(test_line_syntax),
		cmocka_unit_test(test_first_error_wins),
		cmocka_unit_test(test_nul_byte),
		cmocka_unit_test(test_missing_files),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
