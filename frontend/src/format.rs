//! Dates, times and numbers as Swedish (or English) readers expect them.

use crate::labels::{month_name, quarter_label};

/// "2026-11-23" → "23 november 2026" (sv) or "23 November 2026" (en).
pub fn date(iso: &str, english: bool) -> String {
    match labblogg_shared::validate::parse_date(iso) {
        Some((y, m, d)) => {
            format!("{d} {} {y}", month_name(m, english))
        }
        None => iso.to_owned(),
    }
}

/// "2026-11-23" → "nov. 2026" (sv) or "Nov 2026" (en): a month on a chart axis.
pub fn month_short(iso: &str, english: bool) -> String {
    match labblogg_shared::validate::parse_date(iso) {
        Some((y, m, _)) => {
            let name = month_name(m, english);
            if english {
                format!("{} {y}", &name[..3])
            } else if name.chars().count() <= 4 {
                format!("{name} {y}")
            } else {
                format!("{}. {y}", name.chars().take(3).collect::<String>())
            }
        }
        None => iso.to_owned(),
    }
}

/// "2026-11-23" → "november 2026": a month a measurement is for.
pub fn month_long(iso: &str, english: bool) -> String {
    match labblogg_shared::validate::parse_date(iso) {
        Some((y, m, _)) => format!("{} {y}", month_name(m, english)),
        None => iso.to_owned(),
    }
}

/// The quarter holding a date: "kvartal 4 2026" / "Q4 2026".
pub fn quarter(iso: &str, english: bool) -> String {
    match labblogg_shared::validate::parse_date(iso) {
        Some((y, m, _)) => quarter_label((m - 1) / 3 + 1, y, english),
        None => iso.to_owned(),
    }
}

/// An ISO week label ("2026-W45") as Swedish readers write it: "v. 45",
/// with the year when `with_year` ("v. 1 2027"); English "w. 45".
pub fn week_short(label: &str, with_year: bool, english: bool) -> String {
    let Some((year, week)) = label.split_once("-W") else { return label.to_owned() };
    let week = week.trim_start_matches('0');
    let prefix = crate::labels::week_prefix(english);
    if with_year {
        format!("{prefix} {week} {year}")
    } else {
        format!("{prefix} {week}")
    }
}

/// The ISO week of a date "YYYY-MM-DD" as a short label ("v. 45").
pub fn week_of_date(iso: &str, with_year: bool, english: bool) -> String {
    match labblogg_shared::calendar::day_of(iso) {
        Some(day) => week_short(&labblogg_shared::calendar::week_label(day), with_year, english),
        None => iso.to_owned(),
    }
}

/// "2026-11-23" → "23 nov. 2026": a date where space is short.
pub fn date_short(iso: &str, english: bool) -> String {
    match labblogg_shared::validate::parse_date(iso) {
        Some((y, m, d)) => {
            let month = month_short(&format!("{y}-{m:02}-01"), english);
            format!("{d} {month}")
        }
        None => iso.to_owned(),
    }
}

/// A moment (ms since the epoch) in local time: "23 november 2026 14:05".
pub fn moment(ms: u64, english: bool) -> String {
    let (day, time) = crate::clock::local(ms);
    format!("{} {time}", date(&day, english))
}

/// 1234567 → "1 234 567" (sv, with a narrow no-break space) or "1,234,567" (en).
pub fn integer(n: i64, english: bool) -> String {
    let digits = n.unsigned_abs().to_string();
    let sep = if english { "," } else { "\u{202f}" };
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push_str(sep);
        }
        out.push(c);
    }
    if n < 0 {
        out.insert(0, '−');
    }
    out
}

/// 2.5 → "2,5" (sv) or "2.5" (en); at most `decimals` decimals, trailing zeros dropped.
pub fn decimal(x: f64, decimals: usize, english: bool) -> String {
    let s = format!("{x:.decimals$}");
    let s = if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_owned() } else { s };
    let (int, frac) = s.split_once('.').map_or((s.as_str(), None), |(i, f)| (i, Some(f)));
    let int_fmt = integer(int.parse::<i64>().unwrap_or(0), english);
    let int_fmt = if x < 0.0 && !int_fmt.starts_with('−') { format!("−{int_fmt}") } else { int_fmt };
    match frac {
        Some(f) => format!("{int_fmt}{}{f}", if english { "." } else { "," }),
        None => int_fmt,
    }
}

/// Parse a number typed the Swedish or English way ("2,5", "2.5", "1 000").
pub fn parse_decimal(s: &str) -> Option<f64> {
    let cleaned: String = s
        .trim()
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{202f}')
        .map(|c| if c == ',' { '.' } else { c })
        .collect();
    cleaned.parse::<f64>().ok().filter(|x| x.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::*;

    wasm_bindgen_test_configure!(run_in_browser);

    #[wasm_bindgen_test]
    fn swedish_formats() {
        assert_eq!(date("2026-11-23", false), "23 november 2026");
        assert_eq!(integer(1_234_567, false), "1\u{202f}234\u{202f}567");
        assert_eq!(integer(999, false), "999");
        assert_eq!(decimal(2.5, 1, false), "2,5");
        assert_eq!(decimal(2.0, 1, false), "2");
        assert_eq!(decimal(1234.25, 2, true), "1,234.25");
        assert_eq!(parse_decimal("2,5"), Some(2.5));
        assert_eq!(parse_decimal("1 000"), Some(1000.0));
        assert_eq!(parse_decimal("x"), None);
        assert_eq!(week_short("2026-W05", false, false), "v. 5");
        assert_eq!(week_short("2027-W01", true, false), "v. 1 2027");
        assert_eq!(month_short("2026-11-23", false), "nov. 2026");
        assert_eq!(month_short("2026-05-01", false), "maj 2026");
        assert_eq!(quarter("2026-11-23", false), "kvartal 4 2026");
        assert_eq!(date_short("2026-06-30", false), "30 juni 2026");
    }
}
