CREATE TABLE customers (
  id   int unsigned NOT NULL AUTO_INCREMENT,
  name varchar(100) NOT NULL COMMENT 'as printed on the invoice',
  code char(8) CHARACTER SET latin1 COLLATE latin1_bin NOT NULL,
  note text NULL,
  PRIMARY KEY (id)
) ENGINE = InnoDB AUTO_INCREMENT = 100 DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci
  COMMENT = 'who buys';
