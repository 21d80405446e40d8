//! Independent log-odds of the belief tracer.
//!
//! A log-odds of the beliefs, ln P(node_j) − ln P(node_0) at one set, is a sum of
//! log-probabilities of actions along the two paths: those of the player actions with
//! signs ±1 (the mover's own cancel under perfect recall), plus a constant from the
//! chance actions. Where several sets see the same moves, these sums are linearly
//! dependent: in `signal_3p_two_receivers` a receiver who does not see the other
//! receiver's move holds beliefs over (type, other's move) whose third log-odds is the
//! sum of the first two, and whose type log-odds is the other receiver's own unknown, so
//! 12 log-odds carry 6 independent numbers. At every profile the log-odds the passes
//! compute satisfy these relations (`Y_dep = C · Y_free + d`), so the tracer can take
//! only the independent ones as unknowns and set the others by the same relations: then
//! `G_dep = C · G_free`, and `G_free = 0` is the whole fixed point. Every dense operation
//! of the tracer shrinks with the number of unknowns (the inversion by its cube).
//!
//! [`odds_rows`] writes the log-odds as those ±1 rows, and [`independent_rows`] finds
//! the relations by sparse Gaussian elimination on the rows in their order (the first
//! rows of a dependent group stay free).

use crate::game::Game;

/// The relations among a list of sparse rows: which rows are free (linearly
/// independent of the rows before them) and, for every other row, its coefficients on
/// the free rows.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Relations {
    /// Indices of the free rows, ascending.
    pub free: Vec<u32>,
    /// Per dependent row (ascending): its index and its terms (position in `free`,
    /// coefficient).
    pub dependent: Vec<(u32, Vec<(u32, f64)>)>,
}

/// The rows of the log-odds of `pairs` (node j, its set's first node): per pair, ±1 for
/// every player action on the path to j (+) or to the first node (−) below their common
/// ancestor, sorted by action, without the actions that cancel; as `entries[starts[i]..
/// starts[i + 1]]`. Chance actions (`is_chance`) go into the constants instead.
pub(crate) fn odds_rows(
    game: &Game,
    pairs: &[(u32, u32)],
    is_chance: &[bool],
) -> (Vec<usize>, Vec<(u32, f64)>) {
    // (Parents precede their children in the node order, as the passes need.)
    let mut depth = vec![0u32; game.n_nodes()];
    for n in 1..game.n_nodes() {
        debug_assert!((game.node_parent[n] as usize) < n);
        depth[n] = depth[game.node_parent[n] as usize] + 1;
    }
    let mut starts = Vec::with_capacity(pairs.len() + 1);
    starts.push(0);
    // (Two paths of a few actions each, usually.)
    let mut entries: Vec<(u32, f64)> = Vec::with_capacity(4 * pairs.len());
    for &(a, b) in pairs {
        let first = entries.len();
        let (mut a, mut b) = (a as usize, b as usize);
        while a != b {
            let (node, sign) = if depth[a] >= depth[b] {
                (&mut a, 1.0)
            } else {
                (&mut b, -1.0)
            };
            let action = game.node_in_action[*node];
            if !is_chance[action as usize] {
                entries.push((action, sign));
            }
            *node = game.node_parent[*node] as usize;
        }
        // Sorted, and the same action on both paths (at two nodes of one set) cancels.
        entries[first..].sort_unstable_by_key(|&(c, _)| c);
        let mut kept = first;
        for e in first..entries.len() {
            let (c, x) = entries[e];
            if kept > first && entries[kept - 1].0 == c {
                entries[kept - 1].1 += x;
            } else {
                entries[kept] = (c, x);
                kept += 1;
            }
        }
        entries.truncate(kept);
        let mut out = first;
        for e in first..entries.len() {
            if entries[e].1 != 0.0 {
                entries[out] = entries[e];
                out += 1;
            }
        }
        entries.truncate(out);
        starts.push(entries.len());
    }
    (starts, entries)
}

