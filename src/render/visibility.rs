//! Whether the legal text of an HTML part is visible: the checks read the
//! HTML as a mail client would (html5ever, through scraper) and follow the
//! styles that hide text, so a footer placed inside `display:none` counts as
//! absent, which the law says it is.
//!
//! Text is hidden when it, or an element around it, is:
//! - in a comment, `<head>`, `<title>`, `<template>`, `<script>`, `<style>`
//!   or `<noscript>`;
//! - in an element with the `hidden` attribute, `display:none`,
//!   `visibility:hidden`, `opacity` near 0, `mso-hide:all` (Outlook), a
//!   height or width of 0 with `overflow:hidden`, or moved 1000px or more
//!   off screen;
//! - smaller than 10px once font sizes are worked out (`px`, `pt`, `em`,
//!   `rem`, `%`, keywords);
//! - a colour on a background too close to tell apart: a contrast ratio
//!   below 1.5 (WCAG's formula; equal colours are 1, black on white 21).
//!
//! Styles come from `style` attributes, `bgcolor`/`color` attributes and
//! `<style>` rules whose selectors match (rules inside `@media` and other
//! at-rules are conditional and ignored; later rules win, inline styles last).

use scraper::{ElementRef, Html, Node, Selector};

/// The smallest font size, in CSS pixels, at which text counts as legible.
pub const MIN_FONT_PX: f64 = 10.0;

/// The contrast ratio below which text and background count as one colour.
pub const MIN_CONTRAST: f64 = 1.5;

/// Where a piece of text stands in an HTML part.
#[derive(Debug, Clone, PartialEq)]
pub enum Seen {
    /// Shown to the reader.
    Visible,
    /// Present but hidden; why, and a fragment of the source (an attribute
    /// value or a tag) that locates the hiding element.
    Hidden { why: String, locate: String },
    /// Not in the part at all.
    Missing,
}

/// A parsed HTML part, with its `<style>` rules, for asking about texts.
pub struct Document {
    html: Html,
    rules: Vec<Rule>,
}

impl Document {
    /// Parses `html` as a mail client would.
    pub fn parse(html: &str) -> Document {
        let html = Html::parse_document(html);
        let mut rules = Vec::new();
        if let Ok(style) = Selector::parse("style") {
            for element in html.select(&style) {
                let css: String = element.text().collect();
                rules.extend(stylesheet_rules(&css));
            }
        }
        Document { html, rules }
    }

    /// Whether `needle` is visible somewhere in the document. When it is
    /// only hidden, the first hiding reason is given.
    pub fn seen(&self, needle: &str) -> Seen {
        let mut hidden = None;
        for node in self.html.tree.nodes() {
            match node.value() {
                Node::Text(text) if text.contains(needle) => {
                    let why = node
                        .parent()
                        .and_then(ElementRef::wrap)
                        .map(|parent| self.why_hidden(parent));
                    match why {
                        Some(None) => return Seen::Visible,
                        Some(Some(reason)) => {
                            hidden.get_or_insert(reason);
                        }
                        None => {}
                    }
                }
                Node::Comment(comment) if comment.contains(needle) => {
                    hidden.get_or_insert((
                        "it is inside an HTML comment".to_owned(),
                        "<!--".to_owned(),
                    ));
                }
                _ => {}
            }
        }
        match hidden {
            Some((why, locate)) => Seen::Hidden { why, locate },
            None => Seen::Missing,
        }
    }

    /// The text a reader sees, in document order.
    pub fn visible_text(&self) -> String {
        let mut text = String::new();
        for node in self.html.tree.nodes() {
            if let Node::Text(chunk) = node.value()
                && let Some(parent) = node.parent().and_then(ElementRef::wrap)
                && self.why_hidden(parent).is_none()
            {
                text.push_str(chunk);
                text.push(' ');
            }
        }
        text
    }

