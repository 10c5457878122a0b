CREATE VIEW event_kinds AS SELECT DISTINCT kind FROM events;
