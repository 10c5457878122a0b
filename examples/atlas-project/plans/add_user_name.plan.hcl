plan "add_user_name" {
  # Atlas's fingerprints of the two states (assay compares only `assay:` fingerprints).
  from      = "Yl0aQ1pIeU3vxF2LmsbZ4rLXr0qP6A9b1mQ4cGx3k0Q="
  to        = "k2mR8vB1zQnX5cT7yL0pW3dF6hJ9sA4eU2iO8gN1bVc="
  migration = <<-SQL
    ALTER TABLE users ADD COLUMN name text;
    UPDATE users SET name = split_part(email, '@', 1);
    ALTER TABLE users ALTER COLUMN name SET NOT NULL;
  SQL
}
