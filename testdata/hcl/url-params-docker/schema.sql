-- Built on a session whose search path is `app, public`: once `app` exists, unqualified names
-- land in it.
CREATE SCHEMA app;
CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL);
INSERT INTO items VALUES (1, 'bolt');
