//! Delegates as rows: the field rules every route applies, and the bulk-import CSV that both
//! `POST /delegates/import` and `rollcall enrol` read.

use std::io::Read;

use rollcall_api::NewDelegate;

/// Longest accepted values, in characters.
pub const MAX_EXTERNAL_ID: usize = 128;
pub const MAX_NAME: usize = 256;
pub const MAX_DELEGATION: usize = 256;

/// A field that is empty or too long.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field} must be 1 to {max} characters")]
pub struct FieldError {
    pub field: &'static str,
    pub max: usize,
}

impl FieldError {
    pub fn code(&self) -> &'static str {
        "invalid_field"
    }
}

/// Checks the fields that are given (a patch leaves the others out).
pub fn check_fields(
    external_id: Option<&str>,
    full_name: Option<&str>,
    delegation: Option<&str>,
) -> Result<(), FieldError> {
    for (field, value, max) in [
        ("external_id", external_id, MAX_EXTERNAL_ID),
        ("full_name", full_name, MAX_NAME),
        ("delegation", delegation, MAX_DELEGATION),
    ] {
        if let Some(v) = value {
            if v.trim().is_empty() || v.chars().count() > max {
                return Err(FieldError { field, max });
            }
        }
    }
    Ok(())
}

/// Checks a new delegate's fields.
pub fn check_new(d: &NewDelegate) -> Result<(), FieldError> {
    check_fields(
        Some(&d.external_id),
        Some(&d.full_name),
        Some(&d.delegation),
    )
}

/// Why one CSV row could not become a delegate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RowError {
    #[error("{0}")]
    Csv(String),
    #[error(transparent)]
    Field(#[from] FieldError),
}

impl RowError {
    pub fn code(&self) -> &'static str {
        match self {
            RowError::Csv(_) => "invalid_csv",
            RowError::Field(f) => f.code(),
        }
    }
}

/// Why a whole CSV cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RosterError {
    #[error("the CSV header needs external_id, full_name and delegation")]
    Header,
    #[error("{0}")]
    Csv(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterRow {
    /// The CSV line (the header is line 1).
    pub line: usize,
    /// The row's external id, when the row could be read at all.
    pub external_id: Option<String>,
    pub delegate: Result<NewDelegate, RowError>,
}

/// Reads `external_id,full_name,delegation[,eligible]` (columns in any order, header names in any
/// case, cells trimmed; `eligible` false, no or 0 means not eligible, anything else or no column
/// means eligible). Each row is judged on its own: a bad row does not stop the others.
pub fn read_roster(input: impl Read) -> Result<Vec<RosterRow>, RosterError> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(input);
    let headers = reader
        .headers()
        .map_err(|e| RosterError::Csv(e.to_string()))?
        .clone();
    let col = |name: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(name));
    let (Some(ext), Some(name), Some(del)) =
        (col("external_id"), col("full_name"), col("delegation"))
    else {
        return Err(RosterError::Header);
    };
    let elig = col("eligible");
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                rows.push(RosterRow {
                    line,
                    external_id: None,
                    delegate: Err(RowError::Csv(e.to_string())),
                });
                continue;
            }
        };
        let get = |c: usize| record.get(c).unwrap_or("").to_string();
        let eligible = elig.is_none_or(|c| {
            !matches!(
                record.get(c).unwrap_or("").to_ascii_lowercase().as_str(),
                "false" | "no" | "0"
            )
        });
        let new = NewDelegate {
            external_id: get(ext),
            full_name: get(name),
            delegation: get(del),
            eligible,
        };
        rows.push(RosterRow {
            line,
            external_id: Some(new.external_id.clone()),
            delegate: check_new(&new).map(|()| new).map_err(RowError::from),
        });
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_read_in_any_column_order_and_judged_one_by_one() {
        let csv = "Delegation,external_id,FULL_NAME,eligible\n\
                   North, D-1 ,Ada Lovelace,yes\n\
                   South,D-2,,1\n\
                   East,D-3,Grace Hopper,No\n\
                   West,D-4\n";
        let rows = read_roster(csv.as_bytes()).unwrap();
        assert_eq!(rows.len(), 4);
        let ada = rows[0].delegate.as_ref().unwrap();
        assert_eq!((ada.external_id.as_str(), ada.eligible), ("D-1", true));
        assert_eq!(
            rows[1].delegate.as_ref().unwrap_err().code(),
            "invalid_field"
        );
        assert_eq!(rows[1].external_id.as_deref(), Some("D-2"));
        assert!(!rows[2].delegate.as_ref().unwrap().eligible);
        assert_eq!(rows[3].delegate.as_ref().unwrap_err().code(), "invalid_csv");
        assert_eq!(rows[3].line, 5);
    }

    #[test]
    fn a_header_without_the_needed_columns_is_refused() {
        assert_eq!(
            read_roster("id,name\n1,x\n".as_bytes()),
            Err(RosterError::Header)
        );
    }

    #[test]
    fn field_limits_count_characters_not_bytes() {
        let name = "Đ".repeat(MAX_NAME);
        assert_eq!(check_fields(None, Some(&name), None), Ok(()));
        let err = check_fields(None, Some(&format!("{name}x")), None).unwrap_err();
        assert_eq!(err.to_string(), "full_name must be 1 to 256 characters");
        assert!(check_fields(Some("  "), None, None).is_err());
    }
}
