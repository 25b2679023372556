//! Partitioned runs: one deterministic share of a resource's work, for the parallel tasks of
//! an orchestrator (Kubernetes indexed Jobs, Airflow task mapping, Dagster partitions).
//!
//! [`Partition::new`]`(i, n)` names share `i` of `n`, **zero-based** as Kubernetes'
//! `JOB_COMPLETION_INDEX` (`0/4` … `3/4`); [`crate::Resource::partition`] makes a resource
//! run only that share. The `n` shares together are exactly the whole — no record twice,
//! none missing — split by what the resource allows ([`SplitBy`]):
//!
//! - **A child resource** ([`SplitBy::Parents`]): every share reads the parent whole and
//!   fetches the children of the parent records whose key hashes into it (a stable hash of
//!   the parent fields the child uses, written down in [`hash`](self::share_of)).
//! - **Addressable pages** ([`SplitBy::Pages`]: `offset` or `page_number` that learn a total
//!   from the first page): every share requests the first page to learn how many pages
//!   there are, then its own range of them; only the share whose range holds the first page
//!   keeps its records. When the first page states no total, share 0 pages on through the
//!   whole resource and the others stop ([`Split::Whole`] / [`Split::Skipped`]).
//! - **Anything else** ([`SplitBy::Whole`]: link or cursor pages, an incremental resource
//!   without a parent, `max_items`/`max_pages`, a custom paginator): share 0 runs it whole and
//!   the other shares send no request.
//!
//! Each run's [`crate::RunReport::partition`] says which share ran and how the resource was
//! split. A share of a split child keeps its incremental state under its own key
//! ([`Partition::state_key`], `notes#2/4`); a resource run whole keeps its unpartitioned key.
//!
//! ```
//! use rest_source_runtime::Partition;
//!
//! let share: Partition = "2/4".parse()?;
//! assert_eq!((share.index(), share.count()), (2, 4));
//! assert_eq!(share.state_key("notes"), "notes#2/4");
//! assert!("4/4".parse::<Partition>().is_err()); // shares are numbered 0 to 3
//! # Ok::<(), rest_source_runtime::Error>(())
//! ```

use std::fmt;
use std::ops::Range;
use std::str::FromStr;

use serde::Serialize;

use crate::error::{Error, Result};

pub mod hash;
pub(crate) mod pages;

pub(crate) use hash::parent_key;
pub use hash::{share_of, stable_hash};

/// Share `index` of `count` (zero-based). See the guide chapter on partitioned runs (`rest_source::guide::partition`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Partition {
    index: u32,
    count: u32,
}

impl Partition {
    /// Share `index` of `count`, zero-based (`0..count`, as Kubernetes' indexed Jobs number
    /// their pods). Fails with [`Error::Config`] when `count` is 0 or `index` is not below
    /// it.
    pub fn new(index: u32, count: u32) -> Result<Self> {
        if count == 0 {
            return Err(Error::Config(
                "a run cannot be split into 0 shares; expected `I/N` with N at least 1 \
                 (`0/1` is the whole run)"
                    .into(),
            ));
        }
        if index >= count {
            return Err(Error::Config(format!(
                "share {index} of {count} does not exist: shares are numbered from 0, so the \
                 index of {count} shares is 0 to {} (as Kubernetes' JOB_COMPLETION_INDEX \
                 counts); expected e.g. `{}/{count}`",
                count - 1,
                count - 1
            )));
        }
        Ok(Partition { index, count })
    }

    /// The whole run: share 0 of 1.
    pub fn whole() -> Self {
        Partition { index: 0, count: 1 }
    }

    /// This share's index, from 0.
    pub fn index(self) -> u32 {
        self.index
    }

    /// How many shares there are.
    pub fn count(self) -> u32 {
        self.count
    }

    /// Whether this is the only share (`0/1`).
    pub fn is_whole(self) -> bool {
        self.count == 1
    }

    /// Whether a record with this key (see [`share_of`]) belongs to this share.
    pub fn owns_key(self, key: &[u8]) -> bool {
        share_of(key, self.count) == self.index
    }

    /// This share's range of `pages` pages (numbered from 0): share `i` starts at
    /// `ceil(i × pages / count)`, so the ranges are consecutive, differ by at most one page,
    /// together cover `0..pages`, and the first page is share 0's.
    ///
    /// ```
    /// use rest_source_runtime::Partition;
    /// let ranges: Vec<_> = (0..4).map(|i| Partition::new(i, 4).unwrap().page_range(10)).collect();
    /// assert_eq!(ranges, [0..3, 3..5, 5..8, 8..10]);
    /// ```
    pub fn page_range(self, pages: u64) -> Range<u64> {
        let start = |i: u32| -> u64 {
            // ceil(i * pages / count), in 128 bits so no page count overflows.
            let (i, n) = (u128::from(i), u128::from(self.count));
            (u128::from(pages) * i).div_ceil(n) as u64
        };
        start(self.index)..start(self.index + 1)
    }

    /// The key a split resource's incremental state is kept under in this share:
    /// `<resource>#<index>/<count>` (`notes#2/4`), or `resource` itself for the whole run.
    pub fn state_key(self, resource: &str) -> String {
        if self.is_whole() {
            resource.to_owned()
        } else {
            format!("{resource}#{self}")
        }
    }
}

impl fmt::Display for Partition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl FromStr for Partition {
    type Err = Error;

