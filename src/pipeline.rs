//! From a store to a finished [`Snapshot`]: fetch what a [`QueryPlan`] asks
//! for, build the immutable report, then evaluate budgets and the breakdown
//! beside it. The worker and every headless command call this one module;
//! it knows nothing of terminals or messages.

use std::sync::Arc;

use crate::analytics::breakdown::Breakdowns;
use crate::analytics::compare::{self, Compare, Comparison, Span};
use crate::analytics::summary::total_of;
use crate::analytics::trend::{bucket_starts, View};
use crate::analytics::{build_report, history, Aggregates, ModelRow, QueryPlan, Report};
use crate::budget::{evaluate, BudgetStatus, Budgets};
use crate::clock::Clock;
use crate::filter::{Dimension, Filter};
use crate::period::Calendar;
use crate::pricing::PriceTable;
use crate::store::{SecondsRange, StoreError, UsageStore, EARLIEST_SECONDS};
use crate::usage::Usage;
use chrono::NaiveDate;

/// What a report needs besides the store.
#[derive(Clone)]
pub struct ReportContext {
    /// Zone and week convention.
    pub calendar: Calendar,
    /// The clock (pinned by `--now`).
    pub clock: Arc<dyn Clock>,
    /// Prices in force.
    pub prices: Arc<PriceTable>,
    /// Spending limits.
    pub budgets: Arc<Budgets>,
    /// The real clock, even when `clock` is pinned: only rows dated more
    /// than a day after it are anomalies (later than a pinned `--now` is not).
    pub wall_clock: Arc<dyn Clock>,
}

/// What to compute: the filter, the position in history or a custom range,
/// and an optional breakdown.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportRequest {
    /// Which usage to count.
    pub filter: Filter,
    /// Periods of a view to step back from now (history), if any.
    pub history: Option<(crate::analytics::trend::View, u32)>,
    /// A custom range of local days, inclusive (`--from`/`--to`).
    pub range: Option<(chrono::NaiveDate, chrono::NaiveDate)>,
    /// A breakdown by this dimension; `true` counts it without the filter's
    /// own patterns for that dimension and adds every value of the range each
    /// view's charts span (for the picker, which lists every value).
    pub breakdown: Option<(Dimension, bool)>,
    /// The day of the report (today, or the day in history) hour by hour.
    pub hourly: bool,
    /// What the blocks, the chart overlay and the breakdown compare with.
    pub compare: Compare,
}

/// A finished report and what is computed beside it. Immutable once built;
/// it dereferences to its [`Report`] so views read both alike.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    /// The report.
    pub report: Report,
    /// Budgets against the report's scope.
    pub budgets: Vec<BudgetStatus>,
    /// Usage per value of a dimension, when asked for.
    pub breakdown: Option<Breakdowns>,
    /// What the present is compared with.
    pub comparison: Comparison,
    /// The filter the numbers were counted with.
    pub filter: Filter,
    /// The sequence number of the request it answers (0 for headless commands).
    pub sequence: u64,
    /// Each model seen (all time) with the price entry it resolved to.
    pub prices: Vec<ModelPrice>,
    /// The day of the report hour by hour, when asked for.
    pub hourly: Option<crate::analytics::hourly::Hourly>,
    /// The dimensions the source has columns for (empty: not known).
    pub dimensions: Vec<Dimension>,
}

/// A model seen, with how it was priced: the entry and the rule that found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelPrice {
    /// The model name as recorded.
    pub model: String,
    /// The entry that priced it (`None`: the default price).
    pub entry: Option<String>,
    /// How the name found the entry.
    pub rule: crate::pricing::Rule,
    /// The price per million tokens used.
    pub price: crate::pricing::Price,
    /// True when the source stores the cost (prices apply only to savings).
    pub stored_cost: bool,
    /// Its usage and cost, all time.
    pub totals: crate::analytics::Totals,
}

