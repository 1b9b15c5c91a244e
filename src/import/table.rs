//! Any file with one event per row (CSV, with a header line) or per line
//! (JSON lines), read through the `[import]` column mapping. An event's key
//! is its `key` column when mapped (the same id is stored once, from any
//! file or run); otherwise the file and line number (standard input:
//! none, so every run adds its rows). CSV rows are single lines: a quoted
//! field with a line break in it is not supported.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::mapping::Columns;
use super::{Event, LineParser};
use crate::store::mapping::TimestampFormat;

/// CSV or JSON lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Comma-separated, a header line first.
    Csv,
    /// One JSON object per line.
    Jsonl,
}

/// What the reader keeps between imports of a file: the CSV header and the
/// lines seen (for keys by line number).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct TableState {
    header: Option<Vec<String>>,
    line: u64,
}

/// Reads one CSV or JSON-lines file.
pub struct TableParser {
    format: Format,
    columns: Columns,
    /// `csv:<path>` for keys by line; `None` for standard input.
    origin: Option<String>,
    state: TableState,
}

impl TableParser {
    /// A parser of `format` with `columns`, resuming after `saved`.
    #[must_use]
    pub fn new(
        format: Format,
        columns: Columns,
        origin: Option<String>,
        saved: Option<&str>,
    ) -> Self {
        let state = saved
            .and_then(|text| serde_json::from_str(text).ok())
            .unwrap_or_default();
        Self {
            format,
            columns,
            origin,
            state,
        }
    }
}

/// The fields of one CSV line: commas outside double quotes separate them,
/// `""` inside quotes is one quote.
///
/// # Errors
/// A quote left open.
pub fn csv_fields(line: &str) -> Result<Vec<String>, String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            (true, '"') => quoted = false,
            (false, '"') if field.trim().is_empty() => {
                field.clear();
                quoted = true;
            }
            (false, ',') => fields.push(std::mem::take(&mut field)),
            (_, c) => field.push(c),
        }
    }
    if quoted {
        return Err("a quoted field is not closed".to_owned());
    }
    fields.push(field);
    Ok(fields)
}

/// A field's value: a JSON value (JSON lines), or text (CSV).
enum Row {
    Csv(Vec<(String, String)>),
    Json(Value),
}

impl Row {
    fn get(&self, name: &str) -> Option<Value> {
        match self {
            Row::Csv(pairs) => pairs
                .iter()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.trim())
                .filter(|value| !value.is_empty())
                .map(|value| Value::String(value.to_owned())),
            Row::Json(object) => {
                let mut at = object;
                for part in name.split('.') {
                    at = at.get(part)?;
                }
                (!at.is_null()).then(|| at.clone())
            }
        }
    }

    fn text(&self, name: Option<&String>) -> Option<String> {
        match self.get(name?)? {
            Value::String(text) => Some(text),
            other => Some(other.to_string()),
        }
    }

    fn tokens(&self, name: Option<&String>) -> Result<i64, String> {
        let Some(name) = name else { return Ok(0) };
        let Some(value) = self.get(name) else {
            return Ok(0);
        };
        let count = match &value {
            Value::Number(number) => number.as_i64(),
            Value::String(text) => text.trim().parse::<i64>().ok(),
            _ => None,
        };
        count
            .filter(|count| *count >= 0)
            .ok_or_else(|| format!("{name} = {value} is not a token count"))
    }
}

