CREATE TABLE events (kind text NOT NULL DEFAULT 'alpha');
COMMENT ON TABLE events IS 'app made by for_each';
CREATE TYPE app_alpha AS ENUM ('alpha', 'alpha_old');
CREATE TYPE app_beta AS ENUM ('beta', 'beta_old');
