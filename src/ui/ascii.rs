//! ASCII-only drawing for old terminals and serial consoles: after a frame is
//! drawn, every cell that is not ASCII is replaced by its nearest ASCII
//! look-alike (box lines, bars, shades, Braille dots, arrows), or `?`. The
//! cost line (Braille) becomes `*`, the previous period (`•`) `o` and the
//! forecast (`·`) `.`, so overlaid lines stay apart.

use ratatui::buffer::Buffer;

/// The ASCII stand-in for one non-ASCII symbol.
#[must_use]
pub fn transliterate(symbol: &str) -> &'static str {
    let Some(c) = symbol.chars().next() else {
        return " ";
    };
    match c {
        '─' | '━' | '═' | '–' | '—' | '╌' => "-",
        '│' | '┃' | '║' | '▏' | '▕' => "|",
        '┌' | '┐' | '└' | '┘' | '├' | '┤' | '┬' | '┴' | '┼' | '╭' | '╮' | '╰' | '╯' => {
            "+"
        }
        '█' | '▇' | '▆' => "#",
        '▓' => "%",
        '▒' => "+",
        '░' => ":",
        '▅' | '▄' => "=",
        '▃' | '▂' => "-",
        '▁' => "_",
        '·' => ".",
        '•' => "o",
        '⣿' => "*",
        '\u{2800}' => " ",
        '\u{2801}'..='\u{28FF}' => "*",
        '…' => "~",
        '⚠' => "!",
        'ⓘ' => "i",
        '✗' => "x",
        '→' => ">",
        '←' => "<",
        '↑' => "^",
        '↓' => "v",
        '±' => "+",
        _ if c.is_ascii() => "?",
        _ => "?",
    }
}

/// Replaces every non-ASCII cell of `buffer`.
pub fn asciify(buffer: &mut Buffer) {
    for cell in &mut buffer.content {
        let symbol = cell.symbol();
        if !symbol.is_ascii() {
            let replacement = transliterate(symbol);
            cell.set_symbol(replacement);
        }
    }
}
