//! Recurring reports: an outlet that publishes the same report again and
//! again from one template (a market close, a next-day forecast, a draw's
//! results, the day's road closures), each at a URL that differs from the
//! last only in the date it holds, or under a headline that differs only
//! in its day. Two such articles are two instalments of a series, so two
//! events, however alike their text: a later instalment is never a
//! version of an earlier one's story.

use chrono::NaiveDate;
use lede_core::entity::CALENDAR_WORDS;

use crate::headline::words;

/// What tells an article's series: its URL's dates, and its headline if it
/// names a day or a month.
#[derive(Debug)]
pub(crate) struct Instalment<'a> {
    url: Option<DatedUrl>,
    headline: Option<&'a str>,
}

impl<'a> Instalment<'a> {
    /// The article's, if its URL holds a date or its headline names a day
    /// or a month (otherwise it cannot be an instalment).
    pub(crate) fn of(url: Option<&str>, headline: &'a str) -> Option<Self> {
        let url = url.and_then(DatedUrl::of);
        let headline = words(headline).any(is_calendar).then_some(headline);
        (url.is_some() || headline.is_some()).then_some(Self { url, headline })
    }

    /// Whether a story with these URLs and this headline holds another
    /// instalment of this article's series: a URL of it with other dates,
    /// or its headline with another day.
    pub(crate) fn is_another_in(&self, urls: &[String], headline: &str) -> bool {
        self.url
            .as_ref()
            .is_some_and(|dated| urls.iter().any(|url| dated.is_another_instalment(url)))
            || self.headline.is_some_and(|ours| headlines_of_instalments(ours, headline))
    }
}

/// Whether two headlines are word for word the same but for days, months
/// and numbers, with a day or a month differing: "Ashby roadworks:
/// Tuesday's closures" and "Ashby roadworks: Wednesday's closures".
fn headlines_of_instalments(ours: &str, theirs: &str) -> bool {
    if words(ours).count() != words(theirs).count() {
        return false;
    }
    let mut another_day = false;
    for (a, b) in words(ours).zip(words(theirs)).filter(|(a, b)| !same_word(a, b)) {
        if is_calendar(a) && is_calendar(b) {
            another_day = true;
        } else if !(is_number(a) && is_number(b)) {
            return false;
        }
    }
    another_day
}

/// Whether two words are the same but for case (compared without
/// allocating: this runs for every article's headline).
fn same_word(a: &str, b: &str) -> bool {
    a.chars().flat_map(char::to_lowercase).eq(b.chars().flat_map(char::to_lowercase))
}

fn is_calendar(word: &str) -> bool {
    CALENDAR_WORDS.iter().any(|calendar| same_word(calendar, word))
}

fn is_number(word: &str) -> bool {
    word.bytes().all(|b| b.is_ascii_digit())
}

/// A URL that holds at least one date: the URL with its dates taken out,
/// and the dates.
#[derive(Debug, PartialEq)]
pub(crate) struct DatedUrl {
    undated: String,
    dates: Vec<NaiveDate>,
}

impl DatedUrl {
    /// `url`'s dates (`yyyy-mm-dd`, `yyyy_mm_dd`, `yyyy/mm/dd`, `yyyymmdd`
    /// or `yyyy/mon/dd`, not inside a longer number), if it holds any.
    pub(crate) fn of(url: &str) -> Option<Self> {
        let bytes = url.as_bytes();
        let (mut undated, mut dates) = (String::new(), Vec::new());
        let (mut copied, mut at) = (0, 0);
        while at < bytes.len() {
            let starts_number =
                bytes[at].is_ascii_digit() && (at == 0 || !bytes[at - 1].is_ascii_digit());
            match starts_number.then(|| date_at(&bytes[at..])).flatten() {
                Some((date, length)) => {
                    undated.push_str(&url[copied..at]);
                    undated.push('\u{0}');
                    dates.push(date);
                    at += length;
                    copied = at;
                }
                None => at += 1,
            }
        }
        if dates.is_empty() {
            return None;
        }
        undated.push_str(&url[copied..]);
        Some(Self { undated, dates })
    }

    /// Whether `url` is another instalment of this URL's series: the same
    /// URL but for other dates.
    fn is_another_instalment(&self, url: &str) -> bool {
        Self::of(url)
            .is_some_and(|other| other.undated == self.undated && other.dates != self.dates)
    }
}

/// The date `s` starts with, and its length in bytes.
fn date_at(s: &[u8]) -> Option<(NaiveDate, usize)> {
    let number = |from: usize, digits: usize| -> Option<u32> {
        let digits = s.get(from..from + digits)?;
        digits.iter().try_fold(0, |n, &b| b.is_ascii_digit().then(|| n * 10 + u32::from(b - b'0')))
    };
    let year = number(0, 4).filter(|year| (1990..2100).contains(year))?;
    let (month, day_at) = match s.get(4).copied() {
        Some(separator @ (b'-' | b'_' | b'/')) => {
            let (month, end) = match number(5, 2) {
                Some(month) => (month, 7),
                // "2026/jun/01/"
                None if separator == b'/' => (month_named(s.get(5..8)?)?, 8),
                None => return None,
            };
            (s.get(end) == Some(&separator)).then_some((month, end + 1))?
        }
        _ => (number(4, 2)?, 6),
    };
    let day = number(day_at, 2)?;
    let end = day_at + 2;
    if s.get(end).is_some_and(u8::is_ascii_digit) {
        return None;
    }
    let year = i32::try_from(year).ok()?;
    Some((NaiveDate::from_ymd_opt(year, month, day)?, end))
}

