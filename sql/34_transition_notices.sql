-- sql/34_transition_notices.sql
-- The notices a status transition makes in its own transaction (SPEC §8), whoever makes it
-- (dubanctl, the console): applied (to the lead supervisor and the office: accept by the 10th
-- working day), publicity (accept: the publicity dates), rejected and objected (with the
-- reason), reopened (new deadline and reason) to the main unit, the supervisors and the office.
-- The reason is the transaction's duban.reason; the key names the transaction, so a problem
-- rejected and applied again the same day makes new notices.

CREATE OR REPLACE FUNCTION duban.problems_transition_notice() RETURNS trigger
LANGUAGE plpgsql SET jit = off AS $$
DECLARE
  v_type   text := CASE
                     WHEN OLD.status = 'rectifying' AND NEW.status = 'applied' THEN 'applied'
                     WHEN OLD.status = 'applied' AND NEW.status = 'publicizing' THEN 'publicity'
                     WHEN OLD.status = 'applied' AND NEW.status = 'rectifying' THEN 'rejected'
                     WHEN OLD.status = 'publicizing' AND NEW.status = 'rectifying' THEN 'objected'
                     WHEN OLD.status = 'closed' AND NEW.status = 'rectifying' THEN 'reopened' END;
  v_reason text := coalesce(nullif(current_setting('duban.reason', true), ''), '未说明');
  v_limit  int := duban.policy_int('acceptance.limit_workdays');
  v_days   int := duban.policy_int('publicity.days');
  mu duban.units;
  lu duban.units;
  v_payload jsonb;
  v_to int[];
BEGIN
  IF v_type IS NULL THEN
    RETURN NULL;
  END IF;
  SELECT * INTO mu FROM duban.units WHERE id = NEW.unit_id;
  SELECT * INTO lu FROM duban.units WHERE id = NEW.supervisor_ids[1];
  v_payload := jsonb_build_object('problem', NEW.ref, 'title', NEW.title,
                                  'main_unit', mu.code, 'main_unit_name', mu.name);
  IF v_type = 'applied' THEN
    v_to := ARRAY[NEW.supervisor_ids[1]] || duban.office_units();
    v_payload := v_payload || jsonb_build_object(
      'unit', lu.code, 'unit_name', lu.name, 'applied', NEW.applied_on,
      'due', duban.add_workdays(NEW.applied_on, v_limit), 'limit', v_limit);
  ELSE
    v_to := ARRAY[NEW.unit_id] || NEW.supervisor_ids || duban.office_units();
    v_payload := v_payload || jsonb_build_object('unit', mu.code, 'unit_name', mu.name)
      || CASE v_type
           WHEN 'publicity' THEN jsonb_build_object('from', NEW.accepted_on + 1,
                                                    'to', NEW.accepted_on + v_days)
           WHEN 'reopened' THEN jsonb_build_object('due', NEW.deadline, 'reason', v_reason)
           ELSE jsonb_build_object('reason', v_reason) END;
  END IF;
  PERFORM duban.notice_emit(ARRAY[ROW(format('%s:%s:%s', v_type, NEW.id, txid_current()), v_type,
                                      NEW.id, v_to, v_payload)::duban.notice_fact]);
  RETURN NULL;
END $$;

-- Only a change of status fires it (the ladder's updates never set status).
CREATE OR REPLACE TRIGGER problems_transition_notice AFTER UPDATE OF status ON duban.problems
  FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status)
  EXECUTE FUNCTION duban.problems_transition_notice();
