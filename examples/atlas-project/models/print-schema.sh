#!/bin/sh
# Stands in for an ORM's Atlas provider: prints the models as PostgreSQL DDL.
cat <<'SQL'
CREATE TABLE users (
  id    bigint PRIMARY KEY,
  email text NOT NULL UNIQUE
);
CREATE TABLE orders (
  id      bigint PRIMARY KEY,
  user_id bigint NOT NULL REFERENCES users (id),
  total   numeric(10, 2) NOT NULL CHECK (total >= 0)
);
SQL
