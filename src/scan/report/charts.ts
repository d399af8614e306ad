/**
 * Inline SVG bar charts for the HTML report, generated here so the report needs no chart
 * library and no network: horizontal bars for counts by label, vertical bars for a series.
 */

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

const PALETTE = ['#4f6bed', '#e0533d', '#e9a23b', '#3ba776', '#8a5cd1', '#2aa7b8', '#c74d9c', '#7a8899'];

export function horizontalBars(title: string, counts: [string, number][], id: string): string {
  const rowHeight = 26;
  const labelWidth = 150;
  const barWidth = 260;
  const height = Math.max(counts.length, 1) * rowHeight + 10;
  const max = Math.max(1, ...counts.map(([, n]) => n));
  const rows = counts
    .map(([label, n], i) => {
      const y = i * rowHeight + 5;
      const w = Math.max(2, Math.round((n / max) * barWidth));
      return (
        `<text x="${labelWidth - 6}" y="${y + 16}" text-anchor="end">${escapeHtml(label)}</text>` +
        `<rect x="${labelWidth}" y="${y + 3}" width="${w}" height="${rowHeight - 8}" fill="${PALETTE[i % PALETTE.length]}" rx="3"><title>${escapeHtml(label)}: ${n}</title></rect>` +
        `<text x="${labelWidth + w + 6}" y="${y + 16}">${n}</text>`
      );
    })
    .join('');
  const empty = counts.length === 0 ? `<text x="10" y="20">no findings</text>` : '';
  return `<figure class="chart" id="${id}"><figcaption>${escapeHtml(title)}</figcaption><svg role="img" aria-label="${escapeHtml(title)}" viewBox="0 0 ${labelWidth + barWidth + 50} ${height}" width="${labelWidth + barWidth + 50}" height="${height}">${rows}${empty}</svg></figure>`;
}

export function timeBars(title: string, series: [string, number][], id: string): string {
  const width = 460;
  const height = 180;
  const plotTop = 10;
  const plotBottom = height - 40;
  const max = Math.max(1, ...series.map(([, n]) => n));
  const left = 60; // room for the first rotated date label
  const step = series.length > 0 ? (width - left - 10) / series.length : 0;
  const bars = series
    .map(([label, n], i) => {
      const h = Math.max(1, Math.round((n / max) * (plotBottom - plotTop)));
      const x = left + i * step;
      const w = Math.max(1, step * 0.8);
      const showLabel = series.length <= 12 || i % Math.ceil(series.length / 12) === 0;
      return (
        `<rect x="${x.toFixed(1)}" y="${plotBottom - h}" width="${w.toFixed(1)}" height="${h}" fill="#4f6bed"><title>${escapeHtml(label)}: ${n}</title></rect>` +
        (showLabel
          ? `<text x="${(x + w / 2).toFixed(1)}" y="${plotBottom + 14}" text-anchor="end" transform="rotate(-35 ${(x + w / 2).toFixed(1)} ${plotBottom + 14})">${escapeHtml(label)}</text>`
          : '')
      );
    })
    .join('');
  const axis = `<line x1="${left - 2}" y1="${plotBottom}" x2="${width - 8}" y2="${plotBottom}" stroke="#999"/><text x="${left - 6}" y="${plotTop + 10}" text-anchor="end">${max}</text>`;
  const empty = series.length === 0 ? `<text x="30" y="60">no dated findings</text>` : '';
  return `<figure class="chart" id="${id}"><figcaption>${escapeHtml(title)}</figcaption><svg role="img" aria-label="${escapeHtml(title)}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}">${axis}${bars}${empty}</svg></figure>`;
}
