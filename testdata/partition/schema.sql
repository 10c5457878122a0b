CREATE TABLE accounts (id INT PRIMARY KEY, owner VARCHAR(50) NOT NULL UNIQUE, balance INT NOT NULL);
INSERT INTO accounts (id, owner, balance) VALUES (1, 'ada', 100), (2, 'alan', 40), (3, 'grace', 0);
