/* Unit tests of the streaming CSV reader (csv.c) and UTF-8 validation (textconv.c): quoting,
 * line ends, BOM, line numbers, errors, GBK conversion across block boundaries. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duban/csv.h"
#include "duban/textconv.h"

/* Block sizes every case is read with: tiny ones split every character and delimiter. */
#define LIT(s) s, sizeof(s) - 1

static const size_t blocks[] = {1, 2, 3, 5, 7, 64 * 1024};
#define NBLOCKS (sizeof blocks / sizeof blocks[0])

static FILE *file_of(const char *data, size_t n)
{
    FILE *f = tmpfile();

    assert_non_null(f);
    if (n > 0)
        assert_int_equal(fwrite(data, 1, n, f), n);
    rewind(f);
    return f;
}

/* Appends text to a growing string. */
static void out_add(char **out, size_t *len, const char *s, size_t n)
{
    char *p = realloc(*out, *len + n + 1);

    assert_non_null(p);
    memcpy(p + *len, s, n);
    *len += n;
    p[*len] = '\0';
    *out = p;
}

/* Reads data whole and renders it as "LINE[f1][f2]\n..." or, on error, appends
 * "ERR@LINE: message". The caller frees the result. */
static char *dump_block(const char *data, size_t n, const char *enc, size_t block)
{
    FILE *f = file_of(data, n);
    struct csv_reader *r = csv_open(f, enc);
    struct csv_record rec;
    char *out = NULL, tmp[300];
    size_t len = 0;
    int rc;

    assert_non_null(r);
    csv_set_block_size(r, block);
    out_add(&out, &len, "", 0);
    while ((rc = csv_next(r, &rec)) == 1) {
        snprintf(tmp, sizeof tmp, "%ld", rec.line);
        out_add(&out, &len, tmp, strlen(tmp));
        for (size_t i = 0; i < rec.nfields; i++) {
            assert_int_equal(strlen(rec.fields[i]), rec.lens[i]);
            out_add(&out, &len, "[", 1);
            out_add(&out, &len, rec.fields[i], rec.lens[i]);
            out_add(&out, &len, "]", 1);
        }
        out_add(&out, &len, "\n", 1);
    }
    if (rc < 0) {
        snprintf(tmp, sizeof tmp, "ERR@%ld: %s", csv_error_line(r), csv_error(r));
        out_add(&out, &len, tmp, strlen(tmp));
        assert_int_equal(csv_next(r, &rec), -1); /* errors are sticky */
    } else {
        assert_int_equal(csv_next(r, &rec), 0); /* EOF is sticky */
    }
    csv_close(r);
    fclose(f);
    return out;
}

/* Checks that data gives the same rendering for every block size and returns it. */
static char *dump_enc(const char *data, size_t n, const char *enc)
{
    char *first = dump_block(data, n, enc, blocks[0]);

    for (size_t i = 1; i < NBLOCKS; i++) {
        char *other = dump_block(data, n, enc, blocks[i]);
        assert_string_equal(other, first);
        free(other);
    }
    return first;
}

static void expect_n(const char *data, size_t n, const char *enc, const char *want)
{
    char *got = dump_enc(data, n, enc);

    assert_string_equal(got, want);
    free(got);
}

static void expect(const char *data, const char *want)
{
    expect_n(data, strlen(data), "utf-8", want);
}

/* Expects an error on line whose message contains needle. */
static void expect_err_n(const char *data, size_t n, const char *enc, long line,
                         const char *needle)
{
    char *got = dump_enc(data, n, enc), head[32];
    char *e = strstr(got, "ERR@");

    if (e == NULL)
        fail_msg("no error for input; got: %s", got);
    snprintf(head, sizeof head, "ERR@%ld: ", line);
    if (strncmp(e, head, strlen(head)) != 0 || strstr(e, needle) == NULL)
        fail_msg("want %s...%s, got: %s", head, needle, e);
    free(got);
}

static void expect_err(const char *data, long line, const char *needle)
{
    expect_err_n(data, strlen(data), "utf-8", line, needle);
}

