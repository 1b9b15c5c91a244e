//! The breakdown panel's state and order: which dimension, how sorted (by
//! change while a comparison is chosen), the row under the cursor, and the
//! drill-down stack that Enter pushes and Esc pops; the app's panel moves.
//! Pure state changes; the rows come from the snapshot.

use std::cmp::Ordering;

use super::{literal, Effect};
use crate::analytics::breakdown::{Breakdown, BreakdownRow};
use crate::filter::{Dimension, Filter};

/// How the breakdown is sorted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortKey {
    /// Largest cost first.
    #[default]
    Cost,
    /// Most tokens first.
    Tokens,
    /// Most requests first.
    Requests,
    /// By the change of cost against the comparison, as its column reads:
    /// new values first, then the largest rise.
    Change,
    /// By name.
    Name,
}

impl SortKey {
    /// The next key in cycling order.
    #[must_use]
    pub fn next(self) -> Self {
        match self {
            SortKey::Cost => SortKey::Tokens,
            SortKey::Tokens => SortKey::Requests,
            SortKey::Requests => SortKey::Change,
            SortKey::Change => SortKey::Name,
            SortKey::Name => SortKey::Cost,
        }
    }

    /// Lower-case name.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            SortKey::Cost => "cost",
            SortKey::Tokens => "tokens",
            SortKey::Requests => "requests",
            SortKey::Change => "change",
            SortKey::Name => "name",
        }
    }
}

/// The breakdown panel's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BreakdownPanel {
    /// The dimension shown.
    pub dimension: Dimension,
    /// The order.
    pub sort: SortKey,
    /// True when the order is reversed.
    pub reverse: bool,
    /// The row under the cursor (index in the sorted rows).
    pub cursor: usize,
    /// First row shown.
    pub scroll: usize,
}

impl BreakdownPanel {
    /// A panel of `dimension`, by cost, at the top.
    #[must_use]
    pub fn new(dimension: Dimension) -> Self {
        Self {
            dimension,
            sort: SortKey::Cost,
            reverse: false,
            cursor: 0,
            scroll: 0,
        }
    }

    /// Moves the cursor by `rows` within `count` rows, `visible` at a time,
    /// scrolling so that it stays on screen and never past the last page.
    pub fn move_cursor(&mut self, rows: isize, count: usize, visible: usize) {
        self.cursor = self
            .cursor
            .saturating_add_signed(rows)
            .min(count.saturating_sub(1));
        self.clamp(count, visible);
    }

    /// Keeps the cursor and the first row shown within `count` rows, `visible` at a time.
    pub fn clamp(&mut self, count: usize, visible: usize) {
        let visible = visible.max(1);
        self.cursor = self.cursor.min(count.saturating_sub(1));
        if self.cursor < self.scroll {
            self.scroll = self.cursor;
        }
        if self.cursor >= self.scroll + visible {
            self.scroll = self.cursor + 1 - visible;
        }
        self.scroll = self.scroll.min(count.saturating_sub(visible));
    }
}

/// A step of drilling down: the filter and panel to go back to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drill {
    /// The filter before the step.
    pub filter: Filter,
    /// The panel before the step.
    pub panel: BreakdownPanel,
    /// The value drilled into (for the scope line).
    pub value: String,
}

/// The rows of `breakdown` in the panel's order.
#[must_use]
pub fn sorted(breakdown: &Breakdown, sort: SortKey, reverse: bool) -> Vec<&BreakdownRow> {
    let mut rows: Vec<&BreakdownRow> = breakdown.rows.iter().collect();
    let order = |a: &&BreakdownRow, b: &&BreakdownRow| -> Ordering {
        let primary = match sort {
            SortKey::Cost => b.totals.cost.cmp(&a.totals.cost),
            SortKey::Tokens => b
                .totals
                .usage
                .total_tokens()
                .cmp(&a.totals.usage.total_tokens()),
            SortKey::Requests => b.totals.usage.requests.cmp(&a.totals.usage.requests),
            SortKey::Change => b.change_rank().cmp(&a.change_rank()),
            SortKey::Name => Ordering::Equal,
        };
        primary.then_with(|| a.key.cmp(&b.key))
    };
    rows.sort_by(order);
    if reverse {
        rows.reverse();
    }
    rows
}

impl super::App {
    /// A panel of `dimension`: by change while a comparison is chosen, else by cost.
    pub(super) fn new_panel(&self, dimension: Dimension) -> BreakdownPanel {
        BreakdownPanel {
            sort: if self.compare.is_some() {
                SortKey::Change
            } else {
                SortKey::Cost
            },
            ..BreakdownPanel::new(dimension)
        }
    }

    /// The breakdown the panel shows (today, this week or this month), once loaded.
    #[must_use]
    pub fn panel_breakdown(&self) -> Option<&Breakdown> {
        let panel = self.panel.as_ref()?;
        let breakdowns = self.report.as_ref()?.breakdown.as_ref()?;
        (breakdowns.dimension == panel.dimension).then(|| breakdowns.for_view(self.view))
    }

    pub(super) fn page(&self) -> isize {
        isize::try_from(self.viewport.panel_rows.max(1)).unwrap_or(10)
    }

    pub(super) fn move_cursor(&mut self, rows: isize) {
        let count = self.panel_breakdown().map_or(0, |b| b.rows.len());
        let visible = self.viewport.panel_rows;
        if let Some(panel) = &mut self.panel {
            panel.move_cursor(rows, count, visible);
        }
    }

    pub(super) fn clamp_panel(&mut self) {
        let count = self.panel_breakdown().map_or(0, |b| b.rows.len());
        let visible = self.viewport.panel_rows;
        if let Some(panel) = &mut self.panel {
            panel.clamp(count, visible);
        }
    }

    /// Enter on a breakdown row: the whole dashboard is filtered to its value,
    /// and the panel moves on to the next dimension not yet pinned.
    pub(super) fn drill_down(&mut self) -> Option<Effect> {
        let panel = self.panel.clone()?;
        let breakdown = self.panel_breakdown()?;
        let rows = sorted(breakdown, panel.sort, panel.reverse);
        let value = rows.get(panel.cursor)?.key.clone();
        self.drill.push(Drill {
            filter: self.filter.clone(),
            panel: panel.clone(),
            value: value.clone(),
        });
        *self.filter.patterns_mut(panel.dimension) = vec![literal(&value)];
        // On to the next dimension not pinned yet; none left: the panel closes.
        self.panel = self
            .context
            .dimensions
            .iter()
            .copied()
            .find(|dimension| !self.pinned(*dimension))
            .map(|dimension| self.new_panel(dimension));
        self.ask()
    }
}
