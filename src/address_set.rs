//! A compact, exact set of address keys.
//!
//! The plan holds up to three sets of a million addresses each (the rows already
//! seen, the consented and the suppressed). A `HashSet<String>` costs about 70
//! bytes per entry; this set keeps every key once in a single arena and the hash
//! table holds only an 8-byte handle, about 35 bytes per entry in all. Lookups
//! compare the full key, so unlike a set of hashes it can never confuse two
//! addresses: a false "has consent" would be a breach of the law.

use std::hash::{BuildHasher, RandomState};

use hashbrown::HashTable;

/// Keys longer than this cannot be handles; no valid address comes close (254).
const MAX_KEY_LEN: usize = u16::MAX as usize;
/// The arena offset lives in the upper 48 bits of a handle.
const LEN_BITS: u32 = 16;

/// A set of strings stored back to back in one buffer.
#[derive(Default)]
pub(crate) struct AddressSet {
    arena: String,
    table: HashTable<u64>,
    hasher: RandomState,
}

impl AddressSet {
    /// An empty set.
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Adds `key`; returns false when it was already present.
    pub(crate) fn insert(&mut self, key: &str) -> bool {
        assert!(
            key.len() <= MAX_KEY_LEN,
            "address key of {} bytes",
            key.len()
        );
        let hash = self.hasher.hash_one(key);
        let arena = &self.arena;
        if self
            .table
            .find(hash, |&handle| resolve(arena, handle) == key)
            .is_some()
        {
            return false;
        }
        let handle = ((self.arena.len() as u64) << LEN_BITS) | key.len() as u64;
        self.arena.push_str(key);
        let (arena, hasher) = (&self.arena, &self.hasher);
        self.table.insert_unique(hash, handle, |&handle| {
            hasher.hash_one(resolve(arena, handle))
        });
        true
    }

    /// Whether `key` is in the set.
    pub(crate) fn contains(&self, key: &str) -> bool {
        let hash = self.hasher.hash_one(key);
        self.table
            .find(hash, |&handle| resolve(&self.arena, handle) == key)
            .is_some()
    }

    /// How many keys the set holds (for tests: the plan only asks `contains`).
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.table.len()
    }

    /// Whether the set holds nothing.
    #[cfg(test)]
    pub(crate) fn is_empty(&self) -> bool {
        self.table.is_empty()
    }
}

impl<'a> FromIterator<&'a str> for AddressSet {
    fn from_iter<I: IntoIterator<Item = &'a str>>(iter: I) -> Self {
        let mut set = AddressSet::new();
        for key in iter {
            set.insert(key);
        }
        set
    }
}

fn resolve(arena: &str, handle: u64) -> &str {
    let start = (handle >> LEN_BITS) as usize;
    let len = (handle & ((1 << LEN_BITS) - 1)) as usize;
    &arena[start..start + len]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inserts_once_and_finds_exactly() {
        let mut set = AddressSet::new();
        assert!(set.insert("a@example.com"));
        assert!(set.insert("b@example.com"));
        assert!(!set.insert("a@example.com"));
        assert_eq!(set.len(), 2);
        assert!(set.contains("a@example.com"));
        assert!(!set.contains("a@example.co"));
        assert!(!set.contains("a@example.comm"));
        assert!(!set.contains(""));
    }

    #[test]
    fn survives_growth() {
        let keys: Vec<String> = (0..50_000).map(|i| format!("user{i}@example.jp")).collect();
        let set: AddressSet = keys.iter().map(String::as_str).collect();
        assert_eq!(set.len(), keys.len());
        assert!(keys.iter().all(|k| set.contains(k)));
        assert!(!set.contains("user50000@example.jp"));
    }
}
