/* dubanctl problem import FILE [--encoding utf-8|gbk]: loads the office's Excel ledger
 * (SPEC §6) all or nothing, in one transaction: rows are checked in C and streamed
 * with COPY into a staging table, checked again set-based in SQL, then written. */
#include "import.h"
#include "duban/limits.h"
#include "duban/parse.h"

static const char usage[] = "problem import FILE [--encoding utf-8|gbk]";

static const struct imp_column problem_cols[PARSE_COL_COUNT] = {
	[PARSE_COL_UNKNOWN] = {"unknown", "", 0, NULL},
	[PARSE_COL_REF] = {"ref", "编号", 1, NULL, DUBAN_MAX_REF},
	[PARSE_COL_LEVEL] = {"level", "层级", 1, NULL},
	[PARSE_COL_SOURCE] = {"source", "问题来源", 0, NULL},
	[PARSE_COL_CATEGORY] = {"category", "类别", 0, NULL},
	[PARSE_COL_TITLE] = {"title", "问题", 1, NULL},
	[PARSE_COL_LOCATION] = {"location", "地址", 0, NULL},
	[PARSE_COL_UNIT] = {"unit", "主体责任单位", 1, NULL},
	[PARSE_COL_SUPERVISORS] = {"supervisors", "监管责任单位", 1, NULL},
	[PARSE_COL_DEADLINE] = {"deadline", "整改时限", 1, NULL},
	[PARSE_COL_LONG_TERM] = {"long_term", "长期", 0, NULL},
	[PARSE_COL_MEASURES] = {"measures", "整改措施", 0, NULL},
	[PARSE_COL_TARGET] = {"target", "整改目标", 0, NULL},
	[PARSE_COL_STATUS] = {"status", "办理状态", 0, NULL},
	[PARSE_COL_CLOSED_ON] = {"closed_on", "办结日期", 0, NULL},
	[PARSE_COL_PROGRESS] = {"progress", "整改进度", 0, NULL},
	[PARSE_COL_CONTACT] = {"contact", "责任人", 0, NULL},
	[PARSE_COL_VERIFIED] = {"verified", "是否属实", 0, NULL},
	[PARSE_COL_ORDERED] = {"ordered", "责令整改(家)", 0, NULL},
	[PARSE_COL_PENALIZED] = {"penalized", "立案处罚(家)", 0, NULL},
	[PARSE_COL_FINE] = {"fine", "罚款金额(万元)", 0, NULL},
	[PARSE_COL_INVESTIGATED] = {"investigated", "立案侦查(件)", 0, NULL},
	[PARSE_COL_DETAINED_ADMIN] = {"detained_admin", "拘留(人) 行政", 0, NULL},
	[PARSE_COL_DETAINED_CRIMINAL] = {"detained_criminal", "拘留(人) 刑事", 0, NULL},
	[PARSE_COL_INTERVIEWED] = {"interviewed", "约谈(人)", 0, NULL},
	[PARSE_COL_ACCOUNTABLE] = {"accountable", "问责(人)", 0, NULL},
};

static int problem_classify(const char *cell)
{
	enum parse_col col = parse_header_column(cell);

	return col == PARSE_COL_UNKNOWN ? -1 : (int)col;
}

static const struct imp_kind problem_kind = {
	.usage = usage,
	.cols = problem_cols,
	.ncols = PARSE_COL_COUNT,
	.classify = problem_classify,
	.setup_sql = "SET LOCAL work_mem = '64MB'",
	.units = 1,
	.stage_sql = imp_problem_stage_sql,
	.copy_sql = imp_problem_copy_sql,
	.row = imp_problem_row,
	.check = imp_problem_check,
	.apply = imp_problem_apply,
	.direct_begin = imp_problem_direct_begin,
	.direct_finish = imp_problem_direct_finish,
};

int cmd_problem_import(struct ctl *c)
{
	return imp_run(c, &problem_kind);
}
