/** Thrown for our own bugs only. Nobody catches this to carry on: the command or batch dies and we page. */
export class InvariantViolation extends Error {
  override readonly name = 'InvariantViolation';
}

export function invariant(condition: boolean, message: string): asserts condition {
  if (!condition) throw new InvariantViolation(message);
}
