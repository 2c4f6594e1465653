//! Splitting a list between sending hosts.

use std::fmt;

/// Part K of N of a list (`send --shard K/N`): the addresses whose hash
/// falls to it. The hash is SHA-256 of the address key, so every host and
/// every version of hikyaku splits a list the same way, and the N parts are
/// disjoint and together the whole list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Shard {
    /// K - 1.
    index: u64,
    /// N.
    count: u64,
}

impl Shard {
    /// `K/N` with 1 ≤ K ≤ N.
    pub(crate) fn parse(text: &str) -> Result<Shard, String> {
        let usage = || format!("{text:?}: write K/N, part K of N parts, such as 2/3");
        let (k, n) = text.split_once('/').ok_or_else(usage)?;
        let (k, n): (u64, u64) = (
            k.trim().parse().map_err(|_| usage())?,
            n.trim().parse().map_err(|_| usage())?,
        );
        if n == 0 || k == 0 || k > n {
            return Err(format!("{text:?}: K must be between 1 and N"));
        }
        Ok(Shard {
            index: k - 1,
            count: n,
        })
    }

    /// The part's number, K.
    pub(crate) fn number(&self) -> u64 {
        self.index + 1
    }

    /// Whether the address with this key belongs to this part.
    pub(crate) fn contains(&self, key: &str) -> bool {
        use sha2::Digest as _;
        let hash = sha2::Sha256::digest(key.as_bytes());
        let mut first = [0u8; 8];
        first.copy_from_slice(&hash[..8]);
        u64::from_be_bytes(first) % self.count == self.index
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index + 1, self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_split_a_list_into_disjoint_parts_that_cover_it() {
        let shards: Vec<Shard> = (1..=3)
            .map(|k| Shard::parse(&format!("{k}/3")).unwrap())
            .collect();
        let mut sizes = [0u32; 3];
        for i in 0..3000 {
            let key = format!("user{i}@example.jp");
            let owners: Vec<usize> = (0..3).filter(|&s| shards[s].contains(&key)).collect();
            assert_eq!(owners.len(), 1, "{key}");
            sizes[owners[0]] += 1;
        }
        assert!(
            sizes.iter().all(|&n| (900..=1100).contains(&n)),
            "{sizes:?}"
        );
        assert_eq!(shards[1].to_string(), "2/3");
        // The split is SHA-256's, so every host and every version agrees:
        // these parts were computed independently (Python's hashlib).
        for (key, of_three, of_seven) in [
            ("taro@example.jp", 2, 3),
            ("hanako@example.co.jp", 2, 1),
            ("user001@example.jp", 3, 7),
        ] {
            let part = |n: u64| {
                (1..=n)
                    .find(|k| Shard::parse(&format!("{k}/{n}")).unwrap().contains(key))
                    .unwrap()
            };
            assert_eq!((part(3), part(7)), (of_three, of_seven), "{key}");
        }
        for bad in ["0/3", "4/3", "1/0", "3", "a/b"] {
            assert!(Shard::parse(bad).is_err(), "{bad}");
        }
    }
}
