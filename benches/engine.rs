//! Micro-benchmarks of the hot path, on generated traffic
//! (`benches/support/generator/`): parsing one event, the byte prefilter,
//! and detection per event.
//!
//! ```sh
//! cargo bench --bench engine
//! ```
//!
//! The batch benchmarks run a 2 MB slice from the middle of a generated log
//! (the busy steady state, past the restart burst at its start) through a
//! fresh engine each iteration; divan's `item/s` column is events per
//! second, and the time per event is the mean time divided by the events
//! in the batch (printed at the start).

#[path = "support/generator/mod.rs"]
mod generator;

use divan::counter::{BytesCount, ItemsCount};
use divan::{Bencher, black_box};
use ktriage::allowlist::default_allowlist;
use ktriage::audit::lines::Line;
use ktriage::audit::{AuditEvent, parse_event};
use ktriage::detect::{Config, Engine};
use ktriage::pipeline::Ingest;
use ktriage::pipeline::prefilter::Prefilter;
use std::sync::{Arc, LazyLock};

fn main() {
    let p = Prefilter::new(&Config::default());
    println!(
        "batch: {} events, {:.1} MB, {} of them kept by the prefilter",
        BATCH.len(),
        BATCH.iter().map(|l| l.len() + 1).sum::<usize>() as f64 / 1e6,
        BATCH.iter().filter(|l| p.keep(l.as_bytes())).count(),
    );
    divan::main();
}

/// 8 MB of generated log, seed 1.
static LOG: LazyLock<String> =
    LazyLock::new(|| String::from_utf8(generator::generate_vec(1, 8 << 20)).expect("utf-8"));

/// About 2 MB of lines from the middle of the log.
static BATCH: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
    let lines: Vec<&str> = LOG.lines().collect();
    let (from, to) = (lines.len() / 2, lines.len() * 3 / 4);
    lines[from..to].to_vec()
});

static PARSED: LazyLock<Vec<(AuditEvent<'static>, &'static str)>> = LazyLock::new(|| {
    BATCH
        .iter()
        .map(|l| (parse_event(l).expect("generated lines parse"), *l))
        .collect()
});

fn find(what: &str, pred: impl Fn(&str) -> bool) -> &'static str {
    LOG.lines()
        .find(|l| pred(l))
        .unwrap_or_else(|| panic!("no {what} line in the generated log"))
}

/// A kubelet renewing its node lease: the most common line, irrelevant.
static BENIGN: LazyLock<&'static str> = LazyLock::new(|| {
    find("lease", |l| {
        l.contains("\"resource\":\"leases\"") && l.contains("\"username\":\"system:node:")
    })
});

/// A controller reading a secret, completed (responseStatus, annotations).
static SECRET_READ: LazyLock<&'static str> = LazyLock::new(|| {
    find("secret read", |l| {
        l.contains("\"resource\":\"secrets\"")
            && l.contains("\"verb\":\"get\"")
            && l.contains("\"stage\":\"ResponseComplete\"")
            && l.contains("system:serviceaccount:external-secrets")
    })
});

#[divan::bench_group]
mod parse {
    use super::*;

    #[divan::bench]
    fn benign_line(b: Bencher) {
        let line = *BENIGN;
        b.counter(BytesCount::of_str(line))
            .bench(|| parse_event(black_box(line)).is_ok());
    }

    #[divan::bench]
    fn secret_read_line(b: Bencher) {
        let line = *SECRET_READ;
        b.counter(BytesCount::of_str(line))
            .bench(|| parse_event(black_box(line)).is_ok());
    }
}

#[divan::bench_group]
mod prefilter {
    use super::*;

    #[divan::bench]
    fn relevant_line(b: Bencher) {
        let p = Prefilter::new(&Config::default());
        let line = SECRET_READ.as_bytes();
        assert!(p.keep(line));
        b.counter(BytesCount::new(line.len()))
            .bench(|| p.keep(black_box(line)));
    }

    #[divan::bench]
    fn irrelevant_line(b: Bencher) {
        let p = Prefilter::new(&Config::default());
        let line = BENIGN.as_bytes();
        assert!(!p.keep(line), "the lease line should be skipped");
        b.counter(BytesCount::new(line.len()))
            .bench(|| p.keep(black_box(line)));
    }
}

#[divan::bench_group(sample_count = 25)]
mod detect {
    use super::*;

    fn engine() -> Engine {
        Engine::new(Config::default(), default_allowlist())
    }

    /// `Engine::process` alone, on events parsed beforehand.
    #[divan::bench]
    fn engine_process_per_event(b: Bencher) {
        let evs = &*PARSED;
        b.counter(ItemsCount::new(evs.len()))
            .with_inputs(engine)
            .bench_local_values(|mut e| {
                for (ev, raw) in evs {
                    e.process(ev, raw);
                }
                e.flush();
                e
            });
    }

    fn ingest(b: Bencher, prefilter: bool) {
        let lines = &*BATCH;
        let source: Arc<str> = Arc::from("bench");
        let bytes: usize = lines.iter().map(|l| l.len() + 1).sum();
        b.counter(ItemsCount::new(lines.len()))
            .counter(BytesCount::new(bytes))
            .with_inputs(|| {
                let cfg = Config::default();
                let i = Ingest::new(Engine::new(cfg.clone(), default_allowlist()));
                if prefilter { i.with_prefilter(&cfg) } else { i }
            })
            .bench_local_values(|mut ing| {
                for (n, l) in lines.iter().enumerate() {
                    ing.line(&source, n as u64 + 1, Line::Text(l.as_bytes()));
                }
                ing.finish();
                ing
            });
    }

    /// The scan's line path: prefilter, parse what it keeps, detect.
    #[divan::bench]
    fn ingest_lines_per_event(b: Bencher) {
        ingest(b, true);
    }

    /// The same without the prefilter: every line parsed.
    #[divan::bench]
    fn ingest_lines_no_prefilter_per_event(b: Bencher) {
        ingest(b, false);
    }
}
