CREATE SCHEMA audit;
COMMENT ON SCHEMA audit IS 'copies kept for the auditors';
CREATE TABLE public.users (id integer NOT NULL PRIMARY KEY);
CREATE TABLE audit.users (
  id      integer NOT NULL,
  seen_as integer NOT NULL,
  CONSTRAINT audit_users_seen_as FOREIGN KEY (seen_as) REFERENCES public.users (id)
);
