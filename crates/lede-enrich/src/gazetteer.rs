//! The lists Lede ships, compiled into the binary and matched with
//! aho-corasick: GeoNames places (`data/gazetteer/places.tsv`, built by
//! `data/gazetteer/build.py`; CC BY 4.0, geonames.org), organisations and
//! their short forms, and nationality words (both written for Lede), and
//! the companies of stock indices (`data/gazetteer/companies.py`).
//! Matches count only when they start and end on token boundaries and are
//! written as listed (case matters: "Nice" the city, not "nice").

use std::collections::HashMap;

use aho_corasick::{AhoCorasick, MatchKind};
use lede_core::Place;

use crate::tokens::Token;

const PLACES: &str = include_str!("../../../data/gazetteer/places.tsv");
const ORGANISATIONS: &str = include_str!("../../../data/gazetteer/organisations.tsv");
/// Companies of stock indices (`data/gazetteer/companies.py`), same format.
const COMPANIES: &str = include_str!("../../../data/gazetteer/companies.tsv");
const DEMONYMS: &str = include_str!("../../../data/gazetteer/demonyms.tsv");
const GIVEN_NAMES: &str = include_str!("../../../data/gazetteer/given_names.txt");

/// Words that introduce a person's name (features for the tagger; never
/// part of the name under the guidelines).
pub(crate) const TITLES: &[&str] = &[
    "President",
    "Prime",
    "Minister",
    "Secretary",
    "Senator",
    "Sen.",
    "Rep.",
    "Governor",
    "Gov.",
    "Mayor",
    "General",
    "Gen.",
    "Colonel",
    "Col.",
    "Major",
    "Captain",
    "Commander",
    "Ayatollah",
    "King",
    "Queen",
    "Prince",
    "Princess",
    "Pope",
    "Chancellor",
    "Judge",
    "Justice",
    "Ambassador",
    "Dr.",
    "Dr",
    "Mr.",
    "Mr",
    "Mrs.",
    "Mrs",
    "Ms.",
    "Ms",
    "Prof.",
    "Prof",
    "Professor",
    "Rev.",
    "Reverend",
    "Sir",
    "Dame",
    "Capt.",
    "Maj.",
    "Cmdr.",
    "Det.",
    "Insp.",
    "Supt.",
    "Sheikh",
    "Cleric",
    "spokesman",
    "spokeswoman",
    "Spokesman",
    "leader",
    "chief",
    "CEO",
    "Chairman",
    "Chair",
    "Director",
    "Lt.",
    "Sgt.",
    "Adm.",
    "Admiral",
    "Coach",
    "Grand",
    "Supreme",
    "Leader",
    "Cardinal",
    "Archbishop",
    "Bishop",
    "Rabbi",
    "Imam",
    "Premier",
    "Vice",
    "Deputy",
    "Foreign",
    "Defence",
    "Defense",
    "Finance",
    "Attorney",
    "Justice",
    "Speaker",
    "Emir",
    "Sultan",
    "Crown",
    "Astronaut",
    "Activist",
    "Opposition",
    "Founder",
    "Chairwoman",
    "Chief",
    "Executive",
    "Professor",
    "Prof.",
    "Lieutenant",
    "Sergeant",
    "Inspector",
    "Detective",
];

/// A place of the gazetteer, with what resolution weighs. Its text is
/// borrowed from the embedded list (38,000 places: copies would cost
/// megabytes in every process that tags).
#[derive(Debug, Clone)]
pub(crate) struct PlaceRecord {
    pub(crate) geonames_id: u32,
    pub(crate) name: &'static str,
    pub(crate) country_code: &'static str,
    pub(crate) feature_class: &'static str,
    pub(crate) feature_code: &'static str,
    pub(crate) latitude: Option<f64>,
    pub(crate) longitude: Option<f64>,
    pub(crate) admin1: &'static str,
    pub(crate) population: u64,
}

