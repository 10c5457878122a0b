CREATE TABLE jobs (
  state   varchar(20) NOT NULL DEFAULT 'queued',
  tries   int NOT NULL DEFAULT 0,
  urgent  boolean NOT NULL DEFAULT false,
  created timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  token   varchar(36) NOT NULL DEFAULT uuid()
);
