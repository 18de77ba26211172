//! People, organisations and places a text names: the spans `lede tag`
//! prints ([`Mention`]) and the story-level set a `StoryEvent` carries
//! ([`Entity`], the union over the story's versions).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Months and weekdays, lower-case: capitalized in English, but dates, not
/// names.
pub const CALENDAR_WORDS: &[&str] = &[
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

/// What kind of name.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
pub enum EntityType {
    /// A person.
    #[serde(rename = "PER")]
    Person,
    /// An organisation: company, agency, party, armed group, institution.
    #[serde(rename = "ORG")]
    Organisation,
    /// A place: country, region, city, geographic feature.
    #[serde(rename = "LOC")]
    Location,
}

impl EntityType {
    /// `PER`, `ORG` or `LOC`.
    pub fn as_str(self) -> &'static str {
        match self {
            EntityType::Person => "PER",
            EntityType::Organisation => "ORG",
            EntityType::Location => "LOC",
        }
    }
}

/// A place in GeoNames (geonames.org, CC BY 4.0).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Place {
    /// GeoNames id.
    pub geonames_id: u32,
    /// GeoNames name.
    pub name: String,
    /// ISO 3166-1 alpha-2 country code (empty for continents).
    pub country_code: String,
    /// GeoNames feature class: `A` country or region, `P` populated place, `L` area.
    pub feature_class: String,
    /// GeoNames feature code: `PCLI` country, `ADM1` first-level region, `PPL` city, `CONT` continent.
    pub feature_code: String,
    /// Latitude (WGS84); for countries and regions, the population-weighted centre of their cities.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latitude: Option<f64>,
    /// Longitude (WGS84), as `latitude`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub longitude: Option<f64>,
}

/// One name in a text: `text == input[start..end]` (byte offsets).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Mention {
    /// The words as written.
    pub text: String,
    /// Person, organisation or place.
    #[serde(rename = "type")]
    pub kind: EntityType,
    /// Byte offset of the first byte.
    pub start: usize,
    /// Byte offset after the last byte.
    pub end: usize,
    /// The full name this mention refers to in the same text ("al-Yasseri"
    /// -> "Yassine al-Yasseri", "AP" -> "Associated Press").
    pub canonical: String,
    /// How sure the tagger is, 0 to 1.
    pub confidence: f32,
    /// The place, when a location was resolved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place: Option<Place>,
}

/// A nationality word and the country it names ("Iraqi" -> `IQ`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Demonym {
    /// The word as written.
    pub text: String,
    /// Byte offset of the first byte.
    pub start: usize,
    /// Byte offset after the last byte.
    pub end: usize,
    /// ISO 3166-1 alpha-2 country code.
    pub country_code: String,
}

/// A name a story mentions, counted over its versions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Entity {
    /// Canonical name.
    pub name: String,
    /// Person, organisation or place.
    #[serde(rename = "type")]
    pub kind: EntityType,
    /// The place, for resolved locations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place: Option<Place>,
    /// Mentions in the version that named it most.
    pub mentions: u32,
}

impl Entity {
    /// Is this the entity of that type and name (and, for a place, that
    /// GeoNames id: "Paris" in France and "Paris" in Texas are two)?
    fn is(&self, kind: EntityType, name: &str, place_id: Option<u32>) -> bool {
        self.kind == kind
            && self.name == name
            && self.place.as_ref().map(|p| p.geonames_id) == place_id
    }
}

/// What a story (or one article) names: its entities and the countries its
/// nationality words point to.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Tags {
    /// People, organisations and places.
    #[serde(default)]
    pub entities: Vec<Entity>,
    /// Countries named by demonyms ("Iraqi" -> `IQ`), sorted.
    #[serde(default)]
    pub demonym_countries: Vec<String>,
}

impl Tags {
    /// Entities kept per story at most (the most mentioned first).
    pub const MAX_ENTITIES: usize = 100;

