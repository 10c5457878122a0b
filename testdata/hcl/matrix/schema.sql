CREATE TABLE people (id INT PRIMARY KEY, name VARCHAR(50) NOT NULL UNIQUE, age INT);
INSERT INTO people (id, name, age) VALUES (1, 'Ada', 36), (2, 'Alan', 41);
