/**
 * The HTML report: one self-contained file (inline CSS, JS and SVG; no network), with totals,
 * charts of findings by category, by assistant and over time, and a table filtered in the page
 * by text, category, severity and assistant. Data is embedded as JSON with `<` escaped so no
 * value can close the script element; cells are filled with textContent, never innerHTML.
 */
import { formatBytes } from '../progress.js';
import type { ScanReport } from '../types.js';
import { escapeHtml, horizontalBars, timeBars } from './charts.js';
import { formatPath } from './text.js';

function countBy(values: string[]): [string, number][] {
  const map = new Map<string, number>();
  for (const v of values) map.set(v, (map.get(v) ?? 0) + 1);
  return [...map.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
}

function byDay(report: ScanReport): [string, number][] {
  const days = report.findings
    .map((f) =>
      f.timestamp && !Number.isNaN(Date.parse(f.timestamp))
        ? new Date(f.timestamp).toISOString().slice(0, 10)
        : '',
    )
    .filter((d) => d !== '');
  return countBy(days).sort((a, b) => (a[0] < b[0] ? -1 : 1));
}

const STYLE = `
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#1d2330;background:#fafbfc}
h1{font-size:20px;margin:0 0 4px}.sub{color:#5b6475;margin-bottom:16px}
.totals{display:flex;gap:12px;flex-wrap:wrap;margin:12px 0}.totals div{background:#fff;border:1px solid #dde1e8;border-radius:6px;padding:8px 12px}
.totals b{display:block;font-size:18px}.charts{display:flex;gap:16px;flex-wrap:wrap}
.chart{background:#fff;border:1px solid #dde1e8;border-radius:6px;padding:8px;margin:0}.chart figcaption{font-weight:600;margin-bottom:4px}
.chart text{font-size:11px;fill:#333}.filters{display:flex;gap:8px;margin:16px 0 8px;flex-wrap:wrap;align-items:center}
input,select{font:inherit;padding:4px 6px}table{border-collapse:collapse;width:100%;background:#fff}
th,td{border-bottom:1px solid #e6e8ee;padding:4px 6px;text-align:left;vertical-align:top}th{background:#f0f2f6;position:sticky;top:0}
td.v{font-family:ui-monospace,monospace;word-break:break-all}.sev-critical{color:#a0198a;font-weight:700}.sev-high{color:#c62828;font-weight:600}
.sev-medium{color:#b26a00}.sev-low{color:#00799e}.warn{color:#8a5300}`;

const SCRIPT = `
const data = JSON.parse(document.getElementById('scan-data').textContent);
const body = document.querySelector('#findings tbody');
const controls = ['filter-text','filter-category','filter-severity','filter-assistant'].map((id) => document.getElementById(id));
const cols = ['severity','category','ruleId','file','line','path','role','assistant','value'];
const rows = data.map((f) => {
  const tr = document.createElement('tr');
  for (const c of cols) {
    const td = document.createElement('td');
    td.textContent = String(f[c]);
    if (c === 'severity') td.className = 'sev-' + f.severity;
    if (c === 'value') td.className = 'v';
    tr.appendChild(td);
  }
  tr.dataset.category = f.category; tr.dataset.severity = f.severity; tr.dataset.assistant = f.assistant;
  tr.dataset.text = cols.map((c) => String(f[c])).join(' ').toLowerCase();
  body.appendChild(tr);
  return tr;
});
function apply() {
  const [text, category, severity, assistant] = controls.map((c) => c.value.toLowerCase());
  let shown = 0;
  for (const tr of rows) {
    const ok = (!text || tr.dataset.text.includes(text)) && (!category || tr.dataset.category === category)
      && (!severity || tr.dataset.severity === severity) && (!assistant || tr.dataset.assistant === assistant);
    tr.hidden = !ok;
    if (ok) shown++;
  }
  document.getElementById('shown-count').textContent = shown + ' of ' + rows.length + ' findings shown';
}
for (const c of controls) c.addEventListener('input', apply);
apply();`;

function options(id: string, label: string, values: string[]): string {
  const opts = values.map((v) => `<option value="${escapeHtml(v)}">${escapeHtml(v)}</option>`).join('');
  return `<label>${escapeHtml(label)} <select id="${id}"><option value="">all</option>${opts}</select></label>`;
}

export function renderHtml(report: ScanReport): string {
  const t = report.totals;
  const rows = report.findings.map((f) => ({
    severity: f.severity,
    category: f.category,
    ruleId: f.ruleId,
    file: f.file,
    line: f.line,
    path: formatPath(f.path),
    role: f.role,
    assistant: f.assistant,
    value: f.value ?? f.preview,
  }));
  const json = JSON.stringify(rows)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
  const categories = countBy(report.findings.map((f) => f.category));
  const assistants = countBy(report.findings.map((f) => f.assistant));
  const severities = (['critical', 'high', 'medium', 'low'] as const).filter((s) => t.bySeverity[s] > 0);
  const warnings = report.warnings
    .map(
      (w) =>
        `<li class="warn">${escapeHtml(w.file)}${w.line !== undefined ? `:${w.line}` : ''}: ${escapeHtml(w.message)}</li>`,
    )
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<title>Airlock scan report</title><style>${STYLE}</style></head><body>
<h1>Airlock scan report</h1>
<div class="sub">${escapeHtml(report.startedAt)} · ${escapeHtml(report.roots.join(', '))}</div>
<div class="totals">
<div><b id="total-findings">${t.findings}</b>findings</div>
<div><b>${t.bySeverity.critical} / ${t.bySeverity.high} / ${t.bySeverity.medium} / ${t.bySeverity.low}</b>critical / high / medium / low</div>
<div><b>${t.files}</b>files (${t.filesSkipped} skipped)</div>
<div><b>${escapeHtml(formatBytes(t.bytes))}</b>${t.records} records</div>
<div><b>${t.baselined}</b>accepted by baseline</div>
${t.unlisted ? `<div><b>${t.unlisted}</b>not listed (over the per-file limit; counted above)</div>` : ''}
</div>
<div class="charts">
${horizontalBars('Findings by category', categories, 'chart-category')}
${horizontalBars('Findings by assistant', assistants, 'chart-assistant')}
${timeBars('Findings over time (by day)', byDay(report), 'chart-time')}
</div>
<div class="filters">
<label>Search <input id="filter-text" type="search" placeholder="file, rule, path…"></label>
${options(
  'filter-category',
  'Category',
  categories.map(([c]) => c),
)}
${options('filter-severity', 'Severity', [...severities])}
${options(
  'filter-assistant',
  'Assistant',
  assistants.map(([a]) => a),
)}
<span id="shown-count"></span>
</div>
<table id="findings"><thead><tr><th>Severity</th><th>Category</th><th>Rule</th><th>File</th><th>Line</th><th>JSON path</th><th>Role</th><th>Assistant</th><th>Value</th></tr></thead><tbody></tbody></table>
${warnings ? `<h2>Warnings (${report.warnings.length})</h2><ul>${warnings}</ul>` : ''}
<script type="application/json" id="scan-data">${json}</script>
<script>${SCRIPT}</script>
</body></html>
`;
}
