//! The self-contained HTML page: inline CSS and SVG, no scripts to run, nothing fetched.
//! The markup is also well-formed XML (every element closed, text escaped), so tests can
//! read it with an XML parser.

use std::fmt::Write;

use super::render::xml_escape;
use super::{Report, Table};

const STYLE: &str = "\
body { font-family: sans-serif; max-width: 920px; margin: 2em auto; padding: 0 1em; color: #222; }
h1 { font-size: 1.5em; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; font-size: 0.9em; }
th, td { border: 1px solid #bbb; padding: 2px 8px; }
td.number { text-align: right; font-variant-numeric: tabular-nums; }
dl.facts { display: grid; grid-template-columns: max-content auto; gap: 2px 1em; }
dl.facts dt { font-weight: bold; }
dl.facts dd { margin: 0; }
figure { margin: 2em 0; }
figure svg { max-width: 100%; height: auto; }
figcaption { font-size: 0.9em; color: #444; }
p.note { color: #8a4b00; }
";

/// `svgs[i]` is the rendered `report.figures[i]`; `json[i]` its data block.
pub fn render_html(report: &Report, svgs: &[String], json: &[String]) -> String {
    let mut html = String::new();
    let title = format!(
        "demarche {} report: {}",
        report.kind.command(),
        report.provenance.scenario
    );
    let _ = write!(
        html,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n<title>{}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n",
        xml_escape(&title)
    );
    let _ = writeln!(html, "<h1>{}</h1>", xml_escape(&title));
    html.push_str("<dl class=\"facts\">\n");
    for (name, value) in &report.facts {
        let _ = writeln!(
            html,
            "<dt>{}</dt><dd>{}</dd>",
            xml_escape(name),
            xml_escape(value)
        );
    }
    html.push_str("</dl>\n");
    for note in &report.notes {
        let _ = writeln!(html, "<p class=\"note\">{}</p>", xml_escape(note));
    }
    if !report.tables.is_empty() {
        html.push_str("<h2>Numbers</h2>\n");
        for table in &report.tables {
            write_table(&mut html, table);
        }
    }
    html.push_str("<h2>Figures</h2>\n");
    for (number, ((figure, svg), data)) in report.figures.iter().zip(svgs).zip(json).enumerate() {
        let _ = write!(
            html,
            "<figure id=\"figure-{id}\" data-figure=\"{id}\">\n{svg}\n<figcaption><b>Figure {}.</b> {} \
             (<code>figures/{id}.svg</code>)</figcaption>\n\
             <script type=\"application/json\" class=\"figure-data\" data-figure=\"{id}\">{data}</script>\n</figure>\n",
            number + 1,
            xml_escape(&figure.caption),
            id = figure.id,
        );
    }
    html.push_str("</body>\n</html>\n");
    html
}

fn write_table(html: &mut String, table: &Table) {
    let _ = writeln!(html, "<h3>{}</h3>", xml_escape(&table.title));
    html.push_str("<table>\n<thead><tr>");
    for header in &table.headers {
        let _ = write!(html, "<th>{}</th>", xml_escape(header));
    }
    html.push_str("</tr></thead>\n<tbody>\n");
    for row in &table.rows {
        html.push_str("<tr>");
        for cell in row {
            let class = if cell.parse::<f64>().is_ok() {
                " class=\"number\""
            } else {
                ""
            };
            let _ = write!(html, "<td{class}>{}</td>", xml_escape(cell));
        }
        html.push_str("</tr>\n");
    }
    html.push_str("</tbody>\n</table>\n");
    if table.total_rows > table.rows.len() {
        let _ = writeln!(
            html,
            "<p class=\"note\">Showing the first {} of {} rows; the CSV has them all.</p>",
            table.rows.len(),
            table.total_rows
        );
    }
}
