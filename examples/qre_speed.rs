use demarche::solve::random::random_signaling_game;
use demarche::solve::{SolverKind, Workspace, solve_into};
fn main() {
    for per_type in [100, 250, 500] {
        let game = random_signaling_game(2, per_type, 7);
        let mut ws = Workspace::new(&game);
        let mut prof = game.uniform_profile();
        let t = std::time::Instant::now();
        let n = 3;
        for _ in 0..n {
            solve_into(&game, &SolverKind::Qre { lambda: 2.0 }, &mut ws, &mut prof).unwrap();
        }
        eprintln!("nodes {} : {:.1} us per solve", game.n_nodes(), t.elapsed().as_secs_f64() / n as f64 * 1e6);
    }
}
