//! The one place values enter ClickHouse SQL: old servers take no bound
//! parameters over HTTP, so each `?` of a statement (outside literals,
//! quoted names and comments) is replaced by its value as a literal:
//! integers as digits, text between single quotes with every backslash and
//! quote escaped (ClickHouse reads `\` as an escape inside literals).

use crate::store::sql::{Bind, Statement};

/// `text` as a ClickHouse string literal.
#[must_use]
pub fn text_literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('\'');
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\0' => out.push_str("\\0"),
            other => out.push(other),
        }
    }
    out.push('\'');
    out
}

/// A bound value as a literal.
fn bind_literal(bind: &Bind) -> String {
    match bind {
        Bind::Int(value) => value.to_string(),
        Bind::Text(text) => text_literal(text),
    }
}

/// The statement's SQL with each placeholder replaced by its value.
///
/// # Errors
/// More or fewer placeholders than values (a bug, never a user's input).
pub fn render(statement: &Statement) -> Result<String, String> {
    let sql = &statement.sql;
    let mut binds = statement.binds.iter();
    let mut out = String::with_capacity(sql.len() + 16 * statement.binds.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' | '"' | '`' => {
                out.push(c);
                // Quoted: to the closing quote, a backslash escaping the next character.
                while let Some(inner) = chars.next() {
                    out.push(inner);
                    if inner == '\\' {
                        if let Some(escaped) = chars.next() {
                            out.push(escaped);
                        }
                    } else if inner == c {
                        if chars.peek() == Some(&c) {
                            // A doubled quote stays inside.
                            if let Some(doubled) = chars.next() {
                                out.push(doubled);
                            }
                        } else {
                            break;
                        }
                    }
                }
            }
            '-' if chars.peek() == Some(&'-') => {
                out.push(c);
                for inner in chars.by_ref() {
                    out.push(inner);
                    if inner == '\n' {
                        break;
                    }
                }
            }
            '/' if chars.peek() == Some(&'*') => {
                out.push(c);
                let mut previous = ' ';
                for inner in chars.by_ref() {
                    out.push(inner);
                    if previous == '*' && inner == '/' {
                        break;
                    }
                    previous = inner;
                }
            }
            '?' => {
                let bind = binds
                    .next()
                    .ok_or_else(|| "a statement has more placeholders than values".to_owned())?;
                out.push_str(&bind_literal(bind));
            }
            other => out.push(other),
        }
    }
    if binds.next().is_some() {
        return Err("a statement has more values than placeholders".to_owned());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn statement(sql: &str, binds: Vec<Bind>) -> Statement {
        Statement {
            sql: sql.to_owned(),
            binds,
        }
    }

    #[test]
    fn hostile_text_stays_one_literal() {
        assert_eq!(text_literal("it's"), r"'it\'s'");
        assert_eq!(
            text_literal(r"a\'; DROP TABLE t; --"),
            r"'a\\\'; DROP TABLE t; --'"
        );
        assert_eq!(text_literal(r"\"), r"'\\'");
        assert_eq!(text_literal("nul\0byte"), r"'nul\0byte'");
        assert_eq!(text_literal("?"), "'?'");
        assert_eq!(text_literal("ünï 名"), "'ünï 名'");
    }

    #[test]
    fn placeholders_are_filled_in_order_and_quoted_ones_are_left() {
        let rendered = render(&statement(
            "SELECT '?', \"a?\", `b?` -- ?\n FROM t /* ? */ WHERE x >= ? AND name LIKE ? AND y < ?",
            vec![
                Bind::Int(-5),
                Bind::Text("o'k\\?".to_owned()),
                Bind::Int(i64::MAX),
            ],
        ));
        assert_eq!(
            rendered.as_deref(),
            Ok("SELECT '?', \"a?\", `b?` -- ?\n FROM t /* ? */ WHERE x >= -5 AND name LIKE 'o\\'k\\\\?' AND y < 9223372036854775807")
        );
    }

    #[test]
    fn escaped_and_doubled_quotes_do_not_end_a_literal() {
        let rendered = render(&statement(
            r"SELECT 'a\'?', 'b''?' WHERE z = ?",
            vec![Bind::Int(1)],
        ));
        assert_eq!(
            rendered.as_deref(),
            Ok(r"SELECT 'a\'?', 'b''?' WHERE z = 1")
        );
    }

    #[test]
    fn a_count_mismatch_is_an_error() {
        assert!(render(&statement("SELECT ?", Vec::new())).is_err());
        assert!(render(&statement("SELECT 1", vec![Bind::Int(1)])).is_err());
    }
}
