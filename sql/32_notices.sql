-- sql/32_notices.sql
-- The outbox fan-out every rule uses: a rule decides its facts (duban.notice_fact: key, type,
-- problem, recipient units, payload) and hands them to duban.notice_emit(), which writes one
-- notice per channel of each recipient under the key `<fact key>:<channel id>`, adds the
-- recipient's code and name to the payload, ranks it with duban.notice_urgency() and skips
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
--   interview 约谈 > supervise 督办 > acceptance supervise > deduction > missed > warn 警示 >
--   acceptance prompt > prompt 提示 > calendar > reminder > bulletin > closed > sample;
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
    WHEN 'missed' THEN 250000
    WHEN 'calendar' THEN 95000
    WHEN 'reminder' THEN 90000
    WHEN 'bulletin' THEN 60000
    WHEN 'closed' THEN 40000
    WHEN 'sample' THEN 30000
    ELSE 0 END
$$;

-- Writes the notices of p_facts; returns how many were new.
CREATE OR REPLACE FUNCTION duban.notice_emit(p_facts duban.notice_fact[]) RETURNS int
LANGUAGE sql SET jit = off AS $$
  WITH made AS (
    INSERT INTO duban.notices (key, type, unit_id, channel_id, problem_id, payload, urgency)
    SELECT f.key || ':' || c.id, f.type, ru.id, c.id, f.problem_id,
           f.payload || jsonb_build_object('type', f.type, 'recipient', ru.code, 'recipient_name', ru.name),
           duban.notice_urgency(f.type, f.payload)
      FROM unnest(p_facts) f
     CROSS JOIN LATERAL (SELECT DISTINCT r FROM unnest(f.recipients) r WHERE r IS NOT NULL) r
      JOIN duban.units ru ON ru.id = r.r
      JOIN duban.channels c ON c.unit_id = ru.id
    ON CONFLICT (key) DO NOTHING
    RETURNING 1
  )
  SELECT count(*)::int FROM made
$$;
