//! Metrics files: CSV and JSON records into samples, and their errors with line and column.

use relman_canary::{
    Direction, FileSource, JudgeOptions, MetricSource, MetricSpec, ParseMetricsError, Verdict,
    judge,
};

fn check_csv_error(text: &str, expected: &str) {
    let err = FileSource::parse_csv(text).expect_err("invalid CSV");
    assert_eq!(err.to_string(), expected, "{text:?}");
}

#[test]
fn csv_rows_become_samples_in_order() {
    let text = "metric,group,value\n\
                latency,baseline,10\n\
                latency,canary, 12.5\n\
                latency,baseline,11\n\
                errors,canary,0.01\n";
    let source = FileSource::parse_csv(text).expect("valid");
    let latency = source
        .samples(&"latency".parse().expect("name"))
        .expect("infallible");
    assert_eq!(latency.baseline, vec![10.0, 11.0]);
    assert_eq!(latency.canary, vec![12.5]);
    let names: Vec<String> = source.metrics().map(ToString::to_string).collect();
    assert_eq!(names, ["errors", "latency"]);
}

#[test]
fn csv_errors_name_line_and_column() {
    check_csv_error(
        "metric,value\nlatency,1\n",
        "line 1: expected the header `metric,group,value`, found `metric,value`",
    );
    check_csv_error(
        "",
        "line 1: expected the header `metric,group,value`, found ``",
    );
    check_csv_error(
        "metric,group,value\nlatency,baseline,1\nlatency,canary,fast\n",
        "line 3, column 3: value `fast` is not a number",
    );
    check_csv_error(
        "metric,group,value\nlatency,control,1\n",
        "line 2, column 2: invalid group",
    );
    check_csv_error(
        "metric,group,value\nlatency,canary,NaN\n",
        "line 2, column 3: value `NaN` is not a finite number",
    );
    check_csv_error(
        "metric,group,value\n,canary,1\n",
        "line 2, column 1: invalid metric name",
    );
    let err = FileSource::parse_csv("metric,group,value\nlatency,canary\n").expect_err("short row");
    assert!(
        matches!(err, ParseMetricsError::Row { line: 2, .. }),
        "{err:?}"
    );
}

#[test]
fn json_records_match_csv_rows() {
    let json = r#"[
        {"metric": "latency", "group": "baseline", "value": 10},
        {"metric": "latency", "group": "canary", "value": 12.5}
    ]"#;
    let csv = "metric,group,value\nlatency,baseline,10\nlatency,canary,12.5\n";
    assert_eq!(
        FileSource::parse_json(json).expect("valid JSON"),
        FileSource::parse_csv(csv).expect("valid CSV")
    );
}

#[test]
fn json_errors_name_line_and_column_of_the_record() {
    let json = "[\n  {\"metric\": \"latency\", \"group\": \"baseline\", \"value\": 1},\n  {\"metric\": \"latency\", \"group\": \"control\", \"value\": 2}\n]";
    let err = FileSource::parse_json(json).expect_err("bad group");
    let ParseMetricsError::Json { line, .. } = &err else {
        panic!("expected a JSON error, got {err:?}");
    };
    assert_eq!(*line, 3);
    let source = std::error::Error::source(&err).expect("has a cause");
    assert!(source.to_string().contains("control"), "{source}");
    let unknown =
        FileSource::parse_json(r#"[{"metric": "a", "group": "canary", "value": 1, "unit": "ms"}]"#)
            .expect_err("unknown field");
    assert!(matches!(unknown, ParseMetricsError::Json { line: 1, .. }));
}

#[test]
fn a_metric_missing_from_the_file_is_no_data_through_collect() {
    let source = FileSource::parse_csv("metric,group,value\nlatency,baseline,1\n").expect("valid");
    let specs = [MetricSpec::new(
        "errors".parse().expect("name"),
        Direction::Increase,
    )];
    let inputs = source.collect(&specs).expect("infallible");
    assert!(inputs[0].1.baseline.is_empty() && inputs[0].1.canary.is_empty());
    let j = judge(&inputs, &JudgeOptions::default()).expect("valid");
    assert_eq!(j.verdict, Verdict::Fail, "nothing to score");
}