impl PlaceRecord {
    /// The place, as an entity carries it.
    pub(crate) fn place(&self) -> Place {
        Place {
            geonames_id: self.geonames_id,
            name: self.name.to_owned(),
            country_code: self.country_code.to_owned(),
            feature_class: self.feature_class.to_owned(),
            feature_code: self.feature_code.to_owned(),
            latitude: self.latitude,
            longitude: self.longitude,
        }
    }
}

/// What a token is part of, by list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct ListHits {
    /// Inside a place name: `Some(true)` at its first token.
    pub(crate) place: Option<bool>,
    /// Inside an organisation name.
    pub(crate) organisation: Option<bool>,
    /// A nationality word.
    pub(crate) demonym: bool,
}

/// A match of a list name over tokens `first..=last`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ListMatch {
    pub(crate) first: usize,
    pub(crate) last: usize,
    /// The matched pattern: an index into [`Gazetteer::place_names`], the
    /// organisation aliases, or [`Gazetteer::demonyms`].
    pub(crate) index: usize,
}

/// The compiled lists.
pub(crate) struct Gazetteer {
    pub(crate) places: Vec<PlaceRecord>,
    /// Distinct place names, each with the places it names.
    pub(crate) place_names: Vec<(&'static str, Vec<u32>)>,
    place_matcher: AhoCorasick,
    /// Place name -> index into `place_names`.
    pub(crate) place_by_name: HashMap<&'static str, usize>,
    /// Alias -> canonical organisation name.
    pub(crate) organisation_by_alias: HashMap<String, String>,
    organisation_matcher: AhoCorasick,
    /// (word, country code).
    pub(crate) demonyms: Vec<(String, String)>,
    demonym_matcher: AhoCorasick,
    /// Given names (1990 US Census).
    pub(crate) given_names: std::collections::HashSet<&'static str>,
}

impl std::fmt::Debug for Gazetteer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gazetteer").field("places", &self.places.len()).finish()
    }
}

