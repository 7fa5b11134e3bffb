//! The judge's public behaviour: classifications, the bad direction, margins, weights,
//! critical metrics, no data, invalid input; and its invariants as property tests.

use proptest::prelude::*;
use relman_canary::{
    Classification, Criticality, Direction, Group, JudgeCanaryError, JudgeOptions, Margins,
    MetricSpec, NoDataPolicy, Samples, Verdict, VerdictReason, judge,
};

fn spec(name: &str, bad: Direction) -> MetricSpec {
    MetricSpec::new(name.parse().expect("valid name"), bad)
}

/// `n` values spread evenly around `center` (no ties).
fn around(center: f64, n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| center + (i as f64 - n as f64 / 2.0) * 0.37)
        .collect()
}

fn samples(baseline: Vec<f64>, canary: Vec<f64>) -> Samples {
    Samples { baseline, canary }
}

#[test]
fn a_decrease_is_low_and_fails_only_when_decrease_is_bad() {
    let s = samples(around(100.0, 20), around(50.0, 20));
    let latency = judge(
        &[(spec("latency", Direction::Increase), s.clone())],
        &JudgeOptions::default(),
    )
    .expect("valid");
    assert_eq!(latency.metrics[0].classification, Classification::Low);
    assert!(!latency.metrics[0].is_failure());
    assert_eq!(latency.verdict, Verdict::Pass);

    let throughput = judge(
        &[(spec("throughput", Direction::Decrease), s)],
        &JudgeOptions::default(),
    )
    .expect("valid");
    assert_eq!(throughput.metrics[0].classification, Classification::Low);
    assert!(throughput.metrics[0].is_failure());
    assert_eq!(throughput.verdict, Verdict::Fail);
    let reasons: Vec<String> = throughput.metrics[0]
        .reasons
        .iter()
        .map(ToString::to_string)
        .collect();
    assert!(
        reasons[0].starts_with("canary is lower than baseline"),
        "{reasons:?}"
    );
    assert_eq!(reasons[1], "a decrease is bad for this metric: it fails");
}

#[test]
fn a_significant_change_within_a_margin_passes() {
    let s = samples(around(100.0, 20), around(103.0, 20));
    let mut m = spec("latency", Direction::Increase);
    let strict = judge(&[(m.clone(), s.clone())], &JudgeOptions::default()).expect("valid");
    assert_eq!(strict.metrics[0].classification, Classification::High);
    m.margins = Margins {
        relative: Some(0.05),
        absolute: None,
    };
    let lenient = judge(&[(m.clone(), s.clone())], &JudgeOptions::default()).expect("valid");
    assert_eq!(lenient.metrics[0].classification, Classification::Pass);
    m.margins = Margins {
        relative: None,
        absolute: Some(2.0),
    };
    let absolute = judge(&[(m, s)], &JudgeOptions::default()).expect("valid");
    assert_eq!(absolute.metrics[0].classification, Classification::High);
}

#[test]
fn weights_make_the_score_and_thresholds_the_verdict() {
    let good = samples(around(10.0, 12), around(10.0, 12));
    let bad = samples(around(10.0, 12), around(40.0, 12));
    let mut heavy = spec("a", Direction::Increase);
    heavy.weight = 4.0;
    let metrics = [(heavy, good), (spec("b", Direction::Increase), bad)];
    let j = judge(&metrics, &JudgeOptions::default()).expect("valid");
    assert_eq!(j.score, 80.0);
    assert_eq!(j.verdict, Verdict::Marginal);
    let mut options = JudgeOptions::default();
    options.pass_score = 80.0;
    assert_eq!(
        judge(&metrics, &options).expect("valid").verdict,
        Verdict::Pass
    );
    options.pass_score = 90.0;
    options.marginal_score = 85.0;
    assert_eq!(
        judge(&metrics, &options).expect("valid").verdict,
        Verdict::Fail
    );
}

#[test]
fn a_failing_critical_metric_fails_whatever_the_score() {
    let good = samples(around(10.0, 12), around(10.0, 12));
    let bad = samples(around(10.0, 12), around(40.0, 12));
    let mut many: Vec<(MetricSpec, Samples)> = (0..30)
        .map(|i| (spec(&format!("ok{i}"), Direction::Increase), good.clone()))
        .collect();
    let mut critical = spec("errors", Direction::Increase);
    critical.criticality = Criticality::Critical;
    many.push((critical, bad));
    let j = judge(&many, &JudgeOptions::default()).expect("valid");
    assert!(j.score > 95.0, "{}", j.score);
    assert_eq!(j.verdict, Verdict::Fail);
    assert!(j.reasons.contains(&VerdictReason::CriticalFailed {
        metric: "errors".parse().expect("valid")
    }));
}