static void test_simple(void **state)
{
    (void)state;
    expect("a,b,c\n1,2,3\n", "1[a][b][c]\n2[1][2][3]\n");
    expect("a,b\n1,2", "1[a][b]\n2[1][2]\n");
    expect("编号,问题\nZY-1,河道采砂\n", "1[编号][问题]\n2[ZY-1][河道采砂]\n");
}

static void test_crlf(void **state)
{
    (void)state;
    expect("a,b\r\n1,2\r\n", "1[a][b]\n2[1][2]\n");
    expect("a,b\r\n1,2", "1[a][b]\n2[1][2]\n");
    expect("a\rb\r", "1[a]\n2[b]\n"); /* old Mac line ends */
    expect("a\r\n\r\nb\r\n", "1[a]\n3[b]\n");
}

static void test_bom(void **state)
{
    (void)state;
    expect("\xEF\xBB\xBFref,title\nR1,T\n", "1[ref][title]\n2[R1][T]\n");
    expect("\xEF\xBB\xBF\"ref\",title\n", "1[ref][title]\n");
    expect("\xEF\xBB\xBF", "");
    expect("", "");
    expect("a,\xEF\xBB\xBF\n", "1[a][\xEF\xBB\xBF]\n"); /* only a leading BOM is dropped */
}

static void test_quotes(void **state)
{
    (void)state;
    expect("\"a,b\",\"say \"\"hi\"\"\",\"\"\"\"\n", "1[a,b][say \"hi\"][\"]\n");
    expect("\"multi\nline\",x\nnext,row\n", "1[multi\nline][x]\n3[next][row]\n");
    expect("\"a\r\nb\",c\r\nd,e\r\n", "1[a\r\nb][c]\n3[d][e]\n");
    expect("\"a\rb\",c\nd\n", "1[a\rb][c]\n2[d]\n"); /* lone CR inside quotes is data */
    expect("\"\",x\n\"\"\n", "1[][x]\n2[]\n");
    expect("\"x\"", "1[x]\n");
    expect("\"x\"\r\n\"y\"", "1[x]\n2[y]\n");
    expect("\"a \"\"b\"\" c\",\n", "1[a \"b\" c][]\n");
}

static void test_empty_fields(void **state)
{
    (void)state;
    expect(",,\n,a,\n", "1[][][]\n2[][a][]\n");
    expect("a,\n", "1[a][]\n");
    expect(" a , b \n", "1[ a ][ b ]\n"); /* no trimming in the reader */
}

static void test_empty_lines(void **state)
{
    (void)state;
    expect("a\n\n\n", "1[a]\n");
    expect("a\n\nb\n\n", "1[a]\n3[b]\n");
    expect("\n\na\n", "3[a]\n");
    expect("a", "1[a]\n");
}

static void test_line_numbers(void **state)
{
    (void)state;
    expect("ref,measures\nR1,\"step 1\nstep 2\nstep 3\"\nR2,\"x\r\ny\"\r\nR3,z\n",
           "1[ref][measures]\n2[R1][step 1\nstep 2\nstep 3]\n5[R2][x\r\ny]\n7[R3][z]\n");
}

static void test_unterminated(void **state)
{
    (void)state;
    expect_err("a,b\nc,\"open\nmore\nstill\n", 2, "unterminated quoted field");
    expect_err("\"", 1, "unterminated");
}

static void test_stray_quote(void **state)
{
    (void)state;
    expect_err("a,b\nc,d\"e\n", 2, "quote character in an unquoted field");
    expect_err("a\n \"x\",y\n", 2, "quote character");
    expect_err("\"a\"b,c\n", 1, "after a closing quote");
    expect_err("x\n\"a\nb\" ,c\n", 3, "after a closing quote");
}

static void test_invalid_utf8(void **state)
{
    (void)state;
    expect_err("a,b\nc,\xb1\xe0\xba\xc5\n", 2, "invalid UTF-8 (if the file is GBK, use --encoding gbk)");
    expect_err("h\n\"x\ny\xff\"\n", 3, "--encoding gbk");
    expect_err("\xc0\x80\n", 1, "invalid UTF-8");       /* overlong NUL */
    expect_err("\xed\xa0\x80\n", 1, "invalid UTF-8");   /* surrogate */
    expect_err("ok\n\xe4\xb8", 2, "invalid UTF-8");     /* truncated at EOF */
    expect_err_n(LIT("a\nb\0c\n"), "utf-8", 2, "NUL byte");
    expect_err("\xff\xfe" "a\0", 1, "UTF-16");
}

