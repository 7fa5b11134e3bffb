//! Invariants of every model kind, checked with proptest on random metric vectors.

use std::sync::OnceLock;

use proptest::prelude::*;
use relman_risk::{ChangeMetrics, Model, ModelKind, RiskModel, TrainOptions, read_csv, train};

fn fixture_rows() -> Vec<relman_risk::ChangeRow> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/jit-sample.csv");
    let file = std::fs::File::open(path).expect("fixture present");
    read_csv(std::io::BufReader::new(file)).expect("fixture parses")
}

fn models() -> &'static Vec<Model> {
    static MODELS: OnceLock<Vec<Model>> = OnceLock::new();
    MODELS.get_or_init(|| {
        let rows = fixture_rows();
        ModelKind::ALL
            .iter()
            .map(|kind| train(&rows, &TrainOptions::new(*kind)).expect("fixture trains"))
            .collect()
    })
}

fn metrics() -> impl Strategy<Value = ChangeMetrics> {
    // Log-uniform magnitudes up to 1e6 cover both ordinary and extreme changes; zeros too.
    proptest::collection::vec(
        prop_oneof![Just(0.0), (0.0f64..14.0).prop_map(f64::exp_m1)],
        14,
    )
    .prop_map(|v| {
        let mut a = [0.0; 14];
        a.copy_from_slice(&v);
        a[7] = if a[7] > 1.0 { 1.0 } else { 0.0 };
        ChangeMetrics::from_array(a)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn scores_are_probabilities_and_contributions_sum_to_the_margin(m in metrics()) {
        for model in models() {
            let p = model.probability(&m);
            prop_assert!((0.0..=1.0).contains(&p), "{} gave {p}", model.kind());
            let e = model.explain(&m);
            let margin = model.margin(&m);
            let sum: f64 = e.base + e.contributions.iter().map(|c| c.contribution).sum::<f64>();
            prop_assert!((sum - margin).abs() < 1e-9 * (1.0 + margin.abs()), "{}: {sum} vs {margin}", model.kind());
            prop_assert!((e.margin - margin).abs() < 1e-9 * (1.0 + margin.abs()));
            prop_assert!((e.probability - p).abs() < 1e-9);
            for pair in e.contributions.windows(2) {
                prop_assert!(pair[0].contribution.abs() >= pair[1].contribution.abs());
            }
        }
    }

    #[test]
    fn saved_models_score_like_the_originals(m in metrics()) {
        for model in models() {
            let loaded = Model::from_json(&model.to_json()).expect("round trip");
            prop_assert!((loaded.margin(&m) - model.margin(&m)).abs() < 1e-9);
        }
    }
}

#[test]
fn training_is_deterministic_for_every_kind() {
    let rows = fixture_rows();
    for kind in ModelKind::ALL {
        let options = TrainOptions::new(kind);
        let a = train(&rows, &options).expect("trains");
        let b = train(&rows, &options).expect("trains");
        assert_eq!(a.to_json(), b.to_json(), "{kind}");
    }
}

#[test]
fn load_rejects_wrong_versions_and_features() {
    let model = &models()[1];
    let json = model
        .to_json()
        .replace("\"schema_version\": 1", "\"schema_version\": 9");
    assert!(matches!(
        Model::from_json(&json),
        Err(relman_risk::LoadModelError::UnsupportedSchemaVersion { found: 9, .. })
    ));
    let json = model.to_json().replace("\"la/lt\"", "\"la/xx\"");
    assert!(matches!(
        Model::from_json(&json),
        Err(relman_risk::LoadModelError::FeatureMismatch { .. })
    ));
    assert!(matches!(
        Model::from_json("{\"kind\": \"expert\"}"),
        Err(relman_risk::LoadModelError::MissingSchemaVersion)
    ));
}
