//! The personal-data guard: free text is where names and numbers leak in.
//! Before saving, the app warns when a text holds something that looks like
//! a Swedish personal identity number (personnummer or samordningsnummer,
//! with a valid check digit), a phone number or an e-mail address, and the
//! server refuses them in whatever reaches every organisation (validate.rs).
//!
//! It reads the text as people type it (normalize.rs): full-width digits,
//! every dash and space variant, "811218.9876", "8112 18-9876", "(070) 123 45 67",
//! "+46 (0)70-…", "mailto:a@x.se", "[a@x.se]". What it must let through is what
//! notes are full of: dates, clock ranges, counts, money, postcodes, org numbers.
//! `shared/tests/privacy_corpus.rs` measures both on a labelled corpus.
//!
//! Softer, [`find_person_hints`] points at what may name a person: a name next to
//! an age, or a street address. A hint never blocks; the app asks "stämmer det?".

mod hints;
mod names;
mod normalize;

pub use hints::{find_person_hints, Hint, HintKind};
pub use names::personal_name_in_role;

use normalize::{normalise, original, Ch};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PersonalDataKind {
    PersonalIdentityNumber,
    PhoneNumber,
    Email,
}

impl PersonalDataKind {
    pub fn label_sv(self) -> &'static str {
        match self {
            PersonalDataKind::PersonalIdentityNumber => "ett personnummer",
            PersonalDataKind::PhoneNumber => "ett telefonnummer",
            PersonalDataKind::Email => "en e-postadress",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            PersonalDataKind::PersonalIdentityNumber => "a personal identity number",
            PersonalDataKind::PhoneNumber => "a phone number",
            PersonalDataKind::Email => "an e-mail address",
        }
    }
}

/// Something in a text that looks like personal data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub kind: PersonalDataKind,
    /// The matched text, as written.
    pub text: String,
}

/// Does a question ask for something that identifies a person (a name, an
/// identity number, a phone number, an address, an e-mail, who someone is)?
/// A lab's questions are answered by counts, numbers and choices, so a
/// question wording like that is refused (`validate::question`); the reason
/// in Swedish, or `None`.
pub fn asks_for_personal_data(question: &str) -> Option<&'static str> {
    let folded: String = question.to_lowercase();
    let words: Vec<&str> = folded.split(|c: char| !c.is_alphanumeric() && c != '-').filter(|w| !w.is_empty()).collect();
    const ASKING: &[&str] = &[
        "heter",
        "namn",
        "namnet",
        "namnen",
        "förnamn",
        "efternamn",
        "personnummer",
        "personnumret",
        "telefonnummer",
        "telefonnumret",
        "mobilnummer",
        "nummer",
        "adress",
        "adressen",
        "e-post",
        "epost",
        "mejl",
        "mejladress",
        "vem",
        "vilka",
        "vilken",
        "bor",
    ];
    // "vilken" and "vilka" ask for a choice as often as for a person: only
    // with a word about people do they ask who someone is.
    const PEOPLE: &[&str] = &[
        "person",
        "personer",
        "ungdom",
        "ungdomar",
        "ungdomen",
        "barn",
        "barnet",
        "besökare",
        "deltagare",
        "elev",
        "elever",
        "kille",
        "killar",
        "tjej",
        "tjejer",
    ];
    let has = |w: &str| words.contains(&w);
    let about_people = PEOPLE.iter().any(|p| has(p));
    for w in ASKING {
        if !has(w) {
            continue;
        }
        match *w {
            "vilka" | "vilken" if !about_people => continue,
            "bor" if !has("var") => continue,
            "nummer" if !has("telefon") && !has("mobil") => continue,
            _ => {}
        }
        return Some(
            "Frågan ber om något som kan peka ut en person (namn, nummer, adress eller vem någon är). \
             Fråga efter antal, en bedömning eller ett val i stället.",
        );
    }
    None
}

