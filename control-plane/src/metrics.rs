//! What `GET /metrics` reports, in Prometheus' text format: the queue's
//! depth (read from Postgres when scraped), task durations and failures,
//! the search latency histogram, and what the library's upkeep did (keys
//! stop-listed, deleted media's rows purged, chores that failed).

use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, Opts, Registry,
    TextEncoder,
};

/// The service's metrics.
#[derive(Debug, Clone)]
pub struct Metrics {
    registry: Registry,
    queue_depth: IntGauge,
    task_seconds: HistogramVec,
    task_failures: IntCounterVec,
    search_seconds: HistogramVec,
    stop_listed_keys: IntGauge,
    stop_list_recounts: IntCounter,
    purged_media: IntCounter,
    purged_rows: IntCounterVec,
    upkeep_failures: IntCounterVec,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    /// Registers every metric.
    ///
    /// # Panics
    /// Never: the names are constants that are valid and distinct.
    #[allow(clippy::expect_used)]
    pub fn new() -> Self {
        let registry =
            Registry::new_custom(Some("clickprint".into()), None).expect("a valid metric prefix");
        let queue_depth =
            IntGauge::new("queue_depth", "Ingest tasks queued or running").expect("valid gauge");
        let task_seconds = HistogramVec::new(
            HistogramOpts::new("task_duration_seconds", "Ingest task durations")
                .buckets(vec![0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0]),
            &["outcome"],
        )
        .expect("valid histogram");
        let task_failures = IntCounterVec::new(
            Opts::new("task_failures_total", "Ingest task failures"),
            &["kind"],
        )
        .expect("valid counter");
        let search_seconds = HistogramVec::new(
            HistogramOpts::new("search_duration_seconds", "Search request latency")
                .buckets(vec![0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 2.0, 5.0, 10.0]),
            &["outcome"],
        )
        .expect("valid histogram");
        let stop_listed_keys = IntGauge::new(
            "stop_listed_keys",
            "Keys on the tenants' stop lists (skipped by searches), as last refreshed",
        )
        .expect("valid gauge");
        let stop_list_recounts =
            IntCounter::new("stop_list_recounts_total", "Tenants' stop lists recounted")
                .expect("valid counter");
        let purged_media = IntCounter::new(
            "purged_media_total",
            "Deleted media items whose rows were purged",
        )
        .expect("valid counter");
        let purged_rows = IntCounterVec::new(
            Opts::new("purged_rows_total", "Rows of deleted media purged"),
            &["table"],
        )
        .expect("valid counter");
        let upkeep_failures = IntCounterVec::new(
            Opts::new("upkeep_failures_total", "Upkeep chores that failed"),
            &["chore"],
        )
        .expect("valid counter");
        for metric in [
            Box::new(queue_depth.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(task_seconds.clone()),
            Box::new(task_failures.clone()),
            Box::new(search_seconds.clone()),
            Box::new(stop_listed_keys.clone()),
            Box::new(stop_list_recounts.clone()),
            Box::new(purged_media.clone()),
            Box::new(purged_rows.clone()),
            Box::new(upkeep_failures.clone()),
        ] {
            registry.register(metric).expect("distinct metric names");
        }
        Metrics {
            registry,
            queue_depth,
            task_seconds,
            task_failures,
            search_seconds,
            stop_listed_keys,
            stop_list_recounts,
            purged_media,
            purged_rows,
            upkeep_failures,
        }
    }

    /// `recounted` tenants' stop lists were recounted; the lists now hold
    /// `keys` keys in all.
    pub fn stop_listed(&self, recounted: usize, keys: u64) {
        self.stop_list_recounts.inc_by(recounted as u64);
        self.stop_listed_keys
            .set(i64::try_from(keys).unwrap_or(i64::MAX));
    }

    /// A purge removed `purged`.
    pub fn purged(&self, purged: &crate::clickhouse::upkeep::Purged) {
        self.purged_media.inc_by(purged.media);
        self.purged_rows
            .with_label_values(&["fp_keys"])
            .inc_by(purged.key_rows);
        self.purged_rows
            .with_label_values(&["fp_media"])
            .inc_by(purged.record_rows);
    }

    /// An upkeep chore (`stop_list` or `purge`) failed.
    pub fn upkeep_failed(&self, chore: &str) {
        self.upkeep_failures.with_label_values(&[chore]).inc();
    }

    /// A task finished.
    pub fn task_done(&self, seconds: f64) {
        self.task_seconds
            .with_label_values(&["done"])
            .observe(seconds);
    }

    /// A task failed; `retry` says whether it will be tried again.
    pub fn task_failed(&self, seconds: f64, retry: bool) {
        self.task_seconds
            .with_label_values(&["failed"])
            .observe(seconds);
        self.task_failures
            .with_label_values(&[if retry { "retried" } else { "final" }])
            .inc();
    }

    /// A search answered (`ok`) or failed (`error`).
    pub fn search(&self, seconds: f64, ok: bool) {
        self.search_seconds
            .with_label_values(&[if ok { "ok" } else { "error" }])
            .observe(seconds);
    }

    /// The text format, with the queue depth as given.
    pub fn render(&self, queue_depth: i64) -> String {
        self.queue_depth.set(queue_depth);
        let mut out = Vec::new();
        // Encoding into a Vec cannot fail for the types registered here.
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut out);
        String::from_utf8_lossy(&out).into_owned()
    }
}
