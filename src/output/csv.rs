//! CSV output (RFC 4180): a header, comma separators, CRLF line ends, fields
//! quoted when they hold a comma, quote or line break; ISO dates; decimal
//! costs, unrounded.

use std::fmt::Write as _;

use crate::export::ExportRow;

/// One field, quoted when needed.
#[must_use]
pub fn field(text: &str) -> String {
    if text.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

/// Rows as CSV; `key_title` names the dimension column when there is one.
#[must_use]
pub fn render(rows: &[ExportRow], key_title: Option<&str>) -> String {
    let mut out = String::from("start,end");
    if let Some(title) = key_title {
        out.push(',');
        out.push_str(&field(title));
    }
    out.push_str(",requests,input_tokens,output_tokens,cache_read_tokens,cache_write_tokens,total_tokens,cost,estimated_cost\r\n");
    for row in rows {
        let usage = &row.totals.usage;
        let _ = write!(
            out,
            "{},{}",
            row.start.format("%Y-%m-%d"),
            row.end.format("%Y-%m-%d")
        );
        if key_title.is_some() {
            out.push(',');
            out.push_str(&field(row.key.as_deref().unwrap_or("")));
        }
        let _ = write!(
            out,
            ",{},{},{},{},{},{},{},{}\r\n",
            usage.requests,
            usage.input_tokens,
            usage.output_tokens,
            usage.cache_read_tokens,
            usage.cache_write_tokens,
            usage.total_tokens(),
            row.totals.cost.normalize(),
            row.totals.estimated_cost.normalize()
        );
    }
    out
}
