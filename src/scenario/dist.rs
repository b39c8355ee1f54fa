//! Distributions as written in scenario and model files: a bare value (constant) or a map with
//! `dist:` one of `constant {value}`, `uniform {min, max}`, `exponential {mean}`,
//! `lognormal {median, p99}`, `pareto {scale, shape}`, `zipf {s}`.

use rand::Rng;
use rand::RngExt;

/// A resolved distribution over a quantity in its base unit (nanoseconds, bytes or a count).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[serde(tag = "dist", rename_all = "snake_case")]
pub enum Dist {
    Constant {
        value: f64,
    },
    Uniform {
        min: f64,
        max: f64,
    },
    Exponential {
        mean: f64,
    },
    /// ln X ~ Normal(mu, sigma); written in files as median and p99.
    Lognormal {
        mu: f64,
        sigma: f64,
    },
    Pareto {
        scale: f64,
        shape: f64,
    },
    /// Rank-frequency skew over a population; only meaningful for choosing actors.
    Zipf {
        s: f64,
    },
}

/// z such that P(N(0,1) <= z) = 0.99.
pub const Z99: f64 = 2.326_347_874_040_841;

impl Dist {
    pub fn constant(value: f64) -> Dist {
        Dist::Constant { value }
    }

    /// The mean, used by the estimate and by stability checks (`None` if infinite).
    pub fn mean(&self) -> Option<f64> {
        match *self {
            Dist::Constant { value } => Some(value),
            Dist::Uniform { min, max } => Some((min + max) / 2.0),
            Dist::Exponential { mean } => Some(mean),
            Dist::Lognormal { mu, sigma } => Some((mu + sigma * sigma / 2.0).exp()),
            Dist::Pareto { scale, shape } => (shape > 1.0).then(|| shape * scale / (shape - 1.0)),
            Dist::Zipf { .. } => None,
        }
    }

    /// Draws one value. Zipf is not sampled here (see `workload`), it returns 0.
    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match *self {
            Dist::Constant { value } => value,
            Dist::Uniform { min, max } => min + (max - min) * rng.random::<f64>(),
            Dist::Exponential { mean } => mean * rng.sample::<f64, _>(rand_distr::Exp1),
            Dist::Lognormal { mu, sigma } => {
                let z: f64 = rng.sample(rand_distr::StandardNormal);
                (mu + sigma * z).exp()
            }
            // Resolution holds shape > 1 and scale > 0, so the distribution is always valid.
            Dist::Pareto { scale, shape } => rand_distr::Pareto::new(scale, shape).map_or(scale, |d| rng.sample(d)),
            Dist::Zipf { .. } => 0.0,
        }
    }

    pub fn is_zero(&self) -> bool {
        matches!(*self, Dist::Constant { value } if value == 0.0)
    }
}

