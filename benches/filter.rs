//! The TUI's live filter: one keystroke re-filters every row of the pane
//! (substring per shown cell, Unicode case-insensitive; fuzzy within one
//! cell as the fallback when no row contains the pattern, as `paymnt`
//! here, or with `~`). Highlight indices are computed only for rows on
//! screen, not here. Issue 5's target: 100,000 rows under
//! 30 ms per keystroke.
//!
//! ```sh
//! cargo bench --bench filter
//! ```

use divan::counter::ItemsCount;
use divan::{Bencher, black_box};
use ktriage::tui::filter::{Filter, Row, RowKind};
use ratatui::style::Style;

fn main() {
    divan::main();
}

/// Rows shaped like the identities pane: identity, counts, IPs, time.
fn rows(n: usize) -> Vec<Row> {
    (0..n)
        .map(|i| {
            let ns = ["prod", "staging", "kube-system", "monitoring", "payments"][i % 5];
            Row::new(
                ktriage::tui::filter::RowId::Identity(format!("u{i}")),
                vec![
                    format!("system:serviceaccount:{ns}:worker-{i}"),
                    (i % 17).to_string(),
                    format!("{} flagged", i % 3),
                    (i % 2).to_string(),
                    (i % 5).to_string(),
                    format!("10.244.{}.{}", i % 250, i % 199),
                    "07-01 10:04:45".into(),
                ],
                Style::default(),
                RowKind::Item,
            )
        })
        .collect()
}

/// One keystroke: the query grows by a character and every row is scored.
#[divan::bench(args = ["p", "pay", "paymnt", "!kube"])]
fn filter_100k_rows(b: Bencher, query: &str) {
    let rows = rows(100_000);
    let mut f = Filter::default();
    f.query = query.to_string();
    b.counter(ItemsCount::new(rows.len()))
        .bench(|| black_box(f.apply(black_box(&rows))).len());
}
