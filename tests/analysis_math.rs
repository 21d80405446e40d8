//! Checks of the analysis numerics (src/analyze) against closed forms and published
//! reference values: Sobol' points from Joe and Kuo's program, the Ishigami and Sobol' G
//! functions' variance decompositions, linear functions for Morris, and known optima.
// Expected values here use the platform's functions: a reference independent of
// `demarche::math`, which the crate uses.
#![allow(clippy::disallowed_methods)]

use std::f64::consts::PI;

use demarche::analyze::design::{grid, latin_hypercube, linspace, scale_to_bounds};
use demarche::analyze::morris::{MorrisDesign, morris_indices};
use demarche::analyze::optim::{
    Criterion, Evaluation, Method, OptimConfig, OptimResult, Problem, StopReason, minimize,
};
use demarche::analyze::sensitivity::{SaltelliDesign, SobolIndices, sobol_indices};
use demarche::analyze::sobol::{SOBOL_MAX_DIMENSIONS, SobolScramble, SobolSequence};
use demarche::analyze::stats::{
    curvature_intervals, mean, normal_quantile, numerical_hessian, profile_interval, std_err,
};
use demarche::analyze::{AnalyzeError, BootstrapConfig};

// ---------------------------------------------------------------- Sobol' sequence

#[test]
fn sobol_first_points_match_joe_kuo_reference() {
    // Output of Joe and Kuo's sobol.cc with new-joe-kuo-6.21201, first three dimensions.
    let expected = [
        [0.0, 0.0, 0.0],
        [0.5, 0.5, 0.5],
        [0.75, 0.25, 0.25],
        [0.25, 0.75, 0.75],
        [0.375, 0.375, 0.625],
        [0.875, 0.875, 0.125],
        [0.625, 0.125, 0.875],
        [0.125, 0.625, 0.375],
        [0.1875, 0.3125, 0.9375],
        [0.6875, 0.8125, 0.4375],
    ];
    let sequence = SobolSequence::new(3, SobolScramble::None).unwrap();
    let points = sequence.points(0, expected.len());
    for (index, (got, want)) in points.iter().zip(&expected).enumerate() {
        assert_eq!(got.as_slice(), want.as_slice(), "point {index}");
    }
    // Starting in the middle gives the same points as generating from the start.
    assert_eq!(sequence.points(5, 5), points[5..].to_vec());
}

/// Every dimension of the first 2^m points holds one point per interval of width 2^-m.
fn assert_stratified(points: &[Vec<f64>], label: &str) {
    let count = points.len();
    for dim in 0..points[0].len() {
        let mut seen = vec![false; count];
        for point in points {
            let cell = (point[dim] * count as f64).floor() as usize;
            assert!(
                !seen[cell],
                "{label}: dimension {} has two points in cell {cell}",
                dim + 1
            );
            seen[cell] = true;
        }
    }
}

#[test]
fn sobol_every_dimension_is_stratified_plain_and_scrambled() {
    const { assert!(SOBOL_MAX_DIMENSIONS >= 21) };
    for scramble in [
        SobolScramble::None,
        SobolScramble::DigitalShift { seed: 7 },
        SobolScramble::Owen { seed: 7 },
    ] {
        let sequence = SobolSequence::new(SOBOL_MAX_DIMENSIONS, scramble).unwrap();
        assert_stratified(&sequence.points(0, 1024), &format!("{scramble:?}"));
    }
}

#[test]
fn sobol_first_two_dimensions_form_a_zero_net() {
    // Dimensions 1 and 2 form a (0, m, 2)-net: every elementary box of area 2^-8 holds one
    // of the first 256 points, for every split of the 8 bits between the axes. Owen
    // scrambling preserves this.
    for scramble in [SobolScramble::None, SobolScramble::Owen { seed: 3 }] {
        let points = SobolSequence::new(2, scramble).unwrap().points(0, 256);
        for bits_x in 0..=8 {
            let (cells_x, cells_y) = (1usize << bits_x, 1usize << (8 - bits_x));
            let mut seen = vec![false; 256];
            for p in &points {
                let cell = (p[0] * cells_x as f64) as usize * cells_y + (p[1] * cells_y as f64) as usize;
                assert!(
                    !seen[cell],
                    "{scramble:?} split {bits_x}: box {cell} holds two points"
                );
                seen[cell] = true;
            }
        }
    }
}

