//! Tables people open in a spreadsheet (the attendance of a sitting): CSV in UTF-8 with a
//! byte-order mark, so that Excel shows Vietnamese names as they are, every text cell defused
//! against formula injection; and XLSX (`rust_xlsxwriter`), where text cells are strings and
//! never formulas, and times are real date-times.

use rust_xlsxwriter::{ExcelDateTime, Workbook, XlsxError};

/// One cell of a sheet.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Int(i64),
    Text(String),
    /// A moment, Unix milliseconds (written in UTC).
    Time(i64),
    Empty,
}

/// A titled table: a header row, then rows of cells.
#[derive(Debug, Clone, PartialEq)]
pub struct Sheet {
    /// The worksheet's name (at most 31 characters in XLSX; longer names are cut).
    pub title: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

#[derive(Debug, thiserror::Error)]
pub enum SheetError {
    #[error("writing the CSV: {0}")]
    Csv(#[from] csv::Error),
    #[error("writing the XLSX: {0}")]
    Xlsx(#[from] XlsxError),
}

/// The file forms a sheet is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
}

impl Format {
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
        }
    }
}

/// UTF-8's byte-order mark: how Excel knows a CSV file is UTF-8.
pub const BOM: &str = "\u{feff}";

fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}

impl Sheet {
    /// The sheet's bytes in `format`.
    pub fn write(&self, format: Format) -> Result<Vec<u8>, SheetError> {
        match format {
            Format::Csv => self.to_csv(),
            Format::Xlsx => self.to_xlsx(),
        }
    }

    /// The sheet as CSV: BOM, header, rows; text cells defused, quoted when they need it.
    pub fn to_csv(&self) -> Result<Vec<u8>, SheetError> {
        let mut w = csv::Writer::from_writer(BOM.as_bytes().to_vec());
        w.write_record(self.headers.iter().map(|h| crate::defuse(h)))?;
        for row in &self.rows {
            w.write_record(row.iter().map(|c| match c {
                Cell::Int(n) => n.to_string(),
                Cell::Text(s) => crate::defuse(s),
                Cell::Time(ms) => rfc3339(*ms),
                Cell::Empty => String::new(),
            }))?;
        }
        w.into_inner()
            .map_err(|e| SheetError::Csv(csv::Error::from(e.into_error())))
    }

    /// The sheet as an XLSX workbook of one worksheet, header bold and frozen.
    pub fn to_xlsx(&self) -> Result<Vec<u8>, SheetError> {
        let mut book = Workbook::new();
        let ws = book.add_worksheet();
        let title: String = self
            .title
            .chars()
            .filter(|c| !"[]:*?/\\".contains(*c))
            .take(31)
            .collect();
        if !title.trim().is_empty() {
            ws.set_name(title.trim())?;
        }
        let bold = rust_xlsxwriter::Format::new().set_bold();
        let time = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd hh:mm:ss");
        for (col, h) in self.headers.iter().enumerate() {
            ws.write_string_with_format(0, col as u16, h, &bold)?;
        }
        for (i, row) in self.rows.iter().enumerate() {
            let r = i as u32 + 1;
            for (col, cell) in row.iter().enumerate() {
                let col = col as u16;
                match cell {
                    Cell::Int(n) => {
                        ws.write_number(r, col, *n as f64)?;
                    }
                    Cell::Text(s) => {
                        ws.write_string(r, col, s)?;
                    }
                    Cell::Time(ms) => {
                        let t = ExcelDateTime::from_timestamp(ms.div_euclid(1000))?;
                        ws.write_datetime_with_format(r, col, t, &time)?;
                    }
                    Cell::Empty => {}
                }
            }
        }
        ws.set_freeze_panes(1, 0)?;
        ws.autofit();
        Ok(book.save_to_buffer()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sheet() -> Sheet {
        Sheet {
            title: "Attendance: Plenary [1]".into(),
            headers: vec![
                "delegate_id".into(),
                "full_name".into(),
                "checked_in_at".into(),
            ],
            rows: vec![
                vec![
                    Cell::Int(7),
                    Cell::Text("Nguyễn Thị Phương Thảo".into()),
                    Cell::Time(1_764_633_600_000),
                ],
                vec![
                    Cell::Int(8),
                    Cell::Text("=HYPERLINK(\"http://x\",\"a, b\")".into()),
                    Cell::Empty,
                ],
                vec![Cell::Int(9), Cell::Text("\tTab".into()), Cell::Empty],
                vec![Cell::Int(10), Cell::Text("\rReturn".into()), Cell::Empty],
            ],
        }
    }

    #[test]
    fn csv_has_a_bom_and_reads_back_with_every_formula_defused() {
        let bytes = sheet().to_csv().unwrap();
        assert!(bytes.starts_with(BOM.as_bytes()));
        let mut r = csv::Reader::from_reader(&bytes[BOM.len()..]);
        let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
        assert_eq!(&rows[0][1], "Nguyễn Thị Phương Thảo");
        assert_eq!(&rows[0][2], "2025-12-02T00:00:00Z");
        assert_eq!(&rows[1][1], "'=HYPERLINK(\"http://x\",\"a, b\")");
        assert_eq!(&rows[2][1], "'\tTab");
        assert_eq!(&rows[3][1], "'\rReturn");
        assert_eq!(&rows[1][2], "");
    }

    #[test]
    fn xlsx_reads_back_with_strings_numbers_and_times() {
        use calamine::{Data, DataType, Reader, Xlsx};
        let bytes = sheet().to_xlsx().unwrap();
        let mut book = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
        assert_eq!(book.sheet_names(), ["Attendance Plenary 1"]);
        let range = book.worksheet_range("Attendance Plenary 1").unwrap();
        assert_eq!(range.get((0, 1)), Some(&Data::String("full_name".into())));
        assert_eq!(range.get((1, 0)), Some(&Data::Float(7.0)));
        assert_eq!(
            range.get((1, 1)),
            Some(&Data::String("Nguyễn Thị Phương Thảo".into()))
        );
        let when = range.get((1, 2)).unwrap().as_datetime().unwrap();
        assert_eq!(when.to_string(), "2025-12-02 00:00:00");
        // A string that looks like a formula stays a string: nothing to defuse.
        assert_eq!(
            range.get((2, 1)),
            Some(&Data::String("=HYPERLINK(\"http://x\",\"a, b\")".into()))
        );
    }
}
