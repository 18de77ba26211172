//! Words with their byte offsets, as the tagger sees them: runs of letters
//! and digits, joined across inner hyphens and apostrophes ("al-Yasseri",
//! "O'Brien") and dotted initials ("U.S."); a possessive "'s" is its own
//! token, so "Iraq's" tags as "Iraq"; any other character is a token alone.

/// One token: `text[start..end]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    /// Byte offset of the first byte.
    pub start: usize,
    /// Byte offset after the last byte.
    pub end: usize,
}

impl Token {
    /// The token's text in `text`.
    pub fn of<'a>(&self, text: &'a str) -> &'a str {
        &text[self.start..self.end]
    }
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric()
}

fn is_joiner(c: char) -> bool {
    matches!(c, '-' | '\'' | '\u{2019}' | '&')
}

/// Split `text` into tokens.
pub fn tokenize(text: &str) -> Vec<Token> {
    let mut tokens = Vec::with_capacity(text.len() / 5);
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let end_of = |i: usize| chars.get(i).map_or(text.len(), |&(at, _)| at);
    let mut i = 0;
    while i < chars.len() {
        let (start, c) = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        if !is_word(c) {
            // A possessive "'s" is one token.
            let possessive = matches!(c, '\'' | '\u{2019}')
                && chars.get(i + 1).is_some_and(|&(_, s)| matches!(s, 's' | 'S'))
                && chars.get(i + 2).is_none_or(|&(_, c)| !is_word(c));
            let width = if possessive { 2 } else { 1 };
            tokens.push(Token { start, end: end_of(i + width) });
            i += width;
            continue;
        }
        let mut j = i + 1;
        loop {
            match (chars.get(j), chars.get(j + 1)) {
                (Some(&(_, c)), _) if is_word(c) => j += 1,
                // "Iraq's": the possessive is a token of its own.
                (Some(&(_, '\'' | '\u{2019}')), Some(&(_, 's' | 'S')))
                    if chars.get(j + 2).is_none_or(|&(_, c)| !is_word(c)) =>
                {
                    break;
                }
                // "Iran-backed", "U.S.-led": a name, then an English word
                // saying how something relates to it (but "Li Ka-shing",
                // "Stratford-upon-Avon" are one name).
                (Some(&(_, '-')), Some(&(_, next)))
                    if next.is_lowercase()
                        && c.is_uppercase()
                        && !text[start..chars[j].0].contains('-')
                        && is_relation_word(&text[chars[j + 1].0..]) =>
                {
                    break;
                }
                (Some(&(_, joiner)), Some(&(_, next))) if is_joiner(joiner) && is_word(next) => {
                    j += 2;
                }
                // "U.S." and "D.C.": single letters joined by dots.
                (Some(&(_, '.')), Some(&(_, next)))
                    if next.is_uppercase()
                        && j - i == 1
                        && chars.get(j + 2).is_some_and(|&(_, c)| c == '.') =>
                {
                    j += 2;
                }
                _ => break,
            }
        }
        // The final dot of dotted initials ("U.S."), of a middle initial
        // ("Robert F. Kennedy") and of an abbreviation in or beside a name
        // ("Dr.", "St.", "Corp.") belongs to the token.
        let word = &text[start..end_of(j)];
        let middle_initial = word.len() == 1
            && c.is_uppercase()
            && chars.get(j + 1).is_some_and(|&(_, c)| c == ' ')
            && chars.get(j + 2).is_some_and(|&(_, c)| c.is_uppercase());
        if chars.get(j).is_some_and(|&(_, c)| c == '.')
            && (is_initials(word) || middle_initial || DOTTED_ABBREVIATIONS.contains(&word))
        {
            j += 1;
        }
        tokens.push(Token { start, end: end_of(j) });
        i = j;
    }
    tokens
}

/// Abbreviations written with a dot in or beside names: titles and ranks
/// ("Dr. Hannah Okoro", "Lt. Col."), "St." and "Mt." in place names, and
/// suffixes after a name ("Jr.", "Corp."). [`NAME_SUFFIXES`] may also end
/// a sentence.
const DOTTED_ABBREVIATIONS: &[&str] = &[
    "Adm", "Capt", "Cmdr", "Col", "Det", "Dr", "Gen", "Gov", "Insp", "Lt", "Maj", "Mr", "Mrs",
    "Ms", "Prof", "Rep", "Rev", "Sen", "Sgt", "Supt", "St", "Mt", "Ft", "Jr", "Sr", "Corp", "Inc",
    "Co", "Ltd",
];