    /// The tags of a text's mentions: one entity per (type, canonical name),
    /// counted; most mentioned first, then by name.
    pub fn of(mentions: &[Mention], demonyms: &[Demonym]) -> Self {
        let mut tags = Tags::default();
        for mention in mentions {
            let place_id = mention.place.as_ref().map(|p| p.geonames_id);
            match tags
                .entities
                .iter_mut()
                .find(|e| e.is(mention.kind, &mention.canonical, place_id))
            {
                Some(entity) => entity.mentions += 1,
                None => tags.entities.push(Entity {
                    name: mention.canonical.clone(),
                    kind: mention.kind,
                    place: mention.place.clone(),
                    mentions: 1,
                }),
            }
        }
        tags.demonym_countries = demonyms.iter().map(|d| d.country_code.clone()).collect();
        tags.normalize();
        tags
    }

    /// Add `other` (a new version's tags): the union, each entity with the
    /// larger of its two counts.
    pub fn merge(&mut self, other: &Tags) {
        for entity in &other.entities {
            let place_id = entity.place.as_ref().map(|p| p.geonames_id);
            match self.entities.iter_mut().find(|e| e.is(entity.kind, &entity.name, place_id)) {
                Some(known) => known.mentions = known.mentions.max(entity.mentions),
                None => self.entities.push(entity.clone()),
            }
        }
        self.demonym_countries.extend(other.demonym_countries.iter().cloned());
        self.normalize();
    }

    fn normalize(&mut self) {
        self.entities.sort_by(|a, b| {
            b.mentions.cmp(&a.mentions).then(a.kind.cmp(&b.kind)).then(a.name.cmp(&b.name))
        });
        self.entities.truncate(Self::MAX_ENTITIES);
        self.demonym_countries.sort();
        self.demonym_countries.dedup();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mention(text: &str, canonical: &str, kind: EntityType) -> Mention {
        Mention {
            text: text.into(),
            kind,
            start: 0,
            end: text.len(),
            canonical: canonical.into(),
            confidence: 1.0,
            place: None,
        }
    }

    #[test]
    fn story_tags_are_the_union_of_its_versions() {
        let first = Tags::of(
            &[
                mention("Yassine al-Yasseri", "Yassine al-Yasseri", EntityType::Person),
                mention("al-Yasseri", "Yassine al-Yasseri", EntityType::Person),
                mention("Baghdad", "Baghdad", EntityType::Location),
            ],
            &[Demonym { text: "Iraqi".into(), start: 0, end: 5, country_code: "IQ".into() }],
        );
        assert_eq!(first.entities[0].mentions, 2);
        let second = Tags::of(&[mention("AP", "Associated Press", EntityType::Organisation)], &[]);
        let mut story = first.clone();
        story.merge(&second);
        story.merge(&first);
        let names: Vec<&str> = story.entities.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["Yassine al-Yasseri", "Associated Press", "Baghdad"]);
        assert_eq!(story.demonym_countries, ["IQ"]);
    }

    /// Two places of one name are two entities.
    #[test]
    fn places_of_one_name_stay_apart() {
        let paris = |geonames_id: u32, country_code: &str| Mention {
            place: Some(Place {
                geonames_id,
                name: "Paris".into(),
                country_code: country_code.into(),
                feature_class: "P".into(),
                feature_code: "PPL".into(),
                latitude: None,
                longitude: None,
            }),
            ..mention("Paris", "Paris", EntityType::Location)
        };
        let tags =
            Tags::of(&[paris(2988507, "FR"), paris(4717560, "US"), paris(4717560, "US")], &[]);
        let places: Vec<(u32, u32)> = tags
            .entities
            .iter()
            .map(|e| (e.place.as_ref().map_or(0, |p| p.geonames_id), e.mentions))
            .collect();
        assert_eq!(places, [(4717560, 2), (2988507, 1)]);
        let mut story = tags.clone();
        story.merge(&tags);
        assert_eq!(story.entities.len(), 2);
    }
}