#[test]
fn sobol_rejects_unsupported_dimensions() {
    assert!(matches!(
        SobolSequence::new(SOBOL_MAX_DIMENSIONS + 1, SobolScramble::None),
        Err(AnalyzeError::TooManyDimensions { .. })
    ));
    assert!(SobolSequence::new(0, SobolScramble::None).is_err());
}

// ---------------------------------------------------------------- Sobol' indices

#[test]
fn saltelli_design_has_a_b_and_mixed_blocks() {
    let design = SaltelliDesign::new(8, 3, SobolScramble::Owen { seed: 1 }).unwrap();
    let points = design.points();
    assert_eq!(points.len(), 8 * 5);
    for row in 0..8 {
        let a = &points[row];
        let b = &points[8 + row];
        for i in 0..3 {
            let mixed = &points[(2 + i) * 8 + row];
            for j in 0..3 {
                assert_eq!(mixed[j], if j == i { b[j] } else { a[j] });
            }
        }
    }
}

fn sobol_analysis(
    n_params: usize,
    function: impl Fn(&[f64]) -> f64,
    bounds: &[(f64, f64)],
    seed: u64,
) -> Vec<SobolIndices> {
    let design = SaltelliDesign::new(1 << 13, n_params, SobolScramble::Owen { seed }).unwrap();
    let outputs: Vec<f64> = design
        .points()
        .iter()
        .map(|u| function(&scale_to_bounds(u, bounds)))
        .collect();
    sobol_indices(
        &design,
        &outputs,
        &BootstrapConfig {
            resamples: 500,
            confidence: 0.95,
            seed,
        },
    )
    .unwrap()
}

fn check_indices(label: &str, got: &[SobolIndices], first: &[f64], total: &[f64]) {
    for (i, indices) in got.iter().enumerate() {
        assert!(
            indices.first_order.contains(first[i]),
            "{label}: S1[{i}] = {:.4} with interval [{:.4}, {:.4}] misses the exact {:.4}",
            indices.first_order.value,
            indices.first_order.ci_low,
            indices.first_order.ci_high,
            first[i]
        );
        assert!(
            indices.total.contains(total[i]),
            "{label}: ST[{i}] = {:.4} with interval [{:.4}, {:.4}] misses the exact {:.4}",
            indices.total.value,
            indices.total.ci_low,
            indices.total.ci_high,
            total[i]
        );
        // The intervals must be informative, not just wide enough to contain anything.
        assert!(
            indices.first_order.ci_high - indices.first_order.ci_low < 0.1,
            "{label}: S1[{i}] interval too wide"
        );
        assert!(
            indices.total.ci_high - indices.total.ci_low < 0.1,
            "{label}: ST[{i}] interval too wide"
        );
    }
}

#[test]
fn sobol_indices_of_ishigami_match_closed_form() {
    let (a, b) = (7.0, 0.1);
    let ishigami = |x: &[f64]| x[0].sin() + a * x[1].sin().powi(2) + b * x[2].powi(4) * x[0].sin();
    // Closed form (Ishigami and Homma 1990).
    let v1 = 0.5 * (1.0 + b * PI.powi(4) / 5.0).powi(2);
    let v2 = a * a / 8.0;
    let v13 = b * b * PI.powi(8) * (1.0 / 18.0 - 1.0 / 50.0);
    let variance = v1 + v2 + v13;
    let first = [v1 / variance, v2 / variance, 0.0];
    let total = [(v1 + v13) / variance, v2 / variance, v13 / variance];
    assert!((first[0] - 0.3139).abs() < 1e-4 && (total[2] - 0.2437).abs() < 1e-4);
    let indices = sobol_analysis(3, ishigami, &[(-PI, PI); 3], 2024);
    check_indices("Ishigami", &indices, &first, &total);
}

