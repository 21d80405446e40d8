//! Solvers for extensive-form games: subgame-perfect equilibrium by backward induction
//! ([`solve_spe`]), the agent logit quantal response equilibrium ([`solve_qre`]) and the
//! agent-form regret of any behaviour profile ([`max_regret`]).
//!
//! The Monte Carlo layer solves one refilled game per trial, so the hot entry point is
//! [`solve_into`]: it takes a [`Workspace`] built once for the game's shape and writes
//! into a caller-owned [`Profile`]. After the first call on a workspace it does not
//! allocate (the dense linear algebra of the general QRE tracer is sized lazily on its
//! first use, then reused).
//!
//! Numbers are not validated here: callers that refill a game check it with
//! [`Game::check_numbers`] first. Non-finite payoffs make the QRE report
//! [`SolveError::NotConverged`] rather than return a guess.

mod blocks;
mod fastexp;
mod layout;
mod linalg;
pub mod normal;
mod qre;
pub mod random;
mod regret;
mod spe;
mod sweep;

use crate::game::{Game, Profile};
use thiserror::Error;

pub use qre::{QreConfig, QreMethod};
pub use regret::max_regret;

/// Which equilibrium [`solve_into`] computes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum SolverKind {
    /// Subgame-perfect equilibrium by backward induction (perfect information only).
    Spe,
    /// Agent logit QRE at precision `lambda` with the default [`QreConfig`] tolerances.
    Qre { lambda: f64 },
}

/// Why a solver returned no profile.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum SolveError {
    #[error(
        "backward induction needs perfect information, but information set {infoset} holds several nodes"
    )]
    NotPerfectInformation { infoset: String },
    #[error(
        "the logit QRE did not converge: traced up to lambda = {lambda_reached}, residual {residual:e} ({reason})"
    )]
    NotConverged {
        lambda_reached: f64,
        residual: f64,
        reason: &'static str,
    },
    #[error("lambda must be a finite number >= 0, got {0}")]
    InvalidLambda(f64),
    #[error("the QRE tolerance must be a finite number > 0, got {0}")]
    InvalidTolerance(f64),
    #[error("the QRE continuation steps (first and largest) must be numbers > 0, got {0}")]
    InvalidStep(f64),
    #[error("the workspace was built for a game of another shape")]
    WorkspaceMismatch,
    #[error(
        "the game has {unknowns} action probabilities at information sets that the general QRE tracer must solve jointly; the limit is {limit}"
    )]
    TooLarge { unknowns: usize, limit: usize },
}

/// Preallocated scratch for solving games of one shape (the game passed to
/// [`Workspace::new`], or any game with the same structure and refilled numbers).
#[derive(Clone, Debug)]
pub struct Workspace {
    pub(crate) layout: layout::Layout,
    /// Node values `[node * n_players + player]` of the last backward pass.
    pub(crate) values: Vec<f64>,
    pub(crate) qre: qre::QreScratch,
    /// Subgame decomposition for the imperfect-information QRE (see `blocks`).
    pub(crate) blocks: Option<Box<blocks::Blocks>>,
}

impl Workspace {
    /// Precomputes the flat layout of `game` and allocates every buffer the backward
    /// passes and the QRE tracer need for it.
    pub fn new(game: &Game) -> Workspace {
        let layout = layout::Layout::new(game);
        let values = vec![0.0; game.n_nodes() * game.n_players()];
        let qre = qre::QreScratch::new(game, &layout);
        let blocks = blocks::Blocks::new(game).map(Box::new);
        Workspace {
            layout,
            values,
            qre,
            blocks,
        }
    }

    /// Whether this workspace fits `game` (same numbers of nodes, actions and players).
    pub fn fits(&self, game: &Game) -> bool {
        self.layout.fits(game)
    }

    /// Node values `[node * n_players + player]` under the last solved profile, filled
    /// by the backward passes (SPE and perfect-information QRE) and by the general QRE.
    pub fn node_values(&self) -> &[f64] {
        &self.values
    }

    /// How many QRE solves in this workspace (counting each independent block of a
    /// game) the belief tracer handed to the reference tracer on all action
    /// probabilities (which starts from the belief trace's checkpoint and may hand the
    /// solve back). A diagnostic: the answers are the same either way, the time is not.
    pub fn reference_fallbacks(&self) -> usize {
        self.qre.general_traces + self.blocks.as_ref().map_or(0, |b| b.reference_fallbacks())
    }
}

/// Solves `game` into `profile`, reusing `ws`. The hot path of the Monte Carlo layer:
/// no allocation once `profile` has the game's length and `ws` has been used once.
///
/// Chance entries of `profile` are set to the game's chance probabilities.
pub fn solve_into(
    game: &Game,
    kind: &SolverKind,
    ws: &mut Workspace,
    profile: &mut Profile,
) -> Result<(), SolveError> {
    if !ws.fits(game) {
        return Err(SolveError::WorkspaceMismatch);
    }
    if profile.probs.len() != game.n_actions() {
        profile.probs.resize(game.n_actions(), 0.0);
    }
    match *kind {
        SolverKind::Spe => spe::solve_spe_into(game, ws, profile),
        SolverKind::Qre { lambda } => qre_into(
            game,
            &QreConfig {
                lambda,
                ..QreConfig::default()
            },
            ws,
            profile,
        ),
    }
}

/// The subgame-perfect equilibrium of a perfect-information game (chance allowed).
/// See [`spe`](self) for the tie-breaking rule: among the actions whose value for the
/// mover is within `1e-12 · (1 + |best|)` of the best, the first (lowest index) is chosen.
pub fn solve_spe(game: &Game) -> Result<Profile, SolveError> {
    let mut ws = Workspace::new(game);
    let mut profile = Profile {
        probs: vec![0.0; game.n_actions()],
    };
    solve_into(game, &SolverKind::Spe, &mut ws, &mut profile)?;
    Ok(profile)
}

/// [`solve_into`] for the logit QRE with explicit controls (tolerance, [`QreMethod`]).
pub fn solve_qre_into(
    game: &Game,
    config: &QreConfig,
    ws: &mut Workspace,
    profile: &mut Profile,
) -> Result<(), SolveError> {
    qre_into(game, config, ws, profile)
}

/// The QRE entry shared by every caller: games that split into independent blocks
/// (subgames holding the information sets with several nodes) are solved block by
/// block; the others by the general tracer.
pub(crate) fn qre_into(
    game: &Game,
    config: &QreConfig,
    ws: &mut Workspace,
    profile: &mut Profile,
) -> Result<(), SolveError> {
    if !ws.fits(game) {
        return Err(SolveError::WorkspaceMismatch);
    }
    if profile.probs.len() != game.n_actions() {
        profile.probs.resize(game.n_actions(), 0.0);
    }
    if config.method != QreMethod::ArclengthOnActions
        && let Some(blocks) = ws.blocks.as_mut()
    {
        return blocks.solve(game, config, &mut ws.values, profile);
    }
    qre::solve_qre_into(game, config, ws, profile)
}

/// The agent logit QRE at `config.lambda` on the branch traced from the centroid at
/// λ = 0 (Gambit's `logit_solve_lambda` on the extensive game).
pub fn solve_qre(game: &Game, config: &QreConfig) -> Result<Profile, SolveError> {
    let mut ws = Workspace::new(game);
    let mut profile = Profile {
        probs: vec![0.0; game.n_actions()],
    };
    qre_into(game, config, &mut ws, &mut profile)?;
    Ok(profile)
}
