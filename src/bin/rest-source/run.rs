//! `run`'s work: every chosen resource streamed into its output, into files concurrently or
//! to stdout one resource after another.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::TryStreamExt;
use futures::future::join_all;
use rest_source::Resource;
use serde_json::Value;

use crate::args::Format;
use crate::output::{PendingFile, RecordWriter};
use crate::progress::Progress;
use crate::report::Status;

/// Where records go.
pub enum Target<'a> {
    /// `<dir>/<resource>.<ext>`, each moved into place once its resource completed.
    Dir(&'a Path),
    /// stdout, one resource after another.
    Stdout,
}

/// What happened to one resource.
pub struct Outcome {
    pub name: String,
    pub records: u64,
    pub pages: u64,
    /// The complete output (`-` for stdout); `None` when the resource failed.
    pub output: Option<PathBuf>,
    pub error: Option<String>,
    pub duration: Duration,
}

impl Outcome {
    pub fn status(&self) -> Status {
        if self.error.is_some() {
            Status::Failed
        } else {
            Status::Ok
        }
    }
}

/// Writes each resource's records; a failing resource does not stop the others, and leaves
/// no output file behind.
pub async fn run(
    resources: &[Resource<Value>],
    target: Target<'_>,
    format: Format,
    quiet: bool,
) -> (Vec<Outcome>, Duration) {
    let names: Vec<&str> = resources.iter().map(Resource::name).collect();
    let progress = Progress::new(&names, quiet);
    let outcomes = match target {
        Target::Dir(dir) => {
            let jobs = resources.iter().enumerate().map(|(i, resource)| {
                let progress = progress.clone();
                async move {
                    let start = Instant::now();
                    let result = to_file(resource, i, dir, format, &progress).await;
                    finish(resource, i, result, start, &progress)
                }
            });
            join_all(jobs).await
        }
        Target::Stdout => {
            let mut outcomes = Vec::with_capacity(resources.len());
            for (i, resource) in resources.iter().enumerate() {
                let start = Instant::now();
                let result = to_stdout(resource, i, format, &progress).await;
                outcomes.push(finish(resource, i, result, start, &progress));
            }
            outcomes
        }
    };
    progress.clear();
    (outcomes, progress.elapsed())
}

fn finish(
    resource: &Resource<Value>,
    i: usize,
    result: Result<PathBuf, String>,
    start: Instant,
    progress: &Progress,
) -> Outcome {
    progress.finished(
        resource.name(),
        i,
        result.as_ref().map(|_| ()).map_err(String::as_str),
    );
    let counters = &progress.counters[i];
    let (output, error) = match result {
        Ok(path) => (Some(path), None),
        Err(e) => (None, Some(e)),
    };
    Outcome {
        name: resource.name().to_owned(),
        records: counters.records(),
        pages: counters.pages(),
        output,
        error,
        duration: start.elapsed(),
    }
}

/// Streams every page of `resource` into `writer`, flushing after each page.
async fn write_pages<W: Write>(
    resource: &Resource<Value>,
    i: usize,
    writer: &mut RecordWriter<W>,
    progress: &Arc<Progress>,
    shown: &Path,
) -> Result<(), String> {
    let write_error = |e: std::io::Error| format!("cannot write `{}`: {e}", shown.display());
    let mut pages = resource.pages();
    while let Some(page) = pages.try_next().await.map_err(|e| e.to_string())? {
        for record in page.items() {
            writer.record(record).map_err(write_error)?;
        }
        writer.flush().map_err(write_error)?;
        progress.page(i, page.len());
    }
    Ok(())
}

async fn to_file(
    resource: &Resource<Value>,
    i: usize,
    dir: &Path,
    format: Format,
    progress: &Arc<Progress>,
) -> Result<PathBuf, String> {
    let mut file = PendingFile::create(dir, resource.name(), format)?;
    let shown = file.dest().to_owned();
    write_pages(resource, i, file.writer(), progress, &shown).await?;
    file.commit()
}

async fn to_stdout(
    resource: &Resource<Value>,
    i: usize,
    format: Format,
    progress: &Arc<Progress>,
) -> Result<PathBuf, String> {
    let shown = Path::new("stdout");
    let mut writer = RecordWriter::new(BufWriter::new(std::io::stdout()), format);
    write_pages(resource, i, &mut writer, progress, shown).await?;
    writer
        .finish()
        .map_err(|e| format!("cannot write `stdout`: {e}"))?;
    Ok(PathBuf::from("-"))
}
