//! Output files: written under a temporary name in the destination folder and renamed
//! into place when complete, so a reader never sees a half-written file.

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use thiserror::Error;

#[derive(Debug, Error)]
pub enum OutputError {
    #[error("output folder {0} already exists (use --force to overwrite its files)")]
    Exists(PathBuf),
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: io::Error },
}

impl OutputError {
    pub fn io(path: &Path, source: io::Error) -> Self {
        OutputError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// A file being written: `NAME.tmp-PID` until [`AtomicFile::commit`] renames it to
/// `NAME`. Dropped without commit, the temporary file is removed.
pub struct AtomicFile {
    dest: PathBuf,
    tmp: PathBuf,
    writer: Option<BufWriter<File>>,
}

impl AtomicFile {
    pub fn create(dest: &Path) -> Result<Self, OutputError> {
        let name = dest
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let tmp = dest.with_file_name(format!(".{name}.tmp-{}", std::process::id()));
        let file = File::create(&tmp).map_err(|e| OutputError::io(&tmp, e))?;
        Ok(AtomicFile {
            dest: dest.to_path_buf(),
            tmp,
            writer: Some(BufWriter::with_capacity(1 << 20, file)),
        })
    }

    pub fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.writer
            .as_mut()
            .expect("writer present until commit")
            .write_all(bytes)
    }

    /// Flushes, syncs and renames the file into place.
    pub fn commit(mut self) -> Result<(), OutputError> {
        let writer = self.writer.take().expect("writer present until commit");
        let file = writer
            .into_inner()
            .map_err(|e| OutputError::io(&self.tmp, e.into_error()))?;
        file.sync_all().map_err(|e| OutputError::io(&self.tmp, e))?;
        drop(file);
        fs::rename(&self.tmp, &self.dest).map_err(|e| OutputError::io(&self.dest, e))
    }

    pub fn path(&self) -> &Path {
        &self.dest
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.writer.take().is_some() {
            let _ = fs::remove_file(&self.tmp);
        }
    }
}

/// Writes a whole file atomically.
pub fn write_atomic(dest: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    let mut f = AtomicFile::create(dest)?;
    f.write_all(bytes).map_err(|e| OutputError::io(dest, e))?;
    f.commit()
}

/// Creates the output folder; an existing folder is an error unless `force`.
pub fn prepare_out_dir(dir: &Path, force: bool) -> Result<(), OutputError> {
    if dir.exists() && !force {
        return Err(OutputError::Exists(dir.to_path_buf()));
    }
    fs::create_dir_all(dir).map_err(|e| OutputError::io(dir, e))
}

/// Hex SHA-256 of some bytes (scenario hashes in metadata).
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uncommitted_file_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("a.csv");
        {
            let mut f = AtomicFile::create(&dest).unwrap();
            f.write_all(b"half").unwrap();
        }
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
        let mut f = AtomicFile::create(&dest).unwrap();
        f.write_all(b"whole").unwrap();
        f.commit().unwrap();
        assert_eq!(fs::read_to_string(&dest).unwrap(), "whole");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