/// Entries below this magnitude are taken as zero during the elimination (the rows'
/// entries are small integers, so their combinations are far from it unless exactly 0).
const ZERO: f64 = 1e-9;

/// The relations among the rows `entries[starts[i]..starts[i + 1]]` (each a list of
/// (column, coefficient) sorted by column, columns below `columns`), or `None` when the
/// elimination would take more than `budget` entry operations.
pub(crate) fn independent_rows(
    starts: &[usize],
    entries: &[(u32, f64)],
    columns: usize,
    budget: usize,
) -> Option<Relations> {
    // Basis rows in elimination form: each has a pivot column with coefficient 1 and no
    // entry at the pivot of an earlier basis row, and is expressed as a combination of
    // free rows (`expr`, sparse over positions in `free`). Both are kept flat: basis row
    // b is `rows[row_at[b]..row_at[b + 1]]`, its expression likewise.
    let (mut rows, mut row_at) = (Vec::new(), vec![0usize]);
    let (mut exprs, mut expr_at) = (Vec::new(), vec![0usize]);
    // Column -> the basis row pivoting there.
    let mut pivot_of = vec![u32::MAX; columns];
    let n_rows = starts.len() - 1;
    let mut relations = Relations {
        free: Vec::with_capacity(n_rows),
        dependent: Vec::with_capacity(n_rows),
    };
    rows.reserve(entries.len());
    row_at.reserve(n_rows);
    exprs.reserve(entries.len());
    expr_at.reserve(n_rows);
    let mut work = 0usize;
    let (mut v, mut expr, mut scratch) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..starts.len() - 1 {
        v.clear();
        v.extend_from_slice(&entries[starts[i]..starts[i + 1]]);
        expr.clear();
        // Eliminate in basis order: basis row b carries no pivot of rows before it, so
        // once its pivot is gone from `v` no later elimination brings it back. The row
        // is then v + Σ x_b basis_b, and basis_b = Σ expr_b (free rows).
        loop {
            let next = v
                .iter()
                .filter(|&&(c, _)| pivot_of[c as usize] != u32::MAX)
                .map(|&(c, x)| (pivot_of[c as usize] as usize, x))
                .min_by_key(|&(b, _)| b);
            let Some((b, x)) = next else {
                break;
            };
            work += v.len() + row_at[b + 1] - row_at[b] + expr.len() + expr_at[b + 1] - expr_at[b];
            if work > budget {
                return None;
            }
            axpy(&v, -x, &rows[row_at[b]..row_at[b + 1]], &mut scratch);
            std::mem::swap(&mut v, &mut scratch);
            axpy(&expr, x, &exprs[expr_at[b]..expr_at[b + 1]], &mut scratch);
            std::mem::swap(&mut expr, &mut scratch);
        }
        if v.is_empty() {
            relations.dependent.push((i as u32, expr.clone()));
            continue;
        }
        // A new free row: v = row − Σ x_b basis_b, normalised at its largest entry.
        let position = relations.free.len() as u32;
        relations.free.push(i as u32);
        let &(pivot, scale) = v
            .iter()
            .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))
            .expect("non-empty");
        rows.extend(v.iter().map(|&(c, x)| (c, x / scale)));
        row_at.push(rows.len());
        let before = exprs.len();
        exprs.extend(expr.iter().map(|&(f, x)| (f, -x / scale)));
        // (Positions grow with the rows, so the new one sorts last.)
        exprs.push((position, 1.0 / scale));
        debug_assert!(exprs[before..].windows(2).all(|w| w[0].0 < w[1].0));
        expr_at.push(exprs.len());
        pivot_of[pivot as usize] = (row_at.len() - 2) as u32;
    }
    Some(relations)
}

