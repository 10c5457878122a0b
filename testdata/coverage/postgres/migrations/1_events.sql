CREATE TABLE events (id int PRIMARY KEY, kind text NOT NULL);
CREATE FUNCTION event_count() RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN
  RETURN (SELECT count(*) FROM events);
END $$;