#[test]
fn empty_samples_are_no_data_excluded_or_failing_as_configured() {
    let good = samples(around(10.0, 12), around(10.0, 12));
    let empty = samples(around(10.0, 12), Vec::new());
    let metrics = [
        (spec("a", Direction::Increase), good),
        (spec("b", Direction::Increase), empty),
    ];
    let excluded = judge(&metrics, &JudgeOptions::default()).expect("valid");
    assert_eq!(excluded.metrics[1].classification, Classification::NoData);
    assert_eq!(
        excluded.metrics[1].reasons[0].to_string(),
        "no canary samples"
    );
    assert_eq!((excluded.score, excluded.verdict), (100.0, Verdict::Pass));
    let mut options = JudgeOptions::default();
    options.no_data = NoDataPolicy::Fail;
    let counted = judge(&metrics, &options).expect("valid");
    assert_eq!((counted.score, counted.verdict), (50.0, Verdict::Fail));

    let nothing = judge(&metrics[1..], &JudgeOptions::default()).expect("valid");
    assert_eq!(nothing.verdict, Verdict::Fail);
    assert_eq!(nothing.reasons, vec![VerdictReason::NothingToScore]);
}

#[test]
fn invalid_input_is_an_error_naming_the_metric() {
    let nan = samples(vec![1.0, 2.0], vec![1.0, f64::NAN]);
    let err = judge(
        &[(spec("lat", Direction::Increase), nan)],
        &JudgeOptions::default(),
    )
    .expect_err("NaN is refused");
    assert!(matches!(
        err,
        JudgeCanaryError::NonFinite {
            group: Group::Canary,
            index: 2,
            ..
        }
    ));
    assert_eq!(
        err.to_string(),
        "metric lat: canary value #2 is not a finite number (NaN)"
    );
    let twice = [
        (spec("lat", Direction::Increase), Samples::default()),
        (spec("lat", Direction::Decrease), Samples::default()),
    ];
    assert!(matches!(
        judge(&twice, &JudgeOptions::default()),
        Err(JudgeCanaryError::DuplicateMetric { .. })
    ));
    let mut options = JudgeOptions::default();
    options.marginal_score = 99.0;
    assert!(matches!(
        judge(&[], &options),
        Err(JudgeCanaryError::InvalidThresholds { .. })
    ));
    let mut negative = spec("lat", Direction::Increase);
    negative.weight = -1.0;
    assert!(matches!(
        judge(&[(negative, Samples::default())], &JudgeOptions::default()),
        Err(JudgeCanaryError::InvalidWeight { .. })
    ));
}

fn direction() -> impl Strategy<Value = Direction> {
    prop_oneof![Just(Direction::Increase), Just(Direction::Decrease)]
}

proptest! {
    #[test]
    fn identical_samples_pass(values in prop::collection::vec(-1e6..1e6f64, 1..40), bad in direction()) {
        let j = judge(&[(spec("m", bad), samples(values.clone(), values))], &JudgeOptions::default())
            .expect("valid");
        prop_assert_eq!(j.metrics[0].classification, Classification::Pass);
        prop_assert_eq!(j.verdict, Verdict::Pass);
        prop_assert_eq!(j.score, 100.0);
    }

    #[test]
    fn a_far_shift_fails_in_the_bad_direction_only(
        baseline in prop::collection::vec(0.0..100.0f64, 10..40),
        canary in prop::collection::vec(0.0..100.0f64, 10..40),
        up in any::<bool>(),
        bad in direction(),
    ) {
        let moved: Vec<f64> = canary.iter().map(|v| if up { v + 1000.0 } else { v - 1000.0 }).collect();
        let j = judge(&[(spec("m", bad), samples(baseline, moved))], &JudgeOptions::default())
            .expect("valid");
        let expected = if up { Classification::High } else { Classification::Low };
        prop_assert_eq!(j.metrics[0].classification, expected);
        let bad_way = (up && bad == Direction::Increase) || (!up && bad == Direction::Decrease);
        prop_assert_eq!(j.metrics[0].is_failure(), bad_way);
        prop_assert_eq!(j.verdict, if bad_way { Verdict::Fail } else { Verdict::Pass });
    }
}