/// Everything in `text` that looks like personal data, in order of appearance.
pub fn find_personal_data(text: &str) -> Vec<Finding> {
    let chars = normalise(text);
    let emails = emails(&chars);
    let mut found: Vec<(usize, Finding)> = Vec::new();
    for run in number_runs(&chars) {
        for (from, to, kind) in run.matches(&chars) {
            // The digits of "0701234567@sms.se" are the e-mail's, not a number of their own.
            if emails.iter().any(|&(f, t)| f <= from && to <= t) {
                continue;
            }
            found.push((from, Finding { kind, text: original(text, &chars, from, to).to_owned() }));
        }
    }
    for (from, to) in emails {
        let as_written = original(text, &chars, from, to).to_owned();
        found.push((from, Finding { kind: PersonalDataKind::Email, text: as_written }));
    }
    found.sort_by_key(|(from, _)| *from);
    found.into_iter().map(|(_, f)| f).collect()
}

/// What stands between two digit groups of one number: at most three characters of
/// spaces, one of "- . / +" and parentheses, e.g. "-", " - ", ") ", " (", ".".
#[derive(Debug, Clone, Copy, Default)]
struct Sep {
    /// The one dash, dot, slash or plus sign, if any.
    hard: Option<char>,
    paren: bool,
    /// A space before a "+": "… +46 70", where a number begins.
    plus_prefix: bool,
}

impl Sep {
    /// Only spaces (or a "+" that starts a new number): a number may end or begin here.
    fn blank(self) -> bool {
        (self.hard.is_none() || self.plus_prefix) && !self.paren
    }
}

/// A maximal run of digits in the normalised text, as groups (index ranges) and the
/// separators between them.
#[derive(Debug, Default)]
struct Run {
    groups: Vec<(usize, usize)>,
    seps: Vec<Sep>,
    /// Index of a "+" written before the first group.
    plus_at: Option<usize>,
    /// Written right after a letter ("pnr8112189876", "B12"): read for personnummer only.
    glued: bool,
}

fn is_digit(chars: &[Ch], i: usize) -> bool {
    chars.get(i).is_some_and(|c| c.c.is_ascii_digit())
}

/// Runs of digit groups: "070-123 45 67", "+46 (0)70 123", "8112 18-9876", "17.00-21.00".
/// A last group glued to a letter after it ("3st", "12B") is dropped.
fn number_runs(chars: &[Ch]) -> Vec<Run> {
    let mut runs = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i].c;
        let mut run = Run::default();
        let first = if c == '+' {
            // "+46", "+(46)", "+ 46"
            match (1..=2).find(|&k| is_digit(chars, i + k)) {
                Some(k) if k == 1 || matches!(chars[i + 1].c, '(' | ' ') => {
                    run.plus_at = Some(i);
                    i + k
                }
                _ => {
                    i += 1;
                    continue;
                }
            }
        } else if c.is_ascii_digit() {
            // "pnr8112189876": glued to a word, a run can still hold a personnummer
            run.glued = i > 0 && chars[i - 1].c.is_alphanumeric();
            i
        } else {
            i += 1;
            continue;
        };
        let mut j = first;
        loop {
            let from = j;
            while is_digit(chars, j) {
                j += 1;
            }
            run.groups.push((from, j));
            let (mut k, mut sep, mut opens, mut closes, mut space) = (j, Sep::default(), 0, 0, false);
            let mut ok = true;
            while k < chars.len() && k - j < 3 {
                match chars[k].c {
                    ' ' => space = true,
                    '(' => opens += 1,
                    ')' => closes += 1,
                    h @ ('-' | '.' | '/' | '+') if sep.hard.is_none() => {
                        sep.hard = Some(h);
                        sep.plus_prefix = h == '+' && space;
                    }
                    '-' | '.' | '/' | '+' => ok = false,
                    _ => break,
                }
                k += 1;
            }
            sep.paren = opens + closes > 0;
            if ok && k > j && opens <= 1 && closes <= 1 && is_digit(chars, k) {
                run.seps.push(sep);
                j = k;
            } else {
                break;
            }
        }
        if chars.get(j).is_some_and(|c| c.c.is_alphabetic()) {
            run.groups.pop();
            run.seps.pop();
        }
        i = j;
        if !run.groups.is_empty() {
            runs.push(run);
        }
    }
    runs
}

impl Run {
    fn digits(&self, chars: &[Ch], from: usize, to: usize) -> String {
        self.groups[from..=to].iter().flat_map(|&(a, b)| chars[a..b].iter().map(|c| c.c)).collect()
    }

