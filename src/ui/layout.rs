//! Where each region goes for a terminal size: summary blocks on top, the
//! three charts stacked, the prediction (and at 110 columns and more a
//! per-model panel) beside or under them, the footer at the bottom.

use ratatui::layout::{Constraint, Layout, Rect};

/// Width from which the side column appears.
const SIDE_COLUMN_FROM: u16 = 110;
/// Width of the side column.
const SIDE_WIDTH: u16 = 38;

/// The regions of one frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScreenLayout {
    /// The four summary blocks.
    pub summary: Rect,
    /// Everything between the blocks and the footer.
    pub charts: Rect,
    /// Requests sparkline.
    pub sparkline: Rect,
    /// Tokens bar chart.
    pub bars: Rect,
    /// Cost line chart.
    pub line: Rect,
    /// Month-end prediction (a panel when wide, one line when narrow).
    pub prediction: Rect,
    /// Budget gauges (a panel when wide, one line when narrow), when budgets are set.
    pub budgets: Option<Rect>,
    /// Per-model panel (wide terminals only).
    pub models: Option<Rect>,
    /// Status and key hints.
    pub footer: Rect,
}

impl ScreenLayout {
    /// Splits `area`, with room for `budgets` budget gauges.
    #[must_use]
    pub fn new(area: Rect, budgets: usize) -> Self {
        let [summary, middle, footer] = Layout::vertical([
            Constraint::Length(6),
            Constraint::Min(8),
            Constraint::Length(2),
        ])
        .areas(area);
        let budget_rows = u16::try_from(budgets).unwrap_or(u16::MAX);
        if area.width >= SIDE_COLUMN_FROM {
            let [left, right] =
                Layout::horizontal([Constraint::Min(40), Constraint::Length(SIDE_WIDTH)])
                    .areas(middle);
            let [sparkline, bars, line] = charts(left);
            let budget_height = if budgets == 0 {
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
            Self {
                summary,
                charts: middle,
                sparkline,
                bars,
                line,
                prediction,
                budgets: (budgets > 0).then_some(budget_area),
                models: Some(models),
                footer,
            }
        } else {
            let budget_height = u16::from(budgets > 0);
            let [prediction, budget_area, rest] = Layout::vertical([
                Constraint::Length(1),
                Constraint::Length(budget_height),
                Constraint::Min(6),
            ])
            .areas(middle);
            let [sparkline, bars, line] = charts(rest);
            Self {
                summary,
                charts: middle,
                sparkline,
                bars,
                line,
                prediction,
                budgets: (budgets > 0).then_some(budget_area),
                models: None,
                footer,
            }
        }
    }
}

/// Sparkline, bars and line chart, sharing the height 1 : 2 : 2 with minimums.
fn charts(area: Rect) -> [Rect; 3] {
    let sparkline = (area.height / 5).max(3);
    Layout::vertical([
        Constraint::Length(sparkline),
        Constraint::Fill(1),
        Constraint::Fill(1),
    ])
    .areas(area)
}