#[test]
fn sobol_indices_of_g_function_match_closed_form() {
    let coefficients = [0.0, 1.0, 4.5, 9.0, 99.0, 99.0];
    let g = |x: &[f64]| -> f64 {
        x.iter()
            .zip(&coefficients)
            .map(|(xi, ai)| ((4.0 * xi - 2.0).abs() + ai) / (1.0 + ai))
            .product()
    };
    let partial: Vec<f64> = coefficients
        .iter()
        .map(|ai| 1.0 / (3.0 * (1.0 + ai) * (1.0 + ai)))
        .collect();
    let variance = partial.iter().map(|v| 1.0 + v).product::<f64>() - 1.0;
    let first: Vec<f64> = partial.iter().map(|v| v / variance).collect();
    let total: Vec<f64> = (0..6)
        .map(|i| {
            let others: f64 = (0..6).filter(|&j| j != i).map(|j| 1.0 + partial[j]).product();
            partial[i] * others / variance
        })
        .collect();
    let indices = sobol_analysis(6, g, &[(0.0, 1.0); 6], 11);
    check_indices("G function", &indices, &first, &total);
}

#[test]
fn sobol_indices_of_constant_output_are_undefined_and_lengths_checked() {
    let design = SaltelliDesign::new(16, 2, SobolScramble::None).unwrap();
    let indices = sobol_indices(&design, &[3.0; 64], &BootstrapConfig::default()).unwrap();
    assert!(
        indices
            .iter()
            .all(|s| s.first_order.value.is_nan() && s.total.value.is_nan())
    );
    assert!(matches!(
        sobol_indices(&design, &[1.0; 10], &BootstrapConfig::default()),
        Err(AnalyzeError::LengthMismatch { .. })
    ));
    assert!(SaltelliDesign::new(16, 21, SobolScramble::None).is_err());
}

// ---------------------------------------------------------------- Morris

#[test]
fn morris_on_linear_function_gives_coefficients() {
    let coefficients = [2.0, -3.0, 0.5, 0.0];
    let design = MorrisDesign::new(4, 12, 4, 5).unwrap();
    assert_eq!(design.points().len(), 12 * 5);
    // Every point stays on the 4-level grid.
    for point in design.points() {
        for &u in point {
            let level = u * 3.0;
            assert!(
                (level - level.round()).abs() < 1e-12 && (0.0..=1.0).contains(&u),
                "off-grid value {u}"
            );
        }
    }
    let outputs: Vec<f64> = design
        .points()
        .iter()
        .map(|x| x.iter().zip(&coefficients).map(|(a, b)| a * b).sum())
        .collect();
    let indices = morris_indices(&design, &outputs, &BootstrapConfig::default()).unwrap();
    for (i, index) in indices.iter().enumerate() {
        assert!(
            (index.mu_star.value - coefficients[i].abs()).abs() < 1e-12,
            "mu*[{i}] = {}",
            index.mu_star.value
        );
        assert!(
            (index.mu.value - coefficients[i]).abs() < 1e-12,
            "mu[{i}] = {}",
            index.mu.value
        );
        assert!(
            index.sigma.value.abs() < 1e-12,
            "sigma[{i}] = {}",
            index.sigma.value
        );
    }
}

