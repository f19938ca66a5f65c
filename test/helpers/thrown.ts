// What a call throws, as "Name: message" ('nothing thrown' if it returns). Errors made by the addon belong to
// Node's own realm, not jest's, so they are judged by name and message rather than by instanceof.
export function thrownBy<T>(fn: (arg: T) => unknown, arg: T): string {
  try {
    fn(arg);
  } catch (err) {
    return `${(err as Error).name}: ${(err as Error).message}`;
  }
  return 'nothing thrown';
}
