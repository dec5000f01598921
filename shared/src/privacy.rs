//! The personal-data guard: free text is where names and numbers leak in.
//! Before saving, the app warns when a text holds something that looks like
//! a Swedish personal identity number (personnummer or samordningsnummer,
//! with a valid check digit), a phone number or an e-mail address.

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

/// Everything in `text` that looks like personal data, in order of appearance.
pub fn find_personal_data(text: &str) -> Vec<Finding> {
    let mut found = Vec::new();
    for run in number_runs(text) {
        let digits: String = run.chars().filter(char::is_ascii_digit).collect();
        if is_personal_identity_number(&run, &digits) {
            found.push(Finding { kind: PersonalDataKind::PersonalIdentityNumber, text: run });
        } else if is_phone_number(&run, &digits) {
            found.push(Finding { kind: PersonalDataKind::PhoneNumber, text: run });
        }
    }
    for word in text.split(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '(' | ')' | '<' | '>' | '"' | '\'')) {
        let word = word.trim_end_matches(['.', ':', '!', '?']);
        if is_email(word) {
            found.push(Finding { kind: PersonalDataKind::Email, text: word.to_owned() });
        }
    }
    found
}

/// Maximal runs of digits joined by single spaces, hyphens or a plus sign
/// (with a leading "+" kept), e.g. "070-123 45 67", "+46 70 123 45 67", "850709-9805".
fn number_runs(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut runs = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let starts_plus = chars[i] == '+' && chars.get(i + 1).is_some_and(char::is_ascii_digit);
        if !(chars[i].is_ascii_digit() || starts_plus) || (i > 0 && chars[i - 1].is_alphanumeric()) {
            i += 1;
            continue;
        }
        let start = i;
        i += 1;
        while i < chars.len() {
            if chars[i].is_ascii_digit() {
                i += 1;
            } else if matches!(chars[i], ' ' | '-' | '+') && chars.get(i + 1).is_some_and(char::is_ascii_digit) {
                i += 2;
            } else {
                break;
            }
        }
        if chars.get(i).is_some_and(|c| c.is_alphabetic()) {
            continue; // part of a word such as "3st" or a code
        }
        runs.push(chars[start..i].iter().collect::<String>().trim().to_owned());
    }
    runs
}

/// YYMMDD-NNNC, YYMMDD+NNNC, YYYYMMDD-NNNC or the same without separator,
/// with a real date (day + 60 for a samordningsnummer) and a Luhn check digit.
fn is_personal_identity_number(run: &str, digits: &str) -> bool {
    let sep_ok = {
        let parts: Vec<&str> = run.split(['-', '+']).collect();
        match parts.as_slice() {
            [one] => !one.contains(' '),
            [date, tail] => (date.len() == 6 || date.len() == 8) && tail.len() == 4,
            _ => false,
        }
    };
    if !sep_ok {
        return false;
    }
    let ten = match digits.len() {
        10 => digits,
        12 => &digits[2..],
        _ => return false,
    };
    let month: u32 = ten[2..4].parse().unwrap_or(0);
    let mut day: u32 = ten[4..6].parse().unwrap_or(0);
    if day > 60 {
        day -= 60;
    }
    (1..=12).contains(&month) && (1..=31).contains(&day) && luhn_ok(ten)
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

/// Swedish numbers start with 0 (not 00) or +46/0046; 8–12 digits after that prefix form.
fn is_phone_number(run: &str, digits: &str) -> bool {
    let national = if let Some(rest) = run.strip_prefix("+46") {
        format!("0{}", rest.chars().filter(char::is_ascii_digit).collect::<String>())
    } else if let Some(rest) = digits.strip_prefix("0046") {
        format!("0{rest}")
    } else if digits.starts_with('0') && !digits.starts_with("00") {
        digits.to_owned()
    } else {
        return false;
    };
    (8..=11).contains(&national.len())
}

fn is_email(word: &str) -> bool {
    let Some((local, domain)) = word.split_once('@') else { return false };
    let valid_chars = |s: &str, extra: &[char]| s.chars().all(|c| c.is_alphanumeric() || extra.contains(&c));
    !local.is_empty()
        && valid_chars(local, &['.', '_', '-', '+'])
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && valid_chars(domain, &['.', '-'])
}

#[cfg(test)]
mod tests {
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

    #[test]
    fn several_findings_in_order() {
        let f = find_personal_data("Lisa 811218-9876, tel 070-123 45 67, lisa@example.se");
        assert_eq!(f.len(), 3);
        assert_eq!(f[0].text, "811218-9876");
        assert_eq!(f[1].text, "070-123 45 67");
    }
}
