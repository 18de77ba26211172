//! Where the engine keeps its live stories' cold parts: the latest text,
//! the story's lists, its shingle set and its index keys. Candidate search
//! reads only the engine's in-memory indexes; the cold part of a story is
//! read when a decision verifies or changes it.
//!
//! Two places: in memory as they are ([`StoryEngine::new`]), or encoded as
//! records appended to a [`RecordLog`] the caller supplies
//! ([`StoryEngine::with_log`]; the daemon gives it a file, so that its
//! memory holds the indexes but not every story's text). The log is a
//! cache, not a copy that must survive: the changelog is, and a restart
//! rebuilds the log from it. A changed story appends a new record; once the
//! dead records outweigh the live ones (and [`COMPACT_AFTER`]), the live
//! ones are copied to a fresh log.
//!
//! [`StoryEngine::new`]: crate::StoryEngine::new
//! [`StoryEngine::with_log`]: crate::StoryEngine::with_log

use std::borrow::Cow;
use std::io;

use crate::engine::{Entry, IndexKeys, Slot};
use crate::minhash::BANDS;

/// Append-only storage of byte records. Implemented for `Vec<u8>` (in
/// memory, for tests) and by the daemon for a file.
pub trait RecordLog: Send + std::fmt::Debug {
    /// Append `bytes`; returns the offset they start at.
    fn append(&mut self, bytes: &[u8]) -> io::Result<u64>;
    /// Fill `buf` from `offset` on.
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()>;
    /// A new, empty log of the same kind (compaction copies into it).
    fn fresh(&self) -> io::Result<Box<dyn RecordLog>>;
}

impl RecordLog for Vec<u8> {
    fn append(&mut self, bytes: &[u8]) -> io::Result<u64> {
        let offset = self.len() as u64;
        self.extend_from_slice(bytes);
        Ok(offset)
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        let start = usize::try_from(offset).map_err(|_| past_the_end())?;
        let bytes = self.get(start..start + buf.len()).ok_or_else(past_the_end)?;
        buf.copy_from_slice(bytes);
        Ok(())
    }

    fn fresh(&self) -> io::Result<Box<dyn RecordLog>> {
        Ok(Box::new(Vec::new()))
    }
}

fn past_the_end() -> io::Error {
    io::Error::new(io::ErrorKind::UnexpectedEof, "read past the end of the record log")
}

/// Why the engine could not read or write a story's record.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The record log failed (a full disk, an IO error).
    #[error("story record log: {0}")]
    Io(#[from] io::Error),
    /// A record did not decode (a bug, or a log changed under the engine).
    #[error("story record {slot}: {message}")]
    Corrupt {
        /// The story's slot.
        slot: Slot,
        /// What was wrong.
        message: String,
    },
}

/// What the story record log holds, for an operator watching its disk.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StoreStats {
    /// Bytes in the log, dead records included.
    pub log_bytes: u64,
    /// Bytes of the live stories' records.
    pub live_bytes: u64,
    /// Times the log was compacted (its live records copied to a fresh one).
    pub compactions: u64,
}

/// Dead bytes the log may hold before it is compacted, whatever the live size.
pub(crate) const COMPACT_AFTER: u64 = 64 << 20;

/// Where a story's record sits in the log.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Record {
    offset: u64,
    len: u32,
}

/// A story being restored, put aside until it gets its slot: in memory, or
/// already in the log.
#[derive(Debug)]
pub(crate) enum Held {
    Entry(Box<Entry>),
    Record(Record),
}

/// The cold parts of the live stories, by slot.
#[derive(Debug)]
pub(crate) enum Store {
    Memory(Vec<Option<Box<Entry>>>),
    Log(Spilled),
}

impl Default for Store {
    fn default() -> Self {
        Store::Memory(Vec::new())
    }
}

/// The stories' records in a log, by slot, and what compaction needs.
#[derive(Debug)]
pub(crate) struct Spilled {
    log: Box<dyn RecordLog>,
    records: Vec<Option<Record>>,
    /// Bytes of the live records, and of all records appended.
    live: u64,
    written: u64,
    /// Compact once the dead bytes exceed this and the live bytes.
    compact_after: u64,
    /// Compactions so far.
    compactions: u64,
}

