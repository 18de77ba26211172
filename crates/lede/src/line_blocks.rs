//! Reading a JSON-lines input (`lede dedup`, `lede tag`) in blocks of
//! whole lines, each line at most a fixed length: bad input (a file with
//! no newline) costs bounded memory and ends in an error naming its line.
//! `lede dedup`'s reader hands each block to a parsing worker, which splits
//! it into lines itself: no allocation or UTF-8 check per line (the JSON
//! parser checks the text).

use std::io::{BufRead, BufReader, Read};

/// Bytes asked of the input per read, at least.
const READ_BYTES: usize = 64 * 1024;

/// The longest input line read, without its newline: an article or a text
/// as long as the longest feed body the daemon fetches (10 MiB), with room
/// for its JSON escapes.
pub const MAX_LINE_BYTES: usize = 16 * 1024 * 1024;

/// A block of whole lines and the number of its first line (from 1).
pub type Block = (usize, Vec<u8>);

/// An input cut into blocks of whole lines: at most `max_lines` lines, or
/// fewer once a block holds `max_bytes`, or the whole lines already read
/// (a pipe's lines are handed out as they come, not once `max_lines` have
/// come); the input's last line needs no newline. A line longer than
/// `max_line_bytes` ends the input with an error, after the lines before
/// it.
#[derive(Debug)]
pub struct LineBlocks<R> {
    input: BufReader<R>,
    max_lines: usize,
    max_bytes: usize,
    max_line_bytes: usize,
    /// The number of the next block's first line (from 1).
    next_line: usize,
    /// The last block's length: room for the next one, so that filling it
    /// seldom grows it.
    last_len: usize,
    ended: bool,
    /// What ended the input, handed out after the lines read before it.
    failed: Option<std::io::Error>,
}

impl<R: Read> LineBlocks<R> {
    pub fn new(input: R, max_lines: usize, max_bytes: usize, max_line_bytes: usize) -> Self {
        Self {
            input: BufReader::with_capacity(max_bytes.max(READ_BYTES), input),
            max_lines: max_lines.max(1),
            max_bytes,
            max_line_bytes,
            next_line: 1,
            last_len: 0,
            ended: false,
            failed: None,
        }
    }

    /// The next block and the number of its first line; `None` at the end.
    /// A read error or a line too long ends the input: the whole lines
    /// before it are handed out first, then the error with its line number.
    pub fn next_block(&mut self) -> Result<Option<Block>, (usize, std::io::Error)> {
        let mut block = Vec::with_capacity(self.last_len + READ_BYTES);
        let mut lines = 0;
        // Up to the longest line and its newline.
        let limit = self.max_line_bytes as u64 + 1;
        while !self.ended
            && lines < self.max_lines
            && block.len() < self.max_bytes
            && (lines == 0 || !self.input.buffer().is_empty())
        {
            let start = block.len();
            match (&mut self.input).take(limit).read_until(b'\n', &mut block) {
                Ok(0) => self.ended = true,
                Ok(_) if block.ends_with(b"\n") => lines += 1,
                Ok(read) if read as u64 == limit => {
                    block.truncate(start);
                    let message = format!("line longer than {} bytes", self.max_line_bytes);
                    self.fail(std::io::Error::new(std::io::ErrorKind::InvalidData, message));
                }
                // The input's last line, without a newline.
                Ok(_) => (lines, self.ended) = (lines + 1, true),
                Err(error) => {
                    block.truncate(start);
                    self.fail(error);
                }
            }
        }
        let first_line = self.next_line;
        self.next_line += lines;
        self.last_len = block.len();
        if lines > 0 {
            return Ok(Some((first_line, block)));
        }
        self.failed.take().map_or(Ok(None), |error| Err((self.next_line, error)))
    }

    /// Whether lines already read wait for the next block: when none do,
    /// the next block waits for the input.
    pub fn has_buffered(&self) -> bool {
        !self.input.buffer().is_empty()
    }

    fn fail(&mut self, error: std::io::Error) {
        (self.ended, self.failed) = (true, Some(error));
    }
}

