CREATE TABLE settings (
  name       text NOT NULL DEFAULT 'unnamed',
  quote      text NOT NULL DEFAULT 'it''s',
  retries    integer NOT NULL DEFAULT 3,
  ratio      numeric(4, 2) NOT NULL DEFAULT 0.5,
  enabled    boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  day        date NOT NULL DEFAULT CURRENT_DATE,
  tags       text[] NOT NULL DEFAULT '{}'::text[],
  note       text DEFAULT NULL
);