static void test_gbk(void **state)
{
    (void)state;
    /* 编号,问题 / ZY-1,整改时限 */
    expect_n(LIT("\xb1\xe0\xba\xc5,\xce\xca\xcc\xe2\r\nZY-1,\xd5\xfb\xb8\xc4\xca\xb1\xcf\xde\r\n"),
             "gbk", "1[编号][问题]\n2[ZY-1][整改时限]\n");
    /* a quoted multi-line GBK field; 4-byte GB18030 char (U+1F600); GB18030 BOM */
    expect_n(LIT("\x84\x31\x95\x33\"\xb1\xe0\n\xba\xc5\",\x94\x39\xfc\x36\n"), "gb18030",
             "1[编\n号][\xF0\x9F\x98\x80]\n");
    expect_n(LIT(""), "GBK", "");
}

static void test_gbk_long_field(void **state)
{
    /* A field of 100k two-byte characters crosses the default 64 KiB block at an odd
     * offset, so a character is split between reads. */
    size_t nchar = 100000, n = 1 + 2 * nchar + 1;
    char *in = malloc(n), *want = malloc(4 + 3 * nchar + 2);
    FILE *f;
    struct csv_reader *r;
    struct csv_record rec;

    (void)state;
    assert_non_null(in);
    assert_non_null(want);
    in[0] = 'x';
    for (size_t i = 0; i < nchar; i++)
        memcpy(in + 1 + 2 * i, "\xb1\xe0", 2);
    in[n - 1] = '\n';
    for (size_t i = 0; i < nchar; i++)
        memcpy(want + 1 + 3 * i, "编", 3);
    want[0] = 'x';
    want[1 + 3 * nchar] = '\0';
    f = file_of(in, n);
    r = csv_open(f, "gbk");
    assert_non_null(r);
    assert_int_equal(csv_next(r, &rec), 1);
    assert_int_equal(rec.nfields, 1);
    assert_string_equal(rec.fields[0], want);
    assert_int_equal(csv_next(r, &rec), 0);
    csv_close(r);
    fclose(f);
    free(in);
    free(want);
}

static void test_gbk_errors(void **state)
{
    (void)state;
    expect_err_n(LIT("ab\n\"x\ny\",\xff\n"), "gbk", 3, "invalid GBK");
    expect_err_n(LIT("a,\xb1"), "gbk", 1, "truncated");
    expect_err_n(LIT("\xEF\xBB\xBF" "a\n"), "gbk", 1, "drop --encoding gbk");
}

static void test_record_limit(void **state)
{
    FILE *f = file_of(LIT("a\n\"0123456789012345678901234567890123456789\n"));
    struct csv_reader *r = csv_open(f, NULL);
    struct csv_record rec;

    (void)state;
    assert_non_null(r);
    csv_set_max_record(r, 16);
    assert_int_equal(csv_next(r, &rec), 1);
    assert_int_equal(csv_next(r, &rec), -1);
    assert_int_equal(csv_error_line(r), 2);
    assert_non_null(strstr(csv_error(r), "record longer than 16 bytes"));
    csv_close(r);
    fclose(f);
}

static void test_field_limit(void **state)
{
    size_t n = 20000;
    char *in = malloc(n + 3);
    FILE *f;
    struct csv_reader *r;
    struct csv_record rec;

    (void)state;
    assert_non_null(in);
    memcpy(in, "h\n", 2);
    memset(in + 2, ',', n);
    in[n + 2] = '\n';
    f = file_of(in, n + 3);
    r = csv_open(f, NULL);
    assert_non_null(r);
    assert_int_equal(csv_next(r, &rec), 1);
    assert_int_equal(csv_next(r, &rec), -1);
    assert_int_equal(csv_error_line(r), 2);
    assert_non_null(strstr(csv_error(r), "more than 16384 fields"));
    csv_close(r);
    fclose(f);
    free(in);
}

