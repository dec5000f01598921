//! Words that tell a person from a role, an organisation or a place: common first names in
//! Sweden, surname endings, role and organisation words. Used by the person hints and by the
//! knowledge base's contact field, which must hold a role ("Områdesutvecklare, Telge Bostäder"),
//! never a name.

use super::normalize::normalise;

/// About 250 of the most common first names in Sweden (SCB's lists of names borne, all ages and
/// newborns, and names common among those born abroad), lower case. Left out: names that are
/// also everyday words written with a capital at the start of a sentence ("Bo", "Dag", "Liv",
/// "Stig", "Max", "Tor", "Love", "Sten").
#[rustfmt::skip]
const FIRST_NAMES: &[&str] = &[
    // women
    "agnes", "agneta", "aisha", "alice", "alma", "alva", "amanda", "amelia", "amina", "ann", "anna", "anneli",
    "annika", "anette", "astrid", "ayla", "birgitta", "britt", "camilla", "carina", "cecilia", "dina", "ebba",
    "edith", "elif", "elin", "elisabeth", "ella", "ellen", "elsa", "elvira", "emilia", "emma", "erika", "ester",
    "eva", "fatima", "felicia", "freja", "frida", "gunilla", "hanna", "hawa", "hedda", "helena", "hiba", "ida",
    "inger", "ingrid", "ines", "isabelle", "jenny", "jessica", "johanna", "josefin", "julia", "kajsa", "karin",
    "karolina", "katarina", "kerstin", "klara", "kristina", "leah", "lena", "leyla", "lilly", "lina", "linda",
    "linnea", "lisa", "lotta", "louise", "lova", "madeleine", "maja", "malin", "margareta", "maria", "mariam",
    "marianne", "marie", "maryam", "matilda", "mia", "moa", "monica", "nellie", "nina", "noor", "nora", "nour",
    "olivia", "pernilla", "petra", "rania", "rebecka", "ronja", "saga", "samira", "sandra", "sanna", "sara",
    "selma", "signe", "siri", "sofia", "stella", "stina", "susanne", "thea", "therese", "tilde", "tove", "tyra",
    "ulla", "vera", "veronica", "viktoria", "wilma", "yasmin", "yvonne", "zahra", "zeynep", "åsa",
    // men
    "abdi", "abdullahi", "adam", "ahmad", "ahmed", "albin", "alexander", "alfred", "ali", "amir", "anders",
    "andreas", "anton", "arne", "arvid", "axel", "bengt", "bertil", "björn", "charlie", "christer", "claes",
    "daniel", "david", "edvin", "elias", "elliot", "emil", "emre", "erik", "filip", "folke", "frans",
    "fredrik", "gabriel", "gunnar", "gustav", "göran", "hamza", "hampus", "hans", "harry", "hassan", "henrik",
    "hugo", "hussein", "ibrahim", "ingemar", "isak", "ivar", "jacob", "jakob", "jan", "joakim", "johan",
    "jonas", "jonathan", "karim", "karl", "kent", "kerem", "kevin", "khalid", "kim", "kjell", "lars", "leif",
    "lennart", "leo", "liam", "linus", "loke", "lucas", "ludvig", "magnus", "mahmoud", "malte", "markus",
    "martin", "mats", "mattias", "mehmet", "melvin", "mikael", "mohamed", "mohammad", "mohammed", "muhammad",
    "mustafa", "niklas", "nils", "noah", "ola", "olle", "olof", "oliver", "omar", "oskar", "otto", "patrik",
    "per", "peter", "pontus", "rasmus", "rickard", "robert", "roger", "rolf", "rune", "samir", "sebastian",
    "sigge", "simon", "sixten", "stefan", "sven", "theo", "thomas", "tobias", "tomas", "tommy", "ulf", "vidar",
    "viggo", "viktor", "vincent", "wilhelm", "william", "youssef", "yusuf", "åke",
];

/// Endings that make a word a surname on its own: Karlsson, Lindström, Bergqvist, Sjögren.
const SURNAME_ENDINGS: &[&str] = &["sson", "son", "ström", "qvist", "kvist", "quist", "gren", "blad", "stedt"];
/// Endings of surnames that are also place names (Rosenlund, Solberg): a surname only after a name.
const WEAK_SURNAME_ENDINGS: &[&str] = &["berg", "lund", "holm", "dahl", "lind", "strand", "sjö", "bäck"];

