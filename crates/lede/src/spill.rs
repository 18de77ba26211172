//! The daemon's story record log (see `lede_story::store`): an unnamed file
//! in a temporary directory, so that the daemon's memory holds the story
//! index but not every live story's text. The file is a cache rebuilt from
//! the changelog at every start; it is unlinked as soon as it is created,
//! so the system frees its space when the daemon exits, however it exits.

use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use lede_story::RecordLog;

/// Appends are written in pieces of at least this many bytes.
const WRITE_AT: usize = 256 << 10;

/// An append-only file of story records.
#[derive(Debug)]
pub(crate) struct SpillFile {
    file: File,
    dir: PathBuf,
    /// Bytes written to the file; appends after them wait in `pending`.
    written: u64,
    pending: Vec<u8>,
}

impl SpillFile {
    /// A new, empty log in `dir`.
    pub(crate) fn create(dir: &Path) -> io::Result<Self> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let name =
            format!("lede-stories-{}-{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
        let path = dir.join(name);
        let file = OpenOptions::new().read(true).write(true).create_new(true).open(&path)?;
        std::fs::remove_file(&path)?;
        Ok(Self { file, dir: dir.to_owned(), written: 0, pending: Vec::with_capacity(WRITE_AT) })
    }
}

impl RecordLog for SpillFile {
    fn append(&mut self, bytes: &[u8]) -> io::Result<u64> {
        let offset = self.written + self.pending.len() as u64;
        self.pending.extend_from_slice(bytes);
        if self.pending.len() >= WRITE_AT {
            self.file.write_all_at(&self.pending, self.written)?;
            self.written += self.pending.len() as u64;
            self.pending.clear();
        }
        Ok(offset)
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        // The part before `written` is in the file, the rest in `pending`.
        let in_file = usize::try_from(self.written.saturating_sub(offset))
            .unwrap_or(usize::MAX)
            .min(buf.len());
        let (from_file, from_pending) = buf.split_at_mut(in_file);
        if !from_file.is_empty() {
            self.file.read_exact_at(from_file, offset)?;
        }
        if !from_pending.is_empty() {
            let start = usize::try_from(offset + in_file as u64 - self.written)
                .map_err(|_| io::Error::from(io::ErrorKind::UnexpectedEof))?;
            let bytes = self
                .pending
                .get(start..start + from_pending.len())
                .ok_or_else(|| io::Error::from(io::ErrorKind::UnexpectedEof))?;
            from_pending.copy_from_slice(bytes);
        }
        Ok(())
    }

    fn fresh(&self) -> io::Result<Box<dyn RecordLog>> {
        Ok(Box::new(Self::create(&self.dir)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_read_back_from_the_file_and_the_pending_tail() {
        let dir = std::env::temp_dir();
        let mut log = SpillFile::create(&dir).expect("created");
        let big = vec![7u8; WRITE_AT - 3];
        let records: Vec<Vec<u8>> =
            vec![b"first".to_vec(), big, b"straddles".to_vec(), b"tail".to_vec()];
        let offsets: Vec<u64> =
            records.iter().map(|record| log.append(record).expect("appended")).collect();
        assert!(log.written > 0 && !log.pending.is_empty(), "some written, some pending");
        for (record, offset) in records.iter().zip(&offsets) {
            let mut buf = vec![0; record.len()];
            log.read_at(*offset, &mut buf).expect("read");
            assert_eq!(&buf, record);
        }
        let mut past = [0u8; 8];
        assert!(log.read_at(offsets[3], &mut past).is_err(), "a read past the end fails");
        let fresh = log.fresh().expect("a fresh log");
        assert!(fresh.read_at(0, &mut [0u8; 1]).is_err(), "a fresh log is empty");
    }

    #[test]
    fn the_file_has_no_name() {
        let dir = std::env::temp_dir().join(format!("lede-spill-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let log = SpillFile::create(&dir).expect("created");
        assert_eq!(std::fs::read_dir(&dir).expect("listed").count(), 0);
        drop(log);
        std::fs::remove_dir(&dir).expect("removed");
    }

    #[test]
    fn a_missing_directory_is_an_error() {
        let error = SpillFile::create(Path::new("/nonexistent/lede")).expect_err("no directory");
        assert_eq!(error.kind(), io::ErrorKind::NotFound);
    }
}
