//! A liberal date parser for what feeds really send, handed to feed-rs for
//! every date it reads: ISO 8601 and W3C-DTF in their variants (a space
//! for the `T`, no seconds, no zone, `+0100` offsets, fractions, only a
//! date, a month or a year), RFC 822 / 2822 with or without weekday and
//! seconds, with zone names (`EST`, `PDT`, `CEST`, ...) or offsets, two-
//! or four-digit years and full month names, and C's `asctime`. A date
//! without a zone is taken as UTC. What it cannot read is `None`: the
//! caller counts it; a bad date never fails a feed.

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};

/// The instant `text` names, in UTC.
pub fn parse_date(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if text.is_empty() || text.len() > 100 {
        return None;
    }
    iso8601(text).or_else(|| rfc822(text))
}

/// Offsets of zone names, in minutes east of UTC.
fn zone_offset(name: &str) -> Option<i32> {
    let hours = match name.to_ascii_uppercase().as_str() {
        "Z" | "UT" | "UTC" | "GMT" | "WET" => 0.0,
        "EST" => -5.0,
        "EDT" => -4.0,
        "CST" => -6.0,
        "CDT" => -5.0,
        "MST" => -7.0,
        "MDT" => -6.0,
        "PST" => -8.0,
        "PDT" => -7.0,
        "AKST" => -9.0,
        "AKDT" => -8.0,
        "HST" => -10.0,
        "AST" => -4.0,
        "ADT" => -3.0,
        "NST" => -3.5,
        "BST" | "CET" | "WEST" | "MET" => 1.0,
        "CEST" | "EET" | "MEST" | "SAST" => 2.0,
        "EEST" | "MSK" => 3.0,
        "IST" => 5.5,
        "SGT" | "HKT" | "AWST" | "CCT" => 8.0,
        "JST" | "KST" => 9.0,
        "ACST" => 9.5,
        "AEST" => 10.0,
        "ACDT" => 10.5,
        "AEDT" => 11.0,
        "NZST" => 12.0,
        "NZDT" => 13.0,
        _ => return None,
    };
    Some((hours * 60.0) as i32)
}

/// `+0100`, `-05:00`, `+01`, or a zone name; minutes east of UTC.
fn offset(text: &str) -> Option<i32> {
    let text = text.trim();
    if let Some(sign) =
        text.strip_prefix('+').map(|r| (1, r)).or_else(|| text.strip_prefix('-').map(|r| (-1, r)))
    {
        let (sign, digits) = sign;
        let digits: String = digits.chars().filter(char::is_ascii_digit).collect();
        let (hours, minutes) = match digits.len() {
            1 | 2 => (digits.parse::<i32>().ok()?, 0),
            3 | 4 => {
                let split = digits.len() - 2;
                (digits[..split].parse::<i32>().ok()?, digits[split..].parse::<i32>().ok()?)
            }
            _ => return None,
        };
        if hours > 14 || minutes > 59 {
            return None;
        }
        return Some(sign * (hours * 60 + minutes));
    }
    zone_offset(text)
}

fn at_offset(naive: NaiveDateTime, minutes: i32) -> Option<DateTime<Utc>> {
    let zone = chrono::FixedOffset::east_opt(minutes * 60)?;
    zone.from_local_datetime(&naive).single().map(|t| t.with_timezone(&Utc))
}

/// `hh:mm`, `hh:mm:ss`, `hh:mm:ss.fff`.
fn time_of(text: &str) -> Option<NaiveTime> {
    let mut parts = text.split(':');
    let hour: u32 = parts.next()?.parse().ok()?;
    let minute: u32 = parts.next()?.parse().ok()?;
    let (second, nanos) = match parts.next() {
        Some(seconds) => {
            let (whole, fraction) = seconds.split_once(['.', ',']).unwrap_or((seconds, ""));
            let fraction: String = fraction.chars().take(9).collect();
            let nanos = if fraction.is_empty() {
                0
            } else {
                fraction.parse::<u32>().ok()? * 10u32.pow(9 - fraction.len() as u32)
            };
            (whole.parse::<u32>().ok()?, nanos)
        }
        None => (0, 0),
    };
    if parts.next().is_some() {
        return None;
    }
    // A leap second is read as the last second of its minute.
    NaiveTime::from_hms_nano_opt(hour, minute, second.min(59), nanos)
}

/// ISO 8601 / W3C-DTF: `2003-12-31T10:14:55.25+01:00`, `2003-12-31 10:14Z`,
/// `20031231T101455Z`, `2003-12-31`, `2003-12`, `2003`.
fn iso8601(text: &str) -> Option<DateTime<Utc>> {
    let bytes = text.as_bytes();
    if bytes.len() < 4 || !bytes[..4].iter().all(u8::is_ascii_digit) {
        return None;
    }
    let (date_part, rest) = match text.find(['T', 't', ' ']) {
        Some(at) => (&text[..at], text[at + 1..].trim()),
        None => (text, ""),
    };
    let date = if date_part.len() == 8 && date_part.bytes().all(|b| b.is_ascii_digit()) {
        NaiveDate::parse_from_str(date_part, "%Y%m%d").ok()?
    } else {
        let mut fields = date_part.split('-');
        let year: i32 = fields.next()?.parse().ok()?;
        let month: u32 = fields.next().map_or(Some(1), |m| m.parse().ok())?;
        let day: u32 = fields.next().map_or(Some(1), |d| d.parse().ok())?;
        if fields.next().is_some() {
            return None;
        }
        NaiveDate::from_ymd_opt(year, month, day)?
    };
    if rest.is_empty() {
        return Some(Utc.from_utc_datetime(&date.and_time(NaiveTime::MIN)));
    }
    // The time runs to the zone: `Z`, `+`, `-`, or a space before a name.
    let zone_at = rest.find(['Z', 'z', '+', '-', ' ']).unwrap_or(rest.len());
    let (time_text, zone_text) = rest.split_at(zone_at);
    let time_text = if time_text.len() == 6 && time_text.bytes().all(|b| b.is_ascii_digit()) {
        format!("{}:{}:{}", &time_text[..2], &time_text[2..4], &time_text[4..])
    } else {
        time_text.to_owned()
    };
    let time = time_of(&time_text)?;
    let minutes = if zone_text.trim().is_empty() { 0 } else { offset(zone_text)? };
    at_offset(date.and_time(time), minutes)
}

