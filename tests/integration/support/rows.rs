//! Recipient lists: generated rows, and where a row lands in its file.

/// The address of the `n`th generated recipient at example.jp.
pub fn user(n: usize) -> String {
    format!("user{n:03}@example.jp")
}

/// A list with a header and `count` rows `userNNN@domain,User N`.
pub fn recipients(count: usize, domain: &str) -> String {
    let mut csv = String::from("email,name\n");
    for i in 0..count {
        csv.push_str(&format!("user{i:03}@{domain},User {i}\n"));
    }
    csv
}