/// Each model of `report` (all time) with how it was priced.
#[must_use]
pub fn model_prices(report: &Report, prices: &PriceTable) -> Vec<ModelPrice> {
    report
        .by_model
        .all_time
        .iter()
        .map(|model| {
            let (resolved, rule) = prices.explain(&model.model);
            ModelPrice {
                model: model.model.clone(),
                entry: resolved.entry,
                rule,
                price: resolved.price,
                stored_cost: model.source == crate::analytics::report::CostSource::Stored,
                totals: model.totals,
            }
        })
        .collect()
}

impl From<Report> for Snapshot {
    /// A snapshot of a report alone: no budgets, no breakdown, no filter.
    fn from(report: Report) -> Self {
        Self {
            comparison: Comparison::previous(&report),
            report,
            budgets: Vec::new(),
            breakdown: None,
            filter: Filter::default(),
            sequence: 0,
            prices: Vec::new(),
            hourly: None,
            dimensions: Vec::new(),
        }
    }
}

impl std::ops::Deref for Snapshot {
    type Target = Report;

    fn deref(&self) -> &Report {
        &self.report
    }
}

/// Runs every query of `plan`.
///
/// # Errors
/// The first query that fails.
pub async fn fetch_aggregates(
    store: &dyn UsageStore,
    plan: &QueryPlan,
    calendar: &Calendar,
    filter: &Filter,
    wall_now: chrono::DateTime<chrono::Utc>,
) -> Result<Aggregates, StoreError> {
    let info = store.prepare().await?;
    let quality = store.quality(wall_now.timestamp()).await?;
    let mut notes = if info.daily_utc && calendar.tz() != chrono_tz::UTC {
        vec![format!(
            "the source keeps one row per UTC day, so days here are UTC days, not {} days",
            calendar.tz().name()
        )]
    } else {
        Vec::new()
    };
    notes.extend(info.notes.iter().cloned());
    notes.extend(quality.notes());
    let daily_utc = info.daily_utc && calendar.tz() != chrono_tz::UTC;
    let left_out = quality.left_out();
    let end = plan.window.end.timestamp();
    let first_event = store.first_event(end, calendar, filter).await?;
    if first_event.is_none() {
        return Ok(Aggregates {
            notes,
            daily_utc,
            left_out,
            ..Aggregates::default()
        });
    }
    let days = store
        .day_model_rows(plan.window.into(), calendar, filter)
        .await?;
    // When the window reaches back past the first event, all time is the
    // window: sum its rows instead of scanning the table a second time.
    let all_time = if first_event.is_some_and(|first| first >= plan.window.start) {
        let mut per_model: std::collections::BTreeMap<(&str, bool), ModelRow> =
            std::collections::BTreeMap::new();
        for row in &days {
            let entry = per_model
                .entry((row.model.as_str(), row.estimated))
                .or_insert_with(|| ModelRow {
                    model: row.model.clone(),
                    usage: Usage::default(),
                    stored_cost: None,
                    estimated: row.estimated,
                });
            entry.usage += row.usage;
            if let Some(cost) = row.stored_cost {
                entry.stored_cost =
                    Some(entry.stored_cost.unwrap_or_default().saturating_add(cost));
            }
        }
        per_model.into_values().collect()
    } else {
        store
            .model_rows(
                SecondsRange {
                    start: EARLIEST_SECONDS,
                    end,
                },
                calendar,
                filter,
            )
            .await?
    };
    Ok(Aggregates {
        days,
        all_time,
        previous_day: store
            .model_rows(plan.previous_day.into(), calendar, filter)
            .await?,
        previous_week: store
            .model_rows(plan.previous_week.into(), calendar, filter)
            .await?,
        previous_month: store
            .model_rows(plan.previous_month.into(), calendar, filter)
            .await?,
        first_event,
        notes,
        daily_utc,
        left_out,
    })
}

