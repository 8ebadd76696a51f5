-- 004: the console's users, their sessions and failed logins (SPEC §5 `user`, §10; dubanctl
-- user, dubanweb). Passwords only as argon2id hashes; a session only as the SHA-256 of its
-- cookie token. The statements that use these tables are in daemon/web/auth.c and
-- daemon/ctl/ctl_users.c (no SQL functions).

CREATE TABLE duban.users (
  id           serial PRIMARY KEY,
  name         text NOT NULL UNIQUE CHECK (name ~ '^[A-Za-z0-9_.@-]{1,64}$'),
  role         text NOT NULL CHECK (role IN ('office', 'leader', 'unit')),
  unit_id      int REFERENCES duban.units (id),
  hash         text NOT NULL CHECK (hash LIKE '$argon2id$%'),
  disabled     boolean NOT NULL DEFAULT false,
  locked_until timestamptz,
  created_at   timestamptz NOT NULL DEFAULT duban.now(),
  CHECK (role <> 'unit' OR unit_id IS NOT NULL)
);

-- A session is known by the SHA-256 of its cookie token: a leaked table opens no session.
CREATE TABLE duban.sessions (
  token_digest text PRIMARY KEY CHECK (token_digest ~ '^[0-9a-f]{64}$'),
  user_id      int NOT NULL REFERENCES duban.users (id) ON DELETE CASCADE,
  csrf         text NOT NULL CHECK (csrf ~ '^[0-9a-f]{64}$'),
  created_at   timestamptz NOT NULL,
  expires_at   timestamptz NOT NULL
);
CREATE INDEX sessions_user_idx ON duban.sessions (user_id);

CREATE TABLE duban.login_failures (
  user_id int NOT NULL REFERENCES duban.users (id) ON DELETE CASCADE,
  at      timestamptz NOT NULL
);
CREATE INDEX login_failures_user_idx ON duban.login_failures (user_id, at);
