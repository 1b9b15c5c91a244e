//! Where each region goes for a terminal size. From 80x24: summary blocks on
//! top, the charts (or a panel) below, the prediction and budgets as lines
//! above them, or from 110 columns in a side column with a per-model panel.
//! Below 80x24 a compact layout: the summary as a table with every label,
//! one line each for the prediction and budgets, two charts. The footer is
//! always the last two rows.

use ratatui::layout::{Constraint, Layout, Rect};

/// Width from which the side column appears.
const SIDE_COLUMN_FROM: u16 = 110;
/// Width of the side column.
const SIDE_WIDTH: u16 = 38;
/// The smallest size of the full layout; below it the compact one.
pub const FULL_FROM: (u16, u16) = (80, 24);

/// What the layout must make room for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Shape {
    /// Budget gauges.
    pub budgets: usize,
    /// A scope line (filter, drill-down, staleness) under the summary.
    pub scope: bool,
    /// The summary shows the token kinds (taller blocks).
    pub tokens: bool,
}

/// The regions of one frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScreenLayout {
    /// True below 80x24.
    pub compact: bool,
    /// The summary blocks (or table).
    pub summary: Rect,
    /// The scope line, when there is something to say.
    pub scope: Option<Rect>,
    /// Charts, a panel, or a message.
    pub main: Rect,
    /// Month-end prediction (a panel when wide, one line otherwise).
    pub prediction: Rect,
    /// Budget gauges (a panel when wide, one line otherwise), when budgets are set.
    pub budgets: Option<Rect>,
    /// Per-model panel (wide terminals only).
    pub models: Option<Rect>,
    /// Status and key hints.
    pub footer: Rect,
}

impl ScreenLayout {
    /// Splits `area` for `shape`.
    #[must_use]
    pub fn new(area: Rect, shape: Shape) -> Self {
        let compact = area.width < FULL_FROM.0 || area.height < FULL_FROM.1;
        let summary_height = match (compact, shape.tokens) {
            (false, false) => 6,
            (false, true) => 8,
            (true, false) => 5,
            (true, true) => 7,
        };
        let [summary, scope, middle, footer] = Layout::vertical([
            Constraint::Length(summary_height),
            Constraint::Length(u16::from(shape.scope)),
            Constraint::Min(4),
            Constraint::Length(2),
        ])
        .areas(area);
        let scope = shape.scope.then_some(scope);
        let budget_rows = u16::try_from(shape.budgets).unwrap_or(u16::MAX);
        if !compact && area.width >= SIDE_COLUMN_FROM {
            let [main, right] =
                Layout::horizontal([Constraint::Min(40), Constraint::Length(SIDE_WIDTH)])
                    .areas(middle);
            let budget_height = if shape.budgets == 0 {
                0
            } else {
                (2 + 2 * budget_rows).min(right.height / 2)
            };
            let [prediction, budget_area, models] = Layout::vertical([
                Constraint::Length(9),
                Constraint::Length(budget_height),
                Constraint::Min(3),
            ])
            .areas(right);
            return Self {
                compact,
                summary,
                scope,
                main,
                prediction,
                budgets: (shape.budgets > 0).then_some(budget_area),
                models: Some(models),
                footer,
            };
        }
        let [prediction, budget_area, main] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(u16::from(shape.budgets > 0)),
            Constraint::Min(4),
        ])
        .areas(middle);
        Self {
            compact,
            summary,
            scope,
            main,
            prediction,
            budgets: (shape.budgets > 0).then_some(budget_area),
            models: None,
            footer,
        }
    }
}
