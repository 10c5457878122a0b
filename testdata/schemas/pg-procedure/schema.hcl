# A PL/pgSQL procedure with an IN and an INOUT argument.
schema "public" {}

table "events" {
  schema = schema.public
  column "at" {
    type = date
  }
}

procedure "purge_before" {
  schema = schema.public
  lang   = PLpgSQL
  arg "cutoff" {
    type = date
  }
  arg "removed" {
    type = integer
    mode = INOUT
  }
  as = <<-SQL
    BEGIN
      DELETE FROM events WHERE at < cutoff;
      GET DIAGNOSTICS removed = ROW_COUNT;
    END;
  SQL
}