#[test]
fn morris_detects_interaction_through_sigma() {
    // f = x1·x2: the effect of each depends on the other, so sigma > 0; x3 is inert.
    let design = MorrisDesign::new(3, 20, 4, 9).unwrap();
    let outputs: Vec<f64> = design.points().iter().map(|x| x[0] * x[1]).collect();
    let indices = morris_indices(&design, &outputs, &BootstrapConfig::default()).unwrap();
    assert!(indices[0].sigma.value > 0.1 && indices[1].sigma.value > 0.1);
    assert_eq!(indices[2].mu_star.value, 0.0);
    assert!(MorrisDesign::new(3, 10, 3, 0).is_err());
}

// ---------------------------------------------------------------- designs

#[test]
fn grid_is_cartesian_product_in_odometer_order() {
    let points = grid(&[vec![1.0, 2.0], vec![10.0, 20.0, 30.0]]);
    let expected: Vec<Vec<f64>> = vec![
        vec![1.0, 10.0],
        vec![1.0, 20.0],
        vec![1.0, 30.0],
        vec![2.0, 10.0],
        vec![2.0, 20.0],
        vec![2.0, 30.0],
    ];
    assert_eq!(points, expected);
    assert_eq!(linspace(0.0, 1.0, 5), vec![0.0, 0.25, 0.5, 0.75, 1.0]);
    assert_eq!(linspace(2.0, 3.0, 1), vec![2.0]);
}

#[test]
fn latin_hypercube_has_one_point_per_stratum_and_is_seeded() {
    let bounds = [(0.0, 10.0), (-1.0, 1.0), (5.0, 6.0)];
    let points = latin_hypercube(50, &bounds, 42).unwrap();
    assert_eq!(points, latin_hypercube(50, &bounds, 42).unwrap());
    assert_ne!(points, latin_hypercube(50, &bounds, 43).unwrap());
    for (dim, &(low, high)) in bounds.iter().enumerate() {
        let mut seen = [false; 50];
        for p in &points {
            let stratum = ((p[dim] - low) / (high - low) * 50.0).floor() as usize;
            assert!(!seen[stratum]);
            seen[stratum] = true;
        }
    }
    assert!(matches!(
        latin_hypercube(5, &[(1.0, 1.0)], 0),
        Err(AnalyzeError::BadBounds { .. })
    ));
}

// ---------------------------------------------------------------- optimisers

fn sphere(center: &[f64]) -> impl Fn(&[f64]) -> f64 + '_ {
    move |x| x.iter().zip(center).map(|(a, b)| (a - b) * (a - b)).sum()
}

fn rosenbrock(x: &[f64]) -> f64 {
    x.windows(2)
        .map(|w| 100.0 * (w[1] - w[0] * w[0]).powi(2) + (1.0 - w[0]).powi(2))
        .sum()
}

fn run(
    function: &dyn Fn(&[f64]) -> f64,
    bounds: Vec<(f64, f64)>,
    x0: Vec<f64>,
    config: &OptimConfig,
) -> OptimResult {
    let problem = Problem::new(bounds, x0).unwrap();
    let mut objective = |x: &[f64]| Ok::<_, ()>(Evaluation::exact(function(x)));
    minimize(&mut objective, &problem, config).unwrap()
}

/// Minimises and checks the best point is within `tolerance` of `optimum` (max norm)
/// and the budget held.
fn check_finds(
    label: &str,
    method: Method,
    function: &dyn Fn(&[f64]) -> f64,
    bounds: Vec<(f64, f64)>,
    optimum: &[f64],
    budget: usize,
    tolerance: f64,
) {
    let x0 = bounds
        .iter()
        .map(|(low, high)| low + 0.3 * (high - low))
        .collect();
    let config = OptimConfig {
        method,
        budget,
        seed: 1,
        ..OptimConfig::default()
    };
    let result = run(function, bounds, x0, &config);
    assert!(result.evaluations.len() <= budget, "{label}: budget exceeded");
    let best = result.best_record().unwrap();
    let error = best
        .x
        .iter()
        .zip(optimum)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    assert!(
        error < tolerance,
        "{label} with {method}: best {:?} (f = {:.3e}) is {error:.2e} from {optimum:?} after {} evaluations, stop: {}",
        best.x,
        best.value,
        result.evaluations.len(),
        result.stop
    );
}