    fn len(&self, g: usize) -> usize {
        self.groups[g].1 - self.groups[g].0
    }

    /// The personal identity numbers and phone numbers in the run, as (from, to, kind) over
    /// the normalised text. Reads group windows left to right, the longest match first; a
    /// match begins and ends at the run's ends or at a blank separator, so "2026-03-05-2026-04-05"
    /// is not read as a date with a four-digit tail.
    fn matches(&self, chars: &[Ch]) -> Vec<(usize, usize, PersonalDataKind)> {
        let mut out = Vec::new();
        let n = self.groups.len();
        let mut i = 0;
        while i < n {
            let starts_plus = (i == 0 && self.plus_at.is_some()) || (i > 0 && self.seps[i - 1].plus_prefix);
            if i > 0 && !self.seps[i - 1].blank() {
                i += 1;
                continue;
            }
            let mut ends = Vec::new();
            let mut total = 0;
            for j in i..n {
                total += self.len(j);
                if total > 15 {
                    break;
                }
                if j + 1 == n || self.seps[j].blank() {
                    ends.push(j);
                }
            }
            let found = ends
                .iter()
                .rev()
                .find(|&&j| !starts_plus && self.is_personal_identity_number(chars, i, j))
                .map(|&j| (j, PersonalDataKind::PersonalIdentityNumber))
                .or_else(|| {
                    ends.iter()
                        .filter(|_| !self.glued)
                        .rev()
                        .find(|&&j| self.is_phone_number(chars, i, j, starts_plus))
                        .map(|&j| (j, PersonalDataKind::PhoneNumber))
                });
            match found {
                Some((j, kind)) => {
                    let mut from = self.groups[i].0;
                    if starts_plus {
                        let lo = if i == 0 { self.plus_at.unwrap_or(from) } else { self.groups[i - 1].1 };
                        from = (lo..from).find(|&k| chars[k].c == '+').unwrap_or(from);
                    } else if from > 0 && chars[from - 1].c == '(' && (i..j).any(|g| self.seps[g].paren) {
                        from -= 1; // "(070) 123 45 67"
                    }
                    out.push((from, self.groups[j].1, kind));
                    i = j + 1;
                }
                None => i += 1,
            }
        }
        out
    }

    /// YYMMDD-NNNC, YYMMDD+NNNC, YYYYMMDD-NNNC or the same without separator, with a real
    /// date (day + 60 for a samordningsnummer) and a Luhn check digit. The date may be split
    /// between its year, month and day ("8112 18-9876", "81 12 18"); the last four are one group;
    /// any dash, dot, slash or space may stand before them, "+" only there (over 100 years old).
    fn is_personal_identity_number(&self, chars: &[Ch], from: usize, to: usize) -> bool {
        let digits = self.digits(chars, from, to);
        let (ten, tail_at, cuts): (&str, usize, &[usize]) = match digits.len() {
            10 => (&digits, 6, &[2, 4, 6]),
            12 if matches!(&digits[..2], "18" | "19" | "20") => (&digits[2..], 8, &[2, 4, 6, 8]),
            _ => return false,
        };
        let mut at = 0;
        for g in from..to {
            at += self.len(g);
            let sep = self.seps[g];
            if sep.paren || !cuts.contains(&at) || (sep.hard == Some('+') && at != tail_at) {
                return false;
            }
        }
        let month: u32 = ten[2..4].parse().unwrap_or(0);
        let mut day: u32 = ten[4..6].parse().unwrap_or(0);
        if day > 60 {
            day -= 60;
        }
        (1..=12).contains(&month) && (1..=31).contains(&day) && luhn_ok(ten)
    }

