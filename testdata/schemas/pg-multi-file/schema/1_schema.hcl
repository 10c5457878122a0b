# One schema in three files: the directory is read as one document, references cross files.
schema "public" {}
