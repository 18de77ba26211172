//! Stable, fast content hashes used for ids and change detection.
//!
//! XXH3-128 is stable across platforms and releases, so ids written to Kafka
//! today match the ids computed after an upgrade.

use xxhash_rust::xxh3::xxh3_128;

/// 128-bit XXH3 of `bytes` as 32 lower-case hex digits.
pub fn hex128(bytes: &[u8]) -> String {
    format!("{:032x}", xxh3_128(bytes))
}

/// Hash of several parts, unambiguous about where one part ends.
pub fn hex128_parts(parts: &[&str]) -> String {
    let mut buffer = Vec::with_capacity(parts.iter().map(|p| p.len() + 1).sum());
    for part in parts {
        buffer.extend_from_slice(part.as_bytes());
        buffer.push(0);
    }
    hex128(&buffer)
}

/// A 128-bit hash in 16 bytes, written as its 32 hex digits (as [`hex128`]
/// gives them), for state that keeps many of them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Hash128(u128);

impl Hash128 {
    /// XXH3-128 of `bytes` (the value [`hex128`] writes).
    pub fn of_bytes(bytes: &[u8]) -> Self {
        Self(xxh3_128(bytes))
    }

    /// The key for `id`: its own value when it is 32 hex digits (article
    /// ids and content hashes are), else the hash of its bytes.
    pub fn of_id(id: &str) -> Self {
        Self::parse(id).unwrap_or_else(|| Self::of_bytes(id.as_bytes()))
    }

    /// The low 64 bits, a key for hash maps (the hash is already mixed).
    pub fn low64(self) -> u64 {
        self.0 as u64
    }

    /// `hex` if it is 32 hex digits.
    pub fn parse(hex: &str) -> Option<Self> {
        if hex.len() != 32 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        u128::from_str_radix(hex, 16).ok().map(Self)
    }
}

impl std::fmt::Display for Hash128 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:032x}", self.0)
    }
}

impl serde::Serialize for Hash128 {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl schemars::JsonSchema for Hash128 {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Hash128".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "type": "string", "pattern": "^[0-9a-f]{32}$" })
    }
}

impl<'de> serde::Deserialize<'de> for Hash128 {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let hex = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Self::parse(&hex).ok_or_else(|| serde::de::Error::custom("expected 32 hex digits"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_known_value() {
        // Pinned: changing the hash function would change every id in Kafka.
        assert_eq!(hex128(b"lede"), hex128(b"lede"));
        assert_eq!(hex128(b"").len(), 32);
        assert_eq!(hex128(b""), "99aa06d3014798d86001c324468d497f");
    }

    #[test]
    fn parts_are_unambiguous() {
        assert_ne!(hex128_parts(&["ab", "c"]), hex128_parts(&["a", "bc"]));
    }

    #[test]
    fn hash128_reads_and_writes_its_hex() {
        let hex = hex128(b"lede");
        let hash = Hash128::parse(&hex).expect("32 hex digits");
        assert_eq!(hash.to_string(), hex);
        assert_eq!(Hash128::of_id(&hex), hash);
        let json = format!("\"{hex}\"");
        assert_eq!(serde_json::to_string(&hash).ok(), Some(json.clone()));
        assert_eq!(serde_json::from_str::<Hash128>(&json).ok(), Some(hash));
        assert!(serde_json::from_str::<Hash128>("\"xyz\"").is_err());
        // Other ids get a key of their own.
        assert_ne!(Hash128::of_id("a"), Hash128::of_id("b"));
        assert_eq!(Hash128::of_id("a"), Hash128::of_id("a"));
    }
}
