//! Where `run` writes records: one file per resource, written under a temporary name and
//! moved into place only once the resource completed (so a file named `<resource>.jsonl` is
//! always a whole extraction), or stdout for `--out -`.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::args::Format;

/// Records of one resource in the chosen [`Format`], on any writer.
pub struct RecordWriter<W: Write> {
    inner: W,
    format: Format,
    records: u64,
}

impl<W: Write> RecordWriter<W> {
    pub fn new(inner: W, format: Format) -> Self {
        RecordWriter {
            inner,
            format,
            records: 0,
        }
    }

    pub fn record(&mut self, record: &Value) -> io::Result<()> {
        let separator: &[u8] = match (self.format, self.records) {
            (Format::Jsonl, _) => b"",
            (Format::Json, 0) => b"[\n",
            (Format::Json, _) => b",\n",
        };
        self.inner.write_all(separator)?;
        serde_json::to_writer(&mut self.inner, record)?;
        if self.format == Format::Jsonl {
            self.inner.write_all(b"\n")?;
        }
        self.records += 1;
        Ok(())
    }

    /// Pushes what is buffered to the writer (after each page, so `--out -` streams).
    pub fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }

    /// Closes the array (`json`) and flushes; the inner writer back.
    pub fn finish(mut self) -> io::Result<W> {
        if self.format == Format::Json {
            let close: &[u8] = if self.records == 0 { b"[]\n" } else { b"\n]\n" };
            self.inner.write_all(close)?;
        }
        self.inner.flush()?;
        Ok(self.inner)
    }
}

/// A resource's output file while it is being written: `<dir>/.<name>.<ext>.partial`,
/// renamed to `<dir>/<name>.<ext>` by [`PendingFile::commit`] and removed if dropped
/// uncommitted (a failed resource leaves nothing that looks like an extraction; a crash
/// leaves only the dot-file, which the next run overwrites).
pub struct PendingFile {
    temp: PathBuf,
    dest: PathBuf,
    writer: Option<RecordWriter<BufWriter<File>>>,
}

impl PendingFile {
    pub fn create(dir: &Path, resource: &str, format: Format) -> Result<Self, String> {
        let ext = format.extension();
        let dest = dir.join(format!("{resource}.{ext}"));
        let temp = dir.join(format!(".{resource}.{ext}.partial"));
        let file =
            File::create(&temp).map_err(|e| format!("cannot create `{}`: {e}", temp.display()))?;
        Ok(PendingFile {
            writer: Some(RecordWriter::new(BufWriter::new(file), format)),
            temp,
            dest,
        })
    }

    /// Where the file lands once committed.
    pub fn dest(&self) -> &Path {
        &self.dest
    }

    pub fn writer(&mut self) -> &mut RecordWriter<BufWriter<File>> {
        self.writer.as_mut().expect("present until commit")
    }

    /// Makes the output durable and visible: flush, fsync, rename over `<name>.<ext>`, then
    /// fsync the folder so the rename itself survives a crash. Only after this may the
    /// incremental state that covers these records be saved.
    pub fn commit(mut self) -> Result<PathBuf, String> {
        let writer = self.writer.take().expect("committed once");
        let fail = |what: &str, path: &Path, e: io::Error| {
            format!("cannot {what} `{}`: {e}", path.display())
        };
        let file = writer
            .finish()
            .map_err(|e| fail("write", &self.temp, e))?
            .into_inner()
            .map_err(|e| fail("write", &self.temp, e.into_error()))?;
        file.sync_all().map_err(|e| fail("sync", &self.temp, e))?;
        drop(file);
        std::fs::rename(&self.temp, &self.dest)
            .map_err(|e| fail("move the finished output to", &self.dest, e))?;
        if let Some(dir) = self.dest.parent() {
            sync_dir(dir).map_err(|e| fail("sync the folder", dir, e))?;
        }
        Ok(self.dest.clone())
    }
}

impl Drop for PendingFile {
    fn drop(&mut self) {
        // Still uncommitted (the resource failed) or a failed commit: the partial file goes.
        let _ = std::fs::remove_file(&self.temp);
    }
}

/// Writes `bytes` to `path` whole or not at all (temporary file, fsync, rename, folder
/// fsync): for the report.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "report".into());
    let temp = dir.join(format!(".{name}.partial"));
    let result = (|| {
        let mut file = File::create(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&temp, path)?;
        sync_dir(dir)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result
}

/// Persists a folder's entries (a rename is durable only once its folder is synced).
#[cfg(unix)]
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    File::open(dir)?.sync_all()
}

/// Windows cannot open a folder as a file; `MoveFileEx` renames are durable on NTFS.
#[cfg(not(unix))]
pub fn sync_dir(_dir: &Path) -> io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn written(format: Format, records: &[Value]) -> String {
        let mut w = RecordWriter::new(Vec::new(), format);
        for r in records {
            w.record(r).unwrap();
        }
        String::from_utf8(w.finish().unwrap()).unwrap()
    }

    #[test]
    fn json_lines_and_json_arrays() {
        let records = [json!({"id": 1}), json!({"id": 2})];
        assert_eq!(written(Format::Jsonl, &records), "{\"id\":1}\n{\"id\":2}\n");
        assert_eq!(
            written(Format::Json, &records),
            "[\n{\"id\":1},\n{\"id\":2}\n]\n"
        );
        assert_eq!(written(Format::Json, &[]), "[]\n");
        assert_eq!(written(Format::Jsonl, &[]), "");
    }

    #[test]
    fn a_pending_file_appears_only_when_committed() {
        let dir = tempfile::tempdir().unwrap();
        let dir = dir.path();
        let mut dropped = PendingFile::create(dir, "a", Format::Jsonl).unwrap();
        dropped.writer().record(&json!(1)).unwrap();
        drop(dropped);
        let mut kept = PendingFile::create(dir, "b", Format::Jsonl).unwrap();
        kept.writer().record(&json!(2)).unwrap();
        assert_eq!(kept.commit().unwrap(), dir.join("b.jsonl"));
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, ["b.jsonl"]);
        assert_eq!(std::fs::read_to_string(dir.join("b.jsonl")).unwrap(), "2\n");
    }
}
