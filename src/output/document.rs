//! The printable report as a layout model shared by the PDF and HTML
//! renderers: headings, the four summary figures, charts, tables and notes,
//! every figure already formatted through `format` exactly as the text
//! report formats it (so every number equals the JSON report's). Pure:
//! a snapshot in, a [`Document`] out; how it is drawn is the renderers' job.

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use crate::analytics::breakdown::Breakdown;
use crate::analytics::report::ModelTotals;
use crate::analytics::trend::View;
use crate::analytics::Totals;
use crate::format::{change, grouped, money};
use crate::pipeline::Snapshot;
use crate::text::sanitize;

/// Paper sizes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Paper {
    /// ISO A4, 210 x 297 mm.
    #[default]
    A4,
    /// US Letter, 8.5 x 11 in.
    Letter,
}

impl Paper {
    /// Width and height in PDF points (1/72 in).
    #[must_use]
    pub fn points(self) -> (f32, f32) {
        match self {
            Paper::A4 => (595.28, 841.89),
            Paper::Letter => (612.0, 792.0),
        }
    }

    /// The CSS `@page` size.
    #[must_use]
    pub fn css(self) -> &'static str {
        match self {
            Paper::A4 => "A4",
            Paper::Letter => "letter",
        }
    }
}

/// The whole report.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// The document's title.
    pub title: String,
    /// What it describes: instant, zone, source, filter, comparison.
    pub subtitle: Vec<String>,
    /// The content, in reading order.
    pub blocks: Vec<Block>,
}

/// One piece of content.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// A section heading.
    Heading(String),
    /// A line of running text.
    Text(String),
    /// The summary figures side by side.
    Figures(Vec<Figure>),
    /// A chart.
    Chart(Chart),
    /// The month-end forecast band.
    Band(Band),
    /// A table.
    Table(Table),
}

/// One summary figure: a title and label/value rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Figure {
    /// `Today`, `This week`, ...
    pub title: String,
    /// Label and value.
    pub rows: Vec<(String, String)>,
}

/// How a chart draws its series.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChartKind {
    /// One bar per bucket.
    Bars,
    /// A line through the buckets.
    Line,
}

/// A chart of one series per bucket, with an optional comparison series.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    /// Title, with the total.
    pub title: String,
    /// Bars or line.
    pub kind: ChartKind,
    /// Bucket labels (dates).
    pub labels: Vec<String>,
    /// Values for positions only (never shown as figures).
    pub values: Vec<f64>,
    /// The comparison's series, drawn dashed.
    pub overlay: Option<(String, Vec<f64>)>,
    /// The top of the scale, and its label.
    pub top: (f64, String),
}

/// The month-end forecast: so far, the expected value and its range, on one scale.
#[derive(Debug, Clone, PartialEq)]
pub struct Band {
    /// Month to date (position).
    pub so_far: f64,
    /// Low, expected, high (positions).
    pub low: f64,
    /// Expected.
    pub point: f64,
    /// High.
    pub high: f64,
    /// The scale's end (position): the high, or a monthly budget when larger.
    pub scale: f64,
    /// A monthly limit to mark, if any (position, label).
    pub limit: Option<(f64, String)>,
    /// The words under it.
    pub caption: String,
}

/// Column alignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    /// Names.
    Left,
    /// Numbers.
    Right,
}

/// A table: header, rows, and whether the last row is a total.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    /// Column titles, alignments and relative widths.
    pub columns: Vec<(String, Align, u16)>,
    /// Cells.
    pub rows: Vec<Vec<String>>,
    /// The last row is a total (drawn bold).
    pub total_row: bool,
}

fn cost_cell(totals: &Totals) -> String {
    let mut text = money(totals.cost);
    if totals.has_estimate() {
        text.push('*');
    }
    text
}

/// A float for drawing positions only: money stays `Decimal` everywhere else.
fn position(amount: Decimal) -> f64 {
    amount.to_f64().unwrap_or(0.0)
}