#[test]
fn cmaes_and_nelder_mead_find_known_minima() {
    let center2 = [0.7, -1.2];
    let center4 = [0.5, -0.5, 1.5, 0.0];
    for method in [Method::CmaEs, Method::NelderMead] {
        check_finds(
            "sphere 2d",
            method,
            &sphere(&center2),
            vec![(-2.0, 2.0); 2],
            &center2,
            400,
            1e-3,
        );
        check_finds(
            "sphere 4d",
            method,
            &sphere(&center4),
            vec![(-3.0, 3.0); 4],
            &center4,
            2000,
            1e-3,
        );
        check_finds(
            "rosenbrock 2d",
            method,
            &rosenbrock,
            vec![(-2.0, 2.0); 2],
            &[1.0, 1.0],
            3000,
            1e-2,
        );
        check_finds(
            "rosenbrock 3d",
            method,
            &rosenbrock,
            vec![(-2.0, 2.0); 3],
            &[1.0; 3],
            6000,
            2e-2,
        );
        // The minimum outside the box: the constrained optimum sits on the bound.
        check_finds(
            "sphere beyond bound",
            method,
            &sphere(&[2.0, 0.25]),
            vec![(0.0, 1.0); 2],
            &[1.0, 0.25],
            600,
            1e-3,
        );
    }
    check_finds(
        "one dimension",
        Method::CmaEs,
        &sphere(&[0.123]),
        vec![(-1.0, 1.0)],
        &[0.123],
        300,
        1e-4,
    );
    check_finds(
        "one dimension",
        Method::NelderMead,
        &sphere(&[0.123]),
        vec![(-1.0, 1.0)],
        &[0.123],
        300,
        1e-4,
    );
}

#[test]
fn optimisers_report_convergence() {
    for method in [Method::CmaEs, Method::NelderMead] {
        let config = OptimConfig {
            method,
            budget: 100_000,
            seed: 3,
            ..OptimConfig::default()
        };
        let result = run(&sphere(&[0.2, 0.4]), vec![(0.0, 1.0); 2], vec![0.9, 0.9], &config);
        assert!(
            matches!(result.stop, StopReason::Converged { .. }),
            "{method}: stopped by {} after {}",
            result.stop,
            result.evaluations.len()
        );
        assert!(result.evaluations.len() < 100_000);
    }
}

#[test]
fn budget_is_respected_exactly() {
    for method in [Method::CmaEs, Method::NelderMead, Method::RandomSearch] {
        for budget in [0, 1, 2, 7, 37] {
            let config = OptimConfig {
                method,
                budget,
                seed: 9,
                x_tolerance: 0.0,
                f_tolerance: 0.0,
            };
            let result = run(&rosenbrock, vec![(-2.0, 2.0); 3], vec![0.0; 3], &config);
            assert_eq!(result.evaluations.len(), budget, "{method} budget {budget}");
            assert_eq!(result.stop, StopReason::Budget);
            assert_eq!(result.best.is_some(), budget > 0);
            for record in &result.evaluations {
                assert!(
                    record.x.iter().all(|v| (-2.0..=2.0).contains(v)),
                    "{method}: {:?} outside the box",
                    record.x
                );
            }
        }
    }
}

#[test]
fn random_search_improves_on_the_start_and_is_seeded() {
    let function = sphere(&[0.3, 0.3, 0.3]);
    let config = OptimConfig {
        method: Method::RandomSearch,
        budget: 200,
        seed: 4,
        ..OptimConfig::default()
    };
    let result = run(&function, vec![(0.0, 1.0); 3], vec![1.0, 1.0, 1.0], &config);
    let start_value = result.evaluations[0].value;
    assert_eq!(result.evaluations[0].x, vec![1.0, 1.0, 1.0]);
    assert!(result.best_record().unwrap().value < 0.1 * start_value);
    assert_eq!(
        result,
        run(&function, vec![(0.0, 1.0); 3], vec![1.0, 1.0, 1.0], &config)
    );
    let other = OptimConfig { seed: 5, ..config };
    assert_ne!(
        result,
        run(&function, vec![(0.0, 1.0); 3], vec![1.0, 1.0, 1.0], &other)
    );
}

