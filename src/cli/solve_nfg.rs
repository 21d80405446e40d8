//! Normal-form games for `demarche solve`.
use super::args::SolverFlag;
use super::common::CliError;
use super::solve::SolvedGame;
use crate::game::normal::NormalForm;

pub(super) fn solve_normal(
    _name: String,
    _nfg: &NormalForm,
    _s: SolverFlag,
    _l: f64,
) -> Result<SolvedGame, CliError> {
    Err(CliError::Failure("todo".into()))
}
