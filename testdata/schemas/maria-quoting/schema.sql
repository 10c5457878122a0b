CREATE TABLE `order` (
  `first name` varchar(40) NOT NULL DEFAULT 'O''Brien' COMMENT 'as "written"',
  total int NOT NULL,
  CHECK (total >= 0)
) COMMENT = 'the customer''s order';
