//! [`PrometheusSource`]: the samples of each metric read from a Prometheus server's HTTP API,
//! one range query per metric and group (feature `prometheus`).
//!
//! Each metric has a [`QueryTemplate`]; the source renders it once with the baseline's
//! [`QueryVars`] and once with the canary's, and runs each as
//! `GET /api/v1/query_range?query=…&start=…&end=…&step=…` over one [`QueryRange`]. Every value
//! of every series the query returns is a sample, in the order Prometheus returns them; write
//! the query so that it returns one series per group (for example with `sum by (version)` or
//! `avg`). `NaN` and infinite values (a `rate` over no requests, a quantile in the `+Inf`
//! bucket) are gaps, not samples. A query that returns nothing gives empty samples, which the
//! judge classifies `NoData`; a server that cannot answer, or refuses a query, is a
//! [`PrometheusError`] naming the metric and the group.
//!
//! [`parse_range_response`] is the response parser on its own, for callers with their own HTTP
//! client.
//!
//! ```no_run
//! use std::collections::BTreeMap;
//! use relman_canary::prometheus::{PrometheusSource, QueryRange};
//! use relman_canary::query::QueryVars;
//! use relman_canary::MetricSource;
//!
//! let queries = BTreeMap::from([(
//!     "p99_latency_s".parse()?,
//!     r#"histogram_quantile(0.99, sum by (le) (rate(http_duration_seconds_bucket{version="${version}"}[1m])))"#.parse()?,
//! )]);
//! let range = QueryRange::new(1_764_000_000, 1_764_001_800, 30)?;
//! let source = PrometheusSource::new(
//!     "http://127.0.0.1:9090",
//!     range,
//!     queries,
//!     QueryVars::new("1.4.0", "checkout", "production"),
//!     QueryVars::new("1.5.0", "checkout", "production"),
//! )?;
//! let samples = source.samples(&"p99_latency_s".parse()?)?;
//! println!("{} baseline and {} canary samples", samples.baseline.len(), samples.canary.len());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Deserialize;

use crate::query::{QueryTemplate, QueryVars};
use crate::source::MetricSource;
use crate::{Group, MetricName, Samples};

/// The time range of the range queries: Unix seconds, inclusive, and the step between the
/// points Prometheus evaluates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueryRange {
    start: u64,
    end: u64,
    step: u64,
}

/// Returned by [`QueryRange::new`] for a range Prometheus would refuse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum QueryRangeError {
    /// The end lies before the start.
    #[error("the range ends ({end}) before it starts ({start})")]
    Reversed {
        /// The start, Unix seconds.
        start: u64,
        /// The end, Unix seconds.
        end: u64,
    },
    /// A step of zero seconds.
    #[error("the step must be at least one second")]
    ZeroStep,
    /// More than the 11,000 points per series Prometheus answers.
    #[error("{points} points per series; Prometheus answers at most 11000 (use a longer step)")]
    TooManyPoints {
        /// The points the range and step would need.
        points: u64,
    },
}

impl QueryRange {
    /// The range from `start` to `end` (Unix seconds) every `step` seconds.
    ///
    /// # Errors
    ///
    /// [`QueryRangeError`] for a reversed range, a zero step, or more than 11,000 points.
    pub fn new(start: u64, end: u64, step: u64) -> Result<Self, QueryRangeError> {
        if end < start {
            return Err(QueryRangeError::Reversed { start, end });
        }
        if step == 0 {
            return Err(QueryRangeError::ZeroStep);
        }
        let points = (end - start) / step + 1;
        if points > 11_000 {
            return Err(QueryRangeError::TooManyPoints { points });
        }
        Ok(Self { start, end, step })
    }

    /// The start, Unix seconds.
    pub fn start(&self) -> u64 {
        self.start
    }

    /// The end, Unix seconds.
    pub fn end(&self) -> u64 {
        self.end
    }

    /// The step, seconds.
    pub fn step(&self) -> u64 {
        self.step
    }
}

/// Why a [`PrometheusSource`] could not be made or could not answer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PrometheusError {
    /// The server address is not an `http://` or `https://` URL.
    #[error("invalid Prometheus URL {url:?}: expected http://HOST[:PORT][/PATH] or https://…")]
    Url {
        /// The address given.
        url: String,
    },
    /// The request failed: the server is unreachable, timed out, or the TLS handshake failed.
    #[error("cannot query Prometheus at {url} for {metric} ({group})")]
    Request {
        /// The server address.
        url: String,
        /// The metric queried.
        metric: MetricName,
        /// The group queried.
        group: Group,
        /// What the HTTP client reported.
        #[source]
        source: Box<ureq::Error>,
    },
    /// Prometheus refused the query (a syntax error, a timeout on its side).
    #[error("Prometheus refused the query of {metric} ({group}) {query:?}: {error_type}: {error}")]
    Refused {
        /// The metric queried.
        metric: MetricName,
        /// The group queried.
        group: Group,
        /// The query sent.
        query: String,
        /// Prometheus's `errorType`.
        error_type: String,
        /// Prometheus's `error`.
        error: String,
    },
    /// The answer is not a Prometheus range-query response.
    #[error("unexpected answer from Prometheus (HTTP {status}) to the query of {metric} ({group})")]
    Response {
        /// The metric queried.
        metric: MetricName,
        /// The group queried.
        group: Group,
        /// The HTTP status.
        status: u16,
        /// What is wrong with the body.
        #[source]
        source: ResponseError,
    },
}

