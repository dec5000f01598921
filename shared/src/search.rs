//! Full-text search of the knowledge base, Swedish-aware and pure, so the
//! app searches its synced copy offline with the same code the tests check.
//!
//! - Words are lower-cased and stemmed with the Snowball Swedish algorithm
//!   (the reference implementation, from the `rust-stemmers` crate), so "ungdomar",
//!   "ungdomarna" and "ungdom" meet at "ungdom".
//! - Stems are then folded (å, ä → a, ö → o, é → e …) so a query typed
//!   without diacritics ("motesplats") still matches.
//! - Snowball strips "-s" after some consonants ("mötesplats" → "mötesplat")
//!   but not from "mötesplatser" → "mötesplats", and "samverkan" keeps its
//!   "-an" while "samverkar" → "samverk"; so a stem also matches a word whose
//!   stem it begins (weaker), or which begins it with at most two letters
//!   left over (weaker still). Parts of compounds ("läxhjälp" in
//!   "läxhjälpsgrupp") match as substrings of at least five letters.
//! - Fields weigh differently: title 3, tags (focus areas, target groups,
//!   success factors, organisation, place) 2, body text 1. Every query word
//!   must match somewhere; the score is the sum of each word's best match.

/// How much a match counts, by the field it is in.
pub const TITLE_WEIGHT: f64 = 3.0;
pub const TAG_WEIGHT: f64 = 2.0;
pub const BODY_WEIGHT: f64 = 1.0;

/// Words too common to tell documents apart.
const STOP_WORDS: &[&str] = &[
    "och", "i", "att", "det", "som", "en", "ett", "på", "är", "för", "med", "av", "till", "den", "om", "de", "har",
    "inte", "var", "vi", "så", "men", "kan", "från", "eller", "när", "hur", "vad", "sig", "man", "oss", "alla", "the",
    "of", "and", "to", "in", "a", "an",
];

/// The Snowball Swedish stem of a lower-case word (the Snowball project's reference algorithm,
/// through `rust-stemmers`).
pub fn stem_sv(word: &str) -> String {
    // Only a function pointer: creating it costs nothing.
    rust_stemmers::Stemmer::create(rust_stemmers::Algorithm::Swedish).stem(word).into_owned()
}

/// Letters without diacritics: å, ä, à, á → a; ö, ø, ó → o; é, è, ë → e; ü → u.
pub fn fold(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'å' | 'ä' | 'à' | 'á' | 'â' | 'ã' => 'a',
            'ö' | 'ø' | 'ó' | 'ò' | 'ô' | 'õ' => 'o',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'ü' | 'ú' | 'ù' | 'û' => 'u',
            'í' | 'ì' | 'ï' | 'î' => 'i',
            'ç' => 'c',
            'ñ' => 'n',
            c => c,
        })
        .collect()
}

/// One word of a text or query: its stem as written and folded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    pub stem: String,
    pub folded: String,
    /// The whole word, folded: for parts of compounds.
    pub word: String,
}

/// The searchable words of a text, stop words left out.
pub fn terms(text: &str) -> Vec<Term> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .filter(|w| !STOP_WORDS.contains(&w.as_str()))
        .map(|w| {
            let stem = stem_sv(&w);
            Term { folded: fold(&stem), stem, word: fold(&w) }
        })
        .collect()
}

/// How well one query term matches one document term, 0 to 1.
fn match_strength(q: &Term, d: &Term) -> f64 {
    if q.stem == d.stem {
        return 1.0;
    }
    if q.folded == d.folded {
        return 0.9;
    }
    let (qf, df) = (&q.folded, &d.folded);
    // Snowball drops a final "-s" from "mötesplats" but not from the stem
    // of "mötesplatser": the same word.
    if qf.strip_suffix('s') == Some(df.as_str()) || df.strip_suffix('s') == Some(qf.as_str()) {
        return 0.85;
    }
    let (ql, dl) = (qf.chars().count(), df.chars().count());
    if ql >= 3 && df.starts_with(qf.as_str()) {
        // A prefix: "mötesplat" in "mötesplats", or a word being typed.
        return 0.7;
    }
    if dl >= 4 && qf.starts_with(df.as_str()) && ql - dl <= 2 {
        // "samverkan" against "samverk" (samverkar).
        return 0.6;
    }
    if q.word.chars().count() >= 5 && d.word.contains(q.word.as_str()) {
        // A part of a compound word.
        return 0.4;
    }
    0.0
}

/// A document prepared for searching: its terms per field weight.
#[derive(Debug, Clone, Default)]
pub struct Indexed {
    fields: Vec<(f64, Vec<Term>)>,
}

impl Indexed {
    /// A document from its title, its tags and its body texts.
    pub fn new(title: &str, tags: &[&str], body: &[&str]) -> Self {
        let mut fields = vec![(TITLE_WEIGHT, terms(title))];
        fields.push((TAG_WEIGHT, tags.iter().flat_map(|t| terms(t)).collect()));
        fields.push((BODY_WEIGHT, body.iter().flat_map(|t| terms(t)).collect()));
        Indexed { fields }
    }

