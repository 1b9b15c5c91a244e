//! Text from data made safe and measured for a terminal or a file: control
//! characters (ESC, BEL, newlines) and bidi overrides become `?` so nothing
//! from the data reaches a terminal raw, and widths are display columns
//! (`unicode-width`: a CJK character takes two) so columns stay aligned.
//! Pure; used by the dashboard (`ui`) and the headless output alike.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Columns `text` takes on a terminal.
#[must_use]
pub fn width(text: &str) -> usize {
    UnicodeWidthStr::width(text)
}

fn char_width(c: char) -> usize {
    UnicodeWidthChar::width(c).unwrap_or(0)
}

/// True for characters that must never reach a terminal raw.
fn is_unsafe(c: char) -> bool {
    c.is_control() || is_bidi_control(c)
}

/// `text` with control and bidi-override characters replaced by `?`, cut to
/// `columns` display columns (ending in `…` when cut).
#[must_use]
pub fn sanitize(text: &str, columns: usize) -> String {
    truncate(&clean(text), columns)
}

/// `text` with control and bidi-override characters replaced by `?`, whole.
#[must_use]
pub fn clean(text: &str) -> String {
    text.chars()
        .map(|c| if is_unsafe(c) { '?' } else { c })
        .collect()
}

/// `text` cleaned and fitted to `columns`, cut in the middle (`claude-so…0929`):
/// names that share a prefix stay apart by their ends.
#[must_use]
pub fn sanitize_middle(text: &str, columns: usize) -> String {
    elide_middle(&clean(text), columns)
}

/// The longest start of `text` that fits `columns`.
fn take_columns(text: &str, columns: usize) -> (&str, usize) {
    let mut used = 0;
    for (index, c) in text.char_indices() {
        let next = used + char_width(c);
        if next > columns {
            return (&text[..index], used);
        }
        used = next;
    }
    (text, used)
}

/// The longest end of `text` that fits `columns`.
fn take_columns_from_end(text: &str, columns: usize) -> (&str, usize) {
    let mut used = 0;
    for (index, c) in text.char_indices().rev() {
        let next = used + char_width(c);
        if next > columns {
            return (&text[index + c.len_utf8()..], used);
        }
        used = next;
    }
    (text, used)
}

/// Cut to `columns` display columns, ending in `…` when cut.
#[must_use]
pub fn truncate(text: &str, columns: usize) -> String {
    if width(text) <= columns {
        return text.to_owned();
    }
    if columns == 0 {
        return String::new();
    }
    let (head, _) = take_columns(text, columns - 1);
    format!("{head}…")
}

/// Keep the end of `text` (paths), starting with `…` when cut.
#[must_use]
pub fn truncate_start(text: &str, columns: usize) -> String {
    if width(text) <= columns {
        return text.to_owned();
    }
    if columns == 0 {
        return String::new();
    }
    let (tail, _) = take_columns_from_end(text, columns - 1);
    format!("…{tail}")
}

/// Fit `text` to `columns` by cutting its middle: `claude-sonnet-4-5-20250929`
/// in 16 columns is `claude-s…0250929`.
#[must_use]
pub fn elide_middle(text: &str, columns: usize) -> String {
    if width(text) <= columns {
        return text.to_owned();
    }
    if columns < 5 {
        return truncate(text, columns);
    }
    let room = columns - 1;
    let (head, used) = take_columns(text, room.div_ceil(2));
    let (tail, _) = take_columns_from_end(text, room - used);
    format!("{head}…{tail}")
}

/// `text` padded with spaces on the right to `columns` (cut first when longer).
#[must_use]
pub fn pad_right(text: &str, columns: usize) -> String {
    let text = truncate(text, columns);
    let gap = columns.saturating_sub(width(&text));
    format!("{text}{}", " ".repeat(gap))
}

/// `text` padded with spaces on the left to `columns` (never cut: numbers).
#[must_use]
pub fn pad_left(text: &str, columns: usize) -> String {
    let gap = columns.saturating_sub(width(text));
    format!("{}{text}", " ".repeat(gap))
}

/// Whole text (line breaks and tabs kept) with every other control and
/// bidi-override character replaced by `?`: data printed to a terminal or a file.
#[must_use]
pub fn inert(text: &str) -> String {
    text.chars()
        .map(|c| {
            if (c.is_control() && !matches!(c, '\n' | '\r' | '\t')) || is_bidi_control(c) {
                '?'
            } else {
                c
            }
        })
        .collect()
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_are_display_columns() {
        assert_eq!(width("gpt-4o"), 6);
        assert_eq!(width("通义千问"), 8);
        assert_eq!(pad_right("通义", 6), "通义  ");
        assert_eq!(pad_left("$1", 4), "  $1");
        assert_eq!(truncate("通义千问-max", 6), "通义…");
        assert_eq!(
            width(&truncate("通义千问-max", 6)),
            5,
            "a wide char never splits"
        );
        assert_eq!(truncate_start("/home/me/通义.db", 6), "…义.db");
    }

    #[test]
    fn names_lose_their_middle() {
        assert_eq!(
            elide_middle("claude-sonnet-4-5-20250929", 16),
            "claude-s…0250929"
        );
        assert_eq!(elide_middle("gpt-4o", 16), "gpt-4o");
        assert_eq!(width(&elide_middle("claude-sonnet-4-5-20250929", 9)), 9);
        assert_eq!(elide_middle("abcdef", 3), "ab…");
        assert_eq!(elide_middle("通义千问通义千问", 7), "通…千问");
    }

    #[test]
    fn controls_never_pass() {
        assert_eq!(sanitize("a\u{1b}[2Jb\u{202e}c", 20), "a?[2Jb?c");
        assert_eq!(sanitize_middle("a\u{7}bcdefghijkl", 7), "a?b…jkl");
        assert_eq!(inert("a\tb\nc\u{1b}"), "a\tb\nc?");
    }
}
