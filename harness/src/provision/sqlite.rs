//! Embedded SQLite databases.
