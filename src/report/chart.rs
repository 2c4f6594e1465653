//! Hand-written inline SVG: horizontal bars and a column series. Labels are
//! escaped; nothing in a chart is fetched or scripted.

use crate::html::Escape;

/// Horizontal bars, one per (label, value), scaled to the largest value.
pub(super) fn bars(items: &[(String, u64)], title: &str) -> String {
    const WIDTH: u32 = 640;
    const LABEL: u32 = 200;
    const ROW: u32 = 26;
    let height = ROW * items.len().max(1) as u32 + 8;
    let max = items.iter().map(|(_, v)| *v).max().unwrap_or(0).max(1);
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" width=\"100%\" viewBox=\"0 0 {WIDTH} {height}\" \
         aria-label=\"{}\"><title>{}</title>",
        Escape(title),
        Escape(title)
    );
    for (index, (label, value)) in items.iter().enumerate() {
        let y = 4 + ROW * index as u32;
        let length = ((WIDTH - LABEL - 90) as f64 * *value as f64 / max as f64).round() as u32;
        svg.push_str(&format!(
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" class=\"label\">{}</text>\
             <rect x=\"{LABEL}\" y=\"{}\" width=\"{}\" height=\"{}\" class=\"bar\"/>\
             <text x=\"{}\" y=\"{}\" class=\"value\">{}</text>",
            LABEL - 8,
            y + 17,
            Escape(label),
            y + 3,
            length.max(1),
            ROW - 8,
            LABEL + length + 6,
            y + 17,
            crate::output::group(*value)
        ));
    }
    svg.push_str("</svg>");
    svg
}

/// Columns over time: (label under the column, value), with an optional
/// horizontal line (a limit) at `line`.
pub(super) fn columns(items: &[(String, u64)], title: &str) -> String {
    const WIDTH: u32 = 640;
    const HEIGHT: u32 = 180;
    const BASE: u32 = 150;
    let max = items.iter().map(|(_, v)| *v).max().unwrap_or(0).max(1);
    let step = (WIDTH - 40) as f64 / items.len().max(1) as f64;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" width=\"100%\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" \
         aria-label=\"{}\"><title>{}</title>\
         <line x1=\"30\" y1=\"{BASE}\" x2=\"{WIDTH}\" y2=\"{BASE}\" class=\"axis\"/>\
         <text x=\"26\" y=\"14\" text-anchor=\"end\" class=\"value\">{}</text>",
        Escape(title),
        Escape(title),
        crate::output::group(max)
    );
    let label_every = (items.len() / 8).max(1);
    for (index, (label, value)) in items.iter().enumerate() {
        let x = 34.0 + step * index as f64;
        let height = (BASE - 10) as f64 * *value as f64 / max as f64;
        svg.push_str(&format!(
            "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{height:.1}\" class=\"bar\"><title>{} {}</title></rect>",
            BASE as f64 - height,
            (step * 0.8).clamp(1.0, 40.0),
            Escape(label),
            value
        ));
        if index % label_every == 0 {
            svg.push_str(&format!(
                "<text x=\"{x:.1}\" y=\"{}\" class=\"label\">{}</text>",
                BASE + 18,
                Escape(label)
            ));
        }
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_escape_labels_and_scale_to_the_largest() {
        let svg = bars(&[("<b>".into(), 10), ("a".into(), 5)], "skip reasons");
        assert!(svg.contains("&lt;b&gt;") && !svg.contains("<b>"));
        assert!(svg.contains("width=\"350\"") && svg.contains("width=\"175\""));
        let svg = columns(&[("10:00".into(), 3), ("10:01".into(), 0)], "per minute");
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
    }
}
