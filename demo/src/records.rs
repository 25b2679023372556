//! The demo's data: deterministic records generated from their id on demand.
//!
//! Nothing is stored or pre-rendered, so a million-record collection costs no memory and a
//! page costs only its own serialisation. Every field is a pure function of the id (mixed
//! through `splitmix64` so neighbouring records differ), so two runs, or two servers, serve
//! identical data and tests can compute what they expect.

use std::fmt::{self, Write as _};

use serde::ser::{Serialize, SerializeStruct, Serializer};

use crate::timestamp::Timestamp;

/// `2024-01-01T00:00:00Z`: the creation time of record 0; later ids are later.
pub const EPOCH: i64 = 1_704_067_200;
/// Seconds between the `created_at` of consecutive contacts.
pub const CONTACT_INTERVAL: i64 = 60;
/// How long after creation a contact was last updated (the same for all, so `updated_at`
/// increases with the id and incremental loading by `updated_at` is exact).
pub const CONTACT_UPDATE_DELAY: i64 = 1_800;

const FIRST: [&str; 20] = [
    "Ada",
    "Grace",
    "Alan",
    "Katherine",
    "Linus",
    "Margaret",
    "Dennis",
    "Barbara",
    "Ken",
    "Frances",
    "John",
    "Radia",
    "Tim",
    "Hedy",
    "Edsger",
    "Sophie",
    "Donald",
    "Annie",
    "Niklaus",
    "Joan",
];
const LAST: [&str; 20] = [
    "Lovelace", "Hopper", "Turing", "Johnson", "Torvalds", "Hamilton", "Ritchie", "Liskov",
    "Thompson", "Allen", "McCarthy", "Perlman", "Berners", "Lamarr", "Dijkstra", "Wilson", "Knuth",
    "Easley", "Wirth", "Clarke",
];
const COMPANIES: [(&str, &str); 10] = [
    ("Acme Corp", "acme.example"),
    ("Globex", "globex.example"),
    ("Initech", "initech.example"),
    ("Umbrella", "umbrella.example"),
    ("Hooli", "hooli.example"),
    ("Stark Industries", "stark.example"),
    ("Wayne Enterprises", "wayne.example"),
    ("Wonka Industries", "wonka.example"),
    ("Cyberdyne", "cyberdyne.example"),
    ("Soylent", "soylent.example"),
];
const TAGS: [&str; 7] = [
    "customer",
    "lead",
    "vip",
    "newsletter",
    "partner",
    "churn-risk",
    "beta",
];
const NOTES: [&str; 6] = [
    "Intro call went well; follow up next week.",
    "Asked for a quote on the annual plan.",
    "Prefers email over phone.",
    "Renewal due next quarter.",
    "Reported a bug in the export; fixed in 2.3.",
    "Met at the Berlin meetup.",
];
const EVENT_TYPES: [&str; 5] = [
    "contact.created",
    "contact.updated",
    "email.opened",
    "deal.won",
    "deal.lost",
];
const TICKET_SUBJECTS: [&str; 5] = [
    "Cannot log in",
    "Invoice is wrong",
    "Feature request: dark mode",
    "Export times out",
    "Password reset email missing",
];
const TICKET_STATUS: [&str; 3] = ["open", "pending", "closed"];
const PRIORITIES: [&str; 3] = ["low", "normal", "high"];
const ORDER_STATUS: [&str; 4] = ["paid", "shipped", "delivered", "refunded"];
const ROLES: [&str; 3] = ["admin", "member", "viewer"];

fn mix(id: u64) -> u64 {
    let mut z = id.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn pick<T: Copy>(list: &[T], h: u64) -> T {
    list[(h % list.len() as u64) as usize]
}

/// Displays a name lower-cased, for e-mail addresses and logins, without allocating.
struct Lower<'a>(&'a str);

impl fmt::Display for Lower<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // One write of the whole name (the names are short ASCII), not one per character.
        let mut lower = [0; 32];
        match lower.get_mut(..self.0.len()) {
            Some(out) => {
                out.copy_from_slice(self.0.as_bytes());
                out.make_ascii_lowercase();
                f.write_str(std::str::from_utf8(out).map_err(|_| fmt::Error)?)
            }
            None => self
                .0
                .chars()
                .try_for_each(|c| f.write_char(c.to_ascii_lowercase())),
        }
    }
}

/// Serialises a `Display` value as a JSON string, formatted on the stack first so that the
/// serializer escapes it in one call rather than once per formatted piece.
struct Str<T>(T);