    /// The document's score for `query` (already split into terms), `None`
    /// if a query word matches nowhere. An empty query matches with score 0.
    pub fn score(&self, query: &[Term]) -> Option<f64> {
        let mut total = 0.0;
        for q in query {
            let mut best = 0.0f64;
            let mut hits = 0usize;
            for (weight, terms) in &self.fields {
                for d in terms {
                    let s = match_strength(q, d) * weight;
                    if s > 0.0 {
                        hits += 1;
                        best = best.max(s);
                    }
                }
            }
            if best == 0.0 {
                return None;
            }
            // Repeated mentions add a little, with diminishing returns.
            total += best + 0.1 * (hits as f64).ln();
        }
        Some(total)
    }
}

/// Indices of `docs` matching `query`, best first (ties keep their order).
pub fn rank(docs: &[Indexed], query: &str) -> Vec<(usize, f64)> {
    let q = terms(query);
    let mut hits: Vec<(usize, f64)> =
        docs.iter().enumerate().filter_map(|(i, d)| d.score(&q).map(|s| (i, s))).collect();
    hits.sort_by(|a, b| b.1.partial_cmp(&a.1).unwrap_or(std::cmp::Ordering::Equal).then(a.0.cmp(&b.0)));
    hits
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snowball_swedish_stems() {
        // Pairs from the Snowball Swedish test vocabulary and the domain.
        for (word, stem) in [
            ("mötesplatser", "mötesplats"),
            ("mötesplatsen", "mötesplats"),
            ("mötesplatserna", "mötesplats"),
            ("mötesplats", "mötesplat"),
            ("ungdom", "ungdom"),
            ("ungdomar", "ungdom"),
            ("ungdomarna", "ungdom"),
            ("samverkar", "samverk"),
            ("samverkan", "samverkan"),
            ("klokheten", "klok"),
            ("kvinnorna", "kvinn"),
            ("läxhjälpen", "läxhjälp"),
            ("föreningar", "förening"),
            ("trygghet", "trygg"),
            ("jakt", "jakt"),
            ("fullt", "fullt"),
        ] {
            assert_eq!(stem_sv(word), stem, "{word}");
        }
    }

    #[test]
    fn folding() {
        assert_eq!(fold("mötesplats för äldre på Åby, café"), "motesplats for aldre pa Aby, cafe".replace('A', "Å"));
        assert_eq!(fold("ÄÖ"), "ÄÖ", "folding runs on lower-cased words only");
    }

    fn docs() -> Vec<Indexed> {
        vec![
            // 0: the word in the title
            Indexed::new(
                "Mötesplatser för unga",
                &["Bekämpa brottsligheten", "Ungdomar"],
                &["Öppet två kvällar i veckan."],
            ),
            // 1: only in the body
            Indexed::new(
                "Läxhjälp i tvättstugan",
                &["Lyfta skolorna"],
                &["Eleverna kom till mötesplatsen efter skolan."],
            ),
            // 2: not at all
            Indexed::new(
                "Jobbspår med Arbetsförmedlingen",
                &["Minska långtidsarbetslösheten"],
                &["Kvinnor i egen försörjning."],
            ),
            // 3: samverkan
            Indexed::new(
                "Samverkan med kyrkan",
                &["Stärka samhällsservicen"],
                &["Kommunen och Röda korset samverkar."],
            ),
        ]
    }

    fn ids(query: &str) -> Vec<usize> {
        rank(&docs(), query).into_iter().map(|(i, _)| i).collect()
    }

    #[test]
    fn inflections_find_each_other_and_title_outranks_body() {
        for q in ["mötesplats", "mötesplatser", "mötesplatsen", "Mötesplatserna", "motesplats", "MOTESPLATSER"] {
            assert_eq!(ids(q), [0, 1], "{q}");
        }
        for q in ["ungdom", "ungdomar", "ungdomarna", "ungdomarnas"] {
            assert_eq!(ids(q), [0], "{q}");
        }
        for q in ["samverkan", "samverkar", "samverka"] {
            assert_eq!(ids(q), [3], "{q}");
        }
        assert_eq!(ids("kvinnorna"), [2]);
        assert_eq!(ids("arbetsformedlingen"), [2]);
        assert_eq!(ids("brottslighet"), [0]);
    }

    #[test]
    fn every_word_must_match_and_stop_words_are_ignored() {
        assert_eq!(ids("läxhjälp skolan"), [1]);
        assert_eq!(ids("läxhjälp och kyrkan"), Vec::<usize>::new());
        assert_eq!(ids("mötesplats för unga"), [0]);
        assert_eq!(ids(""), [0, 1, 2, 3], "an empty query lists everything in order");
    }

    #[test]
    fn prefixes_and_compound_parts() {
        assert_eq!(ids("möte"), [0, 1], "typing the start of a word");
        assert_eq!(ids("hjälp"), [1], "a part of a compound");
        assert_eq!(ids("plats"), [0, 1], "a part of a compound");
        assert_eq!(ids("kväll"), [0]);
        assert_eq!(ids("tvät"), [1], "the start of a word");
        assert_eq!(ids("tvättstuga"), [1]);
        assert_eq!(ids("samhällsservice"), [3]);
    }
}