    /// Swedish numbers: 0 and an area code (not 00), or +46 / 0046 with or without the "(0)";
    /// 8–10 digits in national form (9–10 in Stockholm, 08). Other countries after "+":
    /// 8–15 digits. Not a phone number: clock times, dates and ranges written with a short
    /// first group ("08.30-10", "08/03", "06-12 13-15"), and a mid-run window with an area code
    /// shorter than three digits.
    fn is_phone_number(&self, chars: &[Ch], from: usize, to: usize, plus: bool) -> bool {
        if (from..to).any(|g| self.seps[g].hard == Some('+') && !self.seps[g].plus_prefix) {
            return false;
        }
        let digits = self.digits(chars, from, to);
        let swedish = |rest: &str| if rest.starts_with('0') { rest.to_owned() } else { format!("0{rest}") };
        let national = if plus {
            match digits.strip_prefix("46") {
                Some(rest) => swedish(rest),
                None => return (8..=15).contains(&digits.len()) && !digits.starts_with('0'),
            }
        } else if let Some(rest) = digits.strip_prefix("0046") {
            swedish(rest)
        } else {
            let first = self.len(from);
            // "08.30", "08/03", "06-12 13-15": a time, a date or ranges, not "08-12 34 56 78"
            let short_start = to > from
                && first <= 2
                && self.len(from + 1) <= 2
                && match self.seps[from].hard {
                    Some('.' | '/') => true,
                    Some('-') => (from + 1..to).any(|g| self.seps[g].hard.is_some()),
                    _ => false,
                };
            // Only Stockholm has a two-digit area code: "05 08 12 09 11" are counts.
            let two_digit_area = first == 2 && !digits.starts_with("08");
            if !digits.starts_with('0') || digits.starts_with("00") || first < 2 || two_digit_area || short_start {
                return false;
            }
            if to == from + 1 && first == 4 && self.len(to) == 4 && is_clock(&digits[..4]) && is_clock(&digits[4..]) {
                return false; // "0930-1130"
            }
            if from > 0 && first < 3 {
                return false;
            }
            digits
        };
        let min = if national.starts_with("08") { 9 } else { 8 };
        (min..=10).contains(&national.len())
    }
}

/// "HHMM", a time of day.
fn is_clock(hhmm: &str) -> bool {
    let (h, m): (u32, u32) = (hhmm[..2].parse().unwrap_or(99), hhmm[2..].parse().unwrap_or(99));
    h <= 24 && m < 60
}

/// The Luhn check over the ten digits YYMMDDNNNC.
fn luhn_ok(ten: &str) -> bool {
    let sum: u32 = ten
        .bytes()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 0 {
                let x = d * 2;
                x / 10 + x % 10
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

fn is_local_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '+' | '%')
}

fn is_domain_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '.' | '-')
}

/// E-mail addresses as (from, to) over the normalised text: around every "@" (also
/// "(at)" and "[at]"), the longest local part and domain. Whatever stands before or after
/// stays out: "mailto:", "e-post:", "mejl:", brackets and quotes of every kind.
fn emails(chars: &[Ch]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let Some((at_from, at_to)) = at_sign(chars, i) else {
            i += 1;
            continue;
        };
        let mut from = at_from;
        while from > 0 && is_local_char(chars[from - 1].c) {
            from -= 1;
        }
        while from < at_from && matches!(chars[from].c, '.' | '-' | '+') {
            from += 1;
        }
        // (character, where the text after it starts): "[dot]" is one "."
        let mut domain: Vec<(char, usize)> = Vec::new();
        let mut k = at_to;
        while k < chars.len() {
            if is_domain_char(chars[k].c) {
                k += 1;
                domain.push((chars[k - 1].c, k));
            } else if let Some(len) = spelled_out_spaced(chars, k, "dot") {
                k += len;
                domain.push(('.', k));
            } else {
                break;
            }
        }
        while domain.last().is_some_and(|&(c, _)| matches!(c, '.' | '-')) {
            domain.pop();
        }
        let to = domain.last().map_or(at_to, |&(_, end)| end);
        let domain: String = domain.into_iter().map(|(c, _)| c).collect();
        let labels: Vec<&str> = domain.split('.').collect();
        let tld_ok = labels.last().is_some_and(|t| t.chars().count() >= 2 && t.chars().all(char::is_alphabetic));
        if from < at_from && labels.len() >= 2 && labels.iter().all(|l| !l.is_empty()) && tld_ok {
            out.push((from, to));
            i = to;
        } else {
            i = at_to;
        }
    }
    out
}