    /// Why text directly inside `element` is hidden, if it is: the reason
    /// and a fragment of source that locates it.
    fn why_hidden(&self, element: ElementRef<'_>) -> Option<(String, String)> {
        let mut chain: Vec<ElementRef<'_>> =
            element.ancestors().filter_map(ElementRef::wrap).collect();
        chain.reverse();
        chain.push(element);

        let text_parent = element;
        let mut opacity = 1.0;
        let mut font_px = 16.0;
        // zoom and transform: scale() shrink text whatever its font size.
        let mut scale = 1.0;
        let mut color = Some(Rgb::BLACK);
        let mut color_source = String::new();
        let mut background = Rgb::WHITE;
        let mut background_source = String::new();
        // The element that set visibility:hidden, unless a descendant set it
        // back to visible: (its description, the source that locates it).
        let mut invisible_by: Option<(String, String)> = None;
        for element in chain {
            let name = element.value().name();
            if matches!(
                name,
                "head"
                    | "title"
                    | "template"
                    | "script"
                    | "style"
                    | "noscript"
                    | "iframe"
                    | "noembed"
                    | "noframes"
                    | "object"
                    | "video"
                    | "audio"
                    | "canvas"
            ) {
                return Some((format!("it is inside <{name}>"), format!("<{name}")));
            }
            // A closed <details> shows only its <summary>.
            if name == "details"
                && element.value().attr("open").is_none()
                && !summary_child_of(element, text_parent)
            {
                return Some((
                    "it is inside a closed <details>, outside its <summary>".into(),
                    "<details".into(),
                ));
            }
            let tag = describe(element);
            if element.value().attr("hidden").is_some() {
                return Some((
                    format!("it is inside {tag}, which has the hidden attribute"),
                    "hidden".to_owned(),
                ));
            }
            let declarations = self.declarations(element);
            let get = |property: &str| {
                declarations
                    .iter()
                    .rev()
                    .find(|(p, _)| p == property)
                    .map(|(_, v)| v.as_str())
            };
            let locate = element
                .value()
                .attr("style")
                .map(str::to_owned)
                .or_else(|| element.value().attr("class").map(str::to_owned))
                .unwrap_or_else(|| format!("<{name}"));
            let hidden = |why: String| Some((format!("it is inside {tag}: {why}"), locate.clone()));
            if get("display") == Some("none") {
                return hidden("display:none".into());
            }
            if get("mso-hide") == Some("all") {
                return hidden("mso-hide:all (Outlook hides it)".into());
            }
            // Opacity multiplies down the tree.
            if let Some(own) = get("opacity").and_then(parse_number_or_percent) {
                opacity *= own.clamp(0.0, 1.0);
            }
            if let Some(filter) = get("filter")
                && let Some(at) = filter.find("opacity(")
                && let Some(own) = filter[at + 8..]
                    .split(')')
                    .next()
                    .and_then(|v| parse_number_or_percent(v.trim()))
            {
                opacity *= own.clamp(0.0, 1.0);
            }
            if opacity < 0.1 {
                return hidden(format!("opacity works out at {opacity:.2}"));
            }
            let clipped = matches!(get("overflow"), Some("hidden" | "clip"));
            for property in ["height", "max-height", "width", "max-width"] {
                // A box of a pixel or less shows nothing of a line of text.
                if clipped
                    && get(property)
                        .and_then(|v| length_px(v, font_px))
                        .is_some_and(|px| px <= 1.0)
                {
                    return hidden(format!("{property} of 1px or less with overflow:hidden"));
                }
            }
            if let Some(clip) = get("clip")
                && clip.starts_with("rect(")
                && clip
                    .trim_start_matches("rect(")
                    .trim_end_matches(')')
                    .split([',', ' '])
                    .filter(|v| !v.is_empty())
                    .all(|v| length_px(v, font_px) == Some(0.0))
            {
                return hidden("clip:rect(0 0 0 0)".into());
            }
            if let Some(clip) = get("clip-path")
                && (clip.starts_with("inset(50%") || clip.starts_with("circle(0"))
            {
                return hidden(format!("clip-path:{clip}"));
            }
            if let Some(transform) = get("transform")
                && let Some(at) = transform.find("translate")
                && transform[at..]
                    .split(['(', ')', ','])
                    .skip(1)
                    .take(2)
                    .filter_map(|v| length_px(v.trim(), font_px))
                    .any(|px| px <= -1000.0)
            {
                return hidden(format!("transform:{transform} moves it off screen"));
            }
            for property in ["left", "top", "text-indent", "margin-left"] {
                if let Some(offset) = get(property).and_then(|v| length_px(v, font_px))
                    && offset <= -1000.0
                {
                    return hidden(format!("{property}:{offset}px moves it off screen"));
                }
            }
            if let Some(zoom) = get("zoom").and_then(parse_number_or_percent)
                && zoom > 0.0
            {
                scale *= zoom;
            }
            if let Some(factor) = get("transform").and_then(scale_factor) {
                scale *= factor;
            }
            match get("visibility") {
                Some("hidden" | "collapse") => invisible_by = Some((tag.clone(), locate.clone())),
                Some("visible") => invisible_by = None,
                _ => {}
            }
            if let Some(size) = get("font-size") {
                if let Some(px) = font_size_px(size, font_px) {
                    font_px = px;
                }
            } else if name == "font"
                && let Some(px) = element.value().attr("size").and_then(font_tag_px)
            {
                font_px = px;
            }
            let own_color =
                get("color").or_else(|| element.value().attr("color").filter(|_| name == "font"));
            if let Some(value) = own_color {
                color = Rgb::parse(value);
                color_source = locate.clone();
            }
            let own_background = get("background-color")
                .or_else(|| get("background"))
                .or_else(|| element.value().attr("bgcolor"));
            if let Some(value) = own_background
                && let Some(rgb) = value.split_whitespace().find_map(Rgb::parse)
                && rgb.alpha > 0.0
            {
                background = rgb;
                background_source = locate.clone();
            }
        }
        if let Some((tag, locate)) = invisible_by {
            return Some((format!("it is inside {tag}: visibility:hidden"), locate));
        }
        let shown_px = font_px * scale;
        if shown_px < MIN_FONT_PX {
            return Some((
                format!("its font size works out at {shown_px:.1}px, below {MIN_FONT_PX}px"),
                if scale < 1.0 { "scale" } else { "font-size" }.into(),
            ));
        }
        if let Some(color) = color {
            if color.alpha == 0.0 {
                return Some(("its colour is transparent".into(), color_source));
            }
            let ratio = color.contrast(background);
            if ratio < MIN_CONTRAST {
                let locate = if color_source.is_empty() {
                    background_source
                } else {
                    color_source
                };
                return Some((
                    format!(
                        "its colour {} on the background {} cannot be told apart (contrast {ratio:.2}:1)",
                        color.hex(),
                        background.hex()
                    ),
                    locate,
                ));
            }
        }
        None
    }

