/** Row ids shared by the handlers. */

/** The event's own id (Ponder's `event.id`: unique and ordered within the chain). */
export function eventId(event: { id: string }): string {
  return event.id;
}
