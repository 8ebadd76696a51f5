/* The office's wording of every message, per notice type, variant and recipient role
 * (main unit, lead supervisor, other supervisors, office, leadership). Facts in {braces} are
 * filled in at each attempt (dates, day counts); [ … ] parts are left out when a fact in them
 * is missing. Change the wording here only; README "Message texts" lists every row. */
#include "duban/render_tpl.h"

#define U FMT_URGENT
#define N FMT_NEUTRAL
#define G FMT_GOOD

/* Common tails. */
#define CONTACT "[责任人：{contact}。]"

const struct tpl_row tpl_rows[] = {
	/* ---- escalation: prompt 提示 (main unit) */
	{"escalation", "prompt-done", "main", "提示", N,
	 "问题 {problem}整改进度已达 100%，{term}为{due}，{left}。请于{due}前[向监管（验收）牵头单位{lead}]"
	 "申请验收。" CONTACT},
	{"escalation", "prompt", "main", "提示", N,
	 "问题 {problem}{term}为{due}，{left}，当前整改进度 {progress}%。请抓紧推进整改，确保按期完成。" CONTACT},
	{"escalation", "prompt", "", "提示", N,
	 "{unit}负责整改的问题 {problem}{term}为{due}，{left}，整改进度 {progress}%。请关注整改进展。"},
	/* ---- warn 警示 (main unit, lead supervisor) */
	{"escalation", "warn", "main", "警示", U,
	 "问题 {problem}{term}为{due}，{left}，整改进度仅 {progress}%，低于 {threshold}%，存在逾期风险。"
	 "请立即加快整改，确保按期完成。[监管（验收）牵头单位：{lead}。]" CONTACT},
	{"escalation", "warn", "lead", "警示", U,
	 "{unit}负责整改的问题 {problem}{term}为{due}，{left}，整改进度仅 {progress}%，低于 {threshold}%。"
	 "你单位是监管（验收）牵头单位，请加强督促指导，确保按期完成整改。"},
	{"escalation", "warn", "", "警示", U,
	 "{unit}负责整改的问题 {problem}{term}为{due}，{left}，整改进度仅 {progress}%，低于 {threshold}%。"
	 "[监管（验收）牵头单位：{lead}。]请跟踪关注。"},
	/* ---- supervise 督办 (main unit, supervisors, office) */
	{"escalation", "supervise", "main", "督办", U,
	 "问题 {problem}{left}（{term}{due}），整改进度 {progress}%，现予第 {cycle} 次督办。"
	 "请立即整改，并每周报送整改进展。" CONTACT},
	{"escalation", "supervise", "lead", "督办", U,
	 "{unit}负责整改的问题 {problem}{left}（{term}{due}），整改进度 {progress}%，现予第 {cycle} 次督办。"
	 "你单位是监管（验收）牵头单位，请督促指导{unit}立即整改，整改完成后及时组织验收。"},
	{"escalation", "supervise", "supervisor", "督办", U,
	 "{unit}负责整改的问题 {problem}{left}（{term}{due}），整改进度 {progress}%，现予第 {cycle} 次督办。"
	 "请履行监管责任，督促指导{unit}立即整改。"},
	{"escalation", "supervise", "", "督办", U,
	 "问题 {problem}{left}（{term}{due}），整改进度 {progress}%，已第 {cycle} 次督办。主体责任单位：{unit}"
	 "[；监管（验收）牵头单位：{lead}]。请跟踪督办，每周调度整改进展。"},
	/* ---- interview 约谈 (main unit, supervisors, office, leadership) */
	{"escalation", "interview", "main", "约谈", U,
	 "问题 {problem}{left}（{term}{due}），经督办仍未完成整改，整改进度 {progress}%。"
	 "将约谈你单位负责同志，请立即整改并做好约谈准备。" CONTACT},
	{"escalation", "interview", "lead", "约谈", U,
	 "{unit}负责整改的问题 {problem}{left}（{term}{due}），经督办仍未完成整改，整改进度 {progress}%，"
	 "将约谈{unit}负责同志。你单位是监管（验收）牵头单位，请督促立即整改。"},
	{"escalation", "interview", "supervisor", "约谈", U,
	 "{unit}负责整改的问题 {problem}{left}（{term}{due}），经督办仍未完成整改，整改进度 {progress}%，"
	 "将约谈{unit}负责同志。请履行监管责任，督促立即整改。"},
	{"escalation", "interview", "leadership", "约谈", U,
	 "问题 {problem}{left}（{term}{due}），经督办仍未完成整改，整改进度 {progress}%，"
	 "拟约谈主体责任单位{unit}负责同志，特此报告。"},
	{"escalation", "interview", "", "约谈", U,
	 "问题 {problem}{left}（{term}{due}），经督办仍未完成整改，整改进度 {progress}%。"
	 "请按程序约谈主体责任单位{unit}负责同志。"},
	/* ---- acceptance clock 验收 (lead supervisor; supervise also office) */
	{"acceptance", "prompt", "", "验收提示", N,
	 "{main_unit}已于{applied}对问题 {problem}申请验收，已过 {working_days} 个工作日。"
	 "请监管（验收）牵头单位[{lead}]于{decide_by}前完成验收。"},
	{"acceptance", "supervise", "lead", "验收督办", U,
	 "{main_unit}已于{applied}对问题 {problem}申请验收，验收时限{decide_by}已过（已过 {working_days} "
	 "个工作日），现予第 {cycle} 次督办。你单位是监管（验收）牵头单位，请立即完成验收。"},
	{"acceptance", "supervise", "", "验收督办", U,
	 "{main_unit}已于{applied}对问题 {problem}申请验收，监管（验收）牵头单位[{lead}]超过验收时限{decide_by}"
	 "仍未验收（已过 {working_days} 个工作日，第 {cycle} 次督办）。请跟踪督办。"},
	/* ---- transitions */
	{"applied", "", "lead", "申请验收", N,
	 "{main_unit}已于{applied}对问题 {problem}申请验收。你单位是监管（验收）牵头单位，请于{due}前"
	 "（第 {limit} 个工作日）完成验收：通过的予以公示，未通过的说明理由退回整改。"},
	{"applied", "", "", "申请验收", N,
	 "{main_unit}已于{applied}对问题 {problem}申请验收，监管（验收）牵头单位[{lead}]应于{due}前完成验收。"
	 "请跟踪。"},
	{"rejected", "", "main", "验收未通过", U,
	 "问题 {problem}验收未通过，理由：{reason}。请针对问题继续整改，整改到位后重新申请验收。" CONTACT},
	{"rejected", "", "office", "验收未通过", U,
	 "{main_unit}负责整改的问题 {problem}验收未通过，理由：{reason}，已退回整改。请跟踪。"},
	{"rejected", "", "", "验收未通过", U,
	 "{main_unit}负责整改的问题 {problem}验收未通过，理由：{reason}，已退回整改。请督促指导{main_unit}继续整改。"},
	{"objected", "", "main", "公示异议", U,
	 "问题 {problem}公示期间收到异议：{reason}，已退回整改。请核实情况，整改到位后重新申请验收。" CONTACT},
	{"objected", "", "office", "公示异议", U,
	 "{main_unit}负责整改的问题 {problem}公示期间收到异议：{reason}，已退回整改。请跟踪。"},
	{"objected", "", "", "公示异议", U,
	 "{main_unit}负责整改的问题 {problem}公示期间收到异议：{reason}，已退回整改。请督促指导{main_unit}核实整改。"},
	{"publicity", "", "main", "公示", G,
	 "问题 {problem}已通过验收，于{from}至{to}公示。公示期满无异议即予销号。"},
	{"publicity", "", "", "公示", G,
	 "{main_unit}负责整改的问题 {problem}已通过验收，于{from}至{to}公示，期满无异议即予销号。"},
	{"closed", "", "main", "销号", G,
	 "问题 {problem}公示期满无异议，已于{closed_on}销号。请巩固整改成效，防止问题反弹。"},
	{"closed", "", "", "销号", G,
	 "{main_unit}负责整改的问题 {problem}公示期满无异议，已于{closed_on}销号。"},
	{"reopened", "", "main", "重新整改", U,
	 "已销号的问题 {problem}重新进入整改（原因：{reason}），整改时限为{due}。请立即整改。" CONTACT},
	{"reopened", "", "office", "重新整改", U,
	 "{main_unit}负责整改的已销号问题 {problem}重新进入整改（原因：{reason}），整改时限为{due}。请跟踪督办。"},
	{"reopened", "", "", "重新整改", U,
	 "{main_unit}负责整改的已销号问题 {problem}重新进入整改（原因：{reason}），整改时限为{due}。"
	 "请督促指导{main_unit}立即整改。"},
	/* ---- reporting duties */
	{"reminder", "dispatch", "", "报送提醒", N,
	 "请于{due}前报送以下 {count} 个问题{period}的整改进展（{schedule}）：{list}"},
	{"reminder", "self-found", "", "报送提醒", N,
	 "请于{due}前报送{schedule}（{period}）：每月至少上报 1 个自查发现的问题。"},
	{"reminder", "", "", "报送提醒", N, "请于{due}前报送{schedule}（{period}）。"},
	{"missed", "unit", "", "逾期未报", U,
	 "你单位未在{due}前报送{schedule}（{period}），已列入逾期未报名单。请立即补报。"},
	{"missed", "", "", "逾期未报", U,
	 "{schedule}（{period}[，截止{due}]）未按时报送的单位（{count} 个）：{units}。"},
	/* ---- bulletin 通报 */
	{"bulletin", "unit", "", "通报", N,
	 "{period}生态环境问题整改情况：你单位未销号 {open} 个，逾期 {overdue} 个，已销号 {closed} 个，"
	 "销号率 {rate}[，指数 {index}][，排名第 {place} 位（共 {ranked} 个单位）][，列入{list_name}]。"
	 "[{br}逾期问题：{overdue_list}]"},
	{"bulletin", "", "", "通报", N,
	 "{period}生态环境问题整改情况通报。{summary}{lines}[{br}无问题的单位：{none}。]"
	 "[{br}逾期问题：{overdue_list}][{br}红榜：{red}。][{br}黑榜：{black}。]"},
	/* ---- deductions 扣分 (variant: the level reached) */
	{"deduction", "10", "main", "警示函", U,
	 "你单位{year}年度累计扣分 {total} 分，达到 10 分，现发出警示函。请认真整改，杜绝类似问题。"},
	{"deduction", "20", "main", "约谈分管负责同志", U,
	 "你单位{year}年度累计扣分 {total} 分，达到 20 分，将约谈你单位分管负责同志。请认真整改。"},
	{"deduction", "30", "main", "约谈主要负责同志", U,
	 "你单位{year}年度累计扣分 {total} 分，达到 30 分，将约谈你单位主要负责同志。请认真整改。"},
	{"deduction", "10", "", "警示函", U,
	 "{unit}{year}年度累计扣分 {total} 分，达到 10 分。请按规定发出警示函。"},
	{"deduction", "20", "leadership", "约谈分管负责同志", U,
	 "{unit}{year}年度累计扣分 {total} 分，达到 20 分，拟约谈其分管负责同志，特此报告。"},
	{"deduction", "30", "leadership", "约谈主要负责同志", U,
	 "{unit}{year}年度累计扣分 {total} 分，达到 30 分，拟约谈其主要负责同志，特此报告。"},
	{"deduction", "20", "", "约谈分管负责同志", U,
	 "{unit}{year}年度累计扣分 {total} 分，达到 20 分。请按规定组织约谈其分管负责同志。"},
	{"deduction", "30", "", "约谈主要负责同志", U,
	 "{unit}{year}年度累计扣分 {total} 分，达到 30 分。请按规定组织约谈其主要负责同志。"},
	/* ---- revisit sample 回头看 */
	{"sample", "none", "", "回头看", N, "{period}没有已销号问题，本季度无需回头看。"},
	{"sample", "", "", "回头看", N,
	 "{period}已销号问题回头看：随机抽取 {count} 个问题，请组织复核整改成效，防止反弹：{list}"},
	/* ---- calendar (the office) */
	{"calendar", "", "", "日历", U,
	 "[工作日历只覆盖到{until}，]尚未导入 {year} 年节假日安排，导入之前 {year} 年按周一至周五计算工作日"
	 "（节假日会被算作工作日）。请导入 {year} 年节假日安排：将国务院办公厅关于{year}年部分节假日安排的通知"
	 "整理为 CSV 文件（或使用 holiday-cn 的 {year}.json），运行 dubanctl calendar import {year}.csv。"},
	/* ---- a table on a schedule (the office): WeCom gets the file next, the other kinds a
	 * link to the console's export (web.base_url), else the command that makes it */
	{"table", "file", "", "报表", N,
	 "{schedule}（{period}）的{table}已生成，文件随后发送。请核对后于{due}前报送。"},
	{"table", "link", "", "报表", N,
	 "{schedule}（{period}）的{table}已生成，请下载核对后于{due}前报送：{link}"},
	{"table", "", "", "报表", N,
	 "{schedule}（{period}）的{table}已到报送日，请于{due}前报送。表格请运行 dubanctl export "
	 "{table_name} --out 文件名.xlsx 导出。"},
	/* ---- channel test */
	{"test", "", "", "测试", N, "通道测试消息：{sender}的督办消息可以送达本群。"},
};

const size_t tpl_n_rows = sizeof tpl_rows / sizeof tpl_rows[0];
