//! Text from the database made safe and short for the screen: control
//! characters (ESC, BEL, newlines, bidi overrides) become `?` so nothing from
//! the data reaches the terminal raw, and long names end in `…`.

/// `text` with control and bidi-override characters replaced and cut to `width` characters.
#[must_use]
pub fn sanitize(text: &str, width: usize) -> String {
    let clean: String = text
        .chars()
        .map(|c| {
            if c.is_control() || is_bidi_control(c) {
                '?'
            } else {
                c
            }
        })
        .collect();
    truncate(&clean, width)
}

/// Cut to `width` characters, ending in `…` when cut.
#[must_use]
pub fn truncate(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_owned();
    }
    if width == 0 {
        return String::new();
    }
    let mut out: String = text.chars().take(width - 1).collect();
    out.push('…');
    out
}

/// Keep the end of `text` (paths), starting with `…` when cut.
#[must_use]
pub fn truncate_start(text: &str, width: usize) -> String {
    let count = text.chars().count();
    if count <= width {
        return text.to_owned();
    }
    if width == 0 {
        return String::new();
    }
    let tail: String = text.chars().skip(count - (width - 1)).collect();
    format!("…{tail}")
}

/// Whole text (line breaks and tabs kept) with every other control and
/// bidi-override character replaced by `?`: data printed to a terminal.
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