    /// The declarations that apply to `element`, in cascade order (the
    /// last of a property wins): stylesheet rules by specificity then
    /// source order, the `style` attribute, then `!important` ones the same
    /// way.
    fn declarations(&self, element: ElementRef<'_>) -> Vec<(String, String)> {
        let mut all: Vec<(Cascade, String, String)> = Vec::new();
        for (order, rule) in self.rules.iter().enumerate() {
            if rule.selector.matches(&element) {
                for declaration in &rule.declarations {
                    all.push((
                        (declaration.important, false, rule.specificity, order),
                        declaration.property.clone(),
                        declaration.value.clone(),
                    ));
                }
            }
        }
        if let Some(style) = element.value().attr("style") {
            for declaration in parse_declarations(style) {
                all.push((
                    (declaration.important, true, (0, 0, 0), 0),
                    declaration.property,
                    declaration.value,
                ));
            }
        }
        // Stable: equal keys keep their source order.
        all.sort_by_key(|(key, _, _)| *key);
        all.into_iter().map(|(_, p, v)| (p, v)).collect()
    }
}

/// How much of what the HTML part shows the text part also says, from 0 to
/// 1: the share of the HTML's visible character pairs (whitespace aside,
/// case folded) found in the text. Content filters score multipart
/// messages whose parts say different things (SpamAssassin's
/// MPART_ALT_DIFF); pairs of characters work for Japanese, which has no
/// spaces between words. The `shared` texts (the legal footer, which both
/// parts carry) are left out of both, so they cannot hide a difference.
pub fn alternative_agreement(text: &str, html: &Document, shared: &[&str]) -> f64 {
    use std::collections::HashSet;
    let without_shared = |s: &str| {
        let mut s = s.to_owned();
        for piece in shared {
            if !piece.is_empty() {
                s = s.replace(piece, " ");
            }
        }
        s
    };
    let pairs = |s: &str| -> HashSet<(char, char)> {
        let chars: Vec<char> = s
            .chars()
            .filter(|c| !c.is_whitespace())
            .flat_map(char::to_lowercase)
            .collect();
        chars.windows(2).map(|w| (w[0], w[1])).collect()
    };
    let shown = pairs(&without_shared(&html.visible_text()));
    if shown.is_empty() {
        return 1.0;
    }
    let said = pairs(&without_shared(text));
    shown.intersection(&said).count() as f64 / shown.len() as f64
}

