/* export_tables: the five statutory tables of SPEC §11 — headers in the seeds' order and
 * wording, column types (dates, whole numbers, 万元, rates) and widths, and the SQL
 * function of sql/exports.sql that yields each table's rows. */
#include "export.h"

#include <stddef.h>
#include <string.h>

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* 台账: one row per problem; re-importable by `problem import`. */
static const struct tab_col ledger_cols[] = {
	{"序号", TAB_INT, 6}, {"编号", TAB_TEXT, 14}, {"层级", TAB_TEXT, 6},
	{"问题来源", TAB_TEXT, 12}, {"类别", TAB_TEXT, 10}, {"问题", TAB_TEXT, 40},
	{"地址", TAB_TEXT, 22}, {"主体责任单位", TAB_TEXT, 16}, {"监管责任单位", TAB_TEXT, 24},
	{"整改时限", TAB_DATE, 12}, {"整改措施", TAB_TEXT, 36}, {"整改目标", TAB_TEXT, 24},
	{"整改进度", TAB_INT, 9}, {"办理状态", TAB_TEXT, 10}, {"办结日期", TAB_DATE, 12},
	{"责任人", TAB_TEXT, 18},
};

/* 003 附件1: 尚未办结问题整改进展情况自查表. */
static const struct tab_col attachment1_cols[] = {
	{"序号", TAB_INT, 6}, {"单位", TAB_TEXT, 16}, {"详细地址", TAB_TEXT, 24},
	{"群众举报问题具体内容", TAB_TEXT, 40}, {"目前整改工作现状", TAB_TEXT, 30},
	{"具体整改措施及整改目标", TAB_TEXT, 40}, {"整改进展", TAB_TEXT, 30},
	{"是否办结", TAB_TEXT, 10},
};

/* 003 附件2: 群众举报问题办理情况汇总表. */
static const struct tab_col attachment2_cols[] = {
	{"单位", TAB_TEXT, 16}, {"交办数量(件)", TAB_INT, 10}, {"已办结(件)", TAB_INT, 10},
	{"阶段办结(件)", TAB_INT, 10}, {"责令整改(家)", TAB_INT, 10}, {"立案处罚(家)", TAB_INT, 10},
	{"罚款金额(万元)", TAB_WAN, 12}, {"立案侦查(件)", TAB_INT, 10},
	{"拘留(人) 行政", TAB_INT, 10}, {"拘留(人) 刑事", TAB_INT, 10}, {"约谈(人)", TAB_INT, 9},
	{"问责(人)", TAB_INT, 9}, {"属实(件)", TAB_INT, 9}, {"不属实(件)", TAB_INT, 9},
};

/* 通报: the units of a bulletin with their ranking. */
static const struct tab_col bulletin_cols[] = {
	{"名次", TAB_INT, 6}, {"单位", TAB_TEXT, 16}, {"未销号", TAB_INT, 8},
	{"逾期", TAB_INT, 8}, {"已销号", TAB_INT, 8}, {"销号率", TAB_RATE, 9},
	{"指数", TAB_DECIMAL, 8}, {"榜单", TAB_TEXT, 8},
};

/* 004's figures: problems closed by level and source. */
static const struct tab_col closure_cols[] = {
	{"层级", TAB_TEXT, 8}, {"问题来源", TAB_TEXT, 14}, {"交办", TAB_INT, 8},
	{"已销号", TAB_INT, 8}, {"逾期", TAB_INT, 8}, {"销号率", TAB_RATE, 9},
};

static const struct export_table tables[] = {
	{"ledger", "台账", ledger_cols, N(ledger_cols),
	 "SELECT * FROM duban.export_ledger($1, $2)", EXPORT_NO_PERIOD, 9},
	{"attachment1", "附件1", attachment1_cols, N(attachment1_cols),
	 "SELECT * FROM duban.export_attachment1($1, $2)", EXPORT_NO_PERIOD, 0},
	{"attachment2", "附件2", attachment2_cols, N(attachment2_cols),
	 "SELECT * FROM duban.export_attachment2($1, $2)", EXPORT_NO_PERIOD, 0},
	{"bulletin", "通报", bulletin_cols, N(bulletin_cols),
	 "SELECT * FROM duban.export_bulletin($1, $2)", EXPORT_PERIOD_OPTIONAL, 0},
	{"closure", "销号情况", closure_cols, N(closure_cols),
	 "SELECT * FROM duban.export_closure($1, $2)", EXPORT_NO_PERIOD, 0},
};

const struct export_table *export_table_find(const char *name)
{
	for (int i = 0; i < N(tables); i++)
		if (strcmp(tables[i].name, name) == 0)
			return &tables[i];
	return NULL;
}

const char *export_table_names(void)
{
	return "ledger, attachment1, attachment2, bulletin, closure";
}
