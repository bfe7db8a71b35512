/** A unit of the tree as the console knows it. */
export interface TreeUnit {
  id: string;
  parentId: string | null;
}

/** The unit and every unit below it (the unit-tree filter of the board). */
export function subtreeOf(units: ReadonlyMap<string, TreeUnit>, root: string): Set<string> {
  const children = new Map<string, string[]>();
  for (const u of units.values()) if (u.parentId) children.set(u.parentId, [...(children.get(u.parentId) ?? []), u.id]);
  const out = new Set<string>();
  const stack = [root];
  while (stack.length) {
    const id = stack.pop()!;
    if (out.has(id)) continue;
    out.add(id);
    stack.push(...(children.get(id) ?? []));
  }
  return out;
}
