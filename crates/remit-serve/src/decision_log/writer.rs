//! The writer thread's sink: standard output, or a file rotated by size.
//!
//! Rotation keeps `keep` old files: when writing a line would take the
//! current file past `max_bytes`, `PATH.{keep-1}` becomes `PATH.{keep}` (the
//! oldest, `PATH.{keep}`, is deleted), …, `PATH` becomes `PATH.1`, and a new
//! `PATH` is started. A line is never split across files; a single line
//! longer than `max_bytes` gets a file of its own.

use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// Where lines go.
pub(super) enum Sink {
    /// `--log -`.
    Stdout(BufWriter<io::Stdout>),
    /// `--log PATH`.
    File(FileSink),
}

/// A log file and its rotation.
pub(super) struct FileSink {
    path: PathBuf,
    file: BufWriter<File>,
    size: u64,
    max_bytes: Option<u64>,
    keep: usize,
}

/// Opens `path` for appending; a new file is readable by its owner only
/// (`0600`, as PostgreSQL's `log_file_mode`): the log holds customers'
/// attributes.
fn open(path: &Path) -> io::Result<(BufWriter<File>, u64)> {
    let mut options = OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let file = options.open(path)?;
    let size = file.metadata()?.len();
    Ok((BufWriter::with_capacity(64 * 1024, file), size))
}

/// `PATH.n`.
pub(super) fn rotated(path: &Path, n: usize) -> PathBuf {
    let mut name = path.as_os_str().to_os_string();
    name.push(format!(".{n}"));
    PathBuf::from(name)
}

impl FileSink {
    /// Opens `path` for appending (a restarted service continues the file).
    pub(super) fn open(path: &Path, max_bytes: Option<u64>, keep: usize) -> io::Result<FileSink> {
        let (file, size) = open(path)?;
        Ok(FileSink {
            path: path.to_path_buf(),
            file,
            size,
            max_bytes,
            keep,
        })
    }

    /// Whether a line of `len` bytes must start a new file.
    fn full_for(&self, len: u64) -> bool {
        self.max_bytes
            .is_some_and(|max| self.size > 0 && self.size.saturating_add(len) > max)
    }

    fn rotate(&mut self) -> io::Result<()> {
        self.file.flush()?;
        if self.keep == 0 {
            std::fs::remove_file(&self.path)?;
        } else {
            let oldest = rotated(&self.path, self.keep);
            if oldest.exists() {
                std::fs::remove_file(&oldest)?;
            }
            for n in (1..self.keep).rev() {
                let from = rotated(&self.path, n);
                if from.exists() {
                    std::fs::rename(&from, rotated(&self.path, n + 1))?;
                }
            }
            std::fs::rename(&self.path, rotated(&self.path, 1))?;
        }
        let (file, size) = open(&self.path)?;
        self.file = file;
        self.size = size;
        Ok(())
    }
}

impl Sink {
    /// Writes one line (with its newline); says whether it rotated first.
    pub(super) fn write_line(&mut self, line: &str) -> io::Result<bool> {
        match self {
            Sink::Stdout(out) => {
                out.write_all(line.as_bytes())?;
                out.write_all(b"\n")?;
                Ok(false)
            }
            Sink::File(f) => {
                let len = line.len() as u64 + 1;
                let rotate = f.full_for(len);
                if rotate {
                    f.rotate()?;
                }
                f.file.write_all(line.as_bytes())?;
                f.file.write_all(b"\n")?;
                f.size += len;
                Ok(rotate)
            }
        }
    }

    /// Flushes what is buffered.
    pub(super) fn flush(&mut self) -> io::Result<()> {
        match self {
            Sink::Stdout(out) => out.flush(),
            Sink::File(f) => f.file.flush(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_rotate_by_size_and_keep_the_newest() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.log");
        let mut sink = Sink::File(FileSink::open(&path, Some(25), 2).unwrap());
        let mut rotations = 0;
        for i in 0..7 {
            // 10 bytes with the newline: two lines a file.
            if sink.write_line(&format!("line {i:04}")).unwrap() {
                rotations += 1;
            }
        }
        sink.flush().unwrap();
        assert_eq!(rotations, 3);
        let read = |p: PathBuf| std::fs::read_to_string(p).unwrap();
        assert_eq!(read(path.clone()), "line 0006\n");
        assert_eq!(read(rotated(&path, 1)), "line 0004\nline 0005\n");
        assert_eq!(read(rotated(&path, 2)), "line 0002\nline 0003\n");
        assert!(!rotated(&path, 3).exists(), "only two old files are kept");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
