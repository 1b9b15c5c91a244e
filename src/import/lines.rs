//! Complete lines of a file read in chunks from an offset: a chunk ends at
//! its last newline, and a last line without its newline (still being
//! written) is left for the next import. Memory stays at one chunk (more
//! only for a single line longer than it).

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};

/// Bytes read at a time.
pub const CHUNK: usize = 4 << 20;

/// Reads complete lines from an offset.
pub struct ChunkReader<'a> {
    file: &'a File,
    buffer: Vec<u8>,
    filled: usize,
    consumed: usize,
    at_end: bool,
}

impl<'a> ChunkReader<'a> {
    /// Starts reading `file` at `offset`.
    ///
    /// # Errors
    /// The file cannot be positioned.
    pub fn open(file: &'a File, offset: u64) -> std::io::Result<Self> {
        if offset > 0 {
            let mut handle = file;
            handle.seek(SeekFrom::Start(offset))?;
        }
        Ok(Self::with_capacity(file, CHUNK))
    }

    fn with_capacity(file: &'a File, capacity: usize) -> Self {
        Self {
            file,
            buffer: vec![0; capacity.max(1)],
            filled: 0,
            consumed: 0,
            at_end: false,
        }
    }

    /// The next run of complete lines, each ending with its newline; `None`
    /// when only an incomplete line (or nothing) is left.
    ///
    /// # Errors
    /// The file cannot be read.
    pub fn next_chunk(&mut self) -> std::io::Result<Option<&[u8]>> {
        if self.consumed > 0 {
            self.buffer.copy_within(self.consumed..self.filled, 0);
            self.filled -= self.consumed;
            self.consumed = 0;
        }
        let mut searched = 0;
        loop {
            while !self.at_end && self.filled < self.buffer.len() {
                let mut handle = self.file;
                match handle.read(&mut self.buffer[self.filled..]) {
                    Ok(0) => self.at_end = true,
                    Ok(read) => self.filled += read,
                    Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(error) => return Err(error),
                }
            }
            if let Some(last) = memchr::memrchr(b'\n', &self.buffer[searched..self.filled]) {
                self.consumed = searched + last + 1;
                return Ok(Some(&self.buffer[..self.consumed]));
            }
            if self.at_end {
                return Ok(None);
            }
            // One line longer than the buffer: make room for the rest of it.
            searched = self.filled;
            let larger = self.buffer.len() * 2;
            self.buffer.resize(larger, 0);
        }
    }
}

impl ChunkReader<'_> {
    /// What is left after `next_chunk` gave `None`: an unfinished last line.
    #[must_use]
    pub fn remainder(&self) -> &[u8] {
        &self.buffer[self.consumed..self.filled]
    }
}

/// The lines of a chunk, without their newline (nor a carriage return before it).
pub fn split(chunk: &[u8]) -> impl Iterator<Item = &[u8]> {
    let body = chunk.strip_suffix(b"\n").unwrap_or(chunk);
    body.split(|byte| *byte == b'\n')
        .map(|line| line.strip_suffix(b"\r").unwrap_or(line))
        .take(if chunk.is_empty() { 0 } else { usize::MAX })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::io::Write;

    fn chunks(content: &[u8], capacity: usize, offset: u64) -> (Vec<Vec<u8>>, usize) {
        let mut file = tempfile::tempfile().unwrap();
        file.write_all(content).unwrap();
        let mut handle = &file;
        handle.seek(SeekFrom::Start(offset)).unwrap();
        let mut reader = ChunkReader::with_capacity(&file, capacity);
        let mut lines = Vec::new();
        let mut consumed = 0;
        while let Some(chunk) = reader.next_chunk().unwrap() {
            consumed += chunk.len();
            lines.extend(split(chunk).map(<[u8]>::to_vec));
        }
        (lines, consumed)
    }

    #[test]
    fn a_last_line_without_newline_is_left_for_later() {
        for capacity in [1, 2, 3, 7, 64] {
            let (lines, consumed) = chunks(b"one\ntwo\r\nthree\nfou", capacity, 0);
            assert_eq!(
                lines,
                vec![b"one".to_vec(), b"two".to_vec(), b"three".to_vec()]
            );
            assert_eq!(consumed, 15);
        }
    }

    #[test]
    fn reading_starts_at_the_offset_and_keeps_empty_lines() {
        let (lines, consumed) = chunks(b"one\n\ntwo\n", 4, 4);
        assert_eq!(lines, vec![b"".to_vec(), b"two".to_vec()]);
        assert_eq!(consumed, 5);
        let (lines, consumed) = chunks(b"", 4, 0);
        assert!(lines.is_empty());
        assert_eq!(consumed, 0);
    }
}