/// The form a distribution takes in a file; values are parsed with the quantity's unit parser.
pub fn parse(
    value: &serde_json::Value,
    unit: &dyn Fn(&serde_json::Value) -> Result<f64, String>,
) -> Result<Dist, (Option<String>, String)> {
    use serde_json::Value;
    let obj = match value {
        Value::Object(obj) => obj,
        other => return unit(other).map(Dist::constant).map_err(|e| (None, e)),
    };
    let kind = match obj.get("dist") {
        Some(Value::String(s)) => s.as_str(),
        Some(_) | None => {
            return Err((
                None,
                "a distribution map needs `dist:` one of constant, uniform, exponential, lognormal, pareto, zipf"
                    .into(),
            ));
        }
    };
    let (allowed, keys): (&[&'static str], _) = match kind {
        "constant" => (&["value"], 0),
        "uniform" => (&["min", "max"], 1),
        "exponential" => (&["mean"], 2),
        "lognormal" => (&["median", "p99"], 3),
        "pareto" => (&["scale", "shape"], 4),
        "zipf" => (&["s"], 5),
        other => {
            return Err((
                Some("dist".into()),
                format!(
                    "unknown distribution `{other}`{}; allowed: constant, uniform, exponential, lognormal, pareto, zipf",
                    super::suggest(other, &["constant", "uniform", "exponential", "lognormal", "pareto", "zipf"])
                ),
            ));
        }
    };
    for key in obj.keys() {
        if key != "dist" && !allowed.contains(&key.as_str()) {
            return Err((
                Some(key.clone()),
                format!(
                    "unknown key `{key}` for dist: {kind}{}; allowed: {}",
                    super::suggest(key, allowed),
                    allowed.join(", ")
                ),
            ));
        }
    }
    let get = |name: &'static str, plain: bool| -> Result<f64, (Option<String>, String)> {
        let v = obj.get(name).ok_or_else(|| (None, format!("dist: {kind} needs `{name}` ({})", allowed.join(", "))))?;
        let parsed = if plain { v.as_f64().ok_or_else(|| format!("`{name}` must be a number")) } else { unit(v) };
        parsed.map_err(|e| (Some(name.to_owned()), e))
    };
    let positive = |name: &'static str, x: f64| {
        if x > 0.0 { Ok(x) } else { Err((Some(name.to_owned()), format!("`{name}` must be greater than 0"))) }
    };
    match keys {
        0 => Ok(Dist::constant(get("value", false)?)),
        1 => {
            let (min, max) = (get("min", false)?, get("max", false)?);
            if min > max {
                return Err((Some("max".into()), "uniform needs min <= max".into()));
            }
            Ok(Dist::Uniform { min, max })
        }
        2 => Ok(Dist::Exponential { mean: positive("mean", get("mean", false)?)? }),
        3 => {
            let median = positive("median", get("median", false)?)?;
            let p99 = get("p99", false)?;
            if p99 < median {
                return Err((Some("p99".into()), "lognormal needs p99 >= median".into()));
            }
            let mu = median.ln();
            Ok(Dist::Lognormal { mu, sigma: (p99.ln() - mu) / Z99 })
        }
        4 => {
            let scale = positive("scale", get("scale", false)?)?;
            let shape = get("shape", true)?;
            if shape.is_nan() || shape <= 1.0 {
                return Err((Some("shape".into()), "pareto needs shape > 1 (a finite mean)".into()));
            }
            Ok(Dist::Pareto { scale, shape })
        }
        _ => {
            let s = get("s", true)?;
            if s < 0.0 {
                return Err((Some("s".into()), "zipf needs s >= 0".into()));
            }
            Ok(Dist::Zipf { s })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn pareto_has_its_scale_as_minimum_and_its_mean() {
        // Pareto(scale 2, shape 3): mean 3, P(X > 4) = (2/4)^3 = 1/8.
        let d = Dist::Pareto { scale: 2.0, shape: 3.0 };
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(1);
        let xs: Vec<f64> = (0..200_000).map(|_| d.sample(&mut rng)).collect();
        assert!(xs.iter().all(|&x| x >= 2.0));
        let mean = xs.iter().sum::<f64>() / xs.len() as f64;
        // The variance is 3 (scale^2 shape / ((shape-1)^2 (shape-2))): a standard error of 0.004.
        assert!((mean / 3.0 - 1.0).abs() < 0.02, "{mean}");
        let above = xs.iter().filter(|&&x| x > 4.0).count() as f64 / xs.len() as f64;
        assert!((above - 0.125).abs() < 0.004, "{above}");
        assert_eq!(d.mean(), Some(3.0));
    }

    #[test]
    fn lognormal_from_median_and_p99() {
        let d = Dist::Lognormal { mu: 100f64.ln(), sigma: (1000f64.ln() - 100f64.ln()) / Z99 };
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(1);
        let mut xs: Vec<f64> = (0..200_000).map(|_| d.sample(&mut rng)).collect();
        xs.sort_by(f64::total_cmp);
        let median = xs[100_000];
        let p99 = xs[198_000];
        assert!((median / 100.0 - 1.0).abs() < 0.02, "{median}");
        assert!((p99 / 1000.0 - 1.0).abs() < 0.05, "{p99}");
    }

    #[test]
    fn exponential_mean() {
        let d = Dist::Exponential { mean: 5.0 };
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(2);
        let m: f64 = (0..200_000).map(|_| d.sample(&mut rng)).sum::<f64>() / 200_000.0;
        assert!((m / 5.0 - 1.0).abs() < 0.01, "{m}");
    }
}
