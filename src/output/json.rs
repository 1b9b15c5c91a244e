//! The JSON report, a stable contract for scripts: counts are integers, money
//! is an unrounded decimal string, dates are local `YYYY-MM-DD`.

use rust_decimal::prelude::ToPrimitive;
use serde::Serialize;

use crate::analytics::report::ModelTotals;
use crate::analytics::trend::Trends;
use crate::analytics::Totals;
use crate::pipeline::Snapshot;

#[derive(Serialize)]
struct JsonReport<'a> {
    generated_at: String,
    /// The earliest event counted (the all-time block's "since").
    first_event: Option<String>,
    timezone: &'a str,
    currency: &'a str,
    summary: JsonSummary<'a>,
    trends: &'a Trends,
    by_model: JsonByModel<'a>,
    /// None for a month that is over (a range ending in an earlier month).
    prediction: Option<JsonPrediction>,
    notes: &'a [String],
    filter: JsonFilter<'a>,
    budgets: Vec<JsonBudget>,
    #[serde(skip_serializing_if = "Option::is_none")]
    range: Option<JsonRange<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    breakdown: Option<JsonBreakdowns<'a>>,
    comparison: JsonComparison<'a>,
}

/// What the changes compare with: the earlier span's figures per block
/// (`null` when the history does not reach back that far).
#[derive(Serialize)]
struct JsonComparison<'a> {
    mode: &'static str,
    periods: JsonPeriods,
    today: Option<&'a Totals>,
    this_week: Option<&'a Totals>,
    this_month: Option<&'a Totals>,
}

#[derive(Serialize)]
struct JsonPeriods {
    today: u32,
    this_week: u32,
    this_month: u32,
}

#[derive(Serialize)]
struct JsonBreakdownRow<'a> {
    name: &'a str,
    #[serde(flatten)]
    totals: &'a Totals,
    previous_cost: String,
}

#[derive(Serialize)]
struct JsonBreakdowns<'a> {
    dimension: &'static str,
    today: Vec<JsonBreakdownRow<'a>>,
    this_week: Vec<JsonBreakdownRow<'a>>,
    this_month: Vec<JsonBreakdownRow<'a>>,
}

fn breakdown_rows(breakdown: &crate::analytics::breakdown::Breakdown) -> Vec<JsonBreakdownRow<'_>> {
    breakdown
        .rows
        .iter()
        .map(|row| JsonBreakdownRow {
            name: &row.key,
            totals: &row.totals,
            previous_cost: row.previous.cost.normalize().to_string(),
        })
        .collect()
}

#[derive(Serialize)]
struct JsonRange<'a> {
    from: String,
    to: String,
    #[serde(flatten)]
    totals: &'a Totals,
    trends: &'a Trends,
    by_model: Vec<JsonModel<'a>>,
}

#[derive(Serialize)]
struct JsonBudget {
    name: String,
    period: &'static str,
    scope: Option<String>,
    scope_value: Option<String>,
    limit: String,
    spent: String,
    forecast: String,
    period_end: String,
    crosses_on: Option<String>,
    level: &'static str,
}

#[derive(Serialize)]
struct JsonFilter<'a> {
    models: &'a [String],
    endpoints: &'a [String],
    users: &'a [String],
    projects: &'a [String],
    sessions: &'a [String],
    sources: &'a [String],
}

#[derive(Serialize)]
struct JsonSummary<'a> {
    today: &'a Totals,
    this_week: &'a Totals,
    this_month: &'a Totals,
    all_time: &'a Totals,
}

#[derive(Serialize)]
struct JsonModel<'a> {
    model: &'a str,
    priced: bool,
    #[serde(flatten)]
    totals: &'a Totals,
}

#[derive(Serialize)]
struct JsonByModel<'a> {
    this_month: Vec<JsonModel<'a>>,
    all_time: Vec<JsonModel<'a>>,
}

#[derive(Serialize)]
struct JsonPrediction {
    month_end_cost: String,
    month_end_cost_low: String,
    month_end_cost_high: String,
    month_end_requests: i64,
    month_end_tokens: i128,
    method: String,
    interval: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    backtest_mape: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    backtest_coverage: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    backtest_months: Option<u32>,
}

fn models(list: &[ModelTotals]) -> Vec<JsonModel<'_>> {
    list.iter()
        .map(|model| JsonModel {
            model: &model.model,
            priced: model.priced(),
            totals: &model.totals,
        })
        .collect()
}