/// The lines of a block that hold more than white space, with their
/// numbers and without their line ends (`\n` or `\r\n`).
pub fn lines(&(first_line, ref block): &Block) -> impl Iterator<Item = (usize, &[u8])> {
    let block = block.strip_suffix(b"\n").unwrap_or(block);
    (first_line..)
        .zip(block.split(|&b| b == b'\n'))
        .map(|(at, line)| (at, line.strip_suffix(b"\r").unwrap_or(line)))
        .filter(|(_, line)| !line.trim_ascii().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every block of `input`: (its first line number, (number, line) of
    /// its lines).
    fn blocks(input: impl Read, max_lines: usize, max_bytes: usize) -> Vec<(usize, Vec<String>)> {
        let mut blocks = LineBlocks::new(input, max_lines, max_bytes, MAX_LINE_BYTES);
        std::iter::from_fn(|| blocks.next_block().expect("no read error"))
            .map(|block| {
                let lines = lines(&block).map(|(at, l)| format!("{at}:{}", l.len()));
                (block.0, lines.collect())
            })
            .collect()
    }

    #[test]
    fn blocks_hold_at_most_max_lines_numbered_in_order() {
        let input: String = (1..=7).map(|i| format!("line {i}\n")).collect();
        let got = blocks(input.as_bytes(), 3, 1 << 20);
        let sizes: Vec<(usize, usize)> = got.iter().map(|(f, l)| (*f, l.len())).collect();
        assert_eq!(sizes, [(1, 3), (4, 3), (7, 1)]);
        assert_eq!(got[1].1, ["4:6", "5:6", "6:6"]);
    }

    #[test]
    fn a_block_ends_after_the_line_that_fills_max_bytes() {
        let long = "x".repeat(200_000);
        let input = format!("a\n{long}\nb\r\nc");
        // (first line, "number:length" of each line): no long line in a
        // failure message; "c" has no newline, "b" loses its "\r".
        assert_eq!(
            blocks(input.as_bytes(), 256, 1000),
            [(1, vec!["1:1".into(), "2:200000".into()]), (3, vec!["3:1".into(), "4:1".into()])]
        );
    }

    #[test]
    fn blank_lines_are_counted_and_skipped_and_an_empty_input_has_no_block() {
        assert_eq!(blocks(&b"\n \r\nx\n\n"[..], 256, 1 << 20), [(1, vec!["3:1".to_owned()])]);
        assert!(blocks(&b""[..], 256, 1 << 20).is_empty());
    }

    #[test]
    fn a_line_longer_than_the_limit_ends_the_input_after_the_lines_before_it() {
        let input = format!("one\n{}\n{}\r\nfour\n", "x".repeat(10), "y".repeat(11));
        let mut blocks = LineBlocks::new(input.as_bytes(), 256, 1 << 20, 10);
        let block = blocks.next_block().expect("the lines before it").expect("a block");
        assert_eq!(lines(&block).collect::<Vec<_>>(), [(1, &b"one"[..]), (2, &[b'x'; 10][..])]);
        let (line, error) = blocks.next_block().expect_err("then the error");
        assert_eq!((line, error.to_string()), (3, "line longer than 10 bytes".to_owned()));
        assert!(matches!(blocks.next_block(), Ok(None)), "and then the end");
    }

    /// Hands out one of its pieces per read, like a pipe written to a
    /// line at a time.
    struct PieceByPiece<'a>(std::collections::VecDeque<&'a [u8]>);

    impl Read for PieceByPiece<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let piece = self.0.pop_front().unwrap_or_default();
            buf[..piece.len()].copy_from_slice(piece);
            Ok(piece.len())
        }
    }

    #[test]
    fn a_block_ends_at_the_lines_read_so_far() {
        let pieces = PieceByPiece([&b"one\n"[..], b"two\nthree\n", b"four"].into());
        assert_eq!(
            blocks(pieces, 256, 1 << 20),
            [
                (1, vec!["1:3".into()]),
                (2, vec!["2:3".into(), "3:5".into()]),
                (4, vec!["4:4".into()])
            ]
        );
    }

    /// Reads `data` in pieces of 7 bytes, then fails.
    struct FailsAfter<'a>(&'a [u8]);

    impl Read for FailsAfter<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if self.0.is_empty() {
                return Err(std::io::Error::other("disk gone"));
            }
            let n = buf.len().min(7).min(self.0.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn a_read_error_comes_after_the_whole_lines_before_it() {
        let mut blocks = LineBlocks::new(FailsAfter(b"one\ntwo\nthr"), 256, 1 << 20, 100);
        let block = blocks.next_block().expect("the whole lines").expect("a block");
        assert_eq!(lines(&block).collect::<Vec<_>>(), [(1, &b"one"[..]), (2, b"two")]);
        let (line, error) = blocks.next_block().expect_err("then the error");
        assert_eq!((line, error.to_string()), (3, "disk gone".to_owned()));
        assert!(matches!(blocks.next_block(), Ok(None)), "and then the end");
    }
}
