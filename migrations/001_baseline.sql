-- 001: the baseline schema (SPEC §4): the ledger's tables, constraints, indexes and seed data
-- (policy defaults, built-in schedules, the working-day calendar 2024-2026). Schema only: every
-- function, trigger, and view lives in one module file under sql/, which `migrate` re-applies
-- after the migrations. Exception by construction: column defaults call the clock functions of
-- sql/00_clock.sql, which `migrate` applies before the migrations (they read no table).
-- Migrations are append-only from here on: change the schema with a new NNN_name.sql.

CREATE SCHEMA IF NOT EXISTS duban;

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
  CHECK (status <> 'closed' OR closed_on IS NOT NULL),
  acceptance_next_on date
);
COMMENT ON COLUMN duban.problems.supervisor_ids IS 'supervising units in order; the first is the lead';
CREATE INDEX problems_ladder_idx ON duban.problems (ladder_next_on) WHERE status = 'rectifying';
CREATE INDEX problems_unit_idx ON duban.problems (unit_id);
CREATE INDEX problems_open_deadline_idx ON duban.problems (ladder_due) WHERE status <> 'closed';

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

-- Working days: Monday-Friday unless this table says otherwise (sql/12_calendar.sql).
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
  sent_at         timestamptz,
  claimed_pid     int
);
COMMENT ON COLUMN duban.notices.claimed_pid IS
  'pg_backend_pid() of the connection that claimed the notice (a claim dies with it)';
COMMENT ON COLUMN duban.notices.claimed_by IS 'the duband instance that claimed the notice';
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

-- acceptance clock: the working day of the next step while applied (sql/42_acceptance.sql)
COMMENT ON COLUMN duban.problems.acceptance_next_on IS
  'acceptance clock: the working day of the next prompt/supervise while applied (kept by trigger)';
CREATE INDEX problems_acceptance_idx ON duban.problems (acceptance_next_on) WHERE status = 'applied';
CREATE INDEX problems_publicity_idx ON duban.problems (accepted_on) WHERE status = 'publicizing';
-- Self-found problems of a unit by creation time (monthly-self-found, bulletin index).
CREATE INDEX problems_self_found_idx ON duban.problems (unit_id, created_at) WHERE source = '自查';
-- Problems closed in a period (revisit sampling).
CREATE INDEX problems_closed_on_idx ON duban.problems (closed_on) WHERE closed_on IS NOT NULL;

-- One fact of a rule, handed to duban.notice_emit() (sql/30_notices.sql), which makes one
-- notice per channel of each recipient under the key `key:<channel id>`.
CREATE TYPE duban.notice_fact AS (
  key        text,     -- the fact's unique key without the channel, e.g. escalation:17:2026-03-31:3:1
  type       text,     -- notice type (duban.notices.type)
  problem_id bigint,   -- NULL for facts about units or periods
  recipients int[],    -- unit ids; duplicates and NULLs are ignored
  payload    jsonb     -- fields of the type (sql/notice_payloads.json) without recipient*
);

-- Policy defaults (`dubanctl policy set` changes them).
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
  ('sample.percent', '20', 'revisit 回头看: percentage of last quarter''s closures sampled (rounded up)'),
  ('sweep.catchup_days', '100', 'a daemon that was down does the missed days of date-driven sweeps, at most this many days back'),
  ('report.self_found_remind_day', '20', 'monthly-self-found 每月自查上报: reminder on this day of the month'),
  ('report.dispatch_remind_day', '25', 'monthly-dispatch 每月调度: reminder on this day of the month'),
  ('report.missed_problems_max', '50', 'monthly-dispatch missed list: problems named per unit at most (all are counted)'),
  ('bulletin.list_size', '3', 'bulletin: units on the red list 红榜 and on the black list 黑榜 (each at most half the units)'),
  ('bulletin.overdue_max', '200', 'bulletin: overdue problems listed at most (the total is always given)'),
  ('index.late_weight_percent', '50', 'ranking index: a problem closed late counts this percentage of one closed on time'),
  ('index.self_found_points', '5', 'ranking index: points per self-found 自查 problem this year'),
  ('index.self_found_cap', '20', 'ranking index: at most this many self-found points'),
  ('index.deduction_weight', '1', 'ranking index: points off per deduction point this year');