/// Lays out the report of `snapshot` for the `view` chosen; `database` names the source.
#[must_use]
pub fn build(snapshot: &Snapshot, view: View, database: &str) -> Document {
    let tz: chrono_tz::Tz = snapshot.timezone.parse().unwrap_or(chrono_tz::Tz::UTC);
    let local = snapshot.generated_at.with_timezone(&tz);
    let comparison = &snapshot.comparison;
    let mut subtitle = vec![
        format!(
            "as of {} {} · {}",
            local.format("%Y-%m-%d %H:%M"),
            snapshot.timezone,
            sanitize(database, 120)
        ),
        format!("Changes compare cost with {}.", comparison.mode.describe()),
    ];
    if !snapshot.filter.is_empty() {
        subtitle.push(format!(
            "filter: {}",
            sanitize(&snapshot.filter.to_string(), 200)
        ));
    }
    let mut blocks = Vec::new();
    if snapshot.is_empty() {
        blocks.push(Block::Text(
            "No usage yet: the database holds no events.".to_owned(),
        ));
        notes(snapshot, &mut blocks);
        return Document {
            title: "usagetop report".to_owned(),
            subtitle,
            blocks,
        };
    }
    blocks.push(Block::Figures(figures(snapshot)));
    charts(snapshot, view, &mut blocks);
    forecast(snapshot, &mut blocks);
    if !snapshot.budgets.is_empty() {
        blocks.push(Block::Heading("Budgets".to_owned()));
        blocks.push(Block::Table(budgets(snapshot)));
    }
    if let Some(range) = &snapshot.range {
        blocks.push(Block::Heading(format!(
            "Range {} – {}: {} requests, {} tokens, {}",
            range.from.format("%Y-%m-%d"),
            range.to.format("%Y-%m-%d"),
            grouped(range.totals.usage.requests),
            grouped(range.totals.usage.total_tokens()),
            cost_cell(&range.totals)
        )));
        blocks.push(Block::Table(models(&range.by_model)));
    }
    blocks.push(Block::Heading("This month by model".to_owned()));
    blocks.push(Block::Table(models(&snapshot.by_model.this_month)));
    if let Some(breakdowns) = &snapshot.breakdown {
        for (title, breakdown) in [
            ("today", &breakdowns.daily),
            ("this week", &breakdowns.weekly),
            ("this month", &breakdowns.monthly),
        ] {
            blocks.push(Block::Heading(format!(
                "By {} · {title}",
                breakdowns.dimension.name()
            )));
            blocks.push(Block::Table(breakdown_table(breakdown)));
        }
    }
    notes(snapshot, &mut blocks);
    Document {
        title: "usagetop report".to_owned(),
        subtitle,
        blocks,
    }
}

fn figures(snapshot: &Snapshot) -> Vec<Figure> {
    let summary = &snapshot.summary;
    let comparison = &snapshot.comparison;
    let labels = comparison.mode.labels();
    let blocks = [
        ("Today", &summary.today),
        ("This week", &summary.this_week),
        ("This month", &summary.this_month),
        ("All time", &summary.all_time),
    ];
    blocks
        .iter()
        .enumerate()
        .map(|(index, (title, block))| {
            let totals = &block.totals;
            let mut rows = vec![
                ("Requests".to_owned(), grouped(totals.usage.requests)),
                ("Tokens".to_owned(), grouped(totals.usage.total_tokens())),
                ("Cost".to_owned(), cost_cell(totals)),
            ];
            match (labels.get(index), comparison.blocks.get(index)) {
                (Some((label, _)), Some(Some(before))) => {
                    rows.push(((*label).to_owned(), change(totals.cost, before.cost)))
                }
                (Some((label, _)), Some(None)) => {
                    rows.push(((*label).to_owned(), "no data".to_owned()));
                }
                _ => rows.push((
                    "since".to_owned(),
                    block.start.map_or_else(
                        || "no data".to_owned(),
                        |day| day.format("%Y-%m-%d").to_string(),
                    ),
                )),
            }
            Figure {
                title: (*title).to_owned(),
                rows,
            }
        })
        .collect()
}

