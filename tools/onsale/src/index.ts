export { renderHtmlReport } from './html-report.ts';
export { createProgressView, formatProgress, type Progress } from './progress.ts';
export { formatReport } from './report.ts';
export {
  DEFAULT_OPTIONS,
  type OnSaleOptions,
  type OnSaleReport,
  type RoomSettings,
  runOnSale,
} from './simulate.ts';
