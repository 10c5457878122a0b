CREATE TABLE items (id integer NOT NULL, v integer NOT NULL, PRIMARY KEY (id));
