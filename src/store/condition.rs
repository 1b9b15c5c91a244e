//! The `[source] where` check: the text must be one SQL expression that
//! cannot close the parentheses usagetop wraps it in, whichever engine reads
//! it. Each engine has its own quoting (SQLite `[name]` and backticks,
//! PostgreSQL `E'..'` escapes and `$tag$..$tag$`, MySQL backslash escapes and
//! `#` comments), so the text is lexed the way each of them would lex it and
//! must pass every one: no statement separator, no comment, quotes closed,
//! parentheses balanced outside quotes. A text that engines read differently
//! is refused rather than guessed.

/// How one engine quotes and comments.
#[derive(Debug, Clone, Copy)]
struct Lexer {
    /// Backslash escapes the next character inside '...' and "..." strings.
    backslash_escapes: bool,
    /// `E'...'` strings with backslash escapes.
    escape_strings: bool,
    /// `$tag$ ... $tag$` strings.
    dollar_quotes: bool,
    /// `[name]` identifiers.
    bracket_names: bool,
    /// Backtick identifiers.
    backticks: bool,
    /// `#` starts a comment.
    hash_comments: bool,
}

const SQLITE: Lexer = Lexer {
    backslash_escapes: false,
    escape_strings: false,
    dollar_quotes: false,
    bracket_names: true,
    backticks: true,
    hash_comments: false,
};

const POSTGRES: Lexer = Lexer {
    backslash_escapes: false,
    escape_strings: true,
    dollar_quotes: true,
    bracket_names: false,
    backticks: false,
    hash_comments: false,
};

const MYSQL: Lexer = Lexer {
    backslash_escapes: true,
    escape_strings: false,
    dollar_quotes: false,
    bracket_names: false,
    backticks: true,
    hash_comments: true,
};

/// Checks `text` under every engine's lexer.
///
/// # Errors
/// Why it is not one expression (for the first engine that says so).
pub fn check(text: &str) -> Result<(), String> {
    if text.contains('\0') {
        return Err("contains a NUL character".to_owned());
    }
    for lexer in [SQLITE, POSTGRES, MYSQL] {
        lex(text, lexer)?;
    }
    Ok(())
}

/// Walks `text` as `lexer` would, tracking quotes and parentheses.
fn lex(text: &str, lexer: Lexer) -> Result<(), String> {
    let chars: Vec<char> = text.chars().collect();
    let mut depth = 0_i32;
    let mut index = 0;
    while index < chars.len() {
        let c = chars[index];
        let next = chars.get(index + 1).copied();
        match c {
            '\'' => index = close_string(&chars, index + 1, '\'', lexer.backslash_escapes)?,
            '"' => index = close_string(&chars, index + 1, '"', lexer.backslash_escapes)?,
            'E' | 'e'
                if lexer.escape_strings
                    && next == Some('\'')
                    && !previous_is_word(&chars, index) =>
            {
                index = close_string(&chars, index + 2, '\'', true)?;
            }
            '$' if lexer.dollar_quotes => index = close_dollar(&chars, index)?,
            '[' if lexer.bracket_names => index = close_at(&chars, index + 1, ']')?,
            '`' if lexer.backticks => index = close_at(&chars, index + 1, '`')?,
            ';' => return Err("contains ';'".to_owned()),
            '#' if lexer.hash_comments => return Err("contains a comment (#)".to_owned()),
            '-' if next == Some('-') => return Err("contains a comment (--)".to_owned()),
            '/' if next == Some('*') => return Err("contains a comment (/*)".to_owned()),
            '(' => {
                depth += 1;
                index += 1;
            }
            ')' => {
                depth -= 1;
                if depth < 0 {
                    return Err("closes a parenthesis it did not open".to_owned());
                }
                index += 1;
            }
            _ => index += 1,
        }
    }
    if depth != 0 {
        return Err("has an unclosed parenthesis".to_owned());
    }
    Ok(())
}

fn previous_is_word(chars: &[char], index: usize) -> bool {
    index > 0 && {
        let before = chars[index - 1];
        before.is_alphanumeric() || before == '_'
    }
}

/// The index after the quote that closes a string opened before `start`
/// (a doubled quote stays inside; with `backslash`, `\x` does too).
fn close_string(
    chars: &[char],
    start: usize,
    quote: char,
    backslash: bool,
) -> Result<usize, String> {
    let mut index = start;
    while index < chars.len() {
        let c = chars[index];
        if backslash && c == '\\' {
            index += 2;
            continue;
        }
        if c == quote {
            if chars.get(index + 1) == Some(&quote) {
                index += 2;
                continue;
            }
            return Ok(index + 1);
        }
        index += 1;
    }
    Err("has an unclosed quote".to_owned())
}

/// The index after `close`, searching from `start`.
fn close_at(chars: &[char], start: usize, close: char) -> Result<usize, String> {
    chars[start.min(chars.len())..]
        .iter()
        .position(|c| *c == close)
        .map(|offset| start + offset + 1)
        .ok_or_else(|| "has an unclosed quote".to_owned())
}

/// After a PostgreSQL dollar-quoted string starting at `start` (`$tag$`),
/// or after the `$` when it starts none (a parameter such as `$1`).
fn close_dollar(chars: &[char], start: usize) -> Result<usize, String> {
    let mut end = start + 1;
    while end < chars.len() && (chars[end].is_alphanumeric() || chars[end] == '_') {
        end += 1;
    }
    if chars.get(end) != Some(&'$') || chars.get(start + 1).is_some_and(char::is_ascii_digit) {
        return Ok(start + 1);
    }
    let tag: Vec<char> = chars[start..=end].to_vec();
    let body = end + 1;
    let mut index = body;
    while index + tag.len() <= chars.len() {
        if chars[index..index + tag.len()] == tag[..] {
            return Ok(index + tag.len());
        }
        index += 1;
    }
    Err("has an unclosed quote ($...$)".to_owned())
}

#[cfg(test)]
mod tests {
    use super::check;

    #[test]
    fn plain_conditions_pass() {
        for text in [
            "status = 'success'",
            "COALESCE(status, 'success') = 'success'",
            "model <> 'it''s' AND (a > 1 OR b < 2)",
            "\"user\" IS NOT NULL",
            "tags[1] = 'x'",
        ] {
            assert_eq!(check(text), Ok(()), "{text}");
        }
    }

    #[test]
    fn quoting_that_engines_read_differently_cannot_escape() {
        for text in [
            "1 = 1) OR (true",
            "$$)$$ = '' OR (true",
            "x = $$ ) OR (true $$",
            "x = E'\\') OR (true' ",
            "[)] = 1 OR (true",
            "`)` = 1 OR (true",
            "x = 'a\\') OR (true' ",
            "x = 1 # ) OR (true",
            "a = 1; DROP TABLE t",
            "a = 1 -- )",
            "a = 1 /* ) */",
            "a = 'unclosed",
            "a = (1",
            "a = '\0'",
        ] {
            assert!(check(text).is_err(), "{text:?} must be refused");
        }
    }
}
