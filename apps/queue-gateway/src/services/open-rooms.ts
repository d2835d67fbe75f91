import type { QueueCore, RoomStats } from '@concert/queue-core';

/**
 * Every open room with its stats, ordered by concert: one stats read per room (there is one room per
 * concert on sale). A room closed between the two reads is simply left out.
 */
export async function readOpenRoomStats(queue: QueueCore): Promise<RoomStats[]> {
  const ids = await queue.listOpenRooms();
  const rooms = await Promise.all(ids.map((id) => queue.readRoomStats(id)));
  return rooms.filter((room): room is RoomStats => room !== null);
}
