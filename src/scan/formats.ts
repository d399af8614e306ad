/**
 * The scan report formats, apart from the scanner: the CLI lists them in `airlock --help`
 * without loading the scan engine.
 */
import type { ReportFormat } from './report/render.js';

export type { ReportFormat };
export const REPORT_FORMATS: readonly ReportFormat[] = ['text', 'json', 'sarif', 'html'];
