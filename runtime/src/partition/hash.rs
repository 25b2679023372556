//! The stable hash that assigns a child resource's parent records to shares.
//!
//! It must give the same share for the same parent in every process, on every platform and
//! in every version of this crate, or two shares of one run would both take a parent (or
//! neither would). `std`'s `DefaultHasher` is seeded at random per process, so it is not
//! used. The hash is written down here so that any other program can reproduce it:
//!
//! 1. **The key.** The parent fields the child's templates use (`{contacts.id}`, a
//!    `resolve` param's `field`), sorted by their path and without repeats, as the compact
//!    JSON array `[["<field>","<value>"],…]`, where `<value>` is the field's value as it is
//!    put into the request (a string as it is, a number or boolean as JSON writes it) and
//!    `null` when the record has no such field. For `{contacts.id}` and a contact with
//!    `"id": 17` the key is `[["id","17"]]`.
//! 2. **The hash.** 64-bit FNV-1a of the key's UTF-8 bytes (offset basis
//!    `0xcbf29ce484222325`, prime `0x100000001b3`), then MurmurHash3's 64-bit finalizer
//!    (`fmix64`), which spreads FNV's weak high bits over the whole word.
//! 3. **The share.** `(hash × N) >> 64` in 128-bit arithmetic: an even split of the hash
//!    range into `N` parts, so each share gets about `1/N` of the parents.
//!
//! ```
//! use rest_source_runtime::{share_of, stable_hash};
//! // A contact with `"id": 17`, the parent of `contacts/{contacts.id}/notes`:
//! assert_eq!(stable_hash(br#"[["id","17"]]"#), 0x8091_cae6_598f_d6a2);
//! assert_eq!(share_of(br#"[["id","17"]]"#, 4), 2); // its notes are share 2's of 4
//! ```
//!
//! The same in Python, to check a split from outside:
//!
//! ```text
//! M = (1 << 64) - 1
//! def fnv1a64(b):
//!     h = 0xcbf29ce484222325
//!     for x in b: h = ((h ^ x) * 0x100000001b3) & M
//!     return h
//! def fmix64(h):
//!     h ^= h >> 33; h = (h * 0xff51afd7ed558ccd) & M
//!     h ^= h >> 33; h = (h * 0xc4ceb9fe1a85ec53) & M
//!     return h ^ (h >> 33)
//! share = (fmix64(fnv1a64(b'[["id","17"]]')) * 4) >> 64   # 2
//! ```

use serde_json::Value;

use crate::resource::select::{JsonPath, value_to_param};

const FNV_OFFSET_BASIS: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// 64-bit FNV-1a of `bytes`.
fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(FNV_OFFSET_BASIS, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(FNV_PRIME)
    })
}

/// MurmurHash3's 64-bit finalizer: every input bit affects every output bit.
fn fmix64(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^= h >> 33;
    h
}

/// The stable 64-bit hash of `key`: FNV-1a, then MurmurHash3's `fmix64` (see the
/// guide chapter on partitioned runs). The same in every process, platform and version.
pub fn stable_hash(key: &[u8]) -> u64 {
    fmix64(fnv1a64(key))
}

/// The share (`0..count`) that `key` belongs to among `count` shares: `(hash × count) >>
/// 64`. `count` 0 is treated as 1.
pub fn share_of(key: &[u8], count: u32) -> u32 {
    let count = u128::from(count.max(1));
    ((u128::from(stable_hash(key)) * count) >> 64) as u32
}

/// The key of one parent record: its values of `fields` (sorted by path, no repeats) as
/// the compact JSON array `[["<field>","<value>"],…]`.
pub(crate) fn parent_key(fields: &[(String, JsonPath)], record: &Value) -> Vec<u8> {
    let pairs: Vec<Value> = fields
        .iter()
        .map(|(name, path)| {
            let value = match path.get(record) {
                Some(v) if !v.is_null() => Value::String(value_to_param(v)),
                _ => Value::Null,
            };
            Value::Array(vec![Value::String(name.clone()), value])
        })
        .collect();
    serde_json::to_vec(&Value::Array(pairs)).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fnv1a_matches_the_published_test_vectors() {
        // From the FNV reference (draft-eastlake-fnv): FNV-1a 64 of "", "a" and "foobar".
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn fmix64_matches_murmur3() {
        // MurmurHash3's fmix64 maps 0 to 0 and is a bijection; a known value pins it.
        assert_eq!(fmix64(0), 0);
        assert_eq!(fmix64(1), 0xb456_bcfc_34c2_cb2c);
    }

    #[test]
    fn shares_of_pinned_keys_never_change() {
        // A change here moves parents between shares of runs already under way: a
        // partitioned incremental child would then skip or repeat parents.
        let shares: Vec<u32> = (1..=8)
            .map(|id| share_of(format!(r#"[["id","{id}"]]"#).as_bytes(), 4))
            .collect();
        assert_eq!(shares, PINNED_SHARES);
    }

    /// The shares of ids 1 to 8 among 4, computed independently with the Python of the
    /// module docs.
    const PINNED_SHARES: [u32; 8] = [0, 0, 2, 1, 3, 2, 1, 3];

    #[test]
    fn the_key_is_the_sorted_fields_as_sent() {
        let fields = vec![
            ("id".to_owned(), JsonPath::parse("id").unwrap()),
            ("org.slug".to_owned(), JsonPath::parse("org.slug").unwrap()),
            ("tag".to_owned(), JsonPath::parse("tag").unwrap()),
        ];
        let key = parent_key(&fields, &json!({"id": 17, "org": {"slug": "a\"b"}}));
        assert_eq!(
            String::from_utf8(key).unwrap(),
            r#"[["id","17"],["org.slug","a\"b"],["tag",null]]"#
        );
        // The value as sent: 17 and "17" are the same request, so the same share.
        assert_eq!(
            parent_key(&fields[..1], &json!({"id": 17})),
            parent_key(&fields[..1], &json!({"id": "17"}))
        );
    }

    #[test]
    fn ten_thousand_ids_spread_evenly_over_four_shares() {
        let mut counts = [0u32; 4];
        for id in 0..10_000 {
            counts[share_of(format!(r#"[["id","{id}"]]"#).as_bytes(), 4) as usize] += 1;
        }
        for (share, n) in counts.iter().enumerate() {
            assert!(
                (2_200..=2_800).contains(n),
                "share {share} got {n} of 10000: {counts:?}"
            );
        }
    }
}
