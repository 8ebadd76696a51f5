-- sql/44_publicity.sql
-- Publicity 公示 and closure 销号 (SPEC §7c): accepted on A, publicized A+1 .. A+7, closed
-- on A+8 without an objection.

CREATE OR REPLACE FUNCTION duban.sweep_publicity() RETURNS int LANGUAGE plpgsql SET jit = off AS $$
DECLARE
  v_today  date := duban.today();
  v_days   int := duban.policy_int('publicity.days');
  v_action text := coalesce(current_setting('duban.action', true), '');
  v_actor  text := coalesce(current_setting('duban.actor', true), '');
  v_reason text := coalesce(current_setting('duban.reason', true), '');
  v_office int[] := duban.office_units();
  v_facts  duban.notice_fact[];
  v_made   int;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM duban.problems
                  WHERE status = 'publicizing' AND accepted_on <= v_today - v_days - 1) THEN
    RETURN 0;
  END IF;
  PERFORM set_config('duban.action', 'close', true), set_config('duban.actor', 'duband', true),
          set_config('duban.reason', 'publicity ended without objection', true);
  WITH due AS (
    SELECT p.id, p.accepted_on + v_days + 1 AS closed_on
      FROM duban.problems p
     WHERE p.status = 'publicizing' AND p.accepted_on <= v_today - v_days - 1
       FOR UPDATE SKIP LOCKED
  ), upd AS (
    UPDATE duban.problems p
       SET status = 'closed', closed_on = d.closed_on
      FROM due d
     WHERE p.id = d.id
    RETURNING p.id, p.ref, p.title, p.unit_id, p.supervisor_ids, p.accepted_on, p.closed_on
  )
  -- recipients: the main unit, the supervisors and the office
  SELECT array_agg(ROW(
           format('closed:%s:%s', u.id, u.closed_on), 'closed', u.id,
           u.unit_id || u.supervisor_ids || v_office,
           jsonb_build_object(
             'problem', u.ref, 'unit', mu.code, 'title', u.title,
             'unit_name', mu.name, 'accepted', u.accepted_on, 'closed_on', u.closed_on))::duban.notice_fact)
    INTO v_facts
    FROM upd u JOIN duban.units mu ON mu.id = u.unit_id;
  v_made := duban.notice_emit(v_facts);
  PERFORM set_config('duban.action', v_action, true), set_config('duban.actor', v_actor, true),
          set_config('duban.reason', v_reason, true);
  RETURN v_made;
END $$;
