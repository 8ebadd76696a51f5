/* Unit tests of sign.c: the DingTalk and Feishu published signature vectors, URL-encoding
 * and the error returns. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "duban/sign.h"

#define DT_SECRET "SECb90923e19e58b466481e9e7b7a5b4f108a4531abde590ad3967fb29f0eae5c68"

static void test_dingtalk_vector(void **state)
{
	char out[SIGN_MAX];

	(void)state;
	assert_int_equal(sign_dingtalk(DT_SECRET, 1582163555000LL, out, sizeof out), 0);
	assert_string_equal(out, "BQKsG%2BQOCl%2BbYJOLc6pxDHxjVquzlZPWgvRzeN2J5zY%3D");
}

static void test_feishu_vector(void **state)
{
	char out[SIGN_MAX];

	(void)state;
	assert_int_equal(sign_feishu("demo", 1599360473LL, out, sizeof out), 0);
	assert_string_equal(out, "l1N0gAcBjdwBvGm1xMjOF0XSyaLRpR7tuO5dHfhAYc8=");
}

static void test_urlencode(void **state)
{
	char out[64];

	(void)state;
	assert_int_equal(sign_urlencode("BQKsG+QOCl+b/x=", out, sizeof out), 0);
	assert_string_equal(out, "BQKsG%2BQOCl%2Bb%2Fx%3D");
	assert_int_equal(sign_urlencode("a-b.c_d~e 中", out, sizeof out), 0);
	assert_string_equal(out, "a-b.c_d~e%20%E4%B8%AD");
	assert_int_equal(sign_urlencode("", out, sizeof out), 0);
	assert_string_equal(out, "");
}

static void test_errors(void **state)
{
	char out[SIGN_MAX], small[8];

	(void)state;
	assert_int_equal(sign_dingtalk(NULL, 1, out, sizeof out), -1);
	assert_int_equal(sign_feishu(NULL, 1, out, sizeof out), -1);
	assert_int_equal(sign_dingtalk(DT_SECRET, 1582163555000LL, small, sizeof small), -1);
	assert_int_equal(sign_feishu("demo", 1599360473LL, small, sizeof small), -1);
	assert_int_equal(sign_urlencode("+++", small, 9), -1);
	assert_int_equal(sign_urlencode("+++", small, 0), -1);
	assert_int_equal(sign_urlencode("ab", small, 3), 0);
	assert_int_equal(sign_urlencode("abc", small, 3), -1);
}

static void test_fresh_timestamps_differ(void **state)
{
	char a[SIGN_MAX], b[SIGN_MAX];

	(void)state;
	assert_int_equal(sign_dingtalk("s", 1000, a, sizeof a), 0);
	assert_int_equal(sign_dingtalk("s", 2000, b, sizeof b), 0);
	assert_string_not_equal(a, b);
	assert_int_equal(sign_feishu("s", 1, a, sizeof a), 0);
	assert_int_equal(sign_feishu("s", 2, b, sizeof b), 0);
	assert_string_not_equal(a, b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dingtalk_vector),
		cmocka_unit_test(test_feishu_vector),
		cmocka_unit_test(test_urlencode),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_fresh_timestamps_differ),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
