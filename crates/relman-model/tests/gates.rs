//! Quality gates as users configure them: the serde shape refuses typos and invalid
//! percentages, the defaults refuse failures and empty runs, and the verdict equals a recount.

use proptest::prelude::*;
use relman_model::{
    GateReason, QualityGate, TestKind, TestRun, ThresholdKey, Thresholds, ValidateGateError,
    Verdict, evaluate_gates,
};

fn parse(json: &str) -> Result<QualityGate, serde_json::Error> {
    serde_json::from_str(json)
}

#[test]
fn unset_thresholds_default_to_no_failure_and_one_test() {
    let gate = parse(r#"{"id": "unit", "kind": "unit"}"#).expect("a bare gate parses");
    assert_eq!(gate.thresholds, Thresholds::default());
    assert_eq!(
        (gate.thresholds.max_failed, gate.thresholds.min_tests),
        (0, 1)
    );
    // The gate says what it requires: serialized, the defaults are spelled out.
    let json = serde_json::to_value(&gate).expect("serializes");
    assert_eq!(
        json,
        serde_json::json!({"id": "unit", "kind": "unit", "max_failed": 0, "min_tests": 1})
    );
    let back: QualityGate = serde_json::from_value(json).expect("round-trips");
    assert_eq!(back, gate);
}

#[test]
fn regression_unknown_gate_key_is_refused() {
    let err = parse(r#"{"id": "unit", "kind": "unit", "max_faild": 3}"#)
        .expect_err("a typo is not a threshold");
    assert!(
        err.to_string().contains("unknown field `max_faild`"),
        "{err}"
    );
    let err = serde_json::from_str::<Thresholds>(r#"{"min_test": 3}"#).expect_err("typo");
    assert!(
        err.to_string().contains("unknown field `min_test`"),
        "{err}"
    );
}

#[test]
fn regression_out_of_range_percentages_are_refused_naming_gate_and_key() {
    for (json, key, shown) in [
        (
            r#"{"id": "it", "kind": "integration", "min_pass_rate": -1}"#,
            "min_pass_rate",
            "-1",
        ),
        (
            r#"{"id": "it", "kind": "integration", "min_pass_rate": 100.5}"#,
            "min_pass_rate",
            "100.5",
        ),
        (
            r#"{"id": "it", "kind": "integration", "min_coverage": 250}"#,
            "min_coverage",
            "250",
        ),
    ] {
        let err = parse(json).expect_err(json);
        assert!(
            err.to_string().starts_with(&format!(
                "gate it: {key} = {shown} is not a percentage between 0 and 100"
            )),
            "{err}"
        );
    }
}

#[test]
fn validate_gate_error_is_a_typed_std_error() {
    fn error<E: std::error::Error + Send + Sync + 'static>() {}
    error::<ValidateGateError>();
    let mut t = Thresholds::default();
    t.min_coverage = Some(f64::NAN);
    let gate = QualityGate::new("unit".parse().expect("id"), TestKind::Unit, t);
    let err = gate.validate().expect_err("NaN");
    assert_eq!(err.key, ThresholdKey::MinCoverage);
    assert_eq!(
        err.to_string(),
        "gate unit: min_coverage = NaN is not a percentage between 0 and 100"
    );
}

fn run_strategy() -> impl Strategy<Value = TestRun> {
    (
        prop_oneof![Just(TestKind::Unit), Just(TestKind::Integration)],
        0u64..50,
        0u64..5,
        0u64..5,
    )
        .prop_map(|(kind, passed, failed, skipped)| {
            TestRun::new(kind, "suite", passed, failed, skipped)
        })
}

proptest! {
    /// With default thresholds, a gate passes exactly when its kind ran at least one test and
    /// none failed; no evidence at all is missing evidence.
    #[test]
    fn default_gate_verdict_equals_a_recount(runs in prop::collection::vec(run_strategy(), 0..6)) {
        let gate = QualityGate::new("unit".parse().expect("id"), TestKind::Unit, Thresholds::default());
        let report = evaluate_gates(std::slice::from_ref(&gate), &runs);
        let mine: Vec<&TestRun> = runs.iter().filter(|r| r.kind == TestKind::Unit).collect();
        let passed: u64 = mine.iter().map(|r| r.passed).sum();
        let failed: u64 = mine.iter().map(|r| r.failed).sum();
        let expected = if mine.is_empty() {
            Verdict::MissingEvidence
        } else if failed == 0 && passed + failed >= 1 {
            Verdict::Pass
        } else {
            Verdict::Fail
        };
        prop_assert_eq!(report.verdict, expected);
        let too_few = report.results[0]
            .reasons
            .iter()
            .any(|r| matches!(r, GateReason::TooFewTests { .. }));
        prop_assert_eq!(too_few, !mine.is_empty() && passed + failed == 0);
    }
}