/// Below this agreement the parts count as saying different things.
pub const MIN_AGREEMENT: f64 = 0.5;

/// Whether `inner` is, or is inside, a `<summary>` that is a child of
/// `details`.
fn summary_child_of(details: ElementRef<'_>, inner: ElementRef<'_>) -> bool {
    std::iter::once(inner)
        .chain(inner.ancestors().filter_map(ElementRef::wrap))
        .take_while(|element| element.id() != details.id())
        .any(|element| {
            element.value().name() == "summary"
                && element.parent().map(|p| p.id()) == Some(details.id())
        })
}

/// `<div style="…">` or `<p class="…">`, for messages.
fn describe(element: ElementRef<'_>) -> String {
    let name = element.value().name();
    match (element.value().attr("style"), element.value().attr("class")) {
        (Some(style), _) => format!("<{name} style=\"{style}\">"),
        (None, Some(class)) => format!("<{name} class=\"{class}\">"),
        (None, None) => format!("<{name}>"),
    }
}

/// Where a declaration stands in the cascade, lowest first: (important,
/// inline, specificity, source order).
type Cascade = (bool, bool, (u32, u32, u32), usize);

/// One rule of a style sheet, for one selector of its list.
struct Rule {
    selector: Selector,
    /// (ids, classes and attributes and pseudo-classes, types), roughly as
    /// CSS counts them.
    specificity: (u32, u32, u32),
    declarations: Vec<Declaration>,
}

#[derive(Debug, Clone)]
struct Declaration {
    property: String,
    value: String,
    important: bool,
}

/// The rules of a style sheet outside at-rules.
fn stylesheet_rules(css: &str) -> Vec<Rule> {
    let css = strip_comments(css);
    let mut rules = Vec::new();
    let mut rest = css.as_str();
    while let Some(open) = rest.find('{') {
        let prelude = rest[..open].trim();
        if prelude.starts_with('@') {
            // A statement at-rule (@import …; @charset …;) ends at its
            // semicolon, before the next rule's brace.
            if let Some(semicolon) = rest[..open].find(';') {
                rest = &rest[semicolon + 1..];
                continue;
            }
            // Skip the whole at-rule block, nested braces and all.
            let mut depth = 0;
            let mut end = rest.len();
            for (at, ch) in rest[open..].char_indices() {
                match ch {
                    '{' => depth += 1,
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            end = open + at + 1;
                            break;
                        }
                    }
                    _ => {}
                }
            }
            rest = &rest[end..];
            continue;
        }
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        let body = &rest[open + 1..open + close];
        let declarations = parse_declarations(body);
        for selector in prelude.split(',') {
            let text = selector.trim();
            if let Ok(selector) = Selector::parse(text) {
                rules.push(Rule {
                    selector,
                    specificity: specificity(text),
                    declarations: declarations.clone(),
                });
            }
        }
        rest = &rest[open + close + 1..];
    }
    rules
}

/// A selector's specificity, counted from its text: `#id`; `.class`,
/// `[attr]` and `:pseudo-class`; type names.
fn specificity(selector: &str) -> (u32, u32, u32) {
    let mut counts = (0, 0, 0);
    let mut chars = selector.chars().peekable();
    let mut at_compound_start = true;
    while let Some(ch) = chars.next() {
        match ch {
            '#' => counts.0 += 1,
            '.' | '[' => counts.1 += 1,
            ':' if chars.peek() == Some(&':') => {
                chars.next();
                counts.2 += 1;
            }
            ':' => counts.1 += 1,
            ' ' | '>' | '+' | '~' => {
                at_compound_start = true;
                continue;
            }
            c if at_compound_start && c.is_ascii_alphabetic() => counts.2 += 1,
            _ => {}
        }
        at_compound_start = false;
    }
    counts
}

