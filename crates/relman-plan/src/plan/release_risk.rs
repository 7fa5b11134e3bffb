//! Release risk of a plan: per-change probabilities from relman-risk's default model,
//! aggregated by `assess_release` into a score, level, reasons and mitigations.

use std::collections::{BTreeSet, HashMap};

use relman_model::{Bump, RiskLevel};
use relman_risk::release::{ReleaseFactor, ReleaseFactors, assess_release};
use relman_risk::{ChangeMetrics, RiskModel};

use super::build::Planned;
use super::model::{ChangeRisk, PlanRisk};

/// Release risk: every released change is scored and explained by the default model, and
/// relman-risk's [`assess_release`] turns the probabilities and the release factors the plan
/// knows (largest bump, components released together) into the 0–100 score, level, reasons and
/// mitigations; the reasons name the riskiest changes.
pub(super) fn release_risk(
    planned: &[Planned<'_>],
    metrics: &HashMap<String, ChangeMetrics>,
) -> PlanRisk {
    let model = relman_risk::default_model();
    let mut scored: Vec<ChangeRisk> = Vec::new();
    let mut seen = BTreeSet::new();
    // A commit can belong to several components (a root package owns the whole repository):
    // it is scored once, for the component with the most specific paths.
    let mut order: Vec<&Planned<'_>> = planned.iter().filter(|p| p.decision.release).collect();
    order.sort_by_key(|p| {
        std::cmp::Reverse(p.unit.paths.iter().map(String::len).max().unwrap_or(0))
    });
    for p in order {
        for change in &p.decision.changes {
            if !seen.insert(change.id.to_string()) {
                continue;
            }
            let change_metrics = metrics.get(change.id.as_str()).copied().unwrap_or_default();
            let why = model.explain(&change_metrics);
            scored.push(ChangeRisk {
                component: p.unit.id.to_string(),
                commit: change.id.to_string(),
                summary: change.summary.clone(),
                probability: round3(why.probability),
                top_factors: why
                    .contributions
                    .iter()
                    .filter(|c| c.contribution > 0.0)
                    .take(3)
                    .map(|c| relman_risk::features::describe_feature(&c.feature, c.value))
                    .collect(),
            });
        }
    }
    scored.sort_by(|a, b| {
        b.probability
            .total_cmp(&a.probability)
            .then_with(|| a.commit.cmp(&b.commit))
            .then_with(|| a.component.cmp(&b.component))
    });
    let released: Vec<&Planned<'_>> = planned.iter().filter(|p| p.decision.release).collect();
    let mut factors = ReleaseFactors::default();
    factors.change_probabilities = scored.iter().map(|s| s.probability).collect();
    factors.bump = released
        .iter()
        .map(|p| p.decision.bump)
        .max()
        .unwrap_or(Bump::None);
    factors.components = released.len();
    let assessed = if released.is_empty() {
        None
    } else {
        Some(assess_release(&factors))
    };
    let mut reasons = Vec::new();
    if released.is_empty() {
        reasons.push("nothing to release: no component has changes since its last release".into());
    }
    for reason in assessed.iter().flat_map(|a| &a.reasons) {
        let points = reason.points;
        match reason.factor {
            ReleaseFactor::Changes => {
                let expected: f64 = factors.change_probabilities.iter().sum();
                reasons.push(format!(
                    "changes +{points:.1}: an estimated {expected:.1} of {} changes may introduce a defect (relman-risk's default model, an estimate)",
                    scored.len()
                ));
                for s in scored.iter().take(3) {
                    reasons.push(format!(
                        "{} {} \"{}\": estimated {:.0} %{}",
                        s.component,
                        s.commit.get(..10).unwrap_or(&s.commit),
                        s.summary,
                        s.probability * 100.0,
                        if s.top_factors.is_empty() {
                            String::new()
                        } else {
                            format!(" ({})", s.top_factors.join(", "))
                        }
                    ));
                }
            }
            ReleaseFactor::Bump => {
                let names: Vec<&str> = released
                    .iter()
                    .filter(|p| p.decision.bump == factors.bump)
                    .map(|p| p.unit.id.as_str())
                    .collect();
                reasons.push(format!(
                    "{} bump of {} +{points:.1}",
                    factors.bump,
                    names.join(", ")
                ));
            }
            ReleaseFactor::Components => {
                reasons.push(format!(
                    "{} components released together +{points:.1}",
                    released.len()
                ));
            }
            other => reasons.push(format!("{other:?} +{points:.1}")),
        }
    }
    let mitigations = assessed
        .iter()
        .flat_map(|a| &a.mitigations)
        .map(|m| m.advice().to_owned())
        .collect();
    PlanRisk {
        score: assessed.as_ref().map_or(0, |a| a.score),
        level: assessed.as_ref().map_or(RiskLevel::Low, |a| a.level),
        method: "relman-risk assess_release: capped points per release factor (docs/risk.md)"
            .to_owned(),
        reasons,
        mitigations,
        riskiest_changes: scored.into_iter().take(10).collect(),
    }
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_to_release_is_low_risk_with_a_reason() {
        let risk = release_risk(&[], &HashMap::new());
        assert_eq!(risk.score, 0);
        assert_eq!(risk.level, RiskLevel::Low);
        assert!(risk.reasons[0].starts_with("nothing to release"));
    }
}
