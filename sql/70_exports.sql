-- sql/70_exports.sql
-- The statutory tables of SPEC §11 (`dubanctl export TABLE`, scheduled tables): one
-- set-based query per table. Each function takes the unit (id as text, or NULL for all)
-- and the period (or NULL), and returns a boolean (true: the 合计 row) followed by the
-- table's cells as text, in the seeds' column order, rows in their final order (a list of
-- units as their ids, which the C side names). The C side (daemon/ctl/export_tables.c) holds
-- the headers and the cell types.

-- Level and 办理状态 as the office writes them.
CREATE OR REPLACE FUNCTION duban.level_zh(p_level text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE p_level WHEN 'central' THEN '中央' WHEN 'provincial' THEN '省级'
                      WHEN 'municipal' THEN '市级' WHEN 'district' THEN '区级' END
$$;

-- 已办结 for closed problems, 阶段办结 for those whose current stage target is met, else
-- 正在办理 (applied and publicizing problems are still open in the office's sheet).
CREATE OR REPLACE FUNCTION duban.handling_zh(p_status text, p_stage_done boolean) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN p_status = 'closed' THEN '已办结' WHEN p_stage_done THEN '阶段办结'
              ELSE '正在办理' END
$$;

-- 台账: every problem (of the unit), in ledger order; re-importable by `problem import`.
-- Streams in id order (the primary key's index, no sort) with bounded memory. 监管责任单位 is
-- given as the supervisors' ids (supervisor_ids, an int[] in their order): `dubanctl export`
-- writes the names, read once per export (daemon/ctl/export_names.c), instead of a join per row.
CREATE OR REPLACE FUNCTION duban.export_ledger(p_unit text, p_period text)
RETURNS TABLE (total boolean, no text, ref text, level text, source text, category text,
               title text, location text, unit text, supervisors text, deadline text,
               measures text, target text, progress text, handling text, closed_on text,
               contact text)
LANGUAGE sql STABLE AS $$
  SELECT false, (row_number() OVER (ORDER BY p.id))::text, p.ref, duban.level_zh(p.level),
         p.source, p.category, p.title, p.location, u.name, p.supervisor_ids::text,
         p.deadline::text, p.measures, p.target, p.progress::text,
         duban.handling_zh(p.status, p.stage_done), p.closed_on::text, p.contact
    FROM duban.problems p
    JOIN duban.units u ON u.id = p.unit_id
   WHERE p_unit IS NULL OR p.unit_id = p_unit::int
   ORDER BY p.id
$$;

-- 003 附件1 (尚未办结问题整改进展情况自查表): the open problems by unit. 现状 says where the
-- problem stands (its status, progress and lateness); 进展 is the latest dated progress note.
CREATE OR REPLACE FUNCTION duban.export_attachment1(p_unit text, p_period text)
RETURNS TABLE (total boolean, no text, unit text, location text, content text, situation text,
               measures text, progress text, handling text)
LANGUAGE sql STABLE AS $$
  SELECT false, (row_number() OVER (ORDER BY u.code, p.ref))::text, u.name, p.location, p.title,
         CASE p.status WHEN 'applied' THEN '已申请验收' WHEN 'publicizing' THEN '验收合格，公示中'
                       ELSE '正在整改' END
           || '，整改进度 ' || p.progress || '%'
           || CASE WHEN p.status = 'rectifying' AND p.ladder_due < duban.today()
                   THEN '，已超过整改时限 ' || (duban.today() - p.ladder_due) || ' 天' ELSE '' END,
         concat_ws('；', nullif(p.measures, ''),
                   CASE WHEN p.target <> '' THEN '整改目标：' || p.target END,
                   '整改时限：' || to_char(p.deadline, 'YYYY"年"FMMM"月"FMDD"日"')),
         (SELECT to_char(n.on_date, 'YYYY-MM-DD') || ' ' || coalesce(nullif(n.note, ''), '整改进度')
                 || '（' || n.percent || '%）'
            FROM duban.progress_notes n WHERE n.problem_id = p.id
           ORDER BY n.on_date DESC, n.id DESC LIMIT 1),
         duban.handling_zh(p.status, p.stage_done)
    FROM duban.problems p JOIN duban.units u ON u.id = p.unit_id
   WHERE p.status <> 'closed' AND (p_unit IS NULL OR p.unit_id = p_unit::int)
   ORDER BY u.code, p.ref
$$;

-- 003 附件2 (群众举报问题办理情况汇总表): per local unit, its problems (交办), closed and
-- 阶段办结 ones, the sums of the enforcement figures, and how many were found true (属实,
-- 部分属实 counted as true) or untrue; then the 合计 row.
CREATE OR REPLACE FUNCTION duban.export_attachment2(p_unit text, p_period text)
RETURNS TABLE (total boolean, unit text, assigned text, closed text, stage_done text,
               ordered text, penalized text, fine text, investigated text,
               detained_admin text, detained_criminal text, interviewed text,
               accountable text, verified_true text, verified_false text)
LANGUAGE sql STABLE AS $$
  WITH per AS (
    SELECT p.unit_id, count(*) AS assigned,
           count(*) FILTER (WHERE p.status = 'closed') AS closed,
           count(*) FILTER (WHERE p.status <> 'closed' AND p.stage_done) AS stage_done,
           sum(p.ordered) AS ordered, sum(p.penalized) AS penalized, sum(p.fine) AS fine,
           sum(p.investigated) AS investigated, sum(p.detained_admin) AS detained_admin,
           sum(p.detained_criminal) AS detained_criminal, sum(p.interviewed) AS interviewed,
           sum(p.accountable) AS accountable,
           count(*) FILTER (WHERE p.verified IN ('属实', '部分属实')) AS verified_true,
           count(*) FILTER (WHERE p.verified = '不属实') AS verified_false
      FROM duban.problems p
     WHERE p_unit IS NULL OR p.unit_id = p_unit::int
     GROUP BY p.unit_id
  ), r AS (
    SELECT u.code, u.name, coalesce(x.assigned, 0) AS assigned, coalesce(x.closed, 0) AS closed,
           coalesce(x.stage_done, 0) AS stage_done, coalesce(x.ordered, 0) AS ordered,
           coalesce(x.penalized, 0) AS penalized, coalesce(x.fine, 0) AS fine,
           coalesce(x.investigated, 0) AS investigated,
           coalesce(x.detained_admin, 0) AS detained_admin,
           coalesce(x.detained_criminal, 0) AS detained_criminal,
           coalesce(x.interviewed, 0) AS interviewed, coalesce(x.accountable, 0) AS accountable,
           coalesce(x.verified_true, 0) AS verified_true,
           coalesce(x.verified_false, 0) AS verified_false
      FROM duban.units u LEFT JOIN per x ON x.unit_id = u.id
     WHERE u.kind IN ('town', 'street', 'park', 'department')
       AND (p_unit IS NULL OR u.id = p_unit::int)
  ), t AS (
    SELECT 0 AS part, r.code, r.name, r.assigned, r.closed, r.stage_done, r.ordered,
           r.penalized, r.fine, r.investigated, r.detained_admin, r.detained_criminal,
           r.interviewed, r.accountable, r.verified_true, r.verified_false
      FROM r
    UNION ALL
    SELECT 1, NULL, '合计', coalesce(sum(assigned), 0), coalesce(sum(closed), 0),
           coalesce(sum(stage_done), 0), coalesce(sum(ordered), 0), coalesce(sum(penalized), 0),
           coalesce(sum(fine), 0), coalesce(sum(investigated), 0),
           coalesce(sum(detained_admin), 0), coalesce(sum(detained_criminal), 0),
           coalesce(sum(interviewed), 0), coalesce(sum(accountable), 0),
           coalesce(sum(verified_true), 0), coalesce(sum(verified_false), 0)
      FROM r
  )
  SELECT t.part = 1, t.name, t.assigned::text, t.closed::text, t.stage_done::text,
         t.ordered::text, t.penalized::text, trim_scale(t.fine)::text, t.investigated::text,
         t.detained_admin::text, t.detained_criminal::text, t.interviewed::text,
         t.accountable::text, t.verified_true::text, t.verified_false::text
    FROM t ORDER BY t.part, t.code
$$;

-- 通报: the units of the bulletin of period p_period (default: the latest bulletin made),
-- as the office's copy of it says — only units with problems, their place (equal indexes
-- share a place) and 红榜/黑榜. A period without a bulletin is an error.
CREATE OR REPLACE FUNCTION duban.export_bulletin(p_unit text, p_period text)
RETURNS TABLE (total boolean, place text, unit text, open text, overdue text, closed text,
               rate text, score text, list text)
LANGUAGE plpgsql STABLE AS $$
DECLARE
  v_doc jsonb;
BEGIN
  SELECT n.payload INTO v_doc
    FROM duban.notices n
   WHERE n.type = 'bulletin' AND n.unit_id = ANY (duban.office_units())
     AND (p_period IS NULL OR n.payload->>'period' = p_period)
   ORDER BY n.payload->>'day' DESC, n.id
   LIMIT 1;
  IF v_doc IS NULL THEN
    RAISE EXCEPTION 'no bulletin %has been made yet (bulletins are made on the first working day of each month, and after 16 June and 16 December)',
          coalesce('for period ' || p_period || ' ', '') USING ERRCODE = 'no_data_found';
  END IF;
  RETURN QUERY
  WITH x AS (
    SELECT e.* FROM jsonb_to_recordset(v_doc->'units')
             AS e(unit text, name text, open int, overdue int, closed int, rate numeric,
                  index numeric)
     WHERE e.open + e.closed > 0
  ), ranked AS (
    SELECT x.*, rank() OVER (ORDER BY x.index DESC) AS place FROM x
  )
  SELECT false, r.place::text, r.name, r.open::text, r.overdue::text, r.closed::text,
         r.rate::text, r.index::text,
         CASE WHEN v_doc->'red' ? r.unit THEN '红榜' WHEN v_doc->'black' ? r.unit THEN '黑榜' END
    FROM ranked r
   WHERE p_unit IS NULL OR r.unit = (SELECT u.code FROM duban.units u WHERE u.id = p_unit::int)
   ORDER BY r.place, r.unit;
END $$;

-- 004's figures: problems by level (中央, 省级, 市级, 区级) and source — assigned (交办),
-- closed (已销号), overdue (rectifying past D) and the closure rate — then the 合计 row.
CREATE OR REPLACE FUNCTION duban.export_closure(p_unit text, p_period text)
RETURNS TABLE (total boolean, level text, source text, assigned text, closed text,
               overdue text, rate text)
LANGUAGE sql STABLE AS $$
  WITH g AS (
    SELECT grouping(p.level, p.source) > 0 AS is_total, p.level, p.source,
           count(*) AS assigned, count(*) FILTER (WHERE p.status = 'closed') AS closed,
           count(*) FILTER (WHERE p.status = 'rectifying' AND p.ladder_due < duban.today())
             AS overdue
      FROM duban.problems p
     WHERE p_unit IS NULL OR p.unit_id = p_unit::int
     GROUP BY GROUPING SETS ((p.level, p.source), ())
  )
  SELECT g.is_total, CASE WHEN g.is_total THEN '合计' ELSE duban.level_zh(g.level) END,
         g.source, g.assigned::text, g.closed::text, g.overdue::text,
         CASE WHEN g.assigned > 0 THEN round(g.closed::numeric / g.assigned, 4)::text END
    FROM g
   ORDER BY g.is_total,
            array_position(ARRAY['central', 'provincial', 'municipal', 'district'], g.level),
            g.source
$$;
