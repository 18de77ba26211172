//! Cutting a JSON-lines input into blocks of whole lines, read in large
//! pieces: `lede dedup`'s reader hands each block to a parsing worker,
//! which splits it into lines itself. One copy from the kernel, and no
//! allocation or UTF-8 check per line (the JSON parser checks the text).

use std::io::Read;

/// Bytes asked of the input per read.
const READ_BYTES: u64 = 64 * 1024;

/// A block of whole lines and the number of its first line (from 1).
pub type Block = (usize, Vec<u8>);

/// An input cut into blocks of whole lines: at most `max_lines` lines, or
/// the whole lines read once a block holds `max_bytes`. A line longer than
/// that makes a block of its own; the input's last line needs no newline.
#[derive(Debug)]
pub struct LineBlocks<R> {
    input: R,
    max_lines: usize,
    max_bytes: usize,
    /// Read and not yet handed out; starts at a line's start.
    pending: Vec<u8>,
    /// How far `pending` has been searched for newlines, how many it holds
    /// up to there, and where the last of them ends.
    scanned: usize,
    newlines: usize,
    last_line_end: usize,
    /// The number of the next block's first line (from 1).
    next_line: usize,
    ended: bool,
    failed: Option<std::io::Error>,
}

impl<R: Read> LineBlocks<R> {
    pub fn new(input: R, max_lines: usize, max_bytes: usize) -> Self {
        Self {
            input,
            max_lines: max_lines.max(1),
            max_bytes,
            pending: Vec::new(),
            scanned: 0,
            newlines: 0,
            last_line_end: 0,
            next_line: 1,
            ended: false,
            failed: None,
        }
    }

    /// The next block and the number of its first line; `None` at the end.
    /// A read error ends the input: the whole lines read before it are
    /// handed out first, then the error (at the next line's number).
    pub fn next_block(&mut self) -> Result<Option<Block>, (usize, std::io::Error)> {
        loop {
            self.scan();
            let full = self.newlines == self.max_lines
                || (self.newlines > 0 && self.pending.len() >= self.max_bytes);
            let cut = if full {
                self.last_line_end
            } else if self.ended {
                self.pending.len()
            } else {
                0
            };
            if cut > 0 {
                return Ok(Some(self.take(cut)));
            }
            if self.ended {
                return self.failed.take().map_or(Ok(None), |e| Err((self.next_line, e)));
            }
            match (&mut self.input).take(READ_BYTES).read_to_end(&mut self.pending) {
                Ok(0) => self.ended = true,
                Ok(_) => {}
                Err(error) => {
                    let whole = memchr::memrchr(b'\n', &self.pending).map_or(0, |i| i + 1);
                    self.pending.truncate(whole);
                    self.scanned = self.scanned.min(whole);
                    (self.ended, self.failed) = (true, Some(error));
                }
            }
        }
    }

    /// Count the newlines of `pending` not yet searched, stopping at the
    /// block's last line.
    fn scan(&mut self) {
        for end in memchr::memchr_iter(b'\n', &self.pending[self.scanned..]) {
            self.newlines += 1;
            self.last_line_end = self.scanned + end + 1;
            if self.newlines == self.max_lines {
                self.scanned = self.last_line_end;
                return;
            }
        }
        self.scanned = self.pending.len();
    }

    /// Hand out `pending[..cut]`, which ends with the newlines counted (or
    /// with the input's last line).
    fn take(&mut self, cut: usize) -> Block {
        // Room for a block like this one and a read, so that filling the
        // next block copies nothing.
        let mut rest = Vec::with_capacity(cut + READ_BYTES as usize);
        rest.extend_from_slice(&self.pending[cut..]);
        let mut block = std::mem::replace(&mut self.pending, rest);
        block.truncate(cut);
        let first_line = self.next_line;
        self.next_line += self.newlines + usize::from(!block.ends_with(b"\n"));
        (self.scanned, self.newlines, self.last_line_end) = (0, 0, 0);
        (first_line, block)
    }
}

/// The lines of a block, without their line ends (`\n` or `\r\n`).
pub fn lines(block: &[u8]) -> impl Iterator<Item = &[u8]> {
    let block = block.strip_suffix(b"\n").unwrap_or(block);
    block.split(|&b| b == b'\n').map(|line| line.strip_suffix(b"\r").unwrap_or(line))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every block of `input`: (first line number, its lines).
    fn blocks(input: &[u8], max_lines: usize, max_bytes: usize) -> Vec<(usize, Vec<String>)> {
        let mut blocks = LineBlocks::new(input, max_lines, max_bytes);
        std::iter::from_fn(|| blocks.next_block().expect("no read error"))
            .map(|(first, block)| {
                (first, lines(&block).map(|l| String::from_utf8_lossy(l).into_owned()).collect())
            })
            .collect()
    }

    #[test]
    fn blocks_hold_at_most_max_lines_numbered_in_order() {
        let input: String = (1..=7).map(|i| format!("line {i}\n")).collect();
        let got = blocks(input.as_bytes(), 3, 1 << 20);
        let numbers: Vec<(usize, usize)> = got.iter().map(|(f, l)| (*f, l.len())).collect();
        assert_eq!(numbers, [(1, 3), (4, 3), (7, 1)]);
        assert_eq!(got[1].1, ["line 4", "line 5", "line 6"]);
    }

    #[test]
    fn a_block_ends_at_the_last_whole_line_once_it_holds_max_bytes() {
        let long = "x".repeat(200_000);
        let input = format!("a\n{long}\nb\r\nc");
        // (first line, each line's length): no long line in a failure message.
        let got: Vec<(usize, Vec<usize>)> = blocks(input.as_bytes(), 256, 1000)
            .into_iter()
            .map(|(first, lines)| (first, lines.iter().map(String::len).collect()))
            .collect();
        // The first read ends inside the long line, which is then read to
        // its end with the lines read along with it; "c" has no newline.
        assert_eq!(got, [(1, vec![1]), (2, vec![200_000, 1]), (4, vec![1])]);
    }

    #[test]
    fn empty_lines_are_lines_and_an_empty_input_has_no_block() {
        assert_eq!(
            blocks(b"\n\nx\n", 256, 1 << 20),
            [(1, vec![String::new(), String::new(), "x".into()])]
        );
        assert!(blocks(b"", 256, 1 << 20).is_empty());
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
        let mut blocks = LineBlocks::new(FailsAfter(b"one\ntwo\nthr"), 256, 1 << 20);
        let (first, block) = blocks.next_block().expect("the whole lines").expect("a block");
        assert_eq!((first, lines(&block).collect::<Vec<_>>()), (1, vec![&b"one"[..], b"two"]));
        let (line, error) = blocks.next_block().expect_err("then the error");
        assert_eq!((line, error.to_string()), (3, "disk gone".to_owned()));
        assert!(matches!(blocks.next_block(), Ok(None)), "and then the end");
    }
}