/// Why a body is not a successful range-query response (see [`parse_range_response`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ResponseError {
    /// Not the JSON of a Prometheus API response.
    #[error("not a Prometheus API response")]
    Json(#[from] serde_json::Error),
    /// `"status": "error"`, with Prometheus's reasons.
    #[error("{error_type}: {error}")]
    Api {
        /// Prometheus's `errorType`.
        error_type: String,
        /// Prometheus's `error`.
        error: String,
    },
    /// A successful response of another result type than `matrix`.
    #[error("result type {found:?}, expected \"matrix\"")]
    ResultType {
        /// The result type found.
        found: String,
    },
    /// A sample value that is not a number.
    #[error("sample value {value:?} is not a number")]
    Value {
        /// The value found.
        value: String,
    },
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ApiResponse {
    status: String,
    #[serde(default)]
    data: Option<ApiData>,
    #[serde(default)]
    error_type: Option<String>,
    #[serde(default)]
    error: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ApiData {
    result_type: String,
    result: Vec<ApiSeries>,
}

#[derive(Deserialize)]
struct ApiSeries {
    #[serde(default)]
    values: Vec<(f64, String)>,
}

/// The finite sample values of a `/api/v1/query_range` response body, series after series.
///
/// ```
/// use relman_canary::prometheus::parse_range_response;
///
/// let body = r#"{"status":"success","data":{"resultType":"matrix","result":[
///   {"metric":{"version":"1.5.0"},"values":[[1764000000,"0.25"],[1764000030,"NaN"],[1764000060,"0.5"]]}]}}"#;
/// assert_eq!(parse_range_response(body)?, vec![0.25, 0.5]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// [`ResponseError`] for a body that is not JSON of the API, an error response, another
/// result type than `matrix`, or a value that is not a number.
pub fn parse_range_response(body: &str) -> Result<Vec<f64>, ResponseError> {
    let response: ApiResponse = serde_json::from_str(body)?;
    if response.status != "success" {
        return Err(ResponseError::Api {
            error_type: response
                .error_type
                .unwrap_or_else(|| response.status.clone()),
            error: response.error.unwrap_or_default(),
        });
    }
    let data = response.data.ok_or_else(|| ResponseError::ResultType {
        found: String::new(),
    })?;
    if data.result_type != "matrix" {
        return Err(ResponseError::ResultType {
            found: data.result_type,
        });
    }
    let mut samples = Vec::new();
    for series in data.result {
        for (_, text) in series.values {
            let value: f64 = text.parse().map_err(|_| ResponseError::Value {
                value: text.clone(),
            })?;
            if value.is_finite() {
                samples.push(value);
            }
        }
    }
    Ok(samples)
}

/// A [`MetricSource`] backed by a Prometheus server (see the [module docs](self)).
#[derive(Debug, Clone)]
pub struct PrometheusSource {
    agent: ureq::Agent,
    base: String,
    range: QueryRange,
    queries: BTreeMap<MetricName, QueryTemplate>,
    baseline: QueryVars,
    canary: QueryVars,
}

impl PrometheusSource {
    /// A source querying the server at `base_url` (`http://host:9090`, or with a path prefix
    /// such as `https://host/prometheus`) over `range`, with one query template per metric
    /// and the values of each group. Requests time out after 30 seconds
    /// ([`with_timeout`](Self::with_timeout)). An `https://` server needs the feature
    /// `prometheus-tls`.
    ///
    /// # Errors
    ///
    /// [`PrometheusError::Url`] when `base_url` is not an `http://` or `https://` URL.
    pub fn new(
        base_url: &str,
        range: QueryRange,
        queries: BTreeMap<MetricName, QueryTemplate>,
        baseline: QueryVars,
        canary: QueryVars,
    ) -> Result<Self, PrometheusError> {
        let base = base_url.trim_end_matches('/');
        let host = base
            .strip_prefix("http://")
            .or_else(|| base.strip_prefix("https://"));
        if host.is_none_or(|h| h.is_empty() || h.starts_with('/') || h.contains(['?', '#'])) {
            return Err(PrometheusError::Url {
                url: base_url.to_owned(),
            });
        }
        Ok(Self {
            agent: agent(Duration::from_secs(30)),
            base: base.to_owned(),
            range,
            queries,
            baseline,
            canary,
        })
    }

    /// The same source with requests timing out after `timeout`.
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.agent = agent(timeout);
        self
    }

    /// The query sent for `metric` and `group`, if the metric has a template.
    pub fn query(&self, metric: &MetricName, group: Group) -> Option<String> {
        let vars = match group {
            Group::Baseline => &self.baseline,
            Group::Canary => &self.canary,
        };
        self.queries.get(metric).map(|t| t.render(vars))
    }

    fn fetch(&self, metric: &MetricName, group: Group) -> Result<Vec<f64>, PrometheusError> {
        let Some(query) = self.query(metric, group) else {
            return Ok(Vec::new());
        };
        let url = format!("{}/api/v1/query_range", self.base);
        let request_error = |source| PrometheusError::Request {
            url: self.base.clone(),
            metric: metric.clone(),
            group,
            source: Box::new(source),
        };
        let mut response = self
            .agent
            .get(&url)
            .query("query", &query)
            .query("start", self.range.start.to_string())
            .query("end", self.range.end.to_string())
            .query("step", self.range.step.to_string())
            .call()
            .map_err(request_error)?;
        let status = response.status().as_u16();
        let body = response
            .body_mut()
            .with_config()
            .limit(64 * 1024 * 1024)
            .read_to_string()
            .map_err(request_error)?;
        parse_range_response(&body).map_err(|source| match source {
            ResponseError::Api { error_type, error } => PrometheusError::Refused {
                metric: metric.clone(),
                group,
                query,
                error_type,
                error,
            },
            source => PrometheusError::Response {
                metric: metric.clone(),
                group,
                status,
                source,
            },
        })
    }
}

fn agent(timeout: Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(timeout))
        .build()
        .into()
}

