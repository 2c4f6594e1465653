//! The visibility check on small documents, one hiding method at a time.

use super::*;

const LEGAL: &str = "発行者：ASUE株式会社";

fn seen(body: &str) -> Seen {
    Document::parse(&format!(
        "<html><head><title>t</title></head><body>{body}</body></html>"
    ))
    .seen(LEGAL)
}

fn hidden(body: &str) -> String {
    match seen(body) {
        Seen::Hidden { why, .. } => why,
        other => panic!("{body}: {other:?}"),
    }
}

#[test]
fn plain_and_ordinary_small_text_is_visible() {
    for body in [
        format!("<p>{LEGAL}</p>"),
        format!("<div style=\"font-size:13px;color:#333333\"><p>{LEGAL}</p></div>"),
        format!("<div style=\"display:none\">x</div><p>{LEGAL}</p>"),
        format!(
            "<div style=\"visibility:hidden\"><p style=\"visibility:visible\">{LEGAL}</p></div>"
        ),
        format!("<div style=\"font-size:0\"><p style=\"font-size:14px\">{LEGAL}</p></div>"),
        format!(
            "<table bgcolor=\"#000000\"><tr><td style=\"color:#ffffff\">{LEGAL}</td></tr></table>"
        ),
        format!("<div style=\"color:#cccccc\">{LEGAL}</div>"),
        format!("<details open><summary>x</summary><p>{LEGAL}</p></details>"),
        format!("<details><summary>{LEGAL}</summary><p>more</p></details>"),
        format!(
            "<style>.f {{ display:none }} #g {{ display:block }}</style><div class=\"f\" id=\"g\">{LEGAL}</div>"
        ),
    ] {
        assert_eq!(seen(&body), Seen::Visible, "{body}");
    }
    assert_eq!(seen("<p>nothing</p>"), Seen::Missing);
}

#[test]
fn every_hiding_method_is_seen_through() {
    let cases = [
        ("<div style=\"display:none\">{}</div>", "display:none"),
        (
            "<div style=\"DISPLAY: none !important\"><p>{}</p></div>",
            "display:none",
        ),
        (
            "<div style=\"visibility:hidden\"><span>{}</span></div>",
            "visibility:hidden",
        ),
        ("<div style=\"opacity:0\">{}</div>", "opacity"),
        ("<div style=\"font-size:1px\">{}</div>", "font size"),
        ("<div style=\"font-size:6pt\">{}</div>", "font size"),
        (
            "<div style=\"font-size:50%\"><p style=\"font-size:0.5em\">{}</p></div>",
            "font size",
        ),
        (
            "<div style=\"color:#ffffff\">{}</div>",
            "cannot be told apart",
        ),
        (
            "<div style=\"background:#123456;color:#123456\">{}</div>",
            "cannot be told apart",
        ),
        (
            "<div bgcolor=\"#fefefe\"><font color=\"#ffffff\">{}</font></div>",
            "cannot be told apart",
        ),
        ("<div style=\"color:transparent\">{}</div>", "transparent"),
        (
            "<div style=\"opacity:.3\"><p style=\"opacity:.3\">{}</p></div>",
            "opacity",
        ),
        (
            "<div style=\"height:1px;overflow:hidden\">{}</div>",
            "1px or less",
        ),
        (
            "<div style=\"position:absolute;clip:rect(0,0,0,0)\">{}</div>",
            "clip",
        ),
        ("<div style=\"clip-path:inset(50%)\">{}</div>", "clip-path"),
        (
            "<div style=\"transform:translateX(-9999px)\">{}</div>",
            "off screen",
        ),
        (
            "<details><summary>more</summary><p>{}</p></details>",
            "closed <details>",
        ),
        (
            "<style>div {{ color: #fff !important }}</style><div style=\"color:#333\">{}</div>",
            "cannot be told apart",
        ),
        (
            "<style>@import url(x.css); .f {{ display:none }}</style><div class=\"f\">{}</div>",
            "display:none",
        ),
        (
            "<style><!-- .f {{ display:none }} --></style><div class=\"f\">{}</div>",
            "display:none",
        ),
        (
            "<style>#f {{ display:none }} div {{ display:block }}</style><div id=\"f\">{}</div>",
            "display:none",
        ),
        (
            "<div style=\"zoom:0.3\"><p style=\"font-size:13px\">{}</p></div>",
            "font size",
        ),
        ("<div style=\"transform:scale(0.2)\">{}</div>", "font size"),
        ("<div hidden>{}</div>", "hidden attribute"),
        ("<!-- {} -->", "comment"),
        ("<template><p>{}</p></template>", "<template>"),
        (
            "<div style=\"max-height:0;overflow:hidden\">{}</div>",
            "overflow:hidden",
        ),
        ("<div style=\"mso-hide:all\">{}</div>", "mso-hide"),
        (
            "<div style=\"position:absolute;left:-9999px\">{}</div>",
            "off screen",
        ),
        (
            "<style>.fine {{ display: none }}</style><div class=\"fine\">{}</div>",
            "display:none",
        ),
    ];
    for (template, expected) in cases {
        let body = template
            .replace("{}", LEGAL)
            .replace("{{", "{")
            .replace("}}", "}");
        let why = hidden(&body);
        assert!(why.contains(expected), "{body}: {why}");
    }
    let in_head = Document::parse(&format!(
        "<html><head><title>{LEGAL}</title></head><body></body></html>"
    ))
    .seen(LEGAL);
    assert!(matches!(in_head, Seen::Hidden { why, .. } if why.contains("<head>")));
}

#[test]
fn parts_that_say_the_same_agree_and_different_ones_do_not() {
    let html = Document::parse(
        "<html><head><title>x</title></head><body><p>年末年始の営業日のご案内です。</p>\
         <div style=\"display:none\">プレヘッダー</div></body></html>",
    );
    let same = alternative_agreement("年末年始の 営業日の\nご案内です。", &html, &[]);
    assert!(same > 0.99, "{same}");
    let different = alternative_agreement("Hello, this is another text entirely.", &html, &[]);
    assert!(different < MIN_AGREEMENT, "{different}");
}

#[test]
fn rules_inside_media_queries_are_not_applied() {
    let body = format!(
        "<style>@media (max-width: 1px) {{ .x {{ display:none }} }} .y {{ color: red }}</style>\
         <p class=\"x\">{LEGAL}</p>"
    );
    assert_eq!(seen(&body), Seen::Visible);
}
