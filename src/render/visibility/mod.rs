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

mod css;
#[cfg(test)]
mod tests;

use scraper::{ElementRef, Html, Node, Selector};

use self::css::{
    Cascade, Rgb, Rule, font_size_px, font_tag_px, length_px, parse_declarations,
    parse_number_or_percent, scale_factor, stylesheet_rules,
};

/// The smallest font size, in CSS pixels, at which text counts as legible.
pub(crate) const MIN_FONT_PX: f64 = 10.0;

/// The contrast ratio below which text and background count as one colour.
pub(crate) const MIN_CONTRAST: f64 = 1.5;

/// Where a piece of text stands in an HTML part.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Seen {
    /// Shown to the reader.
    Visible,
    /// Present but hidden; why, and a fragment of the source (an attribute
    /// value or a tag) that locates the hiding element.
    Hidden { why: String, locate: String },
    /// Not in the part at all.
    Missing,
}

/// A parsed HTML part, with its `<style>` rules, for asking about texts.
pub(crate) struct Document {
    html: Html,
    rules: Vec<Rule>,
}

impl Document {
    /// Parses `html` as a mail client would.
    pub(crate) fn parse(html: &str) -> Document {
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
    pub(crate) fn seen(&self, needle: &str) -> Seen {
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
    pub(crate) fn visible_text(&self) -> String {
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
pub(crate) fn alternative_agreement(text: &str, html: &Document, shared: &[&str]) -> f64 {
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
pub(crate) const MIN_AGREEMENT: f64 = 0.5;

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
