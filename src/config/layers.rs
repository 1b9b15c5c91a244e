//! Where each setting comes from: flags over the config file over defaults
//! (one helper, [`Layers::pick`]), and the line of a key in the config file
//! for error messages, read from the file parsed with spans (`toml::Spanned`)
//! so that keys under `[table]` headers, dotted keys and inline tables are all found.

use std::ops::Range;
use std::path::Path;

use super::ConfigError;
use crate::key_error::KeyError;

/// A setting's value with the name of where it came from: a flag, or the
/// config file and key (with its line), for error messages.
pub(super) struct Chosen<T> {
    /// The value in force.
    pub(super) value: T,
    /// A flag's name, or `FILE (key KEY, line N)`.
    pub(super) source_name: String,
}

/// The layers settings come from: flags (and their environment variables)
/// over the config file over defaults, with the file parsed once more with
/// spans so that an error can name the line of the key it is about.
pub(super) struct Layers<'text> {
    /// The config file read, if any.
    path: Option<&'text Path>,
    /// Its text.
    text: &'text str,
    /// Its keys with their places in the text.
    spans: Option<toml::de::DeTable<'text>>,
}

impl<'text> Layers<'text> {
    pub(super) fn new(path: Option<&'text Path>, text: &'text str) -> Self {
        let spans = path
            .and_then(|_| toml::de::DeTable::parse(text).ok())
            .map(toml::Spanned::into_inner);
        Self { path, text, spans }
    }

    /// The flag's value, else the file's: the one place the precedence is written.
    pub(super) fn pick<T>(
        &self,
        flag: Option<T>,
        flag_name: &str,
        file: Option<T>,
        key: &str,
    ) -> Option<Chosen<T>> {
        match (flag, file) {
            (Some(value), _) => Some(Chosen {
                value,
                source_name: flag_name.to_owned(),
            }),
            (None, Some(value)) => Some(Chosen {
                value,
                source_name: self.key_name(key),
            }),
            (None, None) => None,
        }
    }

    /// [`Layers::pick`], else the default (named by its key, where it would be set).
    pub(super) fn pick_or<T>(
        &self,
        flag: Option<T>,
        flag_name: &str,
        file: Option<T>,
        key: &str,
        default: T,
    ) -> Chosen<T> {
        self.pick(flag, flag_name, file, key)
            .unwrap_or_else(|| Chosen {
                value: default,
                source_name: self.key_name(key),
            })
    }

    /// `FILE (key KEY, line N)` for a key of the config file; the bare key without a file.
    pub(super) fn key_name(&self, key: &str) -> String {
        match self.path {
            Some(path) => match self.line(key) {
                Some(line) => format!("{} (key {key}, line {line})", path.display()),
                None => format!("{} (key {key})", path.display()),
            },
            None => key.to_owned(),
        }
    }

    /// A table's check that failed, named by the file and the line of its key.
    pub(super) fn key_error(&self, error: &KeyError) -> ConfigError {
        self.table_error(Some(&error.key), error.to_string())
    }

    /// An error about `key` of a table (its message starts with the key), named
    /// by the file and the key's line.
    pub(super) fn table_error(&self, key: Option<&str>, detail: String) -> ConfigError {
        let source_name = match self.path {
            Some(path) => match key.and_then(|key| self.line(key)) {
                Some(line) => format!("{} (line {line})", path.display()),
                None => path.display().to_string(),
            },
            None => "the config".to_owned(),
        };
        ConfigError::Value {
            source_name,
            detail,
        }
    }

    fn line(&self, key: &str) -> Option<usize> {
        key_line(self.text, self.spans.as_ref()?, key)
    }
}

/// The line (1-based) of a dotted key such as `timezone`, `budget.monthly` or
/// `pricing.models."my-model".input` in parsed config text, wherever TOML lets
/// it be written: under a `[table]` header, as a dotted key, in an inline table.
/// In an array of tables only a lone table is followed (the key names no item).
fn key_line(text: &str, table: &toml::de::DeTable<'_>, dotted: &str) -> Option<usize> {
    use toml::de::{DeTable, DeValue};
    fn entry<'a>(table: &'a DeTable<'_>, name: &str) -> Option<(Range<usize>, &'a DeValue<'a>)> {
        table
            .iter()
            .find(|(key, _)| key.get_ref().as_ref() == name)
            .map(|(key, value)| (key.span(), value.get_ref()))
    }
    let segments = split_key(dotted);
    let (leaf, parents) = segments.split_last()?;
    let mut current = table;
    for segment in parents {
        current = match entry(current, segment)?.1 {
            DeValue::Table(inner) => inner,
            DeValue::Array(items) if items.len() == 1 => match items[0].get_ref() {
                DeValue::Table(inner) => inner,
                _ => return None,
            },
            _ => return None,
        };
    }
    let (span, _) = entry(current, leaf)?;
    Some(text.get(..span.start)?.matches('\n').count() + 1)
}

/// `pricing.models."a.b".input` as `["pricing", "models", "a.b", "input"]`.
fn split_key(dotted: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    for c in dotted.trim().chars() {
        match c {
            '"' => quoted = !quoted,
            '.' if !quoted => parts.push(std::mem::take(&mut current).trim().to_owned()),
            other => current.push(other),
        }
    }
    parts.push(current.trim().to_owned());
    parts
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::key_line;

    fn line(text: &str, key: &str) -> Option<usize> {
        let table = toml::de::DeTable::parse(text).unwrap().into_inner();
        key_line(text, &table, key)
    }

    #[test]
    fn keys_under_headers_and_at_the_top() {
        let text = "timezone = \"UTC\"\n\n[budget]\nwarn_at = 0.8\nmonthly = \"500\"\n";
        assert_eq!(line(text, "timezone"), Some(1));
        assert_eq!(line(text, "budget.monthly"), Some(5));
        assert_eq!(line(text, "budget.daily"), None);
        assert_eq!(line(text, "budget"), Some(3));
    }

    #[test]
    fn a_key_in_an_inline_table() {
        let text = "view = \"daily\"\nbudget = { warn_at = 0.8,\n  monthly = \"x\" }\n";
        assert_eq!(line(text, "budget.warn_at"), Some(2));
        assert_eq!(line(text, "budget.monthly"), Some(3));
        let text = "[pricing.models]\n\"gpt-4.1\" = { input = \"1\", output = \"cheap\" }\n";
        assert_eq!(line(text, "pricing.models.\"gpt-4.1\".output"), Some(2));
    }

    #[test]
    fn a_dotted_key() {
        let text = "view = \"daily\"\n\nbudget.monthly = \"x\"\nkeys.quit = \"Q\"\n";
        assert_eq!(line(text, "budget.monthly"), Some(3));
        assert_eq!(line(text, "keys.quit"), Some(4));
        let text = "[budget]\nmodels.\"gpt-4\".daily = \"-1\"\n";
        assert_eq!(line(text, "budget.models.\"gpt-4\".daily"), Some(2));
    }

    #[test]
    fn arrays_of_tables_are_followed_only_when_alone() {
        let one = "[alerts]\n[[alerts.webhook]]\nurl = \"ftp://x\"\n";
        assert_eq!(line(one, "alerts.webhook.url"), Some(3));
        let two =
            "[[alerts.webhook]]\nurl = \"https://a\"\n[[alerts.webhook]]\nurl = \"ftp://x\"\n";
        assert_eq!(line(two, "alerts.webhook.url"), None);
    }
}
