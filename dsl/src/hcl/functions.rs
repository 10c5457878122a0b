//! Functions available in test files.