/// The plan a request asks for, as of the context's clock.
#[must_use]
pub fn plan_for(context: &ReportContext, request: &ReportRequest) -> QueryPlan {
    let now = match request.history {
        Some((view, back)) => history::as_of(context.clock.now(), &context.calendar, view, back),
        None => context.clock.now(),
    };
    match request.range {
        Some((from, to)) => QueryPlan::for_range(now, &context.calendar, from, to),
        None => QueryPlan::new(now, &context.calendar),
    }
}

/// Builds the report of `filter` now, with its budgets.
///
/// # Errors
/// A store query that fails.
pub async fn compute_report(
    store: &dyn UsageStore,
    context: &ReportContext,
    filter: &Filter,
) -> Result<Snapshot, StoreError> {
    let request = ReportRequest {
        filter: filter.clone(),
        ..ReportRequest::default()
    };
    compute(store, context, &request, 0).await
}

/// Builds the snapshot a request asks for (filter, history position or
/// range, breakdown), answering request number `sequence`.
///
/// # Errors
/// A store query that fails.
pub async fn compute(
    store: &dyn UsageStore,
    context: &ReportContext,
    request: &ReportRequest,
    sequence: u64,
) -> Result<Snapshot, StoreError> {
    let filter = &request.filter;
    let plan = plan_for(context, request);
    let rows = fetch_aggregates(
        store,
        &plan,
        &context.calendar,
        filter,
        context.wall_clock.now(),
    )
    .await?;
    let report = build_report(&plan, &context.calendar, &rows, &context.prices);
    let budgets = budget_statuses(store, context, &report, filter).await?;
    let first_day = report
        .first_event
        .map(|instant| context.calendar.local_date(instant));
    let spans = request
        .compare
        .spans(&plan, &context.calendar)
        .map(|spans| {
            spans
                .into_iter()
                .filter(|span| request.compare == Compare::Previous || span.covered(first_day))
                .collect::<Vec<Span>>()
        });
    let comparison = match request.compare {
        Compare::Previous => Comparison::previous(&report),
        mode => {
            let mut blocks = [(crate::analytics::Totals::default(), 0_u32); 3];
            for (block, spans) in blocks.iter_mut().zip(&spans) {
                for span in spans {
                    let rows = store
                        .model_rows(span.range.into(), &context.calendar, filter)
                        .await?;
                    block.0.add(&total_of(&rows, &context.prices));
                    block.1 += 1;
                }
            }
            compare::build(mode, &plan, blocks, &rows.days, first_day, &context.prices)
        }
    };
    let breakdown = match request.breakdown {
        Some((dimension, unfiltered)) => Some(
            breakdown(
                store,
                context,
                &plan,
                filter,
                (dimension, unfiltered),
                &spans,
            )
            .await?,
        ),
        None => None,
    };
    let prices = model_prices(&report, &context.prices);
    // Sources that only know days have no hours.
    let hourly = if request.hourly && !report.daily_utc {
        Some(hours(store, context, &plan, filter).await?)
    } else {
        None
    };
    Ok(Snapshot {
        report,
        budgets,
        breakdown,
        comparison,
        filter: filter.clone(),
        sequence,
        prices,
        hourly,
        // Prepared once by `fetch_aggregates`: free here.
        dimensions: store.prepare().await?.dimensions,
    })
}

/// The day of `plan` hour by hour: one per-model query per local hour up to
/// now (each range whole quarter hours, so the cache answers it exactly).
async fn hours(
    store: &dyn UsageStore,
    context: &ReportContext,
    plan: &QueryPlan,
    filter: &Filter,
) -> Result<crate::analytics::hourly::Hourly, StoreError> {
    let calendar = &context.calendar;
    let start = calendar.start_of_day(plan.today);
    let end = plan.window.end;
    let mut rows = Vec::new();
    let mut hour = start;
    while hour < end {
        let next = (hour + chrono::Duration::hours(1)).min(end);
        let range = SecondsRange {
            start: hour.timestamp(),
            end: next.timestamp(),
        };
        for row in store.model_rows(range, calendar, filter).await? {
            rows.push((hour, row));
        }
        hour = next;
    }
    Ok(crate::analytics::hourly::Hourly::build(
        plan.today,
        calendar,
        plan.now,
        &rows,
        &context.prices,
    ))
}

