//! `run`'s work: every chosen resource streamed into its output, into files concurrently or
//! to stdout one resource after another (dlt's `parallelized` resources fetched alongside,
//! through spool files, and written out in their turn).

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::TryStreamExt;
use futures::future::join_all;
use rest_source::{Resource, RunReport};
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
    /// The complete output (`-` for stdout); `None` when the resource failed or was
    /// skipped.
    pub output: Option<PathBuf>,
    /// Why this share of a partitioned run took none of the resource (share 0 runs it).
    pub skipped: Option<String>,
    pub error: Option<String>,
    pub duration: Duration,
    /// The runtime's report of the run; `None` when its stream did not end (the output
    /// failed first).
    pub report: Option<RunReport>,
}

impl Outcome {
    /// Retries of every cause (0 without a report).
    pub fn retries(&self) -> u64 {
        self.report.as_ref().map_or(0, RunReport::total_retries)
    }

    /// Token fetches (0 without a report).
    pub fn token_fetches(&self) -> u64 {
        self.report.as_ref().map_or(0, |r| r.token_fetches)
    }

    /// Why paging stopped, in words (`-` when no page loop ended).
    pub fn stopped(&self) -> String {
        self.report
            .as_ref()
            .and_then(RunReport::stop_reason)
            .map_or_else(|| "-".to_owned(), |reason| reason.to_string())
    }

    pub fn status(&self) -> Status {
        if self.error.is_some() {
            Status::Failed
        } else if self.skipped.is_some() {
            Status::Skipped
        } else {
            Status::Ok
        }
    }

