//! When to poll a feed next: often enough to see a new item soon after it
//! appears, rarely enough to be polite. A pure function of the feed's
//! recent publishing history, the server's hints and the time; no clock.
//!
//! - With fewer than two recorded arrivals of new items, poll at the floor.
//! - Otherwise poll twice per expected gap between arrivals (the mean gap of
//!   the last [`MAX_ARRIVALS`]); once the feed has been quiet for longer
//!   than twice that gap, back off to half the time since the last arrival.
//! - Raise to the server's hint (RSS `<ttl>`, `Cache-Control: max-age`,
//!   `Expires`), then clamp between the floor and the ceiling.
//! - Spread by up to ±10% (deterministic per feed and poll) so feeds added
//!   together do not poll together forever.

use std::time::Duration;

use chrono::{DateTime, Utc};

/// Arrivals of new items remembered per feed.
pub const MAX_ARRIVALS: usize = 16;

/// What the next interval depends on.
#[derive(Debug, Clone)]
pub struct ScheduleInput<'a> {
    /// Never poll more often (the feed's configured interval).
    pub floor: Duration,
    /// Never poll less often.
    pub ceiling: Duration,
    /// When polls found new or changed items, oldest first.
    pub arrivals: &'a [DateTime<Utc>],
    /// The server's freshness hint, if any.
    pub hint: Option<Duration>,
    /// Now.
    pub now: DateTime<Utc>,
    /// Varies the jitter: the same seed gives the same interval.
    pub jitter_seed: u64,
}

/// The time until the next poll.
pub fn next_interval(input: &ScheduleInput<'_>) -> Duration {
    let ceiling = input.ceiling.max(input.floor);
    let mut interval = match (input.arrivals.first(), input.arrivals.last()) {
        (Some(first), Some(last)) if input.arrivals.len() >= 2 => {
            let gaps = u32::try_from(input.arrivals.len() - 1).unwrap_or(u32::MAX);
            let mean_gap = (*last - *first).to_std().unwrap_or_default() / gaps;
            let quiet_for = (input.now - *last).to_std().unwrap_or_default();
            if quiet_for > mean_gap * 2 { quiet_for / 2 } else { mean_gap / 2 }
        }
        _ => input.floor,
    };
    if let Some(hint) = input.hint {
        interval = interval.max(hint);
    }
    let interval = interval.clamp(input.floor, ceiling);
    jitter(interval, input.jitter_seed).clamp(input.floor, ceiling)
}

/// `interval` spread by a factor in [0.9, 1.1] chosen by `seed`.
fn jitter(interval: Duration, seed: u64) -> Duration {
    let unit = (mix(seed) % 2001) as f64 / 1000.0 - 1.0; // -1.0 ..= 1.0
    interval.mul_f64(1.0 + 0.1 * unit)
}

fn mix(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// Remember an arrival at `now`, keeping the last [`MAX_ARRIVALS`].
pub fn record_arrival(arrivals: &mut Vec<DateTime<Utc>>, now: DateTime<Utc>) {
    arrivals.push(now);
    if arrivals.len() > MAX_ARRIVALS {
        let excess = arrivals.len() - MAX_ARRIVALS;
        arrivals.drain(..excess);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: Duration = Duration::from_secs(60);

    fn at(minutes: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_000 + minutes * 60, 0).unwrap_or_default()
    }

    fn interval(arrivals: &[i64], now: i64, hint: Option<Duration>) -> Duration {
        let arrivals: Vec<DateTime<Utc>> = arrivals.iter().map(|m| at(*m)).collect();
        let input = ScheduleInput {
            floor: MINUTE,
            ceiling: 60 * MINUTE,
            arrivals: &arrivals,
            hint,
            now: at(now),
            jitter_seed: 7,
        };
        next_interval(&input)
    }

    fn roughly(actual: Duration, expected: Duration) -> bool {
        actual >= expected.mul_f64(0.9) && actual <= expected.mul_f64(1.1)
    }

    /// Fixture table: (arrival minutes, now, hint, expected interval before jitter).
    const CASES: &[(&[i64], i64, Option<u64>, u64)] = &[
        (&[], 0, None, 60),                             // no history: the floor
        (&[0], 5, None, 60),                            // one arrival: still the floor
        (&[0, 20, 40, 60], 61, None, 10 * 60),          // every 20 min: poll every 10
        (&[0, 1, 2, 3], 4, None, 60),                   // faster than the floor: the floor
        (&[0, 20, 40, 60], 160, None, 50 * 60),         // quiet 100 min: half of that
        (&[0, 20, 40, 60], 1000, None, 60 * 60),        // quiet for long: the ceiling
        (&[0, 20, 40, 60], 61, Some(30 * 60), 30 * 60), // a 30 min ttl wins over 10
        (&[], 0, Some(24 * 3600), 60 * 60),             // a huge hint: the ceiling
    ];

    #[test]
    fn schedule_cases() {
        for (arrivals, now, hint, expected) in CASES {
            let got = interval(arrivals, *now, hint.map(Duration::from_secs));
            let expected = Duration::from_secs(*expected);
            let bounded = got >= MINUTE && got <= 60 * MINUTE;
            assert!(
                bounded && roughly(got, expected),
                "{arrivals:?} at {now}: {got:?}, expected ~{expected:?}"
            );
        }
    }

    #[test]
    fn jitter_spreads_feeds_but_is_repeatable() {
        let arrivals: Vec<DateTime<Utc>> = [0, 20, 40, 60].iter().map(|m| at(*m)).collect();
        let mut input = ScheduleInput {
            floor: MINUTE,
            ceiling: 60 * MINUTE,
            arrivals: &arrivals,
            hint: None,
            now: at(61),
            jitter_seed: 1,
        };
        let first = next_interval(&input);
        assert_eq!(first, next_interval(&input), "same seed, same interval");
        let spread: std::collections::BTreeSet<Duration> = (0..20)
            .map(|seed| {
                input.jitter_seed = seed;
                next_interval(&input)
            })
            .collect();
        assert!(spread.len() > 10, "seeds give different intervals: {spread:?}");
    }

    #[test]
    fn arrivals_are_capped() {
        let mut arrivals = Vec::new();
        for minute in 0..40 {
            record_arrival(&mut arrivals, at(minute));
        }
        assert_eq!(arrivals.len(), MAX_ARRIVALS);
        assert_eq!(arrivals.first(), Some(&at(40 - MAX_ARRIVALS as i64)));
    }
}
