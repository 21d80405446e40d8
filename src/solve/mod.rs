//! Solvers: subgame-perfect equilibrium, agent logit QRE, regret; normal-form solvers.
