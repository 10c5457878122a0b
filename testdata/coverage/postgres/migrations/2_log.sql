CREATE TABLE event_log (id int NOT NULL);
CREATE FUNCTION event_logged() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO event_log VALUES (NEW.id);
  RETURN NEW;
END $$;
CREATE TRIGGER events_logged AFTER INSERT ON events FOR EACH ROW EXECUTE FUNCTION event_logged();
