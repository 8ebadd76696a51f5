-- sql/32_notices.sql
-- The outbox fan-out every rule uses: a rule decides its facts (duban.notice_fact: key, type,
-- problem, recipient units, payload) and hands them to duban.notice_emit(), which writes one
-- notice per channel of each recipient under the key `<fact key>:<channel id>`, adds the
-- recipient's code, name and role to the payload (for a problem's notice also its lead
-- supervisor and contact), ranks it with duban.notice_urgency() and skips
-- facts already written (ON CONFLICT (key) DO NOTHING): the same fact never makes two notices.
-- The payload fields of each type are described in sql/notice_payloads.json.

-- Recipient sets shared by the rules.
CREATE OR REPLACE FUNCTION duban.office_units() RETURNS int[] LANGUAGE sql STABLE AS $$
  SELECT coalesce(array_agg(id ORDER BY id), '{}') FROM duban.units WHERE kind = 'office'
$$;
CREATE OR REPLACE FUNCTION duban.leadership_units() RETURNS int[] LANGUAGE sql STABLE AS $$
  SELECT coalesce(array_agg(id ORDER BY id), '{}') FROM duban.units WHERE kind = 'leadership'
$$;

-- How urgent a notice is: the ONE ranking of notice types (the order of the blocks in a digest
-- and of the claim; the renderers sort by this number). Higher first:
--   interview 约谈 > supervise 督办 > acceptance supervise > deduction > rejected, objected >
--   reopened > missed > warn 警示 > acceptance prompt > applied > prompt 提示 > calendar >
--   table, table_file > reminder > bulletin > publicity > closed > sample;
-- within a rank the later (escalation: days late, acceptance: working days waited, deduction:
-- the threshold) goes first. Types this function does not know rank 0.
CREATE OR REPLACE FUNCTION duban.notice_urgency(p_type text, p_payload jsonb) RETURNS int
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE p_type
    WHEN 'escalation' THEN
      CASE p_payload ->> 'stage' WHEN 'interview' THEN 4 WHEN 'supervise' THEN 3 WHEN 'warn' THEN 2
                                 ELSE 1 END * 100000
      + least(greatest(coalesce((p_payload ->> 'days')::int, 0), -50000), 50000)
    WHEN 'acceptance' THEN
      CASE WHEN p_payload ->> 'stage' = 'supervise' THEN 290000 ELSE 150000 END
      + least(coalesce((p_payload ->> 'working_days')::int, 0), 9999)
    WHEN 'deduction' THEN 280000 + least(coalesce((p_payload ->> 'level')::int, 0), 9999)
    WHEN 'rejected' THEN 270000
    WHEN 'objected' THEN 270000
    WHEN 'reopened' THEN 260000
    WHEN 'missed' THEN 250000
    WHEN 'applied' THEN 140000
    WHEN 'calendar' THEN 95000
    WHEN 'table' THEN 92000
    WHEN 'table_file' THEN 91000
    WHEN 'reminder' THEN 90000
    WHEN 'bulletin' THEN 60000
    WHEN 'publicity' THEN 50000
    WHEN 'closed' THEN 40000
    WHEN 'sample' THEN 30000
    ELSE 0 END
$$;

-- The recipient's role, which chooses the wording of its text (render_templates.c): for a
-- problem's notice main (its main unit), lead (its first supervisor), supervisor (the others);
-- else office or leadership by the unit's kind; else main (a unit's own notice: reminder,
-- missed, bulletin line, deduction).
CREATE OR REPLACE FUNCTION duban.notice_role(ru duban.units, p duban.problems) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN p.id IS NOT NULL AND ru.id = p.unit_id THEN 'main'
              WHEN p.id IS NOT NULL AND ru.id = p.supervisor_ids[1] THEN 'lead'
              WHEN p.id IS NOT NULL AND ru.id = ANY (p.supervisor_ids) THEN 'supervisor'
              WHEN ru.kind IN ('office', 'leadership') THEN ru.kind
              ELSE 'main' END
$$;

-- Writes the notices of p_facts; returns how many were new.
CREATE OR REPLACE FUNCTION duban.notice_emit(p_facts duban.notice_fact[]) RETURNS int
LANGUAGE sql SET jit = off AS $$
  WITH made AS (
    INSERT INTO duban.notices (key, type, unit_id, channel_id, problem_id, payload, urgency)
    SELECT f.key || ':' || c.id, f.type, ru.id, c.id, f.problem_id,
           f.payload
           || CASE WHEN p.id IS NULL THEN '{}'::jsonb
                   ELSE jsonb_build_object('lead', lu.code, 'lead_name', lu.name)
                        || CASE WHEN p.contact <> '' THEN jsonb_build_object('contact', p.contact)
                                ELSE '{}'::jsonb END END
           || jsonb_build_object('type', f.type, 'recipient', ru.code, 'recipient_name', ru.name,
                                 'role', duban.notice_role(ru, p)),
           duban.notice_urgency(f.type, f.payload)
      FROM unnest(p_facts) f
     CROSS JOIN LATERAL unnest(f.recipients) WITH ORDINALITY r(r, ord)  -- each recipient once:
      JOIN duban.units ru ON ru.id = r.r                   -- its first place in the list
      JOIN duban.channels c ON c.unit_id = ru.id
      LEFT JOIN duban.problems p ON p.id = f.problem_id
      LEFT JOIN duban.units lu ON lu.id = p.supervisor_ids[1]
     WHERE array_position(f.recipients[1:r.ord - 1], r.r) IS NULL
    ON CONFLICT (key) DO NOTHING
    RETURNING 1
  )
  SELECT count(*)::int FROM made
$$;

-- A channel deleted by hand (duban itself never deletes channels or units) takes its notices
-- with it. notices has no foreign key to channels (migration 012: its per-row check cost a
-- large sweep as much as writing the notices), so this trigger does the cascade, set-based.
-- It first takes a lock that waits for every transaction writing notices and holds off new
-- ones until the delete commits: a sweep cannot add a notice for the channel afterwards (its
-- next statement sees the channel gone).
CREATE OR REPLACE FUNCTION duban.channels_notices_cascade() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  LOCK TABLE duban.notices IN SHARE ROW EXCLUSIVE MODE;
  DELETE FROM duban.notices n WHERE n.channel_id IN (SELECT o.id FROM old_rows o);
  RETURN NULL;
END $$;
CREATE OR REPLACE TRIGGER channels_notices_cascade AFTER DELETE ON duban.channels
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
  EXECUTE FUNCTION duban.channels_notices_cascade();
