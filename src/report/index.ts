// report/: the contract performance report (per vendor, per period label): the model built from a
// measurement with every slice kept, and its Markdown and HTML renderings.
export { buildReport, burnSeries, type PerformanceReport, type VendorReport, type BuildReportRequest } from './model.js';
export { renderMarkdown } from './markdown.js';
export { renderHtml } from './html.js';
