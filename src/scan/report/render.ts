/** One entry point for every report format. */
import type { ScanReport } from '../types.js';
import { renderHtml } from './html.js';
import { renderSarif } from './sarif.js';
import { renderText } from './text.js';

export type ReportFormat = 'text' | 'json' | 'sarif' | 'html';

export interface RenderOptions {
  color: boolean;
  reveal: boolean;
}

export function renderReport(report: ScanReport, format: ReportFormat, opts: RenderOptions): string {
  switch (format) {
    case 'text':
      return renderText(report, opts);
    case 'json':
      return `${JSON.stringify(report, null, 2)}\n`;
    case 'sarif':
      return `${JSON.stringify(renderSarif(report), null, 2)}\n`;
    case 'html':
      return renderHtml(report);
  }
}
