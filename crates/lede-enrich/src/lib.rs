//! Lede's enrichment stage: what language a story is in, and who and where
//! it names. Pure: no IO, no clock; the same text gives the same answer.
//!
//! - [`language`]: whatlang over the title and the opening of the text.
//! - [`entities`]: people, organisations and places ([`Tagger`]): a
//!   gazetteer (aho-corasick over GeoNames places, organisations and
//!   nationality words) and an averaged-perceptron sequence tagger for the
//!   names no list knows; places resolved to GeoNames ids. The tagger is
//!   trained on English; on other languages only listed names are found.

pub mod entities;
mod gazetteer;
mod language;
pub mod perceptron;
pub mod tokens;

pub use entities::{MAX_TAGGED_BYTES, Tagger};
pub use language::language;
