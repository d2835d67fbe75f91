export { type BookingAppOptions, buildBookingApp, default as bookingApp } from './app.ts';
export { startWorkers, type WorkerRuntime } from './workers/index.ts';
