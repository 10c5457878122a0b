CREATE TABLE folders (
  owner        integer NOT NULL,
  name         text NOT NULL,
  parent_owner integer NULL,
  parent_name  text NULL,
  PRIMARY KEY (owner, name),
  CONSTRAINT folders_parent FOREIGN KEY (parent_owner, parent_name)
    REFERENCES folders (owner, name) ON DELETE CASCADE
);
CREATE TABLE files (
  owner  integer NOT NULL,
  folder text NOT NULL,
  CONSTRAINT files_folder FOREIGN KEY (owner, folder)
    REFERENCES folders (owner, name) ON UPDATE CASCADE ON DELETE RESTRICT
);
