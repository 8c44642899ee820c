/** True when DynamoDB refused a write because its condition did not hold. */
function isConditionalFailure(error: unknown): boolean {
  for (let e = error as { name?: string; cause?: unknown; message?: string } | undefined; e; ) {
    if (e.name === "ConditionalCheckFailedException") return true;
    if (typeof e.message === "string" && e.message.includes("conditional request failed"))
      return true;
    e = e.cause as typeof e;
  }
  return false;
}

/**
 * Runs a conditional write: its result, or undefined when the condition did not hold (a
 * duplicate or reordered event lost the race). Every other error is rethrown.
 */
export async function conditional<T>(write: Promise<T>): Promise<T | undefined> {
  try {
    return await write;
  } catch (error) {
    if (isConditionalFailure(error)) return undefined;
    throw error;
  }
}
