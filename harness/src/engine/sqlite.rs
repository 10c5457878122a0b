//! Embedded SQLite engine.
