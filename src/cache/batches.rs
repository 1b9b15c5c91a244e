//! Rows cut into batches of a few fixed lengths for multi-row inserts, so
//! that a connection's cache of prepared statements holds one insert per
//! length instead of one for every length a chunk happens to end with
//! (each such statement weighs about a megabyte: a cold build used to keep
//! a hundred of them, and its memory grew all through the build).

/// Rows written per statement: 15 parameters each, under SQLite's 32,766.
const ROWS_PER_WRITE: usize = 2_000;

/// The lengths of the batches, longest first; the last is 1, so every
/// slice is covered.
const LENGTHS: [usize; 4] = [ROWS_PER_WRITE, 200, 20, 1];

/// `rows` in consecutive batches whose lengths are all in [`LENGTHS`],
/// the longest that fits first.
pub(super) fn fixed_batches<T>(mut rows: &[T]) -> impl Iterator<Item = &[T]> {
    std::iter::from_fn(move || {
        let size = LENGTHS.iter().copied().find(|&size| size <= rows.len())?;
        let (batch, rest) = rows.split_at(size);
        rows = rest;
        Some(batch)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_cover_every_row_in_order_with_fixed_lengths() {
        for count in [
            0_usize, 1, 19, 20, 21, 199, 200, 1_999, 2_000, 2_001, 4_321, 10_000,
        ] {
            let rows: Vec<usize> = (0..count).collect();
            let batches: Vec<&[usize]> = fixed_batches(&rows).collect();
            assert!(batches.iter().all(|batch| LENGTHS.contains(&batch.len())));
            let joined: Vec<usize> = batches.concat();
            assert_eq!(joined, rows, "{count} rows");
            // Longest first: never two short batches that a longer one would hold.
            for pair in batches.windows(2) {
                assert!(pair[0].len() >= pair[1].len());
            }
        }
    }

    #[test]
    fn a_chunk_of_any_length_uses_at_most_four_statements() {
        let lengths: std::collections::BTreeSet<usize> = (0..5_000_usize)
            .flat_map(|count| {
                let rows = vec![(); count];
                fixed_batches(&rows).map(<[()]>::len).collect::<Vec<_>>()
            })
            .collect();
        assert_eq!(
            lengths.into_iter().collect::<Vec<_>>(),
            vec![1, 20, 200, 2_000]
        );
    }
}