#[test]
fn cmaes_is_deterministic_for_a_seed() {
    let config = OptimConfig {
        budget: 120,
        seed: 77,
        ..OptimConfig::default()
    };
    let a = run(&rosenbrock, vec![(-2.0, 2.0); 2], vec![0.0, 0.0], &config);
    let b = run(&rosenbrock, vec![(-2.0, 2.0); 2], vec![0.0, 0.0], &config);
    assert_eq!(a, b);
    let c = run(
        &rosenbrock,
        vec![(-2.0, 2.0); 2],
        vec![0.0, 0.0],
        &OptimConfig { seed: 78, ..config },
    );
    assert_ne!(a.evaluations, c.evaluations);
}

#[test]
fn objective_errors_stop_the_search_and_std_err_is_carried() {
    let problem = Problem::new(vec![(0.0, 1.0); 2], vec![0.5, 0.5]).unwrap();
    for method in [Method::CmaEs, Method::NelderMead, Method::RandomSearch] {
        let mut calls = 0;
        let mut objective = |x: &[f64]| {
            calls += 1;
            if calls == 5 {
                Err("cancelled")
            } else {
                Ok(Evaluation::exact(x[0] + x[1]))
            }
        };
        let config = OptimConfig {
            method,
            ..OptimConfig::default()
        };
        assert_eq!(minimize(&mut objective, &problem, &config), Err("cancelled"));
        assert_eq!(calls, 5);
    }
    let mut objective = |x: &[f64]| {
        Ok::<_, ()>(Evaluation {
            value: x[0],
            std_err: Some(0.25),
        })
    };
    let config = OptimConfig {
        method: Method::RandomSearch,
        budget: 3,
        ..OptimConfig::default()
    };
    let result = minimize(&mut objective, &problem, &config).unwrap();
    assert!(result.evaluations.iter().all(|r| r.std_err == Some(0.25)));
}

#[test]
fn problem_and_method_validation() {
    assert!(matches!(
        Problem::new(vec![(1.0, 0.0)], vec![0.5]),
        Err(AnalyzeError::BadBounds { index: 0, .. })
    ));
    assert!(Problem::new(vec![(0.0, f64::INFINITY)], vec![0.5]).is_err());
    assert!(Problem::new(vec![(0.0, 1.0)], vec![0.5, 0.5]).is_err());
    assert_eq!(Problem::new(vec![(0.0, 1.0)], vec![3.0]).unwrap().x0(), &[1.0]);
    assert_eq!("nelder-mead".parse::<Method>().unwrap(), Method::NelderMead);
    assert!("simplex".parse::<Method>().is_err());
    let stop = StopReason::Converged {
        criterion: Criterion::StepSize,
        value: 1e-7,
        tolerance: 1e-6,
    };
    assert_eq!(
        stop.to_string(),
        "converged: step size 1.000e-7 below x tolerance 1.000e-6 (fraction of range)"
    );
    assert_eq!(StopReason::Budget.to_string(), "evaluation budget exhausted");
}

// ---------------------------------------------------------------- statistics

#[test]
fn moments_and_normal_quantile() {
    assert_eq!(mean(&[1.0, 2.0, 3.0, 6.0]), 3.0);
    assert!((std_err(&[1.0, 2.0, 3.0, 6.0]) - (14.0f64 / 3.0 / 4.0).sqrt()).abs() < 1e-12);
    assert!((normal_quantile(0.975) - 1.959_963_985).abs() < 1e-7);
    assert!((normal_quantile(0.5)).abs() < 1e-12);
    assert!((normal_quantile(0.001) + 3.090_232_306).abs() < 1e-6);
}