static void test_blank_record(void **state)
{
    FILE *f = file_of(LIT(",,\n, \xE3\x80\x80,\t\n,x,\n"));
    struct csv_reader *r = csv_open(f, "utf8");
    struct csv_record rec;

    (void)state;
    assert_non_null(r);
    assert_int_equal(csv_next(r, &rec), 1);
    assert_true(csv_record_blank(&rec));
    assert_int_equal(csv_next(r, &rec), 1);
    assert_true(csv_record_blank(&rec));
    assert_int_equal(csv_next(r, &rec), 1);
    assert_false(csv_record_blank(&rec));
    assert_int_equal(csv_next(r, &rec), 0);
    assert_string_equal(csv_error(r), "");
    assert_int_equal(csv_error_line(r), 0);
    csv_close(r);
    fclose(f);
}

static void test_open_errors(void **state)
{
    (void)state;
    errno = 0;
    assert_null(csv_open(stdin, "latin1"));
    assert_int_equal(errno, EINVAL);
    assert_null(csv_open(NULL, "utf-8"));
    csv_close(NULL);
}

/* Many rows with varied fields, read with the default block size. */
static void test_many_rows(void **state)
{
    FILE *f = tmpfile();
    struct csv_reader *r;
    struct csv_record rec;
    long rows = 0;

    (void)state;
    assert_non_null(f);
    fputs("ref,title,measures,progress\n", f);
    for (int i = 0; i < 50000; i++)
        fprintf(f, "R%d,\"问题 %d, \"\"引号\"\"\",\"第一步\n第二步\",%d%%\r\n", i, i, i % 101);
    rewind(f);
    r = csv_open(f, "utf-8");
    assert_non_null(r);
    assert_int_equal(csv_next(r, &rec), 1);
    while (csv_next(r, &rec) == 1) {
        char want[64];
        assert_int_equal(rec.nfields, 4);
        assert_int_equal(rec.line, 2 + 2 * rows);
        snprintf(want, sizeof want, "R%ld", rows);
        assert_string_equal(rec.fields[0], want);
        assert_string_equal(rec.fields[2], "第一步\n第二步");
        rows++;
    }
    assert_string_equal(csv_error(r), "");
    assert_int_equal(rows, 50000);
    csv_close(r);
    fclose(f);
}

static void test_utf8_check(void **state)
{
    size_t bad = 99;

    (void)state;
    assert_int_equal(textconv_utf8_check("plain ascii text here", 21, &bad), 0);
    assert_int_equal(textconv_utf8_check("编号😀", 10, NULL), 0);
    assert_int_equal(textconv_utf8_check("abcdefghij\xf4\x90\x80\x80", 14, &bad), -1);
    assert_int_equal(bad, 10);
    assert_int_equal(textconv_utf8_check("abcdefgh\x80", 9, &bad), -1);
    assert_int_equal(bad, 8);
    assert_int_equal(textconv_utf8_check("abcdefg\0", 8, &bad), -1);
    assert_int_equal(bad, 7);
    assert_int_equal(textconv_utf8_check("\xe0\x9f\xbf", 3, &bad), -1); /* overlong */
    assert_int_equal(textconv_utf8_check("\xf0\x8f\xbf\xbf", 4, &bad), -1);
    assert_int_equal(textconv_utf8_check("\xef\xbf\xbf\xf4\x8f\xbf\xbf", 7, &bad), 0);
    assert_true(textconv_is_utf8(NULL));
    assert_true(textconv_is_utf8("UTF-8"));
    assert_false(textconv_is_utf8("gbk"));
    assert_string_equal(textconv_legacy_name("GB2312"), "GB18030");
    assert_null(textconv_legacy_name("big5"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_simple),        cmocka_unit_test(test_crlf),
        cmocka_unit_test(test_bom),           cmocka_unit_test(test_quotes),
        cmocka_unit_test(test_empty_fields),  cmocka_unit_test(test_empty_lines),
        cmocka_unit_test(test_line_numbers),  cmocka_unit_test(test_unterminated),
        cmocka_unit_test(test_stray_quote),   cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_gbk),           cmocka_unit_test(test_gbk_long_field),
        cmocka_unit_test(test_gbk_errors),    cmocka_unit_test(test_record_limit),
        cmocka_unit_test(test_field_limit),
        cmocka_unit_test(test_blank_record),  cmocka_unit_test(test_open_errors),
        cmocka_unit_test(test_many_rows),     cmocka_unit_test(test_utf8_check),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
