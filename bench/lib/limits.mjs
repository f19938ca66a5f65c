// File-descriptor limits: ws-idle needs 10,000 sockets in the server and as many in the generator.
import { execFileSync } from 'node:child_process';

/** The hard RLIMIT_NOFILE a child may raise its soft limit to (Infinity for "unlimited"). */
export function hardFdLimit() {
  try {
    const out = execFileSync('/bin/sh', ['-c', 'ulimit -Hn'], { encoding: 'utf8' }).trim();
    return out === 'unlimited' ? Infinity : Number(out);
  } catch {
    return 1024;
  }
}

/** Wraps a command so it runs with its soft fd limit raised to the hard one; exec keeps the same PID. */
export function withRaisedFdLimit(command, args) {
  return [
    '/bin/sh',
    ['-c', 'ulimit -n "$(ulimit -Hn)" 2>/dev/null || ulimit -n 1048576 2>/dev/null; exec "$0" "$@"', command, ...args],
  ];
}