impl Store {
    pub(crate) fn log(log: Box<dyn RecordLog>) -> Self {
        Self::log_compacting_after(log, COMPACT_AFTER)
    }

    pub(crate) fn log_compacting_after(log: Box<dyn RecordLog>, compact_after: u64) -> Self {
        let records = Vec::new();
        Store::Log(Spilled { log, records, live: 0, written: 0, compact_after, compactions: 0 })
    }

    /// The log's size, live part and compactions (all 0 in memory).
    pub(crate) fn stats(&self) -> StoreStats {
        match self {
            Store::Memory(_) => StoreStats::default(),
            Store::Log(spilled) => StoreStats {
                log_bytes: spilled.written,
                live_bytes: spilled.live,
                compactions: spilled.compactions,
            },
        }
    }

    /// The story in `slot`, decoded if it is in the log.
    pub(crate) fn get(&self, slot: Slot) -> Result<Option<Cow<'_, Entry>>, StoreError> {
        match self {
            Store::Memory(entries) => Ok(slot_of(entries, slot).map(Cow::Borrowed)),
            Store::Log(spilled) => {
                let Some(bytes) = spilled.read(slot)? else { return Ok(None) };
                let view = View::parse(&bytes, slot)?;
                Ok(Some(Cow::Owned(view.entry(slot)?)))
            }
        }
    }

    /// The story's 2-word shingle set alone (verification reads nothing else).
    pub(crate) fn compare(&self, slot: Slot) -> Result<Option<Cow<'_, [u32]>>, StoreError> {
        match self {
            Store::Memory(entries) => {
                Ok(slot_of(entries, slot).map(|e| Cow::Borrowed(e.compare.as_slice())))
            }
            Store::Log(spilled) => {
                let Some(bytes) = spilled.read(slot)? else { return Ok(None) };
                Ok(Some(Cow::Owned(View::parse(&bytes, slot)?.compare())))
            }
        }
    }

    /// The keys the engine's indexes hold for the story (read from the
    /// record's header in the log: its text is not decoded).
    pub(crate) fn index_keys(&self, slot: Slot) -> Result<IndexKeys, StoreError> {
        let missing = || corrupt(slot, "no story stored");
        match self {
            Store::Memory(entries) => slot_of(entries, slot).map(IndexKeys::of).ok_or_else(missing),
            Store::Log(spilled) => {
                let bytes = spilled.read(slot)?.ok_or_else(missing)?;
                Ok(View::parse(&bytes, slot)?.index_keys())
            }
        }
    }

    /// The changelog value of the story: its snapshot as JSON.
    pub(crate) fn snapshot_json(&self, slot: Slot) -> Result<Option<Vec<u8>>, StoreError> {
        match self {
            Store::Memory(entries) => slot_of(entries, slot)
                .map(|e| serde_json::to_vec(&e.story).map_err(|e| corrupt(slot, e)))
                .transpose(),
            Store::Log(spilled) => {
                let Some(bytes) = spilled.read(slot)? else { return Ok(None) };
                Ok(Some(View::parse(&bytes, slot)?.json.to_vec()))
            }
        }
    }

    /// Take the story out to change it; [`Store::put`] it back changed, or
    /// [`Store::put_back`] unchanged.
    pub(crate) fn take(&mut self, slot: Slot) -> Result<Option<Box<Entry>>, StoreError> {
        match self {
            Store::Memory(entries) => Ok(entries.get_mut(slot as usize).and_then(Option::take)),
            Store::Log(_) => Ok(self.get(slot)?.map(|entry| Box::new(entry.into_owned()))),
        }
    }

    /// Return a story [`Store::take`] took, unchanged.
    pub(crate) fn put_back(&mut self, slot: Slot, entry: Box<Entry>) {
        if let Store::Memory(entries) = self {
            place(entries, slot, Some(entry));
        }
    }

    /// Store `entry` in `slot` (new, or changed).
    pub(crate) fn put(&mut self, slot: Slot, entry: Box<Entry>) -> Result<(), StoreError> {
        match self {
            Store::Memory(entries) => {
                place(entries, slot, Some(entry));
                Ok(())
            }
            Store::Log(spilled) => {
                let json = serde_json::to_vec(&entry.story).map_err(|e| corrupt(slot, e))?;
                let record = encode(&entry, &json);
                spilled.put(slot, &record)
            }
        }
    }

    /// Put a story being restored aside until it gets its slot (its
    /// changelog value `json` goes into the log as it is, not encoded again).
    pub(crate) fn hold(&mut self, entry: Box<Entry>, json: &[u8]) -> Result<Held, StoreError> {
        match self {
            Store::Memory(_) => Ok(Held::Entry(entry)),
            Store::Log(spilled) => {
                let bytes = encode(&entry, json);
                let len = u32::try_from(bytes.len()).map_err(|_| too_long(Slot::MAX))?;
                let offset = spilled.log.append(&bytes)?;
                spilled.written += u64::from(len);
                Ok(Held::Record(Record { offset, len }))
            }
        }
    }

    /// Give a story [`Store::hold`] put aside its slot.
    pub(crate) fn place(&mut self, slot: Slot, held: Held) -> Result<(), StoreError> {
        match (self, held) {
            (Store::Log(spilled), Held::Record(record)) => {
                place(&mut spilled.records, slot, Some(record));
                spilled.live += u64::from(record.len);
                Ok(())
            }
            (store, Held::Entry(entry)) => store.put(slot, entry),
            (Store::Memory(_), Held::Record(_)) => {
                Err(corrupt(slot, "a record log's story given to the memory store"))
            }
        }
    }

    /// Forget the story in `slot`.
    pub(crate) fn remove(&mut self, slot: Slot) {
        match self {
            Store::Memory(entries) => place(entries, slot, None),
            Store::Log(spilled) => {
                if let Some(record) = spilled.records.get_mut(slot as usize).and_then(Option::take)
                {
                    spilled.live -= u64::from(record.len);
                }
            }
        }
    }
}

