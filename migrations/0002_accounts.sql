-- Accounts and server-side sessions: ours, not the seed's. The seed keys trees by a free-form
-- `user_id varchar(255)`, so `users.id` keeps that type (new ids are UUIDs in text form) and
-- the user ids already present in an original database become accounts that cannot log in
-- (no email, no password) until an operator gives them one.

CREATE TABLE IF NOT EXISTS users (
  id varchar(255) PRIMARY KEY DEFAULT gen_random_uuid()::text,
  email text,
  display_name text NOT NULL,
  password_hash text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT users_email_length CHECK (email IS NULL OR char_length(email) BETWEEN 3 AND 254),
  CONSTRAINT users_display_name_length CHECK (char_length(display_name) BETWEEN 1 AND 100)
);

-- One account per address, whatever its case.
CREATE UNIQUE INDEX IF NOT EXISTS users_email_key ON users (lower(email));

INSERT INTO users (id, display_name)
SELECT DISTINCT legacy.user_id, left(legacy.user_id, 100)
FROM (
  SELECT user_id FROM impact_trees
  UNION
  SELECT user_id FROM user_activities
) AS legacy
WHERE legacy.user_id <> ''
ON CONFLICT (id) DO NOTHING;

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'impact_trees_user_id_users_id_fk') THEN
    ALTER TABLE impact_trees ADD CONSTRAINT impact_trees_user_id_users_id_fk
      FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'user_activities_user_id_users_id_fk') THEN
    ALTER TABLE user_activities ADD CONSTRAINT user_activities_user_id_users_id_fk
      FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE;
  END IF;
END $$;

-- Session storage in the layout tower-sessions' PostgreSQL store expects, created here so the
-- schema has one owner (the migrations) and the server needs no DDL rights at run time.
CREATE SCHEMA IF NOT EXISTS tower_sessions;
CREATE TABLE IF NOT EXISTS tower_sessions.session (
  id text PRIMARY KEY NOT NULL,
  data bytea NOT NULL,
  expiry_date timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS session_expiry_date_idx ON tower_sessions.session (expiry_date);
