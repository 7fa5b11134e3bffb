//! The Prometheus source against a real Prometheus server (Debian's `prometheus` and
//! `promtool`; `.ci/run` installs them). The server holds samples written at known times, so
//! the range queries must return exactly those values, and the judgement must equal the one
//! made from the same values in a metrics file.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use relman_canary::prometheus::{PrometheusError, PrometheusSource, QueryRange};
use relman_canary::query::{QueryTemplate, QueryVars};
use relman_canary::{
    Classification, Direction, FileSource, Group, JudgeOptions, MetricName, MetricSource,
    MetricSpec, Verdict, judge,
};
use relman_test_support::prometheus::{Prometheus, Sample};

const STEP: u64 = 15;
const POINTS: u64 = 40;

fn name(s: &str) -> MetricName {
    s.parse().expect("metric name")
}

fn template(s: &str) -> QueryTemplate {
    s.parse().expect("template")
}

/// Deterministic, varied values: the latency of the canary is about 30 % higher, the error
/// rate of both versions comes from the same distribution.
fn latency(version: &str, i: u64) -> f64 {
    let base = if version == "1.1.0" { 130.0 } else { 100.0 };
    base + ((i * 7 + 3) % 13) as f64
}

fn errors(i: u64, offset: u64) -> f64 {
    ((i * 5 + offset) % 11) as f64 / 1000.0
}

struct World {
    server: Prometheus,
    range: QueryRange,
}

fn world() -> World {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs();
    // An hour ago, on the step grid: inside the server's retention, outside its head block.
    let start = (now - 3600) / STEP * STEP;
    let mut samples = Vec::new();
    for i in 0..POINTS {
        for (version, offset) in [("1.0.0", 0), ("1.1.0", 1)] {
            let labels = vec![
                ("app".to_owned(), "checkout".to_owned()),
                ("version".to_owned(), version.to_owned()),
            ];
            let at = start + i * STEP;
            samples.push(Sample {
                metric: "http_latency_ms".into(),
                labels: labels.clone(),
                value: latency(version, i),
                at,
            });
            samples.push(Sample {
                metric: "http_error_ratio".into(),
                labels,
                value: errors(i, offset),
                at,
            });
        }
    }
    World {
        server: Prometheus::start(&samples),
        range: QueryRange::new(start, start + (POINTS - 1) * STEP, STEP).expect("range"),
    }
}

fn source(world: &World, queries: &[(&str, &str)]) -> PrometheusSource {
    PrometheusSource::new(
        world.server.url(),
        world.range,
        queries
            .iter()
            .map(|(m, q)| (name(m), template(q)))
            .collect::<BTreeMap<_, _>>(),
        QueryVars::new("1.0.0", "checkout", "production"),
        QueryVars::new("1.1.0", "checkout", "production"),
    )
    .expect("source")
    .with_timeout(Duration::from_secs(20))
}

#[test]
fn range_queries_return_the_stored_samples_and_judge_as_the_file_does() {
    let world = world();
    let source = source(
        &world,
        &[
            (
                "latency_ms",
                r#"http_latency_ms{app="${component}", version="${version}"}"#,
            ),
            ("error_ratio", r#"http_error_ratio{version="${version}"}"#),
            ("absent", r#"no_such_metric{version="${version}"}"#),
        ],
    );

    let latency_samples = source.samples(&name("latency_ms")).expect("latency");
    let expected: Vec<f64> = (0..POINTS).map(|i| latency("1.0.0", i)).collect();
    assert_eq!(latency_samples.baseline, expected);
    let expected: Vec<f64> = (0..POINTS).map(|i| latency("1.1.0", i)).collect();
    assert_eq!(latency_samples.canary, expected);
    let absent = source.samples(&name("absent")).expect("absent");
    assert!(absent.baseline.is_empty() && absent.canary.is_empty());

    let specs = vec![
        MetricSpec::new(name("latency_ms"), Direction::Increase),
        MetricSpec::new(name("error_ratio"), Direction::Increase),
        MetricSpec::new(name("absent"), Direction::Increase),
    ];
    let from_server = judge(
        &source.collect(&specs).expect("samples"),
        &JudgeOptions::default(),
    )
    .expect("judge");

    let mut csv = String::from("metric,group,value\n");
    for i in 0..POINTS {
        csv += &format!("latency_ms,baseline,{}\n", latency("1.0.0", i));
        csv += &format!("latency_ms,canary,{}\n", latency("1.1.0", i));
        csv += &format!("error_ratio,baseline,{}\n", errors(i, 0));
        csv += &format!("error_ratio,canary,{}\n", errors(i, 1));
    }
    let file = FileSource::parse_csv(&csv).expect("csv");
    let Ok(inputs) = file.collect(&specs);
    let from_file = judge(&inputs, &JudgeOptions::default()).expect("judge");

    assert_eq!(from_server, from_file);
    assert_eq!(from_server.metrics[0].classification, Classification::High);
    assert_eq!(from_server.metrics[1].classification, Classification::Pass);
    assert_eq!(
        from_server.metrics[2].classification,
        Classification::NoData
    );
    assert_ne!(from_server.verdict, Verdict::Pass);
}

#[test]
fn a_refused_query_and_an_absent_server_name_the_metric_and_group() {
    let world = world();
    let source = source(
        &world,
        &[("broken", r#"rate(http_latency_ms{version="${version}"}"#)],
    );
    match source.samples(&name("broken")) {
        Err(PrometheusError::Refused {
            metric,
            group,
            error_type,
            query,
            ..
        }) => {
            assert_eq!(metric, name("broken"));
            assert_eq!(group, Group::Baseline);
            assert_eq!(error_type, "bad_data");
            assert!(query.contains(r#"version="1.0.0""#), "{query}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let gone = PrometheusSource::new(
        &format!("http://127.0.0.1:{port}"),
        world.range,
        BTreeMap::from([(name("m"), template("up"))]),
        QueryVars::new("1", "c", "e"),
        QueryVars::new("2", "c", "e"),
    )
    .expect("source");
    let err = gone.samples(&name("m")).expect_err("nothing listens");
    assert!(matches!(err, PrometheusError::Request { .. }), "{err:?}");
    assert!(
        err.to_string().contains(&format!("127.0.0.1:{port}")),
        "{err}"
    );
}