/// The report as pretty-printed JSON.
///
/// # Errors
/// Serialization fails (it does not for these types).
pub fn render(report: &Snapshot) -> Result<String, serde_json::Error> {
    let prediction = &report.prediction;
    let value = JsonReport {
        generated_at: report
            .generated_at
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        first_event: report
            .first_event
            .map(|instant| instant.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        timezone: &report.timezone,
        currency: report.currency(),
        summary: JsonSummary {
            today: &report.summary.today.totals,
            this_week: &report.summary.this_week.totals,
            this_month: &report.summary.this_month.totals,
            all_time: &report.summary.all_time.totals,
        },
        trends: &report.trends,
        by_model: JsonByModel {
            this_month: models(&report.by_model.this_month),
            all_time: models(&report.by_model.all_time),
        },
        notes: &report.notes,
        comparison: JsonComparison {
            mode: report.comparison.mode.name(),
            periods: JsonPeriods {
                today: report.comparison.periods[0],
                this_week: report.comparison.periods[1],
                this_month: report.comparison.periods[2],
            },
            today: report.comparison.blocks[0].as_ref(),
            this_week: report.comparison.blocks[1].as_ref(),
            this_month: report.comparison.blocks[2].as_ref(),
        },
        breakdown: report.breakdown.as_ref().map(|breakdowns| JsonBreakdowns {
            dimension: breakdowns.dimension.name(),
            today: breakdown_rows(&breakdowns.daily),
            this_week: breakdown_rows(&breakdowns.weekly),
            this_month: breakdown_rows(&breakdowns.monthly),
        }),
        range: report.range.as_ref().map(|range| JsonRange {
            from: range.from.format("%Y-%m-%d").to_string(),
            to: range.to.format("%Y-%m-%d").to_string(),
            totals: &range.totals,
            trends: &range.trends,
            by_model: models(&range.by_model),
        }),
        budgets: report
            .budgets
            .iter()
            .map(|status| JsonBudget {
                name: status.budget.name(),
                period: status.budget.period.name(),
                scope: status
                    .budget
                    .scope
                    .as_ref()
                    .map(|(dimension, _)| dimension.name().to_owned()),
                scope_value: status.budget.scope.as_ref().map(|(_, value)| value.clone()),
                limit: status.budget.limit.normalize().to_string(),
                spent: status.spent.normalize().to_string(),
                forecast: status.forecast.to_string(),
                period_end: status.period_end.format("%Y-%m-%d").to_string(),
                crosses_on: status
                    .crosses_on
                    .map(|day| day.format("%Y-%m-%d").to_string()),
                level: match status.level {
                    crate::budget::Level::Fine => "ok",
                    crate::budget::Level::Warning => "warning",
                    crate::budget::Level::ForecastOver => "forecast_over",
                    crate::budget::Level::Exceeded => "exceeded",
                },
            })
            .collect(),
        filter: JsonFilter {
            models: &report.filter.models,
            endpoints: &report.filter.endpoints,
            users: &report.filter.users,
            projects: &report.filter.projects,
            sessions: &report.filter.sessions,
            sources: &report.filter.sources,
        },
        prediction: (!report.month_over).then(|| JsonPrediction {
            month_end_cost: prediction.cost.point.to_string(),
            month_end_cost_low: prediction.cost.low.to_string(),
            month_end_cost_high: prediction.cost.high.to_string(),
            month_end_requests: prediction.requests.point.to_i64().unwrap_or(i64::MAX),
            month_end_tokens: prediction.tokens.point.to_i128().unwrap_or(i128::MAX),
            method: prediction.method.code(),
            interval: crate::analytics::forecast::INTERVAL_F64,
            backtest_mape: prediction
                .accuracy
                .map(|a| (a.mape * 100.0).round() / 100.0),
            backtest_coverage: prediction
                .accuracy
                .map(|a| (a.coverage * 10.0).round() / 10.0),
            backtest_months: prediction.accuracy.map(|a| a.months),
        }),
    };
    serde_json::to_string_pretty(&value).map(terminal_safe)
}

/// `json` with the characters a terminal may act on that JSON leaves raw
/// (C1 controls such as the one-byte CSI, DEL, bidirectional overrides)
/// written as `\uXXXX` escapes: the same JSON value, inert on a screen.
/// They can only occur inside strings, where the escape is exact.
#[must_use]
pub fn terminal_safe(json: String) -> String {
    let risky = |c: char| matches!(c, '\u{7f}'..='\u{9f}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
    if !json.chars().any(risky) {
        return json;
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if risky(c) {
            out.push_str(&format!("\\u{:04x}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}

/// One exported row: the bucket and dimension value, then the totals.
#[derive(Serialize)]
struct ExportJson<'a> {
    #[serde(flatten)]
    head: serde_json::Map<String, serde_json::Value>,
    #[serde(flatten)]
    totals: &'a Totals,
}

/// Export rows as a JSON array; the dimension value is under `key_title`.
///
/// # Errors
/// Serialization fails (it does not for these types).
pub fn render_export(
    rows: &[crate::export::ExportRow],
    key_title: Option<&str>,
) -> Result<String, serde_json::Error> {
    let values: Vec<ExportJson> = rows
        .iter()
        .map(|row| {
            let mut head = serde_json::Map::new();
            head.insert(
                "start".to_owned(),
                row.start.format("%Y-%m-%d").to_string().into(),
            );
            head.insert(
                "end".to_owned(),
                row.end.format("%Y-%m-%d").to_string().into(),
            );
            if let (Some(title), Some(key)) = (key_title, &row.key) {
                head.insert(title.to_owned(), key.clone().into());
            }
            // Serialized as they are (not through `Value`, which holds no
            // 128-bit token counts).
            ExportJson {
                head,
                totals: &row.totals,
            }
        })
        .collect();
    serde_json::to_string_pretty(&values).map(terminal_safe)
}
