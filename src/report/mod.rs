//! Self-contained HTML and SVG reports from output folders.
