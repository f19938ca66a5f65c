// The server-side measurement window: CPU time and memory of the server process read from /proc at the
// start and end of the load, plus who was the bottleneck.
import os from 'node:os';
import { cpuMicros, memory, machineTicks } from './proc.mjs';

export const CORES = os.availableParallelism?.() ?? os.cpus().length;

export class Window {
  constructor(pid) {
    this.pid = pid;
    this.cpu0 = null;
    this.cpu1 = null;
  }
  begin() {
    this.cpu0 = cpuMicros(this.pid);
    this.machine0 = machineTicks();
  }
  end() {
    this.cpu1 = cpuMicros(this.pid);
    this.mem = memory(this.pid);
    this.machine1 = machineTicks();
  }
  /** Busy fraction of the whole machine (all processes, 0..1) during the window. */
  get machineBusy() {
    if (!this.machine0 || !this.machine1) return null;
    const total = this.machine1.total - this.machine0.total;
    return total > 0 ? (this.machine1.busy - this.machine0.busy) / total : null;
  }
  get serverCpuMicros() {
    return this.cpu0 === null || this.cpu1 === null ? null : this.cpu1 - this.cpu0;
  }
}

/**
 * Who limited the throughput: 'server' when it used >= 90% of a core; else 'generator' when the client was
 * at >= 95% of its threads or the two together filled >= 90% of the cores; else 'contended' when the machine
 * was >= 90% busy anyway (other processes took the CPU); else 'server' (latency-bound, nobody saturated).
 */
export function limitOf({ serverCpuMicros, clientCpuMicros, seconds, clientThreads, machineBusy }) {
  if (serverCpuMicros == null || clientCpuMicros == null || !seconds) return null;
  const wall = seconds * 1e6;
  const serverShare = serverCpuMicros / wall;
  const clientShare = clientCpuMicros / wall;
  if (serverShare >= 0.9) return 'server';
  const clientBusy = clientShare >= 0.95 * Math.min(clientThreads, CORES);
  const pairFull = serverShare + clientShare >= 0.9 * CORES;
  if (clientBusy || pairFull) return 'generator';
  if (machineBusy != null && machineBusy >= 0.9) return 'contended';
  return 'server';
}
