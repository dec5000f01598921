//! What the guard reads: the text in Unicode NFKC (full-width digits and the at sign become
//! ASCII, non-breaking and thin spaces become spaces), every dash as "-", every space as " ",
//! zero-width characters and soft hyphens dropped. Each character keeps the bytes of the
//! original it came from, so a finding quotes the text as it was written.

use unicode_normalization::char::canonical_combining_class;
use unicode_normalization::UnicodeNormalization;

/// One character of the normalised text and the original bytes `start..end` it came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Ch {
    pub c: char,
    pub start: usize,
    pub end: usize,
}

/// `text` normalised, one pass: a starter and the combining marks after it are normalised
/// together (NFKC composes only within such a cluster), ASCII skips the tables.
pub(crate) fn normalise(text: &str) -> Vec<Ch> {
    let mut out = Vec::with_capacity(text.len());
    let mut chars = text.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        let mut end = start + c.len_utf8();
        while let Some(&(i, next)) = chars.peek() {
            if canonical_combining_class(next) == 0 {
                break;
            }
            end = i + next.len_utf8();
            chars.next();
        }
        if c.is_ascii() && end == start + 1 {
            if let Some(f) = fold(c) {
                out.push(Ch { c: f, start, end });
            }
            continue;
        }
        for n in text[start..end].nfkc() {
            if let Some(f) = fold(n) {
                out.push(Ch { c: f, start, end });
            }
        }
    }
    out
}

/// The original text of normalised characters `from..to`.
pub(crate) fn original<'a>(text: &'a str, chars: &[Ch], from: usize, to: usize) -> &'a str {
    &text[chars[from].start..chars[to - 1].end]
}

/// After NFKC: one dash, one space, no invisible characters, ASCII digits.
fn fold(c: char) -> Option<char> {
    match c {
        // zero-width space, non-joiner, joiner, word joiner, invisible operators, BOM, soft hyphen,
        // Mongolian vowel separator: people paste them without seeing them
        '\u{200B}'..='\u{200D}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}' | '\u{00AD}' | '\u{180E}' => None,
        // hyphen, non-breaking hyphen, figure dash, en and em dash, horizontal bar, minus sign,
        // hyphen bullet, small and full-width hyphen-minus, small em dash, two- and three-em dash,
        // Armenian hyphen, modifier minus, heavy minus
        '\u{2010}'..='\u{2015}'
        | '\u{2212}'
        | '\u{2043}'
        | '\u{FE58}'
        | '\u{FE63}'
        | '\u{FF0D}'
        | '\u{2E3A}'
        | '\u{2E3B}'
        | '\u{058A}'
        | '\u{02D7}'
        | '\u{2796}' => Some('-'),
        // fraction and division slash
        '\u{2044}' | '\u{2215}' => Some('/'),
        // middle dots used as digit separators
        '\u{00B7}' | '\u{2219}' | '\u{22C5}' | '\u{2027}' => Some('.'),
        // Arabic-Indic and extended (Persian, Urdu) digits, which NFKC leaves alone
        '\u{0660}'..='\u{0669}' => char::from_digit(c as u32 - 0x0660, 10),
        '\u{06F0}'..='\u{06F9}' => char::from_digit(c as u32 - 0x06F0, 10),
        c if c.is_whitespace() => Some(' '),
        c => Some(c),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(s: &str) -> String {
        normalise(s).into_iter().map(|c| c.c).collect()
    }

    #[test]
    fn digits_dashes_and_spaces_become_plain() {
        assert_eq!(norm("８１１２１８－９８７６"), "811218-9876");
        assert_eq!(
            norm("811218\u{2011}9876 811218\u{2013}9876 811218\u{2212}9876"),
            "811218-9876 811218-9876 811218-9876"
        );
        assert_eq!(norm("070\u{00A0}123\u{202F}45\u{2009}67"), "070 123 45 67");
        assert_eq!(norm("070\u{200B}1234567\u{00AD}"), "0701234567");
        assert_eq!(norm("a\u{FF20}x.se a\u{FE6B}x.se"), "a@x.se a@x.se");
        assert_eq!(norm("٠٧٠١٢٣٤٥٦٧"), "0701234567");
    }

    #[test]
    fn every_character_points_back_at_the_original() {
        let text = "Tel: ０７０\u{2011}123";
        let chars = normalise(text);
        let dash = chars.iter().position(|c| c.c == '-').unwrap();
        assert_eq!(original(text, &chars, dash, dash + 1), "\u{2011}");
        assert_eq!(original(text, &chars, 5, chars.len()), "０７０\u{2011}123");
        // a combining mark composes with its letter
        assert_eq!(norm("e\u{0301}"), "é");
    }
}