/// An at sign at `i`: "@", "(at)", "[at]" or "{at}", with a space on either side or none
/// ("anna @ x.se"). Returns where it starts and where the domain may start.
fn at_sign(chars: &[Ch], i: usize) -> Option<(usize, usize)> {
    let len = if chars[i].c == '@' { 1 } else { spelled_out(chars, i, "at")? };
    let from = if i > 0 && chars[i - 1].c == ' ' { i - 1 } else { i };
    let to = if chars.get(i + len).is_some_and(|c| c.c == ' ') { i + len + 1 } else { i + len };
    Some((from, to))
}

/// "(at)", "[dot]", "{at}" at `i`, in any case: its length.
fn spelled_out(chars: &[Ch], i: usize, word: &str) -> Option<usize> {
    let close = match chars.get(i)?.c {
        '(' => ')',
        '[' => ']',
        '{' => '}',
        _ => return None,
    };
    let len = word.len() + 2;
    let inner = chars.get(i + 1..i + len)?;
    let matches = inner.iter().map(|c| c.c.to_ascii_lowercase()).eq(word.chars().chain([close]));
    matches.then_some(len)
}

/// The same with a space on either side or none: " [dot] ".
fn spelled_out_spaced(chars: &[Ch], i: usize, word: &str) -> Option<usize> {
    let lead = usize::from(chars[i].c == ' ');
    let len = spelled_out(chars, i + lead, word)?;
    let trail = usize::from(chars.get(i + lead + len).is_some_and(|c| c.c == ' '));
    Some(lead + len + trail)
}

#[cfg(test)]
mod tests {
    #[test]
    fn questions_that_ask_who_someone_is_are_refused() {
        for q in [
            "Vad heter den som kom först?",
            "Vem bråkade i dag?",
            "Vilka ungdomar gjorde läxorna?",
            "Var bor du?",
            "Skriv ditt telefonnummer",
            "Vilket personnummer?",
        ] {
            assert!(super::asks_for_personal_data(q).is_some(), "{q}");
        }
        for q in [
            "Hur många gjorde läxorna klart?",
            "Kände du dig trygg i dag?",
            "Vilken aktivitet var populärast?",
            "Hur många barn bor i området?",
            "Hur gick kvällen?",
        ] {
            assert_eq!(super::asks_for_personal_data(q), None, "{q}");
        }
    }

    use super::*;

    fn kinds(text: &str) -> Vec<PersonalDataKind> {
        find_personal_data(text).into_iter().map(|f| f.kind).collect()
    }

    #[test]
    fn valid_personnummer_in_every_form() {
        // 811218-9876 is the Tax Agency's classic example; its check digit is valid.
        for t in ["811218-9876", "8112189876", "19811218-9876", "198112189876", "811218+9876"] {
            assert_eq!(kinds(&format!("Deltagare {t} kom")), [PersonalDataKind::PersonalIdentityNumber], "{t}");
        }
    }

    #[test]
    fn samordningsnummer_counts_too() {
        // born on the 3rd: day 3 + 60 = 63, with its own valid check digit
        assert_eq!(kinds("701063-2391"), [PersonalDataKind::PersonalIdentityNumber]);
    }

    #[test]
    fn wrong_check_digit_or_date_is_not_a_personnummer() {
        assert!(!kinds("811218-9875").contains(&PersonalDataKind::PersonalIdentityNumber));
        assert!(!kinds("811318-9876").contains(&PersonalDataKind::PersonalIdentityNumber), "month 13");
        assert!(!kinds("811200-9876").contains(&PersonalDataKind::PersonalIdentityNumber), "day 0");
        assert!(kinds("Vi var 12 personer, 3 nya, kl 18-21").is_empty());
        assert!(kinds("2024-11-19").is_empty(), "a date");
    }

    #[test]
    fn phone_numbers() {
        for t in ["070-123 45 67", "0701234567", "+46 70 123 45 67", "08-123 456 78", "0046701234567"] {
            assert_eq!(kinds(&format!("ring {t} i morgon")), [PersonalDataKind::PhoneNumber], "{t}");
        }
        assert!(kinds("12 besök, 45 minuter").is_empty());
        assert!(kinds("år 2024").is_empty());
    }

    #[test]
    fn email_addresses() {
        assert_eq!(kinds("mejla anna.svensson@example.se."), [PersonalDataKind::Email]);
        assert!(kinds("träff @ biblioteket").is_empty());
        assert!(kinds("a@b").is_empty());
    }

