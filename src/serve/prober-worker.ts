// The probe worker thread of `kia serve`: runs health cycles and audits when asked, one of each at a time.
import { parentPort, workerData } from 'node:worker_threads';
import { fromPlain, InThreadProber, type ProberSettings } from './prober.ts';

const settings = workerData as ProberSettings & { identities: Parameters<typeof fromPlain>[0][] };
const prober = new InThreadProber({ ...settings, identities: settings.identities.map(fromPlain) });

parentPort?.on('message', (message: { id: number; type: 'cycle' | 'audit' | 'metrics' }) => {
  const work = message.type === 'cycle' ? prober.cycle() : message.type === 'audit' ? prober.audit() : prober.initialMetrics();
  work.then(
    (value) => parentPort?.postMessage({ id: message.id, ok: true, value }),
    (error: unknown) => parentPort?.postMessage({ id: message.id, ok: false, error: error instanceof Error ? error.message : String(error) }),
  );
});
