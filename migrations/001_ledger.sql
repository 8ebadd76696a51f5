-- 001: the ledger (SPEC §4): clock helpers, units, channels, problems, milestones,
-- progress notes, append-only history, calendar, policy, schedules, reports,
-- deductions, the notice outbox and sweep bookkeeping. Everything lives in schema duban.

CREATE SCHEMA IF NOT EXISTS duban;

-- One clock: programs set duban.now (pinned or real) and duban.tz per transaction.
CREATE FUNCTION duban.now() RETURNS timestamptz LANGUAGE sql STABLE AS $$
  SELECT coalesce(nullif(current_setting('duban.now', true), '')::timestamptz, now())
$$;
CREATE FUNCTION duban.tz() RETURNS text LANGUAGE sql STABLE AS $$
  SELECT coalesce(nullif(current_setting('duban.tz', true), ''), 'Asia/Shanghai')
$$;
CREATE FUNCTION duban.today() RETURNS date LANGUAGE sql STABLE AS $$
  SELECT (duban.now() AT TIME ZONE duban.tz())::date
$$;
CREATE FUNCTION duban.actor() RETURNS text LANGUAGE sql STABLE AS $$
  SELECT coalesce(nullif(current_setting('duban.actor', true), ''), session_user::text)
$$;

CREATE TABLE duban.units (
  id         serial PRIMARY KEY,
  code       text NOT NULL UNIQUE CHECK (code ~ '^[A-Za-z0-9_-]+$'),
  name       text NOT NULL UNIQUE CHECK (btrim(name) <> ''),
  kind       text NOT NULL CHECK (kind IN ('town', 'street', 'park', 'department', 'office', 'leadership')),
  parent_id  int REFERENCES duban.units (id),
  created_at timestamptz NOT NULL DEFAULT duban.now()
);

CREATE TABLE duban.channels (
  id           serial PRIMARY KEY,
  unit_id      int NOT NULL REFERENCES duban.units (id) ON DELETE CASCADE,
  kind         text NOT NULL CHECK (kind IN ('json', 'wecom', 'dingtalk', 'feishu', 'slack')),
  url          text NOT NULL CHECK (url ~ '^https?://[^[:space:]]+$'),
  secret       text,
  mention      text[] NOT NULL DEFAULT '{}',
  rate         int CHECK (rate IS NULL OR rate > 0),
  paused_until timestamptz,            -- real clock: a platform asked us to back off
  created_at   timestamptz NOT NULL DEFAULT duban.now(),
  UNIQUE (unit_id, url)
);

-- Messages per minute a channel may receive: its own rate, else its kind's default.
CREATE FUNCTION duban.channel_rate(p_kind text, p_rate int) RETURNS int LANGUAGE sql IMMUTABLE AS $$
  SELECT coalesce(p_rate, CASE p_kind WHEN 'wecom' THEN 20 WHEN 'dingtalk' THEN 20
                                      WHEN 'feishu' THEN 100 WHEN 'slack' THEN 60 ELSE NULL END)
$$;

