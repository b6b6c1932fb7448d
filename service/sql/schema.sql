-- The coworking tables as the other coworking services own and write them. The analytics API only
-- reads them; this file creates them for the embedded development database, the seed script and
-- the tests. IF NOT EXISTS: applying it to a database that already has them changes nothing.
CREATE TABLE IF NOT EXISTS users (
  id serial PRIMARY KEY,
  first_name varchar(50) NOT NULL,
  last_name varchar(50) NOT NULL,
  joined_at timestamp NOT NULL,
  is_active boolean NOT NULL DEFAULT true
);
CREATE INDEX IF NOT EXISTS users_is_active_idx ON users (is_active);

CREATE TABLE IF NOT EXISTS tokens (
  id serial PRIMARY KEY,
  user_id int NOT NULL REFERENCES users,
  token varchar(6) NOT NULL,
  created_at timestamp NOT NULL DEFAULT now(),
  used_at timestamp
);
CREATE INDEX IF NOT EXISTS tokens_user_id_token_used_at_idx ON tokens (user_id, token, used_at);
