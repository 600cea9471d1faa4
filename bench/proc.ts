// What the bench reads from /proc: CPU time and memory of processes and of the machine.
import { readdirSync, readFileSync } from 'node:fs';

const TICK = 100; // clock ticks per second (/proc/<pid>/stat)

export function cpuSeconds(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) / TICK;
}
/** A process's resident memory in MB: now (VmRSS) or its peak (VmHWM). */
export function memoryMb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
}
export function machineCpuSeconds(): number {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  return (f[0]! + f[1]! + f[2]! + f[5]! + f[6]! + f[7]!) / TICK; // user nice system irq softirq steal
}
/** CPU seconds used so far by every process whose command name matches (PostgreSQL, RabbitMQ). */
export function serviceCpuSeconds(): Record<string, number> {
  const out: Record<string, number> = { postgres: 0, rabbitmq: 0 };
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
      const key = comm === 'postgres' ? 'postgres' : comm === 'beam.smp' ? 'rabbitmq' : null;
      if (key) out[key]! += cpuSeconds(Number(pid));
    } catch {
      /* process ended */
    }
  }
  return out;
}