/// CSS without comments, nor the `<!--` `-->` markers old templates wrap
/// their styles in (browsers ignore them).
fn strip_comments(css: &str) -> String {
    let mut out = String::with_capacity(css.len());
    let mut rest = css;
    while let Some(start) = rest.find("/*") {
        out.push_str(&rest[..start]);
        rest = rest[start + 2..]
            .find("*/")
            .map_or("", |end| &rest[start + 2 + end + 2..]);
    }
    out.push_str(rest);
    out.replace("<!--", " ").replace("-->", " ")
}

/// `a: b; c: d !important` as lower-case declarations.
fn parse_declarations(text: &str) -> Vec<Declaration> {
    text.split(';')
        .filter_map(|declaration| {
            let (property, value) = declaration.split_once(':')?;
            let value = value.trim().to_ascii_lowercase();
            let (value, important) = match value.strip_suffix("important") {
                Some(head) if head.trim_end().ends_with('!') => (
                    head.trim_end().trim_end_matches('!').trim().to_owned(),
                    true,
                ),
                _ => (value, false),
            };
            Some(Declaration {
                property: property.trim().to_ascii_lowercase(),
                value,
                important,
            })
        })
        .collect()
}

fn parse_number_or_percent(value: &str) -> Option<f64> {
    match value.strip_suffix('%') {
        Some(percent) => percent.trim().parse::<f64>().ok().map(|p| p / 100.0),
        None => value.parse().ok(),
    }
}

/// The smaller factor of a `transform` holding `scale(…)`, `scaleX(…)` or
/// `scaleY(…)`.
fn scale_factor(transform: &str) -> Option<f64> {
    let mut smallest: Option<f64> = None;
    for function in ["scale(", "scalex(", "scaley("] {
        let mut rest = transform;
        while let Some(at) = rest.find(function) {
            let args = &rest[at + function.len()..];
            let end = args.find(')').unwrap_or(args.len());
            for value in args[..end].split(',') {
                if let Some(factor) = parse_number_or_percent(value.trim()) {
                    let factor = factor.abs();
                    smallest = Some(smallest.map_or(factor, |s: f64| s.min(factor)));
                }
            }
            rest = &args[end..];
        }
    }
    smallest
}

/// A length in CSS pixels; `em` against `font_px`.
fn length_px(value: &str, font_px: f64) -> Option<f64> {
    let value = value.trim();
    if value == "0" {
        return Some(0.0);
    }
    let split = value
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-' || c == '+'))
        .unwrap_or(value.len());
    let (number, unit) = value.split_at(split);
    let number: f64 = number.parse().ok()?;
    Some(match unit {
        "px" => number,
        "pt" => number * 96.0 / 72.0,
        "em" => number * font_px,
        "rem" => number * 16.0,
        "" => number,
        _ => return None,
    })
}

/// A computed font size, from a `font-size` value and the parent's size.
fn font_size_px(value: &str, parent_px: f64) -> Option<f64> {
    let keyword = match value {
        "xx-small" => Some(9.0),
        "x-small" => Some(10.0),
        "small" => Some(13.0),
        "medium" => Some(16.0),
        "large" => Some(18.0),
        "x-large" => Some(24.0),
        "xx-large" => Some(32.0),
        "smaller" => Some(parent_px / 1.2),
        "larger" => Some(parent_px * 1.2),
        _ => None,
    };
    keyword.or_else(|| match value.strip_suffix('%') {
        Some(percent) => percent
            .trim()
            .parse::<f64>()
            .ok()
            .map(|p| parent_px * p / 100.0),
        None => length_px(value, parent_px),
    })
}