fn charts(snapshot: &Snapshot, view: View, blocks: &mut Vec<Block>) {
    let series = snapshot.series(view);
    let labels: Vec<String> = series
        .iter()
        .map(|bucket| match view {
            View::Daily | View::Weekly => bucket.start.format("%b %-d").to_string(),
            View::Monthly => bucket.start.format("%b %Y").to_string(),
        })
        .collect();
    blocks.push(Block::Heading(format!(
        "{} · {}",
        view.title(),
        snapshot.span_label(view)
    )));
    let requests: Vec<f64> = series
        .iter()
        .map(|bucket| bucket.totals.usage.requests as f64)
        .collect();
    let tokens: Vec<f64> = series
        .iter()
        .map(|bucket| bucket.totals.usage.total_tokens() as f64)
        .collect();
    let costs: Vec<f64> = series
        .iter()
        .map(|bucket| position(bucket.totals.cost))
        .collect();
    let total: Totals = series.iter().map(|bucket| bucket.totals).sum();
    let peak_count = |values: &[f64]| values.iter().copied().fold(0.0_f64, f64::max);
    let request_peak = series
        .iter()
        .map(|bucket| bucket.totals.usage.requests)
        .max()
        .unwrap_or(0);
    let token_peak = series
        .iter()
        .map(|bucket| bucket.totals.usage.total_tokens())
        .max()
        .unwrap_or(0);
    blocks.push(Block::Chart(Chart {
        title: format!(
            "Requests · {} total · peak {}",
            grouped(total.usage.requests),
            grouped(request_peak)
        ),
        kind: ChartKind::Bars,
        labels: labels.clone(),
        top: (peak_count(&requests), grouped(request_peak)),
        values: requests,
        overlay: None,
    }));
    blocks.push(Block::Chart(Chart {
        title: format!(
            "Tokens · {} total · peak {}",
            grouped(total.usage.total_tokens()),
            grouped(token_peak)
        ),
        kind: ChartKind::Bars,
        labels: labels.clone(),
        top: (peak_count(&tokens), grouped(token_peak)),
        values: tokens,
        overlay: None,
    }));
    let overlay = snapshot
        .comparison
        .series(view)
        .filter(|_| snapshot.range.is_none());
    let overlay_total: Option<Decimal> =
        overlay.map(|buckets| buckets.iter().map(|bucket| bucket.totals.cost).sum());
    let peak = series
        .iter()
        .chain(overlay.unwrap_or_default())
        .map(|bucket| bucket.totals.cost)
        .max()
        .unwrap_or_default();
    let mut title = format!("Cost (USD) · {} total", cost_cell(&total));
    if let Some(before) = overlay_total {
        title.push_str(&format!(
            " · {} {} (dashed)",
            snapshot.comparison.mode.overlay_label(),
            money(before)
        ));
    }
    blocks.push(Block::Chart(Chart {
        title,
        kind: ChartKind::Line,
        labels,
        values: costs,
        overlay: overlay.map(|buckets| {
            (
                snapshot.comparison.mode.overlay_label(),
                buckets
                    .iter()
                    .map(|bucket| position(bucket.totals.cost))
                    .collect(),
            )
        }),
        top: (position(peak), money(peak)),
    }));
}

fn forecast(snapshot: &Snapshot, blocks: &mut Vec<Block>) {
    let prediction = &snapshot.prediction;
    if snapshot.month_over {
        // A past range: its month is over, there is nothing to estimate.
        blocks.push(Block::Heading("Month-end estimate".to_owned()));
        blocks.push(Block::Text(format!(
            "none, {} is over",
            prediction.month_end.format("%B %Y")
        )));
        return;
    }
    blocks.push(Block::Heading(format!(
        "Month-end estimate · {}",
        prediction.month_end.format("%b %-d")
    )));
    let limit = snapshot
        .budgets
        .iter()
        .find(|status| {
            status.budget.scope.is_none() && status.budget.period == crate::budget::Period::Monthly
        })
        .map(|status| status.budget.limit);
    let scale = limit
        .unwrap_or_default()
        .max(prediction.cost.high)
        .max(prediction.month_to_date.cost);
    blocks.push(Block::Band(Band {
        so_far: position(prediction.month_to_date.cost),
        low: position(prediction.cost.low),
        point: position(prediction.cost.point),
        high: position(prediction.cost.high),
        scale: position(scale),
        limit: limit.map(|limit| (position(limit), format!("monthly budget {}", money(limit)))),
        caption: {
            let mut caption = format!(
                "~{} (80 % band {} – {}), ~{} requests, ~{} tokens; so far {}; {}",
                money(prediction.cost.point),
                money(prediction.cost.low),
                money(prediction.cost.high),
                grouped(prediction.requests.point.to_i64().unwrap_or(i64::MAX)),
                grouped(prediction.tokens.point.to_i128().unwrap_or(i128::MAX)),
                money(prediction.month_to_date.cost),
                prediction.method.describe()
            );
            if let Some(accuracy) = prediction.accuracy {
                caption.push_str(&format!(
                    "; measured error ±{:.1} % on your last {} months ({:.0} % inside the band)",
                    accuracy.mape, accuracy.months, accuracy.coverage
                ));
            }
            caption
        },
    }));
}

