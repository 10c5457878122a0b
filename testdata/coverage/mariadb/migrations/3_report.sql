CREATE FUNCTION event_report() RETURNS VARCHAR(40) READS SQL DATA RETURN CONCAT('events: ', event_count());
