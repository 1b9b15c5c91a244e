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
    /// Refresh now.
    Refresh,
    /// Show or hide help.
    ToggleHelp,
    /// Close help if open, else quit.
    Back,
    /// Quit.
    Quit,
    /// Export the view shown to CSV.
    Export,
    /// Step back one period of the view.
    Earlier,
    /// Step forward one period of the view.
    Later,
    /// Back to the present.
    Present,
    /// Show or hide the previous period on the cost chart.
    ToggleCompare,
    /// Show or hide the breakdown panel.
    ToggleBreakdown,
    /// Break down by the next dimension.
    NextDimension,
    /// Sort the breakdown by the next key.
    NextSort,
    /// Scroll the breakdown one row up.
    ScrollUp,
    /// Scroll the breakdown one row down.
    ScrollDown,
    /// Scroll the breakdown a page up.
    PageUp,
    /// Scroll the breakdown a page down.
    PageDown,
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
    /// Select or unselect the value under the cursor.
    Toggle,
    /// Apply the selection as the filter.
    Apply,
    /// Close without applying.
    Close,
    /// Pick values of the next dimension.
    NextDimension,
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
