/* test_table_out: the statutory-table writer — CSV bytes (BOM, header, RFC 4180 quoting,
 * CRLF, rates as percentages, empty cells), cells checked against their column type, the
 * file appearing only on success, and an .xlsx being a ZIP (its content is checked with
 * openpyxl by the export integration test). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "duban/table_out.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct tab_col cols[] = {
	{"单位", TAB_TEXT, 10}, {"日期", TAB_DATE, 10}, {"件", TAB_INT, 6},
	{"罚款金额(万元)", TAB_WAN, 8}, {"销号率", TAB_RATE, 8}, {"指数", TAB_DECIMAL, 8},
};

static char dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test_table_out.XXXXXX");
	return mkdtemp(dir) != NULL ? 0 : -1;
}

/* Number of entries in dir besides . and .. */
static int dir_entries(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static char *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	char *buf = calloc(1, 65536);

	assert_non_null(f);
	assert_non_null(buf);
	*n = fread(buf, 1, 65535, f);
	fclose(f);
	return buf;
}

static void test_csv_bytes(void **state)
{
	char path[128], err[256];
	const char *r1[] = {"东湖镇, \"北\"", "2026-03-31", "3", "12.5", "0.75", "95.5"};
	const char *r2[] = {"合计", NULL, "3", "", "0.3333", "-1"};
	const char *want = "\xEF\xBB\xBF" "单位,日期,件,罚款金额(万元),销号率,指数\r\n"
			   "\"东湖镇, \"\"北\"\"\",2026-03-31,3,12.5,75.0%,95.5\r\n"
			   "合计,,3,,33.3%,-1\r\n";
	struct tab_out *t;
	size_t n;
	char *got;

	(void)state;
	snprintf(path, sizeof(path), "%s/t.csv", dir);
	t = tab_open(path, "表", cols, 6, err, sizeof(err));
	assert_non_null(t);
	assert_int_equal(tab_row(t, r1, 0, err, sizeof(err)), 0);
	assert_int_equal(tab_row(t, r2, 1, err, sizeof(err)), 0);
	assert_int_equal(tab_rows(t), 2);
	assert_int_equal(access(path, F_OK), -1);       /* not there before close */
	assert_int_equal(tab_close(t, err, sizeof(err)), 0);
	got = slurp(path, &n);
	assert_int_equal(n, strlen(want));
	assert_memory_equal(got, want, n);
	free(got);
	assert_int_equal(dir_entries(), 1);             /* no temporary file left */
	unlink(path);
}

static void test_bad_cells(void **state)
{
	char path[128], err[256];
	const char *bad_date[] = {"x", "2026-02-30", "1", "1", "0.5", "1"};
	const char *bad_num[] = {"x", "2026-02-28", "三", "1", "0.5", "1"};
	struct tab_out *t;

	(void)state;
	snprintf(path, sizeof(path), "%s/bad.xlsx", dir);
	t = tab_open(path, "表", cols, 6, err, sizeof(err));
	assert_non_null(t);
	assert_int_equal(tab_row(t, bad_date, 0, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "column 日期: '2026-02-30' is not a date"));
	assert_int_equal(tab_row(t, bad_num, 0, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "column 件: '三' is not a number"));
	tab_abort(t);
	assert_int_equal(dir_entries(), 0);             /* nothing left behind */
	assert_null(tab_open("/tmp/x.txt", "表", cols, 6, err, sizeof(err)));
	assert_non_null(strstr(err, "must end in .xlsx or .csv"));
	assert_int_equal(tab_format_of("A.XLSX"), TAB_FORMAT_XLSX);
	assert_int_equal(tab_format_of("a.Csv"), TAB_FORMAT_CSV);
	assert_int_equal(tab_format_of("csv"), TAB_FORMAT_NONE);
}

static void test_xlsx_is_zip(void **state)
{
	char path[128], err[256];
	const char *r1[] = {"东湖镇", "2026-03-31", "3", "12.5", "0.75", "95.5"};
	struct tab_out *t;
	size_t n;
	char *got;

	(void)state;
	snprintf(path, sizeof(path), "%s/t.xlsx", dir);
	t = tab_open(path, "表", cols, 6, err, sizeof(err));
	assert_non_null(t);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(tab_row(t, r1, 0, err, sizeof(err)), 0);
	assert_int_equal(tab_close(t, err, sizeof(err)), 0);
	got = slurp(path, &n);
	assert_true(n > 1000);
	assert_memory_equal(got, "PK\x03\x04", 4);
	free(got);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csv_bytes),
		cmocka_unit_test(test_bad_cells),
		cmocka_unit_test(test_xlsx_is_zip),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