    /// How the resource was split, for a partitioned run.
    pub fn split(&self) -> Option<&rest_source::PartitionReport> {
        self.report.as_ref()?.partition.as_ref()
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
    progress.follow(resources);
    let outcomes = match target {
        Target::Dir(dir) => {
            let jobs = resources.iter().enumerate().map(|(i, resource)| {
                let progress = progress.clone();
                async move {
                    let start = Instant::now();
                    let mut report = None;
                    let result = to_file(resource, i, dir, format, &progress, &mut report).await;
                    finish(resource, i, result, report, start, &progress)
                }
            });
            join_all(jobs).await
        }
        Target::Stdout => {
            // dlt's `parallelized`: such resources are fetched side by side with the others,
            // each into a spool file, and written out in config order when their turn comes
            // (stdout stays one resource after another).
            let spool = spool_dir();
            let mut spooled: Vec<Option<tokio::task::JoinHandle<Spooled>>> = resources
                .iter()
                .enumerate()
                .map(|(i, resource)| {
                    resource
                        .spec()
                        .parallelized
                        .then(|| spawn_spooled(resource, i, &spool, format, &progress))
                })
                .collect();
            let mut outcomes = Vec::with_capacity(resources.len());
            for (i, resource) in resources.iter().enumerate() {
                let (result, report, start) = match spooled[i].take() {
                    Some(job) => match job.await {
                        Ok(done) => (
                            done.result.and_then(|p| match p {
                                Some(p) => copy_to_stdout(&p).map(Some),
                                None => Ok(None),
                            }),
                            done.report,
                            done.start,
                        ),
                        Err(e) => (
                            Err(format!("the resource's task failed: {e}")),
                            None,
                            Instant::now(),
                        ),
                    },
                    None => {
                        let start = Instant::now();
                        let mut report = None;
                        let result = to_stdout(resource, i, format, &progress, &mut report).await;
                        (result, report, start)
                    }
                };
                outcomes.push(finish(resource, i, result, report, start, &progress));
            }
            let _ = std::fs::remove_dir_all(&spool);
            outcomes
        }
    };
    progress.clear();
    (outcomes, progress.elapsed())
}

fn finish(
    resource: &Resource<Value>,
    i: usize,
    result: Result<Option<PathBuf>, String>,
    report: Option<RunReport>,
    start: Instant,
    progress: &Progress,
) -> Outcome {
    let retries = report.as_ref().map_or(0, RunReport::total_retries);
    progress.finished(
        resource.name(),
        i,
        retries,
        result.as_ref().map(|_| ()).map_err(String::as_str),
    );
    // Problems that did not fail the resource (`completeness = "warn"`); they are in the
    // report too.
    for warning in report.iter().flat_map(|r| &r.warnings) {
        progress.warn(warning);
    }
    let counters = &progress.counters[i];
    let (output, error) = match result {
        Ok(path) => (path, None),
        Err(e) => (None, Some(e)),
    };
    let skipped = skip_reason(report.as_ref());
    Outcome {
        name: resource.name().to_owned(),
        records: counters.records(),
        pages: counters.pages(),
        output,
        skipped,
        error,
        duration: start.elapsed(),
        report,
    }
}

/// Streams every page of `resource` into `writer`, flushing after each page. Once the
/// stream has ended (its last page, or the error that ended it), `report` holds its report.
async fn write_pages<W: Write>(
    resource: &Resource<Value>,
    i: usize,
    writer: &mut RecordWriter<W>,
    progress: &Arc<Progress>,
    shown: &Path,
    report: &mut Option<RunReport>,
) -> Result<(), String> {
    let write_error = |e: std::io::Error| format!("cannot write `{}`: {e}", shown.display());
    let mut pages = resource.pages();
    loop {
        let next = pages.try_next().await;
        if matches!(next, Ok(None) | Err(_)) {
            // The stream has ended, so its run's report is this resource's last one.
            *report = resource.last_report();
        }
        let Some(page) = next.map_err(|e| e.to_string())? else {
            break;
        };
        for record in page.items() {
            writer.record(record).map_err(write_error)?;
        }
        writer.flush().map_err(write_error)?;
        progress.page(i, page.len());
    }
    Ok(())
}

/// Why a share took none of the resource, from its run's report.
fn skip_reason(report: Option<&RunReport>) -> Option<String> {
    match &report?.partition.as_ref()?.split {
        rest_source::Split::Skipped { reason } => Some(reason.clone()),
        _ => None,
    }
}

/// The output file's name without its extension: the resource's name, and for a share of
/// a partitioned run `<name>.part-<I>-of-<N>`, so the shares' files never overwrite each
/// other in a shared folder.
fn file_stem(resource: &Resource<Value>) -> String {
    match resource.share() {
        Some(p) if !p.is_whole() => {
            format!("{}.part-{}-of-{}", resource.name(), p.index(), p.count())
        }
        _ => resource.name().to_owned(),
    }
}

/// The complete file, or `None` when another share runs the resource (then no file is
/// left behind).
async fn to_file(
    resource: &Resource<Value>,
    i: usize,
    dir: &Path,
    format: Format,
    progress: &Arc<Progress>,
    report: &mut Option<RunReport>,
) -> Result<Option<PathBuf>, String> {
    let mut file = PendingFile::create(dir, &file_stem(resource), format)?;
    let shown = file.dest().to_owned();
    write_pages(resource, i, file.writer(), progress, &shown, report).await?;
    if skip_reason(report.as_ref()).is_some() {
        return Ok(None);
    }
    file.commit().map(Some)
}

/// A parallelized resource's run into its spool file, for `--out -`.
struct Spooled {
    result: Result<Option<PathBuf>, String>,
    report: Option<RunReport>,
    start: Instant,
}

/// This process's own folder for spool files.
fn spool_dir() -> PathBuf {
    std::env::temp_dir().join(format!("rest-source-spool-{}", std::process::id()))
}

fn spawn_spooled(
    resource: &Resource<Value>,
    i: usize,
    dir: &Path,
    format: Format,
    progress: &Arc<Progress>,
) -> tokio::task::JoinHandle<Spooled> {
    let (resource, dir, progress) = (resource.clone(), dir.to_owned(), progress.clone());
    tokio::spawn(async move {
        let start = Instant::now();
        let mut report = None;
        let result = match std::fs::create_dir_all(&dir) {
            Ok(()) => to_file(&resource, i, &dir, format, &progress, &mut report).await,
            Err(e) => Err(format!("cannot create `{}`: {e}", dir.display())),
        };
        Spooled {
            result,
            report,
            start,
        }
    })
}

/// Writes a finished spool file to stdout and removes it.
fn copy_to_stdout(path: &Path) -> Result<PathBuf, String> {
    let copied = std::fs::File::open(path).and_then(|mut file| {
        let mut out = std::io::stdout().lock();
        std::io::copy(&mut file, &mut out)?;
        out.flush()
    });
    let _ = std::fs::remove_file(path);
    copied
        .map(|()| PathBuf::from("-"))
        .map_err(|e| format!("cannot write `stdout`: {e}"))
}

async fn to_stdout(
    resource: &Resource<Value>,
    i: usize,
    format: Format,
    progress: &Arc<Progress>,
    report: &mut Option<RunReport>,
) -> Result<Option<PathBuf>, String> {
    let shown = Path::new("stdout");
    let mut writer = RecordWriter::new(BufWriter::new(std::io::stdout()), format);
    write_pages(resource, i, &mut writer, progress, shown, report).await?;
    writer
        .finish()
        .map_err(|e| format!("cannot write `stdout`: {e}"))?;
    Ok(Some(PathBuf::from("-")))
}