fn month_of(word: &str) -> Option<u32> {
    const MONTHS: [&str; 12] =
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
    let lower = word.trim_end_matches('.').to_ascii_lowercase();
    if lower.len() < 3 {
        return None;
    }
    let position = MONTHS.iter().position(|m| lower.starts_with(m))?;
    Some(position as u32 + 1)
}

/// RFC 822 / 2822 and its relatives: `Thu, 01 Jan 2004 19:48:21 GMT`,
/// `1 Jan 04 19:48 EST`, `January 1, 2004 19:48:21 +0100`,
/// `Thu Jan  1 19:48:21 2004` (asctime), weekday optional, zone optional.
fn rfc822(text: &str) -> Option<DateTime<Utc>> {
    let cleaned = text.replace(',', " ");
    let words: Vec<&str> = cleaned.split_whitespace().collect();
    let (mut day, mut month, mut year, mut time, mut zone) = (None, None, None, None, None);
    let mut pm = None;
    for word in words {
        let lower = word.to_ascii_lowercase();
        if word.contains(':') && time.is_none() {
            time = Some(time_of(word)?);
        } else if lower == "am" || lower == "pm" {
            pm = Some(lower == "pm");
        } else if let Some(m) = month.is_none().then(|| month_of(word)).flatten() {
            month = Some(m);
        } else if word.bytes().all(|b| b.is_ascii_digit()) {
            let number: i32 = word.parse().ok()?;
            if word.len() == 4 || (day.is_some() && year.is_none()) {
                year = Some(match (word.len(), number) {
                    (2, n) if n >= 70 => 1900 + n,
                    (2, n) => 2000 + n,
                    (_, n) => n,
                });
            } else if day.is_none() {
                day = Some(u32::try_from(number).ok()?);
            } else {
                return None;
            }
        } else if word.starts_with(['+', '-'])
            || zone_offset(word.trim_matches(['(', ')'])).is_some()
        {
            zone = zone.or_else(|| offset(word.trim_matches(['(', ')'])));
        } else if lower.len() >= 3 && is_weekday(&lower) {
            // The weekday adds nothing (and is often wrong).
        } else {
            return None;
        }
    }
    let date = NaiveDate::from_ymd_opt(year?, month?, day?)?;
    let mut time = time.unwrap_or(NaiveTime::MIN);
    if let Some(pm) = pm {
        use chrono::Timelike;
        let hour = time.hour() % 12 + if pm { 12 } else { 0 };
        time = time.with_hour(hour)?;
    }
    at_offset(date.and_time(time), zone.unwrap_or(0))
}

fn is_weekday(lower: &str) -> bool {
    ["mon", "tue", "wed", "thu", "fri", "sat", "sun"].iter().any(|d| lower.starts_with(d))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (what a feed sent, the instant in RFC 3339, or `None`).
    const CASES: &[(&str, Option<&str>)] = &[
        ("2003-12-31T10:14:55Z", Some("2003-12-31T10:14:55+00:00")),
        ("2003-12-31T10:14:55.25-05:00", Some("2003-12-31T15:14:55.250+00:00")),
        ("2003-12-31T10:14:55+0100", Some("2003-12-31T09:14:55+00:00")),
        ("2003-12-31 10:14:55", Some("2003-12-31T10:14:55+00:00")),
        ("2003-12-31T10:14Z", Some("2003-12-31T10:14:00+00:00")),
        ("20031231T101455Z", Some("2003-12-31T10:14:55+00:00")),
        ("2003-12-31", Some("2003-12-31T00:00:00+00:00")),
        ("2003-12", Some("2003-12-01T00:00:00+00:00")),
        ("2003", Some("2003-01-01T00:00:00+00:00")),
        ("Thu, 01 Jan 2004 19:48:21 GMT", Some("2004-01-01T19:48:21+00:00")),
        ("Thu, 01 Jan 2004 19:48:21 EST", Some("2004-01-02T00:48:21+00:00")),
        ("Thu, 1 Jan 04 19:48 PDT", Some("2004-01-02T02:48:00+00:00")),
        ("01 Jan 2004 19:48:21 +0100", Some("2004-01-01T18:48:21+00:00")),
        ("Thursday, January 1, 2004 7:48:21 PM CEST", Some("2004-01-01T17:48:21+00:00")),
        ("Sun, 31 Dec 2019 10:00:00 +0300", Some("2019-12-31T07:00:00+00:00")),
        ("Thu Jan  1 19:48:21 2004", Some("2004-01-01T19:48:21+00:00")),
        ("Mon, 05 Jan 2004 10:00:00 -0500 (EST)", Some("2004-01-05T15:00:00+00:00")),
        ("yesterday", None),
        ("", None),
        ("2004-13-45", None),
        ("Thu, 45 Foo 2004", None),
    ];

    #[test]
    fn dates_feeds_send() {
        for (input, expected) in CASES {
            let parsed = parse_date(input).map(|t| t.to_rfc3339());
            assert_eq!(parsed.as_deref(), *expected, "{input:?}");
        }
    }
}