#[test]
fn hessian_of_quadratic_is_exact_even_at_a_bound() {
    // f(x) = −½ xᵀ A x + x₁ with A = [[4, 1], [1, 2]]: Hessian −A everywhere.
    let mut f =
        |x: &[f64]| Ok::<_, ()>(-0.5 * (4.0 * x[0] * x[0] + 2.0 * x[0] * x[1] + 2.0 * x[1] * x[1]) + x[0]);
    for point in [[0.2, 0.3], [1.0, 0.0]] {
        let hessian = numerical_hessian(&mut f, &point, &[(0.0, 1.0), (0.0, 1.0)], 1e-3).unwrap();
        let expected = [[-4.0, -1.0], [-1.0, -2.0]];
        for i in 0..2 {
            for j in 0..2 {
                assert!(
                    (hessian[i][j] - expected[i][j]).abs() < 1e-5,
                    "at {point:?}: H[{i}][{j}] = {}",
                    hessian[i][j]
                );
            }
        }
    }
}

#[test]
fn curvature_interval_of_binomial_likelihood_matches_wald() {
    // k successes out of n: MLE k/n, standard error sqrt(p(1 − p)/n).
    let (k, n) = (30.0, 100.0);
    let mut log_likelihood = |p: &[f64]| Ok::<_, ()>(k * p[0].ln() + (n - k) * (1.0 - p[0]).ln());
    let estimate = [k / n];
    let bounds = [(0.01, 0.99)];
    let hessian = numerical_hessian(&mut log_likelihood, &estimate, &bounds, 1e-4).unwrap();
    let intervals = curvature_intervals(&estimate, &hessian, &bounds, 0.95)
        .unwrap()
        .unwrap();
    let se = (0.3f64 * 0.7 / 100.0).sqrt();
    assert!((intervals[0].std_error.unwrap() - se).abs() < 1e-5);
    assert!((intervals[0].low - (0.3 - 1.959964 * se)).abs() < 1e-4);
    assert!((intervals[0].high - (0.3 + 1.959964 * se)).abs() < 1e-4);
    assert!(!intervals[0].clipped);

    // Clipped at a bound, and None when the likelihood is flat in a direction.
    let clipped = curvature_intervals(&[0.95], &[vec![-100.0]], &[(0.0, 1.0)], 0.95)
        .unwrap()
        .unwrap();
    assert_eq!(clipped[0].high, 1.0);
    assert!(clipped[0].clipped);
    let flat = [vec![-1.0, 0.0], vec![0.0, 0.0]];
    assert!(
        curvature_intervals(&[0.5, 0.5], &flat, &[(0.0, 1.0); 2], 0.95)
            .unwrap()
            .is_none()
    );
}

#[test]
fn profile_interval_of_gaussian_likelihood() {
    // ℓ(θ) = −(θ − 1)² / (2·0.25): standard error 0.5, 95 % interval 1 ± 0.98.
    let mut profile = |theta: f64| Ok::<_, ()>(-(theta - 1.0).powi(2) / 0.5);
    let interval = profile_interval(&mut profile, 1.0, 0.0, (-5.0, 5.0), 0.95, 20, 1e-9).unwrap();
    assert!(
        (interval.low - (1.0 - 1.959964 * 0.5)).abs() < 1e-5,
        "{interval:?}"
    );
    assert!(
        (interval.high - (1.0 + 1.959964 * 0.5)).abs() < 1e-5,
        "{interval:?}"
    );
    assert!(!interval.clipped);
    let clipped = profile_interval(&mut profile, 1.0, 0.0, (0.5, 5.0), 0.95, 20, 1e-9).unwrap();
    assert_eq!(clipped.low, 0.5);
    assert!(clipped.clipped);
}