impl MetricSource for PrometheusSource {
    type Error = PrometheusError;

    fn samples(&self, metric: &MetricName) -> Result<Samples, PrometheusError> {
        Ok(Samples {
            baseline: self.fetch(metric, Group::Baseline)?,
            canary: self.fetch(metric, Group::Canary)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_and_odd_responses_are_typed() {
        let refused =
            r#"{"status":"error","errorType":"bad_data","error":"parse error at char 3"}"#;
        match parse_range_response(refused) {
            Err(ResponseError::Api { error_type, error }) => {
                assert_eq!(error_type, "bad_data");
                assert!(error.contains("char 3"));
            }
            other => panic!("{other:?}"),
        }
        let vector = r#"{"status":"success","data":{"resultType":"vector","result":[]}}"#;
        assert!(matches!(
            parse_range_response(vector),
            Err(ResponseError::ResultType { found }) if found == "vector"
        ));
        let word = r#"{"status":"success","data":{"resultType":"matrix","result":[{"values":[[1,"x"]]}]}}"#;
        assert!(matches!(
            parse_range_response(word),
            Err(ResponseError::Value { value }) if value == "x"
        ));
        assert!(matches!(
            parse_range_response("<html>"),
            Err(ResponseError::Json(_))
        ));
    }

    #[test]
    fn every_series_counts_and_gaps_are_skipped() {
        let body = r#"{"status":"success","data":{"resultType":"matrix","result":[
            {"metric":{"pod":"a"},"values":[[1,"1"],[2,"+Inf"]]},
            {"metric":{"pod":"b"},"values":[[1,"-Inf"],[2,"2.5e0"]]},
            {"metric":{"pod":"c"}}]}}"#;
        assert_eq!(parse_range_response(body).expect("valid"), vec![1.0, 2.5]);
    }

    #[test]
    fn ranges_and_urls_are_checked() {
        assert_eq!(
            QueryRange::new(10, 5, 1),
            Err(QueryRangeError::Reversed { start: 10, end: 5 })
        );
        assert_eq!(QueryRange::new(0, 5, 0), Err(QueryRangeError::ZeroStep));
        assert!(matches!(
            QueryRange::new(0, 11_000, 1),
            Err(QueryRangeError::TooManyPoints { points: 11_001 })
        ));
        let range = QueryRange::new(0, 60, 15).expect("valid");
        let vars = QueryVars::new("1", "c", "e");
        for bad in [
            "localhost:9090",
            "http://",
            "ftp://x",
            "http:///x",
            "http://h?q=1",
        ] {
            assert!(
                PrometheusSource::new(bad, range, BTreeMap::new(), vars.clone(), vars.clone())
                    .is_err(),
                "{bad}"
            );
        }
        let source = PrometheusSource::new(
            "http://127.0.0.1:9/prom/",
            range,
            BTreeMap::from([(
                "m".parse().expect("name"),
                "up{v=\"${version}\"}".parse().expect("template"),
            )]),
            QueryVars::new("1.0.0", "c", "e"),
            QueryVars::new("2.0.0", "c", "e"),
        )
        .expect("valid");
        assert_eq!(
            source
                .query(&"m".parse().expect("name"), Group::Canary)
                .as_deref(),
            Some("up{v=\"2.0.0\"}")
        );
        assert_eq!(
            source.query(&"n".parse().expect("name"), Group::Canary),
            None
        );
    }
}
