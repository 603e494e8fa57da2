//! Prometheus metrics: requests by route and status with a latency histogram, and jobs
//! by state (read from the database at scrape time). One registry per app instance, so
//! tests that start many apps in one process do not collide.

use prometheus::{Encoder, HistogramOpts, HistogramVec, IntGaugeVec, Opts, Registry, TextEncoder};

pub struct Metrics {
    registry: Registry,
    pub requests: HistogramVec,
    pub jobs: IntGaugeVec,
}

impl Metrics {
    pub fn new() -> anyhow::Result<Self> {
        let registry = Registry::new();
        let requests = HistogramVec::new(
            HistogramOpts::new(
                "http_request_duration_seconds",
                "HTTP requests by route and status",
            )
            .buckets(vec![
                0.001, 0.0025, 0.005, 0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.0,
            ]),
            &["method", "route", "status"],
        )?;
        let jobs = IntGaugeVec::new(Opts::new("jobs", "Background jobs by state"), &["state"])?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(jobs.clone()))?;
        Ok(Self {
            registry,
            requests,
            jobs,
        })
    }

    pub fn render(&self) -> String {
        let mut buf = Vec::new();
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut buf);
        String::from_utf8(buf).unwrap_or_default()
    }
}
