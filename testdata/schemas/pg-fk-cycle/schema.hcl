# Two tables that reference each other: neither can be created first with its key inline.
schema "public" {}

table "employees" {
  schema = schema.public
  column "id" {
    type = integer
  }
  column "department_id" {
    type = integer
    null = true
  }
  primary_key {
    columns = [column.id]
  }
  foreign_key "employees_department" {
    columns     = [column.department_id]
    ref_columns = [table.departments.column.id]
  }
}

table "departments" {
  schema = schema.public
  column "id" {
    type = integer
  }
  column "head_id" {
    type = integer
    null = true
  }
  primary_key {
    columns = [column.id]
  }
  foreign_key "departments_head" {
    columns     = [column.head_id]
    ref_columns = [table.employees.column.id]
    on_delete   = SET_NULL
  }
}