fn budgets(snapshot: &Snapshot) -> Table {
    use crate::format::percent;
    use crate::output::budget::level_word;
    Table {
        columns: vec![
            ("Budget".to_owned(), Align::Left, 19),
            ("Spent".to_owned(), Align::Right, 6),
            ("Limit".to_owned(), Align::Right, 6),
            ("Share".to_owned(), Align::Right, 4),
            ("Forecast".to_owned(), Align::Right, 6),
            ("Ends".to_owned(), Align::Right, 5),
            ("State".to_owned(), Align::Left, 6),
            ("Crosses".to_owned(), Align::Left, 5),
        ],
        rows: snapshot
            .budgets
            .iter()
            .map(|status| {
                let crossing = match (status.level, status.crosses_on) {
                    (crate::budget::Level::Exceeded, _) => "already".to_owned(),
                    (_, Some(day)) => day.format("%-d %b").to_string(),
                    _ => String::new(),
                };
                vec![
                    sanitize(&status.budget.name(), 48),
                    money(status.spent),
                    money(status.budget.limit),
                    format!("{}%", percent(status.share())),
                    money(status.forecast),
                    status.period_end.format("%-d %b").to_string(),
                    level_word(status.level).to_owned(),
                    crossing,
                ]
            })
            .collect(),
        total_row: false,
    }
}

fn share(part: Decimal, whole: Decimal) -> String {
    if whole.is_zero() {
        return "0%".to_owned();
    }
    format!(
        "{}%",
        (part / whole * Decimal::ONE_HUNDRED)
            .round()
            .to_i64()
            .unwrap_or(0)
    )
}

fn models(list: &[ModelTotals]) -> Table {
    let total: Totals = list.iter().map(|model| model.totals).sum();
    let mut rows: Vec<Vec<String>> = list
        .iter()
        .map(|model| {
            vec![
                sanitize(&model.model, 48),
                grouped(model.totals.usage.requests),
                grouped(model.totals.usage.total_tokens()),
                cost_cell(&model.totals),
                share(model.totals.cost, total.cost),
            ]
        })
        .collect();
    rows.push(vec![
        "total".to_owned(),
        grouped(total.usage.requests),
        grouped(total.usage.total_tokens()),
        cost_cell(&total),
        share(total.cost, total.cost),
    ]);
    Table {
        columns: vec![
            ("Model".to_owned(), Align::Left, 6),
            ("Requests".to_owned(), Align::Right, 2),
            ("Tokens".to_owned(), Align::Right, 3),
            ("Cost".to_owned(), Align::Right, 2),
            ("Share".to_owned(), Align::Right, 1),
        ],
        rows,
        total_row: true,
    }
}

fn breakdown_table(breakdown: &Breakdown) -> Table {
    let row = |name: &str, totals: &Totals, previous: &Totals| {
        vec![
            sanitize(name, 48),
            grouped(totals.usage.requests),
            grouped(totals.usage.total_tokens()),
            cost_cell(totals),
            share(totals.cost, breakdown.total.cost),
            money(previous.cost),
            change(totals.cost, previous.cost),
        ]
    };
    let mut rows: Vec<Vec<String>> = breakdown
        .rows
        .iter()
        .map(|item| row(&item.key, &item.totals, &item.previous))
        .collect();
    rows.push(row("total", &breakdown.total, &breakdown.previous_total));
    Table {
        columns: vec![
            ("Name".to_owned(), Align::Left, 17),
            ("Requests".to_owned(), Align::Right, 5),
            ("Tokens".to_owned(), Align::Right, 7),
            ("Cost".to_owned(), Align::Right, 6),
            ("Share".to_owned(), Align::Right, 4),
            ("Before".to_owned(), Align::Right, 6),
            ("Change".to_owned(), Align::Right, 5),
        ],
        rows,
        total_row: true,
    }
}

fn notes(snapshot: &Snapshot, blocks: &mut Vec<Block>) {
    let mut lines: Vec<String> = snapshot
        .notes
        .iter()
        .map(|note| sanitize(note, 400))
        .collect();
    if snapshot.summary.all_time.totals.has_estimate() {
        lines.push(
            "* includes usage of models with no price entry, priced by the default price (an estimate)."
                .to_owned(),
        );
    }
    if snapshot.left_out > 0 {
        lines.push(format!(
            "{} rows were left out as unusable (see the notes above).",
            grouped(snapshot.left_out)
        ));
    }
    if snapshot.breakdown.is_some() {
        lines.push(format!(
            "Before: the same span in {}.",
            match snapshot.comparison.mode {
                crate::analytics::compare::Compare::Previous => "the previous period".to_owned(),
                crate::analytics::compare::Compare::Year => "the period a year before".to_owned(),
                crate::analytics::compare::Compare::Baseline(periods) =>
                    format!("the last {periods} periods, averaged"),
            }
        ));
    }
    if lines.is_empty() {
        return;
    }
    blocks.push(Block::Heading("Notes".to_owned()));
    blocks.extend(lines.into_iter().map(Block::Text));
}