impl<T: fmt::Display> Serialize for Str<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut buf = StackText {
            bytes: [0; 128],
            len: 0,
        };
        match write!(buf, "{}", self.0) {
            Ok(()) => match std::str::from_utf8(&buf.bytes[..buf.len]) {
                Ok(text) => s.serialize_str(text),
                Err(e) => Err(serde::ser::Error::custom(e)),
            },
            // Longer than the buffer: straight into the output, piece by piece.
            Err(fmt::Error) => s.collect_str(&self.0),
        }
    }
}

/// Text formatted into a fixed buffer; writing past its end fails.
struct StackText {
    bytes: [u8; 128],
    len: usize,
}

impl fmt::Write for StackText {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.len + s.len();
        self.bytes
            .get_mut(self.len..end)
            .ok_or(fmt::Error)?
            .copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

fn person(id: u64) -> (&'static str, &'static str) {
    let h = mix(id);
    (pick(&FIRST, h), pick(&LAST, h >> 8))
}

/// The `created_at` of contact `id`.
pub fn contact_created_at(id: u64) -> Timestamp {
    Timestamp(EPOCH + id as i64 * CONTACT_INTERVAL)
}

/// The `updated_at` of contact `id` (strictly increasing with the id).
pub fn contact_updated_at(id: u64) -> Timestamp {
    Timestamp(contact_created_at(id).0 + CONTACT_UPDATE_DELAY)
}

/// The smallest contact id whose `updated_at` is at or after `since`.
pub fn first_contact_updated_since(since: Timestamp) -> u64 {
    let offset = since.0 - EPOCH - CONTACT_UPDATE_DELAY;
    if offset <= 0 {
        1
    } else {
        (offset as u64).div_ceil(CONTACT_INTERVAL as u64).max(1)
    }
}

/// A contact: `id`, `name`, `email`, `company`, `tags`, `created_at`, `updated_at`.
pub struct Contact(pub u64);

impl Serialize for Contact {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let id = self.0;
        let h = mix(id);
        let (first, last) = person(id);
        let (company, domain) = pick(&COMPANIES, h >> 16);
        let mut st = s.serialize_struct("Contact", 7)?;
        st.serialize_field("id", &id)?;
        st.serialize_field("name", &Str(format_args!("{first} {last}")))?;
        st.serialize_field(
            "email",
            &Str(format_args!(
                "{}.{}{id}@{domain}",
                Lower(first),
                Lower(last)
            )),
        )?;
        st.serialize_field("company", company)?;
        st.serialize_field("tags", &Tags(h >> 24))?;
        st.serialize_field("created_at", &contact_created_at(id))?;
        st.serialize_field("updated_at", &contact_updated_at(id))?;
        st.end()
    }
}

/// Zero to three distinct tags (steps of 3 through 7 tags never repeat within 3).
struct Tags(u64);

impl Serialize for Tags {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let count = (self.0 % 4) as usize;
        let start = (self.0 >> 4) as usize;
        s.collect_seq((0..count).map(|k| TAGS[(start + 3 * k) % TAGS.len()]))
    }
}

/// How many notes contact `id` has (one to three).
pub fn note_count(contact_id: u64) -> u64 {
    1 + contact_id % 3
}

/// Note `k` (1-based) of a contact: `id`, `contact_id`, `body`, `created_at`.
pub struct Note {
    /// The parent contact.
    pub contact_id: u64,
    /// 1-based position among the contact's notes.
    pub k: u64,
}

impl Serialize for Note {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Note", 4)?;
        st.serialize_field("id", &(self.contact_id * 10 + self.k))?;
        st.serialize_field("contact_id", &self.contact_id)?;
        st.serialize_field("body", pick(&NOTES, mix(self.contact_id) + self.k))?;
        st.serialize_field(
            "created_at",
            &Timestamp(contact_created_at(self.contact_id).0 + self.k as i64 * 86_400),
        )?;
        st.end()
    }
}

/// A monthly report: `id`, `name`, `period`, `revenue_cents`, `currency`, `generated_at`.
pub struct Report(pub u64);

