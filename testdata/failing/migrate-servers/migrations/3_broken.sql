UPDATE t SET w = v;

INSERT INTO missing_table (id)
VALUES (1);