fn data_lines(text: &'static str) -> impl Iterator<Item = Vec<&'static str>> {
    text.lines().filter(|l| !l.is_empty() && !l.starts_with('#')).map(|l| l.split('\t').collect())
}

fn matcher(patterns: impl IntoIterator<Item = impl AsRef<[u8]>>) -> AhoCorasick {
    // The lists are fixed at build time; tests cover that they compile.
    AhoCorasick::builder()
        .match_kind(MatchKind::LeftmostLongest)
        .build(patterns)
        .unwrap_or_else(|e| panic!("gazetteer automaton: {e}"))
}

impl Gazetteer {
    /// Parse and compile the shipped lists.
    pub(crate) fn load() -> Self {
        let mut places = Vec::new();
        let mut by_name: HashMap<&'static str, Vec<u32>> = HashMap::new();
        for cols in data_lines(PLACES) {
            let [id, name, class, code, cc, admin1, lat, lon, population, aliases] = cols[..]
            else {
                continue;
            };
            let index = u32::try_from(places.len()).unwrap_or(u32::MAX);
            places.push(PlaceRecord {
                geonames_id: id.parse().unwrap_or_default(),
                name,
                country_code: cc,
                feature_class: class,
                feature_code: code,
                latitude: lat.parse().ok(),
                longitude: lon.parse().ok(),
                admin1,
                population: population.parse().unwrap_or_default(),
            });
            for alias in aliases.split('|').filter(|a| !a.is_empty()) {
                let ids = by_name.entry(alias).or_default();
                if !ids.contains(&index) {
                    ids.push(index);
                }
            }
        }
        let mut place_names: Vec<(&'static str, Vec<u32>)> = by_name.into_iter().collect();
        place_names.sort();
        let place_matcher = matcher(place_names.iter().map(|(name, _)| name));

        let mut organisations = Vec::new();
        for cols in data_lines(ORGANISATIONS).chain(data_lines(COMPANIES)) {
            let canonical = cols[0];
            organisations.push((canonical.to_owned(), canonical.to_owned()));
            for alias in cols.get(1).unwrap_or(&"").split('|').filter(|a| !a.is_empty()) {
                organisations.push((alias.to_owned(), canonical.to_owned()));
            }
        }
        let organisation_matcher = matcher(organisations.iter().map(|(alias, _)| alias));

        let mut demonyms = Vec::new();
        for cols in data_lines(DEMONYMS) {
            let (word, cc) = (cols[0], cols.get(1).copied().unwrap_or_default());
            match word.strip_suffix('*') {
                Some(singular) => {
                    demonyms.push((singular.to_owned(), cc.to_owned()));
                    demonyms.push((format!("{singular}s"), cc.to_owned()));
                }
                None => demonyms.push((word.to_owned(), cc.to_owned())),
            }
        }
        let demonym_matcher = matcher(demonyms.iter().map(|(word, _)| word));
        let given_names =
            GIVEN_NAMES.lines().filter(|l| !l.is_empty() && !l.starts_with('#')).collect();
        let place_by_name =
            place_names.iter().enumerate().map(|(i, (name, _))| (*name, i)).collect();
        let organisation_by_alias = organisations.iter().cloned().collect();
        Self {
            place_by_name,
            organisation_by_alias,
            given_names,
            places,
            place_names,
            place_matcher,
            organisation_matcher,
            demonyms,
            demonym_matcher,
        }
    }

    /// Matches of places, organisations and nationality words in `text`,
    /// aligned on `tokens`.
    pub(crate) fn find(&self, text: &str, tokens: &[Token]) -> Found {
        // Tokens are in text order: a binary search finds the token a
        // match starts or ends with.
        let starts = |at: usize| tokens.binary_search_by_key(&at, |t| t.start).ok();
        let ends = |at: usize| tokens.binary_search_by_key(&at, |t| t.end).ok();
        let aligned = |matcher: &AhoCorasick| -> Vec<ListMatch> {
            matcher
                .find_iter(text)
                .filter_map(|m| {
                    let (first, last) = (starts(m.start())?, ends(m.end())?);
                    Some(ListMatch { first, last, index: m.pattern().as_usize() })
                })
                .collect()
        };
        Found {
            places: aligned(&self.place_matcher),
            organisations: aligned(&self.organisation_matcher),
            demonyms: aligned(&self.demonym_matcher),
        }
    }
}

/// The list matches in one text.
#[derive(Debug, Default)]
pub(crate) struct Found {
    pub(crate) places: Vec<ListMatch>,
    pub(crate) organisations: Vec<ListMatch>,
    pub(crate) demonyms: Vec<ListMatch>,
}

impl Found {
    /// Per token: what lists it is part of.
    pub(crate) fn hits(&self, tokens: usize) -> Vec<ListHits> {
        let mut hits = vec![ListHits::default(); tokens];
        for m in &self.places {
            for (i, hit) in hits.iter_mut().enumerate().take(m.last + 1).skip(m.first) {
                hit.place = Some(i == m.first);
            }
        }
        for m in &self.organisations {
            for (i, hit) in hits.iter_mut().enumerate().take(m.last + 1).skip(m.first) {
                hit.organisation = Some(i == m.first);
            }
        }
        for m in &self.demonyms {
            if let Some(hit) = hits.get_mut(m.first) {
                hit.demonym = m.first == m.last;
            }
        }
        hits
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Places are named as written: GeoNames inverts some subdivisions'
    /// names ("Valenciana, Comunidad"), which events must not show.
    #[test]
    fn place_names_are_not_inverted() {
        let gazetteer = Gazetteer::load();
        let inverted: Vec<&str> = (gazetteer.places.iter())
            .filter(|r| r.feature_code == "ADM1")
            .map(|r| r.name)
            .filter(|name| {
                name.split_once(", ").is_some_and(|(_, tail)| tail.starts_with(char::is_uppercase))
            })
            .collect();
        assert!(inverted.is_empty(), "{inverted:?}");
        let valencia = gazetteer.places.iter().find(|r| r.geonames_id == 2_593_113);
        assert_eq!(valencia.map(|r| r.name), Some("Comunidad Valenciana"));
    }
}
