//! The filter picker's state: the dimension being picked, the search, and the
//! choices of every dimension (shown only, or left out), kept across Tab
//! until Enter applies them all or Esc drops them. The values listed are
//! every value of the range the charts show, with its share of the whole.
//! Also the app's handling of the picker's keys.

use std::collections::BTreeMap;

use super::Effect;
use crate::action::PickerInput;
use crate::analytics::breakdown::Breakdown;
use crate::analytics::Totals;
use crate::filter::{Dimension, Filter};

/// What a value is chosen for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    /// Only the chosen values count.
    Include,
    /// The value is left out.
    Exclude,
}

/// The filter picker's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Picker {
    /// The dimension whose values are listed.
    pub dimension: Dimension,
    /// Search text (case-insensitive substring).
    pub search: String,
    /// The choices of every dimension, by filter pattern.
    pub choices: BTreeMap<Dimension, BTreeMap<String, Choice>>,
    /// Index of the highlighted item among those matching the search.
    pub cursor: usize,
}

/// One line of the picker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PickerItem {
    /// The value as recorded (or a pattern the filter already had).
    pub label: String,
    /// The filter pattern that selects exactly this value.
    pub pattern: String,
    /// Its usage over the range on screen (`None`: a pattern, not a value).
    pub totals: Option<Totals>,
    /// Its share of the whole range's cost, 0 to 1.
    pub share: rust_decimal::Decimal,
    /// What it is chosen for.
    pub choice: Option<Choice>,
}

/// The pattern that matches exactly `value`: the glob characters `*` and a
/// leading `!` (which would mean "leave out") become `?`.
#[must_use]
pub fn literal(value: &str) -> String {
    value
        .chars()
        .enumerate()
        .map(|(index, c)| match c {
            '*' => '?',
            '!' if index == 0 => '?',
            other => other,
        })
        .collect()
}

impl Picker {
    /// A picker of `dimension` holding the filter's patterns as choices.
    #[must_use]
    pub fn new(dimension: Dimension, filter: &Filter, dimensions: &[Dimension]) -> Self {
        let choices = dimensions
            .iter()
            .map(|dimension| {
                let chosen = filter
                    .patterns(*dimension)
                    .iter()
                    .map(|pattern| match pattern.strip_prefix('!') {
                        Some(rest) => (rest.to_owned(), Choice::Exclude),
                        None => (pattern.clone(), Choice::Include),
                    })
                    .collect();
                (*dimension, chosen)
            })
            .collect();
        Self {
            dimension,
            search: String::new(),
            choices,
            cursor: 0,
        }
    }

    /// The items to list from `range` (every value of the range on screen,
    /// or `None` while it loads), matching the search: patterns chosen that
    /// name no value first, then the values by cost.
    #[must_use]
    pub fn items(&self, range: Option<&Breakdown>) -> Vec<PickerItem> {
        let chosen = self.choices.get(&self.dimension);
        let needle = self.search.to_lowercase();
        let whole = range.map_or(rust_decimal::Decimal::ZERO, |range| range.total.cost);
        let mut values: Vec<PickerItem> = range
            .map(|range| range.rows.as_slice())
            .unwrap_or_default()
            .iter()
            .map(|row| {
                let pattern = literal(&row.key);
                PickerItem {
                    choice: chosen.and_then(|chosen| chosen.get(&pattern).copied()),
                    label: row.key.clone(),
                    pattern,
                    totals: Some(row.totals),
                    share: if whole.is_zero() {
                        rust_decimal::Decimal::ZERO
                    } else {
                        row.totals.cost / whole
                    },
                }
            })
            .collect();
        let mut items: Vec<PickerItem> = chosen
            .into_iter()
            .flatten()
            .filter(|(pattern, _)| !values.iter().any(|item| item.pattern == **pattern))
            .map(|(pattern, choice)| PickerItem {
                label: pattern.clone(),
                pattern: pattern.clone(),
                totals: None,
                share: rust_decimal::Decimal::ZERO,
                choice: Some(*choice),
            })
            .collect();
        items.append(&mut values);
        items.retain(|item| item.label.to_lowercase().contains(&needle));
        items
    }