impl Serialize for Report {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let id = self.0;
        let months = id.saturating_sub(1);
        let (year, month) = (2024 + months / 12, 1 + months % 12);
        let mut st = s.serialize_struct("Report", 6)?;
        st.serialize_field("id", &id)?;
        st.serialize_field("name", &Str(format_args!("Revenue {year}-{month:02}")))?;
        st.serialize_field("period", &Str(format_args!("{year}-{month:02}")))?;
        st.serialize_field("revenue_cents", &(1_000_000 + mix(id) % 9_000_000))?;
        st.serialize_field("currency", "EUR")?;
        // Generated at midnight on the first day of the following month.
        let (next_year, next_month) = if month == 12 {
            (year + 1, 1)
        } else {
            (year, month + 1)
        };
        let generated_at = Timestamp::from_date(next_year as i64, next_month as i64, 1);
        st.serialize_field("generated_at", &generated_at)?;
        st.end()
    }
}

/// An activity event: `id`, `type`, `contact_id`, `occurred_at`.
pub struct Event(pub u64);

impl Serialize for Event {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let id = self.0;
        let h = mix(id);
        let mut st = s.serialize_struct("Event", 4)?;
        st.serialize_field("id", &id)?;
        st.serialize_field("type", pick(&EVENT_TYPES, h))?;
        st.serialize_field("contact_id", &(1 + (h >> 8) % 1000))?;
        st.serialize_field("occurred_at", &Timestamp(EPOCH + id as i64 * 30))?;
        st.end()
    }
}

/// A support ticket: `id`, `subject`, `status`, `priority`, `contact_id`, `created_at`.
pub struct Ticket(pub u64);

impl Serialize for Ticket {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let id = self.0;
        let h = mix(id);
        let mut st = s.serialize_struct("Ticket", 6)?;
        st.serialize_field("id", &id)?;
        st.serialize_field(
            "subject",
            &Str(format_args!("{} (#{id})", pick(&TICKET_SUBJECTS, h))),
        )?;
        st.serialize_field("status", pick(&TICKET_STATUS, h >> 8))?;
        st.serialize_field("priority", pick(&PRIORITIES, h >> 16))?;
        st.serialize_field("contact_id", &(1 + (h >> 24) % 1000))?;
        st.serialize_field("created_at", &Timestamp(EPOCH + id as i64 * 600))?;
        st.end()
    }
}

/// An order: `id`, `contact_id`, `status`, `amount_cents`, `currency`, `created_at`.
pub struct Order(pub u64);

impl Serialize for Order {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let id = self.0;
        let h = mix(id);
        let mut st = s.serialize_struct("Order", 6)?;
        st.serialize_field("id", &id)?;
        st.serialize_field("contact_id", &(1 + h % 1000))?;
        st.serialize_field("status", pick(&ORDER_STATUS, h >> 8))?;
        st.serialize_field("amount_cents", &(500 + (h >> 16) % 50_000))?;
        st.serialize_field("currency", "EUR")?;
        st.serialize_field("created_at", &Timestamp(EPOCH + id as i64 * 300))?;
        st.end()
    }
}

/// A user of the demo workspace: `id`, `login`, `name`, `role`, `active`.
pub struct User(pub u64);

impl Serialize for User {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let id = self.0;
        let h = mix(id);
        let (first, last) = person(id);
        let mut st = s.serialize_struct("User", 5)?;
        st.serialize_field("id", &id)?;
        st.serialize_field(
            "login",
            &Str(format_args!("{}{}{id}", Lower(&first[..1]), Lower(last))),
        )?;
        st.serialize_field("name", &Str(format_args!("{first} {last}")))?;
        st.serialize_field("role", pick(&ROLES, h >> 12))?;
        st.serialize_field("active", &!h.is_multiple_of(10))?;
        st.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contacts_are_deterministic_and_well_formed() {
        let a = serde_json::to_value(Contact(42)).unwrap();
        let b = serde_json::to_value(Contact(42)).unwrap();
        assert_eq!(a, b);
        assert_eq!(a["id"], 42);
        let email = a["email"].as_str().unwrap();
        assert!(
            email.contains("42@") && email.ends_with(".example"),
            "{email}"
        );
        assert_eq!(a["created_at"], "2024-01-01T00:42:00Z");
        assert_eq!(a["updated_at"], "2024-01-01T01:12:00Z");
        assert!(a["tags"].as_array().unwrap().len() <= 3);
    }

    #[test]
    fn updated_since_finds_the_first_matching_contact() {
        for id in [1, 2, 59, 1000, 999_999] {
            let since = contact_updated_at(id);
            assert_eq!(first_contact_updated_since(since), id);
            assert_eq!(first_contact_updated_since(Timestamp(since.0 - 1)), id);
            assert_eq!(first_contact_updated_since(Timestamp(since.0 + 1)), id + 1);
        }
        assert_eq!(first_contact_updated_since(Timestamp(0)), 1);
    }
}
