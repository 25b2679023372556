//! Property tests of the partition split: every parent key belongs to exactly one of the N
//! shares, whatever the key and N; page ranges tile every page count exactly; and a share
//! parses back from its own text.

use proptest::prelude::*;
use rest_source_runtime::Partition;
use rest_source_runtime::share_of;

fn config() -> ProptestConfig {
    ProptestConfig::with_cases(2000)
}

/// A parent key as the child's split builds it: `[["<field>","<value>"]]`, or any bytes.
fn key() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        (any::<u64>(), "[a-z_.]{1,8}").prop_map(|(id, field)| {
            serde_json::to_vec(&serde_json::json!([[field, id.to_string()]])).unwrap()
        }),
        ".{0,40}".prop_map(String::into_bytes),
        proptest::collection::vec(any::<u8>(), 0..64),
    ]
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn every_key_is_in_exactly_one_share(key in key(), count in 1u32..=64) {
        let owners: Vec<u32> = (0..count)
            .filter(|i| Partition::new(*i, count).unwrap().owns_key(&key))
            .collect();
        prop_assert_eq!(owners.len(), 1, "key {:?} among {}: {:?}", key, count, owners);
        prop_assert_eq!(owners[0], share_of(&key, count));
    }

    #[test]
    fn the_share_of_a_key_is_the_same_every_time(key in key(), count in 1u32..=1000) {
        prop_assert_eq!(share_of(&key, count), share_of(&key.clone(), count));
        prop_assert!(share_of(&key, count) < count);
    }

    #[test]
    fn page_ranges_tile_every_page_count(pages in 0u64..=u64::MAX / 2, count in 1u32..=500) {
        let mut next = 0;
        for i in 0..count {
            let range = Partition::new(i, count).unwrap().page_range(pages);
            prop_assert_eq!(range.start, next);
            prop_assert!(range.end >= range.start);
            // Even: no share has more than one page over another.
            prop_assert!(range.end - range.start <= pages / u64::from(count) + 1);
            next = range.end;
        }
        prop_assert_eq!(next, pages);
    }

    #[test]
    fn a_share_reads_back_from_its_text(count in 1u32..=u32::MAX, index in any::<u32>()) {
        let index = index % count;
        let share = Partition::new(index, count).unwrap();
        prop_assert_eq!(share.to_string().parse::<Partition>().unwrap(), share);
    }

    #[test]
    fn any_text_is_a_share_or_an_error_naming_the_form(text in ".{0,12}") {
        if let Err(e) = text.parse::<Partition>() {
            let message = e.to_string();
            prop_assert!(
                message.contains("I/N") || message.contains("does not exist"),
                "{}", message
            );
        }
    }
}
