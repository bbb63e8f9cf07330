// PodLogOptions as the kubelet decodes and validates them (spec §3.5).
export interface LogOptions {
  follow: boolean;
  previous: boolean;
  timestamps: boolean;
  since?: number;
  tailLines?: number;
  limitBytes?: number;
}

const DECODE = '{"message": "Unable to decode query."}';
const INVALID = '{"message": "Invalid request."}';

function bool(value: string | null): boolean | undefined | 'bad' {
  if (value === null) return undefined;
  if (['1', 't', 'T', 'true', 'TRUE', 'True', ''].includes(value)) return value === '' ? 'bad' : true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(value)) return false;
  return 'bad';
}

function int(value: string | null): number | undefined | 'bad' {
  if (value === null) return undefined;
  return /^-?\d+$/.test(value) ? Number(value) : 'bad';
}

export function containerLogOptions(query: URLSearchParams, now: number): LogOptions | { status: number; error: string } {
  const q = new URLSearchParams(query);
  // Legacy `tail=<n>` becomes tailLines; `tail=all` means no limit.
  const tail = q.get('tail');
  if (tail !== null && tail !== '') {
    if (tail === 'all') q.delete('tailLines');
    else q.set('tailLines', tail);
  }
  const follow = bool(q.get('follow'));
  const previous = bool(q.get('previous'));
  const timestamps = bool(q.get('timestamps'));
  const sinceSeconds = int(q.get('sinceSeconds'));
  const tailLines = int(q.get('tailLines'));
  const limitBytes = int(q.get('limitBytes'));
  const sinceTimeRaw = q.get('sinceTime');
  const sinceTime = sinceTimeRaw === null ? undefined : Date.parse(sinceTimeRaw);
  if ([follow, previous, timestamps, sinceSeconds, tailLines, limitBytes].includes('bad') || Number.isNaN(sinceTime)) return { status: 400, error: DECODE };
  const stream = q.get('stream');
  if (stream !== null && stream !== 'All') return { status: 400, error: DECODE };
  if (sinceSeconds !== undefined && sinceTime !== undefined) return { status: 422, error: INVALID };
  if ((typeof sinceSeconds === 'number' && sinceSeconds < 1) || (typeof tailLines === 'number' && tailLines < 0) || (typeof limitBytes === 'number' && limitBytes < 1)) {
    return { status: 422, error: INVALID };
  }
  const options: LogOptions = { follow: follow === true, previous: previous === true, timestamps: timestamps === true };
  if (typeof sinceSeconds === 'number') options.since = now - sinceSeconds * 1000;
  if (sinceTime !== undefined) options.since = sinceTime;
  if (typeof tailLines === 'number') options.tailLines = tailLines;
  if (typeof limitBytes === 'number') options.limitBytes = limitBytes;
  return options;
}
