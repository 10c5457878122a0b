CREATE TABLE accounts (
  id       integer NOT NULL,
  email    character varying(255) NOT NULL,
  nickname text,
  active   boolean NOT NULL,
  PRIMARY KEY (id)
);
COMMENT ON TABLE accounts IS 'people who can sign in';
COMMENT ON COLUMN accounts.email IS 'where we write to';
