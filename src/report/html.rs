//! The report's HTML pieces: escaping, the page with its inline style sheet (system fonts
//! only: nothing is fetched), sections and table cells.

/// Text made safe inside an element or a quoted attribute.
pub(super) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:2em auto;max-width:1100px;padding:0 1em;color:#222;line-height:1.4}
h1{font-size:1.6em;margin-bottom:.2em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}
.description{color:#444;font-style:italic}
nav h2{font-size:1.1em;border:none;margin-top:1em}nav ul{margin:.1em 0}nav{font-size:.92em}
table{border-collapse:collapse;margin:.6em 0;font-size:.88em}
th,td{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top}
th{background:#f2f2f2}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td small{color:#666}
.scroll{overflow-x:auto}
pre{background:#f7f7f7;border:1px solid #ddd;padding:.8em;overflow-x:auto;font-size:.85em}
figure.chart{margin:1.5em 0}figure.chart svg{max-width:100%;height:auto;border:1px solid #eee}
figcaption{font-weight:600;margin-bottom:.3em}
.holds{color:#05683a;font-weight:600}.fails{color:#b00020;font-weight:600}
code{background:#f2f2f2;padding:0 .2em}";

/// The page: a title, the style sheet and the body.
pub(super) fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta name=\"generator\" content=\"discosim report\">\n<title>{}</title>\n<style>\n{STYLE}\n</style>\n</head>\n<body>\n{body}</body>\n</html>\n",
        escape(title)
    )
}

/// A section with its heading (`id` and `title` are the report's own, not the folder's).
pub(super) fn section(id: &str, title: &str, content: &str) -> String {
    format!("<section id=\"{id}\">\n<h2>{title}</h2>\n{content}</section>\n")
}

/// A header row of escaped names.
pub(super) fn header_row(names: &[&str]) -> String {
    let cells: String = names.iter().map(|n| format!("<th>{}</th>", escape(n))).collect();
    format!("<tr>{cells}</tr>\n")
}

/// A number cell as written in the CSV file, shown with four significant digits (the file
/// keeps ten); empty cells show a dash.
pub(super) fn number(cell: &str) -> String {
    match cell.parse::<f64>() {
        Ok(value) if value.is_finite() => {
            let rounded: f64 = format!("{value:.3e}").parse().unwrap_or(value);
            format!("{rounded}")
        }
        _ if cell.is_empty() => "–".into(),
        _ => escape(cell),
    }
}

/// A mean with its 95 % interval beneath, as a table cell.
pub(super) fn estimate_cell(mean: &str, low: &str, high: &str) -> String {
    if low.is_empty() || high.is_empty() {
        return format!("<td class=\"num\">{}</td>", number(mean));
    }
    format!("<td class=\"num\">{}<br><small>[{}, {}]</small></td>", number(mean), number(low), number(high))
}

#[cfg(test)]
mod tests {
    use super::{escape, number};

    #[test]
    fn text_is_escaped_and_numbers_shortened() {
        assert_eq!(escape("<a href=\"x\">'&'</a>"), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
        assert_eq!(number("0.08333333333"), "0.08333");
        assert_eq!(number("1176.304756"), "1176");
        assert_eq!(number(""), "–");
        assert_eq!(number("<b>"), "&lt;b&gt;");
    }
}