/// Unix seconds of a timestamp value in `format`.
///
/// # Errors
/// A value the format cannot read.
pub fn timestamp(value: &Value, format: TimestampFormat) -> Result<i64, String> {
    let bad = || format!("timestamp {value} cannot be read as {format:?}");
    let number = match value {
        Value::Number(number) => number.as_f64(),
        Value::String(text) => text.trim().parse::<f64>().ok(),
        _ => None,
    };
    #[allow(clippy::cast_possible_truncation)]
    let seconds = |value: f64| value.is_finite().then(|| value.floor() as i64);
    match (format, number) {
        (TimestampFormat::UnixS, Some(n)) => seconds(n).ok_or_else(bad),
        (TimestampFormat::UnixMs, Some(n)) => seconds(n / 1000.0).ok_or_else(bad),
        // Auto: milliseconds from the magnitude (past the year 5138 in seconds).
        (TimestampFormat::Auto | TimestampFormat::Native, Some(n)) => {
            seconds(if n.abs() >= 1e11 { n / 1000.0 } else { n }).ok_or_else(bad)
        }
        (TimestampFormat::UnixS | TimestampFormat::UnixMs, None) => Err(bad()),
        (TimestampFormat::Iso8601, _) | (_, None) => {
            let text = value.as_str().ok_or_else(bad)?.trim();
            if let Ok(at) = chrono::DateTime::parse_from_rfc3339(text) {
                return Ok(at.timestamp());
            }
            for pattern in ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f"] {
                if let Ok(at) = chrono::NaiveDateTime::parse_from_str(text, pattern) {
                    return Ok(at.and_utc().timestamp());
                }
            }
            chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .ok()
                .and_then(|day| day.and_hms_opt(0, 0, 0))
                .map(|at| at.and_utc().timestamp())
                .ok_or_else(bad)
        }
    }
}

impl LineParser for TableParser {
    fn parse(&mut self, line: &[u8], out: &mut Vec<Event>) -> Result<(), String> {
        self.state.line += 1;
        let text = std::str::from_utf8(line).map_err(|_| "not UTF-8".to_owned())?;
        if text.trim().is_empty() {
            return Ok(());
        }
        let row = match self.format {
            Format::Jsonl => {
                let value: Value =
                    serde_json::from_str(text).map_err(|error| format!("not JSON: {error}"))?;
                if !value.is_object() {
                    return Err("not a JSON object".to_owned());
                }
                Row::Json(value)
            }
            Format::Csv => {
                let fields = csv_fields(text)?;
                let Some(header) = &self.state.header else {
                    self.state.header =
                        Some(fields.into_iter().map(|f| f.trim().to_owned()).collect());
                    return Ok(());
                };
                if fields.len() != header.len() {
                    return Err(format!(
                        "{} fields, the header has {}",
                        fields.len(),
                        header.len()
                    ));
                }
                Row::Csv(header.iter().cloned().zip(fields).collect())
            }
        };
        let columns = &self.columns;
        let when = row
            .get(&columns.timestamp)
            .ok_or_else(|| format!("no {}", columns.timestamp))?;
        let ts = timestamp(&when, columns.format)?;
        let mut input = row.tokens(columns.input.as_ref())?;
        let cache_read = row.tokens(columns.cache_read.as_ref())?;
        let cache_write = row.tokens(columns.cache_write.as_ref())?;
        let cache_write_1h = row.tokens(columns.cache_write_1h.as_ref())?;
        if cache_write_1h > cache_write {
            return Err(format!(
                "{cache_write_1h} 1-hour cache writes are more than the {cache_write} cache writes they are part of"
            ));
        }
        if columns.input_includes_cache {
            input = input
                .saturating_sub(cache_read)
                .saturating_sub(cache_write)
                .max(0);
        }
        let key = match (row.text(columns.key.as_ref()), &self.origin) {
            (Some(id), _) => Some(format!("import:{id}")),
            (None, Some(origin)) => Some(format!("{origin}:{}", self.state.line)),
            (None, None) => None,
        };
        let cost_usd = match columns.cost.as_ref().and_then(|name| row.get(name)) {
            None => None,
            Some(Value::Number(number)) => number.as_f64(),
            Some(Value::String(text)) => Some(
                text.trim()
                    .parse::<f64>()
                    .map_err(|_| format!("cost {text:?} is not a number"))?,
            ),
            Some(other) => return Err(format!("cost {other} is not a number")),
        };
        // A row without a request count is one request.
        let requests = match columns.requests.as_ref() {
            Some(name) if row.get(name).is_some() => row
                .tokens(Some(name))
                .map_err(|reason| reason.replace("token count", "request count"))?,
            _ => 1,
        };
        out.push(Event {
            ts,
            model: row
                .text(columns.model.as_ref())
                .filter(|model| !model.is_empty())
                .unwrap_or_else(|| columns.default_model.clone()),
            key: key.unwrap_or_default(),
            input,
            output: row.tokens(columns.output.as_ref())?,
            cache_read,
            cache_write,
            cache_write_1h,
            project: row.text(columns.project.as_ref()),
            session: row.text(columns.session.as_ref()),
            user: row.text(columns.user.as_ref()),
            endpoint: row.text(columns.endpoint.as_ref()),
            requests,
            cost_usd: cost_usd.filter(|cost| cost.is_finite()),
        });
        Ok(())
    }

