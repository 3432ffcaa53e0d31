// What the device holds, as the views read it: the entities store, by kind.

export async function all(db, entity) {
  const held = await db.getAll("entities", IDBKeyRange.bound([entity, ""], [entity, "\uffff"]));
  return held;
}

export function one(db, entity, id) {
  return db.get("entities", [entity, String(id)]);
}
