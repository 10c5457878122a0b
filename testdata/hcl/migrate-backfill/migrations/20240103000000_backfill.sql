-- Backfill the new columns from name: the part before the first space, and the rest.
UPDATE users
SET first_name = substr(name, 1, instr(name, ' ') - 1),
    last_name = substr(name, instr(name, ' ') + 1)
WHERE instr(name, ' ') > 0;
UPDATE users SET first_name = name WHERE first_name IS NULL;