fn slot_of(entries: &[Option<Box<Entry>>], slot: Slot) -> Option<&Entry> {
    entries.get(slot as usize)?.as_deref()
}

fn place<T>(items: &mut Vec<Option<T>>, slot: Slot, item: Option<T>) {
    let at = slot as usize;
    if items.len() <= at {
        items.resize_with(at + 1, || None);
    }
    items[at] = item;
}

fn too_long(slot: Slot) -> StoreError {
    corrupt(slot, "record over 4 GiB")
}

fn corrupt(slot: Slot, error: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt { slot, message: error.to_string() }
}

impl Spilled {
    fn read(&self, slot: Slot) -> Result<Option<Vec<u8>>, StoreError> {
        let Some(record) = self.records.get(slot as usize).copied().flatten() else {
            return Ok(None);
        };
        let mut bytes = vec![0; record.len as usize];
        self.log.read_at(record.offset, &mut bytes)?;
        Ok(Some(bytes))
    }

    fn put(&mut self, slot: Slot, bytes: &[u8]) -> Result<(), StoreError> {
        let len = u32::try_from(bytes.len()).map_err(|_| too_long(slot))?;
        let offset = self.log.append(bytes)?;
        let old = self.records.get(slot as usize).copied().flatten();
        place(&mut self.records, slot, Some(Record { offset, len }));
        self.live = self.live + u64::from(len) - old.map_or(0, |old| u64::from(old.len));
        self.written += u64::from(len);
        let dead = self.written - self.live;
        if dead > self.compact_after.max(self.live) {
            self.compact()?;
        }
        Ok(())
    }

    /// Copy the live records to a fresh log, in slot order.
    fn compact(&mut self) -> Result<(), StoreError> {
        let mut fresh = self.log.fresh()?;
        let mut bytes = Vec::new();
        for record in self.records.iter_mut().flatten() {
            bytes.resize(record.len as usize, 0);
            self.log.read_at(record.offset, &mut bytes)?;
            record.offset = fresh.append(&bytes)?;
        }
        self.log = fresh;
        self.written = self.live;
        self.compactions += 1;
        Ok(())
    }
}

