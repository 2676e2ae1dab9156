/**
 * Reply: what every command answers, applied writes and reads alike, independent of the wire
 * protocol. The state machine (apply), the backend and the command handlers all speak it; the
 * RESP encoder (src/server/respEncoder.ts) writes it as RESP2 or RESP3 per connection, so a
 * command never needs to know which protocol its client speaks.
 *
 *   kind                    RESP3                   RESP2 (what Redis 7 sends a RESP2 client)
 *   null                    _                       $-1 (null bulk)
 *   {nullArray}             _                       *-1
 *   number | bigint         :n                      :n
 *   string | Uint8Array     $len bytes              $len bytes     (string: UTF-8)
 *   Reply[]                 *n ...                  *n ...
 *   {simple}                +text                   +text
 *   {error}                 -CODE text              -CODE text     (text starts with its code)
 *   {double}                ,d                      $len d         (Redis's %.17g, inf, -inf)
 *   {bool}                  #t / #f                 :1 / :0
 *   {map: [k, v][]}         %n k v ...              *2n k v ...    (HGETALL, CONFIG GET)
 *   {set: v[]}              ~n v ...                *n v ...       (SMEMBERS, SINTER)
 *   {pairs: [a, b][]}       *n of *2 a b            *2n a b ...    (ZRANGE WITHSCORES, …)
 *   {verbatim, format}      =len fmt:text           $len text      (INFO, CLIENT LIST)
 *   {push: v[]}             >n v ...                *n v ...       (pub/sub messages)
 *
 * `pairs` exists because Redis changes the SHAPE, not only the types, of some replies under
 * RESP3 (ZRANGE … WITHSCORES is a flat array in RESP2, an array of [member, score] in RESP3).
 */
export type Reply =
  | null
  | number
  | bigint
  | string
  | Uint8Array
  | Reply[]
  | { simple: string }
  | { error: string }
  | { nullArray: true }
  | { double: number }
  | { bool: boolean }
  | { map: [Reply, Reply][] }
  | { set: Reply[] }
  | { pairs: [Reply, Reply][] }
  | { verbatim: string; format: 'txt' | 'mkd' }
  | { push: Reply[] };

export const okReply: Reply = Object.freeze({ simple: 'OK' });
export const nullArrayReply: Reply = Object.freeze({ nullArray: true as const });

/** A reply that is an error (an `{error}` object). */
export function isErrorReply(reply: Reply): reply is { error: string } {
  return typeof reply === 'object' && reply !== null && !Array.isArray(reply)
    && !(reply instanceof Uint8Array) && 'error' in reply;
}

/**
 * A double as Redis 7.0 prints it (`%.17g`, with `inf`/`-inf`): ZSCORE 1.1 is
 * "1.1000000000000001", 3 is "3", 1e21 is "1e+21", 0.00001 is "1.0000000000000001e-05".
 */
export function formatDouble(d: number): string {
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  if (Number.isNaN(d)) return 'nan';
  if (d === 0) return Object.is(d, -0) ? '-0' : '0';
  // %.17g: 17 significant digits; exponent form when exp < -4 or exp >= 17; then trailing
  // zeros (and a trailing point) are removed.
  const [mantissa, expText] = d.toExponential(16).split('e') as [string, string];
  const exp = Number(expText);
  if (exp < -4 || exp >= 17) {
    const digits = stripZeros(mantissa);
    const sign = exp < 0 ? '-' : '+';
    const abs = Math.abs(exp);
    return `${digits}e${sign}${abs < 10 ? `0${abs}` : abs}`;
  }
  return stripZeros(d.toFixed(Math.max(0, 16 - exp)));
}

function stripZeros(text: string): string {
  if (!text.includes('.')) return text;
  return text.replace(/0+$/, '').replace(/\.$/, '');
}