/// `a + x · b` into `out` for sparse vectors sorted by index, without the entries that
/// cancel.
fn axpy(a: &[(u32, f64)], x: f64, b: &[(u32, f64)], out: &mut Vec<(u32, f64)>) {
    out.clear();
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        let (c, v) = if j == b.len() || (i < a.len() && a[i].0 < b[j].0) {
            i += 1;
            a[i - 1]
        } else if i == a.len() || b[j].0 < a[i].0 {
            j += 1;
            (b[j - 1].0, x * b[j - 1].1)
        } else {
            i += 1;
            j += 1;
            (a[i - 1].0, a[i - 1].1 + x * b[j - 1].1)
        };
        if v.abs() > ZERO {
            out.push((c, v));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dense(row: &[f64]) -> Vec<(u32, f64)> {
        row.iter()
            .enumerate()
            .filter(|(_, x)| **x != 0.0)
            .map(|(c, &x)| (c as u32, x))
            .collect()
    }

    fn relations(rows: &[Vec<(u32, f64)>], budget: usize) -> Option<Relations> {
        let mut starts = vec![0];
        let mut entries = Vec::new();
        for row in rows {
            entries.extend_from_slice(row);
            starts.push(entries.len());
        }
        let columns = entries.iter().map(|&(c, _)| c as usize + 1).max().unwrap_or(0);
        independent_rows(&starts, &entries, columns, budget)
    }

    #[test]
    fn dependent_rows_are_combinations_of_the_free_ones() {
        // Rows of a receiver's beliefs over (type, other's move) and the other
        // receiver's type beliefs, as in `signal_3p_two_receivers`.
        let rows = [
            dense(&[0.0, 1.0, -1.0, 0.0]),
            dense(&[1.0, -1.0, 0.0, 0.0]),
            dense(&[1.0, 0.0, -1.0, 0.0]),
            dense(&[1.0, -1.0, 0.0, 0.0]),
            dense(&[0.0, 0.0, 0.0, 2.0]),
        ];
        let r = relations(&rows, 1000).unwrap();
        assert_eq!(r.free, vec![0, 1, 4]);
        assert_eq!(r.dependent.len(), 2);
        assert_eq!(r.dependent[0], (2, vec![(0, 1.0), (1, 1.0)]));
        assert_eq!(r.dependent[1], (3, vec![(1, 1.0)]));
    }

    #[test]
    fn random_combinations_are_recovered() {
        // Free rows of small integers, and dependents mixing them; every dependent row
        // must equal its combination of the free rows.
        let mut state = 12345u64;
        let mut next = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) as i64
        };
        for _ in 0..50 {
            let cols = 12;
            let mut rows: Vec<Vec<f64>> = Vec::new();
            for _ in 0..8 {
                if rows.len() > 2 && next() % 3 == 0 {
                    let (a, b) = (next() as usize % rows.len(), next() as usize % rows.len());
                    let (x, y) = ((next() % 5 - 2) as f64, (next() % 5 - 2) as f64);
                    let row = (0..cols).map(|c| x * rows[a][c] + y * rows[b][c]).collect();
                    rows.push(row);
                } else {
                    rows.push((0..cols).map(|_| (next() % 3 - 1) as f64).collect());
                }
            }
            let sparse: Vec<_> = rows.iter().map(|r| dense(r)).collect();
            let rel = relations(&sparse, 1_000_000).unwrap();
            for (d, terms) in &rel.dependent {
                for c in 0..cols {
                    let combo: f64 = terms
                        .iter()
                        .map(|&(f, x)| x * rows[rel.free[f as usize] as usize][c])
                        .sum();
                    assert!((combo - rows[*d as usize][c]).abs() < 1e-9);
                }
            }
            assert_eq!(rel.free.len() + rel.dependent.len(), rows.len());
        }
    }

    #[test]
    fn the_budget_bounds_the_work() {
        let rows: Vec<_> = (0..50).map(|i| dense(&[1.0, i as f64, 1.0])).collect();
        assert!(relations(&rows, 10).is_none());
        assert!(relations(&rows, 100_000).is_some());
    }
}
