//! `run`: every chosen resource streamed concurrently into `<out>/<resource>.jsonl`.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use futures::TryStreamExt;
use futures::future::join_all;
use rest_source::Resource;
use serde_json::Value;

use crate::progress::{Counters, Progress};

/// What happened to one resource.
pub struct Outcome {
    pub name: String,
    pub records: u64,
    pub pages: u64,
    pub error: Option<String>,
}

/// Writes each resource's records as JSON Lines, one file per resource; a failing resource
/// does not stop the others (its file keeps what was written before the failure).
pub async fn run(resources: &[Resource<Value>], out: &Path) -> (Vec<Outcome>, Duration) {
    let progress = Progress::new(resources.len());
    let ticker = {
        let progress = progress.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(Duration::from_millis(200));
            loop {
                every.tick().await;
                progress.tick();
            }
        })
    };
    let jobs = resources.iter().enumerate().map(|(i, resource)| {
        let progress = progress.clone();
        let path = out.join(format!("{}.jsonl", resource.name()));
        async move {
            let counters = progress.counters[i].clone();
            let result = write_resource(resource, &path, &counters).await;
            progress.finished(
                resource.name(),
                i,
                result.as_ref().map(|_| ()).map_err(String::as_str),
            );
            Outcome {
                name: resource.name().to_owned(),
                records: counters.records(),
                pages: counters.pages(),
                error: result.err(),
            }
        }
    });
    let outcomes = join_all(jobs).await;
    ticker.abort();
    progress.clear();
    (outcomes, progress.elapsed())
}

async fn write_resource(
    resource: &Resource<Value>,
    path: &Path,
    counters: &Arc<Counters>,
) -> Result<(), String> {
    let file =
        File::create(path).map_err(|e| format!("cannot create `{}`: {e}", path.display()))?;
    let mut writer = BufWriter::new(file);
    let write_error = |e: std::io::Error| format!("cannot write `{}`: {e}", path.display());
    let mut pages = resource.pages();
    while let Some(page) = pages.try_next().await.map_err(|e| e.to_string())? {
        for record in page.items() {
            serde_json::to_writer(&mut writer, record).map_err(|e| write_error(e.into()))?;
            writer.write_all(b"\n").map_err(write_error)?;
        }
        counters.page(page.len());
    }
    writer.flush().map_err(write_error)
}
