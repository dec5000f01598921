//! Softer than the guard: what may name a person, a name next to an age ("Lisa Andersson (14)",
//! "Ali, 15 år") or a street address with a number ("Storgatan 3B", "Kyrkvägen 12"). The app
//! asks whether it is right and saves either way; nothing is refused.

use super::names::{is_capitalised, is_first_name, is_place, is_role, is_surname, is_weak_surname};
use super::normalize::{normalise, original, Ch};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HintKind {
    NameWithAge,
    StreetAddress,
}

impl HintKind {
    pub fn label_sv(self) -> &'static str {
        match self {
            HintKind::NameWithAge => "ett namn med ålder",
            HintKind::StreetAddress => "en gatuadress",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            HintKind::NameWithAge => "a name with an age",
            HintKind::StreetAddress => "a street address",
        }
    }
}

/// Something that may name a person; `text` as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hint {
    pub kind: HintKind,
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Word,
    Number,
    Mark(char),
}

/// A word, a number or a punctuation mark of the normalised text, chars `from..to`.
#[derive(Debug, Clone)]
struct Token {
    kind: Kind,
    from: usize,
    to: usize,
    text: String,
    space_before: bool,
}

impl Token {
    fn is(&self, mark: char) -> bool {
        self.kind == Kind::Mark(mark)
    }

    fn number(&self) -> Option<u32> {
        (self.kind == Kind::Number && self.text.len() <= 3).then(|| self.text.parse().ok()).flatten()
    }

    fn word(&self) -> Option<&str> {
        (self.kind == Kind::Word).then_some(self.text.as_str())
    }
}

/// Words (letters, with inner hyphens: "Anna-Karin"), numbers (ASCII digits) and marks.
fn tokens(chars: &[Ch]) -> Vec<Token> {
    let mut out = Vec::new();
    let mut i = 0;
    let mut space = false;
    while i < chars.len() {
        let c = chars[i].c;
        if c == ' ' {
            space = true;
            i += 1;
            continue;
        }
        let from = i;
        let kind = if c.is_alphabetic() {
            i += 1;
            while i < chars.len()
                && (chars[i].c.is_alphabetic()
                    || (chars[i].c == '-' && chars.get(i + 1).is_some_and(|n| n.c.is_alphabetic())))
            {
                i += 1;
            }
            Kind::Word
        } else if c.is_ascii_digit() {
            while i < chars.len() && chars[i].c.is_ascii_digit() {
                i += 1;
            }
            Kind::Number
        } else {
            i += 1;
            Kind::Mark(c)
        };
        out.push(Token { kind, from, to: i, text: chars[from..i].iter().map(|c| c.c).collect(), space_before: space });
        space = false;
    }
    out
}

/// What follows a number when it counts something rather than a house on a street.
#[rustfmt::skip]
const UNITS: &[&str] = &[
    "år", "st", "stycken", "min", "minuter", "h", "tim", "timmar", "timme", "km", "m", "meter", "kr", "kronor",
    "sek", "personer", "pers", "deltagare", "barn", "ungdomar", "vuxna", "gånger", "ggr", "besök", "dagar",
    "veckor", "månader", "procent", "grader", "nya", "av", "tjejer", "killar", "kvinnor", "män", "familjer",
    "platser", "lag", "grupper", "varv", "steg", "besökare", "elever", "föräldrar", "pass", "till",
];

/// Street words, capitalised or not: Storgatan, Kyrkvägen, Hagagränd, Stortorget, Lindallén, Kvarnbacken,
/// Ekstigen. Not "plan" or "platsen": våningsplan 2, parkeringsplatsen 3.
#[rustfmt::skip]
const STREET_ENDINGS: &[&str] = &[
    "gatan", "gata", "vägen", "väg", "gränd", "gränden", "torget", "allén", "allé", "backe", "backen", "stigen",
    "leden", "gången", "stråket", "slingan", "promenaden", "esplanaden", "kajen", "torg",
];

fn is_street(word: &str) -> bool {
    let lower = word.to_lowercase();
    STREET_ENDINGS.iter().any(|e| lower.ends_with(e) && lower.chars().count() >= e.chars().count() + 2)
}

/// Everything in `text` that may name a person or where they live, in order of appearance.
pub fn find_person_hints(text: &str) -> Vec<Hint> {
    let chars = normalise(text);
    let toks = tokens(&chars);
    let mut found = Vec::new();
    let mut t = 0;
    while t < toks.len() {
        if let Some((from, to)) = name_with_age(&toks, t) {
            found.push(Hint { kind: HintKind::NameWithAge, text: original(text, &chars, from, to).to_owned() });
        } else if let Some((from, to)) = street_address(&toks, t) {
            found.push(Hint { kind: HintKind::StreetAddress, text: original(text, &chars, from, to).to_owned() });
        }
        t += 1;
    }
    found
}

