-- sql/10_policy.sql
-- Policies (`dubanctl policy set`): integer values are checked on every write, and rules read
-- them with duban.policy_int().

CREATE OR REPLACE FUNCTION duban.policy_check() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.kind = 'int' AND (NEW.value !~ '^[0-9]+$' OR length(NEW.value) > 6) THEN
    RAISE EXCEPTION 'policy %: % is not a non-negative integer', NEW.key, NEW.value
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;

CREATE OR REPLACE TRIGGER policy_check BEFORE INSERT OR UPDATE ON duban.policy
  FOR EACH ROW EXECUTE FUNCTION duban.policy_check();

CREATE OR REPLACE FUNCTION duban.policy_int(p_key text) RETURNS int LANGUAGE sql STABLE AS $$
  SELECT value::int FROM duban.policy WHERE key = p_key
$$;