/// `<font size="1">` … `7`, as browsers map them.
fn font_tag_px(size: &str) -> Option<f64> {
    Some(match size.trim() {
        "1" => 10.0,
        "2" => 13.0,
        "3" => 16.0,
        "4" => 18.0,
        "5" => 24.0,
        "6" => 32.0,
        "7" => 48.0,
        _ => return None,
    })
}

/// An sRGB colour with alpha.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Rgb {
    red: u8,
    green: u8,
    blue: u8,
    alpha: f64,
}

impl Rgb {
    const BLACK: Rgb = Rgb::opaque(0, 0, 0);
    const WHITE: Rgb = Rgb::opaque(255, 255, 255);

    const fn opaque(red: u8, green: u8, blue: u8) -> Rgb {
        Rgb {
            red,
            green,
            blue,
            alpha: 1.0,
        }
    }

    /// `#rgb`, `#rrggbb`, `rgb(…)`, `rgba(…)`, `transparent` or one of the
    /// basic named colours; `None` for anything else (not judged).
    fn parse(value: &str) -> Option<Rgb> {
        let value = value.trim().to_ascii_lowercase();
        if let Some(hex) = value.strip_prefix('#') {
            let digits: Vec<u8> = hex
                .chars()
                .map(|c| c.to_digit(16).map(|d| d as u8))
                .collect::<Option<_>>()?;
            return match digits.as_slice() {
                [r, g, b] => Some(Rgb::opaque(r * 17, g * 17, b * 17)),
                [r1, r2, g1, g2, b1, b2] => {
                    Some(Rgb::opaque(r1 * 16 + r2, g1 * 16 + g2, b1 * 16 + b2))
                }
                _ => None,
            };
        }
        if let Some(inner) = value
            .strip_prefix("rgba(")
            .or_else(|| value.strip_prefix("rgb("))
            .and_then(|rest| rest.strip_suffix(')'))
        {
            let parts: Vec<&str> = inner
                .split([',', ' ', '/'])
                .filter(|p| !p.is_empty())
                .collect();
            let channel = |text: &str| -> Option<u8> {
                match text.strip_suffix('%') {
                    Some(p) => p.parse::<f64>().ok().map(|p| (p * 2.55).round() as u8),
                    None => text.parse::<f64>().ok().map(|v| v.clamp(0.0, 255.0) as u8),
                }
            };
            let (red, green, blue) = (
                channel(parts.first()?)?,
                channel(parts.get(1)?)?,
                channel(parts.get(2)?)?,
            );
            let alpha = parts
                .get(3)
                .and_then(|a| parse_number_or_percent(a))
                .unwrap_or(1.0);
            return Some(Rgb {
                red,
                green,
                blue,
                alpha,
            });
        }
        Some(match value.as_str() {
            "transparent" => Rgb {
                alpha: 0.0,
                ..Rgb::WHITE
            },
            "white" => Rgb::WHITE,
            "black" => Rgb::BLACK,
            "silver" => Rgb::opaque(192, 192, 192),
            "gray" | "grey" => Rgb::opaque(128, 128, 128),
            "red" => Rgb::opaque(255, 0, 0),
            "green" => Rgb::opaque(0, 128, 0),
            "blue" => Rgb::opaque(0, 0, 255),
            "yellow" => Rgb::opaque(255, 255, 0),
            "whitesmoke" => Rgb::opaque(245, 245, 245),
            "snow" => Rgb::opaque(255, 250, 250),
            "ivory" => Rgb::opaque(255, 255, 240),
            _ => return None,
        })
    }

    /// WCAG 2 relative luminance.
    fn luminance(self) -> f64 {
        let linear = |channel: u8| {
            let c = f64::from(channel) / 255.0;
            if c <= 0.03928 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * linear(self.red) + 0.7152 * linear(self.green) + 0.0722 * linear(self.blue)
    }

    /// WCAG 2 contrast ratio, 1 (the same) to 21 (black on white).
    fn contrast(self, other: Rgb) -> f64 {
        let (a, b) = (self.luminance(), other.luminance());
        let (light, dark) = if a > b { (a, b) } else { (b, a) };
        (light + 0.05) / (dark + 0.05)
    }

    fn hex(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.red, self.green, self.blue)
    }
}

#[cfg(test)]
mod tests {
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
}
