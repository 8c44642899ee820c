/**
 * Defence in depth for tenant isolation: keeps only the items whose fields equal `expected`
 * exactly, letter case included. Keys are case-exact, so a dropped item means a key or index bug;
 * it is logged as an error and never served. (The logger loads only then: this sits on the API's
 * hot path, which keeps its cold start small.)
 */
export function exactly<T extends object>(items: T[], expected: Partial<T>, what: string): T[] {
  const fields = Object.entries(expected).filter(([, value]) => value !== undefined);
  const kept = items.filter((item) =>
    fields.every(([name, value]) => (item as Record<string, unknown>)[name] === value),
  );
  if (kept.length !== items.length) {
    const detail = {
      what,
      expected: Object.fromEntries(fields),
      dropped: items.length - kept.length,
    };
    void import("./log").then(({ logger }) =>
      logger().error(detail, "a query returned items outside its exact scope"),
    );
  }
  return kept;
}
