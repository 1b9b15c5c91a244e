//! The x axis the charts share: every chart of a view gives each bucket the
//! same columns (after a common gutter for the y scales), so a day lines up
//! across the requests, tokens and cost charts; one date axis under them.

use ratatui::layout::Rect;

use crate::analytics::trend::{Bucket, View};

/// Where the buckets of a series go across a chart area.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Axis {
    /// Columns left of the plot for the y scale (labels and the axis line).
    pub gutter: u16,
    /// Columns of the plot.
    pub width: u16,
    /// Buckets in the series.
    pub buckets: usize,
}

impl Axis {
    /// `buckets` across `area`, after a gutter of `gutter` columns.
    #[must_use]
    pub fn new(area: Rect, gutter: u16, buckets: usize) -> Self {
        Self {
            gutter: gutter.min(area.width),
            width: area.width.saturating_sub(gutter),
            buckets,
        }
    }

    /// The plot part of a row of `area` (the area without the gutter).
    #[must_use]
    pub fn plot(&self, area: Rect) -> Rect {
        Rect {
            x: area.x + self.gutter,
            width: self.width,
            ..area
        }
    }

    /// The first plot column of bucket `index` (columns from the plot's left edge).
    #[must_use]
    pub fn start(&self, index: usize) -> usize {
        if self.buckets == 0 {
            return 0;
        }
        index * usize::from(self.width) / self.buckets
    }

    /// The columns of bucket `index`: `start..end` (empty when buckets
    /// outnumber columns and this one shares a column with its neighbour).
    #[must_use]
    pub fn span(&self, index: usize) -> std::ops::Range<usize> {
        self.start(index)..self.start(index + 1)
    }

    /// The buckets drawn in plot column `column` (one, or several when
    /// buckets outnumber columns).
    #[must_use]
    pub fn buckets_in(&self, column: usize) -> std::ops::Range<usize> {
        let width = usize::from(self.width).max(1);
        let count = self.buckets;
        if width >= count {
            // The bucket whose span holds the column (the inverse of `start`).
            let bucket = ((column + 1) * count).saturating_sub(1) / width;
            return bucket.min(count)..(bucket + 1).min(count);
        }
        // Every bucket that starts in the column.
        let first = (column * count).div_ceil(width);
        let last = ((column + 1) * count).div_ceil(width);
        first.min(count)..last.min(count)
    }

    /// The centre of bucket `index` in plot columns (for line charts).
    #[must_use]
    pub fn centre(&self, index: usize) -> f64 {
        if self.buckets == 0 {
            return 0.0;
        }
        let width = f64::from(self.width);
        let count = f64::from(u32::try_from(self.buckets).unwrap_or(u32::MAX));
        (f64::from(u32::try_from(index).unwrap_or(u32::MAX)) + 0.5) * width / count
    }

    /// True when bucket columns are wide enough to leave a gap column between bars.
    #[must_use]
    pub fn has_gaps(&self) -> bool {
        self.buckets > 0 && usize::from(self.width) / self.buckets >= 3
    }
}

/// The date of a bucket as the axis shows it.
#[must_use]
pub fn label_for(view: View, bucket: &Bucket) -> String {
    match view {
        View::Daily | View::Weekly => bucket.start.format("%b %-d").to_string(),
        View::Monthly => bucket.start.format("%b").to_string(),
    }
}

/// A line of labels, each at the first column of its bucket, skipping labels
/// that would run into the one before; the last bucket's label always shows
/// (moved left to fit). `labels` has one label per bucket.
#[must_use]
pub fn labels_line(axis: &Axis, labels: &[String]) -> String {
    let width = usize::from(axis.width);
    let mut line: Vec<char> = vec![' '; width];
    let last = labels.len().saturating_sub(1);
    let last_start = labels.last().map_or(width, |label| {
        axis.start(last)
            .min(width.saturating_sub(crate::text::width(label)))
    });
    let mut free_from = 0;
    for (index, label) in labels.iter().enumerate() {
        let length = label.chars().count();
        let start = if index == last {
            last_start
        } else {
            axis.start(index)
        };
        if start < free_from || start + length > width {
            continue;
        }
        if index != last && start + length + 1 > last_start {
            // Would run into the last label, which always shows.
            continue;
        }
        for (offset, c) in label.chars().enumerate() {
            line[start + offset] = c;
        }
        free_from = start + length + 1;
    }
    line.into_iter().collect::<String>().trim_end().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_share_the_columns_evenly() {
        let axis = Axis::new(Rect::new(0, 0, 66, 1), 6, 30);
        assert_eq!(axis.width, 60);
        assert_eq!(axis.span(0), 0..2);
        assert_eq!(axis.span(29), 58..60);
        assert_eq!(axis.buckets_in(59), 29..30);
        assert!((axis.centre(0) - 1.0).abs() < 1e-9);
        // More buckets than columns: each column holds several.
        let dense = Axis::new(Rect::new(0, 0, 10, 1), 0, 365);
        assert_eq!(dense.buckets_in(0), 0..37);
        assert_eq!(dense.buckets_in(9), 329..365);
        // Every column's bucket has that column in its span, at any width.
        for width in 30..200 {
            let axis = Axis::new(Rect::new(0, 0, width, 1), 0, 30);
            for column in 0..usize::from(width) {
                let bucket = axis.buckets_in(column).next().unwrap_or(usize::MAX);
                assert!(axis.span(bucket).contains(&column), "{width} {column}");
            }
        }
    }

    #[test]
    fn labels_never_collide_and_the_last_shows() {
        let axis = Axis::new(Rect::new(0, 0, 30, 1), 0, 10);
        let labels: Vec<String> = (1..=10).map(|day| format!("Nov {day}")).collect();
        let line = labels_line(&axis, &labels);
        assert!(line.ends_with("Nov 10"), "{line}");
        assert!(line.starts_with("Nov 1 "), "{line}");
        assert!(!line.contains("NovNov"), "{line}");
    }
}
