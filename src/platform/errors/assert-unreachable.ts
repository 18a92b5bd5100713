/** The `default:` of an exhaustive `switch`: a new case that is not handled fails the type-check. */
export function assertUnreachable(value: never): never {
  throw new Error(`Unhandled case: ${String(value)}`);
}