-- The State Council General Office's holidays and adjusted working days 2024-2026.
INSERT INTO duban.calendar (day, workday, name) VALUES
('2024-01-01', false, '元旦'),
('2024-02-10', false, '春节'),
('2024-02-11', false, '春节'),
('2024-02-12', false, '春节'),
('2024-02-13', false, '春节'),
('2024-02-14', false, '春节'),
('2024-02-15', false, '春节'),
('2024-02-16', false, '春节'),
('2024-02-17', false, '春节'),
('2024-04-04', false, '清明节'),
('2024-04-05', false, '清明节'),
('2024-04-06', false, '清明节'),
('2024-05-01', false, '劳动节'),
('2024-05-02', false, '劳动节'),
('2024-05-03', false, '劳动节'),
('2024-05-04', false, '劳动节'),
('2024-05-05', false, '劳动节'),
('2024-06-10', false, '端午节'),
('2024-09-15', false, '中秋节'),
('2024-09-16', false, '中秋节'),
('2024-09-17', false, '中秋节'),
('2024-10-01', false, '国庆节'),
('2024-10-02', false, '国庆节'),
('2024-10-03', false, '国庆节'),
('2024-10-04', false, '国庆节'),
('2024-10-05', false, '国庆节'),
('2024-10-06', false, '国庆节'),
('2024-10-07', false, '国庆节'),
('2024-02-04', true, '调休上班'),
('2024-02-18', true, '调休上班'),
('2024-04-07', true, '调休上班'),
('2024-04-28', true, '调休上班'),
('2024-05-11', true, '调休上班'),
('2024-09-14', true, '调休上班'),
('2024-09-29', true, '调休上班'),
('2024-10-12', true, '调休上班'),
('2025-01-01', false, '元旦'),
('2025-01-28', false, '春节'),
('2025-01-29', false, '春节'),
('2025-01-30', false, '春节'),
('2025-01-31', false, '春节'),
('2025-02-01', false, '春节'),
('2025-02-02', false, '春节'),
('2025-02-03', false, '春节'),
('2025-02-04', false, '春节'),
('2025-04-04', false, '清明节'),
('2025-04-05', false, '清明节'),
('2025-04-06', false, '清明节'),
('2025-05-01', false, '劳动节'),
('2025-05-02', false, '劳动节'),
('2025-05-03', false, '劳动节'),
('2025-05-04', false, '劳动节'),
('2025-05-05', false, '劳动节'),
('2025-05-31', false, '端午节'),
('2025-06-01', false, '端午节'),
('2025-06-02', false, '端午节'),
('2025-10-01', false, '国庆节、中秋节'),
('2025-10-02', false, '国庆节、中秋节'),
('2025-10-03', false, '国庆节、中秋节'),
('2025-10-04', false, '国庆节、中秋节'),
('2025-10-05', false, '国庆节、中秋节'),
('2025-10-06', false, '国庆节、中秋节'),
('2025-10-07', false, '国庆节、中秋节'),
('2025-10-08', false, '国庆节、中秋节'),
('2025-01-26', true, '调休上班'),
('2025-02-08', true, '调休上班'),
('2025-04-27', true, '调休上班'),
('2025-09-28', true, '调休上班'),
('2025-10-11', true, '调休上班'),
('2026-01-01', false, '元旦'),
('2026-01-02', false, '元旦'),
('2026-01-03', false, '元旦'),
('2026-02-15', false, '春节'),
('2026-02-16', false, '春节'),
('2026-02-17', false, '春节'),
('2026-02-18', false, '春节'),
('2026-02-19', false, '春节'),
('2026-02-20', false, '春节'),
('2026-02-21', false, '春节'),
('2026-02-22', false, '春节'),
('2026-02-23', false, '春节'),
('2026-04-04', false, '清明节'),
('2026-04-05', false, '清明节'),
('2026-04-06', false, '清明节'),
('2026-05-01', false, '劳动节'),
('2026-05-02', false, '劳动节'),
('2026-05-03', false, '劳动节'),
('2026-05-04', false, '劳动节'),
('2026-05-05', false, '劳动节'),
('2026-06-19', false, '端午节'),
('2026-06-20', false, '端午节'),
('2026-06-21', false, '端午节'),
('2026-09-25', false, '中秋节'),
('2026-09-26', false, '中秋节'),
('2026-09-27', false, '中秋节'),
('2026-10-01', false, '国庆节'),
('2026-10-02', false, '国庆节'),
('2026-10-03', false, '国庆节'),
('2026-10-04', false, '国庆节'),
('2026-10-05', false, '国庆节'),
('2026-10-06', false, '国庆节'),
('2026-10-07', false, '国庆节'),
('2026-01-04', true, '调休上班'),
('2026-02-14', true, '调休上班'),
('2026-02-28', true, '调休上班'),
('2026-05-09', true, '调休上班'),
('2026-09-20', true, '调休上班'),
('2026-10-10', true, '调休上班');