CREATE TABLE duban.problems (
  id            bigserial PRIMARY KEY,
  ref           text NOT NULL UNIQUE CHECK (btrim(ref) <> ''),
  level         text NOT NULL CHECK (level IN ('central', 'provincial', 'municipal', 'district')),
  source        text NOT NULL DEFAULT '',
  category      text NOT NULL DEFAULT '',
  title         text NOT NULL CHECK (btrim(title) <> ''),
  location      text NOT NULL DEFAULT '',
  unit_id       int NOT NULL REFERENCES duban.units (id),
  supervisor_ids int[] NOT NULL CHECK (cardinality(supervisor_ids) >= 1
                                        AND array_position(supervisor_ids, NULL) IS NULL),
  deadline      date NOT NULL,
  long_term     boolean NOT NULL DEFAULT false,
  measures      text NOT NULL DEFAULT '',
  target        text NOT NULL DEFAULT '',
  progress      smallint NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
  status        text NOT NULL DEFAULT 'rectifying'
                CHECK (status IN ('rectifying', 'applied', 'publicizing', 'closed')),
  applied_on    date,
  accepted_on   date,
  closed_on     date,
  created_at    timestamptz NOT NULL DEFAULT duban.now(),
  updated_at    timestamptz NOT NULL DEFAULT duban.now(),
  -- rectification ladder (SPEC §7a), kept by triggers and duban.sweep_ladder()
  ladder_due         date,
  ladder_stage       smallint NOT NULL DEFAULT 0 CHECK (ladder_stage BETWEEN 0 AND 4),
  supervise_first_on date,
  supervise_cycle    int NOT NULL DEFAULT 0,
  ladder_next_on     date,
  -- acceptance clock (SPEC §7b), kept by the acceptance sweep
  acceptance_stage   smallint NOT NULL DEFAULT 0,
  acceptance_cycle   int NOT NULL DEFAULT 0,
  CHECK (status <> 'applied' OR applied_on IS NOT NULL),
  CHECK (status <> 'publicizing' OR accepted_on IS NOT NULL),
  CHECK (status <> 'closed' OR closed_on IS NOT NULL)
);
COMMENT ON COLUMN duban.problems.supervisor_ids IS 'supervising units in order; the first is the lead';
CREATE INDEX problems_ladder_idx ON duban.problems (ladder_next_on) WHERE status = 'rectifying';
CREATE INDEX problems_unit_idx ON duban.problems (unit_id);
CREATE INDEX problems_open_deadline_idx ON duban.problems (ladder_due) WHERE status <> 'closed';

-- Every supervisor id must name a unit (arrays cannot carry foreign keys).
-- Set-based on INSERT (bulk imports check all new rows in one query), per row
-- only when an UPDATE sets supervisor_ids.
CREATE FUNCTION duban.supervisors_missing_raise(p_ref text, p_missing int) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  IF p_ref IS NOT NULL THEN
    RAISE EXCEPTION 'problem %: supervisor unit id % does not exist', p_ref, p_missing
      USING ERRCODE = 'foreign_key_violation';
  END IF;
END $$;

CREATE FUNCTION duban.problems_check_supervisors_rows() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE v_ref text; v_missing int;
BEGIN
  SELECT n.ref, s.id INTO v_ref, v_missing
    FROM new_rows n CROSS JOIN LATERAL unnest(n.supervisor_ids) s(id)
   WHERE NOT EXISTS (SELECT 1 FROM duban.units u WHERE u.id = s.id) LIMIT 1;
  PERFORM duban.supervisors_missing_raise(v_ref, v_missing);
  RETURN NULL;
END $$;
CREATE TRIGGER problems_supervisors_exist_insert AFTER INSERT ON duban.problems
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION duban.problems_check_supervisors_rows();

CREATE FUNCTION duban.problems_check_supervisors() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE v_missing int;
BEGIN
  SELECT s INTO v_missing FROM unnest(NEW.supervisor_ids) s
   WHERE NOT EXISTS (SELECT 1 FROM duban.units u WHERE u.id = s) LIMIT 1;
  IF FOUND THEN
    PERFORM duban.supervisors_missing_raise(NEW.ref, v_missing);
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER problems_supervisors_exist BEFORE UPDATE OF supervisor_ids ON duban.problems
  FOR EACH ROW EXECUTE FUNCTION duban.problems_check_supervisors();

CREATE FUNCTION duban.units_protect() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM duban.problems WHERE OLD.id = ANY (supervisor_ids)) THEN
    RAISE EXCEPTION 'unit % still supervises problems', OLD.code USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN OLD;
END $$;
CREATE TRIGGER units_protect BEFORE DELETE ON duban.units
  FOR EACH ROW EXECUTE FUNCTION duban.units_protect();

CREATE TABLE duban.milestones (
  id         bigserial PRIMARY KEY,
  problem_id bigint NOT NULL REFERENCES duban.problems (id) ON DELETE CASCADE,
  due        date NOT NULL,
  target     text NOT NULL CHECK (btrim(target) <> ''),
  done_on    date,
  UNIQUE (problem_id, due)
);

CREATE TABLE duban.progress_notes (
  id         bigserial PRIMARY KEY,
  problem_id bigint NOT NULL REFERENCES duban.problems (id) ON DELETE CASCADE,
  at         timestamptz NOT NULL DEFAULT duban.now(),
  on_date    date NOT NULL DEFAULT duban.today(),
  percent    smallint NOT NULL CHECK (percent BETWEEN 0 AND 100),
  note       text NOT NULL DEFAULT '',
  actor      text NOT NULL DEFAULT duban.actor()
);
CREATE INDEX progress_notes_problem_idx ON duban.progress_notes (problem_id, on_date);

