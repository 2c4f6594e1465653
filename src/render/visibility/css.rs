//! The bits of CSS the visibility check reads: style sheets and
//! declarations in cascade order, lengths, font sizes and colours.

use scraper::Selector;

/// Where a declaration stands in the cascade, lowest first: (important,
/// inline, specificity, source order).
pub(super) type Cascade = (bool, bool, (u32, u32, u32), usize);

/// One rule of a style sheet, for one selector of its list.
pub(super) struct Rule {
    pub(super) selector: Selector,
    /// (ids, classes and attributes and pseudo-classes, types), roughly as
    /// CSS counts them.
    pub(super) specificity: (u32, u32, u32),
    pub(super) declarations: Vec<Declaration>,
}

#[derive(Debug, Clone)]
pub(super) struct Declaration {
    pub(super) property: String,
    pub(super) value: String,
    pub(super) important: bool,
}

/// The rules of a style sheet outside at-rules.
pub(super) fn stylesheet_rules(css: &str) -> Vec<Rule> {
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
pub(super) fn specificity(selector: &str) -> (u32, u32, u32) {
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
pub(super) fn strip_comments(css: &str) -> String {
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
pub(super) fn parse_declarations(text: &str) -> Vec<Declaration> {
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

pub(super) fn parse_number_or_percent(value: &str) -> Option<f64> {
    match value.strip_suffix('%') {
        Some(percent) => percent.trim().parse::<f64>().ok().map(|p| p / 100.0),
        None => value.parse().ok(),
    }
}

/// The smaller factor of a `transform` holding `scale(…)`, `scaleX(…)` or
/// `scaleY(…)`.
pub(super) fn scale_factor(transform: &str) -> Option<f64> {
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
pub(super) fn length_px(value: &str, font_px: f64) -> Option<f64> {
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
pub(super) fn font_size_px(value: &str, parent_px: f64) -> Option<f64> {
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
pub(super) fn font_tag_px(size: &str) -> Option<f64> {
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
pub(super) struct Rgb {
    pub(super) red: u8,
    pub(super) green: u8,
    pub(super) blue: u8,
    pub(super) alpha: f64,
}

impl Rgb {
    pub(super) const BLACK: Rgb = Rgb::opaque(0, 0, 0);
    pub(super) const WHITE: Rgb = Rgb::opaque(255, 255, 255);

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
    pub(super) fn parse(value: &str) -> Option<Rgb> {
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
    pub(super) fn luminance(self) -> f64 {
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
    pub(super) fn contrast(self, other: Rgb) -> f64 {
        let (a, b) = (self.luminance(), other.luminance());
        let (light, dark) = if a > b { (a, b) } else { (b, a) };
        (light + 0.05) / (dark + 0.05)
    }

    pub(super) fn hex(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.red, self.green, self.blue)
    }
}
