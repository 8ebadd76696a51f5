-- sql/14_problem_units.sql
-- The units a problem names must exist: its main unit (unit_id) and its supervisors
-- (supervisor_ids; an int[] cannot carry a foreign key, and unit_id has none either since
-- migration 007, so that a bulk import pays no per-row foreign-key check). Checked set-based on
-- INSERT (a bulk import checks all its rows in one query, locking the named units FOR KEY SHARE
-- as a foreign key would, so that a concurrent delete waits and then sees the new problems),
-- per row when an UPDATE changes unit_id or supervisor_ids; a unit that problems still name
-- cannot be deleted, nor its id changed.

CREATE OR REPLACE FUNCTION duban.problem_unit_missing_raise(p_ref text, p_missing int) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  IF p_ref IS NOT NULL THEN
    RAISE EXCEPTION 'problem %: unit id % does not exist', p_ref, p_missing
      USING ERRCODE = 'foreign_key_violation';
  END IF;
END $$;

CREATE OR REPLACE FUNCTION duban.problems_check_units_rows() RETURNS trigger LANGUAGE plpgsql
SET jit = off AS $$
DECLARE v_ids int[]; v_locked int; v_missing int; v_ref text;
BEGIN
  -- the distinct units the statement names (supervisor lists repeat: distinct arrays first)
  SELECT array_agg(id) INTO v_ids
    FROM (SELECT n.unit_id AS id FROM new_rows n
          UNION SELECT unnest(d.a) FROM (SELECT DISTINCT n.supervisor_ids AS a FROM new_rows n) d) x;
  -- locked like a foreign key's referenced rows; all of them must be there
  PERFORM 1 FROM duban.units u WHERE u.id = ANY (v_ids) ORDER BY u.id FOR KEY SHARE;
  GET DIAGNOSTICS v_locked = ROW_COUNT;
  IF v_locked < cardinality(v_ids) THEN
    SELECT x INTO v_missing FROM unnest(v_ids) x
     WHERE NOT EXISTS (SELECT 1 FROM duban.units u WHERE u.id = x) ORDER BY x LIMIT 1;
    SELECT n.ref INTO v_ref FROM new_rows n
     WHERE n.unit_id = v_missing OR v_missing = ANY (n.supervisor_ids) LIMIT 1;
    PERFORM duban.problem_unit_missing_raise(v_ref, v_missing);
  END IF;
  RETURN NULL;
END $$;

CREATE OR REPLACE TRIGGER problems_units_exist_insert AFTER INSERT ON duban.problems
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION duban.problems_check_units_rows();

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
