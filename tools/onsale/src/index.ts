export { formatReport } from './report.ts';
export {
  DEFAULT_OPTIONS,
  type OnSaleOptions,
  type OnSaleReport,
  type RoomSettings,
  runOnSale,
} from './simulate.ts';