/// Endings of role words: fritidsledare, områdesutvecklare, bovärd, trygghetssamordnare.
#[rustfmt::skip]
const ROLE_ENDINGS: &[&str] = &[
    "ledare", "utvecklare", "ordnare", "chef", "värd", "ansvarig", "sekreterare", "handläggare", "koordinator",
    "pedagog", "arbetare", "assistent", "strateg", "kurator", "konsulent", "bibliotekarie", "lärare", "rektor",
    "ordförande", "präst", "diakon", "herde", "polis", "vakt", "tekniker", "coach", "mentor", "kontakt",
    "förvaltare", "direktör", "rådgivare", "inspektör", "medarbetare", "personal", "ombud", "representant",
    "volontär", "expedition", "reception", "receptionen", "kansli", "kansliet", "växel", "växeln", "kundtjänst",
    "person", "funktion", "team", "teamet",
];

/// Endings of organisation and place words: Telge Bostäder, Mitthem, Ellen Keyskolan, Lina Hage
/// mötesplats, Gustav Adolfs församling, Olof Palmes plats.
#[rustfmt::skip]
const PLACE_ENDINGS: &[&str] = &[
    "bostäder", "bostad", "hem", "byggen", "gårdarna", "gården", "gård", "skolan", "skola", "kyrkan", "kyrka",
    "kommun", "kommunen", "församling", "församlingen", "bibliotek", "biblioteket", "huset", "hus", "centrum",
    "stiftelsen", "stiftelse", "föreningen", "förening", "fastigheter", "torget", "torg", "gatan", "vägen",
    "parken", "park", "hallen", "hall", "mötesplats", "mötesplatsen", "träffpunkt", "träffpunkten", "korset",
    "staden", "stad", "region", "regionen", "polisen", "förbund", "förbundet", "akademi", "akademin",
    "gymnasiet", "gymnasium", "verket", "nämnden", "förvaltning", "förvaltningen", "fonden", "rådet",
    "gruppen", "lab", "labbet", "projekt", "projektet", "kontoret", "plats", "platsen", "bo",
];

/// Words before a place name that look like a first name's capital: "Norra Solberg".
const DIRECTIONS: &[&str] = &["norra", "södra", "östra", "västra", "övre", "nedre", "stora", "lilla", "gamla", "nya"];

/// Short words between a name and what follows it.
const LINKS: &[&str] = &["på", "i", "vid", "hos", "från", "för", "inom", "och", "eller", "samt"];

fn ends_with_any(word: &str, endings: &[&str]) -> bool {
    endings.iter().any(|e| (word.len() > e.len() && word.ends_with(e)) || word == *e)
}

/// A common first name, also as part of a double name ("Anna-Karin", "Per-Erik").
pub(crate) fn is_first_name(lower: &str) -> bool {
    lower.split('-').any(|part| FIRST_NAMES.contains(&part))
}

/// A surname by its ending alone (Karlsson, Lindström), not a word like "kontaktperson".
pub(crate) fn is_surname(lower: &str) -> bool {
    lower.chars().count() >= 5 && ends_with_any(lower, SURNAME_ENDINGS) && !is_role(lower) && !is_place(lower)
}

/// A surname that may also be a place (Solberg, Rosenlund): taken as one only after a name.
pub(crate) fn is_weak_surname(lower: &str) -> bool {
    is_surname(lower) || (lower.chars().count() >= 4 && ends_with_any(lower, WEAK_SURNAME_ENDINGS))
}

pub(crate) fn is_role(lower: &str) -> bool {
    ends_with_any(lower, ROLE_ENDINGS)
}

pub(crate) fn is_place(lower: &str) -> bool {
    ends_with_any(lower, PLACE_ENDINGS)
}

/// Capitalised like a name: "Anna", "Anna-Karin", "S." (an initial); not "AB" or "ABF".
pub(crate) fn is_capitalised(word: &str) -> bool {
    let mut chars = word.chars();
    let Some(first) = chars.next() else { return false };
    let rest: Vec<char> = chars.collect();
    first.is_uppercase()
        && rest.iter().all(|c| c.is_alphabetic() || matches!(c, '-' | '.' | '\''))
        && (rest.iter().any(|c| c.is_lowercase()) || rest.iter().all(|c| !c.is_alphabetic()))
}