/// The month a three-letter English abbreviation names (1-12).
fn month_named(name: &[u8]) -> Option<u32> {
    const MONTHS: [&[u8; 3]; 12] = [
        b"jan", b"feb", b"mar", b"apr", b"may", b"jun", b"jul", b"aug", b"sep", b"oct", b"nov",
        b"dec",
    ];
    let at = MONTHS.iter().position(|month| month.eq_ignore_ascii_case(name))?;
    u32::try_from(at + 1).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (earlier URL, later URL, another instalment?)
    const PAIRS: &[(&str, &str, bool)] = &[
        // A date in a slug, a path, a file name, a query.
        ("https://w.example/m/close-2026-06-01", "https://w.example/m/close-2026-06-02", true),
        ("https://w.example/2026/06/01/forecast", "https://w.example/2026/06/02/forecast", true),
        ("https://w.example/2026/jun/01/forecast", "https://w.example/2026/Jun/02/forecast", true),
        ("https://w.example/lotto_20260603.html", "https://w.example/lotto_20260606.html", true),
        ("https://w.example/results?d=2026_06_03", "https://w.example/results?d=2026_06_06", true),
        // The same date: the same instalment, or one re-slugged.
        ("https://w.example/2026/06/01/fire", "https://w.example/2026/06/01/fire-spreads", false),
        // A re-slugged update on the next day is not a series.
        ("https://w.example/2026/06/01/fire", "https://w.example/2026/06/02/fire-spreads", false),
        // Another outlet.
        ("https://w.example/close-2026-06-01", "https://x.example/close-2026-06-02", false),
        // Article numbers, impossible dates and longer numbers are not dates.
        ("https://w.example/news/uk-61234567", "https://w.example/news/uk-61234599", false),
        ("https://w.example/a/2026-13-01", "https://w.example/a/2026-14-01", false),
        ("https://w.example/a/202606011", "https://w.example/a/202606021", false),
        ("https://w.example/a/3026-06-01", "https://w.example/a/3026-06-02", false),
        // No date at all.
        ("https://w.example/storm-40-schools", "https://w.example/storm-72-schools", false),
    ];

    #[test]
    fn urls_differing_only_in_their_dates_are_instalments_of_a_series() {
        for &(earlier, later, expected) in PAIRS {
            let instalment = DatedUrl::of(later).is_some_and(|l| l.is_another_instalment(earlier));
            assert_eq!(instalment, expected, "{earlier} -> {later}");
        }
    }

    /// (earlier headline, later headline, another instalment?)
    const HEADLINES: &[(&str, &str, bool)] = &[
        ("Ashby roadworks: Tuesday's closures", "Ashby roadworks: Wednesday's closures", true),
        ("Tide times for Friday 11 September", "Tide times for Saturday 12 September", true),
        ("Tide times for Friday 11 September", "Tide times for Friday 11 October", true),
        // Only numbers differ: a developing count, not a series.
        ("Storm Edda shuts 40 schools", "Storm Edda shuts 65 schools", false),
        // Another word differs too.
        ("Pollen forecast: high on Saturday", "Pollen forecast: moderate on Sunday", false),
        ("Strike to start on Monday", "Strike called off on Sunday", false),
        // The same headline again.
        ("Lotto results for Saturday", "Lotto results for Saturday", false),
    ];

    #[test]
    fn headlines_differing_only_in_their_day_are_instalments_of_a_series() {
        for &(earlier, later, expected) in HEADLINES {
            let instalment =
                Instalment::of(None, later).is_some_and(|later| later.is_another_in(&[], earlier));
            assert_eq!(instalment, expected, "{earlier} -> {later}");
        }
    }

    #[test]
    fn a_headline_without_a_day_or_a_url_without_a_date_tells_no_series() {
        assert!(
            Instalment::of(Some("https://w.example/storm-40-schools"), "Storm shuts 40 schools")
                .is_none()
        );
        assert!(Instalment::of(Some("https://w.example/close-2026-06-01"), "Close").is_some());
        assert!(Instalment::of(None, "Roadworks: Tuesday's closures").is_some());
    }

    #[test]
    fn a_urls_dates_are_taken_out_in_order() {
        let url = DatedUrl::of("https://w.example/2026/06/01/x-20260602").expect("dated");
        let day = |d| NaiveDate::from_ymd_opt(2026, 6, d).expect("a date");
        assert_eq!(url.dates, [day(1), day(2)]);
        assert_eq!(url.undated, "https://w.example/\u{0}/x-\u{0}");
    }
}
