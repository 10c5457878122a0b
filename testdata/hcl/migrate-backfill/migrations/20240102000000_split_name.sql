ALTER TABLE users ADD COLUMN first_name varchar(50);
ALTER TABLE users ADD COLUMN last_name varchar(50);
