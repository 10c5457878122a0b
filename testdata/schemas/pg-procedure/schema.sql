CREATE TABLE events (at date NOT NULL);
CREATE PROCEDURE purge_before(cutoff date, INOUT removed integer)
  LANGUAGE plpgsql
  AS $$
BEGIN
  DELETE FROM events WHERE at < cutoff;
  GET DIAGNOSTICS removed = ROW_COUNT;
END;
$$;
