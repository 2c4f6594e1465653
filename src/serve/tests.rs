use super::*;

#[test]
fn the_token_is_the_last_segment_under_any_prefix() {
    assert_eq!(token_of("unsubscribe/abc"), "abc");
    assert_eq!(token_of("a/b/c/abc/"), "abc");
    assert_eq!(token_of("abc"), "abc");
}

#[test]
fn pages_mask_the_address_and_escape_the_list() {
    let recipient = Recipient {
        campaign: "c".into(),
        list: "<news>".into(),
        email: "taro@example.jp".into(),
    };
    let html = confirm_page(&recipient, Some("ASUE株式会社 <R&D>"));
    assert!(html.contains("t***@example.jp") && !html.contains("taro@"));
    assert!(html.contains("&lt;news&gt;") && html.contains("method=\"post\""));
    // The sender is named, escaped, in both languages.
    assert!(
        html.contains("送信者: ASUE株式会社 &lt;R&amp;D&gt;"),
        "{html}"
    );
    assert!(
        html.contains("Sender: ASUE株式会社 &lt;R&amp;D&gt;"),
        "{html}"
    );
}
