CREATE TABLE teams (
  id      int NOT NULL,
  captain int NULL,
  PRIMARY KEY (id)
);
CREATE TABLE players (
  id     int NOT NULL,
  team   int NOT NULL,
  mentor int NULL,
  PRIMARY KEY (id),
  CONSTRAINT players_team FOREIGN KEY (team) REFERENCES teams (id) ON DELETE CASCADE ON UPDATE RESTRICT,
  CONSTRAINT players_mentor FOREIGN KEY (mentor) REFERENCES players (id)
);
ALTER TABLE teams ADD CONSTRAINT teams_captain FOREIGN KEY (captain) REFERENCES players (id) ON DELETE SET NULL;
