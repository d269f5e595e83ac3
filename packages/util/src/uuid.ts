const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True for a syntactically valid UUID, any version, either case (ids are UUIDs; anything else cannot exist). */
export const isUuid = (value: string): boolean => UUID.test(value);
