// settings.reusePort: each process binds the port itself with SO_REUSEPORT and the kernel spreads new
// connections over them (no primary in the accept path). net's `reusePort` listen option exists from
// Node 22.12 and 23.1 on, and only where the kernel balances (Linux 3.9+, FreeBSD 12+, DragonFly BSD,
// Solaris 11.4, AIX 7.2.5): older lines ignore the option silently, other platforms fail at listen().
import { ErrorCode, KrozenError } from './base/errors';

const PLATFORMS = new Set(['linux', 'freebsd', 'sunos', 'aix']);

/** Why reusePort cannot work in this process, or null when it can. */
export function reusePortUnsupported(
  version = process.versions.node,
  platform: string = process.platform,
): string | null {
  const [major, minor] = version.split('.').map(Number);
  if (major < 22 || (major === 22 && minor < 12) || (major === 23 && minor < 1)) {
    return `settings.reusePort needs Node 22.12+ or 23.1+ (this is Node ${version}); with settings.workers > 1, node:cluster shares the port instead`;
  }
  if (!PLATFORMS.has(platform)) {
    return `settings.reusePort needs a kernel that balances SO_REUSEPORT (Linux, FreeBSD, Solaris, AIX; this is ${platform}); use settings.workers > 1 (node:cluster) instead`;
  }
  return null;
}

/** Throws the clear error when settings.reusePort is asked for where it cannot work. */
export function assertReusePort(): void {
  const why = reusePortUnsupported();
  if (why !== null) throw new KrozenError(ErrorCode.UNSUPPORTED, `krozen: ${why}`);
}
