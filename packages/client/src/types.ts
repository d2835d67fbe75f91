import type { paths as BookingPaths } from './generated/booking.ts';
import type { paths as GatewayPaths } from './generated/gateway.ts';

type Json<T> = T extends { content: { 'application/json': infer B } } ? B : never;

export type QueueStatus = Json<GatewayPaths['/v1/queue/status']['get']['responses'][200]>;
export type JoinResult = Json<GatewayPaths['/v1/queue/tokens']['post']['responses'][201]>;
export type RoomStats = Json<GatewayPaths['/v1/admin/queues/{concertId}']['get']['responses'][200]>;
export type RoomConfig = RoomStats['config'];
export type Concert = Json<BookingPaths['/v1/concerts']['get']['responses'][200]>[number];
export type Schedule = Json<
  BookingPaths['/v1/concerts/{concertId}/schedules']['get']['responses'][200]
>[number];
export type Seat = Json<BookingPaths['/v1/schedules/{scheduleId}/seats']['get']['responses'][200]>[number];
export type Hold = Json<BookingPaths['/v1/reservations']['post']['responses'][201]>;
export type Reservation = Json<BookingPaths['/v1/reservations/{reservationId}']['get']['responses'][200]>;
export type Payment = Json<BookingPaths['/v1/payments']['post']['responses'][201]>;
export type Balance = Json<BookingPaths['/v1/users/{userId}/balance']['get']['responses'][200]>;
export type CreateConcertBody = NonNullable<
  BookingPaths['/v1/admin/concerts']['post']['requestBody']
>['content']['application/json'];
export type ConcertSales = Json<BookingPaths['/v1/admin/concerts/{concertId}']['get']['responses'][200]>;

/** A status after which nothing more happens to a queue token. */
export type FinalQueueStatus = Exclude<QueueStatus, { status: 'WAITING' }>;