    fn state(&self) -> Option<String> {
        serde_json::to_string(&self.state).ok()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::import::mapping::ImportMapping;

    #[test]
    fn csv_fields_follow_quotes() {
        assert_eq!(
            csv_fields(r#"a,"b,c","d ""e""",,f"#).unwrap(),
            vec!["a", "b,c", "d \"e\"", "", "f"]
        );
        assert!(csv_fields(r#"a,"b"#).is_err());
    }

    #[test]
    fn timestamps_in_every_format() {
        let at = 1_772_404_731;
        assert_eq!(
            timestamp(&Value::from(at), TimestampFormat::Auto).unwrap(),
            at
        );
        assert_eq!(
            timestamp(&Value::from(at * 1000 + 5), TimestampFormat::Auto).unwrap(),
            at
        );
        assert_eq!(
            timestamp(&Value::from("1772404731000"), TimestampFormat::UnixMs).unwrap(),
            at
        );
        assert_eq!(
            timestamp(
                &Value::from("2026-03-01T22:38:51.102Z"),
                TimestampFormat::Auto
            )
            .unwrap(),
            at
        );
        assert_eq!(
            timestamp(
                &Value::from("2026-03-01 22:38:51"),
                TimestampFormat::Iso8601
            )
            .unwrap(),
            at
        );
        assert!(timestamp(&Value::from("yesterday"), TimestampFormat::Auto).is_err());
        assert!(timestamp(&Value::from("2026-03-01"), TimestampFormat::UnixS).is_err());
    }

    #[test]
    fn csv_rows_map_through_the_columns() {
        let columns = ImportMapping {
            timestamp: Some("when".into()),
            input_includes_cache: Some(true),
            key: Some("id".into()),
            ..ImportMapping::default()
        }
        .columns();
        let mut parser = TableParser::new(Format::Csv, columns, Some("csv:/x.csv".into()), None);
        let mut out = Vec::new();
        for line in [
            "id,when,model,input_tokens,output_tokens,cache_read_tokens,user_id",
            "r1,2026-03-01T22:38:51Z,gpt-4o,100,5,40,alice",
            "r2,2026-03-01T22:38:52Z,,7,1,,",
        ] {
            parser.parse(line.as_bytes(), &mut out).unwrap();
        }
        assert!(parser
            .parse(b"r3,2026-03-01,gpt-4o,x,1,0,bob", &mut out)
            .is_err());
        assert_eq!(out.len(), 2);
        assert_eq!(
            (out[0].input, out[0].cache_read, out[0].output),
            (60, 40, 5)
        );
        assert_eq!(out[0].key, "import:r1");
        assert_eq!(out[0].user.as_deref(), Some("alice"));
        assert_eq!(out[1].model, "(unknown)");
        let resumed = TableParser::new(
            Format::Csv,
            parser.columns.clone(),
            None,
            parser.state().as_deref(),
        );
        assert!(resumed.state.header.is_some());
    }
}