/// Usage per value of `dimension` for today, this week and this month, with
/// the earlier spans compared with (`spans`: per period, averaged).
async fn breakdown(
    store: &dyn UsageStore,
    context: &ReportContext,
    plan: &QueryPlan,
    filter: &Filter,
    (dimension, unfiltered): (Dimension, bool),
    spans: &[Vec<Span>; 3],
) -> Result<Breakdowns, StoreError> {
    let mut selection = filter.clone();
    if unfiltered {
        selection.patterns_mut(dimension).clear();
    }
    let calendar = &context.calendar;
    // The picker lists every value of the range the charts span.
    let starts = [View::Daily, View::Weekly, View::Monthly].map(|view| match plan.range {
        Some((from, _)) => from,
        None => bucket_starts(plan, view)
            .first()
            .copied()
            .unwrap_or(plan.today),
    });
    let mut current_start = plan.week_start.min(plan.month_start);
    if unfiltered {
        current_start = starts.into_iter().fold(current_start, NaiveDate::min);
    }
    let current = SecondsRange {
        start: calendar.start_of_day(current_start).timestamp(),
        end: plan.window.end.timestamp(),
    };
    let current = store
        .day_dimension_rows(current, calendar, &selection, dimension)
        .await?;
    let mut previous = Vec::new();
    for spans in spans {
        let mut rows = Vec::new();
        for span in spans {
            rows.extend(
                store
                    .day_dimension_rows(span.range.into(), calendar, &selection, dimension)
                    .await?,
            );
        }
        previous.push(rows);
    }
    let mut breakdowns = Breakdowns::build(
        dimension,
        plan,
        &current,
        [&previous[0], &previous[1], &previous[2]],
        &context.prices,
    );
    breakdowns.average_previous(
        spans
            .each_ref()
            .map(|spans| u32::try_from(spans.len()).unwrap_or(1)),
    );
    Ok(if unfiltered {
        let last_day = plan.range.map_or(plan.today, |(_, to)| to);
        breakdowns.with_ranges(starts, last_day, &current, &context.prices)
    } else {
        breakdowns
    })
}

/// Every budget against its scope, whatever `filter` the report has: the
/// overall ones against all usage, the per-model and per-user ones against
/// a report of that scope (one per scope; `report` itself when it is that scope).
async fn budget_statuses(
    store: &dyn UsageStore,
    context: &ReportContext,
    report: &Report,
    filter: &Filter,
) -> Result<Vec<BudgetStatus>, StoreError> {
    let mut scoped: Vec<(Filter, Report)> = Vec::new();
    let mut statuses = Vec::new();
    for budget in &context.budgets.list {
        // A budget counts all usage of its scope, whatever the dashboard's
        // filter: a limit is on what is spent, not on what is looked at.
        let scope = budget.filter(&Filter::default());
        let status = if scope == *filter {
            evaluate(budget, report, context.budgets.warn_at)
        } else {
            if !scoped.iter().any(|(known, _)| *known == scope) {
                let plan = QueryPlan::new(report.generated_at, &context.calendar);
                let rows = fetch_aggregates(
                    store,
                    &plan,
                    &context.calendar,
                    &scope,
                    context.wall_clock.now(),
                )
                .await?;
                scoped.push((
                    scope.clone(),
                    build_report(&plan, &context.calendar, &rows, &context.prices),
                ));
            }
            let scoped_report = scoped
                .iter()
                .find(|(known, _)| *known == scope)
                .map(|(_, report)| report);
            evaluate(
                budget,
                scoped_report.unwrap_or(report),
                context.budgets.warn_at,
            )
        };
        statuses.push(status);
    }
    statuses.sort_by(crate::budget::by_severity);
    Ok(statuses)
}
