//! What keys ask for: the dashboard's actions and the filter picker's
//! inputs. Plain data shared by the keymap (which produces them) and the app
//! (which applies them), so that neither imports the other.

use crate::analytics::trend::View;

/// What a key asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Switch to a view.
    ShowView(View),
    /// Cycle to the next view.
    NextView,
    /// Show or hide today (or the day shown) hour by hour.
    ToggleHourly,
    /// Refresh now.
    Refresh,
    /// Show or hide help.
    ToggleHelp,
    /// Show the prices in use (a page of help).
    ShowPrices,
    /// Close what is open or step back: help, a drill-down, the breakdown, a
    /// detail view, history. Never quits.
    Back,
    /// Quit.
    Quit,
    /// Export what is on screen (the view's series, the breakdown table or
    /// the hours) to CSV.
    Export,
    /// Write the report shown as PDF and HTML into the export folder.
    ExportReport,
    /// Step back one period of the view.
    Earlier,
    /// Step forward one period of the view.
    Later,
    /// Back to the present.
    Present,
    /// Cycle what the blocks, the cost chart and the breakdown compare
    /// with: the previous period, a year before, the baseline, nothing.
    ToggleCompare,
    /// Split the cost chart by the top models (one line each, with a legend).
    ToggleSplit,
    /// Show tokens in detail: input, output, cache read and write apart, the
    /// cache hit ratio and what caching saved.
    ToggleTokens,
    /// Show or hide the breakdown panel.
    ToggleBreakdown,
    /// Break down by the next dimension.
    NextDimension,
    /// Sort the breakdown by the next key.
    NextSort,
    /// Reverse the breakdown's order.
    ReverseSort,
    /// Move up one row (breakdown) or line (help).
    ScrollUp,
    /// Move down one row (breakdown) or line (help).
    ScrollDown,
    /// Move a page up.
    PageUp,
    /// Move a page down.
    PageDown,
    /// Drill down into the breakdown row under the cursor: the whole
    /// dashboard is filtered to it.
    Select,
    /// Open the filter picker.
    OpenPicker,
    /// Clear the filter.
    ClearFilter,
}

/// What the filter picker understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PickerInput {
    /// A character of the search text.
    Char(char),
    /// Delete the last search character.
    Backspace,
    /// Move the cursor up.
    Up,
    /// Move the cursor down.
    Down,
    /// Move the cursor a page up.
    PageUp,
    /// Move the cursor a page down.
    PageDown,
    /// Cycle the value under the cursor: not chosen, shown only (included),
    /// left out (excluded).
    Toggle,
    /// Apply the choices of every dimension as the filter.
    Apply,
    /// Close without applying.
    Close,
    /// Pick values of the next dimension (choices are kept).
    NextDimension,
    /// Pick values of the previous dimension (choices are kept).
    PreviousDimension,
}

/// A key press, as the keymap reads it: an action, or an input for the
/// filter picker while it is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    /// A dashboard action.
    Action(Action),
    /// An input for the open filter picker.
    Picker(PickerInput),
}