/// A record: a header of counts, the index keys (bands, paragraphs), the
/// shingle set, the headline keys, the exact keys and the sources' mask as
/// little-endian integers, then the story's snapshot as JSON (its
/// changelog value).
fn encode(entry: &Entry, json: &[u8]) -> Vec<u8> {
    let keys = IndexKeys::of(entry);
    let counts = [
        keys.paragraph_keys.len(),
        entry.compare.len(),
        keys.article.len(),
        keys.url.len(),
        keys.hash.len(),
        keys.headline.len(),
    ];
    let size = 4 * (counts.len() + BANDS + counts[0] + counts[1] + counts[5])
        + 8 * (counts[2] + counts[3] + counts[4] + 1)
        + json.len();
    let mut out = Vec::with_capacity(size);
    // Lists are capped far below u32::MAX (`max_keys_per_story`, a text's words).
    let counts = counts.map(|n| u32::try_from(n).unwrap_or(u32::MAX));
    for value in (counts.iter().chain(&keys.bands).chain(&keys.paragraph_keys))
        .chain(&entry.compare)
        .chain(&keys.headline)
    {
        out.extend_from_slice(&value.to_le_bytes());
    }
    for value in keys.article.iter().chain(&keys.url).chain(&keys.hash).chain([&keys.sources]) {
        out.extend_from_slice(&value.to_le_bytes());
    }
    out.extend_from_slice(json);
    out
}

/// A record's parts, read back.
struct View<'a> {
    bands: [u32; BANDS],
    paragraph_keys: &'a [u8],
    compare: &'a [u8],
    headline: &'a [u8],
    article: &'a [u8],
    url: &'a [u8],
    hash: &'a [u8],
    sources: u64,
    json: &'a [u8],
}

impl<'a> View<'a> {
    fn parse(bytes: &'a [u8], slot: Slot) -> Result<Self, StoreError> {
        let short = || corrupt(slot, "record shorter than its header says");
        let mut rest = bytes;
        let mut take = |len: usize| -> Result<&'a [u8], StoreError> {
            if rest.len() < len {
                return Err(short());
            }
            let (head, tail) = rest.split_at(len);
            rest = tail;
            Ok(head)
        };
        let header = u32s(take(4 * 6)?);
        let mut bands = [0; BANDS];
        bands.iter_mut().zip(u32s(take(4 * BANDS)?)).for_each(|(band, key)| *band = key);
        let [paragraphs, compare, article, url, hash, headline] =
            [0, 1, 2, 3, 4, 5].map(|i| header.clone().nth(i).unwrap_or(0) as usize);
        let paragraph_keys = take(4 * paragraphs)?;
        let compare = take(4 * compare)?;
        let headline = take(4 * headline)?;
        let article = take(8 * article)?;
        let url = take(8 * url)?;
        let hash = take(8 * hash)?;
        let sources = u64s(take(8)?).next().unwrap_or(u64::MAX);
        Ok(View {
            bands,
            paragraph_keys,
            compare,
            headline,
            article,
            url,
            hash,
            sources,
            json: rest,
        })
    }

    fn compare(&self) -> Vec<u32> {
        u32s(self.compare).collect()
    }

    fn index_keys(&self) -> IndexKeys {
        IndexKeys {
            bands: self.bands,
            paragraph_keys: u32s(self.paragraph_keys).collect(),
            article: u64s(self.article).collect(),
            url: u64s(self.url).collect(),
            hash: u64s(self.hash).collect(),
            sources: self.sources,
            headline: u32s(self.headline).collect(),
        }
    }

    fn entry(&self, slot: Slot) -> Result<Entry, StoreError> {
        let story = serde_json::from_slice(self.json).map_err(|e| corrupt(slot, e))?;
        Ok(Entry {
            story,
            compare: self.compare(),
            bands: self.bands,
            paragraph_keys: u32s(self.paragraph_keys).collect(),
        })
    }
}

fn u32s(bytes: &[u8]) -> impl Iterator<Item = u32> + Clone + '_ {
    bytes.chunks_exact(4).map(|b| u32::from_le_bytes(b.try_into().unwrap_or([0; 4])))
}

fn u64s(bytes: &[u8]) -> impl Iterator<Item = u64> + '_ {
    bytes.chunks_exact(8).map(|b| u64::from_le_bytes(b.try_into().unwrap_or([0; 8])))
}