/// An age at token `t` ("(14)", "(14 år)", "14 år") right after a name, optionally with a comma:
/// "Lisa Andersson (14)", "Ali, 15 år". The name is a listed first name, or two capitalised words
/// of which the first is a listed first name or the second ends like a surname.
fn name_with_age(toks: &[Token], t: usize) -> Option<(usize, usize)> {
    let age_end = if toks[t].is('(') {
        let n = toks.get(t + 1)?;
        let mut close = t + 2;
        if toks.get(close).and_then(Token::word) == Some("år") {
            close += 1;
        }
        (n.number().is_some_and(|a| (1..=110).contains(&a)) && toks.get(close)?.is(')')).then_some(close)?
    } else {
        let n = toks[t].number()?;
        let after = toks.get(t + 1)?;
        ((1..=110).contains(&n) && after.word() == Some("år") && after.space_before).then_some(t + 1)?
    };
    let mut k = t;
    if k > 0 && toks[k - 1].is(',') {
        k -= 1;
    }
    let last = toks.get(k.checked_sub(1)?)?;
    let last_word = last.word().filter(|w| is_capitalised(w))?;
    let last_lower = last_word.to_lowercase();
    if is_role(&last_lower) || is_place(&last_lower) {
        return None;
    }
    let before = k.checked_sub(2).and_then(|i| toks.get(i)).filter(|_| last.space_before);
    if let Some(first) = before.and_then(|b| b.word().filter(|w| is_capitalised(w)).map(|_| b)) {
        let first_lower = first.text.to_lowercase();
        if is_first_name(&first_lower)
            || is_surname(&last_lower)
            || (is_weak_surname(&last_lower) && !is_place(&first_lower))
        {
            return Some((first.from, toks[age_end].to));
        }
    }
    is_first_name(&last_lower).then(|| (last.from, toks[age_end].to))
}

/// A street word and a house number at token `t`: "Storgatan 3B", "Kyrkvägen 12", not
/// "Kungsgatan 2 timmar" or "Stortorget 3 gånger".
fn street_address(toks: &[Token], t: usize) -> Option<(usize, usize)> {
    toks[t].word().filter(|w| is_street(w))?;
    let n = toks.get(t + 1).filter(|n| n.space_before)?;
    if !n.number().is_some_and(|n| (1..=999).contains(&n)) {
        return None;
    }
    let mut end = t + 1;
    // a letter: "3B", "3 B"
    if let Some(letter) = toks.get(t + 2).and_then(Token::word) {
        let one = letter.chars().count() == 1 && letter.chars().all(|c| ('A'..='H').contains(&c.to_ascii_uppercase()));
        if one && (!toks[t + 2].space_before || letter.chars().all(char::is_uppercase)) {
            end = t + 2;
        }
    }
    if let Some(next) = toks.get(end + 1) {
        if next.word().is_some_and(|w| UNITS.contains(&w.to_lowercase().as_str())) || next.is('%') {
            return None;
        }
        // a time or a decimal: "Storgatan 12.30", "2,5"
        if matches!(next.kind, Kind::Mark('.' | ':' | ','))
            && !next.space_before
            && toks.get(end + 2).is_some_and(|d| d.kind == Kind::Number && !d.space_before)
        {
            return None;
        }
    }
    Some((toks[t].from, toks[end].to))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hints(text: &str) -> Vec<(HintKind, String)> {
        find_person_hints(text).into_iter().map(|h| (h.kind, h.text)).collect()
    }

    #[test]
    fn a_name_next_to_an_age() {
        for (text, name) in [
            ("Idag kom Lisa Andersson (14) för första gången.", "Lisa Andersson (14)"),
            ("Idag kom Lisa Andersson 14 år för första gången.", "Lisa Andersson 14 år"),
            ("Ali, 15 år, ville prata om jobb.", "Ali, 15 år"),
            ("Vi pratade med Zeynep Karlsson (16 år).", "Zeynep Karlsson (16 år)"),
            ("Ｅｍｍａ\u{00A0}Ｌｉｎｄ\u{00A0}(１２) var med.", "Ｅｍｍａ\u{00A0}Ｌｉｎｄ\u{00A0}(１２)"),
        ] {
            assert_eq!(hints(text), [(HintKind::NameWithAge, name.to_owned())], "{text}");
        }
    }

    #[test]
    fn a_street_address() {
        for (text, address) in [
            ("Träffen flyttar till Storgatan 3B.", "Storgatan 3B"),
            ("Hon bor på Kyrkvägen 12, lgh 1101.", "Kyrkvägen 12"),
            ("Samling vid Hagagränd 4", "Hagagränd 4"),
            ("Lokalen på Stortorget 2 är bokad.", "Stortorget 2"),
            ("Ring på hos Lindallén 7 C.", "Lindallén 7 C"),
        ] {
            assert_eq!(hints(text), [(HintKind::StreetAddress, address.to_owned())], "{text}");
        }
    }

    #[test]
    fn ordinary_notes_give_no_hint() {
        for text in [
            "Ungdomar 13-15 år, 14 deltagare.",
            "Barn 6 år och uppåt.",
            "Vi gick längs Kungsgatan 2 timmar och plockade skräp.",
            "Röda Korset (3), Svenska kyrkan (2) och Fritidsgården (5) var med.",
            "Lokalen Lina Hage mötesplats har funnits i 10 år.",
            "Vi var på torget 2 gånger.",
            "Max 15 år för att få vara med.",
            "Fotbollen (12) och pingisen (4) lockade flest.",
            "Tjejgruppen (14) träffas på tisdagar.",
            "Kl 17.00–21.00 på Storgatan, 151 38 Södertälje.",
            "Vi höll till på våningsplan 2 och parkeringsplatsen 3 var avstängd.",
        ] {
            assert_eq!(hints(text), [], "{text}");
        }
    }
}
