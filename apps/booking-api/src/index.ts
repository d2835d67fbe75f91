export { type BookingAppOptions, buildBookingApp, default as bookingApp } from './app.ts';
export { type BookingTuning, loadBookingTuning } from './settings.ts';
export { startWorkers, type WorkerRuntime } from './workers/index.ts';
