//! The canary configuration as a serde value ([`CanaryConfig`]): the `[[metrics]]` to judge and
//! the judge's options, read from any serde format (`relman verify --config` reads TOML);
//! unknown keys are refused. [`CanaryConfig::into_parts`] turns it into what [`judge`] takes.
//!
//! [`judge`]: crate::judge()
//!
//! ```
//! use relman_canary::config::CanaryConfig;
//!
//! let config: CanaryConfig = serde_json::from_str(
//!     r#"{"alpha": 0.01, "metrics": [{"name": "latency_ms", "bad": "increase", "critical": true}]}"#,
//! )?;
//! let (specs, options) = config.into_parts()?;
//! assert_eq!((specs.len(), options.alpha), (1, 0.01));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::query::QueryTemplate;
use crate::{Criticality, Direction, JudgeOptions, Margins, MetricName, MetricSpec, NoDataPolicy};

/// The configuration of a canary judgement: the judge's options (each optional, defaulting to
/// [`JudgeOptions::default`]) and the metrics.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct CanaryConfig {
    /// The significance level of the Mann–Whitney U test.
    pub alpha: Option<f64>,
    /// The score from which the verdict is pass.
    pub pass_score: Option<f64>,
    /// The score from which the verdict is marginal.
    pub marginal_score: Option<f64>,
    /// What a metric without samples counts as.
    pub no_data: Option<NoDataPolicy>,
    /// The metrics judged.
    pub metrics: Vec<MetricConfig>,
}

/// One `[[metrics]]` entry of a [`CanaryConfig`].
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct MetricConfig {
    /// The metric's name, as in the samples.
    pub name: MetricName,
    /// Which direction is bad.
    pub bad: Direction,
    /// Whether its failure fails the whole canary.
    #[serde(default)]
    pub critical: bool,
    /// Its weight in the score (default: the spec's).
    pub weight: Option<f64>,
    /// The relative change allowed.
    pub relative_margin: Option<f64>,
    /// The absolute change allowed.
    pub absolute_margin: Option<f64>,
    /// The PromQL query of the metric for a Prometheus source, with `${version}` (and
    /// `${component}`, `${env}`) standing for each group's values.
    pub query: Option<QueryTemplate>,
}

/// Returned by [`CanaryConfig::into_parts`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CanaryConfigError {
    /// No `[[metrics]]`: nothing would be judged.
    #[error("no [[metrics]], so nothing would be judged")]
    NoMetrics,
    /// A metric without `query`, asked for by [`CanaryConfig::queries`].
    #[error("metric {metric} has no `query`, which a Prometheus source needs")]
    MissingQuery {
        /// The metric.
        metric: MetricName,
    },
}

impl CanaryConfig {
    /// The query template of every metric, for a Prometheus source.
    ///
    /// # Errors
    ///
    /// [`CanaryConfigError::NoMetrics`] without metrics; [`CanaryConfigError::MissingQuery`]
    /// naming the first metric without a `query`.
    pub fn queries(&self) -> Result<BTreeMap<MetricName, QueryTemplate>, CanaryConfigError> {
        if self.metrics.is_empty() {
            return Err(CanaryConfigError::NoMetrics);
        }
        self.metrics
            .iter()
            .map(|m| match &m.query {
                Some(q) => Ok((m.name.clone(), q.clone())),
                None => Err(CanaryConfigError::MissingQuery {
                    metric: m.name.clone(),
                }),
            })
            .collect()
    }

    /// The metric specs and the judge's options.
    ///
    /// # Errors
    ///
    /// [`CanaryConfigError::NoMetrics`] for a configuration without metrics.
    pub fn into_parts(self) -> Result<(Vec<MetricSpec>, JudgeOptions), CanaryConfigError> {
        if self.metrics.is_empty() {
            return Err(CanaryConfigError::NoMetrics);
        }
        let mut options = JudgeOptions::default();
        options.alpha = self.alpha.unwrap_or(options.alpha);
        options.pass_score = self.pass_score.unwrap_or(options.pass_score);
        options.marginal_score = self.marginal_score.unwrap_or(options.marginal_score);
        options.no_data = self.no_data.unwrap_or(options.no_data);
        let specs = self
            .metrics
            .into_iter()
            .map(|m| {
                let mut spec = MetricSpec::new(m.name, m.bad);
                spec.weight = m.weight.unwrap_or(spec.weight);
                if m.critical {
                    spec.criticality = Criticality::Critical;
                }
                spec.margins = Margins {
                    relative: m.relative_margin,
                    absolute: m.absolute_margin,
                };
                spec
            })
            .collect();
        Ok((specs, options))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_or_misspelt_configuration_is_refused() {
        let empty: CanaryConfig = serde_json::from_str(r#"{"metrics": []}"#).expect("valid");
        assert_eq!(empty.into_parts(), Err(CanaryConfigError::NoMetrics));
        let err = serde_json::from_str::<CanaryConfig>(
            r#"{"metrics": [{"name": "x", "bad": "increase", "wieght": 2}]}"#,
        )
        .expect_err("unknown key");
        assert!(err.to_string().contains("wieght"), "{err}");
    }

    #[test]
    fn queries_are_parsed_and_required_by_name() {
        let config: CanaryConfig = serde_json::from_str(
            r#"{"metrics": [{"name": "x", "bad": "increase", "query": "up{v=\"${version}\"}"},
                            {"name": "y", "bad": "increase"}]}"#,
        )
        .expect("valid");
        assert_eq!(
            config.queries(),
            Err(CanaryConfigError::MissingQuery {
                metric: "y".parse().expect("name")
            })
        );
        let err = serde_json::from_str::<CanaryConfig>(
            r#"{"metrics": [{"name": "x", "bad": "increase", "query": "up{v=\"${vresion}\"}"}]}"#,
        )
        .expect_err("unknown placeholder");
        assert!(err.to_string().contains("${vresion}"), "{err}");
    }

    #[test]
    fn missing_options_keep_the_defaults() {
        let config: CanaryConfig = serde_json::from_str(
            r#"{"metrics": [{"name": "x", "bad": "decrease", "weight": 2, "relative_margin": 0.1}]}"#,
        )
        .expect("valid");
        let (specs, options) = config.into_parts().expect("metrics");
        assert_eq!(options, JudgeOptions::default());
        assert_eq!(specs[0].weight, 2.0);
        assert_eq!(specs[0].margins.relative, Some(0.1));
        assert_eq!(specs[0].criticality, Criticality::Normal);
    }
}
