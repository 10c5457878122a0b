CREATE TABLE articles (
  id        int NOT NULL,
  slug      varchar(200) NOT NULL,
  author    int NOT NULL,
  published datetime NOT NULL,
  body      text NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY articles_slug (slug),
  KEY articles_author_published (author, published DESC) COMMENT 'latest per author',
  KEY articles_slug_prefix (slug(20)),
  FULLTEXT KEY articles_body (body)
);
