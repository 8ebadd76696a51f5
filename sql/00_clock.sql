-- sql/00_clock.sql
-- The one clock every rule reads (SPEC §3): programs set duban.now (pinned or real), duban.tz
-- and duban.actor per transaction. Column defaults of the schema call these functions, so
-- `migrate` applies this module BEFORE the migrations (modules numbered 00 may read no table)
-- and never drops them; changing one's signature or return type needs a migration.

-- One clock: programs set duban.now (pinned or real) and duban.tz per transaction.
CREATE OR REPLACE FUNCTION duban.now() RETURNS timestamptz LANGUAGE sql STABLE AS $$
  SELECT coalesce(nullif(current_setting('duban.now', true), '')::timestamptz, now())
$$;

CREATE OR REPLACE FUNCTION duban.tz() RETURNS text LANGUAGE sql STABLE AS $$
  SELECT coalesce(nullif(current_setting('duban.tz', true), ''), 'Asia/Shanghai')
$$;

CREATE OR REPLACE FUNCTION duban.today() RETURNS date LANGUAGE sql STABLE AS $$
  SELECT (duban.now() AT TIME ZONE duban.tz())::date
$$;

CREATE OR REPLACE FUNCTION duban.actor() RETURNS text LANGUAGE sql STABLE AS $$
  SELECT coalesce(nullif(current_setting('duban.actor', true), ''), session_user::text)
$$;
