//! The year's report as an .xlsx workbook (`rust_xlsxwriter`): a cover sheet,
//! then one sheet per table of the report (`shared::year_report`), with its
//! Swedish headings, counts and decimals as numbers, dates as dates, column
//! widths set, headings frozen and printing on A4.
//!
//! The workbook is written from the report the app shows (posted by the app,
//! `routes/report.rs`), so its figures are the screen's, unsynced changes
//! included.

use labblogg_shared::year_report::{Cell, YearReport, DECIMALS};
use rust_xlsxwriter::{ExcelDateTime, Format, FormatAlign, Workbook, Worksheet, XlsxError};

/// Paper size 9 is A4 in the spreadsheet formats.
const A4: u8 = 9;

fn date(s: &str) -> Option<ExcelDateTime> {
    let (y, m, d) = labblogg_shared::calendar::parse_date(s)?;
    ExcelDateTime::from_ymd(u16::try_from(y).ok()?, m as u8, d as u8).ok()
}

fn page(sheet: &mut Worksheet, title: &str) {
    sheet.set_paper_size(A4);
    sheet.set_print_fit_to_pages(1, 0);
    sheet.set_header(format!("&L{}&R&P / &N", title.replace('&', "&&")));
}

/// The workbook's bytes.
pub fn workbook(report: &YearReport) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let title_format = Format::new().set_bold().set_font_size(14);
    let heading = Format::new().set_bold().set_text_wrap().set_align(FormatAlign::Top).set_background_color("#E8EEF4");
    let int = Format::new().set_num_format("#,##0");
    let dec = Format::new().set_num_format(format!("0.{}", "0".repeat(DECIMALS as usize)));
    let pct = Format::new().set_num_format(format!("0.{}", "0".repeat(DECIMALS as usize)));
    let day = Format::new().set_num_format("yyyy-mm-dd");
    let month = Format::new().set_num_format("yyyy-mm");
    let wrap = Format::new().set_text_wrap().set_align(FormatAlign::Top);

    let cover = book.add_worksheet();
    cover.set_name("Om rapporten")?;
    page(cover, &report.title);
    cover.set_column_width(0, 22)?;
    cover.set_column_width(1, 70)?;
    cover.write_string_with_format(0, 0, &report.title, &title_format)?;
    let mut r = 2;
    for (label, value) in [
        ("Organisation", report.organisation.clone()),
        ("Labb", report.labs.join(", ")),
        ("År", report.year.to_string()),
    ] {
        cover.write_string_with_format(r, 0, label, &bold)?;
        cover.write_string(r, 1, value)?;
        r += 1;
    }
    for (label, value) in
        [("Period från", &report.period.from), ("Period till", &report.period.to), ("Gjord", &report.made_on)]
    {
        cover.write_string_with_format(r, 0, label, &bold)?;
        match date(value) {
            Some(d) => cover.write_datetime_with_format(r, 1, d, &day)?,
            None => cover.write_string(r, 1, value.as_str())?,
        };
        r += 1;
    }
    if report.protected {
        cover.write_string_with_format(r + 1, 1, labblogg_shared::year_report::PROTECTED_NOTE_SV, &wrap)?;
    }
    cover.write_string_with_format(r + 3, 0, "Blad", &bold)?;
    for (i, t) in report.tables.iter().enumerate() {
        cover.write_string(r + 4 + i as u32, 0, &t.sheet)?;
        cover.write_string(r + 4 + i as u32, 1, &t.title)?;
    }

    for t in &report.tables {
        let sheet = book.add_worksheet();
        sheet.set_name(&t.sheet)?;
        page(sheet, &format!("{} – {}", report.title, t.title));
        if t.columns.len() > 5 {
            sheet.set_landscape();
        }
        // Row 1 the table's title, row 2 its note, row 4 the headings, data from row 5.
        sheet.write_string_with_format(0, 0, &t.title, &title_format)?;
        if !t.note.is_empty() {
            sheet.write_string(1, 0, &t.note)?;
        }
        let head = 3u32;
        for (c, col) in t.columns.iter().enumerate() {
            let c = c as u16;
            sheet.set_column_width(c, col.width)?;
            sheet.write_string_with_format(head, c, &col.heading, &heading)?;
        }
        sheet.set_freeze_panes(head + 1, 0)?;
        sheet.set_repeat_rows(head, head)?;
        for (i, row) in t.rows.iter().enumerate() {
            let r = head + 1 + i as u32;
            for (c, cell) in row.iter().enumerate() {
                let c = c as u16;
                match cell {
                    Cell::Text(s) if s.chars().count() > 60 => {
                        sheet.write_string_with_format(r, c, s, &wrap)?;
                    }
                    Cell::Text(s) => {
                        sheet.write_string(r, c, s)?;
                    }
                    Cell::Int(n) => {
                        sheet.write_number_with_format(r, c, *n as f64, &int)?;
                    }
                    Cell::Dec(x) => {
                        sheet.write_number_with_format(r, c, *x, &dec)?;
                    }
                    Cell::Pct(x) => {
                        sheet.write_number_with_format(r, c, *x, &pct)?;
                    }
                    Cell::Date(s) => match date(s) {
                        Some(d) => {
                            sheet.write_datetime_with_format(r, c, d, &day)?;
                        }
                        None => {
                            sheet.write_string(r, c, s)?;
                        }
                    },
                    Cell::Month(m) => match date(&format!("{m}-01")) {
                        Some(d) => {
                            sheet.write_datetime_with_format(r, c, d, &month)?;
                        }
                        None => {
                            sheet.write_string(r, c, m)?;
                        }
                    },
                    Cell::Empty => {}
                }
            }
        }
    }
    book.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;
    use labblogg_shared::summary::Period;
    use labblogg_shared::year_report::{Column, Table};

    #[test]
    fn a_report_makes_a_zip_with_one_sheet_per_table() {
        let report = YearReport {
            title: "Årsrapport 2026 – Lina Hage".into(),
            organisation: "Telge Bostäder".into(),
            labs: vec!["Lina Hage".into()],
            year: 2026,
            period: Period::new("2026-01-01", "2026-12-31"),
            made_on: "2026-12-07".into(),
            protected: false,
            tables: vec![Table {
                sheet: "Besök per månad".into(),
                title: "Besök".into(),
                note: String::new(),
                columns: vec![
                    Column { heading: "Månad".into(), width: 10.0 },
                    Column { heading: "Besök".into(), width: 10.0 },
                ],
                rows: vec![
                    vec![Cell::Month("2026-01".into()), Cell::Int(412)],
                    vec![Cell::Month("2026-02".into()), Cell::Empty],
                ],
            }],
        };
        let bytes = workbook(&report).unwrap();
        assert_eq!(&bytes[..2], b"PK", "an .xlsx is a zip");
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.contains("xl/worksheets/sheet2.xml") && !text.contains("xl/worksheets/sheet3.xml"));
    }
}