/// Abbreviations that end a name, so may end its sentence too: a capitalised
/// word after one opens a sentence ("bought by Vantor Corp. Shares rose").
pub const NAME_SUFFIXES: &[&str] = &["Jr.", "Sr.", "Corp.", "Inc.", "Co.", "Ltd."];

/// Does `rest` open with a word that follows a name and a hyphen to say
/// how something relates to it ("-backed", "-based", "-born", "-style")?
fn is_relation_word(rest: &str) -> bool {
    let word = &rest[..rest.find(|c: char| !c.is_alphabetic()).unwrap_or(rest.len())];
    word.ends_with("ed")
        || matches!(
            word,
            "born"
                | "bound"
                | "built"
                | "held"
                | "led"
                | "made"
                | "run"
                | "style"
                | "wide"
                | "free"
                | "friendly"
                | "era"
                | "like"
                | "only"
                | "grown"
                | "centric"
        )
}

/// "U.S" (before its final dot), "D.C": single letters joined by dots.
fn is_initials(word: &str) -> bool {
    word.len() >= 3 && word.split('.').all(|part| part.chars().count() == 1)
}

/// The shape of a word: `Xx` (capitalised), `X` (all capitals), `x`,
/// `d` (digits), `X.` (initials), `Xx-x` (with inner punctuation), `.` (punctuation).
pub fn shape(word: &str) -> &'static str {
    let mut chars = word.chars();
    let Some(first) = chars.next() else { return "" };
    if !first.is_alphanumeric() {
        return ".";
    }
    if word.contains('.') {
        return "X.";
    }
    let inner = word.contains(['-', '\'', '\u{2019}', '&']);
    if word.chars().all(|c| c.is_ascii_digit()) {
        return "d";
    }
    if word.chars().any(|c| c.is_ascii_digit()) {
        return "xd";
    }
    let upper = first.is_uppercase();
    let all_upper = word.chars().filter(|c| c.is_alphabetic()).all(char::is_uppercase);
    let any_upper_later = word.chars().skip(1).any(char::is_uppercase);
    match (upper, all_upper, inner) {
        (true, true, _) if word.chars().count() > 1 => "X",
        (true, _, true) => "Xx-x",
        (true, _, false) => "Xx",
        (false, _, true) if any_upper_later => "x-Xx",
        (false, _, _) => "x",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_keep_names_whole_and_split_possessives() {
        // (text, tokens) rows.
        let cases: &[(&str, &[&str])] = &[
            ("Yassine al-Yasseri's men", &["Yassine", "al-Yasseri", "'s", "men"]),
            ("the U.S. embassy.", &["the", "U.S.", "embassy", "."]),
            ("Washington, D.C., said", &["Washington", ",", "D.C.", ",", "said"]),
            ("O'Brien (AP) - 3.5%", &["O'Brien", "(", "AP", ")", "-", "3", ".", "5", "%"]),
            ("Iraq’s PM", &["Iraq", "’s", "PM"]),
            ("an Iran-backed militia", &["an", "Iran", "-", "backed", "militia"]),
            ("a Paris-born, Texas-style", &["a", "Paris", "-", "born", ",", "Texas", "-", "style"]),
            (
                "Li Ka-shing in Stratford-upon-Avon",
                &["Li", "Ka-shing", "in", "Stratford-upon-Avon"],
            ),
            ("Hennis-Plasschaert and Abdul-Mahdi", &["Hennis-Plasschaert", "and", "Abdul-Mahdi"]),
            ("end.", &["end", "."]),
            ("Robert F. Kennedy Jr. said", &["Robert", "F.", "Kennedy", "Jr.", "said"]),
            ("Dr. Okoro and Lt. Col. Nowak", &["Dr.", "Okoro", "and", "Lt.", "Col.", "Nowak"]),
            ("in St. Louis at Vantor Corp.", &["in", "St.", "Louis", "at", "Vantor", "Corp."]),
            ("Dr Okoro, the doctor.", &["Dr", "Okoro", ",", "the", "doctor", "."]),
            ("Plan B.", &["Plan", "B", "."]),
        ];
        for (text, expected) in cases {
            let words: Vec<&str> = tokenize(text).iter().map(|t| t.of(text)).collect();
            assert_eq!(&words, expected, "{text}");
        }
    }

    #[test]
    fn shapes() {
        let cases = [
            ("Baghdad", "Xx"),
            ("AP", "X"),
            ("U.S.", "X."),
            ("al-Yasseri", "x-Xx"),
            ("2019", "d"),
            ("said", "x"),
            (",", "."),
        ];
        for (word, expected) in cases {
            assert_eq!(shape(word), expected, "{word}");
        }
    }
}
