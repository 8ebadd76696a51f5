-- sql/14_supervisors.sql
-- Supervisor ids of a problem must name units (an int[] cannot carry a foreign key): checked
-- set-based on INSERT (a bulk import checks all new rows in one query), per row only when an
-- UPDATE sets supervisor_ids; and a unit that still supervises problems cannot be deleted.

-- Every supervisor id must name a unit (arrays cannot carry foreign keys).
-- Set-based on INSERT (bulk imports check all new rows in one query), per row
-- only when an UPDATE sets supervisor_ids.
CREATE OR REPLACE FUNCTION duban.supervisors_missing_raise(p_ref text, p_missing int) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  IF p_ref IS NOT NULL THEN
    RAISE EXCEPTION 'problem %: supervisor unit id % does not exist', p_ref, p_missing
      USING ERRCODE = 'foreign_key_violation';
  END IF;
END $$;

CREATE OR REPLACE FUNCTION duban.problems_check_supervisors_rows() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE v_ref text; v_missing int;
BEGIN
  SELECT n.ref, s.id INTO v_ref, v_missing
    FROM new_rows n CROSS JOIN LATERAL unnest(n.supervisor_ids) s(id)
   WHERE NOT EXISTS (SELECT 1 FROM duban.units u WHERE u.id = s.id) LIMIT 1;
  PERFORM duban.supervisors_missing_raise(v_ref, v_missing);
  RETURN NULL;
END $$;

CREATE OR REPLACE TRIGGER problems_supervisors_exist_insert AFTER INSERT ON duban.problems
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION duban.problems_check_supervisors_rows();

CREATE OR REPLACE FUNCTION duban.problems_check_supervisors() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE v_missing int;
BEGIN
  SELECT s INTO v_missing FROM unnest(NEW.supervisor_ids) s
   WHERE NOT EXISTS (SELECT 1 FROM duban.units u WHERE u.id = s) LIMIT 1;
  IF FOUND THEN
    PERFORM duban.supervisors_missing_raise(NEW.ref, v_missing);
  END IF;
  RETURN NEW;
END $$;

CREATE OR REPLACE TRIGGER problems_supervisors_exist BEFORE UPDATE OF supervisor_ids ON duban.problems
  FOR EACH ROW EXECUTE FUNCTION duban.problems_check_supervisors();

CREATE OR REPLACE FUNCTION duban.units_protect() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM duban.problems WHERE OLD.id = ANY (supervisor_ids)) THEN
    RAISE EXCEPTION 'unit % still supervises problems', OLD.code USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN OLD;
END $$;

CREATE OR REPLACE TRIGGER units_protect BEFORE DELETE ON duban.units
  FOR EACH ROW EXECUTE FUNCTION duban.units_protect();