    /// `I/N`, zero-based: `0/4` … `3/4`.
    fn from_str(s: &str) -> Result<Self> {
        let bad = || {
            Error::Config(format!(
                "`{s}` is not a share; expected `I/N`: the zero-based index of this share and \
                 the number of shares, e.g. `0/4` … `3/4` (Kubernetes: \
                 `$(JOB_COMPLETION_INDEX)/4`)"
            ))
        };
        let (index, count) = s.trim().split_once('/').ok_or_else(bad)?;
        let number = |t: &str| {
            let t = t.trim();
            (!t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()))
                .then(|| t.parse::<u32>().ok())
                .flatten()
                .ok_or_else(bad)
        };
        Partition::new(number(index)?, number(count)?)
    }
}

/// How a resource's work can be split among shares (decided from its spec;
/// [`crate::Resource::split_by`]).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SplitBy {
    /// A child resource: its parent records, by a stable hash of their key.
    Parents,
    /// `offset` or `page_number` pages, by ranges, once the first page tells the total.
    Pages,
    /// Not splittable: share 0 runs it whole, the other shares skip it. Why, in words.
    Whole(String),
}

/// Which share ran and how the resource was split, in [`crate::RunReport::partition`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct PartitionReport {
    /// The share, `I/N` (zero-based).
    pub share: String,
    /// The share's index, from 0.
    pub index: u32,
    /// The number of shares.
    pub count: u32,
    /// How the resource was split, and this share's part.
    #[serde(flatten)]
    pub split: Split,
}

impl PartitionReport {
    pub(crate) fn new(partition: Partition, split: Split) -> Self {
        PartitionReport {
            share: partition.to_string(),
            index: partition.index,
            count: partition.count,
            split,
        }
    }

    /// One line for the CLI: `share 1/4: parents by hash: 37 of 150 parent records`.
    pub fn describe(&self) -> String {
        format!("share {}: {}", self.share, self.split.describe())
    }
}

/// How a resource was split, as [`PartitionReport::split`] (serialised with a `split`
/// field naming the variant: `"parents"`, `"pages"`, `"whole"`, `"skipped"`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "split", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Split {
    /// A child resource's parents, by the stable hash of their key.
    Parents {
        /// Parent records this share fetched the children of.
        parents_kept: u64,
        /// Parent records read (every share reads them all).
        parents_seen: u64,
    },
    /// Addressable pages by ranges: this share's pages `first_page..end_page` (from 0) of
    /// `pages`, planned from the first page.
    Pages {
        /// This share's first page (0 is the first page of the resource).
        first_page: u64,
        /// One past this share's last page.
        end_page: u64,
        /// The resource's pages, as the first page tells.
        pages: u64,
        /// Records on the first page: every page but the last holds as many.
        page_size: u64,
        /// The records the first page says the resource has, when it says (compare it
        /// across the shares' reports: the split holds only if every share saw the same).
        total: Option<u64>,
    },
    /// Not splittable: this share (0) ran the resource whole.
    Whole {
        /// Why it could not be split.
        reason: String,
    },
    /// Not splittable: share 0 runs the resource whole; this share took none of it.
    Skipped {
        /// Why it could not be split.
        reason: String,
    },
}

impl Split {
    /// The split in words.
    pub fn describe(&self) -> String {
        match self {
            Split::Parents {
                parents_kept,
                parents_seen,
            } => format!("parents by hash: {parents_kept} of {parents_seen} parent records"),
            Split::Pages {
                first_page,
                end_page,
                pages,
                ..
            } => format!("pages {first_page}..{end_page} of {pages}"),
            Split::Whole { reason } => format!("ran whole ({reason})"),
            Split::Skipped { reason } => format!("skipped: share 0 runs it whole ({reason})"),
        }
    }

    /// Whether this share took none of the resource (share 0 runs it).
    pub fn is_skipped(&self) -> bool {
        matches!(self, Split::Skipped { .. })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_zero_based_shares() {
        let p: Partition = "3/4".parse().unwrap();
        assert_eq!((p.index(), p.count()), (3, 4));
        assert_eq!(p.to_string(), "3/4");
        assert_eq!(" 0/1 ".parse::<Partition>().unwrap(), Partition::whole());
    }

    #[test]
    fn bad_shares_say_what_to_write() {
        let msg = |s: &str| s.parse::<Partition>().unwrap_err().to_string();
        assert!(
            msg("4/4").contains("the index of 4 shares is 0 to 3"),
            "{}",
            msg("4/4")
        );
        assert!(msg("4/4").contains("`3/4`"), "{}", msg("4/4"));
        assert!(
            msg("0/0").contains("cannot be split into 0 shares"),
            "{}",
            msg("0/0")
        );
        for bad in [
            "x",
            "",
            "1",
            "1/",
            "/4",
            "-1/4",
            "1/4/2",
            "+1/4",
            "a/b",
            "99999999999/2",
        ] {
            assert!(msg(bad).contains("expected `I/N`"), "{bad:?}: {}", msg(bad));
        }
    }

    #[test]
    fn page_ranges_cover_every_page_once() {
        for count in 1..=9 {
            for pages in 0..=40 {
                let mut next = 0;
                for i in 0..count {
                    let r = Partition::new(i, count).unwrap().page_range(pages);
                    assert_eq!(r.start, next, "{i}/{count} of {pages}");
                    assert!(r.end >= r.start);
                    next = r.end;
                }
                assert_eq!(next, pages);
            }
        }
        // The first page is share 0's whenever there is one.
        assert_eq!(Partition::new(0, 4).unwrap().page_range(1), 0..1);
    }

    #[test]
    fn state_keys_name_the_share_except_for_the_whole() {
        assert_eq!(Partition::whole().state_key("notes"), "notes");
        assert_eq!(
            Partition::new(1, 4).unwrap().state_key("notes"),
            "notes#1/4"
        );
    }
}
