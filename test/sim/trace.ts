/**
 * The run's fingerprint. Every event the world executes is folded into a 32-bit FNV-1a style
 * hash (numbers only, so hashing costs almost nothing); with `verbose` the events are also
 * kept as text lines for `npm run sim -- --seed N --trace`. Two runs of one seed must end
 * with the same hash: that is the determinism test.
 */
export class Trace {
  private h = 0x811c9dc5;
  eventCount = 0;
  readonly lines: string[] = [];

  constructor(
    readonly verbose: boolean,
    private readonly linesMax = 200_000,
  ) {}

  /** Folds a few integers into the hash. */
  mix(a: number, b = 0, c = 0, d = 0): void {
    this.eventCount++;
    this.h = fold(fold(fold(fold(this.h, a), b), c), d);
  }

  /** Folds a string into the hash (used for rarer, richer events). */
  mixText(text: string): void {
    let h = this.h;
    for (let i = 0; i < text.length; i++) h = fold(h, text.charCodeAt(i));
    this.h = h;
  }

  /** Records a text line when verbose; `make` is only called then. */
  line(timeMs: number, make: () => string): void {
    if (!this.verbose || this.lines.length >= this.linesMax) return;
    this.lines.push(`${String(timeMs).padStart(6)} ${make()}`);
  }

  hash(): string {
    return (this.h >>> 0).toString(16).padStart(8, '0');
  }
}

function fold(h: number, n: number): number {
  // Fold all 53 bits of safe integers: low word, then high word.
  const lo = n | 0;
  const hi = Math.floor(n / 4294967296) | 0;
  h = Math.imul(h ^ lo, 0x01000193);
  return Math.imul(h ^ hi, 0x01000193);
}