    /// Cycles the item's choice: none, shown only, left out, none.
    pub fn toggle(&mut self, item: &PickerItem) {
        let chosen = self.choices.entry(self.dimension).or_default();
        match item.choice {
            None => {
                chosen.insert(item.pattern.clone(), Choice::Include);
            }
            Some(Choice::Include) => {
                chosen.insert(item.pattern.clone(), Choice::Exclude);
            }
            Some(Choice::Exclude) => {
                chosen.remove(&item.pattern);
            }
        }
    }

    /// Number of values chosen in `dimension`.
    #[must_use]
    pub fn chosen(&self, dimension: Dimension) -> usize {
        self.choices.get(&dimension).map_or(0, BTreeMap::len)
    }

    /// The filter the choices make: per dimension, the values shown only,
    /// then the values left out (`!value`).
    #[must_use]
    pub fn filter(&self, base: &Filter) -> Filter {
        let mut filter = base.clone();
        for (dimension, chosen) in &self.choices {
            let mut patterns: Vec<String> = chosen
                .iter()
                .filter(|(_, choice)| **choice == Choice::Include)
                .map(|(pattern, _)| pattern.clone())
                .collect();
            patterns.extend(
                chosen
                    .iter()
                    .filter(|(_, choice)| **choice == Choice::Exclude)
                    .map(|(pattern, _)| format!("!{pattern}")),
            );
            *filter.patterns_mut(*dimension) = patterns;
        }
        filter
    }
}

impl super::App {
    /// The items the picker lists (values of the range on screen matching the
    /// search, with their share of the whole), once loaded.
    #[must_use]
    pub fn picker_items(&self) -> Vec<PickerItem> {
        let Some(picker) = &self.picker else {
            return Vec::new();
        };
        picker.items(self.picker_range())
    }

    /// The values of the picker's dimension over the range the charts show.
    #[must_use]
    pub fn picker_range(&self) -> Option<&Breakdown> {
        let picker = self.picker.as_ref()?;
        let breakdowns = self.report.as_ref()?.breakdown.as_ref()?;
        if breakdowns.dimension != picker.dimension {
            return None;
        }
        breakdowns.range_for(self.view)
    }

    pub(super) fn pick(&mut self, input: PickerInput) -> Option<Effect> {
        let items = self.picker_items();
        let page = isize::try_from(self.viewport.picker_rows.max(1)).unwrap_or(10);
        let next_up = self.next_dimension(self.picker.as_ref()?.dimension, -1);
        let next_down = self.next_dimension(self.picker.as_ref()?.dimension, 1);
        let picker = self.picker.as_mut()?;
        let step = |picker: &mut Picker, by: isize| {
            picker.cursor = picker
                .cursor
                .saturating_add_signed(by)
                .min(items.len().saturating_sub(1));
        };
        match input {
            PickerInput::Char(c) => {
                picker.search.push(c);
                picker.cursor = 0;
            }
            PickerInput::Backspace => {
                picker.search.pop();
                picker.cursor = 0;
            }
            PickerInput::Up => step(picker, -1),
            PickerInput::Down => step(picker, 1),
            PickerInput::PageUp => step(picker, -page),
            PickerInput::PageDown => step(picker, page),
            PickerInput::Toggle => {
                if let Some(item) = items.get(picker.cursor) {
                    picker.toggle(item);
                }
            }
            PickerInput::Close => self.picker = None,
            PickerInput::NextDimension | PickerInput::PreviousDimension => {
                picker.dimension = if input == PickerInput::NextDimension {
                    next_down
                } else {
                    next_up
                };
                picker.search.clear();
                picker.cursor = 0;
                return self.ask();
            }
            PickerInput::Apply => {
                let filter = picker.filter(&self.filter);
                self.picker = None;
                if filter != self.filter {
                    self.filter = filter;
                    self.drill.clear();
                }
                return self.ask();
            }
        }
        None
    }
}
