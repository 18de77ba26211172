//! The language of a story version, detected with whatlang from its title
//! and text, as an ISO 639-1 code when one exists (else ISO 639-3).

/// Detection below this confidence is reported as unknown.
const MIN_CONFIDENCE: f64 = 0.5;
/// Text read for detection, in bytes (the opening is enough and keeps the cost fixed).
const MAX_TEXT_BYTES: usize = 4096;

/// The language of a text: an ISO 639-1 code (`en`, `fr`, `ar`, ...), or
/// ISO 639-3 for languages without one; `None` when the text is too short
/// or too mixed to tell.
pub fn language(title: &str, paragraphs: &[String]) -> Option<&'static str> {
    let mut text = String::with_capacity(MAX_TEXT_BYTES);
    for part in std::iter::once(title).chain(paragraphs.iter().map(String::as_str)) {
        if text.len() >= MAX_TEXT_BYTES {
            break;
        }
        text.push_str(part);
        text.push('\n');
    }
    let mut end = text.len().min(MAX_TEXT_BYTES);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let info = whatlang::detect(&text[..end])?;
    (info.confidence() >= MIN_CONFIDENCE)
        .then(|| iso_639_1(info.lang()).unwrap_or(info.lang().code()))
}

/// The two-letter code of the languages that have one.
fn iso_639_1(lang: whatlang::Lang) -> Option<&'static str> {
    use whatlang::Lang::*;
    Some(match lang {
        Eng => "en",
        Fra => "fr",
        Deu => "de",
        Spa => "es",
        Por => "pt",
        Ita => "it",
        Nld => "nl",
        Rus => "ru",
        Ukr => "uk",
        Pol => "pl",
        Ces => "cs",
        Swe => "sv",
        Dan => "da",
        Nob => "nb",
        Fin => "fi",
        Tur => "tr",
        Ara => "ar",
        Pes => "fa",
        Heb => "he",
        Hin => "hi",
        Ben => "bn",
        Urd => "ur",
        Cmn => "zh",
        Jpn => "ja",
        Kor => "ko",
        Vie => "vi",
        Ind => "id",
        Tha => "th",
        Ell => "el",
        Hun => "hu",
        Ron => "ro",
        Bul => "bg",
        Hrv => "hr",
        Srp => "sr",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fixture table: (title, text, expected language). Texts written for Lede.
    const CASES: &[(&str, &str, Option<&str>)] = &[
        (
            "Embassy compound stormed",
            "Dozens of protesters broke into the compound on Tuesday after smashing the main gate, witnesses said.",
            Some("en"),
        ),
        (
            "Incendie au port",
            "Un grand incendie s'est déclaré mardi matin au terminal à conteneurs, selon les pompiers de la ville.",
            Some("fr"),
        ),
        (
            "Brand im Hafen",
            "Am Dienstagmorgen ist im Containerterminal ein großes Feuer ausgebrochen, teilte die Feuerwehr mit.",
            Some("de"),
        ),
        (
            "حريق في الميناء",
            "اندلع حريق كبير صباح الثلاثاء في محطة الحاويات في الميناء بحسب رجال الإطفاء",
            Some("ar"),
        ),
        ("", "", None),
        ("OK", "", None),
    ];

    #[test]
    fn language_cases() {
        for (title, text, expected) in CASES {
            let paragraphs = if text.is_empty() { vec![] } else { vec![(*text).to_owned()] };
            assert_eq!(language(title, &paragraphs), *expected, "{title}");
        }
    }

    #[test]
    fn long_texts_are_cut_at_a_character_boundary() {
        let long = "é".repeat(5000);
        let _ = language("t", &[long]);
    }
}
