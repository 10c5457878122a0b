CREATE TABLE b (id integer, edited integer);
