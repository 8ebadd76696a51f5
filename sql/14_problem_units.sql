-- sql/14_problem_units.sql
-- The units a problem names must exist: its main unit (unit_id) and its supervisors
-- (supervisor_ids; an int[] cannot carry a foreign key, and unit_id has none either since
-- migration 007, so that a bulk import pays no per-row foreign-key check). A bulk import
-- (import_id set) resolves unit codes from a map it reads FOR KEY SHARE, as a foreign key would
-- lock them, in its own transaction (daemon/ctl/import_unitmap.c): the units stay until it
-- commits and a concurrent delete waits, then sees the new problems. Any other INSERT, and an
-- UPDATE that changes unit_id or supervisor_ids, is checked per row; a unit that problems
-- still name cannot be deleted, nor its id changed.

CREATE OR REPLACE FUNCTION duban.problem_unit_missing_raise(p_ref text, p_missing int) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  IF p_ref IS NOT NULL THEN
    RAISE EXCEPTION 'problem %: unit id % does not exist', p_ref, p_missing
      USING ERRCODE = 'foreign_key_violation';
  END IF;
END $$;

CREATE OR REPLACE FUNCTION duban.problems_check_units() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE v_missing int;
BEGIN
  PERFORM 1 FROM duban.units u WHERE u.id = ANY (NEW.unit_id || NEW.supervisor_ids)
   ORDER BY u.id FOR KEY SHARE;
  SELECT s INTO v_missing FROM unnest(NEW.unit_id || NEW.supervisor_ids) s
   WHERE NOT EXISTS (SELECT 1 FROM duban.units u WHERE u.id = s) LIMIT 1;
  IF FOUND THEN
    PERFORM duban.problem_unit_missing_raise(NEW.ref, v_missing);
  END IF;
  RETURN NEW;
END $$;

CREATE OR REPLACE TRIGGER problems_units_exist BEFORE UPDATE OF unit_id, supervisor_ids ON duban.problems
  FOR EACH ROW EXECUTE FUNCTION duban.problems_check_units();
CREATE OR REPLACE TRIGGER problems_units_exist_insert BEFORE INSERT ON duban.problems
  FOR EACH ROW WHEN (NEW.import_id IS NULL) EXECUTE FUNCTION duban.problems_check_units();

CREATE OR REPLACE FUNCTION duban.units_protect() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.id = OLD.id THEN
    RETURN NEW;
  END IF;
  IF EXISTS (SELECT 1 FROM duban.problems WHERE unit_id = OLD.id) THEN
    RAISE EXCEPTION 'unit % is still the main unit of problems', OLD.code
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  IF EXISTS (SELECT 1 FROM duban.problems WHERE OLD.id = ANY (supervisor_ids)) THEN
    RAISE EXCEPTION 'unit % still supervises problems', OLD.code USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$;

CREATE OR REPLACE TRIGGER units_protect BEFORE DELETE OR UPDATE OF id ON duban.units
  FOR EACH ROW EXECUTE FUNCTION duban.units_protect();