/// The person's name in a contact field that must hold a role, if it holds one: a common first
/// name ("Anna", "Fritidsledare Anna", "Anna S.", "Anna Svensson, fritidsledare") or a surname
/// ("Områdesutvecklare Karlsson"). Not a place or organisation named after a person, which a
/// place word follows or ends: "Lina Hage mötesplats", "Gustav Adolfs församling", "Ellen Keyskolan".
pub fn personal_name_in_role(text: &str) -> Option<String> {
    let norm: String = normalise(text).into_iter().map(|c| c.c).collect();
    let separators = |c: char| matches!(c, ',' | ';' | '/' | '(' | ')' | '|' | ':' | '&' | '+' | '"' | '”' | '“');
    for part in norm.split(separators) {
        let words: Vec<&str> = part
            .split_whitespace()
            .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric() && c != '.'))
            .map(|w| if w.len() > 2 { w.trim_end_matches('.') } else { w })
            .filter(|w| !w.is_empty())
            .collect();
        let lower: Vec<String> = words.iter().map(|w| w.to_lowercase()).collect();
        for k in 0..words.len() {
            if !is_capitalised(words[k]) || LINKS.contains(&lower[k].as_str()) {
                continue;
            }
            let first = is_first_name(&lower[k]);
            if !first && !is_surname(&lower[k]) {
                continue;
            }
            let mut m = k + 1;
            while m < words.len()
                && m - k < 4
                && is_capitalised(words[m])
                && !is_place(&lower[m])
                && !is_role(&lower[m])
                && !LINKS.contains(&lower[m].as_str())
            {
                m += 1;
            }
            // A place named after someone: the next word is a place word.
            if m < words.len() && is_place(&lower[m]) {
                continue;
            }
            // "Zlatan Lindström": an unlisted first name before a surname.
            let from =
                if !first && k > 0 && is_capitalised(words[k - 1]) && !is_role(&lower[k - 1]) { k - 1 } else { k };
            return Some(words[from..m].join(" "));
        }
        // "Områdesutvecklare Per-Ola Solberg" without a listed first name: two capitalised
        // words of which the second ends like a surname, neither a role nor a place.
        for k in 1..words.len() {
            let pair = [k - 1, k];
            if pair.iter().all(|&i| is_capitalised(words[i]) && !is_role(&lower[i]) && !is_place(&lower[i]))
                && !DIRECTIONS.contains(&lower[k - 1].as_str())
                && is_weak_surname(&lower[k])
                && words.get(k + 1).is_none_or(|w| !is_place(&w.to_lowercase()))
            {
                return Some(format!("{} {}", words[k - 1], words[k]));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_name_list_is_lower_case_and_without_everyday_words() {
        assert!(FIRST_NAMES.len() >= 200, "{}", FIRST_NAMES.len());
        for n in FIRST_NAMES {
            assert_eq!(n.to_lowercase(), *n);
        }
        for word in ["bo", "dag", "liv", "stig", "max", "tor", "love", "sten"] {
            assert!(!is_first_name(word), "{word}");
        }
    }

    #[test]
    fn roles_pass() {
        for role in [
            "Verksamhetsledare, Portalen",
            "Områdeschef, Örebrobostäder",
            "Områdesutvecklare, Bodenbo",
            "Fritidsledare, Lina Hage mötesplats",
            "Bibliotekarie, Rannebergens bibliotek",
            "Uthyrningschef, Botkyrkabyggen",
            "Samordnare, Samverkan i Boden",
            "Områdesutvecklare, Gavlegårdarna",
            "Bovärd, Mitthem",
            "Områdesutvecklare, Telge Bostäder",
            "Trygghetssamordnare, Vårt Rannebergen",
            "Områdesvärd, Vårt Rannebergen",
            "Kyrkoherde, Gustav Adolfs församling",
            "Rektor på Ellen Keyskolan",
            "Kontaktperson för läxhjälpen, Stena Fastigheter",
            "Fritidsgården Olof Palmes plats",
            "Trygghetsvärd, Rosenlund",
            "Trygghetsvärd, Norra Solberg",
            "Receptionen, Svenska Bostäder AB",
            "",
        ] {
            assert_eq!(personal_name_in_role(role), None, "{role}");
        }
    }

    #[test]
    fn names_are_refused() {
        for (text, name) in [
            ("Anna Svensson", "Anna Svensson"),
            ("Fritidsledare Anna", "Anna"),
            ("Anna Svensson, fritidsledare", "Anna Svensson"),
            ("Områdesutvecklare Karlsson, Telge Bostäder", "Karlsson"),
            ("Fråga efter Mohammed på Lina Hage", "Mohammed"),
            ("Anna-Karin L.", "Anna-Karin L."),
            ("Områdesvärd Zlatan Lindström", "Zlatan Lindström"),
            ("Bovärd, Jovan Solberg", "Jovan Solberg"),
            ("Bovärd Per-Ola Solberg", "Per-Ola Solberg"),
            ("fritidsledare Ｌｉｓａ Ｌｉｎｄ", "Lisa Lind"),
        ] {
            assert_eq!(personal_name_in_role(text).as_deref(), Some(name), "{text}");
        }
    }
}
