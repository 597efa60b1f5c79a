#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database URL {0} is neither sqlite: nor postgres://")]
    BadUrl(String),
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error("database migration failed: {0}")]
    Migration(String),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("conflict: {0}")]
    Conflict(String),
    /// Another writer held the database for longer than the busy timeout (SQLite), or a lock or
    /// serialisation conflict (PostgreSQL): retrying shortly succeeds.
    #[error("database busy: {0}")]
    Busy(String),
    #[error("database error: {0}")]
    Database(String),
    /// A sealed photo or template that cannot be opened (no key loaded, or changed in the database).
    #[error("sealed biometric data: {0}")]
    Sealing(String),
    /// The database holds data sealed with keys the key file does not have.
    #[error(
        "photos or templates in the database are sealed with data key(s) {missing}, which the data \
         key file does not hold (it has {loaded}): point data_key_file (ROLLCALL_DATA_KEY_FILE) \
         at the key file that sealed them; a new key cannot open them"
    )]
    UnknownDataKey { missing: String, loaded: String },
}

/// SQLite's SQLITE_BUSY and SQLITE_LOCKED (and their extended codes), PostgreSQL's lock timeout,
/// serialisation failure and deadlock.
/// PostgreSQL's codes are five-character SQLSTATEs (some all digits); SQLite's are numbers of at
/// most four digits, the primary code in the low byte.
fn is_busy(code: &str) -> bool {
    if code.len() == 5 {
        return matches!(code, "55P03" | "40001" | "40P01");
    }
    code.parse::<i64>().is_ok_and(|n| matches!(n & 0xff, 5 | 6))
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::RowNotFound => StoreError::NotFound("row"),
            sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_) => StoreError::Unavailable(e.to_string()),
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                StoreError::Conflict(db.message().to_string())
            }
            sqlx::Error::Database(db) if db.code().is_some_and(|c| is_busy(&c)) => {
                StoreError::Busy(db.message().to_string())
            }
            _ => StoreError::Database(e.to_string()),
        }
    }
}

impl StoreError {
    /// Whether the database itself is out of reach (as opposed to a bad request or a bug).
    pub fn is_unavailable(&self) -> bool {
        matches!(self, StoreError::Unavailable(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_conflicts_are_busy_and_nothing_else_is() {
        for code in ["5", "6", "517", "261", "262", "55P03", "40001", "40P01"] {
            assert!(is_busy(code), "{code}");
        }
        for code in ["1", "19", "2067", "23505", "42P01"] {
            assert!(!is_busy(code), "{code}");
        }
    }
}
