CREATE FUNCTION event_report() RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  RETURN 'events: ' || event_count();
END $$;
