# Atlas Data Scripts: day-2 data operations, tested by tests/script.test.hcl.
variable "below" {
  type    = number
  default = 1
}

script "exec" "purge_small_orders" {
  description = "Delete orders whose total is below var.below"
  exec "purge" {
    sql = "DELETE FROM orders WHERE total < ${var.below}"
  }
  assert "none_left" {
    sql           = "SELECT count(*) = 0 FROM orders WHERE total < ${var.below}"
    error_message = "small orders are left"
  }
}

script "query" "order_count" {
  query "n" {
    sql    = "SELECT count(*) FROM orders"
    format = CSV
  }
}
