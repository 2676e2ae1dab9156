/**
 * Every bound of the RESP server, validated before the server is built (which option, which
 * value). Defaults follow Redis where Redis has one.
 */
import { defaultDecoderLimits, type RespDecoderLimits } from './respDecoder.js';

export interface ServerLimits extends RespDecoderLimits {
  /** Decoded commands of one connection waiting for or being executed, not yet answered;
   * reading from the socket pauses at this depth. */
  pipelineDepthMax: number;
  /** Bytes of those commands' arguments; reading pauses beyond it. */
  pipelineBytesMax: number;
  /** Reply bytes buffered in the socket; reading pauses beyond it until the client reads. */
  outputBytesHighWater: number;
  /** Connections at once (Redis maxclients); one more gets an error and is closed. */
  connectionsMax: number;
  /** Most keys KEYS returns (beyond: an error telling to use SCAN). */
  keysResultMax: number;
  /** RANGE's LIMIT bound and default. */
  rangeLimitMax: number;
  /** SCAN's COUNT is clamped to this. */
  scanCountMax: number;
}

export const defaultServerLimits: Readonly<ServerLimits> = Object.freeze({
  ...defaultDecoderLimits,
  pipelineDepthMax: 1024,
  pipelineBytesMax: 64 * 1024 * 1024,
  outputBytesHighWater: 4 * 1024 * 1024,
  connectionsMax: 10_000,
  keysResultMax: 1_000_000,
  rangeLimitMax: 10_000,
  scanCountMax: 100_000,
});

export class ServerConfigError extends Error {
  override name = 'ServerConfigError';
}

export function validateLimits(partial: Partial<ServerLimits> = {}): ServerLimits {
  const limits: ServerLimits = { ...defaultServerLimits, ...partial };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || (value as number) < 1) {
      throw new ServerConfigError(
        `RESP server limit ${name} must be a positive integer, got ${String(value)}`);
    }
  }
  for (const name of Object.keys(partial)) {
    if (!(name in defaultServerLimits)) {
      throw new ServerConfigError(`unknown RESP server limit '${name}'`);
    }
  }
  return limits;
}
