import { SwornError } from '../errors.js';
import { NO_CHAOS, type Chaos } from './behaviour.js';

const KEYS = ['error', 'latency', 'reset', 'truncate'] as const;

/**
 * Reads game-day settings: `error=2x,latency=3x,reset=1%,truncate=0.5%`.
 * `error` and `latency` multiply the promised error rate and every delay
 * (`x` optional); `reset` and `truncate` are the share of requests whose
 * connection is reset before an answer, or whose body is cut off. `none`
 * clears everything. Missing keys keep `base`'s value.
 */
export function parseChaos(text: string, base: Chaos = NO_CHAOS, where = '--chaos'): Chaos {
  const out: Chaos = { ...base };
  const trimmed = text.trim();
  if (trimmed === '' || trimmed === 'none') return { ...NO_CHAOS };
  for (const part of trimmed.split(/[,;]\s*/)) {
    const m = /^\s*([a-z]+)\s*=\s*([\d.]+)\s*(x|%)?\s*$/i.exec(part);
    const key = m?.[1]?.toLowerCase() as (typeof KEYS)[number] | undefined;
    if (!m || !key || !KEYS.includes(key)) {
      throw new SwornError('SWORN_ERR_USAGE', `${where} ${JSON.stringify(part)} is not a chaos setting`, { hint: 'Write e.g. error=2x,latency=3x,reset=1%,truncate=0.5% (or none).' });
    }
    const value = Number(m[2]);
    const unit = m[3]?.toLowerCase();
    if (!Number.isFinite(value) || value < 0) throw new SwornError('SWORN_ERR_USAGE', `${where} ${key}=${m[2]} is not a number`, { hint: `Write e.g. ${key}=${key === 'reset' || key === 'truncate' ? '1%' : '2x'}.` });
    if (key === 'reset' || key === 'truncate') {
      if (unit === 'x') throw new SwornError('SWORN_ERR_USAGE', `${where} ${key} is a share of requests, not a multiplier`, { hint: `Write e.g. ${key}=1% (or ${key}=0.01).` });
      const share = unit === '%' ? value / 100 : value;
      if (share > 1) throw new SwornError('SWORN_ERR_USAGE', `${where} ${key}=${m[2]}${unit ?? ''} is over 100%`, { hint: `Write a share from 0% to 100%, e.g. ${key}=1%.` });
      out[key] = share;
    } else {
      if (unit === '%') throw new SwornError('SWORN_ERR_USAGE', `${where} ${key} is a multiplier, not a share`, { hint: `Write e.g. ${key}=2x (twice the promised ${key === 'error' ? 'error rate' : 'latency'}).` });
      out[key] = value;
    }
  }
  return out;
}

export function formatChaos(chaos: Chaos): string {
  return `error=${chaos.error}x,latency=${chaos.latency}x,reset=${round(chaos.reset * 100)}%,truncate=${round(chaos.truncate * 100)}%`;
}

const round = (n: number) => Math.round(n * 1e6) / 1e6;
