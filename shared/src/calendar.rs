//! Calendar arithmetic for the summaries: civil dates as day numbers, ISO
//! weeks, months, and Swedish local time (Europe/Stockholm).
//!
//! Dates travel as "YYYY-MM-DD" text; here they become day numbers (days since
//! 1970-01-01), so that ranges, weeks and differences are integer arithmetic.
//! No time-zone database: Sweden's rule is fixed by EU law (CET, UTC+1, and
//! CEST, UTC+2, from the last Sunday of March 01:00 UTC to the last Sunday of
//! October 01:00 UTC), and a pure function of the instant is all the app needs.

/// Milliseconds in a day.
pub const DAY_MS: i64 = 86_400_000;
const HOUR_MS: i64 = 3_600_000;

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// `days_from_civil`). `month` is 1..=12, `day` 1..=31; not checked.
pub fn days_from_civil(year: i32, month: u32, day: u32) -> i64 {
    let y = i64::from(year) - i64::from(month <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date (year, month, day) of a day number.
pub fn civil_from_days(days: i64) -> (i32, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
    (year, month, day)
}

pub fn is_leap_year(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

pub fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// "YYYY-MM-DD" → (year, month, day), checking the calendar. Reads the bytes
/// directly: the summaries call it once per visit.
pub fn parse_date(s: &str) -> Option<(i32, u32, u32)> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let digit = |i: usize| -> Option<u32> {
        let c = b[i].wrapping_sub(b'0');
        (c < 10).then_some(u32::from(c))
    };
    let year = digit(0)? * 1000 + digit(1)? * 100 + digit(2)? * 10 + digit(3)?;
    let month = digit(5)? * 10 + digit(6)?;
    let day = digit(8)? * 10 + digit(9)?;
    let year = year as i32;
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    Some((year, month, day))
}

/// The day number of a "YYYY-MM-DD" date.
pub fn day_of(date: &str) -> Option<i64> {
    parse_date(date).map(|(y, m, d)| days_from_civil(y, m, d))
}

/// "YYYY-MM-DD" of a day number.
pub fn format_date(day: i64) -> String {
    let (y, m, d) = civil_from_days(day);
    format!("{y:04}-{m:02}-{d:02}")
}

/// `date` moved by `days` (negative: back), or `None` if `date` is not a date.
pub fn add_days(date: &str, days: i64) -> Option<String> {
    day_of(date).map(|d| format_date(d + days))
}

/// ISO weekday of a day number: 1 = Monday … 7 = Sunday.
pub fn iso_weekday(day: i64) -> u32 {
    // 1970-01-01 was a Thursday.
    ((day + 3).rem_euclid(7) + 1) as u32
}

/// The Monday of the ISO week holding `day`.
pub fn monday_of(day: i64) -> i64 {
    day - i64::from(iso_weekday(day)) + 1
}

/// The ISO week (ISO year, week 1..=53) holding `day`. The ISO year is the
/// year of the week's Thursday, so 2027-01-01 lies in 2026-W53.
pub fn iso_week(day: i64) -> (i32, u32) {
    let thursday = monday_of(day) + 3;
    let (year, _, _) = civil_from_days(thursday);
    let week = (thursday - days_from_civil(year, 1, 1)) / 7 + 1;
    (year, week as u32)
}

/// The Monday of ISO week `week` of ISO year `year` (4 January is always in week 1).
pub fn iso_week_monday(year: i32, week: u32) -> i64 {
    monday_of(days_from_civil(year, 1, 4)) + (i64::from(week) - 1) * 7
}

/// 52 or 53.
pub fn weeks_in_iso_year(year: i32) -> u32 {
    // 28 December always lies in the last week of its ISO year.
    iso_week(days_from_civil(year, 12, 28)).1
}

/// "2026-W47": the ISO week holding `day`.
pub fn week_label(day: i64) -> String {
    let (y, w) = iso_week(day);
    format!("{y:04}-W{w:02}")
}

/// A month as one number (year × 12 + month − 1), so months subtract.
pub fn month_index(day: i64) -> i64 {
    let (y, m, _) = civil_from_days(day);
    i64::from(y) * 12 + i64::from(m) - 1
}

/// "2026-11" of a [`month_index`].
pub fn month_label_of_index(index: i64) -> String {
    format!("{:04}-{:02}", index.div_euclid(12), index.rem_euclid(12) + 1)
}

/// "2026-11": the month holding `day`.
pub fn month_label(day: i64) -> String {
    month_label_of_index(month_index(day))
}

/// The day number of the first day of a [`month_index`].
pub fn first_day_of_month_index(index: i64) -> i64 {
    days_from_civil(index.div_euclid(12) as i32, (index.rem_euclid(12) + 1) as u32, 1)
}

/// The last Sunday of a month, as a day number.
pub fn last_sunday(year: i32, month: u32) -> i64 {
    let last = days_from_civil(year, month, days_in_month(year, month));
    last - i64::from(iso_weekday(last) % 7)
}

/// The instants (ms since the epoch, UTC) summer time starts and ends in `year`.
pub fn summer_time_ms(year: i32) -> (i64, i64) {
    (last_sunday(year, 3) * DAY_MS + HOUR_MS, last_sunday(year, 10) * DAY_MS + HOUR_MS)
}

/// Europe/Stockholm's offset from UTC at the instant `at_ms`, in ms.
pub fn stockholm_offset_ms(at_ms: i64) -> i64 {
    let (year, _, _) = civil_from_days(at_ms.div_euclid(DAY_MS));
    let (start, end) = summer_time_ms(year);
    if (start..end).contains(&at_ms) {
        2 * HOUR_MS
    } else {
        HOUR_MS
    }
}

/// The local (Stockholm) day number of an instant.
pub fn local_day(at_ms: i64) -> i64 {
    (at_ms + stockholm_offset_ms(at_ms)).div_euclid(DAY_MS)
}

/// The local (Stockholm) "YYYY-MM-DD" of an instant.
pub fn local_date(at_ms: i64) -> String {
    format_date(local_day(at_ms))
}

/// The local (Stockholm) hour 0..=23 of an instant.
pub fn local_hour(at_ms: i64) -> u32 {
    ((at_ms + stockholm_offset_ms(at_ms)).rem_euclid(DAY_MS) / HOUR_MS) as u32
}

/// The instant of local (Stockholm) time `minute` (minutes after midnight) on
/// local day `day`. A time skipped when the clocks go forward is read as
/// winter time; a time repeated when they go back, as its first occurrence.
pub fn utc_ms_of_local(day: i64, minute: u32) -> i64 {
    let local = day * DAY_MS + i64::from(minute) * 60_000;
    let summer = local - 2 * HOUR_MS;
    if stockholm_offset_ms(summer) == 2 * HOUR_MS {
        summer
    } else {
        local - HOUR_MS
    }
}

/// "HH:MM" → minutes after midnight ("24:00" is 1440).
pub fn minutes_of_day(hhmm: &str) -> Option<u32> {
    let b = hhmm.as_bytes();
    if b.len() != 5 || b[2] != b':' || !b.iter().enumerate().all(|(i, c)| i == 2 || c.is_ascii_digit()) {
        return None;
    }
    let h = u32::from(b[0] - b'0') * 10 + u32::from(b[1] - b'0');
    let m = u32::from(b[3] - b'0') * 10 + u32::from(b[4] - b'0');
    match (h, m) {
        (24, 0) => Some(24 * 60),
        (0..=23, 0..=59) => Some(h * 60 + m),
        _ => None,
    }
}

/// Local hours of many instants, remembering the current year's summer-time
/// bounds so a pass over a million visits computes them about once.
#[derive(Debug, Clone, Default)]
pub struct StockholmClock {
    /// [year start, next year start) in ms and the summer-time bounds within.
    cached: Option<(i64, i64, i64, i64)>,
}

impl StockholmClock {
    pub fn offset_ms(&mut self, at_ms: i64) -> i64 {
        let (lo, hi, start, end) = match self.cached {
            Some(c) if (c.0..c.1).contains(&at_ms) => c,
            _ => {
                let (year, _, _) = civil_from_days(at_ms.div_euclid(DAY_MS));
                let (start, end) = summer_time_ms(year);
                let c = (days_from_civil(year, 1, 1) * DAY_MS, days_from_civil(year + 1, 1, 1) * DAY_MS, start, end);
                self.cached = Some(c);
                c
            }
        };
        debug_assert!((lo..hi).contains(&at_ms));
        if (start..end).contains(&at_ms) {
            2 * HOUR_MS
        } else {
            HOUR_MS
        }
    }

    /// The local hour 0..=23 of `at_ms`.
    pub fn hour(&mut self, at_ms: i64) -> u32 {
        ((at_ms + self.offset_ms(at_ms)).rem_euclid(DAY_MS) / HOUR_MS) as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_numbers_round_trip() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(days_from_civil(2026, 1, 1), 20_454);
        assert_eq!(days_from_civil(2026, 11, 20), 20_777);
        assert_eq!(days_from_civil(1969, 12, 31), -1);
        for day in -800_000..800_000 {
            let (y, m, d) = civil_from_days(day);
            assert_eq!(days_from_civil(y, m, d), day);
        }
        assert_eq!(day_of("2024-02-29"), Some(days_from_civil(2024, 2, 29)));
        assert_eq!(format_date(20_777), "2026-11-20");
    }

    #[test]
    fn dates_are_checked() {
        assert_eq!(parse_date("2024-02-29"), Some((2024, 2, 29)));
        for bad in [
            "2023-02-29",
            "2024-13-01",
            "2024-00-10",
            "2024-04-31",
            "2024-1-01",
            "24-01-01",
            "2024/01/01",
            "2024-01-0x",
            "",
            "2024-01-011",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
        assert!(parse_date("1900-02-29").is_none() && parse_date("2000-02-29").is_some());
    }

    #[test]
    fn adding_days_crosses_months_and_years() {
        assert_eq!(add_days("2026-12-31", 1).as_deref(), Some("2027-01-01"));
        assert_eq!(add_days("2024-03-01", -1).as_deref(), Some("2024-02-29"));
        assert_eq!(add_days("2026-11-20", -364).as_deref(), Some("2025-11-21"));
        assert_eq!(add_days("nope", 1), None);
    }

    #[test]
    fn iso_weeks_across_new_year() {
        let w = |s: &str| week_label(day_of(s).unwrap());
        assert_eq!(w("2026-11-20"), "2026-W47");
        assert_eq!(iso_weekday(day_of("2026-11-20").unwrap()), 5, "a Friday");
        // 2026 has 53 weeks: its Thursday-owned last week runs into 2027.
        assert_eq!(w("2026-12-28"), "2026-W53");
        assert_eq!(w("2027-01-03"), "2026-W53");
        assert_eq!(w("2027-01-04"), "2027-W01");
        // 2024-12-30 (a Monday) belongs to 2025's first week.
        assert_eq!(w("2024-12-29"), "2024-W52");
        assert_eq!(w("2024-12-30"), "2025-W01");
        assert_eq!(w("2021-01-03"), "2020-W53");
        assert_eq!(weeks_in_iso_year(2026), 53);
        assert_eq!(weeks_in_iso_year(2025), 52);
        assert_eq!(weeks_in_iso_year(2020), 53);
        assert_eq!(format_date(iso_week_monday(2026, 47)), "2026-11-16");
        assert_eq!(format_date(iso_week_monday(2025, 1)), "2024-12-30");
        assert_eq!(format_date(monday_of(day_of("2026-11-22").unwrap())), "2026-11-16");
    }

    #[test]
    fn months() {
        let d = day_of("2026-11-20").unwrap();
        assert_eq!(month_label(d), "2026-11");
        assert_eq!(month_label_of_index(month_index(d) + 2), "2027-01");
        assert_eq!(format_date(first_day_of_month_index(month_index(d) + 1)), "2026-12-01");
    }

    #[test]
    fn stockholm_summer_time() {
        // 2026: summer time from 29 March 01:00 UTC to 25 October 01:00 UTC.
        assert_eq!(format_date(last_sunday(2026, 3)), "2026-03-29");
        assert_eq!(format_date(last_sunday(2026, 10)), "2026-10-25");
        let mar29 = day_of("2026-03-29").unwrap() * DAY_MS;
        let h = 3_600_000;
        assert_eq!(stockholm_offset_ms(mar29 + h - 1), h);
        assert_eq!(stockholm_offset_ms(mar29 + h), 2 * h);
        assert_eq!(local_hour(mar29 + h - 1), 1, "01:59:59 CET");
        assert_eq!(local_hour(mar29 + h), 3, "03:00 CEST: 02:xx never happens");
        let oct25 = day_of("2026-10-25").unwrap() * DAY_MS;
        assert_eq!(local_hour(oct25 + h - 1), 2, "02:59:59 CEST");
        assert_eq!(local_hour(oct25 + h), 2, "02:00 CET again");
        assert_eq!(local_hour(oct25 + 2 * h), 3);
        // Late on New Year's Eve UTC is already the next day in Stockholm.
        let nye = day_of("2026-12-31").unwrap() * DAY_MS + 23 * h + 30 * 60_000;
        assert_eq!(local_date(nye), "2027-01-01");
        assert_eq!(local_hour(nye), 0);
        // A summer evening: 17:30 local is 15:30 UTC.
        let jun = day_of("2026-06-16").unwrap();
        assert_eq!(utc_ms_of_local(jun, 17 * 60 + 30), jun * DAY_MS + 15 * h + 30 * 60_000);
        assert_eq!(utc_ms_of_local(jun - 180, 17 * 60), (jun - 180) * DAY_MS + 16 * h);
        let mut clock = StockholmClock::default();
        for at in (mar29 - 40 * DAY_MS..oct25 + 100 * DAY_MS).step_by(997 * 60_000) {
            assert_eq!(clock.hour(at), local_hour(at));
            assert_eq!(local_day(utc_ms_of_local(local_day(at), local_hour(at) * 60)), local_day(at));
        }
    }

    #[test]
    fn clock_times() {
        assert_eq!(minutes_of_day("17:30"), Some(1050));
        assert_eq!(minutes_of_day("24:00"), Some(1440));
        for bad in ["24:01", "7:30", "12:60", "ab:cd", "12.30"] {
            assert_eq!(minutes_of_day(bad), None, "{bad}");
        }
    }
}