    /// Issue #19: each of these was published and pulled by another lab.
    #[test]
    fn personnummer_as_people_type_them() {
        for t in [
            "811218.9876",
            "811218/9876",
            "811218 – 9876",
            "811218\u{2011}9876",
            "８１１２１８－９８７６",
            "8112 18-9876",
            "811218 9876",
            "81 12 18-9876",
            "1981-12-18-9876",
            "19811218 – 9876",
            "811218\u{00A0}-\u{00A0}9876",
            "811218\u{2212}9876",
            "pnr:811218-9876",
            "[811218-9876]",
            "pnr8112189876",
        ] {
            assert_eq!(kinds(&format!("Deltagare {t} kom")), [PersonalDataKind::PersonalIdentityNumber], "{t}");
        }
    }

    #[test]
    fn phone_numbers_as_people_type_them() {
        for t in [
            "070/123 45 67",
            "(070) 123 45 67",
            "070 - 123 45 67",
            "070.123.45.67",
            "+46(0)70-123 45 67",
            "+46 (0)70 123 45 67",
            "+46 70-123 45 67",
            "0046 (0)70 123 45 67",
            "070\u{00A0}123\u{00A0}45\u{00A0}67",
            "070\u{202F}123\u{2009}45\u{2009}67",
            "070\u{2011}123 45 67",
            "０７０－１２３ ４５ ６７",
            "08-123 456 78",
            "08-12 34 56 78",
            "031-12 34 56",
            "tel:0701234567",
        ] {
            assert_eq!(kinds(&format!("ring {t} i morgon")), [PersonalDataKind::PhoneNumber], "{t}");
        }
        let f = find_personal_data("Ring (070) 123 45 67 eller +46 (0)70-765 43 21.");
        assert_eq!(f.iter().map(|f| f.text.as_str()).collect::<Vec<_>>(), ["(070) 123 45 67", "+46 (0)70-765 43 21"]);
    }

    #[test]
    fn email_addresses_as_people_type_them() {
        for t in [
            "mailto:a@x.se",
            "e-post:a@x.se",
            "epost: a@x.se",
            "mejl:a@x.se",
            "[a@x.se]",
            "”a@x.se”",
            "«a@x.se»",
            "<a@x.se>",
            "(a@x.se)",
            "'a@x.se'",
            "a\u{FF20}x.se",
            "a (at) x.se",
            "a[at]x.se",
            "a @ x.se",
            "a(at)x(dot)se",
            "a [at] x [dot] se",
        ] {
            assert_eq!(kinds(&format!("Skriv till {t}, tack.")), [PersonalDataKind::Email], "{t}");
        }
        assert_eq!(find_personal_data("mailto:anna.s@example.se")[0].text, "anna.s@example.se");
    }

    #[test]
    fn ordinary_numbers_are_not_personal_data() {
        for t in [
            "2026-03-12",
            "12/3",
            "12.3.2026",
            "08.03.2026",
            "17.00–21.00",
            "kl 08.30-10.00",
            "17:30-19",
            "14 deltagare",
            "3 av 12",
            "1 250 kr",
            "2 500:-",
            "rum 0123",
            "151 38 Södertälje",
            "556677-8899",
            "Org.nr 556677-8899",
            "0-5 6-12 13-15",
            "06-12 13-15 år",
            "08-10 13-15",
            "2026-03-05–2026-04-05",
            "2026-03-12 17.00–21.00",
            "070-123",
            "12 15 17 20 22",
            "år 2024 och 2025",
            "v. 12–14",
            "0930-1130",
            "0800–1200",
            "05 08 12 09 11",
            "01 02 03 04 05",
            "07.30–09.00 09.00–10.30",
            "05/03 06/03 07/03",
            "16 556677-8899",
        ] {
            assert_eq!(kinds(&format!("Anteckning: {t}.")), [], "{t}");
        }
    }

    #[test]
    fn several_findings_in_order() {
        let f = find_personal_data("Lisa 811218-9876, tel 070-123 45 67, lisa@example.se");
        assert_eq!(f.len(), 3);
        assert_eq!(f[0].text, "811218-9876");
        assert_eq!(f[1].text, "070-123 45 67");
    }
}
