//! Solver throughput: backward passes (SPE and perfect-information logit QRE) per node on
//! random trees of 10^3, 10^5 and 10^6 nodes, and the imperfect-information logit QRE on
//! a signaling game of about 1,000 nodes.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use demarche::game::Profile;
use demarche::solve::random::{TreeShape, random_perfect_information_tree, random_signaling_game};
use demarche::solve::{QreConfig, QreMethod, SolverKind, Workspace, solve_into, solve_qre_into};
use std::hint::black_box;
use std::time::Duration;

fn backward_passes(c: &mut Criterion) {
    let mut group = c.benchmark_group("backward_pass");
    group.measurement_time(Duration::from_secs(3)).sample_size(10);
    for nodes in [1_000usize, 100_000, 1_000_000] {
        let game = random_perfect_information_tree(
            &TreeShape {
                n_players: 2,
                min_nodes: nodes,
                ..TreeShape::default()
            },
            7,
        );
        let mut ws = Workspace::new(&game);
        let mut profile = Profile {
            probs: vec![0.0; game.n_actions()],
        };
        group.throughput(Throughput::Elements(game.n_nodes() as u64));
        for (name, kind) in [("spe", SolverKind::Spe), ("qre", SolverKind::Qre { lambda: 2.0 })] {
            group.bench_with_input(BenchmarkId::new(name, nodes), &kind, |b, kind| {
                b.iter(|| solve_into(black_box(&game), kind, &mut ws, &mut profile).unwrap())
            });
        }
    }
    group.finish();
}

fn signaling_qre(c: &mut Criterion) {
    let mut group = c.benchmark_group("qre_signaling");
    group.measurement_time(Duration::from_secs(3)).sample_size(10);
    // The default tracer (pseudo-arclength on the beliefs) and the opt-in belief
    // continuation on ~1,000 nodes, and the default tracer on ~100 nodes.
    for (nodes_per_type, method) in [
        (500, QreMethod::Arclength),
        (500, QreMethod::BeliefContinuation),
        (50, QreMethod::Arclength),
    ] {
        let game = random_signaling_game(2, nodes_per_type, 11);
        let mut ws = Workspace::new(&game);
        let mut profile = Profile {
            probs: vec![0.0; game.n_actions()],
        };
        group.throughput(Throughput::Elements(game.n_nodes() as u64));
        for lambda in [0.05, 0.5, 2.0] {
            let config = QreConfig {
                lambda,
                method,
                ..QreConfig::default()
            };
            let id = BenchmarkId::new(format!("{method:?}/{}_nodes", game.n_nodes()), lambda);
            group.bench_with_input(id, &config, |b, config| {
                b.iter(|| solve_qre_into(black_box(&game), config, &mut ws, &mut profile).unwrap())
            });
        }
    }
    group.finish();
}

criterion_group!(benches, backward_passes, signaling_qre);
criterion_main!(benches);