-- Append-only history of every change to a problem: who, when, what, before -> after.
CREATE TABLE duban.history (
  id         bigserial PRIMARY KEY,
  problem_id bigint NOT NULL REFERENCES duban.problems (id),
  at         timestamptz NOT NULL DEFAULT duban.now(),
  actor      text NOT NULL DEFAULT duban.actor(),
  action     text NOT NULL,
  detail     jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX history_problem_idx ON duban.history (problem_id, id);

CREATE FUNCTION duban.history_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'history is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER history_append_only BEFORE UPDATE OR DELETE ON duban.history
  FOR EACH ROW EXECUTE FUNCTION duban.history_refuse();
CREATE TRIGGER history_no_truncate BEFORE TRUNCATE ON duban.history
  FOR EACH STATEMENT EXECUTE FUNCTION duban.history_refuse();

CREATE TABLE duban.calendar (
  day     date PRIMARY KEY,
  workday boolean NOT NULL,
  name    text NOT NULL DEFAULT ''
);

CREATE TABLE duban.policy (
  key         text PRIMARY KEY,
  value       text NOT NULL,
  kind        text NOT NULL DEFAULT 'int' CHECK (kind IN ('int', 'text')),
  description text NOT NULL
);
CREATE FUNCTION duban.policy_check() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.kind = 'int' AND (NEW.value !~ '^[0-9]+$' OR length(NEW.value) > 6) THEN
    RAISE EXCEPTION 'policy %: % is not a non-negative integer', NEW.key, NEW.value
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER policy_check BEFORE INSERT OR UPDATE ON duban.policy
  FOR EACH ROW EXECUTE FUNCTION duban.policy_check();
CREATE FUNCTION duban.policy_int(p_key text) RETURNS int LANGUAGE sql STABLE AS $$
  SELECT value::int FROM duban.policy WHERE key = p_key
$$;

INSERT INTO duban.policy (key, value, description) VALUES
  ('ladder.prompt_days', '30', 'prompt 提示 when the due date is this many days away or less'),
  ('ladder.warn_days', '15', 'warn 警示 when the due date is this many days away or less ...'),
  ('ladder.warn_progress', '80', '... and progress is below this percentage'),
  ('ladder.supervise_repeat_days', '7', 'supervise 督办 is sent again every this many days'),
  ('ladder.interview_days', '30', 'interview 约谈 when more than this many days late ...'),
  ('ladder.interview_after_supervise_days', '14', '... and supervise was first sent at least this many days before'),
  ('acceptance.limit_workdays', '10', 'the lead supervisor accepts or rejects within this many working days'),
  ('acceptance.prompt_workday', '8', 'prompt the lead supervisor on this working day without a decision'),
  ('acceptance.repeat_workdays', '5', 'after the limit, supervise again every this many working days'),
  ('publicity.days', '7', 'publicity 公示 lasts this many days after acceptance'),
  ('deduction.warning_letter', '10', 'yearly points at which a warning letter 警示函 goes out'),
  ('deduction.interview_deputy', '20', 'yearly points at which the deputy is interviewed 约谈分管负责同志'),
  ('deduction.interview_principal', '30', 'yearly points at which the principal is interviewed 约谈主要负责同志'),
  ('sample.percent', '20', 'revisit 回头看: percentage of last quarter''s closures sampled (rounded up)');

CREATE TABLE duban.schedules (
  name     text PRIMARY KEY CHECK (name ~ '^[a-z0-9_-]+$'),
  label    text NOT NULL,
  kind     text NOT NULL CHECK (kind IN ('monthly-self-found', 'quarterly-self-inspection',
                                         'quarterly-exposure', 'monthly-dispatch', 'custom')),
  days     int[] NOT NULL DEFAULT '{}',   -- due days of month (custom)
  months   int[],                         -- months (custom); NULL = every month
  remind   int[] NOT NULL DEFAULT '{}',   -- reminders: days before the due day (0 = on the day)
  builtin  boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT duban.now()
);
INSERT INTO duban.schedules (name, label, kind, days, months, remind, builtin) VALUES
  ('monthly-self-found', '每月自查上报', 'monthly-self-found', '{}', NULL, '{}', true),
  ('quarterly-self-inspection', '季度自查', 'quarterly-self-inspection', '{10}', '{3,6,9,12}', '{7,3,1,0}', true),
  ('quarterly-exposure', '季度曝光', 'quarterly-exposure', '{15}', '{3,6,9,12}', '{7,3,1}', true),
  ('monthly-dispatch', '每月调度', 'monthly-dispatch', '{}', NULL, '{}', true);

-- Obligated units of custom schedules (the built-in ones derive theirs from unit kinds).
CREATE TABLE duban.schedule_units (
  schedule text NOT NULL REFERENCES duban.schedules (name) ON DELETE CASCADE,
  unit_id  int NOT NULL REFERENCES duban.units (id),
  PRIMARY KEY (schedule, unit_id)
);

CREATE TABLE duban.reports (
  id           bigserial PRIMARY KEY,
  schedule     text NOT NULL REFERENCES duban.schedules (name),
  unit_id      int NOT NULL REFERENCES duban.units (id),
  period       text NOT NULL CHECK (period ~ '^[0-9]{4}-([0-9]{2}|Q[1-4]|[0-9]{2}-[0-9]{2})$'),
  submitted_at timestamptz NOT NULL DEFAULT duban.now(),
  late         boolean NOT NULL DEFAULT false,
  actor        text NOT NULL DEFAULT duban.actor(),
  UNIQUE (schedule, unit_id, period)
);

CREATE TABLE duban.deductions (
  id         bigserial PRIMARY KEY,
  unit_id    int NOT NULL REFERENCES duban.units (id),
  points     int NOT NULL CHECK (points > 0),
  reason     text NOT NULL CHECK (btrim(reason) <> ''),
  problem_id bigint REFERENCES duban.problems (id),
  at         timestamptz NOT NULL DEFAULT duban.now(),
  year       int NOT NULL DEFAULT extract(year FROM duban.today())::int,
  actor      text NOT NULL DEFAULT duban.actor()
);
CREATE INDEX deductions_unit_year_idx ON duban.deductions (unit_id, year);

-- The outbox: one row per fact per channel, made in the fact's transaction.
CREATE TABLE duban.notices (
  id              bigserial PRIMARY KEY,
  key             text NOT NULL UNIQUE,
  type            text NOT NULL CHECK (type IN ('escalation', 'acceptance', 'closed', 'reminder',
                                                'missed', 'bulletin', 'deduction', 'sample', 'test')),
  unit_id         int NOT NULL REFERENCES duban.units (id),
  channel_id      int NOT NULL REFERENCES duban.channels (id) ON DELETE CASCADE,
  problem_id      bigint REFERENCES duban.problems (id),
  payload         jsonb NOT NULL,
  urgency         int NOT NULL DEFAULT 0,
  status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'dead')),
  attempts        int NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  created_at      timestamptz NOT NULL DEFAULT duban.now(),
  next_attempt_at timestamptz NOT NULL DEFAULT duban.now(),   -- ledger clock
  claimed_by      text,
  claimed_until   timestamptz,                                -- real clock (lease)
  last_error      text,
  sent_at         timestamptz
);
CREATE INDEX notices_pending_idx ON duban.notices (next_attempt_at) WHERE status = 'pending';
CREATE INDEX notices_channel_pending_idx ON duban.notices (channel_id) WHERE status = 'pending';
CREATE INDEX notices_problem_idx ON duban.notices (problem_id) WHERE problem_id IS NOT NULL;
CREATE INDEX notices_status_idx ON duban.notices (status);

-- Real-clock send log per channel, for rate limits shared by every daemon instance.
CREATE TABLE duban.channel_sends (
  channel_id int NOT NULL REFERENCES duban.channels (id) ON DELETE CASCADE,
  sent_at    timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX channel_sends_idx ON duban.channel_sends (channel_id, sent_at);

-- When each sweep last ran (ledger clock), for catch-up and `dubanctl status`.
CREATE TABLE duban.sweep_runs (
  name        text PRIMARY KEY,
  last_day    date NOT NULL,
  last_run_at timestamptz NOT NULL,
  duration_ms double precision NOT NULL DEFAULT 0,
  notices     int NOT NULL DEFAULT 0
);
