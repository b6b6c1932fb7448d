-- The analytics API's own database role: it may connect and read the report tables, nothing else
-- (no INSERT, UPDATE, DELETE, no CREATE). Run by the schema Job as the database owner, after
-- schema.sql, with the role's name and password from the environment (the postgres-credentials
-- Secret's ANALYTICS_DB_USER and ANALYTICS_DB_PASSWORD), which psql reads itself: the password
-- is never on a command line. Idempotent: a second run changes nothing but the password, which it
-- sets again from the Secret (that is how it is rotated).
\getenv reader_name ANALYTICS_DB_USER
\getenv reader_password ANALYTICS_DB_PASSWORD
\if :{?reader_name}
\else
  DO $$ BEGIN RAISE EXCEPTION 'ANALYTICS_DB_USER is not set (postgres-credentials Secret)'; END $$;
\endif
\if :{?reader_password}
\else
  DO $$ BEGIN RAISE EXCEPTION 'ANALYTICS_DB_PASSWORD is not set (postgres-credentials Secret)'; END $$;
\endif
SELECT :'reader_name' = '' OR :'reader_password' = '' AS reader_incomplete \gset
\if :reader_incomplete
  DO $$ BEGIN RAISE EXCEPTION 'ANALYTICS_DB_USER and ANALYTICS_DB_PASSWORD must not be empty'; END $$;
\endif

SELECT format('CREATE ROLE %I LOGIN', :'reader_name')
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'reader_name') \gexec

-- Whatever the role was before, it is a plain reader now; its sessions are read-only by default.
SELECT format(
  'ALTER ROLE %I WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD %L',
  :'reader_name', :'reader_password') \gexec
SELECT format('ALTER ROLE %I SET default_transaction_read_only = on', :'reader_name') \gexec

SELECT format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), :'reader_name') \gexec
SELECT format('GRANT USAGE ON SCHEMA public TO %I', :'reader_name') \gexec
SELECT format('GRANT SELECT ON TABLE public.users, public.tokens TO %I', :'reader_name') \gexec
-- Tables this owner creates later are readable too, without another grant.
SELECT format('ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO %I', :'reader_name') \gexec
-- CREATE on the public schema: PostgreSQL 15 and later grant it to nobody by default; an older
-- cluster or a hand-made grant must not give it to the reader either.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
SELECT format('REVOKE CREATE ON SCHEMA public FROM %I', :'reader_name') \gexec
